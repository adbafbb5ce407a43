/* test_ziplist.c - unit tests for ds/ziplist: hand-built blobs for every encoding
 * and boundary (string lengths 63/64/16383/16384, every integer width, the
 * immediates 0..12, the 253/254 prevlen boundary, the non-canonical forms Redis
 * accepts, 65535+ entries with zllen 65535), the header and entry checks one by
 * one, blobs of the shapes pre-7.0 RDB writers left (2.4's int16/int32/int64-only
 * integers, 2.6's immediates, quicklist nodes, the empty ziplist; built by the
 * test's own encoder from the format description, no file copied), hostile input
 * (every truncation, thousands of random byte flips, each in an allocation of
 * exactly its size so the sanitizer sees any overread), and random ziplists
 * against a model. */
#include "blob_check.h"
#include "seed.h"
#include "ds/ziplist.h"

/* ---------------- a ziplist builder (the test's own encoder) ---------------- */

typedef struct Zb {
    unsigned char *buf;
    size_t len, cap;
    size_t prev;        /* bytes of the last entry written */
    size_t last;        /* offset of the last entry written */
    size_t count;
    int long_prev;      /* write every prevlen in the 5-byte form */
} Zb;

enum { ZB_CANON, ZB_STR6, ZB_STR14, ZB_STR32 };

static void zb_put(Zb *z, const void *p, size_t n) {
    if (z->len + n > z->cap) {
        z->cap = (z->len + n) * 2;
        z->buf = realloc(z->buf, z->cap);
        assert_non_null(z->buf);
    }
    memcpy(z->buf + z->len, p, n);
    z->len += n;
}

static void zb_byte(Zb *z, unsigned char b) { zb_put(z, &b, 1); }

static void zb_le(Zb *z, uint64_t v, int n) {
    for (int i = 0; i < n; i++) zb_byte(z, (unsigned char)(v >> (8 * i)));
}

static void zb_init(Zb *z) {
    memset(z, 0, sizeof(*z));
    unsigned char hdr[ZL_HDR_SIZE] = {0};
    zb_put(z, hdr, sizeof(hdr));
}

/* Starts an entry: its prevlen field. Returns the entry's offset. */
static size_t zb_begin(Zb *z) {
    size_t start = z->len;
    if (z->prev < 254 && !z->long_prev) {
        zb_byte(z, (unsigned char)z->prev);
    } else {
        zb_byte(z, 0xFE);
        zb_le(z, z->prev, 4);
    }
    return start;
}

static void zb_end(Zb *z, size_t start) {
    z->prev = z->len - start;
    z->last = start;
    z->count++;
}

/* A string entry in the given length form (ZB_CANON: the smallest that fits). */
static void zb_str_as(Zb *z, const void *s, size_t len, int form) {
    size_t start = zb_begin(z);
    if (form == ZB_CANON) form = len <= 63 ? ZB_STR6 : len <= 16383 ? ZB_STR14 : ZB_STR32;
    if (form == ZB_STR6) {
        zb_byte(z, (unsigned char)len);
    } else if (form == ZB_STR14) {
        zb_byte(z, (unsigned char)(0x40 | len >> 8));
        zb_byte(z, (unsigned char)len);
    } else {
        zb_byte(z, 0x80);
        for (int i = 3; i >= 0; i--) zb_byte(z, (unsigned char)(len >> (8 * i)));
    }
    zb_put(z, s, len);
    zb_end(z, start);
}

static void zb_str(Zb *z, const char *s) { zb_str_as(z, s, strlen(s), ZB_CANON); }

/* An integer entry with encoding byte enc (an immediate's byte is computed). */
static void zb_int_as(Zb *z, unsigned char enc, long long v) {
    size_t start = zb_begin(z);
    int w = enc == 0xFE ? 1 : enc == 0xC0 ? 2 : enc == 0xF0 ? 3 : enc == 0xD0 ? 4 : enc == 0xE0 ? 8 : 0;
    zb_byte(z, w ? enc : (unsigned char)(0xF1 + v));
    zb_le(z, (uint64_t)v, w);
    zb_end(z, start);
}

/* The smallest encoding for v, as Redis picks it. */
static unsigned char zb_enc_for(long long v) {
    if (v >= 0 && v <= 12) return 0xF1;
    if (v >= INT8_MIN && v <= INT8_MAX) return 0xFE;
    if (v >= INT16_MIN && v <= INT16_MAX) return 0xC0;
    if (v >= -8388608 && v <= 8388607) return 0xF0;
    if (v >= INT32_MIN && v <= INT32_MAX) return 0xD0;
    return 0xE0;
}

static void zb_int(Zb *z, long long v) { zb_int_as(z, zb_enc_for(v), v); }

/* Terminates and fills the header (zllen saturates at 65535 as Redis writes it).
 * Returns the blob (the builder's buffer; free() it) and its size. */
static unsigned char *zb_finish(Zb *z, size_t *size) {
    zb_byte(z, 0xFF);
    unsigned char *b = z->buf;
    size_t tail = z->count ? z->last : ZL_HDR_SIZE;
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(z->len >> (8 * i));
    for (int i = 0; i < 4; i++) b[4 + i] = (unsigned char)(tail >> (8 * i));
    size_t n = z->count < 65535 ? z->count : 65535;
    b[8] = (unsigned char)n;
    b[9] = (unsigned char)(n >> 8);
    *size = z->len;
    return b;
}

static void put_le32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* ---------------- checks ---------------- */

/* Asserts the blob is valid with n entries and converts to want[0..n). */
static void expect_zl(const unsigned char *zl, size_t size, const char *const *want, size_t n) {
    unsigned char *copy = bc_exact_copy(zl, size);
    size_t count = 12345;
    assert_true(zl_validate(copy, size, 0, NULL));
    assert_true(zl_validate(copy, size, 1, &count));
    assert_int_equal(count, n);
    unsigned char *lp = zl_to_listpack(copy, size);
    bc_expect_lp(lp, want, n);
    lp_free(lp);
    free(copy);
}

/* Asserts the blob is refused by deep validation and every conversion. */
static void expect_bad(const unsigned char *zl, size_t size) {
    unsigned char *copy = bc_exact_copy(zl, size);
    assert_false(zl_validate(copy, size, 1, NULL));
    assert_null(zl_to_listpack(copy, size));
    assert_null(zl_pairs_to_listpack(copy, size, NULL));
    ZlIter it;
    ZlEntry e;
    int r = 1;
    zl_iter_init(&it, copy, size);
    for (int i = 0; r == 1 && i < 1000000; i++) r = zl_iter_next(&it, &e);
    assert_int_equal(r, -1);
    free(copy);
}

/* A blob of one entry whose encoding (and payload) bytes are given. */
static unsigned char *one_entry(const unsigned char *entry, size_t elen, size_t *size) {
    Zb z;
    zb_init(&z);
    zb_byte(&z, 0); /* prevlen */
    zb_put(&z, entry, elen);
    z.count = 1;
    z.last = ZL_HDR_SIZE;
    return zb_finish(&z, size);
}

static size_t mem_before;

static int setup(void **state) {
    (void)state;
    rand_seed(777);
    mem_before = vmalloc_used();
    return 0;
}

/* Every test frees what it allocated through the allocator (listpacks, sds). */
static int teardown(void **state) {
    (void)state;
    assert_int_equal(vmalloc_used(), mem_before);
    return 0;
}

/* ---------------- tests ---------------- */

/* The two examples of the format's description: "2", "5", then "Hello World". */
static void test_doc_example(void **state) {
    (void)state;
    const unsigned char two[] = {0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff};
    const char *want2[] = {"2", "5"};
    expect_zl(two, sizeof(two), want2, 2);

    const unsigned char three[] = {0x1c, 0, 0, 0, 0x0e, 0, 0, 0, 0x03, 0, 0x00, 0xf3, 0x02, 0xf6, 0x02, 0x0b,
                                   'H', 'e', 'l', 'l', 'o', ' ', 'W', 'o', 'r', 'l', 'd', 0xff};
    const char *want3[] = {"2", "5", "Hello World"};
    expect_zl(three, sizeof(three), want3, 3);

    ZlIter it;
    ZlEntry e;
    assert_true(zl_iter_init(&it, three, sizeof(three)));
    assert_int_equal(zl_iter_next(&it, &e), 1);
    assert_null(e.sval);
    assert_int_equal(e.lval, 2);
    assert_int_equal(zl_iter_next(&it, &e), 1);
    assert_int_equal(e.lval, 5);
    assert_int_equal(zl_iter_next(&it, &e), 1);
    assert_ptr_equal(e.sval, three + 16);
    assert_int_equal(e.slen, 11);
    assert_int_equal(zl_iter_next(&it, &e), 0);
    assert_int_equal(zl_iter_next(&it, &e), 0);
}

/* String lengths at each encoding's edges, with the exact encoding bytes. */
static void test_string_lengths(void **state) {
    (void)state;
    const size_t lens[] = {0, 1, 63, 64, 16383, 16384, 70000};
    const unsigned char hdr[][5] = {{0x00}, {0x01}, {0x3f}, {0x40, 0x40}, {0x7f, 0xff},
                                    {0x80, 0x00, 0x00, 0x40, 0x00}, {0x80, 0x00, 0x01, 0x11, 0x70}};
    const size_t hlen[] = {1, 1, 1, 2, 2, 5, 5};
    char *s = malloc(70001);
    for (size_t i = 0; i < 70000; i++) s[i] = (char)('a' + i % 26);
    s[70000] = '\0';
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        Zb z;
        size_t size;
        zb_init(&z);
        zb_str_as(&z, s, lens[k], ZB_CANON);
        zb_str(&z, "x");
        unsigned char *zl = zb_finish(&z, &size);
        assert_memory_equal(zl + ZL_HDR_SIZE + 1, hdr[k], hlen[k]);
        char save = s[lens[k]];
        s[lens[k]] = '\0';
        const char *want[] = {s, "x"};
        expect_zl(zl, size, want, 2);
        s[lens[k]] = save;
        /* the second entry's prevlen switches to the long form at 254 bytes */
        size_t first = 1 + hlen[k] + lens[k];
        unsigned char *second = zl + ZL_HDR_SIZE + first;
        if (first < 254) assert_int_equal(second[0], first);
        else assert_int_equal(second[0], 0xFE);
        free(zl);
    }
    free(s);
}

/* Forms Redis never writes but accepts: short strings in the 14- and 32-bit
 * forms, junk in the low bits of the 32-bit form's first byte, long prevlens
 * holding small values. */
static void test_noncanonical_forms(void **state) {
    (void)state;
    Zb z;
    size_t size;
    zb_init(&z);
    zb_str_as(&z, "ab", 2, ZB_STR14);
    zb_str_as(&z, "cde", 3, ZB_STR32);
    z.long_prev = 1;
    zb_str_as(&z, "", 0, ZB_STR32);
    zb_int(&z, 7);
    z.long_prev = 0;
    zb_str(&z, "f");
    unsigned char *zl = zb_finish(&z, &size);
    const char *want[] = {"ab", "cde", "", "7", "f"};
    expect_zl(zl, size, want, 5);
    zl[ZL_HDR_SIZE + 1 + 2 + 2 + 1] |= 0x3f; /* the "cde" entry's 10xxxxxx byte */
    assert_int_equal(zl[ZL_HDR_SIZE + 6], 0xbf);
    expect_zl(zl, size, want, 5);
    free(zl);
}

/* Every integer encoding at its limits, and the immediates 0..12. */
static void test_integer_encodings(void **state) {
    (void)state;
    const struct {
        unsigned char enc;
        long long v;
        const char *s;
    } cases[] = {
        {0xFE, -128, "-128"}, {0xFE, 127, "127"}, {0xFE, -1, "-1"},
        {0xC0, INT16_MIN, "-32768"}, {0xC0, INT16_MAX, "32767"},
        {0xF0, -8388608, "-8388608"}, {0xF0, 8388607, "8388607"}, {0xF0, -1, "-1"},
        {0xD0, INT32_MIN, "-2147483648"}, {0xD0, INT32_MAX, "2147483647"},
        {0xE0, INT64_MIN, "-9223372036854775808"}, {0xE0, INT64_MAX, "9223372036854775807"},
        {0xE0, 0, "0"},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    Zb z;
    size_t size;
    zb_init(&z);
    const char *want[13 + 13];
    for (size_t i = 0; i < n; i++) {
        zb_int_as(&z, cases[i].enc, cases[i].v);
        want[i] = cases[i].s;
    }
    static const char *imm[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"};
    for (int v = 0; v <= 12; v++) {
        zb_int_as(&z, 0xF1, v);
        want[n + (size_t)v] = imm[v];
    }
    unsigned char *zl = zb_finish(&z, &size);
    expect_zl(zl, size, want, n + 13);
    /* the iterator's values, one by one */
    ZlIter it;
    ZlEntry e;
    assert_true(zl_iter_init(&it, zl, size));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(zl_iter_next(&it, &e), 1);
        assert_null(e.sval);
        assert_true(e.lval == cases[i].v);
    }
    for (int v = 0; v <= 12; v++) {
        assert_int_equal(zl_iter_next(&it, &e), 1);
        assert_int_equal(e.lval, v);
    }
    assert_int_equal(zl_iter_next(&it, &e), 0);
    free(zl);
}

/* Payload bytes of integer encoding byte b (0 for the immediates and non-encodings). */
static size_t payload_of(int b) {
    switch (b) {
    case 0xFE: return 1;
    case 0xC0: return 2;
    case 0xF0: return 3;
    case 0xD0: return 4;
    case 0xE0: return 8;
    default: return 0;
    }
}

/* Every byte value as an entry's encoding byte. */
static void test_encoding_bytes(void **state) {
    (void)state;
    for (int b = 0; b < 256; b++) {
        unsigned char entry[1 + 8 + 64] = {(unsigned char)b};
        memset(entry + 1, 'z', sizeof(entry) - 1);
        int valid = b < 0xC0 || b == 0xC0 || b == 0xD0 || b == 0xE0 || b == 0xF0 || b == 0xFE ||
                    (b >= 0xF1 && b <= 0xFD);
        if (b >= 0x40 && b < 0xC0) {
            /* a 14- or 32-bit string length read from 'z' bytes runs past the blob */
            size_t size;
            unsigned char *zl = one_entry(entry, 5, &size);
            expect_bad(zl, size);
            free(zl);
            continue;
        }
        size_t elen = 1 + (b < 0x40 ? (size_t)b : payload_of(b));
        size_t size;
        unsigned char *zl = one_entry(entry, elen, &size);
        if (valid) {
            ZlIter it;
            ZlEntry e;
            assert_true(zl_iter_init(&it, zl, size));
            assert_int_equal(zl_iter_next(&it, &e), 1);
            assert_int_equal(zl_iter_next(&it, &e), 0);
            assert_true(zl_validate(zl, size, 1, NULL));
        } else {
            expect_bad(zl, size);
        }
        free(zl);
    }
}

/* Entries of 253 and 254 bytes: the next prevlen takes one byte, then five. */
static void test_prevlen_boundary(void **state) {
    (void)state;
    char s[260];
    memset(s, 'p', sizeof(s));
    for (size_t total = 250; total <= 258; total++) {
        /* an entry of `total` bytes: prevlen 1 + 14-bit header 2 + payload */
        size_t slen = total - 3;
        Zb z;
        size_t size;
        zb_init(&z);
        zb_str_as(&z, s, slen, ZB_STR14);
        zb_int(&z, 1);
        zb_int(&z, 2);
        unsigned char *zl = zb_finish(&z, &size);
        unsigned char *second = zl + ZL_HDR_SIZE + total;
        if (total < 254) {
            assert_int_equal(second[0], total);
        } else {
            assert_int_equal(second[0], 0xFE);
            assert_int_equal(second[1] | second[2] << 8, total);
        }
        char str[260];
        memcpy(str, s, slen);
        str[slen] = '\0';
        const char *want[] = {str, "1", "2"};
        expect_zl(zl, size, want, 3);
        /* the prevlen off by one either way is refused */
        second[total < 254 ? 0 : 1]++;
        expect_bad(zl, size);
        second[total < 254 ? 0 : 1] -= 2;
        expect_bad(zl, size);
        free(zl);
    }
}

/* prevlen mismatches: the first entry's must be 0; later ones exact. */
static void test_bad_prevlen(void **state) {
    (void)state;
    Zb z;
    size_t size;
    zb_init(&z);
    zb_str(&z, "abc");
    zb_str(&z, "de");
    zb_int(&z, 1000);
    unsigned char *zl = zb_finish(&z, &size);
    const char *want[] = {"abc", "de", "1000"};
    expect_zl(zl, size, want, 3);
    size_t offs[] = {ZL_HDR_SIZE, ZL_HDR_SIZE + 5, ZL_HDR_SIZE + 5 + 4};
    for (int i = 0; i < 3; i++) {
        unsigned char save = zl[offs[i]];
        for (int v = 0; v < 254; v++) {
            if (v == save) continue;
            zl[offs[i]] = (unsigned char)v;
            expect_bad(zl, size);
        }
        zl[offs[i]] = save;
    }
    /* the long form with the wrong value, and a long form running into the end */
    Zb y;
    zb_init(&y);
    y.long_prev = 1;
    zb_str(&y, "abc");
    zb_str(&y, "de");
    unsigned char *yl = zb_finish(&y, &size);
    const char *want2[] = {"abc", "de"};
    expect_zl(yl, size, want2, 2);
    yl[ZL_HDR_SIZE + 9 + 4] = 1; /* second entry's prevlen high byte */
    expect_bad(yl, size);
    free(yl);
    const unsigned char at_end[] = {0x10, 0, 0, 0, 0x0a, 0, 0, 0, 0x01, 0, 0xfe, 0, 0, 0, 0, 0xff};
    expect_bad(at_end, sizeof(at_end));
    free(zl);
}

/* The header checks and the entries-area checks, one at a time. */
static void test_header_checks(void **state) {
    (void)state;
    Zb z;
    size_t size;
    zb_init(&z);
    zb_str(&z, "one");
    zb_str(&z, "two");
    unsigned char *zl = zb_finish(&z, &size);
    const char *want[] = {"one", "two"};
    expect_zl(zl, size, want, 2);
    unsigned char *b = bc_exact_copy(zl, size);

    /* too short, even with a consistent header */
    const unsigned char tiny[] = {0x0a, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0};
    expect_bad(tiny, sizeof(tiny));
    expect_bad(zl, 0);
    /* zlbytes off by one either way; the size given smaller than the blob */
    put_le32(b, (uint32_t)size + 1);
    expect_bad(b, size);
    put_le32(b, (uint32_t)size - 1);
    expect_bad(b, size);
    expect_bad(b, size - 1);
    put_le32(b, (uint32_t)size);
    /* no terminator */
    b[size - 1] = 0xFE;
    expect_bad(b, size);
    b[size - 1] = 0xFF;
    /* zltail: at the first entry, past the end, at the terminator, in the header */
    const uint32_t tails[] = {ZL_HDR_SIZE, (uint32_t)size, (uint32_t)size - 1, 0, 9, ZL_HDR_SIZE + 6};
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        put_le32(b + 4, tails[i]);
        expect_bad(b, size);
    }
    put_le32(b + 4, ZL_HDR_SIZE + 5);
    expect_zl(b, size, want, 2);
    /* zllen: 0, 1, 3 refused; 65535 accepted */
    const uint16_t counts[] = {0, 1, 3, 65534};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        b[8] = (unsigned char)counts[i];
        b[9] = (unsigned char)(counts[i] >> 8);
        expect_bad(b, size);
    }
    b[8] = b[9] = 0xFF;
    expect_zl(b, size, want, 2);
    b[8] = 2;
    b[9] = 0;
    /* a terminator before the end (the rest is junk) */
    unsigned char *early = bc_exact_copy(b, size);
    early[ZL_HDR_SIZE + 5] = 0xFF;
    put_le32(early + 4, ZL_HDR_SIZE);
    early[8] = 1;
    expect_bad(early, size);
    free(early);
    /* a string running over the terminator, and lengths far past the end */
    b[ZL_HDR_SIZE + 6] = 4; /* "two" claims 4 bytes */
    expect_bad(b, size);
    b[ZL_HDR_SIZE + 6] = 0x3f;
    expect_bad(b, size);
    free(b);
    const unsigned char huge32[] = {0x15, 0, 0, 0, 0x0a, 0, 0, 0, 0x01, 0, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff,
                                    'a', 'b', 'c', 'd', 0xff};
    expect_bad(huge32, sizeof(huge32));
    const unsigned char huge14[] = {0x10, 0, 0, 0, 0x0a, 0, 0, 0, 0x01, 0, 0x00, 0x7f, 0xff, 'a', 'b', 0xff};
    expect_bad(huge14, sizeof(huge14));
    /* integer payloads cut by the terminator */
    const unsigned char int64cut[] = {0x12, 0, 0, 0, 0x0a, 0, 0, 0, 0x01, 0, 0x00, 0xe0, 1, 2, 3, 4, 5, 0xff};
    expect_bad(int64cut, sizeof(int64cut));
    /* an encoding header cut by the terminator */
    const unsigned char hdrcut[] = {0x0d, 0, 0, 0, 0x0a, 0, 0, 0, 0x01, 0, 0x00, 0x40, 0xff};
    expect_bad(hdrcut, sizeof(hdrcut));
    /* the empty ziplist: zltail must be the header size */
    unsigned char empty[] = {0x0b, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0xff};
    expect_zl(empty, sizeof(empty), NULL, 0);
    empty[8] = 1;
    expect_bad(empty, sizeof(empty));
    empty[8] = 0xff;
    empty[9] = 0xff;
    expect_zl(empty, sizeof(empty), NULL, 0);
    free(zl);
}

/* Shallow validation looks at the header only; count_out reports zllen. */
static void test_shallow(void **state) {
    (void)state;
    Zb z;
    size_t size, count = 0;
    zb_init(&z);
    zb_str(&z, "a");
    zb_str(&z, "b");
    zb_str(&z, "c");
    unsigned char *zl = zb_finish(&z, &size);
    assert_true(zl_validate(zl, size, 0, &count));
    assert_int_equal(count, 3);
    zl[ZL_HDR_SIZE + 1] = 0xC5; /* an invalid encoding inside */
    assert_true(zl_validate(zl, size, 0, NULL));
    assert_false(zl_validate(zl, size, 1, NULL));
    zl[8] = zl[9] = 0xFF;
    assert_true(zl_validate(zl, size, 0, &count));
    assert_int_equal(count, 65535);
    assert_false(zl_validate(zl, size - 1, 0, NULL));
    /* zltail outside the entries area fails even the shallow check */
    const uint32_t tails[] = {0, ZL_HDR_SIZE - 1, (uint32_t)size, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        put_le32(zl + 4, tails[i]);
        assert_false(zl_validate(zl, size, 0, NULL));
    }
    put_le32(zl + 4, (uint32_t)size - 1);
    assert_true(zl_validate(zl, size, 0, NULL));
    assert_false(zl_validate(NULL, 0, 0, NULL));
    free(zl);
}

/* The iterator's results: entries up to the corrupt one, then -1 for good. */
static void test_iterator_states(void **state) {
    (void)state;
    Zb z;
    size_t size;
    zb_init(&z);
    zb_str(&z, "a");
    zb_int(&z, 300);
    zb_str(&z, "b");
    unsigned char *zl = zb_finish(&z, &size);
    ZlIter it;
    ZlEntry e;
    /* zllen wrong: every entry comes out, the end reports the corruption */
    zl[8] = 4;
    assert_true(zl_iter_init(&it, zl, size));
    for (int i = 0; i < 3; i++) assert_int_equal(zl_iter_next(&it, &e), 1);
    assert_int_equal(zl_iter_next(&it, &e), -1);
    assert_int_equal(zl_iter_next(&it, &e), -1);
    zl[8] = 3;
    /* a bad third entry: two entries, then -1 */
    zl[ZL_HDR_SIZE + 3 + 4 + 1] = 0xE5; /* the third entry's encoding byte */
    assert_true(zl_iter_init(&it, zl, size));
    assert_int_equal(zl_iter_next(&it, &e), 1);
    assert_int_equal(e.slen, 1);
    assert_int_equal(zl_iter_next(&it, &e), 1);
    assert_int_equal(e.lval, 300);
    assert_int_equal(zl_iter_next(&it, &e), -1);
    assert_int_equal(zl_iter_next(&it, &e), -1);
    /* a bad header: nothing at all */
    zl[0]++;
    assert_false(zl_iter_init(&it, zl, size));
    assert_int_equal(zl_iter_next(&it, &e), -1);
    free(zl);
}

/* 65535 and more entries: zllen 65535 means "count them". */
static void test_many_entries(void **state) {
    (void)state;
    const size_t ns[] = {65534, 65535, 65536, 70000};
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
        Zb z;
        size_t size, count = 0;
        zb_init(&z);
        for (size_t i = 0; i < ns[k]; i++) {
            if (i % 3 == 0) zb_str(&z, "s");
            else zb_int(&z, (long long)i);
        }
        unsigned char *zl = zb_finish(&z, &size);
        assert_int_equal(zl[8] | zl[9] << 8, ns[k] < 65535 ? ns[k] : 65535);
        assert_true(zl_validate(zl, size, 1, &count));
        assert_int_equal(count, ns[k]);
        unsigned char *lp = zl_to_listpack(zl, size);
        assert_non_null(lp);
        assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
        assert_int_equal(lp_length(lp), ns[k]);
        LpEntry e;
        lp_get(lp_last(lp), &e);
        assert_true(ns[k] % 3 == 1 ? e.sval != NULL : e.lval == (long long)ns[k] - 1);
        lp_free(lp);
        if (ns[k] > 65535) {
            /* the true count modulo 65536 is no count */
            zl[8] = (unsigned char)ns[k];
            zl[9] = (unsigned char)(ns[k] >> 8);
            assert_false(zl_validate(zl, size, 1, NULL));
            assert_null(zl_to_listpack(zl, size));
        } else if (ns[k] == 65534) {
            zl[8] = zl[9] = 0xFF; /* "unknown" is fine below 65535 too */
            assert_true(zl_validate(zl, size, 1, &count));
            assert_int_equal(count, 65534);
        }
        free(zl);
    }
}

/* Key/value ziplists: even counts, distinct keys (an integer equals its text). */
static void test_pairs(void **state) {
    (void)state;
    size_t size, pairs = 0;
    Zb z;
    zb_init(&z);
    zb_str(&z, "f1");
    zb_str(&z, "v");
    zb_int(&z, 12);
    zb_str(&z, "v");
    zb_str(&z, "012");
    zb_int(&z, 12);
    unsigned char *zl = zb_finish(&z, &size);
    unsigned char *lp = zl_pairs_to_listpack(zl, size, &pairs);
    const char *want[] = {"f1", "v", "12", "v", "012", "12"};
    bc_expect_lp(lp, want, 6);
    assert_int_equal(pairs, 3);
    lp_free(lp);
    free(zl);

    /* "12" as a string entry and 12 as an integer are the same key */
    zb_init(&z);
    zb_int(&z, 12);
    zb_str(&z, "a");
    zb_str(&z, "12");
    zb_str(&z, "b");
    zl = zb_finish(&z, &size);
    assert_true(zl_validate(zl, size, 1, NULL));
    lp = zl_to_listpack(zl, size);
    assert_non_null(lp);
    lp_free(lp);
    assert_null(zl_pairs_to_listpack(zl, size, &pairs));
    free(zl);

    /* a plain duplicate string key, far apart */
    zb_init(&z);
    for (int i = 0; i < 500; i++) {
        char k[16];
        snprintf(k, sizeof(k), "key:%d", i == 499 ? 7 : i);
        zb_str(&z, k);
        zb_int(&z, i);
    }
    zl = zb_finish(&z, &size);
    assert_null(zl_pairs_to_listpack(zl, size, NULL));
    free(zl);

    /* an odd count */
    zb_init(&z);
    zb_str(&z, "k");
    zb_str(&z, "v");
    zb_str(&z, "k2");
    zl = zb_finish(&z, &size);
    assert_true(zl_validate(zl, size, 1, NULL));
    assert_null(zl_pairs_to_listpack(zl, size, &pairs));
    free(zl);

    /* empty: zero pairs */
    const unsigned char empty[] = {0x0b, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0xff};
    pairs = 99;
    lp = zl_pairs_to_listpack(empty, sizeof(empty), &pairs);
    bc_expect_lp(lp, NULL, 0);
    assert_int_equal(pairs, 0);
    lp_free(lp);
}

/* ---------------- blobs shaped as the RDB writers left them ---------------- */

/* Ziplists of the shapes found in RDB files of Redis 2.4 to 6.2, built with the
 * test's own encoder from the format description (no file's bytes are copied):
 *   ZS_HASH      a small hash of a 2.6+ writer: field, value... all short strings
 *   ZS_ZSET      a small sorted set of a 2.6+ writer: member, score...; integral
 *                scores went through the writer's integer test, so 1 and 2 are
 *                the 4-bit immediates
 *   ZS_NODE      one quicklist node (RDB_TYPE_LIST_QUICKLIST, 3.2 to 6.2): "7"
 *   ZS_OLD_LIST  a list of a 2.4 writer, whose only integer forms were int16,
 *                int32 and int64: 1, 2, 3 take int16, 100000 int32 (no int24 yet)
 *   ZS_OLD_PAIRS a hash or zset of a 2.4 writer: letters and int16 integers
 *   ZS_NODE_X5   a node of five 5-byte strings
 *   ZS_EMPTY     the empty ziplist that old bugs left as a value (the loaders skip
 *                such keys; the blob itself is valid) */
enum { ZS_HASH, ZS_ZSET, ZS_NODE, ZS_OLD_LIST, ZS_OLD_PAIRS, ZS_NODE_X5, ZS_EMPTY, ZS_COUNT };

static unsigned char *writer_shape(int which, size_t *size) {
    Zb z;
    zb_init(&z);
    switch (which) {
    case ZS_HASH:
        zb_str(&z, "f1");
        zb_str(&z, "v1");
        zb_str(&z, "f2");
        zb_str(&z, "v2");
        break;
    case ZS_ZSET:
        zb_str(&z, "one");
        zb_int(&z, 1);
        zb_str(&z, "two");
        zb_int(&z, 2);
        break;
    case ZS_NODE: zb_int(&z, 7); break;
    case ZS_OLD_LIST:
        for (int v = 1; v <= 3; v++) zb_int_as(&z, 0xC0, v);
        zb_str(&z, "a");
        zb_str(&z, "b");
        zb_str(&z, "c");
        zb_int_as(&z, 0xD0, 100000);
        zb_int_as(&z, 0xE0, 6000000000LL);
        break;
    case ZS_OLD_PAIRS:
        zb_str(&z, "a");
        zb_int_as(&z, 0xC0, 1);
        zb_str(&z, "b");
        zb_int_as(&z, 0xC0, 2);
        zb_str(&z, "c");
        zb_int_as(&z, 0xC0, 3);
        break;
    case ZS_NODE_X5:
        for (int i = 0; i < 5; i++) zb_str(&z, "xxxxx");
        break;
    default: break;
    }
    return zb_finish(&z, size);
}

/* Checks a writer-shaped blob: valid, with n entries, converting to want[0..n);
 * with pairs, also through zl_pairs_to_listpack. */
static void expect_shape(int which, int pairs, const char *const *want, size_t n) {
    size_t size, count = 99;
    unsigned char *zl = writer_shape(which, &size);
    expect_zl(zl, size, want, n);
    if (pairs) {
        unsigned char *copy = bc_exact_copy(zl, size);
        unsigned char *lp = zl_pairs_to_listpack(copy, size, &count);
        bc_expect_lp(lp, want, n);
        assert_int_equal(count, n / 2);
        lp_free(lp);
        free(copy);
    }
    free(zl);
}

static void test_rdb_writer_shapes(void **state) {
    (void)state;
    const char *f1v1[] = {"f1", "v1", "f2", "v2"};
    expect_shape(ZS_HASH, 1, f1v1, 4);
    const char *zset[] = {"one", "1", "two", "2"};
    expect_shape(ZS_ZSET, 1, zset, 4);
    const char *seven[] = {"7"};
    expect_shape(ZS_NODE, 0, seven, 1);
    const char *list[] = {"1", "2", "3", "a", "b", "c", "100000", "6000000000"};
    expect_shape(ZS_OLD_LIST, 0, list, 8);
    const char *abc[] = {"a", "1", "b", "2", "c", "3"};
    expect_shape(ZS_OLD_PAIRS, 1, abc, 6);
    const char *x5[] = {"xxxxx", "xxxxx", "xxxxx", "xxxxx", "xxxxx"};
    expect_shape(ZS_NODE_X5, 0, x5, 5);
    expect_shape(ZS_EMPTY, 1, NULL, 0);

    /* the shapes are what they claim: sizes and encoding bytes */
    size_t size;
    unsigned char *zl = writer_shape(ZS_ZSET, &size);
    assert_int_equal(size, ZL_HDR_SIZE + 5 + 2 + 5 + 2 + 1);
    assert_int_equal(zl[ZL_HDR_SIZE + 5 + 1], 0xF2);      /* score 1: an immediate */
    free(zl);
    zl = writer_shape(ZS_EMPTY, &size);
    assert_int_equal(size, ZL_HDR_SIZE + 1);
    free(zl);
    zl = writer_shape(ZS_OLD_LIST, &size);
    assert_int_equal(zl[ZL_HDR_SIZE + 1], 0xC0);          /* 1 as int16 */
    /* the old integer forms come out as integers, the letters as strings */
    ZlIter it;
    ZlEntry e;
    const long long ints[] = {1, 2, 3, 0, 0, 0, 100000, 6000000000LL};
    assert_true(zl_iter_init(&it, zl, size));
    for (int i = 0; i < 8; i++) {
        assert_int_equal(zl_iter_next(&it, &e), 1);
        if (i >= 3 && i < 6) {
            assert_non_null(e.sval);
            assert_int_equal(e.slen, 1);
        } else {
            assert_null(e.sval);
            assert_true(e.lval == ints[i]);
        }
    }
    assert_int_equal(zl_iter_next(&it, &e), 0);
    /* and the listpack keeps them as integer entries */
    unsigned char *lp = zl_to_listpack(zl, size);
    LpEntry le;
    lp_get(lp_first(lp), &le);
    assert_null(le.sval);
    assert_int_equal(le.lval, 1);
    lp_get(lp_last(lp), &le);
    assert_null(le.sval);
    assert_true(le.lval == 6000000000LL);
    lp_free(lp);
    free(zl);

    /* a node of five strings: every prevlen is the 7 bytes of the one before */
    zl = writer_shape(ZS_NODE_X5, &size);
    for (int i = 1; i < 5; i++) assert_int_equal(zl[ZL_HDR_SIZE + 7 * i], 7);
    free(zl);

    /* five bytes that are no ziplist at all (a value a damaged file held as a
     * hash ziplist): refused by every path */
    expect_bad((const unsigned char *)"xxxxx", 5);
}

/* ---------------- hostile input ---------------- */

/* The valid blobs the hostile tests start from: the writer shapes above and
 * blobs with long strings, every integer width and long prevlens. */
typedef struct Fixture {
    unsigned char *zl;
    size_t size;
} Fixture;

#define MAX_FIXTURES 32

static int add_shape_fixtures(Fixture *fx, int n) {
    for (int w = 0; w < ZS_COUNT && n < MAX_FIXTURES; w++, n++) fx[n].zl = writer_shape(w, &fx[n].size);
    return n;
}

static int add_built_fixtures(Fixture *fx, int n) {
    char big[300];
    memset(big, 'q', sizeof(big));
    for (int variant = 0; variant < 3; variant++) {
        Zb z;
        zb_init(&z);
        z.long_prev = variant == 2;
        zb_str(&z, "hello");
        zb_int(&z, -5);
        zb_int(&z, 100000);
        zb_str_as(&z, big, variant == 0 ? 70 : 260, variant == 1 ? ZB_STR32 : ZB_CANON);
        zb_int(&z, INT64_MIN);
        zb_int(&z, 11);
        zb_int_as(&z, 0xF0, -70000);
        zb_str(&z, "");
        zb_int(&z, 40000);
        zb_int(&z, 3000000000LL);
        fx[n].zl = zb_finish(&z, &fx[n].size);
        n++;
    }
    return n;
}

static int load_fixtures(Fixture *fx) {
    return add_built_fixtures(fx, add_shape_fixtures(fx, 0));
}

static void free_fixtures(Fixture *fx, int n) {
    for (int i = 0; i < n; i++) free(fx[i].zl);
}

/* Whatever the bytes, validation, iteration and both conversions agree, and a
 * listpack that comes out is valid with the iterator's entries. Returns 1 when
 * the blob was accepted. */
static int check_consistent(const unsigned char *zl, size_t size) {
    size_t count = 0;
    int valid = zl_validate(zl, size, 1, &count);
    unsigned char *lp = zl_to_listpack(zl, size);
    assert_int_equal(valid, lp != NULL);
    unsigned char *plp = zl_pairs_to_listpack(zl, size, NULL);
    if (plp) assert_true(valid);
    lp_free(plp);
    ZlIter it;
    ZlEntry e;
    int r;
    size_t seen = 0;
    unsigned char *p = lp ? lp_first(lp) : NULL;
    zl_iter_init(&it, zl, size);
    while ((r = zl_iter_next(&it, &e)) == 1) {
        seen++;
        if (!lp) continue;
        assert_non_null(p);
        unsigned char buf[LP_INTBUF_SIZE], zbuf[32];
        uint32_t len;
        const unsigned char *s = lp_get_str(p, &len, buf);
        const unsigned char *zs = e.sval;
        uint32_t zlen = e.slen;
        if (!zs) {
            zlen = (uint32_t)snprintf((char *)zbuf, sizeof(zbuf), "%lld", e.lval);
            zs = zbuf;
        }
        assert_int_equal(len, zlen);
        assert_memory_equal(s, zs, len);
        p = lp_next(lp, p);
    }
    assert_int_equal(r == 0, valid);
    if (lp) {
        assert_null(p);
        assert_int_equal(seen, count);
        assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
        assert_int_equal(lp_length(lp), count);
        lp_free(lp);
    }
    return valid;
}

/* Every prefix of every fixture: refused as it is (zlbytes no longer matches);
 * with the header patched to the new size and a terminator put at the end, never a
 * crash and always a consistent answer. */
static void test_truncations(void **state) {
    (void)state;
    Fixture fx[MAX_FIXTURES];
    int n = load_fixtures(fx);
    assert_true(n >= 10);
    size_t tried = 0, patched_ok = 0;
    for (int f = 0; f < n; f++) {
        for (size_t cut = 0; cut < fx[f].size; cut++) {
            unsigned char *b = bc_exact_copy(fx[f].zl, cut);
            assert_false(zl_validate(b, cut, 0, NULL));
            expect_bad(b, cut);
            if (cut >= ZL_HDR_SIZE + 1) {
                put_le32(b, (uint32_t)cut);
                b[cut - 1] = 0xFF;
                patched_ok += (size_t)check_consistent(b, cut);
            }
            free(b);
            tried++;
        }
    }
    printf("  %zu truncations, %zu patched prefixes still valid\n", tried, patched_ok);
    free_fixtures(fx, n);
}

/* Thousands of random byte flips of the fixtures (1 to 4 bytes each, anywhere or
 * in the first 16 bytes where the header and first entries are). */
static void test_random_flips(void **state) {
    (void)state;
    Fixture fx[MAX_FIXTURES];
    int n = load_fixtures(fx);
    uint64_t s = test_seed("flips", 0x21) | 1;
    size_t accepted = 0, rounds = 20000;
    for (size_t round = 0; round < rounds; round++) {
        Fixture *f = &fx[bc_rand(&s) % (uint64_t)n];
        unsigned char *b = bc_exact_copy(f->zl, f->size);
        int flips = 1 + (int)(bc_rand(&s) % 4);
        size_t span = (round & 1) && f->size > 16 ? 16 : f->size;
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)(bc_rand(&s) % span);
            unsigned char x = (unsigned char)(1 + bc_rand(&s) % 255);
            b[at] ^= x;
        }
        accepted += (size_t)check_consistent(b, f->size);
        free(b);
    }
    printf("  %zu flipped blobs, %zu still valid\n", rounds, accepted);
    assert_true(accepted < rounds / 2);
    free_fixtures(fx, n);
}

/* ---------------- random ziplists against a model ---------------- */

typedef struct ModelEntry {
    int is_int;
    long long v;
    char s[80];
    size_t len;
} ModelEntry;

static void test_random_against_model(void **state) {
    (void)state;
    uint64_t s = test_seed("model", 0x99) | 1;
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(bc_rand(&s) % 120);
        ModelEntry *m = calloc(n ? n : 1, sizeof(*m));
        Zb z;
        zb_init(&z);
        z.long_prev = round % 7 == 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = bc_rand(&s);
            if (r % 3 == 0) {
                m[i].is_int = 1;
                int bits = 1 + (int)((r >> 8) % 63);
                m[i].v = (long long)(bc_rand(&s) >> (64 - bits)) * ((r >> 16) & 1 ? -1 : 1);
                zb_int(&z, m[i].v);
            } else {
                m[i].len = (size_t)(r >> 8) % 80;
                for (size_t k = 0; k < m[i].len; k++) m[i].s[k] = (char)(bc_rand(&s) % 256);
                int form = (r >> 20) % 5 == 0 ? ZB_STR32 : ZB_CANON;
                zb_str_as(&z, m[i].s, m[i].len, form);
            }
        }
        size_t size, count;
        unsigned char *zl = zb_finish(&z, &size);
        assert_true(zl_validate(zl, size, 1, &count));
        assert_int_equal(count, n);
        ZlIter it;
        ZlEntry e;
        assert_true(zl_iter_init(&it, zl, size));
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(zl_iter_next(&it, &e), 1);
            if (m[i].is_int) {
                assert_null(e.sval);
                assert_true(e.lval == m[i].v);
            } else {
                assert_non_null(e.sval);
                assert_int_equal(e.slen, m[i].len);
                assert_memory_equal(e.sval, m[i].s, m[i].len);
            }
        }
        assert_int_equal(zl_iter_next(&it, &e), 0);
        unsigned char *lp = zl_to_listpack(zl, size);
        assert_non_null(lp);
        assert_int_equal(lp_length(lp), n);
        unsigned char *p = lp_first(lp);
        for (size_t i = 0; i < n; i++, p = lp_next(lp, p)) {
            LpEntry le;
            lp_get(p, &le);
            if (m[i].is_int) {
                assert_null(le.sval);
                assert_true(le.lval == m[i].v);
            } else {
                unsigned char buf[LP_INTBUF_SIZE];
                uint32_t len;
                const unsigned char *str = lp_get_str(p, &len, buf);
                assert_int_equal(len, m[i].len);
                assert_memory_equal(str, m[i].s, len);
            }
        }
        assert_true(lp_bytes(lp) <= size + size / 64 + 16);
        lp_free(lp);
        check_consistent(zl, size);
        free(zl);
        free(m);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_doc_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noncanonical_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoding_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prevlen_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_prevlen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shallow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iterator_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rdb_writer_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_flips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
