/* bloom.c - scalable Bloom filters: layers, hashing, scaling, and the dump header
 * and chunks of BF.SCANDUMP / BF.LOADCHUNK (see bloom.h for the layout, the sizing
 * rules and the invariants). Every size read from outside is checked before any
 * allocation or copy. */
#include "bloom.h"
#include "../base/alloc.h"
#include <math.h>
#include <string.h>

#define BLOOM_LN2 0.693147180559945
#define BLOOM_LN2_SQUARED 0.480453013918201
#define BLOOM_TIGHTENING 0.5

/* ---- hashing ---- */

static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

uint64_t bloom_murmur64a(const void *data, size_t len, uint64_t seed) {
    const uint64_t mul = 0xc6a4a7935bd1e995ULL;
    const int shift = 47;
    const unsigned char *p = data;
    uint64_t h = seed ^ ((uint64_t)len * mul);
    size_t words = len / 8;
    for (size_t w = 0; w < words; w++, p += 8) {
        uint64_t k = load_le64(p);
        k *= mul;
        k ^= k >> shift;
        k *= mul;
        h ^= k;
        h *= mul;
    }
    size_t tail = len & 7;
    if (tail) {
        for (size_t i = tail; i-- > 0;) h ^= (uint64_t)p[i] << (8 * i);
        h *= mul;
    }
    h ^= h >> shift;
    h *= mul;
    h ^= h >> shift;
    return h;
}

BloomHash bloom_hash(const void *item, size_t len) {
    BloomHash h;
    h.a = bloom_murmur64a(item, len, 0xc6a4a7935bd1e995ULL);
    h.b = bloom_murmur64a(item, len, h.a);
    return h;
}

/* ---- layers ---- */

static double bits_per_entry(double error) {
    double bpe = -log(error) / BLOOM_LN2_SQUARED;
    return bpe < 0 ? -bpe : bpe;
}

/* Sizes l for capacity and error; 0 when too large. The bitmap is not allocated. */
static int layer_size(BloomLayer *l, uint64_t capacity, double error) {
    memset(l, 0, sizeof(*l));
    if (capacity < 1 || capacity > BLOOM_MAX_CAPACITY || !(error > 0 && error < 1)) return 0;
    l->capacity = capacity;
    l->error = error;
    l->bpe = bits_per_entry(error);
    double fbits = (double)capacity * l->bpe;
    if (!(fbits < (double)BLOOM_MAX_LAYER_BYTES * 8)) return 0;
    uint64_t bits = (uint64_t)fbits;
    if (bits == 0) bits = 1;
    l->bytes = (bits + 63) / 64 * 8;
    l->bits = l->bytes * 8;
    double k = ceil(BLOOM_LN2 * l->bpe);
    if (!(k >= 1 && k <= 4096)) return 0;
    l->hashes = (uint32_t)k;
    return l->bytes <= BLOOM_MAX_LAYER_BYTES;
}

int bloom_layer_valid(const BloomLayer *l) {
    if (!(l->error > 0 && l->error < 1) || !(l->bpe > 0 && l->bpe < 1e6)) return 0;
    if (l->bytes == 0 || l->bytes > BLOOM_MAX_LAYER_BYTES || l->bits != l->bytes * 8) return 0;
    /* capacities past 32 bits could not be written back in a dump header */
    if (l->capacity < 1 || l->capacity > BLOOM_MAX_CAPACITY) return 0;
    double k = ceil(BLOOM_LN2 * l->bpe);
    return l->hashes >= 1 && l->hashes <= 4096 && (double)l->hashes == k;
}

/* 1 when every position of h is set in l; with set, sets them and returns whether
 * some bit was clear before. */
static int layer_probe(BloomLayer *l, BloomHash h, int set) {
    int found_clear = 0;
    for (uint64_t i = 0; i < l->hashes; i++) {
        uint64_t x = (h.a + i * h.b) % l->bits;
        unsigned char mask = (unsigned char)(1u << (x & 7));
        unsigned char *byte = l->bitmap + (x >> 3);
        if (!(*byte & mask)) {
            if (!set) return 0;
            *byte |= mask;
            found_clear = 1;
        }
    }
    return set ? found_clear : 1;
}

static int layer_check(const BloomLayer *l, BloomHash h) { return layer_probe((BloomLayer *)l, h, 0); }

unsigned char *bloom_bitmap_alloc(uint64_t bytes) {
    if (bytes == 0 || bytes > BLOOM_MAX_LAYER_BYTES) return NULL;
    if (bytes < BLOOM_PAGES_MIN) return vcalloc((size_t)bytes);
    return vmalloc_pages_try((size_t)bytes);
}

void bloom_bitmap_free(unsigned char *p, uint64_t bytes) {
    if (!p) return;
    if (bytes < BLOOM_PAGES_MIN) vfree(p);
    else vfree_pages(p, (size_t)bytes);
}

/* Appends a sized layer with a zeroed bitmap; 0 when too large, too many, past
 * the filter's total (what bloom_valid accepts on load), or out of memory. */
static int add_layer(Bloom *b, uint64_t capacity, double error) {
    BloomLayer l;
    if (b->nlayers >= BLOOM_MAX_LAYERS || !layer_size(&l, capacity, error)) return 0;
    if (bloom_total_bytes(b) + l.bytes > BLOOM_MAX_TOTAL_BYTES) return 0;
    if (!(l.bitmap = bloom_bitmap_alloc(l.bytes))) return 0;
    b->layers = vrealloc(b->layers, sizeof(BloomLayer) * (b->nlayers + 1));
    b->layers[b->nlayers++] = l;
    return 1;
}

Bloom *bloom_new(uint64_t capacity, double error, uint32_t expansion, int nonscaling) {
    if (!(error > 0 && error < 1)) return NULL;
    Bloom *b = vcalloc(sizeof(*b));
    b->options = BLOOM_OPT_NOROUND | BLOOM_OPT_FORCE64 | (nonscaling ? BLOOM_OPT_NO_SCALING : 0);
    b->expansion = expansion;
    if (!add_layer(b, capacity, nonscaling ? error : error * BLOOM_TIGHTENING)) {
        bloom_free(b);
        return NULL;
    }
    return b;
}

void bloom_free(Bloom *b) {
    if (!b) return;
    for (uint32_t i = 0; i < b->nlayers; i++) bloom_bitmap_free(b->layers[i].bitmap, b->layers[i].bytes);
    vfree(b->layers);
    vfree(b);
}

Bloom *bloom_dup(const Bloom *b) {
    Bloom *d = vmalloc(sizeof(*d));
    *d = *b;
    d->layers = vmalloc(sizeof(BloomLayer) * b->nlayers);
    for (uint32_t i = 0; i < b->nlayers; i++) {
        d->layers[i] = b->layers[i];
        d->layers[i].bitmap = NULL;
    }
    for (uint32_t i = 0; i < b->nlayers; i++) {
        if (!(d->layers[i].bitmap = bloom_bitmap_alloc(b->layers[i].bytes))) {
            bloom_free(d);
            return NULL;
        }
        memcpy(d->layers[i].bitmap, b->layers[i].bitmap, (size_t)b->layers[i].bytes);
    }
    return d;
}

int bloom_check(const Bloom *b, const void *item, size_t len) {
    BloomHash h = bloom_hash(item, len);
    for (uint32_t i = b->nlayers; i-- > 0;)
        if (layer_check(&b->layers[i], h)) return 1;
    return 0;
}

int bloom_add(Bloom *b, const void *item, size_t len) {
    BloomHash h = bloom_hash(item, len);
    for (uint32_t i = b->nlayers; i-- > 0;)
        if (layer_check(&b->layers[i], h)) return 0;
    BloomLayer *cur = &b->layers[b->nlayers - 1];
    if (cur->items >= cur->capacity) {
        if (b->options & BLOOM_OPT_NO_SCALING) return -1;
        uint64_t next = cur->capacity * (uint64_t)b->expansion;
        if (b->expansion < 1 || next / b->expansion != cur->capacity ||
            !add_layer(b, next, cur->error * BLOOM_TIGHTENING))
            return -2;
        cur = &b->layers[b->nlayers - 1];
    }
    if (!layer_probe(cur, h, 1)) return 0;
    cur->items++;
    b->items++;
    return 1;
}

uint64_t bloom_capacity(const Bloom *b) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < b->nlayers; i++) n += b->layers[i].capacity;
    return n;
}

uint64_t bloom_total_bytes(const Bloom *b) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < b->nlayers; i++) n += b->layers[i].bytes;
    return n;
}

uint64_t bloom_size(const Bloom *b) { return 32 + 64 * (uint64_t)b->nlayers + bloom_total_bytes(b); }

int bloom_valid(const Bloom *b) {
    if (b->nlayers < 1 || b->nlayers > BLOOM_MAX_LAYERS) return 0;
    if (b->options & ~(uint32_t)(BLOOM_OPT_NOROUND | BLOOM_OPT_FORCE64 | BLOOM_OPT_NO_SCALING)) return 0;
    if (!(b->options & BLOOM_OPT_FORCE64)) return 0; /* 32-bit hashing filters are not supported */
    if (!(b->options & BLOOM_OPT_NO_SCALING) && b->expansion < 1) return 0;
    uint64_t total = 0;
    for (uint32_t i = 0; i < b->nlayers; i++) {
        if (!bloom_layer_valid(&b->layers[i])) return 0;
        total += b->layers[i].bytes;
        if (total > BLOOM_MAX_TOTAL_BYTES) return 0;
    }
    return 1;
}

/* ---- dump header and chunks ---- */

static unsigned char *put_le(unsigned char *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++, v >>= 8) *p++ = (unsigned char)(v & 0xff);
    return p;
}

static uint64_t get_le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t double_bits(double d) {
    uint64_t v;
    memcpy(&v, &d, 8);
    return v;
}

static double bits_double(uint64_t v) {
    double d;
    memcpy(&d, &v, 8);
    return d;
}

unsigned char *bloom_encode_header(const Bloom *b, size_t *len) {
    *len = BLOOM_HEADER_FIXED + (size_t)BLOOM_HEADER_LAYER * b->nlayers;
    unsigned char *buf = vmalloc(*len), *p = buf;
    p = put_le(p, b->items, 8);
    p = put_le(p, b->nlayers, 4);
    p = put_le(p, b->options, 4);
    p = put_le(p, b->expansion, 4);
    for (uint32_t i = 0; i < b->nlayers; i++) {
        const BloomLayer *l = &b->layers[i];
        p = put_le(p, l->bytes, 8);
        p = put_le(p, l->bits, 8);
        p = put_le(p, l->items, 8);
        p = put_le(p, double_bits(l->error), 8);
        p = put_le(p, double_bits(l->bpe), 8);
        p = put_le(p, l->hashes, 4);
        p = put_le(p, l->capacity, 4);
        *p++ = 0; /* n2: bits are never a power-of-two exponent here */
    }
    return buf;
}

Bloom *bloom_from_header(const unsigned char *p, size_t len, const char **err) {
    *err = "ERR received bad data";
    if (len < BLOOM_HEADER_FIXED) return NULL;
    uint64_t nlayers = get_le(p + 8, 4);
    if (nlayers < 1 || nlayers > BLOOM_MAX_LAYERS || len != BLOOM_HEADER_FIXED + BLOOM_HEADER_LAYER * nlayers)
        return NULL;
    Bloom *b = vcalloc(sizeof(*b));
    b->items = get_le(p, 8);
    b->options = (uint32_t)get_le(p + 12, 4);
    b->expansion = (uint32_t)get_le(p + 16, 4);
    b->layers = vcalloc((size_t)nlayers * sizeof(BloomLayer));
    b->nlayers = (uint32_t)nlayers;
    const unsigned char *q = p + BLOOM_HEADER_FIXED;
    for (uint32_t i = 0; i < b->nlayers; i++, q += BLOOM_HEADER_LAYER) {
        BloomLayer *l = &b->layers[i];
        l->bytes = get_le(q, 8);
        l->bits = get_le(q + 8, 8);
        l->items = get_le(q + 16, 8);
        l->error = bits_double(get_le(q + 24, 8));
        l->bpe = bits_double(get_le(q + 32, 8));
        l->hashes = (uint32_t)get_le(q + 40, 4);
        l->capacity = get_le(q + 44, 4);
        if (q[48] != 0 || !bloom_layer_valid(l)) {
            bloom_free(b); /* bitmaps are still NULL */
            return NULL;
        }
    }
    if (!bloom_valid(b)) {
        bloom_free(b);
        return NULL;
    }
    for (uint32_t i = 0; i < b->nlayers; i++) {
        if (!(b->layers[i].bitmap = bloom_bitmap_alloc(b->layers[i].bytes))) {
            *err = "ERR could not create filter";
            bloom_free(b);
            return NULL;
        }
    }
    *err = NULL;
    return b;
}

/* The layer holding byte offset off of the concatenated bitmaps, with the offset
 * inside it; NULL past the end. */
static BloomLayer *layer_at(const Bloom *b, uint64_t off, uint64_t *inner) {
    for (uint32_t i = 0; i < b->nlayers; i++) {
        if (off < b->layers[i].bytes) {
            *inner = off;
            return &b->layers[i];
        }
        off -= b->layers[i].bytes;
    }
    return NULL;
}

const unsigned char *bloom_chunk(const Bloom *b, long long *iter, size_t *len, size_t max) {
    uint64_t inner;
    BloomLayer *l = *iter >= 1 ? layer_at(b, (uint64_t)(*iter - 1), &inner) : NULL;
    if (!l) {
        *iter = 0;
        *len = 0;
        return NULL;
    }
    uint64_t left = l->bytes - inner;
    *len = left < max ? (size_t)left : max;
    *iter += (long long)*len;
    return l->bitmap + inner;
}

int bloom_load_chunk(Bloom *b, long long iter, const unsigned char *p, size_t len, const char **err) {
    uint64_t inner;
    if (iter < 1 || (uint64_t)iter < len) { /* cannot be the end of this chunk */
        *err = "ERR received bad data";
        return -1;
    }
    BloomLayer *l = (uint64_t)iter > len ? layer_at(b, (uint64_t)iter - 1 - len, &inner) : NULL;
    if (!l) {
        *err = "ERR invalid offset - no link found";
        return -1;
    }
    if (len > l->bytes - inner) {
        *err = "ERR invalid chunk - Too big for current filter";
        return -1;
    }
    memcpy(l->bitmap + inner, p, len);
    return 0;
}
