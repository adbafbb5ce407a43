"""String commands: SET and its options, GET/GETEX/GETDEL/GETSET, SETNX/SETEX/PSETEX,
MSET/MSETNX/MGET, APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE, the INCR family,
INCRBYFLOAT and LCS. Replies, encodings and error texts are Redis 7.0.15's (these
tests pass against redis-server 7.0.15 with VESPER_SERVER=/usr/bin/redis-server)."""
import time

import pytest

from helpers import make_other_type

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_NOT_FLOAT = b"ERR value is not a valid float"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_BULKLEN = b"ERR string exceeds maximum allowed size (proto-max-bulk-len)"


@pytest.fixture
def c(raw):
    """A raw connection: replies parsed but errors kept byte for byte."""
    return raw()


def expire_err(cmd):
    return b"ERR invalid expire time in '%s' command" % cmd.encode()


def encoding(r, key):
    return r.object("encoding", key)


# ---------------------------------------------------------------- SET / GET

def test_set_get_basic(r):
    assert r.set("k", "hello") is True
    assert r.get("k") == b"hello"
    assert r.get("missing") is None
    assert r.set("k", b"bin\x00ary\r\n") is True
    assert r.get("k") == b"bin\x00ary\r\n"
    assert r.set("e", "") is True
    assert r.get("e") == b""
    assert r.strlen("e") == 0
    assert r.exists("e") == 1


def test_set_encodings(r):
    cases = [
        ("99", b"int"), ("-1", b"int"), ("0", b"int"), (str(LLONG_MAX), b"int"), (str(LLONG_MIN), b"int"),
        ("9223372036854775808", b"embstr"), ("-0", b"embstr"), ("007", b"embstr"), ("+1", b"embstr"),
        (" 1", b"embstr"), ("1.5", b"embstr"), ("a" * 44, b"embstr"), ("a" * 45, b"raw"),
        ("1" * 45, b"raw"),
    ]
    for value, enc in cases:
        r.set("k", value)
        assert encoding(r, "k") == enc, value
        assert r.get("k") == value.encode()


def test_set_big_value(r):
    v = b"x" * (1024 * 1024 + 7)
    r.set("big", v)
    assert r.get("big") == v
    assert r.strlen("big") == len(v)
    assert encoding(r, "big") == b"raw"


def test_get_wrongtype(r, c):
    make_other_type(r, "l")
    assert c.cmd("GET", "l") == ERR_WRONGTYPE


def test_set_nx_xx(r, c):
    assert c.cmd("SET", "k", "v", "XX") is None
    assert r.exists("k") == 0
    assert c.cmd("SET", "k", "v1", "NX") == b"OK"
    assert c.cmd("SET", "k", "v2", "NX") is None
    assert r.get("k") == b"v1"
    assert c.cmd("SET", "k", "v3", "XX") == b"OK"
    assert r.get("k") == b"v3"
    assert c.cmd("SET", "k", "v4", "nx") is None
    assert c.cmd("SET", "k", "v4", "xX") == b"OK"
    # repeating the same option is accepted
    assert c.cmd("SET", "k", "v5", "XX", "XX") == b"OK"
    assert c.cmd("SET", "k", "v", "NX", "XX") == ERR_SYNTAX
    assert c.cmd("SET", "k", "v", "XX", "NX") == ERR_SYNTAX
    assert r.get("k") == b"v5"


def test_set_nx_xx_other_type(r, c):
    make_other_type(r, "l")
    assert c.cmd("SET", "l", "v", "NX") is None
    assert c.cmd("SET", "l", "v", "XX") == b"OK"
    assert r.get("l") == b"v"


def test_set_get_option(r, c):
    assert c.cmd("SET", "k", "v1", "GET") is None
    assert r.get("k") == b"v1"
    assert c.cmd("SET", "k", "v2", "GET") == b"v1"
    assert c.cmd("SET", "k", "v3", "get", "GET") == b"v2"
    assert r.get("k") == b"v3"
    r.set("n", 42)
    assert c.cmd("SET", "n", "x", "GET") == b"42"
    # NX + GET (allowed since 7.0): returns old value and does not set
    assert c.cmd("SET", "k", "v4", "NX", "GET") == b"v3"
    assert r.get("k") == b"v3"
    assert c.cmd("SET", "new", "v", "NX", "GET") is None
    assert r.get("new") == b"v"
    # XX + GET on a missing key: nil, nothing set
    assert c.cmd("SET", "nokey", "v", "XX", "GET") is None
    assert r.exists("nokey") == 0


def test_set_get_option_wrongtype(r, c):
    make_other_type(r, "l")
    assert c.cmd("SET", "l", "v", "GET") == ERR_WRONGTYPE
    assert r.type("l") != b"string"


def test_set_ex_px(r, c):
    assert c.cmd("SET", "k", "v", "EX", "100") == b"OK"
    assert 99 <= r.ttl("k") <= 100
    assert c.cmd("SET", "k", "v", "PX", "100000") == b"OK"
    assert 99000 <= r.pttl("k") <= 100000
    assert c.cmd("SET", "k", "v", "ex", "10", "EX", "200") == b"OK"   # last one wins
    assert 199 <= r.ttl("k") <= 200
    now = int(time.time())
    assert c.cmd("SET", "k", "v", "EXAT", str(now + 500)) == b"OK"
    assert 495 <= r.ttl("k") <= 500
    assert c.cmd("SET", "k", "v", "PXAT", str((now + 600) * 1000)) == b"OK"
    assert 595 <= r.ttl("k") <= 600
    # a plain SET clears the TTL
    assert c.cmd("SET", "k", "v") == b"OK"
    assert r.ttl("k") == -1


def test_set_keepttl(r, c):
    r.set("k", "v", ex=100)
    assert c.cmd("SET", "k", "v2", "KEEPTTL") == b"OK"
    assert 99 <= r.ttl("k") <= 100
    assert r.get("k") == b"v2"
    assert c.cmd("SET", "nottl", "v", "KEEPTTL") == b"OK"
    assert r.ttl("nottl") == -1


def test_set_expire_in_the_past(r, c):
    assert c.cmd("SET", "k", "v", "PXAT", "1") == b"OK"
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert c.cmd("SET", "k", "v", "EXAT", "1") == b"OK"
    assert r.get("k") is None


def test_set_short_expire_really_expires(r, c):
    assert c.cmd("SET", "k", "v", "PX", "30") == b"OK"
    assert r.get("k") == b"v"
    time.sleep(0.1)
    assert r.get("k") is None


def test_set_option_errors(r, c):
    bad = [
        ("EX",), ("PX",), ("EXAT",), ("PXAT",), ("FOO",), ("EX", "10", "PX", "10"),
        ("PX", "10", "EX", "10"), ("EX", "10", "EXAT", "10"), ("PXAT", "10", "PX", "10"),
        ("KEEPTTL", "EX", "10"), ("EX", "10", "KEEPTTL"), ("PERSIST",), ("NX", "XX"),
        ("EX", "10", "GET", "FOO"),
    ]
    for args in bad:
        assert c.cmd("SET", "k", "v", *args) == ERR_SYNTAX, args
    assert r.exists("k") == 0


def test_set_expire_value_errors(r, c):
    for opt in ("EX", "PX", "EXAT", "PXAT"):
        assert c.cmd("SET", "k", "v", opt, "0") == expire_err("set"), opt
        assert c.cmd("SET", "k", "v", opt, "-5") == expire_err("set"), opt
        assert c.cmd("SET", "k", "v", opt, "abc") == ERR_NOT_INT, opt
        assert c.cmd("SET", "k", "v", opt, "1.5") == ERR_NOT_INT, opt
        assert c.cmd("SET", "k", "v", opt, "99999999999999999999") == ERR_NOT_INT, opt
    # seconds * 1000 overflows
    assert c.cmd("SET", "k", "v", "EX", str(LLONG_MAX // 1000 + 1)) == expire_err("set")
    assert c.cmd("SET", "k", "v", "EXAT", str(LLONG_MAX // 1000 + 1)) == expire_err("set")
    # relative time + now overflows
    assert c.cmd("SET", "k", "v", "PX", str(LLONG_MAX)) == expire_err("set")
    assert c.cmd("SET", "k", "v", "EX", str(LLONG_MAX // 1000)) == expire_err("set")
    assert r.exists("k") == 0
    # absolute times far in the future are fine
    assert c.cmd("SET", "k", "v", "PXAT", str(LLONG_MAX)) == b"OK"
    assert c.cmd("SET", "k", "v", "EXAT", str(LLONG_MAX // 1000)) == b"OK"
    assert r.get("k") == b"v"


def test_set_expire_checked_before_get_and_type(r, c):
    make_other_type(r, "l")
    assert c.cmd("SET", "l", "v", "EX", "0", "GET") == expire_err("set")
    assert c.cmd("SET", "l", "v", "EX", "x", "GET") == ERR_NOT_INT


def test_set_arity(c):
    assert c.cmd("SET", "k") == b"ERR wrong number of arguments for 'set' command"
    assert c.cmd("GET") == b"ERR wrong number of arguments for 'get' command"
    assert c.cmd("GET", "a", "b") == b"ERR wrong number of arguments for 'get' command"


# ---------------------------------------------------------------- SETNX / SETEX / PSETEX / GETSET

def test_setnx(r, c):
    assert c.cmd("SETNX", "k", "v1") == 1
    assert c.cmd("SETNX", "k", "v2") == 0
    assert r.get("k") == b"v1"
    assert c.cmd("SETNX", "n", "12") == 1
    assert encoding(r, "n") == b"int"


def test_setex_psetex(r, c):
    assert c.cmd("SETEX", "k", "100", "v") == b"OK"
    assert r.get("k") == b"v"
    assert 99 <= r.ttl("k") <= 100
    assert c.cmd("PSETEX", "p", "100000", "v") == b"OK"
    assert 99000 <= r.pttl("p") <= 100000
    assert c.cmd("SETEX", "k", "0", "v") == expire_err("setex")
    assert c.cmd("SETEX", "k", "-1", "v") == expire_err("setex")
    assert c.cmd("PSETEX", "k", "0", "v") == expire_err("psetex")
    assert c.cmd("PSETEX", "k", str(LLONG_MAX), "v") == expire_err("psetex")
    assert c.cmd("SETEX", "k", str(LLONG_MAX // 1000 + 1), "v") == expire_err("setex")
    assert c.cmd("SETEX", "k", "abc", "v") == ERR_NOT_INT
    assert c.cmd("SETEX", "k", "10") == b"ERR wrong number of arguments for 'setex' command"
    make_other_type(r, "l")
    assert c.cmd("SETEX", "l", "10", "v") == b"OK"
    assert r.get("l") == b"v"


def test_getset(r, c):
    assert c.cmd("GETSET", "k", "v1") is None
    assert c.cmd("GETSET", "k", "v2") == b"v1"
    assert r.get("k") == b"v2"
    r.expire("k", 100)
    assert c.cmd("GETSET", "k", "5") == b"v2"
    assert r.ttl("k") == -1
    assert encoding(r, "k") == b"int"
    make_other_type(r, "l")
    assert c.cmd("GETSET", "l", "v") == ERR_WRONGTYPE


# ---------------------------------------------------------------- GETEX / GETDEL

def test_getex_plain(r, c):
    assert c.cmd("GETEX", "missing") is None
    r.set("k", "v", ex=100)
    assert c.cmd("GETEX", "k") == b"v"
    assert 99 <= r.ttl("k") <= 100


def test_getex_options(r, c):
    r.set("k", "v")
    assert c.cmd("GETEX", "k", "EX", "100") == b"v"
    assert 99 <= r.ttl("k") <= 100
    assert c.cmd("GETEX", "k", "PX", "200000") == b"v"
    assert 199000 <= r.pttl("k") <= 200000
    now = int(time.time())
    assert c.cmd("GETEX", "k", "EXAT", str(now + 300)) == b"v"
    assert 295 <= r.ttl("k") <= 300
    assert c.cmd("GETEX", "k", "PXAT", str((now + 400) * 1000)) == b"v"
    assert 395 <= r.ttl("k") <= 400
    assert c.cmd("GETEX", "k", "persist") == b"v"
    assert r.ttl("k") == -1
    assert c.cmd("GETEX", "k", "PERSIST") == b"v"
    assert r.ttl("k") == -1


def test_getex_past_time_deletes(r, c):
    r.set("k", "v")
    assert c.cmd("GETEX", "k", "PXAT", "1") == b"v"
    assert r.exists("k") == 0
    r.set("k", "v")
    assert c.cmd("GETEX", "k", "EXAT", "1") == b"v"
    assert r.exists("k") == 0


def test_getex_errors(r, c):
    r.set("k", "v")
    for args in (("NX",), ("XX",), ("GET",), ("KEEPTTL",), ("EX",), ("EX", "10", "PX", "10"),
                 ("PERSIST", "EX", "10"), ("EX", "10", "PERSIST"), ("FOO",)):
        assert c.cmd("GETEX", "k", *args) == ERR_SYNTAX, args
    assert c.cmd("GETEX", "k", "EX", "0") == expire_err("getex")
    assert c.cmd("GETEX", "k", "PX", "-1") == expire_err("getex")
    assert c.cmd("GETEX", "k", "PX", str(LLONG_MAX)) == expire_err("getex")
    assert c.cmd("GETEX", "k", "EX", "abc") == ERR_NOT_INT
    assert r.ttl("k") == -1
    # a missing key answers nil before the expire value is looked at
    assert c.cmd("GETEX", "missing", "EX", "abc") is None
    assert c.cmd("GETEX", "missing", "EX", "0") is None
    # but syntax is checked first
    assert c.cmd("GETEX", "missing", "FOO") == ERR_SYNTAX
    make_other_type(r, "l")
    assert c.cmd("GETEX", "l") == ERR_WRONGTYPE
    assert c.cmd("GETEX", "l", "EX", "abc") == ERR_WRONGTYPE


def test_getdel(r, c):
    r.set("k", "v")
    assert c.cmd("GETDEL", "k") == b"v"
    assert r.exists("k") == 0
    assert c.cmd("GETDEL", "k") is None
    r.set("n", 10)
    assert c.cmd("GETDEL", "n") == b"10"
    make_other_type(r, "l")
    assert c.cmd("GETDEL", "l") == ERR_WRONGTYPE
    assert r.exists("l") == 1


# ---------------------------------------------------------------- MSET / MSETNX / MGET

def test_mset_mget(r, c):
    assert c.cmd("MSET", "a", "1", "b", "two", "c", "x" * 50) == b"OK"
    assert c.cmd("MGET", "a", "b", "c", "nokey") == [b"1", b"two", b"x" * 50, None]
    assert encoding(r, "a") == b"int"
    assert encoding(r, "b") == b"embstr"
    assert encoding(r, "c") == b"raw"
    # same key twice: the last value wins
    assert c.cmd("MSET", "d", "1", "d", "2") == b"OK"
    assert r.get("d") == b"2"
    r.expire("a", 100)
    assert c.cmd("MSET", "a", "3") == b"OK"
    assert r.ttl("a") == -1


def test_mset_arity(c):
    assert c.cmd("MSET", "a") == b"ERR wrong number of arguments for 'mset' command"
    assert c.cmd("MSET", "a", "1", "b") == b"ERR wrong number of arguments for 'mset' command"
    assert c.cmd("MSETNX", "a", "1", "b") == b"ERR wrong number of arguments for 'msetnx' command"
    assert c.cmd("MGET") == b"ERR wrong number of arguments for 'mget' command"


def test_msetnx(r, c):
    assert c.cmd("MSETNX", "a", "1", "b", "2") == 1
    assert c.cmd("MSETNX", "b", "3", "c", "4") == 0
    assert r.exists("c") == 0
    assert r.get("b") == b"2"
    assert c.cmd("MSETNX", "x", "1", "x", "2") == 1
    assert r.get("x") == b"2"


def test_mget_other_types_are_nil(r, c):
    r.set("s", "v")
    make_other_type(r, "l")
    assert c.cmd("MGET", "s", "l", "s") == [b"v", None, b"v"]


# ---------------------------------------------------------------- APPEND / STRLEN

def test_append(r, c):
    assert c.cmd("APPEND", "k", "hello") == 5
    assert encoding(r, "k") == b"embstr"
    assert c.cmd("APPEND", "k", " world") == 11
    assert r.get("k") == b"hello world"
    assert encoding(r, "k") == b"raw"
    assert c.cmd("APPEND", "n", "123") == 3
    assert encoding(r, "n") == b"int"
    assert c.cmd("APPEND", "n", "4") == 4
    assert r.get("n") == b"1234"
    assert encoding(r, "n") == b"raw"
    r.set("i", 10)
    assert c.cmd("APPEND", "i", "") == 2
    assert r.get("i") == b"10"
    assert c.cmd("APPEND", "empty", "") == 0
    assert r.exists("empty") == 1


def test_append_keeps_ttl_and_grows(r, c):
    r.set("k", "a", ex=100)
    total = 1
    for i in range(200):
        total = c.cmd("APPEND", "k", "xyz")
    assert total == 1 + 600
    assert r.get("k") == b"a" + b"xyz" * 200
    assert 99 <= r.ttl("k") <= 100


def test_append_wrongtype(r, c):
    make_other_type(r, "l")
    assert c.cmd("APPEND", "l", "x") == ERR_WRONGTYPE


def test_strlen(r, c):
    assert c.cmd("STRLEN", "missing") == 0
    r.set("k", "hello")
    assert c.cmd("STRLEN", "k") == 5
    r.set("n", -12345)
    assert c.cmd("STRLEN", "n") == 6
    make_other_type(r, "l")
    assert c.cmd("STRLEN", "l") == ERR_WRONGTYPE


# ---------------------------------------------------------------- GETRANGE / SUBSTR

@pytest.mark.parametrize("cmd", ["GETRANGE", "SUBSTR"])
def test_getrange(r, c, cmd):
    r.set("k", "This is a string")
    cases = [
        ((0, 3), b"This"), ((-3, -1), b"ing"), ((0, -1), b"This is a string"),
        ((10, 100), b"string"), ((5, 3), b""), ((-1, -5), b""), ((100, 200), b""),
        ((-100, 3), b"This"), ((-100, -100), b"T"), ((0, 0), b"T"), ((-1, -1), b"g"),
        ((15, 15), b"g"), ((16, 20), b""), ((3, -100), b""),
        ((LLONG_MIN, LLONG_MAX), b"This is a string"),
    ]
    for (s, e), want in cases:
        assert c.cmd(cmd, "k", s, e) == want, (s, e)
    r.set("n", 123456)
    assert c.cmd(cmd, "n", 1, 3) == b"234"
    assert c.cmd(cmd, "n", -2, -1) == b"56"
    r.set("e", "")
    assert c.cmd(cmd, "e", 0, -1) == b""
    assert c.cmd(cmd, "missing", 0, -1) == b""


def test_getrange_errors(r, c):
    assert c.cmd("GETRANGE", "missing", "a", "1") == ERR_NOT_INT
    assert c.cmd("GETRANGE", "missing", "0", "1.0") == ERR_NOT_INT
    assert c.cmd("GETRANGE", "k", "0") == b"ERR wrong number of arguments for 'getrange' command"
    make_other_type(r, "l")
    assert c.cmd("GETRANGE", "l", "0", "1") == ERR_WRONGTYPE
    assert c.cmd("SUBSTR", "l", "0", "1") == ERR_WRONGTYPE


# ---------------------------------------------------------------- SETRANGE

def test_setrange_new_key(r, c):
    assert c.cmd("SETRANGE", "k", "5", "abc") == 8
    assert r.get("k") == b"\x00" * 5 + b"abc"
    assert encoding(r, "k") == b"raw"
    assert c.cmd("SETRANGE", "k2", "0", "xy") == 2
    assert encoding(r, "k2") == b"raw"
    # empty value on a missing key creates nothing
    assert c.cmd("SETRANGE", "none", "10", "") == 0
    assert r.exists("none") == 0


def test_setrange_existing(r, c):
    r.set("k", "Hello World")
    assert c.cmd("SETRANGE", "k", "6", "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert c.cmd("SETRANGE", "k", "12", "!") == 13
    assert r.get("k") == b"Hello Redis\x00!"
    assert c.cmd("SETRANGE", "k", "0", "") == 13
    assert c.cmd("SETRANGE", "k", "100", "") == 13
    r.set("n", 1234)
    assert c.cmd("SETRANGE", "n", "1", "99") == 4
    assert r.get("n") == b"1994"
    assert encoding(r, "n") == b"raw"
    r.set("t", "abc", ex=100)
    assert c.cmd("SETRANGE", "t", "1", "X") == 3
    assert 99 <= r.ttl("t") <= 100
    assert r.get("t") == b"aXc"


def test_setrange_errors(r, c):
    r.set("k", "v")
    assert c.cmd("SETRANGE", "k", "-1", "x") == b"ERR offset is out of range"
    assert c.cmd("SETRANGE", "k", "abc", "x") == ERR_NOT_INT
    assert c.cmd("SETRANGE", "k", str(512 * 1024 * 1024), "x") == ERR_BULKLEN
    assert c.cmd("SETRANGE", "k", str(512 * 1024 * 1024 - 1), "xy") == ERR_BULKLEN
    assert c.cmd("SETRANGE", "new", str(512 * 1024 * 1024), "x") == ERR_BULKLEN
    assert c.cmd("SETRANGE", "new", str(LLONG_MAX), "x") == ERR_BULKLEN
    assert r.exists("new") == 0
    # an empty value skips the size check
    assert c.cmd("SETRANGE", "k", str(LLONG_MAX), "") == 1
    make_other_type(r, "l")
    assert c.cmd("SETRANGE", "l", "0", "x") == ERR_WRONGTYPE
    assert c.cmd("SETRANGE", "l", "0", "") == ERR_WRONGTYPE
    assert c.cmd("SETRANGE", "l", "-1", "x") == b"ERR offset is out of range"


def test_setrange_and_append_respect_proto_max_bulk_len(r, c):
    old = r.config_get("proto-max-bulk-len")["proto-max-bulk-len"]
    try:
        r.config_set("proto-max-bulk-len", 1024 * 1024)
        assert c.cmd("SETRANGE", "k", str(1024 * 1024 - 1), "x") == 1024 * 1024
        assert c.cmd("APPEND", "k", "y") == ERR_BULKLEN
        assert c.cmd("SETRANGE", "k", str(1024 * 1024), "x") == ERR_BULKLEN
        assert r.strlen("k") == 1024 * 1024
    finally:
        r.config_set("proto-max-bulk-len", old)


# ---------------------------------------------------------------- INCR family

def test_incr_decr(r, c):
    assert c.cmd("INCR", "k") == 1
    assert c.cmd("INCR", "k") == 2
    assert c.cmd("DECR", "k") == 1
    assert c.cmd("INCRBY", "k", "100") == 101
    assert c.cmd("DECRBY", "k", "1000") == -899
    assert c.cmd("INCRBY", "k", "-1") == -900
    assert c.cmd("DECRBY", "k", "-900") == 0
    assert encoding(r, "k") == b"int"
    assert c.cmd("DECR", "d") == -1
    assert c.cmd("DECRBY", "e", "5") == -5
    assert c.cmd("INCRBY", "f", "5") == 5


def test_incr_on_string_values(r, c):
    r.set("k", "  10")
    assert c.cmd("INCR", "k") == ERR_NOT_INT
    r.set("k", "1.5")
    assert c.cmd("INCR", "k") == ERR_NOT_INT
    r.set("k", "abc")
    assert c.cmd("INCRBY", "k", "1") == ERR_NOT_INT
    r.set("k", "")
    assert c.cmd("INCR", "k") == ERR_NOT_INT
    r.set("k", "9223372036854775808")
    assert c.cmd("INCR", "k") == ERR_NOT_INT
    # a raw string holding an integer works and becomes int-encoded
    c.cmd("SETRANGE", "r", "0", "41")
    assert encoding(r, "r") == b"raw"
    assert c.cmd("INCR", "r") == 42
    assert encoding(r, "r") == b"int"
    assert r.get("r") == b"42"


def test_incr_big_and_keeps_ttl(r, c):
    r.set("k", 1000000, ex=100)
    assert c.cmd("INCRBY", "k", str(LLONG_MAX - 1000000)) == LLONG_MAX
    assert r.get("k") == str(LLONG_MAX).encode()
    assert 99 <= r.ttl("k") <= 100
    r.set("s", "17")
    r.expire("s", 100)
    assert c.cmd("INCR", "s") == 18
    assert 99 <= r.ttl("s") <= 100


def test_incr_overflow(r, c):
    r.set("k", LLONG_MAX)
    assert c.cmd("INCR", "k") == b"ERR increment or decrement would overflow"
    assert c.cmd("INCRBY", "k", "1") == b"ERR increment or decrement would overflow"
    assert r.get("k") == str(LLONG_MAX).encode()
    r.set("m", LLONG_MIN)
    assert c.cmd("DECR", "m") == b"ERR increment or decrement would overflow"
    assert c.cmd("DECRBY", "m", "1") == b"ERR increment or decrement would overflow"
    assert c.cmd("INCRBY", "m", str(LLONG_MIN)) == b"ERR increment or decrement would overflow"
    assert c.cmd("DECRBY", "z", str(LLONG_MIN)) == b"ERR decrement would overflow"
    assert c.cmd("INCRBY", "z", str(LLONG_MIN)) == LLONG_MIN
    assert c.cmd("DECRBY", "z", str(-LLONG_MAX)) == -1


def test_incr_arg_errors(r, c):
    assert c.cmd("INCRBY", "k", "abc") == ERR_NOT_INT
    assert c.cmd("INCRBY", "k", "1.0") == ERR_NOT_INT
    assert c.cmd("INCRBY", "k", "9223372036854775808") == ERR_NOT_INT
    assert c.cmd("DECRBY", "k", "") == ERR_NOT_INT
    assert r.exists("k") == 0
    make_other_type(r, "l")
    assert c.cmd("INCR", "l") == ERR_WRONGTYPE
    assert c.cmd("DECRBY", "l", "1") == ERR_WRONGTYPE
    assert c.cmd("INCR") == b"ERR wrong number of arguments for 'incr' command"


def test_incrbyfloat(r, c):
    assert c.cmd("INCRBYFLOAT", "k", "10.5") == b"10.5"
    assert c.cmd("INCRBYFLOAT", "k", "0.1") == b"10.6"
    assert c.cmd("INCRBYFLOAT", "k", "-5") == b"5.6"
    assert encoding(r, "k") == b"embstr"
    r.set("i", 5)
    assert c.cmd("INCRBYFLOAT", "i", "1.5") == b"6.5"
    assert c.cmd("INCRBYFLOAT", "i", "0.5") == b"7"
    assert encoding(r, "i") == b"embstr"
    assert c.cmd("INCRBY", "i", "1") == 8
    r.set("e", "5.0e3")
    assert c.cmd("INCRBYFLOAT", "e", "2.0e2") == b"5200"
    assert c.cmd("INCRBYFLOAT", "z", "-0") == b"0"
    assert c.cmd("INCRBYFLOAT", "x", "1e-5") == b"0.00001"
    assert c.cmd("INCRBYFLOAT", "y", "3") == b"3"
    r.set("t", "1", ex=100)
    assert c.cmd("INCRBYFLOAT", "t", "1.25") == b"2.25"
    assert 99 <= r.ttl("t") <= 100


def test_incrbyfloat_errors(r, c):
    r.set("k", "abc")
    assert c.cmd("INCRBYFLOAT", "k", "1") == ERR_NOT_FLOAT
    r.set("k", "1")
    for bad in ("abc", "", " 1", "1 ", "nan", "1.0.0", "0x"):
        assert c.cmd("INCRBYFLOAT", "k", bad) == ERR_NOT_FLOAT, bad
    assert c.cmd("INCRBYFLOAT", "k", "inf") == b"ERR increment would produce NaN or Infinity"
    assert c.cmd("INCRBYFLOAT", "k", "-inf") == b"ERR increment would produce NaN or Infinity"
    assert r.get("k") == b"1"
    r.set("big", "1e4932")
    assert c.cmd("INCRBYFLOAT", "big", "1e4932") == b"ERR increment would produce NaN or Infinity"
    make_other_type(r, "l")
    assert c.cmd("INCRBYFLOAT", "l", "1") == ERR_WRONGTYPE


# ---------------------------------------------------------------- LCS

def test_lcs_basic(r, c):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert c.cmd("LCS", "key1", "key2") == b"mytext"
    assert c.cmd("LCS", "key1", "key2", "LEN") == 6
    assert c.cmd("LCS", "key1", "nokey") == b""
    assert c.cmd("LCS", "nokey", "nokey2", "LEN") == 0
    assert c.cmd("LCS", "key1", "key1") == b"ohmytext"
    r.set("n1", 12345)
    r.set("n2", 2349)
    assert c.cmd("LCS", "n1", "n2") == b"234"


def test_lcs_idx(r, c):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert c.cmd("LCS", "key1", "key2", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert c.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert c.cmd("LCS", "key1", "key2", "idx", "withmatchlen") == [
        b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
    assert c.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "-5") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert c.cmd("LCS", "key1", "nokey", "IDX") == [b"matches", [], b"len", 0]


def test_lcs_idx_longer(r, c):
    a = "ABCBDAB" * 3
    b = "BDCABA" * 3
    r.mset({"a": a, "b": b})
    # expected values taken from Redis 7.0.15
    assert c.cmd("LCS", "a", "b", "LEN") == 14
    assert c.cmd("LCS", "a", "b") == b"BDABABDABABDAB"
    assert c.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN") == [
        b"matches", [[[12, 14], [9, 11], 3], [[5, 7], [3, 5], 3]], b"len", 14]
    assert c.cmd("LCS", "a", "b", "IDX") == [
        b"matches", [[[19, 20], [15, 16]], [[17, 18], [12, 13]], [[12, 14], [9, 11]],
                     [[10, 11], [6, 7]], [[5, 7], [3, 5]], [[3, 4], [0, 1]]],
        b"len", 14]


def test_lcs_errors(r, c):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert c.cmd("LCS", "key1", "key2", "LEN", "IDX") == \
        b"ERR If you want both the length and indexes, please just use IDX."
    assert c.cmd("LCS", "key1", "key2", "FOO") == ERR_SYNTAX
    assert c.cmd("LCS", "key1", "key2", "MINMATCHLEN") == ERR_SYNTAX
    assert c.cmd("LCS", "key1", "key2", "MINMATCHLEN", "x") == ERR_NOT_INT
    assert c.cmd("LCS", "key1") == b"ERR wrong number of arguments for 'lcs' command"
    make_other_type(r, "l")
    assert c.cmd("LCS", "key1", "l") == b"ERR The specified keys must contain string values"
    assert c.cmd("LCS", "l", "key1", "FOO") == b"ERR The specified keys must contain string values"


def test_lcs_resp3_map(r, server):
    cl = server.raw()
    try:
        hello = cl.cmd("HELLO", "3")
        if isinstance(hello, bytes) and hello.startswith(b"ERR"):
            pytest.skip("HELLO 3 not available")
        r.mset({"key1": "ohmytext", "key2": "mynewtext"})
        cl.send(b"*4\r\n$3\r\nLCS\r\n$4\r\nkey1\r\n$4\r\nkey2\r\n$3\r\nIDX\r\n")
        raw_reply = cl.read_raw_reply()
        assert raw_reply.startswith(b"%2\r\n$7\r\nmatches\r\n*2\r\n")
        assert raw_reply.endswith(b"$3\r\nlen\r\n:6\r\n")
    finally:
        cl.close()


# ---------------------------------------------------------------- command table

def test_command_info_strings(c):
    info = c.cmd("COMMAND", "INFO", "set", "get", "mset", "lcs", "getdel", "incrbyfloat")
    if isinstance(info, bytes):
        pytest.skip("COMMAND INFO not available")
    byname = {i[0]: i for i in info}
    assert byname[b"set"][1:6] == [-3, [b"write", b"denyoom"], 1, 1, 1]
    assert byname[b"get"][1:6] == [2, [b"readonly", b"fast"], 1, 1, 1]
    assert byname[b"mset"][1:6] == [-3, [b"write", b"denyoom"], 1, -1, 2]
    assert byname[b"lcs"][1:6] == [-3, [b"readonly"], 1, 2, 1]
    assert byname[b"getdel"][1:6] == [2, [b"write", b"fast"], 1, 1, 1]
    assert sorted(byname[b"incrbyfloat"][6]) == sorted([b"@write", b"@string", b"@fast"])
    assert sorted(byname[b"set"][6]) == sorted([b"@write", b"@string", b"@slow"])
