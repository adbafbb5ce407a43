/* legacy_rdb.h - helpers shared by test_ziplist.c and test_zipmap.c: a small walk
 * over an RDB file held in memory that hands every blob-encoded value (zipmaps,
 * ziplists, intsets, listpacks, quicklist nodes) to a callback, so the tests can
 * take the real blobs out of the RDB files of Redis 7.0.15's tests/assets (copied
 * into the test files as byte arrays); plus helpers that check a listpack's
 * entries and run hostile variants (truncations, byte flips) of a blob through a
 * validator in an allocation of exactly the blob's size, so that the sanitizer
 * catches any read past it. Everything is static inline (each test includes what
 * it uses without unused-function warnings). */
#ifndef VESPER_TEST_LEGACY_RDB_H
#define VESPER_TEST_LEGACY_RDB_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/rio.h"
#include "base/sds.h"
#include "base/util.h"
#include "ds/listpack.h"
#include "ds/rdbenc.h"

/* ---------------- the RDB walk ---------------- */

#define LR_MAX_BLOBS 64

typedef struct LrBlob {
    Sds key;
    int type;            /* RDB type of the value the blob belongs to */
    int node;            /* index of the node for quicklists, else 0 */
    Sds blob;
} LrBlob;

typedef struct LrBlobs {
    LrBlob b[LR_MAX_BLOBS];
    int n;
} LrBlobs;

/* Skips a string in any encoding, LZF included (without decompressing it). */
static inline int lr_skip_string(Rio *r, RdbErr *err) {
    uint64_t len, clen, ulen;
    int enc;
    if (!rdb_load_len(r, &len, &enc, err)) return 0;
    if (!enc) return rdb_skip(r, len, err);
    if (len <= 2) return rdb_skip(r, (uint64_t)1 << len, err); /* int8/16/32 */
    if (len != 3) return 0;
    if (!rdb_load_len(r, &clen, NULL, err) || !rdb_load_len(r, &ulen, NULL, err)) return 0;
    return rdb_skip(r, clen, err);
}

static inline int lr_skip_strings(Rio *r, uint64_t n, RdbErr *err) {
    for (uint64_t i = 0; i < n; i++)
        if (!lr_skip_string(r, err)) return 0;
    return 1;
}

static inline int lr_add_blob(LrBlobs *out, Rio *r, Sds key, int type, int node, RdbErr *err) {
    Sds blob = rdb_load_string(r, 1 << 20, err);
    if (!blob || out->n == LR_MAX_BLOBS) {
        sds_free(blob);
        return 0;
    }
    out->b[out->n++] = (LrBlob){sds_dup(key), type, node, blob};
    return 1;
}

/* Reads the value of `type` for `key`, keeping its blobs. */
static inline int lr_value(LrBlobs *out, Rio *r, Sds key, int type, RdbErr *err) {
    uint64_t n, container;
    double d;
    switch (type) {
    case RDB_TYPE_STRING: return lr_skip_string(r, err);
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET: return rdb_load_len(r, &n, NULL, err) && lr_skip_strings(r, n, err);
    case RDB_TYPE_HASH: return rdb_load_len(r, &n, NULL, err) && lr_skip_strings(r, 2 * n, err);
    case RDB_TYPE_ZSET:
        if (!rdb_load_len(r, &n, NULL, err)) return 0;
        for (uint64_t i = 0; i < n; i++)
            if (!lr_skip_string(r, err) || !rdb_load_double_text(r, &d, err)) return 0;
        return 1;
    case RDB_TYPE_ZSET_2:
        if (!rdb_load_len(r, &n, NULL, err)) return 0;
        for (uint64_t i = 0; i < n; i++)
            if (!lr_skip_string(r, err) || !rdb_skip(r, 8, err)) return 0;
        return 1;
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        if (!rdb_load_len(r, &n, NULL, err)) return 0;
        for (uint64_t i = 0; i < n; i++) {
            if (type == RDB_TYPE_LIST_QUICKLIST_2 && !rdb_load_len(r, &container, NULL, err)) return 0;
            if (!lr_add_blob(out, r, key, type, (int)i, err)) return 0;
        }
        return 1;
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK: return lr_add_blob(out, r, key, type, 0, err);
    default: return 0;
    }
}

/* Walks an RDB file, collecting the blobs of every key. Returns 1 when the walk
 * reached the EOF opcode. */
static inline int lr_walk(const unsigned char *rdb, size_t len, LrBlobs *out) {
    Rio r;
    RdbErr err;
    uint64_t a, b;
    memset(out, 0, sizeof(*out));
    if (len < 9 || memcmp(rdb, "REDIS", 5) != 0) return 0;
    rio_init_mem(&r, rdb + 9, len - 9);
    for (;;) {
        int type = rdb_load_type(&r, &err);
        if (type < 0) return 0;
        if (type == RDB_OPCODE_EOF) return 1;
        int ok;
        switch (type) {
        case RDB_OPCODE_AUX: ok = lr_skip_strings(&r, 2, &err); break;
        case RDB_OPCODE_RESIZEDB:
            ok = rdb_load_len(&r, &a, NULL, &err) && rdb_load_len(&r, &b, NULL, &err);
            break;
        case RDB_OPCODE_SELECTDB:
        case RDB_OPCODE_IDLE: ok = rdb_load_len(&r, &a, NULL, &err); break;
        case RDB_OPCODE_FREQ: ok = rdb_skip(&r, 1, &err); break;
        case RDB_OPCODE_EXPIRETIME: ok = rdb_skip(&r, 4, &err); break;
        case RDB_OPCODE_EXPIRETIME_MS: ok = rdb_skip(&r, 8, &err); break;
        default: {
            Sds key = rdb_load_string(&r, 1 << 20, &err);
            ok = key && lr_value(out, &r, key, type, &err);
            sds_free(key);
        }
        }
        if (!ok) return 0;
    }
}

static inline void lr_free(LrBlobs *bs) {
    for (int i = 0; i < bs->n; i++) {
        sds_free(bs->b[i].key);
        sds_free(bs->b[i].blob);
    }
    bs->n = 0;
}

/* The blob of key (quicklist node `node`), failing the test when there is none. */
static inline const LrBlob *lr_find(const LrBlobs *bs, const char *key, int node) {
    for (int i = 0; i < bs->n; i++)
        if (!strcmp(bs->b[i].key, key) && bs->b[i].node == node) return &bs->b[i];
    fail_msg("no blob for key %s node %d", key, node);
    return NULL;
}

/* ---------------- listpack checks ---------------- */

/* Asserts lp is a valid listpack holding exactly the strings want[0..n) (integer
 * entries compared in decimal). */
static inline void lr_expect_lp(unsigned char *lp, const char *const *want, size_t n) {
    assert_non_null(lp);
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    assert_int_equal(lp_length(lp), n);
    unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < n; i++, p = lp_next(lp, p)) {
        assert_non_null(p);
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t len;
        const unsigned char *s = lp_get_str(p, &len, buf);
        if (len != strlen(want[i]) || memcmp(s, want[i], len) != 0)
            fail_msg("entry %zu: got \"%.*s\", want \"%s\"", i, (int)len, (const char *)s, want[i]);
    }
    assert_null(p);
}

/* ---------------- hostile input ---------------- */

/* A copy of blob[0..len) in an allocation of exactly len bytes (at least 1). */
static inline unsigned char *lr_exact_copy(const unsigned char *blob, size_t len) {
    unsigned char *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len) memcpy(p, blob, len);
    return p;
}

/* The seed of a randomized test: TEST_SEED from the environment to replay a run,
 * else one from the clock. Printed either way. */
static inline uint64_t lr_seed(const char *what, uint64_t salt) {
    const char *env = getenv("TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)monotonic_us() ^ salt;
    printf("  %s seed %llu (replay with TEST_SEED=%llu)\n", what, (unsigned long long)seed,
           (unsigned long long)seed);
    return seed;
}

/* xorshift64*: the flips' own generator, so a seed replays whatever else runs. */
static inline uint64_t lr_rand(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

#endif
