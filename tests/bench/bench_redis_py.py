#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench_redis_py.py HOST PORT CYCLES RUNS [DB [WARMUP]]: the redis-py column of tests/bench/bench_redis.c.

Measures the lock cycle (acquire + release, one connection, no contention) through redis-py's redis.lock.Lock, as
Debian's python3-redis ships it: acquire is SET NX PX with a fresh token, release a compare-and-delete script run by
EVALSHA. After WARMUP untimed cycles (default 200) it prints one line "cycles/s N" per run of CYCLES cycles (bench_redis
takes the median), then "redis-py VERSION". Asserts nothing. Exit 2 with a "skip:" line when `import redis` fails; a
lock or connection error ends it with a traceback. A password, if any, comes from the environment
(RACEBED_BENCH_REDIS_PASSWORD), never the command line.
"""
import os
import sys
import time

WARMUP_CYCLES = 200
LOCK_NAME = "racebed:bench:py"
LOCK_TIMEOUT_S = 10  # the lease; never expires during a cycle


def cycle_rate(lock, n):
    """Cycles/s of n acquire + release cycles; raises if an acquire fails (nothing else holds the lock)."""
    t0 = time.perf_counter()
    for _ in range(n):
        if not lock.acquire():
            raise RuntimeError("acquire failed on an unheld lock")
        lock.release()
    return n / (time.perf_counter() - t0)


def main():
    host, port, cycles, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    db = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    warmup = int(sys.argv[6]) if len(sys.argv) > 6 else WARMUP_CYCLES
    try:
        import redis
    except ImportError as e:
        print(f"skip: {sys.executable} cannot import redis ({e}); install it: sudo apt-get install python3-redis")
        return 2
    client = redis.Redis(host=host, port=port, db=db,
                         password=os.environ.get("RACEBED_BENCH_REDIS_PASSWORD") or None)
    lock = client.lock(LOCK_NAME, timeout=LOCK_TIMEOUT_S)
    cycle_rate(lock, warmup)
    for _ in range(runs):
        print(f"cycles/s {cycle_rate(lock, cycles):.1f}", flush=True)
    print(f"redis-py {redis.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
