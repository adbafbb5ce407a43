"""Regression tests for the faults found in the server core (issue 6's review):
each checks a kind of fault through a real client, and passes against Redis
7.0.15 too (VESPER_SERVER=/usr/bin/redis-server) unless it says otherwise."""
import re
import socket
import time

import pytest
import redis

from conftest import is_reference_redis


def client_line(r, name):
    for line in r.execute_command("CLIENT", "LIST").decode().splitlines():
        if f"name={name} " in line:
            return line
    raise AssertionError(f"no client named {name}")


def field(line, name):
    m = re.search(r"(?:^| )" + re.escape(name) + r"=(\S*)", line)
    assert m, (name, line)
    return m.group(1)


# ---------------------------------------------------------------- client memory

def test_unauthenticated_client_output_is_bounded(spawn):
    srv = spawn("--requirepass", "secret")
    c = srv.raw(timeout=10)
    payload = b"PING\r\n" * 200000  # 1.2 MB of requests, 9.6 MB of -NOAUTH replies
    closed = False
    try:
        for _ in range(40):
            c.sock.sendall(payload)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        closed = True
    if not closed:
        closed = c.is_closed(wait=5)
    assert closed, "an unauthenticated client that never reads must be disconnected"
    r = srv.client(password="secret")
    assert r.ping()


def test_idle_clients_give_their_buffers_back(server):
    conns = []
    for i in range(50):
        c = server.raw()
        c.cmd("CLIENT", "SETNAME", f"idle{i}")
        assert c.cmd("PING") == b"PONG"
        conns.append(c)
    r = server.client()
    deadline = time.time() + 8
    while True:
        lines = [l for l in r.execute_command("CLIENT", "LIST").decode().splitlines() if "name=idle" in l]
        mems = [int(field(l, "tot-mem")) for l in lines]
        qbufs = [int(field(l, "qbuf")) + int(field(l, "qbuf-free")) for l in lines]
        if max(mems) <= 2048 and max(qbufs) == 0:
            break
        assert time.time() < deadline, f"idle clients still hold tot-mem {max(mems)}, qbuf {max(qbufs)}"
        time.sleep(0.2)
    for c in conns:
        c.close()


# ---------------------------------------------------------------- MULTI / EXEC

def test_client_list_inside_multi_shows_queue(server):
    c = server.raw()
    c.cmd("CLIENT", "SETNAME", "queued")
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("SET", "a", "1") == b"QUEUED"
    assert c.cmd("INCR", "b") == b"QUEUED"
    r = server.client()
    line = client_line(r, "queued")
    assert field(line, "multi") == "2"
    assert int(field(line, "multi-mem")) > 0
    assert "x" in field(line, "flags")
    assert field(line, "cmd") == "incr"
    c.cmd("DISCARD")
    line = client_line(r, "queued")
    assert field(line, "multi") == "-1"


def test_exec_with_wrong_arity_aborts_the_transaction(raw):
    c = raw()
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("SET", "a", "1") == b"QUEUED"
    reply = c.cmd("EXEC", "x")
    assert reply == b"EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
    assert isinstance(reply, bytes) and reply.__class__.__name__ == "RespError"
    # no longer in MULTI: EXEC now says so, and the SET did not run
    assert c.cmd("EXEC") == b"ERR EXEC without MULTI"
    assert c.cmd("EXISTS", "a") == 0


def test_exec_rejected_by_a_check_aborts_with_the_reason(spawn):
    srv = spawn("--requirepass", "pw")
    c = srv.raw()
    assert c.cmd("MULTI") == b"NOAUTH Authentication required."
    assert c.cmd("EXEC") == b"EXECABORT Transaction discarded because of: NOAUTH Authentication required."
    assert c.cmd("EXEC", "x") == (b"EXECABORT Transaction discarded because of: "
                                  b"wrong number of arguments for 'exec' command")
    assert c.cmd("AUTH", "pw") == b"OK"
    assert c.cmd("EXEC") == b"ERR EXEC without MULTI"


@pytest.fixture
def debug_server(spawn):
    return spawn("--enable-debug-command", "yes")


def test_watch_missing_key_survives_flushes(debug_server):
    r = debug_server.client()
    for flush in (("FLUSHDB",), ("FLUSHALL",), ("SWAPDB", "0", "1")):
        r.flushall()
        p = r.pipeline(transaction=False)
        c = debug_server.raw()
        c.cmd("WATCH", "nokey")
        r.execute_command(*flush)
        assert c.cmd("MULTI") == b"OK"
        assert c.cmd("PING") == b"QUEUED"
        assert c.cmd("EXEC") == [b"PONG"], flush
        c.close()
        del p


def test_watched_key_that_expires_aborts_exec(debug_server):
    r = debug_server.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("key", "1", px=100)
        c = debug_server.raw()
        c.cmd("WATCH", "key")
        time.sleep(0.3)
        c.cmd("MULTI")
        c.cmd("INCR", "key")
        assert c.cmd("EXEC") is None
        assert r.exists("key") == 0
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@pytest.mark.parametrize("deleter", [("DEL", "x"), ("FLUSHDB",), ("GET", "x")])
def test_watch_of_already_expired_key(debug_server, deleter):
    r = debug_server.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("x", "foo", px=1)
        time.sleep(0.05)
        c = debug_server.raw()
        c.cmd("WATCH", "x")
        r.execute_command(*deleter)
        c.cmd("MULTI")
        c.cmd("PING")
        assert c.cmd("EXEC") == [b"PONG"]
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---------------------------------------------------------------- CLIENT LIST cmd=

def test_client_list_cmd_field(server):
    c = server.raw()
    c.cmd("CLIENT", "SETNAME", "cmdfield")
    r = server.client()
    c.cmd("NOSUCHCOMMAND")
    assert field(client_line(r, "cmdfield"), "cmd") == "NULL"
    c.cmd("CONFIG", "NOSUCHSUB")
    assert field(client_line(r, "cmdfield"), "cmd") == "NULL"
    c.cmd("GET")  # arity error: the name is kept
    assert field(client_line(r, "cmdfield"), "cmd") == "get"
    c.cmd("MULTI")
    c.cmd("INCR", "k")
    assert field(client_line(r, "cmdfield"), "cmd") == "incr"
    c.cmd("EXEC")
    assert field(client_line(r, "cmdfield"), "cmd") == "exec"


# ---------------------------------------------------------------- OBJECT FREQ

def test_object_freq_of_shared_integer_is_zero(r):
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        r.incr("counter")
        # the shared object's counter: untouched since start-up, it reads 0
        assert r.object("freq", "counter") == 0
        r.set("s", "notanint")
        assert r.object("freq", "s") == 5  # a new key starts at LFU_INIT_VAL
        for _ in range(20):
            r.get("counter")
        assert r.object("freq", "counter") > 0  # every key holding 1 shares it
    finally:
        r.config_set("maxmemory-policy", "noeviction")


# ---------------------------------------------------------------- overflows (UBSan)

def test_huge_integers_do_not_overflow(debug_server):
    r = debug_server.client()
    assert r.set("k", "v", pxat=9223372036854775807)
    assert r.execute_command("EXPIRETIME", "k") == 9223372036854776
    assert r.execute_command("PEXPIRETIME", "k") == 9223372036854775807
    assert r.execute_command("CLIENT", "PAUSE", "9223372036854775807", "WRITE") == b"OK"
    assert r.execute_command("CLIENT", "UNPAUSE") == b"OK"
    if not is_reference_redis():  # Redis 7.0.15 spins trying to populate
        with pytest.raises(redis.ResponseError, match="OOM in dictTryExpand"):
            r.execute_command("DEBUG", "POPULATE", "2305843009213693952")
    with pytest.raises(redis.ResponseError, match="invalid expire time"):
        r.set("x", "1", ex=9223372036854775)
    with pytest.raises(redis.ResponseError, match="invalid expire time"):
        r.execute_command("EXPIRE", "k", "9223372036854775807")
    assert r.ping()


# ---------------------------------------------------------------- COMMAND, CLIENT

@pytest.mark.parametrize("args,expected", [
    (("set", "a", "b"), [[b"a", [b"OW", b"update"]]]),
    (("set", "a", "b", "get"), [[b"a", [b"RW", b"access", b"update"]]]),
    (("set", "a", "b", "ex", "10"), [[b"a", [b"OW", b"update"]]]),
    (("bitfield", "k", "get", "u8", "0"), [[b"k", [b"RO", b"access"]]]),
    (("bitfield", "k", "set", "u8", "0", "1"), [[b"k", [b"RW", b"access", b"update"]]]),
])
def test_getkeysandflags_resolves_variable_flags(server, args, expected):
    c = server.raw()
    got = c.cmd("COMMAND", "GETKEYSANDFLAGS", *args)
    assert [[k, sorted(f)] for k, f in got] == [[k, sorted(f)] for k, f in expected]


def test_client_setinfo_shows_in_client_list(server):
    if is_reference_redis():
        pytest.skip("CLIENT SETINFO is Redis 7.2")
    c = server.raw()
    c.cmd("CLIENT", "SETNAME", "lib")
    assert c.cmd("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert c.cmd("CLIENT", "SETINFO", "LIB-VER", "5.0.1") == b"OK"
    line = client_line(server.client(), "lib")
    assert line.endswith("lib-name=redis-py lib-ver=5.0.1")
    info = c.cmd("CLIENT", "INFO").decode()
    assert "lib-name=redis-py lib-ver=5.0.1" in info
