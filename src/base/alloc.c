/* alloc.c - allocator wrapper with memory accounting.
 *
 * Every allocation of the server goes through here so that used memory is known
 * exactly (INFO used_memory, maxmemory), counting what the allocator hands out
 * (usable sizes), not what was asked for.
 * With jemalloc (the default) the accounting is jemalloc's own: each thread's
 * cumulative allocated and deallocated byte counters (mallctl thread.allocatedp /
 * deallocatedp), which jemalloc keeps anyway, so an allocation costs nothing extra.
 * Threads that allocate register their counters (the main thread at load time,
 * others with vmalloc_thread_init); used memory is the sum over them, plus the pages
 * taken with vmalloc_pages. Everything a registered thread allocates through malloc
 * counts, not only what goes through vmalloc.
 * With libc malloc (sanitizer builds, or no jemalloc) each call adds or subtracts
 * malloc_usable_size() on an atomic counter.
 * An allocation failure calls the OOM handler, which by default aborts: the server
 * cannot go on safely with a half-applied command.
 * Active defragmentation (jemalloc only): vmalloc_defrag asks jemalloc's public
 * experimental.utilization.query about a pointer's slab and moves the allocation
 * when Redis's rule says so (see alloc.h); the Lua interpreters get a heap of
 * their own (an arena and thread cache), kept out of the allocator figures and
 * out of used memory (Redis's Lua allocates with libc, outside used_memory). */
#include "alloc.h"
#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>

static _Atomic size_t used_memory;        /* libc: everything; jemalloc: mmap'd pages */

#ifndef VESPER_LIBC_MALLOC
#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdint.h>

#define MAX_ACCOUNTED_THREADS 32

/* jemalloc's per-thread counters of the registered threads, and what exited
 * threads left (allocated - deallocated, may be negative). */
static struct {
    uint64_t *allocated, *deallocated;
} thread_counters[MAX_ACCOUNTED_THREADS];
static int nthreads;
static long long exited_balance;
/* The side heap's usable bytes: the thread counters count them too, and
 * vmalloc_used takes them back out (Redis's used_memory leaves Lua out). */
static _Atomic size_t side_used;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int thread_slot = -1;

void vmalloc_thread_init(void) {
    if (thread_slot >= 0) return;
    uint64_t *a, *d;
    size_t sz = sizeof(a);
    if (mallctl("thread.allocatedp", &a, &sz, NULL, 0) || mallctl("thread.deallocatedp", &d, &sz, NULL, 0)) return;
    pthread_mutex_lock(&threads_lock);
    if (nthreads < MAX_ACCOUNTED_THREADS) {
        thread_counters[nthreads].allocated = a;
        thread_counters[nthreads].deallocated = d;
        thread_slot = nthreads++;
    }
    pthread_mutex_unlock(&threads_lock);
}

void vmalloc_thread_exit(void) {
    if (thread_slot < 0) return;
    pthread_mutex_lock(&threads_lock);
    int i = thread_slot;
    exited_balance += (long long)(*thread_counters[i].allocated - *thread_counters[i].deallocated);
    thread_counters[i] = thread_counters[--nthreads];
    pthread_mutex_unlock(&threads_lock);
    thread_slot = -1;
}

__attribute__((constructor)) static void register_main_thread(void) { vmalloc_thread_init(); }

static inline void account_add(void *p) { (void)p; }
static inline void account_sub(void *p) { (void)p; }
static inline void account_resize(size_t old, size_t now) { (void)old; (void)now; }
static inline size_t old_size(void *p) { (void)p; return 0; }

size_t vmalloc_used(void) {
    long long total = exited_balance;
    for (int i = 0; i < nthreads; i++)
        total += (long long)(*thread_counters[i].allocated - *thread_counters[i].deallocated);
    total += (long long)atomic_load_explicit(&used_memory, memory_order_relaxed);
    total -= (long long)atomic_load_explicit(&side_used, memory_order_relaxed);
    return total > 0 ? (size_t)total : 0;
}
/* What jemalloc's experimental.utilization.query reports about the slab holding
 * a pointer and the bin (size class) of that slab, in jemalloc 5.3's layout. */
typedef struct SlabUtil {
    void *slabcur_addr;     /* the slab new allocations of this bin come from */
    size_t nfree, nregs;    /* free and total regions of the pointer's slab */
    size_t size;            /* the slab's bytes */
    size_t bin_nfree, bin_nregs; /* the same summed over the bin's slabs */
} SlabUtil;

static size_t util_mib[4];
static size_t util_miblen;
static int util_state; /* 0 unknown, 1 usable, -1 not available */

int vmalloc_defrag_supported(void) {
    if (util_state == 0) {
        util_miblen = sizeof(util_mib) / sizeof(util_mib[0]);
        util_state = mallctlnametomib("experimental.utilization.query", util_mib, &util_miblen) == 0 ? 1 : -1;
    }
    return util_state == 1;
}

/* Redis's decision: a region of a slab that is not full, not the current slab,
 * and used no more than the bin's average (with 12.5% slack, so that slabs all
 * equally used still drain into the current one). */
static int worth_moving(void *ptr) {
    SlabUtil u;
    size_t ulen = sizeof(u);
    if (mallctlbymib(util_mib, util_miblen, &u, &ulen, &ptr, sizeof(ptr)) != 0) return 0;
    if (u.nregs <= 1 || u.nfree == 0 || u.bin_nregs == 0) return 0; /* large or full */
    uintptr_t p = (uintptr_t)ptr, cur = (uintptr_t)u.slabcur_addr;
    if (cur && p >= cur && p < cur + u.size) return 0;
    size_t slabs = u.bin_nregs / u.nregs, used = u.bin_nregs - u.bin_nfree;
    return (u.nregs - u.nfree) * slabs <= used + used / 8;
}

static long long defrag_hits, defrag_misses;
static int defrag_force;

void vmalloc_defrag_set_force(int on) { defrag_force = on; }

void vmalloc_defrag_counts(long long *hits, long long *misses) {
    *hits = defrag_hits;
    *misses = defrag_misses;
}

void *vmalloc_defrag(void *ptr) {
    if (!ptr || !vmalloc_defrag_supported()) return NULL;
    if (!defrag_force && !worth_moving(ptr)) {
        defrag_misses++;
        return NULL;
    }
    defrag_hits++;
    size_t size = malloc_usable_size(ptr);
    void *n = mallocx(size, MALLOCX_TCACHE_NONE);
    if (!n) return NULL;
    memcpy(n, ptr, size);
    dallocx(ptr, MALLOCX_TCACHE_NONE);
    return n;
}

int vmalloc_ctl(const char *name, void *oldp, size_t *oldlen, void *newp, size_t newlen) {
    return mallctl(name, oldp, oldlen, newp, newlen);
}

void vmalloc_background_thread(int on) {
    bool b = on != 0;
    mallctl("background_thread", NULL, NULL, &b, sizeof(b));
}

static int side_arena = -1; /* the side heap's arena, once created */

/* The side heap's mallocx flags (arena and tcache created on first use), or 0 when
 * jemalloc refused them: plain realloc/free then, consistently. */
static int side_flags(void) {
    static int flags = -1;
    if (flags < 0) {
        unsigned arena, tcache;
        size_t sz = sizeof(unsigned);
        flags = 0;
        if (mallctl("arenas.create", &arena, &sz, NULL, 0) == 0) {
            sz = sizeof(unsigned);
            if (mallctl("tcache.create", &tcache, &sz, NULL, 0) == 0) {
                flags = MALLOCX_ARENA(arena) | MALLOCX_TCACHE(tcache);
                side_arena = (int)arena;
            }
        }
    }
    return flags;
}

/* One size_t statistic of the side heap's arena (0 when unknown). */
static size_t side_stat(const char *what) {
    char name[96];
    size_t v = 0, sz = sizeof(v);
    snprintf(name, sizeof(name), "stats.arenas.%d.%s", side_arena, what);
    if (mallctl(name, &v, &sz, NULL, 0) != 0) return 0;
    return v;
}

void *vmalloc_side_realloc(void *ptr, size_t size) {
    int f = side_flags();
    size_t before = ptr ? sallocx(ptr, 0) : 0;
    void *p = !f ? realloc(ptr, size) : ptr ? rallocx(ptr, size, f) : mallocx(size, f);
    if (p) {
        atomic_fetch_sub_explicit(&side_used, before, memory_order_relaxed);
        atomic_fetch_add_explicit(&side_used, sallocx(p, 0), memory_order_relaxed);
    }
    return p;
}

void vmalloc_side_free(void *ptr) {
    if (!ptr) return;
    int f = side_flags();
    atomic_fetch_sub_explicit(&side_used, sallocx(ptr, 0), memory_order_relaxed);
    if (!f) free(ptr);
    else dallocx(ptr, f);
}

int vmalloc_frag_info(size_t *allocated, size_t *active, size_t *resident) {
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch), vsz = sizeof(size_t);
    *allocated = *active = *resident = 0;
    if (mallctl("epoch", &epoch, &sz, &epoch, sz) != 0) return 0;
    if (mallctl("stats.allocated", allocated, &vsz, NULL, 0) != 0) return 0;
    vsz = sizeof(size_t);
    if (mallctl("stats.active", active, &vsz, NULL, 0) != 0) return 0;
    vsz = sizeof(size_t);
    if (mallctl("stats.resident", resident, &vsz, NULL, 0) != 0) return 0;
    if (side_arena >= 0) { /* Lua's heap is not the dataset's: left out, as Redis's Lua uses libc */
        size_t page = 4096, psz = sizeof(page);
        mallctl("arenas.page", &page, &psz, NULL, 0);
        size_t a = side_stat("small.allocated") + side_stat("large.allocated");
        size_t act = side_stat("pactive") * page, res = side_stat("resident");
        if (a <= *allocated && act <= *active && res <= *resident) {
            *allocated -= a;
            *active -= act;
            *resident -= res;
        }
    }
    return 1;
}
#else
int vmalloc_defrag_supported(void) { return 0; }
void *vmalloc_defrag(void *ptr) { (void)ptr; return NULL; }
void vmalloc_defrag_counts(long long *hits, long long *misses) { *hits = *misses = 0; }
void vmalloc_defrag_set_force(int on) { (void)on; }
int vmalloc_ctl(const char *name, void *oldp, size_t *oldlen, void *newp, size_t newlen) {
    (void)name; (void)oldp; (void)oldlen; (void)newp; (void)newlen;
    return -1;
}
void vmalloc_background_thread(int on) { (void)on; }
void *vmalloc_side_realloc(void *ptr, size_t size) { return realloc(ptr, size); }
void vmalloc_side_free(void *ptr) { free(ptr); }
int vmalloc_frag_info(size_t *allocated, size_t *active, size_t *resident) {
    *allocated = *active = *resident = 0;
    return 0;
}

void vmalloc_thread_init(void) {}
void vmalloc_thread_exit(void) {}

static inline void account_add(void *p) {
    atomic_fetch_add_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
}
static inline void account_sub(void *p) {
    atomic_fetch_sub_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
}
static inline void account_resize(size_t old, size_t now) {
    if (now >= old) atomic_fetch_add_explicit(&used_memory, now - old, memory_order_relaxed);
    else atomic_fetch_sub_explicit(&used_memory, old - now, memory_order_relaxed);
}
static inline size_t old_size(void *p) { return malloc_usable_size(p); }

size_t vmalloc_used(void) { return atomic_load_explicit(&used_memory, memory_order_relaxed); }
#endif

static void default_oom(size_t size) {
    fprintf(stderr, "vesper: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}
static void (*oom_handler)(size_t) = default_oom;

void vmalloc_set_oom_handler(void (*handler)(size_t)) { oom_handler = handler; }

void *vmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) oom_handler(size);
    account_add(p);
    return p;
}

void *vcalloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (!p) oom_handler(size);
    account_add(p);
    return p;
}

void *vrealloc(void *ptr, size_t size) {
    if (!ptr) return vmalloc(size);
    size_t old = old_size(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p) oom_handler(size);
    account_resize(old, old_size(p));
    return p;
}

void vfree(void *ptr) {
    if (!ptr) return;
    account_sub(ptr);
    free(ptr);
}

char *vstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = vmalloc(n);
    memcpy(p, s, n);
    return p;
}

size_t vmalloc_size(void *ptr) { return malloc_usable_size(ptr); }

size_t vmalloc_rss(void) {
    char buf[256];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    unsigned long size = 0, resident = 0;
    if (sscanf(buf, "%lu %lu", &size, &resident) != 2) return 0;
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

const char *vmalloc_lib(void) {
#ifdef VESPER_LIBC_MALLOC
    return "libc";
#else
    return "jemalloc-5.3.0";
#endif
}

/* LeakSanitizer scans the heap, stacks and globals for pointers, not mmap'd
 * pages: a big hash table's bucket array lives in such pages, so everything only
 * it points to (the keys of a large database) would be reported as leaked at
 * exit. Sanitizer builds register the pages as a root region while they live
 * (up to 256 MB: bigger ones are Bloom bitmaps and probes that hold no pointers,
 * and scanning them would touch every page). */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define PAGES_ROOT_MAX ((size_t)256 << 20)
#define PAGES_LIVE(p, size) do { if ((size) <= PAGES_ROOT_MAX) __lsan_register_root_region((p), (size)); } while (0)
#define PAGES_GONE(p, size) do { if ((size) <= PAGES_ROOT_MAX) __lsan_unregister_root_region((p), (size)); } while (0)
#else
#define PAGES_LIVE(p, size) ((void)(p), (void)(size))
#define PAGES_GONE(p, size) ((void)(p), (void)(size))
#endif

void *vmalloc_pages_try(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    atomic_fetch_add_explicit(&used_memory, size, memory_order_relaxed);
    PAGES_LIVE(p, size);
    return p;
}

void *vmalloc_pages(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        oom_handler(size);
        return NULL;
    }
    atomic_fetch_add_explicit(&used_memory, size, memory_order_relaxed);
    PAGES_LIVE(p, size);
    return p;
}

void vfree_pages(void *ptr, size_t size) {
    if (!ptr) return;
    PAGES_GONE(ptr, size);
    munmap(ptr, size);
    atomic_fetch_sub_explicit(&used_memory, size, memory_order_relaxed);
}
