"""vesper-cli: one-shot commands through pipes, the special modes, and the
interactive mode driven in a pseudo-terminal.

The CLI binary is build/vesper-cli (override with $VESPER_CLI). Most tests talk to
the shared `server` fixture; output formats that depend on reply types the server
may not produce (RESP3 maps, sets, doubles...) and cluster redirects use a small
scripted fake server on an ephemeral port. Terminal tests render the CLI's output
with a tiny terminal emulator (Screen) and assert on what a user would see.
The expected texts were checked against Debian's redis-cli 7.0.15.
"""
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import fcntl
import termios
import threading
import time

import pytest

from conftest import REPO_ROOT

CLI = os.environ.get("VESPER_CLI", str(REPO_ROOT / "build" / "vesper-cli"))

pytestmark = pytest.mark.skipif(not os.path.exists(CLI), reason="vesper-cli not built")


def cli(server, *args, input=None, timeout=10, port=None):
    """Runs the CLI against `server` (or port) with stdout/stderr captured."""
    argv = [CLI, "-p", str(port or server.port)] + [str(a) for a in args]
    return subprocess.run(argv, input=input, capture_output=True, timeout=timeout)


# ---------------------------------------------------------------------------
# A scripted RESP server: handler(args) -> reply bytes (or None to close).

class FakeServer:
    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.commands = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _parse(buf):
        """One command from buf: (args, rest) or (None, buf) when incomplete."""
        if not buf.startswith(b"*"):
            if b"\n" not in buf:
                return None, buf
            line, rest = buf.split(b"\n", 1)
            return line.strip().split(), rest
        pos = buf.find(b"\r\n")
        if pos < 0:
            return None, buf
        n, pos, args = int(buf[1:pos]), pos + 2, []
        for _ in range(n):
            end = buf.find(b"\r\n", pos)
            if end < 0:
                return None, buf
            ln = int(buf[pos + 1:end])
            if len(buf) < end + 2 + ln + 2:
                return None, buf
            args.append(buf[end + 2:end + 2 + ln])
            pos = end + 2 + ln + 2
        return args, buf[pos:]

    def _serve(self, conn):
        buf = b""
        with conn:
            while True:
                args, buf = self._parse(buf)
                if args is None:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buf += data
                    continue
                if not args:
                    continue
                self.commands.append(args)
                reply = self.handler([a for a in args])
                if reply is None:
                    return
                conn.sendall(reply)

    def close(self):
        self.closed = True
        self.sock.close()


def canned(replies, default=b"+OK\r\n"):
    """Handler answering by upper-cased command name."""
    def handler(args):
        return replies.get(args[0].upper(), default)
    return handler


# ---------------------------------------------------------------------------
# A minimal terminal emulator for the pty tests.

class Screen:
    def __init__(self, cols=80, rows=24):
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self.pending_wrap = False

    def _newline(self):
        self.y += 1
        if self.y >= self.rows:
            self.grid.pop(0)
            self.grid.append([" "] * self.cols)
            self.y = self.rows - 1

    def feed(self, data):
        s = data.decode("utf-8", "replace")
        i = 0
        while i < len(s):
            c = s[i]
            if c == "\x1b":
                m = re.match(r"\x1b\[([0-9;?]*)([A-Za-z])", s[i:])
                if not m:
                    i += 1
                    continue
                args, cmd = m.group(1), m.group(2)
                n = int(args) if args.isdigit() else 1
                if cmd == "A":
                    self.y = max(0, self.y - n)
                elif cmd == "B":
                    self.y = min(self.rows - 1, self.y + n)
                elif cmd == "C":
                    self.x = min(self.cols - 1, self.x + n)
                elif cmd == "D":
                    self.x = max(0, self.x - n)
                elif cmd == "H":
                    self.x = self.y = 0
                elif cmd == "J":
                    if args == "2":
                        self.grid = [[" "] * self.cols for _ in range(self.rows)]
                    else:
                        self.grid[self.y][self.x:] = [" "] * (self.cols - self.x)
                        for r in range(self.y + 1, self.rows):
                            self.grid[r] = [" "] * self.cols
                elif cmd == "K":
                    self.grid[self.y][self.x:] = [" "] * (self.cols - self.x)
                if cmd in "ABCDH":
                    self.pending_wrap = False
                i += m.end()
                continue
            if c == "\r":
                self.x, self.pending_wrap = 0, False
            elif c == "\n":
                self._newline()
                self.pending_wrap = False
            elif c >= " ":
                if self.pending_wrap:
                    self.x, self.pending_wrap = 0, False
                    self._newline()
                wide = "\u1100" <= c <= "\u115f" or "\u2e80" <= c <= "\ua4cf" or "\uac00" <= c <= "\ud7a3"
                self.grid[self.y][self.x] = c
                if wide and self.x + 1 < self.cols:
                    self.grid[self.y][self.x + 1] = ""
                self.x += 2 if wide else 1
                if self.x >= self.cols:
                    self.x, self.pending_wrap = self.cols - 1, True
            i += 1

    def lines(self):
        return ["".join(row).rstrip() for row in self.grid]

    def text(self):
        return "\n".join(self.lines()).rstrip("\n")

    def cursor_line(self):
        return self.lines()[self.y]


class Term:
    """The CLI in a pseudo-terminal of cols x rows."""

    def __init__(self, args, env=None, cols=80, rows=24):
        self.screen = Screen(cols, rows)
        self.raw = b""
        e = dict(os.environ)
        e.update({"TERM": "xterm"})
        e.update(env or {})
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(CLI, [CLI] + [str(a) for a in args], e)
        self.pid, self.fd = pid, fd
        self.exited = False

    def _read(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.exited = True
            return False
        self.raw += data
        self.screen.feed(data)
        return True

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def wait_for(self, pred, timeout=5.0):
        """Reads until pred(screen_text) (or a substring) holds; returns the text."""
        if isinstance(pred, str):
            needle = pred.rstrip()  # the screen drops trailing blanks
            pred = lambda t: needle in t  # noqa: E731
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred(self.screen.text()):
                return self.screen.text()
            if not self._read(0.05) and self.exited:
                break
        text = self.screen.text()
        assert pred(text), f"timed out; screen:\n{text}\nraw tail: {self.raw[-400:]!r}"
        return text

    def settle(self, quiet=0.15, timeout=3.0):
        """Reads until no output arrives for `quiet` seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline and self._read(quiet):
            pass
        return self.screen.text()

    def wait_exit(self, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self._read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exited = True
                return os.waitstatus_to_exitcode(status)
        return None

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.fixture
def term(tmp_path):
    """term(*args, cols=80, env=None) -> Term with a private HOME and history file."""
    started = []

    def _term(*args, cols=80, env=None, home=None):
        e = {"HOME": str(home or tmp_path), "VESPERCLI_HISTFILE": str(tmp_path / "history")}
        e.update(env or {})
        t = Term(args, env=e, cols=cols)
        started.append(t)
        return t

    yield _term
    for t in started:
        t.close()


def prompt(port, db=0):
    return f"127.0.0.1:{port}" + (f"[{db}]" if db else "") + "> "


def set_nohints(t, port, clear=""):
    """Types ':set nohints' and waits for the next prompt before anything else is
    typed: keys typed ahead while the line editor is out of raw mode (between two
    lines) are echoed by the tty itself, which leaves an extra row on the screen
    (a CI run's redraw test counted 3 rows instead of 2)."""
    before = t.screen.text().count(prompt(port).rstrip())
    t.send(clear + ":set nohints\r")
    t.wait_for(lambda s: s.count(prompt(port).rstrip()) > before
               and s.splitlines()[-1] == prompt(port).rstrip())


# ---------------------------------------------------------------------------
# Options and one-shot commands

def test_version_and_help():
    out = subprocess.run([CLI, "--version"], capture_output=True).stdout
    assert out == b"vesper-cli 0.1.0\n"
    out = subprocess.run([CLI, "--help"], capture_output=True).stdout.decode()
    for flag in ("-h <hostname>", "--pipe", "--bigkeys", "--rdb <filename>", "--no-auth-warning", "-u <uri>"):
        assert flag in out


def test_unknown_option():
    p = subprocess.run([CLI, "--bogus"], capture_output=True)
    assert p.returncode == 1
    assert p.stderr == b"Unrecognized option or bad number of args for: '--bogus'\n"


def test_raw_output_when_piped(server, r):
    assert cli(server, "set", "k", "v").stdout == b"OK\n"
    assert cli(server, "get", "k").stdout == b"v\n"
    assert cli(server, "get", "nokey").stdout == b"\n"
    assert cli(server, "incr", "n").stdout == b"1\n"
    r.set("u", "a\xe4\xb8\xad".encode("latin-1"))
    assert cli(server, "get", "u").stdout == b"a\xe4\xb8\xad\n"
    r.mset({"a": "1", "b": "2"})
    assert cli(server, "mget", "a", "nokey", "b").stdout == b"1\n\n2\n"


def test_raw_delimiters(server, r):
    r.mset({"a": "1", "b": "2"})
    p = cli(server, "--raw", "-d", ":", "-D", ";", "mget", "a", "b")
    assert p.stdout == b"1:2;"


def test_no_raw_formatting(server, r):
    assert cli(server, "--no-raw", "set", "k", "v").stdout == b"OK\n"
    assert cli(server, "--no-raw", "get", "k").stdout == b'"v"\n'
    assert cli(server, "--no-raw", "get", "nokey").stdout == b"(nil)\n"
    assert cli(server, "--no-raw", "incr", "n").stdout == b"(integer) 1\n"
    assert cli(server, "--no-raw", "keys", "nomatch*").stdout == b"(empty array)\n"
    r.set("u", "a\xe4\xb8\xad\n\"".encode("latin-1"))
    assert cli(server, "--no-raw", "get", "u").stdout == b'"a\\xe4\\xb8\\xad\\n\\""\n'
    keys = [f"k{i:02d}" for i in range(12)]
    r.mset({k: k for k in keys})
    out = cli(server, "--no-raw", "mget", *keys).stdout.decode()
    assert out.startswith(' 1) "k00"\n 2) "k01"\n')
    assert out.endswith('12) "k11"\n')
    p = cli(server, "--no-raw", "nosuchcommand")
    assert p.stdout.startswith(b"(error) ERR unknown command 'nosuchcommand'")


def test_error_exit_code(server):
    p = cli(server, "nosuchcommand")
    assert p.returncode == 0
    assert p.stdout.startswith(b"ERR unknown command")
    p = cli(server, "-e", "nosuchcommand")
    assert p.returncode == 1
    assert p.stdout == b""
    assert p.stderr.startswith(b"ERR unknown command 'nosuchcommand'")


def test_csv_and_json(server, r):
    r.mset({"a": "1", "b": 'x"y'})
    assert cli(server, "--csv", "mget", "a", "b", "nokey").stdout == b'"1","x\\"y",NULL\n'
    assert cli(server, "--csv", "incr", "n").stdout == b"1\n"
    assert cli(server, "--csv", "nosuchcommand").stdout.startswith(b'ERROR,"ERR unknown command')
    out = cli(server, "-2", "--json", "mget", "a", "b", "nokey").stdout
    assert out == b'["1","x\\"y",null]\n'


def test_resp3_formats_on_a_terminal():
    reply = (b"%4\r\n$3\r\nstr\r\n$3\r\nval\r\n$3\r\narr\r\n*2\r\n:1\r\n*1\r\n,1.5\r\n"
             b"$3\r\nset\r\n~2\r\n#t\r\n#f\r\n$4\r\nmisc\r\n*3\r\n_\r\n=8\r\ntxt:text\r\n"
             b"(12345678901234567890\r\n")
    fake = FakeServer(canned({b"X": reply, b"HELLO": b"%0\r\n"}))
    try:
        out = subprocess.run([CLI, "-p", str(fake.port), "-3", "--no-raw", "x"], capture_output=True).stdout
        assert out.decode() == (
            '1# "str" => "val"\n'
            '2# "arr" => \n'
            '   1) (integer) 1\n'
            '   2) 1) (double) 1.5\n'
            '3# "set" => \n'
            '   1~ (true)\n'
            '   2~ (false)\n'
            '4# "misc" => \n'
            '   1) (nil)\n'
            '   2) text\n'
            '   3) (big number) 12345678901234567890\n')
        out = subprocess.run([CLI, "-p", str(fake.port), "--json", "x"], capture_output=True).stdout
        assert out == b'{"str":"val","arr":[1,[1.5]],"set":[true,false],"misc":[null,"text",12345678901234567890]}\n'
        out = subprocess.run([CLI, "-p", str(fake.port), "--csv", "x"], capture_output=True).stdout
        assert out == b'"str","val","arr",1,1.5,"set",true,false,"misc",NULL,"text",12345678901234567890\n'
        out = subprocess.run([CLI, "-p", str(fake.port), "x"], capture_output=True).stdout
        assert out == b"str val\narr 1\n1.5\nset (true)\n(false)\nmisc \ntext\n12345678901234567890\n"
    finally:
        fake.close()


def test_stdin_last_argument(server, r):
    assert cli(server, "-x", "set", "k", input=b"from\nstdin\n").stdout == b"OK\n"
    assert r.get("k") == b"from\nstdin\n"
    assert cli(server, "-X", "TAG", "set", "TAG", "val", input=b"keyname").stdout == b"OK\n"
    assert r.get("keyname") == b"val"
    p = cli(server, "-X", "TAG", "set", "a", "b", input=b"x")
    assert p.returncode == 1 and p.stderr == b"Using -X option but stdin tag not match.\n"


def test_repeat_and_interval(server, r):
    start = time.time()
    p = cli(server, "-r", "3", "-i", "0.1", "incr", "c")
    assert p.stdout == b"1\n2\n3\n"
    assert time.time() - start >= 0.3
    assert r.get("c") == b"3"


def test_select_db(server, r):
    assert cli(server, "-n", "2", "set", "k", "db2").stdout == b"OK\n"
    assert r.get("k") is None
    assert cli(server, "-n", "2", "get", "k").stdout == b"db2\n"
    assert cli(server, "-u", f"redis://127.0.0.1:{server.port}/2", "get", "k").stdout == b"db2\n"


def test_connection_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = subprocess.run([CLI, "-p", str(port), "ping"], capture_output=True)
    assert p.returncode == 1
    assert p.stderr == f"Could not connect to Redis at 127.0.0.1:{port}: Connection refused\n".encode()
    p = subprocess.run([CLI, "-s", "/nonexistent/vesper.sock", "ping"], capture_output=True)
    assert p.stderr == b"Could not connect to Redis at /nonexistent/vesper.sock: No such file or directory\n"


def test_auth_warning_and_auth_command():
    fake = FakeServer(canned({b"AUTH": b"+OK\r\n", b"PING": b"+PONG\r\n"}))
    try:
        warn = b"Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n"
        p = subprocess.run([CLI, "-p", str(fake.port), "-a", "secret", "ping"], capture_output=True)
        assert p.stderr == warn and p.stdout == b"PONG\n"
        p = subprocess.run([CLI, "-p", str(fake.port), "--user", "bob", "--pass", "pw", "--no-auth-warning", "ping"],
                           capture_output=True)
        assert p.stderr == b"" and p.stdout == b"PONG\n"
        p = subprocess.run([CLI, "-u", f"redis://al%40ice:p%3Aw@127.0.0.1:{fake.port}/0", "ping"], capture_output=True)
        assert p.stderr == warn
        auths = [c for c in fake.commands if c[0] == b"AUTH"]
        assert auths == [[b"AUTH", b"secret"], [b"AUTH", b"bob", b"pw"], [b"AUTH", b"al@ice", b"p:w"]]
        env = dict(os.environ, VESPERCLI_AUTH="envpw")
        p = subprocess.run([CLI, "-p", str(fake.port), "ping"], capture_output=True, env=env)
        assert p.stderr == b"" and fake.commands[-2] == [b"AUTH", b"envpw"]
    finally:
        fake.close()


def test_cluster_redirect_non_interactive():
    target = FakeServer(canned({b"GET": b"$3\r\nbar\r\n"}))
    moved = b"-MOVED 3999 127.0.0.1:%d\r\n" % target.port
    origin = FakeServer(canned({b"GET": moved}))
    try:
        p = subprocess.run([CLI, "-p", str(origin.port), "get", "foo"], capture_output=True)
        assert p.stdout == b"MOVED 3999 127.0.0.1:%d\n\n" % target.port
        p = subprocess.run([CLI, "-c", "-p", str(origin.port), "get", "foo"], capture_output=True)
        assert p.stdout == b"bar\n"
        ask = FakeServer(canned({b"GET": b"-ASK 12 127.0.0.1:%d\r\n" % target.port}))
        p = subprocess.run([CLI, "-c", "-p", str(ask.port), "get", "foo"], capture_output=True)
        assert p.stdout == b"bar\n"
        assert [b"ASKING"] in target.commands
        ask.close()
    finally:
        origin.close()
        target.close()


# ---------------------------------------------------------------------------
# Special modes

def test_pipe_mass_insert(server, r):
    proto = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k)
                     for k in (b"key:%d" % i for i in range(2000)))
    proto += b"*1\r\n$12\r\nNOSUCHCOMMND\r\n"
    p = cli(server, "--pipe", input=proto)
    assert p.stdout == (b"All data transferred. Waiting for the last reply...\n"
                        b"Last reply received from server.\n"
                        b"errors: 1, replies: 2001\n")
    assert p.stderr.startswith(b"ERR unknown command")
    assert p.returncode == 1
    assert r.dbsize() == 2000
    p = cli(server, "--pipe", input=b"SET inline 1\r\n")
    assert p.returncode == 0 and p.stdout.endswith(b"errors: 0, replies: 1\n")


def test_scan_mode(server, r):
    r.mset({"user:1": "a", "user:2": "b", "other": "c", "odd\xe4": "d"})
    out = cli(server, "--scan").stdout.split(b"\n")
    assert sorted(out[:-1]) == sorted([b"user:1", b"user:2", b"other", "odd\xe4".encode()])
    out = cli(server, "--scan", "--pattern", "user:*", "--count", "100").stdout
    assert sorted(out.split()) == [b"user:1", b"user:2"]
    out = cli(server, "--scan", "--quoted-pattern", '"odd\\xc3\\xa4"').stdout
    assert out == "odd\xe4".encode() + b"\n"
    out = cli(server, "--no-raw", "--scan", "--pattern", "odd*").stdout
    assert out == b'"odd\\xc3\\xa4"\n'


def test_bigkeys(server, r):
    r.set("small", "x")
    r.set("big", "x" * 100)
    out = cli(server, "--bigkeys").stdout.decode()
    assert "# Scanning the entire keyspace to find biggest keys as well as" in out
    assert "Biggest string found '\"big\"' has 100 bytes" in out
    assert "2 strings with 101 bytes (100.00% of keys, avg size 50.50)" in out
    assert "Sampled 2 keys in the keyspace!" in out


def test_latency_raw(server):
    p = cli(server, "--latency", "-i", "0.2")
    assert re.fullmatch(rb"\d+ \d+ \d+\.\d\d \d+\n", p.stdout), p.stdout
    p = cli(server, "--latency", "--csv", "-i", "0.2")
    assert re.fullmatch(rb"\d+,\d+,\d+\.\d\d,\d+\n", p.stdout), p.stdout


def test_eval(server, r, tmp_path):
    script = tmp_path / "s.lua"
    script.write_text("return {KEYS[1], KEYS[2], ARGV[1]}")
    p = cli(server, "--eval", script, "k1", "k2", ",", "a1")
    if b"unknown command" in p.stdout:
        pytest.skip("server has no EVAL")
    assert p.stdout == b"k1\nk2\na1\n"
    p = cli(server, "--eval", tmp_path / "missing.lua")
    assert p.returncode == 1 and p.stderr.startswith(b"Can't open file")


def test_eval_sends_keys_and_args():
    fake = FakeServer(canned({b"EVAL": b"+done\r\n"}))
    try:
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
            f.write("return 1")
            f.flush()
            p = subprocess.run([CLI, "-p", str(fake.port), "--eval", f.name, "k1", ",", "a1", "a2"],
                               capture_output=True)
        assert p.stdout == b"done\n"
        assert fake.commands[-1] == [b"EVAL", b"return 1", b"1", b"k1", b"a1", b"a2"]
    finally:
        fake.close()


def test_rdb_transfer(tmp_path):
    payload = b"REDIS0010" + b"\x00" * 100 + b"\xff" + b"12345678"
    fake = FakeServer(canned({b"SYNC": b"$%d\r\n%s" % (len(payload), payload)}))
    try:
        dest = tmp_path / "dump.rdb"
        p = subprocess.run([CLI, "-p", str(fake.port), "--rdb", str(dest)], capture_output=True, timeout=10)
        assert p.returncode == 0, p.stderr
        assert dest.read_bytes() == payload
        assert f"SYNC sent to master, writing {len(payload)} bytes to '{dest}'".encode() in p.stderr
        assert b"Transfer finished with success." in p.stderr
    finally:
        fake.close()
    fake = FakeServer(canned({b"SYNC": b"-ERR unknown command 'SYNC'\r\n",
                              b"REPLCONF": b"-ERR unknown command 'REPLCONF'\r\n"}))
    try:
        p = subprocess.run([CLI, "-p", str(fake.port), "--rdb", str(tmp_path / "x.rdb")], capture_output=True)
        assert p.returncode == 1
        assert b"SYNC with master failed: -ERR unknown command 'SYNC'" in p.stderr
    finally:
        fake.close()


def test_help_non_interactive(server):
    out = cli(server, "help", "get").stdout
    assert out.startswith(b"\r\n  \x1b[1mGET\x1b[0m \x1b[90mkey\x1b[0m\r\n  \x1b[33msummary:\x1b[0m ")
    assert b"\x1b[33mgroup:\x1b[0m string\r\n" in out
    out = cli(server, "help").stdout
    assert out.startswith(b"vesper-cli 0.1.0\nTo get help about Vesper commands type:\n")


# ---------------------------------------------------------------------------
# Interactive mode in a pseudo-terminal

def test_prompt_command_and_select(server, r, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("set greeting hello\r")
    t.wait_for("OK")
    t.send("get greeting\r")
    t.wait_for('"hello"')
    t.send("select 2\r")
    t.wait_for(prompt(server.port, 2))
    t.send("quit\r")
    assert t.wait_exit() == 0


def test_hints_and_nohints(server, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("getrange ")
    assert t.wait_for("key start end").splitlines()[-1] == prompt(server.port) + "getrange key start end"
    t.send("mykey ")
    assert t.wait_for(lambda s: s.splitlines()[-1].endswith("mykey start end"))
    set_nohints(t, server.port, clear="\x15")
    t.send("getrange ")
    t.wait_for(prompt(server.port) + "getrange")
    assert "start end" not in t.settle()
    t.send("\x15:set bogus\r")
    t.wait_for("unknown vesper-cli preference 'bogus'")


def test_hints_disabled_by_rc_file(server, term, tmp_path):
    (tmp_path / ".vesperclirc").write_text(":set nohints\n")
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("getrange ")
    t.wait_for(prompt(server.port) + "getrange")
    assert "start end" not in t.settle()


def test_builtin_help_without_command_docs(term):
    fake = FakeServer(canned({b"COMMAND": b"-ERR unknown command 'COMMAND'\r\n", b"PING": b"+PONG\r\n"}))
    try:
        t = term("-p", fake.port)
        t.wait_for(prompt(fake.port))
        t.send("zadd ")
        t.wait_for("key [NX|XX] [GT|LT] [CH] [INCR] score member")
        t.send("\x15help hset\r")
        t.wait_for("summary: Set the string value of a hash field")
    finally:
        fake.close()


def test_tab_completion(server, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("getr\t")
    t.wait_for(prompt(server.port) + "GETRANGE")
    t.send(" nokey 0 -1\r")
    t.wait_for('""')
    t.send("help @stri\t")
    t.wait_for(prompt(server.port) + "help @string")
    t.send("\x1b")  # Esc restores what was typed
    t.wait_for(lambda s: s.splitlines()[-1] == prompt(server.port) + "help @stri")


def test_help_command(server, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("help get\r")
    text = t.wait_for("group: string")
    assert "  GET key\n  summary: Get the value of a key\n  since: 1.0.0\n  group: string" in text
    t.send("help\r")
    t.wait_for('"help <tab>" to get a list of possible help topics')


def test_history_file(server, term, tmp_path):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("set histkey 1\r")
    t.wait_for("OK")
    t.send("auth secretpassword\r")
    t.wait_for("(error)")
    t.send("exit\r")
    t.wait_exit()
    hist = (tmp_path / "history").read_text()
    assert "set histkey 1" in hist
    assert "secretpassword" not in hist
    t2 = term("-p", server.port)
    t2.wait_for(prompt(server.port))
    t2.send("\x1b[A")
    t2.wait_for(prompt(server.port) + "exit")
    t2.send("\x1b[A")
    t2.wait_for(prompt(server.port) + "set histkey 1")
    t2.send("\x1b[B")
    t2.wait_for(lambda s: s.splitlines()[-1] == prompt(server.port) + "exit")


def test_line_editing_keys(server, r, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    set_nohints(t, server.port)
    # Ctrl-A / Ctrl-E / Ctrl-B / Ctrl-W / Ctrl-K / Ctrl-U
    t.send("et k v")
    t.send("\x01s\x05")           # home, insert 's', end
    t.wait_for(prompt(server.port) + "set k v")
    t.send(" extra words\x17\x17")  # Ctrl-W twice deletes " extra words"
    t.wait_for(lambda s: s.splitlines()[-1] == prompt(server.port) + "set k v")
    t.send("\x02\x02\x0b")        # back two, kill to end
    t.wait_for(lambda s: s.splitlines()[-1] == prompt(server.port) + "set k")
    t.send(" \xe4\xb8\xad\xe6\x96\x87".encode("latin-1"))  # UTF-8 value
    t.send("\x02\x7f")            # cursor left over one wide char, backspace the other
    t.send("\r")
    t.wait_for("OK")
    assert r.get("k") == "文".encode()
    t.send("garbage\x15ping\r")
    t.wait_for("PONG")


def test_long_line_wraps(server, r, term):
    t = term("-p", server.port, cols=30)
    t.wait_for(prompt(server.port))
    value = "v" * 40
    t.send("set wrapped " + value)
    t.wait_for(value[-10:])
    t.send("\x01\x06\x06\x06\x06X\x05\r")  # edit near the start, back to the end
    t.wait_for("OK")
    # "X" went in after "set ": the key became "Xwrapped"
    assert r.get("Xwrapped") == value.encode()


def test_repeat_prefix_and_timing(server, r, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("3 incr counter\r")
    t.wait_for("(integer) 3")
    t.send("0 ping\r")
    t.wait_for("Invalid vesper-cli repeat command option value.")


def test_not_connected_and_reconnect(spawn, term):
    srv = spawn()
    t = term("-p", srv.port)
    t.wait_for(prompt(srv.port))
    srv.stop()
    t.send("ping\r")
    t.wait_for("not connected> ")
    t.send("ping\r")
    t.wait_for(f"Could not connect to Redis at 127.0.0.1:{srv.port}: Connection refused")
    srv.start()
    t.send("ping\r")
    t.wait_for("PONG")
    t.wait_for(prompt(srv.port))


def test_connect_command_and_redirect(server, term):
    target = FakeServer(canned({b"GET": b"$3\r\nbar\r\n", b"COMMAND": b"*0\r\n"}))
    origin = FakeServer(canned({b"GET": b"-MOVED 3999 127.0.0.1:%d\r\n" % target.port, b"COMMAND": b"*0\r\n"}))
    try:
        t = term("-c", "-p", server.port)
        t.wait_for(prompt(server.port))
        t.send(f"connect 127.0.0.1 {origin.port}\r")
        t.wait_for(prompt(origin.port))
        t.send("get foo\r")
        t.wait_for(f"-> Redirected to slot [3999] located at 127.0.0.1:{target.port}")
        t.wait_for('"bar"')
        t.wait_for(prompt(target.port))
    finally:
        origin.close()
        target.close()


def test_subscribe_streams_until_ctrl_c(term):
    pushed = threading.Event()

    def handler(args):
        if args[0].upper() == b"SUBSCRIBE":
            pushed.set()
            return (b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                    b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n")
        if args[0].upper() == b"PING":
            return b"+PONG\r\n"
        return b"*0\r\n"

    fake = FakeServer(handler)
    try:
        t = term("-p", fake.port)
        t.wait_for(prompt(fake.port))
        t.send("subscribe ch\r")
        text = t.wait_for('3) "hello"')
        assert "Reading messages... (press Ctrl-C to quit)" in text
        assert '1) "subscribe"\n2) "ch"\n3) (integer) 1\n1) "message"' in text
        t.send("\x03")
        t.wait_for(lambda s: s.splitlines()[-1] == prompt(fake.port).rstrip())
        t.send("ping\r")
        t.wait_for("PONG")
    finally:
        fake.close()


def test_ctrl_d_and_ctrl_c_exit(server, term):
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("\x04")
    assert t.wait_exit() == 0
    t = term("-p", server.port)
    t.wait_for(prompt(server.port))
    t.send("abc\x03")
    assert t.wait_exit() == 0


# ---------------------------------------------------------------------------
# Redraw: erase lines, never the screen

def test_regression_redraw_erases_lines_not_the_screen(server, term):
    """Regression (fixed) (lineedit.c): every redraw erased to the end of the
    screen (ESC[J); on the top row that is a screen clear to tmux, which pushed a
    copy of the line into the scrollback per key. Rows are erased with ESC[K."""
    t = term("-p", server.port, cols=30)
    t.wait_for(prompt(server.port))
    set_nohints(t, server.port)
    t.send("set wrapped " + "v" * 30)        # wraps onto a second row
    t.wait_for("v" * 10)
    t.send("\x01\x06\x06\x06\x06X")           # edit on the first row of a wrapped line
    t.wait_for(prompt(server.port) + "set Xwrapped")
    t.send("\x05" + "\x7f" * 30)              # back to one row: the second row must go
    text = t.wait_for(lambda s: s.splitlines()[-1].endswith("set Xwrapped"))
    assert len(text.splitlines()) == 2, text   # the ":set nohints" line and this one
    t.send("\x15")
    t.wait_for(lambda s: s.splitlines()[-1] == prompt(server.port).rstrip())
    assert b"\x1b[J" not in t.raw and b"\x1b[0J" not in t.raw


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")
def test_regression_typing_on_top_row_leaves_tmux_scrollback_alone(server, tmp_path):
    """Regression (fixed) (lineedit.c): in tmux (scroll-on-clear) each key typed on
    the top row of a fresh window put a copy of the line into the scrollback."""
    sock = f"vesper-test-{os.getpid()}"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    env = dict(os.environ, HOME=str(tmp_path), VESPERCLI_HISTFILE=str(tmp_path / "history"), TERM="screen")
    subprocess.run(tmux + ["new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
                           f"{CLI} -p {server.port}"], env=env, check=True)
    try:
        def pane():
            return subprocess.run(tmux + ["capture-pane", "-p", "-S", "-100", "-t", "t"],
                                  capture_output=True, text=True).stdout

        def wait(pred):
            deadline = time.time() + 5
            while time.time() < deadline and not pred(pane()):
                time.sleep(0.05)
            return pane()
        wait(lambda s: prompt(server.port) in s)
        for ch in "set foo":
            subprocess.run(tmux + ["send-keys", "-t", "t", "-l", ch], check=True)
            time.sleep(0.03)
        text = wait(lambda s: "set foo value" in s)
        assert text.count(prompt(server.port).rstrip()) == 1, text
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def test_regression_json_passes_high_bytes_through_like_redis_cli(server, r):
    """Regression (fixed) (format.c): --json wrote bytes above 0x7f that are not
    UTF-8 as \\u00XX; redis-cli 7.0 writes every byte from 0x7f up unchanged (its
    test "Escape character in JSON mode" reads "\\xf0e" back as F0 65), escaping
    only backslash, quote and control characters. Other modes for comparison."""
    r.set("eth", b"\xf0e")
    r.set("ctl", b"Hello\x00\x01\x02\x03World")
    r.set("mix", "中".encode() + b"\x7f\xff\\\"/\t")
    expect = {
        ("--json", "eth"): b'"\xf0e"\n',
        ("--quoted-json", "eth"): b'"\\\\xf0e"\n',
        ("--csv", "eth"): b'"\\xf0e"\n',
        ("--no-raw", "eth"): b'"\\xf0e"\n',
        ("--raw", "eth"): b"\xf0e\n",
        ("--json", "ctl"): b'"Hello\\u0000\\u0001\\u0002\\u0003World"\n',
        ("--quoted-json", "ctl"): b'"Hello\\\\x00\\\\x01\\\\x02\\\\x03World"\n',
        ("--json", "mix"): '"中\x7f'.encode() + b'\xff\\\\\\"/\\t"\n',
    }
    for (mode, key), want in expect.items():
        assert cli(server, mode, "get", key).stdout == want, (mode, key)
    env = dict(os.environ, FAKETTY="1")
    out = subprocess.run([CLI, "-p", str(server.port), "--json", "get", "eth"], env=env, capture_output=True).stdout
    assert out == b'"\xf0e"\n'
    fake = FakeServer(canned({b"X": b"%1\r\n$5\r\nK\x00\x01ey\r\n$7\r\nV\x00\x01alue\r\n", b"HELLO": b"%0\r\n"}))
    try:
        run = lambda *a: subprocess.run([CLI, "-p", str(fake.port), *a, "x"], capture_output=True).stdout  # noqa: E731
        assert run("--json") == b'{"K\\u0000\\u0001ey":"V\\u0000\\u0001alue"}\n'
        assert run("--quoted-json") == b'{"K\\\\x00\\\\x01ey":"V\\\\x00\\\\x01alue"}\n'
    finally:
        fake.close()
