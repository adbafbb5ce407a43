/* quicklist.h - Redis 7.0's quicklist: the list type's encoding, a doubly linked
 * list of nodes that each hold a listpack (a PACKED node) or one large element
 * (a PLAIN node), with the inner nodes optionally LZF-compressed.
 *
 * Values go in as bytes; a value that is a canonical int64 in decimal is stored as
 * an integer inside packed nodes and read back as such (QlEntry.value NULL). */
#ifndef VESPER_QUICKLIST_H
#define VESPER_QUICKLIST_H
#include <stddef.h>
#include <stdio.h>
#include "listpack.h"

typedef struct Quicklist Quicklist;
typedef struct QlNode QlNode;

/* Ends, for push and pop. */
#define QL_HEAD 0
#define QL_TAIL 1
/* Iteration directions. */
#define QL_FORWARD 0  /* head to tail */
#define QL_BACKWARD 1 /* tail to head */

#define QL_DEFAULT_FILL (-2)       /* list-max-listpack-size: 8 KB nodes */
#define QL_DEFAULT_PACKED_THRESHOLD (1u << 30)

/* An iterator; lives wherever the caller puts it (no allocation). Between
 * ql_iter_init/ql_iter_at and ql_iter_release the list may change only through
 * ql_del_entry; any other change (insert, replace) resets the iterator, which must
 * then only be released. */
typedef struct QlIter {
    Quicklist *ql;
    QlNode *node;      /* current node; NULL when done */
    unsigned char *zi; /* current listpack entry; NULL before the first step in a node */
    long offset;       /* index of zi in its node; negative counts from the node's end */
    int direction;
} QlIter;

/* The element an iterator stands on. `value` is the string's bytes (inside the
 * node: valid until the list changes) with `sz` its length, or NULL for an integer
 * element, then held in `lval`. */
typedef struct QlEntry {
    Quicklist *ql;
    QlNode *node;
    unsigned char *zi; /* listpack entry (packed nodes) */
    const unsigned char *value;
    size_t sz;
    long long lval;
    long offset;
} QlEntry;

/* Create and free. fill is list-max-listpack-size: > 0 caps entries per node
 * (and nodes stay under 8 KB), -1..-5 caps node bytes at 4/8/16/32/64 KB; values
 * are clamped to -5..32767. compress is list-compress-depth: 0 compresses
 * nothing, N keeps N nodes at each end uncompressed (clamped to 0..65535). */
Quicklist *ql_create(int fill, int compress);
void ql_set_options(Quicklist *ql, int fill, int compress);
void ql_free(Quicklist *ql);
/* A deep copy (compressed nodes are copied compressed). */
Quicklist *ql_dup(const Quicklist *ql);
/* Active defragmentation (vmalloc_defrag): moves the data and headers of at most
 * budget nodes, resuming where the previous call stopped (the position survives node
 * deletions). Returns 1 when the walk reached the tail (the next call starts over),
 * else 0. ql_defrag_struct moves the Quicklist itself: the new address or NULL. */
int ql_defrag_step(Quicklist *ql, long budget);
Quicklist *ql_defrag_struct(Quicklist *ql);

/* Elements of this many bytes or more go in a plain node of their own (DEBUG
 * QUICKLIST-PACKED-THRESHOLD). Process-wide. 0 restores the default (1 GB);
 * returns 0 and changes nothing for a size above 4 GB - 1 MB. */
int ql_set_packed_threshold(size_t sz);
size_t ql_packed_threshold(void);

unsigned long ql_count(const Quicklist *ql); /* elements */
unsigned long ql_len(const Quicklist *ql);   /* nodes */
int ql_fill(const Quicklist *ql);
int ql_compress_depth(const Quicklist *ql);

/* Push a copy of value[0..sz). Return 1 when a new node was made at that end. */
int ql_push_head(Quicklist *ql, const void *value, size_t sz);
int ql_push_tail(Quicklist *ql, const void *value, size_t sz);
void ql_push(Quicklist *ql, const void *value, size_t sz, int where);

/* Pop from QL_HEAD or QL_TAIL; 0 when the list is empty. A string element is
 * passed to `saver`, whose result goes to *data (its length to *sz); an integer
 * element sets *data to NULL and *lval. ql_pop's saver is a vmalloc'd copy the
 * caller vfrees. Any out pointer may be NULL. */
typedef void *(*QlSaver)(const unsigned char *data, size_t sz);
int ql_pop_custom(Quicklist *ql, int where, void **data, size_t *sz, long long *lval, QlSaver saver);
int ql_pop(Quicklist *ql, int where, unsigned char **data, size_t *sz, long long *lval);

/* Building from RDB. ql_append_listpack takes ownership of a listpack (already
 * validated, non-empty) as a new tail node; returns 0, keeping nothing, when it
 * holds more than 65535 entries (no Redis writes that: treat as corrupt).
 * ql_append_plain_node takes ownership of a vmalloc'd buffer of sz bytes as one
 * element in a plain tail node. */
int ql_append_listpack(Quicklist *ql, unsigned char *lp);
void ql_append_plain_node(Quicklist *ql, unsigned char *data, size_t sz);

/* Iteration. ql_iter_init starts at the head (QL_FORWARD) or tail (QL_BACKWARD).
 * ql_iter_at starts at element idx (negative from the tail) and returns 0, with
 * nothing to release, when idx is out of range. ql_next fills `e` and returns 1,
 * or returns 0 at the end. ql_iter_release recompresses the current node. */
void ql_iter_init(Quicklist *ql, QlIter *it, int direction);
int ql_iter_at(Quicklist *ql, QlIter *it, int direction, long long idx);
int ql_next(QlIter *it, QlEntry *e);
void ql_iter_set_direction(QlIter *it, int direction);
void ql_iter_release(QlIter *it);
/* Element at idx into `e`, with `it` left on it (release it after); 0 when out
 * of range (nothing to release). */
int ql_entry_at(Quicklist *ql, long long idx, QlIter *it, QlEntry *e);

/* Visits up to count elements from index start (negative from the tail) towards
 * the tail (QL_FORWARD) or the head (QL_BACKWARD), passing each to fn as
 * lp_visit does (a plain node's element as its bytes); returns how many were
 * visited (0 when start is out of range). Compressed nodes are decompressed for
 * the walk and compressed back after it, as an iterator does. O(nodes to start
 * + elements visited); much cheaper per element than ql_next. fn must not
 * change the list. */
unsigned long ql_visit_range(Quicklist *ql, long long start, unsigned long count, int direction,
                             LpVisitor *fn, void *ctx);

/* Changes at an iterator's entry. ql_del_entry deletes e's element and keeps `it`
 * usable: the next ql_next returns the element after it in the iterator's
 * direction. Inserting and replacing reset `it`. */
void ql_del_entry(QlIter *it, QlEntry *e);
void ql_insert_before(QlIter *it, QlEntry *e, const void *value, size_t sz);
void ql_insert_after(QlIter *it, QlEntry *e, const void *value, size_t sz);
void ql_replace_entry(QlIter *it, QlEntry *e, const void *value, size_t sz);
/* Replaces element idx; 0 when out of range. */
int ql_replace_at_index(Quicklist *ql, long idx, const void *value, size_t sz);
/* Deletes `count` elements from index start (negative from the tail), fewer when
 * the list ends first; returns 1 when it deleted any. */
int ql_del_range(Quicklist *ql, long start, long count);
/* Moves the tail element to the head. */
void ql_rotate(Quicklist *ql);
/* 1 when e's element equals s[0..len) (an integer matches its decimal form). */
int ql_compare(const QlEntry *e, const unsigned char *s, size_t len);

/* Node inspection (RDB save, DEBUG OBJECT / QUICKLIST, MEMORY USAGE). `data` is
 * what the node stores: the listpack, the plain element, or when `compressed` the
 * LZF bytes (stored_sz of them) that decompress to sz bytes. */
typedef struct QlNodeInfo {
    unsigned int count;
    size_t sz;        /* uncompressed bytes */
    size_t stored_sz; /* bytes at data */
    const unsigned char *data;
    int plain;
    int compressed;
} QlNodeInfo;
const QlNode *ql_first_node(const Quicklist *ql);
const QlNode *ql_next_node(const QlNode *n);
void ql_node_info(const QlNode *n, QlNodeInfo *info);
/* Allocated bytes of the list: exact over all nodes when samples is 0, else
 * extrapolated from the first `samples` nodes. */
size_t ql_mem_usage(const Quicklist *ql, size_t samples);
/* Prints the list's nodes (and with full, their entries): DEBUG QUICKLIST. */
void ql_repr(FILE *out, Quicklist *ql, int full);

#endif
