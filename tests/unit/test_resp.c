/* test_resp.c - unit tests for net/resp: the request parser (multibulk and inline,
 * pipelining, input split at every byte, limits and Redis's exact protocol error
 * texts) and the reply reader (every RESP2/RESP3 type, nesting, input fed byte by
 * byte, malformed input). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/resp.h"
#include "base/alloc.h"

/* ---------- request parser ---------- */

typedef struct Args {
    char *v[64];
    size_t len[64];
    int n;
    long argc_total;
} Args;

static void args_reset(Args *a) {
    for (int i = 0; i < a->n && i < 64; i++) free(a->v[i]);
    memset(a, 0, sizeof(*a));
}

static void collect(void *ctx, const char *p, size_t len, long argc_total) {
    Args *a = ctx;
    if (a->n < 64) {
        a->v[a->n] = malloc(len + 1);
        memcpy(a->v[a->n], p, len);
        a->v[a->n][len] = 0;
        a->len[a->n] = len;
    }
    a->n++;
    a->argc_total = argc_total;
}

static const RespLimits auth_lim = {512LL * 1024 * 1024, 1};
static const RespLimits noauth_lim = {512LL * 1024 * 1024, 0};

/* The request state of parse_all: an error text may live in it, so it outlives the call. */
static RespRequest all_req;

/* Parses one request from the whole buffer; returns the result code. */
static int parse_all(const char *buf, size_t len, size_t *pos, const RespLimits *lim, Args *a, const char **err) {
    resp_request_reset(&all_req);
    *err = NULL;
    return resp_parse_request(&all_req, buf, len, pos, lim, collect, a, err);
}

static void expect_args(const Args *a, int n, const char **want) {
    if (a->n != n) fail_msg("got %d args, want %d", a->n, n);
    for (int i = 0; i < n; i++) {
        if (a->len[i] != strlen(want[i]) || memcmp(a->v[i], want[i], a->len[i]))
            fail_msg("arg %d is '%s', want '%s'", i, a->v[i], want[i]);
    }
}

static void test_request_multibulk(void **state) {
    (void)state;
    Args a = {0};
    const char *err;
    size_t pos = 0;
    const char *m = "*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n";
    assert_int_equal(parse_all(m, strlen(m), &pos, &auth_lim, &a, &err), RESP_REQ_DONE);
    assert_int_equal(pos, strlen(m));
    expect_args(&a, 3, (const char *[]){"SET", "foo", "bar"});
    assert_int_equal(a.argc_total, 3);
    args_reset(&a);

    /* binary bulk with CR/LF and NUL inside, and an empty bulk */
    const char bin[] = "*2\r\n$5\r\na\r\n\0b\r\n$0\r\n\r\n";
    pos = 0;
    assert_int_equal(parse_all(bin, sizeof(bin) - 1, &pos, NULL, &a, &err), RESP_REQ_DONE);
    assert_int_equal(pos, sizeof(bin) - 1);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.len[0], 5);
    assert_memory_equal(a.v[0], "a\r\n\0b", 5);
    assert_int_equal(a.len[1], 0);
    args_reset(&a);

    /* empty multibulk: done, no args */
    const char *empties[] = {"*0\r\n", "*-1\r\n", "*-5\r\n"};
    for (int i = 0; i < 3; i++) {
        pos = 0;
        assert_int_equal(parse_all(empties[i], strlen(empties[i]), &pos, &auth_lim, &a, &err), RESP_REQ_DONE);
        assert_int_equal(pos, strlen(empties[i]));
        assert_int_equal(a.n, 0);
    }
}

static void test_request_pipelined(void **state) {
    (void)state;
    Args a = {0};
    const char *err;
    const char *m = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n";
    size_t len = strlen(m), pos = 0;
    RespRequest req;
    resp_request_reset(&req);
    const char *want[][2] = {{"PING", NULL}, {"ECHO", "hi"}, {"PING", NULL}, {"QUIT", NULL}};
    int wantn[] = {1, 2, 1, 1};
    for (int c = 0; c < 4; c++) {
        args_reset(&a);
        assert_int_equal(resp_parse_request(&req, m, len, &pos, &auth_lim, collect, &a, &err), RESP_REQ_DONE);
        expect_args(&a, wantn[c], want[c]);
    }
    assert_int_equal(pos, len);
    assert_int_equal(resp_parse_request(&req, m, len, &pos, &auth_lim, collect, &a, &err), RESP_REQ_NEED_MORE);
    args_reset(&a);
}

/* Feeds the request growing one byte at a time (the caller's buffer fills up). */
static void parse_bytewise(const char *m, size_t len, int ncmds, const int *argcs) {
    Args a = {0};
    const char *err = NULL;
    RespRequest req;
    resp_request_reset(&req);
    size_t pos = 0;
    int done = 0, total_args = 0;
    for (size_t avail = 0; avail <= len; avail++) {
        for (;;) {
            int r = resp_parse_request(&req, m, avail, &pos, &auth_lim, collect, &a, &err);
            if (r == RESP_REQ_ERROR) fail_msg("error at %zu bytes: %s", avail, err);
            assert_true(pos <= avail);
            if (r == RESP_REQ_NEED_MORE) break;
            if (a.n - total_args != argcs[done]) fail_msg("command %d: %d args, want %d", done, a.n - total_args, argcs[done]);
            total_args = a.n;
            done++;
        }
    }
    assert_int_equal(done, ncmds);
    assert_int_equal(pos, len);
    args_reset(&a);
}

static void test_request_bytewise(void **state) {
    (void)state;
    const char *m = "*3\r\n$3\r\nSET\r\n$9\r\nkey\r\nwith\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\nset  a \"b c\"\r\nGET x\n*0\r\n";
    /* the "*0" request completes with no args */
    parse_bytewise(m, strlen(m), 5, (const int[]){3, 1, 3, 2, 0});
    /* pending_bulk tells how much of a big argument is still missing */
    RespRequest req;
    resp_request_reset(&req);
    Args a = {0};
    const char *err;
    const char *p = "*2\r\n$3\r\nGET\r\n$100\r\nabc";
    size_t pos = 0;
    assert_int_equal(resp_parse_request(&req, p, strlen(p), &pos, &auth_lim, collect, &a, &err), RESP_REQ_NEED_MORE);
    assert_int_equal(a.n, 1);
    assert_int_equal(resp_request_pending_bulk(&req), 102);
    resp_request_reset(&req);
    assert_int_equal(resp_request_pending_bulk(&req), 0);
    args_reset(&a);
}

static void test_request_inline(void **state) {
    (void)state;
    Args a = {0};
    const char *err;
    size_t pos;
    struct { const char *m; int n; const char *want[4]; } cases[] = {
        {"PING\r\n", 1, {"PING"}},
        {"PING\n", 1, {"PING"}},
        {"set a \"b c\"\r\n", 3, {"set", "a", "b c"}},
        {"  echo   'x y'  \r\n", 2, {"echo", "x y"}},
        {"echo \"\\x41\\n\"\r\n", 2, {"echo", "A\n"}},
        {"\r\n", 0, {NULL}},
        {"\n", 0, {NULL}},
        {"   \r\n", 0, {NULL}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pos = 0;
        args_reset(&a);
        int r = parse_all(cases[i].m, strlen(cases[i].m), &pos, &auth_lim, &a, &err);
        if (r != RESP_REQ_DONE) fail_msg("inline '%s': %d (%s)", cases[i].m, r, err ? err : "");
        assert_int_equal(pos, strlen(cases[i].m));
        expect_args(&a, cases[i].n, cases[i].want);
    }
    args_reset(&a);
    /* no newline yet */
    pos = 0;
    assert_int_equal(parse_all("PING", 4, &pos, &auth_lim, &a, &err), RESP_REQ_NEED_MORE);
    assert_int_equal(pos, 0);
    assert_int_equal(a.n, 0);
}

static void expect_error(const char *m, size_t len, const RespLimits *lim, const char *want) {
    Args a = {0};
    const char *err = NULL;
    size_t pos = 0;
    int r = parse_all(m, len, &pos, lim, &a, &err);
    args_reset(&a);
    if (r != RESP_REQ_ERROR) fail_msg("'%.40s': result %d, want error \"%s\"", m, r, want);
    if (!err || strcmp(err, want)) fail_msg("'%.40s': error \"%s\", want \"%s\"", m, err ? err : "(null)", want);
}
#define EXPECT_ERROR(lit, lim, want) expect_error((lit), sizeof(lit) - 1, (lim), (want))

static void test_request_errors(void **state) {
    (void)state;
    /* texts as Redis 7.0 replies them, without the "-ERR " prefix */
    EXPECT_ERROR("*abc\r\n", &auth_lim, "Protocol error: invalid multibulk length");
    EXPECT_ERROR("*3000000000\r\n", &auth_lim, "Protocol error: invalid multibulk length");
    EXPECT_ERROR("*1x\r\n", &auth_lim, "Protocol error: invalid multibulk length");
    EXPECT_ERROR("*\r\n", &auth_lim, "Protocol error: invalid multibulk length");
    EXPECT_ERROR("*1\r\nx\r\n", &auth_lim, "Protocol error: expected '$', got 'x'");
    EXPECT_ERROR("*2\r\n$1\r\na\r\n:1\r\n", &auth_lim, "Protocol error: expected '$', got ':'");
    EXPECT_ERROR("*1\r\n$-1\r\n", &auth_lim, "Protocol error: invalid bulk length");
    EXPECT_ERROR("*1\r\n$abc\r\n", &auth_lim, "Protocol error: invalid bulk length");
    EXPECT_ERROR("*1\r\n$\r\n", &auth_lim, "Protocol error: invalid bulk length");
    EXPECT_ERROR("*1\r\n$01\r\n", &auth_lim, "Protocol error: invalid bulk length");
    RespLimits small = {10, 1};
    EXPECT_ERROR("*1\r\n$11\r\n", &small, "Protocol error: invalid bulk length");
}

static void test_request_errors_and_limits(void **state) {
    (void)state;
    Args a = {0};
    const char *err;
    size_t pos = 0;
    /* a bulk exactly at the limit is fine */
    RespLimits small = {10, 1};
    const char *ok = "*1\r\n$10\r\n0123456789\r\n";
    assert_int_equal(parse_all(ok, strlen(ok), &pos, &small, &a, &err), RESP_REQ_DONE);
    args_reset(&a);
    /* overlong count lines */
    size_t big = RESP_INLINE_MAX + 100;
    char *m = malloc(big + 10);
    m[0] = '*';
    memset(m + 1, '1', big);
    expect_error(m, big + 1, &auth_lim, "Protocol error: too big mbulk count string");
    memcpy(m, "*1\r\n$", 5);
    memset(m + 5, '1', big);
    expect_error(m, big + 5, &auth_lim, "Protocol error: too big bulk count string");
    /* overlong inline request without a newline */
    memset(m, 'a', big);
    expect_error(m, big, &auth_lim, "Protocol error: too big inline request");
    /* but a long inline line that has its newline is fine below the limit */
    memset(m, 'a', 1000);
    m[1000] = '\n';
    pos = 0;
    assert_int_equal(parse_all(m, 1001, &pos, &auth_lim, &a, &err), RESP_REQ_DONE);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.len[0], 1000);
    args_reset(&a);
    free(m);
    /* unbalanced quotes */
    expect_error("set \"a\r\n", 8, &auth_lim, "Protocol error: unbalanced quotes in request");
    expect_error("set 'a\n", 7, &auth_lim, "Protocol error: unbalanced quotes in request");
    expect_error("set \"a\"b\n", 9, &auth_lim, "Protocol error: unbalanced quotes in request");
    /* unauthenticated clients: big bulks refused */
    expect_error("*1\r\n$16385\r\n", 12, &noauth_lim, "Protocol error: unauthenticated bulk length");
    pos = 0;
    const char *b16k = "*1\r\n$16384\r\n";
    assert_int_equal(parse_all(b16k, strlen(b16k), &pos, &noauth_lim, &a, &err), RESP_REQ_NEED_MORE);
    args_reset(&a);
    /* a multibulk of 10 is fine unauthenticated */
    pos = 0;
    assert_int_equal(parse_all("*10\r\n", 5, &pos, &noauth_lim, &a, &err), RESP_REQ_NEED_MORE);
    args_reset(&a);
}

/* Regression (fixed) (resp.c): Redis 7.0 refuses a multibulk count above 10 from a client that
 * still has to authenticate ("Protocol error: unauthenticated multibulk length");
 * the parser only refused counts above a 1M limit. */
static void test_regression_request_unauthenticated_multibulk_len(void **state) {
    (void)state;
    expect_error("*11\r\n", 5, &noauth_lim, "Protocol error: unauthenticated multibulk length");
}

/* Parses m[0..len) with one RespRequest; returns the result, the args and where it stopped. */
static int parse_one(const char *m, size_t len, Args *a, size_t *pos, const char **err) {
    *pos = 0;
    return parse_all(m, len, pos, &auth_lim, a, err);
}

static void expect_wait(const char *m, size_t len, size_t want_pos) {
    Args a = {0};
    const char *err = NULL;
    size_t pos;
    int r = parse_one(m, len, &a, &pos, &err);
    if (r != RESP_REQ_NEED_MORE) fail_msg("'%.*s': result %d (%s), want to wait", (int)len, m, r, err ? err : "");
    if (a.n != 0) fail_msg("'%.*s': delivered %d args while waiting", (int)len, m, a.n);
    assert_int_equal(pos, want_pos);
    args_reset(&a);
}
#define EXPECT_WAIT(lit, pos) expect_wait((lit), sizeof(lit) - 1, (pos))

/* Regression (fixed) (resp.c): a bulk header that did not start with '$' was an
 * error at once; Redis 7.0 waits until the line has a CR and one byte after it. */
static void test_regression_request_bulk_header_waits_for_its_line(void **state) {
    (void)state;
    EXPECT_WAIT("*1\r\n\n", 4);
    EXPECT_WAIT("*1\r\nX", 4);
    EXPECT_WAIT("*1\r\nX\r", 4);
    EXPECT_WAIT("*1\r\n\r", 4);
    EXPECT_WAIT("*1\r\n:1", 4);
    /* the line is complete once one byte follows the CR, whatever it is */
    EXPECT_ERROR("*1\r\nX\rY", &auth_lim, "Protocol error: expected '$', got 'X'");
    EXPECT_ERROR("*1\r\nX\r\n", &auth_lim, "Protocol error: expected '$', got 'X'");
    EXPECT_ERROR("*1\r\n\n\r\n", &auth_lim, "Protocol error: expected '$', got ' '");
    EXPECT_ERROR("*1\r\n\r\n", &auth_lim, "Protocol error: expected '$', got ' '");
    EXPECT_ERROR("*1\r\n\rA", &auth_lim, "Protocol error: expected '$', got ' '");
    /* the count line too: "*1\r" waits, "*1\rx" is a line (Redis skips the byte unchecked) */
    EXPECT_WAIT("*1\r", 0);
    Args a = {0};
    const char *err;
    size_t pos;
    assert_int_equal(parse_one("*1\rx$4\r\nPING\r\n", 14, &a, &pos, &err), RESP_REQ_DONE);
    expect_args(&a, 1, (const char *[]){"PING"});
    args_reset(&a);
    /* a later argument's header waits the same way */
    assert_int_equal(parse_one("*2\r\n$1\r\na\r\nxyz", 14, &a, &pos, &err), RESP_REQ_NEED_MORE);
    assert_int_equal(pos, 11);
    expect_args(&a, 1, (const char *[]){"a"});
    args_reset(&a);
}

/* Regression (fixed) (resp.c): a NUL byte in an inline line cut the line there
 * ("SET a b\0c" stored "b", "PING\0" answered PONG) and made multibulk headers
 * fail at once. Redis 7.0 looks for line ends with strchr: a NUL hides them, so
 * the request waits (and fails at the 64 KB limit); nothing is acted on. */
static void test_regression_request_nul_byte_never_truncates(void **state) {
    (void)state;
    EXPECT_WAIT("SET a b\0c\r\n", 0);
    EXPECT_WAIT("PING\0\r\n", 0);
    EXPECT_WAIT("\0PING\r\n", 0);
    EXPECT_WAIT("PING\r\0\n", 0);
    EXPECT_WAIT("*1\0\r\n", 0);
    EXPECT_WAIT("*1\r\n\0\r\n", 4);
    EXPECT_WAIT("*1\r\nX\0\r\n", 4);
    EXPECT_WAIT("*1\r\n$4\0\r\nPING\r\n", 4);
    EXPECT_WAIT("*1\r\n$\0\r\n", 4);
    /* a NUL after the line end belongs to the next request */
    Args a = {0};
    const char *err;
    size_t pos;
    const char two[] = "PING\r\nPING\0\r\n";
    assert_int_equal(parse_one(two, sizeof(two) - 1, &a, &pos, &err), RESP_REQ_DONE);
    assert_int_equal(pos, 6);
    expect_args(&a, 1, (const char *[]){"PING"});
    args_reset(&a);
    /* quoted escapes still make NUL bytes, whole */
    const char *q = "ECHO \"a\\x00b\"\r\n";
    assert_int_equal(parse_one(q, strlen(q), &a, &pos, &err), RESP_REQ_DONE);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.len[1], 3);
    assert_memory_equal(a.v[1], "a\0b", 3);
    args_reset(&a);
    /* waiting behind a NUL ends at the line limit */
    size_t big = RESP_INLINE_MAX + 1;
    char *m = malloc(big);
    memset(m, 'a', big);
    m[3] = '\0';
    m[10] = '\n';
    expect_wait(m, big - 1, 0);
    expect_error(m, big, &auth_lim, "Protocol error: too big inline request");
    m[0] = '*';
    m[1] = '1';
    m[2] = '\r';
    m[3] = '\n';
    m[4] = '$';
    m[5] = '\0';
    m[10] = '\r';
    expect_wait(m, big, 4);
    free(m);
}

/* Regression (fixed) (resp.c): the too-big checks were one byte late for count
 * lines; Redis fails once more than 64 KB wait without a line end. */
static void test_regression_request_line_limit_boundaries(void **state) {
    (void)state;
    size_t max = RESP_INLINE_MAX;
    char *m = malloc(max + 8);
    memset(m, '1', max + 8);
    m[0] = '*';
    expect_wait(m, max, 0);
    expect_error(m, max + 1, &auth_lim, "Protocol error: too big mbulk count string");
    memcpy(m, "*1\r\n$", 5);
    expect_wait(m, max + 4, 4);
    expect_error(m, max + 5, &auth_lim, "Protocol error: too big bulk count string");
    memset(m, 'a', max + 8);
    expect_wait(m, max, 0);
    expect_error(m, max + 1, &auth_lim, "Protocol error: too big inline request");
    free(m);
}

/* Regression (fixed) (resp.c): the "expected '$'" text lived in a static buffer,
 * so a second parse (another client, or another I/O thread) overwrote the first
 * client's error. Every text must also be one clean line. */
static void test_regression_request_error_text_per_request(void **state) {
    (void)state;
    RespRequest r1, r2;
    resp_request_reset(&r1);
    resp_request_reset(&r2);
    Args a = {0};
    const char *e1 = NULL, *e2 = NULL;
    size_t p1 = 0, p2 = 0;
    assert_int_equal(resp_parse_request(&r1, "*1\r\nx\r\n", 7, &p1, &auth_lim, collect, &a, &e1), RESP_REQ_ERROR);
    assert_int_equal(resp_parse_request(&r2, "*1\r\ny\r\n", 7, &p2, &auth_lim, collect, &a, &e2), RESP_REQ_ERROR);
    assert_string_equal(e1, "Protocol error: expected '$', got 'x'");
    assert_string_equal(e2, "Protocol error: expected '$', got 'y'");
    /* every byte value in the quoted position: a clean one-line text */
    for (int c = 0; c < 256; c++) {
        char m[8] = {'*', '1', '\r', '\n', (char)c, '\r', 'Z', 0};
        const char *err = NULL;
        size_t pos = 0;
        int r = parse_all(m, 7, &pos, &auth_lim, &a, &err);
        args_reset(&a);
        if (c == 0) { assert_int_equal(r, RESP_REQ_NEED_MORE); continue; }
        assert_int_equal(r, RESP_REQ_ERROR);
        if (c == '$') { assert_string_equal(err, "Protocol error: invalid bulk length"); continue; }
        char want[64];
        char shown = (c == '\r' || c == '\n') ? ' ' : (char)c;
        snprintf(want, sizeof(want), "Protocol error: expected '$', got '%c'", shown);
        assert_string_equal(err, want);
        assert_null(strpbrk(err, "\r\n"));
    }
}

/* ---------- reply reader ---------- */

static RespValue *read_one(const char *m, size_t len) {
    RespReader *r = resp_reader_create();
    resp_reader_feed(r, m, len);
    RespValue *v = NULL;
    int rc = resp_reader_next(r, &v);
    if (rc != 1) fail_msg("reader on '%.30s': rc %d (%s)", m, rc, resp_reader_error(r));
    assert_int_equal(resp_reader_pending(r), 0);
    resp_reader_free(r);
    return v;
}
#define READ1(lit) read_one((lit), sizeof(lit) - 1)

static void test_reader_resp2_types(void **state) {
    (void)state;
    RespValue *v = READ1("+OK\r\n");
    assert_int_equal(v->type, RESP_STATUS);
    assert_string_equal(v->str, "OK");
    assert_int_equal(v->len, 2);
    resp_value_free(v);
    v = READ1("-ERR unknown command 'x'\r\n");
    assert_int_equal(v->type, RESP_ERROR);
    assert_string_equal(v->str, "ERR unknown command 'x'");
    resp_value_free(v);
    v = READ1(":1234567890123\r\n");
    assert_int_equal(v->type, RESP_INTEGER);
    assert_true(v->integer == 1234567890123LL);
    resp_value_free(v);
    v = READ1(":-9223372036854775808\r\n");
    assert_true(v->integer == INT64_MIN);
    resp_value_free(v);
    v = READ1("$5\r\nhello\r\n");
    assert_int_equal(v->type, RESP_STRING);
    assert_int_equal(v->len, 5);
    assert_string_equal(v->str, "hello");
    resp_value_free(v);
    v = READ1("$6\r\na\r\n\0bc\r\n");
    assert_int_equal(v->type, RESP_STRING);
    assert_int_equal(v->len, 6);
    assert_memory_equal(v->str, "a\r\n\0bc", 6);
    resp_value_free(v);
    v = READ1("$0\r\n\r\n");
    assert_int_equal(v->type, RESP_STRING);
    assert_int_equal(v->len, 0);
    assert_string_equal(v->str, "");
    resp_value_free(v);
    v = READ1("$-1\r\n");
    assert_int_equal(v->type, RESP_NIL);
    resp_value_free(v);
    v = READ1("*-1\r\n");
    assert_int_equal(v->type, RESP_NIL);
    resp_value_free(v);
    v = READ1("*0\r\n");
    assert_int_equal(v->type, RESP_ARRAY);
    assert_int_equal(v->elements, 0);
    resp_value_free(v);
    v = READ1("*3\r\n$1\r\na\r\n:2\r\n*2\r\n+x\r\n$-1\r\n");
    assert_int_equal(v->type, RESP_ARRAY);
    assert_int_equal(v->elements, 3);
    assert_int_equal(v->element[0]->type, RESP_STRING);
    assert_string_equal(v->element[0]->str, "a");
    assert_int_equal(v->element[1]->type, RESP_INTEGER);
    assert_int_equal(v->element[1]->integer, 2);
    assert_int_equal(v->element[2]->type, RESP_ARRAY);
    assert_int_equal(v->element[2]->elements, 2);
    assert_string_equal(v->element[2]->element[0]->str, "x");
    assert_int_equal(v->element[2]->element[1]->type, RESP_NIL);
    resp_value_free(v);
}

static void test_reader_resp3_types(void **state) {
    (void)state;
    RespValue *v = READ1("_\r\n");
    assert_int_equal(v->type, RESP_NIL);
    resp_value_free(v);
    v = READ1(",3.14\r\n");
    assert_int_equal(v->type, RESP_DOUBLE);
    assert_true(v->dval == 3.14);
    assert_string_equal(v->str, "3.14");
    resp_value_free(v);
    v = READ1(",inf\r\n");
    assert_true(isinf(v->dval) && v->dval > 0);
    resp_value_free(v);
    v = READ1(",-inf\r\n");
    assert_true(isinf(v->dval) && v->dval < 0);
    resp_value_free(v);
    v = READ1(",1e+20\r\n");
    assert_true(v->dval == 1e20);
    resp_value_free(v);
    v = READ1("#t\r\n");
    assert_int_equal(v->type, RESP_BOOL);
    assert_int_equal(v->integer, 1);
    resp_value_free(v);
    v = READ1("#f\r\n");
    assert_int_equal(v->type, RESP_BOOL);
    assert_int_equal(v->integer, 0);
    resp_value_free(v);
    v = READ1("(3492890328409238509324850943850943825024385\r\n");
    assert_int_equal(v->type, RESP_BIGNUM);
    assert_string_equal(v->str, "3492890328409238509324850943850943825024385");
    resp_value_free(v);
    v = READ1("=15\r\ntxt:Some string\r\n");
    assert_int_equal(v->type, RESP_VERB);
    assert_string_equal(v->vtype, "txt");
    assert_int_equal(v->len, 11);
    assert_string_equal(v->str, "Some string");
    resp_value_free(v);
    v = READ1("!21\r\nSYNTAX invalid syntax\r\n");
    assert_int_equal(v->type, RESP_ERROR);
    assert_string_equal(v->str, "SYNTAX invalid syntax");
    resp_value_free(v);
    v = READ1("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
    assert_int_equal(v->type, RESP_MAP);
    assert_int_equal(v->elements, 4);
    assert_string_equal(v->element[0]->str, "first");
    assert_int_equal(v->element[1]->integer, 1);
    assert_string_equal(v->element[2]->str, "second");
    assert_int_equal(v->element[3]->integer, 2);
    resp_value_free(v);
    v = READ1("%0\r\n");
    assert_int_equal(v->type, RESP_MAP);
    assert_int_equal(v->elements, 0);
    resp_value_free(v);
    v = READ1("~3\r\n+a\r\n+b\r\n+c\r\n");
    assert_int_equal(v->type, RESP_SET);
    assert_int_equal(v->elements, 3);
    resp_value_free(v);
    v = READ1(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
    assert_int_equal(v->type, RESP_PUSH);
    assert_int_equal(v->elements, 3);
    assert_string_equal(v->element[0]->str, "message");
    resp_value_free(v);
    /* an attribute comes before the value it describes: the reader returns it
     * first, the value next; inside an aggregate it takes no element slot */
    const char attr[] = "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n:7\r\n";
    RespReader *r = resp_reader_create();
    resp_reader_feed(r, attr, sizeof(attr) - 5);
    assert_int_equal(resp_reader_next(r, &v), 0);
    resp_reader_feed(r, attr + sizeof(attr) - 5, 4);
    assert_int_equal(resp_reader_next(r, &v), 1);
    assert_int_equal(v->type, RESP_ATTR);
    assert_int_equal(v->elements, 2);
    assert_int_equal(v->element[1]->type, RESP_MAP);
    resp_value_free(v);
    assert_int_equal(resp_reader_next(r, &v), 1);
    assert_int_equal(v->integer, 7);
    resp_value_free(v);
    resp_reader_free(r);
    v = READ1("*2\r\n|1\r\n+a\r\n:1\r\n:5\r\n:6\r\n");
    assert_int_equal(v->type, RESP_ARRAY);
    assert_int_equal(v->elements, 2);
    assert_int_equal(v->element[0]->integer, 5);
    assert_int_equal(v->element[1]->integer, 6);
    resp_value_free(v);
}

/* Compares two value trees. */
static void same_value(const RespValue *a, const RespValue *b) {
    assert_int_equal(a->type, b->type);
    assert_true(a->integer == b->integer);
    assert_int_equal(a->len, b->len);
    if (a->str || b->str) {
        assert_non_null(a->str);
        assert_non_null(b->str);
        assert_memory_equal(a->str, b->str, a->len);
    }
    assert_int_equal(a->elements, b->elements);
    for (size_t i = 0; i < a->elements; i++) same_value(a->element[i], b->element[i]);
}

static const char mixed[] =
    "+OK\r\n-ERR x\r\n:42\r\n$3\r\nfoo\r\n$-1\r\n*-1\r\n"
    "*4\r\n:1\r\n$2\r\nab\r\n*1\r\n%1\r\n+k\r\n~2\r\n#t\r\n_\r\n,2.5\r\n"
    "=8\r\ntxt:abcd\r\n!3\r\nERR\r\n(12345678901234567890\r\n>2\r\n+pubsub\r\n:7\r\n"
    "$10\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
#define MIXED_COUNT 12

static void test_reader_bytewise(void **state) {
    (void)state;
    size_t len = sizeof(mixed) - 1;
    /* reference: fed whole */
    RespReader *whole = resp_reader_create();
    resp_reader_feed(whole, mixed, len);
    RespValue *ref[MIXED_COUNT + 1];
    int n = 0;
    RespValue *v;
    int rc;
    while ((rc = resp_reader_next(whole, &v)) == 1) {
        assert_true(n < MIXED_COUNT);
        ref[n++] = v;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, MIXED_COUNT);
    assert_int_equal(resp_reader_pending(whole), 0);
    resp_reader_free(whole);
    /* fed one byte at a time, reading after each byte */
    RespReader *r = resp_reader_create();
    int got = 0;
    for (size_t i = 0; i < len; i++) {
        resp_reader_feed(r, mixed + i, 1);
        while ((rc = resp_reader_next(r, &v)) == 1) {
            assert_true(got < MIXED_COUNT);
            same_value(v, ref[got]);
            resp_value_free(v);
            got++;
        }
        if (rc < 0) fail_msg("error after %zu bytes: %s", i + 1, resp_reader_error(r));
    }
    assert_int_equal(got, MIXED_COUNT);
    assert_int_equal(resp_reader_pending(r), 0);
    resp_reader_free(r);
    /* in uneven chunks */
    for (size_t chunk = 2; chunk < 20; chunk += 3) {
        r = resp_reader_create();
        got = 0;
        for (size_t i = 0; i < len; i += chunk) {
            resp_reader_feed(r, mixed + i, i + chunk <= len ? chunk : len - i);
            while (resp_reader_next(r, &v) == 1) {
                same_value(v, ref[got]);
                resp_value_free(v);
                got++;
            }
        }
        assert_int_equal(got, MIXED_COUNT);
        resp_reader_free(r);
    }
    for (int i = 0; i < n; i++) resp_value_free(ref[i]);
}

static void test_reader_big_values(void **state) {
    (void)state;
    /* a 1 MB bulk fed in 4 KB chunks */
    size_t blen = 1 << 20;
    char hdr[32];
    int hl = snprintf(hdr, sizeof(hdr), "$%zu\r\n", blen);
    char *body = malloc(blen + 2);
    for (size_t i = 0; i < blen; i++) body[i] = (char)(i * 31);
    memcpy(body + blen, "\r\n", 2);
    RespReader *r = resp_reader_create();
    RespValue *v = NULL;
    resp_reader_feed(r, hdr, (size_t)hl);
    assert_int_equal(resp_reader_next(r, &v), 0);
    for (size_t off = 0; off < blen + 2; off += 4096) {
        size_t n = blen + 2 - off < 4096 ? blen + 2 - off : 4096;
        resp_reader_feed(r, body + off, n);
    }
    assert_int_equal(resp_reader_next(r, &v), 1);
    assert_int_equal(v->type, RESP_STRING);
    assert_int_equal(v->len, blen);
    assert_memory_equal(v->str, body, blen);
    resp_value_free(v);
    free(body);
    /* an array of 5000 elements (grows past the initial element capacity) */
    size_t cap = 5000 * 8 + 32, off = 0;
    char *m = malloc(cap);
    off += (size_t)sprintf(m, "*5000\r\n");
    for (int i = 0; i < 5000; i++) off += (size_t)sprintf(m + off, ":%d\r\n", i);
    resp_reader_feed(r, m, off);
    assert_int_equal(resp_reader_next(r, &v), 1);
    assert_int_equal(v->elements, 5000);
    for (int i = 0; i < 5000; i++) assert_int_equal(v->element[i]->integer, i);
    resp_value_free(v);
    free(m);
    /* nesting a few levels deep is fine */
    char deep[200];
    off = 0;
    for (int i = 0; i < 10; i++) off += (size_t)sprintf(deep + off, "*1\r\n");
    off += (size_t)sprintf(deep + off, ":1\r\n");
    resp_reader_feed(r, deep, off);
    assert_int_equal(resp_reader_next(r, &v), 1);
    RespValue *x = v;
    for (int i = 0; i < 10; i++) { assert_int_equal(x->type, RESP_ARRAY); x = x->element[0]; }
    assert_int_equal(x->integer, 1);
    resp_value_free(v);
    assert_int_equal(resp_reader_pending(r), 0);
    resp_reader_free(r);
}

static void expect_reader_error(const char *m, size_t len, const char *want_err) {
    RespReader *r = resp_reader_create();
    resp_reader_feed(r, m, len);
    RespValue *v = NULL;
    int rc = resp_reader_next(r, &v);
    if (rc != -1) fail_msg("'%.20s' gave rc %d, want -1", m, rc);
    if (want_err && strcmp(resp_reader_error(r), want_err))
        fail_msg("'%.20s' error \"%s\", want \"%s\"", m, resp_reader_error(r), want_err);
    assert_true(strlen(resp_reader_error(r)) > 0);
    /* the reader stays failed */
    resp_reader_feed(r, "+OK\r\n", 5);
    assert_int_equal(resp_reader_next(r, &v), -1);
    resp_reader_free(r);
}
#define READER_ERR(lit, want) expect_reader_error((lit), sizeof(lit) - 1, (want))

static void test_reader_errors(void **state) {
    (void)state;
    READER_ERR("?foo\r\n", "Protocol error, got \"?\" as reply type byte");
    READER_ERR(":abc\r\n", NULL);
    READER_ERR(":\r\n", NULL);
    READER_ERR(":1.5\r\n", NULL);
    READER_ERR("$abc\r\n", NULL);
    READER_ERR("$-2\r\n", NULL);
    READER_ERR("*x\r\n", NULL);
    READER_ERR("*-2\r\n", NULL);
    READER_ERR("#x\r\n", NULL);
    READER_ERR("#tt\r\n", NULL);
    READER_ERR("_x\r\n", NULL);
    READER_ERR("=2\r\nab\r\n", NULL);
    READER_ERR("*2\r\n:1\r\n?\r\n", NULL);  /* error inside an aggregate */
    /* nesting beyond the limit */
    char deep[1000];
    size_t off = 0;
    for (int i = 0; i < 100; i++) off += (size_t)sprintf(deep + off, "*1\r\n");
    off += (size_t)sprintf(deep + off, ":1\r\n");
    expect_reader_error(deep, off, NULL);
    /* incomplete input is not an error */
    const char *partial[] = {"+OK", "+OK\r", "$5\r\nhel", "$5\r\nhello\r", "*2\r\n:1\r\n", "%1\r\n+a\r\n", ":12"};
    for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
        RespReader *r = resp_reader_create();
        resp_reader_feed(r, partial[i], strlen(partial[i]));
        RespValue *v = NULL;
        assert_int_equal(resp_reader_next(r, &v), 0);
        assert_int_equal(resp_reader_pending(r), strlen(partial[i]));
        resp_reader_free(r);
    }
}

/* What the reader makes of m fed whole: -1 error, 0 incomplete, else the bytes
 * of the first reply with the attributes before it (what resp_skip_reply counts). */
static long reader_outcome(const char *m, size_t len) {
    RespReader *r = resp_reader_create();
    resp_reader_feed(r, m, len);
    RespValue *v = NULL;
    int rc;
    while ((rc = resp_reader_next(r, &v)) == 1 && v->type == RESP_ATTR) resp_value_free(v);
    long out = rc;
    if (rc == 1) {
        out = (long)(len - resp_reader_pending(r));
        resp_value_free(v);
    }
    if (rc < 0) assert_true(strlen(resp_reader_error(r)) > 0);
    resp_reader_free(r);
    return out;
}

/* The same fed one byte at a time: the outcome may not depend on the chunking. */
static long reader_outcome_bytewise(const char *m, size_t len) {
    RespReader *r = resp_reader_create();
    RespValue *v = NULL;
    long out = 0;
    size_t fed = 0;
    while (fed < len) {
        resp_reader_feed(r, m + fed++, 1);
        int rc;
        while ((rc = resp_reader_next(r, &v)) == 1 && v->type == RESP_ATTR) resp_value_free(v);
        if (rc == 1) { out = (long)(fed - resp_reader_pending(r)); resp_value_free(v); break; }
        if (rc < 0) { out = -1; break; }
    }
    resp_reader_free(r);
    return out;
}

/* Regression (fixed) (resp.c): the reader and resp_skip_reply had their own rules:
 * "$3\r\nabc7\n" passed the reader (it skipped two bytes after a bulk unchecked)
 * and failed resp_skip_reply; attributes inside aggregates, "!-1", a CR inside a
 * line, nesting depth and double/bignum syntax differed too. Both now walk with
 * one scanner. want: -1 malformed, 0 incomplete, else the reply's length. */
static void test_regression_reader_and_skip_agree(void **state) {
    (void)state;
    static const struct { const char *m; long want; } table[] = {
        {"*3\r\n:1\r\n$3\r\nabc7\n+OK\r\n", -1}, {"$3\r\nabcX\r\n", -1}, {"$3\r\nabc\rX", -1},
        {"$3\r\nabc\n\r", -1}, {"$3\r\nabcd\r\n", -1}, {"+OK\rX\n", -1}, {"+O\nK\r\n", -1},
        {":1\rx", -1}, {":abc\r\n", -1}, {":\r\n", -1}, {":01\r\n", -1}, {":-0\r\n", -1},
        {":+1\r\n", -1}, {": 1\r\n", -1}, {":1 \r\n", -1}, {":99999999999999999999\r\n", -1},
        {"$-2\r\n", -1}, {"$01\r\n", -1}, {"$\r\n", -1}, {"$abc\r\n", -1}, {"$ 3\r\nabc\r\n", -1},
        {"$+3\r\nabc\r\n", -1}, {"!-1\r\n", -1}, {"=-1\r\n", -1}, {"=3\r\nabc\r\n", -1},
        {"=4\r\nabcd\r\n", -1}, {"*-2\r\n", -1}, {"*01\r\n", -1}, {"%-1\r\n", -1}, {"~-1\r\n", -1},
        {">-1\r\n", -1}, {"|-1\r\n", -1}, {"*3000000000\r\n", -1}, {"#x\r\n", -1}, {"#tt\r\n", -1},
        {"#\r\n", -1}, {"_x\r\n", -1}, {",\r\n", -1}, {",abc\r\n", -1}, {", 1\r\n", -1},
        {",1.5x\r\n", -1}, {"(\r\n", -1}, {"(-\r\n", -1}, {"(12a\r\n", -1}, {"?\r\n", -1},
        {"\r\n", -1}, {"*2\r\n:1\r\n$1\r\nab\r\n", -1}, {"%1\r\n+k\r\n:x\r\n", -1},
        {"|1\r\n+a\r\n:1\r\n:x\r\n", -1}, {"*1\r\n|1\r\n+a\r\n$1\r\nxy\r\n", -1},
        {"+OK\r\n", 5}, {"*3\r\n:1\r\n$3\r\nabc\r\n+OK\r\n", 22}, {"|1\r\n+a\r\n:1\r\n+OK\r\n", 17},
        {"*2\r\n|1\r\n+a\r\n:1\r\n:5\r\n:6\r\n", 24}, {"%1\r\n+a\r\n*0\r\n", 12}, {"$-1\r\n", 5},
        {"*-1\r\n", 5}, {",inf\r\n", 6}, {",-inf\r\n", 7}, {",nan\r\n", 6}, {",1e+20\r\n", 8},
        {"=5\r\ntxt:a\r\n", 11}, {"(-12\r\n", 6}, {"_\r\n", 3}, {"#t\r\n", 4}, {"!3\r\nERR\r\n", 9},
        {">1\r\n+x\r\n", 8}, {"~0\r\n", 4}, {":-9223372036854775808\r\n", 23}, {"|0\r\n:1\r\n", 8},
        {"$3\r\nabc\r", 0}, {"*1\r\n", 0}, {"|1\r\n+a\r\n:1\r\n", 0}, {"+OK\r", 0}, {"$3\r\nab", 0},
        {"+a\nb", 0}, {"", 0},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const char *m = table[i].m;
        size_t len = strlen(m);
        long skip = resp_skip_reply(m, len), whole = reader_outcome(m, len);
        long bytewise = reader_outcome_bytewise(m, len);
        if (skip != table[i].want || whole != table[i].want || bytewise != table[i].want)
            fail_msg("case %zu '%s': skip %ld, reader %ld, bytewise %ld, want %ld", i, m, skip, whole, bytewise, table[i].want);
    }
    /* nesting: RESP_MAX_DEPTH (64) aggregates deep is fine, one more is malformed */
    char deep[1024];
    for (int levels = 64; levels <= 65; levels++) {
        size_t off = 0;
        for (int i = 0; i < levels; i++) off += (size_t)sprintf(deep + off, "*1\r\n");
        off += (size_t)sprintf(deep + off, ":1\r\n");
        long want = levels == 64 ? (long)off : -1;
        assert_int_equal(resp_skip_reply(deep, off), want);
        assert_int_equal(reader_outcome(deep, off), want);
    }
}

static void test_reader_no_leaks(void **state) {
    (void)state;
    size_t before = vmalloc_used();
    RespReader *r = resp_reader_create();
    for (int rep = 0; rep < 50; rep++) {
        resp_reader_feed(r, mixed, sizeof(mixed) - 1);
        RespValue *v;
        while (resp_reader_next(r, &v) == 1) resp_value_free(v);
    }
    /* a partial aggregate parsed many times must not leak its children */
    resp_reader_feed(r, "*3\r\n:1\r\n$2\r\nab\r\n", 16);
    RespValue *v;
    for (int i = 0; i < 10; i++) assert_int_equal(resp_reader_next(r, &v), 0);
    resp_reader_free(r);
    READER_ERR("*2\r\n$1\r\na\r\n?\r\n", NULL);
    assert_int_equal(vmalloc_used(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_multibulk),
        cmocka_unit_test(test_request_pipelined),
        cmocka_unit_test(test_request_bytewise),
        cmocka_unit_test(test_request_inline),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_request_errors_and_limits),
        cmocka_unit_test(test_regression_request_unauthenticated_multibulk_len),
        cmocka_unit_test(test_regression_request_bulk_header_waits_for_its_line),
        cmocka_unit_test(test_regression_request_nul_byte_never_truncates),
        cmocka_unit_test(test_regression_request_line_limit_boundaries),
        cmocka_unit_test(test_regression_request_error_text_per_request),
        cmocka_unit_test(test_reader_resp2_types),
        cmocka_unit_test(test_reader_resp3_types),
        cmocka_unit_test(test_reader_bytewise),
        cmocka_unit_test(test_reader_big_values),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_no_leaks),
        cmocka_unit_test(test_regression_reader_and_skip_agree),
    };
    return cmocka_run_group_tests_name("resp", tests, NULL, NULL);
}
