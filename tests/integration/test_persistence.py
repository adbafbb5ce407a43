"""RDB snapshots: SAVE, BGSAVE, save points, shutdown, loading at start-up, damaged
files, MISCONF, and files moving both ways between Vesper and Redis 7.0.15 with
identical contents (DEBUG DIGEST is Redis's algorithm in both)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import crc64_jones, free_port, is_reference_redis, run_reference, with_footer

REFERENCE = "/usr/bin/redis-server"


def start(spawn, d, *extra):
    return spawn("--dir", d, "--enable-debug-command", "yes", *extra)


def wait_bgsave(r, timeout=10):
    deadline = time.time() + timeout
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        assert time.time() < deadline, "BGSAVE did not finish"
        time.sleep(0.05)


def fill(r):
    r.set("s", "hello")
    r.set("n", 12345)
    r.set("big", 2 ** 62)
    r.set("neg", -7)
    r.set("e", "")
    r.set("long", "x" * 5000)                  # LZF-compressed when rdbcompression is on
    r.set("bin", bytes(range(256)) * 3)
    r.set("ttl", "soon", px=600000)
    r.set("sec", "later", ex=1000)
    r.sadd("set-intset", *range(-5, 40))
    r.sadd("set-big-intset", *range(0, 100000, 7))        # over set-max-intset-entries: a table
    r.sadd("set-strings", "a", "b", "c", 1, 2)
    r.hset("hash-small", mapping={"f": "v", "n": 12, "neg": -3, "e": ""})
    r.hset("hash-long-value", mapping={"f": "y" * 100})    # over hash-max-listpack-value
    r.hset("hash-many", mapping={"f%d" % i: i for i in range(600)})
    r.rpush("list-small", "a", 1, "b" * 100)
    r.rpush("list-big", *["e%d" % i for i in range(20000)])
    r.zadd("zset-small", {"a": 1, "b": 2.5})
    r.zadd("zset-big", {"m%d" % i: i for i in range(500)})
    r.execute_command("SELECT", 5)
    r.set("in5", "five")
    r.execute_command("SELECT", 0)


def digest(r):
    return r.execute_command("DEBUG", "DIGEST")


def test_save_and_load_back(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d)
    r = srv.client()
    fill(r)
    before = digest(r)
    assert srv.raw().cmd("SAVE") == b"OK"
    assert os.path.exists(os.path.join(d, "dump.rdb"))
    srv.stop()
    srv = start(spawn, d)
    r = srv.client()
    assert digest(r) == before
    assert r.get("bin") == bytes(range(256)) * 3
    assert 0 < r.pttl("ttl") <= 600000
    r.execute_command("SELECT", 5)
    assert r.get("in5") == b"five"
    assert "Done loading RDB, keys loaded: 20, keys expired: 0." in srv.log_text()


def test_bgsave_and_info(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d)
    r = srv.client()
    fill(r)
    assert r.info("persistence")["rdb_changes_since_last_save"] > 0
    last = r.lastsave()
    time.sleep(1.1)
    assert srv.raw().cmd("BGSAVE") == b"Background saving started"
    wait_bgsave(r)
    info = r.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == 0
    assert r.lastsave() > last
    assert srv.wait_log("Background saving terminated with success")
    assert r.info("stats")["total_forks"] >= 1
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("BGSAVE", "FOO")


def test_bgsave_in_progress_and_schedule(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--rdb-key-save-delay", "100000")
    r = srv.client()
    for i in range(20):
        r.set(f"k{i}", i)
    assert srv.raw().cmd("BGSAVE") == b"Background saving started"
    with pytest.raises(redis.ResponseError, match="Background save already in progress"):
        r.execute_command("BGSAVE")
    with pytest.raises(redis.ResponseError, match="Background save already in progress"):
        r.execute_command("SAVE")
    assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
    r.config_set("rdb-key-save-delay", 0)


def test_save_points_trigger_bgsave(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--save", "1 1")
    r = srv.client()
    r.set("a", 1)
    assert srv.wait_log("1 changes in 1 seconds. Saving...", timeout=5)
    wait_bgsave(r)
    assert os.path.exists(os.path.join(d, "dump.rdb"))


@pytest.mark.parametrize("how", ["shutdown", "sigterm"])
def test_shutdown_saves_with_save_points(spawn, how):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--save", "3600 1")
    r = srv.client()
    r.set("kept", "yes")
    if how == "shutdown":
        c = srv.raw()
        c.send("SHUTDOWN\r\n")
        assert c.is_closed(wait=10)
        srv.wait_exit()
    else:
        srv.stop(signal.SIGTERM)
    assert "Saving the final RDB snapshot before exiting." in srv.log_text()
    srv = start(spawn, d)
    assert srv.client().get("kept") == b"yes"


def test_shutdown_nosave_and_save_flags(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--save", "3600 1")
    r = srv.client()
    r.set("gone", 1)
    c = srv.raw()
    c.send("SHUTDOWN NOSAVE\r\n")
    assert c.is_closed(wait=10)
    srv.wait_exit()
    assert not os.path.exists(os.path.join(d, "dump.rdb"))
    srv = start(spawn, d)               # no save points (--save "" from the defaults)
    r = srv.client()
    r.set("kept", 1)
    c = srv.raw()
    c.send("SHUTDOWN SAVE\r\n")
    assert c.is_closed(wait=10)
    srv.wait_exit()
    assert os.path.exists(os.path.join(d, "dump.rdb"))


def test_debug_reload_keeps_data(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d)
    r = srv.client()
    fill(r)
    before = digest(r)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert digest(r) == before


def test_misconf_after_failed_bgsave(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--save", "3600 1")
    r = srv.client()
    r.set("a", 1)
    shutil.rmtree(d)                     # the temp file cannot be created any more
    assert srv.raw().cmd("BGSAVE") == b"Background saving started"
    wait_bgsave(r)
    assert r.info("persistence")["rdb_last_bgsave_status"] == "err"
    with pytest.raises(redis.ResponseError, match="^MISCONF Redis is configured to save RDB snapshots"):
        r.set("b", 2)
    with pytest.raises(redis.ResponseError, match="^MISCONF"):
        r.ping()
    assert r.get("a") == b"1"            # reads still work
    # scripts: a write command they run is refused, and so is a shebang script that
    # may write, before it runs; reads and no-writes scripts still work
    with pytest.raises(redis.ResponseError, match="^MISCONF Redis is configured to save RDB snapshots"):
        r.eval("return redis.call('set', 'x', 1)", 1, "x")
    assert r.eval("local t = redis.pcall('set', 'x', 1); return t['err']", 1, "x").startswith(b"MISCONF ")
    assert r.eval("return redis.call('get', 'a')", 1, "a") == b"1"
    with pytest.raises(redis.ResponseError, match="^MISCONF"):
        r.eval("#!lua\nreturn 1", 0)
    assert r.eval("#!lua flags=no-writes\nreturn redis.call('get', 'a')", 1, "a") == b"1"
    assert r.exists("x") == 0
    r.config_set("stop-writes-on-bgsave-error", "no")
    assert r.set("b", 2)
    r.config_set("save", "")


def corrupt_start(d, data):
    """Writes data as dump.rdb and starts the server on it; returns (exit code, log)."""
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(data)
    port = free_port()
    bin_ = os.environ.get("VESPER_SERVER") or os.path.join(os.path.dirname(__file__), "../../build/vesper-server")
    p = subprocess.run([os.path.abspath(bin_), "--port", str(port), "--dir", d, "--save", ""],
                       capture_output=True, timeout=20)
    return p.returncode, p.stdout.decode(errors="replace")


def good_file(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d)
    r = srv.client()
    fill(r)
    r.execute_command("SAVE")
    srv.stop()
    with open(os.path.join(d, "dump.rdb"), "rb") as f:
        return d, f.read()


@pytest.mark.skipif(is_reference_redis(), reason="Vesper's own messages")
def test_damaged_files_are_refused_with_the_reason(spawn):
    d, data = good_file(spawn)
    code, log = corrupt_start(d, data[:len(data) // 2])
    assert code == 1 and "byte offset" in log and "Terminating server after rdb file reading failure" in log, log
    flipped = bytearray(data)
    flipped[-20] ^= 0xff
    code, log = corrupt_start(d, bytes(flipped))
    assert code == 1 and ("RDB CRC error" in log or "byte offset" in log), log
    code, log = corrupt_start(d, b"NOTREDIS0010" + data[9:])
    assert code == 1 and "wrong signature" in log, log
    code, log = corrupt_start(d, b"REDIS0011" + data[9:])
    assert code == 1 and "Can't handle RDB format version 11" in log, log
    code, log = corrupt_start(d, data[:9])
    assert code == 1 and "truncated" in log, log
    # a key length far beyond the file: refused, not a huge allocation
    code, log = corrupt_start(d, data[:9] + bytes([0xfe, 0x00, 0x00, 0x81]) + b"\x7f" + b"\xff" * 7)
    assert code == 1 and "byte offset" in log, log


def test_empty_values_in_a_file_are_skipped(spawn):
    # Redis writes no empty values, but old bugs did: such keys are skipped (logged, counted)
    def key(t, name, value):
        return bytes([t]) + rdb_str(name) + value
    body = b"REDIS0010\xfe\x00"
    body += key(2, b"set", rdb_len(0)) + key(4, b"hash", rdb_len(0))
    body += key(16, b"hash_listpack", rdb_str(listpack([])))
    body += key(0, b"kept", rdb_str(b"v"))
    body += b"\xff"
    data = body + crc64_jones(body).to_bytes(8, "little")
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(data)
    srv = start(spawn, d)
    r = srv.client()
    assert r.keys("*") == [b"kept"]
    log = srv.log_text()
    assert "skipping empty key: set" in log and "skipping empty key: hash_listpack" in log, log
    assert "empty keys skipped: 3" in log, log




@pytest.mark.skipif(not os.path.exists(REFERENCE) or is_reference_redis(), reason="needs Vesper and Redis")
@pytest.mark.parametrize("compression", ["yes", "no"])
def test_files_move_both_ways_with_redis(spawn, compression):
    # Vesper -> Redis
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--rdbcompression", compression)
    r = srv.client()
    fill(r)
    ours = digest(r)
    r.execute_command("SAVE")
    srv.stop()
    proc, ref = run_reference(d)
    try:
        assert ref.execute_command("DEBUG", "DIGEST") == ours
        assert ref.get("bin") == bytes(range(256)) * 3
        # Redis -> Vesper
        ref.set("from-redis", "x" * 300)
        ref.set("int", 99)
        theirs = ref.execute_command("DEBUG", "DIGEST")
        ref.config_set("rdbcompression", compression)
        ref.execute_command("SAVE")
    finally:
        proc.terminate()
        proc.wait(10)
    srv = start(spawn, d)
    assert digest(srv.client()) == theirs


# ---------------------------------------------------------------- DUMP / RESTORE

def test_dump_restore_round_trip_and_options(r):
    r.set("s", "hello")
    r.set("n", 300)
    r.set("long", "z" * 200)
    for k in ("s", "n", "long"):
        payload = r.dump(k)
        assert r.restore(k + "2", 0, payload)
        assert r.get(k + "2") == r.get(k)
    assert r.dump("missing") is None
    payload = r.dump("s")
    with pytest.raises(redis.ResponseError, match="^BUSYKEY Target key name already exists."):
        r.restore("s", 0, payload)
    assert r.restore("s", 5000, payload, replace=True)
    assert 0 < r.pttl("s") <= 5000
    future = int(time.time() * 1000) + 100000
    assert r.restore("abs", future, payload, absttl=True)
    assert 0 < r.pttl("abs") <= 100000
    assert r.restore("past", 1, payload, absttl=True)
    assert r.exists("past") == 0
    with pytest.raises(redis.ResponseError, match="Invalid TTL value, must be >= 0"):
        r.restore("x", -1, payload)
    with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
        r.restore("x", 0, b"garbage")
    with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
        r.restore("x", 0, payload[:-1] + bytes([payload[-1] ^ 1]))
    with pytest.raises(redis.ResponseError, match="Invalid IDLETIME value, must be >= 0"):
        r.execute_command("RESTORE", "x", 0, payload, "IDLETIME", -1)
    with pytest.raises(redis.ResponseError, match=r"Invalid FREQ value, must be >= 0 and <= 255"):
        r.execute_command("RESTORE", "x", 0, payload, "FREQ", 256)
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("RESTORE", "x", 0, payload, "IDLETIME", 1, "FREQ", 2)
    assert r.execute_command("RESTORE", "idle", 0, payload, "IDLETIME", 1000)
    assert r.object("idletime", "idle") >= 1000






def rdb_len(n):
    assert n < 64
    return bytes([n])


def rdb_str(b):
    return rdb_len(len(b)) + b


def listpack(entries):
    """A listpack of short strings (each under 64 bytes), as Redis encodes them."""
    body = b""
    for e in entries:
        enc = bytes([0x80 | len(e)]) + e
        body += enc + bytes([len(enc)])
    total = 6 + len(body) + 1
    return total.to_bytes(4, "little") + len(entries).to_bytes(2, "little") + body + b"\xff"


@pytest.mark.parametrize("body", [
    b"\x02" + rdb_len(2) + rdb_str(b"a") + rdb_str(b"a"),                          # set, repeated member
    b"\x02" + rdb_len(2) + rdb_str(b"1") + rdb_str(b"1"),                          # set of integers, repeated
    b"\x02" + rdb_len(0),                                                         # empty set
    b"\x04" + rdb_len(2) + rdb_str(b"f") + rdb_str(b"1") + rdb_str(b"f") + rdb_str(b"2"),  # hash, repeated field
    b"\x04" + rdb_len(0),                                                         # empty hash
    b"\x10" + rdb_str(listpack([b"f", b"1", b"f", b"2"])),                        # listpack hash, repeated field
    b"\x10" + rdb_str(listpack([b"f", b"1", b"g"])),                              # listpack hash, odd entry count
    b"\x10" + rdb_str(listpack([])),                                              # empty listpack hash
    b"\x0b" + rdb_str(b"\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x03\x00"),      # intset out of order
    b"\x0b" + rdb_str(b"\x02\x00\x00\x00\x00\x00\x00\x00"),                       # empty intset
    b"\x0b" + rdb_str(b"\x02\x00\x00\x00\x09\x00\x00\x00\x05\x00"),                # intset count past its bytes
    b"\x12\x01\x01\x00",                                                          # quicklist plain node of 0 bytes
    b"\x12\x01\x02\x00",                                                          # quicklist packed node of 0 bytes
    b"\x12\x01\x03" + rdb_str(listpack([b"a"])),                                   # unknown node container
    b"\x12\x00",                                                                  # a list of no nodes
    b"\x11" + rdb_str(listpack([b"a", b"2", b"b", b"1"])),                        # listpack zset, scores out of order
    # the fuzzer's find: integer scores 2, 4, then INT64_MIN after them
    b"\x11\x1e\x1e\x00\x00\x00\x06\x00\x01\x01\x02\x01\x03\x01\x04\x01\xf2\xa0\x86\x01\x04"
    b"\xf4\x00\x00\x00\x00\x00\x00\x00\x80\x09\xff",
])
def test_restore_refuses_repeated_members_and_empty_values(r, body):
    # sanitize-dump-payload is "no" by default: Vesper validates anyway
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("x", 0, with_footer(body))
    assert r.exists("x") == 0 and r.ping()


def test_restore_hostile_payloads_get_bad_data_format(r):
    import random
    rng = random.Random(1234)
    r.set("s", "hello" * 30)
    r.sadd("si", *range(20))
    r.sadd("ss", *["m%d" % i for i in range(20)])
    r.hset("hl", mapping={"f%d" % i: "v" * i for i in range(20)})
    r.hset("hh", mapping={"f%d" % i: "v" * 80 for i in range(20)})
    r.rpush("ll", *["e%d" % i for i in range(30)], 12345, -7)
    r.zadd("zl", {"m%d" % i: i / 3 for i in range(20)})
    for k in ("si", "ss", "hl", "hh", "ll", "zl"):
        good = r.dump(k)[:-10]
        for _ in range(300):
            b = bytearray(good)
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            try:
                r.restore("x", 0, with_footer(bytes(b)), replace=True)
                # whatever was accepted is whole: every member reads back and dumps
                if r.type("x") == b"set":
                    assert len(r.smembers("x")) == r.scard("x")
                elif r.type("x") == b"hash":
                    assert len(r.hgetall("x")) == r.hlen("x")
                elif r.type("x") == b"list":
                    assert len(r.lrange("x", 0, -1)) == r.llen("x")
                    assert len(r.lrange("x", 0, -1)[::-1]) == len(r.execute_command("LRANGE", "x", -1000, 1000))
                elif r.type("x") == b"zset":
                    assert len(r.zrange("x", 0, -1)) == r.zcard("x")
                r.dump("x")
            except redis.ResponseError as e:
                assert "Bad data format" in str(e)
    good = r.dump("s")[:-10]
    r.delete("x")
    for body in [b"", b"\x00", b"\x00\x80\xff\xff\xff\xff", b"\x00\x81" + b"\xff" * 8, b"\x00\xc3\x05\x0a",
                 b"\x00\xc3\x80\x00\x01\x00\x00\x80\x00\x01\x00\x00", b"\x63\x00", b"\x00\xc4"]:
        with pytest.raises(redis.ResponseError, match="Bad data format"):
            r.restore("x", 0, with_footer(body))
    for _ in range(300):
        b = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        try:
            r.restore("x", 0, with_footer(bytes(b)), replace=True)
        except redis.ResponseError as e:
            assert "Bad data format" in str(e)
    with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
        r.restore("x", 0, with_footer(good, version=11), replace=True)
    assert r.ping()


@pytest.mark.skipif(not os.path.exists(REFERENCE) or is_reference_redis(), reason="needs Vesper and Redis")
def test_dump_payloads_are_redis_identical(r):
    d = tempfile.mkdtemp(prefix="vesper-dump-")
    proc, ref = run_reference(d)
    try:
        for value in (b"hello", b"300", b"-1", b"12345678901234", b"z" * 200, bytes(range(256))):
            r.set("k", value)
            ref.set("k", value)
            assert r.dump("k") == ref.dump("k"), value
            assert ref.restore("k2", 0, r.dump("k"), replace=True)
            assert r.restore("k2", 0, ref.dump("k"), replace=True)
            assert ref.get("k2") == value and r.get("k2") == value
        for c in (r, ref):
            c.delete("si", "hl")
            c.sadd("si", 5, -300, 70000, 2 ** 40)
            c.hset("hl", mapping={"f": "v", "n": 123, "big": 2 ** 50, "s": "x" * 40})
        for k in ("si", "hl"):
            assert r.dump(k) == ref.dump(k), k
            assert r.restore(k + "2", 0, ref.dump(k), replace=True)
        assert r.smembers("si2") == ref.smembers("si") and r.hgetall("hl2") == ref.hgetall("hl")
    finally:
        proc.terminate()
        proc.wait(10)


# ---------------------------------------------------------------- children and loading

def test_flushall_kills_a_running_bgsave(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--rdb-key-save-delay", "1000")
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 3000)
    r.bgsave()
    assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
    r.flushall()
    deadline = time.time() + 2
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        assert time.time() < deadline, "FLUSHALL did not stop the BGSAVE"
        time.sleep(0.05)
    info = r.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"          # our own kill is not a failure
    assert info["rdb_changes_since_last_save"] >= 3000       # nothing was saved
    r.set("x", 1)


def test_flushall_with_save_points_saves_the_empty_dataset(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--save", "3600 1")
    r = srv.client()
    r.set("k", "v")
    r.flushall()
    # Regression (fixed) (keycmds.c): FLUSHALL counted itself after the save (1);
    # Redis 7.0.15 leaves the count the save reset at 0 and forces propagation
    assert r.info("persistence")["rdb_changes_since_last_save"] == 0
    srv.stop(signal.SIGKILL)
    srv = start(spawn, d, "--save", "3600 1")
    assert srv.client().dbsize() == 0


def test_child_reports_progress_and_copy_on_write(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--rdb-key-save-delay", "300")
    r = srv.client()
    for i in range(0, 8000, 500):
        r.mset({"key%d" % j: "A" * 500 for j in range(i, i + 500)})
    r.bgsave()
    info = r.info("persistence")
    assert info["current_save_keys_total"] == 8000
    deadline = time.time() + 10
    key = 0
    while True:
        for _ in range(16):
            r.setrange("key%d" % key, 0, "B" * 500)                # copy-on-write in the child
            key += 1
        info = r.info("persistence")
        if info["current_cow_size"] > 0 and info["current_save_keys_processed"] > 0 and \
                info["current_fork_perc"] > 0:
            break
        assert info["rdb_bgsave_in_progress"] == 1 and time.time() < deadline, info
        time.sleep(0.2)
    assert info["current_save_keys_processed"] <= 8000
    r.config_set("rdb-key-save-delay", 0)
    wait_bgsave(r, 30)
    info = r.info("persistence")
    assert info["current_save_keys_total"] == 0 and info["rdb_last_cow_size"] > 0


def test_loading_fields_and_clients_freed_while_loading(spawn):
    d = tempfile.mkdtemp(prefix="vesper-rdb-")
    srv = start(spawn, d, "--rdbcompression", "no")
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 20000, "key", 1000)
    r.execute_command("SAVE")
    srv.stop()
    srv = spawn("--dir", d, "--enable-debug-command", "yes", "--key-load-delay", "200",
                "--loading-process-events-interval-bytes", "1024", wait=False)
    r = redis.Redis(port=srv.port, socket_timeout=10)
    deadline = time.time() + 10
    while True:
        try:
            info = r.info("persistence")
            break
        except redis.ConnectionError:
            assert time.time() < deadline
            time.sleep(0.02)
    assert info["loading"] == 1
    assert info["loading_total_bytes"] > 20000 * 1000
    assert 0 <= info["loading_loaded_perc"] <= 100
    with pytest.raises(redis.BusyLoadingError):
        r.get("key:1")
    clients = [redis.Redis(port=srv.port) for _ in range(5)]
    for c in clients:
        c.execute_command("DEBUG", "LOG", "hello")             # allowed while loading
        c.connection_pool.disconnect()
    deadline = time.time() + 5
    while r.info("clients")["connected_clients"] > 2:
        assert time.time() < deadline, "clients that left were not freed while loading"
        time.sleep(0.1)
    assert r.info("persistence")["loading"] == 1
