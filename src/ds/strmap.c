/* strmap.c - map of binary strings to binary strings: base/ht holding one
 * allocation per pair.
 *
 * Pair layout: a header with both lengths, then the field bytes, then the value
 * bytes (no terminators):
 *     short form (field < 255 bytes, value <= 255 bytes):
 *         uint8 flen, uint8 vlen, field, value          (2 bytes of overhead)
 *     long form:
 *         0xff, uint64 flen, uint64 vlen (host order, unaligned), field, value
 * The table stores the pair pointers and reads the field through entry_key(), so
 * a pair costs its allocation (a 10-byte field with a 10-byte value fits jemalloc's
 * 32-byte class) plus about 14 bytes of table: Redis spends a dict entry and two
 * sds strings (about 80 bytes) on the same pair.
 *
 * Invariants: no two pairs hold the same field; every pair in the table is owned by
 * the map and freed by the table's entry_free; a value change keeps the pair in its
 * table slot (the pointer in the slot is updated when the pair moves).
 *
 * Costs: set, add, find, delete O(1) expected: one hash and usually one cache line
 * of table plus the pair (a new field hashes twice: the lookup, then the insert);
 * random O(1) expected (rejection sampling over bucket chains, see strmap_random);
 * dup and mem_usage O(n). */
#include "strmap.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <string.h>

#define LONG_MARK 0xff
#define SHORT_HDR 2
#define LONG_HDR (1 + 2 * sizeof(uint64_t))
/* strmap_random assumes no bucket chain holds more pairs than this. */
#define FAIR_CAP 24
#define RANDOM_TRIES 1000

struct StrmapEntry {
    unsigned char h[1];
};

struct Strmap {
    Ht *ht;
};

/* ---- pairs ---- */

static inline int needs_long(size_t flen, size_t vlen) { return flen >= LONG_MARK || vlen > 0xff; }
static inline int is_long(const StrmapEntry *e) { return e->h[0] == LONG_MARK; }
static inline size_t hdr_size(int long_form) { return long_form ? LONG_HDR : SHORT_HDR; }

static inline size_t load_u64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return (size_t)v;
}

static inline void store_u64(unsigned char *p, size_t n) {
    uint64_t v = n;
    memcpy(p, &v, sizeof(v));
}

static inline size_t entry_flen(const StrmapEntry *e) { return is_long(e) ? load_u64(e->h + 1) : e->h[0]; }
static inline size_t entry_vlen(const StrmapEntry *e) { return is_long(e) ? load_u64(e->h + 9) : e->h[1]; }

static const char *entry_field(const StrmapEntry *e, size_t *len) {
    if (!is_long(e)) {
        *len = e->h[0];
        return (const char *)e->h + SHORT_HDR;
    }
    *len = load_u64(e->h + 1);
    return (const char *)e->h + LONG_HDR;
}

static size_t entry_size(const StrmapEntry *e) {
    return hdr_size(is_long(e)) + entry_flen(e) + entry_vlen(e);
}

static void write_header(StrmapEntry *e, int long_form, size_t flen, size_t vlen) {
    if (long_form) {
        e->h[0] = LONG_MARK;
        store_u64(e->h + 1, flen);
        store_u64(e->h + 9, vlen);
    } else {
        e->h[0] = (unsigned char)flen;
        e->h[1] = (unsigned char)vlen;
    }
}

static StrmapEntry *entry_new(const void *field, size_t flen, const void *val, size_t vlen) {
    int lf = needs_long(flen, vlen);
    size_t hdr = hdr_size(lf);
    StrmapEntry *e = vmalloc(hdr + flen + vlen);
    write_header(e, lf, flen, vlen);
    if (flen) memcpy(e->h + hdr, field, flen);
    if (vlen) memcpy(e->h + hdr + flen, val, vlen);
    return e;
}

/* Gives the pair a new value; returns the pair's (possibly new) address. The same
 * header form is resized in place (realloc), a change of form builds a new pair. */
static StrmapEntry *entry_set_value(StrmapEntry *e, const void *val, size_t vlen) {
    size_t flen;
    const char *f = entry_field(e, &flen);
    int lf = is_long(e);
    if (lf != needs_long(flen, vlen)) {
        StrmapEntry *n = entry_new(f, flen, val, vlen);
        vfree(e);
        return n;
    }
    size_t hdr = hdr_size(lf);
    if (vlen != entry_vlen(e)) {
        e = vrealloc(e, hdr + flen + vlen);
        write_header(e, lf, flen, vlen);
    }
    if (vlen) memcpy(e->h + hdr + flen, val, vlen);
    return e;
}

static uint64_t entry_hash(const void *key, size_t len) { return hash_bytes(key, len); }
static const void *entry_key(const void *entry, size_t *len) { return entry_field(entry, len); }
static void entry_free(void *entry) { vfree(entry); }

static const HtType strmap_ht_type = {entry_hash, entry_key, NULL, entry_free};

const char *strmap_entry_field(const StrmapEntry *e, size_t *len) { return entry_field(e, len); }

const char *strmap_entry_value(const StrmapEntry *e, size_t *len) {
    size_t flen;
    const char *f = entry_field(e, &flen);
    *len = entry_vlen(e);
    return f + flen;
}

size_t strmap_entry_mem(const StrmapEntry *e) { return vmalloc_size((void *)e); }

/* ---- the map ---- */

Strmap *strmap_create(void) {
    Strmap *m = vmalloc(sizeof(*m));
    m->ht = ht_create(&strmap_ht_type);
    return m;
}

void strmap_free(Strmap *m) {
    if (!m) return;
    ht_release(m->ht);
    vfree(m);
}

Strmap *strmap_dup(const Strmap *m) {
    Strmap *d = strmap_create();
    strmap_expand(d, strmap_size(m));
    HtIter it;
    ht_iter_init(&it, m->ht, 0);
    const StrmapEntry *e;
    while ((e = ht_iter_next(&it))) {
        size_t n = entry_size(e);
        StrmapEntry *copy = vmalloc(n);
        memcpy(copy, e, n);
        ht_add(d->ht, copy);
    }
    ht_iter_done(&it);
    return d;
}

void strmap_expand(Strmap *m, size_t n) {
    if (n) ht_expand(m->ht, n);
}

size_t strmap_size(const Strmap *m) { return ht_size(m->ht); }

size_t strmap_mem_usage(const Strmap *m, size_t samples) {
    size_t fixed = vmalloc_size((void *)m) + ht_mem_usage(m->ht);
    size_t bytes = 0, seen = 0, n = ht_size(m->ht);
    HtIter it;
    ht_iter_init(&it, m->ht, 0);
    void *e;
    while ((samples == 0 || seen < samples) && (e = ht_iter_next(&it))) {
        bytes += vmalloc_size(e);
        seen++;
    }
    ht_iter_done(&it);
    if (seen && seen < n) bytes = (size_t)((double)bytes / (double)seen * (double)n);
    return fixed + bytes;
}

/* ht_find_ref does not advance a rehash; writes do it here, as ht's own calls do. */
static inline void rehash_step(Ht *ht) {
    if (ht_is_rehashing(ht) && ht->pause_rehash == 0) ht_rehash_step(ht, 1);
}

int strmap_set(Strmap *m, const void *field, size_t flen, const void *val, size_t vlen) {
    rehash_step(m->ht);
    void **ref = ht_find_ref(m->ht, field, flen);
    if (ref) {
        *ref = entry_set_value(*ref, val, vlen);
        return 0;
    }
    ht_add(m->ht, entry_new(field, flen, val, vlen));
    return 1;
}

int strmap_add(Strmap *m, const void *field, size_t flen, const void *val, size_t vlen) {
    StrmapEntry *e = entry_new(field, flen, val, vlen);
    if (!ht_add_or_find(m->ht, e)) return 1;
    vfree(e);
    return 0;
}

const StrmapEntry *strmap_find(Strmap *m, const void *field, size_t flen) {
    return ht_find(m->ht, field, flen);
}

int strmap_delete(Strmap *m, const void *field, size_t flen) {
    if (!ht_delete(m->ht, field, flen)) return 0;
    if (m->ht->pause_rehash == 0) ht_shrink_if_needed(m->ht);
    return 1;
}

/* ---- uniform random pick ----
 * Rejection sampling: pick a bucket chain uniformly (among the live buckets of both
 * tables while rehashing), draw r in [0, cap) and return the chain's r-th pair when
 * it has one. Every pair then has probability 1/(buckets * cap) per draw, so the
 * pick is uniform as long as no chain holds more than cap pairs. cap is one bucket's
 * slots while the table has no overflow bucket, else FAIR_CAP. A very sparse table
 * falls back to ht_random after RANDOM_TRIES draws. */

static inline size_t buckets_of(const Ht *ht, int t) { return ht->exp[t] < 0 ? 0 : (size_t)1 << ht->exp[t]; }

static HtBucket *random_chain(Ht *ht) {
    if (!ht_is_rehashing(ht)) return &ht->tables[0][rand_u64() & (buckets_of(ht, 0) - 1)];
    size_t live0 = buckets_of(ht, 0) - (size_t)ht->rehash_idx;
    size_t r = (size_t)(rand_u64() % (live0 + buckets_of(ht, 1)));
    if (r < live0) return &ht->tables[0][(size_t)ht->rehash_idx + r];
    return &ht->tables[1][r - live0];
}

const StrmapEntry *strmap_random(Strmap *m) {
    Ht *ht = m->ht;
    if (ht_size(ht) == 0) return NULL;
    unsigned cap = ht->overflow_buckets ? FAIR_CAP : HT_BUCKET_SLOTS;
    void *found[FAIR_CAP];
    for (int tries = 0; tries < RANDOM_TRIES; tries++) {
        unsigned k = 0, total = 0;
        for (HtBucket *b = random_chain(ht); b; b = b->next) {
            for (int s = 0; s < HT_BUCKET_SLOTS; s++) {
                if (!(b->used & (1u << s))) continue;
                if (k < FAIR_CAP) found[k++] = b->slots[s];
                total++;
            }
        }
        if (total == 0) continue;
        if (total > cap) return found[rand_u64() % k];   /* an overlong chain: near uniform */
        uint64_t r = rand_u64() % cap;
        if (r < total) return found[r];
    }
    return ht_random(ht);
}

/* ---- iteration and scan ---- */

void strmap_iter_init(StrmapIter *it, Strmap *m, int safe) { ht_iter_init(&it->ht_it, m->ht, safe); }
const StrmapEntry *strmap_iter_next(StrmapIter *it) { return ht_iter_next(&it->ht_it); }
void strmap_iter_done(StrmapIter *it) { ht_iter_done(&it->ht_it); }

typedef struct ScanCtx {
    StrmapScanFn fn;
    void *privdata;
} ScanCtx;

static void scan_one(void *privdata, void *entry) {
    ScanCtx *ctx = privdata;
    ctx->fn(ctx->privdata, entry);
}

unsigned long strmap_scan(Strmap *m, unsigned long cursor, StrmapScanFn fn, void *privdata) {
    ScanCtx ctx = {fn, privdata};
    return ht_scan(m->ht, cursor, scan_one, &ctx);
}

/* ---- active defragmentation ---- */

static void *defrag_entry(void *privdata, void *entry) {
    (void)privdata;
    return vmalloc_defrag(entry);
}

unsigned long strmap_defrag_step(Strmap *s, unsigned long cursor) {
    return ht_scan_defrag(s->ht, cursor, defrag_entry, vmalloc_defrag, NULL);
}

Strmap *strmap_defrag_struct(Strmap *s) {
    Ht *h = vmalloc_defrag(s->ht);
    if (h) s->ht = h;
    return vmalloc_defrag(s);
}
