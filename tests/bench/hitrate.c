/* hitrate.c - cache hit-rate load generator for maxmemory eviction: a zipfian
 * GET-then-SET-on-miss workload, the way a cache in front of a database is used.
 *
 * The key of each request is drawn from a Zipf distribution (exponent -s, default
 * 0.99) over -k distinct keys ("key:<rank>", rank 1 the most popular) by
 * rejection-inversion sampling (Hörmann and Derflinger's method: O(1) per draw, no
 * table); all draws are made before the run from a fixed seed, so every server sees
 * the same sequence. Requests go in pipelined batches of -b GETs on one
 * connection; the misses of a batch are then SET (with -d byte values) in one more
 * pipelined batch. The first -w requests warm the cache up (fill it to the limit);
 * hits and misses are counted over the following -n.
 * Result line (machine readable):
 *   hitrate requests=N hits=H misses=M hit_rate=R set_errors=E seconds=T ops_per_sec=O
 *
 * Usage: hitrate [-h host] [-p port] [-k keys] [-s exponent] [-n requests]
 *                [-w warmup] [-b batch] [-d size] [-S seed]
 * Exit status 0 on success, 2 on a connection or protocol error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchnet.h"
#include "zipf.h"

/* ---------------- the connection ---------------- */

static int fd;
static char *in;
static size_t in_len, in_pos, in_cap;

static void fill(void) {
    if (in_pos > 0 && in_pos == in_len) in_pos = in_len = 0;
    if (in_len == in_cap) {
        if (in_pos > 0) {
            memmove(in, in + in_pos, in_len - in_pos);
            in_len -= in_pos;
            in_pos = 0;
        } else {
            in_cap = in_cap ? in_cap * 2 : 1 << 20;
            in = realloc(in, in_cap);
            if (!in) die("realloc");
        }
    }
    ssize_t r = read(fd, in + in_len, in_cap - in_len);
    if (r <= 0) {
        if (r < 0 && errno == EINTR) return;
        fprintf(stderr, "hitrate: connection closed\n");
        exit(2);
    }
    in_len += (size_t)r;
}

/* The next reply line (without CRLF); *len its length. */
static const char *read_line(size_t *len) {
    for (;;) {
        char *nl = in_len > in_pos ? memchr(in + in_pos, '\n', in_len - in_pos) : NULL;
        if (nl) {
            const char *line = in + in_pos;
            *len = (size_t)(nl - line) - 1;
            in_pos = (size_t)(nl - in) + 1;
            return line;
        }
        fill();
    }
}

static void skip_bytes(size_t n) {
    while (in_len - in_pos < n) fill();
    in_pos += n;
}

/* One GET reply: 1 for a value, 0 for nil. */
static int read_get(void) {
    size_t len;
    const char *l = read_line(&len);
    if (l[0] == '$') {
        long n = strtol(l + 1, NULL, 10);
        if (n < 0) return 0;
        skip_bytes((size_t)n + 2);
        return 1;
    }
    if (l[0] == '_') return 0;
    fprintf(stderr, "hitrate: unexpected GET reply: %.*s\n", (int)len, l);
    exit(2);
}

/* One SET reply: 0 for +OK, 1 for an error (-OOM ...). */
static int read_set(void) {
    size_t len;
    const char *l = read_line(&len);
    return l[0] == '-';
}

static size_t cat_cmd(char *out, const char *cmd, uint32_t key, const char *val, size_t vlen) {
    char k[24];
    int kl = snprintf(k, sizeof(k), "key:%u", key);
    size_t n;
    if (val) {
        n = (size_t)sprintf(out, "*3\r\n$%zu\r\n%s\r\n$%d\r\n%s\r\n$%zu\r\n", strlen(cmd), cmd, kl, k, vlen);
        memcpy(out + n, val, vlen);
        n += vlen;
        memcpy(out + n, "\r\n", 2);
        return n + 2;
    }
    return (size_t)sprintf(out, "*2\r\n$%zu\r\n%s\r\n$%d\r\n%s\r\n", strlen(cmd), cmd, kl, k);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 6379, batch = 256, size = 100;
    uint64_t keys = 10000000, requests = 4000000, warmup = 4000000, seed = 12345;
    double s = 0.99;
    int opt;
    while ((opt = getopt(argc, argv, "h:p:k:s:n:w:b:d:S:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'k': keys = strtoull(optarg, NULL, 10); break;
        case 's': s = atof(optarg); break;
        case 'n': requests = strtoull(optarg, NULL, 10); break;
        case 'w': warmup = strtoull(optarg, NULL, 10); break;
        case 'b': batch = atoi(optarg); break;
        case 'd': size = atoi(optarg); break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: hitrate [-h host] [-p port] [-k keys] [-s exponent] [-n requests] "
                            "[-w warmup] [-b batch] [-d size] [-S seed]\n");
            return 2;
        }
    }
    if (keys < 2 || keys > UINT32_MAX || batch < 1 || size < 1 || s <= 0) {
        fprintf(stderr, "hitrate: bad arguments\n");
        return 2;
    }
    uint64_t total = warmup + requests;
    uint32_t *draws = malloc(total * sizeof(*draws));
    if (!draws) die("malloc");
    Zipf z;
    zipf_init(&z, s, keys);
    rng_state = seed;
    for (uint64_t i = 0; i < total; i++) draws[i] = zipf_draw(&z);

    fd = dial("hitrate", host, port);

    char *val = malloc((size_t)size);
    if (!val) die("malloc");
    memset(val, 'v', (size_t)size);
    char *out = malloc((size_t)batch * ((size_t)size + 96));
    uint32_t *missed = malloc((size_t)batch * sizeof(*missed));
    if (!out || !missed) die("malloc");

    uint64_t hits = 0, misses = 0, set_errors = 0;
    double t0 = now(), tm = t0;
    for (uint64_t i = 0; i < total;) {
        if (i == warmup) {
            hits = misses = set_errors = 0;
            tm = now();
        }
        /* a batch never straddles the end of the warm-up */
        uint64_t end = i + (uint64_t)batch;
        if (i < warmup && end > warmup) end = warmup;
        if (end > total) end = total;
        size_t n = 0;
        for (uint64_t j = i; j < end; j++) n += cat_cmd(out + n, "GET", draws[j], NULL, 0);
        write_all(fd, out, n);
        int nmiss = 0;
        for (uint64_t j = i; j < end; j++) {
            if (read_get()) hits++;
            else {
                misses++;
                missed[nmiss++] = draws[j];
            }
        }
        if (nmiss) {
            n = 0;
            for (int j = 0; j < nmiss; j++) n += cat_cmd(out + n, "SET", missed[j], val, (size_t)size);
            write_all(fd, out, n);
            for (int j = 0; j < nmiss; j++) set_errors += (uint64_t)read_set();
        }
        i = end;
    }
    double t1 = now();
    printf("hitrate requests=%llu hits=%llu misses=%llu hit_rate=%.4f set_errors=%llu seconds=%.2f ops_per_sec=%.0f\n",
           (unsigned long long)requests, (unsigned long long)hits, (unsigned long long)misses,
           requests ? (double)hits / (double)requests : 0, (unsigned long long)set_errors, t1 - tm,
           (double)(total) / (t1 - t0));
    close(fd);
    free(draws);
    free(val);
    free(out);
    free(missed);
    free(in);
    return 0;
}
