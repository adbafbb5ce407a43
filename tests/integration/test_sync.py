"""Replication, master side: SYNC / PSYNC full synchronization from Vesper. The
snapshot reaches vesper-cli --rdb and redis-cli --rdb, a real redis-server 7.0.15
replica follows Vesper's write stream exactly (same offset, same data), and the
suite's stream readers (a raw SYNC) see the propagated commands."""
import os
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import REPO_ROOT, is_reference_redis, redis_replica_of

pytestmark = pytest.mark.skipif(is_reference_redis(), reason="exercises Vesper as the master")

REFERENCE = "/usr/bin/redis-server"
CLI = str(REPO_ROOT / "build" / "vesper-cli")


def start(spawn, *extra):
    d = tempfile.mkdtemp(prefix="vesper-sync-")
    return spawn("--dir", d, "--enable-debug-command", "yes", *extra), d


@pytest.mark.parametrize("cli", [CLI, "/usr/bin/redis-cli"])
def test_cli_rdb_fetches_the_snapshot(spawn, cli):
    if not os.path.exists(cli):
        pytest.skip(cli + " missing")
    srv, d = start(spawn)
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 500)
    r.rpush("l", *range(100))
    out = os.path.join(d, "fetched.rdb")
    p = subprocess.run([cli, "-p", str(srv.port), "--rdb", out], capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    with open(out, "rb") as f:
        assert f.read(9) == b"REDIS0010"
    # the fetched file loads with the same contents
    srv2 = spawn("--dir", d, "--dbfilename", "fetched.rdb", "--enable-debug-command", "yes")
    assert srv2.client().execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST")
    assert "RDB transfer to replica" in srv.log_text()
    assert r.info("replication")["connected_slaves"] == 0      # rdb-only: gone after the transfer


def read_line(s):
    buf = b""
    while not buf.endswith(b"\r\n"):
        ch = s.recv(1)
        assert ch, "connection closed"
        buf += ch
    return buf[:-2]


def attach(port, psync=False):
    """What the Redis test suite's attach_to_replication_stream does."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"PSYNC ? -1\r\n" if psync else b"SYNC\r\n")
    first = None
    if psync:
        first = read_line(s)
    while True:
        line = read_line(s) if False else None
        ch = s.recv(1)
        if ch == b"\n":
            continue                                   # keepalive newlines while the save runs
        rest = read_line(s)
        line = ch + rest
        break
    assert line.startswith(b"$"), line
    n = int(line[1:])
    got = b""
    while len(got) < n:
        got += s.recv(n - len(got))
    assert got.startswith(b"REDIS")
    return s, first


def read_command(s):
    head = read_line(s)
    assert head.startswith(b"*"), head
    args = []
    for _ in range(int(head[1:])):
        n = int(read_line(s)[1:])
        data = b""
        while len(data) < n + 2:
            data += s.recv(n + 2 - len(data))
        args.append(data[:-2])
    return args


def test_sync_stream_carries_the_propagated_commands(spawn):
    srv, _ = start(spawn, "--repl-ping-replica-period", "3600")
    r = srv.client()
    r.set("before", 1)
    s, _ = attach(srv.port)
    r.set("k", "v", ex=100)
    r.incrbyfloat("f", "1.5")
    r.execute_command("SELECT", 2)
    r.lpush("l", "a")
    assert read_command(s) == [b"SELECT", b"0"]
    cmd = read_command(s)
    assert cmd[:3] == [b"SET", b"k", b"v"] and cmd[3].upper() == b"PXAT"
    assert read_command(s)[:3] == [b"SET", b"f", b"1.5"]
    assert read_command(s) == [b"SELECT", b"2"]
    assert read_command(s) == [b"LPUSH", b"l", b"a"]
    info = r.info("replication")
    assert info["connected_slaves"] == 1 and info["slave0"]["state"] == "online"
    s.close()
    deadline = time.time() + 5
    while r.info("replication")["connected_slaves"]:
        assert time.time() < deadline
        time.sleep(0.05)


def test_psync_answers_fullresync(spawn):
    srv, _ = start(spawn)
    s, first = attach(srv.port, psync=True)
    parts = first.split()
    assert parts[0] == b"+FULLRESYNC" and len(parts[1]) == 40 and int(parts[2]) >= 0
    assert parts[1].decode() == srv.client().info("replication")["master_replid"]
    s.close()


def test_replconf_and_sync_errors(spawn):
    srv, _ = start(spawn)
    r = srv.client()
    assert r.execute_command("REPLCONF", "listening-port", 1234, "capa", "eof", "capa", "psync2") == b"OK"
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("REPLCONF", "listening-port")
    with pytest.raises(redis.ResponseError, match="Unrecognized REPLCONF option: bogus"):
        r.execute_command("REPLCONF", "bogus", 1)
    with pytest.raises(redis.ResponseError, match="rdb-only value must be 0 or 1"):
        r.execute_command("REPLCONF", "rdb-only", 5)
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        r.execute_command("REPLCONF", "listening-port", "x")
    assert r.execute_command("ROLE") == [b"master", 0, []]
    p = r.pipeline(transaction=True)
    p.execute_command("SYNC")
    with pytest.raises(redis.ResponseError, match="not allowed|is not allowed"):
        p.execute()


@pytest.mark.skipif(not os.path.exists(REFERENCE), reason="needs redis-server 7.0.15")
def test_redis_replica_follows_vesper(spawn):
    srv, _ = start(spawn)
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 2000)
    r.hset("h", mapping={"a": 1, "b": 2})
    with redis_replica_of(srv.port, REFERENCE, "--enable-debug-command", "yes") as (_, rep):
        port = rep.connection_pool.connection_kwargs["port"]
        deadline = time.time() + 10
        r.set("live", "write", px=100000)
        r.zadd("z", {"m": 1})
        r.spop("nosuch")
        r.sadd("s", 1, 2, 3)
        r.spop("s")
        r.execute_command("SELECT", 5)
        r.incr("five")
        r.delete("h")
        while rep.info("replication")["slave_repl_offset"] != r.info("replication")["master_repl_offset"]:
            assert time.time() < deadline, "the replica did not catch up"
            time.sleep(0.05)
        assert rep.execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST")
        role = r.execute_command("ROLE")
        assert role[0] == b"master" and role[2][0][1] == str(port).encode()
