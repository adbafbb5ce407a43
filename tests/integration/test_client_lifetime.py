"""Clients that go away while the server walks a list of clients: serving the
waiters of a key, or resuming clients parked by CLIENT PAUSE, runs commands (a
served client's pipelined input, a paused EVAL) that can be busy scripts serving
other events; a listed client that disconnects, or is evicted, meanwhile must stay
allocated until the walk is over (these were use-after-frees, seen with
`make SANITIZE=1`: the busy script's event loop freed the closed client)."""
import socket
import time

import redis

SLOW = ("local t0 = redis.call('time') repeat local t = redis.call('time') "
        "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 400000 redis.call('set', 'a', '1') return 1")


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def ping_when_not_busy(r, timeout=10):
    end = time.time() + timeout
    while True:
        try:
            return r.ping()
        except redis.ResponseError as e:
            assert str(e).startswith("BUSY") and time.time() < end
            time.sleep(0.05)


def read_until(sock, tail, timeout=5):
    sock.settimeout(timeout)
    got = b""
    while not got.endswith(tail):
        chunk = sock.recv(65536)
        assert chunk, got
        got += chunk
    return got


def wait_for(cond, timeout=3):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_paused_client_leaves_during_a_resumed_busy_script(r, server):
    r.config_set("busy-reply-threshold", 50)
    try:
        r.client_pause(100000, all=False)
        x = socket.create_connection((server.host, server.port))
        x.sendall(resp("EVAL", SLOW, 0))
        y = socket.create_connection((server.host, server.port))
        y.sendall(resp("SET", "y", 1))
        assert wait_for(lambda: r.info("clients")["blocked_clients"] == 2)
        u = socket.create_connection((server.host, server.port))
        u.sendall(resp("CLIENT", "UNPAUSE"))
        time.sleep(0.2)   # x's script is running (busy) now
        y.close()
        assert read_until(x, b"\r\n") == b":1\r\n"
        assert ping_when_not_busy(r)
        assert r.get("a") == b"1" and r.get("y") is None
        x.close()
        u.close()
    finally:
        r.config_set("busy-reply-threshold", 5000)


def test_waiter_leaves_during_a_served_clients_busy_script(r, server):
    r.config_set("busy-reply-threshold", 50)
    try:
        x = socket.create_connection((server.host, server.port))
        x.sendall(resp("BLPOP", "q", 0) + resp("EVAL", SLOW, 0))
        assert wait_for(lambda: r.info("clients")["blocked_clients"] == 1)
        y = socket.create_connection((server.host, server.port))
        y.sendall(resp("BLPOP", "q", 0))
        assert wait_for(lambda: r.info("clients")["blocked_clients"] == 2)
        p = socket.create_connection((server.host, server.port))
        p.sendall(resp("LPUSH", "q", "e"))   # x pops it, then runs its EVAL
        time.sleep(0.2)
        y.close()
        assert read_until(x, b":1\r\n") == b"*2\r\n$1\r\nq\r\n$1\r\ne\r\n:1\r\n"
        assert ping_when_not_busy(r)
        assert r.info("clients")["blocked_clients"] == 0
        x.close()
        p.close()
    finally:
        r.config_set("busy-reply-threshold", 5000)
