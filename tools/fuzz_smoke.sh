#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fuzz_smoke.sh SECONDS: builds the schedule-parser fuzz target with clang's libFuzzer (+ASan/UBSan) and runs it
# for SECONDS on the seed corpus. Skips with a message when clang or libFuzzer is missing.
set -u
secs=${1:-5}
out=build/fuzz
mkdir -p "$out/corpus"
if ! command -v clang >/dev/null 2>&1; then echo "fuzz: clang not installed, skipped (make deps)"; exit 0; fi
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -Wall -Wextra -Werror -I. \
        tests/fuzz/fuzz_schedule.c sim/sim_schedule.c sim/run/sim_text.c -o "$out/fuzz_schedule" 2>"$out/build.log"; then
    if grep -q 'libclang_rt.fuzzer\|fuzzer' "$out/build.log"; then
        echo "fuzz: libFuzzer not available (libclang-rt-14-dev), skipped"; exit 0
    fi
    cat "$out/build.log"; exit 1
fi
cp -n tests/fuzz/corpus/schedule/* "$out/corpus/" 2>/dev/null
"$out/fuzz_schedule" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$out/corpus" \
    >"$out/run.log" 2>&1 || { tail -n 40 "$out/run.log"; exit 1; }
echo "fuzz: schedule parser, ${secs}s: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$out/run.log" | grep -Eo '[0-9]+$') inputs, no crash"
