"""Randomized differential test of the hash type against redis-server 7.0.15.

The same random command sequence (deterministic seeds) runs on Vesper and on the
reference, over fields and values that cross every listpack entry encoding
boundary (7-bit uints, 6/12/32-bit strings, 13/16/24/32/64-bit ints, non-canonical
numbers such as "-0", "00", "+1"), with hash-max-listpack-entries/value small and
large, so that hashes convert from the listpack form mid-command. Replies are
compared exactly where Redis's output is deterministic (a listpack's order is
insertion order), as sets/multisets where it is random (a table's order,
HRANDFIELD); OBJECT ENCODING, DEBUG DIGEST-VALUE and the DUMP payload of listpack
hashes must be identical, payloads restore across servers, and SORT BY/GET of hash
fields agrees. Other tests load RDB files written by Redis, reload through
DEBUG RELOAD, BGSAVE + restart and AOF rewrite + restart (with and without an RDB
preamble), keep a redis-server replica of Vesper equal, compare RESP3 reply shapes,
and feed RESTORE hostile listpacks with a valid CRC (refused exactly where Redis
with sanitize-dump-payload yes refuses them).
HASH_MODEL_SEED=N shifts the random seeds for longer hunts.

When /usr/bin/redis-server is missing (or the tests run against it) the
differential parts skip; the self-consistency parts still run."""
import os
import random
import shutil
import struct
import tempfile
import time

import pytest
import redis

from conftest import is_reference_redis, run_reference, wait_rewrite, with_footer

REFERENCE = "/usr/bin/redis-server"
# HASH_MODEL_SEED=N shifts every seed (for longer hunts; the default is what CI runs)
SEED_OFFSET = int(os.environ.get("HASH_MODEL_SEED", "0"))
needs_ref = pytest.mark.skipif(not os.path.exists(REFERENCE) or is_reference_redis(),
                               reason="needs Vesper and redis-server 7.0.15")


def start(spawn, *extra):
    d = tempfile.mkdtemp(prefix="vesper-hmodel-")
    return spawn("--dir", d, "--enable-debug-command", "yes", *extra)


@pytest.fixture(scope="module")
def ref():
    if not os.path.exists(REFERENCE) or is_reference_redis():
        pytest.skip("needs redis-server 7.0.15")
    d = tempfile.mkdtemp(prefix="vesper-hmodel-ref-")
    proc, client = run_reference(d)
    yield client
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- interesting strings

def interesting_numbers():
    out = []
    for n in (0, 1, 12, 63, 64, 127, 128, 255, 256, 4095, 4096, -1, -64, -4096, -4097,
              32767, 32768, -32768, -32769, 2 ** 23 - 1, 2 ** 23, -2 ** 23, -2 ** 23 - 1,
              2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 40, 2 ** 63 - 1, -2 ** 63,
              10 ** 17, -10 ** 18):
        out.append(str(n).encode())
    out += [b"-0", b"00", b"01", b"+1", b"+0", b"0x10", b" 1", b"1 ", b"1e3", b"1.5", b"-1.5",
            b"9223372036854775808", b"-9223372036854775809", b"1" * 30, b"-" + b"9" * 25,
            b"3.0", b"0.1", b"inf", b"-inf", b"nan", b"1e308", b"2e-310", b""]
    return out


def interesting_strings(rng):
    out = []
    for n in (0, 1, 2, 12, 62, 63, 64, 65, 100, 127, 128, 200, 4094, 4095, 4096, 4097, 9000, 70000):
        out.append(bytes(rng.choice(b"abcxyz\x00\xff\r\n") for _ in range(n)))
    return out


class Pools:
    def __init__(self, rng):
        nums = interesting_numbers()
        strs = interesting_strings(rng)
        small = [b"f%d" % i for i in range(12)]
        self.fields = small * 3 + nums + strs[:8] + [strs[i] for i in (9, 11, 13)]
        self.values = nums * 2 + strs + [b"v%d" % i for i in range(10)]
        self.incr = [b"1", b"-1", b"0", b"100", b"-4097", b"9223372036854775807", b"-9223372036854775808",
                     b"4096", b"abc", b"1.5", b"", b"00", b"-0", b"+1"]
        self.fincr = [b"1", b"-1", b"0.5", b"1e20", b"-1e20", b"3.14159", b"1e308", b"-1e308", b"0.1",
                      b"5.0e3", b"abc", b"inf", b"nan", b"", b"1" * 30, b"-0", b"0x10",
                      b"0.000000000000000000001"]


# ---------------------------------------------------------------- comparison

_raw_clients = {}


def raw_client(c):
    """A client on c's pool whose replies are not reshaped by redis-py."""
    key = id(c.connection_pool)
    if key not in _raw_clients:
        rc = redis.Redis(connection_pool=c.connection_pool)
        rc.response_callbacks.clear()
        _raw_clients[key] = (c.connection_pool, rc)
    return _raw_clients[key][1]


def call(c, *args):
    try:
        return ("ok", raw_client(c).execute_command(*args))
    except redis.ResponseError as e:
        return ("err", str(e))


def norm_err(res):
    # Vesper and Redis word a few argument errors alike; exact text is compared
    return res


def both(v, ref, *args):
    a, b = call(v, *args), call(ref, *args)
    assert a == b, (args, a, b)
    return a


def pairs_of(flat):
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def check_hash(v, ref, key, rng, log):
    """Compares every read of key on both servers."""
    enc = both(v, ref, "OBJECT", "ENCODING", key)
    both(v, ref, "TYPE", key)
    both(v, ref, "HLEN", key)
    exact = enc == ("ok", b"listpack")
    for cmd in ("HGETALL", "HKEYS", "HVALS"):
        a, b = call(v, cmd, key), call(ref, cmd, key)
        if exact or a[0] == "err":
            assert a == b, (log[-5:], cmd, a, b)
        elif cmd == "HGETALL":
            assert sorted(pairs_of(a[1])) == sorted(pairs_of(b[1])), (cmd, key)
        else:
            assert sorted(a[1]) == sorted(b[1]), (cmd, key)
    both(v, ref, "DEBUG", "DIGEST-VALUE", key)
    if enc[0] != "ok" or enc[1] is None:
        return
    mv, mr = call(v, "MEMORY", "USAGE", key), call(ref, "MEMORY", "USAGE", key)
    assert mv[0] == mr[0] == "ok" and isinstance(mv[1], int) and mv[1] > 0, (mv, mr)
    dv, dr = call(v, "DUMP", key), call(ref, "DUMP", key)
    if exact:
        assert dv == dr, (log[-5:], key, dv, dr)
    # payloads restore across servers into the same contents
    both(v, ref, "DEL", key + b":r")
    assert call(v, "RESTORE", key + b":r", 0, dr[1]) == ("ok", b"OK")
    assert call(ref, "RESTORE", key + b":r", 0, dv[1]) == ("ok", b"OK")
    both(v, ref, "DEBUG", "DIGEST-VALUE", key + b":r")
    both(v, ref, "OBJECT", "ENCODING", key + b":r")
    # HSCAN: a listpack comes whole with cursor 0; a table is iterated to the end
    if exact:
        both(v, ref, "HSCAN", key, 0)
        both(v, ref, "HSCAN", key, 0, "MATCH", "f*", "COUNT", 3)
    else:
        count = rng.randint(1, 20)   # drawn once: the sequence must not depend on a table's layout
        for c in (v, ref):
            seen, cur = {}, 0
            while True:
                cur, flat = raw_client(c).execute_command("HSCAN", key, cur, "COUNT", count)
                seen.update(pairs_of(flat))
                if int(cur) == 0:
                    break
            assert seen == dict(pairs_of(raw_client(c).execute_command("HGETALL", key)))
    # HRANDFIELD: shapes compared, contents checked against the hash
    content = dict(pairs_of(raw_client(v).execute_command("HGETALL", key)))
    n = len(content)
    for count in (1, 2, n - 1, n, n + 1, -1, -3, -n - 5, n // 3 + 1, 0):
        for wv in (False, True):
            args = ["HRANDFIELD", key, count] + (["WITHVALUES"] if wv else [])
            a, b = call(v, *args), call(ref, *args)
            assert a[0] == b[0] == "ok", (args, a, b)
            assert len(a[1]) == len(b[1]), (args, a, b)
            got = pairs_of(a[1]) if wv else [(f, content.get(f)) for f in a[1]]
            for f, val in got:
                assert f in content and content[f] == val, (args, f)
            if count >= 0:
                assert len({f for f, _ in got}) == len(got), args
    a = call(v, "HRANDFIELD", key)
    assert a[0] == "ok" and a[1] in content


def random_op(v, ref, key, rng, pools, log):
    f = lambda: rng.choice(pools.fields)                     # noqa: E731
    val = lambda: rng.choice(pools.values)                   # noqa: E731
    k = rng.random()
    if k < 0.25:
        args = ["HSET", key]
        for _ in range(rng.choice((1, 1, 1, 2, 3, 6))):
            args += [f(), val()]
    elif k < 0.30:
        args = ["HMSET", key, f(), val(), f(), val()]
    elif k < 0.36:
        args = ["HSETNX", key, f(), val()]
    elif k < 0.46:
        args = ["HDEL", key] + [f() for _ in range(rng.choice((1, 1, 2, 4)))]
    elif k < 0.54:
        args = ["HINCRBY", key, rng.choice(pools.fields[:12] + [f()]), rng.choice(pools.incr)]
    elif k < 0.62:
        args = ["HINCRBYFLOAT", key, rng.choice(pools.fields[:12] + [f()]), rng.choice(pools.fincr)]
    elif k < 0.70:
        args = ["HGET", key, f()]
    elif k < 0.75:
        args = ["HMGET", key] + [f() for _ in range(rng.randint(1, 4))]
    elif k < 0.80:
        args = ["HSTRLEN", key, f()]
    elif k < 0.85:
        args = ["HEXISTS", key, f()]
    elif k < 0.88:
        args = ["COPY", key, key + b":c", "REPLACE"]
    elif k < 0.90:
        args = ["HLEN", key]
    elif k < 0.93:
        # a hash built from a reply, the way clients copy hashes around
        args = ["HSET", key + b":2", f(), val()]
    else:
        check_hash(v, ref, key, rng, log)
        return
    log.append(args)
    both(v, ref, *args)


def compare_sort(v, ref, rng, pools):
    for c in (v, ref):
        c.delete("ids", *[b"h:%d" % i for i in range(8)])
        c.rpush("ids", *range(8))
    for i in range(8):
        m = {"w": str(rng.randint(-50, 50)).encode() + b"%d" % i, "n": rng.choice(pools.values[:40]) + b"|%d" % i}
        for c in (v, ref):
            c.hset(b"h:%d" % i, mapping=m)
    for args in (("SORT", "ids", "BY", "h:*->w", "GET", "#", "GET", "h:*->n", "ALPHA"),
                 ("SORT", "ids", "BY", "h:*->n", "GET", "h:*->w", "ALPHA", "DESC"),
                 ("SORT", "ids", "BY", "h:*->missing", "GET", "h:*->w", "LIMIT", 1, 3)):
        a, b = call(v, *args), call(ref, *args)
        assert a == b, (args, a, b)


@needs_ref
@pytest.mark.parametrize("entries,value,seed", [
    (4, 8, 1), (8, 64, 2), (128, 64, 3), (512, 70000, 4), (16, 4096, 5), (0, 0, 6), (1, 100000, 7),
])
def test_random_commands_match_redis(spawn, ref, entries, value, seed):
    srv = start(spawn)
    v = srv.client()
    rng = random.Random(seed + SEED_OFFSET)
    pools = Pools(rng)
    for c in (v, ref):
        c.flushall()
        c.config_set("hash-max-listpack-entries", entries)
        c.config_set("hash-max-listpack-value", value)
    log = []
    deadline = time.time() + 6
    for step in range(900):
        if time.time() > deadline:
            break
        key = rng.choice((b"h1", b"h2", b"h3"))
        random_op(v, ref, key, rng, pools, log)
        if step % 200 == 199:
            for k in (b"h1", b"h2", b"h3", b"h1:c", b"h2:2"):
                check_hash(v, ref, k, rng, log)
            both(v, ref, "DEBUG", "DIGEST")
    for k in (b"h1", b"h2", b"h3", b"h1:c", b"h2:c", b"h3:2"):
        check_hash(v, ref, k, rng, log)
    compare_sort(v, ref, rng, pools)
    both(v, ref, "DEBUG", "DIGEST")
    # the whole keyspace survives a reload into the same contents and encodings
    # (both reload: a table whose long values were overwritten loads as a listpack)
    before = v.execute_command("DEBUG", "DIGEST")
    for c in (v, ref):
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert v.execute_command("DEBUG", "DIGEST") == before
    for k in v.keys():
        both(v, ref, "OBJECT", "ENCODING", k)
    for c in (v, ref):
        c.config_set("hash-max-listpack-entries", 512)
        c.config_set("hash-max-listpack-value", 64)


@needs_ref
def test_conversions_mid_command_match_redis(spawn, ref):
    srv = start(spawn)
    v = srv.client()
    for c in (v, ref):
        c.flushall()
        c.config_set("hash-max-listpack-entries", 4)
        c.config_set("hash-max-listpack-value", 16)
    cases = [
        ("HSET", "a", "f1", "1", "f2", "2", "f3", "3", "f4", "4", "f5", "5", "f1", "x"),
        ("HSET", "b", "f1", "1", "f2", "y" * 17, "f3", "3"),
        ("HSET", "c", "f" * 17, "1"),
        ("HSET", "d", "x", "1"), ("HINCRBYFLOAT", "d", "x", "0.1234567890123456"),
        ("HINCRBYFLOAT", "d", "y", "1e30"), ("HINCRBYFLOAT", "d", "z", "12345678901234567.5"),
        ("HSET", "e", "x", "1"), ("HINCRBY", "e", "x", "9223372036854775806"),
        ("HINCRBY", "e", "x", "1"), ("HINCRBY", "e", "x", "1"),
        ("HSET", "f", "1", "a", "2", "b", "3", "c", "4", "d"), ("HSETNX", "f", "5", "e"),
        ("HSET", "g", "a", "1"), ("HSETNX", "g", "a", "z" * 100), ("HSETNX", "g", "b", "z" * 100),
        ("HSET", "h", "k", "v"), ("HINCRBY", "h", "k" * 20, "5"),
    ]
    for args in cases:
        both(v, ref, *args)
    for k in "abcdefgh":
        both(v, ref, "OBJECT", "ENCODING", k)
        both(v, ref, "DEBUG", "DIGEST-VALUE", k)
        a, b = v.hgetall(k), ref.hgetall(k)
        assert a == b, k
    for c in (v, ref):
        c.config_set("hash-max-listpack-entries", 512)
        c.config_set("hash-max-listpack-value", 64)


def test_hrandfield_extreme_counts(spawn):
    srv = start(spawn)
    v = srv.client()
    v.hset("s", mapping={"a": 1, "b": "x" * 70})
    v.hset("one", "only", "1")
    for key in ("s", "one", "missing"):
        for count in (2 ** 63 - 1, -2 ** 63 + 1, 2 ** 62, -2 ** 62, 2 ** 31, 2 ** 32 + 1, 10 ** 6):
            for wv in ((), ("WITHVALUES",)):
                if count < -10 ** 6 and not wv and key != "missing":
                    continue                  # a valid reply of that many picks
                args = ("HRANDFIELD", key, count) + wv
                try:
                    res = v.execute_command(*args)
                except redis.ResponseError as e:
                    assert "out of range" in str(e), args
                    continue
                if count > 0 or key == "missing":
                    assert len(res) <= 4, args
                else:
                    assert len(res) == -count * (2 if wv else 1), args
        with pytest.raises(redis.ResponseError):
            v.execute_command("HRANDFIELD", key, -2 ** 63)
        with pytest.raises(redis.ResponseError):
            v.execute_command("HRANDFIELD", key, 2 ** 63)
    assert len(v.execute_command("HRANDFIELD", "s", -300000)) == 300000
    assert len(v.execute_command("HRANDFIELD", "s", -200001, "WITHVALUES")) == 400002
    assert v.ping()


@needs_ref
def test_hrandfield_extreme_counts_errors_match_redis(spawn, ref):
    srv = start(spawn)
    v = srv.client()
    for c in (v, ref):
        c.flushall()
        c.hset("s", mapping={"a": 1, "b": 2})
    for count in (2 ** 63 - 1, -2 ** 63 + 1, 2 ** 62, -2 ** 62, -2 ** 62 - 1, 2 ** 62 + 1,
                  -2 ** 63, 2 ** 63, "x", "1.5", ""):
        for wv in ((), ("WITHVALUES",), ("WITHVALUES", "x"), ("withvalue",)):
            if isinstance(count, int) and -2 ** 63 < count < -10 ** 6 and wv == ():
                continue                      # a valid reply of that many picks
            args = ("HRANDFIELD", "s", count) + wv
            a, b = call(v, *args), call(ref, *args)
            if a[0] == "err" or b[0] == "err" or (isinstance(count, int) and count > 0):
                assert a == b or (a[0] == b[0] == "ok" and sorted(a[1]) == sorted(b[1])), (args, a, b)


# ---------------------------------------------------------------- persistence round trips

def build_shapes(c, rng):
    """Hashes of many shapes on c (configured by the caller)."""
    pools = Pools(rng)
    c.hset("empty-str", "", "")
    c.hset("ints", mapping={n: n for n in interesting_numbers()})
    for i in range(40):
        items = {}
        for _ in range(rng.choice((1, 2, 5, 20, 100, 600))):
            items[rng.choice(pools.fields)] = rng.choice(pools.values)
        c.hset(b"shape:%d" % i, mapping=items)
    c.hset("wide", mapping={b"k%d" % i: b"v" * (i % 70) for i in range(700)})


@needs_ref
@pytest.mark.parametrize("entries,value", [(512, 64), (4, 8), (1000, 100000)])
def test_rdb_written_by_redis_loads(spawn, entries, value):
    d = tempfile.mkdtemp(prefix="vesper-hmodel-rdb-")
    proc, ref = run_reference(d, "--hash-max-listpack-entries", str(entries),
                              "--hash-max-listpack-value", str(value))
    try:
        build_shapes(ref, random.Random(entries + value))
        theirs = ref.execute_command("DEBUG", "DIGEST")
        encs = {k: ref.object("encoding", k) for k in ref.keys()}
        ref.execute_command("SAVE")
    finally:
        proc.terminate()
        proc.wait(10)
    srv = spawn("--dir", d, "--enable-debug-command", "yes", "--hash-max-listpack-entries", str(entries),
                "--hash-max-listpack-value", str(value))
    v = srv.client()
    assert v.execute_command("DEBUG", "DIGEST") == theirs
    for k, e in encs.items():
        assert v.object("encoding", k) == e, k
    # and back: Vesper's SAVE loads in Redis with the same contents
    v.execute_command("SAVE")
    srv.stop()
    proc, ref = run_reference(d, "--hash-max-listpack-entries", str(entries),
                              "--hash-max-listpack-value", str(value))
    try:
        assert ref.execute_command("DEBUG", "DIGEST") == theirs
        for k, e in encs.items():
            assert ref.object("encoding", k) == e, k
    finally:
        proc.terminate()
        proc.wait(10)


def test_bgsave_restart_and_aof_rewrite_restart(spawn):
    d = tempfile.mkdtemp(prefix="vesper-hmodel-p-")

    def rewrite_and_restart(srv, v):
        """BGREWRITEAOF, then a restart from the AOF; returns the new server, its
        client and the digest before the restart."""
        ours = v.execute_command("DEBUG", "DIGEST")
        v.execute_command("BGREWRITEAOF")
        time.sleep(0.2)
        wait_rewrite(v)
        srv.stop()
        srv = spawn("--dir", d, "--enable-debug-command", "yes", "--appendonly", "yes",
                    "--hash-max-listpack-entries", "16", "--hash-max-listpack-value", "5000")
        return srv, srv.client(), ours

    srv = spawn("--dir", d, "--enable-debug-command", "yes", "--hash-max-listpack-entries", "16",
                "--hash-max-listpack-value", "5000")
    v = srv.client()
    build_shapes(v, random.Random(99))
    v.hincrbyfloat("ints", "fl", "1.25")
    ours = v.execute_command("DEBUG", "DIGEST")
    encs = {k: v.object("encoding", k) for k in v.keys()}
    v.execute_command("BGSAVE")
    deadline = time.time() + 20
    while v.info("persistence")["rdb_bgsave_in_progress"] or v.lastsave() is None:
        assert time.time() < deadline
        time.sleep(0.05)
    assert v.info("persistence")["rdb_last_bgsave_status"] == "ok"
    srv.stop()
    srv = spawn("--dir", d, "--enable-debug-command", "yes", "--hash-max-listpack-entries", "16",
                "--hash-max-listpack-value", "5000")
    v = srv.client()
    assert v.execute_command("DEBUG", "DIGEST") == ours
    assert {k: v.object("encoding", k) for k in v.keys()} == encs
    assert v.execute_command("DEBUG", "RELOAD") == b"OK"
    assert v.execute_command("DEBUG", "DIGEST") == ours
    # AOF without an RDB preamble: the rewrite writes HMSET commands
    v.config_set("aof-use-rdb-preamble", "no")
    v.config_set("appendonly", "yes")
    wait_rewrite(v)
    v.hset("ints", "after", "rewrite")
    srv, v, ours = rewrite_and_restart(srv, v)
    assert v.execute_command("DEBUG", "DIGEST") == ours
    assert v.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert v.execute_command("DEBUG", "DIGEST") == ours
    # and with an RDB preamble: the base file carries the listpacks
    v.config_set("aof-use-rdb-preamble", "yes")
    v.hincrbyfloat("ints", "fl", "2.5")
    srv, v, ours = rewrite_and_restart(srv, v)
    assert v.execute_command("DEBUG", "DIGEST") == ours
    assert {k: v.object("encoding", k) for k in v.keys()} == encs


# ---------------------------------------------------------------- hostile RESTORE payloads





def rdb_string(b):
    n = len(b)
    if n < 64:
        return bytes([n]) + b
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xff]) + b
    return b"\x80" + struct.pack(">I", n) + b


def lp_backlen(n):
    out = []
    while True:
        out.append(n & 127)
        n >>= 7
        if not n:
            break
    out = out[::-1]
    return bytes([out[0]] + [b | 128 for b in out[1:]]) if len(out) > 1 else bytes(out)


def lp_backlen_redis(n):
    """The backlen bytes as a listpack stores them (read backwards)."""
    if n <= 127:
        return bytes([n])
    if n < 16383:
        return bytes([n >> 7, (n & 127) | 128])
    if n < 2097151:
        return bytes([n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128])
    if n < 268435455:
        return bytes([n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128])
    return bytes([n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128,
                  (n & 127) | 128])


def lp_entry(enc):
    return enc + lp_backlen_redis(len(enc))


def lp_str(s, width=6):
    n = len(s)
    if width == 6:
        return lp_entry(bytes([0x80 | n]) + s)
    if width == 12:
        return lp_entry(bytes([0xE0 | (n >> 8), n & 0xff]) + s)
    return lp_entry(b"\xf0" + struct.pack("<I", n) + s)


def listpack(entries, count=None):
    body = b"".join(entries)
    total = 6 + len(body) + 1
    return struct.pack("<IH", total, len(entries) if count is None else count) + body + b"\xff"


def hash_payload(lp):
    return with_footer(bytes([16]) + rdb_string(lp))


def hostile_listpacks():
    a, b = lp_str(b"a"), lp_str(b"b")
    one = lp_entry(b"\x01")
    good = [a, one, b, one]
    yield "ok", listpack(good)
    yield "ok", listpack([lp_str(b"a", 12), one, lp_str(b"b", 32), lp_str(b"x" * 70, 12)])
    yield "ok", listpack(good, count=65535)                       # "unknown" count
    yield "bad", listpack(good, count=3)                          # wrong count
    yield "bad", listpack(good[:3])                               # odd entries
    yield "bad", listpack([a, one, a, one])                       # duplicate field
    yield "bad", listpack([a, one, lp_str(b"a", 12), one])        # the same field, other encoding
    yield "bad", listpack([lp_str(b"1"), one, one, one])          # "1" as a string and as an int
    yield "bad", listpack([])                                     # empty hash
    yield "bad", listpack(good)[:-1]                              # no terminator
    yield "bad", listpack(good)[:-1] + b"\xfe"
    yield "bad", listpack(good) + b"\x00"                         # trailing bytes
    bad_back = listpack(good)
    yield "bad", bad_back[:8] + b"\x05" + bad_back[9:]            # a wrong backlen
    yield "bad", listpack([a, one, lp_entry(b"\x85ab"), one])      # string longer than the entry
    yield "bad", listpack([a, one, b, lp_entry(b"\xf1\x01")])     # truncated 16-bit int
    yield "bad", listpack([a, one, b, lp_entry(b"\xf5")])         # unknown encodings
    yield "bad", listpack([a, one, b, lp_entry(b"\xfe")])
    yield "bad", listpack([a, one, b, b"\xf0\xff\xff\xff\x7f\x01"])
    yield "bad", listpack([a, one, b, b"\xe0\x05ab\x04"])
    big = listpack(good)
    yield "bad", struct.pack("<I", 0xFFFFFFF0) + big[4:]          # total larger than the blob
    yield "bad", struct.pack("<I", 3) + big[4:]
    yield "bad", b"\x07\x00\x00\x00\x00\x00\xff"[:6]


def test_restore_hostile_hash_listpacks(spawn):
    # Vesper validates every payload whatever sanitize-dump-payload says; Redis only
    # when it is "yes"
    srv = start(spawn, "--sanitize-dump-payload", "yes" if is_reference_redis() else "no")
    v = srv.client()
    for i, (want, lp) in enumerate(hostile_listpacks()):
        try:
            v.restore("x", 0, hash_payload(lp), replace=True)
            got = "ok"
        except redis.ResponseError as e:
            assert "Bad data format" in str(e), (i, e)
            got = "bad"
        assert got == want, (i, lp)
        if got == "ok":
            flat = v.hgetall("x")
            assert len(flat) == v.hlen("x")
            assert v.dump("x")
            v.hset("x", "new", "1")
            v.hdel("x", "a")
            assert v.hget("x", "new") == b"1"
    assert v.ping()


@needs_ref
def test_restore_hostile_hash_listpacks_match_redis(spawn, ref):
    srv = start(spawn)
    v = srv.client()
    ref.config_set("sanitize-dump-payload", "yes")
    try:
        for i, (want, lp) in enumerate(hostile_listpacks()):
            a = call(v, "RESTORE", "x", 0, hash_payload(lp), "REPLACE")
            b = call(ref, "RESTORE", "x", 0, hash_payload(lp), "REPLACE")
            assert a[0] == b[0], (i, a, b)
            if a[0] == "ok":
                both(v, ref, "DEBUG", "DIGEST-VALUE", "x")
                both(v, ref, "DUMP", "x")
    finally:
        ref.config_set("sanitize-dump-payload", "no")


def test_restore_mutated_hash_payloads(spawn):
    """Random byte flips in valid listpack hash payloads (CRC recomputed): each is
    refused or loads into a hash that every command can walk."""
    srv = start(spawn, "--sanitize-dump-payload", "yes")
    v = srv.client()
    rng = random.Random(4242)
    pools = Pools(rng)
    v.config_set("hash-max-listpack-value", 5000)
    for i in range(6):
        v.hset(b"src%d" % i, mapping={rng.choice(pools.fields): rng.choice(pools.values)
                                      for _ in range(rng.randint(1, 12))})
    deadline = time.time() + 5
    for i in range(6):
        good = v.dump(b"src%d" % i)[:-10]
        for _ in range(250):
            if time.time() > deadline:
                break
            b = bytearray(good)
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(1, len(b))] = rng.randrange(256)
            try:
                v.restore("x", 0, with_footer(bytes(b)), replace=True)
            except redis.ResponseError as e:
                assert "Bad data format" in str(e)
                continue
            if v.type("x") != b"hash":
                continue
            content = v.hgetall("x")
            assert len(content) == v.hlen("x")
            for f in content:
                assert v.hexists("x", f)
            v.execute_command("HRANDFIELD", "x", -5, "WITHVALUES")
            v.execute_command("DEBUG", "DIGEST-VALUE", "x")
            v.execute_command("HSET", "x", "zz", "1", "f1", "y" * 10)
            assert v.restore("y", 0, v.dump("x"), replace=True)
    assert v.ping()


@needs_ref
def test_redis_replica_of_vesper_gets_the_same_hashes(spawn):
    """A full sync carries the listpack form of every small hash, and the command
    stream (HINCRBYFLOAT as HSET of its result) keeps a redis-server replica equal."""
    from conftest import redis_replica_of
    srv = spawn("--enable-debug-command", "yes", "--hash-max-listpack-entries", "8",
                "--hash-max-listpack-value", "100")
    v = srv.client()
    rng = random.Random(77)
    build_shapes(v, rng)
    with redis_replica_of(srv.port, REFERENCE, "--hash-max-listpack-entries", "8",
                          "--hash-max-listpack-value", "100", "--enable-debug-command", "yes") as (_, rep):
        pools = Pools(rng)
        for i in range(300):
            key = b"shape:%d" % rng.randrange(40)
            op = rng.random()
            try:
                if op < 0.4:
                    v.execute_command("HSET", key, rng.choice(pools.fields), rng.choice(pools.values))
                elif op < 0.6:
                    v.execute_command("HDEL", key, rng.choice(pools.fields))
                elif op < 0.8:
                    v.execute_command("HINCRBYFLOAT", key, rng.choice(pools.fields[:12]), rng.choice(pools.fincr))
                else:
                    v.execute_command("HINCRBY", key, rng.choice(pools.fields[:12]), rng.choice(pools.incr))
            except redis.ResponseError:
                pass
        want = v.info("replication")["master_repl_offset"]
        deadline = time.time() + 10
        while rep.info("replication").get("slave_repl_offset", 0) < want:
            assert time.time() < deadline, "the replica did not catch up"
            time.sleep(0.05)
        assert rep.execute_command("DEBUG", "DIGEST") == v.execute_command("DEBUG", "DIGEST")
        for k in v.keys():
            assert rep.object("encoding", k) == v.object("encoding", k), k


def resp_shape(raw):
    """The reply's RESP3 structure with bulk contents blanked (random picks differ)."""
    import re
    return re.sub(rb"\$(\d+)\r\n[^\r\n]*\r\n", rb"$\r\n", raw)


@needs_ref
def test_resp3_shapes_match_redis(spawn, ref):
    from conftest import RawClient, encode_command
    srv = start(spawn)
    ref_port = ref.connection_pool.connection_kwargs["port"]
    clients = [RawClient(port=srv.port), RawClient(port=ref_port)]
    for c in clients:
        c.cmd("HELLO", "3")
        c.cmd("DEL", "lp", "ht")
        c.cmd("HSET", "lp", "a", "1", "b", "bb", "c", "-5")
        c.cmd("HSET", "ht", *[x for i in range(600) for x in (b"f%d" % i, b"%d" % i)])
    cmds = [("HGETALL", "lp"), ("HRANDFIELD", "lp", "2", "WITHVALUES"), ("HRANDFIELD", "lp", "-5", "WITHVALUES"),
            ("HRANDFIELD", "lp", "9", "WITHVALUES"), ("HRANDFIELD", "lp", "1", "WITHVALUES"),
            ("HRANDFIELD", "lp", "-2"), ("HRANDFIELD", "ht", "3", "WITHVALUES"),
            ("HRANDFIELD", "ht", "-3", "WITHVALUES"), ("HRANDFIELD", "ht", "300", "WITHVALUES"),
            ("HRANDFIELD", "missing", "3", "WITHVALUES"), ("HGETALL", "missing"), ("HSCAN", "lp", "0"),
            ("HMGET", "lp", "a", "zz"), ("HGET", "lp", "zz"), ("HRANDFIELD", "missing")]
    for args in cmds:
        got = []
        for c in clients:
            c.send(encode_command(*args))
            got.append(c.read_raw_reply())
        if args[:2] == ("HGETALL", "lp") or args[0] in ("HSCAN", "HMGET", "HGET"):
            assert got[0] == got[1], (args, got)
        else:
            assert resp_shape(got[0]) == resp_shape(got[1]), (args, got)
