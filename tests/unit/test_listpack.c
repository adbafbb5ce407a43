/* test_listpack.c - unit tests for ds/listpack: every API function, the boundaries
 * of each encoding, byte-for-byte fixtures taken from Redis 7.0.15's DUMP output,
 * validation of hostile blobs (truncations, bad headers, bad encodings and backlens,
 * thousands of random byte flips), the "unknown count" (65535) path, run visits
 * (lp_visit) over every encoding, and a
 * randomized run against a model (an array of strings). The random seed is printed;
 * set LP_TEST_SEED to replay one. Every test checks that it leaks no memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <fcntl.h>
#include "ds/listpack.h"
#include "base/alloc.h"
#include "base/util.h"

static size_t mem_before;
static uint64_t test_seed = 20240601;

static int setup(void **state) {
    (void)state;
    rand_seed(test_seed);
    mem_before = vmalloc_used();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    assert_int_equal(vmalloc_used(), mem_before);
    return 0;
}

/* ---- helpers ---- */

typedef struct Str {
    unsigned char *b;
    uint32_t len;
} Str;

static Str str_new(const void *b, uint32_t len) {
    Str s = {malloc(len ? len : 1), len};
    if (len) memcpy(s.b, b, len);
    return s;
}

static Str str_c(const char *c) { return str_new(c, (uint32_t)strlen(c)); }

static unsigned char *lp_from(const char **vals, int n) {
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < n; i++) lp = lp_append(lp, (const unsigned char *)vals[i], (uint32_t)strlen(vals[i]));
    return lp;
}

static void hex_to_bytes(const char *hex, unsigned char *out, size_t *n) {
    size_t len = strlen(hex) / 2;
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    *n = len;
}

static void assert_entry_is(const unsigned char *p, const void *want, uint32_t wlen) {
    unsigned char buf[LP_INTBUF_SIZE];
    uint32_t len;
    const unsigned char *s = lp_get_str(p, &len, buf);
    assert_int_equal(len, wlen);
    if (wlen) assert_memory_equal(s, want, wlen);
}

/* lp_visit's collector: the visited values as bytes, in visiting order. */
typedef struct Visited {
    Str v[64];
    int n;
} Visited;

static void visit_collect(void *ctx, const unsigned char *s, size_t len, long long lval) {
    Visited *vs = ctx;
    char buf[LP_INTBUF_SIZE];
    if (!s) {
        len = (size_t)ll2string(buf, sizeof(buf), lval);
        s = (const unsigned char *)buf;
    }
    if (vs->n < 64) vs->v[vs->n++] = str_new(s, (uint32_t)len);
}

static void visited_free(Visited *vs) {
    for (int i = 0; i < vs->n; i++) free(vs->v[i].b);
    vs->n = 0;
}

/* lp_visit from a random entry, both ways, for a random count, against the model. */
static void check_visit(unsigned char *lp, Str *m, long n) {
    if (n == 0) return;
    long at = (long)(rand_u64() % (uint64_t)n), want = (long)(rand_u64() % 64);
    for (int backward = 0; backward < 2; backward++) {
        Visited vs = {.n = 0};
        long avail = backward ? at + 1 : n - at, expect = want < avail ? want : avail;
        unsigned long got = lp_visit(lp, lp_seek(lp, at), (unsigned long)want, backward, visit_collect, &vs);
        assert_int_equal(got, expect);
        for (long k = 0; k < expect; k++) {
            const Str *e = &m[backward ? at - k : at + k];
            assert_int_equal(vs.v[k].len, e->len);
            if (e->len) assert_memory_equal(vs.v[k].b, e->b, e->len);
        }
        visited_free(&vs);
    }
}

/* The whole listpack against the model: deep validation, length, both walks and
 * a few seeks. */
static void check_model(unsigned char *lp, Str *m, long n) {
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    assert_int_equal(lp_length(lp), n);
    long i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++) {
        assert_true(i < n);
        assert_entry_is(p, m[i].b, m[i].len);
    }
    assert_int_equal(i, n);
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p)) {
        i--;
        assert_true(i >= 0);
        assert_entry_is(p, m[i].b, m[i].len);
    }
    assert_int_equal(i, 0);
    for (int k = 0; k < 4 && n; k++) {
        long idx = (long)(rand_u64() % (uint64_t)n);
        assert_entry_is(lp_seek(lp, idx), m[idx].b, m[idx].len);
        assert_entry_is(lp_seek(lp, idx - n), m[idx].b, m[idx].len);
    }
    assert_null(lp_seek(lp, n));
    assert_null(lp_seek(lp, -n - 1));
    check_visit(lp, m, n);
}

/* Bytes of [encoding + payload] of the entry at p, derived from lp_entry_size. */
static size_t backlen_bytes(size_t l) {
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/* ---- tests ---- */

static void test_empty(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    static const unsigned char want[] = {7, 0, 0, 0, 0, 0, 0xFF};
    assert_int_equal(lp_bytes(lp), 7);
    assert_memory_equal(lp, want, 7);
    assert_int_equal(lp_length(lp), 0);
    assert_null(lp_first(lp));
    assert_null(lp_last(lp));
    assert_null(lp_seek(lp, 0));
    assert_null(lp_seek(lp, -1));
    assert_true(lp_validate_integrity(lp, 7, 1, NULL, NULL));
    assert_null(lp_find(lp, lp + LP_HDR_SIZE, (const unsigned char *)"a", 1, 0));
    assert_false(lp_compare(lp + LP_HDR_SIZE, (const unsigned char *)"", 0));
    lp = lp_delete_range(lp, 0, 5);
    assert_int_equal(lp_bytes(lp), 7);
    lp_free(lp);
    /* a capacity hint allocates ahead but changes nothing visible */
    lp = lp_new(1000);
    assert_true(vmalloc_size(lp) >= 1000);
    assert_int_equal(lp_bytes(lp), 7);
    lp = lp_shrink_to_fit(lp);
    assert_true(vmalloc_size(lp) < 1000);
    lp_free(lp);
}

/* Listpacks exactly as Redis 7.0.15 wrote them (the payload of DUMP, with
 * rdbcompression off): ours must be the same bytes, and read back. */
static void test_redis_fixtures(void **state) {
    (void)state;
    unsigned char want[512];
    size_t wn;
    /* RPUSH l a 1024 -1 */
    const char *l1[] = {"a", "1024", "-1"};
    hex_to_bytes("100000000300816102c40002dfff02ff", want, &wn);
    unsigned char *lp = lp_from(l1, 3);
    assert_int_equal(lp_bytes(lp), wn);
    assert_memory_equal(lp, want, wn);
    lp_free(lp);
    /* HSET h a 1 b hello */
    const char *h1[] = {"a", "1", "b", "hello"};
    hex_to_bytes("16000000040081610201018162028568656c6c6f06ff", want, &wn);
    lp = lp_from(h1, 4);
    assert_memory_equal(lp, want, wn);
    lp_free(lp);
    /* Integer boundaries and strings that must stay strings. */
    const char *l2[] = {"0", "127", "128", "-1", "4095", "4096", "-4096", "-4097", "32767", "32768",
                        "-32768", "-32769", "8388607", "8388608", "-8388608", "-8388609",
                        "2147483647", "2147483648", "-2147483648", "-2147483649",
                        "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                        "-0", "01", "+1", " 1", "", NULL};
    char x63[64];
    memset(x63, 'x', 63);
    x63[63] = 0;
    l2[28] = x63;
    hex_to_bytes("e30000001d0000017f01c08002dfff02cfff02f1001003d00002f1ffef03f1ff7f03f200800004f1"
                 "008003f2ff7fff04f2ffff7f04f30000800005f200008004f3ffff7fff05f3ffffff7f05f4000000"
                 "800000000009f30000008005f4ffffff7fffffffff09f4ffffffffffffff7f09f400000000000000"
                 "8009933932323333373230333638353437373538303814822d300382303103822b31038220310380"
                 "01bf7878787878787878787878787878787878787878787878787878787878787878787878787878"
                 "7878787878787878787878787878787878787878787878787840ff",
                 want, &wn);
    lp = lp_from(l2, 29);
    assert_int_equal(lp_bytes(lp), wn);
    assert_memory_equal(lp, want, wn);
    lp_free(lp);
    /* Read Redis's bytes back. */
    unsigned char *copy = vmalloc(wn);
    memcpy(copy, want, wn);
    assert_true(lp_validate_integrity(copy, wn, 1, NULL, NULL));
    Str m[29];
    for (int i = 0; i < 29; i++) m[i] = str_c(l2[i]);
    check_model(copy, m, 29);
    for (int i = 0; i < 29; i++) free(m[i].b);
    vfree(copy);
}

/* Long strings: the 12-bit and 32-bit string headers and multi-byte backlens, as
 * Redis writes them (checked against its DUMP output). */
static void test_string_boundaries(void **state) {
    (void)state;
    static const uint32_t lens[] = {0, 1, 63, 64, 125, 126, 127, 4095, 4096, 16377, 16378, 70000,
                                    2097140};
    unsigned char *lp = lp_new(0);
    Str m[13];
    for (int i = 0; i < 13; i++) {
        m[i].len = lens[i];
        m[i].b = malloc(lens[i] + 1);
        memset(m[i].b, 'a' + i, lens[i]);
        lp = lp_append(lp, m[i].b, m[i].len);
    }
    check_model(lp, m, 13);
    unsigned char *p = lp_first(lp);
    for (int i = 0; i < 13; i++, p = lp_next(lp, p)) {
        uint32_t len = lens[i];
        size_t hdr = len < 64 ? 1 : len < 4096 ? 2 : 5;
        size_t enc = hdr + len;
        assert_int_equal(lp_entry_size(p), enc + backlen_bytes(enc));
        if (len < 64) {
            assert_int_equal(p[0], 0x80 | len);
        } else if (len < 4096) {
            assert_int_equal(p[0], 0xE0 | (len >> 8));
            assert_int_equal(p[1], len & 0xFF);
        } else {
            assert_int_equal(p[0], 0xF0);
            assert_int_equal(p[1] | p[2] << 8 | p[3] << 16 | (uint32_t)p[4] << 24, len);
        }
        LpEntry e;
        lp_get(p, &e);
        assert_non_null(e.sval);
        assert_int_equal(e.slen, len);
    }
    /* Redis's bytes for 'x'*64 then 'y'*4095 then 'z'*4096. */
    p = lp_seek(lp, 3);
    assert_int_equal(p[0], 0xE0);
    assert_int_equal(p[1], 0x40);
    assert_int_equal(p[66], 0x42);
    p = lp_seek(lp, 7);
    assert_int_equal(p[4097], 0x20);
    assert_int_equal(p[4098], 0x81);
    p = lp_seek(lp, 8);
    assert_int_equal(p[4101], 0x20);
    assert_int_equal(p[4102], 0x85);
    /* encoded length 16383 takes a 3-byte backlen (Redis's threshold), 16382 two */
    assert_int_equal(lp_entry_size(lp_seek(lp, 9)), 16382 + 2);
    assert_int_equal(lp_entry_size(lp_seek(lp, 10)), 16383 + 3);
    for (int i = 0; i < 13; i++) free(m[i].b);
    lp_free(lp);
    /* 3 MB: a 4-byte backlen; walked backwards over */
    uint32_t big = 3u << 20;
    unsigned char *buf = malloc(big);
    memset(buf, 'B', big);
    lp = lp_append(lp_new(0), (const unsigned char *)"x", 1);
    lp = lp_append(lp, buf, big);
    lp = lp_append(lp, (const unsigned char *)"y", 1);
    assert_int_equal(lp_entry_size(lp_seek(lp, 1)), 5 + big + 4);
    assert_entry_is(lp_prev(lp, lp_prev(lp, lp_last(lp))), "x", 1);
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    free(buf);
    lp_free(lp);
}

typedef struct IntCase {
    long long v;
    size_t enc; /* bytes of encoding + payload */
} IntCase;

static const IntCase int_cases[] = {
    {0, 1}, {1, 1}, {127, 1}, {128, 2}, {-1, 2}, {4095, 2}, {-4096, 2}, {4096, 3}, {-4097, 3},
    {INT16_MAX, 3}, {INT16_MIN, 3}, {INT16_MAX + 1, 4}, {INT16_MIN - 1, 4}, {8388607, 4},
    {-8388608, 4}, {8388608, 5}, {-8388609, 5}, {INT32_MAX, 5}, {INT32_MIN, 5},
    {(long long)INT32_MAX + 1, 9}, {(long long)INT32_MIN - 1, 9}, {INT64_MAX, 9}, {INT64_MIN, 9},
};
#define N_INT_CASES (int)(sizeof(int_cases) / sizeof(int_cases[0]))

static void test_integer_boundaries(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    /* each value twice: appended as an integer and as its decimal string */
    for (int i = 0; i < N_INT_CASES; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%lld", int_cases[i].v);
        lp = lp_append_int(lp, int_cases[i].v);
        lp = lp_append(lp, (unsigned char *)buf, (uint32_t)n);
    }
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    unsigned char *p = lp_first(lp);
    for (int i = 0; i < N_INT_CASES; i++) {
        for (int twice = 0; twice < 2; twice++, p = lp_next(lp, p)) {
            LpEntry e;
            lp_get(p, &e);
            assert_null(e.sval);
            assert_true(e.lval == int_cases[i].v);
            assert_int_equal(lp_entry_size(p), int_cases[i].enc + 1);
            uint32_t slen;
            long long lv = 0;
            assert_null(lp_get_value(p, &slen, &lv));
            assert_true(lv == int_cases[i].v);
            char buf[32];
            int n = snprintf(buf, sizeof(buf), "%lld", int_cases[i].v);
            assert_entry_is(p, buf, (uint32_t)n);
            assert_true(lp_compare(p, (unsigned char *)buf, (uint32_t)n));
        }
    }
    assert_null(p);
    /* prepend_int, insert_int and replace_int */
    lp = lp_prepend_int(lp, -7);
    LpEntry e;
    lp_get(lp_first(lp), &e);
    assert_true(e.lval == -7);
    p = lp_first(lp);
    lp = lp_replace_int(lp, &p, INT64_MIN);
    lp_get(p, &e);
    assert_true(e.lval == INT64_MIN);
    lp = lp_insert_int(lp, 300, p, LP_AFTER, &p);
    lp_get(lp_seek(lp, 1), &e);
    assert_true(e.lval == 300);
    assert_ptr_equal(p, lp_seek(lp, 1));
    assert_int_equal(lp_length(lp), 2 * N_INT_CASES + 2);
    lp_free(lp);
}

/* Strings that look numeric but are not canonical stay strings, byte for byte. */
static void test_non_canonical_strings(void **state) {
    (void)state;
    const char *vals[] = {"-0", "00", "01", "+1", " 1", "1 ", "-", "", "1a", "9223372036854775808",
                          "-9223372036854775809", "18446744073709551616", "123456789012345678901",
                          "0x10", "1.5", "-01"};
    int n = (int)(sizeof(vals) / sizeof(vals[0]));
    unsigned char *lp = lp_from(vals, n);
    int i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++) {
        LpEntry e;
        lp_get(p, &e);
        assert_non_null(e.sval);
        assert_int_equal(e.slen, strlen(vals[i]));
        assert_memory_equal(e.sval, vals[i], e.slen);
        assert_true(lp_compare(p, (const unsigned char *)vals[i], e.slen));
    }
    assert_int_equal(i, n);
    lp_free(lp);
}

static void test_navigation(void **state) {
    (void)state;
    const char *vals[] = {"zero", "1", "two", "3", "four"};
    unsigned char *lp = lp_from(vals, 5);
    unsigned char *p = lp_first(lp);
    assert_entry_is(p, "zero", 4);
    assert_null(lp_prev(lp, p));
    p = lp_next(lp, p);
    assert_entry_is(p, "1", 1);
    assert_entry_is(lp_prev(lp, p), "zero", 4);
    p = lp_last(lp);
    assert_entry_is(p, "four", 4);
    assert_null(lp_next(lp, p));
    /* the trusted step visits the same entries */
    unsigned char *q = lp_first(lp);
    for (p = lp_first(lp); p; p = lp_next(lp, p)) {
        assert_ptr_equal(q, p);
        q = lp_next_trusted(lp, q);
    }
    assert_null(q);
    for (long i = -7; i < 7; i++) {
        p = lp_seek(lp, i);
        if (i < -5 || i >= 5) {
            assert_null(p);
        } else {
            long k = i < 0 ? i + 5 : i;
            assert_entry_is(p, vals[k], (uint32_t)strlen(vals[k]));
        }
    }
    /* one element */
    lp_free(lp);
    lp = lp_from(vals, 1);
    assert_ptr_equal(lp_first(lp), lp_last(lp));
    assert_ptr_equal(lp_seek(lp, 0), lp_seek(lp, -1));
    assert_null(lp_seek(lp, 1));
    lp_free(lp);
}

static void test_insert_replace_delete(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    unsigned char *p, *np;
    lp = lp_prepend(lp, (const unsigned char *)"b", 1);        /* [b] */
    lp = lp_append(lp, (const unsigned char *)"d", 1);         /* [b d] */
    lp = lp_prepend(lp, (const unsigned char *)"a", 1);        /* [a b d] */
    p = lp_seek(lp, 1);
    lp = lp_insert(lp, (const unsigned char *)"c", 1, p, LP_AFTER, &np); /* [a b c d] */
    assert_entry_is(np, "c", 1);
    p = lp_first(lp);
    lp = lp_insert(lp, (const unsigned char *)"", 0, p, LP_BEFORE, &np); /* ["" a b c d] */
    assert_ptr_equal(np, lp_first(lp));
    assert_entry_is(np, "", 0);
    p = lp_last(lp);
    lp = lp_insert(lp, (const unsigned char *)"e", 1, p, LP_AFTER, &np); /* [.. d e] */
    assert_ptr_equal(np, lp_last(lp));
    Str m[6] = {str_c(""), str_c("a"), str_c("b"), str_c("c"), str_c("d"), str_c("e")};
    check_model(lp, m, 6);
    /* replace with a longer, a shorter and an integer value */
    char big[300];
    memset(big, 'B', sizeof(big));
    p = lp_seek(lp, 2);
    lp = lp_replace(lp, &p, (const unsigned char *)big, sizeof(big));
    assert_ptr_equal(p, lp_seek(lp, 2));
    assert_entry_is(p, big, sizeof(big));
    assert_entry_is(lp_next(lp, p), "c", 1);
    lp = lp_replace(lp, &p, (const unsigned char *)"x", 1);
    assert_entry_is(p, "x", 1);
    lp = lp_replace(lp, &p, (const unsigned char *)"-12345", 6);
    LpEntry e;
    lp_get(p, &e);
    assert_null(e.sval);
    assert_true(e.lval == -12345);
    assert_int_equal(lp_length(lp), 6);
    /* delete middle, first, last */
    lp = lp_delete(lp, p, &np); /* ["" a c d e] */
    assert_entry_is(np, "c", 1);
    lp = lp_delete(lp, lp_first(lp), &np); /* [a c d e] */
    assert_ptr_equal(np, lp_first(lp));
    lp = lp_delete(lp, lp_last(lp), &np); /* [a c d] */
    assert_null(np);
    Str m2[3] = {str_c("a"), str_c("c"), str_c("d")};
    check_model(lp, m2, 3);
    while ((p = lp_first(lp))) lp = lp_delete(lp, p, NULL);
    assert_int_equal(lp_bytes(lp), 7);
    assert_int_equal(lp_length(lp), 0);
    for (int i = 0; i < 6; i++) free(m[i].b);
    for (int i = 0; i < 3; i++) free(m2[i].b);
    lp_free(lp);
}

static unsigned char *lp_numbers(int n) {
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < n; i++) {
        char buf[32];
        int k = snprintf(buf, sizeof(buf), "v%d", i);
        lp = lp_append(lp, (unsigned char *)buf, (uint32_t)k);
    }
    return lp;
}

static void assert_numbers(unsigned char *lp, const int *want, int n) {
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    assert_int_equal(lp_length(lp), n);
    unsigned char *p = lp_first(lp);
    for (int i = 0; i < n; i++, p = lp_next(lp, p)) {
        char buf[32];
        int k = snprintf(buf, sizeof(buf), "v%d", want[i]);
        assert_entry_is(p, buf, (uint32_t)k);
    }
    assert_null(p);
}

static void test_delete_range(void **state) {
    (void)state;
    unsigned char *lp = lp_numbers(10);
    lp = lp_delete_range(lp, 2, 3);
    assert_numbers(lp, (int[]){0, 1, 5, 6, 7, 8, 9}, 7);
    lp = lp_delete_range(lp, -2, 1);
    assert_numbers(lp, (int[]){0, 1, 5, 6, 7, 9}, 6);
    lp = lp_delete_range(lp, 4, 100); /* past the end: truncates */
    assert_numbers(lp, (int[]){0, 1, 5, 6}, 4);
    lp = lp_delete_range(lp, 9, 1);   /* out of range: nothing */
    lp = lp_delete_range(lp, -9, 1);
    lp = lp_delete_range(lp, 0, 0);
    assert_numbers(lp, (int[]){0, 1, 5, 6}, 4);
    lp = lp_delete_range(lp, -4, 4);
    assert_numbers(lp, NULL, 0);
    lp_free(lp);

    lp = lp_numbers(6);
    unsigned char *p = lp_seek(lp, 1);
    lp = lp_delete_range_with_entry(lp, &p, 2);
    assert_entry_is(p, "v3", 2);
    assert_numbers(lp, (int[]){0, 3, 4, 5}, 4);
    p = lp_seek(lp, 2);
    lp = lp_delete_range_with_entry(lp, &p, 99);
    assert_null(p);
    assert_numbers(lp, (int[]){0, 3}, 2);
    lp_free(lp);

    lp = lp_numbers(8);
    unsigned char *ps[4] = {lp_seek(lp, 0), lp_seek(lp, 3), lp_seek(lp, 4), lp_seek(lp, 7)};
    lp = lp_batch_delete(lp, ps, 4);
    assert_numbers(lp, (int[]){1, 2, 5, 6}, 4);
    lp = lp_batch_delete(lp, ps, 0);
    assert_numbers(lp, (int[]){1, 2, 5, 6}, 4);
    lp_free(lp);
}

static void test_merge(void **state) {
    (void)state;
    /* bigger first, bigger second, and an empty side */
    for (int shape = 0; shape < 4; shape++) {
        int n1 = shape == 0 ? 7 : shape == 1 ? 2 : shape == 2 ? 0 : 5;
        int n2 = shape == 0 ? 2 : shape == 1 ? 9 : shape == 2 ? 3 : 0;
        unsigned char *a = lp_new(0), *b = lp_new(0);
        int want[20], k = 0;
        for (int i = 0; i < n1; i++) a = lp_append_int(a, i), want[k++] = i;
        for (int i = 0; i < n2; i++) b = lp_append_int(b, 100 + i), want[k++] = 100 + i;
        unsigned char *lp = lp_merge(a, b);
        assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
        assert_int_equal(lp_length(lp), k);
        int i = 0;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++) {
            LpEntry e;
            lp_get(p, &e);
            assert_int_equal(e.lval, want[i]);
        }
        lp_free(lp);
    }
    /* the merged count saturates at 65535 (unknown) */
    unsigned char *a = lp_new(1 << 17), *b = lp_new(1 << 17); /* no reallocs: fast under ASan */
    for (int i = 0; i < 40000; i++) a = lp_append_int(a, i & 127), b = lp_append_int(b, i & 127);
    unsigned char *lp = lp_merge(a, b);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    assert_int_equal(lp_length(lp), 80000);
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    lp_free(lp);
}

/* More than 65534 entries: the header says "unknown" and lp_length walks; once
 * deletions bring it under, the walk writes the count back. */
static void test_unknown_count(void **state) {
    (void)state;
    unsigned char *lp = lp_new(1 << 18); /* no reallocs: fast under ASan */
    for (int i = 0; i < 65534; i++) lp = lp_append_int(lp, i % 100);
    assert_int_equal(lp[4] | lp[5] << 8, 65534);
    lp = lp_append_int(lp, 1);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    for (int i = 0; i < 100; i++) lp = lp_append_int(lp, 5);
    assert_int_equal(lp_length(lp), 65635);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    /* seek without a count: negative indexes walk backwards */
    LpEntry e;
    lp_get(lp_seek(lp, -1), &e);
    assert_int_equal(e.lval, 5);
    lp_get(lp_seek(lp, 65534), &e);
    assert_int_equal(e.lval, 1);
    lp_get(lp_seek(lp, -65635), &e);
    assert_int_equal(e.lval, 0);
    assert_null(lp_seek(lp, 65635));
    assert_null(lp_seek(lp, -65636));
    /* delete range with an unknown count takes the entry-walk path */
    lp = lp_delete_range(lp, -100, 1000);
    lp = lp_delete_range(lp, 0, 10);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    assert_int_equal(lp_length(lp), 65525);
    assert_int_equal(lp[4] | lp[5] << 8, 65525);
    lp_get(lp_first(lp), &e);
    assert_int_equal(e.lval, 10);
    lp_free(lp);
}

static void test_find_compare(void **state) {
    (void)state;
    /* a hash: field, value, field, value... */
    const char *kv[] = {"name", "vesper", "1", "name", "age", "42", "", "empty", "-5", "x", "big",
                        "123456789012"};
    unsigned char *lp = lp_from(kv, 12);
    unsigned char *first = lp_first(lp);
    struct { const char *key; int at; } cases[] = {
        {"name", 0}, {"1", 2}, {"age", 4}, {"", 6}, {"-5", 8}, {"big", 10},
        {"vesper", -1}, {"42", -1}, {"01", -1}, {"-05", -1}, {"nope", -1}, {"123456789012", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char *p = lp_find(lp, first, (const unsigned char *)cases[i].key,
                                   (uint32_t)strlen(cases[i].key), 1);
        if (cases[i].at < 0) assert_null(p);
        else assert_ptr_equal(p, lp_seek(lp, cases[i].at));
    }
    /* skip 0 finds values too; starting later skips earlier matches */
    assert_ptr_equal(lp_find(lp, first, (const unsigned char *)"42", 2, 0), lp_seek(lp, 5));
    assert_ptr_equal(lp_find(lp, lp_seek(lp, 1), (const unsigned char *)"name", 4, 0), lp_seek(lp, 3));
    assert_ptr_equal(lp_find(lp, first, (const unsigned char *)"123456789012", 12, 0), lp_seek(lp, 11));
    /* compare */
    assert_true(lp_compare(lp_seek(lp, 2), (const unsigned char *)"1", 1));
    assert_false(lp_compare(lp_seek(lp, 2), (const unsigned char *)"01", 2));
    assert_false(lp_compare(lp_seek(lp, 2), (const unsigned char *)"name", 4));
    assert_true(lp_compare(lp_seek(lp, 6), (const unsigned char *)"", 0));
    assert_false(lp_compare(lp_seek(lp, 0), (const unsigned char *)"nam", 3));
    assert_false(lp_compare(lp + lp_bytes(lp) - 1, (const unsigned char *)"x", 1));
    lp_free(lp);
}

static void test_random_picks(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < 50; i++) {
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "k%d", i);
        lp = lp_append(lp, (unsigned char *)buf, (uint32_t)n);
        lp = lp_append_int(lp, i * 1000);
    }
    int seen[50] = {0};
    for (int i = 0; i < 2000; i++) {
        LpEntry k, v;
        lp_random_pair(lp, 50, &k, i & 1 ? &v : NULL);
        int id = atoi((const char *)k.sval + 1);
        assert_true(id >= 0 && id < 50);
        if (i & 1) assert_int_equal(v.lval, id * 1000);
        seen[id]++;
    }
    for (int i = 0; i < 50; i++) assert_true(seen[i] > 0);
    LpEntry keys[300], vals[300];
    lp_random_pairs(lp, 300, keys, vals);
    for (int i = 0; i < 300; i++) {
        int id = atoi((const char *)keys[i].sval + 1);
        assert_int_equal(vals[i].lval, id * 1000);
    }
    lp_random_pairs(lp, 5, keys, NULL);
    for (unsigned want = 0; want <= 60; want += 7) {
        unsigned got = lp_random_pairs_unique(lp, want, keys, vals);
        assert_int_equal(got, want > 50 ? 50 : want);
        int mark[50] = {0};
        int last = -1;
        for (unsigned i = 0; i < got; i++) {
            int id = atoi((const char *)keys[i].sval + 1);
            assert_int_equal(mark[id], 0);
            mark[id] = 1;
            assert_true(id > last); /* listpack order */
            last = id;
            assert_int_equal(vals[i].lval, id * 1000);
        }
    }
    for (int i = 0; i < 200; i++) {
        LpEntry e;
        lp_random_entry(lp, &e);
        assert_true(e.sval ? e.sval[0] == 'k' : e.lval % 1000 == 0);
    }
    lp_free(lp);
}

static void test_safe_to_add(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    assert_true(lp_safe_to_add(lp, 100));
    assert_true(lp_safe_to_add(NULL, LP_MAX_SAFE_SIZE));
    assert_false(lp_safe_to_add(NULL, (size_t)LP_MAX_SAFE_SIZE + 1));
    assert_true(lp_safe_to_add(lp, LP_MAX_SAFE_SIZE - 7));
    assert_false(lp_safe_to_add(lp, LP_MAX_SAFE_SIZE - 6));
    assert_false(lp_safe_to_add(lp, SIZE_MAX));
    lp_free(lp);
}

/* ---- validation ---- */

static int validate_copy(const unsigned char *blob, size_t size, int deep) {
    unsigned char *copy = vmalloc(size ? size : 1); /* exact size, so ASan sees overreads */
    memcpy(copy, blob, size);
    int ok = lp_validate_integrity(copy, size, deep, NULL, NULL);
    vfree(copy);
    return ok;
}

static unsigned char *sample_lp(void) {
    const char *vals[] = {"a", "1024", "-1", "hello world", "", "9223372036854775807"};
    unsigned char *lp = lp_from(vals, 6);
    unsigned char big[5000];
    memset(big, 'q', sizeof(big));
    lp = lp_append(lp, big, 200);
    lp = lp_append(lp, big, sizeof(big));
    lp = lp_append_int(lp, -300000);
    return lp;
}

static int cb_calls;
static int count_cb(unsigned char *p, unsigned int head_count, void *cbdata) {
    (void)p;
    cb_calls++;
    assert_int_equal(head_count, 9);
    return cb_calls < *(int *)cbdata;
}

static void test_validate_cases(void **state) {
    (void)state;
    unsigned char *lp = sample_lp();
    size_t n = lp_bytes(lp);
    assert_true(validate_copy(lp, n, 1));
    assert_true(validate_copy(lp, n, 0));
    /* callback sees each entry and can veto */
    int stop_after = 100;
    cb_calls = 0;
    assert_true(lp_validate_integrity(lp, n, 1, count_cb, &stop_after));
    assert_int_equal(cb_calls, 9);
    stop_after = 3;
    cb_calls = 0;
    assert_false(lp_validate_integrity(lp, n, 1, count_cb, &stop_after));
    /* too short, truncated, extended */
    assert_false(validate_copy(lp, 0, 0));
    assert_false(validate_copy(lp, 6, 1));
    for (size_t cut = 1; cut < n; cut += 97) assert_false(validate_copy(lp, n - cut, 1));
    unsigned char *buf = vmalloc(n + 10);
    memcpy(buf, lp, n);
    memset(buf + n, 0xFF, 10);
    assert_false(lp_validate_integrity(buf, n + 1, 1, NULL, NULL));
    /* header total not matching the size */
    memcpy(buf, lp, n);
    buf[0] ^= 1;
    assert_false(validate_copy(buf, n, 0));
    /* a truncated copy whose header is fixed up: entries overrun the end */
    memcpy(buf, lp, n);
    size_t short_n = n - 100;
    buf[0] = (unsigned char)short_n;
    buf[1] = (unsigned char)(short_n >> 8);
    buf[short_n - 1] = 0xFF;
    assert_true(validate_copy(buf, short_n, 0));
    assert_false(validate_copy(buf, short_n, 1));
    /* missing terminator */
    memcpy(buf, lp, n);
    buf[n - 1] = 0xFE;
    assert_false(validate_copy(buf, n, 0));
    /* wrong count (65535 is accepted: unknown) */
    memcpy(buf, lp, n);
    buf[4] = 8;
    assert_false(validate_copy(buf, n, 1));
    assert_true(validate_copy(buf, n, 0));
    buf[4] = 0xFF;
    buf[5] = 0xFF;
    assert_true(validate_copy(buf, n, 1));
    /* bad encodings 0xF5..0xFE on the first entry */
    for (int b = 0xF5; b <= 0xFE; b++) {
        memcpy(buf, lp, n);
        buf[LP_HDR_SIZE] = (unsigned char)b;
        assert_false(validate_copy(buf, n, 1));
    }
    /* a terminator byte in the middle */
    memcpy(buf, lp, n);
    buf[LP_HDR_SIZE] = 0xFF;
    assert_false(validate_copy(buf, n, 1));
    /* bad backlen of the first entry ("a": 81 61 02) */
    memcpy(buf, lp, n);
    buf[LP_HDR_SIZE + 2] = 0x03;
    assert_false(validate_copy(buf, n, 1));
    buf[LP_HDR_SIZE + 2] = 0x82; /* continuation bit set */
    assert_false(validate_copy(buf, n, 1));
    /* a 32-bit string length far past the end */
    unsigned char s32[] = {13, 0, 0, 0, 1, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0xFF};
    assert_false(validate_copy(s32, sizeof(s32), 1));
    /* header cut inside a 32-bit string length */
    unsigned char s32b[] = {10, 0, 0, 0, 1, 0, 0xF0, 0x01, 0x00, 0xFF};
    assert_false(validate_copy(s32b, sizeof(s32b), 1));
    /* 12-bit string header cut */
    unsigned char s12[] = {8, 0, 0, 0, 1, 0, 0xE0, 0xFF};
    assert_false(validate_copy(s12, sizeof(s12), 1));
    /* an integer entry whose payload runs into the terminator */
    unsigned char i64[] = {12, 0, 0, 0, 1, 0, 0xF4, 1, 2, 3, 4, 0xFF};
    assert_false(validate_copy(i64, sizeof(i64), 1));
    /* empty listpack with a non-zero count */
    unsigned char e1[] = {7, 0, 0, 0, 1, 0, 0xFF};
    assert_false(validate_copy(e1, 7, 1));
    vfree(buf);
    lp_free(lp);
}

/* Walks a deep-valid listpack completely, both ways (must not crash). */
static void walk_all(unsigned char *lp) {
    unsigned long n = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t len;
        lp_get_str(p, &len, buf);
        n++;
    }
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p)) n--;
    assert_int_equal(n, 0);
}

/* The entry-by-entry validators and the debug printer. */
static void test_validate_next_and_repr(void **state) {
    (void)state;
    unsigned char *lp = sample_lp();
    size_t n = lp_bytes(lp);
    unsigned char *p = lp_validate_first(lp);
    int entries = 0;
    while (p) {
        assert_true(lp_validate_next(lp, &p, n));
        entries++;
    }
    assert_int_equal(entries, 10); /* 9 entries, then the terminator ends the walk */
    /* a size that cuts the last entry fails at that entry */
    p = lp_validate_first(lp);
    int ok = 1;
    while (p && ok) ok = lp_validate_next(lp, &p, n - 3);
    assert_false(ok);
    p = NULL;
    assert_false(lp_validate_next(lp, &p, n));
    unsigned char *empty = lp_new(0);
    assert_null(lp_validate_first(empty));
    FILE *devnull = fopen("/dev/null", "w");
    lp_repr(devnull, lp);
    lp_repr(devnull, empty);
    fclose(devnull);
    lp_free(empty);
    lp_free(lp);
}

static void test_validate_random_flips(void **state) {
    (void)state;
    unsigned char *lp = sample_lp();
    /* a smaller one too, where flips hit headers more often */
    const char *vals[] = {"a", "200", "-70000", "xyz", "", "4096"};
    unsigned char *small = lp_from(vals, 6);
    unsigned char *srcs[2] = {lp, small};
    int passed = 0;
    for (int round = 0; round < 6000; round++) {
        unsigned char *src = srcs[round & 1];
        size_t n = lp_bytes(src);
        unsigned char *copy = vmalloc(n);
        memcpy(copy, src, n);
        int flips = 1 + (int)(rand_u64() % 3);
        for (int f = 0; f < flips; f++) {
            size_t at = (round & 4) ? (size_t)(rand_u64() % (n < 40 ? n : 40)) : (size_t)(rand_u64() % n);
            copy[at] ^= (unsigned char)(1 + rand_u64() % 255);
        }
        if (lp_validate_integrity(copy, n, 1, NULL, NULL)) {
            walk_all(copy);
            passed++;
        }
        lp_validate_integrity(copy, n, 0, NULL, NULL);
        /* random truncation of the flipped copy */
        size_t cut = (size_t)(rand_u64() % n);
        unsigned char *t = vmalloc(cut ? cut : 1);
        memcpy(t, copy, cut);
        if (lp_validate_integrity(t, cut, 1, NULL, NULL)) walk_all(t);
        vfree(t);
        vfree(copy);
    }
    /* pure garbage of every small size */
    for (int round = 0; round < 4000; round++) {
        size_t n = (size_t)(rand_u64() % 64);
        unsigned char *g = vmalloc(n ? n : 1);
        rand_bytes(g, n);
        if (n >= 4 && (round & 1)) {
            g[0] = (unsigned char)n;
            g[1] = g[2] = g[3] = 0;
            g[n - 1] = 0xFF;
        }
        if (lp_validate_integrity(g, n, 1, NULL, NULL)) walk_all(g);
        vfree(g);
    }
    (void)passed;
    lp_free(lp);
    lp_free(small);
}

/* A shallow-valid but corrupt listpack makes navigation abort, never overread. */
static void test_navigation_aborts_on_corruption(void **state) {
    (void)state;
    /* a 32-bit string claiming 2 GB inside a 13-byte listpack */
    unsigned char bad[] = {13, 0, 0, 0, 1, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0xFF};
    assert_true(lp_validate_integrity(bad, sizeof(bad), 0, NULL, NULL));
    for (int which = 0; which < 4; which++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, 2);
            if (which == 0) lp_first(bad);
            else if (which == 1) lp_last(bad);
            else if (which == 2) lp_seek(bad, 0);
            else lp_visit(bad, bad + LP_HDR_SIZE, 1, 0, visit_collect, &(Visited){.n = 0});
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGABRT);
    }
}

/* lp_visit over every encoding, forward and backward, stopping at the ends and at
 * the requested count. */
static void test_visit(void **state) {
    (void)state;
    const char *vals[] = {"0", "127", "128", "-4096", "4095", "32767", "-8388608", "2147483647",
                          "9223372036854775807", "-9223372036854775808", "", "abc", "007", "-0"};
    int n = (int)(sizeof(vals) / sizeof(vals[0]));
    unsigned char *lp = lp_from(vals, n);
    char big[5000];
    memset(big, 'x', sizeof(big));
    lp = lp_append(lp, (const unsigned char *)big, sizeof(big));
    Visited vs = {.n = 0};
    assert_int_equal(lp_visit(lp, lp_first(lp), 100, 0, visit_collect, &vs), n + 1);
    for (int i = 0; i < n; i++) {
        assert_int_equal(vs.v[i].len, strlen(vals[i]));
        if (vs.v[i].len) assert_memory_equal(vs.v[i].b, vals[i], vs.v[i].len);
    }
    assert_int_equal(vs.v[n].len, sizeof(big));
    visited_free(&vs);
    assert_int_equal(lp_visit(lp, lp_last(lp), 100, 1, visit_collect, &vs), n + 1);
    assert_int_equal(vs.v[0].len, sizeof(big));
    assert_memory_equal(vs.v[n].b, "0", 1);
    visited_free(&vs);
    assert_int_equal(lp_visit(lp, lp_seek(lp, 3), 2, 0, visit_collect, &vs), 2);
    assert_memory_equal(vs.v[0].b, "-4096", 5);
    assert_memory_equal(vs.v[1].b, "4095", 4);
    visited_free(&vs);
    assert_int_equal(lp_visit(lp, lp_first(lp), 0, 0, visit_collect, &vs), 0);
    assert_int_equal(lp_visit(lp, NULL, 5, 0, visit_collect, &vs), 0);
    lp_free(lp);
}

/* ---- randomized run against a model ---- */

typedef struct Model {
    Str *v;
    long n, cap;
} Model;

static void model_insert(Model *m, long at, Str s) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, sizeof(Str) * (size_t)m->cap);
    }
    memmove(m->v + at + 1, m->v + at, sizeof(Str) * (size_t)(m->n - at));
    m->v[at] = s;
    m->n++;
}

static void model_delete(Model *m, long at, long num) {
    for (long i = at; i < at + num; i++) free(m->v[i].b);
    memmove(m->v + at, m->v + at + num, sizeof(Str) * (size_t)(m->n - at - num));
    m->n -= num;
}

/* A value of one of the shapes that matter: integers of each width, canonical
 * and not, short and long strings, empty. */
static Str random_value(void) {
    char buf[64];
    int kind = (int)(rand_u64() % 10);
    if (kind < 4) {
        static const long long mags[] = {100, 5000, 40000, 9000000, 3000000000LL, INT64_MAX};
        long long mag = mags[rand_u64() % 6];
        long long v = (long long)(rand_u64() % (uint64_t)mag);
        if (rand_u64() & 1) v = -v - (mag == INT64_MAX ? 1 : 0);
        return str_new(buf, (uint32_t)snprintf(buf, sizeof(buf), "%lld", v));
    }
    if (kind == 4) {
        static const char *odd[] = {"-0", "01", "+5", " 7", "", "9223372036854775808", "-"};
        return str_c(odd[rand_u64() % 7]);
    }
    uint32_t len = kind == 9 && (rand_u64() % 8) == 0 ? 4000 + (uint32_t)(rand_u64() % 300)
                                                      : (uint32_t)(rand_u64() % 80);
    Str s = {malloc(len + 1), len};
    for (uint32_t i = 0; i < len; i++) s.b[i] = (unsigned char)('a' + rand_u64() % 26);
    return s;
}

static void test_random_against_model(void **state) {
    (void)state;
    printf("  listpack model seed %llu (LP_TEST_SEED to replay)\n", (unsigned long long)test_seed);
    Model m = {0};
    unsigned char *lp = lp_new(0);
    for (int step = 0; step < 12000; step++) {
        int op = (int)(rand_u64() % 12);
        if (m.n > 150 && op < 5) op += 6; /* keep the size bounded */
        Str s = random_value();
        long at = m.n ? (long)(rand_u64() % (uint64_t)m.n) : 0;
        switch (op) {
        case 0: lp = lp_append(lp, s.b, s.len); model_insert(&m, m.n, s); break;
        case 1: lp = lp_prepend(lp, s.b, s.len); model_insert(&m, 0, s); break;
        case 2:
        case 3: {
            if (!m.n) { lp = lp_append(lp, s.b, s.len); model_insert(&m, 0, s); break; }
            int after = op == 3;
            unsigned char *np;
            lp = lp_insert(lp, s.b, s.len, lp_seek(lp, at), after ? LP_AFTER : LP_BEFORE, &np);
            model_insert(&m, at + after, s);
            assert_entry_is(np, s.b, s.len);
            break;
        }
        case 4: {
            long long v = (long long)rand_u64() >> (rand_u64() % 64);
            char buf[32];
            free(s.b);
            s = str_new(buf, (uint32_t)snprintf(buf, sizeof(buf), "%lld", v));
            lp = lp_append_int(lp, v);
            model_insert(&m, m.n, s);
            break;
        }
        case 5: {
            if (!m.n) { free(s.b); break; }
            unsigned char *p = lp_seek(lp, at - (rand_u64() & 1 ? m.n : 0));
            lp = lp_replace(lp, &p, s.b, s.len);
            assert_entry_is(p, s.b, s.len);
            free(m.v[at].b);
            m.v[at] = s;
            break;
        }
        case 6:
        case 7: {
            free(s.b);
            if (!m.n) break;
            unsigned char *np;
            lp = lp_delete(lp, lp_seek(lp, at), &np);
            model_delete(&m, at, 1);
            if (at < m.n) assert_entry_is(np, m.v[at].b, m.v[at].len);
            else assert_null(np);
            break;
        }
        case 8: {
            free(s.b);
            long num = (long)(rand_u64() % 8);
            long idx = (rand_u64() & 1) ? at : at - m.n;
            lp = lp_delete_range(lp, m.n ? idx : 0, (unsigned long)num);
            if (m.n) model_delete(&m, at, num < m.n - at ? num : m.n - at);
            break;
        }
        case 9: {
            free(s.b);
            if (!m.n) break;
            /* delete a few scattered entries in one batch */
            unsigned char *ps[4];
            long idx[4], k = 0;
            for (long i = at; i < m.n && k < 4; i += 1 + (long)(rand_u64() % 3)) idx[k++] = i;
            for (long i = 0; i < k; i++) ps[i] = lp_seek(lp, idx[i]);
            lp = lp_batch_delete(lp, ps, (unsigned long)k);
            for (long i = k - 1; i >= 0; i--) model_delete(&m, idx[i], 1);
            break;
        }
        case 10: {
            /* merge with a small listpack on either side */
            unsigned char *other = lp_new(0);
            int k = (int)(rand_u64() % 4), front = (int)(rand_u64() & 1);
            Str add[4];
            add[0] = s;
            for (int i = 1; i < k; i++) add[i] = random_value();
            for (int i = 0; i < k; i++) other = lp_append(other, add[i].b, add[i].len);
            lp = front ? lp_merge(other, lp) : lp_merge(lp, other);
            for (int i = 0; i < k; i++) model_insert(&m, front ? i : m.n, add[i]);
            if (k == 0) free(s.b);
            break;
        }
        default: {
            /* find: an existing value (first occurrence) or a fresh one */
            Str q = m.n && (rand_u64() & 1) ? m.v[at] : s;
            long want = -1;
            for (long i = 0; i < m.n && want < 0; i++)
                if (m.v[i].len == q.len && (!q.len || !memcmp(m.v[i].b, q.b, q.len))) want = i;
            unsigned char *first = lp_first(lp);
            unsigned char *p = first ? lp_find(lp, first, q.b, q.len, 0) : NULL;
            if (want < 0) assert_null(p);
            else assert_ptr_equal(p, lp_seek(lp, want));
            free(s.b);
            break;
        }
        }
        check_model(lp, m.v, m.n);
    }
    model_delete(&m, 0, m.n);
    free(m.v);
    lp_free(lp);
}

/* lp_pairs_unique: even counts, keys compared by their bytes (an integer equals its
 * decimal string even when the string is stored as a string), values ignored. */
static void test_pairs_unique(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    assert_true(lp_pairs_unique(lp));
    lp = lp_append(lp, (const unsigned char *)"k", 1);
    assert_false(lp_pairs_unique(lp));
    lp_free(lp);

    const char *ok[] = {"a", "x", "b", "x", "12", "a", "012", "b", "", "", "-1", "1"};
    lp = lp_from(ok, 12);
    assert_true(lp_pairs_unique(lp));
    lp_free(lp);
    const char *dup[] = {"a", "1", "b", "2", "a", "3"};
    lp = lp_from(dup, 6);
    assert_false(lp_pairs_unique(lp));
    lp_free(lp);
    const char *dupint[] = {"7", "x", "-7", "y", "7", "z"};
    lp = lp_from(dupint, 6);
    assert_false(lp_pairs_unique(lp));
    lp_free(lp);

    /* "12" stored as a string (a payload Vesper would not write) and 12 */
    unsigned char raw[32];
    size_t n;
    hex_to_bytes("1100000004008231320301010c010201ff", raw, &n);
    assert_true(lp_validate_integrity(raw, n, 1, NULL, NULL));
    lp = lp_new(n);
    memcpy(lp, raw, n);
    assert_false(lp_pairs_unique(lp));
    lp_free(lp);

    /* 1000 distinct random keys, then one repeated */
    lp = lp_new(0);
    for (int i = 0; i < 1000; i++) {
        char k[32];
        int len = snprintf(k, sizeof(k), "%d:%llu", i, (unsigned long long)(rand_u64() % 1000));
        lp = lp_append(lp, (const unsigned char *)k, (uint32_t)len);
        lp = lp_append_int(lp, i % 3);
    }
    assert_true(lp_pairs_unique(lp));
    unsigned char *p = lp_seek(lp, 2 * (long)(rand_u64() % 1000));
    unsigned char buf[LP_INTBUF_SIZE];
    uint32_t len;
    const unsigned char *s = lp_get_str(p, &len, buf);
    char copy[32];
    memcpy(copy, s, len);
    lp = lp_append(lp, (const unsigned char *)copy, len);
    assert_false(lp_pairs_unique(lp));
    lp = lp_append(lp, (const unsigned char *)"v", 1);
    assert_false(lp_pairs_unique(lp));
    lp_free(lp);
}

int main(void) {
    const char *seed = getenv("LP_TEST_SEED");
    if (seed) test_seed = strtoull(seed, NULL, 10);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_canonical_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_navigation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_replace_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_picks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safe_to_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_next_and_repr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_random_flips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_navigation_aborts_on_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pairs_unique, setup, teardown),
    };
    return cmocka_run_group_tests_name("listpack", tests, NULL, NULL);
}
