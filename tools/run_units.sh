#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_units.sh [-j N] [--valgrind] DIR TEST...: runs each test binary DIR/TEST in its own process under `timeout` (as
# libuv's runner does), optionally under valgrind memcheck, N at a time (default 1: the Redis tests each start a
# server on a free port, so they go one by one); prints one line per binary in the order given, with the cmocka skips
# (the Redis tests skip without redis-server unless RACEBED_REQUIRE_REDIS=1); exit 1 if any failed.
set -u
jobs=1
if [ "${1:-}" = -j ]; then
    jobs=$2
    shift 2
fi
vg=""
if [ "${1:-}" = --valgrind ]; then
    vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
    shift
fi
dir=$1; shift
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# one test: its report line (and its log when it failed) into $T/TEST.out
one() {
    local t=$1 log="$T/$1.log"
    # shellcheck disable=SC2086 # vg is a word list
    if timeout 300 $vg "$dir/$t" >"$log" 2>&1; then
        local skipped
        skipped=$(grep -c '^\[  SKIPPED \]' "$log")
        printf 'ok   %-28s %s%s\n' "$t" "$(grep -Eo '[0-9]+ test\(s\) run' "$log" | head -n1)" \
            "$([ "$skipped" -gt 0 ] && echo ", $skipped skipped: $(grep -m1 -i 'skip' "$log")")" >"$T/$t.out"
    else
        { printf 'FAIL %-28s (exit %s)\n' "$t" "$?"; cat "$log"; } >"$T/$t.out"
    fi
}
export -f one
export vg dir T
printf '%s\0' "$@" | xargs -0 -P "$jobs" -I{} bash -c 'one "$1"' _ {}
fail=0
for t in "$@"; do
    cat "$T/$t.out" 2>/dev/null || { echo "FAIL $t (no report)"; fail=1; }
    grep -q '^FAIL' "$T/$t.out" 2>/dev/null && fail=1
done
exit $fail
