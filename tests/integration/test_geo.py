"""The GEO commands against the real redis-server 7.0.15, byte for byte.

Random data sets (a few points, listpack-encoded, and thousands, skiplist-encoded;
world-wide and clustered) go into both servers through GEOADD; then the scores,
GEOHASH, GEOPOS, GEODIST and random GEOSEARCH / GEORADIUS queries (every option:
FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX, units, ASC/DESC, COUNT [ANY], WITH*,
STORE/STOREDIST) must give the same reply bytes in RESP2 and RESP3, in the same
order. Hostile inputs (huge or negative COUNT, negative or NaN radius, bad units,
out-of-range coordinates, missing options, wrong types) must give Redis's errors,
and writes must emit Redis's keyspace events. Skipped without /usr/bin/redis-server."""
import os
import random
import subprocess
import tempfile
import time

import pytest

from conftest import RawClient, encode_command, free_port, is_reference_redis, ping

REFERENCE = "/usr/bin/redis-server"
pytestmark = pytest.mark.skipif(not os.path.exists(REFERENCE), reason="no reference redis-server")


@pytest.fixture(scope="module")
def ref_port():
    port = free_port()
    d = tempfile.mkdtemp(prefix="vesper-ref-")
    proc = subprocess.Popen([REFERENCE, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", d], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not ping("127.0.0.1", port):
        assert time.time() < deadline, "reference redis-server did not start"
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


class Pair:
    """The same commands on Vesper and on Redis, replies compared as raw bytes."""

    def __init__(self, server, ref_port, resp=2):
        self.ours = RawClient("127.0.0.1", server.port, timeout=20)
        self.theirs = RawClient("127.0.0.1", ref_port, timeout=20)
        for c in (self.ours, self.theirs):
            if resp == 3:
                c.send(encode_command("HELLO", "3"))
                c.read_raw_reply()
            c.send(encode_command("FLUSHALL"))
            c.read_raw_reply()

    def both(self, *args):
        data = encode_command(*args)
        self.ours.send(data)
        self.theirs.send(data)
        return self.ours.read_raw_reply(), self.theirs.read_raw_reply()

    def same(self, *args):
        a, b = self.both(*args)
        assert a == b, f"{args!r}:\n vesper {a[:600]!r}\n redis  {b[:600]!r}"
        return a

    def pipeline_same(self, commands):
        """Sends many commands at once to each server, then compares the replies."""
        data = b"".join(encode_command(*c) for c in commands)
        self.ours.send(data)
        self.theirs.send(data)
        for c in commands:
            a, b = self.ours.read_raw_reply(), self.theirs.read_raw_reply()
            assert a == b, f"{c!r}:\n vesper {a[:600]!r}\n redis  {b[:600]!r}"

    def close(self):
        self.ours.close()
        self.theirs.close()


@pytest.fixture
def pair(server, ref_port):
    if is_reference_redis():
        pytest.skip("compares Vesper with Redis")
    p = Pair(server, ref_port)
    yield p
    p.close()


@pytest.fixture
def pair3(server, ref_port):
    if is_reference_redis():
        pytest.skip("compares Vesper with Redis")
    p = Pair(server, ref_port, resp=3)
    yield p
    p.close()


UNITS = ["m", "km", "ft", "mi", "KM", "Mi"]


def geo_cell(lon, lat):
    """The step-26 cell of a position (GEOADD's arithmetic): points sharing a cell
    are at equal distances from everything, and COUNT's partial sort orders such
    ties in its own way (see the notes in src/types/geo.c)."""
    ilat = int((lat + 85.05112878) / (85.05112878 * 2) * (1 << 26))
    ilon = int((lon + 180.0) / 360.0 * (1 << 26))
    return ilat, ilon


def random_points(rng, n, clustered, allow_ties=False):
    pts = []
    cells = set()
    if clustered:
        clon, clat = rng.uniform(-170, 170), rng.uniform(-75, 75)
        spread = 10 ** rng.uniform(-3, 0.5)
    for i in range(n):
        if clustered:
            lon = max(-180, min(180, clon + rng.uniform(-spread, spread)))
            lat = max(-85, min(85, clat + rng.uniform(-spread, spread)))
        else:
            lon, lat = rng.uniform(-180, 180), rng.uniform(-85.05112878, 85.05112878)
        if not allow_ties and geo_cell(lon, lat) in cells:
            continue
        cells.add(geo_cell(lon, lat))
        pts.append((repr(lon), repr(lat), f"m{i}"))
    return pts


def load(pair, key, pts):
    cmds = []
    for i in range(0, len(pts), 200):
        args = ["GEOADD", key]
        for lon, lat, m in pts[i:i + 200]:
            args += [lon, lat, m]
        cmds.append(args)
    pair.pipeline_same(cmds)


def random_search(rng, key, pts, style):
    """A random GEOSEARCH (style 0), GEORADIUS (1), GEORADIUSBYMEMBER (2) or _RO form."""
    lon, lat, member = rng.choice(pts)
    if rng.random() < 0.5:
        lon, lat = repr(float(lon) + rng.uniform(-0.5, 0.5)), repr(max(-85, min(85, float(lat) + rng.uniform(-0.5, 0.5))))
        lon = repr(max(-180.0, min(180.0, float(lon))))
    unit = rng.choice(UNITS)
    per = {"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}[unit.lower()]
    meters = 10 ** rng.uniform(0, 6.5)
    radius = repr(meters / per)
    opts = []
    for o in ("WITHCOORD", "WITHDIST", "WITHHASH"):
        if rng.random() < 0.4:
            opts.append(o)
    order = rng.choice([None, "ASC", "DESC"])
    if order:
        opts.append(order)
    if rng.random() < 0.4:
        opts += ["COUNT", str(rng.choice([1, 2, 5, 10, 100, 10 ** 9]))]
        if rng.random() < 0.3:
            opts.append("ANY")
    rng.shuffle(opts) if style == 0 and rng.random() < 0.2 else None
    # COUNT must stay followed by its value after a shuffle
    if "COUNT" in opts:
        i = opts.index("COUNT")
        if i + 1 >= len(opts) or not opts[i + 1].isdigit():
            opts = [o for o in opts if not o.isdigit() and o != "COUNT"] + ["COUNT", "3"]
    if style == 0:
        frm = ["FROMMEMBER", member] if rng.random() < 0.3 else ["FROMLONLAT", lon, lat]
        if rng.random() < 0.5:
            by = ["BYRADIUS", radius, unit]
        else:
            by = ["BYBOX", repr(meters * rng.uniform(0.2, 2) / per), repr(meters * rng.uniform(0.2, 2) / per), unit]
        return ["GEOSEARCH", key] + frm + by + opts
    if style == 1:
        return [rng.choice(["GEORADIUS", "GEORADIUS_RO"]), key, lon, lat, radius, unit] + opts
    return [rng.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]), key, member, radius, unit] + opts


@pytest.mark.parametrize("n,clustered", [(5, False), (100, True), (2000, False), (3000, True)])
def test_random_data_sets(pair, n, clustered):
    rng = random.Random(1000 + n + clustered)
    pts = random_points(rng, n, clustered)
    load(pair, "g", pts)
    pair.same("OBJECT", "ENCODING", "g")
    pair.same("ZRANGE", "g", "0", "-1", "WITHSCORES")
    members = [m for _, _, m in pts]
    for i in range(0, len(members), 300):
        pair.same("GEOHASH", "g", *members[i:i + 300], "nosuch")
        pair.same("GEOPOS", "g", *members[i:i + 300], "nosuch")
    dists = [["GEODIST", "g", rng.choice(members), rng.choice(members), rng.choice(UNITS)] for _ in range(200)]
    pair.pipeline_same(dists)
    searches = [random_search(rng, "g", pts, i % 3) for i in range(400)]
    pair.pipeline_same(searches)


def test_random_stores(pair):
    rng = random.Random(7)
    pts = random_points(rng, 600, True)
    load(pair, "g", pts)
    for i in range(150):
        q = random_search(rng, "g", pts, i % 3)
        q = [o for o in q if o not in ("WITHCOORD", "WITHDIST", "WITHHASH")]
        if q[0] == "GEOSEARCH":
            q = ["GEOSEARCHSTORE", "dst"] + q[1:]
            if rng.random() < 0.5:
                q.append("STOREDIST")
        else:
            q[0] = q[0].replace("_RO", "")
            q += [rng.choice(["STORE", "STOREDIST"]), "dst"]
        pair.same(*q)
        pair.same("ZRANGE", "dst", "0", "-1", "WITHSCORES")
        pair.same("OBJECT", "ENCODING", "dst")


def test_resp3_shapes(pair3):
    rng = random.Random(3)
    pts = random_points(rng, 300, True)
    load(pair3, "g", pts)
    pair3.same("GEOPOS", "g", "m1", "nosuch", "m2")
    pair3.same("GEOPOS", "nokey", "a")
    pair3.same("GEOHASH", "g", "m1", "nosuch")
    pair3.same("GEODIST", "g", "m1", "m2", "km")
    pair3.same("GEODIST", "g", "m1", "nosuch")
    lon, lat, m = pts[0]
    pair3.same("GEOSEARCH", "g", "FROMMEMBER", m, "BYRADIUS", "1000", "km", "WITHCOORD", "WITHDIST", "WITHHASH", "ASC")
    pair3.same("GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYBOX", "500", "500", "km", "WITHCOORD", "COUNT", "5")
    pair3.same("GEORADIUS", "g", lon, lat, "100", "km", "WITHDIST", "DESC")
    pair3.same("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m")
    for _ in range(100):
        pair3.same(*random_search(rng, "g", pts, rng.randrange(3)))


def test_hostile_inputs(pair):
    pair.same("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
    bad = [
        ["GEOADD", "g", "181", "0", "x"],
        ["GEOADD", "g", "0", "85.06", "x"],
        ["GEOADD", "g", "-180.0000001", "-85.05112879", "x"],
        ["GEOADD", "g", "nan", "0", "x"],
        ["GEOADD", "g", "inf", "0", "x"],
        ["GEOADD", "g", "1", "2", "x", "3"],
        ["GEOADD", "g", "NX", "XX", "1", "2", "x"],
        ["GEOADD", "g", "CH", "NX", "CH"],
        ["GEOADD", "g", "xx", "ch", "gt", "1", "2", "x"],
        ["GEOADD", "g", "1", "2"],
        ["GEOADD", "g", "0x10", "2", "x"],
        ["GEOADD", "g", "XX", "1", "2", "new"],
        ["GEOADD", "g", "NX", "1", "2", "Palermo"],
        ["GEOADD", "g", "CH", "XX", "1", "2", "Palermo", "3", "4", "new"],
        ["GEODIST", "g", "Palermo", "Catania", "parsec"],
        ["GEODIST", "g", "Palermo", "Catania", "km", "extra"],
        ["GEODIST", "g", "Palermo"],
        ["GEODIST", "nokey", "a", "b"],
        ["GEORADIUS", "g", "15", "37", "-1", "km"],
        ["GEORADIUS", "g", "15", "37", "nan", "km"],
        ["GEORADIUS", "g", "15", "37", "abc", "km"],
        ["GEORADIUS", "g", "15", "37", "inf", "km"],
        ["GEORADIUS", "g", "15", "37", "1e308", "mi"],
        ["GEORADIUS", "g", "15", "37", "0", "km"],
        ["GEORADIUS", "g", "15", "37", "100", "lightyears"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "COUNT"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "COUNT", "0"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "COUNT", "-5"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "COUNT", "9223372036854775807"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "COUNT", "9223372036854775808"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "COUNT", "abc"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "ANY"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "ANY", "COUNT", "1"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "1", "ANY", "DESC"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "STORE"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "STORE", "d", "WITHDIST"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "STOREDIST", "d", "WITHHASH"],
        ["GEORADIUS_RO", "g", "15", "37", "100", "km", "STORE", "d"],
        ["GEORADIUS", "g", "200", "37", "100", "km"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "FROMLONLAT", "1", "2"],
        ["GEORADIUS", "g", "15", "37", "100", "km", "BYRADIUS", "1", "km"],
        ["GEORADIUS", "g", "15", "37", "100"],
        ["GEORADIUSBYMEMBER", "g", "nosuch", "100", "km"],
        ["GEORADIUSBYMEMBER", "nokey", "nosuch", "abc", "xx", "WITHDIST"],
        ["GEORADIUSBYMEMBER", "nokey", "nosuch", "abc", "xx", "STORE", "d"],
        ["GEORADIUSBYMEMBER", "nokey", "nosuch", "abc", "xx", "bogus"],
        ["GEORADIUSBYMEMBER_RO", "g", "Palermo", "100", "km", "STOREDIST", "d"],
        ["GEOSEARCH", "g", "BYRADIUS", "10", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "m", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "1", "nan", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "yd"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "1", "1"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "nan", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "90", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "STORE", "d"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m", "STOREDIST"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "-0", "m"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km", "COUNT", "1", "ANY"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "x", "m"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "nosuch"],
        ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km", "WITHCOORD"],
        ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km", "STOREDIST", "COUNT", "1"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "x", "BYRADIUS", "300", "km"],
        ["EXISTS", "d"],
        ["SET", "str", "v"],
        ["GEOADD", "str", "1", "2", "x"],
        ["GEOPOS", "str", "x"],
        ["GEOHASH", "str", "x"],
        ["GEODIST", "str", "x", "y"],
        ["GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "m"],
        ["GEORADIUSBYMEMBER", "str", "x", "1", "m"],
        ["GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "m"],
        ["GEOSEARCHSTORE", "str", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "300", "km"],
        ["TYPE", "str"],
        # scores GEOADD never writes: decoded as Redis decodes them
        ["ZADD", "w", "-5", "a", "1e30", "b", "4503599627370496", "c", "9007199254740993", "d", "-inf", "e"],
        ["GEOPOS", "w", "a", "b", "c", "d", "e"],
        ["GEOHASH", "w", "a", "b", "c", "d", "e"],
        ["GEODIST", "w", "a", "c", "mi"],
        ["GEOSEARCH", "w", "FROMMEMBER", "a", "BYRADIUS", "20000", "km", "WITHHASH", "WITHCOORD"],
        # the poles and the antimeridian
        ["GEOADD", "p", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw", "179.9999", "0", "e", "-179.9999", "0", "w"],
        ["ZRANGE", "p", "0", "-1", "WITHSCORES"],
        ["GEOSEARCH", "p", "FROMLONLAT", "180", "0", "BYRADIUS", "100", "km", "ASC", "WITHDIST"],
        ["GEOSEARCH", "p", "FROMLONLAT", "0", "85", "BYRADIUS", "20000", "km", "DESC", "WITHDIST"],
        ["GEOSEARCH", "p", "FROMLONLAT", "0", "0", "BYBOX", "1e9", "1e9", "km", "WITHDIST"],
        ["GEOSEARCH", "p", "FROMLONLAT", "0", "0", "BYRADIUS", "inf", "m", "WITHDIST"],
    ]
    for c in bad:
        pair.same(*c)


def test_keyspace_events(server, ref_port):
    if is_reference_redis():
        pytest.skip("compares Vesper with Redis")
    events = {}
    for name, port in (("ours", server.port), ("theirs", ref_port)):
        c = RawClient("127.0.0.1", port)
        c.cmd("FLUSHALL")
        c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub = RawClient("127.0.0.1", port)
        sub.cmd("PSUBSCRIBE", "__keyevent@0__:*")
        for cmd in (["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
                    ["GEOADD", "g", "NX", "13", "38", "Palermo"],
                    ["GEOADD", "g", "XX", "13", "38", "Palermo"],
                    ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1"],
                    ["GEORADIUSBYMEMBER", "g", "Palermo", "1", "km", "STOREDIST", "d2"],
                    ["GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"],
                    ["GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
                    ["GEOSEARCHSTORE", "d1", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
                    ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"]):
            c.cmd(*cmd)
        c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
        events[name] = sub.read_available(0.5)
        c.close()
        sub.close()
    assert events["ours"] == events["theirs"]


def test_equal_distances(pair):
    """Many members on few positions: COUNT's partial sort must leave the ties in
    Redis's order (and pick the same members at the cut)."""
    rng = random.Random(11)
    spots = [(repr(rng.uniform(2, 2.05)), repr(rng.uniform(48, 48.05))) for _ in range(30)]
    pts = [spots[rng.randrange(len(spots))] + (f"t{i}",) for i in range(900)]
    load(pair, "g", pts)
    cmds = []
    for _ in range(300):
        lon, lat, m = rng.choice(pts)
        opts = [rng.choice(["ASC", "DESC"]), "COUNT", str(rng.choice([1, 2, 3, 7, 8, 40, 41, 100, 500, 899]))]
        if rng.random() < 0.5:
            opts.append("WITHDIST")
        if rng.random() < 0.5:
            cmds.append(["GEOSEARCH", "g", "FROMMEMBER", m, "BYRADIUS", repr(rng.uniform(0, 8)), "km"] + opts)
        else:
            cmds.append(["GEORADIUS", "g", lon, lat, repr(rng.uniform(0, 8)), "km"] + opts)
    pair.pipeline_same(cmds)
    # the same on a listpack-encoded set (GEORADIUS: centres independent of members)
    pair.same("DEL", "g")
    load(pair, "g", pts[:100])
    pair.same("OBJECT", "ENCODING", "g")
    pair.pipeline_same([c for c in cmds if c[0] == "GEORADIUS"])


def test_random_edges(pair):
    """Points on the limits (longitude +-180, latitude +-85.05112878, whose offsets
    reach the next bit), near the poles and across the antimeridian, searched with
    radii and boxes from 10 cm to 100,000 km: the cells scanned (neighbours of an
    edge cell included) and so the results must be Redis's."""
    rng = random.Random(5)
    for _ in range(4):
        pair.same("DEL", "g")
        n = rng.choice([60, 600, 3000])
        pts = []
        for i in range(n):
            kind = rng.random()
            if kind < 0.2:
                lon, lat = rng.uniform(-180, 180), rng.choice([1, -1]) * rng.uniform(80, 85.05112878)
            elif kind < 0.4:
                lon, lat = rng.choice([1, -1]) * rng.uniform(179, 180), rng.uniform(-85, 85)
            elif kind < 0.5:
                lon = rng.choice([-180, 180, 0])
                lat = rng.choice([-85.05112878, 85.05112878, 0, rng.uniform(-85, 85)])
            else:
                lon, lat = rng.uniform(-180, 180), rng.uniform(-85.05112878, 85.05112878)
            pts.append((repr(float(lon)), repr(float(lat)), f"p{i}"))
        load(pair, "g", pts)
        cmds = []
        for _ in range(250):
            lon, lat, m = rng.choice(pts)
            if rng.random() < 0.5:
                lon, lat = repr(rng.uniform(-180, 180)), repr(rng.uniform(-85.05112878, 85.05112878))
            unit = rng.choice(["m", "km", "mi", "ft"])
            opts = []
            if rng.random() < 0.5:
                opts.append(rng.choice(["ASC", "DESC"]))
            if rng.random() < 0.3:
                opts += ["COUNT", str(rng.choice([1, 5, 50, 1000]))] + (["ANY"] if rng.random() < 0.3 else [])
            opts += rng.sample(["WITHDIST", "WITHCOORD", "WITHHASH"], rng.randrange(4))
            size = lambda: repr(10 ** rng.uniform(-1, 8))
            if rng.random() < 0.5:
                by = ["BYRADIUS", size(), unit] if rng.random() < 0.5 else ["BYBOX", size(), size(), unit]
                cmds.append(["GEOSEARCH", "g", "FROMLONLAT", lon, lat] + by + opts)
            else:
                cmds.append(["GEORADIUSBYMEMBER", "g", m, size(), unit] + opts)
        pair.pipeline_same(cmds)
