#!/usr/bin/env python3
"""Memory of hashes: Vesper beside redis-server 7.0.15 in the same run.

Two loads, each into a fresh server of each kind:
  small: HASH_KEYS (100,000) hashes "hash:<6 digits>" of 10 fields "field:<i>" with
         values "value:<6 digits>" (listpack-encoded in both servers);
  large: one hash of LARGE_FIELDS (1,000,000) fields "field:<i>" -> "value:<i>"
         (hashtable-encoded).
The data goes in through `redis-cli --pipe` (one HSET per hash for the small load,
batches of 100 pairs for the large one). Reported per field: the growth of the
process's resident set (VmRSS) and of INFO used_memory, and the Vesper/Redis ratios.

Usage: tests/bench/hash_memory.py [VESPER_BIN] [REDIS_BIN]
Environment: HASH_BENCH_PORT (7420: uses it and the next one), HASH_KEYS, LARGE_FIELDS,
HASH_FIELD_FMT / HASH_VALUE_FMT (the small load's field and value formats, taking the
field number and a running number: "field:%d", "value:%06d")."""
import os
import sys

from memload import compare, resp

here = os.path.dirname(os.path.abspath(__file__))
VESPER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../build/vesper-server")
REDIS = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/redis-server"
PORT = int(os.environ.get("HASH_BENCH_PORT", "7420"))
NKEYS = int(os.environ.get("HASH_KEYS", "100000"))
NLARGE = int(os.environ.get("LARGE_FIELDS", "1000000"))
FIELD_FMT = os.environ.get("HASH_FIELD_FMT", "field:%d")
VALUE_FMT = os.environ.get("HASH_VALUE_FMT", "value:%06d")


def small_load():
    for k in range(NKEYS):
        args = ["HSET", "hash:%06d" % k]
        for f in range(10):
            args += [FIELD_FMT % f, VALUE_FMT % ((k * 10 + f) % 1000000)]
        yield resp(*args)


def large_load():
    for start in range(0, NLARGE, 100):
        args = ["HSET", "big"]
        for i in range(start, min(NLARGE, start + 100)):
            args += ["field:%d" % i, "value:%d" % i]
        yield resp(*args)


def main():
    compare((("small", small_load, NKEYS * 10, PORT, "hash:000000"),
             ("large", large_load, NLARGE, PORT + 1, "big")), "field", VESPER, REDIS)


if __name__ == "__main__":
    main()
