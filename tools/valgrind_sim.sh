#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# valgrind_sim.sh RACEBED: memcheck over the simulator itself (fiber stacks registered with valgrind, the fixed-
# address arena): a short run of every scenario x variant must report no error. The runs are independent processes
# and go side by side, one per CPU (valgrind runs a program on one).
set -u
rb=${1:-./racebed}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)
{
    # the shrinker's search for a shorter schedule runs too, on a small budget (it is a search over states)
    "$rb" list | while read -r scen variant _; do
        echo "0 $scen --variant $variant --seed 1 --budget-execs 100 --shrink-execs 150"
    done
    # the exhaustive modes: snapshot and restore rewrite registered fiber stacks, DPOR replays from the root
    for args in "stale_token --variant mutant:get_compare_del --reduce hash" "thundering_herd --threads 3 --reduce hash" \
        "stale_token --reduce dpor" "singleton --threads 3 --reduce dpor" "store_restart --reduce hash --shortest"; do
        echo "5 $args --runs 20000"
    done
} >"$T/jobs"
# one run: "OK_EXIT ARGS...": exit 0 or 1 (a violation) is fine, and OK_EXIT too when it is not 0 (INCOMPLETE)
one() {
    local ok=$1; shift
    local log
    log=$(mktemp "$T/log.XXXXXX")
    valgrind -q --error-exitcode=99 "$rb" run "$@" --quiet --out "$log.o" >"$log" 2>&1
    local rc=$?
    if [ $rc = 99 ] || { [ $rc -gt 1 ] && [ "$rc" != "$ok" ]; } || grep -q '^==[0-9]*==' "$log"; then
        echo "FAIL valgrind: $* (exit $rc)"; head -n 30 "$log"
    fi
}
export -f one
export rb T
tr '\n' '\0' <"$T/jobs" | xargs -0 -P "$jobs" -I{} bash -c 'one $1' _ {} >"$T/out"
n=$(grep -c '' "$T/jobs")
cat "$T/out"
if grep -q '^FAIL' "$T/out"; then
    echo "valgrind: $n scenario x variant runs of the simulator, ERRORS"
    exit 1
fi
echo "valgrind: $n scenario x variant runs of the simulator, clean"
