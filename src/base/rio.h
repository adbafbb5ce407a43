/* rio.h - a byte stream over a memory buffer or a file descriptor, with a running
 * CRC-64: what RDB files, DUMP payloads and AOF rewrites are written to and read
 * from, so the encoders do not care where the bytes go.
 *
 * Writers: an sds buffer that grows (DUMP, replication), or a file descriptor with
 * a write buffer and optional periodic fsync (RDB and AOF files).
 * Readers: a memory area (RESTORE payloads), or a file descriptor with a read buffer.
 * Every read and write counts the bytes and, when the checksum is on
 * (rio_checksum_start), is covered by it: the CRC is computed over whole buffers
 * (when a read buffer refills, a write buffer flushes, or the value is asked for),
 * not per call, so the many tiny reads of RDB loading cost no CRC call each. The
 * first failure sticks (rio_error) and every later call fails at once, so callers
 * may check once at the end of a batch. */
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
    uint64_t cksum;            /* covers the bytes before crc_from (see rio_checksum) */
    size_t crc_from;           /* buffer / mem offset where the uncovered bytes start */
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
/* Reads one line ending with '\n' into buf (at most cap - 1 bytes, NUL-terminated).
 * Returns its length including the '\n'; 0 at a clean end of input (nothing read);
 * -1 on a read error, a line longer than cap - 1 bytes, or input ending inside the
 * line (eof is then set). For line-based formats (AOF) read through a Rio. */
long rio_read_line(Rio *r, char *buf, size_t cap);
/* RESP framing for command streams (AOF rewrites): "*<n>\r\n" (prefix '*'), and
 * bulk strings "$<len>\r\n<bytes>\r\n" from bytes or an integer. 1, or 0. */
int rio_write_bulk_count(Rio *r, char prefix, long long n);
int rio_write_bulk_string(Rio *r, const void *p, size_t len);
int rio_write_bulk_ll(Rio *r, long long v);
/* Writes out the fd buffer; fsync as well when sync is set. 1 or 0. */
int rio_flush(Rio *r, int sync);

/* Starts checksumming at the current position (CRC-64 from 0). */
void rio_checksum_start(Rio *r);
/* The CRC-64 of the bytes moved since rio_checksum_start. */
uint64_t rio_checksum(Rio *r);
static inline uint64_t rio_tell(const Rio *r) { return r->processed; }
static inline int rio_failed(const Rio *r) { return r->error || r->eof; }

#endif
