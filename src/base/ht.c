/* ht.c - hash table with cache-line buckets, overflow chains and incremental rehash.
 *
 * Each bucket is 64 bytes: a bitmap of used slots, one tag byte per slot (the top
 * byte of the entry's hash, so most failed compares never touch the entry), six
 * entry pointers and a pointer to an overflow bucket. An entry stays in the chain
 * of bucket (hash & mask) until a rehash moves it, which is what lets SCAN use the
 * reverse-binary cursor and guarantee that an entry present for the whole scan is
 * reported.
 *
 * Growth: when the table holds more than HT_MAX_FILL entries per bucket on average the
 * table doubles; entries move a few buckets at a time, on each write and from the
 * server's cron, so no single command pays for a resize. Lookups cost one hash and
 * usually one cache line; inserts and deletes the same plus an occasional overflow
 * bucket allocation. */
#include "ht.h"
#include "alloc.h"
#include "util.h"
#include <string.h>

#define HT_ALL_USED ((1u << HT_BUCKET_SLOTS) - 1)

static inline size_t nbuckets(int8_t exp) { return exp < 0 ? 0 : (size_t)1 << exp; }
static inline size_t mask_of(int8_t exp) { return exp < 0 ? 0 : ((size_t)1 << exp) - 1; }
static inline uint8_t tag_of(uint64_t h) { return (uint8_t)(h >> 56); }

/* Bucket arrays of 1 MB and more come from mmap so that the memory of a table
 * replaced by a rehash goes back to the system right away. */
#define HT_PAGES_THRESHOLD (1024 * 1024)

static HtBucket *table_alloc(size_t n) {
    size_t bytes = sizeof(HtBucket) * n;
    if (bytes >= HT_PAGES_THRESHOLD) return vmalloc_pages(bytes);
    return vcalloc(bytes);
}

static void table_free(HtBucket *t, size_t n) {
    size_t bytes = sizeof(HtBucket) * n;
    if (bytes >= HT_PAGES_THRESHOLD) vfree_pages(t, bytes);
    else vfree(t);
}

static inline uint64_t entry_hash(const Ht *ht, const void *entry) {
    size_t len;
    const void *k = ht->type->entry_key(entry, &len);
    return ht->type->hash(k, len);
}

static inline int key_matches(const Ht *ht, const void *entry, const void *key, size_t len) {
    size_t elen;
    const void *ek = ht->type->entry_key(entry, &elen);
    if (ht->type->key_eq) return ht->type->key_eq(ek, elen, key, len);
    return elen == len && memcmp(ek, key, len) == 0;
}

Ht *ht_create(const HtType *type) {
    Ht *ht = vcalloc(sizeof(*ht));
    ht->type = type;
    ht->exp[0] = ht->exp[1] = -1;
    ht->rehash_idx = -1;
    ht->resize_allowed = 1;
    return ht;
}

static void free_table(Ht *ht, int t, int free_entries) {
    size_t n = nbuckets(ht->exp[t]);
    for (size_t i = 0; i < n; i++) {
        HtBucket *b = &ht->tables[t][i];
        int first = 1;
        while (b) {
            HtBucket *next = b->next;
            if (free_entries && ht->type->entry_free) {
                for (int s = 0; s < HT_BUCKET_SLOTS; s++)
                    if (b->used & (1u << s)) ht->type->entry_free(b->slots[s]);
            }
            if (!first) { vfree(b); ht->overflow_buckets--; }
            first = 0;
            b = next;
        }
    }
    table_free(ht->tables[t], n);
    ht->tables[t] = NULL;
    ht->exp[t] = -1;
    ht->used[t] = 0;
}

void ht_clear(Ht *ht) {
    free_table(ht, 0, 1);
    free_table(ht, 1, 1);
    ht->rehash_idx = -1;
}

void ht_release(Ht *ht) {
    if (!ht) return;
    ht_clear(ht);
    vfree(ht);
}

size_t ht_size(const Ht *ht) { return ht->used[0] + ht->used[1]; }
int ht_is_rehashing(const Ht *ht) { return ht->rehash_idx != -1; }
size_t ht_buckets(const Ht *ht) { return nbuckets(ht->exp[0]) + nbuckets(ht->exp[1]); }

size_t ht_mem_usage(const Ht *ht) {
    return sizeof(*ht) + (ht_buckets(ht) + ht->overflow_buckets) * sizeof(HtBucket);
}

/* The largest bucket array a table may have: 2^HT_MAX_EXP buckets (64 GB). */
#define HT_MAX_EXP 30

static int8_t exp_for(size_t entries) {
    int8_t e = 2;
    while (e < HT_MAX_EXP && ((size_t)HT_MAX_FILL << e) < entries) e++;
    return e;
}

/* Starts a rehash into a table of 2^exp buckets (or just creates the first table). */
static void start_resize(Ht *ht, int8_t exp) {
    HtBucket *t = table_alloc(nbuckets(exp));
    if (ht->exp[0] < 0) {
        ht->tables[0] = t;
        ht->exp[0] = exp;
        return;
    }
    ht->tables[1] = t;
    ht->exp[1] = exp;
    ht->rehash_idx = 0;
}

int ht_expand(Ht *ht, size_t size) {
    if (ht_is_rehashing(ht)) return 0;
    int8_t e = exp_for(size);
    if (e == ht->exp[0]) return 0;
    if (ht->exp[0] >= 0 && size < ht->used[0]) return 0;
    start_resize(ht, e);
    return 1;
}

int ht_try_expand(Ht *ht, size_t size) {
    if (size / HT_MAX_FILL > ((size_t)1 << HT_MAX_EXP)) return -1;
    if (ht_is_rehashing(ht)) return 0;
    int8_t e = exp_for(size);
    if (e == ht->exp[0] || (ht->exp[0] >= 0 && size < ht->used[0])) return 0;
    size_t bytes = sizeof(HtBucket) * nbuckets(e);
    HtBucket *t = bytes >= HT_PAGES_THRESHOLD ? vmalloc_pages_try(bytes) : vcalloc(bytes);
    if (!t) return -1;
    if (ht->exp[0] < 0) {
        ht->tables[0] = t;
        ht->exp[0] = e;
    } else {
        ht->tables[1] = t;
        ht->exp[1] = e;
        ht->rehash_idx = 0;
    }
    return 1;
}

/* Puts an entry into table t without checking for duplicates. */
static void insert_raw(Ht *ht, int t, void *entry, uint64_t h) {
    HtBucket *b = &ht->tables[t][h & mask_of(ht->exp[t])];
    for (;;) {
        if (b->used != HT_ALL_USED) {
            int s = __builtin_ctz(~(unsigned)b->used);
            b->slots[s] = entry;
            b->tag[s] = tag_of(h);
            b->used |= (uint8_t)(1u << s);
            break;
        }
        if (!b->next) { b->next = vcalloc(sizeof(HtBucket)); ht->overflow_buckets++; }
        b = b->next;
    }
    ht->used[t]++;
}

static void finish_rehash(Ht *ht) {
    free_table(ht, 0, 0);
    ht->tables[0] = ht->tables[1];
    ht->exp[0] = ht->exp[1];
    ht->used[0] = ht->used[1];
    ht->tables[1] = NULL;
    ht->exp[1] = -1;
    ht->used[1] = 0;
    ht->rehash_idx = -1;
}

int ht_rehash_step(Ht *ht, int n) {
    if (!ht_is_rehashing(ht)) return 0;
    int empty_visits = n * 10;
    size_t total = nbuckets(ht->exp[0]);
    while (n-- && ht->used[0] != 0 && (size_t)ht->rehash_idx < total) {
        HtBucket *head = &ht->tables[0][ht->rehash_idx];
        while (head->used == 0 && !head->next) {
            ht->rehash_idx++;
            if ((size_t)ht->rehash_idx >= total || --empty_visits == 0) goto out;
            head = &ht->tables[0][ht->rehash_idx];
        }
        HtBucket *b = head;
        int first = 1;
        while (b) {
            HtBucket *next = b->next;
            for (int s = 0; s < HT_BUCKET_SLOTS; s++) {
                if (b->used & (1u << s)) {
                    void *e = b->slots[s];
                    insert_raw(ht, 1, e, entry_hash(ht, e));
                    ht->used[0]--;
                }
            }
            if (!first) { vfree(b); ht->overflow_buckets--; }
            first = 0;
            b = next;
        }
        memset(head, 0, sizeof(*head));
        ht->rehash_idx++;
    }
out:
    if (ht->used[0] == 0) {
        finish_rehash(ht);
        return 0;
    }
    return 1;
}

int ht_rehash_for_us(Ht *ht, long long us) {
    if (ht->pause_rehash) return 0;
    long long start = monotonic_us();
    int rounds = 0;
    while (ht_rehash_step(ht, 100)) {
        rounds += 100;
        if (monotonic_us() - start > us) break;
    }
    return rounds;
}

static inline void rehash_a_little(Ht *ht) {
    if (ht_is_rehashing(ht) && ht->pause_rehash == 0) ht_rehash_step(ht, 1);
}

static void grow_if_needed(Ht *ht) {
    if (ht_is_rehashing(ht)) return;
    if (ht->exp[0] < 0) {
        start_resize(ht, 2);
        return;
    }
    size_t nb = nbuckets(ht->exp[0]);
    if (ht->used[0] >= nb * HT_MAX_FILL && (ht->resize_allowed || ht->used[0] >= nb * HT_FORCE_FILL)) {
        if (ht->type->expand_allowed && (double)ht->used[0] <= (double)(nb * HT_MAX_FILL) * HT_SOFT_FILL_LIMIT &&
            !ht->type->expand_allowed(nb * 2 * sizeof(HtBucket)))
            return;
        start_resize(ht, (int8_t)(ht->exp[0] + 1));
    }
}

void ht_shrink_if_needed(Ht *ht) {
    if (ht_is_rehashing(ht) || ht->exp[0] <= 2 || !ht->resize_allowed) return;
    size_t nb = nbuckets(ht->exp[0]);
    if (ht->used[0] * 2 < nb) {
        int8_t e = exp_for(ht->used[0] ? ht->used[0] : 1);
        if (e < ht->exp[0]) start_resize(ht, e);
    }
}

/* Finds the slot holding key; sets *bucket and *slot. */
static void **find_slot(Ht *ht, const void *key, size_t len, uint64_t h, HtBucket **bucket_out, int *slot_out, int *table_out) {
    uint8_t tag = tag_of(h);
    for (int t = 0; t < 2; t++) {
        if (ht->exp[t] < 0) break;
        size_t idx = h & mask_of(ht->exp[t]);
        if (t == 0 && ht_is_rehashing(ht) && idx < (size_t)ht->rehash_idx) continue;
        for (HtBucket *b = &ht->tables[t][idx]; b; b = b->next) {
            unsigned used = b->used;
            while (used) {
                int s = __builtin_ctz(used);
                used &= used - 1;
                if (b->tag[s] == tag && key_matches(ht, b->slots[s], key, len)) {
                    if (bucket_out) *bucket_out = b;
                    if (slot_out) *slot_out = s;
                    if (table_out) *table_out = t;
                    return &b->slots[s];
                }
            }
        }
        if (!ht_is_rehashing(ht)) break;
    }
    return NULL;
}

void *ht_find(Ht *ht, const void *key, size_t len) {
    if (ht_size(ht) == 0) return NULL;
    rehash_a_little(ht);
    void **ref = find_slot(ht, key, len, ht->type->hash(key, len), NULL, NULL, NULL);
    return ref ? *ref : NULL;
}

void **ht_find_ref(Ht *ht, const void *key, size_t len) {
    if (ht_size(ht) == 0) return NULL;
    return find_slot(ht, key, len, ht->type->hash(key, len), NULL, NULL, NULL);
}

void *ht_add_or_find(Ht *ht, void *entry) {
    size_t len;
    const void *key = ht->type->entry_key(entry, &len);
    uint64_t h = ht->type->hash(key, len);
    rehash_a_little(ht);
    if (ht_size(ht)) {
        void **ref = find_slot(ht, key, len, h, NULL, NULL, NULL);
        if (ref) return *ref;
    }
    grow_if_needed(ht);
    insert_raw(ht, ht_is_rehashing(ht) ? 1 : 0, entry, h);
    return NULL;
}

int ht_add(Ht *ht, void *entry) { return ht_add_or_find(ht, entry) == NULL; }

/* Unlinks an empty overflow bucket from its chain when safe. */
static void compact_chain(Ht *ht, int t, uint64_t h) {
    if (ht->pause_rehash) return;
    HtBucket *prev = &ht->tables[t][h & mask_of(ht->exp[t])];
    HtBucket *b = prev->next;
    while (b) {
        if (b->used == 0) {
            prev->next = b->next;
            vfree(b);
            ht->overflow_buckets--;
            b = prev->next;
        } else {
            prev = b;
            b = b->next;
        }
    }
}

void *ht_pop(Ht *ht, const void *key, size_t len) {
    if (ht_size(ht) == 0) return NULL;
    rehash_a_little(ht);
    uint64_t h = ht->type->hash(key, len);
    HtBucket *b;
    int s, t;
    void **ref = find_slot(ht, key, len, h, &b, &s, &t);
    if (!ref) return NULL;
    void *e = *ref;
    b->used &= (uint8_t)~(1u << s);
    b->slots[s] = NULL;
    ht->used[t]--;
    if (b != &ht->tables[t][h & mask_of(ht->exp[t])]) compact_chain(ht, t, h);
    return e;
}

int ht_delete(Ht *ht, const void *key, size_t len) {
    void *e = ht_pop(ht, key, len);
    if (!e) return 0;
    if (ht->type->entry_free) ht->type->entry_free(e);
    return 1;
}

int ht_replace_entry(Ht *ht, const void *old_entry, void *new_entry) {
    size_t len;
    const void *key = ht->type->entry_key(old_entry, &len);
    uint64_t h = ht->type->hash(key, len);
    uint8_t tag = tag_of(h);
    for (int t = 0; t < 2; t++) {
        if (ht->exp[t] < 0) break;
        for (HtBucket *b = &ht->tables[t][h & mask_of(ht->exp[t])]; b; b = b->next) {
            for (int s = 0; s < HT_BUCKET_SLOTS; s++) {
                if ((b->used & (1u << s)) && b->tag[s] == tag && b->slots[s] == old_entry) {
                    b->slots[s] = new_entry;
                    return 1;
                }
            }
        }
    }
    return 0;
}

void *ht_random(Ht *ht) {
    if (ht_size(ht) == 0) return NULL;
    rehash_a_little(ht);
    void *found[64];
    for (int tries = 0; tries < 1000; tries++) {
        int t;
        size_t idx;
        if (ht_is_rehashing(ht)) {
            size_t n0 = nbuckets(ht->exp[0]), n1 = nbuckets(ht->exp[1]);
            size_t r = (size_t)(rand_u64() % (n0 - (size_t)ht->rehash_idx + n1));
            if (r < n0 - (size_t)ht->rehash_idx) { t = 0; idx = (size_t)ht->rehash_idx + r; }
            else { t = 1; idx = r - (n0 - (size_t)ht->rehash_idx); }
        } else {
            t = 0;
            idx = (size_t)(rand_u64() & mask_of(ht->exp[0]));
        }
        int n = 0;
        for (HtBucket *b = &ht->tables[t][idx]; b && n < 64; b = b->next)
            for (int s = 0; s < HT_BUCKET_SLOTS && n < 64; s++)
                if (b->used & (1u << s)) found[n++] = b->slots[s];
        if (n) return found[rand_u64() % (uint64_t)n];
    }
    /* very sparse table: walk from the start */
    HtIter it;
    ht_iter_init(&it, ht, 0);
    void *e = ht_iter_next(&it);
    ht_iter_done(&it);
    return e;
}

size_t ht_sample(Ht *ht, void **out, size_t count) {
    size_t size = ht_size(ht);
    if (size == 0 || count == 0) return 0;
    if (count > size) count = size;
    rehash_a_little(ht);
    int tables = ht_is_rehashing(ht) ? 2 : 1;
    size_t maxmask = mask_of(ht->exp[0]);
    if (tables == 2 && mask_of(ht->exp[1]) > maxmask) maxmask = mask_of(ht->exp[1]);
    size_t idx = (size_t)(rand_u64() & maxmask), n = 0, empty_run = 0;
    for (size_t steps = count * 10; n < count && steps > 0; steps--) {
        for (int t = 0; t < tables && n < count; t++) {
            /* buckets below rehash_idx in table 0 were moved to table 1 */
            if (tables == 2 && t == 0 && idx < (size_t)ht->rehash_idx) continue;
            if (idx > mask_of(ht->exp[t])) continue;
            /* the whole chain, then a uniform choice among its entries when it has
             * more than needed: taking the first slots would leave the entries of
             * overflow buckets (often the newest keys) nearly never sampled */
            void *chain[64];
            size_t m = 0;
            for (HtBucket *b = &ht->tables[t][idx]; b && m < 64; b = b->next)
                for (int s = 0; s < HT_BUCKET_SLOTS && m < 64; s++)
                    if (b->used & (1u << s)) chain[m++] = b->slots[s];
            int got = m > 0;
            for (size_t j = 0; j < m && n < count; j++) {
                size_t pick = j + (size_t)(rand_u64() % (m - j)); /* partial Fisher-Yates */
                void *tmp = chain[j];
                chain[j] = chain[pick];
                chain[pick] = tmp;
                out[n++] = chain[j];
            }
            /* a long empty stretch: jump elsewhere, as Redis does */
            if (!got && ++empty_run >= 5 && empty_run > count) {
                idx = (size_t)(rand_u64() & maxmask);
                empty_run = 0;
            } else if (got) empty_run = 0;
        }
        idx = (idx + 1) & maxmask;
    }
    if (n == 0) out[n++] = ht_random(ht); /* a sparse stretch: never come back empty */
    return n;
}

static void scan_bucket(HtBucket *b, HtScanFn fn, void *privdata) {
    for (; b; b = b->next)
        for (int s = 0; s < HT_BUCKET_SLOTS; s++)
            if (b->used & (1u << s)) fn(privdata, b->slots[s]);
}

static inline unsigned long rev_bits(unsigned long v) {
    unsigned long r = 0;
    for (unsigned i = 0; i < sizeof(v) * 8; i++) { r = (r << 1) | (v & 1); v >>= 1; }
    return r;
}

static inline unsigned long next_cursor(unsigned long v, unsigned long m) {
    v |= ~m;
    v = rev_bits(v);
    v++;
    return rev_bits(v);
}

unsigned long ht_scan(Ht *ht, unsigned long v, HtScanFn fn, void *privdata) {
    if (ht_size(ht) == 0) return 0;
    ht->pause_rehash++;
    if (!ht_is_rehashing(ht)) {
        unsigned long m0 = mask_of(ht->exp[0]);
        scan_bucket(&ht->tables[0][v & m0], fn, privdata);
        v = next_cursor(v, m0);
    } else {
        int small = ht->exp[0] <= ht->exp[1] ? 0 : 1, big = 1 - small;
        unsigned long m0 = mask_of(ht->exp[small]), m1 = mask_of(ht->exp[big]);
        scan_bucket(&ht->tables[small][v & m0], fn, privdata);
        do {
            scan_bucket(&ht->tables[big][v & m1], fn, privdata);
            v = next_cursor(v, m1);
        } while (v & (m0 ^ m1));
    }
    ht->pause_rehash--;
    return v;
}

/* Walks one chain: entries may be replaced through fn, overflow buckets moved
 * through move (the link to each is rewritten). */
static void defrag_chain(Ht *ht, HtBucket *b, HtDefragFn fn, void *(*move)(void *), void *privdata) {
    (void)ht;
    for (; b; b = b->next) {
        for (int s = 0; s < HT_BUCKET_SLOTS; s++) {
            if (!(b->used & (1u << s))) continue;
            void *n = fn(privdata, b->slots[s]);
            if (n) b->slots[s] = n;
        }
        if (move && b->next) {
            HtBucket *n = move(b->next);
            if (n) b->next = n;
        }
    }
}

unsigned long ht_scan_defrag(Ht *ht, unsigned long v, HtDefragFn fn, void *(*move)(void *), void *privdata) {
    if (ht_size(ht) == 0) return 0;
    ht->pause_rehash++;
    if (!ht_is_rehashing(ht)) {
        unsigned long m0 = mask_of(ht->exp[0]);
        defrag_chain(ht, &ht->tables[0][v & m0], fn, move, privdata);
        v = next_cursor(v, m0);
    } else {
        int small = ht->exp[0] <= ht->exp[1] ? 0 : 1, big = 1 - small;
        unsigned long m0 = mask_of(ht->exp[small]), m1 = mask_of(ht->exp[big]);
        defrag_chain(ht, &ht->tables[small][v & m0], fn, move, privdata);
        do {
            defrag_chain(ht, &ht->tables[big][v & m1], fn, move, privdata);
            v = next_cursor(v, m1);
        } while (v & (m0 ^ m1));
    }
    ht->pause_rehash--;
    return v;
}

void ht_iter_init(HtIter *it, Ht *ht, int safe) {
    it->ht = ht;
    it->table = 0;
    it->bucket = -1;
    it->b = NULL;
    it->slot = HT_BUCKET_SLOTS;
    it->safe = safe;
    if (safe) ht->pause_rehash++;
}

void *ht_iter_next(HtIter *it) {
    Ht *ht = it->ht;
    for (;;) {
        if (it->b) {
            while (++it->slot < HT_BUCKET_SLOTS)
                if (it->b->used & (1u << it->slot)) return it->b->slots[it->slot];
            it->b = it->b->next;
            it->slot = -1;
            if (it->b) continue;
        }
        it->bucket++;
        if ((size_t)it->bucket >= nbuckets(ht->exp[it->table])) {
            if (it->table == 0 && ht_is_rehashing(ht)) {
                it->table = 1;
                it->bucket = 0;
            } else {
                return NULL;
            }
            if (nbuckets(ht->exp[1]) == 0) return NULL;
        }
        it->b = &ht->tables[it->table][it->bucket];
        it->slot = -1;
    }
}

void ht_iter_done(HtIter *it) {
    if (it->safe) it->ht->pause_rehash--;
}
