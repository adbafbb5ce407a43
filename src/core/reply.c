/* reply.c - the reply encoders: RESP2/RESP3 values appended to a client's output.
 *
 * Output goes first into the client's reply buffer, then into a list of 16 KB
 * blocks. The buffer starts at REPLY_BUF_MIN bytes (allocated on the first reply)
 * and doubles, up to REPLY_CHUNK_BYTES, while nothing is queued in blocks
 * (tracking invalidations only fill it: reply_push_nogrow); the clients cron grows
 * a buffer that filled up and shrinks it again when its peak use drops
 * (networking.c), so an idle client holds about a kilobyte and a busy one writes
 * whole pipelines from one buffer.
 * Invariants: output order is buf[sentlen..bufpos) then the blocks in order; a block
 * whose size is 0 is a deferred-length placeholder that nothing else may append to;
 * c->reply_bytes is the sum of the blocks' sizes (what output limits check).
 * Push messages (pub/sub) bypass CLIENT REPLY OFF/SKIP, as in Redis. A big message
 * sent to many clients is encoded once into a SharedReply and each client queues
 * a small ReplyBlock pointing at it (reference counted) instead of a copy.
 * Costs: O(length) per reply, one allocation per 16 KB of queued output; a shared
 * message costs one small allocation per client whatever its length. */
#include "reply.h"
#include "command.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFERRED_HDR_CAP 32

/* Replicas get no replies (only the replication stream, reply_stream). */
static inline int reply_allowed(const Client *c) {
    return !(c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_ASAP | CLIENT_REPLICA));
}

void reply_block_free(ReplyBlock *b) {
    if (b->shared) reply_shared_release(b->shared);
    vfree(b);
}

void reply_free_blocks(Client *c) {
    ReplyBlock *b = c->reply_head;
    while (b) {
        ReplyBlock *n = b->next;
        reply_block_free(b);
        b = n;
    }
    c->reply_head = c->reply_tail = NULL;
    c->reply_bytes = 0;
    c->reply_shared_bytes = 0;
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
        /* after a shared block (pub/sub), whose next message is likely shared too,
         * start small: a 16 KB block per receiver would hold one small reply */
        size_t chunk = t && t->shared ? REPLY_BUF_MIN : REPLY_CHUNK_BYTES;
        size_t size = len < chunk ? chunk : len;
        ReplyBlock *b = vmalloc(sizeof(ReplyBlock) + size);
        b->size = size;
        b->used = len;
        b->next = NULL;
        b->shared = NULL;
        memcpy(b->buf, p, len);
        if (c->reply_tail) c->reply_tail->next = b;
        else c->reply_head = b;
        c->reply_tail = b;
        c->reply_bytes += size;
    }
    if (c->conn) net_check_output_limits(c);
}

/* Makes room for len more bytes in the buffer when it may grow (grow 0: only the
 * first REPLY_BUF_MIN bytes are allocated); returns the room. */
static size_t buf_room(Client *c, size_t len, int grow) {
    size_t room = c->buf_size - c->bufpos;
    if (room >= len || c->reply_tail || c->buf_size >= REPLY_CHUNK_BYTES || (!grow && c->buf_size)) return room;
    size_t want = c->buf_size ? c->buf_size : REPLY_BUF_MIN;
    while (grow && want < c->bufpos + len && want < REPLY_CHUNK_BYTES) want *= 2;
    if (want > REPLY_CHUNK_BYTES) want = REPLY_CHUNK_BYTES;
    c->buf = vrealloc(c->buf, want);
    c->buf_size = want;
    return want - c->bufpos;
}

static inline void note_output(Client *c) {
    if (c->bufpos > c->buf_peak) c->buf_peak = c->bufpos;
    if (c->conn && !(c->flags & CLIENT_PENDING_WRITE)) net_schedule_write(c);
}

/* Appends to the buffer (grown when grow is set) and then to blocks. */
static void raw_append(Client *c, const char *p, size_t len, int grow) {
    if (!c->reply_tail) {
        size_t room = buf_room(c, len, grow);
        size_t k = len <= room ? len : room;
        memcpy(c->buf + c->bufpos, p, k);
        c->bufpos += k;
        p += k;
        len -= k;
    }
    if (len) append_block(c, p, len);
    note_output(c);
}

void reply_raw(Client *c, const char *p, size_t len) {
    if (reply_allowed(c)) raw_append(c, p, len, 1);
}

void reply_stream(Client *c, const char *p, size_t len) {
    if (!(c->flags & CLIENT_CLOSE_ASAP)) raw_append(c, p, len, 1);
}

/* ---------------- push messages and shared output ---------------- */

void reply_push_raw(Client *c, const char *p, size_t len) {
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_REPLICA)) return;
    if (!c->reply_tail && c->buf_size - c->bufpos >= len) {
        memcpy(c->buf + c->bufpos, p, len);
        c->bufpos += len;
        note_output(c);
        return;
    }
    raw_append(c, p, len, 1);
}

void reply_push_nogrow(Client *c, const char *p, size_t len) {
    if (!(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_REPLICA))) raw_append(c, p, len, 0);
}

static size_t shared_live; /* bytes of the live SharedReplys */

size_t reply_shared_live_bytes(void) { return shared_live; }

SharedReply *reply_shared_create(const char *p, size_t len) {
    SharedReply *s = vmalloc(sizeof(SharedReply) + len);
    shared_live += len;
    s->refcount = 1;
    s->len = len;
    if (p) memcpy(s->buf, p, len);
    return s;
}

void reply_shared_release(SharedReply *s) {
    if (--s->refcount == 0) {
        shared_live -= s->len;
        vfree(s);
    }
}

void reply_push_shared(Client *c, SharedReply *s) {
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_REPLICA)) return;
    ReplyBlock *b = vmalloc(sizeof(ReplyBlock));
    b->size = b->used = s->len;
    b->next = NULL;
    b->shared = s;
    s->refcount++;
    if (c->reply_tail) c->reply_tail->next = b;
    else c->reply_head = b;
    c->reply_tail = b;
    c->reply_bytes += s->len;
    c->reply_shared_bytes += s->len;
    note_output(c);
    if (c->conn) net_check_output_limits(c);
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

/* The error code of msg: "-CODE text" gives CODE (and *msg, *len skip the '-'),
 * text without '-' gives ERR. Sets *code and returns the code's length. */
static size_t error_code(const char **msg, size_t *len, const char **code) {
    if (*len && (*msg)[0] == '-') {
        (*msg)++;
        (*len)--;
        *code = *msg;
        const char *sp = memchr(*msg, ' ', *len);
        return sp ? (size_t)(sp - *msg) : *len;
    }
    *code = "ERR";
    return 3;
}

void reply_error_count(const char *msg, size_t len) {
    const char *code;
    size_t codelen = error_code(&msg, &len, &code);
    server_count_error(code, codelen);
    server.stat.total_error_replies++;
}

static void reply_error_common(Client *c, const char *msg, size_t len, int stats) {
    const char *code;
    size_t codelen = error_code(&msg, &len, &code);
    Sds e = sds_newlen("-", 1);
    if (code != msg) e = sds_cat(e, "ERR ");
    size_t start = sds_len(e);
    e = sds_catlen(e, msg, len);
    /* an error is one line: CR and LF inside it become spaces */
    for (size_t i = start; i < sds_len(e); i++)
        if (e[i] == '\r' || e[i] == '\n') e[i] = ' ';
    e = sds_catlen(e, "\r\n", 2);
    reply_raw(c, e, sds_len(e));
    sds_free(e);
    if (stats) {
        server_count_error(code, codelen);
        server.stat.total_error_replies++;
    }
    command_note_failure(c);
}

void reply_error_len(Client *c, const char *msg, size_t len) { reply_error_common(c, msg, len, 1); }
void reply_error_nostats(Client *c, const char *msg, size_t len) { reply_error_common(c, msg, len, 0); }

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
    if (len < 128 && !c->reply_tail && buf_room(c, len + 32, 1) >= len + 32) {
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
        note_output(c);
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
    ReplyBlock *b = vmalloc(sizeof(ReplyBlock) + DEFERRED_HDR_CAP);
    b->size = 0; /* placeholder: nothing may be appended to it */
    b->used = 0;
    b->next = NULL;
    b->shared = NULL;
    if (c->reply_tail) c->reply_tail->next = b;
    else c->reply_head = b;
    c->reply_tail = b;
    note_output(c);
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

Sds reply_take(Client *c) {
    Sds out = sds_empty();
    if (c->bufpos > c->sentlen) out = sds_catlen(out, c->buf + c->sentlen, c->bufpos - c->sentlen);
    size_t skip = c->bufpos > c->sentlen ? 0 : c->sentlen;
    for (ReplyBlock *b = c->reply_head; b; b = b->next) {
        size_t start = b == c->reply_head ? skip : 0;
        if (b->used > start) out = sds_catlen(out, reply_block_data(b) + start, b->used - start);
    }
    c->bufpos = c->sentlen = 0;
    reply_free_blocks(c);
    return out;
}
