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
import subprocess
import sys
import tempfile
import time

import redis

here = os.path.dirname(os.path.abspath(__file__))
VESPER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../build/vesper-server")
REDIS = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/redis-server"
PORT = int(os.environ.get("HASH_BENCH_PORT", "7420"))
NKEYS = int(os.environ.get("HASH_KEYS", "100000"))
NLARGE = int(os.environ.get("LARGE_FIELDS", "1000000"))
FIELD_FMT = os.environ.get("HASH_FIELD_FMT", "field:%d")
VALUE_FMT = os.environ.get("HASH_VALUE_FMT", "value:%06d")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


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


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(binary, port, load):
    d = tempfile.mkdtemp(prefix="hash-mem-")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", d, "--logfile", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = redis.Redis(port=port)
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        time.sleep(0.3)
        rss0, used0 = rss_kb(proc.pid), int(r.info("memory")["used_memory"])
        data = b"".join(load())
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, check=True,
                       stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        rss1, used1 = rss_kb(proc.pid), int(r.info("memory")["used_memory"])
        enc = r.object("encoding", "big" if load is large_load else "hash:000000")
        r.close()
        return (rss1 - rss0) * 1024, used1 - used0, enc.decode()
    finally:
        proc.terminate()
        proc.wait()


def main():
    for name, load, fields, port in (("small", small_load, NKEYS * 10, PORT),
                                     ("large", large_load, NLARGE, PORT + 1)):
        res = {}
        for server, binary in (("vesper", VESPER), ("redis", REDIS)):
            rss, used, enc = measure(binary, port, load)
            res[server] = (rss, used)
            print(f"{name:5} {server:6} {enc:9} rss {rss / fields:7.2f} B/field   "
                  f"used_memory {used / fields:7.2f} B/field")
        v, r = res["vesper"], res["redis"]
        print(f"{name:5} ratio vesper/redis: rss {v[0] / r[0]:.3f}, used_memory {v[1] / r[1]:.3f}")


if __name__ == "__main__":
    main()
