/* strmap.h - a map from binary strings to binary strings on base/ht: the
 * "hashtable" encoding of a Redis hash. Each pair (field and value) is one
 * allocation. See strmap.c. */
#ifndef VESPER_STRMAP_H
#define VESPER_STRMAP_H
#include <stddef.h>
#include "../base/ht.h"

typedef struct Strmap Strmap;
/* One pair, owned by its map; valid until the field is removed, its value is
 * changed (strmap_set may move the pair), or the map is freed. */
typedef struct StrmapEntry StrmapEntry;

Strmap *strmap_create(void);
void strmap_free(Strmap *m);                 /* frees every pair; NULL is ignored */
Strmap *strmap_dup(const Strmap *m);         /* deep copy, O(n) */
void strmap_expand(Strmap *m, size_t n);     /* presize for n pairs */
size_t strmap_size(const Strmap *m);
/* Bytes allocated for the map. samples == 0 (or >= size) counts every pair, O(n);
 * otherwise the first `samples` pairs' average is extrapolated (MEMORY USAGE). */
size_t strmap_mem_usage(const Strmap *m, size_t samples);

/* Sets field to value (copies of both): 1 when the field was added, 0 when an
 * existing field's value was replaced. O(1) expected. */
int strmap_set(Strmap *m, const void *field, size_t flen, const void *val, size_t vlen);
/* Adds the pair only when the field is absent: 1 if added, 0 if it was present
 * (then nothing changes). O(1) expected. */
int strmap_add(Strmap *m, const void *field, size_t flen, const void *val, size_t vlen);
/* The field's pair, or NULL. */
const StrmapEntry *strmap_find(Strmap *m, const void *field, size_t flen);
/* Removes a field: 1 if removed, 0 if absent. Shrinks the table when it became
 * mostly empty. O(1) expected. */
int strmap_delete(Strmap *m, const void *field, size_t flen);

/* A pair picked uniformly at random (each pair equally likely, unless a bucket
 * chain holds more than 24 pairs), NULL if empty. O(1) expected for a table that
 * is not sparse. Uses the global generator (rand_u64). */
const StrmapEntry *strmap_random(Strmap *m);

/* The pair's field and value bytes (not NUL-terminated), their counts in *len. */
const char *strmap_entry_field(const StrmapEntry *e, size_t *len);
const char *strmap_entry_value(const StrmapEntry *e, size_t *len);
/* Bytes allocated for the pair. */
size_t strmap_entry_mem(const StrmapEntry *e);

/* Iteration in table order. A safe iterator allows strmap_delete (of the current
 * pair or others) while it runs; an unsafe one allows no change. Always end with
 * strmap_iter_done. */
typedef struct StrmapIter {
    HtIter ht_it;
} StrmapIter;
void strmap_iter_init(StrmapIter *it, Strmap *m, int safe);
const StrmapEntry *strmap_iter_next(StrmapIter *it);   /* NULL at the end */
void strmap_iter_done(StrmapIter *it);

/* HSCAN: calls fn for the pairs under the cursor, returns the next cursor
 * (0 = done). A pair present during the whole scan is reported at least once. */
typedef void (*StrmapScanFn)(void *privdata, const StrmapEntry *e);
unsigned long strmap_scan(Strmap *m, unsigned long cursor, StrmapScanFn fn, void *privdata);

/* Active defragmentation (vmalloc_defrag): moves the entries of the buckets under
 * cursor, returns the next cursor (0 = done; a walk covers every entry present
 * throughout). strmap_defrag_struct moves the set's own headers: the new address
 * or NULL. */
unsigned long strmap_defrag_step(Strmap *s, unsigned long cursor);
Strmap *strmap_defrag_struct(Strmap *s);

#endif
