/* resp.c - RESP request parser and reply reader.
 *
 * The request parser is incremental and keeps only counters between calls: the
 * caller owns the buffer and the parser reports how far it consumed, so a command
 * split across any number of reads is parsed in O(bytes). Limits (inline length,
 * multibulk count, bulk length) are checked before anything is allocated, so
 * hostile lengths cost nothing.
 *
 * The reply reader builds a tree of RespValue for one complete reply at a time. It
 * re-parses from the start of the current reply when more bytes arrive; replies are
 * small for the tools that use it, and a nesting limit bounds recursion. */
#include "resp.h"
#include "../base/alloc.h"
#include "../base/sds.h"
#include "../base/util.h"
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

void resp_request_reset(RespRequest *req) {
    req->type = 0;
    req->multibulklen = 0;
    req->bulklen = -1;
    req->argc_expected = 0;
}

long resp_request_pending_bulk(const RespRequest *req) {
    return (req->type == 2 && req->bulklen >= 0) ? req->bulklen + 2 : 0;
}

/* Offset of the first `ch` in buf[from..len), or -1 when the end or a NUL byte
 * comes first. Redis searches its query buffer with strchr, so to Redis a NUL
 * hides every line end after it: the request waits for more bytes (and fails at
 * the 64 KB line limit) instead of acting on a line cut at the NUL. */
static long find_line_end(const char *buf, size_t from, size_t len, char ch) {
    const char *start = buf + from;
    const char *hit = memchr(start, ch, len - from);
    if (!hit || memchr(start, '\0', (size_t)(hit - start))) return -1;
    return (long)(hit - buf);
}

#define LINE_MORE -1
#define LINE_TOO_BIG -2

/* Finds the end of the header line at buf[pos] as Redis does: the first CR, with
 * at least one byte after it (skipped unchecked, as Redis does). Returns the CR's
 * offset, LINE_MORE, or LINE_TOO_BIG once more than RESP_INLINE_MAX bytes wait
 * without one. */
static long header_line_end(const char *buf, size_t len, size_t pos) {
    long cr = find_line_end(buf, pos, len, '\r');
    if (cr < 0) return len - pos > RESP_INLINE_MAX ? LINE_TOO_BIG : LINE_MORE;
    if ((size_t)cr + 1 >= len) return LINE_MORE;
    return cr;
}

/* Splits an inline line into arguments with the config-file quoting rules. The
 * line holds no NUL byte (find_line_end stops there), so splitting it as a C
 * string sees all of it. */
static int parse_inline(RespRequest *req, const char *buf, size_t len, size_t *pos, RespArgFn fn, void *ctx, const char **err) {
    long nl = find_line_end(buf, *pos, len, '\n');
    if (nl < 0) {
        if (len - *pos > RESP_INLINE_MAX) {
            *err = "Protocol error: too big inline request";
            return RESP_REQ_ERROR;
        }
        return RESP_REQ_NEED_MORE;
    }
    size_t linelen = (size_t)nl - *pos;
    if (linelen && buf[nl - 1] == '\r') linelen--;
    char *line = vmalloc(linelen + 1);
    memcpy(line, buf + *pos, linelen);
    line[linelen] = '\0';
    int argc;
    Sds *argv = sds_splitargs(line, &argc);
    vfree(line);
    if (!argv) {
        *err = "Protocol error: unbalanced quotes in request";
        return RESP_REQ_ERROR;
    }
    *pos = (size_t)nl + 1;
    for (int i = 0; i < argc; i++) fn(ctx, argv[i], sds_len(argv[i]), argc);
    sds_freesplit(argv, argc);
    resp_request_reset(req);
    return RESP_REQ_DONE;
}

/* Reads "*<count>\r\n". RESP_REQ_DONE with req->multibulklen set (0 for an empty
 * or negative count, which makes an empty command). */
static int parse_mbulk_count(RespRequest *req, const char *buf, size_t len, size_t *pos, const RespLimits *lim, const char **err) {
    long cr = header_line_end(buf, len, *pos);
    if (cr == LINE_MORE) return RESP_REQ_NEED_MORE;
    if (cr == LINE_TOO_BIG) {
        *err = "Protocol error: too big mbulk count string";
        return RESP_REQ_ERROR;
    }
    long long n;
    if (!string2ll(buf + *pos + 1, (size_t)cr - *pos - 1, &n) || n > INT32_MAX) {
        *err = "Protocol error: invalid multibulk length";
        return RESP_REQ_ERROR;
    }
    if (n > 10 && lim && !lim->authenticated) {
        *err = "Protocol error: unauthenticated multibulk length";
        return RESP_REQ_ERROR;
    }
    *pos = (size_t)cr + 2;
    req->multibulklen = n > 0 ? (long)n : 0;
    req->argc_expected = req->multibulklen;
    req->bulklen = -1;
    return RESP_REQ_DONE;
}

/* "Protocol error: expected '$', got 'X'" in req->errbuf. A CR or LF (NUL cannot
 * reach here) is shown as a space so the text stays one well-formed error line. */
static const char *expected_dollar(RespRequest *req, char got) {
    if (got == '\r' || got == '\n' || got == '\0') got = ' ';
    snprintf(req->errbuf, sizeof(req->errbuf), "Protocol error: expected '$', got '%c'", got);
    return req->errbuf;
}

/* Reads "$<len>\r\n" into req->bulklen. */
static int parse_bulk_header(RespRequest *req, const char *buf, size_t len, size_t *pos, const RespLimits *lim, const char **err) {
    long cr = header_line_end(buf, len, *pos);
    if (cr == LINE_MORE) return RESP_REQ_NEED_MORE;
    if (cr == LINE_TOO_BIG) {
        *err = "Protocol error: too big bulk count string";
        return RESP_REQ_ERROR;
    }
    if (buf[*pos] != '$') {
        *err = expected_dollar(req, buf[*pos]);
        return RESP_REQ_ERROR;
    }
    long long n;
    long long maxb = lim ? lim->max_bulk_len : 512LL * 1024 * 1024;
    if (!string2ll(buf + *pos + 1, (size_t)cr - *pos - 1, &n) || n < 0 || n > maxb) {
        *err = "Protocol error: invalid bulk length";
        return RESP_REQ_ERROR;
    }
    if (n > 16384 && lim && !lim->authenticated) {
        *err = "Protocol error: unauthenticated bulk length";
        return RESP_REQ_ERROR;
    }
    *pos = (size_t)cr + 2;
    req->bulklen = (long)n;
    return RESP_REQ_DONE;
}

/* Reads the arguments of a multibulk request whose count is known. */
static int parse_bulks(RespRequest *req, const char *buf, size_t len, size_t *pos, const RespLimits *lim, RespArgFn fn, void *ctx, const char **err) {
    while (req->multibulklen) {
        if (req->bulklen == -1) {
            int r = parse_bulk_header(req, buf, len, pos, lim, err);
            if (r != RESP_REQ_DONE) return r;
        }
        /* the two bytes after the data are skipped unchecked, as Redis does */
        if (len - *pos < (size_t)req->bulklen + 2) return RESP_REQ_NEED_MORE;
        fn(ctx, buf + *pos, (size_t)req->bulklen, req->argc_expected);
        *pos += (size_t)req->bulklen + 2;
        req->bulklen = -1;
        req->multibulklen--;
    }
    resp_request_reset(req);
    return RESP_REQ_DONE;
}

int resp_parse_request(RespRequest *req, const char *buf, size_t len, size_t *pos,
                       const RespLimits *lim, RespArgFn fn, void *ctx, const char **err) {
    if (req->type == 0) {
        if (*pos >= len) return RESP_REQ_NEED_MORE;
        req->type = buf[*pos] == '*' ? 2 : 1;
    }
    if (req->type == 1) return parse_inline(req, buf, len, pos, fn, ctx, err);
    if (req->multibulklen == 0 && req->argc_expected == 0) {
        int r = parse_mbulk_count(req, buf, len, pos, lim, err);
        if (r != RESP_REQ_DONE) return r;
    }
    return parse_bulks(req, buf, len, pos, lim, fn, ctx, err);
}

/* ---------------- reply reader ---------------- */

#define RESP_MAX_DEPTH 64

struct RespReader {
    Sds buf;
    size_t pos;
    char err[128];
    int failed;
};

RespReader *resp_reader_create(void) {
    RespReader *r = vcalloc(sizeof(*r));
    r->buf = sds_empty();
    return r;
}

void resp_reader_free(RespReader *r) {
    if (!r) return;
    sds_free(r->buf);
    vfree(r);
}

void resp_reader_feed(RespReader *r, const char *buf, size_t len) {
    if (r->pos > 0 && r->pos >= sds_len(r->buf) / 2) {
        sds_range(r->buf, (long)r->pos, -1);
        if (r->pos >= sds_len(r->buf) + r->pos) sds_clear(r->buf);
        r->pos = 0;
    }
    r->buf = sds_catlen(r->buf, buf, len);
}

size_t resp_reader_pending(const RespReader *r) { return sds_len(r->buf) - r->pos; }
const char *resp_reader_error(const RespReader *r) { return r->err; }

void resp_value_free(RespValue *v) {
    if (!v) return;
    for (size_t i = 0; i < v->elements; i++) resp_value_free(v->element[i]);
    vfree(v->element);
    vfree(v->str);
    vfree(v);
}

static RespValue *new_value(RespType t) {
    RespValue *v = vcalloc(sizeof(*v));
    v->type = t;
    return v;
}

static void set_str(RespValue *v, const char *p, size_t len) {
    v->str = vmalloc(len + 1);
    memcpy(v->str, p, len);
    v->str[len] = '\0';
    v->len = len;
}

/* Parses one value at *pos; returns 1 ok, 0 incomplete, -1 error. */
static int parse_value(RespReader *r, size_t *pos, RespValue **out, int depth) {
    const char *buf = r->buf;
    size_t len = sds_len(r->buf);
    if (*pos >= len) return 0;
    if (depth > RESP_MAX_DEPTH) {
        strcpy(r->err, "Protocol error: nesting too deep");
        return -1;
    }
    char t = buf[*pos];
    const char *line = buf + *pos + 1;
    const char *cr = memchr(line, '\r', len - *pos - 1);
    if (!cr || (size_t)(cr - buf) + 1 >= len) return 0;
    size_t linelen = (size_t)(cr - line);
    size_t after = (size_t)(cr - buf) + 2;
    long long n = 0;
    RespValue *v;
    switch (t) {
    case '+': case '-': case '(':
        v = new_value(t == '+' ? RESP_STATUS : t == '-' ? RESP_ERROR : RESP_BIGNUM);
        set_str(v, line, linelen);
        *pos = after;
        *out = v;
        return 1;
    case ':':
        if (!string2ll(line, linelen, &n)) goto bad;
        v = new_value(RESP_INTEGER);
        v->integer = n;
        set_str(v, line, linelen);
        *pos = after;
        *out = v;
        return 1;
    case ',': {
        v = new_value(RESP_DOUBLE);
        set_str(v, line, linelen);
        if (!strcasecmp(v->str, "inf")) v->dval = 1.0 / 0.0;
        else if (!strcasecmp(v->str, "-inf")) v->dval = -1.0 / 0.0;
        else v->dval = strtod(v->str, NULL);
        *pos = after;
        *out = v;
        return 1;
    }
    case '#':
        if (linelen != 1 || (line[0] != 't' && line[0] != 'f')) goto bad;
        v = new_value(RESP_BOOL);
        v->integer = line[0] == 't';
        *pos = after;
        *out = v;
        return 1;
    case '_':
        if (linelen != 0) goto bad;
        *out = new_value(RESP_NIL);
        *pos = after;
        return 1;
    case '$': case '=': case '!':
        if (!string2ll(line, linelen, &n) || n < -1 || n > 1LL << 32) goto bad;
        if (n == -1) {
            *out = new_value(RESP_NIL);
            *pos = after;
            return 1;
        }
        if (len - after < (size_t)n + 2) return 0;
        v = new_value(t == '$' ? RESP_STRING : t == '=' ? RESP_VERB : RESP_ERROR);
        if (t == '=') {
            if (n < 4 || buf[after + 3] != ':') { resp_value_free(v); goto bad; }
            memcpy(v->vtype, buf + after, 3);
            v->vtype[3] = '\0';
            set_str(v, buf + after + 4, (size_t)n - 4);
        } else {
            set_str(v, buf + after, (size_t)n);
        }
        *pos = after + (size_t)n + 2;
        *out = v;
        return 1;
    case '*': case '%': case '~': case '|': case '>': {
        if (!string2ll(line, linelen, &n) || n < -1 || n > INT32_MAX) goto bad;
        if (n == -1) {
            *out = new_value(RESP_NIL);
            *pos = after;
            return 1;
        }
        RespType rt = t == '*' ? RESP_ARRAY : t == '%' ? RESP_MAP : t == '~' ? RESP_SET : t == '|' ? RESP_ATTR : RESP_PUSH;
        size_t count = (size_t)n * ((t == '%' || t == '|') ? 2 : 1);
        v = new_value(rt);
        size_t p = after;
        if (count) v->element = vcalloc(sizeof(RespValue *) * (count < 1024 ? count : 1024));
        size_t cap = count < 1024 ? count : 1024;
        for (size_t i = 0; i < count; i++) {
            RespValue *child = NULL;
            int rc = parse_value(r, &p, &child, depth + 1);
            if (rc <= 0) {
                resp_value_free(v);
                return rc;
            }
            if (i == cap) {
                cap *= 2;
                if (cap > count) cap = count;
                v->element = vrealloc(v->element, sizeof(RespValue *) * cap);
            }
            v->element[v->elements++] = child;
        }
        *pos = p;
        *out = v;
        return 1;
    }
    default:
        snprintf(r->err, sizeof(r->err), "Protocol error, got \"%c\" as reply type byte", isprint((unsigned char)t) ? t : '?');
        return -1;
    }
bad:
    snprintf(r->err, sizeof(r->err), "Protocol error: bad '%c' line", t);
    return -1;
}

int resp_reader_next(RespReader *r, RespValue **out) {
    if (r->failed) return -1;
    size_t p = r->pos;
    RespValue *v = NULL;
    int rc = parse_value(r, &p, &v, 0);
    if (rc < 0) {
        r->failed = 1;
        return -1;
    }
    if (rc == 0) return 0;
    r->pos = p;
    *out = v;
    return 1;
}

/* Reply boundary scanner for the benchmark's hot path: walks one reply without
 * building anything. A single counter of values still expected replaces recursion:
 * an aggregate header adds its element count, every value takes one off, and an
 * attribute adds its pairs without taking its own slot (the real value follows). */
long resp_skip_reply(const char *buf, size_t len) {
    size_t pos = 0;
    long long pending = 1, n;
    while (pending > 0) {
        if (pos >= len) return 0;
        char t = buf[pos];
        const char *line = buf + pos + 1;
        const char *nl = memchr(line, '\n', len - pos - 1);
        if (!nl) return 0;
        if (nl == line || nl[-1] != '\r') return -1;
        size_t linelen = (size_t)(nl - 1 - line);
        pos = (size_t)(nl + 1 - buf);
        switch (t) {
        case '+': case '-': case ':': case ',': case '#': case '_': case '(':
            pending--;
            break;
        case '$': case '=': case '!':
            if (!string2ll(line, linelen, &n) || n < -1) return -1;
            if (n >= 0) {
                if (len - pos < (size_t)n + 2) return 0;
                if (buf[pos + n] != '\r' || buf[pos + n + 1] != '\n') return -1;
                pos += (size_t)n + 2;
            }
            pending--;
            break;
        case '*': case '~': case '>': case '%': case '|':
            if (!string2ll(line, linelen, &n) || n < -1 || n > INT32_MAX) return -1;
            if (n > 0) pending += (t == '%' || t == '|') ? 2 * n : n;
            if (t != '|') pending--;
            break;
        default:
            return -1;
        }
    }
    return (long)pos;
}
