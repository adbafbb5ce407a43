/* bench_report.c - formats results the way redis-benchmark 7.0 does, so scripts
 * that parse its -q lines or CSV keep working, and adds the tail percentiles.
 *
 * Full report: the "====== TITLE ======" header, the percentile ladder (0%, 50%,
 * 75%, 87.5%... each step halving the distance to 100%, a line printed only when
 * the cumulative count moved), the cumulative distribution in fixed latency steps
 * (0.1 ms up to 2 ms, then coarser), and the summary tables. All numbers come from
 * the merged histogram: O(buckets) per report. Values are microseconds inside and
 * milliseconds with three decimals outside, as in redis-benchmark. */
#include "bench_report.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static double ms(uint64_t us) { return (double)us / 1000.0; }

static double report_rps(const Hist *h, double seconds) {
    return seconds > 0 ? (double)hist_count(h) / seconds : 0.0;
}

/* Title as a CSV field: quotes inside are doubled. */
static void report_csv_title(const char *title) {
    putchar('"');
    for (const char *p = title; *p; p++) {
        if (*p == '"') putchar('"');
        putchar(*p);
    }
    putchar('"');
}

void report_csv_header(const ReportInfo *ri) {
    printf("\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
           "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"");
    if (ri->csv_extended) printf(",\"p999_latency_ms\",\"p9999_latency_ms\"");
    printf("\n");
}

static void report_csv_row(const ReportInfo *ri, const char *title, const Hist *h, double seconds) {
    report_csv_title(title);
    printf(",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"", report_rps(h, seconds),
           hist_mean(h) / 1000.0, ms(hist_min(h)), ms(hist_percentile(h, 50)),
           ms(hist_percentile(h, 95)), ms(hist_percentile(h, 99)), ms(hist_max(h)));
    if (ri->csv_extended)
        printf(",\"%.3f\",\"%.3f\"", ms(hist_percentile(h, 99.9)), ms(hist_percentile(h, 99.99)));
    printf("\n");
}

static void report_line(double pct, uint64_t us, uint64_t cum) {
    printf("%3.3f%% <= %.3f milliseconds (cumulative count %llu)\n", pct, ms(us),
           (unsigned long long)cum);
}

/* Percentile ladder: 0, 50, 75, 87.5, ... reported at the bucket where the
 * cumulative share first reaches each step; 100% closes the list. */
static void report_percentiles(const Hist *h) {
    uint64_t total = hist_count(h), cum = 0, prev = UINT64_MAX;
    double next = 0.0;
    printf("Latency by percentile distribution:\n");
    for (size_t i = 0; i < hist_buckets(h) && total; i++) {
        uint64_t n = hist_bucket_count(h, i);
        if (!n) continue;
        cum += n;
        uint64_t top = hist_bucket_high(h, i);
        if (top > hist_max(h)) top = hist_max(h);
        double share = 100.0 * (double)cum / (double)total;
        while (next <= share) {
            if (cum != prev || cum == total) report_line(next, top, cum);
            prev = cum;
            if (cum == total) {
                report_line(100.0, top, cum);
                printf("\n");
                return;
            }
            next += (100.0 - next) / 2.0;
        }
    }
    printf("\n");
}

static uint64_t report_step(uint64_t at) {
    if (at < 2000) return 100;
    if (at < 100000) return 1000;
    if (at < 1000000) return 10000;
    return 100000;
}

/* Share of requests at or below fixed latencies: 0.1 ms steps up to 2 ms, 1 ms
 * steps up to 100 ms, then 10 ms and 100 ms steps. */
static void report_cumulative(const Hist *h) {
    uint64_t total = hist_count(h), cum = 0, prev = UINT64_MAX;
    size_t i = 0, nb = hist_buckets(h);
    printf("Cumulative distribution of latencies:\n");
    for (uint64_t at = 100; total; at += report_step(at)) {
        while (i < nb && hist_bucket_low(h, i) <= at) cum += hist_bucket_count(h, i++);
        if (cum != prev || cum == total)
            report_line(100.0 * (double)cum / (double)total, at, cum);
        prev = cum;
        if (cum == total) break;
    }
    printf("\n");
}

static void report_header(const ReportInfo *ri, const char *title, const Hist *h, double seconds) {
    printf("====== %s ======\n", title);
    printf("  %llu requests completed in %.2f seconds\n", (unsigned long long)hist_count(h), seconds);
    printf("  %d parallel clients\n", ri->clients);
    printf("  %d bytes payload\n", ri->datasize);
    printf("  keep alive: %d\n", ri->keepalive);
    if (ri->cfg_save) printf("  host configuration \"save\": %s\n", ri->cfg_save);
    if (ri->cfg_appendonly) printf("  host configuration \"appendonly\": %s\n", ri->cfg_appendonly);
    printf("  multi-thread: %s\n", ri->threads ? "yes" : "no");
    if (ri->threads) printf("  threads: %d\n", ri->threads);
    if (ri->pipeline > 1) printf("  pipeline: %d\n", ri->pipeline);
    if (ri->keyspace) printf("  key space: %s\n", ri->keyspace);
    if (ri->rps_target > 0)
        printf("  target rate: %.2f requests per second (open loop, latency from scheduled send)\n",
               ri->rps_target);
    if (ri->rps_target > 0 && ri->send_lag && hist_count(ri->send_lag))
        printf("  send lag (generator behind schedule, msec): p50 %.3f, p99 %.3f, max %.3f\n",
               ms(hist_percentile(ri->send_lag, 50)), ms(hist_percentile(ri->send_lag, 99)),
               ms(hist_max(ri->send_lag)));
    printf("\n");
}

static void report_summary(const Hist *h, double seconds) {
    printf("Summary:\n");
    printf("  throughput summary: %.2f requests per second\n", report_rps(h, seconds));
    printf("  latency summary (msec):\n");
    printf("    %9s %9s %9s %9s %9s %9s\n", "avg", "min", "p50", "p95", "p99", "max");
    printf("    %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", hist_mean(h) / 1000.0, ms(hist_min(h)),
           ms(hist_percentile(h, 50)), ms(hist_percentile(h, 95)), ms(hist_percentile(h, 99)),
           ms(hist_max(h)));
    printf("  latency percentiles (msec):\n");
    printf("    %9s %9s %9s %9s %9s\n", "p50", "p99", "p99.9", "p99.99", "max");
    printf("    %9.3f %9.3f %9.3f %9.3f %9.3f\n", ms(hist_percentile(h, 50)),
           ms(hist_percentile(h, 99)), ms(hist_percentile(h, 99.9)),
           ms(hist_percentile(h, 99.99)), ms(hist_max(h)));
}

void report_result(const ReportInfo *ri, const char *title, const Hist *h, double seconds) {
    switch (ri->mode) {
    case REPORT_CSV:
        report_csv_row(ri, title, h, seconds);
        break;
    case REPORT_QUIET:
        printf("%s: %.2f requests per second, p50=%.3f msec\n", title, report_rps(h, seconds),
               ms(hist_percentile(h, 50)));
        break;
    case REPORT_FULL:
        report_header(ri, title, h, seconds);
        report_percentiles(h);
        report_cumulative(h);
        report_summary(h, seconds);
        break;
    }
    fflush(stdout);
}

static int64_t report_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void report_progress(ProgressLine *pl, const char *title, const RunProgress *now,
                     double elapsed_s, long long total) {
    int64_t t = report_now_ns();
    double dt = pl->last_ns ? (double)(t - pl->last_ns) / 1e9 : elapsed_s;
    long long dn = now->finished - pl->last.finished;
    double inst_rps = dt > 0 ? (double)dn / dt : 0.0;
    double inst_avg = dn > 0 ? (now->latency_sum_us - pl->last.latency_sum_us) / (double)dn / 1000.0 : 0.0;
    double all_rps = elapsed_s > 0 ? (double)now->finished / elapsed_s : 0.0;
    double all_avg = now->finished > 0 ? now->latency_sum_us / (double)now->finished / 1000.0 : 0.0;
    int pct = total > 0 ? (int)(100.0 * (double)now->finished / (double)total) : 0;
    report_progress_clear(pl);
    pl->last_len = printf("%s: rps=%.1f (overall: %.1f) avg_msec=%.3f (overall: %.3f) %d%%\r", title,
                          inst_rps, all_rps, inst_avg, all_avg, pct);
    fflush(stdout);
    pl->last_ns = t;
    pl->last = *now;
}

void report_progress_clear(ProgressLine *pl) {
    if (pl->last_len > 0) {
        printf("%*s\r", pl->last_len, " ");
        fflush(stdout);
    }
    pl->last_len = 0;
}
