#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_stress.sh RACEBED: time to the first violation of each stress scenario's mutant in stress mode (real threads,
# real clock, an owned redis-server; 10 tries, each capped at 1 s of stress, unpinned and with the client pinned to
# CPU 1) vs in the simulator (a whole `racebed run` process, median of 10 seeds). Both are wall seconds of the
# command, start-up included. Prints found/total and the ratio; where stress mode never finds it,
# the ratio printed is the lower bound cap / simulator time. Skips with a message without redis-server.
set -u
rb=${1:-./racebed}
command -v redis-server >/dev/null || { echo "stress vs simulator: skipped (redis-server not installed)"; exit 0; }
tries=${STRESS_TRIES:-10}
cap=${STRESS_CAP_S:-1}
now() { date +%s%N; }
printf '%-18s %-24s %-10s %14s %10s %16s %10s\n' scenario variant placement "stress found" "stress s" "simulator s" ratio
for sv in "thundering_herd mutant:check_then_set" "rapid_sequential mutant:check_then_set" "ttl_expiry mutant:no_renewal"; do
    set -- $sv
    # the simulator: median wall seconds over 10 seeds of a whole `racebed run` process, start-up included
    sims=()
    for seed in $(seq 1 10); do
        t0=$(now)
        "$rb" run "$1" --variant "$2" --seed "$seed" --no-shrink --out /tmp/racebed-bench-stress >/dev/null 2>&1
        t1=$(now)
        sims+=("$(awk -v n=$((t1 - t0)) 'BEGIN {printf "%.6f", n / 1e9}')")
    done
    sim=$(printf '%s\n' "${sims[@]}" | sort -g | sed -n '5p;6p' | awk '{s+=$1} END {printf "%.6f", s/NR}')
    for placement in unpinned cpu1; do
        pin=(); [ "$placement" = cpu1 ] && command -v taskset >/dev/null && pin=(taskset -c 1)
        found=0; total_ns=0
        for t in $(seq 1 "$tries"); do
            t0=$(now)
            out=$("${pin[@]}" "$rb" stress "$1" --variant "$2" --duration "$cap" 2>/dev/null)
            t1=$(now)
            if grep -q '^VIOLATION' <<<"$out"; then found=$((found + 1)); fi
            total_ns=$((total_ns + t1 - t0))
        done
        stress_s=$(awk -v n="$total_ns" -v f="$found" -v t="$tries" 'BEGIN {printf "%.3f", n / 1e9 / (f > 0 ? f : t)}')
        ratio=$(awk -v a="$stress_s" -v b="$sim" -v f="$found" 'BEGIN { r = (b > 0 ? a / b : 0); printf (f > 0 ? "%.0fx" : ">= %.0fx"), r }')
        printf '%-18s %-24s %-10s %11s/%-2s %10s %16s %10s\n' "$1" "$2" "$placement" "$found" "$tries" "$stress_s" "$sim" "$ratio"
    done
done
rm -rf /tmp/racebed-bench-stress
echo "(stress s: wall seconds per violation found, or per try when none was, server start included; a try stresses"
echo " for ${cap} s at most)"
