/* test_strset.c - unit tests for ds/strset: the API on empty and small sets, binary
 * and long members (both length-prefix forms), iteration (safe, with removal), SCAN,
 * random and pop (uniform, also during a rehash), shrinking, dup, memory usage, a
 * randomized run against a model, and the memory cost per member of a 1,000,000-member set (printed, and held under 0.7x Redis 7.0's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ds/strset.h"
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
    uint8_t seed[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};
    hash_set_seed(seed);
    rand_seed(99);
    return 0;
}

static int entry_is(const StrsetEntry *e, const void *m, size_t len) {
    size_t l;
    const char *p = strset_entry_bytes(e, &l);
    return l == len && (len == 0 || memcmp(p, m, len) == 0);
}

static void test_basic(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Strset *s = strset_create();
    assert_int_equal(strset_size(s), 0);
    assert_false(strset_contains(s, "a", 1));
    assert_false(strset_remove(s, "a", 1));
    assert_null(strset_random(s));
    assert_null(strset_pop_random(s));
    assert_null(strset_find(s, "a", 1));
    assert_int_equal(strset_scan(s, 0, NULL, NULL), 0);

    assert_true(strset_add(s, "a", 1));
    assert_false(strset_add(s, "a", 1));
    assert_true(strset_add(s, "", 0));          /* the empty member */
    assert_false(strset_add(s, "", 0));
    assert_true(strset_add(s, "a\0b", 3));      /* binary safe */
    assert_true(strset_add(s, "a\0", 2));
    assert_int_equal(strset_size(s), 4);
    assert_true(strset_contains(s, "", 0));
    assert_true(strset_contains(s, "a\0b", 3));
    assert_false(strset_contains(s, "a\0c", 3));
    assert_true(entry_is(strset_find(s, "a\0", 2), "a\0", 2));

    /* both length-prefix forms, around the 255-byte boundary */
    char big[70000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)(i * 31);
    size_t lens[] = {254, 255, 256, 65535, 65536, 70000};
    for (size_t i = 0; i < 6; i++) assert_true(strset_add(s, big, lens[i]));
    for (size_t i = 0; i < 6; i++) {
        assert_true(entry_is(strset_find(s, big, lens[i]), big, lens[i]));
        assert_false(strset_add(s, big, lens[i]));
    }
    assert_int_equal(strset_size(s), 10);
    for (size_t i = 0; i < 6; i++) assert_true(strset_remove(s, big, lens[i]));
    assert_false(strset_contains(s, big, 255));

    assert_true(strset_remove(s, "a", 1));
    assert_false(strset_remove(s, "a", 1));
    assert_int_equal(strset_size(s), 3);
    strset_free(s);
    strset_free(NULL);
    assert_int_equal(vmalloc_used(), before);
}

static Strset *make_set(int n) {
    Strset *s = strset_create();
    char buf[32];
    for (int i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "m%d", i);
        assert_true(strset_add(s, buf, (size_t)len));
    }
    return s;
}

static int member_id(const StrsetEntry *e) {
    size_t len;
    const char *p = strset_entry_bytes(e, &len);
    char buf[32];
    memcpy(buf, p, len);
    buf[len] = '\0';
    return atoi(buf + 1);
}

static void test_iterate_and_pop(void **state) {
    (void)state;
    const int n = 3000;
    Strset *s = make_set(n);
    int *seen = calloc((size_t)n, sizeof(int));
    StrsetIter it;
    strset_iter_init(&it, s, 0);
    const StrsetEntry *e;
    while ((e = strset_iter_next(&it))) seen[member_id(e)]++;
    strset_iter_done(&it);
    for (int i = 0; i < n; i++) assert_int_equal(seen[i], 1);

    /* safe iterator: remove every odd member, the current one included */
    memset(seen, 0, (size_t)n * sizeof(int));
    strset_iter_init(&it, s, 1);
    while ((e = strset_iter_next(&it))) {
        int id = member_id(e);
        seen[id]++;
        if (id % 2) {
            char buf[32];
            int len = snprintf(buf, sizeof(buf), "m%d", id);
            assert_true(strset_remove(s, buf, (size_t)len));
        }
    }
    strset_iter_done(&it);
    for (int i = 0; i < n; i++) assert_int_equal(seen[i], 1);
    assert_int_equal(strset_size(s), (size_t)n / 2);

    /* random and pop */
    for (int i = 0; i < 200; i++) {
        const StrsetEntry *r = strset_random(s);
        assert_int_equal(member_id(r) % 2, 0);
    }
    memset(seen, 0, (size_t)n * sizeof(int));
    size_t left = strset_size(s);
    StrsetEntry *p;
    while ((p = strset_pop_random(s))) {
        int id = member_id(p);
        assert_int_equal(seen[id]++, 0);
        strset_entry_free(p);
        left--;
        assert_int_equal(strset_size(s), left);
    }
    assert_int_equal(left, 0);
    for (int i = 0; i < n; i += 2) assert_int_equal(seen[i], 1);
    free(seen);
    strset_free(s);
}

typedef struct ScanSeen {
    int *seen;
} ScanSeen;

static void scan_cb(void *privdata, const StrsetEntry *e) {
    ScanSeen *ss = privdata;
    ss->seen[member_id(e)]++;
}

static void test_scan_dup_mem(void **state) {
    (void)state;
    const int n = 5000;
    Strset *s = make_set(n);
    int *seen = calloc((size_t)n, sizeof(int));
    ScanSeen ss = {seen};
    unsigned long cur = 0;
    int calls = 0;
    do {
        cur = strset_scan(s, cur, scan_cb, &ss);
        calls++;
    } while (cur);
    assert_true(calls > 1);
    for (int i = 0; i < n; i++) assert_true(seen[i] >= 1);

    size_t before = vmalloc_used();
    Strset *d = strset_dup(s);
    size_t cost = vmalloc_used() - before;
    assert_int_equal(strset_size(d), (size_t)n);
    char buf[32];
    for (int i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "m%d", i);
        assert_true(strset_contains(d, buf, (size_t)len));
    }
    size_t mu = strset_mem_usage(d, 0);
    assert_true(mu + 64 >= cost && mu <= cost + 64);
    size_t mu5 = strset_mem_usage(d, 5);
    assert_true(mu5 > cost / 2 && mu5 < cost * 2);
    strset_free(s);                           /* the copy is independent */
    assert_true(strset_remove(d, "m7", 2));
    assert_int_equal(strset_size(d), (size_t)n - 1);
    strset_free(d);
    free(seen);

    /* expand before a bulk load */
    s = strset_create();
    strset_expand(s, 100000);
    for (int i = 0; i < 1000; i++) {
        int len = snprintf(buf, sizeof(buf), "x%d", i);
        strset_add(s, buf, (size_t)len);
    }
    assert_int_equal(strset_size(s), 1000);
    strset_free(s);
}

/* Random adds and removes of a small pool against a presence array. */
static void test_random_model(void **state) {
    (void)state;
    uint64_t seed = test_seed("strset model", 5);
    Rng r;
    rng_seed(&r, seed);
    rand_seed(seed);
    size_t before = vmalloc_used();
    enum { POOL = 2000 };
    static char present[POOL];
    memset(present, 0, sizeof(present));
    size_t count = 0;
    Strset *s = strset_create();
    char buf[300];
    for (int op = 0; op < 200000; op++) {
        unsigned k = (unsigned)(rng_next(&r) % POOL);
        /* members of varied length, some over 255 bytes */
        size_t len = (size_t)snprintf(buf, 32, "%u:", k);
        size_t pad = (k % 7 == 0) ? 250 + k % 20 : k % 13;
        memset(buf + len, (char)('a' + k % 26), pad);
        len += pad;
        unsigned op_kind = (unsigned)(rng_next(&r) % 10);
        if (op_kind < 5) {
            assert_int_equal(strset_add(s, buf, len), !present[k]);
            if (!present[k]) count++;
            present[k] = 1;
        } else if (op_kind < 9) {
            assert_int_equal(strset_remove(s, buf, len), present[k]);
            if (present[k]) count--;
            present[k] = 0;
        } else {
            assert_int_equal(strset_contains(s, buf, len), present[k]);
        }
        assert_int_equal(strset_size(s), count);
    }
    strset_free(s);
    assert_int_equal(vmalloc_used(), before);
}

/* Chi-square of counts[0..n) against a uniform spread of total picks. */
static double chi_square(const int *counts, int n, int total) {
    double expected = (double)total / n, chi = 0;
    for (int i = 0; i < n; i++) chi += (counts[i] - expected) * (counts[i] - expected) / expected;
    return chi;
}

/* strset_random / strset_pop_random pick every member with the same chance, in a
 * small table (10 members in 4 buckets), a big one, and one being rehashed. */
static void test_random_is_uniform(void **state) {
    (void)state;
    const int sizes[] = {1, 3, 10, 1000};
    /* thresholds: df = n-1, at a probability near 1e-6 */
    const double limits[] = {0.5, 30, 50, 1300};
    for (int k = 0; k < 4; k++) {
        int n = sizes[k], picks = n * 200;
        Strset *s = make_set(n);
        int *counts = calloc((size_t)(unsigned)n, sizeof(int));
        for (int i = 0; i < picks; i++) counts[member_id(strset_random(s))]++;
        double chi = chi_square(counts, n, picks);
        printf("  random over %d members: chi-square %.1f (df %d)\n", n, chi, n - 1);
        assert_true(chi < limits[k]);
        free(counts);
        strset_free(s);
    }
    /* during a rehash: the table grows while the picks run */
    Strset *s = make_set(1000);
    strset_expand(s, 100000);
    int counts[1000] = {0};
    for (int i = 0; i < 200000; i++) counts[member_id(strset_random(s))]++;
    assert_true(chi_square(counts, 1000, 200000) < 1300);
    strset_free(s);
    /* pops: the first pop of a fresh 10-member set, many times */
    int first[10] = {0};
    for (int i = 0; i < 5000; i++) {
        Strset *t = make_set(10);
        StrsetEntry *e = strset_pop_random(t);
        first[member_id(e)]++;
        strset_entry_free(e);
        strset_free(t);
    }
    assert_true(chi_square(first, 10, 5000) < 50);
}

/* strset_shrink gives memory back once most members are gone; the set still works. */
static void test_shrink(void **state) {
    (void)state;
    Strset *s = make_set(20000);
    char buf[32];
    for (int i = 10; i < 20000; i++) {
        int len = snprintf(buf, sizeof(buf), "m%d", i);
        assert_true(strset_remove(s, buf, (size_t)len));
    }
    size_t before = strset_mem_usage(s, 0);
    strset_shrink(s);
    for (int i = 0; i < 5000; i++) strset_random(s);   /* each pick moves the rehash on */
    StrsetIter it;
    strset_iter_init(&it, s, 1);
    int n = 0;
    while (strset_iter_next(&it)) n++;
    strset_iter_done(&it);
    assert_int_equal(n, 10);
    for (int i = 0; i < 10; i++) {
        int len = snprintf(buf, sizeof(buf), "m%d", i);
        assert_true(strset_contains(s, buf, (size_t)len));
    }
    assert_true(strset_mem_usage(s, 0) < before / 4);
    int seen[10] = {0};
    for (int i = 0; i < 2000; i++) seen[member_id(strset_random(s))]++;
    for (int i = 0; i < 10; i++) assert_true(seen[i] > 0);
    strset_free(s);
}

/* Bytes per member for 1,000,000 members "member:<i>", measured with vmalloc_used().
 * Redis 7.0.15 (jemalloc) uses 56.42 bytes per member for the same set (INFO
 * used_memory delta, SADD from redis-py). */
static void test_memory_per_member(void **state) {
    (void)state;
    const size_t n = UNDER_SANITIZER ? 100000 : 1000000;
    const double redis_bytes = 56.42;
    char buf[32];
    long long t0 = monotonic_us();
    size_t before = vmalloc_used();
    Strset *s = strset_create();
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(buf, sizeof(buf), "member:%zu", i);
        strset_add(s, buf, (size_t)len);
    }
    size_t used = vmalloc_used() - before;
    double per = (double)used / (double)n;
    long long t1 = monotonic_us();
    printf("  strset: %zu members: %.2f bytes/member (Redis 7.0: %.2f, ratio %.3f); "
           "strset_mem_usage %.2f bytes/member; add %.0f ns/member\n", n, per, redis_bytes,
           per / redis_bytes, (double)strset_mem_usage(s, 0) / (double)n, (double)(t1 - t0) * 1000 / (double)n);
    if (!UNDER_SANITIZER) assert_true(per <= 0.7 * redis_bytes);
    for (size_t i = 0; i < n; i += 101) {
        int len = snprintf(buf, sizeof(buf), "member:%zu", i);
        assert_true(strset_contains(s, buf, (size_t)len));
    }
    strset_free(s);
    assert_int_equal(vmalloc_used(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_basic, setup),
        cmocka_unit_test_setup(test_iterate_and_pop, setup),
        cmocka_unit_test_setup(test_scan_dup_mem, setup),
        cmocka_unit_test_setup(test_random_model, setup),
        cmocka_unit_test_setup(test_random_is_uniform, setup),
        cmocka_unit_test_setup(test_shrink, setup),
        cmocka_unit_test_setup(test_memory_per_member, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
