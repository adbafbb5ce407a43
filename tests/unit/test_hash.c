/* test_hash.c - the hash type through an in-process server (tests/unit/harness.h):
 * keyspace events and dirty counts of every write (Redis 7.0's names: hset, hdel,
 * hincrby, hincrbyfloat, del when emptied; none for a write that changes nothing),
 * the encoding conversions of the value layer (src/types/hash.c) at the
 * thresholds, the type descriptor (COPY's dup, DEBUG DIGEST against Redis's value,
 * MEMORY USAGE, lazy-free effort), HRANDFIELD/HSCAN on both encodings, a
 * randomized run of the value layer against a model across conversions, and the
 * RDB encodings through the descriptor: random hashes across the listpack
 * thresholds (hash-max-listpack-entries/value and rdbcompression varied between
 * saving and loading) saved and loaded back with their pairs, length, the encoding
 * Redis 7.0 picks and DEBUG DIGEST-VALUE checked; empty and hostile payloads; and
 * thousands of mutated payloads, each refused with a message or loaded into a
 * fully consistent hash (iteration gives exactly its length, each field found with
 * its value, none twice; a listpack-encoded one's fpack sound, and its listpack form
 * too), without leaks. Seeds printed; VESPER_TEST_SEED replays. */
#include <inttypes.h>
#include <limits.h>
#include "harness.h"
#include "types/hash.h"
#include "base/rio.h"
#include "ds/fpack.h"
#include "ds/listpack.h"
#include "ds/rdbenc.h"

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

/* ---- RDB through the descriptor ---- */

static uint64_t rdb_seed(const char *what) {
    const char *env = getenv("VESPER_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)ustime();
    printf("  %s seed %" PRIu64 " (replay with VESPER_TEST_SEED=%" PRIu64 ")\n", what, seed, seed);
    return seed;
}

/* The value's encoding after its RDB type byte, with rdbcompression on or off. */
static Sds rdb_bytes(const Obj *o, int compress, int *rdbtype) {
    const ObjType *t = objtype_get(OBJ_HASH);
    Rio w;
    rio_init_buffer(&w);
    w.compress = compress;
    *rdbtype = t->rdb_type(o);
    assert_true(t->rdb_save(&w, o));
    Sds b = rio_take_buffer(&w);
    rio_close(&w);
    return b;
}

/* Loads n bytes (copied into an allocation of exactly n bytes, so ASan sees any
 * read past them); *used gets the bytes consumed. */
static Obj *rdb_from(int rdbtype, const void *p, size_t n, RdbErr *err, size_t *used) {
    unsigned char *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    Rio r;
    rio_init_mem(&r, copy, n);
    Obj *o = objtype_get(OBJ_HASH)->rdb_load(&r, rdbtype, err);
    if (used) *used = r.io.mem.pos;
    free(copy);
    return o;
}

static void digest_of(const Obj *o, uint8_t d[20]) {
    memset(d, 0, 20);
    objtype_get(OBJ_HASH)->digest(o, d);
}

/* A field with its value, as the model and the checks hold them. */
typedef struct Pair {
    Sds f, v;
} Pair;

static int cmp_pair(const void *a, const void *b) {
    const Pair *x = a, *y = b;
    size_t lx = sds_len(x->f), ly = sds_len(y->f);
    int c = memcmp(x->f, y->f, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

static void free_pairs(Pair *p, size_t n) {
    for (size_t i = 0; i < n; i++) sds_free(p[i].f), sds_free(p[i].v);
    free(p);
}

static Sds hash_str_sds(const HashStr *h) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = hash_str_bytes(h, buf, &len);
    return sds_newlen(p, len);
}

/* Whatever o holds must be a whole hash: iteration gives exactly hash_length
 * pairs, no field twice, each field found by lookup with the value iteration
 * gave; a listpack passes the pairs check. Returns the pairs sorted by field. */
static Pair *checked_pairs(Obj *o, const char *what, uint64_t seed, int round) {
    if (o->type != OBJ_HASH || (o->encoding != ENC_LISTPACK && o->encoding != ENC_HT))
        fail_msg("seed %" PRIu64 " round %d (%s): type %d encoding %d", seed, round, what, o->type, o->encoding);
    if (o->encoding == ENC_LISTPACK) { /* a sound fpack, whose listpack form is sound */
        unsigned long pairs;
        unsigned char *lp = fpack_validate(o->ptr) ? fpack_to_listpack(o->ptr) : NULL;
        int ok = lp && rdb_lp_pairs_valid(lp, lp_bytes(lp), &pairs) && pairs == hash_length(o);
        if (lp) lp_free(lp);
        if (!ok) fail_msg("seed %" PRIu64 " round %d (%s): a bad listpack", seed, round, what);
    }
    size_t len = hash_length(o), n = 0;
    Pair *p = malloc((len + 1) * sizeof(Pair));
    HashIter it;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        if (n == len) fail_msg("seed %" PRIu64 " round %d (%s): iteration passes length %zu", seed, round, what, len);
        HashStr h;
        hash_iter_field(&it, &h);
        p[n].f = hash_str_sds(&h);
        hash_iter_value(&it, &h);
        p[n].v = hash_str_sds(&h);
        n++;
    }
    hash_iter_done(&it);
    if (n != len) fail_msg("seed %" PRIu64 " round %d (%s): iterated %zu of length %zu", seed, round, what, n, len);
    qsort(p, n, sizeof(Pair), cmp_pair);
    for (size_t i = 0; i < n; i++) {
        if (i && !cmp_pair(&p[i - 1], &p[i])) fail_msg("seed %" PRIu64 " round %d (%s): a field twice", seed, round, what);
        HashStr h;
        if (!hash_get(o, p[i].f, sds_len(p[i].f), &h))
            fail_msg("seed %" PRIu64 " round %d (%s): a field not found by lookup", seed, round, what);
        Sds v = hash_str_sds(&h);
        if (sds_len(v) != sds_len(p[i].v) || memcmp(v, p[i].v, sds_len(v)))
            fail_msg("seed %" PRIu64 " round %d (%s): lookup and iteration disagree on a value", seed, round, what);
        sds_free(v);
    }
    return p;
}

/* A random field or value: integers of every width (small ones repeat), strings
 * that look like integers but are not canonical, names, long compressible strings
 * (past hash-max-listpack-value), binary bytes, empty. */
static Sds random_hash_str(Rng *r) {
    static const char *odd[] = {"007", "-0", " 1", "1 ", "+5", "1.0", "00", "", "9223372036854775808"};
    switch (rng_next(r) % 7) {
    case 0:
        return sds_fromll((long long)(rng_next(r) % 2001) - 1000);
    case 1: {
        int bits = 1 + (int)(rng_next(r) % 63);
        long long v = (long long)(rng_next(r) >> (64 - bits));
        return sds_fromll(rng_next(r) % 2 ? -v : v);
    }
    case 2:
        return sds_new(odd[rng_next(r) % (sizeof(odd) / sizeof(odd[0]))]);
    case 3:
        return sds_catprintf(sds_empty(), "f%llu", (unsigned long long)(rng_next(r) % 100000));
    case 4: {
        size_t n = 1 + rng_next(r) % (rng_next(r) % 4 ? 30 : 300);
        Sds s = sds_newlen(NULL, n);
        for (size_t i = 0; i < n; i++) s[i] = "xyz"[(i / 5) % 3];
        return sds_catprintf(s, "%llu", (unsigned long long)rng_next(r) % 100000);
    }
    default: {
        size_t n = rng_next(r) % 20;
        Sds s = sds_newlen(NULL, n);
        for (size_t i = 0; i < n; i++) s[i] = (char)rng_next(r);
        return s;
    }
    }
}

static const char *entry_limits[] = {"0", "1", "8", "100", "512"};
static const char *value_limits[] = {"0", "4", "16", "64", "1000"};

/* A random hash of about n fields built as HSET builds it (under the current
 * limits); *model gets its pairs (a field set twice keeps its last value), sorted. */
static Obj *random_hash(Rng *r, size_t n, Pair **model, size_t *mn) {
    Pair *m = malloc((n + 1) * sizeof(Pair));
    size_t k = 0;
    Obj *o = hash_create();
    for (size_t i = 0; i < n; i++) {
        Sds f = random_hash_str(r), v = random_hash_str(r);
        if (hash_set(o, f, sds_len(f), v, sds_len(v))) {
            m[k].f = f, m[k].v = v;
            k++;
            continue;
        }
        for (size_t j = 0; j < k; j++)
            if (sds_len(m[j].f) == sds_len(f) && !memcmp(m[j].f, f, sds_len(f))) {
                sds_free(m[j].v);
                m[j].v = v;
                break;
            }
        sds_free(f);
    }
    qsort(m, k, sizeof(Pair), cmp_pair);
    *model = m;
    *mn = k;
    return o;
}

/* DEBUG DIGEST-VALUE gives a and b (stored under two keys for the command) the
 * same digest; the objects go into the keyspace and are deleted. */
static void expect_same_digest_value(Client *c, Obj *a, Obj *b) {
    db_add(c->db, "rdb:a", 5, a);
    db_add(c->db, "rdb:b", 5, b);
    Sds got = h_run(c, "DEBUG DIGEST-VALUE rdb:a rdb:b");
    if (sds_len(got) != 4 + 2 * 43 || memcmp(got + 5, got + 5 + 43, 40) || !memcmp(got + 5, "0000000000", 10)) {
        Sds g = h_repr(got, sds_len(got));
        fail_msg("DEBUG DIGEST-VALUE of a value and of it saved and loaded: %s", g);
    }
    sds_free(got);
    h_expect(c, "DEL rdb:a rdb:b", ":2\r\n");
}

static void test_rdb_roundtrip(void **state) {
    (void)state;
    uint64_t seed = rdb_seed("hash rdb round trip");
    Rng r;
    rng_seed(&r, seed);
    Client *c = fake();
    size_t ne = sizeof(entry_limits) / sizeof(entry_limits[0]), nv = sizeof(value_limits) / sizeof(value_limits[0]);
    for (int round = 0; round < 300; round++) {
        const char *se = entry_limits[rng_next(&r) % ne], *sv = value_limits[rng_next(&r) % nv];
        const char *le = rng_next(&r) % 2 ? se : entry_limits[rng_next(&r) % ne];
        const char *lv = rng_next(&r) % 2 ? sv : value_limits[rng_next(&r) % nv];
        set_limits(se, sv);
        long long lim = atoll(le), vlim = atoll(lv);
        size_t n;
        switch (rng_next(&r) % 4) {
        case 0: n = 1 + rng_next(&r) % 8; break;
        case 1: {
            long long around = lim + (long long)(rng_next(&r) % 5) - 2;
            n = around > 0 ? (size_t)around : 1;
            break;
        }
        case 2: n = 1 + rng_next(&r) % 700; break;
        default: n = 1 + rng_next(&r) % 64;
        }
        Pair *model;
        size_t mn;
        Obj *o = random_hash(&r, n, &model, &mn);
        int compress = (int)(rng_next(&r) % 2), rdbtype;
        Sds b = rdb_bytes(o, compress, &rdbtype);
        assert_int_equal(rdbtype, o->encoding == ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH);

        set_limits(le, lv);
        RdbErr err = {{0}};
        size_t used, before = vmalloc_used();
        Obj *l = rdb_from(rdbtype, b, sds_len(b), &err, &used);
        if (!l) fail_msg("seed %" PRIu64 " round %d: did not load: %s", seed, round, err.msg);
        assert_int_equal(used, sds_len(b));
        assert_int_equal(err.empty, 0);
        /* the encoding Redis 7.0 picks when loading: a listpack blob stays one
         * while it has few enough fields; pairs build one while they fit both limits */
        int fits = (long long)mn <= lim;
        for (size_t i = 0; rdbtype == RDB_TYPE_HASH && fits && i < mn; i++)
            fits = (long long)sds_len(model[i].f) <= vlim && (long long)sds_len(model[i].v) <= vlim;
        int want_enc = fits ? ENC_LISTPACK : ENC_HT;
        if (l->encoding != want_enc)
            fail_msg("seed %" PRIu64 " round %d: %zu pairs (rdb type %d, limits %lld/%lld) loaded as encoding %d, want %d",
                     seed, round, mn, rdbtype, lim, vlim, l->encoding, want_enc);
        Pair *got = checked_pairs(l, "round trip", seed, round);
        assert_int_equal(hash_length(l), mn);
        for (size_t i = 0; i < mn; i++)
            if (cmp_pair(&got[i], &model[i]) || sds_len(got[i].v) != sds_len(model[i].v) ||
                memcmp(got[i].v, model[i].v, sds_len(got[i].v)))
                fail_msg("seed %" PRIu64 " round %d: pair %zu differs", seed, round, i);
        free_pairs(got, mn);
        uint8_t d1[20], d2[20];
        digest_of(o, d1);
        digest_of(l, d2);
        assert_memory_equal(d1, d2, 20);
        /* a listpack saved again is the same blob */
        int t2;
        Sds b2 = rdb_bytes(l, compress, &t2);
        if (t2 == RDB_TYPE_HASH_LISTPACK && rdbtype == RDB_TYPE_HASH_LISTPACK) {
            assert_int_equal(sds_len(b2), sds_len(b));
            assert_memory_equal(b2, b, sds_len(b));
        }
        sds_free(b2);
        if (round % 10 == 0) {
            expect_same_digest_value(c, o, l);
        } else {
            obj_decr(l);
            size_t after = vmalloc_used();
            if (after != before) fail_msg("seed %" PRIu64 " round %d: loading leaked %zd bytes", seed, round, (ssize_t)(after - before));
            obj_decr(o);
        }
        free_pairs(model, mn);
        sds_free(b);
    }
}

/* Well-formed empty values, repeated fields in every form, hostile counts. */
static void test_rdb_hostile(void **state) {
    (void)state;
    RdbErr err = {{0}};
    /* empty: no pairs, and a listpack of no entries */
    assert_null(rdb_from(RDB_TYPE_HASH, "\x00", 1, &err, NULL));
    assert_int_equal(err.empty, 1);
    assert_true(err.msg[0] != 0);
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_HASH_LISTPACK, "\x07\x07\x00\x00\x00\x00\x00\xff", 8, &err, NULL));
    assert_int_equal(err.empty, 1);
    /* a listpack: odd count, a field twice (12 as an integer, then as text), truncated */
    const struct {
        const char *b;
        size_t n;
    } bad[] = {
        {"\x0a\x0a\x00\x00\x00\x01\x00\x81" "a\x02\xff", 11},
        {"\x13\x13\x00\x00\x00\x04\x00\x0c\x01\x81" "a\x02\x82" "12\x03\x81" "b\x02\xff", 20},
        {"\x0b\x0c\x00\x00\x00\x02\x00\x81" "a\x02\x01\x01", 12},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_null(rdb_from(RDB_TYPE_HASH_LISTPACK, bad[i].b, bad[i].n, &err, NULL));
        assert_string_equal(err.msg, "Hash listpack integrity check failed.");
        assert_int_equal(err.empty, 0);
    }
    /* the same listpack with "13" in place of the text "12" loads */
    Obj *o = rdb_from(RDB_TYPE_HASH_LISTPACK, "\x13\x13\x00\x00\x00\x04\x00\x0c\x01\x81" "a\x02\x82" "13\x03\x81" "b\x02\xff", 20, &err, NULL);
    assert_non_null(o);
    assert_int_equal(hash_length(o), 2);
    obj_decr(o);
    /* pairs repeating a field: in the listpack phase, at the conversion to a table
     * (a long value arriving after the repeat), and in the table */
    set_limits("512", "4");
    const char *dups[] = {"\x02\xc0\x0c\x01" "a\x02" "12\x01" "b",
                          "\x03\x01" "x\x01" "a\x01" "x\x01" "b\x01" "y\x05" "long!",
                          "\x03\x01" "y\x05" "long!\x01" "x\x01" "a\x01" "x\x01" "b"};
    const size_t dup_len[] = {10, 17, 17};
    for (int i = 0; i < 3; i++) {
        memset(&err, 0, sizeof(err));
        assert_null(rdb_from(RDB_TYPE_HASH, dups[i], dup_len[i], &err, NULL));
        assert_string_equal(err.msg, "Duplicate hash fields detected");
    }
    set_limits("0", "64");
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_HASH, dups[0], dup_len[0], &err, NULL));
    assert_string_equal(err.msg, "Duplicate hash fields detected");
    set_limits("512", "64");
    /* 2^40 pairs behind two: ends at the end of the data without presizing for them */
    size_t before = vmalloc_used();
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_HASH, "\x81\x00\x00\x01\x00\x00\x00\x00\x00\x01x\x01y\x01z\x01w", 17, &err, NULL));
    assert_string_equal(err.msg, "unexpected end of data");
    /* a value missing after its field */
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_HASH, "\x01\x01x", 3, &err, NULL));
    assert_string_equal(err.msg, "unexpected end of data");
    assert_int_equal(vmalloc_used(), before);
}

/* A mutated copy of b (*n bytes in, *n bytes out): bytes changed, cut, inserted,
 * removed, a chunk copied over another place, or a byte set to one the formats
 * give meaning to. */
static unsigned char *mutate(Rng *r, const unsigned char *b, size_t *n) {
    static const unsigned char special[] = {0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xc0,
                                            0xc1, 0xc2, 0xc3, 0xe0, 0xf0, 0xf1, 0xf4, 0xfe, 0xff};
    size_t len = *n, cap = len + 64;
    unsigned char *m = malloc(cap);
    memcpy(m, b, len);
    int ops = 1 + (int)(rng_next(r) % 3);
    for (int op = 0; op < ops; op++) {
        size_t pos = len ? (size_t)(rng_next(r) % len) : 0;
        switch (rng_next(r) % 6) {
        case 0:
            if (len) m[pos] ^= (unsigned char)(1 + rng_next(r) % 255);
            break;
        case 1:
            len = pos;
            break;
        case 2: {
            size_t k = 1 + rng_next(r) % 8;
            if (len + k > cap) break;
            memmove(m + pos + k, m + pos, len - pos);
            for (size_t i = 0; i < k; i++) m[pos + i] = (unsigned char)rng_next(r);
            len += k;
            break;
        }
        case 3: {
            size_t k = 1 + rng_next(r) % 8;
            if (pos + k > len) k = len - pos;
            memmove(m + pos, m + pos + k, len - pos - k);
            len -= k;
            break;
        }
        case 4: {
            if (!len) break;
            size_t from = (size_t)(rng_next(r) % len), k = 1 + rng_next(r) % 16;
            if (from + k > len) k = len - from;
            if (pos + k > len) k = len - pos;
            memmove(m + pos, m + from, k);
            break;
        }
        default:
            if (len) m[pos] = special[rng_next(r) % sizeof(special)];
        }
    }
    *n = len;
    return m;
}

static void test_rdb_mutations(void **state) {
    (void)state;
    uint64_t seed = rdb_seed("hash rdb mutation");
    Rng r;
    rng_seed(&r, seed);
    size_t ne = sizeof(entry_limits) / sizeof(entry_limits[0]), nv = sizeof(value_limits) / sizeof(value_limits[0]);
    long loaded = 0, refused = 0;
    for (int round = 0; round < 150; round++) {
        set_limits(entry_limits[rng_next(&r) % ne], value_limits[rng_next(&r) % nv]);
        Pair *model;
        size_t mn;
        Obj *o = random_hash(&r, 1 + rng_next(&r) % 30, &model, &mn);
        int rdbtype;
        Sds b = rdb_bytes(o, (int)(rng_next(&r) % 2), &rdbtype);
        obj_decr(o);
        free_pairs(model, mn);
        set_limits(entry_limits[rng_next(&r) % ne], value_limits[rng_next(&r) % nv]);
        for (int k = 0; k < 150; k++) {
            size_t n = sds_len(b);
            unsigned char *m = mutate(&r, (const unsigned char *)b, &n);
            int type = rng_next(&r) % 8 ? rdbtype : (rdbtype == RDB_TYPE_HASH ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH);
            RdbErr err = {{0}};
            size_t before = vmalloc_used();
            Obj *l = rdb_from(type, m, n, &err, NULL);
            if (!l) {
                if (!err.msg[0]) fail_msg("seed %" PRIu64 " round %d.%d: refused without a message", seed, round, k);
                refused++;
            } else {
                assert_int_equal(err.empty, 0);
                int sub = round * 1000 + k;
                Pair *got = checked_pairs(l, "mutated", seed, sub);
                size_t ln = hash_length(l);
                /* it saves and loads back to the same hash */
                uint8_t d1[20], d2[20];
                digest_of(l, d1);
                int t2;
                Sds b2 = rdb_bytes(l, 1, &t2);
                RdbErr err2 = {{0}};
                Obj *l2 = rdb_from(t2, b2, sds_len(b2), &err2, NULL);
                if (!l2) fail_msg("seed %" PRIu64 " round %d.%d: a loaded hash does not load again: %s", seed, round, k, err2.msg);
                digest_of(l2, d2);
                assert_memory_equal(d1, d2, 20);
                assert_int_equal(hash_length(l2), ln);
                Obj *d = objtype_get(OBJ_HASH)->dup(l);
                assert_int_equal(hash_length(d), ln);
                /* a write works on what was loaded (a listpack converts) */
                hash_set(d, "new-field", 9, "v", 1);
                hash_convert(d);
                assert_int_equal(hash_length(d), ln + (hash_get(l, "new-field", 9, &(HashStr){0}) ? 0 : 1));
                obj_decr(d);
                obj_decr(l2);
                sds_free(b2);
                free_pairs(got, ln);
                obj_decr(l);
                loaded++;
            }
            if (vmalloc_used() != before) fail_msg("seed %" PRIu64 " round %d.%d: leaked", seed, round, k);
            free(m);
        }
        sds_free(b);
    }
    printf("  %ld mutated payloads loaded, %ld refused\n", loaded, refused);
    assert_true(loaded > 0 && refused > 0);
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
        cmocka_unit_test_teardown(test_rdb_roundtrip, teardown),
        cmocka_unit_test_teardown(test_rdb_hostile, teardown),
        cmocka_unit_test_teardown(test_rdb_mutations, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
