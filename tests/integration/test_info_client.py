"""INFO, CLIENT, HELLO/AUTH/RESET, COMMAND, SLOWLOG, LATENCY, MEMORY, DEBUG, TIME,
LASTSAVE and SHUTDOWN: reply shapes and error texts as Redis 7.0.15 gives them.

Every test also passes against the reference server (VESPER_SERVER=/usr/bin/redis-server),
except the few marked as Vesper extensions (Redis 7.2's CLIENT SETINFO / NO-TOUCH)."""
import re
import time

import pytest

from conftest import RespError, Verbatim, encode_command, is_reference_redis

CLIENT_LINE = re.compile(
    rb"^id=(\d+) addr=(\S+) laddr=(\S+) fd=(-?\d+) name=(\S*) age=(\d+) idle=(\d+) flags=([A-Za-z]+) "
    rb"db=(\d+) sub=(\d+) psub=(\d+) ssub=(\d+) multi=(-?\d+) qbuf=(\d+) qbuf-free=(\d+) argv-mem=(\d+) "
    rb"multi-mem=(\d+) rbs=(\d+) rbp=(\d+) obl=(\d+) oll=(\d+) omem=(\d+) tot-mem=(\d+) events=([rw]*) "
    rb"cmd=(\S+) user=(\S+) redir=(-?\d+) resp=([23])"
    # Redis 7.2 adds the CLIENT SETINFO fields, which Vesper shows (7.0 does not)
    rb"(?: lib-name=(\S*) lib-ver=(\S*))?$")

DEBUG_NOT_ALLOWED = (b"ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
                     b"you can run it from a local connection, otherwise you need to set this option in the "
                     b"configuration file, and then restart the server.")


def info_dict(text):
    out = {}
    for line in text.split(b"\r\n"):
        if line and not line.startswith(b"#"):
            k, _, v = line.partition(b":")
            out[k.decode()] = v.decode()
    return out


@pytest.fixture
def dbg(spawn):
    """A server of our own with DEBUG enabled."""
    return spawn("--enable-debug-command", "yes")


# --- INFO ------------------------------------------------------------------------------

def test_info_everything_section_order(raw):
    text = raw().cmd("INFO", "everything")
    headers = re.findall(rb"^# (\w+)\r$", text, re.M)
    assert headers == [b"Server", b"Clients", b"Memory", b"Persistence", b"Stats", b"Replication", b"CPU",
                       b"Modules", b"Commandstats", b"Errorstats", b"Latencystats", b"Cluster", b"Keyspace"]
    assert b"\r\n\r\n# Clients\r\n" in text
    assert text.endswith(b"\r\n")


def test_info_section_selection(raw):
    c = raw()
    text = c.cmd("INFO", "server", "CLIENTS")
    assert re.findall(rb"^# (\w+)", text, re.M) == [b"Server", b"Clients"]
    assert re.findall(rb"^# (\w+)", c.cmd("INFO", "cpu"), re.M) == [b"CPU"]
    assert re.findall(rb"^# (\w+)", c.cmd("INFO", "commandstats"), re.M) == [b"Commandstats"]
    default = re.findall(rb"^# (\w+)", c.cmd("INFO", "default"), re.M)
    assert default == re.findall(rb"^# (\w+)", c.cmd("INFO"), re.M)
    assert b"Commandstats" not in default and b"Latencystats" not in default
    assert c.cmd("INFO", "nosuchsection") == b""
    everything = re.findall(rb"^# (\w+)", c.cmd("INFO", "all"), re.M)
    assert b"Commandstats" in everything and b"Modules" in everything


def test_info_is_verbatim_in_resp3(raw):
    c = raw()
    c.cmd("HELLO", "3")
    reply = c.cmd("INFO", "server")
    assert isinstance(reply, Verbatim) and reply.fmt == b"txt"
    assert reply.startswith(b"# Server\r\n")


def test_info_server_fields(server, raw):
    info = info_dict(raw().cmd("INFO", "server"))
    assert info["redis_version"] == "7.0.15"
    assert info["redis_mode"] == "standalone"
    assert info["tcp_port"] == str(server.port)
    assert info["process_id"] == str(server.proc.pid)
    assert re.fullmatch(r"[0-9a-f]{40}", info["run_id"])
    assert info["arch_bits"] == "64"
    assert info["multiplexing_api"] == "epoll"
    for field in ("os", "gcc_version", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz",
                  "lru_clock", "executable", "config_file", "server_time_usec", "io_threads_active"):
        assert field in info, field
    assert abs(int(info["server_time_usec"]) / 1e6 - time.time()) < 5


def test_info_clients_memory_stats_fields(raw):
    c = raw()
    clients = info_dict(c.cmd("INFO", "clients"))
    assert int(clients["connected_clients"]) >= 1
    assert clients["maxclients"] == "10000"
    assert clients["blocked_clients"] == "0"
    mem = info_dict(c.cmd("INFO", "memory"))
    assert int(mem["used_memory"]) > 0
    assert re.fullmatch(r"\d+(\.\d\d[KMGTP])?B?", mem["used_memory_human"])
    assert mem["maxmemory"] == "0" and mem["maxmemory_human"] == "0B"
    assert mem["maxmemory_policy"] == "noeviction"
    assert re.fullmatch(r"\d+\.\d\d%", mem["used_memory_peak_perc"])
    for field in ("used_memory_rss", "used_memory_peak", "used_memory_overhead", "used_memory_startup",
                  "used_memory_dataset", "mem_fragmentation_ratio", "mem_allocator", "total_system_memory"):
        assert field in mem, field
    stats = info_dict(c.cmd("INFO", "stats"))
    for field in ("total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
                  "total_net_input_bytes", "rejected_connections", "expired_keys", "evicted_keys",
                  "keyspace_hits", "keyspace_misses", "total_error_replies", "pubsub_channels"):
        assert field in stats, field
    repl = info_dict(c.cmd("INFO", "replication"))
    assert repl["role"] == "master" and repl["connected_slaves"] == "0"
    assert re.fullmatch(r"[0-9a-f]{40}", repl["master_replid"])
    assert info_dict(c.cmd("INFO", "cluster")) == {"cluster_enabled": "0"}
    cpu = info_dict(c.cmd("INFO", "cpu"))
    assert re.fullmatch(r"\d+\.\d{6}", cpu["used_cpu_sys"])


def test_info_counters_move(raw):
    c = raw()
    before = info_dict(c.cmd("INFO", "stats"))
    raw().cmd("PING")
    for _ in range(5):
        c.cmd("PING")
    after = info_dict(c.cmd("INFO", "stats"))
    assert int(after["total_commands_processed"]) >= int(before["total_commands_processed"]) + 6
    assert int(after["total_connections_received"]) >= int(before["total_connections_received"]) + 1


def test_info_keyspace(raw):
    c = raw()
    c.cmd("SET", "a", "1")
    c.cmd("SET", "b", "1", "EX", "100")
    c.cmd("SELECT", "3")
    c.cmd("SET", "c", "1")
    lines = re.findall(rb"^(db\d+):keys=(\d+),expires=(\d+),avg_ttl=(\d+)\r$", c.cmd("INFO", "keyspace"), re.M)
    assert [(l[0], l[1], l[2]) for l in lines] == [(b"db0", b"2", b"1"), (b"db3", b"1", b"0")]


def test_info_commandstats_subcommands_and_errorstats(spawn):
    srv = spawn()
    c = srv.raw()
    c.cmd("CLIENT", "ID")
    assert isinstance(c.cmd("HELLO", "4"), RespError)           # NOPROTO
    assert isinstance(c.cmd("NOSUCH"), RespError)               # ERR
    assert isinstance(c.cmd("GET"), RespError)                  # ERR (arity)
    text = c.cmd("INFO", "commandstats")
    assert re.search(rb"^cmdstat_client\|id:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,"
                     rb"failed_calls=0\r$", text, re.M), text
    assert re.search(rb"^cmdstat_get:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0\r$",
                     text, re.M), text
    err = c.cmd("INFO", "errorstats")
    assert re.findall(rb"^errorstat_(\w+):count=(\d+)\r$", err, re.M) == [(b"ERR", b"2"), (b"NOPROTO", b"1")]
    assert info_dict(c.cmd("INFO", "stats"))["total_error_replies"] == "3"


def test_info_latencystats(spawn):
    c = spawn().raw()
    c.cmd("PING")
    text = c.cmd("INFO", "latencystats")
    assert re.search(rb"^latency_percentiles_usec_ping:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r$",
                     text, re.M), text
    c.cmd("CONFIG", "SET", "latency-tracking", "no")
    assert c.cmd("INFO", "latencystats") == b"# Latencystats\r\n"


def test_latencystats_count_commands_kept_out_of_the_slowlog(spawn):
    """EXEC has CMD_SKIP_SLOWLOG: Redis keeps it out of the slowlog but still
    records its latency (regression: Vesper recorded neither)."""
    c = spawn().raw()
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
    c.cmd("MULTI")
    c.cmd("SET", "k", "v")
    c.cmd("EXEC")
    text = c.cmd("INFO", "latencystats")
    assert re.search(rb"^latency_percentiles_usec_exec:p50=", text, re.M), text
    assert re.search(rb"^latency_percentiles_usec_set:p50=", text, re.M), text
    logged = [e[3][0].lower() for e in c.cmd("SLOWLOG", "GET", "-1")]
    assert b"exec" not in logged and b"set" in logged, logged


# --- CLIENT LIST / INFO ------------------------------------------------------------------

def test_client_list_line_format(raw, server):
    c = raw()
    my_id = c.cmd("CLIENT", "ID")
    c.cmd("CLIENT", "SETNAME", "lister")
    lines = c.cmd("CLIENT", "LIST").split(b"\n")
    assert lines[-1] == b""
    mine = [l for l in lines[:-1] if l.startswith(b"id=%d " % my_id)]
    assert len(mine) == 1
    m = CLIENT_LINE.match(mine[0])
    assert m, mine[0]
    assert m.group(2).startswith(b"127.0.0.1:") and m.group(3) == b"127.0.0.1:%d" % server.port
    assert m.group(5) == b"lister" and m.group(8) == b"N" and m.group(9) == b"0"
    assert m.group(13) == b"-1"
    assert m.group(25) == b"client|list" and m.group(26) == b"default" and m.group(28) == b"2"
    for line in lines[:-1]:
        assert CLIENT_LINE.match(line), line


def test_client_info_is_own_line(raw):
    c = raw()
    my_id = c.cmd("CLIENT", "ID")
    info = c.cmd("CLIENT", "INFO")
    assert info.endswith(b"\n") and info.count(b"\n") == 1
    m = CLIENT_LINE.match(info[:-1])
    assert m and int(m.group(1)) == my_id and m.group(25) == b"client|info"
    c.cmd("HELLO", "3")
    reply = c.cmd("CLIENT", "INFO")
    assert isinstance(reply, Verbatim) and reply.fmt == b"txt" and b" resp=3" in reply


def test_client_list_filters(raw):
    a, b = raw(), raw()
    ida, idb = a.cmd("CLIENT", "ID"), b.cmd("CLIENT", "ID")
    out = a.cmd("CLIENT", "LIST", "ID", str(idb), "999999", str(ida))
    assert [int(l.split(b" ")[0][3:]) for l in out.split(b"\n")[:-1]] == [idb, ida]
    assert a.cmd("CLIENT", "LIST", "ID", "999999") == b""
    assert a.cmd("CLIENT", "LIST", "ID", "x") == RespError(b"ERR Invalid client ID")
    assert b"id=%d " % ida in a.cmd("CLIENT", "LIST", "TYPE", "normal")
    assert a.cmd("CLIENT", "LIST", "TYPE", "pubsub") == b""
    assert a.cmd("CLIENT", "LIST", "TYPE", "master") == b""
    assert a.cmd("CLIENT", "LIST", "TYPE", "replica") == b""
    assert a.cmd("CLIENT", "LIST", "TYPE", "bogus") == RespError(b"ERR Unknown client type 'bogus'")
    assert a.cmd("CLIENT", "LIST", "FOO") == RespError(b"ERR syntax error")
    assert a.cmd("CLIENT", "LIST", "TYPE") == RespError(b"ERR syntax error")


# --- CLIENT KILL ----------------------------------------------------------------------------

def test_client_kill_old_form(raw):
    killer, victim = raw(), raw()
    addr = CLIENT_LINE.match(victim.cmd("CLIENT", "INFO")[:-1]).group(2)
    assert killer.cmd("CLIENT", "KILL", "1.2.3.4:5") == RespError(b"ERR No such client")
    assert killer.cmd("CLIENT", "KILL", addr.decode()) == b"OK"
    assert victim.is_closed(2)
    me = CLIENT_LINE.match(killer.cmd("CLIENT", "INFO")[:-1]).group(2)
    killer.send(encode_command("CLIENT", "KILL", me.decode()))       # the old form may kill itself
    assert killer.read_until_close(5) == b"+OK\r\n"


def test_client_kill_filters(raw, server):
    killer, v1, v2 = raw(), raw(), raw()
    id1 = v1.cmd("CLIENT", "ID")
    assert killer.cmd("CLIENT", "KILL", "ID", str(id1)) == 1
    assert v1.is_closed(2)
    assert killer.cmd("CLIENT", "KILL", "ID", str(id1)) == 0
    addr2 = CLIENT_LINE.match(v2.cmd("CLIENT", "INFO")[:-1]).group(2)
    assert killer.cmd("CLIENT", "KILL", "ADDR", addr2.decode(), "TYPE", "pubsub") == 0
    assert killer.cmd("CLIENT", "KILL", "ADDR", addr2.decode(), "LADDR", "127.0.0.1:%d" % server.port) == 1
    assert v2.is_closed(2)
    assert killer.cmd("CLIENT", "KILL", "TYPE", "master") == 0
    mine = killer.cmd("CLIENT", "ID")
    assert killer.cmd("CLIENT", "KILL", "ID", str(mine)) == 0           # SKIPME yes by default
    killer.send(encode_command("CLIENT", "KILL", "ID", str(mine), "SKIPME", "no"))
    assert killer.read_until_close(5) == b":1\r\n"


def test_client_kill_errors(raw):
    c = raw()
    assert c.cmd("CLIENT", "KILL", "ID", "0") == RespError(b"ERR client-id should be greater than 0")
    assert c.cmd("CLIENT", "KILL", "ID", "abc") == RespError(b"ERR client-id should be greater than 0")
    assert c.cmd("CLIENT", "KILL", "TYPE", "x") == RespError(b"ERR Unknown client type 'x'")
    assert c.cmd("CLIENT", "KILL", "USER", "nobody") == RespError(b"ERR No such user 'nobody'")
    assert c.cmd("CLIENT", "KILL", "SKIPME", "maybe") == RespError(b"ERR syntax error")
    assert c.cmd("CLIENT", "KILL", "ID", "1", "TYPE") == RespError(b"ERR syntax error")
    assert c.cmd("CLIENT", "KILL", "FOO", "bar") == RespError(b"ERR syntax error")
    assert c.cmd("CLIENT", "KILL") == RespError(b"ERR wrong number of arguments for 'client|kill' command")


# --- other CLIENT subcommands ------------------------------------------------------------------

def test_client_setname_rules(raw):
    c = raw()
    assert c.cmd("CLIENT", "GETNAME") is None
    for bad in ("a b", "a\nb", "caf\xe9"):
        assert c.cmd("CLIENT", "SETNAME", bad) == RespError(
            b"ERR Client names cannot contain spaces, newlines or special characters.")
    assert c.cmd("CLIENT", "SETNAME", "ok-name_1") == b"OK"
    assert c.cmd("CLIENT", "GETNAME") == b"ok-name_1"
    assert c.cmd("CLIENT", "SETNAME", "") == b"OK"
    assert c.cmd("CLIENT", "GETNAME") is None
    assert c.cmd("CLIENT", "SETNAME") == RespError(b"ERR wrong number of arguments for 'client|setname' command")


def test_client_reply_off_and_on(raw):
    c = raw()
    c.send(encode_command("CLIENT", "REPLY", "OFF") + encode_command("PING") +
           encode_command("CLIENT", "REPLY", "ON"))
    assert c.read_raw_reply() == b"+OK\r\n"
    assert c.read_available(0.2) == b""
    assert c.cmd("CLIENT", "REPLY", "maybe") == RespError(b"ERR syntax error")


def test_client_pause_and_unpause(raw):
    c = raw()
    assert c.cmd("CLIENT", "PAUSE", "abc") == RespError(b"ERR timeout is not an integer or out of range")
    assert c.cmd("CLIENT", "PAUSE", "-1") == RespError(b"ERR timeout is negative")
    assert c.cmd("CLIENT", "PAUSE", "10", "READ") == RespError(b"ERR CLIENT PAUSE mode must be WRITE or ALL")
    assert c.cmd("CLIENT", "PAUSE", "0") == b"OK"
    assert c.cmd("PING") == b"PONG"
    other = raw()
    assert c.cmd("CLIENT", "PAUSE", "2000", "WRITE") == b"OK"
    assert other.cmd("GET", "k") is None                    # reads go on during a WRITE pause
    other.send(encode_command("SET", "k", "v"))
    assert other.read_available(0.3) == b""                 # writes wait
    assert c.cmd("CLIENT", "UNPAUSE") == b"OK"
    assert other.read_reply() == b"OK"


def test_client_tracking_queries_and_unblock(raw):
    c = raw()
    assert c.cmd("CLIENT", "GETREDIR") == -1
    assert c.cmd("CLIENT", "TRACKINGINFO") == [b"flags", [b"off"], b"redirect", -1, b"prefixes", []]
    assert c.cmd("CLIENT", "UNBLOCK", "999999") == 0
    assert c.cmd("CLIENT", "UNBLOCK", str(c.cmd("CLIENT", "ID"))) == 0
    assert c.cmd("CLIENT", "UNBLOCK", "1", "later") == RespError(
        b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    assert c.cmd("CLIENT", "UNBLOCK", "x") == RespError(b"ERR value is not an integer or out of range")


def test_client_no_evict_flag_and_help(raw):
    c = raw()
    assert c.cmd("CLIENT", "NO-EVICT", "ON") == b"OK"
    assert b" flags=e " in c.cmd("CLIENT", "INFO")
    assert c.cmd("CLIENT", "NO-EVICT", "OFF") == b"OK"
    help_lines = c.cmd("CLIENT", "HELP")
    assert help_lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"NO-EVICT (ON|OFF)" in help_lines
    assert c.cmd("CLIENT", "NOSUCH") == RespError(b"ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.")


@pytest.mark.skipif(is_reference_redis(), reason="Redis 7.2 subcommands, a Vesper extension")
def test_client_setinfo_and_no_touch(raw):
    c = raw()
    assert c.cmd("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert c.cmd("CLIENT", "SETINFO", "lib-ver", "5.0.1") == b"OK"
    assert c.cmd("CLIENT", "SETINFO", "lib-ver", "a b") == RespError(
        b"ERR lib-ver cannot contain spaces, newlines or special characters.")
    assert c.cmd("CLIENT", "SETINFO", "color", "red") == RespError(b"ERR Unrecognized option 'color'")
    assert c.cmd("CLIENT", "NO-TOUCH", "on") == b"OK"
    assert c.cmd("CLIENT", "NO-TOUCH", "off") == b"OK"
    assert c.cmd("CLIENT", "NO-TOUCH", "x") == RespError(b"ERR syntax error")


# --- PING, ECHO, HELLO, AUTH, RESET, QUIT ------------------------------------------------------

def test_ping_resp3_and_arity(raw):
    c = raw()
    c.cmd("HELLO", "3")
    c.send(encode_command("PING"))
    assert c.read_raw_reply() == b"+PONG\r\n"
    c.send(encode_command("PING", "x"))
    assert c.read_raw_reply() == b"$1\r\nx\r\n"
    assert c.cmd("PING", "a", "b") == RespError(b"ERR wrong number of arguments for 'ping' command")


def test_hello_map(raw):
    c = raw()
    my_id = c.cmd("CLIENT", "ID")
    c.send(encode_command("HELLO", "3"))
    raw_reply = c.read_raw_reply()
    assert raw_reply == (b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                         b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:" + str(my_id).encode() +
                         b"\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                         b"$7\r\nmodules\r\n*0\r\n")
    assert c.cmd("HELLO")[b"proto"] == 3                     # no argument: current protocol
    reply = c.cmd("HELLO", "2")
    assert reply[:6] == [b"server", b"redis", b"version", b"7.0.15", b"proto", 2]


def test_hello_errors(raw):
    c = raw()
    assert c.cmd("HELLO", "4") == RespError(b"NOPROTO unsupported protocol version")
    assert c.cmd("HELLO", "1") == RespError(b"NOPROTO unsupported protocol version")
    assert c.cmd("HELLO", "x") == RespError(b"ERR Protocol version is not an integer or out of range")
    assert c.cmd("HELLO", "3", "foo") == RespError(b"ERR Syntax error in HELLO option 'foo'")
    assert c.cmd("HELLO", "3", "SETNAME") == RespError(b"ERR Syntax error in HELLO option 'SETNAME'")
    assert c.cmd("HELLO", "3", "AUTH", "default") == RespError(b"ERR Syntax error in HELLO option 'AUTH'")
    assert c.cmd("HELLO", "2", "SETNAME", "a b") == RespError(
        b"ERR Client names cannot contain spaces, newlines or special characters.")
    assert c.cmd("HELLO", "2", "AUTH", "nobody", "pw") == RespError(
        b"WRONGPASS invalid username-password pair or user is disabled.")


def test_auth_without_requirepass(raw):
    c = raw()
    assert c.cmd("AUTH", "pw") == RespError(
        b"ERR AUTH <password> called without any password configured for the default user. "
        b"Are you sure your configuration is correct?")
    assert c.cmd("AUTH", "default", "anything") == b"OK"
    assert c.cmd("AUTH", "someone", "pw") == RespError(b"WRONGPASS invalid username-password pair or user is disabled.")
    assert c.cmd("AUTH", "a", "b", "c") == RespError(b"ERR syntax error")


def test_auth_hello_reset_with_requirepass(spawn):
    srv = spawn("--requirepass", "s3cret")
    c = srv.raw()
    assert c.cmd("GET", "k") == RespError(b"NOAUTH Authentication required.")
    assert c.cmd("HELLO", "3") == RespError(
        b"NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
        b"<user> <pass> option can be used to authenticate the client and select the RESP protocol "
        b"version at the same time")
    assert c.cmd("AUTH", "wrong") == RespError(b"WRONGPASS invalid username-password pair or user is disabled.")
    assert c.cmd("AUTH", "default", "wrong") == RespError(
        b"WRONGPASS invalid username-password pair or user is disabled.")
    reply = c.cmd("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me")
    assert reply[b"proto"] == 3
    assert c.cmd("CLIENT", "GETNAME") == b"me"
    assert c.cmd("GET", "k") is None
    assert c.cmd("RESET") == b"RESET"
    assert c.cmd("GET", "k") == RespError(b"NOAUTH Authentication required.")
    assert c.cmd("AUTH", "s3cret") == b"OK"
    assert c.cmd("CLIENT", "GETNAME") is None
    d = srv.raw()
    assert d.cmd("AUTH", "default", "s3cret") == b"OK"


def test_reset_restores_connection_state(raw):
    c = raw()
    c.cmd("HELLO", "3", "SETNAME", "x")
    c.cmd("SELECT", "5")
    c.cmd("CLIENT", "NO-EVICT", "on")
    c.send(encode_command("RESET"))
    assert c.read_raw_reply() == b"+RESET\r\n"
    m = CLIENT_LINE.match(c.cmd("CLIENT", "INFO")[:-1])
    assert m.group(5) == b"" and m.group(9) == b"0" and m.group(28) == b"2"
    assert c.cmd("RESET", "x") == RespError(b"ERR wrong number of arguments for 'reset' command")


def test_quit_with_pipelined_commands(raw):
    c = raw()
    c.send(encode_command("PING") + encode_command("QUIT") + encode_command("PING"))
    assert c.read_until_close(5) == b"+PONG\r\n+OK\r\n"


# --- TIME, LASTSAVE, SHUTDOWN -------------------------------------------------------------------

def test_time_and_lastsave(raw):
    c = raw()
    c.send(encode_command("TIME"))
    raw_reply = c.read_raw_reply()
    m = re.fullmatch(rb"\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n", raw_reply)
    assert m and abs(int(m.group(1)) - time.time()) < 5 and int(m.group(2)) < 1000000
    assert abs(c.cmd("LASTSAVE") - time.time()) < 3600 * 24
    assert c.cmd("TIME", "x") == RespError(b"ERR wrong number of arguments for 'time' command")


def test_shutdown_errors_and_exit(spawn):
    srv = spawn()
    c = srv.raw()
    for args in (("FOO",), ("SAVE", "NOSAVE"), ("ABORT", "NOW")):
        assert c.cmd("SHUTDOWN", *args) == RespError(b"ERR syntax error")
    assert c.cmd("SHUTDOWN", "ABORT") == RespError(b"ERR No shutdown in progress.")
    c.send(encode_command("SHUTDOWN", "NOSAVE", "NOW"))
    assert c.is_closed(5)
    assert srv.wait_exit(5) == 0


# --- COMMAND --------------------------------------------------------------------------------------

def test_command_info_shape(raw):
    c = raw()
    assert c.cmd("COMMAND", "INFO", "get") == [
        [b"get", 2, [b"readonly", b"fast"], 1, 1, 1, [b"@read", b"@string", b"@fast"], [],
         [[b"flags", [b"RO", b"access"], b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
           b"find_keys", [b"type", b"range", b"spec", [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]], []]]
    assert c.cmd("COMMAND", "INFO", "nosuch", "get|x") == [None, None]
    info = c.cmd("COMMAND", "INFO", "client|list")[0]
    assert info[:6] == [b"client|list", -2, [b"admin", b"noscript", b"loading", b"stale"], 0, 0, 0]
    assert info[6] == [b"@admin", b"@slow", b"@dangerous", b"@connection"]
    assert info[7] == [b"nondeterministic_output"]
    client = c.cmd("COMMAND", "INFO", "CLIENT")[0]
    assert client[:7] == [b"client", -2, [], 0, 0, 0, [b"@slow"]]
    assert b"client|kill" in [sub[0] for sub in client[9]]


def test_command_count_list_and_docs(raw):
    c = raw()
    everything = c.cmd("COMMAND")
    assert c.cmd("COMMAND", "COUNT") == len(everything)
    names = c.cmd("COMMAND", "LIST")
    assert b"ping" in names and b"client|list" in names and b"slowlog|get" in names
    assert set(c.cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "slowlog*")) == {
        b"slowlog", b"slowlog|get", b"slowlog|help", b"slowlog|len", b"slowlog|reset"}
    assert b"ping" in c.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection")
    assert c.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat") == []
    assert c.cmd("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuchmodule") == []
    assert c.cmd("COMMAND", "LIST", "FOO") == RespError(b"ERR syntax error")
    docs = c.cmd("COMMAND", "DOCS", "ping", "nosuch")
    assert docs == [b"ping", [b"summary", b"Ping the server", b"since", b"1.0.0", b"group", b"connection",
                              b"complexity", b"O(1)", b"arguments",
                              [[b"name", b"message", b"type", b"string", b"flags", [b"optional"]]]]]
    c.cmd("HELLO", "3")
    docs = c.cmd("COMMAND", "DOCS", "client|kill")[b"client|kill"]
    assert docs[b"group"] == b"connection" and docs[b"since"] == b"2.4.0"
    assert docs[b"history"][0] == [b"2.8.12", b"Added new filter format."]
    filt = docs[b"arguments"][0]
    assert filt[b"name"] == b"filter" and filt[b"type"] == b"oneof"
    assert filt[b"arguments"][0] == {b"name": b"ip:port", b"type": b"string", b"deprecated_since": b"2.8.12"}


def test_command_getkeys(raw):
    c = raw()
    assert c.cmd("COMMAND", "GETKEYS", "SET", "a", "b") == [b"a"]
    assert c.cmd("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
    assert c.cmd("COMMAND", "GETKEYSANDFLAGS", "GET", "a") == [[b"a", [b"RO", b"access"]]]
    assert c.cmd("COMMAND", "GETKEYS", "NOSUCH", "a") == RespError(b"ERR Invalid command specified")
    assert c.cmd("COMMAND", "GETKEYS", "PING", "a") == RespError(b"ERR The command has no key arguments")
    assert c.cmd("COMMAND", "GETKEYS", "GET", "a", "b") == RespError(
        b"ERR Invalid number of arguments specified for command")
    assert c.cmd("COMMAND", "GETKEYS") == RespError(b"ERR wrong number of arguments for 'command|getkeys' command")
    help_lines = c.cmd("COMMAND", "HELP")
    assert help_lines[0] == b"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


# --- SLOWLOG ---------------------------------------------------------------------------------------

def test_slowlog_entries(spawn):
    srv = spawn("--slowlog-log-slower-than", "0", "--slowlog-max-len", "5")
    c = srv.raw()
    c.cmd("CLIENT", "SETNAME", "slowpoke")
    assert c.cmd("SLOWLOG", "RESET") == b"OK"
    c.cmd("SET", "key", "x" * 200)
    entries = c.cmd("SLOWLOG", "GET")
    assert len(entries) == 2       # SLOWLOG RESET itself, then SET
    sid, when, duration, args, peer, name = entries[0]
    assert abs(when - time.time()) < 10 and duration >= 0
    assert args == [b"SET", b"key", b"x" * 128 + b"... (72 more bytes)"]
    assert peer.startswith(b"127.0.0.1:") and name == b"slowpoke"
    assert entries[1][0] == sid - 1 and entries[1][3] == [b"SLOWLOG", b"RESET"]
    c.cmd("MSET", *[str(i) for i in range(40)])
    args = c.cmd("SLOWLOG", "GET", "1")[0][3]
    assert len(args) == 32 and args[-1] == b"... (10 more arguments)"
    c.cmd("AUTH", "default", "pw")
    assert c.cmd("SLOWLOG", "GET", "1")[0][3] == [b"AUTH", b"(redacted)", b"(redacted)"]
    for _ in range(10):
        c.cmd("PING")
    assert c.cmd("SLOWLOG", "LEN") == 5
    assert len(c.cmd("SLOWLOG", "GET", "-1")) == 5
    assert c.cmd("SLOWLOG", "GET", "-2") == RespError(b"ERR count should be greater than or equal to -1")
    assert c.cmd("SLOWLOG", "GET", "1", "2") == RespError(
        b"ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    c.cmd("SLOWLOG", "RESET")
    c.cmd("PING")
    assert c.cmd("SLOWLOG", "LEN") == 0
    assert c.cmd("SLOWLOG", "HELP")[0] == b"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


# --- LATENCY -----------------------------------------------------------------------------------------

def test_latency_monitor_events(dbg):
    c = dbg.raw()
    assert c.cmd("LATENCY", "LATEST") == []
    assert c.cmd("LATENCY", "HISTORY", "command") == []
    assert c.cmd("LATENCY", "GRAPH", "command") == RespError(b"ERR No samples available for event 'command'")
    assert c.cmd("LATENCY", "DOCTOR").startswith(b"I'm sorry, Dave, I can't do that.")
    c.cmd("CONFIG", "SET", "latency-monitor-threshold", "10")
    c.cmd("DEBUG", "SLEEP", "0.05")
    latest = c.cmd("LATENCY", "LATEST")
    assert len(latest) == 1
    event, when, latency, worst = latest[0]
    assert event == b"command" and abs(when - time.time()) < 10 and 40 <= latency <= worst
    history = c.cmd("LATENCY", "HISTORY", "command")
    assert len(history) == 1 and history[0][1] == latency
    assert b"command - high" in c.cmd("LATENCY", "GRAPH", "command")
    assert c.cmd("LATENCY", "DOCTOR").startswith(b"Dave, I have observed latency spikes")
    assert c.cmd("LATENCY", "RESET", "nosuch") == 0
    assert c.cmd("LATENCY", "RESET") == 1
    assert c.cmd("LATENCY", "LATEST") == []
    assert c.cmd("LATENCY", "HELP", "x") == RespError(b"ERR wrong number of arguments for 'latency|help' command")


def test_latency_histogram(spawn):
    c = spawn().raw()
    c.cmd("CONFIG", "RESETSTAT")
    c.cmd("SET", "a", "b")
    c.cmd("SET", "a", "c")
    c.cmd("CLIENT", "ID")
    c.cmd("HELLO", "3")
    histo = c.cmd("LATENCY", "HISTOGRAM", "set", "client", "nosuch")
    assert set(histo) == {b"set", b"client|id"}
    assert histo[b"set"][b"calls"] == 2
    buckets = histo[b"set"][b"histogram_usec"]
    assert buckets and max(buckets.values()) == 2
    assert all(isinstance(k, int) for k in buckets)
    assert c.cmd("LATENCY", "HISTOGRAM", "nosuch") == {}


# --- MEMORY -----------------------------------------------------------------------------------------

def test_memory_usage_and_stats(raw):
    c = raw()
    assert c.cmd("MEMORY", "USAGE", "nokey") is None
    c.cmd("SET", "k", "v" * 100)
    small = c.cmd("MEMORY", "USAGE", "k")
    c.cmd("SET", "k", "v" * 10000)
    assert c.cmd("MEMORY", "USAGE", "k", "SAMPLES", "0") > small > 100
    assert c.cmd("MEMORY", "USAGE", "k", "SAMPLES") == RespError(b"ERR syntax error")
    assert c.cmd("MEMORY", "USAGE", "k", "SAMPLES", "-1") == RespError(b"ERR syntax error")
    assert c.cmd("MEMORY", "USAGE", "k", "SAMPLES", "x") == RespError(b"ERR value is not an integer or out of range")
    stats = c.cmd("MEMORY", "STATS")
    keys = stats[0::2]
    assert keys[:10] == [b"peak.allocated", b"total.allocated", b"startup.allocated", b"replication.backlog",
                         b"clients.slaves", b"clients.normal", b"cluster.links", b"aof.buffer", b"lua.caches",
                         b"functions.caches"]
    assert b"db.0" in keys and b"keys.count" in keys and keys[-1] == b"fragmentation.bytes"
    assert stats[keys.index(b"keys.count") * 2 + 1] == 1
    assert len(c.cmd("MEMORY", "DOCTOR")) > 0
    assert c.cmd("MEMORY", "PURGE") == b"OK"
    assert len(c.cmd("MEMORY", "MALLOC-STATS")) > 0
    assert c.cmd("MEMORY", "HELP")[0] == b"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert c.cmd("MEMORY", "FOO") == RespError(b"ERR unknown subcommand 'FOO'. Try MEMORY HELP.")


# --- DEBUG -------------------------------------------------------------------------------------------

def test_debug_disabled_by_default(raw):
    assert raw().cmd("DEBUG", "SLEEP", "0") == RespError(DEBUG_NOT_ALLOWED)


def test_debug_local_allows_loopback(spawn):
    assert spawn("--enable-debug-command", "local").raw().cmd("DEBUG", "SLEEP", "0") == b"OK"


PROTOCOL_RESP2 = {
    "string": b"$11\r\nHello World\r\n",
    "integer": b":12345\r\n",
    "double": b"$5\r\n3.141\r\n",
    "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
    "null": b"$-1\r\n",
    "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "set": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
    "attrib": b"$39\r\nSome real reply following the attribute\r\n",
    "push": b"-ERR RESP2 is not supported by this command\r\n",
    "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
    "true": b":1\r\n",
    "false": b":0\r\n",
}

PROTOCOL_RESP3 = {
    "double": b",3.141\r\n",
    "bignum": b"(1234567999999999999999999999999999999\r\n",
    "null": b"_\r\n",
    "set": b"~3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
    "attrib": b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
              b"$39\r\nSome real reply following the attribute\r\n",
    "verbatim": b"=29\r\ntxt:This is a verbatim\nstring\r\n",
    "true": b"#t\r\n",
    "false": b"#f\r\n",
}


def test_debug_protocol(dbg):
    c = dbg.raw()
    for name, expected in PROTOCOL_RESP2.items():
        c.send(encode_command("DEBUG", "PROTOCOL", name))
        assert c.read_raw_reply() == expected, name
    c.cmd("HELLO", "3")
    for name, expected in PROTOCOL_RESP3.items():
        c.send(encode_command("DEBUG", "PROTOCOL", name))
        assert c.read_raw_reply() == expected, name
    c.send(encode_command("DEBUG", "PROTOCOL", "push"))
    assert c.read_raw_reply() == b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
    assert c.read_raw_reply() == b"$40\r\nSome real reply following the push reply\r\n"
    assert c.cmd("DEBUG", "PROTOCOL", "nosuch") == RespError(
        b"ERR Wrong protocol type name. Please use one of the following: "
        b"string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")


def test_debug_digest(dbg):
    c = dbg.raw()
    zero = b"0" * 40
    assert c.cmd("DEBUG", "DIGEST") == zero
    assert c.cmd("DEBUG", "DIGEST-VALUE", "nokey") == [zero]
    c.cmd("SET", "a", "1")
    c.cmd("SET", "b", "2")
    d1 = c.cmd("DEBUG", "DIGEST")
    assert re.fullmatch(rb"[0-9a-f]{40}", d1) and d1 != zero
    c.cmd("FLUSHALL")
    c.cmd("SET", "b", "2")
    c.cmd("SET", "a", "1")
    assert c.cmd("DEBUG", "DIGEST") == d1                      # independent of insertion order
    c.cmd("SET", "a", "x")
    assert c.cmd("DEBUG", "DIGEST") != d1
    c.cmd("SET", "a", "1")
    assert c.cmd("DEBUG", "DIGEST") == d1
    c.cmd("EXPIRE", "a", "1000")
    assert c.cmd("DEBUG", "DIGEST") != d1                      # the TTL is part of it
    va, vb = c.cmd("DEBUG", "DIGEST-VALUE", "a", "b")
    assert va != vb and va != zero
    assert c.cmd("DEBUG", "RELOAD") == b"OK"
    assert c.cmd("GET", "b") == b"2"
    assert c.cmd("DEBUG", "RELOAD", "FOO") == RespError(
        b"ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")


def test_debug_object_and_misc(dbg):
    c = dbg.raw()
    c.cmd("SET", "s", "hello")
    c.cmd("SET", "n", "12345678")
    m = re.fullmatch(rb"Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:(\d+) lru:\d+ "
                     rb"lru_seconds_idle:\d+", c.cmd("DEBUG", "OBJECT", "s"))
    assert m and int(m.group(1)) == 6
    assert re.fullmatch(rb"Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:5 lru:\d+ "
                        rb"lru_seconds_idle:\d+", c.cmd("DEBUG", "OBJECT", "n"))
    assert c.cmd("DEBUG", "OBJECT", "nokey") == RespError(b"ERR no such key")
    assert c.cmd("DEBUG", "SLEEP", "0") == b"OK"
    assert c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    assert c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    assert c.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000") == b"OK"
    assert c.cmd("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "x") == RespError(
        b"ERR argument must be a memory value bigger than 1 and smaller than 4gb")
    assert c.cmd("DEBUG", "ERROR", "MYERR something bad") == RespError(b"MYERR something bad")
    assert c.cmd("DEBUG", "LOG", "hello from the test") == b"OK"
    assert dbg.wait_log("DEBUG LOG: hello from the test")
    assert c.cmd("DEBUG", "POPULATE", "10", "p") == b"OK"
    assert c.cmd("GET", "p:3") == b"value:3"
    assert c.cmd("DBSIZE") == 12
    assert c.cmd("DEBUG", "POPULATE", "-1") == RespError(b"ERR value is out of range, must be positive")
    assert c.cmd("DEBUG", "NOSUCH") == RespError(
        b"ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.")
    assert c.cmd("DEBUG", "HELP")[0] == b"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


def _rbs(c, name):
    line = [l for l in c.cmd("CLIENT", "LIST").split(b"\n") if b" name=%s " % name in l][0]
    return int(re.search(rb" rbs=(\d+) ", line).group(1))


def test_debug_replybuffer_controls_the_cron_resizing(spawn):
    """DEBUG REPLYBUFFER RESIZING 0 stops the clients cron's reply-buffer resizing
    and PEAK-RESET-TIME NEVER keeps a buffer at its peak; RESET gives the default
    back, and the buffer shrinks (regression: both were accepted and ignored)."""
    srv = spawn("--enable-debug-command", "yes")
    admin, busy = srv.raw(), srv.raw()
    busy.cmd("CLIENT", "SETNAME", "busy")
    admin.cmd("SET", "big", "x" * 20000)
    for mode in ("resizing", "never"):
        if mode == "resizing":
            assert admin.cmd("DEBUG", "REPLYBUFFER", "RESIZING", "0") == b"OK"
        else:
            assert admin.cmd("DEBUG", "REPLYBUFFER", "RESIZING", "1") == b"OK"
            assert admin.cmd("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "NEVER") == b"OK"
        assert len(busy.cmd("GET", "big")) == 20000
        assert _rbs(admin, b"busy") == 16384
        time.sleep(0.6)  # several cron passes
        assert _rbs(admin, b"busy") == 16384, mode
    assert admin.cmd("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET") == b"OK"
    deadline = time.time() + 5
    while _rbs(admin, b"busy") > 2048 and time.time() < deadline:
        time.sleep(0.05)
    assert _rbs(admin, b"busy") <= 2048
