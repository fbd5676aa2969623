#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# corpus_shortest.sh RACEBED [FILE...]: replaces each mutant schedule in the corpus (default schedules/*.sched that
# expect a violation) with a shortest one: a shortest-first search over states (--reduce hash --shortest) on
# the file's own parameters, looking for the file's oracle only (--oracle). A file keeps its '# race' and '# fix'
# lines; it is replaced only if that finds the oracle in fewer decisions (a race that needs a fault the exhaustive
# search does not branch on, such as a lost reply, keeps its shrunk schedule). Prints one line per file.
set -u
rb=${1:-./racebed}; shift
files=("$@"); [ ${#files[@]} -gt 0 ] || files=(schedules/*.sched)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for f in "${files[@]}"; do
    grep -q '^expect violation' "$f" || continue
    scen=$(sed -n 's/^scenario //p' "$f"); var=$(sed -n 's/^variant //p' "$f")
    oracle=$(sed -n 's/^expect violation //p' "$f")
    params=(); while read -r kv; do params+=(--param "$kv"); done < <(sed -n 's/^param //p' "$f")
    before=$(grep -cE '^(run|advance|wall|pause|crash|fault|restart) ' "$f")
    rm -rf "$T/out"
    "$rb" run "$scen" --variant "$var" "${params[@]}" --reduce hash --shortest --oracle "$oracle" \
        --budget-execs 20000000 --quiet \
        --out "$T/out" >"$T/log" 2>&1
    new=$(ls "$T"/out/*.sched 2>/dev/null | head -n 1)
    if [ -z "$new" ] || ! grep -q "^expect violation $oracle\$" "$new"; then
        echo "kept     $f ($before decisions): no shortest '$oracle' in the exhaustive bounds"; continue
    fi
    after=$(grep -cE '^(run|advance|wall|pause|crash|fault|restart) ' "$new")
    if [ "$after" -ge "$before" ]; then echo "kept     $f ($before decisions, already shortest)"; continue; fi
    { grep -E '^# (race|fix):' "$f"; cat "$new"; } >"$T/next" && mv "$T/next" "$f"
    echo "shortened $f: $before -> $after decisions"
done
