"""MIGRATE: keys moved to another server (Redis 7.0.15 as the target, and back),
with COPY, REPLACE, AUTH/AUTH2, KEYS, TTLs, Redis's error texts, and what the
source propagates (DEL of the keys that moved). Skipped without the reference
redis-server."""
import os
import tempfile

import pytest
import redis

from conftest import closed_port
from test_geo import ref_port  # noqa: F401 (fixture)


@pytest.fixture
def target(ref_port):  # noqa: F811
    t = redis.Redis(port=ref_port)
    t.flushall()
    yield t
    t.config_set("requirepass", "")
    t.close()


def err(c, *args):
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command(*args)
    return str(e.value)


def test_migrate_moves_keys_of_every_type_with_their_ttls(r, target, ref_port):  # noqa: F811
    r.flushall()
    r.set("s", "v")
    r.rpush("l", "a", "b")
    r.hset("h", mapping={"f": "1"})
    r.zadd("z", {"m": 1.5})
    r.sadd("set", "x")
    r.xadd("st", {"k": "v"}, id="1-1")
    r.set("t", "v", px=100000)
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "s", 0, 1000) == b"OK"
    assert target.get("s") == b"v" and r.exists("s") == 0
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "", 2, 1000,
                             "KEYS", "l", "h", "z", "set", "st", "t", "missing") == b"OK"
    assert r.dbsize() == 0
    t2 = redis.Redis(port=ref_port, db=2)
    assert t2.lrange("l", 0, -1) == [b"a", b"b"]
    assert t2.hgetall("h") == {b"f": b"1"}
    assert t2.zscore("z", "m") == 1.5
    assert t2.smembers("set") == {b"x"}
    assert t2.xrange("st") == [(b"1-1", {b"k": b"v"})]
    assert 90000 < t2.pttl("t") <= 100000
    t2.close()


def test_migrate_back_from_redis_to_vesper(r, target, server):
    r.flushall()
    target.rpush("back", 1, 2, 3)
    assert target.execute_command("MIGRATE", "127.0.0.1", server.port, "back", 0, 1000) == b"OK"
    assert r.lrange("back", 0, -1) == [b"1", b"2", b"3"]


def test_migrate_copy_replace_and_busykey(r, target, ref_port):  # noqa: F811
    r.flushall()
    r.set("k", "new")
    target.set("k", "old")
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000) == \
        "Target instance replied with error: BUSYKEY Target key name already exists."
    assert r.get("k") == b"new"                      # not moved: still here
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000, "COPY", "REPLACE") == b"OK"
    assert target.get("k") == b"new" and r.get("k") == b"new"   # COPY keeps it


def test_migrate_auth(r, target, ref_port):  # noqa: F811
    r.flushall()
    r.set("k", "v")
    target.config_set("requirepass", "pw")
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000, "AUTH", "wrong").startswith(
        "Target instance replied with error: WRONGPASS")
    assert r.exists("k") == 1
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000, "AUTH2", "default", "pw") == b"OK"
    assert r.exists("k") == 0
    target.execute_command("AUTH", "pw")
    assert target.get("k") == b"v"


def test_migrate_errors(r, ref_port):  # noqa: F811
    r.flushall()
    r.set("k", "v")
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000, "KEYS", "x") == \
        "When using MIGRATE KEYS option, the key argument must be set to the empty string"
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000, "bogus") == "syntax error"
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0, 1000, "AUTH") == "syntax error"
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0, "abc") == "value is not an integer or out of range"
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", "x", 1000) == "value is not an integer or out of range"
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "k", 0) == "wrong number of arguments for 'migrate' command"
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "nokey", 0, 1000) == b"NOKEY"
    # Redis 7.0 reports a refused connection when it writes (test_attack3 has more)
    assert err(r, "MIGRATE", "127.0.0.1", closed_port(), "k", 0, 200) == \
        "IOERR error or timeout writing to target instance"
    assert r.get("k") == b"v"


def test_migrate_propagates_del_of_the_moved_keys(spawn, target, ref_port):  # noqa: F811
    d = tempfile.mkdtemp(prefix="vesper-migrate-")
    srv = spawn("--appendonly", "yes", "--appendfsync", "always", "--dir", d)
    r = srv.client()
    r.mset({"a": 1, "b": 2, "c": 3})
    target.set("b", "taken")
    before = r.info("persistence")["rdb_changes_since_last_save"]
    assert err(r, "MIGRATE", "127.0.0.1", ref_port, "", 0, 1000, "KEYS", "a", "b", "c").startswith(
        "Target instance replied with error: BUSYKEY")
    assert r.info("persistence")["rdb_changes_since_last_save"] == before + 2   # a and c moved
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "b", 0, 1000, "COPY", "REPLACE") == b"OK"
    with open(os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof"), "rb") as f:
        aof = f.read()
    assert aof.endswith(b"*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nc\r\n")   # COPY: nothing after
    assert b"MIGRATE" not in aof.upper()


def test_migrate_keys_for_command_getkeys(raw):
    c = raw()
    assert c.cmd("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH2", "u", "p",
                 "KEYS", "x", "y") == [b"x", b"y"]
    assert c.cmd("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5") == [b"k"]


def test_migrate_counts_one_keyspace_hit_per_key(r, target, ref_port):  # noqa: F811
    """Each key is looked up once, as Redis (a first version looked the keys up
    again while sending them and counted two hits per key)."""
    r.flushall()
    r.mset({"a": 1, "b": 2})
    hits = r.info("stats")["keyspace_hits"]
    assert r.execute_command("MIGRATE", "127.0.0.1", ref_port, "", 0, 1000, "KEYS", "a", "b", "c") == b"OK"
    stats = r.info("stats")
    assert stats["keyspace_hits"] == hits + 2
