/* zset_setops.c - the set algebra of sorted sets: ZUNION, ZINTER, ZDIFF, their
 * STORE forms and ZINTERCARD, with WEIGHTS and AGGREGATE SUM|MIN|MAX.
 *
 * Inputs are sorted sets or plain sets (every member of a set scores 1). Plain
 * sets are read through their encodings: ENC_INTSET (src/ds/intset.h), ENC_HT
 * (src/ds/strset.h) and ENC_LISTPACK (a listpack of members); that is the only
 * knowledge this file has of the set type.
 *
 * Invariants, as Redis 7.0: every key is looked up (and type-checked) before the
 * options are parsed; union and intersection visit the inputs from the smallest
 * to the largest (ties in argument order), which fixes the order in which scores
 * aggregate; a weighted score that is NaN (0 * inf) counts as 0, and a SUM that
 * gives NaN (inf + -inf) is 0; results are ordered by (score, member bytes).
 *
 * Costs: union O(N) plus O(M log M) to sort the M results; intersection
 * O(N * K) lookups for the smallest input's N members and K inputs; difference
 * O(N * K); lookups are O(1) in skiplists and hash sets, O(n) in listpacks
 * (small) and O(log n) in intsets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "zset.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/notify.h"
#include "../ds/intset.h"
#include "../ds/listpack.h"
#include "../ds/strset.h"

enum { OP_UNION, OP_INTER, OP_DIFF };
enum { AGG_SUM, AGG_MIN, AGG_MAX };

/* ---------------- inputs ---------------- */

typedef struct ZSrc {
    Obj *o;                    /* NULL: a missing key */
    double weight;
    unsigned long len;
    int idx;                   /* argument order, to keep the sort stable */
} ZSrc;

static unsigned long zsrc_length(const Obj *o) {
    if (!o) return 0;
    if (o->type == OBJ_ZSET) return zset_length(o);
    if (o->encoding == ENC_INTSET) return is_len(o->ptr);
    if (o->encoding == ENC_HT) return strset_size(o->ptr);
    return lp_length(o->ptr);
}

/* Called per member; returns 0 to stop the walk. */
typedef int ZSrcFn(void *ctx, const char *m, size_t len, double score);

static int zsrc_walk_zset(Obj *z, ZSrcFn *fn, void *ctx) {
    ZPos p;
    for (int ok = zpos_first(z, &p); ok; zpos_next(&p), ok = zpos_valid(&p)) {
        char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *m = zpos_member(&p, buf, &len);
        if (!fn(ctx, m, len, zpos_score(&p))) return 0;
    }
    return 1;
}

static int zsrc_walk_set(Obj *o, ZSrcFn *fn, void *ctx) {
    char buf[LP_INTBUF_SIZE];
    if (o->encoding == ENC_INTSET) {
        uint32_t pos = 0;
        int64_t v;
        while (is_next(o->ptr, &pos, &v))
            if (!fn(ctx, buf, (size_t)ll2string(buf, sizeof(buf), v), 1.0)) return 0;
        return 1;
    }
    if (o->encoding == ENC_HT) {
        StrsetIter it;
        const StrsetEntry *e;
        int go = 1;
        strset_iter_init(&it, o->ptr, 0);
        while (go && (e = strset_iter_next(&it))) {
            size_t len;
            const char *m = strset_entry_bytes(e, &len);
            go = fn(ctx, m, len, 1.0);
        }
        strset_iter_done(&it);
        return go;
    }
    for (unsigned char *p = lp_first(o->ptr); p; p = lp_next(o->ptr, p)) {
        uint32_t len;
        const unsigned char *m = lp_get_str(p, &len, (unsigned char *)buf);
        if (!fn(ctx, (const char *)m, len, 1.0)) return 0;
    }
    return 1;
}

static void zsrc_walk(Obj *o, ZSrcFn *fn, void *ctx) {
    if (!o) return;
    if (o->type == OBJ_ZSET) zsrc_walk_zset(o, fn, ctx);
    else zsrc_walk_set(o, fn, ctx);
}

/* 1 and the member's score in o, or 0 when absent. */
static int zsrc_find(Obj *o, const char *m, size_t len, double *score) {
    if (!o) return 0;
    if (o->type == OBJ_ZSET) return zset_score(o, m, len, score);
    *score = 1.0;
    if (o->encoding == ENC_INTSET) {
        long long v;
        return string2ll(m, len, &v) && is_find(o->ptr, v);
    }
    if (o->encoding == ENC_HT) return strset_contains(o->ptr, m, len);
    unsigned char *p = lp_first(o->ptr);
    return p && lp_find(o->ptr, p, (const unsigned char *)m, (uint32_t)len, 0) != NULL;
}

static int zsrc_cmp(const void *a, const void *b) {
    const ZSrc *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx - y->idx;
}

static void setop_aggregate(double *target, double val, int agg) {
    if (agg == AGG_SUM) {
        *target += val;
        if (isnan(*target)) *target = 0.0;
    } else if (agg == AGG_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

/* ---------------- results ---------------- */

/* The result: pairs whose member bytes are owned by the result (one allocation
 * per member, or the union accumulator's entries). */
typedef struct ZResult {
    ZPair *pairs;
    size_t n, cap;
    int owns_members;
    unsigned long card;        /* ZINTERCARD */
    unsigned long limit;       /* ZINTERCARD LIMIT, 0: none */
} ZResult;

static void zresult_push(ZResult *r, const char *m, size_t len, double score, int copy) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->pairs = vrealloc(r->pairs, sizeof(ZPair) * r->cap);
    }
    if (copy) {
        char *d = vmalloc(len ? len : 1);
        memcpy(d, m, len);
        m = d;
    }
    r->pairs[r->n++] = (ZPair){m, len, score};
}

static void zresult_free(ZResult *r) {
    if (r->owns_members)
        for (size_t i = 0; i < r->n; i++) vfree((void *)r->pairs[i].m);
    vfree(r->pairs);
}

/* ---------------- union ---------------- */

/* An accumulator entry: the aggregated score, then the member bytes. */
typedef struct SetopAcc {
    double score;
    uint32_t len;
    char m[];
} SetopAcc;

static const void *setop_acc_key(const void *e, size_t *len) {
    const SetopAcc *a = e;
    *len = a->len;
    return a->m;
}

static void setop_acc_free(void *e) { vfree(e); }

static const HtType setop_acc_type = {hash_bytes, setop_acc_key, NULL, setop_acc_free};

typedef struct SetopUnionCtx {
    Ht *acc;
    double weight;
    int agg;
} SetopUnionCtx;

static int setop_union_one(void *ctx, const char *m, size_t len, double score) {
    SetopUnionCtx *u = ctx;
    score *= u->weight;
    if (isnan(score)) score = 0;
    SetopAcc *e = ht_find(u->acc, m, len);
    if (e) {
        setop_aggregate(&e->score, score, u->agg);
        return 1;
    }
    e = vmalloc(sizeof(SetopAcc) + len);
    e->score = score;
    e->len = (uint32_t)len;
    memcpy(e->m, m, len);
    ht_add(u->acc, e);
    return 1;
}

static Ht *setop_union(ZSrc *src, int n, int agg, ZResult *res) {
    SetopUnionCtx u = {ht_create(&setop_acc_type), 1.0, agg};
    if (n && src[n - 1].len) ht_expand(u.acc, src[n - 1].len);
    for (int i = 0; i < n; i++) {
        if (!src[i].len) continue;
        u.weight = src[i].weight;
        zsrc_walk(src[i].o, setop_union_one, &u);
    }
    HtIter it;
    SetopAcc *e;
    ht_iter_init(&it, u.acc, 0);
    while ((e = ht_iter_next(&it))) zresult_push(res, e->m, e->len, e->score, 0);
    ht_iter_done(&it);
    return u.acc;
}

/* ---------------- intersection and difference ---------------- */

typedef struct SetopInterCtx {
    ZSrc *src;
    int n, agg, card_only;
    ZResult *res;
} SetopInterCtx;

static int setop_inter_one(void *ctx, const char *m, size_t len, double s0) {
    SetopInterCtx *x = ctx;
    double score = x->src[0].weight * s0, value;
    if (isnan(score)) score = 0;
    for (int j = 1; j < x->n; j++) {
        if (x->src[j].o == x->src[0].o) value = s0 * x->src[j].weight;
        else if (zsrc_find(x->src[j].o, m, len, &value)) value *= x->src[j].weight;
        else return 1;
        setop_aggregate(&score, value, x->agg);
    }
    if (!x->card_only) {
        zresult_push(x->res, m, len, score, 1);
        return 1;
    }
    x->res->card++;
    return !(x->res->limit && x->res->card >= x->res->limit);
}

static int setop_diff_one(void *ctx, const char *m, size_t len, double score) {
    SetopInterCtx *x = ctx;
    double ignored;
    for (int j = 1; j < x->n; j++)
        if (x->src[j].o == x->src[0].o || zsrc_find(x->src[j].o, m, len, &ignored)) return 1;
    zresult_push(x->res, m, len, score, 1);
    return 1;
}

/* ---------------- the commands ---------------- */

typedef struct SetOpArgs {
    int op, agg, withscores, card_only;
    long long limit;
} SetOpArgs;

/* Looks up the numkeys input keys after argv[nk]; replies and returns NULL on an
 * error (numkeys, WRONGTYPE). */
static ZSrc *setop_sources(Client *c, int nk, long *setnum) {
    if (!arg_long(c, c->argv[nk], setnum, NULL)) return NULL;
    if (*setnum < 1) {
        reply_errorf(c, "at least 1 input key is needed for '%s' command", c->cmd->fullname);
        return NULL;
    }
    if (*setnum > c->argc - (nk + 1)) {
        reply_error_syntax(c);
        return NULL;
    }
    ZSrc *src = vcalloc(sizeof(ZSrc) * (size_t)*setnum);
    for (long i = 0; i < *setnum; i++) {
        Obj *o = db_lookup_read(c, c->argv[nk + 1 + i]);
        if (o && o->type != OBJ_ZSET && o->type != OBJ_SET) {
            vfree(src);
            reply_error_wrongtype(c);
            return NULL;
        }
        src[i] = (ZSrc){o, 1.0, zsrc_length(o), (int)i};
    }
    return src;
}

static int setop_aggregate_word(Client *c, const Obj *w, int *agg) {
    if (arg_is(w, "sum")) *agg = AGG_SUM;
    else if (arg_is(w, "min")) *agg = AGG_MIN;
    else if (arg_is(w, "max")) *agg = AGG_MAX;
    else {
        reply_error_syntax(c);
        return 0;
    }
    return 1;
}

/* The options after the keys, as Redis accepts them per command. */
static int setop_options(Client *c, int j, ZSrc *src, long setnum, int store, SetOpArgs *a) {
    int full = a->op != OP_DIFF && !a->card_only;
    while (j < c->argc) {
        long remaining = c->argc - j;
        if (full && remaining >= setnum + 1 && arg_is(c->argv[j], "weights")) {
            j++;
            for (long i = 0; i < setnum; i++, j++)
                if (!arg_double(c, c->argv[j], &src[i].weight, "weight value is not a float")) return 0;
        } else if (full && remaining >= 2 && arg_is(c->argv[j], "aggregate")) {
            if (!setop_aggregate_word(c, c->argv[j + 1], &a->agg)) return 0;
            j += 2;
        } else if (!store && !a->card_only && arg_is(c->argv[j], "withscores")) {
            a->withscores = 1;
            j++;
        } else if (a->card_only && remaining >= 2 && arg_is(c->argv[j], "limit")) {
            if (!arg_positive_ll(c, c->argv[j + 1], &a->limit, "LIMIT can't be negative")) return 0;
            j += 2;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    return 1;
}

static void setop_reply(Client *c, const ZResult *r, int withscores) {
    reply_array_len(c, (long)(withscores && c->resp == 2 ? r->n * 2 : r->n));
    for (size_t i = 0; i < r->n; i++) {
        if (withscores && c->resp >= 3) reply_array_len(c, 2);
        reply_bulk(c, r->pairs[i].m, r->pairs[i].len);
        if (withscores) zset_reply_score(c, r->pairs[i].score);
    }
}

static void setop_store(Client *c, Obj *dstkey, const ZResult *r, int op) {
    static const char *events[] = {"zunionstore", "zinterstore", "zdiffstore"};
    if (r->n) {
        db_set(c, c->db, dstkey, zset_from_sorted(r->pairs, r->n), 0);
        reply_long(c, (long long)r->n);
        db_changed(c->db, dstkey, NOTIFY_ZSET, events[op]);
        return;
    }
    reply_long(c, 0);
    if (db_delete_lazy(c->db, key_ptr(dstkey), key_len(dstkey), lazyfree_cfg.server_del))
        db_changed(c->db, dstkey, NOTIFY_GENERIC, "del");
}

static void setop_compute(ZSrc *src, long setnum, const SetOpArgs *a, ZResult *r, Ht **acc) {
    if (a->op != OP_DIFF) qsort(src, (size_t)setnum, sizeof(ZSrc), zsrc_cmp);
    SetopInterCtx x = {src, (int)setnum, a->agg, a->card_only, r};
    if (a->op == OP_UNION) {
        *acc = setop_union(src, (int)setnum, a->agg, r);
    } else if (src[0].len > 0) {
        r->owns_members = 1;
        r->limit = (unsigned long)a->limit;
        zsrc_walk(src[0].o, a->op == OP_INTER ? setop_inter_one : setop_diff_one, &x);
    }
}

/* ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. nk: argv index of
 * numkeys; dstkey: the STORE destination or NULL. */
static void setop_generic(Client *c, Obj *dstkey, int nk, int op, int card_only) {
    long setnum;
    ZSrc *src = setop_sources(c, nk, &setnum);
    if (!src) return;
    SetOpArgs a = {.op = op, .agg = AGG_SUM, .card_only = card_only};
    if (!setop_options(c, nk + 1 + (int)setnum, src, setnum, dstkey != NULL, &a)) {
        vfree(src);
        return;
    }
    ZResult r = {0};
    Ht *acc = NULL;
    setop_compute(src, setnum, &a, &r, &acc);
    if (r.n > 1) qsort(r.pairs, r.n, sizeof(ZPair), zset_pair_cmp);
    if (card_only) reply_long(c, (long long)r.card);
    else if (dstkey) setop_store(c, dstkey, &r, op);
    else setop_reply(c, &r, a.withscores);
    zresult_free(&r);
    if (acc) ht_release(acc);
    vfree(src);
}

void zset_zunionstore_cmd(Client *c) { setop_generic(c, c->argv[1], 2, OP_UNION, 0); }
void zset_zinterstore_cmd(Client *c) { setop_generic(c, c->argv[1], 2, OP_INTER, 0); }
void zset_zdiffstore_cmd(Client *c) { setop_generic(c, c->argv[1], 2, OP_DIFF, 0); }
void zset_zunion_cmd(Client *c) { setop_generic(c, NULL, 1, OP_UNION, 0); }
void zset_zinter_cmd(Client *c) { setop_generic(c, NULL, 1, OP_INTER, 0); }
void zset_zintercard_cmd(Client *c) { setop_generic(c, NULL, 1, OP_INTER, 1); }
void zset_zdiff_cmd(Client *c) { setop_generic(c, NULL, 1, OP_DIFF, 0); }
