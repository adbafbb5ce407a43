/* zskiplist.c - sorted-set index: a skiplist ordered by (score, member) whose nodes
 * are also the entries of a member -> node hash table (base/ht).
 *
 * Node layout, one allocation per member:
 *     double score; ZslNode *backward; uint32 len; uint8 level;   (24 bytes)
 *     ZslNode *fwd[level];          next node at each level
 *     uint32 span[level - 1];       rank distance to fwd[i] for levels 1..level-1
 *     char member[len];             the member bytes (no terminator)
 * The span of level 0 is always 1 and is not stored. The hash table stores the node
 * pointers and reads the key through node_key(), so a member costs its node plus
 * about 14 bytes of table. The header node has ZSL_MAX_LEVEL levels and no member.
 *
 * Invariants: nodes are strictly ascending by (score, then memcmp of the members,
 * a prefix first); fwd[0] chains every node, backward is the previous node (NULL for
 * the first); for i > 0, span[i] = rank(fwd[i]) - rank(node) whenever fwd[i] is set
 * (spans under a NULL forward are never read); zsl->level is the highest level in use
 * (at least 1); the table holds exactly the linked nodes. Level distribution: each
 * extra level with probability 1/4, at most 32.
 *
 * Costs: insert, delete, rank, node by rank and range lookups O(log n) expected;
 * member lookups O(1); range deletes O(log n + m); memory about 54 bytes per node for
 * short members (jemalloc classes) plus the table. */
#include "zskiplist.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <assert.h>
#include <math.h>
#include <string.h>

struct ZslNode {
    double score;
    struct ZslNode *backward;
    uint32_t len;
    uint8_t level;
    struct ZslNode *fwd[];
};

struct Zsl {
    ZslNode *header;
    ZslNode *tail;
    size_t length;
    int level;
    Ht *ht;
};

/* --- node layout --- */

static inline uint32_t *spans(const ZslNode *x) {
    return (uint32_t *)(void *)((char *)(uintptr_t)x + sizeof(ZslNode) + x->level * sizeof(ZslNode *));
}

static inline uint32_t span_get(const ZslNode *x, int i) { return i ? spans(x)[i - 1] : 1; }

/* Level 0 spans are implicitly 1: setting them is a no-op. */
static inline void span_set(ZslNode *x, int i, size_t v) {
    if (i) spans(x)[i - 1] = (uint32_t)v;
}

static inline char *member_of(const ZslNode *x) { return (char *)(spans(x) + x->level - 1); }

static size_t node_size(int level, size_t len) {
    return sizeof(ZslNode) + (size_t)level * sizeof(ZslNode *) + (size_t)(level - 1) * sizeof(uint32_t) + len;
}

static ZslNode *node_new(int level, double score, const void *member, size_t len) {
    assert(len <= UINT32_MAX);
    ZslNode *x = vmalloc(node_size(level, len));
    x->score = score;
    x->backward = NULL;
    x->len = (uint32_t)len;
    x->level = (uint8_t)level;
    for (int i = 0; i < level; i++) x->fwd[i] = NULL;
    if (len) memcpy(member_of(x), member, len);
    return x;
}

/* 1 + the number of trailing pairs of zero bits: each extra level has chance 1/4. */
static int random_level(void) {
    uint64_t r = rand_u64() | (1ULL << 63);
    return 1 + __builtin_ctzll(r) / 2;
}

/* --- member table --- */

static uint64_t node_hash(const void *key, size_t len) { return hash_bytes(key, len); }

static const void *node_key(const void *entry, size_t *len) {
    const ZslNode *x = entry;
    *len = x->len;
    return member_of(x);
}

/* Nodes are freed by the skiplist, never by the table. */
static const HtType zsl_ht_type = {node_hash, node_key, NULL, NULL};

/* --- ordering --- */

static int lex_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return alen < blen ? -1 : alen > blen;
}

/* 1 if node x sorts before (score, member). */
static inline int node_before(const ZslNode *x, double score, const char *m, size_t len) {
    if (x->score != score) return x->score < score;
    return lex_cmp(member_of(x), x->len, m, len) < 0;
}

/* --- create / free --- */

Zsl *zsl_create(void) {
    Zsl *zsl = vmalloc(sizeof(*zsl));
    zsl->header = vcalloc(node_size(ZSL_MAX_LEVEL, 0));
    zsl->header->level = ZSL_MAX_LEVEL;
    zsl->tail = NULL;
    zsl->length = 0;
    zsl->level = 1;
    zsl->ht = ht_create(&zsl_ht_type);
    return zsl;
}

void zsl_free(Zsl *zsl) {
    if (!zsl) return;
    ZslNode *x = zsl->header->fwd[0];
    while (x) {
        ZslNode *next = x->fwd[0];
        vfree(x);
        x = next;
    }
    ht_release(zsl->ht);
    vfree(zsl->header);
    vfree(zsl);
}

void zsl_expand(Zsl *zsl, size_t n) {
    if (n) ht_expand(zsl->ht, n);
}

size_t zsl_length(const Zsl *zsl) { return zsl->length; }

/* Appends a copy of src after d's tail; last[i]/lastrank[i] are d's last node at
 * level i and its rank. Used by dup, whose source is already in order. */
static void append_copy(Zsl *d, const ZslNode *src, ZslNode **last, size_t *lastrank) {
    ZslNode *n = node_new(src->level, src->score, member_of(src), src->len);
    size_t r = d->length + 1;
    for (int i = 0; i < n->level; i++) {
        last[i]->fwd[i] = n;
        span_set(last[i], i, r - lastrank[i]);
        last[i] = n;
        lastrank[i] = r;
    }
    n->backward = d->tail;
    d->tail = n;
    if (n->level > d->level) d->level = n->level;
    d->length = r;
    ht_add(d->ht, n);
}

Zsl *zsl_dup(const Zsl *zsl) {
    Zsl *d = zsl_create();
    ZslNode *last[ZSL_MAX_LEVEL];
    size_t lastrank[ZSL_MAX_LEVEL];
    for (int i = 0; i < ZSL_MAX_LEVEL; i++) {
        last[i] = d->header;
        lastrank[i] = 0;
    }
    zsl_expand(d, zsl->length);
    for (const ZslNode *x = zsl->header->fwd[0]; x; x = x->fwd[0]) append_copy(d, x, last, lastrank);
    return d;
}

size_t zsl_mem_usage(const Zsl *zsl, size_t samples) {
    size_t fixed = vmalloc_size((void *)zsl) + vmalloc_size(zsl->header) + ht_mem_usage(zsl->ht);
    size_t nodes = 0, seen = 0;
    for (ZslNode *x = zsl->header->fwd[0]; x && (samples == 0 || seen < samples); x = x->fwd[0]) {
        nodes += vmalloc_size(x);
        seen++;
    }
    if (seen && seen < zsl->length) nodes = (size_t)((double)nodes / (double)seen * (double)zsl->length);
    return fixed + nodes;
}

/* --- linking --- */

/* Walks to (score, member): update[i] gets the last node before it at level i and
 * rank[i] (if not NULL) that node's 1-based rank (header 0). Returns the first node
 * at or after (score, member). */
static ZslNode *find_update(const Zsl *zsl, double score, const char *m, size_t len,
                            ZslNode **update, size_t *rank) {
    ZslNode *x = zsl->header;
    size_t r = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->fwd[i] && node_before(x->fwd[i], score, m, len)) {
            r += span_get(x, i);
            x = x->fwd[i];
        }
        update[i] = x;
        if (rank) rank[i] = r;
    }
    return x->fwd[0];
}

/* Links an unlinked node (its level and score set) at its place. */
static void link_node(Zsl *zsl, ZslNode *n) {
    ZslNode *update[ZSL_MAX_LEVEL];
    size_t rank[ZSL_MAX_LEVEL];
    find_update(zsl, n->score, member_of(n), n->len, update, rank);
    int lvl = n->level, i;
    for (i = zsl->level; i < lvl; i++) {
        update[i] = zsl->header;
        rank[i] = 0;
    }
    if (lvl > zsl->level) zsl->level = lvl;
    for (i = 0; i < lvl; i++) {
        ZslNode *p = update[i];
        n->fwd[i] = p->fwd[i];
        p->fwd[i] = n;
        if (n->fwd[i]) span_set(n, i, span_get(p, i) - (rank[0] - rank[i]));
        span_set(p, i, rank[0] - rank[i] + 1);
    }
    for (; i < zsl->level; i++)
        if (update[i]->fwd[i]) span_set(update[i], i, span_get(update[i], i) + 1);
    n->backward = update[0] == zsl->header ? NULL : update[0];
    if (n->fwd[0]) n->fwd[0]->backward = n;
    else zsl->tail = n;
    zsl->length++;
}

/* Unlinks x, whose predecessors at each level are update[]. Does not free it. */
static void unlink_node(Zsl *zsl, ZslNode *x, ZslNode **update) {
    for (int i = 0; i < zsl->level; i++) {
        ZslNode *p = update[i];
        if (p->fwd[i] == x) {
            if (x->fwd[i]) span_set(p, i, span_get(p, i) + span_get(x, i) - 1);
            p->fwd[i] = x->fwd[i];
        } else if (p->fwd[i]) {
            span_set(p, i, span_get(p, i) - 1);
        }
    }
    if (x->fwd[0]) x->fwd[0]->backward = x->backward;
    else zsl->tail = x->backward;
    while (zsl->level > 1 && !zsl->header->fwd[zsl->level - 1]) zsl->level--;
    zsl->length--;
}

static void unlink_found(Zsl *zsl, ZslNode *x) {
    ZslNode *update[ZSL_MAX_LEVEL];
    ZslNode *at = find_update(zsl, x->score, member_of(x), x->len, update, NULL);
    assert(at == x);
    (void)at;
    unlink_node(zsl, x, update);
}

/* Unlinks x with known predecessors, drops it from the table and frees it. */
static void remove_node(Zsl *zsl, ZslNode *x, ZslNode **update) {
    unlink_node(zsl, x, update);
    ht_pop(zsl->ht, member_of(x), x->len);
    vfree(x);
}

/* --- members --- */

ZslNode *zsl_insert(Zsl *zsl, double score, const void *member, size_t len) {
    assert(!isnan(score));
    assert(zsl->length < ZSL_MAX_LENGTH);
    ZslNode *x = node_new(random_level(), score, member, len);
    if (ht_add_or_find(zsl->ht, x)) {
        vfree(x);
        return NULL;
    }
    link_node(zsl, x);
    return x;
}

int zsl_delete(Zsl *zsl, const void *member, size_t len, double *score) {
    ZslNode *x = ht_pop(zsl->ht, member, len);
    if (!x) return 0;
    if (score) *score = x->score;
    unlink_found(zsl, x);
    vfree(x);
    return 1;
}

void zsl_delete_node(Zsl *zsl, ZslNode *node) {
    ht_pop(zsl->ht, member_of(node), node->len);
    unlink_found(zsl, node);
    vfree(node);
}

ZslNode *zsl_find(Zsl *zsl, const void *member, size_t len) {
    return ht_find(zsl->ht, member, len);
}

int zsl_score(Zsl *zsl, const void *member, size_t len, double *score) {
    ZslNode *x = ht_find(zsl->ht, member, len);
    if (!x) return 0;
    *score = x->score;
    return 1;
}

/* 1 if x with the new score would still sit between its neighbours. */
static int stays_in_place(const ZslNode *x, double score) {
    const char *m = member_of(x);
    if (x->backward && !node_before(x->backward, score, m, x->len)) return 0;
    return !x->fwd[0] || !node_before(x->fwd[0], score, m, x->len);
}

ZslNode *zsl_update_score(Zsl *zsl, ZslNode *node, double score) {
    assert(!isnan(score));
    if (stays_in_place(node, score)) {
        node->score = score;
        return node;
    }
    unlink_found(zsl, node);
    node->score = score;
    link_node(zsl, node);
    return node;
}

/* --- ranks --- */

size_t zsl_node_rank(const Zsl *zsl, const ZslNode *node) {
    const ZslNode *x = zsl->header;
    const char *m = member_of(node);
    size_t r = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->fwd[i] && node_before(x->fwd[i], node->score, m, node->len)) {
            r += span_get(x, i);
            x = x->fwd[i];
        }
    }
    assert(x->fwd[0] == node);
    return r;
}

long zsl_rank(Zsl *zsl, const void *member, size_t len, int reverse) {
    ZslNode *x = ht_find(zsl->ht, member, len);
    if (!x) return -1;
    size_t r = zsl_node_rank(zsl, x);
    return (long)(reverse ? zsl->length - 1 - r : r);
}

ZslNode *zsl_node_by_rank(const Zsl *zsl, size_t rank) {
    if (rank >= zsl->length) return NULL;
    size_t target = rank + 1, traversed = 0;
    ZslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->fwd[i] && traversed + span_get(x, i) <= target) {
            traversed += span_get(x, i);
            x = x->fwd[i];
        }
        if (traversed == target) return x;
    }
    return NULL;
}

/* --- traversal --- */

ZslNode *zsl_first(const Zsl *zsl) { return zsl->header->fwd[0]; }
ZslNode *zsl_last(const Zsl *zsl) { return zsl->tail; }
ZslNode *zsl_next(const ZslNode *node) { return node->fwd[0]; }
ZslNode *zsl_prev(const ZslNode *node) { return node->backward; }
double zsl_node_score(const ZslNode *node) { return node->score; }

const char *zsl_node_member(const ZslNode *node, size_t *len) {
    *len = node->len;
    return member_of(node);
}

ZslNode *zsl_random(Zsl *zsl) { return ht_random(zsl->ht); }

typedef struct ScanCtx {
    ZslScanFn fn;
    void *privdata;
} ScanCtx;

static void scan_one(void *privdata, void *entry) {
    ScanCtx *ctx = privdata;
    ctx->fn(ctx->privdata, entry);
}

unsigned long zsl_scan(Zsl *zsl, unsigned long cursor, ZslScanFn fn, void *privdata) {
    ScanCtx ctx = {fn, privdata};
    return ht_scan(zsl->ht, cursor, scan_one, &ctx);
}

/* --- score ranges --- */

int zsl_score_gte_min(double score, const ZRangeSpec *range) {
    return range->minex ? score > range->min : score >= range->min;
}

int zsl_score_lte_max(double score, const ZRangeSpec *range) {
    return range->maxex ? score < range->max : score <= range->max;
}

int zsl_score_range_empty(const ZRangeSpec *range) {
    return range->min > range->max || (range->min == range->max && (range->minex || range->maxex));
}

/* 1 if some node may lie in the range (checks the ends only). */
static int score_range_overlaps(const Zsl *zsl, const ZRangeSpec *range) {
    if (zsl_score_range_empty(range) || !zsl->tail) return 0;
    return zsl_score_gte_min(zsl->tail->score, range) && zsl_score_lte_max(zsl->header->fwd[0]->score, range);
}

ZslNode *zsl_first_in_range(const Zsl *zsl, const ZRangeSpec *range) {
    if (!score_range_overlaps(zsl, range)) return NULL;
    ZslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->fwd[i] && !zsl_score_gte_min(x->fwd[i]->score, range)) x = x->fwd[i];
    x = x->fwd[0];
    return x && zsl_score_lte_max(x->score, range) ? x : NULL;
}

ZslNode *zsl_last_in_range(const Zsl *zsl, const ZRangeSpec *range) {
    if (!score_range_overlaps(zsl, range)) return NULL;
    ZslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->fwd[i] && zsl_score_lte_max(x->fwd[i]->score, range)) x = x->fwd[i];
    return x != zsl->header && zsl_score_gte_min(x->score, range) ? x : NULL;
}

size_t zsl_delete_range_by_score(Zsl *zsl, const ZRangeSpec *range) {
    ZslNode *update[ZSL_MAX_LEVEL], *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->fwd[i] && !zsl_score_gte_min(x->fwd[i]->score, range)) x = x->fwd[i];
        update[i] = x;
    }
    size_t removed = 0;
    x = x->fwd[0];
    while (x && zsl_score_lte_max(x->score, range)) {
        ZslNode *next = x->fwd[0];
        remove_node(zsl, x, update);
        removed++;
        x = next;
    }
    return removed;
}

/* --- lex ranges --- */

int zsl_parse_lex_bound(const char *arg, size_t len, ZLexBound *out) {
    if (len == 0) return 0;
    switch (arg[0]) {
    case '+':
    case '-':
        if (len > 1 && arg[1] != '\0') return 0;
        *out = (ZLexBound){NULL, 0, arg[0] == '+' ? 1 : -1, 1};
        return 1;
    case '(':
    case '[':
        *out = (ZLexBound){arg + 1, len - 1, 0, arg[0] == '('};
        return 1;
    default:
        return 0;
    }
}

/* Compares a member with a bound: "-" is below and "+" above every member. */
static int lex_cmp_bound(const char *s, size_t len, const ZLexBound *b) {
    if (b->inf) return -b->inf;
    return lex_cmp(s, len, b->s, b->len);
}

int zsl_lex_gte_min(const char *s, size_t len, const ZLexRangeSpec *range) {
    int c = lex_cmp_bound(s, len, &range->min);
    return range->min.ex ? c > 0 : c >= 0;
}

int zsl_lex_lte_max(const char *s, size_t len, const ZLexRangeSpec *range) {
    int c = lex_cmp_bound(s, len, &range->max);
    return range->max.ex ? c < 0 : c <= 0;
}

int zsl_lex_range_empty(const ZLexRangeSpec *range) {
    const ZLexBound *a = &range->min, *b = &range->max;
    int c;
    if (a->inf || b->inf) c = a->inf == b->inf ? 0 : (a->inf < 0 || b->inf > 0 ? -1 : 1);
    else c = lex_cmp(a->s, a->len, b->s, b->len);
    return c > 0 || (c == 0 && (a->ex || b->ex));
}

static inline int node_lex_gte_min(const ZslNode *x, const ZLexRangeSpec *range) {
    return zsl_lex_gte_min(member_of(x), x->len, range);
}

static inline int node_lex_lte_max(const ZslNode *x, const ZLexRangeSpec *range) {
    return zsl_lex_lte_max(member_of(x), x->len, range);
}

static int lex_range_overlaps(const Zsl *zsl, const ZLexRangeSpec *range) {
    if (zsl_lex_range_empty(range) || !zsl->tail) return 0;
    return node_lex_gte_min(zsl->tail, range) && node_lex_lte_max(zsl->header->fwd[0], range);
}

ZslNode *zsl_first_in_lex_range(const Zsl *zsl, const ZLexRangeSpec *range) {
    if (!lex_range_overlaps(zsl, range)) return NULL;
    ZslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->fwd[i] && !node_lex_gte_min(x->fwd[i], range)) x = x->fwd[i];
    x = x->fwd[0];
    return x && node_lex_lte_max(x, range) ? x : NULL;
}

ZslNode *zsl_last_in_lex_range(const Zsl *zsl, const ZLexRangeSpec *range) {
    if (!lex_range_overlaps(zsl, range)) return NULL;
    ZslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->fwd[i] && node_lex_lte_max(x->fwd[i], range)) x = x->fwd[i];
    return x != zsl->header && node_lex_gte_min(x, range) ? x : NULL;
}

size_t zsl_delete_range_by_lex(Zsl *zsl, const ZLexRangeSpec *range) {
    ZslNode *update[ZSL_MAX_LEVEL], *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->fwd[i] && !node_lex_gte_min(x->fwd[i], range)) x = x->fwd[i];
        update[i] = x;
    }
    size_t removed = 0;
    x = x->fwd[0];
    while (x && node_lex_lte_max(x, range)) {
        ZslNode *next = x->fwd[0];
        remove_node(zsl, x, update);
        removed++;
        x = next;
    }
    return removed;
}

/* --- rank ranges --- */

size_t zsl_delete_range_by_rank(Zsl *zsl, size_t start, size_t end) {
    if (start >= zsl->length || start > end) return 0;
    if (end >= zsl->length) end = zsl->length - 1;
    ZslNode *update[ZSL_MAX_LEVEL], *x = zsl->header;
    size_t traversed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->fwd[i] && traversed + span_get(x, i) <= start) {
            traversed += span_get(x, i);
            x = x->fwd[i];
        }
        update[i] = x;
    }
    size_t removed = 0, count = end - start + 1;
    x = x->fwd[0];
    while (x && removed < count) {
        ZslNode *next = x->fwd[0];
        remove_node(zsl, x, update);
        removed++;
        x = next;
    }
    return removed;
}

/* --- active defragmentation --- */

/* Moves node x when the allocator advises it: its predecessors at every level (found
 * by a search while x is still in place), its successor's backward link and the
 * tail are repointed; the member table's slot is rewritten by ht_scan_defrag. */
static void *defrag_node(void *privdata, void *entry) {
    Zsl *zsl = privdata;
    ZslNode *x = entry, *update[ZSL_MAX_LEVEL];
    find_update(zsl, x->score, member_of(x), x->len, update, NULL);
    ZslNode *n = vmalloc_defrag(x);
    if (!n) return NULL;
    for (int i = 0; i < n->level; i++)
        if (update[i]->fwd[i] == x) update[i]->fwd[i] = n;
    if (n->fwd[0]) n->fwd[0]->backward = n;
    else zsl->tail = n;
    return n;
}

unsigned long zsl_defrag_step(Zsl *zsl, unsigned long cursor) {
    return ht_scan_defrag(zsl->ht, cursor, defrag_node, vmalloc_defrag, zsl);
}

Zsl *zsl_defrag_struct(Zsl *zsl) {
    Ht *h = vmalloc_defrag(zsl->ht);
    if (h) zsl->ht = h;
    ZslNode *hd = vmalloc_defrag(zsl->header);
    if (hd) zsl->header = hd;
    return vmalloc_defrag(zsl);
}
