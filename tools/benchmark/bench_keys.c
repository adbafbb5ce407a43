/* bench_keys.c - random numbers and key samplers for the load generator.
 *
 * BenchRng is the shared xoshiro256** generator (src/base/util.h): fast, good enough
 * for load generation, and reproducible per thread from --seed.
 *
 * The zipfian sampler draws rank k in 1..n with probability proportional to k^-s
 * by rejection-inversion (Hoermann and Derflinger): invert the integral H of the
 * continuous hat x^-s, round to the nearest integer, and accept unless the point
 * fell in the sliver between the hat and the histogram of the true weights. The
 * constants are precomputed once in keydist_init (O(1) memory for any n, no zeta
 * sum over the key space); a sample costs O(1) expected (acceptance is above 90%
 * for the usual exponents), a few exp/log calls. Rank k maps to key k-1, so the
 * hottest keys are the lowest numbers. */
#include "bench_keys.h"
#include <math.h>

void brng_seed(BenchRng *r, uint64_t seed) { rng_seed(r, seed); }
uint64_t brng_next(BenchRng *r) { return rng_next(r); }

uint64_t brng_below(BenchRng *r, uint64_t n) {
    /* multiply-high: bias below 2^-64 * n, irrelevant for key choice */
    return (uint64_t)(((unsigned __int128)brng_next(r) * n) >> 64);
}

double brng_unit(BenchRng *r) {
    return (double)(brng_next(r) >> 11) * 0x1.0p-53;
}

/* expm1(t)/t and log1p(t)/t, both 1 at t = 0: they keep H and its inverse exact
 * for exponents near 1, where (x^(1-s) - 1)/(1-s) would cancel catastrophically. */
static double expm1_over(double t) { return fabs(t) > 1e-8 ? expm1(t) / t : 1.0 + t / 2.0; }
static double log1p_over(double t) { return fabs(t) > 1e-8 ? log1p(t) / t : 1.0 - t / 2.0; }

/* H(x) = integral of y^-s from 1 to x; Hinv its inverse; h the weight itself. */
static double zipf_H(const KeyDist *d, double x) {
    double lx = log(x);
    return lx * expm1_over((1.0 - d->s) * lx);
}

static double zipf_Hinv(const KeyDist *d, double y) {
    return exp(y * log1p_over((1.0 - d->s) * y));
}

static double zipf_h(const KeyDist *d, double x) { return exp(-d->s * log(x)); }

void keydist_init(KeyDist *d, KeyDistKind kind, uint64_t n, double s) {
    d->kind = kind;
    d->n = n;
    d->s = s;
    d->h_x1 = d->h_n = d->squeeze = 0;
    if (kind != KEYDIST_ZIPFIAN || n == 0) return;
    d->h_x1 = zipf_H(d, 1.5) - 1.0;
    d->h_n = zipf_H(d, (double)n + 0.5);
    d->squeeze = 2.0 - zipf_Hinv(d, zipf_H(d, 2.5) - zipf_h(d, 2.0));
}

static uint64_t zipf_rank(const KeyDist *d, BenchRng *r) {
    for (;;) {
        double u = d->h_n + brng_unit(r) * (d->h_x1 - d->h_n);
        double x = zipf_Hinv(d, u);
        double k = floor(x + 0.5);
        if (k < 1) k = 1;
        if (k > (double)d->n) k = (double)d->n;
        if (k - x <= d->squeeze || u >= zipf_H(d, k + 0.5) - zipf_h(d, k)) return (uint64_t)k;
    }
}

uint64_t keydist_next(const KeyDist *d, BenchRng *r) {
    if (d->n == 0) return 0;
    if (d->kind == KEYDIST_ZIPFIAN) return zipf_rank(d, r) - 1;
    return brng_below(r, d->n);
}
