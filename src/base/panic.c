/* panic.c - reporting a broken invariant and aborting (see panic.h). */
#include "panic.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void (*hook)(const char *msg);

void panic_set_hook(void (*fn)(const char *msg)) { hook = fn; }

void panic_at(const char *file, int line, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(msg)) snprintf(msg + n, sizeof(msg) - (size_t)n, " (%s:%d)", file, line);
    fprintf(stderr, "PANIC: %s\n", msg);
    if (hook) hook(msg);
    abort();
}
