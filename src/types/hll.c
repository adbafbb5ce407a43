/* hll.c - the HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
 *
 * A HyperLogLog is a plain string value in Redis's "HYLL" layout (src/ds/hll.h), so
 * RDB, DUMP/RESTORE, COPY, GET/SET and replication carry it with no type of its own.
 *
 * Invariants:
 * - A value is used as a sketch only after the header checks Redis makes
 *   (hll_header_ok): any other string gets "WRONGTYPE Key is not a valid
 *   HyperLogLog string value.", a corrupt sparse body "INVALIDOBJ Corrupted HLL
 *   object detected"; neither ever reads out of bounds.
 * - A sketch that is written is a raw string owned by its keyspace entry
 *   (obj_unshare_string first), edited in place.
 * - Effects are Redis 7.0's: PFADD and PFMERGE emit "pfadd" (class $) and
 *   propagate; PFCOUNT of one key that refreshes the cached cardinality touches
 *   the key (WATCH, tracking) and counts as a change without an event, so the
 *   PFCOUNT itself propagates, as in Redis; PFDEBUG GETREG/TODENSE that turn a
 *   sketch dense count a change (propagated) without touching the key.
 *
 * Costs: PFADD O(elements) (times the sparse size while sparse); PFCOUNT of one
 * key O(1) when cached, else O(16384); of several keys and PFMERGE O(keys * 16384);
 * PFMERGE into a sparse destination O(16384 * sparse size) at worst, as Redis;
 * PFSELFTEST adds 10 million elements (seconds). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../base/util.h"
#include "../ds/hll.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/module.h"
#include "../core/server.h"

#define HLL_ERR_INVALID "-INVALIDOBJ Corrupted HLL object detected"
#define HLL_ERR_NOT_HLL "-WRONGTYPE Key is not a valid HyperLogLog string value."

/* Replies with the right error and returns 0 unless o is a string with a valid
 * sketch header. */
static int hll_check(Client *c, const Obj *o) {
    if (o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return 0;
    }
    if (o->encoding == ENC_INT || !hll_header_ok(o->ptr, sds_len(o->ptr))) {
        reply_error(c, HLL_ERR_NOT_HLL);
        return 0;
    }
    return 1;
}

static size_t hll_sparse_max(void) {
    long long v = server.cfg.hll_sparse_max_bytes;
    return v < 0 ? 0 : (size_t)v;
}

/* The keyed sketch at key for writing, created empty when missing (*created set);
 * NULL after replying an error. */
static Obj *hll_lookup_create(Client *c, const Obj *key, int *created) {
    Obj *o = db_lookup_write(c, key);
    *created = 0;
    if (!o) {
        *created = 1;
        return db_set(c, c->db, key, obj_from_sds(hll_new()), SETKEY_DOESNT_EXIST);
    }
    if (!hll_check(c, o)) return NULL;
    obj_unshare_string(o);
    return o;
}

/* PFADD key [element ...] */
static void hll_pfadd_cmd(Client *c) {
    int updated;
    Obj *o = hll_lookup_create(c, c->argv[1], &updated);
    if (!o) return;
    size_t max = hll_sparse_max();
    Sds s = o->ptr;
    for (int j = 2; j < c->argc; j++) {
        int r = hll_add(&s, arg_str(c, j), arg_len(c, j), max);
        if (r < 0) {
            o->ptr = s;
            reply_error(c, HLL_ERR_INVALID);
            return;
        }
        updated += r;
    }
    o->ptr = s;
    if (updated) {
        hll_cache_invalidate((uint8_t *)s);
        db_changed(c->db, c->argv[1], NOTIFY_STRING, "pfadd");
        server.stat.dirty += updated - 1; /* Redis counts every changed register */
    }
    reply_long(c, updated ? 1 : 0);
}

/* PFCOUNT key [key ...] */
static void hll_pfcount_cmd(Client *c) {
    if (c->argc > 2) {
        /* the union of several sketches, never cached */
        uint8_t max[HLL_REGISTERS];
        memset(max, 0, sizeof(max));
        for (int j = 1; j < c->argc; j++) {
            Obj *o = db_lookup_read(c, c->argv[j]);
            if (!o) continue;
            if (!hll_check(c, o)) return;
            if (hll_merge(max, o->ptr, sds_len(o->ptr)) < 0) {
                reply_error(c, HLL_ERR_INVALID);
                return;
            }
        }
        int hist[64] = {0};
        hll_histogram_bytes(max, hist);
        reply_long(c, (long long)hll_estimate(hist));
        return;
    }
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!hll_check(c, o)) return;
    /* unshared before the cache is read, as Redis does (an embstr turns raw) */
    obj_unshare_string(o);
    uint8_t *p = o->ptr;
    if (hll_cache_valid(p)) {
        reply_long(c, (long long)hll_cache_get(p));
        return;
    }
    int invalid = 0;
    uint64_t card = hll_count(p, sds_len(o->ptr), &invalid);
    if (invalid) {
        reply_error(c, HLL_ERR_INVALID);
        return;
    }
    hll_cache_set(p, card);
    /* a change without an event: WATCH and tracking see it, it propagates */
    db_changed(c->db, c->argv[1], NOTIFY_STRING, NULL);
    reply_long(c, (long long)card);
}

/* PFMERGE destkey [sourcekey ...] */
static void hll_pfmerge_cmd(Client *c) {
    uint8_t max[HLL_REGISTERS];
    int use_dense = 0;
    memset(max, 0, sizeof(max));
    /* the destination counts as a source, as in Redis */
    for (int j = 1; j < c->argc; j++) {
        Obj *o = db_lookup_read(c, c->argv[j]);
        if (!o) continue;
        if (!hll_check(c, o)) return;
        const uint8_t *p = o->ptr;
        if (p[4] == HLL_DENSE) use_dense = 1;
        if (hll_merge(max, p, sds_len(o->ptr)) < 0) {
            reply_error(c, HLL_ERR_INVALID);
            return;
        }
    }
    int created;
    Obj *o = hll_lookup_create(c, c->argv[1], &created);
    if (!o) return; /* cannot happen: the destination was checked above */
    Sds s = o->ptr;
    if (use_dense && hll_to_dense(&s) < 0) {
        reply_error(c, HLL_ERR_INVALID);
        return;
    }
    size_t smax = hll_sparse_max();
    for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
        if (max[i] == 0) continue;
        if (hll_set(&s, i, max[i], smax) < 0) break; /* the destination merged cleanly above */
    }
    o->ptr = s;
    hll_cache_invalidate((uint8_t *)s);
    /* a merge is a mass add: Redis emits "pfadd" */
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "pfadd");
    reply_ok(c);
}

/* ---- PFSELFTEST ---- */

#define HLL_TEST_CYCLES 1000

static uint32_t hll_test_rand(void) { return (uint32_t)(rand_u64() >> 32); }

/* Test 1: dense registers keep what was written without disturbing neighbours. */
static int hll_selftest_registers(Client *c, uint8_t *regs) {
    static uint8_t model[HLL_REGISTERS];
    for (int cycle = 0; cycle < HLL_TEST_CYCLES; cycle++) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            unsigned r = hll_test_rand() & HLL_REGISTER_MAX;
            model[i] = (uint8_t)r;
            hll_dense_put(regs, i, r);
        }
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = hll_dense_get(regs, i);
            if (v != model[i]) {
                reply_errorf(c, "TESTFAILED Register %u should be %d but is %u", i, (int)model[i], v);
                return 0;
            }
        }
    }
    return 1;
}

/* Test 2: a dense and a sparse sketch fed the same elements agree, the sparse one
 * stays sparse while small, and the error stays within 6 standard errors. */
static int hll_selftest_estimate(Client *c, Sds *dense, Sds *sparse) {
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    long long checkpoint = 1;
    uint64_t seed = rand_u64();
    size_t smax = hll_sparse_max();
    for (long long j = 1; j <= 10000000; j++) {
        uint64_t ele = (uint64_t)j ^ seed;
        hll_add(dense, &ele, sizeof(ele), smax);
        hll_add(sparse, &ele, sizeof(ele), smax);
        if (j != checkpoint) continue;
        if ((size_t)j < smax / 2 && ((uint8_t *)*sparse)[4] != HLL_SPARSE) {
            reply_error(c, "TESTFAILED sparse encoding not used");
            return 0;
        }
        uint64_t cd = hll_count((uint8_t *)*dense, sds_len(*dense), NULL);
        if (cd != hll_count((uint8_t *)*sparse, sds_len(*sparse), NULL)) {
            reply_error(c, "TESTFAILED dense/sparse disagree");
            return 0;
        }
        long long abserr = llabs(checkpoint - (long long)cd);
        long long maxerr = (long long)ceil(relerr * 6 * (double)checkpoint);
        if (j == 10) maxerr = 1; /* collisions make larger errors likely at 10 */
        if (abserr > maxerr) {
            reply_errorf(c, "TESTFAILED Too big error. card:%llu abserr:%llu", (unsigned long long)checkpoint,
                         (unsigned long long)abserr);
            return 0;
        }
        checkpoint *= 10;
    }
    return 1;
}

/* PFSELFTEST */
static void hll_pfselftest_cmd(Client *c) {
    Sds dense = sds_newlen(NULL, HLL_DENSE_SIZE);
    memcpy(dense, "HYLL", 4);
    Sds sparse = hll_new();
    if (hll_selftest_registers(c, (uint8_t *)dense + HLL_HDR_SIZE)) {
        memset(dense + HLL_HDR_SIZE, 0, HLL_DENSE_SIZE - HLL_HDR_SIZE);
        if (hll_selftest_estimate(c, &dense, &sparse)) reply_ok(c);
    }
    sds_free(dense);
    sds_free(sparse);
}

/* ---- PFDEBUG ---- */

/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
static void hll_pfdebug_cmd(Client *c) {
    const char *sub = arg_str(c, 1);
    Obj *o = db_lookup_write(c, c->argv[2]);
    if (!o) {
        reply_error(c, "The specified key does not exist");
        return;
    }
    if (!hll_check(c, o)) return;
    obj_unshare_string(o);
    Sds s = o->ptr;
    if (!strcasecmp(sub, "getreg") || !strcasecmp(sub, "todense")) {
        int converted = 0;
        if (((uint8_t *)s)[4] == HLL_SPARSE) {
            if (hll_to_dense(&s) < 0) {
                reply_error(c, HLL_ERR_INVALID);
                return;
            }
            o->ptr = s;
            converted = 1;
            server.stat.dirty++; /* Redis propagates the conversion */
        }
        if (!strcasecmp(sub, "todense")) {
            reply_long(c, converted);
            return;
        }
        const uint8_t *regs = (const uint8_t *)s + HLL_HDR_SIZE;
        reply_array_len(c, HLL_REGISTERS);
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) reply_long(c, hll_dense_get(regs, i));
    } else if (!strcasecmp(sub, "decode")) {
        if (((uint8_t *)s)[4] != HLL_SPARSE) {
            reply_error(c, "HLL encoding is not sparse");
            return;
        }
        reply_bulk_sds(c, hll_sparse_text((uint8_t *)s, sds_len(s)));
    } else if (!strcasecmp(sub, "encoding")) {
        reply_status(c, ((uint8_t *)s)[4] == HLL_DENSE ? "dense" : "sparse");
    } else {
        reply_errorf(c, "Unknown PFDEBUG subcommand '%s'", sub);
    }
}

static Command hll_commands[] = {
    {.name = "pfadd", .proc = hll_pfadd_cmd,
     .args = "key:key [element:string...]",
     .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_FAST, .group = "hyperloglog",
     .summary = "Adds the specified elements to the specified HyperLogLog.", .since = "2.8.9",
     .complexity = "O(1) to add every element.",
     .keyspecs = {KS1(KS_RW | KS_INSERT, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "pfcount", .proc = hll_pfcount_cmd,
     .args = "key:key...\n"
     "keynote 0 RW because it may change the internal representation of the key, and propagate to replicas",
     .arity = -2, .flags = CMD_READONLY | CMD_MAY_REPLICATE,
     .acl = ACL_READ | ACL_HYPERLOGLOG | ACL_SLOW, .group = "hyperloglog",
     .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
     .since = "2.8.9",
     .complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N "
                   "being the number of keys, and much bigger constant times, when called with multiple keys.",
     .keyspecs = {KS1(KS_RW | KS_ACCESS, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "pfmerge", .proc = hll_pfmerge_cmd,
     .args = "destkey:key sourcekey:key...",
     .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_SLOW, .group = "hyperloglog",
     .summary = "Merge N different HyperLogLogs into a single one.", .since = "2.8.9",
     .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
     .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_INSERT, 1, 0, 1), KS1(KS_RO | KS_ACCESS, 2, -1, 1)},
     .nkeyspecs = 2},
    {.name = "pfdebug", .proc = hll_pfdebug_cmd,
     .args = "subcommand:string key:key",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_ADMIN,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "hyperloglog",
     .summary = "Internal commands for debugging HyperLogLog values", .since = "2.8.9", .complexity = "N/A",
     .keyspecs = {KS1(KS_RW | KS_ACCESS, 2, 0, 1)}, .nkeyspecs = 1, .doc_flags = "syscmd"},
    {.name = "pfselftest", .proc = hll_pfselftest_cmd,
     .arity = 1, .flags = CMD_ADMIN,
     .acl = ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "hyperloglog",
     .summary = "An internal command for testing HyperLogLog values", .since = "2.8.9", .complexity = "N/A",
     .doc_flags = "syscmd"},
    {0},
};

const Module hll_module = {
    .name = "hyperloglog",
    .commands = hll_commands,
};
