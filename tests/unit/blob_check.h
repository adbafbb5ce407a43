/* blob_check.h - helpers shared by the tests of the decoders of untrusted blobs
 * (test_ziplist.c, test_zipmap.c): a check that a listpack holds exactly the
 * expected entries, a copy of a blob in an allocation of exactly its size (so the
 * sanitizer catches any read past it), and the generator of the (seed: seed.h)
 * randomized hostile-input tests. Everything is static inline (each test includes
 * what it uses without unused-function warnings). */
#ifndef VESPER_TEST_BLOB_CHECK_H
#define VESPER_TEST_BLOB_CHECK_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/util.h"
#include "ds/listpack.h"

/* ---------------- listpack checks ---------------- */

/* Asserts lp is a valid listpack holding exactly the strings want[0..n) (integer
 * entries compared in decimal). */
static inline void bc_expect_lp(unsigned char *lp, const char *const *want, size_t n) {
    assert_non_null(lp);
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    assert_int_equal(lp_length(lp), n);
    unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < n; i++, p = lp_next(lp, p)) {
        assert_non_null(p);
        unsigned char buf[LP_INTBUF_SIZE];
        uint32_t len;
        const unsigned char *s = lp_get_str(p, &len, buf);
        if (len != strlen(want[i]) || memcmp(s, want[i], len) != 0)
            fail_msg("entry %zu: got \"%.*s\", want \"%s\"", i, (int)len, (const char *)s, want[i]);
    }
    assert_null(p);
}

/* ---------------- hostile input ---------------- */

/* A copy of blob[0..len) in an allocation of exactly len bytes (at least 1). */
static inline unsigned char *bc_exact_copy(const unsigned char *blob, size_t len) {
    unsigned char *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len) memcpy(p, blob, len);
    return p;
}

/* xorshift64*: the flips' own generator, so a seed replays whatever else runs. */
static inline uint64_t bc_rand(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

#endif
