"""Fixtures for the integration tests: real server processes and clients.

The server binary comes from $VESPER_SERVER (default <repo>/build/vesper-server);
pointing it at /usr/bin/redis-server runs the same tests against Redis 7.0.15,
which is how the expectations here were checked.

Fixtures
  server  session-scoped ServerProcess on a free port of 127.0.0.1 (range 7200-7239
          unless $VESPER_TEST_PORT_BASE and $VESPER_TEST_PORT_COUNT say otherwise,
          the count defaulting to 40). It is restarted when a test
          kills it; a test during which it died fails at teardown with its log.
  spawn   function-scoped factory for extra servers with custom arguments
          (config/start-up tests); everything it started is stopped after the test.
  r       redis.Redis (decode_responses=False) on `server`, FLUSHALL before each test.
  raw     RawClient factory on `server`: raw sockets for protocol tests.

The server's log lines written during a failing test are attached to the report.
Sanitizer reports (ASan/UBSan/LeakSanitizer) found in any server log fail the run.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_BIN = os.path.abspath(os.environ.get("VESPER_SERVER", str(REPO_ROOT / "build" / "vesper-server")))
PORT_BASE = int(os.environ.get("VESPER_TEST_PORT_BASE", "7200"))
PORT_COUNT = int(os.environ.get("VESPER_TEST_PORT_COUNT", "40"))
START_TIMEOUT = float(os.environ.get("VESPER_START_TIMEOUT", "10"))
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer")

_all_servers = []          # every ServerProcess started in this session
_sanitizer_reports = []    # (log path, excerpt)
_next_port = [PORT_BASE]


def is_reference_redis():
    """True when the tests run against the real redis-server (for the few
    places where Vesper may legitimately print its own name)."""
    return os.path.basename(SERVER_BIN).startswith("redis-server")


def port_is_free(port, host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # servers set SO_REUSEADDR too: connections in TIME_WAIT do not make a port busy
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    """Next port of our range that nobody listens on (round robin, so a port
    just released by a stopped server is not immediately reused)."""
    for _ in range(PORT_COUNT):
        port = _next_port[0]
        _next_port[0] = PORT_BASE + (port - PORT_BASE + 1) % PORT_COUNT
        if port_is_free(port):
            return port
    raise RuntimeError(f"no free port in {PORT_BASE}-{PORT_BASE + PORT_COUNT - 1}")


def closed_port():
    """A port the kernel just handed out and nobody listens on (for refused
    connections)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ping(host, port, timeout=1.0, unix=None, noauth_ok=False):
    """True if a server answers +PONG on a fresh connection (or -NOAUTH when
    noauth_ok: a server with a password is up too)."""
    try:
        if unix:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(unix)
        else:
            s = socket.create_connection((host, port), timeout=timeout)
            s.settimeout(timeout)
    except OSError:
        return False
    try:
        s.sendall(b"PING\r\n")
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data == b"+PONG\r\n" or (noauth_ok and data.startswith(b"-NOAUTH "))
    except OSError:
        return False
    finally:
        s.close()


class ServerProcess:
    """One server process with its own directory and log file.

    args are passed after the binary as given; when port is set, "--port N" and
    "--bind 127.0.0.1" style defaults are added by ServerProcess.with_defaults."""

    def __init__(self, args, port=None, host="127.0.0.1", stdin_data=None, cwd=None,
                 name="server", unixsocket=None):
        self.args = [str(a) for a in args]
        self.port = port
        self.host = host
        self.unixsocket = unixsocket
        self.stdin_data = stdin_data
        self.dir = cwd or tempfile.mkdtemp(prefix=f"vesper-{name}-")
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self.crashed_logs = []
        _all_servers.append(self)

    @classmethod
    def with_defaults(cls, extra_args=(), port=None, **kw):
        port = port or free_port()
        d = tempfile.mkdtemp(prefix="vesper-srv-")
        args = ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", d, "--daemonize", "no", "--logfile", ""] + list(extra_args)
        return cls(args, port=port, cwd=d, **kw)

    # -- life cycle -------------------------------------------------------------
    def start(self, wait=True):
        self._log_file = open(self.log_path, "ab")
        self.log_offset = self._log_file.tell()
        stdin = subprocess.PIPE if self.stdin_data is not None else subprocess.DEVNULL
        self.proc = subprocess.Popen([SERVER_BIN] + self.args, cwd=self.dir, stdin=stdin,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        if self.stdin_data is not None:
            try:
                self.proc.stdin.write(self.stdin_data.encode() if isinstance(self.stdin_data, str)
                                      else self.stdin_data)
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} during start-up:\n"
                                   + self.log_text())
            if ping(self.host, self.port, unix=None if self.port else self.unixsocket, noauth_ok=True):
                return
            time.sleep(0.05)
        raise RuntimeError(f"server not answering PING after {timeout}s:\n" + self.log_text())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=10):
        """Waits for the process to exit; returns its exit code (None on timeout)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops the server; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()
        self.check_sanitizer()
        return self.proc.returncode

    def restart(self):
        self.stop()
        return self.start()

    # -- logs ------------------------------------------------------------------
    def log_text(self, since=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def wait_log(self, text, timeout=5, since=0):
        """Waits until text appears in the log; returns True if it did."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log_text(since):
                return True
            time.sleep(0.05)
        return text in self.log_text(since)

    def check_sanitizer(self):
        log = self.log_text()
        for marker in SANITIZER_MARKERS:
            i = log.find(marker)
            if i >= 0:
                entry = (self.log_path, log[max(0, i - 200):i + 3000])
                if entry not in _sanitizer_reports:
                    _sanitizer_reports.append(entry)
                break

    # -- clients ---------------------------------------------------------------
    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        if self.port:
            return redis.Redis(host=self.host, port=self.port, **kw)
        return redis.Redis(unix_socket_path=self.unixsocket, **kw)

    def raw(self, **kw):
        return RawClient(self.host, self.port, **kw)


# ---------------------------------------------------------------------------
# RESP parsing for raw-socket tests.

class Incomplete(Exception):
    pass


class RespError(bytes):
    """An error reply: the bytes after '-' (or a RESP3 blob error)."""


class Simple(bytes):
    """A simple-string reply (+...)."""


class Double(float):
    pass


class Push(list):
    pass


class RespSet(list):
    pass


class Verbatim(bytes):
    fmt = b"txt"


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return buf[pos:end], end + 2


def parse_reply(buf, pos=0):
    """Parses one RESP2/RESP3 reply from buf at pos; returns (value, next_pos).
    Raises Incomplete when buf does not yet hold the whole reply."""
    if pos >= len(buf):
        raise Incomplete()
    t = buf[pos:pos + 1]
    line, pos = _line(buf, pos + 1)
    if t == b"+":
        return Simple(line), pos
    if t == b"-":
        return RespError(line), pos
    if t == b":":
        return int(line), pos
    if t == b"(":
        return int(line), pos
    if t == b",":
        v = line.lower()
        return Double(float({b"inf": b"inf", b"-inf": b"-inf"}.get(v, v))), pos
    if t == b"#":
        return line == b"t", pos
    if t == b"_":
        return None, pos
    if t in (b"$", b"!", b"="):
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise Incomplete()
        data = buf[pos:pos + n]
        pos += n + 2
        if t == b"!":
            return RespError(data), pos
        if t == b"=":
            v = Verbatim(data[4:])
            v.fmt = data[:3]
            return v, pos
        return data, pos
    if t in (b"*", b"~", b">", b"%", b"|"):
        n = int(line)
        if n < 0:
            return None, pos
        count = n * 2 if t in (b"%", b"|") else n
        items = []
        for _ in range(count):
            v, pos = parse_reply(buf, pos)
            items.append(v)
        if t == b"|":        # attribute: skip it, the real reply follows
            return parse_reply(buf, pos)
        if t == b"%":
            return {_hashable(items[i]): items[i + 1] for i in range(0, count, 2)}, pos
        if t == b"~":
            return RespSet(items), pos
        if t == b">":
            return Push(items), pos
        return items, pos
    raise ValueError(f"bad RESP type byte {t!r} in {buf[pos - 10:pos + 20]!r}")


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def wait_rewrite(r, timeout=20):
    """Waits until no AOF rewrite runs or is scheduled; returns INFO persistence."""
    deadline = time.time() + timeout
    while True:
        info = r.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return info
        assert time.time() < deadline, "AOF rewrite did not finish"
        time.sleep(0.05)


def _crc64_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x95ac9329ac4bc9b5 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64_TABLE = _crc64_table()


def crc64_jones(data):
    """CRC-64/Jones (reflected, poly 0xad93d23594c935a9), as RDB files and DUMP
    payloads carry it."""
    crc = 0
    for b in data:
        crc = _CRC64_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def with_footer(body, version=10):
    """A DUMP payload: body, the RDB version (2 bytes LE) and the CRC-64 (8 bytes LE)."""
    data = body + bytes([version & 0xff, version >> 8])
    return data + crc64_jones(data).to_bytes(8, "little")


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = b"%d" % a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawClient:
    """A raw TCP (or Unix) connection: send bytes, read replies, detect close."""

    def __init__(self, host="127.0.0.1", port=None, timeout=5.0, unix=None):
        if unix:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix)
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.buf = b""
        self.closed_by_peer = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def cmd(self, *args):
        """Sends a multibulk command and returns its parsed reply."""
        self.send(encode_command(*args))
        return self.read_reply()

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed_by_peer = True
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def read_reply(self, timeout=None):
        """Parses and returns the next reply (raises socket.timeout if none comes)."""
        return self._read(timeout)[0]

    def read_raw_reply(self, timeout=None):
        """Returns the exact bytes of the next reply."""
        return self._read(timeout)[1]

    def _read(self, timeout):
        timeout = self.timeout if timeout is None else timeout
        deadline = time.time() + timeout
        while True:
            try:
                v, end = parse_reply(self.buf)
                raw, self.buf = self.buf[:end], self.buf[end:]
                return v, raw
            except Incomplete:
                left = deadline - time.time()
                if left <= 0:
                    raise socket.timeout("no complete reply within %.1fs (have %r)"
                                         % (timeout, self.buf[:200]))
                self._fill(left)

    def read_replies(self, n, timeout=None):
        return [self.read_reply(timeout) for _ in range(n)]

    def read_available(self, wait=0.3):
        """Returns whatever bytes arrive within `wait` seconds (b"" if none)."""
        deadline = time.time() + wait
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            try:
                self._fill(left)
            except (socket.timeout, ConnectionError):
                break
        data, self.buf = self.buf, b""
        return data

    def read_until_close(self, timeout=None):
        """Reads until the server closes the connection; returns all bytes read.
        Raises socket.timeout if the connection stays open."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.time() + timeout
        while not self.closed_by_peer:
            left = deadline - time.time()
            if left <= 0:
                raise socket.timeout("connection still open after %.1fs (read %r)"
                                     % (timeout, self.buf[:200]))
            try:
                self._fill(left)
            except ConnectionError:
                break
        data, self.buf = self.buf, b""
        return data

    def is_closed(self, wait=1.0):
        """True if the server closed the connection within `wait` seconds."""
        try:
            self.read_until_close(wait)
            return True
        except (socket.timeout, OSError):
            return self.closed_by_peer

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Fixtures

@pytest.fixture(scope="session")
def server():
    if not os.path.exists(SERVER_BIN):
        pytest.exit(f"server binary {SERVER_BIN} not found: run make, or set VESPER_SERVER", 2)
    srv = ServerProcess.with_defaults(name="main")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _watch_server(request, server):
    """Restarts the shared server if an earlier test left it dead, and fails the
    current test at teardown if the server died during it."""
    if not server.alive():
        server.start()
    request.node._vesper_servers = [(server, server.log_size())]
    yield
    if not server.alive():
        code = server.proc.returncode
        tail = server.log_text(request.node._vesper_servers[0][1])[-4000:]
        server.check_sanitizer()
        server.start()
        pytest.fail(f"server died during the test (exit code {code}); log:\n{tail}", pytrace=False)


@pytest.fixture
def spawn(request):
    """spawn(*args, stdin=None, wait=True, defaults=True) -> started ServerProcess.

    With defaults=True the usual "--port N --bind 127.0.0.1 --save '' ..." come first
    and args follow (so they override); with defaults=False args are passed alone
    (pass port=N to tell the helper where to PING)."""
    started = []

    def _spawn(*args, stdin=None, wait=True, defaults=True, port=None, unixsocket=None,
               cwd=None):
        if defaults:
            srv = ServerProcess.with_defaults(args, port=port, stdin_data=stdin,
                                              unixsocket=unixsocket)
        else:
            srv = ServerProcess(args, port=port, stdin_data=stdin, cwd=cwd, name="extra",
                                unixsocket=unixsocket)
        started.append(srv)
        request.node._vesper_servers = getattr(request.node, "_vesper_servers", []) + [(srv, 0)]
        return srv.start(wait=wait)

    yield _spawn
    for srv in started:
        srv.stop(timeout=5)


@pytest.fixture
def r(server):
    client = server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def keyspace_events(r, server):
    """keyspace_events(pattern="__key*__:*") -> collect: turns on every keyspace
    event (notify-keyspace-events KEA) and subscribes a new connection to PATTERN.
    collect(wait=0.3) reads messages for WAIT seconds and returns the list of
    (channel, message) pairs received so far (the same list each call: clear it to
    start again). The subscriptions and the setting are undone after the test."""
    subs = []
    r.config_set("notify-keyspace-events", "KEA")

    def start(pattern="__key*__:*"):
        sub = redis.Redis(host="127.0.0.1", port=server.port).pubsub()
        subs.append(sub)
        sub.psubscribe(pattern)
        got = []

        def collect(wait=0.3):
            deadline = time.time() + wait
            while time.time() < deadline:
                m = sub.get_message(timeout=0.05)
                if m and m["type"] == "pmessage":
                    got.append((m["channel"], m["data"]))
            return got

        collect(0.2)
        got.clear()
        return collect

    yield start
    for sub in subs:
        sub.close()
    r.config_set("notify-keyspace-events", "")


@pytest.fixture
def raw(server):
    """raw() -> new RawClient to the shared server (closed after the test).
    The keyspace is flushed before the test."""
    conns = []
    c = server.raw()
    c.cmd("FLUSHALL")
    c.close()

    def _raw(**kw):
        c = server.raw(**kw)
        conns.append(c)
        return c

    yield _raw
    for c in conns:
        c.close()


# ---------------------------------------------------------------------------
# Hooks: server logs on failure, sanitizer reports.

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv, offset in getattr(item, "_vesper_servers", []):
            text = srv.log_text(offset)
            if text:
                rep.sections.append((f"server log {srv.log_path}", text[-6000:]))


def pytest_sessionfinish(session, exitstatus):
    for srv in _all_servers:
        if srv.proc is not None and srv.proc.poll() is None:
            srv.stop(timeout=5)
        srv.check_sanitizer()
    reported = {path for path, _ in _sanitizer_reports}
    for srv in _all_servers:
        if srv.log_path not in reported and os.environ.get("VESPER_KEEP_LOGS") != "1":
            shutil.rmtree(srv.dir, ignore_errors=True)
    if _sanitizer_reports:
        print("\n\n=== sanitizer reports in server logs ===")
        for path, excerpt in _sanitizer_reports:
            print(f"--- {path}\n{excerpt}\n")
        session.exitstatus = 1


@contextlib.contextmanager
def redis_replica_of(master_port, binary="/usr/bin/redis-server", *extra):
    """Starts `binary` (redis-server 7.0.15 by default) as a replica of the server on
    master_port and yields (process, redis-py client) once its link is up; stops it
    on exit. extra: further command-line options."""
    d = tempfile.mkdtemp(prefix="vesper-replica-")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--dir", d, "--save", "", *extra,
                             "--replicaof", "127.0.0.1", str(master_port)],
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
        yield proc, rep
    finally:
        proc.terminate()
        proc.wait(10)


REFERENCE_REDIS = "/usr/bin/redis-server"


def run_reference(d, *extra):
    """Starts redis-server 7.0.15 with dir d, no save points, DEBUG enabled and the
    extra options; returns (process, redis-py client) once it answers PING. The
    caller stops the process."""
    port = free_port()
    proc = subprocess.Popen([REFERENCE_REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                             "--enable-debug-command", "yes", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not ping("127.0.0.1", port):
        assert proc.poll() is None, "redis-server exited"
        assert time.time() < deadline
        time.sleep(0.05)
    return proc, redis.Redis(port=port, socket_timeout=10)

