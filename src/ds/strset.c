/* strset.c - set of binary strings: base/ht holding one allocation per member.
 *
 * Entry layout: a length prefix, then the bytes (no terminator):
 *     len < 255:  uint8 len, bytes                  (1 byte of overhead)
 *     otherwise:  0xff, uint64 len (host order, unaligned), bytes
 * The table stores the entry pointers and reads the key through entry_key(), so a
 * member costs its allocation (a 13-byte member fits jemalloc's 16-byte class) plus
 * about 14 bytes of table.
 *
 * Invariants: no two entries hold the same bytes; every entry in the table is owned
 * by the set and freed by the table's entry_free.
 *
 * Costs: add, remove, contains O(1) expected (one hash, usually one cache line of
 * table plus the entry); random O(1) expected (a few bucket visits, see
 * fair_random); dup and mem_usage O(n). */
#include "strset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <math.h>
#include <string.h>

#define LONG_MARK 0xff

struct StrsetEntry {
    unsigned char h[1];
};

struct Strset {
    Ht *ht;
};

static inline size_t prefix_len(size_t len) { return len < LONG_MARK ? 1 : 1 + sizeof(uint64_t); }

static const char *entry_bytes(const StrsetEntry *e, size_t *len) {
    if (e->h[0] != LONG_MARK) {
        *len = e->h[0];
        return (const char *)e->h + 1;
    }
    uint64_t n;
    memcpy(&n, e->h + 1, sizeof(n));
    *len = (size_t)n;
    return (const char *)e->h + 1 + sizeof(n);
}

static StrsetEntry *entry_new(const void *member, size_t len) {
    size_t pre = prefix_len(len);
    StrsetEntry *e = vmalloc(pre + len);
    if (pre == 1) {
        e->h[0] = (unsigned char)len;
    } else {
        uint64_t n = len;
        e->h[0] = LONG_MARK;
        memcpy(e->h + 1, &n, sizeof(n));
    }
    if (len) memcpy(e->h + pre, member, len);
    return e;
}

static uint64_t entry_hash(const void *key, size_t len) { return hash_bytes(key, len); }
static const void *entry_key(const void *entry, size_t *len) { return entry_bytes(entry, len); }
static void entry_free(void *entry) { vfree(entry); }

static const HtType strset_ht_type = {entry_hash, entry_key, NULL, entry_free};

Strset *strset_create(void) {
    Strset *s = vmalloc(sizeof(*s));
    s->ht = ht_create(&strset_ht_type);
    return s;
}

void strset_free(Strset *s) {
    if (!s) return;
    ht_release(s->ht);
    vfree(s);
}

Strset *strset_dup(const Strset *s) {
    Strset *d = strset_create();
    strset_expand(d, strset_size(s));
    HtIter it;
    ht_iter_init(&it, s->ht, 0);
    const StrsetEntry *e;
    while ((e = ht_iter_next(&it))) {
        size_t len;
        const char *p = entry_bytes(e, &len);
        ht_add(d->ht, entry_new(p, len));
    }
    ht_iter_done(&it);
    return d;
}

void strset_expand(Strset *s, size_t n) {
    if (n) ht_expand(s->ht, n);
}

size_t strset_size(const Strset *s) { return ht_size(s->ht); }

size_t strset_mem_usage(const Strset *s, size_t samples) {
    size_t fixed = vmalloc_size((void *)s) + ht_mem_usage(s->ht);
    size_t bytes = 0, seen = 0, n = ht_size(s->ht);
    HtIter it;
    ht_iter_init(&it, s->ht, 0);
    void *e;
    while ((samples == 0 || seen < samples) && (e = ht_iter_next(&it))) {
        bytes += vmalloc_size(e);
        seen++;
    }
    ht_iter_done(&it);
    if (seen && seen < n) bytes = (size_t)((double)bytes / (double)seen * (double)n);
    return fixed + bytes;
}

/* Allocates first: one hash and one probe for a new member (the common case in
 * bulk loads), at the price of a malloc/free pair for a member already present. */
int strset_add(Strset *s, const void *member, size_t len) {
    StrsetEntry *e = entry_new(member, len);
    if (!ht_add_or_find(s->ht, e)) return 1;
    vfree(e);
    return 0;
}

int strset_remove(Strset *s, const void *member, size_t len) { return ht_delete(s->ht, member, len); }

int strset_contains(Strset *s, const void *member, size_t len) { return ht_find(s->ht, member, len) != NULL; }

const StrsetEntry *strset_find(Strset *s, const void *member, size_t len) {
    return ht_find(s->ht, member, len);
}

/* ---- fair random pick ----
 * A live bucket chain is chosen uniformly (during a rehash: the unmoved buckets of
 * the old table and every bucket of the new one), then a position in [0, span):
 * the pick is accepted when the chain holds an entry at that position. Every entry
 * of a chain no longer than span has the same chance per try, so picks are uniform;
 * span follows the average chain length (mean + 4 standard deviations + 4 of a
 * Poisson-filled table, at most the set's size), so longer chains are very rare, and such a chain is served
 * whole (its entries are picked a little less often, never not at all). Expected
 * tries: span / (entries per live bucket), 3 to 9 at the table's normal fill. */

#define FAIR_MAX_TRIES 1000

static size_t chain_len(const HtBucket *b) {
    size_t n = 0;
    for (; b; b = b->next) n += (size_t)__builtin_popcount(b->used);
    return n;
}

static void *chain_at(HtBucket *b, size_t pos) {
    for (; b; b = b->next)
        for (int s = 0; s < HT_BUCKET_SLOTS; s++)
            if ((b->used & (1u << s)) && pos-- == 0) return b->slots[s];
    return NULL;
}

/* A uniformly chosen live bucket chain. */
static HtBucket *random_chain(Ht *ht) {
    size_t n0 = (size_t)1 << ht->exp[0];
    if (!ht_is_rehashing(ht)) return &ht->tables[0][rand_u64() & (n0 - 1)];
    size_t left = n0 - (size_t)ht->rehash_idx, n1 = (size_t)1 << ht->exp[1];
    size_t r = (size_t)(rand_u64() % (left + n1));
    return r < left ? &ht->tables[0][(size_t)ht->rehash_idx + r] : &ht->tables[1][r - left];
}

static size_t fair_span(const Ht *ht) {
    size_t live = ((size_t)1 << ht->exp[0]) - (ht_is_rehashing(ht) ? (size_t)ht->rehash_idx : 0);
    if (ht_is_rehashing(ht)) live += (size_t)1 << ht->exp[1];
    double mean = (double)ht_size(ht) / (double)live;
    size_t span = (size_t)(mean + 4.0 * sqrt(mean)) + 4;
    return span < ht_size(ht) ? span : ht_size(ht);   /* no chain is longer than the set */
}

static void *fair_random(Ht *ht) {
    if (ht_size(ht) == 0) return NULL;
    if (ht_is_rehashing(ht) && ht->pause_rehash == 0) ht_rehash_step(ht, 1);
    size_t span = fair_span(ht);
    for (int tries = 0; tries < FAIR_MAX_TRIES; tries++) {
        HtBucket *b = random_chain(ht);
        size_t len = chain_len(b);
        size_t pos = (size_t)(rand_u64() % (len > span ? len : span));
        if (pos < len) return chain_at(b, pos);
    }
    return ht_random(ht);   /* a nearly empty table: any entry */
}

const StrsetEntry *strset_random(Strset *s) { return fair_random(s->ht); }

void strset_shrink(Strset *s) { ht_shrink_if_needed(s->ht); }

StrsetEntry *strset_pop_random(Strset *s) {
    StrsetEntry *e = fair_random(s->ht);
    if (!e) return NULL;
    size_t len;
    const char *p = entry_bytes(e, &len);
    return ht_pop(s->ht, p, len);
}

void strset_entry_free(StrsetEntry *e) { vfree(e); }

const char *strset_entry_bytes(const StrsetEntry *e, size_t *len) { return entry_bytes(e, len); }

void strset_iter_init(StrsetIter *it, Strset *s, int safe) { ht_iter_init(&it->ht_it, s->ht, safe); }
const StrsetEntry *strset_iter_next(StrsetIter *it) { return ht_iter_next(&it->ht_it); }
void strset_iter_done(StrsetIter *it) { ht_iter_done(&it->ht_it); }

typedef struct ScanCtx {
    StrsetScanFn fn;
    void *privdata;
} ScanCtx;

static void scan_one(void *privdata, void *entry) {
    ScanCtx *ctx = privdata;
    ctx->fn(ctx->privdata, entry);
}

unsigned long strset_scan(Strset *s, unsigned long cursor, StrsetScanFn fn, void *privdata) {
    ScanCtx ctx = {fn, privdata};
    return ht_scan(s->ht, cursor, scan_one, &ctx);
}

/* ---- active defragmentation ---- */

static void *defrag_entry(void *privdata, void *entry) {
    (void)privdata;
    return vmalloc_defrag(entry);
}

unsigned long strset_defrag_step(Strset *s, unsigned long cursor) {
    return ht_scan_defrag(s->ht, cursor, defrag_entry, vmalloc_defrag, NULL);
}

Strset *strset_defrag_struct(Strset *s) {
    Ht *h = vmalloc_defrag(s->ht);
    if (h) s->ht = h;
    return vmalloc_defrag(s);
}
