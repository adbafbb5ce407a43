/* rax.h - an ordered map from byte-string keys to pointers, kept as a compressed
 * radix tree (a patricia trie): streams index their listpack nodes by 128-bit
 * big-endian IDs and their consumer groups, consumers and pending entries by name
 * or ID, all of which need ordered seeks and walks in both directions.
 *
 * Invariants: every node but the root has a non-empty edge label (its prefix);
 * the children of a node are sorted by the first byte of their labels, which are
 * pairwise distinct; a node without a value has at least two children unless it
 * is the root (chains are merged on removal). Keys compare as unsigned bytes,
 * a proper prefix sorting before its extensions (memcmp order, then length).
 *
 * Costs: find/insert/remove walk O(key length) nodes, each with a binary search
 * over at most 256 children. An iterator step is a fresh descent from the root
 * for the next key after the current one (O(key length)), so iterators stay
 * valid across changes to the tree: a step after an insertion or removal simply
 * continues from the key it last returned. */
#ifndef VESPER_RAX_H
#define VESPER_RAX_H
#include <stddef.h>
#include <stdint.h>

typedef struct RaxNode RaxNode;

typedef struct Rax {
    RaxNode *root;
    uint64_t numele;   /* keys stored */
    uint64_t numnodes; /* nodes allocated, the root included */
} Rax;

/* Create and free. rax_free_with calls free_cb(value) for each value (may be NULL). */
Rax *rax_new(void);
void rax_free(Rax *r);
void rax_free_with(Rax *r, void (*free_cb)(void *));
uint64_t rax_size(const Rax *r);
/* Bytes allocated by the tree's nodes (MEMORY USAGE), values excluded. */
size_t rax_mem_usage(const Rax *r);

/* The number of nodes Redis's own radix tree (rax.c) would use for the same keys,
 * for replies that show it (XINFO STREAM's radix-tree-nodes): Redis keeps a node
 * at every branch and key, splits a label below a branch into its first byte and
 * a compressed node for the rest, and keeps single-child chains compressed. O(nodes). */
uint64_t rax_redis_numnodes(const Rax *r);

/* rax_insert: sets key to val; returns 1 when the key is new, 0 when it existed
 * (its old value goes to *old when old is not NULL, and is replaced).
 * rax_try_insert: like rax_insert but leaves an existing key unchanged (returns 0,
 * *old gets its value). */
int rax_insert(Rax *r, const unsigned char *key, size_t len, void *val, void **old);
int rax_try_insert(Rax *r, const unsigned char *key, size_t len, void *val, void **old);
/* 1 and *val (when val is not NULL) set when key exists, else 0. */
int rax_find(const Rax *r, const unsigned char *key, size_t len, void **val);
/* Removes key: 1 and *old (when not NULL) set to its value, else 0. */
int rax_remove(Rax *r, const unsigned char *key, size_t len, void **old);

/* Iteration. After rax_start, rax_seek positions the iterator with an operator:
 * "^" the first key, "$" the last, "=" exactly key, ">" ">=" "<" "<=" relative to
 * key. The first rax_next or rax_prev after a seek returns the element sought
 * (when one exists); later calls move forward or backward. Each returns 1 with
 * it->key/key_len/data set, or 0 at the end (then rax_eof is 1). rax_seek returns
 * 0 only for an unknown operator. The key buffer belongs to the iterator; call
 * rax_stop to free it. rax_compare(it, op, key, len) tells whether the current
 * key satisfies op (">" ">=" "<" "<=" "==") against key; 0 at the end. */
typedef struct RaxIter {
    Rax *rt;
    unsigned char *key;
    size_t key_len;
    size_t key_cap;
    void *data;
    int eof;        /* no current element */
    int just_seeked;/* the next step returns the current element */
    unsigned char keybuf[32];
} RaxIter;

void rax_start(RaxIter *it, Rax *r);
int rax_seek(RaxIter *it, const char *op, const unsigned char *key, size_t len);
int rax_next(RaxIter *it);
int rax_prev(RaxIter *it);
int rax_eof(const RaxIter *it);
int rax_compare(const RaxIter *it, const char *op, const unsigned char *key, size_t len);
void rax_stop(RaxIter *it);

#endif
