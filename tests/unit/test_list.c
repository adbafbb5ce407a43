/* test_list.c - the list type module (types/list.c, list_cmds.c) through the
 * in-process server: keyspace events of every command in Redis 7.0's names and
 * order, the change counts Redis keeps (server.stat.dirty), WATCH on a trim that
 * removes nothing, the type descriptor (COPY, digest, MEMORY USAGE, lazy-free
 * effort), the directives, and waiting clients (FIFO service, a key that changes
 * type, a destination of the wrong type, clients freed while waiting, MULTI).
 * Run under ASan (make SANITIZE=1 unit), nothing may leak or be left behind. */
#include "harness.h"
#include "core/objtype.h"
#include "types/list.h"


static void test_keyspace_events(void **state) {
    (void)state;
    Client *c = h_fake();
    h_notify_start("Elg");
    h_expect_events(c, "LPUSHX l a", ":0\r\n", "", 0);
    h_expect_events(c, "LPUSH l a b c", ":3\r\n", H_EV("lpush", "l"), 3);
    h_expect_events(c, "RPUSH l d", ":4\r\n", H_EV("rpush", "l"), 1);
    h_expect_events(c, "RPUSHX l e f", ":6\r\n", H_EV("rpush", "l"), 2);
    h_expect_events(c, "LPOP l", "$1\r\nc\r\n", H_EV("lpop", "l"), 1);
    h_expect_events(c, "RPOP l 2", "*2\r\n$1\r\nf\r\n$1\r\ne\r\n", H_EV("rpop", "l"), 2);
    h_expect_events(c, "LPOP l 0", "*0\r\n", "", 0);
    h_expect_events(c, "LSET l 0 x", "+OK\r\n", H_EV("lset", "l"), 1);
    h_expect_events(c, "LINSERT l BEFORE x y", ":4\r\n", H_EV("linsert", "l"), 1);
    h_expect_events(c, "LINSERT l BEFORE nope y", ":-1\r\n", "", 0);
    h_expect_events(c, "LREM l 0 nope", ":0\r\n", "", 0);
    h_expect_events(c, "LREM l 0 y", ":1\r\n", H_EV("lrem", "l"), 1);
    /* a trim that removes nothing is an event without a change */
    h_expect_events(c, "LTRIM l 0 -1", "+OK\r\n", H_EV("ltrim", "l"), 0);
    h_expect_events(c, "LTRIM l 1 -1", "+OK\r\n", H_EV("ltrim", "l"), 1);
    /* moves: the push on the destination, then the pop on the source, one change */
    h_expect_events(c, "LMOVE l m LEFT RIGHT", "$1\r\na\r\n", H_EV("rpush", "m") H_EV("lpop", "l"), 1);
    h_expect_events(c, "RPOPLPUSH l m", "$1\r\nd\r\n", H_EV("lpush", "m") H_EV("rpop", "l") H_EV("del", "l"), 1);
    h_expect_events(c, "RPOPLPUSH m m", "$1\r\na\r\n", H_EV("lpush", "m") H_EV("rpop", "m"), 1);
    h_expect_events(c, "LMPOP 2 l m RIGHT COUNT 5", "*2\r\n$1\r\nm\r\n*2\r\n$1\r\nd\r\n$1\r\na\r\n",
                  H_EV("rpop", "m") H_EV("del", "m"), 2);
    h_expect_events(c, "RPUSH l 1 2 3", ":3\r\n", H_EV("rpush", "l"), 3);
    h_expect_events(c, "BLPOP l 0", "*2\r\n$1\r\nl\r\n$1\r\n1\r\n", H_EV("lpop", "l"), 1);
    h_expect_events(c, "BLMPOP 0 1 l LEFT COUNT 9", "*2\r\n$1\r\nl\r\n*2\r\n$1\r\n2\r\n$1\r\n3\r\n",
                  H_EV("lpop", "l") H_EV("del", "l"), 2);
    h_expect_events(c, "RPUSH l a", ":1\r\n", H_EV("rpush", "l"), 1);
    h_expect_events(c, "LREM l 1 a", ":1\r\n", H_EV("lrem", "l") H_EV("del", "l"), 1);
    h_expect_events(c, "RPUSH l a", ":1\r\n", H_EV("rpush", "l"), 1);
    h_expect_events(c, "LTRIM l 5 9", "+OK\r\n", H_EV("ltrim", "l") H_EV("del", "l"), 1);
    h_expect_events(c, "RPUSH l a", ":1\r\n", H_EV("rpush", "l"), 1);
    h_expect_events(c, "BLMOVE l n RIGHT LEFT 0", "$1\r\na\r\n", H_EV("lpush", "n") H_EV("rpop", "l") H_EV("del", "l"), 1);
    /* reads emit nothing but the keymiss event of a missing key */
    h_notify_start("Elgm");
    h_expect_events(c, "LRANGE n 0 -1", "*1\r\n$1\r\na\r\n", "", 0);
    h_expect_events(c, "LLEN nokey", ":0\r\n", H_EV("keymiss", "nokey"), 0);
    h_expect_events(c, "LINDEX nokey 0", "$-1\r\n", H_EV("keymiss", "nokey"), 0);
    h_expect_events(c, "LPOS nokey a", "$-1\r\n", H_EV("keymiss", "nokey"), 0);
    h_expect_events(c, "LPOP nokey", "$-1\r\n", "", 0);
}

static void test_noop_trim_touches_watch(void **state) {
    (void)state;
    Client *w = h_conn(), *p = h_conn();
    h_expect(p, "RPUSH l a b", ":2\r\n");
    h_expect(w, "WATCH l", "+OK\r\n");
    h_expect(p, "LTRIM l 0 -1", "+OK\r\n");
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "LLEN l", "+QUEUED\r\n");
    h_expect(w, "EXEC", "*-1\r\n");
    /* a failed insert does not touch */
    h_expect(w, "WATCH l", "+OK\r\n");
    h_expect(p, "LINSERT l AFTER nope x", ":-1\r\n");
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "LLEN l", "+QUEUED\r\n");
    h_expect(w, "EXEC", "*1\r\n:2\r\n");
}

static Obj *lookup(const char *key) { return db_find(db_get(0), key, strlen(key)); }

static void test_descriptor(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "RPUSH l a 1 bbb -5 \"\" 9223372036854775807", ":6\r\n");
    /* the digest redis-server 7.0.15 gives for this list */
    h_expect(c, "DEBUG DIGEST-VALUE l", "*1\r\n+86c30ad85f4e82928434b66065b86142ab271104\r\n");
    h_expect(c, "COPY l l2", ":1\r\n");
    h_expect(c, "RPUSH l2 z", ":7\r\n");
    h_expect(c, "LLEN l", ":6\r\n");
    const ObjType *t = objtype_get(OBJ_LIST);
    assert_non_null(t);
    assert_string_equal(t->name, "list");
    Obj *o = lookup("l");
    assert_int_equal(o->encoding, ENC_QUICKLIST);
    assert_int_equal(t->free_effort(o), 1); /* one node */
    size_t one = t->mem_usage(o, 0);
    assert_true(one > 32 && one < 256);
    for (int i = 0; i < 50; i++) h_expect_match(c, "RPUSH big xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx "
                                                   "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", ":*");
    h_config("list-max-listpack-size", "2");
    for (int i = 0; i < 100; i++) h_expect_match(c, "RPUSH small x", ":*");
    o = lookup("small");
    assert_int_equal(t->free_effort(o), 50); /* nodes, as Redis counts a quicklist */
    size_t all = t->mem_usage(o, 0), sampled = t->mem_usage(o, 5);
    assert_true(all > 50 * 32 && all < 100 * 100);
    assert_true(sampled > all / 2 && sampled < all * 2);
    /* a new list takes the directives in force; existing lists keep theirs */
    h_config("list-max-listpack-size", "-2");
    h_expect(c, "RPUSH small y", ":101\r\n");
    assert_int_equal(t->free_effort(lookup("small")), 51);
    h_expect(c, "DEL small", ":1\r\n");
    for (int i = 0; i < 100; i++) h_expect_match(c, "RPUSH small x", ":*");
    assert_int_equal(t->free_effort(lookup("small")), 1);
    h_expect(c, "OBJECT ENCODING big", "$9\r\nquicklist\r\n");
}

/* ---------------- waiting clients ---------------- */

static void expect_blocked(Client *c) {
    assert_true(c->flags & CLIENT_BLOCKED);
    h_expect_out(c, "");
}

static void test_waiters_fifo_and_types(void **state) {
    (void)state;
    Client *w[3] = {h_conn(), h_conn(), h_conn()}, *p = h_conn();
    for (int i = 0; i < 3; i++) {
        h_send(w[i], "BRPOP q 0");
        expect_blocked(w[i]);
    }
    h_expect(p, "RPUSH q a b", ":2\r\n");
    h_expect_out(w[0], "*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
    h_expect_out(w[1], "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    expect_blocked(w[2]);
    /* the key becomes a string: the waiter keeps waiting (Redis 7.0) */
    h_expect(p, "SET q str", "+OK\r\n");
    expect_blocked(w[2]);
    h_expect(p, "DEL q", ":1\r\n");
    h_expect(p, "LPUSH q c", ":1\r\n");
    h_expect_out(w[2], "*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    assert_int_equal(block_blocked_clients(), 0);
    /* a destination of the wrong type ends the wait with WRONGTYPE, the element stays */
    h_expect(p, "SET dst str", "+OK\r\n");
    h_send(w[0], "BLMOVE src dst LEFT LEFT 0");
    expect_blocked(w[0]);
    h_expect(p, "RPUSH src v", ":1\r\n");
    h_expect_out(w[0], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    h_expect(p, "LRANGE src 0 -1", "*1\r\n$1\r\nv\r\n");
    /* a string source while waiting is ignored too */
    h_expect(p, "DEL src", ":1\r\n");
    h_send(w[1], "BLMOVE src other RIGHT RIGHT 0");
    h_expect(p, "SET src str", "+OK\r\n");
    expect_blocked(w[1]);
    h_expect(p, "DEL src", ":1\r\n");
    h_expect(p, "RPUSH src v", ":1\r\n");
    h_expect_out(w[1], "$1\r\nv\r\n");
    h_expect(p, "LRANGE other 0 -1", "*1\r\n$1\r\nv\r\n");
}

static void test_waiters_freed_and_multi(void **state) {
    (void)state;
    Client *w1 = h_conn(), *w2 = h_conn(), *p = h_conn();
    h_send(w1, "BLPOP a b 0");
    h_send(w2, "BLMPOP 10 2 a b LEFT COUNT 3");
    expect_blocked(w1);
    expect_blocked(w2);
    assert_int_equal(block_keys_with_waiters(), 2);
    assert_int_equal(block_clients_with_timeout(), 1);
    h_free(w1);
    h_free(w2);
    assert_int_equal(block_blocked_clients(), 0);
    assert_int_equal(block_keys_with_waiters(), 0);
    assert_int_equal(block_clients_with_timeout(), 0);
    h_expect(p, "RPUSH b x", ":1\r\n");
    h_expect(p, "LLEN b", ":1\r\n");
    /* inside MULTI nothing blocks; a push in the transaction serves after EXEC */
    Client *w = h_conn();
    h_send(w, "BLPOP q 0");
    h_expect(p, "MULTI", "+OK\r\n");
    h_expect(p, "BLPOP nokey 0", "+QUEUED\r\n");
    h_expect(p, "RPUSH q 1", "+QUEUED\r\n");
    h_expect(p, "RPUSH q 2", "+QUEUED\r\n");
    expect_blocked(w);
    h_expect(p, "EXEC", "*3\r\n*-1\r\n:1\r\n:2\r\n");
    h_expect_out(w, "*2\r\n$1\r\nq\r\n$1\r\n1\r\n");
    h_expect(p, "LRANGE q 0 -1", "*1\r\n$1\r\n2\r\n");
    /* CLIENT UNBLOCK */
    h_send(w, "BRPOPLPUSH nokey d 0");
    expect_blocked(w);
    char line[64];
    snprintf(line, sizeof(line), "CLIENT UNBLOCK %llu ERROR", (unsigned long long)w->id);
    h_expect(p, line, ":1\r\n");
    h_expect_out(w, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    assert_int_equal(block_blocked_clients(), 0);
}

static void test_resp3_shapes(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect_match(c, "HELLO 3", "%*");
    h_expect(c, "LPOP nokey", "_\r\n");
    h_expect(c, "LPOP nokey 2", "_\r\n");
    h_expect(c, "LMPOP 1 nokey LEFT", "_\r\n");
    h_expect(c, "LPOS nokey x", "_\r\n");
    h_expect(c, "LINDEX nokey 0", "_\r\n");
    h_expect(c, "RPUSH l a b", ":2\r\n");
    h_expect(c, "LPOS l x", "_\r\n");
    h_expect(c, "LPOS l b COUNT 0", "*1\r\n:1\r\n");
    h_expect(c, "LMPOP 1 l RIGHT", "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nb\r\n");
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "BLPOP nokey 0", "+QUEUED\r\n");
    h_expect(c, "BLMOVE nokey d LEFT LEFT 0", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*2\r\n_\r\n_\r\n");
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_keyspace_events, h_reset),
        cmocka_unit_test_teardown(test_noop_trim_touches_watch, h_reset),
        cmocka_unit_test_teardown(test_descriptor, h_reset),
        cmocka_unit_test_teardown(test_waiters_fifo_and_types, h_reset),
        cmocka_unit_test_teardown(test_waiters_freed_and_multi, h_reset),
        cmocka_unit_test_teardown(test_resp3_shapes, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
