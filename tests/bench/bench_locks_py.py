#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench_locks_py.py HOST PORT DB N LOCKS: the redis-py row of tests/bench/bench_locks.c's contention table.

N threads in this process, each with its own redis.Redis connection, take redis-py's Lock on one name with its
defaults (blocking, a try every 0.1 s), INCR a counter and release, until LOCKS locks are done. Prints
"locks/s X spread Y" (Y: the busiest thread's locks over the least busy one's, 0 when one got none) and one
"wait_us W" line per acquire. Exit 2 with a "skip:" line when `import redis` fails. A password, if any, comes from
RACEBED_BENCH_REDIS_PASSWORD.
"""
import os
import sys
import threading
import time

NAME = "racebed:bench:py:fair"
TIMEOUT_S = 10  # the lease: never expires during a hold


def main():
    host, port, db, n, locks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    try:
        import redis
    except ImportError as e:
        print(f"skip: {sys.executable} cannot import redis ({e}); install it: sudo apt-get install python3-redis")
        return 2
    password = os.environ.get("RACEBED_BENCH_REDIS_PASSWORD") or None
    done = [0]
    mu = threading.Lock()
    counts = [0] * n
    waits = []
    end = [0.0]
    barrier = threading.Barrier(n + 1)

    def worker(i):
        client = redis.Redis(host=host, port=port, db=db, password=password)
        lock = client.lock(NAME, timeout=TIMEOUT_S)
        barrier.wait()
        while True:
            with mu:
                if done[0] >= locks:
                    return
            t0 = time.perf_counter()
            lock.acquire()
            w = time.perf_counter() - t0
            client.incr(NAME + ":res")
            lock.release()
            with mu:
                counts[i] += 1
                waits.append(w)
                done[0] += 1
                if done[0] == locks:
                    end[0] = time.perf_counter()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    spread = max(counts) / min(counts) if min(counts) > 0 else 0
    print(f"locks/s {locks / (end[0] - t0):.1f} spread {spread:.2f}")
    for w in waits:
        print(f"wait_us {int(w * 1e6)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
