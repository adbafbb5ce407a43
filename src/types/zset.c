/* zset.c - the sorted-set type: its values in both encodings, walking them in
 * order, range parsing and range deletes, score replies, the type descriptor
 * (free, COPY, DEBUG DIGEST, MEMORY USAGE, lazy-free effort), the
 * zset-max-listpack-* directives and the Module. The commands are in
 * zset_cmds.c, zset_setops.c and zset_pop.c, their table in zset_table.c, the RDB
 * form in zset_rdb.c.
 *
 * Encodings, chosen exactly when Redis 7.0 chooses them:
 * - listpack: member, score, member, score... ascending by (score, member bytes).
 *   A score is stored as Redis stores it (an integer entry when the double is an
 *   integer within +-LLONG_MAX/2, else its "%.17g" text, "inf"/"-inf"), so -0
 *   reads back as 0 and every other double exactly. A key starts as a listpack
 *   unless zset-max-listpack-entries is 0 or its first member is longer than
 *   zset-max-listpack-value; adding a member past either limit (or past the
 *   listpack's 1 GB safety size) converts it to a skiplist.
 * - skiplist: a Zsl (src/ds/zskiplist.h), one allocation per member indexed by a
 *   member table. It never converts back, except the results that ZUNIONSTORE &
 *   co. build (they pick the encoding for their final size).
 * Invariants: a stored sorted set is never empty (the commands delete the key);
 * scores are never NaN; members are unique.
 *
 * Costs: listpack operations are O(n) with n <= zset-max-listpack-entries;
 * skiplist lookups O(1), inserts/deletes/ranks O(log n), ranges O(log n + m). */
#include "zset.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/config_table.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/objtype.h"
#include "../core/reply.h"
#include "../core/servercmds.h"
#include "../ds/listpack.h"

ZsetConfig zset_cfg;

/* ---------------- listpack scores ---------------- */

/* Redis's rule for storing a score as an integer entry. */
static int zset_double_to_ll(double d, long long *out) {
    if (!(d >= (double)(-LLONG_MAX / 2) && d <= (double)(LLONG_MAX / 2))) return 0;
    long long v = (long long)d;
    if ((double)v != d) return 0;
    *out = v;
    return 1;
}

static double zlp_score(const unsigned char *sp) {
    uint32_t slen;
    long long v;
    const unsigned char *s = lp_get_value(sp, &slen, &v);
    if (!s) return (double)v;
    char buf[128];
    if (slen > sizeof(buf) - 1) slen = sizeof(buf) - 1;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    return strtod(buf, NULL);
}

/* The text of a non-integral score as stored in a listpack. */
static int zlp_score_text(char *buf, size_t size, double score) {
    if (isinf(score)) return snprintf(buf, size, score > 0 ? "inf" : "-inf");
    return snprintf(buf, size, "%.17g", score);
}

/* Inserts (member, score) before the member entry ep, or appends when ep is NULL. */
static unsigned char *zlp_insert_at(unsigned char *lp, unsigned char *ep, const char *m, size_t len,
                                    double score) {
    long long v;
    int is_int = zset_double_to_ll(score, &v);
    char buf[MAX_D2STRING_CHARS];
    int n = is_int ? 0 : zlp_score_text(buf, sizeof(buf), score);
    const unsigned char *um = (const unsigned char *)m;
    if (!ep) {
        lp = lp_append(lp, um, (uint32_t)len);
        return is_int ? lp_append_int(lp, v) : lp_append(lp, (unsigned char *)buf, (uint32_t)n);
    }
    unsigned char *mp;
    lp = lp_insert(lp, um, (uint32_t)len, ep, LP_BEFORE, &mp);
    if (is_int) return lp_insert_int(lp, v, mp, LP_AFTER, NULL);
    return lp_insert(lp, (unsigned char *)buf, (uint32_t)n, mp, LP_AFTER, NULL);
}

/* Compares the member at ep with m: <0, 0, >0 as memcmp on the bytes. */
static int zlp_cmp(const unsigned char *ep, const char *m, size_t len) {
    unsigned char buf[LP_INTBUF_SIZE];
    uint32_t elen;
    const unsigned char *e = lp_get_str(ep, &elen, buf);
    size_t n = elen < len ? elen : len;
    int c = n ? memcmp(e, m, n) : 0;
    if (c) return c;
    return elen < len ? -1 : elen > len;
}

/* Inserts a member that is not present at its place. */
static unsigned char *zlp_insert(unsigned char *lp, const char *m, size_t len, double score) {
    unsigned char *ep = lp_first(lp);
    while (ep) {
        unsigned char *sp = lp_next(lp, ep);
        double s = zlp_score(sp);
        if (s > score || (s == score && zlp_cmp(ep, m, len) > 0)) break;
        ep = lp_next(lp, sp);
    }
    return zlp_insert_at(lp, ep, m, len, score);
}

static unsigned char *zlp_find(unsigned char *lp, const char *m, size_t len, double *score) {
    unsigned char *ep = lp_first(lp);
    if (!ep) return NULL;
    ep = lp_find(lp, ep, (const unsigned char *)m, (uint32_t)len, 1);
    if (ep && score) *score = zlp_score(lp_next(lp, ep));
    return ep;
}

static unsigned char *zlp_delete(unsigned char *lp, unsigned char *ep) {
    return lp_delete_range_with_entry(lp, &ep, 2);
}

/* ---------------- values ---------------- */

Obj *zset_new_listpack(void) {
    Obj *o = obj_new(OBJ_ZSET, lp_new(0));
    o->encoding = ENC_LISTPACK;
    return o;
}

Obj *zset_new_skiplist(void) {
    Obj *o = obj_new(OBJ_ZSET, zsl_create());
    o->encoding = ENC_SKIPLIST;
    return o;
}

Obj *zset_new_for_member(size_t first_len) {
    if (zset_cfg.max_listpack_entries == 0 || (unsigned long long)zset_cfg.max_listpack_value < first_len)
        return zset_new_skiplist();
    return zset_new_listpack();
}

unsigned long zset_length(const Obj *z) {
    if (z->encoding == ENC_LISTPACK) return lp_length(z->ptr) / 2;
    return zsl_length(z->ptr);
}

int zset_score(Obj *z, const char *m, size_t len, double *score) {
    if (z->encoding == ENC_LISTPACK) return zlp_find(z->ptr, m, len, score) != NULL;
    return zsl_score(z->ptr, m, len, score);
}

long zset_rank(Obj *z, const char *m, size_t len, int reverse) {
    if (z->encoding == ENC_SKIPLIST) return zsl_rank(z->ptr, m, len, reverse);
    unsigned char *lp = z->ptr;
    long rank = 0;
    for (unsigned char *ep = lp_first(lp); ep; ep = lp_next(lp, lp_next(lp, ep)), rank++) {
        if (lp_compare(ep, (const unsigned char *)m, (uint32_t)len))
            return reverse ? (long)zset_length(z) - 1 - rank : rank;
    }
    return -1;
}

int zset_del(Obj *z, const char *m, size_t len) {
    if (z->encoding == ENC_SKIPLIST) return zsl_delete(z->ptr, m, len, NULL);
    unsigned char *ep = zlp_find(z->ptr, m, len, NULL);
    if (!ep) return 0;
    z->ptr = zlp_delete(z->ptr, ep);
    return 1;
}

static void zset_to_skiplist(Obj *z) {
    unsigned char *lp = z->ptr;
    Zsl *zsl = zsl_create();
    zsl_expand(zsl, lp_length(lp) / 2);
    char buf[LP_INTBUF_SIZE];
    for (unsigned char *ep = lp_first(lp); ep;) {
        unsigned char *sp = lp_next(lp, ep);
        uint32_t len;
        const unsigned char *m = lp_get_str(ep, &len, (unsigned char *)buf);
        zsl_insert(zsl, zlp_score(sp), m, len);
        ep = lp_next(lp, sp);
    }
    lp_free(lp);
    z->ptr = zsl;
    z->encoding = ENC_SKIPLIST;
}

static void zset_to_listpack(Obj *z) {
    Zsl *zsl = z->ptr;
    unsigned char *lp = lp_new(0);
    for (ZslNode *x = zsl_first(zsl); x; x = zsl_next(x)) {
        size_t len;
        const char *m = zsl_node_member(x, &len);
        lp = zlp_insert_at(lp, NULL, m, len, zsl_node_score(x));
    }
    zsl_free(zsl);
    z->ptr = lp;
    z->encoding = ENC_LISTPACK;
}

void zset_convert(Obj *z, int enc) {
    if (z->encoding == enc) return;
    if (enc == ENC_SKIPLIST) zset_to_skiplist(z);
    else zset_to_listpack(z);
}

/* The listpack part of zset_add. Returns -1 when the set must become a skiplist
 * first (the member is new and breaks a limit), else zset_add's result. */
static int zlp_add(Obj *z, double score, const char *m, size_t len, int flags, int *out, double *newscore) {
    double cur;
    unsigned char *ep = zlp_find(z->ptr, m, len, &cur);
    if (!ep) {
        if (flags & ZADD_IN_XX) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        if (zset_length(z) + 1 > (unsigned long long)zset_cfg.max_listpack_entries ||
            len > (unsigned long long)zset_cfg.max_listpack_value || !lp_safe_to_add(z->ptr, len))
            return -1;
        z->ptr = zlp_insert(z->ptr, m, len, score);
        *newscore = score;
        *out |= ZADD_OUT_ADDED;
        return 1;
    }
    if (flags & ZADD_IN_NX) {
        *out |= ZADD_OUT_NOP;
        return 1;
    }
    if (flags & ZADD_IN_INCR) {
        score += cur;
        if (isnan(score)) {
            *out |= ZADD_OUT_NAN;
            return 0;
        }
    }
    if (((flags & ZADD_IN_LT) && score >= cur) || ((flags & ZADD_IN_GT) && score <= cur)) {
        *out |= ZADD_OUT_NOP;
        return 1;
    }
    *newscore = score;
    if (score != cur) {
        z->ptr = zlp_insert(zlp_delete(z->ptr, ep), m, len, score);
        *out |= ZADD_OUT_UPDATED;
    }
    return 1;
}

static int zsl_add(Zsl *zsl, double score, const char *m, size_t len, int flags, int *out, double *newscore) {
    ZslNode *node = zsl_find(zsl, m, len);
    if (!node) {
        if (flags & ZADD_IN_XX) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        if (zsl_length(zsl) >= ZSL_MAX_LENGTH) {
            *out |= ZADD_OUT_FULL;
            return 0;
        }
        zsl_insert(zsl, score, m, len);
        *newscore = score;
        *out |= ZADD_OUT_ADDED;
        return 1;
    }
    if (flags & ZADD_IN_NX) {
        *out |= ZADD_OUT_NOP;
        return 1;
    }
    double cur = zsl_node_score(node);
    if (flags & ZADD_IN_INCR) {
        score += cur;
        if (isnan(score)) {
            *out |= ZADD_OUT_NAN;
            return 0;
        }
    }
    if (((flags & ZADD_IN_LT) && score >= cur) || ((flags & ZADD_IN_GT) && score <= cur)) {
        *out |= ZADD_OUT_NOP;
        return 1;
    }
    *newscore = score;
    if (score != cur) {
        zsl_update_score(zsl, node, score);
        *out |= ZADD_OUT_UPDATED;
    }
    return 1;
}

int zset_add(Obj *z, double score, const char *m, size_t len, int flags, int *out, double *newscore) {
    *out = 0;
    if (isnan(score)) {
        *out = ZADD_OUT_NAN;
        return 0;
    }
    if (z->encoding == ENC_LISTPACK) {
        int r = zlp_add(z, score, m, len, flags, out, newscore);
        if (r >= 0) return r;
        zset_convert(z, ENC_SKIPLIST);
    }
    return zsl_add(z->ptr, score, m, len, flags, out, newscore);
}

/* ---------------- range parsing ---------------- */

/* One end of a score range, parsed with strtod over the NUL-terminated argument
 * exactly as Redis does (leading spaces and "" are accepted, "(" alone is 0). */
static int zset_parse_score_end(const Obj *o, double *v, int *ex) {
    const char *s = o->ptr;
    char *end;
    *ex = s[0] == '(';
    *v = strtod(s + *ex, &end);
    return end[0] == '\0' && !isnan(*v);
}

int zset_parse_score_range(const Obj *min, const Obj *max, ZRangeSpec *r) {
    return zset_parse_score_end(min, &r->min, &r->minex) && zset_parse_score_end(max, &r->max, &r->maxex);
}

int zset_parse_lex_range(const Obj *min, const Obj *max, ZLexRangeSpec *r) {
    return zsl_parse_lex_bound(min->ptr, sds_len(min->ptr), &r->min) &&
           zsl_parse_lex_bound(max->ptr, sds_len(max->ptr), &r->max);
}

/* ---------------- positions ---------------- */

static int zpos_lp(Obj *z, unsigned char *ep, ZPos *p) {
    p->z = z;
    p->node = NULL;
    p->ep = ep;
    p->sp = ep ? lp_next(z->ptr, ep) : NULL;
    return ep != NULL;
}

static int zpos_sl(Obj *z, ZslNode *node, ZPos *p) {
    p->z = z;
    p->ep = p->sp = NULL;
    p->node = node;
    return node != NULL;
}

int zpos_first(Obj *z, ZPos *p) {
    if (z->encoding == ENC_LISTPACK) return zpos_lp(z, lp_first(z->ptr), p);
    return zpos_sl(z, zsl_first(z->ptr), p);
}

int zpos_last(Obj *z, ZPos *p) {
    if (z->encoding == ENC_LISTPACK) return zpos_lp(z, lp_seek(z->ptr, -2), p);
    return zpos_sl(z, zsl_last(z->ptr), p);
}

int zpos_rank(Obj *z, unsigned long rank, ZPos *p) {
    if (z->encoding == ENC_LISTPACK) return zpos_lp(z, lp_seek(z->ptr, (long)(2 * rank)), p);
    if (rank == 0) return zpos_sl(z, zsl_first(z->ptr), p);
    return zpos_sl(z, zsl_node_by_rank(z->ptr, rank), p);
}

void zpos_next(ZPos *p) {
    if (p->node) {
        p->node = zsl_next(p->node);
        return;
    }
    unsigned char *lp = p->z->ptr;
    p->ep = lp_next(lp, p->sp);
    p->sp = p->ep ? lp_next(lp, p->ep) : NULL;
}

void zpos_prev(ZPos *p) {
    if (p->node) {
        p->node = zsl_prev(p->node);
        return;
    }
    unsigned char *lp = p->z->ptr;
    unsigned char *sp = lp_prev(lp, p->ep);
    p->sp = sp;
    p->ep = sp ? lp_prev(lp, sp) : NULL;
}

double zpos_score(const ZPos *p) { return p->node ? zsl_node_score(p->node) : zlp_score(p->sp); }

const char *zpos_member(const ZPos *p, char *buf, size_t *len) {
    if (p->node) return zsl_node_member(p->node, len);
    uint32_t l;
    const unsigned char *s = lp_get_str(p->ep, &l, (unsigned char *)buf);
    *len = l;
    return (const char *)s;
}

static int zpos_lex_gte_min(const ZPos *p, const ZLexRangeSpec *r) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    return zsl_lex_gte_min(m, len, r);
}

static int zpos_lex_lte_max(const ZPos *p, const ZLexRangeSpec *r) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    return zsl_lex_lte_max(m, len, r);
}

/* Listpack ranges: a walk from one end (n <= zset-max-listpack-entries). */
int zpos_first_in_score(Obj *z, const ZRangeSpec *r, ZPos *p) {
    if (z->encoding == ENC_SKIPLIST) return zpos_sl(z, zsl_first_in_range(z->ptr, r), p);
    if (zsl_score_range_empty(r)) return 0;
    for (int ok = zpos_first(z, p); ok; zpos_next(p), ok = zpos_valid(p)) {
        double s = zpos_score(p);
        if (zsl_score_gte_min(s, r)) return zsl_score_lte_max(s, r);
    }
    return 0;
}

int zpos_last_in_score(Obj *z, const ZRangeSpec *r, ZPos *p) {
    if (z->encoding == ENC_SKIPLIST) return zpos_sl(z, zsl_last_in_range(z->ptr, r), p);
    if (zsl_score_range_empty(r)) return 0;
    for (int ok = zpos_last(z, p); ok; zpos_prev(p), ok = zpos_valid(p)) {
        double s = zpos_score(p);
        if (zsl_score_lte_max(s, r)) return zsl_score_gte_min(s, r);
    }
    return 0;
}

/* Redis's early-out for a listpack lex range: the last member must be at least min
 * and the first at most max. With equal scores this only saves a walk; with mixed
 * scores (where lex ranges mean little) it decides the answer, as in Redis. */
static int zlp_lex_overlaps(Obj *z, const ZLexRangeSpec *r) {
    ZPos p;
    if (zsl_lex_range_empty(r) || !zpos_last(z, &p) || !zpos_lex_gte_min(&p, r)) return 0;
    zpos_first(z, &p);
    return zpos_lex_lte_max(&p, r);
}

int zpos_first_in_lex(Obj *z, const ZLexRangeSpec *r, ZPos *p) {
    if (z->encoding == ENC_SKIPLIST) return zpos_sl(z, zsl_first_in_lex_range(z->ptr, r), p);
    if (!zlp_lex_overlaps(z, r)) return 0;
    for (int ok = zpos_first(z, p); ok; zpos_next(p), ok = zpos_valid(p))
        if (zpos_lex_gte_min(p, r)) return zpos_lex_lte_max(p, r);
    return 0;
}

int zpos_last_in_lex(Obj *z, const ZLexRangeSpec *r, ZPos *p) {
    if (z->encoding == ENC_SKIPLIST) return zpos_sl(z, zsl_last_in_lex_range(z->ptr, r), p);
    if (!zlp_lex_overlaps(z, r)) return 0;
    for (int ok = zpos_last(z, p); ok; zpos_prev(p), ok = zpos_valid(p))
        if (zpos_lex_lte_max(p, r)) return zpos_lex_gte_min(p, r);
    return 0;
}

/* ---------------- range deletes ---------------- */

/* Deletes the run of listpack pairs from p that satisfy in_range. */
static unsigned long zlp_delete_run(ZPos *p, int (*in_range)(const ZPos *, const void *), const void *r) {
    unsigned char *first = p->ep;
    unsigned long n = 0;
    for (; zpos_valid(p) && in_range(p, r); zpos_next(p)) n++;
    Obj *z = p->z;
    z->ptr = lp_delete_range_with_entry(z->ptr, &first, 2 * n);
    return n;
}

static int zpos_in_score_max(const ZPos *p, const void *r) { return zsl_score_lte_max(zpos_score(p), r); }
static int zpos_in_lex_max(const ZPos *p, const void *r) { return zpos_lex_lte_max(p, r); }

unsigned long zset_delete_rank_range(Obj *z, unsigned long start, unsigned long end) {
    if (z->encoding == ENC_SKIPLIST) return zsl_delete_range_by_rank(z->ptr, start, end);
    z->ptr = lp_delete_range(z->ptr, (long)(2 * start), 2 * (end - start + 1));
    return end - start + 1;
}

unsigned long zset_delete_score_range(Obj *z, const ZRangeSpec *r) {
    if (z->encoding == ENC_SKIPLIST) return zsl_delete_range_by_score(z->ptr, r);
    ZPos p;
    if (!zpos_first_in_score(z, r, &p)) return 0;
    return zlp_delete_run(&p, zpos_in_score_max, r);
}

unsigned long zset_delete_lex_range(Obj *z, const ZLexRangeSpec *r) {
    if (z->encoding == ENC_SKIPLIST) return zsl_delete_range_by_lex(z->ptr, r);
    ZPos p;
    if (!zpos_first_in_lex(z, r, &p)) return 0;
    return zlp_delete_run(&p, zpos_in_lex_max, r);
}

/* ---------------- replies ---------------- */

/* Integral scores below 2^53 print as their digits under "%.17g" too (but -0
 * prints "-0"): format those without snprintf. */
void zset_reply_score(Client *c, double score) {
    if (!(score > -9007199254740992.0 && score < 9007199254740992.0) || score != (double)(long long)score ||
        (score == 0 && signbit(score))) {
        reply_double(c, score);
        return;
    }
    char digits[LONG_STR_SIZE], out[LONG_STR_SIZE + 16];
    int n = ll2string(digits, sizeof(digits), (long long)score), k;
    if (c->resp >= 3) {
        out[0] = ',';
        memcpy(out + 1, digits, (size_t)n);
        k = n + 1;
    } else {
        out[0] = '$';
        k = 1 + ll2string(out + 1, sizeof(out) - 1, n);
        out[k++] = '\r';
        out[k++] = '\n';
        memcpy(out + k, digits, (size_t)n);
        k += n;
    }
    out[k++] = '\r';
    out[k++] = '\n';
    reply_raw(c, out, (size_t)k);
}

void zset_reply_member(Client *c, const ZPos *p) {
    if (p->node) {
        size_t len;
        const char *m = zsl_node_member(p->node, &len);
        reply_bulk(c, m, len);
        return;
    }
    uint32_t len;
    long long v;
    const unsigned char *s = lp_get_value(p->ep, &len, &v);
    if (s) reply_bulk(c, s, len);
    else reply_bulk_ll(c, v);
}

/* ---------------- shared by the commands ---------------- */

void zset_written(Client *c, const Obj *key, Obj *z, const char *event) {
    int empty = zset_length(z) == 0;
    if (empty) db_delete_lazy(c->db, key_ptr(key), key_len(key), lazyfree_cfg.server_del);
    db_changed(c->db, key, NOTIFY_ZSET, event);
    if (empty) notify_keyspace_event(NOTIFY_GENERIC, "del", key, c->db->id);
}

static Obj *zset_checked(Client *c, Obj *o, int *wrongtype) {
    *wrongtype = 0;
    if (o && o->type != OBJ_ZSET) {
        reply_error_wrongtype(c);
        *wrongtype = 1;
        return NULL;
    }
    return o;
}

Obj *zset_lookup_read(Client *c, const Obj *key, int *wrongtype) {
    return zset_checked(c, db_lookup_read(c, key), wrongtype);
}

Obj *zset_lookup_write(Client *c, const Obj *key, int *wrongtype) {
    return zset_checked(c, db_lookup_write(c, key), wrongtype);
}

int zset_pair_cmp(const void *a, const void *b) {
    const ZPair *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->m, y->m, n) : 0;
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

Obj *zset_from_sorted(const ZPair *pairs, size_t n) {
    size_t maxlen = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (pairs[i].len > maxlen) maxlen = pairs[i].len;
        total += pairs[i].len;
    }
    if (n <= (unsigned long long)zset_cfg.max_listpack_entries &&
        maxlen <= (unsigned long long)zset_cfg.max_listpack_value && lp_safe_to_add(NULL, total)) {
        Obj *z = zset_new_listpack();
        for (size_t i = 0; i < n; i++) z->ptr = zlp_insert_at(z->ptr, NULL, pairs[i].m, pairs[i].len, pairs[i].score);
        return z;
    }
    Obj *z = zset_new_skiplist();
    zsl_expand(z->ptr, n);
    for (size_t i = 0; i < n; i++) zsl_insert(z->ptr, pairs[i].score, pairs[i].m, pairs[i].len);
    return z;
}

/* ---------------- the type descriptor ---------------- */

static void zset_free_value(Obj *o) {
    if (o->encoding == ENC_LISTPACK) lp_free(o->ptr);
    else zsl_free(o->ptr);
}

static Obj *zset_dup(const Obj *o) {
    if (o->encoding == ENC_SKIPLIST) {
        Obj *d = obj_new(OBJ_ZSET, zsl_dup(o->ptr));
        d->encoding = ENC_SKIPLIST;
        return d;
    }
    size_t n = lp_bytes(o->ptr);
    unsigned char *lp = vmalloc(n);
    memcpy(lp, o->ptr, n);
    Obj *d = obj_new(OBJ_ZSET, lp);
    d->encoding = ENC_LISTPACK;
    return d;
}

/* Each member mixes its bytes and its score's "%.17g" into a fresh digest that is
 * XORed into d: the order of members does not matter (Redis's zset digest). */
static void zset_digest(const Obj *o, uint8_t d[20]) {
    ZPos p;
    for (int ok = zpos_first((Obj *)o, &p); ok; zpos_next(&p), ok = zpos_valid(&p)) {
        uint8_t ele[20] = {0};
        char mbuf[LP_INTBUF_SIZE], sbuf[128];
        size_t len;
        const char *m = zpos_member(&p, mbuf, &len);
        debug_digest_mix(ele, m, len);
        int n = snprintf(sbuf, sizeof(sbuf), "%.17g", zpos_score(&p));
        debug_digest_mix(ele, sbuf, (size_t)n);
        debug_digest_add(d, ele, sizeof(ele));
    }
}

static size_t zset_mem_usage(const Obj *o, long long samples) {
    if (o->encoding == ENC_LISTPACK) return vmalloc_size(o->ptr);
    return zsl_mem_usage(o->ptr, samples > 0 ? (size_t)samples : 0);
}

static size_t zset_free_effort(const Obj *o) {
    return o->encoding == ENC_SKIPLIST ? zsl_length(o->ptr) : 1;
}

/* Active defragmentation: a listpack moves whole; a skiplist's headers first, then
 * the nodes of its member table's buckets (about HT_BUCKET_SLOTS per step). */
static int zset_defrag(Obj *o, unsigned long *cursor, long budget) {
    if (o->encoding == ENC_LISTPACK) {
        void *n = vmalloc_defrag(o->ptr);
        if (n) o->ptr = n;
        return 1;
    }
    if (*cursor == 0) {
        Zsl *z = zsl_defrag_struct(o->ptr);
        if (z) o->ptr = z;
    }
    do {
        *cursor = zsl_defrag_step(o->ptr, *cursor);
        budget -= HT_BUCKET_SLOTS;
    } while (*cursor && budget > 0);
    return *cursor == 0;
}

static const ObjType zset_type = {
    .type = OBJ_ZSET,
    .name = "zset",
    .free_value = zset_free_value,
    .dup = zset_dup,
    .digest = zset_digest,
    .mem_usage = zset_mem_usage,
    .free_effort = zset_free_effort,
    .rdb_type = zset_rdb_type,
    .rdb_save = zset_rdb_save,
    .rdb_load = zset_rdb_load,
    .rdb_load_types = zset_rdb_types,
    .aof_rewrite = zset_aof_rewrite,
    .defrag = zset_defrag,
};

static ConfigDef zset_configs[] = {
    CONFIG_NUM("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, CONFIG_UNSIGNED,
               zset_cfg.max_listpack_entries, 0, LONG_MAX, 128),
    CONFIG_NUM("zset-max-listpack-value", "zset-max-ziplist-value", 0, CONFIG_UNSIGNED | CONFIG_MEMORY,
               zset_cfg.max_listpack_value, 0, LONG_MAX, 64),
    {0}};

const Module zset_module = {
    .name = "zsets",
    .commands = zset_commands,
    .configs = zset_configs,
    .type = &zset_type,
};
