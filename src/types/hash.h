/* hash.h - the hash type's value layer (hash.c), shared by its commands
 * (hash_cmds.c) and, later, by persistence: a hash value is an Obj of type
 * OBJ_HASH whose ptr is an fpack of alternating fields and values (src/ds/fpack.h:
 * listpack entries without backlens; ENC_LISTPACK, reported as "listpack" and saved
 * as a listpack) while small, or a Strmap (ENC_HT, src/ds/strmap.h) beyond. */
#ifndef VESPER_HASH_H
#define VESPER_HASH_H
#include <stddef.h>
#include "../base/util.h"
#include "../core/client.h"
#include "../core/obj.h"
#include "../ds/strmap.h"

struct Module;
extern const struct Module hash_module;

/* hash-max-listpack-entries / hash-max-listpack-value (and their old ziplist
 * names): a hash stays a listpack while it has at most `entries` fields and no
 * field or value longer than `value` bytes. */
typedef struct HashConfig {
    long long max_listpack_entries;
    long long max_listpack_value;
} HashConfig;
extern HashConfig hash_cfg;

/* A field or value read from a hash without copying: the bytes at s (borrowed,
 * valid until the hash changes), or, when s is NULL, the integer ll (an fpack, like
 * a listpack, stores canonical integers as numbers). */
typedef struct HashStr {
    const char *s;
    size_t len;
    long long ll;
} HashStr;

/* The bytes of h; an integer is formatted into buf (LONG_STR_SIZE bytes). */
const char *hash_str_bytes(const HashStr *h, char *buf, size_t *len);
/* Replies h as a bulk string. */
void hash_reply_str(Client *c, const HashStr *h);

/* A new, empty, listpack-encoded hash value. */
Obj *hash_create(void);
unsigned long hash_length(const Obj *o);
/* Reads field's value into *v; 0 when the field is absent. */
int hash_get(Obj *o, const char *f, size_t flen, HashStr *v);
/* Converts a listpack hash to the table before argv[first..last] are written when
 * one of them is longer than hash-max-listpack-value or their total would take the
 * listpack past its safe size (Redis's hashTypeTryConversion). */
void hash_try_convert(Obj *o, Obj **argv, int first, int last);
/* Sets field to value: 1 when the field is new, 0 when its value was replaced. A
 * listpack hash becomes a table first when the field or value is longer than
 * hash-max-listpack-value, and after the write when it has more fields than
 * hash-max-listpack-entries. */
int hash_set(Obj *o, const char *f, size_t flen, const char *v, size_t vlen);
/* Removes field: 1 if it was there. The caller deletes a key left empty. */
int hash_delete(Obj *o, const char *f, size_t flen);
/* Listpack to table (never back). */
void hash_convert(Obj *o);
/* A field (and its value when v is not NULL) picked at random; o is not empty. */
void hash_random(Obj *o, HashStr *f, HashStr *v);

/* Iteration over the pairs in encoding order. The hash must not change meanwhile. */
typedef struct HashIter {
    Obj *o;
    unsigned char *fp, *vp;        /* fpack: the current field and value entries */
    StrmapIter si;                 /* table */
    const StrmapEntry *e;
} HashIter;
void hash_iter_init(HashIter *it, Obj *o);
int hash_iter_next(HashIter *it);                    /* 0 at the end */
void hash_iter_field(const HashIter *it, HashStr *out);
void hash_iter_value(const HashIter *it, HashStr *out);
void hash_iter_done(HashIter *it);

/* A StrmapEntry's field / value as a HashStr. */
void hash_entry_field(const StrmapEntry *e, HashStr *out);
void hash_entry_value(const StrmapEntry *e, HashStr *out);

#endif
