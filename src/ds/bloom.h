/* bloom.h - scalable Bloom filters (the structure behind the BF.* commands, which
 * follow the RedisBloom module's API; see src/types/bloom.c).
 *
 * A filter is a chain of layers. Each layer is a classic Bloom filter sized for a
 * capacity n and an error rate e: bpe = -ln(e) / ln(2)^2 bits per item, bits =
 * floor(n * bpe) rounded up to a whole number of 64-bit words, k = ceil(ln(2) * bpe)
 * hash functions. An item's k positions come from double hashing two 64-bit
 * MurmurHash64A values: h1 = murmur(item, seed 0xc6a4a7935bd1e995), h2 =
 * murmur(item, seed h1), position i = (h1 + i*h2) mod bits (RedisBloom's sizing and
 * positions, so filters dumped by one load into the other and answer the same).
 *
 * Scaling: the first layer of a scaling filter gets error e/2; when the newest
 * layer holds its capacity, the next add opens a layer of capacity * expansion
 * and half the previous layer's error, so the compound false-positive rate stays
 * below e (sum of e/2^i). A non-scaling filter has one layer at error e and
 * refuses new items when full.
 *
 * Invariants: nlayers >= 1; every layer's bytes == bits/8, bits % 64 == 0, bits > 0,
 * capacity >= 1; items == sum of layers' items; only the newest layer takes items.
 * Costs: add/check O(k * layers) (a check stops at the first layer that has the
 * item); memory ~ 1.44 * log2(1/e) bits per item of capacity. */
#ifndef VESPER_BLOOM_H
#define VESPER_BLOOM_H
#include <stddef.h>
#include <stdint.h>

/* Option bits, as RedisBloom stores them in its RDB and dump headers. */
#define BLOOM_OPT_NOROUND 1     /* bits not rounded to a power of two (always set here) */
#define BLOOM_OPT_ENTS_IS_BITS 2 /* (never produced; refused on load) */
#define BLOOM_OPT_FORCE64 4     /* 64-bit hashes (always set here) */
#define BLOOM_OPT_NO_SCALING 8  /* NONSCALING */

/* The largest layer accepted (bytes of bitmap): 2^32 bytes = 2^35 bits. */
#define BLOOM_MAX_LAYER_BYTES ((uint64_t)1 << 32)
/* Layer capacities fit 32 bits (RedisBloom's dump header stores them so). */
#define BLOOM_MAX_CAPACITY ((uint64_t)UINT32_MAX - 1)
#define BLOOM_MAX_LAYERS 1000
/* The most bitmap bytes one filter holds (a loaded header or record may claim no
 * more, and a filter does not grow past it, so every filter made loads back). */
#define BLOOM_MAX_TOTAL_BYTES (BLOOM_MAX_LAYER_BYTES * 4)

typedef struct BloomLayer {
    uint64_t capacity;      /* items it is sized for ("entries") */
    uint64_t items;         /* items added to it ("size") */
    double error;           /* its own error rate */
    double bpe;             /* bits per entry: -ln(error)/ln(2)^2 */
    uint32_t hashes;        /* k */
    uint64_t bits;          /* bytes * 8 */
    uint64_t bytes;
    unsigned char *bitmap;  /* bytes long; bit x is byte x/8, mask 1 << (x%8) */
} BloomLayer;

typedef struct Bloom {
    uint64_t items;         /* items added (adds that set a new bit) */
    uint32_t nlayers;
    uint32_t options;       /* BLOOM_OPT_* */
    uint32_t expansion;     /* growth factor of a new layer's capacity */
    BloomLayer *layers;
} Bloom;

typedef struct BloomHash {
    uint64_t a, b;
} BloomHash;

/* 64-bit MurmurHash64A (Austin Appleby's algorithm) of len bytes with seed. */
uint64_t bloom_murmur64a(const void *p, size_t len, uint64_t seed);
BloomHash bloom_hash(const void *item, size_t len);

/* Bitmaps: zeroed, from vcalloc below BLOOM_PAGES_MIN bytes and straight from the
 * kernel above (returned to it on free); NULL when out of memory or bytes is 0 or
 * past BLOOM_MAX_LAYER_BYTES. Free with the same byte count. */
#define BLOOM_PAGES_MIN ((uint64_t)1 << 16)
unsigned char *bloom_bitmap_alloc(uint64_t bytes);
void bloom_bitmap_free(unsigned char *p, uint64_t bytes);

/* A new empty filter: capacity >= 1, 0 < error < 1, expansion >= 1 (ignored when
 * nonscaling). NULL when the first layer would pass BLOOM_MAX_LAYER_BYTES or the
 * capacity BLOOM_MAX_CAPACITY, or its bitmap cannot be allocated. */
Bloom *bloom_new(uint64_t capacity, double error, uint32_t expansion, int nonscaling);
void bloom_free(Bloom *b);
/* A deep copy; NULL when the bitmaps cannot be allocated. */
Bloom *bloom_dup(const Bloom *b);

/* Adds an item: 1 when it was new (some bit set), 0 when it (or a false positive)
 * was already there, -1 when a non-scaling filter is full, -2 when a new layer
 * cannot be made (its capacity or size, or the filter's total, would pass the
 * limits, or no memory). */
int bloom_add(Bloom *b, const void *item, size_t len);
/* 1 when the item may be present, 0 when it certainly is not. */
int bloom_check(const Bloom *b, const void *item, size_t len);
/* Sum of the layers' capacities (BF.INFO Capacity). */
uint64_t bloom_capacity(const Bloom *b);
/* BF.INFO Size, as RedisBloom counts it: 32 + 64 per layer + the bitmaps. */
uint64_t bloom_size(const Bloom *b);
/* Bytes of every layer's bitmap. */
uint64_t bloom_total_bytes(const Bloom *b);

/* ---- dump/restore (BF.SCANDUMP / BF.LOADCHUNK) ----
 * The header is RedisBloom's packed little-endian layout: u64 items, u32 nlayers,
 * u32 options, u32 expansion; per layer u64 bytes, u64 bits, u64 items, f64 error,
 * f64 bpe, u32 hashes, u32 capacity, u8 n2 (always 0 here). The data follows as
 * chunks of the bitmaps, addressed by an iterator: 1 + the byte offset in the
 * concatenation of the layers' bitmaps after the chunk (a chunk never spans two
 * layers). */
#define BLOOM_HEADER_FIXED 20
#define BLOOM_HEADER_LAYER 49
/* The header as a new vmalloc'd buffer of *len bytes. */
unsigned char *bloom_encode_header(const Bloom *b, size_t *len);
/* A filter (bitmaps zeroed) from an UNTRUSTED header; NULL with *err set to the
 * reply text when any field is inconsistent (sizes, counts, rates, hashes). */
Bloom *bloom_from_header(const unsigned char *p, size_t len, const char **err);
/* The chunk at iterator *iter (>= 1): a pointer into the bitmap and its length (at
 * most max), *iter advanced past it; NULL with *iter = 0 after the last chunk. */
const unsigned char *bloom_chunk(const Bloom *b, long long *iter, size_t *len, size_t max);
/* Writes a chunk that SCANDUMP returned with iterator iter (its end). 0, or -1 with
 * *err: "ERR received bad data" when iter < 1 or iter < len (RedisBloom's test),
 * else when the chunk does not fall inside one layer. */
int bloom_load_chunk(Bloom *b, long long iter, const unsigned char *p, size_t len, const char **err);
/* Checks a layer's derived fields (after loading): 1 when consistent. */
int bloom_layer_valid(const BloomLayer *l);
/* Checks a loaded filter as a whole (layer count, option bits, expansion, every
 * layer, total size): 1 when valid. */
int bloom_valid(const Bloom *b);

#endif
