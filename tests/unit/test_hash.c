/* test_hash.c - the hash type through an in-process server (tests/unit/harness.h):
 * keyspace events and dirty counts of every write (Redis 7.0's names: hset, hdel,
 * hincrby, hincrbyfloat, del when emptied; none for a write that changes nothing),
 * the encoding conversions of the value layer (src/types/hash.c) at the
 * thresholds, the type descriptor (COPY's dup, DEBUG DIGEST against Redis's value,
 * MEMORY USAGE, lazy-free effort), HRANDFIELD/HSCAN on both encodings, and a
 * randomized run of the value layer against a model across conversions. */
#include <limits.h>
#include "harness.h"
#include "types/hash.h"
#include "ds/listpack.h"

static Client *fake(void) { return h_fake(); }

static void set_limits(const char *entries, const char *value) {
    h_config("hash-max-listpack-entries", entries);
    h_config("hash-max-listpack-value", value);
}

static int teardown(void **state) {
    set_limits("512", "64");
    h_notify_stop();
    return h_reset(state);
}

static Obj *lookup(Client *c, const char *key) { return db_find(c->db, key, strlen(key)); }

/* ---- events and dirty counts ---- */

static void test_events(void **state) {
    (void)state;
    Client *c = fake();
    h_notify_start("KEA");
    long long dirty = server.stat.dirty;
    h_expect(c, "HSET h a 1 b 2 c 3", ":3\r\n");
    h_notify_expect("__keyspace@0__:h hset\n__keyevent@0__:hset h\n");
    assert_int_equal(server.stat.dirty - dirty, 3);
    h_expect(c, "HMSET h a 2", "+OK\r\n");
    h_notify_expect("__keyspace@0__:h hset\n__keyevent@0__:hset h\n");
    h_expect(c, "HSETNX h a 9", ":0\r\n");
    h_notify_expect("");
    h_expect(c, "HSETNX h d 4", ":1\r\n");
    h_notify_expect("__keyspace@0__:h hset\n__keyevent@0__:hset h\n");
    h_expect(c, "HINCRBY h n 1", ":1\r\n");
    h_notify_expect("__keyspace@0__:h hincrby\n__keyevent@0__:hincrby h\n");
    h_expect(c, "HINCRBYFLOAT h n 0.5", "$3\r\n1.5\r\n");
    h_notify_expect("__keyspace@0__:h hincrbyfloat\n__keyevent@0__:hincrbyfloat h\n");
    h_expect(c, "HINCRBY h n 1", "-ERR hash value is not an integer\r\n");
    h_notify_expect("");
    dirty = server.stat.dirty;
    h_expect(c, "HDEL h zz", ":0\r\n");
    h_notify_expect("");
    h_expect(c, "HDEL h a b zz", ":2\r\n");
    h_notify_expect("__keyspace@0__:h hdel\n__keyevent@0__:hdel h\n");
    assert_int_equal(server.stat.dirty - dirty, 2);
    h_expect(c, "HDEL h c d n", ":3\r\n");
    h_notify_expect("__keyspace@0__:h hdel\n__keyevent@0__:hdel h\n"
                    "__keyspace@0__:h del\n__keyevent@0__:del h\n");
    assert_null(lookup(c, "h"));
    /* only the hash class */
    h_notify_start("Kh");
    h_expect(c, "HSET h2 a 1", ":1\r\n");
    h_expect(c, "HDEL h2 a", ":1\r\n");
    h_notify_expect("__keyspace@0__:h2 hset\n__keyspace@0__:h2 hdel\n");
    h_expect(c, "HGET h2 a", "$-1\r\n");
    h_notify_expect("");
}

static void test_watch_invalidated(void **state) {
    (void)state;
    Client *a = h_conn(), *b = fake();
    h_expect(b, "HSET h a 1", ":1\r\n");
    h_expect(a, "WATCH h", "+OK\r\n");
    h_expect(b, "HSETNX h a 2", ":0\r\n");      /* no change: the watch holds */
    h_expect(a, "MULTI", "+OK\r\n");
    h_expect(a, "HGET h a", "+QUEUED\r\n");
    h_expect(a, "EXEC", "*1\r\n$1\r\n1\r\n");
    h_expect(a, "WATCH h", "+OK\r\n");
    h_expect(b, "HINCRBY h a 1", ":2\r\n");
    h_expect(a, "MULTI", "+OK\r\n");
    h_expect(a, "HGET h a", "+QUEUED\r\n");
    h_expect(a, "EXEC", "*-1\r\n");
}

/* ---- the value layer ---- */

static void test_conversions(void **state) {
    (void)state;
    set_limits("3", "5");
    Obj *o = hash_create();
    assert_int_equal(o->encoding, ENC_LISTPACK);
    assert_int_equal(hash_set(o, "a", 1, "12345", 5), 1);
    assert_int_equal(hash_set(o, "b", 1, "2", 1), 1);
    assert_int_equal(hash_set(o, "c", 1, "3", 1), 1);
    assert_int_equal(hash_set(o, "c", 1, "33", 2), 0);
    assert_int_equal(o->encoding, ENC_LISTPACK);
    assert_int_equal(hash_length(o), 3);
    assert_int_equal(hash_set(o, "d", 1, "4", 1), 1);      /* 4 > 3 entries: after the write */
    assert_int_equal(o->encoding, ENC_HT);
    assert_int_equal(hash_length(o), 4);
    HashStr v;
    assert_true(hash_get(o, "c", 1, &v) && v.s && v.len == 2 && !memcmp(v.s, "33", 2));
    assert_true(hash_get(o, "a", 1, &v) && v.len == 5);
    obj_decr(o);

    o = hash_create();
    assert_int_equal(hash_set(o, "abcdef", 6, "1", 1), 1);  /* field over 5: before the write */
    assert_int_equal(o->encoding, ENC_HT);
    obj_decr(o);
    o = hash_create();
    assert_int_equal(hash_set(o, "f", 1, "123456", 6), 1);
    assert_int_equal(o->encoding, ENC_HT);
    obj_decr(o);

    /* hash_try_convert looks at every argument of the command */
    o = hash_create();
    Obj *argv[4] = {obj_string("f", 1), obj_string("v", 1), obj_string("g", 1), obj_string("toolong", 7)};
    hash_try_convert(o, argv, 0, 1);
    assert_int_equal(o->encoding, ENC_LISTPACK);
    hash_try_convert(o, argv, 0, 3);
    assert_int_equal(o->encoding, ENC_HT);
    hash_try_convert(o, argv, 0, 3);                      /* a table stays a table */
    assert_int_equal(o->encoding, ENC_HT);
    for (int i = 0; i < 4; i++) obj_decr(argv[i]);
    obj_decr(o);

    /* integers in the listpack come back as numbers, and as text after conversion */
    set_limits("512", "64");
    o = hash_create();
    hash_set(o, "n", 1, "-9223372036854775808", 20);
    assert_true(hash_get(o, "n", 1, &v) && v.s == NULL && v.ll == LLONG_MIN);
    hash_convert(o);
    assert_true(hash_get(o, "n", 1, &v) && v.s && v.len == 20 && !memcmp(v.s, "-9223372036854775808", 20));
    assert_int_equal(hash_delete(o, "n", 1), 1);
    assert_int_equal(hash_delete(o, "n", 1), 0);
    assert_int_equal(hash_length(o), 0);
    obj_decr(o);
}

/* Random sets and deletes against a model, with small limits so hashes convert
 * in the middle of the run; checks through gets and a full iteration. */
static void test_value_layer_model(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 42);
    enum { POOL = 60 };
    for (int round = 0; round < 40; round++) {
        set_limits(round % 2 ? "32" : "100", round % 3 ? "12" : "64");
        Obj *o = hash_create();
        int model[POOL];
        memset(model, -1, sizeof(model));
        for (int op = 0; op < 400; op++) {
            int k = (int)(rng_next(&r) % POOL), val = (int)(rng_next(&r) % 100000);
            char f[32], v[32];
            int fl = snprintf(f, sizeof(f), k % 3 ? "%d" : "field-%d", k);
            int vl = snprintf(v, sizeof(v), val % 7 ? "%d" : "value-%d-xxxxxx", val);
            if (rng_next(&r) % 3) {
                assert_int_equal(hash_set(o, f, (size_t)fl, v, (size_t)vl), model[k] < 0);
                model[k] = val;
            } else {
                assert_int_equal(hash_delete(o, f, (size_t)fl), model[k] >= 0);
                model[k] = -1;
            }
        }
        unsigned long n = 0;
        for (int k = 0; k < POOL; k++) n += model[k] >= 0;
        assert_int_equal(hash_length(o), n);
        HashIter it;
        hash_iter_init(&it, o);
        unsigned long seen = 0;
        while (hash_iter_next(&it)) {
            HashStr hf, hv;
            char fb[LONG_STR_SIZE], vb[LONG_STR_SIZE];
            size_t fl, vl;
            hash_iter_field(&it, &hf);
            hash_iter_value(&it, &hv);
            const char *fp = hash_str_bytes(&hf, fb, &fl), *vp = hash_str_bytes(&hv, vb, &vl);
            char fz[64], vz[64];               /* the bytes are not NUL-terminated */
            assert_true(fl < sizeof(fz) && vl < sizeof(vz));
            memcpy(fz, fp, fl), fz[fl] = 0;
            memcpy(vz, vp, vl), vz[vl] = 0;
            int k = atoi(fz[0] == 'f' ? fz + 6 : fz);
            int val = atoi(vz[0] == 'v' ? vz + 6 : vz);
            assert_true(k >= 0 && k < POOL && model[k] == val);
            seen++;
        }
        hash_iter_done(&it);
        assert_int_equal(seen, n);
        obj_decr(o);
    }
}

/* ---- the descriptor ---- */

static void test_descriptor(void **state) {
    (void)state;
    Client *c = fake();
    const ObjType *t = objtype_get(OBJ_HASH);
    assert_non_null(t);
    assert_string_equal(t->name, "hash");
    h_expect(c, "HSET lp a 1 b hello c -17", ":3\r\n");
    h_config("hash-max-listpack-entries", "0");
    h_expect(c, "HSET ht c -17 a 1 b hello", ":3\r\n");
    Obj *lp = lookup(c, "lp"), *ht = lookup(c, "ht");
    assert_int_equal(lp->encoding, ENC_LISTPACK);
    assert_int_equal(ht->encoding, ENC_HT);
    /* Redis 7.0.15's DEBUG DIGEST-VALUE of this hash, in either encoding */
    h_expect(c, "DEBUG DIGEST-VALUE lp ht",
             "*2\r\n+72a8377118d8913407298caad67682ab1d3fa7d9\r\n"
             "+72a8377118d8913407298caad67682ab1d3fa7d9\r\n");
    assert_int_equal(t->free_effort(lp), 1);
    assert_int_equal(t->free_effort(ht), 3);
    assert_true(t->mem_usage(lp, 5) > 0 && t->mem_usage(ht, 0) > 3 * 8);
    Obj *d1 = t->dup(lp), *d2 = t->dup(ht);
    assert_int_equal(d1->encoding, ENC_LISTPACK);
    assert_int_equal(d2->encoding, ENC_HT);
    assert_int_equal(hash_length(d1), 3);
    assert_int_equal(hash_length(d2), 3);
    hash_set(d2, "a", 1, "changed", 7);
    HashStr v;
    assert_true(hash_get(ht, "a", 1, &v) && v.len == 1);
    obj_decr(d1);
    obj_decr(d2);
    h_expect(c, "COPY ht ht2", ":1\r\n");
    h_expect(c, "HGET ht2 b", "$5\r\nhello\r\n");
    h_expect_match(c, "MEMORY USAGE ht SAMPLES 0", ":*");
    h_expect(c, "OBJECT ENCODING ht2", "$9\r\nhashtable\r\n");
}

static void test_lazyfree_big_hash(void **state) {
    (void)state;
    Client *c = fake();
    h_config("hash-max-listpack-entries", "0");
    for (int i = 0; i < 20; i++) {
        char line[128];
        snprintf(line, sizeof(line), "HSET big f%d v f%d v f%d v f%d v f%d v", i, i + 100, i + 200, i + 300, i + 400);
        h_expect(c, line, ":5\r\n");
    }
    assert_int_equal(hash_length(lookup(c, "big")), 100);
    h_expect(c, "UNLINK big", ":1\r\n");
    h_expect(c, "EXISTS big", ":0\r\n");
    bio_drain();
}

/* ---- HRANDFIELD / HSCAN through the command table ---- */

static void test_randfield_and_scan(void **state) {
    (void)state;
    Client *c = fake();
    for (int enc = 0; enc < 2; enc++) {
        h_config("hash-max-listpack-entries", enc ? "0" : "512");
        sds_free(h_run(c, "DEL h"));
        h_expect(c, "HSET h a 1 b 2 c 3", ":3\r\n");
        h_expect_match(c, "HRANDFIELD h", "$1\r\n?\r\n");
        h_expect_match(c, "HRANDFIELD h 5", "*3\r\n*");
        h_expect_match(c, "HRANDFIELD h -5 WITHVALUES", "*10\r\n*");
        h_expect_match(c, "HRANDFIELD h 2", "*2\r\n*");
        h_expect_match(c, "HSCAN h 0 COUNT 100", "*2\r\n$1\r\n0\r\n*6\r\n*");
        h_expect(c, "HSCAN h 0 MATCH b", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    }
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_events, teardown),
        cmocka_unit_test_teardown(test_watch_invalidated, teardown),
        cmocka_unit_test_teardown(test_conversions, teardown),
        cmocka_unit_test_teardown(test_value_layer_model, teardown),
        cmocka_unit_test_teardown(test_descriptor, teardown),
        cmocka_unit_test_teardown(test_lazyfree_big_hash, teardown),
        cmocka_unit_test_teardown(test_randfield_and_scan, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
