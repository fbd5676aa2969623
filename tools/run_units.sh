#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_units.sh [--valgrind] BUILD_DIR TEST...: runs each unit test binary in its own process under `timeout`
# (as libuv's runner does), optionally under valgrind memcheck; prints one line per binary; exit 1 if any failed.
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
    if timeout 300 "${vg[@]}" "$dir/tests/$t" >"$log" 2>&1; then
        printf 'ok   %-28s %s\n' "$t" "$(grep -Eo '[0-9]+ test\(s\) run' "$log" | head -n1)"
    else
        printf 'FAIL %-28s (exit %s)\n' "$t" "$?"
        cat "$log"
        fail=1
    fi
    rm -f "$log"
done
exit $fail
