/* test_hll.c - HyperLogLog sketches (ds/hll.c) and their commands (types/hll.c):
 * MurmurHash64A and the register/value split against vectors computed
 * independently (and checked with redis-server 7.0.15's PFDEBUG GETREG); a
 * randomized run of register updates on a sparse and a dense sketch against a plain
 * array of 16384 registers (every update's result, the registers of both after each
 * step, sparse/dense/model counts equal, the sparse text decoded and re-encoded to
 * the same bytes, canonical opcodes); hostile sparse bodies (random bytes, runs
 * overflowing the register count, cut-off opcodes) that every reader agrees on and
 * never reads outside; and the commands through the in-process server: replies,
 * error texts, events, the cached cardinality, dirty counts. Seeds printed;
 * VESPER_TEST_SEED replays. */
#include "harness.h"
#include <inttypes.h>
#include <math.h>
#include "ds/hll.h"

static void run(Client *c, const char *line) { sds_free(h_run(c, line)); }

static uint64_t seed_from_env(void) {
    const char *env = getenv("VESPER_TEST_SEED");
    return env ? strtoull(env, NULL, 10) : (uint64_t)ustime();
}

/* ---------------- hashing ---------------- */

static void test_hash_vectors(void **state) {
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        uint64_t hash;
        uint32_t index;
        int count;
    } v[] = {
        {"", 0, 0xd8dfea6585bc9732ULL, 5938, 2},
        {"a", 1, 0x53d2470a9b43b1a7ULL, 12711, 2},
        {"hello", 5, 0x0f656f01eecfe400ULL, 9216, 1},
        {"12345678", 8, 0x95ebb86389132953ULL, 10579, 3},
        {"123456789abcdef", 15, 0x0a295e5895af07b9ULL, 1977, 3},
        {"element:000000000042", 20, 0x6a5bbd84462e5bffULL, 7167, 1},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        assert_true(hll_murmur64a(v[i].s, v[i].len, 0xadc83b19ULL) == v[i].hash);
        uint32_t index;
        assert_int_equal(hll_pattern(v[i].s, v[i].len, &index), v[i].count);
        assert_int_equal(index, v[i].index);
    }
    /* the sentinel bounds the value at Q+1 = 51 */
    for (int i = 0; i < 100000; i++) {
        uint32_t index;
        int n = hll_pattern(&i, sizeof(i), &index);
        assert_true(n >= 1 && n <= 51 && index < HLL_REGISTERS);
    }
}

/* ---------------- model test ---------------- */

/* Re-encodes PFDEBUG DECODE's text into sparse opcodes (ZERO when z, XZERO when Z). */
static Sds encode_text(const char *t) {
    Sds out = sds_empty();
    while (*t) {
        unsigned a, b;
        int n;
        uint8_t op[2];
        if (sscanf(t, "v:%u,%u%n", &a, &b, &n) == 2) {
            op[0] = (uint8_t)(0x80 | ((a - 1) << 2) | (b - 1));
            out = sds_catlen(out, op, 1);
        } else if (sscanf(t, "z:%u%n", &a, &n) == 1) {
            op[0] = (uint8_t)(a - 1);
            out = sds_catlen(out, op, 1);
        } else if (sscanf(t, "Z:%u%n", &a, &n) == 1) {
            op[0] = (uint8_t)(0x40 | ((a - 1) >> 8));
            op[1] = (uint8_t)((a - 1) & 0xff);
            out = sds_catlen(out, op, 2);
        } else {
            fail_msg("bad decode text at '%s'", t);
        }
        t += n;
        if (*t == ' ') t++;
    }
    return out;
}

/* Registers of a valid sketch as bytes. */
static void registers_of(Sds s, uint8_t *regs) {
    memset(regs, 0, HLL_REGISTERS);
    assert_int_equal(hll_merge(regs, (uint8_t *)s, sds_len(s)), 0);
}

static uint64_t model_count(const uint8_t *model) {
    int hist[64] = {0};
    hll_histogram_bytes(model, hist);
    return hll_estimate(hist);
}

/* Checks what Redis's sparse writer guarantees: zero runs of at most 64 are ZERO,
 * longer ones XZERO; two neighbouring VALs with one value could not be one VAL only
 * if their lengths add past 4 (joins look at a window, so this is a weak check:
 * only that lengths and values are in range). */
static void check_sparse_ops(Sds s, uint64_t seed, int step) {
    const uint8_t *p = (uint8_t *)s + HLL_HDR_SIZE, *end = (uint8_t *)s + sds_len(s);
    while (p < end) {
        if ((*p & 0xc0) == 0x40) {
            assert_true(p + 1 < end);
            unsigned n = ((unsigned)(*p & 0x3f) << 8 | p[1]) + 1;
            if (n <= 64 && sds_len(s) > HLL_HDR_SIZE + 2)
                fail_msg("seed %" PRIu64 " step %d: XZERO of %u", seed, step, n);
            p += 2;
        } else {
            p++;
        }
    }
}

static void test_model(void **state) {
    (void)state;
    uint64_t seed = seed_from_env();
    printf("  model seed %" PRIu64 "\n", seed);
    Rng rng;
    rng_seed(&rng, seed);
    static uint8_t model[HLL_REGISTERS], got[HLL_REGISTERS];
    for (int round = 0; round < 40; round++) {
        size_t smax = (size_t)(rng_next(&rng) % 4) == 0 ? 200 : 3000 + (size_t)(rng_next(&rng) % 6000);
        Sds sp = hll_new(), de = hll_new();
        assert_int_equal(hll_to_dense(&de), 0);
        memset(model, 0, sizeof(model));
        /* registers clustered in a random window, to build runs and joins */
        uint32_t lo = (uint32_t)(rng_next(&rng) % HLL_REGISTERS);
        uint32_t width = 1 + (uint32_t)(rng_next(&rng) % (rng_next(&rng) % 2 ? 64 : HLL_REGISTERS));
        int steps = 50 + (int)(rng_next(&rng) % 400);
        for (int step = 0; step < steps; step++) {
            uint32_t idx = (lo + (uint32_t)(rng_next(&rng) % width)) % HLL_REGISTERS;
            unsigned count = 1 + (unsigned)(rng_next(&rng) % (rng_next(&rng) % 50 == 0 ? 51 : 8));
            int want = count > model[idx];
            if (want) model[idx] = (uint8_t)count;
            int r1 = hll_set(&sp, idx, count, smax), r2 = hll_set(&de, idx, count, smax);
            if (r1 != want || r2 != want)
                fail_msg("seed %" PRIu64 " round %d step %d: set %u=%u gave %d/%d, want %d", seed, round, step,
                         idx, count, r1, r2, want);
            registers_of(sp, got);
            if (memcmp(got, model, HLL_REGISTERS) != 0)
                fail_msg("seed %" PRIu64 " round %d step %d: sparse registers differ", seed, round, step);
            registers_of(de, got);
            if (memcmp(got, model, HLL_REGISTERS) != 0)
                fail_msg("seed %" PRIu64 " round %d step %d: dense registers differ", seed, round, step);
            if (((uint8_t *)sp)[4] == HLL_SPARSE) {
                assert_true(sds_len(sp) <= smax || sds_len(sp) <= HLL_HDR_SIZE + 2);
                check_sparse_ops(sp, seed, step);
                Sds text = hll_sparse_text((uint8_t *)sp, sds_len(sp));
                Sds body = encode_text(text);
                if (sds_len(body) != sds_len(sp) - HLL_HDR_SIZE ||
                    memcmp(body, sp + HLL_HDR_SIZE, sds_len(body)) != 0)
                    fail_msg("seed %" PRIu64 " round %d step %d: decode/encode differs: %s", seed, round, step, text);
                sds_free(text);
                sds_free(body);
                /* turning a copy dense gives the dense sketch's bytes */
                Sds copy = sds_dup(sp);
                assert_int_equal(hll_to_dense(&copy), 0);
                assert_int_equal(sds_len(copy), HLL_DENSE_SIZE);
                assert_memory_equal(copy + HLL_HDR_SIZE, de + HLL_HDR_SIZE, HLL_DENSE_SIZE - HLL_HDR_SIZE);
                sds_free(copy);
            } else {
                assert_int_equal(sds_len(sp), HLL_DENSE_SIZE);
            }
            if (step % 16 == 0 || step == steps - 1) {
                uint64_t a = hll_count((uint8_t *)sp, sds_len(sp), NULL);
                uint64_t b = hll_count((uint8_t *)de, sds_len(de), NULL);
                if (a != b || a != model_count(model))
                    fail_msg("seed %" PRIu64 " round %d step %d: counts %" PRIu64 " %" PRIu64 " %" PRIu64, seed,
                             round, step, a, b, model_count(model));
            }
        }
        sds_free(sp);
        sds_free(de);
    }
}

/* Accuracy: within 5 standard errors (1.04/128) at 10^3..10^5 distinct elements, on
 * both encodings, sparse and dense agreeing. */
static void test_accuracy(void **state) {
    (void)state;
    Sds sp = hll_new(), de = hll_new();
    assert_int_equal(hll_to_dense(&de), 0);
    long long next = 1000;
    for (long long i = 1; i <= 100000; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "e:%lld", i);
        assert_true(hll_add(&sp, buf, (size_t)n, 3000) >= 0);
        assert_true(hll_add(&de, buf, (size_t)n, 3000) >= 0);
        if (i == next) {
            uint64_t a = hll_count((uint8_t *)sp, sds_len(sp), NULL);
            assert_true(a == hll_count((uint8_t *)de, sds_len(de), NULL));
            double err = fabs((double)a - (double)i) / (double)i;
            if (err > 5 * 1.04 / 128) fail_msg("%lld elements counted %" PRIu64, i, a);
            next *= 10;
        }
    }
    assert_int_equal(((uint8_t *)sp)[4], HLL_DENSE);
    sds_free(sp);
    sds_free(de);
}

/* ---------------- hostile bodies ---------------- */

static Sds sparse_with(const uint8_t *body, size_t len) {
    Sds s = hll_new();
    sds_setlen(s, HLL_HDR_SIZE);
    return sds_catlen(s, body, len);
}

/* Every reader agrees on whether a body is valid, and a valid one decodes the same
 * through each; writes into a corrupt one stay inside the value. */
static void check_agree(Sds s, uint64_t seed, int t) {
    static uint8_t a[HLL_REGISTERS];
    int hist[64] = {0};
    memset(a, 0, sizeof(a));
    int m = hll_merge(a, (uint8_t *)s, sds_len(s));
    int h = hll_histogram((uint8_t *)s, sds_len(s), hist);
    Sds d = sds_dup(s);
    int td = hll_to_dense(&d);
    if (m != h || m != td) fail_msg("seed %" PRIu64 " case %d: merge %d histogram %d todense %d", seed, t, m, h, td);
    if (m == 0) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i++)
            if (hll_dense_get((uint8_t *)d + HLL_HDR_SIZE, i) != a[i]) fail_msg("seed %" PRIu64 " case %d", seed, t);
    }
    sds_free(d);
    Sds text = hll_sparse_text((uint8_t *)s, sds_len(s));
    sds_free(text);
    Sds w = sds_dup(s);
    for (int k = 0; k < 20; k++) {
        int r = hll_set(&w, (uint32_t)((seed + (uint64_t)k * 7919) % HLL_REGISTERS), 1 + (unsigned)(k % 40), 300);
        if (r < 0) break;
    }
    sds_free(w);
}

static void test_hostile(void **state) {
    (void)state;
    uint64_t seed = seed_from_env();
    printf("  hostile seed %" PRIu64 "\n", seed);
    Rng rng;
    rng_seed(&rng, seed);
    uint8_t body[64];
    for (int t = 0; t < 20000; t++) {
        size_t len = (size_t)(rng_next(&rng) % sizeof(body));
        for (size_t i = 0; i < len; i++) body[i] = (uint8_t)rng_next(&rng);
        /* often start with a full run so that the coverage is near 16384 */
        if (len >= 2 && rng_next(&rng) % 2) {
            unsigned n = HLL_REGISTERS - (unsigned)(rng_next(&rng) % 200);
            body[0] = (uint8_t)(0x40 | ((n - 1) >> 8));
            body[1] = (uint8_t)((n - 1) & 0xff);
        }
        Sds s = sparse_with(body, len);
        check_agree(s, seed, t);
        sds_free(s);
    }
    /* runs adding past 2^32 registers (CVE-2025-32023's shape): corrupt, no wrap */
    Sds big = hll_new();
    sds_setlen(big, HLL_HDR_SIZE);
    uint8_t x[2] = {0x7f, 0xff};
    for (int i = 0; i < 262144 + 1000; i++) big = sds_catlen(big, x, 2);
    big = sds_catlen(big, "\xff", 1);
    check_agree(big, 0, -1);
    int invalid = 0;
    hll_count((uint8_t *)big, sds_len(big), &invalid);
    assert_int_equal(invalid, 1);
    sds_free(big);
    /* a full XZERO then a VAL past the end; a cut-off XZERO */
    Sds s = sparse_with((const uint8_t *)"\x7f\xff\x80", 3);
    uint8_t regs[HLL_REGISTERS] = {0};
    assert_int_equal(hll_merge(regs, (uint8_t *)s, sds_len(s)), -1);
    assert_int_equal(hll_to_dense(&s), -1);
    sds_free(s);
    s = sparse_with((const uint8_t *)"\x7f", 1); /* reads as XZERO 16129 */
    assert_int_equal(hll_merge(regs, (uint8_t *)s, sds_len(s)), -1);
    assert_int_equal(hll_set(&s, 5, 3, 3000), -1);
    Sds text = hll_sparse_text((uint8_t *)s, sds_len(s));
    assert_string_equal(text, "Z:16129");
    sds_free(text);
    sds_free(s);
    /* XZERO 255 then a cut-off XZERO 16129: valid, and an update in the cut part
     * turns it dense (no write past the data) with the register set */
    s = sparse_with((const uint8_t *)"\x40\xfe\x7f", 3);
    assert_int_equal(hll_merge(regs, (uint8_t *)s, sds_len(s)), 0);
    assert_int_equal(hll_set(&s, 5, 3, 3000), 1); /* before the cut: stays sparse */
    assert_int_equal(((uint8_t *)s)[4], HLL_SPARSE);
    assert_int_equal(hll_set(&s, 300, 7, 3000), 1);
    assert_int_equal(((uint8_t *)s)[4], HLL_DENSE);
    assert_int_equal(sds_len(s), HLL_DENSE_SIZE);
    assert_int_equal(hll_dense_get((uint8_t *)s + HLL_HDR_SIZE, 5), 3);
    assert_int_equal(hll_dense_get((uint8_t *)s + HLL_HDR_SIZE, 300), 7);
    invalid = 0;
    hll_count((uint8_t *)s, sds_len(s), &invalid);
    assert_int_equal(invalid, 0);
    sds_free(s);
    /* header checks */
    assert_false(hll_header_ok((const uint8_t *)"HYLL", 4));
    assert_false(hll_header_ok((const uint8_t *)"HYLL\x02\0\0\0\0\0\0\0\0\0\0\0", 16));
    assert_false(hll_header_ok((const uint8_t *)"HYLL\x00\0\0\0\0\0\0\0\0\0\0\0", 16));
    assert_true(hll_header_ok((const uint8_t *)"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0", 16));
    assert_false(hll_header_ok((const uint8_t *)"HYLX\x01\0\0\0\0\0\0\0\0\0\0\0", 16));
}

/* ---------------- commands ---------------- */

static void test_commands(void **state) {
    (void)state;
    Client *c = h_fake();
    h_notify_start("KEA");
    h_expect(c, "PFADD h a b c", ":1\r\n");
    h_expect(c, "PFADD h a", ":0\r\n");
    h_expect(c, "PFADD h2", ":1\r\n");
    h_expect(c, "PFADD h2", ":0\r\n");
    h_notify_expect("__keyspace@0__:h pfadd\n__keyevent@0__:pfadd h\n__keyspace@0__:h2 pfadd\n__keyevent@0__:pfadd h2\n");
    h_expect(c, "PFCOUNT h", ":3\r\n");
    h_expect(c, "PFCOUNT h h2 nokey", ":3\r\n");
    h_expect(c, "PFCOUNT nokey", ":0\r\n");
    h_notify_expect("");
    h_expect(c, "PFMERGE m h", "+OK\r\n");
    h_notify_expect("__keyspace@0__:m pfadd\n__keyevent@0__:pfadd m\n");
    h_expect(c, "PFCOUNT m", ":3\r\n");
    h_expect(c, "PFDEBUG ENCODING m", "+sparse\r\n");
    h_expect(c, "PFDEBUG DECODE h2", "$7\r\nZ:16384\r\n");
    h_expect(c, "PFDEBUG TODENSE m", ":1\r\n");
    h_expect(c, "PFDEBUG TODENSE m", ":0\r\n");
    h_expect(c, "PFDEBUG ENCODING m", "+dense\r\n");
    h_expect(c, "PFDEBUG DECODE m", "-ERR HLL encoding is not sparse\r\n");
    h_expect(c, "PFDEBUG FOO m", "-ERR Unknown PFDEBUG subcommand 'FOO'\r\n");
    h_expect(c, "PFDEBUG GETREG nokey", "-ERR The specified key does not exist\r\n");
    h_expect(c, "PFCOUNT m", ":3\r\n");
    /* errors */
    run(c, "SET s hello");
    run(c, "SET i 123");
    run(c, "LPUSH l x");
    const char *notvalid = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
    const char *wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    h_expect(c, "PFADD s a", notvalid);
    h_expect(c, "PFADD i a", notvalid);
    h_expect(c, "PFCOUNT s", notvalid);
    h_expect(c, "PFCOUNT h s", notvalid);
    h_expect(c, "PFMERGE h s", notvalid);
    h_expect(c, "PFADD l a", wrongtype);
    h_expect(c, "PFCOUNT h l", wrongtype);
    h_expect(c, "PFDEBUG GETREG l", wrongtype);
    /* a corrupt sparse body: a run of 10 registers only */
    run(c, "SET bad \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x09\"");
    const char *invalid = "-INVALIDOBJ Corrupted HLL object detected\r\n";
    h_expect(c, "PFCOUNT bad", invalid);
    h_expect(c, "PFCOUNT bad h", invalid);
    h_expect(c, "PFMERGE h bad", invalid);
    h_expect(c, "PFDEBUG TODENSE bad", invalid);
    h_expect(c, "PFDEBUG DECODE bad", "$4\r\nz:10\r\n");
    /* a dense value must have the exact length */
    run(c, "SET shortdense \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x00\"");
    h_expect(c, "PFCOUNT shortdense", notvalid);
    h_notify_stop();
    h_free(c);
}

/* The cached cardinality: PFCOUNT fills it (a change: dirty, no event), PFADD that
 * changes a register invalidates it, a cached value is answered as stored. */
static void test_cache_and_dirty(void **state) {
    (void)state;
    Client *c = h_fake();
    long long d0 = server.stat.dirty;
    h_expect(c, "PFADD h a b c d", ":1\r\n");
    assert_true(server.stat.dirty - d0 == 5); /* creation + 4 registers, as Redis counts */
    h_notify_start("KEA");
    d0 = server.stat.dirty;
    h_expect(c, "PFCOUNT h", ":4\r\n");
    assert_true(server.stat.dirty - d0 == 1);
    d0 = server.stat.dirty;
    h_expect(c, "PFCOUNT h", ":4\r\n");
    assert_true(server.stat.dirty == d0);
    h_notify_expect("");
    /* cached value 7 written by hand is believed */
    run(c, "SET forged \"HYLL\\x01\\x00\\x00\\x00\\x07\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff\"");
    h_expect(c, "PFCOUNT forged", ":7\r\n");
    h_expect(c, "PFADD forged a", ":1\r\n");
    h_expect(c, "PFCOUNT forged", ":1\r\n");
    h_notify_stop();
    h_free(c);
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test_teardown(test_commands, h_reset),
        cmocka_unit_test_teardown(test_cache_and_dirty, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
