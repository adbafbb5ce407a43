/* bench_opts.h - vesper-benchmark's command line: redis-benchmark's flags plus
 * --rps, --ratio, --dist, --zipf-s, --seed, --csv-extended. */
#ifndef VESPER_BENCH_OPTS_H
#define VESPER_BENCH_OPTS_H
#include <stdint.h>
#include "bench_keys.h"

#define OPTS_MAX_THREADS 500
#define OPTS_DEFAULT_MIXED_KEYSPACE 100000

typedef struct BenchOpts {
    const char *host;
    int port;
    const char *socket;
    const char *auth, *user;
    int clients;
    long long requests;
    int datasize;
    int dbnum;
    int keepalive;
    int randomkeys;             /* -r given (or implied by --ratio/--dist) */
    long long keyspace;
    int pipeline;
    int quiet, csv, csv_extended, loop, idle, stdin_arg, resp3, tracking;
    char *tests;                /* ",set,get," lower case, or NULL for all */
    int precision;              /* histogram significant figures */
    int threads;                /* --threads as given (0: not multi-threaded) */
    uint64_t seed;
    double rps;
    unsigned ratio_get, ratio_set;  /* both 0 unless --ratio */
    KeyDistKind dist;
    int dist_given;
    double zipf_s;
    int argc;                   /* custom command, after the options */
    char **argv;
} BenchOpts;

/* Parses argv into o; prints usage and exits on --help, -v, or a bad option. */
void opts_parse(BenchOpts *o, int argc, char **argv);

#endif
