/* fpack.h - a forward-only pack of key/value pairs: the entries of a listpack
 * (src/ds/listpack.h: the same encodings, canonical int64 decimals stored as
 * integers) without the backlen byte(s) each listpack entry ends with, and
 * without the terminator, behind a small header. Small hashes keep their pairs in
 * one (src/types/hash.c) instead of a listpack: none of their operations walks
 * backwards, and dropping the backlen saves a byte per field and per value,
 * which for typical small hashes is what moves the allocation down a jemalloc
 * size class. It is an in-memory form only: RDB files and DUMP payloads carry the
 * listpack, made from it on save (fpack_to_listpack, byte for byte the listpack
 * Redis would hold) and turned into it on load (fpack_from_listpack).
 *
 * An fpack is handled through its `unsigned char *`; an entry through a pointer
 * into it (fpack_first/fpack_next/fpack_find). A function that changes an fpack
 * returns the fpack to use from then on (it may have moved) and invalidates every
 * entry pointer into it; the strings it is given must not point into the fpack. Entries always come in pairs (key then value); keys are
 * distinct when only fpack_set adds them.
 *
 * The contents are trusted: an fpack is only ever built by these functions, from
 * strings or from a listpack the caller validated (entries and their count, e.g.
 * rdb_lp_pairs_valid), so navigation does no bounds checks. fpack_validate checks
 * the structure for tests. */
#ifndef VESPER_FPACK_H
#define VESPER_FPACK_H
#include <stddef.h>
#include <stdint.h>
#include "listpack.h"

#define FPACK_HDR_SIZE 8 /* total bytes (u32) + pairs (u32), host byte order */

/* A new empty fpack; free with fpack_free. */
unsigned char *fpack_new(void);
void fpack_free(unsigned char *fp);
/* Total bytes (header and entries) and number of pairs: O(1). */
size_t fpack_bytes(const unsigned char *fp);
unsigned long fpack_pairs(const unsigned char *fp);

/* Navigation: the first entry / the entry after p, or NULL past the last. The
 * entries alternate key, value, key, value ... */
unsigned char *fpack_first(unsigned char *fp);
unsigned char *fpack_next(unsigned char *fp, unsigned char *p);
/* Reads the entry at p (a string's bytes point into the fpack, valid until it
 * changes; an integer in e->lval with e->sval NULL). */
static inline void fpack_get(const unsigned char *p, LpEntry *e) { lp_get(p, e); }

/* The key entry of the pair whose key equals s[0..len) (an integer key equals its
 * canonical decimal form), or NULL. O(n). */
unsigned char *fpack_find(unsigned char *fp, const unsigned char *s, uint32_t len);
/* Sets key's value: replaces it when the key is there (*added = 0), else appends
 * the pair (*added = 1). O(n) (the lookup, and a move of what follows a replaced
 * value that changes size). */
unsigned char *fpack_set(unsigned char *fp, const unsigned char *k, uint32_t klen, const unsigned char *v,
                         uint32_t vlen, int *added);
/* Appends a pair without looking the key up (loaders; fpack_pairs_unique checks
 * them afterwards). */
unsigned char *fpack_append(unsigned char *fp, const unsigned char *k, uint32_t klen, const unsigned char *v,
                            uint32_t vlen);
/* Deletes the pair of key; *deleted gets 1 when it was there. */
unsigned char *fpack_delete(unsigned char *fp, const unsigned char *k, uint32_t klen, int *deleted);

/* The bytes the same pairs take as a listpack (header, entries with their
 * backlens, terminator): O(n). fpack_safe_to_add: 1 when that listpack grown by
 * `add` bytes stays within LP_MAX_SAFE_SIZE, the rule lp_safe_to_add applies to
 * a listpack hash (O(1) unless the fpack is within a few bytes per entry of the
 * limit, then O(n)). */
size_t fpack_listpack_bytes(const unsigned char *fp);
int fpack_safe_to_add(const unsigned char *fp, size_t add);

/* Conversions. fpack_from_listpack: the pairs of lp, which must be a valid
 * listpack of an even number of entries (lp_validate_integrity deep: it is walked
 * without bounds checks), every entry's bytes kept as they are; lp is not freed. fpack_to_listpack: a new
 * listpack (free with lp_free) of the pairs, entry bytes as they are, the count
 * in its header (65535 when that many or more, as listpacks say "unknown"). */
unsigned char *fpack_from_listpack(unsigned char *lp);
unsigned char *fpack_to_listpack(const unsigned char *fp);
/* The same listpack written into buf when it surely fits in its cap bytes
 * (returns buf: no allocation for the usual small hash saved to RDB), else into a
 * new allocation (returns it; free it with lp_free when it is not buf). One pass. */
unsigned char *fpack_to_listpack_in(const unsigned char *fp, unsigned char *buf, size_t cap);

/* 1 when the keys are pairwise distinct (an integer key equal to its decimal
 * string counts as the same key): O(n log n), n/2 pointers of temporary memory. */
int fpack_pairs_unique(unsigned char *fp);
/* 1 when the header's total and pair count match entries with valid encodings
 * that end exactly at the total (for tests and fuzzers). O(n). */
int fpack_validate(const unsigned char *fp);

/* Random picks (HRANDFIELD), with the global generator (rand_u64); the fpack is
 * not empty. fpack_random_pair: one pair, val may be NULL. fpack_random_pairs:
 * `count` pairs with repetitions, in random order. fpack_random_pairs_unique: up
 * to `count` distinct pairs in pack order; returns how many. */
void fpack_random_pair(unsigned char *fp, LpEntry *key, LpEntry *val);
void fpack_random_pairs(unsigned char *fp, unsigned int count, LpEntry *keys, LpEntry *vals);
unsigned int fpack_random_pairs_unique(unsigned char *fp, unsigned int count, LpEntry *keys, LpEntry *vals);

#endif
