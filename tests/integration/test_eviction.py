"""maxmemory eviction: every policy's choice of keys, the OOM error, MULTI/EXEC and
scripts over the limit, the LFU counter, and client eviction (maxmemory-clients,
CLIENT NO-EVICT). Checked against redis-server 7.0.15 (VESPER_SERVER=redis-server).

Each test fills the keyspace, then sets maxmemory below the memory in use (minus
a margin) so that the next command has to evict; the shared server's limits are
reset after each test.
"""
import socket
import time

import pytest
import redis

from conftest import is_reference_redis

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = b"v" * 1000


@pytest.fixture(autouse=True)
def _reset_limits(server):
    yield
    c = server.client()
    c.config_set("maxmemory", 0)
    c.config_set("maxmemory-policy", "noeviction")
    c.config_set("maxmemory-clients", 0)
    c.config_set("maxmemory-samples", 5)
    c.config_set("maxmemory-eviction-tenacity", 10)
    c.config_set("lfu-decay-time", 1)
    c.config_set("lfu-log-factor", 10)
    c.flushall()
    c.close()


def used(r):
    return int(r.info("memory")["used_memory"])


def fill(r, prefix, n, ttl=None, value=VALUE):
    p = r.pipeline(transaction=False)
    for i in range(n):
        if ttl is None:
            p.set(f"{prefix}{i}", value)
        else:
            p.set(f"{prefix}{i}", value, ex=ttl(i) if callable(ttl) else ttl)
    p.execute()


def squeeze(r, free_bytes):
    """Sets maxmemory to what is used less free_bytes, then runs a command so that
    eviction happens (the timer does it too)."""
    r.config_set("maxmemory", used(r) - free_bytes)
    r.ping()
    time.sleep(0.05)
    r.ping()


def survivors(r, prefix, n):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.exists(f"{prefix}{i}")
    return sum(p.execute())


def test_noeviction_refuses_writes_but_serves_reads_and_deletes(r):
    r.config_set("maxmemory-policy", "noeviction")
    fill(r, "k", 200)
    squeeze(r, 50_000)
    with pytest.raises(redis.ResponseError, match="OOM command not allowed"):
        r.set("new", "x")
    with pytest.raises(redis.ResponseError, match="OOM command not allowed"):
        r.lpush("list", "x")
    assert r.get("k1") == VALUE
    assert r.dbsize() == 200
    assert r.delete("k1", "k2") == 2
    assert r.info("stats")["evicted_keys"] == 0
    # once under the limit writes work again
    r.config_set("maxmemory", 0)
    assert r.set("new", "x")


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_honour_the_limit(r, policy):
    r.config_set("maxmemory-policy", policy)
    fill(r, "k", 1000)
    before = r.info("stats")["evicted_keys"]
    limit = used(r) - 300_000
    r.config_set("maxmemory", limit)
    for i in range(300):
        r.set(f"more{i}", VALUE)
    assert used(r) <= limit + 10_000
    evicted = r.info("stats")["evicted_keys"] - before
    assert evicted >= 300
    assert r.dbsize() == 1300 - evicted


def test_allkeys_lru_keeps_recently_read_keys(r):
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-samples", 10)
    fill(r, "old", 500)
    fill(r, "hot", 100)
    time.sleep(2.1)  # LRU clock resolution is one second
    for i in range(100):
        r.get(f"hot{i}")
    squeeze(r, 300_000)
    assert r.info("stats")["evicted_keys"] > 100
    assert survivors(r, "hot", 100) >= 95
    assert survivors(r, "old", 500) < 500 - 100


def test_allkeys_lfu_keeps_frequently_read_keys(r):
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.config_set("maxmemory-samples", 10)
    fill(r, "cold", 500)
    fill(r, "hot", 100)
    p = r.pipeline(transaction=False)
    for _ in range(30):
        for i in range(100):
            p.get(f"hot{i}")
    p.execute()
    squeeze(r, 300_000)
    assert r.info("stats")["evicted_keys"] > 100
    assert survivors(r, "hot", 100) >= 95


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_policies_only_evict_keys_with_a_ttl(r, policy):
    r.config_set("maxmemory-policy", policy)
    fill(r, "plain", 300)
    fill(r, "vol", 300, ttl=1000)
    squeeze(r, 150_000)
    assert survivors(r, "plain", 300) == 300
    assert survivors(r, "vol", 300) < 300


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_policies_without_volatile_keys_give_oom(r, policy):
    r.config_set("maxmemory-policy", policy)
    fill(r, "plain", 200)
    # a wide margin: memory other tests left for the background thread to free,
    # or buffers that shrink, must not bring used memory back under the limit
    squeeze(r, 500_000)
    with pytest.raises(redis.ResponseError) as e:
        r.set("x", "y")
    assert str(e.value) == OOM
    assert r.dbsize() == 200
    assert r.get("plain1") == VALUE


def test_volatile_ttl_evicts_the_nearest_expiry_first(r):
    r.config_set("maxmemory-policy", "volatile-ttl")
    r.config_set("maxmemory-samples", 10)
    fill(r, "soon", 200, ttl=100)
    fill(r, "late", 200, ttl=100_000)
    squeeze(r, 120_000)
    assert r.info("stats")["evicted_keys"] > 50
    assert survivors(r, "late", 200) >= 195
    assert survivors(r, "soon", 200) < 200


def test_eviction_emits_events_and_propagates(r, server):
    r.config_set("maxmemory-policy", "allkeys-random")
    r.config_set("notify-keyspace-events", "Ee")
    try:
        fill(r, "k", 100)
        sub = server.client()
        ps = sub.pubsub()
        ps.psubscribe("__keyevent@*__:evicted")
        ps.get_message(timeout=1)
        squeeze(r, 30_000)
        msg = None
        for _ in range(20):
            msg = ps.get_message(timeout=0.2)
            if msg:
                break
        assert msg and msg["data"].startswith(b"k")
        ps.close()
        sub.close()
    finally:
        r.config_set("notify-keyspace-events", "")


def test_multi_over_the_limit(r, server):
    r.config_set("maxmemory-policy", "noeviction")
    fill(r, "k", 200)
    # queued deny-oom command while over the limit: refused, EXEC aborts
    c = server.client()
    c.execute_command("MULTI")
    limit_set = False
    try:
        r.config_set("maxmemory", used(r) - 50_000)
        limit_set = True
        with pytest.raises(redis.ResponseError, match="OOM"):
            c.execute_command("SET", "x", "y")
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("EXEC")
        # (redis-py drops the EXECABORT code from the message)
        assert str(e.value).endswith("Transaction discarded because of previous errors.")
        # queued under the limit, EXEC over it with a deny-oom command queued
        r.config_set("maxmemory", 0)
        c.execute_command("MULTI")
        c.execute_command("SET", "x", "y")
        c.execute_command("GET", "k1")
        r.config_set("maxmemory", used(r) - 50_000)
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("EXEC")
        assert str(e.value).endswith("Transaction discarded because of: " + OOM)
        assert r.exists("x") == 0
        # a read-only transaction still runs; DISCARD always works
        r.config_set("maxmemory", 0)
        c.execute_command("MULTI")
        c.execute_command("GET", "k1")
        r.config_set("maxmemory", used(r) - 50_000)
        assert c.execute_command("EXEC") == [VALUE]
        c.execute_command("MULTI")
        assert c.execute_command("DISCARD") == b"OK"
    finally:
        if limit_set:
            r.config_set("maxmemory", 0)
        c.close()


def test_multi_evicts_before_exec_under_lru(r, server):
    r.config_set("maxmemory-policy", "allkeys-lru")
    fill(r, "k", 300)
    c = server.client()
    c.execute_command("MULTI")
    c.execute_command("SET", "x", "y")
    c.execute_command("INCR", "n")
    r.config_set("maxmemory", used(r) - 100_000)
    assert c.execute_command("EXEC") == [b"OK", 1]
    assert r.info("stats")["evicted_keys"] > 0
    c.close()


def test_scripts_over_the_limit(r):
    r.config_set("maxmemory-policy", "noeviction")
    fill(r, "k", 200)
    r.config_set("maxmemory", used(r) - 50_000)
    with pytest.raises(redis.ResponseError) as e:
        r.eval("return redis.call('set', 'x', 'y')", 0)
    assert str(e.value).startswith(OOM)
    # reads run; a script's first write is refused, deletes are fine
    assert r.eval("return redis.call('get', 'k1')", 0) == VALUE
    assert r.eval("return redis.call('del', 'k1')", 0) == 1
    # shebang scripts: refused as a whole (EVAL is deny-oom then) unless no-writes
    # or allow-oom
    with pytest.raises(redis.ResponseError) as e:
        r.eval("#!lua\nreturn redis.call('get', 'k2')", 0)
    assert str(e.value) == OOM
    assert r.eval("#!lua flags=no-writes\nreturn redis.call('get', 'k2')", 0) == VALUE
    assert r.eval("#!lua flags=allow-oom\nreturn redis.call('set', 'x', 'y')", 0) == b"OK"


def test_script_writing_past_the_limit_runs_to_the_end_then_eviction_follows(r):
    r.config_set("maxmemory-policy", "allkeys-lru")
    fill(r, "k", 300)
    r.config_set("maxmemory", used(r) + 50_000)
    # the script writes 200 KB: no eviction inside it (Redis evicts before commands)
    n = r.eval("for i=1,200 do redis.call('set', 'big'..i, string.rep('x', 1000)) end "
               "return redis.call('dbsize')", 0)
    assert n == 500
    r.ping()
    assert r.info("stats")["evicted_keys"] > 100


def test_lazyfree_eviction(r):
    r.config_set("maxmemory-policy", "allkeys-random")
    r.config_set("lazyfree-lazy-eviction", "yes")
    try:
        for i in range(20):
            r.rpush(f"list{i}", *[f"element-{j}" * 10 for j in range(200)])
        squeeze(r, 300_000)
        assert r.info("stats")["evicted_keys"] > 0
    finally:
        r.config_set("lazyfree-lazy-eviction", "no")


def test_object_freq_and_idletime_follow_the_policy(r):
    r.set("k", "v")
    r.config_set("maxmemory-policy", "allkeys-lru")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        r.object("freq", "k")
    assert r.object("idletime", "k") == 0
    r.config_set("maxmemory-policy", "volatile-lfu")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is selected"):
        r.object("idletime", "k")


@pytest.mark.skipif(is_reference_redis(), reason="Vesper's access-frequency sketch: Redis forgets a key's reads")
def test_allkeys_lfu_remembers_reads_of_missing_keys(r):
    # keys read often while missing (a cache's misses), then written, outlive keys
    # written without reads: the sketch keeps the history the key's counter lacks
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.config_set("maxmemory", 512 * 1024 * 1024)  # the sketch exists from here on
    r.ping()
    time.sleep(0.2)  # a cron tick creates the sketch
    p = r.pipeline(transaction=False)
    for _ in range(10):
        for i in range(100):
            p.get(f"wanted{i}")
    p.execute()
    fill(r, "wanted", 100)
    fill(r, "cold", 500)
    squeeze(r, 300_000)
    assert r.info("stats")["evicted_keys"] > 100
    assert survivors(r, "wanted", 100) >= 95


def test_lfu_counter_grows_with_accesses_and_is_logarithmic(r):
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.set("hot", "v")
    r.set("cold", "v")
    assert r.object("freq", "cold") == 5  # LFU_INIT_VAL... then every access may add
    p = r.pipeline(transaction=False)
    for _ in range(2000):
        p.get("hot")
    p.execute()
    hot = r.object("freq", "hot")
    assert 10 < hot < 40  # log factor 10: about 18 after 2000 hits
    r.config_set("lfu-log-factor", 0)
    for _ in range(100):
        r.get("cold")
    assert r.object("freq", "cold") >= 100


def test_lfu_counter_decays_from_a_restored_frequency(r):
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.set("k", "v")
    dump = r.dump("k")
    r.delete("k")
    r.restore("k", 0, dump, frequency=100)
    assert r.object("freq", "k") == 100
    # lfu-decay-time 0: no decay
    r.config_set("lfu-decay-time", 0)
    assert r.object("freq", "k") == 100


def test_eviction_time_limit_continues_in_the_background(r):
    r.config_set("maxmemory-policy", "allkeys-random")
    r.config_set("maxmemory-eviction-tenacity", 0)  # stop after every 16 keys
    fill(r, "k", 3000, value=b"x" * 200)
    r.config_set("maxmemory", used(r) - 400_000)
    deadline = time.time() + 5
    while time.time() < deadline and used(r) > int(r.config_get("maxmemory")["maxmemory"]):
        time.sleep(0.05)
    assert used(r) <= int(r.config_get("maxmemory")["maxmemory"]) + 64_000
    st = r.info("stats")
    assert st["evicted_keys"] > 100
    assert st["current_eviction_exceeded_time"] == 0


def test_latency_monitor_records_eviction_events(spawn):
    srv = spawn("--enable-debug-command", "yes", "--maxmemory-policy", "allkeys-random",
                "--latency-monitor-threshold", "1", "--maxmemory-eviction-tenacity", "100")
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 300000, "key", 20)
    squeeze(r, used(r) // 2)
    events = {e[0] for e in r.execute_command("LATENCY", "LATEST")}
    assert b"eviction-cycle" in events
    assert r.info("stats")["evicted_keys"] > 100000
    r.close()


# ---------------------------------------------------------------------------
# client eviction

def big_query_client(server, nbytes, no_evict=False):
    """A raw connection that sent part of a huge argument (it stays in the query
    buffer)."""
    s = socket.create_connection(("127.0.0.1", server.port))
    if no_evict:
        s.sendall(b"CLIENT NO-EVICT on\r\n")
        assert s.recv(100) == b"+OK\r\n"
    try:
        s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n" % (nbytes * 4) + b"x" * nbytes)
    except OSError:
        pass  # evicted while sending
    return s


def biggest_qbuf(r):
    return max(int(c["qbuf"]) for c in r.client_list())


def wait_for(cond, timeout=3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_client_eviction_frees_the_biggest_client(r, server):
    r.client_no_evict("on")
    small = server.client()
    small.client_setname("small")
    r.config_set("maxmemory-clients", "2mb")
    before = r.info("stats")["evicted_clients"]
    big = big_query_client(server, 3 * 1024 * 1024)
    # the big one goes (and then the total is under the limit: the small one stays)
    assert wait_for(lambda: biggest_qbuf(r) < 1024 * 1024)
    assert r.info("stats")["evicted_clients"] >= before + 1
    r.config_set("maxmemory-clients", 0)
    big.settimeout(2)
    try:
        data = big.recv(100)
    except (ConnectionResetError, socket.timeout):
        data = b""
    assert data == b""
    assert small.ping()
    assert "small" in {c["name"] for c in r.client_list()}
    big.close()
    small.close()


def test_client_no_evict_exempts_a_client(r, server):
    r.client_no_evict("on")
    r.config_set("maxmemory-clients", "2mb")
    big = big_query_client(server, 3 * 1024 * 1024, no_evict=True)
    time.sleep(0.5)
    # still there with its query buffer (the small evictable clients went instead)
    assert wait_for(lambda: biggest_qbuf(r) >= 3 * 1024 * 1024)
    r.config_set("maxmemory-clients", 0)
    big.close()


def test_maxmemory_clients_as_percent_of_maxmemory(r):
    r.config_set("maxmemory-clients", "10%")
    assert r.config_get("maxmemory-clients")["maxmemory-clients"] == "10%"
    r.config_set("maxmemory-clients", "1mb")
    assert r.config_get("maxmemory-clients")["maxmemory-clients"] == "1048576"
    with pytest.raises(redis.ResponseError):
        r.config_set("maxmemory-clients", "-5")


def test_client_eviction_while_serving_blocked_clients(r, server):
    """A blocked client served by a push runs its pipelined commands at once; if they
    push the client memory over maxmemory-clients, a client that is evicted must not
    be freed under the server's feet: the next waiter of the same key (here the
    evicted one) is still in the list being served. This used to be a
    use-after-free (freed client re-run)."""
    r.client_no_evict("on")
    r.eval("redis.call('rpush', KEYS[1], string.rep('x', 300000))", 1, "src")
    x = socket.create_connection((server.host, server.port))
    x.sendall(b"BLPOP q 0\r\nPING\r\nPING\r\nPING\r\n")
    assert wait_for(lambda: r.info("clients")["blocked_clients"] == 1)
    y = socket.create_connection((server.host, server.port))
    y.sendall(b"BLPOP q 0\r\n")
    assert wait_for(lambda: r.info("clients")["blocked_clients"] == 2)
    # y grows while it waits: a big command arriving behind its BLPOP
    y.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$410000\r\n" + b"y" * 400000)
    assert wait_for(lambda: biggest_qbuf(r) >= 400000)
    total = sum(int(c["tot-mem"]) for c in r.client_list())
    before = r.info("stats")["evicted_clients"]
    # under the limit now; over it once x holds the 300 KB element: y (the
    # biggest) goes while x runs its PINGs, from inside the serving of q's waiters
    r.config_set("maxmemory-clients", total + 150 * 1024)
    try:
        assert r.eval("redis.call('lmove', 'src', 'q', 'right', 'left') return 1", 0) == 1
        assert r.ping()
        assert r.info("stats")["evicted_clients"] == before + 1
        x.settimeout(5)
        got = b""
        while not got.endswith(b"+PONG\r\n+PONG\r\n+PONG\r\n"):
            chunk = x.recv(1 << 20)
            assert chunk
            got += chunk
        assert got.startswith(b"*2\r\n$1\r\nq\r\n$300000\r\n")
        y.settimeout(5)
        try:
            assert y.recv(100) == b""
        except ConnectionResetError:
            pass
    finally:
        r.config_set("maxmemory-clients", 0)
        x.close()
        y.close()


def test_lua_heap_is_not_used_memory(r):
    """Redis's used_memory leaves the Lua heap out (used_memory_lua reports it),
    so a script's tables neither count toward maxmemory nor evict keys
    (regression: Vesper counted its Lua arena in used_memory)."""
    def mem(text):
        d = dict(l.split(":", 1) for l in text.splitlines() if ":" in l)
        return int(d["used_memory"]), int(d["used_memory_lua"])
    info = r.info("memory")
    before, lua_before = int(info["used_memory"]), int(info["used_memory_lua"])
    text = r.eval("local t = {} for i = 1, 200000 do t[i] = tostring(i) .. 'x' end "
                  "local s = redis.call('INFO', 'memory') t[1] = nil return s", 0)
    text = text.decode() if isinstance(text, bytes) else text
    during, lua_during = mem(text)
    assert lua_during - lua_before > 5_000_000
    assert during - before < 1_000_000, (before, during, lua_before, lua_during)


def test_tracking_invalidations_do_not_feed_eviction(r, server):
    """Evicting keys sends invalidation messages to the clients tracking them. Those
    messages must not leave memory behind that makes the next command evict more:
    Redis 7.0's unit/maxmemory "client tracking don't cause eviction feedback loop".
    Regression: a push message grew each tracking client's reply buffer (up to
    16 KB, kept after the write), so a second round evicted about 95 more keys,
    and half the time a third drained the database."""
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-eviction-tenacity", 100)
    trackers = []
    for _ in range(10):
        t = server.raw()
        t.cmd("HELLO", "3")
        assert t.cmd("CLIENT", "TRACKING", "on") == b"OK"
        trackers.append(t)
    for j in range(300):
        key = f"{j}" + "x" * 1000
        r.set(key, "x")
        for t in trackers:
            assert t.cmd("GET", key) == b"x"
    time.sleep(1.1)  # the clients cron trims the query buffers first
    before = r.info("stats")["evicted_keys"]
    r.config_set("maxmemory", used(r) - 40_000)
    evicted = r.info("stats")["evicted_keys"] - before
    # about 40 KB of 1 KB keys (Redis 7.0.15 evicts 35-55 here); before the fix
    # Vesper evicted 128 or all 300
    assert 10 <= evicted <= 80, evicted
    assert 200 <= r.dbsize() <= 300
    for t in trackers:
        assert t.read_available(0.2)  # invalidations were sent
        t.sock.close()
