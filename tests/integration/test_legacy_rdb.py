"""The RDB files of Redis 7.0.15's tests/assets, loaded by the server under test
and compared with what redis-server 7.0.15 reports for the same file.

The files hold the encodings of older Redis versions: hashes as zipmaps (2.4) and
ziplists, sorted sets as ziplists, lists as plain lists, ziplists and quicklists of
ziplists (3.2 to 6.2), intsets; plus the empty values that old bugs wrote and a
damaged ziplist. They are never copied into this repository: the source tree is
found as tests/conformance/run.sh finds it ($REDIS_SRC, then the helper
/work/shared/tools/redis-source, which prints the path, then the cache
$REDIS_SRC_CACHE/redis-7.0.15, default /tmp/redis-src-cache), and every test skips
when there is none. Each server loads its own copy of a file in a fresh directory.

For each loadable file, with default limits and with limits of 1 (so every value
converts on load), with sanitize-dump-payload no and yes: every database's keys,
and per key TYPE, OBJECT ENCODING, DEBUG DIGEST-VALUE, PTTL and the whole value
(GET, LRANGE, SMEMBERS, HGETALL, ZRANGE WITHSCORES); after DEBUG RELOAD (the values
saved in today's encodings and loaded back) the answers stay the same. The
reference is /usr/bin/redis-server when it exists and the tests do not already run
against Redis; without it, keys, types and encodings are checked against the table
below (which the reference runs confirm).

corrupt_empty_keys.rdb must load with its nine empty values skipped, each logged
("skipping empty key: <name>") and counted ("empty keys skipped: 9"), as Redis logs
them; corrupt_ziplist.rdb must be refused with exit code 1 and the reason (a hash
ziplist that fails its integrity check, and the key), never a crash.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import free_port, is_reference_redis, ping

REFERENCE = "/usr/bin/redis-server"
USE_REFERENCE = os.path.exists(REFERENCE) and not is_reference_redis()
REDIS_SOURCE_TOOL = "/work/shared/tools/redis-source"

# What each loadable file holds with default limits: key -> (type, encoding), database 0.
EXPECTED = {
    "hash-zipmap.rdb": {"hash": ("hash", "listpack")},
    "hash-ziplist.rdb": {"hash": ("hash", "listpack")},
    "zset-ziplist.rdb": {"zset": ("zset", "listpack")},
    "list-quicklist.rdb": {"list": ("list", "quicklist"), "x": ("string", "int")},
    "encodings.rdb": {
        "compressible": ("string", "raw"), "string": ("string", "embstr"), "number": ("string", "int"),
        "list": ("list", "quicklist"), "list_zipped": ("list", "quicklist"),
        "set": ("set", "hashtable"), "set_zipped_1": ("set", "intset"),
        "set_zipped_2": ("set", "intset"), "set_zipped_3": ("set", "intset"),
        "hash": ("hash", "listpack"), "hash_zipped": ("hash", "listpack"),
        "zset": ("zset", "listpack"), "zset_zipped": ("zset", "listpack"),
    },
    # holds only a Lua script in an aux field, which Redis 7.0 ignores on load
    "scriptbackup.rdb": {},
}
LOADABLE = sorted(EXPECTED)

# corrupt_empty_keys.rdb: one empty value per encoding, each to be skipped.
EMPTY_KEYS = ["set", "hash", "list_ziplist", "zset", "zset_listpack", "hash_ziplist",
              "list_quicklist", "zset_ziplist", "list_quicklist_empty_ziplist"]
DAMAGED = ["corrupt_ziplist.rdb"]

LIMITS = {
    "default": (),
    "limits-1": ("--hash-max-listpack-entries", "1", "--hash-max-listpack-value", "1",
                 "--zset-max-listpack-entries", "1", "--zset-max-listpack-value", "1",
                 "--set-max-intset-entries", "1"),
}
CRASH_MARKERS = ("crashed by signal", "BUG REPORT START", "ASSERTION FAILED", "Guru Meditation",
                 "ERROR: AddressSanitizer", "runtime error:")


# ---------------------------------------------------------------- the source tree

def find_redis_tree():
    """(path, None) of an unpacked redis-7.0.15 tree, looked for as run.sh's
    find_redis_tree does (without downloading anything itself), or (None, what was
    tried)."""
    if os.environ.get("REDIS_SRC"):
        return os.environ["REDIS_SRC"], None
    tried = []
    if os.access(REDIS_SOURCE_TOOL, os.X_OK):
        try:
            p = subprocess.run([REDIS_SOURCE_TOOL], capture_output=True, text=True, timeout=600)
            lines = p.stdout.strip().splitlines()
            if p.returncode == 0 and lines:
                return lines[-1].strip(), None
            tried.append(f"{REDIS_SOURCE_TOOL} exited {p.returncode} ({p.stderr.strip()[-200:]})")
        except (OSError, subprocess.TimeoutExpired) as e:
            tried.append(f"{REDIS_SOURCE_TOOL}: {e}")
    else:
        tried.append(f"no {REDIS_SOURCE_TOOL}")
    tree = os.path.join(os.environ.get("REDIS_SRC_CACHE", "/tmp/redis-src-cache"), "redis-7.0.15")
    if os.path.isdir(tree):
        return tree, None
    tried.append(f"no {tree}")
    return None, "; ".join(tried)


@pytest.fixture(scope="module")
def assets():
    tree, why = find_redis_tree()
    if tree is None:
        pytest.skip("no redis-7.0.15 source tree (set REDIS_SRC to an unpacked one): " + why)
    path = os.path.join(tree, "tests", "assets")
    if not os.path.isdir(path):
        pytest.skip(f"{tree} has no tests/assets")
    return path


def asset_copy(assets, name):
    """A fresh directory holding a copy of the asset `name` (skips if the tree lacks it)."""
    src = os.path.join(assets, name)
    if not os.path.exists(src):
        pytest.skip(f"{src} not found")
    d = tempfile.mkdtemp(prefix="vesper-legacy-")
    shutil.copy(src, os.path.join(d, name))
    return d


# ---------------------------------------------------------------- servers

def wait_up_or_exit(proc, port, timeout=10):
    """None once the server answers PING, or its exit code if it exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return proc.returncode
        if ping("127.0.0.1", port):
            return None
        time.sleep(0.05)
    raise AssertionError(f"server neither up nor gone after {timeout}s")


def start_on_file(spawn, assets, name, *extra):
    """Starts the server under test on a copy of asset `name`; returns (server,
    None) when it is up, (server, exit code) when it exited during start-up."""
    d = asset_copy(assets, name)
    srv = spawn("--dir", d, "--dbfilename", name, "--enable-debug-command", "yes", *extra, wait=False)
    srv.asset_path = os.path.join(d, name)
    return srv, wait_up_or_exit(srv.proc, srv.port)


class Reference:
    """redis-server 7.0.15 on its own copy of a file, logging into that directory."""

    def __init__(self, assets, name, *extra):
        self.dir = asset_copy(assets, name)
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "redis.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [REFERENCE, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                 "--dbfilename", name, "--save", "", "--appendonly", "no", "--logfile", "",
                 "--enable-debug-command", "yes", *extra],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.exit_code = wait_up_or_exit(self.proc, self.port)

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=10, single_connection_client=True)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def reference():
    """reference(assets, name, *args) -> a started Reference (stopped after the
    test); skips the test's reference part when there is none to run."""
    started = []

    def _start(assets, name, *extra):
        ref = Reference(assets, name, *extra)
        started.append(ref)
        return ref

    yield _start
    for ref in started:
        ref.stop()


def up_or_fail(srv, code):
    """Fails the test with the server's log when the server did not come up."""
    if code is not None:
        log = srv.log_text()
        pytest.fail(f"server exited with {code} while loading:\n{log[-3000:]}", pytrace=False)


# ---------------------------------------------------------------- what is compared

def value_of(c, key, typ, enc):
    if typ == "string":
        return c.execute_command("GET", key)
    if typ == "list":
        return c.execute_command("LRANGE", key, 0, -1)
    if typ == "set":
        return sorted(c.execute_command("SMEMBERS", key))
    if typ == "hash":
        pairs = list(c.execute_command("HGETALL", key).items())
        return pairs if enc == "listpack" else sorted(pairs)   # a listpack keeps the file's order
    if typ == "zset":
        return c.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")   # scores as the server prints them
    return None


def snapshot(c):
    """{db: {key: {type, encoding, digest, pttl, value}}} for every non-empty
    database, plus the server's DEBUG DIGEST under None."""
    out = {None: c.execute_command("DEBUG", "DIGEST")}
    databases = int(c.execute_command("CONFIG", "GET", "databases")[1])
    for db in range(databases):
        c.execute_command("SELECT", db)
        keys = sorted(c.execute_command("KEYS", "*"))
        if not keys:
            continue
        facts = {}
        for k in keys:
            typ = c.execute_command("TYPE", k).decode()
            enc = c.object("encoding", k).decode()
            facts[k.decode()] = {
                "type": typ, "encoding": enc,
                "digest": c.execute_command("DEBUG", "DIGEST-VALUE", k),
                "pttl": c.execute_command("PTTL", k),
                "value": value_of(c, k, typ, enc),
            }
        out[db] = facts
    c.execute_command("SELECT", 0)
    return out


def types_and_encodings(snap, with_encoding=True):
    return {db: {k: (f["type"], f["encoding"]) if with_encoding else f["type"] for k, f in keys.items()}
            for db, keys in snap.items() if db is not None}


def expected_table(name, with_encoding=True):
    keys = EXPECTED[name]
    if not keys:
        return {}
    return {0: {k: te if with_encoding else te[0] for k, te in keys.items()}}


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("limits", sorted(LIMITS))
@pytest.mark.parametrize("sanitize", ["no", "yes"])
@pytest.mark.parametrize("name", LOADABLE)
def test_asset_loads_as_in_redis(spawn, reference, assets, name, sanitize, limits):
    extra = ("--sanitize-dump-payload", sanitize) + LIMITS[limits]
    srv, code = start_on_file(spawn, assets, name, *extra)
    up_or_fail(srv, code)
    c = srv.client(single_connection_client=True)
    ours = snapshot(c)

    default = limits == "default"
    assert types_and_encodings(ours, default) == expected_table(name, default)
    if USE_REFERENCE:
        ref = reference(assets, name, *extra)
        assert ref.exit_code is None, ref.log_text()
        theirs = snapshot(ref.client())
        # the table above is what Redis reports too
        assert types_and_encodings(theirs, default) == expected_table(name, default)
        for db in set(ours) | set(theirs):
            assert ours.get(db) == theirs.get(db), f"database {db}"

    # saved in today's encodings and loaded back: the same keyspace
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(c) == ours


@pytest.mark.parametrize("sanitize", ["no", "yes"])
def test_empty_keys_are_skipped_and_logged(spawn, reference, assets, sanitize):
    name = "corrupt_empty_keys.rdb"
    srv, code = start_on_file(spawn, assets, name, "--sanitize-dump-payload", sanitize)
    up_or_fail(srv, code)
    log = srv.log_text()
    skipped = re.findall(r"skipping empty key: (.*)$", log, re.M)
    assert skipped == EMPTY_KEYS, log                # in the file's order, each once
    assert re.search(r"empty keys skipped: 9\b", log), log
    c = srv.client(single_connection_client=True)
    assert snapshot(c) == {None: c.execute_command("DEBUG", "DIGEST")}   # nothing loaded
    assert c.execute_command("DEBUG", "DIGEST") == b"0" * 40
    if USE_REFERENCE:
        ref = reference(assets, name, "--sanitize-dump-payload", sanitize)
        assert ref.exit_code is None, ref.log_text()
        ref_log = ref.log_text()
        assert re.findall(r"skipping empty key: (.*)$", ref_log, re.M) == skipped, ref_log
        assert re.search(r"empty keys skipped: 9\b", ref_log), ref_log


@pytest.mark.parametrize("sanitize", ["no", "yes"])
@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_ziplist_is_refused(spawn, reference, assets, name, sanitize):
    srv, code = start_on_file(spawn, assets, name, "--sanitize-dump-payload", sanitize)
    assert code is not None, "the server loaded a file with a damaged ziplist"
    log = srv.log_text()
    assert code == 1, log
    for marker in CRASH_MARKERS:
        assert marker not in log, log
    # the reason, naming the value that is not a ziplist
    assert "Hash ziplist integrity check failed" in log, log
    assert "key:000000000091" in log, log
    if USE_REFERENCE:
        ref = reference(assets, name, "--sanitize-dump-payload", sanitize)
        assert ref.exit_code == 1, ref.log_text()
        assert "Hash ziplist integrity check failed" in ref.log_text()


def lua_aux_script(path):
    """The script of the "lua" aux field of an RDB file (Redis before 7.0 saved
    the scripts it had run there)."""
    with open(path, "rb") as f:
        data = f.read()
    i = data.index(b"\xfa\x03lua") + 5
    b = data[i]
    if b >> 6 == 0:
        n, i = b & 0x3f, i + 1
    elif b >> 6 == 1:
        n, i = (b & 0x3f) << 8 | data[i + 1], i + 2
    else:
        assert b == 0x80, "unexpected length encoding"
        n, i = int.from_bytes(data[i + 1:i + 5], "big"), i + 5
    return data[i:i + n]


def test_script_in_rdb_is_not_loaded(spawn, assets):
    name = "scriptbackup.rdb"
    srv, code = start_on_file(spawn, assets, name)
    up_or_fail(srv, code)
    script = lua_aux_script(srv.asset_path)
    assert script
    try:
        exists = srv.client().execute_command("SCRIPT", "EXISTS", hashlib.sha1(script).hexdigest())
    except redis.ResponseError as e:
        if "unknown command" not in str(e):
            raise
        pytest.skip("needs scripting (SCRIPT EXISTS), which this build does not have; the file's "
                    "keyspace is compared in test_asset_loads_as_in_redis")
    # Redis 7.0 no longer loads the scripts of the "lua" aux field
    assert exists == [0]


def test_every_asset_rdb_is_covered(assets):
    names = {n for n in os.listdir(assets) if n.endswith(".rdb")}
    assert names == set(LOADABLE) | {"corrupt_empty_keys.rdb"} | set(DAMAGED)
