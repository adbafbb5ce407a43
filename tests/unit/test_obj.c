/* test_obj.c - unit tests for core/obj: string encodings (int/embstr/raw), numeric
 * access, refcounts, try_encode, and keyed objects (key and expire embedded in the
 * same allocation): key round trips for short and long keys, resize with and without
 * expire, unsharing a string value, and allocation sizes. Every test checks that all
 * memory it allocated through the allocator wrapper is returned. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/obj.h"
#include "core/objtype.h"
#include "base/alloc.h"
#include "base/sds.h"
#include "base/util.h"

static size_t mem_before;
static int setup(void **state) {
    (void)state;
    mem_before = vmalloc_used();
    return 0;
}
static int teardown(void **state) {
    (void)state;
    if (vmalloc_used() != mem_before)
        fail_msg("leak: %zu bytes still allocated", vmalloc_used() - mem_before);
    return 0;
}

static void assert_strval(const Obj *o, const char *p, size_t len) {
    char buf[LONG_STR_SIZE];
    size_t l;
    const char *s = obj_strbuf(o, buf, &l);
    assert_int_equal(l, len);
    assert_memory_equal(s, p, len);
    assert_int_equal(obj_strlen(o), len);
    assert_true(obj_str_eq(o, p, len));
    Sds d = obj_to_sds(o);
    assert_int_equal(sds_len(d), len);
    assert_memory_equal(d, p, len);
    sds_free(d);
}

static char *pattern(size_t n) {
    char *p = malloc(n + 1);
    for (size_t i = 0; i < n; i++) p[i] = (char)('a' + (i * 7) % 26);
    p[n] = 0;
    return p;
}

static void test_string_encodings(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 16, 43, 44, 45, 100, 1000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char *p = pattern(lens[i]);
        Obj *o = obj_string(p, lens[i]);
        assert_int_equal(o->type, OBJ_STRING);
        assert_int_equal(o->refcount, 1);
        assert_int_equal(o->has_key, 0);
        assert_int_equal(o->has_expire, 0);
        if (lens[i] <= OBJ_EMBSTR_LIMIT) {
            assert_int_equal(o->encoding, ENC_EMBSTR);
            assert_int_equal(o->embedded, 1);
            /* the bytes live in the same allocation, right after the header */
            assert_true((char *)o->ptr > (char *)o && (char *)o->ptr < (char *)o + obj_alloc_size(o));
        } else {
            assert_int_equal(o->encoding, ENC_RAW);
            assert_int_equal(o->embedded, 0);
        }
        assert_true(obj_is_string(o));
        assert_strval(o, p, lens[i]);
        assert_int_equal(((char *)o->ptr)[lens[i]], 0);
        obj_decr(o);
        Obj *r = obj_raw_string(p, lens[i]);
        assert_int_equal(r->encoding, ENC_RAW);
        assert_strval(r, p, lens[i]);
        obj_decr(r);
        free(p);
    }
    /* NULL init: zero-filled */
    Obj *z = obj_string(NULL, 10);
    assert_strval(z, "\0\0\0\0\0\0\0\0\0\0", 10);
    obj_decr(z);
    z = obj_string(NULL, 100);
    assert_strval(z, (char[100]){0}, 100);
    obj_decr(z);
    /* binary content */
    Obj *b = obj_string("a\0b\r\n", 5);
    assert_strval(b, "a\0b\r\n", 5);
    obj_decr(b);
    /* from sds takes ownership */
    Obj *s = obj_from_sds(sds_new("owned"));
    assert_int_equal(s->encoding, ENC_RAW);
    assert_strval(s, "owned", 5);
    obj_decr(s);
#ifndef VESPER_LIBC_MALLOC
    Obj *e44 = obj_string("0123456789012345678901234567890123456789abcd", 44);
    assert_int_equal(obj_alloc_size(e44), 64); /* 16 header + 3 sds header + 44 + NUL */
    obj_decr(e44);
#endif
}

static void test_int_objects(void **state) {
    (void)state;
    long long vals[] = {0, 1, -1, 10, 123456789, LLONG_MAX, LLONG_MIN};
    const char *strs[] = {"0", "1", "-1", "10", "123456789", "9223372036854775807", "-9223372036854775808"};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        Obj *o = obj_from_ll(vals[i]);
        assert_int_equal(o->type, OBJ_STRING);
        assert_int_equal(o->encoding, ENC_INT);
        long long v;
        assert_true(obj_get_ll(o, &v));
        assert_true(v == vals[i]);
        long double ld;
        assert_true(obj_get_ld(o, &ld));
        assert_true(ld == (long double)vals[i]);
        double d;
        assert_true(obj_get_double(o, &d));
        assert_true(d == (double)vals[i]);
        assert_strval(o, strs[i], strlen(strs[i]));
        Obj *dup = obj_dup_string(o);
        assert_int_equal(dup->encoding, ENC_INT);
        assert_true(obj_get_ll(dup, &v) && v == vals[i]);
        obj_decr(dup);
        obj_decr(o);
        o = obj_from_ll_for_value(vals[i]);
        assert_true(obj_get_ll(o, &v) && v == vals[i]);
        obj_decr(o);
    }
}

static void test_numeric_access_on_strings(void **state) {
    (void)state;
    struct { const char *s; int ok; long long v; } ll[] = {
        {"123", 1, 123}, {"-5", 1, -5}, {"0", 1, 0}, {"12a", 0, 0}, {" 1", 0, 0}, {"1 ", 0, 0},
        {"01", 0, 0}, {"", 0, 0}, {"9223372036854775807", 1, LLONG_MAX}, {"9223372036854775808", 0, 0},
        {"1.0", 0, 0},
    };
    for (size_t i = 0; i < sizeof(ll) / sizeof(ll[0]); i++) {
        Obj *o = obj_string(ll[i].s, strlen(ll[i].s));
        long long v = 0;
        int ok = obj_get_ll(o, &v);
        if (ok != ll[i].ok || (ok && v != ll[i].v)) fail_msg("obj_get_ll(\"%s\") = %d/%lld", ll[i].s, ok, v);
        obj_decr(o);
    }
    Obj *o = obj_string("10.5", 4);
    long double ld;
    double d;
    assert_true(obj_get_ld(o, &ld) && ld == 10.5L);
    assert_true(obj_get_double(o, &d) && d == 10.5);
    obj_decr(o);
    const char *bad[] = {"abc", "1.5x", " 1.5", "nan", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o = obj_string(bad[i], strlen(bad[i]));
        assert_false(obj_get_ld(o, &ld));
        assert_false(obj_get_double(o, &d));
        obj_decr(o);
    }
    /* a long raw number */
    char big[60];
    memset(big, '1', 59);
    big[59] = 0;
    o = obj_string(big, 59);
    assert_int_equal(o->encoding, ENC_RAW);
    long long v;
    assert_false(obj_get_ll(o, &v));
    assert_true(obj_get_ld(o, &ld) && ld > 1e58L);
    obj_decr(o);
    /* from double: INCRBYFLOAT formatting */
    o = obj_from_double(10.5L, 1);
    assert_strval(o, "10.5", 4);
    obj_decr(o);
    o = obj_from_double(3.0e3L, 1);
    assert_strval(o, "3000", 4);
    obj_decr(o);
    o = obj_from_double(1.5L, 0);
    assert_strval(o, "1.5", 3);
    obj_decr(o);
}

static int list_freed;
static void free_list(Obj *o) { list_freed++; vfree(o->ptr); }

/* A list type descriptor whose free_value counts calls, registered once. */
static const ObjType test_list_type = {.type = OBJ_LIST, .name = "list", .free_value = free_list};
static void register_test_list_type(void) {
    if (!objtype_get(OBJ_LIST)) objtype_register(&test_list_type);
}

static void test_refcount_and_free_hook(void **state) {
    (void)state;
    Obj *o = obj_string("abc", 3);
    obj_incr(o);
    assert_int_equal(o->refcount, 2);
    obj_decr(o);
    assert_int_equal(o->refcount, 1);
    obj_decr(o); /* frees */
    /* shared objects are never freed */
    Obj *sh = obj_from_ll(5);
    sh->refcount = OBJ_SHARED_REFCOUNT;
    obj_incr(sh);
    obj_decr(sh);
    obj_decr(sh);
    assert_int_equal(sh->refcount, OBJ_SHARED_REFCOUNT);
    sh->refcount = 1;
    obj_decr(sh);
    /* values are freed through their type's descriptor */
    register_test_list_type();
    Obj *l = obj_new(OBJ_LIST, vmalloc(100));
    assert_int_equal(l->type, OBJ_LIST);
    obj_incr(l);
    obj_decr(l);
    assert_int_equal(list_freed, 0);
    obj_decr(l);
    assert_int_equal(list_freed, 1);
    /* lru is taken from the clock */
    obj_lru_clock = 12345;
    o = obj_string("x", 1);
    assert_int_equal(o->lru, 12345);
    obj_decr(o);
    obj_lru_clock = 0;
}

static void test_dup_strcmp_names(void **state) {
    (void)state;
    char *p = pattern(100);
    Obj *raw = obj_string(p, 100), *emb = obj_string("emb", 3), *num = obj_from_ll(10);
    Obj *d1 = obj_dup_string(raw), *d2 = obj_dup_string(emb);
    assert_int_equal(d1->encoding, ENC_RAW);
    assert_int_equal(d2->encoding, ENC_EMBSTR);
    assert_ptr_not_equal(d1->ptr, raw->ptr);
    assert_strval(d1, p, 100);
    assert_strval(d2, "emb", 3);
    Obj *ten = obj_string("10", 2);
    assert_int_equal(obj_strcmp(num, ten), 0);
    Obj *a = obj_string("abc", 3), *b = obj_string("abd", 3), *ab = obj_string("ab", 2);
    assert_true(obj_strcmp(a, b) < 0);
    assert_true(obj_strcmp(b, a) > 0);
    assert_true(obj_strcmp(ab, a) < 0);
    assert_true(obj_strcmp(a, ab) > 0);
    Obj *hi = obj_string("\xff", 1);
    assert_true(obj_strcmp(a, hi) < 0);
    assert_true(obj_str_eq(num, "10", 2));
    assert_false(obj_str_eq(num, "1", 1));
    assert_string_equal(obj_encoding_name(ENC_RAW), "raw");
    assert_string_equal(obj_encoding_name(ENC_INT), "int");
    assert_string_equal(obj_encoding_name(ENC_EMBSTR), "embstr");
    assert_string_equal(obj_encoding_name(ENC_HT), "hashtable");
    assert_string_equal(obj_encoding_name(ENC_LISTPACK), "listpack");
    assert_string_equal(obj_encoding_name(ENC_QUICKLIST), "quicklist");
    assert_string_equal(obj_encoding_name(ENC_INTSET), "intset");
    assert_string_equal(obj_encoding_name(ENC_SKIPLIST), "skiplist");
    assert_string_equal(obj_encoding_name(ENC_STREAM), "stream");
    assert_string_equal(obj_type_name(OBJ_STRING), "string");
    assert_string_equal(obj_type_name(OBJ_LIST), "list");
    assert_string_equal(obj_type_name(OBJ_SET), "set");
    assert_string_equal(obj_type_name(OBJ_ZSET), "zset");
    assert_string_equal(obj_type_name(OBJ_HASH), "hash");
    assert_string_equal(obj_type_name(OBJ_STREAM), "stream");
    Obj *all[] = {raw, emb, num, d1, d2, ten, a, b, ab, hi};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) obj_decr(all[i]);
    free(p);
}

static void test_try_encode(void **state) {
    (void)state;
    long long v;
    /* integer strings become int encoded, both raw and embstr */
    Obj *o = obj_try_encode(obj_raw_string("12345", 5));
    assert_int_equal(o->encoding, ENC_INT);
    assert_true(obj_get_ll(o, &v) && v == 12345);
    obj_decr(o);
    o = obj_try_encode(obj_string("-9223372036854775808", 20));
    assert_int_equal(o->encoding, ENC_INT);
    assert_true(obj_get_ll(o, &v) && v == LLONG_MIN);
    assert_strval(o, "-9223372036854775808", 20);
    obj_decr(o);
    /* non canonical numbers stay strings */
    const char *keep[] = {"01", "+1", " 1", "1.0", "-0", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        o = obj_try_encode(obj_string(keep[i], strlen(keep[i])));
        assert_int_equal(o->encoding, ENC_EMBSTR);
        assert_strval(o, keep[i], strlen(keep[i]));
        obj_decr(o);
    }
    /* short raw -> embstr */
    o = obj_try_encode(obj_raw_string("hello", 5));
    assert_int_equal(o->encoding, ENC_EMBSTR);
    assert_strval(o, "hello", 5);
    obj_decr(o);
    /* long raw with lots of spare capacity gets trimmed */
    char *p = pattern(100);
    Sds s = sds_make_room(sds_newlen(p, 100), 5000);
    o = obj_try_encode(obj_from_sds(s));
    assert_int_equal(o->encoding, ENC_RAW);
    assert_true(sds_avail(o->ptr) <= 10 + 16);
    assert_strval(o, p, 100);
    obj_decr(o);
    free(p);
    /* shared objects are left alone */
    o = obj_raw_string("777", 3);
    obj_incr(o);
    assert_ptr_equal(obj_try_encode(o), o);
    assert_int_equal(o->encoding, ENC_RAW);
    obj_decr(o);
    obj_decr(o);
}

/* ---------- keyed objects ---------- */

static void assert_key(const Obj *o, const char *k, size_t klen) {
    size_t l;
    const char *p = obj_key(o, &l);
    assert_int_equal(o->has_key, 1);
    assert_int_equal(l, klen);
    assert_memory_equal(p, k, klen);
    /* the key lives inside the object's allocation */
    assert_true(p > (const char *)o && p + klen <= (const char *)o + obj_alloc_size(o));
}

static void test_keyed_string_values(void **state) {
    (void)state;
    for (int with_expire = 0; with_expire < 2; with_expire++) {
        /* embstr value: embedded in the keyed allocation */
        Obj *o = obj_keyed(obj_string("value", 5), "mykey", 5, with_expire);
        assert_key(o, "mykey", 5);
        assert_int_equal(o->encoding, ENC_EMBSTR);
        assert_int_equal(o->embedded, 1);
        assert_int_equal(o->refcount, 1);
        assert_int_equal(o->has_expire, with_expire);
        assert_strval(o, "value", 5);
        assert_true((char *)o->ptr > (char *)o && (char *)o->ptr < (char *)o + obj_alloc_size(o));
        assert_int_equal(obj_get_expire(o), -1);
        if (with_expire) {
            assert_int_equal(obj_get_vindex(o), UINT32_MAX); /* not in the expire index yet */
            obj_set_expire_field(o, 1700000000123LL);
            assert_true(obj_get_expire(o) == 1700000000123LL);
            obj_set_vindex(o, 77);
            assert_int_equal(obj_get_vindex(o), 77);
            assert_true(obj_get_expire(o) == 1700000000123LL);
            assert_key(o, "mykey", 5);
            assert_strval(o, "value", 5);
        }
        obj_decr(o);

        /* int value */
        o = obj_keyed(obj_from_ll(-42), "k", 1, with_expire);
        assert_key(o, "k", 1);
        assert_int_equal(o->encoding, ENC_INT);
        long long v;
        assert_true(obj_get_ll(o, &v) && v == -42);
        assert_strval(o, "-42", 3);
        assert_int_equal(obj_get_expire(o), -1);
        obj_decr(o);

        /* raw value (> 44 bytes): the sds moves into the keyed object */
        char *p = pattern(200);
        Obj *val = obj_string(p, 200);
        Sds sp = val->ptr;
        o = obj_keyed(val, "rawkey", 6, with_expire);
        assert_key(o, "rawkey", 6);
        assert_int_equal(o->encoding, ENC_RAW);
        assert_int_equal(o->embedded, 0);
        assert_ptr_equal(o->ptr, sp);
        assert_strval(o, p, 200);
        if (with_expire) {
            obj_set_expire_field(o, 5);
            assert_int_equal(obj_get_expire(o), 5);
        }
        obj_decr(o);

        /* a value with another holder is copied, the other holder keeps its own */
        val = obj_string(p, 200);
        obj_incr(val);
        o = obj_keyed(val, "shared", 6, with_expire);
        assert_int_equal(val->refcount, 1);
        assert_ptr_not_equal(o->ptr, val->ptr);
        assert_strval(o, p, 200);
        assert_strval(val, p, 200);
        assert_key(o, "shared", 6);
        obj_decr(val);
        obj_decr(o);
        val = obj_string("short", 5);
        obj_incr(val);
        o = obj_keyed(val, "shared", 6, with_expire);
        assert_int_equal(val->refcount, 1);
        assert_strval(o, "short", 5);
        assert_strval(val, "short", 5);
        obj_decr(val);
        obj_decr(o);
        /* a shared int */
        val = obj_from_ll(99);
        obj_incr(val);
        o = obj_keyed(val, "si", 2, with_expire);
        assert_int_equal(val->refcount, 1);
        assert_true(obj_get_ll(o, &v) && v == 99);
        obj_decr(val);
        obj_decr(o);
        free(p);
    }
}

static void test_keyed_other_types(void **state) {
    (void)state;
    list_freed = 0;
    register_test_list_type();
    void *payload = vmalloc(64);
    Obj *l = obj_new(OBJ_LIST, payload);
    l->encoding = ENC_QUICKLIST;
    Obj *o = obj_keyed(l, "list", 4, 1);
    assert_int_equal(o->type, OBJ_LIST);
    assert_int_equal(o->encoding, ENC_QUICKLIST);
    assert_ptr_equal(o->ptr, payload);
    assert_key(o, "list", 4);
    Obj *n = obj_keyed_resize(o, 0);
    assert_ptr_equal(n->ptr, payload);
    assert_int_equal(n->type, OBJ_LIST);
    assert_int_equal(list_freed, 0);
    obj_decr(n);
    assert_int_equal(list_freed, 1);
}

static void test_key_round_trip_lengths(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 11, 100, 253, 254, 255, 256, 1000, 70000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char *k = pattern(lens[i]);
        if (lens[i] > 3) { k[1] = 0; k[2] = (char)0xff; } /* binary keys */
        for (int with_expire = 0; with_expire < 2; with_expire++) {
            Obj *o = obj_keyed(obj_string("v", 1), k, lens[i], with_expire);
            assert_key(o, k, lens[i]);
            assert_strval(o, "v", 1);
            if (with_expire) obj_set_expire_field(o, 424242);
            assert_int_equal(obj_get_expire(o), with_expire ? 424242 : -1);
            /* resize both ways and back */
            o = obj_keyed_resize(o, !with_expire);
            assert_key(o, k, lens[i]);
            assert_strval(o, "v", 1);
            o = obj_keyed_resize(o, with_expire);
            assert_key(o, k, lens[i]);
            assert_strval(o, "v", 1);
            assert_int_equal(obj_get_expire(o), -1); /* went through a no-expire state */
            obj_decr(o);
        }
        free(k);
    }
}

static void test_keyed_resize(void **state) {
    (void)state;
    char *p = pattern(300);
    Obj *vals[3];
    for (int kind = 0; kind < 3; kind++) {
        vals[kind] = kind == 0 ? obj_string("sixteen-byte-val", 16) : kind == 1 ? obj_from_ll(1234567) : obj_string(p, 300);
        obj_lru_clock = 1000 + (uint32_t)kind;
        vals[kind]->lru = obj_lru_clock;
        int enc = vals[kind]->encoding == ENC_EMBSTR ? ENC_EMBSTR : vals[kind]->encoding;
        Obj *o = obj_keyed(vals[kind], "resize:key", 10, 0);
        assert_int_equal(o->has_expire, 0);
        /* add an expire */
        Obj *e = obj_keyed_resize(o, 1);
        assert_int_equal(e->has_expire, 1);
        assert_int_equal(e->has_key, 1);
        assert_int_equal(e->encoding, enc);
        assert_int_equal(e->lru, 1000 + kind);
        assert_int_equal(e->refcount, 1);
        assert_key(e, "resize:key", 10);
        assert_int_equal(obj_get_expire(e), -1);
        obj_set_expire_field(e, 999999);
        obj_set_vindex(e, 3);
        /* resize keeping the expire: expire and index preserved */
        Obj *e2 = obj_keyed_resize(e, 1);
        assert_int_equal(obj_get_expire(e2), 999999);
        assert_int_equal(obj_get_vindex(e2), 3);
        assert_key(e2, "resize:key", 10);
        /* drop the expire */
        Obj *n = obj_keyed_resize(e2, 0);
        assert_int_equal(n->has_expire, 0);
        assert_int_equal(obj_get_expire(n), -1);
        assert_key(n, "resize:key", 10);
        assert_int_equal(n->encoding, enc);
        if (kind == 0) assert_strval(n, "sixteen-byte-val", 16);
        if (kind == 1) assert_strval(n, "1234567", 7);
        if (kind == 2) assert_strval(n, p, 300);
        obj_decr(n);
    }
    obj_lru_clock = 0;
    free(p);
}

static void test_unshare_string(void **state) {
    (void)state;
    /* embedded value -> raw, modifiable; key intact */
    Obj *o = obj_keyed(obj_string("abc", 3), "key1", 4, 1);
    obj_set_expire_field(o, 77);
    obj_unshare_string(o);
    assert_int_equal(o->encoding, ENC_RAW);
    assert_int_equal(o->embedded, 0);
    assert_strval(o, "abc", 3);
    o->ptr = sds_cat(o->ptr, "defghijklmnopqrstuvwxyz0123456789-and-more-bytes");
    assert_key(o, "key1", 4);
    assert_int_equal(obj_get_expire(o), 77);
    assert_int_equal(sds_len(o->ptr), 51);
    /* a resize after unsharing keeps the (raw) value */
    o = obj_keyed_resize(o, 0);
    assert_int_equal(o->encoding, ENC_RAW);
    assert_int_equal(sds_len(o->ptr), 51);
    assert_memory_equal(o->ptr, "abcdef", 6);
    assert_key(o, "key1", 4);
    obj_decr(o);

    /* int value -> raw with the decimal digits */
    o = obj_keyed(obj_from_ll(-123), "key2", 4, 0);
    obj_unshare_string(o);
    assert_int_equal(o->encoding, ENC_RAW);
    assert_strval(o, "-123", 4);
    o->ptr = sds_cat(o->ptr, "x");
    assert_strval(o, "-123x", 5);
    obj_decr(o);

    /* raw value: unchanged */
    char *p = pattern(100);
    o = obj_keyed(obj_string(p, 100), "key3", 4, 0);
    Sds before = o->ptr;
    obj_unshare_string(o);
    assert_ptr_equal(o->ptr, before);
    assert_strval(o, p, 100);
    obj_decr(o);
    free(p);

    /* unkeyed embstr too */
    o = obj_string("emb", 3);
    obj_unshare_string(o);
    assert_int_equal(o->encoding, ENC_RAW);
    assert_strval(o, "emb", 3);
    obj_decr(o);
}

static void test_keyed_alloc_size(void **state) {
    (void)state;
    Obj *o = obj_keyed(obj_string("0123456789abcdef", 16), "key:0000001", 11, 0);
    size_t sz = obj_alloc_size(o);
    printf("obj: keyed object, 11-byte key + 16-byte value, no expire: %zu bytes\n", sz);
    Obj *e = obj_keyed_resize(o, 1);
    size_t sze = obj_alloc_size(e);
    printf("obj: same with an expire: %zu bytes\n", sze);
    size_t used = vmalloc_used() - mem_before;
    assert_int_equal(used, sze); /* the whole key+value+expire is one allocation */
#ifndef VESPER_LIBC_MALLOC
    assert_int_equal(sz, 48);
    assert_int_equal(sze, 64);
#endif
    obj_decr(e);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_string_encodings),
        T(test_int_objects),
        T(test_numeric_access_on_strings),
        T(test_refcount_and_free_hook),
        T(test_dup_strcmp_names),
        T(test_try_encode),
        T(test_keyed_string_values),
        T(test_keyed_other_types),
        T(test_key_round_trip_lengths),
        T(test_keyed_resize),
        T(test_unshare_string),
        T(test_keyed_alloc_size),
    };
    return cmocka_run_group_tests_name("obj", tests, NULL, NULL);
}
