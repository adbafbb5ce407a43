/* splice.h - resizing a region inside a length-prefixed byte buffer, shared by the
 * listpack (listpack.c) and the fpack (fpack.c).
 *
 * Both keep their total size in a 32-bit header field (each in its own byte order)
 * and change their contents by making a run of bytes at some offset longer or
 * shorter. ds_splice does the move, the reallocation and the new total (through
 * the caller's own setter); the caller says what a too-large result means for it.
 *
 * Invariants: the bytes before off and after off + oldlen keep their values; the
 * allocation holds at least the new total. Cost: one memmove of the bytes after the
 * region, plus a realloc when growing past the allocation or when shrinking. */
#ifndef VESPER_DS_SPLICE_H
#define VESPER_DS_SPLICE_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../base/alloc.h"

/* Makes the `oldlen` bytes at offset `off` of `buf` (which holds `bytes` bytes in
 * use, off + oldlen <= bytes) become `newlen` bytes, their contents left to the
 * caller, stores the new total (bytes - oldlen + newlen) with `set_total` and
 * returns the buffer, which may have moved. Returns NULL, buf untouched, when that
 * total would not fit the 32-bit header field: the caller aborts with its own
 * message. */
static inline unsigned char *ds_splice(unsigned char *buf, size_t bytes, size_t off, size_t oldlen,
                                       size_t newlen, void (*set_total)(unsigned char *, size_t)) {
    size_t total = bytes - oldlen + newlen;
    if (total > UINT32_MAX) return NULL;
    if (total > bytes && total > vmalloc_size(buf)) buf = vrealloc(buf, total);
    memmove(buf + off + newlen, buf + off + oldlen, bytes - off - oldlen);
    if (total < bytes) buf = vrealloc(buf, total);
    set_total(buf, total);
    return buf;
}

#endif
