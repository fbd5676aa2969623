#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# faketime_tests.sh BINARY: runs a tests/faketime binary (built by `make faketime-tests`; this
# script builds nothing) under LD_PRELOAD=libfaketime, with a fresh timestamp file holding "+0",
# FAKETIME_NO_CACHE=1 (the test rewrites the file to jump the wall clock) and
# FAKETIME_DONT_FAKE_MONOTONIC=1, in its own process under `timeout`. libfaketime comes from
# Debian's `faketime` package (or FAKETIME_LIB=/path/to/libfaketime.so.1); when it is missing, root
# installs it quietly and anyone else gets "skipped". Prints one line; exit 1 if the test failed.
set -u
bin=$1
name=$(basename "$bin")

find_lib() {
    local c
    for c in ${FAKETIME_LIB:-} /usr/lib/*/faketime/libfaketime.so.1 \
             /usr/lib/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
        [ -n "$c" ] && [ -f "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

lib=$(find_lib)
if [ -z "$lib" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        printf 'skipped %-24s install faketime (sudo apt-get install -y faketime)\n' "$name"
        exit 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q faketime >/tmp/racebed-apt.log 2>&1; then
        apt-get update -q >>/tmp/racebed-apt.log 2>&1
        apt-get install -y -q faketime >>/tmp/racebed-apt.log 2>&1
    fi
    lib=$(find_lib) || {
        printf 'FAIL %-27s apt-get install faketime failed; see /tmp/racebed-apt.log\n' "$name"
        exit 1
    }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "+0" >"$tmp/faketime"
log=$tmp/log
LD_PRELOAD=$lib FAKETIME_TIMESTAMP_FILE=$tmp/faketime FAKETIME_NO_CACHE=1 \
    FAKETIME_DONT_FAKE_MONOTONIC=1 timeout 120 "$bin" >"$log" 2>&1
rc=$?
case $rc in
0) printf 'ok   %-27s %s\n' "$name" "$(grep -c '^ok   check' "$log") checks" ;;
77) printf 'skipped %-24s %s\n' "$name" "$(grep -m1 '^skipped' "$log")" ;;
*)
    printf 'FAIL %-27s (exit %s)\n' "$name" "$rc"
    cat "$log"
    exit 1
    ;;
esac
