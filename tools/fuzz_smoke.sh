#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fuzz_smoke.sh SECONDS: builds the fuzz targets with clang's libFuzzer (+ASan/UBSan) and runs each for SECONDS on
# its seed corpus: the schedule parser, the model Redis's command layer, and its Lua bridge, fed raw script bytes
# and scripts a generator writes (when Lua 5.1 is installed). Skips with a message when clang or libFuzzer is missing.
set -u
secs=${1:-5}
out=build/fuzz
mkdir -p "$out"
if ! command -v clang >/dev/null 2>&1; then echo "fuzz: clang not installed, skipped (make deps)"; exit 0; fi
model_src="core/lk_rc.c core/lk_reply.c core/lk_command.c sim/model/sim_keyspace.c sim/model/sim_redis.c sim/model/sim_sha1.c
    $(ls sim/model/sim_lua*.c sim/model/sim_cmd*.c)"
# Lua scripts (EVAL) are fuzzed too when Lua 5.1 is installed, as the build detects it.
lua_flags=""
[ -f /usr/include/lua5.1/lua.h ] && lua_flags="-DRACEBED_HAVE_LUA=1 -I/usr/include/lua5.1 -llua5.1"

# fuzz_one NAME WHAT SOURCES...: builds tests/fuzz/fuzz_NAME.c with SOURCES and runs it on tests/fuzz/corpus/CORPUS.
fuzz_one() {
    local name=$1 corpus=$2 what=$3
    shift 3
    mkdir -p "$out/corpus-$corpus"
    if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -Wall -Wextra -Werror -I. \
            "tests/fuzz/fuzz_$name.c" "$@" -o "$out/fuzz_$name" 2>"$out/build-$name.log"; then
        if grep -q 'libclang_rt.fuzzer\|fuzzer' "$out/build-$name.log"; then
            echo "fuzz: libFuzzer not available (libclang-rt-14-dev), skipped"; exit 0
        fi
        cat "$out/build-$name.log"; exit 1
    fi
    cp -n "tests/fuzz/corpus/$corpus"/* "$out/corpus-$corpus/" 2>/dev/null
    "$out/fuzz_$name" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$out/corpus-$corpus" \
        >"$out/run-$name.log" 2>&1 || { tail -n 40 "$out/run-$name.log"; exit 1; }
    echo "fuzz: $what, ${secs}s: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$out/run-$name.log" |
        grep -Eo '[0-9]+$') inputs, no crash"
}

# The targets run side by side (each is one process), each into its own report; the reports print in this order.
names=()
run_bg() {
    local name=$1
    shift
    names+=("$name")
    fuzz_one "$name" "$@" >"$out/smoke-$name.txt" 2>&1 &
    pids+=($!)
}
pids=()
run_bg schedule schedule "schedule parser" sim/sim_schedule.c sim/run/sim_text.c
# shellcheck disable=SC2086
run_bg commands commands "model Redis commands (two runs compared, invariants checked)" $model_src $lua_flags
# shellcheck disable=SC2086
[ -n "$lua_flags" ] && run_bg lua lua "Lua scripts on the model (two runs compared, invariants checked)" $model_src $lua_flags
# shellcheck disable=SC2086
[ -n "$lua_flags" ] && run_bg lua_grammar lua_grammar "generated Lua scripts on the model (the bridge, the libraries)" \
    $model_src $lua_flags
fail=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail=1
    cat "$out/smoke-${names[$i]}.txt"
done
exit $fail
