/* test_blocking.c - clients blocked on keys and by CLIENT PAUSE (core/blocking.c),
 * through a test module's blocking command, TESTPOP: FIFO service as keys are
 * written, several keys per client, re-blocking in place, clients freed while
 * waiting (run under ASan: nothing may be left behind), CLIENT UNBLOCK, deadlines,
 * MULTI/EXEC (no blocking inside; a write inside serves waiters after EXEC), and
 * CLIENT PAUSE WRITE/ALL with the parked commands running after the pause. */
#include "harness.h"

/* TESTPOP key [key ...] timeout-ms: pops (like GETDEL) the first key that exists
 * and replies [key, value]; otherwise blocks on all the keys until timeout-ms from
 * now (0: for ever). Propagates as DEL. */
static void testpop_cmd(Client *c) {
    long long timeout;
    if (!string2ll(arg_str(c, c->argc - 1), arg_len(c, c->argc - 1), &timeout) || timeout < 0) {
        reply_error(c, "timeout is not an integer or out of range");
        return;
    }
    for (int i = 1; i < c->argc - 1; i++) {
        Obj *o = db_lookup_write(c, c->argv[i]);
        if (!o) continue;
        reply_array_len(c, 2);
        reply_bulk_obj(c, c->argv[i]);
        reply_bulk_obj(c, o);
        db_delete(c->db, key_ptr(c->argv[i]), key_len(c->argv[i]));
        db_changed(c->db, c->argv[i], NOTIFY_GENERIC, "del");
        propagate_replace_objs(c, obj_word(WORD_DEL), c->argv[i], NULL);
        return;
    }
    block_on_keys(c, c->argv + 1, c->argc - 2, timeout ? mstime() + timeout : 0);
}

static Command testpop_commands[] = {
    {.name = "testpop", .proc = testpop_cmd, .arity = -3, .flags = CMD_WRITE | CMD_BLOCKING, .group = "generic",
     .summary = "test: pop a key, blocking", .since = "0.0.0", .complexity = "O(N)",
     .args = "key:key... timeout:integer", .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1)}, .nkeyspecs = 1},
    {0}};

static const Module testpop_module = {.name = "testpop", .commands = testpop_commands};
static const Module *const extra_modules[] = {&testpop_module, NULL};

static Sds popped(const char *k, const char *v) {
    return sds_catprintf(sds_empty(), "*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(k), k, strlen(v), v);
}

static void expect_popped(Client *c, const char *k, const char *v) {
    Sds want = popped(k, v);
    h_expect_out(c, want);
    sds_free(want);
    assert_false(c->flags & CLIENT_BLOCKED);
}

static Command *testpop(void) { return command_lookup_name("testpop", 7); }

static void expect_blocked(Client *c) {
    assert_true(c->flags & CLIENT_BLOCKED);
    assert_int_equal(block_type(c), BLOCKED_KEYS);
    h_expect_out(c, "");
}


/* ---------------- serving ---------------- */

static void test_fifo_service(void **state) {
    (void)state;
    Client *w[3] = {h_conn(), h_conn(), h_conn()}, *p = h_conn();
    long long calls = testpop()->calls;
    for (int i = 0; i < 3; i++) {
        h_send(w[i], "TESTPOP k 0");
        expect_blocked(w[i]);
    }
    /* a blocking command counts one call, when it first runs (Redis 7.0: cmdstat
     * shows calls=1 for a BLPOP that is still waiting, and after it is served) */
    assert_int_equal(testpop()->calls - calls, 3);
    assert_int_equal(block_blocked_clients(), 3);
    assert_int_equal(block_keys_with_waiters(), 1);
    h_assert_client_field(w[0], "flags", "bU");
    h_prop_start();
    /* each write serves the oldest waiter, right after the writing command */
    const char *vals[] = {"v1", "v2", "v3"};
    for (int i = 0; i < 3; i++) {
        char line[32];
        snprintf(line, sizeof(line), "SET k %s", vals[i]);
        h_expect(p, line, "+OK\r\n");
        expect_popped(w[i], "k", vals[i]);
        for (int j = i + 1; j < 3; j++) expect_blocked(w[j]);
        assert_int_equal(block_blocked_clients(), 2 - i);
        h_expect(p, "EXISTS k", ":0\r\n");
    }
    assert_int_equal(testpop()->calls - calls, 3);
    assert_int_equal(block_keys_with_waiters(), 0);
    /* the write and each pop propagate as separate commands */
    h_prop_expect("SELECT 0\nSET k v1\nDEL k\nSET k v2\nDEL k\nSET k v3\nDEL k\n");
    /* INFO reads the blocking module's gauges */
    h_send(w[0], "TESTPOP k 100000");
    h_send(w[1], "TESTPOP k 0");
    Sds info = h_run(p, "INFO clients");
    Sds blocked = h_info_field(info, "blocked_clients"), timeouts = h_info_field(info, "clients_in_timeout_table");
    assert_string_equal(blocked, "2");
    assert_string_equal(timeouts, "1");
    sds_free(blocked);
    sds_free(timeouts);
    sds_free(info);
}

static void test_client_blocked_on_several_keys(void **state) {
    (void)state;
    Client *w = h_conn(), *p = h_conn();
    h_send(w, "TESTPOP a b c 0");
    expect_blocked(w);
    assert_int_equal(block_keys_with_waiters(), 3);
    h_expect(p, "SET z 1", "+OK\r\n");
    h_expect(p, "SELECT 1", "+OK\r\n");
    h_expect(p, "SET b other-db", "+OK\r\n");
    h_expect(p, "SELECT 0", "+OK\r\n");
    expect_blocked(w);
    h_expect(p, "SET b x", "+OK\r\n");
    expect_popped(w, "b", "x");
    /* it left every queue */
    assert_int_equal(block_keys_with_waiters(), 0);
    h_expect(p, "SET a y", "+OK\r\n");
    h_expect(p, "GET a", "$1\r\ny\r\n");
    /* the first listed key that exists is served when several are written at once */
    h_send(w, "TESTPOP a2 b2 0");
    h_expect(p, "MSET b2 1 a2 2", "+OK\r\n");
    expect_popped(w, "a2", "2");
    h_expect(p, "GET b2", "$1\r\n1\r\n");
}

/* FLUSHDB and SWAPDB make every key of the database ready: a waiter whose key
 * is now there is served (Redis 7.0 serves BLPOP after SWAPDB), one whose key is
 * still missing runs again and keeps waiting. */
static void test_flush_and_swapdb_wake_waiters(void **state) {
    (void)state;
    Client *w = h_conn(), *p = h_conn();
    h_send(w, "TESTPOP k 0");
    h_expect(p, "SET other 1", "+OK\r\n");
    h_expect(p, "FLUSHDB", "+OK\r\n");
    expect_blocked(w);
    h_expect(p, "SELECT 1", "+OK\r\n");
    h_expect(p, "SET k from-db1", "+OK\r\n");
    expect_blocked(w);
    h_expect(p, "SWAPDB 0 1", "+OK\r\n");
    expect_popped(w, "k", "from-db1");
    h_expect(p, "SELECT 0", "+OK\r\n");
    h_expect(p, "EXISTS k", ":0\r\n");
    assert_int_equal(block_keys_with_waiters(), 0);
}

/* Two waiters, one value: the first is served; the second runs again, finds
 * nothing and stays blocked where it was, ahead of later waiters, with its
 * deadline. */
static void test_reblock_in_place(void **state) {
    (void)state;
    Client *w1 = h_conn(), *w2 = h_conn(), *w3 = h_conn(), *p = h_conn();
    long long calls = testpop()->calls;
    h_send(w1, "TESTPOP k 0");
    h_send(w2, "TESTPOP k 100000");
    long long deadline = w2->bstate.timeout_ms;
    h_expect(p, "SET k one", "+OK\r\n");
    expect_popped(w1, "k", "one");
    expect_blocked(w2);
    assert_int_equal(w2->bstate.timeout_ms, deadline);
    assert_int_equal(block_clients_with_timeout(), 1);
    h_send(w3, "TESTPOP k 0");
    h_expect(p, "SET k two", "+OK\r\n");
    expect_popped(w2, "k", "two");
    expect_blocked(w3);
    assert_int_equal(block_clients_with_timeout(), 0);
    h_expect(p, "SET k three", "+OK\r\n");
    expect_popped(w3, "k", "three");
    assert_int_equal(block_blocked_clients(), 0);
    /* running again (re-blocked or served) is not another call */
    assert_int_equal(testpop()->calls - calls, 3);
}

/* Freed while waiting: nothing of the client stays in the key queues, the ready
 * list or the deadline heap (ASan catches a use after free). */
static void test_client_freed_while_blocked(void **state) {
    (void)state;
    Client *p = h_conn();
    Client *w = h_conn();
    h_send(w, "TESTPOP k 0");
    h_free(w);
    assert_int_equal(block_blocked_clients(), 0);
    assert_int_equal(block_keys_with_waiters(), 0);
    h_expect(p, "SET k v", "+OK\r\n");
    h_expect(p, "GET k", "$1\r\nv\r\n");
    /* freed with a deadline, and freed after its key became ready */
    Client *a = h_conn(), *b = h_conn();
    h_send(a, "TESTPOP q 1");
    h_send(b, "TESTPOP r 0");
    assert_int_equal(block_clients_with_timeout(), 1);
    h_free(a);
    assert_int_equal(block_clients_with_timeout(), 0);
    db_add(db_get(0), "r", 1, obj_string("x", 1));
    db_changed_raw(db_get(0), "r", 1, NOTIFY_STRING, "set");
    h_free(b);
    block_handle_ready();
    usleep(3000);
    server_before_sleep();
    assert_int_equal(block_blocked_clients(), 0);
    h_expect(p, "GET r", "$1\r\nx\r\n");
    /* closed by the server (CLIENT KILL) while blocked */
    Client *k = h_conn();
    h_send(k, "TESTPOP k2 0");
    char line[64];
    snprintf(line, sizeof(line), "CLIENT KILL ID %llu", (unsigned long long)k->id);
    h_expect(p, line, ":1\r\n");
    h_untrack(k); /* the server frees it before sleeping */
    server_before_sleep();
    assert_int_equal(block_blocked_clients(), 0);
    h_expect(p, "SET k2 v", "+OK\r\n");
    h_expect(p, "GET k2", "$1\r\nv\r\n");
}

static void test_client_unblock(void **state) {
    (void)state;
    Client *w = h_conn(), *ctl = h_conn();
    char line[64];
    snprintf(line, sizeof(line), "CLIENT UNBLOCK %llu", (unsigned long long)w->id);
    h_expect(ctl, line, ":0\r\n"); /* not blocked */
    h_send(w, "TESTPOP k 0");
    h_expect(ctl, line, ":1\r\n");
    h_expect_out(w, "*-1\r\n");
    assert_false(w->flags & CLIENT_BLOCKED);
    h_send(w, "TESTPOP k 100000");
    snprintf(line, sizeof(line), "CLIENT UNBLOCK %llu TIMEOUT", (unsigned long long)w->id);
    h_expect(ctl, line, ":1\r\n");
    h_expect_out(w, "*-1\r\n");
    assert_int_equal(block_clients_with_timeout(), 0);
    h_send(w, "TESTPOP k 0");
    snprintf(line, sizeof(line), "CLIENT UNBLOCK %llu ERROR", (unsigned long long)w->id);
    h_expect(ctl, line, ":1\r\n");
    h_expect_out(w, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    assert_int_equal(block_blocked_clients(), 0);
    assert_int_equal(block_keys_with_waiters(), 0);
    /* Redis 7.0.15's replies to bad requests */
    h_expect(ctl, "CLIENT UNBLOCK 999999", ":0\r\n");
    h_expect(ctl, "CLIENT UNBLOCK x", "-ERR value is not an integer or out of range\r\n");
    h_expect(ctl, "CLIENT UNBLOCK 1 foo", "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
    /* the unblocked client goes on normally */
    h_expect(w, "PING", "+PONG\r\n");
    h_expect(ctl, "SET k v", "+OK\r\n");
    h_expect(ctl, "GET k", "$1\r\nv\r\n");
}

static void test_timeouts(void **state) {
    (void)state;
    Client *soon = h_conn(), *later = h_conn(), *never = h_conn();
    h_send(later, "TESTPOP k 100000");
    h_send(soon, "TESTPOP k 1");
    h_send(never, "TESTPOP k 0");
    assert_int_equal(block_clients_with_timeout(), 2);
    long long calls = testpop()->calls;
    usleep(5000);
    server_before_sleep();
    h_expect_out(soon, "*-1\r\n");
    assert_int_equal(testpop()->calls, calls); /* counted when it blocked */
    assert_false(soon->flags & CLIENT_BLOCKED);
    expect_blocked(later);
    expect_blocked(never);
    assert_int_equal(block_clients_with_timeout(), 1);
    assert_int_equal(block_blocked_clients(), 2);
    /* a timed-out client no longer waits: the next value goes to the oldest left */
    h_expect(soon, "SET k v", "+OK\r\n");
    expect_popped(later, "k", "v");
    expect_blocked(never);
    /* the event loop's timer ends a wait on time without a before-sleep call */
    Client *timed = h_conn();
    h_send(timed, "TESTPOP k2 2");
    usleep(5000);
    for (int i = 0; i < 10 && (timed->flags & CLIENT_BLOCKED); i++) ev_process(server.el, 1);
    h_expect_out(timed, "*-1\r\n");
    assert_false(timed->flags & CLIENT_BLOCKED);
    /* many deadlines, served in order */
    Client *many[8];
    for (int i = 0; i < 8; i++) {
        many[i] = h_conn();
        char line[32];
        snprintf(line, sizeof(line), "TESTPOP t%d %d", i, i % 2 ? 1 : 100000);
        h_send(many[i], line);
    }
    usleep(5000);
    server_before_sleep();
    for (int i = 0; i < 8; i++) {
        if (i % 2) h_expect_out(many[i], "*-1\r\n");
        else expect_blocked(many[i]);
    }
}

/* ---------------- transactions ---------------- */

static void test_no_blocking_inside_multi(void **state) {
    (void)state;
    Client *c = h_conn(), *p = h_conn();
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "TESTPOP k 0", "+QUEUED\r\n");
    h_expect(c, "TESTPOP k 100", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*2\r\n*-1\r\n*-1\r\n");
    assert_false(c->flags & CLIENT_BLOCKED);
    assert_int_equal(block_blocked_clients(), 0);
    /* with a value it pops as usual */
    h_expect(p, "SET k v", "+OK\r\n");
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "TESTPOP k 0", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
    /* and the client blocks again outside a transaction */
    h_send(c, "TESTPOP k 0");
    expect_blocked(c);
}

static void test_write_in_exec_serves_after_exec(void **state) {
    (void)state;
    Client *w = h_conn(), *c = h_conn();
    h_send(w, "TESTPOP k 0");
    h_prop_start();
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET k v", "+QUEUED\r\n");
    h_expect(c, "GET k", "+QUEUED\r\n");
    h_expect(c, "SET k w", "+QUEUED\r\n");
    /* inside EXEC the waiter is not served: the transaction sees its own writes */
    h_expect(c, "EXEC", "*3\r\n+OK\r\n$1\r\nv\r\n+OK\r\n");
    expect_popped(w, "k", "w");
    h_expect(c, "GET k", "$-1\r\n");
    h_prop_expect("SELECT 0\nMULTI\nSET k v\nSET k w\nEXEC\nDEL k\n");
}

/* ---------------- CLIENT PAUSE ---------------- */

static void test_pause_write(void **state) {
    (void)state;
    Client *ctl = h_conn(), *w = h_conn(), *r = h_conn();
    h_expect(r, "SET k old", "+OK\r\n");
    h_expect(ctl, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    /* a write is parked: no reply, no effect */
    h_send(w, "SET k new");
    assert_true(w->flags & CLIENT_BLOCKED);
    assert_int_equal(block_type(w), BLOCKED_PAUSE);
    h_expect_out(w, "");
    h_assert_client_field(w, "flags", "bU");
    assert_int_equal(block_blocked_clients(), 0); /* waits for the pause, not for keys */
    /* but INFO counts it among blocked clients, as Redis does (its pause tests wait
     * for blocked_clients to reach the number of parked clients) */
    Sds info = h_run(r, "INFO clients");
    Sds blocked = h_info_field(info, "blocked_clients");
    assert_string_equal(blocked, "1");
    sds_free(blocked);
    sds_free(info);
    /* reads go through */
    h_expect(r, "GET k", "$3\r\nold\r\n");
    h_expect(r, "PING", "+PONG\r\n");
    server_before_sleep();
    assert_true(w->flags & CLIENT_BLOCKED);
    /* the parked command runs once the pause ends and the server loops */
    h_expect(ctl, "CLIENT UNPAUSE", "+OK\r\n");
    assert_true(w->flags & CLIENT_BLOCKED);
    server_before_sleep();
    assert_false(w->flags & CLIENT_BLOCKED);
    h_expect_out(w, "+OK\r\n");
    h_expect(r, "GET k", "$3\r\nnew\r\n");
    assert_int_equal(modules_gauge("blocked_clients"), 0);
    /* EXEC of a transaction holding a write waits for the pause as well (Redis's
     * "write multi-execs are blocked by pause RO"); one of reads does not */
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "SET k tx", "+QUEUED\r\n");
    h_expect(r, "MULTI", "+OK\r\n");
    h_expect(r, "PING", "+QUEUED\r\n");
    h_expect(r, "GET k", "+QUEUED\r\n");
    h_expect(ctl, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    h_send(w, "EXEC");
    assert_int_equal(block_type(w), BLOCKED_PAUSE);
    h_expect_out(w, "");
    h_expect(r, "EXEC", "*2\r\n+PONG\r\n$3\r\nnew\r\n");
    h_expect(ctl, "CLIENT UNPAUSE", "+OK\r\n");
    server_before_sleep();
    h_expect_out(w, "*1\r\n+OK\r\n");
    h_expect(r, "GET k", "$2\r\ntx\r\n");
    /* inside MULTI a write is parked before it is queued, as Redis checks the
     * pause before queueing: no +QUEUED until the pause ends */
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(ctl, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    h_send(w, "SET k queued");
    assert_int_equal(block_type(w), BLOCKED_PAUSE);
    h_expect_out(w, "");
    h_expect(ctl, "CLIENT UNPAUSE", "+OK\r\n");
    server_before_sleep();
    h_expect_out(w, "+QUEUED\r\n");
    h_expect(w, "EXEC", "*1\r\n+OK\r\n");
    /* a pause requested inside a transaction starts when it ends */
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "SET foo1 bar", "+QUEUED\r\n");
    h_expect(w, "CLIENT PAUSE 100000 WRITE", "+QUEUED\r\n");
    h_expect(w, "SET foo2 bar", "+QUEUED\r\n");
    h_expect(w, "EXEC", "*3\r\n+OK\r\n+OK\r\n+OK\r\n");
    h_send(r, "SET foo3 bar");
    assert_int_equal(block_type(r), BLOCKED_PAUSE);
    h_expect(ctl, "MGET foo1 foo2 foo3", "*3\r\n$3\r\nbar\r\n$3\r\nbar\r\n$-1\r\n");
    h_expect(ctl, "CLIENT UNPAUSE", "+OK\r\n");
    server_before_sleep();
    h_expect_out(r, "+OK\r\n");
    /* the dataset stays constant during a pause: an expired key reads as missing
     * but is neither deleted nor propagated until the pause ends (Redis's "both
     * active and passive expires are skipped during client pause") */
    h_expect(ctl, "SET e v", "+OK\r\n");
    h_make_expired(0, "e");
    h_expect(ctl, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    h_prop_start();
    long long expired = db_stats.expired_keys;
    h_expect(r, "GET e", "$-1\r\n");
    h_expect(r, "EXISTS e", ":0\r\n");
    for (int i = 0; i < 20; i++) {
        Obj *rk = db_random_key(db_get(0));
        assert_true(rk == NULL || !db_key_is_expired(rk));
    }
    db_active_expire_cycle(0);
    assert_non_null(db_find(db_get(0), "e", 1));
    assert_int_equal(db_stats.expired_keys, expired);
    h_prop_expect("");
    h_expect(ctl, "CLIENT UNPAUSE", "+OK\r\n");
    h_expect(r, "GET e", "$-1\r\n");
    assert_null(db_find(db_get(0), "e", 1));
    assert_int_equal(db_stats.expired_keys - expired, 1);
    h_prop_expect("SELECT 0\nDEL e\n");
    h_prop_stop();
    /* a pause also ends at its deadline */
    h_expect(ctl, "CLIENT PAUSE 1 WRITE", "+OK\r\n");
    h_send(w, "DEL k");
    assert_true(w->flags & CLIENT_BLOCKED);
    usleep(5000);
    server_before_sleep();
    h_expect_out(w, ":1\r\n");
}

static void test_pause_all_and_freed_paused_client(void **state) {
    (void)state;
    Client *ctl = h_conn(), *a = h_conn(), *b = h_conn();
    h_expect(ctl, "SET k v", "+OK\r\n");
    h_expect(ctl, "CLIENT PAUSE 100000 ALL", "+OK\r\n");
    h_send(a, "GET k");
    h_send(b, "SET k w");
    assert_true(a->flags & CLIENT_BLOCKED);
    assert_true(b->flags & CLIENT_BLOCKED);
    h_free(a);
    block_unpause();
    server_before_sleep();
    h_expect_out(b, "+OK\r\n");
    h_expect(ctl, "GET k", "$1\r\nw\r\n");
    /* key waiters are not served during a pause: after it */
    Client *w = h_conn();
    h_send(w, "TESTPOP q 0");
    h_expect(ctl, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    Client *fake = h_fake(); /* not paused: it has no connection (like the AOF) */
    h_expect(fake, "SET q v", "+OK\r\n");
    expect_blocked(w);
    h_expect(ctl, "CLIENT UNPAUSE", "+OK\r\n");
    server_before_sleep();
    expect_popped(w, "q", "v");
}

int main(void) {
    h_server_init(extra_modules);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fifo_service, h_reset),
        cmocka_unit_test_teardown(test_client_blocked_on_several_keys, h_reset),
        cmocka_unit_test_teardown(test_reblock_in_place, h_reset),
        cmocka_unit_test_teardown(test_flush_and_swapdb_wake_waiters, h_reset),
        cmocka_unit_test_teardown(test_client_freed_while_blocked, h_reset),
        cmocka_unit_test_teardown(test_client_unblock, h_reset),
        cmocka_unit_test_teardown(test_timeouts, h_reset),
        cmocka_unit_test_teardown(test_no_blocking_inside_multi, h_reset),
        cmocka_unit_test_teardown(test_write_in_exec_serves_after_exec, h_reset),
        cmocka_unit_test_teardown(test_pause_write, h_reset),
        cmocka_unit_test_teardown(test_pause_all_and_freed_paused_client, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
