/* intset.c - sorted set of integers in one blob (Redis's intset format).
 *
 * Layout (all little-endian, whatever the host):
 *     uint32 encoding   2, 4 or 8: the width of each value (int16, int32, int64)
 *     uint32 length     number of values
 *     length values     two's complement, `encoding` bytes each
 * Invariants: values strictly ascending (hence unique); the encoding is wide enough
 * for every value (it widens on demand and never narrows, so it may be wider than
 * needed); the allocation holds exactly the 8 + length * encoding blob bytes.
 *
 * Costs: find is a binary search, O(log n); add and remove move the tail and
 * realloc, O(n); a widening rewrites every value once, O(n). Memory is the blob
 * plus the allocator's rounding. */
#include "intset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <assert.h>
#include <string.h>

#define IS_HDR 8

struct Intset {
    unsigned char b[IS_HDR];   /* encoding, length; the values follow */
};

static inline uint32_t load_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_le32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Reads a value of width enc at p, sign-extended. */
static inline int64_t load_val(const unsigned char *p, uint32_t enc) {
    uint64_t u = 0;
    for (uint32_t i = 0; i < enc; i++) u |= (uint64_t)p[i] << (8 * i);
    if (enc < 8 && (u >> (8 * enc - 1)) & 1) u |= ~(uint64_t)0 << (8 * enc);
    return (int64_t)u;
}

static inline void store_val(unsigned char *p, uint32_t enc, int64_t v) {
    uint64_t u = (uint64_t)v;
    for (uint32_t i = 0; i < enc; i++) p[i] = (unsigned char)(u >> (8 * i));
}

static inline uint32_t enc_of(const Intset *is) { return load_le32(is->b); }
static inline uint32_t len_of(const Intset *is) { return load_le32(is->b + 4); }
static inline void set_len(Intset *is, uint32_t n) { store_le32(is->b + 4, n); }
static inline unsigned char *vals(Intset *is) { return (unsigned char *)is + IS_HDR; }
static inline const unsigned char *cvals(const Intset *is) { return (const unsigned char *)is + IS_HDR; }

static inline int64_t get_at(const Intset *is, uint32_t pos) {
    uint32_t enc = enc_of(is);
    return load_val(cvals(is) + (size_t)pos * enc, enc);
}

static inline void set_at(Intset *is, uint32_t pos, int64_t v) {
    uint32_t enc = enc_of(is);
    store_val(vals(is) + (size_t)pos * enc, enc, v);
}

/* The narrowest encoding that holds v. */
static uint32_t enc_for(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) return IS_ENC_INT64;
    if (v < INT16_MIN || v > INT16_MAX) return IS_ENC_INT32;
    return IS_ENC_INT16;
}

static Intset *resize(Intset *is, uint32_t len) {
    return vrealloc(is, IS_HDR + (size_t)len * enc_of(is));
}

Intset *is_new(void) {
    Intset *is = vmalloc(IS_HDR);
    store_le32(is->b, IS_ENC_INT16);
    set_len(is, 0);
    return is;
}

void is_free(Intset *is) { vfree(is); }

Intset *is_dup(const Intset *is) {
    size_t n = is_blob_len(is);
    Intset *copy = vmalloc(n);
    memcpy(copy, is, n);
    return copy;
}

/* Binary search: 1 and the value's position if present, else 0 and the position
 * where it would be inserted. */
static int search(const Intset *is, int64_t v, uint32_t *pos) {
    uint32_t lo = 0, hi = len_of(is);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = get_at(is, mid);
        if (cur == v) { *pos = mid; return 1; }
        if (cur < v) lo = mid + 1;
        else hi = mid;
    }
    *pos = lo;
    return 0;
}

/* Widens every value to enc (back to front, so nothing is overwritten before it
 * is read), then adds v, which lies outside the old range: first if negative. */
static Intset *widen_and_add(Intset *is, int64_t v, uint32_t enc) {
    uint32_t old = enc_of(is), n = len_of(is);
    is = vrealloc(is, IS_HDR + ((size_t)n + 1) * enc);
    unsigned char *p = vals(is);
    uint32_t shift = v < 0 ? 1 : 0;
    for (uint32_t i = n; i-- > 0;)
        store_val(p + (size_t)(i + shift) * enc, enc, load_val(p + (size_t)i * old, old));
    store_le32(is->b, enc);
    set_at(is, v < 0 ? 0 : n, v);
    set_len(is, n + 1);
    return is;
}

Intset *is_add(Intset *is, int64_t value, int *added) {
    if (added) *added = 0;
    uint32_t n = len_of(is), pos;
    assert(n < is_max_safe_entries());
    if (enc_for(value) > enc_of(is)) {
        if (added) *added = 1;
        return widen_and_add(is, value, enc_for(value));
    }
    if (search(is, value, &pos)) return is;
    is = resize(is, n + 1);
    uint32_t enc = enc_of(is);
    unsigned char *p = vals(is);
    memmove(p + (size_t)(pos + 1) * enc, p + (size_t)pos * enc, (size_t)(n - pos) * enc);
    set_at(is, pos, value);
    set_len(is, n + 1);
    if (added) *added = 1;
    return is;
}

Intset *is_remove(Intset *is, int64_t value, int *removed) {
    uint32_t pos;
    if (removed) *removed = 0;
    if (enc_for(value) > enc_of(is) || !search(is, value, &pos)) return is;
    uint32_t n = len_of(is), enc = enc_of(is);
    unsigned char *p = vals(is);
    memmove(p + (size_t)pos * enc, p + (size_t)(pos + 1) * enc, (size_t)(n - pos - 1) * enc);
    set_len(is, n - 1);
    if (removed) *removed = 1;
    return resize(is, n - 1);
}

int is_find(const Intset *is, int64_t value) {
    uint32_t pos;
    return enc_for(value) <= enc_of(is) && search(is, value, &pos);
}

int64_t is_random(const Intset *is) {
    uint32_t n = len_of(is);
    assert(n > 0);
    return get_at(is, (uint32_t)(rand_u64() % n));
}

int is_get(const Intset *is, uint32_t pos, int64_t *value) {
    if (pos >= len_of(is)) return 0;
    *value = get_at(is, pos);
    return 1;
}

int is_next(const Intset *is, uint32_t *pos, int64_t *value) {
    if (!is_get(is, *pos, value)) return 0;
    (*pos)++;
    return 1;
}

uint32_t is_len(const Intset *is) { return len_of(is); }
uint32_t is_encoding(const Intset *is) { return enc_of(is); }
size_t is_blob_len(const Intset *is) { return IS_HDR + (size_t)len_of(is) * enc_of(is); }
const unsigned char *is_blob(const Intset *is) { return (const unsigned char *)is; }
size_t is_mem_usage(const Intset *is) { return vmalloc_size((void *)is); }
size_t is_max_safe_entries(void) { return (size_t)1 << 30; }

int is_validate_integrity(const unsigned char *blob, size_t size, int deep) {
    if (!blob || size < IS_HDR) return 0;
    uint32_t enc = load_le32(blob);
    if (enc != IS_ENC_INT16 && enc != IS_ENC_INT32 && enc != IS_ENC_INT64) return 0;
    uint64_t count = load_le32(blob + 4);
    if (count == 0 || (size - IS_HDR) / enc != count || (size - IS_HDR) % enc != 0) return 0;
    if (!deep) return 1;
    const unsigned char *p = blob + IS_HDR;
    int64_t prev = load_val(p, enc);
    for (uint64_t i = 1; i < count; i++) {
        int64_t cur = load_val(p + i * enc, enc);
        if (cur <= prev) return 0;
        prev = cur;
    }
    return 1;
}

Intset *is_from_blob(const unsigned char *blob, size_t size) {
    Intset *is = vmalloc(size);
    memcpy(is, blob, size);
    return is;
}
