"""The append only file: what a server writes (manifest, base and incr files), that
it loads it back identically, rewrites (BGREWRITEAOF with and without the RDB
preamble, CONFIG SET appendonly at run time), damaged and hostile files (a clear
log line and exit code 1, never a crash), aof-load-truncated, a full disk (write
errors refuse writes with MISCONF, always exits), and files moving both ways
between Vesper and Redis 7.0.15 (DEBUG DIGEST is Redis's algorithm in both)."""
import os
import resource
import signal
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import SERVER_BIN, free_port, is_reference_redis, ping, run_reference, wait_rewrite

REFERENCE = "/usr/bin/redis-server"


def start(spawn, d, *extra):
    return spawn("--dir", d, "--appendonly", "yes", "--enable-debug-command", "yes", *extra)


def fill(r):
    r.set("s", "hello")
    r.set("n", 10)
    r.incr("n")
    r.incrbyfloat("f", "1.5")
    r.set("ttl", "v", px=600000)
    r.set("gone", "v")
    r.delete("gone")
    r.sadd("set", "a", "b", 1, 2)
    r.sadd("iset", *range(100))
    r.hset("h", mapping={"f%d" % i: "v" * (i % 70) for i in range(200)})
    r.hset("hs", mapping={"a": 1, "b": "x"})
    r.zadd("z", {"a": 1.5, "b": -2, "c": float("inf")})
    r.rpush("list", *range(50))
    r.rpush("biglist", *["e%d" % i for i in range(1000)])
    r.lpop("list")
    r.zadd("zbig", {"m%d" % i: i / 7 for i in range(300)})
    p = r.pipeline(transaction=True)
    p.set("tx1", 1)
    p.incr("tx1")
    p.sadd("txset", "m")
    p.execute()
    r.execute_command("SELECT", 3)
    r.set("in3", "three")
    r.execute_command("SELECT", 0)


def digest(r):
    return r.execute_command("DEBUG", "DIGEST")




def manifest(d):
    with open(os.path.join(d, "appendonlydir", "appendonly.aof.manifest")) as f:
        return [line.split() for line in f.read().splitlines()]


def test_fresh_server_creates_base_incr_and_manifest(spawn):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = start(spawn, d)
    assert manifest(d) == [["file", "appendonly.aof.1.base.rdb", "seq", "1", "type", "b"],
                           ["file", "appendonly.aof.1.incr.aof", "seq", "1", "type", "i"]]
    r = srv.client()
    r.set("k", "v")
    with open(os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof"), "rb") as f:
        assert f.read() == b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
    info = r.info("persistence")
    assert info["aof_enabled"] == 1 and info["aof_last_write_status"] == "ok"
    assert info["aof_current_size"] > info["aof_base_size"] > 0


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_reload_after_restart_and_rewrite(spawn, preamble):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = start(spawn, d, "--aof-use-rdb-preamble", preamble)
    r = srv.client()
    fill(r)
    before = digest(r)
    srv.restart()
    r = srv.client()
    assert digest(r) == before
    assert 0 < r.pttl("ttl") <= 600000
    assert r.get("f") == b"1.5"
    # a rewrite folds everything into a new base; the old files become history and go
    assert r.bgrewriteaof()
    wait_rewrite(r)
    suffix = "rdb" if preamble == "yes" else "aof"
    assert manifest(d) == [["file", "appendonly.aof.2.base." + suffix, "seq", "2", "type", "b"],
                           ["file", "appendonly.aof.2.incr.aof", "seq", "2", "type", "i"]]
    deadline = time.time() + 5
    while os.path.exists(os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof")):
        assert time.time() < deadline, "history file not deleted"
        time.sleep(0.05)
    r.set("after", "rewrite")
    before = digest(r)
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert digest(r) == before
    srv.restart()
    assert digest(srv.client()) == before


def test_appendonly_turned_on_at_run_time(spawn):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = spawn("--dir", d, "--enable-debug-command", "yes")
    r = srv.client()
    fill(r)
    before = digest(r)
    assert r.config_set("appendonly", "yes")
    info = wait_rewrite(r)
    assert info["aof_enabled"] == 1 and info["aof_last_bgrewrite_status"] == "ok"
    r.set("later", 1)
    before = digest(r)
    srv.stop()
    srv2 = start(spawn, d)
    assert digest(srv2.client()) == before
    # and off again: no more appends
    r = srv2.client()
    assert r.config_set("appendonly", "no")
    size = os.path.getsize(os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof"))
    r.set("not-logged", 1)
    assert os.path.getsize(os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof")) == size


def write_incr(d, data, mode="ab"):
    with open(os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof"), mode) as f:
        f.write(data)


def start_expecting_exit(d, *extra):
    """Starts the server on d's AOF; returns (exit code or None if it kept running, log)."""
    port = free_port()
    log = os.path.join(d, "start.log")
    with open(log, "wb") as out:
        p = subprocess.Popen([SERVER_BIN, "--port", str(port), "--dir", d, "--appendonly", "yes", "--save", "",
                              *extra], stdout=out, stderr=subprocess.STDOUT)
        try:
            code = p.wait(10)
        except subprocess.TimeoutExpired:
            code = None
            p.terminate()
            p.wait(10)
    with open(log, errors="replace") as f:
        return code, f.read()


def base_dir(spawn):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = start(spawn, d)
    r = srv.client()
    r.set("foo", 5)
    srv.stop()
    return d


def test_truncated_file_and_aof_load_truncated(spawn):
    d = base_dir(spawn)
    path = os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof")
    good = os.path.getsize(path)
    write_incr(d, b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$2\r\n9")   # cut inside the last argument
    code, log = start_expecting_exit(d, "--aof-load-truncated", "no")
    assert code == 1, log
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in log
    srv = start(spawn, d, "--aof-load-truncated", "yes")
    assert srv.client().get("foo") == b"5"
    assert os.path.getsize(path) == good        # cut back to the last whole command
    assert "Truncating the AOF appendonly.aof.1.incr.aof at offset %d" % good in srv.log_text()


def test_unfinished_multi_is_reverted(spawn):
    d = base_dir(spawn)
    write_incr(d, b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$1\r\n7\r\n")
    srv = start(spawn, d)
    assert srv.client().get("foo") == b"5"
    assert "Revert incomplete MULTI/EXEC transaction" in srv.log_text()


@pytest.mark.parametrize("tail", [
    b"!!!\r\n",                                           # not a command
    b"*2\r\n$3\r\nGET\r\n+foo\r\n",                       # not a bulk header
    b"*-3\r\n",                                           # negative count
    b"*1\r\n$-5\r\n",                                     # negative length
    b"*1\r\n$abc\r\n",                                    # not a number
    b"*99999999999999999999\r\n",                         # count overflow
    b"*1\r\n$3\r\nSETxx",                                 # CRLF missing after an argument
    b"*" + b"9" * 2000 + b"\r\n",                         # header line far too long
])
def test_bad_format_exits_with_the_reason(spawn, tail):
    d = base_dir(spawn)
    write_incr(d, tail + b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$1\r\n1\r\n")
    code, log = start_expecting_exit(d)
    assert code == 1, log
    assert log.rstrip().splitlines()[-1].endswith(
        "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, "
        "then use ./vesper-check-aof --fix <filename.manifest>"), log


@pytest.mark.parametrize("cmd,why", [
    (b"*1\r\n$5\r\nBLAHH\r\n", "Unknown command 'BLAHH'"),
    (b"*2\r\n$3\r\nSET\r\n$1\r\nk\r\n", "Wrong number of arguments for 'set'"),
    (b"*2\r\n$5\r\nDEBUG\r\n$7\r\nLOADAOF\r\n", "Unexpected admin command 'debug'"),
    (b"*1\r\n$8\r\nSHUTDOWN\r\n", "Unexpected admin command 'shutdown'"),
])
def test_commands_that_are_not_replayed(spawn, cmd, why):
    d = base_dir(spawn)
    write_incr(d, cmd)
    code, log = start_expecting_exit(d)
    assert code == 1 and why in log, log


def test_huge_length_is_not_allocated(spawn):
    d = base_dir(spawn)
    write_incr(d, b"*1\r\n$1099511627776\r\nabc")       # 1 TB announced, 3 bytes present
    code, log = start_expecting_exit(d, "--aof-load-truncated", "no")
    assert code == 1 and "Unexpected end of file" in log, log


def test_random_garbage_never_crashes(spawn):
    import random
    rng = random.Random(99)
    d = base_dir(spawn)
    path = os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof")
    with open(path, "rb") as f:
        good = f.read() + b"*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\nm\r\n"
    for _ in range(25):
        b = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        with open(path, "wb") as f:
            f.write(bytes(b))
        code, log = start_expecting_exit(d, "--aof-load-truncated", rng.choice(["yes", "no"]))
        assert code in (None, 1), log                 # started, or refused: never a signal
        if code == 1:
            assert "append only file" in log or "AOF" in log, log


def test_damaged_manifest_is_refused(spawn):
    d = base_dir(spawn)
    with open(os.path.join(d, "appendonlydir", "appendonly.aof.manifest"), "w") as f:
        f.write("file appendonly.aof.1.base.rdb seq 1 type x\n")
    code, log = start_expecting_exit(d)
    assert code == 1 and "FATAL AOF MANIFEST FILE ERROR" in log, log
    with open(os.path.join(d, "appendonlydir", "appendonly.aof.manifest"), "w") as f:
        f.write("file missing.aof seq 1 type i\n")
    code, log = start_expecting_exit(d)
    assert code == 1, log


def test_old_single_file_is_upgraded(spawn):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    with open(os.path.join(d, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n")
    srv = start(spawn, d)
    assert srv.client().get("old") == b"style"
    assert not os.path.exists(os.path.join(d, "appendonly.aof"))
    assert manifest(d)[0] == ["file", "appendonly.aof", "seq", "1", "type", "b"]
    assert "Successfully migrated an old-style AOF file" in srv.log_text()


def test_eval_and_fcall_in_the_aof_replay_at_start_up(spawn):
    """An AOF holding EVAL (as Redis 6 wrote scripts, and as Redis's own AOF tests
    do) and FUNCTION LOAD + FCALL replays at start-up: the scripting modules are
    initialized before persistence loads (this crashed in ht_find before)."""
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    lib = "#!lua name=aoflib\nredis.register_function('bump', function(k) return redis.call('incr', k[1]) end)"
    with open(os.path.join(d, "appendonly.aof"), "wb") as f:
        for cmd in (["SELECT", "0"], ["EVAL", "redis.call('set', KEYS[1], '100')", "1", "foo"],
                    ["EVAL", "redis.call('incr', KEYS[1])", "1", "foo"],
                    ["FUNCTION", "LOAD", lib], ["FCALL", "bump", "1", "foo"]):
            f.write(b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in cmd))
    srv = start(spawn, d)
    r = srv.client()
    assert r.get("foo") == b"102"
    assert r.fcall("bump", 1, "foo") == 103


def run_limited(d, limit, *extra):
    """A server whose files may not grow past limit bytes (RLIMIT_FSIZE): writes to
    the AOF then fail with EFBIG, as on a full disk."""
    port = free_port()
    log = open(os.path.join(d, "limited.log"), "wb")

    def limit_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    p = subprocess.Popen([SERVER_BIN, "--port", str(port), "--dir", d, "--appendonly", "yes", "--save", "",
                          *extra], stdout=log, stderr=subprocess.STDOUT, preexec_fn=limit_files)
    deadline = time.time() + 10
    while not ping("127.0.0.1", port):
        assert p.poll() is None and time.time() < deadline
        time.sleep(0.05)
    return p, redis.Redis(port=port, socket_timeout=10)


def test_full_disk_refuses_writes_with_misconf(spawn):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    p, r = run_limited(d, 64 * 1024)
    try:
        with pytest.raises(redis.ResponseError, match="^MISCONF Errors writing to the AOF file: (File too large|No space left on device)"):
            for i in range(2000):
                r.set("k%d" % i, "x" * 100)
        assert r.info("persistence")["aof_last_write_status"] == "err"
        assert r.get("k1") == b"x" * 100                        # reads still work
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            r.set("more", 1)
        assert p.poll() is None
    finally:
        p.terminate()
        p.wait(10)
    # the file holds whole commands only: it loads back
    srv = start(spawn, d, "--aof-load-truncated", "no")
    assert srv.client().get("k1") == b"x" * 100


def test_full_disk_with_fsync_always_exits(spawn):
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    p, r = run_limited(d, 64 * 1024, "--appendfsync", "always")
    try:
        with pytest.raises(redis.ConnectionError):
            for i in range(2000):
                r.set("k%d" % i, "x" * 100)
        assert p.wait(10) == 1
    finally:
        if p.poll() is None:
            p.kill()
    with open(os.path.join(d, "limited.log"), errors="replace") as f:
        assert "Can't recover from AOF write error when the AOF fsync policy is 'always'" in f.read()




@pytest.mark.skipif(not os.path.exists(REFERENCE) or is_reference_redis(), reason="needs Vesper and Redis")
@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_moves_both_ways_with_redis(spawn, preamble):
    # Redis -> Vesper: a base plus an incr file written by Redis
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    proc, ref = run_reference(d, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble)
    try:
        fill(ref)
        ref.bgrewriteaof()
        wait_rewrite(ref)
        ref.set("after-rewrite", "x")
        ref.sadd("set", "late")
        theirs = digest(ref)
    finally:
        proc.terminate()
        proc.wait(10)
    srv = start(spawn, d, "--aof-use-rdb-preamble", preamble)
    r = srv.client()
    assert digest(r) == theirs
    # Vesper -> Redis: Vesper's rewrite and its own incr file
    r.bgrewriteaof()
    wait_rewrite(r)
    r.hset("h", "new", "field")
    ours = digest(r)
    srv.stop()
    proc, ref = run_reference(d, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble)
    try:
        assert digest(ref) == ours
    finally:
        proc.terminate()
        proc.wait(10)


# ---------------------------------------------------------------- crashes and load

def writer(port, stop, acked, key="counter"):
    """INCRs key until stop is set; acked[0] is the last value the server confirmed,
    acked[1] the time it was confirmed."""
    c = redis.Redis(port=port, socket_timeout=5)
    while not stop.is_set():
        try:
            v = c.incr(key)
        except redis.ConnectionError:
            return
        acked[0], acked[1] = v, time.time()


def test_kill9_with_fsync_always_loses_no_acknowledged_write(spawn):
    import threading
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = start(spawn, d, "--appendfsync", "always")
    stop, acked = threading.Event(), [0, 0]
    t = threading.Thread(target=writer, args=(srv.port, stop, acked))
    t.start()
    time.sleep(1.5)
    srv.stop(signal.SIGKILL)
    stop.set()
    t.join()
    assert acked[0] > 100
    srv = start(spawn, d, "--appendfsync", "always")
    assert int(srv.client().get("counter")) >= acked[0]


def test_kill9_with_fsync_everysec_loses_at_most_about_a_second(spawn):
    import threading
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = start(spawn, d)
    stop, acked = threading.Event(), [0, 0]
    history = []

    def track():
        while not stop.is_set():
            history.append((acked[0], time.time()))
            time.sleep(0.01)
    t = threading.Thread(target=writer, args=(srv.port, stop, acked))
    h = threading.Thread(target=track)
    t.start()
    h.start()
    time.sleep(3)
    killed_at = time.time()
    srv.stop(signal.SIGKILL)
    stop.set()
    t.join()
    h.join()
    srv = start(spawn, d)
    loaded = int(srv.client().get("counter") or 0)
    # the loaded value was acknowledged at most ~1 s (plus scheduling slack) before the kill
    if loaded < acked[0]:
        reached = [ts for v, ts in history if v >= loaded]
        lost_from = reached[0] if reached else acked[1]
        assert lost_from >= killed_at - 2.5, (loaded, acked)


def test_rewrites_under_write_load_lose_nothing(spawn):
    import threading
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = start(spawn, d, "--aof-use-rdb-preamble", "no")
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 20000)
    stop, acked = threading.Event(), [0, 0]
    t = threading.Thread(target=writer, args=(srv.port, stop, acked))
    t.start()
    for _ in range(3):
        r.bgrewriteaof()
        wait_rewrite(r)
        r.rpush("pushes", acked[0])
    stop.set()
    t.join()
    before = digest(r)
    assert int(r.get("counter")) == acked[0]
    srv.restart()
    assert digest(srv.client()) == before


def test_bgsave_under_write_load_is_a_consistent_snapshot(spawn):
    import threading
    d = tempfile.mkdtemp(prefix="vesper-aof-")
    srv = spawn("--dir", d, "--enable-debug-command", "yes", "--rdb-key-save-delay", "20")
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 5000)
    r.set("marker", "before")
    stop, acked = threading.Event(), [0, 0]
    t = threading.Thread(target=writer, args=(srv.port, stop, acked))
    t.start()
    time.sleep(0.2)
    at_fork = acked[0]
    r.bgsave()
    r.set("marker", "after")                        # written after the fork: not in the file
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        time.sleep(0.05)
    stop.set()
    t.join()
    assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
    srv.stop(signal.SIGKILL)
    srv = spawn("--dir", d, "--enable-debug-command", "yes")
    c = srv.client()
    assert c.get("marker") == b"before" and c.dbsize() == 5002
    assert at_fork <= int(c.get("counter")) <= acked[0]

