#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# nightly.sh RACEBED [OUTDIR]: the nightly job (`make nightly`). Every scenario's core, on all local cores through GNU
# parallel (Debian's `parallel`; xargs -P when it is missing):
#   - the exhaustive search over states (--reduce hash) within the scenario's bounds (its table of crashes_max,
#     wall_steps_max, advances_max; every preemption), with the scenario's race probes required, which must
#     complete;
#   - the naive exhaustive search of the smallest scenarios split into one shard per core (the shards' union is the
#     whole search), the way a search too large for one host is spread;
#   - the random strategy with every fault kind on, with the scenario's race probes required (a green night proves
#     each race was exercised);
#   - the crash sweep, by thread and by process;
#   - for the scenarios that declare symmetric clients, the search over states with --symmetry on and off, which
#     must agree (tools/symmetry_compare.sh).
# Every mutant must still be found (canaries). Results and failing schedules go under OUTDIR (reports/nightly); the
# summary is OUTDIR/summary.txt, and OUTDIR/junit.xml has one JUnit testcase per job (its command line; a failure
# holds its output's tail). Exit 1 if anything failed.
set -u
rb=${1:-./racebed}
out=${2:-reports/nightly}
execs=${NIGHTLY_EXECS:-200000}
exh_execs=${NIGHTLY_EXHAUSTIVE_EXECS:-100000000}
jobs=$(nproc 2>/dev/null || echo 2)
rm -rf "$out"; mkdir -p "$out"
{
    for s in $("$rb" list | awk '{print $1}' | sort -u); do
        # the exhaustive search over states, at a size that completes in seconds to minutes on one core
        size=""
        case $s in thundering_herd) size="--threads 3" ;; rapid_sequential) size="--requests 3" ;; esac
        # the reader-writer, fair, per-scope and cache/DB locks' cores are proved with two time advances (each
        # scenario's own bound is one or none, to keep `make demo` and `make check` short): about 140 s for
        # fair_queue and 80 s for rw_memory on one core
        case $s in cache_db | collection_ingest | fair_queue | rw_memory) size="--param advances_max=2" ;; esac
        echo "$rb run $s --reduce hash --budget-execs $exh_execs $size --quiet --out $out/$s --require-probes race --expect-complete"
        case $s in stale_token | thundering_herd)
            for i in $(seq 0 $((jobs - 1))); do
                echo "$rb run $s --strategy exhaustive --shard $i/$jobs --budget-execs $exh_execs $size --quiet --out $out/$s --expect-complete"
            done ;;
        esac
        echo "$rb run $s --faults all --budget-execs $execs --quiet --out $out/$s --require-probes race"
        echo "$rb sweep $s --quiet --out $out/$s"
        echo "$rb sweep $s --process --quiet --out $out/$s"
    done
    "$rb" list | awk '$2 ~ /^mutant:/ {print $1" "$2}' | while read -r s v; do
        echo "$rb run $s --variant $v --budget-execs 200000 --quiet --out $out/canary --expect-violation"
        size=""
        case $s in thundering_herd) size="--threads 3" ;; rapid_sequential) size="--requests 3" ;; esac
        echo "$rb run $s --variant $v --reduce hash --budget-execs $exh_execs $size --quiet --out $out/canary-exhaustive --expect-violation"
    done
    # the search up to symmetry against the search without it, where a scenario declares symmetric clients
    cmp="$(cd "$(dirname "$0")" && pwd)/symmetry_compare.sh $rb"
    listed=" $("$rb" list | awk '{print $1}' | sort -u | tr '\n' ' ') "
    if [[ $listed == *" spin_anchor "* ]]; then
        for v in core mutant:check_then_set mutant:plain_del mutant:admin_del; do
            echo "$cmp spin_anchor --variant $v --param n=3" # the core proves, each mutant fails
        done
        echo "$cmp spin_anchor --param n=3 --param admin=1 --param retries=0"
    fi
    if [[ $listed == *" clear_vs_holders "* ]]; then
        for v in core mutant:del_all; do echo "$cmp clear_vs_holders --variant $v --param threads=3"; done
    fi
    if [[ $listed == *" rw_memory "* ]]; then
        for v in core mutant:count_get_set mutant:no_writer_preference mutant:reader_pins; do
            echo "$cmp rw_memory --variant $v --param readers=3 --param stagger_ms=0 --param rounds=1"
        done
    fi
} >"$out/jobs.txt"
# a mutant must be found: exit 1 is success there; an exhaustive search must cover its whole bounded space
# (--expect-violation and --expect-complete are ours, stripped here)
# A job's record in results.txt: "ok|FAIL rc=N t=SECONDS COMMAND", its verdict lines indented, and for a failure the
# last lines of its output, each as "     | LINE" (what junit.xml's <failure> holds).
run_job() {
    local cmd=$1 want=0 complete=0 out rc t0 t1 rec
    # each job writes its whole record to a file of its own: jobs side by side (xargs -P) never interleave lines
    rec=$(mktemp "$NIGHTLY_RECORDS/job.XXXXXX") || return 1
    case $cmd in *--expect-violation*) want=1; cmd=${cmd% --expect-violation} ;; esac
    case $cmd in *--expect-complete*) complete=1; cmd=${cmd% --expect-complete} ;; esac
    t0=$(date +%s.%N)
    out=$($cmd 2>&1); rc=$?
    t1=$(date +%s.%N)
    local verdict=ok
    [ $rc = $want ] || verdict=FAIL
    [ $complete = 0 ] || grep -q 'the whole bounded space' <<<"$out" || verdict=FAIL
    {
        printf '%-4s rc=%s t=%s %s\n     %s\n' "$verdict" "$rc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" "$cmd" \
            "$(grep -E '^(PASS|PROVED|VIOLATION|PROBE|INCOMPLETE|exhaustive|shard)' <<<"$out" | head -n 3 | tr '\n' ' ')"
        [ $verdict = ok ] || tail -n 20 <<<"$out" | LC_ALL=C tr -c '\11\12\40-\176' '?' | sed 's/^/     | /'
    } >"$rec"
}
export -f run_job
export NIGHTLY_RECORDS="$out/records"
mkdir -p "$NIGHTLY_RECORDS"
if command -v parallel >/dev/null 2>&1; then
    parallel --will-cite -j "$jobs" run_job :::: "$out/jobs.txt"
else
    echo "nightly: GNU parallel not installed (sudo apt-get install parallel); using xargs -P $jobs" >&2
    tr '\n' '\0' <"$out/jobs.txt" | xargs -0 -P "$jobs" -I{} bash -c 'run_job "$1"' _ {}
fi
cat "$NIGHTLY_RECORDS"/job.* >"$out/results.txt" 2>/dev/null
rm -rf "$NIGHTLY_RECORDS"
fails=$(grep -c '^FAIL' "$out/results.txt")
total=$(grep -c '^\(ok\|FAIL\)' "$out/results.txt")
want_total=$(grep -c . "$out/jobs.txt")
[ "$total" = "$want_total" ] || { echo "nightly: only $total of $want_total jobs left a record" >&2; fails=$((fails + 1)); }
bash "$(dirname "$0")/nightly_junit.sh" "$out/results.txt" >"$out/junit.xml" ||
    { echo "nightly: could not write $out/junit.xml" >&2; fails=$((fails + 1)); }
{ echo "racebed nightly: $total jobs on $jobs cores, $fails failed (JUnit: $out/junit.xml)"; grep -A1 '^FAIL' "$out/results.txt"; } |
    tee "$out/summary.txt"
[ "$fails" = 0 ]
