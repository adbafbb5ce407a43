/* bench_tmpl.c - request templates for the load generator.
 *
 * A request is encoded once. Each "__rand_int__" found inside an argument is
 * remembered by offset; since a 12-digit key number is exactly as long as the
 * placeholder, per-request substitution is an in-place overwrite and never moves
 * bytes or changes RESP lengths. Appending a request is one memcpy plus 12 digit
 * writes per placeholder. OutBuf grows by doubling (amortised O(1) append). */
#include "bench_tmpl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *tmpl_xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "Out of memory\n");
        abort();
    }
    return p;
}

void outbuf_reserve(OutBuf *b, size_t extra) {
    if (b->cap - b->len >= extra) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) cap *= 2;
    b->p = tmpl_xrealloc(b->p, cap);
    b->cap = cap;
}

void outbuf_append(OutBuf *b, const char *p, size_t len) {
    outbuf_reserve(b, len);
    memcpy(b->p + b->len, p, len);
    b->len += len;
}

void outbuf_free(OutBuf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static Tmpl *tmpl_new(void) {
    Tmpl *t = tmpl_xrealloc(NULL, sizeof(*t));
    memset(t, 0, sizeof(*t));
    return t;
}

static void tmpl_add_slot(Tmpl *t, size_t off) {
    t->slots = tmpl_xrealloc(t->slots, (t->nslots + 1) * sizeof(size_t));
    t->slots[t->nslots++] = off;
}

/* Records the placeholders of the argument just appended at offset start. */
static void tmpl_scan_arg(Tmpl *t, const char *arg, size_t len, size_t start) {
    size_t i = 0;
    while (i + TMPL_PLACEHOLDER_LEN <= len) {
        const char *hit = memmem(arg + i, len - i, TMPL_PLACEHOLDER, TMPL_PLACEHOLDER_LEN);
        if (!hit) break;
        size_t at = (size_t)(hit - arg);
        tmpl_add_slot(t, start + at);
        i = at + TMPL_PLACEHOLDER_LEN;
    }
}

Tmpl *tmpl_from_argv(int argc, const char **argv, const size_t *lens) {
    Tmpl *t = tmpl_new();
    OutBuf b = {0};
    char hdr[32];
    int n = snprintf(hdr, sizeof(hdr), "*%d\r\n", argc);
    outbuf_append(&b, hdr, (size_t)n);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        n = snprintf(hdr, sizeof(hdr), "$%zu\r\n", len);
        outbuf_append(&b, hdr, (size_t)n);
        size_t start = b.len;
        outbuf_append(&b, argv[i], len);
        outbuf_append(&b, "\r\n", 2);
        tmpl_scan_arg(t, argv[i], len, start);
    }
    t->bytes = b.p;
    t->len = b.len;
    return t;
}

Tmpl *tmpl_from_raw(const char *bytes, size_t len) {
    Tmpl *t = tmpl_new();
    t->bytes = tmpl_xrealloc(NULL, len);
    memcpy(t->bytes, bytes, len);
    t->len = len;
    tmpl_scan_arg(t, bytes, len, 0);
    return t;
}

void tmpl_free(Tmpl *t) {
    if (!t) return;
    free(t->bytes);
    free(t->slots);
    free(t);
}

static void tmpl_write_key(char *p, uint64_t key) {
    for (int i = TMPL_PLACEHOLDER_LEN - 1; i >= 0; i--) {
        p[i] = (char)('0' + key % 10);
        key /= 10;
    }
}

void tmpl_randomize(const Tmpl *t, char *dst, const KeyDist *keys, BenchRng *rng) {
    if (!keys) return;
    for (size_t i = 0; i < t->nslots; i++)
        tmpl_write_key(dst + t->slots[i], keydist_next(keys, rng));
}

void tmpl_append(const Tmpl *t, OutBuf *b, const KeyDist *keys, BenchRng *rng) {
    outbuf_reserve(b, t->len);
    char *dst = b->p + b->len;
    memcpy(dst, t->bytes, t->len);
    b->len += t->len;
    tmpl_randomize(t, dst, keys, rng);
}
