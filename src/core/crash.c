/* crash.c - the crash report (Redis 7.0's bug report) and the software watchdog.
 *
 * What a report holds, in Redis's order and headline wording: the START banner;
 * the cause ("... crashed by signal: 11, si_code: 2", the address, the sender of a
 * kill, the faulting instruction; or the "Guru Meditation" lines of a panic(), or
 * "=== ASSERTION FAILED ===" and "==> file:line 'expr' is not true"); STACK TRACE
 * (the faulting instruction, then the frames, through backtrace_symbols_fd; the
 * server links with -rdynamic so they carry function names); REGISTERS and the top
 * of the stack (x86-64, aarch64); INFO OUTPUT (the fields that can be read without
 * allocating); CLIENT LIST OUTPUT; CURRENT CLIENT INFO (the client whose command was
 * running, its arguments, the object at its first key); FAST MEMORY TEST
 * (crash-memcheck-enabled); the END banner. A signal is then re-raised with its
 * default action, so the process ends by it (core dump where enabled); a panic or a
 * failed assertion removes the handlers and aborts, or _exit(1)s under
 * use-exit-on-panic (Redis's semantics: it never applies to signals).
 *
 * Invariants:
 *  - Async-signal-safe as far as it goes: the report is formatted into stack buffers
 *    by crash_vformat (no stdio, no malloc, no locks) and written with write(2) to
 *    the log file opened for the report (or stdout). backtrace() is called once at
 *    set-up, because its first call loads libgcc_s. The exceptions are inherited
 *    from glibc: backtrace_symbols_fd() and the unwinder take the loader's lock.
 *  - Fatal handlers run on an alternate signal stack (SA_ONSTACK; the main thread's
 *    is set up here, helper threads get theirs in crash_register_thread), so a stack
 *    overflow is reported too. A guard page sits below each of them.
 *  - One report per process: the first thread to crash owns it (cs.owner). Another
 *    thread crashing meanwhile parks until the process ends. A fault inside the
 *    report itself (corrupted client list...) jumps back (siglongjmp) to the part in
 *    progress, which is abandoned with a note; the rest of the report goes on.
 *  - A handler installed before crash_setup (a sanitizer's runtime: ASan handles
 *    SIGSEGV, SIGBUS, SIGFPE) is never replaced: those signals stay with it, so
 *    sanitizer reports are unchanged.
 *  - The memory test (memtest.c) runs only once every other registered thread is
 *    parked (a real-time signal stops them; outside a crash it is ignored), and
 *    leaves this module's state, its buffer and the alternate stacks alone. It is
 *    skipped in sanitizer builds (their shadow memory is terabytes of mappings).
 * Costs: nothing on the request path. Memory: a 128 KB alternate stack per
 * registered thread and a 64 KB memory-test buffer, mapped at start-up and never
 * touched until a crash (no resident cost). The watchdog, when enabled, costs one
 * setitimer per cron tick. */
#include "crash.h"
#include "client.h"
#include "command.h"
#include "db.h"
#include "memtest.h"
#include "multi.h"
#include "obj.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/panic.h"
#include "../base/util.h"
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif

#define CRASH_MAX_THREADS 8
#define ALTSTACK_SIZE (128 * 1024)
#define MEMTEST_CHUNK (64 * 1024)
#define TRACE_MAX 100

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL ((int)(sizeof(fatal_signals) / sizeof(fatal_signals[0])))

typedef struct ThreadSlot {
    pthread_t thread;
    _Atomic int tid;               /* kernel thread id; 0 while the slot is filled */
    _Atomic int parked;            /* set by the thread once it is stopped */
    uintptr_t alt_lo, alt_hi;      /* its alternate stack mapping, guard page included */
} ThreadSlot;

/* Every piece of mutable state, in one place so the memory test can leave it out. */
static struct CrashState {
    _Atomic int owner;             /* tid of the thread writing the report, 0 none */
    sigjmp_buf section_env;        /* where a fault inside a report section jumps */
    volatile sig_atomic_t section_armed;
    int fd;                        /* the report's log descriptor, -1 until opened */
    int banner_done;
    int assert_context;            /* crash_assert_with_client already started the report */
    int foreign[NFATAL];           /* someone else's handler was there first */
    int park_signal;
    long utc_offset;               /* seconds east of UTC, refreshed by the cron */
    time_t utc_offset_at;
    unsigned long *memtest_buf;    /* MEMTEST_CHUNK bytes, or NULL */
    ThreadSlot threads[CRASH_MAX_THREADS];
    _Atomic int nthreads;
    _Atomic int threads_overflow;  /* a thread could not register: no memory test */
    int setup_done;
} cs = {.fd = -1};

/* ---------------------------------------------------------------------------
 * Formatting without allocating
 * ------------------------------------------------------------------------- */

typedef struct Out {
    char *buf;
    size_t cap, len;
} Out;

static void out_char(Out *o, char c) {
    if (o->len + 1 < o->cap) o->buf[o->len] = c;
    o->len++;
}

static void out_str(Out *o, const char *s, int width) {
    if (!s) s = "(null)";
    size_t n = strlen(s);
    for (size_t i = n; width > 0 && i < (size_t)width; i++) out_char(o, ' ');
    while (*s) out_char(o, *s++);
}

static void out_num(Out *o, unsigned long long v, unsigned base, int neg, int width, char pad) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    int len = n + neg;
    if (neg && pad == '0') out_char(o, '-');
    for (; width > len; width--) out_char(o, pad);
    if (neg && pad != '0') out_char(o, '-');
    while (n) out_char(o, tmp[--n]);
}

size_t crash_vformat(char *buf, size_t cap, const char *fmt, va_list ap) {
    Out o = {buf, cap, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            out_char(&o, *f);
            continue;
        }
        f++;
        char pad = ' ';
        int width = 0, lng = 0, size = 0;
        if (*f == '0') {
            pad = '0';
            f++;
        }
        while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        while (*f == 'l') {
            lng++;
            f++;
        }
        if (*f == 'z') {
            size = 1;
            f++;
        }
        switch (*f) {
        case 'd':
        case 'i': {
            long long v = size ? (long long)va_arg(ap, ssize_t)
                        : lng >= 2 ? va_arg(ap, long long)
                        : lng ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            out_num(&o, mag, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = size ? va_arg(ap, size_t)
                                 : lng >= 2 ? va_arg(ap, unsigned long long)
                                 : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            out_num(&o, v, *f == 'x' ? 16 : 10, 0, width, pad);
            break;
        }
        case 'p': {
            void *p = va_arg(ap, void *);
            if (!p) {
                out_str(&o, "(nil)", width);
                break;
            }
            out_char(&o, '0');
            out_char(&o, 'x');
            out_num(&o, (uintptr_t)p, 16, 0, width > 2 ? width - 2 : 0, pad);
            break;
        }
        case 's':
            out_str(&o, va_arg(ap, const char *), width);
            break;
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case '%':
            out_char(&o, '%');
            break;
        case '\0':
            f--;
            break;
        default:
            out_char(&o, '%');
            out_char(&o, *f);
        }
    }
    if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

size_t crash_format(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = crash_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian calendar). */
static void civil_from_days(long long days, int *y, int *m, int *d) {
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;                                  /* [0, 146096] */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           /* [0, 365] */
    long long mp = (5 * doy + 2) / 153;                                /* March = 0 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void crash_format_date(char *buf, long long unix_secs, long utc_offset) {
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long long t = unix_secs + utc_offset;
    long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long long secs = t - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    crash_format(buf, 21, "%02d %s %d %02d:%02d:%02d", d, months[m - 1], y, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60));
}

/* ---------------------------------------------------------------------------
 * Writing to the log
 * ------------------------------------------------------------------------- */

static int open_log(int *must_close) {
    const char *lf = server.cfg.logfile;
    *must_close = 0;
    if (!lf || !lf[0]) return STDOUT_FILENO;
    int fd = open(lf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    *must_close = fd != -1;
    return fd;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* The report's descriptor stays open: the process ends with the report. When the
 * log file cannot be opened (removed directory, no descriptors left) the report
 * goes to stderr rather than nowhere. */
static void report_open(void) {
    int must_close;
    if (cs.fd == -1) cs.fd = open_log(&must_close);
    if (cs.fd == -1) cs.fd = STDERR_FILENO;
}

static void log_raw(const char *s) {
    if (cs.fd != -1) write_all(cs.fd, s, strlen(s));
}

__attribute__((format(printf, 1, 2))) static void log_rawf(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = crash_vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (cs.fd != -1) write_all(cs.fd, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

/* A log line as server_log writes it: "pid:M dd Mon yyyy hh:mm:ss.mmm # text". */
__attribute__((format(printf, 1, 2))) static void log_line(const char *fmt, ...) {
    char buf[1024], date[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    crash_format_date(date, (long long)ts.tv_sec, cs.utc_offset);
    size_t n = crash_format(buf, sizeof(buf), "%d:%c %s.%03d # ", (int)getpid(), server.in_child ? 'C' : 'M',
                            date, (int)(ts.tv_nsec / 1000000));
    if (n > sizeof(buf) - 2) n = sizeof(buf) - 2;
    va_list ap;
    va_start(ap, fmt);
    n += crash_vformat(buf + n, sizeof(buf) - 1 - n, fmt, ap);
    va_end(ap);
    if (n > sizeof(buf) - 2) n = sizeof(buf) - 2;
    buf[n++] = '\n';
    if (cs.fd != -1) write_all(cs.fd, buf, n);
}

/* Redis's serverLogFromHandler line: "pid:signal-handler (unixtime) text". */
static void handler_line(int fd, const char *text) {
    char buf[512];
    size_t n = crash_format(buf, sizeof(buf), "%d:signal-handler (%lld) %s\n", (int)getpid(),
                            (long long)time(NULL), text);
    write_all(fd, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

/* ---------------------------------------------------------------------------
 * Report ownership, sections, threads
 * ------------------------------------------------------------------------- */

static int find_slot(int tid) {
    int n = atomic_load(&cs.nthreads);
    if (n > CRASH_MAX_THREADS) n = CRASH_MAX_THREADS;
    for (int i = 0; i < n; i++)
        if (atomic_load(&cs.threads[i].tid) == tid) return i;
    return -1;
}

/* Stops the calling thread for good (another thread owns the report and ends the
 * process when it is done). */
__attribute__((noreturn)) static void park_forever(void) {
    int i = find_slot(gettid());
    if (i >= 0) atomic_store(&cs.threads[i].parked, 1);
    for (;;) pause();
}

enum { CLAIM_NEW, CLAIM_MINE };

/* Makes the calling thread the report's owner. Returns CLAIM_NEW, or CLAIM_MINE
 * when it already was (a fault or a panic inside its own report); a thread that
 * finds another owner never returns. */
static int claim_report(void) {
    int me = gettid(), expected = 0;
    if (atomic_compare_exchange_strong(&cs.owner, &expected, me)) return CLAIM_NEW;
    if (expected == me) return CLAIM_MINE;
    park_forever();
}

/* A fault inside a section while the report is written returns here; the section is
 * dropped with a note, the report goes on with the next one. */
typedef void SectionFn(const void *arg);

static void run_section(SectionFn *fn, const void *arg) {
    if (sigsetjmp(cs.section_env, 1) == 0) {
        cs.section_armed = 1;
        fn(arg);
    } else {
        log_raw("\n(crashed again while writing this part of the report: skipped)\n");
    }
    cs.section_armed = 0;
}

static void park_signal_handler(int sig) {
    (void)sig;
    int owner = atomic_load(&cs.owner);
    if (owner != 0 && owner != gettid()) park_forever();
}

/* Parks every other registered thread; 1 once they all are (or are gone). */
static int stop_other_threads(void) {
    int me = gettid();
    int n = atomic_load(&cs.nthreads);
    if (atomic_load(&cs.threads_overflow) || n > CRASH_MAX_THREADS || !cs.park_signal) return 0;
    for (int i = 0; i < n; i++) {
        int tid = atomic_load(&cs.threads[i].tid);
        if (tid == 0 || tid == me || atomic_load(&cs.threads[i].parked)) continue;
        if (pthread_kill(cs.threads[i].thread, cs.park_signal) != 0) atomic_store(&cs.threads[i].parked, 1);
    }
    for (int waited = 0; waited < 1000; waited++) {
        int all = 1;
        for (int i = 0; i < n; i++) {
            int tid = atomic_load(&cs.threads[i].tid);
            if (tid != 0 && tid != me && !atomic_load(&cs.threads[i].parked)) all = 0;
        }
        if (all) return 1;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Machine context
 * ------------------------------------------------------------------------- */

static void *context_pc(const void *ctx) {
    const ucontext_t *uc = ctx;
    if (!uc) return NULL;
#if defined(__linux__) && defined(__x86_64__)
    return (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__linux__) && defined(__aarch64__)
    return (void *)uc->uc_mcontext.pc;
#else
    return NULL;
#endif
}

static void context_set_pc(void *ctx, void *pc) {
    ucontext_t *uc = ctx;
#if defined(__linux__) && defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)pc;
#elif defined(__linux__) && defined(__aarch64__)
    uc->uc_mcontext.pc = (uintptr_t)pc;
#else
    (void)uc;
    (void)pc;
#endif
}

static void *context_sp(const void *ctx) {
    const ucontext_t *uc = ctx;
#if defined(__linux__) && defined(__x86_64__)
    return (void *)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__linux__) && defined(__aarch64__)
    return (void *)uc->uc_mcontext.sp;
#else
    (void)uc;
    return NULL;
#endif
}

/* Stands in for a bad instruction pointer while the stack is unwound: the unwinder
 * reads the code at the interrupted pc, which would fault again when the crash was
 * a call through a bad function pointer. */
__attribute__((noinline)) static void crash_invalid_function_called(void) { __asm__ volatile(""); }

/* ---------------------------------------------------------------------------
 * Report sections
 * ------------------------------------------------------------------------- */

typedef struct Trace {
    void *frames[TRACE_MAX];
    int n, skip;
    void *eip;
} Trace;

static void write_trace(int fd, void *eip, void **frames, int n) {
    const char *m = "\n------ STACK TRACE ------\n";
    write_all(fd, m, strlen(m));
    if (eip) {
        write_all(fd, "EIP:\n", 5);
        backtrace_symbols_fd(&eip, 1, fd);
    }
    m = "\nBacktrace:\n";
    write_all(fd, m, strlen(m));
    if (n > 0) backtrace_symbols_fd(frames, n, fd);
}

/* Return addresses point after their call; when the call ends its function (a
 * noreturn call, as every panic() is) that is the next function. One byte back is
 * inside the call: the frame is named after its caller. Under a signal handler the
 * first frame is the signal trampoline's entry and the next the interrupted
 * instruction: both exact, they stay as they are. */
static void adjust_return_addresses(void **frames, int n, int in_handler, const void *eip) {
    for (int i = in_handler ? 1 : 0; i < n; i++)
        if (frames[i] != eip && frames[i]) frames[i] = (char *)frames[i] - 1;
}

static void section_stack_trace(const void *arg) {
    Trace *t = (Trace *)arg;
    if (cs.fd == -1) return;
    if (t->n < 0) {
        log_raw("\n------ STACK TRACE ------\n(the stack could not be unwound)\n");
        return;
    }
    adjust_return_addresses(t->frames + t->skip, t->n - t->skip, t->eip != NULL, t->eip);
    write_trace(cs.fd, t->eip, t->frames + t->skip, t->n - t->skip);
}

/* A word of someone else's stack: under ASan its redzones are not ours to judge. */
__attribute__((no_sanitize_address, noinline)) static unsigned long raw_word(const unsigned long *p) {
    return *(const volatile unsigned long *)p;
}

static void section_registers(const void *ctx) {
#if defined(__linux__) && defined(__x86_64__)
    const greg_t *g = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    log_raw("\n------ REGISTERS ------\n");
    log_rawf("RAX:%016llx RBX:%016llx\nRCX:%016llx RDX:%016llx\nRDI:%016llx RSI:%016llx\n"
             "RBP:%016llx RSP:%016llx\n",
             (unsigned long long)g[REG_RAX], (unsigned long long)g[REG_RBX], (unsigned long long)g[REG_RCX],
             (unsigned long long)g[REG_RDX], (unsigned long long)g[REG_RDI], (unsigned long long)g[REG_RSI],
             (unsigned long long)g[REG_RBP], (unsigned long long)g[REG_RSP]);
    log_rawf("R8 :%016llx R9 :%016llx\nR10:%016llx R11:%016llx\nR12:%016llx R13:%016llx\n"
             "R14:%016llx R15:%016llx\nRIP:%016llx EFL:%016llx\nCSGSFS:%016llx\n",
             (unsigned long long)g[REG_R8], (unsigned long long)g[REG_R9], (unsigned long long)g[REG_R10],
             (unsigned long long)g[REG_R11], (unsigned long long)g[REG_R12], (unsigned long long)g[REG_R13],
             (unsigned long long)g[REG_R14], (unsigned long long)g[REG_R15], (unsigned long long)g[REG_RIP],
             (unsigned long long)g[REG_EFL], (unsigned long long)g[REG_CSGSFS]);
#elif defined(__linux__) && defined(__aarch64__)
    const mcontext_t *mc = &((const ucontext_t *)ctx)->uc_mcontext;
    log_raw("\n------ REGISTERS ------\n");
    for (int i = 0; i < 31; i += 2) {
        if (i + 1 < 31)
            log_rawf("X%02d:%016llx X%02d:%016llx\n", i, (unsigned long long)mc->regs[i], i + 1,
                     (unsigned long long)mc->regs[i + 1]);
        else
            log_rawf("X%02d:%016llx\n", i, (unsigned long long)mc->regs[i]);
    }
    log_rawf("SP :%016llx PC :%016llx\nPSTATE:%016llx\n", (unsigned long long)mc->sp, (unsigned long long)mc->pc,
             (unsigned long long)mc->pstate);
#else
    (void)ctx;
    return;
#endif
    /* the top of the interrupted stack, highest address first (as Redis prints it);
     * after a stack overflow this faults and the section ends here */
    const unsigned long *sp = context_sp(ctx);
    if (!sp) return;
    for (int i = 15; i >= 0; i--)
        log_line("(%016lx) -> %016lx", (unsigned long)(uintptr_t)(sp + i), raw_word(sp + i));
}

static void section_info(const void *unused) {
    (void)unused;
    long long uptime = (server.mstime - server.start_ms) / 1000;
    const char *exe = server.executable ? server.executable
                    : server.exec_argv && server.exec_argc > 0 ? server.exec_argv[0] : "";
    log_raw("\n------ INFO OUTPUT ------\n");
    log_rawf("# Server\nredis_version:%s\nvesper_version:%s\nredis_mode:%s\narch_bits:%d\nprocess_id:%d\n"
             "run_id:%s\ntcp_port:%d\nuptime_in_seconds:%lld\nuptime_in_days:%lld\nhz:%d\nconfigured_hz:%d\n"
             "executable:%s\nconfig_file:%s\n",
             VESPER_VERSION, VESPER_OWN_VERSION, server.sentinel_mode ? "sentinel" : "standalone",
             (int)(sizeof(long) * 8), (int)getpid(), server.runid, server.port ? server.port : server.cfg.port,
             uptime, uptime / 86400, server.hz, server.cfg.hz, exe,
             server.cfg.configfile ? server.cfg.configfile : "");
    log_rawf("\n# Clients\nconnected_clients:%zu\nmaxclients:%d\n", clients_count(), server.cfg.maxclients);
    size_t used = vmalloc_used();
    long long peak = server.stat_peak_memory > (long long)used ? server.stat_peak_memory : (long long)used;
    log_rawf("\n# Memory\nused_memory:%zu\nused_memory_peak:%lld\nmaxmemory:%llu\n", used, peak,
             server.cfg.maxmemory);
    log_rawf("\n# Persistence\nloading:%d\nrdb_changes_since_last_save:%lld\n", server.loading, server.stat.dirty);
    log_rawf("\n# Stats\ntotal_connections_received:%lld\ntotal_commands_processed:%lld\n"
             "rejected_connections:%lld\nexpired_keys:%lld\nevicted_keys:%lld\nkeyspace_hits:%lld\n"
             "keyspace_misses:%lld\ntotal_error_replies:%lld\n",
             server.stat.numconnections, server.stat.numcommands, server.stat.rejected_conn, db_stats.expired_keys,
             db_stats.evicted_keys, db_stats.keyspace_hits, db_stats.keyspace_misses,
             server.stat.total_error_replies);
    log_raw("\n# Keyspace\n");
    int ndb = db_count();
    for (int i = 0; i < ndb; i++) {
        Db *db = db_get(i);
        if (!db || db_size(db) == 0) continue;
        log_rawf("db%d:keys=%zu,expires=%zu\n", i, db_size(db), db_volatile_count(db));
    }
}

/* One CLIENT LIST line (the fields that need no allocation), newline included. */
static void log_client_line(const Client *c) {
    char flags[24];
    size_t multi_mem;
    client_flags_string(c, flags);
    int multi = multi_client_state(c, &multi_mem);
    const Command *cmd = c->lastcmd;
    log_rawf("id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d multi=%d qbuf=%zu "
             "argv-mem=%zu obl=%zu omem=%zu cmd=%s user=%s resp=%d\n",
             (unsigned long long)c->id, c->peer, c->sock, client_fd(c), c->name ? c->name : "",
             (long long)(server.unixtime - c->ctime), (long long)(server.unixtime - c->last_interaction), flags,
             c->db ? c->db->id : 0, multi, c->querybuf ? sds_len(c->querybuf) : (size_t)0, c->argv_len_sum,
             c->bufpos, c->reply_bytes, cmd && cmd->fullname ? cmd->fullname : "NULL",
             c->user ? c->user : "(superuser)", c->resp);
}

static void section_client_list(const void *unused) {
    (void)unused;
    log_raw("\n------ CLIENT LIST OUTPUT ------\n");
    int n = 0;
    for (const Client *c = clients_first(); c; c = c->next) {
        if (++n > 1000) {
            log_rawf("(%zu clients, the first 1000 shown)\n", clients_count());
            break;
        }
        log_client_line(c);
    }
}

/* Quotes p[0..len) as Redis's sdscatrepr does, into buf. (noinline: inlined, gcc 12
 * wrongly warns of an overflow in the unrolled loop.) */
__attribute__((noinline)) static void repr(char *buf, size_t cap, const char *p, size_t len) {
    Out o = {buf, cap, 0};
    out_char(&o, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\\': out_char(&o, '\\'); out_char(&o, '\\'); break;
        case '"': out_char(&o, '\\'); out_char(&o, '"'); break;
        case '\n': out_char(&o, '\\'); out_char(&o, 'n'); break;
        case '\r': out_char(&o, '\\'); out_char(&o, 'r'); break;
        case '\t': out_char(&o, '\\'); out_char(&o, 't'); break;
        case '\a': out_char(&o, '\\'); out_char(&o, 'a'); break;
        case '\b': out_char(&o, '\\'); out_char(&o, 'b'); break;
        default:
            if (ch >= 0x20 && ch < 0x7f) {
                out_char(&o, (char)ch);
            } else {
                out_char(&o, '\\');
                out_char(&o, 'x');
                out_char(&o, "0123456789abcdef"[ch >> 4]);
                out_char(&o, "0123456789abcdef"[ch & 15]);
            }
        }
    }
    out_char(&o, '"');
    if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
}

/* An argument's bytes (strings only), or NULL. */
static const char *arg_bytes(const Obj *o, char *numbuf, size_t *len) {
    if (!o || o->type != OBJ_STRING) return NULL;
    return obj_strbuf(o, numbuf, len);
}

static void log_object_info(const Obj *o) {
    log_line("Object type: %u", (unsigned)o->type);
    log_line("Object encoding: %u", (unsigned)o->encoding);
    log_line("Object refcount: %d", (int)o->refcount);
}

static void section_current_client(const void *unused) {
    (void)unused;
    const Client *c = command_current_client();
    if (!c) return;
    log_raw("\n------ CURRENT CLIENT INFO ------\n");
    log_client_line(c);
    for (int j = 0; j < c->argc; j++) {
        char num[32], quoted[600];
        size_t len;
        const char *p = arg_bytes(c->argv[j], num, &len);
        if (!p) {
            log_rawf("argv[%d]: 'Object type: %u, encoding: %u'\n", j, c->argv[j] ? (unsigned)c->argv[j]->type : 0,
                     c->argv[j] ? (unsigned)c->argv[j]->encoding : 0);
            continue;
        }
        repr(quoted, sizeof(quoted), p, len < 128 ? len : 128);
        log_rawf("argv[%d]: '%s'\n", j, quoted);
    }
    /* the first argument is usually a key: the object stored there */
    if (c->argc > 1 && c->db && c->db->keys) {
        char num[32], quoted[600];
        size_t len;
        const char *k = arg_bytes(c->argv[1], num, &len);
        void **ref = k ? ht_find_ref(c->db->keys, k, len) : NULL;
        if (ref && *ref) {
            if (len > 128) len = 128;
            memcpy(quoted, k, len);
            quoted[len] = '\0';
            log_line("key '%s' found in DB containing the following object:", quoted);
            log_object_info(*ref);
        }
    }
}

static void section_client_context(const void *arg) {
    const Client *c = arg;
    log_line("=== ASSERTION FAILED CLIENT CONTEXT ===");
    log_line("client->flags = %llu", (unsigned long long)c->flags);
    log_line("client->conn = fd=%d", client_fd(c));
    log_line("client->argc = %d", c->argc);
    for (int j = 0; j < c->argc; j++) {
        char num[32], text[160];
        size_t len;
        const char *p = arg_bytes(c->argv[j], num, &len);
        if (p) {
            if (len > sizeof(text) - 1) len = sizeof(text) - 1;
            memcpy(text, p, len);
            text[len] = '\0';
        } else {
            crash_format(text, sizeof(text), "Object type: %u, encoding: %u", c->argv[j] ? (unsigned)c->argv[j]->type : 0,
                         c->argv[j] ? (unsigned)c->argv[j]->encoding : 0);
        }
        log_line("client->argv[%d] = \"%s\" (refcount: %d)", j, text, c->argv[j] ? (int)c->argv[j]->refcount : 0);
    }
    if (c->argc > 0 && c->argv[0]) {
        log_line("=== ASSERTION FAILED OBJECT CONTEXT ===");
        log_object_info(c->argv[0]);
    }
}

/* ---- the fast memory test (memtest.c) ---- */

static void section_memtest(const void *unused) {
    (void)unused;
    log_raw("\n------ FAST MEMORY TEST ------\n");
    if (SANITIZER_BUILD) {
        log_raw("Fast memory test skipped: not available in sanitizer builds.\n");
        return;
    }
    if (!cs.memtest_buf) {
        log_raw("Fast memory test skipped: no test buffer.\n");
        return;
    }
    if (!stop_other_threads()) {
        log_raw("Fast memory test skipped: the other threads could not be stopped.\n");
        return;
    }
    /* this module's state, the test buffer and the alternate stacks stay untouched */
    MemRange skip[CRASH_MAX_THREADS + 2];
    int nskip = 0;
    skip[nskip++] = (MemRange){(uintptr_t)&cs, (uintptr_t)(&cs + 1)};
    skip[nskip++] = (MemRange){(uintptr_t)cs.memtest_buf, (uintptr_t)cs.memtest_buf + MEMTEST_CHUNK};
    int nt = atomic_load(&cs.nthreads);
    for (int i = 0; i < nt && i < CRASH_MAX_THREADS; i++)
        if (cs.threads[i].alt_lo) skip[nskip++] = (MemRange){cs.threads[i].alt_lo, cs.threads[i].alt_hi};
    long errors = memtest_process(cs.fd, skip, nskip, cs.memtest_buf, MEMTEST_CHUNK);
    if (errors < 0)
        log_raw("Fast memory test skipped: /proc/self/maps cannot be read.\n");
    else if (errors)
        log_raw("!!! MEMORY ERROR DETECTED! Check your memory ASAP !!!\n");
    else
        log_raw("Fast memory test PASSED, however your memory can still be broken. Please run a memory test "
                "for several hours if possible.\n");
}

/* INFO, the clients, the current client, the memory test: what Redis's
 * printCrashReport() writes after the stack trace. */
static void report_body(void) {
    run_section(section_info, NULL);
    run_section(section_client_list, NULL);
    run_section(section_current_client, NULL);
    if (server.cfg.crash_memcheck_enabled) run_section(section_memtest, NULL);
}

static void bug_report_start(void) {
    if (cs.banner_done) return;
    cs.banner_done = 1;
    log_raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
}

static void bug_report_end(void) {
    log_raw("\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
            "       Please report the crash to the Vesper developers, with the log from START to END\n"
            "       and how to reproduce it if you can.\n\n");
    if (server.cfg.daemonize && server.cfg.pidfile && server.cfg.pidfile[0]) unlink(server.cfg.pidfile);
}

/* ---------------------------------------------------------------------------
 * Ending the process
 * ------------------------------------------------------------------------- */

static void set_fatal_handlers(int ours);

/* Default action for sig, then sig again: the process ends by it. */
__attribute__((noreturn)) static void die_by_signal(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

/* ---------------------------------------------------------------------------
 * Entry points: fatal signals, panic/assert
 * ------------------------------------------------------------------------- */

/* The frames recorded by the caller of this macro, skipping `skip` of them (the
 * crash machinery; one more under ASan, which intercepts backtrace()). Under a
 * signal, the frames start at the signal trampoline, just before the interrupted
 * instruction, wherever that is found. Unwinding is a section of its own: it can
 * fault too. */
#define CAPTURE_TRACE(t, skip_frames)                                        \
    do {                                                                     \
        (t)->n = -1;                                                         \
        (t)->skip = (skip_frames) + SANITIZER_BUILD;                         \
        if (sigsetjmp(cs.section_env, 1) == 0) {                             \
            cs.section_armed = 1;                                            \
            (t)->n = backtrace((t)->frames, TRACE_MAX);                      \
            for (int k_ = 1; (t)->eip && k_ < (t)->n; k_++)                  \
                if ((t)->frames[k_] == (t)->eip) {                           \
                    (t)->skip = k_ - 1;                                      \
                    break;                                                   \
                }                                                            \
            if ((t)->skip > (t)->n) (t)->skip = (t)->n;                      \
        }                                                                    \
        cs.section_armed = 0;                                                \
    } while (0)

__attribute__((noinline)) static void report_signal(int sig, siginfo_t *info, void *ctx) {
    report_open();
    bug_report_start();
    log_line("Vesper %s crashed by signal: %d, si_code: %d", VESPER_OWN_VERSION, sig, info->si_code);
    if (sig == SIGSEGV || sig == SIGBUS) log_line("Accessing address: %p", info->si_addr);
    if (info->si_code == SI_USER && info->si_pid != -1)
        log_line("Killed by PID: %ld, UID: %d", (long)info->si_pid, (int)info->si_uid);
    Trace t;
    t.eip = context_pc(ctx);
    if (t.eip) log_line("Crashed running the instruction at: %p", t.eip);
    /* a call through a bad pointer: unwind from a valid pc instead */
    int bad_pc = t.eip && t.eip == info->si_addr;
    if (bad_pc) context_set_pc(ctx, (void *)(uintptr_t)crash_invalid_function_called);
    CAPTURE_TRACE(&t, 2); /* this function and the handler; the signal trampoline stays */
    if (bad_pc) context_set_pc(ctx, t.eip);
    run_section(section_stack_trace, &t);
    if (ctx) run_section(section_registers, ctx);
    report_body();
    bug_report_end();
}

static void fatal_signal_handler(int sig, siginfo_t *info, void *ctx) {
    if (claim_report() == CLAIM_MINE) {
        if (cs.section_armed) {
            cs.section_armed = 0;
            siglongjmp(cs.section_env, 1);
        }
        log_raw("\n(crashed again while writing the report)\n");
        die_by_signal(sig);
    }
    report_signal(sig, info, ctx);
    die_by_signal(sig);
}

void crash_panic_hook(const PanicInfo *pi) {
    if (claim_report() == CLAIM_MINE && !cs.assert_context) {
        if (cs.section_armed) { /* a panic inside a report section */
            cs.section_armed = 0;
            siglongjmp(cs.section_env, 1);
        }
        log_raw("\n(panic while writing the report)\n");
        _exit(1);
    }
    cs.assert_context = 0;
    report_open();
    bug_report_start();
    if (pi->kind == PANIC_KIND_ASSERT) {
        log_line("=== ASSERTION FAILED ===");
        log_line("==> %s:%d '%s' is not true", pi->file, pi->line, pi->msg);
    } else {
        log_line("------------------------------------------------");
        log_line("!!! Software Failure. Press left mouse button to continue");
        log_line("Guru Meditation: %s #%s:%d", pi->msg, pi->file, pi->line);
    }
    if (server.cfg.crash_log_enabled) {
        Trace t;
        t.eip = NULL;
        /* this hook, panic.c's reporter and panic_at/assert_failed_at */
        CAPTURE_TRACE(&t, 3);
        run_section(section_stack_trace, &t);
        report_body();
    }
    /* the abort below must not write a second report */
    set_fatal_handlers(0);
    bug_report_end();
    if (server.cfg.use_exit_on_panic) _exit(1);
    abort();
}

void crash_assert_with_client(const Client *c, const char *expr, const char *file, int line) {
    if (claim_report() == CLAIM_NEW) {
        cs.assert_context = 1;
        report_open();
        bug_report_start();
        run_section(section_client_context, c);
    }
    assert_failed_at(file, line, expr);
}

/* ---------------------------------------------------------------------------
 * Set-up
 * ------------------------------------------------------------------------- */

static void set_fatal_handlers(int ours) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    if (ours) {
        /* no SA_RESETHAND: a fault inside the report comes back here (and jumps
         * back to the report); SA_NODEFER lets it be delivered at all */
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
        sa.sa_sigaction = fatal_signal_handler;
        sigaddset(&sa.sa_mask, SIGALRM);
        sigaddset(&sa.sa_mask, SIGTERM);
        sigaddset(&sa.sa_mask, SIGINT);
    } else {
        sa.sa_handler = SIG_DFL;
    }
    for (int i = 0; i < NFATAL; i++)
        if (!cs.foreign[i]) sigaction(fatal_signals[i], &sa, NULL);
}

void crash_set_handlers(int enabled) {
    if (!cs.setup_done) return;
    set_fatal_handlers(enabled);
}

/* An alternate signal stack for the calling thread (kept if it already has one,
 * as under ASan), with a guard page below it. */
static void setup_altstack(ThreadSlot *slot) {
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)) {
        slot->alt_lo = (uintptr_t)old.ss_sp;
        slot->alt_hi = (uintptr_t)old.ss_sp + old.ss_size;
        return;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = ALTSTACK_SIZE;
    long min = sysconf(_SC_SIGSTKSZ);
    if (min > 0 && (size_t)min * 4 > size) size = ((size_t)min * 4 + page - 1) & ~(page - 1);
    char *base = mmap(NULL, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return;
    mprotect(base, page, PROT_NONE);
    stack_t ss = {.ss_sp = base + page, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) == -1) {
        munmap(base, size + page);
        return;
    }
    slot->alt_lo = (uintptr_t)base;
    slot->alt_hi = (uintptr_t)base + size + page;
}

void crash_register_thread(void) {
    int i = atomic_fetch_add(&cs.nthreads, 1);
    if (i >= CRASH_MAX_THREADS) {
        atomic_fetch_sub(&cs.nthreads, 1);
        atomic_store(&cs.threads_overflow, 1);
        return;
    }
    ThreadSlot *slot = &cs.threads[i];
    slot->thread = pthread_self();
    setup_altstack(slot);
    atomic_store(&slot->tid, gettid());
}

/* In a fork child only the forking thread exists. */
static void atfork_child(void) {
    pthread_t self = pthread_self();
    int n = atomic_load(&cs.nthreads), kept = 0;
    if (n > CRASH_MAX_THREADS) n = CRASH_MAX_THREADS;
    for (int i = 0; i < n; i++) {
        if (!pthread_equal(cs.threads[i].thread, self)) continue;
        cs.threads[kept].thread = self;
        cs.threads[kept].alt_lo = cs.threads[i].alt_lo;
        cs.threads[kept].alt_hi = cs.threads[i].alt_hi;
        atomic_store(&cs.threads[kept].parked, 0);
        atomic_store(&cs.threads[kept].tid, gettid());
        kept++;
    }
    atomic_store(&cs.nthreads, kept);
}

static void refresh_utc_offset(void) {
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm)) cs.utc_offset = tm.tm_gmtoff;
    cs.utc_offset_at = now;
}

void crash_setup(void) {
    if (cs.setup_done) return;
    /* backtrace() loads libgcc_s on its first call: not inside a signal handler */
    void *prime[2];
    backtrace(prime, 2);
    refresh_utc_offset();
    if (!SANITIZER_BUILD) {
        void *buf = mmap(NULL, MEMTEST_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
        if (buf != MAP_FAILED) cs.memtest_buf = buf;
    }
    crash_register_thread();
    /* a real-time signal stops the other threads during the memory test; outside a
     * crash it is ignored */
    cs.park_signal = SIGRTMIN + 2 <= SIGRTMAX ? SIGRTMIN + 2 : 0;
    if (cs.park_signal) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART | SA_ONSTACK;
        sa.sa_handler = park_signal_handler;
        sigaction(cs.park_signal, &sa, NULL);
    }
    pthread_atfork(NULL, NULL, atfork_child);
    for (int i = 0; i < NFATAL; i++) {
        struct sigaction old;
        if (sigaction(fatal_signals[i], NULL, &old) == 0)
            cs.foreign[i] = !(old.sa_flags & SA_SIGINFO) && (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN)
                            ? 0 : 1;
    }
    panic_set_hook(crash_panic_hook);
    cs.setup_done = 1;
    set_fatal_handlers(server.cfg.crash_log_enabled);
    crash_watchdog_apply();
}

/* ---------------------------------------------------------------------------
 * The software watchdog
 * ------------------------------------------------------------------------- */

static void watchdog_handler(int sig, siginfo_t *info, void *ctx) {
    (void)sig;
    (void)info;
    int saved = errno;
    if (atomic_load(&cs.owner) == 0) {
        int must_close;
        int fd = open_log(&must_close);
        if (fd != -1) {
            void *frames[TRACE_MAX];
            handler_line(fd, "\n--- WATCHDOG TIMER EXPIRED ---");
            int n = backtrace(frames, TRACE_MAX);
            void *eip = context_pc(ctx);
            adjust_return_addresses(frames + 1, n - 1, 1, eip);
            write_trace(fd, eip, frames + 1, n - 1); /* without this handler */
            handler_line(fd, "--------\n");
            if (must_close) close(fd);
        }
    }
    errno = saved;
}

static void watchdog_schedule(int period_ms) {
    struct itimerval it;
    memset(&it, 0, sizeof(it));
    it.it_value.tv_sec = period_ms / 1000;
    it.it_value.tv_usec = (period_ms % 1000) * 1000;
    setitimer(ITIMER_REAL, &it, NULL);
}

void crash_watchdog_apply(void) {
    static int installed;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    if (server.cfg.watchdog_period == 0) {
        if (!installed) return;
        watchdog_schedule(0);
        sa.sa_handler = SIG_IGN; /* also drops a pending SIGALRM */
        sigaction(SIGALRM, &sa, NULL);
        installed = 0;
        return;
    }
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sa.sa_sigaction = watchdog_handler;
    sigaction(SIGALRM, &sa, NULL);
    installed = 1;
    int hz = server.hz > 0 ? server.hz : server.cfg.hz > 0 ? server.cfg.hz : 10;
    int min_period = (1000 / hz) * 2;
    if (server.cfg.watchdog_period < min_period) server.cfg.watchdog_period = min_period;
    watchdog_schedule(server.cfg.watchdog_period);
}

void crash_cron(void) {
    if (server.cfg.watchdog_period) watchdog_schedule(server.cfg.watchdog_period);
    if (server.unixtime != cs.utc_offset_at) refresh_utc_offset();
}
