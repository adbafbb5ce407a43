/* ziplist.h - reading the ziplist, the encoding of small lists, hashes and sorted
 * sets in RDB files written before Redis 7.0 (RDB types LIST_ZIPLIST 10,
 * ZSET_ZIPLIST 12, HASH_ZIPLIST 13 and the nodes of LIST_QUICKLIST 14).
 *
 * Vesper never writes ziplists and never keeps one: a loader validates the blob
 * and turns it into a listpack. Every function here takes an untrusted blob and its
 * size and never reads outside zl[0..size). */
#ifndef VESPER_ZIPLIST_H
#define VESPER_ZIPLIST_H
#include <stddef.h>
#include <stdint.h>

#define ZL_HDR_SIZE 10             /* zlbytes u32 + zltail u32 + zllen u16 */
#define ZL_COUNT_UNKNOWN 65535     /* zllen meaning "walk the entries to count" */

/* An entry's value: for a string, `sval` points into the blob (never NULL, even
 * for an empty string) and `slen` is its length; for an integer, `sval` is NULL
 * and `lval` holds the value. */
typedef struct ZlEntry {
    const unsigned char *sval;
    uint32_t slen;
    long long lval;
} ZlEntry;

/* A forward walk over a blob, checking each entry as it goes. Its fields are
 * private to ziplist.c; it lives on the caller's stack. */
typedef struct ZlIter {
    const unsigned char *zl;
    size_t size;
    size_t off;          /* offset of the next entry */
    size_t prev_len;     /* bytes of the entry before `off`, 0 at the head */
    size_t last_off;     /* offset of the last entry returned, 0 before the first */
    size_t count;        /* entries returned so far */
    int state;           /* walking, finished, or corrupt */
} ZlIter;

/* Validates an untrusted blob of `size` bytes. Shallow (deep=0): the header's
 * zlbytes equals `size`, the last byte is the 0xFF terminator, zltail lies inside
 * the entries area; *count_out (if not NULL) gets the header's zllen, which is
 * 65535 when unknown. Deep: also every entry decodes to a valid encoding and lies
 * before the terminator, each entry's prevlen equals the previous entry's real
 * length (0 for the first), the entries end exactly at the terminator, zltail is
 * the offset of the last entry (ZL_HDR_SIZE when there is none) and zllen equals
 * the count unless it is 65535; *count_out gets the number of entries. Returns 1
 * when valid, 0 otherwise. O(1) shallow, O(size) deep. */
int zl_validate(const unsigned char *zl, size_t size, int deep, size_t *count_out);

/* Iteration. zl_iter_init prepares `it` and returns 1 when the header passes the
 * shallow checks, 0 otherwise (the iterator then only reports corruption).
 * zl_iter_next returns 1 with the next entry in *e; 0 once the walk reached the
 * terminator and every deep check passed (so a walk to the end is a deep
 * validation); -1 on the first corrupt entry or failed final check. After 0 or -1
 * it keeps returning the same. Each step is O(1) and reads only inside the blob,
 * but a caller that stops before 0 has not validated the rest. */
int zl_iter_init(ZlIter *it, const unsigned char *zl, size_t size);
int zl_iter_next(ZlIter *it, ZlEntry *e);

/* Converts a blob (deeply validated on the way) into a new listpack holding the
 * same entries in order; strings that are canonical integers become integer
 * entries, as every listpack append does. An empty ziplist gives an empty
 * listpack. Returns NULL when the blob is invalid (or the listpack would pass
 * 4 GB). O(size). */
unsigned char *zl_to_listpack(const unsigned char *zl, size_t size);

/* The same for a ziplist of key/value pairs (hash fields and values, zset members
 * and scores): also NULL when the entry count is odd or two keys are equal (an
 * integer key equals its decimal string), as Redis's loader refuses them.
 * *pairs_out (if not NULL) gets the number of pairs. O(size + n log n). */
unsigned char *zl_pairs_to_listpack(const unsigned char *zl, size_t size, size_t *pairs_out);

#endif
