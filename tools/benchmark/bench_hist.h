/* bench_hist.h - log-linear latency histogram (HdrHistogram-style) in microseconds. */
#ifndef VESPER_BENCH_HIST_H
#define VESPER_BENCH_HIST_H
#include <stddef.h>
#include <stdint.h>

#define HIST_MIN_SIGFIGS 1
#define HIST_MAX_SIGFIGS 4
#define HIST_DEFAULT_SIGFIGS 3

typedef struct Hist Hist;

/* sigfigs (1..4, clamped) is the number of significant decimal digits every
 * recorded value keeps: 3 means any value is known to within 0.1%. */
Hist *hist_create(int sigfigs);
void hist_free(Hist *h);
void hist_reset(Hist *h);
void hist_record(Hist *h, uint64_t us);
/* Adds src's counts to dst; both must have the same sigfigs. */
void hist_merge(Hist *dst, const Hist *src);

uint64_t hist_count(const Hist *h);
uint64_t hist_min(const Hist *h);            /* exact; 0 when empty */
uint64_t hist_max(const Hist *h);            /* exact; 0 when empty */
double hist_mean(const Hist *h);             /* exact mean of recorded values */
/* Smallest bucket top such that at least pct% of the values are <= it. */
uint64_t hist_percentile(const Hist *h, double pct);

/* Bucket walk for reports: buckets are in value order; [low, high] are the
 * values a bucket stands for. */
size_t hist_buckets(const Hist *h);
uint64_t hist_bucket_count(const Hist *h, size_t i);
uint64_t hist_bucket_low(const Hist *h, size_t i);
uint64_t hist_bucket_high(const Hist *h, size_t i);

#endif
