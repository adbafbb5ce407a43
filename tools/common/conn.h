/* conn.h - a blocking client connection for the tools (vesper-cli, vesper-benchmark):
 * connect over TCP or a Unix socket with a timeout, encode commands as RESP
 * multibulk, buffer and flush them, and read replies with the shared RESP reader
 * (src/net/resp.h). */
#ifndef VESPER_TOOLS_CONN_H
#define VESPER_TOOLS_CONN_H
#include <stddef.h>
#include "net/resp.h"
#include "base/sds.h"

typedef struct Conn {
    int fd;                 /* -1 once closed */
    int is_unix;
    char *host;             /* host name or socket path as given */
    int port;               /* 0 for a Unix socket */
    RespReader *reader;
    Sds wbuf;               /* commands appended but not yet written */
    size_t parse_hint;      /* bytes buffered at the last incomplete parse (see conn.c) */
    int io_timeout_ms;      /* read/write timeout; 0 blocks forever */
    int eof;                /* the peer closed the connection */
    char err[256];          /* last error, e.g. "Connection refused" */
} Conn;

/* Connect; timeout_ms 0 means the system default. On failure returns NULL and
 * writes the reason (strerror style, e.g. "Connection refused") to err. */
Conn *conn_connect_tcp(const char *host, int port, int timeout_ms, char *err, size_t errlen);
Conn *conn_connect_unix(const char *path, int timeout_ms, char *err, size_t errlen);
void conn_close(Conn *c);
/* Read/write timeout for later I/O (0 = block forever). */
void conn_set_io_timeout(Conn *c, int timeout_ms);

/* Appends the RESP multibulk encoding of argv to buf (lens may be NULL: strlen). */
Sds conn_encode_argv(Sds buf, int argc, const char **argv, const size_t *lens);
/* Buffers a command / raw bytes; nothing is written until conn_flush. */
void conn_append_argv(Conn *c, int argc, const char **argv, const size_t *lens);
void conn_append_raw(Conn *c, const char *p, size_t len);
/* Writes everything buffered. 0 ok, -1 error (c->err). */
int conn_flush(Conn *c);
/* Flushes, then blocks until one whole reply is read. 0 ok (*out set, free it with
 * resp_value_free), -1 error or EOF (c->err, c->eof). */
int conn_read_reply(Conn *c, RespValue **out);
/* Non-blocking: reads what the socket holds and returns 1 with a reply, 0 when
 * none is complete yet, -1 on error/EOF. */
int conn_try_read_reply(Conn *c, RespValue **out);
/* Waits until the socket is readable or timeout_ms passes (-1 forever).
 * Returns 1 readable, 0 timeout, -1 error. Replies already buffered count as readable. */
int conn_wait_readable(Conn *c, int timeout_ms);
/* Send one command and read its reply; NULL on I/O error (c->err). */
RespValue *conn_call(Conn *c, int argc, const char **argv, const size_t *lens);
/* Same with a NULL-terminated list of C strings: conn_callv(c, "GET", "k", NULL). */
RespValue *conn_callv(Conn *c, const char *arg0, ...);

#endif
