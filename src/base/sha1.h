/* sha1.h - SHA-1 message digest (FIPS 180-4), streaming and one-shot. */
#ifndef VESPER_SHA1_H
#define VESPER_SHA1_H
#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20

typedef struct Sha1 {
    uint32_t h[5];
    uint64_t total;          /* bytes hashed so far */
    uint8_t block[64];       /* pending partial block */
    size_t used;             /* bytes in block */
} Sha1;

void sha1_init(Sha1 *s);
void sha1_update(Sha1 *s, const void *data, size_t len);
void sha1_final(Sha1 *s, uint8_t out[SHA1_DIGEST_LEN]);
void sha1(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN]);
/* Writes 40 lower-case hex characters and a NUL into hex (41 bytes). */
void sha1_hex(const uint8_t digest[SHA1_DIGEST_LEN], char hex[41]);

#endif
