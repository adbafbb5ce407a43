/* sds.c - binary-safe dynamic strings.
 *
 * Layout: [header][bytes][NUL]. The header's last byte (s[-1]) holds the header
 * type in its low two bits; the type is the smallest that can hold the capacity,
 * so short strings pay 3 bytes of header. Invariants: len <= alloc, s[len] == 0.
 * Appending grows the capacity geometrically (doubling up to 1 MB, then +1 MB),
 * so n appends cost O(n) amortised. */
#include "sds.h"
#include "alloc.h"
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SDS_PREALLOC_MAX (1024 * 1024)

static inline int hdr_size(int type) {
    switch (type) {
    case SDS_T8: return sizeof(struct SdsHdr8);
    case SDS_T16: return sizeof(struct SdsHdr16);
    case SDS_T32: return sizeof(struct SdsHdr32);
    default: return sizeof(struct SdsHdr64);
    }
}

static inline int type_for(size_t cap) {
    if (cap < 256) return SDS_T8;
    if (cap < 65536) return SDS_T16;
    if (cap <= UINT32_MAX) return SDS_T32;
    return SDS_T64;
}

static inline void set_fields(Sds s, int type, size_t len, size_t cap) {
    switch (type) {
    case SDS_T8: { struct SdsHdr8 *h = (void *)(s - sizeof(*h)); h->len = len; h->alloc = cap; break; }
    case SDS_T16: { struct SdsHdr16 *h = (void *)(s - sizeof(*h)); h->len = len; h->alloc = cap; break; }
    case SDS_T32: { struct SdsHdr32 *h = (void *)(s - sizeof(*h)); h->len = len; h->alloc = cap; break; }
    default: { struct SdsHdr64 *h = (void *)(s - sizeof(*h)); h->len = len; h->alloc = cap; break; }
    }
}

size_t sds_alloc(const Sds s) {
    switch (s[-1] & SDS_TYPE_MASK) {
    case SDS_T8: return ((struct SdsHdr8 *)(s - sizeof(struct SdsHdr8)))->alloc;
    case SDS_T16: return ((struct SdsHdr16 *)(s - sizeof(struct SdsHdr16)))->alloc;
    case SDS_T32: return ((struct SdsHdr32 *)(s - sizeof(struct SdsHdr32)))->alloc;
    default: return ((struct SdsHdr64 *)(s - sizeof(struct SdsHdr64)))->alloc;
    }
}

size_t sds_avail(const Sds s) { return sds_alloc(s) - sds_len(s); }

size_t sds_alloc_size(const Sds s) {
    return vmalloc_size(s - hdr_size(s[-1] & SDS_TYPE_MASK));
}

void sds_setlen(Sds s, size_t len) {
    set_fields(s, s[-1] & SDS_TYPE_MASK, len, sds_alloc(s));
    s[len] = '\0';
}

void sds_incrlen(Sds s, long incr) { sds_setlen(s, (size_t)((long)sds_len(s) + incr)); }

static Sds sds_create(const void *init, size_t len, size_t cap) {
    int type = type_for(cap);
    int hs = hdr_size(type);
    char *mem = vmalloc(hs + cap + 1);
    /* use whatever the allocator gave us beyond the request, within the type's range */
    size_t usable = vmalloc_size(mem) - hs - 1;
    if (usable > cap) {
        size_t lim = type == SDS_T8 ? 255 : type == SDS_T16 ? 65535 : type == SDS_T32 ? UINT32_MAX : SIZE_MAX;
        cap = usable < lim ? usable : lim;
    }
    Sds s = mem + hs;
    s[-1] = (char)type;
    set_fields(s, type, len, cap);
    if (init) memcpy(s, init, len);
    else memset(s, 0, len);
    s[len] = '\0';
    return s;
}

Sds sds_newlen(const void *init, size_t len) { return sds_create(init, len, len); }
Sds sds_new(const char *cstr) { return sds_newlen(cstr, cstr ? strlen(cstr) : 0); }
Sds sds_empty(void) { return sds_newlen("", 0); }
Sds sds_dup(const Sds s) { return sds_newlen(s, sds_len(s)); }

void sds_free(Sds s) {
    if (!s) return;
    vfree(s - hdr_size(s[-1] & SDS_TYPE_MASK));
}

Sds sds_defrag(Sds s) {
    if (!s) return NULL;
    int h = hdr_size(s[-1] & SDS_TYPE_MASK);
    char *moved = vmalloc_defrag(s - h);
    return moved ? moved + h : NULL;
}

size_t sds_embedded_size(size_t len) { return hdr_size(type_for(len)) + len + 1; }

Sds sds_init_embedded(void *buf, const void *init, size_t len) {
    int type = type_for(len);
    Sds s = (char *)buf + hdr_size(type);
    s[-1] = (char)type;
    set_fields(s, type, len, len);
    if (init) memcpy(s, init, len);
    s[len] = '\0';
    return s;
}

static Sds resize(Sds s, size_t newcap) {
    size_t len = sds_len(s);
    int oldtype = s[-1] & SDS_TYPE_MASK;
    int type = type_for(newcap);
    if (type == oldtype) {
        int hs = hdr_size(type);
        char *mem = vrealloc(s - hs, hs + newcap + 1);
        size_t usable = vmalloc_size(mem) - hs - 1;
        size_t lim = type == SDS_T8 ? 255 : type == SDS_T16 ? 65535 : type == SDS_T32 ? UINT32_MAX : SIZE_MAX;
        if (usable > newcap) newcap = usable < lim ? usable : lim;
        s = mem + hs;
        set_fields(s, type, len, newcap);
        return s;
    }
    Sds n = sds_create(NULL, 0, newcap);
    memcpy(n, s, len);
    sds_setlen(n, len);
    sds_free(s);
    return n;
}

Sds sds_make_room(Sds s, size_t addlen) {
    size_t len = sds_len(s);
    if (sds_alloc(s) - len >= addlen) return s;
    size_t need = len + addlen;
    size_t cap = need < SDS_PREALLOC_MAX ? need * 2 : need + SDS_PREALLOC_MAX;
    return resize(s, cap);
}

Sds sds_make_room_exact(Sds s, size_t addlen) {
    size_t len = sds_len(s);
    if (sds_alloc(s) - len >= addlen) return s;
    return resize(s, len + addlen);
}

Sds sds_resize(Sds s, size_t cap) {
    if (cap < sds_len(s)) cap = sds_len(s);
    return resize(s, cap);
}

Sds sds_remove_free(Sds s) {
    if (sds_avail(s) == 0) return s;
    Sds n = sds_newlen(s, sds_len(s));
    sds_free(s);
    return n;
}

Sds sds_catlen(Sds s, const void *t, size_t len) {
    size_t cur = sds_len(s);
    s = sds_make_room(s, len);
    memcpy(s + cur, t, len);
    sds_setlen(s, cur + len);
    return s;
}

Sds sds_cat(Sds s, const char *t) { return sds_catlen(s, t, strlen(t)); }
Sds sds_catsds(Sds s, const Sds t) { return sds_catlen(s, t, sds_len(t)); }

Sds sds_cpylen(Sds s, const char *t, size_t len) {
    if (sds_alloc(s) < len) s = sds_make_room(s, len - sds_len(s));
    memmove(s, t, len);
    sds_setlen(s, len);
    return s;
}

Sds sds_growzero(Sds s, size_t len) {
    size_t cur = sds_len(s);
    if (len <= cur) return s;
    s = sds_make_room(s, len - cur);
    memset(s + cur, 0, len - cur + 1);
    sds_setlen(s, len);
    return s;
}

Sds sds_catvprintf(Sds s, const char *fmt, va_list ap) {
    char stackbuf[512];
    va_list cpy;
    va_copy(cpy, ap);
    int n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, cpy);
    va_end(cpy);
    if (n < 0) return s;
    if ((size_t)n < sizeof(stackbuf)) return sds_catlen(s, stackbuf, n);
    size_t cur = sds_len(s);
    s = sds_make_room(s, (size_t)n + 1);
    va_copy(cpy, ap);
    vsnprintf(s + cur, (size_t)n + 1, fmt, cpy);
    va_end(cpy);
    sds_setlen(s, cur + n);
    return s;
}

Sds sds_catprintf(Sds s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = sds_catvprintf(s, fmt, ap);
    va_end(ap);
    return s;
}

Sds sds_catrepr(Sds s, const char *p, size_t len) {
    s = sds_catlen(s, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '\\': case '"': s = sds_catprintf(s, "\\%c", c); break;
        case '\n': s = sds_catlen(s, "\\n", 2); break;
        case '\r': s = sds_catlen(s, "\\r", 2); break;
        case '\t': s = sds_catlen(s, "\\t", 2); break;
        case '\a': s = sds_catlen(s, "\\a", 2); break;
        case '\b': s = sds_catlen(s, "\\b", 2); break;
        default:
            if (isprint(c)) s = sds_catlen(s, (char *)&c, 1);
            else s = sds_catprintf(s, "\\x%02x", c);
        }
    }
    return sds_catlen(s, "\"", 1);
}

Sds sds_fromll(long long v) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", v);
    return sds_newlen(buf, n);
}

/* Redis 7.0 semantics: offsets still negative after adding len are not clamped,
 * so a start before the beginning gives "" and (0, -(len+1)) drops everything. */
void sds_range(Sds s, long start, long end) {
    long len = (long)sds_len(s);
    if (len == 0) return;
    if (start < 0) start += len;
    if (end < 0) end += len;
    long newlen = (start > end) ? 0 : end - start + 1;
    if (start < 0 || start >= len) start = newlen = 0;
    else if (newlen > len - start) newlen = len - start;
    if (start && newlen) memmove(s, s + start, newlen);
    sds_setlen(s, newlen);
}

void sds_trim(Sds s, const char *cset) {
    size_t len = sds_len(s);
    size_t a = 0, b = len;
    while (a < b && strchr(cset, s[a])) a++;
    while (b > a && strchr(cset, s[b - 1])) b--;
    if (a) memmove(s, s + a, b - a);
    sds_setlen(s, b - a);
}

void sds_tolower(Sds s) { for (size_t i = 0, n = sds_len(s); i < n; i++) s[i] = tolower((unsigned char)s[i]); }
void sds_toupper(Sds s) { for (size_t i = 0, n = sds_len(s); i < n; i++) s[i] = toupper((unsigned char)s[i]); }
void sds_clear(Sds s) { sds_setlen(s, 0); }

int sds_cmp(const Sds a, const Sds b) {
    size_t la = sds_len(a), lb = sds_len(b);
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

Sds *sds_splitargs(const char *line, int *argc) {
    const char *p = line;
    Sds *vec = NULL;
    int n = 0;
    *argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        int inq = 0, insq = 0, done = 0;
        Sds cur = sds_empty();
        while (!done) {
            if (inq) {
                if (p[0] == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
                    char c = (char)(hexval(p[2]) * 16 + hexval(p[3]));
                    cur = sds_catlen(cur, &c, 1);
                    p += 3;
                } else if (p[0] == '\\' && p[1]) {
                    char c;
                    p++;
                    switch (*p) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: c = *p; break;
                    }
                    cur = sds_catlen(cur, &c, 1);
                } else if (*p == '"') {
                    if (p[1] && !isspace((unsigned char)p[1])) goto err;
                    done = 1;
                } else if (!*p) {
                    goto err;
                } else {
                    cur = sds_catlen(cur, p, 1);
                }
            } else if (insq) {
                if (p[0] == '\\' && p[1] == '\'') {
                    p++;
                    cur = sds_catlen(cur, "'", 1);
                } else if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1])) goto err;
                    done = 1;
                } else if (!*p) {
                    goto err;
                } else {
                    cur = sds_catlen(cur, p, 1);
                }
            } else {
                switch (*p) {
                case ' ': case '\n': case '\r': case '\t': case '\0': done = 1; break;
                case '"': inq = 1; break;
                case '\'': insq = 1; break;
                default: cur = sds_catlen(cur, p, 1); break;
                }
            }
            if (*p) p++;
            continue;
        err:
            sds_free(cur);
            sds_freesplit(vec, n);
            *argc = 0;
            return NULL;
        }
        vec = vrealloc(vec, sizeof(Sds) * (n + 1));
        vec[n++] = cur;
    }
    *argc = n;
    if (!vec) vec = vmalloc(sizeof(Sds));
    return vec;
}

Sds *sds_splitlen(const char *s, size_t len, const char *sep, size_t seplen, int *count) {
    Sds *out = NULL;
    int n = 0;
    size_t start = 0;
    *count = 0;
    if (seplen < 1 || len == 0) return NULL; /* as Redis: no tokens for empty input */
    for (size_t j = 0; j + seplen <= len; j++) {
        if (memcmp(s + j, sep, seplen) == 0) {
            out = vrealloc(out, sizeof(Sds) * (n + 1));
            out[n++] = sds_newlen(s + start, j - start);
            start = j + seplen;
            j = j + seplen - 1;
        }
    }
    out = vrealloc(out, sizeof(Sds) * (n + 1));
    out[n++] = sds_newlen(s + start, len - start);
    *count = n;
    return out;
}

void sds_freesplit(Sds *tokens, int count) {
    if (!tokens) return;
    for (int i = 0; i < count; i++) sds_free(tokens[i]);
    vfree(tokens);
}
