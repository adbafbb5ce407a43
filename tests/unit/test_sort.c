/* test_sort.c - SORT and SORT_RO (types/sort.c) through the in-process server:
 * keyspace events and change counts of every STORE path (and none for reads),
 * keymiss events of BY/GET lookups, lazy expiry of BY targets, WATCH, the stored
 * list's node options, the sorted-set conversion, big values in the arena, a
 * stable sort over many equal weights, COMMAND GETKEYS and the key flags.
 * Run under ASan (make SANITIZE=1 unit), nothing may leak or be left behind. */
#include "harness.h"
#include "types/list.h"


static Obj *lookup(const char *key) { return db_find(db_get(0), key, strlen(key)); }

static void test_events_and_changes(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "RPUSH l 3 1 2", ":3\r\n");
    h_notify_start("Elgmx");
    h_expect_events(c, "SORT l", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "", 0);
    h_expect_events(c, "SORT_RO l DESC LIMIT 0 1", "*1\r\n$1\r\n3\r\n", "", 0);
    h_expect_events(c, "SORT l STORE d", ":3\r\n", H_EV("sortstore", "d"), 3);
    h_expect_events(c, "SORT l GET # GET # STORE d", ":6\r\n", H_EV("sortstore", "d"), 6);
    h_expect_events(c, "SORT l LIMIT 0 0 STORE d", ":0\r\n", H_EV("del", "d"), 1);
    h_expect_events(c, "SORT l LIMIT 0 0 STORE d", ":0\r\n", "", 0);
    h_expect_events(c, "SORT nokey STORE d", ":0\r\n", H_EV("keymiss", "nokey"), 0);
    h_expect_events(c, "SORT l FOO STORE d", "-ERR syntax error\r\n", "", 0);
    /* every BY and GET lookup is a read: misses are keymiss events */
    h_expect(c, "SET w_1 5", "+OK\r\n");
    h_notify_expect("");
    h_expect_events(c, "SORT l BY w_* GET w_*", "*3\r\n$-1\r\n$-1\r\n$1\r\n5\r\n",
                  H_EV("keymiss", "w_3") H_EV("keymiss", "w_2") H_EV("keymiss", "w_2") H_EV("keymiss", "w_3"), 0);
    /* a constant BY looks nothing up */
    h_expect_events(c, "SORT l BY nosort", "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n", "", 0);
    /* a BY target found expired is deleted on the way, and weighs nothing */
    h_expect(c, "SET w_2 -1", "+OK\r\n");
    h_notify_expect("");
    h_make_expired(0, "w_2");
    h_expect_events(c, "SORT l BY w_* STORE d", ":3\r\n",
                  H_EV("keymiss", "w_3") H_EV("expired", "w_2") H_EV("keymiss", "w_2") H_EV("sortstore", "d"), 3);
    h_expect(c, "LRANGE d 0 -1", "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n");
    h_free(c);
}

static void test_watch(void **state) {
    (void)state;
    Client *w = h_conn(), *p = h_conn();
    h_expect(p, "RPUSH l 1", ":1\r\n");
    h_expect(p, "RPUSH foo x", ":1\r\n");
    /* an empty result deletes the watched destination */
    h_expect(w, "WATCH foo", "+OK\r\n");
    h_expect(p, "SORT emptylist STORE foo", ":0\r\n");
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "PING", "+QUEUED\r\n");
    h_expect(w, "EXEC", "*-1\r\n");
    /* reads touch nothing */
    h_expect(w, "WATCH l", "+OK\r\n");
    h_expect(p, "SORT l BY w_* GET #", "*1\r\n$1\r\n1\r\n");
    h_expect(p, "SORT_RO l", "*1\r\n$1\r\n1\r\n");
    h_expect(p, "SORT nokey STORE nodst", ":0\r\n");
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "PING", "+QUEUED\r\n");
    h_expect(w, "EXEC", "*1\r\n+PONG\r\n");
}

static void test_stored_list_options(void **state) {
    (void)state;
    Client *c = h_fake();
    h_config("list-max-listpack-size", "5");
    h_config("list-compress-depth", "2");
    h_expect(c, "RPUSH l 1 2", ":2\r\n");
    h_expect(c, "SET d x EX 100", "+OK\r\n");
    h_expect(c, "SORT l DESC STORE d", ":2\r\n");
    Obj *o = lookup("d");
    assert_non_null(o);
    assert_int_equal(o->type, OBJ_LIST);
    assert_int_equal(o->encoding, ENC_QUICKLIST);
    assert_false(o->has_expire);
    assert_int_equal(ql_fill(list_ql(o)), -2);          /* Redis's plain list object */
    assert_int_equal(ql_compress_depth(list_ql(o)), 0);
    assert_int_equal(ql_fill(list_ql(lookup("l"))), 5);
    h_config("list-max-listpack-size", "-2");
    h_config("list-compress-depth", "0");
    h_free(c);
}

static void test_zset_converted(void **state) {
    (void)state;
    Client *c = h_fake();
    h_expect(c, "ZADD z 2 b 1 a 3 c", ":3\r\n");
    assert_int_equal(lookup("z")->encoding, ENC_LISTPACK);
    h_expect(c, "SORT_RO z BY nosort DESC LIMIT 1 5", "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
    assert_int_equal(lookup("z")->encoding, ENC_SKIPLIST);
    h_expect(c, "ZRANGE z 0 -1 WITHSCORES",
             "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    h_free(c);
}

/* Elements and weights bigger than an arena block, among small ones. */
static void test_big_values(void **state) {
    (void)state;
    Client *c = h_fake();
    size_t big = 40000;
    Sds line = sds_new("RPUSH l a ");
    for (size_t i = 0; i < big; i++) line = sds_catlen(line, "z", 1);
    line = sds_cat(line, " b ");
    for (size_t i = 0; i < big; i++) line = sds_catlen(line, "y", 1);
    line = sds_cat(line, " c");
    h_expect(c, line, ":5\r\n");
    sds_free(line);
    Sds out = h_run(c, "SORT l ALPHA");
    assert_int_equal(sds_len(out), 4 + 3 * 7 + 2 * (8 + big + 2));
    assert_memory_equal(out, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$40000\r\nyyy", 35);
    sds_free(out);
    out = h_run(c, "SORT l BY nokey LIMIT 3 5 STORE d"); /* unsorted: the list's order */
    assert_string_equal(out, ":2\r\n");
    sds_free(out);
    out = h_run(c, "LRANGE d 0 0");
    assert_memory_equal(out, "*1\r\n$40000\r\nyyy", 15);
    sds_free(out);
    h_free(c);
}

/* Many equal ALPHA weights (missing BY targets): a stable sort keeps the list's
 * order, ascending and descending, through the merge passes. */
static void test_stable_ties(void **state) {
    (void)state;
    Client *c = h_fake();
    Sds line = sds_new("RPUSH l");
    for (int i = 0; i < 300; i++) line = sds_catprintf(line, " e%03d", (i * 37) % 300);
    h_expect(c, line, ":300\r\n");
    sds_free(line);
    h_expect(c, "SET w_e005 x", "+OK\r\n");
    for (int desc = 0; desc < 2; desc++) {
        Sds want = sds_new("*300\r\n");
        if (desc) want = sds_cat(want, "$4\r\ne005\r\n");
        for (int i = 0; i < 300; i++)
            if ((i * 37) % 300 != 5) want = sds_catprintf(want, "$4\r\ne%03d\r\n", (i * 37) % 300);
        if (!desc) want = sds_cat(want, "$4\r\ne005\r\n");
        h_expect(c, desc ? "SORT l BY w_* ALPHA DESC" : "SORT l BY w_* ALPHA", want);
        sds_free(want);
    }
    /* numeric weights all 0: the elements' bytes decide */
    Sds want = sds_new("*300\r\n");
    for (int i = 0; i < 300; i++) want = sds_catprintf(want, "$4\r\ne%03d\r\n", i);
    h_expect(c, "SORT l BY nokey_*", want);
    sds_free(want);
    h_free(c);
}

static void check_keys(const char *line, const int *want, int nwant) {
    int argc;
    Sds *args = sds_splitargs(line, &argc);
    Obj *argv[16];
    assert_true(argc <= 16);
    for (int i = 0; i < argc; i++) argv[i] = obj_string(args[i], sds_len(args[i]));
    Command *cmd = command_lookup(argv, argc);
    assert_non_null(cmd);
    int keys[8];
    int n = command_get_keys(cmd, argv, argc, keys, 8);
    assert_int_equal(n, nwant);
    for (int i = 0; i < n; i++) assert_int_equal(keys[i], want[i]);
    if (cmd->key_flags)
        for (int i = 0; i < n; i++)
            assert_int_equal(cmd->key_flags(argv, argc, keys[i]), keys[i] == 1 ? KS_RO | KS_ACCESS : KS_OW | KS_UPDATE);
    for (int i = 0; i < argc; i++) obj_decr(argv[i]);
    sds_freesplit(args, argc);
}

static void test_getkeys(void **state) {
    (void)state;
    check_keys("SORT k", (int[]){1}, 1);
    check_keys("SORT k STORE d", (int[]){1, 3}, 2);
    check_keys("SORT k STORE a STORE b LIMIT 0 1 STORE c", (int[]){1, 10}, 2);
    check_keys("SORT k BY store GET store LIMIT store store", (int[]){1}, 1);
    check_keys("SORT k STORE", (int[]){1}, 1);
    check_keys("SORT k STORE limit 1", (int[]){1, 3}, 2);
    check_keys("SORT_RO k BY x GET y", (int[]){1}, 1);
    Client *c = h_fake();
    h_expect(c, "COMMAND GETKEYSANDFLAGS SORT k STORE d",
             "*2\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n");
    h_free(c);
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_events_and_changes, h_reset),
        cmocka_unit_test_teardown(test_watch, h_reset),
        cmocka_unit_test_teardown(test_stored_list_options, h_reset),
        cmocka_unit_test_teardown(test_zset_converted, h_reset),
        cmocka_unit_test_teardown(test_big_values, h_reset),
        cmocka_unit_test_teardown(test_stable_ties, h_reset),
        cmocka_unit_test_teardown(test_getkeys, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
