/* rio.c - byte streams for RDB, DUMP and AOF (see rio.h).
 * Invariants: after a failure, error or eof stays set and no further bytes move; the
 * checksum covers exactly the bytes moved while checksum_on was set.
 * Costs: a memcpy per call; the fd kind makes one system call per 64 KB. */
#include "rio.h"
#include "alloc.h"
#include "crc64.h"
#include "util.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define RIO_FD_BUFSIZE (64 * 1024)

static void account(Rio *r, const void *p, size_t len) {
    (void)p;
    r->processed += len;
    if (r->progress && r->processed >= r->progress_next) {
        r->progress_next = r->processed + r->progress_every;
        r->progress(r);
    }
}

/* Where the bytes not yet covered by the CRC end: the read position of a reader,
 * what a writer holds. */
static size_t crc_limit(const Rio *r) {
    if (r->kind == RIO_MEM) return r->io.mem.pos;
    if (r->kind == RIO_BUFFER) return sds_len(r->io.buf.s);
    return r->io.fd.writing ? r->io.fd.used : r->io.fd.pos;
}

static const unsigned char *crc_base(const Rio *r) {
    if (r->kind == RIO_MEM) return r->io.mem.p;
    if (r->kind == RIO_BUFFER) return (const unsigned char *)r->io.buf.s;
    return r->io.fd.buf;
}

/* Folds the bytes moved since the last fold into the CRC. */
static void crc_fold(Rio *r) {
    size_t end = crc_limit(r);
    if (r->checksum_on && end > r->crc_from) r->cksum = crc64(r->cksum, crc_base(r) + r->crc_from, end - r->crc_from);
    r->crc_from = end;
}

void rio_checksum_start(Rio *r) {
    r->checksum_on = 1;
    r->cksum = 0;
    r->crc_from = crc_limit(r);
}

uint64_t rio_checksum(Rio *r) {
    crc_fold(r);
    return r->cksum;
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
    crc_fold(r);
    Sds s = r->io.buf.s;
    r->io.buf.s = sds_empty();
    r->crc_from = 0;
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
    crc_fold(r);
    if (r->io.fd.used && !fd_write_all(r, r->io.fd.buf, r->io.fd.used)) return 0;
    r->io.fd.used = 0;
    r->crc_from = 0;
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
            if (r->checksum_on) r->cksum = crc64(r->cksum, p, len); /* never in the buffer */
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
    crc_fold(r); /* the consumed bytes, before the buffer is overwritten */
    for (;;) {
        ssize_t n = read(r->io.fd.fd, r->io.fd.buf, r->io.fd.cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) r->error = 1;
        if (n == 0) r->eof = 1;
        if (n <= 0) return 0;
        r->io.fd.pos = 0;
        r->io.fd.used = (size_t)n;
        r->crc_from = 0;
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

long rio_read_line(Rio *r, char *buf, size_t cap) {
    size_t n = 0;
    while (n + 1 < cap) {
        char c;
        if (!rio_read(r, &c, 1)) return n == 0 && r->eof && !r->error ? 0 : -1;
        buf[n++] = c;
        if (c == '\n') {
            buf[n] = '\0';
            return (long)n;
        }
    }
    buf[n] = '\0';
    return -1;
}

int rio_write_bulk_count(Rio *r, char prefix, long long n) {
    char buf[32];
    buf[0] = prefix;
    int len = 1 + ll2string(buf + 1, sizeof(buf) - 3, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    return rio_write(r, buf, (size_t)len);
}

int rio_write_bulk_string(Rio *r, const void *p, size_t len) {
    return rio_write_bulk_count(r, '$', (long long)len) && (len == 0 || rio_write(r, p, len)) && rio_write(r, "\r\n", 2);
}

int rio_write_bulk_ll(Rio *r, long long v) {
    char buf[32];
    int len = ll2string(buf, sizeof(buf), v);
    return rio_write_bulk_string(r, buf, (size_t)len);
}
