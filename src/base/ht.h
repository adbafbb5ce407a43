/* ht.h - hash table of entry pointers, with cache-line buckets and incremental rehash.
 * The table stores void* entries; the key lives inside the entry and is reached
 * through the type's callbacks, so the table costs no memory per key beyond its
 * bucket slots. */
#ifndef VESPER_HT_H
#define VESPER_HT_H
#include <stddef.h>
#include <stdint.h>

typedef struct HtType {
    uint64_t (*hash)(const void *key, size_t len);
    /* The key of an entry. */
    const void *(*entry_key)(const void *entry, size_t *len);
    /* Key comparison; NULL means memcmp on equal lengths. */
    int (*key_eq)(const void *a, size_t alen, const void *b, size_t blen);
    /* Called when an entry leaves the table through ht_delete or ht_clear (not ht_pop). */
    void (*entry_free)(void *entry);
    /* Optional: asked before the table grows while it is not overfull (up to
     * HT_SOFT_FILL_LIMIT times the normal fill); more_bytes is what the new bucket
     * array takes. Returning 0 defers the growth (maxmemory: a resize must not
     * itself push memory over the limit, as Redis's dictExpandAllowed). */
    int (*expand_allowed)(size_t more_bytes);
} HtType;
#define HT_SOFT_FILL_LIMIT 1.618

#define HT_BUCKET_SLOTS 6
/* Growth: the table doubles when it holds HT_MAX_FILL entries per bucket on
 * average (chains then span about 1.7 buckets), or HT_FORCE_FILL while resizing is
 * disallowed (a child process is saving). */
#define HT_MAX_FILL 8
#define HT_FORCE_FILL 32

typedef struct HtBucket {
    uint8_t used;                      /* bit i set: slots[i] holds an entry */
    uint8_t tag[HT_BUCKET_SLOTS];      /* high byte of each entry's hash */
    uint8_t pad;
    void *slots[HT_BUCKET_SLOTS];
    struct HtBucket *next;             /* overflow chain */
} HtBucket;

typedef struct Ht {
    const HtType *type;
    HtBucket *tables[2];
    int8_t exp[2];                     /* log2 of bucket count, -1 when empty */
    long rehash_idx;                   /* -1 when not rehashing */
    size_t used[2];
    int pause_rehash;                  /* >0 while a safe iterator runs */
    int resize_allowed;
    size_t overflow_buckets;           /* allocated overflow buckets, for memory accounting */
} Ht;

Ht *ht_create(const HtType *type);
void ht_release(Ht *ht);
void ht_clear(Ht *ht);                 /* frees all entries */
size_t ht_size(const Ht *ht);
/* Lookup: returns the entry or NULL. */
void *ht_find(Ht *ht, const void *key, size_t len);
/* Returns the address of the slot holding the entry, for in-place replacement. */
void **ht_find_ref(Ht *ht, const void *key, size_t len);
/* Adds an entry whose key is not present. Returns 0 if the key already exists. */
int ht_add(Ht *ht, void *entry);
/* Adds the entry, or returns the existing one with the same key (and does not add). */
void *ht_add_or_find(Ht *ht, void *entry);
/* Removes the entry with this key; calls entry_free. Returns 1 if found. */
int ht_delete(Ht *ht, const void *key, size_t len);
/* Removes and returns the entry (no entry_free). */
void *ht_pop(Ht *ht, const void *key, size_t len);
/* Replace the entry stored for the same key (pointer swap, no free of the old one). */
int ht_replace_entry(Ht *ht, const void *old_entry, void *new_entry);
void *ht_random(Ht *ht);               /* fair-ish random entry, NULL if empty */
/* Up to count entries from a run of consecutive buckets starting at a random one
 * (Redis's dictGetSomeKeys: cheap, not uniform, entries may repeat across calls),
 * written to out; returns how many, at least 1 unless the table is empty. Visits
 * at most 10 * count buckets (then one ht_random when none held an entry). */
size_t ht_sample(Ht *ht, void **out, size_t count);
/* Scan: calls fn for entries of the buckets at cursor; returns next cursor (0 = done).
 * An entry present during the whole scan is returned at least once. */
typedef void (*HtScanFn)(void *privdata, void *entry);
unsigned long ht_scan(Ht *ht, unsigned long cursor, HtScanFn fn, void *privdata);
/* Active defragmentation: ht_scan's walk, where fn returns a new address for the
 * entry (the slot is rewritten; the entry's key must not change) or NULL to keep
 * it, and move (may be NULL) relocates overflow buckets (vmalloc_defrag). */
typedef void *(*HtDefragFn)(void *privdata, void *entry);
unsigned long ht_scan_defrag(Ht *ht, unsigned long cursor, HtDefragFn fn, void *(*move)(void *), void *privdata);
/* Do up to n bucket moves of incremental rehash; returns 1 if more remain. */
int ht_rehash_step(Ht *ht, int n);
int ht_rehash_for_us(Ht *ht, long long us);
int ht_is_rehashing(const Ht *ht);
size_t ht_buckets(const Ht *ht);
size_t ht_mem_usage(const Ht *ht);
/* Shrink if mostly empty. */
void ht_shrink_if_needed(Ht *ht);
int ht_expand(Ht *ht, size_t size);
/* Like ht_expand, but a size beyond the largest table (2^30 buckets) or a failed
 * allocation returns -1 and leaves the table as it was (DEBUG POPULATE's
 * "OOM in dictTryExpand"). 1 when a resize started, 0 when none was needed. */
int ht_try_expand(Ht *ht, size_t size);

/* Iterator. A safe iterator pauses rehashing so the table may be modified
 * (deleting the current entry is allowed). */
typedef struct HtIter {
    Ht *ht;
    int table;
    long bucket;
    HtBucket *b;
    int slot;
    int safe;
} HtIter;
void ht_iter_init(HtIter *it, Ht *ht, int safe);
void *ht_iter_next(HtIter *it);
void ht_iter_done(HtIter *it);

#endif
