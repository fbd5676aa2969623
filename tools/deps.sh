#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# deps.sh [demo|check]: installs the Debian packages racebed needs that are missing, when run as root; otherwise
# names them and the command to install them. `demo` needs a C compiler, make, jansson and Lua 5.1 (without Lua it
# still runs, and skips the scenarios that run scripts); `check` needs the test tools.
# Exit: 0 all present (or installed), 1 missing and not root (for check), 2 apt-get failed.
set -u
want=${1:-check}
# Lua: the model store runs scripts (lk_rwlock's, rw_memory's); jansson: racebed's --json reports
need_demo=(gcc make liblua5.1-0-dev libjansson-dev)
need_check=(gcc make libcmocka-dev valgrind clang libclang-rt-14-dev libhiredis-dev liblua5.1-0-dev libjansson-dev
    redis-server faketime prometheus python3 python3-redis python3-jsonschema chromium) # python3-redis: the bench's redis-py
# figures; python3-jsonschema: the test that validates --json reports against their schema; chromium: the timeline
# pages' browser test
if [ "$want" = demo ]; then need=("${need_demo[@]}"); else need=("${need_check[@]}"); fi

missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; install by hand: ${need[*]}" >&2
    exit 0
fi
[ ${#missing[@]} -eq 0 ] && { echo "deps: all present (${need[*]})"; exit 0; }

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them with: sudo apt-get install -y ${missing[*]}   (or run 'sudo make deps')" >&2
    [ "$want" = demo ] && exit 0
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# prometheus is wanted for promtool only: no recommended exporters, and no server started by the install (its
# service would listen on every interface). A policy-rc.d that denies starts is put in place for the install unless
# the machine has one of its own, and removed after.
policy=/usr/sbin/policy-rc.d own_policy=0
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# racebed deps.sh: no service starts while it installs prometheus for promtool\nexit 101\n' >"$policy" &&
        chmod 755 "$policy" && own_policy=1
    trap '[ $own_policy = 1 ] && rm -f "$policy"' EXIT
fi
others=() prom=()
for p in "${missing[@]}"; do if [ "$p" = prometheus ]; then prom=(prometheus); else others+=("$p"); fi; done
install() {
    { [ ${#others[@]} -eq 0 ] || apt-get install -y -q "${others[@]}"; } >>/tmp/racebed-apt.log 2>&1 &&
        { [ ${#prom[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${prom[@]}"; } >>/tmp/racebed-apt.log 2>&1
}
: >/tmp/racebed-apt.log
if ! install; then
    apt-get update -q >>/tmp/racebed-apt.log 2>&1
    install || {
        [ $own_policy = 1 ] && rm -f "$policy"
        echo "deps: apt-get install failed; see /tmp/racebed-apt.log" >&2
        exit 2
    }
fi
[ $own_policy = 1 ] && rm -f "$policy"
echo "deps: installed ${missing[*]}"
if [ ${#prom[@]} -gt 0 ]; then
    echo "deps: prometheus is installed for promtool; its server was not started (systemctl disable prometheus keeps it off)"
fi
exit 0
