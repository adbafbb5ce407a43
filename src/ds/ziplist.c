/* ziplist.c - read-only decoding of Redis's ziplist (pre-7.0 RDB encodings) and
 * its conversion to a listpack.
 *
 * Layout: [zlbytes u32 LE][zltail u32 LE][zllen u16 LE][entry ...][0xFF].
 * An entry is [prevlen][encoding][payload]:
 *   prevlen   the previous entry's total bytes: one byte 0..253, or 0xFE then a
 *             u32 LE (the long form may hold a small value: Redis does not shrink
 *             it, so it is accepted)
 *   00pppppp                      string of up to 63 bytes
 *   01pppppp qqqqqqqq             string of up to 16383 bytes (14 bits, BE)
 *   10xxxxxx + u32 BE             string of any length (low 6 bits ignored)
 *   0xC0 / 0xD0 / 0xE0            int16 / int32 / int64, LE
 *   0xF0                          int24, LE
 *   0xFE                          int8
 *   0xF1..0xFD                    immediate 0..12 (low nibble minus one)
 * Any other byte (0xC1..0xCF, 0xD1..0xDF, 0xE1..0xEF) is not an encoding; 0xFF
 * where an entry would start is the terminator.
 *
 * Invariants checked (zl_iter_next / zl_validate deep): offsets stay in size_t
 * and every comparison is against the bytes left before the terminator, so no
 * pointer is formed outside the blob; an entry's header and payload end at or
 * before the terminator; prevlen matches; the walk ends exactly at the last byte;
 * zltail and zllen agree with what the walk found.
 *
 * Costs: each entry is decoded in O(1); validation and conversion are one pass,
 * O(size). Conversion allocates the listpack once with room for the worst growth
 * (a listpack entry is at most 1/64 bigger than its ziplist entry), so appends do
 * not reallocate, and shrinks it at the end. The pairs variant adds a sort of the
 * keys for the duplicate check. */
#include "ziplist.h"
#include "listpack.h"
#include <string.h>

#define ZL_END 0xFF
#define ZL_PREV_LONG 0xFE
#define ZL_ENC_INT16 0xC0
#define ZL_ENC_INT32 0xD0
#define ZL_ENC_INT64 0xE0
#define ZL_ENC_INT24 0xF0
#define ZL_ENC_INT8 0xFE
#define ZL_IMM_MIN 0xF1
#define ZL_IMM_MAX 0xFD

enum { ZL_WALKING = 0, ZL_DONE = 1, ZL_CORRUPT = 2 };

/* An entry's header, decoded. */
typedef struct ZlRaw {
    size_t prevlen;       /* the previous entry's length as this entry records it */
    size_t hdr;           /* bytes of the prevlen and encoding fields */
    size_t len;           /* payload bytes */
    unsigned char enc;    /* encoding byte; below 0xC0 a string */
} ZlRaw;

static uint32_t zl_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t zl_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t zl_hdr_bytes(const unsigned char *zl) { return zl_le32(zl); }
static uint32_t zl_hdr_tail(const unsigned char *zl) { return zl_le32(zl + 4); }
static uint32_t zl_hdr_count(const unsigned char *zl) { return (uint32_t)zl[8] | (uint32_t)zl[9] << 8; }

/* Payload bytes of an integer encoding byte, or -1 when the byte is none. */
static int zl_int_width(unsigned char enc) {
    switch (enc) {
    case ZL_ENC_INT8: return 1;
    case ZL_ENC_INT16: return 2;
    case ZL_ENC_INT24: return 3;
    case ZL_ENC_INT32: return 4;
    case ZL_ENC_INT64: return 8;
    default: return enc >= ZL_IMM_MIN && enc <= ZL_IMM_MAX ? 0 : -1;
    }
}

/* The `width`-byte little-endian two's complement integer at p. */
static long long zl_load_int(const unsigned char *p, int width) {
    uint64_t u = 0;
    for (int i = 0; i < width; i++) u |= (uint64_t)p[i] << (8 * i);
    if (width < 8) {
        uint64_t sign = (uint64_t)1 << (8 * width - 1);
        return (long long)(u ^ sign) - (long long)sign;
    }
    int64_t v;
    memcpy(&v, &u, sizeof(v));
    return v;
}

/* Decodes the string-length field at e (`avail` bytes readable before the
 * terminator): its size into *fsize and the length into r->len. 0 when the field
 * does not fit. */
static int zl_decode_strlen(const unsigned char *e, size_t avail, size_t *fsize, ZlRaw *r) {
    switch (e[0] >> 6) {
    case 0:
        *fsize = 1;
        r->len = e[0] & 0x3f;
        return 1;
    case 1:
        *fsize = 2;
        if (avail < 2) return 0;
        r->len = (size_t)(e[0] & 0x3f) << 8 | e[1];
        return 1;
    default:
        *fsize = 5;
        if (avail < 5) return 0;
        r->len = zl_be32(e + 1);
        return 1;
    }
}

/* Decodes the header of the entry at offset `off` (< end, zl[off] != 0xFF), where
 * `end` is the terminator's offset, and checks that the whole entry lies before
 * the terminator. Returns 1, or 0 when the entry is invalid. */
static int zl_decode(const unsigned char *zl, size_t end, size_t off, ZlRaw *r) {
    size_t avail = end - off;
    size_t plen = zl[off] < ZL_PREV_LONG ? 1 : 5;
    if (avail <= plen) return 0; /* the encoding byte must precede the terminator */
    r->prevlen = plen == 1 ? zl[off] : zl_le32(zl + off + 1);
    const unsigned char *e = zl + off + plen;
    size_t fsize;
    r->enc = e[0];
    if (e[0] < ZL_ENC_INT16) {
        if (!zl_decode_strlen(e, avail - plen, &fsize, r)) return 0;
    } else {
        int w = zl_int_width(e[0]);
        if (w < 0) return 0;
        fsize = 1;
        r->len = (size_t)w;
    }
    r->hdr = plen + fsize;
    return r->len <= avail - r->hdr;
}

/* Fills e from a decoded entry whose payload starts at p. */
static void zl_fill(const ZlRaw *r, const unsigned char *p, ZlEntry *e) {
    if (r->enc < ZL_ENC_INT16) {
        e->sval = p;
        e->slen = (uint32_t)r->len;
        e->lval = 0;
    } else {
        e->sval = NULL;
        e->slen = 0;
        e->lval = r->len ? zl_load_int(p, (int)r->len) : (long long)(r->enc & 0x0f) - 1;
    }
}

/* The shallow checks: sizes, terminator, zltail inside the entries area. */
static int zl_header_ok(const unsigned char *zl, size_t size) {
    if (size < ZL_HDR_SIZE + 1 || zl_hdr_bytes(zl) != size || zl[size - 1] != ZL_END) return 0;
    uint32_t tail = zl_hdr_tail(zl);
    return tail >= ZL_HDR_SIZE && tail <= size - 1;
}

int zl_iter_init(ZlIter *it, const unsigned char *zl, size_t size) {
    memset(it, 0, sizeof(*it));
    it->zl = zl;
    it->size = size;
    it->off = ZL_HDR_SIZE;
    it->state = zl && zl_header_ok(zl, size) ? ZL_WALKING : ZL_CORRUPT;
    return it->state == ZL_WALKING;
}

static int zl_iter_fail(ZlIter *it) {
    it->state = ZL_CORRUPT;
    return -1;
}

/* At the terminator: the checks that need the whole walk. */
static int zl_iter_finish(ZlIter *it) {
    size_t want_tail = it->count ? it->last_off : ZL_HDR_SIZE;
    uint32_t hdr_count = zl_hdr_count(it->zl);
    if (it->off != it->size - 1 || zl_hdr_tail(it->zl) != want_tail) return zl_iter_fail(it);
    if (hdr_count != ZL_COUNT_UNKNOWN && hdr_count != it->count) return zl_iter_fail(it);
    it->state = ZL_DONE;
    return 0;
}

int zl_iter_next(ZlIter *it, ZlEntry *e) {
    if (it->state != ZL_WALKING) return it->state == ZL_DONE ? 0 : -1;
    if (it->zl[it->off] == ZL_END) return zl_iter_finish(it);
    ZlRaw r;
    if (!zl_decode(it->zl, it->size - 1, it->off, &r) || r.prevlen != it->prev_len)
        return zl_iter_fail(it);
    zl_fill(&r, it->zl + it->off + r.hdr, e);
    it->last_off = it->off;
    it->prev_len = r.hdr + r.len;
    it->off += it->prev_len;
    it->count++;
    return 1;
}

int zl_validate(const unsigned char *zl, size_t size, int deep, size_t *count_out) {
    ZlIter it;
    if (!zl_iter_init(&it, zl, size)) return 0;
    if (!deep) {
        if (count_out) *count_out = zl_hdr_count(zl);
        return 1;
    }
    ZlEntry e;
    int r;
    while ((r = zl_iter_next(&it, &e)) == 1) {}
    if (r != 0) return 0;
    if (count_out) *count_out = it.count;
    return 1;
}

/* 1 when appending e keeps the listpack under 4 GB (the most an entry adds is
 * its bytes plus a 5-byte encoding and a 5-byte backlen). */
static int zl_lp_room(const unsigned char *lp, const ZlEntry *e) {
    uint64_t add = (uint64_t)(e->sval ? e->slen : 0) + 10;
    return (uint64_t)lp_bytes(lp) + add <= UINT32_MAX;
}

unsigned char *zl_to_listpack(const unsigned char *zl, size_t size) {
    ZlIter it;
    if (!zl_iter_init(&it, zl, size)) return NULL;
    unsigned char *lp = lp_new(size + size / 64 + 16);
    ZlEntry e;
    int r;
    while ((r = zl_iter_next(&it, &e)) == 1) {
        if (!zl_lp_room(lp, &e)) {
            r = -1;
            break;
        }
        lp = e.sval ? lp_append(lp, e.sval, e.slen) : lp_append_int(lp, e.lval);
    }
    if (r != 0) {
        lp_free(lp);
        return NULL;
    }
    return lp_shrink_to_fit(lp);
}

unsigned char *zl_pairs_to_listpack(const unsigned char *zl, size_t size, size_t *pairs_out) {
    unsigned char *lp = zl_to_listpack(zl, size);
    if (!lp) return NULL;
    if (!lp_pairs_unique(lp)) {
        lp_free(lp);
        return NULL;
    }
    if (pairs_out) *pairs_out = lp_length(lp) / 2;
    return lp;
}
