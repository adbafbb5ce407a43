/* test_sha1.c - unit tests for base/sha1: the FIPS 180 test vectors, one-shot versus
 * streaming in random pieces, and the hex formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "base/sha1.h"

static void check_hex(const char *msg, size_t len, const char *hex) {
    uint8_t d[SHA1_DIGEST_LEN];
    char out[41];
    sha1(msg, len, d);
    sha1_hex(d, out);
    assert_string_equal(out, hex);
}

static void test_vectors(void **state) {
    (void)state;
    check_hex("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    check_hex("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_hex(m, strlen(m), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    check_hex(fox, strlen(fox), "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

static void test_million_a(void **state) {
    (void)state;
    char block[1000];
    memset(block, 'a', sizeof(block));
    Sha1 s;
    sha1_init(&s);
    for (int i = 0; i < 1000; i++) sha1_update(&s, block, sizeof(block));
    uint8_t d[SHA1_DIGEST_LEN];
    char out[41];
    sha1_final(&s, d);
    sha1_hex(d, out);
    assert_string_equal(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Lengths around the 55/56/64-byte padding edges, fed in random pieces. */
static void test_streaming_matches_one_shot(void **state) {
    (void)state;
    uint8_t data[300];
    srand(7);
    for (size_t i = 0; i < sizeof(data); i++) data[i] = (uint8_t)rand();
    for (size_t len = 0; len <= sizeof(data); len++) {
        uint8_t a[SHA1_DIGEST_LEN], b[SHA1_DIGEST_LEN];
        sha1(data, len, a);
        Sha1 s;
        sha1_init(&s);
        size_t pos = 0;
        while (pos < len) {
            size_t k = (size_t)rand() % 70;
            if (k > len - pos) k = len - pos;
            sha1_update(&s, data + pos, k);
            pos += k;
        }
        sha1_final(&s, b);
        assert_memory_equal(a, b, SHA1_DIGEST_LEN);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_streaming_matches_one_shot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
