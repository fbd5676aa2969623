#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_units.sh [--valgrind] DIR TEST...: runs each test binary DIR/TEST in its own process under `timeout` (as
# libuv's runner does), optionally under valgrind memcheck; prints one line per binary, with the cmocka skips (the
# Redis tests skip without redis-server unless RACEBED_REQUIRE_REDIS=1); exit 1 if any failed.
set -u
vg=()
if [ "${1:-}" = --valgrind ]; then
    vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
    shift
fi
dir=$1; shift
fail=0
for t in "$@"; do
    log=$(mktemp)
    if timeout 300 "${vg[@]}" "$dir/$t" >"$log" 2>&1; then
        skipped=$(grep -c '^\[  SKIPPED \]' "$log")
        printf 'ok   %-28s %s%s\n' "$t" "$(grep -Eo '[0-9]+ test\(s\) run' "$log" | head -n1)" \
            "$([ "$skipped" -gt 0 ] && echo ", $skipped skipped: $(grep -m1 -i 'skip' "$log")")"
    else
        printf 'FAIL %-28s (exit %s)\n' "$t" "$?"
        cat "$log"
        fail=1
    fi
    rm -f "$log"
done
exit $fail
