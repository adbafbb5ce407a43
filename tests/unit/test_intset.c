/* test_intset.c - unit tests for ds/intset: the API on small sets, encoding upgrades
 * at the int16/int32 limits and INT64_MIN/MAX, byte-identical blobs against blobs
 * taken from Redis 7.0.15's DUMP output, validation of hostile blobs (truncated,
 * wrong length, bad encoding, unsorted, duplicates, random byte flips), and a
 * randomized run against a sorted-array model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ds/intset.h"
#include "base/alloc.h"
#include "base/util.h"
#include "seed.h"

/* Under ASan every realloc moves the blob, so big sets cost O(n^2) copying there. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#else
#define UNDER_SANITIZER 0
#endif

/* The seed of a randomized test: TEST_SEED from the environment to replay a run,
 * else one from the clock. Printed either way. */
static int setup(void **state) {
    (void)state;
    rand_seed(4242);
    return 0;
}

/* Checks is's structure: ascending values, blob length, the values in expect[]. */
static void check_set(const Intset *is, const int64_t *expect, uint32_t n) {
    assert_int_equal(is_len(is), n);
    assert_int_equal(is_blob_len(is), 8 + (size_t)n * is_encoding(is));
    assert_true(is_mem_usage(is) >= is_blob_len(is));
    for (uint32_t i = 0; i < n; i++) {
        int64_t v;
        assert_true(is_get(is, i, &v));
        assert_true(v == expect[i]);
        assert_true(is_find(is, v));
    }
    int64_t v;
    assert_false(is_get(is, n, &v));
    if (n) assert_int_equal(is_validate_integrity(is_blob(is), is_blob_len(is), 1), 1);
}

static void test_empty_and_basic(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Intset *is = is_new();
    static const unsigned char empty[8] = {2, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(is_blob_len(is), 8);
    assert_memory_equal(is_blob(is), empty, 8);
    assert_int_equal(is_encoding(is), IS_ENC_INT16);
    assert_false(is_find(is, 0));
    int removed = 7, added = 7;
    is = is_remove(is, 0, &removed);
    assert_int_equal(removed, 0);
    uint32_t pos = 0;
    int64_t v;
    assert_false(is_next(is, &pos, &v));
    /* an empty intset is not a valid stored blob, as in Redis */
    assert_int_equal(is_validate_integrity(is_blob(is), is_blob_len(is), 0), 0);

    is = is_add(is, 5, &added);
    assert_int_equal(added, 1);
    is = is_add(is, 5, &added);
    assert_int_equal(added, 0);
    int64_t one[] = {5};
    check_set(is, one, 1);
    assert_true(is_random(is) == 5);

    is = is_add(is, 1, NULL);
    is = is_add(is, 3, &added);
    assert_int_equal(added, 1);
    is = is_add(is, -1, NULL);
    int64_t four[] = {-1, 1, 3, 5};
    check_set(is, four, 4);
    assert_false(is_find(is, 2));
    assert_false(is_find(is, 100000));      /* wider than the encoding */
    assert_false(is_find(is, INT64_MIN));

    /* iteration */
    pos = 0;
    int i = 0;
    while (is_next(is, &pos, &v)) assert_true(v == four[i++]);
    assert_int_equal(i, 4);

    Intset *copy = is_dup(is);
    assert_memory_equal(is_blob(copy), is_blob(is), is_blob_len(is));
    is_free(copy);

    is = is_remove(is, 3, &removed);
    assert_int_equal(removed, 1);
    is = is_remove(is, 3, &removed);
    assert_int_equal(removed, 0);
    is = is_remove(is, 1L << 40, &removed);  /* wider than the encoding */
    assert_int_equal(removed, 0);
    int64_t three[] = {-1, 1, 5};
    check_set(is, three, 3);
    is = is_remove(is, -1, NULL);
    is = is_remove(is, 5, NULL);
    is = is_remove(is, 1, NULL);
    check_set(is, NULL, 0);
    is_free(is);
    is_free(NULL);
    assert_int_equal(vmalloc_used(), before);
}

/* Adds values in order and checks the resulting encoding and contents. */
static Intset *add_all(const int64_t *vals, int n) {
    Intset *is = is_new();
    for (int i = 0; i < n; i++) {
        int added;
        is = is_add(is, vals[i], &added);
        assert_int_equal(added, 1);
    }
    return is;
}

static void test_upgrades(void **state) {
    (void)state;
    Intset *is = is_new();
    is = is_add(is, INT16_MAX, NULL);
    is = is_add(is, INT16_MIN, NULL);
    assert_int_equal(is_encoding(is), IS_ENC_INT16);
    is = is_add(is, (int64_t)INT16_MAX + 1, NULL);         /* append on upgrade */
    assert_int_equal(is_encoding(is), IS_ENC_INT32);
    int64_t a[] = {INT16_MIN, INT16_MAX, (int64_t)INT16_MAX + 1};
    check_set(is, a, 3);
    is = is_add(is, INT32_MIN, NULL);
    is = is_add(is, INT32_MAX, NULL);
    assert_int_equal(is_encoding(is), IS_ENC_INT32);
    is = is_add(is, (int64_t)INT32_MIN - 1, NULL);         /* prepend on upgrade */
    assert_int_equal(is_encoding(is), IS_ENC_INT64);
    int64_t b[] = {(int64_t)INT32_MIN - 1, INT32_MIN, INT16_MIN, INT16_MAX,
                   (int64_t)INT16_MAX + 1, INT32_MAX};
    check_set(is, b, 6);
    is = is_add(is, INT64_MIN, NULL);
    is = is_add(is, INT64_MAX, NULL);
    int64_t c[] = {INT64_MIN, (int64_t)INT32_MIN - 1, INT32_MIN, INT16_MIN, INT16_MAX,
                   (int64_t)INT16_MAX + 1, INT32_MAX, INT64_MAX};
    check_set(is, c, 8);
    /* the encoding never narrows */
    for (int i = 0; i < 8; i++)
        if (c[i] < INT16_MIN || c[i] > INT16_MAX) is = is_remove(is, c[i], NULL);
    assert_int_equal(is_encoding(is), IS_ENC_INT64);
    int64_t d[] = {INT16_MIN, INT16_MAX};
    check_set(is, d, 2);
    is_free(is);

    /* upgrades straight from empty and one-element sets, each direction */
    int64_t e1[] = {INT64_MIN};
    is = add_all(e1, 1);
    assert_int_equal(is_encoding(is), IS_ENC_INT64);
    check_set(is, e1, 1);
    is_free(is);
    int64_t e2[] = {7, INT16_MIN - 1};
    is = add_all(e2, 2);
    assert_int_equal(is_encoding(is), IS_ENC_INT32);
    int64_t e2s[] = {INT16_MIN - 1, 7};
    check_set(is, e2s, 2);
    is_free(is);
    int64_t e3[] = {-7, (int64_t)INT32_MAX + 1};
    is = add_all(e3, 2);
    assert_int_equal(is_encoding(is), IS_ENC_INT64);
    check_set(is, e3, 2);
    is_free(is);
}

/* Blobs as Redis 7.0.15 writes them: the string payloads of DUMP (rdbcompression
 * off) for sets made with SADD in the order given. */
typedef struct RedisBlob {
    int64_t vals[3];
    int n;
    const char *hex;
} RedisBlob;

static const RedisBlob redis_blobs[] = {
    {{1, 2, 3}, 3, "0200000003000000010002000300"},
    {{70000, 1, -70000}, 3, "040000000300000090eefeff0100000070110100"},
    {{INT64_MIN, 0, INT64_MAX}, 3,
     "08000000030000000000000000000080000000000000000" "0ffffffffffffff7f"},
    {{-1}, 1, "0200000001000000ffff"},
    {{32767, -32768}, 2, "02000000020000000080ff7f"},
    {{32768, -5}, 2, "0400000002000000fbffffff00800000"},
    {{2147483648LL, -2147483648LL, 5}, 3,
     "080000000300000000000080ffffffff05000000000000000000008000000000"},
};

static size_t unhex(const char *hex, unsigned char *out) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    return n;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_redis_format(void **state) {
    (void)state;
    for (size_t k = 0; k < sizeof(redis_blobs) / sizeof(redis_blobs[0]); k++) {
        const RedisBlob *rb = &redis_blobs[k];
        unsigned char blob[64];
        size_t n = unhex(rb->hex, blob);
        /* produced identically */
        Intset *is = add_all(rb->vals, rb->n);
        assert_int_equal(is_blob_len(is), n);
        assert_memory_equal(is_blob(is), blob, n);
        is_free(is);
        /* read back */
        assert_int_equal(is_validate_integrity(blob, n, 1), 1);
        is = is_from_blob(blob, n);
        int64_t sorted[3];
        memcpy(sorted, rb->vals, sizeof(sorted));
        qsort(sorted, (size_t)rb->n, sizeof(int64_t), cmp_i64);
        check_set(is, sorted, (uint32_t)rb->n);
        is_free(is);
    }
}

/* Runs validation on an exact-size heap copy so that ASan sees any overread. */
static int validate_copy(const unsigned char *blob, size_t size, int deep) {
    unsigned char *p = malloc(size ? size : 1);
    if (size) memcpy(p, blob, size);
    int ok = is_validate_integrity(p, size, deep);
    free(p);
    return ok;
}

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void test_validate_hostile(void **state) {
    (void)state;
    unsigned char b[64];
    size_t n = unhex(redis_blobs[0].hex, b);   /* {1,2,3} int16, 14 bytes */
    assert_int_equal(validate_copy(b, n, 1), 1);
    assert_int_equal(is_validate_integrity(NULL, 0, 1), 0);
    /* truncated anywhere, or extended */
    for (size_t cut = 0; cut < n; cut++) assert_int_equal(validate_copy(b, cut, 0), 0);
    assert_int_equal(validate_copy(b, n + 2, 0), 0);
    /* bad encodings */
    uint32_t encs[] = {0, 1, 3, 5, 6, 7, 9, 16, 0x02000000, 0xffffffff};
    for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
        unsigned char c[64];
        memcpy(c, b, n);
        put32(c, encs[i]);
        assert_int_equal(validate_copy(c, n, 0), 0);
    }
    /* lengths that disagree with the size, including ones that would overflow */
    uint32_t lens[] = {0, 2, 4, 7, 0x80000000u, 0x80000003u, 0xffffffffu};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        unsigned char c[64];
        memcpy(c, b, n);
        put32(c + 4, lens[i]);
        assert_int_equal(validate_copy(c, n, 0), 0);
    }
    /* an int32 header over 14 bytes: 6 bytes of values is not a whole number */
    unsigned char c[64];
    memcpy(c, b, n);
    put32(c, 4);
    assert_int_equal(validate_copy(c, n, 0), 0);
    /* unsorted and duplicate values: only the deep check sees them */
    memcpy(c, b, n);
    c[8] = 9;                                   /* {9,2,3} */
    assert_int_equal(validate_copy(c, n, 0), 1);
    assert_int_equal(validate_copy(c, n, 1), 0);
    memcpy(c, b, n);
    c[10] = 1;                                  /* {1,1,3} */
    assert_int_equal(validate_copy(c, n, 1), 0);
    memcpy(c, b, n);
    c[12] = 2;                                  /* {1,2,2} */
    assert_int_equal(validate_copy(c, n, 1), 0);
    /* non-minimal encoding is accepted, as Redis does */
    unsigned char w[8 + 16];
    put32(w, 8);
    put32(w + 4, 2);
    memset(w + 8, 0, 16);
    w[8] = 1;
    w[16] = 2;
    assert_int_equal(validate_copy(w, sizeof(w), 1), 1);
}

/* Random blobs, truncations and byte flips: validation never crashes, and whatever
 * it accepts works as an intset. */
static void test_validate_fuzz(void **state) {
    (void)state;
    uint64_t seed = test_seed("intset fuzz", 0);
    Rng rng;
    rng_seed(&rng, seed);
    long accepted = 0;
    for (int round = 0; round < 3000; round++) {
        Intset *is = is_new();
        int n = 1 + (int)(rng_next(&rng) % 40);
        int shift = (int)(rng_next(&rng) % 64);
        for (int i = 0; i < n; i++) is = is_add(is, (int64_t)(rng_next(&rng) >> shift) * ((rng_next(&rng) & 1) ? 1 : -1), NULL);
        size_t size = is_blob_len(is);
        unsigned char *b = malloc(size + 16);
        memcpy(b, is_blob(is), size);
        int flips = (int)(rng_next(&rng) % 4);
        for (int f = 0; f < flips; f++) b[rng_next(&rng) % size] ^= (unsigned char)(1u << (rng_next(&rng) % 8));
        size_t tsize = size;
        switch (rng_next(&rng) % 4) {
        case 0: tsize = (size_t)(rng_next(&rng) % (size + 1)); break;
        case 1: tsize = size + rng_next(&rng) % 16; memset(b + size, 0xAB, 16); break;
        default: break;
        }
        for (int deep = 0; deep < 2; deep++) {
            if (!validate_copy(b, tsize, deep) || !deep) continue;
            accepted++;
            Intset *x = is_from_blob(b, tsize);
            int64_t prev = 0, v;
            for (uint32_t i = 0; is_get(x, i, &v); i++) {
                if (i) assert_true(v > prev);
                assert_true(is_find(x, v));
                prev = v;
            }
            x = is_add(x, 0, NULL);
            x = is_remove(x, prev, NULL);
            is_free(x);
        }
        free(b);
        is_free(is);
    }
    assert_true(accepted > 0);
}

/* Sorted-array model of the set. */
typedef struct Model {
    int64_t v[4096];
    uint32_t n;
} Model;

static int model_find(const Model *m, int64_t v, uint32_t *pos) {
    uint32_t i = 0;
    while (i < m->n && m->v[i] < v) i++;
    *pos = i;
    return i < m->n && m->v[i] == v;
}

static int64_t random_value(Rng *r) {
    switch (rng_next(r) % 6) {
    case 0: return (int64_t)(rng_next(r) % 200) - 100;
    case 1: return (int64_t)(int16_t)rng_next(r);
    case 2: return (int64_t)(int32_t)rng_next(r);
    case 3: return (int64_t)rng_next(r);
    case 4: { int64_t e[] = {INT16_MIN, INT16_MAX, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX,
                             (int64_t)INT16_MIN - 1, (int64_t)INT16_MAX + 1,
                             (int64_t)INT32_MIN - 1, (int64_t)INT32_MAX + 1};
              return e[rng_next(r) % 10]; }
    default: return (int64_t)(rng_next(r) % 3000);
    }
}

static uint32_t enc_needed(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) return 8;
    if (v < INT16_MIN || v > INT16_MAX) return 4;
    return 2;
}

static void test_random_model(void **state) {
    (void)state;
    uint64_t seed = test_seed("intset model", 0x9e3779b97f4a7c15ULL);
    Rng rng;
    rng_seed(&rng, seed);
    rand_seed(seed);
    size_t before = vmalloc_used();
    for (int round = 0; round < 20; round++) {
        Model m = {.n = 0};
        Intset *is = is_new();
        uint32_t enc = 2;
        for (int op = 0; op < 2000; op++) {
            int64_t v = random_value(&rng);
            uint32_t pos;
            int present = model_find(&m, v, &pos), flag;
            if (rng_next(&rng) % 3 && m.n < 4000) {
                is = is_add(is, v, &flag);
                assert_int_equal(flag, !present);
                if (!present) {
                    memmove(&m.v[pos + 1], &m.v[pos], (m.n - pos) * sizeof(int64_t));
                    m.v[pos] = v;
                    m.n++;
                    if (enc_needed(v) > enc) enc = enc_needed(v);
                }
            } else {
                if (m.n && rng_next(&rng) % 2) v = m.v[rng_next(&rng) % m.n];
                present = model_find(&m, v, &pos);
                is = is_remove(is, v, &flag);
                assert_int_equal(flag, present);
                if (present) {
                    memmove(&m.v[pos], &m.v[pos + 1], (m.n - pos - 1) * sizeof(int64_t));
                    m.n--;
                }
            }
            assert_int_equal(is_encoding(is), enc);
            assert_int_equal(is_find(is, v), model_find(&m, v, &pos));
            if (op % 50 == 0) check_set(is, m.v, m.n);
            if (m.n && op % 10 == 0) {
                int64_t r = is_random(is);
                assert_true(model_find(&m, r, &pos));
            }
        }
        check_set(is, m.v, m.n);
        is_free(is);
    }
    assert_int_equal(vmalloc_used(), before);
}

static void test_random_covers(void **state) {
    (void)state;
    Intset *is = is_new();
    for (int i = 0; i < 8; i++) is = is_add(is, i * 1000, NULL);
    int seen[8] = {0};
    for (int i = 0; i < 2000; i++) {
        int64_t v = is_random(is);
        assert_true(v % 1000 == 0 && v >= 0 && v < 8000);
        seen[v / 1000]++;
    }
    for (int i = 0; i < 8; i++) assert_true(seen[i] > 100);
    is_free(is);
    assert_int_equal(is_max_safe_entries(), (size_t)1 << 30);
}

/* A bigger set: 100k values (10k under ASan) in scattered order, all found, blob exact. */
static void test_large(void **state) {
    (void)state;
    Intset *is = is_new();
    const uint32_t n = UNDER_SANITIZER ? 10000 : 100000;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(((uint64_t)i * 35761u) % n);  /* a permutation of 0..n-1 */
        is = is_add(is, (int64_t)v * 3, NULL);
    }
    assert_int_equal(is_len(is), n);
    assert_int_equal(is_encoding(is), 3 * (n - 1) > INT16_MAX ? IS_ENC_INT32 : IS_ENC_INT16);
    for (uint32_t i = 0; i < n; i++) {
        int64_t v;
        assert_true(is_get(is, i, &v));
        assert_true(v == (int64_t)i * 3);
    }
    assert_false(is_find(is, 1));
    assert_int_equal(is_validate_integrity(is_blob(is), is_blob_len(is), 1), 1);
    is_free(is);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty_and_basic, setup),
        cmocka_unit_test_setup(test_upgrades, setup),
        cmocka_unit_test_setup(test_redis_format, setup),
        cmocka_unit_test_setup(test_validate_hostile, setup),
        cmocka_unit_test_setup(test_validate_fuzz, setup),
        cmocka_unit_test_setup(test_random_model, setup),
        cmocka_unit_test_setup(test_random_covers, setup),
        cmocka_unit_test_setup(test_large, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
