"""Keyspace notifications end to end: PSUBSCRIBE __key*__:* and compare the events
each command line sends with those Redis 7.0.15 sent for the same lines (classes,
names, order; "new" and "keymiss" included), the keyspace and keyevent channel
forms, and "expired" from the active expiry cycle. The same command table is
checked in-process by tests/unit/test_notify.c; this file checks the delivery.
It is skipped while the server has no PSUBSCRIBE (pub/sub arrives from its own
branch). Every expectation holds against Redis 7.0.15."""
import time

import pytest
import redis

# (name, command lines, keyevent events as "<event> <key>") recorded from Redis 7.0.15
CASES = [
    ('set',
     ['SET k v', 'SET k v2', 'SET k v3 NX', 'SET k v4 XX', 'SET n v NX', 'SET k v5 GET', 'SET k v EX 100', 'SET k v KEEPTTL', 'SET k v PX 100000 GET', 'GET k'],
     ['new k', 'set k', 'set k', 'set k', 'new n', 'set n', 'set k', 'set k', 'expire k', 'set k', 'set k', 'expire k']),
    ('append_setrange',
     ['APPEND k abc', 'APPEND k def', 'SETRANGE k 1 zz', 'SETRANGE r 2 x', "SETRANGE k 0 ''", "SETRANGE z 0 ''"],
     ['new k', 'append k', 'append k', 'setrange k', 'new r', 'setrange r']),
    ('incr',
     ['INCR i', 'INCRBY i 5', 'DECR i', 'DECRBY i 2', 'INCRBYFLOAT f 1.5', 'INCRBYFLOAT f 2', 'SET s abc', 'INCR s'],
     ['new i', 'incrby i', 'incrby i', 'incrby i', 'incrby i', 'new f', 'incrbyfloat f', 'incrbyfloat f', 'new s', 'set s']),
    ('getdel_getex',
     ['SET k v', 'GETDEL k', 'GETDEL k', 'SET k v', 'GETEX k', 'GETEX k EX 100', 'GETEX k PERSIST', 'GETEX k PX 100', 'GETEX k PERSIST', 'GETEX nokey EX 10', 'GETEX k EXAT 1'],
     ['new k', 'set k', 'del k', 'keymiss k', 'new k', 'set k', 'expire k', 'persist k', 'expire k', 'persist k', 'keymiss nokey', 'del k']),
    ('get_miss',
     ['GET nokey', 'SET k v', 'GET k', 'STRLEN nokey', 'GETRANGE nokey 0 1', 'MGET nokey k', 'EXISTS nokey', 'TYPE nokey', 'TTL nokey'],
     ['keymiss nokey', 'new k', 'set k', 'keymiss nokey', 'keymiss nokey', 'keymiss nokey', 'keymiss nokey', 'keymiss nokey', 'keymiss nokey']),
    ('setbit',
     ['SETBIT b 3 1', 'SETBIT b 3 1', 'SETBIT b 100 0', 'BITFIELD bf SET u8 0 255', 'BITFIELD bf GET u8 0', 'BITFIELD bf INCRBY u8 0 1', 'BITFIELD_RO bf GET u8 0', 'BITFIELD nf GET u8 0'],
     ['new b', 'setbit b', 'setbit b', 'new bf', 'setbit bf', 'setbit bf', 'keymiss nf']),
    ('del',
     ['SET a 1', 'SET b 2', 'DEL a b c', 'SET a 1', 'UNLINK a c'],
     ['new a', 'set a', 'new b', 'set b', 'del a', 'del b', 'new a', 'set a', 'del a']),
    ('expire',
     ['SET k v', 'EXPIRE k 100', 'PEXPIRE k 100000', 'EXPIREAT k 9999999999', 'PEXPIREAT k 9999999999000', 'EXPIRE k 100 NX', 'EXPIRE k 200 XX', 'PERSIST k', 'PERSIST k', 'EXPIRE nokey 10', 'EXPIRE k 0', 'SET k v', 'PEXPIREAT k 1', 'SET k v', 'EXPIRE k -1'],
     ['new k', 'set k', 'expire k', 'expire k', 'expire k', 'expire k', 'expire k', 'persist k', 'del k', 'new k', 'set k', 'del k', 'new k', 'set k', 'del k']),
    ('rename',
     ['SET a 1', 'RENAME a b', 'SET c 2', 'RENAME b c', 'RENAMENX c d', 'SET e 1', 'RENAMENX d e', 'RENAME d d'],
     ['new a', 'set a', 'new b', 'rename_from a', 'rename_to b', 'new c', 'set c', 'new c', 'rename_from b', 'rename_to c', 'new d', 'rename_from c', 'rename_to d', 'new e', 'set e']),
    ('move_copy',
     ['SET a 1', 'MOVE a 1', 'SET b 1', 'COPY b c', 'COPY b c', 'COPY b c REPLACE', 'COPY b x DB 2', 'SET z 1', 'MOVE z 1'],
     ['new a', 'set a', 'new a', 'move_from a', 'move_to a', 'new b', 'set b', 'new c', 'copy_to c', 'new c', 'copy_to c', 'new x', 'copy_to x', 'new z', 'set z', 'new z', 'move_from z', 'move_to z']),
    ('lists',
     ['LPUSH l a b', 'RPUSH l c', 'LPUSHX l d', 'RPUSHX l e', 'LPUSHX nol x', 'LPOP l', 'RPOP l', 'LPOP l 2', 'LINSERT l BEFORE c z', 'LINSERT l AFTER nope z', 'LSET l 0 q', 'LREM l 0 q', 'LREM l 0 nope', 'RPUSH l a b c d', 'LTRIM l 1 2', 'LTRIM l 0 -1', 'LTRIM l 5 10', 'LPOP nol', 'RPOP nol 2'],
     ['new l', 'lpush l', 'rpush l', 'lpush l', 'rpush l', 'lpop l', 'rpop l', 'lpop l', 'linsert l', 'lset l', 'lrem l', 'rpush l', 'ltrim l', 'ltrim l', 'ltrim l', 'del l']),
    ('lmove',
     ['RPUSH s a b c', 'LMOVE s d LEFT RIGHT', 'RPOPLPUSH s d', 'LMOVE s s LEFT RIGHT', 'LMOVE s d RIGHT LEFT', 'LMOVE nos d LEFT LEFT', 'RPOPLPUSH d d'],
     ['new s', 'rpush s', 'new d', 'rpush d', 'lpop s', 'lpush d', 'rpop s', 'rpush s', 'lpop s', 'lpush d', 'rpop s', 'del s', 'lpush d', 'rpop d']),
    ('blocking_nowait',
     ['RPUSH l a b', 'BLPOP l 0', 'BRPOP l 0', 'RPUSH l x', 'BLMOVE l d LEFT RIGHT 0', 'RPUSH l y', 'BRPOPLPUSH l d 0', 'RPUSH l z', 'BLMPOP 0 1 l LEFT COUNT 3'],
     ['new l', 'rpush l', 'lpop l', 'rpop l', 'del l', 'new l', 'rpush l', 'new d', 'rpush d', 'lpop l', 'del l', 'new l', 'rpush l', 'lpush d', 'rpop l', 'del l', 'new l', 'rpush l', 'lpop l', 'del l']),
    ('hashes',
     ['HSET h a 1 b 2', 'HSET h a 3', 'HSETNX h a 4', 'HSETNX h c 5', 'HMSET h d 6', 'HDEL h a nope', 'HDEL h nope', 'HINCRBY h n 2', 'HINCRBYFLOAT h f 1.5', 'HDEL h b c d n f', 'HGET h a', 'HGET noh a', 'HGETALL noh', 'HLEN noh'],
     ['new h', 'hset h', 'hset h', 'hset h', 'hset h', 'hdel h', 'hincrby h', 'hincrbyfloat h', 'hdel h', 'del h', 'keymiss h', 'keymiss noh', 'keymiss noh', 'keymiss noh']),
    ('sets',
     ['SADD s a b', 'SADD s a', 'SREM s a nope', 'SREM s nope', 'SADD s c d e', 'SPOP s', 'SPOP s 1', 'SPOP s 10', 'SADD s a b c', 'SRANDMEMBER s', 'SMOVE s t a', 'SMOVE s t nope', 'SMOVE s t b', 'SMOVE s t c', 'SISMEMBER nos a'],
     ['new s', 'sadd s', 'srem s', 'sadd s', 'spop s', 'spop s', 'spop s', 'del s', 'new s', 'sadd s', 'srem s', 'new t', 'sadd t', 'srem s', 'sadd t', 'srem s', 'del s', 'sadd t', 'keymiss nos']),
    ('setstore',
     ['SADD a 1 2 3', 'SADD b 2 3 4', 'SINTERSTORE d a b', 'SUNIONSTORE d a b', 'SDIFFSTORE d a b', 'SINTERSTORE d a nob', 'SUNIONSTORE e nob noc', 'SET d x', 'SDIFFSTORE d nob a'],
     ['new a', 'sadd a', 'new b', 'sadd b', 'new d', 'sinterstore d', 'sunionstore d', 'sdiffstore d', 'keymiss nob', 'del d', 'keymiss nob', 'keymiss noc', 'new d', 'set d', 'keymiss nob', 'del d']),
    ('zsets',
     ['ZADD z 1 a 2 b', 'ZADD z 1 a', 'ZADD z 5 a', 'ZADD z INCR 1 a', 'ZINCRBY z 2 b', 'ZADD z NX 3 a', 'ZADD z XX 3 c', 'ZREM z a nope', 'ZREM z nope', 'ZADD z 1 x 2 y 3 w', 'ZREMRANGEBYSCORE z 100 200', 'ZREMRANGEBYSCORE z 1 1', 'ZREMRANGEBYRANK z 0 0', 'ZADD z 0 m 0 n', 'ZREMRANGEBYLEX z [m [n', 'ZREMRANGEBYRANK z 0 -1', 'ZSCORE noz a'],
     ['new z', 'zadd z', 'zadd z', 'zincr z', 'zincr z', 'zrem z', 'zadd z', 'zremrangebyscore z', 'zremrangebyrank z', 'zadd z', 'zremrangebyrank z', 'del z', 'keymiss noz']),
    ('zpop',
     ['ZADD z 1 a 2 b 3 c 4 d', 'ZPOPMIN z', 'ZPOPMAX z', 'ZPOPMIN z 0', 'ZPOPMIN z 5', 'ZPOPMIN noz', 'ZADD z 1 a 2 b 3 c', 'ZMPOP 1 z MIN', 'ZMPOP 2 noz z MAX COUNT 10', 'ZADD z 1 a', 'BZPOPMIN z 0', 'ZADD z 1 a 2 b', 'BZPOPMAX z 0', 'BZMPOP 0 1 z MIN COUNT 2'],
     ['new z', 'zadd z', 'zpopmin z', 'zpopmax z', 'zpopmin z', 'del z', 'new z', 'zadd z', 'zpopmin z', 'zpopmax z', 'del z', 'new z', 'zadd z', 'zpopmin z', 'del z', 'new z', 'zadd z', 'zpopmax z', 'zpopmin z', 'del z']),
    ('zstore',
     ['ZADD a 1 x 2 y', 'ZADD b 3 y 4 z', 'ZUNIONSTORE d 2 a b', 'ZINTERSTORE d 2 a b', 'ZDIFFSTORE d 2 a b', 'ZINTERSTORE d 2 a noz', 'ZUNIONSTORE e 1 noz', 'ZRANGESTORE r a 0 -1', 'ZRANGESTORE r a 5 10', 'ZRANGESTORE q a 5 10', 'ZDIFFSTORE a 1 a'],
     ['new a', 'zadd a', 'new b', 'zadd b', 'new d', 'zunionstore d', 'zinterstore d', 'zdiffstore d', 'keymiss noz', 'del d', 'keymiss noz', 'new r', 'zrangestore r', 'del r', 'zdiffstore a']),
    ('sort',
     ['RPUSH l 3 1 2', 'SORT l STORE d', 'SORT nol STORE d', 'SORT l STORE e', 'SADD s b a', 'SORT s ALPHA STORE d', 'SORT nol STORE x'],
     ['new l', 'rpush l', 'new d', 'sortstore d', 'keymiss nol', 'del d', 'new e', 'sortstore e', 'new s', 'sadd s', 'new d', 'sortstore d', 'keymiss nol']),
    ('lazy_expired',
     ['SET k v PX 5', 'SLEEP', 'GET k', 'RPUSH l a', 'PEXPIRE l 5', 'SLEEP', 'LPUSH l b', 'SET j v PX 5', 'SLEEP', 'EXISTS j'],
     ['new k', 'set k', 'expire k', 'expired k', 'keymiss k', 'new l', 'rpush l', 'expire l', 'expired l', 'new l', 'lpush l', 'new j', 'set j', 'expire j', 'expired j', 'keymiss j']),
]


@pytest.fixture
def sub(server):
    r = redis.Redis(port=server.port)
    p = r.pubsub()
    try:
        p.psubscribe("__key*__:*")
        p.get_message(timeout=2)
    except redis.ResponseError as e:
        p.close()
        r.close()
        pytest.skip(f"no pub/sub yet: {e}")
    yield p
    p.close()
    r.close()


def drain(p, settle=0.1):
    out = []
    end = time.time() + settle
    while time.time() < end:
        m = p.get_message(timeout=0.02)
        if m and m["type"] == "pmessage":
            out.append((m["channel"].decode(), m["data"].decode()))
            end = time.time() + settle
    return out


def run_line(r, line):
    if line == "SLEEP":
        time.sleep(0.03)
        return
    args = ["" if a == "''" else a for a in line.split(" ")]
    try:
        r.execute_command(*args)
    except redis.ResponseError:
        pass


@pytest.mark.parametrize("name, lines, want", CASES, ids=[c[0] for c in CASES])
def test_events_match_redis(r, sub, name, lines, want):
    r.config_set("notify-keyspace-events", "EAnm")
    try:
        drain(sub, 0.05)
        for line in lines:
            run_line(r, line)
        r.flushall()  # no events; keeps keys with a TTL from expiring while we read
        got = drain(sub)
    finally:
        r.config_set("notify-keyspace-events", "")
    assert all(ch.startswith("__keyevent@") for ch, _ in got)
    assert [ch.split(":", 1)[1] + " " + key for ch, key in got] == want


def test_keyspace_and_keyevent_forms(r, sub):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        r.execute_command("SELECT", "0")
        r.set("k", "v")
        r.lpush("l", "a")
        r.get("missing")   # keymiss is not part of A
        got = drain(sub)
    finally:
        r.config_set("notify-keyspace-events", "")
    assert got == [("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k"),
                   ("__keyspace@0__:l", "lpush"), ("__keyevent@0__:lpush", "l")]


def test_active_expiry_notifies_expired(r, sub):
    r.config_set("notify-keyspace-events", "Ex")
    try:
        r.set("short", "v", px=50)
        deadline = time.time() + 3
        got = []
        while time.time() < deadline and not got:
            got = drain(sub, 0.2)
    finally:
        r.config_set("notify-keyspace-events", "")
    assert got == [("__keyevent@0__:expired", "short")]
    assert r.exists("short") == 0
