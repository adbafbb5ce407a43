/* bench_hist.c - log-linear latency histogram in microseconds.
 *
 * Layout: with B sub-bucket bits (2^B >= 2 * 10^sigfigs), values below 2^B get one
 * counter each (exact). Above, every power-of-two range [2^m, 2^(m+1)) is cut into
 * 2^(B-1) equal sub-buckets, so a bucket's width is at most 1/2^(B-1) of its values:
 * the relative error stays below 10^-sigfigs at any magnitude. Values are clamped
 * to HIST_MAX_US (about 19 hours).
 *
 * Costs: record is O(1) (a count-leading-zeros and an add); percentile, merge and
 * reset are O(buckets), about 27k counters (216 KB) at 3 significant figures. Min,
 * max and the sum are kept exactly beside the counters, so min/max/mean carry no
 * bucket error. A histogram belongs to one thread; merge after the threads stop. */
#include "bench_hist.h"
#include <stdlib.h>
#include <string.h>

#define HIST_MAX_BITS 36
#define HIST_MAX_US ((1ULL << HIST_MAX_BITS) - 1)

struct Hist {
    int sigfigs;
    int bits;               /* B: sub-bucket bits */
    uint64_t half;          /* 2^(B-1) */
    size_t nbuckets;
    uint64_t total, min, max;
    long double sum;
    uint64_t *counts;
};

static int hist_bits_for(int sigfigs) {
    uint64_t need = 2;
    for (int i = 0; i < sigfigs; i++) need *= 10;
    int bits = 1;
    while ((1ULL << bits) < need) bits++;
    return bits;
}

Hist *hist_create(int sigfigs) {
    if (sigfigs < HIST_MIN_SIGFIGS) sigfigs = HIST_MIN_SIGFIGS;
    if (sigfigs > HIST_MAX_SIGFIGS) sigfigs = HIST_MAX_SIGFIGS;
    Hist *h = calloc(1, sizeof(*h));
    if (!h) abort();
    h->sigfigs = sigfigs;
    h->bits = hist_bits_for(sigfigs);
    h->half = 1ULL << (h->bits - 1);
    /* linear part, then (HIST_MAX_BITS - B) halved ranges up to 2^HIST_MAX_BITS */
    h->nbuckets = (size_t)((1ULL << h->bits) + (uint64_t)(HIST_MAX_BITS - h->bits) * h->half);
    h->counts = calloc(h->nbuckets, sizeof(uint64_t));
    if (!h->counts) abort();
    hist_reset(h);
    return h;
}

void hist_free(Hist *h) {
    if (!h) return;
    free(h->counts);
    free(h);
}

void hist_reset(Hist *h) {
    memset(h->counts, 0, h->nbuckets * sizeof(uint64_t));
    h->total = 0;
    h->min = UINT64_MAX;
    h->max = 0;
    h->sum = 0;
}

static size_t hist_index(const Hist *h, uint64_t v) {
    if (v < (h->half << 1)) return (size_t)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - (h->bits - 1);
    return (size_t)((h->half << 1) + (uint64_t)(shift - 1) * h->half + ((v >> shift) - h->half));
}

void hist_record(Hist *h, uint64_t us) {
    if (us > HIST_MAX_US) us = HIST_MAX_US;
    h->counts[hist_index(h, us)]++;
    h->total++;
    h->sum += us;
    if (us < h->min) h->min = us;
    if (us > h->max) h->max = us;
}

void hist_merge(Hist *dst, const Hist *src) {
    if (src->total == 0) return;
    for (size_t i = 0; i < dst->nbuckets; i++) dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->sum += src->sum;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
}

uint64_t hist_count(const Hist *h) { return h->total; }
uint64_t hist_min(const Hist *h) { return h->total ? h->min : 0; }
uint64_t hist_max(const Hist *h) { return h->max; }
double hist_mean(const Hist *h) { return h->total ? (double)(h->sum / h->total) : 0.0; }
size_t hist_buckets(const Hist *h) { return h->nbuckets; }
uint64_t hist_bucket_count(const Hist *h, size_t i) { return h->counts[i]; }

uint64_t hist_bucket_low(const Hist *h, size_t i) {
    if (i < (h->half << 1)) return i;
    uint64_t j = i - (h->half << 1);
    int shift = (int)(j / h->half) + 1;
    return (h->half + j % h->half) << shift;
}

uint64_t hist_bucket_high(const Hist *h, size_t i) {
    if (i < (h->half << 1)) return i;
    int shift = (int)((i - (h->half << 1)) / h->half) + 1;
    return hist_bucket_low(h, i) + (1ULL << shift) - 1;
}

uint64_t hist_percentile(const Hist *h, double pct) {
    if (h->total == 0) return 0;
    if (pct >= 100.0) return h->max;
    double want = pct / 100.0 * (double)h->total;
    uint64_t need = (uint64_t)want;
    if ((double)need < want || need == 0) need++;
    uint64_t seen = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        seen += h->counts[i];
        if (seen >= need) {
            uint64_t v = hist_bucket_high(h, i);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}
