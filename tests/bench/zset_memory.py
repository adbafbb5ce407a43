#!/usr/bin/env python3
"""Memory of sorted sets: Vesper beside redis-server 7.0.15 in the same run.

Two loads, each into a fresh server of each kind:
  small: ZSET_KEYS (100,000) sorted sets "zset:<6 digits>" of 10 members
         "member:<i>" with scores <k>.<i> (listpack-encoded in both servers);
  large: one sorted set of LARGE_MEMBERS (1,000,000) members "member:<i>" with
         random scores (skiplist-encoded).
The data goes in through `redis-cli --pipe` (one ZADD per small set, batches of 100
pairs for the large one). Reported per member: the growth of the process's resident
set (VmRSS) and of INFO used_memory, and the Vesper/Redis ratios.

Usage: tests/bench/zset_memory.py [VESPER_BIN] [REDIS_BIN]
Environment: ZSET_BENCH_PORT (7640: uses it and the next one), ZSET_KEYS, LARGE_MEMBERS."""
import os
import random
import sys

from memload import compare, resp

here = os.path.dirname(os.path.abspath(__file__))
VESPER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../build/vesper-server")
REDIS = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/redis-server"
PORT = int(os.environ.get("ZSET_BENCH_PORT", "7640"))
NKEYS = int(os.environ.get("ZSET_KEYS", "100000"))
NLARGE = int(os.environ.get("LARGE_MEMBERS", "1000000"))


def small_load():
    for k in range(NKEYS):
        args = ["ZADD", "zset:%06d" % k]
        for i in range(10):
            args += ["%d.%d" % (k, i), "member:%d" % i]
        yield resp(*args)


def large_load():
    rnd = random.Random(1)
    for start in range(0, NLARGE, 100):
        args = ["ZADD", "big"]
        for i in range(start, min(NLARGE, start + 100)):
            args += [repr(rnd.random()), "member:%d" % i]
        yield resp(*args)


def main():
    compare((("small", small_load, NKEYS * 10, PORT, "zset:000000"),
             ("large", large_load, NLARGE, PORT + 1, "big")), "member", VESPER, REDIS)


if __name__ == "__main__":
    main()
