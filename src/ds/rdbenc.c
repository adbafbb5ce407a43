/* rdbenc.c - RDB format building blocks (see rdbenc.h).
 *
 * Lengths: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits, big-endian), 0x80 + 32
 * bits big-endian, 0x81 + 64 bits big-endian; 11xxxxxx marks a special string
 * encoding: 0 int8, 1 int16, 2 int32 (little-endian), 3 LZF (compressed length,
 * original length, data). Integers, doubles and times are little-endian.
 * Invariants: a reader never allocates more than it can fill: strings longer than
 * STRING_CHUNK are read in chunks, so a hostile length fails at end of input
 * instead of allocating gigabytes, and an LZF string's original length is believed
 * only up to what its compressed bytes (all read first) can expand to.
 * Costs: O(bytes); LZF compression is tried only for strings over 20 bytes. */
#include "rdbenc.h"
#include "../base/alloc.h"
#include "../base/lzfwrap.h"
#include "../base/util.h"
#include "listpack.h"
#include "strset.h"
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define RDB_6BITLEN 0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL 3
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3
#define STRING_CHUNK (1024 * 1024)
/* LZF's output is at most 88 times its input: its longest back reference, 3 bytes,
 * makes 264. An LZF string claiming more than clen * 88 bytes is corrupt. */
#define LZF_MAX_EXPANSION 88

static int fail(RdbErr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(RdbErr *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return 0;
}

static int short_read(Rio *r, RdbErr *err) {
    return fail(err, r->eof ? "unexpected end of data" : "read error");
}

/* ---------------- writing ---------------- */

int rdb_save_type(Rio *r, int type) {
    unsigned char b = (unsigned char)type;
    return rio_write(r, &b, 1);
}

int rdb_save_len(Rio *r, uint64_t len) {
    unsigned char buf[9];
    size_t n;
    if (len < (1 << 6)) {
        buf[0] = (unsigned char)((RDB_6BITLEN << 6) | len);
        n = 1;
    } else if (len < (1 << 14)) {
        buf[0] = (unsigned char)((RDB_14BITLEN << 6) | (len >> 8));
        buf[1] = (unsigned char)(len & 0xff);
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = RDB_32BITLEN;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = RDB_64BITLEN;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    return rio_write(r, buf, n);
}

/* The smallest integer encoding of v, into buf; 0 if v needs more than 32 bits. */
static size_t encode_int(long long v, unsigned char *buf) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
        buf[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        buf[1] = (unsigned char)(v & 0xff);
        return 2;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        buf[1] = (unsigned char)(v & 0xff);
        buf[2] = (unsigned char)((v >> 8) & 0xff);
        return 3;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)((v >> (8 * i)) & 0xff);
        return 5;
    }
    return 0;
}

static int save_raw(Rio *r, const void *p, size_t len) {
    return rdb_save_len(r, len) && (len == 0 || rio_write(r, p, len));
}

int rdb_save_lzf_blob(Rio *r, const void *c, size_t clen, size_t len) {
    unsigned char hdr = (RDB_ENCVAL << 6) | RDB_ENC_LZF;
    return rio_write(r, &hdr, 1) && rdb_save_len(r, clen) && rdb_save_len(r, len) && rio_write(r, c, clen);
}

/* LZF form: 1 if written, 0 if it would not save space, -1 on a write error. */
static int save_lzf(Rio *r, const void *p, size_t len) {
    if (len <= 4 || len > UINT32_MAX) return 0;
    size_t outlen = len - 4;
    void *out = vmalloc(outlen + 1);
    unsigned int clen = lzf_compress(p, (unsigned int)len, out, (unsigned int)outlen);
    int ret = 0;
    if (clen) {
        unsigned char hdr = (RDB_ENCVAL << 6) | RDB_ENC_LZF;
        ret = rio_write(r, &hdr, 1) && rdb_save_len(r, clen) && rdb_save_len(r, len) && rio_write(r, out, clen) ? 1 : -1;
    }
    vfree(out);
    return ret;
}

int rdb_save_string(Rio *r, const void *p, size_t len) {
    if (len <= 11 && len > 0) {
        long long v;
        unsigned char buf[5];
        size_t n;
        if (string2ll(p, len, &v) && (n = encode_int(v, buf))) return rio_write(r, buf, n);
    }
    if (r->compress && len > 20) {
        int z = save_lzf(r, p, len);
        if (z) return z > 0;
    }
    return save_raw(r, p, len);
}

int rdb_save_ll_string(Rio *r, long long v) {
    unsigned char buf[5];
    size_t n = encode_int(v, buf);
    if (n) return rio_write(r, buf, n);
    char digits[LONG_STR_SIZE];
    int dl = ll2string(digits, sizeof(digits), v);
    return save_raw(r, digits, (size_t)dl);
}

int rdb_save_binary_double(Rio *r, double d) {
    unsigned char b[8];
    memcpy(b, &d, 8); /* the format is little-endian, as the host */
    return rio_write(r, b, 8);
}

int rdb_save_millis(Rio *r, long long ms) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(((unsigned long long)ms >> (8 * i)) & 0xff);
    return rio_write(r, b, 8);
}

int rdb_save_aux(Rio *r, const char *key, const char *value, size_t vlen) {
    int compress = r->compress;
    r->compress = 0;
    int ok = rdb_save_type(r, RDB_OPCODE_AUX) && rdb_save_string(r, key, strlen(key)) && rdb_save_string(r, value, vlen);
    r->compress = compress;
    return ok;
}

int rdb_save_aux_ll(Rio *r, const char *key, long long v) {
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    return rdb_save_aux(r, key, buf, (size_t)n);
}

/* ---------------- reading ---------------- */

int rdb_load_type(Rio *r, RdbErr *err) {
    unsigned char b;
    if (!rio_read(r, &b, 1)) return short_read(r, err) - 1;
    return b;
}

int rdb_load_len(Rio *r, uint64_t *len, int *isencoded, RdbErr *err) {
    unsigned char buf[8];
    if (isencoded) *isencoded = 0;
    if (!rio_read(r, buf, 1)) return short_read(r, err);
    int kind = (buf[0] & 0xc0) >> 6;
    if (kind == RDB_ENCVAL) {
        if (!isencoded) return fail(err, "unexpected string encoding 0x%02x where a length was expected", buf[0]);
        *isencoded = 1;
        *len = buf[0] & 0x3f;
        return 1;
    }
    if (kind == RDB_6BITLEN) {
        *len = buf[0] & 0x3f;
    } else if (kind == RDB_14BITLEN) {
        unsigned char lo;
        if (!rio_read(r, &lo, 1)) return short_read(r, err);
        *len = ((uint64_t)(buf[0] & 0x3f) << 8) | lo;
    } else if (buf[0] == RDB_32BITLEN || buf[0] == RDB_64BITLEN) {
        int n = buf[0] == RDB_32BITLEN ? 4 : 8;
        if (!rio_read(r, buf, (size_t)n)) return short_read(r, err);
        uint64_t v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | buf[i];
        *len = v;
    } else {
        return fail(err, "unknown length encoding 0x%02x", buf[0]);
    }
    return 1;
}

static Sds load_int_string(Rio *r, int enc, RdbErr *err) {
    unsigned char b[4];
    long long v;
    if (enc == RDB_ENC_INT8) {
        if (!rio_read(r, b, 1)) return short_read(r, err), NULL;
        v = (int8_t)b[0];
    } else if (enc == RDB_ENC_INT16) {
        if (!rio_read(r, b, 2)) return short_read(r, err), NULL;
        v = (int16_t)(b[0] | (b[1] << 8));
    } else {
        if (!rio_read(r, b, 4)) return short_read(r, err), NULL;
        v = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    }
    return sds_fromll(v);
}

/* Reads len raw bytes into a new sds, growing it chunk by chunk for long strings
 * (one allocation for a string up to a chunk). */
static Sds load_raw(Rio *r, uint64_t len, RdbErr *err) {
    if (len <= STRING_CHUNK) {
        Sds s = sds_newlen(NULL, (size_t)len);
        if (len && !rio_read(r, s, (size_t)len)) {
            sds_free(s);
            return short_read(r, err), NULL;
        }
        return s;
    }
    Sds s = sds_empty();
    while (len) {
        size_t k = len > STRING_CHUNK ? STRING_CHUNK : (size_t)len;
        size_t cur = sds_len(s);
        s = sds_make_room_exact(s, k);
        if (!rio_read(r, s + cur, k)) {
            sds_free(s);
            return short_read(r, err), NULL;
        }
        sds_setlen(s, cur + k);
        len -= k;
    }
    return s;
}

static Sds load_lzf(Rio *r, size_t max_len, RdbErr *err) {
    uint64_t clen, len;
    if (!rdb_load_len(r, &clen, NULL, err) || !rdb_load_len(r, &len, NULL, err)) return NULL;
    if (len > max_len) return fail(err, "compressed string of %llu bytes is over the limit", (unsigned long long)len), NULL;
    if (clen == 0 || len == 0 || clen > UINT32_MAX || len > UINT32_MAX || len > clen * LZF_MAX_EXPANSION)
        return fail(err, "invalid LZF string lengths (%llu, %llu)", (unsigned long long)clen, (unsigned long long)len), NULL;
    if (!VESPER_HAVE_LZF) return fail(err, "LZF-compressed string, but this build has no LZF support"), NULL;
    Sds in = load_raw(r, clen, err);
    if (!in) return NULL;
    Sds out = sds_newlen(NULL, (size_t)len);
    unsigned int got = lzf_decompress(in, (unsigned int)clen, out, (unsigned int)len);
    sds_free(in);
    if (got != len) {
        sds_free(out);
        return fail(err, "invalid LZF compressed string"), NULL;
    }
    return out;
}

Sds rdb_load_string(Rio *r, size_t max_len, RdbErr *err) {
    uint64_t len;
    int encoded;
    if (!rdb_load_len(r, &len, &encoded, err)) return NULL;
    if (encoded) {
        if (len == RDB_ENC_INT8 || len == RDB_ENC_INT16 || len == RDB_ENC_INT32) return load_int_string(r, (int)len, err);
        if (len == RDB_ENC_LZF) return load_lzf(r, max_len, err);
        return fail(err, "unknown string encoding %llu", (unsigned long long)len), NULL;
    }
    if (len > max_len) return fail(err, "string of %llu bytes is over the limit", (unsigned long long)len), NULL;
    return load_raw(r, len, err);
}

int rdb_load_double_binary(Rio *r, double *d, RdbErr *err) {
    unsigned char b[8];
    if (!rio_read(r, b, 8)) return short_read(r, err);
    memcpy(d, b, 8);
    return 1;
}

int rdb_load_double_text(Rio *r, double *d, RdbErr *err) {
    unsigned char len;
    char buf[256];
    if (!rio_read(r, &len, 1)) return short_read(r, err);
    if (len == 255) *d = -INFINITY;
    else if (len == 254) *d = INFINITY;
    else if (len == 253) *d = NAN;
    else {
        if (!rio_read(r, buf, len)) return short_read(r, err);
        buf[len] = '\0';
        char *end;
        *d = strtod(buf, &end);
        if (end == buf || *end) return fail(err, "invalid double value");
    }
    return 1;
}

int rdb_load_millis(Rio *r, long long *ms, RdbErr *err) {
    unsigned char b[8];
    if (!rio_read(r, b, 8)) return short_read(r, err);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    *ms = (long long)v;
    return 1;
}

int rdb_load_seconds(Rio *r, long long *secs, RdbErr *err) {
    unsigned char b[4];
    if (!rio_read(r, b, 4)) return short_read(r, err);
    *secs = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    return 1;
}

int rdb_skip(Rio *r, uint64_t n, RdbErr *err) {
    unsigned char buf[4096];
    while (n) {
        size_t k = n > sizeof(buf) ? sizeof(buf) : (size_t)n;
        if (!rio_read(r, buf, k)) return short_read(r, err);
        n -= k;
    }
    return 1;
}

/* ---------------- helpers for value loaders ---------------- */

uint64_t rdb_presize(const Rio *r, uint64_t n, size_t min_bytes) {
    uint64_t cap = (uint64_t)1 << 20;
    if (r->kind == RIO_MEM) cap = (uint64_t)(r->io.mem.len - r->io.mem.pos) / (min_bytes ? min_bytes : 1);
    return n < cap ? n : cap;
}

unsigned char *rdb_load_blob(Rio *r, size_t max_len, size_t *len, RdbErr *err) {
    Sds s = rdb_load_string(r, max_len, err);
    if (!s) return NULL;
    *len = sds_len(s);
    unsigned char *blob = vmalloc(*len ? *len : 1);
    memcpy(blob, s, *len);
    sds_free(s);
    return blob;
}

unsigned char *rdb_load_string_into(Rio *r, size_t max_len, unsigned char *(*alloc)(uint64_t),
                                    void (*release)(unsigned char *, uint64_t), size_t *len, RdbErr *err) {
    uint64_t n, clen = 0;
    int encoded;
    if (!rdb_load_len(r, &n, &encoded, err)) return NULL;
    if (encoded && n != RDB_ENC_LZF) { /* an integer encoding: a few bytes, copied */
        if (n != RDB_ENC_INT8 && n != RDB_ENC_INT16 && n != RDB_ENC_INT32)
            return fail(err, "unknown string encoding %llu", (unsigned long long)n), NULL;
        Sds s = load_int_string(r, (int)n, err);
        if (!s) return NULL;
        unsigned char *out = sds_len(s) <= max_len ? alloc(sds_len(s)) : NULL;
        if (out) memcpy(out, s, sds_len(s));
        *len = sds_len(s);
        sds_free(s);
        return out ? out : (fail(err, "string of %zu bytes over the limit or out of memory", *len), NULL);
    }
    if (encoded) {
        if (!rdb_load_len(r, &clen, NULL, err) || !rdb_load_len(r, &n, NULL, err)) return NULL;
        if (clen == 0 || n == 0 || clen > UINT32_MAX || n > UINT32_MAX || n > clen * LZF_MAX_EXPANSION)
            return fail(err, "invalid LZF string lengths (%llu, %llu)", (unsigned long long)clen, (unsigned long long)n), NULL;
        if (!VESPER_HAVE_LZF) return fail(err, "LZF-compressed string, but this build has no LZF support"), NULL;
    }
    if (n == 0) return fail(err, "empty string where data was expected"), NULL;
    if (n > max_len) return fail(err, "string of %llu bytes is over the limit", (unsigned long long)n), NULL;
    if (r->kind == RIO_MEM && (encoded ? clen : n) > (uint64_t)(r->io.mem.len - r->io.mem.pos))
        return short_read(r, err), NULL;
    unsigned char *out = alloc(n);
    if (!out) return fail(err, "out of memory for a string of %llu bytes", (unsigned long long)n), NULL;
    if (!encoded) {
        if (!rio_read(r, out, (size_t)n)) {
            release(out, n);
            return short_read(r, err), NULL;
        }
    } else {
        Sds in = load_raw(r, clen, err);
        if (!in) {
            release(out, n);
            return NULL;
        }
        unsigned int got = lzf_decompress(in, (unsigned int)clen, out, (unsigned int)n);
        sds_free(in);
        if (got != n) {
            release(out, n);
            return fail(err, "invalid LZF compressed string"), NULL;
        }
    }
    *len = (size_t)n;
    return out;
}

/* The first entries of pairs seen so far: a short list compared directly, then a
 * Strset once the list would make the check quadratic. */
#define PAIRS_LINEAR 16
typedef struct PairsCheck {
    unsigned long entries;
    unsigned char *firsts[PAIRS_LINEAR];
    Strset *seen;
} PairsCheck;

static int pair_entry_cb(unsigned char *p, unsigned int head_count, void *data) {
    (void)head_count;
    PairsCheck *pc = data;
    unsigned long idx = pc->entries++;
    if (idx % 2) return 1; /* a value or score */
    unsigned long n = idx / 2 + 1; /* pairs seen, this one included */
    unsigned char buf[LP_INTBUF_SIZE];
    uint32_t len;
    const unsigned char *s = lp_get_str(p, &len, buf);
    if (n <= PAIRS_LINEAR) {
        for (unsigned long i = 0; i + 1 < n; i++)
            if (lp_compare(pc->firsts[i], s, len)) return 0;
        pc->firsts[n - 1] = p;
        return 1;
    }
    if (!pc->seen) {
        pc->seen = strset_create();
        for (unsigned long i = 0; i < PAIRS_LINEAR; i++) {
            uint32_t l;
            unsigned char b[LP_INTBUF_SIZE];
            const unsigned char *e = lp_get_str(pc->firsts[i], &l, b);
            strset_add(pc->seen, e, l);
        }
    }
    return strset_add(pc->seen, s, len);
}

int rdb_lp_pairs_valid(unsigned char *lp, size_t size, unsigned long *pairs) {
    PairsCheck pc = {0};
    int ok = lp_validate_integrity(lp, size, 1, pair_entry_cb, &pc) && pc.entries % 2 == 0;
    strset_free(pc.seen);
    *pairs = pc.entries / 2;
    return ok;
}

/* ---------------- strings into a reusable buffer ---------------- */

static char *buf_room(RdbBuf *b, size_t len) {
    if (len <= sizeof(b->small)) return b->small;
    if (len > b->cap) {
        vfree(b->heap);
        b->heap = vmalloc(len);
        b->cap = len;
    }
    return b->heap;
}

const char *rdb_load_str(Rio *r, RdbBuf *b, size_t max_len, size_t *len, RdbErr *err) {
    uint64_t n;
    int encoded;
    if (!rdb_load_len(r, &n, &encoded, err)) return NULL;
    if (encoded) {
        if (n == RDB_ENC_INT8 || n == RDB_ENC_INT16 || n == RDB_ENC_INT32) {
            Sds s = load_int_string(r, (int)n, err);
            if (!s) return NULL;
            *len = sds_len(s);
            char *p = buf_room(b, *len);
            memcpy(p, s, *len);
            sds_free(s);
            return p;
        }
        if (n == RDB_ENC_LZF) {
            Sds s = load_lzf(r, max_len, err);
            if (!s) return NULL;
            *len = sds_len(s);
            char *p = buf_room(b, *len ? *len : 1);
            memcpy(p, s, *len);
            sds_free(s);
            return p;
        }
        return fail(err, "unknown string encoding %llu", (unsigned long long)n), NULL;
    }
    if (n > max_len) return fail(err, "string of %llu bytes is over the limit", (unsigned long long)n), NULL;
    if (n > STRING_CHUNK) { /* long: read in chunks, so a hostile length fails at end of input */
        Sds s = load_raw(r, n, err);
        if (!s) return NULL;
        *len = sds_len(s);
        char *p = buf_room(b, *len);
        memcpy(p, s, *len);
        sds_free(s);
        return p;
    }
    char *p = buf_room(b, n ? (size_t)n : 1);
    if (n && !rio_read(r, p, (size_t)n)) return short_read(r, err), NULL;
    *len = (size_t)n;
    return p;
}

void rdb_buf_free(RdbBuf *b) {
    vfree(b->heap);
    b->heap = NULL;
    b->cap = 0;
}
