#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_spin.sh [RACEBED]: the SPIN anchor half of `make bench`. The same lock protocol and bounds, checked two ways
# on this machine, one after the other:
#   - SPIN 6.5 on tests/bench/redlock.pml (a copy of ../shared/anchors/spin/redlock.pml; SPIN_PML=FILE for another):
#     pan compiled with -O2 -DSAFETY -DMEMLIM=16000 in a mktemp dir and run with -m1000000, exhaustive and lossless
#     both ways (the default and -DCOLLAPSE: the better of the two on each axis); for a failing configuration also
#     the -DBFS build, whose trail is the shortest counterexample (its actions counted below); for the passing ones,
#     SPIN's lossy modes (-DHC4, -DBITSTATE) in a table of their own, with their omission odds;
#   - racebed's exhaustive search of the spin_anchor scenario with the matching parameters (the second table), in
#     every --reduce mode this racebed has (none, and dpor and hash where built in, and hash with --jobs 2, hash up to
#     the clients' symmetry with --symmetry on, alone and with --jobs 2),
#     preemptions unbounded; a search over states prints its bytes a state and its fingerprint collision odds.
# Both columns count one unit, the action: a store op, a resource write, a clock step (a racebed time advance or
# wall step, a SPIN tick or jump) or a crash. SPIN's CS entry and loop exits are bookkeeping, not actions.
# Budgets: racebed's path searches (none, dpor) stop after SPIN_BENCH_EXECS executions (default 1000000) where the
# space is larger; its searches over states (hash, hash-j2) are bounded by their states, with racebed's own time budget
# 5 s under the cap (so a search cut short still reports its states, INCOMPLETE); every command is capped by
# `timeout` (SPIN_BENCH_TIMEOUT s, default 120). SPIN_BENCH_ONLY=TEXT runs only the configurations whose
# name holds TEXT; SPIN_BENCH_MODES="hash-sym hash-sym-j2" only those racebed modes. Without spin (apt-get install spin) or gcc it says so
# and prints the racebed half alone. Peak RSS needs /usr/bin/time (Debian's `time`); without it the column is '-'.
set -u
rb=${1:-./racebed}
root=$(cd "$(dirname "$0")/.." && pwd)
pml=${SPIN_PML:-$root/tests/bench/redlock.pml}
execs=${SPIN_BENCH_EXECS:-1000000}
tmo=${SPIN_BENCH_TIMEOUT:-120}
work=$(mktemp -d /tmp/racebed-bench-spin.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
[ -x "$rb" ] || { echo "bench_spin.sh: $rb is missing (make racebed)" >&2; exit 1; }

have_spin=0
if command -v spin >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 && [ -f "$pml" ]; then have_spin=1; fi
gnu_time=""
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && gnu_time=/usr/bin/time
# What this racebed's exhaustive search offers: a usage error (exit 2) means the option is not there yet.
rb_has() { timeout 10 "$rb" run spin_anchor --strategy exhaustive --budget-execs 1 --quiet --out "$work/probe" "$@" \
    >/dev/null 2>&1; [ $? != 2 ]; }
if ! "$rb" list 2>/dev/null | grep -q '^spin_anchor '; then
    echo "bench_spin.sh: $rb has no spin_anchor scenario" >&2
    exit 1
fi
modes=(none)
rb_has --reduce hash && modes=(none dpor hash)
rb_has --reduce hash --jobs 2 && modes+=(hash-j2)
rb_has --reduce hash --symmetry on && modes+=(hash-sym hash-sym-j2)
if [ -n "${SPIN_BENCH_MODES:-}" ]; then # only these of the modes this racebed has
    kept=()
    for m in "${modes[@]}"; do case " $SPIN_BENCH_MODES " in *" $m "*) kept+=("$m") ;; esac; done
    modes=("${kept[@]}")
fi
has_shortest=0
rb_has --shortest && has_shortest=1

# The configurations: name | SPIN -D flags | racebed parameters (see the mapping table printed at the end).
# Lease-ending rows get advances_max = floor(MAXT / (TTL + 1)) expiries + 1 lag; long-TTL rows without a jump or an
# admin get none (any advance could reach the deadline that SPIN's horizon MAXT never reaches).
common="--n 4 --retries 1 --cs-writes 2"
long="--ttl-ms 10000"
short="--ttl-ms 2000"
configs=()
add() { configs+=("$1|$2|$3"); }
add "correct N=4 C=0 long TTL, P1+P1'+P2" "-DN=4 -DC=0 -DTTL=10 -DMAXT=4 -DR=1 -DCSMAX=2" \
    "--variant core $common $long --check-p1 1 --advances-max 0 --crashes-max 0 --wall-steps-max 0"
add "correct N=4 C=1 TTL=2 JUMP, P1 off" "-DN=4 -DC=1 -DTTL=2 -DJUMP=1 -DCHK_P1=0 -DR=1 -DMAXT=4 -DCSMAX=2" \
    "--variant core $common $short --check-p1 0 --advances-max 2 --crashes-max 1 --wall-steps-max 1 --wall-step-ms 3000"
add "same, R=2 MAXT=6" "-DN=4 -DC=1 -DTTL=2 -DJUMP=1 -DCHK_P1=0 -DR=2 -DMAXT=6 -DCSMAX=2" \
    "--variant core --n 4 --retries 2 --cs-writes 2 $short --check-p1 0 --advances-max 3 --crashes-max 1 \
     --wall-steps-max 1 --wall-step-ms 3000"
add "B1 check-then-set, long TTL" "-DVARIANT=1 -DN=4 -DC=0 -DTTL=10 -DMAXT=4 -DR=1 -DCSMAX=2" \
    "--variant mutant:check_then_set $common $long --check-p1 1 --advances-max 0 --crashes-max 0 --wall-steps-max 0"
add "B2 plain DEL, TTL=2, P1 off" "-DVARIANT=2 -DN=4 -DC=0 -DTTL=2 -DMAXT=4 -DR=1 -DCSMAX=2 -DCHK_P1=0" \
    "--variant mutant:plain_del $common $short --check-p1 0 --advances-max 2 --crashes-max 0 --wall-steps-max 0"
add "B3 admin DEL, long TTL" "-DVARIANT=3 -DN=4 -DC=0 -DTTL=10 -DMAXT=4 -DR=1 -DCSMAX=2" \
    "--variant mutant:admin_del $common $long --check-p1 1 --advances-max 1 --crashes-max 0 --wall-steps-max 0"
add "JUMP K=11, P1 checked" "-DVARIANT=0 -DN=4 -DC=0 -DTTL=10 -DMAXT=4 -DJUMP=1 -DR=1 -DCSMAX=2" \
    "--variant core $common $long --check-p1 1 --advances-max 1 --crashes-max 0 --wall-steps-max 1 --wall-step-ms 11000"
add "FENCE=0, TTL=2, P1 off" "-DVARIANT=0 -DN=4 -DC=0 -DTTL=2 -DMAXT=4 -DFENCE=0 -DCHK_P1=0 -DR=1 -DCSMAX=2" \
    "--variant core $common $short --fence 0 --check-p1 0 --advances-max 2 --crashes-max 0 --wall-steps-max 0"

now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN {printf "%.2f", (b - a) / 1e9}'; }

# Runs "$@" under timeout (and GNU time when present); output to $work/out, peak RSS (KB) to $work/rss.
timed() {
    rm -f "$work/rss"
    if [ -n "$gnu_time" ]; then
        timeout "$tmo" "$gnu_time" -f %M -o "$work/rss" "$@" >"$work/out" 2>&1
    else
        timeout "$tmo" "$@" >"$work/out" 2>&1
    fi
}
rss_mb() {
    [ -s "$work/rss" ] || { echo -; return; }
    awk '/^[0-9]+$/ {v = $1} END {if (v) printf "%.0f", v / 1024; else print "-"}' "$work/rss"
}

# Actions in a SPIN trail replay (`spin -t -p`): a new action starts when the process or the source line changes,
# or the state number does not increase (the same one-line atomic again). init, CS entry, the CS loop's exit and
# 'fin' are bookkeeping; every other line of redlock.pml holds one action (its header says so).
spin_actions() {
    local skip
    skip=$(grep -n 'incs\[id\] = 1; ncs++\|r > 0 -> break\|fin\[id\] = 1' "$pml" | cut -d: -f1 | paste -sd,)
    awk -v skip="$skip" '
        BEGIN { n = 0; split(skip, s, ","); for (i in s) ex[s[i]] = 1 }
        /^#processes/ { done = 1 }
        !done && /^ *[0-9]+:[ \t]+proc +[0-9]+ \(.*\[/ {
            match($0, /proc +[0-9]+ \([^)]*\)/); who = substr($0, RSTART, RLENGTH)
            if (who ~ /:init:/) next
            match($0, /\.pml:[0-9]+/); line = substr($0, RSTART + 5, RLENGTH - 5)
            match($0, /\(state [0-9]+\)/); st = substr($0, RSTART + 7, RLENGTH - 8) + 0
            if (who != pw || line != pl || st <= ps) { if (!(line in ex)) n++ }
            pw = who; pl = line; ps = st
        }
        END { print n }'
}

# Actions in a racebed schedule file: store ops, resource writes, advances, wall steps, crashes, restarts.
rb_actions() {
    awk '/^(advance|wall|crash|restart) / {n++}
         /^run [^ ]+ (acquire|release|extend|get|set|del|pexpire|pttl|incr|scan|scan_del|revoke|res_write)( |$)/ {n++}
         END {print n + 0}' "$1"
}

# One pan build and run in $d: pan compiled with the extra -D flags "$2" into $d/$1 and run; its report in $d/$1.out.
# Sets p_states p_run (pan's own seconds) p_total (spin -a + gcc + pan) p_mem (MB) p_rc.
pan_run() {
    local name=$1 dflags=$2 t0
    t0=$(now_ns)
    # shellcheck disable=SC2086
    (cd "$d" && timeout "$tmo" gcc -O2 -DSAFETY -DMEMLIM=16000 $dflags -o "$name" pan.c >/dev/null 2>&1 &&
        timeout "$tmo" "./$name" -m1000000 >"$name.out" 2>&1)
    p_rc=$?
    p_total=$(awk -v a="$spin_a_s" -v b="$(secs_since "$t0")" 'BEGIN {printf "%.2f", a + b}')
    p_states=- p_run=- p_mem=-
    [ -s "$d/$name.out" ] || return
    p_states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' "$d/$name.out" | head -n1)
    p_run=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' "$d/$name.out" | head -n1)
    p_run=$(awk -v t="$p_run" 'BEGIN {printf "%.2f", t}')
    p_mem=$(sed -n 's/^ *\([0-9.]*\)[ \t]*total actual memory usage.*/\1/p' "$d/$name.out" | head -n1)
    p_mem=$(awk -v m="$p_mem" 'BEGIN {printf "%.0f", m}')
}

# SPIN's lossy modes on a passing configuration (after spin_one): one row each in $work/lossy.
spin_lossy() {
    local name=$1 n w bits k
    pan_run pan_hc4 -DHC4
    # hash-compact keeps 4 bytes beyond the table index (-w bits): about w + 32 bits tell states apart
    w=$(sed -n 's/.*memory used for hash table (-w\([0-9]*\)).*/\1/p' "$d/pan_hc4.out" | head -n1)
    n=${p_states:-0}
    printf '%-36s | %-9s %10s %10s %6s | %s\n' "$name" HC4 "$p_states" "$p_run/$p_total" "$p_mem" \
        "$(awk -v n="$n" -v b="$(( ${w:-24} + 32 ))" 'BEGIN {printf "collision odds <= %.0e (n^2 / 2^%d)", n * n / 2 ^ (b + 1), b + 1}')" \
        >>"$work/lossy"
    pan_run pan_bitstate -DBITSTATE
    bits=$(sed -n 's/.*memory used for hash array (-w\([0-9]*\)).*/\1/p' "$d/pan_bitstate.out" | head -n1)
    k=$(sed -n 's/^bits set per state: \([0-9]*\).*/\1/p' "$d/pan_bitstate.out" | head -n1)
    n=${p_states:-0}
    printf '%-36s | %-9s %10s %10s %6s | %s\n' "" BITSTATE "$p_states" "$p_run/$p_total" "$p_mem" \
        "$(awk -v n="$n" -v m="${bits:-27}" -v k="${k:-3}" 'BEGIN {f = (1 - exp(-k * n / 2 ^ m)) ^ k;
            printf "a new state taken as seen: %.0e at the end (k=%d, 2^%d bits)", f, k, m}')" >>"$work/lossy"
}

# SPIN on one configuration: sets s_verdict s_states s_run s_total s_mem s_cex.
spin_one() {
    local flags=$1 t0
    d=$work/spin
    rm -rf "$d"; mkdir -p "$d"; cp "$pml" "$d/model.pml"
    s_verdict=error s_states=- s_run=- s_total=- s_mem=- s_cex=-
    t0=$(now_ns)
    # shellcheck disable=SC2086
    (cd "$d" && timeout "$tmo" spin $flags -a model.pml >/dev/null 2>&1)
    spin_a_s=$(secs_since "$t0")
    pan_run pan ""
    local rc=$p_rc
    s_total=$p_total s_states=$p_states s_run=$p_run s_mem=$p_mem
    [ -s "$d/pan.out" ] || { [ $rc = 124 ] && s_verdict="timeout ${tmo}s"; return; }
    local errors
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$d/pan.out" | head -n1)
    if [ "${errors:-x}" = 0 ]; then
        s_verdict=pass
        grep -q 'Search not completed\|max search depth too small' "$d/pan.out" && s_verdict="pass (incomplete)"
        pan_run pan_collapse -DCOLLAPSE # lossless too: the better of the two on each axis
        [ "$p_rc" = 0 ] && s_run=$(awk -v a="$s_run" -v b="$p_run" 'BEGIN {print (b < a ? b : a)}') &&
            s_total=$(awk -v a="$s_total" -v b="$p_total" 'BEGIN {print (b < a ? b : a)}') &&
            s_mem=$(awk -v a="$s_mem" -v b="$p_mem" 'BEGIN {print (b < a ? b : a)}')
        return
    fi
    local what
    what=$(sed -n 's/^pan:1: assertion violated \(.*\) (at depth.*/\1/p' "$d/pan.out" | head -n1)
    case $what in
        *'ncs<=1'*) s_verdict="FAIL P1" ;;
        *'kval==0'*) s_verdict="FAIL P1'" ;;
        *'myf>=resmax'*) s_verdict="FAIL P2" ;;
        *) s_verdict="FAIL ${what:-?}" ;;
    esac
    # the shortest counterexample: the breadth-first build's trail, replayed and counted
    rm -f "$d/model.pml.trail"
    # shellcheck disable=SC2086
    if (cd "$d" && timeout "$tmo" gcc -O2 -DSAFETY -DMEMLIM=16000 -DBFS -o pan_bfs pan.c >/dev/null 2>&1 &&
        timeout "$tmo" ./pan_bfs -m1000000 >bfs.out 2>&1; [ -s model.pml.trail ]); then
        # shellcheck disable=SC2086
        s_cex=$(cd "$d" && timeout "$tmo" spin -t -p $flags model.pml 2>/dev/null | spin_actions)
    fi
}

# racebed on one configuration and mode: sets r_verdict r_execs r_states r_time r_rss r_cex r_bps r_odds.
rb_one() {
    local args=$1 mode=$2 t0 extra=() budget=(--budget-execs "$execs")
    r_verdict=error r_execs=- r_states=- r_time=- r_rss=- r_cex=- r_bps=- r_odds=-
    case $mode in
        none) extra+=(--preemptions-max 1000) ;; # as good as none for paths; dpor and hash explore every one
        hash-j2) extra+=(--reduce hash --jobs 2) ;;
        hash-sym) extra+=(--reduce hash --symmetry on) ;;
        hash-sym-j2) extra+=(--reduce hash --symmetry on --jobs 2) ;;
        *) extra+=(--reduce "$mode") ;;
    esac
    case $mode in hash*) budget=(--budget-execs 1000000000000 --budget $((tmo > 10 ? tmo - 5 : tmo))) ;; esac
    rm -rf "$work/rb"
    t0=$(now_ns)
    # shellcheck disable=SC2086
    timed "$rb" run spin_anchor $args --strategy exhaustive "${extra[@]}" "${budget[@]}" --out "$work/rb"
    local rc=$?
    r_time=$(secs_since "$t0")
    r_rss=$(rss_mb)
    if [ $rc = 124 ]; then r_verdict="timeout ${tmo}s"; return; fi
    local summary
    summary=$(grep -m1 -E '^(shard [^ ]+ )?exhaustive' "$work/out")
    r_execs=$(sed -n 's/.* \([0-9][0-9]*\) executions.*/\1/p' <<<"$summary")
    r_states=$(sed -n 's/.* \([0-9][0-9]*\) states stored.*/\1/p' <<<"$summary")
    r_states=${r_states:--}
    r_bps=$(sed -n 's/.*(\([0-9][0-9]*\) bytes a state).*/\1/p' <<<"$summary")
    r_bps=${r_bps:--}
    r_odds=$(sed -n 's/.*collision odds <= \([0-9.e+-]*\).*/\1/p' <<<"$summary")
    r_odds=${r_odds:--}
    if [ $rc = 1 ]; then
        r_verdict="FAIL $(sed -n 's/^VIOLATION \([^ :]*\).*/\1/p' "$work/out" | head -n1)"
        local sched
        sched=$(sed -n 's/^schedule: \(.*\) ([0-9]* decisions)$/\1/p' "$work/out" | head -n1)
        [ -n "$sched" ] && [ -f "$sched" ] && r_cex="$(rb_actions "$sched")"
    elif [ $rc = 0 ]; then
        r_verdict=pass
        grep -q 'the whole bounded space' <<<"$summary" || r_verdict="pass (budget)"
    elif [ $rc = 5 ]; then # INCOMPLETE: a budget ended it with no violation found
        r_verdict="incomplete"
    else
        r_verdict="error rc=$rc"
    fi
}

# The shortest racebed counterexample, by iterative deepening (--shortest) where this racebed has it.
rb_shortest() {
    local args=$1
    [ $has_shortest = 1 ] || return
    rm -rf "$work/rbs"
    # shellcheck disable=SC2086
    timeout "$tmo" "$rb" run spin_anchor $args --strategy exhaustive --shortest --budget-execs "$execs" \
        --out "$work/rbs" >"$work/out_s" 2>&1
    local sched
    sched=$(sed -n 's/^schedule: \(.*\) ([0-9]* decisions)$/\1/p' "$work/out_s" | head -n1)
    [ -n "$sched" ] && [ -f "$sched" ] && r_cex="$(rb_actions "$sched") (shortest)"
}

echo "SPIN anchor vs racebed's exhaustive search (spin_anchor): the same protocol and bounds, one action = one store"
echo "op, resource write, clock step or crash; racebed budget $execs executions (none, dpor; hash: its states and"
echo "$((tmo > 10 ? tmo - 5 : tmo)) s), every command capped at ${tmo} s"
if [ $have_spin = 0 ]; then
    if [ ! -f "$pml" ]; then
        echo "SPIN half skipped: no model at $pml"
    else
        echo "SPIN half skipped: spin or gcc is not installed (sudo apt-get install spin gcc); racebed's half alone:"
    fi
fi
row() { printf '%-36s | %-9s %10s %12s %8s %4s | %-11s %-24s %10s %10s %7s %6s %5s %6s %s\n' "$@"; }
row configuration "SPIN" states "time s" "MB" cex racebed verdict executions states "time s" "RSS MB" "B/st" "odds" cex
row "" "verdict" "stored" "run/total" "" "" mode "" "" stored "" "" "" "" ""
printf '%s\n' "$(printf '%.0s-' $(seq 1 176))"
: >"$work/lossy"
for c in "${configs[@]}"; do
    IFS='|' read -r name flags args <<<"$c"
    case $name in *"${SPIN_BENCH_ONLY:-}"*) ;; *) continue ;; esac
    s_verdict=skipped s_states=- s_run=- s_total=- s_mem=- s_cex=-
    [ $have_spin = 1 ] && spin_one "$flags"
    failing=0
    case $name in B*|JUMP*|FENCE*) failing=1 ;; esac
    [ $have_spin = 1 ] && [ $failing = 0 ] && [ "$s_verdict" = pass ] && spin_lossy "$name"
    first=1
    for mode in "${modes[@]}"; do
        [ $failing = 1 ] && [ "$mode" != none ] && continue # a bug's row: time to the first violation, shortest
        rb_one "$args" "$mode"
        [ $failing = 1 ] && [ "${r_verdict#FAIL}" != "$r_verdict" ] && rb_shortest "$args"
        if [ $first = 1 ]; then
            row "$name" "$s_verdict" "$s_states" "$s_run/$s_total" "$s_mem" "$s_cex" \
                "$mode" "$r_verdict" "$r_execs" "$r_states" "$r_time" "$r_rss" "$r_bps" "$r_odds" "$r_cex"
        else
            row "" "" "" "" "" "" "$mode" "$r_verdict" "$r_execs" "$r_states" "$r_time" "$r_rss" "$r_bps" "$r_odds" \
                "$r_cex"
        fi
        first=0
    done
done
if [ -s "$work/lossy" ]; then
    echo
    echo "SPIN's lossy modes on the passing rows (not a proof: a state taken for one seen before is never explored)"
    printf '%-36s | %-9s %10s %10s %6s | %s\n' configuration mode states "time s" MB "omission"
    cat "$work/lossy"
fi
cat <<'EOF'
(SPIN time: pan's own elapsed seconds / spin -a + gcc + pan, the better of the default and -DCOLLAPSE builds on
 each axis (both lossless); MB: pan's total actual memory. racebed B/st: bytes a stored state (visited set and
 snapshots at their peak); odds: the chance two distinct states share the 108 fingerprint bits its visited set
 keeps (n^2 / 2^109). hash-j2: --reduce hash --jobs 2, two workers sharing one visited set. hash-sym: --reduce
 hash --symmetry on, a state stored once for all renamings of c1..cN (entropy=ids: tokens name their thread, jitter
 fixed); hash-sym-j2: the same with --jobs 2. cex: actions in the
 shortest counterexample: SPIN's -DBFS trail; racebed's --shortest schedule (iterative deepening) where it has one,
 else the first one the depth-first search found. racebed verdicts name the oracle; "incomplete" or "pass (budget)": no violation in
 the executions explored, the bounded space is larger.)

parameter mapping: SPIN (redlock.pml) -> racebed (spin_anchor and the built-in parameters)
  N        n: clients c1..cN, one process each
  R        retries: tries again at once after a refused try-acquire (no sleep); each try is one ACQUIRE script
  C        crashes_max: crash decisions of a client thread the exhaustive search branches on; the key stays to its TTL
  TTL      ttl_ms = TTL x 1000 (one SPIN tick = 1000 ms); a store op takes rtt_us = 1000 us, so without time
           decisions a whole run fits inside one tick, as SPIN's actions take no time
  MAXT     advances_max = floor(MAXT / (TTL + 1)) expiry advances, + 1 lag where a lease can end early; 0 with a
           long TTL and nothing else ending a lease
  JUMP/K   wall_steps_max = 1 with wall_step_ms = K x 1000: one forward step of the server's wall clock
  CSMAX    cs_writes: fenced writes per critical section (racebed does exactly that many, stopping at a refusal;
           SPIN does 1..CSMAX)
  VARIANT  --variant core | mutant:check_then_set (B1) | mutant:plain_del (B2) | mutant:admin_del (B3, one DEL by a
           thread marked administrator)
  FENCE    fence: 1 the resource refuses a number below the highest seen; 0 it trusts the lock
  CHK_P1   check_p1 (oracle expect_mutual_exclusion); P1' is no_foreign_delete, P2 is resource_fence_order; racebed
           also checks lease_safety, revoked_write, client_validity and leaks in every row
time: SPIN's Clock ticks freely, but a tick changes an outcome only when it makes now > kdl for the live key (the
  PURGE); any other tick only moves later deadlines, which matter again only at their own expiry. racebed's time
  decisions (sim_advance_targets) offer exactly those instants: the next wake-up of a waiting thread, and for each
  live key with a TTL the first instant an op sent then finds it expired (server deadline + 1 ms, less RTT/2). So one
  racebed advance stands for the run of SPIN ticks up to the next PURGE, and the K-tick JUMP is one wall decision.
  What racebed must spend an advance on that SPIN gets free is asynchrony: in SPIN any process may lag; in racebed an
  enabled thread acts before time moves, so a stale holder that acts after its successor's reply needs one advance
  to the next wake-up while it is enabled (the "+ 1 lag" above).
EOF
