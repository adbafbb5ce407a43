/* conn.c - the connection layer: TCP and Unix-socket transports over the event
 * loop, outbound connects, and the listening sockets.
 *
 * Each Conn owns one non-blocking, close-on-exec socket. Readable and writable
 * events go to two small trampolines that call the owner's handlers, so a handler
 * that closes the connection (which drops its events) is never followed by a call
 * on the freed Conn. Outbound connects complete through the writable event.
 * Invariants: conn->fd is registered with conn->el for exactly the events whose
 * handler is set (plus writable while connecting); state CLOSED or ERROR is final.
 * Costs: every operation is one system call; nothing is buffered here. */
#include "conn.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---------------- the socket transport (TCP and Unix share it) ---------------- */

static ssize_t sock_read(Conn *conn, void *buf, size_t len) {
    ssize_t n = read(conn->fd, buf, len);
    if (n == 0) {
        conn->state = CONN_STATE_CLOSED;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        conn->last_errno = errno;
        conn->state = CONN_STATE_ERROR;
    } else if (n < 0) {
        errno = EAGAIN;
    }
    return n;
}

static ssize_t sock_result(Conn *conn, ssize_t n) {
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        conn->last_errno = errno;
        conn->state = CONN_STATE_ERROR;
    } else if (n < 0) {
        errno = EAGAIN;
    }
    return n;
}

static ssize_t sock_write(Conn *conn, const void *buf, size_t len) { return sock_result(conn, write(conn->fd, buf, len)); }

static ssize_t sock_writev(Conn *conn, const struct iovec *iov, int iovcnt) {
    return sock_result(conn, writev(conn->fd, iov, iovcnt));
}

static void sock_close(Conn *conn) {
    if (conn->fd != -1) {
        if (conn->el) ev_del_file(conn->el, conn->fd, EV_READABLE | EV_WRITABLE);
        close(conn->fd);
    }
    vfree(conn);
}

static const ConnType conn_type_tcp = {"tcp", sock_read, sock_write, sock_writev, sock_close};
static const ConnType conn_type_unix = {"unix", sock_read, sock_write, sock_writev, sock_close};

/* ---------------- creation and the generic API ---------------- */

static void set_nonblock_cloexec(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    fl = fcntl(fd, F_GETFD);
    if (fl != -1) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

static Conn *conn_alloc(EvLoop *el, int fd, int is_unix) {
    Conn *conn = vcalloc(sizeof(*conn));
    conn->type = is_unix ? &conn_type_unix : &conn_type_tcp;
    conn->el = el;
    conn->fd = fd;
    conn->is_unix = is_unix;
    return conn;
}

Conn *conn_accepted(EvLoop *el, int fd, int is_unix) {
    set_nonblock_cloexec(fd);
    Conn *conn = conn_alloc(el, fd, is_unix);
    conn->state = CONN_STATE_CONNECTED;
    return conn;
}

Conn *conn_new_tcp(EvLoop *el) { return conn_alloc(el, -1, 0); }

ssize_t conn_read(Conn *conn, void *buf, size_t len) { return conn->type->read(conn, buf, len); }
ssize_t conn_write(Conn *conn, const void *buf, size_t len) { return conn->type->write(conn, buf, len); }
ssize_t conn_writev(Conn *conn, const struct iovec *iov, int iovcnt) { return conn->type->writev(conn, iov, iovcnt); }
void conn_close(Conn *conn) { conn->type->close(conn); }

const char *conn_error(const Conn *conn) {
    if (conn->state == CONN_STATE_CLOSED) return "connection closed";
    return conn->last_errno ? strerror(conn->last_errno) : "no error";
}

static void on_readable(EvLoop *el, int fd, void *data, int mask) {
    (void)el; (void)fd; (void)mask;
    Conn *conn = data;
    if (conn->read_handler) conn->read_handler(conn);
}

static void finish_connect(Conn *conn) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) err = errno;
    if (!conn->write_handler) ev_del_file(conn->el, conn->fd, EV_WRITABLE);
    if (err) {
        conn->last_errno = err;
        conn->state = CONN_STATE_ERROR;
    } else {
        conn->state = CONN_STATE_CONNECTED;
    }
    ConnHandler *h = conn->connect_handler;
    conn->connect_handler = NULL;
    if (h) h(conn);
}

static void on_writable(EvLoop *el, int fd, void *data, int mask) {
    (void)el; (void)fd; (void)mask;
    Conn *conn = data;
    if (conn->state == CONN_STATE_CONNECTING) {
        finish_connect(conn);
        return;
    }
    if (conn->write_handler) conn->write_handler(conn);
}

int conn_set_read_handler(Conn *conn, ConnHandler *h) {
    conn->read_handler = h;
    if (!h) {
        ev_del_file(conn->el, conn->fd, EV_READABLE);
        return 0;
    }
    return ev_add_file(conn->el, conn->fd, EV_READABLE, on_readable, conn);
}

int conn_set_write_handler(Conn *conn, ConnHandler *h) {
    conn->write_handler = h;
    if (!h) {
        if (conn->state != CONN_STATE_CONNECTING) ev_del_file(conn->el, conn->fd, EV_WRITABLE);
        return 0;
    }
    return ev_add_file(conn->el, conn->fd, EV_WRITABLE, on_writable, conn);
}

int conn_has_write_handler(const Conn *conn) { return conn->write_handler != NULL; }

/* ---------------- addresses and options ---------------- */

static void format_sockaddr(const struct sockaddr_storage *sa, char *buf, size_t len) {
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
    }
    snprintf(buf, len, "%s:%d", ip, port);
}

static void format_end(const Conn *conn, char *buf, size_t len, const char *unix_path, int peer) {
    if (conn->is_unix) {
        snprintf(buf, len, "%s:0", unix_path ? unix_path : "");
        return;
    }
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    int r = peer ? getpeername(conn->fd, (struct sockaddr *)&sa, &salen)
                 : getsockname(conn->fd, (struct sockaddr *)&sa, &salen);
    if (r == -1) {
        snprintf(buf, len, "?:0");
        return;
    }
    format_sockaddr(&sa, buf, len);
}

void conn_format_peer(const Conn *conn, char *buf, size_t len, const char *unix_path) {
    format_end(conn, buf, len, unix_path, 1);
}

void conn_format_local(const Conn *conn, char *buf, size_t len, const char *unix_path) {
    format_end(conn, buf, len, unix_path, 0);
}

int conn_peer_is_local(const Conn *conn) {
    if (conn->is_unix) return 1;
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    if (getpeername(conn->fd, (struct sockaddr *)&sa, &salen) == -1) return 0;
    if (sa.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa.ss_family == AF_INET6) {
        const unsigned char *a = ((const struct sockaddr_in6 *)&sa)->sin6_addr.s6_addr;
        static const unsigned char lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return memcmp(a, lo, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
    }
    return 1;
}

void conn_enable_nodelay(Conn *conn) {
    if (conn->is_unix) return;
    int yes = 1;
    setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
}

void conn_keepalive(Conn *conn, int keepalive_s) {
    if (conn->is_unix || keepalive_s <= 0) return;
    int yes = 1, idle = keepalive_s, intvl = keepalive_s / 3 ? keepalive_s / 3 : 1, cnt = 3;
    setsockopt(conn->fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
    setsockopt(conn->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(conn->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(conn->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* ---------------- outbound connects ---------------- */

/* Creates a socket for host:port and starts connecting it; returns the fd or -1. */
static int dial(Conn *conn, const char *host, int port, const char *source_addr) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rv = getaddrinfo(host, portstr, &hints, &res);
    if (rv != 0) {
        conn->last_errno = rv == EAI_SYSTEM ? errno : EHOSTUNREACH;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
        if (fd == -1) continue;
        if (source_addr) {
            struct addrinfo *src = NULL;
            hints.ai_family = p->ai_family;
            if (getaddrinfo(source_addr, NULL, &hints, &src) != 0 || bind(fd, src->ai_addr, src->ai_addrlen) == -1) {
                conn->last_errno = errno ? errno : EADDRNOTAVAIL;
                if (src) freeaddrinfo(src);
                close(fd);
                fd = -1;
                continue;
            }
            freeaddrinfo(src);
        }
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS) break;
        conn->last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int conn_connect(Conn *conn, const char *host, int port, const char *source_addr, ConnHandler *on_connect) {
    int fd = dial(conn, host, port, source_addr);
    if (fd == -1) {
        conn->state = CONN_STATE_ERROR;
        return -1;
    }
    conn->fd = fd;
    conn->state = CONN_STATE_CONNECTING;
    conn->connect_handler = on_connect;
    if (ev_add_file(conn->el, fd, EV_WRITABLE, on_writable, conn) == -1) {
        conn->last_errno = errno;
        conn->state = CONN_STATE_ERROR;
        return -1;
    }
    return 0;
}

int conn_connect_blocking(Conn *conn, const char *host, int port, long long timeout_ms) {
    int fd = dial(conn, host, port, NULL);
    if (fd == -1) {
        conn->state = CONN_STATE_ERROR;
        return -1;
    }
    conn->fd = fd;
    struct pollfd pfd = {fd, POLLOUT, 0};
    int r = poll(&pfd, 1, (int)(timeout_ms > 0x7fffffff ? 0x7fffffff : timeout_ms));
    int err = 0;
    socklen_t len = sizeof(err);
    if (r <= 0) err = r == 0 ? ETIMEDOUT : errno;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) err = errno;
    if (err) {
        conn->last_errno = err;
        conn->state = CONN_STATE_ERROR;
        return -1;
    }
    conn->state = CONN_STATE_CONNECTED;
    return 0;
}

/* Waits until fd is ready for events or the deadline (monotonic_us clock) passes. */
static int wait_ready(int fd, short events, long long deadline_us) {
    for (;;) {
        long long left_ms = (deadline_us - monotonic_us() + 999) / 1000;
        if (left_ms <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd pfd = {fd, events, 0};
        int r = poll(&pfd, 1, (int)(left_ms > 0x7fffffff ? 0x7fffffff : left_ms));
        if (r > 0) return 0;
        if (r < 0 && errno != EINTR) return -1;
    }
}

/* now + timeout_ms as a monotonic_us deadline, saturating: a timeout of up to
 * LLONG_MAX ms (MIGRATE takes any positive long) means "for ever", not an
 * overflow into the past. */
static long long sync_deadline(long long timeout_ms) {
    long long now = monotonic_us();
    if (timeout_ms > (LLONG_MAX - now) / 1000) return LLONG_MAX;
    return now + timeout_ms * 1000;
}

int conn_sync_write(Conn *conn, const void *buf, size_t len, long long timeout_ms) {
    long long deadline = sync_deadline(timeout_ms);
    const char *p = buf;
    while (len) {
        ssize_t n = conn_write(conn, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
        if (wait_ready(conn->fd, POLLOUT, deadline) == -1) return -1;
    }
    return 0;
}

ssize_t conn_sync_readline(Conn *conn, char *buf, size_t size, long long timeout_ms) {
    size_t n = 0;
    buf[0] = '\0';
    while (n + 1 < size) {
        long long deadline = sync_deadline(timeout_ms); /* per byte, as Redis's syncReadLine */
        char ch;
        ssize_t r;
        while ((r = conn_read(conn, &ch, 1)) < 0) {
            if (errno != EAGAIN && errno != EINTR) return -1;
            if (wait_ready(conn->fd, POLLIN, deadline) == -1) return -1;
        }
        if (r == 0) return -1;
        if (ch == '\n') {
            /* the '\r' is counted but not kept: "\r\n" alone is a line of length 1 */
            if (n > 0 && buf[n - 1] == '\r') buf[n - 1] = '\0';
            return (ssize_t)n;
        }
        buf[n++] = ch;
        buf[n] = '\0';
    }
    return (ssize_t)n;
}

/* ---------------- listeners ---------------- */

int conn_listen_tcp(const char *addr, int port, int backlog, char *err, size_t errlen) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = strchr(addr, ':') ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    const char *host = addr;
    if (!strcmp(addr, "*")) { host = NULL; hints.ai_family = AF_INET; }
    if (!strcmp(addr, "::*")) { host = NULL; hints.ai_family = AF_INET6; }
    int rv = getaddrinfo(host, portstr, &hints, &res);
    if (rv != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rv));
        errno = 0;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
        if (fd == -1) continue;
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (p->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, backlog) == 0) break;
        int e = errno;
        close(fd);
        fd = -1;
        errno = e;
    }
    freeaddrinfo(res);
    if (fd == -1) snprintf(err, errlen, "%s", strerror(errno));
    return fd;
}

int conn_listen_unix(const char *path, int perm, int backlog, char *err, size_t errlen) {
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, backlog) == -1) {
        int e = errno;
        snprintf(err, errlen, "%s", strerror(e));
        if (fd != -1) close(fd);
        errno = e;
        return -1;
    }
    if (perm) chmod(path, (mode_t)perm);
    return fd;
}

int conn_accept_fd(int listen_fd) {
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd == -1 && errno == EINTR) continue;
        return fd;
    }
}
