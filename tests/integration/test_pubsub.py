"""Pub/Sub: channels, patterns, shard channels, PUBSUB, the RESP2 subscribed context,
RESP3 push messages, keyspace notifications, and the pubsub output-buffer limit.

Expectations are Redis 7.0.15's (run with VESPER_SERVER=/usr/bin/redis-server to
check them). redis-py 4.3 has no RESP3, so RESP3 and exact framing go through raw
sockets (RawClient in conftest.py)."""
import os
import re
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import RawClient, RespError, Simple, encode_command, free_port, is_reference_redis, ping


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def frame(kind, *items, resp=2):
    """The exact bytes of a push message: [kind, item..., (int last)]."""
    head = b">" if resp == 3 else b"*"
    out = head + b"%d\r\n" % (1 + len(items)) + bulk(kind)
    for it in items:
        if isinstance(it, int):
            out += b":%d\r\n" % it
        elif it is None:
            out += b"_\r\n" if resp == 3 else b"$-1\r\n"
        else:
            out += bulk(it)
    return out


def wait_numsub(r, channel, n, shard=False, timeout=5):
    deadline = time.time() + timeout
    sub = "SHARDNUMSUB" if shard else "NUMSUB"
    while time.time() < deadline:
        if r.execute_command("PUBSUB", sub, channel)[1] == n:
            return
        time.sleep(0.02)
    raise AssertionError(f"{channel} never reached {n} subscribers")


@pytest.fixture
def notify(r):
    """Sets notify-keyspace-events for a test and switches them off after it."""
    def _set(flags):
        r.config_set("notify-keyspace-events", flags)
    yield _set
    r.config_set("notify-keyspace-events", "")


# ---------------------------------------------------------------- channels

def test_subscribe_publish_with_redis_py(r, server):
    p = server.client().pubsub()
    p.subscribe("chan1", "chan2")
    assert p.get_message(timeout=2) == {"type": "subscribe", "pattern": None, "channel": b"chan1", "data": 1}
    assert p.get_message(timeout=2) == {"type": "subscribe", "pattern": None, "channel": b"chan2", "data": 2}
    assert r.publish("chan1", "hello") == 1
    assert r.publish("nobody", "hello") == 0
    assert p.get_message(timeout=2) == {"type": "message", "pattern": None, "channel": b"chan1", "data": b"hello"}
    p.unsubscribe("chan1")
    assert p.get_message(timeout=2)["data"] == 1
    assert r.publish("chan1", "x") == 0
    assert r.publish("chan2", "y") == 1
    assert p.get_message(timeout=2)["data"] == b"y"
    p.close()


def test_exact_framing_resp2(raw):
    sub, pub = raw(), raw()
    sub.send(encode_command("SUBSCRIBE", "a", "b", "a"))
    assert sub.read_raw_reply() == frame(b"subscribe", b"a", 1)
    assert sub.read_raw_reply() == frame(b"subscribe", b"b", 2)
    assert sub.read_raw_reply() == frame(b"subscribe", b"a", 2)  # already subscribed: no change
    sub.send(encode_command("PSUBSCRIBE", "a*"))
    assert sub.read_raw_reply() == frame(b"psubscribe", b"a*", 3)
    assert pub.cmd("PUBLISH", "a", "hi\r\nthere") == 2  # one channel + one pattern
    assert sub.read_raw_reply() == frame(b"message", b"a", b"hi\r\nthere")
    assert sub.read_raw_reply() == frame(b"pmessage", b"a*", b"a", b"hi\r\nthere")
    assert pub.cmd("PUBLISH", "ab", "") == 1
    assert sub.read_raw_reply() == frame(b"pmessage", b"a*", b"ab", b"")
    sub.send(encode_command("UNSUBSCRIBE", "nope"))
    assert sub.read_raw_reply() == frame(b"unsubscribe", b"nope", 3)
    sub.send(encode_command("UNSUBSCRIBE"))
    first, second = sub.read_reply(), sub.read_reply()   # in no particular order
    assert sorted([first[1], second[1]]) == [b"a", b"b"]
    assert (first[0], first[2], second[0], second[2]) == (b"unsubscribe", 2, b"unsubscribe", 1)
    sub.send(encode_command("PUNSUBSCRIBE"))
    assert sub.read_raw_reply() == frame(b"punsubscribe", b"a*", 0)
    # nothing left: one reply with a null name
    sub.send(encode_command("UNSUBSCRIBE"))
    assert sub.read_raw_reply() == frame(b"unsubscribe", None, 0)
    sub.send(encode_command("PUNSUBSCRIBE"))
    assert sub.read_raw_reply() == frame(b"punsubscribe", None, 0)
    sub.send(encode_command("SUNSUBSCRIBE"))
    assert sub.read_raw_reply() == frame(b"sunsubscribe", None, 0)
    # out of the subscribed context again
    assert sub.cmd("PING") == Simple(b"PONG")
    assert sub.cmd("SET", "k", "v") == Simple(b"OK")


def test_unsubscribe_counts_in_order(raw):
    c = raw()
    c.send(encode_command("SUBSCRIBE", "x", "y", "z"))
    assert [c.read_reply()[2] for _ in range(3)] == [1, 2, 3]
    c.send(encode_command("UNSUBSCRIBE", "y", "x", "z"))
    assert [c.read_reply() for _ in range(3)] == [[b"unsubscribe", b"y", 2], [b"unsubscribe", b"x", 1],
                                                  [b"unsubscribe", b"z", 0]]


def test_patterns_glob(r, raw):
    sub = raw()
    sub.send(encode_command("PSUBSCRIBE", "news.*", "h?llo", "[ab]x", "esc\\*"))
    assert [sub.read_reply()[2] for _ in range(4)] == [1, 2, 3, 4]
    assert r.publish("news.art", "1") == 1
    assert r.publish("hallo", "2") == 1
    assert r.publish("bx", "3") == 1
    assert r.publish("cx", "4") == 0
    assert r.publish("esc*", "5") == 1
    assert r.publish("escX", "6") == 0
    assert [sub.read_reply() for _ in range(4)] == [
        [b"pmessage", b"news.*", b"news.art", b"1"], [b"pmessage", b"h?llo", b"hallo", b"2"],
        [b"pmessage", b"[ab]x", b"bx", b"3"], [b"pmessage", b"esc\\*", b"esc*", b"5"]]
    assert r.execute_command("PUBSUB", "NUMPAT") == 4


def test_many_subscribers_and_binary_names(r, raw):
    subs = [raw() for _ in range(20)]
    name = b"ch\x00\xff\r\n"
    for s in subs:
        s.send(encode_command("SUBSCRIBE", name))
        assert s.read_reply() == [b"subscribe", name, 1]
    assert r.publish(name, b"\x00payload") == 20
    for s in subs:
        assert s.read_reply() == [b"message", name, b"\x00payload"]
    # a subscriber that leaves is no longer counted
    subs[0].close()
    wait_numsub(r, name, 19)
    assert r.publish(name, "x") == 19


def test_big_message_to_mixed_protocols(r, raw):
    """A big message is shared between receivers: each still gets exact bytes,
    in its own protocol, interleaved correctly with other output."""
    s2, s3 = raw(), raw()
    s3.cmd("HELLO", "3")
    s2.send(encode_command("SUBSCRIBE", "big"))
    s2.read_reply()
    s3.send(encode_command("SUBSCRIBE", "big"))
    s3.read_reply()
    payloads = [bytes([65 + i]) * (100000 + i) for i in range(3)]
    for p in payloads:
        assert r.publish("big", p) == 2
        assert r.publish("big", "small") == 2
    for p in payloads:
        assert s2.read_raw_reply(timeout=10) == frame(b"message", b"big", p)
        assert s2.read_raw_reply() == frame(b"message", b"big", b"small")
        assert s3.read_raw_reply(timeout=10) == frame(b"message", b"big", p, resp=3)
        assert s3.read_raw_reply() == frame(b"message", b"big", b"small", resp=3)
    # in RESP3 other commands mix with the messages
    assert s3.cmd("PING") == Simple(b"PONG")


# ---------------------------------------------------------------- shard channels

def test_shard_channels_are_a_separate_namespace(r, raw):
    s, plain = raw(), raw()
    s.send(encode_command("SSUBSCRIBE", "c1", "c2", "c1"))
    assert s.read_raw_reply() == frame(b"ssubscribe", b"c1", 1)
    assert s.read_raw_reply() == frame(b"ssubscribe", b"c2", 2)
    assert s.read_raw_reply() == frame(b"ssubscribe", b"c1", 2)
    plain.send(encode_command("SUBSCRIBE", "c1"))
    assert plain.read_reply() == [b"subscribe", b"c1", 1]
    # shard counts are separate from channels + patterns
    s.send(encode_command("SUBSCRIBE", "x"))
    assert s.read_reply() == [b"subscribe", b"x", 1]
    s.send(encode_command("PSUBSCRIBE", "c*"))
    assert s.read_reply() == [b"psubscribe", b"c*", 2]
    assert r.execute_command("SPUBLISH", "c1", "m") == 1
    assert s.read_raw_reply() == frame(b"smessage", b"c1", b"m")
    assert r.publish("c1", "n") == 2  # plain subscriber and the pattern, not the shard one
    assert plain.read_reply() == [b"message", b"c1", b"n"]
    assert s.read_reply() == [b"pmessage", b"c*", b"c1", b"n"]
    assert r.execute_command("PUBSUB", "SHARDCHANNELS") in ([b"c1", b"c2"], [b"c2", b"c1"])
    assert r.execute_command("PUBSUB", "SHARDCHANNELS", "*2") == [b"c2"]
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "c1", "zz") == [b"c1", 1, b"zz", 0]
    assert r.execute_command("PUBSUB", "NUMSUB", "c1") == [b"c1", 1]
    s.send(encode_command("SUNSUBSCRIBE", "c2"))
    assert s.read_raw_reply() == frame(b"sunsubscribe", b"c2", 1)
    s.send(encode_command("SUNSUBSCRIBE"))
    assert s.read_raw_reply() == frame(b"sunsubscribe", b"c1", 0)
    # still subscribed to a channel and a pattern: still in the subscribed context
    assert s.cmd("GET", "k").startswith(b"ERR Can't execute 'get'")
    assert r.execute_command("SPUBLISH", "c1", "m") == 0


# ---------------------------------------------------------------- PUBSUB

def test_pubsub_introspection(r, raw):
    a, b = raw(), raw()
    a.send(encode_command("SUBSCRIBE", "news.a", "news.b", "other"))
    a.read_replies(3)
    b.send(encode_command("SUBSCRIBE", "news.a"))
    b.read_reply()
    b.send(encode_command("PSUBSCRIBE", "p1", "p2"))
    b.read_replies(2)
    a.send(encode_command("PSUBSCRIBE", "p1"))
    a.read_reply()
    assert sorted(r.execute_command("PUBSUB", "CHANNELS")) == [b"news.a", b"news.b", b"other"]
    assert sorted(r.execute_command("PUBSUB", "CHANNELS", "news.*")) == [b"news.a", b"news.b"]
    assert r.execute_command("PUBSUB", "CHANNELS", "zzz") == []
    assert r.execute_command("PUBSUB", "NUMSUB", "news.a", "news.b", "none") == [b"news.a", 2, b"news.b", 1,
                                                                                 b"none", 0]
    assert r.execute_command("PUBSUB", "NUMSUB") == []
    assert r.execute_command("PUBSUB", "NUMPAT") == 2  # unique patterns
    assert r.execute_command("PUBSUB", "SHARDCHANNELS") == []
    assert r.execute_command("PUBSUB", "SHARDNUMSUB") == []
    stats = r.info("stats")
    assert stats["pubsub_channels"] == 3
    assert stats["pubsub_patterns"] == 2
    assert stats["pubsubshard_channels"] == 0
    help_lines = r.execute_command("PUBSUB", "HELP")
    assert help_lines[0] == b"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"NUMPAT" in help_lines and b"SHARDNUMSUB [<shardchannel> ...]" in help_lines
    with pytest.raises(redis.ResponseError, match=re.escape("unknown subcommand 'NOPE'. Try PUBSUB HELP.")):
        r.execute_command("PUBSUB", "NOPE")
    with pytest.raises(redis.ResponseError, match=re.escape("wrong number of arguments for 'pubsub|numpat' command")):
        r.execute_command("PUBSUB", "NUMPAT", "x")
    with pytest.raises(redis.ResponseError, match=re.escape(
            "unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")):
        r.execute_command("PUBSUB", "CHANNELS", "a", "b")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'publish' command"):
        r.execute_command("PUBLISH", "a")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'subscribe' command"):
        r.execute_command("SUBSCRIBE")
    a.close()
    b.close()
    deadline = time.time() + 5
    while r.execute_command("PUBSUB", "CHANNELS") and time.time() < deadline:
        time.sleep(0.02)
    assert r.execute_command("PUBSUB", "CHANNELS") == []
    assert r.execute_command("PUBSUB", "NUMPAT") == 0


def test_client_list_fields(r, raw):
    c = raw()
    c.cmd("CLIENT", "SETNAME", "subber")
    c.send(encode_command("SUBSCRIBE", "a", "b"))
    c.read_replies(2)
    c.send(encode_command("PSUBSCRIBE", "p*"))
    c.read_reply()
    c.send(encode_command("SSUBSCRIBE", "s"))
    c.read_reply()
    line = [l for l in r.client_list() if l["name"] == "subber"][0]
    assert (line["sub"], line["psub"], line["ssub"], line["flags"]) == ("2", "1", "1", "P")
    assert r.client_list(_type="pubsub")[0]["name"] == "subber"
    c.send(encode_command("UNSUBSCRIBE"))
    c.read_replies(2)
    c.send(encode_command("PUNSUBSCRIBE"))
    c.read_reply()
    # a shard subscription alone keeps the client subscribed
    line = [l for l in r.client_list() if l["name"] == "subber"][0]
    assert (line["sub"], line["psub"], line["ssub"], line["flags"]) == ("0", "0", "1", "P")
    c.send(encode_command("SUNSUBSCRIBE"))
    c.read_reply()
    line = [l for l in r.client_list() if l["name"] == "subber"][0]
    assert (line["sub"], line["psub"], line["ssub"], line["flags"]) == ("0", "0", "0", "N")


# ---------------------------------------------------------------- the subscribed context

def test_resp2_subscribed_context(r, raw):
    c = raw()
    c.send(encode_command("SUBSCRIBE", "ch"))
    c.read_reply()
    assert c.cmd("PING") == [b"pong", b""]
    assert c.cmd("PING", "hey") == [b"pong", b"hey"]
    for cmd in (("GET", "x"), ("CLIENT", "LIST"), ("MULTI",), ("PUBLISH", "ch", "m")):
        reply = c.cmd(*cmd)
        assert isinstance(reply, RespError)
        name = cmd[0].lower() + ("|" + cmd[1].lower() if cmd[0] == "CLIENT" else "")
        assert reply == (b"ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                         b"RESET are allowed in this context" % name.encode())
    # the other subscription commands are allowed
    c.send(encode_command("PSUBSCRIBE", "p"))
    assert c.read_reply() == [b"psubscribe", b"p", 2]
    c.send(encode_command("SSUBSCRIBE", "s"))
    assert c.read_reply() == [b"ssubscribe", b"s", 1]
    assert c.cmd("QUIT") == Simple(b"OK")
    assert c.is_closed()
    wait_numsub(r, "ch", 0)
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "s") == [b"s", 0]


def test_reset_drops_subscriptions(r, raw):
    c = raw()
    c.send(encode_command("SUBSCRIBE", "ch"))
    c.read_reply()
    c.send(encode_command("PSUBSCRIBE", "p*"))
    c.read_reply()
    c.send(encode_command("SSUBSCRIBE", "s"))
    c.read_reply()
    assert c.cmd("RESET") == Simple(b"RESET")
    assert r.execute_command("PUBSUB", "NUMSUB", "ch") == [b"ch", 0]
    assert r.execute_command("PUBSUB", "NUMPAT") == 0
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "s") == [b"s", 0]
    assert r.publish("ch", "x") == 0
    assert c.cmd("GET", "x") is None  # normal context again
    assert c.cmd("PING") == Simple(b"PONG")


def test_resp3_push_messages(r, raw):
    c = raw()
    c.cmd("HELLO", "3")
    c.send(encode_command("SUBSCRIBE", "ch"))
    assert c.read_raw_reply() == frame(b"subscribe", b"ch", 1, resp=3)
    # any command works, and PING answers normally
    assert c.cmd("PING") == Simple(b"PONG")
    assert c.cmd("SET", "k", "v") == Simple(b"OK")
    c.send(encode_command("PSUBSCRIBE", "c*"))
    assert c.read_raw_reply() == frame(b"psubscribe", b"c*", 2, resp=3)
    assert r.publish("ch", "hello") == 2
    assert c.read_raw_reply() == frame(b"message", b"ch", b"hello", resp=3)
    assert c.read_raw_reply() == frame(b"pmessage", b"c*", b"ch", b"hello", resp=3)
    # a client publishing to itself gets its messages, then the reply
    c.send(encode_command("PUBLISH", "ch", "me"))
    assert c.read_raw_reply() == frame(b"message", b"ch", b"me", resp=3)
    assert c.read_raw_reply() == frame(b"pmessage", b"c*", b"ch", b"me", resp=3)
    assert c.read_raw_reply() == b":2\r\n"
    c.send(encode_command("UNSUBSCRIBE"))
    assert c.read_raw_reply() == frame(b"unsubscribe", b"ch", 1, resp=3)
    c.send(encode_command("PUNSUBSCRIBE"))
    assert c.read_raw_reply() == frame(b"punsubscribe", b"c*", 0, resp=3)
    c.send(encode_command("UNSUBSCRIBE"))
    assert c.read_raw_reply() == frame(b"unsubscribe", None, 0, resp=3)


def test_messages_under_client_reply_off(r, raw):
    c = raw()
    c.send(encode_command("CLIENT", "REPLY", "OFF"))
    c.send(encode_command("SUBSCRIBE", "ch"))
    assert c.read_reply() == [b"subscribe", b"ch", 1]
    assert r.publish("ch", "m") == 1
    assert c.read_reply() == [b"message", b"ch", b"m"]


def test_subscribe_inside_multi(r, raw):
    c = raw()
    assert c.cmd("MULTI") == Simple(b"OK")
    assert c.cmd("SUBSCRIBE", "ch") == Simple(b"QUEUED")
    assert c.cmd("SSUBSCRIBE", "s") == Simple(b"QUEUED")
    c.send(encode_command("EXEC"))
    assert c.read_raw_reply() == (b"*2\r\n" + frame(b"subscribe", b"ch", 1) +
                                  b"-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n")
    assert r.publish("ch", "m") == 1
    assert c.read_reply() == [b"message", b"ch", b"m"]
    assert c.cmd("GET", "x").startswith(b"ERR Can't execute 'get'")


# ---------------------------------------------------------------- keyspace notifications

def test_keyspace_and_keyevent_notifications(r, raw, notify):
    notify("KEg$")
    c = raw()
    c.send(encode_command("PSUBSCRIBE", "__key*__:*"))
    c.read_reply()
    r.set("foo", "bar")
    assert c.read_reply() == [b"pmessage", b"__key*__:*", b"__keyspace@0__:foo", b"set"]
    assert c.read_reply() == [b"pmessage", b"__key*__:*", b"__keyevent@0__:set", b"foo"]
    r.delete("foo")
    assert c.read_reply()[2:] == [b"__keyspace@0__:foo", b"del"]
    assert c.read_reply()[2:] == [b"__keyevent@0__:del", b"foo"]
    # a class not enabled sends nothing; a channel subscriber gets the event too
    d = raw()
    d.send(encode_command("SUBSCRIBE", "__keyevent@0__:set"))
    d.read_reply()
    r.rpush("list", "a")
    r.set("k2", "v")
    assert d.read_reply() == [b"message", b"__keyevent@0__:set", b"k2"]
    assert c.read_reply()[2:] == [b"__keyspace@0__:k2", b"set"]
    assert c.read_reply()[2:] == [b"__keyevent@0__:set", b"k2"]
    # keyevent only
    notify("E$")
    r.set("k3", "v")
    assert c.read_reply()[2:] == [b"__keyevent@0__:set", b"k3"]
    # off: nothing at all
    notify("")
    r.set("k4", "v")
    r.publish("marker", "m")
    c.send(encode_command("PSUBSCRIBE", "marker"))
    assert c.read_reply() == [b"psubscribe", b"marker", 2]


def test_expired_event(r, raw, notify):
    notify("Ex")
    c = raw()
    c.send(encode_command("SUBSCRIBE", "__keyevent@0__:expired"))
    c.read_reply()
    r.set("gone", "v", px=50)
    assert c.read_reply(timeout=5) == [b"message", b"__keyevent@0__:expired", b"gone"]


# ---------------------------------------------------------------- output limits

def test_slow_subscriber_is_cut_off_fast_one_keeps_receiving(spawn):
    srv = spawn("--client-output-buffer-limit", "pubsub 1mb 256kb 1")
    r = srv.client()
    slow = srv.raw()
    fast = srv.raw()
    for c in (slow, fast):
        c.send(encode_command("SUBSCRIBE", "feed"))
        assert c.read_reply() == [b"subscribe", b"feed", 1]
    # from here on the slow client never reads
    msg = b"x" * 16384
    sent = 0
    received = 0
    deadline = time.time() + 30
    cut = False
    while time.time() < deadline:
        for _ in range(8):
            r.publish("feed", msg)
            sent += 1
        while received < sent:
            assert fast.read_reply(timeout=10) == [b"message", b"feed", msg]
            received += 1
        if srv.wait_log("scheduled to be closed ASAP for overcoming of output buffer limits", timeout=0):
            cut = True
            break
    assert cut, "the slow subscriber was never closed"
    # the publisher and the fast subscriber go on
    deadline = time.time() + 5
    while r.execute_command("PUBSUB", "NUMSUB", "feed")[1] != 1 and time.time() < deadline:
        time.sleep(0.05)
    assert r.execute_command("PUBSUB", "NUMSUB", "feed") == [b"feed", 1]
    assert r.publish("feed", "after") == 1
    assert fast.read_reply() == [b"message", b"feed", b"after"]
    log = srv.log_text()
    line = [l for l in log.splitlines() if "overcoming of output buffer limits" in l][0]
    assert "Client id=" in line and "flags=P" in line and "sub=1" in line
    assert len(r.client_list(_type="pubsub")) == 1
    slow.close()
    fast.close()
    r.close()


# ---------------------------------------------------------------- replication

@pytest.mark.skipif(is_reference_redis() or not os.path.exists("/usr/bin/redis-server"),
                    reason="Vesper as the master of a redis-server 7.0.15 replica")
def test_publish_reaches_a_replicas_subscribers(spawn):
    """PUBLISH and SPUBLISH are propagated to replicas (not to the AOF), so the
    subscribers of a redis-server replica following Vesper get the messages."""
    srv = spawn("--dir", tempfile.mkdtemp(prefix="vesper-pubsub-"), "--appendonly", "yes")
    r = srv.client()
    d = tempfile.mkdtemp(prefix="vesper-pubsub-replica-")
    port = free_port()
    proc = subprocess.Popen(["/usr/bin/redis-server", "--port", str(port), "--dir", d, "--save", "",
                             "--replicaof", "127.0.0.1", str(srv.port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not ping("127.0.0.1", port):
            assert proc.poll() is None and time.time() < deadline
            time.sleep(0.05)
        rep = redis.Redis(port=port, socket_timeout=10)
        while rep.info("replication").get("master_link_status") != "up":
            assert time.time() < deadline, "the replica did not sync"
            time.sleep(0.1)
        sub = RawClient("127.0.0.1", port)
        sub.send(encode_command("SUBSCRIBE", "news"))
        assert sub.read_reply() == [b"subscribe", b"news", 1]
        sub.send(encode_command("SSUBSCRIBE", "shard"))
        assert sub.read_reply() == [b"ssubscribe", b"shard", 1]
        assert r.publish("news", "hello") == 0          # nobody on the master
        assert r.execute_command("SPUBLISH", "shard", "hi") == 0
        assert sub.read_reply() == [b"message", b"news", b"hello"]
        assert sub.read_reply() == [b"smessage", b"shard", b"hi"]
        sub.close()
        # the AOF holds no PUBLISH
        r.set("k", "v")
        text = b"".join(open(os.path.join(root, f), "rb").read()
                        for root, _, files in os.walk(srv.client().config_get("dir")["dir"])
                        for f in files if ".incr.aof" in f)
        assert b"SET" in text and b"PUBLISH" not in text
    finally:
        proc.terminate()
        proc.wait(10)
