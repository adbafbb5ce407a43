/* panic.c - reporting a broken invariant and aborting (see panic.h).
 * The message is formatted into a stack buffer: nothing is allocated, so a panic
 * raised because the heap is broken still gets reported. */
#include "panic.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void (*hook)(const PanicInfo *info);

void panic_set_hook(void (*fn)(const PanicInfo *info)) { hook = fn; }

/* noinline: the crash report skips a known number of frames (core/crash.c) */
__attribute__((noreturn, noinline)) static void report(int kind, const char *file, int line, const char *msg) {
    PanicInfo pi = {kind, file, line, msg};
    if (hook) hook(&pi);
    if (kind == PANIC_KIND_ASSERT) fprintf(stderr, "ASSERTION FAILED: %s:%d '%s' is not true\n", file, line, msg);
    else fprintf(stderr, "PANIC: %s #%s:%d\n", msg, file, line);
    abort();
}

void panic_at(const char *file, int line, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report(PANIC_KIND_PANIC, file, line, msg);
}

void assert_failed_at(const char *file, int line, const char *expr) {
    report(PANIC_KIND_ASSERT, file, line, expr);
}
