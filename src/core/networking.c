/* networking.c - clients on the wire: accepting connections, reading and parsing
 * requests, writing replies, output and query buffer limits, and the clients cron
 * (idle timeouts, shrinking idle buffers).
 *
 * A client with output is put on the pending-write array, which the server drains
 * before sleeping by writing directly to the socket, so a request/response round
 * trip costs one read and one write and no epoll change; only when the socket cannot
 * take everything is a write handler installed. Requests are parsed by the RESP
 * reader (net/resp.c) straight into argument objects and run through dispatch.
 * Idle clients give their buffers back: the query buffer is freed once empty, and
 * the cron shrinks a reply buffer whose recent peak is small, so an idle connection
 * holds about as much as in Redis.
 * Invariants: a client on the pending-write array has CLIENT_PENDING_WRITE and its
 * index in pending_idx; an unauthenticated client never holds more than
 * UNAUTH_OUTPUT_LIMIT bytes of output beyond its reply buffer (which grows to 16 KB
 * like anyone's, as Redis's starts at 16 KB: a fresh connection's pipeline of a few
 * hundred -NOAUTH replies is answered, not cut).
 * Costs: O(bytes) per read and write; the clients cron visits every client on
 * every server cron tick (hz times a second). */
#include "client.h"
#include "module.h"
#include "blocking.h"
#include "command.h"
#include "evict.h"
#include "reply.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../net/resp.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Redis closes an unauthenticated client whose reply list (output beyond its reply
 * buffer) passes this (the 2025 fix). */
#define UNAUTH_OUTPUT_LIMIT 1024
#define IDLE_SHRINK_SECONDS 2
#define QUERYBUF_RESIZE_THRESHOLD (32 * 1024)

static Client **pending_writes;
static size_t pending_count, pending_cap;

/* ---------------- accepting ---------------- */

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

static void read_handler(Conn *conn);

static void reject(Conn *conn, const char *msg) {
    if (conn_write(conn, msg, strlen(msg)) < 0) { /* best effort */ }
    server.stat.rejected_conn++;
    conn_close(conn);
}

static void accept_one(int fd, int is_unix) {
    Conn *conn = conn_accepted(server.el, fd, is_unix);
    /* clients already closing (EOF seen this loop turn) no longer count */
    if (clients_count() - clients_closing_count() >= (size_t)server.cfg.maxclients) {
        reject(conn, "-ERR max number of clients reached\r\n");
        return;
    }
    if (!is_unix && server.cfg.protected_mode && (!server.cfg.requirepass || !server.cfg.requirepass[0]) &&
        !conn_peer_is_local(conn)) {
        reject(conn, DENIED_MSG);
        return;
    }
    if (conn_set_read_handler(conn, read_handler) == -1) {
        server_log(LL_WARNING, "Error registering fd event for the new client: %s", strerror(errno));
        conn_close(conn);
        return;
    }
    conn_enable_nodelay(conn);
    conn_keepalive(conn, server.cfg.tcp_keepalive);
    Client *c = client_create(conn, is_unix ? CLIENT_UNIX_SOCKET : 0);
    server.stat.numconnections++;
    conn_format_peer(conn, c->peer, sizeof(c->peer), server.cfg.unixsocket);
    conn_format_local(conn, c->sock, sizeof(c->sock), server.cfg.unixsocket);
}

void net_accept(int listen_fd, int is_unix) {
    for (int i = 0; i < 1000; i++) {
        int fd = conn_accept_fd(listen_fd);
        if (fd == -1) {
            if (errno != EWOULDBLOCK && errno != EAGAIN)
                server_log(LL_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        accept_one(fd, is_unix);
    }
}

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

/* Called after a command ran: CLIENT REPLY SKIP silences exactly the next one.
 * A command that blocked is not done yet: it keeps its arguments and the skip,
 * so the reply it gets when served, timed out or unblocked is skipped too (as in
 * Redis); blocking.c calls this again once that reply is out. */
static inline void command_done(Client *c) {
    if (c->flags & CLIENT_BLOCKED) return;
    client_reset_args(c);
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags |= CLIENT_REPLY_SKIP;
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
    }
}

void net_command_done(Client *c) { command_done(c); }

static void drop_consumed_input(Client *c) {
    if (!c->querybuf || !c->qb_pos) return;
    size_t left = sds_len(c->querybuf) - c->qb_pos;
    if (left) memmove(c->querybuf, c->querybuf + c->qb_pos, left);
    sds_setlen(c->querybuf, left);
    c->qb_pos = 0;
}

void net_process_input(Client *c) {
    RespRequest req;
    RespLimits lim = {server.cfg.proto_max_bulk_len, c->authenticated};
    while (c->querybuf && c->qb_pos < sds_len(c->querybuf)) {
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)) break;
        /* its command is still running (a busy script serving events): the input
         * waits, and the running call's loop resumes it */
        if (c->flags & CLIENT_EXECUTING) return;
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
        /* maxmemory-clients: the biggest clients go first, this one maybe */
        if (client_evict_run(c)) {
            c->flags &= ~CLIENT_PROTECTED;
            break;
        }
        command_process(c);
        c->flags &= ~CLIENT_PROTECTED;
        command_done(c);
        client_evict_update(c);
        lim.authenticated = c->authenticated;
    }
    drop_consumed_input(c);
    client_evict_update(c);
}

/* Bytes to read: a whole pending bulk argument at once when it is big. */
static size_t read_size(Client *c, int *exact) {
    size_t readlen = PROTO_IOBUF_LEN;
    *exact = 0;
    if (c->reqtype == REQ_MULTIBULK && c->bulklen >= 0 && c->querybuf) {
        long pending = c->bulklen + 2 - (long)(sds_len(c->querybuf) - c->qb_pos);
        if (pending > PROTO_IOBUF_LEN) {
            readlen = (size_t)pending;
            *exact = 1;
        }
    }
    return readlen;
}

static int querybuf_over_limit(Client *c) {
    if (!server.cfg.client_max_querybuf_len) return 0;
    if (sds_len(c->querybuf) - c->qb_pos <= (size_t)server.cfg.client_max_querybuf_len) return 0;
    Sds info = client_info_string(c);
    server_log(LL_WARNING, "Closing client that reached max query buffer length: %s (qbuf initial bytes: ...)", info);
    sds_free(info);
    server.stat.client_qbuf_limit_disconnections++;
    client_free_async(c);
    return 1;
}

/* One read of up to read_size() bytes, then the input is parsed and run. Returns
 * 1 when the read filled its buffer and the client now waits for the rest of a
 * big argument (more is likely in the socket), else 0. */
static int read_once(Conn *conn, Client *c) {
    int big_arg;
    size_t readlen = read_size(c, &big_arg);
    if (!c->querybuf) c->querybuf = sds_empty();
    size_t qblen = sds_len(c->querybuf);
    /* exact room for a big argument or a small buffer (so a fresh client holds
     * 16 KB, not twice that); past that, grow greedily and fill what is there */
    if (big_arg || sds_alloc(c->querybuf) < PROTO_IOBUF_LEN) {
        c->querybuf = sds_make_room_exact(c->querybuf, readlen);
    } else {
        c->querybuf = sds_make_room(c->querybuf, readlen);
        readlen = sds_avail(c->querybuf);
    }
    ssize_t n = conn_read(conn, c->querybuf + qblen, readlen);
    if (n == -1 && errno == EAGAIN) return 0;
    if (n <= 0) {
        if (n == 0) server_log(LL_VERBOSE, "Client closed connection id=%llu addr=%s", (unsigned long long)c->id, c->peer);
        else server_log(LL_VERBOSE, "Reading from client: %s", conn_error(conn));
        client_free_async(c);
        return 0;
    }
    sds_incrlen(c->querybuf, n);
    c->net_in += n;
    server.stat.net_input_bytes += n;
    server.stat.total_reads_processed++;
    c->last_interaction = server.unixtime;
    if (sds_len(c->querybuf) > c->querybuf_peak) c->querybuf_peak = sds_len(c->querybuf);
    if (querybuf_over_limit(c)) return 0;
    net_process_input(c);
    if ((size_t)n != readlen ||
        (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED | CLIENT_EXECUTING)))
        return 0;
    read_size(c, &big_arg);
    return big_arg;
}

/* A read event. A request's header announcing a big argument is followed at once
 * by a second read of the argument itself (sized to it), instead of a turn of the
 * event loop later: a big request arriving whole is taken whole, so a command of
 * another client that arrives meanwhile sees it read (as CLIENT LIST does in the
 * client-eviction tests) and the loop saves a wake-up per big request. */
static void read_handler(Conn *conn) {
    Client *c = conn_private(conn);
    if (read_once(conn, c)) read_once(conn, c);
}

/* ---------------- writing ---------------- */

void net_schedule_write(Client *c) {
    if (c->flags & CLIENT_PENDING_WRITE) return;
    if (pending_count == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 64;
        pending_writes = vrealloc(pending_writes, sizeof(Client *) * pending_cap);
    }
    c->pending_idx = (int)pending_count;
    pending_writes[pending_count++] = c;
    c->flags |= CLIENT_PENDING_WRITE;
}

void net_forget_pending_write(Client *c) {
    if (c->pending_idx < 0) return;
    size_t i = (size_t)c->pending_idx;
    pending_writes[i] = pending_writes[--pending_count];
    if (i < pending_count) pending_writes[i]->pending_idx = (int)i;
    c->pending_idx = -1;
    c->flags &= ~CLIENT_PENDING_WRITE;
}

/* Fills iov with the unsent output; returns the number of entries. */
static int gather_output(Client *c, struct iovec *iov, int max, size_t *total) {
    int n = 0;
    *total = 0;
    if (c->bufpos > c->sentlen) {
        iov[n].iov_base = c->buf + c->sentlen;
        iov[n].iov_len = c->bufpos - c->sentlen;
        *total += iov[n++].iov_len;
    }
    size_t off = c->bufpos > c->sentlen ? 0 : c->sentlen;
    for (ReplyBlock *b = c->reply_head; b && n < max; b = b->next) {
        size_t start = (b == c->reply_head) ? off : 0;
        if (b->used > start) {
            iov[n].iov_base = (char *)reply_block_data(b) + start;
            iov[n].iov_len = b->used - start;
            *total += iov[n++].iov_len;
        }
    }
    return n;
}

static void drop_head_block(Client *c) {
    ReplyBlock *b = c->reply_head;
    c->reply_head = b->next;
    if (!c->reply_head) c->reply_tail = NULL;
    c->reply_bytes -= b->size;
    if (b->shared) c->reply_shared_bytes -= b->size;
    reply_block_free(b);
}

/* Advances the output past w written bytes. */
static void consume_output(Client *c, size_t left) {
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
        size_t k = c->reply_head->used - c->sentlen;
        if (left >= k) {
            left -= k;
            drop_head_block(c);
            c->sentlen = 0;
        } else {
            c->sentlen += left;
            left = 0;
        }
    }
    /* skip empty blocks at the head (not unfilled deferred placeholders) */
    while (c->reply_head && c->bufpos == 0 && c->reply_head->used == 0 && c->reply_head->size != 0)
        drop_head_block(c);
}

static void write_handler(Conn *conn);

/* Writes as much as the socket takes. Returns -1 if the client is closing. */
static int write_to_client(Client *c) {
    while (client_has_pending_replies(c)) {
        struct iovec iov[16];
        size_t total;
        int n = gather_output(c, iov, 16, &total);
        if (total == 0) break;
        ssize_t w = conn_writev(c->conn, iov, n);
        if (w <= 0) {
            if (w == -1 && errno == EAGAIN) break;
            server_log(LL_VERBOSE, "Error writing to client: %s", w == -1 ? conn_error(c->conn) : "short write");
            client_free_async(c);
            return -1;
        }
        server.stat.net_output_bytes += w;
        server.stat.total_writes_processed++;
        c->net_out += w;
        consume_output(c, (size_t)w);
        if ((size_t)w < total) break;
    }
    client_evict_update(c);
    if (!client_has_pending_replies(c)) {
        c->sentlen = 0;
        if (conn_has_write_handler(c->conn)) conn_set_write_handler(c->conn, NULL);
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            client_free_async(c);
            return -1;
        }
    }
    return 0;
}

/* A client whose output did not fit the socket: the rest goes when it is writable,
 * unless a reply produced in this event loop turn could then overtake what must
 * reach the disk first (the barrier): before-sleep persists, then writes. */
static void write_handler(Conn *conn) {
    if (modules_output_barrier()) return;
    write_to_client(conn_private(conn));
}

void net_handle_pending_writes(void) {
    while (pending_count) {
        Client *c = pending_writes[pending_count - 1];
        net_forget_pending_write(c);
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (write_to_client(c) < 0) continue;
        if (client_has_pending_replies(c) && !conn_has_write_handler(c->conn)) {
            if (conn_set_write_handler(c->conn, write_handler) == -1) client_free_async(c);
        }
    }
}

int net_check_output_limits(Client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return 1;
    size_t used = c->reply_bytes;
    int hard, soft;
    if (!c->authenticated) {
        hard = used > UNAUTH_OUTPUT_LIMIT;
        soft = 0;
    } else {
        const OutputBufferLimit *l = &server.cfg.obuf_limits[client_type(c)];
        hard = l->hard && used >= l->hard;
        soft = l->soft && used >= l->soft;
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
    }
    if (!hard && !soft) return 0;
    Sds info = client_info_string(c);
    server_log(LL_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", info);
    sds_free(info);
    server.stat.client_outbuf_limit_disconnections++;
    client_free_async(c);
    return 1;
}

/* ---------------- cron ---------------- */

#define ARGV_KEEP_MAX 1024 /* argv slots a client keeps between commands */

/* DEBUG REPLYBUFFER's knobs: how often the reply buffers' peaks restart (ms; < 0
 * never), and whether the cron resizes reply buffers at all. */
static long long reply_peak_reset_ms = REPLY_PEAK_RESET_DEFAULT_MS;
static long long reply_peak_last_reset_ms;
static int reply_resizing = 1;

void net_set_reply_peak_reset(long long ms) { reply_peak_reset_ms = ms; }
void net_set_reply_resizing(int on) { reply_resizing = on; }

/* Gives back buffer memory a client no longer needs, as Redis's clients cron
 * does: an idle client's empty query buffer is freed; a big one (over
 * QUERYBUF_RESIZE_THRESHOLD) twice its recent peak shrinks to the peak. The
 * reply buffer doubles (up to REPLY_CHUNK_BYTES) when it filled up since its peak
 * last restarted, and shrinks to twice that peak (1 KB at least); the peaks
 * restart every REPLY_PEAK_RESET_DEFAULT_MS or what DEBUG REPLYBUFFER
 * PEAK-RESET-TIME says, when reset_peak is set. */
static void resize_buffers(Client *c, int reset_peak) {
    int idle = server.unixtime - c->last_interaction > IDLE_SHRINK_SECONDS;
    if (c->querybuf && c->reqtype == REQ_UNKNOWN) {
        size_t size = sds_alloc(c->querybuf), len = sds_len(c->querybuf);
        if (idle && len == 0) {
            sds_free(c->querybuf);
            c->querybuf = NULL;
        } else if (size > QUERYBUF_RESIZE_THRESHOLD && size / 2 > c->querybuf_peak) {
            size_t want = c->querybuf_peak > len ? c->querybuf_peak : len;
            c->querybuf = sds_resize(c->querybuf, want);
        }
    }
    c->querybuf_peak = c->querybuf ? sds_len(c->querybuf) : 0;
    /* the reply buffer follows its peak use since the peaks last restarted,
     * whether or not the client sends commands (a subscriber only receives) */
    if (!reply_resizing) {
        /* DEBUG REPLYBUFFER RESIZING 0: sizes stay as they are */
    } else if (c->buf && c->buf_peak >= c->buf_size && c->buf_size < REPLY_CHUNK_BYTES) {
        /* filled up (tracking invalidations overflowing to blocks grow it only
         * here); the bytes queued in it stay, and blocks still follow it */
        c->buf_size = c->buf_size * 2 < REPLY_CHUNK_BYTES ? c->buf_size * 2 : REPLY_CHUNK_BYTES;
        c->buf = vrealloc(c->buf, c->buf_size);
        server.stat.reply_buffer_expands++;
    } else if (c->bufpos == 0 && !c->reply_head && c->buf_size > REPLY_BUF_MIN) {
        size_t want = c->buf_peak * 2 > REPLY_BUF_MIN ? c->buf_peak * 2 : REPLY_BUF_MIN;
        if (want < c->buf_size) {
            c->buf = vrealloc(c->buf, want);
            c->buf_size = want;
            server.stat.reply_buffer_shrinks++;
        }
    }
    if (reset_peak) c->buf_peak = c->bufpos;
    /* a command with many arguments left a big argv array behind (Redis frees argv
     * after every command): give it back while no command is being read */
    if (c->argc == 0 && c->argv_cap > ARGV_KEEP_MAX && c->reqtype == REQ_UNKNOWN && !(c->flags & CLIENT_BLOCKED)) {
        vfree(c->argv);
        c->argv = NULL;
        c->argv_cap = 0;
    }
}

void net_clients_cron(void) {
    long long now = mstime();
    int reset_peak = reply_peak_reset_ms >= 0 && now - reply_peak_last_reset_ms >= reply_peak_reset_ms;
    if (reset_peak) reply_peak_last_reset_ms = now;
    for (Client *c = clients_first(); c; c = c->next) {
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (server.cfg.maxidletime > 0 && !(c->flags & (CLIENT_BLOCKED | CLIENT_PUBSUB | CLIENT_REPLICA)) &&
            server.unixtime - c->last_interaction > server.cfg.maxidletime) {
            server_log(LL_VERBOSE, "Closing idle client");
            client_free_async(c);
            continue;
        }
        /* a soft limit can expire while nothing more is queued */
        if (c->obuf_soft_limit_reached_time && net_check_output_limits(c)) continue;
        if (!(c->flags & CLIENT_PROTECTED)) resize_buffers(c, reset_peak);
    }
}
