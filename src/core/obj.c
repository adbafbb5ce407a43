/* obj.c - value objects and keyspace entries.
 *
 * A keyed object (the one the keyspace table points to) is a single allocation:
 *   [Obj header 16 B][expire 8 B + volatile index 4 B, only if has_expire]
 *   [key length: 1 B, or 0xff + 4 B][key bytes][embedded sds value, only if embedded]
 * so a key with a short string value costs one allocation and no pointer besides the
 * table slot. An unkeyed object is the classic header plus ptr (or embedded sds for
 * short strings) and is used for arguments and collection elements.
 * Invariant: a keyed object has refcount 1 and is owned by its database. */
#include "obj.h"
#include "objtype.h"
#include "../base/panic.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint32_t obj_lru_clock;

static const char *const word_text[WORD__COUNT] = {
    "SET", "PXAT", "KEEPTTL", "PEXPIREAT", "DEL", "UNLINK", "PERSIST",
    "MULTI", "EXEC", "SELECT", "SREM", "LPOP", "RPOP", "LMOVE", "RPOPLPUSH",
    "LEFT", "RIGHT", "HSET", "ZPOPMIN", "ZPOPMAX", "COUNT", "ZADD", "XCLAIM",
    "XGROUP", "SETID", "ENTRIESREAD", "LASTID", "TIME", "RETRYCOUNT", "FORCE",
    "JUSTID", "XDEL", "XTRIM", "MAXLEN", "MINID", "=", "~",
    "ABSTTL", "REPLACE", "RESTORE", "PING"};
static Obj *words[WORD__COUNT];

Obj *obj_word(int word) {
    if (!words[word]) {
        words[word] = obj_string(word_text[word], strlen(word_text[word]));
        words[word]->refcount = OBJ_SHARED_REFCOUNT;
    }
    return words[word];
}

/* ---- the type registry (objtype.h) ---- */

#define MAX_TYPES 16
static const ObjType *types[MAX_TYPES];

void objtype_register(const ObjType *t) {
    if (t->type < 0 || t->type >= MAX_TYPES) panic("type id %d out of range", t->type);
    if (types[t->type]) panic("type %s registered twice", t->name);
    /* OBJ_MODULE values are named by the one module type that provides them (bloom's
     * "MBbloom--", as Redis reports a module type's name). */
    if (t->type != OBJ_MODULE && strcmp(t->name, obj_type_name(t->type)) != 0) panic("type %d named %s, not %s", t->type, t->name, obj_type_name(t->type));
    types[t->type] = t;
}

const ObjType *objtype_get(int type) { return type >= 0 && type < MAX_TYPES ? types[type] : NULL; }

static inline size_t expire_block(const Obj *o) { return o->has_expire ? 12 : 0; }

static inline Obj *alloc_obj(size_t extra) {
    Obj *o = vmalloc(sizeof(Obj) + extra);
    o->refcount = 1;
    o->has_key = 0;
    o->has_expire = 0;
    o->embedded = 0;
    o->lru = obj_lru_clock;
    return o;
}

Obj *obj_new(int type, void *ptr) {
    Obj *o = alloc_obj(0);
    o->type = type;
    o->encoding = ENC_RAW;
    o->ptr = ptr;
    return o;
}

static Obj *embstr(const char *p, size_t len) {
    Obj *o = alloc_obj(sds_embedded_size(len));
    o->type = OBJ_STRING;
    o->encoding = ENC_EMBSTR;
    o->embedded = 1;
    o->ptr = sds_init_embedded(o + 1, p, len);
    if (!p) memset(o->ptr, 0, len);
    return o;
}

Obj *obj_string(const char *p, size_t len) {
    if (len <= OBJ_EMBSTR_LIMIT) return embstr(p, len);
    return obj_raw_string(p, len);
}

Obj *obj_raw_string(const char *p, size_t len) { return obj_new(OBJ_STRING, sds_newlen(p, len)); }
Obj *obj_from_sds(Sds s) { return obj_new(OBJ_STRING, s); }

Obj *obj_from_ll(long long v) {
    Obj *o = alloc_obj(0);
    o->type = OBJ_STRING;
    o->encoding = ENC_INT;
    o->ptr = (void *)(intptr_t)v;
    return o;
}

Obj *obj_from_ll_for_value(long long v) { return obj_from_ll(v); }

Obj *obj_from_double(long double v, int humanfriendly) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    int n = ld2string(buf, sizeof(buf), v, humanfriendly);
    return obj_string(buf, (size_t)n);
}

Obj *obj_dup_string(const Obj *o) {
    if (o->encoding == ENC_INT) return obj_from_ll((long long)(intptr_t)o->ptr);
    size_t len = sds_len(o->ptr);
    if (o->encoding == ENC_EMBSTR) return embstr(o->ptr, len);
    return obj_raw_string(o->ptr, len);
}

void obj_incr(Obj *o) {
    if (o->refcount != OBJ_SHARED_REFCOUNT) o->refcount++;
}

void obj_free_value(Obj *o) {
    if (o->type == OBJ_STRING) {
        if (o->encoding == ENC_RAW) sds_free(o->ptr);
        return;
    }
    /* strings are freed inline above: they are the hot path */
    const ObjType *t = objtype_get(o->type);
    if (t && t->free_value) t->free_value(o);
}

void obj_decr(Obj *o) {
    if (o->refcount == OBJ_SHARED_REFCOUNT) return;
    if (o->refcount == 1) {
        obj_free_value(o);
        vfree(o);
    } else {
        o->refcount--;
    }
}

int obj_is_string(const Obj *o) { return o->type == OBJ_STRING; }

size_t obj_strlen(const Obj *o) {
    if (o->encoding == ENC_INT) {
        char buf[LONG_STR_SIZE];
        return (size_t)ll2string(buf, sizeof(buf), (long long)(intptr_t)o->ptr);
    }
    return sds_len(o->ptr);
}

const char *obj_strbuf(const Obj *o, char *buf, size_t *len) {
    if (o->encoding == ENC_INT) {
        *len = (size_t)ll2string(buf, LONG_STR_SIZE, (long long)(intptr_t)o->ptr);
        return buf;
    }
    *len = sds_len(o->ptr);
    return o->ptr;
}

Sds obj_to_sds(const Obj *o) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    return sds_newlen(p, len);
}

int obj_get_ll(const Obj *o, long long *v) {
    if (o->encoding == ENC_INT) {
        *v = (long long)(intptr_t)o->ptr;
        return 1;
    }
    return string2ll(o->ptr, sds_len(o->ptr), v);
}

int obj_get_ld(const Obj *o, long double *v) {
    if (o->encoding == ENC_INT) {
        *v = (long double)(long long)(intptr_t)o->ptr;
        return 1;
    }
    return string2ld(o->ptr, sds_len(o->ptr), v);
}

int obj_get_double(const Obj *o, double *v) {
    if (o->encoding == ENC_INT) {
        *v = (double)(long long)(intptr_t)o->ptr;
        return 1;
    }
    return string2d(o->ptr, sds_len(o->ptr), v);
}

int obj_strcmp(const Obj *a, const Obj *b) {
    char ba[LONG_STR_SIZE], bb[LONG_STR_SIZE];
    size_t la, lb;
    const char *pa = obj_strbuf(a, ba, &la), *pb = obj_strbuf(b, bb, &lb);
    int c = memcmp(pa, pb, la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

int obj_str_eq(const Obj *a, const char *p, size_t len) {
    char buf[LONG_STR_SIZE];
    size_t l;
    const char *s = obj_strbuf(a, buf, &l);
    return l == len && memcmp(s, p, len) == 0;
}

Obj *obj_try_encode(Obj *o) {
    if (o->type != OBJ_STRING || o->encoding == ENC_INT || o->refcount > 1) return o;
    size_t len = sds_len(o->ptr);
    long long v;
    if (len <= 20 && string2ll(o->ptr, len, &v)) {
        if (o->encoding == ENC_RAW) sds_free(o->ptr);
        if (o->embedded) {
            /* keep the allocation, just stop using the embedded bytes */
            o->embedded = 0;
        }
        o->encoding = ENC_INT;
        o->ptr = (void *)(intptr_t)v;
        return o;
    }
    if (o->encoding == ENC_RAW && len <= OBJ_EMBSTR_LIMIT) {
        Obj *e = embstr(o->ptr, len);
        obj_decr(o);
        return e;
    }
    if (o->encoding == ENC_RAW && sds_avail(o->ptr) > len / 10) o->ptr = sds_remove_free(o->ptr);
    return o;
}

const char *obj_encoding_name(int enc) {
    switch (enc) {
    case ENC_RAW: return "raw";
    case ENC_INT: return "int";
    case ENC_HT: return "hashtable";
    case ENC_QUICKLIST: return "quicklist";
    case ENC_LISTPACK: return "listpack";
    case ENC_INTSET: return "intset";
    case ENC_SKIPLIST: return "skiplist";
    case ENC_EMBSTR: return "embstr";
    case ENC_STREAM: return "stream";
    case ENC_ZIPLIST: return "ziplist";
    case ENC_LINKEDLIST: return "linkedlist";
    case ENC_ZIPMAP: return "zipmap";
    default: return "unknown";
    }
}

const char *obj_type_name(int type) {
    switch (type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    case OBJ_MODULE: return types[OBJ_MODULE] ? types[OBJ_MODULE]->name : "none";
    default: return "none";
    }
}

/* ---- keyed objects ---- */

static inline size_t keylen_bytes(size_t klen) { return klen < 255 ? 1 : 5; }

static inline unsigned char *key_area(const Obj *o) { return (unsigned char *)(o + 1) + expire_block(o); }

const char *obj_key(const Obj *o, size_t *len) {
    unsigned char *p = key_area(o);
    if (p[0] < 255) {
        *len = p[0];
        return (const char *)p + 1;
    }
    uint32_t l;
    memcpy(&l, p + 1, 4);
    *len = l;
    return (const char *)p + 5;
}

static Obj *build_keyed(const Obj *val, const char *key, size_t klen, int with_expire, int embed_len, const char *embed_src) {
    size_t extra = (with_expire ? 12 : 0) + keylen_bytes(klen) + klen;
    if (embed_len >= 0) extra += sds_embedded_size((size_t)embed_len);
    Obj *o = vmalloc(sizeof(Obj) + extra);
    o->type = val->type;
    o->encoding = val->encoding;
    o->lru = val->lru;
    o->refcount = 1;
    o->has_key = 1;
    o->has_expire = with_expire ? 1 : 0;
    o->embedded = 0;
    o->ptr = val->ptr;
    if (with_expire) {
        long long none = -1;
        uint32_t idx = UINT32_MAX;
        memcpy(o + 1, &none, 8);
        memcpy((char *)(o + 1) + 8, &idx, 4);
    }
    unsigned char *p = key_area(o);
    if (klen < 255) {
        *p++ = (unsigned char)klen;
    } else {
        uint32_t l = (uint32_t)klen;
        *p++ = 255;
        memcpy(p, &l, 4);
        p += 4;
    }
    memcpy(p, key, klen);
    p += klen;
    if (embed_len >= 0) {
        o->embedded = 1;
        o->encoding = ENC_EMBSTR;
        o->ptr = sds_init_embedded(p, embed_src, (size_t)embed_len);
    }
    return o;
}

Obj *obj_keyed(Obj *val, const char *key, size_t klen, int with_expire) {
    Obj *o;
    /* embstr values are embedded; raw ones stay raw (as after APPEND, even when short) */
    if (val->type == OBJ_STRING && val->encoding == ENC_EMBSTR) {
        o = build_keyed(val, key, klen, with_expire, (int)sds_len(val->ptr), val->ptr);
        obj_decr(val);
        return o;
    }
    if (val->refcount == 1 && !val->embedded) {
        o = build_keyed(val, key, klen, with_expire, -1, NULL);
        vfree(val); /* the value's structure moved into the keyed object */
        return o;
    }
    /* shared or embedded big value: copy the string */
    if (val->type == OBJ_STRING) {
        Obj *copy = obj_dup_string(val);
        if (copy->embedded) { /* cannot happen for > limit, but be safe */
            Obj *raw = obj_raw_string(copy->ptr, sds_len(copy->ptr));
            obj_decr(copy);
            copy = raw;
        }
        obj_decr(val);
        o = build_keyed(copy, key, klen, with_expire, -1, NULL);
        vfree(copy);
        return o;
    }
    /* a shared non-string value: take a reference instead (not expected) */
    o = build_keyed(val, key, klen, with_expire, -1, NULL);
    return o;
}

Obj *obj_keyed_resize(Obj *o, int with_expire) {
    size_t klen;
    const char *key = obj_key(o, &klen);
    Obj *n;
    if (o->embedded) n = build_keyed(o, key, klen, with_expire, (int)sds_len(o->ptr), o->ptr);
    else n = build_keyed(o, key, klen, with_expire, -1, NULL);
    if (with_expire && o->has_expire) {
        memcpy(n + 1, o + 1, 12);
    }
    vfree(o);
    return n;
}

long long obj_get_expire(const Obj *o) {
    if (!o->has_expire) return -1;
    long long v;
    memcpy(&v, o + 1, 8);
    return v;
}

void obj_set_expire_field(Obj *o, long long when) { memcpy(o + 1, &when, 8); }

uint32_t obj_get_vindex(const Obj *o) {
    uint32_t v;
    memcpy(&v, (const char *)(o + 1) + 8, 4);
    return v;
}

void obj_set_vindex(Obj *o, uint32_t idx) { memcpy((char *)(o + 1) + 8, &idx, 4); }

void obj_unshare_string(Obj *o) {
    if (o->encoding == ENC_RAW) return;
    if (o->encoding == ENC_INT) {
        char buf[LONG_STR_SIZE];
        int n = ll2string(buf, sizeof(buf), (long long)(intptr_t)o->ptr);
        o->ptr = sds_newlen(buf, (size_t)n);
    } else {
        o->ptr = sds_newlen(o->ptr, sds_len(o->ptr));
        o->embedded = 0;
    }
    o->encoding = ENC_RAW;
}

size_t obj_alloc_size(const Obj *o) { return vmalloc_size((void *)o); }
