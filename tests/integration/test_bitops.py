"""Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
Replies, encodings and error texts are Redis 7.0.15's (these tests pass against
redis-server 7.0.15 with VESPER_SERVER=/usr/bin/redis-server). The randomized tests
compare with small Python models of the commands."""
import random

import pytest

from helpers import make_other_type

ERR_NOT_INT = b"ERR value is not an integer or out of range"
ERR_SYNTAX = b"ERR syntax error"
ERR_WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_OFFSET = b"ERR bit offset is not an integer or out of range"
ERR_BIT = b"ERR bit is not an integer or out of range"
ERR_BFTYPE = (b"ERR Invalid bitfield type. Use something like i16 u8. "
              b"Note that u64 is not supported but i64 is.")


@pytest.fixture
def c(raw):
    return raw()


def bits_of(data):
    return "".join(format(b, "08b") for b in data)


# ---------------------------------------------------------------- Python models

def model_range(start, end, totlen):
    if start < 0:
        start += totlen
    if end < 0:
        end += totlen
    start = max(start, 0)
    end = max(end, 0)
    end = min(end, totlen - 1)
    return start, end


def model_bitcount(data, start=None, end=None, unit="BYTE"):
    if start is None:
        return bits_of(data).count("1")
    if start < 0 and end < 0 and start > end:
        return 0
    bits = bits_of(data)
    if unit == "BIT":
        s, e = model_range(start, end, len(bits))
        return bits[s:e + 1].count("1") if s <= e else 0
    s, e = model_range(start, end, len(data))
    return bits[s * 8:(e + 1) * 8].count("1") if s <= e else 0


def model_bitpos(data, bit, start=None, end=None, unit="BYTE"):
    bits = bits_of(data)
    end_given = end is not None
    if start is None:
        s, e = 0, len(bits) - 1
    else:
        totlen = len(bits) if unit == "BIT" else len(data)
        s, e = model_range(start, end if end_given else totlen - 1, totlen)
        if s > e:
            return -1
        if unit != "BIT":
            s, e = s * 8, e * 8 + 7
    if s > e:
        return -1
    pos = bits.find(str(bit), s, e + 1)
    if pos >= 0:
        return pos
    if bit == 1 or end_given:
        return -1
    return e + 1


def bf_get(buf, offset, bits):
    v = 0
    for i in range(bits):
        byte, bit = divmod(offset + i, 8)
        b = (buf[byte] >> (7 - bit)) & 1 if byte < len(buf) else 0
        v = (v << 1) | b
    return v


def bf_set(buf, offset, bits, value):
    need = (offset + bits - 1) // 8 + 1
    if len(buf) < need:
        buf.extend(b"\x00" * (need - len(buf)))
    for i in range(bits):
        byte, bit = divmod(offset + i, 8)
        b = (value >> (bits - 1 - i)) & 1
        if b:
            buf[byte] |= 0x80 >> bit
        else:
            buf[byte] &= ~(0x80 >> bit) & 0xFF


def to_signed(v, bits):
    return v - (1 << bits) if v & (1 << (bits - 1)) else v


def bf_fit(v, signed, bits, ow, is_set=False):
    """Returns (overflowed, value to store)."""
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    if lo <= v <= hi:
        return False, v
    if ow == "SAT":
        # Redis computes the headroom hi - v in wrapping 64-bit arithmetic: for a SET
        # of a value so negative that it wraps, the overflow counts as upwards.
        if signed and is_set and bits < 64 and hi - v > 2**63 - 1:
            return True, hi
        return True, hi if v > hi else lo
    w = v & ((1 << bits) - 1)
    if signed:
        w = to_signed(w, bits)
    return True, w


def model_bitfield(buf, ops):
    """ops: list of (op, signed, bits, offset, value, overflow). Mutates buf."""
    out = []
    grow_to = 0
    for op, signed, bits, offset, value, ow in ops:
        if op != "GET":
            grow_to = max(grow_to, (offset + bits - 1) // 8 + 1)
    if grow_to > len(buf):
        buf.extend(b"\x00" * (grow_to - len(buf)))
    for op, signed, bits, offset, value, ow in ops:
        raw_old = bf_get(buf, offset, bits)
        old = to_signed(raw_old, bits) if signed else raw_old
        if op == "GET":
            out.append(old)
            continue
        if op == "SET":
            target = value if signed else value & ((1 << 64) - 1)
        else:
            target = old + value
        over, new = bf_fit(target, signed, bits, ow, op == "SET")
        if over and ow == "FAIL":
            out.append(None)
            continue
        bf_set(buf, offset, bits, new & ((1 << bits) - 1))
        out.append(new if op == "INCRBY" else old)
    return out


# ---------------------------------------------------------------- SETBIT / GETBIT

def test_setbit_getbit(r, c):
    assert c.cmd("SETBIT", "k", "7", "1") == 0
    assert r.get("k") == b"\x01"
    assert r.object("encoding", "k") == b"raw"
    assert c.cmd("SETBIT", "k", "7", "1") == 1
    assert c.cmd("SETBIT", "k", "7", "0") == 1
    assert r.get("k") == b"\x00"
    assert c.cmd("SETBIT", "k", "100", "1") == 0
    assert r.strlen("k") == 13
    assert c.cmd("GETBIT", "k", "100") == 1
    assert c.cmd("GETBIT", "k", "99") == 0
    assert c.cmd("GETBIT", "k", "1000000") == 0
    assert c.cmd("GETBIT", "missing", "5") == 0
    assert r.exists("missing") == 0
    # clearing a bit beyond the end still grows the string
    assert c.cmd("SETBIT", "z", "15", "0") == 0
    assert r.get("z") == b"\x00\x00"


def test_setbit_on_int_and_embstr(r, c):
    r.set("n", 1)              # "1" = 0x31 = 00110001
    assert r.object("encoding", "n") == b"int"
    assert [c.cmd("GETBIT", "n", str(i)) for i in range(8)] == [0, 0, 1, 1, 0, 0, 0, 1]
    assert c.cmd("GETBIT", "n", "8") == 0
    assert c.cmd("SETBIT", "n", "6", "1") == 0
    assert r.get("n") == b"3"
    assert r.object("encoding", "n") == b"raw"
    r.set("s", "a")
    assert c.cmd("SETBIT", "s", "6", "1") == 0
    assert r.get("s") == b"c"
    assert r.object("encoding", "s") == b"raw"


def test_setbit_keeps_ttl(r, c):
    r.set("k", "a", ex=100)
    c.cmd("SETBIT", "k", "20", "1")
    assert 99 <= r.ttl("k") <= 100


def test_setbit_errors(r, c):
    for off in ("-1", "abc", "1.5", "", "4294967296", "9223372036854775807", "#1"):
        assert c.cmd("SETBIT", "k", off, "1") == ERR_OFFSET, off
        assert c.cmd("GETBIT", "k", off) == ERR_OFFSET, off
    for bit in ("2", "-1", "abc", "", "1.0", "10"):
        assert c.cmd("SETBIT", "k", "0", bit) == ERR_BIT, bit
    assert r.exists("k") == 0
    make_other_type(r, "l")
    assert c.cmd("SETBIT", "l", "0", "1") == ERR_WRONGTYPE
    assert c.cmd("GETBIT", "l", "0") == ERR_WRONGTYPE
    assert c.cmd("GETBIT", "l", "-1") == ERR_OFFSET


def test_setbit_offset_limit_follows_proto_max_bulk_len(r, c):
    old = r.config_get("proto-max-bulk-len")["proto-max-bulk-len"]
    try:
        r.config_set("proto-max-bulk-len", 1024 * 1024)
        assert c.cmd("SETBIT", "k", str(8 * 1024 * 1024), "1") == ERR_OFFSET
        assert c.cmd("SETBIT", "k", str(8 * 1024 * 1024 - 1), "1") == 0
        assert r.strlen("k") == 1024 * 1024
        assert c.cmd("GETBIT", "k", str(8 * 1024 * 1024 - 1)) == 1
    finally:
        r.config_set("proto-max-bulk-len", old)


# ---------------------------------------------------------------- BITCOUNT

def test_bitcount_basic(r, c):
    r.set("k", "foobar")
    assert c.cmd("BITCOUNT", "k") == 26
    assert c.cmd("BITCOUNT", "k", "0", "0") == 4
    assert c.cmd("BITCOUNT", "k", "1", "1") == 6
    assert c.cmd("BITCOUNT", "k", "1", "1", "BYTE") == 6
    assert c.cmd("BITCOUNT", "k", "5", "30", "BIT") == 17
    assert c.cmd("BITCOUNT", "k", "5", "30", "bit") == 17
    assert c.cmd("BITCOUNT", "k", "-2", "-1") == 7
    assert c.cmd("BITCOUNT", "k", "-1", "-2") == 0
    assert c.cmd("BITCOUNT", "k", "3", "1") == 0
    assert c.cmd("BITCOUNT", "k", "0", "1000") == 26
    assert c.cmd("BITCOUNT", "k", "-1000", "1000") == 26
    assert c.cmd("BITCOUNT", "k", "100", "1000") == 0
    assert c.cmd("BITCOUNT", "missing") == 0
    r.set("n", 1)
    assert c.cmd("BITCOUNT", "n") == 3
    r.set("e", "")
    assert c.cmd("BITCOUNT", "e") == 0
    assert c.cmd("BITCOUNT", "e", "0", "-1") == 0


def test_bitcount_errors(r, c):
    r.set("k", "foobar")
    assert c.cmd("BITCOUNT", "k", "0") == ERR_SYNTAX
    assert c.cmd("BITCOUNT", "k", "0", "1", "FOO") == ERR_SYNTAX
    assert c.cmd("BITCOUNT", "k", "0", "1", "BIT", "x") == ERR_SYNTAX
    assert c.cmd("BITCOUNT", "k", "a", "1") == ERR_NOT_INT
    assert c.cmd("BITCOUNT", "k", "0", "b") == ERR_NOT_INT
    # quirks: an empty negative range answers 0 before the unit is parsed, and a
    # missing key answers 0 before any argument is
    assert c.cmd("BITCOUNT", "k", "-1", "-2", "FOO") == 0
    assert c.cmd("BITCOUNT", "missing", "0") == 0
    assert c.cmd("BITCOUNT", "missing", "a", "b", "c") == 0
    make_other_type(r, "l")
    assert c.cmd("BITCOUNT", "l") == ERR_WRONGTYPE
    assert c.cmd("BITCOUNT", "l", "x") == ERR_WRONGTYPE


def test_bitcount_random(r, c):
    rnd = random.Random(7)
    for size in (1, 7, 8, 9, 31, 32, 33, 100, 1000, 4099):
        data = bytes(rnd.getrandbits(8) for _ in range(size))
        r.set("k", data)
        assert c.cmd("BITCOUNT", "k") == model_bitcount(data)
        for _ in range(20):
            unit = rnd.choice(["BYTE", "BIT"])
            lim = size * (8 if unit == "BIT" else 1)
            s = rnd.randint(-lim - 3, lim + 3)
            e = rnd.randint(-lim - 3, lim + 3)
            assert c.cmd("BITCOUNT", "k", s, e, unit) == model_bitcount(data, s, e, unit), (size, s, e, unit)


# ---------------------------------------------------------------- BITPOS

def test_bitpos_basic(r, c):
    r.set("k", b"\xff\xf0\x00")
    assert c.cmd("BITPOS", "k", "0") == 12
    r.set("k", b"\x00\xff\xf0")
    assert c.cmd("BITPOS", "k", "1", "0") == 8
    assert c.cmd("BITPOS", "k", "1", "2") == 16
    assert c.cmd("BITPOS", "k", "1", "2", "-1", "BYTE") == 16
    assert c.cmd("BITPOS", "k", "1", "7", "15", "BIT") == 8
    assert c.cmd("BITPOS", "k", "1", "7", "-3", "bit") == 8
    r.set("z", b"\x00\x00\x00")
    assert c.cmd("BITPOS", "z", "1") == -1
    assert c.cmd("BITPOS", "z", "0") == 0
    r.set("o", b"\xff\xff\xff")
    assert c.cmd("BITPOS", "o", "0") == 24
    assert c.cmd("BITPOS", "o", "0", "1") == 24
    assert c.cmd("BITPOS", "o", "0", "0", "-1") == -1
    assert c.cmd("BITPOS", "o", "0", "0", "-1", "BIT") == -1
    assert c.cmd("BITPOS", "o", "1", "5", "2") == -1
    assert c.cmd("BITPOS", "missing", "1") == -1
    assert c.cmd("BITPOS", "missing", "0") == 0
    assert c.cmd("BITPOS", "missing", "0", "x", "y", "z") == 0
    r.set("n", 1)   # 0x31
    assert c.cmd("BITPOS", "n", "1") == 2
    assert c.cmd("BITPOS", "n", "0") == 0
    r.set("e", "")
    assert c.cmd("BITPOS", "e", "1") == -1
    assert c.cmd("BITPOS", "e", "0") == -1


def test_bitpos_errors(r, c):
    r.set("k", "foo")
    assert c.cmd("BITPOS", "k", "2") == b"ERR The bit argument must be 1 or 0."
    assert c.cmd("BITPOS", "k", "-1") == b"ERR The bit argument must be 1 or 0."
    assert c.cmd("BITPOS", "missing", "2") == b"ERR The bit argument must be 1 or 0."
    assert c.cmd("BITPOS", "k", "x") == ERR_NOT_INT
    assert c.cmd("BITPOS", "k", "1", "x") == ERR_NOT_INT
    assert c.cmd("BITPOS", "k", "1", "0", "x") == ERR_NOT_INT
    assert c.cmd("BITPOS", "k", "1", "0", "1", "FOO") == ERR_SYNTAX
    assert c.cmd("BITPOS", "k", "1", "0", "x", "FOO") == ERR_SYNTAX
    assert c.cmd("BITPOS", "k", "1", "0", "1", "BIT", "x") == ERR_SYNTAX
    make_other_type(r, "l")
    assert c.cmd("BITPOS", "l", "1") == ERR_WRONGTYPE


def test_bitpos_random(r, c):
    rnd = random.Random(11)
    for size in (1, 2, 8, 9, 17, 64, 65, 300):
        for fill in (0x00, 0xff, None):
            if fill is None:
                data = bytes(rnd.getrandbits(8) for _ in range(size))
            else:
                data = bytearray([fill] * size)
                if rnd.random() < 0.5:
                    data[rnd.randrange(size)] ^= 1 << rnd.randrange(8)
                data = bytes(data)
            r.set("k", data)
            for bit in (0, 1):
                assert c.cmd("BITPOS", "k", bit) == model_bitpos(data, bit)
                for _ in range(15):
                    unit = rnd.choice(["BYTE", "BIT"])
                    lim = size * (8 if unit == "BIT" else 1)
                    s = rnd.randint(-lim - 2, lim + 2)
                    e = rnd.randint(-lim - 2, lim + 2)
                    assert c.cmd("BITPOS", "k", bit, s) == model_bitpos(data, bit, s), (data, bit, s)
                    assert c.cmd("BITPOS", "k", bit, s, e) == model_bitpos(data, bit, s, e), (data, bit, s, e)
                    assert c.cmd("BITPOS", "k", bit, s, e, unit) == \
                        model_bitpos(data, bit, s, e, unit), (data, bit, s, e, unit)


# ---------------------------------------------------------------- BITOP

def test_bitop_basic(r, c):
    r.set("a", b"\xff\x0f\x01")
    r.set("b", b"\xf0\xff")
    assert c.cmd("BITOP", "AND", "d", "a", "b") == 3
    assert r.get("d") == b"\xf0\x0f\x00"
    assert r.object("encoding", "d") == b"raw"
    assert c.cmd("BITOP", "or", "d", "a", "b") == 3
    assert r.get("d") == b"\xff\xff\x01"
    assert c.cmd("BITOP", "XoR", "d", "a", "b") == 3
    assert r.get("d") == b"\x0f\xf0\x01"
    assert c.cmd("BITOP", "NOT", "d", "b") == 2
    assert r.get("d") == b"\x0f\x00"
    assert c.cmd("BITOP", "AND", "d", "a", "missing") == 3
    assert r.get("d") == b"\x00\x00\x00"
    assert c.cmd("BITOP", "OR", "d", "missing", "a") == 3
    assert r.get("d") == b"\xff\x0f\x01"
    # the destination may be a source
    assert c.cmd("BITOP", "XOR", "a", "a", "b") == 3
    assert r.get("a") == b"\x0f\xf0\x01"
    # a single source
    assert c.cmd("BITOP", "AND", "d", "b") == 2
    assert r.get("d") == b"\xf0\xff"


def test_bitop_int_source_and_ttl(r, c):
    r.set("n", 12)                 # "12"
    r.set("d", "x", ex=100)
    assert c.cmd("BITOP", "NOT", "d", "n") == 2
    assert r.get("d") == bytes(~b & 0xff for b in b"12")
    assert r.ttl("d") == -1


def test_bitop_empty_result_deletes_destination(r, c):
    r.set("d", "x")
    assert c.cmd("BITOP", "AND", "d", "m1", "m2") == 0
    assert r.exists("d") == 0
    make_other_type(r, "l")
    assert c.cmd("BITOP", "OR", "l", "m1") == 0
    assert r.exists("l") == 0
    r.set("e", "")
    r.set("d", "x")
    assert c.cmd("BITOP", "NOT", "d", "e") == 0
    assert r.exists("d") == 0


def test_bitop_overwrites_other_type(r, c):
    make_other_type(r, "l")
    r.set("a", "abc")
    assert c.cmd("BITOP", "OR", "l", "a") == 3
    assert r.get("l") == b"abc"


def test_bitop_errors(r, c):
    r.set("a", "x")
    assert c.cmd("BITOP", "NOT", "d", "a", "a") == b"ERR BITOP NOT must be called with a single source key."
    assert c.cmd("BITOP", "NAND", "d", "a") == ERR_SYNTAX
    assert c.cmd("BITOP", "AND", "d") == b"ERR wrong number of arguments for 'bitop' command"
    make_other_type(r, "l")
    assert c.cmd("BITOP", "AND", "d", "a", "l") == ERR_WRONGTYPE
    assert r.exists("d") == 0


def test_bitop_random(r, c):
    rnd = random.Random(3)
    for _ in range(30):
        n = rnd.randint(1, 5)
        srcs = [bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 1, 5, 8, 31, 33, 64, 100])))
                for _ in range(n)]
        names = []
        for i, s in enumerate(srcs):
            names.append("s%d" % i)
            if s:
                r.set("s%d" % i, s)
            else:
                r.delete("s%d" % i)
        maxlen = max(len(s) for s in srcs)
        padded = [s + b"\x00" * (maxlen - len(s)) for s in srcs]
        for op in ("AND", "OR", "XOR"):
            want = bytearray(padded[0])
            for s in padded[1:]:
                for i in range(maxlen):
                    if op == "AND":
                        want[i] &= s[i]
                    elif op == "OR":
                        want[i] |= s[i]
                    else:
                        want[i] ^= s[i]
            assert c.cmd("BITOP", op, "dest", *names) == maxlen
            assert (r.get("dest") or b"") == bytes(want)
        assert c.cmd("BITOP", "NOT", "dest", names[0]) == len(srcs[0])
        assert (r.get("dest") or b"") == bytes(~b & 0xff for b in srcs[0])


# ---------------------------------------------------------------- BITFIELD

def test_bitfield_basic(r, c):
    assert c.cmd("BITFIELD", "k", "INCRBY", "i5", "100", "1", "GET", "u4", "0") == [1, 0]
    assert r.object("encoding", "k") == b"raw"
    assert c.cmd("BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0", "GET", "i8", "0") == [0, 255, -1]
    assert c.cmd("BITFIELD", "k", "set", "u8", "#1", "200", "get", "u8", "8") == [0, 200]
    assert c.cmd("BITFIELD", "k", "GET", "u16", "#0") == [0xffc8]
    assert c.cmd("BITFIELD", "missing", "GET", "u8", "0", "GET", "i64", "100") == [0, 0]
    assert r.exists("missing") == 0
    assert c.cmd("BITFIELD", "k") == []
    assert c.cmd("BITFIELD", "k", "OVERFLOW", "SAT") == []
    assert c.cmd("BITFIELD", "missing") == []


def test_bitfield_overflow_modes(r, c):
    results = [c.cmd("BITFIELD", "k", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1")
               for _ in range(4)]
    assert results == [[1, 1], [2, 2], [3, 3], [0, 3]]
    assert c.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "102", "1") == [None]
    assert c.cmd("BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "i8", "0", "128", "SET", "i8", "0", "-128") == [None, 0]
    assert c.cmd("BITFIELD", "f", "GET", "i8", "0") == [-128]
    assert c.cmd("BITFIELD", "s", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0") == [0, 255]
    assert c.cmd("BITFIELD", "s", "OVERFLOW", "WRAP", "SET", "u8", "0", "-2", "GET", "u8", "0") == [255, 254]
    assert c.cmd("BITFIELD", "s", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000") == [-128]
    assert c.cmd("BITFIELD", "s", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "1000") == [127]
    assert c.cmd("BITFIELD", "s", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "1") == [-128]
    assert c.cmd("BITFIELD", "s", "overflow", "sat", "INCRBY", "u8", "0", "-1000") == [0]


def test_bitfield_sat_set_of_very_negative_values(r, c):
    # Redis quirk kept for compatibility: the headroom max - value wraps for values
    # near INT64_MIN, so such a SET saturates to the field's maximum.
    for value, want in (("-9223372036854775808", 32767), ("-9223372036854743041", 32767),
                        ("-9223372036854743040", -32768), ("-9223372036854735808", -32768)):
        assert c.cmd("BITFIELD", "q", "OVERFLOW", "SAT", "SET", "i16", "0", value, "GET", "i16", "0")[1] == want
    assert c.cmd("BITFIELD", "q", "OVERFLOW", "SAT", "SET", "i1", "0", "-9223372036854775808",
                 "GET", "i1", "0") == [-1, 0]
    assert c.cmd("BITFIELD", "q", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775800",
                 "GET", "i8", "0") == [0, 127]
    assert c.cmd("BITFIELD", "q", "OVERFLOW", "WRAP", "SET", "i16", "0", "-9223372036854775808",
                 "GET", "i16", "0") == [32512, 0]
    assert c.cmd("BITFIELD", "q", "OVERFLOW", "FAIL", "SET", "i16", "0", "-9223372036854775808") == [None]


def test_bitfield_64_bits(r, c):
    big, small = 9223372036854775807, -9223372036854775808
    assert c.cmd("BITFIELD", "k", "SET", "i64", "0", str(big), "GET", "i64", "0") == [0, big]
    assert c.cmd("BITFIELD", "k", "INCRBY", "i64", "0", "1") == [small]
    assert c.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1") == [small]
    assert c.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1") == [None]
    assert c.cmd("BITFIELD", "k", "SET", "u63", "64", str(big), "GET", "u63", "64") == [0, big]
    assert c.cmd("BITFIELD", "k", "INCRBY", "u63", "64", "1") == [0]
    assert c.cmd("BITFIELD", "k", "SET", "i1", "3", "-1", "GET", "u1", "3", "GET", "i1", "3") == [0, 1, -1]
    assert c.cmd("BITFIELD", "k", "SET", "i1", "3", "1", "GET", "i1", "3") == [-1, -1]


def test_bitfield_errors(r, c):
    for t in ("u64", "i65", "i0", "u0", "x8", "I8", "U8", "u", "i", "", "u8a", "i-1"):
        assert c.cmd("BITFIELD", "k", "GET", t, "0") == ERR_BFTYPE, t
    for off in ("-1", "#-1", "a", "#", "#a", "1.0", "4294967296", "#536870912"):
        assert c.cmd("BITFIELD", "k", "GET", "u8", off) == ERR_OFFSET, off
    assert c.cmd("BITFIELD", "k", "SET", "u8", "0", "x") == ERR_NOT_INT
    assert c.cmd("BITFIELD", "k", "INCRBY", "u8", "0", "1.5") == ERR_NOT_INT
    assert c.cmd("BITFIELD", "k", "FOO", "u8", "0") == ERR_SYNTAX
    assert c.cmd("BITFIELD", "k", "GET", "u8") == ERR_SYNTAX
    assert c.cmd("BITFIELD", "k", "SET", "u8", "0") == ERR_SYNTAX
    assert c.cmd("BITFIELD", "k", "OVERFLOW") == ERR_SYNTAX
    assert c.cmd("BITFIELD", "k", "OVERFLOW", "FOO") == b"ERR Invalid OVERFLOW type specified"
    # errors come before anything is written
    assert c.cmd("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u99", "0") == ERR_BFTYPE
    assert r.exists("k") == 0
    make_other_type(r, "l")
    assert c.cmd("BITFIELD", "l", "GET", "u8", "0") == ERR_WRONGTYPE
    assert c.cmd("BITFIELD", "l", "SET", "u8", "0", "1") == ERR_WRONGTYPE
    assert c.cmd("BITFIELD", "l") == ERR_WRONGTYPE


def test_bitfield_ro(r, c):
    r.set("k", b"\x81")
    assert c.cmd("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "4") == [129, 1]
    assert c.cmd("BITFIELD_RO", "k", "get", "u1", "#7") == [1]
    assert c.cmd("BITFIELD_RO", "k") == []
    assert c.cmd("BITFIELD_RO", "missing", "GET", "u8", "0") == [0]
    assert c.cmd("BITFIELD_RO", "k", "SET", "u8", "0", "1") == \
        b"ERR BITFIELD_RO only supports the GET subcommand"
    assert c.cmd("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1") == \
        b"ERR BITFIELD_RO only supports the GET subcommand"
    assert c.cmd("BITFIELD_RO", "k", "SET", "u8", "0", "x") == ERR_NOT_INT
    assert c.cmd("BITFIELD_RO", "k", "GET", "u64", "0") == ERR_BFTYPE
    assert r.get("k") == b"\x81"


def test_bitfield_keeps_ttl(r, c):
    r.set("k", "abc", ex=100)
    c.cmd("BITFIELD", "k", "SET", "u8", "100", "3")
    assert 99 <= r.ttl("k") <= 100


def test_bitfield_random(r, c):
    rnd = random.Random(5)
    buf = bytearray()
    for _ in range(200):
        ops = []
        args = []
        ow = "WRAP"
        for _ in range(rnd.randint(1, 4)):
            if rnd.random() < 0.2:
                ow = rnd.choice(["WRAP", "SAT", "FAIL"])
                args += ["OVERFLOW", ow]
            op = rnd.choice(["GET", "SET", "INCRBY"])
            signed = rnd.random() < 0.5
            bits = rnd.randint(1, 64 if signed else 63)
            offset = rnd.randint(0, 120)
            lim = 1 << (bits + 1)
            value = rnd.choice([rnd.randint(-lim, lim), rnd.randint(-2**63, 2**63 - 1), 0, 1, -1,
                                -2**63 + rnd.randint(0, lim)])
            value = max(-2**63, min(2**63 - 1, value))
            args += [op, ("i" if signed else "u") + str(bits), str(offset)]
            if op != "GET":
                args.append(str(value))
            ops.append((op, signed, bits, offset, value, ow))
        want = model_bitfield(buf, ops)
        assert c.cmd("BITFIELD", "k", *args) == want, args
        assert (r.get("k") or b"") == bytes(buf)


# ---------------------------------------------------------------- command table

def test_command_info_bitops(c):
    info = c.cmd("COMMAND", "INFO", "bitop", "bitfield", "bitfield_ro", "setbit", "bitcount")
    if isinstance(info, bytes):
        pytest.skip("COMMAND INFO not available")
    byname = {i[0]: i for i in info}
    assert byname[b"bitop"][1:6] == [-4, [b"write", b"denyoom"], 2, -1, 1]
    assert byname[b"bitfield"][1:6] == [-2, [b"write", b"denyoom"], 1, 1, 1]
    assert byname[b"bitfield_ro"][1:6] == [-2, [b"readonly", b"fast"], 1, 1, 1]
    assert byname[b"setbit"][1:6] == [4, [b"write", b"denyoom"], 1, 1, 1]
    assert sorted(byname[b"bitcount"][6]) == sorted([b"@read", b"@bitmap", b"@slow"])
