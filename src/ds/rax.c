/* rax.c - the compressed radix tree of rax.h.
 *
 * A node is one allocation: a 16-byte header (value, label length, child count),
 * its edge label bytes, then its child pointers (sorted by the first byte of each
 * child's label) at the next pointer-aligned offset. Changing a label or the
 * children reallocates the node, so every change goes through the slot (the
 * parent's child pointer, or the root pointer) that references it. A leaf with a
 * label of up to 16 bytes (a stream node's key) is one 32-byte allocation. Removal keeps the tree compressed: a valueless non-root node
 * with a single child is merged into that child, a childless valueless node is
 * removed. Seeks are iterative descents keeping a small stack of the branch
 * points passed, so a key of any length costs no recursion. */
#include "rax.h"
#include <string.h>
#include "../base/alloc.h"

struct RaxNode {
    void *val;
    uint32_t plen;      /* label length (0 only at the root) */
    uint16_t nchild;    /* 0..256 */
    uint8_t has_val;
    uint8_t unused;
    unsigned char prefix[]; /* plen label bytes, padding, nchild child pointers */
};

#define LABEL_SPACE(plen) (((size_t)(plen) + 7) & ~(size_t)7)

static size_t node_size(size_t plen, size_t nchild) {
    return sizeof(RaxNode) + LABEL_SPACE(plen) + nchild * sizeof(RaxNode *);
}

/* The child array, sorted by each child's first label byte. */
static inline RaxNode **CH(const RaxNode *n) { return (RaxNode **)((uintptr_t)n->prefix + LABEL_SPACE(n->plen)); }

static RaxNode *node_alloc(const unsigned char *p, size_t plen, size_t nchild) {
    RaxNode *n = vmalloc(node_size(plen, nchild));
    n->val = NULL;
    n->plen = (uint32_t)plen;
    n->nchild = (uint16_t)nchild;
    n->has_val = 0;
    n->unused = 0;
    if (plen) memcpy(n->prefix, p, plen);
    return n;
}

static RaxNode *node_new(const unsigned char *p, size_t plen) { return node_alloc(p, plen, 0); }

static void node_free(RaxNode *n) { vfree(n); }

Rax *rax_new(void) {
    Rax *r = vmalloc(sizeof(*r));
    r->root = node_new(NULL, 0);
    r->numele = 0;
    r->numnodes = 1;
    return r;
}

/* Frees the subtree under n without recursion: children are pushed on an
 * explicit stack. */
static void free_tree(RaxNode *root, void (*free_cb)(void *)) {
    size_t cap = 64, top = 0;
    RaxNode **stack = vmalloc(cap * sizeof(*stack));
    stack[top++] = root;
    while (top) {
        RaxNode *n = stack[--top];
        if (n->has_val && free_cb) free_cb(n->val);
        if (top + n->nchild > cap) {
            while (top + n->nchild > cap) cap *= 2;
            stack = vrealloc(stack, cap * sizeof(*stack));
        }
        for (unsigned i = 0; i < n->nchild; i++) stack[top++] = CH(n)[i];
        node_free(n);
    }
    vfree(stack);
}

void rax_free_with(Rax *r, void (*free_cb)(void *)) {
    if (!r) return;
    free_tree(r->root, free_cb);
    vfree(r);
}

void rax_free(Rax *r) { rax_free_with(r, NULL); }

uint64_t rax_size(const Rax *r) { return r->numele; }

size_t rax_mem_usage(const Rax *r) {
    size_t total = sizeof(*r);
    size_t cap = 64, top = 0;
    RaxNode **stack = vmalloc(cap * sizeof(*stack));
    stack[top++] = r->root;
    while (top) {
        RaxNode *n = stack[--top];
        total += node_size(n->plen, n->nchild);
        if (top + n->nchild > cap) {
            while (top + n->nchild > cap) cap *= 2;
            stack = vrealloc(stack, cap * sizeof(*stack));
        }
        for (unsigned i = 0; i < n->nchild; i++) stack[top++] = CH(n)[i];
    }
    vfree(stack);
    return total;
}

uint64_t rax_redis_numnodes(const Rax *r) {
    uint64_t count = 1;
    size_t cap = 64, top = 0;
    RaxNode **stack = vmalloc(cap * sizeof(*stack));
    stack[top++] = r->root;
    while (top) {
        RaxNode *n = stack[--top];
        if (top + n->nchild > cap) {
            while (top + n->nchild > cap) cap *= 2;
            stack = vrealloc(stack, cap * sizeof(*stack));
        }
        for (unsigned i = 0; i < n->nchild; i++) {
            RaxNode *c = CH(n)[i];
            count += (n->nchild > 1 && c->plen > 1) ? 2 : 1;
            stack[top++] = c;
        }
    }
    vfree(stack);
    return count;
}

/* Index of the first child whose label starts at or after byte b. */
static unsigned child_lb(const RaxNode *n, unsigned char b) {
    unsigned lo = 0, hi = n->nchild;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (CH(n)[mid]->prefix[0] < b) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Adds child c at idx to the node in *slot (which moves). */
static void child_insert(RaxNode **slot, unsigned idx, RaxNode *c) {
    RaxNode *n = vrealloc(*slot, node_size((*slot)->plen, (size_t)(*slot)->nchild + 1));
    RaxNode **ch = CH(n);
    memmove(ch + idx + 1, ch + idx, (size_t)(n->nchild - idx) * sizeof(RaxNode *));
    ch[idx] = c;
    n->nchild++;
    *slot = n;
}

/* Removes child idx of the node in *slot (which moves). */
static void child_remove(RaxNode **slot, unsigned idx) {
    RaxNode *n = *slot;
    RaxNode **ch = CH(n);
    memmove(ch + idx, ch + idx + 1, (size_t)(n->nchild - idx - 1) * sizeof(RaxNode *));
    n->nchild--;
    *slot = vrealloc(n, node_size(n->plen, n->nchild));
}

static size_t common_len(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen) {
    size_t m = alen < blen ? alen : blen, i = 0;
    while (i < m && a[i] == b[i]) i++;
    return i;
}

static int insert_generic(Rax *r, const unsigned char *key, size_t len, void *val, void **old,
                          int overwrite) {
    RaxNode **slot = &r->root;
    size_t pos = 0;
    for (;;) {
        RaxNode *n = *slot;
        if (pos == len) {
            if (n->has_val) {
                if (old) *old = n->val;
                if (overwrite) n->val = val;
                return 0;
            }
            n->has_val = 1;
            n->val = val;
            r->numele++;
            return 1;
        }
        unsigned idx = child_lb(n, key[pos]);
        if (idx == n->nchild || CH(n)[idx]->prefix[0] != key[pos]) {
            RaxNode *leaf = node_new(key + pos, len - pos);
            leaf->has_val = 1;
            leaf->val = val;
            child_insert(slot, idx, leaf);
            r->numele++;
            r->numnodes++;
            return 1;
        }
        RaxNode **cslot = &CH(n)[idx];
        RaxNode *c = *cslot;
        size_t common = common_len(c->prefix, c->plen, key + pos, len - pos);
        if (common == c->plen) {
            slot = cslot;
            pos += common;
            continue;
        }
        /* Split c's label at `common`: m takes the shared part, c keeps the rest. */
        RaxNode *rest = node_alloc(c->prefix + common, c->plen - common, c->nchild);
        rest->val = c->val;
        rest->has_val = c->has_val;
        memcpy(CH(rest), CH(c), (size_t)c->nchild * sizeof(RaxNode *));
        pos += common;
        RaxNode *m;
        if (pos == len) {
            m = node_alloc(c->prefix, common, 1);
            CH(m)[0] = rest;
            m->has_val = 1;
            m->val = val;
        } else {
            RaxNode *leaf = node_new(key + pos, len - pos);
            leaf->has_val = 1;
            leaf->val = val;
            m = node_alloc(c->prefix, common, 2);
            int first = key[pos] < rest->prefix[0];
            CH(m)[0] = first ? leaf : rest;
            CH(m)[1] = first ? rest : leaf;
            r->numnodes++;
        }
        vfree(c);
        *cslot = m;
        r->numnodes++;
        r->numele++;
        return 1;
    }
}

int rax_insert(Rax *r, const unsigned char *key, size_t len, void *val, void **old) {
    return insert_generic(r, key, len, val, old, 1);
}

int rax_try_insert(Rax *r, const unsigned char *key, size_t len, void *val, void **old) {
    return insert_generic(r, key, len, val, old, 0);
}

int rax_find(const Rax *r, const unsigned char *key, size_t len, void **val) {
    const RaxNode *n = r->root;
    size_t pos = 0;
    while (pos < len) {
        unsigned idx = child_lb(n, key[pos]);
        if (idx == n->nchild) return 0;
        const RaxNode *c = CH(n)[idx];
        if (c->prefix[0] != key[pos] || c->plen > len - pos ||
            memcmp(c->prefix, key + pos, c->plen) != 0)
            return 0;
        pos += c->plen;
        n = c;
    }
    if (!n->has_val) return 0;
    if (val) *val = n->val;
    return 1;
}

/* Replaces the node in *slot, which has no value and exactly one child, by one
 * node carrying both labels and the child's value and children. */
static void merge_with_child(Rax *r, RaxNode **slot) {
    RaxNode *p = *slot, *c = CH(p)[0];
    RaxNode *m = node_alloc(p->prefix, (size_t)p->plen + c->plen, c->nchild);
    memcpy(m->prefix + p->plen, c->prefix, c->plen);
    m->val = c->val;
    m->has_val = c->has_val;
    memcpy(CH(m), CH(c), (size_t)c->nchild * sizeof(RaxNode *));
    node_free(p);
    node_free(c);
    *slot = m;
    r->numnodes--;
}

int rax_remove(Rax *r, const unsigned char *key, size_t len, void **old) {
    /* Slots of the nodes on the path, the root's first. */
    RaxNode **local[32];
    RaxNode ***path = local;
    size_t depth = 0, cap = 32;
    RaxNode **slot = &r->root;
    size_t pos = 0;
    int found = 0;
    path[depth++] = slot;
    for (;;) {
        RaxNode *n = *slot;
        if (pos == len) {
            found = n->has_val;
            break;
        }
        unsigned idx = child_lb(n, key[pos]);
        if (idx == n->nchild) break;
        RaxNode *c = CH(n)[idx];
        if (c->prefix[0] != key[pos] || c->plen > len - pos || memcmp(c->prefix, key + pos, c->plen) != 0)
            break;
        pos += c->plen;
        slot = &CH(n)[idx];
        if (depth == cap) {
            RaxNode ***bigger = vmalloc(cap * 2 * sizeof(*bigger));
            memcpy(bigger, path, cap * sizeof(*bigger));
            if (path != local) vfree(path);
            path = bigger;
            cap *= 2;
        }
        path[depth++] = slot;
    }
    if (found) {
        RaxNode *n = *slot;
        if (old) *old = n->val;
        n->val = NULL;
        n->has_val = 0;
        r->numele--;
        if (depth > 1) {
            if (n->nchild == 0) {
                RaxNode **pslot = path[depth - 2];
                unsigned idx = (unsigned)(slot - CH(*pslot));
                node_free(n);
                r->numnodes--;
                child_remove(pslot, idx);
                RaxNode *p = *pslot;
                if (depth > 2 && !p->has_val && p->nchild == 1) merge_with_child(r, pslot);
            } else if (n->nchild == 1) {
                merge_with_child(r, slot);
            }
        }
    }
    if (path != local) vfree(path);
    return found;
}

/* ---- iteration ---- */

static void it_reserve(RaxIter *it, size_t need) {
    if (need <= it->key_cap) return;
    size_t cap = it->key_cap * 2;
    if (cap < need) cap = need;
    if (it->key == it->keybuf) {
        unsigned char *k = vmalloc(cap);
        memcpy(k, it->key, it->key_len);
        it->key = k;
    } else {
        it->key = vrealloc(it->key, cap);
    }
    it->key_cap = cap;
}

static void it_push(RaxIter *it, const RaxNode *n) {
    it_reserve(it, it->key_len + n->plen);
    memcpy(it->key + it->key_len, n->prefix, n->plen);
    it->key_len += n->plen;
}

/* The smallest key in the subtree of n (whose key is in it->key), appended. */
static RaxNode *min_node(RaxIter *it, RaxNode *n) {
    while (!n->has_val) {
        if (n->nchild == 0) return NULL; /* only an empty root */
        n = CH(n)[0];
        it_push(it, n);
    }
    return n;
}

static RaxNode *max_node(RaxIter *it, RaxNode *n) {
    while (n->nchild) {
        n = CH(n)[n->nchild - 1];
        it_push(it, n);
    }
    return n->has_val ? n : NULL;
}

typedef struct Frame {
    RaxNode *n;
    size_t key_len; /* it->key_len while at n */
    unsigned idx;   /* index of the child descended into */
} Frame;

typedef struct FrameStack {
    Frame local[32];
    Frame *f;
    size_t n, cap;
} FrameStack;

static void fs_init(FrameStack *fs) {
    fs->f = fs->local;
    fs->n = 0;
    fs->cap = 32;
}

static void fs_push(FrameStack *fs, RaxNode *n, size_t key_len, unsigned idx) {
    if (fs->n == fs->cap) {
        Frame *bigger = vmalloc(fs->cap * 2 * sizeof(Frame));
        memcpy(bigger, fs->f, fs->cap * sizeof(Frame));
        if (fs->f != fs->local) vfree(fs->f);
        fs->f = bigger;
        fs->cap *= 2;
    }
    fs->f[fs->n++] = (Frame){n, key_len, idx};
}

static void fs_free(FrameStack *fs) {
    if (fs->f != fs->local) vfree(fs->f);
}

/* The smallest key > k (strict) or >= k; its key lands in it->key. */
static RaxNode *find_ge(RaxIter *it, const unsigned char *k, size_t klen, int strict) {
    FrameStack fs;
    fs_init(&fs);
    RaxNode *n = it->rt->root, *res = NULL;
    size_t pos = 0;
    unsigned next;
    it->key_len = 0;
    for (;;) {
        if (pos == klen) {
            if (n->has_val && !strict) {
                res = n;
                goto done;
            }
            next = 0;
            break;
        }
        unsigned idx = child_lb(n, k[pos]);
        if (idx < n->nchild && CH(n)[idx]->prefix[0] == k[pos]) {
            RaxNode *c = CH(n)[idx];
            size_t rem = klen - pos, m = c->plen < rem ? c->plen : rem;
            int cmp = memcmp(c->prefix, k + pos, m);
            if (cmp > 0 || (cmp == 0 && c->plen > rem)) {
                it_push(it, c);
                res = min_node(it, c);
                goto done;
            }
            if (cmp == 0) {
                fs_push(&fs, n, it->key_len, idx);
                it_push(it, c);
                n = c;
                pos += c->plen;
                continue;
            }
            idx++;
        }
        next = idx;
        break;
    }
    for (;;) {
        if (next < n->nchild) {
            it_push(it, CH(n)[next]);
            res = min_node(it, CH(n)[next]);
            goto done;
        }
        if (fs.n == 0) break;
        Frame f = fs.f[--fs.n];
        n = f.n;
        it->key_len = f.key_len;
        next = f.idx + 1;
    }
done:
    fs_free(&fs);
    return res;
}

/* The largest key < k (strict) or <= k. */
static RaxNode *find_le(RaxIter *it, const unsigned char *k, size_t klen, int strict) {
    FrameStack fs;
    fs_init(&fs);
    RaxNode *n = it->rt->root, *res = NULL;
    size_t pos = 0;
    unsigned below; /* children [0, below) are all smaller than k */
    it->key_len = 0;
    for (;;) {
        if (pos == klen) {
            if (n->has_val && !strict) {
                res = n;
                goto done;
            }
            goto up; /* n's children are all greater, n itself is excluded */
        }
        unsigned idx = child_lb(n, k[pos]);
        below = idx;
        if (idx < n->nchild && CH(n)[idx]->prefix[0] == k[pos]) {
            RaxNode *c = CH(n)[idx];
            size_t rem = klen - pos, m = c->plen < rem ? c->plen : rem;
            int cmp = memcmp(c->prefix, k + pos, m);
            if (cmp < 0) {
                it_push(it, c);
                res = max_node(it, c);
                goto done;
            }
            if (cmp == 0 && c->plen <= rem) {
                fs_push(&fs, n, it->key_len, idx);
                it_push(it, c);
                n = c;
                pos += c->plen;
                continue;
            }
        }
        break;
    }
    for (;;) {
        if (below > 0) {
            it_push(it, CH(n)[below - 1]);
            res = max_node(it, CH(n)[below - 1]);
            goto done;
        }
        if (n->has_val) { /* n's key is a proper prefix of k */
            res = n;
            goto done;
        }
    up:
        if (fs.n == 0) break;
        Frame f = fs.f[--fs.n];
        n = f.n;
        it->key_len = f.key_len;
        below = f.idx;
    }
done:
    fs_free(&fs);
    return res;
}

void rax_start(RaxIter *it, Rax *r) {
    it->rt = r;
    it->key = it->keybuf;
    it->key_len = 0;
    it->key_cap = sizeof(it->keybuf);
    it->data = NULL;
    it->eof = 1;
    it->just_seeked = 0;
}

static void it_set(RaxIter *it, RaxNode *n) {
    if (n) {
        it->data = n->val;
        it->eof = 0;
    } else {
        it->data = NULL;
        it->key_len = 0;
        it->eof = 1;
    }
}

int rax_seek(RaxIter *it, const char *op, const unsigned char *key, size_t len) {
    RaxNode *n;
    it->just_seeked = 1;
    if (op[0] == '^' && op[1] == 0) {
        n = find_ge(it, NULL, 0, 0);
    } else if (op[0] == '$' && op[1] == 0) {
        it->key_len = 0;
        n = max_node(it, it->rt->root);
    } else if (op[0] == '=' && op[1] == 0) {
        void *v;
        if (rax_find(it->rt, key, len, &v)) {
            it_reserve(it, len);
            memcpy(it->key, key, len);
            it->key_len = len;
            it->data = v;
            it->eof = 0;
            return 1;
        }
        n = NULL;
    } else if (op[0] == '>' && (op[1] == 0 || (op[1] == '=' && op[2] == 0))) {
        n = find_ge(it, key, len, op[1] == 0);
    } else if (op[0] == '<' && (op[1] == 0 || (op[1] == '=' && op[2] == 0))) {
        n = find_le(it, key, len, op[1] == 0);
    } else {
        it->eof = 1;
        it->just_seeked = 0;
        return 0;
    }
    it_set(it, n);
    return 1;
}

/* Steps past the current key in one direction. The search key is a copy, since
 * the search rebuilds it->key. */
static int it_step(RaxIter *it, int forward) {
    if (it->eof) return 0;
    if (it->just_seeked) {
        it->just_seeked = 0;
        return 1;
    }
    unsigned char local[64];
    unsigned char *k = it->key_len <= sizeof(local) ? local : vmalloc(it->key_len);
    size_t klen = it->key_len;
    memcpy(k, it->key, klen);
    RaxNode *n = forward ? find_ge(it, k, klen, 1) : find_le(it, k, klen, 1);
    if (k != local) vfree(k);
    it_set(it, n);
    return !it->eof;
}

int rax_next(RaxIter *it) { return it_step(it, 1); }
int rax_prev(RaxIter *it) { return it_step(it, 0); }
int rax_eof(const RaxIter *it) { return it->eof; }

int rax_compare(const RaxIter *it, const char *op, const unsigned char *key, size_t len) {
    if (it->eof) return 0;
    size_t m = it->key_len < len ? it->key_len : len;
    int cmp = memcmp(it->key, key, m);
    if (cmp == 0) cmp = it->key_len < len ? -1 : (it->key_len > len ? 1 : 0);
    if (op[0] == '=' && op[1] == '=') return cmp == 0;
    if (op[0] == '>') return op[1] == '=' ? cmp >= 0 : cmp > 0;
    if (op[0] == '<') return op[1] == '=' ? cmp <= 0 : cmp < 0;
    return 0;
}

void rax_stop(RaxIter *it) {
    if (it->key != it->keybuf) vfree(it->key);
    it->key = it->keybuf;
    it->key_cap = sizeof(it->keybuf);
    it->key_len = 0;
}
