"""Start-up, configuration and server-level behaviour: command line, config files,
logs, shutdown, connection limits, auth, sockets, and the server/connection
commands (INFO, CONFIG, CLIENT, HELLO, RESET, COMMAND, ...).

Expectations follow redis-server 7.0.15 (run with VESPER_SERVER=/usr/bin/redis-server
to check them)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import SERVER_BIN, RespError, encode_command, free_port, ping

WRONGPASS = b"WRONGPASS invalid username-password pair or user is disabled."


def run_server(*args, stdin=None, timeout=10):
    """Runs the server binary to completion (for options that exit immediately)."""
    return subprocess.run([SERVER_BIN] + [str(a) for a in args], input=stdin, capture_output=True,
                          timeout=timeout)


def wait_until(cond, timeout=5.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def ipv6_loopback_available():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def non_loopback_address():
    """A local IPv4 address that is not loopback, or None."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))   # no packet is sent for UDP connect
        addr = s.getsockname()[0]
        s.close()
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def fatal_config_error(proc, line_text, reason, line_no=None):
    err = proc.stderr.decode()
    assert proc.returncode == 1, (proc.returncode, err)
    assert "*** FATAL CONFIG FILE ERROR" in err, err
    assert f">>> '{line_text}'" in err, err
    assert reason in err, err
    if line_no is not None:
        assert f"Reading the configuration file, at line {line_no}" in err, err


# --- command line ----------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version(flag):
    p = run_server(flag)
    assert p.returncode == 0
    assert re.match(rb"^\S+ server v=\d+\.\d+\.\d+ .*\bsha=\S+ malloc=\S+ bits=(64|32) build=\S+\n$",
                    p.stdout), p.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(flag):
    p = run_server(flag)
    assert p.returncode == 1
    out = p.stdout + p.stderr
    assert b"Usage: " in out and b".conf] [options] [-]" in out
    assert b"(read config from stdin)" in out


def test_unknown_option():
    p = run_server("--port", free_port(), "--foo", "bar")
    fatal_config_error(p, 'foo "bar"', "Bad directive or wrong number of arguments")


def test_option_with_bad_value():
    p = run_server("--port", "70000")
    fatal_config_error(p, 'port "70000"', "argument must be between 0 and 65535 inclusive")
    p = run_server("--databases", "0")
    fatal_config_error(p, 'databases "0"', "argument must be between 1 and 2147483647 inclusive")


def test_missing_config_file():
    p = run_server("/nonexistent/vesper.conf")
    assert p.returncode == 1
    assert b"Fatal error, can't open config file '/nonexistent/vesper.conf'" in p.stdout + p.stderr


# --- config files ----------------------------------------------------------------

def write_conf(text):
    d = tempfile.mkdtemp(prefix="vesper-conf-")
    path = os.path.join(d, "test.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


@pytest.mark.parametrize("text,line_no,line_text,reason", [
    ("save ''\nfoo bar\n", 2, "foo bar", "Bad directive or wrong number of arguments"),
    ("port abc\n", 1, "port abc", "argument couldn't be parsed into an integer"),
    ("# c\n\nport\n", 3, "port", "wrong number of arguments"),
    ("maxmemory-policy foo\n", 1, "maxmemory-policy foo",
     "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
     "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
    ("appendonly maybe\n", 1, "appendonly maybe", "argument must be 'yes' or 'no'"),
])
def test_fatal_config_file_error(text, line_no, line_text, reason):
    p = run_server(write_conf(text))
    fatal_config_error(p, line_text, reason, line_no)


def test_config_file_with_port_override(spawn):
    port_in_file = free_port()
    path = write_conf(f"port {port_in_file}\nsave ''\nmaxmemory 1mb\n# a comment\n\n"
                      "hash-max-ziplist-entries 100\n")
    port = free_port()
    srv = spawn(path, "--port", port, "--bind", "127.0.0.1", port=port, defaults=False)
    r = srv.client()
    assert r.config_get("port") == {"port": str(port)}
    assert r.config_get("maxmemory") == {"maxmemory": "1048576"}
    assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "100"}
    assert r.info("server")["config_file"] == path
    assert not ping("127.0.0.1", port_in_file, timeout=0.3)


def test_config_from_stdin(spawn):
    port = free_port()
    srv = spawn("-", stdin=f"port {port}\nbind 127.0.0.1\nsave \"\"\nmaxmemory 2mb\n",
                port=port, defaults=False)
    assert srv.client().config_get("maxmemory") == {"maxmemory": "2097152"}
    assert srv.wait_log("Reading config from stdin")


def test_config_file_then_stdin(spawn):
    port = free_port()
    path = write_conf(f"port {port}\nbind 127.0.0.1\nsave ''\n")
    srv = spawn(path, "-", stdin="maxmemory 3mb\n", port=port, defaults=False)
    assert srv.client().config_get("maxmemory") == {"maxmemory": "3145728"}


def test_config_rewrite(spawn):
    port = free_port()
    path = write_conf(f"port {port}\nbind 127.0.0.1\nsave \"\"\n# keep me\nmaxmemory 1mb\n")
    srv = spawn(path, port=port, defaults=False)
    r = srv.client()
    assert r.config_set("maxmemory", "10mb")
    assert r.config_rewrite()
    text = open(path).read()
    assert "maxmemory 10mb" in text
    assert "# keep me" in text
    assert f"port {port}" in text


def test_config_rewrite_without_file(r):
    with pytest.raises(redis.ResponseError, match="^The server is running without a config file$"):
        r.config_rewrite()


def test_debian_redis_conf_unmodified(spawn):
    src = "/etc/redis/redis.conf"
    if not os.access(src, os.R_OK):
        pytest.skip("no readable /etc/redis/redis.conf")
    d = tempfile.mkdtemp(prefix="vesper-debconf-")
    conf = os.path.join(d, "redis.conf")
    shutil.copy(src, conf)
    port = free_port()
    srv = spawn(conf, "--daemonize", "no", "--logfile", "", "--dir", d, "--pidfile", f"{d}/p",
                "--port", port, port=port, defaults=False)
    r = srv.client()
    assert r.ping()
    assert r.config_get("databases") == {"databases": "16"}
    assert r.config_get("bind") == {"bind": "127.0.0.1 -::1"}
    assert r.config_get("tcp-keepalive") == {"tcp-keepalive": "300"}
    assert r.config_get("dir") == {"dir": d}
    assert wait_until(lambda: os.path.exists(f"{d}/p"))
    assert open(f"{d}/p").read().strip() == str(srv.proc.pid)
    assert srv.stop() == 0
    assert not os.path.exists(f"{d}/p")


# --- logs and shutdown --------------------------------------------------------------

def test_startup_log_lines(spawn):
    srv = spawn()
    log = srv.log_text()
    assert "Server initialized" in log
    assert "Ready to accept connections" in log
    assert re.search(rf"pid={srv.proc.pid}\b", log), log
    assert re.search(r"^\d+:[CM] \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ", log, re.M), log


def test_logo_shows_pid(spawn):
    srv = spawn("--always-show-logo", "yes")
    assert f" PID: {srv.proc.pid}" in srv.log_text()


def test_logfile_directive(spawn, tmp_path):
    logfile = tmp_path / "vesper.log"
    srv = spawn("--logfile", logfile)
    assert wait_until(lambda: logfile.exists() and "Ready to accept connections" in logfile.read_text())
    srv.stop()
    assert "ready to exit, bye bye" in logfile.read_text()


def test_sigterm_clean_shutdown(spawn):
    srv = spawn()
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.wait_exit(10) == 0
    log = srv.log_text()
    assert "Received SIGTERM scheduling shutdown" in log
    assert "ready to exit, bye bye" in log


def test_sigint_clean_shutdown(spawn):
    srv = spawn()
    srv.proc.send_signal(signal.SIGINT)
    assert srv.wait_exit(10) == 0
    assert "Received SIGINT scheduling shutdown" in srv.log_text()


def test_shutdown_nosave(spawn):
    srv = spawn()
    r = srv.client()
    r.set("k", "v")
    with pytest.raises(redis.ConnectionError):
        r.execute_command("SHUTDOWN", "NOSAVE")
    assert srv.wait_exit(10) == 0
    assert "ready to exit, bye bye" in srv.log_text()


def test_shutdown_syntax_errors(r):
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SHUTDOWN", "FOO")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SHUTDOWN", "NOSAVE", "ABORT")
    with pytest.raises(redis.ResponseError, match=r"^No shutdown in progress\.$"):
        r.execute_command("SHUTDOWN", "ABORT")


def test_pidfile_written_and_removed(spawn, tmp_path):
    pidfile = tmp_path / "vesper.pid"
    srv = spawn("--pidfile", pidfile)
    assert wait_until(pidfile.exists)
    assert pidfile.read_text().strip() == str(srv.proc.pid)
    assert srv.stop() == 0
    assert not pidfile.exists()


# --- connection limits, protection, auth ------------------------------------------------

def test_maxclients(spawn):
    srv = spawn("--maxclients", "2")
    a, b = srv.raw(), srv.raw()
    assert a.cmd("PING") == b"PONG" and b.cmd("PING") == b"PONG"
    c = srv.raw()
    assert c.read_until_close(5) == b"-ERR max number of clients reached\r\n"
    assert a.cmd("INFO", "stats").count(b"rejected_connections:1\r\n") == 1
    b.close()
    assert wait_until(lambda: ping("127.0.0.1", srv.port))


def test_maxclients_config_set(spawn):
    srv = spawn()
    a = srv.raw()
    assert a.cmd("CONFIG", "SET", "maxclients", "1") == b"OK"
    b = srv.raw()
    assert b.read_until_close(5) == b"-ERR max number of clients reached\r\n"


def test_protected_mode_allows_loopback(spawn):
    srv = spawn("--protected-mode", "yes")
    assert srv.client().config_get("protected-mode") == {"protected-mode": "yes"}
    assert srv.client().ping()


def test_protected_mode_denies_non_loopback(spawn):
    addr = non_loopback_address()
    if addr is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    srv = spawn("--protected-mode", "yes", "--bind", "* -::*")
    s = socket.create_connection((addr, srv.port), timeout=5)
    data = b""
    while True:             # the server replies on accept, before any command
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"-DENIED Redis is running in protected mode because protected mode is "
                           b"enabled and no password is set for the default user. In this mode "
                           b"connections are only accepted from the loopback interface.")
    assert data.endswith(b"NOTE: You only need to do one of the above things in order for the "
                         b"server to start accepting connections from the outside.\r\n")
    assert srv.client().ping()


def test_requirepass(spawn):
    srv = spawn("--requirepass", "foobar")
    c = srv.raw()
    assert c.cmd("PING") == RespError(b"NOAUTH Authentication required.")
    assert c.cmd("GET", "a") == RespError(b"NOAUTH Authentication required.")
    assert c.cmd("HELLO", "3") == RespError(
        b"NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        b"HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
        b"the RESP protocol version at the same time")
    assert c.cmd("AUTH", "wrong") == RespError(WRONGPASS)
    assert c.cmd("AUTH", "default", "wrong") == RespError(WRONGPASS)
    assert c.cmd("AUTH", "nouser", "foobar") == RespError(WRONGPASS)
    assert c.cmd("HELLO", "3", "AUTH", "default", "wrong") == RespError(WRONGPASS)
    assert c.cmd("AUTH", "a", "b", "c") == RespError(b"ERR syntax error")
    assert c.cmd("PING") == RespError(b"NOAUTH Authentication required.")
    assert c.cmd("AUTH", "foobar") == b"OK"
    assert c.cmd("PING") == b"PONG"
    d = srv.raw()
    assert d.cmd("AUTH", "default", "foobar") == b"OK"
    e = srv.raw()
    assert e.cmd("HELLO", "3", "AUTH", "default", "foobar")[b"proto"] == 3
    # QUIT and AUTH are allowed without authentication; RESET too
    f = srv.raw()
    assert f.cmd("RESET") == b"RESET"
    f.send(encode_command("QUIT"))
    assert f.read_until_close(5) == b"+OK\r\n"


def test_requirepass_config_set(spawn):
    srv = spawn()
    a = srv.raw()
    assert a.cmd("CONFIG", "SET", "requirepass", "secret") == b"OK"
    b = srv.raw()
    assert b.cmd("PING") == RespError(b"NOAUTH Authentication required.")
    assert b.cmd("AUTH", "secret") == b"OK"
    assert a.cmd("CONFIG", "SET", "requirepass", "") == b"OK"
    assert srv.raw().cmd("PING") == b"PONG"


def test_requirepass_binary(spawn):
    srv = spawn()
    a = srv.raw()
    assert a.cmd("CONFIG", "SET", "requirepass", b"abc\x00def") == b"OK"
    b = srv.raw()
    assert b.cmd("AUTH", "abc") == RespError(WRONGPASS)
    assert b.cmd("AUTH", b"abc\x00def") == b"OK"


def test_auth_without_password_configured(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("AUTH", "x")
    assert str(e.value) == ("AUTH <password> called without any password configured for the "
                            "default user. Are you sure your configuration is correct?")
    with pytest.raises(redis.ResponseError, match="^WRONGPASS invalid username-password pair"):
        r.execute_command("AUTH", "a", "b")


# --- timeouts, sockets, binds ----------------------------------------------------------

def test_idle_client_timeout(spawn):
    srv = spawn("--timeout", "1")
    idle = srv.raw()
    busy = srv.raw()
    assert idle.cmd("PING") == b"PONG"
    deadline = time.time() + 3
    while time.time() < deadline:
        assert busy.cmd("PING") == b"PONG"
        time.sleep(0.2)
    assert idle.is_closed(3)
    assert busy.cmd("PING") == b"PONG"


def test_unix_socket(spawn, tmp_path):
    path = str(tmp_path / "vesper.sock")
    srv = spawn("--unixsocket", path, "--unixsocketperm", "700")
    assert wait_until(lambda: os.path.exists(path))
    assert (os.stat(path).st_mode & 0o777) == 0o700
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"PING\r\nCLIENT INFO\r\n")
    data = b""
    while b"resp=2" not in data:
        data += s.recv(65536)
    s.close()
    assert data.startswith(b"+PONG\r\n$")
    assert f"addr={path}:0 laddr={path}:0 ".encode() in data
    assert b" flags=U " in data
    assert srv.client().config_get("unixsocket") == {"unixsocket": path}
    srv.stop()
    assert not os.path.exists(path)


def test_several_binds(spawn):
    port = free_port()
    if ipv6_loopback_available():
        srv = spawn("--bind", "127.0.0.1 ::1", port=port)
        s = socket.create_connection(("::1", port), timeout=5)
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
        s.close()
    else:
        srv = spawn("--bind", "127.0.0.1 -::1", port=port)
    assert srv.client().ping()


def test_bind_optional_address(spawn):
    srv = spawn("--bind", "127.0.0.1 -::1")
    assert srv.client().config_get("bind") == {"bind": "127.0.0.1 -::1"}


def test_port_in_use_fails(spawn, server):
    p = run_server("--port", server.port, "--bind", "127.0.0.1", "--save", "")
    assert p.returncode == 1
    assert b"Address already in use" in p.stdout + p.stderr


# --- SELECT and databases --------------------------------------------------------------

def test_select_and_databases(spawn):
    srv = spawn("--databases", "4")
    c = srv.raw()
    assert c.cmd("SELECT", "3") == b"OK"
    assert c.cmd("SET", "k", "in3") == b"OK"
    assert c.cmd("SELECT", "4") == RespError(b"ERR DB index is out of range")
    assert c.cmd("SELECT", "-1") == RespError(b"ERR DB index is out of range")
    assert c.cmd("SELECT", "abc") == RespError(b"ERR value is not an integer or out of range")
    assert c.cmd("GET", "k") == b"in3"
    assert c.cmd("SELECT", "0") == b"OK"
    assert c.cmd("GET", "k") is None
    assert c.cmd("CONFIG", "GET", "databases") == [b"databases", b"4"]
    assert c.cmd("CONFIG", "SET", "databases", "10") == RespError(
        b"ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")


def test_swapdb(r):
    c = r
    c.set("a", "db0")
    assert c.swapdb(0, 1)
    assert c.get("a") is None
    c.execute_command("SELECT", "1")
    assert c.get("a") == b"db0"
    c.execute_command("SELECT", "0")
    with pytest.raises(redis.ResponseError, match="^DB index is out of range$"):
        c.swapdb(0, 16)
    with pytest.raises(redis.ResponseError, match="^invalid first DB index$"):
        c.execute_command("SWAPDB", "a", "1")


# --- INFO -----------------------------------------------------------------------------

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                    "Modules", "Errorstats", "Cluster", "Keyspace"]
ALL_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"]
FIELDS = {
    "server": ["redis_version", "redis_git_sha1", "redis_mode", "os", "arch_bits", "multiplexing_api",
               "process_id", "run_id", "tcp_port", "server_time_usec", "uptime_in_seconds",
               "uptime_in_days", "hz", "configured_hz", "lru_clock", "executable", "config_file"],
    "clients": ["connected_clients", "cluster_connections", "maxclients", "client_recent_max_input_buffer",
                "client_recent_max_output_buffer", "blocked_clients", "tracking_clients"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
               "used_memory_peak", "used_memory_peak_human", "maxmemory", "maxmemory_human",
               "maxmemory_policy", "mem_fragmentation_ratio", "mem_allocator", "used_memory_dataset"],
    "persistence": ["loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                    "rdb_last_save_time", "rdb_last_bgsave_status", "aof_enabled",
                    "aof_rewrite_in_progress"],
    "stats": ["total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
              "total_net_input_bytes", "total_net_output_bytes", "rejected_connections",
              "expired_keys", "evicted_keys", "keyspace_hits", "keyspace_misses",
              "pubsub_channels", "pubsub_patterns", "total_error_replies"],
    "replication": ["role", "connected_slaves", "master_replid", "master_repl_offset"],
    "cpu": ["used_cpu_sys", "used_cpu_user"],
    "cluster": ["cluster_enabled"],
}


def info_sections(raw_info):
    return re.findall(rb"^# (\w+)\r$", raw_info, re.M)


def test_info_default_sections(raw):
    c = raw()
    assert info_sections(c.cmd("INFO")) == [s.encode() for s in DEFAULT_SECTIONS]
    assert info_sections(c.cmd("INFO", "default")) == [s.encode() for s in DEFAULT_SECTIONS]
    assert info_sections(c.cmd("INFO", "all")) == [s.encode() for s in ALL_SECTIONS]
    assert info_sections(c.cmd("INFO", "everything")) == [s.encode() for s in ALL_SECTIONS]
    assert info_sections(c.cmd("INFO", "server", "clients")) == [b"Server", b"Clients"]
    assert info_sections(c.cmd("INFO", "CPU")) == [b"CPU"]
    assert c.cmd("INFO", "nosuchsection") == b""


def test_info_lines_are_crlf(raw):
    text = raw().cmd("INFO")
    assert text.endswith(b"\r\n")
    for line in text.split(b"\r\n")[:-1]:
        assert line == b"" or line.startswith(b"# ") or re.match(rb"^[A-Za-z0-9_|\-]+:", line), line


@pytest.mark.parametrize("section", sorted(FIELDS))
def test_info_fields(r, section):
    info = r.info(section)
    missing = [f for f in FIELDS[section] if f not in info]
    assert not missing, f"missing fields in INFO {section}: {missing}"


def test_info_values(server, r):
    info = r.info("server")
    assert str(info["redis_version"]).startswith("7.0")
    assert info["redis_mode"] == "standalone"
    assert info["process_id"] == server.proc.pid
    assert info["tcp_port"] == server.port
    assert info["arch_bits"] == 64
    assert len(info["run_id"]) == 40
    assert info["executable"].startswith("/")
    assert r.info("replication")["role"] == "master"
    assert r.info("cluster")["cluster_enabled"] == 0
    assert r.info("clients")["maxclients"] == 10000
    assert r.info("memory")["maxmemory_policy"] == "noeviction"


def test_info_keyspace_and_stats(r, raw):
    assert r.info("keyspace") == {}
    r.set("a", 1)
    r.set("b", 2, ex=100)
    assert r.info("keyspace")["db0"]["keys"] == 2
    assert r.info("keyspace")["db0"]["expires"] == 1
    r.config_resetstat()
    r.get("a")
    r.get("nokey")
    stats = r.info("stats")
    assert stats["keyspace_hits"] == 1
    assert stats["keyspace_misses"] == 1
    assert re.search(rb"^db0:keys=2,expires=1,avg_ttl=\d+\r$", raw().cmd("INFO", "keyspace"), re.M)


def test_info_commandstats_and_errorstats(r, raw):
    r.config_resetstat()
    r.set("a", 1)
    r.set("a", 2)
    with pytest.raises(redis.ResponseError):
        r.execute_command("NOSUCHCOMMAND")
    with pytest.raises(redis.ResponseError):
        r.execute_command("INCR", "a", "b")
    text = raw().cmd("INFO", "commandstats")
    assert re.search(rb"^cmdstat_set:calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,"
                     rb"failed_calls=0\r$", text, re.M), text
    assert re.search(rb"^cmdstat_incr:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,"
                     rb"failed_calls=0\r$", text, re.M), text
    err = raw().cmd("INFO", "errorstats")
    assert re.search(rb"^errorstat_ERR:count=2\r$", err, re.M), err
    assert r.info("stats")["total_error_replies"] == 2


# --- CONFIG -------------------------------------------------------------------------

def test_config_get(raw, server):
    c = raw()
    assert c.cmd("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
    assert c.cmd("CONFIG", "GET", "nosuch") == []
    pairs = c.cmd("CONFIG", "GET", "port", "databases")     # order is unspecified
    assert dict(zip(pairs[0::2], pairs[1::2])) == {b"port": str(server.port).encode(),
                                                   b"databases": b"16"}
    pairs = c.cmd("CONFIG", "GET", "*max-*-entries*")
    got = dict(zip(pairs[0::2], pairs[1::2]))
    assert got == {b"set-max-intset-entries": b"512", b"hash-max-ziplist-entries": b"512",
                   b"zset-max-listpack-entries": b"128", b"zset-max-ziplist-entries": b"128",
                   b"hash-max-listpack-entries": b"512"}
    assert c.cmd("CONFIG", "GET") == RespError(b"ERR wrong number of arguments for 'config|get' command")
    assert c.cmd("CONFIG", "GET", "save") == [b"save", b""]
    assert c.cmd("CONFIG", "GET", "appendonly") == [b"appendonly", b"no"]
    assert c.cmd("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"noeviction"]


def test_config_set(raw):
    c = raw()
    try:
        assert c.cmd("CONFIG", "SET", "maxmemory", "10mb") == b"OK"
        assert c.cmd("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]
        assert c.cmd("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru") == b"OK"
        assert c.cmd("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"1073741824"]
        assert c.cmd("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]
        assert c.cmd("CONFIG", "SET", "hash-max-ziplist-entries", "100") == b"OK"
        assert c.cmd("CONFIG", "GET", "hash-max-listpack-entries") == [b"hash-max-listpack-entries", b"100"]
    finally:
        c.cmd("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction",
              "hash-max-listpack-entries", "512")


def test_config_set_errors(raw):
    c = raw()
    assert c.cmd("CONFIG", "SET", "nosuch", "x") == RespError(
        b"ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    assert c.cmd("CONFIG", "SET", "port", "abc") == RespError(
        b"ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer")
    assert c.cmd("CONFIG", "SET", "maxmemory", "abc") == RespError(
        b"ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
    assert c.cmd("CONFIG", "SET", "maxmemory", "1", "maxmemory", "2") == RespError(
        b"ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter")
    assert c.cmd("CONFIG", "SET", "hz", "10", "maxmemory") == RespError(b"ERR syntax error")
    assert c.cmd("CONFIG", "SET", "maxmemory-policy", "foo") == RespError(
        b"ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one "
        b"of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
        b"allkeys-lfu, allkeys-random, noeviction")
    # a failed multi-parameter CONFIG SET changes nothing
    assert c.cmd("CONFIG", "SET", "maxmemory", "5mb", "port", "abc") != b"OK"
    assert c.cmd("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
    assert c.cmd("CONFIG", "FOO") == RespError(b"ERR unknown subcommand 'FOO'. Try CONFIG HELP.")
    assert c.cmd("CONFIG") == RespError(b"ERR wrong number of arguments for 'config' command")


def test_config_resetstat(r):
    r.set("a", 1)
    r.get("a")
    assert r.config_resetstat()
    assert r.info("stats")["keyspace_hits"] == 0


def test_config_help(raw):
    lines = raw().cmd("CONFIG", "HELP")
    assert lines[0] == b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


# --- CLIENT ---------------------------------------------------------------------------

CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                 "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl",
                 "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"]


def parse_client_line(line):
    return dict(f.split("=", 1) for f in line.decode().split(" "))


def test_client_id_info_list(raw, server):
    c = raw()
    cid = c.cmd("CLIENT", "ID")
    assert isinstance(cid, int) and cid > 0
    info = c.cmd("CLIENT", "INFO")
    assert info.endswith(b"\n") and info.count(b"\n") == 1
    fields = parse_client_line(info.strip())
    # Redis 7.2's CLIENT SETINFO fields follow, in Vesper only
    assert list(fields)[:len(CLIENT_FIELDS)] == CLIENT_FIELDS
    assert list(fields)[len(CLIENT_FIELDS):] in ([], ["lib-name", "lib-ver"])
    assert fields["id"] == str(cid)
    assert fields["laddr"] == f"127.0.0.1:{server.port}"
    assert fields["cmd"] == "client|info"
    assert fields["flags"] == "N" and fields["db"] == "0" and fields["user"] == "default"
    assert fields["resp"] == "2" and fields["multi"] == "-1"
    other = raw()
    oid = other.cmd("CLIENT", "ID")
    listing = c.cmd("CLIENT", "LIST")
    ids = [parse_client_line(l)["id"] for l in listing.strip().split(b"\n")]
    assert str(cid) in ids and str(oid) in ids
    one = c.cmd("CLIENT", "LIST", "ID", str(oid))
    assert [parse_client_line(l)["id"] for l in one.strip().split(b"\n")] == [str(oid)]
    assert c.cmd("CLIENT", "LIST", "ID", "999999", "999998") == b""
    assert str(cid).encode() in c.cmd("CLIENT", "LIST", "TYPE", "normal")
    assert c.cmd("CLIENT", "LIST", "TYPE", "pubsub") == b""
    assert c.cmd("CLIENT", "LIST", "TYPE", "foo") == RespError(b"ERR Unknown client type 'foo'")
    assert c.cmd("CLIENT", "LIST", "ID", "abc") == RespError(b"ERR Invalid client ID")
    assert c.cmd("CLIENT", "LIST", "foo") == RespError(b"ERR syntax error")


def test_client_setname_getname(raw):
    c = raw()
    assert c.cmd("CLIENT", "GETNAME") is None
    assert c.cmd("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert c.cmd("CLIENT", "GETNAME") == b"worker-1"
    assert b" name=worker-1 " in c.cmd("CLIENT", "INFO")
    assert c.cmd("CLIENT", "SETNAME", "a b") == RespError(
        b"ERR Client names cannot contain spaces, newlines or special characters.")
    assert c.cmd("CLIENT", "SETNAME", "a\nb") == RespError(
        b"ERR Client names cannot contain spaces, newlines or special characters.")
    assert c.cmd("CLIENT", "SETNAME", "") == b"OK"
    assert c.cmd("CLIENT", "GETNAME") is None


def test_client_kill_filters(raw, server):
    killer = raw()
    victims = [raw() for _ in range(3)]
    ids = [v.cmd("CLIENT", "ID") for v in victims]
    addrs = [parse_client_line(v.cmd("CLIENT", "INFO").strip())["addr"] for v in victims]
    assert killer.cmd("CLIENT", "KILL", "ID", str(ids[0])) == 1
    assert victims[0].is_closed(2)
    assert killer.cmd("CLIENT", "KILL", "ADDR", addrs[1]) == 1
    assert victims[1].is_closed(2)
    assert killer.cmd("CLIENT", "KILL", addrs[2]) == b"OK"
    assert victims[2].is_closed(2)
    assert killer.cmd("CLIENT", "KILL", addrs[2]) == RespError(b"ERR No such client")
    assert killer.cmd("CLIENT", "KILL", "ID", "999999") == 0
    assert killer.cmd("CLIENT", "KILL", "ID", "abc") == RespError(b"ERR client-id should be greater than 0")
    assert killer.cmd("CLIENT", "KILL", "ID", "0") == RespError(b"ERR client-id should be greater than 0")
    assert killer.cmd("CLIENT", "KILL", "TYPE", "foo") == RespError(b"ERR Unknown client type 'foo'")
    assert killer.cmd("CLIENT", "KILL", "USER", "nouser") == RespError(b"ERR No such user 'nouser'")
    assert killer.cmd("CLIENT", "KILL", "SKIPME", "maybe") == RespError(b"ERR syntax error")
    assert killer.cmd("CLIENT", "KILL", "FOO", "bar") == RespError(b"ERR syntax error")
    assert killer.cmd("CLIENT", "KILL", "LADDR", "1.1.1.1:1") == 0
    more = [raw() for _ in range(2)]
    for m in more:
        m.cmd("PING")
    n = killer.cmd("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    assert n >= 2
    assert all(m.is_closed(2) for m in more)
    assert killer.cmd("PING") == b"PONG"
    laddr = f"127.0.0.1:{server.port}"
    victim = raw()
    victim.cmd("PING")
    assert killer.cmd("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "yes") >= 1
    assert victim.is_closed(2)
    victim = raw()
    victim.cmd("PING")
    assert killer.cmd("CLIENT", "KILL", "USER", "default", "SKIPME", "yes") >= 1
    assert victim.is_closed(2)
    assert killer.cmd("CLIENT", "KILL", "ID", str(killer.cmd("CLIENT", "ID")), "SKIPME", "no") == 1
    assert killer.is_closed(2)


def test_client_reply_off_on_skip(raw):
    c = raw()
    c.send(b"CLIENT REPLY OFF\r\nPING\r\nSET a 1\r\nCLIENT REPLY ON\r\nPING\r\n")
    assert c.read_raw_reply() == b"+OK\r\n"
    assert c.read_raw_reply() == b"+PONG\r\n"
    c.send(b"CLIENT REPLY SKIP\r\nPING\r\nGET a\r\n")
    assert c.read_raw_reply() == b"$1\r\n1\r\n"
    assert c.read_available(0.2) == b""
    assert c.cmd("CLIENT", "REPLY", "foo") == RespError(b"ERR syntax error")


def test_client_no_evict(raw):
    c = raw()
    assert c.cmd("CLIENT", "NO-EVICT", "on") == b"OK"
    assert b"flags=e" in c.cmd("CLIENT", "INFO")
    assert c.cmd("CLIENT", "NO-EVICT", "off") == b"OK"
    assert c.cmd("CLIENT", "NO-EVICT", "maybe") == RespError(b"ERR syntax error")


def test_client_errors(raw):
    c = raw()
    assert c.cmd("CLIENT", "foo") == RespError(b"ERR unknown subcommand 'foo'. Try CLIENT HELP.")
    assert c.cmd("CLIENT") == RespError(b"ERR wrong number of arguments for 'client' command")
    assert c.cmd("CLIENT", "PAUSE", "abc") == RespError(b"ERR timeout is not an integer or out of range")
    assert c.cmd("CLIENT", "UNPAUSE") == b"OK"
    help_lines = c.cmd("CLIENT", "HELP")
    assert help_lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


# --- connection commands ------------------------------------------------------------------

def test_ping_echo_time(raw):
    c = raw()
    c.send(b"PING\r\n")
    assert c.read_raw_reply() == b"+PONG\r\n"
    c.send(encode_command("PING", "hello"))
    assert c.read_raw_reply() == b"$5\r\nhello\r\n"
    assert c.cmd("PING", "a", "b") == RespError(b"ERR wrong number of arguments for 'ping' command")
    assert c.cmd("ECHO", "x\x00y") == b"x\x00y"
    assert c.cmd("ECHO") == RespError(b"ERR wrong number of arguments for 'echo' command")
    secs, usecs = c.cmd("TIME")
    assert abs(int(secs) - time.time()) < 5
    assert 0 <= int(usecs) < 1000000


def test_quit(raw):
    c = raw()
    c.send(encode_command("QUIT"))
    assert c.read_until_close(5) == b"+OK\r\n"


def test_hello_setname_and_reset(raw):
    c = raw()
    reply = c.cmd("HELLO", "3", "SETNAME", "myname")
    assert reply[b"proto"] == 3
    assert c.cmd("CLIENT", "GETNAME") == b"myname"
    assert c.cmd("SELECT", "2") == b"OK"
    c.send(encode_command("RESET"))
    assert c.read_raw_reply() == b"+RESET\r\n"
    c.send(encode_command("GET", "nokey"))
    assert c.read_raw_reply() == b"$-1\r\n"          # back to RESP2
    assert c.cmd("CLIENT", "GETNAME") is None
    assert b" db=0 " in c.cmd("CLIENT", "INFO")
    c.send(encode_command("HELLO"))
    reply = c.read_reply()
    assert reply[4:6] == [b"proto", 2]


def test_reset_leaves_multi_and_reply_off(raw):
    c = raw()
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("SET", "a", "1") == b"QUEUED"
    assert c.cmd("RESET") == b"RESET"
    assert c.cmd("EXEC") == RespError(b"ERR EXEC without MULTI")


# --- COMMAND ---------------------------------------------------------------------------

def test_command_count_list(raw):
    c = raw()
    count = c.cmd("COMMAND", "COUNT")
    names = c.cmd("COMMAND", "LIST")
    assert len(names) == len(set(names))
    assert isinstance(count, int) and count == len([n for n in names if b"|" not in n])
    assert len(c.cmd("COMMAND")) == count
    assert {b"config|get", b"config|set", b"client|list", b"command|info"} <= set(names)
    for name in (b"get", b"set", b"ping", b"command", b"config", b"client", b"info"):
        assert name in names
    ge = set(c.cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "ge*"))
    assert {b"get", b"getrange", b"getset", b"getdel", b"getex"} <= ge
    assert all(n.startswith(b"ge") for n in ge)
    assert set(c.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", "hyperloglog")) <= {
        b"pfcount", b"pfselftest", b"pfadd", b"pfmerge", b"pfdebug"}
    assert set(c.cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*")) == {
        b"config|resetstat", b"config|rewrite", b"config|set", b"config|help", b"config|get"}
    assert c.cmd("COMMAND", "LIST", "FILTERBY", "MODULE", "x") == []
    assert c.cmd("COMMAND", "LIST", "FILTERBY", "foo", "bar") == RespError(b"ERR syntax error")


def test_command_info(raw):
    c = raw()
    c.send(encode_command("COMMAND", "INFO", "get"))
    assert c.read_raw_reply() == (
        b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
        b"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
        b"+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
        b"*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
        b"$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n")
    info = c.cmd("COMMAND", "INFO", "nosuch", "set", "CONFIG")
    assert info[0] is None
    assert info[1][0:2] == [b"set", -3]
    assert info[1][2] == [b"write", b"denyoom"]
    assert info[2][0:2] == [b"config", -2]
    subs = sorted(s[0] for s in info[2][9])
    assert {b"config|get", b"config|set", b"config|resetstat", b"config|rewrite", b"config|help"} <= set(subs)


def test_command_docs(raw):
    c = raw()
    c.send(encode_command("COMMAND", "DOCS", "get"))
    assert c.read_raw_reply() == (
        b"*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
        b"$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n"
        b"$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
        b"$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n")
    assert c.cmd("COMMAND", "DOCS", "nosuch") == []


def test_command_getkeys(raw):
    c = raw()
    assert c.cmd("COMMAND", "GETKEYS", "get", "a") == [b"a"]
    assert c.cmd("COMMAND", "GETKEYS", "set", "a", "b") == [b"a"]
    assert c.cmd("COMMAND", "GETKEYS", "mset", "a", "b", "c", "d") == [b"a", b"c"]
    assert c.cmd("COMMAND", "GETKEYS", "foo", "a") == RespError(b"ERR Invalid command specified")
    assert c.cmd("COMMAND", "GETKEYS", "mset", "a") == RespError(
        b"ERR Invalid number of arguments specified for command")
    assert c.cmd("COMMAND", "GETKEYS", "get") == RespError(
        b"ERR wrong number of arguments for 'command|getkeys' command")
    assert c.cmd("COMMAND", "FOO") == RespError(b"ERR unknown subcommand 'FOO'. Try COMMAND HELP.")


# --- error texts ----------------------------------------------------------------------

def test_unknown_command_errors(raw):
    c = raw()
    c.send(encode_command("foo", "a", "b"))
    assert c.read_raw_reply() == b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
    c.send(encode_command("foo"))
    assert c.read_raw_reply() == b"-ERR unknown command 'foo', with args beginning with: \r\n"
    c.send(b"*1\r\n$0\r\n\r\n")
    assert c.read_raw_reply() == b"-ERR unknown command '', with args beginning with: \r\n"
    c.send(encode_command("foo", *[f"a{i}" for i in range(200)]))
    assert c.read_raw_reply() == (
        b"-ERR unknown command 'foo', with args beginning with: 'a0' 'a1' 'a2' 'a3' 'a4' 'a5' 'a6' "
        b"'a7' 'a8' 'a9' 'a10' 'a11' 'a12' 'a13' 'a14' 'a15' 'a16' 'a17' 'a18' 'a19' 'a20' 'a21' "
        b"'a22' \r\n")
    c.send(encode_command("foo", "a" * 100, "a" * 100))
    assert c.read_raw_reply() == (b"-ERR unknown command 'foo', with args beginning with: '"
                                  + b"a" * 100 + b"' '" + b"a" * 25 + b"' \r\n")
    c.send(encode_command("x" * 200, "b"))
    assert c.read_raw_reply() == (b"-ERR unknown command '" + b"x" * 128
                                  + b"', with args beginning with: 'b' \r\n")
    c.send(encode_command("foo", "a\r\nb"))
    assert c.read_raw_reply() == b"-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n"


@pytest.mark.parametrize("args,name", [
    (["GET"], "get"), (["GET", "a", "b"], "get"), (["SET", "a"], "set"), (["PING", "a", "b"], "ping"),
    (["ECHO"], "echo"), (["DBSIZE", "x"], "dbsize"), (["CONFIG", "GET"], "config|get"),
    (["CLIENT", "ID", "x"], "client|id"), (["SELECT"], "select"), (["get"], "get"),
])
def test_wrong_arity(raw, args, name):
    c = raw()
    c.send(encode_command(*args))
    assert c.read_raw_reply() == f"-ERR wrong number of arguments for '{name}' command\r\n".encode()


def test_syntax_error_texts(raw):
    c = raw()
    assert c.cmd("SET", "k", "v", "EX", "0") == RespError(b"ERR invalid expire time in 'set' command")
    assert c.cmd("SET", "k", "v", "FOO") == RespError(b"ERR syntax error")
    assert c.cmd("SET", "k", "v", "EX", "abc") == RespError(b"ERR value is not an integer or out of range")


def test_config_set_port_and_bind_relisten(spawn):
    srv = spawn()
    c = redis.Redis(port=int(srv.port))
    new_port = int(free_port())
    assert c.config_set("port", new_port)
    moved = redis.Redis(port=new_port)
    assert moved.ping()
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=int(srv.port), socket_connect_timeout=1).ping()
    # a port somebody else holds: error, and the server stays where it was
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    busy = holder.getsockname()[1]
    with pytest.raises(redis.ResponseError) as e:
        moved.config_set("port", busy)
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'port') - "
                            "Unable to listen on this port. Check server logs.")
    holder.close()
    assert moved.config_get("port") == {"port": str(new_port)}
    assert moved.ping()
    # bind: an address that cannot be bound is refused and the old one kept
    with pytest.raises(redis.ResponseError) as e:
        moved.config_set("bind", "127.0.0.1 192.0.2.123")
    assert "Failed to bind to specified addresses." in str(e.value)
    assert moved.ping()
    assert moved.config_set("bind", "127.0.0.1 -::1")
    assert moved.config_get("bind") == {"bind": "127.0.0.1 -::1"}
    assert moved.ping()
