/* test_crash.c - unit tests of the crash report (src/core/crash.c): its formatter
 * and dates against the C library's; and, each in a forked child writing to its own
 * log file, the report of a fatal signal (exit by that signal), of a stack overflow
 * (the handler runs on the alternate stack; reading the overflowed stack faults
 * inside the report, which skips that part and goes on), of a crash on a helper
 * thread while the main thread is busy (it is parked for the memory test), of
 * panic() and vassert() (abort, or exit status 1 with use-exit-on-panic), and with
 * crash-log-enabled off. The children reset the fatal signals first (cmocka, and
 * under ASan the sanitizer, installed handlers of their own), so the same tests run
 * in the sanitizer build, where the memory test is skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/crash.h"
#include "core/server.h"
#include "base/panic.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#else
#define ASAN_BUILD 0
#endif

/* ---------- formatter ---------- */

static void fmt_same(const char *fmt, ...) {
    char mine[256], libc[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    size_t n = crash_vformat(mine, sizeof(mine), fmt, ap);
    int m = vsnprintf(libc, sizeof(libc), fmt, ap2);
    va_end(ap2);
    va_end(ap);
    if (strcmp(mine, libc) != 0 || n != (size_t)m) fail_msg("format \"%s\": got \"%s\" (%zu), libc \"%s\" (%d)", fmt, mine, n, libc, m);
}

static void test_format(void **state) {
    (void)state;
    fmt_same("plain text");
    fmt_same("%d %d %d", 0, -1, 2147483647);
    fmt_same("%d", (int)-2147483647 - 1);
    fmt_same("%lld %lld", -9223372036854775807LL - 1, 9223372036854775807LL);
    fmt_same("%llu %lu %u", 18446744073709551615ULL, 12345UL, 4294967295U);
    fmt_same("%zu", (size_t)123456789);
    fmt_same("%x %lx %016llx %08x", 0xbeefU, 0xdeadbeefUL, 0x1234ULL, 0xabU);
    fmt_same("%02d:%02d:%03d", 5, 7, 9);
    fmt_same("%5d|%s|%c|%%|%3s", 42, "hello", 'z', "x");
    fmt_same("%p", (void *)0x7f00dead1000);
    fmt_same("%s", "");
    /* truncation: the length needed is returned, the buffer stays terminated */
    char small[8];
    size_t n = crash_format(small, sizeof(small), "%s-%d", "abcdef", 12345);
    assert_int_equal(n, 12);
    assert_string_equal(small, "abcdef-");
    assert_int_equal(crash_format(NULL, 0, "%d", 1234), 4);
}

static void test_date(void **state) {
    (void)state;
    const long long samples[] = {0, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 1796015394, 4102444800LL,
                                 1709164800 /* 2024-02-29 */, 1234567890, 2147483647};
    const long offsets[] = {0, 3600, -18000, 19800};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (size_t j = 0; j < sizeof(offsets) / sizeof(offsets[0]); j++) {
            char mine[32], want[32];
            crash_format_date(mine, samples[i], offsets[j]);
            time_t t = (time_t)(samples[i] + offsets[j]);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(want, sizeof(want), "%d %b %Y %H:%M:%S", &tm);
            if (strcmp(mine, want) != 0) fail_msg("%lld%+ld: got \"%s\", want \"%s\"", samples[i], offsets[j], mine, want);
        }
    }
}

/* ---------- reports written by a child ---------- */

typedef void ChildFn(void);

typedef struct Outcome {
    int signaled, sig, code;
    char log[1 << 16];
} Outcome;

static Outcome outcome;
static char logpath[64];

static void child_setup(int crash_log, int memcheck, int exit_on_panic) {
    server.cfg.logfile = logpath;
    server.cfg.crash_log_enabled = crash_log;
    server.cfg.crash_memcheck_enabled = memcheck;
    server.cfg.use_exit_on_panic = exit_on_panic;
    server.cfg.watchdog_period = 0;
    server.cfg.hz = 10;
    crash_setup();
}

/* Runs fn in a child prepared with the given settings; fills outcome. */
static void run_child(ChildFn *fn, int crash_log, int memcheck, int exit_on_panic) {
    strcpy(logpath, "/tmp/vesper-test-crash-XXXXXX");
    int fd = mkstemp(logpath);
    assert_true(fd != -1);
    close(fd);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid != -1);
    if (pid == 0) {
        /* cmocka's own handlers would count as someone else's (and be kept) */
        const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
        for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) signal(fatal[i], SIG_DFL);
        alarm(60);
        child_setup(crash_log, memcheck, exit_on_panic);
        fn();
        _exit(99);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    memset(&outcome, 0, sizeof(outcome));
    outcome.signaled = WIFSIGNALED(status);
    outcome.sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    outcome.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    FILE *f = fopen(logpath, "r");
    assert_non_null(f);
    size_t n = fread(outcome.log, 1, sizeof(outcome.log) - 1, f);
    outcome.log[n] = '\0';
    fclose(f);
    unlink(logpath);
}

static void expect_in_log(const char *text) {
    if (!strstr(outcome.log, text)) fail_msg("\"%s\" not in the report:\n%s", text, outcome.log);
}

static void expect_not_in_log(const char *text) {
    if (strstr(outcome.log, text)) fail_msg("\"%s\" in the report:\n%s", text, outcome.log);
}

static void dump_log(void) { if (getenv("CRASH_TEST_DUMP")) fputs(outcome.log, stderr); }

static void expect_complete_report(void) {
    dump_log();
    expect_in_log("=== REDIS BUG REPORT START: Cut & paste starting from here ===");
    expect_in_log("------ STACK TRACE ------");
    expect_in_log("------ INFO OUTPUT ------");
    expect_in_log("=== REDIS BUG REPORT END. Make sure to include from START to END. ===");
}

/* Not static: the tests link with -rdynamic, so these names show in the traces. */
void segfault_now(void);
void sigfpe_now(void);
int recurse(int depth);
void *crashing_thread(void *arg);
void panic_now(void);

static volatile uintptr_t bad_address = 16;

void segfault_now(void) {
    volatile int *p = (volatile int *)bad_address;
    *p = 1;
}

static void test_segfault_report(void **state) {
    (void)state;
    run_child(segfault_now, 1, 0, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGSEGV);
    expect_complete_report();
    expect_in_log("crashed by signal: 11, si_code: 1");
    expect_in_log("Accessing address: 0x10");
    expect_in_log("Crashed running the instruction at: 0x");
    expect_in_log("(segfault_now+0x"); /* the EIP line */
    expect_not_in_log("crashed again");
#if defined(__x86_64__)
    expect_in_log("------ REGISTERS ------");
    expect_in_log("RIP:");
#endif
}

/* a signal sent rather than caused by an instruction */
void sigfpe_now(void) { raise(SIGFPE); }

static void test_raise_report(void **state) {
    (void)state;
    run_child(sigfpe_now, 1, 0, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGFPE);
    expect_complete_report();
    expect_in_log("crashed by signal: 8, si_code: -6"); /* SI_TKILL */
}

static volatile int recursion_sink, recursion_limit = 1 << 30;

__attribute__((noinline)) int recurse(int depth) {
    volatile char pad[512];
    pad[depth % 512] = (char)depth;
    if (depth >= recursion_limit) return 0;
    int r = recurse(depth + 1) + pad[(depth * 7) % 512];
    recursion_sink = r;
    return r;
}

static void overflow_now(void) {
    recursion_sink = recurse(0);
}

static void test_stack_overflow_report(void **state) {
    (void)state;
    run_child(overflow_now, 1, 0, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGSEGV);
    expect_complete_report();
    expect_in_log("crashed by signal: 11");
    expect_in_log("recurse");
}

/* A helper thread crashes while the main thread runs: the main thread is parked
 * (its stack and heap are tested while it is stopped), the process ends by SIGSEGV. */
void *crashing_thread(void *arg) {
    (void)arg;
    crash_register_thread();
    usleep(50000);
    segfault_now();
    return NULL;
}

static void thread_crash_now(void) {
    pthread_t t;
    pthread_create(&t, NULL, crashing_thread, NULL);
    for (;;) recursion_sink++; /* busy: never at a cancellation point */
}

static void test_thread_crash_memtest(void **state) {
    (void)state;
    run_child(thread_crash_now, 1, 1, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGSEGV);
    expect_complete_report();
    expect_in_log("crashing_thread");
    expect_in_log("------ FAST MEMORY TEST ------");
    if (ASAN_BUILD) {
        expect_in_log("Fast memory test skipped: not available in sanitizer builds.");
        return;
    }
    expect_in_log("*** Preparing to test memory region");
    expect_in_log("Fast memory test PASSED");
}

void panic_now(void) { panic("the %s is broken", "widget"); }
static void assert_now(void) {
    volatile int two = 2;
    vassert(two == 3);
}

static void test_panic_report(void **state) {
    (void)state;
    run_child(panic_now, 1, 0, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGABRT);
    expect_complete_report();
    expect_in_log("!!! Software Failure. Press left mouse button to continue");
    expect_in_log("Guru Meditation: the widget is broken #tests/unit/test_crash.c:");
    expect_in_log("panic_now");
    /* the handlers were removed before abort(): one report, not two */
    expect_not_in_log("crashed by signal");
}

static void test_assert_exit_on_panic(void **state) {
    (void)state;
    run_child(assert_now, 1, 0, 1);
    assert_false(outcome.signaled);
    assert_int_equal(outcome.code, 1);
    expect_complete_report();
    expect_in_log("=== ASSERTION FAILED ===");
    expect_in_log("==> tests/unit/test_crash.c:");
    expect_in_log("'two == 3' is not true");
    expect_not_in_log("crashed by signal");
}

/* crash-log-enabled no: a panic still says what happened, without the report */
static void test_crash_log_disabled(void **state) {
    (void)state;
    run_child(panic_now, 0, 0, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGABRT);
    expect_in_log("=== REDIS BUG REPORT START");
    expect_in_log("Guru Meditation: the widget is broken");
    expect_in_log("=== REDIS BUG REPORT END");
    expect_not_in_log("STACK TRACE");
    /* and a signal gets the default action, silently */
    run_child(segfault_now, 0, 0, 0);
    assert_true(outcome.signaled);
    assert_int_equal(outcome.sig, SIGSEGV);
    expect_not_in_log("BUG REPORT");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_segfault_report),
        cmocka_unit_test(test_raise_report),
        cmocka_unit_test(test_stack_overflow_report),
        cmocka_unit_test(test_thread_crash_memtest),
        cmocka_unit_test(test_panic_report),
        cmocka_unit_test(test_assert_exit_on_panic),
        cmocka_unit_test(test_crash_log_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
