/* intset.h - sorted set of integers in one blob, byte-identical to Redis's intset
 * (the RDB format stores the blob as is). See intset.c for the layout. */
#ifndef VESPER_INTSET_H
#define VESPER_INTSET_H
#include <stddef.h>
#include <stdint.h>

/* An Intset pointer is the blob itself: is_blob()/is_blob_len() give the bytes to save. */
typedef struct Intset Intset;

/* Encodings: the width in bytes of every stored integer. */
#define IS_ENC_INT16 2
#define IS_ENC_INT32 4
#define IS_ENC_INT64 8

/* A new empty intset (int16 encoding). Free with is_free. */
Intset *is_new(void);
void is_free(Intset *is);                 /* NULL is ignored */
Intset *is_dup(const Intset *is);

/* Adds value. The blob may move: use the returned pointer, the old one is invalid.
 * *added (may be NULL) is set to 1 if the value was new, 0 if already present.
 * The encoding widens when value needs it. Cost O(n) (memmove + realloc).
 * Precondition: is_len(is) < is_max_safe_entries() (callers convert before). */
Intset *is_add(Intset *is, int64_t value, int *added);

/* Removes value; the blob may move (shrinks). *removed (may be NULL) gets 1 if it
 * was present. The encoding never narrows, as in Redis. */
Intset *is_remove(Intset *is, int64_t value, int *removed);

/* 1 if value is present. Binary search, O(log n). */
int is_find(const Intset *is, int64_t value);

/* A uniformly random member (base/util's generator). Precondition: not empty. */
int64_t is_random(const Intset *is);

/* The value at 0-based position pos (ascending order): 1 and *value, or 0 if pos is
 * out of range. */
int is_get(const Intset *is, uint32_t pos, int64_t *value);

/* Iteration in ascending order: start with *pos = 0; returns 1 and the value at *pos
 * (then advances *pos), or 0 at the end. The set must not change meanwhile. */
int is_next(const Intset *is, uint32_t *pos, int64_t *value);

uint32_t is_len(const Intset *is);
uint32_t is_encoding(const Intset *is);    /* IS_ENC_INT16/32/64 */
size_t is_blob_len(const Intset *is);      /* 8-byte header + len * encoding */
const unsigned char *is_blob(const Intset *is);
size_t is_mem_usage(const Intset *is);     /* allocated bytes */

/* Checks an UNTRUSTED blob of size bytes: readable header, a known encoding, a size
 * that matches the length exactly, at least one element (Redis never stores an empty
 * intset); with deep, also that values are strictly ascending (so unique). Never reads
 * outside [blob, blob + size). Returns 1 if valid, 0 if not. */
int is_validate_integrity(const unsigned char *blob, size_t size, int deep);

/* A new intset holding a copy of a blob that passed is_validate_integrity. */
Intset *is_from_blob(const unsigned char *blob, size_t size);

/* The largest number of entries an intset may safely hold (2^30, as Redis caps it):
 * a set that would grow past this converts to a hash table whatever
 * set-max-intset-entries says, and RDB loading uses the same cap to choose. */
size_t is_max_safe_entries(void);

#endif
