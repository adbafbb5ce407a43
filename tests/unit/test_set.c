/* test_set.c - the set type (types/set.c, set_cmds.c) through the in-process
 * server: the keyspace events of every write (Redis 7.0's names and order), the
 * dirty count Redis adds, the encodings (intset until a non-integer or one member
 * too many, never back; sets built afresh by SPOP and the STORE commands), the
 * type's descriptor (COPY, DEBUG DIGEST-VALUE independent of the encoding, free
 * effort), a randomized run of thousands of commands against a model of a few
 * sets over a small universe of members, and the RDB encodings through the
 * descriptor: random sets across the intset threshold (set-max-intset-entries and
 * rdbcompression varied between saving and loading) saved and loaded back with
 * their members, size, the encoding Redis 7.0 picks and DEBUG DIGEST-VALUE
 * checked; empty and hostile payloads; and thousands of mutated payloads, each
 * refused with a message or loaded into a fully consistent set (iteration gives
 * exactly its size, each member found, none twice), without leaks. Seeds printed;
 * VESPER_TEST_SEED replays. */
#include "harness.h"
#include <inttypes.h>
#include <limits.h>
#include "base/rio.h"
#include "ds/intset.h"
#include "ds/rdbenc.h"
#include "types/set.h"

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

/* ---------------- RDB through the descriptor ---------------- */

static uint64_t rdb_seed(const char *what) {
    const char *env = getenv("VESPER_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)ustime();
    printf("  %s seed %" PRIu64 " (replay with VESPER_TEST_SEED=%" PRIu64 ")\n", what, seed, seed);
    return seed;
}

/* The value's encoding after its RDB type byte, with rdbcompression on or off. */
static Sds rdb_bytes(const Obj *o, int compress, int *rdbtype) {
    const ObjType *t = objtype_get(OBJ_SET);
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
    Obj *o = objtype_get(OBJ_SET)->rdb_load(&r, rdbtype, err);
    if (used) *used = r.io.mem.pos;
    free(copy);
    return o;
}

static void digest_of(const Obj *o, uint8_t d[20]) {
    memset(d, 0, 20);
    objtype_get(OBJ_SET)->digest(o, d);
}

static int cmp_sds(const void *a, const void *b) {
    const Sds x = *(const Sds *)a, y = *(const Sds *)b;
    size_t lx = sds_len(x), ly = sds_len(y);
    int c = memcmp(x, y, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

static void free_members(Sds *m, size_t n) {
    for (size_t i = 0; i < n; i++) sds_free(m[i]);
    free(m);
}

/* Whatever o holds must be a whole set: iteration gives exactly set_size members,
 * none twice, each found by lookup; an intset is strictly ascending and within
 * set-max-intset-entries. Returns the members sorted (free_members). On a broken
 * set, fails with what and the round. */
static Sds *checked_members(Obj *o, const char *what, uint64_t seed, int round) {
    if (o->type != OBJ_SET || (o->encoding != ENC_INTSET && o->encoding != ENC_HT))
        fail_msg("seed %" PRIu64 " round %d (%s): type %d encoding %d", seed, round, what, o->type, o->encoding);
    size_t size = set_size(o), n = 0;
    Sds *m = malloc((size + 1) * sizeof(Sds));
    SetIter si;
    SetElem e;
    long long prev = LLONG_MIN;
    set_iter_init(&si, o);
    while (set_iter_next(&si, &e)) {
        if (n == size) fail_msg("seed %" PRIu64 " round %d (%s): iteration passes size %zu", seed, round, what, size);
        if (o->encoding == ENC_INTSET) {
            if (n && e.ll <= prev) fail_msg("seed %" PRIu64 " round %d (%s): intset not ascending", seed, round, what);
            prev = e.ll;
        }
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = set_elem_str(&e, buf, &len);
        m[n++] = sds_newlen(p, len);
    }
    set_iter_done(&si);
    if (n != size) fail_msg("seed %" PRIu64 " round %d (%s): iterated %zu of size %zu", seed, round, what, n, size);
    if (o->encoding == ENC_INTSET && (unsigned long long)size > (unsigned long long)set_max_intset_entries)
        fail_msg("seed %" PRIu64 " round %d (%s): an intset of %zu over the limit %lld", seed, round, what, size, set_max_intset_entries);
    qsort(m, n, sizeof(Sds), cmp_sds);
    for (size_t i = 0; i < n; i++) {
        if (i && !cmp_sds(&m[i - 1], &m[i])) fail_msg("seed %" PRIu64 " round %d (%s): a member twice", seed, round, what);
        if (!set_contains(o, m[i], sds_len(m[i])))
            fail_msg("seed %" PRIu64 " round %d (%s): a member not found by lookup", seed, round, what);
    }
    return m;
}

/* A random member: integers of every width (small ones repeat), integer-looking
 * strings that are not canonical, names, long compressible strings, binary bytes. */
static Sds random_set_member(Rng *r, int ints_only) {
    static const char *odd[] = {"007", "-0", " 1", "1 ", "+5", "1.0", "00", "0x1f", "9223372036854775808"};
    int kind = (int)(rng_next(r) % (ints_only ? 2 : 7));
    if (kind == 0) return sds_fromll((long long)(rng_next(r) % 2001) - 1000);
    if (kind == 1) {
        int bits = 1 + (int)(rng_next(r) % 63);
        long long v = (long long)(rng_next(r) >> (64 - bits));
        return sds_fromll(rng_next(r) % 2 ? -v : v);
    }
    if (kind == 2) return sds_new(odd[rng_next(r) % (sizeof(odd) / sizeof(odd[0]))]);
    if (kind == 3) return sds_catprintf(sds_empty(), "m%llu", (unsigned long long)(rng_next(r) % 100000));
    if (kind == 4) {
        size_t n = 21 + rng_next(r) % 200;
        Sds s = sds_newlen(NULL, n);
        for (size_t i = 0; i < n; i++) s[i] = "abc"[(i / 4) % 3];
        s[0] = (char)('a' + rng_next(r) % 26);
        s[n - 1] = (char)('a' + rng_next(r) % 26);
        return sds_catprintf(s, "%llu", (unsigned long long)rng_next(r) % 1000);
    }
    size_t n = rng_next(r) % 24;
    Sds s = sds_newlen(NULL, n);
    for (size_t i = 0; i < n; i++) s[i] = (char)rng_next(r);
    return s;
}

static const char *intset_limits[] = {"0", "1", "4", "16", "100", "512"};

/* A random set of about n members built as SADD builds it (under the current
 * set-max-intset-entries); *model gets its distinct members, sorted. */
static Obj *random_set(Rng *r, size_t n, int ints_only, Sds **model, size_t *mn) {
    Sds *m = malloc((n + 1) * sizeof(Sds));
    size_t k = 0;
    Obj *o = NULL;
    for (size_t i = 0; i < n; i++) {
        Sds s = random_set_member(r, ints_only);
        if (!o) o = set_create_for(s, sds_len(s));
        if (set_add(o, s, sds_len(s))) m[k++] = s;
        else sds_free(s);
    }
    qsort(m, k, sizeof(Sds), cmp_sds);
    *model = m;
    *mn = k;
    return o;
}

static int all_integers(Sds *m, size_t n) {
    for (size_t i = 0; i < n; i++) {
        long long v;
        if (!string2ll(m[i], sds_len(m[i]), &v)) return 0;
    }
    return 1;
}

/* DEBUG DIGEST-VALUE gives a and b (stored under two keys for the command) the
 * same digest; the objects go into the keyspace and are deleted. */
static void expect_same_digest_value(Client *c, Obj *a, Obj *b) {
    db_add(c->db, "rdb:a", 5, a);
    db_add(c->db, "rdb:b", 5, b);
    Sds got = h_run(c, "DEBUG DIGEST-VALUE rdb:a rdb:b");
    /* *2 +<40 hex> +<40 hex> */
    if (sds_len(got) != 4 + 2 * 43 || memcmp(got + 5, got + 5 + 43, 40) || !memcmp(got + 5, "0000000000", 10)) {
        Sds g = h_repr(got, sds_len(got));
        fail_msg("DEBUG DIGEST-VALUE of a value and of it saved and loaded: %s", g);
    }
    sds_free(got);
    h_expect(c, "DEL rdb:a rdb:b", ":2\r\n");
}

static void test_rdb_roundtrip(void **state) {
    (void)state;
    uint64_t seed = rdb_seed("set rdb round trip");
    Rng r;
    rng_seed(&r, seed);
    Client *c = h_fake();
    size_t nlimits = sizeof(intset_limits) / sizeof(intset_limits[0]);
    for (int round = 0; round < 300; round++) {
        const char *save_limit = intset_limits[rng_next(&r) % nlimits];
        const char *load_limit = rng_next(&r) % 2 ? save_limit : intset_limits[rng_next(&r) % nlimits];
        h_config("set-max-intset-entries", save_limit);
        long long lim = atoll(load_limit);
        /* sizes around the load limit, small ones, and up to 700 */
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
        Sds *model;
        size_t mn;
        Obj *o = random_set(&r, n, rng_next(&r) % 3 != 0, &model, &mn);
        int compress = (int)(rng_next(&r) % 2), rdbtype;
        Sds b = rdb_bytes(o, compress, &rdbtype);
        assert_int_equal(rdbtype, o->encoding == ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET);

        h_config("set-max-intset-entries", load_limit);
        RdbErr err = {{0}};
        size_t used, before = vmalloc_used();
        Obj *l = rdb_from(rdbtype, b, sds_len(b), &err, &used);
        if (!l) fail_msg("seed %" PRIu64 " round %d: did not load: %s", seed, round, err.msg);
        assert_int_equal(used, sds_len(b));
        assert_int_equal(err.empty, 0);
        /* the encoding Redis 7.0 picks when loading */
        int fits = (long long)mn <= lim;
        int want_enc = rdbtype == RDB_TYPE_SET_INTSET ? (fits ? ENC_INTSET : ENC_HT)
                                                     : (fits && all_integers(model, mn) ? ENC_INTSET : ENC_HT);
        if (l->encoding != want_enc)
            fail_msg("seed %" PRIu64 " round %d: %zu members (rdb type %d, limit %lld) loaded as encoding %d, want %d",
                     seed, round, mn, rdbtype, lim, l->encoding, want_enc);
        size_t ln;
        Sds *got = checked_members(l, "round trip", seed, round);
        ln = set_size(l);
        assert_int_equal(ln, mn);
        for (size_t i = 0; i < mn; i++)
            if (cmp_sds(&got[i], &model[i])) fail_msg("seed %" PRIu64 " round %d: member %zu differs", seed, round, i);
        free_members(got, ln);
        uint8_t d1[20], d2[20];
        digest_of(o, d1);
        digest_of(l, d2);
        assert_memory_equal(d1, d2, 20);
        /* saved again, the loaded set gives the same value (and the same bytes
         * when both are intsets) */
        int t2;
        Sds b2 = rdb_bytes(l, compress, &t2);
        if (t2 == RDB_TYPE_SET_INTSET && rdbtype == RDB_TYPE_SET_INTSET) assert_memory_equal(b2, b, sds_len(b));
        sds_free(b2);
        if (round % 10 == 0) {
            expect_same_digest_value(c, o, l);
        } else {
            obj_decr(l);
            size_t after = vmalloc_used();
            if (after != before) fail_msg("seed %" PRIu64 " round %d: loading leaked %zd bytes", seed, round, (ssize_t)(after - before));
            obj_decr(o);
        }
        free_members(model, mn);
        sds_free(b);
    }
    h_config("set-max-intset-entries", "512");
}

/* Well-formed empty values, hostile counts and broken intsets. */
static void test_rdb_hostile(void **state) {
    (void)state;
    const ObjType *t = objtype_get(OBJ_SET);
    assert_non_null(t->rdb_load_types);
    int saw_set = 0, saw_intset = 0;
    for (const unsigned char *p = t->rdb_load_types; *p != 255; p++) {
        saw_set |= *p == RDB_TYPE_SET;
        saw_intset |= *p == RDB_TYPE_SET_INTSET;
    }
    assert_true(saw_set && saw_intset);
    RdbErr err = {{0}};
    /* an empty member list is a well-formed empty set */
    assert_null(rdb_from(RDB_TYPE_SET, "\x00", 1, &err, NULL));
    assert_int_equal(err.empty, 1);
    assert_true(err.msg[0] != 0);
    /* an empty intset is corrupt (Redis's intsetValidateIntegrity refuses it) */
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_SET_INTSET, "\x08\x02\x00\x00\x00\x00\x00\x00\x00", 9, &err, NULL));
    assert_int_equal(err.empty, 0);
    assert_string_equal(err.msg, "Intset integrity check failed.");
    /* an intset: unsorted, repeated, a wrong encoding, a length the bytes do not match */
    const char *bad[] = {"\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00",
                         "\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x01\x00",
                         "\x0c\x03\x00\x00\x00\x02\x00\x00\x00\x01\x00\x02\x00",
                         "\x0c\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00"};
    for (int i = 0; i < 4; i++) {
        memset(&err, 0, sizeof(err));
        assert_null(rdb_from(RDB_TYPE_SET_INTSET, bad[i], 13, &err, NULL));
        assert_string_equal(err.msg, "Intset integrity check failed.");
    }
    Obj *o = rdb_from(RDB_TYPE_SET_INTSET, "\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x02\x00", 13, &err, NULL);
    assert_non_null(o);
    assert_int_equal(set_size(o), 2);
    obj_decr(o);
    /* a member list repeating a member, in either encoding */
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_SET, "\x03\xc0\x01\xc0\x02\xc0\x01", 7, &err, NULL));
    assert_string_equal(err.msg, "Duplicate set members detected");
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_SET, "\x03\x01x\x01y\x01x", 7, &err, NULL));
    assert_string_equal(err.msg, "Duplicate set members detected");
    /* "1" as an integer and as text is one member */
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_SET, "\x03\x01x\xc0\x01\x01\x31", 7, &err, NULL));
    assert_string_equal(err.msg, "Duplicate set members detected");
    /* a count of 2^40 (or 2^64-1) members behind three: ends at the end of the data,
     * presizing only for what the payload can hold */
    size_t before = vmalloc_used();
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_SET, "\x81\x00\x00\x01\x00\x00\x00\x00\x00\x01x\x01y\x01z", 15, &err, NULL));
    assert_string_equal(err.msg, "unexpected end of data");
    memset(&err, 0, sizeof(err));
    assert_null(rdb_from(RDB_TYPE_SET, "\x81\xff\xff\xff\xff\xff\xff\xff\xff\xc0\x01", 11, &err, NULL));
    assert_string_equal(err.msg, "unexpected end of data");
    assert_int_equal(vmalloc_used(), before);
}

/* A mutated copy of b (*n bytes in, *n bytes out): bytes changed, cut, inserted,
 * removed, a chunk copied over another place, or a byte set to one the format
 * gives meaning to. */
static unsigned char *mutate(Rng *r, const unsigned char *b, size_t *n) {
    static const unsigned char special[] = {0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x7f, 0x80, 0x81,
                                            0xc0, 0xc1, 0xc2, 0xc3, 0xfe, 0xff};
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
    uint64_t seed = rdb_seed("set rdb mutation");
    Rng r;
    rng_seed(&r, seed);
    size_t nlimits = sizeof(intset_limits) / sizeof(intset_limits[0]);
    long loaded = 0, refused = 0;
    for (int round = 0; round < 150; round++) {
        h_config("set-max-intset-entries", intset_limits[rng_next(&r) % nlimits]);
        Sds *model;
        size_t mn;
        Obj *o = random_set(&r, 1 + rng_next(&r) % 40, rng_next(&r) % 2, &model, &mn);
        int rdbtype;
        Sds b = rdb_bytes(o, (int)(rng_next(&r) % 2), &rdbtype);
        obj_decr(o);
        free_members(model, mn);
        h_config("set-max-intset-entries", intset_limits[rng_next(&r) % nlimits]);
        for (int k = 0; k < 150; k++) {
            size_t n = sds_len(b);
            unsigned char *m = mutate(&r, (const unsigned char *)b, &n);
            int type = rng_next(&r) % 8 ? rdbtype : (rdbtype == RDB_TYPE_SET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET);
            RdbErr err = {{0}};
            size_t before = vmalloc_used();
            Obj *l = rdb_from(type, m, n, &err, NULL);
            if (!l) {
                if (!err.msg[0]) fail_msg("seed %" PRIu64 " round %d.%d: refused without a message", seed, round, k);
                refused++;
            } else {
                assert_int_equal(err.empty, 0);
                int sub = round * 1000 + k;
                Sds *got = checked_members(l, "mutated", seed, sub);
                size_t ln = set_size(l);
                /* it saves and loads back to the same set */
                uint8_t d1[20], d2[20];
                digest_of(l, d1);
                int t2;
                Sds b2 = rdb_bytes(l, 1, &t2);
                RdbErr err2 = {{0}};
                Obj *l2 = rdb_from(t2, b2, sds_len(b2), &err2, NULL);
                if (!l2) fail_msg("seed %" PRIu64 " round %d.%d: a loaded set does not load again: %s", seed, round, k, err2.msg);
                digest_of(l2, d2);
                assert_memory_equal(d1, d2, 20);
                assert_int_equal(set_size(l2), ln);
                Obj *d = objtype_get(OBJ_SET)->dup(l);
                assert_int_equal(set_size(d), ln);
                obj_decr(d);
                obj_decr(l2);
                sds_free(b2);
                free_members(got, ln);
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
        cmocka_unit_test_teardown(test_rdb_roundtrip, h_reset),
        cmocka_unit_test_teardown(test_rdb_hostile, h_reset),
        cmocka_unit_test_teardown(test_rdb_mutations, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
