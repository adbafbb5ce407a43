/* rio.c - byte streams for RDB, DUMP and AOF (see rio.h).
 * Invariants: after a failure, error or eof stays set and no further bytes move; the
 * checksum covers exactly the bytes moved while checksum_on was set.
 * Costs: a memcpy per call; the fd kind makes one system call per 64 KB. */
#include "rio.h"
#include "alloc.h"
#include "crc64.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define RIO_FD_BUFSIZE (64 * 1024)

static void account(Rio *r, const void *p, size_t len) {
    if (r->checksum_on) r->cksum = crc64(r->cksum, p, len);
    r->processed += len;
    if (r->progress && r->processed >= r->progress_next) {
        r->progress_next = r->processed + r->progress_every;
        r->progress(r);
    }
}

void rio_init_buffer(Rio *r) {
    memset(r, 0, sizeof(*r));
    r->kind = RIO_BUFFER;
    r->io.buf.s = sds_empty();
}

void rio_init_mem(Rio *r, const void *p, size_t len) {
    memset(r, 0, sizeof(*r));
    r->kind = RIO_MEM;
    r->io.mem.p = p;
    r->io.mem.len = len;
}

void rio_init_fd(Rio *r, int fd, int writing, size_t sync_every) {
    memset(r, 0, sizeof(*r));
    r->kind = RIO_FD;
    r->io.fd.fd = fd;
    r->io.fd.writing = writing;
    r->io.fd.cap = RIO_FD_BUFSIZE;
    r->io.fd.buf = vmalloc(RIO_FD_BUFSIZE);
    r->io.fd.sync_every = sync_every;
}

void rio_close(Rio *r) {
    if (r->kind == RIO_BUFFER) {
        sds_free(r->io.buf.s);
        r->io.buf.s = NULL;
    } else if (r->kind == RIO_FD) {
        vfree(r->io.fd.buf);
        r->io.fd.buf = NULL;
    }
}

Sds rio_take_buffer(Rio *r) {
    Sds s = r->io.buf.s;
    r->io.buf.s = sds_empty();
    return s;
}

static int fd_write_all(Rio *r, const unsigned char *p, size_t len) {
    while (len) {
        ssize_t n = write(r->io.fd.fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            r->error = 1;
            return 0;
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

int rio_flush(Rio *r, int sync) {
    if (r->error) return 0;
    if (r->kind != RIO_FD || !r->io.fd.writing) return 1;
    if (r->io.fd.used && !fd_write_all(r, r->io.fd.buf, r->io.fd.used)) return 0;
    r->io.fd.used = 0;
    if (sync && fsync(r->io.fd.fd) == -1) {
        r->error = 1;
        return 0;
    }
    return 1;
}

static int fd_write(Rio *r, const unsigned char *p, size_t len) {
    if (r->io.fd.used + len > r->io.fd.cap) {
        if (!rio_flush(r, 0)) return 0;
        if (len >= r->io.fd.cap) {
            if (!fd_write_all(r, p, len)) return 0;
            goto written;
        }
    }
    memcpy(r->io.fd.buf + r->io.fd.used, p, len);
    r->io.fd.used += len;
written:
    if (r->io.fd.sync_every) {
        r->io.fd.since_sync += len;
        if (r->io.fd.since_sync >= r->io.fd.sync_every) {
            r->io.fd.since_sync = 0;
            if (!rio_flush(r, 1)) return 0;
        }
    }
    return 1;
}

int rio_write(Rio *r, const void *p, size_t len) {
    if (r->error) return 0;
    if (r->kind == RIO_BUFFER) r->io.buf.s = sds_catlen(r->io.buf.s, p, len);
    else if (r->kind == RIO_FD && r->io.fd.writing) {
        if (!fd_write(r, p, len)) return 0;
    } else {
        r->error = 1;
        return 0;
    }
    account(r, p, len);
    return 1;
}

/* Refills the read buffer; 0 at end of file or on error. */
static int fd_fill(Rio *r) {
    for (;;) {
        ssize_t n = read(r->io.fd.fd, r->io.fd.buf, r->io.fd.cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) r->error = 1;
        if (n == 0) r->eof = 1;
        if (n <= 0) return 0;
        r->io.fd.pos = 0;
        r->io.fd.used = (size_t)n;
        return 1;
    }
}

int rio_read(Rio *r, void *p, size_t len) {
    if (r->error || r->eof) return 0;
    unsigned char *out = p;
    size_t want = len;
    if (r->kind == RIO_MEM) {
        if (r->io.mem.len - r->io.mem.pos < len) {
            r->eof = 1;
            return 0;
        }
        memcpy(out, r->io.mem.p + r->io.mem.pos, len);
        r->io.mem.pos += len;
    } else if (r->kind == RIO_FD && !r->io.fd.writing) {
        while (want) {
            if (r->io.fd.pos == r->io.fd.used && !fd_fill(r)) return 0;
            size_t k = r->io.fd.used - r->io.fd.pos;
            if (k > want) k = want;
            memcpy(out, r->io.fd.buf + r->io.fd.pos, k);
            r->io.fd.pos += k;
            out += k;
            want -= k;
        }
    } else {
        r->error = 1;
        return 0;
    }
    account(r, p, len);
    return 1;
}
