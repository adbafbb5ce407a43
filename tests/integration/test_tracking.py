"""Client-side caching: CLIENT TRACKING in its modes, CLIENT CACHING, GETREDIR,
TRACKINGINFO, the invalidation messages' framing (RESP3 pushes, the RESP2 pub/sub
form for a redirect), flushes, tracking-table-max-keys, and the error texts.

Invalidations are read from raw sockets, byte for byte where the framing matters.
Every test also passes against Redis 7.0.15 (VESPER_SERVER=/usr/bin/redis-server)."""
import time

import pytest

from conftest import Push, RespError, RespSet

INV = b">2\r\n$10\r\ninvalidate\r\n"


def resp3(raw):
    c = raw()
    c.cmd("HELLO", "3")
    return c


def push_of(keys):
    """The exact bytes of a RESP3 invalidation of keys (a list) or of every key (None)."""
    if keys is None:
        return INV + b"_\r\n"
    out = INV + b"*%d\r\n" % len(keys)
    for k in keys:
        out += b"$%d\r\n%s\r\n" % (len(k), k)
    return out


def nothing_pending(c, wait=0.2):
    """True when no bytes arrive on c within wait seconds."""
    return c.read_available(wait) == b""


def info_fields(c, section):
    text = c.cmd("INFO", section)
    out = {}
    for line in bytes(text).split(b"\r\n"):
        if b":" in line:
            k, _, v = line.partition(b":")
            out[k.decode()] = v.decode()
    return out


def client_list_line(c, cid):
    text = bytes(c.cmd("CLIENT", "LIST", "ID", cid))
    return dict(kv.split(b"=", 1) for kv in text.strip().split(b" "))


# ---------------------------------------------------------------------------
# default mode


def test_resp3_invalidation_push(raw):
    a, b = resp3(raw), raw()
    assert a.cmd("CLIENT", "TRACKING", "on") == b"OK"
    b.cmd("SET", "k", "1")
    assert a.cmd("GET", "k") == b"1"
    b.cmd("SET", "k", "2")
    assert a.read_raw_reply() == push_of([b"k"])
    # the key left the table: a second write tells nothing until it is read again
    b.cmd("SET", "k", "3")
    assert nothing_pending(a)
    a.cmd("GET", "k")
    b.cmd("DEL", "k")
    assert a.read_reply() == Push([b"invalidate", [b"k"]])


def test_only_keys_read_are_tracked(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    b.cmd("MSET", "x", "1", "y", "2", "z", "3")
    a.cmd("MGET", "x", "y")
    b.cmd("SET", "z", "4")            # never read
    b.cmd("SET", "y", "5")
    assert a.read_reply() == Push([b"invalidate", [b"y"]])
    b.cmd("SET", "x", "6")
    assert a.read_reply() == Push([b"invalidate", [b"x"]])
    assert nothing_pending(a)


def test_write_commands_do_not_track(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("SET", "w", "1")
    a.cmd("INCR", "counter")
    b.cmd("SET", "w", "2")
    b.cmd("INCR", "counter")
    assert nothing_pending(a)


def test_keys_are_tracked_across_databases(raw):
    # the table holds key names only, as in Redis: a write in any database invalidates
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("GET", "shared")
    b.cmd("SELECT", "1")
    b.cmd("SET", "shared", "1")
    assert a.read_reply() == Push([b"invalidate", [b"shared"]])
    b.cmd("FLUSHDB")


def test_own_write_invalidation_follows_the_reply(raw):
    a = resp3(raw)
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("HSET", "h", "f", "1")
    a.cmd("HGET", "h", "f")
    a.send(b"*3\r\n$4\r\nHDEL\r\n$1\r\nh\r\n$1\r\nf\r\n")
    assert a.read_raw_reply() == b":1\r\n"
    assert a.read_raw_reply() == push_of([b"h"])


def test_invalidation_after_exec_reply(raw):
    a = resp3(raw)
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("MSET", "a", "1", "b", "2")
    a.cmd("GET", "a")
    a.cmd("MULTI")
    a.cmd("INCR", "a")
    a.cmd("GET", "b")
    assert a.cmd("EXEC") == [2, b"2"]
    assert a.read_raw_reply() == push_of([b"a"])
    assert nothing_pending(a)


def test_lazy_expiry_invalidation_after_reply(raw):
    a = resp3(raw)
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("SET", "x", "1")
    a.cmd("SET", "y", "2", "PX", "50")
    a.cmd("GET", "y")
    time.sleep(0.2)   # active expiry may or may not get it first: either way it is invalidated
    data = a.read_available(0.05)
    if data:
        assert data == push_of([b"y"])
        assert a.cmd("MGET", "x", "y") == [b"1", None]
    else:
        a.send(b"*3\r\n$4\r\nMGET\r\n$1\r\nx\r\n$1\r\ny\r\n")
        assert a.read_reply() == [b"1", None]
        assert a.read_raw_reply() == push_of([b"y"])


def test_noloop_skips_own_writes(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on", "NOLOOP")
    a.cmd("MGET", "k1", "k2")
    a.cmd("SET", "k1", "mine")
    assert nothing_pending(a)
    b.cmd("SET", "k2", "theirs")
    assert a.read_reply() == Push([b"invalidate", [b"k2"]])


def test_resp2_client_without_redirect_gets_nothing(raw):
    a, b = raw(), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("GET", "k")
    b.cmd("SET", "k", "1")
    assert nothing_pending(a)
    assert a.cmd("PING") == b"PONG"


def test_push_survives_client_reply_off(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("GET", "foo")
    a.send(b"*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n")
    time.sleep(0.05)
    b.cmd("SET", "foo", "bar")
    assert a.read_raw_reply() == push_of([b"foo"])
    assert a.cmd("CLIENT", "REPLY", "ON") == b"OK"
    assert a.cmd("PING") == b"PONG"


# ---------------------------------------------------------------------------
# OPTIN / OPTOUT


def test_optin_tracks_only_after_caching_yes(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    a.cmd("GET", "k1")
    b.cmd("SET", "k1", "1")
    assert nothing_pending(a)
    assert a.cmd("CLIENT", "CACHING", "yes") == b"OK"
    a.cmd("GET", "k2")
    a.cmd("GET", "k3")            # CACHING covered only the previous command
    b.cmd("MSET", "k2", "1", "k3", "1")
    assert a.read_reply() == Push([b"invalidate", [b"k2"]])
    assert nothing_pending(a)


def test_optin_caching_covers_a_transaction(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    a.cmd("CLIENT", "CACHING", "yes")
    a.cmd("MULTI")
    a.cmd("GET", "t1")
    a.cmd("GET", "t2")
    a.cmd("EXEC")
    a.cmd("GET", "t3")
    b.cmd("MSET", "t1", "1", "t2", "1", "t3", "1")
    got = sorted(a.read_reply()[1][0] for _ in range(2))
    assert got == [b"t1", b"t2"]
    assert nothing_pending(a)


def test_optout_skips_after_caching_no(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on", "OPTOUT")
    a.cmd("CLIENT", "CACHING", "no")
    a.cmd("GET", "o1")
    a.cmd("GET", "o2")
    b.cmd("MSET", "o1", "1", "o2", "1")
    assert a.read_reply() == Push([b"invalidate", [b"o2"]])
    assert nothing_pending(a)


# ---------------------------------------------------------------------------
# BCAST


def test_bcast_empty_prefix_gets_every_key(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on", "BCAST")
    b.cmd("MSET", "c", "1", "a", "2", "b", "3")
    # one message per event loop turn, keys in byte order
    assert a.read_raw_reply() == push_of([b"a", b"b", b"c"])


def test_bcast_prefixes_one_message_each(raw):
    a, b = resp3(raw), raw()
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:", "PREFIX", "b:") == b"OK"
    b.cmd("MULTI")
    for k in ("a:1", "a:2", "b:1", "b:2", "c:1"):
        b.cmd("INCR", k)
    b.cmd("EXEC")
    msgs = sorted(a.read_reply()[1] for _ in range(2))
    assert msgs == [[b"a:1", b"a:2"], [b"b:1", b"b:2"]]
    assert nothing_pending(a)
    # more prefixes can be added while on
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c:") == b"OK"
    b.cmd("INCR", "c:9")
    assert a.read_reply() == Push([b"invalidate", [b"c:9"]])
    info = a.cmd("CLIENT", "TRACKINGINFO")
    assert info[b"prefixes"] == [b"a:", b"b:", b"c:"]


def test_bcast_noloop(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
    b.cmd("SET", "other1", "1")
    assert a.read_reply() == Push([b"invalidate", [b"other1"]])
    a.cmd("SET", "loopkey", "1")
    assert nothing_pending(a)
    b.cmd("SET", "other2", "1")
    assert a.read_reply() == Push([b"invalidate", [b"other2"]])


def test_bcast_reports_active_expiry(raw):
    a = resp3(raw)
    a.cmd("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
    a.cmd("SET", "mykey", "v", "PX", "1")
    a.cmd("SET", "mykeyother", "v")       # own write: NOLOOP
    # the expiry is no client's change, so the NOLOOP client hears of it
    assert a.read_reply(timeout=3) == Push([b"invalidate", [b"mykey"]])


def test_switching_to_bcast_drops_default_keys(raw):
    a, b = resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("GET", "key1")
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "BCAST")
    b.cmd("INCR", "key1")
    assert a.read_reply() == Push([b"invalidate", [b"key1"]])
    assert nothing_pending(a)


# ---------------------------------------------------------------------------
# redirection


def test_redirect_to_resp3_client(raw):
    a, target, b = raw(), resp3(raw), raw()
    tid = target.cmd("CLIENT", "ID")
    assert a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid) == b"OK"
    a.cmd("GET", "rk")
    b.cmd("SET", "rk", "1")
    assert target.read_raw_reply() == push_of([b"rk"])
    assert nothing_pending(a)
    assert a.cmd("CLIENT", "GETREDIR") == tid


def test_redirect_to_resp2_client_outside_pubsub_sends_nothing(raw):
    a, target, b = raw(), raw(), raw()
    tid = target.cmd("CLIENT", "ID")
    a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    a.cmd("GET", "rk")
    b.cmd("SET", "rk", "1")
    assert nothing_pending(target)
    assert target.cmd("PING") == b"PONG"


def _subscribe_or_skip(c):
    reply = c.cmd("SUBSCRIBE", "__redis__:invalidate")
    if isinstance(reply, RespError):
        pytest.skip("needs SUBSCRIBE (pub/sub is not in this build)")
    assert reply == [b"subscribe", b"__redis__:invalidate", 1]


def test_redirect_to_resp2_subscriber_gets_pubsub_message(raw):
    a, target, b = raw(), raw(), raw()
    tid = target.cmd("CLIENT", "ID")
    _subscribe_or_skip(target)
    a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    a.cmd("GET", "k1")
    b.cmd("SET", "k1", "1")
    assert target.read_raw_reply() == (b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
                                       b"*1\r\n$2\r\nk1\r\n")
    # BCAST through the redirect: one message with every key
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", tid)
    b.cmd("MSET", "x", "1", "y", "2")
    assert target.read_reply() == [b"message", b"__redis__:invalidate", [b"x", b"y"]]
    # a flush: the null of the tracking client's protocol (RESP2 here)
    b.cmd("FLUSHALL")
    assert target.read_raw_reply() == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"


def test_several_clients_redirect_to_one(raw):
    a1, a2, target, b = raw(), raw(), resp3(raw), raw()
    tid = target.cmd("CLIENT", "ID")
    a1.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    a2.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    a1.cmd("GET", "key1")
    a2.cmd("GET", "key2")
    b.cmd("INCR", "key1")
    b.cmd("INCR", "key2")
    assert target.read_reply() == Push([b"invalidate", [b"key1"]])
    assert target.read_reply() == Push([b"invalidate", [b"key2"]])


def test_broken_redirect(raw):
    a, target, b = resp3(raw), raw(), raw()
    tid = target.cmd("CLIENT", "ID")
    aid = a.cmd("CLIENT", "ID")
    a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    a.cmd("GET", "key1")
    assert target.cmd("QUIT") == b"OK"
    time.sleep(0.1)
    b.cmd("SET", "key1", "2")
    assert a.read_raw_reply() == b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % tid
    info = a.cmd("CLIENT", "TRACKINGINFO")
    assert info[b"flags"] == RespSet([b"on", b"broken_redirect"])
    assert info[b"redirect"] == tid
    line = client_list_line(b, aid)
    assert line[b"flags"] == b"tR"
    assert line[b"redir"] == b"%d" % tid


# ---------------------------------------------------------------------------
# flushes


def test_flushall_sends_null_to_every_tracking_client(raw):
    a, bc, b = resp3(raw), resp3(raw), raw()
    a.cmd("CLIENT", "TRACKING", "on")
    bc.cmd("CLIENT", "TRACKING", "on", "BCAST")
    a.cmd("GET", "key1")
    a.cmd("GET", "key2")
    assert info_fields(b, "stats")["tracking_total_keys"] == "2"
    b.cmd("FLUSHALL", "ASYNC")
    assert info_fields(b, "stats")["tracking_total_keys"] == "0"
    assert a.read_raw_reply() == push_of(None)
    assert bc.read_raw_reply() == push_of(None)


def test_own_flushdb_in_transaction_after_exec_reply(raw):
    a = resp3(raw)
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("SET", "a", "1")
    a.cmd("GET", "a")
    a.cmd("MULTI")
    a.cmd("FLUSHDB")
    assert a.cmd("EXEC") == [b"OK"]
    assert a.read_raw_reply() == push_of(None)


# ---------------------------------------------------------------------------
# tracking-table-max-keys


def test_table_limit_evicts_with_invalidations(raw):
    a, target, b = raw(), resp3(raw), raw()
    tid = target.cmd("CLIENT", "ID")
    a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    n = 250
    for i in range(n):
        a.cmd("GET", "key%d" % i)
    assert info_fields(b, "stats")["tracking_total_keys"] == str(n)
    try:
        assert b.cmd("CONFIG", "SET", "tracking-table-max-keys", "1") == b"OK"
        seen = set()
        for _ in range(n - 1):
            msg = target.read_reply(timeout=5)
            assert msg[0] == b"invalidate" and len(msg[1]) == 1
            seen.add(msg[1][0])
        assert len(seen) == n - 1
        assert nothing_pending(target, 0.5)
        assert info_fields(b, "stats")["tracking_total_keys"] == "1"
    finally:
        b.cmd("CONFIG", "SET", "tracking-table-max-keys", "1000000")


def test_table_limit_config(r):
    assert r.config_get("tracking-table-max-keys") == {"tracking-table-max-keys": "1000000"}
    r.config_set("tracking-table-max-keys", 0)
    assert r.config_get("tracking-table-max-keys") == {"tracking-table-max-keys": "0"}
    r.config_set("tracking-table-max-keys", 1000000)


# ---------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("args,err", [
    (("on", "PREFIX", "x"), b"ERR PREFIX option requires BCAST mode to be enabled"),
    (("on", "BCAST", "OPTIN"), b"ERR OPTIN and OPTOUT are not compatible with BCAST"),
    (("on", "BCAST", "OPTOUT"), b"ERR OPTIN and OPTOUT are not compatible with BCAST"),
    (("on", "OPTIN", "OPTOUT"), b"ERR You can't specify both OPTIN mode and OPTOUT mode"),
    (("on", "REDIRECT", "999999"), b"ERR The client ID you want redirect to does not exist"),
    (("on", "REDIRECT", "abc"), b"ERR value is not an integer or out of range"),
    (("on", "FOO"), b"ERR syntax error"),
    (("on", "REDIRECT"), b"ERR syntax error"),
    (("maybe",), b"ERR syntax error"),
    (("on", "BCAST", "PREFIX", "FOOBAR", "PREFIX", "FOO"),
     b"ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. "
     b"Prefixes for a single client must not overlap."),
    (("on", "BCAST", "PREFIX", "FOO", "PREFIX", "FOOBAR"),
     b"ERR Prefix 'FOO' overlaps with another provided prefix 'FOOBAR'. "
     b"Prefixes for a single client must not overlap."),
])
def test_tracking_errors(raw, args, err):
    a = raw()
    assert a.cmd("CLIENT", "TRACKING", *args) == RespError(err)
    assert a.cmd("CLIENT", "TRACKINGINFO")[1] == [b"off"]


def test_redirect_twice(raw):
    a, t = raw(), raw()
    tid = t.cmd("CLIENT", "ID")
    assert a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid, "REDIRECT", tid) == RespError(
        b"ERR A client can only redirect to a single other client")


def test_errors_that_depend_on_the_current_mode(raw):
    a = raw()
    a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FOO", "PREFIX", "BAR")
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FO") == RespError(
        b"ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client must not overlap.")
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "BARB") == RespError(
        b"ERR Prefix 'BARB' overlaps with an existing prefix 'BAR'. Prefixes for a single client must not overlap.")
    switch = (b"ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
              b"and then re-enabling it with a different mode.")
    assert a.cmd("CLIENT", "TRACKING", "on") == RespError(switch)
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on")
    assert a.cmd("CLIENT", "TRACKING", "on", "BCAST") == RespError(switch)
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    assert a.cmd("CLIENT", "TRACKING", "on", "OPTOUT") == RespError(
        b"ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
        b"and then re-enabling it with a different mode.")
    assert a.cmd("CLIENT", "CACHING", "no") == RespError(
        b"ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "OPTOUT")
    assert a.cmd("CLIENT", "CACHING", "yes") == RespError(
        b"ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
    assert a.cmd("CLIENT", "CACHING", "maybe") == RespError(b"ERR syntax error")
    a.cmd("CLIENT", "TRACKING", "off")
    assert a.cmd("CLIENT", "CACHING", "yes") == RespError(
        b"ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT "
        b"mode enabled")
    assert a.cmd("CLIENT", "CACHING") == RespError(b"ERR wrong number of arguments for 'client|caching' command")
    assert a.cmd("CLIENT", "TRACKING") == RespError(b"ERR wrong number of arguments for 'client|tracking' command")


# ---------------------------------------------------------------------------
# introspection


def test_getredir(raw):
    a, t = raw(), raw()
    tid = t.cmd("CLIENT", "ID")
    assert a.cmd("CLIENT", "GETREDIR") == -1
    a.cmd("CLIENT", "TRACKING", "on")
    assert a.cmd("CLIENT", "GETREDIR") == 0
    a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    assert a.cmd("CLIENT", "GETREDIR") == tid
    a.cmd("CLIENT", "TRACKING", "off")
    assert a.cmd("CLIENT", "GETREDIR") == -1


def test_trackinginfo_resp2_and_resp3_shapes(raw):
    a, t = raw(), raw()
    tid = t.cmd("CLIENT", "ID")
    assert a.cmd("CLIENT", "TRACKINGINFO") == [b"flags", [b"off"], b"redirect", -1, b"prefixes", []]
    a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid, "noloop")
    assert a.cmd("CLIENT", "TRACKINGINFO") == [b"flags", [b"on", b"noloop"], b"redirect", tid, b"prefixes", []]
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "optin")
    a.cmd("CLIENT", "CACHING", "yes")
    assert a.cmd("CLIENT", "TRACKINGINFO")[1] == [b"on", b"optin", b"caching-yes"]
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "optout")
    a.cmd("CLIENT", "CACHING", "no")
    assert a.cmd("CLIENT", "TRACKINGINFO")[1] == [b"on", b"optout", b"caching-no"]
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "foo", "PREFIX", "bar")
    assert a.cmd("CLIENT", "TRACKINGINFO") == [b"flags", [b"on", b"bcast"], b"redirect", 0,
                                               b"prefixes", [b"bar", b"foo"]]
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "BCAST")
    assert a.cmd("CLIENT", "TRACKINGINFO")[5] == [b""]
    a.cmd("HELLO", "3")
    a.send(b"*2\r\n$6\r\nCLIENT\r\n$12\r\nTRACKINGINFO\r\n")
    raw_reply = a.read_raw_reply()
    assert raw_reply == (b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
                         b"$8\r\nprefixes\r\n*1\r\n$0\r\n\r\n")


def test_client_list_flags_and_redir(raw):
    a, t, b = raw(), raw(), raw()
    aid, tid = a.cmd("CLIENT", "ID"), t.cmd("CLIENT", "ID")
    assert client_list_line(b, aid)[b"redir"] == b"-1"
    a.cmd("CLIENT", "TRACKING", "on")
    line = client_list_line(b, aid)
    assert line[b"flags"] == b"t" and line[b"redir"] == b"0"
    a.cmd("CLIENT", "TRACKING", "off")
    a.cmd("CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", tid)
    line = client_list_line(b, aid)
    assert line[b"flags"] == b"tB" and line[b"redir"] == b"%d" % tid
    a.cmd("CLIENT", "TRACKING", "off")
    assert client_list_line(b, aid)[b"flags"] == b"N"


def test_info_fields(raw):
    a, bc, b = raw(), raw(), raw()
    b.cmd("CLIENT", "TRACKING", "off")
    base_clients = int(info_fields(b, "clients")["tracking_clients"])
    a.cmd("CLIENT", "TRACKING", "on")
    a.cmd("GET", "key1")
    a.cmd("GET", "key2")
    bc.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "prefix:")
    clients = info_fields(b, "clients")
    stats = info_fields(b, "stats")
    assert int(clients["tracking_clients"]) == base_clients + 2
    assert stats["tracking_total_keys"] == "2"
    assert stats["tracking_total_items"] == "2"
    assert stats["tracking_total_prefixes"] == "1"
    bc.cmd("CLIENT", "TRACKING", "off")
    assert info_fields(b, "stats")["tracking_total_prefixes"] == "0"
    bc.close()
    a.cmd("RESET")              # RESET turns tracking off
    time.sleep(0.05)
    assert int(info_fields(b, "clients")["tracking_clients"]) == base_clients
    assert a.cmd("CLIENT", "TRACKINGINFO")[1] == [b"off"]
