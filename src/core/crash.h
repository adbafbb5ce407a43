/* crash.h - the crash report and the software watchdog.
 *
 * When the server dies of a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT),
 * a panic() or a failed vassert(), it writes Redis 7.0's bug report to its log:
 * "=== REDIS BUG REPORT START ..." (test suites and tools look for it), the cause,
 * the stack trace, registers, INFO fields, the clients, the client whose command was
 * running and a fast memory test, then "=== REDIS BUG REPORT END ...". A signal is
 * then re-raised with its default action, so the process ends by it (and dumps core
 * where enabled); a panic or an assertion aborts, or exits with status 1 under
 * use-exit-on-panic. See crash.c for how the report stays safe inside a signal
 * handler. */
#ifndef VESPER_CRASH_H
#define VESPER_CRASH_H
#include <stddef.h>
#include <stdarg.h>

struct Client;
struct PanicInfo;

/* Once at start-up, from the main thread, after the configuration is loaded:
 * alternate signal stack, memory test buffer, backtrace() primed, the panic hook,
 * the fatal-signal handlers (crash-log-enabled) and the watchdog (watchdog-period). */
void crash_setup(void);
/* The panic()/vassert() hook (base/panic.h): writes the report's "Guru Meditation"
 * or "ASSERTION FAILED" lines, and with crash-log-enabled the rest of the report;
 * then aborts, or _exit(1) under use-exit-on-panic. Set early in start-up (before
 * the configuration is loaded; crash_setup sets it too). */
void crash_panic_hook(const struct PanicInfo *pi) __attribute__((noreturn));
/* crash-log-enabled: installs (1) or removes (0) the fatal-signal handlers. A signal
 * whose handler someone else installed before crash_setup (a sanitizer's runtime)
 * is left to that handler. */
void crash_set_handlers(int enabled);
/* A helper thread calls it first thing: it gets its own alternate signal stack, and
 * is stopped while the memory test runs. At most a few threads (CRASH_MAX_THREADS);
 * registered threads must live as long as the process. */
void crash_register_thread(void);
/* watchdog-period changed: (re)arms or disarms the SIGALRM watchdog, raising the
 * period to two cron intervals when it is shorter (as Redis does). */
void crash_watchdog_apply(void);
/* Every cron tick: re-arms the watchdog, refreshes the cached UTC offset the
 * report's timestamps use. */
void crash_cron(void);
/* DEBUG ASSERT: logs the client's context (flags, connection, arguments) and its
 * first argument's object, then fails like vassert(expr) at file:line. */
void crash_assert_with_client(const struct Client *c, const char *expr, const char *file, int line)
    __attribute__((noreturn));

/* The report's formatter, exposed for the unit tests: a small snprintf that never
 * allocates or takes a lock (%s %c %d %u %x %p with l/ll/z, a width, '0' padding).
 * Returns the length the whole output needs; buf always ends with a NUL. */
size_t crash_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
size_t crash_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
/* Unix time -> "dd Mon yyyy hh:mm:ss" in the given UTC offset (seconds), without
 * the C library's time zone code (which locks); buf needs 21 bytes. */
void crash_format_date(char *buf, long long unix_secs, long utc_offset);

#endif
