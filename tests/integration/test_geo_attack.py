"""Hostile-client attacks on the GEO commands, every reply compared byte for byte
with the real redis-server 7.0.15 (the reference server and the Pair helpers of
test_geo.py are reused).

Where test_geo.py checks random but well-formed queries, this file throws what a
careless or hostile client sends: option soups in any order with duplicates and
conflicts, numbers Redis's parsers refuse (embedded NULs, underflows, hex, huge
integers), scores no GEOADD writes (negative, inf, above 2^52 and 2^63) under
searches from the limits (+-180, +-85.05112878 and epsilons around them) with radii
and boxes from 0 to inf, stores into keys of every type, into the source and inside
MULTI; then the side effects: the replication stream (GEOADD becomes ZADD, the
store forms go verbatim), WATCH invalidation, dirty counters, keyspace hits and
misses, client-side caching invalidations, encodings of stored results, and a
200,000-point set searched over the whole planet. Nothing here found a difference
when it was written: the tests keep it that way. Skipped without
/usr/bin/redis-server."""
import hashlib
import random
import re
import socket
import time

import pytest

from conftest import RawClient, encode_command, is_reference_redis
from test_geo import Pair, pair, pair3, ref_port  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(is_reference_redis(), reason="compares Vesper with Redis")

LATM = "85.05112878"


def base_data(p):
    p.same("FLUSHALL")
    p.same("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
           "13.5", "38", "p3", "14", "37.8", "p4", "-180", "0", "w", "180", LATM, "ne")
    p.same("SET", "str", "x")
    p.same("ZADD", "w", "-5", "a", "1e30", "b", "4503599627370496", "c", "9007199254740993", "d",
           "-inf", "e", "inf", "f")
    p.same("HSET", "h", "a", "b")


WORDS = ["WITHDIST", "WITHHASH", "WITHCOORD", "ANY", "ASC", "DESC", "COUNT", "STORE", "STOREDIST",
         "FROMMEMBER", "FROMLONLAT", "BYRADIUS", "BYBOX", "withdist", "count", "store"]
NUMS = ["0", "1", "2", "-1", "100", "200", "1e3", "nan", "inf", "-inf", "abc", "", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "180", "-180", LATM, "-" + LATM, "85.051128781",
        "0.5", "3.0", "1e-300", "-0", "0x10", "10000000000", "1.7976931348623157e308"]
UNITS = ["m", "km", "ft", "mi", "KM", "yd", "M"]
MEMBERS = ["Palermo", "Catania", "nosuch", "a", "e", "f", "ne", "w"]
KEYS = ["g", "nokey", "str", "w", "dst", "h", "g"]


def option_soup(rng):
    """A search command, mostly well formed, with options in any order, repeated,
    conflicting, dropped or inserted at random."""
    def tok():
        return rng.choice([rng.choice(WORDS), rng.choice(NUMS), rng.choice(UNITS), rng.choice(MEMBERS),
                           rng.choice(KEYS)])
    if rng.random() < 0.2:
        return [rng.choice(["GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS", "GEORADIUSBYMEMBER", "GEORADIUS_RO"]),
                rng.choice(KEYS)] + [tok() for _ in range(rng.randrange(12))]
    cmd = rng.choice(["GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS", "GEORADIUS_RO", "GEORADIUSBYMEMBER",
                      "GEORADIUSBYMEMBER_RO"])
    args = [cmd] + (["dst"] if cmd == "GEOSEARCHSTORE" else []) + [rng.choice(KEYS)]
    opts = []
    if cmd.startswith("GEOSEARCH"):
        opts.append(rng.choice([["FROMMEMBER", rng.choice(MEMBERS)], ["FROMLONLAT", rng.choice(NUMS), rng.choice(NUMS)],
                                ["FROMLONLAT", "15", "37"], ["FROMMEMBER", "Palermo"]]))
        opts.append(rng.choice([["BYRADIUS", rng.choice(NUMS), rng.choice(UNITS)],
                                ["BYBOX", rng.choice(NUMS), rng.choice(NUMS), rng.choice(UNITS)],
                                ["BYRADIUS", "200", "km"], ["BYBOX", "400", "400", "km"]]))
    elif "BYMEMBER" in cmd:
        args += [rng.choice(MEMBERS), rng.choice(NUMS + ["200"]), rng.choice(UNITS)]
    else:
        args += [rng.choice(NUMS + ["15"]), rng.choice(NUMS + ["37"]), rng.choice(NUMS + ["200"]), rng.choice(UNITS)]
    for _ in range(rng.randrange(5)):
        opts.append(rng.choice([["WITHDIST"], ["WITHHASH"], ["WITHCOORD"], ["ANY"], ["ASC"], ["DESC"],
                                ["COUNT", rng.choice(NUMS)], ["COUNT", "2"], ["STORE", rng.choice(KEYS)],
                                ["STOREDIST", rng.choice(KEYS)], ["STOREDIST"], [tok()]]))
    rng.shuffle(opts)
    for o in opts:
        args += o
    if rng.random() < 0.2 and len(args) > 3:
        del args[rng.randrange(2, len(args))]
    if rng.random() < 0.1:
        args.insert(rng.randrange(2, len(args) + 1), tok())
    return args


@pytest.mark.parametrize("resp", [2, 3])
def test_option_soup(server, ref_port, resp):
    """3,000 search commands with shuffled, repeated, conflicting, missing and
    stray options on zsets, strings, hashes, weird scores and missing keys: the
    same replies (errors included), and the same destination afterwards."""
    p = Pair(server, ref_port, resp=resp)
    base_data(p)
    rng = random.Random(100 + resp)
    for _ in range(3000):
        p.same(*option_soup(rng))
        k = rng.random()
        if k < 0.05:
            p.same("SET", "dst", "v")
        elif k < 0.1:
            p.same("DEL", "dst")
        elif k < 0.12:
            p.same("GEOADD", "dst", "1", "2", "x")
        p.same("TYPE", "dst")
        p.same("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    p.close()


def test_number_parsing(pair):
    """Every numeric argument (longitude, latitude, radius, width, height, COUNT,
    unit, member) fed strings Redis's strict parsers refuse or accept."""
    pair.same("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
    toks = ["1e-400", "1e400", "-1e400", "4.9e-324", "2.4e-320", "-nan", "nan", "NaN", "infinity", "-Infinity",
            "+1", ".5", "5.", "0x1p3", "1_0", "1\x002", "1\x00", "\x001", "01", "-01", "+0", "-0", "00", "1.0",
            "1e2", " ", "", "\t1", "1\n", "9" * 400, "0." + "0" * 400 + "1", "1" + "0" * 5000,
            "-9223372036854775809", "18446744073709551616", "0b1", "1e", "e1", "--1", "-", "+", ".", "INF",
            "-inf", "+inf", "1e-308", "2.2250738585072014e-308", "15", "37", "200"]
    cmds = []
    for t in toks:
        cmds += [["GEOADD", "g", t, "37", "m"], ["GEOADD", "g", "15", t, "m"],
                 ["GEORADIUS", "g", "15", "37", t, "km"], ["GEORADIUS", "g", t, "37", "200", "km"],
                 ["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", t],
                 ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", t, "1", "km"],
                 ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "1", t, "km"],
                 ["GEOSEARCH", "g", "FROMLONLAT", t, "37", "BYRADIUS", "1", "km"],
                 ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", t],
                 ["GEODIST", "g", "Palermo", "Catania", t],
                 ["GEOSEARCH", "g", "FROMMEMBER", t, "BYRADIUS", "200", "km"],
                 ["GEORADIUSBYMEMBER", "g", "Palermo", t, "km", "WITHDIST"]]
    pair.pipeline_same(cmds)


def test_geoadd_shapes(pair):
    """GEOADD's options in every order and repetition, duplicate members in one
    call, limits and epsilons around them, and the ZADD errors it surfaces."""
    for c in (["GEOADD", "g", "CH", "CH", "NX", "1", "2", "x"], ["GEOADD", "g", "nx", "ch", "xx", "1", "2", "x"],
              ["GEOADD", "g", "CH"], ["GEOADD", "g", "NX", "CH", "NX"], ["GEOADD", "g", "CH", "NX", "CH"],
              ["GEOADD", "g", "180", LATM, "a", "-180", "-" + LATM, "b"],
              ["GEOADD", "g", "180.0000000001", "0", "c"], ["GEOADD", "g", "0", "85.051128781", "c"],
              ["GEOADD", "g", "0", "85.05112877999999", "c"], ["GEOADD", "g", "0", "-85.05112878000001", "c"],
              ["GEOADD", "g", "-0", "-0", "z"], ["GEOADD", "g", "1.5e-320", "0", "dn"],
              ["GEOADD", "g", "1e24", "0", "x"], ["GEOADD", "g", "1", "2", "Palermo", "400", "3", "y"],
              ["GEOADD", "g", "1", "1", "a", "2", "2", "a", "3", "3", "a"],
              ["GEOADD", "g", "CH", "1", "1", "a", "2", "2", "a", "3", "3", "a"],
              ["GEOADD", "g", "NX", "CH", "1", "1", "a", "1", "1", "b", "2", "2", "b"],
              ["GEOADD", "g", "XX", "CH", "5", "5", "a", "5", "5", "zz", "6", "6", "a"],
              ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
              ["GEOPOS", "g", "a", "b", "z", "dn", "nosuch"], ["GEOHASH", "g", "a", "b", "z", "dn", "nosuch"],
              ["GEODIST", "g", "a", "b", "fT"], ["GEODIST", "g", "a", "a"], ["GEODIST", "nokey", "a", "b", "zz"],
              ["GEODIST", "g", "a", "b", "zz", "extra"], ["GEOPOS", "g"], ["GEOHASH", "nokey"]):
        pair.same(*c)


def test_limit_points(pair3):
    """Points on the limits and the antimeridian: GEOHASH strings, GEOPOS doubles
    (RESP3) and searches from them. Redis finds neither a point at -180 from +180
    nor the reverse (no wrap at the antimeridian): Vesper answers the same."""
    p = pair3
    p.same("GEOADD", "p", "0", LATM, "top", "180", "0", "east", "-180", "0", "west", "180", LATM, "ne",
           "-180", "-" + LATM, "sw", "0", "-" + LATM, "bottom", "179.99999999", "85.05112877", "ne2")
    for c in (["GEOSEARCH", "p", "FROMLONLAT", "0", LATM, "BYRADIUS", "1", "m"],
              ["GEOSEARCH", "p", "FROMLONLAT", "180", "0", "BYRADIUS", "1", "m", "WITHDIST"],
              ["GEOSEARCH", "p", "FROMLONLAT", "-180", "0", "BYRADIUS", "1", "m", "WITHDIST"],
              ["GEOSEARCH", "p", "FROMMEMBER", "ne", "BYRADIUS", "1", "m", "WITHCOORD", "WITHHASH"],
              ["GEOSEARCH", "p", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "m", "WITHCOORD"],
              ["GEOHASH", "p", "top", "east", "west", "ne", "sw", "bottom", "ne2"],
              ["GEOPOS", "p", "top", "east", "west", "ne", "sw", "bottom", "ne2"],
              ["ZRANGE", "p", "0", "-1", "WITHSCORES"]):
        p.same(*c)


@pytest.mark.parametrize("seed,resp", [(1, 2), (2, 3)])
def test_weird_scores_and_limits(server, ref_port, seed, resp):
    """Sets mixing GEOADD points (clustered, on and near the limits) with ZADD
    scores no GEOADD writes (negative, fractional, inf, beyond 2^52 and 2^63),
    searched with every option from members and from limit points, radii and
    boxes from 0 and 5e-324 to inf; stores included."""
    p = Pair(server, ref_port, resp=resp)
    rng = random.Random(seed)
    lat_max = float(LATM)

    def coord(lim):
        k = rng.random()
        if k < 0.15:
            return rng.choice([lim, -lim, 0.0])
        if k < 0.3:
            e = rng.choice([1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 0.0])
            return rng.choice([lim - e, -lim + e])
        return rng.uniform(-lim, lim)

    def score():
        k = rng.random()
        if k < 0.3:
            return repr(float(rng.randrange(0, 1 << 52)))
        if k < 0.45:
            return rng.choice(["-inf", "inf", "0", "-0", "4503599627370495", "4503599627370496", "9007199254740992",
                               "-1", "1e19", "9.3e18", "18446744073709551615", "1e-300", "0.5",
                               "9223372036854775807", "-9223372036854775808", "-9.3e18", "2.5e15", "1e30"])
        if k < 0.55:
            return repr(rng.uniform(-1e20, 1e20))
        return repr(rng.uniform(0, 2 ** 53))

    def size():
        if rng.random() < 0.15:
            return rng.choice(["0", "1e-10", "5e-324", "1e30", "inf", "1e308", "20037726.37", "40000"])
        return repr(10 ** rng.uniform(-3, 8))

    for _ in range(6):
        p.same("FLUSHALL")
        n = rng.choice([20, 127, 129, 600, 2000])
        spot = (coord(180), coord(lat_max))
        load, pts, members = [], [spot], []
        for i in range(n):
            if rng.random() < 0.3:
                load.append(["ZADD", "g", score(), f"z{i}"])
            else:
                if rng.random() < 0.3:
                    lon, lat = spot
                elif rng.random() < 0.5:
                    lon = spot[0] + rng.uniform(-1, 1) * 10 ** rng.uniform(-6, 1)
                    lat = spot[1] + rng.uniform(-1, 1) * 10 ** rng.uniform(-6, 1)
                else:
                    lon, lat = coord(180), coord(lat_max)
                lon, lat = max(-180.0, min(180.0, lon)), max(-lat_max, min(lat_max, lat))
                pts.append((lon, lat))
                load.append(["GEOADD", "g", repr(lon), repr(lat), f"p{i}"])
            members.append(load[-1][-1])
        p.pipeline_same(load)
        qs = []
        for _ in range(250):
            lon, lat = rng.choice(pts) if rng.random() < 0.4 else (coord(180), coord(lat_max))
            unit = rng.choice(["m", "km", "ft", "mi"])
            opts = [o for o in ("WITHDIST", "WITHCOORD", "WITHHASH") if rng.random() < 0.4]
            if rng.random() < 0.6:
                opts.append(rng.choice(["ASC", "DESC"]))
            count = []
            if rng.random() < 0.5:
                count = ["COUNT", str(rng.choice([1, 2, 3, 6, 7, 8, 40, 41, 100, n - 1, n, n + 1, 10 ** 12]))]
                if rng.random() < 0.3:
                    count.append("ANY")
            rng.shuffle(opts)
            frm = ["FROMMEMBER", rng.choice(members)] if rng.random() < 0.4 else ["FROMLONLAT", repr(lon), repr(lat)]
            by = ["BYRADIUS", size(), unit] if rng.random() < 0.5 else ["BYBOX", size(), size(), unit]
            k = rng.random()
            if k < 0.5:
                qs.append(["GEOSEARCH", "g"] + frm + by + opts + count)
            elif k < 0.65:
                qs.append(["GEORADIUS", "g", repr(lon), repr(lat), size(), unit] + count + opts)
            elif k < 0.8:
                qs.append(["GEORADIUSBYMEMBER", "g", rng.choice(members), size(), unit] + opts + count)
            else:
                store = [o for o in opts if not o.startswith("WITH")] + count
                if rng.random() < 0.5:
                    store.append("STOREDIST")
                qs.append(["GEOSEARCHSTORE", "d", "g"] + frm + by + store)
                qs.append(["ZRANGE", "d", "0", "-1", "WITHSCORES"])
            if rng.random() < 0.1:
                some = rng.sample(members, min(5, len(members)))
                qs += [["GEOPOS", "g"] + some, ["GEOHASH", "g"] + some,
                       ["GEODIST", "g", rng.choice(members), rng.choice(members), unit]]
        p.pipeline_same(qs)
    p.close()


def _read_until(client, pattern, timeout=20.0):
    """Bytes a raw connection receives until pattern is among them."""
    data, deadline = b"", time.time() + timeout
    while pattern not in data:
        assert time.time() < deadline, f"no {pattern!r} in {data[-300:]!r}"
        data += client.read_available(0.1)
    return data


def _sync(client):
    """Makes client a replica (SYNC) and returns once the RDB payload is in: the
    reply is +FULLRESYNC (or keep-alive newlines), then $<len> and len bytes."""
    client.send(encode_command("REPLCONF", "listening-port", "1"))
    client.read_raw_reply()
    client.send(encode_command("SYNC"))
    data = _read_until(client, b"$")
    while b"\r\n" not in data[data.index(b"$"):]:
        data += client.read_available(0.1)
    i = data.index(b"$")
    j = data.index(b"\r\n", i)
    end = j + 2 + int(data[i + 1:j])
    while len(data) < end:
        data += client.read_available(0.1)
    return data[end:]


PROPAGATION_SCRIPT = [
    ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
    ["GEOADD", "g", "NX", "CH", "13.361389", "38.115556", "Palermo", "1", "1", "new"],
    ["GEOADD", "g", "XX", "13.361389", "38.115556", "Palermo"],
    ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "500", "1", "bad"],
    ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1"],
    ["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d2", "COUNT", "1"],
    ["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d1"],
    ["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d1"],
    ["GEORADIUS", "g", "15", "37", "200", "km"],
    ["GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "STORE", "d3"],
    ["GEOSEARCHSTORE", "d4", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"],
    ["GEOSEARCHSTORE", "d4", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"],
    ["GEOSEARCHSTORE", "d4", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"],
    ["GEOSEARCHSTORE", "d3", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"],
    ["GEOSEARCHSTORE", "g", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
    ["MULTI"], ["GEOSEARCHSTORE", "d5", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
    ["GEOADD", "g", "1", "1", "x"], ["EXEC"],
    ["EVAL", "return redis.call('georadius', KEYS[1], 15, 37, 200, 'km', 'STORE', 'd6')", "1", "g"],
    ["EVAL", "return redis.call('geoadd', KEYS[1], 15, 37, 'y')", "1", "g"],
    ["SET", "s", "v"], ["GEOSEARCHSTORE", "s", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
]


def test_replication_stream(server, ref_port):
    """What a replica receives: GEOADD as the ZADD it ran (nothing when it failed
    or changed nothing), GEORADIUS ... STORE and GEOSEARCHSTORE verbatim when they
    wrote or deleted the destination, nothing when they did not; inside MULTI and
    scripts too."""
    p = Pair(server, ref_port)
    reps = [RawClient("127.0.0.1", port, timeout=10) for port in (server.port, ref_port)]
    try:
        early = [_sync(c) for c in reps]
        for cmd in PROPAGATION_SCRIPT + [["SET", "end-of-script", "1"]]:
            p.same(*cmd)
        ours, theirs = (re.sub(rb"\*1\r\n\$4\r\n(?:PING|ping)\r\n", b"", e + _read_until(c, b"end-of-script"))
                        for e, c in zip(early, reps))
        assert ours == theirs
        assert b"GEOSEARCHSTORE" in ours and b"zadd" in ours
    finally:
        # a replica left connected would make redis-server's shutdown wait for it
        for c in reps:
            c.close()
        p.close()


WATCH_CASES = [
    (["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d"], "d"),
    (["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d"], "d"),
    (["GEORADIUS", "g", "15", "37", "1", "m", "STORE", "nod"], "nod"),
    (["GEORADIUS", "nokey", "15", "37", "1", "m", "STORE", "d"], "d"),
    (["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"], "g"),
    (["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"], "g"),
    (["GEOADD", "g", "XX", "13.361389", "38.115556", "Palermo"], "g"),
    (["GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo"], "g"),
    (["GEOADD", "g", "1", "38.115556", "Palermo"], "g"),
    (["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "COUNT", "x"], "d"),
    (["GEORADIUSBYMEMBER", "nokey", "nosuch", "1", "m", "STORE", "d"], "d"),
]


def test_watch_and_counters(server, ref_port):
    """WATCH invalidation by every kind of store and GEOADD (or not), and the
    dirty counter, keyspace hits and misses each command leaves."""
    p, w = Pair(server, ref_port), Pair(server, ref_port)

    def counters():
        out = []
        for c in (p.ours, p.theirs):
            c.send(encode_command("INFO", "all"))
            info = c.read_reply().decode()
            out.append([int(re.search(k + r":(\d+)", info).group(1))
                        for k in ("rdb_changes_since_last_save", "keyspace_hits", "keyspace_misses")])
        return out

    for cmd, key in WATCH_CASES:
        p.same("FLUSHALL")
        p.same("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
        p.same("ZADD", "d", "1", "x")
        w.same("WATCH", key)
        before = counters()
        p.same(*cmd)
        after = counters()
        assert [a - b for a, b in zip(after[0], before[0])] == [a - b for a, b in zip(after[1], before[1])], cmd
        w.same("MULTI")
        w.same("PING")
        w.same("EXEC")
    p.close()
    w.close()


def test_client_tracking(server, ref_port):
    """Client-side caching: read-only forms remember their key and get invalidated,
    the write-flagged GEORADIUS / GEORADIUSBYMEMBER do not (as in Redis 7.0)."""
    w, t = Pair(server, ref_port), Pair(server, ref_port, resp=3)
    for cmd in (["GEORADIUS", "g", "15", "37", "200", "km"], ["GEORADIUS_RO", "g", "15", "37", "200", "km"],
                ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"], ["GEOPOS", "g", "Palermo"],
                ["GEORADIUSBYMEMBER", "g", "Palermo", "200", "km"], ["GEODIST", "g", "Palermo", "Catania"],
                ["GEOHASH", "g", "x"], ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"]):
        w.same("FLUSHALL")
        w.same("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
        t.same("CLIENT", "TRACKING", "on")
        t.same(*cmd)
        w.same("GEOADD", "g", "1", "1", "new")
        # an invalidation is queued before the reply to a later PING
        pushes = []
        for c in (t.ours, t.theirs):
            c.send(encode_command("PING"))
            pushes.append(_read_until(c, b"+PONG\r\n"))
        assert pushes[0] == pushes[1], cmd
        t.same("CLIENT", "TRACKING", "off")
    w.close()
    t.close()


def test_store_encodings(pair):
    """Stored results take the encoding Redis's conversion rules give (entries and
    value-length limits, integer-like and empty members, long members), also when
    the destination is the source."""
    long_member = "x" * 70
    pair.same("GEOADD", "g", "13.361389", "38.115556", "12345", "15.087269", "37.502669", "-7", "13.5", "38",
              long_member, "14", "37.8", "007", "14.1", "37.9", "9223372036854775807", "14.2", "37.9",
              "9223372036854775808", "14.3", "37.9", "")
    for entries, value in [(128, 64), (0, 64), (1, 64), (2, 3), (128, 0), (3, 70), (3, 69)]:
        pair.same("CONFIG", "SET", "zset-max-listpack-entries", str(entries))
        pair.same("CONFIG", "SET", "zset-max-listpack-value", str(value))
        for c in (["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km"],
                  ["OBJECT", "ENCODING", "d"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                  ["GEORADIUS", "g", "15", "37", "400", "km", "STOREDIST", "d", "COUNT", "3", "DESC"],
                  ["OBJECT", "ENCODING", "d"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
                  ["GEOSEARCHSTORE", "g2", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km"],
                  ["GEORADIUS", "g2", "15", "37", "400", "km", "STOREDIST", "g2", "COUNT", "3", "DESC"],
                  ["OBJECT", "ENCODING", "g2"], ["ZRANGE", "g2", "0", "-1", "WITHSCORES"]):
            pair.same(*c)
    pair.same("CONFIG", "SET", "zset-max-listpack-entries", "128")
    pair.same("CONFIG", "SET", "zset-max-listpack-value", "64")


def _big_reply(sock, data, idle=1.0):
    """Sends data and returns the md5 and length of everything that arrives until the
    connection stays idle (replies of tens of megabytes, no parsing)."""
    sock.sendall(data)
    sock.settimeout(120)
    h, n = hashlib.md5(), 0
    chunk = sock.recv(1 << 20)
    while chunk:
        h.update(chunk)
        n += len(chunk)
        sock.settimeout(idle)
        try:
            chunk = sock.recv(1 << 22)
        except socket.timeout:
            break
    return h.hexdigest(), n


def test_whole_planet(server, ref_port):
    """200,000 random points searched over the whole planet (every point found,
    from the centre, the poles' limits and the antimeridian), with COUNT and COUNT
    ANY's early exit, WITH* on all of them, and stores into the source itself."""
    p = Pair(server, ref_port)
    rng = random.Random(42)
    cmds = []
    for i in range(0, 200000, 1000):
        args = ["GEOADD", "big"]
        for j in range(1000):
            args += [repr(rng.uniform(-180, 180)), repr(rng.uniform(-85.05112878, 85.05112878)), f"m{i + j}"]
        cmds.append(args)
    p.pipeline_same(cmds)
    socks = [socket.create_connection(("127.0.0.1", port)) for port in (server.port, ref_port)]
    try:
        for resp in ("2", "3"):
            for s in socks:
                _big_reply(s, encode_command("HELLO", resp), 0.3)
            for q in (["GEOSEARCH", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km"],
                      ["GEOSEARCH", "big", "FROMLONLAT", "180", LATM, "BYBOX", "40000", "40000", "km",
                       "WITHCOORD", "WITHHASH", "WITHDIST", "ASC"],
                      ["GEOSEARCH", "big", "FROMLONLAT", "-180", "-" + LATM, "BYRADIUS", "20000", "km",
                       "WITHCOORD", "COUNT", "100", "DESC"],
                      ["GEOSEARCH", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "COUNT", "5", "ANY",
                       "WITHDIST"],
                      ["GEORADIUS", "big", "179.99999", "0", "1000", "km", "WITHDIST", "COUNT", "50000"]):
                a, b = (_big_reply(s, encode_command(*q)) for s in socks)
                assert a == b, q
    finally:
        for s in socks:
            s.close()
    for c in (["GEOSEARCHSTORE", "dst", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "STOREDIST"],
              ["GEOSEARCHSTORE", "big", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "COUNT", "199999"],
              ["ZCARD", "big"], ["ZCARD", "dst"]):
        p.same(*c)
    socks = [socket.create_connection(("127.0.0.1", port)) for port in (server.port, ref_port)]
    try:
        for key in ("dst", "big"):
            a, b = (_big_reply(s, encode_command("ZRANGE", key, "0", "-1", "WITHSCORES")) for s in socks)
            assert a == b, key
    finally:
        for s in socks:
            s.close()
    p.close()
