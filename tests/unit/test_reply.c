/* test_reply.c - the reply encoders (core/reply.c) against exact RESP2 and RESP3
 * bytes: scalars, nulls, doubles, booleans, big numbers, verbatim strings,
 * aggregate headers, deferred lengths, help and error replies, output that spills
 * from the reply buffer into blocks, CLIENT REPLY OFF/SKIP, and reply_take() on a
 * client whose output was partly written to its socket. */
#include "harness.h"
#include <limits.h>
#include <math.h>

static Client *resp_client(int resp) {
    Client *c = h_fake();
    c->resp = resp;
    return c;
}

static void expect_take(Client *c, const char *want) {
    Sds got = reply_take(c);
    h_assert_bytes("reply", got, sds_len(got), want, strlen(want));
    sds_free(got);
}

static void expect_take_len(Client *c, const char *want, size_t wlen) {
    Sds got = reply_take(c);
    h_assert_bytes("reply", got, sds_len(got), want, wlen);
    sds_free(got);
}

/* ---------------- scalars ---------------- */

static void test_status_and_ok(void **state) {
    (void)state;
    Client *c = resp_client(2);
    reply_ok(c);
    reply_status(c, "PONG");
    reply_status_len(c, "QUEUEDxx", 6);
    reply_raw(c, ":7\r\n", 4);
    expect_take(c, "+OK\r\n+PONG\r\n+QUEUED\r\n:7\r\n");
    /* a status longer than the encoder's stack buffer */
    char big[600];
    memset(big, 's', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    reply_status(c, big);
    Sds want = sds_catprintf(sds_empty(), "+%s\r\n", big);
    expect_take(c, want);
    sds_free(want);
}

static void test_bulk(void **state) {
    (void)state;
    for (int resp = 2; resp <= 3; resp++) {
        Client *c = resp_client(resp);
        reply_bulk(c, "hello", 5);
        reply_bulk(c, "", 0);
        reply_bulk(c, "a\r\nb\0c", 6);
        reply_bulk_cstr(c, "x");
        reply_bulk_sds(c, sds_new("sds"));
        reply_bulk_ll(c, -42);
        reply_bulk_ll(c, LLONG_MIN);
        static const char want1[] = "$5\r\nhello\r\n$0\r\n\r\n$6\r\na\r\nb\0c\r\n$1\r\nx\r\n$3\r\nsds\r\n"
                                    "$3\r\n-42\r\n$20\r\n-9223372036854775808\r\n";
        expect_take_len(c, want1, sizeof(want1) - 1);
        /* objects of every string encoding */
        Obj *i = obj_from_ll(12345), *e = obj_string("embedded", 8);
        Obj *r = obj_raw_string("raw string value", 16);
        reply_bulk_obj(c, i);
        reply_bulk_obj(c, e);
        reply_bulk_obj(c, r);
        obj_decr(i);
        obj_decr(e);
        obj_decr(r);
        expect_take(c, "$5\r\n12345\r\n$8\r\nembedded\r\n$16\r\nraw string value\r\n");
        /* a bulk past the fast path's 128 bytes */
        char p[300];
        for (size_t k = 0; k < sizeof(p); k++) p[k] = (char)('a' + k % 26);
        reply_bulk(c, p, sizeof(p));
        Sds want = sds_new("$300\r\n");
        want = sds_catlen(want, p, sizeof(p));
        want = sds_cat(want, "\r\n");
        expect_take(c, want);
        sds_free(want);
    }
}

static void test_nulls(void **state) {
    (void)state;
    Client *c2 = resp_client(2), *c3 = resp_client(3);
    reply_null(c2);
    reply_null_array(c2);
    reply_bulk_cstr(c2, NULL);
    expect_take(c2, "$-1\r\n*-1\r\n$-1\r\n");
    reply_null(c3);
    reply_null_array(c3);
    reply_bulk_cstr(c3, NULL);
    expect_take(c3, "_\r\n_\r\n_\r\n");
}

static void test_integers(void **state) {
    (void)state;
    Client *c = resp_client(2);
    reply_long(c, 0);
    reply_long(c, 1);
    reply_long(c, -1);
    reply_long(c, 10);
    reply_long(c, LLONG_MAX);
    reply_long(c, LLONG_MIN);
    expect_take(c, ":0\r\n:1\r\n:-1\r\n:10\r\n:9223372036854775807\r\n:-9223372036854775808\r\n");
}

/* Doubles: %.17g as Redis 7.0 formats them, bulk in RESP2, ',' in RESP3; the
 * infinities spelled inf/-inf. */
static void test_doubles(void **state) {
    (void)state;
    Client *c2 = resp_client(2), *c3 = resp_client(3);
    double v[] = {0.0, -0.0, 1.5, 3.14, -2.5e-5, 1e300, 12345678901234567890.0, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        reply_double(c2, v[i]);
        reply_double(c3, v[i]);
    }
    expect_take(c2, "$1\r\n0\r\n$2\r\n-0\r\n$3\r\n1.5\r\n$18\r\n3.1400000000000001\r\n"
                    "$23\r\n-2.5000000000000001e-05\r\n$23\r\n1.0000000000000001e+300\r\n$22\r\n1.2345678901234567e+19\r\n"
                    "$3\r\ninf\r\n$4\r\n-inf\r\n");
    expect_take(c3, ",0\r\n,-0\r\n,1.5\r\n,3.1400000000000001\r\n,-2.5000000000000001e-05\r\n,1.0000000000000001e+300\r\n"
                    ",1.2345678901234567e+19\r\n,inf\r\n,-inf\r\n");
    /* INCRBYFLOAT style: no exponent, trailing zeros trimmed, bulk in both */
    reply_human_double(c2, 10.5L);
    reply_human_double(c2, 3.0L);
    reply_human_double(c2, 5.0e3L);
    reply_human_double(c3, -0.25L);
    expect_take(c2, "$4\r\n10.5\r\n$1\r\n3\r\n$4\r\n5000\r\n");
    expect_take(c3, "$5\r\n-0.25\r\n");
}

static void test_bool_bignum_verbatim(void **state) {
    (void)state;
    Client *c2 = resp_client(2), *c3 = resp_client(3);
    reply_bool(c2, 1);
    reply_bool(c2, 0);
    reply_bool(c3, 1);
    reply_bool(c3, 0);
    expect_take(c2, ":1\r\n:0\r\n");
    expect_take(c3, "#t\r\n#f\r\n");
    const char *big = "1234567890123456789012345678901234567890";
    reply_bignum(c2, big, strlen(big));
    reply_bignum(c3, big, strlen(big));
    expect_take(c2, "$40\r\n1234567890123456789012345678901234567890\r\n");
    expect_take(c3, "(1234567890123456789012345678901234567890\r\n");
    reply_verbatim(c2, "hello\nworld", 11, "txt");
    reply_verbatim(c3, "hello\nworld", 11, "txt");
    reply_verbatim(c3, "# x", 3, "mkd");
    expect_take(c2, "$11\r\nhello\nworld\r\n");
    expect_take(c3, "=15\r\ntxt:hello\nworld\r\n=7\r\nmkd:# x\r\n");
}

/* ---------------- aggregates ---------------- */

static void test_aggregate_headers(void **state) {
    (void)state;
    Client *c2 = resp_client(2), *c3 = resp_client(3);
    long lens[] = {0, 9, 10, 12345};
    for (size_t i = 0; i < 4; i++) {
        reply_array_len(c2, lens[i]);
        reply_array_len(c3, lens[i]);
    }
    expect_take(c2, "*0\r\n*9\r\n*10\r\n*12345\r\n");
    expect_take(c3, "*0\r\n*9\r\n*10\r\n*12345\r\n");
    reply_map_len(c2, 2);
    reply_set_len(c2, 3);
    reply_push_len(c2, 4);
    reply_map_len(c2, 0);
    expect_take(c2, "*4\r\n*3\r\n*4\r\n*0\r\n");
    reply_map_len(c3, 2);
    reply_set_len(c3, 3);
    reply_push_len(c3, 4);
    reply_attribute_len(c3, 1);
    reply_map_len(c3, 0);
    expect_take(c3, "%2\r\n~3\r\n>4\r\n|1\r\n%0\r\n");
}

static void test_deferred_lengths(void **state) {
    (void)state;
    for (int resp = 2; resp <= 3; resp++) {
        Client *c = resp_client(resp);
        reply_status(c, "before");
        void *arr = reply_deferred_len(c);
        assert_non_null(arr);
        reply_bulk(c, "a", 1);
        void *map = reply_deferred_len(c); /* nested */
        reply_bulk(c, "k", 1);
        reply_long(c, 1);
        reply_set_deferred_map_len(c, map, 1);
        void *set = reply_deferred_len(c);
        reply_long(c, 5);
        reply_long(c, 6);
        reply_set_deferred_set_len(c, set, 2);
        reply_set_deferred_array_len(c, arr, 3);
        reply_status(c, "after");
        if (resp == 2)
            expect_take(c, "+before\r\n*3\r\n$1\r\na\r\n*2\r\n$1\r\nk\r\n:1\r\n*2\r\n:5\r\n:6\r\n+after\r\n");
        else
            expect_take(c, "+before\r\n*3\r\n$1\r\na\r\n%1\r\n$1\r\nk\r\n:1\r\n~2\r\n:5\r\n:6\r\n+after\r\n");
        assert_null(c->reply_head);
        assert_int_equal(c->reply_bytes, 0);
    }
    /* a length set to a big value, and an empty deferred array */
    Client *c = resp_client(2);
    void *a = reply_deferred_len(c);
    void *b = reply_deferred_len(c);
    reply_set_deferred_array_len(c, b, 0);
    reply_set_deferred_array_len(c, a, 1234567);
    expect_take(c, "*1234567\r\n*0\r\n");
}

/* ---------------- errors ---------------- */

static long long errorstat(const char *code) {
    const char *sections[] = {"errorstats"};
    Sds info = info_generate(1, sections);
    Sds field = sds_catprintf(sds_empty(), "errorstat_%s", code);
    Sds v = h_info_field(info, field);
    long long n = v ? strtoll(v + strlen("count="), NULL, 10) : 0;
    sds_free(v);
    sds_free(field);
    sds_free(info);
    return n;
}

static void test_errors(void **state) {
    (void)state;
    server_reset_stats();
    long long total = server.stat.total_error_replies;
    Client *c = resp_client(3);
    reply_error(c, "plain message");
    reply_error(c, "-WRONGPASS invalid username-password pair");
    reply_error(c, "-NOCODE");
    reply_error(c, "bad\r\nthing\nhere\r");
    reply_error(c, "-CODE line1\r\nline2");
    reply_error_len(c, "lenXXXX", 3);
    reply_errorf(c, "formatted %d and '%s'", 7, "x");
    reply_error_syntax(c);
    reply_error_wrongtype(c);
    reply_error_not_int(c);
    reply_error_not_float(c);
    expect_take(c, "-ERR plain message\r\n"
                   "-WRONGPASS invalid username-password pair\r\n"
                   "-NOCODE\r\n"
                   "-ERR bad  thing here \r\n"
                   "-CODE line1  line2\r\n"
                   "-ERR len\r\n"
                   "-ERR formatted 7 and 'x'\r\n"
                   "-ERR syntax error\r\n"
                   "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
                   "-ERR value is not an integer or out of range\r\n"
                   "-ERR value is not a valid float\r\n");
    assert_int_equal(server.stat.total_error_replies - total, 11);
    assert_int_equal(errorstat("ERR"), 7);
    assert_int_equal(errorstat("WRONGPASS"), 1);
    assert_int_equal(errorstat("NOCODE"), 1);
    assert_int_equal(errorstat("CODE"), 1);
    assert_int_equal(errorstat("WRONGTYPE"), 1);
}

static void test_arity_and_subcommand_errors(void **state) {
    (void)state;
    Client *c = h_fake();
    /* arity errors name the running command (its full name for a subcommand) */
    Sds *args;
    int argc;
    args = sds_splitargs("client foo", &argc);
    h_set_argv(c, argc, args);
    sds_freesplit(args, argc);
    c->cmd = command_lookup_name("get", 3);
    reply_error_arity(c);
    c->cmd = command_lookup_by_fullname("client|list");
    reply_error_arity(c);
    reply_subcommand_syntax_error(c);
    expect_take(c, "-ERR wrong number of arguments for 'get' command\r\n"
                   "-ERR wrong number of arguments for 'client|list' command\r\n"
                   "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try CLIENT HELP.\r\n");
    client_reset_args(c);
    /* the subcommand is cut at 128 bytes, as Redis does */
    char line[300];
    snprintf(line, sizeof(line), "debug %0200d", 0);
    args = sds_splitargs(line, &argc);
    h_set_argv(c, argc, args);
    sds_freesplit(args, argc);
    reply_subcommand_syntax_error(c);
    client_reset_args(c);
    Sds want = sds_catprintf(sds_empty(), "-ERR unknown subcommand or wrong number of arguments for '%0128d'. Try DEBUG HELP.\r\n", 0);
    expect_take(c, want);
    sds_free(want);
}

static void test_help(void **state) {
    (void)state;
    for (int resp = 2; resp <= 3; resp++) {
        Client *c = resp_client(resp);
        Sds *args;
        int argc;
        args = sds_splitargs("object help", &argc);
        h_set_argv(c, argc, args);
        sds_freesplit(args, argc);
        const char *lines[] = {"ENCODING <key>", "    Return the kind of internal representation.", NULL};
        reply_help(c, lines);
        client_reset_args(c);
        expect_take(c, "*5\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
                       "+ENCODING <key>\r\n+    Return the kind of internal representation.\r\n"
                       "+HELP\r\n+    Prints this help.\r\n");
    }
    /* through dispatch, the way a client sees it (the bytes Redis 7.0.15 sends) */
    Client *c = h_fake();
    h_expect(c, "CLIENT HELP", "*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
                               "+CACHING (YES|NO)\r\n"
                               "+    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.\r\n"
                               "+GETREDIR\r\n"
                               "+    Return the client ID we are redirecting to when tracking is enabled.\r\n"
                               "+GETNAME\r\n"
                               "+    Return the name of the current connection.\r\n"
                               "+ID\r\n"
                               "+    Return the ID of the current connection.\r\n"
                               "+INFO\r\n"
                               "+    Return information about the current client connection.\r\n"
                               "+KILL <ip:port>\r\n"
                               "+    Kill connection made from <ip:port>.\r\n"
                               "+KILL <option> <value> [<option> <value> [...]]\r\n"
                               "+    Kill connections. Options are:\r\n"
                               "+    * ADDR (<ip:port>|<unixsocket>:0)\r\n"
                               "+      Kill connections made from the specified address\r\n"
                               "+    * LADDR (<ip:port>|<unixsocket>:0)\r\n"
                               "+      Kill connections made to specified local address\r\n"
                               "+    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)\r\n"
                               "+      Kill connections by type.\r\n"
                               "+    * USER <username>\r\n"
                               "+      Kill connections authenticated by <username>.\r\n"
                               "+    * SKIPME (YES|NO)\r\n"
                               "+      Skip killing current connection (default: yes).\r\n"
                               "+LIST [options ...]\r\n"
                               "+    Return information about client connections. Options:\r\n"
                               "+    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)\r\n"
                               "+      Return clients of specified type.\r\n"
                               "+UNPAUSE\r\n"
                               "+    Stop the current client pause, resuming traffic.\r\n"
                               "+PAUSE <timeout> [WRITE|ALL]\r\n"
                               "+    Suspend all, or just write, clients for <timeout> milliseconds.\r\n"
                               "+REPLY (ON|OFF|SKIP)\r\n"
                               "+    Control the replies sent to the current connection.\r\n"
                               "+SETNAME <name>\r\n"
                               "+    Assign the name <name> to the current connection.\r\n"
                               "+UNBLOCK <clientid> [TIMEOUT|ERROR]\r\n"
                               "+    Unblock the specified blocked client.\r\n"
                               "+TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]\r\n"
                               "+         [OPTIN] [OPTOUT] [NOLOOP]\r\n"
                               "+    Control server assisted client side caching.\r\n"
                               "+TRACKINGINFO\r\n"
                               "+    Report tracking status for the current connection.\r\n"
                               "+NO-EVICT (ON|OFF)\r\n"
                               "+    Protect current client connection from eviction.\r\n"
                               "+HELP\r\n+    Prints this help.\r\n");
}

/* ---------------- buffers and blocks ---------------- */

static void test_big_bulk_goes_to_blocks(void **state) {
    (void)state;
    Client *c = resp_client(2);
    size_t n = 100 * 1024;
    char *p = malloc(n);
    for (size_t i = 0; i < n; i++) p[i] = (char)('A' + i % 23);
    reply_status(c, "first");
    reply_bulk(c, p, n);
    reply_status(c, "last");
    /* the buffer stops at its maximum; the rest is in 16 KB (or larger) blocks */
    assert_true(c->buf_size <= REPLY_CHUNK_BYTES);
    assert_non_null(c->reply_head);
    size_t used = 0, blocks = 0, size = 0;
    for (ReplyBlock *b = c->reply_head; b; b = b->next) {
        used += b->used;
        size += b->size;
        blocks++;
    }
    assert_true(blocks >= 1);
    assert_int_equal(c->reply_bytes, size);
    size_t total = strlen("+first\r\n$102400\r\n") + n + strlen("\r\n+last\r\n");
    assert_int_equal(c->bufpos + used, total);
    Sds want = sds_new("+first\r\n$102400\r\n");
    want = sds_catlen(want, p, n);
    want = sds_cat(want, "\r\n+last\r\n");
    expect_take(c, want);
    assert_null(c->reply_head);
    assert_int_equal(c->bufpos, 0);
    assert_int_equal(c->reply_bytes, 0);
    /* many small replies also spill over, in order */
    sds_clear(want);
    for (int i = 0; i < 5000; i++) {
        reply_long(c, i);
        want = sds_catprintf(want, ":%d\r\n", i);
    }
    assert_non_null(c->reply_head);
    expect_take(c, want);
    sds_free(want);
    free(p);
}

/* Output larger than the socket takes: part of it is written, the rest stays; what
 * the peer read plus reply_take() is the whole reply, in order. */
static void test_reply_take_after_partial_write(void **state) {
    (void)state;
    Client *c = h_conn();
    size_t n = 4 * 1024 * 1024;
    char *p = malloc(n);
    for (size_t i = 0; i < n; i++) p[i] = (char)('a' + (i * 7) % 26);
    reply_bulk(c, p, n);
    net_handle_pending_writes();
    assert_true(c->bufpos == 0 || c->sentlen > 0 || c->reply_head); /* something was written */
    Sds got = h_out(c);
    Sds want = sds_new("$4194304\r\n");
    want = sds_catlen(want, p, n);
    want = sds_cat(want, "\r\n");
    assert_int_equal(sds_len(got), sds_len(want));
    assert_memory_equal(got, want, sds_len(want));
    sds_free(got);
    sds_free(want);
    free(p);
}

/* ---------------- push messages and shared output ---------------- */

/* Push messages pass CLIENT REPLY OFF; a shared block sits in order between copied
 * output, counts in each client's output size, and its bytes live until the last
 * client let go of them (checked under ASan/valgrind by the frees). */
static void test_push_and_shared(void **state) {
    (void)state;
    Client *a = resp_client(2), *b = resp_client(2);
    a->flags |= CLIENT_REPLY_OFF;
    reply_ok(a);                                   /* suppressed */
    reply_push_raw(a, "*1\r\n:1\r\n", 8);          /* not */
    size_t n = 40000;
    SharedReply *sh = reply_shared_create(NULL, n);
    for (size_t i = 0; i < n; i++) sh->buf[i] = (char)('a' + i % 26);
    reply_push_shared(a, sh);
    reply_push_shared(b, sh);
    assert_int_equal(sh->refcount, 3);
    reply_push_raw(a, "+after\r\n", 8);
    assert_int_equal(a->reply_bytes >= n, 1);
    assert_int_equal(b->reply_bytes, n);
    Sds want = sds_newlen("*1\r\n:1\r\n", 8);
    want = sds_catlen(want, sh->buf, n);
    want = sds_cat(want, "+after\r\n");
    reply_shared_release(sh);                      /* the creator's reference */
    expect_take_len(a, want, sds_len(want));
    assert_int_equal(sh->refcount, 1);             /* b still holds it */
    expect_take_len(b, want + 8, n);
    sds_free(want);
    /* a closing client queues nothing */
    b->flags |= CLIENT_CLOSE_ASAP;
    sh = reply_shared_create("xyz", 3);
    reply_push_shared(b, sh);
    reply_push_raw(b, "x", 1);
    assert_int_equal(sh->refcount, 1);
    reply_shared_release(sh);
    expect_take(b, "");
}

/* A shared block written partly to the socket, then the rest: the peer gets the
 * exact bytes and the block is released. */
static void test_shared_through_socket(void **state) {
    (void)state;
    Client *c = h_conn();
    size_t n = 3 * 1024 * 1024;
    SharedReply *sh = reply_shared_create(NULL, n);
    for (size_t i = 0; i < n; i++) sh->buf[i] = (char)('A' + (i * 5) % 26);
    reply_push_raw(c, "+x\r\n", 4);
    reply_push_shared(c, sh);
    reply_push_raw(c, "+y\r\n", 4);
    Sds want = sds_new("+x\r\n");
    want = sds_catlen(want, sh->buf, n);
    want = sds_cat(want, "+y\r\n");
    reply_shared_release(sh);
    net_handle_pending_writes();
    Sds got = h_out(c);
    assert_int_equal(sds_len(got), sds_len(want));
    assert_memory_equal(got, want, sds_len(want));
    sds_free(got);
    sds_free(want);
}

/* ---------------- suppression ---------------- */

static void test_flags_suppress_output(void **state) {
    (void)state;
    Client *c = resp_client(2);
    c->flags |= CLIENT_REPLY_OFF;
    reply_ok(c);
    reply_bulk(c, "x", 1);
    reply_long(c, 5);
    reply_error(c, "not sent");
    assert_null(reply_deferred_len(c));
    reply_set_deferred_array_len(c, NULL, 3); /* a NULL node is ignored */
    expect_take(c, "");
    c->flags &= ~CLIENT_REPLY_OFF;
    c->flags |= CLIENT_CLOSE_ASAP;
    reply_ok(c);
    expect_take(c, "");
    c->flags &= ~CLIENT_CLOSE_ASAP;
    reply_ok(c);
    expect_take(c, "+OK\r\n");
}

static void test_client_reply_off_skip(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "CLIENT REPLY OFF", "");
    h_expect(c, "PING", "");
    h_expect(c, "SET k v", "");
    h_expect(c, "GET nosuchcommand-arg x", ""); /* errors are silenced too */
    h_expect(c, "CLIENT REPLY ON", "+OK\r\n");
    h_expect(c, "GET k", "$1\r\nv\r\n");
    h_expect(c, "CLIENT REPLY SKIP", "");
    h_expect(c, "PING", "");
    h_expect(c, "PING", "+PONG\r\n");
    /* SKIP while OFF does nothing; ON ends both */
    h_expect(c, "CLIENT REPLY OFF", "");
    h_expect(c, "CLIENT REPLY SKIP", "");
    h_expect(c, "PING", "");
    h_expect(c, "CLIENT REPLY ON", "+OK\r\n");
    h_expect(c, "PING", "+PONG\r\n");
    h_expect(c, "CLIENT REPLY maybe", "-ERR syntax error\r\n");
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_status_and_ok, h_reset),
        cmocka_unit_test_teardown(test_bulk, h_reset),
        cmocka_unit_test_teardown(test_nulls, h_reset),
        cmocka_unit_test_teardown(test_integers, h_reset),
        cmocka_unit_test_teardown(test_doubles, h_reset),
        cmocka_unit_test_teardown(test_bool_bignum_verbatim, h_reset),
        cmocka_unit_test_teardown(test_aggregate_headers, h_reset),
        cmocka_unit_test_teardown(test_deferred_lengths, h_reset),
        cmocka_unit_test_teardown(test_errors, h_reset),
        cmocka_unit_test_teardown(test_arity_and_subcommand_errors, h_reset),
        cmocka_unit_test_teardown(test_help, h_reset),
        cmocka_unit_test_teardown(test_big_bulk_goes_to_blocks, h_reset),
        cmocka_unit_test_teardown(test_reply_take_after_partial_write, h_reset),
        cmocka_unit_test_teardown(test_push_and_shared, h_reset),
        cmocka_unit_test_teardown(test_shared_through_socket, h_reset),
        cmocka_unit_test_teardown(test_flags_suppress_output, h_reset),
        cmocka_unit_test_teardown(test_client_reply_off_skip, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
