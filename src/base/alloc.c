/* alloc.c - allocator wrapper with memory accounting.
 *
 * Every allocation of the server goes through here so that used memory is known
 * exactly (INFO used_memory, maxmemory). The allocator is jemalloc, linked as the
 * system malloc; malloc_usable_size() gives the real size of each block, so the
 * accounting counts what the allocator hands out, not what was asked for.
 * An allocation failure calls the OOM handler, which by default aborts: the server
 * cannot go on safely with a half-applied command. Costs: one relaxed atomic add
 * per call on top of the allocator. */
#include "alloc.h"
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>

static _Atomic size_t used_memory;

static void default_oom(size_t size) {
    fprintf(stderr, "vesper: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}
static void (*oom_handler)(size_t) = default_oom;

void vmalloc_set_oom_handler(void (*handler)(size_t)) { oom_handler = handler; }

static inline void account_add(void *p) {
    atomic_fetch_add_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
}
static inline void account_sub(void *p) {
    atomic_fetch_sub_explicit(&used_memory, malloc_usable_size(p), memory_order_relaxed);
}

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
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p) oom_handler(size);
    size_t now = malloc_usable_size(p);
    if (now >= old) atomic_fetch_add_explicit(&used_memory, now - old, memory_order_relaxed);
    else atomic_fetch_sub_explicit(&used_memory, old - now, memory_order_relaxed);
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
size_t vmalloc_used(void) { return atomic_load_explicit(&used_memory, memory_order_relaxed); }

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

void *vmalloc_pages_try(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    atomic_fetch_add_explicit(&used_memory, size, memory_order_relaxed);
    return p;
}

void *vmalloc_pages(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        oom_handler(size);
        return NULL;
    }
    atomic_fetch_add_explicit(&used_memory, size, memory_order_relaxed);
    return p;
}

void vfree_pages(void *ptr, size_t size) {
    if (!ptr) return;
    munmap(ptr, size);
    atomic_fetch_sub_explicit(&used_memory, size, memory_order_relaxed);
}
