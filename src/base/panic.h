/* panic.h - stopping on a broken invariant.
 *
 * panic() and vassert() are for states the code itself must never reach (a
 * corrupted structure, a nesting error between modules). They are never used for
 * user input, which always gets an error reply. They print where and why, give
 * the server a chance to log it (panic_set_hook), and abort so a core dump or the
 * sanitizer's report shows the stack. */
#ifndef VESPER_PANIC_H
#define VESPER_PANIC_H

void panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* fn receives the formatted message before the process aborts (the server logs it
 * as Redis's "Guru Meditation" lines). */
void panic_set_hook(void (*fn)(const char *msg));

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define vassert(cond) ((cond) ? (void)0 : panic_at(__FILE__, __LINE__, "assertion failed: %s", #cond))

#endif
