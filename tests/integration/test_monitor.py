"""MONITOR: the line format, what is shown and what is not, redaction, transactions,
MONITOR inside MULTI, RESET, and the output buffer limit that cuts off a monitor
that does not read, and vesper-cli's and redis-cli's MONITOR streaming. Every
expectation here holds against Redis 7.0.15 too."""
import re
import time

from conftest import RawClient

LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$")


def start_monitor(server):
    m = RawClient(port=server.port)
    assert m.cmd("MONITOR") == b"OK"
    return m


def lines(m, n, timeout=3.0):
    """The next n monitor lines, as (db, origin, args-text) tuples."""
    out = []
    for _ in range(n):
        raw = m.read_raw_reply(timeout)
        assert raw.endswith(b"\r\n")
        mt = LINE.match(raw[:-2])
        assert mt, raw
        out.append((int(mt.group(3)), mt.group(4), mt.group(5)))
    return out


def test_monitor_format_and_quoting(server, raw):
    m = start_monitor(server)
    c = raw()
    before = time.time()
    c.cmd("SET", "foo", b'a"b\\c\n\r\t\x07\x08\x01\xff')
    c.cmd("SELECT", "3")
    c.cmd("GET", "foo")
    got = lines(m, 3)
    port = c.sock.getsockname()[1]
    assert got[0] == (0, b"127.0.0.1:%d" % port, b'"SET" "foo" "a\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xff"')
    assert got[1] == (3, b"127.0.0.1:%d" % port, b'"SELECT" "3"')  # the db after the command
    assert got[2][2] == b'"GET" "foo"'
    m.close()
    assert before - 1 < time.time()


def test_monitor_timestamp(server, raw):
    m = start_monitor(server)
    c = raw()
    t0 = time.time()
    c.cmd("PING")
    raw_line = m.read_raw_reply(3)
    secs = float(LINE.match(raw_line[:-2]).group(1) + b"." + LINE.match(raw_line[:-2]).group(2))
    assert abs(secs - t0) < 2
    m.close()


def test_monitor_hides_rejected_and_admin(server, raw):
    m = start_monitor(server)
    c = raw()
    c.cmd("NOSUCHCOMMAND", "x")          # unknown: not shown
    c.cmd("GET")                         # wrong arity: not shown
    c.cmd("CONFIG", "GET", "maxmemory")  # admin: not shown
    c.cmd("CLIENT", "LIST")              # admin subcommand: not shown
    c.cmd("CLIENT", "SETNAME", "x")      # not admin: shown
    c.cmd("DEBUG", "SLEEP", "0")         # admin
    c.cmd("ECHO", "last")
    got = lines(m, 2)
    assert [g[2] for g in got] == [b'"CLIENT" "SETNAME" "x"', b'"ECHO" "last"']
    assert m.read_available(0.2) == b""
    m.close()


def test_monitor_redacts_secrets(server, raw):
    m = start_monitor(server)
    c = raw()
    c.cmd("AUTH", "not-real")
    c.cmd("AUTH", "user", "not-a-password")
    c.cmd("AUTH", "a", "b", "c")         # a syntax error: shown as sent
    c.cmd("HELLO", "2", "AUTH", "user", "pass")
    c.cmd("HELLO", "9", "AUTH", "user", "pass")                 # refused version: as sent
    c.cmd("HELLO", "2", "SETNAME", "auth", "AUTH", "u", "p")     # SETNAME's value is no keyword
    got = [g[2] for g in lines(m, 6)]
    assert got[0] == b'"AUTH" "(redacted)"'
    assert got[1] == b'"AUTH" "(redacted)" "(redacted)"'
    assert got[2] == b'"AUTH" "a" "b" "c"'
    assert got[3] == b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"'
    assert got[4] == b'"HELLO" "9" "AUTH" "user" "pass"'
    assert got[5] == b'"HELLO" "2" "SETNAME" "auth" "AUTH" "(redacted)" "(redacted)"'
    m.close()


def test_monitor_transactions(server, raw):
    m = start_monitor(server)
    c = raw()
    assert c.cmd("MULTI") == b"OK"
    c.cmd("SET", "foo", "bar")
    c.cmd("INCR", "n")
    c.cmd("EXEC")
    assert [g[2] for g in lines(m, 4)] == [b'"MULTI"', b'"SET" "foo" "bar"', b'"INCR" "n"', b'"EXEC"']
    # a doomed transaction: the bad command is not shown, EXEC is
    c.cmd("MULTI")
    c.cmd("NOSUCHCOMMAND")
    c.cmd("EXEC")
    assert [g[2] for g in lines(m, 2)] == [b'"MULTI"', b'"EXEC"']
    # DISCARD
    c.cmd("MULTI")
    c.cmd("SET", "a", "1")
    c.cmd("DISCARD")
    assert [g[2] for g in lines(m, 2)] == [b'"MULTI"', b'"DISCARD"']
    assert m.read_available(0.2) == b""
    m.close()


def test_monitor_blocked_command_shown_once(server, raw):
    m = start_monitor(server)
    b = raw()
    b.send(b"*3\r\n$5\r\nBLPOP\r\n$4\r\nlst1\r\n$1\r\n0\r\n")
    assert lines(m, 1)[0][2] == b'"BLPOP" "lst1" "0"'
    c = raw()
    c.cmd("RPUSH", "lst1", "x")
    assert b.read_reply() == [b"lst1", b"x"]
    assert lines(m, 1)[0][2] == b'"RPUSH" "lst1" "x"'
    assert m.read_available(0.2) == b""
    m.close()


def test_monitor_in_multi_and_twice(server, raw):
    c = raw()
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("MONITOR") == b"QUEUED"
    assert c.cmd("EXEC") == [b"ERR MONITOR isn't allowed for DENY BLOCKING client"]
    assert c.cmd("MONITOR") == b"OK"
    c.send(b"*1\r\n$7\r\nMONITOR\r\n")   # already monitoring: no reply at all
    # the monitor sees its own commands, fed after they ran: the reply comes first
    assert c.cmd("PING") == b"PONG"
    assert lines(c, 1)[0][2] == b'"PING"'
    other = raw()
    other.cmd("SET", "x", "1")
    assert lines(c, 1)[0][2] == b'"SET" "x" "1"'
    # RESET stops monitoring
    assert c.cmd("RESET") == b"RESET"
    other.cmd("SET", "x", "2")
    assert c.read_available(0.2) == b""
    assert b"flags=O" not in c.cmd("CLIENT", "INFO")


def test_monitor_client_list_and_close(server, raw):
    m = start_monitor(server)
    c = raw()
    addr = "addr=127.0.0.1:%d " % m.sock.getsockname()[1]

    def mine(kind="LIST", *args):
        return [ln for ln in c.cmd("CLIENT", kind, *args).decode().splitlines() if addr in ln]

    assert " flags=O " in mine()[0]
    assert len(mine("LIST", "TYPE", "normal")) == 1   # a monitor is a normal client
    m.close()
    time.sleep(0.2)
    c.cmd("SET", "k", "v")  # feeding after the monitor left must be harmless
    assert mine() == []


def test_monitor_output_limit_cuts_off_a_slow_reader(server, raw):
    c = raw()
    c.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 100000 0 0")
    try:
        m = RawClient(port=server.port)
        m.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
        assert m.cmd("MONITOR") == b"OK"
        addr = b"addr=127.0.0.1:%d " % m.sock.getsockname()[1]
        big = b"x" * 100000
        cmd = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + big + b"\r\n"
        for _ in range(20):
            c.send(cmd * 20)
            c.read_replies(20)
        deadline = time.time() + 5
        while time.time() < deadline and addr in c.cmd("CLIENT", "LIST"):
            time.sleep(0.05)
        assert addr not in c.cmd("CLIENT", "LIST")
        m.close()
    finally:
        c.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")


def _cli_streams_monitor(server, raw, cli):
    import subprocess
    p = subprocess.Popen([cli, "-p", str(server.port), "monitor"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"OK\n"
        raw().cmd("SET", "cli-key", "a b")
        line = p.stdout.readline()
        assert LINE.match(b"+" + line.rstrip(b"\n")), line  # the status line, without its "+"
        assert line.rstrip(b"\n").endswith(b'"SET" "cli-key" "a b"')
    finally:
        p.terminate()
        p.wait(5)


def test_vesper_cli_monitor_streams(server, raw):
    import os
    from conftest import REPO_ROOT
    cli = os.environ.get("VESPER_CLI", str(REPO_ROOT / "build" / "vesper-cli"))
    if not os.path.exists(cli):
        import pytest
        pytest.skip("vesper-cli not built")
    _cli_streams_monitor(server, raw, cli)


def test_redis_cli_monitor_streams(server, raw):
    import shutil
    cli = shutil.which("redis-cli")
    if not cli:
        import pytest
        pytest.skip("redis-cli not installed")
    _cli_streams_monitor(server, raw, cli)
