"""The command table against Redis 7.0.15's own.

The C tables in src/ are the one source of the command table (COMMAND INFO, DOCS,
GETKEYS, dispatch's arity and flags, the CLI's help). This test keeps them true:
for every command Vesper has, COMMAND INFO (arity, flags, key positions, ACL
categories, tips, key specs, subcommands) and COMMAND DOCS (summary, since,
group, complexity, arguments, history, doc flags) must equal what the reference
redis-server 7.0.15 returns. Commands Redis 7.0 does not have (CLIENT SETINFO is
7.2's, and the module-flagged BF.* commands are RedisBloom's) are skipped. The test is skipped when /usr/bin/redis-server is missing."""
import os
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import free_port, is_reference_redis, ping

REFERENCE = "/usr/bin/redis-server"
# Commands newer than Redis 7.0 that Vesper answers as Redis 7.2 does.
NEWER_THAN_70 = {"client|setinfo", "client|no-touch"}

pytestmark = pytest.mark.skipif(not os.path.exists(REFERENCE), reason="no reference redis-server")


@pytest.fixture(scope="module")
def reference():
    port = free_port()
    d = tempfile.mkdtemp(prefix="vesper-ref-")
    proc = subprocess.Popen([REFERENCE, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", d], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not ping("127.0.0.1", port):
        assert time.time() < deadline, "reference redis-server did not start"
        time.sleep(0.05)
    client = redis.Redis(port=port, socket_timeout=10)
    yield client
    client.close()
    proc.terminate()
    proc.wait(10)


def raw_call(client, *args):
    """Runs a command and returns the raw nested reply (no redis-py reshaping)."""
    conn = client.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        client.connection_pool.release(conn)


def normalize(value):
    """Lists of flags/categories/tips are sets; maps are dicts keyed by name."""
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def info_by_name(client):
    out = {}
    for entry in raw_call(client, "COMMAND", "INFO"):
        if entry is None:
            continue
        name = entry[0].decode()
        out[name] = entry
        for sub in entry[9] if len(entry) > 9 else []:
            out[sub[0].decode()] = sub
    return out


def pairs_to_dict(flat):
    return {flat[i].decode() if isinstance(flat[i], bytes) else flat[i]: flat[i + 1]
            for i in range(0, len(flat), 2)}


def comparable_info(entry):
    name, arity, flags, first, last, step, acl, tips, keyspecs = entry[:9]
    return {
        "arity": arity,
        "flags": sorted(flags),
        "first/last/step": (first, last, step),
        "acl": sorted(acl),
        "tips": sorted(tips),
        "key_specs": [pairs_to_dict(ks) for ks in keyspecs],
        "subcommands": sorted(sub[0].decode() for sub in (entry[9] if len(entry) > 9 else [])),
    }


def test_command_info_matches_redis(r, reference):
    if is_reference_redis():
        pytest.skip("compares Vesper with Redis")
    ours = info_by_name(r)
    theirs = info_by_name(reference)
    problems = []
    for name, entry in sorted(ours.items()):
        if name in NEWER_THAN_70:
            continue
        if name not in theirs and b"module" in entry[2]:
            continue   # built-in module-like commands (BF.*): Redis has them only with the module
        if name not in theirs:
            problems.append(f"{name}: not a Redis 7.0 command")
            continue
        a, b = comparable_info(entry), comparable_info(theirs[name])
        # subcommands not implemented yet are fine; extra ones must be newer Redis's
        extra = set(a.pop("subcommands")) - set(b.pop("subcommands")) - NEWER_THAN_70
        if extra:
            problems.append(f"{name}: subcommands Redis 7.0 does not have: {sorted(extra)}")
        for k in a:
            if a[k] != b[k]:
                problems.append(f"{name} {k}: vesper {a[k]!r} != redis {b[k]!r}")
    assert not problems, "\n".join(problems)


def docs_by_name(client):
    out = {}
    reply = raw_call(client, "COMMAND", "DOCS")
    for name, doc in pairs_to_dict(reply).items():
        d = pairs_to_dict(doc)
        out[name] = d
        for subname, subdoc in pairs_to_dict(d.get("subcommands", [])).items():
            out[subname.decode() if isinstance(subname, bytes) else subname] = pairs_to_dict(subdoc)
    return out


def test_command_docs_match_redis(r, reference):
    if is_reference_redis():
        pytest.skip("compares Vesper with Redis")
    ours = docs_by_name(r)
    theirs = docs_by_name(reference)
    problems = []
    for name, doc in sorted(ours.items()):
        if name in NEWER_THAN_70 or name not in theirs:
            continue
        ref = theirs[name]
        for field in ("summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
                      "replaced_by", "history", "arguments"):
            if doc.get(field) != ref.get(field):
                problems.append(f"{name} {field}: vesper {doc.get(field)!r}\n    != redis {ref.get(field)!r}")
    assert not problems, "\n".join(problems)


def test_every_redis_command_we_lack_is_known(r, reference):
    """Not a failure: prints what Redis 7.0 has and Vesper does not (for the notes)."""
    if is_reference_redis():
        pytest.skip("compares Vesper with Redis")
    missing = sorted(set(info_by_name(reference)) - set(info_by_name(r)))
    print(f"{len(missing)} Redis 7.0 commands not in Vesper yet")
