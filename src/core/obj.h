/* obj.h - value objects. An Obj is a typed, refcounted value; an Obj stored in the
 * keyspace also carries its key (and its expire time, if it has one) inside the same
 * allocation, and a short string value is embedded there too. */
#ifndef VESPER_OBJ_H
#define VESPER_OBJ_H
#include <stddef.h>
#include <stdint.h>
#include "../base/sds.h"

enum { OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4, OBJ_MODULE = 5, OBJ_STREAM = 6 };
enum {
    ENC_RAW = 0, ENC_INT = 1, ENC_HT = 2, ENC_ZIPMAP = 3, ENC_LINKEDLIST = 4, ENC_ZIPLIST = 5,
    ENC_INTSET = 6, ENC_SKIPLIST = 7, ENC_EMBSTR = 8, ENC_QUICKLIST = 9, ENC_STREAM = 10, ENC_LISTPACK = 11
};

#define OBJ_EMBSTR_LIMIT 44
#define OBJ_SHARED_REFCOUNT ((1u << 29) - 1)
#define LRU_BITS 24
#define LRU_CLOCK_MAX ((1 << LRU_BITS) - 1)
#define LRU_CLOCK_RESOLUTION 1000

typedef struct Obj {
    uint32_t type : 4;
    uint32_t encoding : 4;
    uint32_t lru : 24;
    uint32_t refcount : 29;
    uint32_t has_key : 1;
    uint32_t has_expire : 1;
    uint32_t embedded : 1;   /* ptr points into this allocation */
    void *ptr;               /* sds / structure / for ENC_INT the value itself */
} Obj;

/* Plain (unkeyed) objects. */
Obj *obj_new(int type, void *ptr);
Obj *obj_string(const char *p, size_t len);     /* embstr up to 44 bytes, else raw */
Obj *obj_raw_string(const char *p, size_t len); /* always raw */
Obj *obj_from_sds(Sds s);                       /* takes ownership of s, raw */
Obj *obj_from_ll(long long v);                  /* int encoded */
Obj *obj_from_ll_for_value(long long v);        /* int encoding as a stored value */
Obj *obj_from_double(long double v, int humanfriendly); /* string */
Obj *obj_dup_string(const Obj *o);              /* unshared copy, raw/embstr/int kept */
void obj_incr(Obj *o);
void obj_decr(Obj *o);                          /* frees at zero */
void obj_free_value(Obj *o);                    /* frees what ptr owns (the type's descriptor) */

/* String helpers (work for raw, embstr and int). */
int obj_is_string(const Obj *o);
size_t obj_strlen(const Obj *o);
/* Returns pointer to bytes; for int encoding formats into buf (>= 21 bytes). */
const char *obj_strbuf(const Obj *o, char *buf, size_t *len);
Sds obj_to_sds(const Obj *o);                   /* new sds with the value */
int obj_get_ll(const Obj *o, long long *v);     /* 1 on success */
int obj_get_ld(const Obj *o, long double *v);
int obj_get_double(const Obj *o, double *v);
/* Compare two string objects bytewise (or with strcoll when coll=1). */
int obj_strcmp(const Obj *a, const Obj *b);
int obj_str_eq(const Obj *a, const char *p, size_t len);
/* Try int encoding / embstr for a fresh string object (argument to value). */
Obj *obj_try_encode(Obj *o);
const char *obj_encoding_name(int enc);
const char *obj_type_name(int type);

/* Keyed objects. */
/* Builds the keyspace entry for key holding val; consumes one reference of val. */
Obj *obj_keyed(Obj *val, const char *key, size_t klen, int with_expire);
/* Same key, same value, with/without room for an expire (returns new object;
 * the old allocation is freed without freeing the value). */
Obj *obj_keyed_resize(Obj *o, int with_expire);
const char *obj_key(const Obj *o, size_t *len);
long long obj_get_expire(const Obj *o);         /* -1 when none */
void obj_set_expire_field(Obj *o, long long when); /* requires has_expire */
uint32_t obj_get_vindex(const Obj *o);
void obj_set_vindex(Obj *o, uint32_t idx);
/* Makes a keyed string value modifiable in place: converts embstr/int to a raw sds. */
void obj_unshare_string(Obj *o);
size_t obj_alloc_size(const Obj *o);            /* bytes of the object's own allocation */

/* Value copies (COPY) and value detaching (RENAME, MOVE); see objdup.c.
 * New unkeyed object holding a deep copy of o's value (o may be keyed), through
 * the type's descriptor; NULL when the type cannot be copied. */
Obj *obj_dup_value(const Obj *o);
/* Takes a keyed object already removed from the keyspace and returns an unkeyed
 * object holding the same value (collections are moved, not copied); the keyed
 * allocation is freed. */
Obj *obj_detach_value(Obj *keyed);

/* Shared, never-freed objects for the command words that writes propagate
 * (SET key value PXAT ms, DEL key, ...): obj_word(WORD_SET). */
enum {
    WORD_SET, WORD_PXAT, WORD_KEEPTTL, WORD_PEXPIREAT, WORD_DEL, WORD_UNLINK, WORD_PERSIST,
    WORD_MULTI, WORD_EXEC, WORD_SELECT, WORD_SREM, WORD_LPOP, WORD_RPOP, WORD_LMOVE, WORD_RPOPLPUSH,
    WORD_LEFT, WORD_RIGHT, WORD_HSET, WORD_ZPOPMIN, WORD_ZPOPMAX, WORD_COUNT, WORD_ZADD, WORD_XCLAIM,
    WORD_XGROUP, WORD_SETID, WORD_ENTRIESREAD, WORD_LASTID, WORD_TIME, WORD_RETRYCOUNT, WORD_FORCE,
    WORD_JUSTID, WORD_XDEL, WORD_XTRIM, WORD_MAXLEN, WORD_MINID, WORD_EQUALS, WORD_APPROX,
    WORD_ABSTTL, WORD_REPLACE, WORD_RESTORE, WORD_PING, WORD__COUNT
};
Obj *obj_word(int word);

/* LRU clock in seconds resolution, maintained by the server. */
extern uint32_t obj_lru_clock;

#endif
