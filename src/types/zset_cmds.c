/* zset_cmds.c - the single-key sorted-set commands: ZADD/ZINCRBY, ZREM, the
 * ZREMRANGEBY* family, ZCARD, ZSCORE, ZMSCORE, ZRANK/ZREVRANK, ZCOUNT, ZLEXCOUNT and
 * the ZRANGE family (ZRANGE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE,
 * ZRANGEBYLEX, ZREVRANGEBYLEX, ZRANGESTORE).
 *
 * Invariants: arguments are parsed (and every error replied) before anything is
 * changed, in Redis's order, so a failing command changes nothing; a command that
 * changes nothing calls no db_changed() and propagates nothing; replies and
 * errors are Redis 7.0's byte for byte (scores: zset_reply_score).
 *
 * Costs: ZADD/ZREM/ZINCRBY O(log n) per member (O(n) listpack); ZRANK and ZCOUNT
 * O(log n); ranges O(log n + m) for m members returned or removed. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "zset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/notify.h"
#include "../core/server.h"
#include "../ds/listpack.h"

/* Up to 15 decimal digits, optionally after '-': the value is an integer below
 * 2^53, which strtod would return exactly, so it is computed directly (leading
 * zeros allowed, "-0" is -0.0 as strtod gives). 0 for anything else. */
static int zset_parse_small_int(const char *p, size_t len, double *v) {
    size_t i = p[0] == '-';
    if (len <= i || len - i > 15) return 0;
    long long n = 0;
    for (size_t k = i; k < len; k++) {
        if (p[k] < '0' || p[k] > '9') return 0;
        n = n * 10 + (p[k] - '0');
    }
    *v = i ? -(double)n : (double)n;
    return 1;
}

/* A score argument, as Redis's getDoubleFromObject reads it. */
static int zset_arg_score(Client *c, int i, double *v) {
    if (zset_parse_small_int(arg_str(c, i), arg_len(c, i), v) || string2d(arg_str(c, i), arg_len(c, i), v)) return 1;
    reply_error_not_float(c);
    return 0;
}

/* ---------------- ZADD / ZINCRBY ---------------- */

typedef struct ZaddArgs {
    int flags, ch;
    int first;             /* argv index of the first score */
    int n;                 /* score/member pairs */
} ZaddArgs;

static void zadd_parse_flags(Client *c, ZaddArgs *a) {
    static const struct {
        const char *name;
        int flag;
    } opts[] = {{"nx", ZADD_IN_NX}, {"xx", ZADD_IN_XX}, {"gt", ZADD_IN_GT}, {"lt", ZADD_IN_LT}, {"incr", ZADD_IN_INCR}};
    for (a->first = 2; a->first < c->argc; a->first++) {
        const char *s = arg_str(c, a->first);
        int found = 0;
        if (!((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) break;   /* a score, not an option */
        for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]) && !found; k++)
            if (!strcasecmp(s, opts[k].name)) a->flags |= opts[k].flag, found = 1;
        if (!found && !strcasecmp(s, "ch")) a->ch = found = 1;
        if (!found) break;
    }
}

/* Options and their conflicts, with Redis's errors and in its order. */
static int zadd_parse(Client *c, ZaddArgs *a) {
    zadd_parse_flags(c, a);
    int elements = c->argc - a->first;
    if (elements == 0 || elements % 2) {
        reply_error_syntax(c);
        return 0;
    }
    a->n = elements / 2;
    int f = a->flags;
    if ((f & ZADD_IN_NX) && (f & ZADD_IN_XX)) {
        reply_error(c, "XX and NX options at the same time are not compatible");
        return 0;
    }
    if (((f & ZADD_IN_GT) && (f & ZADD_IN_NX)) || ((f & ZADD_IN_LT) && (f & ZADD_IN_NX)) ||
        ((f & ZADD_IN_GT) && (f & ZADD_IN_LT))) {
        reply_error(c, "GT, LT, and/or NX options at the same time are not compatible");
        return 0;
    }
    if ((f & ZADD_IN_INCR) && a->n > 1) {
        reply_error(c, "INCR option supports a single increment-element pair");
        return 0;
    }
    return 1;
}

/* Applies the pairs; returns 0 after replying an error (a NaN increment). */
static int zadd_apply(Client *c, Obj *z, const ZaddArgs *a, const double *scores, int *added, int *updated,
                      int *processed, double *last) {
    for (int j = 0; j < a->n; j++) {
        int idx = a->first + 2 * j + 1, out;
        double newscore = scores[j];
        if (!zset_add(z, scores[j], arg_str(c, idx), arg_len(c, idx), a->flags, &out, &newscore)) {
            if (out & ZADD_OUT_FULL) reply_error(c, "sorted set has reached its maximum size");
            else reply_error(c, "resulting score is not a number (NaN)");
            return 0;
        }
        *added += (out & ZADD_OUT_ADDED) != 0;
        *updated += (out & ZADD_OUT_UPDATED) != 0;
        *processed += !(out & ZADD_OUT_NOP);
        *last = newscore;
    }
    return 1;
}

static void zadd_generic(Client *c, int flags) {
    ZaddArgs a = {.flags = flags};
    if (!zadd_parse(c, &a)) return;
    double stackbuf[16], *scores = a.n <= 16 ? stackbuf : vmalloc(sizeof(double) * (size_t)a.n);
    int added = 0, updated = 0, processed = 0, wrongtype;
    double last = 0;
    for (int j = 0; j < a.n; j++)
        if (!zset_arg_score(c, a.first + 2 * j, &scores[j])) goto done;
    Obj *z = zset_lookup_write(c, c->argv[1], &wrongtype);
    if (wrongtype) goto done;
    if (!z) {
        if (a.flags & ZADD_IN_XX) goto reply;
        Obj *v = zset_new_for_member(arg_len(c, a.first + 1));
        z = db_add(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), v);
    }
    if (!zadd_apply(c, z, &a, scores, &added, &updated, &processed, &last)) goto changed;
reply:
    if (!(a.flags & ZADD_IN_INCR)) reply_long(c, a.ch ? added + updated : added);
    else if (processed) zset_reply_score(c, last);
    else reply_null(c);
changed:
    if (added || updated) {
        db_changed(c->db, c->argv[1], NOTIFY_ZSET, (a.flags & ZADD_IN_INCR) ? "zincr" : "zadd");
        server.stat.dirty += added + updated - 1;
    }
done:
    if (scores != stackbuf) vfree(scores);
}

void zset_zadd_cmd(Client *c) { zadd_generic(c, 0); }
void zset_zincrby_cmd(Client *c) { zadd_generic(c, ZADD_IN_INCR); }

/* ---------------- ZREM and range deletes ---------------- */

void zset_zrem_cmd(Client *c) {
    int wrongtype, deleted = 0;
    Obj *z = zset_lookup_write(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (!z) {
        reply_long(c, 0);
        return;
    }
    for (int j = 2; j < c->argc; j++) {
        deleted += zset_del(z, arg_str(c, j), arg_len(c, j));
        if (zset_length(z) == 0) break;
    }
    if (deleted) {
        zset_written(c, c->argv[1], z, "zrem");
        server.stat.dirty += deleted - 1;
    }
    reply_long(c, deleted);
}

enum { ZR_RANK, ZR_SCORE, ZR_LEX };

typedef struct ZRangeArg {
    int type;
    long start, end;           /* ZR_RANK */
    ZRangeSpec score;          /* ZR_SCORE */
    ZLexRangeSpec lex;         /* ZR_LEX */
} ZRangeArg;

/* Parses argv[mi], argv[ma] as the range of the given type, replying Redis's error. */
static int zrange_parse_ends(Client *c, int mi, int ma, ZRangeArg *r) {
    if (r->type == ZR_RANK) {
        return arg_long(c, c->argv[mi], &r->start, NULL) && arg_long(c, c->argv[ma], &r->end, NULL);
    }
    if (r->type == ZR_SCORE) {
        if (zset_parse_score_range(c->argv[mi], c->argv[ma], &r->score)) return 1;
        reply_error(c, "min or max is not a float");
        return 0;
    }
    if (zset_parse_lex_range(c->argv[mi], c->argv[ma], &r->lex)) return 1;
    reply_error(c, "min or max not valid string range item");
    return 0;
}

/* Clamps rank ends like Redis; 0 when the range is empty. */
static int zset_clamp_ranks(long len, long *start, long *end) {
    if (*start < 0) *start += len;
    if (*end < 0) *end += len;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return 0;
    if (*end >= len) *end = len - 1;
    return 1;
}

static void zremrange_generic(Client *c, int type) {
    static const char *events[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    ZRangeArg r = {.type = type};
    int wrongtype;
    if (!zrange_parse_ends(c, 2, 3, &r)) return;
    Obj *z = zset_lookup_write(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (!z) {
        reply_long(c, 0);
        return;
    }
    unsigned long deleted;
    if (type == ZR_RANK) {
        if (!zset_clamp_ranks((long)zset_length(z), &r.start, &r.end)) {
            reply_long(c, 0);
            return;
        }
        deleted = zset_delete_rank_range(z, (unsigned long)r.start, (unsigned long)r.end);
    } else if (type == ZR_SCORE) {
        deleted = zset_delete_score_range(z, &r.score);
    } else {
        deleted = zset_delete_lex_range(z, &r.lex);
    }
    if (deleted) {
        zset_written(c, c->argv[1], z, events[type]);
        server.stat.dirty += (long long)deleted - 1;
    }
    reply_long(c, (long long)deleted);
}

void zset_zremrangebyrank_cmd(Client *c) { zremrange_generic(c, ZR_RANK); }
void zset_zremrangebyscore_cmd(Client *c) { zremrange_generic(c, ZR_SCORE); }
void zset_zremrangebylex_cmd(Client *c) { zremrange_generic(c, ZR_LEX); }

/* ---------------- single-member reads ---------------- */

void zset_zcard_cmd(Client *c) {
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (!wrongtype) reply_long(c, z ? (long long)zset_length(z) : 0);
}

void zset_zscore_cmd(Client *c) {
    int wrongtype;
    double score;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (z && zset_score(z, arg_str(c, 2), arg_len(c, 2), &score)) zset_reply_score(c, score);
    else reply_null(c);
}

void zset_zmscore_cmd(Client *c) {
    int wrongtype;
    double score;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    reply_array_len(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        if (z && zset_score(z, arg_str(c, j), arg_len(c, j), &score)) zset_reply_score(c, score);
        else reply_null(c);
    }
}

static void zrank_generic(Client *c, int reverse) {
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    long rank = z ? zset_rank(z, arg_str(c, 2), arg_len(c, 2), reverse) : -1;
    if (rank >= 0) reply_long(c, rank);
    else reply_null(c);
}

void zset_zrank_cmd(Client *c) { zrank_generic(c, 0); }
void zset_zrevrank_cmd(Client *c) { zrank_generic(c, 1); }

/* ---------------- ZCOUNT / ZLEXCOUNT ---------------- */

/* Members from first (inclusive) to last (inclusive) of a skiplist. */
static unsigned long zset_node_span(Zsl *zsl, ZslNode *first, ZslNode *last) {
    if (!first || !last) return 0;
    return zsl_node_rank(zsl, last) - zsl_node_rank(zsl, first) + 1;
}

static unsigned long zcount_score(Obj *z, const ZRangeSpec *r) {
    if (z->encoding == ENC_SKIPLIST) return zset_node_span(z->ptr, zsl_first_in_range(z->ptr, r), zsl_last_in_range(z->ptr, r));
    ZPos p;
    unsigned long n = 0;
    if (!zpos_first_in_score(z, r, &p)) return 0;
    for (; zpos_valid(&p) && zsl_score_lte_max(zpos_score(&p), r); zpos_next(&p)) n++;
    return n;
}

static unsigned long zcount_lex(Obj *z, const ZLexRangeSpec *r) {
    if (z->encoding == ENC_SKIPLIST)
        return zset_node_span(z->ptr, zsl_first_in_lex_range(z->ptr, r), zsl_last_in_lex_range(z->ptr, r));
    ZPos p;
    unsigned long n = 0;
    if (!zpos_first_in_lex(z, r, &p)) return 0;
    for (; zpos_valid(&p); zpos_next(&p)) {
        char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *m = zpos_member(&p, buf, &len);
        if (!zsl_lex_lte_max(m, len, r)) break;
        n++;
    }
    return n;
}

static void zcount_generic(Client *c, int type) {
    ZRangeArg r = {.type = type};
    int wrongtype;
    if (!zrange_parse_ends(c, 2, 3, &r)) return;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (!z) reply_long(c, 0);
    else reply_long(c, (long long)(type == ZR_SCORE ? zcount_score(z, &r.score) : zcount_lex(z, &r.lex)));
}

void zset_zcount_cmd(Client *c) { zcount_generic(c, ZR_SCORE); }
void zset_zlexcount_cmd(Client *c) { zcount_generic(c, ZR_LEX); }

/* ---------------- the ZRANGE family ---------------- */

/* Where a range goes: to the client, or into a new sorted set (ZRANGESTORE). */
typedef struct ZSink {
    Client *c;
    Obj *dstkey;               /* NULL: reply to the client */
    Obj *dst;                  /* the set being built */
    int withscores;
    void *deferred;            /* the client's deferred array length, or NULL */
    long count;
} ZSink;

/* Starts the output; known < 0 when the length is not known yet. */
static void zsink_begin(ZSink *s, long known) {
    if (s->dstkey) {
        s->dst = known > zset_cfg.max_listpack_entries ? zset_new_skiplist() : zset_new_listpack();
    } else if (known >= 0) {
        reply_array_len(s->c, s->withscores && s->c->resp == 2 ? known * 2 : known);
    } else {
        s->deferred = reply_deferred_len(s->c);
    }
}

static void zsink_emit(ZSink *s, const ZPos *p) {
    s->count++;
    if (s->dstkey) {
        char buf[LP_INTBUF_SIZE];
        size_t len;
        int out;
        double ns;
        const char *m = zpos_member(p, buf, &len);
        zset_add(s->dst, zpos_score(p), m, len, 0, &out, &ns);
        return;
    }
    Client *c = s->c;
    if (s->withscores && c->resp >= 3) reply_array_len(c, 2);
    zset_reply_member(c, p);
    if (s->withscores) zset_reply_score(c, zpos_score(p));
}

/* Ends the output: the deferred length, or storing the result at dstkey (an empty
 * result deletes it). */
static void zsink_end(ZSink *s) {
    Client *c = s->c;
    if (!s->dstkey) {
        if (s->deferred) reply_set_deferred_array_len(c, s->deferred, s->withscores && c->resp == 2 ? s->count * 2 : s->count);
        return;
    }
    if (s->count) {
        db_set(c, c->db, s->dstkey, s->dst, 0);
        db_changed(c->db, s->dstkey, NOTIFY_ZSET, "zrangestore");
        reply_long(c, s->count);
        return;
    }
    obj_decr(s->dst);
    reply_long(c, 0);
    if (db_delete_lazy(c->db, key_ptr(s->dstkey), key_len(s->dstkey), lazyfree_cfg.server_del))
        db_changed(c->db, s->dstkey, NOTIFY_GENERIC, "del");
}

static void zrange_by_rank(ZSink *s, Obj *z, long start, long end, int reverse) {
    long len = (long)zset_length(z);
    if (!zset_clamp_ranks(len, &start, &end)) {
        zsink_begin(s, 0);
        zsink_end(s);
        return;
    }
    long n = end - start + 1;
    zsink_begin(s, n);
    ZPos p;
    zpos_rank(z, (unsigned long)(reverse ? len - 1 - start : start), &p);
    for (; n > 0; n--, zpos_step(&p, reverse)) zsink_emit(s, &p);
    zsink_end(s);
}

/* LIMIT: a negative offset gives nothing; a negative count means no limit. */
static void zrange_walk(ZSink *s, ZPos *p, int found, long offset, long limit, int reverse,
                        int (*in_range)(const ZPos *, const void *), const void *r) {
    if (offset < 0) found = 0;
    for (; found && offset > 0 && zpos_valid(p); offset--) zpos_step(p, reverse);
    unsigned long left = limit < 0 ? ULONG_MAX : (unsigned long)limit;
    for (; found && left > 0 && zpos_valid(p) && in_range(p, r); left--, zpos_step(p, reverse)) zsink_emit(s, p);
}

/* The far end of a range: walking forward a member leaves it past max, walking
 * back past min (the start was found inside the range). */
static int zpos_score_lte(const ZPos *p, const void *r) { return zsl_score_lte_max(zpos_score(p), r); }
static int zpos_score_gte(const ZPos *p, const void *r) { return zsl_score_gte_min(zpos_score(p), r); }

static int zpos_lex_check(const ZPos *p, const void *r, int max) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    return max ? zsl_lex_lte_max(m, len, r) : zsl_lex_gte_min(m, len, r);
}

static int zpos_lex_lte(const ZPos *p, const void *r) { return zpos_lex_check(p, r, 1); }
static int zpos_lex_gte(const ZPos *p, const void *r) { return zpos_lex_check(p, r, 0); }

static void zrange_by_score(ZSink *s, Obj *z, const ZRangeSpec *r, long offset, long limit, int reverse) {
    zsink_begin(s, -1);
    if (offset <= 0 || offset < (long)zset_length(z)) {
        ZPos p;
        int found = reverse ? zpos_last_in_score(z, r, &p) : zpos_first_in_score(z, r, &p);
        zrange_walk(s, &p, found, offset, limit, reverse, reverse ? zpos_score_gte : zpos_score_lte, r);
    }
    zsink_end(s);
}

static void zrange_by_lex(ZSink *s, Obj *z, const ZLexRangeSpec *r, long offset, long limit, int reverse) {
    zsink_begin(s, -1);
    ZPos p;
    int found = reverse ? zpos_last_in_lex(z, r, &p) : zpos_first_in_lex(z, r, &p);
    zrange_walk(s, &p, found, offset, limit, reverse, reverse ? zpos_lex_gte : zpos_lex_lte, r);
    zsink_end(s);
}

enum { ZDIR_AUTO, ZDIR_FORWARD, ZDIR_REVERSE };
#define ZR_AUTO (-1)

typedef struct ZRangeOpts {
    int type, dir, withscores;
    long offset, limit;
} ZRangeOpts;

/* The options after <src> <min> <max>, in Redis's order of checks. */
static int zrange_parse_opts(Client *c, int from, int store, ZRangeOpts *o) {
    for (int j = from; j < c->argc; j++) {
        int left = c->argc - j - 1;
        Obj *a = c->argv[j];
        if (!store && arg_is(a, "withscores")) {
            o->withscores = 1;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_long(c, c->argv[j + 1], &o->offset, NULL) || !arg_long(c, c->argv[j + 2], &o->limit, NULL))
                return 0;
            j += 2;
        } else if (o->dir == ZDIR_AUTO && arg_is(a, "rev")) {
            o->dir = ZDIR_REVERSE;
        } else if (o->type == ZR_AUTO && arg_is(a, "bylex")) {
            o->type = ZR_LEX;
        } else if (o->type == ZR_AUTO && arg_is(a, "byscore")) {
            o->type = ZR_SCORE;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    if (o->dir == ZDIR_AUTO) o->dir = ZDIR_FORWARD;
    if (o->type == ZR_AUTO) o->type = ZR_RANK;
    if (o->limit != -1 && o->type == ZR_RANK) {
        reply_error(c, "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return 0;
    }
    if (o->withscores && o->type == ZR_LEX) {
        reply_error(c, "syntax error, WITHSCORES not supported in combination with BYLEX");
        return 0;
    }
    return 1;
}

/* ZRANGE, ZRANGESTORE and the older forms. src is the argv index of the source
 * key; dstkey is ZRANGESTORE's destination (NULL otherwise); type and dir are
 * fixed by the older forms, ZR_AUTO / ZDIR_AUTO for ZRANGE and ZRANGESTORE. */
static void zrange_generic(Client *c, int src, Obj *dstkey, int type, int dir) {
    ZRangeOpts o = {.type = type, .dir = dir, .limit = -1};
    if (!zrange_parse_opts(c, src + 3, dstkey != NULL, &o)) return;
    int reverse = o.dir == ZDIR_REVERSE, mi = src + 1, ma = src + 2;
    if (reverse && o.type != ZR_RANK) mi = src + 2, ma = src + 1;
    ZRangeArg r = {.type = o.type};
    if (!zrange_parse_ends(c, mi, ma, &r)) return;
    ZSink s = {.c = c, .dstkey = dstkey, .withscores = o.withscores || dstkey};
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[src], &wrongtype);
    if (wrongtype) return;
    if (!z) {
        if (dstkey) {
            zsink_begin(&s, -1);
            zsink_end(&s);
        } else {
            reply_array_len(c, 0);
        }
        return;
    }
    if (o.type == ZR_RANK) zrange_by_rank(&s, z, r.start, r.end, reverse);
    else if (o.type == ZR_SCORE) zrange_by_score(&s, z, &r.score, o.offset, o.limit, reverse);
    else zrange_by_lex(&s, z, &r.lex, o.offset, o.limit, reverse);
}

void zset_zrange_cmd(Client *c) { zrange_generic(c, 1, NULL, ZR_AUTO, ZDIR_AUTO); }
void zset_zrangestore_cmd(Client *c) { zrange_generic(c, 2, c->argv[1], ZR_AUTO, ZDIR_AUTO); }
void zset_zrevrange_cmd(Client *c) { zrange_generic(c, 1, NULL, ZR_RANK, ZDIR_REVERSE); }
void zset_zrangebyscore_cmd(Client *c) { zrange_generic(c, 1, NULL, ZR_SCORE, ZDIR_FORWARD); }
void zset_zrevrangebyscore_cmd(Client *c) { zrange_generic(c, 1, NULL, ZR_SCORE, ZDIR_REVERSE); }
void zset_zrangebylex_cmd(Client *c) { zrange_generic(c, 1, NULL, ZR_LEX, ZDIR_FORWARD); }
void zset_zrevrangebylex_cmd(Client *c) { zrange_generic(c, 1, NULL, ZR_LEX, ZDIR_REVERSE); }
