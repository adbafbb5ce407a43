/* hll.h - HyperLogLog sketches in Redis 7.0's exact byte layout, so that a value
 * moved between Redis and Vesper (DUMP/RESTORE, RDB, GET/SET of the raw string)
 * reads, grows and counts identically on both.
 *
 * Layout (all values are plain strings):
 *   bytes 0..3   "HYLL"
 *   byte  4      encoding: HLL_DENSE (0) or HLL_SPARSE (1)
 *   bytes 5..7   unused, kept as found
 *   bytes 8..15  cached cardinality, little endian; the top bit of byte 15 set means
 *                "stale, recompute"
 *   dense body   16384 registers of 6 bits, register i at bit 6*i, least
 *                significant bits first: exactly 12288 bytes (HLL_DENSE_SIZE total)
 *   sparse body  run-length opcodes covering the 16384 registers in order:
 *                00xxxxxx          ZERO: 1..64 zero registers
 *                01xxxxxx yyyyyyyy XZERO: 1..16384 zero registers (14-bit length-1)
 *                1vvvvvxx          VAL: 1..4 registers holding value 1..32
 *
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the
 * register, the position of the lowest set bit of the other 50 (plus a sentinel)
 * gives its candidate value 1..51. A sparse sketch turns dense when a value above 32
 * arrives or its size would pass the caller's limit (hll-sparse-max-bytes).
 * Cardinality: Otmar Ertl's improved estimator over the register histogram, with the
 * same floating-point operations in the same order as Redis, so results are equal.
 *
 * Safety: every reader of a sparse body checks each opcode against the end of the
 * data and stops as soon as the registers covered pass 16384; a body that does not
 * cover exactly 16384 registers, or whose opcodes run past them, is corrupt (as in
 * Redis 7.0.15 with the CVE-2025-32023 fix that Debian's build carries). A two-byte
 * XZERO cut off by the end of the data reads its missing byte as 0, as Redis does
 * (it reads the string's terminating NUL there); an update that lands in such an
 * opcode turns the sketch dense instead of writing past the data (Redis writes its
 * split into the spare room there and leaves a byte past the string's end): it
 * succeeds, as in Redis, when the body covers exactly 16384 registers, and reports
 * corruption otherwise. Dense bodies must have the exact length (callers check it
 * with hll_header_ok).
 *
 * Costs: adding to a dense sketch O(1); to a sparse one O(size) (a scan and a
 * memmove of at most hll-sparse-max-bytes); counting and merging O(16384) dense,
 * O(size) sparse. */
#ifndef VESPER_HLL_H
#define VESPER_HLL_H
#include <stddef.h>
#include <stdint.h>
#include "../base/sds.h"

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE 0
#define HLL_SPARSE 1
#define HLL_SPARSE_VAL_MAX 32

/* MurmurHash64A of len bytes at key, as Redis computes it (little-endian reads). */
uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed);

/* The register an element lands in (*index, 0..16383) and the value it proposes
 * for it (returned, 1..51). */
int hll_pattern(const void *ele, size_t len, uint32_t *index);

/* Dense register access on the 12288-byte body (regs points after the header). */
static inline unsigned hll_dense_get(const uint8_t *regs, uint32_t i) {
    uint32_t bit = i * HLL_BITS, byte = bit >> 3, shift = bit & 7;
    unsigned v = regs[byte] >> shift;
    if (shift > 8 - HLL_BITS) v |= (unsigned)regs[byte + 1] << (8 - shift);
    return v & HLL_REGISTER_MAX;
}
static inline void hll_dense_put(uint8_t *regs, uint32_t i, unsigned v) {
    uint32_t bit = i * HLL_BITS, byte = bit >> 3, shift = bit & 7;
    regs[byte] = (uint8_t)((regs[byte] & ~(HLL_REGISTER_MAX << shift)) | (v << shift));
    if (shift > 8 - HLL_BITS) {
        unsigned rs = 8 - shift;
        regs[byte + 1] = (uint8_t)((regs[byte + 1] & ~(HLL_REGISTER_MAX >> rs)) | (v >> rs));
    }
}

/* The header checks Redis makes before using a string as a sketch: at least 16
 * bytes, "HYLL", encoding 0 or 1, and a dense one exactly HLL_DENSE_SIZE long.
 * Returns 1 when they pass. The sparse body is checked only as it is read. */
int hll_header_ok(const uint8_t *p, size_t len);

/* A new empty sketch (sparse: the header and one XZERO of 16384), as PFADD and
 * PFMERGE create it. The caller owns the result. */
Sds hll_new(void);

/* Cached cardinality in the header. */
int hll_cache_valid(const uint8_t *p);
uint64_t hll_cache_get(const uint8_t *p);
void hll_cache_set(uint8_t *p, uint64_t card);
static inline void hll_cache_invalidate(uint8_t *p) { p[15] |= 0x80; }

/* Raises register index of the sketch *s to count if that is higher. A sparse
 * sketch is edited in place (its sds may be reallocated: *s is updated) or turned
 * dense when count > 32, it would grow past sparse_max bytes or the register lies
 * in a cut-off final XZERO. Returns 1 when the register changed, 0 when not, -1
 * when the sparse body is corrupt (the value may then be partly edited, as in
 * Redis). *s must have passed hll_header_ok. */
int hll_set(Sds *s, uint32_t index, unsigned count, size_t sparse_max);
/* hll_set for an element's register and value (PFADD). */
int hll_add(Sds *s, const void *ele, size_t len, size_t sparse_max);

/* Turns a sparse sketch dense in place (*s replaced; header bytes kept, encoding
 * changed). 0 on success or when already dense, -1 when the body is corrupt (*s
 * unchanged). */
int hll_to_dense(Sds *s);

/* max[i] = MAX(max[i], register i) over a sketch that passed hll_header_ok.
 * Returns 0, or -1 when a sparse body is corrupt (max partly updated). */
int hll_merge(uint8_t max[HLL_REGISTERS], const uint8_t *p, size_t len);

/* The register histogram (hist[v] = number of registers holding v; 64 entries).
 * hll_histogram returns -1 when a sparse body is corrupt. */
int hll_histogram(const uint8_t *p, size_t len, int hist[64]);
void hll_histogram_bytes(const uint8_t regs[HLL_REGISTERS], int hist[64]);

/* Ertl's estimator over a histogram, rounded as Redis rounds it. */
uint64_t hll_estimate(const int hist[64]);

/* Cardinality of a sketch (ignores the cache); *invalid set to 1 for a corrupt
 * sparse body. */
uint64_t hll_count(const uint8_t *p, size_t len, int *invalid);

/* PFDEBUG DECODE's text of a sparse body ("z:N", "Z:N", "v:VAL,N" separated by
 * spaces). The caller owns the result. */
Sds hll_sparse_text(const uint8_t *p, size_t len);

#endif
