/* sds.h - binary-safe, length-prefixed dynamic strings.
 * An Sds is a char* pointing at the bytes, always NUL-terminated, with a small
 * header in front holding length and capacity. */
#ifndef VESPER_SDS_H
#define VESPER_SDS_H
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef char *Sds;

#define SDS_T8 0
#define SDS_T16 1
#define SDS_T32 2
#define SDS_T64 3
#define SDS_TYPE_MASK 3

struct __attribute__((packed)) SdsHdr8 { uint8_t len; uint8_t alloc; uint8_t flags; };
struct __attribute__((packed)) SdsHdr16 { uint16_t len; uint16_t alloc; uint8_t flags; };
struct __attribute__((packed)) SdsHdr32 { uint32_t len; uint32_t alloc; uint8_t flags; };
struct __attribute__((packed)) SdsHdr64 { uint64_t len; uint64_t alloc; uint8_t flags; };

static inline size_t sds_len(const Sds s) {
    switch (s[-1] & SDS_TYPE_MASK) {
    case SDS_T8: return ((struct SdsHdr8 *)(s - sizeof(struct SdsHdr8)))->len;
    case SDS_T16: return ((struct SdsHdr16 *)(s - sizeof(struct SdsHdr16)))->len;
    case SDS_T32: return ((struct SdsHdr32 *)(s - sizeof(struct SdsHdr32)))->len;
    default: return ((struct SdsHdr64 *)(s - sizeof(struct SdsHdr64)))->len;
    }
}

Sds sds_newlen(const void *init, size_t len);   /* init may be NULL: zero-filled */
Sds sds_new(const char *cstr);
Sds sds_empty(void);
Sds sds_dup(const Sds s);
void sds_free(Sds s);
size_t sds_alloc(const Sds s);                  /* capacity, excluding header and NUL */
size_t sds_avail(const Sds s);
size_t sds_alloc_size(const Sds s);             /* whole allocation in bytes */
void sds_setlen(Sds s, size_t len);             /* also writes the NUL */
Sds sds_make_room(Sds s, size_t addlen);        /* grows greedily */
Sds sds_make_room_exact(Sds s, size_t addlen);
Sds sds_catlen(Sds s, const void *t, size_t len);
Sds sds_cat(Sds s, const char *t);
Sds sds_catsds(Sds s, const Sds t);
Sds sds_cpylen(Sds s, const char *t, size_t len);
Sds sds_catvprintf(Sds s, const char *fmt, va_list ap);
Sds sds_catprintf(Sds s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Sds sds_catrepr(Sds s, const char *p, size_t len); /* quoted, escaped form */
Sds sds_growzero(Sds s, size_t len);            /* grow to len, zero-filling */
Sds sds_fromll(long long v);
Sds sds_remove_free(Sds s);                     /* shrink capacity to length */
Sds sds_resize(Sds s, size_t cap);              /* capacity cap (at least the length) */
void sds_range(Sds s, long start, long end);    /* inclusive, negative from end */
void sds_trim(Sds s, const char *cset);
void sds_tolower(Sds s);
void sds_toupper(Sds s);
void sds_clear(Sds s);
int sds_cmp(const Sds a, const Sds b);
void sds_incrlen(Sds s, long incr);
/* Split a line into arguments honouring quotes as redis-cli and the config file do.
 * Returns NULL on unbalanced quotes. */
Sds *sds_splitargs(const char *line, int *argc);
Sds *sds_splitlen(const char *s, size_t len, const char *sep, size_t seplen, int *count);
void sds_freesplit(Sds *tokens, int count);
/* Active defragmentation: moves s when the allocator says it is worth it
 * (vmalloc_defrag); returns the new Sds (s is then freed) or NULL (s unchanged).
 * Only for a heap sds, never an embedded one. */
Sds sds_defrag(Sds s);
/* Bytes for an embedded sds holding len bytes (header, bytes, NUL) with type chosen by len. */
size_t sds_embedded_size(size_t len);
/* Build an sds in place at buf (which has sds_embedded_size(len) bytes); returns the Sds. */
Sds sds_init_embedded(void *buf, const void *init, size_t len);

#endif
