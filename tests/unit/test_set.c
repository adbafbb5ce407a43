/* test_set.c - the set type (types/set.c, set_cmds.c) through the in-process
 * server: the keyspace events of every write (Redis 7.0's names and order), the
 * dirty count Redis adds, the encodings (intset until a non-integer or one member
 * too many, never back; sets built afresh by SPOP and the STORE commands), the
 * type's descriptor (COPY, DEBUG DIGEST-VALUE independent of the encoding, free
 * effort), and a randomized run of thousands of commands against a model of a few
 * sets over a small universe of members (seed printed; VESPER_TEST_SEED replays). */
#include "harness.h"
#include <inttypes.h>

/* Runs a command whose reply the test does not look at. */
static void run(Client *c, const char *line) { sds_free(h_run(c, line)); }

/* ---------------- events ---------------- */

static void test_events(void **state) {
    (void)state;
    Client *c = h_fake();
    h_notify_start("EA");
    h_expect(c, "SADD s a b c", ":3\r\n");
    h_expect(c, "SADD s a", ":0\r\n");
    h_expect(c, "SREM s a zz", ":1\r\n");
    h_expect(c, "SREM s zz", ":0\r\n");
    h_notify_expect("__keyevent@0__:sadd s\n__keyevent@0__:srem s\n");
    h_expect(c, "SREM s b c", ":2\r\n");
    h_notify_expect("__keyevent@0__:srem s\n__keyevent@0__:del s\n");
    h_expect(c, "SADD s a b", ":2\r\n");
    h_expect(c, "SADD d b", ":1\r\n");
    sds_clear(h_events);
    h_expect(c, "SMOVE s d b", ":1\r\n");
    h_notify_expect("__keyevent@0__:srem s\n");
    h_expect(c, "SMOVE s d a", ":1\r\n");
    h_notify_expect("__keyevent@0__:srem s\n__keyevent@0__:del s\n__keyevent@0__:sadd d\n");
    h_expect(c, "SMOVE d d a", ":1\r\n");
    h_expect(c, "SMOVE nokey d a", ":0\r\n");
    h_notify_expect("");
    run(c, "SPOP d");
    h_notify_expect("__keyevent@0__:spop d\n");
    run(c, "SPOP d");
    h_notify_expect("__keyevent@0__:spop d\n__keyevent@0__:del d\n");
    run(c, "SADD p 1 2 3 4 5 6 7 8 9 10");
    sds_clear(h_events);
    run(c, "SPOP p 3");
    run(c, "SPOP p 0");
    h_notify_expect("__keyevent@0__:spop p\n");
    run(c, "SPOP p 100");
    h_notify_expect("__keyevent@0__:spop p\n__keyevent@0__:del p\n");
    run(c, "SADD a 1 2");
    run(c, "SADD b 2 3");
    sds_clear(h_events);
    h_expect(c, "SINTERSTORE x a b", ":1\r\n");
    h_expect(c, "SUNIONSTORE y a b", ":3\r\n");
    h_expect(c, "SDIFFSTORE z a b", ":1\r\n");
    h_notify_expect("__keyevent@0__:sinterstore x\n__keyevent@0__:sunionstore y\n__keyevent@0__:sdiffstore z\n");
    h_expect(c, "SINTERSTORE x a nokey", ":0\r\n");
    h_expect(c, "SDIFFSTORE y a a", ":0\r\n");
    h_expect(c, "SUNIONSTORE z nokey", ":0\r\n");
    h_expect(c, "SUNIONSTORE z nokey", ":0\r\n");
    h_notify_expect("__keyevent@0__:del x\n__keyevent@0__:del y\n__keyevent@0__:del z\n");
}

/* ---------------- dirty counts ---------------- */

static void expect_dirty(Client *c, const char *line, long long more) {
    long long before = server.stat.dirty;
    Sds out = h_run(c, line);
    sds_free(out);
    if (server.stat.dirty - before != more)
        fail_msg("%s: dirty grew by %lld, want %lld", line, server.stat.dirty - before, more);
}

static void test_dirty_counts(void **state) {
    (void)state;
    Client *c = h_fake();
    expect_dirty(c, "SADD s a b c a", 3);
    expect_dirty(c, "SADD s a", 0);
    expect_dirty(c, "SREM s a b zz", 2);
    expect_dirty(c, "SADD s 1 2 3 4 5 6", 6);
    expect_dirty(c, "SPOP s 3", 3);
    expect_dirty(c, "SPOP s 0", 0);
    expect_dirty(c, "SPOP s", 1);
    expect_dirty(c, "SPOP s 10", 3);
    expect_dirty(c, "SADD a x y", 2);
    expect_dirty(c, "SADD b y", 1);
    expect_dirty(c, "SMOVE a b y", 1);   /* already in b: only the source changed */
    expect_dirty(c, "SMOVE a b x", 2);
    expect_dirty(c, "SMOVE b b x", 0);
    expect_dirty(c, "SINTERSTORE d b b", 1);
    expect_dirty(c, "SINTERSTORE d b nokey", 1);
    expect_dirty(c, "SINTERSTORE d b nokey", 0);
    expect_dirty(c, "SINTER b b", 0);
}

/* ---------------- encodings and the descriptor ---------------- */

static void expect_encoding(Client *c, const char *key, const char *enc) {
    char line[128], want[64];
    snprintf(line, sizeof(line), "OBJECT ENCODING %s", key);
    snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(enc), enc);
    h_expect(c, line, want);
}

static void test_encodings(void **state) {
    (void)state;
    Client *c = h_fake();
    h_config("set-max-intset-entries", "4");
    run(c, "SADD i 1 2 3 4");
    expect_encoding(c, "i", "intset");
    run(c, "SADD i 5");
    expect_encoding(c, "i", "hashtable");
    run(c, "SREM i 1 2 3 4");
    expect_encoding(c, "i", "hashtable");
    run(c, "SADD j 1 2");
    run(c, "SADD j x");
    expect_encoding(c, "j", "hashtable");
    run(c, "SADD k x 1");
    expect_encoding(c, "k", "hashtable");
    /* built afresh: SINTERSTORE of a hashtable of integers gives an intset */
    run(c, "SADD h 1 2 3 4 5 6 7 8");
    h_expect(c, "SINTERSTORE d h h", ":8\r\n");
    expect_encoding(c, "d", "hashtable");
    h_expect(c, "SDIFFSTORE d h k", ":7\r\n");
    expect_encoding(c, "d", "hashtable");
    run(c, "SADD small 1 2");
    h_expect(c, "SINTERSTORE d h small", ":2\r\n");
    expect_encoding(c, "d", "intset");
    /* SPOP picking 6 of 8 leaves the hashtable; popping 7 of 8 keeps 1 in a new intset */
    run(c, "SPOP h 6");
    expect_encoding(c, "h", "hashtable");
    run(c, "SADD h 1 2 3 4 5 6 7 8");
    run(c, "SPOP h 7");
    expect_encoding(c, "h", "intset");
    h_config("set-max-intset-entries", "0");
    run(c, "SADD z 7");
    expect_encoding(c, "z", "hashtable");
    h_config("set-max-intset-entries", "512");
}

static void test_copy_digest_effort(void **state) {
    (void)state;
    Client *c = h_fake();
    run(c, "SADD i 3 -1 300000");
    run(c, "SADD h 3 -1 300000 x");
    run(c, "SREM h x");
    Sds di = h_run(c, "DEBUG DIGEST-VALUE i"), dh = h_run(c, "DEBUG DIGEST-VALUE h");
    h_assert_bytes("digest of the same members in both encodings", di, sds_len(di), dh, sds_len(dh));
    /* Redis 7.0.15's DEBUG DIGEST-VALUE for this value */
    const char *want = "*1\r\n+448b3c21ef2ffaf957685a6b602f99f245d4e13c\r\n";
    h_assert_bytes("digest", di, sds_len(di), want, strlen(want));
    sds_free(di);
    sds_free(dh);
    h_expect(c, "COPY h h2", ":1\r\n");
    expect_encoding(c, "h2", "hashtable");
    h_expect(c, "COPY i i2", ":1\r\n");
    expect_encoding(c, "i2", "intset");
    run(c, "SADD i2 9");
    h_expect(c, "SCARD i", ":3\r\n");
    h_expect(c, "SCARD i2", ":4\r\n");
    const ObjType *t = objtype_get(OBJ_SET);
    assert_non_null(t);
    Obj *h = db_find(c->db, "h", 1), *i = db_find(c->db, "i", 1);
    assert_int_equal(t->free_effort(h), 3);
    assert_int_equal(t->free_effort(i), 1);
    assert_true(t->mem_usage(h, 0) > 0);
    assert_true(t->mem_usage(i, 5) > 0);
}

/* ---------------- randomized against a model ---------------- */

#define UNIVERSE 40   /* members "0".."19" and "s0".."s19" */
#define NKEYS 3

static uint64_t model[NKEYS];

static void member_name(int m, char *buf, size_t n) {
    if (m < UNIVERSE / 2) snprintf(buf, n, "%d", m);
    else snprintf(buf, n, "s%d", m - UNIVERSE / 2);
}

static int member_index(const char *p, size_t len) {
    char buf[16];
    for (int m = 0; m < UNIVERSE; m++) {
        member_name(m, buf, sizeof(buf));
        if (strlen(buf) == len && memcmp(buf, p, len) == 0) return m;
    }
    return -1;
}

/* Parses an array of bulk strings of the universe into a bitmap. */
static uint64_t parse_members(const char *r) {
    uint64_t bits = 0;
    char *end;
    long n = strtol(r + 1, &end, 10);
    const char *p = end + 2;
    for (long i = 0; i < n; i++) {
        long len = strtol(p + 1, &end, 10);
        p = end + 2;
        int m = member_index(p, (size_t)len);
        assert_true(m >= 0);
        assert_false(bits & (1ULL << m));   /* no repeats */
        bits |= 1ULL << m;
        p += len + 2;
    }
    return bits;
}

static uint64_t smembers(Client *c, int k) {
    char line[32];
    snprintf(line, sizeof(line), "SMEMBERS k%d", k);
    Sds r = h_run(c, line);
    uint64_t bits = parse_members(r);
    sds_free(r);
    return bits;
}

static void check_key(Client *c, int k, uint64_t seed, int op) {
    uint64_t got = smembers(c, k);
    if (got != model[k])
        fail_msg("seed %" PRIu64 " op %d: k%d holds %" PRIx64 ", model %" PRIx64, seed, op, k, got, model[k]);
    Obj *o = db_find(c->db, (char[]){'k', (char)('0' + k)}, 2);
    assert_int_equal(o != NULL, model[k] != 0);
    if (o && o->encoding == ENC_INTSET) assert_true((model[k] >> (UNIVERSE / 2)) == 0);
    if (o && (model[k] >> (UNIVERSE / 2))) assert_int_equal(o->encoding, ENC_HT);
}

/* Appends n random members to line; returns them as a bitmap. */
static uint64_t random_members(Sds *line, int n) {
    char buf[16];
    uint64_t bits = 0;
    for (int i = 0; i < n; i++) {
        int m = (int)(rand_u64() % UNIVERSE);
        member_name(m, buf, sizeof(buf));
        *line = sds_catprintf(*line, " %s", buf);
        bits |= 1ULL << m;
    }
    return bits;
}

static long long run_int(Client *c, const char *line) { return h_int(c, line); }

/* SPOP with a count: the reply holds what left the set, exactly min(count, size). */
static void random_spop(Client *c, int k, uint64_t seed, int opno) {
    int count = (int)(rand_u64() % 12);
    char line[64];
    snprintf(line, sizeof(line), "SPOP k%d %d", k, count);
    Sds r = h_run(c, line);
    uint64_t popped = parse_members(r);
    sds_free(r);
    uint64_t after = smembers(c, k);
    int size = __builtin_popcountll(model[k]);
    int want = count < size ? count : size;
    if ((popped | after) != model[k] || (popped & after) || __builtin_popcountll(popped) != want)
        fail_msg("seed %" PRIu64 " op %d: %s popped %" PRIx64 " leaving %" PRIx64 " of %" PRIx64, seed, opno,
                 line, popped, after, model[k]);
    model[k] = after;
}

static void random_store(Client *c, int k, int k2, int k3) {
    static const char *ops[] = {"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"};
    int which = (int)(rand_u64() % 3);
    char line[64];
    snprintf(line, sizeof(line), "%s k%d k%d k%d", ops[which], k, k2, k3);
    uint64_t a = model[k2], b = model[k3];
    model[k] = which == 0 ? a & b : which == 1 ? a | b : a & ~b;
    assert_int_equal(run_int(c, line), __builtin_popcountll(model[k]));
}

static void random_op(Client *c, uint64_t seed, int opno) {
    int k = (int)(rand_u64() % NKEYS), k2 = (int)(rand_u64() % NKEYS), k3 = (int)(rand_u64() % NKEYS);
    int op = (int)(rand_u64() % 10);
    Sds line = sds_empty();
    if (op <= 2) {
        line = sds_catprintf(line, "SADD k%d", k);
        uint64_t m = random_members(&line, 1 + (int)(rand_u64() % 6));
        assert_int_equal(run_int(c, line), __builtin_popcountll(m & ~model[k]));
        model[k] |= m;
    } else if (op <= 4) {
        line = sds_catprintf(line, "SREM k%d", k);
        uint64_t m = random_members(&line, 1 + (int)(rand_u64() % 6));
        assert_int_equal(run_int(c, line), __builtin_popcountll(m & model[k]));
        model[k] &= ~m;
    } else if (op == 5) {
        random_spop(c, k, seed, opno);
    } else if (op == 6) {
        line = sds_catprintf(line, "SMOVE k%d k%d", k, k2);
        uint64_t m = random_members(&line, 1);
        int moved = (model[k] & m) != 0;
        assert_int_equal(run_int(c, line), moved);
        if (moved && k != k2) {
            model[k] &= ~m;
            model[k2] |= m;
        }
    } else if (op == 7) {
        h_config("set-max-intset-entries", rand_u64() % 2 ? "4" : "512");
    } else {
        random_store(c, k, k2, k3);
    }
    sds_free(line);
    for (int j = 0; j < NKEYS; j++) check_key(c, j, seed, opno);
}

static void test_randomized_against_model(void **state) {
    (void)state;
    const char *env = getenv("VESPER_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)ustime();
    printf("  set model seed %" PRIu64 " (replay with VESPER_TEST_SEED=%" PRIu64 ")\n", seed, seed);
    rand_seed(seed);
    memset(model, 0, sizeof(model));
    Client *c = h_fake();
    for (int op = 0; op < 20000; op++) random_op(c, seed, op);
    h_config("set-max-intset-entries", "512");
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_events, h_reset),
        cmocka_unit_test_teardown(test_dirty_counts, h_reset),
        cmocka_unit_test_teardown(test_encodings, h_reset),
        cmocka_unit_test_teardown(test_copy_digest_effort, h_reset),
        cmocka_unit_test_teardown(test_randomized_against_model, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
