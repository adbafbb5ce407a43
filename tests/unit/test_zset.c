/* test_zset.c - the sorted-set type through the in-process server: keyspace events
 * of every write command in Redis's order; blocking pops served by other clients'
 * writes (FIFO, what they propagate, keys that change type while clients wait);
 * the RDB form (round trips in both encodings, hostile payloads refused); the
 * listpack score encoding; and a randomized run of both encodings against a model. */
#include "harness.h"
#include "base/rio.h"
#include "ds/listpack.h"
#include "ds/rdbenc.h"
#include "persist/rdb.h"
#include <math.h>

/* ---------------- keyspace events ---------------- */

static void test_events(void **state) {
    (void)state;
    Client *c = h_fake();
    h_notify_start("Egz");
    h_expect(c, "ZADD z 1 a 2 b", ":2\r\n");
    h_notify_expect("__keyevent@0__:zadd z\n");
    h_expect(c, "ZADD z 1 a", ":0\r\n");
    h_notify_expect("");
    h_expect(c, "ZINCRBY z 1 a", "$1\r\n2\r\n");
    h_notify_expect("__keyevent@0__:zincr z\n");
    h_expect(c, "ZADD z INCR 1 a", "$1\r\n3\r\n");
    h_notify_expect("__keyevent@0__:zincr z\n");
    h_expect(c, "ZREM z nosuch", ":0\r\n");
    h_notify_expect("");
    h_expect(c, "ZREM z a b", ":2\r\n");
    h_notify_expect("__keyevent@0__:zrem z\n__keyevent@0__:del z\n");
    h_expect(c, "ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n");
    h_notify_expect("__keyevent@0__:zadd z\n");
    h_expect(c, "ZREMRANGEBYRANK z 0 0", ":1\r\n");
    h_expect(c, "ZREMRANGEBYSCORE z 2 2", ":1\r\n");
    h_expect(c, "ZREMRANGEBYLEX z [c [c", ":1\r\n");
    h_expect(c, "ZREMRANGEBYLEX z [x [y", ":0\r\n");
    h_notify_expect("__keyevent@0__:zremrangebyrank z\n__keyevent@0__:zremrangebyscore z\n"
                    "__keyevent@0__:zremrangebylex z\n");
    h_expect(c, "ZPOPMIN z", "*2\r\n$1\r\nd\r\n$1\r\n4\r\n");
    h_expect(c, "ZPOPMAX z 5", "*2\r\n$1\r\ne\r\n$1\r\n5\r\n");
    h_notify_expect("__keyevent@0__:zpopmin z\n__keyevent@0__:zpopmax z\n__keyevent@0__:del z\n");
    h_expect(c, "ZADD a 1 x", ":1\r\n");
    h_expect(c, "ZUNIONSTORE d 1 a", ":1\r\n");
    h_expect(c, "ZINTERSTORE d 1 a", ":1\r\n");
    h_expect(c, "ZDIFFSTORE d 1 a", ":1\r\n");
    h_expect(c, "ZRANGESTORE d a 0 -1", ":1\r\n");
    h_notify_expect("__keyevent@0__:zadd a\n__keyevent@0__:zunionstore d\n__keyevent@0__:zinterstore d\n"
                    "__keyevent@0__:zdiffstore d\n__keyevent@0__:zrangestore d\n");
    h_expect(c, "ZINTERSTORE d 2 a nokey", ":0\r\n");
    h_expect(c, "ZRANGESTORE d nokey 0 -1", ":0\r\n");
    h_notify_expect("__keyevent@0__:del d\n");
    h_expect(c, "ZMPOP 1 a MAX", "*2\r\n$1\r\na\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
    h_notify_expect("__keyevent@0__:zpopmax a\n__keyevent@0__:del a\n");
}

/* ---------------- blocking pops ---------------- */

static void test_blocked_pop_served_and_propagated(void **state) {
    (void)state;
    Client *w1 = h_conn(), *w2 = h_conn(), *p = h_conn();
    h_send(w1, "BZPOPMIN z 0");
    h_send(w2, "BZMPOP 0 1 z MAX COUNT 5");
    assert_true((w1->flags & CLIENT_BLOCKED) && (w2->flags & CLIENT_BLOCKED));
    h_prop_start();
    h_expect(p, "ZADD z 1 a 2 b 3 c", ":3\r\n");
    h_expect_out(w1, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
    h_expect_out(w2, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    h_prop_expect("SELECT 0\nZADD z 1 a 2 b 3 c\nZPOPMIN z\nZPOPMAX z 2\n");
    assert_false(w1->flags & CLIENT_BLOCKED);
    assert_false(w2->flags & CLIENT_BLOCKED);
    assert_int_equal(h_int(p, "EXISTS z"), 0);
}

static void test_blocked_fifo_and_empty_key(void **state) {
    (void)state;
    Client *w[3] = {h_conn(), h_conn(), h_conn()}, *p = h_conn();
    for (int i = 0; i < 3; i++) h_send(w[i], "BZPOPMAX z 0");
    h_expect(p, "ZADD z 1 a 2 b", ":2\r\n");
    h_expect_out(w[0], "*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n");
    h_expect_out(w[1], "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
    h_expect_out(w[2], "");
    assert_true(w[2]->flags & CLIENT_BLOCKED);
    h_expect(p, "ZADD z 3 c", ":1\r\n");
    h_expect_out(w[2], "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n");
}

/* A key that holds another type when the waiter re-runs does not fail it: Redis
 * 7.0 leaves such a client waiting. */
static void test_blocked_type_change(void **state) {
    (void)state;
    Client *w = h_conn(), *p = h_conn();
    h_send(w, "BZPOPMIN z 0");
    h_expect(p, "MULTI", "+OK\r\n");
    h_expect(p, "ZADD z 0 foo", "+QUEUED\r\n");
    h_expect(p, "DEL z", "+QUEUED\r\n");
    h_expect(p, "SET z foo", "+QUEUED\r\n");
    h_expect(p, "EXEC", "*3\r\n:1\r\n:1\r\n+OK\r\n");
    h_expect_out(w, "");
    assert_true(w->flags & CLIENT_BLOCKED);
    h_expect(p, "DEL z", ":1\r\n");
    h_expect(p, "ZADD z 1 bar", ":1\r\n");
    h_expect_out(w, "*3\r\n$1\r\nz\r\n$3\r\nbar\r\n$1\r\n1\r\n");
}

static void test_blocked_rerun_skips_other_types(void **state) {
    (void)state;
    Client *w = h_conn(), *p = h_conn();
    h_send(w, "BZMPOP 0 2 a b MIN");
    h_expect(p, "MULTI", "+OK\r\n");
    h_expect(p, "SET a x", "+QUEUED\r\n");
    h_expect(p, "ZADD b 1 m", "+QUEUED\r\n");
    h_expect(p, "EXEC", "*2\r\n+OK\r\n:1\r\n");
    h_expect_out(w, "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nm\r\n$1\r\n1\r\n");
    /* a fresh command still gets WRONGTYPE */
    h_expect(w, "BZMPOP 0 2 a b MIN", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

static void test_blocked_in_multi_and_disconnect(void **state) {
    (void)state;
    Client *w1 = h_conn(), *w2 = h_conn(), *p = h_conn();
    h_expect(p, "MULTI", "+OK\r\n");
    h_expect(p, "BZPOPMIN z 0", "+QUEUED\r\n");
    h_expect(p, "EXEC", "*1\r\n*-1\r\n");
    h_send(w1, "BZPOPMIN z 0");
    h_send(w2, "BZPOPMIN z 0");
    h_free(w1);
    h_expect(p, "ZADD z 5 a", ":1\r\n");
    h_expect_out(w2, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n5\r\n");
    assert_int_equal(block_blocked_clients(), 0);
}

/* ---------------- RDB ---------------- */

/* The bytes a buffer writer holds; the writer is released. */
static Sds take(Rio *r) {
    Sds s = rio_take_buffer(r);
    rio_close(r);
    return s;
}

static Sds dump_value(const Obj *o) {
    Rio r;
    rio_init_buffer(&r);
    assert_true(rdb_save_value(&r, o));
    return take(&r);
}

static Obj *load_value(const void *p, size_t len, char *why, size_t whylen) {
    Rio r;
    RdbErr err = {{0}};
    rio_init_mem(&r, p, len);
    Obj *o = rdb_load_value(&r, 1, &err);
    rio_close(&r);
    if (why) snprintf(why, whylen, "%s", err.msg);
    return o;
}

static void roundtrip(Client *c, const char *key, const char *enc_before, const char *enc_after) {
    Obj *o = db_find(c->db, key, strlen(key));
    assert_non_null(o);
    assert_string_equal(obj_encoding_name(o->encoding), enc_before);
    Sds s = dump_value(o);
    Obj *back = load_value(s, sds_len(s), NULL, 0);
    assert_non_null(back);
    assert_string_equal(obj_encoding_name(back->encoding), enc_after);
    uint8_t d1[20] = {0}, d2[20] = {0};
    objtype_get(OBJ_ZSET)->digest(o, d1);
    objtype_get(OBJ_ZSET)->digest(back, d2);
    assert_memory_equal(d1, d2, 20);
    obj_decr(back);
    sds_free(s);
}

static void test_rdb_roundtrip(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "ZADD lp 1 a 2.5 b -inf c 10 10 1e300 big", ":5\r\n");
    roundtrip(c, "lp", "listpack", "listpack");
    h_config("zset-max-listpack-entries", "0");
    h_expect(c, "ZADD sl 1 a 2.5 b -inf c 10 10 1e300 big", ":5\r\n");
    roundtrip(c, "sl", "skiplist", "skiplist");
    h_config("zset-max-listpack-entries", "128");
    roundtrip(c, "sl", "skiplist", "listpack");      /* small enough again: loads as a listpack */
    h_config("zset-max-listpack-entries", "2");
    roundtrip(c, "lp", "listpack", "skiplist");      /* past the limit: converted on load */
    h_config("zset-max-listpack-entries", "128");
}

/* A ZSET_LISTPACK payload of the first size bytes of lp (0: the listpack's size). */
static Sds lp_payload_n(unsigned char *lp, size_t size) {
    Rio r;
    rio_init_buffer(&r);
    rdb_save_type(&r, RDB_TYPE_ZSET_LISTPACK);
    rdb_save_string(&r, lp, size ? size : lp_bytes(lp));
    lp_free(lp);
    return take(&r);
}

static Sds lp_payload(unsigned char *lp) { return lp_payload_n(lp, 0); }

static unsigned char *lp_of(const char **items, int n) {
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < n; i++) lp = lp_append(lp, (const unsigned char *)items[i], (uint32_t)strlen(items[i]));
    return lp;
}

static void expect_refused(Sds payload, const char *why_part) {
    char why[400];
    Obj *o = load_value(payload, sds_len(payload), why, sizeof(why));
    if (o) fail_msg("payload accepted, expected '%s'", why_part);
    if (!strstr(why, why_part)) fail_msg("refused with '%s', expected '%s'", why, why_part);
    sds_free(payload);
}

static void test_rdb_hostile(void **state) {
    (void)state;
    const char *nan_score[] = {"a", "nan"}, *bad_score[] = {"a", "1x"}, *dup[] = {"a", "1", "a", "2"};
    const char *odd[] = {"a", "1", "b"}, *empty_score[] = {"a", ""}, *intdup[] = {"7", "1", "7", "2"};
    expect_refused(lp_payload(lp_of(nan_score, 2)), "Zset listpack integrity check failed.");
    expect_refused(lp_payload(lp_of(bad_score, 2)), "Zset listpack integrity check failed.");
    expect_refused(lp_payload(lp_of(empty_score, 2)), "Zset listpack integrity check failed.");
    expect_refused(lp_payload(lp_of(dup, 4)), "Zset listpack integrity check failed.");
    expect_refused(lp_payload(lp_of(intdup, 4)), "Zset listpack integrity check failed.");
    expect_refused(lp_payload(lp_of(odd, 3)), "Zset listpack integrity check failed.");
    expect_refused(lp_payload(lp_new(0)), "empty zset");
    /* a listpack whose header lies about its size */
    unsigned char *lp = lp_of(dup, 2);
    size_t size = lp_bytes(lp);
    lp[0] ^= 1;
    expect_refused(lp_payload_n(lp, size), "Zset listpack integrity check failed.");
    lp = lp_of(dup, 2);
    size = lp_bytes(lp);
    lp[size - 3] = 0xf0;   /* the last entry's encoding byte made to claim more bytes */
    expect_refused(lp_payload_n(lp, size), "Zset listpack integrity check failed.");
    /* pair lists: empty, NaN, duplicates, truncated */
    Rio r;
    rio_init_buffer(&r);
    rdb_save_type(&r, RDB_TYPE_ZSET_2);
    rdb_save_len(&r, 0);
    expect_refused(take(&r), "empty zset");
    rio_init_buffer(&r);
    rdb_save_type(&r, RDB_TYPE_ZSET_2);
    rdb_save_len(&r, 1);
    rdb_save_string(&r, "a", 1);
    rdb_save_binary_double(&r, NAN);
    expect_refused(take(&r), "Zset with NAN score detected");
    rio_init_buffer(&r);
    rdb_save_type(&r, RDB_TYPE_ZSET_2);
    rdb_save_len(&r, 2);
    for (int i = 0; i < 2; i++) {
        rdb_save_string(&r, "a", 1);
        rdb_save_binary_double(&r, i);
    }
    expect_refused(take(&r), "Duplicate zset fields detected");
    rio_init_buffer(&r);
    rdb_save_type(&r, RDB_TYPE_ZSET_2);
    rdb_save_len(&r, 1000000000);
    rdb_save_string(&r, "a", 1);
    Sds s = take(&r);
    Obj *o = load_value(s, sds_len(s), NULL, 0);
    assert_null(o);
    sds_free(s);
}

static void test_rdb_text_scores(void **state) {
    (void)state;
    /* RDB_TYPE_ZSET: scores as text (length byte, 253 nan, 254 inf, 255 -inf) */
    const unsigned char payload[] = {RDB_TYPE_ZSET, 3, 1, 'a', 3, '1', '.', '5', 1, 'b', 254, 1, 'c', 255};
    Obj *o = load_value(payload, sizeof(payload), NULL, 0);
    assert_non_null(o);
    Client *c = h_fake();
    db_add(c->db, "t", 1, o);
    h_expect(c, "ZRANGE t 0 -1 WITHSCORES", "*6\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$3\r\ninf\r\n");
    const unsigned char nan_payload[] = {RDB_TYPE_ZSET, 1, 1, 'a', 253};
    assert_null(load_value(nan_payload, sizeof(nan_payload), NULL, 0));
}

/* ---------------- the listpack score encoding ---------------- */

/* Scores are stored as Redis stores them: integers within +-LLONG_MAX/2 as integer
 * entries, anything else as "%.17g" text (so DUMP payloads equal Redis's). */
static void test_listpack_scores(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "ZADD z 1 a -0 b 1.5 c 1e20 d 4611686018427387904 e inf f 3 g 1e19 h", ":8\r\n");
    Obj *o = db_find(c->db, "z", 1);
    unsigned char *lp = o->ptr;
    /* member, score text, whether the score is an integer entry */
    const struct { const char *m, *s; int is_int; } want[] = {
        {"b", "0", 1}, {"a", "1", 1}, {"c", "1.5", 0}, {"g", "3", 1}, {"e", "4611686018427387904", 1},
        {"h", "1e+19", 0}, {"d", "1e+20", 0}, {"f", "inf", 0}};
    size_t i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p)), i++) {
        LpEntry m, sc;
        lp_get(p, &m);
        lp_get(lp_next(lp, p), &sc);
        char buf[64];
        assert_true(m.sval && m.slen == strlen(want[i].m) && !memcmp(m.sval, want[i].m, m.slen));
        if (sc.sval) snprintf(buf, sizeof(buf), "%.*s", (int)sc.slen, sc.sval);
        else snprintf(buf, sizeof(buf), "%lld", sc.lval);
        assert_string_equal(buf, want[i].s);
        assert_int_equal(sc.sval == NULL, want[i].is_int);
    }
    assert_int_equal(i, 8);
}

/* ---------------- a randomized run against a model ---------------- */

typedef struct MEntry {
    char m[16];
    double s;
    int present;
} MEntry;

static int mcmp(const void *a, const void *b) {
    const MEntry *x = a, *y = b;
    if (x->present != y->present) return y->present - x->present;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return strcmp(x->m, y->m);
}

static Sds model_range(MEntry *model, int n) {
    MEntry sorted[64];
    memcpy(sorted, model, sizeof(MEntry) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(MEntry), mcmp);
    int k = 0;
    while (k < n && sorted[k].present) k++;
    Sds out = sds_catprintf(sds_empty(), "*%d\r\n", k * 2);
    for (int i = 0; i < k; i++) {
        char sc[64];
        snprintf(sc, sizeof(sc), "%.17g", sorted[i].s);
        out = sds_catprintf(out, "$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(sorted[i].m), sorted[i].m, strlen(sc), sc);
    }
    return out;
}

static void test_randomized_against_model(void **state) {
    (void)state;
    Client *c = h_fake();
    MEntry model[40];
    for (int i = 0; i < 40; i++) {
        snprintf(model[i].m, sizeof(model[i].m), "m%d", i);
        model[i].present = 0;
    }
    rand_seed(42);
    const char *keys[2] = {"lp", "sl"};
    h_config("zset-max-listpack-entries", "0");
    h_expect(c, "ZADD sl 0 m0", ":1\r\n");
    h_config("zset-max-listpack-entries", "128");
    h_expect(c, "ZADD lp 0 m0", ":1\r\n");
    model[0].present = 1;
    model[0].s = 0;
    for (int step = 0; step < 3000; step++) {
        int i = (int)(rand_u64() % 40), op = (int)(rand_u64() % 3);
        long long sc = (long long)(rand_u64() % 21) - 10;
        char line[64];
        if (op == 0) snprintf(line, sizeof(line), "ZADD %%s %lld %s", sc, model[i].m);
        else if (op == 1) snprintf(line, sizeof(line), "ZINCRBY %%s %lld %s", sc, model[i].m);
        else snprintf(line, sizeof(line), "ZREM %%s %s", model[i].m);
        for (int k = 0; k < 2; k++) {
            char cmd[80];
            snprintf(cmd, sizeof(cmd), line, keys[k]);
            Sds got = h_run(c, cmd);
            sds_free(got);
        }
        if (op == 0) model[i].s = (double)sc, model[i].present = 1;
        else if (op == 1) model[i].s = (model[i].present ? model[i].s : 0) + (double)sc, model[i].present = 1;
        else model[i].present = 0;
        if (step % 50 != 49) continue;
        Sds want = model_range(model, 40);
        for (int k = 0; k < 2; k++) {
            char cmd[64];
            snprintf(cmd, sizeof(cmd), "ZRANGE %s 0 -1 WITHSCORES", keys[k]);
            Sds got = h_run(c, cmd);
            int empty = strcmp(want, "*0\r\n") == 0;
            if (!empty) h_assert_bytes(cmd, got, sds_len(got), want, sds_len(want));
            sds_free(got);
        }
        sds_free(want);
    }
    Obj *lp = db_find(c->db, "lp", 2), *sl = db_find(c->db, "sl", 2);
    if (lp) assert_int_equal(lp->encoding, ENC_LISTPACK);
    if (sl) assert_int_equal(sl->encoding, ENC_SKIPLIST);
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_events, h_reset),
        cmocka_unit_test_teardown(test_blocked_pop_served_and_propagated, h_reset),
        cmocka_unit_test_teardown(test_blocked_fifo_and_empty_key, h_reset),
        cmocka_unit_test_teardown(test_blocked_type_change, h_reset),
        cmocka_unit_test_teardown(test_blocked_rerun_skips_other_types, h_reset),
        cmocka_unit_test_teardown(test_blocked_in_multi_and_disconnect, h_reset),
        cmocka_unit_test_teardown(test_rdb_roundtrip, h_reset),
        cmocka_unit_test_teardown(test_rdb_hostile, h_reset),
        cmocka_unit_test_teardown(test_rdb_text_scores, h_reset),
        cmocka_unit_test_teardown(test_listpack_scores, h_reset),
        cmocka_unit_test_teardown(test_randomized_against_model, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
