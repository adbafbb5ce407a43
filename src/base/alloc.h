/* alloc.h - allocator wrapper with memory accounting (jemalloc underneath). */
#ifndef VESPER_ALLOC_H
#define VESPER_ALLOC_H
#include <stddef.h>

void *vmalloc(size_t size);
void *vcalloc(size_t size);
void *vrealloc(void *ptr, size_t size);
void vfree(void *ptr);
char *vstrdup(const char *s);
size_t vmalloc_size(void *ptr);          /* usable size of an allocation */
size_t vmalloc_used(void);               /* bytes currently allocated (see alloc.c) */
/* A thread that allocates registers for the accounting before its first allocation,
 * and, if it ends, calls vmalloc_thread_exit (the main thread is registered). */
void vmalloc_thread_init(void);
void vmalloc_thread_exit(void);
size_t vmalloc_rss(void);                /* resident set size of the process */
const char *vmalloc_lib(void);           /* allocator name for INFO */
void vmalloc_set_oom_handler(void (*handler)(size_t));
/* Big zeroed blocks straight from the kernel (mmap), returned to it on free, so a
 * resized hash table gives its old memory back at once. Counted in vmalloc_used. */
void *vmalloc_pages(size_t size);
/* The same, but returns NULL instead of calling the OOM handler. */
void *vmalloc_pages_try(size_t size);
void vfree_pages(void *ptr, size_t size);

/* Active defragmentation support (jemalloc only; with libc malloc every call says
 * "not supported" / "don't move").
 * vmalloc_defrag_supported: 1 when the allocator can tell where an allocation sits.
 * vmalloc_defrag: moves ptr when its slab is less used than the average slab of its
 * size class (Redis's rule: not the slab new allocations come from, not a full slab,
 * utilisation at most 1.125 times the bin average), bypassing the thread cache so
 * the freed region really leaves its slab. Returns the new address (contents copied,
 * ptr freed) or NULL when it stays (ptr untouched). ptr must come from vmalloc and
 * belong to the calling (main) thread's data.
 * vmalloc_frag_info: the allocator's allocated / active / resident bytes, freshly
 * refreshed (jemalloc's stats epoch), without the side heap's arena (below); 0
 * when unknown. */
int vmalloc_defrag_supported(void);
void *vmalloc_defrag(void *ptr);
/* A heap apart for the Lua interpreters (its own jemalloc arena and thread cache),
 * as Redis keeps Lua out of its allocator: script allocations never share slabs
 * with the keyspace, so the keyspace's fragmentation stays repairable by active
 * defragmentation. realloc semantics (size > 0); main thread only. Left out of
 * vmalloc_used, as Redis's used_memory leaves Lua out (INFO used_memory_lua
 * reports it). libc builds: plain realloc/free, which vmalloc_used never counts. */
void *vmalloc_side_realloc(void *ptr, size_t size);
void vmalloc_side_free(void *ptr);
/* Testing (DEBUG DEFRAG-FORCE): vmalloc_defrag moves every allocation it is given. */
void vmalloc_defrag_set_force(int on);
/* Moves made and refused by vmalloc_defrag since start (main thread only). */
void vmalloc_defrag_counts(long long *hits, long long *misses);
/* jemalloc's mallctl (DEBUG MALLCTL): 0 or an errno value; -1 without jemalloc. */
int vmalloc_ctl(const char *name, void *oldp, size_t *oldlen, void *newp, size_t newlen);
/* jemalloc-bg-thread: on, jemalloc purges unused dirty pages from its own
 * background thread instead of inside frees on the calling thread (Redis's
 * default); off, inline. No effect without jemalloc. */
void vmalloc_background_thread(int on);
int vmalloc_frag_info(size_t *allocated, size_t *active, size_t *resident);

#endif
