/* zset_rdb.c - sorted sets in RDB form (files, DUMP/RESTORE payloads), as Redis
 * 7.0 writes and reads them.
 *
 * Saving: a listpack-encoded set is RDB_TYPE_ZSET_LISTPACK, its listpack bytes as
 * one string (so payloads equal Redis's byte for byte); a skiplist is
 * RDB_TYPE_ZSET_2: the length, then member string and 8-byte binary score pairs
 * from the highest to the lowest, as Redis orders them.
 * Loading: RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_2 and RDB_TYPE_ZSET (text scores);
 * the value gets the encoding Redis gives it on load (a listpack past
 * zset-max-listpack-entries becomes a skiplist; a pair list within both limits a
 * listpack). The input is untrusted: listpacks are validated deeply whatever
 * sanitize-dump-payload says (rdb_lp_pairs_valid: entry extents, pairs, no
 * duplicate members; plus scores that are numbers and not NaN), pair lists
 * reject NaN scores and duplicates; a failure returns NULL with Redis's reason and
 * never crashes. An empty set is reported as such (err->empty: skipped in files,
 * refused by RESTORE). RDB_TYPE_ZSET_ZIPLIST (files older than Redis 7.0) is
 * validated and converted to a listpack (ds/ziplist.h), then treated the same.
 *
 * Costs: save O(n); load O(n log n) for pair lists (skiplist inserts), O(n) for
 * a listpack (the duplicate check is a hash set). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/objtype.h"
#include "../ds/listpack.h"
#include "../ds/ziplist.h"
#include "../ds/rdbenc.h"

int zset_rdb_type(const Obj *o) {
    return o->encoding == ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

int zset_rdb_save(Rio *r, const Obj *o) {
    if (o->encoding == ENC_LISTPACK) return rdb_save_string(r, o->ptr, lp_bytes(o->ptr));
    Zsl *zsl = o->ptr;
    if (!rdb_save_len(r, zsl_length(zsl))) return 0;
    for (ZslNode *x = zsl_last(zsl); x; x = zsl_prev(x)) {
        size_t len;
        const char *m = zsl_node_member(x, &len);
        if (!rdb_save_string(r, m, len) || !rdb_save_binary_double(r, zsl_node_score(x))) return 0;
    }
    return 1;
}

static Obj *zset_rdb_fail(Obj *z, RdbErr *err, const char *why) {
    if (z) obj_decr(z);
    if (why) snprintf(err->msg, sizeof(err->msg), "%s", why);
    return NULL;
}

/* A well-formed value holding nothing: skipped in files, refused by RESTORE. */
static Obj *zset_rdb_empty(RdbErr *err) {
    err->empty = 1;
    return zset_rdb_fail(NULL, err, "empty zset");
}

/* ---- RDB_TYPE_ZSET_2 / RDB_TYPE_ZSET ---- */

/* One member and its score into z; 0 with err (a read failure, NaN, a duplicate). */
static int zset_load_pair(Rio *r, int rdbtype, Obj *z, RdbBuf *buf, size_t *maxlen, size_t *total, RdbErr *err) {
    double score;
    size_t mlen;
    const char *m = rdb_load_str(r, buf, RDB_STRING_MAX, &mlen, err);
    int ok = m && (rdbtype == RDB_TYPE_ZSET_2 ? rdb_load_double_binary(r, &score, err)
                                               : rdb_load_double_text(r, &score, err));
    if (ok && isnan(score)) ok = 0, zset_rdb_fail(NULL, err, "Zset with NAN score detected");
    else if (ok && !zsl_insert(z->ptr, score, m, mlen)) ok = 0, zset_rdb_fail(NULL, err, "Duplicate zset fields detected");
    if (ok && mlen > *maxlen) *maxlen = mlen;
    if (ok) *total += mlen;
    return ok;
}

static Obj *zset_load_pairs(Rio *r, int rdbtype, RdbErr *err) {
    uint64_t n;
    if (!rdb_load_len(r, &n, NULL, err)) return NULL;
    if (n == 0) return zset_rdb_empty(err);
    if (n > ZSL_MAX_LENGTH) return zset_rdb_fail(NULL, err, "sorted set too long");
    Obj *z = zset_new_skiplist();
    zsl_expand(z->ptr, (size_t)rdb_presize(r, n, 10));
    size_t maxlen = 0, total = 0;
    RdbBuf buf = {0};
    for (uint64_t i = 0; i < n; i++)
        if (!zset_load_pair(r, rdbtype, z, &buf, &maxlen, &total, err)) {
            rdb_buf_free(&buf);
            return zset_rdb_fail(z, err, NULL);
        }
    rdb_buf_free(&buf);
    if (n <= (unsigned long long)zset_cfg.max_listpack_entries && maxlen <= (unsigned long long)zset_cfg.max_listpack_value &&
        lp_safe_to_add(NULL, total))
        zset_convert(z, ENC_LISTPACK);
    return z;
}

/* ---- RDB_TYPE_ZSET_LISTPACK ---- */

/* Every score (the second of each pair) reads as a number, never NaN, and the
 * scores never decrease: what the listpack search and a skiplist built from it
 * need. Redis writes its listpacks in score order, so this refuses only damaged
 * or hostile payloads (Redis itself would load them and answer out of order). */
static int zset_lp_scores_valid(unsigned char *lp) {
    double prev = -INFINITY;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
        uint32_t slen;
        long long v;
        const unsigned char *s = lp_get_value(lp_next(lp, p), &slen, &v);
        double d;
        if (!s) {
            d = (double)v;
        } else {
            char buf[128], *end;
            if (slen == 0 || slen >= sizeof(buf)) return 0;
            memcpy(buf, s, slen);
            buf[slen] = '\0';
            d = strtod(buf, &end);
            if (*end != '\0' || isnan(d)) return 0;
        }
        if (d < prev) return 0;
        prev = d;
    }
    return 1;
}

static Obj *zset_load_listpack(Rio *r, int rdbtype, RdbErr *err) {
    size_t size;
    unsigned char *lp = rdb_load_blob(r, (size_t)UINT32_MAX, &size, err);
    if (!lp) return NULL;
    unsigned long pairs;
    if (rdbtype == RDB_TYPE_ZSET_ZIPLIST) {
        size_t zpairs;
        unsigned char *converted = zl_pairs_to_listpack(lp, size, &zpairs);
        vfree(lp);
        if (!converted || !zset_lp_scores_valid(converted)) {
            if (converted) lp_free(converted);
            return zset_rdb_fail(NULL, err, "Zset ziplist integrity check failed.");
        }
        lp = converted;
        size = lp_bytes(lp);
    }
    if (!rdb_lp_pairs_valid(lp, size, &pairs) || !zset_lp_scores_valid(lp)) {
        vfree(lp);
        return zset_rdb_fail(NULL, err, "Zset listpack integrity check failed.");
    }
    if (pairs == 0) {
        vfree(lp);
        return zset_rdb_empty(err);
    }
    Obj *z = obj_new(OBJ_ZSET, lp_shrink_to_fit(lp));
    z->encoding = ENC_LISTPACK;
    if (pairs > (unsigned long long)zset_cfg.max_listpack_entries) zset_convert(z, ENC_SKIPLIST);
    return z;
}

Obj *zset_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    if (rdbtype == RDB_TYPE_ZSET_LISTPACK || rdbtype == RDB_TYPE_ZSET_ZIPLIST) return zset_load_listpack(r, rdbtype, err);
    return zset_load_pairs(r, rdbtype, err);
}

const unsigned char zset_rdb_types[] = {RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK,
                                       255};

int zset_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    unsigned long left = zset_length(o), batch = 0;
    ZPos p;
    int ok = 1;
    for (zpos_first((Obj *)o, &p); ok && zpos_valid(&p); zpos_next(&p)) {
        if (batch == 0) {
            batch = left < AOF_REWRITE_ITEMS_PER_CMD ? left : AOF_REWRITE_ITEMS_PER_CMD;
            ok = rio_write_bulk_count(r, '*', 2 + 2 * (long long)batch) && rio_write_bulk_string(r, "ZADD", 4) &&
                 rio_write_bulk_string(r, key, klen);
        }
        char sbuf[128], mbuf[LP_INTBUF_SIZE];
        int slen = snprintf(sbuf, sizeof(sbuf), "%.17g", zpos_score(&p));
        size_t mlen;
        const char *m = zpos_member(&p, mbuf, &mlen);
        ok = ok && rio_write_bulk_string(r, sbuf, (size_t)slen) && rio_write_bulk_string(r, m, mlen);
        batch--;
        left--;
    }
    return ok;
}
