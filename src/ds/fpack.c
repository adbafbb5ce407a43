/* fpack.c - a forward-only pack of key/value pairs (fpack.h): listpack entries
 * without backlens.
 *
 * Layout: [total bytes: u32][pairs: u32][key entry][value entry][key entry] ...,
 * the header in host byte order (an fpack never leaves the process). An entry is
 * a listpack entry's [encoding + payload] (listpack.c lists the encodings), so its
 * size follows from its first bytes; nothing follows the last entry. For a pair
 * of short strings (up to 63 bytes) the entry costs one byte besides the string,
 * where a listpack's costs two.
 *
 * Invariants: the header's total equals the bytes in use and its pair count the
 * pairs; there is an even number of entries, each with a valid encoding, ending
 * exactly at the total; the allocation holds at least the total. Strings that are
 * canonical int64 decimals are written as integers (lp_encode), as a listpack
 * would; entries copied from a listpack keep their bytes.
 *
 * Costs: bytes/pairs/first/next O(1); find, set, delete O(n) in the bytes (a walk
 * over the keys, skipping each value by its encoding byte, plus a memmove of what
 * follows a changed entry and a realloc when the size changes; a value replaced by
 * one of the same encoded size is overwritten in place); append one realloc;
 * conversions to and from a listpack O(n); pairs_unique O(n log n). */
#include "fpack.h"
#include <stdlib.h>
#include <string.h>
#include "../base/alloc.h"
#include "../base/panic.h"
#include "../base/util.h"
#include "splice.h"

#define FP_EOF_BYTE 0xFF /* a listpack's terminator, never an fpack entry */

/* ---- header ---- */

static uint32_t fp_hdr_u32(const unsigned char *fp, size_t at) {
    uint32_t v;
    memcpy(&v, fp + at, sizeof(v));
    return v;
}

static void fp_set_u32(unsigned char *fp, size_t at, uint32_t v) { memcpy(fp + at, &v, sizeof(v)); }

size_t fpack_bytes(const unsigned char *fp) { return fp_hdr_u32(fp, 0); }
unsigned long fpack_pairs(const unsigned char *fp) { return fp_hdr_u32(fp, 4); }
static void fp_set_bytes(unsigned char *fp, size_t n) { fp_set_u32(fp, 0, (uint32_t)n); }
static void fp_set_pairs(unsigned char *fp, unsigned long n) { fp_set_u32(fp, 4, (uint32_t)n); }

unsigned char *fpack_new(void) {
    unsigned char *fp = vmalloc(FPACK_HDR_SIZE);
    fp_set_bytes(fp, FPACK_HDR_SIZE);
    fp_set_pairs(fp, 0);
    return fp;
}

void fpack_free(unsigned char *fp) { vfree(fp); }

/* ---- entries ---- */

/* Size of the entry at p; the two encodings of short strings and small integers
 * inline, the others through the listpack's table. */
static inline size_t fp_entry_size(const unsigned char *p) {
    unsigned char b = p[0];
    if (b < 0x80) return 1;
    if (b < 0xC0) return 1 + (size_t)(b & 0x3F);
    return lp_entry_enc_size(p);
}

unsigned char *fpack_first(unsigned char *fp) {
    return fpack_bytes(fp) > FPACK_HDR_SIZE ? fp + FPACK_HDR_SIZE : NULL;
}

unsigned char *fpack_next(unsigned char *fp, unsigned char *p) {
    p += fp_entry_size(p);
    return p < fp + fpack_bytes(fp) ? p : NULL;
}

unsigned char *fpack_find(unsigned char *fp, const unsigned char *s, uint32_t len) {
    unsigned char *p = fp + FPACK_HDR_SIZE, *end = fp + fpack_bytes(fp);
    int isint = -1; /* s parsed as an integer on the first integer key met */
    long long sv = 0;
    while (p < end) {
        unsigned char b = p[0];
        size_t ks;
        if (b >= 0x80 && b < 0xC0) { /* a string of up to 63 bytes: the usual key */
            ks = 1 + (size_t)(b & 0x3F);
            if ((b & 0x3F) == len && memcmp(p + 1, s, len) == 0) return p;
        } else {
            LpEntry e;
            lp_get(p, &e);
            ks = fp_entry_size(p);
            if (e.sval) {
                if (e.slen == len && (len == 0 || memcmp(e.sval, s, len) == 0)) return p;
            } else {
                if (isint < 0) isint = lp_str_to_int(s, len, &sv);
                if (isint && e.lval == sv) return p;
            }
        }
        p += ks;
        p += fp_entry_size(p);
    }
    return NULL;
}

/* ---- changes ---- */

/* Makes the `oldlen` bytes at offset `off` become `newlen` bytes (their contents
 * left to the caller), moving what follows and resizing the allocation (splice.h);
 * updates the header's total. */
static unsigned char *fp_splice(unsigned char *fp, size_t off, size_t oldlen, size_t newlen) {
    fp = ds_splice(fp, fpack_bytes(fp), off, oldlen, newlen, fp_set_bytes);
    if (!fp) panic("fpack would exceed 4 GB");
    return fp;
}

unsigned char *fpack_append(unsigned char *fp, const unsigned char *k, uint32_t klen, const unsigned char *v,
                            uint32_t vlen) {
    LpEnc ek, ev;
    lp_encode(&ek, k, klen);
    lp_encode(&ev, v, vlen);
    size_t off = fpack_bytes(fp), kl = lp_enc_length(&ek);
    fp = fp_splice(fp, off, 0, kl + lp_enc_length(&ev));
    lp_enc_put(fp + off, &ek);
    lp_enc_put(fp + off + kl, &ev);
    fp_set_pairs(fp, fpack_pairs(fp) + 1);
    return fp;
}

unsigned char *fpack_set(unsigned char *fp, const unsigned char *k, uint32_t klen, const unsigned char *v,
                         uint32_t vlen, int *added) {
    unsigned char *p = fpack_find(fp, k, klen);
    *added = p == NULL;
    if (!p) return fpack_append(fp, k, klen, v, vlen);
    unsigned char *vp = p + fp_entry_size(p);
    size_t off = (size_t)(vp - fp), old = fp_entry_size(vp);
    LpEnc ev;
    lp_encode(&ev, v, vlen);
    if (lp_enc_length(&ev) != old) fp = fp_splice(fp, off, old, lp_enc_length(&ev));
    lp_enc_put(fp + off, &ev);
    return fp;
}

unsigned char *fpack_delete(unsigned char *fp, const unsigned char *k, uint32_t klen, int *deleted) {
    unsigned char *p = fpack_find(fp, k, klen);
    *deleted = p != NULL;
    if (!p) return fp;
    size_t ks = fp_entry_size(p);
    size_t len = ks + fp_entry_size(p + ks);
    fp = fp_splice(fp, (size_t)(p - fp), len, 0);
    fp_set_pairs(fp, fpack_pairs(fp) - 1);
    return fp;
}

/* ---- the listpack form ---- */

/* Bytes of the backlen of an entry of l bytes: one up to 127, as for most. */
static inline size_t fp_backlen_bytes(size_t l) { return l <= 127 ? 1 : lp_backlen_bytes(l); }

size_t fpack_listpack_bytes(const unsigned char *fp) {
    size_t total = LP_HDR_SIZE + 1;
    const unsigned char *p = fp + FPACK_HDR_SIZE, *end = fp + fpack_bytes(fp);
    while (p < end) {
        size_t l = fp_entry_size(p);
        total += l + fp_backlen_bytes(l);
        p += l;
    }
    return total;
}

int fpack_safe_to_add(const unsigned char *fp, size_t add) {
    if (add > LP_MAX_SAFE_SIZE) return 0;
    /* the listpack form is at most 5 backlen bytes per entry larger */
    size_t upper = fpack_bytes(fp) + LP_HDR_SIZE + 1 + 10 * (size_t)fpack_pairs(fp);
    if (upper + add <= LP_MAX_SAFE_SIZE) return 1;
    return fpack_listpack_bytes(fp) + add <= LP_MAX_SAFE_SIZE;
}

/* The listpack is valid (its caller checked it deeply), so its entries are walked
 * by their encodings alone, without lp_next's bounds checks. */
unsigned char *fpack_from_listpack(unsigned char *lp) {
    size_t body = 0;
    unsigned long entries = 0;
    const unsigned char *p;
    for (p = lp + LP_HDR_SIZE; *p != FP_EOF_BYTE; entries++) {
        size_t l = fp_entry_size(p);
        body += l;
        p += l + fp_backlen_bytes(l);
    }
    if (entries % 2) panic("fpack_from_listpack: odd number of entries");
    if (FPACK_HDR_SIZE + body > UINT32_MAX) panic("fpack would exceed 4 GB");
    unsigned char *fp = vmalloc(FPACK_HDR_SIZE + body), *dst = fp + FPACK_HDR_SIZE;
    for (p = lp + LP_HDR_SIZE; *p != FP_EOF_BYTE;) {
        size_t l = fp_entry_size(p);
        memcpy(dst, p, l);
        dst += l;
        p += l + fp_backlen_bytes(l);
    }
    fp_set_bytes(fp, FPACK_HDR_SIZE + body);
    fp_set_pairs(fp, entries / 2);
    return fp;
}

unsigned char *fpack_to_listpack_in(const unsigned char *fp, unsigned char *buf, size_t cap) {
    /* the listpack form is at most 5 backlen bytes per entry larger */
    size_t upper = fpack_bytes(fp) + LP_HDR_SIZE + 1 + 10 * (size_t)fpack_pairs(fp);
    unsigned char *lp = buf;
    if (!buf || upper > cap) {
        size_t total = fpack_listpack_bytes(fp);
        if (total > UINT32_MAX) panic("listpack would exceed 4 GB");
        lp = vmalloc(total);
    }
    unsigned char *dst = lp + LP_HDR_SIZE;
    const unsigned char *p = fp + FPACK_HDR_SIZE, *end = fp + fpack_bytes(fp);
    while (p < end) {
        size_t l = fp_entry_size(p);
        memcpy(dst, p, l);
        dst += l;
        if (l <= 127) *dst++ = (unsigned char)l;
        else dst += lp_backlen_put(dst, l);
        p += l;
    }
    *dst = FP_EOF_BYTE;
    size_t total = (size_t)(dst - lp) + 1;
    unsigned long entries = 2 * fpack_pairs(fp);
    uint32_t count = entries < LP_COUNT_UNKNOWN ? (uint32_t)entries : LP_COUNT_UNKNOWN;
    for (int i = 0; i < 4; i++) lp[i] = (unsigned char)(total >> (8 * i));
    lp[4] = (unsigned char)count;
    lp[5] = (unsigned char)(count >> 8);
    return lp;
}

unsigned char *fpack_to_listpack(const unsigned char *fp) { return fpack_to_listpack_in(fp, NULL, 0); }

/* ---- checks ---- */

/* Orders two entries (given by the address of their pointers) by their bytes,
 * integers in decimal, shorter first on a common prefix. */
static int fp_bytes_cmp(const void *a, const void *b) {
    unsigned char ba[LP_INTBUF_SIZE], bb[LP_INTBUF_SIZE];
    uint32_t la, lb;
    const unsigned char *sa = lp_get_str(*(unsigned char *const *)a, &la, ba);
    const unsigned char *sb = lp_get_str(*(unsigned char *const *)b, &lb, bb);
    int c = memcmp(sa, sb, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

int fpack_pairs_unique(unsigned char *fp) {
    unsigned long n = fpack_pairs(fp);
    if (n < 2) return 1;
    unsigned char **keys = vmalloc(sizeof(*keys) * n);
    size_t k = 0;
    for (unsigned char *p = fpack_first(fp); p && k < n; p = fpack_next(fp, fpack_next(fp, p))) keys[k++] = p;
    qsort(keys, k, sizeof(*keys), fp_bytes_cmp);
    int unique = 1;
    for (size_t i = 1; i < k && unique; i++) unique = fp_bytes_cmp(&keys[i - 1], &keys[i]) != 0;
    vfree(keys);
    return unique;
}

/* Size of the entry at p when its encoding is valid and it fits in `avail`
 * bytes; 0 otherwise. */
static size_t fp_checked_size(const unsigned char *p, size_t avail) {
    if (avail == 0) return 0;
    unsigned char b = p[0];
    size_t hdr = b < 0xC0 ? 1 : b < 0xF0 ? 2 : b == 0xF0 ? 5 : b <= 0xF4 ? 1 : 0;
    if (hdr == 0 || hdr > avail) return 0;
    size_t l = lp_entry_enc_size(p);
    return l == 0 || l > avail ? 0 : l;
}

int fpack_validate(const unsigned char *fp) {
    size_t bytes = fpack_bytes(fp);
    if (bytes < FPACK_HDR_SIZE) return 0;
    const unsigned char *p = fp + FPACK_HDR_SIZE, *end = fp + bytes;
    unsigned long entries = 0;
    while (p < end) {
        size_t l = fp_checked_size(p, (size_t)(end - p));
        if (l == 0) return 0;
        p += l;
        entries++;
    }
    return p == end && entries % 2 == 0 && entries / 2 == fpack_pairs(fp);
}

/* ---- random picks ---- */

static unsigned long fp_rand_below(unsigned long n) { return (unsigned long)(rand_u64() % n); }

/* The key entry of pair i (< pairs). */
static unsigned char *fp_pair_at(unsigned char *fp, unsigned long i) {
    unsigned char *p = fp + FPACK_HDR_SIZE;
    while (i--) {
        p += fp_entry_size(p);
        p += fp_entry_size(p);
    }
    return p;
}

void fpack_random_pair(unsigned char *fp, LpEntry *key, LpEntry *val) {
    unsigned long pairs = fpack_pairs(fp);
    if (pairs == 0) panic("random pair of an empty fpack");
    unsigned char *p = fp_pair_at(fp, fp_rand_below(pairs));
    lp_get(p, key);
    if (val) lp_get(p + fp_entry_size(p), val);
}

typedef struct FpPick {
    unsigned long pair; /* pair index in the pack */
    unsigned int slot;  /* where the caller wants it */
} FpPick;

static int fp_pick_cmp(const void *a, const void *b) {
    unsigned long x = ((const FpPick *)a)->pair, y = ((const FpPick *)b)->pair;
    return (x > y) - (x < y);
}

void fpack_random_pairs(unsigned char *fp, unsigned int count, LpEntry *keys, LpEntry *vals) {
    if (count == 0) return;
    unsigned long pairs = fpack_pairs(fp);
    if (pairs == 0) panic("random pairs of an empty fpack");
    FpPick *picks = vmalloc(sizeof(*picks) * count);
    for (unsigned int i = 0; i < count; i++) {
        picks[i].pair = fp_rand_below(pairs);
        picks[i].slot = i;
    }
    qsort(picks, count, sizeof(*picks), fp_pick_cmp);
    /* one walk in pack order serves the sorted picks */
    unsigned char *p = fp + FPACK_HDR_SIZE;
    unsigned long at = 0;
    for (unsigned int i = 0; i < count; i++) {
        for (; at < picks[i].pair; at++) {
            p += fp_entry_size(p);
            p += fp_entry_size(p);
        }
        lp_get(p, &keys[picks[i].slot]);
        if (vals) lp_get(p + fp_entry_size(p), &vals[picks[i].slot]);
    }
    vfree(picks);
}

unsigned int fpack_random_pairs_unique(unsigned char *fp, unsigned int count, LpEntry *keys, LpEntry *vals) {
    unsigned long pairs = fpack_pairs(fp);
    if (count > pairs) count = (unsigned int)pairs;
    unsigned int picked = 0;
    unsigned char *p = fp + FPACK_HDR_SIZE;
    /* selection sampling: pair i is taken with probability wanted/remaining */
    for (unsigned long i = 0; picked < count && i < pairs; i++) {
        unsigned char *v = p + fp_entry_size(p);
        if (fp_rand_below(pairs - i) < count - picked) {
            lp_get(p, &keys[picked]);
            if (vals) lp_get(v, &vals[picked]);
            picked++;
        }
        p = v + fp_entry_size(v);
    }
    return picked;
}
