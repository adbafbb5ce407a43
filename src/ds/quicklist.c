/* quicklist.c - Redis 7.0's quicklist: the list type's encoding.
 *
 * A doubly linked list of 32-byte nodes. A PACKED node holds a listpack of up to
 * 65535 entries; a PLAIN node holds one element of packed_threshold bytes or more
 * (1 GB by default), as raw bytes. Node sizing follows Redis 7.0 exactly, so that
 * the nodes (hence RDB and DUMP payloads) come out the same:
 *  - fill < 0: a packed node may grow while its listpack plus the new element plus
 *    8 bytes stays within 4/8/16/32/64 KB (fill -1..-5);
 *  - fill >= 0: while it has fewer than `fill` entries and stays within 8 KB;
 *  - inserting into a full node's middle splits it, then neighbours that fit
 *    together (the same limits, on their summed sizes less 11) are merged, as
 *    Redis does; deleting never merges (Redis 7.0 does not either).
 * Compression: with depth N > 0, the N nodes at each end stay raw and every other
 * node is stored as LZF when that saves at least 8 bytes and the node is 48
 * bytes or more. Reading an inner node decompresses it for the operation
 * (`recompress` remembers to compress it back afterwards).
 *
 * Invariants: count is the sum of the nodes' counts and len the number of nodes;
 * no node is empty; head and tail are never compressed; a node's sz is its
 * uncompressed size (listpack bytes, or the plain element's length); defrag_at,
 * the position of an active-defragmentation walk, is a linked node or NULL
 * (ql_unlink moves it past a node leaving the list).
 *
 * Costs: push and pop O(1) plus the listpack work inside one end node (bounded by
 * the node size); index lookup O(nodes) walking from the nearer end, then
 * O(node entries); ql_visit_range the same walk then O(elements), entries read
 * straight from the listpacks; insert and delete at an iterator O(node size);
 * del_range O(nodes touched). Touching a compressed node costs one LZF decompression and,
 * when it is put back, one compression (both linear in the node's size: at most
 * 64 KB for a packed node). A node is 32 bytes; at the default fill a list of 1M
 * values like "item:123456" takes about 13 bytes per element. */
#include "quicklist.h"
#include "listpack.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../base/lzfwrap.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QL_SIZE_SAFETY_LIMIT 8192   /* packed nodes limited by count stay within this */
#define QL_SIZE_ESTIMATE_OVERHEAD 8 /* bytes added per entry when estimating growth */
#define QL_MERGE_HEADER_SLACK 11    /* Redis's allowance for the header merging saves */
#define QL_MIN_COMPRESS_BYTES 48
#define QL_MIN_COMPRESS_IMPROVE 8
#define QL_FILL_MAX 32767
#define QL_COMPRESS_MAX 65535
#define QL_MAX_PACKED_THRESHOLD ((1ull << 32) - (1ull << 20))

static const size_t ql_size_levels[] = {4096, 8192, 16384, 32768, 65536};
static size_t packed_threshold = QL_DEFAULT_PACKED_THRESHOLD;

struct QlNode {
    QlNode *prev, *next;
    unsigned char *data;          /* listpack, plain bytes, or QlLzf when lzf */
    uint64_t sz : 44;             /* uncompressed bytes */
    uint64_t count : 16;          /* elements (1 for plain nodes) */
    uint64_t plain : 1;           /* PLAIN container (else PACKED) */
    uint64_t lzf : 1;             /* data is compressed */
    uint64_t recompress : 1;      /* decompressed for an operation: compress after */
    uint64_t dont_compress : 1;   /* pinned raw during a replace */
};
_Static_assert(sizeof(QlNode) == 32, "a quicklist node is 32 bytes");

struct Quicklist {
    QlNode *head, *tail;
    unsigned long count; /* elements */
    unsigned long len;   /* nodes */
    int fill;
    int compress;
    QlNode *defrag_at;   /* active defragmentation: the next node to visit, NULL
                          * before a walk, DEFRAG_END once past the tail */
};
_Static_assert(sizeof(Quicklist) == 48, "a quicklist header stays in jemalloc's 48-byte class");

/* defrag_at's value once the node it named was the tail and left the list. */
static QlNode defrag_end_marker;
#define DEFRAG_END (&defrag_end_marker)

typedef struct QlLzf {
    size_t len; /* compressed bytes that follow */
    unsigned char bytes[];
} QlLzf;

__attribute__((noreturn)) static void ql_panic(const char *what) {
    fprintf(stderr, "vesper: quicklist invariant broken: %s\n", what);
    fflush(stderr);
    abort();
}

static int ql_is_large(size_t sz) { return sz >= packed_threshold; }

/* The first (index 0) or last (-1) entry of a packed node, which has one. */
static unsigned char *node_end_entry(QlNode *n, long index) {
    unsigned char *p = lp_seek(n->data, index);
    if (!p) ql_panic("packed node without entries");
    return p;
}

/* ---- options ---- */

int ql_set_packed_threshold(size_t sz) {
    if (sz > QL_MAX_PACKED_THRESHOLD) return 0;
    packed_threshold = sz ? sz : QL_DEFAULT_PACKED_THRESHOLD;
    return 1;
}

size_t ql_packed_threshold(void) { return packed_threshold; }

void ql_set_options(Quicklist *ql, int fill, int compress) {
    ql->fill = fill > QL_FILL_MAX ? QL_FILL_MAX : fill < -5 ? -5 : fill;
    ql->compress = compress > QL_COMPRESS_MAX ? QL_COMPRESS_MAX : compress < 0 ? 0 : compress;
}

Quicklist *ql_create(int fill, int compress) {
    Quicklist *ql = vcalloc(sizeof(*ql));
    ql_set_options(ql, fill, compress);
    return ql;
}

unsigned long ql_count(const Quicklist *ql) { return ql->count; }
unsigned long ql_len(const Quicklist *ql) { return ql->len; }
int ql_fill(const Quicklist *ql) { return ql->fill; }
int ql_compress_depth(const Quicklist *ql) { return ql->compress; }

/* ---- nodes ---- */

static QlNode *node_new(void) { return vcalloc(sizeof(QlNode)); }

static void node_update_sz(QlNode *n) { n->sz = lp_bytes(n->data); }

static QlNode *node_new_packed(const void *v, size_t sz) {
    QlNode *n = node_new();
    n->data = lp_append(lp_new(0), v, (uint32_t)sz);
    n->count = 1;
    node_update_sz(n);
    return n;
}

static QlNode *node_new_plain(const void *v, size_t sz) {
    QlNode *n = node_new();
    n->data = vmalloc(sz);
    memcpy(n->data, v, sz);
    n->sz = sz;
    n->count = 1;
    n->plain = 1;
    return n;
}

static void node_free(QlNode *n) {
    vfree(n->data);
    vfree(n);
}

/* ---- compression ---- */

/* Compresses a raw inner node when worth it; returns 1 if it did. */
static int node_compress(QlNode *n) {
    if (n->dont_compress) return 0;
    n->recompress = 0;
    if (!n->prev || !n->next) return 0; /* the ends stay raw */
    if (n->sz < QL_MIN_COMPRESS_BYTES || n->sz > UINT_MAX) return 0;
    /* The output buffer is the input's size, not the largest useful result:
     * lzf needs headroom past its result and would give up on a tighter one. */
    QlLzf *z = vmalloc(sizeof(QlLzf) + n->sz);
    unsigned int clen = lzf_compress(n->data, (unsigned int)n->sz, z->bytes, (unsigned int)n->sz);
    if (clen == 0 || clen + QL_MIN_COMPRESS_IMPROVE >= n->sz) {
        vfree(z);
        return 0;
    }
    z = vrealloc(z, sizeof(QlLzf) + clen);
    z->len = clen;
    vfree(n->data);
    n->data = (unsigned char *)z;
    n->lzf = 1;
    return 1;
}

static void node_compress_if_raw(QlNode *n) {
    if (n && !n->lzf) node_compress(n);
}

static void node_decompress(QlNode *n) {
    if (!n || !n->lzf) return;
    n->recompress = 0;
    QlLzf *z = (QlLzf *)n->data;
    unsigned char *raw = vmalloc(n->sz);
    if (lzf_decompress(z->bytes, (unsigned int)z->len, raw, (unsigned int)n->sz) != n->sz)
        ql_panic("LZF data does not decompress to the node size");
    vfree(z);
    n->data = raw;
    n->lzf = 0;
}

/* Decompresses for one operation; the node is compressed back afterwards. */
static void node_decompress_for_use(QlNode *n) {
    if (n && n->lzf) {
        node_decompress(n);
        n->recompress = 1;
    }
}

static void node_recompress_only(QlNode *n) {
    if (n->recompress) node_compress_if_raw(n);
}

/* Restores the compression layout after `node` (may be NULL) changed: the
 * `compress` nodes at each end raw, `node` and the first nodes past the depth
 * compressed. Nothing is compressed while the list is shorter than 2 * depth. */
static void ql_compress_around(Quicklist *ql, QlNode *node) {
    if (ql->len == 0 || ql->compress == 0 || ql->len < 2 * (unsigned long)ql->compress) return;
    QlNode *fwd = ql->head, *rev = ql->tail;
    int in_depth = 0;
    for (int d = 0; d < ql->compress; d++) {
        node_decompress(fwd);
        node_decompress(rev);
        if (fwd == node || rev == node) in_depth = 1;
        if (fwd == rev || fwd->next == rev) return;
        fwd = fwd->next;
        rev = rev->prev;
    }
    if (!in_depth && node) node_compress_if_raw(node);
    node_compress_if_raw(fwd);
    node_compress_if_raw(rev);
}

static void ql_compress(Quicklist *ql, QlNode *n) {
    if (n->recompress) node_compress_if_raw(n);
    else ql_compress_around(ql, n);
}

/* ---- linking ---- */

/* Links n after (or before) `old`, NULL when the list is empty. */
static void ql_link(Quicklist *ql, QlNode *old, QlNode *n, int after) {
    if (after) {
        n->prev = old;
        if (old) {
            n->next = old->next;
            if (old->next) old->next->prev = n;
            old->next = n;
        }
        if (ql->tail == old) ql->tail = n;
    } else {
        n->next = old;
        if (old) {
            n->prev = old->prev;
            if (old->prev) old->prev->next = n;
            old->prev = n;
        }
        if (ql->head == old) ql->head = n;
    }
    if (ql->len == 0) ql->head = ql->tail = n;
    ql->len++;
    if (old) ql_compress(ql, old);
    ql_compress(ql, n);
}

static void ql_unlink(Quicklist *ql, QlNode *n) {
    if (ql->defrag_at == n) ql->defrag_at = n->next ? n->next : DEFRAG_END;
    if (n->next) n->next->prev = n->prev;
    if (n->prev) n->prev->next = n->next;
    if (n == ql->tail) ql->tail = n->prev;
    if (n == ql->head) ql->head = n->next;
    n->prev = n->next = NULL;
    ql->len--;
}

/* Removes and frees node n with its elements. */
static void ql_del_node(Quicklist *ql, QlNode *n) {
    ql_unlink(ql, n);
    ql->count -= n->count;
    ql_compress_around(ql, NULL);
    node_free(n);
}

/* Deletes the element at *p of node n (any element of a plain node); *p moves to
 * the next entry of the node. Returns 1 when the node went away with it. */
static int ql_del_index(Quicklist *ql, QlNode *n, unsigned char **p) {
    if (n->plain) {
        ql_del_node(ql, n);
        return 1;
    }
    n->data = lp_delete(n->data, *p, p);
    n->count--;
    ql->count--;
    if (n->count == 0) {
        ql_del_node(ql, n);
        return 1;
    }
    node_update_sz(n);
    return 0;
}

/* ---- sizing rules ---- */

static int ql_within_size_level(size_t sz, int fill) {
    if (fill >= 0) return 0;
    size_t level = (size_t)(-fill) - 1;
    return level < sizeof(ql_size_levels) / sizeof(ql_size_levels[0]) && sz <= ql_size_levels[level];
}

static int ql_node_allows_insert(const QlNode *n, int fill, size_t sz) {
    if (!n || n->plain || ql_is_large(sz)) return 0;
    size_t grown = n->sz + sz + QL_SIZE_ESTIMATE_OVERHEAD;
    if (ql_within_size_level(grown, fill)) return 1;
    if (grown > QL_SIZE_SAFETY_LIMIT) return 0;
    return (int)n->count < fill;
}

static int ql_nodes_allow_merge(const QlNode *a, const QlNode *b, int fill) {
    if (!a || !b || a->plain || b->plain) return 0;
    size_t merged = a->sz + b->sz - QL_MERGE_HEADER_SLACK;
    if (ql_within_size_level(merged, fill)) return 1;
    if (merged > QL_SIZE_SAFETY_LIMIT) return 0;
    return (int)(a->count + b->count) <= fill;
}

/* ---- push, pop, building ---- */

static int ql_push_end(Quicklist *ql, const void *v, size_t sz, int at_tail) {
    QlNode *end = at_tail ? ql->tail : ql->head;
    node_decompress(end); /* never compressed; kept safe anyway */
    ql->count++;
    if (ql_is_large(sz)) {
        ql_link(ql, end, node_new_plain(v, sz), at_tail);
        return 1;
    }
    if (ql_node_allows_insert(end, ql->fill, sz)) {
        end->data = at_tail ? lp_append(end->data, v, (uint32_t)sz) : lp_prepend(end->data, v, (uint32_t)sz);
        end->count++;
        node_update_sz(end);
        return 0;
    }
    ql_link(ql, end, node_new_packed(v, sz), at_tail);
    return 1;
}

int ql_push_head(Quicklist *ql, const void *value, size_t sz) { return ql_push_end(ql, value, sz, 0); }
int ql_push_tail(Quicklist *ql, const void *value, size_t sz) { return ql_push_end(ql, value, sz, 1); }

void ql_push(Quicklist *ql, const void *value, size_t sz, int where) {
    ql_push_end(ql, value, sz, where == QL_TAIL);
}

int ql_pop_custom(Quicklist *ql, int where, void **data, size_t *sz, long long *lval, QlSaver saver) {
    if (ql->count == 0) return 0;
    if (data) *data = NULL;
    if (sz) *sz = 0;
    if (lval) *lval = 0;
    QlNode *n = where == QL_HEAD ? ql->head : ql->tail;
    node_decompress(n);
    if (n->plain) {
        if (data) *data = saver(n->data, n->sz);
        if (sz) *sz = n->sz;
        ql_del_index(ql, n, NULL);
        return 1;
    }
    unsigned char *p = node_end_entry(n, where == QL_HEAD ? 0 : -1);
    LpEntry e;
    lp_get(p, &e);
    if (e.sval) {
        if (data) *data = saver(e.sval, e.slen);
        if (sz) *sz = e.slen;
    } else if (lval) {
        *lval = e.lval;
    }
    ql_del_index(ql, n, &p);
    return 1;
}

static void *ql_copy_saver(const unsigned char *data, size_t sz) {
    unsigned char *copy = vmalloc(sz);
    memcpy(copy, data, sz);
    return copy;
}

int ql_pop(Quicklist *ql, int where, unsigned char **data, size_t *sz, long long *lval) {
    void *d = NULL;
    int ok = ql_pop_custom(ql, where, &d, sz, lval, ql_copy_saver);
    if (data) *data = d;
    else vfree(d);
    return ok;
}

int ql_append_listpack(Quicklist *ql, unsigned char *lp) {
    unsigned long n = lp_length(lp);
    if (n > 65535) return 0;
    if (n == 0) { /* Redis skips empty listpacks in RDB files */
        lp_free(lp);
        return 1;
    }
    QlNode *node = node_new();
    node->data = lp;
    node->count = n;
    node_update_sz(node);
    ql->count += n;
    ql_link(ql, ql->tail, node, 1);
    return 1;
}

void ql_append_plain_node(Quicklist *ql, unsigned char *data, size_t sz) {
    QlNode *node = node_new();
    node->data = data;
    node->sz = sz;
    node->count = 1;
    node->plain = 1;
    ql->count++;
    ql_link(ql, ql->tail, node, 1);
}

void ql_free(Quicklist *ql) {
    if (!ql) return;
    QlNode *n = ql->head;
    while (n) {
        QlNode *next = n->next;
        node_free(n);
        n = next;
    }
    vfree(ql);
}

/* ---- active defragmentation ---- */

/* Moves node n's data and the node itself when the allocator advises it, fixing the
 * neighbours' links. Returns the node's address afterwards. */
static QlNode *defrag_node(Quicklist *ql, QlNode *n) {
    unsigned char *d = vmalloc_defrag(n->data);
    if (d) n->data = d;
    QlNode *m = vmalloc_defrag(n);
    if (!m) return n;
    if (m->prev) m->prev->next = m;
    else ql->head = m;
    if (m->next) m->next->prev = m;
    else ql->tail = m;
    return m;
}

int ql_defrag_step(Quicklist *ql, long budget) {
    if (!ql->defrag_at) ql->defrag_at = ql->head ? ql->head : DEFRAG_END;
    while (ql->defrag_at != DEFRAG_END && budget-- > 0) {
        QlNode *n = defrag_node(ql, ql->defrag_at);
        ql->defrag_at = n->next ? n->next : DEFRAG_END;
    }
    if (ql->defrag_at != DEFRAG_END) return 0;
    ql->defrag_at = NULL;
    return 1;
}

Quicklist *ql_defrag_struct(Quicklist *ql) { return vmalloc_defrag(ql); }

Quicklist *ql_dup(const Quicklist *src) {
    Quicklist *ql = ql_create(src->fill, src->compress);
    /* The copies keep the source's compression states, which already satisfy the
     * layout, so nodes are linked without re-running compression. */
    for (const QlNode *n = src->head; n; n = n->next) {
        QlNode *c = node_new();
        size_t bytes = n->lzf ? sizeof(QlLzf) + ((const QlLzf *)n->data)->len : n->sz;
        c->data = vmalloc(bytes);
        memcpy(c->data, n->data, bytes);
        c->sz = n->sz;
        c->count = n->count;
        c->plain = n->plain;
        c->lzf = n->lzf;
        c->prev = ql->tail;
        if (ql->tail) ql->tail->next = c;
        else ql->head = c;
        ql->tail = c;
        ql->len++;
        ql->count += c->count;
    }
    return ql;
}

/* ---- positions and iteration ---- */

/* Finds the node holding element idx (negative from the tail) and the element's
 * offset in it (negative from the node's end when idx is). 0 when out of range. */
static int ql_locate(const Quicklist *ql, long long idx, QlNode **node, long *offset) {
    int forward = idx >= 0;
    unsigned long long index = forward ? (unsigned long long)idx : (unsigned long long)(-(idx + 1));
    if (index >= ql->count) return 0;
    /* Walk from whichever end is nearer. */
    int from_head = forward;
    unsigned long long seek = index;
    if (index > (ql->count - 1) / 2) {
        from_head = !forward;
        seek = ql->count - 1 - index;
    }
    unsigned long long before = 0; /* elements in the nodes passed */
    QlNode *n = from_head ? ql->head : ql->tail;
    while (n && before + n->count <= seek) {
        before += n->count;
        n = from_head ? n->next : n->prev;
    }
    if (!n) ql_panic("count larger than the nodes hold");
    if (from_head != forward) before = ql->count - n->count - before;
    *node = n;
    *offset = forward ? (long)(index - before) : -(long)(index - before) - 1;
    return 1;
}

void ql_iter_init(Quicklist *ql, QlIter *it, int direction) {
    it->ql = ql;
    it->direction = direction;
    it->zi = NULL;
    it->node = direction == QL_FORWARD ? ql->head : ql->tail;
    it->offset = direction == QL_FORWARD ? 0 : -1;
}

int ql_iter_at(Quicklist *ql, QlIter *it, int direction, long long idx) {
    ql_iter_init(ql, it, direction);
    QlNode *n;
    long offset;
    if (!ql_locate(ql, idx, &n, &offset)) {
        it->node = NULL;
        return 0;
    }
    it->node = n;
    it->offset = offset;
    return 1;
}

void ql_iter_set_direction(QlIter *it, int direction) { it->direction = direction; }

void ql_iter_release(QlIter *it) {
    if (it->node) ql_compress(it->ql, it->node);
    it->node = NULL;
    it->zi = NULL;
}

static void ql_iter_reset(QlIter *it) {
    it->node = NULL;
    it->zi = NULL;
}

static void ql_fill_entry(QlEntry *e, QlNode *n, unsigned char *zi) {
    if (n->plain) {
        e->value = n->data;
        e->sz = n->sz;
        return;
    }
    LpEntry le;
    lp_get(zi, &le);
    e->value = le.sval;
    e->sz = le.slen;
    e->lval = le.lval;
}

int ql_next(QlIter *it, QlEntry *e) {
    memset(e, 0, sizeof(*e));
    e->ql = it->ql;
    int forward = it->direction == QL_FORWARD;
    while (it->node) {
        QlNode *n = it->node;
        if (!it->zi) { /* entering the node, or re-seeking after a delete */
            node_decompress_for_use(n);
            it->zi = n->plain ? n->data : lp_seek(n->data, it->offset);
        } else if (n->plain) {
            it->zi = NULL;
        } else {
            it->zi = forward ? lp_next(n->data, it->zi) : lp_prev(n->data, it->zi);
            it->offset += forward ? 1 : -1;
        }
        if (it->zi) {
            e->node = n;
            e->zi = it->zi;
            e->offset = it->offset;
            ql_fill_entry(e, n, it->zi);
            return 1;
        }
        ql_compress(it->ql, n);
        it->node = forward ? n->next : n->prev;
        it->offset = forward ? 0 : -1;
    }
    return 0;
}

int ql_entry_at(Quicklist *ql, long long idx, QlIter *it, QlEntry *e) {
    if (!ql_iter_at(ql, it, QL_BACKWARD, idx)) return 0;
    if (!ql_next(it, e)) ql_panic("indexed element missing");
    return 1;
}

void ql_del_entry(QlIter *it, QlEntry *e) {
    QlNode *prev = e->node->prev, *next = e->node->next;
    long before = (long)e->node->count, o = e->offset;
    int forward = it->direction == QL_FORWARD;
    int gone = ql_del_index(it->ql, e->node, &e->zi);
    it->zi = NULL; /* the next ql_next re-seeks by offset */
    if (gone) {
        it->node = forward ? next : prev;
        it->offset = forward ? 0 : -1;
    } else if (forward) { /* the follower took the deleted one's index from the head */
        it->offset = o >= 0 ? o : o + before;
    } else { /* the predecessor took its index from the tail */
        it->offset = o < 0 ? o : o - before;
    }
}

unsigned long ql_visit_range(Quicklist *ql, long long start, unsigned long count, int direction,
                             LpVisitor *fn, void *ctx) {
    QlNode *n;
    long offset;
    if (count == 0 || !ql_locate(ql, start, &n, &offset)) return 0;
    int forward = direction == QL_FORWARD;
    unsigned long done = 0;
    while (n && done < count) {
        node_decompress_for_use(n);
        if (n->plain) {
            fn(ctx, n->data, n->sz, 0);
            done++;
        } else {
            unsigned char *p = lp_seek(n->data, offset);
            if (!p) ql_panic("node offset out of range");
            done += lp_visit(n->data, p, count - done, !forward, fn, ctx);
        }
        ql_compress(ql, n);
        n = forward ? n->next : n->prev;
        offset = forward ? 0 : -1;
    }
    return done;
}

/* ---- insert ---- */

/* Splits node at `offset`: with after, node keeps [0, offset] and the returned
 * node gets the rest; without, the returned node gets [0, offset) and node keeps
 * the rest. The returned node is not linked. */
static QlNode *node_split(QlNode *node, long offset, int after) {
    QlNode *rest = node_new();
    rest->data = vmalloc(node->sz);
    memcpy(rest->data, node->data, node->sz);
    if (offset < 0) offset += node->count;
    node->data = lp_delete_range(node->data, after ? offset + 1 : 0, after ? ULONG_MAX : (unsigned long)offset);
    node->count = lp_length(node->data);
    node_update_sz(node);
    rest->data = lp_delete_range(rest->data, after ? 0 : offset, after ? (unsigned long)offset + 1 : ULONG_MAX);
    rest->count = lp_length(rest->data);
    node_update_sz(rest);
    return rest;
}

/* Merges b (right) into a (left); returns a. */
static QlNode *ql_merge_pair(Quicklist *ql, QlNode *a, QlNode *b) {
    node_decompress(a);
    node_decompress(b);
    a->data = lp_merge(a->data, b->data);
    b->data = NULL;
    a->count = lp_length(a->data);
    node_update_sz(a);
    b->count = 0;
    ql_del_node(ql, b);
    ql_compress(ql, a);
    return a;
}

/* After a split next to `center`: merge the pairs on each side, then center with
 * its neighbours, when the merged node fits the fill rules. */
static void ql_merge_around(Quicklist *ql, QlNode *center) {
    int fill = ql->fill;
    QlNode *prev = center->prev, *next = center->next;
    QlNode *prev2 = prev ? prev->prev : NULL, *next2 = next ? next->next : NULL;
    if (ql_nodes_allow_merge(prev, prev2, fill)) ql_merge_pair(ql, prev2, prev);
    if (ql_nodes_allow_merge(next, next2, fill)) ql_merge_pair(ql, next, next2);
    QlNode *target = center;
    if (ql_nodes_allow_merge(center, center->prev, fill)) target = ql_merge_pair(ql, center->prev, center);
    if (ql_nodes_allow_merge(target, target->next, fill)) ql_merge_pair(ql, target, target->next);
}

/* Adds v into a neighbour's end: the next node's head or the previous one's tail. */
static void ql_add_to_neighbour(QlNode *nb, QlNode *node, const void *v, size_t sz, int at_head) {
    node_decompress_for_use(nb);
    nb->data = at_head ? lp_prepend(nb->data, v, (uint32_t)sz) : lp_append(nb->data, v, (uint32_t)sz);
    nb->count++;
    node_update_sz(nb);
    node_recompress_only(nb);
    node_recompress_only(node);
}

static void ql_insert_large(Quicklist *ql, QlEntry *e, const void *v, size_t sz, int after, int at_end) {
    QlNode *node = e->node;
    if (node->plain || at_end) {
        ql_link(ql, node, node_new_plain(v, sz), after);
        return;
    }
    node_decompress_for_use(node);
    QlNode *rest = node_split(node, e->offset, after);
    QlNode *pn = node_new_plain(v, sz);
    ql_link(ql, node, pn, after);
    ql_link(ql, pn, rest, after);
}

static void ql_insert_at(QlIter *it, QlEntry *e, const void *v, size_t sz, int after) {
    Quicklist *ql = it->ql;
    QlNode *node = e->node;
    ql_iter_reset(it);
    ql->count++;
    if (!node) { /* empty list */
        ql_link(ql, NULL, ql_is_large(sz) ? node_new_plain(v, sz) : node_new_packed(v, sz), after);
        return;
    }
    int fill = ql->fill;
    int full = !ql_node_allows_insert(node, fill, sz);
    int at_tail = after && (e->offset == (long)node->count - 1 || e->offset == -1);
    int at_head = !after && (e->offset == 0 || e->offset == -(long)node->count);
    if (ql_is_large(sz)) {
        ql_insert_large(ql, e, v, sz, after, at_tail || at_head);
    } else if (!full) {
        node_decompress_for_use(node);
        node->data = lp_insert(node->data, v, (uint32_t)sz, e->zi, after ? LP_AFTER : LP_BEFORE, NULL);
        node->count++;
        node_update_sz(node);
        node_recompress_only(node);
    } else if (at_tail && ql_node_allows_insert(node->next, fill, sz)) {
        ql_add_to_neighbour(node->next, node, v, sz, 1);
    } else if (at_head && ql_node_allows_insert(node->prev, fill, sz)) {
        ql_add_to_neighbour(node->prev, node, v, sz, 0);
    } else if (at_tail || at_head) {
        ql_link(ql, node, node_new_packed(v, sz), after);
    } else { /* full, in the middle: split, put v at the cut, merge what fits */
        node_decompress_for_use(node);
        QlNode *rest = node_split(node, e->offset, after);
        rest->data = after ? lp_prepend(rest->data, v, (uint32_t)sz) : lp_append(rest->data, v, (uint32_t)sz);
        rest->count++;
        node_update_sz(rest);
        ql_link(ql, node, rest, after);
        ql_merge_around(ql, node);
    }
}

void ql_insert_before(QlIter *it, QlEntry *e, const void *value, size_t sz) {
    ql_insert_at(it, e, value, sz, 0);
}

void ql_insert_after(QlIter *it, QlEntry *e, const void *value, size_t sz) {
    ql_insert_at(it, e, value, sz, 1);
}

/* ---- replace, delete range, rotate ---- */

void ql_replace_entry(QlIter *it, QlEntry *e, const void *value, size_t sz) {
    Quicklist *ql = it->ql;
    QlNode *node = e->node;
    if (!node->plain && !ql_is_large(sz)) {
        node->data = lp_replace(node->data, &e->zi, value, (uint32_t)sz);
        node_update_sz(node);
        ql_compress(ql, node);
    } else if (node->plain && ql_is_large(sz)) {
        vfree(node->data);
        node->data = vmalloc(sz);
        memcpy(node->data, value, sz);
        node->sz = sz;
        ql_compress(ql, node);
    } else if (node->plain) { /* a small value replaces a plain element */
        ql_insert_at(it, e, value, sz, 1);
        ql_del_node(ql, node);
    } else { /* a large value replaces a packed element: plain node after it */
        node->dont_compress = 1;
        ql_insert_at(it, e, value, sz, 1);
        if (node->count == 1) {
            ql_del_node(ql, node);
        } else {
            /* the replaced element is now the node's last */
            unsigned char *p = node_end_entry(node, -1);
            ql_del_index(ql, node, &p);
            node->dont_compress = 0;
            ql_compress(ql, node);
            ql_compress(ql, node->next);
        }
    }
    ql_iter_reset(it);
}

int ql_replace_at_index(Quicklist *ql, long idx, const void *value, size_t sz) {
    QlIter it;
    QlEntry e;
    if (!ql_entry_at(ql, idx, &it, &e)) return 0;
    ql_replace_entry(&it, &e, value, sz);
    ql_iter_release(&it);
    return 1;
}

int ql_del_range(Quicklist *ql, long start, long count) {
    if (count <= 0) return 0;
    unsigned long extent = (unsigned long)count;
    if (start >= 0 && extent > ql->count - (unsigned long)start) extent = ql->count - (unsigned long)start;
    else if (start < 0 && extent > 0UL - (unsigned long)start) extent = 0UL - (unsigned long)start;
    QlNode *node;
    long offset;
    if (!ql_locate(ql, start, &node, &offset)) return 0;
    while (extent) {
        QlNode *next = node->next;
        unsigned long del;
        int whole = 0;
        if (offset == 0 && extent >= node->count) {
            whole = 1;
            del = node->count;
        } else if (offset >= 0 && extent + (unsigned long)offset >= node->count) {
            del = node->count - (unsigned long)offset;
        } else if (offset < 0) { /* first node, counted from its end */
            del = (unsigned long)-offset;
            if (del > extent) del = extent;
        } else {
            del = extent;
        }
        if (whole || node->plain) {
            ql_del_node(ql, node);
        } else {
            node_decompress_for_use(node);
            node->data = lp_delete_range(node->data, offset, del);
            node_update_sz(node);
            node->count -= del;
            ql->count -= del;
            if (node->count == 0) ql_del_node(ql, node);
            else node_recompress_only(node);
        }
        extent -= del;
        node = next;
        offset = 0;
    }
    return 1;
}

void ql_rotate(Quicklist *ql) {
    if (ql->count <= 1) return;
    QlNode *tail = ql->tail;
    if (tail->plain) { /* move the whole node */
        ql_unlink(ql, tail);
        ql_link(ql, ql->head, tail, 0);
        return;
    }
    unsigned char *p = node_end_entry(tail, -1);
    LpEntry le;
    lp_get(p, &le);
    unsigned char num[LP_INTBUF_SIZE];
    const unsigned char *v = le.sval;
    size_t vlen = le.slen;
    unsigned char *copy = NULL;
    if (!v) {
        vlen = (size_t)ll2string((char *)num, sizeof(num), le.lval);
        v = num;
    } else if (ql->len == 1) { /* pushing may move the very listpack v points into */
        copy = vmalloc(vlen ? vlen : 1);
        memcpy(copy, v, vlen);
        v = copy;
    }
    ql_push_head(ql, v, vlen);
    if (ql->len == 1) p = node_end_entry(ql->tail, -1);
    ql_del_index(ql, ql->tail, &p);
    vfree(copy);
}

int ql_compare(const QlEntry *e, const unsigned char *s, size_t len) {
    if (e->node->plain) return e->sz == len && (len == 0 || memcmp(e->value, s, len) == 0);
    return len <= UINT32_MAX && lp_compare(e->zi, s, (uint32_t)len);
}

/* ---- inspection ---- */

const QlNode *ql_first_node(const Quicklist *ql) { return ql->head; }
const QlNode *ql_next_node(const QlNode *n) { return n->next; }

void ql_node_info(const QlNode *n, QlNodeInfo *info) {
    info->count = n->count;
    info->sz = n->sz;
    info->plain = n->plain;
    info->compressed = n->lzf;
    if (n->lzf) {
        const QlLzf *z = (const QlLzf *)n->data;
        info->data = z->bytes;
        info->stored_sz = z->len;
    } else {
        info->data = n->data;
        info->stored_sz = n->sz;
    }
}

size_t ql_mem_usage(const Quicklist *ql, size_t samples) {
    size_t bytes = 0, seen = 0;
    for (const QlNode *n = ql->head; n && (samples == 0 || seen < samples); n = n->next, seen++)
        bytes += vmalloc_size((void *)n) + vmalloc_size(n->data);
    if (seen && seen < ql->len) bytes = (size_t)((double)bytes / (double)seen * (double)ql->len);
    return vmalloc_size((void *)ql) + bytes;
}

void ql_repr(FILE *out, Quicklist *ql, int full) {
    fprintf(out, "{count : %lu}\n{len : %lu}\n{fill : %d}\n{compress : %d}\n", ql->count, ql->len,
            ql->fill, ql->compress);
    int i = 0;
    for (QlNode *n = ql->head; n; n = n->next, i++) {
        fprintf(out, "{quicklist node(%d)\n{container : %s, encoding: %s, size: %zu, count: %u, recompress: %d}\n",
                i, n->plain ? "PLAIN" : "PACKED", n->lzf ? "LZF" : "RAW", (size_t)n->sz, (unsigned)n->count,
                (int)n->recompress);
        if (full) {
            int was = n->lzf;
            node_decompress(n);
            if (n->plain) fprintf(out, "{ entry : %.*s }\n", (int)(n->sz > 256 ? 256 : n->sz), n->data);
            else lp_repr(out, n->data);
            if (was) node_compress(n);
        }
        fprintf(out, "}\n");
    }
}
