/* test_sds.c - unit tests for base/sds: construction, appends, growth across header
 * types, printf/repr formatting, range/trim, argument splitting and embedded strings.
 * Every test also checks the module's invariants (len <= alloc, NUL at s[len], the
 * header type matches the capacity). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/sds.h"
#include "base/alloc.h"

/* Checks the structural invariants of s. */
static void check_sds(const Sds s) {
    size_t len = sds_len(s), alloc = sds_alloc(s);
    assert_true(len <= alloc);
    assert_int_equal(s[len], '\0');
    assert_int_equal(sds_avail(s), alloc - len);
    int type = s[-1] & SDS_TYPE_MASK;
    if (type == SDS_T8) assert_true(alloc <= 255);
    if (type == SDS_T16) assert_true(alloc <= 65535);
    if (type == SDS_T32) assert_true(alloc <= UINT32_MAX);
    /* the allocation really holds header + alloc + NUL */
    assert_true(sds_alloc_size(s) >= alloc + 1);
}

static void assert_sds_eq(const Sds s, const char *p, size_t len) {
    check_sds(s);
    assert_int_equal(sds_len(s), len);
    assert_memory_equal(s, p, len);
}
#define ASSERT_SDS(s, lit) assert_sds_eq((s), (lit), sizeof(lit) - 1)

static void test_newlen_empty_dup(void **state) {
    (void)state;
    Sds s = sds_newlen("ab\0cd", 5);
    ASSERT_SDS(s, "ab\0cd");
    Sds z = sds_newlen(NULL, 10);
    assert_sds_eq(z, "\0\0\0\0\0\0\0\0\0\0", 10);
    Sds e = sds_empty();
    ASSERT_SDS(e, "");
    Sds n = sds_new("hello");
    ASSERT_SDS(n, "hello");
    Sds nn = sds_new(NULL);
    ASSERT_SDS(nn, "");
    Sds d = sds_dup(s);
    ASSERT_SDS(d, "ab\0cd");
    assert_ptr_not_equal(d, s);
    Sds l0 = sds_newlen("xyz", 0);
    ASSERT_SDS(l0, "");
    sds_free(s); sds_free(z); sds_free(e); sds_free(n); sds_free(nn); sds_free(d); sds_free(l0);
    sds_free(NULL); /* allowed */
}

static void test_type_chosen_by_length(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 200, 250, 254, 255, 256, 300, 65534, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char *buf = malloc(lens[i] + 1);
        memset(buf, 'a' + (int)(i % 26), lens[i]);
        Sds s = sds_newlen(buf, lens[i]);
        assert_sds_eq(s, buf, lens[i]);
        int type = s[-1] & SDS_TYPE_MASK;
        if (lens[i] < 256) assert_int_equal(type, SDS_T8);
        else if (lens[i] < 65536) assert_int_equal(type, SDS_T16);
        else assert_int_equal(type, SDS_T32);
        sds_free(s);
        free(buf);
    }
}

static void test_cat(void **state) {
    (void)state;
    Sds s = sds_new("foo");
    s = sds_cat(s, "bar");
    ASSERT_SDS(s, "foobar");
    s = sds_catlen(s, "\0x", 2);
    ASSERT_SDS(s, "foobar\0x");
    Sds t = sds_new("!!");
    s = sds_catsds(s, t);
    ASSERT_SDS(s, "foobar\0x!!");
    s = sds_catlen(s, "", 0);
    ASSERT_SDS(s, "foobar\0x!!");
    sds_free(t);
    sds_free(s);
}

static void test_cat_grows_across_types(void **state) {
    (void)state;
    /* append one byte at a time from 0 to 70000: crosses 255 and 65535 */
    Sds s = sds_empty();
    int last_type = SDS_T8;
    for (size_t i = 0; i < 70000; i++) {
        char c = (char)('a' + i % 26);
        s = sds_catlen(s, &c, 1);
        assert_int_equal(sds_len(s), i + 1);
        int type = s[-1] & SDS_TYPE_MASK;
        assert_true(type >= last_type);
        last_type = type;
        if ((i & 1023) == 0 || i == 255 || i == 256 || i == 65535 || i == 65536) check_sds(s);
    }
    check_sds(s);
    for (size_t i = 0; i < 70000; i++) assert_int_equal(s[i], (char)('a' + i % 26));
    assert_int_equal(last_type, SDS_T32);
    sds_free(s);
}

static void test_catprintf(void **state) {
    (void)state;
    Sds s = sds_new("x=");
    s = sds_catprintf(s, "%d,%s,%lld", 42, "y", LLONG_MIN);
    ASSERT_SDS(s, "x=42,y,-9223372036854775808");
    sds_free(s);
    /* output longer than the internal stack buffer */
    s = sds_new("pre:");
    char big[2000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = sds_catprintf(s, "%s|%s", big, big);
    check_sds(s);
    assert_int_equal(sds_len(s), 4 + 1999 * 2 + 1);
    assert_memory_equal(s, "pre:", 4);
    assert_int_equal(s[4 + 1999], '|');
    assert_int_equal(s[sds_len(s) - 1], 'q');
    sds_free(s);
    /* exactly around 512 bytes */
    for (int n = 505; n < 520; n++) {
        Sds t = sds_empty();
        t = sds_catprintf(t, "%0*d", n, 7);
        check_sds(t);
        assert_int_equal(sds_len(t), (size_t)n);
        assert_int_equal(t[n - 1], '7');
        sds_free(t);
    }
    s = sds_empty();
    s = sds_catprintf(s, "%s", "");
    ASSERT_SDS(s, "");
    sds_free(s);
}

static void test_catrepr(void **state) {
    (void)state;
    Sds s = sds_empty();
    s = sds_catrepr(s, "\a\n\0foo\r\t\b\"\\\x01\x7f\xff ok", 17);
    ASSERT_SDS(s, "\"\\a\\n\\x00foo\\r\\t\\b\\\"\\\\\\x01\\x7f\\xff ok\"");
    sds_free(s);
    s = sds_new("pfx");
    s = sds_catrepr(s, "", 0);
    ASSERT_SDS(s, "pfx\"\"");
    sds_free(s);
}

/* Model of Redis 7.0.15's sdsrange (computed on offsets). */
static void ref_range(long len, long start, long end, long *ostart, long *olen) {
    *ostart = 0;
    *olen = len;
    if (len == 0) return;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    unsigned long newlen = (start > end) ? 0 : (unsigned long)(end - start) + 1;
    unsigned long st = (unsigned long)start;
    if (st >= (unsigned long)len) st = newlen = 0;
    if (newlen > (unsigned long)len - st) newlen = (unsigned long)len - st;
    *ostart = (long)st;
    *olen = (long)newlen;
}

static void test_range_examples(void **state) {
    (void)state;
    /* the cases from Redis's own sds self-test */
    struct { long s, e; const char *want; } cases[] = {
        {1, 1, "i"}, {1, -1, "iao"}, {-2, -1, "ao"}, {2, 1, ""}, {1, 100, "iao"},
        {100, 100, ""}, {4, 6, ""}, {3, 6, "o"}, {0, -1, "ciao"}, {0, 0, "c"},
        {-1, -1, "o"}, {-4, -1, "ciao"}, {0, -5, ""}, {-1, 0, ""}, {3, 3, "o"},
        {-5, -1, ""}, {-100, 2, ""}, {-4, -5, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Sds s = sds_new("ciao");
        sds_range(s, cases[i].s, cases[i].e);
        assert_sds_eq(s, cases[i].want, strlen(cases[i].want));
        sds_free(s);
    }
    Sds e = sds_empty();
    sds_range(e, 0, -1);
    ASSERT_SDS(e, "");
    sds_range(e, 5, 10);
    ASSERT_SDS(e, "");
    sds_free(e);
}

/* Exhaustive comparison against the Redis 7.0 model, including offsets that stay
 * negative after adding len (Redis 7.0 does not clamp them: (0, -(len+1)) is "",
 * and a start before the beginning gives ""). */
static void test_range_exhaustive(void **state) {
    (void)state;
    const char *src = "0123456789";
    for (long len = 0; len <= 10; len++) {
        for (long st = -14; st <= 14; st++) {
            for (long en = -14; en <= 14; en++) {
                long ws, wl;
                ref_range(len, st, en, &ws, &wl);
                Sds s = sds_newlen(src, (size_t)len);
                sds_range(s, st, en);
                check_sds(s);
                if ((long)sds_len(s) != wl || memcmp(s, src + ws, (size_t)wl) != 0)
                    fail_msg("sds_range(len=%ld, %ld, %ld) gave \"%.*s\", want \"%.*s\"", len, st, en,
                             (int)sds_len(s), s, (int)wl, src + ws);
                sds_free(s);
            }
        }
    }
    /* the idiom "drop the last n bytes" with n == len must empty the string */
    Sds s = sds_new("abc");
    sds_range(s, 0, -(3 + 1));
    ASSERT_SDS(s, "");
    sds_free(s);
}

static void test_range_big_offset_on_long_string(void **state) {
    (void)state;
    /* used by the reply reader to drop consumed bytes */
    char buf[1000];
    for (int i = 0; i < 1000; i++) buf[i] = (char)i;
    Sds s = sds_newlen(buf, 1000);
    sds_range(s, 400, -1);
    assert_sds_eq(s, buf + 400, 600);
    sds_range(s, 600, -1);
    ASSERT_SDS(s, "");
    sds_free(s);
}

static void test_trim(void **state) {
    (void)state;
    Sds s = sds_new("xxciaoyyy");
    sds_trim(s, "xy");
    ASSERT_SDS(s, "ciao");
    sds_trim(s, "xy");
    ASSERT_SDS(s, "ciao");
    sds_trim(s, "ciao");
    ASSERT_SDS(s, "");
    sds_free(s);
    s = sds_new(" \t hello world \r\n");
    sds_trim(s, " \t\r\n");
    ASSERT_SDS(s, "hello world");
    sds_free(s);
    s = sds_new("aaa");
    sds_trim(s, "a");
    ASSERT_SDS(s, "");
    sds_free(s);
    s = sds_new("abc");
    sds_trim(s, "");
    ASSERT_SDS(s, "abc");
    sds_free(s);
}

static void test_growzero(void **state) {
    (void)state;
    Sds s = sds_new("ab");
    s = sds_growzero(s, 1);          /* shorter: no-op */
    ASSERT_SDS(s, "ab");
    s = sds_growzero(s, 10);
    assert_sds_eq(s, "ab\0\0\0\0\0\0\0\0", 10);
    /* make garbage in spare capacity, then grow over it: must be zeroed */
    s = sds_make_room(s, 1000);
    memset(s + 10, 'Z', sds_avail(s));
    s = sds_growzero(s, 600);
    check_sds(s);
    assert_int_equal(sds_len(s), 600);
    for (size_t i = 2; i < 600; i++) assert_int_equal(s[i], 0);
    s = sds_growzero(s, 70000);
    check_sds(s);
    assert_int_equal(s[-1] & SDS_TYPE_MASK, SDS_T32);
    for (size_t i = 2; i < 70000; i++) assert_int_equal(s[i], 0);
    assert_memory_equal(s, "ab", 2);
    sds_free(s);
}

static void test_make_room_boundaries(void **state) {
    (void)state;
    struct { size_t start, add; } cases[] = {
        {3, 1}, {3, 252}, {3, 253}, {250, 5}, {250, 6}, {255, 1}, {100, 200},
        {65000, 535}, {65000, 536}, {65535, 1}, {10, 65526}, {10, 70000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cases[i].start;
        char *buf = malloc(n);
        for (size_t j = 0; j < n; j++) buf[j] = (char)(j * 7);
        for (int exact = 0; exact < 2; exact++) {
            Sds s = sds_newlen(buf, n);
            s = exact ? sds_make_room_exact(s, cases[i].add) : sds_make_room(s, cases[i].add);
            assert_sds_eq(s, buf, n);
            assert_true(sds_avail(s) >= cases[i].add);
            /* the room is really usable */
            memset(s + n, 'r', cases[i].add);
            sds_incrlen(s, (long)cases[i].add);
            check_sds(s);
            assert_int_equal(sds_len(s), n + cases[i].add);
            assert_memory_equal(s, buf, n);
            sds_incrlen(s, -(long)cases[i].add);
            assert_sds_eq(s, buf, n);
            sds_free(s);
        }
        free(buf);
    }
    /* make_room when there is room already returns the same string */
    Sds s = sds_make_room(sds_empty(), 100);
    Sds t = sds_make_room(s, 50);
    assert_ptr_equal(s, t);
    sds_free(t);
}

static void test_remove_free_cpylen(void **state) {
    (void)state;
    Sds s = sds_make_room(sds_new("abc"), 500);
    assert_true(sds_avail(s) >= 500);
    s = sds_remove_free(s);
    ASSERT_SDS(s, "abc");
    assert_true(sds_alloc_size(s) <= 16); /* only the allocator's rounding is left */
    s = sds_cpylen(s, "a much longer string than before", 32);
    ASSERT_SDS(s, "a much longer string than before");
    s = sds_cpylen(s, "x", 1);
    ASSERT_SDS(s, "x");
    s = sds_cpylen(s, "", 0);
    ASSERT_SDS(s, "");
    sds_free(s);
}

static void test_misc(void **state) {
    (void)state;
    Sds s = sds_fromll(LLONG_MIN);
    ASSERT_SDS(s, "-9223372036854775808");
    sds_free(s);
    s = sds_fromll(0);
    ASSERT_SDS(s, "0");
    sds_free(s);
    s = sds_new("HeLLo 1!");
    sds_tolower(s);
    ASSERT_SDS(s, "hello 1!");
    sds_toupper(s);
    ASSERT_SDS(s, "HELLO 1!");
    sds_clear(s);
    ASSERT_SDS(s, "");
    assert_true(sds_alloc(s) >= 8);
    sds_free(s);

    Sds a = sds_new("foo"), b = sds_new("foa");
    assert_true(sds_cmp(a, b) > 0);
    assert_true(sds_cmp(b, a) < 0);
    sds_free(b);
    b = sds_new("foo");
    assert_int_equal(sds_cmp(a, b), 0);
    sds_free(b);
    b = sds_new("fo");
    assert_true(sds_cmp(a, b) > 0);
    assert_true(sds_cmp(b, a) < 0);
    sds_free(b);
    b = sds_newlen("foo\0", 4);
    assert_true(sds_cmp(a, b) < 0);
    sds_free(b);
    b = sds_newlen("\xff", 1);
    assert_true(sds_cmp(a, b) < 0); /* bytes compare unsigned */
    sds_free(a);
    sds_free(b);

    s = sds_make_room(sds_new("12"), 10);
    memcpy(s + 2, "345", 3);
    sds_incrlen(s, 3);
    ASSERT_SDS(s, "12345");
    sds_incrlen(s, -4);
    ASSERT_SDS(s, "1");
    sds_setlen(s, 0);
    ASSERT_SDS(s, "");
    sds_free(s);
}

static void expect_split(const char *line, int want_argc, const char **want) {
    int argc = -1;
    Sds *v = sds_splitargs(line, &argc);
    if (want_argc < 0) {
        if (v) fail_msg("splitargs(%s) should fail, got %d args", line, argc);
        assert_int_equal(argc, 0);
        return;
    }
    if (!v) fail_msg("splitargs(%s) failed", line);
    if (argc != want_argc) fail_msg("splitargs(%s): argc %d, want %d", line, argc, want_argc);
    for (int i = 0; i < argc; i++) {
        check_sds(v[i]);
        if (sds_len(v[i]) != strlen(want[i]) || memcmp(v[i], want[i], sds_len(v[i])))
            fail_msg("splitargs(%s): arg %d is '%s', want '%s'", line, i, v[i], want[i]);
    }
    sds_freesplit(v, argc);
}

static void test_splitargs(void **state) {
    (void)state;
    expect_split("", 0, NULL);
    expect_split("   \t \n ", 0, NULL);
    expect_split("set foo bar", 3, (const char *[]){"set", "foo", "bar"});
    expect_split("  set\tfoo \r\n bar  ", 3, (const char *[]){"set", "foo", "bar"});
    expect_split("\"foo bar\" baz", 2, (const char *[]){"foo bar", "baz"});
    expect_split("\"\\x41\\x4a\\x4A\"", 1, (const char *[]){"AJJ"});
    expect_split("\"\\x4\"", 1, (const char *[]){"x4"});   /* incomplete hex: plain escape */
    expect_split("\"\\xzz\"", 1, (const char *[]){"xzz"});
    expect_split("\"a\\nb\\rc\\td\\be\\af\\\\g\\\"h\\qi\"", 1,
                 (const char *[]){"a\nb\rc\td\be\af\\g\"hqi"});
    expect_split("'it\\'s' 'a\\nb'", 2, (const char *[]){"it's", "a\\nb"});
    expect_split("'\"x\"'", 1, (const char *[]){"\"x\""});
    expect_split("\"'\"", 1, (const char *[]){"'"});
    expect_split("\"\"", 1, (const char *[]){""});
    expect_split("\"\" ''", 2, (const char *[]){"", ""});
    expect_split("a \"b\" c", 3, (const char *[]){"a", "b", "c"});
    expect_split("\"a\"\t\"b\"", 2, (const char *[]){"a", "b"});
    /* a quote opening inside a word continues the word */
    expect_split("foo\"bar baz\"", 1, (const char *[]){"foobar baz"});
    /* errors */
    expect_split("\"foo\"bar", -1, NULL);
    expect_split("'foo'bar", -1, NULL);
    expect_split("\"unbalanced", -1, NULL);
    expect_split("'unbalanced", -1, NULL);
    expect_split("ok \"unbalanced", -1, NULL);
    expect_split("\"ends with backslash\\", -1, NULL);
    expect_split("\"", -1, NULL);
    expect_split("'", -1, NULL);
}

static void expect_splitlen(const char *s, size_t len, const char *sep, int want_n, const char **want) {
    int n = -1;
    Sds *v = sds_splitlen(s, len, sep, strlen(sep), &n);
    if (n != want_n) fail_msg("splitlen('%.*s','%s'): %d tokens, want %d", (int)len, s, sep, n, want_n);
    for (int i = 0; i < n; i++) {
        check_sds(v[i]);
        if (sds_len(v[i]) != strlen(want[i]) || memcmp(v[i], want[i], sds_len(v[i])))
            fail_msg("splitlen('%.*s'): token %d is '%s', want '%s'", (int)len, s, i, v[i], want[i]);
    }
    sds_freesplit(v, n);
}

static void test_splitlen(void **state) {
    (void)state;
    expect_splitlen("a,b,,c", 6, ",", 4, (const char *[]){"a", "b", "", "c"});
    expect_splitlen(",a,", 3, ",", 3, (const char *[]){"", "a", ""});
    expect_splitlen("abc", 3, ",", 1, (const char *[]){"abc"});
    expect_splitlen("a--b---c", 8, "--", 3, (const char *[]){"a", "b", "-c"});
    expect_splitlen("l1\r\nl2\r\n", 8, "\r\n", 3, (const char *[]){"l1", "l2", ""});
    expect_splitlen("a\0b", 3, "\0", 0, NULL); /* empty separator (strlen 0) -> nothing */
    /* Redis returns no tokens for an empty input (CONFIG SET save "" relies on it) */
    expect_splitlen("", 0, ",", 0, NULL);
    int n;
    Sds *v = sds_splitlen("x\0y", 3, "\0", 1, &n);
    assert_int_equal(n, 2);
    ASSERT_SDS(v[0], "x");
    ASSERT_SDS(v[1], "y");
    sds_freesplit(v, n);
    sds_freesplit(NULL, 0);
}

static void test_embedded(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 16, 44, 254, 255, 256, 1000, 65535, 65536};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t len = lens[i];
        size_t sz = sds_embedded_size(len);
        int hs = len < 256 ? 3 : len < 65536 ? 5 : 9;
        assert_int_equal(sz, hs + len + 1);
        char *src = malloc(len + 1);
        for (size_t j = 0; j < len; j++) src[j] = (char)('A' + j % 50);
        unsigned char *buf = malloc(sz + 2);
        buf[sz] = 0xAB;  /* canary just past the end */
        Sds s = sds_init_embedded(buf, src, len);
        assert_ptr_equal(s, (char *)buf + hs);
        assert_int_equal(buf[sz], 0xAB);
        assert_int_equal(sds_len(s), len);
        assert_int_equal(sds_alloc(s), len);
        assert_int_equal(sds_avail(s), 0);
        assert_int_equal(s[len], 0);
        assert_memory_equal(s, src, len);
        /* a copy of an embedded sds is a normal, growable sds */
        Sds d = sds_dup(s);
        d = sds_cat(d, "++");
        check_sds(d);
        assert_int_equal(sds_len(d), len + 2);
        sds_free(d);
        free(buf);
        free(src);
    }
    assert_int_equal(sds_embedded_size(16), 20);
}

static void test_alloc_accounting(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    Sds s = sds_new("hello");
    for (int i = 0; i < 1000; i++) s = sds_cat(s, "0123456789");
    assert_true(vmalloc_used() > before);
    assert_int_equal(vmalloc_used() - before, sds_alloc_size(s));
    sds_free(s);
    assert_int_equal(vmalloc_used(), before);
    int argc;
    Sds *v = sds_splitargs("a b \"c d\" 'e'", &argc);
    sds_freesplit(v, argc);
    v = sds_splitargs("a \"b", &argc);
    assert_null(v);
    v = sds_splitlen("a,b,c", 5, ",", 1, &argc);
    sds_freesplit(v, argc);
    assert_int_equal(vmalloc_used(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newlen_empty_dup),
        cmocka_unit_test(test_type_chosen_by_length),
        cmocka_unit_test(test_cat),
        cmocka_unit_test(test_cat_grows_across_types),
        cmocka_unit_test(test_catprintf),
        cmocka_unit_test(test_catrepr),
        cmocka_unit_test(test_range_examples),
        cmocka_unit_test(test_range_exhaustive),
        cmocka_unit_test(test_range_big_offset_on_long_string),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_growzero),
        cmocka_unit_test(test_make_room_boundaries),
        cmocka_unit_test(test_remove_free_cpylen),
        cmocka_unit_test(test_misc),
        cmocka_unit_test(test_splitargs),
        cmocka_unit_test(test_splitlen),
        cmocka_unit_test(test_embedded),
        cmocka_unit_test(test_alloc_accounting),
    };
    return cmocka_run_group_tests_name("sds", tests, NULL, NULL);
}
