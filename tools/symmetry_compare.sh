#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# symmetry_compare.sh RACEBED SCENARIO [ARGS...]: the search over states of SCENARIO (which declares symmetric
# clients) with --symmetry off and on, both drawing ids (entropy=ids), must agree: the same verdict (and violated
# oracle), the same naive execution count, and no more states with symmetry than without. Prints both summaries and
# one line "symmetry: agree ..." or "symmetry: DISAGREE ..."; exit 0 when they agree, 1 when not, 2 on a usage error.
# `make nightly` runs it on every scenario that declares symmetry, at small bounds.
set -u
rb=${1:?usage: symmetry_compare.sh RACEBED SCENARIO [ARGS...]}
sc=${2:?usage: symmetry_compare.sh RACEBED SCENARIO [ARGS...]}
shift 2
work=$(mktemp -d /tmp/racebed-symmetry.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
declare -A verdict naive states rc
for s in off on; do
    "$rb" run "$sc" "$@" --strategy exhaustive --reduce hash --param entropy=ids --symmetry "$s" \
        --budget-execs 1000000000000 --quiet --out "$work/$s" >"$work/$s.txt" 2>&1
    rc[$s]=$?
    [ "${rc[$s]}" = 2 ] && { cat "$work/$s.txt"; exit 2; }
    summary=$(grep -m1 '^exhaustive' "$work/$s.txt")
    naive[$s]=$(sed -n 's/.*the naive search: \([0-9]*\) executions.*/\1/p' <<<"$summary")
    states[$s]=$(sed -n 's/.* \([0-9]*\) states stored.*/\1/p' <<<"$summary")
    verdict[$s]=$(grep -m1 -oE '^(PROVED|VIOLATION [a-z_]+|INCOMPLETE)' "$work/$s.txt")
    echo "--symmetry $s: ${verdict[$s]:-?} (exit ${rc[$s]}), ${states[$s]:-?} states, naive ${naive[$s]:--}"
done
if [ "${verdict[off]}" = "${verdict[on]}" ] && [ "${rc[off]}" = "${rc[on]}" ] && [ "${naive[off]}" = "${naive[on]}" ] &&
    [ -n "${states[on]}" ] && [ -n "${states[off]}" ] && [ "${states[on]}" -le "${states[off]}" ]; then
    echo "symmetry: agree on $sc $*: ${verdict[on]}, naive count ${naive[on]:-(a violation stopped it)}, states ${states[off]} -> ${states[on]}"
    exit 0
fi
echo "symmetry: DISAGREE on $sc $*"
cat "$work/off.txt" "$work/on.txt"
exit 1
