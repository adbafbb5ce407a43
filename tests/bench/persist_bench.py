#!/usr/bin/env python3
"""Persistence: Vesper beside redis-server 7.0.15 in the same run (issue 8's targets).

The dataset: STRINGS (1,000,000) small string keys (DEBUG POPULATE: "key:<n>" ->
"value:<n>") plus COLLECTIONS (100) collections of ELEMENTS (100,000) elements,
a quarter each lists, sets, hashes and sorted sets of short members, loaded
through `redis-cli --pipe` into a fresh server of each kind. Then, per server:
  save     seconds for SAVE (rdbcompression yes)
  size     bytes of the RDB file
  load     seconds to load that file at start-up (the server's own log line
           "DB loaded from disk: X seconds")
  fork     latest_fork_usec of a BGSAVE
  p99.9    the 99.9th percentile latency (ms) of SETs sent open-loop at RPS
           requests per second by vesper-benchmark while that BGSAVE runs, and
           the worst latency seen
  aof      SET requests per second with appendonly yes / appendfsync everysec
           (vesper-benchmark, 50 clients, AOF_REQUESTS requests)
and the Vesper/Redis ratios.

Usage: tests/bench/persist_bench.py [VESPER_BIN] [REDIS_BIN]
Environment: PERSIST_BENCH_PORT (7430: uses it and the next one), STRINGS,
COLLECTIONS, ELEMENTS, RPS (20000), AOF_REQUESTS (500000)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import redis

from memload import resp

here = os.path.dirname(os.path.abspath(__file__))
VESPER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../build/vesper-server")
REDIS = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/redis-server"
BENCH = os.path.join(here, "../../build/vesper-benchmark")
PORT = int(os.environ.get("PERSIST_BENCH_PORT", "7430"))
STRINGS = int(os.environ.get("STRINGS", "1000000"))
COLLECTIONS = int(os.environ.get("COLLECTIONS", "100"))
ELEMENTS = int(os.environ.get("ELEMENTS", "100000"))
RPS = int(os.environ.get("RPS", "20000"))
AOF_REQUESTS = int(os.environ.get("AOF_REQUESTS", "500000"))


def dataset_file(path):
    kinds = [("RPUSH", "list"), ("SADD", "set"), ("HSET", "hash"), ("ZADD", "zset")]
    with open(path, "wb") as f:
        for c in range(COLLECTIONS):
            cmd, kind = kinds[c % 4]
            key = "%s:%d" % (kind, c)
            for start in range(0, ELEMENTS, 100):
                args = []
                for i in range(start, min(start + 100, ELEMENTS)):
                    if cmd == "HSET":
                        args += ["field:%d" % i, "v%d" % i]
                    elif cmd == "ZADD":
                        args += [i, "member:%d" % i]
                    else:
                        args.append("member:%d" % i)
                f.write(resp(cmd, key, *args))


def start(binary, port, d, *extra):
    log = os.path.join(d, "server.log")
    p = subprocess.Popen([binary, "--port", str(port), "--dir", d, "--save", "", "--appendonly", "no",
                          "--enable-debug-command", "yes", "--logfile", log, *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = redis.Redis(port=port, socket_timeout=600)
    deadline = time.time() + 600
    while True:
        try:
            if r.ping():
                return p, r, log
        except (redis.ConnectionError, redis.BusyLoadingError):
            if p.poll() is not None or time.time() > deadline:
                raise RuntimeError("server did not start: " + open(log).read()[-2000:])
            time.sleep(0.05)


def stop(p):
    p.terminate()
    p.wait(60)


def measure(name, binary, port, data):
    d = tempfile.mkdtemp(prefix="persist-bench-")
    res = {}
    p, r, log = start(binary, port, d)
    r.execute_command("DEBUG", "POPULATE", STRINGS)
    with open(data, "rb") as f:
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, check=True, stdout=subprocess.DEVNULL)
    t = time.time()
    r.execute_command("SAVE")
    res["save"] = time.time() - t
    res["size"] = os.path.getsize(os.path.join(d, "dump.rdb"))
    # BGSAVE under an open-loop write load
    r.config_set("save", "")
    bench = subprocess.Popen([BENCH, "-p", str(port), "--rps", str(RPS), "-n", str(RPS * 4), "-t", "set", "-r", "100000",
                              "--csv-extended"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(0.5)
    r.bgsave()
    out, _ = bench.communicate(timeout=120)
    res["fork_us"] = r.info("stats")["latest_fork_usec"]
    rows = [line for line in out.splitlines() if line.startswith('"SET')]
    cols = rows[-1].replace('"', "").split(",") if rows else []
    # "test","rps","avg","min","p50","p95","p99","max","p99.9","p99.99"
    res["p999"] = float(cols[8]) if len(cols) > 8 else float("nan")
    res["max"] = float(cols[7]) if len(cols) > 7 else float("nan")
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        time.sleep(0.1)
    stop(p)
    # start-up load
    open(log, "w").close()
    p, r, log = start(binary, port, d)
    m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", open(log).read())
    res["load"] = float(m.group(1)) if m else float("nan")
    stop(p)
    shutil.rmtree(d, ignore_errors=True)
    # AOF everysec throughput
    d = tempfile.mkdtemp(prefix="persist-bench-aof-")
    p, r, log = start(binary, port, d, "--appendonly", "yes", "--appendfsync", "everysec")
    out = subprocess.run([BENCH, "-p", str(port), "-t", "set", "-n", str(AOF_REQUESTS), "-c", "50", "-r", "100000",
                          "--csv"], capture_output=True, text=True, timeout=600).stdout
    rows = [line for line in out.splitlines() if line.startswith('"SET')]
    res["aof_rps"] = float(rows[-1].replace('"', "").split(",")[1]) if rows else float("nan")
    stop(p)
    shutil.rmtree(d, ignore_errors=True)
    print("%-7s save %.2fs  size %d  load %.2fs  fork %dus  p99.9 %.2fms  max %.2fms  aof %.0f rps" %
          (name, res["save"], res["size"], res["load"], res["fork_us"], res["p999"], res["max"], res["aof_rps"]),
          flush=True)
    return res


def main():
    data = tempfile.mktemp(prefix="persist-bench-data-")
    dataset_file(data)
    v = measure("vesper", VESPER, PORT, data)
    r = measure("redis", REDIS, PORT + 1, data)
    os.unlink(data)
    print("ratios (vesper/redis): save %.2f  size %.2f  load %.2f  fork %.2f  aof %.2f" %
          (v["save"] / r["save"], v["size"] / r["size"], v["load"] / r["load"], v["fork_us"] / max(r["fork_us"], 1),
           v["aof_rps"] / r["aof_rps"]))


if __name__ == "__main__":
    main()
