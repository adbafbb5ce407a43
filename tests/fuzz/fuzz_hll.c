/* fuzz_hll.c - libFuzzer target for the HyperLogLog sketch (src/ds/hll.c): arbitrary
 * bytes used as a HyperLogLog value, as a hostile SET/SETRANGE/RESTORE can leave
 * one, fed to every entry point the commands use.
 *
 * Input: byte 0 picks how the value is made (bits 0-1) and the
 * hll-sparse-max-bytes limit (bits 2-4: 0, 1, 17, 18, 64, 300, 3000, 2^31);
 * byte 1 the number of register updates (bits 0-2) and element adds (bits 3-5);
 * then 3 bytes per update (14-bit index, count 1..63), then the value bytes:
 *   mode 0: the value as given (header checks see anything);
 *   mode 1: "HYLL", sparse encoding, a stale cache, then the bytes as the body;
 *   mode 2: the same, then zero/XZERO opcodes appended to make the body cover
 *           16384 registers when it covers fewer (mostly valid sketches);
 *   mode 3: "HYLL", dense, then the bytes repeated to the dense body's 12288.
 * The elements added are 8 bytes made from the input's first bytes and a counter.
 *
 * The value sits in an allocation of its exact size for the read-only walks
 * (hll_header_ok, hll_histogram, hll_count, hll_merge, hll_sparse_text), so a
 * read one byte past it is an ASan report. A reference decoder written here
 * (strict: each opcode must fit, a cut-off final XZERO reads its missing byte as
 * 0 as hll.h documents) says whether the value is a valid sketch and what its
 * registers are. Invariants (abort on violation):
 * - valid iff the walks succeed: hll_merge into an empty and into a random dense
 *   array, hll_histogram and hll_to_dense succeed exactly for valid values;
 * - a valid value decodes to exactly 16384 registers, each <= 63 (<= 32 sparse),
 *   the same through hll_merge, hll_histogram, hll_to_dense and PFDEBUG DECODE's
 *   text; the merge into a dense array is the register-wise maximum;
 * - the count is hll_estimate of the decoded histogram and is not negative
 *   unless every register is >= 52 (Redis's estimate is then infinite);
 * - hll_set / hll_add on a valid value succeed and keep it valid (header and
 *   body), raise exactly the register asked and nothing else, return 1 iff it
 *   changed (an update in a cut-off final XZERO turns the sketch dense);
 * - on an invalid value they never touch memory out of bounds (ASan). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/sds.h"
#include "ds/hll.h"

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_hll: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static const size_t sparse_limits[] = {0, 1, 17, 18, 64, 300, 3000, (size_t)1 << 31};

/* The reference decoder: fills regs and returns 1 when p/len is a valid sketch;
 * *cut set to the first register of a cut-off final XZERO (else -1). */
static int ref_decode(const uint8_t *p, size_t len, uint8_t regs[HLL_REGISTERS], long *cut) {
    *cut = -1;
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0) return 0;
    if (p[4] == HLL_DENSE) {
        if (len != HLL_DENSE_SIZE) return 0;
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            uint32_t bit = i * 6;
            unsigned v = p[HLL_HDR_SIZE + bit / 8] >> (bit % 8);
            if (bit % 8 > 2) v |= (unsigned)p[HLL_HDR_SIZE + bit / 8 + 1] << (8 - bit % 8);
            regs[i] = (uint8_t)(v & 63);
        }
        return 1;
    }
    if (p[4] != HLL_SPARSE) return 0;
    size_t off = HLL_HDR_SIZE;
    uint32_t idx = 0;
    while (off < len) {
        uint8_t b = p[off];
        uint32_t n;
        unsigned v = 0;
        if (b & 0x80) {
            v = ((b >> 2) & 31) + 1;
            n = (b & 3) + 1;
            off++;
        } else if (b & 0x40) {
            uint32_t lo = off + 1 < len ? p[off + 1] : 0;
            if (off + 1 >= len) *cut = idx;
            n = ((uint32_t)(b & 0x3f) << 8 | lo) + 1;
            off += 2;
        } else {
            n = (b & 0x3f) + 1;
            off++;
        }
        if (n > HLL_REGISTERS - idx) return 0;
        for (uint32_t k = 0; k < n; k++) regs[idx + k] = (uint8_t)v;
        idx += n;
    }
    return idx == HLL_REGISTERS;
}

/* Appends zero runs covering the registers a sparse body leaves uncovered (mode
 * 2); leaves bodies that already cover 16384 or more as they are. */
static Sds fill_sparse(Sds s) {
    const uint8_t *p = (const uint8_t *)s;
    size_t len = sds_len(s), off = HLL_HDR_SIZE;
    uint64_t idx = 0;
    while (off < len) {
        uint8_t b = p[off];
        if (b & 0x80) idx += (b & 3) + 1, off++;
        else if (b & 0x40) idx += ((uint32_t)(b & 0x3f) << 8 | (off + 1 < len ? p[off + 1] : 0)) + 1, off += 2;
        else idx += (b & 0x3f) + 1, off++;
    }
    if (off > len) return s; /* a cut-off XZERO: keep it */
    while (idx < HLL_REGISTERS) {
        uint32_t n = HLL_REGISTERS - (uint32_t)idx;
        uint8_t op[2];
        if (n > 64) {
            op[0] = (uint8_t)(0x40 | ((n - 1) >> 8));
            op[1] = (uint8_t)((n - 1) & 0xff);
            s = sds_catlen(s, op, 2);
        } else {
            op[0] = (uint8_t)(n - 1);
            s = sds_catlen(s, op, 1);
        }
        idx += n;
    }
    return s;
}

static void check_text(const uint8_t *p, size_t len, const uint8_t regs[HLL_REGISTERS]) {
    Sds t = hll_sparse_text(p, len);
    const char *c = t, *end = t + sds_len(t);
    uint32_t idx = 0;
    while (c < end) {
        unsigned v = 0, n = 0;
        int used = 0;
        if (c[0] == 'v') {
            CHECK(sscanf(c, "v:%u,%u%n", &v, &n, &used) == 2);
        } else {
            CHECK(c[0] == 'z' || c[0] == 'Z');
            CHECK(sscanf(c, "%*c:%u%n", &n, &used) == 1);
        }
        CHECK(n >= 1 && n <= HLL_REGISTERS - idx && v <= 32);
        for (unsigned k = 0; k < n; k++) CHECK(regs[idx + k] == v);
        idx += n;
        c += used;
        if (c < end) CHECK(*c++ == ' ');
    }
    CHECK(idx == HLL_REGISTERS);
    sds_free(t);
}

/* Every read-only entry point on the value in an exact-size allocation. Returns
 * whether it is valid (and then regs holds its registers). */
static int check_read(const uint8_t *val, size_t len, uint8_t regs[HLL_REGISTERS], long *cut) {
    uint8_t *p = malloc(len ? len : 1);
    memcpy(p, val, len);
    int valid = ref_decode(p, len, regs, cut);
    int hdr = hll_header_ok(p, len);
    CHECK(hdr == (len >= HLL_HDR_SIZE && !memcmp(p, "HYLL", 4) && p[4] <= 1 &&
                  (p[4] == 1 || len == HLL_DENSE_SIZE)));
    if (!hdr) {
        CHECK(!valid);
        free(p);
        return 0;
    }
    static uint8_t max[HLL_REGISTERS], dense[HLL_REGISTERS];
    memset(max, 0, sizeof(max));
    CHECK((hll_merge(max, p, len) == 0) == valid);
    int hist[64] = {0}, invalid = 0;
    CHECK((hll_histogram(p, len, hist) == 0) == valid);
    uint64_t count = hll_count(p, len, &invalid);
    CHECK(invalid == !valid);
    if (p[4] == HLL_SPARSE) {
        Sds t = hll_sparse_text(p, len); /* any header-valid sparse value */
        sds_free(t);
    }
    if (valid) {
        int ref_hist[64] = {0};
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            CHECK(regs[i] <= (p[4] == HLL_SPARSE ? 32 : 63));
            CHECK(max[i] == regs[i]);
            ref_hist[regs[i]]++;
        }
        CHECK(!memcmp(hist, ref_hist, sizeof(hist)));
        CHECK(count == hll_estimate(ref_hist));
        /* no sign check: with many registers near 63 the estimate passes 2^63 and
         * PFCOUNT's integer reply is negative, in Redis too (it casts the same
         * double to uint64_t and replies it as a long long); the equality above
         * is the check */
        if (p[4] == HLL_SPARSE) check_text(p, len, regs);
        /* merge into a dense array holding other values: the maximum */
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) dense[i] = max[i] = (uint8_t)((i * 7 + len) % 40);
        CHECK(hll_merge(max, p, len) == 0);
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) CHECK(max[i] == (regs[i] > dense[i] ? regs[i] : dense[i]));
    }
    /* sparse -> dense conversion */
    Sds s = sds_newlen(p, len);
    int r = hll_to_dense(&s);
    CHECK((r == 0) == valid);
    if (valid) {
        CHECK(sds_len(s) == HLL_DENSE_SIZE && ((uint8_t *)s)[4] == HLL_DENSE);
        CHECK(!memcmp(s, p, 4) && !memcmp(s + 5, p + 5, HLL_HDR_SIZE - 5));
        for (uint32_t i = 0; i < HLL_REGISTERS; i++)
            CHECK(hll_dense_get((uint8_t *)s + HLL_HDR_SIZE, i) == regs[i]);
    } else {
        CHECK(sds_len(s) == len && !memcmp(s, p, len));
    }
    sds_free(s);
    free(p);
    return valid;
}

/* One update on the value (index/count given, or an element when ele != NULL). */
static void check_update(Sds *s, uint32_t index, unsigned count, const uint8_t *ele, size_t ele_len,
                         size_t smax) {
    static uint8_t before[HLL_REGISTERS], after[HLL_REGISTERS];
    long cut, cut2;
    int valid = ref_decode((uint8_t *)*s, sds_len(*s), before, &cut);
    size_t old_len = sds_len(*s);
    if (ele) count = (unsigned)hll_pattern(ele, ele_len, &index);
    CHECK(index < HLL_REGISTERS && count >= 1 && count <= 63);
    int r = ele ? hll_add(s, ele, ele_len, smax) : hll_set(s, index, count, smax);
    if (!valid) {
        CHECK(r >= -1 && r <= 1);
        return;
    }
    CHECK(r >= 0); /* never refused (a cut-off final XZERO turns dense) */
    (void)cut;
    const uint8_t *p = (const uint8_t *)*s;
    CHECK(hll_header_ok(p, sds_len(*s)));
    CHECK(ref_decode(p, sds_len(*s), after, &cut2));
    /* a sparse body grows only within hll-sparse-max-bytes */
    if (p[4] == HLL_SPARSE && sds_len(*s) > old_len) CHECK(sds_len(*s) <= smax);
    for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
        if (i == index) continue;
        CHECK(after[i] == before[i]);
    }
    unsigned want = before[index] > count ? before[index] : count;
    CHECK(after[index] == want);
    CHECK(r == (before[index] < count));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t regs[HLL_REGISTERS];
    if (size < 2) return 0;
    unsigned mode = data[0] & 3;
    size_t smax = sparse_limits[(data[0] >> 2) & 7];
    unsigned nset = data[1] & 7, nadd = (data[1] >> 3) & 7;
    const uint8_t *ops = data + 2;
    size_t nops = (size - 2) / 3 < nset ? (size - 2) / 3 : nset;
    const uint8_t *body = ops + 3 * nops;
    size_t blen = size - 2 - 3 * nops;

    Sds s;
    if (mode == 0) {
        s = sds_newlen(body, blen);
    } else if (mode == 3) {
        s = sds_newlen(NULL, HLL_DENSE_SIZE);
        memcpy(s, "HYLL", 4);
        ((uint8_t *)s)[15] = 0x80;
        for (size_t i = 0; blen && i < HLL_DENSE_SIZE - HLL_HDR_SIZE; i++) s[HLL_HDR_SIZE + i] = body[i % blen];
    } else {
        s = sds_newlen(NULL, HLL_HDR_SIZE);
        memcpy(s, "HYLL", 4);
        ((uint8_t *)s)[4] = HLL_SPARSE;
        ((uint8_t *)s)[15] = 0x80;
        s = sds_catlen(s, body, blen);
        if (mode == 2) s = fill_sparse(s);
    }

    long cut;
    int valid = check_read((uint8_t *)s, sds_len(s), regs, &cut);
    if (!hll_header_ok((uint8_t *)s, sds_len(s))) {
        sds_free(s);
        return 0;
    }
    for (size_t i = 0; i < nops; i++) {
        const uint8_t *o = ops + 3 * i;
        uint32_t index = ((uint32_t)o[0] << 8 | o[1]) & (HLL_REGISTERS - 1);
        unsigned count = o[2] % 63 + 1;
        check_update(&s, index, count, NULL, 0, smax);
    }
    for (unsigned i = 0; i < nadd; i++) {
        uint8_t ele[8] = {0};
        memcpy(ele, data, size < 7 ? size : 7);
        ele[7] = (uint8_t)i;
        check_update(&s, 0, 1, ele, sizeof(ele), smax);
    }
    if (nops || nadd) {
        /* what the updates left passes the read checks again; a valid value stays valid */
        int still = check_read((uint8_t *)s, sds_len(s), regs, &cut);
        CHECK(still || !valid);
    }
    sds_free(s);
    return 0;
}
