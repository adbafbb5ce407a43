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
import subprocess
import sys
import tempfile
import time

import redis

here = os.path.dirname(os.path.abspath(__file__))
VESPER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../build/vesper-server")
REDIS = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/redis-server"
PORT = int(os.environ.get("ZSET_BENCH_PORT", "7640"))
NKEYS = int(os.environ.get("ZSET_KEYS", "100000"))
NLARGE = int(os.environ.get("LARGE_MEMBERS", "1000000"))


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


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


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(binary, port, load):
    d = tempfile.mkdtemp(prefix="zset-mem-")
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
        enc = r.object("encoding", "big" if load is large_load else "zset:000000")
        r.close()
        return (rss1 - rss0) * 1024, used1 - used0, enc.decode()
    finally:
        proc.terminate()
        proc.wait()


def main():
    for name, load, members, port in (("small", small_load, NKEYS * 10, PORT),
                                      ("large", large_load, NLARGE, PORT + 1)):
        res = {}
        for server, binary in (("vesper", VESPER), ("redis", REDIS)):
            rss, used, enc = measure(binary, port, load)
            res[server] = (rss, used)
            print(f"{name:5} {server:6} {enc:9} rss {rss / members:7.2f} B/member   "
                  f"used_memory {used / members:7.2f} B/member")
        v, r = res["vesper"], res["redis"]
        print(f"{name:5} ratio vesper/redis: rss {v[0] / r[0]:.3f}, used_memory {v[1] / r[1]:.3f}")


if __name__ == "__main__":
    main()
