/* test_rax.c - unit tests for ds/rax: basic insert/find/remove with label splits
 * and merges, every seek operator on a small tree, 128-bit stream-like keys, and a
 * randomized run (thousands of operations) against a sorted-array model, checked
 * after each operation: size, lookups, seeks with every operator followed by a
 * few steps in both directions, and a full walk both ways. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ds/rax.h"
#include "base/alloc.h"
#include "base/util.h"
#include "seed.h"

#define K(s) (const unsigned char *)(s), strlen(s)

static void test_basic(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Rax *r = rax_new();
    void *v = NULL;
    assert_int_equal(rax_find(r, K("a"), &v), 0);
    assert_int_equal(rax_insert(r, K("annibale"), (void *)1, NULL), 1);
    assert_int_equal(rax_insert(r, K("annientare"), (void *)2, NULL), 1);
    assert_int_equal(rax_insert(r, K("anni"), (void *)3, NULL), 1);
    assert_int_equal(rax_insert(r, K(""), (void *)4, NULL), 1);
    assert_int_equal(rax_insert(r, K("anni"), (void *)5, &v), 0);
    assert_ptr_equal(v, (void *)3);
    assert_int_equal(rax_try_insert(r, K("anni"), (void *)6, &v), 0);
    assert_ptr_equal(v, (void *)5);
    assert_int_equal(rax_size(r), 4);
    assert_int_equal(rax_find(r, K("anni"), &v), 1);
    assert_ptr_equal(v, (void *)5);
    assert_int_equal(rax_find(r, K("ann"), &v), 0);
    assert_int_equal(rax_find(r, K("annibalex"), &v), 0);
    assert_int_equal(rax_find(r, K(""), &v), 1);
    assert_ptr_equal(v, (void *)4);
    assert_int_equal(rax_remove(r, K("anni"), &v), 1);
    assert_ptr_equal(v, (void *)5);
    assert_int_equal(rax_remove(r, K("anni"), &v), 0);
    assert_int_equal(rax_remove(r, K("annibale"), NULL), 1);
    assert_int_equal(rax_find(r, K("annientare"), &v), 1);
    assert_ptr_equal(v, (void *)2);
    /* Removing everything merges the tree back to the root alone. */
    assert_int_equal(rax_remove(r, K("annientare"), NULL), 1);
    assert_int_equal(rax_remove(r, K(""), NULL), 1);
    assert_int_equal(rax_size(r), 0);
    assert_int_equal(r->numnodes, 1);
    assert_true(rax_mem_usage(r) > 0);
    rax_free(r);
    assert_int_equal(vmalloc_used(), before);
}

static void test_seek_ops(void **state) {
    (void)state;
    Rax *r = rax_new();
    const char *keys[] = {"alligator", "alien", "baloon", "chromodynamic", "romane", "romanus",
                          "romulus", "rubens", "ruber", "rubicon", "rubicundus", "all", "rub", "ba"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        rax_insert(r, K(keys[i]), (void *)(uintptr_t)(i + 1), NULL);
    RaxIter it;
    rax_start(&it, r);
    assert_int_equal(rax_seek(&it, ">", K("rub")), 1);
    assert_int_equal(rax_next(&it), 1);
    assert_memory_equal(it.key, "rubens", 6);
    assert_int_equal(rax_next(&it), 1);
    assert_memory_equal(it.key, "ruber", 5);
    rax_seek(&it, "<=", K("rub"));
    assert_int_equal(rax_prev(&it), 1);
    assert_int_equal(it.key_len, 3);
    assert_int_equal(rax_prev(&it), 1);
    assert_int_equal(it.key_len, 7);
    assert_memory_equal(it.key, "romulus", 7);
    rax_seek(&it, "<", K("alien"));
    assert_int_equal(rax_prev(&it), 0);
    assert_true(rax_eof(&it));
    rax_seek(&it, "^", NULL, 0);
    assert_int_equal(rax_next(&it), 1);
    assert_memory_equal(it.key, "alien", 5);
    rax_seek(&it, "$", NULL, 0);
    assert_int_equal(rax_prev(&it), 1);
    assert_memory_equal(it.key, "rubicundus", 10);
    assert_int_equal(rax_next(&it), 0);
    rax_seek(&it, "=", K("romanus"));
    assert_int_equal(rax_next(&it), 1);
    assert_true(rax_compare(&it, "==", K("romanus")));
    assert_true(rax_compare(&it, ">", K("roman")));
    assert_true(rax_compare(&it, "<", K("romanusz")));
    assert_int_equal(rax_next(&it), 1);
    assert_memory_equal(it.key, "romulus", 7);
    rax_seek(&it, "=", K("roma"));
    assert_int_equal(rax_next(&it), 0);
    assert_int_equal(rax_seek(&it, "!", K("a")), 0);
    /* The iterator survives changes: removing the next key mid-walk. */
    rax_seek(&it, ">=", K("ru"));
    assert_int_equal(rax_next(&it), 1);
    assert_memory_equal(it.key, "rub", 3);
    rax_remove(r, K("rubens"), NULL);
    assert_int_equal(rax_next(&it), 1);
    assert_memory_equal(it.key, "ruber", 5);
    rax_stop(&it);
    rax_free(r);
}

static void be64(unsigned char *b, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        b[i] = v & 0xff;
        v >>= 8;
    }
}

static void test_stream_ids(void **state) {
    (void)state;
    Rax *r = rax_new();
    unsigned char k[16];
    for (uint64_t i = 0; i < 5000; i++) {
        be64(k, 1700000000000ULL + i / 3);
        be64(k + 8, i % 3);
        assert_int_equal(rax_insert(r, k, 16, (void *)(uintptr_t)(i + 1), NULL), 1);
    }
    RaxIter it;
    rax_start(&it, r);
    rax_seek(&it, "^", NULL, 0);
    uint64_t n = 0;
    while (rax_next(&it)) {
        assert_int_equal((uintptr_t)it.data, n + 1);
        n++;
    }
    assert_int_equal(n, 5000);
    be64(k, 1700000000000ULL + 100);
    be64(k + 8, 5);
    rax_seek(&it, "<=", k, 16);
    assert_int_equal(rax_next(&it), 1);
    assert_int_equal((uintptr_t)it.data, 303);
    rax_stop(&it);
    rax_free(r);
}

/* ---- randomized model ---- */

typedef struct MKey {
    unsigned char b[12];
    size_t len;
    uintptr_t val;
} MKey;

static int mkey_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen) {
    size_t m = alen < blen ? alen : blen;
    int c = memcmp(a, b, m);
    if (c) return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Index of the first model key >= k. */
static size_t model_lb(const MKey *m, size_t n, const unsigned char *k, size_t klen) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (mkey_cmp(m[mid].b, m[mid].len, k, klen) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void rand_key(unsigned char *b, size_t *len) {
    *len = rand_u64() % 8;
    for (size_t i = 0; i < *len; i++) b[i] = "abc\x00\xff"[rand_u64() % 5];
}

static void check_pos(RaxIter *it, const MKey *m, size_t n, long idx) {
    if (idx < 0 || (size_t)idx >= n) {
        assert_true(rax_eof(it));
        return;
    }
    assert_false(rax_eof(it));
    assert_int_equal(it->key_len, m[idx].len);
    assert_memory_equal(it->key, m[idx].b, m[idx].len);
    assert_int_equal((uintptr_t)it->data, m[idx].val);
}

static void test_random_model(void **state) {
    (void)state;
    rand_seed(test_seed("rax model", 1));
    size_t before = vmalloc_used();
    Rax *r = rax_new();
    MKey *m = malloc(sizeof(MKey) * 70000);
    size_t n = 0;
    const char *ops[] = {">", ">=", "<", "<=", "=", "^", "$"};
    for (int step = 0; step < 6000; step++) {
        unsigned char k[12];
        size_t klen;
        rand_key(k, &klen);
        size_t i = model_lb(m, n, k, klen);
        int present = i < n && mkey_cmp(m[i].b, m[i].len, k, klen) == 0;
        int action = (int)(rand_u64() % 3);
        if (action < 2) {
            uintptr_t val = (uintptr_t)step + 1;
            void *old = NULL;
            assert_int_equal(rax_insert(r, k, klen, (void *)val, &old), !present);
            if (present) {
                assert_int_equal((uintptr_t)old, m[i].val);
                m[i].val = val;
            } else {
                memmove(m + i + 1, m + i, (n - i) * sizeof(MKey));
                memcpy(m[i].b, k, klen);
                m[i].len = klen;
                m[i].val = val;
                n++;
            }
        } else {
            void *old = NULL;
            assert_int_equal(rax_remove(r, k, klen, &old), present);
            if (present) {
                assert_int_equal((uintptr_t)old, m[i].val);
                memmove(m + i, m + i + 1, (n - i - 1) * sizeof(MKey));
                n--;
            }
        }
        /* Check after each operation. */
        assert_int_equal(rax_size(r), n);
        for (size_t j = 0; j < n; j++) {
            void *v;
            assert_int_equal(rax_find(r, m[j].b, m[j].len, &v), 1);
            assert_int_equal((uintptr_t)v, m[j].val);
        }
        RaxIter it;
        rax_start(&it, r);
        for (int s = 0; s < 4; s++) {
            const char *op = ops[rand_u64() % 7];
            unsigned char q[12];
            size_t qlen;
            rand_key(q, &qlen);
            size_t lb = model_lb(m, n, q, qlen);
            int eq = lb < n && mkey_cmp(m[lb].b, m[lb].len, q, qlen) == 0;
            long idx;
            if (!strcmp(op, ">")) idx = eq ? (long)lb + 1 : (long)lb;
            else if (!strcmp(op, ">=")) idx = (long)lb;
            else if (!strcmp(op, "<")) idx = (long)lb - 1;
            else if (!strcmp(op, "<=")) idx = eq ? (long)lb : (long)lb - 1;
            else if (!strcmp(op, "=")) idx = eq ? (long)lb : -1;
            else if (!strcmp(op, "^")) idx = 0;
            else idx = (long)n - 1;
            assert_int_equal(rax_seek(&it, op, q, qlen), 1);
            int forward = rand_u64() % 2;
            int got = forward ? rax_next(&it) : rax_prev(&it);
            assert_int_equal(got, idx >= 0 && (size_t)idx < n);
            check_pos(&it, m, n, idx);
            if (!got) continue;
            for (int t = 0; t < 3; t++) {
                idx += forward ? 1 : -1;
                got = forward ? rax_next(&it) : rax_prev(&it);
                assert_int_equal(got, idx >= 0 && (size_t)idx < n);
                check_pos(&it, m, n, idx);
                if (!got) break;
            }
        }
        if (step % 50 == 0) {
            rax_seek(&it, "^", NULL, 0);
            for (size_t j = 0; j < n; j++) {
                assert_int_equal(rax_next(&it), 1);
                check_pos(&it, m, n, (long)j);
            }
            assert_int_equal(rax_next(&it), 0);
            rax_seek(&it, "$", NULL, 0);
            for (long j = (long)n - 1; j >= 0; j--) {
                assert_int_equal(rax_prev(&it), 1);
                check_pos(&it, m, n, j);
            }
            assert_int_equal(rax_prev(&it), 0);
        }
        rax_stop(&it);
    }
    /* Drain everything: the tree shrinks back to its root. */
    while (n) {
        size_t j = rand_u64() % n;
        assert_int_equal(rax_remove(r, m[j].b, m[j].len, NULL), 1);
        memmove(m + j, m + j + 1, (n - j - 1) * sizeof(MKey));
        n--;
    }
    assert_int_equal(r->numnodes, 1);
    rax_free(r);
    free(m);
    assert_int_equal(vmalloc_used(), before);
}

/* Long keys and deep chains (each key extends the previous by one byte). */
static void test_deep(void **state) {
    (void)state;
    Rax *r = rax_new();
    unsigned char k[3000];
    memset(k, 'x', sizeof(k));
    for (size_t i = 1; i <= sizeof(k); i++) rax_insert(r, k, i, (void *)(uintptr_t)i, NULL);
    RaxIter it;
    rax_start(&it, r);
    rax_seek(&it, "$", NULL, 0);
    size_t expect = sizeof(k);
    while (rax_prev(&it)) {
        assert_int_equal(it.key_len, expect);
        expect--;
    }
    assert_int_equal(expect, 0);
    rax_seek(&it, "<", k, 1500);
    assert_int_equal(rax_next(&it), 1);
    assert_int_equal(it.key_len, 1499);
    rax_stop(&it);
    for (size_t i = 1; i <= sizeof(k); i += 2) assert_int_equal(rax_remove(r, k, i, NULL), 1);
    assert_int_equal(rax_size(r), sizeof(k) / 2);
    rax_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),      cmocka_unit_test(test_seek_ops),
        cmocka_unit_test(test_stream_ids), cmocka_unit_test(test_random_model),
        cmocka_unit_test(test_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
