/* test_stream.c - unit tests for the stream value layer (types/stream.c): the node
 * format (master entry, SAMEFIELDS, lp-count back pointers) and a randomized run
 * against a simple model (an array of live entries): appends with same and
 * different fields, deletes, exact and approximate MAXLEN/MINID trims, with tiny
 * node limits so entries spread over many nodes; after each operation the length,
 * first/last IDs, forward and reverse iteration over random ranges and the raw
 * node counters are checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "types/stream.h"
#include "base/alloc.h"
#include "base/util.h"
#include "core/obj.h"
#include "seed.h"

typedef struct MEntry {
    StreamID id;
    int nf;
    char f[3][8], v[3][8];
} MEntry;

static int append(Stream *s, MEntry *e, const StreamID *use, int seq_given) {
    Obj *argv[6];
    for (int i = 0; i < e->nf; i++) {
        argv[i * 2] = obj_string(e->f[i], strlen(e->f[i]));
        argv[i * 2 + 1] = obj_string(e->v[i], strlen(e->v[i]));
    }
    int rc = stream_append(s, argv, e->nf, &e->id, use, seq_given);
    for (int i = 0; i < e->nf * 2; i++) obj_decr(argv[i]);
    return rc;
}

/* Checks the entries in [lo, hi] in both directions against the model. */
static void check_range(Stream *s, MEntry *m, int n, const StreamID *lo, const StreamID *hi) {
    for (int rev = 0; rev < 2; rev++) {
        StreamIter si;
        stream_iter_start(&si, s, lo, hi, rev);
        int k = rev ? n - 1 : 0;
        StreamID id;
        int64_t nf;
        while (stream_iter_get_id(&si, &id, &nf)) {
            while (k >= 0 && k < n && (stream_id_cmp(&m[k].id, lo) < 0 || stream_id_cmp(&m[k].id, hi) > 0))
                k += rev ? -1 : 1;
            assert_true(k >= 0 && k < n);
            assert_int_equal(id.ms, m[k].id.ms);
            assert_int_equal(id.seq, m[k].id.seq);
            assert_int_equal(nf, m[k].nf);
            /* read only some fields sometimes: the iterator must skip the rest */
            int64_t readn = (rand_u64() % 4 == 0) ? (int64_t)(rand_u64() % (uint64_t)(nf + 1)) : nf;
            for (int64_t i = 0; i < readn; i++) {
                const unsigned char *f, *v;
                int64_t fl, vl;
                stream_iter_get_field(&si, &f, &fl, &v, &vl);
                assert_int_equal(fl, strlen(m[k].f[i]));
                assert_memory_equal(f, m[k].f[i], (size_t)fl);
                assert_int_equal(vl, strlen(m[k].v[i]));
                assert_memory_equal(v, m[k].v[i], (size_t)vl);
            }
            k += rev ? -1 : 1;
        }
        while (k >= 0 && k < n && (stream_id_cmp(&m[k].id, lo) < 0 || stream_id_cmp(&m[k].id, hi) > 0))
            k += rev ? -1 : 1;
        assert_true(k < 0 || k >= n);
        stream_iter_stop(&si);
    }
}

/* Node counters: live entries per node sum to the length, none is empty. */
static void check_nodes(Stream *s) {
    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "^", NULL, 0);
    uint64_t live = 0;
    while (rax_next(&ri)) {
        unsigned char *lp = ri.data;
        assert_int_equal(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL), 1);
        int64_t count = stream_lp_int(lp_first(lp));
        assert_true(count > 0);
        live += (uint64_t)count;
    }
    rax_stop(&ri);
    assert_int_equal(live, s->length);
}

static void test_random_model(void **state) {
    (void)state;
    rand_seed(test_seed("stream model", 7));
    size_t before = vmalloc_used();
    for (int round = 0; round < 4; round++) {
        stream_node_max_entries = 1 + (long long)(rand_u64() % 6);
        stream_node_max_bytes = round == 3 ? 60 : 4096;
        Stream *s = stream_new();
        MEntry *m = malloc(sizeof(MEntry) * 4000);
        int n = 0;
        uint64_t ms = 1;
        for (int step = 0; step < 1500; step++) {
            int op = (int)(rand_u64() % 10);
            if (op < 6) {
                MEntry e;
                e.nf = 1 + (int)(rand_u64() % 3);
                int same = rand_u64() % 2;
                for (int i = 0; i < e.nf; i++) {
                    snprintf(e.f[i], 8, same ? "f%d" : "g%d", same ? i : (int)(rand_u64() % 50));
                    snprintf(e.v[i], 8, "%d", (int)(rand_u64() % 2000) - 500);
                }
                if (!same && e.nf == 2 && !strcmp(e.f[0], e.f[1])) e.f[1][0] = 'h';
                StreamID use = {ms, 0};
                ms += rand_u64() % 3;
                int rc = append(s, &e, &use, 0);
                assert_int_equal(rc, 0);
                m[n++] = e;
            } else if (op < 8 && n) {
                int k = (int)(rand_u64() % (uint64_t)n);
                StreamID id = m[k].id;
                assert_int_equal(stream_delete_item(s, &id), 1);
                assert_int_equal(stream_delete_item(s, &id), 0);
                memmove(m + k, m + k + 1, sizeof(MEntry) * (size_t)(n - k - 1));
                n--;
                if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
                else stream_edge_id(s, 1, 1, &s->first_id);
            } else if (op == 8) {
                long long maxlen = n ? (long long)(rand_u64() % (uint64_t)(n + 1)) : 0;
                int approx = rand_u64() % 2;
                int64_t del = stream_trim(s, STREAM_TRIM_MAXLEN, maxlen, NULL, approx, 0);
                assert_true(del <= n);
                memmove(m, m + del, sizeof(MEntry) * (size_t)(n - del));
                n -= (int)del;
                if (!approx) assert_true(n <= maxlen || n == 0);
            } else if (n) {
                StreamID minid = m[rand_u64() % (uint64_t)n].id;
                int approx = rand_u64() % 2;
                int64_t del = stream_trim(s, STREAM_TRIM_MINID, 0, &minid, approx, 0);
                for (int64_t i = 0; i < del; i++) assert_true(stream_id_cmp(&m[i].id, &minid) < 0);
                memmove(m, m + del, sizeof(MEntry) * (size_t)(n - del));
                n -= (int)del;
                if (!approx && n) assert_true(stream_id_cmp(&m[0].id, &minid) >= 0);
            }
            assert_int_equal(s->length, (uint64_t)n);
            check_nodes(s);
            if (n) {
                assert_int_equal(s->first_id.ms, m[0].id.ms);
                assert_int_equal(s->first_id.seq, m[0].id.seq);
                StreamID last;
                stream_last_valid_id(s, &last);
                assert_int_equal(last.ms, m[n - 1].id.ms);
                assert_int_equal(last.seq, m[n - 1].id.seq);
            }
            StreamID lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
            if (rand_u64() % 2) lo.ms = rand_u64() % (ms + 1);
            if (rand_u64() % 2) hi.ms = rand_u64() % (ms + 1), hi.seq = rand_u64() % 3;
            check_range(s, m, n, &lo, &hi);
        }
        stream_free(s);
        free(m);
    }
    assert_int_equal(vmalloc_used(), before);
}

/* The exact bytes of a node: the same layout Redis 7.0 writes. */
static void test_node_format(void **state) {
    (void)state;
    stream_node_max_entries = 100;
    stream_node_max_bytes = 4096;
    Stream *s = stream_new();
    MEntry e = {.nf = 2};
    strcpy(e.f[0], "a");
    strcpy(e.v[0], "1");
    strcpy(e.f[1], "b");
    strcpy(e.v[1], "xy");
    StreamID id = {5, 1};
    assert_int_equal(append(s, &e, &id, 1), 0);
    strcpy(e.f[1], "c");
    id.seq = 3;
    assert_int_equal(append(s, &e, &id, 1), 0);
    /* adding an equal or smaller ID fails */
    assert_int_equal(append(s, &e, &id, 1), STREAM_ERR_EDOM);
    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "^", NULL, 0);
    assert_int_equal(rax_next(&ri), 1);
    unsigned char *lp = ri.data;
    /* master: 2 0 2 a b 0 | 2 0 0 1 xy 5 | 0 0 2 2 a 1 c xy 8 */
    const char *want[] = {"2", "0", "2", "a", "b", "0", "2", "0", "0", "1", "xy", "5",
                          "0", "0", "2", "2", "a", "1", "c", "xy", "8"};
    unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
        assert_non_null(p);
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t l;
        const unsigned char *v = lp_get_str(p, &l, buf);
        assert_int_equal(l, strlen(want[i]));
        assert_memory_equal(v, want[i], l);
        p = lp_next(lp, p);
    }
    assert_null(p);
    rax_stop(&ri);
    /* ms-* picks the next sequence of the same ms; exhausting it fails */
    StreamID use = {5, 0};
    assert_int_equal(append(s, &e, &use, 0), 0);
    assert_int_equal(e.id.seq, 4);
    s->last_id.seq = UINT64_MAX;
    assert_int_equal(append(s, &e, &use, 0), STREAM_ERR_EDOM);
    stream_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_format),
        cmocka_unit_test(test_random_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
