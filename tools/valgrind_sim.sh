#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# valgrind_sim.sh RACEBED: memcheck over the simulator itself (fiber stacks registered with valgrind, the fixed-
# address arena): a short run of every scenario x variant must report no error.
set -u
rb=${1:-./racebed}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0; n=0
while read -r scen variant _; do
    n=$((n + 1))
    # the shrinker's search for a shorter schedule runs too, on a small budget (it is a search over states)
    valgrind -q --error-exitcode=99 "$rb" run "$scen" --variant "$variant" --seed 1 --budget-execs 200 \
        --shrink-execs 300 --quiet --out "$T/o" >"$T/log" 2>&1
    rc=$?
    if [ $rc = 99 ] || [ $rc -gt 1 ] || grep -q '^==[0-9]*==' "$T/log"; then
        echo "FAIL valgrind: $scen $variant (exit $rc)"; head -n 30 "$T/log"; fail=1
    fi
done < <("$rb" list)
# the exhaustive modes: snapshot and restore rewrite registered fiber stacks, DPOR replays from the root
for args in "stale_token --variant mutant:get_compare_del --reduce hash" "thundering_herd --threads 3 --reduce hash" \
    "stale_token --reduce dpor" "singleton --threads 3 --reduce dpor" "store_restart --reduce hash --shortest"; do
    n=$((n + 1))
    valgrind -q --error-exitcode=99 "$rb" run $args --runs 100000 --quiet --out "$T/o" >"$T/log" 2>&1
    rc=$?
    if [ $rc = 99 ] || { [ $rc -gt 1 ] && [ $rc != 5 ]; } || grep -q '^==[0-9]*==' "$T/log"; then
        echo "FAIL valgrind: $args (exit $rc)"; head -n 30 "$T/log"; fail=1
    fi
done
echo "valgrind: $n scenario x variant runs of the simulator, $([ $fail = 0 ] && echo clean || echo 'ERRORS')"
exit $fail
