"""The crash report: what the server writes to its log when it dies of a fatal
signal (DEBUG SEGFAULT, kill -ABRT), a panic (DEBUG PANIC) or a failed assertion
(DEBUG ASSERT), and how the process ends (by the signal, by abort(), or exit
status 1 under use-exit-on-panic); crash-log-enabled, crash-memcheck-enabled and
the software watchdog (watchdog-period). The texts checked are the ones Redis's
own test suite greps for ("crashed by signal", "ASSERTION FAILED", "Guru
Meditation", "REDIS BUG REPORT START", "STACK TRACE") and the section headers of
Redis 7.0's report. Every test passes against Redis 7.0.15 too
(VESPER_SERVER=/usr/bin/redis-server).

A real stack overflow has no DEBUG subcommand in Redis 7.0; the unit tests
(tests/unit/test_crash.c) overflow the stack of a child process instead.

Under AddressSanitizer the sanitizer's runtime owns SIGSEGV/SIGBUS/SIGFPE and the
server leaves them to it; these tests turn that off (ASAN_OPTIONS) for the servers
they start, so the server's own handler is what they check there too."""
import os
import signal
import time

import pytest
import redis

from conftest import SERVER_BIN, is_reference_redis

START = "=== REDIS BUG REPORT START: Cut & paste starting from here ==="
END = "=== REDIS BUG REPORT END. Make sure to include from START to END. ==="


def _sanitizer_build():
    try:
        with open(SERVER_BIN, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


SANITIZER_BUILD = _sanitizer_build()


@pytest.fixture(autouse=True)
def _own_signal_handlers(monkeypatch):
    if SANITIZER_BUILD:
        opts = os.environ.get("ASAN_OPTIONS", "")
        monkeypatch.setenv("ASAN_OPTIONS", (opts + ":" if opts else "")
                           + "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0")


def crash_server(spawn, *args):
    return spawn("--enable-debug-command", "yes", *args)


def crash_with(srv, *command):
    c = srv.client(socket_timeout=30)
    with pytest.raises(redis.ConnectionError):
        c.execute_command(*command)
    code = srv.wait_exit(60)
    assert code is not None, "the server is still running"
    return code, srv.log_text()


def assert_in_order(log, *texts):
    pos = 0
    for t in texts:
        i = log.find(t, pos)
        assert i >= 0, f"{t!r} missing (or out of order) in the log:\n{log[-6000:]}"
        pos = i + len(t)


def debug_function_named(log):
    # -rdynamic gives the frames their function names (Redis: debugCommand)
    return "(debug_command+0x" in log or "(debugCommand+0x" in log


# ------------------------------------------------------------------ signals

def test_debug_segfault_report(spawn):
    srv = crash_server(spawn, "--crash-memcheck-enabled", "no")
    srv.client().set("segfault", "v")  # the first argument names a key: its object is shown
    code, log = crash_with(srv, "debug", "segfault")
    assert code == -signal.SIGSEGV
    assert_in_order(log, START,
                    "crashed by signal: 11, si_code: 2",  # SEGV_ACCERR: a write to a read-only page
                    "Accessing address: 0x",
                    "Crashed running the instruction at: 0x",
                    "------ STACK TRACE ------", "EIP:", "Backtrace:",
                    "------ REGISTERS ------",
                    "------ INFO OUTPUT ------", "# Server", "redis_version:7.0.15",
                    f"process_id:{srv.proc.pid}", "# Keyspace", "db0:keys=1,expires=0",
                    "------ CLIENT LIST OUTPUT ------", "cmd=debug",
                    "------ CURRENT CLIENT INFO ------",
                    "argv[0]: '\"debug\"'", "argv[1]: '\"segfault\"'",
                    "key 'segfault' found in DB containing the following object:",
                    "Object type: 0", "Object encoding: ", "Object refcount: ",
                    END)
    assert debug_function_named(log)
    assert "FAST MEMORY TEST" not in log
    assert log.count("crashed by signal") == 1
    assert "crashed again" not in log


def test_sigabrt_from_kill(spawn):
    srv = crash_server(spawn, "--crash-memcheck-enabled", "no")
    srv.proc.send_signal(signal.SIGABRT)
    assert srv.wait_exit(30) == -signal.SIGABRT
    log = srv.log_text()
    assert_in_order(log, START, "crashed by signal: 6, si_code: 0",
                    f"Killed by PID: {os.getpid()}, UID: {os.getuid()}",
                    "------ STACK TRACE ------", "------ INFO OUTPUT ------", END)
    # no command was running
    assert "CURRENT CLIENT INFO" not in log


def test_fast_memory_test(spawn):
    srv = crash_server(spawn)  # crash-memcheck-enabled defaults to yes
    code, log = crash_with(srv, "debug", "segfault")
    assert code == -signal.SIGSEGV
    assert_in_order(log, START, "------ CURRENT CLIENT INFO ------", "------ FAST MEMORY TEST ------")
    if SANITIZER_BUILD and not is_reference_redis():
        assert "Fast memory test skipped" in log
    else:
        assert_in_order(log, "------ FAST MEMORY TEST ------", "*** Preparing to test memory region",
                        "Fast memory test PASSED, however your memory can still be broken.", END)


def test_crash_log_disabled(spawn):
    srv = crash_server(spawn, "--crash-log-enabled", "no")
    code, log = crash_with(srv, "debug", "segfault")
    assert code == -signal.SIGSEGV
    assert "BUG REPORT" not in log and "crashed by signal" not in log


def test_crash_log_enabled_at_run_time(spawn):
    srv = crash_server(spawn, "--crash-log-enabled", "no", "--crash-memcheck-enabled", "no")
    r = srv.client()
    assert r.config_set("crash-log-enabled", "yes")
    code, log = crash_with(srv, "debug", "segfault")
    assert code == -signal.SIGSEGV
    assert_in_order(log, START, "crashed by signal: 11", END)


def test_crash_log_disabled_at_run_time(spawn):
    srv = crash_server(spawn, "--crash-memcheck-enabled", "no")
    assert srv.client().config_set("crash-log-enabled", "no")
    code, log = crash_with(srv, "debug", "segfault")
    assert code == -signal.SIGSEGV
    assert "BUG REPORT" not in log


# ------------------------------------------------------------------ panic and assert

def test_debug_assert(spawn):
    srv = crash_server(spawn, "--crash-memcheck-enabled", "no")
    code, log = crash_with(srv, "debug", "assert")
    assert code == -signal.SIGABRT
    assert_in_order(log, START,
                    "=== ASSERTION FAILED CLIENT CONTEXT ===",
                    "client->argc = 2",
                    'client->argv[0] = "debug" (refcount: 1)',
                    'client->argv[1] = "assert" (refcount: 1)',
                    "=== ASSERTION FAILED ===",
                    "'1 == 2' is not true",
                    "------ STACK TRACE ------", "Backtrace:",
                    "------ INFO OUTPUT ------", "------ CURRENT CLIENT INFO ------",
                    END)
    assert debug_function_named(log)
    # corrupt-dump.tcl's checks: one assertion, and abort() did not report again
    assert log.count("ASSERTION FAILED") == 3  # client context, object context, the assertion
    assert log.count("=== ASSERTION FAILED ===") == 1
    assert log.count("crashed by signal") == 0


def test_debug_panic(spawn):
    srv = crash_server(spawn, "--crash-memcheck-enabled", "no")
    code, log = crash_with(srv, "debug", "panic")
    assert code == -signal.SIGABRT
    assert_in_order(log, START,
                    "------------------------------------------------",
                    "!!! Software Failure. Press left mouse button to continue",
                    "Guru Meditation: DEBUG PANIC called at Unix time ",
                    "------ STACK TRACE ------", "------ INFO OUTPUT ------", END)
    assert log.count("Guru Meditation") == 1
    assert log.count("crashed by signal") == 0


@pytest.mark.parametrize("sub,text", [("assert", "ASSERTION FAILED"), ("panic", "Guru Meditation")])
def test_use_exit_on_panic(spawn, sub, text):
    # as corrupt-dump.tcl starts its servers
    srv = crash_server(spawn, "--use-exit-on-panic", "yes", "--crash-memcheck-enabled", "no")
    code, log = crash_with(srv, "debug", sub)
    assert code == 1
    assert text in log and START in log and END in log
    assert log.count("crashed by signal") == 0


def test_panic_with_crash_log_disabled(spawn):
    srv = crash_server(spawn, "--crash-log-enabled", "no")
    code, log = crash_with(srv, "debug", "panic")
    assert code == -signal.SIGABRT
    assert_in_order(log, START, "Guru Meditation: DEBUG PANIC called", END)
    assert "STACK TRACE" not in log and "INFO OUTPUT" not in log


# ------------------------------------------------------------------ directives, watchdog

def test_directives(spawn):
    srv = crash_server(spawn)
    r = srv.client(decode_responses=True)
    assert r.config_get("crash-log-enabled") == {"crash-log-enabled": "yes"}
    assert r.config_get("crash-memcheck-enabled") == {"crash-memcheck-enabled": "yes"}
    # hidden: only the exact name finds them
    assert r.config_get("use-exit-on-panic") == {"use-exit-on-panic": "no"}
    assert r.config_get("watchdog-period") == {"watchdog-period": "0"}
    assert "use-exit-on-panic" not in r.config_get("*")
    assert r.config_set("use-exit-on-panic", "yes")
    assert r.config_get("use-exit-on-panic") == {"use-exit-on-panic": "yes"}
    # a period shorter than two cron intervals (hz 10: 200 ms) is raised to that
    assert r.config_set("watchdog-period", "50")
    assert r.config_get("watchdog-period") == {"watchdog-period": "200"}
    assert r.config_set("watchdog-period", "0")
    assert r.ping()


def test_watchdog_logs_a_stack_trace(spawn):
    # logging.tcl's "Server is able to generate a stack trace on selected systems"
    srv = crash_server(spawn)
    r = srv.client(socket_timeout=30)
    assert r.config_set("watchdog-period", "200")
    r.execute_command("debug", "sleep", "1")
    assert srv.wait_log("--- WATCHDOG TIMER EXPIRED ---", timeout=10)
    assert srv.wait_log("--------", timeout=5)
    log = srv.log_text()
    assert_in_order(log, ":signal-handler (", "--- WATCHDOG TIMER EXPIRED ---",
                    "------ STACK TRACE ------", "Backtrace:")
    assert debug_function_named(log)
    assert START not in log
    assert r.config_set("watchdog-period", "0")
    assert r.ping()
    time.sleep(0.5)
    assert srv.alive()
