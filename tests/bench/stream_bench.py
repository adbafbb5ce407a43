#!/usr/bin/env python3
"""Streams: Vesper beside redis-server 7.0.15 in the same run.

memory   resident growth (VmRSS) and INFO used_memory per entry for one stream of
         STREAM_ENTRIES (1,000,000) entries of three small fields
         (XADD s <id> voucherId <v> userId <u> orderId <o>, in pipelined batches of
         1,000), in a fresh server of each kind. The IDs are explicit (ten entries
         per millisecond, as a busy stream gets), so both servers store the same
         bytes: IDs from the clock would differ with each server's speed.
instr    callgrind's instructions per XREADGROUP+XACK pair: the stream is filled with
         explicit IDs 1-1 .. N-1 and a group created (outside the counted window),
         then N pairs "XREADGROUP GROUP g c COUNT 1 STREAMS s >" + "XACK s g <i>-1"
         are sent, one pair per write on one connection (the ID a read returns is
         known in advance, so the ACK rides with it); the counters are zeroed before
         the pairs and dumped after. XADD's instructions come from
         tests/bench/instructions.sh (test "xadd").

Usage: tests/bench/stream_bench.py memory|instr [VESPER_BIN] [REDIS_BIN]
Environment: STREAM_BENCH_PORT (7660: uses it and the next one), STREAM_ENTRIES,
STREAM_PAIRS (20000)."""
import os
import glob
import socket
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
MODE = sys.argv[1] if len(sys.argv) > 1 else "memory"
VESPER = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "../../build/vesper-server")
REDIS = sys.argv[3] if len(sys.argv) > 3 else "/usr/bin/redis-server"
PORT = int(os.environ.get("STREAM_BENCH_PORT", "7660"))
NENTRIES = int(os.environ.get("STREAM_ENTRIES", "1000000"))
NPAIRS = int(os.environ.get("STREAM_PAIRS", "20000"))


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def read_replies(self, n):
        """Reads n complete replies (any shape) and discards them."""
        pos, done = 0, 0
        while done < n:
            end = self._skip(pos)
            if end is None:
                self.buf = self.buf[pos:]
                pos = 0
                self.buf += self.s.recv(1 << 20)
                continue
            pos = end
            done += 1
        self.buf = self.buf[pos:]

    def _skip(self, pos):
        i = self.buf.find(b"\r\n", pos)
        if i < 0:
            return None
        t, n = self.buf[pos:pos + 1], self.buf[pos + 1:i]
        pos = i + 2
        if t in b"$":
            k = int(n)
            if k < 0:
                return pos
            return pos + k + 2 if len(self.buf) >= pos + k + 2 else None
        if t in b"*":
            for _ in range(max(int(n), 0)):
                pos = self._skip(pos)
                if pos is None:
                    return None
            return pos
        return pos

    def cmd(self, *args):
        self.send(resp(*args))
        self.read_replies(1)


def start(binary, port, d, wrapper=()):
    p = subprocess.Popen(list(wrapper) + [binary, "--port", str(port), "--save", "", "--appendonly", "no",
                                          "--dir", d, "--bind", "127.0.0.1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while True:
        try:
            c = Conn(port)
            c.cmd("PING")
            return p, c
        except OSError:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.1)


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def used_memory(c):
    c.send(resp("INFO", "memory"))
    while b"\r\n" not in c.buf:
        c.buf += c.s.recv(1 << 16)
    i = c.buf.index(b"\r\n")
    k = int(c.buf[1:i])
    while len(c.buf) < i + 2 + k + 2:
        c.buf += c.s.recv(1 << 16)
    text = c.buf[i + 2:i + 2 + k].decode()
    c.buf = c.buf[i + 2 + k + 2:]
    for line in text.split("\r\n"):
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    return 0


def memory(binary, port):
    d = tempfile.mkdtemp(prefix="stream-bench-")
    p, c = start(binary, port, d)
    try:
        time.sleep(0.3)
        r0, u0 = rss(p.pid), used_memory(c)
        batch = 1000
        for s in range(0, NENTRIES, batch):
            c.send(b"".join(resp("XADD", "s", "%d-%d" % (1700000000000 + i // 10, i % 10), "voucherId", i % 100,
                                 "userId", i, "orderId", i)
                            for i in range(s, min(NENTRIES, s + batch))))
            c.read_replies(min(NENTRIES, s + batch) - s)
        time.sleep(0.3)
        r1, u1 = rss(p.pid), used_memory(c)
        return (r1 - r0) / NENTRIES, (u1 - u0) / NENTRIES
    finally:
        p.terminate()
        p.wait(20)


def instructions(binary, port):
    d = tempfile.mkdtemp(prefix="stream-bench-")
    out = os.path.join(d, "cg.%p")
    p, c = start(binary, port, d, ("valgrind", "--tool=callgrind", "--callgrind-out-file=" + out))
    try:
        total = NPAIRS * 2  # warm-up pairs, then the measured ones
        for s in range(0, total, 1000):
            c.send(b"".join(resp("XADD", "s", "%d-1" % (i + 1), "voucherId", i % 100, "userId", i, "orderId", i)
                            for i in range(s, min(total, s + 1000))))
            c.read_replies(min(total, s + 1000) - s)
        c.cmd("XGROUP", "CREATE", "s", "g", "0")

        def pairs(first, n):
            for i in range(first, first + n):
                c.send(resp("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">") +
                       resp("XACK", "s", "g", "%d-1" % i))
                c.read_replies(2)
        pairs(1, NPAIRS)
        subprocess.run(["callgrind_control", "-z", str(p.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pairs(NPAIRS + 1, NPAIRS)
        subprocess.run(["callgrind_control", "-d", str(p.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        last = max(glob.glob(os.path.join(d, "cg.*")), key=os.path.getmtime)
        with open(last) as f:
            for line in f:
                if line.startswith("summary:"):
                    return int(line.split()[1]) / NPAIRS
        return 0
    finally:
        c.send(resp("SHUTDOWN", "NOSAVE"))
        time.sleep(0.5)
        p.terminate()
        p.wait(30)


def main():
    if MODE == "memory":
        v = memory(VESPER, PORT)
        r = memory(REDIS, PORT + 1)
        print("stream of %d entries (3 small fields): bytes/entry  RSS  vesper %.1f  redis %.1f  (%.2fx)" %
              (NENTRIES, v[0], r[0], v[0] / r[0]))
        print("                                        used_memory  vesper %.1f  redis %.1f  (%.2fx)" %
              (v[1], r[1], v[1] / r[1]))
    else:
        v = instructions(VESPER, PORT)
        r = instructions(REDIS, PORT + 1)
        print("XREADGROUP+XACK pair: instructions  vesper %.0f  redis %.0f  (%.2fx)" % (v, r, v / r))


if __name__ == "__main__":
    main()
