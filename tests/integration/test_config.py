"""Configuration edge cases against a real server: values with NUL bytes (CONFIG SET,
config file, stdin), directives stored in 64 bits, numbers at the edges of 64 bits,
and the start-up warnings of directives that need persistence.

Expectations follow redis-server 7.0.15 (run with VESPER_SERVER=/usr/bin/redis-server
to check them) except where marked `vesper_only`: there Redis 7.0 truncates a value at
its NUL byte, or wraps a number around, and accepts the result; Vesper refuses the
value with the directive's own error text."""
import os
import subprocess
import tempfile

import pytest
import redis

from conftest import SERVER_BIN, free_port, is_reference_redis

vesper_only = pytest.mark.skipif(is_reference_redis(), reason="Redis 7.0 truncates or wraps these values")


def failed(name, reason):
    return f"CONFIG SET failed (possibly related to argument '{name}') - {reason}"


def assert_set_error(r, name, value, message):
    with pytest.raises(redis.ResponseError) as e:
        r.config_set(name, value)
    assert str(e.value) == message


def run_server(*args, stdin=None):
    return subprocess.run([SERVER_BIN] + [str(a) for a in args], input=stdin, capture_output=True, timeout=10)


def write_conf(data):
    d = tempfile.mkdtemp(prefix="vesper-conf-")
    path = os.path.join(d, "test.conf")
    with open(path, "wb") as f:
        f.write(data)
    return path


# --- NUL bytes --------------------------------------------------------------------

ENUM_POLICY = ("argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
               "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")

# (directive, value, reason): Redis refuses these too
NUL_REFUSED_BY_BOTH = [
    ("hz", b"10\x00x", "argument couldn't be parsed into an integer"),
    ("client-output-buffer-limit", b"normal 1 2 3\x00 garbage",
     "Wrong number of arguments in buffer limit configuration."),
    ("maxmemory-clients", b"10%\x00", "argument must be a memory or percent value"),
    ("latency-tracking-info-percentiles", b"50\x00 99", "Invalid latency-tracking-info-percentiles parameters"),
]
# Redis 7.0 accepts these cut at the NUL
NUL_REFUSED_BY_VESPER = [
    ("client-output-buffer-limit", b"normal 1 2 3\x00",
     "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
    ("activerehashing", b"no\x00x", "argument must be 'yes' or 'no'"),
    ("maxmemory-policy", b"allkeys-lru\x00x", ENUM_POLICY),
    ("maxmemory", b"1mb\x00x", "argument must be a memory value"),
    ("maxmemory", b"1\x00mb", "argument must be a memory value"),
    ("save", b"100 1\x00", "Invalid save parameters"),
    ("notify-keyspace-events", b"K\x00E", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
    ("oom-score-adj-values", b"0 200 800\x00",
     "Invalid oom-score-adj-values, elements must be between -2000 and 2000."),
    ("appendfsync", b"always\x00", "argument(s) must be one of the following: everysec, always, no"),
    ("replica-announce-ip", b"1.2\x00.3.4", "argument must not contain NUL bytes"),
    ("ignore-warnings", b"ab\x00c", "argument must not contain NUL bytes"),
]


@pytest.mark.parametrize("name,value,reason", NUL_REFUSED_BY_BOTH)
def test_config_set_nul_refused(r, name, value, reason):
    before = r.config_get(name)
    assert_set_error(r, name, value, failed(name, reason))
    assert r.config_get(name) == before


@vesper_only
@pytest.mark.parametrize("name,value,reason", NUL_REFUSED_BY_VESPER)
def test_config_set_nul_refused_not_truncated(r, name, value, reason):
    before = r.config_get(name)
    assert_set_error(r, name, value, failed(name, reason))
    assert r.config_get(name) == before


def test_config_set_nul_in_password_kept(r):
    try:
        assert r.config_set("masterauth", b"ab\x00cd")
        assert r.execute_command("CONFIG", "GET", "masterauth") == [b"masterauth", b"ab\x00cd"]
    finally:
        r.config_set("masterauth", "")


def test_config_name_with_nul_is_unknown(r):
    assert r.execute_command("CONFIG", "GET", b"hz\x00x") == []
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", b"hz\x00x", "10")
    assert str(e.value) == "Unknown option or number of arguments for CONFIG SET - 'hz'"


@pytest.mark.parametrize("data,reason", [
    (b'hz "10\\x00x"\n', "argument couldn't be parsed into an integer"),
    (b'maxmemory-clients "10%\\x00x"\n', "argument must be a memory or percent value"),
])
def test_config_file_escaped_nul(data, reason):
    p = run_server(write_conf(data), "--port", free_port())
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "*** FATAL CONFIG FILE ERROR" in err and reason in err, err


@vesper_only
@pytest.mark.parametrize("data,reason", [
    (b'daemonize "no\\x00"\n', "argument must be 'yes' or 'no'"),
    (b'maxmemory "1gb\\x00"\n', "argument must be a memory value"),
    (b'client-output-buffer-limit "normal 1 2 3\\x00 garbage"\n',
     "Wrong number of arguments in buffer limit configuration."),
    (b"hz 10\x00x\n", "argument couldn't be parsed into an integer"),
    (b"port 7\x00\n", "argument couldn't be parsed into an integer"),
    (b"notify-keyspace-events K\x00E\n", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
])
def test_config_file_nul_refused(data, reason):
    p = run_server(write_conf(data), "--port", free_port())
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "*** FATAL CONFIG FILE ERROR" in err and "at line 1" in err and reason in err, err


@vesper_only
def test_config_stdin_nul_refused():
    p = run_server("--port", free_port(), "-", stdin=b"save ''\nhz 10\x00x\n")
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "at line 2" in err and "argument couldn't be parsed into an integer" in err, err


# --- 64-bit directives ---------------------------------------------------------------

@pytest.mark.parametrize("name,value,shown", [
    ("busy-reply-threshold", "9223372036854775807", "9223372036854775807"),
    ("lua-time-limit", "3000000000", "3000000000"),
    ("hll-sparse-max-bytes", "9223372036854775807", "9223372036854775807"),
    ("hll-sparse-max-bytes", "8gb", "8589934592"),
])
def test_long_directives(r, name, value, shown):
    before = r.config_get(name)
    try:
        assert r.config_set(name, value)
        assert r.config_get(name) == {name: shown}
    finally:
        r.config_set(name, before[name])


def test_long_directives_bounds(r):
    assert_set_error(r, "busy-reply-threshold", "9223372036854775808",
                     failed("busy-reply-threshold", "argument couldn't be parsed into an integer"))
    assert_set_error(r, "hll-sparse-max-bytes", "9223372036854775808",
                     failed("hll-sparse-max-bytes", "argument must be between 0 and 9223372036854775807 inclusive"))


# --- numbers at the edges of 64 bits ----------------------------------------------------

OBUF_ERR = "Error in hard, soft or soft_seconds setting in buffer limit configuration."


@vesper_only
@pytest.mark.parametrize("name,value,reason", [
    ("maxmemory", "17179869184gb", "argument must be a memory value"),        # Redis: 0 (no limit)
    ("maxmemory", "18446744073709551616", "argument must be a memory value"),  # Redis: 2^64-1
    ("client-output-buffer-limit", "normal 99999999999gb 1 1", OBUF_ERR),
    ("client-output-buffer-limit", "normal 1 1 4294967296", OBUF_ERR),         # Redis: 0 seconds
    ("save", "100 4294967297", "Invalid save parameters"),                     # Redis: 1 change
    ("save", "99999999999999999999 1", "Invalid save parameters"),
])
def test_overflowing_values_refused(r, name, value, reason):
    before = r.config_get(name)
    assert_set_error(r, name, value, failed(name, reason))
    assert r.config_get(name) == before


def test_values_at_64_bits(r):
    try:
        assert r.config_set("maxmemory", "18446744073709551615")
        assert r.config_get("maxmemory") == {"maxmemory": "18446744073709551615"}
        assert r.config_set("save", "9223372036854775807 2147483647")
        assert r.config_get("save") == {"save": "9223372036854775807 2147483647"}
        assert_set_error(r, "maxmemory-clients", "9223372036854775807%",
                         failed("maxmemory-clients", "percentage argument must be less or equal to 100"))
        assert_set_error(r, "slowlog-log-slower-than", "-9223372036854775808",
                         failed("slowlog-log-slower-than",
                                "argument must be between -1 and 9223372036854775807 inclusive"))
    finally:
        r.config_set("maxmemory", "0")
        r.config_set("save", "")


# --- persistence directives -------------------------------------------------------------

@vesper_only
def test_save_points_not_warned_now_that_snapshots_exist(spawn):
    srv = spawn("--save", "3600 1 300 100 60 10000")
    assert "needs the append only file" not in srv.log_text()


@vesper_only
def test_persistence_directives_not_warned(spawn):
    # RDB snapshots and the AOF are implemented: none of their directives is warned about
    srv = spawn("--appendonly", "yes", "--dbfilename", "x.rdb", "--appendfsync", "always")
    log = srv.log_text()
    assert "needs the append only file" not in log
    assert "Directive 'append" not in log


@vesper_only
def test_no_persistence_warning_without_persistence(spawn):
    srv = spawn()
    assert "needs the append only file" not in srv.log_text()


@vesper_only
def test_debian_redis_conf_loads_without_persistence_warnings(spawn):
    src = "/etc/redis/redis.conf"
    if not os.access(src, os.R_OK):
        pytest.skip("no readable /etc/redis/redis.conf")
    d = tempfile.mkdtemp(prefix="vesper-debconf-")
    port = free_port()
    srv = spawn(src, "--daemonize", "no", "--logfile", "", "--dir", d, "--pidfile", f"{d}/p",
                "--port", port, port=port, defaults=False)
    log = srv.log_text()
    assert "needs the append only file" not in log, log


@vesper_only
def test_rewrite_of_64_bit_values_loads_back(spawn):
    # Redis 7.0 writes "maxmemory -1" here, which it then refuses to load
    port = free_port()
    path = write_conf(f"port {port}\nbind 127.0.0.1\nsave \"\"\n".encode())
    srv = spawn(path, port=port, defaults=False)
    r = srv.client()
    assert r.config_set("maxmemory", "18446744073709551615")
    assert r.config_set("client-output-buffer-limit", "normal 18446744073709551615 0 0")
    assert r.config_rewrite()
    text = open(path).read()
    assert "\nmaxmemory 18446744073709551615\n" in text
    assert "\nclient-output-buffer-limit normal 18446744073709551615 0 0\n" in text
    srv.restart()
    assert srv.client().config_get("maxmemory") == {"maxmemory": "18446744073709551615"}


def test_rename_command_survives_rewrite(spawn):
    port = free_port()
    path = write_conf(f"port {port}\nbind 127.0.0.1\nsave \"\"\nrename-command flushdb badger\n"
                      "rename-command lastsave \"\"\n".encode())
    srv = spawn(path, port=port, defaults=False)
    r = srv.client()
    with pytest.raises(redis.ResponseError, match="unknown command 'FLUSHDB'"):
        r.execute_command("FLUSHDB")
    with pytest.raises(redis.ResponseError, match="unknown command 'LASTSAVE'"):
        r.execute_command("LASTSAVE")
    r.set("k", "v")
    assert r.execute_command("BADGER") in (b"OK", "OK", True)
    assert r.dbsize() == 0
    assert r.config_rewrite()
    srv.restart()
    r = srv.client()
    with pytest.raises(redis.ResponseError, match="unknown command 'FLUSHDB'"):
        r.execute_command("FLUSHDB")
    assert r.execute_command("BADGER") in (b"OK", "OK", True)


@pytest.mark.parametrize("line, error", [
    ("rename-command nosuchcommand x", "No such command in rename-command"),
    ("rename-command get set", "Target command name already exists"),
])
def test_rename_command_errors(line, error):
    port = free_port()
    path = write_conf(f"port {port}\nsave \"\"\n{line}\n".encode())
    p = subprocess.run([SERVER_BIN, path], capture_output=True, timeout=10)
    assert p.returncode != 0
    assert error in (p.stdout + p.stderr).decode()


def test_empty_save_on_command_line_clears_the_file_s(spawn):
    port = free_port()
    path = write_conf(f"port {port}\nbind 127.0.0.1\nsave 900 1\n".encode())
    for args in (["--save", ""], ["--save", "--loglevel", "verbose"]):
        srv = spawn(path, *args, port=port, defaults=False)
        assert srv.client().config_get("save") == {"save": ""}
        srv.stop()


def test_debug_config_rewrite_force_all(spawn):
    port = free_port()
    path = write_conf(f"port {port}\nbind 127.0.0.1\nsave \"\"\nenable-debug-command yes\n".encode())
    srv = spawn(path, port=port, defaults=False)
    r = srv.client()
    before = r.config_get("*")
    assert r.execute_command("DEBUG", "CONFIG-REWRITE-FORCE-ALL") in (b"OK", "OK", True)
    text = open(path).read()
    assert "\ndatabases 16\n" in text  # a default, written anyway
    srv.restart()
    assert srv.client().config_get("*") == before
