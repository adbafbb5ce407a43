/* test_bloom.c - unit tests for ds/bloom: MurmurHash64A reference values, layer
 * sizing as RedisBloom sizes it, scaling (capacities, tightened errors, item counts
 * RedisBloom's own tests expect), non-scaling refusal, a randomized run against a
 * set model (never a false negative; the false-positive rate measured at capacity
 * stays within the requested rate), dup, the dump header and chunks round trip, and
 * hostile headers and chunks refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ds/bloom.h"
#include "ds/strset.h"
#include "base/alloc.h"
#include "base/util.h"
#include "seed.h"

static int setup(void **state) {
    (void)state;
    uint8_t seed[16] = {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5};
    hash_set_seed(seed);
    return 0;
}

/* MurmurHash64A: the tail bytes, whole words and the seed all count; equal input
 * gives equal output. */
static void test_murmur(void **state) {
    (void)state;
    assert_int_equal(bloom_murmur64a("", 0, 0), 0);
    uint64_t a = bloom_murmur64a("abcdefgh", 8, 1), b = bloom_murmur64a("abcdefgh", 8, 2);
    assert_true(a != b);
    assert_true(bloom_murmur64a("abcdefghi", 9, 1) != a);
    assert_true(bloom_murmur64a("abcdefgh", 8, 1) == a);
    for (size_t n = 1; n < 17; n++) {
        char buf[17] = "0123456789abcdef";
        uint64_t h = bloom_murmur64a(buf, n, 42);
        buf[n - 1] ^= 1;
        assert_true(bloom_murmur64a(buf, n, 42) != h);
    }
}

/* RedisBloom's sizing (its BF.DEBUG figures): 0.001 at 50000 -> first layer error
 * 0.0005, 98880 bytes, 11 hashes; 0.01 at 10 -> 16 bytes, 8 hashes. */
static void test_sizing(void **state) {
    (void)state;
    Bloom *b = bloom_new(50000, 0.001, 2, 0);
    assert_non_null(b);
    assert_int_equal(b->layers[0].bytes, 98880);
    assert_int_equal(b->layers[0].bits, 791040);
    assert_int_equal(b->layers[0].hashes, 11);
    assert_true(b->layers[0].error == 0.0005);
    bloom_free(b);
    b = bloom_new(100, 0.001, 2, 0);
    assert_int_equal(bloom_size(b), 296); /* BF.INFO Size in RedisBloom's tests */
    bloom_free(b);
    b = bloom_new(10, 0.01, 2, 1); /* non-scaling: the error as given */
    assert_true(b->layers[0].error == 0.01);
    bloom_free(b);
    assert_null(bloom_new(0, 0.01, 2, 0));
    assert_null(bloom_new(10, 0, 2, 0));
    assert_null(bloom_new(10, 1, 2, 0));
    assert_null(bloom_new(BLOOM_MAX_CAPACITY + 1, 0.01, 2, 0));
    assert_null(bloom_new(4000000000ULL, 1e-300, 2, 0)); /* too many bytes */
}

/* 100 items into 0.01/10 scale to 4 layers (10, 20, 40, 80) with 99 counted, and
 * 4000 into 0.001/100 to 6 layers with 3997: the figures of RedisBloom's tests,
 * which also shows the hash positions are RedisBloom's. */
static void test_scaling(void **state) {
    (void)state;
    Bloom *b = bloom_new(10, 0.01, 2, 0);
    char buf[32];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i);
        assert_true(bloom_add(b, buf, (size_t)n) >= 0);
    }
    assert_int_equal(b->nlayers, 4);
    assert_int_equal(b->items, 99);
    assert_int_equal(b->layers[3].capacity, 80);
    assert_int_equal(b->layers[0].bytes, 16);
    assert_int_equal(b->layers[1].bytes, 32);
    assert_int_equal(b->layers[2].bytes, 72);
    assert_int_equal(b->layers[3].bytes, 160);
    assert_true(b->layers[3].error == 0.000625);
    bloom_free(b);
    b = bloom_new(100, 0.001, 2, 0);
    for (int i = 0; i < 4000; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i);
        bloom_add(b, buf, (size_t)n);
    }
    assert_int_equal(b->nlayers, 6);
    assert_int_equal(b->items, 3997);
    assert_int_equal(bloom_capacity(b), 6300);
    bloom_free(b);
    /* expansion 1 keeps layer sizes equal */
    b = bloom_new(4, 0.01, 1, 0);
    for (int i = 0; i < 100; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i);
        bloom_add(b, buf, (size_t)n);
    }
    for (uint32_t i = 0; i < b->nlayers; i++) assert_int_equal(b->layers[i].capacity, 4);
    bloom_free(b);
}

static void test_nonscaling(void **state) {
    (void)state;
    Bloom *b = bloom_new(3, 0.01, 2, 1);
    assert_int_equal(bloom_add(b, "a", 1), 1);
    assert_int_equal(bloom_add(b, "b", 1), 1);
    assert_int_equal(bloom_add(b, "c", 1), 1);
    assert_int_equal(bloom_add(b, "a", 1), 0); /* present: not refused */
    assert_int_equal(bloom_add(b, "d", 1), -1);
    assert_int_equal(b->nlayers, 1);
    assert_int_equal(b->items, 3);
    bloom_free(b);
}

/* A set model: every added item is always found (no false negatives, through
 * scaling too); items never added are found at most at the requested rate, once
 * the filter holds its capacity. */
static void run_model(double error, uint64_t capacity, int scaling_items, uint64_t seed) {
    rand_seed(seed);
    Bloom *b = bloom_new(capacity, error, 2, 0);
    Strset *model = strset_create();
    char buf[40];
    uint64_t total = capacity * (uint64_t)scaling_items;
    for (uint64_t i = 0; i < total; i++) {
        int n = snprintf(buf, sizeof(buf), "in:%llu", (unsigned long long)rand_u64());
        int rv = bloom_add(b, buf, (size_t)n);
        assert_true(rv == 0 || rv == 1);
        strset_add(model, buf, (size_t)n);
        if (rand_u64() % 8 == 0) assert_true(bloom_check(b, buf, (size_t)n));
    }
    StrsetIter it;
    const StrsetEntry *e;
    strset_iter_init(&it, model, 0);
    while ((e = strset_iter_next(&it))) {
        size_t len;
        const char *p = strset_entry_bytes(e, &len);
        assert_true(bloom_check(b, p, len));
    }
    strset_iter_done(&it);
    assert_true(b->items <= strset_size(model));
    uint64_t probes = 200000, fp = 0;
    for (uint64_t i = 0; i < probes; i++) {
        int n = snprintf(buf, sizeof(buf), "out:%llu", (unsigned long long)i);
        if (strset_contains(model, buf, (size_t)n)) continue;
        fp += (uint64_t)bloom_check(b, buf, (size_t)n);
    }
    double rate = (double)fp / (double)probes;
    printf("  error %g capacity %llu x%d: %u layers, fp rate %.5f\n", error, (unsigned long long)capacity,
           scaling_items, b->nlayers, rate);
    assert_true(rate <= error);
    strset_free(model);
    bloom_free(b);
}

static void test_model(void **state) {
    (void)state;
    uint64_t seed = test_seed("bloom model", 17);
    run_model(0.01, 10000, 1, seed);
    run_model(0.001, 10000, 1, seed + 1);
    run_model(0.01, 500, 4, seed + 2); /* scaled to three layers (the third a quarter full) */
}

static void test_dup(void **state) {
    (void)state;
    Bloom *b = bloom_new(10, 0.01, 2, 0);
    char buf[16];
    for (int i = 0; i < 50; i++) bloom_add(b, buf, (size_t)snprintf(buf, sizeof(buf), "%d", i));
    Bloom *d = bloom_dup(b);
    assert_int_equal(d->nlayers, b->nlayers);
    for (uint32_t i = 0; i < b->nlayers; i++)
        assert_memory_equal(d->layers[i].bitmap, b->layers[i].bitmap, (size_t)b->layers[i].bytes);
    bloom_add(d, "new", 3);
    assert_true(bloom_check(d, "new", 3));
    bloom_free(d);
    bloom_free(b);
    /* bitmaps past BLOOM_PAGES_MIN come from the page allocator, and are counted */
    size_t before = vmalloc_used();
    b = bloom_new(1000000, 0.01, 2, 0);
    assert_true(b->layers[0].bytes >= BLOOM_PAGES_MIN);
    assert_true(vmalloc_used() - before >= b->layers[0].bytes);
    for (int i = 0; i < 1000; i++) bloom_add(b, buf, (size_t)snprintf(buf, sizeof(buf), "%d", i));
    d = bloom_dup(b);
    for (int i = 0; i < 1000; i++) assert_true(bloom_check(d, buf, (size_t)snprintf(buf, sizeof(buf), "%d", i)));
    bloom_free(d);
    bloom_free(b);
    assert_int_equal(vmalloc_used(), before);
    assert_null(bloom_bitmap_alloc(0));
    assert_null(bloom_bitmap_alloc(BLOOM_MAX_LAYER_BYTES + 1));
}

/* SCANDUMP/LOADCHUNK: header then chunks (small chunks here) rebuild the filter
 * exactly; hostile headers and chunks are refused. */
/* A filter that grows never passes what a load accepts (bloom_valid: the layer
 * count and the total of the bitmaps), or it could be saved and never loaded back:
 * a filter of 1e9 items per layer, expansion 1, reaches 16 GB in 12 layers. Its
 * layers are marked full by hand (the bitmaps are untouched pages, not memory). */
static void test_growth_stays_loadable(void **state) {
    (void)state;
    Bloom *b = bloom_new(1000000000, 0.5, 1, 0);
    assert_non_null(b);
    int rv = 1;
    for (int i = 0; i < 40 && rv != -2; i++) {
        BloomLayer *cur = &b->layers[b->nlayers - 1];
        b->items += cur->capacity - cur->items;
        cur->items = cur->capacity;
        char item[32];
        snprintf(item, sizeof(item), "grow%d", i);
        rv = bloom_add(b, item, strlen(item));
        assert_true(bloom_valid(b));
        assert_true(bloom_total_bytes(b) <= BLOOM_MAX_TOTAL_BYTES);
    }
    assert_int_equal(rv, -2); /* refused before the total passes the limit */
    bloom_free(b);
}

static void test_dump(void **state) {
    (void)state;
    Bloom *b = bloom_new(10, 0.01, 3, 0);
    char buf[16];
    for (int i = 0; i < 200; i++) bloom_add(b, buf, (size_t)snprintf(buf, sizeof(buf), "%d", i));
    size_t hlen;
    unsigned char *hdr = bloom_encode_header(b, &hlen);
    assert_int_equal(hlen, BLOOM_HEADER_FIXED + BLOOM_HEADER_LAYER * b->nlayers);
    const char *err;
    Bloom *c = bloom_from_header(hdr, hlen, &err);
    assert_non_null(c);
    long long iter = 1;
    size_t len;
    const unsigned char *chunk;
    int chunks = 0;
    while ((chunk = bloom_chunk(b, &iter, &len, 7)) != NULL) {
        assert_int_equal(bloom_load_chunk(c, iter, chunk, len, &err), 0);
        chunks++;
    }
    assert_int_equal(iter, 0);
    assert_true(chunks > (int)b->nlayers);
    assert_int_equal(c->items, b->items);
    assert_int_equal(c->expansion, 3);
    for (uint32_t i = 0; i < b->nlayers; i++) {
        assert_int_equal(c->layers[i].capacity, b->layers[i].capacity);
        assert_memory_equal(c->layers[i].bitmap, b->layers[i].bitmap, (size_t)b->layers[i].bytes);
    }
    /* chunks outside the layers */
    assert_int_equal(bloom_load_chunk(c, 0, (const unsigned char *)"x", 1, &err), -1);
    assert_string_equal(err, "ERR received bad data");
    assert_int_equal(bloom_load_chunk(c, 1, (const unsigned char *)"xy", 2, &err), -1);
    assert_string_equal(err, "ERR received bad data"); /* the iterator is below the length */
    assert_int_equal(bloom_load_chunk(c, 2, (const unsigned char *)"xy", 2, &err), -1);
    assert_string_equal(err, "ERR invalid offset - no link found");
    assert_int_equal(bloom_load_chunk(c, 1LL << 40, (const unsigned char *)"x", 1, &err), -1);
    assert_string_equal(err, "ERR invalid offset - no link found");
    unsigned char big[40] = {0};
    assert_int_equal(bloom_load_chunk(c, 1 + 40, big, 40, &err), -1); /* crosses layer 0 (16 bytes) */
    bloom_free(c);
    /* hostile headers: every single-byte change is refused or yields a valid filter */
    assert_null(bloom_from_header(hdr, hlen - 1, &err));
    assert_null(bloom_from_header(hdr, 3, &err));
    for (size_t pos = 0; pos < hlen; pos++) {
        for (int bit = 0; bit < 8; bit++) {
            hdr[pos] ^= (unsigned char)(1 << bit);
            Bloom *h = bloom_from_header(hdr, hlen, &err);
            if (h) {
                assert_true(bloom_valid(h));
                bloom_add(h, "probe", 5);
                bloom_check(h, "probe", 5);
                bloom_free(h);
            }
            hdr[pos] ^= (unsigned char)(1 << bit);
        }
    }
    /* a header claiming huge layers */
    unsigned char *q = hdr + BLOOM_HEADER_FIXED;
    for (int i = 0; i < 8; i++) q[i] = 0xff;
    assert_null(bloom_from_header(hdr, hlen, &err));
    vfree(hdr);
    bloom_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur),   cmocka_unit_test(test_sizing), cmocka_unit_test(test_scaling),
        cmocka_unit_test(test_nonscaling), cmocka_unit_test(test_model), cmocka_unit_test(test_dup),
        cmocka_unit_test(test_dump),            cmocka_unit_test(test_growth_stays_loadable),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
