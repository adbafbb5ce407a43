/* panic.h - stopping on a broken invariant.
 *
 * panic() and vassert() are for states the code itself must never reach (a
 * corrupted structure, a nesting error between modules). They are never used for
 * user input, which always gets an error reply. They say where and why, give the
 * server a chance to write its crash report (panic_set_hook: Redis's "Guru
 * Meditation" lines for panic(), "=== ASSERTION FAILED ===" for vassert()), and
 * abort so a core dump or the sanitizer's report shows the stack.
 *
 * A hook may end the process itself (the server's does). Without a hook (unit tests,
 * the tools), or when it returns, the message goes to stderr and the process aborts. */
#ifndef VESPER_PANIC_H
#define VESPER_PANIC_H

enum { PANIC_KIND_PANIC = 0, PANIC_KIND_ASSERT = 1 };

typedef struct PanicInfo {
    int kind;          /* PANIC_KIND_* */
    const char *file;  /* __FILE__ of the panic() or vassert() */
    int line;
    const char *msg;   /* the formatted message (panic), or the failed expression (vassert) */
} PanicInfo;

void panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void assert_failed_at(const char *file, int line, const char *expr) __attribute__((noreturn));
void panic_set_hook(void (*fn)(const PanicInfo *info));

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define vassert(cond) ((cond) ? (void)0 : assert_failed_at(__FILE__, __LINE__, #cond))

#endif
