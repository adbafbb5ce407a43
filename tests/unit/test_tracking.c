/* test_tracking.c - client-side caching's own structures (core/tracking.c), in process:
 * the per-key arrays of client ids (many readers, repeated reads, order of reads),
 * BCAST prefixes of several lengths (matching, unsubscribing), the table limit with
 * its growing effort, and invalidations held back until the running client's reply.
 * The wire formats and error texts are covered by tests/integration/test_tracking.py. */
#include "harness.h"
#include "core/tracking.h"

#define PUSH ">2\r\n$10\r\ninvalidate\r\n"

static long long stat_of(Client *c, const char *field) {
    Sds info = h_run(c, "INFO everything");
    Sds v = h_info_field(info, field);
    assert_non_null(v);
    long long n = atoll(v);
    sds_free(v);
    sds_free(info);
    return n;
}

static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static Client *resp3_tracking(const char *mode) {
    Client *c = h_conn();
    Sds out = h_run(c, "HELLO 3");
    sds_free(out);
    Sds line = sds_catprintf(sds_empty(), "CLIENT TRACKING on %s", mode);
    h_expect(c, line, "+OK\r\n");
    sds_free(line);
    return c;
}

static void test_many_readers_of_one_key(void **state) {
    (void)state;
    Client *readers[10];
    Client *w = h_conn();
    for (int i = 0; i < 10; i++) readers[i] = resp3_tracking("");
    static const int order[10] = {5, 2, 8, 0, 9, 1, 7, 3, 6, 4};
    for (int i = 0; i < 10; i++) h_expect(readers[order[i]], "GET k", "_\r\n");
    for (int i = 0; i < 10; i++) h_expect(readers[i], "GET k", "_\r\n"); /* again: no new item */
    assert_int_equal(stat_of(w, "tracking_total_keys"), 1);
    assert_int_equal(stat_of(w, "tracking_total_items"), 10);
    assert_int_equal(stat_of(w, "tracking_clients"), 10);
    h_expect(w, "SET k v", "+OK\r\n");
    for (int i = 0; i < 10; i++) h_expect_out(readers[i], PUSH "*1\r\n$1\r\nk\r\n");
    assert_int_equal(stat_of(w, "tracking_total_keys"), 0);
    assert_int_equal(stat_of(w, "tracking_total_items"), 0);
    /* a reader that left is skipped; the others still hear */
    for (int i = 0; i < 10; i++) h_expect(readers[i], "GET k", "$1\r\nv\r\n");
    h_free(readers[3]);
    h_expect(readers[4], "CLIENT TRACKING off", "+OK\r\n");
    h_expect(w, "DEL k", ":1\r\n");
    for (int i = 0; i < 10; i++) {
        if (i == 3) continue;
        h_expect_out(readers[i], i == 4 ? "" : PUSH "*1\r\n$1\r\nk\r\n");
    }
}

static void test_prefixes_of_several_lengths(void **state) {
    (void)state;
    Client *a = resp3_tracking("BCAST PREFIX a PREFIX bcd PREFIX xyzw");
    Client *b = resp3_tracking("BCAST PREFIX ab");
    Client *w = h_conn();
    assert_int_equal(stat_of(w, "tracking_total_prefixes"), 4);
    h_expect(w, "MSET abc 1 bcdz 2 x 3 xyz 4 b 5 ab 6", "+OK\r\n");
    server_before_sleep();
    /* one message per prefix with changes, its keys in byte order */
    Sds out = h_out(a);
    assert_int_equal(count_of(out, "invalidate"), 2);
    assert_non_null(strstr(out, PUSH "*2\r\n$2\r\nab\r\n$3\r\nabc\r\n"));
    assert_non_null(strstr(out, PUSH "*1\r\n$4\r\nbcdz\r\n"));
    sds_free(out);
    h_expect_out(b, PUSH "*2\r\n$2\r\nab\r\n$3\r\nabc\r\n");
    h_expect(w, "MSET a 1 xyzwv 2", "+OK\r\n");
    server_before_sleep();
    out = h_out(a);
    assert_int_equal(count_of(out, "invalidate"), 2);
    assert_non_null(strstr(out, PUSH "*1\r\n$1\r\na\r\n"));
    assert_non_null(strstr(out, PUSH "*1\r\n$5\r\nxyzwv\r\n"));
    sds_free(out);
    h_expect_out(b, "");
    /* unsubscribing drops the prefix and its length */
    h_expect(b, "CLIENT TRACKING off", "+OK\r\n");
    assert_int_equal(stat_of(w, "tracking_total_prefixes"), 3);
    h_expect(w, "SET abz 1", "+OK\r\n");
    server_before_sleep();
    h_expect_out(a, PUSH "*1\r\n$3\r\nabz\r\n");
    h_expect_out(b, "");
    h_free(a);
    assert_int_equal(stat_of(w, "tracking_total_prefixes"), 0);
    h_expect(w, "SET abz 2", "+OK\r\n");
    server_before_sleep();
}

static void test_table_limit_effort_grows(void **state) {
    (void)state;
    Client *r = resp3_tracking("");
    Client *w = h_conn();
    for (int i = 0; i < 300; i++) {
        Sds line = sds_catprintf(sds_empty(), "GET key:%d", i);
        Sds out = h_run(r, line);
        sds_free(out);
        sds_free(line);
    }
    assert_int_equal(stat_of(w, "tracking_total_keys"), 300);
    h_expect(w, "CONFIG SET tracking-table-max-keys 10", "+OK\r\n");
    /* the round after that command invalidates 100 keys and stays above the limit */
    Sds out = h_out(r);
    assert_int_equal(count_of(out, "invalidate"), 100);
    sds_free(out);
    /* the next command sees 200; the round after it has twice the effort, enough */
    assert_int_equal(stat_of(w, "tracking_total_keys"), 200);
    out = h_out(r);
    assert_int_equal(count_of(out, "invalidate"), 190);
    sds_free(out);
    assert_int_equal(stat_of(w, "tracking_total_keys"), 10);
    h_expect_out(r, "");
    h_expect(w, "CONFIG SET tracking-table-max-keys 1000000", "+OK\r\n");
}

static void test_own_changes_after_the_reply(void **state) {
    (void)state;
    Client *c = resp3_tracking("");
    h_expect(c, "SET k 1", "+OK\r\n");
    h_expect(c, "GET k", "$1\r\n1\r\n");
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "INCR k", "+QUEUED\r\n");
    h_expect(c, "FLUSHDB", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*2\r\n:2\r\n+OK\r\n" PUSH "*1\r\n$1\r\nk\r\n" PUSH "_\r\n");
    /* held back even when the transaction turns tracking off (the last tracker) */
    h_expect(c, "GET k", "_\r\n");
    h_expect(c, "MULTI", "+OK\r\n");
    h_expect(c, "SET k 3", "+QUEUED\r\n");
    h_expect(c, "CLIENT TRACKING off", "+QUEUED\r\n");
    h_expect(c, "EXEC", "*2\r\n+OK\r\n+OK\r\n" PUSH "*1\r\n$1\r\nk\r\n");
    h_expect(c, "PING", "+PONG\r\n");
    assert_int_equal(tracking_active, 0);
    /* NOLOOP: nothing for its own writes, even held back */
    h_expect(c, "CLIENT TRACKING on NOLOOP", "+OK\r\n");
    h_expect(c, "GET k", "$1\r\n3\r\n");
    h_expect(c, "SET k 2", "+OK\r\n");
}

int main(void) {
    h_server_init(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_many_readers_of_one_key, h_reset),
        cmocka_unit_test_teardown(test_prefixes_of_several_lengths, h_reset),
        cmocka_unit_test_teardown(test_table_limit_effort_grows, h_reset),
        cmocka_unit_test_teardown(test_own_changes_after_the_reply, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
