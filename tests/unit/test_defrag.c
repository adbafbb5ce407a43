/* test_defrag.c - unit tests for active defragmentation's data-structure steps
 * (vmalloc_defrag, sds_defrag, ql_defrag_step, strset/strmap/zsl_defrag_step,
 * ht_scan_defrag): each structure is built with its allocations interleaved with
 * filler allocations of the same sizes, the fillers are freed (half-empty slabs),
 * the structure is walked to the end, interrupted by random edits between steps
 * (a randomized run printing its seed; TEST_SEED replays it), and its content and
 * links are compared with a model. With jemalloc some allocations must have
 * moved; with libc malloc (sanitizer builds) nothing moves and the walks still
 * terminate with the content intact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/sds.h"
#include "base/util.h"
#include "ds/quicklist.h"
#include "ds/strmap.h"
#include "ds/strset.h"
#include "ds/zskiplist.h"
#include "seed.h"

#define N 20000

static int setup(void **state) {
    (void)state;
    uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    hash_set_seed(seed);
    rand_seed(4242);
    return 0;
}

static long long hits(void) {
    long long h, m;
    vmalloc_defrag_counts(&h, &m);
    return h;
}

/* Fillers: allocations made between the structure's, freed afterwards. */
static void *fillers[N * 2];
static int nfillers;
static void filler(size_t size) {
    if (nfillers < N * 2) fillers[nfillers++] = vmalloc(size);
}
static void free_fillers(void) {
    for (int i = 0; i < nfillers; i++) vfree(fillers[i]);
    nfillers = 0;
}

static void member_name(char *buf, size_t len, int i) { snprintf(buf, len, "member:%08d:padding-padding", i); }

static void test_sds_and_alloc(void **state) {
    (void)state;
    Sds s[1000];
    for (int i = 0; i < 1000; i++) {
        s[i] = sds_fromll(i * 7919LL);
        filler(sds_alloc_size(s[i]));
    }
    free_fillers();
    long long before = hits();
    for (int i = 0; i < 1000; i++) {
        Sds n = sds_defrag(s[i]);
        if (n) s[i] = n;
        char want[32];
        snprintf(want, sizeof(want), "%lld", i * 7919LL);
        assert_string_equal(s[i], want);
        assert_int_equal(sds_len(s[i]), strlen(want));
    }
    if (vmalloc_defrag_supported()) assert_true(hits() > before);
    else assert_null(vmalloc_defrag(s[0]));
    for (int i = 0; i < 1000; i++) sds_free(s[i]);
}

static void test_strset_walk(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, test_seed("strset", 1));
    Strset *s = strset_create();
    static char present[N];
    char buf[64];
    for (int i = 0; i < N; i++) {
        member_name(buf, sizeof(buf), i);
        strset_add(s, buf, strlen(buf));
        present[i] = 1;
        filler(strlen(buf) + 1);
    }
    free_fillers();
    long long before = hits();
    Strset *moved = strset_defrag_struct(s);
    if (moved) s = moved;
    unsigned long cursor = 0;
    do {
        cursor = strset_defrag_step(s, cursor);
        int i = (int)(rng_next(&r) % N); /* edits between steps */
        member_name(buf, sizeof(buf), i);
        if (present[i]) strset_remove(s, buf, strlen(buf));
        else strset_add(s, buf, strlen(buf));
        present[i] = !present[i];
    } while (cursor);
    size_t count = 0;
    for (int i = 0; i < N; i++) {
        member_name(buf, sizeof(buf), i);
        assert_int_equal(strset_contains(s, buf, strlen(buf)), present[i]);
        count += present[i];
    }
    assert_int_equal(strset_size(s), count);
    if (vmalloc_defrag_supported()) assert_true(hits() > before);
    strset_free(s);
}

static void test_strmap_walk(void **state) {
    (void)state;
    Strmap *m = strmap_create();
    char f[64], v[64];
    for (int i = 0; i < N; i++) {
        member_name(f, sizeof(f), i);
        snprintf(v, sizeof(v), "value-%d", i);
        strmap_set(m, f, strlen(f), v, strlen(v));
        filler(strlen(f) + strlen(v) + 2);
    }
    free_fillers();
    long long before = hits();
    Strmap *moved = strmap_defrag_struct(m);
    if (moved) m = moved;
    unsigned long cursor = 0;
    do cursor = strmap_defrag_step(m, cursor);
    while (cursor);
    for (int i = 0; i < N; i++) {
        member_name(f, sizeof(f), i);
        const StrmapEntry *e = strmap_find(m, f, strlen(f));
        assert_non_null(e);
        size_t vl;
        const char *val = strmap_entry_value(e, &vl);
        snprintf(v, sizeof(v), "value-%d", i);
        assert_int_equal(vl, strlen(v));
        assert_memory_equal(val, v, vl);
    }
    if (vmalloc_defrag_supported()) assert_true(hits() > before);
    strmap_free(m);
}

static void test_quicklist_walk(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, test_seed("quicklist", 2));
    Quicklist *q = ql_create(5, 0);
    char buf[128];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "element-%d-%s", i, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        ql_push_tail(q, buf, strlen(buf));
        if (i % 5 == 0) {
            filler(32);
            filler(400);
        }
    }
    free_fillers();
    long long before = hits();
    Quicklist *moved = ql_defrag_struct(q);
    if (moved) q = moved;
    long popped_head = 0, popped_tail = 0;
    while (!ql_defrag_step(q, 50)) {
        /* pops between steps remove nodes, the walk's position among them */
        unsigned char *data;
        size_t sz;
        long long lv;
        int where = rng_next(&r) & 1 ? QL_HEAD : QL_TAIL;
        for (int k = 0; k < 7; k++) {
            if (!ql_pop(q, where, &data, &sz, &lv)) break;
            vfree(data);
            if (where == QL_HEAD) popped_head++;
            else popped_tail++;
        }
    }
    assert_int_equal(ql_count(q), N - popped_head - popped_tail);
    QlIter it;
    QlEntry e;
    ql_iter_init(q, &it, QL_FORWARD);
    long i = popped_head;
    while (ql_next(&it, &e)) {
        snprintf(buf, sizeof(buf), "element-%ld-%s", i, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_int_equal(e.sz, strlen(buf));
        assert_memory_equal(e.value, buf, e.sz);
        i++;
    }
    ql_iter_release(&it);
    assert_int_equal(i, N - popped_tail);
    /* backward links agree */
    ql_iter_init(q, &it, QL_BACKWARD);
    long back = 0;
    while (ql_next(&it, &e)) back++;
    ql_iter_release(&it);
    assert_int_equal(back, N - popped_head - popped_tail);
    if (vmalloc_defrag_supported()) assert_true(hits() > before);
    ql_free(q);
}

static void test_zsl_walk(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, test_seed("zskiplist", 3));
    Zsl *z = zsl_create();
    static char present[N];
    char buf[64];
    for (int i = 0; i < N; i++) {
        member_name(buf, sizeof(buf), i);
        zsl_insert(z, (double)(i % 977), buf, strlen(buf));
        present[i] = 1;
        filler(80);
    }
    free_fillers();
    long long before = hits();
    Zsl *moved = zsl_defrag_struct(z);
    if (moved) z = moved;
    unsigned long cursor = 0;
    do {
        cursor = zsl_defrag_step(z, cursor);
        int i = (int)(rng_next(&r) % N);
        member_name(buf, sizeof(buf), i);
        if (present[i]) zsl_delete(z, buf, strlen(buf), NULL);
        else zsl_insert(z, (double)(i % 977), buf, strlen(buf));
        present[i] = !present[i];
    } while (cursor);
    size_t count = 0;
    for (int i = 0; i < N; i++) count += present[i];
    assert_int_equal(zsl_length(z), count);
    /* forward order, ranks, backward links and lookups all agree */
    size_t rank = 0;
    ZslNode *prev = NULL;
    for (ZslNode *x = zsl_first(z); x; x = zsl_next(x)) {
        assert_ptr_equal(zsl_prev(x), prev);
        assert_int_equal(zsl_node_rank(z, x), rank);
        assert_ptr_equal(zsl_node_by_rank(z, rank), x);
        size_t len;
        const char *m = zsl_node_member(x, &len);
        assert_ptr_equal(zsl_find(z, m, len), x);
        if (prev) {
            size_t plen;
            const char *pm = zsl_node_member(prev, &plen);
            double ps = zsl_node_score(prev), s = zsl_node_score(x);
            int c = memcmp(pm, m, plen < len ? plen : len);
            assert_true(ps < s || (ps == s && (c < 0 || (c == 0 && plen < len))));
        }
        prev = x;
        rank++;
    }
    assert_ptr_equal(zsl_last(z), prev);
    assert_int_equal(rank, count);
    if (vmalloc_defrag_supported()) assert_true(hits() > before);
    zsl_free(z);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sds_and_alloc, setup),
        cmocka_unit_test_setup(test_strset_walk, setup),
        cmocka_unit_test_setup(test_strmap_walk, setup),
        cmocka_unit_test_setup(test_quicklist_walk, setup),
        cmocka_unit_test_setup(test_zsl_walk, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
