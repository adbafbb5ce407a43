"""SORT and SORT_RO: lists, sets and sorted sets sorted as numbers or ALPHA, BY
patterns (string keys, hash fields, missing or wrong-typed targets, constant
patterns such as "nosort"), LIMIT with negative and huge values, GET ('#',
several, constant, hash fields), ASC/DESC, STORE (a new list, empty results
delete the destination, events, WATCH, change counts), the numeric parse errors,
option errors, RESP3 shapes, COMMAND GETKEYS, and a randomized run against a
Python model. Replies and error texts are Redis 7.0.15's: every test passes
against redis-server 7.0.15 (VESPER_SERVER=/usr/bin/redis-server)."""
import random
import time

import pytest
import redis

from conftest import is_reference_redis

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_DOUBLE = b"ERR One or more scores can't be converted into double"


@pytest.fixture
def c(raw):
    """A raw connection: replies parsed, errors kept byte for byte."""
    return raw()


@pytest.fixture
def c3(raw):
    """A raw RESP3 connection."""
    cl = raw()
    assert isinstance(cl.cmd("HELLO", "3"), dict)
    return cl


@pytest.fixture(autouse=True)
def clear_errno(r):
    """Redis 7.0's SORT reads errno after strtod without clearing it first, so an
    out-of-range double parsed earlier on the same server (by any command) fails
    its numeric sorts until something clears errno: ZADD with a non-integer score
    does (string2d). Vesper clears errno itself."""
    if is_reference_redis():
        r.zadd("__errno", {"x": 1.5})
        r.delete("__errno")


def b(*items):
    return [x if isinstance(x, bytes) or x is None else str(x).encode() for x in items]


# ---------------------------------------------------------------- plain sorting

def test_numeric_sort_of_each_type(r, c):
    r.rpush("l", 3, 1, 2, 10, -5, 1.5)
    r.sadd("s", 3, 1, 2, 10, -5, 1.5)
    r.zadd("z", {"3": 0, "1": 9, "2": 5, "10": 1, "-5": 3, "1.5": 2})
    for key in ("l", "s", "z"):
        assert c.cmd("SORT", key) == b(-5, 1, 1.5, 2, 3, 10)
        assert c.cmd("SORT", key, "DESC") == b(10, 3, 2, 1.5, 1, -5)
        assert c.cmd("SORT", key, "desc", "ASC") == b(-5, 1, 1.5, 2, 3, 10)   # the last one wins
        assert c.cmd("SORT_RO", key, "DESC") == b(10, 3, 2, 1.5, 1, -5)


def test_intset_and_big_sets(r, c):
    r.sadd("small", *range(20, 0, -1))
    assert r.object("encoding", "small") == b"intset"
    assert c.cmd("SORT", "small") == b(*range(1, 21))
    members = [str(i * 7919 % 1000) for i in range(1000)]
    r.sadd("big", *members, "x")
    r.srem("big", "x")
    assert r.object("encoding", "big") == b"hashtable"
    assert c.cmd("SORT", "big") == b(*sorted(set(int(m) for m in members)))


def test_alpha(r, c):
    r.rpush("l", 2, 1, 3, 10)
    assert c.cmd("SORT", "l", "ALPHA") == b(1, 10, 2, 3)
    assert c.cmd("SORT", "l", "ALPHA", "DESC") == b(3, 2, 10, 1)
    r.rpush("w", "b", "a", "B", "aa", "", "a b")
    assert c.cmd("SORT", "w", "ALPHA") == [b"", b"B", b"a", b"a b", b"aa", b"b"]
    r.zadd("z", {"a": 1, "b": 5, "c": 2, "d": 10, "e": 3})
    assert c.cmd("SORT", "z", "ALPHA", "DESC") == b(*"edcba")


def test_floats_and_ties(r, c):
    floats = ["1.1", "5.10", "3.10", "7.44", "2.1", "5.75", "6.12", "0.25", "1.15"]
    r.lpush("f", *floats)
    assert c.cmd("SORT", "f") == b(*sorted(floats, key=float))
    # equal numbers are ordered by their bytes
    r.rpush("t", "1.0", "1", "01", "1e0", "0.5")
    assert c.cmd("SORT", "t") == b("0.5", "01", "1", "1.0", "1e0")
    assert c.cmd("SORT", "t", "DESC") == b("1e0", "1.0", "1", "01", "0.5")


def test_missing_key_and_wrong_type(r, c):
    assert c.cmd("SORT", "nokey") == []
    assert c.cmd("SORT_RO", "nokey", "BY", "w_*", "GET", "#", "LIMIT", 0, 10) == []
    r.set("str", "x")
    r.hset("h", "a", 1)
    assert c.cmd("SORT", "str") == ERR_WRONGTYPE
    assert c.cmd("SORT_RO", "h") == ERR_WRONGTYPE
    assert c.cmd("SORT", "h", "STORE", "dst") == ERR_WRONGTYPE
    assert r.exists("dst") == 0
    # option errors come first
    assert c.cmd("SORT", "str", "LIMIT", "x", 1) == ERR_NOT_INT
    assert c.cmd("SORT", "str", "FOO") == ERR_SYNTAX


def test_zset_becomes_skiplist(r, c):
    r.zadd("z", {"a": 1, "b": 2})
    assert r.object("encoding", "z") == b"listpack"
    c.cmd("SORT_RO", "z", "ALPHA")
    assert r.object("encoding", "z") == b"skiplist"          # Redis converts it too
    assert r.zrange("z", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.0)]


# ---------------------------------------------------------------- numeric parsing

def test_not_a_double(r, c):
    r.sadd("s", 1, 2, 3, "not-a-double")
    assert c.cmd("SORT", "s") == ERR_DOUBLE
    assert c.cmd("SORT", "s", "ALPHA") == b(1, 2, 3, "not-a-double")
    r.sadd("ok", 1, 2, 3, 4)
    r.mset({"score:1": 10, "score:2": 20, "score:3": 30, "score:4": "not-a-double"})
    assert c.cmd("SORT", "ok", "BY", "score:*") == ERR_DOUBLE
    assert c.cmd("SORT", "ok", "BY", "score:*", "STORE", "dst") == ERR_DOUBLE
    assert r.exists("dst") == 0
    assert c.cmd("SORT", "ok", "BY", "score:*", "ALPHA") == b(1, 2, 3, 4)
    r.rpush("nan", "nan", 1)
    assert c.cmd("SORT", "nan") == ERR_DOUBLE
    r.rpush("trail", "3 ", 2)
    assert c.cmd("SORT", "trail") == ERR_DOUBLE


def test_strtod_forms(r, c):
    # an empty string is 0, leading spaces, infinities, exponents
    r.rpush("l", "", "2", "-1", " 3", "inf", "-inf", "1e2")
    assert c.cmd("SORT", "l") == b("-inf", "-1", "", "2", " 3", "1e2", "inf")


def test_out_of_range_double(spawn):
    # A fresh server: Redis 7.0 leaves errno at ERANGE after this, and later numeric
    # sorts on the same server then fail too (Vesper does not copy that).
    srv = spawn()
    c = srv.raw()
    c.cmd("RPUSH", "big", "1e400", "1")
    assert c.cmd("SORT", "big") == ERR_DOUBLE
    c.cmd("RPUSH", "tiny", "1e-400", "1")
    assert c.cmd("SORT", "tiny") == ERR_DOUBLE
    assert c.cmd("SORT", "big", "ALPHA") == b("1", "1e400")


# ---------------------------------------------------------------- BY

def make_weighted(r):
    r.rpush("l", "a", "b", "c", "d")
    r.mset({"w_a": 3, "w_b": 1, "w_c": 2})                  # d has no weight
    r.hset("h_a", mapping={"f": 30, "name": "A"})
    r.hset("h_b", mapping={"f": 10, "name": "B"})
    r.hset("h_c", mapping={"f": 20})
    r.set("h_d", "not a hash")


def test_by_string_keys_and_hash_fields(r, c):
    make_weighted(r)
    assert c.cmd("SORT", "l", "BY", "w_*") == b(*"dbca")      # missing weighs 0
    assert c.cmd("SORT", "l", "BY", "w_*", "DESC") == b(*"acbd")
    assert c.cmd("SORT", "l", "BY", "h_*->f") == b(*"dbca")   # h_d: not a hash
    assert c.cmd("SORT", "l", "BY", "h_*->name", "ALPHA") == b(*"cdab")  # missing first
    assert c.cmd("SORT", "l", "BY", "h_*->name", "ALPHA", "DESC") == b(*"bacd")
    assert c.cmd("SORT", "l", "BY", "h_*->nofield") == b(*"abcd")


def test_by_missing_weights_sort_by_element(r, c):
    r.sadd("s", *"qwertyuiop")
    assert c.cmd("SORT", "s", "BY", "nokey_*") == b(*sorted("qwertyuiop"))
    # equal weights: the elements' bytes decide
    r.sadd("t", "a", "aa", "aaa", "azz", "b", "c")
    r.mset({f"score:{x}": 100 for x in ("a", "aa", "aaa", "azz", "b", "c")})
    assert c.cmd("SORT", "t", "BY", "score:*") == b("a", "aa", "aaa", "azz", "b", "c")


def test_by_alpha_ties_keep_list_order(r, c):
    r.rpush("l", "z", "x", "y")
    assert c.cmd("SORT", "l", "BY", "nokey_*", "ALPHA") == b(*"zxy")


def test_by_wrong_type_target_weighs_nothing(r, c):
    r.rpush("l", 1, 2, 3)
    r.rpush("w_1", "a list")
    r.set("w_2", -5)
    r.sadd("w_3", "a set")
    assert c.cmd("SORT", "l", "BY", "w_*") == b(2, 1, 3)
    r.hset("h_2", "f", 1)
    assert c.cmd("SORT", "l", "BY", "w_*->f") == b(1, 2, 3)    # w_* not hashes


def test_by_pattern_parsing(r, c):
    r.rpush("l", "a", "b")
    r.mset({"pre_a_post": 2, "pre_b_post": 1})
    assert c.cmd("SORT", "l", "BY", "pre_*_post") == b("b", "a")
    # only the first '*' is replaced
    r.mset({"a*": 2, "b*": 1})
    assert c.cmd("SORT", "l", "BY", "**") == b("b", "a")
    # "->" with nothing after it is part of the key name
    r.mset({"x:a->": 5, "x:b->": 4})
    assert c.cmd("SORT", "l", "BY", "x:*->") == b("b", "a")
    # "->" before the '*' is part of the key name too
    r.mset({"k->a": 9, "k->b": 8})
    assert c.cmd("SORT", "l", "BY", "k->*") == b("b", "a")
    # a hash field whose name holds "->"
    r.hset("h_a", "f->g", 2)
    r.hset("h_b", "f->g", 1)
    assert c.cmd("SORT", "l", "BY", "h_*->f->g") == b("b", "a")


def test_by_expired_keys_are_missing(r, c):
    r.rpush("l", "a", "b", "c")
    r.mset({"w_a": 3, "w_b": 2, "w_c": 1})
    r.pexpire("w_c", 1)
    time.sleep(0.05)
    assert c.cmd("SORT", "l", "BY", "w_*") == b("c", "b", "a")
    assert r.exists("w_c") == 0


def test_by_lookups_count_hits_and_misses(r, c):
    r.rpush("l", "a", "b", "c")
    r.set("w_a", 1)
    r.config_resetstat()
    c.cmd("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*")
    info = r.info("stats")
    assert (info["keyspace_hits"], info["keyspace_misses"]) == (1 + 1 + 1, 2 + 2)


# ---------------------------------------------------------------- BY constant: no sorting

def test_nosort_keeps_list_order(r, c):
    r.lpush("l", 2, 1, 4, 3, 5)
    assert c.cmd("SORT", "l", "BY", "nosort") == b(5, 3, 4, 1, 2)
    assert c.cmd("SORT", "l", "BY", "nosort", "DESC") == b(2, 1, 4, 3, 5)
    assert c.cmd("SORT", "l", "BY", "nosort", "LIMIT", 1, 2) == b(3, 4)
    assert c.cmd("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 1, 2) == b(1, 4)
    assert c.cmd("SORT", "l", "BY", "nosort", "LIMIT", 5, 1) == []
    assert c.cmd("SORT", "l", "BY", "nosort", "STORE", "dst") == 5
    assert r.lrange("dst", 0, -1) == b(5, 3, 4, 1, 2)
    assert c.cmd("SORT", "l", "BY", "nosort", "LIMIT", 0, 3, "STORE", "dst") == 3
    assert r.lrange("dst", 0, -1) == b(5, 3, 4)


def test_nosort_keeps_zset_score_order(r, c):
    r.zadd("z", {"a": 1, "b": 5, "c": 2, "d": 10, "e": 3})
    assert c.cmd("SORT", "z", "BY", "nosort", "ASC") == b(*"acebd")
    assert c.cmd("SORT", "z", "BY", "nosort", "DESC") == b(*"dbeca")
    assert c.cmd("SORT", "z", "BY", "nosort", "ASC", "LIMIT", 0, 1) == [b"a"]
    assert c.cmd("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 0, 1) == [b"d"]
    assert c.cmd("SORT", "z", "BY", "nosort", "LIMIT", 0, 2) == b("a", "c")
    assert c.cmd("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 0, 2) == b("d", "b")
    assert c.cmd("SORT", "z", "BY", "nosort", "LIMIT", 1, 3) == b("c", "e", "b")
    assert c.cmd("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 1, 3) == b("b", "e", "c")
    assert c.cmd("SORT", "z", "BY", "nosort", "LIMIT", 5, 10) == []
    assert c.cmd("SORT", "z", "BY", "nosort", "LIMIT", -10, 100) == b(*"acebd")
    assert c.cmd("MULTI") == b"OK"
    c.cmd("SORT", "z", "BY", "nosort", "ASC")
    c.cmd("SORT", "z", "BY", "nosort", "DESC")
    assert c.cmd("EXEC") == [b(*"acebd"), b(*"dbeca")]


def test_nosort_set(r, c):
    members = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "l", "m", "n", "o", "p", "q", "r",
               "s", "t", "u", "v", "z", "aa", "aaa", "azz"]
    r.sadd("s", *members)
    # without STORE: the set's own order, whatever it is
    assert sorted(c.cmd("SORT", "s", "BY", "nosort")) == sorted(b(*members))
    # with STORE: sorted ALPHA, the same on every server
    assert c.cmd("SORT", "s", "BY", "_", "STORE", "dst") == len(members)
    assert r.lrange("dst", 0, -1) == b(*sorted(members))
    assert c.cmd("SORT", "s", "BY", "_", "DESC", "LIMIT", 0, 3, "STORE", "dst") == 3
    assert r.lrange("dst", 0, -1) == b("z", "v", "u")


def test_constant_by_stays_in_force(r, c):
    r.rpush("l", 3, 1, 2)
    r.mset({"w_3": 1, "w_1": 3, "w_2": 2})
    assert c.cmd("SORT", "l", "BY", "nosort", "BY", "w_*") == b(3, 1, 2)
    assert c.cmd("SORT", "l", "BY", "w_*", "BY", "nosort") == b(3, 1, 2)
    assert c.cmd("SORT", "l", "BY", "w_*", "BY", "w_*") == b(3, 2, 1)


# ---------------------------------------------------------------- LIMIT

def limit_model(n, offset, count):
    start = min(max(offset, 0), n)
    count = min(max(count, -1), n)
    end = n - 1 if count < 0 else start + count - 1
    if start >= n:
        start, end = n - 1, n - 2
    end = min(end, n - 1)
    return start, end


@pytest.mark.parametrize("offset,count", [
    (0, 0), (0, 1), (2, 3), (0, -1), (3, -5), (-3, 2), (-1, -1), (9, 1), (10, 1), (100, 5),
    (LLONG_MAX, LLONG_MAX), (LLONG_MIN, LLONG_MAX), (1, LLONG_MAX), (LLONG_MAX, LLONG_MIN)])
def test_limit(r, c, offset, count):
    r.rpush("l", *range(10))
    r.zadd("z", {str(i): i for i in range(10)})
    start, end = limit_model(10, offset, count)
    want = b(*range(10))[start:end + 1] if end >= start else []
    assert c.cmd("SORT", "l", "LIMIT", offset, count) == want
    assert c.cmd("SORT", "l", "BY", "nosort", "LIMIT", offset, count) == want
    assert c.cmd("SORT", "z", "BY", "nosort", "LIMIT", offset, count) == want
    assert c.cmd("SORT", "l", "BY", "w_*", "LIMIT", offset, count) == want
    assert c.cmd("SORT", "l", "LIMIT", offset, count, "STORE", "dst") == len(want)
    assert r.lrange("dst", 0, -1) == want


def test_limit_errors(r, c):
    r.rpush("l", 1, 2, 3)
    assert c.cmd("SORT", "l", "LIMIT", "a", 1) == ERR_NOT_INT
    assert c.cmd("SORT", "l", "LIMIT", 1, "1.5") == ERR_NOT_INT
    assert c.cmd("SORT", "l", "LIMIT", "9223372036854775808", 1) == ERR_NOT_INT
    assert c.cmd("SORT", "l", "LIMIT", 1) == ERR_SYNTAX
    assert c.cmd("SORT", "l", "LIMIT") == ERR_SYNTAX
    # a huge LIMIT on a constant BY (Redis's "SETRANGE with huge offset" test)
    r.delete("l")
    r.lpush("l", 2, 1, 0)
    assert c.cmd("SORT_RO", "l", "BY", "a", "LIMIT", 2, LLONG_MAX) == [b"2"]


# ---------------------------------------------------------------- GET

def test_get(r, c):
    make_weighted(r)
    assert c.cmd("SORT", "l", "BY", "w_*", "GET", "#") == b(*"dbca")
    assert c.cmd("SORT", "l", "BY", "w_*", "GET", "w_*", "GET", "#") == \
        [None, b"d", b"1", b"b", b"2", b"c", b"3", b"a"]
    assert c.cmd("SORT", "l", "BY", "w_*", "GET", "h_*->name") == [None, b"B", None, b"A"]
    assert c.cmd("SORT", "l", "BY", "w_*", "GET", "h_*->f", "LIMIT", 1, 2) == [b"10", b"20"]
    # a pattern without '*' names no key
    r.set("const", "x")
    assert c.cmd("SORT", "l", "BY", "nosort", "GET", "const") == [None] * 4
    # targets of the wrong type
    assert c.cmd("SORT", "l", "BY", "nosort", "GET", "h_*") == [None, None, None, b"not a hash"]
    assert c.cmd("SORT", "l", "BY", "nosort", "GET", "w_*->f") == [None] * 4


def test_get_integer_values(r, c):
    r.rpush("l", 1, 2)
    r.set("v_1", 12345)
    r.hset("h_2", "f", -7)
    assert c.cmd("SORT", "l", "GET", "v_*", "GET", "h_*->f") == [b"12345", None, None, b"-7"]


def test_get_pattern_ending_with_arrow(r, c):
    r.lpush("l", "a")
    r.set("x:a->", 100)
    assert c.cmd("SORT", "l", "BY", "num", "GET", "x:*->") == [b"100"]
    assert c.cmd("SORT_RO", "l", "BY", "nosort", "GET", "x:*->") == [b"100"]


def test_get_resp3(r, c3):
    r.rpush("l", 2, 1)
    r.set("v_1", "one")
    assert c3.cmd("SORT", "l", "GET", "#", "GET", "v_*") == [b"1", b"one", b"2", None]
    assert c3.read_available(0.05) == b""


def test_get_raw_nulls(r, c):
    r.rpush("l", 1)
    c.send(b"*4\r\n$4\r\nSORT\r\n$1\r\nl\r\n$3\r\nGET\r\n$1\r\nx\r\n")
    assert c.read_raw_reply() == b"*1\r\n$-1\r\n"


# ---------------------------------------------------------------- STORE

def test_store(r, c):
    make_weighted(r)
    assert c.cmd("SORT", "l", "BY", "w_*", "STORE", "dst") == 4
    assert r.lrange("dst", 0, -1) == b(*"dbca")
    assert r.type("dst") == b"list"
    assert r.object("encoding", "dst") == b"quicklist"
    # GET with STORE: missing values stored as empty strings
    assert c.cmd("SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->name", "STORE", "dst") == 8
    assert r.lrange("dst", 0, -1) == [b"d", b"", b"b", b"B", b"c", b"", b"a", b"A"]
    assert c.cmd("SORT", "l", "BY", "w_*", "GET", "h_*->f", "STORE", "dst") == 4
    assert r.lrange("dst", 0, -1) == [b"", b"10", b"20", b"30"]


def test_store_replaces_any_type_and_ttl(r, c):
    r.rpush("l", 2, 1)
    r.set("dst", "string", ex=100)
    assert c.cmd("SORT", "l", "STORE", "dst") == 2
    assert r.lrange("dst", 0, -1) == b(1, 2)
    assert r.ttl("dst") == -1
    r.delete("dst")
    r.hset("dst", "a", 1)
    assert c.cmd("SORT", "l", "DESC", "STORE", "dst") == 2
    assert r.lrange("dst", 0, -1) == b(2, 1)


def test_store_into_the_sorted_key(r, c):
    r.rpush("l", 3, 1, 2)
    assert c.cmd("SORT", "l", "STORE", "l") == 3
    assert r.lrange("l", 0, -1) == b(1, 2, 3)
    r.sadd("s", "b", "a")
    assert c.cmd("SORT", "s", "ALPHA", "STORE", "s") == 2
    assert r.type("s") == b"list" and r.lrange("s", 0, -1) == b("a", "b")


def test_store_empty_result(r, c):
    assert c.cmd("SORT", "foo", "STORE", "bar") == 0
    assert r.exists("bar") == 0
    r.lpush("foo", "bar")
    assert c.cmd("SORT", "foo", "ALPHA", "LIMIT", 10, 10, "STORE", "zap") == 0
    assert r.exists("zap") == 0
    # an empty result deletes the destination
    assert c.cmd("SORT", "emptylist", "STORE", "foo") == 0
    assert r.exists("foo") == 0
    r.rpush("l", 1)
    r.set("dst", "x")
    assert c.cmd("SORT", "l", "LIMIT", 0, 0, "STORE", "dst") == 0
    assert r.exists("dst") == 0


def test_store_last_one_wins(r, c):
    r.rpush("l", 2, 1)
    assert c.cmd("SORT", "l", "STORE", "a", "STORE", "b") == 2
    assert r.exists("a") == 0 and r.lrange("b", 0, -1) == b(1, 2)


def test_store_counts_changes(r, c):
    r.rpush("l", *range(5))
    before = r.info("persistence")["rdb_changes_since_last_save"]
    assert c.cmd("SORT", "l", "STORE", "dst") == 5
    assert c.cmd("SORT", "l", "GET", "#", "GET", "#", "STORE", "dst") == 10
    c.cmd("SORT", "l")
    assert c.cmd("SORT", "nokey", "STORE", "dst") == 0        # deletes: one change
    assert c.cmd("SORT", "nokey", "STORE", "dst") == 0        # nothing
    after = r.info("persistence")["rdb_changes_since_last_save"]
    assert after - before == 5 + 10 + 1


def test_store_uses_default_list_nodes(spawn):
    # the stored list is Redis's plain list object, whatever the list directives say
    srv = spawn("--list-max-listpack-size", "4", "--list-compress-depth", "1")
    r = srv.client()
    r.rpush("l", *range(100))
    r.execute_command("SORT", "l", "STORE", "dst")
    assert r.lrange("dst", 0, -1) == b(*range(100))
    r.rpush("l2", *range(100))
    assert r.lrange("l2", 0, -1) == r.lrange("dst", 0, -1)


def test_sort_ro(r, c):
    r.lpush("l", "a")
    r.set("x:a", 100)
    assert c.cmd("SORT_RO", "l", "BY", "nosort", "GET", "x:*") == [b"100"]
    assert c.cmd("SORT_RO", "foolist", "STORE", "bar") == ERR_SYNTAX
    assert c.cmd("SORT_RO", "l", "STORE") == ERR_SYNTAX
    assert r.exists("bar") == 0


def test_option_syntax_errors(r, c):
    r.rpush("l", 1)
    for opts in (["FOO"], ["BY"], ["GET"], ["STORE"], ["LIMIT", 0], ["ALPHA", "x"], ["DESC", "LIMIT"]):
        assert c.cmd("SORT", "l", *opts) == ERR_SYNTAX, opts
    assert c.cmd("SORT") == b"ERR wrong number of arguments for 'sort' command"
    assert c.cmd("SORT_RO") == b"ERR wrong number of arguments for 'sort_ro' command"
    # keywords are case-insensitive
    assert c.cmd("sort", "l", "by", "w_*", "limit", 0, 1, "get", "#", "desc", "alpha", "store", "d") == 1


# ---------------------------------------------------------------- events, WATCH, transactions

@pytest.fixture
def events(keyspace_events):
    """Every keyspace event, as (channel, message) pairs received so far."""
    return keyspace_events()


def test_events(r, c, events):
    r.rpush("l", 2, 1)
    events()
    c.cmd("SORT", "l")
    c.cmd("SORT_RO", "l", "BY", "w_*", "GET", "#")
    c.cmd("SORT", "nokey", "STORE", "dst")
    assert events() == [(b"__keyspace@0__:l", b"rpush"), (b"__keyevent@0__:rpush", b"l")]
    c.cmd("SORT", "l", "STORE", "dst")
    c.cmd("SORT", "nokey", "STORE", "dst")
    assert events()[2:] == [(b"__keyspace@0__:dst", b"sortstore"), (b"__keyevent@0__:sortstore", b"dst"),
                            (b"__keyspace@0__:dst", b"del"), (b"__keyevent@0__:del", b"dst")]


def test_watch(r, server):
    r.rpush("l", 1)
    w = server.client()
    other = server.client()
    # SORT with STORE touches a watched destination, even with an empty result
    other.rpush("foo", "x")
    p = w.pipeline()
    p.watch("foo")
    p.multi()
    p.ping()
    other.execute_command("SORT", "emptylist", "STORE", "foo")
    with pytest.raises(redis.WatchError):
        p.execute()
    # SORT without STORE touches nothing
    p = w.pipeline()
    p.watch("l")
    p.multi()
    p.ping()
    other.execute_command("SORT", "l", "BY", "w_*", "GET", "#")
    assert p.execute() == [True]


def test_in_transaction(r, c):
    r.rpush("l", 3, 1, 2)
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("SORT", "l", "STORE", "dst") == b"QUEUED"
    assert c.cmd("LRANGE", "dst", 0, -1) == b"QUEUED"
    assert c.cmd("SORT_RO", "dst", "DESC") == b"QUEUED"
    assert c.cmd("EXEC") == [3, b(1, 2, 3), b(3, 2, 1)]


# ---------------------------------------------------------------- command table

def test_getkeys(c):
    assert c.cmd("COMMAND", "GETKEYS", "SORT", "abc", "STORE", "def") == [b"abc", b"def"]
    assert c.cmd("COMMAND", "GETKEYS", "SORT", "abc", "STORE", "invalid", "STORE", "stillbad",
                 "STORE", "def") == [b"abc", b"def"]
    assert c.cmd("COMMAND", "GETKEYS", "SORT", "abc", "GET", "STORE", "BY", "x") == [b"abc"]
    assert c.cmd("COMMAND", "GETKEYS", "SORT", "abc", "LIMIT", "STORE", "1", "STORE", "d") == [b"abc", b"d"]
    assert c.cmd("COMMAND", "GETKEYS", "SORT", "abc", "STORE") == [b"abc"]
    assert c.cmd("COMMAND", "GETKEYS", "SORT", "abc", "STORE", "get") == [b"abc", b"get"]
    assert c.cmd("COMMAND", "GETKEYS", "SORT_RO", "abc", "BY", "w_*") == [b"abc"]
    assert c.cmd("COMMAND", "GETKEYSANDFLAGS", "SORT", "abc", "STORE", "def") == \
        [[b"abc", [b"RO", b"access"]], [b"def", [b"OW", b"update"]]]
    assert c.cmd("COMMAND", "GETKEYSANDFLAGS", "SORT_RO", "abc") == [[b"abc", [b"RO", b"access"]]]


def test_command_info(c):
    info = c.cmd("COMMAND", "INFO", "SORT", "SORT_RO")
    sort, sort_ro = info
    assert sort[:6] == [b"sort", -2, [b"write", b"denyoom", b"movablekeys"], 1, 1, 1]
    assert sort_ro[:6] == [b"sort_ro", -2, [b"readonly", b"movablekeys"], 1, 1, 1]


# ---------------------------------------------------------------- hostile input

def test_hostile(r, c):
    r.rpush("l", *range(50))
    # many GETs: an element's worth of replies each
    assert len(c.cmd("SORT", "l", "GET", "#", *(["GET", "nokey_*"] * 200))) == 50 * 201
    # binary elements and patterns, NUL bytes included
    r.rpush("bin", b"a\x00b", b"a\x00a", b"\xff", b"")
    assert c.cmd("SORT", "bin", "ALPHA", "STORE", "dst") == 4
    assert r.lrange("dst", 0, -1) == [b"", b"a\x00a", b"a\x00b", b"\xff"]
    r.set(b"k\x00a\x00b", "found")
    assert c.cmd("SORT", "bin", "BY", "nosort", "GET", b"k\x00*") == [None] * 4   # '*' after a NUL
    r.set(b"ka\x00b", "found")
    assert c.cmd("SORT", "bin", "BY", "nosort", "GET", b"k*") == [b"found", None, None, None]
    # a long pattern
    long = "p" * 100000 + "*"
    assert c.cmd("SORT", "l", "BY", long, "LIMIT", 0, 2) == b(0, 1)
    assert c.cmd("SORT", "l", "BY", "*", "LIMIT", 0, 2) == b(0, 1)     # the elements are keys
    # big elements
    r.rpush("bigel", "x" * 100000 + "2", "x" * 100000 + "1")
    assert c.cmd("SORT", "bigel", "ALPHA") == [b"x" * 100000 + b"1", b"x" * 100000 + b"2"]


def test_compressed_list_source(spawn):
    srv = spawn("--list-max-listpack-size", "3", "--list-compress-depth", "1")
    c = srv.raw()
    items = [str(random.Random(3).randint(0, 1000) + i * 1000) for i in range(200)]
    random.Random(4).shuffle(items)
    c.cmd("RPUSH", "l", *items)
    assert c.cmd("SORT", "l") == b(*sorted(items, key=int))
    assert c.cmd("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 10, 30) == b(*items[::-1][10:40])
    assert c.cmd("SORT", "l", "BY", "nosort", "LIMIT", 150, 100) == b(*items[150:])


# ---------------------------------------------------------------- a randomized run

def model_sort(elems, weights, by, alpha, desc, offset, count, gets, values):
    n = len(elems)
    items = list(elems)
    if by != "nosort":
        def key(e):
            if by is None:
                return (float(e), e) if not alpha else e
            w = weights.get(e)
            if alpha:
                return (0, b"") if w is None else (1, w)
            return (0.0 if w is None else float(w), e)
        items.sort(key=key, reverse=desc)          # stable: ties keep list order, DESC too
    elif desc:
        items.reverse()
    start, end = limit_model(n, offset, count)
    out = items[start:end + 1] if end >= start else []
    if not gets:
        return out
    res = []
    for e in out:
        for g in gets:
            res.append(e if g == "#" else values.get(e))
    return res


def test_random_against_model(r, c):
    rnd = random.Random(7)
    for _ in range(150):
        r.flushall()
        n = rnd.randint(0, 60)
        numeric = rnd.random() < 0.5
        elems = [str(rnd.randint(-1000, 1000)) if numeric else rnd.choice(["a", "b", "c", "aa", "B", "x1"])
                 + str(rnd.randint(0, 99)) for _ in range(n)]
        elems_b = [e.encode() for e in elems]
        if elems:
            r.rpush("l", *elems)
        uniq = list(dict.fromkeys(elems_b))
        wvals = rnd.sample(range(100000), len(uniq))
        weights, values = {}, {}
        for e, w in zip(uniq, wvals):
            if rnd.random() < 0.8:
                weights[e] = b"%d" % w
                r.set(b"w_" + e, weights[e])
            if rnd.random() < 0.5:
                values[e] = b"v" + e
                r.hset(b"h_" + e, "f", values[e])
        by = rnd.choice([None, "nosort", "w_*"])
        alpha = not numeric or rnd.random() < 0.3
        desc = rnd.random() < 0.5
        offset, count = rnd.randint(-5, 70), rnd.randint(-5, 70)
        gets = rnd.choice([[], ["#"], ["h_*->f"], ["#", "h_*->f"]])
        args = ["SORT", "l"]
        if by:
            args += ["BY", by]
        if rnd.random() < 0.7:
            args += ["LIMIT", offset, count]
        else:
            offset, count = 0, -1
        for g in gets:
            args += ["GET", g]
        if desc:
            args.append("DESC")
        if alpha:
            args.append("ALPHA")
        want = model_sort(elems_b, weights, by, alpha, desc, offset, count, gets, values)
        if alpha and by == "w_*" and "LIMIT" in args and len(weights) < len(uniq):
            # Redis sorts BY + LIMIT with an unstable partial quicksort: the order of
            # elements without a weight is not defined there
            continue
        assert c.cmd(*args) == want, args
        stored = c.cmd(*args, "STORE", "dst")
        assert stored == len(want)
        assert r.lrange("dst", 0, -1) == [b"" if x is None else x for x in want]
