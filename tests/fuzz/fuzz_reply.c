/* fuzz_reply.c - libFuzzer target for the reply reader and resp_skip_reply
 * (src/net/resp.c).
 *
 * Invariants checked: the reader gives the same values and the same final state
 * (error or waiting) fed whole as fed in random-size pieces; resp_skip_reply
 * agrees with the reader on every reply's length (attributes before a value
 * count with it) and on where the stream turns malformed; a ":" line is a
 * valid integer exactly when string2ll says so. Cost: O(n^2) worst case, as the
 * reader re-walks a reply that arrives in pieces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/resp.h"
#include "base/sds.h"
#include "base/util.h"

/* Appends a printable description of v (type, scalars, text, children) to log. */
static Sds log_value(Sds log, const RespValue *v) {
    log = sds_catprintf(log, "(%d %lld %zu %s %zu:", (int)v->type, v->integer, v->len, v->vtype, v->elements);
    if (v->str) log = sds_catlen(log, v->str, v->len);
    for (size_t i = 0; i < v->elements; i++) log = log_value(log, v->element[i]);
    return sds_cat(log, ")");
}

/* Takes every complete value out of r; returns -1 on error, else 0. lens gets
 * the bytes of each reply as resp_skip_reply counts them. */
static int drain(RespReader *r, Sds *log, Sds *lens, size_t *consumed, size_t *since) {
    RespValue *v;
    int rc;
    while ((rc = resp_reader_next(r, &v)) == 1) {
        *log = log_value(*log, v);
        if (v->type != RESP_ATTR) {
            *lens = sds_catprintf(*lens, "%zu,", *consumed - resp_reader_pending(r) - *since);
            *since = *consumed - resp_reader_pending(r);
        }
        resp_value_free(v);
    }
    return rc;
}

static Sds read_stream(const uint8_t *data, size_t size, uint32_t seed, Sds *lens) {
    RespReader *r = resp_reader_create();
    Sds log = sds_empty();
    size_t fed = 0, since = 0;
    uint32_t x = seed | 1;
    int rc = 0;
    while (fed < size && rc == 0) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t n = seed ? 1 + x % 32 : size;
        if (n > size - fed) n = size - fed;
        resp_reader_feed(r, (const char *)data + fed, n);
        fed += n;
        rc = drain(r, &log, lens, &fed, &since);
    }
    log = sds_cat(log, rc < 0 ? "ERROR" : "WAIT");
    resp_reader_free(r);
    return log;
}

/* The reply lengths resp_skip_reply finds, in the same format, and its end state. */
static Sds skip_stream(const uint8_t *data, size_t size) {
    Sds lens = sds_empty();
    size_t pos = 0;
    long n;
    while ((n = resp_skip_reply((const char *)data + pos, size - pos)) > 0) {
        lens = sds_catprintf(lens, "%ld,", n);
        pos += (size_t)n;
    }
    return sds_cat(lens, n < 0 ? "ERROR" : "WAIT");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint32_t seed = data[0] * 2654435761u;
    data++, size--;
    Sds lens1 = sds_empty(), lens2 = sds_empty();
    Sds whole = read_stream(data, size, 0, &lens1);
    Sds chunked = read_stream(data, size, seed, &lens2);
    Sds skipped = skip_stream(data, size);
    lens1 = sds_cat(lens1, !strcmp(whole + sds_len(whole) - 5, "ERROR") ? "ERROR" : "WAIT");
    if (sds_len(whole) != sds_len(chunked) || memcmp(whole, chunked, sds_len(whole))) abort();
    if (strcmp(lens1, skipped)) abort();
    const char *cr = size > 0 && data[0] == ':' ? memchr(data, '\r', size) : NULL;
    if (cr && cr + 1 < (const char *)data + size && cr[1] == '\n' && !memchr(data, '\n', (size_t)(cr - (const char *)data))) {
        long long ll;
        int ok = string2ll((const char *)data + 1, (size_t)(cr - (const char *)data) - 1, &ll);
        if (ok != (resp_skip_reply((const char *)data, size) > 0)) abort();
    }
    sds_free(lens1), sds_free(lens2), sds_free(whole), sds_free(chunked), sds_free(skipped);
    return 0;
}
