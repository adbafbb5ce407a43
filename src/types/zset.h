/* zset.h - the sorted-set type's internal API, shared by its files and, to read
 * members, by sort.c (SORT): zset.c (values, encodings, the type descriptor, directives, the Module),
 * zset_cmds.c (single-key commands and ranges), zset_setops.c (set algebra),
 * zset_pop.c (pops, blocking pops, ZRANDMEMBER, ZSCAN), zset_rdb.c (RDB form) and
 * zset_table.c (the command table).
 *
 * A sorted-set value is an Obj of type OBJ_ZSET whose encoding is ENC_LISTPACK
 * (o->ptr: a listpack of member, score pairs in (score, member) order) or
 * ENC_SKIPLIST (o->ptr: a Zsl, src/ds/zskiplist.h). Keyed values are changed in
 * place through o->ptr. */
#ifndef VESPER_TYPES_ZSET_H
#define VESPER_TYPES_ZSET_H
#include <stddef.h>
#include "../core/client.h"
#include "../core/command.h"
#include "../core/obj.h"
#include "../ds/zskiplist.h"

/* zset-max-listpack-entries / -value (aliases zset-max-ziplist-*). */
typedef struct ZsetConfig {
    long long max_listpack_entries;
    long long max_listpack_value;
} ZsetConfig;
extern ZsetConfig zset_cfg;

/* ---- values ---- */
/* An empty value, listpack- or skiplist-encoded. */
Obj *zset_new_listpack(void);
Obj *zset_new_skiplist(void);
/* The encoding Redis picks for a key created by ZADD whose first member has
 * first_len bytes. */
Obj *zset_new_for_member(size_t first_len);
unsigned long zset_length(const Obj *z);
/* 1 and the member's score, or 0 when absent. */
int zset_score(Obj *z, const char *m, size_t len, double *score);
/* 0-based rank (from the highest when reverse) or -1. */
long zset_rank(Obj *z, const char *m, size_t len, int reverse);
/* 1 if the member was there and is now removed. */
int zset_del(Obj *z, const char *m, size_t len);

/* zset_add's flags in and out. */
#define ZADD_IN_NX (1 << 0)
#define ZADD_IN_XX (1 << 1)
#define ZADD_IN_GT (1 << 2)
#define ZADD_IN_LT (1 << 3)
#define ZADD_IN_INCR (1 << 4)
#define ZADD_OUT_NOP (1 << 0)      /* nothing done (NX, XX, GT, LT) */
#define ZADD_OUT_NAN (1 << 1)      /* the resulting score is NaN: nothing done */
#define ZADD_OUT_ADDED (1 << 2)
#define ZADD_OUT_UPDATED (1 << 3)
#define ZADD_OUT_FULL (1 << 4)     /* the skiplist is at ZSL_MAX_LENGTH */
/* Adds or updates a member as Redis's ZADD does with the given options, converting
 * a listpack to a skiplist when the new member would break the limits. Returns 1,
 * or 0 with ZADD_OUT_NAN / ZADD_OUT_FULL. *newscore gets the member's score when
 * something was done. */
int zset_add(Obj *z, double score, const char *m, size_t len, int flags, int *out, double *newscore);
/* Converts between ENC_LISTPACK and ENC_SKIPLIST (no-op when already enc). */
void zset_convert(Obj *z, int enc);

/* ---- ranges ---- */
/* Parses a score range ("1.5", "(1.5", "-inf", "+inf") as Redis's strtod-based
 * parser does; 0 when an end is not a float (caller replies). */
int zset_parse_score_range(const Obj *min, const Obj *max, ZRangeSpec *r);
/* Parses a lex range ("[a", "(a", "-", "+"); 0 when invalid. */
int zset_parse_lex_range(const Obj *min, const Obj *max, ZLexRangeSpec *r);
/* Range deletions; each returns the number of members removed. rank ends are
 * 0-based, inclusive and already clamped (start <= end < length). */
unsigned long zset_delete_rank_range(Obj *z, unsigned long start, unsigned long end);
unsigned long zset_delete_score_range(Obj *z, const ZRangeSpec *r);
unsigned long zset_delete_lex_range(Obj *z, const ZLexRangeSpec *r);

/* ---- positions: one member of either encoding, for walking in order ---- */
typedef struct ZPos {
    Obj *z;
    unsigned char *ep, *sp;        /* listpack: the member and score entries */
    ZslNode *node;                 /* skiplist: the node */
} ZPos;
/* Each sets *p and returns 1 when it found a member, else 0 (p then invalid). */
int zpos_first(Obj *z, ZPos *p);
int zpos_last(Obj *z, ZPos *p);
int zpos_rank(Obj *z, unsigned long rank, ZPos *p);        /* rank from the lowest */
int zpos_first_in_score(Obj *z, const ZRangeSpec *r, ZPos *p);
int zpos_last_in_score(Obj *z, const ZRangeSpec *r, ZPos *p);
int zpos_first_in_lex(Obj *z, const ZLexRangeSpec *r, ZPos *p);
int zpos_last_in_lex(Obj *z, const ZLexRangeSpec *r, ZPos *p);
static inline int zpos_valid(const ZPos *p) { return p->ep != NULL || p->node != NULL; }
void zpos_next(ZPos *p);
void zpos_prev(ZPos *p);
static inline void zpos_step(ZPos *p, int reverse) {
    if (reverse) zpos_prev(p);
    else zpos_next(p);
}
double zpos_score(const ZPos *p);
/* The member's bytes: listpack integers are formatted into buf (LP_INTBUF_SIZE). */
const char *zpos_member(const ZPos *p, char *buf, size_t *len);

/* ---- replies ---- */
/* A score: bulk string in RESP2 ("%.17g", inf, -inf), double in RESP3. Integral
 * scores take a fast path with the same bytes. */
void zset_reply_score(Client *c, double score);
/* The member at p as a bulk string. */
void zset_reply_member(Client *c, const ZPos *p);

/* ---- shared by the commands ---- */
/* After members of z (stored at key) were removed or changed: deletes the key when
 * z became empty (lazily if lazyfree-lazy-server-del), then db_changed() with the
 * zset event, then "del" if the key went: Redis's order of events. z is invalid
 * afterwards when it was emptied. */
void zset_written(Client *c, const Obj *key, Obj *z, const char *event);
/* The keyed sorted set at key for a read or a write; NULL when missing or (after
 * replying WRONGTYPE, *wrongtype set) of another type. */
Obj *zset_lookup_read(Client *c, const Obj *key, int *wrongtype);
Obj *zset_lookup_write(Client *c, const Obj *key, int *wrongtype);
/* Builds a sorted set from n (member, score) pairs already sorted by (score,
 * member) without duplicates, picking the encoding as Redis's ZUNIONSTORE does
 * for its result. */
typedef struct ZPair {
    const char *m;
    size_t len;
    double score;
} ZPair;
Obj *zset_from_sorted(const ZPair *pairs, size_t n);
/* Orders pairs by (score, member bytes). */
int zset_pair_cmp(const void *a, const void *b);

/* ---- RDB (zset_rdb.c) ---- */
struct Rio;
struct RdbErr;
int zset_rdb_type(const Obj *o);
int zset_rdb_save(struct Rio *r, const Obj *o);
Obj *zset_rdb_load(struct Rio *r, int rdbtype, struct RdbErr *err);
/* AOF rewrite without a preamble: ZADD key score member ..., AOF_REWRITE_ITEMS_PER_CMD
 * pairs per command, scores as "%.17g" (Redis's form). */
int zset_aof_rewrite(struct Rio *r, const char *key, size_t klen, const Obj *o);
extern const unsigned char zset_rdb_types[];

extern Command zset_commands[];

/* Command procs (zset_cmds.c, zset_setops.c, zset_pop.c), named in zset_table.c. */
void zset_zadd_cmd(Client *c);
void zset_zincrby_cmd(Client *c);
void zset_zrem_cmd(Client *c);
void zset_zremrangebyrank_cmd(Client *c);
void zset_zremrangebyscore_cmd(Client *c);
void zset_zremrangebylex_cmd(Client *c);
void zset_zcard_cmd(Client *c);
void zset_zscore_cmd(Client *c);
void zset_zmscore_cmd(Client *c);
void zset_zrank_cmd(Client *c);
void zset_zrevrank_cmd(Client *c);
void zset_zcount_cmd(Client *c);
void zset_zlexcount_cmd(Client *c);
void zset_zrange_cmd(Client *c);
void zset_zrangestore_cmd(Client *c);
void zset_zrevrange_cmd(Client *c);
void zset_zrangebyscore_cmd(Client *c);
void zset_zrevrangebyscore_cmd(Client *c);
void zset_zrangebylex_cmd(Client *c);
void zset_zrevrangebylex_cmd(Client *c);
void zset_zunion_cmd(Client *c);
void zset_zinter_cmd(Client *c);
void zset_zdiff_cmd(Client *c);
void zset_zunionstore_cmd(Client *c);
void zset_zinterstore_cmd(Client *c);
void zset_zdiffstore_cmd(Client *c);
void zset_zintercard_cmd(Client *c);
void zset_zpopmin_cmd(Client *c);
void zset_zpopmax_cmd(Client *c);
void zset_bzpopmin_cmd(Client *c);
void zset_bzpopmax_cmd(Client *c);
void zset_zmpop_cmd(Client *c);
void zset_bzmpop_cmd(Client *c);
void zset_zrandmember_cmd(Client *c);
void zset_zscan_cmd(Client *c);

#endif
