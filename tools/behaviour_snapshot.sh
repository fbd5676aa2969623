#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# behaviour_snapshot.sh RACEBED OUTDIR: records what a refactoring must not change, one file per observation, so
# that two trees can be compared with `diff -r` (timing lines dropped): for every scenario x variant a seeded random
# run with hashes; exhaustive counts of every --reduce mode on two scenarios (state counts included); exhaustive
# searches over states of every scenario's core; `check` of the corpus; a replay trace and a shrink of every corpus
# schedule; a crash sweep; `list -v` and every help text. Exit 0 when recorded (the observations themselves may
# carry any verdict).
set -u
rb=${1:?usage: behaviour_snapshot.sh RACEBED OUTDIR}
out=${2:?usage: behaviour_snapshot.sh RACEBED OUTDIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs racebed, keeps stdout and stderr and the exit code, drops [timing] lines and real-time figures.
obs() {
    local name=$1
    shift
    {
        "$rb" "$@" 2>&1
        echo "exit $?"
    } | grep -v '^\[timing\]' | sed -E "s| in [0-9]+\\.[0-9]+ s| in T s|g; s|[0-9]+\\.[0-9]+ s\\b|T s|g; s|$tmp|TMP|g" \
        >"$out/$name"
}

"$rb" list | awk '{print $1, $2}' >"$tmp/pairs"
while read -r s v; do
    obs "run-$s-${v//:/_}" run "$s" --variant "$v" --seed 1 --budget-execs 2000 --hash --quiet --out "$tmp/o"
done <"$tmp/pairs"
for mode in none dpor hash; do
    obs "exh-stale_token-$mode" run stale_token --strategy exhaustive --reduce "$mode" --out "$tmp/o"
    obs "exh-singleton3-$mode" run singleton --threads 3 --strategy exhaustive --reduce "$mode" --out "$tmp/o"
    obs "exh-gcd-$mode" run stale_token --variant mutant:get_compare_del --strategy exhaustive --reduce "$mode" \
        --out "$tmp/o"
done
for s in $(awk '$2 == "core" {print $1}' "$tmp/pairs"); do
    obs "hash-$s" run "$s" --strategy exhaustive --reduce hash --out "$tmp/o"
done
obs shortest-gcd run stale_token --variant mutant:get_compare_del --strategy exhaustive --reduce hash --shortest \
    --out "$tmp/o"
# a checkpoint half way and at the end, and a merge of two shards
obs ckpt-run run stale_token --strategy exhaustive --checkpoint "$tmp/ck" --budget-execs 50 --out "$tmp/o"
cp "$tmp/ck" "$out/ckpt-half"
obs ckpt-resume run stale_token --strategy exhaustive --checkpoint "$tmp/ck" --out "$tmp/o"
cp "$tmp/ck" "$out/ckpt-end"
for i in 0 1; do
    obs "shard-$i" run stale_token --variant mutant:get_compare_del --strategy exhaustive --shard "$i/2" --runs 100000 \
        --checkpoint "$tmp/m$i" --out "$tmp/o"
done
obs merge merge "$tmp/m0" "$tmp/m1"
obs check check schedules/*.sched
for f in schedules/*.sched; do
    b=$(basename "$f" .sched)
    obs "replay-$b" replay "$f"
    obs "shrink-$b" shrink "$f" --out "$tmp/shrunk.sched"
    [ -f "$tmp/shrunk.sched" ] && grep -v '^tool ' "$tmp/shrunk.sched" >"$out/shrunk-$b.sched"
    rm -f "$tmp/shrunk.sched"
done
obs sweep-herd sweep thundering_herd --variant mutant:check_then_set --seed 3 --out "$tmp/o"
obs list-v list -v
obs help help
for c in list run replay check sweep stress shrink merge help bogus; do
    obs "help-$c" help "$c"
done
obs usage-none
obs usage-bad-option run stale_token --bogus
# The schedules the runs wrote, without the tool line (it names the version).
for f in "$tmp"/o/*.sched; do
    [ -f "$f" ] && grep -v '^tool ' "$f" >"$out/written-$(basename "$f")"
done
echo "behaviour snapshot: $(ls "$out" | wc -l) observations in $out"
