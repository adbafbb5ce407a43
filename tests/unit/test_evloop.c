/* test_evloop.c - unit tests for net/evloop: timer ordering, periodic and one-shot
 * timers, deletion, file events on pipes and socket pairs (read, write, barrier
 * ordering, hang-up), ev_del_file, ev_stop, hooks and set-size limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/evloop.h"
#include "base/util.h"

/* ---------- timers ---------- */

typedef struct Log {
    long long ids[64];
    long long when[64];
    int n;
    int stop_after;
} Log;

static Log tlog;
static int pass_no;
static int fired_pass[64];
static void count_pass(EvLoop *el) { (void)el; pass_no++; }

static long long once_proc(EvLoop *el, long long id, void *data) {
    tlog.ids[tlog.n] = (long long)(intptr_t)data;
    tlog.when[tlog.n] = monotonic_us();
    fired_pass[tlog.n] = pass_no;
    tlog.n++;
    if (tlog.n == tlog.stop_after) ev_stop(el);
    return EV_NOMORE;
    (void)id;
}

/* Timers due at different times fire in due order. (Timers that are all overdue
 * when one pass runs are run in list order, as in Redis's ae; the loop is only
 * checked across passes, so a loaded machine cannot make this flaky.) */
static void test_timers_fire_in_order(void **state) {
    (void)state;
    memset(&tlog, 0, sizeof(tlog));
    pass_no = 0;
    EvLoop *el = ev_create(64);
    assert_non_null(el);
    ev_set_before_sleep(el, count_pass);
    long long t0 = monotonic_us();
    int delays[] = {60, 15, 45, 30, 75, 5};
    for (int i = 0; i < 6; i++) ev_add_timer(el, delays[i], once_proc, (void *)(intptr_t)delays[i]);
    tlog.stop_after = 6;
    ev_main(el);
    assert_int_equal(tlog.n, 6);
    long long want[] = {5, 15, 30, 45, 60, 75};
    int batched = 0;
    for (int i = 0; i < 6; i++) {
        /* never early */
        if (tlog.when[i] - t0 < tlog.ids[i] * 1000) fail_msg("timer %lld fired early after %lld us", tlog.ids[i], tlog.when[i] - t0);
        if (i > 0 && fired_pass[i] == fired_pass[i - 1]) batched = 1;
    }
    if (!batched) {
        for (int i = 0; i < 6; i++) assert_int_equal(tlog.ids[i], want[i]);
    } else {
        for (int i = 1; i < 6; i++)
            if (fired_pass[i] != fired_pass[i - 1] && tlog.ids[i] < tlog.ids[i - 1]) fail_msg("timers out of order across passes");
        printf("note: the loop was late; some timers ran in the same pass\n");
    }
    assert_true(tlog.when[5] - t0 < 1000000);
    ev_delete(el);
}

static int periodic_calls;
static long long periodic_proc(EvLoop *el, long long id, void *data) {
    (void)id; (void)data;
    periodic_calls++;
    if (periodic_calls == 5) { ev_stop(el); return EV_NOMORE; }
    return 3;
}

static void test_periodic_timer_and_delete(void **state) {
    (void)state;
    memset(&tlog, 0, sizeof(tlog));
    periodic_calls = 0;
    EvLoop *el = ev_create(64);
    long long t0 = monotonic_us();
    ev_add_timer(el, 1, periodic_proc, NULL);
    long long del = ev_add_timer(el, 5, once_proc, (void *)(intptr_t)99);
    assert_int_equal(ev_del_timer(el, del), 0);
    assert_int_equal(ev_del_timer(el, 123456), -1);
    ev_main(el);
    assert_int_equal(periodic_calls, 5);
    assert_true(monotonic_us() - t0 >= 1000 + 4 * 3000);
    assert_int_equal(tlog.n, 0); /* the deleted timer never ran */
    /* the one-shot is gone after firing: nothing left to process */
    periodic_calls = 0;
    assert_int_equal(ev_process(el, 1), 0);
    ev_delete(el);
}

static EvLoop *nested_el;
static int nested_calls, added_calls;
static long long added_proc(EvLoop *el, long long id, void *data) {
    (void)el; (void)id; (void)data;
    added_calls++;
    return EV_NOMORE;
}
static long long adder_proc(EvLoop *el, long long id, void *data) {
    (void)id; (void)data;
    nested_calls++;
    ev_add_timer(el, 0, added_proc, NULL);
    return EV_NOMORE;
}

static void test_timer_added_in_callback_waits(void **state) {
    (void)state;
    nested_calls = added_calls = 0;
    EvLoop *el = ev_create(64);
    nested_el = el;
    ev_add_timer(el, 0, adder_proc, NULL);
    usleep(1000);
    ev_process(el, 1);
    assert_int_equal(nested_calls, 1);
    assert_int_equal(added_calls, 0); /* created during this pass: runs on the next one */
    ev_process(el, 1);
    assert_int_equal(added_calls, 1);
    ev_delete(el);
}

/* Regression (fixed) (evloop.c run_timers): the timer at the head of the list that adds a timer
 * and returns 0 ("again as soon as possible") is run twice in the same pass, because
 * the new timer is linked in front of it and the walk then revisits it. */
static int zero_calls;
static long long zero_proc(EvLoop *el, long long id, void *data) {
    (void)id; (void)data;
    zero_calls++;
    ev_add_timer(el, 1000, added_proc, NULL);
    return 0;
}

static void test_regression_timer_returning_zero_runs_once_per_pass(void **state) {
    (void)state;
    zero_calls = 0;
    EvLoop *el = ev_create(64);
    ev_add_timer(el, 0, zero_proc, NULL);
    usleep(1000);
    ev_process(el, 1);
    ev_delete(el);
    assert_int_equal(zero_calls, 1);
}

/* ---------- file events ---------- */

typedef struct FileLog {
    int fd[16];
    int mask[16];
    char who[16];
    void *data[16];
    int n;
} FileLog;
static FileLog flog;

static void rec(char who, int fd, void *data, int mask) {
    if (flog.n < 16) {
        flog.fd[flog.n] = fd;
        flog.mask[flog.n] = mask;
        flog.who[flog.n] = who;
        flog.data[flog.n] = data;
    }
    flog.n++;
}

static void read_proc(EvLoop *el, int fd, void *data, int mask) {
    (void)el;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf));
    (void)n;
    rec('r', fd, data, mask);
}
static void write_proc(EvLoop *el, int fd, void *data, int mask) {
    (void)el;
    rec('w', fd, data, mask);
}
static void both_proc(EvLoop *el, int fd, void *data, int mask) {
    (void)el;
    rec('b', fd, data, mask);
}
static void stop_proc(EvLoop *el, int fd, void *data, int mask) {
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf));
    (void)n;
    rec('s', fd, data, mask);
    ev_stop(el);
}

static void test_pipe_read_event(void **state) {
    (void)state;
    memset(&flog, 0, sizeof(flog));
    int p[2];
    assert_int_equal(pipe(p), 0);
    EvLoop *el = ev_create(1024);
    int cookie;
    assert_int_equal(ev_add_file(el, p[0], EV_READABLE, read_proc, &cookie), 0);
    assert_int_equal(ev_get_file_mask(el, p[0]), EV_READABLE);
    assert_int_equal(ev_get_file_mask(el, p[1]), EV_NONE);
    /* nothing to read */
    assert_int_equal(ev_process(el, 1), 0);
    assert_int_equal(flog.n, 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(ev_process(el, 1), 1);
    assert_int_equal(flog.n, 1);
    assert_int_equal(flog.who[0], 'r');
    assert_int_equal(flog.fd[0], p[0]);
    assert_ptr_equal(flog.data[0], &cookie);
    assert_true(flog.mask[0] & EV_READABLE);
    /* drained: no more events */
    assert_int_equal(ev_process(el, 1), 0);
    /* a blocking ev_process returns when data arrives (no timers: waits forever otherwise) */
    assert_int_equal(write(p[1], "y", 1), 1);
    assert_int_equal(ev_process(el, 0), 1);
    assert_int_equal(flog.n, 2);
    /* deleted: data stays unread and nothing is called */
    ev_del_file(el, p[0], EV_READABLE);
    assert_int_equal(ev_get_file_mask(el, p[0]), EV_NONE);
    assert_int_equal(write(p[1], "z", 1), 1);
    assert_int_equal(ev_process(el, 1), 0);
    assert_int_equal(flog.n, 2);
    /* deleting again, or an fd never added, is harmless */
    ev_del_file(el, p[0], EV_READABLE);
    ev_del_file(el, 1000, EV_READABLE);
    ev_del_file(el, 5000, EV_READABLE);
    /* re-adding works and sees the pending byte */
    assert_int_equal(ev_add_file(el, p[0], EV_READABLE, read_proc, NULL), 0);
    assert_int_equal(ev_process(el, 1), 1);
    assert_int_equal(flog.n, 3);
    /* hang-up of the writer is reported to the reader */
    close(p[1]);
    assert_int_equal(ev_process(el, 1), 1);
    assert_int_equal(flog.n, 4);
    assert_true(flog.mask[3] & EV_READABLE);
    ev_del_file(el, p[0], EV_READABLE);
    close(p[0]);
    ev_delete(el);
}

static void test_pipe_write_event(void **state) {
    (void)state;
    memset(&flog, 0, sizeof(flog));
    int p[2];
    assert_int_equal(pipe(p), 0);
    EvLoop *el = ev_create(1024);
    assert_int_equal(ev_add_file(el, p[1], EV_WRITABLE, write_proc, NULL), 0);
    assert_int_equal(ev_process(el, 1), 1);
    assert_int_equal(flog.who[0], 'w');
    assert_true(flog.mask[0] & EV_WRITABLE);
    ev_del_file(el, p[1], EV_WRITABLE);
    assert_int_equal(ev_process(el, 1), 0);
    assert_int_equal(flog.n, 1);
    close(p[0]);
    close(p[1]);
    ev_delete(el);
}

static void test_read_write_and_barrier(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    EvLoop *el = ev_create(1024);
    /* both ready, no barrier: read first, then write */
    memset(&flog, 0, sizeof(flog));
    assert_int_equal(ev_add_file(el, sv[0], EV_READABLE, read_proc, NULL), 0);
    assert_int_equal(ev_add_file(el, sv[0], EV_WRITABLE, write_proc, NULL), 0);
    assert_int_equal(ev_get_file_mask(el, sv[0]), EV_READABLE | EV_WRITABLE);
    assert_int_equal(write(sv[1], "a", 1), 1);
    ev_process(el, 1);
    assert_int_equal(flog.n, 2);
    assert_int_equal(flog.who[0], 'r');
    assert_int_equal(flog.who[1], 'w');
    /* with a barrier: write first, then read */
    memset(&flog, 0, sizeof(flog));
    assert_int_equal(ev_add_file(el, sv[0], EV_WRITABLE | EV_BARRIER, write_proc, NULL), 0);
    assert_true(ev_get_file_mask(el, sv[0]) & EV_BARRIER);
    assert_int_equal(write(sv[1], "b", 1), 1);
    ev_process(el, 1);
    assert_int_equal(flog.n, 2);
    assert_int_equal(flog.who[0], 'w');
    assert_int_equal(flog.who[1], 'r');
    /* deleting the write side drops the barrier and keeps the read side */
    ev_del_file(el, sv[0], EV_WRITABLE);
    assert_int_equal(ev_get_file_mask(el, sv[0]), EV_READABLE);
    memset(&flog, 0, sizeof(flog));
    assert_int_equal(write(sv[1], "c", 1), 1);
    ev_process(el, 1);
    assert_int_equal(flog.n, 1);
    assert_int_equal(flog.who[0], 'r');
    /* one proc for both directions is called once per readiness */
    ev_del_file(el, sv[0], EV_READABLE);
    assert_int_equal(ev_get_file_mask(el, sv[0]), EV_NONE);
    memset(&flog, 0, sizeof(flog));
    assert_int_equal(ev_add_file(el, sv[0], EV_READABLE | EV_WRITABLE, both_proc, NULL), 0);
    assert_int_equal(write(sv[1], "d", 1), 1);
    ev_process(el, 1);
    assert_int_equal(flog.n, 1);
    assert_int_equal(flog.mask[0] & (EV_READABLE | EV_WRITABLE), EV_READABLE | EV_WRITABLE);
    ev_del_file(el, sv[0], EV_READABLE | EV_WRITABLE);
    close(sv[0]);
    close(sv[1]);
    ev_delete(el);
}

/* a read proc that removes the fd's write side: the write proc must not run */
static int rw_fd;
static void read_then_del_write(EvLoop *el, int fd, void *data, int mask) {
    read_proc(el, fd, data, mask);
    ev_del_file(el, fd, EV_WRITABLE);
}

static void test_delete_inside_callback(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    rw_fd = sv[0];
    EvLoop *el = ev_create(1024);
    memset(&flog, 0, sizeof(flog));
    ev_add_file(el, sv[0], EV_READABLE, read_then_del_write, NULL);
    ev_add_file(el, sv[0], EV_WRITABLE, write_proc, NULL);
    assert_int_equal(write(sv[1], "a", 1), 1);
    ev_process(el, 1);
    assert_int_equal(flog.n, 1);
    assert_int_equal(flog.who[0], 'r');
    ev_del_file(el, sv[0], EV_READABLE);
    close(sv[0]);
    close(sv[1]);
    ev_delete(el);
}

static void test_stop_from_file_event(void **state) {
    (void)state;
    memset(&flog, 0, sizeof(flog));
    int p[2];
    assert_int_equal(pipe(p), 0);
    EvLoop *el = ev_create(1024);
    ev_add_file(el, p[0], EV_READABLE, stop_proc, NULL);
    assert_int_equal(write(p[1], "q", 1), 1);
    ev_main(el); /* returns because stop_proc calls ev_stop */
    assert_int_equal(flog.n, 1);
    assert_int_equal(flog.who[0], 's');
    /* ev_main resets the flag: it runs again until the next stop */
    memset(&tlog, 0, sizeof(tlog));
    tlog.stop_after = 1;
    pass_no = 0;
    ev_add_timer(el, 2, once_proc, (void *)(intptr_t)1);
    ev_main(el);
    assert_int_equal(tlog.n, 1);
    ev_del_file(el, p[0], EV_READABLE);
    close(p[0]);
    close(p[1]);
    ev_delete(el);
}

static int before_calls, after_calls;
static void before_hook(EvLoop *el) { (void)el; before_calls++; }
static void after_hook(EvLoop *el) { (void)el; after_calls++; assert_int_equal(after_calls, before_calls); }

static void test_hooks(void **state) {
    (void)state;
    before_calls = after_calls = 0;
    EvLoop *el = ev_create(64);
    ev_set_before_sleep(el, before_hook);
    ev_set_after_sleep(el, after_hook);
    for (int i = 0; i < 3; i++) ev_process(el, 1);
    assert_int_equal(before_calls, 3);
    assert_int_equal(after_calls, 3);
    ev_set_before_sleep(el, NULL);
    ev_set_after_sleep(el, NULL);
    ev_process(el, 1);
    assert_int_equal(before_calls, 3);
    ev_delete(el);
}

static void test_wait_honours_nearest_timer(void **state) {
    (void)state;
    memset(&tlog, 0, sizeof(tlog));
    EvLoop *el = ev_create(64);
    long long t0 = monotonic_us();
    ev_add_timer(el, 20, once_proc, (void *)(intptr_t)1);
    int handled = 0;
    while (tlog.n == 0) handled += ev_process(el, 0);
    long long dt = monotonic_us() - t0;
    assert_true(dt >= 20000);
    assert_true(dt < 200000);
    assert_true(handled >= 1);
    ev_delete(el);
}

static void test_setsize(void **state) {
    (void)state;
    EvLoop *el = ev_create(16);
    assert_int_equal(ev_get_setsize(el), 16);
    int p[2];
    assert_int_equal(pipe(p), 0);
    int hi = dup2(p[0], 20);
    assert_int_equal(hi, 20);
    errno = 0;
    assert_int_equal(ev_add_file(el, hi, EV_READABLE, read_proc, NULL), -1);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(ev_get_file_mask(el, hi), EV_NONE);
    assert_int_equal(ev_get_file_mask(el, 100000), EV_NONE);
    assert_int_equal(ev_resize(el, 32), 0);
    assert_int_equal(ev_get_setsize(el), 32);
    assert_int_equal(ev_add_file(el, hi, EV_READABLE, read_proc, NULL), 0);
    assert_int_equal(ev_get_file_mask(el, hi), EV_READABLE);
    /* cannot shrink below a registered fd */
    assert_int_equal(ev_resize(el, 20), -1);
    assert_int_equal(ev_resize(el, 21), 0);
    memset(&flog, 0, sizeof(flog));
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(ev_process(el, 1), 1);
    assert_int_equal(flog.fd[0], hi);
    ev_del_file(el, hi, EV_READABLE);
    assert_int_equal(ev_resize(el, 16), 0);
    assert_int_equal(ev_get_setsize(el), 16);
    /* a registration on a closed/invalid fd fails cleanly */
    int dead = dup(p[0]);
    assert_true(dead >= 0 && dead < 16);
    close(dead);
    assert_int_equal(ev_add_file(el, dead, EV_READABLE, read_proc, NULL), -1);
    assert_int_equal(ev_get_file_mask(el, dead), EV_NONE);
    ev_delete(el);
    close(hi);
    close(p[0]);
    close(p[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_order),
        cmocka_unit_test(test_periodic_timer_and_delete),
        cmocka_unit_test(test_timer_added_in_callback_waits),
        cmocka_unit_test(test_regression_timer_returning_zero_runs_once_per_pass),
        cmocka_unit_test(test_pipe_read_event),
        cmocka_unit_test(test_pipe_write_event),
        cmocka_unit_test(test_read_write_and_barrier),
        cmocka_unit_test(test_delete_inside_callback),
        cmocka_unit_test(test_stop_from_file_event),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_wait_honours_nearest_timer),
        cmocka_unit_test(test_setsize),
    };
    return cmocka_run_group_tests_name("evloop", tests, NULL, NULL);
}
