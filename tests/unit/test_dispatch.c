/* test_dispatch.c - the path of a command (core/dispatch.c): lookup, arity and the
 * checks (authentication, MULTI restrictions, OOM, loading) in Redis 7.0's order,
 * for a client's request and for the commands EXEC runs; rejected commands count
 * as rejected_calls and doom a transaction; CLIENT LIST's cmd/multi fields. The
 * expected texts are the bytes redis-server 7.0.15 sends for the same requests. */
#include "harness.h"
#include <sys/un.h>

#define OOM_ERR "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
#define LOADING_ERR "-LOADING Redis is loading the dataset in memory\r\n"
#define NOAUTH_ERR "-NOAUTH Authentication required.\r\n"
#define EXECABORT_PREV "-EXECABORT Transaction discarded because of previous errors.\r\n"

static Command *cmd(const char *fullname) {
    Command *c = command_lookup_by_fullname(fullname);
    assert_non_null(c);
    return c;
}

/* The "cmdstat_<name>" line of INFO commandstats (new sds), or NULL. */
static Sds cmdstat(const char *name) {
    const char *sections[] = {"commandstats"};
    Sds info = info_generate(1, sections);
    Sds field = sds_catprintf(sds_empty(), "cmdstat_%s", name);
    Sds v = h_info_field(info, field);
    sds_free(field);
    sds_free(info);
    return v;
}

static int matches(const char *pattern, const char *s) {
    if (glob_match(pattern, strlen(pattern), s, strlen(s), 0)) return 1;
    print_error("\"%s\" does not match \"%s\"\n", s, pattern);
    return 0;
}

/* ---------------- lookup and arity ---------------- */

static void test_unknown_command(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "FOO a b", "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
    h_expect(c, "foo", "-ERR unknown command 'foo', with args beginning with: \r\n");
    /* CR and LF from the user never reach the protocol */
    h_expect(c, "\"x\\r\\ny\" \"a\\nb\"", "-ERR unknown command 'x  y', with args beginning with: 'a b' \r\n");
    /* the arguments are cut once they pass 128 bytes */
    char line[400];
    char a[101], b[101];
    memset(a, 'a', 100);
    a[100] = '\0';
    memset(b, 'b', 100);
    b[100] = '\0';
    snprintf(line, sizeof(line), "nope %s %s %s", a, b, "c");
    Sds want = sds_catprintf(sds_empty(), "-ERR unknown command 'nope', with args beginning with: '%s' '%.25s' \r\n", a, b);
    h_expect(c, line, want);
    sds_free(want);
}

static void test_unknown_subcommand(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "CLIENT FOO", "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
    h_expect(c, "config foo bar", "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
    /* no command was found, so none counts the rejection (Redis: no cmdstat_client
     * line after CONFIG RESETSTAT, CLIENT FOO) */
    h_expect(c, "CONFIG RESETSTAT", "+OK\r\n");
    h_expect(c, "CLIENT FOO", "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
    assert_int_equal(cmd("client")->rejected_calls, 0);
    assert_null(cmdstat("client"));
    /* a container without its subcommand is an arity error of the container */
    h_expect(c, "CLIENT", "-ERR wrong number of arguments for 'client' command\r\n");
}

static void test_arity(void **state) {
    (void)state;
    Client *c = h_fake();
    Command *get = cmd("get");
    long long rejected = get->rejected_calls, calls = get->calls;
    h_expect(c, "GET", "-ERR wrong number of arguments for 'get' command\r\n");
    h_expect(c, "GET a b", "-ERR wrong number of arguments for 'get' command\r\n");
    h_expect(c, "CONFIG GET", "-ERR wrong number of arguments for 'config|get' command\r\n");
    h_expect(c, "SET a", "-ERR wrong number of arguments for 'set' command\r\n");
    assert_int_equal(get->rejected_calls - rejected, 2);
    assert_int_equal(get->calls, calls);
    assert_int_equal(cmd("config|get")->calls, 0);
    assert_true(cmd("config|get")->rejected_calls >= 1);
}

/* ---------------- the checks ---------------- */

static void test_noauth(void **state) {
    (void)state;
    h_config("requirepass", "pw");
    Client *c = h_fake();
    long long rejected = cmd("get")->rejected_calls;
    h_expect(c, "GET a", NOAUTH_ERR);
    h_expect(c, "PING", NOAUTH_ERR);
    h_expect(c, "MULTI", NOAUTH_ERR);
    /* lookup and arity come first */
    h_expect(c, "FOO", "-ERR unknown command 'FOO', with args beginning with: \r\n");
    h_expect(c, "GET", "-ERR wrong number of arguments for 'get' command\r\n");
    assert_int_equal(cmd("get")->rejected_calls - rejected, 2);
    /* commands allowed without authentication run */
    h_expect(c, "AUTH wrong", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    h_expect(c, "AUTH pw", "+OK\r\n");
    h_expect(c, "GET a", "$-1\r\n");
    /* a client created while a password is set starts unauthenticated; RESET
     * drops the authentication again */
    h_expect(c, "RESET", "+RESET\r\n");
    h_expect(c, "GET a", NOAUTH_ERR);
    h_config("requirepass", "");
    Client *d = h_fake();
    h_expect(d, "GET a", "$-1\r\n");
}

static void test_no_multi_command_in_multi(void **state) {
    (void)state;
    Client *c = h_fake();
    long long rejected = cmd("shutdown")->rejected_calls;
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET a 1", "+QUEUED\r\n");
    h_expect(c, "SHUTDOWN", "-ERR Command not allowed inside a transaction\r\n");
    assert_int_equal(cmd("shutdown")->rejected_calls - rejected, 1);
    assert_true(c->flags & CLIENT_DIRTY_EXEC);
    h_expect(c, "EXEC", EXECABORT_PREV);
    assert_false(c->flags & (CLIENT_MULTI | CLIENT_DIRTY_EXEC));
    h_expect(c, "GET a", "$-1\r\n");
}

static void test_oom(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "SET a 1", "+OK\r\n");
    server.cfg.maxmemory = 1;
    long long rejected = cmd("set")->rejected_calls;
    h_expect(c, "SET b 1", OOM_ERR);
    h_expect(c, "INCR a", OOM_ERR);
    assert_int_equal(cmd("set")->rejected_calls - rejected, 1);
    /* reads, and writes that free memory, still run */
    h_expect(c, "GET a", "$1\r\n1\r\n");
    h_expect(c, "GET b", "$-1\r\n");
    h_expect(c, "DEL a", ":1\r\n");
    /* a denyoom command queued in MULTI is refused and dooms the transaction */
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET b 1", OOM_ERR);
    h_expect(c, "EXEC", EXECABORT_PREV);
    /* so is any command queued while over the limit, even a read: the queue itself
     * takes memory (Redis 7.0 refuses all but EXEC, DISCARD, QUIT and RESET) */
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "GET b", OOM_ERR);
    h_expect(c, "PING", OOM_ERR);
    h_expect(c, "EXEC", EXECABORT_PREV);
    /* EXEC with a queued denyoom command is refused when memory is over the limit */
    server.cfg.maxmemory = 0;
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET b 1", "+QUEUED\r\n");
    h_expect(c, "GET b", "+QUEUED\r\n");
    server.cfg.maxmemory = 1;
    long long exec_rejected = cmd("exec")->rejected_calls;
    h_expect(c, "EXEC", "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert_int_equal(cmd("exec")->rejected_calls - exec_rejected, 1);
    assert_false(c->flags & CLIENT_MULTI);
    h_expect(c, "GET b", "$-1\r\n");
    /* EXEC of reads only runs; DISCARD is never refused */
    server.cfg.maxmemory = 0;
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "GET b", "+QUEUED\r\n");
    server.cfg.maxmemory = 1;
    h_expect(c, "EXEC", "*1\r\n$-1\r\n");
    server.cfg.maxmemory = 0;
    h_expect(c, "MULTI", "+OK\r\n");
    server.cfg.maxmemory = 1;
    h_expect(c, "DISCARD", "+OK\r\n");
}

static void test_loading(void **state) {
    (void)state;
    Client *c = h_fake();
    server.loading = 1;
    long long rejected = cmd("get")->rejected_calls;
    h_expect(c, "GET a", LOADING_ERR);
    h_expect(c, "PING", LOADING_ERR);
    h_expect(c, "SET a 1", LOADING_ERR);
    assert_int_equal(cmd("get")->rejected_calls - rejected, 1);
    /* commands flagged "loading" run */
    h_expect_match(c, "INFO keyspace", "$*\r\n# Keyspace\r\n*");
    h_expect(c, "ECHO hi", "$2\r\nhi\r\n");
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "GET a", LOADING_ERR);
    h_expect(c, "EXEC", EXECABORT_PREV);
    /* EXEC is allowed while loading, but not with a queued command that is not:
     * the transaction is refused as a whole (Redis's cmd_inv_flags) */
    server.loading = 0;
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "ECHO x", "+QUEUED\r\n");
    h_expect(c, "SET a 1", "+QUEUED\r\n");
    server.loading = 1;
    h_expect(c, "EXEC", "-EXECABORT Transaction discarded because of: LOADING Redis is loading the dataset in memory\r\n");
    assert_false(c->flags & CLIENT_MULTI);
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "ECHO x", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*1\r\n$1\r\nx\r\n");
    server.loading = 0;
    h_expect(c, "GET a", "$-1\r\n");
}

#define DEBUG_ERR "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can " \
                  "run it from a local connection, otherwise you need to set this option in the configuration file, " \
                  "and then restart the server.\r\n"

/* DEBUG is protected by enable-debug-command: refused by dispatch (a rejected
 * call that dooms a transaction), before authentication, as in Redis 7.0. */
static void test_protected_command(void **state) {
    (void)state;
    Client *c = h_conn();
    server.cfg.enable_debug_cmd = 0;
    h_expect(c, "CONFIG RESETSTAT", "+OK\r\n");
    h_expect(c, "DEBUG x", DEBUG_ERR);
    assert_int_equal(cmd("debug")->rejected_calls, 1);
    assert_int_equal(cmd("debug")->failed_calls, 0);
    h_expect(c, "DEBUG", "-ERR wrong number of arguments for 'debug' command\r\n");
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "DEBUG SLEEP 0", DEBUG_ERR);
    h_expect(c, "EXEC", EXECABORT_PREV);
    h_config("requirepass", "pw");
    Client *anon = h_conn();
    h_expect(anon, "DEBUG x", DEBUG_ERR);
    h_expect(anon, "GET x", NOAUTH_ERR);
    h_config("requirepass", "");
    /* "local": a Unix socket client is local */
    server.cfg.enable_debug_cmd = 2;
    h_expect(c, "DEBUG SLEEP 0", "+OK\r\n");
    server.cfg.enable_debug_cmd = 1;
}

/* Unknown command, arity, auth, MULTI restrictions, OOM, loading: with every
 * condition true at once, each request gets the first check's error. */
static void test_check_order(void **state) {
    (void)state;
    Client *authed = h_fake();
    h_config("requirepass", "pw");
    Client *anon = h_fake();
    h_expect(authed, "AUTH pw", "+OK\r\n");
    h_expect(authed, "MULTI", "+OK\r\n");
    server.cfg.maxmemory = 1;
    server.loading = 1;
    h_expect(anon, "NOPE", "-ERR unknown command 'NOPE', with args beginning with: \r\n");
    h_expect(anon, "SET a", "-ERR wrong number of arguments for 'set' command\r\n");
    h_expect(anon, "SET a 1", NOAUTH_ERR);
    h_expect(authed, "SHUTDOWN", "-ERR Command not allowed inside a transaction\r\n");
    /* while loading there is no eviction, hence no OOM (as in Redis): loading wins */
    h_expect(authed, "SET a 1", LOADING_ERR);
    h_expect(authed, "DISCARD", "+OK\r\n");
    server.loading = 0;
    h_expect(authed, "SET a 1", OOM_ERR);
    h_expect(authed, "GET a", "$-1\r\n");
    server.loading = 1;
    h_expect(authed, "GET a", LOADING_ERR);
    server.cfg.maxmemory = 0;
    h_expect(authed, "SET a 1", LOADING_ERR);
}

/* ---------------- statistics ---------------- */

static void test_rejected_and_failed_calls(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "CONFIG RESETSTAT", "+OK\r\n");
    h_expect(c, "SET s x", "+OK\r\n");
    h_expect(c, "INCR s", "-ERR value is not an integer or out of range\r\n");
    h_expect(c, "INCR", "-ERR wrong number of arguments for 'incr' command\r\n");
    server.cfg.maxmemory = 1;
    h_expect(c, "INCR n", OOM_ERR);
    server.cfg.maxmemory = 0;
    h_expect(c, "INCR n", ":1\r\n");
    Sds line = cmdstat("incr");
    assert_non_null(line);
    assert_true(matches("calls=2,usec=*,usec_per_call=*,rejected_calls=2,failed_calls=1", line));
    sds_free(line);
    line = cmdstat("set");
    assert_true(matches("calls=1,usec=*,rejected_calls=0,failed_calls=0", line));
    sds_free(line);
    /* errors count in errorstats whatever their path */
    const char *sections[] = {"errorstats"};
    Sds info = info_generate(1, sections);
    Sds err = h_info_field(info, "errorstat_ERR");
    Sds oom = h_info_field(info, "errorstat_OOM");
    assert_string_equal(err, "count=2");
    assert_string_equal(oom, "count=1");
    sds_free(err);
    sds_free(oom);
    sds_free(info);
}

/* ---------------- transactions ---------------- */

static void test_exec_with_wrong_arity_aborts(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET a 1", "+QUEUED\r\n");
    h_expect(c, "EXEC x", "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
    assert_false(c->flags & CLIENT_MULTI);
    h_expect(c, "EXEC", "-ERR EXEC without MULTI\r\n");
    h_expect(c, "GET a", "$-1\r\n");
}

static void test_rejected_commands_doom_the_transaction(void **state) {
    (void)state;
    Client *c = h_fake();
    const char *bad[] = {"FOO", "GET", "CLIENT NOSUCH", NULL};
    for (int i = 0; bad[i]; i++) {
        h_expect(c, "MULTI", "+OK\r\n");
        Sds r = h_run(c, bad[i]);
        assert_true(r[0] == '-');
        sds_free(r);
        h_expect(c, "SET a 1", "+QUEUED\r\n");
        h_expect(c, "EXEC", EXECABORT_PREV);
        h_expect(c, "GET a", "$-1\r\n");
    }
    /* an error of a command's own (not a rejection) does not */
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "MULTI", "-ERR MULTI calls can not be nested\r\n");
    h_expect(c, "SET a 1", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*1\r\n+OK\r\n");
}

/* ---------------- CLIENT LIST ---------------- */

static void test_client_list_cmd_and_multi(void **state) {
    (void)state;
    Client *a = h_conn(), *b = h_conn();
    char q[64];
    snprintf(q, sizeof(q), "CLIENT LIST ID %llu", (unsigned long long)a->id);
    h_expect(a, "FOO", "-ERR unknown command 'FOO', with args beginning with: \r\n");
    h_expect_match(b, q, "$*\r\nid=* flags=U db=0 * multi=-1 * multi-mem=0 * cmd=NULL user=default redir=-1 resp=2 lib-name= lib-ver=\n\r\n");
    h_expect(a, "GET", "-ERR wrong number of arguments for 'get' command\r\n");
    h_expect_match(b, q, "$*\r\nid=* multi=-1 * cmd=get user=default *\n\r\n");
    h_expect(a, "MULTI", "+OK\r\n");
    h_expect(a, "INCR x", "+QUEUED\r\n");
    h_expect_match(b, q, "$*\r\nid=* flags=xU db=0 * multi=1 * cmd=incr user=default *\n\r\n");
    Sds mem1 = h_client_field(a, "multi-mem");
    h_expect(a, "SET a 1", "+QUEUED\r\n");
    h_expect_match(b, q, "$*\r\nid=* flags=xU db=0 sub=0 psub=0 ssub=0 multi=2 qbuf=* argv-mem=0 multi-mem=* cmd=set user=default redir=-1 resp=2 lib-name= lib-ver=\n\r\n");
    Sds mem2 = h_client_field(a, "multi-mem");
    /* Redis 7.0.15 shows multi-mem=21 then 50: the queued arguments' bytes plus a
     * pointer per argument ("incr" "x": 5 + 2*8; "set" "a" "1": 5 + 3*8) */
    assert_string_equal(mem1, "21");
    assert_string_equal(mem2, "50");
    h_expect(a, "EXEC", "*2\r\n:1\r\n+OK\r\n");
    h_assert_client_field(a, "multi", "-1");
    h_assert_client_field(a, "multi-mem", "0");
    h_assert_client_field(a, "cmd", "exec");
    h_assert_client_field(a, "flags", "U");
    sds_free(mem1);
    sds_free(mem2);
    /* the caller's own line names the command it is running */
    h_expect_match(b, "CLIENT INFO", "$*\r\nid=* cmd=client|info user=default redir=-1 resp=2 lib-name= lib-ver=\n\r\n");
}

/* ---------------- reading big requests ---------------- */

/* A request whose header announces a big argument is read whole in one read event
 * when it is all in the socket: the header's 16 KB read is followed at once by a
 * read sized to the argument. Before, the argument waited for the next turn of the
 * event loop, so another client's CLIENT LIST in between saw a 16 KB query buffer
 * (unit/client-eviction's "client evicted due to percentage of maxmemory" failed
 * under load). */
static void test_big_argument_read_in_one_event(void **state) {
    (void)state;
    /* a client accepted the way the server accepts them (read handler installed) */
    char path[64];
    snprintf(path, sizeof(path), "/tmp/vesper-unit-%d.sock", (int)getpid());
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 4), 0);
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK); /* net_accept takes all that wait */
    int peer = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(peer, (struct sockaddr *)&sa, sizeof(sa)), 0);
    Client *last = NULL;
    for (Client *x = clients_first(); x; x = x->next) last = x;
    net_accept(lfd, 1);
    Client *c = NULL;
    for (Client *x = clients_first(); x; x = x->next)
        if (x != last) c = x;
    assert_non_null(c);
    h_track(c, peer);
    fcntl(peer, F_SETFL, fcntl(peer, F_GETFL) | O_NONBLOCK);
    close(lfd);
    unlink(path);
    size_t n = 60000;
    char head[64];
    int hl = snprintf(head, sizeof(head), "*2\r\n$4\r\nECHO\r\n$%zu\r\n", n);
    Sds req = sds_newlen(head, (size_t)hl);
    Sds body = sds_newlen(NULL, n);
    memset(body, 'v', n);
    req = sds_catlen(req, body, n);
    req = sds_catlen(req, "\r\n", 2);
    size_t off = 0;
    while (off < sds_len(req)) {
        ssize_t w = write(peer, req + off, sds_len(req) - off);
        assert_true(w > 0); /* 60 KB fits a Unix socket's buffer */
        off += (size_t)w;
    }
    long long before = c->net_in;
    ev_process(server.el, 1);
    assert_int_equal(c->net_in - before, (long long)sds_len(req));
    assert_string_equal(c->lastcmd ? c->lastcmd->name : "", "echo");
    sds_free(req);
    sds_free(body);
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_unknown_command, h_reset),
        cmocka_unit_test_teardown(test_big_argument_read_in_one_event, h_reset),
        cmocka_unit_test_teardown(test_unknown_subcommand, h_reset),
        cmocka_unit_test_teardown(test_arity, h_reset),
        cmocka_unit_test_teardown(test_noauth, h_reset),
        cmocka_unit_test_teardown(test_no_multi_command_in_multi, h_reset),
        cmocka_unit_test_teardown(test_oom, h_reset),
        cmocka_unit_test_teardown(test_loading, h_reset),
        cmocka_unit_test_teardown(test_protected_command, h_reset),
        cmocka_unit_test_teardown(test_check_order, h_reset),
        cmocka_unit_test_teardown(test_rejected_and_failed_calls, h_reset),
        cmocka_unit_test_teardown(test_exec_with_wrong_arity_aborts, h_reset),
        cmocka_unit_test_teardown(test_rejected_commands_doom_the_transaction, h_reset),
        cmocka_unit_test_teardown(test_client_list_cmd_and_multi, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
