/* bench_main.c - vesper-benchmark: resolves the server, probes it (AUTH/SELECT,
 * CONFIG GET save/appendonly for the report header), then runs the default test
 * suite of redis-benchmark 7.0, a custom command, or the --ratio mixed workload,
 * one test at a time through the load engine (bench_run), and prints each
 * result (bench_report).
 *
 * A test that gets an error reply stops there: the error is printed as
 * redis-benchmark prints it ("Error from server: ...") and the next test runs, so
 * a server without some data type still gets the rest of the suite measured; the
 * exit status is then 1. Connection-level failures end the program. */
#include "bench_keys.h"
#include "bench_opts.h"
#include "bench_report.h"
#include "bench_run.h"
#include "bench_tmpl.h"
#include "../common/conn.h"
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef struct Bench {
    BenchOpts o;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char addr_text[300];
    OutBuf prefix;
    int prefix_replies;
    KeyDist keys;
    char keyspace_desc[128];
    ReportInfo ri;
    int progress;               /* live line: stdout is a terminal, not CSV */
    int exit_code;
} Bench;

/* ---- server address -------------------------------------------------------- */

static int bench_try_connect(const struct sockaddr *sa, socklen_t len, int *err) {
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *err = errno;
        return 0;
    }
    int ok = connect(fd, sa, len) == 0;
    if (!ok && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, 5000) == 1) {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            ok = soerr == 0;
            errno = soerr;
        } else {
            errno = ETIMEDOUT;
        }
    }
    *err = errno;
    close(fd);
    return ok;
}

static void bench_cannot_connect(Bench *b, const char *why) {
    fprintf(stderr, "Could not connect to server at %s: %s\n", b->addr_text, why);
    exit(1);
}

/* Picks the first address of the host that accepts a connection. */
static void bench_resolve(Bench *b) {
    const BenchOpts *o = &b->o;
    if (o->socket) {
        struct sockaddr_un *un = (struct sockaddr_un *)&b->addr;
        snprintf(b->addr_text, sizeof(b->addr_text), "%s", o->socket);
        if (strlen(o->socket) >= sizeof(un->sun_path)) bench_cannot_connect(b, "socket path too long");
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, o->socket);
        b->addrlen = sizeof(*un);
        return;
    }
    snprintf(b->addr_text, sizeof(b->addr_text), "%s:%d", o->host, o->port);
    struct addrinfo hints = {0}, *res, *ai;
    hints.ai_socktype = SOCK_STREAM;
    char port[16];
    snprintf(port, sizeof(port), "%d", o->port);
    int rc = getaddrinfo(o->host, port, &hints, &res);
    if (rc) bench_cannot_connect(b, gai_strerror(rc));
    int err = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        if (bench_try_connect(ai->ai_addr, ai->ai_addrlen, &err)) break;
    }
    if (!ai) {
        freeaddrinfo(res);
        bench_cannot_connect(b, strerror(err));
    }
    memcpy(&b->addr, ai->ai_addr, ai->ai_addrlen);
    b->addrlen = ai->ai_addrlen;
    freeaddrinfo(res);
}

/* ---- prefix commands and the probe connection ------------------------------ */

static void bench_prefix_cmd(Bench *b, int argc, const char **argv) {
    Tmpl *t = tmpl_from_argv(argc, argv, NULL);
    outbuf_append(&b->prefix, t->bytes, t->len);
    tmpl_free(t);
    b->prefix_replies++;
}

static void bench_build_prefix(Bench *b) {
    const BenchOpts *o = &b->o;
    char db[16];
    if (o->auth && o->user) bench_prefix_cmd(b, 3, (const char *[]){"AUTH", o->user, o->auth});
    else if (o->auth) bench_prefix_cmd(b, 2, (const char *[]){"AUTH", o->auth});
    if (o->tracking) bench_prefix_cmd(b, 3, (const char *[]){"CLIENT", "TRACKING", "on"});
    if (o->dbnum) {
        snprintf(db, sizeof(db), "%d", o->dbnum);
        bench_prefix_cmd(b, 2, (const char *[]){"SELECT", db});
    }
    if (o->resp3) bench_prefix_cmd(b, 2, (const char *[]){"HELLO", "3"});
}

static Conn *bench_connect_blocking(Bench *b) {
    char err[256];
    Conn *c = b->o.socket ? conn_connect_unix(b->o.socket, 5000, err, sizeof(err))
                          : conn_connect_tcp(b->o.host, b->o.port, 5000, err, sizeof(err));
    if (!c) bench_cannot_connect(b, err);
    conn_set_io_timeout(c, 10000);
    return c;
}

/* Sends the prefix on a blocking connection; an error reply ends the program. */
static void bench_send_prefix(Bench *b, Conn *c) {
    if (!b->prefix.len) return;
    conn_append_raw(c, b->prefix.p, b->prefix.len);
    for (int i = 0; i < b->prefix_replies; i++) {
        RespValue *v = NULL;
        if (conn_read_reply(c, &v) < 0) bench_cannot_connect(b, c->err);
        if (v->type == RESP_ERROR) {
            fprintf(stderr, "Error from server: %s\n", v->str);
            exit(1);
        }
        resp_value_free(v);
    }
}

static char *bench_config_get(Conn *c, const char *name) {
    RespValue *v = conn_callv(c, "CONFIG", "GET", name, NULL);
    char *out = NULL;
    if (v && (v->type == RESP_ARRAY || v->type == RESP_MAP) && v->elements >= 2 &&
        v->element[1]->str)
        out = strdup(v->element[1]->str);
    resp_value_free(v);
    return out;
}

static void bench_probe(Bench *b) {
    Conn *c = bench_connect_blocking(b);
    bench_send_prefix(b, c);
    b->ri.cfg_save = bench_config_get(c, "save");
    b->ri.cfg_appendonly = b->ri.cfg_save ? bench_config_get(c, "appendonly") : NULL;
    if (!b->ri.cfg_save || !b->ri.cfg_appendonly) {
        fprintf(stderr, "WARNING: Could not fetch server CONFIG\n");
        free((char *)b->ri.cfg_save);
        b->ri.cfg_save = NULL;
    }
    conn_close(c);
}

static void bench_idle(Bench *b) {
    printf("Creating %d idle connections and waiting forever (Ctrl+C when done)\n", b->o.clients);
    fflush(stdout);
    for (int i = 0; i < b->o.clients; i++) bench_send_prefix(b, bench_connect_blocking(b));
    for (;;) pause();
}

/* ---- running one test --------------------------------------------------------- */

static void bench_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static Run *bench_start(Bench *b, const RunOp *ops, int nops) {
    const BenchOpts *o = &b->o;
    RunSpec s = {0};
    s.addr = (const struct sockaddr *)&b->addr;
    s.addrlen = b->addrlen;
    s.addr_text = b->addr_text;
    s.prefix = b->prefix.p;
    s.prefix_len = b->prefix.len;
    s.prefix_replies = b->prefix_replies;
    memcpy(s.ops, ops, sizeof(RunOp) * (size_t)nops);
    s.nops = nops;
    s.keys = o->randomkeys ? &b->keys : NULL;
    s.requests = o->requests;
    s.clients = o->clients;
    s.pipeline = o->pipeline;
    s.keepalive = o->keepalive;
    s.threads = o->threads > 0 ? o->threads : 1;
    s.rps = o->rps;
    s.sigfigs = o->precision;
    s.seed = o->seed;
    return run_start(&s);
}

/* Waits for the run, drawing the progress line every 250 ms on a terminal. */
static void bench_wait(Bench *b, Run *r, const char *title) {
    ProgressLine pl = {0};
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ticks = 0;
    while (!run_is_done(r)) {
        bench_sleep_ms(10);
        if (!b->progress || ++ticks % 25) continue;
        RunProgress p;
        run_progress(r, &p);
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
        report_progress(&pl, title, &p, el, b->o.requests);
    }
    report_progress_clear(&pl);
}

/* Runs one test of nops request kinds; opnames label the per-kind rows. */
static void bench_test(Bench *b, const char *title, const RunOp *ops, const char **opnames,
                       int nops, int datasize) {
    Run *r = bench_start(b, ops, nops);
    bench_wait(b, r, title);
    RunResult res;
    run_finish(r, &res);
    if (res.failed) {
        fprintf(stderr, "%s\n", res.error);
        b->exit_code = 1;
        if (res.failed == 2) exit(1);
        run_result_free(&res);
        return;
    }
    b->ri.datasize = datasize;
    b->ri.send_lag = res.send_lag;
    report_result(&b->ri, title, res.all, res.seconds);
    for (int i = 0; nops > 1 && i < nops; i++) {
        char sub[256];
        snprintf(sub, sizeof(sub), "%s (%s)", title, opnames[i]);
        report_result(&b->ri, sub, res.op_hist[i], res.seconds);
    }
    b->ri.send_lag = NULL;
    run_result_free(&res);
}

static void bench_cmd(Bench *b, const char *title, int argc, const char **argv) {
    Tmpl *t = tmpl_from_argv(argc, argv, NULL);
    RunOp op = {t, 1};
    bench_test(b, title, &op, NULL, 1, b->o.datasize);
    tmpl_free(t);
}

/* ---- workloads ------------------------------------------------------------------ */

static int bench_selected(const Bench *b, const char *name) {
    char buf[64];
    if (!b->o.tests) return 1;
    snprintf(buf, sizeof(buf), ",%s,", name);
    return strstr(b->o.tests, buf) != NULL;
}

static void bench_lrange_tests(Bench *b, const char *data) {
    static const char *const counts[] = {"100", "300", "500", "600"};
    int any = bench_selected(b, "lrange");
    char name[32], title[64], last[16];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "lrange_%s", counts[i]);
        any |= bench_selected(b, name);
    }
    if (!any) return;
    bench_cmd(b, "LPUSH (needed to benchmark LRANGE)", 3, (const char *[]){"LPUSH", "mylist", data});
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "lrange_%s", counts[i]);
        if (!bench_selected(b, "lrange") && !bench_selected(b, name)) continue;
        snprintf(title, sizeof(title), "LRANGE_%s (first %s elements)", counts[i], counts[i]);
        snprintf(last, sizeof(last), "%d", atoi(counts[i]) - 1);
        bench_cmd(b, title, 4, (const char *[]){"LRANGE", "mylist", "0", last});
    }
}

static void bench_mset(Bench *b, const char *data) {
    const char *argv[21];
    argv[0] = "MSET";
    for (int i = 1; i < 21; i += 2) {
        argv[i] = "key:__rand_int__";
        argv[i + 1] = data;
    }
    bench_cmd(b, "MSET (10 keys)", 21, argv);
}

static void bench_suite(Bench *b, const char *data) {
#define SEL(name) bench_selected(b, name)
#define CMD(title, ...) bench_cmd(b, title, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), \
                                  (const char *[]){__VA_ARGS__})
    if (SEL("ping_inline") || SEL("ping")) {
        Tmpl *t = tmpl_from_raw("PING\r\n", 6);
        RunOp op = {t, 1};
        bench_test(b, "PING_INLINE", &op, NULL, 1, b->o.datasize);
        tmpl_free(t);
    }
    if (SEL("ping_mbulk") || SEL("ping")) CMD("PING_MBULK", "PING");
    if (SEL("set")) CMD("SET", "SET", "key:__rand_int__", data);
    if (SEL("get")) CMD("GET", "GET", "key:__rand_int__");
    if (SEL("incr")) CMD("INCR", "INCR", "counter:__rand_int__");
    if (SEL("lpush")) CMD("LPUSH", "LPUSH", "mylist", data);
    if (SEL("rpush")) CMD("RPUSH", "RPUSH", "mylist", data);
    if (SEL("lpop")) CMD("LPOP", "LPOP", "mylist");
    if (SEL("rpop")) CMD("RPOP", "RPOP", "mylist");
    if (SEL("sadd")) CMD("SADD", "SADD", "myset", "element:__rand_int__");
    if (SEL("hset")) CMD("HSET", "HSET", "myhash", "element:__rand_int__", data);
    if (SEL("spop")) CMD("SPOP", "SPOP", "myset");
    if (SEL("zadd")) CMD("ZADD", "ZADD", "myzset", b->o.randomkeys ? "__rand_int__" : "0", "element:__rand_int__");
    if (SEL("zpopmin")) CMD("ZPOPMIN", "ZPOPMIN", "myzset");
    bench_lrange_tests(b, data);
    if (SEL("mset")) bench_mset(b, data);
#undef CMD
#undef SEL
}

static void bench_mixed(Bench *b, const char *data) {
    char title[64];
    Tmpl *get = tmpl_from_argv(2, (const char *[]){"GET", "key:__rand_int__"}, NULL);
    Tmpl *set = tmpl_from_argv(3, (const char *[]){"SET", "key:__rand_int__", data}, NULL);
    RunOp ops[2] = {{get, b->o.ratio_get}, {set, b->o.ratio_set}};
    const char *names[2] = {"GET", "SET"};
    snprintf(title, sizeof(title), "GET/SET %u:%u", b->o.ratio_get, b->o.ratio_set);
    if (!b->o.ratio_get) bench_test(b, title, &ops[1], &names[1], 1, b->o.datasize);
    else if (!b->o.ratio_set) bench_test(b, title, &ops[0], &names[0], 1, b->o.datasize);
    else bench_test(b, title, ops, names, 2, b->o.datasize);
    tmpl_free(get);
    tmpl_free(set);
}

static char *bench_read_stdin(size_t *len) {
    OutBuf buf = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) outbuf_append(&buf, chunk, n);
    outbuf_append(&buf, "", 1);
    *len = buf.len - 1;
    return buf.p;
}

static void bench_custom(Bench *b) {
    int argc = b->o.argc;
    const char **argv = calloc((size_t)argc + 1, sizeof(char *));
    size_t *lens = calloc((size_t)argc + 1, sizeof(size_t));
    OutBuf title = {0};
    for (int i = 0; i < argc; i++) {
        argv[i] = b->o.argv[i];
        lens[i] = strlen(argv[i]);
        if (i) outbuf_append(&title, " ", 1);
        outbuf_append(&title, argv[i], lens[i]);
    }
    outbuf_append(&title, "", 1);
    if (b->o.stdin_arg) {
        argv[argc] = bench_read_stdin(&lens[argc]);
        argc++;
    }
    Tmpl *t = tmpl_from_argv(argc, argv, lens);
    RunOp op = {t, 1};
    do bench_test(b, title.p, &op, NULL, 1, (int)t->len);
    while (b->o.loop);
    tmpl_free(t);
    outbuf_free(&title);
    if (b->o.stdin_arg) free((char *)argv[argc - 1]);
    free(argv);
    free(lens);
}

/* ---- set-up ------------------------------------------------------------------------ */

static void bench_raise_fd_limit(int clients) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return;
    rlim_t want = (rlim_t)clients + 64;
    if (rl.rlim_cur >= want) return;
    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static void bench_setup_keys(Bench *b) {
    BenchOpts *o = &b->o;
    if ((o->ratio_get || o->ratio_set) && !o->randomkeys) {
        o->randomkeys = 1;
        o->keyspace = OPTS_DEFAULT_MIXED_KEYSPACE;
    }
    keydist_init(&b->keys, o->dist, (uint64_t)o->keyspace, o->zipf_s);
    if (!o->randomkeys) return;
    if (o->dist == KEYDIST_ZIPFIAN)
        snprintf(b->keyspace_desc, sizeof(b->keyspace_desc), "%lld keys, zipfian (s=%.2f)", o->keyspace, o->zipf_s);
    else
        snprintf(b->keyspace_desc, sizeof(b->keyspace_desc), "%lld keys, uniform", o->keyspace);
    b->ri.keyspace = b->keyspace_desc;
}

static void bench_setup_report(Bench *b) {
    const BenchOpts *o = &b->o;
    b->ri.mode = o->csv ? REPORT_CSV : o->quiet ? REPORT_QUIET : REPORT_FULL;
    b->ri.csv_extended = o->csv_extended;
    b->ri.clients = o->clients;
    b->ri.keepalive = o->keepalive;
    b->ri.pipeline = o->pipeline;
    b->ri.threads = o->threads;
    b->ri.rps_target = o->rps;
    /* as redis-benchmark: the live line in the full and the -q report, not in CSV */
    b->progress = b->ri.mode != REPORT_CSV && isatty(STDOUT_FILENO);
}

/* Value bytes for SET/LPUSH/...: printable, varied, reproducible. */
static char *bench_data(const BenchOpts *o) {
    char *data = malloc((size_t)o->datasize + 1);
    if (!data) abort();
    BenchRng rng;
    brng_seed(&rng, 1234);
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < o->datasize; i++) data[i] = alphabet[brng_below(&rng, sizeof(alphabet) - 1)];
    data[o->datasize] = '\0';
    return data;
}

static void bench_warnings(const Bench *b) {
    const BenchOpts *o = &b->o;
    if (!o->keepalive)
        fprintf(stderr, "WARNING: Keepalive disabled. Each batch opens a new connection; with many "
                        "requests you may run out of local ports (on Linux: "
                        "'echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse').\n");
    if ((o->argc > 0 || o->ratio_get || o->ratio_set) && o->tests)
        fprintf(stderr, "WARNING: Option -t is ignored.\n");
}

int main(int argc, char **argv) {
    static Bench b;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    opts_parse(&b.o, argc, argv);
    if ((b.o.ratio_get || b.o.ratio_set) && b.o.argc > 0) {
        fprintf(stderr, "--ratio runs its own GET/SET workload: it cannot be combined with a command\n");
        return 1;
    }
    bench_raise_fd_limit(b.o.clients);
    bench_setup_keys(&b);
    bench_setup_report(&b);
    bench_resolve(&b);
    bench_build_prefix(&b);
    bench_probe(&b);
    bench_warnings(&b);
    if (b.o.idle) bench_idle(&b);
    if (b.o.csv) report_csv_header(&b.ri);
    if (b.o.argc > 0) {
        bench_custom(&b);
        return b.exit_code;
    }
    char *data = bench_data(&b.o);
    do {
        if (b.o.ratio_get || b.o.ratio_set) bench_mixed(&b, data);
        else bench_suite(&b, data);
        if (!b.o.csv) printf("\n");
        fflush(stdout);
    } while (b.o.loop);
    free(data);
    return b.exit_code;
}
