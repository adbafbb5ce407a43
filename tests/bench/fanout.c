/* fanout.c - pub/sub fan-out load generator: one publisher, N subscribers on one
 * channel, fixed-size messages; reports delivered messages per second.
 *
 * All connections live in one epoll loop. Subscribers count the bytes they
 * receive: every message frame has the same length, so delivered messages are
 * received bytes / frame length, with no parsing. The publisher pipelines PUBLISH
 * commands but keeps at most WINDOW messages ahead of the average subscriber, so
 * the server's output buffers stay small (far below the pubsub output limits) and
 * the measurement is of delivery, not of buffering.
 *
 * Phases: connect and subscribe; WARM warm-up messages; then BEFORE_CMD (a shell
 * command, e.g. callgrind_control -z), the timed run of MESSAGES messages, and
 * AFTER_CMD. The result line is machine readable:
 *   fanout subscribers=N messages=M size=S delivered=D seconds=T msgs_per_sec=R
 *
 * Usage: fanout [-h host] [-p port] [-s subscribers] [-n messages] [-d size]
 *               [-w window] [-W warmup] [-x before_cmd] [-y after_cmd]
 * Exit status 0 when every subscriber got every message, 1 otherwise. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "benchnet.h"

static const char *CHANNEL = "fanout-bench";

static void read_exact(int fd, size_t len) {
    char buf[256];
    while (len) {
        ssize_t r = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            fprintf(stderr, "fanout: connection closed while subscribing\n");
            exit(2);
        }
        len -= (size_t)r;
    }
}

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl");
}

typedef struct {
    int nsubs, window;
    int *fds;
    int pub;
    int ep;
    size_t frame;             /* bytes of one message frame */
    unsigned long long recv_bytes;
    char *cmd;                /* one encoded PUBLISH */
    size_t cmdlen;
    char *out;                /* pending publisher output */
    size_t outlen, outcap, outpos;
    int want_out;
} Bench;

static void pub_events(Bench *b, int want_out) {
    if (want_out == b->want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u64 = (uint64_t)b->nsubs};
    if (epoll_ctl(b->ep, EPOLL_CTL_MOD, b->pub, &ev) < 0) die("epoll_ctl");
    b->want_out = want_out;
}

static void flush_pub(Bench *b) {
    while (b->outpos < b->outlen) {
        ssize_t w = write(b->pub, b->out + b->outpos, b->outlen - b->outpos);
        if (w < 0) {
            if (errno == EAGAIN) break;
            if (errno == EINTR) continue;
            die("write publisher");
        }
        b->outpos += (size_t)w;
    }
    if (b->outpos == b->outlen) b->outpos = b->outlen = 0;
    pub_events(b, b->outlen > 0);
}

/* Sends `count` messages and waits until every subscriber received them. */
static double run_phase(Bench *b, long count) {
    static char rbuf[1 << 18];
    unsigned long long target = b->recv_bytes + (unsigned long long)count * b->frame * (unsigned long long)b->nsubs;
    unsigned long long base = b->recv_bytes;
    long published = 0;
    struct epoll_event evs[256];
    double t0 = now();
    while (b->recv_bytes < target) {
        /* how many messages the average subscriber has seen in this phase */
        long seen = (long)((b->recv_bytes - base) / b->frame / (unsigned long long)b->nsubs);
        long room = seen + b->window - published;
        if (room > count - published) room = count - published;
        if (room > 0 && b->outlen - b->outpos < 64 * 1024) {
            if (b->outlen + (size_t)room * b->cmdlen > b->outcap) {
                b->outcap = b->outlen + (size_t)room * b->cmdlen;
                b->out = realloc(b->out, b->outcap);
                if (!b->out) die("realloc");
            }
            for (long i = 0; i < room; i++) {
                memcpy(b->out + b->outlen, b->cmd, b->cmdlen);
                b->outlen += b->cmdlen;
            }
            published += room;
            flush_pub(b);
        }
        int n = epoll_wait(b->ep, evs, 256, 5000);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        if (n == 0) {
            fprintf(stderr, "fanout: stalled (received %llu of %llu bytes)\n", b->recv_bytes - base, target - base);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            uint64_t id = evs[i].data.u64;
            int fd = id == (uint64_t)b->nsubs ? b->pub : b->fds[id];
            if (evs[i].events & EPOLLOUT) flush_pub(b);
            if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            ssize_t r = read(fd, rbuf, sizeof(rbuf));
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                fprintf(stderr, "fanout: connection %llu closed by the server\n", (unsigned long long)id);
                return -1;
            }
            if (r > 0 && id != (uint64_t)b->nsubs) b->recv_bytes += (unsigned long long)r;
        }
    }
    return now() - t0;
}

static size_t digits(size_t v) {
    char tmp[32];
    return (size_t)snprintf(tmp, sizeof(tmp), "%zu", v);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *before = NULL, *after = NULL;
    int port = 6379, nsubs = 1000, size = 64, window = 64;
    long messages = 20000, warm = 2000;
    int opt;
    while ((opt = getopt(argc, argv, "h:p:s:n:d:w:W:x:y:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 's': nsubs = atoi(optarg); break;
        case 'n': messages = atol(optarg); break;
        case 'd': size = atoi(optarg); break;
        case 'w': window = atoi(optarg); break;
        case 'W': warm = atol(optarg); break;
        case 'x': before = optarg; break;
        case 'y': after = optarg; break;
        default:
            fprintf(stderr, "usage: fanout [-h host] [-p port] [-s subscribers] [-n messages] [-d size] "
                            "[-w window] [-W warmup] [-x before_cmd] [-y after_cmd]\n");
            return 2;
        }
    }
    if (nsubs < 1 || size < 0 || messages < 1 || window < 1) {
        fprintf(stderr, "fanout: bad arguments\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nsubs + 64) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)nsubs + 64 ? rl.rlim_max : (rlim_t)nsubs + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    Bench b = {.nsubs = nsubs, .window = window};
    size_t chlen = strlen(CHANNEL);
    b.frame = 4 + 13 + 1 + digits(chlen) + 2 + chlen + 2 + 1 + digits((size_t)size) + 2 + (size_t)size + 2;
    /* the PUBLISH command */
    char *payload = malloc((size_t)size + 1);
    memset(payload, 'x', (size_t)size);
    b.cmd = malloc(64 + chlen + (size_t)size);
    b.cmdlen = (size_t)sprintf(b.cmd, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%d\r\n", chlen, CHANNEL, size);
    memcpy(b.cmd + b.cmdlen, payload, (size_t)size);
    b.cmdlen += (size_t)size;
    memcpy(b.cmd + b.cmdlen, "\r\n", 2);
    b.cmdlen += 2;

    /* subscribe everyone (blocking, before the loop) */
    b.fds = malloc(sizeof(int) * (size_t)nsubs);
    char sub[128];
    int sublen = snprintf(sub, sizeof(sub), "*2\r\n$9\r\nSUBSCRIBE\r\n$%zu\r\n%s\r\n", chlen, CHANNEL);
    size_t confirm = 4 + 15 + 1 + digits(chlen) + 2 + chlen + 2 + 4; /* ... :1\r\n */
    for (int i = 0; i < nsubs; i++) {
        b.fds[i] = dial("fanout", host, port);
        write_all(b.fds[i], sub, (size_t)sublen);
    }
    for (int i = 0; i < nsubs; i++) read_exact(b.fds[i], confirm);
    b.pub = dial("fanout", host, port);

    b.ep = epoll_create1(0);
    if (b.ep < 0) die("epoll_create1");
    for (int i = 0; i <= nsubs; i++) {
        int fd = i == nsubs ? b.pub : b.fds[i];
        set_nonblock(fd);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(b.ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    }

    if (warm > 0 && run_phase(&b, warm) < 0) return 1;
    if (before && system(before) != 0) fprintf(stderr, "fanout: '%s' failed\n", before);
    double secs = run_phase(&b, messages);
    if (after && system(after) != 0) fprintf(stderr, "fanout: '%s' failed\n", after);
    if (secs < 0) return 1;
    unsigned long long delivered = (unsigned long long)messages * (unsigned long long)nsubs;
    printf("fanout subscribers=%d messages=%ld size=%d delivered=%llu seconds=%.3f msgs_per_sec=%.0f\n", nsubs,
           messages, size, delivered, secs, (double)delivered / secs);
    return 0;
}
