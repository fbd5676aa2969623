#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# nightly.sh RACEBED [OUTDIR]: the nightly job (`make nightly`). Every scenario's core, on all local cores through GNU
# parallel (Debian's `parallel`; xargs -P when it is missing):
#   - the exhaustive search within its bounds, split into one shard per core (the shards' union is the whole search);
#   - the random strategy with every fault kind on, with the scenario's race probes required (a green night proves
#     each race was exercised);
#   - the crash sweep, by thread and by process.
# Every mutant must still be found (canaries). Results and failing schedules go under OUTDIR (reports/nightly); the
# summary is OUTDIR/summary.txt. Exit 1 if anything failed.
set -u
rb=${1:-./racebed}
out=${2:-reports/nightly}
execs=${NIGHTLY_EXECS:-200000}
exh_execs=${NIGHTLY_EXHAUSTIVE_EXECS:-2000000}
jobs=$(nproc 2>/dev/null || echo 2)
rm -rf "$out"; mkdir -p "$out"
# the probes each race class must reach under faults
declare -A probes=(
    [stale_token]=stale_release [ttl_expiry]=ttl_expired_in_cs,renewal_racing_expiry,fence_refused
    [clear_vs_holders]=clear_while_held,fence_refused [store_restart]=wall_step_during_hold,fence_refused
    [per_key_timeout]=wait_on_crashed_holder [thundering_herd]=wait_on_crashed_holder
    [rapid_sequential]=stale_release,wait_on_crashed_holder [sleep_mitigation]=wait_on_crashed_holder
)
{
    for s in $("$rb" list | awk '{print $1}' | sort -u); do
        # the exhaustive search with 2 clients where the scenario has a 'threads' parameter
        size=""; "$rb" run "$s" --threads 2 --budget-execs 1 --quiet --out "$out/probe" >/dev/null 2>&1; [ $? = 2 ] || size="--threads 2"
        for i in $(seq 0 $((jobs - 1))); do
            echo "$rb run $s --strategy exhaustive --preemptions-max 2 --shard $i/$jobs --budget-execs $exh_execs $size --quiet --out $out/$s"
        done
        p=${probes[$s]:-}
        echo "$rb run $s --faults all --budget-execs $execs --quiet --out $out/$s ${p:+--require-probes $p}"
        echo "$rb sweep $s --quiet --out $out/$s"
        echo "$rb sweep $s --process --quiet --out $out/$s"
    done
    "$rb" list | awk '$2 ~ /^mutant:/ {print $1" "$2}' | while read -r s v; do
        echo "$rb run $s --variant $v --budget-execs 200000 --quiet --out $out/canary --expect-violation"
    done
} >"$out/jobs.txt"
# a mutant must be found: exit 1 is success there (--expect-violation is ours, stripped here)
run_job() {
    local cmd=$1 want=0
    case $cmd in *--expect-violation*) want=1; cmd=${cmd% --expect-violation} ;; esac
    out=$($cmd 2>&1); rc=$?
    local verdict=ok
    [ $rc = $want ] || verdict=FAIL
    printf '%-4s rc=%s %s\n     %s\n' "$verdict" "$rc" "$cmd" "$(grep -E '^(PASS|VIOLATION|PROBE|exhaustive|shard)' <<<"$out" | head -n 3 | tr '\n' ' ')"
}
export -f run_job
if command -v parallel >/dev/null 2>&1; then
    parallel --will-cite -j "$jobs" run_job :::: "$out/jobs.txt" >"$out/results.txt"
else
    echo "nightly: GNU parallel not installed (sudo apt-get install parallel); using xargs -P $jobs" >&2
    tr '\n' '\0' <"$out/jobs.txt" | xargs -0 -P "$jobs" -I{} bash -c 'run_job "$1"' _ {} >"$out/results.txt"
fi
fails=$(grep -c '^FAIL' "$out/results.txt")
total=$(grep -c '^\(ok\|FAIL\)' "$out/results.txt")
{ echo "racebed nightly: $total jobs on $jobs cores, $fails failed"; grep -A1 '^FAIL' "$out/results.txt"; } | tee "$out/summary.txt"
[ "$fails" = 0 ]
