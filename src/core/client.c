/* client.c - clients: accepting connections, reading and parsing requests, the
 * reply API and writing replies back.
 *
 * Replies go first into a fixed 16 KB buffer per client and then into a list of
 * blocks; a client with output is put on the pending-write array, which the server
 * drains before sleeping by writing directly to the socket, so a request/response
 * round trip costs one read and one write and no epoll change. Only when the socket
 * cannot take everything is a write handler installed.
 * Invariants: output order is buf[sentlen..bufpos) then the blocks in order; a block
 * whose size is 0 is a deferred-length placeholder that nothing else may append to.
 * Clients are freed only outside command execution (client_free_async queues them). */
#include "client.h"
#include "command.h"
#include "db.h"
#include "multi.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../net/resp.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static Client *client_list;
static size_t client_count;
static Client **pending_writes;
static size_t pending_count, pending_cap;
static Client **closing;
static size_t closing_count, closing_cap;

#define DEFERRED_HDR_CAP 32

Client *clients_first(void) { return client_list; }
size_t clients_count(void) { return client_count; }

Client *client_by_id(uint64_t id) {
    for (Client *c = client_list; c; c = c->next)
        if (c->id == id) return c;
    return NULL;
}

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void read_handler(EvLoop *el, int fd, void *data, int mask);
static void paused_forget(Client *c);
static void process_input(Client *c);
static void write_handler(EvLoop *el, int fd, void *data, int mask);

Client *client_create(int fd, int flags) {
    Client *c = vcalloc(sizeof(*c));
    c->id = server.next_client_id++;
    c->fd = fd;
    c->resp = 2;
    c->flags = (uint64_t)flags;
    c->db = db_get(0);
    c->user = "default";
    c->authenticated = server.cfg.requirepass == NULL || server.cfg.requirepass[0] == '\0';
    c->querybuf = sds_empty();
    c->bulklen = -1;
    c->buf_size = REPLY_CHUNK_BYTES;
    c->buf = vmalloc(c->buf_size);
    c->ctime = c->last_interaction = server.unixtime;
    c->pending_idx = -1;
    strcpy(c->peer, "?:0");
    strcpy(c->sock, "?:0");
    if (fd != -1) {
        set_nonblock(fd);
        if (!(flags & CLIENT_UNIX_SOCKET)) {
            int yes = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
            if (server.cfg.tcp_keepalive > 0) {
                setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
                int idle = server.cfg.tcp_keepalive, intvl = idle / 3 ? idle / 3 : 1, cnt = 3;
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
            }
        }
        if (ev_add_file(server.el, fd, EV_READABLE, read_handler, c) == -1) {
            close(fd);
            sds_free(c->querybuf);
            vfree(c->buf);
            vfree(c);
            return NULL;
        }
        c->next = client_list;
        if (client_list) client_list->prev = c;
        client_list = c;
        client_count++;
    }
    return c;
}

void client_reset_args(Client *c) {
    for (int i = 0; i < c->argc; i++) obj_decr(c->argv[i]);
    c->argc = 0;
    c->argv_len_sum = 0;
    c->cmd = NULL;
}

static void free_reply_blocks(Client *c) {
    ReplyBlock *b = c->reply_head;
    while (b) {
        ReplyBlock *n = b->next;
        vfree(b);
        b = n;
    }
    c->reply_head = c->reply_tail = NULL;
    c->reply_bytes = 0;
}

static void pending_remove(Client *c) {
    if (c->pending_idx < 0) return;
    size_t i = (size_t)c->pending_idx;
    pending_writes[i] = pending_writes[--pending_count];
    if (i < pending_count) pending_writes[i]->pending_idx = (int)i;
    c->pending_idx = -1;
    c->flags &= ~CLIENT_PENDING_WRITE;
}

void client_free(Client *c) {
    if (c->fd != -1) {
        ev_del_file(server.el, c->fd, EV_READABLE | EV_WRITABLE);
        close(c->fd);
        if (c->prev) c->prev->next = c->next;
        else client_list = c->next;
        if (c->next) c->next->prev = c->prev;
        client_count--;
    }
    pending_remove(c);
    if (c->flags & CLIENT_BLOCKED) paused_forget(c);
    if (c->flags & CLIENT_CLOSE_ASAP) {
        for (size_t i = 0; i < closing_count; i++)
            if (closing[i] == c) { closing[i] = closing[--closing_count]; break; }
    }
    client_reset_args(c);
    multi_client_reset(c);
    vfree(c->argv);
    sds_free(c->querybuf);
    sds_free(c->name);
    sds_free(c->lib_name);
    sds_free(c->lib_ver);
    free_reply_blocks(c);
    vfree(c->buf);
    vfree(c);
}

void client_free_async(Client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    if (closing_count == closing_cap) {
        closing_cap = closing_cap ? closing_cap * 2 : 16;
        closing = vrealloc(closing, sizeof(Client *) * closing_cap);
    }
    closing[closing_count++] = c;
}

void net_free_closed_clients(void) {
    while (closing_count) {
        Client *c = closing[closing_count - 1];
        if (c->flags & CLIENT_PROTECTED) break;
        client_free(c); /* removes itself from the array */
    }
}

void client_set_name(Client *c, Sds name) {
    sds_free(c->name);
    c->name = name;
}

int client_select_db(Client *c, int id) {
    if (id < 0 || id >= db_count()) return 0;
    c->db = db_get(id);
    return 1;
}

int client_type(const Client *c) {
    if (c->flags & CLIENT_PUBSUB) return CLIENT_TYPE_PUBSUB;
    return CLIENT_TYPE_NORMAL;
}

/* ---------------- accepting ---------------- */

static void format_addr(struct sockaddr_storage *sa, char *out, size_t outlen) {
    char ip[INET6_ADDRSTRLEN];
    if (sa->ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        snprintf(out, outlen, "%s:%d", ip, ntohs(s->sin_port));
    } else if (sa->ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        snprintf(out, outlen, "%s:%d", ip, ntohs(s->sin6_port));
    } else {
        snprintf(out, outlen, "%s:0", server.cfg.unixsocket ? server.cfg.unixsocket : "");
    }
}

static int addr_is_local(struct sockaddr_storage *sa) {
    if (sa->ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)sa;
        static const unsigned char lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        if (memcmp(&s->sin6_addr, lo, 16) == 0) return 1;
        /* IPv4-mapped loopback */
        const unsigned char *a = s->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return memcmp(a, mapped, 12) == 0 && a[12] == 127;
    }
    return 1;
}

static const char *DENIED_MSG =
    "-DENIED Redis is running in protected mode because protected "
    "mode is enabled and no password is set for the default user. "
    "In this mode connections are only accepted from the loopback interface. "
    "If you want to connect from external computers to Redis you "
    "may adopt one of the following solutions: "
    "1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface "
    "by connecting to Redis from the same host the server is "
    "running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this "
    "change permanent. "
    "2) Alternatively you can just disable the protected mode by "
    "editing the Redis configuration file, and setting the protected "
    "mode option to 'no', and then restarting the server. "
    "3) If you started the server manually just for testing, restart "
    "it with the '--protected-mode no' option. "
    "4) Setup a an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for "
    "the server to start accepting connections from the outside.\r\n";

static void accept_common(int cfd, int is_unix, struct sockaddr_storage *sa) {
    /* clients already closing (EOF seen this loop turn) no longer count */
    if (clients_count() - closing_count >= (size_t)server.cfg.maxclients) {
        static const char err[] = "-ERR max number of clients reached\r\n";
        if (write(cfd, err, sizeof(err) - 1) < 0) { /* best effort */ }
        server.stat.rejected_conn++;
        close(cfd);
        return;
    }
    if (!is_unix && server.cfg.protected_mode && (!server.cfg.requirepass || !server.cfg.requirepass[0]) && !addr_is_local(sa)) {
        if (write(cfd, DENIED_MSG, strlen(DENIED_MSG)) < 0) { /* best effort */ }
        server.stat.rejected_conn++;
        close(cfd);
        return;
    }
    Client *c = client_create(cfd, is_unix ? CLIENT_UNIX_SOCKET : 0);
    if (!c) return;
    server.stat.numconnections++;
    if (is_unix) {
        snprintf(c->peer, sizeof(c->peer), "%s:0", server.cfg.unixsocket ? server.cfg.unixsocket : "");
        snprintf(c->sock, sizeof(c->sock), "%s:0", server.cfg.unixsocket ? server.cfg.unixsocket : "");
    } else {
        format_addr(sa, c->peer, sizeof(c->peer));
        struct sockaddr_storage local;
        socklen_t ll = sizeof(local);
        if (getsockname(cfd, (struct sockaddr *)&local, &ll) == 0) format_addr(&local, c->sock, sizeof(c->sock));
    }
}

static void accept_loop(int fd, int is_unix) {
    for (int i = 0; i < 1000; i++) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof(sa);
        int cfd = accept4(fd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
        if (cfd == -1) {
            if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EINTR)
                server_log(LL_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        if (is_unix) sa.ss_family = AF_UNIX;
        accept_common(cfd, is_unix, &sa);
    }
}

void net_accept_tcp(int fd) { accept_loop(fd, 0); }
void net_accept_unix(int fd) { accept_loop(fd, 1); }

/* ---------------- reading and parsing ---------------- */

static void push_arg(void *ctx, const char *p, size_t len, long argc_total) {
    Client *c = ctx;
    if (c->argc == c->argv_cap) {
        int want = argc_total > c->argc ? (int)(argc_total < 1024 ? argc_total : c->argc + 1024) : c->argc + 8;
        if (want <= c->argv_cap) want = c->argv_cap + 8;
        c->argv = vrealloc(c->argv, sizeof(Obj *) * (size_t)want);
        c->argv_cap = want;
    }
    c->argv[c->argc++] = obj_string(p, len);
    c->argv_len_sum += len;
}

static void protocol_error(Client *c, const char *err) {
    if (server.cfg.verbosity <= LL_VERBOSE) {
        server_log(LL_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s", err, (unsigned long long)c->id, c->peer);
    }
    reply_error(c, err);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    sds_clear(c->querybuf);
    c->qb_pos = 0;
    client_reset_args(c);
}

static void process_input(Client *c) {
    RespRequest req;
    RespLimits lim = {server.cfg.proto_max_bulk_len, c->authenticated};
    while (c->qb_pos < sds_len(c->querybuf)) {
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)) break;
        req.type = c->reqtype;
        req.multibulklen = c->multibulklen;
        req.bulklen = c->bulklen;
        req.argc_expected = c->multibulklen ? c->argc + c->multibulklen : 0;
        const char *err = NULL;
        int r = resp_parse_request(&req, c->querybuf, sds_len(c->querybuf), &c->qb_pos, &lim, push_arg, c, &err);
        c->reqtype = req.type;
        c->multibulklen = req.multibulklen;
        c->bulklen = req.bulklen;
        if (r == RESP_REQ_ERROR) {
            protocol_error(c, err);
            break;
        }
        if (r == RESP_REQ_NEED_MORE) break;
        c->reqtype = REQ_UNKNOWN;
        if (c->argc == 0) continue;
        c->flags |= CLIENT_PROTECTED;
        command_process(c);
        c->flags &= ~CLIENT_PROTECTED;
        if (!(c->flags & CLIENT_BLOCKED)) client_reset_args(c);
        /* CLIENT REPLY SKIP silences exactly the command after it */
        c->flags &= ~CLIENT_REPLY_SKIP;
        if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
            c->flags |= CLIENT_REPLY_SKIP;
            c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        }
        lim.authenticated = c->authenticated;
    }
    /* drop consumed bytes */
    if (c->qb_pos) {
        size_t left = sds_len(c->querybuf) - c->qb_pos;
        if (left) memmove(c->querybuf, c->querybuf + c->qb_pos, left);
        sds_setlen(c->querybuf, left);
        c->qb_pos = 0;
    }
}

static void read_handler(EvLoop *el, int fd, void *data, int mask) {
    (void)el; (void)mask;
    Client *c = data;
    size_t readlen = PROTO_IOBUF_LEN;
    long pending = 0;
    if (c->reqtype == REQ_MULTIBULK && c->bulklen >= 0) {
        pending = c->bulklen + 2 - (long)(sds_len(c->querybuf) - c->qb_pos);
        if (pending > (long)readlen) readlen = (size_t)pending;
    }
    size_t qblen = sds_len(c->querybuf);
    c->querybuf = pending > PROTO_IOBUF_LEN ? sds_make_room_exact(c->querybuf, readlen) : sds_make_room(c->querybuf, readlen);
    ssize_t n = read(fd, c->querybuf + qblen, readlen);
    if (n == -1) {
        if (errno == EAGAIN || errno == EINTR) return;
        server_log(LL_VERBOSE, "Reading from client: %s", strerror(errno));
        client_free_async(c);
        return;
    }
    if (n == 0) {
        server_log(LL_VERBOSE, "Client closed connection id=%llu addr=%s", (unsigned long long)c->id, c->peer);
        client_free_async(c);
        return;
    }
    sds_incrlen(c->querybuf, n);
    c->net_in += n;
    server.stat.net_input_bytes += n;
    server.stat.total_reads_processed++;
    c->last_interaction = server.unixtime;
    if (sds_len(c->querybuf) > c->querybuf_peak) c->querybuf_peak = sds_len(c->querybuf);
    if (server.cfg.client_max_querybuf_len && sds_len(c->querybuf) - c->qb_pos > (size_t)server.cfg.client_max_querybuf_len) {
        Sds info = client_info_string(c);
        server_log(LL_WARNING, "Closing client that reached max query buffer length: %s (qbuf initial bytes: ...)", info);
        sds_free(info);
        server.stat.client_qbuf_limit_disconnections++;
        client_free_async(c);
        return;
    }
    process_input(c);
    if (c->flags & CLIENT_CLOSE_ASAP) return;
}

/* ---------------- writing ---------------- */

int client_has_pending_replies(const Client *c) {
    return c->bufpos > c->sentlen || c->reply_bytes > 0;
}

size_t client_output_bytes(const Client *c) { return c->reply_bytes; }

static void schedule_write(Client *c) {
    if (c->fd == -1 || (c->flags & CLIENT_PENDING_WRITE)) return;
    if (pending_count == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 64;
        pending_writes = vrealloc(pending_writes, sizeof(Client *) * pending_cap);
    }
    c->pending_idx = (int)pending_count;
    pending_writes[pending_count++] = c;
    c->flags |= CLIENT_PENDING_WRITE;
}

/* Writes as much as the socket takes. Returns -1 if the client was freed. */
static int write_to_client(Client *c) {
    while (client_has_pending_replies(c)) {
        struct iovec iov[16];
        int n = 0;
        size_t total = 0;
        if (c->bufpos > c->sentlen) {
            iov[n].iov_base = c->buf + c->sentlen;
            iov[n].iov_len = c->bufpos - c->sentlen;
            total += iov[n++].iov_len;
        }
        size_t off = c->bufpos > c->sentlen ? 0 : c->sentlen;
        for (ReplyBlock *b = c->reply_head; b && n < 16; b = b->next) {
            size_t start = (b == c->reply_head) ? off : 0;
            if (b->used > start) {
                iov[n].iov_base = b->buf + start;
                iov[n].iov_len = b->used - start;
                total += iov[n++].iov_len;
            }
        }
        if (total == 0) break;
        ssize_t w = writev(c->fd, iov, n);
        if (w <= 0) {
            if (w == -1 && (errno == EAGAIN || errno == EINTR)) break;
            server_log(LL_VERBOSE, "Error writing to client: %s", w == -1 ? strerror(errno) : "short write");
            client_free_async(c);
            return -1;
        }
        server.stat.net_output_bytes += w;
        server.stat.total_writes_processed++;
        c->net_out += w;
        size_t left = (size_t)w;
        if (c->bufpos > c->sentlen) {
            size_t k = c->bufpos - c->sentlen;
            if (left >= k) {
                left -= k;
                c->bufpos = c->sentlen = 0;
            } else {
                c->sentlen += left;
                left = 0;
            }
        }
        while (left && c->reply_head) {
            ReplyBlock *b = c->reply_head;
            size_t k = b->used - c->sentlen;
            if (left >= k) {
                left -= k;
                c->reply_head = b->next;
                if (!c->reply_head) c->reply_tail = NULL;
                c->reply_bytes -= b->size;
                vfree(b);
                c->sentlen = 0;
            } else {
                c->sentlen += left;
                left = 0;
            }
        }
        /* skip empty blocks at the head */
        while (c->reply_head && c->bufpos == 0 && c->reply_head->used == 0 && c->reply_head->size != 0) {
            ReplyBlock *b = c->reply_head;
            c->reply_head = b->next;
            if (!c->reply_head) c->reply_tail = NULL;
            c->reply_bytes -= b->size;
            vfree(b);
        }
        if ((size_t)w < total) break;
    }
    if (!client_has_pending_replies(c)) {
        c->sentlen = 0;
        if (ev_get_file_mask(server.el, c->fd) & EV_WRITABLE) ev_del_file(server.el, c->fd, EV_WRITABLE);
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            client_free_async(c);
            return -1;
        }
    }
    return 0;
}

static void write_handler(EvLoop *el, int fd, void *data, int mask) {
    (void)el; (void)fd; (void)mask;
    write_to_client(data);
}

void net_handle_pending_writes(void) {
    while (pending_count) {
        Client *c = pending_writes[pending_count - 1];
        pending_remove(c);
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (write_to_client(c) < 0) continue;
        if (client_has_pending_replies(c) && !(ev_get_file_mask(server.el, c->fd) & EV_WRITABLE)) {
            if (ev_add_file(server.el, c->fd, EV_WRITABLE, write_handler, c) == -1) client_free_async(c);
        }
    }
}

/* Enforces client-output-buffer-limit; returns 1 if the client was scheduled for closing. */
static int check_output_limits(Client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return 1;
    const OutputBufferLimit *l = &server.cfg.obuf_limits[client_type(c)];
    size_t used = c->reply_bytes;
    int hard = l->hard && used >= l->hard;
    int soft = l->soft && used >= l->soft;
    if (soft) {
        if (c->obuf_soft_limit_reached_time == 0) {
            c->obuf_soft_limit_reached_time = server.unixtime;
            soft = 0;
        } else if (server.unixtime - c->obuf_soft_limit_reached_time <= l->soft_seconds) {
            soft = 0;
        }
    } else {
        c->obuf_soft_limit_reached_time = 0;
    }
    if (hard || soft) {
        Sds info = client_info_string(c);
        server_log(LL_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", info);
        sds_free(info);
        server.stat.client_outbuf_limit_disconnections++;
        client_free_async(c);
        return 1;
    }
    return 0;
}

static inline int reply_allowed(Client *c) {
    if (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_ASAP)) return 0;
    return 1;
}

static void append_block(Client *c, const char *p, size_t len) {
    ReplyBlock *t = c->reply_tail;
    if (t && t->size) {
        size_t room = t->size - t->used;
        size_t k = len < room ? len : room;
        memcpy(t->buf + t->used, p, k);
        t->used += k;
        p += k;
        len -= k;
    }
    if (len) {
        size_t size = len < REPLY_CHUNK_BYTES ? REPLY_CHUNK_BYTES : len;
        ReplyBlock *b = vmalloc(sizeof(ReplyBlock) + size);
        b->size = size;
        b->used = len;
        b->next = NULL;
        memcpy(b->buf, p, len);
        if (c->reply_tail) c->reply_tail->next = b;
        else c->reply_head = b;
        c->reply_tail = b;
        c->reply_bytes += size;
    }
    check_output_limits(c);
}

void reply_raw(Client *c, const char *p, size_t len) {
    if (!reply_allowed(c)) return;
    if (c->fd != -1) schedule_write(c);
    if (!c->reply_tail) {
        size_t room = c->buf_size - c->bufpos;
        if (len <= room) {
            memcpy(c->buf + c->bufpos, p, len);
            c->bufpos += len;
            return;
        }
        memcpy(c->buf + c->bufpos, p, room);
        c->bufpos += room;
        p += room;
        len -= room;
    }
    append_block(c, p, len);
}

void reply_ok(Client *c) { reply_raw(c, "+OK\r\n", 5); }

void reply_status_len(Client *c, const char *s, size_t len) {
    char buf[256];
    if (len + 3 <= sizeof(buf)) {
        buf[0] = '+';
        memcpy(buf + 1, s, len);
        buf[len + 1] = '\r';
        buf[len + 2] = '\n';
        reply_raw(c, buf, len + 3);
        return;
    }
    reply_raw(c, "+", 1);
    reply_raw(c, s, len);
    reply_raw(c, "\r\n", 2);
}

void reply_status(Client *c, const char *s) { reply_status_len(c, s, strlen(s)); }

void reply_error_len(Client *c, const char *msg, size_t len) {
    /* Error texts must be one line: newlines become spaces. */
    const char *code;
    size_t codelen;
    if (len && msg[0] == '-') {
        msg++;
        len--;
        code = msg;
        const char *sp = memchr(msg, ' ', len);
        codelen = sp ? (size_t)(sp - msg) : len;
    } else {
        code = "ERR";
        codelen = 3;
    }
    Sds e = sds_newlen("-", 1);
    if (code != msg) e = sds_cat(e, "ERR ");
    size_t start = sds_len(e);
    e = sds_catlen(e, msg, len);
    for (size_t i = start; i < sds_len(e); i++)
        if (e[i] == '\r' || e[i] == '\n') e[i] = ' ';
    e = sds_catlen(e, "\r\n", 2);
    reply_raw(c, e, sds_len(e));
    sds_free(e);
    server_count_error(code, codelen);
    server.stat.total_error_replies++;
    command_note_failure(c);
}

void reply_error(Client *c, const char *msg) { reply_error_len(c, msg, strlen(msg)); }

void reply_errorf(Client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    Sds s = sds_catvprintf(sds_empty(), fmt, ap);
    va_end(ap);
    reply_error_len(c, s, sds_len(s));
    sds_free(s);
}

void reply_error_arity(Client *c) {
    const char *name = c->cmd && c->cmd->fullname ? c->cmd->fullname : (const char *)c->argv[0]->ptr;
    reply_errorf(c, "wrong number of arguments for '%s' command", name);
}
void reply_error_syntax(Client *c) { reply_error(c, "syntax error"); }
void reply_error_wrongtype(Client *c) { reply_error(c, "-WRONGTYPE Operation against a key holding the wrong kind of value"); }
void reply_error_not_int(Client *c) { reply_error(c, "value is not an integer or out of range"); }
void reply_error_not_float(Client *c) { reply_error(c, "value is not a valid float"); }

static void reply_len_prefix(Client *c, char prefix, long long n) {
    char buf[32];
    buf[0] = prefix;
    int k = ll2string(buf + 1, sizeof(buf) - 3, n);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    reply_raw(c, buf, (size_t)k + 3);
}

void reply_bulk(Client *c, const void *p, size_t len) {
    if (!reply_allowed(c)) return;
    if (len < 128 && !c->reply_tail && c->buf_size - c->bufpos >= len + 32) {
        /* fast path: header, bytes and CRLF straight into the buffer */
        char *d = c->buf + c->bufpos;
        *d++ = '$';
        d += ll2string(d, 24, (long long)len);
        *d++ = '\r';
        *d++ = '\n';
        memcpy(d, p, len);
        d += len;
        *d++ = '\r';
        *d++ = '\n';
        c->bufpos = (size_t)(d - c->buf);
        if (c->fd != -1) schedule_write(c);
        return;
    }
    reply_len_prefix(c, '$', (long long)len);
    reply_raw(c, p, len);
    reply_raw(c, "\r\n", 2);
}

void reply_bulk_cstr(Client *c, const char *s) {
    if (!s) reply_null(c);
    else reply_bulk(c, s, strlen(s));
}

void reply_bulk_sds(Client *c, Sds s) {
    reply_bulk(c, s, sds_len(s));
    sds_free(s);
}

void reply_bulk_obj(Client *c, const Obj *o) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    reply_bulk(c, p, len);
}

void reply_bulk_ll(Client *c, long long v) {
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    reply_bulk(c, buf, (size_t)n);
}

void reply_null(Client *c) {
    if (c->resp >= 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "$-1\r\n", 5);
}

void reply_null_array(Client *c) {
    if (c->resp >= 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "*-1\r\n", 5);
}

void reply_long(Client *c, long long v) {
    if (v == 0) { reply_raw(c, ":0\r\n", 4); return; }
    if (v == 1) { reply_raw(c, ":1\r\n", 4); return; }
    reply_len_prefix(c, ':', v);
}

void reply_double(Client *c, double d) {
    char buf[MAX_D2STRING_CHARS];
    int n;
    if (isinf(d)) n = snprintf(buf, sizeof(buf), d > 0 ? "inf" : "-inf");
    else n = snprintf(buf, sizeof(buf), "%.17g", d);
    if (c->resp >= 3) {
        char out[MAX_D2STRING_CHARS + 4];
        int k = snprintf(out, sizeof(out), ",%s\r\n", buf);
        reply_raw(c, out, (size_t)k);
    } else {
        reply_bulk(c, buf, (size_t)n);
    }
}

void reply_human_double(Client *c, long double d) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    int n = ld2string(buf, sizeof(buf), d, 1);
    reply_bulk(c, buf, (size_t)n);
}

void reply_bool(Client *c, int v) {
    if (c->resp >= 3) reply_raw(c, v ? "#t\r\n" : "#f\r\n", 4);
    else reply_long(c, v ? 1 : 0);
}

void reply_bignum(Client *c, const char *digits, size_t len) {
    if (c->resp >= 3) {
        reply_raw(c, "(", 1);
        reply_raw(c, digits, len);
        reply_raw(c, "\r\n", 2);
    } else {
        reply_bulk(c, digits, len);
    }
}

void reply_verbatim(Client *c, const char *p, size_t len, const char *ext) {
    if (c->resp >= 3) {
        reply_len_prefix(c, '=', (long long)len + 4);
        reply_raw(c, ext, 3);
        reply_raw(c, ":", 1);
        reply_raw(c, p, len);
        reply_raw(c, "\r\n", 2);
    } else {
        reply_bulk(c, p, len);
    }
}

void reply_array_len(Client *c, long n) {
    if (n >= 0 && n < 10) {
        char buf[4] = {'*', (char)('0' + n), '\r', '\n'};
        reply_raw(c, buf, 4);
        return;
    }
    reply_len_prefix(c, '*', n);
}
void reply_map_len(Client *c, long n) {
    if (c->resp >= 3) reply_len_prefix(c, '%', n);
    else reply_array_len(c, n * 2);
}
void reply_set_len(Client *c, long n) { reply_len_prefix(c, c->resp >= 3 ? '~' : '*', n); }
void reply_push_len(Client *c, long n) { reply_len_prefix(c, c->resp >= 3 ? '>' : '*', n); }
void reply_attribute_len(Client *c, long n) { reply_len_prefix(c, '|', n); }

void reply_help(Client *c, const char **lines) {
    Sds cmd = sds_new((const char *)c->argv[0]->ptr);
    sds_toupper(cmd);
    long n = 0;
    while (lines[n]) n++;
    reply_array_len(c, n + 3);
    Sds head = sds_catprintf(sds_empty(), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    reply_status_len(c, head, sds_len(head));
    sds_free(head);
    for (long i = 0; i < n; i++) reply_status(c, lines[i]);
    reply_status(c, "HELP");
    reply_status(c, "    Prints this help.");
    sds_free(cmd);
}

void reply_subcommand_syntax_error(Client *c) {
    Sds cmd = sds_new((const char *)c->argv[0]->ptr);
    sds_toupper(cmd);
    reply_errorf(c, "unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.", (char *)c->argv[1]->ptr, cmd);
    sds_free(cmd);
}

void *reply_deferred_len(Client *c) {
    if (!reply_allowed(c)) return NULL;
    if (c->fd != -1) schedule_write(c);
    ReplyBlock *b = vmalloc(sizeof(ReplyBlock) + DEFERRED_HDR_CAP);
    b->size = 0; /* placeholder: nothing may be appended to it */
    b->used = 0;
    b->next = NULL;
    if (c->reply_tail) c->reply_tail->next = b;
    else c->reply_head = b;
    c->reply_tail = b;
    return b;
}

static void set_deferred(Client *c, void *node, char prefix, long n) {
    if (!node) return;
    ReplyBlock *b = node;
    char buf[32];
    buf[0] = prefix;
    int k = ll2string(buf + 1, sizeof(buf) - 3, n);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    memcpy(b->buf, buf, (size_t)k + 3);
    b->used = (size_t)k + 3;
    b->size = b->used; /* full: later replies go to new blocks */
    c->reply_bytes += b->size;
}

void reply_set_deferred_array_len(Client *c, void *node, long n) { set_deferred(c, node, '*', n); }
void reply_set_deferred_map_len(Client *c, void *node, long n) {
    if (c->resp >= 3) set_deferred(c, node, '%', n);
    else set_deferred(c, node, '*', n * 2);
}
void reply_set_deferred_set_len(Client *c, void *node, long n) { set_deferred(c, node, c->resp >= 3 ? '~' : '*', n); }

/* ---------------- argument helpers ---------------- */

int arg_is(const Obj *o, const char *word) {
    if (o->encoding == ENC_INT) return 0;
    size_t n = strlen(word);
    return sds_len(o->ptr) == n && strncasecmp(o->ptr, word, n) == 0;
}

int arg_ll(Client *c, const Obj *o, long long *v, const char *errmsg) {
    if (obj_get_ll(o, v)) return 1;
    reply_error(c, errmsg ? errmsg : "value is not an integer or out of range");
    return 0;
}

int arg_ll_range(Client *c, const Obj *o, long long min, long long max, long long *v, const char *errmsg) {
    long long x;
    if (!obj_get_ll(o, &x)) {
        reply_error(c, errmsg ? errmsg : "value is not an integer or out of range");
        return 0;
    }
    if (x < min || x > max) {
        if (errmsg) reply_error(c, errmsg);
        else reply_errorf(c, "value is out of range, must be between %lld and %lld", min, max);
        return 0;
    }
    *v = x;
    return 1;
}

int arg_long(Client *c, const Obj *o, long *v, const char *errmsg) {
    long long x;
    if (!arg_ll(c, o, &x, errmsg)) return 0;
    *v = (long)x;
    return 1;
}

int arg_positive_ll(Client *c, const Obj *o, long long *v, const char *errmsg) {
    long long x;
    if (!obj_get_ll(o, &x)) {
        reply_error(c, errmsg ? errmsg : "value is not an integer or out of range");
        return 0;
    }
    if (x < 0) {
        reply_error(c, errmsg ? errmsg : "value is out of range, must be positive");
        return 0;
    }
    *v = x;
    return 1;
}

int arg_ld(Client *c, const Obj *o, long double *v, const char *errmsg) {
    if (obj_get_ld(o, v)) return 1;
    reply_error(c, errmsg ? errmsg : "value is not a valid float");
    return 0;
}

int arg_double(Client *c, const Obj *o, double *v, const char *errmsg) {
    if (obj_get_double(o, v)) return 1;
    reply_error(c, errmsg ? errmsg : "value is not a valid float");
    return 0;
}

/* ---------------- CLIENT PAUSE ----------------
 * A command that must wait for the pause to end stays parsed in argv and the client
 * is parked (CLIENT_BLOCKED) on the paused list; before each sleep, once the pause
 * is over, parked clients run their command and go on with their input. */
#define PAUSE_WRITE 1
#define PAUSE_ALL 2
static Client **paused;
static size_t npaused, paused_cap;

int server_pause_active(void) {
    if (!server.client_pause_type) return 0;
    if (server.client_pause_end_ms <= mstime()) {
        server.client_pause_type = 0;
        return 0;
    }
    return server.client_pause_type;
}

int client_pause_blocks(Client *c, const Command *cmd) {
    int type = server_pause_active();
    if (!type || c->fd == -1) return 0;
    if (type == PAUSE_WRITE && !(cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE))) return 0;
    c->flags |= CLIENT_BLOCKED;
    if (npaused == paused_cap) {
        paused_cap = paused_cap ? paused_cap * 2 : 16;
        paused = vrealloc(paused, sizeof(Client *) * paused_cap);
    }
    paused[npaused++] = c;
    return 1;
}

static void paused_forget(Client *c) {
    for (size_t i = 0; i < npaused; i++)
        if (paused[i] == c) { paused[i] = paused[--npaused]; return; }
}

void net_resume_paused_clients(void) {
    if (npaused == 0 || server_pause_active()) return;
    while (npaused) {
        Client *c = paused[0];
        paused[0] = paused[--npaused];
        c->flags &= ~CLIENT_BLOCKED;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        server_update_time();
        c->flags |= CLIENT_PROTECTED;
        command_process(c);
        c->flags &= ~CLIENT_PROTECTED;
        if (c->flags & CLIENT_BLOCKED) continue; /* paused again */
        client_reset_args(c);
        process_input(c);
    }
}

/* ---------------- cron ---------------- */

void net_clients_cron(void) {
    if (server.cfg.maxidletime <= 0) return;
    for (Client *c = client_list; c; c = c->next) {
        if (c->flags & (CLIENT_BLOCKED | CLIENT_PUBSUB | CLIENT_CLOSE_ASAP)) continue;
        if (server.unixtime - c->last_interaction > server.cfg.maxidletime) {
            server_log(LL_VERBOSE, "Closing idle client");
            client_free_async(c);
        }
    }
}
