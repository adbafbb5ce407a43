/* util.h - number/string conversion, glob matching, hashing helpers, time. */
#ifndef VESPER_UTIL_H
#define VESPER_UTIL_H
#include <stddef.h>
#include <stdint.h>

#define LONG_STR_SIZE 21
#define MAX_LONG_DOUBLE_CHARS (5 * 1024)
#define MAX_D2STRING_CHARS 128

/* Strict conversions: the whole buffer must be the number, no spaces, no '+',
 * no leading zeros (as Redis's string2ll). Return 1 on success, 0 on failure. */
int string2ll(const char *s, size_t len, long long *value);
int string2ull(const char *s, size_t len, unsigned long long *value);
int string2l(const char *s, size_t len, long *value);
/* Doubles: accepts what strtod accepts over the whole buffer, rejects spaces and nan. */
int string2d(const char *s, size_t len, double *value);
int string2ld(const char *s, size_t len, long double *value);
int ll2string(char *dst, size_t dstlen, long long v);   /* returns length */
int ull2string(char *dst, size_t dstlen, unsigned long long v);
/* Formats a double as Redis does in replies ("inf", "-inf", integers without ".0"
 * when exact, else %.17g). */
int d2string(char *buf, size_t len, double value);
/* Formats a long double for INCRBYFLOAT: no exponent, trailing zeros trimmed. */
int ld2string(char *buf, size_t len, long double value, int humanfriendly);
uint32_t digits10(uint64_t v);

/* Glob-style pattern match, binary safe. */
int glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase);

/* siphash-1-2 keyed hash, and a case-insensitive variant. */
void hash_set_seed(const uint8_t seed[16]);
uint64_t hash_bytes(const void *data, size_t len);
uint64_t hash_bytes_nocase(const void *data, size_t len);

/* Time helpers. */
long long ustime(void);   /* wall clock, microseconds */
long long mstime(void);   /* wall clock, milliseconds */
long long monotonic_us(void);

/* Random numbers: xoshiro256** seeded through splitmix64. Rng is a generator's
 * state, for threads that need their own; rand_* use the server's global one,
 * seeded once at start-up. */
typedef struct Rng { uint64_t s[4]; } Rng;
void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
void rand_seed(uint64_t seed);
uint64_t rand_u64(void);
void rand_bytes(void *buf, size_t len);
void rand_hex(char *buf, size_t len);  /* len hex chars */

/* Parse memory sizes like "1gb", "100mb", "512k". Returns 1 on success. */
int parse_memory(const char *s, long long *out);
/* Binds the calling thread to the CPUs of a list in the kernel's cpulist form
 * ("0-3,8,10-15:2": numbers, ranges, ranges with a stride), as Redis's
 * server_cpulist / bio_cpulist / bgsave_cpulist / aof_rewrite_cpulist take them.
 * NULL does nothing. Returns 0, or -1 when the list is malformed (nothing is
 * changed) or the kernel refused it. */
int cpulist_apply(const char *cpulist);

#endif
