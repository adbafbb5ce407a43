/* bench_run.c - the load engine of vesper-benchmark.
 *
 * Each worker thread owns an epoll loop, a share of the connections, its own
 * random generator and one histogram per request kind; threads share nothing on
 * the hot path except one atomic counter of requests handed out (closed loop,
 * claimed a pipeline batch at a time) and relaxed progress counters the main
 * thread reads for the live line. Histograms are merged after the threads end.
 *
 * Closed loop (default): a connection sends a batch of -P requests, waits for all
 * their replies, and sends the next; latency runs from the batch's write to the
 * read that completed each reply. With -k 0 each batch uses a new connection.
 *
 * Open loop (--rps R): request i is due at t0 + i/R, whatever the server does.
 * Worker w owns requests i = w, w+T, w+2T... and sends each on a free connection
 * (at most -P outstanding per connection) when it is due; a timerfd wakes the loop
 * at the next due time. Latency runs from the *due* time, not the send time, so a
 * server that stalls is charged for the requests that queued behind the stall
 * instead of the generator quietly slowing down (no coordinated omission).
 *
 * Replies are delimited with resp_skip_reply (no allocation per reply). The first
 * byte tells errors ('-', '!') and RESP3 pushes ('>', not a reply to count).
 * Per reply cost: one scan and one histogram add; per read: one clock read. */
#include "bench_run.h"
#include "net/resp.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RUN_READ_CHUNK (16 * 1024)
#define RUN_EVENTS 256
#define RUN_TIMER_TAG UINT64_MAX
#define RUN_CONNECT_TIMEOUT_NS (15LL * 1000000000LL)
#define RUN_POLL_MS 100

enum { CS_IDLE, CS_CONNECTING, CS_UP, CS_DONE };
enum { PHASE_CONNECT, PHASE_RUN };

typedef struct Pending {
    int64_t start_ns;       /* send time (closed loop) or due time (open loop) */
    int op;
} Pending;

typedef struct Worker Worker;

typedef struct BConn {
    Worker *w;
    int idx, fd, state;
    uint32_t gen;           /* bumped on close: stale epoll events are ignored */
    int want_out, dirty, ready;
    int prefix_pending;
    OutBuf out;
    size_t opos;
    char *in;
    size_t ilen, ipos, icap;
    Pending *ring;          /* in-flight requests, oldest at rhead; capacity -P */
    int rhead, inflight;
} BConn;

struct Worker {
    Run *run;
    int id;
    pthread_t tid;
    int epfd, tfd;
    int64_t timer_at;
    int phase;
    BConn *conns;
    int nconns;
    int not_ready;          /* connect phase: connections not yet usable */
    int active;             /* closed loop: connections not retired */
    int inflight;           /* open loop: requests sent, not answered */
    BenchRng rng;
    Hist *hist[RUN_MAX_OPS];
    Hist *lag;              /* open loop: send time minus due time */
    long long finished;
    uint64_t lat_sum_us;
    atomic_llong pub_finished;
    atomic_ullong pub_lat_sum;
    atomic_int pub_live;
    int64_t t0, t_end;
    long long next, quota;  /* open loop: next own request index, how many */
    int rr;
    int *dirty;
    int ndirty;
};

struct Run {
    RunSpec spec;
    Worker *workers;
    int nworkers;
    atomic_llong issued;
    atomic_int abort;
    atomic_int running;
    pthread_mutex_t lock;
    int failed;
    char error[512];
    pthread_barrier_t ready, go;
    int64_t t0;
    uint32_t cum[RUN_MAX_OPS], weight_total;
    double ns_per_req;
};

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *run_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "Out of memory\n");
        abort();
    }
    return p;
}

static void run_fail(Run *r, int kind, const char *fmt, ...) {
    pthread_mutex_lock(&r->lock);
    if (!r->failed) {
        r->failed = kind;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->error, sizeof(r->error), fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&r->lock);
    atomic_store(&r->abort, 1);
}

static int run_aborted(Run *r) { return atomic_load_explicit(&r->abort, memory_order_relaxed); }

/* ---- connections -------------------------------------------------------- */

static void bconn_watch(BConn *c, int op, int out) {
    struct epoll_event ev = {0};
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
    ev.data.u64 = ((uint64_t)c->gen << 32) | (uint32_t)c->idx;
    epoll_ctl(c->w->epfd, op, c->fd, &ev);
    c->want_out = out;
}

static void bconn_close(BConn *c) {
    if (c->fd >= 0) {
        close(c->fd);
        atomic_fetch_sub_explicit(&c->w->pub_live, 1, memory_order_relaxed);
    }
    c->fd = -1;
    c->gen++;
    c->state = CS_IDLE;
    c->out.len = c->opos = 0;
    c->ilen = c->ipos = 0;
    c->rhead = c->inflight = 0;
    c->prefix_pending = 0;
    c->want_out = 0;
}

static void bconn_retire(BConn *c) {
    bconn_close(c);
    c->state = CS_DONE;
    c->w->active--;
}

static void bconn_flush(BConn *c) {
    while (c->opos < c->out.len) {
        ssize_t n = write(c->fd, c->out.p + c->opos, c->out.len - c->opos);
        if (n > 0) {
            c->opos += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            if (!c->want_out) bconn_watch(c, EPOLL_CTL_MOD, 1);
            return;
        } else {
            run_fail(c->w->run, 2, "Error writing to the server: %s", strerror(errno));
            return;
        }
    }
    c->out.len = c->opos = 0;
    if (c->want_out) bconn_watch(c, EPOLL_CTL_MOD, 0);
}

static void bconn_next_batch(BConn *c);

/* Connected: queue AUTH/SELECT/HELLO, and in the run phase the first batch. */
static void bconn_established(BConn *c) {
    Worker *w = c->w;
    const RunSpec *s = &w->run->spec;
    c->state = CS_UP;
    bconn_watch(c, EPOLL_CTL_MOD, 0);
    if (s->prefix_len) {
        outbuf_append(&c->out, s->prefix, s->prefix_len);
        c->prefix_pending = s->prefix_replies;
    }
    if (w->phase == PHASE_CONNECT) {
        if (!c->prefix_pending && !c->ready) {
            c->ready = 1;
            w->not_ready--;
        }
    } else if (s->rps == 0) {
        bconn_next_batch(c);
        return;
    }
    bconn_flush(c);
}

static void bconn_open(BConn *c) {
    Worker *w = c->w;
    const RunSpec *s = &w->run->spec;
    int unix_sock = s->addr->sa_family == AF_UNIX;
    int fd = socket(s->addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | (unix_sock ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) {
        run_fail(w->run, 2, "Could not connect to server at %s: %s", s->addr_text, strerror(errno));
        return;
    }
    if (!unix_sock) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    /* Unix sockets connect at once or fail with EAGAIN when the backlog is full,
     * so they connect blocking and switch to non-blocking after. */
    int rc = connect(fd, s->addr, s->addrlen);
    if (rc < 0 && errno != EINPROGRESS) {
        run_fail(w->run, 2, "Could not connect to server at %s: %s", s->addr_text, strerror(errno));
        close(fd);
        return;
    }
    if (unix_sock) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    atomic_fetch_add_explicit(&w->pub_live, 1, memory_order_relaxed);
    c->state = CS_CONNECTING;
    bconn_watch(c, EPOLL_CTL_ADD, 1);
    if (rc == 0) bconn_established(c);
}

static void bconn_check_connect(BConn *c) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err) {
        run_fail(c->w->run, 2, "Could not connect to server at %s: %s", c->w->run->spec.addr_text,
                 strerror(err));
        return;
    }
    bconn_established(c);
}

static int run_pick_op(Run *r, BenchRng *rng) {
    if (r->spec.nops == 1) return 0;
    uint32_t x = (uint32_t)brng_below(rng, r->weight_total);
    int i = 0;
    while (x >= r->cum[i]) i++;
    return i;
}

/* Appends one request of a random kind; it is due at start_ns. */
static void bconn_push_request(BConn *c, int64_t start_ns) {
    Worker *w = c->w;
    Run *r = w->run;
    int op = run_pick_op(r, &w->rng);
    tmpl_append(r->spec.ops[op].tmpl, &c->out, r->spec.keys, &w->rng);
    int slot = (c->rhead + c->inflight) % r->spec.pipeline;
    c->ring[slot].start_ns = start_ns;
    c->ring[slot].op = op;
    c->inflight++;
}

static long long run_claim(Run *r, long long want) {
    long long before = atomic_fetch_add(&r->issued, want);
    if (before >= r->spec.requests) return 0;
    long long left = r->spec.requests - before;
    return left < want ? left : want;
}

static void bconn_next_batch(BConn *c) {
    long long k = run_claim(c->w->run, c->w->run->spec.pipeline);
    if (k == 0) {
        bconn_retire(c);
        return;
    }
    int64_t now = mono_ns();
    for (long long i = 0; i < k; i++) bconn_push_request(c, now);
    bconn_flush(c);
}

/* ---- replies ------------------------------------------------------------- */

static void bconn_server_error(BConn *c, const char *p, size_t len) {
    const char *msg = p + 1;
    size_t mlen = len > 3 ? len - 3 : 0;
    if (p[0] == '!') {                       /* RESP3 blob error: skip "!<len>\r\n" */
        const char *nl = memchr(p, '\n', len);
        msg = nl ? nl + 1 : p;
        mlen = (size_t)(p + len - msg) >= 2 ? (size_t)(p + len - msg) - 2 : 0;
    }
    run_fail(c->w->run, c->prefix_pending ? 2 : 1, "Error from server: %.*s", (int)mlen, msg);
}

static void bconn_reply(BConn *c, const char *p, size_t len, int64_t now) {
    Worker *w = c->w;
    if (p[0] == '>') return;                 /* RESP3 push (tracking): not a reply */
    if (p[0] == '-' || p[0] == '!') {
        bconn_server_error(c, p, len);
        return;
    }
    if (c->prefix_pending) {
        if (--c->prefix_pending == 0 && w->phase == PHASE_CONNECT && !c->ready) {
            c->ready = 1;
            w->not_ready--;
        }
        return;
    }
    if (c->inflight == 0) {
        run_fail(w->run, 2, "Unexpected reply from the server");
        return;
    }
    Pending *pd = &c->ring[c->rhead];
    c->rhead = (c->rhead + 1) % w->run->spec.pipeline;
    c->inflight--;
    int64_t lat = now - pd->start_ns;
    uint64_t us = lat > 0 ? (uint64_t)(lat + 500) / 1000 : 0;
    hist_record(w->hist[pd->op], us);
    w->finished++;
    w->lat_sum_us += us;
    if (w->run->spec.rps > 0) w->inflight--;
}

static int bconn_fill(BConn *c) {
    if (c->icap - c->ilen < RUN_READ_CHUNK / 2) {
        size_t cap = c->icap ? c->icap : RUN_READ_CHUNK;
        while (cap - c->ilen < RUN_READ_CHUNK / 2) cap *= 2;
        char *p = realloc(c->in, cap);
        if (!p) abort();
        c->in = p;
        c->icap = cap;
    }
    ssize_t n = read(c->fd, c->in + c->ilen, c->icap - c->ilen);
    if (n > 0) {
        c->ilen += (size_t)n;
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (n == 0) run_fail(c->w->run, 2, "Error: Server closed the connection");
    else run_fail(c->w->run, 2, "Error: %s", strerror(errno));
    return -1;
}

/* What a connection does once its replies are all in. */
static void bconn_after_replies(BConn *c) {
    Worker *w = c->w;
    const RunSpec *s = &w->run->spec;
    if (w->phase != PHASE_RUN || c->inflight || c->prefix_pending || c->state != CS_UP) return;
    if (s->rps > 0) {
        if (!s->keepalive) {
            bconn_close(c);
            bconn_open(c);
        }
        return;
    }
    if (s->keepalive) {
        bconn_next_batch(c);
        return;
    }
    bconn_close(c);
    if (atomic_load(&w->run->issued) < s->requests) bconn_open(c);
    else {
        c->state = CS_DONE;
        w->active--;
    }
}

static void bconn_read(BConn *c) {
    Worker *w = c->w;
    if (bconn_fill(c) <= 0) return;
    int64_t now = mono_ns();
    long rc;
    while ((rc = resp_skip_reply(c->in + c->ipos, c->ilen - c->ipos)) > 0) {
        bconn_reply(c, c->in + c->ipos, (size_t)rc, now);
        c->ipos += (size_t)rc;
        if (run_aborted(w->run)) return;
    }
    if (rc < 0) {
        run_fail(w->run, 2, "Error: Protocol error in a reply from the server");
        return;
    }
    if (c->ipos == c->ilen) {
        c->ipos = c->ilen = 0;
    } else if (c->ipos > 0) {
        memmove(c->in, c->in + c->ipos, c->ilen - c->ipos);
        c->ilen -= c->ipos;
        c->ipos = 0;
    }
    atomic_store_explicit(&w->pub_finished, w->finished, memory_order_relaxed);
    atomic_store_explicit(&w->pub_lat_sum, w->lat_sum_us, memory_order_relaxed);
    bconn_after_replies(c);
}

static void bconn_event(BConn *c, uint32_t events) {
    uint32_t gen = c->gen;
    if (c->state == CS_CONNECTING) {
        bconn_check_connect(c);
        return;
    }
    if (c->state != CS_UP) return;
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) bconn_read(c);
    if (c->gen == gen && c->state == CS_UP && (events & EPOLLOUT) && !run_aborted(c->w->run))
        bconn_flush(c);
}

/* ---- open loop ----------------------------------------------------------- */

static int64_t worker_due(const Worker *w, long long k) {
    long long seq = w->id + k * w->run->nworkers;
    return w->t0 + (int64_t)((double)seq * w->run->ns_per_req);
}

static BConn *worker_free_conn(Worker *w) {
    int P = w->run->spec.pipeline;
    for (int i = 0; i < w->nconns; i++) {
        BConn *c = &w->conns[(w->rr + i) % w->nconns];
        if (c->state == CS_UP && c->inflight < P) {
            w->rr = (w->rr + i + 1) % w->nconns;
            return c;
        }
    }
    return NULL;
}

static void worker_arm_timer(Worker *w, int64_t at) {
    if (w->timer_at == at) return;
    struct itimerspec its = {0};
    its.it_value.tv_sec = at / 1000000000LL;
    its.it_value.tv_nsec = at % 1000000000LL;
    timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    w->timer_at = at;
}

static void worker_dispatch(Worker *w) {
    int64_t now = mono_ns();
    while (w->next < w->quota) {
        int64_t due = worker_due(w, w->next);
        if (due > now) {
            worker_arm_timer(w, due);
            break;
        }
        BConn *c = worker_free_conn(w);
        if (!c) break;                      /* replies will free a slot */
        bconn_push_request(c, due);
        hist_record(w->lag, (uint64_t)(now - due + 500) / 1000);
        w->inflight++;
        w->next++;
        if (!c->dirty) {
            c->dirty = 1;
            w->dirty[w->ndirty++] = c->idx;
        }
    }
    for (int i = 0; i < w->ndirty; i++) {
        BConn *c = &w->conns[w->dirty[i]];
        c->dirty = 0;
        if (c->state == CS_UP && !run_aborted(w->run)) bconn_flush(c);
    }
    w->ndirty = 0;
}

/* ---- worker loop ---------------------------------------------------------- */

static void worker_poll(Worker *w, int timeout_ms) {
    struct epoll_event ev[RUN_EVENTS];
    int n = epoll_wait(w->epfd, ev, RUN_EVENTS, timeout_ms);
    for (int i = 0; i < n && !run_aborted(w->run); i++) {
        if (ev[i].data.u64 == RUN_TIMER_TAG) {
            uint64_t ticks;
            if (read(w->tfd, &ticks, sizeof(ticks)) < 0) ticks = 0;
            w->timer_at = 0;
            continue;
        }
        BConn *c = &w->conns[(uint32_t)ev[i].data.u64];
        if ((uint32_t)(ev[i].data.u64 >> 32) != c->gen || c->fd < 0) continue;
        bconn_event(c, ev[i].events);
    }
}

static int worker_finished(const Worker *w) {
    if (w->run->spec.rps > 0) return w->next >= w->quota && w->inflight == 0;
    return w->active == 0;
}

static void worker_connect_phase(Worker *w) {
    int64_t deadline = mono_ns() + RUN_CONNECT_TIMEOUT_NS;
    for (int i = 0; i < w->nconns && !run_aborted(w->run); i++) bconn_open(&w->conns[i]);
    while (w->not_ready > 0 && !run_aborted(w->run)) {
        if (mono_ns() > deadline) {
            run_fail(w->run, 2, "Could not connect to server at %s: timed out", w->run->spec.addr_text);
            break;
        }
        worker_poll(w, RUN_POLL_MS);
    }
}

static void worker_run_phase(Worker *w) {
    Run *r = w->run;
    w->phase = PHASE_RUN;
    w->t0 = r->t0;
    if (r->spec.rps > 0) worker_dispatch(w);
    else
        for (int i = 0; i < w->nconns && !run_aborted(r); i++) bconn_next_batch(&w->conns[i]);
    while (!worker_finished(w) && !run_aborted(r)) {
        worker_poll(w, RUN_POLL_MS);
        if (r->spec.rps > 0 && !run_aborted(r)) worker_dispatch(w);
    }
    w->t_end = mono_ns();
}

static void *worker_main(void *arg) {
    Worker *w = arg;
    Run *r = w->run;
    worker_connect_phase(w);
    pthread_barrier_wait(&r->ready);
    pthread_barrier_wait(&r->go);
    if (!run_aborted(r)) worker_run_phase(w);
    else w->t_end = mono_ns();
    for (int i = 0; i < w->nconns; i++)
        if (w->conns[i].fd >= 0) bconn_close(&w->conns[i]);
    atomic_store_explicit(&w->pub_finished, w->finished, memory_order_relaxed);
    atomic_fetch_sub(&r->running, 1);
    return NULL;
}

/* ---- set-up and results --------------------------------------------------- */

static void worker_init(Run *r, Worker *w, int id, int nconns) {
    const RunSpec *s = &r->spec;
    w->run = r;
    w->id = id;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->tfd = -1;
    w->nconns = nconns;
    w->not_ready = nconns;
    w->active = nconns;
    w->conns = run_xcalloc((size_t)nconns, sizeof(BConn));
    w->dirty = run_xcalloc((size_t)nconns, sizeof(int));
    for (int i = 0; i < nconns; i++) {
        BConn *c = &w->conns[i];
        c->w = w;
        c->idx = i;
        c->fd = -1;
        c->ring = run_xcalloc((size_t)s->pipeline, sizeof(Pending));
    }
    brng_seed(&w->rng, s->seed + 0x9e37ULL * (uint64_t)(id + 1));
    for (int i = 0; i < s->nops; i++) w->hist[i] = hist_create(s->sigfigs);
    if (s->rps > 0) {
        w->lag = hist_create(s->sigfigs);
        w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event ev = {0};
        ev.events = EPOLLIN;
        ev.data.u64 = RUN_TIMER_TAG;
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev);
        long long n = s->requests, T = r->nworkers;
        w->quota = n > id ? (n - id + T - 1) / T : 0;
    }
}

Run *run_start(const RunSpec *spec) {
    Run *r = run_xcalloc(1, sizeof(*r));
    r->spec = *spec;
    RunSpec *s = &r->spec;
    if (s->pipeline < 1) s->pipeline = 1;
    if (s->clients < 1) s->clients = 1;
    if (s->threads < 1) s->threads = 1;
    if (s->threads > s->clients) s->threads = s->clients;
    for (int i = 0; i < s->nops; i++) {
        r->weight_total += s->ops[i].weight ? s->ops[i].weight : 1;
        r->cum[i] = r->weight_total;
    }
    if (s->rps > 0) r->ns_per_req = 1e9 / s->rps;
    pthread_mutex_init(&r->lock, NULL);
    r->nworkers = s->threads;
    atomic_store(&r->running, r->nworkers);
    pthread_barrier_init(&r->ready, NULL, (unsigned)r->nworkers + 1);
    pthread_barrier_init(&r->go, NULL, (unsigned)r->nworkers + 1);
    r->workers = run_xcalloc((size_t)r->nworkers, sizeof(Worker));
    for (int i = 0; i < r->nworkers; i++) {
        int share = s->clients / r->nworkers + (i < s->clients % r->nworkers);
        worker_init(r, &r->workers[i], i, share);
    }
    for (int i = 0; i < r->nworkers; i++) {
        if (pthread_create(&r->workers[i].tid, NULL, worker_main, &r->workers[i])) {
            fprintf(stderr, "FATAL: Failed to start thread %d.\n", i);
            exit(1);
        }
    }
    pthread_barrier_wait(&r->ready);
    r->t0 = mono_ns();
    pthread_barrier_wait(&r->go);
    return r;
}

void run_progress(Run *r, RunProgress *p) {
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < r->nworkers; i++) {
        Worker *w = &r->workers[i];
        p->finished += atomic_load_explicit(&w->pub_finished, memory_order_relaxed);
        p->latency_sum_us += (double)atomic_load_explicit(&w->pub_lat_sum, memory_order_relaxed);
        p->live_clients += atomic_load_explicit(&w->pub_live, memory_order_relaxed);
    }
}

int run_is_done(Run *r) { return atomic_load(&r->running) == 0; }

void run_finish(Run *r, RunResult *out) {
    memset(out, 0, sizeof(*out));
    const RunSpec *s = &r->spec;
    int64_t end = r->t0;
    for (int i = 0; i < r->nworkers; i++) pthread_join(r->workers[i].tid, NULL);
    out->all = hist_create(s->sigfigs);
    for (int op = 0; op < s->nops; op++) out->op_hist[op] = hist_create(s->sigfigs);
    if (s->rps > 0) out->send_lag = hist_create(s->sigfigs);
    for (int i = 0; i < r->nworkers; i++) {
        Worker *w = &r->workers[i];
        if (w->t_end > end) end = w->t_end;
        out->finished += w->finished;
        if (w->lag) {
            hist_merge(out->send_lag, w->lag);
            hist_free(w->lag);
        }
        for (int op = 0; op < s->nops; op++) {
            hist_merge(out->op_hist[op], w->hist[op]);
            hist_merge(out->all, w->hist[op]);
            hist_free(w->hist[op]);
        }
        for (int j = 0; j < w->nconns; j++) {
            outbuf_free(&w->conns[j].out);
            free(w->conns[j].in);
            free(w->conns[j].ring);
        }
        free(w->conns);
        free(w->dirty);
        close(w->epfd);
        if (w->tfd >= 0) close(w->tfd);
    }
    out->seconds = (double)(end - r->t0) / 1e9;
    out->failed = r->failed;
    memcpy(out->error, r->error, sizeof(out->error));
    pthread_barrier_destroy(&r->ready);
    pthread_barrier_destroy(&r->go);
    pthread_mutex_destroy(&r->lock);
    free(r->workers);
    free(r);
}

void run_result_free(RunResult *res) {
    hist_free(res->all);
    hist_free(res->send_lag);
    for (int i = 0; i < RUN_MAX_OPS; i++) hist_free(res->op_hist[i]);
    memset(res, 0, sizeof(*res));
}
