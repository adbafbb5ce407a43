/* resp.h - the RESP protocol reader: takes bytes, yields values. One module serves
 * the server (requests: multibulk arrays of bulk strings, or inline lines) and the
 * tools (replies: every RESP2 and RESP3 type). Neither side does any I/O here. */
#ifndef VESPER_RESP_H
#define VESPER_RESP_H
#include <stddef.h>
#include <stdint.h>

/* ---- requests (server side) ---- */
#define RESP_REQ_NEED_MORE 0
#define RESP_REQ_DONE 1
#define RESP_REQ_ERROR -1

/* Longest inline line or header line without its line end (Redis's limit). */
#define RESP_INLINE_MAX (64 * 1024)

/* Parser state between calls. The parser keeps no other state (no statics), so
 * any number of threads may parse different requests at once. */
typedef struct RespRequest {
    int type;              /* 0 unknown, 1 inline, 2 multibulk */
    long multibulklen;     /* args still to read */
    long bulklen;          /* -1 when not inside a bulk */
    long argc_expected;
    char errbuf[48];       /* error texts that quote input bytes are built here */
} RespRequest;

/* Called for each argument. Return 0 to continue. */
typedef void (*RespArgFn)(void *ctx, const char *p, size_t len, long argc_total);

typedef struct RespLimits {
    long long max_bulk_len;     /* proto-max-bulk-len */
    int authenticated;          /* unauthenticated clients get tighter limits */
} RespLimits;

/* Parses from buf[*pos..len). Delivers arguments through fn as they complete,
 * advancing *pos past consumed bytes. On RESP_REQ_DONE a whole command was parsed
 * (argc may be 0 for an empty inline line or "*0"/"*-1"). On error *err is the
 * message without "-ERR " (e.g. "Protocol error: invalid bulk length"): a static
 * string or req->errbuf (valid until req is used again), one line of text with no
 * CR, LF or NUL byte. Decisions are Redis 7.0's: a header or inline line ends at
 * the first CR (LF for inline) before any NUL byte, so a NUL makes the request
 * wait for more bytes, and fail at RESP_INLINE_MAX, rather than act on a cut line. */
int resp_parse_request(RespRequest *req, const char *buf, size_t len, size_t *pos,
                       const RespLimits *lim, RespArgFn fn, void *ctx, const char **err);
void resp_request_reset(RespRequest *req);
/* When inside a bulk, the number of bytes the parser still waits for (bulk + CRLF);
 * lets the caller size its buffer for big arguments. 0 otherwise. */
long resp_request_pending_bulk(const RespRequest *req);

/* ---- replies (client side) ---- */
typedef enum {
    RESP_STRING = 1, RESP_ARRAY, RESP_INTEGER, RESP_NIL, RESP_STATUS, RESP_ERROR,
    RESP_DOUBLE, RESP_BOOL, RESP_MAP, RESP_SET, RESP_ATTR, RESP_PUSH, RESP_BIGNUM, RESP_VERB
} RespType;

typedef struct RespValue {
    RespType type;
    long long integer;         /* INTEGER, BOOL */
    double dval;               /* DOUBLE */
    char *str;                 /* STRING/STATUS/ERROR/DOUBLE text/BIGNUM/VERB (NUL-terminated) */
    size_t len;
    char vtype[4];             /* VERB format, e.g. "txt" */
    size_t elements;           /* ARRAY/MAP(2n)/SET/PUSH/ATTR(2n) */
    struct RespValue **element;
} RespValue;

typedef struct RespReader RespReader;
RespReader *resp_reader_create(void);
void resp_reader_free(RespReader *r);
/* Append bytes. */
void resp_reader_feed(RespReader *r, const char *buf, size_t len);
/* 1: *out holds a complete value (caller frees with resp_value_free); 0: need more;
 * -1: protocol error (resp_reader_error tells why; the reader is unusable after).
 * Accepts exactly what resp_skip_reply accepts. A RESP3 attribute is returned as a
 * RESP_ATTR value of its own, once the value it describes has arrived too; inside
 * an aggregate attributes are dropped (they take no element slot). */
int resp_reader_next(RespReader *r, RespValue **out);
const char *resp_reader_error(const RespReader *r);
void resp_value_free(RespValue *v);
/* Bytes buffered but not yet consumed. */
size_t resp_reader_pending(const RespReader *r);
/* Length in bytes of the first complete reply in buf (any RESP2/RESP3 type, nested
 * up to 64 deep; attributes count with the value after them), 0 when buf holds only
 * part of one, -1 when it is malformed: every line must end in exactly CRLF, every
 * bulk be followed by exactly CRLF, integers and lengths be canonical. Builds
 * nothing and allocates nothing: the benchmark's per-reply cost. */
long resp_skip_reply(const char *buf, size_t len);

#endif
