/* zipmap.h - reading the zipmap, the encoding of small hashes in RDB files
 * written by Redis 2.4 and older (RDB type HASH_ZIPMAP 9).
 *
 * Vesper never writes zipmaps and never keeps one: the hash loader validates the
 * blob and turns it into a listpack of field, value, field, value... Every
 * function here takes an untrusted blob and its size and never reads outside
 * zm[0..size). */
#ifndef VESPER_ZIPMAP_H
#define VESPER_ZIPMAP_H
#include <stddef.h>

#define ZM_COUNT_UNKNOWN 254       /* zmlen meaning "walk the pairs to count" */

/* Validates an untrusted blob of `size` bytes. Shallow (deep=0): at least the
 * zmlen byte and the terminator, and the last byte is the 0xFF terminator.
 * Deep: also every pair (key length, key, value length, free byte, value, free
 * padding) lies before the terminator, every length is in its canonical form (one
 * byte below 254, else 254 and a u32 LE of at least 254), the pairs end exactly at
 * the terminator, there is at least one pair (Redis refuses an empty zipmap), and
 * zmlen is 254 or the pair count. Duplicate keys are not checked here (see
 * zm_to_listpack). Returns 1 when valid. O(1) shallow, O(size) deep. */
int zm_validate(const unsigned char *zm, size_t size, int deep);

/* Converts a blob (deeply validated first) into a new listpack of field, value,
 * field, value... in the zipmap's order (canonical integer strings become integer
 * entries, as every listpack append does); *pairs_out (if not NULL) gets the
 * number of pairs. Returns NULL when the blob is invalid, when two keys are equal,
 * or when the listpack would pass LP_MAX_SAFE_SIZE, as Redis's loader refuses
 * them. O(size + n log n). */
unsigned char *zm_to_listpack(const unsigned char *zm, size_t size, size_t *pairs_out);

#endif
