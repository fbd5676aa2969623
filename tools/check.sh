#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check.sh: what `make check` runs, stage by stage, with each stage's time. Stops at the first failing stage.
# Stages: deps; build (-O2 and ASan+UBSan, -j2); the layout check of sim/'s rooms; unit tests on both builds; valgrind on the core's units; the
# schedule corpus on both builds and against an owned redis-server in lockstep with the model; CLI and determinism
# tests; the timeline pages in headless Chromium; the user-scenario path; the monitoring files (promtool on real metrics output, the alert rules and their
# tests, the dashboard's metric names); a short fuzz of the schedule parser.
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
JOBS=${JOBS:-2}
total_start=$(date +%s%N)
secs() { local d=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%01d' $((d / 1000)) $(((d % 1000) / 100)); }
stage() {
    local name=$1; shift
    local t0; t0=$(date +%s%N)
    echo "== $name"
    if ! "$@"; then
        echo "== $name FAILED after $(secs "$t0") s"
        exit 1
    fi
    echo "== $name: $(secs "$t0") s"
}
stage deps bash tools/deps.sh check
stage build $MAKE --no-print-directory -j"$JOBS" racebed asan build/bench \
    $([ -f /usr/include/hiredis/hiredis.h ] && echo build/bench_redis build/bench_locks) \
    $(for t in tests/unit/test_*.c; do echo "build/tests/$(basename "$t" .c)"; done)
stage layout $MAKE --no-print-directory layout
config_follows() { # the build follows what it detects: built without hiredis, then with it, without a clean
    local probe=schedules/thundering-herd-core-one-winner.sched
    [ -f /usr/include/hiredis/hiredis.h ] || { echo "config: hiredis not installed, skipped (make deps)"; return 0; }
    $MAKE --no-print-directory -j"$JOBS" HAVE_HIREDIS= racebed >/dev/null &&
    ./racebed check --store redis "$probe" 2>&1 | grep -q 'built without hiredis' &&
    $MAKE --no-print-directory -j"$JOBS" racebed >/dev/null &&
    ./racebed check --store redis "$probe" | grep -q '^ok ' &&
    config_follows_lua
}
config_follows_lua() { # the same for Lua: scripts refused with the reason without it, run with it
    [ -f /usr/include/lua5.1/lua.h ] || { echo "config: Lua 5.1 not installed, skipped (make deps)"; return 0; }
    local out=build/config-lua.txt # the binary's own status counts too: no pipe hides it
    $MAKE --no-print-directory -j"$JOBS" HAVE_LUA= build/tests/test_sim_cmd_script >/dev/null &&
    build/tests/test_sim_cmd_script >"$out" 2>&1 && grep -q 'OK \] test_sim_cmd_script_without_lua' "$out" &&
    $MAKE --no-print-directory -j"$JOBS" build/tests/test_sim_cmd_script racebed >/dev/null &&
    build/tests/test_sim_cmd_script >"$out" 2>&1 && grep -q 'OK \] test_sim_cmd_script_calls_and_conversions' "$out"
}
stage unit $MAKE --no-print-directory unit
stage unit-asan $MAKE --no-print-directory unit-asan
stage valgrind $MAKE --no-print-directory valgrind
stage corpus $MAKE --no-print-directory corpus
stage redis-corpus ./racebed check --store redis schedules/*.sched
stage redis-tests $MAKE --no-print-directory redis-tests
stage external-store bash tests/redis/test_external_store.sh ./racebed
stress_smoke() { # stress mode finds the check-then-set mutant on real threads and real Redis, and not the core
    ./racebed stress thundering_herd --variant mutant:check_then_set --iterations 30 | grep -q '^VIOLATION' &&
    ./racebed stress thundering_herd --iterations 10 | grep -q '^no violation seen'
}
stage stress-smoke stress_smoke
stage faketime-tests $MAKE --no-print-directory faketime-tests
stage cli-tests $MAKE --no-print-directory cli-tests
stage browser bash tests/browser/test_report_browser.sh ./racebed
watch_counter_checks() { # a user scenario written with Redis commands: found, proved, and in lockstep with Redis
    ./racebed run watch_counter --variant mutant:no_watch --seed 1 --budget-execs 1000 --quiet --out build/user-out \
        | grep -q '^VIOLATION expect_no_lost_update' &&
    ./racebed run watch_counter --strategy exhaustive --reduce hash --faults crash,reply-lost,conn-error --quiet \
        --out build/user-out | grep -q '^PROVED within: threads c1, c2;.*store faults <= 1 per thread' &&
    ./racebed run watch_counter --variant mutant:get_set --store redis --runs 5 --no-shrink --out build/user-out \
        | grep -q '^VIOLATION expect_no_lost_update' &&
    # the core in lockstep with Redis, each client on its own connection, crashes closing them: every reply agrees,
    # aborted EXECs included
    ./racebed run watch_counter --store redis --budget-execs 200 --faults crash --no-shrink --out build/user-out \
        >build/user-out/tx.txt 2>&1 && grep -q '^PASS: no violation in 200 executions' build/user-out/tx.txt &&
    grep -q 'exec_aborted=[1-9]' build/user-out/tx.txt
}
fair_lock_checks() { # a lock written as Lua scripts over a list and a sorted set: the stalled queue found, the core proved
    ./racebed run fair_lock --variant mutant:no_skip --strategy exhaustive --reduce hash --quiet --out build/user-out \
        | grep -q '^VIOLATION expect_queue_moves' &&
    ./racebed run fair_lock --strategy exhaustive --reduce hash --jobs 2 --require-probes skipped_dead_waiter --quiet \
        --out build/user-out | grep -q '^PROVED within: threads c1, c2, c3;.*advances <= 2.*crashes <= 1' &&
    # its scripts are files: the schedule names them with their SHA-1, and replay refuses a changed one
    local s=build/user-out/fair_lock-no_skip-exhaustive-seed1.sched &&
    grep -q '^script examples/fair_lock_try.lua [0-9a-f]\{40\}$' "$s" && ./racebed check "$s" >/dev/null &&
    sed 's/^\(script examples\/fair_lock_try.lua\) .*/\1 0000000000000000000000000000000000000000/' "$s" \
        >build/user-out/changed.sched &&
    { ./racebed replay build/user-out/changed.sched >build/user-out/changed.txt 2>&1; [ $? -eq 3 ]; } &&
    grep -q 'DIVERGED line [0-9]*: script file examples/fair_lock_try.lua changed' build/user-out/changed.txt
}
signal_lock_checks() { # waiters asleep in BLPOP: both lost wake-ups found by the search, the core proved
    ./racebed run signal_lock --variant mutant:drain_first --strategy exhaustive --reduce hash --quiet \
        --out build/user-out | grep -q '^VIOLATION expect_no_lost_wakeup' &&
    ./racebed run signal_lock --variant mutant:signal_before_del --strategy exhaustive --reduce dpor --quiet \
        --out build/user-out | grep -q '^VIOLATION expect_no_lost_wakeup' &&
    ./racebed run signal_lock --strategy exhaustive --reduce hash --jobs 2 --require-probes woken --budget-execs 1000000 --quiet \
        --out build/user-out | grep -q '^PROVED within: threads c1, c2, c3;.*advances <= 2.*store faults <= 1 per thread.*crashes <= 1' &&
    # without a timeout, a lost wake-up is a waiter asleep for good: a deadlock naming its BLPOP
    ./racebed run signal_lock --variant mutant:drain_first --param timeout=0 --faults none --seed 1 --quiet \
        --budget-execs 2000 --out build/user-out | grep -q '^VIOLATION deadlock.*blocks on blpop signal on the server' &&
    # in lockstep with a real Redis: every served pop and every timeout on the simulated clock agree, faults included
    ./racebed run signal_lock --store redis --budget-execs 200 --no-shrink --out build/user-out >build/user-out/bl.txt \
        2>&1 && grep -q '^PASS: no violation in 200 executions' build/user-out/bl.txt &&
    grep -q 'woken=[1-9]' build/user-out/bl.txt &&
    ./racebed run signal_lock --variant mutant:signal_before_del --store redis --budget-execs 300 --no-shrink \
        --out build/user-out | grep -q '^VIOLATION expect_no_lost_wakeup'
}
rw_lock_checks() { # a reader-writer lock with pub/sub wake-ups: Redisson's #891 found, the core proved
    ./racebed run rw_lock --variant mutant:891 --strategy exhaustive --reduce hash --quiet --out build/user-out \
        | grep -q '^VIOLATION expect_rw_exclusion' &&
    ./racebed run rw_lock --variant mutant:891 --seed 1 --budget-execs 2000 --quiet --out build/user-out \
        | grep -q '^VIOLATION expect_rw_exclusion' &&
    ./racebed run rw_lock --strategy exhaustive --reduce hash --jobs 2 --require-probes woken --quiet --out build/user-out \
        | grep -q '^PROVED within: threads c1, c2, c3;.*advances <= 2.*crashes <= 1' &&
    ./racebed check build/user-out/rw_lock-891-exhaustive-seed1.sched >/dev/null &&
    # in lockstep with a real Redis: subscriptions, every message pushed to every pub/sub connection, faults included
    ./racebed run rw_lock --store redis --budget-execs 200 --faults crash,reply-lost,restart --no-shrink \
        --out build/user-out >build/user-out/ps.txt 2>&1 && grep -q '^PASS: no violation in 200 executions' \
        build/user-out/ps.txt && grep -q 'woken=[1-9]' build/user-out/ps.txt &&
    ./racebed run rw_lock --variant mutant:891 --store redis --budget-execs 200 --no-shrink --out build/user-out \
        | grep -q '^VIOLATION expect_rw_exclusion'
}
user_scenario() { # the README's "bring your own scenario" path, end to end, with a user corpus; then the plain build
    local uc=build/user-corpus
    rm -rf "$uc" build/user-out && mkdir -p "$uc" &&
    $MAKE --no-print-directory \
        SCENARIO="examples/lost_update.c examples/watch_counter.c examples/fair_lock.c examples/signal_lock.c \
            examples/rw_lock.c tests/compat/old_names.c" \
        racebed >/dev/null 2>&1 &&
    ./racebed run lost_update --variant mutant:no_lock --seed 1 --budget-execs 1000 --quiet --out build/user-out \
        | grep -q '^VIOLATION expect_no_lost_update' &&
    ./racebed run lost_update --seed 1 --budget-execs 2000 --quiet | grep -q '^PASS' &&
    ./racebed list | grep -q '^old_names ' &&
    ./racebed run lost_update --faults crash --fault-permille 200 --runs 300 --out build/user-out \
        | grep -q '^expect_no_lost_update checked in [0-9]* of 300 executions' &&
    ./racebed run lost_update --variant mutant:no_lock --require-probes same_read --runs 50 --no-shrink \
        --out build/user-out | grep -q ' same_read=[1-9]' &&
    watch_counter_checks && fair_lock_checks && signal_lock_checks && rw_lock_checks &&
    cp build/user-out/lost_update*.sched "$uc/" && bash tools/user_corpus.sh ./racebed "$uc" | grep -q '^1 schedule(s) matched' &&
    $MAKE --no-print-directory racebed >/dev/null && ! ./racebed list | grep -q lost_update &&
    bash tools/user_corpus.sh ./racebed "$uc" | grep -q "skip .*scenario 'lost_update' is not built in"
}
stage user-scenario user_scenario
old_names() { # a scenario written against the deprecated lk__ names and bare includes still builds (warning) and runs
    local log=build/old-names.log
    rm -f build/obj/user/old_names.o
    $MAKE --no-print-directory SCENARIO=tests/compat/old_names.c racebed >"$log" 2>&1 &&
    grep -q 'lk__alloc.* is deprecated: use lk_env_alloc' "$log" &&
    grep -q 'lk__copy_str.* is deprecated: use lk_copy_str' "$log" &&
    ./racebed run old_names --seed 1 --budget-execs 200 --quiet | grep -q '^PASS' &&
    $MAKE --no-print-directory racebed >/dev/null
}
stage old-names old_names
scenario_faults() { # scenario code that crashes, spins or keeps state outside the arena is diagnosed, in both builds
    local want=("SIGABRT" "overflowing its fiber stack" "busy_loop" "NONDETERMINISTIC") codes=(1 1 1 2) out=build/faults
    $MAKE --no-print-directory -j"$JOBS" SCENARIO=tests/compat/faulty.c racebed build-asan/racebed >/dev/null || return 1
    for rb in ./racebed build-asan/racebed; do
        for mode in 0 1 2 3; do
            rm -rf "$out" && mkdir -p "$out"
            timeout 120 "$rb" run faulty --mode $mode --busy-ms 500 --out "$out" >"$out.log" 2>&1
            local rc=$? f
            f=$(ls "$out"/*.sched 2>/dev/null | head -n1)
            if [ $rc != "${codes[$mode]}" ] || ! grep -q -- "${want[$mode]}" "$out.log" || [ -z "$f" ]; then
                echo "faults: $rb mode $mode: exit $rc, want ${codes[$mode]} naming '${want[$mode]}' with a schedule"
                head -n 5 "$out.log"
                return 1
            fi
            [ $mode = 3 ] && continue # not a pure function of its schedule: nothing to replay
            timeout 120 "$rb" replay --quiet "$f" >"$out.replay" 2>&1
            rc=$?
            [ $rc = 1 ] && grep -q -- "${want[$mode]}" "$out.replay" ||
                { echo "faults: $rb mode $mode: its schedule replays with exit $rc"; return 1; }
        done
        # a path that depends on the process's environment: the same in every run of one process, caught only by
        # the comparison with a fresh process (of either build), which names the line where they part
        timeout 120 "$rb" run faulty --mode 4 --check-determinism 3 >"$out.log" 2>&1
        local rc=$?
        [ $rc = 1 ] && grep -q '^NONDETERMINISTIC: faulty differs from a fresh process' "$out.log" &&
            grep -q '^  fresh process: execution 0: ' "$out.log" ||
            { echo "faults: $rb mode 4: --check-determinism exit $rc"; head -n 5 "$out.log"; return 1; }
        timeout 120 "$rb" run faulty --mode 0 --check-determinism 3 --asan-build >"$out.log" 2>&1 &&
            grep -q '^DETERMINISTIC: 3 executions of faulty' "$out.log" ||
            { echo "faults: $rb mode 0: --check-determinism --asan-build failed"; head -n 5 "$out.log"; return 1; }
    done
    $MAKE --no-print-directory -j"$JOBS" racebed build-asan/racebed >/dev/null
}
stage scenario-faults scenario_faults
stage monitoring bash tools/monitoring_check.sh ./racebed
# last of the builds in build/: it switches the detected configuration twice, which rebuilds every object after it
stage config-follows config_follows
stage fuzz-smoke $MAKE --no-print-directory fuzz-smoke
echo "== make check passed in $(secs "$total_start") s"
