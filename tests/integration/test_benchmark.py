"""vesper-benchmark against a running server: output formats (CSV, -q, full
report), __rand_int__ substitution, the mixed --ratio workload with zipfian keys,
the open-loop --rps mode, pipelining, threads, and error handling.

The binary is <repo>/build/vesper-benchmark ($VESPER_BENCHMARK overrides). Every
run is small (a few thousand requests) so the file takes a few seconds."""
import csv
import io
import os
import re
import subprocess
import time

import pytest

from conftest import REPO_ROOT, free_port

BENCH = os.environ.get("VESPER_BENCHMARK", str(REPO_ROOT / "build" / "vesper-benchmark"))
CSV_HEADER = ('"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",'
              '"p95_latency_ms","p99_latency_ms","max_latency_ms"')
QUIET_LINE = re.compile(r"^(.+): (\d+\.\d{2}) requests per second, p50=(\d+\.\d{3}) msec$")

pytestmark = pytest.mark.skipif(not os.path.exists(BENCH), reason="vesper-benchmark not built")


def bench(server, *args, timeout=60, stdin=None):
    """Runs the benchmark against the shared server; returns the CompletedProcess."""
    cmd = [BENCH, "-h", "127.0.0.1", "-p", str(server.port)] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin)


def csv_rows(out):
    """Parses CSV output into {test: [floats]} after checking the header."""
    lines = out.strip().splitlines()
    assert lines[0] == CSV_HEADER
    rows = {}
    for rec in csv.reader(io.StringIO("\n".join(lines[1:]))):
        rows[rec[0]] = [float(x) for x in rec[1:]]
    return rows


def check_row(vals, ncols=7):
    assert len(vals) == ncols
    rps, avg, mn, p50, p95, p99, mx = vals[:7]
    assert rps > 0
    assert 0 <= mn <= p50 <= p95 <= p99 <= mx
    assert mn <= avg <= mx


def test_csv_output_shape(r, server):
    p = bench(server, "-t", "set,get", "-n", 2000, "-c", 10, "--csv")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r'"SET"(,"\d+\.\d{2}")(,"\d+\.\d{3}"){6}', lines[1])
    assert re.fullmatch(r'"GET"(,"\d+\.\d{2}")(,"\d+\.\d{3}"){6}', lines[2])
    rows = csv_rows(p.stdout)
    assert list(rows) == ["SET", "GET"]
    for vals in rows.values():
        check_row(vals)
    # without -r every SET hits the one literal key
    assert r.keys() == [b"key:__rand_int__"]


def test_csv_extended_adds_tail_columns(server):
    p = bench(server, "-t", "get", "-n", 1000, "--csv-extended")
    assert p.returncode == 0, p.stderr
    header, row = p.stdout.splitlines()
    assert header == CSV_HEADER + ',"p999_latency_ms","p9999_latency_ms"'
    vals = [float(x) for x in next(csv.reader([row]))[1:]]
    check_row(vals, 9)
    p99, mx, p999, p9999 = vals[5], vals[6], vals[7], vals[8]
    assert p99 <= p999 <= p9999 <= mx


def test_quiet_output(server):
    p = bench(server, "-t", "ping,set", "-n", 1000, "-q")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert [QUIET_LINE.match(l).group(1) for l in lines[:3]] == ["PING_INLINE", "PING_MBULK", "SET"]
    assert lines[3] == ""
    assert "\r" not in p.stdout          # no progress line when stdout is not a terminal


def test_full_report(server):
    p = bench(server, "-t", "set", "-n", 3000, "-c", 5)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("====== SET ======\n  3000 requests completed in ")
    for text in ("  5 parallel clients\n", "  3 bytes payload\n", "  keep alive: 1\n",
                 "  multi-thread: no\n", "Latency by percentile distribution:\n0.000% <= ",
                 "Cumulative distribution of latencies:\n", "Summary:\n  throughput summary: ",
                 "          avg       min       p50       p95       p99       max\n",
                 "  latency percentiles (msec):\n", "p99.9    p99.99       max\n"):
        assert text in out
    ladder = re.findall(r"^(\d+\.\d{3})% <= (\d+\.\d{3}) milliseconds \(cumulative count (\d+)\)$",
                        out.split("Cumulative distribution")[0], re.M)
    assert ladder[-1] == (ladder[-1][0], ladder[-1][1], "3000") and ladder[-1][0] == "100.000"
    counts = [int(c) for _, _, c in ladder]
    assert counts == sorted(counts)


def test_custom_command_rand_int(r, server):
    p = bench(server, "-r", 100, "-n", 3000, "-c", 5, "-q", "set", "bench:__rand_int__", "v")
    assert p.returncode == 0, p.stderr
    assert QUIET_LINE.match(p.stdout.splitlines()[0]).group(1) == "set bench:__rand_int__ v"
    keys = [k.decode() for k in r.scan_iter(count=1000)]
    assert 80 <= r.dbsize() <= 100
    for k in keys:
        assert re.fullmatch(r"bench:\d{12}", k)
        assert int(k.split(":")[1]) < 100


def test_rand_int_in_several_arguments(r, server):
    p = bench(server, "-r", 1000, "-n", 200, "-c", 1, "-q", "mset", "a:__rand_int__", "v__rand_int__",
              "b:__rand_int__", "x")
    assert p.returncode == 0, p.stderr
    keys = r.keys()
    assert any(k.startswith(b"a:") for k in keys) and any(k.startswith(b"b:") for k in keys)
    assert all(re.fullmatch(rb"[ab]:\d{12}", k) for k in keys)
    # each placeholder is drawn on its own: key and value numbers differ
    akeys = [k for k in keys if k.startswith(b"a:")]
    values = r.mget(akeys)
    assert all(re.fullmatch(rb"v\d{12}", v) for v in values)
    assert any(v[1:] != k[2:] for k, v in zip(akeys, values))


def test_stdin_last_argument(r, server):
    p = bench(server, "-n", 10, "-x", "-q", "set", "fromstdin", stdin="payload bytes")
    assert p.returncode == 0, p.stderr
    assert r.get("fromstdin") == b"payload bytes"


def test_exact_request_count_with_pipeline(r, server):
    before = r.info("stats")["total_commands_processed"]
    p = bench(server, "-t", "set", "-n", 1234, "-c", 7, "-P", 10, "-r", 500)
    assert p.returncode == 0, p.stderr
    assert "  1234 requests completed in " in p.stdout
    assert "  pipeline: 10\n" in p.stdout
    after = r.info("stats")["total_commands_processed"]
    # 1234 SETs, the probe's two CONFIG GETs and our INFO
    assert 1234 <= after - before <= 1234 + 5


def test_threads(server):
    p = bench(server, "--threads", 2, "-c", 6, "-n", 4000, "-t", "set,get")
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("  multi-thread: yes\n  threads: 2\n") == 2
    assert p.stdout.count("  4000 requests completed in ") == 2
    p = bench(server, "--threads", 2, "-c", 6, "-n", 4000, "-t", "get", "-P", 4, "--csv")
    check_row(csv_rows(p.stdout)["GET"])


def test_no_keepalive(server):
    p = bench(server, "-k", 0, "-c", 4, "-n", 200, "-t", "ping_mbulk", "-q")
    assert p.returncode == 0, p.stderr
    assert "Keepalive disabled" in p.stderr
    assert QUIET_LINE.match(p.stdout.splitlines()[0])


def test_ratio_mixed_workload(r, server):
    p = bench(server, "--ratio", "3:1", "-r", 50, "-n", 8000, "-c", 8, "--seed", 7, "--csv")
    assert p.returncode == 0, p.stderr
    rows = csv_rows(p.stdout)
    assert list(rows) == ["GET/SET 3:1", "GET/SET 3:1 (GET)", "GET/SET 3:1 (SET)"]
    for vals in rows.values():
        check_row(vals)
    total, gets, sets = (rows[k][0] for k in rows)
    assert abs(gets + sets - total) <= 0.02 * total
    assert 2.5 <= gets / sets <= 3.5
    assert 1 <= r.dbsize() <= 50
    assert all(re.fullmatch(rb"key:0000000000\d\d", k) for k in r.keys())


def test_zipfian_keys_are_skewed(r, server):
    p = bench(server, "--dist", "zipfian", "-r", 1000, "-n", 5000, "-c", 4, "--seed", 1, "-q",
              "incr", "z:__rand_int__")
    assert p.returncode == 0, p.stderr
    hottest = int(r.get("z:000000000000"))
    tenth = int(r.get("z:000000000009") or 0)
    # P(key 0) = 1/H(1000, 0.99) ~ 0.129, ten times key 9's share
    assert 450 <= hottest <= 850
    assert hottest > 4 * tenth
    total = sum(int(v) for v in r.mget(list(r.scan_iter(count=1000))))
    assert total == 5000


def test_fixed_rate_mode(server):
    start = time.monotonic()
    p = bench(server, "--rps", 2000, "-n", 1000, "-c", 4, "-t", "get", "--csv")
    elapsed = time.monotonic() - start
    assert p.returncode == 0, p.stderr
    vals = csv_rows(p.stdout)["GET"]
    check_row(vals)
    assert 1600 <= vals[0] <= 2100       # achieved rate close to the target
    assert elapsed >= 0.45                # 1000 requests at 2000/s take half a second


def test_fixed_rate_report_header(server):
    p = bench(server, "--rps", 1000, "-n", 200, "-c", 2, "--threads", 2, "-t", "set")
    assert p.returncode == 0, p.stderr
    assert "  target rate: 1000.00 requests per second (open loop" in p.stdout
    assert "  send lag (generator behind schedule, msec): p50 " in p.stdout


def test_error_reply_stops_only_that_test(r, server):
    r.set("mylist", "not a list")        # LPUSH fails: WRONGTYPE (or unknown command)
    p = bench(server, "-t", "lpush,get", "-n", 500, "--csv")
    assert p.returncode == 1
    assert "Error from server: " in p.stderr
    rows = csv_rows(p.stdout)
    assert list(rows) == ["GET"]


def test_unknown_command_is_reported(server):
    p = bench(server, "-n", 100, "-q", "nosuchcommand", "x")
    assert p.returncode == 1
    assert "Error from server: ERR unknown command" in p.stderr


def test_dbnum_selects_database(r, server):
    p = bench(server, "--dbnum", 3, "-n", 100, "-q", "set", "in-db-3", "v")
    assert p.returncode == 0, p.stderr
    assert r.exists("in-db-3") == 0
    db3 = server.client(db=3)
    assert db3.get("in-db-3") == b"v"
    db3.flushdb()
    db3.close()


def test_connection_refused():
    port = free_port()
    p = subprocess.run([BENCH, "-p", str(port), "-n", "10", "-q"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 1
    assert f"Could not connect to server at 127.0.0.1:{port}: Connection refused" in p.stderr


def test_bad_option_and_help():
    p = subprocess.run([BENCH, "--no-such-flag"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert p.stdout.startswith('Invalid option "--no-such-flag" or option argument missing\n\nUsage:')
    p = subprocess.run([BENCH, "-n", "12x"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    p = subprocess.run([BENCH, "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0
    for flag in ("--rps", "--ratio", "--dist", "--zipf-s", "--threads", "--csv", "-P"):
        assert flag in p.stdout


def run_in_pty(argv, timeout=30):
    """Runs argv with stdout on a pseudo-terminal; returns everything it wrote."""
    import pty
    import select
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out, deadline = b"", time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        try:
            chunk = os.read(fd, 65536) if ready else b""
        except OSError:
            chunk = b""
        if ready and not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out


def test_regression_quiet_mode_shows_live_progress_on_a_terminal(server):
    """Regression (fixed) (bench_main.c): with -q on a terminal nothing showed while
    a test ran; redis-benchmark -q draws "TEST: rps=... (overall: ...) avg_msec=..."
    lines ended by \\r, wipes the last one and prints the final line."""
    base = [BENCH, "-h", "127.0.0.1", "-p", str(server.port), "-t", "set", "-n", "1500", "--rps", "1500"]
    out = run_in_pty(base + ["-q"]).decode()
    live = re.findall(r"SET: rps=[\d.]+ \(overall: [\d.]+\) avg_msec=[\d.]+ \(overall: [\d.]+\)[^\r\n]*\r", out)
    assert len(live) >= 2, out
    last = out.rstrip("\r\n").split("\r")[-1]        # the final line overwrote the live one
    assert QUIET_LINE.match(last), out
    assert out.endswith("msec\r\n\r\n")             # and the blank line after the last test
    out = run_in_pty(base + ["--csv"]).decode()        # CSV stays clean
    assert "rps=" not in out and "\r\n" + '"SET"' in out
