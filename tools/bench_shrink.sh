#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_shrink.sh RACEBED: the shrinker against the shortest schedule, for every mutant of racebed's own scenarios:
# the decisions of the schedule a seeded random run writes (shrunk by default) next to those of the shortest one for
# the same oracle and seed (--reduce hash --shortest --oracle --seed: the seed fixes tokens and jitter, so another
# seed's shortest can differ), and the seconds each took. Target: within 2 decisions.
# Exit 1 if a mutant's shrunk schedule misses the target.
set -u
rb=${1:-./racebed}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
dec() { grep -cE '^(run|advance|wall|pause|crash|fault|restart) ' "$1"; }
secs() { sed -n 's/^\[timing\] .* in \([0-9.]*\) s .*/\1/p' "$1"; }
printf '%-18s %-26s %-22s %8s %8s %8s\n' scenario variant oracle shrunk shortest seconds
bad=0; n=0; compared=0
while read -r scen variant _; do
    case $variant in mutant:*) ;; *) continue ;; esac
    t0=$(date +%s%N)
    "$rb" run "$scen" --variant "$variant" --out "$T/a" >"$T/a.log" 2>&1
    t1=$(date +%s%N)
    a=$(sed -n 's/^schedule: *\([^ ]*\).*/\1/p' "$T/a.log" | head -n1)
    [ -n "$a" ] || { printf '%-18s %-26s no schedule written\n' "$scen" "$variant"; bad=1; continue; }
    orc=$(sed -n 's/^expect violation //p' "$a")
    seed=$(sed -n 's/^seed //p' "$a")
    timeout 60 "$rb" run "$scen" --variant "$variant" --reduce hash --shortest --oracle "$orc" --seed "${seed:-1}" \
        --budget-execs 5000000 --out "$T/b" >"$T/b.log" 2>&1
    b=$(sed -n 's/^schedule: *\([^ ]*\).*/\1/p' "$T/b.log" | head -n1)
    grep -q '^shortest: no violation within' "$T/b.log" || b="" # stopped: the shortest so far proves nothing
    da=$(dec "$a"); db=$([ -n "$b" ] && dec "$b" || echo -)
    printf '%-18s %-26s %-22s %8s %8s %8s\n' "$scen" "$variant" "$orc" "$da" "$db" \
        "$(awk "BEGIN {printf \"%.2f\", ($t1 - $t0) / 1e9}")"
    n=$((n + 1))
    [ "$db" = - ] || compared=$((compared + 1))
    [ "$db" = - ] || [ "$da" -le $((db + 2)) ] || bad=1
    rm -rf "$T/a" "$T/b"
done < <("$rb" list)
if [ $bad = 0 ]; then
    echo "$compared of $n mutants compared: each shrunk schedule is within 2 decisions of the shortest" \
        "($((n - compared)) without a shortest one proved in 60 s or 5000000 executions: '-')"
else
    echo "SHRINK TARGET MISSED: a shrunk schedule is more than 2 decisions longer than the shortest"
fi
exit $bad
