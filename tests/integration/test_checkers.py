"""The file checkers, vesper-check-rdb and vesper-check-aof (the server binary under
those names): valid files written by Vesper and by redis-server 7.0.15, truncated
and damaged files, --fix with its confirmation, --truncate-to-timestamp, manifests,
hostile input (never a crash, never an allocation of an announced size), the
messages Redis's tests grep for and the exit codes.

Against the reference (VESPER_SERVER=/usr/bin/redis-server) the same tests run
Redis's redis-check-rdb / redis-check-aof; the few where Vesper's tools do better
than Redis's (see src/persist/check.h) are skipped there."""
import os
import random
import resource
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import SANITIZER_MARKERS, SERVER_BIN, is_reference_redis, run_reference, wait_rewrite

REFERENCE = "/usr/bin/redis-server"
REF_CHECK = {"aof": "/usr/bin/redis-check-aof", "rdb": "/usr/bin/redis-check-rdb"}
vesper_only = pytest.mark.skipif(is_reference_redis(), reason="Vesper's checkers go beyond Redis's here")
SANITIZED = "san" in os.path.basename(os.path.dirname(SERVER_BIN)) or "ASAN_OPTIONS" in os.environ

_links = {}


def tool_path(tool):
    """The checker under test: Redis's tool for the reference server, else the
    server binary under the name vesper-check-<tool> (build/ has the links; a
    temporary link is made for a binary elsewhere)."""
    if is_reference_redis():
        return REF_CHECK[tool]
    path = os.path.join(os.path.dirname(SERVER_BIN), "vesper-check-" + tool)
    if os.path.exists(path):
        return path
    if tool not in _links:
        d = tempfile.mkdtemp(prefix="vesper-checkers-")
        _links[tool] = os.path.join(d, "vesper-check-" + tool)
        os.symlink(SERVER_BIN, _links[tool])
    return _links[tool]


def limit_memory():
    # 1 GB of address space: a checker allocating what a hostile file announces fails
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run(tool, *args, stdin=b"", cwd=None, limit=True, timeout=60):
    """Runs a checker; returns (exit code, stdout + stderr as text)."""
    p = subprocess.run([tool_path(tool), *[str(a) for a in args]], input=stdin, capture_output=True, cwd=cwd,
                       timeout=timeout, preexec_fn=limit_memory if limit else None)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    for marker in SANITIZER_MARKERS:
        assert marker not in out, out
    return p.returncode, out


def check_rdb(path, **kw):
    return run("rdb", path, **kw)


def check_aof(*args, **kw):
    return run("aof", *args, **kw)


# ---------------------------------------------------------------------------
# building files

def enc_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < (1 << 32):
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def enc_str(b):
    if isinstance(b, str):
        b = b.encode()
    return enc_len(len(b)) + b


def rdb_file(body, version=10, checksum=b"\0" * 8):
    """An RDB: header, an aux field, db 0, body, EOF and a checksum (zero: disabled)."""
    return (b"REDIS%04d" % version + b"\xfa" + enc_str("redis-ver") + enc_str("7.0.15") + b"\xfe\x00" + body +
            b"\xff" + checksum)


def string_key(k, v):
    return b"\x00" + enc_str(k) + enc_str(v)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def aof_dir(files, manifest=None):
    """A directory with appendonlydir/ holding files {name: bytes} and a manifest
    (lines), as the Redis tests build them; returns (dir, manifest path)."""
    d = tempfile.mkdtemp(prefix="vesper-check-")
    ad = os.path.join(d, "appendonlydir")
    os.mkdir(ad)
    for name, data in files.items():
        write(os.path.join(ad, name), data)
    if manifest is None:
        manifest = []
        if "appendonly.aof.1.base.aof" in files:
            manifest.append("file appendonly.aof.1.base.aof seq 1 type b")
        manifest.append("file appendonly.aof.1.incr.aof seq 1 type i")
    mpath = os.path.join(ad, "appendonly.aof.manifest")
    write(mpath, "".join(line + "\n" for line in manifest).encode())
    return d, mpath


def incr_path(d):
    return os.path.join(d, "appendonlydir", "appendonly.aof.1.incr.aof")


def load_with_server(spawn, d, *extra):
    """Starts a server on d's AOF with aof-load-truncated no; returns a client."""
    srv = spawn("--dir", d, "--appendonly", "yes", "--aof-load-truncated", "no", *extra)
    return srv.client()


def fill(r):
    r.set("s", "hello")
    r.set("n", 12345)
    r.set("big", "x" * 5000)
    r.set("ttl", "v", px=600000)
    r.sadd("set", "a", "b", 1, 2)
    r.sadd("iset", *range(100))
    r.hset("h", mapping={"f%d" % i: "v" * (i % 70) for i in range(200)})
    r.hset("hs", mapping={"a": 1, "b": "x"})
    r.zadd("z", {"a": 1.5, "b": -2, "c": float("inf")})
    r.zadd("zbig", {"m%d" % i: i / 7 for i in range(300)})
    p = r.pipeline(transaction=True)
    p.set("tx", 1)
    p.incr("tx")
    p.execute()
    r.execute_command("SELECT", 3)
    r.set("in3", "three")
    r.execute_command("SELECT", 0)


KEYS_FILLED = 12   # keys fill() leaves (11 in db 0, 1 in db 3)






# ---------------------------------------------------------------------------
# vesper-check-rdb

def test_rdb_written_by_the_server_looks_ok(spawn):
    srv = spawn("--enable-debug-command", "yes")
    r = srv.client()
    fill(r)
    r.save()
    code, out = check_rdb(os.path.join(srv.dir, "dump.rdb"))
    assert code == 0, out
    assert out.startswith("[offset 0] Checking RDB file ")
    assert "AUX FIELD redis-ver = '7.0.15'" in out
    assert "Selecting DB ID 0" in out and "Selecting DB ID 3" in out
    assert "] Checksum OK" in out
    assert "\\o/ RDB looks OK! \\o/" in out
    assert out.endswith("[info] %d keys read\n[info] 1 expires\n[info] 0 already expired\n" % KEYS_FILLED), out


@pytest.mark.skipif(not os.path.exists(REFERENCE), reason="needs redis-server 7.0.15")
def test_rdb_written_by_redis_looks_ok_and_reads_as_redis_tool_says():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    proc, ref = run_reference(d)
    try:
        fill(ref)
        ref.rpush("list", *["e%d" % i for i in range(300)])
        ref.rpush("plain", "p" * 10000)              # a plain quicklist node
        ref.rpush("short", "a", "b", 1)
        for i in range(50):
            ref.xadd("stream", {"f": i, "g": "v%d" % i})
        ref.xgroup_create("stream", "g1", id="0")
        ref.xreadgroup("g1", "alice", {"stream": ">"}, count=5)
        ref.xadd("emptied", {"a": 1})
        ref.xtrim("emptied", 0)
        ref.function_load("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        ref.save()
    finally:
        proc.terminate()
        proc.wait(10)
    path = os.path.join(d, "dump.rdb")
    code, out = check_rdb(path)
    assert code == 0, out
    assert "\\o/ RDB looks OK! \\o/" in out and "[info] %d keys read" % (KEYS_FILLED + 5) in out
    if os.path.exists(REF_CHECK["rdb"]):
        theirs = subprocess.run([REF_CHECK["rdb"], path], capture_output=True).stdout.decode()
        assert out == theirs


def test_rdb_truncated_anywhere_is_an_error(spawn):
    srv = spawn()
    r = srv.client()
    r.set("a", "1")
    r.sadd("s", "x", "y")
    r.hset("h", "f", "v")
    r.zadd("z", {"m": 1})
    r.save()
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    d = tempfile.mkdtemp(prefix="vesper-check-")
    path = os.path.join(d, "cut.rdb")
    for n in range(len(data)):
        write(path, data[:n])
        code, out = check_rdb(path)
        assert code == 1, (n, out)
        assert "--- RDB ERROR DETECTED ---" in out, (n, out)
        if n >= 9 and not is_reference_redis():   # Redis names the loader's read instead
            assert "Unexpected EOF reading RDB file" in out, (n, out)


def test_rdb_damaged_header_checksum_and_types():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    ok = rdb_file(string_key("k", "v"))
    code, out = check_rdb(write(os.path.join(d, "ok.rdb"), ok))
    assert code == 0 and "RDB file was saved with checksum disabled: no check performed." in out, out
    code, out = check_rdb(write(os.path.join(d, "crc.rdb"), ok[:-8] + b"\x01" * 8))
    assert code == 1 and "RDB CRC error" in out and "While doing: check-sum" in out, out
    code, out = check_rdb(write(os.path.join(d, "sig.rdb"), b"RAVEN0010" + ok[9:]))
    assert code == 1 and "[offset 9] Wrong signature trying to load DB from file" in out, out
    code, out = check_rdb(write(os.path.join(d, "ver.rdb"), b"REDIS0011" + ok[9:]))
    assert code == 1 and "Can't handle RDB format version 11" in out, out
    code, out = check_rdb(write(os.path.join(d, "type.rdb"), rdb_file(b"\x08" + enc_str("k") + enc_str("v"))))
    assert code == 1 and "Invalid object type: 8" in out, out
    # a damaged value: an intset whose header announces more members than it holds
    intset = struct.pack("<II", 2, 5) + struct.pack("<hh", 1, 2)
    code, out = check_rdb(write(os.path.join(d, "intset.rdb"), rdb_file(b"\x0b" + enc_str("is") + enc_str(intset))))
    assert code == 1 and "--- RDB ERROR DETECTED ---" in out, out
    assert "Reading key 'is'" in out and "Reading type 11 (set-intset)" in out, out
    assert "While doing: read-object-value" in out, out
    # an empty file, a missing one
    code, out = check_rdb(write(os.path.join(d, "empty.rdb"), b""))
    assert code == 1 and "Unexpected EOF reading RDB file" in out, out
    code, out = check_rdb(os.path.join(d, "missing.rdb"))
    assert code == 1, out


def test_rdb_usage_and_version():
    p = subprocess.run([tool_path("rdb")], capture_output=True)
    assert p.returncode == 1 and b"Usage: " in p.stderr and b"<rdb-file-name>" in p.stderr
    p = subprocess.run([tool_path("rdb"), "a", "b"], capture_output=True)
    assert p.returncode == 1
    p = subprocess.run([tool_path("rdb"), "-v"], capture_output=True)
    assert p.returncode == 0 and b"7.0.15" in p.stdout


def test_rdb_module_values_functions_and_expires():
    # what Redis's tool walks without the modules: MODULE_AUX and MODULE_2 values
    # (typed items up to EOF), function libraries, and second/millisecond expires
    items = b"\x02" + enc_len(7) + b"\x05" + enc_str("str") + b"\x04" + b"\0" * 8 + b"\x03" + b"\0" * 4 + b"\x00"
    body = (b"\xf7" + enc_len(12345 << 10) + b"\x02" + b"\x02" + items +
            b"\xf5" + enc_str("#!lua name=lib\nredis.register_function('f', function() return 1 end)") +
            b"\x07" + enc_str("mod") + enc_len(12345 << 10) + items +
            b"\xfc" + struct.pack("<q", 1000) + string_key("old", "v") +
            b"\xfd" + struct.pack("<i", 2000000000) + string_key("later", "v"))
    d = tempfile.mkdtemp(prefix="vesper-check-")
    code, out = check_rdb(write(os.path.join(d, "m.rdb"), rdb_file(body)))
    assert code == 0, out
    assert "MODULE AUX for: " in out
    assert "[info] 3 keys read\n[info] 2 expires\n[info] 1 already expired" in out, out
    if not is_reference_redis():          # Redis's tool skips unknown opcodes and reads on
        bad = body.replace(b"\x05" + enc_str("str"), b"\x09" + enc_str("str"))
        code, out = check_rdb(write(os.path.join(d, "m2.rdb"), rdb_file(bad)))
        assert code == 1 and "Unknown opcode 9 in module" in out, out


@vesper_only
def test_rdb_hostile_sizes_are_never_allocated():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    cases = {
        "key": b"\x00" + enc_len(1 << 62) + b"abc",                    # a 4 EB key name
        "value": b"\x00" + enc_str("k") + enc_len((1 << 40) - 1) + b"abc",
        "set": b"\x02" + enc_str("s") + enc_len(1 << 62) + enc_str("m"),  # 2^62 members announced
        "zset": b"\x05" + enc_str("z") + enc_len(1 << 62) + enc_str("m") + b"\0" * 8,
        "hash": b"\x04" + enc_str("h") + enc_len(1 << 62) + enc_str("f") + enc_str("v"),
        "list": b"\x12" + enc_str("l") + enc_len(1 << 62) + b"\x02" + enc_str(b"\x00" * 3),
        "stream": b"\x13" + enc_str("x") + enc_len(1 << 62),
        "lzf": b"\x00" + enc_str("k") + b"\xc3" + enc_len(4) + enc_len((1 << 32) - 1) + b"abcd",
        "aux": b"\xfa" + enc_len(1 << 50) + b"x",
    }
    for name, body in cases.items():
        code, out = check_rdb(write(os.path.join(d, name + ".rdb"), rdb_file(body)))
        assert code == 1 and "--- RDB ERROR DETECTED ---" in out, (name, out)
        assert "crash" not in out, (name, out)


@vesper_only
def test_rdb_duplicates_and_empty_values_as_loading_sees_them():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    code, out = check_rdb(write(os.path.join(d, "dup.rdb"), rdb_file(string_key("k", "1") + string_key("k", "2"))))
    assert code == 1 and "RDB has duplicated key in DB 0" in out and "Reading key 'k'" in out, out
    # the same name in two databases is fine
    code, out = check_rdb(write(os.path.join(d, "two.rdb"),
                                rdb_file(string_key("k", "1") + b"\xfe\x01" + string_key("k", "2"))))
    assert code == 0, out
    # an empty set: loading skips it; the checker says so and goes on
    code, out = check_rdb(write(os.path.join(d, "empty.rdb"), rdb_file(b"\x02" + enc_str("e") + enc_len(0))))
    assert code == 0 and "Empty value for key 'e'" in out, out
    # binary key names are printed escaped
    code, out = check_rdb(write(os.path.join(d, "bin.rdb"), rdb_file(b"\x02" + enc_str(b"a\x01\n") + b"\xc0")))
    assert code == 1 and "Reading key 'a\\x01\\x0a'" in out, out


@vesper_only
def test_rdb_random_damage_never_crashes(spawn):
    srv = spawn()
    r = srv.client()
    fill(r)
    r.save()
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        good = f.read()
    rng = random.Random(7)
    d = tempfile.mkdtemp(prefix="vesper-check-")
    path = os.path.join(d, "fuzz.rdb")
    for _ in range(150):
        b = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            if rng.random() < 0.7:
                b[i] = rng.randrange(256)
            else:
                b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
        write(path, bytes(b))
        code, out = check_rdb(path)
        assert code in (0, 1), out
        assert ("RDB looks OK" in out) == (code == 0) and ("RDB ERROR DETECTED" in out) == (code == 1), out
        assert "crash" not in out, out


# ---------------------------------------------------------------------------
# vesper-check-aof: the cases of Redis's integration/aof.tcl

def test_aof_short_read_is_not_valid_and_fix_truncates_it(spawn):
    d, manifest = aof_dir({"appendonly.aof.1.incr.aof": cmd("set", "foo", "hello") + cmd("set", "bar", "world")[:-1]})
    code, out = check_aof(manifest)
    assert code == 1 and "not valid" in out, out
    assert "Start checking Multi Part AOF" in out
    assert "0x              3b: Expected to read 7 bytes, got 6 bytes" in out, out
    assert ("AOF analyzed: filename=appendonly.aof.1.incr.aof, size=65, ok_up_to=33, ok_up_to_line=14, diff=32"
            in out), out
    # abnormal line: the first line after the good command
    write(incr_path(d), cmd("set", "foo", "hello") + b"!!!")
    code, out = check_aof(manifest)
    assert code == 1 and "ok_up_to_line=8" in out and "AOF appendonly.aof.1.incr.aof format error" in out, out
    # --fix asks first: anything but y leaves the file alone
    code, out = check_aof("--fix", manifest, stdin=b"n\n")
    assert code == 1 and "Continue? [y/N]: Aborting..." in out, out
    assert os.path.getsize(incr_path(d)) == 36
    code, out = check_aof("--fix", manifest, stdin=b"")
    assert code == 1 and "Aborting..." in out, out
    code, out = check_aof("--fix", manifest, stdin=b"y\n")
    assert code == 0, out
    assert "This will shrink the AOF appendonly.aof.1.incr.aof from 36 bytes, with 3 bytes, to 33 bytes" in out
    assert "Successfully truncated AOF appendonly.aof.1.incr.aof" in out
    assert "All AOF files and manifest are valid" in out
    assert os.path.getsize(incr_path(d)) == 33
    code, out = check_aof(manifest)
    assert code == 0 and "INCR AOF appendonly.aof.1.incr.aof is valid" in out, out
    r = load_with_server(spawn, d)
    assert r.get("foo") == b"hello" and r.get("bar") is None


def test_aof_old_style_files():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    path = write(os.path.join(d, "appendonly.aof"), cmd("set", "foo", "hello") + cmd("set", "bar", "world"))
    code, out = check_aof(path)
    assert code == 0, out
    assert out == ("Start checking Old-Style AOF\n"
                   "AOF analyzed: filename=%s, size=66, ok_up_to=66, ok_up_to_line=15, diff=0\n"
                   "AOF %s is valid\n" % (path, path))
    empty = write(os.path.join(d, "empty.aof"), b"")
    code, out = check_aof(empty)
    assert code == 0 and "AOF %s is empty" % empty in out, out


def test_aof_rdb_preamble_files(spawn):
    # an old single file with an RDB preamble, and a manifest with that file as base
    srv = spawn()
    r = srv.client()
    r.set("k", "v")
    r.sadd("s", "m")
    r.save()
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        rdb = f.read()
    d = tempfile.mkdtemp(prefix="vesper-check-")
    path = write(os.path.join(d, "preamble.aof"), rdb + cmd("set", "tail", "1"))
    code, out = check_aof(path)
    assert code == 0, out
    assert "Start checking Old-Style AOF\n[offset 0] Checking RDB file %s\n" % path in out
    assert "RDB preamble is OK, proceeding with AOF tail...\n" in out and "AOF %s is valid" % path in out
    assert "ok_up_to=%d, ok_up_to_line=8, diff=0" % (len(rdb) + len(cmd("set", "tail", "1"))) in out, out
    d, manifest = aof_dir({"appendonly.aof.1.base.aof": rdb + cmd("set", "tail", "1"),
                           "appendonly.aof.1.incr.aof": cmd("set", "foo", "hello")})
    code, out = check_aof(manifest)
    assert code == 0, out
    for text in ("Start checking Multi Part AOF", "Start to check BASE AOF (RDB format)",
                 "RDB preamble is OK, proceeding with AOF tail", "BASE AOF appendonly.aof.1.base.aof is valid",
                 "Start to check INCR files", "INCR AOF appendonly.aof.1.incr.aof is valid",
                 "All AOF files and manifest are valid"):
        assert text in out, (text, out)
    # a damaged preamble cannot be fixed
    write(os.path.join(d, "appendonlydir", "appendonly.aof.1.base.aof"), rdb[:40])
    code, out = check_aof("--fix", manifest, stdin=b"y\n")
    assert code == 1 and "RDB preamble of AOF file is not sane, aborting." in out, out


def test_aof_multi_part_resp_base():
    d, manifest = aof_dir({"appendonly.aof.1.base.aof": cmd("set", "foo", "hello") + cmd("set", "bar", "world"),
                           "appendonly.aof.1.incr.aof": cmd("set", "foo", "hello") + cmd("set", "bar", "world")})
    code, out = check_aof(manifest)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "Start checking Multi Part AOF"
    assert lines[1] == "Start to check BASE AOF (RESP format)."
    assert lines[3] == "BASE AOF appendonly.aof.1.base.aof is valid"
    assert lines[4] == "Start to check INCR files."
    assert lines[6] == "INCR AOF appendonly.aof.1.incr.aof is valid"
    assert lines[7] == "All AOF files and manifest are valid"


def test_aof_only_the_last_file_is_truncated():
    d, manifest = aof_dir({"appendonly.aof.1.base.aof": cmd("set", "foo", "hello") + cmd("multi") +
                           cmd("set", "bar", "world"),
                           "appendonly.aof.1.incr.aof": cmd("set", "foo", "hello") + cmd("set", "bar", "world")})
    code, out = check_aof(manifest)
    assert code == 1 and "not valid" in out and "Reached EOF before reading EXEC for MULTI" in out, out
    code, out = check_aof("--fix", manifest, stdin=b"y\n")
    assert code == 1, out
    assert "Failed to truncate AOF appendonly.aof.1.base.aof because it is not the last file" in out, out
    base = os.path.join(d, "appendonlydir", "appendonly.aof.1.base.aof")
    assert os.path.getsize(base) == 33 + 15 + 33          # untouched


TS_FILE = (b"#TS:1628217470\r\n" + cmd("set", "foo1", "bar1") + b"#TS:1628217471\r\n" + cmd("set", "foo2", "bar2") +
           b"#TS:1628217472\r\n#TS:1628217473\r\n" + cmd("set", "foo3", "bar3") + b"#TS:1628217474\r\n")


def test_aof_truncate_to_timestamp(spawn):
    d, manifest = aof_dir({"appendonly.aof.1.incr.aof": TS_FILE})
    code, out = check_aof("--truncate-to-timestamp", 1628217473, manifest)
    assert code == 0, out
    assert "Successfully truncated AOF appendonly.aof.1.incr.aof to timestamp 1628217473" in out, out
    with open(incr_path(d), "rb") as f:
        assert f.read() == TS_FILE[:-len(b"#TS:1628217474\r\n")]
    code, out = check_aof("--truncate-to-timestamp", 1628217473, manifest)
    assert code == 0 and "Truncate nothing in AOF appendonly.aof.1.incr.aof to timestamp 1628217473" in out, out
    code, out = check_aof("--truncate-to-timestamp", 1628217471, manifest)
    assert code == 0, out
    code, out = check_aof("--truncate-to-timestamp", 1628217469, manifest)
    assert code == 1 and "has nothing before timestamp 1628217469, aborting..." in out, out
    code, out = check_aof("--truncate-to-timestamp", "16282x", manifest)
    assert code == 1 and out == "Invalid timestamp, aborting...\n", out
    r = load_with_server(spawn, d)
    assert (r.get("foo1"), r.get("foo2"), r.get("foo3")) == (b"bar1", b"bar2", None)
    # not the last file
    d, manifest = aof_dir({"appendonly.aof.1.base.aof": TS_FILE,
                           "appendonly.aof.1.incr.aof": cmd("set", "foo", "hello")})
    code, out = check_aof("--truncate-to-timestamp", 1628217473, manifest)
    assert code == 1, out
    assert "Failed to truncate AOF" in out and "to timestamp 1628217473" in out, out
    assert "because it is not the last file" in out, out
    # a malformed timestamp annotation
    d, manifest = aof_dir({"appendonly.aof.1.incr.aof": b"#TS:12ab\r\n" + cmd("set", "a", "b")})
    code, out = check_aof("--truncate-to-timestamp", 5, manifest)
    assert code == 1 and "Invalid timestamp annotation" in out, out


def test_aof_multi_exec_balance():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    good = cmd("set", "a", "1")
    cases = {
        "open": (good + cmd("MULTI") + cmd("set", "b", "2"), 27, "Reached EOF before reading EXEC for MULTI"),
        "nested": (good + cmd("multi") + cmd("multi"), 27, "Unexpected MULTI in AOF"),
        "exec": (good + cmd("exec"), 27, "Unexpected EXEC in AOF"),
    }
    for name, (data, ok_up_to, why) in cases.items():
        path = write(os.path.join(d, name + ".aof"), data)
        code, out = check_aof(path)
        assert code == 1 and why in out and "ok_up_to=%d," % ok_up_to in out, (name, out)
    path = write(os.path.join(d, "whole.aof"), good + cmd("multi") + cmd("set", "b", "2") + cmd("exec"))
    code, out = check_aof(path)
    assert code == 0, out


@pytest.mark.parametrize("tail", [
    b"!!!\r\n",                                           # not a command
    b"*2\r\n$3\r\nGET\r\n+foo\r\n",                       # not a bulk header
    b"*1\r\n$-5\r\n",                                     # negative length
    b"*1\r\n$abc\r\n",                                    # not a number
    b"*1\r\n$3\r\nSETxx",                                 # CRLF missing after an argument
    b"*" + b"9" * 2000 + b"\r\n",                         # header line far too long
    b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$2\r\n9",          # cut inside the last argument
])
def test_aof_what_loading_refuses_is_not_valid_and_fix_makes_it_load(spawn, tail):
    d, manifest = aof_dir({"appendonly.aof.1.incr.aof": cmd("set", "foo", "5") + tail})
    code, out = check_aof(manifest)
    assert code == 1 and "ok_up_to=29," in out and "is not valid. Use the --fix option" in out, out
    code, out = check_aof("--fix", manifest, stdin=b"y\n")
    assert code == 0 and "Successfully truncated AOF" in out, out
    assert load_with_server(spawn, d).get("foo") == b"5"


@vesper_only
@pytest.mark.parametrize("tail,why", [
    (b"*0\r\n", "Expected 1 to 2147483648 arguments, got 0"),
    (b"*-3\r\n", "Expected 1 to 2147483648 arguments, got -3"),
    (b"*99999999999999999999\r\n", "Expected an integer after '*'"),
    (b"*01\r\n$3\r\nGET\r\n", "Expected an integer after '*', got: '01'"),
    (b"#TS:123", "an annotation is cut short"),
    (b"*2\r\n$3\r\nGET\r\n", "Expected prefix '$', got: end of file"),
])
def test_aof_stricter_than_redis_where_loading_is(spawn, tail, why):
    d, manifest = aof_dir({"appendonly.aof.1.incr.aof": cmd("set", "foo", "5") + tail})
    code, out = check_aof(manifest)
    assert code == 1 and why in out and "ok_up_to=29," in out, out
    srv_failed = False
    try:
        load_with_server(spawn, d)
    except RuntimeError:
        srv_failed = True                                   # loading refuses it too
    assert srv_failed


def test_aof_written_by_the_server_is_valid(spawn):
    for preamble in ("yes", "no"):
        d = tempfile.mkdtemp(prefix="vesper-check-")
        srv = spawn("--dir", d, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                    "--aof-timestamp-enabled", "yes")
        r = srv.client()
        fill(r)
        r.bgrewriteaof()
        wait_rewrite(r)
        r.set("after", "rewrite")
        r.expire("after", 1000)
        p = r.pipeline(transaction=True)
        p.incr("counter")
        p.sadd("set", "late")
        p.execute()
        srv.stop()
        manifest = os.path.join(d, "appendonlydir", "appendonly.aof.manifest")
        code, out = check_aof(manifest)
        assert code == 0, out
        assert "Start to check BASE AOF (%s format)." % ("RDB" if preamble == "yes" else "RESP") in out
        assert "All AOF files and manifest are valid" in out


@pytest.mark.skipif(not os.path.exists(REFERENCE), reason="needs redis-server 7.0.15")
def test_aof_written_by_redis_is_valid():
    for preamble in ("yes", "no"):
        d = tempfile.mkdtemp(prefix="vesper-check-")
        proc, ref = run_reference(d, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                                  "--aof-timestamp-enabled", "yes")
        try:
            fill(ref)
            ref.rpush("list", *range(200))
            ref.xadd("stream", {"a": 1})
            ref.bgrewriteaof()
            wait_rewrite(ref)
            ref.set("after", "rewrite")
            ref.lpush("list", "late")
        finally:
            proc.terminate()
            proc.wait(10)
        code, out = check_aof(os.path.join(d, "appendonlydir", "appendonly.aof.manifest"))
        assert code == 0, out
        assert "All AOF files and manifest are valid" in out


def test_aof_manifest_problems():
    d, manifest = aof_dir({"appendonly.aof.1.incr.aof": cmd("set", "a", "b")},
                          manifest=["file appendonly.aof.1.incr.aof seq 1 type x"])
    code, out = check_aof(manifest)
    assert code == 1 and "FATAL AOF MANIFEST FILE ERROR" in out and "Unknown AOF file type" in out, out
    assert ">>> 'file appendonly.aof.1.incr.aof seq 1 type x'" in out
    d, manifest = aof_dir({}, manifest=["file missing.aof seq 1 type i"])
    code, out = check_aof(manifest)
    assert code == 1 and "Cannot open file" in out and "missing.aof" in out, out
    d, manifest = aof_dir({}, manifest=["file missing.rdb seq 1 type b"])
    code, out = check_aof(manifest)
    assert code == 1 and "Cannot open file" in out, out


def test_aof_usage_and_exit_codes():
    code, out = check_aof()
    assert code == 1 and "Usage: " in out and "[--fix|--truncate-to-timestamp $timestamp] " \
        "<file.manifest|file.aof>" in out, out
    code, out = check_aof("--bogus", "x")
    assert code == 1 and "Usage: " in out, out
    code, out = check_aof("--fix", "a", "b", "c")
    assert code == 1 and "Usage: " in out, out
    code, out = check_aof("/nonexistent/file.aof")
    assert code == 1 and "Cannot open file /nonexistent/file.aof: No such file or directory" in out, out


@vesper_only
def test_aof_hostile_input_never_crashes_or_allocates():
    d = tempfile.mkdtemp(prefix="vesper-check-")
    path = write(os.path.join(d, "huge.aof"), cmd("set", "a", "b") + b"*1\r\n$1099511627776\r\nabc")
    code, out = check_aof(path)
    assert code == 1 and "Expected to read 1099511627778 bytes, got 3 bytes" in out, out
    path = write(os.path.join(d, "argc.aof"), b"*2147483648\r\n" + b"$1\r\na\r\n" * 10)
    code, out = check_aof(path)
    assert code == 1 and "Expected prefix '$', got: end of file" in out, out
    # a RESP file holding an argument "file..." is not mistaken for a manifest
    path = write(os.path.join(d, "file.aof"), cmd("set", "file", "x"))
    code, out = check_aof(path)
    assert code == 0 and "Start checking Old-Style AOF" in out, out
    # random damage, with and without --fix and timestamps
    rng = random.Random(11)
    good = TS_FILE + cmd("multi") + cmd("sadd", "s", "m") + cmd("exec")
    for i in range(120):
        b = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        path = write(os.path.join(d, "fuzz.aof"), bytes(b))
        args = rng.choice([[], ["--fix"], ["--truncate-to-timestamp", "1628217471"]])
        code, out = check_aof(*args, path, stdin=b"y\n")
        assert code in (0, 1), out
        if code == 0 and args == ["--fix"]:
            code, out = check_aof(path)                      # a fixed file is valid
            assert code == 0, out
