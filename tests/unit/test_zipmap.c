/* test_zipmap.c - unit tests for ds/zipmap: the format's own example, length
 * boundaries (253/254, the 5-byte form, empty strings, 70000 bytes), free padding,
 * the zmlen byte (253, 254 meaning unknown, 300 pairs), each structural check,
 * duplicate keys, zipmaps of the shapes Redis 2.4 wrote (a plain two-field hash;
 * values shortened in place, leaving their old tails as free bytes; built by the
 * test's own encoder, no file copied), and hostile input (every truncation,
 * thousands of random byte flips compared with the test's own independent parser,
 * each blob in an allocation of exactly its size so the sanitizer sees any
 * overread). */
#include "blob_check.h"
#include "seed.h"
#include "ds/zipmap.h"

/* ---------------- a zipmap builder ---------------- */

typedef struct Zmb {
    unsigned char *buf;
    size_t len, cap;
    size_t count;
} Zmb;

static void zmb_put(Zmb *z, const void *p, size_t n) {
    if (z->len + n > z->cap) {
        z->cap = (z->len + n) * 2;
        z->buf = realloc(z->buf, z->cap);
        assert_non_null(z->buf);
    }
    if (n) memcpy(z->buf + z->len, p, n);
    z->len += n;
}

static void zmb_byte(Zmb *z, unsigned char b) { zmb_put(z, &b, 1); }

static void zmb_init(Zmb *z) {
    memset(z, 0, sizeof(*z));
    zmb_byte(z, 0); /* zmlen, filled by zmb_finish */
}

static void zmb_len(Zmb *z, uint32_t l) {
    if (l < 254) {
        zmb_byte(z, (unsigned char)l);
        return;
    }
    zmb_byte(z, 254);
    for (int i = 0; i < 4; i++) zmb_byte(z, (unsigned char)(l >> (8 * i)));
}

/* A pair with `free` bytes of padding (filled with 0xFF, the terminator's value,
 * so a reader that forgets the padding stops in the wrong place). */
static void zmb_pair_free(Zmb *z, const void *k, uint32_t klen, const void *v, uint32_t vlen, unsigned free) {
    zmb_len(z, klen);
    zmb_put(z, k, klen);
    zmb_len(z, vlen);
    zmb_byte(z, (unsigned char)free);
    zmb_put(z, v, vlen);
    for (unsigned i = 0; i < free; i++) zmb_byte(z, 0xFF);
    z->count++;
}

static void zmb_pair(Zmb *z, const char *k, const char *v) {
    zmb_pair_free(z, k, (uint32_t)strlen(k), v, (uint32_t)strlen(v), 0);
}

/* Terminates and sets zmlen (254 from 254 pairs on, as Redis writes it). */
static unsigned char *zmb_finish(Zmb *z, size_t *size) {
    zmb_byte(z, 0xFF);
    z->buf[0] = (unsigned char)(z->count < 254 ? z->count : 254);
    *size = z->len;
    return z->buf;
}

/* ---------------- an independent reference parser ---------------- */

typedef struct RefPair {
    size_t koff, klen, voff, vlen;
} RefPair;

/* Reads a canonical length at zm[*i], which must end before the terminator at
 * zm[last]; -1 when there is none. */
static long long ref_len(const unsigned char *zm, size_t last, size_t *i) {
    if (*i >= last) return -1;
    if (zm[*i] < 254) return zm[(*i)++];
    if (zm[*i] == 255 || *i + 5 > last) return -1;
    unsigned long long l = 0;
    for (int k = 4; k >= 1; k--) l = l << 8 | zm[*i + (size_t)k];
    *i += 5;
    return l >= 254 ? (long long)l : -1;
}

/* Parses the whole blob into pairs (at most max); returns the pair count, or -1
 * when the blob is not a valid zipmap. */
static long ref_parse(const unsigned char *zm, size_t size, RefPair *out, size_t max) {
    if (size < 2 || zm[size - 1] != 0xFF) return -1;
    size_t last = size - 1, i = 1, n = 0;
    while (i < last) {
        if (zm[i] == 0xFF) return -1; /* a terminator before the last byte */
        RefPair pr;
        long long l = ref_len(zm, last, &i);
        if (l < 0 || (unsigned long long)l > last - i) return -1;
        pr.koff = i;
        pr.klen = (size_t)l;
        i += pr.klen;
        l = ref_len(zm, last, &i);
        if (l < 0 || i >= last) return -1;
        size_t free = zm[i++];
        if ((unsigned long long)l + free > last - i) return -1;
        pr.voff = i;
        pr.vlen = (size_t)l;
        i += pr.vlen + free;
        if (n < max) out[n] = pr;
        n++;
    }
    if (n == 0 || (zm[0] != 254 && zm[0] != n)) return -1;
    return (long)n;
}

/* 1 when two keys of the parsed pairs are equal (quadratic: small blobs only). */
static int ref_has_dup(const unsigned char *zm, const RefPair *ps, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (ps[i].klen == ps[j].klen && !memcmp(zm + ps[i].koff, zm + ps[j].koff, ps[i].klen)) return 1;
    return 0;
}

/* Asserts that the listpack entry at p holds the bytes s[0..len). */
static void expect_entry(unsigned char *p, const unsigned char *s, size_t len) {
    assert_non_null(p);
    unsigned char buf[LP_INTBUF_SIZE];
    uint32_t l;
    const unsigned char *got = lp_get_str(p, &l, buf);
    assert_int_equal(l, len);
    assert_memory_equal(got, s, len);
}

/* Whatever the bytes, zm_validate and zm_to_listpack agree with the reference
 * parser. Returns 1 when the blob converted. */
static int check_against_ref(const unsigned char *zm, size_t size) {
    RefPair ps[512];
    long n = ref_parse(zm, size, ps, 512);
    int valid = zm_validate(zm, size, 1);
    assert_int_equal(valid, n >= 0);
    size_t pairs = 0;
    unsigned char *lp = zm_to_listpack(zm, size, &pairs);
    assert_true(n <= 512);
    if (n < 0) {
        assert_null(lp);
        return 0;
    }
    if (ref_has_dup(zm, ps, (size_t)n)) {
        assert_null(lp);
        return 0;
    }
    assert_non_null(lp);
    assert_int_equal(pairs, n);
    assert_true(lp_validate_integrity(lp, lp_bytes(lp), 1, NULL, NULL));
    assert_int_equal(lp_length(lp), 2 * (size_t)n);
    unsigned char *p = lp_first(lp);
    for (long i = 0; i < n; i++) {
        expect_entry(p, zm + ps[i].koff, ps[i].klen);
        p = lp_next(lp, p);
        expect_entry(p, zm + ps[i].voff, ps[i].vlen);
        p = lp_next(lp, p);
    }
    assert_null(p);
    lp_free(lp);
    return 1;
}

/* Asserts the blob is valid and converts to want[0..n) (field, value...). */
static void expect_zm(const unsigned char *zm, size_t size, const char *const *want, size_t n) {
    unsigned char *copy = bc_exact_copy(zm, size);
    assert_true(zm_validate(copy, size, 0));
    assert_true(zm_validate(copy, size, 1));
    size_t pairs = 0;
    unsigned char *lp = zm_to_listpack(copy, size, &pairs);
    bc_expect_lp(lp, want, n);
    assert_int_equal(pairs, n / 2);
    lp_free(lp);
    assert_true(check_against_ref(copy, size));
    free(copy);
}

/* Asserts the blob fails deep validation and conversion. */
static void expect_bad(const unsigned char *zm, size_t size) {
    unsigned char *copy = bc_exact_copy(zm, size);
    assert_false(zm_validate(copy, size, 1));
    assert_null(zm_to_listpack(copy, size, NULL));
    assert_false(check_against_ref(copy, size));
    free(copy);
}

static size_t mem_before;

static int setup(void **state) {
    (void)state;
    rand_seed(555);
    mem_before = vmalloc_used();
    return 0;
}

/* Every test frees what it allocated through the allocator (listpacks, sds). */
static int teardown(void **state) {
    (void)state;
    assert_int_equal(vmalloc_used(), mem_before);
    return 0;
}

/* ---------------- tests ---------------- */

/* The example of the format's description. */
static void test_doc_example(void **state) {
    (void)state;
    const unsigned char zm[] = "\x02\x03" "foo" "\x03\x00" "bar" "\x05" "hello" "\x05\x00" "world" "\xff";
    const char *want[] = {"foo", "bar", "hello", "world"};
    expect_zm(zm, sizeof(zm) - 1, want, 4);
    Zmb z;
    size_t size;
    zmb_init(&z);
    zmb_pair(&z, "foo", "bar");
    zmb_pair(&z, "hello", "world");
    unsigned char *b = zmb_finish(&z, &size);
    assert_int_equal(size, sizeof(zm) - 1);
    assert_memory_equal(b, zm, size);
    free(b);
}

/* Key and value lengths at the one-byte/five-byte edge and beyond, empty strings,
 * free padding from 0 to 255 bytes. */
static void test_length_boundaries(void **state) {
    (void)state;
    const uint32_t lens[] = {0, 1, 253, 254, 255, 70000};
    size_t nl = sizeof(lens) / sizeof(lens[0]);
    char *s = malloc(70001), *t = malloc(70001);
    for (size_t i = 0; i < 70000; i++) {
        s[i] = (char)('a' + i % 26);
        t[i] = (char)('A' + i % 26);
    }
    for (size_t a = 0; a < nl; a++) {
        for (size_t b = 0; b < nl; b++) {
            const unsigned frees[] = {0, 1, 4, 255};
            unsigned fr = frees[(a + b) % 4];
            Zmb z;
            size_t size;
            zmb_init(&z);
            zmb_pair_free(&z, s, lens[a], t, lens[b], fr);
            zmb_pair(&z, "k", "v");
            unsigned char *zm = zmb_finish(&z, &size);
            /* the key's length field */
            if (lens[a] < 254) {
                assert_int_equal(zm[1], lens[a]);
            } else {
                assert_int_equal(zm[1], 254);
                assert_int_equal(zm[2] | zm[3] << 8 | zm[4] << 16, lens[a]);
            }
            char save_s = s[lens[a]], save_t = t[lens[b]];
            s[lens[a]] = t[lens[b]] = '\0';
            const char *want[] = {s, t, "k", "v"};
            expect_zm(zm, size, want, 4);
            s[lens[a]] = save_s;
            t[lens[b]] = save_t;
            free(zm);
        }
    }
    free(s);
    free(t);
}

/* zmlen: the count below 254, 254 meaning "count them", anything else refused. */
static void test_count_byte(void **state) {
    (void)state;
    const size_t ns[] = {1, 2, 253, 254, 255, 300};
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
        Zmb z;
        size_t size;
        zmb_init(&z);
        for (size_t i = 0; i < ns[k]; i++) {
            char key[32];
            snprintf(key, sizeof(key), "f%zu", i);
            zmb_pair(&z, key, "v");
        }
        unsigned char *zm = zmb_finish(&z, &size);
        size_t pairs = 0;
        unsigned char *lp = zm_to_listpack(zm, size, &pairs);
        assert_non_null(lp);
        assert_int_equal(pairs, ns[k]);
        assert_int_equal(lp_length(lp), 2 * ns[k]);
        lp_free(lp);
        assert_true(check_against_ref(zm, size));
        if (ns[k] < 254) {
            zm[0] = 254; /* unknown is always acceptable */
            assert_true(zm_validate(zm, size, 1));
            if (ns[k] + 1 != 254) {
                zm[0] = (unsigned char)(ns[k] + 1);
                expect_bad(zm, size);
            }
            zm[0] = (unsigned char)(ns[k] - 1);
            expect_bad(zm, size);
        } else {
            zm[0] = 253;
            expect_bad(zm, size);
            zm[0] = 255; /* Redis takes 255 only when it is the count */
            assert_int_equal(zm_validate(zm, size, 1), ns[k] == 255);
        }
        free(zm);
    }
}

/* Each structural check on its own. */
static void test_structure_checks(void **state) {
    (void)state;
    /* sizes, terminator, emptiness */
    expect_bad((const unsigned char *)"", 0);
    expect_bad((const unsigned char *)"\xff", 1);
    const unsigned char empty[] = {0x00, 0xff};
    assert_true(zm_validate(empty, 2, 0));
    expect_bad(empty, 2);
    const unsigned char empty254[] = {0xfe, 0xff};
    expect_bad(empty254, 2);
    const unsigned char noterm[] = "\x01\x01" "a" "\x01\x00" "b";
    expect_bad(noterm, sizeof(noterm) - 1);
    /* a terminator before the end, junk after it */
    const unsigned char early[] = "\x01\x01" "a" "\x01\x00" "b" "\xff" "\x01" "c" "\xff";
    expect_bad(early, sizeof(early) - 1);
    /* the long form holding a small length (key, then value) is not canonical */
    const unsigned char longkey[] = "\x01\xfe\x01\x00\x00\x00" "a" "\x01\x00" "b" "\xff";
    expect_bad(longkey, sizeof(longkey) - 1);
    const unsigned char longval[] = "\x01\x01" "a" "\xfe\x01\x00\x00\x00\x00" "b" "\xff";
    expect_bad(longval, sizeof(longval) - 1);
    /* 255 as a value length, small or big: only 254 announces a long length */
    const unsigned char val255[] = "\x01\x01" "a" "\xff\x01\x00\x00\x00\x00" "b" "\xff";
    expect_bad(val255, sizeof(val255) - 1);
    char big[300];
    memset(big, 'v', sizeof(big));
    Zmb z;
    size_t size;
    zmb_init(&z);
    zmb_pair_free(&z, "a", 1, big, 300, 0);
    unsigned char *zm = zmb_finish(&z, &size);
    assert_int_equal(zm[3], 254);
    assert_true(zm_validate(zm, size, 1));
    zm[3] = 255;
    expect_bad(zm, size);
    free(zm);
    /* a long length cut by the terminator */
    const unsigned char cutlen[] = "\x01\xfe\x00\x01\xff";
    expect_bad(cutlen, sizeof(cutlen) - 1);
    /* key, value, free byte and padding running past the end */
    const unsigned char keylong[] = "\x01\x05" "ab" "\xff";
    expect_bad(keylong, sizeof(keylong) - 1);
    const unsigned char nofree[] = "\x01\x01" "a" "\x01\xff";
    expect_bad(nofree, sizeof(nofree) - 1);
    const unsigned char nofree2[] = "\x01\x01" "a" "\x00\xff";
    expect_bad(nofree2, sizeof(nofree2) - 1);
    const unsigned char vallong[] = "\x01\x01" "a" "\x03\x00" "bc" "\xff";
    expect_bad(vallong, sizeof(vallong) - 1);
    const unsigned char padlong[] = "\x01\x01" "a" "\x01\x02" "b" "x" "\xff";
    expect_bad(padlong, sizeof(padlong) - 1);
    const unsigned char huge[] = "\x01\xfe\xff\xff\xff\xff" "a" "\xff";
    expect_bad(huge, sizeof(huge) - 1);
    const unsigned char hugeval[] = "\x01\x01" "a" "\xfe\xff\xff\xff\xff\x00" "b" "\xff";
    expect_bad(hugeval, sizeof(hugeval) - 1);
    /* and the exact fits are fine: empty key, empty value, padding to the end */
    const unsigned char fits[] = "\x01\x00\x00\x02" "\xff\xff" "\xff";
    const char *want[] = {"", ""};
    expect_zm(fits, sizeof(fits) - 1, want, 2);
}

/* Shallow validation looks only at the size and the last byte. */
static void test_shallow(void **state) {
    (void)state;
    const unsigned char junk[] = "\x07\xfe\x01" "zzz" "\xff";
    assert_true(zm_validate(junk, sizeof(junk) - 1, 0));
    assert_false(zm_validate(junk, sizeof(junk) - 1, 1));
    assert_false(zm_validate(junk, sizeof(junk) - 2, 0));
    assert_false(zm_validate(NULL, 0, 0));
}

/* Duplicate keys: valid zipmaps, refused conversions. */
static void test_duplicates(void **state) {
    (void)state;
    Zmb z;
    size_t size;
    zmb_init(&z);
    zmb_pair(&z, "a", "1");
    zmb_pair(&z, "b", "1");
    zmb_pair(&z, "a", "2");
    unsigned char *zm = zmb_finish(&z, &size);
    assert_true(zm_validate(zm, size, 1));
    assert_null(zm_to_listpack(zm, size, NULL));
    free(zm);

    /* "12" twice (both become integer entries), far apart */
    zmb_init(&z);
    for (int i = 0; i < 300; i++) {
        char key[16];
        snprintf(key, sizeof(key), "%d", i == 299 ? 12 : i);
        zmb_pair(&z, key, "v");
    }
    zm = zmb_finish(&z, &size);
    assert_true(zm_validate(zm, size, 1));
    assert_null(zm_to_listpack(zm, size, NULL));
    free(zm);

    /* near misses are distinct: "12" and "012", "a" and "a\0", "" and " " */
    zmb_init(&z);
    zmb_pair(&z, "12", "x");
    zmb_pair(&z, "012", "x");
    zmb_pair_free(&z, "a", 1, "y", 1, 0);
    zmb_pair_free(&z, "a\0", 2, "y", 1, 0);
    zmb_pair(&z, "", "z");
    zmb_pair(&z, " ", "z");
    zm = zmb_finish(&z, &size);
    size_t pairs = 0;
    unsigned char *lp = zm_to_listpack(zm, size, &pairs);
    assert_non_null(lp);
    assert_int_equal(pairs, 6);
    /* canonical integers became integer entries, the rest strings */
    LpEntry e;
    lp_get(lp_first(lp), &e);
    assert_null(e.sval);
    assert_int_equal(e.lval, 12);
    lp_get(lp_seek(lp, 2), &e);
    assert_non_null(e.sval);
    lp_free(lp);
    assert_true(check_against_ref(zm, size));
    free(zm);
}

/* ---------------- blobs shaped as Redis 2.4 left them ---------------- */

/* The zipmap of a two-field hash as Redis 2.4 wrote it into an RDB file: zmlen 2,
 * no padding (built with the test's own encoder from the format description). */
static unsigned char *hash24_blob(size_t *size) {
    Zmb z;
    zmb_init(&z);
    zmb_pair(&z, "f1", "v1");
    zmb_pair(&z, "f2", "v2");
    return zmb_finish(&z, size);
}

/* Writes a pair whose value was updated in place to a shorter one: the old
 * value's tail stays behind as free bytes (a few; with more, the writer
 * compacted the map instead). */
static void zmb_pair_shrunk(Zmb *z, const char *k, const char *v, const char *old) {
    size_t klen = strlen(k), vlen = strlen(v), olen = strlen(old);
    assert_true(olen >= vlen && olen - vlen < 4);
    zmb_len(z, (uint32_t)klen);
    zmb_put(z, k, klen);
    zmb_len(z, (uint32_t)vlen);
    zmb_byte(z, (unsigned char)(olen - vlen));
    zmb_put(z, v, vlen);
    zmb_put(z, old + vlen, olen - vlen);
    z->count++;
}

static void test_redis24_shapes(void **state) {
    (void)state;
    size_t size;
    unsigned char *zm = hash24_blob(&size);
    assert_int_equal(size, 1 + 2 * (1 + 2 + 1 + 1 + 2) + 1);
    assert_int_equal(zm[0], 2);
    const char *want[] = {"f1", "v1", "f2", "v2"};
    expect_zm(zm, size, want, 4);
    free(zm);

    /* a hash after HSETs that shortened values: the leftovers are not data, and
     * numbers stored as text become integer entries in the listpack */
    Zmb z;
    zmb_init(&z);
    zmb_pair_shrunk(&z, "name", "bob", "alice");
    zmb_pair_shrunk(&z, "visits", "12", "1234");
    zmb_pair(&z, "city", "Lisbon");
    zmb_pair_shrunk(&z, "empty", "", "old");
    zm = zmb_finish(&z, &size);
    const char *want2[] = {"name", "bob", "visits", "12", "city", "Lisbon", "empty", ""};
    expect_zm(zm, size, want2, 8);
    unsigned char *lp = zm_to_listpack(zm, size, NULL);
    LpEntry e;
    lp_get(lp_seek(lp, 3), &e);
    assert_null(e.sval);
    assert_int_equal(e.lval, 12);
    lp_free(lp);
    free(zm);
}

/* ---------------- hostile input ---------------- */

#define NFIX 5

/* Redis 2.4's two-field hash and hand-built ones with long lengths, padding and
 * integers. */
static int load_fixtures(unsigned char **fx, size_t *sizes) {
    unsigned char *h = hash24_blob(&sizes[0]);
    fx[0] = bc_exact_copy(h, sizes[0]);
    free(h);
    const unsigned char doc[] = "\x02\x03" "foo" "\x03\x00" "bar" "\x05" "hello" "\x05\x00" "world" "\xff";
    sizes[1] = sizeof(doc) - 1;
    fx[1] = bc_exact_copy(doc, sizes[1]);
    char big[300];
    memset(big, 'L', sizeof(big));
    for (int v = 2; v < NFIX; v++) {
        Zmb z;
        zmb_init(&z);
        zmb_pair_free(&z, "name", 4, big, v == 2 ? 20 : 260, (unsigned)v - 2);
        zmb_pair(&z, "12345", "-7");
        zmb_pair_free(&z, big, v == 4 ? 254 : 3, "", 0, 3);
        zmb_pair(&z, "", "empty key");
        unsigned char *zm = zmb_finish(&z, &sizes[v]);
        fx[v] = bc_exact_copy(zm, sizes[v]);
        free(zm);
    }
    return NFIX;
}

/* Every prefix: refused; with a terminator put at its end, never a crash and
 * the same answer as the reference parser. */
static void test_truncations(void **state) {
    (void)state;
    unsigned char *fx[NFIX];
    size_t sizes[NFIX], tried = 0, patched_ok = 0;
    int n = load_fixtures(fx, sizes);
    for (int f = 0; f < n; f++) {
        assert_true(check_against_ref(fx[f], sizes[f]));
        for (size_t cut = 0; cut < sizes[f]; cut++) {
            unsigned char *b = bc_exact_copy(fx[f], cut);
            expect_bad(b, cut);
            if (cut >= 2) {
                b[cut - 1] = 0xFF;
                patched_ok += (size_t)check_against_ref(b, cut);
            }
            free(b);
            tried++;
        }
        free(fx[f]);
    }
    printf("  %zu truncations, %zu patched prefixes still valid\n", tried, patched_ok);
}

/* Random flips of 1 to 4 bytes, anywhere or among the first 12 bytes. */
static void test_random_flips(void **state) {
    (void)state;
    unsigned char *fx[NFIX];
    size_t sizes[NFIX], accepted = 0, rounds = 20000;
    int n = load_fixtures(fx, sizes);
    uint64_t s = test_seed("flips", 0x5a) | 1;
    for (size_t round = 0; round < rounds; round++) {
        int f = (int)(bc_rand(&s) % (uint64_t)n);
        unsigned char *b = bc_exact_copy(fx[f], sizes[f]);
        int flips = 1 + (int)(bc_rand(&s) % 4);
        size_t span = (round & 1) && sizes[f] > 12 ? 12 : sizes[f];
        for (int k = 0; k < flips; k++) b[bc_rand(&s) % span] ^= (unsigned char)(1 + bc_rand(&s) % 255);
        accepted += (size_t)check_against_ref(b, sizes[f]);
        free(b);
    }
    printf("  %zu flipped blobs, %zu still converted\n", rounds, accepted);
    assert_true(accepted < rounds / 2);
    for (int f = 0; f < n; f++) free(fx[f]);
}

/* Random zipmaps of distinct keys against the reference parser. */
static void test_random_against_ref(void **state) {
    (void)state;
    uint64_t s = test_seed("model", 0x77) | 1;
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + (size_t)(bc_rand(&s) % 300);
        Zmb z;
        size_t size;
        zmb_init(&z);
        for (size_t i = 0; i < n; i++) {
            char key[300], val[300];
            int klen = snprintf(key, sizeof(key), "%zu:", i);
            uint32_t extra = (uint32_t)(bc_rand(&s) % (round % 3 == 0 ? 280 : 20));
            for (uint32_t k = 0; k < extra; k++) key[klen + (int)k] = (char)(bc_rand(&s) % 256);
            uint32_t vlen = (uint32_t)(bc_rand(&s) % (round % 5 == 0 ? 300 : 12));
            for (uint32_t k = 0; k < vlen; k++) val[k] = (char)(bc_rand(&s) % 256);
            zmb_pair_free(&z, key, (uint32_t)klen + extra, val, vlen, (unsigned)(bc_rand(&s) % 5));
        }
        unsigned char *zm = zmb_finish(&z, &size);
        assert_true(zm_validate(zm, size, 1));
        assert_true(check_against_ref(zm, size));
        free(zm);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_doc_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structure_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shallow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis24_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_flips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_ref, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
