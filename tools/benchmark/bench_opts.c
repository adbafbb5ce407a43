/* bench_opts.c - command-line parsing and --help for vesper-benchmark.
 *
 * Flags follow redis-benchmark 7.0 (same names, same defaults, the first word
 * that does not start with '-' begins a custom command). Numeric arguments are
 * checked: a malformed number is reported like a missing argument instead of
 * silently becoming 0. Runs once at start-up; nothing here is on a hot path. */
#include "bench_opts.h"
#include "base/version.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *opts_usage_text =
"Usage: vesper-benchmark [OPTIONS] [COMMAND ARGS...]\n"
"\n"
"Load generator for Vesper and Redis servers (redis-benchmark compatible).\n"
"\n"
"Connection:\n"
" -h <hostname>      Server hostname (default 127.0.0.1)\n"
" -p <port>          Server port (default 6379)\n"
" -s <socket>        Server Unix socket (overrides host and port)\n"
" -a <password>      Password for AUTH\n"
" --user <username>  Send ACL-style 'AUTH username password'. Needs -a.\n"
" -u <uri>           Server URI: redis://[user[:password]@]host[:port][/db]\n"
" --dbnum <db>       SELECT this database number first (default 0)\n"
" -3                 Use RESP3 (sends HELLO 3 on every connection)\n"
" --enable-tracking  Send CLIENT TRACKING on before the benchmark\n"
"\n"
"Load:\n"
" -c <clients>       Connections open in parallel (default 50)\n"
" -n <requests>      Requests per test, over all connections (default 100000)\n"
" -d <size>          Bytes in each value written by the suite (default 3)\n"
" -k <boolean>       1=keep alive 0=reconnect for every batch (default 1)\n"
" -r <keyspacelen>   Randomise keys: every __rand_int__ inside an argument is\n"
"                    replaced by a 12-digit number in [0, keyspacelen), drawn\n"
"                    anew for each request (the suite's SET/GET/INCR keys, SADD\n"
"                    and HSET elements, ZADD scores and members use it). Without\n"
"                    -r the placeholder is sent literally: one key for all.\n"
" -P <numreq>        Pipeline <numreq> requests (default 1: no pipelining).\n"
"                    With --rps: the most requests outstanding per connection.\n"
" --threads <num>    Generate load from <num> threads, each with its own event\n"
"                    loop and share of the connections.\n"
" -t <tests>         Only run the comma separated list of tests. The names are\n"
"                    the ones printed in the output (ping, lrange select groups).\n"
"                    Ignored when a command is given on the command line.\n"
" -x                 Read the last argument of the command from standard input.\n"
" -l                 Loop: run the tests forever.\n"
" -I                 Idle mode: open N idle connections and wait.\n"
"\n"
"Beyond redis-benchmark:\n"
" --rps <rate>       Open-loop mode: send <rate> requests per second in total on\n"
"                    a fixed schedule, whatever the server's speed. Latency counts\n"
"                    from each request's scheduled time, so stalls are not hidden\n"
"                    (no coordinated omission). -n still sets the request count.\n"
" --ratio <g>:<s>    Mixed workload instead of the test suite: GET and SET of\n"
"                    key:__rand_int__ in proportion g:s (e.g. 9:1) over the key\n"
"                    space of -r (default 100000 keys). Reported as a whole and\n"
"                    per command.\n"
" --dist <name>      Key choice for __rand_int__: uniform (default) or zipfian.\n"
"                    Implies -r 100000 when -r is not given. With zipfian, key 0\n"
"                    is the hottest, then key 1, and so on.\n"
" --zipf-s <s>       Zipf exponent (default 0.99): higher is more skewed.\n"
" --seed <n>         Seed of the random keys, for reproducible key sequences.\n"
"\n"
"Output:\n"
" -q                 Quiet: one line per test, its rate and median latency\n"
" --csv              Output in CSV format (same columns as redis-benchmark)\n"
" --csv-extended     CSV with two more columns: p99.9 and p99.99 latency\n"
" --precision <n>    Significant figures kept by the latency histogram, 1-4\n"
"                    (default 3: every value within 0.1%)\n"
" --help             Output this help and exit.\n"
" -v, --version      Output version and exit.\n"
"\n"
"The full report (without -q or --csv) shows the latency percentile ladder, the\n"
"cumulative distribution and a summary with p50, p95, p99, p99.9, p99.99 and max.\n"
"On a terminal a progress line is updated while a test runs (with -q too).\n"
"\n"
"Examples:\n"
"\n"
" The whole suite against the local server, one line per test:\n"
"   $ vesper-benchmark -q\n"
"\n"
" A remote server, 20 connections, 100k requests per test:\n"
"   $ vesper-benchmark -h 192.168.1.1 -p 6379 -c 20 -n 100000\n"
"\n"
" Write about a million distinct keys with the SET test only:\n"
"   $ vesper-benchmark -t set -n 1000000 -r 100000000\n"
"\n"
" PING, SET and GET as CSV:\n"
"   $ vesper-benchmark -t ping,set,get --csv\n"
"\n"
" Measure one command of your own:\n"
"   $ vesper-benchmark -n 10000 -r 10000 incrby counter:__rand_int__ 5\n"
"\n"
" Push 10000 random elements onto a list:\n"
"   $ vesper-benchmark -r 10000 -n 10000 rpush mylist __rand_int__\n"
"\n"
" 90% reads on a zipfian key space at a fixed 50000 requests per second:\n"
"   $ vesper-benchmark --ratio 9:1 -r 1000000 --dist zipfian --rps 50000 -n 500000\n"
"\n"
" Four load threads, 16-deep pipelines:\n"
"   $ vesper-benchmark --threads 4 -c 200 -P 16 -t set,get -q\n";

static void opts_usage(int status) {
    fputs(opts_usage_text, stdout);
    exit(status);
}

static void opts_invalid(const char *opt) {
    printf("Invalid option \"%s\" or option argument missing\n\n", opt);
    opts_usage(1);
}

static long long opts_int(const char *opt, const char *s, long long min, long long max) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) opts_invalid(opt);
    if (v < min) v = min;
    if (v > max) v = max;
    return v;
}

static double opts_double(const char *opt, const char *s) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0)) opts_invalid(opt);
    return v;
}

static void opts_ratio(BenchOpts *o, const char *s) {
    char *end;
    unsigned long g = strtoul(s, &end, 10);
    if (end == s || *end != ':') opts_invalid("--ratio");
    const char *p = end + 1;
    unsigned long st = strtoul(p, &end, 10);
    if (end == p || *end || g + st == 0 || g > 1000000 || st > 1000000) opts_invalid("--ratio");
    o->ratio_get = (unsigned)g;
    o->ratio_set = (unsigned)st;
}

static char *opts_strndup(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* redis://[user[:password]@]host[:port][/db] (rediss:// is refused: no TLS). */
static void opts_uri(BenchOpts *o, const char *uri) {
    const char *p = uri;
    if (!strncmp(p, "redis://", 8)) p += 8;
    else if (!strncmp(p, "vesper://", 9)) p += 9;
    else {
        fprintf(stderr, "Invalid URI scheme\n");
        exit(1);
    }
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon) {
            if (colon > p) o->user = opts_strndup(p, (size_t)(colon - p));
            o->auth = opts_strndup(colon + 1, (size_t)(at - colon - 1));
        } else {
            o->auth = opts_strndup(p, (size_t)(at - p));
        }
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    const char *hend = slash ? slash : p + strlen(p);
    const char *colon = memchr(p, ':', (size_t)(hend - p));
    if (colon) {
        o->port = atoi(colon + 1);
        hend = colon;
    }
    if (hend > p) o->host = opts_strndup(p, (size_t)(hend - p));
    if (slash && slash[1]) o->dbnum = atoi(slash + 1);
}

static void opts_defaults(BenchOpts *o) {
    memset(o, 0, sizeof(*o));
    o->host = "127.0.0.1";
    o->port = 6379;
    o->clients = 50;
    o->requests = 100000;
    o->datasize = 3;
    o->keepalive = 1;
    o->pipeline = 1;
    o->precision = 3;
    o->zipf_s = 0.99;
    o->dist = KEYDIST_UNIFORM;
    o->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
}

static void opts_tests(BenchOpts *o, const char *list) {
    size_t n = strlen(list);
    o->tests = malloc(n + 3);
    if (!o->tests) abort();
    o->tests[0] = ',';
    for (size_t i = 0; i < n; i++) o->tests[i + 1] = (char)tolower((unsigned char)list[i]);
    o->tests[n + 1] = ',';
    o->tests[n + 2] = '\0';
}

/* Options taking an argument; returns 1 if handled. */
static int opts_with_arg(BenchOpts *o, const char *opt, const char *arg) {
    if (!strcmp(opt, "-c")) o->clients = (int)opts_int(opt, arg, 1, 1000000);
    else if (!strcmp(opt, "-n")) o->requests = opts_int(opt, arg, 0, (long long)1 << 60);
    else if (!strcmp(opt, "-k")) o->keepalive = opts_int(opt, arg, 0, 1) != 0;
    else if (!strcmp(opt, "-h")) o->host = arg;
    else if (!strcmp(opt, "-p")) o->port = (int)opts_int(opt, arg, 0, 65535);
    else if (!strcmp(opt, "-s")) o->socket = arg;
    else if (!strcmp(opt, "-a")) o->auth = arg;
    else if (!strcmp(opt, "--user")) o->user = arg;
    else if (!strcmp(opt, "-u")) opts_uri(o, arg);
    else if (!strcmp(opt, "-d")) o->datasize = (int)opts_int(opt, arg, 1, 1024 * 1024 * 1024);
    else if (!strcmp(opt, "-P")) o->pipeline = (int)opts_int(opt, arg, 1, 1000000);
    else if (!strcmp(opt, "-r")) {
        o->randomkeys = 1;
        o->keyspace = opts_int(opt, arg, 0, (long long)1 << 62);
    } else if (!strcmp(opt, "-t")) opts_tests(o, arg);
    else if (!strcmp(opt, "--dbnum")) o->dbnum = (int)opts_int(opt, arg, 0, 1 << 30);
    else if (!strcmp(opt, "--precision")) o->precision = (int)opts_int(opt, arg, 1, 4);
    else if (!strcmp(opt, "--threads")) {
        long long t = opts_int(opt, arg, 0, 1 << 20);
        if (t > OPTS_MAX_THREADS) {
            fprintf(stderr, "WARNING: Too many threads, limiting threads to %d.\n", OPTS_MAX_THREADS);
            t = OPTS_MAX_THREADS;
        }
        o->threads = (int)t;
    } else if (!strcmp(opt, "--seed")) o->seed = (uint64_t)opts_int(opt, arg, 0, INT64_MAX);
    else if (!strcmp(opt, "--rps")) o->rps = opts_double(opt, arg);
    else if (!strcmp(opt, "--ratio")) opts_ratio(o, arg);
    else if (!strcmp(opt, "--zipf-s")) o->zipf_s = opts_double(opt, arg);
    else if (!strcmp(opt, "--dist")) {
        if (!strcasecmp(arg, "uniform")) o->dist = KEYDIST_UNIFORM;
        else if (!strcasecmp(arg, "zipfian") || !strcasecmp(arg, "zipf")) o->dist = KEYDIST_ZIPFIAN;
        else opts_invalid(opt);
        o->dist_given = 1;
    } else return 0;
    return 1;
}

/* Flags without an argument; returns 1 if handled. */
static int opts_flag(BenchOpts *o, const char *opt) {
    if (!strcmp(opt, "-q")) o->quiet = 1;
    else if (!strcmp(opt, "--csv")) o->csv = 1;
    else if (!strcmp(opt, "--csv-extended")) o->csv = o->csv_extended = 1;
    else if (!strcmp(opt, "-l")) o->loop = 1;
    else if (!strcmp(opt, "-I")) o->idle = 1;
    else if (!strcmp(opt, "-x")) o->stdin_arg = 1;
    else if (!strcmp(opt, "-3")) o->resp3 = 1;
    else if (!strcmp(opt, "--enable-tracking")) o->tracking = 1;
    else if (!strcmp(opt, "-e"))
        fprintf(stderr, "WARNING: -e option has no effect: "
                        "a test always stops at its first error reply.\n");
    else return 0;
    return 1;
}

void opts_parse(BenchOpts *o, int argc, char **argv) {
    opts_defaults(o);
    int i;
    for (i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--help")) opts_usage(0);
        if (!strcmp(opt, "-v") || !strcmp(opt, "--version")) {
            printf("vesper-benchmark %s (Redis %s compatible)\n", VESPER_OWN_VERSION, VESPER_VERSION);
            exit(0);
        }
        if (opts_flag(o, opt)) continue;
        if (i + 1 < argc && opts_with_arg(o, opt, argv[i + 1])) {
            i++;
            continue;
        }
        if (opt[0] == '-') opts_invalid(opt);
        break;                              /* the custom command starts here */
    }
    o->argc = argc - i;
    o->argv = argv + i;
    if (o->dist_given && !o->randomkeys) {
        o->randomkeys = 1;
        o->keyspace = OPTS_DEFAULT_MIXED_KEYSPACE;
    }
}
