/* test_memtest.c - unit tests of the crash report's memory test (src/core/memtest.c):
 * /proc/self/maps lines it tests or leaves alone, a chunk tested and restored, and
 * (in a forked child, not under ASan whose shadow memory is terabytes of mappings)
 * the whole process tested: no errors, and the heap, the globals and a thread's
 * stack hold what they held. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/memtest.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#else
#define ASAN_BUILD 0
#endif

static void test_maps_lines(void **state) {
    (void)state;
    uintptr_t lo, hi;
    assert_true(memtest_maps_line("7f5104617000-7f510461a000 rw-p 00000000 00:00 0 ", &lo, &hi));
    assert_true(lo == 0x7f5104617000 && hi == 0x7f510461a000);
    assert_true(memtest_maps_line("55bf5ea5c000-55bf5ea7b000 rw-p 00000000 00:00 0                          [heap]",
                                  &lo, &hi));
    assert_true(lo == 0x55bf5ea5c000 && hi == 0x55bf5ea7b000);
    /* file-backed, read-only, executable, the main stack, the vDSO pages */
    assert_false(memtest_maps_line("7f51047f3000-7f5104800000 rw-p 001d8000 08:01 1835 /usr/lib/libc.so.6", &lo, &hi));
    assert_false(memtest_maps_line("7f5104617000-7f510461a000 r--p 00000000 00:00 0 ", &lo, &hi));
    assert_false(memtest_maps_line("7f5104617000-7f510461a000 ---p 00000000 00:00 0 ", &lo, &hi));
    assert_false(memtest_maps_line("7ffddbad6000-7ffddbaf7000 rw-p 00000000 00:00 0 [stack]", &lo, &hi));
    assert_false(memtest_maps_line("7ffddbbb1000-7ffddbbb5000 r--p 00000000 00:00 0 [vvar]", &lo, &hi));
    assert_false(memtest_maps_line("7ffddbbb5000-7ffddbbb7000 r-xp 00000000 00:00 0 [vdso]", &lo, &hi));
    assert_false(memtest_maps_line("garbage", &lo, &hi));
    assert_false(memtest_maps_line("", &lo, &hi));
}

static void test_words_restored(void **state) {
    (void)state;
    enum { N = 4096 };
    unsigned long *a = malloc(N * sizeof(*a)), *copy = malloc(N * sizeof(*a)), *save = malloc(N * sizeof(*a));
    for (size_t i = 0; i < N; i++) a[i] = (unsigned long)i * 2654435761UL ^ 0xfeedUL;
    memcpy(copy, a, N * sizeof(*a));
    assert_int_equal(memtest_words(a, N, save), 0);
    assert_memory_equal(a, copy, N * sizeof(*a));
    free(a);
    free(copy);
    free(save);
}

static unsigned long global_words[1024];

static void test_whole_process(void **state) {
    (void)state;
    if (ASAN_BUILD) skip();
    char path[] = "/tmp/vesper-test-memtest-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd != -1);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid != -1);
    if (pid == 0) {
        alarm(60);
        size_t n = 1 << 16;
        unsigned long *heap = malloc(n * sizeof(*heap));
        for (size_t i = 0; i < n; i++) heap[i] = i ^ 0x5a5a;
        for (size_t i = 0; i < 1024; i++) global_words[i] = ~i;
        size_t chunk = 64 * 1024;
        unsigned long *buf = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        MemRange skip = {(uintptr_t)buf, (uintptr_t)buf + chunk};
        long errors = memtest_process(fd, &skip, 1, buf, chunk);
        int ok = errors == 0;
        for (size_t i = 0; i < n; i++) ok &= heap[i] == (i ^ 0x5a5a);
        for (size_t i = 0; i < 1024; i++) ok &= global_words[i] == ~i;
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    char out[1 << 15];
    ssize_t got = pread(fd, out, sizeof(out) - 1, 0);
    close(fd);
    unlink(path);
    assert_true(got > 0);
    out[got] = '\0';
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0) fail_msg("errors, or memory changed by the test:\n%s", out);
    assert_non_null(strstr(out, "*** Preparing to test memory region "));
    assert_non_null(strstr(out, ".O"));
    assert_null(strstr(out, "E"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps_lines),
        cmocka_unit_test(test_words_restored),
        cmocka_unit_test(test_whole_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
