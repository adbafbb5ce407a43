/* test_quicklist.c - unit tests for ds/quicklist: push/pop, the fill rules (entry
 * counts, byte levels, the 8 KB safety limit), plain nodes below a lowered packed
 * threshold, index lookup and iteration both ways, insert (neighbour, new node,
 * split and merge), delete while iterating, replace, delete range, rotate, dup,
 * compare, LZF compression of inner nodes, building from listpacks (RDB), range
 * visits (ql_visit_range, checked against the model after every operation), a
 * million-element list, and a randomized run against a model (an array of
 * strings) over several fill values, compress depths 0..2 and plain thresholds,
 * checking the node invariants after every operation. The seed is printed; set
 * QL_TEST_SEED to replay. Every test checks that it leaks no memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lzf.h>
#include "ds/quicklist.h"
#include "ds/listpack.h"
#include "base/alloc.h"
#include "base/util.h"

static size_t mem_before;
static uint64_t test_seed = 777;

static int setup(void **state) {
    (void)state;
    rand_seed(test_seed);
    ql_set_packed_threshold(0);
    mem_before = vmalloc_used();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ql_set_packed_threshold(0);
    assert_int_equal(vmalloc_used(), mem_before);
    return 0;
}

/* ---- helpers ---- */

typedef struct Str {
    unsigned char *b;
    size_t len;
} Str;

static Str str_new(const void *b, size_t len) {
    Str s = {malloc(len ? len : 1), len};
    if (len) memcpy(s.b, b, len);
    return s;
}

static Str str_c(const char *c) { return str_new(c, strlen(c)); }

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

static void model_free(Model *m) {
    model_delete(m, 0, m->n);
    free(m->v);
    m->v = NULL;
    m->cap = 0;
}

/* An entry's value as bytes (integers formatted). */
static const unsigned char *entry_bytes(const QlEntry *e, unsigned char *buf, size_t *len) {
    if (e->value) {
        *len = e->sz;
        return e->value;
    }
    *len = (size_t)ll2string((char *)buf, 32, e->lval);
    return buf;
}

static void assert_entry(const QlEntry *e, const Str *want) {
    unsigned char buf[32];
    size_t len;
    const unsigned char *b = entry_bytes(e, buf, &len);
    assert_int_equal(len, want->len);
    if (len) assert_memory_equal(b, want->b, len);
    assert_true(ql_compare(e, want->b, want->len));
}

static int cur_depth;
static int trace; /* QL_TRACE=1 prints each random operation */

/* Node invariants: counts add up, no empty node, plain nodes hold one element,
 * packed nodes are valid listpacks of their count, compressed nodes are inner
 * nodes past the depth whose LZF data expands to a valid listpack (or element). */
static void check_nodes(Quicklist *ql) {
    unsigned long len = ql_len(ql), total = 0, i = 0;
    for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n), i++) {
        QlNodeInfo in;
        ql_node_info(n, &in);
        assert_true(in.count > 0);
        total += in.count;
        if (in.plain) assert_int_equal(in.count, 1);
        const unsigned char *raw = in.data;
        unsigned char *tmp = NULL;
        if (in.compressed) {
            assert_true(i >= (unsigned long)cur_depth && i + cur_depth < len);
            assert_true(i > 0 && i + 1 < len);
            assert_true(in.stored_sz + 8 < in.sz);
            tmp = malloc(in.sz);
            assert_int_equal(lzf_decompress(in.data, (unsigned)in.stored_sz, tmp, (unsigned)in.sz), in.sz);
            raw = tmp;
        } else {
            assert_int_equal(in.stored_sz, in.sz);
        }
        if (!in.plain) {
            assert_true(lp_validate_integrity((unsigned char *)raw, in.sz, 1, NULL, NULL));
            assert_int_equal(raw[4] | raw[5] << 8, in.count);
        }
        free(tmp);
    }
    assert_int_equal(i, len);
    assert_int_equal(total, ql_count(ql));
}

/* ql_visit_range's collector: checks each visited value against the model. */
typedef struct VisitCheck {
    const Model *m;
    long next, step;
} VisitCheck;

static void visit_check(void *ctx, const unsigned char *s, size_t len, long long lval) {
    VisitCheck *vc = ctx;
    char buf[32];
    if (!s) {
        len = (size_t)ll2string(buf, sizeof(buf), lval);
        s = (const unsigned char *)buf;
    }
    assert_true(vc->next >= 0 && vc->next < vc->m->n);
    const Str *want = &vc->m->v[vc->next];
    assert_int_equal(len, want->len);
    if (len) assert_memory_equal(s, want->b, len);
    vc->next += vc->step;
}

/* A random range visited both ways, from a positive and a negative index. */
static void check_visit_range(Quicklist *ql, const Model *m) {
    if (m->n == 0) {
        VisitCheck vc = {m, 0, 1};
        assert_int_equal(ql_visit_range(ql, 0, 5, QL_FORWARD, visit_check, &vc), 0);
        return;
    }
    long at = (long)(rand_u64() % (uint64_t)m->n), want = (long)(rand_u64() % 3000);
    for (int back = 0; back < 2; back++) {
        VisitCheck vc = {m, at, back ? -1 : 1};
        long avail = back ? at + 1 : m->n - at, expect = want < avail ? want : avail;
        long long start = (rand_u64() & 1) ? at : at - m->n;
        unsigned long got = ql_visit_range(ql, start, (unsigned long)want, back ? QL_BACKWARD : QL_FORWARD,
                                           visit_check, &vc);
        assert_int_equal(got, expect);
        assert_int_equal(vc.next, at + (back ? -expect : expect));
    }
    VisitCheck vc = {m, 0, 1};
    assert_int_equal(ql_visit_range(ql, m->n, 1, QL_FORWARD, visit_check, &vc), 0);
}

static void check_model(Quicklist *ql, const Model *m) {
    assert_int_equal(ql_count(ql), m->n);
    check_nodes(ql);
    QlIter it;
    QlEntry e;
    long i = 0;
    ql_iter_init(ql, &it, QL_FORWARD);
    while (ql_next(&it, &e)) {
        assert_true(i < m->n);
        assert_entry(&e, &m->v[i++]);
    }
    ql_iter_release(&it);
    assert_int_equal(i, m->n);
    ql_iter_init(ql, &it, QL_BACKWARD);
    while (ql_next(&it, &e)) assert_entry(&e, &m->v[--i]);
    ql_iter_release(&it);
    assert_int_equal(i, 0);
    for (int k = 0; k < 3 && m->n; k++) {
        long idx = (long)(rand_u64() % (uint64_t)m->n);
        assert_true(ql_entry_at(ql, idx, &it, &e));
        assert_entry(&e, &m->v[idx]);
        ql_iter_release(&it);
        assert_true(ql_entry_at(ql, idx - m->n, &it, &e));
        assert_entry(&e, &m->v[idx]);
        ql_iter_release(&it);
    }
    assert_false(ql_entry_at(ql, m->n, &it, &e));
    assert_false(ql_entry_at(ql, -m->n - 1, &it, &e));
    check_visit_range(ql, m);
    if (rand_u64() % 8 == 0) check_nodes(ql); /* the reads above must leave the layout sound */
}

static void push_str(Quicklist *ql, Model *m, const char *s, int tail) {
    Str v = str_c(s);
    if (tail) ql_push_tail(ql, v.b, v.len);
    else ql_push_head(ql, v.b, v.len);
    model_insert(m, tail ? m->n : 0, v);
}

static void push_numbers(Quicklist *ql, Model *m, int n) {
    for (int i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "v%d", i);
        push_str(ql, m, buf, 1);
    }
}

static void node_counts(Quicklist *ql, unsigned *out, int max) {
    int i = 0;
    for (const QlNode *n = ql_first_node(ql); n && i < max; n = ql_next_node(n)) {
        QlNodeInfo in;
        ql_node_info(n, &in);
        out[i++] = in.count;
    }
}

/* ---- tests ---- */

static void test_empty_and_options(void **state) {
    (void)state;
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 0);
    assert_int_equal(ql_count(ql), 0);
    assert_int_equal(ql_len(ql), 0);
    assert_null(ql_first_node(ql));
    unsigned char *d;
    size_t sz;
    long long lv;
    assert_false(ql_pop(ql, QL_HEAD, &d, &sz, &lv));
    assert_false(ql_pop(ql, QL_TAIL, NULL, NULL, NULL));
    QlIter it;
    QlEntry e;
    ql_iter_init(ql, &it, QL_FORWARD);
    assert_false(ql_next(&it, &e));
    ql_iter_release(&it);
    assert_false(ql_iter_at(ql, &it, QL_FORWARD, 0));
    assert_false(ql_entry_at(ql, -1, &it, &e));
    assert_false(ql_del_range(ql, 0, 10));
    assert_false(ql_replace_at_index(ql, 0, "x", 1));
    ql_rotate(ql);
    Quicklist *copy = ql_dup(ql);
    assert_int_equal(ql_count(copy), 0);
    ql_free(copy);
    ql_set_options(ql, 100000, -3);
    assert_int_equal(ql_fill(ql), 32767);
    assert_int_equal(ql_compress_depth(ql), 0);
    ql_set_options(ql, -10, 70000);
    assert_int_equal(ql_fill(ql), -5);
    assert_int_equal(ql_compress_depth(ql), 65535);
    ql_free(ql);
    ql_free(NULL);
    /* packed threshold bounds */
    assert_true(ql_set_packed_threshold(1));
    assert_int_equal(ql_packed_threshold(), 1);
    assert_true(ql_set_packed_threshold((1ull << 32) - (1ull << 20)));
    assert_false(ql_set_packed_threshold((1ull << 32) - (1ull << 20) + 1));
    assert_true(ql_set_packed_threshold(0));
    assert_int_equal(ql_packed_threshold(), 1u << 30);
}

static int saver_calls;
static void *counting_saver(const unsigned char *data, size_t sz) {
    assert_int_equal(sz, 3);
    assert_memory_equal(data, "str", 3);
    saver_calls++;
    return &saver_calls;
}

static void test_push_pop(void **state) {
    (void)state;
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 0);
    assert_int_equal(ql_push_tail(ql, "b", 1), 1); /* first node */
    assert_int_equal(ql_push_head(ql, "a", 1), 0);
    ql_push(ql, "123", 3, QL_TAIL);
    ql_push(ql, "", 0, QL_TAIL);
    ql_push(ql, "-9223372036854775808", 20, QL_HEAD);
    assert_int_equal(ql_count(ql), 5);
    assert_int_equal(ql_len(ql), 1);
    unsigned char *d;
    size_t sz;
    long long lv;
    assert_true(ql_pop(ql, QL_HEAD, &d, &sz, &lv));
    assert_null(d);
    assert_true(lv == INT64_MIN);
    assert_true(ql_pop(ql, QL_TAIL, &d, &sz, &lv));
    assert_non_null(d);
    assert_int_equal(sz, 0);
    vfree(d);
    assert_true(ql_pop(ql, QL_TAIL, &d, &sz, &lv));
    assert_null(d);
    assert_int_equal(lv, 123);
    assert_true(ql_pop(ql, QL_HEAD, &d, &sz, &lv));
    assert_int_equal(sz, 1);
    assert_memory_equal(d, "a", 1);
    vfree(d);
    assert_true(ql_pop(ql, QL_HEAD, NULL, NULL, NULL));
    assert_int_equal(ql_count(ql), 0);
    assert_int_equal(ql_len(ql), 0);
    assert_false(ql_pop(ql, QL_HEAD, &d, &sz, &lv));
    /* a custom saver gets the bytes of string elements only */
    ql_push_tail(ql, "str", 3);
    ql_push_tail(ql, "77", 2);
    void *out;
    saver_calls = 0;
    assert_true(ql_pop_custom(ql, QL_TAIL, &out, &sz, &lv, counting_saver));
    assert_null(out);
    assert_int_equal(lv, 77);
    assert_true(ql_pop_custom(ql, QL_TAIL, &out, &sz, &lv, counting_saver));
    assert_ptr_equal(out, &saver_calls);
    assert_int_equal(sz, 3);
    assert_int_equal(saver_calls, 1);
    ql_free(ql);
}

/* fill > 0: entries per node, and the 8 KB safety limit on top. */
static void test_fill_by_count(void **state) {
    (void)state;
    Quicklist *ql = ql_create(4, 0);
    Model m = {0};
    push_numbers(ql, &m, 10);
    unsigned c[8] = {0};
    assert_int_equal(ql_len(ql), 3);
    node_counts(ql, c, 8);
    assert_int_equal(c[0], 4);
    assert_int_equal(c[1], 4);
    assert_int_equal(c[2], 2);
    check_model(ql, &m);
    ql_free(ql);
    model_free(&m);
    /* fill 1 and fill 0: one element per node */
    for (int fill = 0; fill <= 1; fill++) {
        ql = ql_create(fill, 0);
        push_numbers(ql, &m, 7);
        assert_int_equal(ql_len(ql), 7);
        check_model(ql, &m);
        ql_free(ql);
        model_free(&m);
    }
    /* fill 100 with 1000-byte values: the node stops short of 8 KB */
    ql = ql_create(100, 0);
    char big[1000];
    memset(big, 'z', sizeof(big));
    for (int i = 0; i < 40; i++) ql_push_tail(ql, big, sizeof(big));
    for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
        QlNodeInfo in;
        ql_node_info(n, &in);
        assert_true(in.sz <= 8192);
        assert_true(in.count <= 8);
    }
    assert_int_equal(ql_count(ql), 40);
    ql_free(ql);
}

/* fill < 0: bytes per node, 4 KB .. 64 KB. */
static void test_fill_by_size(void **state) {
    (void)state;
    static const size_t levels[] = {4096, 8192, 16384, 32768, 65536};
    char val[40];
    memset(val, 'q', sizeof(val));
    for (int f = 1; f <= 5; f++) {
        Quicklist *ql = ql_create(-f, 0);
        for (int i = 0; i < 5000; i++) ql_push_tail(ql, val, sizeof(val));
        for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
            QlNodeInfo in;
            ql_node_info(n, &in);
            assert_true(in.sz <= levels[f - 1]);
            /* full: one more entry (estimated at +8) would not have fitted */
            if (ql_next_node(n)) assert_true(in.sz + sizeof(val) + 8 > levels[f - 1]);
        }
        assert_int_equal(ql_count(ql), 5000);
        ql_free(ql);
    }
    /* an element bigger than the level gets a node of its own */
    Quicklist *ql = ql_create(-1, 0);
    static char huge[6000];
    memset(huge, 'h', sizeof(huge));
    ql_push_tail(ql, "a", 1);
    ql_push_tail(ql, huge, sizeof(huge));
    ql_push_tail(ql, "b", 1);
    assert_int_equal(ql_len(ql), 3);
    ql_free(ql);
}

static void test_plain_nodes(void **state) {
    (void)state;
    ql_set_packed_threshold(100);
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 0);
    Model m = {0};
    char big[150], big2[300];
    memset(big, 'P', sizeof(big));
    memset(big2, 'R', sizeof(big2));
    push_str(ql, &m, "a", 1);
    push_str(ql, &m, "b", 1);
    assert_int_equal(ql_push_tail(ql, big, sizeof(big)), 1);
    model_insert(&m, m.n, str_new(big, sizeof(big)));
    assert_int_equal(ql_push_head(ql, big, sizeof(big)), 1);
    model_insert(&m, 0, str_new(big, sizeof(big)));
    push_str(ql, &m, "c", 1);
    assert_int_equal(ql_len(ql), 4); /* P [a b] P [c] */
    check_model(ql, &m);
    const QlNode *n = ql_first_node(ql);
    QlNodeInfo in;
    ql_node_info(n, &in);
    assert_true(in.plain);
    assert_int_equal(in.sz, sizeof(big));
    /* replace: plain by large, plain by small, packed by large */
    assert_true(ql_replace_at_index(ql, 0, big2, sizeof(big2)));
    free(m.v[0].b);
    m.v[0] = str_new(big2, sizeof(big2));
    check_model(ql, &m);
    assert_true(ql_replace_at_index(ql, 3, "small", 5));
    free(m.v[3].b);
    m.v[3] = str_c("small");
    check_model(ql, &m);
    assert_true(ql_replace_at_index(ql, 1, big, sizeof(big)));
    free(m.v[1].b);
    m.v[1] = str_new(big, sizeof(big));
    check_model(ql, &m);
    /* a large insert in the middle of a packed node splits it */
    for (int i = 0; i < 6; i++) push_str(ql, &m, "x", 1);
    QlIter it;
    QlEntry e;
    long at = m.n - 3;
    assert_true(ql_entry_at(ql, at, &it, &e));
    unsigned long nodes = ql_len(ql);
    ql_insert_after(&it, &e, big2, sizeof(big2));
    ql_iter_release(&it);
    model_insert(&m, at + 1, str_new(big2, sizeof(big2)));
    assert_int_equal(ql_len(ql), nodes + 2);
    check_model(ql, &m);
    /* pops of plain elements */
    unsigned char *d;
    size_t sz;
    long long lv;
    assert_true(ql_pop(ql, QL_HEAD, &d, &sz, &lv));
    assert_int_equal(sz, sizeof(big2));
    vfree(d);
    model_delete(&m, 0, 1);
    check_model(ql, &m);
    /* rotate with a plain tail */
    ql_push_tail(ql, big, sizeof(big));
    model_insert(&m, m.n, str_new(big, sizeof(big)));
    ql_rotate(ql);
    Str last = m.v[m.n - 1];
    m.n--;
    model_insert(&m, 0, last);
    check_model(ql, &m);
    ql_free(ql);
    model_free(&m);
}

static void test_index_and_iterators(void **state) {
    (void)state;
    int fills[] = {4, -2, 1};
    for (int f = 0; f < 3; f++) {
        Quicklist *ql = ql_create(fills[f], 0);
        Model m = {0};
        push_numbers(ql, &m, 500);
        for (long i = 0; i < 500; i += 7) {
            QlIter it;
            QlEntry e;
            assert_true(ql_entry_at(ql, i, &it, &e));
            assert_entry(&e, &m.v[i]);
            ql_iter_release(&it);
            /* iterate on from i both ways */
            assert_true(ql_iter_at(ql, &it, QL_FORWARD, i));
            for (long k = i; k < 500 && k < i + 20; k++) {
                assert_true(ql_next(&it, &e));
                assert_entry(&e, &m.v[k]);
            }
            ql_iter_release(&it);
            assert_true(ql_iter_at(ql, &it, QL_BACKWARD, i - 500));
            for (long k = i; k >= 0 && k > i - 20; k--) {
                assert_true(ql_next(&it, &e));
                assert_entry(&e, &m.v[k]);
            }
            ql_iter_release(&it);
        }
        /* an iterator may change direction */
        QlIter it;
        QlEntry e;
        assert_true(ql_iter_at(ql, &it, QL_FORWARD, 10));
        assert_true(ql_next(&it, &e));
        ql_iter_set_direction(&it, QL_BACKWARD);
        assert_true(ql_next(&it, &e));
        assert_entry(&e, &m.v[9]);
        ql_iter_release(&it);
        assert_false(ql_iter_at(ql, &it, QL_FORWARD, 500));
        assert_false(ql_iter_at(ql, &it, QL_FORWARD, -501));
        assert_false(ql_iter_at(ql, &it, QL_FORWARD, INT64_MIN));
        ql_free(ql);
        model_free(&m);
    }
}

/* Insert before/after at node heads and tails and in the middle of full nodes. */
static void test_insert(void **state) {
    (void)state;
    Quicklist *ql = ql_create(4, 0);
    Model m = {0};
    push_numbers(ql, &m, 12); /* [4][4][4] */
    struct { long idx; int after; } cases[] = {
        {3, 1},  /* full, at tail: next node full too: new node */
        {4, 0},  /* at head of a full node */
        {1, 1},  /* middle of a full node: split */
        {-1, 1}, /* after the last element */
        {0, 0},  /* before the first */
        {6, 0}, {7, 1}, {-5, 0}, {-6, 1}, {2, 1},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        QlIter it;
        QlEntry e;
        long idx = cases[c].idx;
        assert_true(ql_entry_at(ql, idx, &it, &e));
        char buf[16];
        snprintf(buf, sizeof(buf), "ins%zu", c);
        if (cases[c].after) ql_insert_after(&it, &e, buf, strlen(buf));
        else ql_insert_before(&it, &e, buf, strlen(buf));
        assert_null(it.node); /* inserting resets the iterator */
        ql_iter_release(&it);
        long at = (idx < 0 ? idx + m.n : idx) + cases[c].after;
        model_insert(&m, at, str_c(buf));
        check_model(ql, &m);
        for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
            QlNodeInfo in;
            ql_node_info(n, &in);
            assert_true(in.count <= 4);
        }
    }
    ql_free(ql);
    model_free(&m);
    /* many middle inserts: splits are merged back, so nodes stay reasonably full */
    ql = ql_create(8, 0);
    push_numbers(ql, &m, 64);
    for (int i = 0; i < 400; i++) {
        long idx = (long)(rand_u64() % (uint64_t)m.n);
        QlIter it;
        QlEntry e;
        assert_true(ql_entry_at(ql, idx, &it, &e));
        ql_insert_before(&it, &e, "m", 1);
        ql_iter_release(&it);
        model_insert(&m, idx, str_c("m"));
    }
    check_model(ql, &m);
    assert_true(ql_len(ql) * 8 < (unsigned long)m.n * 3); /* average fill above 3/8 */
    ql_free(ql);
    model_free(&m);
    /* insert into an empty list through an iterator that found nothing */
    ql = ql_create(4, 0);
    QlIter it;
    QlEntry e;
    ql_iter_init(ql, &it, QL_FORWARD);
    assert_false(ql_next(&it, &e));
    ql_insert_after(&it, &e, "only", 4);
    ql_iter_release(&it);
    model_insert(&m, 0, str_c("only"));
    push_str(ql, &m, "tail", 1);
    check_model(ql, &m);
    ql_free(ql);
    model_free(&m);
}

static void test_delete_while_iterating(void **state) {
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        Quicklist *ql = ql_create(3, dir); /* compressed too when dir is 1 */
        cur_depth = dir;
        Model m = {0};
        for (int i = 0; i < 60; i++) push_str(ql, &m, i % 3 == 0 ? "del" : i % 2 ? "odd" : "even", 1);
        QlIter it;
        QlEntry e;
        ql_iter_init(ql, &it, dir ? QL_BACKWARD : QL_FORWARD);
        long seen = 0;
        while (ql_next(&it, &e)) {
            seen++;
            if (ql_compare(&e, (const unsigned char *)"del", 3)) ql_del_entry(&it, &e);
        }
        ql_iter_release(&it);
        assert_int_equal(seen, 60);
        for (long i = m.n - 1; i >= 0; i--)
            if (m.v[i].len == 3 && !memcmp(m.v[i].b, "del", 3)) model_delete(&m, i, 1);
        check_model(ql, &m);
        /* delete everything while iterating: nodes vanish under the iterator */
        ql_iter_init(ql, &it, dir ? QL_BACKWARD : QL_FORWARD);
        while (ql_next(&it, &e)) ql_del_entry(&it, &e);
        ql_iter_release(&it);
        assert_int_equal(ql_count(ql), 0);
        assert_int_equal(ql_len(ql), 0);
        model_free(&m);
        ql_free(ql);
    }
    cur_depth = 0;
}

static void test_replace(void **state) {
    (void)state;
    Quicklist *ql = ql_create(4, 1);
    cur_depth = 1;
    Model m = {0};
    push_numbers(ql, &m, 30);
    char big[5000];
    memset(big, 'r', sizeof(big));
    for (long i = 0; i < 30; i++) {
        long idx = i % 2 ? i : i - 30;
        const char *v = i % 5 == 0 ? "12345" : i % 5 == 1 ? "" : i % 5 == 2 ? "longer value here" : "x";
        Str s = i % 7 == 3 ? str_new(big, sizeof(big)) : str_c(v);
        assert_true(ql_replace_at_index(ql, idx, s.b, s.len));
        free(m.v[i].b);
        m.v[i] = s;
        check_model(ql, &m);
    }
    assert_false(ql_replace_at_index(ql, 30, "x", 1));
    assert_false(ql_replace_at_index(ql, -31, "x", 1));
    /* replace through an iterator */
    QlIter it;
    QlEntry e;
    ql_iter_init(ql, &it, QL_FORWARD);
    assert_true(ql_next(&it, &e));
    assert_true(ql_next(&it, &e));
    ql_replace_entry(&it, &e, "via-iter", 8);
    ql_iter_release(&it);
    free(m.v[1].b);
    m.v[1] = str_c("via-iter");
    check_model(ql, &m);
    ql_free(ql);
    model_free(&m);
    cur_depth = 0;
}

static void test_del_range(void **state) {
    (void)state;
    struct { long start, count; } cases[] = {
        {0, 1}, {0, 5}, {3, 4}, {-1, 1}, {-3, 10}, {-20, 2}, {10, 0}, {5, -1}, {100, 3}, {-100, 3},
        {2, 1000}, {0, 1000},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        Quicklist *ql = ql_create(3, 0);
        Model m = {0};
        push_numbers(ql, &m, 25);
        long start = cases[c].start, count = cases[c].count;
        int ret = ql_del_range(ql, start, count);
        long s = start < 0 ? start + m.n : start;
        if (count <= 0 || s < 0 || s >= m.n) {
            assert_int_equal(ret, 0);
        } else {
            assert_int_equal(ret, 1);
            long num = count < m.n - s ? count : m.n - s;
            model_delete(&m, s, num);
        }
        check_model(ql, &m);
        ql_free(ql);
        model_free(&m);
    }
}

static void test_rotate(void **state) {
    (void)state;
    for (int fill = -2; fill <= 2; fill += 4) {
        Quicklist *ql = ql_create(fill, 0);
        Model m = {0};
        push_str(ql, &m, "only", 1);
        ql_rotate(ql); /* one element: nothing */
        check_model(ql, &m);
        push_str(ql, &m, "42", 1);
        push_str(ql, &m, "abc", 1);
        push_str(ql, &m, "-7", 1);
        for (int r = 0; r < 9; r++) {
            ql_rotate(ql);
            Str last = m.v[m.n - 1];
            m.n--;
            model_insert(&m, 0, last);
            check_model(ql, &m);
        }
        ql_free(ql);
        model_free(&m);
    }
}

static void test_dup_and_compare(void **state) {
    (void)state;
    Quicklist *ql = ql_create(4, 1);
    cur_depth = 1;
    Model m = {0};
    for (int i = 0; i < 200; i++) {
        char buf[80];
        snprintf(buf, sizeof(buf), "%s-%d", "a fairly compressible value value value value", i % 10);
        push_str(ql, &m, i % 4 ? buf : "1000", 1);
    }
    Quicklist *copy = ql_dup(ql);
    check_model(copy, &m);
    int compressed = 0;
    for (const QlNode *n = ql_first_node(copy); n; n = ql_next_node(n)) {
        QlNodeInfo in;
        ql_node_info(n, &in);
        compressed += in.compressed;
    }
    assert_true(compressed > 0);
    /* changing the copy leaves the original alone */
    ql_del_range(copy, 0, 100);
    ql_push_head(copy, "new", 3);
    check_model(ql, &m);
    /* compare: integers match their decimal form only */
    QlIter it;
    QlEntry e;
    assert_true(ql_entry_at(ql, 0, &it, &e));
    assert_null(e.value);
    assert_true(ql_compare(&e, (const unsigned char *)"1000", 4));
    assert_false(ql_compare(&e, (const unsigned char *)"01000", 5));
    assert_false(ql_compare(&e, (const unsigned char *)"1000 ", 5));
    ql_iter_release(&it);
    assert_true(ql_entry_at(ql, 1, &it, &e));
    assert_false(ql_compare(&e, (const unsigned char *)"1000", 4));
    ql_iter_release(&it);
    ql_free(copy);
    ql_free(ql);
    model_free(&m);
    cur_depth = 0;
}

static void test_compression(void **state) {
    (void)state;
    for (int depth = 1; depth <= 3; depth++) {
        cur_depth = depth;
        Quicklist *ql = ql_create(-1, depth);
        Model m = {0};
        for (int i = 0; i < 3000; i++) {
            char buf[64];
            snprintf(buf, sizeof(buf), "compressible-compressible-compressible-%d", i % 100);
            push_str(ql, &m, buf, i & 1);
        }
        unsigned long len = ql_len(ql), i = 0, compressed = 0;
        assert_true(len > 2 * (unsigned long)depth);
        for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n), i++) {
            QlNodeInfo in;
            ql_node_info(n, &in);
            int inner = i >= (unsigned long)depth && i + depth < len;
            assert_int_equal(in.compressed, inner);
            compressed += in.compressed;
        }
        assert_int_equal(compressed, len - 2 * depth);
        size_t mem = ql_mem_usage(ql, 0);
        FILE *devnull = fopen("/dev/null", "w");
        ql_repr(devnull, ql, 1); /* expands and recompresses each node */
        fclose(devnull);
        assert_int_equal(ql_mem_usage(ql, 0), mem);
        check_model(ql, &m); /* walks decompress and recompress */
        assert_int_equal(ql_mem_usage(ql, 0), mem);
        /* pops down to fewer than 2 * depth nodes leave nothing compressed */
        while (ql_len(ql) >= 2 * (unsigned long)depth) {
            unsigned char *d;
            size_t sz;
            long long lv;
            assert_true(ql_pop(ql, (ql_count(ql) & 1) ? QL_HEAD : QL_TAIL, &d, &sz, &lv));
            vfree(d);
        }
        for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
            QlNodeInfo in;
            ql_node_info(n, &in);
            assert_false(in.compressed);
        }
        ql_free(ql);
        model_free(&m);
    }
    /* incompressible data stays raw; small nodes are not compressed */
    cur_depth = 1;
    Quicklist *ql = ql_create(2, 1);
    unsigned char noise[200];
    for (int i = 0; i < 20; i++) {
        rand_bytes(noise, sizeof(noise));
        ql_push_tail(ql, noise, sizeof(noise));
    }
    ql_push_tail(ql, "s", 1);
    for (int i = 0; i < 6; i++) ql_push_tail(ql, "t", 1);
    for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
        QlNodeInfo in;
        ql_node_info(n, &in);
        assert_false(in.compressed);
    }
    check_nodes(ql);
    ql_free(ql);
    cur_depth = 0;
}

/* RDB loading: listpacks and plain buffers become nodes as they are. */
static void test_append_listpack_and_plain(void **state) {
    (void)state;
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 1);
    cur_depth = 1;
    Model m = {0};
    for (int k = 0; k < 5; k++) {
        unsigned char *lp = lp_new(0);
        for (int i = 0; i < 3 + k; i++) {
            char buf[64];
            int n = snprintf(buf, sizeof(buf), "node%d-item%d-padding-padding-padding", k, i);
            lp = lp_append(lp, (unsigned char *)buf, (uint32_t)n);
            model_insert(&m, m.n, str_new(buf, (size_t)n));
        }
        assert_true(ql_append_listpack(ql, lp));
    }
    unsigned char *data = vmalloc(10);
    memcpy(data, "plainbytes", 10);
    ql_append_plain_node(ql, data, 10);
    model_insert(&m, m.n, str_c("plainbytes"));
    assert_true(ql_append_listpack(ql, lp_new(0))); /* empty: skipped */
    assert_int_equal(ql_len(ql), 6);
    check_model(ql, &m);
    /* more than 65535 entries: refused, the caller keeps the listpack */
    unsigned char *lp = lp_new(1 << 18);
    for (int i = 0; i < 70000; i++) lp = lp_append_int(lp, 1);
    assert_false(ql_append_listpack(ql, lp));
    lp_free(lp);
    check_model(ql, &m);
    ql_free(ql);
    model_free(&m);
    cur_depth = 0;
}

static void test_node_info_and_memory(void **state) {
    (void)state;
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 0);
    for (int i = 0; i < 10000; i++) ql_push_tail(ql, "element", 7);
    size_t exact = ql_mem_usage(ql, 0), sampled = ql_mem_usage(ql, 2);
    assert_true(exact > 10000 * 8);
    assert_true(sampled > exact / 2 && sampled < exact * 2);
    unsigned long nodes = 0, total = 0;
    for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
        QlNodeInfo in;
        ql_node_info(n, &in);
        assert_false(in.plain);
        assert_false(in.compressed);
        assert_true(in.sz <= 8192);
        assert_int_equal(in.sz, lp_bytes(in.data));
        total += in.count;
        nodes++;
    }
    assert_int_equal(nodes, ql_len(ql));
    assert_int_equal(total, 10000);
    FILE *devnull = fopen("/dev/null", "w");
    ql_repr(devnull, ql, 1);
    fclose(devnull);
    ql_free(ql);
}

static void test_million(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 0);
    for (int i = 0; i < 1000000; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "item:%d", i);
        if (i & 1) ql_push_tail(ql, buf, (size_t)n);
        else ql_push_head(ql, buf, (size_t)n);
    }
    assert_int_equal(ql_count(ql), 1000000);
    size_t per = (vmalloc_used() - before) / 1000000;
    assert_true(per <= 16); /* ~13 bytes of listpack per element, nodes are noise */
    assert_true(ql_len(ql) < 2000);
    QlIter it;
    QlEntry e;
    assert_true(ql_entry_at(ql, 500000, &it, &e));
    ql_iter_release(&it);
    assert_true(ql_del_range(ql, 1000, 998000));
    assert_int_equal(ql_count(ql), 2000);
    long n = 0;
    while (ql_pop(ql, QL_TAIL, NULL, NULL, NULL)) n++;
    assert_int_equal(n, 2000);
    ql_free(ql);
}

/* ---- randomized run against a model ---- */

static Str random_value(void) {
    char buf[64];
    uint64_t r = rand_u64() % 20;
    if (r < 6) {
        long long v = (long long)(rand_u64() % 200000) - 100000;
        if (r == 0) v = (long long)rand_u64();
        return str_new(buf, (size_t)snprintf(buf, sizeof(buf), "%lld", v));
    }
    if (r == 6) return str_c("");
    size_t len = r < 16 ? 1 + rand_u64() % 12 : r < 19 ? 20 + rand_u64() % 60 : 100 + rand_u64() % 400;
    Str s = {malloc(len), len};
    int compressible = rand_u64() & 1;
    for (size_t i = 0; i < len; i++)
        s.b[i] = (unsigned char)(compressible ? 'a' + (i % 3) : 'a' + rand_u64() % 26);
    return s;
}

static long rand_index(long n) { return (long)(rand_u64() % (uint64_t)n); }

static void op_insert(Quicklist *ql, Model *m) {
    Str s = random_value();
    if (m->n == 0) {
        ql_push_tail(ql, s.b, s.len);
        model_insert(m, 0, s);
        return;
    }
    long at = rand_index(m->n);
    int after = rand_u64() & 1, neg = rand_u64() & 1;
    QlIter it;
    QlEntry e;
    assert_true(ql_entry_at(ql, neg ? at - m->n : at, &it, &e));
    if (after) ql_insert_after(&it, &e, s.b, s.len);
    else ql_insert_before(&it, &e, s.b, s.len);
    ql_iter_release(&it);
    model_insert(m, at + after, s);
}

static void op_delete_at(Quicklist *ql, Model *m) {
    if (m->n == 0) return;
    long at = rand_index(m->n);
    int backward = rand_u64() & 1;
    QlIter it;
    QlEntry e;
    assert_true(ql_iter_at(ql, &it, backward ? QL_BACKWARD : QL_FORWARD, rand_u64() & 1 ? at : at - m->n));
    assert_true(ql_next(&it, &e));
    assert_entry(&e, &m->v[at]);
    ql_del_entry(&it, &e);
    model_delete(m, at, 1);
    /* the iterator goes on with the neighbour in its direction */
    long next = backward ? at - 1 : at;
    if (next >= 0 && next < m->n) {
        assert_true(ql_next(&it, &e));
        assert_entry(&e, &m->v[next]);
    } else {
        assert_false(ql_next(&it, &e));
    }
    ql_iter_release(&it);
}

/* LREM-like: delete up to `limit` elements equal to a value, from one end. */
static void op_remove_matching(Quicklist *ql, Model *m) {
    if (m->n == 0) return;
    Str v = m->v[rand_index(m->n)];
    Str q = str_new(v.b, v.len);
    int backward = rand_u64() & 1;
    long limit = (long)(rand_u64() % 3), removed = 0;
    QlIter it;
    QlEntry e;
    ql_iter_init(ql, &it, backward ? QL_BACKWARD : QL_FORWARD);
    while (ql_next(&it, &e)) {
        if (ql_compare(&e, q.b, q.len)) {
            ql_del_entry(&it, &e);
            if (++removed == limit) break;
        }
    }
    ql_iter_release(&it);
    long done = 0;
    for (long k = 0; k < m->n && (limit == 0 || done < limit);) {
        long i = backward ? m->n - 1 - k : k;
        if (m->v[i].len == q.len && (!q.len || !memcmp(m->v[i].b, q.b, q.len))) {
            model_delete(m, i, 1); /* the next candidate now sits at the same k */
            done++;
            continue;
        }
        k++;
    }
    assert_int_equal(done, removed);
    free(q.b);
}

static void op_replace(Quicklist *ql, Model *m) {
    if (m->n == 0) return;
    long at = rand_index(m->n);
    Str s = random_value();
    if (rand_u64() & 1) {
        assert_true(ql_replace_at_index(ql, rand_u64() & 1 ? at : at - m->n, s.b, s.len));
    } else {
        QlIter it;
        QlEntry e;
        assert_true(ql_iter_at(ql, &it, QL_FORWARD, at));
        assert_true(ql_next(&it, &e));
        ql_replace_entry(&it, &e, s.b, s.len);
        ql_iter_release(&it);
    }
    free(m->v[at].b);
    m->v[at] = s;
}

static void op_del_range(Quicklist *ql, Model *m) {
    long n = m->n;
    long start = n ? rand_index(n + 2) - (rand_u64() & 1 ? n : 0) : 0;
    long count = (long)(rand_u64() % 12) - 1;
    int ret = ql_del_range(ql, start, count);
    long s = start < 0 ? start + n : start;
    if (count <= 0 || s < 0 || s >= n) {
        assert_int_equal(ret, 0);
        return;
    }
    assert_int_equal(ret, 1);
    model_delete(m, s, count < n - s ? count : n - s);
}

static void op_pop(Quicklist *ql, Model *m, int where) {
    unsigned char *d;
    size_t sz;
    long long lv;
    int ok = ql_pop(ql, where, &d, &sz, &lv);
    assert_int_equal(ok, m->n > 0);
    if (!ok) return;
    long at = where == QL_HEAD ? 0 : m->n - 1;
    unsigned char buf[32];
    if (!d) {
        sz = (size_t)ll2string((char *)buf, sizeof(buf), lv);
        assert_int_equal(sz, m->v[at].len);
        assert_memory_equal(buf, m->v[at].b, sz);
    } else {
        assert_int_equal(sz, m->v[at].len);
        if (sz) assert_memory_equal(d, m->v[at].b, sz);
        vfree(d);
    }
    model_delete(m, at, 1);
}

static void op_append_nodes(Quicklist *ql, Model *m) {
    if (rand_u64() & 1) {
        unsigned char *lp = lp_new(0);
        int k = 1 + (int)(rand_u64() % 4);
        for (int i = 0; i < k; i++) {
            Str s = random_value();
            lp = lp_append(lp, s.b, (uint32_t)s.len);
            model_insert(m, m->n, s);
        }
        assert_true(ql_append_listpack(ql, lp));
    } else {
        Str s = random_value();
        unsigned char *d = vmalloc(s.len ? s.len : 1);
        memcpy(d, s.b, s.len);
        ql_append_plain_node(ql, d, s.len);
        model_insert(m, m->n, s);
    }
}

static void random_run(int fill, int depth, size_t threshold, int steps) {
    ql_set_packed_threshold(threshold);
    cur_depth = depth;
    Quicklist *ql = ql_create(fill, depth);
    Model m = {0};
    long target = fill < 0 ? 700 : 250; /* enough elements for several nodes */
    for (int step = 0; step < steps; step++) {
        int op = (int)(rand_u64() % 17);
        /* grow towards the target, then wander around it */
        if (m.n < target && rand_u64() % 4 == 0) op = 16;
        else if (m.n > target && op < 6) op += 8;
        if (trace) fprintf(stderr, "fill %d depth %d thr %zu step %d op %d n %ld nodes %lu\n", fill, depth,
                           threshold, step, op, m.n, ql_len(ql));
        switch (op) {
        case 0: case 1: case 2: {
            Str s = random_value();
            int tail = op != 0;
            if (tail) ql_push_tail(ql, s.b, s.len);
            else ql_push_head(ql, s.b, s.len);
            model_insert(&m, tail ? m.n : 0, s);
            break;
        }
        case 3: case 4: op_insert(ql, &m); break;
        case 5: op_append_nodes(ql, &m); break;
        case 6: case 7: op_replace(ql, &m); break;
        case 8: case 9: op_delete_at(ql, &m); break;
        case 10: op_remove_matching(ql, &m); break;
        case 11: op_del_range(ql, &m); break;
        case 12: op_pop(ql, &m, QL_HEAD); break;
        case 13: op_pop(ql, &m, QL_TAIL); break;
        case 14:
            ql_rotate(ql);
            if (m.n > 1) {
                Str last = m.v[m.n - 1];
                m.n--;
                model_insert(&m, 0, last);
            }
            break;
        case 16:
            for (int k = 0; k < 20; k++) {
                Str s = random_value();
                ql_push_tail(ql, s.b, s.len);
                model_insert(&m, m.n, s);
            }
            break;
        default: {
            Quicklist *copy = ql_dup(ql);
            ql_free(ql);
            ql = copy;
            break;
        }
        }
        check_model(ql, &m);
    }
    ql_free(ql);
    model_free(&m);
    cur_depth = 0;
    ql_set_packed_threshold(0);
}

static void test_random_against_model(void **state) {
    (void)state;
    printf("  quicklist model seed %llu (QL_TEST_SEED to replay)\n", (unsigned long long)test_seed);
    static const int fills[] = {-2, -1, 4, 1, 2};
    for (int f = 0; f < 5; f++)
        for (int depth = 0; depth <= 2; depth++)
            for (int t = 0; t < 2; t++) random_run(fills[f], depth, t ? 40 : 0, 500);
}

int main(void) {
    const char *seed = getenv("QL_TEST_SEED");
    if (seed) test_seed = strtoull(seed, NULL, 10);
    trace = getenv("QL_TRACE") != NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_and_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_pop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_by_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_by_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_and_iterators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_while_iterating, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_del_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dup_and_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_listpack_and_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_info_and_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_million, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
    };
    return cmocka_run_group_tests_name("quicklist", tests, NULL, NULL);
}
