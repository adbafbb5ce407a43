/* listpack.c - Redis 7.0's listpack, bit-identical layout (it is stored raw in RDB
 * files and DUMP payloads).
 *
 * Layout: [total bytes: u32 LE][count: u16 LE][entry ...][0xFF]. The count 65535
 * means "unknown, walk to count". An entry is [encoding + payload][backlen]:
 *   0xxxxxxx                 integer 0..127
 *   10LLLLLL + data          string of 0..63 bytes
 *   110xxxxx xxxxxxxx        13-bit two's complement integer (high bits first)
 *   1110LLLL LLLLLLLL + data string of 64..4095 bytes (length high bits first)
 *   0xF0 + u32 LE + data     string of 4096 bytes or more
 *   0xF1/0xF2/0xF3/0xF4 + 2/3/4/8 bytes LE: 16/24/32/64-bit two's complement
 * backlen is the length of [encoding + payload] in 1..5 bytes of 7 bits, written so
 * that it can be read from its last byte backwards: the last byte holds the lowest 7
 * bits and every byte but the first has its high bit set. Its byte count follows
 * Redis's thresholds exactly (<=127: 1, <16383: 2, <2097151: 3, <268435455: 4, else
 * 5), since a different choice would change the bytes.
 *
 * Invariants: the header's total equals the bytes in use; the count equals the
 * entries unless it is 65535 (set as soon as a walk finds fewer); a string that is
 * a canonical int64 in decimal is always stored as an integer, in the smallest
 * integer encoding, as Redis does.
 *
 * Costs: lp_bytes O(1); lp_length O(1), or O(n) when the count is 65535;
 * first/next/prev O(1) each; lp_seek O(n/2) (walks from the nearer end when the
 * count is known); insert, replace and delete O(n) memmove plus possibly one
 * realloc; lp_find O(n); lp_merge O(size of the smaller) plus one realloc;
 * lp_validate_integrity O(1) shallow, O(n) deep; lp_pairs_unique O(n log n); lp_visit
 * O(entries visited), with a bounds check per entry instead of the full
 * re-validation lp_next does. Navigation checks every entry it returns against the
 * listpack's bounds (about a dozen compares), so that a corrupt payload loaded
 * without deep sanitization aborts instead of reading out of bounds. */
#include "listpack.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "splice.h"
#include <stdlib.h>
#include <string.h>

#define LP_EOF 0xFF
#define LP_ENC_STR32 0xF0
#define LP_ENC_INT16 0xF1
#define LP_ENC_INT24 0xF2
#define LP_ENC_INT32 0xF3
#define LP_ENC_INT64 0xF4
#define LP_MAX_BACKLEN 5

/* ---- header and small helpers ---- */

static uint32_t lp_read_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void lp_write_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t lp_hdr_count(const unsigned char *lp) { return (uint32_t)lp[4] | (uint32_t)lp[5] << 8; }

static void lp_set_count(unsigned char *lp, uint32_t n) {
    lp[4] = (unsigned char)n;
    lp[5] = (unsigned char)(n >> 8);
}

static void lp_set_bytes(unsigned char *lp, size_t n) { lp_write_u32(lp, (uint32_t)n); }

__attribute__((noreturn)) static void lp_corrupt(const char *what) {
    fprintf(stderr, "vesper: corrupt listpack (%s)\n", what);
    fflush(stderr);
    abort();
}

/* Adds `delta` (+1/-1/-n) to a known count; an unknown count stays unknown. A
 * count reaching 65535 becomes "unknown", which is what that value means. */
static void lp_adjust_count(unsigned char *lp, long delta) {
    uint32_t n = lp_hdr_count(lp);
    if (n == LP_COUNT_UNKNOWN) return;
    long v = (long)n + delta;
    if (v < 0) lp_corrupt("count below zero");
    lp_set_count(lp, v > LP_COUNT_UNKNOWN ? LP_COUNT_UNKNOWN : (uint32_t)v);
}

/* Canonical decimal int64, the rule that decides integer storage: no sign but
 * '-', no leading zero (except "0" itself), no "-0", at most 20 characters. */
static int lp_parse_int(const unsigned char *s, size_t len, long long *out) {
    if (len == 0 || len > 20) return 0;
    size_t i = s[0] == '-';
    if (i == len || s[i] < '0' || s[i] > '9') return 0;
    if (s[i] == '0') {
        if (len != 1) return 0;
        *out = 0;
        return 1;
    }
    uint64_t u = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || u > (UINT64_MAX - d) / 10) return 0;
        u = u * 10 + d;
    }
    if (s[0] == '-') {
        if (u > (uint64_t)INT64_MAX + 1) return 0;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(long long)u;
    } else {
        if (u > (uint64_t)INT64_MAX) return 0;
        *out = (long long)u;
    }
    return 1;
}

/* ---- backlen ---- */

static unsigned lp_backlen_size(size_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

/* Writes l in lp_backlen_size(l) bytes; returns that count. */
static unsigned lp_backlen_write(unsigned char *buf, size_t l) {
    unsigned n = lp_backlen_size(l);
    for (unsigned i = n; i-- > 0;) {
        buf[i] = (unsigned char)(l & 127) | (i == 0 ? 0 : 128);
        l >>= 7;
    }
    return n;
}

/* Reads a backlen whose last byte is at `last`, not going below `floor`.
 * Returns the value and its byte count in *nbytes, or SIZE_MAX when malformed. */
static size_t lp_backlen_read(const unsigned char *last, const unsigned char *floor, unsigned *nbytes) {
    size_t v = 0;
    for (unsigned i = 0; i < LP_MAX_BACKLEN; i++) {
        const unsigned char *b = last - i;
        if (b < floor) return SIZE_MAX;
        v |= (size_t)(*b & 127) << (7 * i);
        if (!(*b & 128)) {
            *nbytes = i + 1;
            return v;
        }
    }
    return SIZE_MAX;
}

/* ---- entry encodings ---- */

/* Bytes of the encoding byte plus its length field, implied by the first byte:
 * 1, 2 or 5; 0 for the unused bytes 0xF5..0xFE. The terminator counts 1. */
static unsigned lp_hdr_bytes(unsigned char b) {
    if (b < 0xE0) return 1;   /* uint7, str6, int13 */
    if (b < 0xF0) return 2;   /* str12 */
    if (b == LP_ENC_STR32) return 5;
    if (b <= LP_ENC_INT64 || b == LP_EOF) return 1;
    return 0;
}

/* Length of [encoding + payload] for the entry at p; its header bytes must be
 * readable. 0 for an invalid encoding. */
static size_t lp_enc_size(const unsigned char *p) {
    unsigned char b = p[0];
    if (b < 0x80) return 1;
    if (b < 0xC0) return 1 + (size_t)(b & 0x3F);
    if (b < 0xE0) return 2;
    if (b < 0xF0) return 2 + ((size_t)(b & 0x0F) << 8 | p[1]);
    switch (b) {
    case LP_ENC_STR32: return 5 + (size_t)lp_read_u32(p + 1);
    case LP_ENC_INT16: return 3;
    case LP_ENC_INT24: return 4;
    case LP_ENC_INT32: return 5;
    case LP_ENC_INT64: return 9;
    default: return 0;
    }
}

/* Whole entry size: encoding, payload and backlen. */
static size_t lp_entry_total(const unsigned char *p) {
    size_t l = lp_enc_size(p);
    return l + lp_backlen_size(l);
}

size_t lp_entry_size(const unsigned char *p) { return lp_entry_total(p); }


static void lp_put_le(unsigned char *dst, uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; i++) dst[i] = (unsigned char)(v >> (8 * i));
}

static void lp_encode_int(LpEnc *e, long long v) {
    e->body = NULL;
    e->blen = 0;
    if (v >= 0 && v <= 127) {
        e->head[0] = (unsigned char)v;
        e->hlen = 1;
    } else if (v >= -4096 && v <= 4095) {
        uint32_t u = (uint32_t)v & 0x1FFF;
        e->head[0] = (unsigned char)(0xC0 | u >> 8);
        e->head[1] = (unsigned char)u;
        e->hlen = 2;
    } else {
        static const unsigned char tags[] = {LP_ENC_INT16, LP_ENC_INT24, LP_ENC_INT32, LP_ENC_INT64};
        static const unsigned widths[] = {2, 3, 4, 8};
        unsigned k = 0;
        while (k < 3) {
            long long lim = 1LL << (8 * widths[k] - 1);
            if (v >= -lim && v < lim) break;
            k++;
        }
        e->head[0] = tags[k];
        lp_put_le(e->head + 1, (uint64_t)v, widths[k]);
        e->hlen = 1 + widths[k];
    }
}

static void lp_encode_str(LpEnc *e, const unsigned char *s, uint32_t len) {
    long long v;
    if (lp_parse_int(s, len, &v)) {
        lp_encode_int(e, v);
        return;
    }
    e->body = s;
    e->blen = len;
    if (len < 64) {
        e->head[0] = (unsigned char)(0x80 | len);
        e->hlen = 1;
    } else if (len < 4096) {
        e->head[0] = (unsigned char)(0xE0 | len >> 8);
        e->head[1] = (unsigned char)len;
        e->hlen = 2;
    } else {
        e->head[0] = LP_ENC_STR32;
        lp_write_u32(e->head + 1, len);
        e->hlen = 5;
    }
}

static size_t lp_enc_len(const LpEnc *e) { return lp_enc_length(e); }

/* Writes the entry (with its backlen) at dst; returns the bytes written. */
static size_t lp_write_entry(unsigned char *dst, const LpEnc *e) {
    memcpy(dst, e->head, e->hlen);
    if (e->blen) memcpy(dst + e->hlen, e->body, e->blen);
    size_t l = lp_enc_len(e);
    return l + lp_backlen_write(dst + l, l);
}

/* ---- the entry format for sibling encodings (listpack.h) ---- */

void lp_encode(LpEnc *e, const unsigned char *s, uint32_t len) { lp_encode_str(e, s, len); }

size_t lp_enc_put(unsigned char *dst, const LpEnc *e) {
    memcpy(dst, e->head, e->hlen);
    if (e->blen) memcpy(dst + e->hlen, e->body, e->blen);
    return lp_enc_len(e);
}

size_t lp_entry_enc_size(const unsigned char *p) { return lp_enc_size(p); }
unsigned lp_backlen_bytes(size_t l) { return lp_backlen_size(l); }
unsigned lp_backlen_put(unsigned char *dst, size_t l) { return lp_backlen_write(dst, l); }
int lp_str_to_int(const unsigned char *s, size_t len, long long *v) { return lp_parse_int(s, len, v); }

/* Sign-extends the low `bits` bits of u. */
static long long lp_sign_extend(uint64_t u, unsigned bits) {
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    u &= mask;
    if (!(u >> (bits - 1))) return (long long)u;
    return -(long long)(~u & mask) - 1;
}

static uint64_t lp_get_le(const unsigned char *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void lp_get(const unsigned char *p, LpEntry *e) {
    unsigned char b = p[0];
    e->sval = NULL;
    e->slen = 0;
    e->lval = 0;
    if (b < 0x80) {
        e->lval = b;
    } else if (b < 0xC0) {
        e->sval = p + 1;
        e->slen = b & 0x3F;
    } else if (b < 0xE0) {
        e->lval = lp_sign_extend((uint64_t)(b & 0x1F) << 8 | p[1], 13);
    } else if (b < 0xF0) {
        e->sval = p + 2;
        e->slen = (uint32_t)(b & 0x0F) << 8 | p[1];
    } else if (b == LP_ENC_STR32) {
        e->sval = p + 5;
        e->slen = lp_read_u32(p + 1);
    } else if (b >= LP_ENC_INT16 && b <= LP_ENC_INT64) {
        static const unsigned widths[] = {2, 3, 4, 8};
        unsigned w = widths[b - LP_ENC_INT16];
        e->lval = lp_sign_extend(lp_get_le(p + 1, w), 8 * w);
    } else {
        lp_corrupt("bad encoding");
    }
}

const unsigned char *lp_get_str(const unsigned char *p, uint32_t *len, unsigned char *buf) {
    LpEntry e;
    lp_get(p, &e);
    if (e.sval) {
        *len = e.slen;
        return e.sval;
    }
    *len = (uint32_t)ll2string((char *)buf, LP_INTBUF_SIZE, e.lval);
    return buf;
}

const unsigned char *lp_get_value(const unsigned char *p, uint32_t *slen, long long *lval) {
    LpEntry e;
    lp_get(p, &e);
    if (e.sval) *slen = e.slen;
    else *lval = e.lval;
    return e.sval;
}

/* ---- whole listpack ---- */

unsigned char *lp_new(size_t capacity) {
    unsigned char *lp = vmalloc(capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1);
    lp_set_bytes(lp, LP_HDR_SIZE + 1);
    lp_set_count(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lp_free(unsigned char *lp) { vfree(lp); }

size_t lp_bytes(const unsigned char *lp) { return lp_read_u32(lp); }

unsigned char *lp_shrink_to_fit(unsigned char *lp) {
    size_t n = lp_bytes(lp);
    return vmalloc_size(lp) > n ? vrealloc(lp, n) : lp;
}

int lp_safe_to_add(const unsigned char *lp, size_t add) {
    size_t have = lp ? lp_bytes(lp) : 0;
    return add <= LP_MAX_SAFE_SIZE && have + add <= LP_MAX_SAFE_SIZE;
}

/* ---- validation ---- */

unsigned char *lp_validate_first(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

int lp_validate_next(unsigned char *lp, unsigned char **pp, size_t lpbytes) {
    unsigned char *p = *pp;
    if (!p || lpbytes < LP_HDR_SIZE + 1) return 0;
    const unsigned char *eof = lp + lpbytes - 1;
    if (p < lp + LP_HDR_SIZE || p > eof) return 0;
    if (p[0] == LP_EOF) {
        *pp = NULL;
        return 1;
    }
    unsigned hb = lp_hdr_bytes(p[0]);
    if (hb == 0 || (size_t)(eof - p) < hb) return 0;
    size_t el = lp_enc_size(p);
    unsigned bl = lp_backlen_size(el);
    if ((size_t)(eof - p) < el + bl) return 0;
    unsigned char want[LP_MAX_BACKLEN];
    lp_backlen_write(want, el);
    if (memcmp(p + el, want, bl) != 0) return 0;
    *pp = p + el + bl;
    return 1;
}

int lp_validate_integrity(unsigned char *lp, size_t size, int deep, LpValidateCb cb, void *cbdata) {
    if (size < LP_HDR_SIZE + 1 || lp_bytes(lp) != size || lp[size - 1] != LP_EOF) return 0;
    if (!deep) return 1;
    uint32_t head_count = lp_hdr_count(lp);
    unsigned long count = 0;
    unsigned char *p = lp + LP_HDR_SIZE;
    while (p && p[0] != LP_EOF) {
        unsigned char *entry = p;
        if (!lp_validate_next(lp, &p, size)) return 0;
        if (cb && !cb(entry, head_count, cbdata)) return 0;
        count++;
    }
    if (p != lp + size - 1) return 0;
    return head_count == LP_COUNT_UNKNOWN || head_count == count;
}

/* Aborts unless p is a whole entry inside lp (the runtime guard of navigation). */
static void lp_assert_entry(unsigned char *lp, unsigned char *p) {
    unsigned char *q = p;
    if (!lp_validate_next(lp, &q, lp_bytes(lp))) lp_corrupt("entry out of bounds");
}

/* ---- navigation ---- */

unsigned char *lp_first(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    if (p[0] == LP_EOF) return NULL;
    lp_assert_entry(lp, p);
    return p;
}

unsigned char *lp_next(unsigned char *lp, unsigned char *p) {
    p += lp_entry_total(p);
    if (p[0] == LP_EOF) return NULL;
    lp_assert_entry(lp, p);
    return p;
}

unsigned char *lp_next_trusted(unsigned char *lp, unsigned char *p) {
    p += lp_entry_total(p);
    if (p >= lp + lp_bytes(lp) - 1) {
        if (p == lp + lp_bytes(lp) - 1) return NULL;
        lp_corrupt("entry out of bounds");
    }
    return p;
}

unsigned char *lp_prev(unsigned char *lp, unsigned char *p) {
    unsigned char *floor = lp + LP_HDR_SIZE;
    if (p == floor) return NULL;
    unsigned nb;
    size_t el = lp_backlen_read(p - 1, floor, &nb);
    if (el == SIZE_MAX || el + nb > (size_t)(p - floor)) lp_corrupt("bad backlen");
    unsigned char *q = p - el - nb;
    unsigned char *next = q;
    if (!lp_validate_next(lp, &next, lp_bytes(lp)) || next != p) lp_corrupt("bad backlen");
    return q;
}

unsigned char *lp_last(unsigned char *lp) { return lp_prev(lp, lp + lp_bytes(lp) - 1); }

unsigned long lp_length(unsigned char *lp) {
    uint32_t n = lp_hdr_count(lp);
    if (n != LP_COUNT_UNKNOWN) return n;
    unsigned long count = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) count++;
    if (count < LP_COUNT_UNKNOWN) lp_set_count(lp, (uint32_t)count);
    return count;
}

unsigned char *lp_seek(unsigned char *lp, long index) {
    uint32_t n = lp_hdr_count(lp);
    int forward = index >= 0;
    if (n != LP_COUNT_UNKNOWN) {
        if (index < 0) index += (long)n;
        if (index < 0 || index >= (long)n) return NULL;
        forward = index <= (long)n / 2;
        if (!forward) index -= (long)n; /* now -1 means the last */
    }
    unsigned char *p;
    if (forward) {
        for (p = lp_first(lp); p && index > 0; index--) p = lp_next(lp, p);
    } else {
        for (p = lp_last(lp); p && index < -1; index++) p = lp_prev(lp, p);
    }
    return p;
}

/* ---- mutation ---- */

/* Makes the `oldlen` bytes at offset `off` become `newlen` bytes (contents left for
 * the caller to write), moving what follows and resizing the allocation (splice.h);
 * updates the header's total. */
static unsigned char *lp_splice(unsigned char *lp, size_t off, size_t oldlen, size_t newlen) {
    lp = ds_splice(lp, lp_bytes(lp), off, oldlen, newlen, lp_set_bytes);
    if (!lp) lp_corrupt("listpack would exceed 4 GB");
    return lp;
}

static unsigned char *lp_insert_enc(unsigned char *lp, const LpEnc *e, unsigned char *p, int where,
                                    unsigned char **newp) {
    if (where == LP_AFTER) p += lp_entry_total(p);
    size_t off = (size_t)(p - lp);
    size_t l = lp_enc_len(e);
    lp = lp_splice(lp, off, 0, l + lp_backlen_size(l));
    lp_write_entry(lp + off, e);
    lp_adjust_count(lp, 1);
    if (newp) *newp = lp + off;
    return lp;
}

unsigned char *lp_insert(unsigned char *lp, const unsigned char *s, uint32_t len, unsigned char *p,
                         int where, unsigned char **newp) {
    LpEnc e;
    lp_encode_str(&e, s, len);
    return lp_insert_enc(lp, &e, p, where, newp);
}

unsigned char *lp_insert_int(unsigned char *lp, long long v, unsigned char *p, int where,
                             unsigned char **newp) {
    LpEnc e;
    lp_encode_int(&e, v);
    return lp_insert_enc(lp, &e, p, where, newp);
}

static unsigned char *lp_eof(unsigned char *lp) { return lp + lp_bytes(lp) - 1; }

unsigned char *lp_append(unsigned char *lp, const unsigned char *s, uint32_t len) {
    return lp_insert(lp, s, len, lp_eof(lp), LP_BEFORE, NULL);
}

unsigned char *lp_prepend(unsigned char *lp, const unsigned char *s, uint32_t len) {
    return lp_insert(lp, s, len, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lp_append_int(unsigned char *lp, long long v) {
    return lp_insert_int(lp, v, lp_eof(lp), LP_BEFORE, NULL);
}

unsigned char *lp_prepend_int(unsigned char *lp, long long v) {
    return lp_insert_int(lp, v, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

static unsigned char *lp_replace_enc(unsigned char *lp, unsigned char **p, const LpEnc *e) {
    size_t off = (size_t)(*p - lp);
    size_t l = lp_enc_len(e);
    lp = lp_splice(lp, off, lp_entry_total(*p), l + lp_backlen_size(l));
    lp_write_entry(lp + off, e);
    *p = lp + off;
    return lp;
}

unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t len) {
    LpEnc e;
    lp_encode_str(&e, s, len);
    return lp_replace_enc(lp, p, &e);
}

unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, long long v) {
    LpEnc e;
    lp_encode_int(&e, v);
    return lp_replace_enc(lp, p, &e);
}

unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **nextp) {
    size_t off = (size_t)(p - lp);
    lp = lp_splice(lp, off, lp_entry_total(p), 0);
    lp_adjust_count(lp, -1);
    if (nextp) *nextp = lp[off] == LP_EOF ? NULL : lp + off;
    return lp;
}

unsigned char *lp_delete_range_with_entry(unsigned char *lp, unsigned char **p, unsigned long num) {
    if (num == 0) return lp;
    unsigned char *start = *p, *end = *p;
    unsigned long deleted = 0;
    while (deleted < num && end[0] != LP_EOF) {
        lp_assert_entry(lp, end);
        end += lp_entry_total(end);
        deleted++;
    }
    size_t off = (size_t)(start - lp);
    lp = lp_splice(lp, off, (size_t)(end - start), 0);
    lp_adjust_count(lp, -(long)deleted);
    *p = lp[off] == LP_EOF ? NULL : lp + off;
    return lp;
}

unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long num) {
    if (num == 0) return lp;
    unsigned char *p = lp_seek(lp, index);
    if (!p) return lp;
    uint32_t n = lp_hdr_count(lp);
    if (n != LP_COUNT_UNKNOWN) {
        unsigned long first = index < 0 ? (unsigned long)((long)n + index) : (unsigned long)index;
        if (n - first <= num) { /* up to the end: just move the terminator */
            p[0] = LP_EOF;
            lp_set_bytes(lp, (size_t)(p - lp) + 1);
            lp_set_count(lp, (uint32_t)first);
            return lp_shrink_to_fit(lp);
        }
    }
    return lp_delete_range_with_entry(lp, &p, num);
}

unsigned char *lp_batch_delete(unsigned char *lp, unsigned char **ps, unsigned long n) {
    if (n == 0) return lp;
    size_t bytes = lp_bytes(lp);
    unsigned char *dst = ps[0];
    for (unsigned long i = 0; i < n; i++) {
        unsigned char *src = ps[i] + lp_entry_total(ps[i]);
        unsigned char *stop = i + 1 < n ? ps[i + 1] : lp + bytes;
        if (stop < src) lp_corrupt("batch delete out of order");
        memmove(dst, src, (size_t)(stop - src));
        dst += stop - src;
    }
    size_t total = (size_t)(dst - lp);
    lp_set_bytes(lp, total);
    lp_adjust_count(lp, -(long)n);
    return vrealloc(lp, total);
}

unsigned char *lp_merge(unsigned char *first, unsigned char *second) {
    size_t b1 = lp_bytes(first), b2 = lp_bytes(second);
    unsigned long count = lp_length(first) + lp_length(second);
    size_t total = b1 + b2 - (LP_HDR_SIZE + 1);
    if (total > UINT32_MAX) lp_corrupt("merged listpack would exceed 4 GB");
    unsigned char *lp;
    if (b1 >= b2) { /* grow first, copy second's entries and terminator over its end */
        lp = vrealloc(first, total);
        memcpy(lp + b1 - 1, second + LP_HDR_SIZE, b2 - LP_HDR_SIZE);
        vfree(second);
    } else { /* grow second, slide its entries right, put first's in front */
        lp = vrealloc(second, total);
        memmove(lp + b1 - 1, lp + LP_HDR_SIZE, b2 - LP_HDR_SIZE);
        memcpy(lp + LP_HDR_SIZE, first + LP_HDR_SIZE, b1 - LP_HDR_SIZE - 1);
        vfree(first);
    }
    lp_set_bytes(lp, total);
    lp_set_count(lp, count < LP_COUNT_UNKNOWN ? (uint32_t)count : LP_COUNT_UNKNOWN);
    return lp;
}

/* ---- searching ---- */

/* Compares an entry already read into e with s; s_int/s_isint is s parsed once. */
static int lp_entry_equals(const LpEntry *e, const unsigned char *s, uint32_t slen, int s_isint,
                           long long s_int) {
    if (e->sval) return e->slen == slen && (slen == 0 || memcmp(e->sval, s, slen) == 0);
    return s_isint && e->lval == s_int;
}

int lp_compare(const unsigned char *p, const unsigned char *s, uint32_t slen) {
    if (p[0] == LP_EOF) return 0;
    LpEntry e;
    lp_get(p, &e);
    long long v = 0;
    int isint = e.sval ? 0 : lp_parse_int(s, slen, &v);
    return lp_entry_equals(&e, s, slen, isint, v);
}

/* Size of the entry at p, aborting unless it lies before the terminator at eof. */
static size_t lp_checked_total(const unsigned char *p, const unsigned char *eof) {
    unsigned hb = lp_hdr_bytes(p[0]);
    if (hb == 0 || (size_t)(eof - p) < hb || lp_enc_size(p) == 0) lp_corrupt("bad entry");
    size_t t = lp_entry_total(p);
    if ((size_t)(eof - p) < t) lp_corrupt("entry out of bounds");
    return t;
}

unsigned char *lp_find(unsigned char *lp, unsigned char *p, const unsigned char *s, uint32_t slen,
                       unsigned int skip) {
    const unsigned char *eof = lp_eof(lp);
    long long v = 0;
    int isint = lp_parse_int(s, slen, &v);
    unsigned int wait = 0;
    while (p && p < eof) {
        size_t t = lp_checked_total(p, eof);
        if (wait == 0) {
            LpEntry e;
            lp_get(p, &e);
            if (lp_entry_equals(&e, s, slen, isint, v)) return p;
            wait = skip;
        } else {
            wait--;
        }
        p += t;
    }
    if (p && p != eof) lp_corrupt("find ran past the end");
    return NULL;
}

/* ---- duplicate keys ---- */

/* Orders two entries (given by the address of their pointers) by their bytes,
 * integers in decimal, shorter first on a common prefix. */
static int lp_bytes_cmp(const void *a, const void *b) {
    unsigned char ba[LP_INTBUF_SIZE], bb[LP_INTBUF_SIZE];
    uint32_t la, lb;
    const unsigned char *sa = lp_get_str(*(unsigned char *const *)a, &la, ba);
    const unsigned char *sb = lp_get_str(*(unsigned char *const *)b, &lb, bb);
    int c = memcmp(sa, sb, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

int lp_pairs_unique(unsigned char *lp) {
    unsigned long n = lp_length(lp);
    if (n & 1) return 0;
    if (n < 4) return 1;
    unsigned char **keys = vmalloc(sizeof(*keys) * (n / 2));
    size_t k = 0;
    for (unsigned char *p = lp_first(lp); p && k < n / 2;) {
        keys[k++] = p;
        p = lp_next(lp, p);
        if (p) p = lp_next(lp, p);
    }
    qsort(keys, k, sizeof(*keys), lp_bytes_cmp);
    int unique = 1;
    for (size_t i = 1; i < k && unique; i++) unique = lp_bytes_cmp(&keys[i - 1], &keys[i]) != 0;
    vfree(keys);
    return unique;
}

/* ---- random picks ---- */

static unsigned long lp_rand_below(unsigned long n) { return (unsigned long)(rand_u64() % n); }

void lp_random_entry(unsigned char *lp, LpEntry *e) {
    unsigned long n = lp_length(lp);
    if (n == 0) lp_corrupt("random entry of an empty listpack");
    unsigned char *p = lp_seek(lp, (long)lp_rand_below(n));
    lp_get(p, e);
}

void lp_random_pair(unsigned char *lp, unsigned long pairs, LpEntry *key, LpEntry *val) {
    if (pairs == 0) lp_corrupt("random pair of an empty listpack");
    unsigned char *p = lp_seek(lp, (long)(2 * lp_rand_below(pairs)));
    if (!p) lp_corrupt("random pair out of range");
    lp_get(p, key);
    if (!val) return;
    p = lp_next(lp, p);
    if (!p) lp_corrupt("pair without a value");
    lp_get(p, val);
}

typedef struct LpPick {
    unsigned long pair; /* pair index in the listpack */
    unsigned int slot;  /* where the caller wants it */
} LpPick;

static int lp_pick_cmp(const void *a, const void *b) {
    unsigned long x = ((const LpPick *)a)->pair, y = ((const LpPick *)b)->pair;
    return (x > y) - (x < y);
}

void lp_random_pairs(unsigned char *lp, unsigned int count, LpEntry *keys, LpEntry *vals) {
    if (count == 0) return;
    unsigned long pairs = lp_length(lp) / 2;
    if (pairs == 0) lp_corrupt("random pairs of an empty listpack");
    LpPick *picks = vmalloc(sizeof(*picks) * count);
    for (unsigned int i = 0; i < count; i++) {
        picks[i].pair = lp_rand_below(pairs);
        picks[i].slot = i;
    }
    qsort(picks, count, sizeof(*picks), lp_pick_cmp);
    /* One walk in listpack order serves the sorted picks. */
    unsigned char *p = lp_first(lp);
    unsigned long at = 0;
    for (unsigned int i = 0; i < count; i++) {
        for (; at < picks[i].pair; at++) p = lp_next(lp, lp_next(lp, p));
        unsigned char *v = lp_next(lp, p);
        if (!p || !v) lp_corrupt("random pairs out of range");
        lp_get(p, &keys[picks[i].slot]);
        if (vals) lp_get(v, &vals[picks[i].slot]);
    }
    vfree(picks);
}

unsigned int lp_random_pairs_unique(unsigned char *lp, unsigned int count, LpEntry *keys,
                                    LpEntry *vals) {
    unsigned long pairs = lp_length(lp) / 2;
    if (count > pairs) count = (unsigned int)pairs;
    unsigned int picked = 0;
    unsigned char *p = lp_first(lp);
    /* Selection sampling: pair i is taken with probability wanted/remaining. */
    for (unsigned long i = 0; picked < count && p; i++) {
        unsigned char *v = lp_next(lp, p);
        if (!v) lp_corrupt("pair without a value");
        if (lp_rand_below(pairs - i) < count - picked) {
            lp_get(p, &keys[picked]);
            if (vals) lp_get(v, &vals[picked]);
            picked++;
        }
        p = lp_next(lp, v);
    }
    return picked;
}

/* ---- visiting runs of entries ---- */

/* Decodes the entry at p, of which `avail` bytes precede the terminator, into e;
 * returns its whole size (encoding, payload, backlen). Aborts when the entry is
 * not a valid encoding or would not end before the terminator. The two small
 * encodings that dominate lists (7-bit integers, strings up to 63 bytes) are
 * decoded inline. */
static size_t lp_decode_bounded(const unsigned char *p, size_t avail, LpEntry *e) {
    unsigned char b = p[0];
    size_t el;
    if (b < 0x80) {
        e->sval = NULL;
        e->lval = b;
        el = 1;
    } else if (b < 0xC0) {
        e->sval = p + 1;
        e->slen = b & 0x3F;
        el = 1 + (size_t)e->slen;
    } else {
        unsigned hb = lp_hdr_bytes(b);
        if (hb == 0 || hb > avail || b == LP_EOF) lp_corrupt("bad encoding");
        el = lp_enc_size(p);
        if (el + lp_backlen_size(el) > avail) lp_corrupt("entry out of bounds");
        lp_get(p, e);
        return el + lp_backlen_size(el);
    }
    size_t total = el + lp_backlen_size(el);
    if (total > avail) lp_corrupt("entry out of bounds");
    return total;
}

unsigned long lp_visit(unsigned char *lp, unsigned char *p, unsigned long n, int backward, LpVisitor *fn,
                       void *ctx) {
    unsigned long done = 0;
    LpEntry e;
    if (backward) {
        for (; p && done < n; done++, p = lp_prev(lp, p)) {
            lp_get(p, &e);
            fn(ctx, e.sval, e.slen, e.lval);
        }
        return done;
    }
    const unsigned char *eof = lp + lp_bytes(lp) - 1;
    if (!p || p < lp + LP_HDR_SIZE || p > eof) return 0;
    while (done < n && p[0] != LP_EOF) {
        p += lp_decode_bounded(p, (size_t)(eof - p), &e);
        fn(ctx, e.sval, e.slen, e.lval);
        done++;
    }
    return done;
}

/* ---- debugging ---- */

void lp_repr(FILE *out, unsigned char *lp) {
    fprintf(out, "{total bytes %zu} {num entries %lu}\n", lp_bytes(lp), lp_length(lp));
    int index = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), index++) {
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t len;
        const unsigned char *s = lp_get_str(p, &len, buf);
        size_t el = lp_enc_size(p);
        fprintf(out, "{index %d, offset %zu, hdr+entry+backlen %zu, hdrlen %u, backlen %u, payload %zu}\n\t",
                index, (size_t)(p - lp), lp_entry_total(p), lp_hdr_bytes(p[0]), lp_backlen_size(el),
                el - lp_hdr_bytes(p[0]));
        fwrite(s, 1, len > 40 ? 40 : len, out);
        fprintf(out, "%s\n", len > 40 ? "..." : "");
    }
    fprintf(out, "{end}\n");
}
