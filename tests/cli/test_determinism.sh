#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_determinism.sh RACEBED [RACEBED_ASAN]: determinism is checked across processes and builds, never inside one.
# For every scenario x variant, the same seed run in two SEPARATE processes must give the identical decision-stream
# hash and trace hash; the -O2 build and the ASan+UBSan build must give the same hashes too (a difference means
# undefined behaviour or an uninitialized read). Then every failing schedule replays to the same trace in both, and
# `run --check-determinism` (with and without --asan-build) finds every scenario deterministic.
set -u
rb=${1:-./racebed}
rb2=${2:-}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0; fail=0
while read -r scen variant _ && read -r faults; do
    args=(run "$scen" --variant "$variant" --seed 7 --runs 40 --hash --quiet --faults "$faults" --fault-permille 100
          --shrink-execs 300
          --out "$T/$scen-${variant#mutant:}-$faults")
    h1=$("$rb" "${args[@]}" 2>&1 | grep '^hash:')
    h2=$("$rb" "${args[@]}" 2>&1 | grep '^hash:')
    if [ -n "$h1" ] && [ "$h1" = "$h2" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL $scen $variant: two processes differ: '$h1' vs '$h2'"; fi
    if [ -n "$rb2" ]; then
        h3=$("$rb2" "${args[@]}" 2>&1 | grep '^hash:')
        if [ "$h1" = "$h3" ]; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL $scen $variant: -O2 and sanitizer builds differ: '$h1' vs '$h3'"; fi
    fi
done < <("$rb" list | while read -r l; do printf '%s\nnone\n%s\nall\n' "$l" "$l"; done)
for f in "$T"/*/*.sched; do
    [ -e "$f" ] || continue
    "$rb" replay "$f" >"$T/a" 2>&1
    "$rb" replay "$f" >"$T/b" 2>&1
    if cmp -s "$T/a" "$T/b"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL replay of $f differs between processes"; fi
    if [ -n "$rb2" ]; then
        "$rb2" replay "$f" >"$T/c" 2>&1
        if cmp -s "$T/a" "$T/c"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL replay of $f differs between builds"; diff "$T/a" "$T/c" | head; fi
    fi
done
# the self-check users run: --check-determinism compares every decision and trace line with a fresh process (and with
# --asan-build, with the sanitizer build), for every scenario with every fault kind on
for scen in $("$rb" list | awk '{print $1}' | sort -u); do
    for build in "" ${rb2:+--asan-build}; do
        "$rb" run "$scen" --check-determinism 3 --faults all $build >"$T/d" 2>&1
        rc=$?
        if [ $rc = 0 ] && grep -q "^DETERMINISTIC: 3 executions of $scen" "$T/d"; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL $scen --check-determinism $build: exit $rc"; head -n 4 "$T/d"; fi
    done
done
echo "determinism: $pass passed, $fail failed"
[ $fail = 0 ]
