/* conn.h - connections: TCP and Unix sockets (TLS later) behind one interface.
 *
 * A Conn wraps a non-blocking socket registered with an event loop. The server's
 * client code, and later replication and the cluster bus, read, write, close and
 * dial out through this interface and never touch a file descriptor's events or
 * socket options themselves; a new transport (TLS) is one more ConnType.
 * Handlers are called with the Conn; conn_private() gives back the owner's data. */
#ifndef VESPER_CONN_H
#define VESPER_CONN_H
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "evloop.h"

typedef struct Conn Conn;
typedef void ConnHandler(Conn *conn);

enum { CONN_STATE_NONE, CONN_STATE_CONNECTING, CONN_STATE_CONNECTED, CONN_STATE_CLOSED, CONN_STATE_ERROR };

/* One transport. Every function takes the Conn it was created for. */
typedef struct ConnType {
    const char *name;                                         /* "tcp", "unix" */
    ssize_t (*read)(Conn *conn, void *buf, size_t len);
    ssize_t (*write)(Conn *conn, const void *buf, size_t len);
    ssize_t (*writev)(Conn *conn, const struct iovec *iov, int iovcnt);
    void (*close)(Conn *conn);
} ConnType;

struct Conn {
    const ConnType *type;
    EvLoop *el;
    int fd;
    int state;                      /* CONN_STATE_* */
    int last_errno;                 /* errno of the last failed operation */
    int is_unix;
    ConnHandler *read_handler, *write_handler, *connect_handler;
    void *private_data;
};

/* Wraps a socket accepted from a listener (made non-blocking, close-on-exec).
 * is_unix selects the Unix-socket type. Returns NULL (and closes fd) on failure. */
Conn *conn_accepted(EvLoop *el, int fd, int is_unix);
/* A new, unconnected TCP connection for dialing out with conn_connect(). */
Conn *conn_new_tcp(EvLoop *el);
/* Starts a non-blocking connect to host:port (source_addr NULL: any). Returns 0 when
 * the attempt is under way (on_connect runs once it succeeds or fails; check
 * conn_state()), -1 on immediate failure (conn_error() tells why). */
int conn_connect(Conn *conn, const char *host, int port, const char *source_addr, ConnHandler *on_connect);
/* Blocking connect with a timeout in ms, for start-up paths and tools. */
int conn_connect_blocking(Conn *conn, const char *host, int port, long long timeout_ms);
/* Blocking I/O on a connected Conn with no event handlers (MIGRATE's link to its
 * target), with Redis's syncio semantics. conn_sync_write writes all len bytes
 * within timeout_ms (0, or -1 with errno ETIMEDOUT or the error).
 * conn_sync_readline reads bytes until "\n", each within timeout_ms of the one
 * before, into buf (size >= 1 bytes, NUL-terminated, the "\n" and a "\r" before
 * it dropped) and returns how many bytes it read before the "\n", the "\r"
 * counted ("\r\n" alone gives 1, "\n" alone 0); a line of size - 1 bytes or more
 * stops there unread further, and its rest is the next call's line. -1 on
 * timeout, error or end of stream. Timeouts up to LLONG_MAX ms are honoured
 * (saturating). Reads byte by byte: only for short replies. */
int conn_sync_write(Conn *conn, const void *buf, size_t len, long long timeout_ms);
ssize_t conn_sync_readline(Conn *conn, char *buf, size_t size, long long timeout_ms);

/* Reads up to len bytes. Returns >0 bytes, 0 at end of stream (state CLOSED), or -1:
 * with errno EAGAIN when nothing is available, else an error (state ERROR). */
ssize_t conn_read(Conn *conn, void *buf, size_t len);
/* Writes; same return convention as conn_read (a short count is not an error). */
ssize_t conn_write(Conn *conn, const void *buf, size_t len);
ssize_t conn_writev(Conn *conn, const struct iovec *iov, int iovcnt);
/* Closes the socket, drops its events and frees conn. */
void conn_close(Conn *conn);

/* Installs (or with NULL removes) the handler for readable / writable events.
 * Returns 0, or -1 if the event loop refused the descriptor. */
int conn_set_read_handler(Conn *conn, ConnHandler *h);
int conn_set_write_handler(Conn *conn, ConnHandler *h);
int conn_has_write_handler(const Conn *conn);

static inline void conn_set_private(Conn *conn, void *data) { conn->private_data = data; }
static inline void *conn_private(const Conn *conn) { return conn->private_data; }
static inline int conn_state(const Conn *conn) { return conn->state; }
static inline int conn_fd(const Conn *conn) { return conn->fd; }
const char *conn_error(const Conn *conn);

/* "ip:port" of the peer / of the local end ("path:0" for Unix sockets, with the
 * listening socket's path given by the caller since the kernel does not report it). */
void conn_format_peer(const Conn *conn, char *buf, size_t len, const char *unix_path);
void conn_format_local(const Conn *conn, char *buf, size_t len, const char *unix_path);
/* 1 when the peer is on the loopback interface (or a Unix socket). */
int conn_peer_is_local(const Conn *conn);

/* Socket options (TCP only; no-ops for Unix sockets). keepalive_s 0 disables. */
void conn_enable_nodelay(Conn *conn);
void conn_keepalive(Conn *conn, int keepalive_s);

/* ---- listeners ---- */
/* Opens a non-blocking TCP listener on addr:port ("*" any IPv4, "::*" any IPv6;
 * IPv6 listeners are v6-only). Returns the fd, or -1 with errno set and a reason in
 * err (gai errors have errno 0). */
int conn_listen_tcp(const char *addr, int port, int backlog, char *err, size_t errlen);
/* Opens a Unix socket listener at path (removing a stale file), with perm (0: umask). */
int conn_listen_unix(const char *path, int perm, int backlog, char *err, size_t errlen);
/* Accepts one pending connection; returns the fd or -1 (errno EAGAIN when none). */
int conn_accept_fd(int listen_fd);

#endif
