"""Set commands: SADD, SREM, SISMEMBER, SMISMEMBER, SMEMBERS, SCARD, SMOVE, SPOP,
SRANDMEMBER, SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE
and SSCAN: replies in RESP2 and RESP3 (byte for byte where the order is fixed), the
intset/hashtable encodings and when they change, the count semantics of SPOP and
SRANDMEMBER (with sanity checks of their distributions), STORE forms, keyspace
events, COPY/DEBUG DIGEST-VALUE, and hostile arguments. Every test also passes
against Redis 7.0.15 (VESPER_SERVER=/usr/bin/redis-server)."""
import hashlib

import pytest
import redis

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_POSITIVE = b"ERR value is out of range, must be positive"
ERR_SRAND_RANGE = (b"ERR value is out of range, value must between -9223372036854775807 and "
                   b"9223372036854775807")


@pytest.fixture
def c(raw):
    """A raw RESP2 connection: errors and shapes kept byte for byte."""
    return raw()


@pytest.fixture
def c3(raw):
    """A raw RESP3 connection."""
    cl = raw()
    hello = cl.cmd("HELLO", "3")
    if not isinstance(hello, dict):
        pytest.skip("HELLO 3 not available")
    return cl


@pytest.fixture
def intset_max(r):
    """Restores set-max-intset-entries after a test that changes it."""
    old = r.config_get("set-max-intset-entries")["set-max-intset-entries"]
    yield
    r.config_set("set-max-intset-entries", old)


def enc(r, key):
    return r.object("encoding", key)


def raw_cmd(cl, *args):
    """Sends a command on a raw connection and returns the exact reply bytes."""
    cl.send(b"".join([b"*%d\r\n" % len(args)] + [
        b"$%d\r\n%s\r\n" % (len(a), a) for a in
        (x if isinstance(x, bytes) else str(x).encode() for x in args)]))
    return cl.read_raw_reply()


def members(r, key):
    return sorted(r.smembers(key))


# ---------------------------------------------------------------- basics

def test_sadd_scard_sismember_smismember_smembers(r):
    for first, kind in ((b"foo", b"hashtable"), (b"17", b"intset")):
        r.delete("s")
        assert r.sadd("s", first) == 1
        assert enc(r, "s") == kind
        other = b"bar" if kind == b"hashtable" else b"16"
        assert r.sadd("s", other) == 1
        assert r.sadd("s", other) == 0
        assert r.scard("s") == 2
        assert r.sismember("s", first) == 1
        assert r.sismember("s", b"nope") == 0
        assert r.smismember("s", first, b"nope", other) == [1, 0, 1]
        assert members(r, "s") == sorted([first, other])
    assert r.sadd("v", "a", "b", "c", "a") == 3
    assert r.sadd("v", "A", "a", "b", "c", "B") == 2
    assert members(r, "v") == [b"A", b"B", b"a", b"b", b"c"]


def test_missing_key_answers(c, c3):
    assert raw_cmd(c, "SCARD", "nokey") == b":0\r\n"
    assert raw_cmd(c, "SISMEMBER", "nokey", "a") == b":0\r\n"
    assert raw_cmd(c, "SMISMEMBER", "nokey", "a", "b") == b"*2\r\n:0\r\n:0\r\n"
    assert raw_cmd(c, "SMEMBERS", "nokey") == b"*0\r\n"
    assert raw_cmd(c3, "SMEMBERS", "nokey") == b"~0\r\n"
    assert raw_cmd(c, "SREM", "nokey", "a") == b":0\r\n"
    assert raw_cmd(c, "SPOP", "nokey") == b"$-1\r\n"
    assert raw_cmd(c3, "SPOP", "nokey") == b"_\r\n"
    assert raw_cmd(c, "SPOP", "nokey", "3") == b"*0\r\n"
    assert raw_cmd(c3, "SPOP", "nokey", "3") == b"~0\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "nokey") == b"$-1\r\n"
    assert raw_cmd(c3, "SRANDMEMBER", "nokey") == b"_\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "nokey", "5") == b"*0\r\n"
    assert raw_cmd(c3, "SRANDMEMBER", "nokey", "-5") == b"*0\r\n"
    assert raw_cmd(c, "SSCAN", "nokey", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    assert raw_cmd(c, "SMOVE", "nokey", "dst", "a") == b":0\r\n"
    assert raw_cmd(c, "EXISTS", "dst") == b":0\r\n"


def test_resp3_shapes(c, c3):
    raw_cmd(c, "SADD", "i", "3", "1", "2")
    # an intset iterates in ascending order, so these replies are fixed
    assert raw_cmd(c, "SMEMBERS", "i") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SMEMBERS", "i") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SINTER", "i", "i") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SUNION", "i") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SDIFF", "i", "nokey") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SRANDMEMBER", "i", "3") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SRANDMEMBER", "i", "0") == b"*0\r\n"
    assert raw_cmd(c3, "SMISMEMBER", "i", "1", "9") == b"*2\r\n:1\r\n:0\r\n"
    assert raw_cmd(c3, "SISMEMBER", "i", "1") == b":1\r\n"
    assert raw_cmd(c3, "SSCAN", "i", "0") == b"*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw_cmd(c3, "SPOP", "i", "0") == b"~0\r\n"
    assert raw_cmd(c3, "SPOP", "i", "5") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    raw_cmd(c, "SADD", "i", "7", "8")
    assert raw_cmd(c, "SPOP", "i", "9") == b"*2\r\n$1\r\n7\r\n$1\r\n8\r\n"
    raw_cmd(c, "SADD", "h", "x")
    assert raw_cmd(c3, "SPOP", "h", "1") == b"~1\r\n$1\r\nx\r\n"
    raw_cmd(c, "SADD", "h", "x")
    assert raw_cmd(c3, "SPOP", "h") == b"$1\r\nx\r\n"
    assert raw_cmd(c3, "SINTERCARD", "1", "nokey") == b":0\r\n"


def test_binary_and_long_members(r):
    long_member = b"L" * 300          # past the one-byte length prefix
    odd = [b"", b"\x00", b"a\x00b", b"\r\n", long_member, b"x" * 254, b"y" * 255]
    assert r.sadd("s", *odd) == len(odd)
    assert enc(r, "s") == b"hashtable"
    assert members(r, "s") == sorted(odd)
    for m in odd:
        assert r.sismember("s", m) == 1
    assert r.sismember("s", b"L" * 299) == 0
    assert r.srem("s", long_member, b"") == 2
    assert r.scard("s") == len(odd) - 2


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("member,kind", [
    ("0", b"intset"), ("-1", b"intset"), ("12345", b"intset"), (str(LLONG_MAX), b"intset"),
    (str(LLONG_MIN), b"intset"), ("9223372036854775808", b"hashtable"), ("-0", b"hashtable"),
    ("007", b"hashtable"), ("+1", b"hashtable"), (" 1", b"hashtable"), ("1 ", b"hashtable"),
    ("1.0", b"hashtable"), ("0x10", b"hashtable"), ("", b"hashtable"), ("a", b"hashtable"),
    ("213244124402402314402033402", b"hashtable"),
])
def test_encoding_of_first_member(r, member, kind):
    r.sadd("s", member)
    assert enc(r, "s") == kind
    assert r.sismember("s", member) == 1
    assert r.smembers("s") == {member.encode()}


def test_intset_converts_on_non_integer(r):
    r.sadd("s", 1, 2, 3)
    assert enc(r, "s") == b"intset"
    assert r.sadd("s", "a") == 1
    assert enc(r, "s") == b"hashtable"
    assert members(r, "s") == [b"1", b"2", b"3", b"a"]
    # never back: removing the string leaves a hashtable
    assert r.srem("s", "a") == 1
    assert enc(r, "s") == b"hashtable"
    assert r.sismember("s", 2) == 1


def test_intset_converts_past_max_entries(r, intset_max):
    for i in range(512):
        r.sadd("s", i)
    assert enc(r, "s") == b"intset"
    assert r.sadd("s", 511) == 0
    assert enc(r, "s") == b"intset"
    assert r.sadd("s", 512) == 1
    assert enc(r, "s") == b"hashtable"
    assert r.scard("s") == 513
    r.config_set("set-max-intset-entries", 4)
    r.sadd("t", 1, 2, 3, 4)
    assert enc(r, "t") == b"intset"
    r.sadd("t", 5)
    assert enc(r, "t") == b"hashtable"
    r.config_set("set-max-intset-entries", 0)
    r.sadd("z", 1)
    assert enc(r, "z") == b"hashtable"
    assert r.smembers("z") == {b"1"}


def test_intset_widening_and_mixed_sizes(r):
    vals = [1, -1, 40000, -40000, 3000000000, -3000000000, LLONG_MAX, LLONG_MIN, 0]
    r.sadd("s", *vals)
    assert enc(r, "s") == b"intset"
    assert members(r, "s") == sorted(str(v).encode() for v in vals)
    # intsets reply in ascending numeric order
    assert r.execute_command("SSCAN", "s", 0)[1] == [str(v).encode() for v in sorted(vals)]
    assert r.srem("s", 40000, 12, "x") == 1
    assert r.smismember("s", -3000000000, LLONG_MAX, 5) == [1, 1, 0]


def test_config_directive(r, intset_max):
    assert r.config_get("set-max-intset-entries") == {"set-max-intset-entries": "512"}
    r.config_set("set-max-intset-entries", 1000)
    assert r.config_get("set-max-intset-entries") == {"set-max-intset-entries": "1000"}
    with pytest.raises(redis.ResponseError):
        r.config_set("set-max-intset-entries", -1)
    assert r.config_get("set-max-listpack-entries") == {}   # a Redis 7.2 directive


# ---------------------------------------------------------------- SREM, SMOVE

def test_srem(r):
    r.sadd("s", "a", "b", "c", "d")
    assert r.srem("s", "k", "k") == 0
    assert r.srem("s", "b", "d", "x", "b") == 2
    assert members(r, "s") == [b"a", b"c"]
    assert r.srem("s", "a", "c", "zz") == 2
    assert r.exists("s") == 0
    r.sadd("i", 1, 2, 3)
    assert r.srem("i", 1, 2, 3, 4, 5, 6) == 3
    assert r.exists("i") == 0


def test_srem_shrinks_and_keeps_working(r):
    n = 5000
    r.sadd("s", *[f"m{i}" for i in range(n)])
    for start in range(0, n - 10, 500):
        r.srem("s", *[f"m{i}" for i in range(start, min(start + 500, n - 10))])
    assert r.scard("s") == 10
    assert members(r, "s") == sorted(f"m{i}".encode() for i in range(n - 10, n))
    assert set(r.srandmember("s", -200)) == {f"m{i}".encode() for i in range(n - 10, n)}


def setup_move(r):
    r.delete("s1", "s2", "s3")
    r.sadd("s1", 1, "a", "b")
    r.sadd("s2", 2, 3, 4)
    assert enc(r, "s1") == b"hashtable" and enc(r, "s2") == b"intset"


def test_smove(r):
    setup_move(r)
    assert r.smove("s1", "s2", "a") == 1
    assert members(r, "s1") == [b"1", b"b"]
    assert members(r, "s2") == [b"2", b"3", b"4", b"a"]
    assert enc(r, "s2") == b"hashtable"
    setup_move(r)
    assert r.smove("s1", "s2", 1) == 1
    assert enc(r, "s2") == b"intset"
    assert members(r, "s2") == [b"1", b"2", b"3", b"4"]
    setup_move(r)
    assert r.smove("s2", "s1", 2) == 1
    assert members(r, "s1") == [b"1", b"2", b"a", b"b"]
    setup_move(r)
    assert r.smove("s1", "s2", "nope") == 0
    assert r.smove("s1", "s1", "nope") == 0
    assert r.smove("s1", "s1", "a") == 1
    assert members(r, "s1") == [b"1", b"a", b"b"]
    assert r.smove("s1", "s3", "a") == 1
    assert enc(r, "s3") == b"hashtable"
    assert r.smove("s2", "s4", 2) == 1
    assert enc(r, "s4") == b"intset"
    # the source's last member: the source is deleted
    r.sadd("one", "x")
    assert r.smove("one", "s3", "x") == 1
    assert r.exists("one") == 0
    assert members(r, "s3") == [b"a", b"x"]
    # already in the destination: still removed from the source
    r.sadd("two", "a", "q")
    assert r.smove("two", "s3", "a") == 1
    assert members(r, "two") == [b"q"]


def test_smove_wrong_types(c):
    raw_cmd(c, "SET", "str", "v")
    raw_cmd(c, "SADD", "s", "a")
    assert raw_cmd(c, "SMOVE", "str", "s", "a") == b"-" + ERR_WRONGTYPE + b"\r\n"
    assert raw_cmd(c, "SMOVE", "s", "str", "a") == b"-" + ERR_WRONGTYPE + b"\r\n"
    assert raw_cmd(c, "SMOVE", "nokey", "str", "a") == b":0\r\n"   # missing source first
    assert raw_cmd(c, "SISMEMBER", "s", "a") == b":1\r\n"


def test_smove_watch_destination_untouched_when_present(server, r):
    r.sadd("src", "a", "b")
    r.sadd("dst", "a")
    other = server.client()
    pipe = r.pipeline(transaction=True)
    pipe.watch("dst")
    pipe.multi()
    pipe.sadd("dst", "c")
    assert other.smove("src", "dst", "a") == 1
    assert pipe.execute() == [1]        # dst did not change, so EXEC runs
    assert r.scard("dst") == 2
    pipe = r.pipeline(transaction=True)
    pipe.watch("dst")
    pipe.multi()
    pipe.sadd("dst", "d")
    assert other.smove("src", "dst", "b") == 1
    with pytest.raises(redis.WatchError):
        pipe.execute()
    other.close()


# ---------------------------------------------------------------- SPOP

@pytest.mark.parametrize("contents", [[b"a", b"b", b"c"], [b"1", b"2", b"3"]])
def test_spop_single(r, contents):
    r.sadd("s", *contents)
    got = [r.spop("s") for _ in range(3)]
    assert sorted(got) == contents
    assert r.exists("s") == 0
    assert r.spop("s") is None


def test_spop_count_paths(r):
    content = [str(i).encode() for i in range(1, 21)]
    for count in (1, 2, 3, 10, 17, 18, 19, 20, 30):
        r.delete("s")
        r.sadd("s", *content)
        got = r.spop("s", count)
        assert len(got) == min(count, 20) and len(set(got)) == len(got)
        left = r.smembers("s")
        assert sorted(list(left) + got, key=int) == content
        assert r.scard("s") == max(20 - count, 0)
    hashtable = [b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h"]
    for count in (0, 1, 3, 7, 8, 9):
        r.delete("h")
        r.sadd("h", *hashtable)
        got = r.spop("h", count)
        assert len(got) == min(count, 8)
        assert sorted(list(r.smembers("h")) + got) == hashtable


def test_spop_count_sequence(r):
    contents = [chr(ord("a") + i).encode() for i in range(26)]
    r.sadd("s", *contents)
    popped = []
    for n in (11, 9, 0, 4, 1, 0, 1, 0):
        popped += r.spop("s", n)
    assert sorted(popped) == contents
    assert r.scard("s") == 0


def test_spop_keeps_ttl_and_rebuilds_encoding(r, intset_max):
    # 600 integers: a hashtable; popping all but 5 rebuilds the 5 as a new set
    r.sadd("s", *range(600))
    assert enc(r, "s") == b"hashtable"
    r.expire("s", 1000)
    got = r.spop("s", 595)
    assert len(got) == 595
    assert r.scard("s") == 5
    assert enc(r, "s") == b"intset"
    assert 0 < r.ttl("s") <= 1000
    # popping few members one by one leaves the encoding alone
    r.delete("t")
    r.sadd("t", *range(600))
    r.spop("t", 100)
    assert enc(r, "t") == b"hashtable" and r.scard("t") == 500
    # strings kept: a hashtable again
    r.delete("u")
    r.sadd("u", *[f"m{i}" for i in range(50)])
    r.spop("u", 45)
    assert enc(r, "u") == b"hashtable" and r.scard("u") == 5


def test_spop_errors(c):
    raw_cmd(c, "SADD", "s", "a", "b")
    raw_cmd(c, "SET", "str", "v")
    assert raw_cmd(c, "SPOP", "s", "-1") == b"-" + ERR_POSITIVE + b"\r\n"
    assert raw_cmd(c, "SPOP", "s", "abc") == b"-" + ERR_POSITIVE + b"\r\n"
    assert raw_cmd(c, "SPOP", "s", "1.5") == b"-" + ERR_POSITIVE + b"\r\n"
    assert raw_cmd(c, "SPOP", "s", str(LLONG_MIN)) == b"-" + ERR_POSITIVE + b"\r\n"
    assert raw_cmd(c, "SPOP", "s", "99999999999999999999") == b"-" + ERR_POSITIVE + b"\r\n"
    assert raw_cmd(c, "SPOP", "nokey", "abc") == b"-" + ERR_POSITIVE + b"\r\n"
    assert raw_cmd(c, "SPOP", "s", "1", "2") == b"-" + ERR_SYNTAX + b"\r\n"
    assert raw_cmd(c, "SPOP", "str") == b"-" + ERR_WRONGTYPE + b"\r\n"
    assert raw_cmd(c, "SPOP", "str", "0") == b"-" + ERR_WRONGTYPE + b"\r\n"
    assert raw_cmd(c, "SPOP") == b"-ERR wrong number of arguments for 'spop' command\r\n"
    assert raw_cmd(c, "SCARD", "s") == b":2\r\n"
    # a huge count pops everything
    got = raw_cmd(c, "SPOP", "s", str(LLONG_MAX))
    assert got in (b"*2\r\n$1\r\na\r\n$1\r\nb\r\n", b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert raw_cmd(c, "EXISTS", "s") == b":0\r\n"


# ---------------------------------------------------------------- SRANDMEMBER

SRAND_SETS = {
    "hashtable": [b"1", b"5", b"10", b"50", b"125", b"50000", b"33959417", b"4775547", b"65434162",
                  b"12098459", b"427716", b"483706", b"2726473884", b"72615637475"] +
                 [n.encode() for n in "MARY PATRICIA LINDA BARBARA ELIZABETH JENNIFER MARIA SUSAN "
                  "MARGARET DOROTHY LISA NANCY KAREN BETTY HELEN SANDRA DONNA CAROL RUTH SHARON "
                  "MICHELLE LAURA SARAH KIMBERLY DEBORAH JESSICA SHIRLEY CYNTHIA ANGELA MELISSA "
                  "BRENDA AMY ANNA REBECCA VIRGINIA KATHLEEN".split()],
    "intset": [str(i).encode() for i in range(50)],
}


@pytest.mark.parametrize("kind", ["hashtable", "intset"])
def test_srandmember_count_paths(r, kind):
    contents = SRAND_SETS[kind]
    r.sadd("s", *contents)
    assert enc(r, "s") == kind.encode()
    full = set(contents)
    assert r.srandmember("s", 0) == []
    # negative: repeats allowed, exactly |count| members
    res = r.srandmember("s", -100)
    assert len(res) == 100 and set(res) <= full
    seen = set()
    for _ in range(1000):
        seen.update(r.srandmember("s", -10))
        if seen == full:
            break
    assert seen == full
    # count at least the size: the whole set
    for n in (50, 100):
        res = r.srandmember("s", n)
        assert len(res) == 50 and set(res) == full
    # distinct members, shuffling (45) and sampling (5)
    for n in (45, 5, 2):
        res = r.srandmember("s", n)
        assert len(res) == n and len(set(res)) == n and set(res) <= full
        seen = set()
        for _ in range(1000):
            seen.update(r.srandmember("s", n))
            if seen == full:
                break
        assert seen == full
    assert r.srandmember("s") in full
    assert r.srandmember("s", 1)[0] in full


def chi_square(samples, keys):
    expected = len(samples) / len(keys)
    counts = {k: 0 for k in keys}
    for s in samples:
        counts[s] += 1
    return sum((counts[k] - expected) ** 2 / expected for k in keys)


@pytest.mark.parametrize("contents", [
    [b"1", b"5", b"10", b"50", b"125", b"MARY", b"PATRICIA", b"LINDA", b"BARBARA", b"ELIZABETH"],
    [str(i).encode() for i in range(10)],
])
def test_srandmember_and_spop_distribution(r, contents):
    r.sadd("s", *contents)
    # df = 9: 40 is a 0.00001 probability
    assert chi_square(r.srandmember("s", -2000), contents) < 40
    for size in (8, 2):
        picks = []
        for _ in range(2000 // size):
            picks += r.srandmember("s", size)
        assert chi_square(picks, contents) < 40
    singles = [r.srandmember("s") for _ in range(1000)]
    assert chi_square(singles, contents) < 40
    pops = []
    for _ in range(1000):
        r.delete("p")
        r.sadd("p", *contents)
        pops.append(r.spop("p"))
    assert chi_square(pops, contents) < 40


def test_srandmember_distribution_big_set(r):
    n = 2000
    r.sadd("s", *[f"member:{i}" for i in range(n)])
    picks = r.srandmember("s", -100000)
    keys = [f"member:{i}".encode() for i in range(n)]
    assert set(picks) == set(keys)
    # df = 1999 (mean 1999, sd 63 for a uniform pick). Redis's pick in a big table
    # is only roughly fair (about 8000 here), so this is a sanity bound.
    assert chi_square(picks, keys) < 6 * n


def test_srandmember_errors(c):
    raw_cmd(c, "SADD", "s", "a")
    raw_cmd(c, "SET", "str", "v")
    assert raw_cmd(c, "SRANDMEMBER", "s", str(LLONG_MIN)) == b"-" + ERR_SRAND_RANGE + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "s", "abc") == b"-" + ERR_NOT_INT + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "s", "99999999999999999999") == b"-" + ERR_NOT_INT + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "nokey", "abc") == b"-" + ERR_NOT_INT + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "s", "1", "2") == b"-" + ERR_SYNTAX + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "str") == b"-" + ERR_WRONGTYPE + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "str", "3") == b"-" + ERR_WRONGTYPE + b"\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "s", str(LLONG_MAX)) == b"*1\r\n$1\r\na\r\n"
    assert raw_cmd(c, "SRANDMEMBER", "s", "-3") == b"*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"


# ---------------------------------------------------------------- the algebra

def make_algebra_sets(r, kind):
    for i in range(1, 6):
        r.delete(f"set{i}")
    r.sadd("set1", *range(200))
    r.sadd("set2", *range(195, 395))
    r.sadd("set3", 199, 195, 1000, 2000)
    r.sadd("set4", *range(5, 200))
    r.sadd("set5", 0)
    large = 200 if kind == "intset" else "foo"
    for i in range(1, 6):
        r.sadd(f"set{i}", large)
    for i in range(1, 6):
        assert enc(r, f"set{i}") == kind.encode()
    return str(large).encode()


@pytest.mark.parametrize("kind", ["hashtable", "intset"])
def test_sinter_sunion_sdiff(r, kind):
    large = make_algebra_sets(r, kind)
    expected = sorted([str(i).encode() for i in range(195, 200)] + [large])
    assert sorted(r.sinter("set1", "set2")) == expected
    assert r.sintercard(2, ["set1", "set2"]) == 6
    assert r.sintercard(2, ["set1", "set2"], limit=0) == 6
    assert r.sintercard(2, ["set1", "set2"], limit=3) == 3
    assert r.sintercard(2, ["set1", "set2"], limit=10) == 6
    assert r.sinterstore("res", "set1", "set2") == 6
    assert enc(r, "res") == kind.encode()
    assert members(r, "res") == expected
    union = set(r.smembers("set1")) | set(r.smembers("set2"))
    assert set(r.sunion("set1", "set2")) == union
    assert r.sunionstore("res", "set1", "set2") == len(union)
    assert enc(r, "res") == kind.encode()
    assert set(r.smembers("res")) == union
    assert sorted(r.sinter("set1", "set2", "set3")) == sorted([b"195", b"199", large])
    assert r.sintercard(3, ["set1", "set2", "set3"], limit=2) == 2
    assert set(r.sunion("nokey1", "set1", "set2", "nokey2")) == union
    assert sorted(r.sdiff("set1", "set4")) == [b"0", b"1", b"2", b"3", b"4"]
    assert sorted(r.sdiff("set1", "set4", "set5")) == [b"1", b"2", b"3", b"4"]
    assert r.sdiffstore("res", "set1", "set4", "set5") == 4
    if kind == "intset":
        assert enc(r, "res") == b"intset"
    s1 = set(r.smembers("set1"))
    assert set(r.sinter("set1", "set1", "set1")) == s1
    assert set(r.sunion("set1", "set1", "set1")) == s1
    assert r.sdiff("set1", "set1", "set1") == set()
    assert r.sdiff("set1", "set2", "set1") == set()


def test_algebra_reply_order_is_the_built_sets(c):
    # a hashtable of integers: SUNION/SDIFF build an intset, replied in ascending order
    raw_cmd(c, "SADD", "h", "30", "10", "20", "x")
    raw_cmd(c, "SREM", "h", "x")
    assert raw_cmd(c, "OBJECT", "ENCODING", "h") == b"$9\r\nhashtable\r\n"
    want = b"*3\r\n$2\r\n10\r\n$2\r\n20\r\n$2\r\n30\r\n"
    assert raw_cmd(c, "SUNION", "h") == want
    assert raw_cmd(c, "SDIFF", "h", "nokey") == want
    assert raw_cmd(c, "SPOP", "h", "3") == want
    raw_cmd(c, "SADD", "i", "3", "2", "1")
    raw_cmd(c, "SADD", "j", "2", "3", "4", "5")
    assert raw_cmd(c, "SINTER", "j", "i") == b"*2\r\n$1\r\n2\r\n$1\r\n3\r\n"


def test_algebra_store_encodings(r, intset_max):
    # a hashtable holding only integers gives an intset when the result is small
    r.sadd("h", *range(600))
    r.sadd("few", 1, 2, 3, "x")
    assert r.sinterstore("d", "h", "few") == 3
    assert enc(r, "d") == b"intset"
    assert r.sunionstore("d", "h") == 600
    assert enc(r, "d") == b"hashtable"
    # SDIFF by lookups (two sets): 500 integers, an intset
    r.sadd("low", *range(100))
    assert r.sdiffstore("d", "h", "low") == 500
    assert enc(r, "d") == b"intset"
    # SDIFF by removal (the first set copied, then 200 removed): stays a hashtable
    r.sadd("mid", *range(100, 200))
    assert r.sdiffstore("d", "h", "low", "mid") == 400
    assert enc(r, "d") == b"hashtable"
    assert sorted(int(x) for x in r.smembers("d")) == list(range(200, 600))
    assert sorted(int(x) for x in r.sdiff("h", "low", "mid")) == list(range(200, 600))


def test_sdiff_fuzz_against_model(r):
    import random
    rng = random.Random(1234)
    for _ in range(60):
        nsets = rng.randint(1, 8)
        model = []
        keys = []
        for i in range(nsets):
            key = f"fz{i}"
            keys.append(key)
            r.delete(key)
            vals = set()
            for _ in range(rng.randint(0, 60)):
                vals.add(rng.choice([str(rng.randint(0, 40)), f"s{rng.randint(0, 40)}"]).encode())
            if vals:
                r.sadd(key, *vals)
            model.append(vals)
        want_diff = model[0].difference(*model[1:])
        want_inter = model[0].intersection(*model[1:])
        want_union = set().union(*model)
        assert set(r.sdiff(*keys)) == want_diff
        assert set(r.sinter(*keys)) == want_inter
        assert set(r.sunion(*keys)) == want_union
        assert r.sintercard(len(keys), keys) == len(want_inter)
        assert r.sdiffstore("out", *keys) == len(want_diff)
        assert r.smembers("out") == want_diff
        assert r.sinterstore("out", *keys) == len(want_inter)
        assert r.smembers("out") == want_inter


def test_store_empty_result_deletes_destination(r):
    r.sadd("a", 1, 2)
    r.sadd("b", 3)
    for cmd in ("sinterstore", "sdiffstore", "sunionstore"):
        r.set("dst", "x")
        args = {"sinterstore": ("a", "b"), "sdiffstore": ("a", "a"), "sunionstore": ("nokey",)}[cmd]
        assert r.execute_command(cmd, "dst", *args) == 0
        assert r.exists("dst") == 0
    r.set("dst", "x")
    assert r.sinterstore("dst", "a", "nokey") == 0
    assert r.exists("dst") == 0
    assert r.sinterstore("dst", "a", "nokey") == 0


def test_store_overwrites_any_type_and_ttl(r):
    r.sadd("a", "x", "y")
    r.set("dst", "v", ex=100)
    assert r.sunionstore("dst", "a") == 2
    assert r.type("dst") == b"set"
    assert r.ttl("dst") == -1
    assert r.sinterstore("a", "a") == 2     # the destination is a source
    assert members(r, "a") == [b"x", b"y"]
    assert r.sdiffstore("a", "a", "nokey") == 2
    assert members(r, "a") == [b"x", b"y"]


def test_algebra_wrong_types(c):
    raw_cmd(c, "SADD", "s", "a", "b")
    raw_cmd(c, "SET", "str", "v")
    wt = b"-" + ERR_WRONGTYPE + b"\r\n"
    for cmd in ("SINTER", "SUNION", "SDIFF"):
        assert raw_cmd(c, cmd, "s", "str") == wt
        assert raw_cmd(c, cmd, "str", "s") == wt
        assert raw_cmd(c, cmd, "nokey", "str") == wt      # checked after a missing key too
        assert raw_cmd(c, cmd, "s", "nokey", "s", "str") == wt
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        raw_cmd(c, "SET", "dst", "keep")
        assert raw_cmd(c, cmd, "dst", "s", "str") == wt
        assert raw_cmd(c, cmd, "dst", "nokey", "str") == wt
        assert raw_cmd(c, "GET", "dst") == b"$4\r\nkeep\r\n"
    assert raw_cmd(c, "SMEMBERS", "str") == wt
    assert raw_cmd(c, "SINTERCARD", "1", "str") == wt
    assert raw_cmd(c, "SINTERCARD", "2", "s", "str") == wt
    assert raw_cmd(c, "SINTERCARD", "2", "str", "nokey") == wt
    assert raw_cmd(c, "SCARD", "str") == wt
    assert raw_cmd(c, "SISMEMBER", "str", "a") == wt
    assert raw_cmd(c, "SMISMEMBER", "str", "a") == wt
    assert raw_cmd(c, "SADD", "str", "a") == wt
    assert raw_cmd(c, "SREM", "str", "a") == wt
    assert raw_cmd(c, "SSCAN", "str", "0") == wt


def test_sintercard_arguments(c):
    raw_cmd(c, "SADD", "s", "a", "b", "c")
    raw_cmd(c, "SADD", "t", "b", "c", "d")
    err = lambda m: b"-ERR " + m + b"\r\n"  # noqa: E731
    assert raw_cmd(c, "SINTERCARD") == err(b"wrong number of arguments for 'sintercard' command")
    assert raw_cmd(c, "SINTERCARD", "1") == err(b"wrong number of arguments for 'sintercard' command")
    assert raw_cmd(c, "SINTERCARD", "0", "s") == err(b"numkeys should be greater than 0")
    assert raw_cmd(c, "SINTERCARD", "-1", "s") == err(b"numkeys should be greater than 0")
    assert raw_cmd(c, "SINTERCARD", "a", "s") == err(b"numkeys should be greater than 0")
    assert raw_cmd(c, "SINTERCARD", str(LLONG_MAX), "s") == \
        err(b"Number of keys can't be greater than number of args")
    assert raw_cmd(c, "SINTERCARD", "2", "s") == err(b"Number of keys can't be greater than number of args")
    assert raw_cmd(c, "SINTERCARD", "3", "s", "t") == err(b"Number of keys can't be greater than number of args")
    assert raw_cmd(c, "SINTERCARD", "1", "s", "t") == err(b"syntax error")
    assert raw_cmd(c, "SINTERCARD", "1", "s", "LIMIT") == err(b"syntax error")
    assert raw_cmd(c, "SINTERCARD", "1", "s", "LIMIT", "1", "x") == err(b"syntax error")
    assert raw_cmd(c, "SINTERCARD", "1", "s", "LIMIT", "-1") == err(b"LIMIT can't be negative")
    assert raw_cmd(c, "SINTERCARD", "1", "s", "LIMIT", "a") == err(b"LIMIT can't be negative")
    assert raw_cmd(c, "SINTERCARD", "1", "s", "LIMIT", str(LLONG_MIN)) == err(b"LIMIT can't be negative")
    assert raw_cmd(c, "SINTERCARD", "2", "s", "t") == b":2\r\n"
    assert raw_cmd(c, "SINTERCARD", "2", "s", "t", "limit", "1") == b":1\r\n"
    assert raw_cmd(c, "SINTERCARD", "2", "s", "t", "LIMIT", "5", "LIMIT", "1") == b":1\r\n"
    assert raw_cmd(c, "SINTERCARD", "2", "s", "t", "LIMIT", str(LLONG_MAX)) == b":2\r\n"
    assert raw_cmd(c, "SINTERCARD", "1", "s", "LIMIT", "0") == b":3\r\n"
    assert raw_cmd(c, "SINTERCARD", "2", "LIMIT", "s") == b":0\r\n"   # keys named LIMIT and s
    assert raw_cmd(c, "SINTERCARD", "1", "nokey", "LIMIT", "3") == b":0\r\n"


# ---------------------------------------------------------------- SSCAN

def test_sscan_hashtable_full_iteration(r):
    n = 3000
    expected = {f"el:{i}".encode() for i in range(n)}
    r.sadd("s", *expected)
    for count in (None, 1, 100, 10000):
        seen = set()
        cursor = 0
        while True:
            cursor, batch = r.sscan("s", cursor, count=count)
            seen.update(batch)
            if cursor == 0:
                break
        assert seen == expected
    cursor, seen = 0, set()
    while True:
        cursor, batch = r.sscan("s", cursor, match="el:1*", count=50)
        seen.update(batch)
        if cursor == 0:
            break
    assert seen == {m for m in expected if m.startswith(b"el:1")}


def test_sscan_intset_whole_and_match(c):
    raw_cmd(c, "SADD", "i", *range(100))
    got = raw_cmd(c, "SSCAN", "i", "0", "COUNT", "1")
    assert got.startswith(b"*2\r\n$1\r\n0\r\n*100\r\n$1\r\n0\r\n$1\r\n1\r\n")
    # an intset is returned whole whatever the cursor
    assert raw_cmd(c, "SSCAN", "i", "12345", "MATCH", "9*") == (
        b"*2\r\n$1\r\n0\r\n*11\r\n$1\r\n9\r\n" + b"".join(b"$2\r\n%d\r\n" % v for v in range(90, 100)))


def test_sscan_errors(c):
    raw_cmd(c, "SADD", "s", "a")
    err = lambda m: b"-ERR " + m + b"\r\n"  # noqa: E731
    assert raw_cmd(c, "SSCAN", "s", "x") == err(b"invalid cursor")
    assert raw_cmd(c, "SSCAN", "s", " 1") == err(b"invalid cursor")
    assert raw_cmd(c, "SSCAN", "s", "1x") == err(b"invalid cursor")
    assert raw_cmd(c, "SSCAN", "s", "18446744073709551616") == err(b"invalid cursor")
    assert raw_cmd(c, "SSCAN", "nokey", "x") == err(b"invalid cursor")
    assert raw_cmd(c, "SSCAN", "s", "0", "COUNT", "0") == err(b"syntax error")
    assert raw_cmd(c, "SSCAN", "s", "0", "COUNT", "x") == err(b"value is not an integer or out of range")
    assert raw_cmd(c, "SSCAN", "s", "0", "TYPE", "set") == err(b"syntax error")
    assert raw_cmd(c, "SSCAN", "s", "0", "MATCH") == err(b"syntax error")
    # options are parsed after the lookup: a missing key answers first
    assert raw_cmd(c, "SSCAN", "nokey", "0", "COUNT", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    assert raw_cmd(c, "SSCAN", "s", "18446744073709551615").startswith(b"*2\r\n")
    assert raw_cmd(c, "SSCAN", "s", "0", "COUNT", str(LLONG_MAX)) == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"


# ---------------------------------------------------------------- keyspace and server integration

def test_copy_keeps_encoding_and_contents(r):
    r.sadd("i", 1, 2, 3)
    r.sadd("h", "a", "b", 1)
    assert r.copy("i", "i2") == 1 and r.copy("h", "h2") == 1
    assert enc(r, "i2") == b"intset" and enc(r, "h2") == b"hashtable"
    assert members(r, "i2") == [b"1", b"2", b"3"]
    assert members(r, "h2") == [b"1", b"a", b"b"]
    r.sadd("i2", 4)
    r.srem("h2", "a")
    assert r.scard("i") == 3 and r.scard("h") == 3


def test_type_rename_move_del(r):
    r.sadd("s", "a", 1)
    assert r.type("s") == b"set"
    r.rename("s", "t")
    assert members(r, "t") == [b"1", b"a"]
    assert r.move("t", 1) == 1
    r.execute_command("SELECT", 1)
    assert members(r, "t") == [b"1", b"a"]
    assert r.delete("t") == 1
    r.execute_command("SELECT", 0)
    big = [f"m{i}" for i in range(1000)]
    r.sadd("big", *big)
    assert r.unlink("big") == 1
    assert r.exists("big") == 0


def test_memory_usage(r):
    r.sadd("i", *range(100))
    r.sadd("h", *[f"member-{i}" for i in range(1000)])
    small = r.memory_usage("i")
    big = r.memory_usage("h")
    assert small is not None and small > 200
    assert big > 1000 * 8
    assert r.memory_usage("h", samples=0) > 1000 * 8


def test_debug_digest_value(spawn):
    srv = spawn("--enable-debug-command", "yes")
    cl = srv.client()
    vals = [b"a", b"bb", b"1", b"2", b""]
    cl.sadd("h", *vals)
    cl.sadd("i", 3, -1, 300000)
    cl.sadd("j", "3", "-1", "300000", "x")
    cl.srem("j", "x")

    def xor(a, b):
        return bytes(x ^ y for x, y in zip(a, b))

    def expected(ms):
        # the type (2, big-endian) mixed in first, then every member's SHA1 XORed
        d = hashlib.sha1(xor(bytes(20), hashlib.sha1(b"\x00\x00\x00\x02").digest())).digest()
        for m in ms:
            d = xor(d, hashlib.sha1(m).digest())
        return d.hex().encode()

    got = cl.execute_command("DEBUG", "DIGEST-VALUE", "h", "i", "j")
    assert got == [expected(vals), expected([b"3", b"-1", b"300000"]), expected([b"3", b"-1", b"300000"])]
    cl.close()


def test_dirty_counts(r):
    def changes():
        return r.info("persistence")["rdb_changes_since_last_save"]
    r.sadd("s", "x")
    base = changes()
    r.sadd("s", "a", "b", "c", "a")
    assert changes() == base + 3
    r.srem("s", "a", "b", "nope")
    assert changes() == base + 5
    r.sadd("s", "d", "e", "f", "g")
    r.spop("s", 3)
    assert changes() == base + 12
    r.smove("s", "t", r.srandmember("s"))
    assert changes() == base + 14
    r.spop("s")
    assert changes() == base + 15
    r.sadd("s", 7)
    r.sinterstore("d", "s", "s")
    assert changes() == base + 17


@pytest.fixture
def events(keyspace_events):
    """A function returning the keyevent notifications since its last call, as
    (event, key) pairs."""
    collect = keyspace_events("__keyevent@*__:*")

    def drain(wait=0.3):
        got = collect(wait)
        out = [(channel.split(b":", 1)[1], key) for channel, key in got]
        got.clear()
        return out

    return drain


def test_keyspace_events(r, events):
    r.sadd("s", "a", "b", "c")
    r.sadd("s", "a")
    r.srem("s", "a", "zz")
    r.srem("s", "zz")
    assert events() == [(b"sadd", b"s"), (b"srem", b"s")]
    r.srem("s", "b", "c")
    assert events() == [(b"srem", b"s"), (b"del", b"s")]
    r.sadd("s", "a", "b")
    r.sadd("d", "b")
    events()
    r.smove("s", "d", "b")
    assert events() == [(b"srem", b"s")]
    r.smove("s", "d", "a")
    assert events() == [(b"srem", b"s"), (b"del", b"s"), (b"sadd", b"d")]
    r.spop("d")
    assert events() == [(b"spop", b"d")]
    r.spop("d")
    assert events() == [(b"spop", b"d"), (b"del", b"d")]
    r.sadd("p", *range(10))
    events()
    r.spop("p", 3)
    assert events() == [(b"spop", b"p")]
    r.spop("p", 100)
    assert events() == [(b"spop", b"p"), (b"del", b"p")]
    r.sadd("a", 1, 2)
    r.sadd("b", 2, 3)
    events()
    r.sinterstore("x", "a", "b")
    r.sunionstore("y", "a", "b")
    r.sdiffstore("z", "a", "b")
    assert events() == [(b"sinterstore", b"x"), (b"sunionstore", b"y"), (b"sdiffstore", b"z")]
    r.sinterstore("x", "a", "nokey")
    r.sdiffstore("y", "a", "a")
    r.sunionstore("z", "nokey")
    r.sunionstore("z", "nokey")
    assert events() == [(b"del", b"x"), (b"del", b"y"), (b"del", b"z")]


# ---------------------------------------------------------------- hostile and large inputs

def test_hostile_counts_and_arities(c):
    raw_cmd(c, "SADD", "s", *range(10))
    assert raw_cmd(c, "SRANDMEMBER", "s", "-1000").startswith(b"*1000\r\n")
    assert raw_cmd(c, "SRANDMEMBER", "s", str(LLONG_MAX)).startswith(b"*10\r\n")
    for cmd, n in (("SADD", 1), ("SREM", 1), ("SMISMEMBER", 1), ("SINTERSTORE", 1), ("SUNIONSTORE", 1),
                   ("SDIFFSTORE", 1), ("SMOVE", 2), ("SISMEMBER", 1), ("SCARD", 0), ("SSCAN", 1)):
        got = raw_cmd(c, cmd, *(["k"] * n))
        assert got == b"-ERR wrong number of arguments for '%s' command\r\n" % cmd.lower().encode()
    assert raw_cmd(c, "SCARD", "s") == b":10\r\n"


def test_large_set_operations(r):
    n = 100000
    r.sadd("big", *[f"m:{i}" for i in range(n)])
    assert r.scard("big") == n
    assert len(r.smembers("big")) == n
    got = r.srandmember("big", 1000)
    assert len(set(got)) == 1000
    got = r.srandmember("big", 60000)         # shuffle path
    assert len(set(got)) == 60000
    popped = r.spop("big", 90000)              # keeping path
    assert len(set(popped)) == 90000
    assert r.scard("big") == 10000
    assert len(set(popped) | r.smembers("big")) == n
    r.sadd("ints", *range(n))
    assert enc(r, "ints") == b"hashtable"
    assert r.sintercard(2, ["ints", "ints"]) == n
    assert r.sdiffstore("d", "ints", "big") == n


def test_command_getkeys(c):
    def keys(*args):
        return raw_cmd(c, "COMMAND", "GETKEYS", *args)
    assert keys("SINTERCARD", "2", "a", "b", "LIMIT", "1") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert keys("SINTERCARD", "5", "a") == b"-ERR Invalid arguments specified for command\r\n"
    assert keys("SINTERCARD", "0", "a") == b"-ERR Invalid arguments specified for command\r\n"
    assert keys("SINTERSTORE", "d", "a", "b") == b"*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert keys("SMOVE", "a", "b", "m") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert raw_cmd(c, "COMMAND", "GETKEYSANDFLAGS", "SMOVE", "a", "b", "m") == (
        b"*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n"
        b"*2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n")
