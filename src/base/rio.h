/* rio.h - a byte stream over a memory buffer or a file descriptor, with a running
 * CRC-64: what RDB files, DUMP payloads and AOF rewrites are written to and read
 * from, so the encoders do not care where the bytes go.
 *
 * Writers: an sds buffer that grows (DUMP, replication), or a file descriptor with
 * a write buffer and optional periodic fsync (RDB and AOF files).
 * Readers: a memory area (RESTORE payloads), or a file descriptor with a read buffer.
 * Every read and write updates the checksum when it is on (rio_checksum_start)
 * and counts the bytes; the first failure sticks (rio_error) and every later call
 * fails at once, so callers may check once at the end of a batch. */
#ifndef VESPER_RIO_H
#define VESPER_RIO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sds.h"

enum { RIO_BUFFER, RIO_MEM, RIO_FD };

typedef struct Rio {
    int kind;
    int error;                 /* sticky: 1 after a failed read/write/flush */
    int eof;                   /* a read ran past the end of the data */
    int checksum_on;
    int compress;              /* encoders may compress strings (rdbcompression) */
    uint64_t cksum;
    uint64_t processed;        /* bytes read or written so far */
    /* optional: called every progress_every bytes read (loading events) */
    void (*progress)(struct Rio *r);
    uint64_t progress_every, progress_next;
    union {
        struct { Sds s; } buf;
        struct { const unsigned char *p; size_t len, pos; } mem;
        struct {
            int fd;
            unsigned char *buf;
            size_t cap, used, pos;      /* write: used bytes; read: pos..used unread */
            size_t sync_every, since_sync; /* fsync after this many bytes written (0: never) */
            int writing;
        } fd;
    } io;
} Rio;

/* Writer into a new sds (take it with rio_take_buffer). */
void rio_init_buffer(Rio *r);
/* Reader over len bytes at p (not copied; must outlive the reader). */
void rio_init_mem(Rio *r, const void *p, size_t len);
/* Writer (writing=1) or reader over fd, with a 64 KB buffer. sync_every: bytes
 * between fsyncs while writing (0: never; the final flush does not fsync). */
void rio_init_fd(Rio *r, int fd, int writing, size_t sync_every);
/* Releases the buffers (not the fd). A writer must be flushed first. */
void rio_close(Rio *r);
/* The sds written so far (a buffer writer); the writer is left empty. */
Sds rio_take_buffer(Rio *r);

/* Returns 1, or 0 (and sets error / eof) when the bytes could not be moved. */
int rio_write(Rio *r, const void *p, size_t len);
int rio_read(Rio *r, void *p, size_t len);
/* Writes out the fd buffer; fsync as well when sync is set. 1 or 0. */
int rio_flush(Rio *r, int sync);

static inline void rio_checksum_start(Rio *r) {
    r->checksum_on = 1;
    r->cksum = 0;
}
static inline uint64_t rio_checksum(const Rio *r) { return r->cksum; }
static inline uint64_t rio_tell(const Rio *r) { return r->processed; }
static inline int rio_failed(const Rio *r) { return r->error || r->eof; }

#endif
