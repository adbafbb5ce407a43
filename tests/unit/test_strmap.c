/* test_strmap.c - unit tests for ds/strmap: the API on empty and small maps, value
 * updates across both header forms (short and long fields and values, empty and
 * binary strings), iteration (safe, with removal), SCAN, dup, memory usage, the
 * uniformity of strmap_random (chi-square, with and without overflow chains, while
 * rehashing), a randomized run against a model, and the memory cost per pair of a
 * 1,000,000-field map (printed, and held under 0.7x Redis 7.0's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ds/strmap.h"
#include "base/alloc.h"
#include "base/util.h"
#include "seed.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#else
#define UNDER_SANITIZER 0
#endif

static int setup(void **state) {
    (void)state;
    uint8_t seed[16] = {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5};
    hash_set_seed(seed);
    rand_seed(77);
    return 0;
}

static int bytes_are(const char *p, size_t len, const void *want, size_t wlen) {
    return len == wlen && (len == 0 || memcmp(p, want, len) == 0);
}

/* The value stored for field, compared with want. */
static int value_is(Strmap *m, const void *f, size_t flen, const void *want, size_t wlen) {
    const StrmapEntry *e = strmap_find(m, f, flen);
    if (!e) return 0;
    size_t l;
    const char *p = strmap_entry_field(e, &l);
    if (!bytes_are(p, l, f, flen)) return 0;
    p = strmap_entry_value(e, &l);
    return bytes_are(p, l, want, wlen);
}

static void test_basic(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Strmap *m = strmap_create();
    assert_int_equal(strmap_size(m), 0);
    assert_null(strmap_find(m, "a", 1));
    assert_false(strmap_delete(m, "a", 1));
    assert_null(strmap_random(m));
    assert_int_equal(strmap_scan(m, 0, NULL, NULL), 0);

    assert_int_equal(strmap_set(m, "a", 1, "1", 1), 1);
    assert_int_equal(strmap_set(m, "a", 1, "2", 1), 0);      /* same length: in place */
    assert_true(value_is(m, "a", 1, "2", 1));
    assert_int_equal(strmap_add(m, "a", 1, "3", 1), 0);      /* add keeps the old value */
    assert_true(value_is(m, "a", 1, "2", 1));
    assert_int_equal(strmap_add(m, "b", 1, "", 0), 1);       /* empty value */
    assert_true(value_is(m, "b", 1, "", 0));
    assert_int_equal(strmap_set(m, "", 0, "empty field", 11), 1);
    assert_true(value_is(m, "", 0, "empty field", 11));
    assert_int_equal(strmap_set(m, "a\0b", 3, "x\0y", 3), 1);  /* binary */
    assert_true(value_is(m, "a\0b", 3, "x\0y", 3));
    assert_false(strmap_find(m, "a\0c", 3) != NULL);
    assert_int_equal(strmap_size(m), 4);

    const StrmapEntry *e = strmap_random(m);
    assert_non_null(e);
    assert_true(strmap_entry_mem(e) >= 3);     /* the smallest pair here: "b" -> "" */

    assert_true(strmap_delete(m, "a", 1));
    assert_false(strmap_delete(m, "a", 1));
    assert_null(strmap_find(m, "a", 1));
    assert_int_equal(strmap_size(m), 3);
    strmap_free(m);
    strmap_free(NULL);
    assert_int_equal(vmalloc_used(), before);
}

/* Values that grow and shrink across the short/long header boundary, for short and
 * long fields. */
static void test_value_forms(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Strmap *m = strmap_create();
    static char big[70100], field[300];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof(field); i++) field[i] = (char)('A' + i % 26);
    const size_t flens[] = {0, 1, 10, 254, 255, 300};
    const size_t vlens[] = {0, 5, 255, 256, 5, 70000, 0, 254, 255, 1000, 3};
    for (size_t fi = 0; fi < sizeof(flens) / sizeof(flens[0]); fi++) {
        size_t flen = flens[fi];
        for (size_t vi = 0; vi < sizeof(vlens) / sizeof(vlens[0]); vi++) {
            size_t vlen = vlens[vi];
            assert_int_equal(strmap_set(m, field, flen, big + vi, vlen), vi == 0);
            assert_true(value_is(m, field, flen, big + vi, vlen));
        }
        assert_int_equal(strmap_size(m), fi + 1);
    }
    /* all still readable after the moves */
    for (size_t fi = 0; fi < sizeof(flens) / sizeof(flens[0]); fi++)
        assert_true(value_is(m, field, flens[fi], big + 10, 3));
    for (size_t fi = 0; fi < sizeof(flens) / sizeof(flens[0]); fi++)
        assert_true(strmap_delete(m, field, flens[fi]));
    assert_int_equal(strmap_size(m), 0);
    strmap_free(m);
    assert_int_equal(vmalloc_used(), before);
}

static Strmap *make_map(int n) {
    Strmap *m = strmap_create();
    char f[32], v[32];
    for (int i = 0; i < n; i++) {
        int fl = snprintf(f, sizeof(f), "f%d", i), vl = snprintf(v, sizeof(v), "v%d", i * 7);
        assert_int_equal(strmap_set(m, f, (size_t)fl, v, (size_t)vl), 1);
    }
    return m;
}

/* The index of a pair "f<i>" -> "v<7i>", checking its value; -1 if malformed. */
static int pair_index(const StrmapEntry *e) {
    size_t fl, vl;
    const char *f = strmap_entry_field(e, &fl);
    const char *v = strmap_entry_value(e, &vl);
    char buf[32];
    if (fl < 2 || fl > 20 || f[0] != 'f') return -1;
    memcpy(buf, f + 1, fl - 1);
    buf[fl - 1] = 0;
    int i = atoi(buf);
    int want = snprintf(buf, sizeof(buf), "v%d", i * 7);
    return bytes_are(v, vl, buf, (size_t)want) ? i : -1;
}

static void test_iterate(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    enum { N = 5000 };
    static char seen[N];
    Strmap *m = make_map(N);
    memset(seen, 0, sizeof(seen));
    StrmapIter it;
    const StrmapEntry *e;
    strmap_iter_init(&it, m, 0);
    int n = 0;
    while ((e = strmap_iter_next(&it))) {
        int i = pair_index(e);
        assert_true(i >= 0 && i < N && !seen[i]);
        seen[i] = 1;
        n++;
    }
    strmap_iter_done(&it);
    assert_int_equal(n, N);

    /* a safe iterator deleting every other pair as it goes */
    strmap_iter_init(&it, m, 1);
    n = 0;
    while ((e = strmap_iter_next(&it))) {
        int i = pair_index(e);
        assert_true(i >= 0);
        if (i % 2 == 0) {
            char f[32];
            int fl = snprintf(f, sizeof(f), "f%d", i);
            assert_true(strmap_delete(m, f, (size_t)fl));
        }
        n++;
    }
    strmap_iter_done(&it);
    assert_int_equal(n, N);
    assert_int_equal(strmap_size(m), N / 2);
    strmap_free(m);
    assert_int_equal(vmalloc_used(), before);
}

static void scan_mark(void *privdata, const StrmapEntry *e) {
    char *seen = privdata;
    int i = pair_index(e);
    assert_true(i >= 0);
    seen[i] = 1;
}

static void test_scan_dup_mem(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    enum { N = 3000 };
    static char seen[N];
    Strmap *m = make_map(N);
    memset(seen, 0, sizeof(seen));
    unsigned long cursor = 0;
    int calls = 0;
    do {
        cursor = strmap_scan(m, cursor, scan_mark, seen);
        calls++;
    } while (cursor);
    assert_true(calls > 1);
    for (int i = 0; i < N; i++) assert_true(seen[i]);

    Strmap *d = strmap_dup(m);
    assert_int_equal(strmap_size(d), N);
    for (int i = 0; i < N; i += 7) {
        char f[32], v[32];
        int fl = snprintf(f, sizeof(f), "f%d", i), vl = snprintf(v, sizeof(v), "v%d", i * 7);
        assert_true(value_is(d, f, (size_t)fl, v, (size_t)vl));
    }
    assert_true(strmap_delete(d, "f1", 2));
    assert_non_null(strmap_find(m, "f1", 2));

    size_t all = strmap_mem_usage(m, 0), sampled = strmap_mem_usage(m, 10);
    assert_true(all > (size_t)N * 8);
    assert_true(sampled > all / 2 && sampled < all * 2);
    strmap_free(d);

    /* shrinking after most pairs are removed */
    for (int i = 0; i < N - 10; i++) {
        char f[32];
        int fl = snprintf(f, sizeof(f), "f%d", i);
        assert_true(strmap_delete(m, f, (size_t)fl));
    }
    assert_true(strmap_mem_usage(m, 0) < all / 8);
    strmap_expand(m, 100000);
    strmap_free(m);
    assert_int_equal(vmalloc_used(), before);
}

/* Chi-square statistic of picks over n pairs. */
static double chi_square(Strmap *m, int n, int picks) {
    int *count = calloc((size_t)n, sizeof(int));
    for (int p = 0; p < picks; p++) {
        int i = pair_index(strmap_random(m));
        assert_true(i >= 0 && i < n);
        count[i]++;
    }
    double expected = (double)picks / n, chi = 0;
    for (int i = 0; i < n; i++) chi += (count[i] - expected) * (count[i] - expected) / expected;
    free(count);
    return chi;
}

static void test_random_uniform(void **state) {
    (void)state;
    rand_seed(test_seed("strmap random", 11));
    /* 10 pairs in 4 buckets, as in Redis's HRANDFIELD test (df 9: 40 is p=1e-5) */
    Strmap *m = make_map(10);
    double chi = chi_square(m, 10, 20000);
    printf("  10 pairs: chi-square %.1f\n", chi);
    assert_true(chi < 40);
    strmap_free(m);
    /* 30 pairs: overflow buckets exist (df 29: 70 is p<1e-4) */
    m = make_map(30);
    chi = chi_square(m, 30, 60000);
    printf("  30 pairs: chi-square %.1f\n", chi);
    assert_true(chi < 70);
    strmap_free(m);
    /* 200 pairs while a rehash is in progress after a presize (df 199: 300 is p<1e-5) */
    m = make_map(200);
    strmap_expand(m, 5000);
    chi = chi_square(m, 200, 200000);
    printf("  200 pairs, rehashing: chi-square %.1f\n", chi);
    assert_true(chi < 300);
    strmap_free(m);
}

/* Random sets, adds, deletes and finds over a pool of fields against a model. */
static void test_random_model(void **state) {
    (void)state;
    uint64_t seed = test_seed("strmap model", 5);
    Rng r;
    rng_seed(&r, seed);
    rand_seed(seed);
    size_t before = vmalloc_used();
    enum { POOL = 2000 };
    static int model[POOL];     /* 0: absent, else the value's generation + 1 */
    memset(model, 0, sizeof(model));
    size_t count = 0;
    Strmap *m = strmap_create();
    char f[300], v[600];
    for (int op = 0; op < 200000; op++) {
        unsigned k = (unsigned)(rng_next(&r) % POOL);
        size_t fl = (size_t)snprintf(f, 32, "%u:", k);
        size_t pad = (k % 7 == 0) ? 250 + k % 20 : k % 13;   /* some fields over 254 bytes */
        memset(f + fl, (char)('a' + k % 26), pad);
        fl += pad;
        int gen = (int)(rng_next(&r) % 1000);
        size_t vl = (size_t)snprintf(v, 32, "%d;", gen);
        size_t vpad = (size_t)(gen % 5 == 0 ? 200 + gen % 120 : gen % 9);  /* some values over 255 */
        memset(v + vl, 'v', vpad);
        vl += vpad;
        unsigned kind = (unsigned)(rng_next(&r) % 10);
        if (kind < 4) {
            assert_int_equal(strmap_set(m, f, fl, v, vl), model[k] == 0);
            count += model[k] == 0;
            model[k] = gen + 1;
        } else if (kind < 6) {
            assert_int_equal(strmap_add(m, f, fl, v, vl), model[k] == 0);
            if (!model[k]) count++, model[k] = gen + 1;
        } else if (kind < 9) {
            assert_int_equal(strmap_delete(m, f, fl), model[k] != 0);
            count -= model[k] != 0;
            model[k] = 0;
        } else {
            const StrmapEntry *e = strmap_find(m, f, fl);
            assert_int_equal(e != NULL, model[k] != 0);
            if (e) {
                size_t l;
                const char *p = strmap_entry_value(e, &l);
                assert_int_equal(atoi(p), model[k] - 1);
            }
        }
        assert_int_equal(strmap_size(m), count);
    }
    /* every pair is the model's */
    StrmapIter it;
    const StrmapEntry *e;
    size_t n = 0;
    strmap_iter_init(&it, m, 0);
    while ((e = strmap_iter_next(&it))) {
        size_t fl2, vl2;
        const char *fp = strmap_entry_field(e, &fl2);
        const char *vp = strmap_entry_value(e, &vl2);
        unsigned k = (unsigned)atoi(fp);
        assert_true(k < POOL && model[k] != 0);
        assert_int_equal(atoi(vp), model[k] - 1);
        n++;
    }
    strmap_iter_done(&it);
    assert_int_equal(n, count);
    strmap_free(m);
    assert_int_equal(vmalloc_used(), before);
}

/* Bytes per pair for 1,000,000 fields "field:<i>" with values "value:<i>", measured
 * with vmalloc_used(). Redis 7.0.15 (jemalloc) uses 72.42 bytes per pair for the
 * same hash (INFO used_memory delta after HSETs from redis-py). */
static void test_memory_per_pair(void **state) {
    (void)state;
    const size_t n = UNDER_SANITIZER ? 100000 : 1000000;
    const double redis_bytes = 72.42;
    char f[32], v[32];
    long long t0 = monotonic_us();
    size_t before = vmalloc_used();
    Strmap *m = strmap_create();
    for (size_t i = 0; i < n; i++) {
        int fl = snprintf(f, sizeof(f), "field:%zu", i), vl = snprintf(v, sizeof(v), "value:%zu", i);
        strmap_set(m, f, (size_t)fl, v, (size_t)vl);
    }
    size_t used = vmalloc_used() - before;
    double per = (double)used / (double)n;
    long long t1 = monotonic_us();
    printf("  strmap: %zu pairs: %.2f bytes/pair (Redis 7.0: %.2f, ratio %.3f); "
           "strmap_mem_usage %.2f bytes/pair; set %.0f ns/pair\n", n, per, redis_bytes,
           per / redis_bytes, (double)strmap_mem_usage(m, 0) / (double)n, (double)(t1 - t0) * 1000 / (double)n);
    if (!UNDER_SANITIZER) assert_true(per <= 0.7 * redis_bytes);
    for (size_t i = 0; i < n; i += 101) {
        int fl = snprintf(f, sizeof(f), "field:%zu", i), vl = snprintf(v, sizeof(v), "value:%zu", i);
        assert_true(value_is(m, f, (size_t)fl, v, (size_t)vl));
    }
    strmap_free(m);
    assert_int_equal(vmalloc_used(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_basic, setup),
        cmocka_unit_test_setup(test_value_forms, setup),
        cmocka_unit_test_setup(test_iterate, setup),
        cmocka_unit_test_setup(test_scan_dup_mem, setup),
        cmocka_unit_test_setup(test_random_uniform, setup),
        cmocka_unit_test_setup(test_random_model, setup),
        cmocka_unit_test_setup(test_memory_per_pair, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
