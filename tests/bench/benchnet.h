/* benchnet.h - the client plumbing shared by the load generators hitrate.c and
 * fanout.c: fatal errors, a monotonic clock, a TCP connection with Nagle off and a
 * blocking write of a whole buffer. Errors are fatal (exit status 2, as both
 * programs document). Header-only (static functions); each program includes it
 * once. */
#ifndef VESPER_BENCH_BENCHNET_H
#define VESPER_BENCH_BENCHNET_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* perror(what), then exit status 2. */
static void die(const char *what) {
    perror(what);
    exit(2);
}

/* Seconds on the monotonic clock. */
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A blocking TCP connection to host (an IPv4 address) and port, with TCP_NODELAY;
 * a bad address is reported as "<prog>: bad host <host>", exit status 2. */
static int dial(const char *prog, const char *host, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "%s: bad host %s\n", prog, host);
        exit(2);
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Writes all len bytes of p to the blocking fd (retrying on EINTR). */
static void write_all(int fd, const char *p, size_t len) {
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        p += w;
        len -= (size_t)w;
    }
}

#endif
