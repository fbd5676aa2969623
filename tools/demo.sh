#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh RACEBED OUTDIR: runs every scenario x variant on the model store with the random strategy (seed 1) and
# prints a table: scenario, variant, verdict, executions (to the first violation, or explored), schedule length,
# seconds. Schedules, their timeline pages, logs and the table (summary.txt) go under OUTDIR. Exit 1 if a mutant's race
# is not found, or is found by another oracle than the one its scenario declares (sim_scenario.canaries), or the core
# shows a violation: the mutants are canaries. The oracles no mutant kills are flagged.
set -u
rb=${1:-./racebed}
out=${2:-reports/demo}
core_execs=${DEMO_CORE_EXECS:-50000}
mutant_execs=${DEMO_MUTANT_EXECS:-200000}
rm -rf "$out"; mkdir -p "$out"
exec > >(tee "$out/summary.txt")
printf '%-18s %-24s %-30s %10s %9s %8s\n' scenario variant verdict executions schedule seconds
printf '%-18s %-24s %-30s %10s %9s %8s\n' ------------------ ------------------------ \
    ------------------------------ ---------- --------- --------
bad=0
# each mutant's canary: the oracle its scenario declares it must be killed by ("scenario/mutant oracle" lines)
"$rb" list --oracles >"$out/oracles.txt" 2>&1 || bad=1
sed -n 's/^\([a-z0-9_]*\) *killed by: \([^;]*\);.*/\1 \2/p' "$out/oracles.txt" | grep -v ' NONE ' |
    while read -r oracle killers; do
        for k in $(echo "$killers" | tr -d ','); do echo "$k $oracle"; done
    done >"$out/canaries.txt"
while read -r scen variant _; do
    budget=$core_execs; [ "$variant" = core ] || budget=$mutant_execs
    log="$out/$scen-${variant#mutant:}.log"
    "$rb" run "$scen" --variant "$variant" --seed 1 --budget-execs "$budget" --out "$out" >"$log" 2>&1
    rc=$?
    secs=$(sed -n 's/^\[timing\] .* in \([0-9.]*\) s .*/\1/p' "$log")
    if grep -q 'built without Lua' "$log"; then # a scenario that runs scripts, on a build without Lua
        printf '%-18s %-24s %-30s\n' "$scen" "$variant" "skipped: built without Lua 5.1 (sudo make deps)"
        continue
    elif [ $rc = 1 ]; then
        oracle=$(sed -n 's/^VIOLATION \([^ ]*\) at execution \([0-9]*\).*/\1/p' "$log")
        execs=$(sed -n 's/^VIOLATION [^ ]* at execution \([0-9]*\).*/\1/p' "$log"); execs=$((execs + 1))
        len=$(sed -n 's/^schedule: .* (\([0-9]*\) decisions)$/\1/p' "$log")
        verdict="violation $oracle"
        declared=$(awk -v k="$scen/${variant#mutant:}" '$1 == k {print $2}' "$out/canaries.txt")
        if [ "$oracle" != "$declared" ]; then # a canary killed by another oracle: the one declared went blind
            verdict="$verdict, declared ${declared:-none}"
            bad=1
        fi
    elif [ $rc = 0 ]; then
        execs=$(sed -n 's/^PASS: no violation in \([0-9]*\) executions.*/\1/p' "$log"); len=-; verdict=clean
    else
        execs=-; len=-; verdict="error (exit $rc, see $log)"
    fi
    printf '%-18s %-24s %-30s %10s %9s %8s\n' "$scen" "$variant" "$verdict" "$execs" "$len" "${secs:--}"
    if [ "$variant" = core ] && [ $rc != 0 ]; then bad=1; fi
    if [ "$variant" != core ] && [ $rc != 1 ]; then bad=1; fi
done < <("$rb" list)
echo
echo "the core under every fault kind (crash, pause, wall-step, restart, reply-lost, conn-error, late-timeout) and the crash sweep:"
printf '%-18s %-30s %-44s %8s\n' scenario check verdict seconds
printf '%-18s %-30s %-44s %8s\n' ------------------ ------------------------------ \
    -------------------------------------------- --------
fault_execs=${DEMO_FAULT_EXECS:-20000}
for scen in $("$rb" list | awk '{print $1}' | sort -u); do
    for mode in faults sweep-thread sweep-process; do
        log="$out/$scen-core-$mode.log"
        case $mode in
            faults) "$rb" run "$scen" --faults all --seed 1 --budget-execs "$fault_execs" --out "$out" >"$log" 2>&1 ;;
            sweep-thread) "$rb" sweep "$scen" --seed 1 --out "$out" >"$log" 2>&1 ;;
            sweep-process) "$rb" sweep "$scen" --seed 1 --process --out "$out" >"$log" 2>&1 ;;
        esac
        rc=$?
        secs=$(sed -n 's/^\[timing\] .* in \([0-9.]*\) s .*/\1/p' "$log")
        # the verdict in short, whole words: "PASS: 20000 executions", "PASS: sweep of 12 crash points", "VIOLATION x"
        verdict=$(sed -n -E 's/^PASS: no violation in ([0-9]+) executions.*/PASS: \1 executions, no violation/p;
                             s/^PASS: crash sweep of ([0-9]+) crash points.*/PASS: sweep of \1 crash points/p;
                             s/^VIOLATION ([^ :]+).*/VIOLATION \1/p' "$log" | head -n1)
        if grep -q 'built without Lua' "$log"; then
            printf '%-18s %-30s %-44s\n' "$scen" "core, $mode" "skipped: built without Lua 5.1 (sudo make deps)"
            continue
        fi
        [ $rc = 0 ] || bad=1
        printf '%-18s %-30s %-44s %8s\n' "$scen" "core, $mode" "${verdict:-error (exit $rc)}" "${secs:--}"
    done
done
echo
# the oracles no mutant kills are flagged: a PASS from them rests on no canary (racebed list --oracles)
sed -n 's/^\([0-9]* oracles; [0-9]* with no mutant that kills it\).*/\1/p' "$out/oracles.txt"
sed -n 's/^[0-9]* oracles; [0-9]* with no mutant that kills it: \(.*\)/  flagged, no canary: \1/p' "$out/oracles.txt" | fold -s -w 118
grep '^mutants with no declared canary oracle' "$out/oracles.txt" && bad=1
echo "timelines: every schedule above has its page beside it ($out/*.html); open one in a browser"
if [ $bad = 0 ]; then
    echo "every mutant's race was found by the oracle it declares; the core is clean ($core_execs executions per scenario, $fault_execs more"
    echo "with every fault kind on, and a crash sweep by thread and by process)."
    echo "schedules: $out/*.sched   replay one: $rb replay $(ls "$out"/*.sched | head -n1)"
else
    echo "DEMO FAILED: a mutant was not found (or by another oracle than it declares) or the core showed a violation"
    echo "(logs in $out)"
fi
exit $bad
