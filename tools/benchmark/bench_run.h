/* bench_run.h - the load engine: worker threads with their own epoll loops and
 * non-blocking connections, closed-loop (-c/-P) or open-loop (--rps) load. */
#ifndef VESPER_BENCH_RUN_H
#define VESPER_BENCH_RUN_H
#include <stdint.h>
#include <sys/socket.h>
#include "bench_hist.h"
#include "bench_keys.h"
#include "bench_tmpl.h"

#define RUN_MAX_OPS 8

typedef struct RunOp {
    const Tmpl *tmpl;
    uint32_t weight;            /* relative share of requests */
} RunOp;

typedef struct RunSpec {
    const struct sockaddr *addr;
    socklen_t addrlen;
    const char *addr_text;      /* "host:port" or the socket path, for errors */
    const char *prefix;         /* AUTH/SELECT/HELLO sent first on every connection */
    size_t prefix_len;
    int prefix_replies;
    RunOp ops[RUN_MAX_OPS];
    int nops;
    const KeyDist *keys;        /* NULL: __rand_int__ stays literal */
    long long requests;         /* total over all threads */
    int clients, pipeline, keepalive, threads;
    double rps;                 /* 0: closed loop; else open loop at this rate */
    int sigfigs;
    uint64_t seed;
} RunSpec;

typedef struct RunProgress {
    long long finished;
    double latency_sum_us;
    int live_clients;
} RunProgress;

typedef struct RunResult {
    Hist *op_hist[RUN_MAX_OPS]; /* per op, merged over threads */
    Hist *all;                  /* every request */
    Hist *send_lag;             /* open loop: how late the generator sent, else NULL */
    long long finished;
    double seconds;
    int failed;                 /* 1: stopped by an error reply; 2: by an I/O error */
    char error[512];
} RunResult;

typedef struct Run Run;

/* Starts the workers, waits until every connection is up (and its AUTH/SELECT
 * answered), then starts the clock. On failure of that phase the run is still
 * returned, finished, with the error in its result. */
Run *run_start(const RunSpec *spec);
void run_progress(Run *r, RunProgress *p);
int run_is_done(Run *r);
/* Joins the workers, fills out (free with run_result_free) and frees r. */
void run_finish(Run *r, RunResult *out);
void run_result_free(RunResult *res);

#endif
