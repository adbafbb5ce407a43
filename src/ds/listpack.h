/* listpack.h - Redis 7.0's listpack: a list of strings and integers packed in one
 * allocation, byte for byte the layout that RDB files and DUMP payloads carry.
 *
 * A listpack is handled through its `unsigned char *`; an entry through a pointer into
 * it (from lp_first/lp_last/lp_next/lp_prev/lp_seek/lp_find). Every function that
 * changes a listpack returns the listpack to use from then on (it may have moved)
 * and invalidates every entry pointer into it except the ones it hands back. */
#ifndef VESPER_LISTPACK_H
#define VESPER_LISTPACK_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LP_HDR_SIZE 6              /* 4-byte total size + 2-byte element count */
#define LP_COUNT_UNKNOWN 65535     /* header count meaning "walk the entries to count" */
#define LP_INTBUF_SIZE 21          /* "-9223372036854775808" plus a NUL */
#define LP_MAX_SAFE_SIZE (1u << 30) /* callers convert a listpack past 1 GB */

/* Where lp_insert puts the new entry relative to the given one. */
#define LP_BEFORE 0
#define LP_AFTER 1

/* An entry's value, read without allocating. For a string entry `sval` points
 * inside the listpack (valid until the listpack changes) and `slen` is its length;
 * for an integer entry `sval` is NULL and `lval` holds the value. */
typedef struct LpEntry {
    const unsigned char *sval;
    uint32_t slen;
    long long lval;
} LpEntry;

/* Create and free. lp_new allocates at least `capacity` bytes (so a caller that
 * knows the final size avoids reallocations); the listpack holds no entries. */
unsigned char *lp_new(size_t capacity);
void lp_free(unsigned char *lp);
/* Gives back the allocation's slack past lp_bytes(). */
unsigned char *lp_shrink_to_fit(unsigned char *lp);

/* Total bytes (header, entries and terminator): O(1). */
size_t lp_bytes(const unsigned char *lp);
/* Number of entries: O(1) from the header, O(n) when the header says 65535, in
 * which case a count below 65535 found by the walk is written back. */
unsigned long lp_length(unsigned char *lp);
/* 1 when `add` more bytes keep the listpack within LP_MAX_SAFE_SIZE (1 GB);
 * lp may be NULL (an empty listpack). */
int lp_safe_to_add(const unsigned char *lp, size_t add);

/* Navigation: the first/last entry, the one after/before p, or NULL when there is
 * none. lp_seek takes a zero-based index, negative counts from the end (-1 is the
 * last entry); NULL when out of range. Each checks that the entry it returns lies
 * inside the listpack and aborts on corruption (a shallowly validated RESTORE
 * payload) instead of reading out of bounds. */
unsigned char *lp_first(unsigned char *lp);
unsigned char *lp_last(unsigned char *lp);
unsigned char *lp_next(unsigned char *lp, unsigned char *p);
unsigned char *lp_prev(unsigned char *lp, unsigned char *p);
unsigned char *lp_seek(unsigned char *lp, long index);
/* lp_next for listpacks validated deeply (lp_validate_integrity with deep) or
 * built by the server, such as stream nodes, on hot paths: steps by the entry's
 * encoded size without re-validating the entry it lands on; it still aborts
 * rather than step past the terminator. About a third of lp_next's cost. */
unsigned char *lp_next_trusted(unsigned char *lp, unsigned char *p);

/* Reading the entry at p. lp_get fills `e`. lp_get_str returns the value as
 * bytes, formatting an integer into `buf` (LP_INTBUF_SIZE bytes) and returning
 * buf; *len gets the length. lp_get_value is the Redis-style shorthand: returns
 * the string pointer (length in *slen) or NULL with the integer in *lval. */
void lp_get(const unsigned char *p, LpEntry *e);
const unsigned char *lp_get_str(const unsigned char *p, uint32_t *len, unsigned char *buf);
const unsigned char *lp_get_value(const unsigned char *p, uint32_t *slen, long long *lval);
/* Bytes the entry at p takes, including its encoding header and backlen. */
size_t lp_entry_size(const unsigned char *p);

/* Mutation. Strings that are canonical decimal int64 (no '+', no leading zeros,
 * no spaces, "-0" excluded) are stored as integers, as Redis does. `len` is the
 * string's length in bytes (0 allowed). Each returns the new listpack; an
 * allocation failure aborts through the allocator's OOM handler. The caller keeps
 * the listpack under 4 GB (lp_safe_to_add); lp_insert aborts past UINT32_MAX. */
unsigned char *lp_append(unsigned char *lp, const unsigned char *s, uint32_t len);
unsigned char *lp_prepend(unsigned char *lp, const unsigned char *s, uint32_t len);
unsigned char *lp_append_int(unsigned char *lp, long long v);
unsigned char *lp_prepend_int(unsigned char *lp, long long v);
/* Inserts before or after entry p (LP_BEFORE/LP_AFTER; p may be the terminator,
 * lp + lp_bytes(lp) - 1, with LP_BEFORE to append). *newp, when newp is not NULL,
 * gets the new entry's address. */
unsigned char *lp_insert(unsigned char *lp, const unsigned char *s, uint32_t len,
                         unsigned char *p, int where, unsigned char **newp);
unsigned char *lp_insert_int(unsigned char *lp, long long v, unsigned char *p, int where,
                             unsigned char **newp);
/* Replaces the entry at *p; *p is updated to the replacement. */
unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t len);
unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, long long v);
/* Deletes the entry at p; *nextp (if not NULL) gets the entry that followed it,
 * or NULL when p was the last. */
unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **nextp);
/* Deletes up to `num` entries starting at index (negative from the end); nothing
 * when index is out of range. */
unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long num);
/* Deletes up to `num` entries starting at *p; *p gets the entry after the deleted
 * range or NULL. */
unsigned char *lp_delete_range_with_entry(unsigned char *lp, unsigned char **p, unsigned long num);
/* Deletes the `n` entries ps[0..n-1], which must be distinct and in ascending
 * address order, in one pass. */
unsigned char *lp_batch_delete(unsigned char *lp, unsigned char **ps, unsigned long n);
/* Concatenates: the entries of `first` then those of `second`. Takes ownership
 * of both (one of the two allocations is reused, the other freed) and returns
 * the result. The caller keeps the total under 4 GB. */
unsigned char *lp_merge(unsigned char *first, unsigned char *second);

/* Searching. lp_compare: 1 when the entry at p equals the bytes s[0..slen)
 * (an integer entry matches its canonical decimal form). lp_find: from p, compares
 * every (skip+1)-th entry with s and returns the first match or NULL; skip=1 walks
 * the keys of a key/value listpack. */
int lp_compare(const unsigned char *p, const unsigned char *s, uint32_t slen);
unsigned char *lp_find(unsigned char *lp, unsigned char *p, const unsigned char *s,
                       uint32_t slen, unsigned int skip);

/* Visiting a run of entries: calls fn once per entry, from p (an entry of lp)
 * towards the tail, or towards the head with backward, for at most n entries;
 * returns how many were visited. fn gets the entry's bytes (s, len), or s NULL
 * and the integer in lval. Walking forward decodes each entry once and checks
 * that it ends before the terminator (aborting on a corrupt entry) without
 * re-reading its backlen, so it costs a fraction of lp_next per entry; walking
 * backward uses lp_prev. fn must not change lp. */
typedef void LpVisitor(void *ctx, const unsigned char *s, size_t len, long long lval);
unsigned long lp_visit(unsigned char *lp, unsigned char *p, unsigned long n, int backward, LpVisitor *fn,
                       void *ctx);

/* Random picks over a listpack of key/value pairs (hash fields, zset members),
 * for HRANDFIELD and ZRANDMEMBER; they use the global generator (rand_u64).
 * lp_random_pair: one pair; `pairs` is lp_length/2 (> 0); val may be NULL.
 * lp_random_pairs: `count` pairs with repetitions, in random order.
 * lp_random_pairs_unique: up to `count` distinct pairs in listpack order; returns
 * how many were picked. lp_random_entry: one entry of any listpack (non-empty). */
void lp_random_pair(unsigned char *lp, unsigned long pairs, LpEntry *key, LpEntry *val);
void lp_random_pairs(unsigned char *lp, unsigned int count, LpEntry *keys, LpEntry *vals);
unsigned int lp_random_pairs_unique(unsigned char *lp, unsigned int count, LpEntry *keys,
                                    LpEntry *vals);
void lp_random_entry(unsigned char *lp, LpEntry *e);

/* Validation of an untrusted blob of `size` bytes (RDB, RESTORE). Shallow
 * (deep=0): the header's size equals `size` and the last byte is the
 * terminator. Deep: also every entry's encoding, extent and backlen, that the
 * entries end exactly at the terminator, and the header count unless 65535.
 * `cb`, if not NULL, is called per entry after that entry was checked, with the
 * header's count; returning 0 fails the validation. Returns 1 when valid. Never
 * reads outside lp[0..size). O(n) when deep. */
typedef int (*LpValidateCb)(unsigned char *p, unsigned int head_count, void *cbdata);
int lp_validate_integrity(unsigned char *lp, size_t size, int deep, LpValidateCb cb, void *cbdata);
/* Entry-by-entry validation for callers that walk a listpack of untrusted size
 * themselves (stream records): lp_validate_first gives the first entry or NULL;
 * lp_validate_next checks the entry at *pp lies inside the `lpbytes` bytes,
 * moves *pp to the next one (NULL after the last) and returns 1, or returns 0. */
unsigned char *lp_validate_first(unsigned char *lp);
int lp_validate_next(unsigned char *lp, unsigned char **pp, size_t lpbytes);

/* 1 when lp holds key/value pairs (an even number of entries) whose keys, the
 * entries at even positions, are pairwise distinct, an integer key being equal to
 * its decimal string; 0 otherwise. For loaders of untrusted hashes and sorted sets
 * (Redis refuses duplicates); lp must be valid. An empty listpack passes.
 * O(n log n) time, n/2 pointers of temporary memory. */
int lp_pairs_unique(unsigned char *lp);

/* The entry format, for sibling encodings that store listpack entries without
 * their backlen (src/ds/fpack.h). An entry's [encoding + payload] is described by
 * an LpEnc: `head` (hlen bytes: the encoding byte(s), and an integer's bytes)
 * followed by `body` (blen bytes: a string's bytes, none for an integer).
 * lp_encode: the encoding lp_insert would give s (canonical int64 decimals as
 * integers). lp_enc_put: writes [encoding + payload] at dst, no backlen; returns
 * its length (lp_enc_length). lp_entry_enc_size: the [encoding + payload] length
 * of the entry at p, read from its first bytes (0 for an invalid encoding byte).
 * lp_backlen_bytes / lp_backlen_put: the size of the backlen of an entry whose
 * [encoding + payload] is l bytes, and writing it at dst (returns its size).
 * lp_str_to_int: 1 when s is a canonical int64 decimal (the rule above), in *v. */
typedef struct LpEnc {
    unsigned char head[9];
    unsigned hlen;
    const unsigned char *body;
    uint32_t blen;
} LpEnc;
void lp_encode(LpEnc *e, const unsigned char *s, uint32_t len);
static inline size_t lp_enc_length(const LpEnc *e) { return e->hlen + (size_t)e->blen; }
size_t lp_enc_put(unsigned char *dst, const LpEnc *e);
size_t lp_entry_enc_size(const unsigned char *p);
unsigned lp_backlen_bytes(size_t l);
unsigned lp_backlen_put(unsigned char *dst, size_t l);
int lp_str_to_int(const unsigned char *s, size_t len, long long *v);

/* Prints the entries, their offsets and encodings (DEBUG LISTPACK). */
void lp_repr(FILE *out, unsigned char *lp);

#endif
