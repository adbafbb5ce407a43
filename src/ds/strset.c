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
 * table plus the entry); random O(1) expected; dup and mem_usage O(n). */
#include "strset.h"
#include "../base/alloc.h"
#include "../base/util.h"
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

const StrsetEntry *strset_random(Strset *s) { return ht_random(s->ht); }

StrsetEntry *strset_pop_random(Strset *s) {
    StrsetEntry *e = ht_random(s->ht);
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
