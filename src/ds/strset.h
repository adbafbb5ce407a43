/* strset.h - a set of binary strings on base/ht: the "hashtable" encoding of a Redis
 * set. Each member is one allocation (length prefix + bytes). See strset.c. */
#ifndef VESPER_STRSET_H
#define VESPER_STRSET_H
#include <stddef.h>
#include "../base/ht.h"

typedef struct Strset Strset;
/* One member, owned by its set; valid until removed (or popped and freed). */
typedef struct StrsetEntry StrsetEntry;

Strset *strset_create(void);
void strset_free(Strset *s);                 /* frees every member; NULL is ignored */
Strset *strset_dup(const Strset *s);         /* deep copy, O(n) */
void strset_expand(Strset *s, size_t n);     /* presize for n members */
size_t strset_size(const Strset *s);
/* Bytes allocated for the set. samples == 0 (or >= size) counts every member, O(n);
 * otherwise the first `samples` members' average is extrapolated (MEMORY USAGE). */
size_t strset_mem_usage(const Strset *s, size_t samples);

/* Adds a copy of the bytes: 1 if added, 0 if already present. O(1). */
int strset_add(Strset *s, const void *member, size_t len);
/* Removes a member: 1 if removed, 0 if absent. O(1). */
int strset_remove(Strset *s, const void *member, size_t len);
int strset_contains(Strset *s, const void *member, size_t len);
/* The member's entry, or NULL. */
const StrsetEntry *strset_find(Strset *s, const void *member, size_t len);

/* A random member, every member equally likely (rejection sampling over the
 * bucket chains; see strset.c), NULL if empty. */
const StrsetEntry *strset_random(Strset *s);
/* Removes a random member (as strset_random picks it) and hands it over: read it,
 * then strset_entry_free() it. NULL if empty (SPOP). */
StrsetEntry *strset_pop_random(Strset *s);
/* Starts shrinking the table when it became mostly empty (after removals; never
 * while a safe iterator runs). */
void strset_shrink(Strset *s);
void strset_entry_free(StrsetEntry *e);

/* The member's bytes (not NUL-terminated) and their count in *len. */
const char *strset_entry_bytes(const StrsetEntry *e, size_t *len);

/* Iteration in table order. A safe iterator allows strset_remove (of the current
 * member or others) and strset_add while it runs (an added member may or may not be
 * returned); an unsafe one allows no change. Always end with strset_iter_done. */
typedef struct StrsetIter {
    HtIter ht_it;
} StrsetIter;
void strset_iter_init(StrsetIter *it, Strset *s, int safe);
const StrsetEntry *strset_iter_next(StrsetIter *it);   /* NULL at the end */
void strset_iter_done(StrsetIter *it);

/* SSCAN: calls fn for the members under the cursor, returns the next cursor
 * (0 = done). A member present during the whole scan is reported at least once. */
typedef void (*StrsetScanFn)(void *privdata, const StrsetEntry *e);
unsigned long strset_scan(Strset *s, unsigned long cursor, StrsetScanFn fn, void *privdata);

/* Active defragmentation (vmalloc_defrag): moves the entries of the buckets under
 * cursor, returns the next cursor (0 = done; a walk covers every entry present
 * throughout). strset_defrag_struct moves the set's own headers: the new address
 * or NULL. */
unsigned long strset_defrag_step(Strset *s, unsigned long cursor);
Strset *strset_defrag_struct(Strset *s);

#endif
