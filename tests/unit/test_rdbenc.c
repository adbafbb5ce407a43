/* test_rdbenc.c - unit tests for ds/rdbenc, the building blocks of the RDB format:
 * round trips of lengths at every boundary of the 6/14/32/64-bit forms; strings
 * (empty, the int8/16/32 encodings, integer-looking strings that must stay raw such
 * as "007", "-0", " 1" and 2^31, LZF with Rio.compress on and off, incompressible
 * data, corrupt LZF); binary doubles (nan, infinities, -0.0) and the text form with
 * its 253/254/255 codes; millisecond and second times; aux fields; every truncation
 * of every encoding failing cleanly (a message, no leak, no read past the input,
 * which ASan checks as each prefix sits in an allocation of its exact size); hostile
 * lengths failing without allocating what they claim (run in a child process under
 * an address-space limit); rdb_presize's bounds; rdb_load_blob; rdb_load_string_into; and
 * rdb_lp_pairs_valid against a simple model on randomized listpacks (integers and
 * their decimal text, injected duplicates, odd counts, wrong header counts,
 * truncations, byte flips). The random seed is printed; VESPER_TEST_SEED replays it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/alloc.h"
#include "base/lzfwrap.h"
#include "base/rio.h"
#include "base/sds.h"
#include "base/util.h"
#include "ds/listpack.h"
#include "ds/rdbenc.h"

static size_t mem_before;

static int setup(void **state) {
    (void)state;
    mem_before = vmalloc_used();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    assert_int_equal(vmalloc_used(), mem_before);
    return 0;
}

/* ---------------- helpers ---------------- */

static void writer(Rio *w, int compress) {
    rio_init_buffer(w);
    w->compress = compress;
}

/* The bytes written to w (the writer is closed). */
static Sds written(Rio *w) {
    assert_false(rio_failed(w));
    Sds s = rio_take_buffer(w);
    rio_close(w);
    return s;
}

static void assert_bytes(const void *got, size_t glen, const void *want, size_t wlen) {
    if (glen == wlen && memcmp(got, want, wlen) == 0) return;
    Sds g = sds_catrepr(sds_empty(), got, glen), w = sds_catrepr(sds_empty(), want, wlen);
    print_error("bytes differ\n  got:  %s\n  want: %s\n", g, w);
    sds_free(g);
    sds_free(w);
    fail();
}

/* What one decoder reads; the truncation test runs each on every prefix. */
enum { D_TYPE, D_LEN, D_STRING, D_BLOB, D_DBL_BIN, D_DBL_TEXT, D_MILLIS, D_SECONDS, D_AUX };

/* Reads one item of the kind from r, frees whatever it made; 1 on success. */
static int decode(Rio *r, int kind, RdbErr *err) {
    uint64_t len;
    double d;
    long long ll;
    size_t blen;
    Sds s, v;
    unsigned char *blob;
    switch (kind) {
    case D_TYPE:
        return rdb_load_type(r, err) >= 0;
    case D_LEN:
        return rdb_load_len(r, &len, NULL, err);
    case D_STRING:
        s = rdb_load_string(r, RDB_STRING_MAX, err);
        sds_free(s);
        return s != NULL;
    case D_BLOB:
        blob = rdb_load_blob(r, RDB_STRING_MAX, &blen, err);
        vfree(blob);
        return blob != NULL;
    case D_DBL_BIN:
        return rdb_load_double_binary(r, &d, err);
    case D_DBL_TEXT:
        return rdb_load_double_text(r, &d, err);
    case D_MILLIS:
        return rdb_load_millis(r, &ll, err);
    case D_SECONDS:
        return rdb_load_seconds(r, &ll, err);
    case D_AUX:
        if (rdb_load_type(r, err) != RDB_OPCODE_AUX) return 0;
        s = rdb_load_string(r, RDB_STRING_MAX, err);
        v = s ? rdb_load_string(r, RDB_STRING_MAX, err) : NULL;
        sds_free(s);
        sds_free(v);
        return v != NULL;
    }
    return 0;
}

/* Every proper prefix of bytes[0..n) fails with a message and frees what it made;
 * the whole of it decodes and consumes exactly n bytes. Each prefix is copied into
 * an allocation of its own size, so a read past it is an ASan report. Encodings
 * over 2 KB are cut at their first and last 64 positions and at 256 in between. */
static void check_truncations(const void *bytes, size_t n, int kind, const char *what) {
    size_t step = n > 2048 ? n / 256 : 1;
    for (size_t k = 0; k <= n; k = (k < 64 || k + 64 >= n) ? k + 1 : (k + step + 64 < n ? k + step : n - 64)) {
        unsigned char *copy = malloc(k ? k : 1);
        memcpy(copy, bytes, k);
        Rio r;
        rio_init_mem(&r, copy, k);
        RdbErr err = {{0}};
        size_t before = vmalloc_used();
        int ok = decode(&r, kind, &err);
        size_t after = vmalloc_used();
        free(copy);
        if (k < n && (ok || !err.msg[0]))
            fail_msg("%s: the prefix of %zu of %zu bytes %s", what, k, n, ok ? "decoded" : "failed without a message");
        if (k == n && (!ok || r.io.mem.pos != n))
            fail_msg("%s: the whole encoding (%zu bytes) %s: %s", what, n, ok ? "was not consumed" : "failed", err.msg);
        if (before != after) fail_msg("%s: %zu-byte prefix leaked %zd bytes", what, k, (ssize_t)(after - before));
    }
}

/* A reader over a string literal of known length. */
static Rio reader(const void *p, size_t n) {
    Rio r;
    rio_init_mem(&r, p, n);
    return r;
}

/* ---------------- lengths ---------------- */

static void test_lengths(void **state) {
    (void)state;
    static const struct {
        uint64_t v;
        size_t size;
    } cases[] = {
        {0, 1}, {1, 1}, {63, 1},                                           /* 6 bits */
        {64, 2}, {255, 2}, {256, 2}, {16383, 2},                           /* 14 bits */
        {16384, 5}, {65535, 5}, {65536, 5}, {UINT32_MAX - 1, 5}, {UINT32_MAX, 5}, /* 32 */
        {(uint64_t)UINT32_MAX + 1, 9}, {(uint64_t)1 << 40, 9}, {UINT64_MAX - 1, 9}, {UINT64_MAX, 9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Rio w;
        writer(&w, 0);
        assert_true(rdb_save_len(&w, cases[i].v));
        Sds b = written(&w);
        if (sds_len(b) != cases[i].size)
            fail_msg("length %" PRIu64 " took %zu bytes, want %zu", cases[i].v, sds_len(b), cases[i].size);
        unsigned char first = (unsigned char)b[0];
        if (cases[i].size == 1) assert_int_equal(first >> 6, 0);
        if (cases[i].size == 2) assert_int_equal(first >> 6, 1);
        if (cases[i].size == 5) assert_int_equal(first, 0x80);
        if (cases[i].size == 9) assert_int_equal(first, 0x81);
        Rio r = reader(b, sds_len(b));
        RdbErr err = {{0}};
        uint64_t got = 0;
        int enc = 7;
        assert_true(rdb_load_len(&r, &got, &enc, &err));
        assert_int_equal(enc, 0);
        if (got != cases[i].v) fail_msg("length %" PRIu64 " read back as %" PRIu64, cases[i].v, got);
        assert_int_equal(r.io.mem.pos, sds_len(b));
        check_truncations(b, sds_len(b), D_LEN, "length");
        sds_free(b);
    }
    /* big-endian in the 14/32/64-bit forms */
    Rio w;
    writer(&w, 0);
    rdb_save_len(&w, 0x1234);
    rdb_save_len(&w, 0x12345678);
    rdb_save_len(&w, 0x123456789aULL);
    Sds b = written(&w);
    assert_bytes(b, sds_len(b), "\x52\x34" "\x80\x12\x34\x56\x78" "\x81\x00\x00\x00\x12\x34\x56\x78\x9a", 16);
    sds_free(b);

    /* longer forms than needed are read as what they say */
    RdbErr err = {{0}};
    uint64_t v;
    Rio r = reader("\x40\x05" "\x80\x00\x00\x00\x05" "\x81\x00\x00\x00\x00\x00\x00\x00\x05", 16);
    for (int i = 0; i < 3; i++) {
        assert_true(rdb_load_len(&r, &v, NULL, &err));
        assert_int_equal(v, 5);
    }
    /* 0x82..0xbf are no length form */
    for (int c = 0x82; c < 0xc0; c++) {
        unsigned char in[9] = {(unsigned char)c};
        r = reader(in, sizeof(in));
        memset(&err, 0, sizeof(err));
        assert_false(rdb_load_len(&r, &v, NULL, &err));
        assert_non_null(strstr(err.msg, "unknown length encoding"));
    }
    /* 11xxxxxx: a string encoding, an error where only a length may stand */
    for (int c = 0xc0; c <= 0xff; c++) {
        unsigned char in[1] = {(unsigned char)c};
        int enc = 0;
        r = reader(in, 1);
        assert_true(rdb_load_len(&r, &v, &enc, &err));
        assert_int_equal(enc, 1);
        assert_int_equal(v, c & 0x3f);
        r = reader(in, 1);
        memset(&err, 0, sizeof(err));
        assert_false(rdb_load_len(&r, &v, NULL, &err));
        assert_true(err.msg[0] != 0);
    }
    /* type bytes */
    r = reader("\x00\xff", 2);
    assert_int_equal(rdb_load_type(&r, &err), 0);
    assert_int_equal(rdb_load_type(&r, &err), 255);
    memset(&err, 0, sizeof(err));
    assert_int_equal(rdb_load_type(&r, &err), -1);
    assert_string_equal(err.msg, "unexpected end of data");
    writer(&w, 0);
    rdb_save_type(&w, RDB_TYPE_HASH_LISTPACK);
    rdb_save_type(&w, RDB_OPCODE_EOF);
    b = written(&w);
    assert_bytes(b, sds_len(b), "\x10\xff", 2);
    sds_free(b);
}

/* ---------------- strings ---------------- */

/* Saves s (compress on or off), checks the first byte and size, reads it back
 * equal, and checks every truncation. want_first < 0: do not check it. */
static Sds roundtrip_string(const void *s, size_t len, int compress, int want_first, long want_size) {
    Rio w;
    writer(&w, compress);
    assert_true(rdb_save_string(&w, s, len));
    Sds b = written(&w);
    Sds shown = sds_catrepr(sds_empty(), s, len < 40 ? len : 40);
    if (want_first >= 0 && (unsigned char)b[0] != want_first)
        fail_msg("string %s (compress %d) starts with 0x%02x, want 0x%02x", shown, compress, (unsigned char)b[0], want_first);
    if (want_size >= 0 && (long)sds_len(b) != want_size)
        fail_msg("string %s (compress %d) took %zu bytes, want %ld", shown, compress, sds_len(b), want_size);
    Rio r = reader(b, sds_len(b));
    RdbErr err = {{0}};
    Sds got = rdb_load_string(&r, RDB_STRING_MAX, &err);
    if (!got) fail_msg("string %s did not load: %s", shown, err.msg);
    assert_bytes(got, sds_len(got), s, len);
    assert_int_equal(r.io.mem.pos, sds_len(b));
    sds_free(got);
    check_truncations(b, sds_len(b), D_STRING, shown);
    check_truncations(b, sds_len(b), D_BLOB, shown);
    sds_free(shown);
    return b;
}

static void test_int_strings(void **state) {
    (void)state;
    static const struct {
        const char *s;
        int first;   /* 0xc0 int8, 0xc1 int16, 0xc2 int32, else the raw length byte */
        int size;
    } cases[] = {
        {"0", 0xc0, 2}, {"1", 0xc0, 2}, {"-1", 0xc0, 2}, {"127", 0xc0, 2}, {"-128", 0xc0, 2},
        {"128", 0xc1, 3}, {"-129", 0xc1, 3}, {"32767", 0xc1, 3}, {"-32768", 0xc1, 3},
        {"32768", 0xc2, 5}, {"-32769", 0xc2, 5}, {"2147483647", 0xc2, 5}, {"-2147483648", 0xc2, 5},
        /* integer-looking but not int-encodable: raw */
        {"2147483648", 10, 11}, {"-2147483649", 11, 12}, {"4294967296", 10, 11},
        {"12345678901", 11, 12}, {"9223372036854775807", 19, 20}, {"-9223372036854775808", 20, 21},
        {"007", 3, 4}, {"00", 2, 3}, {"-0", 2, 3}, {" 1", 2, 3}, {"1 ", 2, 3}, {"+1", 2, 3},
        {"1.0", 3, 4}, {"1e3", 3, 4}, {"0x10", 4, 5}, {"-", 1, 2}, {"--1", 3, 4}, {"", 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int compress = 0; compress < 2; compress++) {
            Sds b = roundtrip_string(cases[i].s, strlen(cases[i].s), compress, cases[i].first, cases[i].size);
            sds_free(b);
        }
    }
    /* the exact bytes: little-endian integers */
    Sds b = roundtrip_string("-2", 2, 0, 0xc0, 2);
    assert_bytes(b, 2, "\xc0\xfe", 2);
    sds_free(b);
    b = roundtrip_string("4660", 4, 0, 0xc1, 3);
    assert_bytes(b, 3, "\xc1\x34\x12", 3);
    sds_free(b);
    b = roundtrip_string("305419896", 9, 0, 0xc2, 5);
    assert_bytes(b, 5, "\xc2\x78\x56\x34\x12", 5);
    sds_free(b);
    /* a NUL inside is bytes, not an integer */
    b = roundtrip_string("1\0", 2, 0, 2, 3);
    sds_free(b);

    /* rdb_save_ll_string: the same encodings, and the digits past 32 bits */
    static const long long lls[] = {0, -1, 127, -128, 128, 32767, -32768, 32768, INT32_MAX, INT32_MIN,
                                    (long long)INT32_MAX + 1, (long long)INT32_MIN - 1, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof(lls) / sizeof(lls[0]); i++) {
        Rio w;
        writer(&w, 1);
        assert_true(rdb_save_ll_string(&w, lls[i]));
        Sds ll = written(&w);
        char digits[LONG_STR_SIZE];
        int dl = ll2string(digits, sizeof(digits), lls[i]);
        Rio w2;
        writer(&w2, 1);
        rdb_save_string(&w2, digits, (size_t)dl);
        Sds str = written(&w2);
        assert_bytes(ll, sds_len(ll), str, sds_len(str)); /* same bytes as the string */
        Rio r = reader(ll, sds_len(ll));
        RdbErr err = {{0}};
        Sds got = rdb_load_string(&r, RDB_STRING_MAX, &err);
        assert_non_null(got);
        assert_bytes(got, sds_len(got), digits, (size_t)dl);
        sds_free(got);
        sds_free(ll);
        sds_free(str);
    }

    /* the integer encodings read back as text whatever the limit */
    Rio r = reader("\xc2\xff\xff\xff\x7f", 5);
    RdbErr err = {{0}};
    Sds got = rdb_load_string(&r, 1, &err);
    assert_non_null(got);
    assert_string_equal(got, "2147483647");
    sds_free(got);
    /* unknown string encodings 4..63 */
    for (int c = 0xc4; c <= 0xff; c++) {
        unsigned char in[8] = {(unsigned char)c};
        r = reader(in, sizeof(in));
        memset(&err, 0, sizeof(err));
        assert_null(rdb_load_string(&r, RDB_STRING_MAX, &err));
        assert_non_null(strstr(err.msg, "unknown string encoding"));
    }
    /* over the caller's limit */
    r = reader("\x05hello", 6);
    memset(&err, 0, sizeof(err));
    assert_null(rdb_load_string(&r, 4, &err));
    assert_non_null(strstr(err.msg, "over the limit"));
    r = reader("\x05hello", 6);
    got = rdb_load_string(&r, 5, &err);
    assert_string_equal(got, "hello");
    sds_free(got);
}

static void test_lzf_strings(void **state) {
    (void)state;
    Rng rng;
    rng_seed(&rng, 7);
    /* compressible: repeated text of several sizes around the 20-byte threshold */
    size_t sizes[] = {5, 20, 21, 22, 64, 100, 1000, 70000, 3 * 1024 * 1024 + 17};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        char *s = malloc(n);
        for (size_t k = 0; k < n; k++) s[k] = "abcab"[k % 5];
        Sds raw = roundtrip_string(s, n, 0, -1, -1);
        assert_true(sds_len(raw) > n);                  /* compress off: raw */
        if (n > 20 && VESPER_HAVE_LZF) {
            Sds z = roundtrip_string(s, n, 1, 0xc3, -1);
            assert_true(sds_len(z) + 4 <= n);           /* LZF only when it saves 4+ bytes */
            sds_free(z);
        } else {
            Sds z = roundtrip_string(s, n, 1, -1, (long)sds_len(raw));
            assert_bytes(z, sds_len(z), raw, sds_len(raw));
            sds_free(z);
        }
        sds_free(raw);
        free(s);
    }
    /* incompressible: random bytes stay raw with compression on */
    for (size_t n = 21; n < 5000; n = n * 3 + 1) {
        unsigned char *s = malloc(n);
        for (size_t k = 0; k < n; k++) s[k] = (unsigned char)rng_next(&rng);
        Sds z = roundtrip_string(s, n, 1, -1, -1);
        assert_true((unsigned char)z[0] != 0xc3);
        Rio w;
        writer(&w, 0);
        rdb_save_string(&w, s, n);
        Sds raw = written(&w);
        assert_bytes(z, sds_len(z), raw, sds_len(raw));
        sds_free(z);
        sds_free(raw);
        free(s);
    }
    if (!VESPER_HAVE_LZF) return;

    /* the most compressible data (one byte repeated) loads: LZF's best ratio stays
     * under the 88 the loader believes at most */
    for (size_t n = 1000; n <= 4000000; n *= 40) {
        char *same = calloc(1, n);
        Sds z = roundtrip_string(same, n, 1, 0xc3, -1);
        if (n > 1000000) assert_true(sds_len(z) * 87 < n);   /* within 1% of the bound */
        sds_free(z);
        free(same);
    }

    /* the LZF form's layout: 0xc3, compressed length, original length, data */
    char s[200];
    memset(s, 'x', sizeof(s));
    Sds z = roundtrip_string(s, sizeof(s), 1, 0xc3, -1);
    Rio r = reader(z + 1, sds_len(z) - 1);
    RdbErr err = {{0}};
    uint64_t clen, len;
    assert_true(rdb_load_len(&r, &clen, NULL, &err));
    assert_true(rdb_load_len(&r, &len, NULL, &err));
    assert_int_equal(len, sizeof(s));
    assert_int_equal(r.io.mem.pos + clen, sds_len(z) - 1);
    size_t hdr = 1 + r.io.mem.pos;   /* where the compressed data starts */

    /* over the limit: the original length counts */
    r = reader(z, sds_len(z));
    memset(&err, 0, sizeof(err));
    assert_null(rdb_load_string(&r, sizeof(s) - 1, &err));
    assert_non_null(strstr(err.msg, "over the limit"));

    /* a declared length the data does not decompress to, either way */
    for (int delta = -1; delta <= 1; delta += 2) {
        Rio w;
        writer(&w, 0);
        unsigned char b = 0xc3;
        rio_write(&w, &b, 1);
        rdb_save_len(&w, clen);
        rdb_save_len(&w, (uint64_t)((long)sizeof(s) + delta));
        rio_write(&w, z + hdr, clen);
        Sds bad = written(&w);
        r = reader(bad, sds_len(bad));
        memset(&err, 0, sizeof(err));
        assert_null(rdb_load_string(&r, RDB_STRING_MAX, &err));
        assert_string_equal(err.msg, "invalid LZF compressed string");
        sds_free(bad);
    }
    /* zero lengths */
    r = reader("\xc3\x00\x05", 3);
    assert_null(rdb_load_string(&r, RDB_STRING_MAX, &err));
    assert_non_null(strstr(err.msg, "invalid LZF string lengths"));
    r = reader("\xc3\x01\x00x", 4);
    assert_null(rdb_load_string(&r, RDB_STRING_MAX, &err));
    assert_non_null(strstr(err.msg, "invalid LZF string lengths"));
    /* garbled compressed data never crashes; what loads has the declared length */
    for (int round = 0; round < 2000; round++) {
        Sds bad = sds_dup(z);
        int flips = 1 + (int)(rng_next(&rng) % 4);
        for (int f = 0; f < flips; f++) {
            size_t pos = hdr + (size_t)(rng_next(&rng) % (sds_len(bad) - hdr));
            bad[pos] ^= (char)(1 + rng_next(&rng) % 255);
        }
        r = reader(bad, sds_len(bad));
        memset(&err, 0, sizeof(err));
        Sds got = rdb_load_string(&r, RDB_STRING_MAX, &err);
        if (got) assert_int_equal(sds_len(got), sizeof(s));
        else assert_true(err.msg[0] != 0);
        sds_free(got);
        sds_free(bad);
    }
    sds_free(z);
}

/* ---------------- doubles and times ---------------- */

static void test_doubles(void **state) {
    (void)state;
    const double vals[] = {0.0, -0.0, 1.0, -1.5, 3.14159, 1e300, -1e-300, DBL_MAX, -DBL_MAX, DBL_MIN,
                           4.9406564584124654e-324, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        Rio w;
        writer(&w, 1);
        assert_true(rdb_save_binary_double(&w, vals[i]));
        Sds b = written(&w);
        assert_int_equal(sds_len(b), 8);
        Rio r = reader(b, 8);
        RdbErr err = {{0}};
        double d = 42;
        assert_true(rdb_load_double_binary(&r, &d, &err));
        assert_memory_equal(&d, &vals[i], 8);    /* bit for bit: -0.0 and nan too */
        check_truncations(b, 8, D_DBL_BIN, "binary double");
        sds_free(b);
    }
    /* little-endian IEEE 754 */
    Rio w;
    writer(&w, 0);
    rdb_save_binary_double(&w, 1.0);
    rdb_save_binary_double(&w, -2.0);
    Sds b = written(&w);
    assert_bytes(b, 16, "\x00\x00\x00\x00\x00\x00\xf0\x3f" "\x00\x00\x00\x00\x00\x00\x00\xc0", 16);
    sds_free(b);

    /* text doubles (RDB_TYPE_ZSET): a length byte, or 253 nan, 254 +inf, 255 -inf */
    RdbErr err = {{0}};
    double d;
    Rio r = reader("\xfd\xfe\xff", 3);
    assert_true(rdb_load_double_text(&r, &d, &err));
    assert_true(isnan(d));
    assert_true(rdb_load_double_text(&r, &d, &err));
    assert_true(isinf(d) && d > 0);
    assert_true(rdb_load_double_text(&r, &d, &err));
    assert_true(isinf(d) && d < 0);
    static const struct {
        const char *text;
        double v;
    } ok[] = {{"3.25", 3.25}, {"-0.5", -0.5}, {"1e10", 1e10}, {"17", 17}, {"-1.7976931348623157e+308", -DBL_MAX}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        unsigned char in[64];
        size_t n = strlen(ok[i].text);
        in[0] = (unsigned char)n;
        memcpy(in + 1, ok[i].text, n);
        r = reader(in, n + 1);
        assert_true(rdb_load_double_text(&r, &d, &err));
        assert_true(d == ok[i].v);
        check_truncations(in, n + 1, D_DBL_TEXT, ok[i].text);
    }
    /* the longest text, 252 bytes */
    unsigned char longest[253];
    longest[0] = 252;
    longest[1] = '1';
    memset(longest + 2, '0', 251);
    r = reader(longest, sizeof(longest));
    assert_true(rdb_load_double_text(&r, &d, &err));
    assert_true(d == 1e251);
    const char *bad[] = {"", "abc", "1.5x", "1 2", "--1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char in[16];
        size_t n = strlen(bad[i]);
        in[0] = (unsigned char)n;
        memcpy(in + 1, bad[i], n);
        r = reader(in, n + 1);
        memset(&err, 0, sizeof(err));
        assert_false(rdb_load_double_text(&r, &d, &err));
        assert_string_equal(err.msg, "invalid double value");
    }
    check_truncations("\xfd", 1, D_DBL_TEXT, "text nan");
}

static void test_times(void **state) {
    (void)state;
    const long long ms[] = {0, 1, -1, 1700000000123LL, LLONG_MAX, LLONG_MIN, 0x0102030405060708LL};
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
        Rio w;
        writer(&w, 0);
        assert_true(rdb_save_millis(&w, ms[i]));
        Sds b = written(&w);
        assert_int_equal(sds_len(b), 8);
        Rio r = reader(b, 8);
        RdbErr err = {{0}};
        long long got = 0;
        assert_true(rdb_load_millis(&r, &got, &err));
        assert_true(got == ms[i]);
        check_truncations(b, 8, D_MILLIS, "millis");
        if (ms[i] == 0x0102030405060708LL) assert_bytes(b, 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
        sds_free(b);
    }
    /* seconds (RDB_OPCODE_EXPIRETIME): 4 bytes, little-endian, signed */
    static const struct {
        const char *b;
        long long v;
    } secs[] = {{"\x00\x00\x00\x00", 0}, {"\x01\x00\x00\x00", 1}, {"\x78\x56\x34\x12", 0x12345678},
                {"\xff\xff\xff\x7f", INT32_MAX}, {"\x00\x00\x00\x80", INT32_MIN}, {"\xff\xff\xff\xff", -1}};
    for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
        Rio r = reader(secs[i].b, 4);
        RdbErr err = {{0}};
        long long got = 7;
        assert_true(rdb_load_seconds(&r, &got, &err));
        assert_true(got == secs[i].v);
        check_truncations(secs[i].b, 4, D_SECONDS, "seconds");
    }
}

static void test_aux_and_skip(void **state) {
    (void)state;
    char big[300];
    memset(big, 'v', sizeof(big));
    Rio w;
    writer(&w, 1);
    assert_true(rdb_save_aux(&w, "redis-ver", "7.0.15", 6));
    assert_true(rdb_save_aux(&w, "big", big, sizeof(big)));       /* never compressed */
    assert_true(rdb_save_aux_ll(&w, "aof-base", 0));
    assert_true(rdb_save_aux_ll(&w, "ctime", 1700000000));
    assert_true(rdb_save_aux_ll(&w, "repl-offset", -5));
    assert_int_equal(w.compress, 1);                              /* restored */
    Sds b = written(&w);
    const char *want = "\xfa\x09redis-ver\x06" "7.0.15";
    assert_memory_equal(b, want, 18);
    Rio r = reader(b, sds_len(b));
    RdbErr err = {{0}};
    const char *keys[] = {"redis-ver", "big", "aof-base", "ctime", "repl-offset"};
    const char *vals[] = {"7.0.15", NULL, "0", "1700000000", "-5"};
    size_t starts[6];
    for (int i = 0; i < 5; i++) {
        starts[i] = r.io.mem.pos;
        assert_int_equal(rdb_load_type(&r, &err), RDB_OPCODE_AUX);
        Sds k = rdb_load_string(&r, 64, &err), v = rdb_load_string(&r, RDB_STRING_MAX, &err);
        assert_string_equal(k, keys[i]);
        if (vals[i]) assert_string_equal(v, vals[i]);
        else assert_bytes(v, sds_len(v), big, sizeof(big));
        sds_free(k);
        sds_free(v);
    }
    starts[5] = r.io.mem.pos;
    assert_int_equal(starts[5], sds_len(b));
    assert_int_equal((unsigned char)b[starts[1] + 5], 0x41);      /* raw 14-bit length, not 0xc3 */
    assert_int_equal((unsigned char)b[starts[2] + 10], 0xc0);     /* "0" as int8 */
    for (int i = 0; i < 5; i++) check_truncations(b + starts[i], starts[i + 1] - starts[i], D_AUX, keys[i]);

    /* rdb_skip */
    r = reader(b, sds_len(b));
    assert_true(rdb_skip(&r, starts[2], &err));
    assert_int_equal(rdb_load_type(&r, &err), RDB_OPCODE_AUX);
    assert_true(rdb_skip(&r, 0, &err));
    memset(&err, 0, sizeof(err));
    assert_false(rdb_skip(&r, sds_len(b), &err));
    assert_string_equal(err.msg, "unexpected end of data");
    sds_free(b);
    /* a 10 KB skip crosses the 4 KB steps */
    char *many = calloc(1, 10000);
    r = reader(many, 10000);
    assert_true(rdb_skip(&r, 9999, &err));
    assert_true(rdb_skip(&r, 1, &err));
    assert_false(rdb_skip(&r, 1, &err));
    free(many);
}

/* ---------------- blobs and presizing ---------------- */

/* rdb_load_string_into's allocator: counts its calls and fails past fail_over bytes. */
static int into_allocs, into_releases;
static uint64_t into_fail_over = UINT64_MAX;
static unsigned char *into_alloc(uint64_t n) {
    into_allocs++;
    return n > into_fail_over ? NULL : vcalloc((size_t)n);
}
static void into_release(unsigned char *p, uint64_t n) {
    (void)n;
    into_releases++;
    vfree(p);
}

/* Strings read straight into the caller's memory: raw, LZF, integer-encoded; lengths
 * checked before any allocation; the allocator's failure and a short or bad body
 * release what was allocated. */
static void test_string_into(void **state) {
    (void)state;
    RdbErr err = {{0}};
    size_t len = 0;
    Rio r = reader("\x03" "abc", 4);
    unsigned char *p = rdb_load_string_into(&r, 10, into_alloc, into_release, &len, &err);
    assert_non_null(p);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "abc", 3);
    vfree(p);
    r = reader("\xc1\x34\x12", 3); /* integer-encoded: its text */
    p = rdb_load_string_into(&r, 10, into_alloc, into_release, &len, &err);
    assert_int_equal(len, 4);
    assert_memory_equal(p, "4660", 4);
    vfree(p);
    /* LZF: what the writer compressed comes back whole */
    char text[2000];
    for (size_t i = 0; i < sizeof(text); i++) text[i] = "bloom filter "[i % 13];
    Rio w;
    writer(&w, 1);
    assert_true(rdb_save_string(&w, text, sizeof(text)));
    Sds b = rio_take_buffer(&w);
    rio_close(&w);
    assert_int_equal((unsigned char)b[0], 0xc3);
    r = reader(b, sds_len(b));
    p = rdb_load_string_into(&r, sizeof(text), into_alloc, into_release, &len, &err);
    assert_non_null(p);
    assert_int_equal(len, sizeof(text));
    assert_memory_equal(p, text, sizeof(text));
    assert_int_equal(r.io.mem.pos, sds_len(b));
    vfree(p);
    /* refusals before any allocation: over the limit, empty, lengths past the input */
    into_allocs = into_releases = 0;
    r = reader(b, sds_len(b));
    assert_null(rdb_load_string_into(&r, sizeof(text) - 1, into_alloc, into_release, &len, &err));
    assert_non_null(strstr(err.msg, "over the limit"));
    r = reader("\x00", 1);
    assert_null(rdb_load_string_into(&r, 10, into_alloc, into_release, &len, &err));
    r = reader("\x05" "abc", 4);
    assert_null(rdb_load_string_into(&r, 10, into_alloc, into_release, &len, &err));
    r = reader("\x80\xff\xff\xff\xff" "abc", 8);
    assert_null(rdb_load_string_into(&r, RDB_STRING_MAX, into_alloc, into_release, &len, &err));
    r = reader(b, sds_len(b) - 5); /* compressed data cut short */
    assert_null(rdb_load_string_into(&r, sizeof(text), into_alloc, into_release, &len, &err));
    assert_int_equal(into_allocs, 0);
    /* a garbled compressed body: refused (its memory released) or of the declared length */
    Sds bad = sds_newlen(b, sds_len(b));
    bad[sds_len(bad) - 1] ^= 0x55;
    bad[sds_len(bad) - 3] ^= 0x55;
    r = reader(bad, sds_len(bad));
    p = rdb_load_string_into(&r, sizeof(text), into_alloc, into_release, &len, &err);
    if (p) {
        assert_int_equal(len, sizeof(text));
        vfree(p);
    } else {
        assert_int_equal(into_releases, into_allocs);
    }
    /* the allocator failing */
    into_allocs = into_releases = 0;
    into_fail_over = 100;
    r = reader(b, sds_len(b));
    assert_null(rdb_load_string_into(&r, sizeof(text), into_alloc, into_release, &len, &err));
    assert_non_null(strstr(err.msg, "out of memory"));
    assert_int_equal(into_allocs, 1);
    assert_int_equal(into_releases, 0);
    into_fail_over = UINT64_MAX;
    sds_free(bad);
    sds_free(b);
}

static void test_blob_and_presize(void **state) {
    (void)state;
    RdbErr err = {{0}};
    size_t len = 99;
    Rio r = reader("\x00", 1);
    unsigned char *blob = rdb_load_blob(&r, 10, &len, &err);
    assert_non_null(blob);
    assert_int_equal(len, 0);
    vfree(blob);
    r = reader("\x03" "abc", 4);
    blob = rdb_load_blob(&r, 3, &len, &err);
    assert_int_equal(len, 3);
    assert_memory_equal(blob, "abc", 3);
    vfree(blob);
    r = reader("\x03" "abc", 4);
    assert_null(rdb_load_blob(&r, 2, &len, &err));
    assert_non_null(strstr(err.msg, "over the limit"));
    r = reader("\xc1\x34\x12", 3);                 /* an integer-encoded blob is its text */
    blob = rdb_load_blob(&r, 10, &len, &err);
    assert_int_equal(len, 4);
    assert_memory_equal(blob, "4660", 4);
    vfree(blob);

    /* a memory reader: at most remaining / min_bytes items */
    unsigned char buf[100] = {0};
    r = reader(buf, sizeof(buf));
    assert_int_equal(rdb_presize(&r, 1000, 1), 100);
    assert_int_equal(rdb_presize(&r, 100, 1), 100);
    assert_int_equal(rdb_presize(&r, 99, 1), 99);
    assert_int_equal(rdb_presize(&r, 0, 1), 0);
    assert_int_equal(rdb_presize(&r, 1000, 2), 50);
    assert_int_equal(rdb_presize(&r, 1000, 3), 33);
    assert_int_equal(rdb_presize(&r, 1000, 0), 100);  /* 0 counts as 1 */
    assert_int_equal(rdb_presize(&r, UINT64_MAX, 1), 100);
    assert_true(rdb_skip(&r, 40, &err));
    assert_int_equal(rdb_presize(&r, 1000, 1), 60);
    assert_int_equal(rdb_presize(&r, 1000, 7), 8);
    assert_true(rdb_skip(&r, 60, &err));
    assert_int_equal(rdb_presize(&r, 1000, 1), 0);
    /* a stream: believed up to 2^20 */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    Rio f;
    rio_init_fd(&f, fds[0], 0, 0);
    assert_int_equal(rdb_presize(&f, 10, 1), 10);
    assert_int_equal(rdb_presize(&f, 1 << 20, 1), 1 << 20);
    assert_int_equal(rdb_presize(&f, (1 << 20) + 1, 1), 1 << 20);
    assert_int_equal(rdb_presize(&f, (uint64_t)1 << 40, 16), 1 << 20);
    rio_close(&f);
    close(fds[0]);
    close(fds[1]);
}

/* ---------------- hostile lengths ---------------- */

static void oom_exit(size_t n) {
    (void)n;
    _exit(3);
}

/* This process's address space in bytes (VmSize), or 0. */
static unsigned long long vm_size(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmSize: %llu kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024;
}

/* Runs fn in a child allowed 512 MB of address space beyond what it has: an
 * allocation of gigabytes fails there (the OOM handler exits 3; ASan's allocator
 * dies on its own). Returns the exit status: 0 when fn returned 1. */
static int run_limited(int (*fn)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(5);  /* ASan's out-of-memory report */
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)(vm_size() + (512ULL << 20));
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(4);
        vmalloc_set_oom_handler(oom_exit);
        _exit(fn() ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int alloc_4g(void) {
    char *p = vmalloc((size_t)4 << 30);
    memset(p, 1, (size_t)4 << 30);
    return p[12345] == 1;
}

/* Loads bytes as a string and as a blob; 1 when both fail with a message. */
static int load_fails(const unsigned char *bytes, size_t n) {
    RdbErr err = {{0}};
    Rio r = reader(bytes, n);
    Sds s = rdb_load_string(&r, RDB_STRING_MAX, &err);
    if (s || !err.msg[0]) return 0;
    memset(&err, 0, sizeof(err));
    size_t len;
    r = reader(bytes, n);
    unsigned char *b = rdb_load_blob(&r, RDB_STRING_MAX, &len, &err);
    return !b && err.msg[0];
}

static int raw_2_40(void) {
    return load_fails((const unsigned char *)"\x81\x00\x00\x01\x00\x00\x00\x00\x00" "abc", 12);
}

static int raw_2_40_fd(void) {
    int fds[2];
    if (pipe(fds) != 0) return 0;
    if (write(fds[1], "\x81\x00\x00\x01\x00\x00\x00\x00\x00" "abcdef", 15) != 15) return 0;
    close(fds[1]);
    Rio r;
    rio_init_fd(&r, fds[0], 0, 0);
    RdbErr err = {{0}};
    Sds s = rdb_load_string(&r, RDB_STRING_MAX, &err);
    rio_close(&r);
    close(fds[0]);
    return !s && strcmp(err.msg, "unexpected end of data") == 0;
}

static int raw_4g(void) {
    return load_fails((const unsigned char *)"\x80\xff\xff\xff\xff" "abc", 8);
}

static int raw_2_64(void) {
    return load_fails((const unsigned char *)"\x81\xff\xff\xff\xff\xff\xff\xff\xff" "abc", 12);
}

/* LZF: compressed length of 2^32-1, 2^40 */
static int lzf_clen_huge(void) {
    return load_fails((const unsigned char *)"\xc3\x80\xff\xff\xff\xff\x0a" "abc", 10) &&
           load_fails((const unsigned char *)"\xc3\x81\x00\x00\x01\x00\x00\x00\x00\x00\x0a" "abc", 14);
}

/* LZF: a declared original length of 4 GB behind one compressed byte. LZF's output
 * is at most 88 times its input (a 3-byte back reference makes 264 bytes), so this
 * can never decompress to that: it must fail before allocating 4 GB. */
static int lzf_len_4g(void) {
    return load_fails((const unsigned char *)"\xc3\x01\x80\xff\xff\xff\xff" "a", 8) &&
           load_fails((const unsigned char *)"\xc3\x03\x80\x40\x00\x00\x00" "abc", 10);
}

static void test_hostile_lengths(void **state) {
    (void)state;
    /* the limit itself works: a 4 GB allocation does not survive it */
    assert_int_not_equal(run_limited(alloc_4g), 0);
    assert_int_equal(run_limited(raw_2_40), 0);
    assert_int_equal(run_limited(raw_2_40_fd), 0);
    assert_int_equal(run_limited(raw_4g), 0);
    assert_int_equal(run_limited(raw_2_64), 0);
    assert_int_equal(run_limited(lzf_clen_huge), 0);
    if (VESPER_HAVE_LZF) assert_int_equal(run_limited(lzf_len_4g), 0);
    /* and in this process too, with the messages */
    RdbErr err = {{0}};
    Rio r = reader("\x81\x00\x00\x01\x00\x00\x00\x00\x00" "abc", 12);
    assert_null(rdb_load_string(&r, RDB_STRING_MAX, &err));
    assert_string_equal(err.msg, "unexpected end of data");
    r = reader("\x81\x00\x00\x01\x00\x00\x00\x00\x01" "abc", 12);
    assert_null(rdb_load_string(&r, RDB_STRING_MAX, &err));
    assert_non_null(strstr(err.msg, "over the limit"));
}

/* ---------------- rdb_lp_pairs_valid against a model ---------------- */

/* One entry of a test listpack: its text, and whether it is written as a string
 * entry even when the text is a canonical integer (the loader must see "12" and
 * the integer 12 as the same field). */
typedef struct Ent {
    char s[40];
    size_t len;
    int as_text;
} Ent;

#define MAX_ENTS 260

/* The bytes of one entry as lp_append encodes it (an integer when canonical). */
static size_t entry_bytes(const Ent *e, unsigned char *out) {
    unsigned char *lp = lp_append(lp_new(0), (const unsigned char *)e->s, (uint32_t)e->len);
    size_t n = lp_bytes(lp) - LP_HDR_SIZE - 1;
    memcpy(out, lp + LP_HDR_SIZE, n);
    lp_free(lp);
    return n;
}

/* A listpack of the entries (malloc'd, exactly *size bytes); header count 65535
 * when unknown_count. */
static unsigned char *build_lp(const Ent *ents, int n, int unknown_count, size_t *size) {
    unsigned char *lp = malloc(LP_HDR_SIZE + (size_t)n * 64 + 1);
    size_t pos = LP_HDR_SIZE;
    for (int i = 0; i < n; i++) {
        if (ents[i].as_text) {                       /* 6-bit string: 10xxxxxx, bytes, backlen */
            lp[pos++] = (unsigned char)(0x80 | ents[i].len);
            memcpy(lp + pos, ents[i].s, ents[i].len);
            pos += ents[i].len;
            lp[pos++] = (unsigned char)(1 + ents[i].len);
        } else {
            pos += entry_bytes(&ents[i], lp + pos);
        }
    }
    lp[pos++] = 0xff;
    uint32_t count = unknown_count ? LP_COUNT_UNKNOWN : (uint32_t)n;
    lp[0] = (unsigned char)pos, lp[1] = (unsigned char)(pos >> 8), lp[2] = (unsigned char)(pos >> 16), lp[3] = 0;
    lp[4] = (unsigned char)count, lp[5] = (unsigned char)(count >> 8);
    *size = pos;
    return lp;
}

/* The model: an even count and no first-of-pair text twice. */
static int model_valid(const Ent *ents, int n) {
    if (n % 2) return 0;
    for (int i = 0; i < n; i += 2)
        for (int j = 0; j < i; j += 2)
            if (ents[i].len == ents[j].len && memcmp(ents[i].s, ents[j].s, ents[i].len) == 0) return 0;
    return 1;
}

/* For a listpack rdb_lp_pairs_valid accepted (perhaps a mutated one): walks it
 * with the bounds-checked walker and checks what it promised: whole entries ending
 * at the terminator, pairs * 2 of them, no first-of-pair text twice. */
typedef struct Txt {
    unsigned char *p;
    uint32_t len;
} Txt;

static void check_accepted(unsigned char *lp, size_t size, unsigned long pairs, uint64_t seed, int round) {
    size_t cap = 16, n = 0;
    Txt *t = malloc(cap * sizeof(*t));
    unsigned char *p = lp_validate_first(lp);
    while (p && *p != 0xff) {
        unsigned char *e = p;
        if (!lp_validate_next(lp, &p, size)) fail_msg("seed %" PRIu64 " round %d: accepted a bad entry", seed, round);
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t len;
        const unsigned char *s = lp_get_str(e, &len, buf);
        if (n == cap) t = realloc(t, (cap *= 2) * sizeof(*t));
        t[n].p = malloc(len ? len : 1);
        memcpy(t[n].p, s, len);
        t[n].len = len;
        n++;
    }
    if (p && p != lp + size - 1) fail_msg("seed %" PRIu64 " round %d: accepted entries not ending at the terminator", seed, round);
    if (n != pairs * 2) fail_msg("seed %" PRIu64 " round %d: accepted %zu entries as %lu pairs", seed, round, n, pairs);
    for (size_t i = 0; i < n; i += 2)
        for (size_t j = 0; j < i; j += 2)
            if (t[i].len == t[j].len && !memcmp(t[i].p, t[j].p, t[i].len))
                fail_msg("seed %" PRIu64 " round %d: accepted a repeated field (entries %zu and %zu)", seed, round, j, i);
    for (size_t i = 0; i < n; i++) free(t[i].p);
    free(t);
}

/* A random field or value: integers of every width (a few often repeated), their
 * text written as string entries, short names, binary bytes. */
static void random_ent(Rng *r, Ent *e) {
    static const char *ints[] = {"0", "1", "-1", "12", "127", "128", "-4096", "65535", "16777216",
                                 "2147483648", "-9223372036854775808", "9223372036854775807"};
    static const char *texts[] = {"", "a", "field", "12 ", "012", "-0", "+1", "x-longer-name-of-a-field"};
    e->as_text = 0;
    switch (rng_next(r) % 8) {
    case 0:
        snprintf(e->s, sizeof(e->s), "%s", ints[rng_next(r) % (sizeof(ints) / sizeof(ints[0]))]);
        e->as_text = rng_next(r) % 3 == 0;
        break;
    case 1:
    case 2: {
        int bits = 1 + (int)(rng_next(r) % 63);
        long long v = (long long)(rng_next(r) >> (64 - bits));
        snprintf(e->s, sizeof(e->s), "%lld", rng_next(r) % 2 ? -v : v);
        e->as_text = rng_next(r) % 3 == 0;
        break;
    }
    case 3:
        snprintf(e->s, sizeof(e->s), "%s", texts[rng_next(r) % (sizeof(texts) / sizeof(texts[0]))]);
        break;
    case 4:
    case 5:
        snprintf(e->s, sizeof(e->s), "f%d", (int)(rng_next(r) % 100000));
        break;
    default: {
        size_t n = 1 + rng_next(r) % 30;
        for (size_t i = 0; i < n; i++) e->s[i] = (char)rng_next(r);
        e->len = n;
        return;
    }
    }
    e->len = strlen(e->s);
}

static uint64_t test_seed(void) {
    const char *env = getenv("VESPER_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)ustime();
    printf("  rdbenc pairs seed %" PRIu64 " (replay with VESPER_TEST_SEED=%" PRIu64 ")\n", seed, seed);
    return seed;
}

static void expect_valid(unsigned char *lp, size_t size, int want, unsigned long want_pairs, uint64_t seed, int round, const char *what) {
    /* an exact-size copy, so ASan sees any read outside it */
    unsigned char *copy = malloc(size ? size : 1);
    memcpy(copy, lp, size);
    unsigned long pairs = 12345;
    size_t before = vmalloc_used();
    int got = rdb_lp_pairs_valid(copy, size, &pairs);
    if (vmalloc_used() != before) fail_msg("seed %" PRIu64 " round %d (%s): leaked", seed, round, what);
    if (want >= 0 && got != want)
        fail_msg("seed %" PRIu64 " round %d (%s): rdb_lp_pairs_valid said %d, model %d", seed, round, what, got, want);
    if (got && want >= 0 && pairs != want_pairs)
        fail_msg("seed %" PRIu64 " round %d (%s): %lu pairs, want %lu", seed, round, what, pairs, want_pairs);
    if (got) check_accepted(copy, size, pairs, seed, round);
    free(copy);
}

static void test_lp_pairs_fixed(void **state) {
    (void)state;
    uint64_t seed = 0;
    size_t size;
    /* an integer entry and its text as a string entry are the same field */
    Ent a[] = {{"12", 2, 0}, {"a", 1, 0}, {"12", 2, 1}, {"b", 1, 0}};
    unsigned char *lp = build_lp(a, 4, 0, &size);
    assert_int_equal((unsigned char)lp[6], 12);           /* really an integer entry */
    assert_int_equal((unsigned char)lp[11], 0x82);        /* and really a string entry */
    expect_valid(lp, size, 0, 0, seed, 0, "int and text");
    free(lp);
    a[0].as_text = 1, a[2].as_text = 0;                   /* the other way round */
    lp = build_lp(a, 4, 0, &size);
    expect_valid(lp, size, 0, 0, seed, 0, "text and int");
    free(lp);
    /* "012" is not 12; values may repeat; a value may equal a field */
    Ent b[] = {{"12", 2, 0}, {"x", 1, 0}, {"012", 3, 0}, {"x", 1, 0}, {"x", 1, 0}, {"12", 2, 0}};
    lp = build_lp(b, 6, 0, &size);
    expect_valid(lp, size, 1, 3, seed, 0, "values repeat");
    free(lp);
    lp = build_lp(b, 5, 0, &size);
    expect_valid(lp, size, 0, 0, seed, 0, "odd count");
    free(lp);
    lp = build_lp(b, 0, 0, &size);
    expect_valid(lp, size, 1, 0, seed, 0, "empty");
    free(lp);
    lp = build_lp(b, 6, 1, &size);
    expect_valid(lp, size, 1, 3, seed, 0, "unknown count");
    free(lp);
    /* a repeat past the 16 pairs compared directly (the Strset takes over) */
    Ent many[60];
    for (int i = 0; i < 30; i++) {
        snprintf(many[2 * i].s, sizeof(many[0].s), "%d", i * 7);
        many[2 * i].len = strlen(many[2 * i].s);
        many[2 * i].as_text = i % 2;
        snprintf(many[2 * i + 1].s, sizeof(many[0].s), "v");
        many[2 * i + 1].len = 1;
        many[2 * i + 1].as_text = 0;
    }
    lp = build_lp(many, 60, 0, &size);
    expect_valid(lp, size, 1, 30, seed, 0, "30 pairs");
    free(lp);
    for (int first = 0; first < 30; first += 5) {
        for (int second = first + 1; second < 30; second += 3) {
            Ent copy[60];
            memcpy(copy, many, sizeof(copy));
            copy[2 * second] = many[2 * first];
            copy[2 * second].as_text = !many[2 * first].as_text;
            lp = build_lp(copy, 60, 0, &size);
            expect_valid(lp, size, 0, 0, seed, first * 100 + second, "a repeat among 30 pairs");
            free(lp);
        }
    }
    /* not a listpack at all */
    unsigned long pairs;
    assert_false(rdb_lp_pairs_valid((unsigned char *)"\x07\x00\x00\x00\x00\x00", 6, &pairs));
    assert_false(rdb_lp_pairs_valid((unsigned char *)"\x07\x00\x00\x00\x00\x00\xfe", 7, &pairs));
    assert_true(rdb_lp_pairs_valid((unsigned char *)"\x07\x00\x00\x00\x00\x00\xff", 7, &pairs));
    assert_int_equal(pairs, 0);
}

static void test_lp_pairs_randomized(void **state) {
    (void)state;
    uint64_t seed = test_seed();
    Rng r;
    rng_seed(&r, seed);
    static Ent ents[MAX_ENTS];
    for (int round = 0; round < 3000; round++) {
        int n = (int)(rng_next(&r) % (rng_next(&r) % 8 == 0 ? 200 : 40)) & ~1;
        if (rng_next(&r) % 5 == 0) n |= 1;   /* odd counts too */
        for (int i = 0; i < n; i++) random_ent(&r, &ents[i]);
        /* inject repeats of earlier fields, sometimes in the other form */
        int dups = rng_next(&r) % 3 ? 0 : 1 + (int)(rng_next(&r) % 2);
        for (int d = 0; d < dups && n >= 4; d++) {
            int from = (int)(rng_next(&r) % (unsigned)(n / 2)) * 2, to = (int)(rng_next(&r) % (unsigned)(n / 2)) * 2;
            if (from == to) continue;
            ents[to] = ents[from];
            if (rng_next(&r) % 2) ents[to].as_text = !ents[to].as_text;
        }
        /* string entries hold only texts up to 63 bytes; integers as text need a canonical form */
        for (int i = 0; i < n; i++) {
            long long v;
            if (ents[i].as_text && !string2ll(ents[i].s, ents[i].len, &v)) ents[i].as_text = 0;
        }
        int want = model_valid(ents, n);
        size_t size;
        unsigned char *lp = build_lp(ents, n, rng_next(&r) % 5 == 0, &size);
        expect_valid(lp, size, want, (unsigned long)n / 2, seed, round, "built");

        /* a wrong header count is refused (65535 means "count them") */
        uint32_t count = (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
        if (count != LP_COUNT_UNKNOWN) {
            lp[4] = (unsigned char)(count + 1);
            lp[5] = (unsigned char)((count + 1) >> 8);
            expect_valid(lp, size, 0, 0, seed, round, "count + 1");
            lp[4] = (unsigned char)count, lp[5] = (unsigned char)(count >> 8);
        }
        /* truncated: with the original header (size mismatch), and with the header
         * saying the new size (anything accepted must be consistent) */
        for (int t = 0; t < 3 && size > 1; t++) {
            size_t cut = 1 + (size_t)(rng_next(&r) % (size - 1));
            expect_valid(lp, size - cut, 0, 0, seed, round, "truncated");
            unsigned char *tr = malloc(size - cut > 7 ? size - cut : 7);
            memcpy(tr, lp, size - cut);
            if (size - cut >= 4) {
                size_t ns = size - cut;
                tr[0] = (unsigned char)ns, tr[1] = (unsigned char)(ns >> 8), tr[2] = (unsigned char)(ns >> 16), tr[3] = 0;
                expect_valid(tr, ns, -1, 0, seed, round, "truncated, header fixed");
            }
            free(tr);
        }
        /* garbled: 1 to 4 random bytes changed */
        for (int g = 0; g < 4; g++) {
            unsigned char *gb = malloc(size);
            memcpy(gb, lp, size);
            int flips = 1 + (int)(rng_next(&r) % 4);
            for (int f = 0; f < flips; f++) gb[rng_next(&r) % size] ^= (unsigned char)(1 + rng_next(&r) % 255);
            expect_valid(gb, size, -1, 0, seed, round, "garbled");
            free(gb);
        }
        free(lp);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_int_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lzf_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aux_and_skip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_and_presize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_into, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lp_pairs_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lp_pairs_randomized, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
