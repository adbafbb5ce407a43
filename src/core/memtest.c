/* memtest.c - the crash report's fast memory test (see memtest.h). */
#include "memtest.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MAX_REGIONS 512
#define MAX_SKIP 32
#define TLS_MARGIN (64 * 1024)

/* Only volatile accesses to p, save and locals, and no calls: while a chunk holds
 * a pattern nothing else runs. Not instrumented by ASan: it touches memory that is
 * not its own to judge (the crash report never runs it in sanitizer builds). */
__attribute__((noinline, no_sanitize_address)) size_t memtest_words(volatile unsigned long *p, size_t words,
                                                                    volatile unsigned long *save) {
    size_t errors = 0;
    for (size_t i = 0; i < words; i++) save[i] = p[i];
    for (int pass = 0; pass < 5; pass++) {
        for (int check = 0; check < 2; check++) {
            unsigned long x = 0x9e3779b97f4a7c15UL ^ (unsigned long)(uintptr_t)p;
            for (size_t i = 0; i < words; i++) {
                unsigned long v;
                switch (pass) {
                case 0: v = (unsigned long)(uintptr_t)&p[i]; break;
                case 1: v = ~(unsigned long)(uintptr_t)&p[i]; break;
                case 2:
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    v = x;
                    break;
                case 3: v = (i & 1) ? 0xaaaaaaaaaaaaaaaaUL : 0x5555555555555555UL; break;
                default: v = ~0UL; break;
                }
                if (!check) p[i] = v;
                else if (p[i] != v) errors++;
            }
        }
    }
    for (size_t i = 0; i < words; i++) p[i] = save[i];
    return errors;
}

static uintptr_t parse_hex(const char **s) {
    uintptr_t v = 0;
    for (;;) {
        char ch = **s;
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0) return v;
        v = v * 16 + (uintptr_t)d;
        (*s)++;
    }
}

int memtest_maps_line(const char *line, uintptr_t *lo, uintptr_t *hi) {
    const char *s = line;
    *lo = parse_hex(&s);
    if (*s++ != '-') return 0;
    *hi = parse_hex(&s);
    if (*s++ != ' ') return 0;
    if (s[0] != 'r' || s[1] != 'w') return 0;
    if (!strstr(s, " 00:00 ")) return 0; /* backed by a file */
    if (strstr(s, "[stack") || strstr(s, "[vdso") || strstr(s, "[vsyscall") || strstr(s, "[vvar")) return 0;
    return *hi > *lo;
}

/* The testable mappings, in address order; -1 when maps cannot be read. */
static int collect_regions(MemRange *out, int max) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd == -1) return -1;
    char buf[4096], line[512];
    size_t ll = 0;
    int n = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0 || (r == -1 && errno == EINTR)) {
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] != '\n') {
                if (ll < sizeof(line) - 1) line[ll++] = buf[i];
                continue;
            }
            line[ll] = '\0';
            ll = 0;
            uintptr_t lo, hi;
            if (n < max && memtest_maps_line(line, &lo, &hi)) out[n++] = (MemRange){lo, hi};
        }
    }
    close(fd);
    return n;
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

/* Building a line without the C library's formatting (which may allocate). */
static size_t append(char *buf, size_t n, const char *s) {
    while (*s) buf[n++] = *s++;
    return n;
}

static size_t append_num(char *buf, size_t n, uintptr_t v, unsigned base) {
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (k) buf[n++] = tmp[--k];
    return n;
}

long memtest_process(int fd, const MemRange *skip_in, int nskip_in, unsigned long *buf, size_t chunk) {
    MemRange regions[MAX_REGIONS], skip[MAX_SKIP];
    static __thread char tls_probe;
    int nreg = collect_regions(regions, MAX_REGIONS);
    if (nreg < 0) return -1;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), here = (uintptr_t)&nreg, tls = (uintptr_t)&tls_probe;
    /* skipped ranges, widened to whole pages so every piece stays aligned */
    int nskip = 0;
    skip[nskip++] = (MemRange){tls > TLS_MARGIN ? tls - TLS_MARGIN : 0, tls + TLS_MARGIN};
    for (int i = 0; i < nskip_in && nskip < MAX_SKIP; i++) skip[nskip++] = skip_in[i];
    for (int i = 0; i < nskip; i++) {
        skip[i].lo &= ~(page - 1);
        skip[i].hi = (skip[i].hi + page - 1) & ~(page - 1);
    }
    int kept = 0;
    for (int i = 0; i < nreg; i++) {
        if (here >= regions[i].lo && here < regions[i].hi) continue; /* the stack we run on */
        regions[kept++] = regions[i];
        char line[96];
        size_t n = 0;
        n = append(line, n, "*** Preparing to test memory region ");
        n = append_num(line, n, regions[i].lo, 16);
        n = append(line, n, " (");
        n = append_num(line, n, regions[i].hi - regions[i].lo, 10);
        n = append(line, n, " bytes)\n");
        write_all(fd, line, n);
    }
    nreg = kept;
    long errors = 0;
    size_t words = chunk / sizeof(unsigned long);
    for (int i = 0; i < nreg; i++) {
        write_all(fd, ".", 1);
        uintptr_t a = regions[i].lo;
        while (a < regions[i].hi) {
            /* the next piece no skipped range covers, at most a chunk */
            uintptr_t end = regions[i].hi;
            int jumped = 0;
            for (int k = 0; k < nskip; k++) {
                if (a >= skip[k].lo && a < skip[k].hi) {
                    a = skip[k].hi;
                    jumped = 1;
                    break;
                }
                if (skip[k].lo > a && skip[k].lo < end) end = skip[k].lo;
            }
            if (jumped) continue;
            if ((end - a) / sizeof(unsigned long) > words) end = a + words * sizeof(unsigned long);
            errors += (long)memtest_words((volatile unsigned long *)a, (end - a) / sizeof(unsigned long), buf);
            a = end;
        }
        write_all(fd, errors ? "E" : "O", 1);
    }
    write_all(fd, "\n", 1);
    return errors;
}
