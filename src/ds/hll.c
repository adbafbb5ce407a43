/* hll.c - HyperLogLog sketches in Redis 7.0's byte layout: hashing, dense and sparse
 * register updates, conversion, merging and the cardinality estimator. hll.h
 * describes the format, the invariants and the costs.
 *
 * Sparse updates follow Redis's procedure step by step (which opcode is split into
 * which sequence, when neighbouring VAL opcodes are joined, when the sketch turns
 * dense) because the bytes they produce are visible: DUMP, GET and replicas compare
 * them with what Redis writes. */
#include "hll.h"
#include <math.h>
#include <string.h>

#define HLL_SEED 0xadc83b19ULL
#define HLL_ALPHA_INF 0.721347520444481703680 /* 1 / (2 ln 2) */

/* Sparse opcodes */
#define OP_IS_ZERO(b) (((b) & 0xc0) == 0)
#define OP_IS_XZERO(b) (((b) & 0xc0) == 0x40)
#define OP_IS_VAL(b) (((b) & 0x80) != 0)
#define OP_VAL_VALUE(b) ((((b) >> 2) & 0x1f) + 1)
#define OP_VAL_LEN(b) (((b) & 3) + 1)
#define OP_ZERO_LEN(b) (((b) & 0x3f) + 1)
#define OP_VAL(v, n) ((uint8_t)(0x80 | (((v) - 1) << 2) | ((n) - 1)))
#define OP_ZERO_MAX 64
#define OP_VAL_MAX_LEN 4

/* ---- hashing ---- */

uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const uint8_t *d = key;
    uint64_t h = seed ^ ((uint64_t)len * m);
    size_t blocks = len / 8;
    for (size_t i = 0; i < blocks; i++, d += 8) {
        uint64_t k;
        memcpy(&k, d, 8); /* little-endian host (x86-64, arm64) */
        k *= m;
        k ^= k >> 47;
        k *= m;
        h = (h ^ k) * m;
    }
    size_t rest = len & 7;
    if (rest) {
        uint64_t tail = 0;
        for (size_t i = rest; i-- > 0;) tail = (tail << 8) | d[i];
        h = (h ^ tail) * m;
    }
    h ^= h >> 47;
    h *= m;
    h ^= h >> 47;
    return h;
}

int hll_pattern(const void *ele, size_t len, uint32_t *index) {
    uint64_t h = hll_murmur64a(ele, len, HLL_SEED);
    *index = (uint32_t)(h & (HLL_REGISTERS - 1));
    h = (h >> HLL_P) | (1ULL << HLL_Q); /* the sentinel bounds the run at Q+1 */
    return __builtin_ctzll(h) + 1;
}

/* ---- header ---- */

int hll_header_ok(const uint8_t *p, size_t len) {
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0 || p[4] > HLL_SPARSE) return 0;
    return p[4] != HLL_DENSE || len == HLL_DENSE_SIZE;
}

Sds hll_new(void) {
    Sds s = sds_newlen(NULL, HLL_HDR_SIZE + 2);
    uint8_t *p = (uint8_t *)s;
    memcpy(p, "HYLL", 4);
    p[4] = HLL_SPARSE;
    p[HLL_HDR_SIZE] = (uint8_t)(0x40 | ((HLL_REGISTERS - 1) >> 8));
    p[HLL_HDR_SIZE + 1] = (uint8_t)((HLL_REGISTERS - 1) & 0xff);
    return s;
}

int hll_cache_valid(const uint8_t *p) { return (p[15] & 0x80) == 0; }

uint64_t hll_cache_get(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[8 + i];
    return v;
}

void hll_cache_set(uint8_t *p, uint64_t card) {
    for (int i = 0; i < 8; i++) p[8 + i] = (uint8_t)(card >> (8 * i));
}

/* ---- sparse reading ---- */

/* Decodes the opcode at p (p < end): returns the registers it covers, sets *val to
 * their value (0 for zero runs) and *oplen to its size in bytes. A cut-off XZERO
 * reads its second byte as 0. */
static inline uint32_t hll_op(const uint8_t *p, const uint8_t *end, unsigned *val, int *oplen) {
    uint8_t b = *p;
    if (OP_IS_VAL(b)) {
        *val = OP_VAL_VALUE(b);
        *oplen = 1;
        return OP_VAL_LEN(b);
    }
    *val = 0;
    if (OP_IS_ZERO(b)) {
        *oplen = 1;
        return OP_ZERO_LEN(b);
    }
    *oplen = 2;
    return ((uint32_t)(b & 0x3f) << 8 | (p + 1 < end ? p[1] : 0)) + 1;
}

int hll_merge(uint8_t max[HLL_REGISTERS], const uint8_t *p, size_t len) {
    const uint8_t *regs = p + HLL_HDR_SIZE;
    if (p[4] == HLL_DENSE) {
        /* four registers in every three bytes */
        for (uint32_t i = 0; i < HLL_REGISTERS; i += 4, regs += 3) {
            uint32_t w = regs[0] | (uint32_t)regs[1] << 8 | (uint32_t)regs[2] << 16;
            for (int k = 0; k < 4; k++, w >>= 6) {
                uint8_t v = (uint8_t)(w & HLL_REGISTER_MAX);
                if (v > max[i + k]) max[i + k] = v;
            }
        }
        return 0;
    }
    const uint8_t *end = p + len;
    uint32_t idx = 0;
    while (regs < end) {
        unsigned v;
        int oplen;
        uint32_t n = hll_op(regs, end, &v, &oplen);
        if (n > HLL_REGISTERS - idx) return -1;
        if (v) {
            for (uint32_t k = idx; k < idx + n; k++)
                if (v > max[k]) max[k] = (uint8_t)v;
        }
        idx += n;
        regs += oplen;
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

int hll_to_dense(Sds *s) {
    const uint8_t *p = (const uint8_t *)*s;
    if (p[4] == HLL_DENSE) return 0;
    Sds d = sds_newlen(NULL, HLL_DENSE_SIZE);
    uint8_t *q = (uint8_t *)d, *regs = q + HLL_HDR_SIZE;
    memcpy(q, p, HLL_HDR_SIZE);
    q[4] = HLL_DENSE;
    const uint8_t *op = p + HLL_HDR_SIZE, *end = p + sds_len(*s);
    uint32_t idx = 0;
    while (op < end) {
        unsigned v;
        int oplen;
        uint32_t n = hll_op(op, end, &v, &oplen);
        if (n > HLL_REGISTERS - idx) {
            idx = HLL_REGISTERS + 1;
            break;
        }
        for (uint32_t k = 0; v && k < n; k++) hll_dense_put(regs, idx + k, v);
        idx += n;
        op += oplen;
    }
    if (idx != HLL_REGISTERS) {
        sds_free(d);
        return -1;
    }
    sds_free(*s);
    *s = d;
    return 0;
}

/* ---- histogram and estimator ---- */

void hll_histogram_bytes(const uint8_t regs[HLL_REGISTERS], int hist[64]) {
    for (uint32_t i = 0; i < HLL_REGISTERS; i += 8) {
        uint64_t w;
        memcpy(&w, regs + i, 8);
        if (w == 0) {
            hist[0] += 8;
            continue;
        }
        for (int k = 0; k < 8; k++) hist[regs[i + k] & 63]++;
    }
}

int hll_histogram(const uint8_t *p, size_t len, int hist[64]) {
    const uint8_t *regs = p + HLL_HDR_SIZE;
    if (p[4] == HLL_DENSE) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i += 4, regs += 3) {
            uint32_t w = regs[0] | (uint32_t)regs[1] << 8 | (uint32_t)regs[2] << 16;
            hist[w & 63]++;
            hist[(w >> 6) & 63]++;
            hist[(w >> 12) & 63]++;
            hist[w >> 18]++;
        }
        return 0;
    }
    const uint8_t *end = p + len;
    uint32_t idx = 0;
    while (regs < end) {
        unsigned v;
        int oplen;
        uint32_t n = hll_op(regs, end, &v, &oplen);
        if (n > HLL_REGISTERS - idx) return -1;
        hist[v] += (int)n;
        idx += n;
        regs += oplen;
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

/* Ertl's sigma and tau (arXiv:1702.01284), iterated to their fixed point. */
static double hll_sigma(double x) {
    if (x == 1.) return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (prev != z);
    return z;
}

static double hll_tau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double y = 1.0, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        double d = 1 - x;
        z -= d * d * y;
    } while (prev != z);
    return z / 3;
}

uint64_t hll_estimate(const int hist[64]) {
    const double m = HLL_REGISTERS;
    double z = m * hll_tau((m - hist[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; j--) {
        z += hist[j];
        z *= 0.5;
    }
    z += m * hll_sigma(hist[0] / m);
    /* Redis rounds to a long long, stores it in a double, then converts to
     * unsigned: the same steps, minus the undefined conversion of a negative
     * (only reachable when every register holds 52 or more: z is 0). */
    double e = (double)llroundl(HLL_ALPHA_INF * m * m / z);
    return e < 0 ? (uint64_t)(int64_t)e : (uint64_t)e;
}

uint64_t hll_count(const uint8_t *p, size_t len, int *invalid) {
    int hist[64] = {0};
    if (hll_histogram(p, len, hist) < 0 && invalid) *invalid = 1;
    return hll_estimate(hist);
}

/* ---- updates ---- */

/* Writes a zero run of n (1..16384) registers at q: ZERO up to 64, else XZERO.
 * Returns the bytes written. */
static int hll_put_zeros(uint8_t *q, uint32_t n) {
    if (n > OP_ZERO_MAX) {
        q[0] = (uint8_t)(0x40 | ((n - 1) >> 8));
        q[1] = (uint8_t)((n - 1) & 0xff);
        return 2;
    }
    q[0] = (uint8_t)(n - 1);
    return 1;
}

static int hll_dense_set(uint8_t *regs, uint32_t index, unsigned count) {
    if (hll_dense_get(regs, index) >= count) return 0;
    hll_dense_put(regs, index, count);
    return 1;
}

/* The sparse case of hll_set. */
static int hll_sparse_set(Sds *sp, uint32_t index, unsigned count, size_t sparse_max) {
    if (count > HLL_SPARSE_VAL_MAX) goto promote;
    /* an update grows the body by at most 3 bytes (XZERO -> XZERO VAL XZERO) */
    Sds s = *sp = sds_make_room(*sp, 3);
    uint8_t *base = (uint8_t *)s + HLL_HDR_SIZE, *end = (uint8_t *)s + sds_len(s);
    uint8_t *p = base, *prev = NULL;
    uint32_t first = 0, span = 0;
    unsigned val = 0;
    int oplen = 1;

    /* 1. find the opcode covering index */
    while (p < end) {
        span = hll_op(p, end, &val, &oplen);
        if (index < first + span) break;
        prev = p;
        p += oplen;
        first += span;
        if (first > HLL_REGISTERS) return -1;
    }
    if (p >= end) return -1;
    /* An XZERO cut off by the end of the data (its missing byte read as 0): Redis
     * writes its split there and leaves the last byte past the string's end. The
     * registers it covers are zero, so turning the sketch dense (which fails
     * unless the body covers exactly 16384 registers) updates it correctly with
     * Redis's reply. */
    if (p + oplen > end) goto promote;
    uint8_t *next = p + oplen < end ? p + oplen : NULL;

    /* 2. the cases that rewrite one byte in place */
    if (val) {
        if (val >= count) return 0;
        if (span == 1) {
            *p = OP_VAL(count, 1);
            goto updated;
        }
    } else if (oplen == 1 && span == 1) {
        *p = OP_VAL(count, 1);
        goto updated;
    }

    /* 3. split the opcode into (before) VAL(count) (after) */
    uint8_t seq[5];
    int n = 0;
    uint32_t last = first + span - 1;
    if (!val) {
        if (index != first) n += hll_put_zeros(seq + n, index - first);
        seq[n++] = OP_VAL(count, 1);
        if (index != last) n += hll_put_zeros(seq + n, last - index);
    } else {
        if (index != first) seq[n++] = OP_VAL(val, index - first);
        seq[n++] = OP_VAL(count, 1);
        if (index != last) seq[n++] = OP_VAL(val, last - index);
    }
    int delta = n - oplen;
    if (delta > 0 && sds_len(s) + (size_t)delta > sparse_max) goto promote;
    if (delta && next) memmove(next + delta, next, (size_t)(end - next));
    sds_incrlen(s, delta);
    memcpy(p, seq, (size_t)n);
    end += delta;

updated:
    /* 4. join equal neighbouring VALs, looking at up to 5 opcodes from prev */
    p = prev ? prev : base;
    for (int budget = 5; p < end && budget--;) {
        if (OP_IS_XZERO(*p)) {
            p += 2;
            continue;
        }
        if (OP_IS_ZERO(*p)) {
            p++;
            continue;
        }
        if (p + 1 < end && OP_IS_VAL(p[1]) && OP_VAL_VALUE(p[0]) == OP_VAL_VALUE(p[1])) {
            unsigned len = OP_VAL_LEN(p[0]) + OP_VAL_LEN(p[1]);
            if (len <= OP_VAL_MAX_LEN) {
                p[1] = OP_VAL(OP_VAL_VALUE(p[0]), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                sds_incrlen(s, -1);
                end--;
                continue; /* try to join the result with its right neighbour */
            }
        }
        p++;
    }
    hll_cache_invalidate((uint8_t *)s);
    return 1;

promote:
    if (hll_to_dense(sp) < 0) return -1;
    /* every sparse register is <= 32 < count, or the split needed a change */
    return hll_dense_set((uint8_t *)*sp + HLL_HDR_SIZE, index, count);
}

int hll_set(Sds *s, uint32_t index, unsigned count, size_t sparse_max) {
    uint8_t *p = (uint8_t *)*s;
    if (p[4] == HLL_DENSE) return hll_dense_set(p + HLL_HDR_SIZE, index, count);
    if (p[4] == HLL_SPARSE) return hll_sparse_set(s, index, count, sparse_max);
    return -1;
}

int hll_add(Sds *s, const void *ele, size_t len, size_t sparse_max) {
    uint32_t index;
    int count = hll_pattern(ele, len, &index);
    return hll_set(s, index, (unsigned)count, sparse_max);
}

/* ---- PFDEBUG DECODE ---- */

Sds hll_sparse_text(const uint8_t *p, size_t len) {
    Sds out = sds_empty();
    const uint8_t *op = p + HLL_HDR_SIZE, *end = p + len;
    while (op < end) {
        unsigned v;
        int oplen;
        uint32_t n = hll_op(op, end, &v, &oplen);
        if (v) out = sds_catprintf(out, "v:%u,%u ", v, n);
        else out = sds_catprintf(out, "%c:%u ", oplen == 2 ? 'Z' : 'z', n);
        op += oplen;
    }
    if (sds_len(out)) sds_setlen(out, sds_len(out) - 1);
    return out;
}
