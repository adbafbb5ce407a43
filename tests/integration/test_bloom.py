"""Built-in Bloom filters: the RedisBloom module's BF.* API (BF.RESERVE, BF.ADD,
BF.MADD, BF.EXISTS, BF.MEXISTS, BF.INSERT, BF.INFO, BF.CARD, BF.SCANDUMP,
BF.LOADCHUNK) with its replies and error texts, measured false-positive rates,
scaling, the type ("MBbloom--") across the keyspace commands, persistence (DEBUG
RELOAD, DUMP/RESTORE, an AOF restart, Redis's own RDB checker on our file),
hostile payloads, and a cache-aside loop that uses a filter to stop lookups of
missing ids before they reach the database.

Redis 7.0 has no BF.* commands without the module: against the reference server
these tests are skipped."""
import os
import random
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import SERVER_BIN, encode_command, is_reference_redis

pytestmark = pytest.mark.skipif(is_reference_redis(), reason="Redis 7.0 has no built-in Bloom filters")


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def info(r, key):
    flat = r.execute_command("BF.INFO", key)
    return {flat[i].decode() if isinstance(flat[i], bytes) else flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


# ---------------------------------------------------------------------------
# commands and errors

def test_reserve_and_errors(r):
    assert r.execute_command("BF.RESERVE", "bf", "0.01", "1000") == b"OK"
    assert err(r, "BF.RESERVE", "bf", "0.01", "1000") == "item exists"
    assert err(r, "BF.RESERVE", "x", "abc", "10") == "bad error rate"
    assert err(r, "BF.RESERVE", "x", "1", "10") == "(0 < error rate range < 1) "
    assert err(r, "BF.RESERVE", "x", "0", "10") == "(0 < error rate range < 1) "
    assert err(r, "BF.RESERVE", "x", "0.1", "abc") == "bad capacity"
    assert err(r, "BF.RESERVE", "x", "0.1", "0") == "(capacity should be larger than 0)"
    assert err(r, "BF.RESERVE", "x", "0.1", "-5") == "(capacity should be larger than 0)"
    assert err(r, "BF.RESERVE", "x", "0.1", "10", "EXPANSION") == "no expansion"
    assert err(r, "BF.RESERVE", "x", "0.1", "10", "EXPANSION", "z") == "bad expansion"
    assert err(r, "BF.RESERVE", "x", "0.1", "10", "EXPANSION", "0") == "(expansion should be greater or equal to 1)"
    assert err(r, "BF.RESERVE", "x", "0.1", "10", "NONSCALING", "EXPANSION", "2") == \
        "Nonscaling filters cannot expand"
    assert "wrong number of arguments" in err(r, "BF.RESERVE", "x", "0.1")
    assert "wrong number of arguments" in err(r, "BF.RESERVE", "x", "0.1", "1", "a", "b", "c", "d")
    assert err(r, "BF.RESERVE", "huge", "0.01", str(2 ** 40)) == "could not create filter"
    assert err(r, "BF.RESERVE", "huge", "0.01", str(2 ** 70)) == "bad capacity"
    assert r.exists("x", "huge") == 0
    r.set("s", "v")
    assert err(r, "BF.RESERVE", "s", "0.1", "10").startswith("WRONGTYPE")


def test_add_exists_madd_mexists_card(r):
    assert r.execute_command("BF.ADD", "bf", "foo") == 1       # created with the defaults
    assert r.execute_command("BF.ADD", "bf", "foo") == 0
    assert r.execute_command("BF.EXISTS", "bf", "foo") == 1
    assert r.execute_command("BF.EXISTS", "bf", "bar") == 0
    assert r.execute_command("BF.MADD", "bf", "foo", "bar", "baz") == [0, 1, 1]
    assert r.execute_command("BF.MEXISTS", "bf", "foo", "nope", "baz") == [1, 0, 1]
    assert r.execute_command("BF.CARD", "bf") == 3
    assert info(r, "bf") == {"Capacity": 100, "Size": 32 + 64 + 144, "Number of filters": 1,
                             "Number of items inserted": 3, "Expansion rate": 2}
    # missing keys: reads answer 0, BF.CARD 0
    assert r.execute_command("BF.EXISTS", "missing", "a") == 0
    assert r.execute_command("BF.MEXISTS", "missing", "a", "b") == [0, 0]
    assert r.execute_command("BF.CARD", "missing") == 0
    assert "wrong number of arguments" in err(r, "BF.ADD", "bf")
    assert "wrong number of arguments" in err(r, "BF.ADD", "bf", "a", "b")
    assert "wrong number of arguments" in err(r, "BF.EXISTS", "bf", "a", "b")
    assert "wrong number of arguments" in err(r, "BF.MADD", "bf")
    assert "wrong number of arguments" in err(r, "BF.CARD")
    r.set("s", "v")
    for args in (("BF.ADD", "s", "a"), ("BF.MADD", "s", "a"), ("BF.EXISTS", "s", "a"), ("BF.MEXISTS", "s", "a"),
                 ("BF.CARD", "s"), ("BF.INFO", "s"), ("BF.INSERT", "s", "ITEMS", "a"), ("BF.SCANDUMP", "s", 0)):
        assert err(r, *args).startswith("WRONGTYPE"), args
    assert err(r, "GET", "bf").startswith("WRONGTYPE")
    assert err(r, "LPUSH", "bf", "x").startswith("WRONGTYPE")


def test_insert(r):
    assert err(r, "BF.INSERT", "f", "NOCREATE", "ITEMS", "a") == "not found"
    assert err(r, "BF.INSERT", "f", "BOGUS", "ITEMS", "a") == "Unknown argument received"
    assert err(r, "BF.INSERT", "f", "ERROR", "big", "ITEMS", "a") == "Bad error rate"
    assert err(r, "BF.INSERT", "f", "CAPACITY", "0.3", "ITEMS", "a") == "Bad capacity"
    assert err(r, "BF.INSERT", "f", "EXPANSION", "big", "ITEMS", "a") == "Bad expansion"
    assert err(r, "BF.INSERT", "f", "EXPANSION", "0", "ITEMS", "a") == "Bad argument received"
    assert err(r, "BF.INSERT", "f", "ERROR", "2", "ITEMS", "a") == "Bad argument received"
    assert err(r, "BF.INSERT", "f", "CAPACITY", "0", "ITEMS", "a") == "Bad argument received"
    for args in (("f",), ("f", "ITEMS"), ("f", "NOCREATE", "ITEMS"), ("f", "CAPACITY"), ("f", "ERROR")):
        assert "wrong number of arguments" in err(r, "BF.INSERT", *args)
    assert r.exists("f") == 0
    assert r.execute_command("BF.INSERT", "f", "ERROR", "0.001", "CAPACITY", "50000", "EXPANSION", "4",
                             "ITEMS", "foo") == [1]
    assert r.execute_command("BF.INSERT", "f", "ERROR", "0.1", "ITEMS", "foo", "bar", "baz") == [0, 1, 1]
    assert info(r, "f")["Capacity"] == 50000
    assert info(r, "f")["Expansion rate"] == 4
    assert info(r, "f")["Size"] == 32 + 64 + 98880     # RedisBloom's sizing for 0.0005 x 50000
    assert r.execute_command("BF.INSERT", "n", "NONSCALING", "CAPACITY", "2", "ITEMS", "a", "b") == [1, 1]
    assert r.execute_command("BF.INFO", "n", "EXPANSION") == [None]


def test_info_fields(r):
    r.execute_command("BF.RESERVE", "bf", "0.001", "100")
    assert info(r, "bf") == {"Capacity": 100, "Size": 296, "Number of filters": 1,
                             "Number of items inserted": 0, "Expansion rate": 2}
    assert r.execute_command("BF.INFO", "bf", "CAPACITY") == [100]
    assert r.execute_command("BF.INFO", "bf", "size") == [296]
    assert r.execute_command("BF.INFO", "bf", "Filters") == [1]
    assert r.execute_command("BF.INFO", "bf", "ITEMS") == [0]
    assert r.execute_command("BF.INFO", "bf", "EXPANSION") == [2]
    assert err(r, "BF.INFO", "bf", "wrong") == "Invalid information value"
    assert "wrong number of arguments" in err(r, "BF.INFO", "bf", "capacity", "size")
    assert "wrong number of arguments" in err(r, "BF.INFO")
    assert err(r, "BF.INFO", "missing") == "not found"


def test_error_prefixes_on_the_wire(server):
    """RedisBloom answers some errors through RedisModule_ReplyWithError without an
    "ERR " code, which Redis then sends as they are: BF.INSERT's option errors,
    BF.INFO's bad field, BF.SCANDUMP's iterator (BF.LOADCHUNK's has "ERR ")."""
    c = server.raw()
    try:
        c.cmd("DEL", "wire", "s")
        c.cmd("BF.ADD", "wire", "a")
        for args, wire in (
                (("BF.INSERT", "wire", "ERROR", "x", "ITEMS", "a"), b"-Bad error rate\r\n"),
                (("BF.INSERT", "wire", "CAPACITY", "x", "ITEMS", "a"), b"-Bad capacity\r\n"),
                (("BF.INSERT", "wire", "EXPANSION", "x", "ITEMS", "a"), b"-Bad expansion\r\n"),
                (("BF.INSERT", "wire", "BOGUS", "ITEMS", "a"), b"-Unknown argument received\r\n"),
                (("BF.INSERT", "wire", "CAPACITY", "0", "ITEMS", "a"), b"-Bad argument received\r\n"),
                (("BF.INFO", "wire", "nope"), b"-Invalid information value\r\n"),
                (("BF.SCANDUMP", "wire", "x"), b"-Second argument must be numeric\r\n"),
                (("BF.LOADCHUNK", "wire", "x", "y"), b"-ERR Second argument must be numeric\r\n"),
                (("BF.RESERVE", "s", "0.1", "10", "NONSCALING", "EXPANSION", "2"),
                 b"-Nonscaling filters cannot expand\r\n"),
                (("BF.RESERVE", "s", "abc", "10"), b"-ERR bad error rate\r\n"),
                (("BF.INSERT", "s", "NOCREATE", "ITEMS", "a"), b"-ERR not found\r\n")):
            c.send(encode_command(*args))
            assert c.read_raw_reply() == wire, args
        c.cmd("DEL", "wire")
    finally:
        c.close()


def test_info_resp3_is_a_map(server):
    c = server.raw()
    try:
        c.cmd("HELLO", "3")
        c.cmd("DEL", "bf3")
        c.cmd("BF.RESERVE", "bf3", "0.01", "10")
        c.send(b"*2\r\n$7\r\nBF.INFO\r\n$3\r\nbf3\r\n")
        raw = c.read_raw_reply()
        assert raw.startswith(b"%5\r\n+Capacity\r\n:10\r\n")
        c.cmd("DEL", "bf3")
    finally:
        c.close()


def test_nonscaling_full(r):
    assert r.execute_command("BF.RESERVE", "bf", "0.01", "3", "NONSCALING") == b"OK"
    assert r.execute_command("BF.MADD", "bf", "a", "b", "c") == [1, 1, 1]
    assert r.execute_command("BF.ADD", "bf", "a") == 0               # present: not an error
    assert err(r, "BF.ADD", "bf", "d") == "non scaling filter is full"
    reply = r.execute_command("BF.MADD", "bf", "a", "e", "f")
    assert reply[0] == 0 and isinstance(reply[1], redis.ResponseError) and len(reply) == 2
    assert str(reply[1]) == "non scaling filter is full"
    assert r.execute_command("BF.INFO", "bf", "FILTERS") == [1]
    assert r.execute_command("BF.CARD", "bf") == 3


def test_scaling(r):
    r.execute_command("BF.RESERVE", "bf", "0.01", "10")
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.execute_command("BF.ADD", "bf", str(i))
    pipe.execute()
    # RedisBloom's own figures for this sequence: 4 layers (10+20+40+80), 99 counted
    assert info(r, "bf") == {"Capacity": 150, "Size": 32 + 4 * 64 + 16 + 32 + 72 + 160, "Number of filters": 4,
                             "Number of items inserted": 99, "Expansion rate": 2}
    assert r.execute_command("BF.MEXISTS", "bf", *[str(i) for i in range(100)]) == [1] * 100
    for exp, layers in ((1, 23), (2, 5), (4, 4)):
        key = f"exp{exp}"
        r.execute_command("BF.RESERVE", key, "0.01", "4", "EXPANSION", exp)
        pipe = r.pipeline(transaction=False)
        for i in range(100):
            pipe.execute_command("BF.ADD", key, str(i))
        pipe.execute()
        assert r.execute_command("BF.INFO", key, "FILTERS") == [layers]


def test_debug_matches_redisbloom_figures(r):
    """BF.DEBUG lines as RedisBloom's own tests expect them for these sequences:
    the same sizing, errors, and (through the counted items) the same hash positions."""
    assert r.execute_command("BF.INSERT", "m", "ERROR", "0.001", "CAPACITY", "50000", "EXPANSION", 2,
                             "ITEMS", "foo") == [1]
    assert r.execute_command("BF.DEBUG", "m") == [
        b"size:1", b"bytes:98880 bits:791040 hashes:11 hashwidth:64 capacity:50000 size:1 ratio:0.0005"]
    r.execute_command("BF.RESERVE", "bf", "0.01", "10")
    for i in range(100):
        r.execute_command("BF.ADD", "bf", str(i))
    assert r.execute_command("BF.DEBUG", "bf") == [
        b"size:99",
        b"bytes:16 bits:128 hashes:8 hashwidth:64 capacity:10 size:10 ratio:0.005",
        b"bytes:32 bits:256 hashes:9 hashwidth:64 capacity:20 size:20 ratio:0.0025",
        b"bytes:72 bits:576 hashes:10 hashwidth:64 capacity:40 size:40 ratio:0.00125",
        b"bytes:160 bits:1280 hashes:11 hashwidth:64 capacity:80 size:29 ratio:0.000625"]
    r.execute_command("BF.RESERVE", "bf2", "0.001", "100")
    pipe = r.pipeline(transaction=False)
    for i in range(4000):
        pipe.execute_command("BF.ADD", "bf2", str(i))
    pipe.execute()
    assert r.execute_command("BF.DEBUG", "bf2") == [
        b"size:3997",
        b"bytes:200 bits:1600 hashes:11 hashwidth:64 capacity:100 size:100 ratio:0.0005",
        b"bytes:432 bits:3456 hashes:12 hashwidth:64 capacity:200 size:200 ratio:0.00025",
        b"bytes:936 bits:7488 hashes:13 hashwidth:64 capacity:400 size:400 ratio:0.000125",
        b"bytes:2016 bits:16128 hashes:14 hashwidth:64 capacity:800 size:800 ratio:6.25e-05",
        b"bytes:4320 bits:34560 hashes:15 hashwidth:64 capacity:1600 size:1600 ratio:3.125e-05",
        b"bytes:9216 bits:73728 hashes:16 hashwidth:64 capacity:3200 size:897 ratio:1.5625e-05"]
    assert err(r, "BF.DEBUG", "missing") == "not found"
    assert "wrong number of arguments" in err(r, "BF.DEBUG", "bf", "x")


@pytest.mark.parametrize("rate", [0.01, 0.001])
def test_false_positive_rate_at_capacity(r, rate):
    capacity = 20000
    r.execute_command("BF.RESERVE", "fp", rate, capacity)
    items = [f"member:{i}" for i in range(capacity)]
    for i in range(0, capacity, 1000):
        assert r.execute_command("BF.MADD", "fp", *items[i:i + 1000]).count(1) >= 990
    assert r.execute_command("BF.INFO", "fp", "FILTERS") == [1]
    for i in range(0, capacity, 1000):   # never a false negative
        assert r.execute_command("BF.MEXISTS", "fp", *items[i:i + 1000]) == [1] * 1000
    probes, fp = 100000, 0
    for i in range(0, probes, 1000):
        fp += sum(r.execute_command("BF.MEXISTS", "fp", *[f"other:{j}" for j in range(i, i + 1000)]))
    measured = fp / probes
    print(f"error rate {rate}: measured {measured:.5f}")
    assert measured <= rate


# ---------------------------------------------------------------------------
# SCANDUMP / LOADCHUNK

def scandump(r, key):
    chunks, it = [], 0
    while True:
        it, data = r.execute_command("BF.SCANDUMP", key, it)
        if it == 0:
            return chunks
        chunks.append((it, data))


def test_scandump_loadchunk_round_trip(r):
    r.execute_command("BF.RESERVE", "src", "0.001", "1000", "EXPANSION", "3")
    for i in range(0, 3000, 500):
        r.execute_command("BF.MADD", "src", *[f"k{j}" for j in range(i, i + 500)])
    chunks = scandump(r, "src")
    assert chunks[0][0] == 1 and len(chunks) == 1 + r.execute_command("BF.INFO", "src", "FILTERS")[0]
    for it, data in chunks:
        assert r.execute_command("BF.LOADCHUNK", "dst", it, data) == b"OK"
    assert info(r, "dst") == info(r, "src")
    assert r.execute_command("BF.MEXISTS", "dst", *[f"k{j}" for j in range(3000)]) == [1] * 3000
    assert scandump(r, "dst") == chunks
    # the end of the iteration
    assert r.execute_command("BF.SCANDUMP", "src", 10 ** 12) == [0, b""]
    assert err(r, "BF.SCANDUMP", "missing", 0) == "not found"
    assert err(r, "BF.SCANDUMP", "src", "abc") == "Second argument must be numeric"
    assert err(r, "BF.LOADCHUNK", "dst", "abc", "x") == "Second argument must be numeric"
    assert err(r, "BF.LOADCHUNK", "missing", 5, "x") == "not found"
    assert "wrong number of arguments" in err(r, "BF.SCANDUMP", "src")
    assert "wrong number of arguments" in err(r, "BF.LOADCHUNK", "src", 1)


def test_hostile_loadchunk(r):
    r.execute_command("BF.RESERVE", "src", "0.01", "100")
    (hit, header), = scandump(r, "src")[:1]
    assert err(r, "BF.LOADCHUNK", "h", 1, b"") == "received bad data"
    assert err(r, "BF.LOADCHUNK", "h", 1, header[:-1]) == "received bad data"
    rnd = random.Random(7)
    for _ in range(300):
        bad = bytearray(header)
        for _ in range(rnd.randint(1, 4)):
            bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        try:
            r.execute_command("BF.LOADCHUNK", "h", 1, bytes(bad))
        except redis.ResponseError as e:
            assert str(e) == "received bad data"
            continue
        r.execute_command("BF.ADD", "h", "x")      # whatever was accepted works
        r.execute_command("BF.SCANDUMP", "h", 1)
        r.delete("h")
    # a header claiming 1000 huge layers, and chunks outside the filter
    assert err(r, "BF.LOADCHUNK", "h", 1, b"\x00" * 8 + b"\xe8\x03\x00\x00" + b"\x00" * 8) == "received bad data"
    assert err(r, "BF.LOADCHUNK", "src", 10 ** 9, b"xyz") == "invalid offset - no link found"
    # an iterator below 1 or below the chunk's length cannot end a chunk: RedisBloom
    # calls that bad data; one equal to the length ends it before the bitmaps
    assert err(r, "BF.LOADCHUNK", "src", 2, b"xyz") == "received bad data"
    assert err(r, "BF.LOADCHUNK", "src", 0, b"") == "received bad data"
    assert err(r, "BF.LOADCHUNK", "src", -5, b"x") == "received bad data"
    assert err(r, "BF.LOADCHUNK", "src", 3, b"xyz") == "invalid offset - no link found"
    assert r.execute_command("BF.LOADCHUNK", "src", 4, b"xyz") == b"OK"   # bytes 0..2 of the bitmap
    assert err(r, "BF.LOADCHUNK", "src", 1 + 2000, b"x" * 2000) == "invalid chunk - Too big for current filter"
    assert r.ping()


# ---------------------------------------------------------------------------
# the type across the keyspace

def test_type_encoding_copy_rename_memory(r):
    r.execute_command("BF.MADD", "bf", "a", "b")
    assert r.type("bf") == b"MBbloom--"
    assert r.object("encoding", "bf") == b"raw"
    assert r.scan(0, _type="MBbloom--")[1] == [b"bf"]
    assert r.scan(0, _type="string")[1] == []
    assert r.memory_usage("bf") > 120
    assert r.copy("bf", "bf2")
    r.execute_command("BF.ADD", "bf2", "c")
    assert r.execute_command("BF.CARD", "bf") == 2          # a deep copy
    assert r.execute_command("BF.CARD", "bf2") == 3
    assert r.rename("bf2", "bf3")
    assert r.execute_command("BF.EXISTS", "bf3", "c") == 1
    r.expire("bf3", 100)
    assert r.ttl("bf3") > 0
    dump = r.dump("bf")
    assert dump[0] == 7                                        # RDB_TYPE_MODULE_2
    r.restore("bf4", 0, dump)
    assert r.execute_command("BF.MEXISTS", "bf4", "a", "b", "zz") == [1, 1, 0]
    assert info(r, "bf4") == info(r, "bf")
    with pytest.raises(redis.ResponseError):
        r.restore("bf4", 0, dump)


def test_hostile_restore(r):
    r.execute_command("BF.RESERVE", "bf", "0.01", "50")
    r.execute_command("BF.MADD", "bf", *[str(i) for i in range(60)])
    dump = r.dump("bf")
    body, trailer = dump[:-10], dump[-10:]
    rnd = random.Random(11)
    refused = 0
    for _ in range(300):
        bad = bytearray(body)
        for _ in range(rnd.randint(1, 3)):
            bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        try:
            r.restore("h", 0, bytes(bad) + trailer, replace=True)
        except redis.ResponseError:
            refused += 1
    assert refused == 300    # the checksum refuses all of them
    assert r.ping()


def test_hostile_restore_without_checksum(spawn):
    srv = spawn("--enable-debug-command", "yes")
    r = srv.client()
    r.execute_command("BF.RESERVE", "bf", "0.01", "50")
    r.execute_command("BF.MADD", "bf", *[str(i) for i in range(60)])
    dump = r.dump("bf")
    body, trailer = dump[:-10], dump[-10:]
    r.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 1)
    rnd = random.Random(5)
    for _ in range(500):
        bad = bytearray(body)
        for _ in range(rnd.randint(1, 3)):
            bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        if rnd.random() < 0.2:
            bad = bad[:rnd.randrange(len(bad))]
        try:
            r.restore("h", 0, bytes(bad) + trailer, replace=True)
        except redis.ResponseError:
            continue
        if r.type("h") == b"MBbloom--":
            r.execute_command("BF.ADD", "h", "x")
            r.execute_command("BF.INFO", "h")
            it = 0
            while True:
                it, _ = r.execute_command("BF.SCANDUMP", "h", it)
                if it == 0:
                    break
    assert r.ping()


# ---------------------------------------------------------------------------
# persistence

def fill(r):
    r.execute_command("BF.RESERVE", "a", "0.001", "100", "EXPANSION", "3")
    r.execute_command("BF.MADD", "a", *[f"x{i}" for i in range(1000)])
    r.execute_command("BF.RESERVE", "n", "0.01", "10", "NONSCALING")
    r.execute_command("BF.MADD", "n", "p", "q")
    r.execute_command("BF.ADD", "d", "only")
    r.execute_command("BF.RESERVE", "big", "0.01", "200000")      # a bitmap from the page allocator
    r.execute_command("BF.MADD", "big", *[f"y{i}" for i in range(2000)])
    r.copy("big", "bigcopy")


def state(r):
    return {k: (info(r, k), r.execute_command("DEBUG", "DIGEST-VALUE", k), scandump(r, k))
            for k in ("a", "n", "d", "big", "bigcopy")}


def test_debug_reload_and_redis_rdb_checker(spawn):
    d = tempfile.mkdtemp(prefix="vesper-bloom-")
    srv = spawn("--dir", d, "--enable-debug-command", "yes")
    r = srv.client()
    fill(r)
    before = state(r)
    digest = r.execute_command("DEBUG", "DIGEST")
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert state(r) == before
    assert r.execute_command("DEBUG", "DIGEST") == digest
    assert r.execute_command("BF.MEXISTS", "a", *[f"x{i}" for i in range(1000)]) == [1] * 1000
    assert r.execute_command("BF.INFO", "n", "EXPANSION") == [None]
    r.save()
    srv.stop()
    srv = spawn("--dir", d, "--enable-debug-command", "yes")
    r = srv.client()
    assert state(r) == before
    ours = os.path.join(os.path.dirname(SERVER_BIN), "vesper-check-rdb")
    if os.path.exists(ours):   # walks the module record by its opcodes
        out = subprocess.run([ours, os.path.join(d, "dump.rdb")], capture_output=True, text=True)
        assert "RDB looks OK" in out.stdout + out.stderr, out.stdout + out.stderr
    checker = shutil.which("redis-check-rdb")
    if checker:   # Redis's checker skips module values by their opcodes
        out = subprocess.run([checker, os.path.join(d, "dump.rdb")], capture_output=True, text=True)
        assert "RDB looks OK" in out.stdout + out.stderr, out.stdout + out.stderr


def vm_hwm_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
@pytest.mark.parametrize("compression", ["yes", "no"])
def test_reload_reads_bitmaps_in_place(spawn, compression):
    """Loading a big filter reads (or decompresses) its bitmap straight into the
    filter's memory: the peak grows by about the bitmap, not by two or three copies
    of it (a 4 GB layer would otherwise need 8-12 GB to load)."""
    d = tempfile.mkdtemp(prefix="vesper-bloom-hwm-")
    srv = spawn("--dir", d, "--enable-debug-command", "yes", "--rdbcompression", compression)
    r = srv.client()
    r.execute_command("BF.RESERVE", "big", "0.5", "100000000")     # a 36 MB bitmap, untouched
    r.execute_command("BF.MADD", "big", "a", "b")
    nbytes = r.execute_command("BF.INFO", "big", "SIZE")[0]
    before = vm_hwm_bytes(srv.proc.pid)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    grown = vm_hwm_bytes(srv.proc.pid) - before
    assert r.execute_command("BF.MEXISTS", "big", "a", "b", "c") == [1, 1, 0]
    print(f"rdbcompression {compression}: peak grew {grown} for a {nbytes}-byte filter")
    assert grown < 1.5 * nbytes


def test_aof_restart_and_rewrite(spawn):
    d = tempfile.mkdtemp(prefix="vesper-bloom-aof-")
    args = ("--dir", d, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--enable-debug-command", "yes")
    srv = spawn(*args)
    r = srv.client()
    fill(r)
    before = state(r)
    srv.stop()
    srv = spawn(*args)          # replays the commands
    r = srv.client()
    assert state(r) == before
    r.bgrewriteaof()
    deadline = time.time() + 10
    while r.info("persistence")["aof_rewrite_in_progress"] or r.info("persistence")["aof_rewrite_scheduled"]:
        assert time.time() < deadline
        time.sleep(0.05)
    srv.stop()
    text = b"".join(open(os.path.join(d, "appendonlydir", f), "rb").read()
                    for f in os.listdir(os.path.join(d, "appendonlydir")) if f.endswith(".aof"))
    assert b"BF.LOADCHUNK" in text
    srv = spawn(*args)          # replays BF.LOADCHUNK
    r = srv.client()
    assert state(r) == before


# ---------------------------------------------------------------------------
# a cache-aside loop guarded by a filter (the cache-penetration use)

def test_cache_aside_stops_missing_ids(r):
    database = {f"user:{i}": f"name {i}" for i in range(0, 20000, 2)}   # even ids exist
    r.execute_command("BF.RESERVE", "users:filter", "0.01", len(database))
    keys = list(database)
    for i in range(0, len(keys), 1000):
        r.execute_command("BF.MADD", "users:filter", *keys[i:i + 1000])
    db_queries = {"hit": 0, "miss": 0}

    def lookup(uid):
        v = r.get(f"cache:{uid}")
        if v is not None:
            return v.decode()
        if not r.execute_command("BF.EXISTS", "users:filter", uid):
            return None                                  # stopped before the database
        row = database.get(uid)
        db_queries["hit" if row is not None else "miss"] += 1
        if row is not None:
            r.set(f"cache:{uid}", row, ex=60)
        return row

    rnd = random.Random(3)
    present = [f"user:{rnd.randrange(0, 20000, 2)}" for _ in range(2000)]
    for uid in present:
        assert lookup(uid) == database[uid]              # never a false negative
    missing = [f"user:{i}" for i in range(1, 20000, 2)] + [f"ghost:{i}" for i in range(10000)]
    for uid in missing:
        assert lookup(uid) is None
    through = db_queries["miss"] / len(missing)
    print(f"{db_queries['miss']} of {len(missing)} missing-id lookups reached the database ({through:.4f})")
    assert through <= 0.01
