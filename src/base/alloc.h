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

#endif
