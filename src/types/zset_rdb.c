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
 * listpack). The input is untrusted: listpacks are validated deeply (entry
 * extents, pairs, scores that are numbers and not NaN, no duplicate members),
 * pair lists reject NaN scores, duplicates and empty sets; a failure returns NULL
 * with the reason and never crashes. RDB_TYPE_ZSET_ZIPLIST (files older than
 * Redis 7.0) is not read.
 *
 * Costs: save O(n); load O(n log n) for pair lists (skiplist inserts), O(n log n)
 * for a listpack (the duplicate check sorts its members). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "zset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../ds/listpack.h"
#include "../ds/rdbenc.h"

#define ZSET_RDB_MAX_MEMBER ((size_t)512 * 1024 * 1024)

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

static Obj *zset_rdb_fail(RdbErr *err, const char *why) {
    snprintf(err->msg, sizeof(err->msg), "%s", why);
    return NULL;
}

/* ---- RDB_TYPE_ZSET_2 / RDB_TYPE_ZSET ---- */

static Obj *zset_load_pairs(Rio *r, int rdbtype, RdbErr *err) {
    uint64_t n;
    if (!rdb_load_len(r, &n, NULL, err)) return NULL;
    if (n == 0) return zset_rdb_fail(err, "empty sorted set");
    if (n > ZSL_MAX_LENGTH) return zset_rdb_fail(err, "sorted set too long");
    Obj *z = zset_new_skiplist();
    zsl_expand(z->ptr, n < 65536 ? (size_t)n : 65536);
    size_t maxlen = 0, total = 0;
    for (uint64_t i = 0; i < n; i++) {
        double score;
        Sds m = rdb_load_string(r, ZSET_RDB_MAX_MEMBER, err);
        int ok = m && (rdbtype == RDB_TYPE_ZSET_2 ? rdb_load_double_binary(r, &score, err)
                                                   : rdb_load_double_text(r, &score, err));
        const char *why = !ok ? NULL : isnan(score) ? "NaN score in sorted set"
                        : !zsl_insert(z->ptr, score, m, sds_len(m)) ? "duplicate sorted set member" : NULL;
        if (ok && !why) {
            if (sds_len(m) > maxlen) maxlen = sds_len(m);
            total += sds_len(m);
        }
        sds_free(m);
        if (!ok || why) {
            obj_decr(z);
            return why ? zset_rdb_fail(err, why) : NULL;
        }
    }
    if (n <= (unsigned long long)zset_cfg.max_listpack_entries && maxlen <= (unsigned long long)zset_cfg.max_listpack_value &&
        lp_safe_to_add(NULL, total))
        zset_convert(z, ENC_LISTPACK);
    return z;
}

/* ---- RDB_TYPE_ZSET_LISTPACK ---- */

typedef struct LpCheck {
    unsigned long entries;
    int bad;
} LpCheck;

/* Scores (odd entries) must read as numbers, never NaN. */
static int zset_lp_check_entry(unsigned char *p, unsigned int head_count, void *data) {
    (void)head_count;
    LpCheck *ck = data;
    if (ck->entries++ % 2 == 0) return 1;
    uint32_t slen;
    long long v;
    const unsigned char *s = lp_get_value(p, &slen, &v);
    if (!s) return 1;
    char buf[128], *end;
    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    double d = strtod(buf, &end);
    return *end == '\0' && !isnan(d);
}

static int zset_lp_has_duplicates(unsigned char *lp, unsigned long pairs) {
    ZPair *v = vmalloc(sizeof(ZPair) * pairs);
    char *ints = vmalloc((size_t)LP_INTBUF_SIZE * pairs);
    unsigned long i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p)), i++) {
        uint32_t len;
        const unsigned char *m = lp_get_str(p, &len, (unsigned char *)ints + (size_t)i * LP_INTBUF_SIZE);
        v[i] = (ZPair){(const char *)m, len, 0};
    }
    qsort(v, pairs, sizeof(ZPair), zset_pair_cmp);
    int dup = 0;
    for (i = 1; i < pairs && !dup; i++) dup = zset_pair_cmp(&v[i - 1], &v[i]) == 0;
    vfree(ints);
    vfree(v);
    return dup;
}

static Obj *zset_load_listpack(Rio *r, RdbErr *err) {
    Sds blob = rdb_load_string(r, (size_t)UINT32_MAX, err);
    if (!blob) return NULL;
    size_t size = sds_len(blob);
    unsigned char *lp = vmalloc(size ? size : 1);
    memcpy(lp, blob, size);
    sds_free(blob);
    LpCheck ck = {0, 0};
    const char *why = NULL;
    if (!lp_validate_integrity(lp, size, 1, zset_lp_check_entry, &ck)) why = "invalid sorted set listpack";
    else if (ck.entries == 0) why = "empty sorted set";
    else if (ck.entries % 2) why = "sorted set listpack with an odd number of entries";
    else if (zset_lp_has_duplicates(lp, ck.entries / 2)) why = "duplicate sorted set member";
    if (why) {
        vfree(lp);
        return zset_rdb_fail(err, why);
    }
    Obj *z = obj_new(OBJ_ZSET, lp_shrink_to_fit(lp));
    z->encoding = ENC_LISTPACK;
    if (ck.entries / 2 > (unsigned long long)zset_cfg.max_listpack_entries) zset_convert(z, ENC_SKIPLIST);
    return z;
}

Obj *zset_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    if (rdbtype == RDB_TYPE_ZSET_LISTPACK) return zset_load_listpack(r, err);
    return zset_load_pairs(r, rdbtype, err);
}

const unsigned char zset_rdb_types[] = {RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, 255};
