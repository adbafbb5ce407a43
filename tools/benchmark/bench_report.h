/* bench_report.h - vesper-benchmark's output: redis-benchmark 7.0's full report,
 * -q line and CSV rows, plus the tail percentiles and the live progress line. */
#ifndef VESPER_BENCH_REPORT_H
#define VESPER_BENCH_REPORT_H
#include "bench_hist.h"
#include "bench_run.h"

typedef enum { REPORT_FULL, REPORT_QUIET, REPORT_CSV } ReportMode;

typedef struct ReportInfo {
    ReportMode mode;
    int csv_extended;           /* two more CSV columns: p99.9 and p99.99 */
    int clients, datasize, keepalive, pipeline;
    int threads;                /* as given by --threads; 0: not multi-threaded */
    const char *cfg_save;       /* CONFIG GET results, NULL when unknown */
    const char *cfg_appendonly;
    const char *keyspace;       /* e.g. "100000 keys, zipfian (s=0.99)", or NULL */
    double rps_target;          /* 0: closed loop */
    const Hist *send_lag;       /* open loop: generator lateness, shown in the header */
} ReportInfo;

void report_csv_header(const ReportInfo *ri);
/* One test's result in the chosen mode. */
void report_result(const ReportInfo *ri, const char *title, const Hist *h, double seconds);

/* The live line: rewritten in place with '\r'. report_progress_clear blanks it. */
typedef struct ProgressLine {
    int last_len;
    int64_t last_ns;
    RunProgress last;
} ProgressLine;

void report_progress(ProgressLine *pl, const char *title, const RunProgress *now,
                     double elapsed_s, long long total);
void report_progress_clear(ProgressLine *pl);

#endif
