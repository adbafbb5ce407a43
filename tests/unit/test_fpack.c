/* test_fpack.c - unit tests for ds/fpack (the forward-only pair pack of small
 * hashes): the empty pack, the bytes of each entry encoding and the listpack form
 * made from them (byte for byte the listpack lp_append builds from the same
 * strings, also when written into a caller's buffer, and back again to the same
 * fpack), verbatim copies of non-canonical
 * listpack entries, lookup semantics (integer keys equal to their decimal form
 * only), replace in place and by move, deletes at each position, the safe-size
 * rule against lp_safe_to_add on the listpack form at its boundary, structural
 * validation of damaged packs, key uniqueness, random picks, and a randomized run
 * of thousands of operations against a model (an array of pairs in insertion
 * order), every one checked. The seed is printed; FPACK_TEST_SEED replays one.
 * Every test checks that it leaks no memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ds/fpack.h"
#include "ds/listpack.h"
#include "base/alloc.h"
#include "base/util.h"

static size_t mem_before;
static uint64_t test_seed;

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

static const unsigned char *u(const char *s) { return (const unsigned char *)s; }
static uint32_t ulen(const char *s) { return (uint32_t)strlen(s); }

static unsigned char *fp_set_c(unsigned char *fp, const char *k, const char *v, int *added) {
    return fpack_set(fp, u(k), ulen(k), u(v), ulen(v), added);
}

/* 1 when the entry at p reads as the bytes s[0..len). */
static int entry_is(const unsigned char *p, const unsigned char *s, uint32_t len) {
    unsigned char buf[LP_INTBUF_SIZE];
    uint32_t l;
    const unsigned char *b = lp_get_str(p, &l, buf);
    return l == len && (len == 0 || memcmp(b, s, len) == 0);
}

/* The value of key k as a C string comparison. */
static int value_is(unsigned char *fp, const char *k, const char *v) {
    unsigned char *p = fpack_find(fp, u(k), ulen(k));
    return p && entry_is(fpack_next(fp, p), u(v), ulen(v));
}

/* The listpack lp_append builds from the pairs of fp read back as strings. */
static unsigned char *lp_built_from(unsigned char *fp) {
    unsigned char *lp = lp_new(0);
    for (unsigned char *p = fpack_first(fp); p; p = fpack_next(fp, p)) {
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t l;
        const unsigned char *b = lp_get_str(p, &l, buf);
        lp = lp_append(lp, b, l);
    }
    return lp;
}

/* fp's listpack form: valid, as lp_append would build it, and back to fp's bytes. */
static void check_listpack_form(unsigned char *fp) {
    unsigned char *lp = fpack_to_listpack(fp);
    assert_int_equal(lp_bytes(lp), fpack_listpack_bytes(fp));
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    unsigned char *want = lp_built_from(fp);
    assert_int_equal(lp_bytes(lp), lp_bytes(want));
    assert_memory_equal(lp, want, lp_bytes(want));
    unsigned char *back = fpack_from_listpack(lp);
    assert_int_equal(fpack_bytes(back), fpack_bytes(fp));
    assert_memory_equal(back, fp, fpack_bytes(fp));
    fpack_free(back);
    /* into a caller's buffer: used when it surely fits, else a new allocation */
    static unsigned char buf[2048];
    size_t caps[] = {0, 16, lp_bytes(want), sizeof(buf)};
    for (size_t i = 0; i < sizeof(caps) / sizeof(*caps); i++) {
        unsigned char *in = fpack_to_listpack_in(fp, buf, caps[i]);
        size_t upper = fpack_bytes(fp) + LP_HDR_SIZE + 1 + 10 * (size_t)fpack_pairs(fp);
        assert_true((in == buf) == (upper <= caps[i]));
        assert_int_equal(lp_bytes(in), lp_bytes(want));
        assert_memory_equal(in, want, lp_bytes(want));
        if (in != buf) lp_free(in);
    }
    lp_free(want);
    lp_free(lp);
}

/* ---- tests ---- */

static void test_empty(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    assert_int_equal(fpack_bytes(fp), FPACK_HDR_SIZE);
    assert_int_equal(fpack_pairs(fp), 0);
    assert_null(fpack_first(fp));
    assert_null(fpack_find(fp, u("a"), 1));
    int deleted = 1;
    fp = fpack_delete(fp, u("a"), 1, &deleted);
    assert_int_equal(deleted, 0);
    assert_true(fpack_validate(fp));
    assert_true(fpack_pairs_unique(fp));
    LpEntry k;
    assert_int_equal(fpack_random_pairs_unique(fp, 5, &k, NULL), 0);
    unsigned char *lp = fpack_to_listpack(fp);
    static const unsigned char empty_lp[] = {7, 0, 0, 0, 0, 0, 0xFF};
    assert_int_equal(lp_bytes(lp), 7);
    assert_memory_equal(lp, empty_lp, 7);
    unsigned char *back = fpack_from_listpack(lp);
    assert_int_equal(fpack_bytes(back), FPACK_HDR_SIZE);
    assert_int_equal(fpack_pairs(back), 0);
    fpack_free(back);
    lp_free(lp);
    fpack_free(fp);
}

/* The benchmark's small hash: 10 pairs of a 7- and a 12-byte string fit in 218
 * bytes (the listpack takes 237), so in jemalloc's 224-byte class. */
static void test_small_hash_size(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    int added;
    for (int i = 0; i < 10; i++) {
        char f[32], v[32];
        snprintf(f, sizeof(f), "field:%d", i);
        snprintf(v, sizeof(v), "value:%06d", 123450 + i);
        fp = fp_set_c(fp, f, v, &added);
        assert_int_equal(added, 1);
    }
    assert_int_equal(fpack_bytes(fp), 8 + 10 * (8 + 13));
    assert_int_equal(fpack_listpack_bytes(fp), 237);
    assert_true(vmalloc_size(fp) <= 224);
    /* one pair's bytes: the str6 headers, no backlens */
    unsigned char *p = fpack_first(fp);
    assert_int_equal(p[0], 0x80 | 7);
    assert_memory_equal(p + 1, "field:0", 7);
    assert_int_equal(p[8], 0x80 | 12);
    assert_memory_equal(p + 9, "value:123450", 12);
    check_listpack_form(fp);
    fpack_free(fp);
}

/* Every encoding, as keys and as values: read back, found, and a listpack form
 * equal to lp_append's. */
static void test_encodings(void **state) {
    (void)state;
    static const char *ints[] = {"0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768",
                                 "32768", "8388607", "-8388608", "8388608", "2147483647", "-2147483648",
                                 "2147483648", "9223372036854775807", "-9223372036854775808"};
    static const char *strs[] = {"", "a", "007", "-0", "+1", " 1", "1.5", "9223372036854775808",
                                 "-9223372036854775809", "field"};
    size_t nints = sizeof(ints) / sizeof(*ints), nstrs = sizeof(strs) / sizeof(*strs);
    unsigned char *fp = fpack_new();
    int added;
    for (size_t i = 0; i < nints; i++) {
        fp = fp_set_c(fp, ints[i], strs[i % nstrs], &added);
        assert_int_equal(added, 1);
    }
    for (size_t i = 0; i < nstrs; i++) {
        fp = fp_set_c(fp, strs[i], ints[i], &added);
        assert_int_equal(added, 1);
    }
    /* strings around the str6/str12/str32 boundaries */
    static const uint32_t lens[] = {63, 64, 4095, 4096, 70000};
    char *big = malloc(70000);
    memset(big, 'x', 70000);
    for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
        char k[32];
        snprintf(k, sizeof(k), "len%u", lens[i]);
        fp = fpack_set(fp, u(k), ulen(k), u(big), lens[i], &added);
        assert_int_equal(added, 1);
        big[0] = (char)('a' + i); /* distinct keys of the same lengths */
        fp = fpack_set(fp, u(big), lens[i], u(k), ulen(k), &added);
        assert_int_equal(added, 1);
    }
    assert_true(fpack_validate(fp));
    assert_true(fpack_pairs_unique(fp));
    for (size_t i = 0; i < nints; i++) assert_true(value_is(fp, ints[i], strs[i % nstrs]));
    for (size_t i = 0; i < nstrs; i++) assert_true(value_is(fp, strs[i], ints[i]));
    for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
        big[0] = (char)('a' + i);
        unsigned char *p = fpack_find(fp, u(big), lens[i]);
        assert_non_null(p);
        assert_true(entry_is(p, u(big), lens[i]));
    }
    /* integers are stored as integers */
    unsigned char *p = fpack_find(fp, u("127"), 3);
    LpEntry e;
    fpack_get(p, &e);
    assert_null(e.sval);
    assert_int_equal(e.lval, 127);
    p = fpack_find(fp, u("007"), 3);
    fpack_get(p, &e);
    assert_non_null(e.sval);
    check_listpack_form(fp);
    free(big);
    fpack_free(fp);
}

/* A listpack may carry a canonical integer as a string entry (another writer):
 * the fpack keeps the bytes, a lookup matches them, and the listpack form gives
 * them back unchanged. */
static void test_non_canonical_entries(void **state) {
    (void)state;
    /* [total 15][count 2] 0x82 "12" backlen 3, 0x81 "v" backlen 2, 0xFF */
    static const unsigned char lp[] = {15, 0, 0, 0, 2, 0, 0x82, '1', '2', 3, 0x81, 'v', 2, 0xFF};
    unsigned char blob[sizeof(lp)];
    memcpy(blob, lp, sizeof(lp));
    blob[0] = sizeof(lp);
    assert_true(lp_validate_integrity(blob, sizeof(blob), 1, NULL, NULL));
    unsigned char *fp = fpack_from_listpack(blob);
    assert_true(fpack_validate(fp));
    assert_int_equal(fpack_pairs(fp), 1);
    assert_true(value_is(fp, "12", "v"));
    unsigned char *back = fpack_to_listpack(fp);
    assert_int_equal(lp_bytes(back), sizeof(blob));
    assert_memory_equal(back, blob, sizeof(blob));
    lp_free(back);
    /* the integer 12 appended next to it is the same key to uniqueness checks */
    fp = fpack_append(fp, u("12"), 2, u("w"), 1);
    assert_false(fpack_pairs_unique(fp));
    fpack_free(fp);
}

static void test_find_semantics(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    int added;
    fp = fp_set_c(fp, "7", "seven", &added);
    fp = fp_set_c(fp, "-5", "minus", &added);
    fp = fp_set_c(fp, "", "empty", &added);
    fp = fp_set_c(fp, "x", "", &added);
    assert_true(value_is(fp, "7", "seven"));
    assert_true(value_is(fp, "-5", "minus"));
    assert_true(value_is(fp, "", "empty"));
    assert_true(value_is(fp, "x", ""));
    assert_null(fpack_find(fp, u("07"), 2));
    assert_null(fpack_find(fp, u("+7"), 2));
    assert_null(fpack_find(fp, u("seven"), 5)); /* values are not keys */
    assert_null(fpack_find(fp, u("empty"), 5));
    assert_null(fpack_find(fp, u("-5x"), 3));
    fpack_free(fp);
}

static void test_set_replace_delete(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    int added, deleted;
    fp = fp_set_c(fp, "a", "aaa", &added);
    fp = fp_set_c(fp, "b", "bbb", &added);
    fp = fp_set_c(fp, "c", "ccc", &added);
    size_t bytes = fpack_bytes(fp);
    /* same encoded size: in place */
    unsigned char *before = fp;
    fp = fp_set_c(fp, "b", "BBB", &added);
    assert_int_equal(added, 0);
    assert_ptr_equal(fp, before);
    assert_int_equal(fpack_bytes(fp), bytes);
    /* growing and shrinking values move what follows */
    fp = fp_set_c(fp, "a", "a much longer value than before", &added);
    assert_int_equal(added, 0);
    assert_true(value_is(fp, "b", "BBB") && value_is(fp, "c", "ccc"));
    fp = fp_set_c(fp, "a", "5", &added); /* a one-byte integer now */
    assert_int_equal(fpack_bytes(fp), bytes - 3);
    assert_true(value_is(fp, "a", "5") && value_is(fp, "c", "ccc"));
    assert_int_equal(fpack_pairs(fp), 3);
    /* deletes: middle, last, absent, first */
    fp = fpack_delete(fp, u("b"), 1, &deleted);
    assert_int_equal(deleted, 1);
    fp = fpack_delete(fp, u("c"), 1, &deleted);
    assert_int_equal(deleted, 1);
    fp = fpack_delete(fp, u("zz"), 2, &deleted);
    assert_int_equal(deleted, 0);
    assert_int_equal(fpack_pairs(fp), 1);
    assert_true(value_is(fp, "a", "5"));
    fp = fpack_delete(fp, u("a"), 1, &deleted);
    assert_int_equal(deleted, 1);
    assert_int_equal(fpack_bytes(fp), FPACK_HDR_SIZE);
    assert_null(fpack_first(fp));
    assert_true(fpack_validate(fp));
    fpack_free(fp);
}

/* fpack_safe_to_add gives what lp_safe_to_add gives for the listpack form, at the
 * limit's edge too (where it walks the entries). */
static void test_safe_to_add(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    int added;
    for (int i = 0; i < 50; i++) {
        char k[32];
        snprintf(k, sizeof(k), "k%d", i);
        fp = fp_set_c(fp, k, i % 2 ? "some value" : "1234", &added);
    }
    unsigned char *lp = fpack_to_listpack(fp);
    size_t room = LP_MAX_SAFE_SIZE - lp_bytes(lp);
    size_t adds[] = {0, 1, 100, room - 600, room - 1, room, room + 1, room + 5, LP_MAX_SAFE_SIZE,
                     (size_t)LP_MAX_SAFE_SIZE + 1, SIZE_MAX / 2};
    for (size_t i = 0; i < sizeof(adds) / sizeof(*adds); i++)
        assert_int_equal(fpack_safe_to_add(fp, adds[i]), lp_safe_to_add(lp, adds[i]));
    lp_free(lp);
    fpack_free(fp);
}

static void test_validate(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    int added;
    fp = fp_set_c(fp, "key", "value", &added);
    fp = fp_set_c(fp, "n", "1000", &added); /* an int13 value */
    assert_true(fpack_validate(fp));
    size_t n = fpack_bytes(fp);
    unsigned char *copy = malloc(n + 16);
    uint32_t v;
    /* the pair count */
    memcpy(copy, fp, n);
    v = 3;
    memcpy(copy + 4, &v, 4);
    assert_false(fpack_validate(copy));
    /* a total that cuts the last entry, or one past the entries */
    memcpy(copy, fp, n);
    v = (uint32_t)n - 1;
    memcpy(copy, &v, 4);
    assert_false(fpack_validate(copy));
    memcpy(copy, fp, n);
    copy[n] = 0x01;
    v = (uint32_t)n + 1;
    memcpy(copy, &v, 4);
    assert_false(fpack_validate(copy)); /* an odd number of entries */
    memcpy(copy, &v, 4);
    v = 7;
    memcpy(copy, &v, 4);
    assert_false(fpack_validate(copy)); /* shorter than the header */
    /* bad encoding bytes: unused codes and a listpack terminator */
    static const unsigned char bad[] = {0xF5, 0xFA, 0xFE, 0xFF};
    for (size_t i = 0; i < sizeof(bad); i++) {
        memcpy(copy, fp, n);
        copy[FPACK_HDR_SIZE] = bad[i];
        assert_false(fpack_validate(copy));
    }
    /* a string whose length runs past the end */
    memcpy(copy, fp, n);
    copy[FPACK_HDR_SIZE] = 0x80 | 60;
    assert_false(fpack_validate(copy));
    free(copy);
    fpack_free(fp);
}

static void test_pairs_unique(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    assert_true(fpack_pairs_unique(fp));
    fp = fpack_append(fp, u("a"), 1, u("1"), 1);
    assert_true(fpack_pairs_unique(fp));
    fp = fpack_append(fp, u("b"), 1, u("a"), 1); /* a value equal to a key is fine */
    fp = fpack_append(fp, u("100"), 3, u("x"), 1);
    assert_true(fpack_pairs_unique(fp));
    fp = fpack_append(fp, u("100"), 3, u("y"), 1);
    assert_false(fpack_pairs_unique(fp));
    fpack_free(fp);
}

static void test_random_picks(void **state) {
    (void)state;
    unsigned char *fp = fpack_new();
    int added;
    enum { N = 7 };
    for (int i = 0; i < N; i++) {
        char k[32], v[32];
        snprintf(k, sizeof(k), "k%d", i);
        snprintf(v, sizeof(v), "%d", i * 1000); /* integer values */
        fp = fp_set_c(fp, k, v, &added);
    }
    int seen[N] = {0};
    LpEntry keys[50], vals[50];
    for (int round = 0; round < 200; round++) {
        LpEntry k, v;
        fpack_random_pair(fp, &k, round % 2 ? &v : NULL);
        assert_non_null(k.sval);
        int i = k.sval[1] - '0';
        assert_true(k.slen == 2 && i >= 0 && i < N);
        if (round % 2) assert_true(!v.sval && v.lval == i * 1000);
        seen[i]++;
    }
    for (int i = 0; i < N; i++) assert_true(seen[i] > 0);
    fpack_random_pairs(fp, 50, keys, vals);
    for (int j = 0; j < 50; j++) assert_int_equal(vals[j].lval, (keys[j].sval[1] - '0') * 1000);
    fpack_random_pairs(fp, 50, keys, NULL);
    for (unsigned want = 0; want <= N + 2; want++) {
        unsigned got = fpack_random_pairs_unique(fp, want, keys, vals);
        assert_int_equal(got, want < N ? want : N);
        for (unsigned j = 0; j < got; j++) {
            assert_int_equal(vals[j].lval, (keys[j].sval[1] - '0') * 1000);
            if (j) assert_true(keys[j].sval[1] > keys[j - 1].sval[1]); /* distinct, in pack order */
        }
    }
    fpack_free(fp);
}

/* ---- randomized run against a model ---- */

typedef struct MPair {
    unsigned char *k, *v;
    uint32_t klen, vlen;
} MPair;

typedef struct Model {
    MPair *p;
    size_t n, cap;
} Model;

static unsigned char *mdup(const unsigned char *s, uint32_t len) {
    unsigned char *d = malloc(len ? len : 1);
    if (len) memcpy(d, s, len);
    return d;
}

static long model_find(const Model *m, const unsigned char *k, uint32_t klen) {
    for (size_t i = 0; i < m->n; i++)
        if (m->p[i].klen == klen && (klen == 0 || memcmp(m->p[i].k, k, klen) == 0)) return (long)i;
    return -1;
}

static void model_clear(Model *m) {
    for (size_t i = 0; i < m->n; i++) {
        free(m->p[i].k);
        free(m->p[i].v);
    }
    m->n = 0;
}

/* A key from a small space (so that sets replace and deletes hit): short names,
 * canonical and non-canonical integers, the empty string, and rarely a long one.
 * Canonical integers only in canonical form, so that the model's byte equality is
 * the pack's key equality. */
static uint32_t random_key(unsigned char *buf) {
    static const char *fixed[] = {"", "0", "-1", "127", "128", "4096", "-4097", "9223372036854775807",
                                  "-9223372036854775808", "007", "-0", "+5", "1.0", "field:1", "field:2"};
    uint64_t r = rand_u64() % 100;
    if (r < 40) return (uint32_t)snprintf((char *)buf, 32, "k%u", (unsigned)(rand_u64() % 24));
    if (r < 95) {
        const char *s = fixed[rand_u64() % (sizeof(fixed) / sizeof(*fixed))];
        memcpy(buf, s, strlen(s));
        return ulen(s);
    }
    uint32_t len = r < 98 ? 64 + (uint32_t)(rand_u64() % 100) : 4096 + (uint32_t)(rand_u64() % 50);
    memset(buf, 'L', len);
    buf[0] = (unsigned char)('a' + rand_u64() % 3);
    return len;
}

/* A value of any encoding: integers of each width, short and long strings. */
static uint32_t random_value(unsigned char *buf) {
    uint64_t r = rand_u64() % 100;
    if (r < 40) {
        static const long long scale[] = {100, 5000, 40000, 9000000, 3000000000LL, INT64_MAX};
        long long v = (long long)(rand_u64() % (uint64_t)scale[rand_u64() % 6]);
        if (rand_u64() % 2) v = -v;
        return (uint32_t)snprintf((char *)buf, 32, "%lld", v);
    }
    uint32_t len = r < 90 ? (uint32_t)(rand_u64() % 64) : r < 98 ? (uint32_t)(rand_u64() % 300) : 4096 + (uint32_t)(rand_u64() % 100);
    for (uint32_t i = 0; i < len; i++) buf[i] = (unsigned char)('a' + rand_u64() % 26);
    if (len && rand_u64() % 4 == 0) buf[0] = '0'; /* "0..." strings stay strings */
    return len;
}

/* The pack holds exactly the model's pairs, in its order; every key is found with
 * its value; the header and the listpack size agree. */
static void check_model(unsigned char *fp, const Model *m, int op) {
    if (!fpack_validate(fp)) fail_msg("op %d: pack fails validation", op);
    if (fpack_pairs(fp) != m->n) fail_msg("op %d: %lu pairs, model %zu", op, fpack_pairs(fp), m->n);
    size_t i = 0, lpbytes = LP_HDR_SIZE + 1;
    for (unsigned char *p = fpack_first(fp); p; p = fpack_next(fp, fpack_next(fp, p)), i++) {
        unsigned char *v = fpack_next(fp, p);
        if (i >= m->n || !v || !entry_is(p, m->p[i].k, m->p[i].klen) || !entry_is(v, m->p[i].v, m->p[i].vlen))
            fail_msg("op %d: pair %zu differs", op, i);
        size_t kl = lp_entry_enc_size(p), vl = lp_entry_enc_size(v);
        lpbytes += kl + lp_backlen_bytes(kl) + vl + lp_backlen_bytes(vl);
    }
    if (i != m->n) fail_msg("op %d: iteration gave %zu pairs", op, i);
    if (fpack_listpack_bytes(fp) != lpbytes) fail_msg("op %d: listpack size", op);
    for (i = 0; i < m->n; i++) {
        unsigned char *p = fpack_find(fp, m->p[i].k, m->p[i].klen);
        if (!p || !entry_is(fpack_next(fp, p), m->p[i].v, m->p[i].vlen)) fail_msg("op %d: lookup of pair %zu", op, i);
    }
}

/* The bytes of a picked entry (an integer formatted into buf). */
static const unsigned char *pick_bytes(const LpEntry *e, unsigned char *buf, uint32_t *len) {
    if (e->sval) {
        *len = e->slen;
        return e->sval;
    }
    *len = (uint32_t)ll2string((char *)buf, LP_INTBUF_SIZE, e->lval);
    return buf;
}

/* A random pick is a pair of the model. */
static void pick_in_model(const Model *m, const LpEntry *k, const LpEntry *v, int op) {
    unsigned char kbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
    uint32_t kl, vl;
    const unsigned char *ks = pick_bytes(k, kbuf, &kl), *vs = pick_bytes(v, vbuf, &vl);
    long at = model_find(m, ks, kl);
    if (at < 0 || m->p[at].vlen != vl || (vl && memcmp(m->p[at].v, vs, vl) != 0))
        fail_msg("op %d: a random pick is not a pair", op);
}

static void test_random_against_model(void **state) {
    (void)state;
    printf("  fpack model seed %" PRIu64 " (FPACK_TEST_SEED to replay)\n", test_seed);
    Model m = {malloc(64 * sizeof(MPair)), 0, 64};
    unsigned char *fp = fpack_new();
    unsigned char *kb = malloc(5000), *vb = malloc(5000);
    enum { OPS = 20000 };
    for (int op = 0; op < OPS; op++) {
        uint64_t r = rand_u64() % 100;
        uint32_t klen = random_key(kb);
        long at = model_find(&m, kb, klen);
        if (r < 45) { /* set */
            uint32_t vlen = random_value(vb);
            int added;
            fp = fpack_set(fp, kb, klen, vb, vlen, &added);
            if (added != (at < 0)) fail_msg("op %d: set said added=%d", op, added);
            if (at < 0) {
                if (m.n == m.cap) m.p = realloc(m.p, (m.cap *= 2) * sizeof(MPair));
                m.p[m.n++] = (MPair){mdup(kb, klen), mdup(vb, vlen), klen, vlen};
            } else {
                free(m.p[at].v);
                m.p[at].v = mdup(vb, vlen);
                m.p[at].vlen = vlen;
            }
        } else if (r < 70) { /* delete */
            int deleted;
            fp = fpack_delete(fp, kb, klen, &deleted);
            if (deleted != (at >= 0)) fail_msg("op %d: delete said %d", op, deleted);
            if (at >= 0) {
                free(m.p[at].k);
                free(m.p[at].v);
                memmove(&m.p[at], &m.p[at + 1], (m.n - (size_t)at - 1) * sizeof(MPair));
                m.n--;
            }
        } else if (r < 85) { /* lookup */
            unsigned char *p = fpack_find(fp, kb, klen);
            if ((p != NULL) != (at >= 0)) fail_msg("op %d: find disagrees", op);
            if (p && !entry_is(fpack_next(fp, p), m.p[at].v, m.p[at].vlen)) fail_msg("op %d: found value", op);
        } else if (r < 92) { /* append of an absent key */
            if (at < 0) {
                uint32_t vlen = random_value(vb);
                fp = fpack_append(fp, kb, klen, vb, vlen);
                if (m.n == m.cap) m.p = realloc(m.p, (m.cap *= 2) * sizeof(MPair));
                m.p[m.n++] = (MPair){mdup(kb, klen), mdup(vb, vlen), klen, vlen};
            }
        } else if (r < 96) { /* through the listpack form and back */
            check_listpack_form(fp);
            if (!fpack_pairs_unique(fp)) fail_msg("op %d: duplicate keys", op);
        } else if (r < 99) { /* random picks name model pairs */
            if (m.n) {
                LpEntry keys[8], vals[8];
                fpack_random_pairs(fp, 8, keys, vals);
                for (unsigned j = 0; j < 8; j++) pick_in_model(&m, &keys[j], &vals[j], op);
                unsigned got = fpack_random_pairs_unique(fp, 3, keys, vals);
                if (got != (m.n < 3 ? m.n : 3)) fail_msg("op %d: unique picks %u", op, got);
                for (unsigned j = 0; j < got; j++) pick_in_model(&m, &keys[j], &vals[j], op);
            }
        } else { /* start over */
            fpack_free(fp);
            fp = fpack_new();
            model_clear(&m);
        }
        check_model(fp, &m, op);
    }
    model_clear(&m);
    free(m.p);
    free(kb);
    free(vb);
    fpack_free(fp);
}

int main(void) {
    const char *seed = getenv("FPACK_TEST_SEED");
    test_seed = seed ? strtoull(seed, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_hash_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_canonical_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_semantics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_replace_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safe_to_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pairs_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_picks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
