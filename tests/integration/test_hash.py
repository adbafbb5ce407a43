"""Hash commands: HSET/HMSET/HSETNX, HGET/HMGET, HDEL, HLEN/HEXISTS/HSTRLEN,
HKEYS/HVALS/HGETALL, HINCRBY/HINCRBYFLOAT, HRANDFIELD and HSCAN; the listpack and
hashtable encodings and the conversion thresholds (hash-max-listpack-entries/-value
and their ziplist names); RESP2 and RESP3 reply shapes; COPY, DEBUG DIGEST-VALUE,
MEMORY USAGE; DUMP of a listpack hash byte for byte as Redis writes it; hostile inputs. Replies, encodings and error texts are Redis 7.0.15's
(these tests pass against redis-server 7.0.15 with VESPER_SERVER=/usr/bin/redis-server)."""
import random

import pytest

from conftest import crc64_jones

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_NOT_FLOAT = b"ERR value is not a valid float"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_HASH_NOT_INT = b"ERR hash value is not an integer"
ERR_HASH_NOT_FLOAT = b"ERR hash value is not a float"
ERR_OVERFLOW = b"ERR increment or decrement would overflow"
ERR_NAN_INCR = b"ERR value is NaN or Infinity"
ERR_NAN_RESULT = b"ERR increment would produce NaN or Infinity"
ERR_RANGE = b"ERR value is out of range"
ERR_LONG_RANGE = (b"ERR value is out of range, value must between -9223372036854775807 and "
                  b"9223372036854775807")


def arity_err(cmd):
    return b"ERR wrong number of arguments for '%s' command" % cmd.encode()


@pytest.fixture
def c(raw):
    """A raw RESP2 connection: replies parsed, errors kept byte for byte."""
    return raw()


@pytest.fixture
def c3(raw):
    """A raw RESP3 connection."""
    conn = raw()
    hello = conn.cmd("HELLO", "3")
    assert isinstance(hello, dict)
    return conn


@pytest.fixture
def small_config(r):
    """Restores the hash directives a test changes."""
    yield
    r.config_set("hash-max-listpack-entries", 512)
    r.config_set("hash-max-listpack-value", 64)


def enc(r, key):
    return r.object("encoding", key)


def big_hash(r, key, n=600):
    """A hashtable-encoded hash of n fields f<i> -> v<i>."""
    for i in range(0, n, 100):
        r.hset(key, mapping={f"f{j}": f"v{j}" for j in range(i, min(n, i + 100))})
    assert enc(r, key) == b"hashtable"
    return {f"f{j}".encode(): f"v{j}".encode() for j in range(n)}


def raw_reply(conn, *args):
    from conftest import encode_command
    conn.send(encode_command(*args))
    return conn.read_raw_reply()


# ---------------------------------------------------------------- HSET / HGET

def test_hset_hget_basic(r):
    assert r.hset("h", mapping={"a": "1", "b": "2", "c": "3"}) == 3
    assert r.hget("h", "a") == b"1"
    assert r.hget("h", "zz") is None
    assert r.hget("nokey", "a") is None
    assert r.type("h") == b"hash"
    assert enc(r, "h") == b"listpack"
    # binary-safe fields and values, empty ones included
    assert r.hset("h", b"f\x00\r\n", b"v\x00\xff") == 1
    assert r.hget("h", b"f\x00\r\n") == b"v\x00\xff"
    assert r.hset("h", "", "") == 1
    assert r.hget("h", "") == b""
    assert r.hlen("h") == 5


def test_hset_return_counts_only_new_fields(c):
    assert c.cmd("HSET", "h", "a", "1", "b", "2") == 2
    assert c.cmd("HSET", "h", "a", "x", "c", "3") == 1
    assert c.cmd("HSET", "h", "d", "1", "d", "2") == 1      # the same field twice
    assert c.cmd("HGET", "h", "d") == b"2"
    assert c.cmd("HGET", "h", "a") == b"x"
    assert c.cmd("HMSET", "h", "a", "y", "e", "5") == b"OK"
    assert c.cmd("HMGET", "h", "a", "e") == [b"y", b"5"]


def test_hset_arity(c):
    assert c.cmd("HSET", "h", "a") == arity_err("hset")
    assert c.cmd("HSET", "h", "a", "1", "b") == arity_err("hset")
    assert c.cmd("HMSET", "h", "a", "1", "b") == arity_err("hmset")
    assert c.cmd("HSETNX", "h", "a") == arity_err("hsetnx")
    assert c.cmd("HGET", "h") == arity_err("hget")
    assert c.cmd("HMGET", "h") == arity_err("hmget")
    assert c.cmd("HDEL", "h") == arity_err("hdel")
    assert c.cmd("HLEN") == arity_err("hlen")
    assert c.cmd("HINCRBY", "h", "f") == arity_err("hincrby")
    assert c.cmd("HRANDFIELD") == arity_err("hrandfield")
    assert c.cmd("HSCAN", "h") == arity_err("hscan")
    assert c.cmd("EXISTS", "h") == 0


def test_hsetnx(r, small_config):
    assert r.hsetnx("h", "a", "1") == 1
    assert r.hsetnx("h", "a", "2") == 0
    assert r.hget("h", "a") == b"1"
    big_hash(r, "big")
    assert r.hsetnx("big", "f1", "x") == 0
    assert r.hsetnx("big", "new", "x") == 1
    assert r.hget("big", "f1") == b"v1" and r.hget("big", "new") == b"x"
    # HSETNX converts on a long value, as HSET does
    r.config_set("hash-max-listpack-value", 8)
    assert r.hsetnx("h", "b", "123456789") == 1
    assert enc(r, "h") == b"hashtable"


def test_hmget(c):
    assert c.cmd("HMGET", "nokey", "a", "b") == [None, None]
    c.cmd("HSET", "h", "a", "1", "b", "2")
    assert c.cmd("HMGET", "h", "b", "zz", "a", "b") == [b"2", None, b"1", b"2"]


def test_hset_big_hash(r):
    data = big_hash(r, "h")
    assert r.hlen("h") == 600
    for f in (b"f0", b"f123", b"f599"):
        assert r.hget("h", f) == data[f]
    assert r.hset("h", "f1", "changed") == 0
    assert r.hget("h", "f1") == b"changed"
    assert r.hgetall("h")[b"f1"] == b"changed"
    assert r.hset("h", "f1", "x" * 1000) == 0       # a value growing out of place
    assert r.hget("h", "f1") == b"x" * 1000
    assert r.hset("h", "f1", "") == 0
    assert r.hget("h", "f1") == b""


# ---------------------------------------------------------------- HDEL

def test_hdel(r):
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    assert r.hdel("h", "a", "zz") == 1
    assert r.hdel("h", "a") == 0
    assert r.hdel("nokey", "a") == 0
    assert r.hlen("h") == 2
    # emptied before all the fields given were seen: the key goes, the count stops
    assert r.hdel("h", "b", "c", "b", "zz") == 2
    assert r.exists("h") == 0
    data = big_hash(r, "big")
    assert r.hdel("big", *list(data)[:300]) == 300
    assert r.hlen("big") == 300
    assert enc(r, "big") == b"hashtable"          # never converts back
    assert r.hdel("big", *list(data)) == 300
    assert r.exists("big") == 0


# ---------------------------------------------------------------- HLEN / HEXISTS / HSTRLEN

def test_hlen_hexists(r):
    assert r.hlen("nokey") == 0
    assert r.hexists("nokey", "a") is False
    r.hset("h", "a", "1")
    assert r.hexists("h", "a") is True
    assert r.hexists("h", "b") is False
    big_hash(r, "big")
    assert r.hexists("big", "f10") is True
    assert r.hexists("big", "nope") is False
    assert r.hlen("big") == 600


@pytest.mark.parametrize("value", ["-9223372036854775808", "9223372036854775807", "9223372036854775808",
                                   "", "0", "-1", "x", "12", "-12", "007", "1.5", "a" * 60])
def test_hstrlen(r, value):
    r.hset("small", "field", value)
    big_hash(r, "big")
    r.hset("big", "field", value)
    assert r.hstrlen("small", "field") == len(value)
    assert r.hstrlen("big", "field") == len(value)
    assert r.hget("small", "field") == value.encode()
    assert r.hstrlen("small", "nofield") == 0
    assert r.hstrlen("nokey", "field") == 0


# ---------------------------------------------------------------- HKEYS / HVALS / HGETALL

def test_hkeys_hvals_hgetall(r):
    assert r.hkeys("nokey") == []
    assert r.hvals("nokey") == []
    assert r.hgetall("nokey") == {}
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hkeys("h") == [b"a", b"b", b"c"]            # listpack keeps insertion order
    assert r.hvals("h") == [b"1", b"2", b"3"]
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2", b"c": b"3"}
    data = big_hash(r, "big")
    assert sorted(r.hkeys("big")) == sorted(data)
    assert sorted(r.hvals("big")) == sorted(data.values())
    assert r.hgetall("big") == data


def test_hgetall_raw_shapes(c, c3):
    assert raw_reply(c, "HGETALL", "nokey") == b"*0\r\n"
    assert raw_reply(c3, "HGETALL", "nokey") == b"%0\r\n"
    assert raw_reply(c3, "HKEYS", "nokey") == b"*0\r\n"
    c.cmd("HSET", "h", "a", "1", "b", "xy")
    assert raw_reply(c, "HGETALL", "h") == b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\nxy\r\n"
    assert raw_reply(c3, "HGETALL", "h") == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\nxy\r\n"
    assert raw_reply(c3, "HKEYS", "h") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert raw_reply(c3, "HVALS", "h") == b"*2\r\n$1\r\n1\r\n$2\r\nxy\r\n"
    assert raw_reply(c3, "HGET", "h", "zz") == b"_\r\n"
    assert raw_reply(c, "HGET", "h", "zz") == b"$-1\r\n"
    assert raw_reply(c3, "HMGET", "h", "zz", "a") == b"*2\r\n_\r\n$1\r\n1\r\n"
    assert raw_reply(c3, "HEXISTS", "h", "a") == b":1\r\n"


# ---------------------------------------------------------------- HINCRBY

def test_hincrby(r):
    assert r.hincrby("nokey", "f", 2) == 2
    assert r.hget("nokey", "f") == b"2"
    r.hset("h", "tmp", "100")
    assert r.hincrby("h", "tmp", 2) == 102
    assert r.hincrby("h", "new", 3) == 3
    assert r.hincrby("h", "new", -5) == -2
    r.hset("h", "tmp", "17179869184")
    assert r.hincrby("h", "tmp", 17179869184) == 34359738368
    big_hash(r, "big")
    assert r.hincrby("big", "f", 7) == 7
    r.hset("big", "n", "-5")
    assert r.hincrby("big", "n", 10) == 5
    assert enc(r, "h") == b"listpack"


def test_hincrby_errors(c):
    for bad in (" 11", "11 ", "1.5", "abc", "", "9223372036854775808"):
        c.cmd("HSET", "h", "s", bad)
        assert c.cmd("HINCRBY", "h", "s", "1") == ERR_HASH_NOT_INT
    assert c.cmd("HINCRBY", "h", "s", "x") == ERR_NOT_INT
    assert c.cmd("HINCRBY", "h", "s", "1.0") == ERR_NOT_INT
    assert c.cmd("HINCRBY", "h", "s", "9223372036854775808") == ERR_NOT_INT
    c.cmd("HSET", "h", "n", str(LLONG_MAX))
    assert c.cmd("HINCRBY", "h", "n", "1") == ERR_OVERFLOW
    assert c.cmd("HINCRBY", "h", "n", "0") == LLONG_MAX
    c.cmd("HSET", "h", "n", "-9223372036854775484")
    assert c.cmd("HINCRBY", "h", "n", "-1") == -9223372036854775485
    assert c.cmd("HINCRBY", "h", "n", "-10000") == ERR_OVERFLOW
    assert c.cmd("HINCRBY", "h", "n", str(LLONG_MIN)) == ERR_OVERFLOW
    assert c.cmd("HGET", "h", "n") == b"-9223372036854775485"
    # a bad increment is found before the key's type
    c.cmd("SET", "str", "1")
    assert c.cmd("HINCRBY", "str", "f", "x") == ERR_NOT_INT
    assert c.cmd("HINCRBY", "str", "f", "1") == ERR_WRONGTYPE


# ---------------------------------------------------------------- HINCRBYFLOAT

def test_hincrbyfloat(r, c):
    assert c.cmd("HINCRBYFLOAT", "nokey", "f", "2.5") == b"2.5"
    c.cmd("HSET", "h", "tmp", "100")
    assert c.cmd("HINCRBYFLOAT", "h", "tmp", "2.5") == b"102.5"
    c.cmd("HSET", "h", "tmp", "17179869184")
    assert c.cmd("HINCRBYFLOAT", "h", "tmp", "17179869184") == b"34359738368"
    assert c.cmd("HINCRBYFLOAT", "h", "float", "1.23") == b"1.23"
    assert c.cmd("HINCRBYFLOAT", "h", "float", "0.77") == b"2"
    assert c.cmd("HINCRBYFLOAT", "h", "float", "-0.1") == b"1.9"
    assert c.cmd("HINCRBYFLOAT", "h", "e", "3e2") == b"300"
    assert c.cmd("HINCRBYFLOAT", "h", "e", "-3e2") == b"0"
    assert c.cmd("HGET", "h", "e") == b"0"
    assert c.cmd("HINCRBYFLOAT", "h", "tiny", "1e-20") == b"0"    # 17 decimals at most
    big_hash(r, "big")
    assert c.cmd("HINCRBYFLOAT", "big", "f1", "1") == ERR_HASH_NOT_FLOAT    # "v1"
    c.cmd("HSET", "big", "x", "1.5")
    assert c.cmd("HINCRBYFLOAT", "big", "x", "1.5") == b"3"
    assert c.cmd("HGET", "big", "x") == b"3"


def test_hincrby_int_then_float(r, c):
    assert c.cmd("HINCRBY", "h", "tmp", "2") == 2
    assert c.cmd("HINCRBYFLOAT", "h", "tmp", "3.5") == b"5.5"
    assert c.cmd("HINCRBY", "h", "tmp", "1") == ERR_HASH_NOT_INT
    big_hash(r, "big")
    assert c.cmd("HINCRBY", "big", "tmp", "2") == 2
    assert c.cmd("HINCRBYFLOAT", "big", "tmp", "3.5") == b"5.5"


def test_hincrbyfloat_errors(c):
    for bad in (" 11", "11 ", "abc", "", "1\x002"):
        c.cmd("HSET", "h", "s", bad)
        assert c.cmd("HINCRBYFLOAT", "h", "s", "1") == ERR_HASH_NOT_FLOAT, bad
    for bad in ("x", "", "1.5.5", " 1", "nan", "1e5000"):
        assert c.cmd("HINCRBYFLOAT", "h", "f", bad) == ERR_NOT_FLOAT, bad
    for inf in ("inf", "+inf", "-inf", "Infinity"):
        assert c.cmd("HINCRBYFLOAT", "hfoo", "f", inf) == ERR_NAN_INCR
    assert c.cmd("EXISTS", "hfoo") == 0
    c.cmd("HSET", "h", "big", "1e4932")
    assert c.cmd("HINCRBYFLOAT", "h", "big", "1e4932") == ERR_NAN_RESULT
    assert c.cmd("HGET", "h", "big") == b"1e4932"
    c.cmd("SET", "str", "1")
    assert c.cmd("HINCRBYFLOAT", "str", "f", "x") == ERR_NOT_FLOAT
    assert c.cmd("HINCRBYFLOAT", "str", "f", "inf") == ERR_NAN_INCR
    assert c.cmd("HINCRBYFLOAT", "str", "f", "1") == ERR_WRONGTYPE


# ---------------------------------------------------------------- encodings

def test_encoding_entries_threshold(r, small_config):
    r.config_set("hash-max-listpack-entries", 4)
    r.hset("h", mapping={f"f{i}": i for i in range(4)})
    assert enc(r, "h") == b"listpack"
    r.hset("h", "f0", "again")                  # an update does not grow it
    assert enc(r, "h") == b"listpack"
    r.hset("h", "f4", "4")
    assert enc(r, "h") == b"hashtable"
    assert r.hgetall("h") == {b"f0": b"again", b"f1": b"1", b"f2": b"2", b"f3": b"3", b"f4": b"4"}
    # several pairs at once: converted after the write
    r.hset("h2", mapping={f"f{i}": i for i in range(5)})
    assert enc(r, "h2") == b"hashtable"
    # HINCRBY and HINCRBYFLOAT adding a field
    r.hset("h3", mapping={f"f{i}": i for i in range(4)})
    r.hincrby("h3", "n", 1)
    assert enc(r, "h3") == b"hashtable"
    r.hset("h4", mapping={f"f{i}": i for i in range(4)})
    r.hincrbyfloat("h4", "n", 1.5)
    assert enc(r, "h4") == b"hashtable"
    # 0 entries: a table from the first field
    r.config_set("hash-max-listpack-entries", 0)
    r.hset("h5", "a", "1")
    assert enc(r, "h5") == b"hashtable"


def test_encoding_value_threshold(r, small_config):
    r.hset("h", "f", "x" * 64)
    assert enc(r, "h") == b"listpack"
    r.hset("h", "g" * 64, "1")
    assert enc(r, "h") == b"listpack"
    r.hset("h", "f", "x" * 65)
    assert enc(r, "h") == b"hashtable"
    assert r.hget("h", "f") == b"x" * 65
    assert r.hget("h", "g" * 64) == b"1"
    r.hset("h2", "f" * 65, "1")
    assert enc(r, "h2") == b"hashtable"
    # one long argument among several converts before the write
    r.hset("h3", mapping={"a": "1", "b": "y" * 100, "c": "3"})
    assert enc(r, "h3") == b"hashtable"
    # the old ziplist names are aliases
    r.config_set("hash-max-ziplist-value", 8)
    assert r.config_get("hash-max-listpack-value") == {"hash-max-listpack-value": "8"}
    r.config_set("hash-max-ziplist-entries", 7)
    assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "7"}
    r.hset("h4", "abcdefgh", "12345678")
    assert enc(r, "h4") == b"listpack"
    r.hset("h4", "x", "123456789")
    assert enc(r, "h4") == b"hashtable"


def test_encoding_hincrbyfloat_over_value_limit(r, small_config):
    r.config_set("hash-max-listpack-value", 8)
    r.hset("small", "tmp", "0")
    r.hset("big", "tmp", "0")
    r.hincrbyfloat("small", "tmp", 0.000005)         # "0.000005": 8 bytes
    r.hincrbyfloat("big", "tmp", 0.0000005)          # "0.0000005": 9 bytes
    assert enc(r, "small") == b"listpack"
    assert enc(r, "big") == b"hashtable"
    r.hincrbyfloat("small2", "abcdefgh", 1)
    r.hincrbyfloat("big2", "abcdefghi", 1)
    assert enc(r, "small2") == b"listpack"
    assert enc(r, "big2") == b"hashtable"
    r.hincrby("big3", "abcdefghi", 1)
    assert enc(r, "big3") == b"hashtable"
    r.hset("h", "n", "99999999")
    r.hincrby("h", "n", 1)                           # "100000000": 9 bytes
    assert enc(r, "h") == b"hashtable"


def test_encoding_big_payload_and_integers(r):
    r.hset("h", "foo", "a" * 1024)
    assert enc(r, "h") == b"hashtable"
    # listpack of integers of every width reads back as text
    values = ["127", "32767", "2147483647", "9223372036854775807", "-9223372036854775808", "0", "12",
              "9223372036854775808", "-0", "+1", "01"]
    r.hset("ints", mapping={f"k{i}": v for i, v in enumerate(values)})
    assert enc(r, "ints") == b"listpack"
    assert r.hvals("ints") == [v.encode() for v in values]
    r.hset("ints", 5, 6)                        # integer fields too
    assert r.hget("ints", "5") == b"6"
    assert r.hkeys("ints")[-1] == b"5"


def test_stress_conversion(r, small_config):
    r.config_set("hash-max-ziplist-entries", 32)
    rnd = random.Random(7)
    for _ in range(20):
        r.delete("h")
        model = {}
        for _ in range(64):
            f, v = str(rnd.randint(0, 10 ** rnd.randint(1, 12))), "v" * rnd.randint(0, 20)
            r.hset("h", f, v)
            model[f.encode()] = v.encode()
        assert r.hgetall("h") == model
        assert enc(r, "h") == (b"hashtable" if len(model) > 32 else b"listpack")


def test_fuzz_against_model(r):
    rnd = random.Random(11)
    for size in (10, 512):
        r.delete("h")
        model = {}
        for _ in range(size * 2):
            op = rnd.random()
            f = rnd.choice([str(rnd.randint(-512, 512)), "f" + str(rnd.randint(0, size))])
            if op < 0.6:
                v = rnd.choice([str(rnd.randint(-10 ** 12, 10 ** 12)), "x" * rnd.randint(0, 70)])
                r.hset("h", f, v)
                model[f.encode()] = v.encode()
            else:
                assert r.hdel("h", f) == (1 if model.pop(f.encode(), None) is not None else 0)
        assert r.hgetall("h") == model
        assert r.hlen("h") == len(model)
        for f, v in model.items():
            assert r.hget("h", f) == v


# ---------------------------------------------------------------- HRANDFIELD

def make_ten(r, key, big):
    contents = {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "6": "f", "7": "g", "8": "h", "9": "i",
                ("x" * 80 if big else "10"): "j"}
    r.hset(key, mapping=contents)
    assert enc(r, key) == (b"hashtable" if big else b"listpack")
    return {k.encode(): v.encode() for k, v in contents.items()}


@pytest.mark.parametrize("big", [False, True])
def test_hrandfield_single(r, big):
    data = make_ten(r, "h", big)
    seen = set()
    for _ in range(300):
        f = r.hrandfield("h")
        assert f in data
        seen.add(f)
    assert seen == set(data)
    assert r.hrandfield("nokey") is None


@pytest.mark.parametrize("big", [False, True])
def test_hrandfield_counts(r, big):
    data = make_ten(r, "h", big)
    # negative: repetitions allowed, exactly |count| picks
    for n in (1, 20, 1001, 2500):
        res = r.hrandfield("h", -n)
        assert len(res) == n and all(f in data for f in res)
    res = r.execute_command("HRANDFIELD", "h", -1001, "WITHVALUES")
    assert len(res) == 2002
    for f, v in zip(res[::2], res[1::2]):
        assert data[f] == v
    # positive >= size: the whole hash
    for n in (10, 20, LLONG_MAX):
        res = r.hrandfield("h", n)
        assert sorted(res) == sorted(data)
    res = r.execute_command("HRANDFIELD", "h", 20, "WITHVALUES")
    assert dict(zip(res[::2], res[1::2])) == data
    # positive < size: distinct fields (both strategies: 8 and 2 of 10)
    for n in (8, 2, 1):
        for _ in range(50):
            res = r.hrandfield("h", n)
            assert len(res) == n == len(set(res)) and all(f in data for f in res)
            res = r.execute_command("HRANDFIELD", "h", n, "WITHVALUES")
            assert len(res) == 2 * n == 2 * len(set(res[::2]))
            for f, v in zip(res[::2], res[1::2]):
                assert data[f] == v
    assert r.hrandfield("h", 0) == []
    assert r.hrandfield("nokey", 5) == []
    assert r.hrandfield("nokey", -5) == []


@pytest.mark.parametrize("big", [False, True])
def test_hrandfield_distribution(r, big):
    data = make_ten(r, "h", big)
    for res in (r.hrandfield("h", -10000), [f for _ in range(1250) for f in r.hrandfield("h", 8)],
                [f for _ in range(5000) for f in r.hrandfield("h", 2)]):
        counts = {f: 0 for f in data}
        for f in res:
            counts[f] += 1
        expected = len(res) / len(data)
        chi = sum((n - expected) ** 2 / expected for n in counts.values())
        assert chi < 40, counts          # df 9: p < 1e-5


def test_hrandfield_raw_shapes(r, c, c3):
    assert raw_reply(c, "HRANDFIELD", "nokey") == b"$-1\r\n"
    assert raw_reply(c3, "HRANDFIELD", "nokey") == b"_\r\n"
    assert raw_reply(c, "HRANDFIELD", "nokey", "3") == b"*0\r\n"
    assert raw_reply(c3, "HRANDFIELD", "nokey", "-3", "WITHVALUES") == b"*0\r\n"
    c.cmd("HSET", "h", "a", "1")
    assert raw_reply(c, "HRANDFIELD", "h", "0") == b"*0\r\n"
    assert raw_reply(c3, "HRANDFIELD", "h", "0", "WITHVALUES") == b"*0\r\n"
    assert raw_reply(c, "HRANDFIELD", "h") == b"$1\r\na\r\n"
    assert raw_reply(c, "HRANDFIELD", "h", "1") == b"*1\r\n$1\r\na\r\n"
    assert raw_reply(c, "HRANDFIELD", "h", "-2", "WITHVALUES") == b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert raw_reply(c3, "HRANDFIELD", "h", "-2", "WITHVALUES") == \
        b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert raw_reply(c3, "HRANDFIELD", "h", "5", "WITHVALUES") == b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert raw_reply(c3, "HRANDFIELD", "h", "-2") == b"*2\r\n$1\r\na\r\n$1\r\na\r\n"
    # RESP3 nesting for every strategy and both encodings
    for big in (False, True):
        c.cmd("DEL", "t")
        make_ten(r, "t", big)
        for n in (-3, 3, 8, 10, 20):
            res = c3.cmd("HRANDFIELD", "t", str(n), "WITHVALUES")
            assert len(res) == min(abs(n), 10) if n > 0 else abs(n)
            assert all(isinstance(p, list) and len(p) == 2 for p in res)
            res = c3.cmd("HRANDFIELD", "t", str(n))
            assert all(isinstance(f, bytes) for f in res)


def test_hrandfield_errors(c):
    c.cmd("HSET", "h", "a", "1")
    assert c.cmd("HRANDFIELD", "h", "-9223372036854770000", "WITHVALUES") == ERR_RANGE
    assert c.cmd("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES") == ERR_RANGE
    assert c.cmd("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES") == ERR_RANGE
    assert c.cmd("HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES") == ERR_LONG_RANGE
    assert c.cmd("HRANDFIELD", "h", "-9223372036854775808") == ERR_LONG_RANGE
    assert c.cmd("HRANDFIELD", "h", "9223372036854775808") == ERR_NOT_INT
    assert c.cmd("HRANDFIELD", "h", "x") == ERR_NOT_INT
    assert c.cmd("HRANDFIELD", "h", "1.5") == ERR_NOT_INT
    assert c.cmd("HRANDFIELD", "h", "1", "WITHVALUE") == ERR_SYNTAX
    assert c.cmd("HRANDFIELD", "h", "1", "WITHVALUES", "x") == ERR_SYNTAX
    # argument errors come before the key lookup
    assert c.cmd("HRANDFIELD", "nokey", "x") == ERR_NOT_INT
    assert c.cmd("HRANDFIELD", "nokey", "1", "foo") == ERR_SYNTAX
    assert len(c.cmd("HRANDFIELD", "h", "4611686018427387903", "WITHVALUES")) == 2
    assert len(c.cmd("HRANDFIELD", "h", "-100000")) == 100000


# ---------------------------------------------------------------- HSCAN

def scan_all(r, key, **kw):
    cursor, out, calls = 0, {}, 0
    while True:
        cursor, items = r.hscan(key, cursor, **kw)
        out.update(items)
        calls += 1
        if cursor == 0:
            return out, calls


def test_hscan_listpack(r, c):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3", "123": "4", "1x": "5"})
    assert c.cmd("HSCAN", "h", "0") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3", b"123", b"4", b"1x", b"5"]]
    assert c.cmd("HSCAN", "h", "0", "COUNT", "1") == c.cmd("HSCAN", "h", "0")    # COUNT ignored
    assert c.cmd("HSCAN", "h", "999") == c.cmd("HSCAN", "h", "0")                # so is the cursor
    assert c.cmd("HSCAN", "h", "0", "MATCH", "1*") == [b"0", [b"123", b"4", b"1x", b"5"]]
    assert c.cmd("HSCAN", "h", "0", "MATCH", "z*") == [b"0", []]
    assert c.cmd("HSCAN", "h", "0", "MATCH", "*", "COUNT", "100") == c.cmd("HSCAN", "h", "0")


def test_hscan_hashtable(r, c):
    data = big_hash(r, "h", 1000)
    out, calls = scan_all(r, "h")
    assert out == data and calls > 1
    out, _ = scan_all(r, "h", count=1000)
    assert out == data
    out, _ = scan_all(r, "h", match="f1*")
    assert out == {k: v for k, v in data.items() if k.startswith(b"f1")}
    cursor, items = c.cmd("HSCAN", "h", "0", "COUNT", "5")
    assert len(items) % 2 == 0 and 0 < len(items) and cursor != b"0"
    # a huge COUNT returns everything at once
    cursor, items = c.cmd("HSCAN", "h", "0", "COUNT", str(LLONG_MAX))
    assert cursor == b"0" and len(items) == 2000


def test_hscan_errors(r, c):
    assert c.cmd("HSCAN", "nokey", "0") == [b"0", []]
    # options are parsed after the lookup: a missing key answers an empty scan
    assert c.cmd("HSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]
    assert c.cmd("HSCAN", "nokey", "x") == b"ERR invalid cursor"
    r.hset("h", "a", "1")
    assert c.cmd("HSCAN", "h", "x") == b"ERR invalid cursor"
    assert c.cmd("HSCAN", "h", "-1") == [b"0", [b"a", b"1"]]       # strtoul reads it
    assert c.cmd("HSCAN", "h", "0", "COUNT", "0") == ERR_SYNTAX
    assert c.cmd("HSCAN", "h", "0", "COUNT", "x") == ERR_NOT_INT
    assert c.cmd("HSCAN", "h", "0", "COUNT") == ERR_SYNTAX
    assert c.cmd("HSCAN", "h", "0", "MATCH") == ERR_SYNTAX
    assert c.cmd("HSCAN", "h", "0", "TYPE", "string") == ERR_SYNTAX
    assert c.cmd("HSCAN", "h", "18446744073709551615") == [b"0", [b"a", b"1"]]
    assert c.cmd("HSCAN", "h", "18446744073709551616") == b"ERR invalid cursor"


# ---------------------------------------------------------------- wrong type

def test_wrongtype(c):
    c.cmd("SET", "s", "x")
    for args in (("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"),
                 ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"),
                 ("HEXISTS", "s", "a"), ("HSTRLEN", "s", "a"), ("HKEYS", "s"), ("HVALS", "s"),
                 ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"),
                 ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HRANDFIELD", "s", "-2", "WITHVALUES"),
                 ("HSCAN", "s", "0")):
        assert c.cmd(*args) == ERR_WRONGTYPE, args
    assert c.cmd("GET", "s") == b"x"
    c.cmd("HSET", "h", "a", "1")
    assert c.cmd("GET", "h") == ERR_WRONGTYPE
    assert c.cmd("INCR", "h") == ERR_WRONGTYPE


# ---------------------------------------------------------------- keyspace integration

@pytest.mark.parametrize("big", [False, True])
def test_copy(r, big):
    data = make_ten(r, "h", big)
    assert r.copy("h", "h2") is True
    assert r.hgetall("h2") == data
    assert enc(r, "h2") == enc(r, "h")
    r.hset("h2", "a", "changed")
    assert r.hget("h", "a") == b"1"                  # a deep copy
    r.hdel("h", "b")
    assert r.hget("h2", "b") == b"2"


def test_rename_move_expire(r):
    r.hset("h", mapping={"a": 1})
    r.rename("h", "h2")
    assert r.hgetall("h2") == {b"a": b"1"}
    r.expire("h2", 100)
    r.hset("h2", "b", 2)
    assert 0 < r.ttl("h2") <= 100                     # writes keep the TTL
    assert r.move("h2", 1) is True
    r.execute_command("SELECT", 1)
    assert r.hlen("h2") == 2
    r.flushall()


# Redis 7.0.15's DUMP of the hash test_dump_listpack_bytes builds: a listpack with
# entries of every size class (small/13-bit/64-bit integers, empty, short and 200-byte
# strings), a deleted and re-added field and replaced values of other encodings.
REDIS_LISTPACK_DUMP = bytes.fromhex(
    "10c34055411918190100001200816102c12c028163028373747204816e02f4ff80000c7f098165028001817302"
    "e0c878e0be001f01ca816602f100100381670283332e3504f2c063ff0483303037048162028561056761696e06"
    "ff0a004b8675ad29757f39")




def test_dump_listpack_bytes(r, small_config):
    """A listpack hash dumps as the very bytes Redis writes (Vesper keeps small hashes
    in another form in memory and builds the listpack on save), and loads back."""
    r.config_set("hash-max-listpack-value", 300)
    r.hset("d", mapping={"a": "1", "b": "hello", "c": "-17", "n": "9223372036854775807", "e": "",
                         "s": "x" * 200, "f": "4096", "g": "3.5", "-40000": "007"})
    r.hdel("d", "b")
    r.hset("d", mapping={"a": "300", "c": "str", "b": "again"})
    assert enc(r, "d") == b"listpack"
    assert r.dump("d") == REDIS_LISTPACK_DUMP
    assert r.restore("d2", 0, REDIS_LISTPACK_DUMP)
    assert r.hgetall("d2") == r.hgetall("d") and enc(r, "d2") == b"listpack"
    assert r.dump("d2") == REDIS_LISTPACK_DUMP


@pytest.mark.parametrize("sanitize", ["no", "yes"])
def test_restore_keeps_listpack_entry_bytes(r, sanitize):
    """A listpack may hold "12" as a string entry (Redis would store the integer);
    Redis accepts it, finds it as field 12 and dumps it back unchanged."""
    lp = bytes([14, 0, 0, 0, 2, 0, 0x82, ord("1"), ord("2"), 3, 0x81, ord("v"), 2, 0xff])
    body = bytes([0x10, len(lp)]) + lp + bytes([10, 0])
    payload = body + crc64_jones(body).to_bytes(8, "little")
    r.config_set("sanitize-dump-payload", sanitize)
    try:
        assert r.restore("k", 0, payload)
        assert r.hget("k", "12") == b"v" and r.hlen("k") == 1
        assert r.dump("k") == payload
        r.hset("k", "x", "y")
        assert r.hgetall("k") == {b"12": b"v", b"x": b"y"}
        assert r.dump("k").hex() == "101414000000040082313203817602817802817902ff0a00c204372bdbff4846"
    finally:
        r.config_set("sanitize-dump-payload", "no")


def test_memory_usage(r):
    r.hset("small", mapping={"a": "1", "b": "2"})
    big_hash(r, "big", 2000)
    small = r.memory_usage("small")
    big = r.memory_usage("big")
    assert small > 0 and big > 2000 * 10
    assert r.memory_usage("big", samples=0) > 2000 * 10
    assert r.memory_usage("big", samples=10) > 2000 * 10


def test_debug_digest(spawn):
    srv = spawn("--enable-debug-command", "yes")
    r = srv.client()
    r.hset("lp", mapping={"a": "1", "b": "hello", "c": "-17"})
    r.config_set("hash-max-listpack-entries", 0)
    r.hset("ht", mapping={"c": "-17", "a": "1", "b": "hello"})
    assert enc(r, "lp") == b"listpack" and enc(r, "ht") == b"hashtable"
    d = r.execute_command("DEBUG", "DIGEST-VALUE", "lp", "ht")
    # the same content digests the same in either encoding (Redis's algorithm)
    assert d[0] == d[1] == b"72a8377118d8913407298caad67682ab1d3fa7d9"
    r.hset("ht", "a", "2")
    assert r.execute_command("DEBUG", "DIGEST-VALUE", "ht")[0] != d[0]
    r.close()


def test_debug_object(spawn):
    srv = spawn("--enable-debug-command", "yes")
    conn = srv.raw()
    conn.cmd("HSET", "h", "a", "1")
    assert b" encoding:listpack " in conn.cmd("DEBUG", "OBJECT", "h")
    conn.cmd("HSET", "h", "foo", "a" * 1024)
    assert b" encoding:hashtable " in conn.cmd("DEBUG", "OBJECT", "h")
    conn.close()


# ---------------------------------------------------------------- hostile inputs

def test_value_over_proto_limit(spawn):
    srv = spawn("--proto-max-bulk-len", "1mb")
    conn = srv.raw()
    # the bulk header alone is refused (sending the payload too could race the close)
    conn.send(b"*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1048577\r\n")
    reply = conn.read_reply()
    assert reply == b"ERR Protocol error: invalid bulk length"
    assert conn.is_closed()
    r = srv.client()
    assert r.exists("h") == 0
    r.hset("h", "f", b"y" * (1024 * 1024))           # exactly the limit is accepted
    assert r.hstrlen("h", "f") == 1024 * 1024
    assert enc(r, "h") == b"hashtable"
    r.close()


def test_large_fields_and_values(r):
    big = b"v" * (2 * 1024 * 1024)
    r.hset("h", "f" * 70000, big)
    assert r.hget("h", "f" * 70000) == big
    assert r.hstrlen("h", "f" * 70000) == len(big)
    assert r.hincrbyfloat("h", "n", 1) == 1.0
    r.hdel("h", "f" * 70000)
    assert r.hgetall("h") == {b"n": b"1"}
