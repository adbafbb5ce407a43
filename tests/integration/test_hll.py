"""HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG) through redis-py and raw
sockets: replies and error texts, accuracy from 10^3 to 10^7 distinct elements
(within 3 standard errors of 1.04/sqrt(16384)), the sparse -> dense promotion and
hll-sparse-max-bytes, the cached cardinality and WATCH, corrupt values, and the
cross-check with a real redis-server 7.0.15 started beside the server under test:
the same commands give byte-identical values, DUMP payloads move both ways through
RESTORE with equal PFCOUNTs, and raw GET/SET round trips keep the counts. Every test
also passes against Redis 7.0.15 (VESPER_SERVER=/usr/bin/redis-server)."""
import os
import random
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import free_port, is_reference_redis, ping

ERR_INVALID = "INVALIDOBJ Corrupted HLL object detected"
ERR_NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
STDERR = 1.04 / 128
REDIS_BIN = "/usr/bin/redis-server"
HDR_SPARSE = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80"


@pytest.fixture(scope="module")
def ref():
    """A real redis-server 7.0.15 on a free port, for cross-checks."""
    if not os.path.exists(REDIS_BIN):
        pytest.skip("redis-server not installed")
    port = free_port()
    d = tempfile.mkdtemp(prefix="vesper-hll-ref-")
    proc = subprocess.Popen([REDIS_BIN, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", d, "--daemonize", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not ping("127.0.0.1", port):
        if time.time() > deadline:
            proc.kill()
            pytest.fail("reference redis-server did not start")
        time.sleep(0.05)
    client = redis.Redis(port=port)
    client.flushall()
    yield client
    client.close()
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(d, ignore_errors=True)


def add_batches(r, key, start, n, batch=10000, prefix=b"e:"):
    pipe = r.pipeline(transaction=False)
    for s in range(start, start + n, batch):
        pipe.pfadd(key, *[prefix + str(i).encode() for i in range(s, min(start + n, s + batch))])
        if len(pipe) >= 20:
            pipe.execute()
    pipe.execute()


def test_basic_replies(r):
    assert r.pfadd("h") == 1
    assert r.pfadd("h") == 0
    assert r.get("h") == HDR_SPARSE + b"\x7f\xff"
    assert r.pfcount("h") == 0
    assert r.pfadd("h", "a", "b", "c") == 1
    assert r.pfadd("h", "a", "b") == 0
    assert r.pfadd("h", "") == 1
    assert r.pfcount("h") == 4
    assert r.pfcount("nokey") == 0
    assert r.pfadd("h2", "c", "d") == 1
    assert r.pfcount("h", "h2", "nokey") == 5
    assert r.pfmerge("m", "h", "h2") is True
    assert r.pfcount("m") == 5
    assert r.pfmerge("m") is True
    assert r.pfcount("m") == 5
    assert r.pfmerge("empty") is True
    assert r.pfcount("empty") == 0
    assert r.type("m") == b"string"
    assert r.object("encoding", "m") == b"raw"
    assert r.execute_command("PFDEBUG", "ENCODING", "m") == b"sparse"
    assert r.execute_command("PFDEBUG", "TODENSE", "m") == 1
    assert r.execute_command("PFDEBUG", "ENCODING", "m") == b"dense"
    assert r.strlen("m") == 12304
    regs = r.execute_command("PFDEBUG", "GETREG", "m")
    assert len(regs) == 16384 and sum(1 for x in regs if x) == 5
    assert r.pfcount("m") == 5
    # a dense source makes the destination dense
    assert r.pfmerge("m2", "h", "m") is True
    assert r.execute_command("PFDEBUG", "ENCODING", "m2") == b"dense"


def test_errors(r):
    r.set("s", "hello")
    r.set("i", 12345)
    r.rpush("l", "x")
    for cmd in (("PFADD", "s", "a"), ("PFCOUNT", "s"), ("PFCOUNT", "nokey", "s"), ("PFMERGE", "d", "s"),
                ("PFADD", "i", "a"), ("PFDEBUG", "GETREG", "s")):
        with pytest.raises(redis.ResponseError, match="^" + ERR_NOT_HLL):
            r.execute_command(*cmd)
    for cmd in (("PFADD", "l", "a"), ("PFCOUNT", "l"), ("PFMERGE", "l", "x"), ("PFMERGE", "x", "l")):
        with pytest.raises(redis.ResponseError, match="^" + ERR_WRONGTYPE):
            r.execute_command(*cmd)
    assert not r.exists("d") and not r.exists("x")
    with pytest.raises(redis.ResponseError, match="^The specified key does not exist"):
        r.execute_command("PFDEBUG", "ENCODING", "nokey")
    r.pfadd("h", "a")
    with pytest.raises(redis.ResponseError, match="^Unknown PFDEBUG subcommand 'nope'"):
        r.execute_command("PFDEBUG", "nope", "h")
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'pfdebug' command"):
        r.execute_command("PFDEBUG", "GETREG")
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'pfadd' command"):
        r.execute_command("PFADD")
    r.execute_command("PFDEBUG", "TODENSE", "h")
    with pytest.raises(redis.ResponseError, match="^HLL encoding is not sparse"):
        r.execute_command("PFDEBUG", "DECODE", "h")
    assert r.execute_command("PFSELFTEST") == b"OK"


def test_corrupt_values(r):
    bad = [
        HDR_SPARSE + b"\x09",                       # covers 10 registers
        HDR_SPARSE + b"\x7f\xff\x80",               # one VAL past the end
        HDR_SPARSE + b"\x7f\xff\x7f\xff",           # zero runs past the end
        HDR_SPARSE + b"\x7f",                       # a cut-off XZERO
        HDR_SPARSE + b"\x7f\xfe\x7f\xff" * 3,
    ]
    for val in bad:
        r.set("c", val)
        for cmd in (("PFCOUNT", "c"), ("PFCOUNT", "c", "nokey"), ("PFMERGE", "d", "c"), ("PFDEBUG", "GETREG", "c")):
            with pytest.raises(redis.ResponseError, match="^" + ERR_INVALID):
                r.execute_command(*cmd)
    # the overflow of CVE-2025-32023: 2^32 registers and more, then a VAL
    r.set("c", HDR_SPARSE + b"\x7f\xff" * (262144 + 1000) + b"\xff")
    for cmd in (("PFCOUNT", "c"), ("PFCOUNT", "c", "c"), ("PFDEBUG", "GETREG", "c"), ("PFMERGE", "d", "c")):
        with pytest.raises(redis.ResponseError, match="^" + ERR_INVALID):
            r.execute_command(*cmd)
    # header checks: magic, encoding, dense length
    for val in (b"HYLL", b"HYLX" + HDR_SPARSE[4:] + b"\x7f\xff", b"HYLL\x02" + HDR_SPARSE[5:] + b"\x7f\xff",
                b"HYLL\x00" + HDR_SPARSE[5:] + b"\x00" * 12287, b"HYLL\x00" + HDR_SPARSE[5:] + b"\x00" * 12289):
        r.set("c", val)
        with pytest.raises(redis.ResponseError, match="^" + ERR_NOT_HLL):
            r.pfcount("c")
    # random sparse bodies: an answer or an error, never a crash
    rnd = random.Random(11)
    for _ in range(300):
        body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(40)))
        if rnd.random() < 0.5:
            body = b"\x7f" + bytes([rnd.randrange(256)]) + body
        r.set("c", HDR_SPARSE + body)
        for cmd in (("PFCOUNT", "c"), ("PFCOUNT", "c", "nokey"), ("PFADD", "c", "x", "y"),
                    ("PFDEBUG", "DECODE", "c"), ("PFMERGE", "d", "c")):
            try:
                r.execute_command(*cmd)
            except redis.ResponseError as e:
                assert str(e) in (ERR_INVALID, ERR_NOT_HLL)
    assert r.ping()


@pytest.mark.parametrize("n", [1000, 10000, 100000, 1000000])
def test_accuracy(r, n):
    add_batches(r, "h", 0, n)
    got = r.pfcount("h")
    assert abs(got - n) / n <= 3 * STDERR, (n, got)
    # a second set, half overlapping: the union counts both
    add_batches(r, "h2", n // 2, n)
    union = r.pfcount("h", "h2")
    assert abs(union - 1.5 * n) / (1.5 * n) <= 3 * STDERR
    r.pfmerge("m", "h", "h2")
    assert r.pfcount("m") == union


def test_accuracy_ten_million(r):
    n = 10 ** 7
    t0 = time.time()
    add_batches(r, "h", 0, n, batch=20000)
    got = r.pfcount("h")
    assert abs(got - n) / n <= 3 * STDERR, got
    assert time.time() - t0 < 120


def test_promotion_and_sparse_max_bytes(r):
    old = r.config_get("hll-sparse-max-bytes")["hll-sparse-max-bytes"]
    try:
        r.config_set("hll-sparse-max-bytes", 30)
        r.pfadd("small", *[str(i) for i in range(3)])
        assert r.execute_command("PFDEBUG", "ENCODING", "small") == b"sparse"
        r.pfadd("small", *[str(i) for i in range(3, 30)])
        assert r.execute_command("PFDEBUG", "ENCODING", "small") == b"dense"
        r.config_set("hll-sparse-max-bytes", 3000)
        r.pfadd("big", *[str(i) for i in range(500)])
        assert r.execute_command("PFDEBUG", "ENCODING", "big") == b"sparse"
        assert r.strlen("big") <= 3000
        r.pfadd("big", *[str(i) for i in range(500, 5000)])
        assert r.execute_command("PFDEBUG", "ENCODING", "big") == b"dense"
    finally:
        r.config_set("hll-sparse-max-bytes", old)


def test_cache(r, server):
    r.pfadd("h", *[str(i) for i in range(100)])
    assert r.get("h")[15] & 0x80  # stale after PFADD
    n = r.pfcount("h")
    val = r.get("h")
    assert not val[15] & 0x80 and int.from_bytes(val[8:16], "little") == n
    # a forged cached value is answered as is
    r.set("h", val[:8] + (424242).to_bytes(8, "little") + val[16:])
    assert r.pfcount("h") == 424242
    assert r.pfadd("h", "a new element 1", "a new element 2") == 1
    assert r.pfcount("h") != 424242
    # refreshing the cache touches the key: WATCH sees it
    r.pfadd("w", "x")
    other = server.client()
    pipe = r.pipeline()
    pipe.watch("w")
    other.pfcount("w")
    pipe.multi()
    pipe.set("k", "v")
    with pytest.raises(redis.WatchError):
        pipe.execute()
    other.close()
    # a cached count does not touch it
    pipe = r.pipeline()
    pipe.watch("w")
    other = server.client()
    other.pfcount("w")
    pipe.multi()
    pipe.set("k", "v")
    assert pipe.execute() == [True]
    other.close()


def test_pfcount_unshares_before_the_cache(r):
    """PFCOUNT of one key turns a short (embstr) sketch raw before it reads the
    cache, as Redis does: OBJECT ENCODING says raw after a cached answer and after
    an INVALIDOBJ error too."""
    empty = HDR_SPARSE[:15] + b"\x00" + b"\x7f\xff"  # cached count 0
    r.set("e", empty)
    assert r.object("encoding", "e") == b"embstr"
    assert r.pfcount("e") == 0
    assert r.object("encoding", "e") == b"raw"
    r.set("e", HDR_SPARSE + b"\x09")  # stale cache, corrupt body
    assert r.object("encoding", "e") == b"embstr"
    with pytest.raises(redis.ResponseError, match="^" + ERR_INVALID):
        r.pfcount("e")
    assert r.object("encoding", "e") == b"raw"
    r.set("e", empty)  # several keys: no unsharing
    assert r.pfcount("e", "nokey") == 0
    assert r.object("encoding", "e") == b"embstr"


def test_update_in_cut_off_xzero(r):
    """A sparse body whose last XZERO is cut off by the end of the value (its
    missing byte reads as 0) but covers 16384 registers is valid: PFCOUNT counts
    it, and PFADD landing in the cut part answers 1 as Redis does (Redis writes
    the split past the string's end; Vesper turns the sketch dense). PFMERGE into
    it then holds every source register."""
    cut = HDR_SPARSE + b"\x40\xfe\x7f"  # XZERO 255, XZERO 16129 cut off
    r.set("c", cut)
    assert r.pfcount("c") == 0
    els = ["c%d" % i for i in range(40)]
    assert r.pfadd("c", *els) == 1
    if is_reference_redis():
        return  # Redis's value is now cut off again, with a byte past its end
    assert r.execute_command("PFDEBUG", "ENCODING", "c") == b"dense"
    r.pfadd("ref", *els)
    assert r.pfcount("c") == r.pfcount("ref")
    r.set("d", cut)
    r.pfadd("src", *["s%d" % i for i in range(500)])
    assert r.pfmerge("d", "src")
    assert r.execute_command("PFDEBUG", "GETREG", "d") == r.execute_command("PFDEBUG", "GETREG", "src")


def test_keyspace_events(r, server):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=1)["type"] == "psubscribe"
        r.pfadd("h", "a")
        r.pfadd("h", "a")
        r.pfcount("h")
        r.pfmerge("m", "h")
        r.execute_command("PFDEBUG", "TODENSE", "m")
        got = []
        for _ in range(10):
            m = p.get_message(timeout=0.3)
            if m:
                got.append((m["channel"], m["data"]))
        assert got == [(b"__keyevent@0__:pfadd", b"h"), (b"__keyevent@0__:pfadd", b"m")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")


def test_command_info_flags(raw):
    info = raw().cmd("COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest")
    flags = {i[0]: sorted(i[2]) for i in info}
    assert flags[b"pfadd"] == sorted([b"write", b"denyoom", b"fast"])
    assert flags[b"pfcount"] == [b"readonly"]  # may_replicate is not listed by Redis 7.0
    assert flags[b"pfmerge"] == sorted([b"write", b"denyoom"])
    assert flags[b"pfdebug"] == sorted([b"write", b"denyoom", b"admin"])
    assert flags[b"pfselftest"] == [b"admin"]


# ---------------- cross-checks with redis-server 7.0.15 ----------------

def feed_both(r, ref, rnd, keys, steps):
    for _ in range(steps):
        k = rnd.choice(keys)
        x = rnd.random()
        if x < 0.75:
            els = [str(rnd.randrange(10 ** 6)) for _ in range(rnd.randrange(1, 60))]
            assert r.pfadd(k, *els) == ref.pfadd(k, *els)
        elif x < 0.9:
            ks = rnd.sample(keys, rnd.randrange(1, len(keys) + 1))
            assert r.pfcount(*ks) == ref.pfcount(*ks)
        else:
            ks = rnd.sample(keys, rnd.randrange(1, len(keys) + 1))
            assert r.pfmerge(*ks) == ref.pfmerge(*ks)


def test_same_bytes_as_redis(r, ref):
    ref.flushall()
    rnd = random.Random(3)
    keys = ["a", "b", "c"]
    for size in (3000, 50, 0):
        r.config_set("hll-sparse-max-bytes", size)
        ref.config_set("hll-sparse-max-bytes", size)
        for _ in range(20):
            feed_both(r, ref, rnd, keys, 10)
            for k in keys:
                assert r.get(k) == ref.get(k), k
    r.config_set("hll-sparse-max-bytes", 3000)
    ref.config_set("hll-sparse-max-bytes", 3000)


@pytest.mark.parametrize("n", [0, 10, 300, 3000, 100000])
def test_dump_restore_both_ways(r, ref, n):
    ref.flushall()
    add_batches(ref, "h", 0, n) if n else ref.pfadd("h")
    add_batches(r, "v", 7, n, prefix=b"x:") if n else r.pfadd("v")
    # Redis -> Vesper
    r.restore("h", 0, ref.dump("h"))
    assert r.get("h") == ref.get("h")
    assert r.pfcount("h") == ref.pfcount("h")
    assert r.get("h") == ref.get("h")  # the same cached count written
    # Vesper -> Redis
    ref.restore("v", 0, r.dump("v"))
    assert ref.pfcount("v") == r.pfcount("v")
    # the union on both sides
    r.restore("v2", 0, ref.dump("v"))
    ref.restore("h2", 0, r.dump("h"))
    assert r.pfcount("h", "v") == ref.pfcount("h2", "v")
    # further adds on the copies stay identical
    els = [str(i) for i in range(5000, 5400)]
    assert r.pfadd("h", *els) == ref.pfadd("h", *els)
    assert r.get("h") == ref.get("h")


def test_raw_string_round_trip(r, ref):
    ref.flushall()
    rnd = random.Random(9)
    for n in (1, 100, 2000, 50000):
        els = [str(rnd.randrange(10 ** 9)).encode() for _ in range(n)]
        ref.delete("h")
        for s in range(0, n, 5000):
            ref.pfadd("h", *els[s:s + 5000])
        raw = ref.get("h")
        r.set("h", raw)
        assert r.pfcount("h") == ref.pfcount("h")
        r.set("back", r.get("h"))
        ref.set("back", r.get("back"))
        assert ref.pfcount("back") == r.pfcount("back")
        assert r.execute_command("PFDEBUG", "GETREG", "h") == ref.execute_command("PFDEBUG", "GETREG", "h")
