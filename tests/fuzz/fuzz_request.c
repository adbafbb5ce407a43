/* fuzz_request.c - libFuzzer target for the request parser (src/net/resp.c).
 *
 * Invariant checked: a byte stream parses the same whether it arrives in one read
 * or in random-size pieces. Both runs write what they see (each argument, each
 * end of command, the final error or "wait") into a log; the logs must be equal.
 * Chunked delivery copies the unconsumed bytes into an exactly-sized buffer per
 * call, as a server that drops consumed bytes would, so any read outside
 * [*pos, len) is an ASan report. Inputs of RESP_INLINE_MAX bytes or more are
 * skipped: there the "too big" errors depend on the read sizes, in Redis too.
 * Cost: O(n) per run for the whole parse, O(n^2 / chunk) for the copies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/resp.h"
#include "base/sds.h"

static void log_arg(void *ctx, const char *p, size_t len, long argc_total) {
    Sds *log = ctx;
    *log = sds_catprintf(*log, "A%zu/%ld:", len, argc_total);
    *log = sds_catlen(*log, p, len);
}

/* Parses everything buf holds from *pos; returns 1 when the stream ended in an error. */
static int parse_some(RespRequest *req, const char *buf, size_t len, size_t *pos, const RespLimits *lim, Sds *log) {
    for (;;) {
        const char *err = NULL;
        int r = resp_parse_request(req, buf, len, pos, lim, log_arg, log, &err);
        if (r == RESP_REQ_NEED_MORE) return 0;
        if (r == RESP_REQ_ERROR) {
            if (!err || strpbrk(err, "\r\n")) abort();
            *log = sds_catprintf(*log, "E%s", err);
            return 1;
        }
        *log = sds_cat(*log, "D");
    }
}

static Sds parse_whole(const uint8_t *data, size_t size, const RespLimits *lim) {
    RespRequest req;
    resp_request_reset(&req);
    Sds log = sds_empty();
    size_t pos = 0;
    if (!parse_some(&req, (const char *)data, size, &pos, lim, &log)) log = sds_cat(log, "W");
    return log;
}

/* The same stream in pieces of 1..64 bytes chosen by a xorshift seeded from seed. */
static Sds parse_chunked(const uint8_t *data, size_t size, const RespLimits *lim, uint32_t seed) {
    RespRequest req;
    resp_request_reset(&req);
    Sds log = sds_empty();
    size_t start = 0, end = 0; /* data[start..end) has arrived and is not consumed */
    uint32_t x = seed | 1;
    while (end < size) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        end += 1 + x % 64;
        if (end > size) end = size;
        size_t len = end - start, pos = 0;
        char *buf = malloc(len ? len : 1);
        memcpy(buf, data + start, len);
        int failed = parse_some(&req, buf, len, &pos, lim, &log);
        free(buf);
        if (pos > len) abort();
        start += pos;
        if (failed) return log;
    }
    return sds_cat(log, "W");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size >= RESP_INLINE_MAX) return 0;
    /* the first byte picks the limits and the chunk sizes */
    RespLimits lim = {(data[0] & 1) ? 100 : 512LL * 1024 * 1024, (data[0] & 2) == 0};
    uint32_t seed = data[0] * 2654435761u;
    data++, size--;
    Sds whole = parse_whole(data, size, &lim);
    Sds chunked = parse_chunked(data, size, &lim, seed);
    if (sds_len(whole) != sds_len(chunked) || memcmp(whole, chunked, sds_len(whole))) abort();
    sds_free(whole);
    sds_free(chunked);
    return 0;
}
