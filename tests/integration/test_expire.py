"""Expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL,
EXPIRETIME, PEXPIRETIME, PERSIST; lazy and active expiry.

Replies and error texts are Redis 7.0's; run with VESPER_SERVER=/usr/bin/redis-server
to check the expectations against the reference."""
import time

import pytest
import redis

LLONG_MAX = 2**63 - 1
LLONG_MIN = -2**63


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def now_ms():
    return int(time.time() * 1000)


def wait_for(pred, timeout=5.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


# ---------------------------------------------------------------- setting a TTL

def test_expire_and_ttl(r):
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.execute_command("EXPIRE", "k", 100) == 1
    assert 99 <= r.ttl("k") <= 100
    assert 99000 <= r.pttl("k") <= 100000
    assert r.get("k") == b"v"


def test_pexpire(r):
    r.set("k", "v")
    assert r.execute_command("PEXPIRE", "k", 100000) == 1
    assert 99000 <= r.pttl("k") <= 100000
    assert 99 <= r.ttl("k") <= 100


def test_expireat_and_pexpireat(r):
    r.set("k", "v")
    t = int(time.time()) + 100
    assert r.execute_command("EXPIREAT", "k", t) == 1
    assert r.expiretime("k") == t
    assert r.execute_command("PEXPIRETIME", "k") == t * 1000
    ms = now_ms() + 200000
    assert r.execute_command("PEXPIREAT", "k", ms) == 1
    assert r.execute_command("PEXPIRETIME", "k") == ms
    assert r.execute_command("EXPIRETIME", "k") == (ms + 500) // 1000


def test_expire_missing_key(r):
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert r.execute_command(cmd, "nokey", 100) == 0
        assert r.execute_command(cmd, "nokey", 100, "NX") == 0
    assert r.exists("nokey") == 0


def test_expire_overwrites_ttl(r):
    r.set("k", "v", ex=100)
    r.expire("k", 1000)
    assert 999 <= r.ttl("k") <= 1000
    r.expire("k", 10)
    assert 9 <= r.ttl("k") <= 10


def test_expire_actually_expires(r):
    r.set("k", "v")
    r.pexpire("k", 100)
    assert r.get("k") == b"v"
    time.sleep(0.2)
    assert r.get("k") is None
    assert r.ttl("k") == -2
    assert r.exists("k") == 0


def test_expire_in_seconds_actually_expires(r):
    r.set("k", "v")
    r.expire("k", 1)
    time.sleep(1.2)
    assert r.get("k") is None


@pytest.mark.parametrize("cmd,arg", [("EXPIRE", -1), ("EXPIRE", 0), ("PEXPIRE", -100), ("PEXPIRE", 0),
                                     ("EXPIREAT", 1), ("PEXPIREAT", 1000), ("EXPIREAT", -5),
                                     ("EXPIRE", -(LLONG_MAX // 1000)), ("PEXPIREAT", LLONG_MIN)])
def test_time_in_the_past_deletes(r, cmd, arg):
    r.set("k", "v")
    r.set("other", "v")
    assert r.execute_command(cmd, "k", arg) == 1
    assert r.exists("k") == 0
    assert r.get("other") == b"v"
    assert r.dbsize() == 1


def test_expire_past_counts_as_deleted_event(r):
    r.set("k", "v")
    before = r.info("persistence")["rdb_changes_since_last_save"]
    r.expire("k", -10)
    assert r.info("persistence")["rdb_changes_since_last_save"] == before + 1


def test_expire_keeps_value_encoding(r):
    r.set("i", "123")
    r.set("e", "short")
    r.set("w", "x" * 100)
    for k in ("i", "e", "w"):
        r.expire(k, 100)
    assert r.get("i") == b"123" and r.object("encoding", "i") == b"int"
    assert r.get("e") == b"short" and r.object("encoding", "e") == b"embstr"
    assert r.get("w") == b"x" * 100 and r.object("encoding", "w") == b"raw"
    for k in ("i", "e", "w"):
        r.persist(k)
    assert r.get("i") == b"123" and r.get("e") == b"short" and r.get("w") == b"x" * 100


def test_long_key_with_ttl(r):
    key = "k" * 1000
    r.set(key, "v")
    r.expire(key, 100)
    assert 99 <= r.ttl(key) <= 100
    assert r.get(key) == b"v"
    r.persist(key)
    assert r.ttl(key) == -1


# ---------------------------------------------------------------- NX / XX / GT / LT

def test_nx(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "NX") == 1
    assert r.execute_command("EXPIRE", "k", 200, "NX") == 0
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("PEXPIRE", "k", 200000, "nx") == 0


def test_xx(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "XX") == 0
    assert r.ttl("k") == -1
    r.expire("k", 100)
    assert r.execute_command("EXPIRE", "k", 200, "XX") == 1
    assert 199 <= r.ttl("k") <= 200


def test_gt(r):
    r.set("k", "v")
    # no TTL counts as infinite: GT never succeeds
    assert r.execute_command("EXPIRE", "k", 100, "GT") == 0
    assert r.ttl("k") == -1
    r.expire("k", 100)
    assert r.execute_command("EXPIRE", "k", 50, "GT") == 0
    assert r.execute_command("EXPIRE", "k", 200, "GT") == 1
    assert 199 <= r.ttl("k") <= 200
    t = r.execute_command("PEXPIRETIME", "k")
    assert r.execute_command("PEXPIREAT", "k", t, "GT") == 0  # equal is not greater


def test_lt(r):
    r.set("k", "v")
    # no TTL counts as infinite: LT always succeeds
    assert r.execute_command("EXPIRE", "k", 100, "LT") == 1
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("EXPIRE", "k", 200, "LT") == 0
    assert r.execute_command("EXPIRE", "k", 50, "LT") == 1
    assert 49 <= r.ttl("k") <= 50
    t = r.execute_command("PEXPIRETIME", "k")
    assert r.execute_command("PEXPIREAT", "k", t, "LT") == 0  # equal is not less


def test_xx_gt_and_xx_lt(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "XX", "LT") == 0
    assert r.ttl("k") == -1
    r.expire("k", 100)
    assert r.execute_command("EXPIRE", "k", 200, "XX", "GT") == 1
    assert r.execute_command("EXPIRE", "k", 300, "XX", "LT") == 0
    assert r.execute_command("EXPIRE", "k", 150, "xx", "lt") == 1
    assert 149 <= r.ttl("k") <= 150
    assert r.execute_command("EXPIRE", "k", 100, "GT", "GT") == 0


def test_lt_with_past_time_deletes(r):
    r.set("k", "v", ex=100)
    assert r.execute_command("EXPIRE", "k", -1, "LT") == 1
    assert r.exists("k") == 0


def test_gt_with_past_time_is_refused(r):
    r.set("k", "v", ex=100)
    assert r.execute_command("EXPIRE", "k", -1, "GT") == 0
    assert r.exists("k") == 1


def test_nx_with_past_time_on_volatile_key_keeps_key(r):
    r.set("k", "v", ex=100)
    assert r.execute_command("EXPIRE", "k", -1, "NX") == 0
    assert r.exists("k") == 1


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_option_errors(r, cmd):
    r.set("k", "v")
    msg_nx = "NX and XX, GT or LT options at the same time are not compatible"
    assert err(r, cmd, "k", 100, "NX", "XX") == msg_nx
    assert err(r, cmd, "k", 100, "NX", "GT") == msg_nx
    assert err(r, cmd, "k", 100, "LT", "NX") == msg_nx
    assert err(r, cmd, "k", 100, "XX", "NX", "GT") == msg_nx
    assert err(r, cmd, "k", 100, "GT", "LT") == "GT and LT options at the same time are not compatible"
    assert err(r, cmd, "k", 100, "XX", "lt", "gt") == "GT and LT options at the same time are not compatible"
    assert err(r, cmd, "k", 100, "FOO") == "Unsupported option FOO"
    assert err(r, cmd, "k", 100, "NX", "bar") == "Unsupported option bar"
    assert err(r, cmd, "k", "abc") == "value is not an integer or out of range"
    assert err(r, cmd, "k", "1.5") == "value is not an integer or out of range"
    assert err(r, cmd, "k", "") == "value is not an integer or out of range"
    # options are checked before the time argument
    assert err(r, cmd, "k", "abc", "FOO") == "Unsupported option FOO"
    assert err(r, cmd, "k") == f"wrong number of arguments for '{cmd.lower()}' command"
    assert r.ttl("k") == -1


def test_overflow_errors(r):
    r.set("k", "v")
    assert err(r, "EXPIRE", "k", LLONG_MAX // 1000 + 1) == "invalid expire time in 'expire' command"
    assert err(r, "EXPIRE", "k", LLONG_MIN // 1000 - 1) == "invalid expire time in 'expire' command"
    assert err(r, "EXPIRE", "k", LLONG_MAX // 1000) == "invalid expire time in 'expire' command"
    assert err(r, "EXPIREAT", "k", LLONG_MAX // 1000 + 1) == "invalid expire time in 'expireat' command"
    assert err(r, "PEXPIRE", "k", LLONG_MAX) == "invalid expire time in 'pexpire' command"
    assert err(r, "PEXPIRE", "k", LLONG_MAX - 1000) == "invalid expire time in 'pexpire' command"
    # no overflow check applies to an absolute time in ms
    assert r.execute_command("PEXPIREAT", "k", LLONG_MAX) == 1
    assert r.execute_command("PEXPIRETIME", "k") == LLONG_MAX
    r.persist("k")
    # EXPIREAT at the largest convertible value is accepted
    assert r.execute_command("EXPIREAT", "k", LLONG_MAX // 1000) == 1
    assert r.execute_command("EXPIRETIME", "k") == (LLONG_MAX // 1000 * 1000 + 500) // 1000
    # out of the long long range entirely
    assert err(r, "EXPIRE", "k", "9223372036854775808") == "value is not an integer or out of range"
    # overflow is reported even for a missing key
    assert err(r, "EXPIRE", "nokey", LLONG_MAX) == "invalid expire time in 'expire' command"


def test_expire_huge_but_valid(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100 * 365 * 86400) == 1
    assert r.ttl("k") > 99 * 365 * 86400


# ---------------------------------------------------------------- TTL family

def test_ttl_family_missing_and_persistent(r):
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert r.execute_command(cmd, "nokey") == -2
    r.set("k", "v")
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert r.execute_command(cmd, "k") == -1
        assert err(r, cmd) == f"wrong number of arguments for '{cmd.lower()}' command"
        assert err(r, cmd, "a", "b") == f"wrong number of arguments for '{cmd.lower()}' command"


def test_ttl_rounding(r):
    r.set("k", "v")
    r.pexpire("k", 2600)
    assert r.ttl("k") == 3     # 2.5xx s rounds to 3
    r.pexpire("k", 2300)
    assert r.ttl("k") == 2     # 2.2xx s rounds to 2
    r.pexpire("k", 400)
    assert r.ttl("k") == 0


def test_expiretime_values(r):
    r.set("k", "v")
    ms = now_ms() + 123456
    r.execute_command("PEXPIREAT", "k", ms)
    assert r.execute_command("PEXPIRETIME", "k") == ms
    assert r.execute_command("EXPIRETIME", "k") == (ms + 500) // 1000
    r.execute_command("EXPIREAT", "k", 2000000000)
    assert r.execute_command("EXPIRETIME", "k") == 2000000000
    assert r.execute_command("PEXPIRETIME", "k") == 2000000000000


def test_expiretime_expired_key(r):
    r.set("k", "v", px=1)
    time.sleep(0.01)
    assert r.execute_command("EXPIRETIME", "k") == -2
    assert r.execute_command("PTTL", "k") == -2


# ---------------------------------------------------------------- PERSIST

def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("nokey") is False
    assert r.get("k") == b"v"
    assert err(r, "PERSIST") == "wrong number of arguments for 'persist' command"


def test_persist_then_does_not_expire(r):
    r.set("k", "v", px=100)
    r.persist("k")
    time.sleep(0.2)
    assert r.get("k") == b"v"


def test_persist_expired_key(r):
    r.set("k", "v", px=1)
    time.sleep(0.01)
    assert r.persist("k") is False
    assert r.exists("k") == 0


# ---------------------------------------------------------------- lazy and active expiry

def test_lazy_expiry_on_access(r):
    r.set("k", "v", px=50)
    time.sleep(0.1)
    assert r.exists("k") == 0
    assert r.get("k") is None


def test_active_expiry_removes_keys_without_access(r):
    p = r.pipeline(transaction=False)
    for i in range(500):
        p.set(b"short:%d" % i, "v", px=100)
    for i in range(100):
        p.set(b"keep:%d" % i, "v")
    for i in range(50):
        p.set(b"long:%d" % i, "v", ex=1000)
    p.execute()
    assert r.dbsize() == 650
    # never touch the short keys: only the server's active cycle can remove them
    assert wait_for(lambda: r.dbsize() == 150, timeout=5), r.dbsize()
    assert r.exists(*[b"keep:%d" % i for i in range(100)]) == 100
    assert r.exists(*[b"long:%d" % i for i in range(50)]) == 50


def test_active_expiry_in_other_databases(server, r):
    c = redis.Redis(host="127.0.0.1", port=server.port, db=7)
    try:
        p = c.pipeline(transaction=False)
        for i in range(200):
            p.set(b"k%d" % i, "v", px=50)
        p.execute()
        assert wait_for(lambda: c.dbsize() == 0, timeout=5), c.dbsize()
    finally:
        c.flushdb()
        c.close()


def test_active_expiry_counts_expired_keys(r):
    before = r.info("stats")["expired_keys"]
    p = r.pipeline(transaction=False)
    for i in range(100):
        p.set(b"k%d" % i, "v", px=10)
    p.execute()
    assert wait_for(lambda: r.dbsize() == 0, timeout=5)
    assert r.info("stats")["expired_keys"] - before == 100


def test_many_ttl_changes(r):
    """TTLs added, changed and removed on many keys keep a consistent state."""
    n = 2000
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set(b"k%d" % i, i)
    p.execute()
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.expire(b"k%d" % i, 1000 + i)
    p.execute()
    p = r.pipeline(transaction=False)
    for i in range(0, n, 2):
        p.persist(b"k%d" % i)
    for i in range(1, n, 4):
        p.delete(b"k%d" % i)
    p.execute()
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.ttl(b"k%d" % i)
    ttls = p.execute()
    for i, t in enumerate(ttls):
        if i % 2 == 0:
            assert t == -1
        elif i % 4 == 1:
            assert t == -2
        else:
            assert 990 + i <= t <= 1000 + i
    # now expire everything still volatile quickly and check only persistent keys remain
    p = r.pipeline(transaction=False)
    for i in range(3, n, 4):
        p.pexpire(b"k%d" % i, 1)
    p.execute()
    assert wait_for(lambda: r.dbsize() == n // 2, timeout=5), r.dbsize()


def test_set_removes_ttl_and_keepttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "w")
    assert r.ttl("k") == -1
    r.expire("k", 100)
    r.set("k", "x", keepttl=True)
    assert 99 <= r.ttl("k") <= 100


def test_expire_dirty_counter(r):
    r.set("k", "v")
    before = r.info("persistence")["rdb_changes_since_last_save"]
    r.expire("k", 100)
    r.expire("k", 100, nx=True)  # refused: no change
    r.persist("k")
    r.persist("k")               # no TTL: no change
    after = r.info("persistence")["rdb_changes_since_last_save"]
    assert after - before == 2


def test_regression_expire_cycle_is_timed(spawn):
    """Regression (fixed) (db.c): INFO's expire_cycle_cpu_milliseconds stayed 0 (the
    active expire cycle's time was never added), and the cycle's latency event was
    only recorded when a cycle hit its time cap; expiring a key recorded no
    expire-del event. As Redis, every cycle that runs is timed and each expired
    key's deletion is an expire-del sample (latency-monitor-threshold 1 ms here)."""
    srv = spawn("--hz", "100")
    r = srv.client()
    r.config_set("latency-monitor-threshold", 1)
    r.eval("for i = 1, 200000 do redis.call('set', 'k' .. i, 'v', 'px', 100) end", 0)
    r.eval("for i = 1, 300000 do redis.call('sadd', 'big', i) end redis.call('pexpire', 'big', 100)", 0)
    assert wait_for(lambda: r.dbsize() == 0, timeout=10)
    assert r.info("stats")["expire_cycle_cpu_milliseconds"] > 0
    events = {e[0] for e in r.execute_command("LATENCY", "LATEST")}
    assert b"expire-del" in events or "expire-del" in events, events
    r.close()
