/* test_util.c - unit tests for base/util: strict number parsing and formatting,
 * glob matching (including pathological patterns, run in a child with a time limit),
 * siphash-1-2 against an independent reference implementation, memory-size parsing,
 * clocks and the PRNG. Expected values come from Redis 7.0.15's behaviour
 * (INCRBYFLOAT/ZSCORE replies, CONFIG SET maxmemory parsing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/util.h"

/* ---------- string2ll / string2ull / string2l ---------- */

static void ll_ok(const char *s, long long want) {
    long long v = 12345;
    if (!string2ll(s, strlen(s), &v)) fail_msg("string2ll(\"%s\") rejected", s);
    if (v != want) fail_msg("string2ll(\"%s\") = %lld, want %lld", s, v, want);
}
static void ll_bad(const char *s, size_t len) {
    long long v = 12345;
    if (string2ll(s, len, &v)) fail_msg("string2ll(\"%.*s\") accepted as %lld", (int)len, s, v);
}
#define LL_BAD(lit) ll_bad((lit), sizeof(lit) - 1)

static void test_string2ll(void **state) {
    (void)state;
    ll_ok("0", 0);
    ll_ok("1", 1);
    ll_ok("-1", -1);
    ll_ok("99", 99);
    ll_ok("-99", -99);
    ll_ok("9223372036854775807", LLONG_MAX);
    ll_ok("-9223372036854775808", LLONG_MIN);
    ll_ok("9223372036854775806", LLONG_MAX - 1);
    ll_ok("-9223372036854775807", LLONG_MIN + 1);
    LL_BAD("");
    LL_BAD(" 1");
    LL_BAD("1 ");
    LL_BAD("+1");
    LL_BAD("01");
    LL_BAD("00");
    LL_BAD("-0");
    LL_BAD("-01");
    LL_BAD("-");
    LL_BAD("--1");
    LL_BAD("1a");
    LL_BAD("a");
    LL_BAD("0x10");
    LL_BAD("1.0");
    LL_BAD("1e3");
    LL_BAD("1\0");
    LL_BAD("\0");
    LL_BAD("9223372036854775808");
    LL_BAD("-9223372036854775809");
    LL_BAD("18446744073709551615");
    LL_BAD("18446744073709551616");
    LL_BAD("99999999999999999999");
    LL_BAD("999999999999999999999999");
    LL_BAD("-18446744073709551616");
    /* the length bounds the parse: "123" with len 2 is 12 */
    long long v;
    assert_true(string2ll("123", 2, &v));
    assert_int_equal(v, 12);
    long l;
    assert_true(string2l("-42", 3, &l));
    assert_int_equal(l, -42);
    assert_true(string2l("9223372036854775807", 19, &l));
    assert_true(l == LONG_MAX);
    assert_false(string2l("01", 2, &l));
}

static void test_string2ull(void **state) {
    (void)state;
    unsigned long long v;
    assert_true(string2ull("0", 1, &v));
    assert_true(v == 0);
    assert_true(string2ull("18446744073709551615", 20, &v));
    assert_true(v == ULLONG_MAX);
    assert_true(string2ull("18446744073709551614", 20, &v));
    assert_true(v == ULLONG_MAX - 1);
    assert_true(string2ull("9223372036854775808", 19, &v));
    assert_true(v == 9223372036854775808ULL);
    assert_false(string2ull("18446744073709551616", 20, &v));
    assert_false(string2ull("28446744073709551615", 20, &v));
    assert_false(string2ull("118446744073709551615", 21, &v));
    assert_false(string2ull("-1", 2, &v));
    assert_false(string2ull("01", 2, &v));
    assert_false(string2ull("", 0, &v));
    assert_false(string2ull("+1", 2, &v));
    assert_false(string2ull(" 1", 2, &v));
}

/* ---------- string2d / string2ld ---------- */

static void test_string2d(void **state) {
    (void)state;
    double d;
    struct { const char *s; double want; } ok[] = {
        {"1.5", 1.5}, {"-1.5", -1.5}, {"0", 0}, {"10", 10}, {"1e10", 1e10}, {"1E-3", 1e-3},
        {".5", 0.5}, {"5.", 5.0}, {"+3", 3}, {"3.0e3", 3000}, {"0x10", 16}, {"-0", -0.0},
        {"1.7976931348623157e308", 1.7976931348623157e308},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (!string2d(ok[i].s, strlen(ok[i].s), &d)) fail_msg("string2d(\"%s\") rejected", ok[i].s);
        if (d != ok[i].want) fail_msg("string2d(\"%s\") = %.17g", ok[i].s, d);
    }
    /* infinities are numbers (ZADD accepts them) */
    assert_true(string2d("inf", 3, &d) && isinf(d) && d > 0);
    assert_true(string2d("-inf", 4, &d) && isinf(d) && d < 0);
    assert_true(string2d("+inf", 4, &d) && isinf(d) && d > 0);
    assert_true(string2d("Infinity", 8, &d) && isinf(d));
    const char *bad[] = {"", " 1", "1 ", "\t1", "1\n", "nan", "NaN", "-nan", "abc", "1.5x", "1e", "--1",
                         "1e400", "-1e400", "1e-400", "1,5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (string2d(bad[i], strlen(bad[i]), &d)) fail_msg("string2d(\"%s\") accepted as %g", bad[i], d);
    assert_false(string2d("1\0", 2, &d));
    assert_true(string2d("12", 1, &d) && d == 1);
    /* a subnormal result is not an overflow */
    assert_true(string2d("4e-320", 6, &d) && d > 0);
    /* absurdly long input is rejected, not overflowed */
    char *big = malloc(MAX_LONG_DOUBLE_CHARS + 10);
    memset(big, '1', MAX_LONG_DOUBLE_CHARS + 10);
    assert_false(string2d(big, MAX_LONG_DOUBLE_CHARS + 10, &d));
    free(big);
}

static void test_string2ld(void **state) {
    (void)state;
    long double ld;
    assert_true(string2ld("10.5", 4, &ld) && ld == 10.5L);
    assert_true(string2ld("3.0e3", 5, &ld) && ld == 3000.0L);
    assert_true(string2ld("-0.25", 5, &ld) && ld == -0.25L);
    assert_true(string2ld("1e400", 5, &ld) && ld > 1e300L); /* fits a long double */
    assert_true(string2ld("inf", 3, &ld) && isinf(ld));
    const char *bad[] = {"", " 1", "1 ", "nan", "-nan", "1e5000", "-1e5000", "x", "1..2", "1e-5000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (string2ld(bad[i], strlen(bad[i]), &ld)) fail_msg("string2ld(\"%s\") accepted", bad[i]);
    assert_false(string2ld("1\0", 2, &ld));
}

/* ---------- formatting ---------- */

static void test_ll2string(void **state) {
    (void)state;
    char buf[LONG_STR_SIZE];
    struct { long long v; const char *s; } cases[] = {
        {0, "0"}, {1, "1"}, {-1, "-1"}, {9, "9"}, {10, "10"}, {-10, "-10"}, {123456789, "123456789"},
        {LLONG_MAX, "9223372036854775807"}, {LLONG_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n = ll2string(buf, sizeof(buf), cases[i].v);
        assert_int_equal(n, strlen(cases[i].s));
        assert_string_equal(buf, cases[i].s);
        long long back;
        assert_true(string2ll(buf, (size_t)n, &back));
        assert_true(back == cases[i].v);
    }
    assert_int_equal(ull2string(buf, sizeof(buf), ULLONG_MAX), 20);
    assert_string_equal(buf, "18446744073709551615");
    assert_int_equal(ull2string(buf, sizeof(buf), 0), 1);
    assert_string_equal(buf, "0");
    /* too small a buffer: 0 and no overflow */
    char small[4] = {'x', 'x', 'x', 'x'};
    assert_int_equal(ll2string(small, 3, 1234), 0);
    assert_int_equal(small[3], 'x');
    assert_int_equal(ll2string(small, 4, 123), 3);
    assert_string_equal(small, "123");
    assert_int_equal(ll2string(small, 4, -123), 0);
    assert_int_equal(ll2string(small, 4, -12), 3);
    assert_string_equal(small, "-12");
    /* round trip over many values */
    for (long long v = -100000; v <= 100000; v += 7) {
        int n = ll2string(buf, sizeof(buf), v);
        long long back;
        assert_true(string2ll(buf, (size_t)n, &back) && back == v);
    }
    assert_int_equal(digits10(0), 1);
    assert_int_equal(digits10(9), 1);
    assert_int_equal(digits10(10), 2);
    assert_int_equal(digits10(UINT64_MAX), 20);
}

static void d2s(double v, const char *want) {
    char buf[MAX_D2STRING_CHARS];
    int n = d2string(buf, sizeof(buf), v);
    if (n != (int)strlen(want) || strcmp(buf, want)) fail_msg("d2string(%.17g) = \"%s\", want \"%s\"", v, buf, want);
}

static void test_d2string(void **state) {
    (void)state;
    /* as ZSCORE replies in Redis 7.0 */
    d2s(0.1, "0.10000000000000001");
    d2s(1e20, "1e+20");
    d2s(3, "3");
    d2s(-3, "-3");
    d2s(1.5, "1.5");
    d2s(4503599627370496.0, "4503599627370496");
    d2s(-4503599627370497.0, "-4503599627370497");
    d2s(1e-300, "1e-300");
    d2s(123.456, "123.456");
    d2s(INFINITY, "inf");
    d2s(-INFINITY, "-inf");
    d2s(NAN, "nan");
    d2s(0.0, "0");
    d2s(-0.0, "-0");
    d2s(4503599627370495.5, "4503599627370495.5");
}

static void ld2s(long double v, int hf, const char *want) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    int n = ld2string(buf, sizeof(buf), v, hf);
    if (n != (int)strlen(want) || strcmp(buf, want))
        fail_msg("ld2string(%.20Lg, %d) = \"%.*s\" (%d), want \"%s\"", v, hf, n > 0 ? n : 0, buf, n, want);
}

static void test_ld2string(void **state) {
    (void)state;
    /* INCRBYFLOAT replies of Redis 7.0 */
    ld2s(10.5L, 1, "10.5");
    ld2s(3.0e3L, 1, "3000");
    ld2s(5.0e3L, 1, "5000");
    ld2s(1.1L, 1, "1.1");
    ld2s(10.0L + 1.1L, 1, "11.1");
    ld2s(0.1L, 1, "0.1");
    ld2s(-0.0L, 1, "0");
    ld2s(0.0L, 1, "0");
    ld2s(1e20L, 1, "100000000000000000000");
    ld2s(1.0L / 3, 1, "0.33333333333333333");
    ld2s(-1.5L, 1, "-1.5");
    ld2s(1e-5L, 1, "0.00001");
    ld2s(123456789012345678.0L, 1, "123456789012345678");
    ld2s(1.23456789012345678901234L, 1, "1.23456789012345679");
    ld2s(1.25L, 1, "1.25");
    ld2s(INFINITY, 1, "inf");
    ld2s(-INFINITY, 1, "-inf");
    /* not human friendly: %.17Lg */
    ld2s(1.5L, 0, "1.5");
    ld2s(1e20L, 0, "1e+20");
    ld2s(INFINITY, 0, "inf");
    /* buffer too small: 0 */
    char b[4];
    assert_int_equal(ld2string(b, sizeof(b), 12345.5L, 1), 0);
    assert_int_equal(ld2string(b, sizeof(b), INFINITY, 1), 0);
}

/* ---------- glob ---------- */

static int gm(const char *p, const char *s, int nocase) {
    return glob_match(p, strlen(p), s, strlen(s), nocase);
}

static void test_glob_basic(void **state) {
    (void)state;
    struct { const char *p, *s; int nocase, want; } c[] = {
        {"*", "anything", 0, 1},
        {"*", "", 0, 0},           /* Redis quirk: the loop never runs for an empty string */
        {"", "", 0, 1},
        {"", "a", 0, 0},
        {"a", "", 0, 0},
        {"a*", "a", 0, 1},
        {"a*", "abc", 0, 1},
        {"*a", "ba", 0, 1},
        {"*a", "ab", 0, 0},
        {"**", "x", 0, 1},
        {"a**b", "ab", 0, 1},
        {"a**b", "axxb", 0, 1},
        {"h?llo", "hello", 0, 1},
        {"h?llo", "hllo", 0, 0},
        {"?", "", 0, 0},
        {"a?", "a", 0, 0},
        {"*?", "a", 0, 1},
        {"h*llo", "hllo", 0, 1},
        {"h*llo", "heeeello", 0, 1},
        {"h*llo", "heeeelo", 0, 0},
        {"h[ae]llo", "hello", 0, 1},
        {"h[ae]llo", "hallo", 0, 1},
        {"h[ae]llo", "hillo", 0, 0},
        {"h[^e]llo", "hallo", 0, 1},
        {"h[^e]llo", "hello", 0, 0},
        {"h[a-b]llo", "hbllo", 0, 1},
        {"h[a-b]llo", "hcllo", 0, 0},
        {"h[b-a]llo", "hallo", 0, 1},  /* reversed range */
        {"[a-z][0-9]", "q7", 0, 1},
        {"[a-z][0-9]", "Q7", 0, 0},
        {"[a-z][0-9]", "Q7", 1, 1},
        {"[A-Z]", "q", 1, 1},
        {"[^a-z]", "A", 0, 1},
        {"[^a-z]", "A", 1, 0},
        {"h\\*llo", "h*llo", 0, 1},
        {"h\\*llo", "hello", 0, 0},
        {"h\\?llo", "h?llo", 0, 1},
        {"h\\?llo", "hello", 0, 0},
        {"\\[a]", "[a]", 0, 1},
        {"[\\]]", "]", 0, 1},
        {"[\\^a]", "^", 0, 1},
        {"[a\\-z]", "-", 0, 1},
        {"[a\\-z]", "b", 0, 0},
        {"[]", "x", 0, 0},
        {"[abc", "a", 0, 1},     /* unterminated class still matches its members */
        {"[abc", "d", 0, 0},
        {"a\\", "a\\", 0, 1},    /* trailing backslash is literal */
        {"HELLO", "hello", 0, 0},
        {"HELLO", "hello", 1, 1},
        {"h*L?o", "HELLO", 1, 1},
        {"user:*:name", "user:1000:name", 0, 1},
        {"user:*:name", "user:1000:age", 0, 0},
        {"*:*:*", "a:b:c", 0, 1},
        {"*:*:*", "a:b", 0, 0},
        {"a*b*c", "abc", 0, 1},
        {"a*b*c", "aXbYc", 0, 1},
        {"a*b*c", "aXbYcZ", 0, 0},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        int got = gm(c[i].p, c[i].s, c[i].nocase);
        if (got != c[i].want)
            fail_msg("glob_match(\"%s\", \"%s\", nocase=%d) = %d, want %d", c[i].p, c[i].s, c[i].nocase, got, c[i].want);
    }
    /* binary safe */
    assert_true(glob_match("a\0*", 3, "a\0bc", 4, 0));
    assert_false(glob_match("a\0*", 3, "a\1bc", 4, 0));
    assert_true(glob_match("*", 1, "\0\0", 2, 0));
    assert_true(glob_match("?\0", 2, "x\0", 2, 0));
}

/* Runs glob_match in a child with a time limit; returns the match result, or -1 if
 * the child was killed by the alarm (too slow). */
static int gm_timed(const char *p, size_t plen, const char *s, size_t slen, unsigned secs) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(secs);
        _exit(glob_match(p, plen, s, slen, 0) ? 1 : 0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) return -1;
    return WEXITSTATUS(st);
}

static void test_regression_glob_long_strings_are_fast(void **state) {
    (void)state;
    /* Regression (fixed) (util.c glob_match, same cause as below): "*a*b*c" against a long string
     * without a 'c' is cubic in the string length; Redis is linear here. */
    size_t n = 20000;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) s[i] = (i & 1) ? 'b' : 'a';
    s[n] = 0;
    int r1 = gm_timed("*a*b*c", 6, s, n, 2);
    s[n - 1] = 'c';
    int r2 = gm_timed("*a*b*c", 6, s, n, 2);
    free(s);
    if (r1 < 0) fail_msg("glob_match(\"*a*b*c\", 20000 chars without 'c') took more than 2 s");
    assert_int_equal(r1, 0);
    assert_int_equal(r2, 1);
}

/* Regression (fixed) (util.c glob_match): no early exit when a '*' suffix cannot match anywhere,
 * so this regression from Redis's keyspace.tcl ("Regression for pattern matching
 * long nested loops") runs for an exponential time. */
static void test_regression_glob_nested_stars_redis_regression(void **state) {
    (void)state;
    const char *key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const char *pat = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    int r = gm_timed(pat, strlen(pat), key, strlen(key), 2);
    if (r < 0) fail_msg("glob_match(\"%s\", 40 x 'a') took more than 2 s (exponential backtracking)", pat);
    assert_int_equal(r, 0);
}

/* ---------- siphash ---------- */

#define RROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
static uint64_t ref_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
/* Straightforward SipHash-c-d from the paper, for checking the module. */
static uint64_t ref_siphash(const uint8_t *in, size_t len, const uint8_t key[16], int c, int d) {
    uint64_t k0 = ref_le64(key), k1 = ref_le64(key + 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                     k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
#define RROUND                                                                                     \
    do {                                                                                           \
        v[0] += v[1]; v[1] = RROTL(v[1], 13); v[1] ^= v[0]; v[0] = RROTL(v[0], 32);                \
        v[2] += v[3]; v[3] = RROTL(v[3], 16); v[3] ^= v[2];                                        \
        v[0] += v[3]; v[3] = RROTL(v[3], 21); v[3] ^= v[0];                                        \
        v[2] += v[1]; v[1] = RROTL(v[1], 17); v[1] ^= v[2]; v[2] = RROTL(v[2], 32);                \
    } while (0)
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = ref_le64(in + i);
        v[3] ^= m;
        for (int r = 0; r < c; r++) RROUND;
        v[0] ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t j = 0; i + j < len; j++) b |= (uint64_t)in[i + j] << (8 * j);
    v[3] ^= b;
    for (int r = 0; r < c; r++) RROUND;
    v[0] ^= b;
    v[2] ^= 0xff;
    for (int r = 0; r < d; r++) RROUND;
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void test_siphash(void **state) {
    (void)state;
    uint8_t key[16], msg[256];
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
    for (int i = 0; i < 256; i++) msg[i] = (uint8_t)i;
    /* the reference itself against the published SipHash-2-4 vectors */
    assert_true(ref_siphash(msg, 0, key, 2, 4) == 0x726fdb47dd0e0e31ULL);
    assert_true(ref_siphash(msg, 15, key, 2, 4) == 0xa129ca6149be45e5ULL);
    /* the module is SipHash-1-2 */
    hash_set_seed(key);
    for (size_t len = 0; len <= 70; len++) {
        uint64_t want = ref_siphash(msg, len, key, 1, 2);
        if (hash_bytes(msg, len) != want) fail_msg("hash_bytes differs from SipHash-1-2 at len %zu", len);
    }
    /* deterministic for a set seed, different for another seed */
    uint64_t h1 = hash_bytes("hello", 5);
    assert_true(hash_bytes("hello", 5) == h1);
    uint8_t key2[16];
    memcpy(key2, key, 16);
    key2[15] ^= 1;
    hash_set_seed(key2);
    assert_true(hash_bytes("hello", 5) != h1);
    assert_true(hash_bytes("hello", 5) == ref_siphash((const uint8_t *)"hello", 5, key2, 1, 2));
    hash_set_seed(key);
    assert_true(hash_bytes("hello", 5) == h1);
    /* nocase: equal to the hash of the lowercased bytes, for every length */
    const char *mixed = "HeLLo WoRLD, This Is A Mixed-Case String 0123456789 [ABC]";
    char lower[128];
    size_t ml = strlen(mixed);
    for (size_t i = 0; i < ml; i++) lower[i] = (char)((mixed[i] >= 'A' && mixed[i] <= 'Z') ? mixed[i] + 32 : mixed[i]);
    for (size_t len = 0; len <= ml; len++)
        assert_true(hash_bytes_nocase(mixed, len) == hash_bytes(lower, len));
    assert_true(hash_bytes("a", 1) != hash_bytes("A", 1));
    /* length is part of the hash */
    assert_true(hash_bytes("\0", 1) != hash_bytes("", 0));
    assert_true(hash_bytes("\0\0", 2) != hash_bytes("\0", 1));
}

/* ---------- parse_memory ---------- */

static void mem_ok(const char *s, long long want) {
    long long v = -12345;
    if (!parse_memory(s, &v)) fail_msg("parse_memory(\"%s\") rejected", s);
    if (v != want) fail_msg("parse_memory(\"%s\") = %lld, want %lld", s, v, want);
}
static void mem_bad(const char *s) {
    long long v = -12345;
    if (parse_memory(s, &v)) fail_msg("parse_memory(\"%s\") accepted as %lld", s, v);
}

static void test_parse_memory(void **state) {
    (void)state;
    mem_ok("0", 0);
    mem_ok("5", 5);
    mem_ok("5b", 5);
    mem_ok("1k", 1000);
    mem_ok("1kb", 1024);
    mem_ok("1KB", 1024);
    mem_ok("1m", 1000000);
    mem_ok("100mb", 104857600);
    mem_ok("100MB", 104857600);
    mem_ok("1g", 1000000000);
    mem_ok("1gb", 1073741824);
    mem_ok("1Gb", 1073741824);
    mem_ok("8589934591gb", 8589934591LL * 1073741824LL);
    mem_bad("8589934592gb"); /* 2^63 does not fit */
    mem_bad("1tb");
    mem_bad("1.5gb");
    mem_bad("1 gb");
    mem_bad(" 1gb");
    mem_bad("1gbx");
    mem_bad("1bb");
    mem_bad("x");
    mem_bad("1x");
    mem_bad("kb1");
}

/* Regression (fixed) (util.c parse_memory) vs Redis 7.0's memtoull (CONFIG SET maxmemory ...):
 * Redis accepts "" and a bare unit as 0 and leading zeros ("0100mb"), and rejects
 * a leading '-'. */
static void test_regression_parse_memory_redis_edge_cases(void **state) {
    (void)state;
    mem_ok("0100mb", 104857600);
    mem_ok("", 0);
    mem_ok("gb", 0);
    mem_bad("-1");
    mem_bad("-5mb");
}

/* ---------- clocks and random ---------- */

static void test_time(void **state) {
    (void)state;
    long long us = ustime(), ms = mstime();
    assert_true(us > 1600000000000000LL);
    assert_true(ms >= us / 1000 - 1000 && ms <= us / 1000 + 1000);
    long long m1 = monotonic_us();
    usleep(2000);
    long long m2 = monotonic_us();
    assert_true(m2 - m1 >= 2000);
    assert_true(m2 - m1 < 1000000);
}

static void test_rand(void **state) {
    (void)state;
    rand_seed(42);
    uint64_t a[8];
    for (int i = 0; i < 8; i++) a[i] = rand_u64();
    rand_seed(42);
    for (int i = 0; i < 8; i++) assert_true(rand_u64() == a[i]);
    rand_seed(43);
    assert_true(rand_u64() != a[0]);
    for (int i = 1; i < 8; i++) assert_true(a[i] != a[0]);
    /* bit balance over many draws */
    rand_seed(7);
    long ones = 0;
    int buckets[16] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t r = rand_u64();
        ones += __builtin_popcountll(r);
        buckets[r % 16]++;
    }
    double frac = (double)ones / (100000.0 * 64);
    assert_true(frac > 0.49 && frac < 0.51);
    for (int i = 0; i < 16; i++) assert_true(buckets[i] > 5500 && buckets[i] < 7000);
    /* rand_bytes fills exactly len bytes */
    unsigned char buf[21];
    memset(buf, 0xEE, sizeof(buf));
    rand_bytes(buf, 13);
    for (int i = 13; i < 21; i++) assert_int_equal(buf[i], 0xEE);
    rand_bytes(buf, 0);
    /* rand_hex: only hex chars, exactly len of them */
    char hex[41];
    memset(hex, 'Z', sizeof(hex));
    rand_hex(hex, 40);
    for (int i = 0; i < 40; i++) assert_non_null(strchr("0123456789abcdef", hex[i]));
    assert_int_equal(hex[40], 'Z');
}

/* cpulist_apply: the kernel's list syntax; malformed lists change nothing. Runs in
 * a forked child so the test process keeps its affinity. */
static void test_cpulist(void **state) {
    (void)state;
    pid_t pid = fork();
    if (pid == 0) {
        const char *bad[] = {"a", "1-", "3-1", "0,,1", "-1", "0-2:0", "0-2:", "0 1", "0;1", NULL};
        for (int i = 0; bad[i]; i++)
            if (cpulist_apply(bad[i]) != -1) _exit(10 + i);
        if (cpulist_apply(NULL) != 0) _exit(2);
        if (cpulist_apply("0") != 0) _exit(3);
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1 || !CPU_ISSET(0, &set)) _exit(4);
        if (cpulist_apply("0-1000:500") != 0) _exit(5);     /* CPUs that don't exist are ignored by the kernel */
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpulist),
        cmocka_unit_test(test_string2ll),
        cmocka_unit_test(test_string2ull),
        cmocka_unit_test(test_string2d),
        cmocka_unit_test(test_string2ld),
        cmocka_unit_test(test_ll2string),
        cmocka_unit_test(test_d2string),
        cmocka_unit_test(test_ld2string),
        cmocka_unit_test(test_glob_basic),
        cmocka_unit_test(test_regression_glob_long_strings_are_fast),
        cmocka_unit_test(test_regression_glob_nested_stars_redis_regression),
        cmocka_unit_test(test_siphash),
        cmocka_unit_test(test_parse_memory),
        cmocka_unit_test(test_regression_parse_memory_redis_edge_cases),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_rand),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
