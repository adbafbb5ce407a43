/* memtest.h - the crash report's fast memory test (crash-memcheck-enabled): a
 * non-destructive pattern test of the process's own anonymous writable memory, so
 * a crash caused by bad RAM says so.
 *
 * Every region is tested a chunk at a time: the chunk is copied aside, filled and
 * checked with several patterns (its own addresses and their complement, a
 * pseudo-random sequence, alternating bits, all ones), then copied back. Only the
 * chunk loop runs while a chunk holds a pattern, so nothing else reads it; other
 * threads must be stopped by the caller. Everything is async-signal-safe (raw
 * read/write, no allocation). Costs: a few passes over every anonymous writable
 * mapping, about a second per few hundred MB; pages never touched before are
 * faulted in (the process is dying anyway). */
#ifndef VESPER_MEMTEST_H
#define VESPER_MEMTEST_H
#include <stddef.h>
#include <stdint.h>

typedef struct MemRange {
    uintptr_t lo, hi;            /* [lo, hi) */
} MemRange;

/* Tests words at p with the patterns and restores them (save: room for words).
 * Returns the number of mismatches. */
size_t memtest_words(volatile unsigned long *p, size_t words, volatile unsigned long *save);
/* One /proc/self/maps line ("lo-hi perms offset dev inode path", no newline): 1 with
 * [*lo, *hi) when it is an anonymous writable mapping the test may touch (the main
 * stack, vdso, vvar and vsyscall are not). */
int memtest_maps_line(const char *line, uintptr_t *lo, uintptr_t *hi);
/* Tests every such mapping of the process except the skip ranges, the mapping that
 * holds the caller's stack and the pages around the caller's TLS block and thread
 * control block (the kernel writes the rseq area there), through buf (chunk bytes,
 * a multiple of the word size; its own range must be in skip). Writes Redis's
 * "*** Preparing to test memory region <hex> (<n> bytes)" lines, then one '.' and
 * 'O' (or 'E' once errors were found) per region, to fd. Returns the number of
 * mismatches, or -1 when /proc/self/maps cannot be read. */
long memtest_process(int fd, const MemRange *skip, int nskip, unsigned long *buf, size_t chunk);

#endif
