/* zipf.h - the seeded request stream shared by the hit-rate load generator
 * (hitrate.c) and its simulator (hitrate_sim.c): a splitmix64 generator and a Zipf
 * sampler over ranks 1..n with exponent s by rejection-inversion (Hoermann and
 * Derflinger's method: O(1) per draw, no table). Both programs seed it the same
 * way, so the simulator replays exactly the keys the servers were sent.
 * Header-only (static functions); each program includes it once. */
#ifndef VESPER_BENCH_ZIPF_H
#define VESPER_BENCH_ZIPF_H

#include <math.h>
#include <stdint.h>

static uint64_t rng_state;

static uint64_t rng_next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double rng_double(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }

typedef struct Zipf {
    double s, n, h_x1, h_n, squeeze;
} Zipf;

/* log1p(x)/x and expm1(x)/x, continuous at 0 (exponent 1 is a removable singularity). */
static double log1p_over(double x) { return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x / 2; }
static double expm1_over(double x) { return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x / 2; }

static double zh(const Zipf *z, double x) { return exp(-z->s * log(x)); }                     /* density */
static double zH(const Zipf *z, double x) { double l = log(x); return expm1_over((1 - z->s) * l) * l; } /* its integral */
static double zHinv(const Zipf *z, double y) {
    double t = y * (1 - z->s);
    if (t < -1) t = -1;
    return exp(log1p_over(t) * y);
}

static void zipf_init(Zipf *z, double s, uint64_t n) {
    z->s = s;
    z->n = (double)n;
    z->h_x1 = zH(z, 1.5) - 1;
    z->h_n = zH(z, z->n + 0.5);
    z->squeeze = 2 - zHinv(z, zH(z, 2.5) - zh(z, 2));
}

static uint32_t zipf_draw(const Zipf *z) {
    for (;;) {
        double u = z->h_n + rng_double() * (z->h_x1 - z->h_n);
        double x = zHinv(z, u);
        double k = floor(x + 0.5);
        if (k < 1) k = 1;
        else if (k > z->n) k = z->n;
        if (k - x <= z->squeeze || u >= zH(z, k + 0.5) - zh(z, k)) return (uint32_t)k;
    }
}

#endif
