/* modes.c - vesper-cli's special modes, each a loop over the connection that
 * ends the process: --latency/--latency-history/--latency-dist (PING round trips),
 * --stat (rolling INFO digest), --scan, --bigkeys/--memkeys/--hotkeys (SCAN plus
 * pipelined TYPE and size queries per batch), --pipe (mass insertion of raw
 * protocol from stdin, tracking replies until a final ECHO of random bytes comes
 * back), --rdb and --functions-rdb (SYNC to fetch a snapshot, or only its
 * function libraries: REPLCONF rdb-filter-only functions), replica mode (SYNC then print the
 * command stream) and --eval. Output texts follow redis-cli's byte for byte. */
#include "cli.h"
#include "base/alloc.h"
#include "base/util.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LATENCY_SAMPLE_RATE_MS 10
#define LATENCY_HISTORY_DEFAULT_MS 15000
#define LATENCY_DIST_DEFAULT_MS 1000
#define RDB_EOF_MARK_SIZE 40
#define PIPE_WRITE_LOOP_MAX (128 * 1024)

static void modes_stop_loop(int sig) {
    (void)sig;
    cli_cancel = 1;
}

/* ---------------- latency ---------------- */

static void latency_print(long long min, long long max, double avg, long long count) {
    if (config.output == OUT_STANDARD) {
        printf("min: %lld, max: %lld, avg: %.2f (%lld samples)", min, max, avg, count);
        fflush(stdout);
    } else if (config.output == OUT_CSV) {
        printf("%lld,%lld,%.2f,%lld\n", min, max, avg, count);
    } else if (config.output == OUT_RAW) {
        printf("%lld %lld %.2f %lld\n", min, max, avg, count);
    } else {
        printf("{\"min\": %lld, \"max\": %lld, \"avg\": %.2f, \"count\": %lld}\n", min, max, avg, count);
    }
    fflush(stdout);
}

static void latency_ping(void) {
    const char *argv[1] = {"PING"};
    RespValue *r = cli_reconnecting_call(1, argv);
    resp_value_free(r);
}

void mode_latency(void) {
    long long min = 0, max = 0, tot = 0, count = 0;
    long long history_interval = config.interval_us ? config.interval_us / 1000 : LATENCY_HISTORY_DEFAULT_MS;
    long long interval_ms = config.interval_us ? config.interval_us / 1000 : 1000;
    long long history_start = mstime();
    double avg = 0;
    if (!context) exit(1);
    for (;;) {
        long long start = mstime();
        latency_ping();
        long long latency = mstime() - start;
        count++;
        if (count == 1) {
            min = max = tot = latency;
        } else {
            if (latency < min) min = latency;
            if (latency > max) max = latency;
            tot += latency;
        }
        avg = (double)tot / (double)count;
        if (config.output == OUT_STANDARD) {
            printf("\x1b[0G\x1b[2K");
            latency_print(min, max, avg, count);
        } else if (config.latency_history) {
            latency_print(min, max, avg, count);
        } else if (mstime() - history_start > interval_ms) {
            latency_print(min, max, avg, count);
            exit(0);
        }
        if (config.latency_history && mstime() - history_start > history_interval) {
            printf(" -- %.2f seconds range\n", (float)(mstime() - history_start) / 1000);
            history_start = mstime();
            min = max = tot = count = 0;
        }
        usleep(LATENCY_SAMPLE_RATE_MS * 1000);
    }
}

typedef struct DistBucket {
    long long max_us;       /* 0: everything slower (the last bucket) */
    long long count;
    char sym;
} DistBucket;

static const int dist_palette[] = {0, 233, 234, 235, 237, 239, 241, 243, 245, 247, 144, 143, 142, 184, 226, 214, 208, 202, 196};
#define DIST_PALETTE_LEN ((int)(sizeof(dist_palette) / sizeof(dist_palette[0])))

static void latency_dist_legend(void) {
    printf("---------------------------------------------\n");
    printf(". - * #          .01 .125 .25 .5 milliseconds\n");
    printf("1,2,3,...,9      from 1 to 9     milliseconds\n");
    printf("A,B,C,D,E        10,20,30,40,50  milliseconds\n");
    printf("F,G,H,I,J        .1,.2,.3,.4,.5       seconds\n");
    printf("K,L,M,N,O,P,Q,?  1,2,4,8,16,30,60,>60 seconds\n");
    printf("From 0 to 100%%: ");
    for (int j = 0; j < DIST_PALETTE_LEN; j++) printf("\033[48;5;%dm ", dist_palette[j]);
    printf("\033[0m\n");
    printf("---------------------------------------------\n");
}

static void latency_dist_show(DistBucket *b, long long tot) {
    printf("\033[38;5;0m");
    for (int j = 0;; j++) {
        int idx = (int)ceil((double)b[j].count / (double)tot * (DIST_PALETTE_LEN - 1));
        printf("\033[48;5;%dm%c", dist_palette[idx], b[j].sym);
        b[j].count = 0;
        if (b[j].max_us == 0) break;
    }
    printf("\033[0m\n");
    fflush(stdout);
}

void mode_latency_dist(void) {
    DistBucket b[] = {
        {10, 0, '.'}, {125, 0, '-'}, {250, 0, '*'}, {500, 0, '#'}, {1000, 0, '1'}, {2000, 0, '2'},
        {3000, 0, '3'}, {4000, 0, '4'}, {5000, 0, '5'}, {6000, 0, '6'}, {7000, 0, '7'}, {8000, 0, '8'},
        {9000, 0, '9'}, {10000, 0, 'A'}, {20000, 0, 'B'}, {30000, 0, 'C'}, {40000, 0, 'D'}, {50000, 0, 'E'},
        {100000, 0, 'F'}, {200000, 0, 'G'}, {300000, 0, 'H'}, {400000, 0, 'I'}, {500000, 0, 'J'},
        {1000000, 0, 'K'}, {2000000, 0, 'L'}, {4000000, 0, 'M'}, {8000000, 0, 'N'}, {16000000, 0, 'O'},
        {30000000, 0, 'P'}, {60000000, 0, 'Q'}, {0, 0, '?'},
    };
    long long interval_ms = config.interval_us ? config.interval_us / 1000 : LATENCY_DIST_DEFAULT_MS;
    long long start_period = ustime(), count = 0;
    int outputs = 0;
    if (!context) exit(1);
    for (;;) {
        long long start = ustime();
        latency_ping();
        long long latency = ustime() - start;
        count++;
        for (int j = 0;; j++) {
            if (b[j].max_us == 0 || latency <= b[j].max_us) {
                b[j].count++;
                break;
            }
        }
        if ((ustime() - start_period) / 1000 > interval_ms) {
            if ((outputs++ % 20) == 0) latency_dist_legend();
            latency_dist_show(b, count);
            start_period = ustime();
            count = 0;
        }
        usleep(LATENCY_SAMPLE_RATE_MS * 1000);
    }
}

/* Sends a command whose failure ends the program (as redis-cli's modes do): an
 * I/O error, an error reply (printed through errfmt) or a reply of another type
 * than want (printed as nontype) exits with status 1. want 0 accepts any type. */
static RespValue *call_or_exit(int argc, const char **argv, const size_t *lens, const char *errfmt,
                               RespType want, const char *nontype) {
    RespValue *r = cli_call(argc, argv, lens);
    if (!r) {
        fprintf(stderr, "\nI/O error\n");
        exit(1);
    }
    if (errfmt && r->type == RESP_ERROR) {
        fprintf(stderr, errfmt, r->str);
        exit(1);
    }
    if (want && r->type != want) {
        fprintf(stderr, "%s\n", nontype);
        exit(1);
    }
    return r;
}

/* ---------------- replication: --rdb and replica mode ---------------- */

static int replconf(const char *a, const char *b) {
    fprintf(stderr, "sending REPLCONF %s %s\n", a, b);
    const char *argv[3] = {"REPLCONF", a, b};
    RespValue *r = call_or_exit(3, argv, NULL, NULL, 0, NULL);
    int ok = 1;
    if (r->type == RESP_ERROR) {
        fprintf(stderr, "REPLCONF %s error: %s\n", a, r->str);
        ok = 0;
    }
    resp_value_free(r);
    return ok;
}

static ssize_t read_some(int fd, char *buf, size_t len) {
    ssize_t n;
    do n = read(fd, buf, len); while (n < 0 && errno == EINTR);
    return n;
}

/* Sends SYNC and reads the "$<len>" or "$EOF:<mark>" header. Returns the payload
 * length, or 0 when the payload ends with the 40-byte mark written to eofmark. */
static unsigned long long send_sync(char *eofmark) {
    conn_append_raw(context, "SYNC\r\n", 6);
    if (conn_flush(context) < 0) {
        fprintf(stderr, "Error writing to master\n");
        exit(1);
    }
    char buf[4096];
    size_t n = 0;
    for (;;) {
        if (read_some(context->fd, buf + n, 1) <= 0) {
            fprintf(stderr, "Error reading bulk length while SYNCing\n");
            exit(1);
        }
        if (buf[n] == '\n' && n != 0) break;
        if (buf[n] != '\n' && n < sizeof(buf) - 2) n++; /* skips the newlines of keepalives */
    }
    buf[n] = '\0';
    if (n && buf[n - 1] == '\r') buf[n - 1] = '\0';
    if (buf[0] == '-') {
        fprintf(stderr, "SYNC with master failed: %s\n", buf);
        exit(1);
    }
    if (!strncmp(buf + 1, "EOF:", 4) && strlen(buf + 5) >= RDB_EOF_MARK_SIZE) {
        memcpy(eofmark, buf + 5, RDB_EOF_MARK_SIZE);
        return 0;
    }
    return strtoull(buf + 1, NULL, 10);
}

/* Keeps the last RDB_EOF_MARK_SIZE bytes seen; 1 when they equal the mark. */
static int eof_mark_seen(char *last, const char *mark, const char *buf, size_t n) {
    if (n >= RDB_EOF_MARK_SIZE) {
        memcpy(last, buf + n - RDB_EOF_MARK_SIZE, RDB_EOF_MARK_SIZE);
    } else {
        memmove(last, last + n, RDB_EOF_MARK_SIZE - n);
        memcpy(last + RDB_EOF_MARK_SIZE - n, buf, n);
    }
    return memcmp(last, mark, RDB_EOF_MARK_SIZE) == 0;
}

void mode_rdb(void) {
    char eofmark[RDB_EOF_MARK_SIZE], last[RDB_EOF_MARK_SIZE] = {0};
    replconf("capa", "eof");
    replconf("rdb-only", "1");
    if (config.functions_rdb_mode && !replconf("rdb-filter-only", "functions")) {
        fprintf(stderr, "Failed requesting functions only RDB from server, aborting\n");
        exit(1);
    }
    unsigned long long payload = send_sync(eofmark);
    int usemark = payload == 0;
    const char *filename = config.rdb_filename;
    if (usemark) {
        payload = ULLONG_MAX;
        fprintf(stderr, "SYNC sent to master, writing bytes of bulk transfer until EOF marker to '%s'\n", filename);
    } else {
        fprintf(stderr, "SYNC sent to master, writing %llu bytes to '%s'\n", payload, filename);
    }
    int to_stdout = !strcmp(filename, "-");
    int fd = to_stdout ? STDOUT_FILENO : open(filename, O_CREAT | O_WRONLY, 0644);
    if (fd == -1) {
        fprintf(stderr, "Error opening '%s': %s\n", filename, strerror(errno));
        exit(1);
    }
    char buf[4096];
    while (payload) {
        ssize_t nread = read_some(context->fd, buf, payload > sizeof(buf) ? sizeof(buf) : payload);
        if (nread <= 0) {
            fprintf(stderr, "I/O Error reading RDB payload from socket\n");
            exit(1);
        }
        ssize_t nwritten = write(fd, buf, (size_t)nread);
        if (nwritten != nread) {
            fprintf(stderr, "Error writing data to file: %s\n", nwritten == -1 ? strerror(errno) : "short write");
            exit(1);
        }
        payload -= (unsigned long long)nread;
        if (usemark && eof_mark_seen(last, eofmark, buf, (size_t)nread)) break;
    }
    if (usemark) {
        payload = ULLONG_MAX - payload - RDB_EOF_MARK_SIZE;
        if (!to_stdout && ftruncate(fd, (off_t)payload) == -1) fprintf(stderr, "ftruncate failed: %s.\n", strerror(errno));
        fprintf(stderr, "Transfer finished with success after %llu bytes\n", payload);
    } else {
        fprintf(stderr, "Transfer finished with success.\n");
    }
    cli_disconnect();
    if (!to_stdout && fsync(fd) == -1) {
        fprintf(stderr, "Fail to fsync '%s': %s\n", filename, strerror(errno));
        exit(1);
    }
    close(fd);
    exit(0);
}

void mode_slave(void) {
    char eofmark[RDB_EOF_MARK_SIZE], last[RDB_EOF_MARK_SIZE] = {0};
    unsigned long long payload = send_sync(eofmark);
    int usemark = payload == 0;
    if (usemark) {
        payload = ULLONG_MAX;
        fprintf(stderr, "SYNC with master, discarding bytes of bulk transfer until EOF marker...\n");
    } else {
        fprintf(stderr, "SYNC with master, discarding %llu bytes of bulk transfer...\n", payload);
    }
    char buf[1024];
    while (payload) {
        ssize_t nread = read_some(context->fd, buf, payload > sizeof(buf) ? sizeof(buf) : payload);
        if (nread <= 0) {
            fprintf(stderr, "Error reading RDB payload while SYNCing\n");
            exit(1);
        }
        payload -= (unsigned long long)nread;
        if (usemark && eof_mark_seen(last, eofmark, buf, (size_t)nread)) break;
    }
    if (usemark) {
        fprintf(stderr, "SYNC done after %llu bytes. Logging commands from master.\n", ULLONG_MAX - payload);
        sleep(1);
        replconf("ACK", "0");
    } else {
        fprintf(stderr, "SYNC done. Logging commands from master.\n");
    }
    int saved = config.output;
    config.output = OUT_CSV;
    while (cli_read_reply(0) == 0 && context) {}
    config.output = saved;
}

/* ---------------- --pipe ---------------- */

typedef struct PipeState {
    long long errors, replies;
    int eof, done;
    char magic[20];
    time_t last_read;
} PipeState;

static void pipe_read_replies(PipeState *ps) {
    for (;;) {
        RespValue *r;
        int rc = conn_try_read_reply(context, &r);
        if (rc < 0) {
            fprintf(stderr, "Error reading replies from server\n");
            exit(1);
        }
        if (rc == 0) return;
        ps->last_read = time(NULL);
        if (r->type == RESP_ERROR) {
            fprintf(stderr, "%s\n", r->str);
            ps->errors++;
        } else if (ps->eof && r->type == RESP_STRING && r->len == 20 && !memcmp(r->str, ps->magic, 20)) {
            printf("Last reply received from server.\n");
            ps->done = 1;
            ps->replies--;
        }
        ps->replies++;
        resp_value_free(r);
    }
}

/* Moves stdin to the socket; returns when the socket is full, stdin ended or
 * PIPE_WRITE_LOOP_MAX bytes went out. */
static void pipe_write(PipeState *ps, char *obuf, size_t *olen, size_t *opos) {
    size_t loop_written = 0;
    for (;;) {
        if (*olen) {
            ssize_t n = send(context->fd, obuf + *opos, *olen, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0) {
                if (errno != EAGAIN && errno != EINTR) {
                    fprintf(stderr, "Error writing to the server: %s\n", strerror(errno));
                    exit(1);
                }
                n = 0;
            }
            *olen -= (size_t)n;
            *opos += (size_t)n;
            loop_written += (size_t)n;
            if (*olen) break;
        }
        if (*olen == 0 && !ps->eof) {
            ssize_t n = read(STDIN_FILENO, obuf, 16 * 1024);
            if (n == 0) {
                /* the leading CRLF resynchronises after garbage input; Redis ignores it */
                char echo[] = "\r\n*2\r\n$4\r\nECHO\r\n$20\r\n01234567890123456789\r\n";
                ps->eof = 1;
                for (int j = 0; j < 20; j++) ps->magic[j] = (char)(rand() & 0xff);
                memcpy(echo + 21, ps->magic, 20);
                memcpy(obuf, echo, sizeof(echo) - 1);
                *olen = sizeof(echo) - 1;
                *opos = 0;
                printf("All data transferred. Waiting for the last reply...\n");
                fflush(stdout);
            } else if (n < 0) {
                if (errno == EINTR) continue;
                fprintf(stderr, "Error reading from stdin: %s\n", strerror(errno));
                exit(1);
            } else {
                *olen = (size_t)n;
                *opos = 0;
            }
        }
        if ((*olen == 0 && ps->eof) || loop_written > PIPE_WRITE_LOOP_MAX) break;
    }
}

void mode_pipe(void) {
    PipeState ps = {0};
    char obuf[16 * 1024 + 64];
    size_t olen = 0, opos = 0;
    ps.last_read = time(NULL);
    srand((unsigned)(time(NULL) ^ getpid()));
    while (!ps.done) {
        struct pollfd p = {.fd = context->fd, .events = POLLIN};
        if (!ps.eof || olen) p.events |= POLLOUT;
        int n = poll(&p, 1, 1000);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "poll: %s\n", strerror(errno));
            exit(1);
        }
        if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) pipe_read_replies(&ps);
        if (n > 0 && (p.revents & POLLOUT)) pipe_write(&ps, obuf, &olen, &opos);
        if (ps.eof && config.pipe_timeout > 0 && time(NULL) - ps.last_read > config.pipe_timeout) {
            fprintf(stderr, "No replies for %d seconds: exiting.\n", config.pipe_timeout);
            ps.errors++;
            break;
        }
    }
    printf("errors: %lld, replies: %lld\n", ps.errors, ps.replies);
    exit(ps.errors ? 1 : 0);
}

/* ---------------- SCAN based modes ---------------- */

static RespValue *send_scan(unsigned long long *cursor) {
    char cur[32], count[32];
    snprintf(cur, sizeof(cur), "%llu", *cursor);
    const char *argv[7] = {"SCAN", cur};
    size_t lens[7] = {4, strlen(cur)};
    int argc = 2;
    if (config.pattern) {
        argv[argc] = "MATCH"; lens[argc++] = 5;
        argv[argc] = config.pattern; lens[argc++] = sds_len(config.pattern);
    }
    if (config.scan_count > 0) {
        snprintf(count, sizeof(count), "%ld", config.scan_count);
        argv[argc] = "COUNT"; lens[argc++] = 5;
        argv[argc] = count; lens[argc++] = strlen(count);
    }
    RespValue *r = call_or_exit(argc, argv, lens, "SCAN error: %s\n", RESP_ARRAY, "Non ARRAY response from SCAN!");
    if (r->elements != 2 || r->element[0]->type != RESP_STRING || r->element[1]->type != RESP_ARRAY) {
        fprintf(stderr, "Invalid element count from SCAN!\n");
        exit(1);
    }
    *cursor = strtoull(r->element[0]->str, NULL, 10);
    return r;
}

void mode_scan(void) {
    unsigned long long cursor = 0;
    signal(SIGINT, modes_stop_loop);
    do {
        RespValue *r = send_scan(&cursor);
        const RespValue *keys = r->element[1];
        for (size_t j = 0; j < keys->elements; j++) {
            const RespValue *k = keys->element[j];
            if (config.output == OUT_STANDARD) {
                Sds out = sds_catrepr(sds_empty(), k->str, k->len);
                printf("%s\n", out);
                sds_free(out);
            } else {
                fwrite(k->str, 1, k->len, stdout);
                fputc('\n', stdout);
            }
        }
        resp_value_free(r);
        if (config.interval_us) usleep((useconds_t)config.interval_us);
    } while (!cli_cancel && cursor != 0);
    exit(0);
}

static long long get_dbsize(void) {
    const char *argv[1] = {"DBSIZE"};
    RespValue *r = call_or_exit(1, argv, NULL, "Couldn't determine DBSIZE: %s\n", RESP_INTEGER,
                                "Non INTEGER response from DBSIZE!");
    long long n = r->integer;
    resp_value_free(r);
    return n;
}

typedef struct TypeInfo {
    Sds name;
    const char *sizecmd;     /* NULL for types without a size command */
    const char *sizeunit;
    unsigned long long biggest, count, totalsize;
    Sds biggest_key;
} TypeInfo;

typedef struct TypeTable {
    TypeInfo *t;
    int n, cap;
} TypeTable;

static TypeInfo *types_add(TypeTable *tt, const char *name, const char *sizecmd, const char *unit) {
    if (tt->n == tt->cap) {
        tt->cap = tt->cap ? tt->cap * 2 : 8;
        tt->t = vrealloc(tt->t, sizeof(TypeInfo) * (size_t)tt->cap);
    }
    TypeInfo *ti = &tt->t[tt->n++];
    memset(ti, 0, sizeof(*ti));
    ti->name = sds_new(name);
    ti->sizecmd = sizecmd;
    ti->sizeunit = unit;
    return ti;
}

static int types_find(TypeTable *tt, const char *name) {
    for (int i = 0; i < tt->n; i++)
        if (!strcmp(tt->t[i].name, name)) return i;
    return -1;
}

/* Pipelines TYPE for every key; types[i] is an index into tt, -1 for vanished keys. */
static void get_key_types(TypeTable *tt, const RespValue *keys, int *types) {
    for (size_t i = 0; i < keys->elements; i++) {
        const char *argv[2] = {"TYPE", keys->element[i]->str};
        size_t lens[2] = {4, keys->element[i]->len};
        conn_append_argv(context, 2, argv, lens);
    }
    for (size_t i = 0; i < keys->elements; i++) {
        RespValue *r;
        if (conn_read_reply(context, &r) < 0) {
            fprintf(stderr, "Error getting type for key '%s' (%d: %s)\n", keys->element[i]->str, 1, context->err);
            exit(1);
        }
        if (r->type != RESP_STATUS) {
            if (r->type == RESP_ERROR) fprintf(stderr, "TYPE returned an error: %s\n", r->str);
            else fprintf(stderr, "Invalid reply type (%d) for TYPE on key '%s'!\n", r->type, keys->element[i]->str);
            exit(1);
        }
        int idx = types_find(tt, r->str);
        if (idx < 0 && strcmp(r->str, "none") != 0) {
            types_add(tt, r->str, NULL, "?");
            idx = tt->n - 1;
        }
        types[i] = idx;
        resp_value_free(r);
    }
}

static int size_skipped(TypeTable *tt, int type, int memkeys) {
    return type < 0 || (!tt->t[type].sizecmd && !memkeys);
}

static void get_key_sizes(TypeTable *tt, const RespValue *keys, const int *types, unsigned long long *sizes,
                          int memkeys) {
    char samples[32];
    snprintf(samples, sizeof(samples), "%u", config.memkeys_samples);
    for (size_t i = 0; i < keys->elements; i++) {
        if (size_skipped(tt, types[i], memkeys)) continue;
        const RespValue *k = keys->element[i];
        if (!memkeys) {
            const char *argv[2] = {tt->t[types[i]].sizecmd, k->str};
            size_t lens[2] = {strlen(argv[0]), k->len};
            conn_append_argv(context, 2, argv, lens);
        } else {
            const char *argv[5] = {"MEMORY", "USAGE", k->str, "SAMPLES", samples};
            size_t lens[5] = {6, 5, k->len, 7, strlen(samples)};
            conn_append_argv(context, config.memkeys_samples ? 5 : 3, argv, lens);
        }
    }
    for (size_t i = 0; i < keys->elements; i++) {
        sizes[i] = 0;
        if (size_skipped(tt, types[i], memkeys)) continue;
        RespValue *r;
        if (conn_read_reply(context, &r) < 0) {
            fprintf(stderr, "Error getting size for key '%s' (%d: %s)\n", keys->element[i]->str, 1, context->err);
            exit(1);
        }
        if (r->type != RESP_INTEGER) {
            fprintf(stderr, "Warning:  %s on '%s' failed (may have changed type)\n",
                    !memkeys ? tt->t[types[i]].sizecmd : "MEMORY USAGE", keys->element[i]->str);
        } else {
            sizes[i] = (unsigned long long)r->integer;
        }
        resp_value_free(r);
    }
}

static void bigkeys_update(TypeTable *tt, const RespValue *keys, const int *types,
                           const unsigned long long *sizes, int memkeys, double pct,
                           unsigned long long *sampled, unsigned long long *totlen) {
    for (size_t i = 0; i < keys->elements; i++) {
        if (types[i] < 0) continue;
        TypeInfo *ti = &tt->t[types[i]];
        ti->totalsize += sizes[i];
        ti->count++;
        *totlen += keys->element[i]->len;
        (*sampled)++;
        if (ti->biggest < sizes[i]) {
            if (ti->biggest_key) sds_free(ti->biggest_key);
            ti->biggest_key = sds_catrepr(sds_empty(), keys->element[i]->str, keys->element[i]->len);
            printf("[%05.2f%%] Biggest %-6s found so far '%s' with %llu %s\n", pct, ti->name, ti->biggest_key,
                   sizes[i], !memkeys ? ti->sizeunit : "bytes");
            ti->biggest = sizes[i];
        }
        if (*sampled % 1000000 == 0) printf("[%05.2f%%] Sampled %llu keys so far\n", pct, *sampled);
    }
}

static void bigkeys_summary(TypeTable *tt, int memkeys, double pct, unsigned long long sampled,
                            unsigned long long totlen) {
    printf("\n-------- summary -------\n\n");
    if (cli_cancel) printf("[%05.2f%%] ", pct);
    printf("Sampled %llu keys in the keyspace!\n", sampled);
    printf("Total key length in bytes is %llu (avg len %.2f)\n\n", totlen,
           totlen ? (double)totlen / (double)sampled : 0);
    for (int i = 0; i < tt->n; i++) {
        TypeInfo *ti = &tt->t[i];
        if (ti->biggest_key)
            printf("Biggest %6s found '%s' has %llu %s\n", ti->name, ti->biggest_key, ti->biggest,
                   !memkeys ? ti->sizeunit : "bytes");
    }
    printf("\n");
    for (int i = 0; i < tt->n; i++) {
        TypeInfo *ti = &tt->t[i];
        printf("%llu %ss with %llu %s (%05.2f%% of keys, avg size %.2f)\n", ti->count, ti->name, ti->totalsize,
               !memkeys ? ti->sizeunit : "bytes", sampled ? 100 * (double)ti->count / (double)sampled : 0,
               ti->count ? (double)ti->totalsize / (double)ti->count : 0);
    }
}

void mode_bigkeys(int memkeys) {
    TypeTable tt = {0};
    /* listed in the order redis-cli's summary shows them */
    types_add(&tt, "list", "LLEN", "items");
    types_add(&tt, "hash", "HLEN", "fields");
    types_add(&tt, "string", "STRLEN", "bytes");
    types_add(&tt, "stream", "XLEN", "entries");
    types_add(&tt, "set", "SCARD", "members");
    types_add(&tt, "zset", "ZCARD", "members");
    signal(SIGINT, modes_stop_loop);
    long long total_keys = get_dbsize();
    printf("\n# Scanning the entire keyspace to find biggest keys as well as\n");
    printf("# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n");
    printf("# per 100 SCAN commands (not usually needed).\n\n");
    unsigned long long sampled = 0, totlen = 0, cursor = 0, loops = 0;
    double pct = 0;
    int *types = NULL;
    unsigned long long *sizes = NULL;
    size_t arrsize = 0;
    do {
        pct = 100 * (double)sampled / (double)total_keys;
        RespValue *r = send_scan(&cursor);
        loops++;
        const RespValue *keys = r->element[1];
        if (keys->elements > arrsize) {
            arrsize = keys->elements;
            types = vrealloc(types, sizeof(int) * arrsize);
            sizes = vrealloc(sizes, sizeof(unsigned long long) * arrsize);
        }
        get_key_types(&tt, keys, types);
        get_key_sizes(&tt, keys, types, sizes, memkeys);
        bigkeys_update(&tt, keys, types, sizes, memkeys, pct, &sampled, &totlen);
        if (config.interval_us && loops % 100 == 0) usleep((useconds_t)config.interval_us);
        resp_value_free(r);
    } while (!cli_cancel && cursor != 0);
    vfree(types);
    vfree(sizes);
    bigkeys_summary(&tt, memkeys, pct, sampled, totlen);
    exit(0);
}

#define HOTKEYS_SAMPLE 16

static void get_key_freqs(const RespValue *keys, unsigned long long *freqs) {
    for (size_t i = 0; i < keys->elements; i++) {
        const char *argv[3] = {"OBJECT", "FREQ", keys->element[i]->str};
        size_t lens[3] = {6, 4, keys->element[i]->len};
        conn_append_argv(context, 3, argv, lens);
    }
    for (size_t i = 0; i < keys->elements; i++) {
        RespValue *r;
        Sds name = sds_catrepr(sds_empty(), keys->element[i]->str, keys->element[i]->len);
        if (conn_read_reply(context, &r) < 0) {
            fprintf(stderr, "Error getting freq for key '%s' (%d: %s)\n", name, 1, context->err);
            exit(1);
        }
        freqs[i] = 0;
        if (r->type == RESP_ERROR) {
            fprintf(stderr, "Error: %s\n", r->str);
            exit(1);
        } else if (r->type != RESP_INTEGER) {
            fprintf(stderr, "Warning: OBJECT freq on '%s' failed (may have been deleted)\n", name);
        } else {
            freqs[i] = (unsigned long long)r->integer;
        }
        sds_free(name);
        resp_value_free(r);
    }
}

/* Keeps the HOTKEYS_SAMPLE highest counters, ascending, in counters/hotkeys. */
static void hotkeys_offer(unsigned long long *counters, Sds *hotkeys, unsigned long long freq,
                          const RespValue *key, double pct) {
    int k = 0;
    while (k < HOTKEYS_SAMPLE && freq > counters[k]) k++;
    if (k == 0) return;
    k--;
    if (k == 0 || counters[k] == 0) {
        if (hotkeys[k]) sds_free(hotkeys[k]);
    } else {
        if (hotkeys[0]) sds_free(hotkeys[0]);
        memmove(counters, counters + 1, sizeof(counters[0]) * (size_t)k);
        memmove(hotkeys, hotkeys + 1, sizeof(hotkeys[0]) * (size_t)k);
    }
    counters[k] = freq;
    hotkeys[k] = sds_catrepr(sds_empty(), key->str, key->len);
    printf("[%05.2f%%] Hot key '%s' found so far with counter %llu\n", pct, hotkeys[k], freq);
}

void mode_hotkeys(void) {
    unsigned long long counters[HOTKEYS_SAMPLE] = {0};
    Sds hotkeys[HOTKEYS_SAMPLE] = {NULL};
    unsigned long long sampled = 0, cursor = 0, loops = 0, *freqs = NULL;
    size_t arrsize = 0;
    double pct = 0;
    signal(SIGINT, modes_stop_loop);
    long long total_keys = get_dbsize();
    printf("\n# Scanning the entire keyspace to find hot keys as well as\n");
    printf("# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n");
    printf("# per 100 SCAN commands (not usually needed).\n\n");
    do {
        pct = 100 * (double)sampled / (double)total_keys;
        RespValue *r = send_scan(&cursor);
        loops++;
        const RespValue *keys = r->element[1];
        if (keys->elements > arrsize) {
            arrsize = keys->elements;
            freqs = vrealloc(freqs, sizeof(unsigned long long) * arrsize);
        }
        get_key_freqs(keys, freqs);
        for (size_t i = 0; i < keys->elements; i++) {
            sampled++;
            if (sampled % 1000000 == 0) printf("[%05.2f%%] Sampled %llu keys so far\n", pct, sampled);
            hotkeys_offer(counters, hotkeys, freqs[i], keys->element[i], pct);
        }
        if (config.interval_us && loops % 100 == 0) usleep((useconds_t)config.interval_us);
        resp_value_free(r);
    } while (!cli_cancel && cursor != 0);
    vfree(freqs);
    printf("\n-------- summary -------\n\n");
    if (cli_cancel) printf("[%05.2f%%] ", pct);
    printf("Sampled %llu keys in the keyspace!\n", sampled);
    for (int i = 1; i <= HOTKEYS_SAMPLE; i++) {
        int k = HOTKEYS_SAMPLE - i;
        if (counters[k] > 0) {
            printf("hot key found with counter: %llu\tkeyname: %s\n", counters[k], hotkeys[k]);
            sds_free(hotkeys[k]);
        }
    }
    exit(0);
}

/* ---------------- --stat ---------------- */

/* INFO field value as a long (LONG_MIN when missing); a value ends at CR or ','. */
static long info_field_long(const char *info, const char *field) {
    const char *p = strstr(info, field);
    if (!p) return LONG_MIN;
    p += strlen(field) + 1;
    return strtol(p, NULL, 10);
}

static void bytes_to_human(char *s, size_t size, long long n) {
    const char *sign = "";
    if (n < 0) {
        sign = "-";
        n = -n;
    }
    if (n < 1024) snprintf(s, size, "%s%lldB", sign, n);
    else if (n < 1024LL * 1024) snprintf(s, size, "%s%.2fK", sign, (double)n / 1024);
    else if (n < 1024LL * 1024 * 1024) snprintf(s, size, "%s%.2fM", sign, (double)n / (1024 * 1024));
    else if (n < 1024LL * 1024 * 1024 * 1024) snprintf(s, size, "%s%.2fG", sign, (double)n / (1024LL * 1024 * 1024));
    else snprintf(s, size, "%s%.2fT", sign, (double)n / (1024LL * 1024 * 1024 * 1024));
}

static void stat_line(const char *info, long *requests) {
    char buf[64];
    long aux = 0;
    for (int j = 0; j < 20; j++) {
        char field[48];
        snprintf(field, sizeof(field), "db%d:keys", j);
        long k = info_field_long(info, field);
        if (k != LONG_MIN) aux += k;
    }
    snprintf(buf, sizeof(buf), "%ld", aux);
    printf("%-11s", buf);
    bytes_to_human(buf, sizeof(buf), info_field_long(info, "used_memory"));
    printf("%-8s", buf);
    snprintf(buf, sizeof(buf), "%ld", info_field_long(info, "connected_clients"));
    printf(" %-8s", buf);
    snprintf(buf, sizeof(buf), "%ld", info_field_long(info, "blocked_clients"));
    printf("%-8s", buf);
    aux = info_field_long(info, "total_commands_processed");
    snprintf(buf, sizeof(buf), "%ld (+%ld)", aux, *requests == 0 ? 0 : aux - *requests);
    printf("%-19s", buf);
    *requests = aux;
    snprintf(buf, sizeof(buf), "%ld", info_field_long(info, "total_connections_received"));
    printf(" %-12s", buf);
    aux = info_field_long(info, "bgsave_in_progress");
    aux |= info_field_long(info, "aof_rewrite_in_progress") << 1;
    aux |= info_field_long(info, "loading") << 2;
    static const char *child[] = {"", "SAVE", "AOF", "SAVE+AOF", "LOAD"};
    if (aux >= 0 && aux <= 4) printf("%s", child[aux]);
    printf("\n");
}

void mode_stat(void) {
    long requests = 0;
    for (int i = 0;; i++) {
        const char *argv[1] = {"INFO"};
        RespValue *r = cli_reconnecting_call(1, argv);
        if (r->type == RESP_ERROR) {
            fprintf(stderr, "ERROR: %s\n", r->str);
            exit(1);
        }
        if (i % 20 == 0) {
            printf("------- data ------ --------------------- load -------------------- - child -\n"
                   "keys       mem      clients blocked requests            connections          \n");
        }
        stat_line(r->str ? r->str : "", &requests);
        fflush(stdout);
        resp_value_free(r);
        usleep((useconds_t)config.interval_us);
    }
}

/* ---------------- --eval ---------------- */

int mode_eval(int argc, char **argv) {
    FILE *fp = fopen(config.eval, "r");
    if (!fp) {
        fprintf(stderr, "Can't open file '%s': %s\n", config.eval, strerror(errno));
        exit(1);
    }
    Sds script = sds_empty();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) != 0) script = sds_catlen(script, buf, n);
    fclose(fp);
    Sds *argv2 = vmalloc(sizeof(Sds) * (size_t)(argc + 3));
    int got_comma = 0, keys = 0, argc2 = 3;
    argv2[0] = sds_new("EVAL");
    argv2[1] = script;
    for (int j = 0; j < argc; j++) {
        if (!got_comma && !strcmp(argv[j], ",")) {
            got_comma = 1;
            continue;
        }
        argv2[argc2++] = sds_new(argv[j]);
        if (!got_comma) keys++;
    }
    argv2[2] = sds_fromll(keys);
    int rc = cli_issue_command(argc2, argv2, config.repeat);
    for (int j = 0; j < argc2; j++) sds_free(argv2[j]);
    vfree(argv2);
    return rc == 0 ? 0 : 1;
}
