#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_external_store.sh RACEBED: `--store redis://127.0.0.1:PORT` against a redis-server this script starts (and
# stops by its PID). An external server keeps its own clock, so:
#   - time-derived replies (a locked acquire's ms left, PTTL, TTL, the integers of a script whose text names ttl or
#     time) are compared within the time the two clocks can
#     have drifted apart in the execution: the herd, where no TTL runs out, runs in lockstep to its budget;
#   - a reply that simulated time changed beyond that (a lease that expired in simulated time only) ends the run
#     with exit 4 and names the way out (--store redis);
#   - racebed leaves the db as it found it (empty), and refuses a db that is not empty.
# Each check prints ok/FAIL; exit 1 if any failed, 0 (with a message) when redis-server is missing.
set -u
rb=${1:-./racebed}
command -v redis-server >/dev/null 2>&1 || { echo "external store: skipped, redis-server is not installed (sudo make deps)"; exit 0; }
. "$(dirname "$0")/../../tools/redis_server.sh"
T=$(mktemp -d /tmp/racebed-external-XXXXXX)
trap 'rb_stop_server; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
rb_start_server "$T" || exit 1
url="redis://127.0.0.1:$rb_port"
pass=0; fail=0
ok() { pass=$((pass + 1)); }
not_ok() { fail=$((fail + 1)); echo "FAIL $1"; head -n 5 "$T/out"; }
run() { "$rb" "$@" --out "$T/o" >"$T/out" 2>&1; }
dbsize() { # DBSIZE of db 0, by hand (no redis-cli needed)
    exec 3<>"/dev/tcp/127.0.0.1/$rb_port" && printf 'DBSIZE\r\n' >&3 && read -r -t 2 r <&3 && exec 3<&- && echo "${r%$'\r'}"
}

# 1. Locked replies carry the holder's ms left: 2000 on the model's clock, a little less on the server's.
run run thundering_herd --store "$url" --param advances_max=0 --budget-execs 300 --no-shrink; rc=$?
if [ "$rc" = 0 ] && grep -q '^PASS: no violation in 300 executions' "$T/out"; then ok; else not_ok "herd in lockstep: exit $rc"; fi
# ... and a real bug is still found in lockstep
run run thundering_herd --variant mutant:check_then_set --store "$url" --param advances_max=0 --budget-execs 2000 --no-shrink; rc=$?
if [ "$rc" = 1 ] && grep -q '^VIOLATION' "$T/out"; then ok; else not_ok "herd mutant in lockstep: exit $rc"; fi

# 1b. A lock script's ms left (lk_rwlock's refused acquire replies {0, PTTL}) is compared within the same tolerance:
#     two executions in lockstep where no lease runs out (the third's reader outlives the 60 s TTL in simulated time)
run run rw_memory --store "$url" --param ttl_ms=60000 --param advances_max=0 --budget-execs 2 --no-shrink; rc=$?
if [ "$rc" = 0 ] && grep -q '^PASS: no violation in 2 executions' "$T/out"; then ok; else not_ok "rw_memory's scripts in lockstep: exit $rc"; fi

# 2. A lease that ran out in simulated time only: exit 4, the reply named, and what to do.
run run stale_token --store "$url" --budget-execs 300 --no-shrink; rc=$?
if [ "$rc" = 4 ] && grep -q 'STORE ERROR at execution .*the real store answered .*--store redis follows simulated time' "$T/out"
then ok; else not_ok "stale_token on an external server: exit $rc"; fi

# 3. The db is empty again, and a db with keys is refused (exit 4, with the way out).
if [ "$(dbsize)" = ":0" ]; then ok; else not_ok "db left empty: DBSIZE $(dbsize)"; fi
exec 3<>"/dev/tcp/127.0.0.1/$rb_port" && printf 'SET someone-elses-key 1\r\n' >&3 && read -r -t 2 _ <&3 && exec 3<&-
if [ "$(dbsize)" = ":1" ]; then ok; else not_ok "seeding someone else's key: DBSIZE $(dbsize)"; fi
run run thundering_herd --store "$url" --budget-execs 1; rc=$?
if [ "$rc" = 4 ] && grep -q 'is not empty (1 keys).*give it a scratch db' "$T/out"; then ok; else not_ok "a db with keys: exit $rc"; fi
if [ "$(dbsize)" = ":1" ]; then ok; else not_ok "someone else's key kept: DBSIZE $(dbsize)"; fi

echo "external store: $pass passed, $fail failed"
[ "$fail" = 0 ]
