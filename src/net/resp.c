/* resp.c - RESP request parser and reply reader.
 *
 * The request parser is incremental and keeps only counters between calls: the
 * caller owns the buffer and the parser reports how far it consumed, so a command
 * split across any number of reads is parsed in O(bytes). Limits (inline length,
 * multibulk count, bulk length) are checked before anything is allocated, so
 * hostile lengths cost nothing.
 *
 * The parser keeps no static state (error texts that quote input go into the
 * caller's RespRequest), so I/O threads may parse different clients at once.
 *
 * Replies have one scanner (scan_item) that decides what is well-formed: lines end
 * in exactly CRLF, bulks are followed by exactly CRLF, integers and lengths are
 * canonical, nesting stops at RESP_MAX_DEPTH. resp_skip_reply walks a reply with
 * it and builds nothing (the benchmark's per-reply cost); the reader first runs the
 * same walk, so it accepts exactly what resp_skip_reply accepts, and then builds
 * the RespValue tree from bytes known to be complete and valid. A reply that
 * arrives in pieces is re-walked from its start (allocation-free) when more bytes
 * come: O(n) per feed. */
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

/* ---------------- replies: one scanner, two users ---------------- */

#define RESP_MAX_DEPTH 64
#define SCAN_OK 1
#define SCAN_MORE 0
#define SCAN_BAD -1

/* One reply item as the scanner sees it: the type byte, its line and, for the
 * bulk types, the payload. An aggregate item is its header only. */
typedef struct RespItem {
    char type;
    const char *data;   /* line text, or the payload of '$' '=' '!' */
    size_t datalen;
    long long n;        /* ':' value, bulk length, aggregate count (-1 null) */
    double d;           /* ',' value */
    size_t next;        /* offset just after the item */
    const char *err;    /* why SCAN_BAD; bad_type_err for an unknown type byte */
} RespItem;

static const char bad_type_err[] = "Protocol error: unknown reply type byte";

/* What each type byte introduces (0: not a type byte). */
enum { KIND_LINE = 1, KIND_BULK, KIND_AGGREGATE, KIND_PAIRS };
static const unsigned char item_kind[256] = {
    ['+'] = KIND_LINE, ['-'] = KIND_LINE, [':'] = KIND_LINE, [','] = KIND_LINE, ['#'] = KIND_LINE,
    ['_'] = KIND_LINE, ['('] = KIND_LINE, ['$'] = KIND_BULK, ['='] = KIND_BULK, ['!'] = KIND_BULK,
    ['*'] = KIND_AGGREGATE, ['~'] = KIND_AGGREGATE, ['>'] = KIND_AGGREGATE,
    ['%'] = KIND_PAIRS, ['|'] = KIND_PAIRS,
};

static int scan_bad(RespItem *it, const char *why) {
    it->err = why;
    return SCAN_BAD;
}

/* The line after the type byte at buf[pos]: it ends at the first CR, which must
 * be followed by LF. (An LF inside the line fails the checks of every type: the
 * text types look for it, the others accept only digits and the like.) */
static int scan_line(const char *buf, size_t len, size_t pos, RespItem *it) {
    const char *line = buf + pos + 1;
    const char *cr = memchr(line, '\r', len - pos - 1);
    if (!cr || (size_t)(cr - buf) + 1 >= len) return SCAN_MORE;
    if (cr[1] != '\n') return scan_bad(it, "Protocol error: line not ended by CRLF");
    it->data = line;
    it->datalen = (size_t)(cr - line);
    it->next = (size_t)(cr - buf) + 2;
    return SCAN_OK;
}

/* string2ll's rules (canonical: no sign but '-', no leading zero, no "-0") with a
 * fast path for up to 18 digits, which cannot overflow: lengths and counts are
 * parsed once per reply on the benchmark's hot path. */
static int scan_int(const char *p, size_t len, long long *out) {
    size_t neg = len > 1 && p[0] == '-';
    if (len - neg > 18 || len == neg) return string2ll(p, len, out);
    if (p[neg] == '0' && (len - neg > 1 || neg)) return 0;
    long long v = 0;
    for (size_t i = neg; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (p[i] - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

/* A RESP3 double: what strtod reads over the whole line (inf, nan included). */
static int scan_double(RespItem *it) {
    char tmp[MAX_LONG_DOUBLE_CHARS];
    if (it->datalen == 0 || it->datalen >= sizeof(tmp) || isspace((unsigned char)it->data[0]))
        return scan_bad(it, "Protocol error: bad double");
    memcpy(tmp, it->data, it->datalen);
    tmp[it->datalen] = '\0';
    char *end;
    it->d = strtod(tmp, &end);
    return (size_t)(end - tmp) == it->datalen ? SCAN_OK : scan_bad(it, "Protocol error: bad double");
}

/* A RESP3 big number: an optional '-' and at least one digit. */
static int scan_bignum(RespItem *it) {
    size_t i = it->datalen && it->data[0] == '-';
    if (i == it->datalen) return scan_bad(it, "Protocol error: bad big number");
    for (; i < it->datalen; i++)
        if (!isdigit((unsigned char)it->data[i])) return scan_bad(it, "Protocol error: bad big number");
    return SCAN_OK;
}

/* '$' (-1 is null), '=' and '!': the payload must be followed by exactly CRLF. */
static int scan_bulk(const char *buf, size_t len, RespItem *it) {
    long long n;
    if (!scan_int(it->data, it->datalen, &n) || n < (it->type == '$' ? -1 : 0))
        return scan_bad(it, "Protocol error: bad bulk length");
    it->n = n;
    if (n == -1) return SCAN_OK;
    size_t body = it->next;
    if (len - body < (size_t)n + 2) return SCAN_MORE;
    if (buf[body + n] != '\r' || buf[body + n + 1] != '\n')
        return scan_bad(it, "Protocol error: bulk not followed by CRLF");
    if (it->type == '=' && (n < 4 || buf[body + 3] != ':'))
        return scan_bad(it, "Protocol error: bad verbatim string");
    it->data = buf + body;
    it->datalen = (size_t)n;
    it->next = body + (size_t)n + 2;
    return SCAN_OK;
}

/* '*' (-1 is null), '%', '~', '|', '>': a count up to INT32_MAX. */
static int scan_aggregate(RespItem *it) {
    if (!scan_int(it->data, it->datalen, &it->n) || it->n < (it->type == '*' ? -1 : 0) || it->n > INT32_MAX)
        return scan_bad(it, "Protocol error: bad aggregate length");
    return SCAN_OK;
}

/* Scans the item at buf[pos]: SCAN_OK (*it filled), SCAN_MORE or SCAN_BAD
 * (it->err). The one place that decides what is well-formed, for the reader and
 * resp_skip_reply alike. O(item length). */
static int scan_item(const char *buf, size_t len, size_t pos, RespItem *it) {
    if (pos >= len) return SCAN_MORE;
    it->type = buf[pos];
    if (!item_kind[(unsigned char)it->type]) return scan_bad(it, bad_type_err);
    int rc = scan_line(buf, len, pos, it);
    if (rc != SCAN_OK) return rc;
    switch (it->type) {
    case '+': case '-':
        if (memchr(it->data, '\n', it->datalen)) return scan_bad(it, "Protocol error: line not ended by CRLF");
        return SCAN_OK;
    case ':':
        return scan_int(it->data, it->datalen, &it->n) ? SCAN_OK : scan_bad(it, "Protocol error: bad integer");
    case ',': return scan_double(it);
    case '(': return scan_bignum(it);
    case '#':
        if (it->datalen != 1 || (it->data[0] != 't' && it->data[0] != 'f'))
            return scan_bad(it, "Protocol error: bad boolean");
        it->n = it->data[0] == 't';
        return SCAN_OK;
    case '_': return it->datalen == 0 ? SCAN_OK : scan_bad(it, "Protocol error: bad null");
    case '$': case '=': case '!': return scan_bulk(buf, len, it);
    default: return scan_aggregate(it);
    }
}

/* Values an aggregate item holds (pairs count twice); 0 for anything else. */
static long long item_children(const RespItem *it) {
    int kind = item_kind[(unsigned char)it->type];
    return kind >= KIND_AGGREGATE && it->n > 0 ? (kind == KIND_PAIRS ? 2 * it->n : it->n) : 0;
}

/* Walks one reply without building anything: its length, 0 when incomplete, -1
 * when malformed (it->err). left[d] counts the values level d still waits for;
 * an attribute opens a level without taking a slot of its parent (the value it
 * describes follows it). Nesting deeper than RESP_MAX_DEPTH is malformed. */
static long skip_reply(const char *buf, size_t len, RespItem *it) {
    long long left[RESP_MAX_DEPTH + 1];
    int depth = 0;
    size_t pos = 0;
    left[0] = 1;
    for (;;) {
        int rc = scan_item(buf, len, pos, it);
        if (rc != SCAN_OK) return rc;
        pos = it->next;
        if (it->type != '|') left[depth]--;
        long long kids = item_children(it);
        if (kids > 0) {
            if (depth == RESP_MAX_DEPTH) return scan_bad(it, "Protocol error: nesting too deep");
            left[++depth] = kids;
            continue;
        }
        while (depth > 0 && left[depth] == 0) depth--;
        if (depth == 0 && left[0] == 0) return (long)pos;
    }
}

long resp_skip_reply(const char *buf, size_t len) {
    RespItem it;
    return skip_reply(buf, len, &it);
}

/* ---- the reader: validates with skip_reply, then builds ---- */

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

static RespType aggregate_type(char t) {
    return t == '*' ? RESP_ARRAY : t == '%' ? RESP_MAP : t == '~' ? RESP_SET : t == '|' ? RESP_ATTR : RESP_PUSH;
}

/* A value from a scanned scalar item. */
static RespValue *build_scalar(const RespItem *it) {
    static const RespType text_types[] = {['+'] = RESP_STATUS, ['-'] = RESP_ERROR, ['('] = RESP_BIGNUM,
                                          [':'] = RESP_INTEGER, [','] = RESP_DOUBLE, ['$'] = RESP_STRING,
                                          ['!'] = RESP_ERROR, ['='] = RESP_VERB};
    if (it->type == '_' || ((it->type == '$' || it->type == '*') && it->n == -1)) return new_value(RESP_NIL);
    if (it->type == '#') {
        RespValue *v = new_value(RESP_BOOL);
        v->integer = it->n;
        return v;
    }
    RespValue *v = new_value(text_types[(unsigned char)it->type]);
    if (it->type == '=') {
        memcpy(v->vtype, it->data, 3);
        set_str(v, it->data + 4, it->datalen - 4);
        return v;
    }
    set_str(v, it->data, it->datalen);
    if (it->type == ':') v->integer = it->n;
    if (it->type == ',') v->dval = it->d;
    return v;
}

/* Builds the value at *pos from bytes skip_reply already accepted, so nothing
 * here can fail. Attributes inside an aggregate are read and dropped: they take
 * no element slot. */
static RespValue *build_value(const char *buf, size_t len, size_t *pos) {
    RespItem it;
    scan_item(buf, len, *pos, &it);
    *pos = it.next;
    long long kids = item_children(&it);
    if (item_kind[(unsigned char)it.type] < KIND_AGGREGATE || it.n == -1) return build_scalar(&it);
    RespValue *v = new_value(aggregate_type(it.type));
    if (kids) v->element = vmalloc(sizeof(RespValue *) * (size_t)kids);
    while (v->elements < (size_t)kids) {
        RespValue *child = build_value(buf, len, pos);
        if (child->type == RESP_ATTR) resp_value_free(child);
        else v->element[v->elements++] = child;
    }
    return v;
}

int resp_reader_next(RespReader *r, RespValue **out) {
    if (r->failed) return -1;
    const char *start = r->buf + r->pos;
    size_t avail = sds_len(r->buf) - r->pos;
    RespItem it;
    long n = skip_reply(start, avail, &it);
    if (n == 0) return 0;
    if (n < 0) {
        if (it.err == bad_type_err)
            snprintf(r->err, sizeof(r->err), "Protocol error, got \"%c\" as reply type byte",
                     isprint((unsigned char)it.type) ? it.type : '?');
        else
            snprintf(r->err, sizeof(r->err), "%s", it.err);
        r->failed = 1;
        return -1;
    }
    size_t p = 0;
    *out = build_value(start, (size_t)n, &p);
    r->pos += p;
    return 1;
}
