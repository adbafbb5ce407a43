/* zipmap.c - read-only decoding of Redis 2.4's zipmap and its conversion to a
 * listpack of field, value pairs.
 *
 * Layout: [zmlen u8][pair ...][0xFF], where zmlen is the pair count, or 254 when
 * there are 254 or more (then only a walk tells). A pair is
 *   [key length][key bytes][value length][free u8][value bytes][free bytes]
 * and a length is one byte 0..253, or 254 followed by a u32 LE. 0xFF where a key
 * length would start is the terminator; `free` counts unused bytes after the value
 * (left by an in-place update).
 *
 * Invariants checked (zm_validate deep): offsets stay in size_t and every
 * comparison is against the bytes left before the terminator, so nothing is read
 * or addressed outside the blob; lengths are canonical (Redis writes the 5-byte
 * form only for 254 and more, and its own reader would misplace the string after
 * a long form holding a small value, so such blobs are refused); the pairs end
 * exactly at the terminator; at least one pair; zmlen agrees with the count.
 *
 * Costs: validation is one pass, O(size); conversion validates, then walks again
 * appending into a listpack allocated once with room for the worst growth (a pair
 * takes at most 4/3 of its zipmap bytes, plus a few bytes per long string), then
 * sorts the keys for the duplicate check, O(n log n). */
#include "zipmap.h"
#include "listpack.h"
#include <stdint.h>

#define ZM_BIGLEN 254
#define ZM_END 255

/* One pair, pointing into the blob. */
typedef struct ZmPair {
    const unsigned char *key, *val;
    uint32_t klen, vlen;
} ZmPair;

/* Reads the length field at offset `off`, which must end before the terminator at
 * offset `end`. Returns the field's size (1 or 5) with the length in *len, or 0
 * when it is not a canonical length or does not fit. */
static size_t zm_read_len(const unsigned char *zm, size_t end, size_t off, uint32_t *len) {
    if (off >= end) return 0;
    if (zm[off] < ZM_BIGLEN) {
        *len = zm[off];
        return 1;
    }
    if (zm[off] != ZM_BIGLEN || end - off < 5) return 0;
    const unsigned char *p = zm + off + 1;
    *len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return *len >= ZM_BIGLEN ? 5 : 0;
}

/* Decodes the pair at *off (zm[*off] is not the terminator) and moves *off past it
 * and its free padding. Returns 1, or 0 when the pair does not lie before the
 * terminator at offset `end`. */
static int zm_next_pair(const unsigned char *zm, size_t end, size_t *off, ZmPair *pr) {
    size_t o = *off;
    size_t n = zm_read_len(zm, end, o, &pr->klen);
    if (!n) return 0;
    o += n;
    if (pr->klen > end - o) return 0;
    pr->key = zm + o;
    o += pr->klen;
    n = zm_read_len(zm, end, o, &pr->vlen);
    if (!n) return 0;
    o += n;
    if (o >= end) return 0; /* the free byte */
    size_t free = zm[o++];
    if (pr->vlen > end - o || free > end - o - pr->vlen) return 0;
    pr->val = zm + o;
    *off = o + pr->vlen + free;
    return 1;
}

int zm_validate(const unsigned char *zm, size_t size, int deep) {
    if (!zm || size < 2 || zm[size - 1] != ZM_END) return 0;
    if (!deep) return 1;
    size_t end = size - 1, off = 1, count = 0;
    ZmPair pr;
    while (zm[off] != ZM_END) {
        if (!zm_next_pair(zm, end, &off, &pr)) return 0;
        count++;
    }
    if (off != end || count == 0) return 0;
    return zm[0] == ZM_COUNT_UNKNOWN || zm[0] == count;
}

unsigned char *zm_to_listpack(const unsigned char *zm, size_t size, size_t *pairs_out) {
    if (!zm_validate(zm, size, 1)) return NULL;
    unsigned char *lp = lp_new(size + size / 2 + 16);
    size_t off = 1, pairs = 0;
    ZmPair pr;
    while (zm[off] != ZM_END) {
        zm_next_pair(zm, size - 1, &off, &pr); /* cannot fail: validated */
        if (!lp_safe_to_add(lp, (size_t)pr.klen + pr.vlen)) goto fail;
        lp = lp_append(lp, pr.key, pr.klen);
        lp = lp_append(lp, pr.val, pr.vlen);
        pairs++;
    }
    if (!lp_pairs_unique(lp)) goto fail;
    if (pairs_out) *pairs_out = pairs;
    return lp_shrink_to_fit(lp);
fail:
    lp_free(lp);
    return NULL;
}
