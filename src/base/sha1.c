/* sha1.c - SHA-1 message digest, written from FIPS 180-4.
 *
 * The state is five 32-bit words; input is consumed in 64-byte blocks, each
 * expanded to an 80-word schedule (kept as a rolling 16-word window) and mixed
 * in four rounds of 20 steps. Partial input waits in Sha1.block. Cost: O(n),
 * no allocation. Used by DEBUG DIGEST and, later, script hashing. */
#include "sha1.h"
#include <string.h>

static inline uint32_t rol32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void sha1_block(uint32_t h[5], const uint8_t *blk) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++) w[i] = load_be32(blk + 4 * i);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        if (t >= 16) {
            uint32_t x = w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15];
            w[t & 15] = rol32(x, 1);
        }
        uint32_t f, k;
        if (t < 20) { f = (b & c) | (~b & d); k = 0x5A827999u; }
        else if (t < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1u; }
        else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDCu; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6u; }
        uint32_t tmp = rol32(a, 5) + f + e + k + w[t & 15];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void sha1_init(Sha1 *s) {
    s->h[0] = 0x67452301u;
    s->h[1] = 0xEFCDAB89u;
    s->h[2] = 0x98BADCFEu;
    s->h[3] = 0x10325476u;
    s->h[4] = 0xC3D2E1F0u;
    s->total = 0;
    s->used = 0;
}

void sha1_update(Sha1 *s, const void *data, size_t len) {
    const uint8_t *p = data;
    s->total += len;
    if (s->used) {
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        len -= take;
        if (s->used < 64) return;
        sha1_block(s->h, s->block);
        s->used = 0;
    }
    for (; len >= 64; p += 64, len -= 64) sha1_block(s->h, p);
    if (len) {
        memcpy(s->block, p, len);
        s->used = len;
    }
}

void sha1_final(Sha1 *s, uint8_t out[SHA1_DIGEST_LEN]) {
    uint64_t bits = s->total * 8;
    uint8_t pad[72];
    size_t padlen = (s->used < 56 ? 56 : 120) - s->used;
    memset(pad, 0, sizeof(pad));
    pad[0] = 0x80;
    for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    uint64_t keep = s->total;
    sha1_update(s, pad, padlen + 8);
    s->total = keep;
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

void sha1(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN]) {
    Sha1 s;
    sha1_init(&s);
    sha1_update(&s, data, len);
    sha1_final(&s, out);
}

void sha1_hex(const uint8_t digest[SHA1_DIGEST_LEN], char hex[41]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < SHA1_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[40] = '\0';
}
