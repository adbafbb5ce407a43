/* seed.h - the seed of a randomized unit test: TEST_SEED from the environment
 * when set (to replay a failure), else the clock mixed with a per-test salt; the
 * seed is printed so that a failing run says how to replay it. */
#ifndef VESPER_TEST_SEED_H
#define VESPER_TEST_SEED_H

#include "base/util.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Returns the seed for the randomized test named what (printed with it). */
static inline uint64_t test_seed(const char *what, uint64_t salt) {
    const char *env = getenv("TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)monotonic_us() ^ salt;
    printf("  %s seed %llu (replay with TEST_SEED=%llu)\n", what, (unsigned long long)seed,
           (unsigned long long)seed);
    return seed;
}

#endif
