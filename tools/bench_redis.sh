#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench_redis.sh [BIN [LOCKS_BIN]]: the Redis half of `make bench`. Runs BIN (build/bench_redis), then LOCKS_BIN
# (build/bench_locks: the fair and reader-writer locks), twice against a redis-server this script starts, pinned
# with taskset, and prints the placement before each table:
#   1. client and server on the same CPU (server CPU 0, client CPU 0);
#   2. on different CPUs (server CPU 0, client CPU 1).
# A round trip costs several times more across CPUs than on one (wake-ups cross cores), so the two tables differ.
# The server listens on a free 127.0.0.1 port (never 6379), saves nothing, and is stopped by its PID on exit.
# Skips with a message when redis-server is missing; runs once unpinned (BIN starts its own server) when taskset is
# missing or there are fewer than 2 CPUs. For the redis-py figure it needs python3-redis: as root it installs it
# (quietly, once); otherwise it says how. Exit: BIN's status (0 when skipped).
set -u
bin=${1:-build/bench_redis}
locks_bin=${2:-build/bench_locks}

if ! command -v redis-server >/dev/null 2>&1; then
    echo "Redis bench skipped: redis-server is not installed (sudo apt-get install redis-server, or sudo make deps)"
    exit 0
fi
[ -x "$bin" ] || { echo "bench_redis.sh: $bin is missing (make $bin)" >&2; exit 1; }

# The first python3 that can import redis: Debian's python3-redis serves /usr/bin/python3, which may not be first
# on PATH.
py_with_redis() {
    local p
    for p in python3 /usr/bin/python3; do
        command -v "$p" >/dev/null 2>&1 && "$p" -c 'import redis' 2>/dev/null && { command -v "$p"; return 0; }
    done
    return 1
}
if ! BENCH_PYTHON=$(py_with_redis); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench_redis.sh: installing python3-redis for the redis-py figure (log: /tmp/racebed-apt.log)"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y -qq python3-redis >/tmp/racebed-apt.log 2>&1; then
            apt-get update -qq >>/tmp/racebed-apt.log 2>&1
            apt-get install -y -qq python3-redis >>/tmp/racebed-apt.log 2>&1
        fi
    fi
    BENCH_PYTHON=$(py_with_redis) ||
        echo "bench_redis.sh: the redis-py figure will be skipped: install it with sudo apt-get install python3-redis"
fi
export BENCH_PYTHON

ncpu=$(nproc 2>/dev/null || echo 1)
why_unpinned=""
command -v taskset >/dev/null 2>&1 || why_unpinned="taskset is not installed (util-linux)"
[ "$ncpu" -ge 2 ] || why_unpinned="${why_unpinned:+$why_unpinned; }only $ncpu CPU"
if [ -n "$why_unpinned" ]; then
    echo "CPU pinning skipped: $why_unpinned. Running once unpinned (the scheduler places client and server)."
    rc=0
    "$bin" || rc=$?
    [ -x "$locks_bin" ] && { "$locks_bin" || rc=$?; }
    exit $rc
fi

. "$(dirname "$0")/redis_server.sh"
tmp=$(mktemp -d /tmp/racebed-bench-redis-XXXXXX)
stop_server() {
    rb_stop_server
    rm -rf "$tmp"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

rb_start_server "$tmp" taskset -c 0 || { echo "bench_redis.sh: no server, no bench" >&2; exit 1; }
port=$rb_port
url="redis://127.0.0.1:$port"
rc=0
echo "== placement 1/2: client and server on the same CPU (server: taskset -c 0, client: taskset -c 0)"
timeout 300 taskset -c 0 "$bin" "$url" || rc=$?
[ -x "$locks_bin" ] && { timeout 600 taskset -c 0 "$locks_bin" "$url" || rc=$?; }
echo "== placement 2/2: client and server on different CPUs (server: taskset -c 0, client: taskset -c 1)"
timeout 300 taskset -c 1 "$bin" "$url" || rc=$?
[ -x "$locks_bin" ] && { timeout 600 taskset -c 1 "$locks_bin" "$url" || rc=$?; }
exit $rc
