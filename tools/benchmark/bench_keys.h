/* bench_keys.h - per-thread random numbers and key-space samplers (uniform, zipfian). */
#ifndef VESPER_BENCH_KEYS_H
#define VESPER_BENCH_KEYS_H
#include <stdint.h>
#include "base/util.h"

/* One generator per load thread, never shared (src/base/util.h's Rng). */
typedef Rng BenchRng;

void brng_seed(BenchRng *r, uint64_t seed);
uint64_t brng_next(BenchRng *r);
uint64_t brng_below(BenchRng *r, uint64_t n);   /* uniform in [0, n); 0 when n == 0 */
double brng_unit(BenchRng *r);                   /* uniform in [0, 1) */

typedef enum { KEYDIST_UNIFORM, KEYDIST_ZIPFIAN } KeyDistKind;

/* Read-only after keydist_init, so every thread samples from one KeyDist with
 * its own BenchRng. */
typedef struct KeyDist {
    KeyDistKind kind;
    uint64_t n;          /* key space size: keys are 0..n-1 */
    double s;            /* zipf exponent */
    /* rejection-inversion constants */
    double h_x1, h_n, squeeze;
} KeyDist;

/* kind ZIPFIAN needs s > 0. Key 0 is the most popular, then key 1, ... */
void keydist_init(KeyDist *d, KeyDistKind kind, uint64_t n, double s);
uint64_t keydist_next(const KeyDist *d, BenchRng *r);

#endif
