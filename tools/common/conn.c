/* conn.c - blocking client connections for the tools.
 *
 * A Conn owns one socket, an output buffer and a RespReader. Commands are
 * encoded into the output buffer and written by conn_flush (or implicitly before
 * a blocking read), so callers can pipeline by appending many commands first.
 *
 * Cost of reading: the shared reader re-parses the current reply from its start
 * whenever it is asked and the reply is incomplete. For small replies that is
 * free; for a reply of many megabytes it would be quadratic, so once more than
 * CONN_CHEAP_PARSE bytes are buffered we only re-try after the buffer doubled or
 * the socket went quiet for CONN_QUIET_MS, which keeps total parse work linear. */
#include "conn.h"
#include "base/alloc.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONN_CHEAP_PARSE (256 * 1024)
#define CONN_QUIET_MS 5
#define CONN_READ_CHUNK (64 * 1024)

static void conn_seterr(char *err, size_t errlen, const char *msg) {
    if (err && errlen) snprintf(err, errlen, "%s", msg);
}

/* Connects fd to addr, waiting at most timeout_ms (0: blocking connect). */
static int conn_connect_fd(int fd, const struct sockaddr *addr, socklen_t alen, int timeout_ms) {
    if (timeout_ms <= 0) return connect(fd, addr, alen);
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = connect(fd, addr, alen);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n;
        do n = poll(&p, 1, timeout_ms); while (n < 0 && errno == EINTR);
        if (n == 0) {
            errno = ETIMEDOUT;
            rc = -1;
        } else if (n < 0) {
            rc = -1;
        } else {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (soerr) errno = soerr;
            rc = soerr ? -1 : 0;
        }
    }
    int saved = errno;
    fcntl(fd, F_SETFL, flags);
    errno = saved;
    return rc;
}

static Conn *conn_new(int fd, const char *host, int port, int is_unix) {
    Conn *c = vcalloc(sizeof(*c));
    c->fd = fd;
    c->host = vstrdup(host);
    c->port = port;
    c->is_unix = is_unix;
    c->reader = resp_reader_create();
    c->wbuf = sds_empty();
    return c;
}

Conn *conn_connect_tcp(const char *host, int port, int timeout_ms, char *err, size_t errlen) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        conn_seterr(err, errlen, gai_strerror(rc));
        return NULL;
    }
    int fd = -1, lasterr = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) { lasterr = errno; continue; }
        if (conn_connect_fd(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms) == 0) break;
        lasterr = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        conn_seterr(err, errlen, strerror(lasterr));
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    return conn_new(fd, host, port, 0);
}

Conn *conn_connect_unix(const char *path, int timeout_ms, char *err, size_t errlen) {
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        conn_seterr(err, errlen, "Socket path too long");
        return NULL;
    }
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || conn_connect_fd(fd, (struct sockaddr *)&sa, sizeof(sa), timeout_ms) < 0) {
        conn_seterr(err, errlen, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    return conn_new(fd, path, 0, 1);
}

void conn_close(Conn *c) {
    if (!c) return;
    if (c->fd >= 0) close(c->fd);
    resp_reader_free(c->reader);
    sds_free(c->wbuf);
    vfree(c->host);
    vfree(c);
}

void conn_set_io_timeout(Conn *c, int timeout_ms) { c->io_timeout_ms = timeout_ms; }

Sds conn_encode_argv(Sds buf, int argc, const char **argv, const size_t *lens) {
    buf = sds_catprintf(buf, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        buf = sds_catprintf(buf, "$%zu\r\n", len);
        buf = sds_catlen(buf, argv[i], len);
        buf = sds_catlen(buf, "\r\n", 2);
    }
    return buf;
}

void conn_append_argv(Conn *c, int argc, const char **argv, const size_t *lens) {
    c->wbuf = conn_encode_argv(c->wbuf, argc, argv, lens);
}

void conn_append_raw(Conn *c, const char *p, size_t len) { c->wbuf = sds_catlen(c->wbuf, p, len); }

/* Waits for fd to become ready for events; 1 ready, 0 timeout, -1 error. */
static int conn_poll(int fd, short events, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = events};
    int n;
    do n = poll(&p, 1, timeout_ms); while (n < 0 && errno == EINTR);
    return n;
}

int conn_flush(Conn *c) {
    size_t len = sds_len(c->wbuf), off = 0;
    if (c->fd < 0) {
        snprintf(c->err, sizeof(c->err), "Connection closed");
        return -1;
    }
    while (off < len) {
        ssize_t n = send(c->fd, c->wbuf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (conn_poll(c->fd, POLLOUT, c->io_timeout_ms ? c->io_timeout_ms : -1) <= 0) {
                snprintf(c->err, sizeof(c->err), "Write timeout");
                return -1;
            }
            continue;
        }
        if (n <= 0) {
            snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
            sds_clear(c->wbuf);
            return -1;
        }
        off += (size_t)n;
    }
    sds_clear(c->wbuf);
    return 0;
}

/* One read(); 1 got bytes, 0 would block / timeout, -1 error or EOF. */
static int conn_fill(Conn *c, int timeout_ms) {
    int pr = conn_poll(c->fd, POLLIN, timeout_ms);
    if (pr < 0) {
        snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
        return -1;
    }
    if (pr == 0) return 0;
    char buf[CONN_READ_CHUNK];
    ssize_t n;
    do n = recv(c->fd, buf, sizeof(buf), 0); while (n < 0 && errno == EINTR);
    if (n == 0) {
        c->eof = 1;
        snprintf(c->err, sizeof(c->err), "Server closed the connection");
        return -1;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
        return -1;
    }
    resp_reader_feed(c->reader, buf, (size_t)n);
    return 1;
}

/* Tries to take one reply from what is buffered: 1 yes, 0 incomplete, -1 error. */
static int conn_parse(Conn *c, RespValue **out, int force) {
    size_t pending = resp_reader_pending(c->reader);
    if (pending == 0) return 0;
    if (!force && pending > CONN_CHEAP_PARSE && pending < 2 * c->parse_hint) return 0;
    int rc = resp_reader_next(c->reader, out);
    if (rc < 0) {
        snprintf(c->err, sizeof(c->err), "%s", resp_reader_error(c->reader));
        return -1;
    }
    c->parse_hint = rc == 0 ? resp_reader_pending(c->reader) : 0;
    return rc;
}

int conn_read_reply(Conn *c, RespValue **out) {
    *out = NULL;
    if (sds_len(c->wbuf) && conn_flush(c) < 0) return -1;
    if (c->fd < 0) return -1;
    for (;;) {
        int rc = conn_parse(c, out, 0);
        if (rc) return rc > 0 ? 0 : -1;
        int wait = c->io_timeout_ms ? c->io_timeout_ms : -1;
        /* parse was skipped for a big buffer: re-try when the socket goes quiet */
        if (c->parse_hint && resp_reader_pending(c->reader) > CONN_CHEAP_PARSE) wait = CONN_QUIET_MS;
        int fr = conn_fill(c, wait);
        if (fr < 0) return -1;
        if (fr == 0) {
            if (wait == CONN_QUIET_MS) {
                rc = conn_parse(c, out, 1);
                if (rc) return rc > 0 ? 0 : -1;
                continue;
            }
            snprintf(c->err, sizeof(c->err), "Resource temporarily unavailable");
            return -1;
        }
    }
}

int conn_try_read_reply(Conn *c, RespValue **out) {
    *out = NULL;
    int rc = conn_parse(c, out, 1);
    if (rc) return rc;
    for (;;) {
        int fr = conn_fill(c, 0);
        if (fr < 0) return -1;
        rc = conn_parse(c, out, 1);
        if (rc || fr == 0) return rc;
    }
}

int conn_wait_readable(Conn *c, int timeout_ms) {
    if (resp_reader_pending(c->reader)) return 1;
    return conn_poll(c->fd, POLLIN, timeout_ms);
}

RespValue *conn_call(Conn *c, int argc, const char **argv, const size_t *lens) {
    conn_append_argv(c, argc, argv, lens);
    RespValue *v;
    if (conn_read_reply(c, &v) < 0) return NULL;
    return v;
}

RespValue *conn_callv(Conn *c, const char *arg0, ...) {
    const char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a && argc < 64; a = va_arg(ap, const char *)) argv[argc++] = a;
    va_end(ap);
    return conn_call(c, argc, argv, NULL);
}
