"""List commands: pushes (LPUSH/RPUSH/LPUSHX/RPUSHX), pops with and without COUNT,
LMPOP, LLEN/LRANGE/LINDEX/LPOS, LSET/LINSERT/LREM/LTRIM, LMOVE/RPOPLPUSH, the
blocking forms (BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH) across several clients,
RESP2 and RESP3 reply shapes, hostile arguments, the list directives, DEBUG
QUICKLIST / QUICKLIST-PACKED-THRESHOLD, COPY and DEBUG DIGEST-VALUE, and a
randomized run against a Python model under several node sizes, compression
depths and plain-node thresholds. Replies and error texts are Redis 7.0.15's:
every test passes against redis-server 7.0.15 (VESPER_SERVER=/usr/bin/redis-server)."""
import random
import time

import pytest

from conftest import RespError, ServerProcess, encode_command

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_POSITIVE = b"ERR value is out of range, must be positive"
ERR_TIMEOUT_FLOAT = b"ERR timeout is not a float or out of range"
ERR_TIMEOUT_NEG = b"ERR timeout is negative"
ERR_NUMKEYS = b"ERR numkeys should be greater than 0"
ERR_COUNT = b"ERR count should be greater than 0"
ERR_RANK0 = (b"ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             b"or use negative to start from the end of the list")
ERR_THRESHOLD = b"ERR argument must be a memory value bigger than 1 and smaller than 4gb"


def arity_err(cmd):
    return b"ERR wrong number of arguments for '%s' command" % cmd.encode()


@pytest.fixture
def c(raw):
    """A raw connection: replies parsed, errors kept byte for byte."""
    return raw()


@pytest.fixture
def c3(raw):
    """A raw RESP3 connection."""
    cl = raw()
    hello = cl.cmd("HELLO", "3")
    assert isinstance(hello, dict)
    return cl


@pytest.fixture(scope="module")
def dbg_server():
    """A server of our own with DEBUG enabled (packed threshold, digests)."""
    srv = ServerProcess.with_defaults(["--enable-debug-command", "yes"], name="list-debug")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def d(dbg_server):
    """A raw connection to the DEBUG-enabled server, flushed, with the list
    directives and the packed threshold restored afterwards."""
    cl = dbg_server.raw()
    cl.cmd("FLUSHALL")
    yield cl
    cl.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
    cl.cmd("CONFIG", "SET", "list-max-listpack-size", "-2")
    cl.cmd("CONFIG", "SET", "list-compress-depth", "0")
    cl.close()


def blocked_clients(cl):
    info = cl.cmd("INFO", "clients")
    for line in info.split(b"\r\n"):
        if line.startswith(b"blocked_clients:"):
            return int(line.split(b":")[1])
    raise AssertionError("no blocked_clients in INFO")


def wait_blocked(cl, n, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if blocked_clients(cl) == n:
            return
        time.sleep(0.01)
    raise AssertionError(f"blocked_clients never reached {n} (is {blocked_clients(cl)})")


def no_reply(cl, wait=0.15):
    """True when nothing arrives on cl within `wait` seconds."""
    return cl.read_available(wait) == b""


def lrange(cl, key):
    return cl.cmd("LRANGE", key, "0", "-1")


# ------------------------------------------------------------------ pushes

def test_push_and_len(c):
    assert c.cmd("LPUSH", "l", "a", "b", "c") == 3
    assert c.cmd("RPUSH", "l", "x", "y") == 5
    assert lrange(c, "l") == [b"c", b"b", b"a", b"x", b"y"]
    assert c.cmd("LLEN", "l") == 5
    assert c.cmd("LLEN", "nokey") == 0
    assert c.cmd("TYPE", "l") == b"list"
    assert c.cmd("OBJECT", "ENCODING", "l") == b"quicklist"


def test_pushx(c):
    assert c.cmd("LPUSHX", "l", "a") == 0
    assert c.cmd("RPUSHX", "l", "a", "b") == 0
    assert c.cmd("EXISTS", "l") == 0
    c.cmd("RPUSH", "l", "m")
    assert c.cmd("LPUSHX", "l", "b", "a") == 3
    assert c.cmd("RPUSHX", "l", "y", "z") == 5
    assert lrange(c, "l") == [b"a", b"b", b"m", b"y", b"z"]


def test_push_binary_and_integers(c):
    vals = [b"", b"\x00\r\n\xff", b"0", b"-1", b"127", b"-4096", b"4095", b"32768", b"8388608",
            b"2147483648", str(LLONG_MAX).encode(), str(LLONG_MIN).encode(), b"9223372036854775808",
            b"-0", b"01", b"+1", b" 1", b"1.5", b"x" * 63, b"x" * 64, b"y" * 4095, b"z" * 4096, b"w" * 70000]
    c.cmd("RPUSH", "l", *vals)
    assert lrange(c, "l") == vals
    assert [c.cmd("LINDEX", "l", str(i)) for i in range(len(vals))] == vals
    assert c.cmd("LPOS", "l", "-1") == 3


def test_wrongtype_everywhere(c):
    c.cmd("SET", "s", "x")
    c.cmd("RPUSH", "l", "a")
    for args in [("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
                 ("LPOP", "s"), ("RPOP", "s", "2"), ("LLEN", "s"), ("LRANGE", "s", "0", "-1"),
                 ("LINDEX", "s", "0"), ("LSET", "s", "0", "x"), ("LINSERT", "s", "BEFORE", "a", "b"),
                 ("LREM", "s", "0", "a"), ("LTRIM", "s", "0", "1"), ("LPOS", "s", "a"),
                 ("LMOVE", "s", "l", "LEFT", "LEFT"), ("LMOVE", "l", "s", "LEFT", "LEFT"),
                 ("RPOPLPUSH", "s", "l"), ("RPOPLPUSH", "l", "s"), ("LMPOP", "2", "nokey", "s", "LEFT"),
                 ("BLPOP", "nokey", "s", "0"), ("BRPOP", "s", "0"), ("BLMPOP", "0", "1", "s", "LEFT"),
                 ("BLMOVE", "s", "l", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "l", "s", "0")]:
        assert c.cmd(*args) == ERR_WRONGTYPE, args
    assert lrange(c, "l") == [b"a"]
    assert c.cmd("GET", "s") == b"x"


def test_empty_list_key_is_deleted(c):
    c.cmd("RPUSH", "l", "a")
    assert c.cmd("LPOP", "l") == b"a"
    assert c.cmd("EXISTS", "l") == 0
    for setup, op in [(("RPUSH", "l", "a", "b"), ("RPOP", "l", "5")),
                      (("RPUSH", "l", "a", "a"), ("LREM", "l", "0", "a")),
                      (("RPUSH", "l", "a"), ("LTRIM", "l", "1", "0")),
                      (("RPUSH", "l", "a"), ("LMOVE", "l", "m", "LEFT", "LEFT")),
                      (("RPUSH", "l", "a"), ("LMPOP", "1", "l", "LEFT"))]:
        c.cmd("DEL", "l", "m")
        c.cmd(*setup)
        c.cmd(*op)
        assert c.cmd("EXISTS", "l") == 0, op


# ------------------------------------------------------------------ pops

def test_pop_single_and_count(c):
    c.cmd("RPUSH", "l", "a", "b", "c", "d", "e", "f")
    assert c.cmd("LPOP", "l") == b"a"
    assert c.cmd("RPOP", "l") == b"f"
    assert c.cmd("LPOP", "l", "2") == [b"b", b"c"]
    assert c.cmd("RPOP", "l", "1") == [b"e"]
    assert c.cmd("RPOP", "l", "0") == []
    assert c.cmd("RPOP", "l", str(LLONG_MAX)) == [b"d"]
    assert c.cmd("EXISTS", "l") == 0


def test_pop_errors_and_missing(c):
    assert c.cmd("LPOP", "nokey") is None
    c.send(b"*2\r\n$4\r\nLPOP\r\n$5\r\nnokey\r\n")
    assert c.read_raw_reply() == b"$-1\r\n"
    c.send(b"*3\r\n$4\r\nRPOP\r\n$5\r\nnokey\r\n$1\r\n3\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"
    c.send(b"*3\r\n$4\r\nRPOP\r\n$5\r\nnokey\r\n$1\r\n0\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"
    c.cmd("RPUSH", "l", "a")
    c.send(b"*3\r\n$4\r\nLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    assert c.read_raw_reply() == b"*0\r\n"
    assert c.cmd("LPOP", "l", "-1") == ERR_POSITIVE
    # Redis 7.0 gives the "positive" error for a count that is not a number too
    assert c.cmd("LPOP", "l", "x") == ERR_POSITIVE
    assert c.cmd("LPOP", "l", "1.5") == ERR_POSITIVE
    assert c.cmd("LPOP", "l", str(LLONG_MIN)) == ERR_POSITIVE
    assert c.cmd("LPOP", "l", "1", "1") == arity_err("lpop")
    assert c.cmd("RPOP", "l", "2", "2") == arity_err("rpop")
    assert c.cmd("LPOP") == arity_err("lpop")
    # the count is parsed before the key is looked up
    assert c.cmd("LPOP", "nokey", "-5") == ERR_POSITIVE
    assert lrange(c, "l") == [b"a"]


def test_pop_resp3(c3):
    c3.cmd("RPUSH", "l", "a", "b", "c")
    c3.send(b"*2\r\n$4\r\nLPOP\r\n$5\r\nnokey\r\n")
    assert c3.read_raw_reply() == b"_\r\n"
    c3.send(b"*3\r\n$4\r\nLPOP\r\n$5\r\nnokey\r\n$1\r\n2\r\n")
    assert c3.read_raw_reply() == b"_\r\n"
    c3.send(b"*3\r\n$4\r\nLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    assert c3.read_raw_reply() == b"*0\r\n"
    c3.send(b"*3\r\n$4\r\nRPOP\r\n$1\r\nl\r\n$1\r\n2\r\n")
    assert c3.read_raw_reply() == b"*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    c3.send(b"*4\r\n$6\r\nLRANGE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$2\r\n-1\r\n")
    assert c3.read_raw_reply() == b"*0\r\n"


def test_lmpop(c):
    c.cmd("RPUSH", "a", "1", "2", "3", "4", "5")
    c.cmd("RPUSH", "b", "x")
    assert c.cmd("LMPOP", "2", "nokey", "a", "LEFT") == [b"a", [b"1"]]
    assert c.cmd("LMPOP", "2", "a", "b", "right", "COUNT", "2") == [b"a", [b"5", b"4"]]
    assert c.cmd("LMPOP", "2", "a", "b", "LEFT", "count", "10") == [b"a", [b"2", b"3"]]
    assert c.cmd("LMPOP", "2", "a", "b", "LEFT", "COUNT", "10") == [b"b", [b"x"]]
    c.send(b"*4\r\n$5\r\nLMPOP\r\n$1\r\n1\r\n$1\r\na\r\n$4\r\nLEFT\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"
    c.cmd("RPUSH", "a", "1", "2", "3")
    assert c.cmd("LMPOP", "2", "a", "a", "RIGHT", "COUNT", "2") == [b"a", [b"3", b"2"]]


def test_lmpop_errors(c):
    c.cmd("RPUSH", "l", "a")
    cases = [
        (("LMPOP",), arity_err("lmpop")),
        (("LMPOP", "1"), arity_err("lmpop")),
        (("LMPOP", "1", "l"), arity_err("lmpop")),
        (("LMPOP", "0", "l", "LEFT"), ERR_NUMKEYS),
        (("LMPOP", "-1", "l", "LEFT"), ERR_NUMKEYS),
        (("LMPOP", "a", "l", "LEFT"), ERR_NUMKEYS),
        (("LMPOP", "2", "l", "LEFT"), ERR_SYNTAX),
        (("LMPOP", str(LLONG_MAX), "l", "LEFT"), ERR_SYNTAX),
        (("LMPOP", "2147483648", "l", "LEFT"), ERR_SYNTAX),
        (("LMPOP", "1", "l", "MIDDLE"), ERR_SYNTAX),
        (("LMPOP", "1", "l", "LEFT", "COUNT"), ERR_SYNTAX),
        (("LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2"), ERR_SYNTAX),
        (("LMPOP", "1", "l", "LEFT", "extra"), ERR_SYNTAX),
        (("LMPOP", "1", "l", "LEFT", "COUNT", "0"), ERR_COUNT),
        (("LMPOP", "1", "l", "LEFT", "COUNT", "-1"), ERR_COUNT),
        (("LMPOP", "1", "l", "LEFT", "COUNT", "x"), ERR_COUNT),
        (("BLMPOP", "0", "0", "l", "LEFT"), ERR_NUMKEYS),
        (("BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"), ERR_COUNT),
        (("BLMPOP", "x", "1", "l", "LEFT"), ERR_TIMEOUT_FLOAT),
        (("BLMPOP", "-1", "1", "l", "LEFT"), ERR_TIMEOUT_NEG),
        (("BLMPOP", "0", "1", "l"), arity_err("blmpop")),
    ]
    for args, err in cases:
        assert c.cmd(*args) == err, args
    assert lrange(c, "l") == [b"a"]


def test_lmpop_resp3(c3):
    c3.cmd("RPUSH", "l", "a", "b")
    c3.send(b"*6\r\n$5\r\nLMPOP\r\n$1\r\n1\r\n$1\r\nl\r\n$4\r\nLEFT\r\n$5\r\nCOUNT\r\n$1\r\n5\r\n")
    assert c3.read_raw_reply() == b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    c3.send(b"*4\r\n$5\r\nLMPOP\r\n$1\r\n1\r\n$1\r\nl\r\n$4\r\nLEFT\r\n")
    assert c3.read_raw_reply() == b"_\r\n"


# ------------------------------------------------------------------ reads

def test_lrange(c):
    vals = [str(i).encode() for i in range(10)]
    c.cmd("RPUSH", "l", *vals)
    cases = [(0, -1, vals), (1, -2, vals[1:-1]), (-3, -1, vals[-3:]), (4, 4, [b"4"]), (6, 2, []),
             (-1, -2, []), (-1000, 1000, vals), (0, -11, []), (0, -10, [b"0"]), (10, 20, []),
             (LLONG_MIN, LLONG_MAX, vals), (LLONG_MAX, LLONG_MIN, []), (-1, LLONG_MAX, [b"9"]),
             (LLONG_MIN, LLONG_MIN, [])]
    for start, end, want in cases:
        assert c.cmd("LRANGE", "l", str(start), str(end)) == want, (start, end)
    assert c.cmd("LRANGE", "l", "a", "1") == ERR_NOT_INT
    assert c.cmd("LRANGE", "nokey", "0", "x") == ERR_NOT_INT
    assert c.cmd("LRANGE", "nokey", "0", "-1") == []
    assert c.cmd("LRANGE", "l", "0") == arity_err("lrange")


def test_lrange_long_list_both_ways(c):
    vals = [b"v%d" % i for i in range(3000)] + [b"x" * 3000, b"12345"]
    for i in range(0, len(vals), 500):
        c.cmd("RPUSH", "l", *vals[i:i + 500])
    assert lrange(c, "l") == vals
    assert c.cmd("LRANGE", "l", "1234", "2345") == vals[1234:2346]
    assert c.cmd("LRANGE", "l", "-1500", "-1400") == vals[-1500:-1399]
    assert c.cmd("RPOP", "l", "700") == vals[::-1][:700]
    assert c.cmd("LPOP", "l", "1100") == vals[:1100]


def test_lindex(c):
    c.cmd("RPUSH", "l", "a", "b", "c", "42")
    assert c.cmd("LINDEX", "l", "0") == b"a"
    assert c.cmd("LINDEX", "l", "-1") == b"42"
    assert c.cmd("LINDEX", "l", "-4") == b"a"
    assert c.cmd("LINDEX", "l", "4") is None
    assert c.cmd("LINDEX", "l", "-5") is None
    assert c.cmd("LINDEX", "l", str(LLONG_MAX)) is None
    assert c.cmd("LINDEX", "l", str(LLONG_MIN)) is None
    assert c.cmd("LINDEX", "l", "x") == ERR_NOT_INT
    # the key is looked up first: a missing key is nil even with a bad index
    assert c.cmd("LINDEX", "nokey", "x") is None
    c.send(b"*3\r\n$6\r\nLINDEX\r\n$5\r\nnokey\r\n$1\r\n0\r\n")
    assert c.read_raw_reply() == b"$-1\r\n"


def test_lpos(c):
    c.cmd("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert c.cmd("LPOS", "l", "a") == 0
    assert c.cmd("LPOS", "l", "c") == 2
    assert c.cmd("LPOS", "l", "1") == 3
    assert c.cmd("LPOS", "l", "c", "RANK", "2") == 6
    assert c.cmd("LPOS", "l", "c", "RANK", "4") is None
    assert c.cmd("LPOS", "l", "c", "RANK", "-1") == 7
    assert c.cmd("LPOS", "l", "c", "RANK", "-2") == 6
    assert c.cmd("LPOS", "l", "c", "COUNT", "0") == [2, 6, 7]
    assert c.cmd("LPOS", "l", "c", "COUNT", "1") == [2]
    assert c.cmd("LPOS", "l", "c", "COUNT", "100") == [2, 6, 7]
    assert c.cmd("LPOS", "l", "c", "COUNT", "0", "RANK", "2") == [6, 7]
    assert c.cmd("LPOS", "l", "c", "COUNT", "2", "RANK", "-1") == [7, 6]
    assert c.cmd("LPOS", "l", "a", "COUNT", "0", "MAXLEN", "1") == [0]
    assert c.cmd("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "1") == []
    assert c.cmd("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3") == [2]
    assert c.cmd("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3", "RANK", "-1") == [7, 6]
    assert c.cmd("LPOS", "l", "c", "MAXLEN", "2") is None
    assert c.cmd("LPOS", "l", "c", "MAXLEN", "0") == 2
    assert c.cmd("LPOS", "l", "x") is None
    assert c.cmd("LPOS", "l", "x", "COUNT", "5") == []
    assert c.cmd("LPOS", "nokey", "x") is None
    assert c.cmd("LPOS", "nokey", "x", "COUNT", "0", "RANK", "2") == []
    # later options override earlier ones
    assert c.cmd("LPOS", "l", "c", "RANK", "1", "RANK", "3") == 7


def test_lpos_errors_and_extremes(c):
    c.cmd("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert c.cmd("LPOS", "l", "c", "RANK", "0") == ERR_RANK0
    assert c.cmd("LPOS", "l", "c", "RANK", "x") == ERR_NOT_INT
    assert c.cmd("LPOS", "l", "c", "COUNT", "-1") == b"ERR COUNT can't be negative"
    assert c.cmd("LPOS", "l", "c", "COUNT", "x") == b"ERR COUNT can't be negative"
    assert c.cmd("LPOS", "l", "c", "MAXLEN", "-1") == b"ERR MAXLEN can't be negative"
    assert c.cmd("LPOS", "l", "c", "RANK") == ERR_SYNTAX
    assert c.cmd("LPOS", "l", "c", "FOO", "1") == ERR_SYNTAX
    assert c.cmd("LPOS", "nokey", "c", "RANK", "0") == ERR_RANK0
    # RANK LLONG_MIN: Redis 7.0 searches from the tail and ignores COUNT
    assert c.cmd("LPOS", "l", "c", "RANK", str(LLONG_MIN)) == 7
    assert c.cmd("LPOS", "l", "c", "RANK", str(LLONG_MIN), "COUNT", "1") == [7, 6, 2]
    assert c.cmd("LPOS", "l", "c", "RANK", str(LLONG_MIN), "COUNT", "1", "MAXLEN", "2") == [7, 6]
    assert c.cmd("LPOS", "l", "c", "RANK", str(LLONG_MIN + 1)) is None
    assert c.cmd("LPOS", "l", "c", "RANK", str(LLONG_MAX)) is None
    assert c.cmd("LPOS", "l", "c", "COUNT", str(LLONG_MAX), "MAXLEN", str(LLONG_MAX)) == [2, 6, 7]


# ------------------------------------------------------------------ edits

def test_lset(c):
    c.cmd("RPUSH", "l", "99", "98", "x" * 100, "96", "95")
    assert c.cmd("LSET", "l", "1", "foo") == b"OK"
    assert c.cmd("LSET", "l", "-1", "bar") == b"OK"
    assert c.cmd("LSET", "l", "2", "7") == b"OK"
    assert lrange(c, "l") == [b"99", b"foo", b"7", b"96", b"bar"]
    assert c.cmd("LSET", "l", "5", "x") == b"ERR index out of range"
    assert c.cmd("LSET", "l", "-6", "x") == b"ERR index out of range"
    assert c.cmd("LSET", "l", str(LLONG_MIN), "x") == b"ERR index out of range"
    assert c.cmd("LSET", "l", "x", "x") == ERR_NOT_INT
    assert c.cmd("LSET", "nokey", "0", "x") == b"ERR no such key"
    assert c.cmd("LSET", "nokey", "x", "x") == b"ERR no such key"


def test_linsert(c):
    c.cmd("RPUSH", "l", "a", "b", "c", "d")
    assert c.cmd("LINSERT", "l", "BEFORE", "c", "zz") == 5
    assert c.cmd("LINSERT", "l", "after", "c", "yy") == 6
    assert c.cmd("LINSERT", "l", "AFTER", "d", "dd") == 7
    assert c.cmd("LINSERT", "l", "before", "a", "42") == 8
    assert c.cmd("LINSERT", "l", "AFTER", "bad", "x") == -1
    assert lrange(c, "l") == [b"42", b"a", b"b", b"zz", b"c", b"yy", b"d", b"dd"]
    assert c.cmd("LINSERT", "l", "BEFORE", "42", "1") == 9   # an integer pivot
    assert c.cmd("LINDEX", "l", "0") == b"1"
    assert c.cmd("LINSERT", "nokey", "BEFORE", "a", "x") == 0
    assert c.cmd("EXISTS", "nokey") == 0
    assert c.cmd("LINSERT", "l", "aft3r", "a", "x") == ERR_SYNTAX
    # the position word is checked before the key
    assert c.cmd("LINSERT", "nokey", "middle", "a", "x") == ERR_SYNTAX


def test_lrem(c):
    vals = ["x", "foo", "bar", "foobar", "foobared", "zap", "bar", "test", "foo"]
    c.cmd("RPUSH", "l", *vals)
    assert c.cmd("LREM", "l", "0", "bar") == 2
    assert c.cmd("LREM", "l", "1", "foo") == 1
    assert c.cmd("LREM", "l", "1", "nosuch") == 0
    assert lrange(c, "l") == [b"x", b"foobar", b"foobared", b"zap", b"test", b"foo"]
    c.cmd("DEL", "l")
    c.cmd("RPUSH", "l", "a", "foo", "b", "foo", "c", "foo")
    assert c.cmd("LREM", "l", "-2", "foo") == 2
    assert lrange(c, "l") == [b"a", b"foo", b"b", b"c"]
    c.cmd("RPUSH", "l", "1", "2", "1")
    assert c.cmd("LREM", "l", "1", "1") == 1
    assert c.cmd("LREM", "l", str(LLONG_MIN), "1") == 1
    assert c.cmd("LREM", "l", str(LLONG_MAX), "nope") == 0
    assert c.cmd("LREM", "l", "x", "a") == ERR_NOT_INT
    assert c.cmd("LREM", "nokey", "0", "a") == 0
    assert c.cmd("LREM", "nokey", "x", "a") == ERR_NOT_INT


def test_ltrim(c):
    def trim(start, end):
        c.cmd("DEL", "l")
        c.cmd("RPUSH", "l", "1", "2", "3", "4", "5")
        assert c.cmd("LTRIM", "l", str(start), str(end)) == b"OK"
        return lrange(c, "l")
    assert trim(0, 0) == [b"1"]
    assert trim(1, 2) == [b"2", b"3"]
    assert trim(1, -1) == [b"2", b"3", b"4", b"5"]
    assert trim(-2, -1) == [b"4", b"5"]
    assert trim(-10, 10) == [b"1", b"2", b"3", b"4", b"5"]
    assert trim(0, -5) == [b"1"]
    assert trim(0, -6) == []
    assert trim(3, 1) == []
    assert trim(LLONG_MIN, LLONG_MAX) == [b"1", b"2", b"3", b"4", b"5"]
    assert trim(LLONG_MAX, LLONG_MAX) == []
    assert c.cmd("EXISTS", "l") == 0
    assert c.cmd("LTRIM", "nokey", "0", "1") == b"OK"
    assert c.cmd("LTRIM", "l", "x", "1") == ERR_NOT_INT
    assert c.cmd("LTRIM", "nokey", "0", "x") == ERR_NOT_INT


# ------------------------------------------------------------------ moves

@pytest.mark.parametrize("src_end,dst_end", [("LEFT", "LEFT"), ("LEFT", "RIGHT"), ("RIGHT", "LEFT"),
                                             ("RIGHT", "RIGHT")])
def test_lmove(c, src_end, dst_end):
    c.cmd("RPUSH", "s", "a", "b", "c")
    c.cmd("RPUSH", "d", "x")
    moved = c.cmd("LMOVE", "s", "d", src_end, dst_end)
    assert moved == (b"a" if src_end == "LEFT" else b"c")
    want_src = [b"b", b"c"] if src_end == "LEFT" else [b"a", b"b"]
    assert lrange(c, "s") == want_src
    assert lrange(c, "d") == ([moved, b"x"] if dst_end == "LEFT" else [b"x", moved])
    # to a new key, and the same key
    assert c.cmd("LMOVE", "s", "new", src_end.lower(), dst_end.lower()) in (b"b", b"c", b"a")
    assert c.cmd("LLEN", "new") == 1
    c.cmd("DEL", "r")
    c.cmd("RPUSH", "r", "1", "2", "3")
    c.cmd("LMOVE", "r", "r", src_end, dst_end)
    rot = {("LEFT", "LEFT"): [b"1", b"2", b"3"], ("LEFT", "RIGHT"): [b"2", b"3", b"1"],
           ("RIGHT", "LEFT"): [b"3", b"1", b"2"], ("RIGHT", "RIGHT"): [b"1", b"2", b"3"]}
    assert lrange(c, "r") == rot[(src_end, dst_end)]


def test_lmove_edges(c):
    assert c.cmd("LMOVE", "nokey", "d", "LEFT", "RIGHT") is None
    assert c.cmd("EXISTS", "d") == 0
    c.cmd("RPUSH", "s", "only")
    assert c.cmd("RPOPLPUSH", "s", "s") == b"only"
    assert lrange(c, "s") == [b"only"]
    assert c.cmd("RPOPLPUSH", "s", "d") == b"only"
    assert c.cmd("EXISTS", "s") == 0
    assert lrange(c, "d") == [b"only"]
    assert c.cmd("LMOVE", "d", "e", "UP", "LEFT") == ERR_SYNTAX
    assert c.cmd("LMOVE", "d", "e", "LEFT", "DOWN") == ERR_SYNTAX
    assert c.cmd("LMOVE", "nokey", "e", "LEFT", "DOWN") == ERR_SYNTAX
    assert c.cmd("RPOPLPUSH", "nokey", "d") is None
    c.cmd("SET", "str", "v")
    assert c.cmd("RPOPLPUSH", "d", "str") == ERR_WRONGTYPE
    assert lrange(c, "d") == [b"only"]
    assert c.cmd("RPOPLPUSH", "nokey", "str") is None


# ------------------------------------------------------------------ blocking: served at once

def test_blocking_pops_served_at_once(c):
    c.cmd("RPUSH", "l", "a", "b", "c", "d", "e")
    assert c.cmd("BLPOP", "nokey", "l", "0") == [b"l", b"a"]
    assert c.cmd("BRPOP", "l", "nokey", "1") == [b"l", b"e"]
    assert c.cmd("BLMPOP", "0", "2", "nokey", "l", "LEFT", "COUNT", "2") == [b"l", [b"b", b"c"]]
    assert c.cmd("BLMOVE", "l", "m", "RIGHT", "LEFT", "0") == b"d"
    assert c.cmd("EXISTS", "l") == 0
    assert c.cmd("BRPOPLPUSH", "m", "n", "0.5") == b"d"
    assert lrange(c, "n") == [b"d"]
    # the same key several times
    c.cmd("RPUSH", "l", "x")
    assert c.cmd("BLPOP", "l", "l", "l", "0") == [b"l", b"x"]


def test_blocking_timeouts(c, c3):
    t0 = time.time()
    c.send(b"*3\r\n$5\r\nBLPOP\r\n$5\r\nnokey\r\n$3\r\n0.1\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"
    assert 0.08 <= time.time() - t0 < 2
    c.send(b"*6\r\n$6\r\nBLMOVE\r\n$5\r\nnokey\r\n$1\r\nd\r\n$4\r\nLEFT\r\n$4\r\nLEFT\r\n$4\r\n0.05\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"       # a timed-out BLMOVE is a null array
    c.send(b"*4\r\n$10\r\nBRPOPLPUSH\r\n$5\r\nnokey\r\n$1\r\nd\r\n$5\r\n0.001\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"
    c.send(b"*5\r\n$6\r\nBLMPOP\r\n$4\r\n0.02\r\n$1\r\n1\r\n$5\r\nnokey\r\n$4\r\nLEFT\r\n")
    assert c.read_raw_reply() == b"*-1\r\n"
    c3.send(b"*3\r\n$5\r\nBRPOP\r\n$5\r\nnokey\r\n$4\r\n0.01\r\n")
    assert c3.read_raw_reply() == b"_\r\n"


def test_blocking_timeout_arguments(c):
    c.cmd("RPUSH", "l", "a")
    for t in ["x", "", "nan", " 1", "1 ", "0x"]:
        assert c.cmd("BLPOP", "l", t) == ERR_TIMEOUT_FLOAT, t
    # values whose milliseconds do not fit 64 bits are "negative", as in Redis 7.0
    for t in ["-1", "-0.002", "inf", "-inf", "1e30", "1e16", "-1e30"]:
        assert c.cmd("BLPOP", "l", t) == ERR_TIMEOUT_NEG, t
        assert c.cmd("BRPOPLPUSH", "l", "d", t) == ERR_TIMEOUT_NEG, t
        assert c.cmd("BLMOVE", "l", "d", "LEFT", "LEFT", t) == ERR_TIMEOUT_NEG, t
    assert lrange(c, "l") == [b"a"]
    # accepted: fractions, exponents, hex, a negative zero
    for t in ["0.5", "1e-3", "0x10", "-0", "-0.0001", "9223372036854"]:
        c.cmd("RPUSH", "l", "v")
        assert c.cmd("BLPOP", "l", t) == [b"l", b"a" if t == "0.5" else b"v"], t


def test_blocking_huge_timeout_waits(c, raw):
    w = raw()
    wid = w.cmd("CLIENT", "ID")
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$16\r\n9223372036854775\r\n")
    wait_blocked(c, 1)
    assert no_reply(w, 0.2)
    assert c.cmd("CLIENT", "UNBLOCK", str(wid)) == 1
    assert w.read_reply() is None
    wait_blocked(c, 0)


# ------------------------------------------------------------------ blocking: several clients

def test_blpop_blocks_and_is_served(c, raw):
    w = raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    assert no_reply(w)
    assert c.cmd("RPUSH", "l", "foo", "bar") == 2
    assert w.read_reply() == [b"l", b"foo"]
    assert lrange(c, "l") == [b"bar"]
    wait_blocked(c, 0)


@pytest.mark.parametrize("cmd,writes,served", [
    (["BLPOP", "k1", "k2", "0"], [["RPUSH", "k2", "x"], ["RPUSH", "k1", "y"]], [b"k2", b"x"]),
    (["BLMPOP", "0", "2", "k1", "k2", "LEFT"], [["RPUSH", "k2", "x"], ["RPUSH", "k1", "y"]], [b"k2", [b"x"]]),
    (["BZPOPMIN", "z1", "z2", "0"], [["ZADD", "z2", "1", "x"], ["ZADD", "z1", "1", "y"]], [b"z2", b"x", b"1"]),
    (["BZMPOP", "0", "2", "z1", "z2", "MIN"], [["ZADD", "z2", "1", "x"], ["ZADD", "z1", "1", "y"]],
     [b"z2", [[b"x", b"1"]]]),
])
def test_regression_blocked_pop_served_from_the_key_written_first(c, raw, cmd, writes, served):
    """Regression (fixed) (list_cmds.c, zset_pop.c): a blocked pop's re-run took the
    first non-empty key in argument order; Redis serves it from the key that became
    ready, so with k2 written before k1 in one MULTI it gets k2's element. A second
    client waiting on k2 alone then finds k2 empty and keeps waiting (k1 is not its
    key), as in Redis."""
    w = raw()
    w.send(encode_command(*cmd))
    wait_blocked(c, 1)
    other = raw()
    other_id = other.cmd("CLIENT", "ID")
    other.send(encode_command("BLPOP" if cmd[0].startswith("BL") else "BZPOPMIN", writes[0][1], "0"))
    wait_blocked(c, 2)
    c.cmd("MULTI")
    for wr in writes:
        c.cmd(*wr)
    c.cmd("EXEC")
    assert w.read_reply() == served
    assert no_reply(other)
    wait_blocked(c, 1)
    assert c.cmd("CLIENT", "UNBLOCK", str(other_id)) == 1
    assert other.read_reply() is None


def test_variadic_push_serves_the_last_pushed_for_blpop(c, raw):
    w = raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$5\r\nblist\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    assert c.cmd("LPUSH", "blist", "foo", "bar") == 2
    assert w.read_reply() == [b"blist", b"bar"]
    assert lrange(c, "blist") == [b"foo"]


def test_fifo_service(c, raw):
    ws = [raw() for _ in range(3)]
    for i, w in enumerate(ws):
        w.cmd("CLIENT", "SETNAME", f"w{i}")
        w.send(b"*3\r\n$5\r\nBRPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
        wait_blocked(c, i + 1)
    for i in range(3):
        c.cmd("LPUSH", "q", f"job{i}")
        assert ws[i].read_reply() == [b"q", b"job%d" % i]
        for w in ws[i + 1:]:
            assert no_reply(w, 0.05)
    wait_blocked(c, 0)
    assert c.cmd("EXISTS", "q") == 0


def test_one_push_serves_as_many_as_it_can(c, raw):
    ws = [raw() for _ in range(3)]
    for i, w in enumerate(ws):
        w.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
        wait_blocked(c, i + 1)
    assert c.cmd("RPUSH", "q", "a", "b") == 2
    assert ws[0].read_reply() == [b"q", b"a"]
    assert ws[1].read_reply() == [b"q", b"b"]
    assert no_reply(ws[2])
    wait_blocked(c, 1)
    c.cmd("RPUSH", "q", "c")
    assert ws[2].read_reply() == [b"q", b"c"]


def test_blocked_on_several_keys(c, raw):
    w = raw()
    w.send(b"*4\r\n$5\r\nBRPOP\r\n$2\r\nk1\r\n$2\r\nk2\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    c.cmd("RPUSH", "other", "x")
    c.cmd("SELECT", "1")
    c.cmd("RPUSH", "k2", "wrong-db")
    c.cmd("SELECT", "0")
    assert no_reply(w)
    c.cmd("RPUSH", "k2", "v")
    assert w.read_reply() == [b"k2", b"v"]
    wait_blocked(c, 0)
    c.cmd("SELECT", "1")
    assert lrange(c, "k2") == [b"wrong-db"]
    c.cmd("SELECT", "0")


def test_blmpop_blocked_clients(c, raw):
    ws = [raw() for _ in range(4)]
    cmds = [("BLMPOP", "0", "2", "b1", "b2", "LEFT", "COUNT", "1"),
            ("BLMPOP", "0", "2", "b1", "b2", "RIGHT", "COUNT", "10"),
            ("BLMPOP", "0", "2", "b1", "b2", "LEFT", "COUNT", "10"),
            ("BLMPOP", "0", "2", "b1", "b2", "RIGHT", "COUNT", "1")]
    for i, (w, args) in enumerate(zip(ws, cmds)):
        w.send(encode_command(*args))
        wait_blocked(c, i + 1)
    c.cmd("MULTI")
    c.cmd("LPUSH", "b1", "a", "b", "c", "d", "e")
    c.cmd("LPUSH", "b2", "1", "2", "3", "4", "5")
    c.cmd("EXEC")
    assert ws[0].read_reply() == [b"b1", [b"e"]]
    assert ws[1].read_reply() == [b"b1", [b"a", b"b", b"c", b"d"]]
    assert ws[2].read_reply() == [b"b2", [b"5", b"4", b"3", b"2", b"1"]]
    assert no_reply(ws[3])
    c.cmd("LPUSH", "b2", "1", "2", "3")
    assert ws[3].read_reply() == [b"b2", [b"1"]]
    assert lrange(c, "b2") == [b"3", b"2"]


@pytest.mark.parametrize("src_end,dst_end", [("LEFT", "RIGHT"), ("RIGHT", "LEFT")])
def test_blmove_blocks_and_is_served(c, raw, src_end, dst_end):
    c.cmd("RPUSH", "target", "bar")
    w = raw()
    w.send(encode_command("BLMOVE", "src", "target", src_end, dst_end, "0"))
    wait_blocked(c, 1)
    c.cmd("RPUSH", "src", "foo")
    assert w.read_reply() == b"foo"
    assert lrange(c, "target") == ([b"bar", b"foo"] if dst_end == "RIGHT" else [b"foo", b"bar"])
    assert c.cmd("EXISTS", "src") == 0


def test_chained_blmoves_and_circular_brpoplpush(c, raw):
    w1, w2 = raw(), raw()
    w1.send(b"*6\r\n$6\r\nBLMOVE\r\n$2\r\nl1\r\n$2\r\nl2\r\n$5\r\nRIGHT\r\n$4\r\nLEFT\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    w2.send(b"*6\r\n$6\r\nBLMOVE\r\n$2\r\nl2\r\n$2\r\nl3\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n")
    wait_blocked(c, 2)
    c.cmd("RPUSH", "l1", "foo")
    assert w1.read_reply() == b"foo"
    assert w2.read_reply() == b"foo"
    assert lrange(c, "l3") == [b"foo"]
    assert c.cmd("EXISTS", "l1", "l2") == 0
    # circular: l1 -> l2 -> l1
    w1.send(b"*4\r\n$10\r\nBRPOPLPUSH\r\n$2\r\nl1\r\n$2\r\nl2\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    w2.send(b"*4\r\n$10\r\nBRPOPLPUSH\r\n$2\r\nl2\r\n$2\r\nl1\r\n$1\r\n0\r\n")
    wait_blocked(c, 2)
    c.cmd("RPUSH", "l1", "bar")
    assert w1.read_reply() == b"bar"
    assert w2.read_reply() == b"bar"
    assert lrange(c, "l1") == [b"bar"]
    assert c.cmd("EXISTS", "l2") == 0
    # self-referential
    w1.send(b"*4\r\n$10\r\nBRPOPLPUSH\r\n$2\r\nsr\r\n$2\r\nsr\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    c.cmd("RPUSH", "sr", "me")
    assert w1.read_reply() == b"me"
    assert lrange(c, "sr") == [b"me"]


def test_blmove_to_a_client_blpoping_the_target(c, raw):
    w_pop, w_move = raw(), raw()
    w_pop.send(b"*3\r\n$5\r\nBLPOP\r\n$6\r\ntarget\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    w_move.send(b"*6\r\n$6\r\nBLMOVE\r\n$5\r\nblist\r\n$6\r\ntarget\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n")
    wait_blocked(c, 2)
    c.cmd("RPUSH", "blist", "foo")
    assert w_move.read_reply() == b"foo"
    assert w_pop.read_reply() == [b"target", b"foo"]
    assert c.cmd("EXISTS", "target", "blist") == 0


def test_blocking_inside_multi_does_not_block(c):
    c.cmd("RPUSH", "x", "foo", "bar")
    c.cmd("MULTI")
    for _ in range(3):
        assert c.cmd("BLPOP", "x", "0") == b"QUEUED"
    assert c.cmd("BRPOPLPUSH", "x", "t", "0") == b"QUEUED"
    assert c.cmd("BLMOVE", "x", "t", "LEFT", "LEFT", "0") == b"QUEUED"
    assert c.cmd("BLMPOP", "0", "1", "x", "LEFT") == b"QUEUED"
    c.send(b"*1\r\n$4\r\nEXEC\r\n")
    assert c.read_raw_reply() == (b"*6\r\n*2\r\n$1\r\nx\r\n$3\r\nfoo\r\n*2\r\n$1\r\nx\r\n$3\r\nbar\r\n"
                                  b"*-1\r\n$-1\r\n$-1\r\n*-1\r\n")
    assert blocked_clients(c) == 0


def test_push_inside_multi_serves_after_exec(c, raw):
    w = raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    c.cmd("MULTI")
    c.cmd("LPUSH", "list", "a")
    c.cmd("LPUSH", "list", "b")
    assert no_reply(w, 0.05)
    c.cmd("LPUSH", "list", "c")
    assert c.cmd("EXEC") == [1, 2, 3]
    assert w.read_reply() == [b"list", b"c"]
    assert lrange(c, "list") == [b"b", b"a"]


@pytest.mark.parametrize("pop", ["BLPOP", "BLMPOP"])
def test_push_then_delete_in_multi_does_not_wake(c, raw, pop):
    w = raw()
    w.send(encode_command(*(("BLPOP", "list", "0") if pop == "BLPOP" else
                            ("BLMPOP", "0", "1", "list", "LEFT", "COUNT", "1"))))
    wait_blocked(c, 1)
    c.cmd("MULTI")
    c.cmd("LPUSH", "list", "a")
    c.cmd("DEL", "list")
    c.cmd("EXEC")
    assert no_reply(w)
    wait_blocked(c, 1)
    c.cmd("LPUSH", "list", "b")
    assert w.read_reply() == ([b"list", b"b"] if pop == "BLPOP" else [b"list", [b"b"]])


def test_key_changing_type_keeps_waiters_waiting(c, raw):
    """Redis 7.0 serves a waiter only from a list: a key that becomes another type
    leaves it waiting (no WRONGTYPE), and it is served once a list is back."""
    w = raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    c.cmd("MULTI")
    c.cmd("LPUSH", "list", "a")
    c.cmd("DEL", "list")
    c.cmd("SET", "list", "foo")
    c.cmd("EXEC")
    assert no_reply(w)
    c.cmd("SET", "list", "bar")
    assert no_reply(w)
    wait_blocked(c, 1)
    c.cmd("DEL", "list")
    c.cmd("LPUSH", "list", "b")
    assert w.read_reply() == [b"list", b"b"]


def test_blmove_destination_of_wrong_type(c, raw):
    c.cmd("SET", "target", "nolist")
    w1, w2 = raw(), raw()
    w1.send(b"*4\r\n$10\r\nBRPOPLPUSH\r\n$5\r\nblist\r\n$6\r\ntarget\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    w2.send(b"*4\r\n$10\r\nBRPOPLPUSH\r\n$5\r\nblist\r\n$7\r\ntarget2\r\n$1\r\n0\r\n")
    wait_blocked(c, 2)
    c.cmd("RPUSH", "blist", "a", "b", "c")
    assert w1.read_reply() == ERR_WRONGTYPE
    assert w2.read_reply() == b"c"
    assert lrange(c, "blist") == [b"a", b"b"]
    assert lrange(c, "target2") == [b"c"]


def test_disconnect_while_blocked_leaves_nothing(c, raw):
    w = raw()
    w.send(b"*4\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\nj\r\n$1\r\n0\r\n")
    w2 = raw()
    w2.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$2\r\n10\r\n")
    wait_blocked(c, 2)
    w.close()
    w2.close()
    wait_blocked(c, 0)
    c.cmd("RPUSH", "k", "v")
    c.cmd("RPUSH", "j", "v")
    assert lrange(c, "k") == [b"v"]
    assert lrange(c, "j") == [b"v"]
    info = c.cmd("INFO", "clients")
    assert b"clients_in_timeout_table:0" in info


def test_client_unblock(c, raw):
    w = raw()
    wid = w.cmd("CLIENT", "ID")
    for mode, want in [((), None), (("TIMEOUT",), None),
                       (("ERROR",), RespError(b"UNBLOCKED client unblocked via CLIENT UNBLOCK"))]:
        w.send(b"*5\r\n$6\r\nBLMPOP\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\nl\r\n$5\r\nRIGHT\r\n")
        wait_blocked(c, 1)
        assert c.cmd("CLIENT", "UNBLOCK", str(wid), *mode) == 1
        assert w.read_reply() == want
        wait_blocked(c, 0)
    assert c.cmd("CLIENT", "UNBLOCK", str(wid)) == 0
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    c.cmd("LPUSH", "l", "foo")
    assert w.read_reply() == [b"l", b"foo"]


def test_waiter_served_after_rename_and_swapdb(c, raw):
    w = raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$3\r\nfoo\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    c.cmd("LPUSH", "bob", "abc", "def", "hij")
    c.cmd("RENAME", "bob", "foo")
    assert w.read_reply() == [b"foo", b"hij"]
    c.cmd("SELECT", "1")
    c.cmd("RPUSH", "k", "hello")
    c.cmd("SELECT", "0")
    c.cmd("DEL", "k")
    w.send(b"*3\r\n$5\r\nBRPOP\r\n$1\r\nk\r\n$1\r\n5\r\n")
    wait_blocked(c, 1)
    c.cmd("SWAPDB", "0", "1")
    assert w.read_reply() == [b"k", b"hello"]
    c.cmd("SWAPDB", "0", "1")


def test_pipelined_commands_after_a_blocked_one(c, raw):
    w = raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    wait_blocked(c, 1)
    assert no_reply(w)
    c.cmd("RPUSH", "l", "one")
    assert w.read_reply() == [b"l", b"one"]
    assert w.read_reply() == b"PONG"
    wait_blocked(c, 1)
    c.cmd("RPUSH", "l", "two")
    assert w.read_reply() == [b"l", b"two"]


# ------------------------------------------------------------------ directives, DEBUG, COPY, digest

def test_list_directives(d):
    assert d.cmd("CONFIG", "GET", "list-max-listpack-size") == [b"list-max-listpack-size", b"-2"]
    assert d.cmd("CONFIG", "GET", "list-max-ziplist-size") == [b"list-max-ziplist-size", b"-2"]
    assert d.cmd("CONFIG", "SET", "list-max-ziplist-size", "4") == b"OK"
    assert d.cmd("CONFIG", "GET", "list-max-listpack-size") == [b"list-max-listpack-size", b"4"]
    assert d.cmd("CONFIG", "SET", "list-compress-depth", "1") == b"OK"
    assert d.cmd("CONFIG", "GET", "list-compress-depth") == [b"list-compress-depth", b"1"]
    assert d.cmd("CONFIG", "SET", "list-compress-depth", "-1") == (
        b"ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - argument must be "
        b"between 0 and 2147483647 inclusive")
    assert d.cmd("CONFIG", "SET", "list-max-ziplist-size", "abc") == (
        b"ERR CONFIG SET failed (possibly related to argument 'list-max-ziplist-size') - argument couldn't "
        b"be parsed into an integer")
    vals = [b"%d-%s" % (i, b"x" * 50) for i in range(200)]
    d.cmd("RPUSH", "l", *vals)
    assert lrange(d, "l") == vals
    assert d.cmd("LINDEX", "l", "100") == vals[100]
    d.cmd("LSET", "l", "100", "changed")
    d.cmd("LINSERT", "l", "BEFORE", "changed", "new")
    assert d.cmd("LRANGE", "l", "99", "102") == [vals[99], b"new", b"changed", vals[101]]
    assert d.cmd("LREM", "l", "0", vals[150]) == 1
    assert d.cmd("LLEN", "l") == 200


def test_packed_threshold(d):
    assert d.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b") == b"OK"
    d.cmd("LPUSH", "lst", "9", "xxxxxxxxxx", "xxxxxxxxxx")
    assert d.cmd("LLEN", "lst") == 3
    assert d.cmd("RPOP", "lst") == b"9"
    assert d.cmd("LINSERT", "lst", "BEFORE", "xxxxxxxxxx", "8") == 3
    assert d.cmd("LSET", "lst", "0", "y" * 20) == b"OK"
    assert lrange(d, "lst") == [b"y" * 20, b"xxxxxxxxxx", b"xxxxxxxxxx"]
    assert d.cmd("OBJECT", "ENCODING", "lst") == b"quicklist"
    assert d.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0") == b"OK"
    for bad in ["5gb", "-1", "abc", "1x"]:
        assert d.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad) == ERR_THRESHOLD, bad
    assert d.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4095mb") == b"OK"
    assert d.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0") == b"OK"


def test_debug_quicklist_and_listpack(d):
    d.cmd("RPUSH", "l", "a", "1")
    d.cmd("SET", "s", "v")
    assert d.cmd("DEBUG", "QUICKLIST", "l") == b"Quicklist structure printed on stdout"
    assert d.cmd("DEBUG", "QUICKLIST", "l", "1") == b"Quicklist structure printed on stdout"
    assert d.cmd("DEBUG", "QUICKLIST", "nokey") == b"ERR no such key"
    assert d.cmd("DEBUG", "QUICKLIST", "s") == b"ERR Not a quicklist encoded object."
    assert d.cmd("DEBUG", "QUICKLIST") == (b"ERR unknown subcommand or wrong number of arguments for 'QUICKLIST'. "
                                           b"Try DEBUG HELP.")
    assert d.cmd("DEBUG", "LISTPACK", "l") == b"ERR Not a listpack encoded object."


def test_copy_digest_memory(d):
    d.cmd("RPUSH", "dl", "a", "1", "bbb", "-5", "", str(LLONG_MAX))
    # the same digest as redis-server 7.0.15 computes for this list
    assert d.cmd("DEBUG", "DIGEST-VALUE", "dl") == [b"86c30ad85f4e82928434b66065b86142ab271104"]
    assert d.cmd("COPY", "dl", "dl2") == 1
    assert d.cmd("DEBUG", "DIGEST-VALUE", "dl2") == [b"86c30ad85f4e82928434b66065b86142ab271104"]
    d.cmd("RPUSH", "dl2", "more")
    assert d.cmd("LLEN", "dl") == 6
    assert d.cmd("OBJECT", "ENCODING", "dl2") == b"quicklist"
    small = d.cmd("MEMORY", "USAGE", "dl")
    assert 40 < small < 400
    d.cmd("RPUSH", "big", *[b"v%09d" % i for i in range(20000)])
    big = d.cmd("MEMORY", "USAGE", "big", "SAMPLES", "0")
    assert 20000 * 11 < big < 20000 * 14
    d.cmd("CONFIG", "SET", "list-compress-depth", "1")
    d.cmd("RPUSH", "cbig", *[b"v%09d" % i for i in range(20000)])
    assert d.cmd("COPY", "cbig", "cbig2") == 1
    assert lrange(d, "cbig2") == lrange(d, "cbig")
    assert d.cmd("DEBUG", "DIGEST-VALUE", "cbig") == d.cmd("DEBUG", "DIGEST-VALUE", "big")


# ------------------------------------------------------------------ randomized run against a model

def random_value(rng):
    k = rng.randrange(10)
    if k < 3:
        return str(rng.randrange(-10 ** rng.randrange(1, 19), 10 ** rng.randrange(1, 19))).encode()
    if k == 3:
        return rng.choice([b"", b"-0", b"01", b"+1", b"9223372036854775808", b"x"])
    if k == 9 and rng.randrange(4) == 0:
        return b"L" * rng.randrange(100, 9000)
    return bytes(rng.choice(b"abcde") for _ in range(rng.randrange(1, 40)))


def model_op(d, m, rng):
    """One random command against the server and the model."""
    op = rng.randrange(12)
    if op == 0:
        vals = [random_value(rng) for _ in range(rng.randrange(1, 5))]
        assert d.cmd("LPUSH", "k", *vals) == len(m) + len(vals)
        m[:0] = vals[::-1]
    elif op == 1:
        vals = [random_value(rng) for _ in range(rng.randrange(1, 5))]
        assert d.cmd("RPUSH", "k", *vals) == len(m) + len(vals)
        m.extend(vals)
    elif op == 2 and m:
        n = rng.randrange(1, 4)
        assert d.cmd("LPOP", "k", str(n)) == m[:n]
        del m[:n]
    elif op == 3 and m:
        assert d.cmd("RPOP", "k") == m.pop()
    elif op == 4 and m:
        i = rng.randrange(-len(m), len(m))
        v = random_value(rng)
        assert d.cmd("LSET", "k", str(i), v) == b"OK"
        m[i] = v
    elif op == 5 and m:
        pivot = rng.choice(m)
        v, after = random_value(rng), rng.randrange(2)
        at = m.index(pivot) + after
        assert d.cmd("LINSERT", "k", "AFTER" if after else "BEFORE", pivot, v) == len(m) + 1
        m.insert(at, v)
    elif op == 6 and m:
        v = rng.choice(m)
        cnt = rng.randrange(-2, 3)
        idxs = [i for i, x in enumerate(m) if x == v]
        if cnt < 0:
            idxs = idxs[::-1][:-cnt]
        elif cnt > 0:
            idxs = idxs[:cnt]
        assert d.cmd("LREM", "k", str(cnt), v) == len(idxs)
        for i in sorted(idxs, reverse=True):
            del m[i]
    elif op == 7 and m:
        s, e = rng.randrange(-len(m) - 2, len(m) + 2), rng.randrange(-len(m) - 2, len(m) + 2)
        assert d.cmd("LTRIM", "k", str(s), str(e)) == b"OK"
        n = len(m)
        s2, e2 = (s + n if s < 0 else s), (e + n if e < 0 else e)
        s2 = max(s2, 0)
        m[:] = m[s2:e2 + 1] if s2 <= e2 and s2 < n else []
    elif op == 8 and m:
        i = rng.randrange(-len(m), len(m))
        assert d.cmd("LINDEX", "k", str(i)) == m[i]
    elif op == 9 and m:
        v = rng.choice(m)
        assert d.cmd("LPOS", "k", v, "COUNT", "0") == [i for i, x in enumerate(m) if x == v]
    elif op == 10 and m:
        assert d.cmd("RPOPLPUSH", "k", "k") == m[-1]
        m.insert(0, m.pop())
    elif op == 11 and m:
        s = rng.randrange(len(m))
        e = rng.randrange(s, len(m))
        assert d.cmd("LRANGE", "k", str(s), str(e)) == m[s:e + 1]


@pytest.mark.parametrize("fill,depth,threshold", [("-2", "0", "0"), ("4", "1", "0"), ("1", "2", "0"),
                                                  ("-1", "1", "50b"), ("16", "0", "10b"), ("-5", "3", "0")])
def test_random_against_model(d, fill, depth, threshold):
    rng = random.Random(f"{fill}/{depth}/{threshold}")
    d.cmd("CONFIG", "SET", "list-max-listpack-size", fill)
    d.cmd("CONFIG", "SET", "list-compress-depth", depth)
    assert d.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold) == b"OK"
    m = []
    for step in range(1500):
        model_op(d, m, rng)
        if step % 100 == 99:
            assert lrange(d, "k") == m
            assert d.cmd("LLEN", "k") == len(m)
            assert d.cmd("EXISTS", "k") == (1 if m else 0)
    assert lrange(d, "k") == m
    if m:
        assert d.cmd("LRANGE", "k", "0", "-1") == d.cmd("LPOP", "k", str(len(m)))
