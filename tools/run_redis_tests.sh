#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_redis_tests.sh DIR TEST...: runs each tests/redis binary in its own process under `timeout 300`, as
# run_units.sh does for the unit tests. Each binary starts and stops its own redis-server (tests/redis/redis_fixture.h);
# without redis-server installed its tests skip, unless RACEBED_REQUIRE_REDIS=1. One line per binary; exit 1 if any
# failed.
set -u
dir=$1; shift
fail=0
for t in "$@"; do
    log=$(mktemp)
    if timeout 300 "$dir/$t" >"$log" 2>&1; then
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
