/* bench_tmpl.h - request templates: a command encoded once, with the places where
 * __rand_int__ is rewritten per request, and a growable output buffer. */
#ifndef VESPER_BENCH_TMPL_H
#define VESPER_BENCH_TMPL_H
#include <stddef.h>
#include "bench_keys.h"

#define TMPL_PLACEHOLDER "__rand_int__"
#define TMPL_PLACEHOLDER_LEN 12

typedef struct Tmpl {
    char *bytes;            /* the encoded request, placeholders left in */
    size_t len;
    size_t *slots;          /* offsets of each placeholder inside bytes */
    size_t nslots;
} Tmpl;

/* RESP multibulk encoding of argv (lens may be NULL: strlen). */
Tmpl *tmpl_from_argv(int argc, const char **argv, const size_t *lens);
/* Raw bytes sent as given (the inline PING test). */
Tmpl *tmpl_from_raw(const char *bytes, size_t len);
void tmpl_free(Tmpl *t);

typedef struct OutBuf {
    char *p;
    size_t len, cap;
} OutBuf;

void outbuf_reserve(OutBuf *b, size_t extra);
void outbuf_append(OutBuf *b, const char *p, size_t len);
void outbuf_free(OutBuf *b);

/* Appends one request. With keys non-NULL every placeholder becomes a fresh
 * 12-digit zero-padded key number drawn from keys; with NULL they stay literal
 * (redis-benchmark without -r). */
void tmpl_append(const Tmpl *t, OutBuf *b, const KeyDist *keys, BenchRng *rng);
/* Rewrites the placeholders of a copy of t already at dst (same bytes). */
void tmpl_randomize(const Tmpl *t, char *dst, const KeyDist *keys, BenchRng *rng);

#endif
