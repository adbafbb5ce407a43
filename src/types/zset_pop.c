/* zset_pop.c - taking members out of sorted sets and picking them at random:
 * ZPOPMIN, ZPOPMAX, ZMPOP, the blocking BZPOPMIN, BZPOPMAX and BZMPOP, and
 * ZRANDMEMBER; plus ZSCAN.
 *
 * Blocking: a blocking pop that finds nothing calls block_on_keys() (which, in
 * MULTI or a script, replies the null array instead) and returns; when one of
 * its keys is written the blocking module re-runs the whole command, in FIFO
 * order. A re-run (the client is still CLIENT_BLOCKED while it runs) skips keys
 * that now hold another type, as Redis 7.0 leaves such a client waiting instead of
 * failing it. What a served pop propagates is the non-blocking form: BZPOPMIN k
 * -> ZPOPMIN k; ZMPOP/BZMPOP -> ZPOPMIN/ZPOPMAX k <popped>.
 *
 * Costs: a pop of m members O(m + log n) (O(n) listpack); ZRANDMEMBER with count
 * m: O(m log n) for repeats and small unique samples, O(n) when m is close to n;
 * ZSCAN O(COUNT) per call on a skiplist, the whole listpack in one call. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "zset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/blocking.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/propagate.h"
#include "../core/scan.h"
#include "../core/server.h"
#include "../ds/listpack.h"

/* ---------------- pops ---------------- */

typedef struct PopShape {
    int max;                   /* take the highest scores */
    int emitkey;               /* the reply names the key */
    int nested;                /* [member, score] pairs */
    int nil_when_empty;        /* nothing to pop: null array, not an empty one */
} PopShape;

static void zpop_header(Client *c, const Obj *key, long n, const PopShape *sh) {
    if (sh->emitkey && sh->nested) {
        reply_array_len(c, 2);
        reply_bulk_obj(c, key);
        reply_array_len(c, n);
    } else if (sh->emitkey) {
        reply_array_len(c, n * 2 + 1);
        reply_bulk_obj(c, key);
    } else {
        reply_array_len(c, sh->nested ? n : n * 2);
    }
}

/* Replies up to count (> 0) members of z (stored at key) from one end, removes
 * them and signals the write. Returns how many were popped. */
static long zpop_reply(Client *c, const Obj *key, Obj *z, long count, const PopShape *sh) {
    long len = (long)zset_length(z), n = count > len ? len : count;
    zpop_header(c, key, n, sh);
    ZPos p;
    if (sh->max) zpos_last(z, &p);
    else zpos_first(z, &p);
    for (long i = 0; i < n; i++, zpos_step(&p, sh->max)) {
        if (sh->nested) reply_array_len(c, 2);
        zset_reply_member(c, &p);
        zset_reply_score(c, zpos_score(&p));
    }
    if (z->encoding == ENC_LISTPACK) z->ptr = lp_delete_range(z->ptr, sh->max ? -2 * n : 0, (unsigned long)(2 * n));
    else zsl_delete_range_by_rank(z->ptr, sh->max ? (size_t)(len - n) : 0, sh->max ? (size_t)(len - 1) : (size_t)(n - 1));
    zset_written(c, key, z, sh->max ? "zpopmax" : "zpopmin");
    server.stat.dirty += n - 1;
    return n;
}

/* Propagates ZPOPMIN/ZPOPMAX key [n] in place of the command. */
static void zpop_propagate(Client *c, const Obj *key, int max, long n) {
    Obj *word = obj_word(max ? WORD_ZPOPMAX : WORD_ZPOPMIN);
    if (n < 0) {
        propagate_replace_objs(c, word, key, NULL);
        return;
    }
    Obj *cnt = obj_from_ll(n);
    propagate_replace_objs(c, word, key, cnt, NULL);
    obj_decr(cnt);
}

/* ZPOPMIN/ZPOPMAX/ZMPOP: pops from the first existing key; count -1 is a plain
 * single pop. propagate: rewrite to ZPOPMIN/ZPOPMAX key n (ZMPOP). */
static void zpop_generic(Client *c, Obj **keys, int nkeys, long count, const PopShape *sh, int propagate) {
    Obj *z = NULL, *key = NULL;
    for (int i = 0; i < nkeys && !z; i++) {
        key = keys[i];
        z = db_lookup_write(c, key);
        if (z && z->type != OBJ_ZSET) {
            reply_error_wrongtype(c);
            return;
        }
    }
    if (!z) {
        if (sh->nil_when_empty) reply_null_array(c);
        else reply_array_len(c, 0);
        return;
    }
    if (count == 0) {
        reply_array_len(c, 0);
        return;
    }
    long n = zpop_reply(c, key, z, count < 0 ? 1 : count, sh);
    if (propagate) zpop_propagate(c, key, sh->max, n);
}

static void zpopminmax(Client *c, int max) {
    long long count = -1;
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    if (c->argc == 3 && !arg_positive_ll(c, c->argv[2], &count, "value is out of range, must be positive")) return;
    PopShape sh = {max, 0, c->resp > 2 && count != -1, 0};
    zpop_generic(c, &c->argv[1], 1, (long)count, &sh, 0);
}

void zset_zpopmin_cmd(Client *c) { zpopminmax(c, 0); }
void zset_zpopmax_cmd(Client *c) { zpopminmax(c, 1); }

/* The blocking pops: serve from the first non-empty sorted set, else wait; a
 * re-run caused by a write looks at the written key only, as Redis. */
static void bzpop_generic(Client *c, Obj **keys, int nkeys, int timeout_idx, long count, const PopShape *sh) {
    long long timeout;
    if (!arg_timeout(c, c->argv[timeout_idx], &timeout)) return;
    int rerun = (c->flags & CLIENT_BLOCKED) != 0;
    int only = block_ready_key_index(c, keys, nkeys);
    for (int i = 0; i < nkeys; i++) {
        if (only >= 0 && i != only) continue;
        Obj *z = db_lookup_write(c, keys[i]);
        if (!z) continue;
        if (z->type != OBJ_ZSET) {
            if (rerun) continue;
            reply_error_wrongtype(c);
            return;
        }
        long n = zpop_reply(c, keys[i], z, count < 0 ? 1 : count, sh);
        zpop_propagate(c, keys[i], sh->max, count < 0 ? -1 : n);
        return;
    }
    block_on_keys(c, keys, nkeys, timeout);
}

static void bzpopminmax(Client *c, int max) {
    PopShape sh = {max, 1, 0, 0};
    bzpop_generic(c, c->argv + 1, c->argc - 2, c->argc - 1, -1, &sh);
}

void zset_bzpopmin_cmd(Client *c) { bzpopminmax(c, 0); }
void zset_bzpopmax_cmd(Client *c) { bzpopminmax(c, 1); }

/* ZMPOP/BZMPOP: numkeys key... MIN|MAX [COUNT count]; nk is numkeys' index. */
static int zmpop_parse(Client *c, int nk, long *numkeys, int *max, long *count) {
    long long v;
    if (!arg_ll_range(c, c->argv[nk], 1, LONG_MAX, &v, "numkeys should be greater than 0")) return 0;
    if (v >= c->argc - nk - 1) {
        reply_error_syntax(c);
        return 0;
    }
    *numkeys = (long)v;
    int where = nk + (int)v + 1;
    if (arg_is(c->argv[where], "min")) *max = 0;
    else if (arg_is(c->argv[where], "max")) *max = 1;
    else {
        reply_error_syntax(c);
        return 0;
    }
    *count = -1;
    for (int j = where + 1; j < c->argc; j++) {
        if (*count == -1 && arg_is(c->argv[j], "count") && j + 1 < c->argc) {
            if (!arg_ll_range(c, c->argv[++j], 1, LONG_MAX, &v, "count should be greater than 0")) return 0;
            *count = (long)v;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    if (*count == -1) *count = 1;
    return 1;
}

static void zmpop_generic(Client *c, int nk, int blocking) {
    long numkeys, count;
    int max;
    if (!zmpop_parse(c, nk, &numkeys, &max, &count)) return;
    PopShape sh = {max, 1, 1, 1};
    if (blocking) bzpop_generic(c, c->argv + nk + 1, (int)numkeys, 1, count, &sh);
    else zpop_generic(c, c->argv + nk + 1, (int)numkeys, count, &sh, 1);
}

void zset_zmpop_cmd(Client *c) { zmpop_generic(c, 1, 0); }
void zset_bzmpop_cmd(Client *c) { zmpop_generic(c, 2, 1); }

/* ---------------- ZRANDMEMBER ---------------- */

#define ZRAND_BATCH 1000       /* random listpack pairs read per pass */

static unsigned long zrand_below(unsigned long n) { return (unsigned long)(rand_u64() % n); }

static void zrand_reply_entry(Client *c, const LpEntry *e) {
    if (e->sval) reply_bulk(c, e->sval, e->slen);
    else reply_bulk_ll(c, e->lval);
}

static double zrand_entry_score(const LpEntry *e) {
    if (!e->sval) return (double)e->lval;
    char buf[128];
    size_t n = e->slen < sizeof(buf) - 1 ? e->slen : sizeof(buf) - 1;
    memcpy(buf, e->sval, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static void zrand_reply_lp(Client *c, unsigned long n, const LpEntry *keys, const LpEntry *vals) {
    for (unsigned long i = 0; i < n; i++) {
        if (vals && c->resp >= 3) reply_array_len(c, 2);
        zrand_reply_entry(c, &keys[i]);
        if (vals) zset_reply_score(c, zrand_entry_score(&vals[i]));
    }
}

static void zrand_reply_pos(Client *c, const ZPos *p, int withscores) {
    if (withscores && c->resp >= 3) reply_array_len(c, 2);
    zset_reply_member(c, p);
    if (withscores) zset_reply_score(c, zpos_score(p));
}

/* Negative count (or 1): count picks with repetitions, in random order. */
static void zrand_repeats(Client *c, Obj *z, unsigned long count, int withscores) {
    reply_array_len(c, (long)(withscores && c->resp == 2 ? count * 2 : count));
    unsigned long size = zset_length(z);
    if (z->encoding == ENC_SKIPLIST) {
        for (; count && !(c->flags & CLIENT_CLOSE_ASAP); count--) {
            ZPos p;
            zpos_rank(z, zrand_below(size), &p);
            zrand_reply_pos(c, &p, withscores);
        }
        return;
    }
    unsigned long batch = count < ZRAND_BATCH ? count : ZRAND_BATCH;
    LpEntry *keys = vmalloc(sizeof(LpEntry) * batch), *vals = withscores ? vmalloc(sizeof(LpEntry) * batch) : NULL;
    while (count && !(c->flags & CLIENT_CLOSE_ASAP)) {
        unsigned long n = count < batch ? count : batch;
        count -= n;
        lp_random_pairs(z->ptr, (unsigned int)n, keys, vals);
        zrand_reply_lp(c, n, keys, vals);
    }
    vfree(keys);
    vfree(vals);
}

/* Unique picks by selection sampling: one ordered walk, each member taken with
 * probability wanted/remaining. */
static void zrand_sample_walk(Client *c, Obj *z, unsigned long count, unsigned long size, int withscores) {
    ZPos p;
    unsigned long picked = 0, seen = 0;
    for (int ok = zpos_first(z, &p); ok && picked < count; zpos_next(&p), ok = zpos_valid(&p), seen++) {
        if (zrand_below(size - seen) >= count - picked) continue;
        zrand_reply_pos(c, &p, withscores);
        picked++;
    }
}

/* A set of ranks (open addressing) for Floyd's sampling. */
typedef struct ZrandRankSet {
    unsigned long *slot;       /* rank + 1; 0 is empty */
    unsigned long mask;
} ZrandRankSet;

static int zrand_rankset_add(ZrandRankSet *s, unsigned long rank) {
    unsigned long i = (unsigned long)((rank * 0x9E3779B97F4A7C15ULL) >> 17) & s->mask;
    for (; s->slot[i]; i = (i + 1) & s->mask)
        if (s->slot[i] == rank + 1) return 0;
    s->slot[i] = rank + 1;
    return 1;
}

/* Unique picks from a big skiplist (count * 3 <= size): Floyd's algorithm draws
 * count distinct ranks with count random numbers. */
static void zrand_sample_floyd(Client *c, Obj *z, unsigned long count, unsigned long size, int withscores) {
    ZrandRankSet s;
    s.mask = 1;
    while (s.mask < count * 2) s.mask <<= 1;
    s.slot = vcalloc(sizeof(unsigned long) * s.mask);
    s.mask--;
    for (unsigned long j = size - count; j < size; j++) {
        unsigned long t = zrand_below(j + 1);
        unsigned long rank = zrand_rankset_add(&s, t) ? t : (zrand_rankset_add(&s, j), j);
        ZPos p;
        zpos_rank(z, rank, &p);
        zrand_reply_pos(c, &p, withscores);
    }
    vfree(s.slot);
}

static void zrand_unique(Client *c, Obj *z, unsigned long count, int withscores) {
    unsigned long size = zset_length(z), n = count < size ? count : size;
    reply_array_len(c, (long)(withscores && c->resp == 2 ? n * 2 : n));
    if (count >= size) {
        ZPos p;
        for (int ok = zpos_first(z, &p); ok; zpos_next(&p), ok = zpos_valid(&p)) zrand_reply_pos(c, &p, withscores);
    } else if (count * 3 > size || z->encoding == ENC_LISTPACK) {
        zrand_sample_walk(c, z, count, size, withscores);
    } else {
        zrand_sample_floyd(c, z, count, size, withscores);
    }
}

static void zrandmember_count(Client *c, long l, int withscores) {
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (!z || l == 0) {
        reply_array_len(c, 0);
        return;
    }
    unsigned long count = l < 0 ? (unsigned long)-l : (unsigned long)l;
    if (l < 0 || count == 1) zrand_repeats(c, z, count, withscores);
    else zrand_unique(c, z, count, withscores);
}

void zset_zrandmember_cmd(Client *c) {
    if (c->argc >= 3) {
        long long l;
        if (!arg_ll(c, c->argv[2], &l, NULL)) return;
        if (l < -LONG_MAX) {
            reply_errorf(c, "value is out of range, value must between %ld and %ld", -LONG_MAX, LONG_MAX);
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !arg_is(c->argv[3], "withscores"))) {
            reply_error_syntax(c);
            return;
        }
        if (c->argc == 4 && (l < -LONG_MAX / 2 || l > LONG_MAX / 2)) {
            reply_error(c, "value is out of range");
            return;
        }
        zrandmember_count(c, (long)l, c->argc == 4);
        return;
    }
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (!z) {
        reply_null(c);
        return;
    }
    ZPos p;
    zpos_rank(z, zrand_below(zset_length(z)), &p);
    zset_reply_member(c, &p);
}

/* ---------------- ZSCAN ---------------- */

typedef struct NodeVec {
    const ZslNode **v;
    size_t n, cap;
} NodeVec;

static void zscan_collect(void *privdata, const ZslNode *node) {
    NodeVec *nv = privdata;
    if (nv->n == nv->cap) {
        nv->cap = nv->cap ? nv->cap * 2 : 32;
        nv->v = vrealloc(nv->v, sizeof(*nv->v) * nv->cap);
    }
    nv->v[nv->n++] = node;
}

/* A skiplist's members under the cursor: COUNT pairs, at most 10 * COUNT table
 * steps (Redis's bound), MATCH applied after. */
static void zscan_skiplist(Client *c, Zsl *zsl, unsigned long cursor, const ScanArgs *a) {
    NodeVec nv = {0};
    long count = a->count * 2, maxit = count * 10;
    do {
        cursor = zsl_scan(zsl, cursor, zscan_collect, &nv);
    } while (cursor && maxit-- && (long)(nv.n * 2) < count);
    size_t kept = 0;
    for (size_t i = 0; i < nv.n; i++) {
        size_t len;
        const char *m = zsl_node_member(nv.v[i], &len);
        if (scan_match(a, m, len)) nv.v[kept++] = nv.v[i];
    }
    scan_reply_cursor(c, cursor);
    reply_array_len(c, (long)kept * 2);
    for (size_t i = 0; i < kept; i++) {
        size_t len;
        const char *m = zsl_node_member(nv.v[i], &len);
        char buf[MAX_LONG_DOUBLE_CHARS];
        int n = ld2string(buf, sizeof(buf), (long double)zsl_node_score(nv.v[i]), 0);
        reply_bulk(c, m, len);
        reply_bulk(c, buf, (size_t)n);
    }
    vfree(nv.v);
}

/* A listpack in one call (cursor 0): members and scores as stored. */
static void zscan_listpack(Client *c, unsigned char *lp, const ScanArgs *a) {
    scan_reply_cursor(c, 0);
    void *len_node = reply_deferred_len(c);
    long n = 0;
    for (unsigned char *ep = lp_first(lp); ep; ep = lp_next(lp, lp_next(lp, ep))) {
        unsigned char mbuf[LP_INTBUF_SIZE], sbuf[LP_INTBUF_SIZE];
        uint32_t mlen, slen;
        const unsigned char *m = lp_get_str(ep, &mlen, mbuf);
        if (!scan_match(a, (const char *)m, mlen)) continue;
        const unsigned char *s = lp_get_str(lp_next(lp, ep), &slen, sbuf);
        reply_bulk(c, m, mlen);
        reply_bulk(c, s, slen);
        n += 2;
    }
    reply_set_deferred_array_len(c, len_node, n);
}

void zset_zscan_cmd(Client *c) {
    unsigned long cursor;
    int wrongtype;
    if (!scan_parse_cursor(c, c->argv[2], &cursor)) return;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    if (!z) {
        scan_reply_cursor(c, 0);
        reply_array_len(c, 0);
        return;
    }
    ScanArgs a;
    if (!scan_parse_args(c, 3, 0, &a)) return;
    if (z->encoding == ENC_LISTPACK) zscan_listpack(c, z->ptr, &a);
    else zscan_skiplist(c, z->ptr, cursor, &a);
}
