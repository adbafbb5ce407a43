"""Sorted-set commands: ZADD (NX/XX/GT/LT/CH/INCR), ZINCRBY, ZSCORE, ZMSCORE, ZCARD,
ZCOUNT, ZLEXCOUNT, ZRANK/ZREVRANK, the ZRANGE family (BYSCORE/BYLEX/REV/LIMIT/
WITHSCORES, ZRANGESTORE and the older forms), ZREM and ZREMRANGEBY*, ZUNION/ZINTER/
ZDIFF and their STORE forms (WEIGHTS, AGGREGATE), ZINTERCARD, ZPOPMIN/ZPOPMAX/ZMPOP,
the blocking BZPOPMIN/BZPOPMAX/BZMPOP across clients, ZRANDMEMBER and ZSCAN; the
listpack and skiplist encodings and when they convert; score parsing and formatting
(RESP2 "%.17g" bulk strings, RESP3 doubles); COPY, DUMP/RESTORE, DEBUG DIGEST-VALUE,
DEBUG RELOAD; hostile inputs. Replies, encodings and error texts are Redis 7.0.15's
(these tests pass against redis-server 7.0.15 with VESPER_SERVER=/usr/bin/redis-server)."""
import random
import time

import pytest

from conftest import encode_command

LONG_MAX = 9223372036854775807

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_NOT_FLOAT = b"ERR value is not a valid float"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_NAN = b"ERR resulting score is not a number (NaN)"
ERR_MINMAX = b"ERR min or max is not a float"
ERR_LEX = b"ERR min or max not valid string range item"
ERR_POSITIVE = b"ERR value is out of range, must be positive"
ERR_XX_NX = b"ERR XX and NX options at the same time are not compatible"
ERR_GT_LT_NX = b"ERR GT, LT, and/or NX options at the same time are not compatible"
ERR_INCR_PAIR = b"ERR INCR option supports a single increment-element pair"
ERR_WEIGHT = b"ERR weight value is not a float"
ERR_NUMKEYS = b"ERR numkeys should be greater than 0"
ERR_COUNT = b"ERR count should be greater than 0"
ERR_LIMIT_RANK = b"ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
ERR_WITHSCORES_LEX = b"ERR syntax error, WITHSCORES not supported in combination with BYLEX"
ERR_TIMEOUT = b"ERR timeout is not a float or out of range"
ERR_TIMEOUT_NEG = b"ERR timeout is negative"


def arity_err(cmd):
    return b"ERR wrong number of arguments for '%s' command" % cmd.encode()


def need_keys(cmd):
    return b"ERR at least 1 input key is needed for '%s' command" % cmd.encode()


@pytest.fixture
def c(raw):
    """A raw RESP2 connection: replies parsed, errors kept byte for byte."""
    return raw()


@pytest.fixture
def c3(raw):
    """A raw RESP3 connection."""
    conn = raw()
    assert isinstance(conn.cmd("HELLO", "3"), dict)
    return conn


@pytest.fixture
def cfg(r):
    """Restores the zset directives a test changes."""
    yield r
    r.config_set("zset-max-listpack-entries", 128)
    r.config_set("zset-max-listpack-value", 64)


def enc(r, key):
    return r.object("encoding", key)


def raw_reply(conn, *args):
    conn.send(encode_command(*args))
    return conn.read_raw_reply()


def skiplist(r, key, pairs):
    """Creates key as a skiplist-encoded sorted set holding pairs (score, member)."""
    old = r.config_get("zset-max-listpack-entries")["zset-max-listpack-entries"]
    r.config_set("zset-max-listpack-entries", 0)
    r.delete(key)
    for score, member in pairs:
        r.zadd(key, {member: score})
    r.config_set("zset-max-listpack-entries", old)
    assert enc(r, key) == b"skiplist"


def both(r, key, pairs):
    """The same content as listpack at key+':lp' and skiplist at key+':sl'."""
    r.delete(key + ":lp")
    for score, member in pairs:
        r.zadd(key + ":lp", {member: score})
    assert enc(r, key + ":lp") == b"listpack"
    skiplist(r, key + ":sl", pairs)
    return [key + ":lp", key + ":sl"]


def wait_blocked(r, n, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == n:
            return
        time.sleep(0.01)
    raise AssertionError("blocked_clients never reached %d" % n)


DEFAULT = [("-inf", "a"), (1, "b"), (2, "c"), (3, "d"), (4, "e"), (5, "f"), ("+inf", "g")]
LEX = [(0, m) for m in ("alpha", "bar", "cool", "down", "elephant", "foo", "great", "hill", "omega")]


# ---------------------------------------------------------------- ZADD

def test_zadd_basic_and_update(r):
    for k in both(r, "z", [(10, "x"), (20, "y"), (30, "z")]):
        assert r.zrange(k, 0, -1) == [b"x", b"y", b"z"]
        assert r.zadd(k, {"y": 1}) == 0
        assert r.zrange(k, 0, -1) == [b"y", b"x", b"z"]
        assert r.zadd(k, {"w": 5, "x": 10, "v": 40}) == 2
        assert r.zrange(k, 0, -1, withscores=True) == [(b"y", 1), (b"w", 5), (b"x", 10), (b"z", 30), (b"v", 40)]
        assert r.zcard(k) == 5


def test_zadd_options(r, c):
    for k in both(r, "z", [(10, "x"), (20, "y"), (30, "z")]):
        assert c.cmd("ZADD", k, "XX", 5, "foo", 11, "x", 21, "y", 40, "zap") == 0
        assert r.zcard(k) == 3 and r.zscore(k, "x") == 11
        assert c.cmd("ZADD", k, "NX", 1, "x", 100, "a") == 1
        assert r.zscore(k, "x") == 11 and r.zscore(k, "a") == 100
        assert c.cmd("ZADD", k, "GT", "CH", 5, "foo", 12, "x", 20, "y", 29, "z") == 2
        assert (r.zscore(k, "x"), r.zscore(k, "y"), r.zscore(k, "z")) == (12, 21, 30)
        assert c.cmd("ZADD", k, "LT", "CH", 13, "x", 20, "y", 31, "z") == 1
        assert (r.zscore(k, "x"), r.zscore(k, "y"), r.zscore(k, "z")) == (12, 20, 30)
        assert c.cmd("ZADD", k, "GT", "XX", "CH", 50, "x", 50, "new") == 1
        assert r.zscore(k, "new") is None
        assert c.cmd("ZADD", k, "CH", 50, "x", 1, "y", 2, "q") == 2
        assert c.cmd("ZADD", k, "ch", "xx", "gt", 0, "x") == 0


def test_zadd_option_errors(r, c):
    r.zadd("z", {"a": 1})
    assert c.cmd("ZADD", "z", "XX", "NX", 1, "a") == ERR_XX_NX
    assert c.cmd("ZADD", "z", "GT", "NX", 1, "a") == ERR_GT_LT_NX
    assert c.cmd("ZADD", "z", "LT", "NX", 1, "a") == ERR_GT_LT_NX
    assert c.cmd("ZADD", "z", "LT", "GT", 1, "a") == ERR_GT_LT_NX
    assert c.cmd("ZADD", "z", "INCR", 1, "a", 2, "b") == ERR_INCR_PAIR
    assert c.cmd("ZADD", "z", "XX", 10, "x", 20) == ERR_SYNTAX
    assert c.cmd("ZADD", "z", "NX", "XX") == ERR_SYNTAX       # options only: no pairs
    assert c.cmd("ZADD", "z", 1) == arity_err("zadd")
    assert c.cmd("ZADD", "z", "XX", "NX", 1) == ERR_SYNTAX    # the pair count first
    assert c.cmd("ZADD", "z", "XX", "NX", "x", "a") == ERR_XX_NX  # conflicts before scores
    # scores are parsed before the key is looked up, and all before anything is added
    r.set("s", "x")
    assert c.cmd("ZADD", "s", "nan", "a") == ERR_NOT_FLOAT
    assert c.cmd("ZADD", "s", 1, "a") == ERR_WRONGTYPE
    r.delete("z")
    assert c.cmd("ZADD", "z", 10, "a", 20, "b", "30.badscore", "c") == ERR_NOT_FLOAT
    assert r.exists("z") == 0


def test_zadd_xx_missing_key(r, c):
    assert c.cmd("ZADD", "z", "XX", 10, "x") == 0
    assert c.cmd("ZADD", "z", "XX", "INCR", 10, "x") is None
    assert r.exists("z") == 0
    assert r.type("z") == b"none"


def test_zadd_incr(r, c, c3):
    for k in both(r, "z", [(10, "x"), (20, "y")]):
        assert c.cmd("ZADD", k, "INCR", 15, "x") == b"25"
        assert c.cmd("ZADD", k, "INCR", "1.5", "new") == b"1.5"
        assert c.cmd("ZADD", k, "NX", "INCR", 1, "x") is None
        assert c.cmd("ZADD", k, "XX", "INCR", 1, "nosuch") is None
        assert c.cmd("ZADD", k, "LT", "INCR", 1, "x") is None
        assert c.cmd("ZADD", k, "GT", "INCR", -1, "x") is None
        assert c.cmd("ZADD", k, "GT", "INCR", 1, "x") == b"26"
        assert r.zscore(k, "x") == 26
        assert c3.cmd("ZADD", k, "INCR", "0.25", "x") == 26.25
        assert raw_reply(c3, "ZADD", k, "INCR", 0, "x") == b",26.25\r\n"
        assert raw_reply(c3, "ZADD", k, "XX", "INCR", 1, "nosuch") == b"_\r\n"


def test_zadd_incr_lt_gt_with_inf(r, c):
    for k in both(r, "z", [("+inf", "x"), ("-inf", "y")]):
        for m, s in (("x", b"inf"), ("y", b"-inf")):
            for opt, inc in (("LT", 1), ("GT", -1), ("LT", -1), ("GT", 1)):
                assert c.cmd("ZADD", k, opt, "INCR", inc, m) is None
                assert r.zscore(k, m) == float(s)


def test_zadd_nan_and_inf(r, c):
    for k in both(r, "z", [(1, "a")]):
        assert c.cmd("ZADD", k, "nan", "x") == ERR_NOT_FLOAT
        assert c.cmd("ZINCRBY", k, "nan", "a") == ERR_NOT_FLOAT
        assert c.cmd("ZINCRBY", k, "+inf", "i") == b"inf"
        assert c.cmd("ZINCRBY", k, "-inf", "i") == ERR_NAN
        assert c.cmd("ZADD", k, "INCR", "-inf", "i") == ERR_NAN
        assert r.zscore(k, "i") == float("inf")
        assert c.cmd("ZINCRBY", k, "+inf", "i") == b"inf"


@pytest.mark.parametrize("score,ok", [
    ("", False), (" 1", False), ("1 ", False), ("1e400", False), ("-1e400", False), ("nan", False),
    ("NaN", False), ("1.5.2", False), ("0x10", True), ("1e-300", True), ("+inf", True), ("-INF", True),
    ("infinity", True), ("+5", True), ("-0", True), ("1E3", True), (".5", True), ("5.", True),
])
def test_zadd_score_parsing(r, c, score, ok):
    reply = c.cmd("ZADD", "z", score, "m")
    if ok:
        assert reply == 1
        assert r.zscore("z", "m") == float(score.replace("0x10", "16"))
    else:
        assert reply == ERR_NOT_FLOAT
        assert r.exists("z") == 0


def test_zincrby(r, c):
    for k in both(r, "z", [(1, "a")]):
        assert c.cmd("ZINCRBY", k, 2, "foo") == b"2"
        assert c.cmd("ZINCRBY", k, 1, "bar") == b"1"
        assert r.zrange(k, 0, -1) == [b"a", b"bar", b"foo"]
        assert c.cmd("ZINCRBY", k, 10, "bar") == b"11"
        assert c.cmd("ZINCRBY", k, -5, "foo") == b"-3"
        assert c.cmd("ZINCRBY", k, "1.1", "a") == b"2.1000000000000001"
        assert r.zrange(k, 0, -1) == [b"foo", b"a", b"bar"]
    assert c.cmd("ZINCRBY", "new", "1.0", "x") == b"1"
    assert c.cmd("ZINCRBY", "new", "x", "x") == ERR_NOT_FLOAT
    assert c.cmd("ZINCRBY", "new", 1, "a", 2) == arity_err("zincrby")
    r.set("s", "v")
    assert c.cmd("ZINCRBY", "s", 1, "a") == ERR_WRONGTYPE


# ---------------------------------------------------------------- score formatting

SCORES = [
    ("1", b"1", b",1"), ("-1", b"-1", b",-1"), ("1.5", b"1.5", b",1.5"),
    ("0.1", b"0.10000000000000001", b",0.10000000000000001"),
    ("1.1", b"1.1000000000000001", b",1.1000000000000001"),
    ("3.14159", b"3.1415899999999999", b",3.1415899999999999"),
    ("1e20", b"1e+20", b",1e+20"), ("123456789012345678", b"1.2345678901234568e+17", b",1.2345678901234568e+17"),
    ("4503599627370497", b"4503599627370497", b",4503599627370497"),
    ("9007199254740993", b"9007199254740992", b",9007199254740992"),
    ("1e-7", b"9.9999999999999995e-08", b",9.9999999999999995e-08"),
    ("+inf", b"inf", b",inf"), ("-inf", b"-inf", b",-inf"),
    ("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00000000000000000",
     b"1.7976931348623157e+308", b",1.7976931348623157e+308"),
]


@pytest.mark.parametrize("score,text,resp3", SCORES)
def test_score_formatting(r, c, c3, score, text, resp3):
    for k in both(r, "z", [(score, "m")]):
        assert raw_reply(c, "ZSCORE", k, "m") == b"$%d\r\n%s\r\n" % (len(text), text)
        assert raw_reply(c3, "ZSCORE", k, "m") == resp3 + b"\r\n"
        assert c.cmd("ZRANGE", k, 0, -1, "WITHSCORES") == [b"m", text]


def test_negative_zero(r, c):
    """-0 keeps its sign in a skiplist; a listpack stores it as the integer 0."""
    lp, sl = both(r, "z", [("-0", "m")])
    assert c.cmd("ZSCORE", lp, "m") == b"0"
    assert c.cmd("ZSCORE", sl, "m") == b"-0"
    assert c.cmd("ZSCAN", sl, 0) == [b"0", [b"m", b"-0"]]
    assert c.cmd("ZSCAN", lp, 0) == [b"0", [b"m", b"0"]]


# ---------------------------------------------------------------- single-member reads

def test_zscore_zmscore(r, c, c3):
    for k in both(r, "z", [(10, "x"), (20, "y")]):
        assert c.cmd("ZSCORE", k, "x") == b"10"
        assert c.cmd("ZSCORE", k, "nosuch") is None
        assert c.cmd("ZMSCORE", k, "x", "nosuch", "y") == [b"10", None, b"20"]
        assert raw_reply(c3, "ZMSCORE", k, "x", "nosuch") == b"*2\r\n,10\r\n_\r\n"
    assert c.cmd("ZSCORE", "nokey", "x") is None
    assert raw_reply(c3, "ZSCORE", "nokey", "x") == b"_\r\n"
    assert c.cmd("ZMSCORE", "nokey", "x", "y") == [None, None]
    assert raw_reply(c, "ZMSCORE", "nokey", "x") == b"*1\r\n$-1\r\n"
    assert c.cmd("ZMSCORE", "z:lp") == arity_err("zmscore")


def test_zcard(r, c):
    for k in both(r, "z", [(10, "a"), (20, "b"), (30, "c")]):
        assert c.cmd("ZCARD", k) == 3
    assert c.cmd("ZCARD", "nokey") == 0


def test_zrank_zrevrank(r, c, c3):
    for k in both(r, "z", [(10, "x"), (20, "y"), (30, "z")]):
        assert [c.cmd("ZRANK", k, m) for m in "xyz"] == [0, 1, 2]
        assert [c.cmd("ZREVRANK", k, m) for m in "xyz"] == [2, 1, 0]
        assert c.cmd("ZRANK", k, "foo") is None
        assert raw_reply(c3, "ZREVRANK", k, "foo") == b"_\r\n"
        r.zrem(k, "y")
        assert (c.cmd("ZRANK", k, "x"), c.cmd("ZRANK", k, "z")) == (0, 1)
    assert c.cmd("ZRANK", "nokey", "x") is None
    assert c.cmd("ZRANK", "z:lp", "x", "y") == arity_err("zrank")


def test_wrongtype_everywhere(r, c):
    r.set("s", "x")
    r.zadd("z", {"a": 1})
    for args in (("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"), ("ZCARD", "s"), ("ZRANK", "s", "a"),
                 ("ZREVRANK", "s", "a"), ("ZCOUNT", "s", 0, 1), ("ZLEXCOUNT", "s", "-", "+"),
                 ("ZRANGE", "s", 0, -1), ("ZRANGEBYSCORE", "s", 0, 1), ("ZRANGEBYLEX", "s", "-", "+"),
                 ("ZREVRANGE", "s", 0, 1), ("ZREM", "s", "a"), ("ZREMRANGEBYRANK", "s", 0, 1),
                 ("ZREMRANGEBYSCORE", "s", 0, 1), ("ZREMRANGEBYLEX", "s", "-", "+"), ("ZPOPMIN", "s"),
                 ("ZPOPMAX", "s", 2), ("ZPOPMIN", "s", 0), ("ZMPOP", 2, "nokey", "s", "MIN"),
                 ("ZRANDMEMBER", "s"), ("ZRANDMEMBER", "s", 2), ("ZSCAN", "s", 0), ("ZADD", "s", 1, "a"),
                 ("ZINCRBY", "s", 1, "a"), ("ZUNION", 2, "z", "s"), ("ZINTER", 2, "s", "z"),
                 ("ZDIFF", 2, "z", "s"), ("ZINTERCARD", 2, "z", "s"), ("ZUNIONSTORE", "d", 2, "z", "s"),
                 ("ZRANGESTORE", "d", "s", 0, -1), ("BZPOPMIN", "s", 1), ("BZMPOP", 1, 1, "s", "MAX")):
        assert c.cmd(*args) == ERR_WRONGTYPE, args
    assert r.exists("d") == 0


# ---------------------------------------------------------------- ZRANGE by rank

def test_zrange_by_rank(r, c):
    for k in both(r, "z", [(1, "a"), (2, "b"), (3, "c"), (4, "d")]):
        cases = [((0, -1), "abcd"), ((0, -2), "abc"), ((1, -1), "bcd"), ((1, -2), "bc"), ((-2, -1), "cd"),
                 ((-2, -2), "c"), ((-5, 2), "abc"), ((-5, 1), "ab"), ((5, -1), ""), ((5, -2), ""),
                 ((0, 5), "abcd"), ((1, 5), "bcd"), ((0, -5), ""), ((1, -5), ""), ((2, 1), "")]
        for (start, stop), want in cases:
            assert r.zrange(k, start, stop) == [m.encode() for m in want], (start, stop)
            assert r.zrevrange(k, start, stop) == c.cmd("ZRANGE", k, start, stop, "REV")
        assert c.cmd("ZRANGE", k, 0, -1, "WITHSCORES") == [b"a", b"1", b"b", b"2", b"c", b"3", b"d", b"4"]
        assert c.cmd("ZREVRANGE", k, 0, -1, "WITHSCORES") == [b"d", b"4", b"c", b"3", b"b", b"2", b"a", b"1"]
        assert c.cmd("ZRANGE", k, 1, 2, "REV", "WITHSCORES") == [b"c", b"3", b"b", b"2"]
        assert c.cmd("ZREVRANGE", k, -2, -1) == [b"b", b"a"]


def test_zrange_resp_shapes(r, c, c3):
    for k in both(r, "z", [(1, "a"), (2.5, "b")]):
        assert raw_reply(c, "ZRANGE", k, 0, -1, "WITHSCORES") == b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
        assert raw_reply(c3, "ZRANGE", k, 0, -1, "WITHSCORES") == b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
        assert raw_reply(c3, "ZRANGE", k, 0, -1) == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
        assert raw_reply(c3, "ZRANGEBYSCORE", k, "-inf", "+inf", "WITHSCORES") == \
            b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
        assert raw_reply(c, "ZRANGE", k, 5, 10) == b"*0\r\n"
        assert raw_reply(c, "ZRANGEBYSCORE", k, 5, 10, "WITHSCORES") == b"*0\r\n"
    assert raw_reply(c, "ZRANGE", "nokey", 0, -1, "WITHSCORES") == b"*0\r\n"
    assert raw_reply(c3, "ZRANGE", "nokey", 0, -1) == b"*0\r\n"


def test_zrange_integer_members(r, c):
    for k in both(r, "z", [(1, "1"), (2, "-20"), (3, "9223372036854775807"), (4, "007"), (5, "1.5")]):
        assert c.cmd("ZRANGE", k, 0, -1) == [b"1", b"-20", b"9223372036854775807", b"007", b"1.5"]
        assert c.cmd("ZSCORE", k, "-20") == b"2"
        assert c.cmd("ZRANK", k, "007") == 3
        assert c.cmd("ZRANK", k, "7") is None


# ---------------------------------------------------------------- ZRANGE by score

def test_zrangebyscore_basics(r, c):
    for k in both(r, "z", DEFAULT):
        def by(a, b, rev=False):
            return [x.decode() for x in c.cmd("ZREVRANGEBYSCORE" if rev else "ZRANGEBYSCORE", k, a, b)]
        assert by("-inf", 2) == list("abc") and by(0, 3) == list("bcd") and by(3, 6) == list("def")
        assert by(4, "+inf") == list("efg") and by(2, "-inf", True) == list("cba")
        assert by(3, 0, True) == list("dcb") and by(6, 3, True) == list("fed") and by("+inf", 4, True) == list("gfe")
        assert by("(-inf", "(2") == ["b"] and by("(0", "(3") == list("bc") and by("(3", "(6") == list("ef")
        assert by("(4", "(+inf") == ["f"] and by("(2", "(-inf", True) == ["b"] and by("(3", "(0", True) == list("cb")
        assert by("(6", "(3", True) == list("fe") and by("(+inf", "(4", True) == ["f"]
        assert c.cmd("ZCOUNT", k, 0, 3) == 3 and c.cmd("ZCOUNT", k, "(0", "(3") == 2
        assert c.cmd("ZCOUNT", k, "-inf", "+inf") == 7
        for a, b in ((4, 2), (2, "(2"), ("(2", 2), ("(4", "(2"), ("2.4", "2.6"), ("(2.4", "(2.6"), (10, 20), (-20, -10)):
            assert by(a, b) == [] and c.cmd("ZCOUNT", k, a, b) == 0


def test_zrangebyscore_limit_withscores(r, c):
    for k in both(r, "z", DEFAULT):
        def q(*args):
            return [x.decode() for x in c.cmd(*args)]
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", 0, 2) == list("bc")
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", 2, 3) == list("def")
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", 2, 10) == list("def")
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", 20, 10) == []
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", 1, 0) == []
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", 1, -1) == list("cdef")
        assert q("ZRANGEBYSCORE", k, 0, 10, "LIMIT", -1, 2) == []
        assert q("ZRANGEBYSCORE", k, "-inf", "+inf", "LIMIT", 0, LONG_MAX) == list("abcdefg")
        assert q("ZRANGEBYSCORE", k, "-inf", "+inf", "LIMIT", LONG_MAX, 1) == []
        assert q("ZRANGEBYSCORE", k, "-inf", "+inf", "LIMIT", -LONG_MAX - 1, 1) == []
        assert q("ZREVRANGEBYSCORE", k, 10, 0, "LIMIT", 0, 2) == list("fe")
        assert q("ZREVRANGEBYSCORE", k, 10, 0, "LIMIT", 2, 3) == list("dcb")
        assert q("ZRANGEBYSCORE", k, 2, 5, "LIMIT", 2, 3, "WITHSCORES") == ["e", "4", "f", "5"]
        assert q("ZREVRANGEBYSCORE", k, 5, 2, "WITHSCORES", "LIMIT", 2, 3) == ["d", "3", "c", "2"]
        assert q("ZRANGE", k, 5, 0, "BYSCORE", "REV", "LIMIT", 0, 2, "WITHSCORES") == ["f", "5", "e", "4"]
        assert q("ZRANGE", k, "(1", 3, "BYSCORE", "LIMIT", 0, 1) == ["c"]


def test_zrangebyscore_range_parsing(r, c):
    """The ends are read with strtod as Redis does: leading spaces, "" and "(" (0)."""
    r.zadd("z", {"neg": -1, "zero": 0, "one": 1})
    assert c.cmd("ZRANGEBYSCORE", "z", "", 0) == [b"zero"]
    assert c.cmd("ZRANGEBYSCORE", "z", "(", 1) == [b"one"]
    assert c.cmd("ZRANGEBYSCORE", "z", " 1", "  2") == [b"one"]
    assert c.cmd("ZRANGEBYSCORE", "z", "-1e400", "1e400") == [b"neg", b"zero", b"one"]
    assert c.cmd("ZRANGEBYSCORE", "z", "0x1", "0x1") == [b"one"]
    for bad in ("str", "nan", "(nan", "1 ", "((1", "1.5.2"):
        assert c.cmd("ZRANGEBYSCORE", "z", bad, 1) == ERR_MINMAX, bad
        assert c.cmd("ZRANGEBYSCORE", "z", 1, bad) == ERR_MINMAX, bad
        assert c.cmd("ZCOUNT", "z", bad, 1) == ERR_MINMAX
        assert c.cmd("ZREMRANGEBYSCORE", "z", 1, bad) == ERR_MINMAX
    # the range is parsed before the key is looked up
    r.set("s", "x")
    assert c.cmd("ZRANGEBYSCORE", "s", "bad", 1) == ERR_MINMAX
    assert c.cmd("ZCOUNT", "nokey", 0, 1) == 0


# ---------------------------------------------------------------- ZRANGE by lex

def test_zrangebylex_basics(r, c):
    for k in both(r, "z", LEX):
        def q(cmd, a, b, *more):
            return [x.decode() for x in c.cmd(cmd, k, a, b, *more)]
        assert q("ZRANGEBYLEX", "-", "[cool") == ["alpha", "bar", "cool"]
        assert q("ZRANGEBYLEX", "[bar", "[down") == ["bar", "cool", "down"]
        assert q("ZRANGEBYLEX", "[g", "+") == ["great", "hill", "omega"]
        assert q("ZREVRANGEBYLEX", "[cool", "-") == ["cool", "bar", "alpha"]
        assert q("ZREVRANGEBYLEX", "[down", "[bar") == ["down", "cool", "bar"]
        assert q("ZREVRANGEBYLEX", "+", "[d") == ["omega", "hill", "great", "foo", "elephant", "down"]
        assert q("ZRANGEBYLEX", "-", "(cool") == ["alpha", "bar"]
        assert q("ZRANGEBYLEX", "(bar", "(down") == ["cool"]
        assert q("ZRANGEBYLEX", "(great", "+") == ["hill", "omega"]
        assert q("ZREVRANGEBYLEX", "(cool", "-") == ["bar", "alpha"]
        assert q("ZREVRANGEBYLEX", "+", "(great") == ["omega", "hill"]
        for a, b in (("(az", "(b"), ("(z", "+"), ("-", "[aaaa"), ("+", "-"), ("[c", "-"), ("+", "[c"), ("[b", "(b")):
            assert q("ZRANGEBYLEX", a, b) == [] and c.cmd("ZLEXCOUNT", k, a, b) == 0
        assert q("ZREVRANGEBYLEX", "[elez", "[elex") == [] and q("ZREVRANGEBYLEX", "(hill", "(omega") == []
        assert q("ZRANGEBYLEX", "-", "[cool", "LIMIT", 1, 2) == ["bar", "cool"]
        assert q("ZRANGEBYLEX", "[bar", "[down", "LIMIT", 2, 0) == []
        assert q("ZRANGEBYLEX", "[bar", "[down", "LIMIT", 0, 100) == ["bar", "cool", "down"]
        assert q("ZREVRANGEBYLEX", "+", "[d", "LIMIT", 0, 4) == ["omega", "hill", "great", "foo"]
        assert q("ZRANGE", "[bar", "[cool", "BYLEX") == ["bar", "cool"]
        assert q("ZRANGE", "[cool", "[bar", "BYLEX", "REV") == ["cool", "bar"]
        assert [c.cmd("ZLEXCOUNT", k, a, b) for a, b in (("-", "+"), ("[bar", "+"), ("[bar", "[foo"), ("[bar", "(foo"),
                                                          ("(bar", "(foo"), ("-", "(foo"), ("(maxstring", "+"),
                                                          ("[ele", "[h"), ("(ele", "(great"))] == [9, 8, 5, 4, 3, 5, 1, 3, 2]


def test_zrangebylex_errors(r, c):
    r.zadd("z", {"a": 0})
    for a, b in (("foo", "bar"), ("[foo", "bar"), ("foo", "[bar"), ("+x", "[bar"), ("-x", "[bar"), ("", "+"),
                 ("1", "+")):
        assert c.cmd("ZRANGEBYLEX", "z", a, b) == ERR_LEX
        assert c.cmd("ZLEXCOUNT", "z", a, b) == ERR_LEX
        assert c.cmd("ZREMRANGEBYLEX", "z", a, b) == ERR_LEX
        assert c.cmd("ZRANGE", "z", a, b, "BYLEX") == ERR_LEX
    assert c.cmd("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == ERR_WITHSCORES_LEX
    assert c.cmd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == ERR_WITHSCORES_LEX
    assert c.cmd("ZRANGEBYLEX", "z", "\x00", "+") == ERR_LEX


def test_lex_range_mixed_scores_listpack(r, c):
    """With mixed scores a lex range on a listpack answers as Redis's walk does: empty
    unless the last member is at least min and the first at most max."""
    r.zadd("z", {"c": 1, "a": 2})
    assert enc(r, "z") == b"listpack"
    assert c.cmd("ZRANGEBYLEX", "z", "[b", "+") == []
    assert c.cmd("ZLEXCOUNT", "z", "[b", "+") == 0
    assert c.cmd("ZREVRANGEBYLEX", "z", "+", "[b") == []
    assert c.cmd("ZLEXCOUNT", "z", "-", "[b") == 0
    assert c.cmd("ZREMRANGEBYLEX", "z", "[b", "+") == 0
    assert c.cmd("ZRANGEBYLEX", "z", "-", "+") == [b"c", b"a"]


def test_zrange_lex_binary(r, c):
    """Members compare as bytes, a prefix first."""
    members = [b"", b"\x00", b"\x00\x00", b"a", b"a\x00", b"ab", b"b", b"\xff", b"\xff\xff"]
    lp, sl = both(r, "z", [(0, m) for m in members])
    for k in (lp, sl):
        assert c.cmd("ZRANGE", k, 0, -1) == members
        assert c.cmd("ZRANGEBYLEX", k, b"[a", b"(b") == [b"a", b"a\x00", b"ab"]
        assert c.cmd("ZRANGEBYLEX", k, b"(", b"[\x00\x00") == [b"\x00", b"\x00\x00"]
        assert c.cmd("ZLEXCOUNT", k, b"[", b"+") == 9


# ---------------------------------------------------------------- ZRANGE option errors

def test_zrange_option_errors(r, c):
    r.zadd("z", {"a": 1, "b": 2})
    assert c.cmd("ZRANGE", "z", 0, -1, "LIMIT", 1, 2) == ERR_LIMIT_RANK
    assert c.cmd("ZRANGE", "z", 0, -1, "BYLEX", "WITHSCORES") == ERR_WITHSCORES_LEX
    assert c.cmd("ZREVRANGE", "z", 0, -1, "BYSCORE") == ERR_SYNTAX
    assert c.cmd("ZRANGEBYSCORE", "z", 0, -1, "REV") == ERR_SYNTAX
    assert c.cmd("ZRANGE", "z", 0, 1, "BYSCORE", "BYLEX") == ERR_SYNTAX
    assert c.cmd("ZRANGE", "z", 0, 1, "REV", "REV") == ERR_SYNTAX
    assert c.cmd("ZRANGE", "z", 0, 1, "LIMIT", 1) == ERR_SYNTAX
    assert c.cmd("ZRANGE", "z", 0, 1, "BYSCORE", "LIMIT", "a", 1) == ERR_NOT_INT
    assert c.cmd("ZRANGE", "z", 0, 1, "BYSCORE", "LIMIT", 1, "x") == ERR_NOT_INT
    assert c.cmd("ZRANGE", "z", 0, 1, "LIMIT", "a", 1, "foo") == ERR_NOT_INT   # options in order
    assert c.cmd("ZRANGE", "z", "a", 1) == ERR_NOT_INT
    assert c.cmd("ZRANGE", "z", 0, "1.5") == ERR_NOT_INT
    assert c.cmd("ZRANGE", "z", "x", 1, "BYSCORE") == ERR_MINMAX
    assert c.cmd("ZRANGE", "z", 0, 1, "foo") == ERR_SYNTAX
    assert c.cmd("ZRANGE", "z", 0) == arity_err("zrange")
    assert c.cmd("ZRANGE", "nokey", 0, -1, "LIMIT", 0, 1) == ERR_LIMIT_RANK   # before the lookup
    assert c.cmd("ZRANGE", "z", 0, 1, "WITHSCORES", "WITHSCORES") == [b"a", b"1", b"b", b"2"]
    assert c.cmd("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", 0, 1, "LIMIT", 1, 1) == [b"b"]


# ---------------------------------------------------------------- ZREM and range deletes

def test_zrem(r, c):
    for k in both(r, "z", [(10, "a"), (20, "b"), (30, "c")]):
        assert c.cmd("ZREM", k, "x", "y", "a", "b", "k") == 2
        assert c.cmd("ZREM", k, "foo", "bar") == 0
        assert c.cmd("ZREM", k, "c", "c", "d") == 1
        assert r.exists(k) == 0
    assert c.cmd("ZREM", "nokey", "a") == 0
    assert c.cmd("ZREM", "nokey") == arity_err("zrem")


def test_zremrangebyscore(r, c):
    cases = [((2, 4), 3, "ae"), ((-10, 1), 1, "bcde"), ((5, 10), 1, "abcd"), ((4, 2), 0, "abcde"),
             (("-inf", 3), 3, "de"), ((3, "+inf"), 3, "ab"), (("-inf", "+inf"), 5, ""), (("(1", 5), 4, "a"),
             (("(2", 5), 3, "ab"), ((1, "(5"), 4, "e"), ((1, "(4"), 3, "de"), (("(1", "(5"), 3, "ae")]
    for (a, b), n, left in cases:
        for k in both(r, "z", [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]):
            assert c.cmd("ZREMRANGEBYSCORE", k, a, b) == n
            assert r.zrange(k, 0, -1) == [m.encode() for m in left]
            assert r.exists(k) == (1 if left else 0)
    assert c.cmd("ZREMRANGEBYSCORE", "nokey", 0, 1) == 0


def test_zremrangebyrank(r, c):
    cases = [((1, 3), 3, "ae"), ((-10, 0), 1, "bcde"), ((10, -1), 0, "abcde"), ((0, -10), 0, "abcde"),
             ((0, 10), 5, ""), ((-2, -1), 2, "abc"), ((3, 2), 0, "abcde")]
    for (a, b), n, left in cases:
        for k in both(r, "z", [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]):
            assert c.cmd("ZREMRANGEBYRANK", k, a, b) == n
            assert r.zrange(k, 0, -1) == [m.encode() for m in left]
    assert c.cmd("ZREMRANGEBYRANK", "z:lp", "a", 0) == ERR_NOT_INT
    assert c.cmd("ZREMRANGEBYRANK", "nokey", 0, 1) == 0


def test_zremrangebylex(r, c):
    for k in both(r, "z", LEX):
        assert c.cmd("ZREMRANGEBYLEX", k, "[alpha", "[omega") == 9
        assert r.exists(k) == 0
    for k in both(r, "z", LEX):
        assert c.cmd("ZREMRANGEBYLEX", k, "(alpha", "(omega") == 7
        assert r.zrange(k, 0, -1) == [b"alpha", b"omega"]
        assert c.cmd("ZREMRANGEBYLEX", k, "[b", "[c") == 0


# ---------------------------------------------------------------- ZRANGESTORE

def test_zrangestore(r, c, c3):
    r.zadd("z1", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert c.cmd("ZRANGESTORE", "z2", "z1", 0, -1) == 4
    assert r.zrange("z2", 0, -1, withscores=True) == [(b"a", 1), (b"b", 2), (b"c", 3), (b"d", 4)]
    assert raw_reply(c3, "ZRANGE", "z2", 0, 0, "WITHSCORES") == b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
    assert c.cmd("ZRANGESTORE", "z2", "z1", 1, 2) == 2
    assert r.zrange("z2", 0, -1) == [b"b", b"c"]
    assert c.cmd("ZRANGESTORE", "z2", "z1", "[b", "[c", "BYLEX") == 2
    assert c.cmd("ZRANGESTORE", "z2", "z1", 1, 2, "BYSCORE") == 2
    assert r.zrange("z2", 0, -1) == [b"a", b"b"]
    assert c.cmd("ZRANGESTORE", "z2", "z1", 0, 5, "BYSCORE", "LIMIT", 0, 2) == 2
    assert c.cmd("ZRANGESTORE", "z2", "z1", 5, 0, "BYSCORE", "REV", "LIMIT", 0, 2) == 2
    assert r.zrange("z2", 0, -1, withscores=True) == [(b"c", 3), (b"d", 4)]
    assert c.cmd("ZRANGESTORE", "z2", "z1", 0, 1, "REV") == 2
    assert r.zrange("z2", 0, -1) == [b"c", b"d"]
    r.expire("z2", 100)
    assert c.cmd("ZRANGESTORE", "z2", "z1", 0, 0) == 1
    assert r.ttl("z2") == -1                                    # the destination is replaced
    for args in (("missing", 0, -1), ("z1", 5, 6), ("z1", "[f", "[g", "BYLEX"), ("z1", 5, 6, "BYSCORE")):
        r.zadd("z2", {"x": 1})
        assert c.cmd("ZRANGESTORE", "z2", *args) == 0
        assert r.exists("z2") == 0
    r.zadd("z2", {"a": 1})
    r.set("foo", "bar")
    assert c.cmd("ZRANGESTORE", "z2", "foo", 0, -1) == ERR_WRONGTYPE
    assert r.zrange("z2", 0, -1) == [b"a"]
    assert c.cmd("ZRANGESTORE", "z2", "z1", 0, -1, "LIMIT", 1, 2) == ERR_LIMIT_RANK
    assert c.cmd("ZRANGESTORE", "z2", "z1", 0, -1, "WITHSCORES") == ERR_SYNTAX
    assert c.cmd("ZRANGESTORE", "z1", "z1", 1, 2) == 2            # source and destination the same
    assert r.zrange("z1", 0, -1) == [b"b", b"c"]
    r.set("foo", "bar")
    assert c.cmd("ZRANGESTORE", "foo", "z1", 0, -1) == 2          # overwrites another type
    assert r.type("foo") == b"zset"


def test_zrangestore_encodings(r, cfg):
    r.zadd("z1", {"a": 1, "b": 2})
    cfg.config_set("zset-max-listpack-entries", 1)
    assert r.zrangestore("z2", "z1", 0, 0) == 1
    assert enc(r, "z2") == b"listpack"
    assert r.zrangestore("z3", "z1", 0, 1) == 2
    assert enc(r, "z3") == b"skiplist"
    assert r.execute_command("ZRANGESTORE", "z4", "z1", "-inf", "+inf", "BYSCORE") == 2
    assert enc(r, "z4") == b"skiplist"
    cfg.config_set("zset-max-listpack-entries", 0)
    r.delete("z2")
    assert r.zrangestore("z2", "z1", 0, -1) == 2
    assert enc(r, "z2") == b"skiplist"
    cfg.config_set("zset-max-listpack-entries", 128)
    cfg.config_set("zset-max-listpack-value", 1)
    r.zadd("big", {"long-member": 1, "b": 2})
    assert r.zrangestore("z5", "big", 1, 1) == 1 and enc(r, "z5") == b"listpack"
    assert r.zrangestore("z6", "big", 0, 0) == 1 and enc(r, "z6") == b"skiplist"


# ---------------------------------------------------------------- set algebra

def setup_ab(r):
    r.zadd("za", {"a": 1, "b": 2, "c": 3})
    r.zadd("zb", {"b": 1, "c": 2, "d": 3})


def test_zunion_zinter_zdiff(r, c):
    setup_ab(r)
    assert c.cmd("ZUNIONSTORE", "zc", 2, "za", "zb") == 4
    assert r.zrange("zc", 0, -1, withscores=True) == [(b"a", 1), (b"b", 3), (b"d", 3), (b"c", 5)]
    assert c.cmd("ZUNION", 2, "za", "zb", "WITHSCORES") == [b"a", b"1", b"b", b"3", b"d", b"3", b"c", b"5"]
    assert c.cmd("ZUNION", 2, "za", "zb") == [b"a", b"b", b"d", b"c"]
    assert c.cmd("ZUNION", 2, "za", "zb", "WEIGHTS", 2, 3, "WITHSCORES") == \
        [b"a", b"2", b"b", b"7", b"d", b"9", b"c", b"12"]
    assert c.cmd("ZUNION", 2, "za", "zb", "AGGREGATE", "MIN", "WITHSCORES") == \
        [b"a", b"1", b"b", b"1", b"c", b"2", b"d", b"3"]
    assert c.cmd("ZUNION", 2, "za", "zb", "AGGREGATE", "max", "WITHSCORES") == \
        [b"a", b"1", b"b", b"2", b"c", b"3", b"d", b"3"]
    assert c.cmd("ZINTER", 2, "za", "zb", "WITHSCORES") == [b"b", b"3", b"c", b"5"]
    assert c.cmd("ZINTERSTORE", "zc", 2, "za", "zb", "WEIGHTS", 2, 3) == 2
    assert r.zrange("zc", 0, -1, withscores=True) == [(b"b", 7), (b"c", 12)]
    assert c.cmd("ZINTER", 2, "za", "zb", "AGGREGATE", "MIN", "WITHSCORES") == [b"b", b"1", b"c", b"2"]
    assert c.cmd("ZINTER", 2, "za", "zb", "AGGREGATE", "MAX", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert c.cmd("ZINTER", 2, "za", "za", "WITHSCORES") == [b"a", b"2", b"b", b"4", b"c", b"6"]
    assert c.cmd("ZDIFF", 2, "za", "zb", "WITHSCORES") == [b"a", b"1"]
    assert c.cmd("ZDIFFSTORE", "zc", 2, "za", "zb") == 1
    assert r.zrange("zc", 0, -1, withscores=True) == [(b"a", 1)]
    assert c.cmd("ZDIFFSTORE", "zc", 2, "za", "za") == 0
    assert r.exists("zc") == 0
    assert c.cmd("ZDIFF", 3, "za", "zb", "nokey") == [b"a"]
    assert c.cmd("ZDIFF", 1, "nokey") == []


def test_set_algebra_example(r, c):
    r.zadd("exam1", {"tim": 80, "tom": 60, "james": 30})
    r.zadd("exam2", {"tim": 100, "tom": 90, "alex": 40})
    want = [b"alex", b"20", b"james", b"30", b"tom", b"105", b"tim", b"130"]
    assert c.cmd("ZUNION", 2, "exam1", "exam2", "WEIGHTS", 1, "0.5", "WITHSCORES") == want
    assert c.cmd("ZUNIONSTORE", "res", 2, "exam1", "exam2", "WEIGHTS", 1, "0.5") == 4
    assert c.cmd("ZRANGE", "res", 0, -1, "WITHSCORES") == want


def test_set_algebra_resp3(r, c3):
    setup_ab(r)
    assert raw_reply(c3, "ZINTER", 2, "za", "zb", "WITHSCORES") == \
        b"*2\r\n*2\r\n$1\r\nb\r\n,3\r\n*2\r\n$1\r\nc\r\n,5\r\n"
    assert raw_reply(c3, "ZUNION", 1, "za") == b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    assert raw_reply(c3, "ZDIFF", 2, "za", "zb", "WITHSCORES") == b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"


def test_set_algebra_empty_and_missing(r, c):
    assert c.cmd("ZUNIONSTORE", "dst", 1, "nokey") == 0
    assert r.exists("dst") == 0
    assert c.cmd("ZUNION", 1, "nokey") == [] and c.cmd("ZINTER", 1, "nokey") == []
    assert c.cmd("ZINTERCARD", 1, "nokey") == 0 and c.cmd("ZINTERCARD", 1, "nokey", "LIMIT", 0) == 0
    r.zadd("za", {"a": 1, "b": 2})
    assert c.cmd("ZUNIONSTORE", "zc", 2, "za", "nokey") == 2
    assert c.cmd("ZUNION", 2, "za", "nokey", "WITHSCORES") == [b"a", b"1", b"b", b"2"]
    assert c.cmd("ZINTER", 2, "za", "nokey", "WITHSCORES") == []
    assert c.cmd("ZINTERCARD", 2, "za", "nokey") == 0
    assert c.cmd("ZDIFF", 2, "za", "nokey", "WITHSCORES") == [b"a", b"1", b"b", b"2"]
    r.expire("zc", 100)
    assert c.cmd("ZINTERSTORE", "zc", 2, "za", "nokey") == 0
    assert r.exists("zc") == 0


def test_set_algebra_integer_members(r, c):
    for k, pairs in (("zd", {"1": 1, "2": 2, "3": 3}), ("zf", {"1": 1, "3": 3, "4": 4})):
        r.zadd(k, pairs)
    assert c.cmd("ZUNION", 2, "zd", "zf", "WITHSCORES") == [b"1", b"2", b"2", b"2", b"4", b"4", b"3", b"6"]
    assert c.cmd("ZINTER", 2, "zd", "zf", "WITHSCORES") == [b"1", b"2", b"3", b"6"]
    assert c.cmd("ZINTERCARD", 2, "zd", "zf") == 2
    assert c.cmd("ZDIFF", 2, "zd", "zf", "WITHSCORES") == [b"2", b"2"]


def test_set_algebra_inf_and_nan(r, c):
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE"):
        for s1, s2, want in (("+inf", "+inf", b"inf"), ("-inf", "+inf", b"0"), ("+inf", "-inf", b"0"),
                             ("-inf", "-inf", b"-inf")):
            r.zadd("i1", {"key": s1})
            r.zadd("i2", {"key": s2})
            assert c.cmd(cmd, "i3", 2, "i1", "i2") == 1
            assert c.cmd("ZSCORE", "i3", "key") == want
        assert c.cmd(cmd, "i3", 2, "i1", "i2", "WEIGHTS", "nan", "nan") == ERR_WEIGHT
    r.zadd("z", {"neginf": "-inf"})
    assert c.cmd("ZUNION", 1, "z", "WEIGHTS", 0, "WITHSCORES") == [b"neginf", b"0"]
    r.zadd("p", {"x": "+inf"})
    assert c.cmd("ZINTER", 2, "p", "p", "WEIGHTS", 0, 1, "AGGREGATE", "MIN", "WITHSCORES") == [b"x", b"0"]
    assert c.cmd("ZINTER", 2, "p", "p", "WEIGHTS", 1, 0, "AGGREGATE", "MAX", "WITHSCORES") == [b"x", b"inf"]


def test_set_algebra_errors(r, c):
    setup_ab(r)
    for cmd, pre in (("ZUNION", ()), ("ZINTER", ()), ("ZDIFF", ()), ("ZINTERCARD", ()),
                     ("ZUNIONSTORE", ("d",)), ("ZINTERSTORE", ("d",)), ("ZDIFFSTORE", ("d",))):
        assert c.cmd(cmd, *pre, 0, "za") == need_keys(cmd.lower())
        assert c.cmd(cmd, *pre, -1, "za") == need_keys(cmd.lower())
        assert c.cmd(cmd, *pre, "a", "za") == ERR_NOT_INT
        assert c.cmd(cmd, *pre, 3, "za", "zb") == ERR_SYNTAX
        assert c.cmd(cmd, *pre, LONG_MAX, "za") == ERR_SYNTAX
        assert c.cmd(cmd, *pre, 1, "za", "bogus") == ERR_SYNTAX
    assert c.cmd("ZUNION", 2, "za", "zb", "WEIGHTS", 1) == ERR_SYNTAX           # too few weights
    assert c.cmd("ZUNION", 2, "za", "zb", "WEIGHTS", 1, 2, 3) == ERR_SYNTAX     # too many
    assert c.cmd("ZUNION", 2, "za", "zb", "WEIGHTS", 1, "x") == ERR_WEIGHT
    assert c.cmd("ZUNION", 2, "za", "zb", "AGGREGATE", "avg") == ERR_SYNTAX
    assert c.cmd("ZUNION", 2, "za", "zb", "AGGREGATE") == ERR_SYNTAX
    assert c.cmd("ZDIFF", 2, "za", "zb", "WEIGHTS", 1, 2) == ERR_SYNTAX
    assert c.cmd("ZDIFF", 2, "za", "zb", "AGGREGATE", "SUM") == ERR_SYNTAX
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
        assert c.cmd(cmd, "d", 2, "za", "zb", "WITHSCORES") == ERR_SYNTAX
    assert c.cmd("ZINTERCARD", 1, "za", "za") == ERR_SYNTAX
    assert c.cmd("ZINTERCARD", 1, "za", "LIMIT") == ERR_SYNTAX
    assert c.cmd("ZINTERCARD", 1, "za", "LIMIT", -1) == b"ERR LIMIT can't be negative"
    assert c.cmd("ZINTERCARD", 1, "za", "LIMIT", "a") == b"ERR LIMIT can't be negative"
    assert c.cmd("ZINTERCARD", 1, "za", "WITHSCORES") == ERR_SYNTAX
    # the keys are type-checked before the options are parsed
    r.set("s", "x")
    assert c.cmd("ZUNION", 2, "za", "s", "WEIGHTS", "x", "y") == ERR_WRONGTYPE
    assert c.cmd("ZUNIONSTORE", "d", 2, "za", "s") == ERR_WRONGTYPE
    assert r.exists("d") == 0


def test_zintercard(r, c):
    setup_ab(r)
    assert c.cmd("ZINTERCARD", 2, "za", "zb") == 2
    assert [c.cmd("ZINTERCARD", 2, "za", "zb", "LIMIT", n) for n in (0, 1, 10)] == [2, 1, 2]
    assert c.cmd("ZINTERCARD", 2, "za", "za", "limit", 2) == 2


def test_union_store_encodings(r, cfg):
    r.zadd("a", {f"m{i}": i for i in range(100)})
    r.zadd("b", {f"m{i}": i for i in range(50, 150)})
    assert r.zunionstore("u", ["a", "b"]) == 150
    assert enc(r, "u") == b"skiplist"
    assert r.zinterstore("i", ["a", "b"]) == 50
    assert enc(r, "i") == b"listpack"
    skiplist(r, "s", [(1, "x"), (2, "y")])
    assert r.zunionstore("u2", ["s"]) == 2
    assert enc(r, "u2") == b"listpack"                    # results are sized afresh
    cfg.config_set("zset-max-listpack-value", 1)
    assert r.zunionstore("u3", ["s"]) == 2
    assert enc(r, "u3") == b"listpack"
    r.zadd("long", {"longer-member": 1})
    assert r.zunionstore("u4", ["long"]) == 1
    assert enc(r, "u4") == b"skiplist"


def test_union_sorted_and_big(r):
    random.seed(7)
    p1 = {str(random.randint(0, 999)): random.random() for _ in range(1000)}
    p2 = {str(random.randint(0, 999)): random.random() for _ in range(1000)}
    r.zadd("one", p1)
    r.zadd("two", p2)
    r.zunionstore("dest", ["one", "two"])
    got = r.zrange("dest", 0, -1, withscores=True)
    want = {}
    for d in (p1, p2):
        for m, s in d.items():
            want[m] = want.get(m, 0) + s
    assert len(got) == len(want)
    assert [s for _, s in got] == sorted(s for _, s in got)
    for m, s in got:
        assert abs(want[m.decode()] - s) < 1e-9


# ---------------------------------------------------------------- pops

def test_zpop_basic(r, c):
    for k in both(r, "z", [(-1, "a"), (1, "b"), (2, "c"), (3, "d"), (4, "e")]):
        assert c.cmd("ZPOPMIN", k) == [b"a", b"-1"]
        assert c.cmd("ZPOPMIN", k) == [b"b", b"1"]
        assert c.cmd("ZPOPMAX", k) == [b"e", b"4"]
        assert c.cmd("ZPOPMAX", k, 1) == [b"d", b"3"]
        assert c.cmd("ZPOPMIN", k, 10) == [b"c", b"2"]
        assert r.exists(k) == 0
        assert c.cmd("ZPOPMIN", k) == [] and c.cmd("ZPOPMAX", k, 3) == []


def test_zpop_count(r, c, c3):
    for k in both(r, "z", [(0, "a"), (1, "b"), (2, "c"), (3, "d")]):
        assert c.cmd("ZPOPMIN", k, 2) == [b"a", b"0", b"b", b"1"]
        assert c.cmd("ZPOPMAX", k, 2) == [b"d", b"3", b"c", b"2"]
    for k in both(r, "z", [(0, "a"), (1, "b"), (2, "c"), (3, "d")]):
        assert raw_reply(c3, "ZPOPMIN", k) == b"*2\r\n$1\r\na\r\n,0\r\n"
        assert raw_reply(c3, "ZPOPMIN", k, 1) == b"*1\r\n*2\r\n$1\r\nb\r\n,1\r\n"
        assert raw_reply(c3, "ZPOPMAX", k, 5) == b"*2\r\n*2\r\n$1\r\nd\r\n,3\r\n*2\r\n$1\r\nc\r\n,2\r\n"
        assert raw_reply(c3, "ZPOPMAX", k) == b"*0\r\n"


def test_zpop_count_zero_and_errors(r, c):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert raw_reply(c, "ZPOPMIN", "z", 0) == b"*0\r\n"
    assert raw_reply(c, "ZPOPMAX", "nokey", 0) == b"*0\r\n"
    assert r.zcard("z") == 3
    assert c.cmd("ZPOPMIN", "z", -1) == ERR_POSITIVE
    assert c.cmd("ZPOPMAX", "z", "a") == ERR_POSITIVE
    assert c.cmd("ZPOPMIN", "z", 1, 2) == ERR_SYNTAX
    r.set("s", "x")
    assert c.cmd("ZPOPMIN", "s", -2) == ERR_POSITIVE      # the count before the type
    assert c.cmd("ZPOPMIN", "z", LONG_MAX) == [b"a", b"1", b"b", b"2", b"c", b"3"]


def test_zmpop(r, c, c3):
    for k in both(r, "z", [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]):
        assert c.cmd("ZMPOP", 1, k, "MIN") == [k.encode(), [[b"a", b"1"]]]
        assert c.cmd("ZMPOP", 2, "nokey", k, "MAX", "COUNT", 2) == [k.encode(), [[b"e", b"5"], [b"d", b"4"]]]
        assert raw_reply(c3, "ZMPOP", 1, k, "min", "count", 1) == \
            b"*2\r\n$%d\r\n%s\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n" % (len(k), k.encode())
        assert c.cmd("ZMPOP", 1, k, "MAX", "COUNT", 10) == [k.encode(), [[b"c", b"3"]]]
        assert raw_reply(c, "ZMPOP", 1, k, "MIN") == b"*-1\r\n"
        assert raw_reply(c3, "ZMPOP", 2, k, "nokey", "MIN") == b"_\r\n"


def test_zmpop_errors(r, c):
    assert c.cmd("ZMPOP") == arity_err("zmpop")
    assert c.cmd("ZMPOP", 1) == arity_err("zmpop")
    assert c.cmd("ZMPOP", 1, "z") == arity_err("zmpop")
    for n in (0, "a", -1, "1.5"):
        assert c.cmd("ZMPOP", n, "z", "MIN") == ERR_NUMKEYS
    for args in (("z", "bad_where"), ("z", "MIN", "bar_arg"), ("z", "MAX", "MIN"), ("z", "COUNT"),
                 ("z", "MAX", "COUNT", 1, "COUNT", 2), ("z", "MIN", "COUNT")):
        assert c.cmd("ZMPOP", 1, *args) == ERR_SYNTAX, args
    assert c.cmd("ZMPOP", 2, "z", "z2", "bad_arg") == ERR_SYNTAX
    assert c.cmd("ZMPOP", 5, "z", "MIN") == ERR_SYNTAX
    assert c.cmd("ZMPOP", LONG_MAX, "z", "MIN") == ERR_SYNTAX
    for n in (0, "a", -1):
        assert c.cmd("ZMPOP", 1, "z", "MIN", "COUNT", n) == ERR_COUNT
    r.set("foo", "bar")
    assert c.cmd("ZMPOP", 2, "nokey", "foo", "MIN") == ERR_WRONGTYPE
    assert c.cmd("ZMPOP", 1, "foo", "MAX", "COUNT", 200) == ERR_WRONGTYPE


# ---------------------------------------------------------------- blocking pops

def test_bzpop_served_at_once(r, c, c3):
    for k in both(r, "z", [(0, "a"), (1, "b"), (2, "c"), (3, "d")]):
        assert c.cmd("BZPOPMIN", "nokey", k, 5) == [k.encode(), b"a", b"0"]
        assert c.cmd("BZPOPMAX", k, 5) == [k.encode(), b"d", b"3"]
        assert raw_reply(c3, "BZPOPMIN", k, 0) == b"*3\r\n$%d\r\n%s\r\n$1\r\nb\r\n,1\r\n" % (len(k), k.encode())
        assert c.cmd("BZMPOP", 0, 1, k, "MAX", "COUNT", 10) == [k.encode(), [[b"c", b"2"]]]
        assert r.exists(k) == 0


def test_bzpop_blocks_then_served(r, raw):
    w = raw()
    w.send(encode_command("BZPOPMIN", "z1", "z2", 0))
    wait_blocked(r, 1)
    assert r.zadd("z2", {"foo": -1, "bar": 1}) == 2
    assert w.read_reply() == [b"z2", b"foo", b"-1"]
    assert r.zrange("z2", 0, -1) == [b"bar"]
    w.send(encode_command("BZMPOP", 0, 2, "z1", "z3", "MAX", "COUNT", 3))
    wait_blocked(r, 1)
    r.zadd("z3", {"x": 1, "y": 2})
    assert w.read_reply() == [b"z3", [[b"y", b"2"], [b"x", b"1"]]]
    assert r.exists("z3") == 0


def test_bzpop_fifo_several_clients(r, raw):
    ws = [raw() for _ in range(3)]
    for i, w in enumerate(ws):
        w.send(encode_command("BZPOPMIN", "z", 0))
        wait_blocked(r, i + 1)
    r.zadd("z", {"a": 1, "b": 2})
    assert ws[0].read_reply() == [b"z", b"a", b"1"]
    assert ws[1].read_reply() == [b"z", b"b", b"2"]
    assert ws[2].read_available(0.2) == b""
    r.zadd("z", {"c": 3})
    assert ws[2].read_reply() == [b"z", b"c", b"3"]
    assert r.info("clients")["blocked_clients"] == 0


def test_bzmpop_several_clients(r, raw):
    ws = [raw() for _ in range(4)]
    specs = [("MIN", 1), ("MAX", 10), ("MIN", 10), ("MAX", 1)]
    for i, (w, (where, n)) in enumerate(zip(ws, specs)):
        w.send(encode_command("BZMPOP", 0, 2, "myzset", "myzset2", where, "COUNT", n))
        wait_blocked(r, i + 1)
    m = r.pipeline(transaction=True)
    m.zadd("myzset", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    m.zadd("myzset2", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    m.execute()
    assert ws[0].read_reply() == [b"myzset", [[b"a", b"1"]]]
    assert ws[1].read_reply() == [b"myzset", [[b"e", b"5"], [b"d", b"4"], [b"c", b"3"], [b"b", b"2"]]]
    assert ws[2].read_reply() == [b"myzset2", [[b"a", b"1"], [b"b", b"2"], [b"c", b"3"], [b"d", b"4"],
                                               [b"e", b"5"]]]
    r.zadd("myzset2", {"a": 1, "b": 2, "c": 3})
    assert ws[3].read_reply() == [b"myzset2", [[b"c", b"3"]]]


def test_bzpop_resp3_when_served(r, raw):
    w = raw()
    assert isinstance(w.cmd("HELLO", "3"), dict)
    w.send(encode_command("BZPOPMAX", "z", 0))
    wait_blocked(r, 1)
    r.zadd("z", {"a": 1.5})
    assert w.read_raw_reply() == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1.5\r\n"
    w.send(encode_command("BZMPOP", 0, 1, "z", "MIN"))
    wait_blocked(r, 1)
    r.zadd("z", {"b": 2})
    assert w.read_raw_reply() == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"


def test_bzpop_timeout(r, c, c3):
    t = time.time()
    assert raw_reply(c, "BZPOPMIN", "z", "0.1") == b"*-1\r\n"
    assert raw_reply(c, "BZMPOP", "0.1", 1, "z", "MIN") == b"*-1\r\n"
    assert raw_reply(c3, "BZPOPMAX", "z", "0.1") == b"_\r\n"
    assert time.time() - t >= 0.25
    assert c.cmd("BZPOPMIN", "z", -1) == ERR_TIMEOUT_NEG
    assert c.cmd("BZPOPMIN", "z", "abc") == ERR_TIMEOUT
    assert c.cmd("BZMPOP", "abc", 1, "z", "MIN") == ERR_TIMEOUT
    assert c.cmd("BZMPOP", -1, 1, "z", "MIN") == ERR_TIMEOUT_NEG
    assert c.cmd("BZMPOP", "abc", 0, "z", "MIN") == ERR_NUMKEYS      # numkeys before the timeout
    assert c.cmd("BZMPOP", 0, 1, "z", "bad") == ERR_SYNTAX
    assert c.cmd("BZMPOP", 0, 1, "z", "MIN", "COUNT", 0) == ERR_COUNT
    assert c.cmd("BZMPOP", 0, 1) == arity_err("bzmpop")
    assert c.cmd("BZPOPMIN", "z") == arity_err("bzpopmin")


def test_bzpop_in_multi_does_not_block(r, c):
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("BZPOPMIN", "z", 0) == b"QUEUED"
    assert c.cmd("BZMPOP", 0, 1, "z", "MIN") == b"QUEUED"
    assert c.cmd("ZADD", "z", 1, "a") == b"QUEUED"
    assert c.cmd("BZPOPMAX", "z", 0) == b"QUEUED"
    assert c.cmd("EXEC") == [None, None, 1, [b"z", b"a", b"1"]]


def test_bzpop_multi_exec_isolated(r, raw):
    w = raw()
    w.send(encode_command("BZPOPMIN", "z", 0))
    wait_blocked(r, 1)
    m = r.pipeline(transaction=True)
    m.zadd("z", {"a": 0})
    m.zadd("z", {"b": 1})
    m.zadd("z", {"c": 2})
    m.execute()
    assert w.read_reply() == [b"z", b"a", b"0"]
    assert r.zrange("z", 0, -1) == [b"b", b"c"]


def test_bzpop_not_woken_by_add_then_delete_or_other_type(r, raw):
    w = raw()
    w.send(encode_command("BZPOPMIN", "z", 0))
    wait_blocked(r, 1)
    m = r.pipeline(transaction=True)
    m.zadd("z", {"foo": 0})
    m.delete("z")
    m.execute()
    m = r.pipeline(transaction=True)
    m.zadd("z", {"foo": 0})
    m.delete("z")
    m.set("z", "foo")
    m.execute()
    assert w.read_available(0.2) == b""
    assert r.info("clients")["blocked_clients"] == 1
    r.delete("z")
    r.zadd("z", {"bar": 1})
    assert w.read_reply() == [b"z", b"bar", b"1"]


def test_bzpop_same_key_several_times(r, raw):
    w = raw()
    w.send(encode_command("BZPOPMIN", "z1", "z2", "z2", "z1", 0))
    wait_blocked(r, 1)
    r.zadd("z1", {"a": 0})
    assert w.read_reply() == [b"z1", b"a", b"0"]
    w.send(encode_command("BZPOPMIN", "z1", "z2", "z2", "z1", 0))
    wait_blocked(r, 1)
    r.zadd("z2", {"b": 1})
    assert w.read_reply() == [b"z2", b"b", b"1"]


def test_bzpop_client_disconnects(r, raw):
    w1, w2 = raw(), raw()
    w1.send(encode_command("BZPOPMIN", "z", 0))
    wait_blocked(r, 1)
    w2.send(encode_command("BZPOPMIN", "z", 0))
    wait_blocked(r, 2)
    w1.close()
    wait_blocked(r, 1)
    r.zadd("z", {"a": 1})
    assert w2.read_reply() == [b"z", b"a", b"1"]
    assert r.exists("z") == 0


def test_bzmpop_ignores_non_key_arguments(r, raw):
    w1, w2 = raw(), raw()
    w1.send(encode_command("BZMPOP", 0, 1, "myzset", "MIN", "COUNT", 10))
    wait_blocked(r, 1)
    w2.send(encode_command("BZMPOP", 0, 2, "myzset2", "myzset3", "MAX", "COUNT", 10))
    wait_blocked(r, 2)
    for k in ("0", "1", "min", "max", "count", "10", "2"):
        r.zadd(k, {"x": 1})
    assert r.info("clients")["blocked_clients"] == 2
    r.zadd("myzset", {"zset": 1})
    r.zadd("myzset3", {"zset3": 1})
    assert w1.read_reply() == [b"myzset", [[b"zset", b"1"]]]
    assert w2.read_reply() == [b"myzset3", [[b"zset3", b"1"]]]


def test_bzpop_served_by_zunionstore_and_zrangestore(r, raw):
    r.zadd("src", {"a": 1, "b": 2})
    w = raw()
    w.send(encode_command("BZPOPMAX", "dst", 0))
    wait_blocked(r, 1)
    r.zunionstore("dst", ["src"])
    assert w.read_reply() == [b"dst", b"b", b"2"]
    w.send(encode_command("BZPOPMIN", "dst2", 0))
    wait_blocked(r, 1)
    r.zrangestore("dst2", "src", 1, 1)
    assert w.read_reply() == [b"dst2", b"b", b"2"]


# ---------------------------------------------------------------- ZRANDMEMBER

def test_zrandmember_single(r, c):
    for k in both(r, "z", [(1, "a"), (2, "b"), (3, "c")]):
        seen = {c.cmd("ZRANDMEMBER", k) for _ in range(100)}
        assert seen == {b"a", b"b", b"c"}
    assert c.cmd("ZRANDMEMBER", "nokey") is None


def test_zrandmember_counts(r, c, c3):
    pairs = [(i, m) for i, m in enumerate("abcdefghij", 1)]
    scores = {m.encode(): str(i).encode() for i, m in pairs}
    for k in both(r, "z", pairs):
        for n in (-20, -1001):
            res = c.cmd("ZRANDMEMBER", k, n)
            assert len(res) == -n and set(res) <= set(scores)
            res = c.cmd("ZRANDMEMBER", k, n, "WITHSCORES")
            assert len(res) == -2 * n
            assert all(scores[res[i]] == res[i + 1] for i in range(0, len(res), 2))
        for n in (10, 20):
            res = c.cmd("ZRANDMEMBER", k, n)
            assert sorted(res) == sorted(scores)
            res = c.cmd("ZRANDMEMBER", k, n, "WITHSCORES")
            assert dict(zip(res[::2], res[1::2])) == scores
        for n in (1, 2, 3, 8, 9):
            for _ in range(20):
                res = c.cmd("ZRANDMEMBER", k, n, "WITHSCORES")
                assert len(res) == 2 * n and len(set(res[::2])) == n
                assert all(scores[res[i]] == res[i + 1] for i in range(0, len(res), 2))
        res = c3.cmd("ZRANDMEMBER", k, 3, "WITHSCORES")
        assert len(res) == 3 and all(len(p) == 2 and isinstance(p[1], float) for p in res)
        res = c3.cmd("ZRANDMEMBER", k, 3)
        assert len(res) == 3 and all(isinstance(p, bytes) for p in res)
        res = c3.cmd("ZRANDMEMBER", k, -3, "WITHSCORES")
        assert len(res) == 3 and all(len(p) == 2 for p in res)
    assert raw_reply(c, "ZRANDMEMBER", "z:lp", 0) == b"*0\r\n"
    assert raw_reply(c, "ZRANDMEMBER", "nokey", 100) == b"*0\r\n"
    assert raw_reply(c, "ZRANDMEMBER", "nokey", -100, "WITHSCORES") == b"*0\r\n"


def test_zrandmember_distribution(r, c):
    pairs = [(i, m) for i, m in enumerate("abcdefghij", 1)]
    for k in both(r, "z", pairs):
        for args in ((-1000,), (1,), (2,), (3,)):
            counts = {}
            for _ in range(1000 // (abs(args[0]) if args[0] > 0 else 1000)):
                for m in c.cmd("ZRANDMEMBER", k, *args):
                    counts[m] = counts.get(m, 0) + 1
            total = sum(counts.values())
            exp = total / 10
            chi = sum((counts.get(m.encode(), 0) - exp) ** 2 / exp for _, m in pairs)
            assert chi < 40, (k, args, counts)


def test_zrandmember_errors(r, c):
    r.zadd("z", {"a": 0})
    assert c.cmd("ZRANDMEMBER", "z", -9223372036854770000, "WITHSCORES") == b"ERR value is out of range"
    assert c.cmd("ZRANDMEMBER", "z", -9223372036854775808, "WITHSCORES") == \
        b"ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    assert c.cmd("ZRANDMEMBER", "z", -9223372036854775808) == \
        b"ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    assert c.cmd("ZRANDMEMBER", "z", "a") == ERR_NOT_INT
    assert c.cmd("ZRANDMEMBER", "z", 1, "foo") == ERR_SYNTAX
    assert c.cmd("ZRANDMEMBER", "z", 1, "WITHSCORES", "x") == ERR_SYNTAX
    assert c.cmd("ZRANDMEMBER", "z", LONG_MAX, "WITHSCORES") == b"ERR value is out of range"
    assert c.cmd("ZRANDMEMBER", "z", LONG_MAX) == [b"a"]
    assert c.cmd("ZRANDMEMBER", "z", 4611686018427387903, "WITHSCORES") == [b"a", b"0"]


def test_zrandmember_big_skiplist(r, c):
    pairs = [(i, f"m{i}") for i in range(1000)]
    skiplist(r, "z", pairs)
    for n in (1, 5, 100, 333, 334, 999, 1000):
        res = c.cmd("ZRANDMEMBER", "z", n, "WITHSCORES")
        assert len(res) == 2 * n and len(set(res[::2])) == n
        assert all(res[i] == b"m" + res[i + 1] for i in range(0, len(res), 2))


# ---------------------------------------------------------------- ZSCAN

def test_zscan_listpack(r, c):
    r.zadd("z", {"a": 1, "b": 1.5, "c": "-inf", "10": 10})
    assert c.cmd("ZSCAN", "z", 0) == [b"0", [b"c", b"-inf", b"a", b"1", b"b", b"1.5", b"10", b"10"]]
    assert c.cmd("ZSCAN", "z", 0, "MATCH", "[ab]") == [b"0", [b"a", b"1", b"b", b"1.5"]]
    assert c.cmd("ZSCAN", "z", 0, "COUNT", 1) == [b"0", [b"c", b"-inf", b"a", b"1", b"b", b"1.5", b"10", b"10"]]
    assert c.cmd("ZSCAN", "z", 0, "MATCH", "*", "COUNT", 100) == [b"0", [b"c", b"-inf", b"a", b"1", b"b", b"1.5",
                                                                       b"10", b"10"]]


def test_zscan_skiplist(r, c):
    pairs = [(i / 4, f"key:{i}") for i in range(1000)]
    skiplist(r, "z", pairs)
    want = {m.encode(): repr(float(s)).rstrip("0").rstrip(".").encode() if s != int(s) else str(int(s)).encode()
            for s, m in pairs}
    got, cursor = {}, b"0"
    while True:
        cursor, items = c.cmd("ZSCAN", "z", cursor, "COUNT", 10)
        for i in range(0, len(items), 2):
            got[items[i]] = items[i + 1]
        if cursor == b"0":
            break
    assert got == want
    cursor, items = c.cmd("ZSCAN", "z", 0, "MATCH", "key:99*", "COUNT", 10000)
    assert cursor == b"0" and sorted(items[::2]) == sorted(b"key:99" + s for s in (b"", b"0", b"1", b"2", b"3", b"4",
                                                                                   b"5", b"6", b"7", b"8", b"9"))


def test_zscan_scores_issue_2175(r, c):
    for k in both(r, "z", [(1.1, "a"), (0.3, "b"), (-1e-10, "c"), ("-inf", "d")]):
        cursor, items = c.cmd("ZSCAN", k, 0, "COUNT", 100)
        assert dict(zip(items[::2], items[1::2])) == {b"a": b"1.1000000000000001", b"b": b"0.29999999999999999",
                                                     b"c": b"-1e-10", b"d": b"-inf"}


def test_zscan_errors(r, c):
    r.zadd("z", {"a": 1})
    assert c.cmd("ZSCAN", "z", "abc") == b"ERR invalid cursor"
    assert c.cmd("ZSCAN", "z", " 0") == b"ERR invalid cursor"
    assert c.cmd("ZSCAN", "z", 0, "COUNT", 0) == ERR_SYNTAX
    assert c.cmd("ZSCAN", "z", 0, "COUNT", "x") == ERR_NOT_INT
    assert c.cmd("ZSCAN", "z", 0, "TYPE", "zset") == ERR_SYNTAX
    assert c.cmd("ZSCAN", "z", 0, "MATCH") == ERR_SYNTAX
    # a missing key answers the empty scan before looking at the options
    assert raw_reply(c, "ZSCAN", "nokey", 0, "COUNT", 0) == b"*2\r\n$1\r\n0\r\n*0\r\n"
    assert c.cmd("ZSCAN", "nokey", "x") == b"ERR invalid cursor"


# ---------------------------------------------------------------- encodings

def test_encoding_entries_threshold(r, cfg):
    cfg.config_set("zset-max-ziplist-entries", 2)
    assert cfg.config_get("zset-max-listpack-entries")["zset-max-listpack-entries"] == "2"
    r.zadd("z", {"a": 1, "b": 2})
    assert enc(r, "z") == b"listpack"
    r.zadd("z", {"b": 3})
    assert enc(r, "z") == b"listpack"
    r.zadd("z", {"c": 3})
    assert enc(r, "z") == b"skiplist"
    r.zrem("z", "a", "b")
    assert enc(r, "z") == b"skiplist"                       # never converts back
    r.zadd("y", {"a": 1, "b": 2, "c": 3})                  # converted during the same ZADD
    assert enc(r, "y") == b"skiplist"
    cfg.config_set("zset-max-listpack-entries", 0)
    r.zadd("x", {"a": 1})
    assert enc(r, "x") == b"skiplist"


def test_encoding_value_threshold(r, cfg):
    cfg.config_set("zset-max-ziplist-value", 3)
    assert cfg.config_get("zset-max-listpack-value")["zset-max-listpack-value"] == "3"
    r.zadd("z", {"abc": 1})
    assert enc(r, "z") == b"listpack"
    r.zadd("z", {"abcd": 1})
    assert enc(r, "z") == b"skiplist"
    r.zadd("y", {"abcd": 1})
    assert enc(r, "y") == b"skiplist"                       # the first member decides
    r.zadd("x", {"a": 1, "abcdef": 2})
    assert enc(r, "x") == b"skiplist"
    r.zadd("w", {"a": 1})
    r.zincrby("w", 1, "abcdef")
    assert enc(r, "w") == b"skiplist"
    cfg.config_set("zset-max-listpack-value", 0)
    r.zadd("v", {"": 1})
    assert enc(r, "v") == b"listpack"


def test_encoding_big_and_stress(r):
    random.seed(11)
    r.zadd("z", {f"m{i}": i for i in range(128)})
    assert enc(r, "z") == b"listpack"
    r.zadd("z", {"one-more": 0.5})
    assert enc(r, "z") == b"skiplist"
    model = {}
    for _ in range(2000):
        m = f"ele-{random.randint(0, 9)}"
        s = random.randint(0, 49)
        r.zadd("q", {m: s})
        model[m] = s
    got = r.zrange("q", 0, -1, withscores=True)
    assert got == sorted(((m.encode(), float(s)) for m, s in model.items()), key=lambda p: (p[1], p[0]))


def test_encodings_agree_fuzz(r, c):
    """The same random commands on a listpack and a skiplist give the same replies (lex
    ranges only mean something when all scores are equal: test_encodings_agree_lex)."""
    random.seed(5)
    lp, sl = both(r, "f", [(0, "seed")])
    for _ in range(1500):
        m = random.choice(["a", "b", "c", "d", "e", "f", "1", "22", "-3", ""])
        s = random.choice(["0", "1", "-1", "2.5", "+inf", "-inf", "1e3", "7"])
        a, b = random.choice(["-inf", "(0", "0", "1", "(2.5", "+inf"]), random.choice(["+inf", "(7", "2.5", "1"])
        cmd = random.choice([
            ("ZADD", "{k}", s, m), ("ZINCRBY", "{k}", s, m), ("ZREM", "{k}", m), ("ZRANGE", "{k}", 0, -1, "WITHSCORES"),
            ("ZRANK", "{k}", m), ("ZREVRANK", "{k}", m), ("ZCOUNT", "{k}", a, b),
            ("ZRANGEBYSCORE", "{k}", a, b, "WITHSCORES", "LIMIT", 1, 3), ("ZREVRANGEBYSCORE", "{k}", b, a),
            ("ZRANGE", "{k}", 1, -2, "REV", "WITHSCORES"), ("ZSCORE", "{k}", m), ("ZCARD", "{k}"),
            ("ZREMRANGEBYSCORE", "{k}", a, b), ("ZREMRANGEBYRANK", "{k}", 0, 0),
            ("ZPOPMIN", "{k}"), ("ZPOPMAX", "{k}", 2), ("ZADD", "{k}", "GT", "CH", s, m),
            ("ZADD", "{k}", "LT", "INCR", s, m), ("ZMSCORE", "{k}", m, "a")])
        replies = [c.cmd(cmd[0], k, *cmd[2:]) for k in (lp, sl)]
        assert replies[0] == replies[1], cmd
        if r.zcard(lp) == 0:
            r.zadd(lp, {"seed": 0})
            skiplist(r, sl, [(0, "seed")])
    assert enc(r, lp) == b"listpack" and enc(r, sl) == b"skiplist"


def test_encodings_agree_lex(r, c):
    random.seed(9)
    names = ["", "a", "aa", "ab", "b", "ba", "c", "1", "10", "2", "\xff"]
    lp, sl = both(r, "g", [(0, m) for m in names])
    for _ in range(600):
        la = random.choice(["-", "+", "[a", "(a", "[", "(", "[b", "(ba", "[1", "(c"])
        lb = random.choice(["+", "-", "[b", "(b", "[aa", "(c", "[2", "[", "(\xff"])
        cmd = random.choice([("ZLEXCOUNT", la, lb), ("ZRANGEBYLEX", la, lb), ("ZREVRANGEBYLEX", lb, la),
                             ("ZRANGEBYLEX", la, lb, "LIMIT", 1, 2), ("ZRANGE", la, lb, "BYLEX", "LIMIT", 0, -1),
                             ("ZRANGE", lb, la, "BYLEX", "REV", "LIMIT", 1, 1)])
        replies = [c.cmd(cmd[0], k, *cmd[1:]) for k in (lp, sl)]
        assert replies[0] == replies[1], cmd
    for la, lb in (("[a", "[b"), ("(", "[1"), ("[c", "+")):
        assert c.cmd("ZREMRANGEBYLEX", lp, la, lb) == c.cmd("ZREMRANGEBYLEX", sl, la, lb)
        assert c.cmd("ZRANGE", lp, 0, -1) == c.cmd("ZRANGE", sl, 0, -1)


# ---------------------------------------------------------------- whole values

def test_copy(r):
    for k in both(r, "z", [(1, "a"), (2.5, "b"), ("-inf", "c")]):
        assert r.copy(k, k + ":copy") is True
        assert r.zrange(k + ":copy", 0, -1, withscores=True) == r.zrange(k, 0, -1, withscores=True)
        assert enc(r, k + ":copy") == enc(r, k)
        r.zadd(k + ":copy", {"new": 1})
        assert r.zscore(k, "new") is None


def test_debug_digest(spawn):
    srv = spawn("--enable-debug-command", "yes")
    r = srv.client()
    pairs = {"a": 1, "b": 2.5, "c": "-inf", "10": 10}
    r.zadd("lp", pairs)
    r.config_set("zset-max-listpack-entries", 0)
    r.zadd("sl", pairs)
    assert enc(r, "lp") == b"listpack" and enc(r, "sl") == b"skiplist"
    d = r.execute_command("DEBUG", "DIGEST-VALUE", "lp", "sl")
    assert d[0] == d[1] == b"25488f837a40e196bb19cec5f0fc82cf33ae16e9"
    r.zincrby("sl", 1, "a")
    assert r.execute_command("DEBUG", "DIGEST-VALUE", "sl")[0] != d[0]
    r.close()


def test_dump_restore(r, c):
    for k in both(r, "z", [(1, "a"), (2.5, "b"), ("-inf", "c"), (10, "10"), (1e20, "big")]):
        payload = r.dump(k)
        r.restore(k + ":r", 0, payload)
        assert r.zrange(k + ":r", 0, -1, withscores=True) == r.zrange(k, 0, -1, withscores=True)
        assert enc(r, k + ":r") == b"listpack"            # 5 members within the limits load as a listpack
    assert r.dump("z:lp").startswith(b"\x11")             # RDB_TYPE_ZSET_LISTPACK
    assert r.dump("z:sl").startswith(b"\x05\x05")         # RDB_TYPE_ZSET_2, 5 members


def test_dump_payloads_exact(r):
    r.zadd("lp", {"a": 1, "b": 1.5})
    assert r.dump("lp") == (b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x831.5\x04\xff"
                            b"\n\x00\xc2|i\x81\xdd\xa2\"p")
    skiplist(r, "sl", [(1, "a"), (1.5, "b")])
    assert r.dump("sl") == (b"\x05\x02\x01b\x00\x00\x00\x00\x00\x00\xf8?\x01a\x00\x00\x00\x00\x00\x00\xf0?"
                            b"\n\x00\xb1\xc7\xe3\xfb*\xa7\xd7?")


def test_restore_hostile_payloads(r, c):
    r.zadd("z", {"a": 1, "b": 2})
    good = r.dump("z")
    body = good[:-10]
    for bad in (body[:-3], body + b"\x00", b"\x11\x00", b"\x05\x00", b"\x05\x01\x01a", b"\x05\x02\x01a" + b"\x00" * 8,
                b"\x05\x02\x01a" + b"\x00" * 8 + b"\x01a" + b"\x00" * 8, b"\x05\x01\x01a\x00\x00\x00\x00\x00\x00\xf8\x7f"):
        payload = bad + b"\n\x00" + b"\x00" * 8
        reply = c.cmd("RESTORE", "x", 0, payload)
        assert isinstance(reply, bytes) and reply.startswith(b"ERR"), bad
        assert r.exists("x") == 0


def test_debug_reload_keeps_encodings(spawn):
    srv = spawn("--enable-debug-command", "yes")
    r = srv.client()
    random.seed(3)
    lp = {str(i): random.random() for i in range(100)}
    r.zadd("lp", lp)
    skiplist(r, "sl", [(s, m) for m, s in list(lp.items())] + [(1, "x" * 100)])
    r.config_set("zset-max-listpack-entries", 0)
    r.zadd("small-sl", {"a": 1})
    r.config_set("zset-max-listpack-entries", 128)
    digest = r.execute_command("DEBUG", "DIGEST")
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert r.execute_command("DEBUG", "DIGEST") == digest
    assert (enc(r, "lp"), enc(r, "sl"), enc(r, "small-sl")) == (b"listpack", b"skiplist", b"listpack")
    for m, s in lp.items():
        assert r.zscore("lp", m) == s
    r.close()


def test_memory_usage_and_type(r):
    r.zadd("small", {"a": 1, "b": 2})
    skiplist(r, "big", [(i, f"m{i}") for i in range(2000)])
    assert r.type("small") == b"zset" and r.type("big") == b"zset"
    assert r.memory_usage("small") > 0
    assert r.memory_usage("big") > 2000 * 20
    assert r.memory_usage("big", samples=0) > 2000 * 20
    assert r.memory_usage("big", samples=10) > 2000 * 20


def test_object_freq_and_scan_type(r):
    r.zadd("z", {"a": 1})
    assert r.scan(0, _type="zset") == (0, [b"z"])


# ---------------------------------------------------------------- hostile inputs

def test_hostile_counts_and_limits(r, c):
    r.zadd("z", {"a": 1, "b": 2})
    assert c.cmd("ZRANGE", "z", -LONG_MAX - 1, LONG_MAX) == [b"a", b"b"]
    assert c.cmd("ZRANGE", "z", LONG_MAX, -LONG_MAX - 1) == []
    assert c.cmd("ZREMRANGEBYRANK", "z", LONG_MAX, LONG_MAX) == 0
    assert c.cmd("ZRANGE", "z", 0, "99999999999999999999") == ERR_NOT_INT
    assert c.cmd("ZPOPMIN", "z", "99999999999999999999") == ERR_POSITIVE
    assert c.cmd("ZMPOP", 1, "z", "MIN", "COUNT", LONG_MAX) == [b"z", [[b"a", b"1"], [b"b", b"2"]]]
    r.zadd("z", {"a": 1})
    assert c.cmd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", LONG_MAX, LONG_MAX) == []
    assert c.cmd("ZUNION", 1, "z", "WEIGHTS", "1e400") == ERR_WEIGHT


def test_hostile_big_members(r, c):
    big = b"m" * (1 << 20)
    assert c.cmd("ZADD", "z", 1, big) == 1
    assert enc(r, "z") == b"skiplist"
    assert c.cmd("ZSCORE", "z", big) == b"1"
    assert c.cmd("ZRANGEBYLEX", "z", b"[" + big, b"[" + big) == [big]
    many = ["ZADD", "many"]
    for i in range(20000):
        many += [i, f"m{i}"]
    assert c.cmd(*many) == 20000
    assert c.cmd("ZCARD", "many") == 20000
    assert c.cmd("ZCOUNT", "many", 100, "(200") == 100
    assert c.cmd("ZRANK", "many", "m12345") == 12345


def test_command_getkeys(c):
    def keys(*args):
        return raw_reply(c, "COMMAND", "GETKEYS", *args)
    invalid = b"-ERR Invalid arguments specified for command\r\n"
    assert keys("ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, 2) == b"*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert keys("ZUNIONSTORE", "d", "2abc", "a", "b") == b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nd\r\n"
    for args in (("ZUNIONSTORE", "d", 5, "a"), ("ZUNIONSTORE", "d", 0, "a"), ("ZUNION", 3, "a", "b"),
                 ("ZINTERCARD", 9999999999999, "a"), ("ZMPOP", 4, "a", "b", "MIN"), ("BZMPOP", 0, 4, "a", "b", "MIN")):
        assert keys(*args) == invalid, args
    assert keys("ZINTERCARD", 2, "a", "b", "LIMIT", 1) == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert keys("ZMPOP", 3, "a", "b", "MIN") == b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$3\r\nMIN\r\n"
    assert keys("BZMPOP", 0, 1, "a", "MIN", "COUNT", 2) == b"*1\r\n$1\r\na\r\n"
    assert keys("BZPOPMIN", "a", "b", 0) == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert keys("ZRANGESTORE", "d", "s", 0, 1) == b"*2\r\n$1\r\nd\r\n$1\r\ns\r\n"
    assert raw_reply(c, "COMMAND", "GETKEYSANDFLAGS", "ZRANGESTORE", "d", "s", 0, 1) == (
        b"*2\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\ns\r\n*2\r\n+RO\r\n+access\r\n")
