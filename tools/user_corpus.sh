#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# user_corpus.sh RACEBED [DIR]: replays the users' schedule corpus (DIR, default schedules/user/) with `racebed check`:
# each schedule whose scenario is built into RACEBED is checked; one whose scenario is not (a plain `make` builds no
# user scenario) is skipped with a message naming the scenario and how to build it in. Exit: racebed check's code
# for the schedules checked, 0 if none could be.
set -u
rb=${1:?usage: user_corpus.sh RACEBED [DIR]}
dir=${2:-schedules/user}
shopt -s nullglob
files=("$dir"/*.sched)
[ ${#files[@]} -gt 0 ] || { echo "user corpus: no schedules in $dir/"; exit 0; }
built=$("$rb" list | awk '{print $1}' | sort -u)
run=()
for f in "${files[@]}"; do
    s=$(sed -n 's/^scenario //p' "$f" | head -n1)
    if grep -qxF -- "$s" <<<"$built"; then
        run+=("$f")
    else
        echo "user corpus: skip $f: scenario '$s' is not built in (make check SCENARIO=path/to/$s.c)"
    fi
done
[ ${#run[@]} -gt 0 ] || exit 0
"$rb" check "${run[@]}"
