"""memload.py - what the memory benchmarks share: RESP encoding of a command, a
server's resident set, and one measured load into a fresh server.

measure() starts BINARY on PORT with no persistence, reads VmRSS and INFO
used_memory, feeds the load's commands through `redis-cli --pipe`, waits for the
server to settle and reads both again. compare() runs each load against Vesper
and Redis in turn (same port, fresh process each time) and prints the per-item
growth and the Vesper/Redis ratios; it is the main() of hash_memory.py and
zset_memory.py."""
import subprocess
import tempfile
import time

import redis


def resp(*args):
    """One command in RESP (an array of bulk strings); args are bytes or anything str() takes."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def rss_kb(pid):
    """The resident set of process PID in KiB (0 if /proc does not say)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(binary, port, load, probe_key):
    """Load LOAD() (an iterable of RESP commands) into a fresh BINARY on PORT.
    Returns (rss growth in bytes, used_memory growth in bytes, OBJECT ENCODING of probe_key)."""
    d = tempfile.mkdtemp(prefix="mem-bench-")
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
        enc = r.object("encoding", probe_key)
        r.close()
        return (rss1 - rss0) * 1024, used1 - used0, enc.decode()
    finally:
        proc.terminate()
        proc.wait()


def compare(loads, unit, vesper, redis_bin):
    """LOADS: (name, load, items, port, probe_key) tuples. Prints per-item growth in
    both servers and the Vesper/Redis ratios; UNIT names an item ("field", "member")."""
    for name, load, items, port, probe in loads:
        res = {}
        for server, binary in (("vesper", vesper), ("redis", redis_bin)):
            rss, used, enc = measure(binary, port, load, probe)
            res[server] = (rss, used)
            print(f"{name:5} {server:6} {enc:9} rss {rss / items:7.2f} B/{unit}   "
                  f"used_memory {used / items:7.2f} B/{unit}")
        v, r = res["vesper"], res["redis"]
        print(f"{name:5} ratio vesper/redis: rss {v[0] / r[0]:.3f}, used_memory {v[1] / r[1]:.3f}")
