/* util.c - conversions between numbers and strings, glob matching, siphash,
 * clocks and a fast PRNG. All functions are pure except the RNG and hash seed,
 * which are set once at start-up. Conversions are strict: they accept exactly
 * the canonical forms that Redis accepts, so "01", " 1" and "1 " are not integers. */
#include "util.h"
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/time.h>

int string2ull(const char *s, size_t len, unsigned long long *value) {
    if (len == 0 || len > 20) return 0;
    if (len == 1 && s[0] == '0') { *value = 0; return 1; }
    if (s[0] < '1' || s[0] > '9') return 0;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *value = v;
    return 1;
}

int string2ll(const char *s, size_t len, long long *value) {
    if (len == 0) return 0;
    int neg = 0;
    if (s[0] == '-') { neg = 1; s++; len--; if (len == 0) return 0; }
    unsigned long long v;
    if (!string2ull(s, len, &v)) return 0;
    if (neg) {
        if (v == 0) return 0; /* "-0" is not canonical */
        if (v > (unsigned long long)LLONG_MAX + 1) return 0;
        *value = (long long)(0 - v);
    } else {
        if (v > LLONG_MAX) return 0;
        *value = (long long)v;
    }
    return 1;
}

int string2l(const char *s, size_t len, long *value) {
    long long v;
    if (!string2ll(s, len, &v)) return 0;
    if (v < LONG_MIN || v > LONG_MAX) return 0;
    *value = (long)v;
    return 1;
}

int string2d(const char *s, size_t len, double *value) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isspace((unsigned char)buf[0])) return 0;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if ((size_t)(end - buf) != len) return 0;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) return 0;
    if (isnan(v)) return 0;
    *value = v;
    return 1;
}

int string2ld(const char *s, size_t len, long double *value) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isspace((unsigned char)buf[0])) return 0;
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if ((size_t)(end - buf) != len) return 0;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) return 0;
    if (isnan(v)) return 0;
    *value = v;
    return 1;
}

uint32_t digits10(uint64_t v) {
    uint32_t n = 1;
    while (v >= 10) { v /= 10; n++; }
    return n;
}

int ull2string(char *dst, size_t dstlen, unsigned long long v) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    if ((size_t)n + 1 > dstlen) { if (dstlen) dst[0] = '\0'; return 0; }
    for (int i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
    dst[n] = '\0';
    return n;
}

int ll2string(char *dst, size_t dstlen, long long v) {
    if (v >= 0) return ull2string(dst, dstlen, (unsigned long long)v);
    if (dstlen < 2) { if (dstlen) dst[0] = '\0'; return 0; }
    dst[0] = '-';
    int n = ull2string(dst + 1, dstlen - 1, 0ULL - (unsigned long long)v);
    return n ? n + 1 : 0;
}

int d2string(char *buf, size_t len, double value) {
    if (isnan(value)) return snprintf(buf, len, "nan");
    if (isinf(value)) return snprintf(buf, len, value > 0 ? "inf" : "-inf");
    if (value == 0) return snprintf(buf, len, signbit(value) ? "-0" : "0");
    if (value > -4503599627370496.0 && value < 4503599627370496.0 && value == (double)(long long)value)
        return ll2string(buf, len, (long long)value);
    return snprintf(buf, len, "%.17g", value);
}

int ld2string(char *buf, size_t len, long double value, int humanfriendly) {
    int n;
    if (isinf(value)) {
        if (len < 5) return 0;
        if (value > 0) { memcpy(buf, "inf", 4); return 3; }
        memcpy(buf, "-inf", 5);
        return 4;
    }
    if (humanfriendly) {
        n = snprintf(buf, len, "%.17Lf", value);
        if (n < 0 || (size_t)n >= len) return 0;
        if (strchr(buf, '.')) {
            char *p = buf + n - 1;
            while (*p == '0') { p--; n--; }
            if (*p == '.') n--;
            buf[n] = '\0';
        }
        if (n == 2 && buf[0] == '-' && buf[1] == '0') { buf[0] = '0'; buf[1] = '\0'; n = 1; }
    } else {
        n = snprintf(buf, len, "%.17Lg", value);
        if (n < 0 || (size_t)n >= len) return 0;
    }
    return n;
}

/* skip: set once a '*' has consumed the whole string without a match; every
 * enclosing '*' can then stop too, which keeps patterns like "a*a*a*...b" linear. */
static int match_impl(const char *p, size_t plen, const char *s, size_t slen, int nocase, int depth, int *skip) {
    if (depth > 1000) return 0; /* bounded recursion for hostile patterns */
    while (plen && slen) {
        switch (p[0]) {
        case '*':
            while (plen > 1 && p[1] == '*') { p++; plen--; }
            if (plen == 1) return 1;
            while (slen) {
                if (match_impl(p + 1, plen - 1, s, slen, nocase, depth + 1, skip)) return 1;
                if (*skip) return 0;
                s++; slen--;
            }
            *skip = 1;
            return 0;
        case '?':
            s++; slen--;
            break;
        case '[': {
            int not = 0, match = 0;
            p++; plen--;
            if (plen && p[0] == '^') { not = 1; p++; plen--; }
            for (;;) {
                if (plen == 0) { p--; plen++; break; } /* unterminated: treat rest literally as consumed */
                if (p[0] == '\\' && plen >= 2) {
                    p++; plen--;
                    if (p[0] == s[0]) match = 1;
                } else if (p[0] == ']') {
                    break;
                } else if (plen >= 3 && p[1] == '-') {
                    int a = (unsigned char)p[0], b = (unsigned char)p[2], c = (unsigned char)s[0];
                    if (a > b) { int t = a; a = b; b = t; }
                    if (nocase) { a = tolower(a); b = tolower(b); c = tolower(c); }
                    p += 2; plen -= 2;
                    if (c >= a && c <= b) match = 1;
                } else {
                    if (nocase ? tolower((unsigned char)p[0]) == tolower((unsigned char)s[0]) : p[0] == s[0]) match = 1;
                }
                p++; plen--;
            }
            if (not) match = !match;
            if (!match) return 0;
            s++; slen--;
            break;
        }
        case '\\':
            if (plen >= 2) { p++; plen--; }
            /* fall through */
        default:
            if (nocase ? tolower((unsigned char)p[0]) != tolower((unsigned char)s[0]) : p[0] != s[0]) return 0;
            s++; slen--;
            break;
        }
        p++; plen--;
        if (slen == 0) {
            while (plen && *p == '*') { p++; plen--; }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

int glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase) {
    int skip = 0;
    return match_impl(pattern, plen, str, slen, nocase, 0, &skip);
}

/* ---- siphash-1-2 ---- */
static uint8_t hash_seed[16];

void hash_set_seed(const uint8_t seed[16]) { memcpy(hash_seed, seed, 16); }

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                  \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                  \
    } while (0)

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t siphash(const uint8_t *in, size_t inlen, int nocase) {
    uint64_t k0 = load64(hash_seed), k1 = load64(hash_seed + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = ((uint64_t)inlen) << 56;
    const uint8_t *end = in + inlen - (inlen % 8);
    uint8_t tmp[8];
    for (; in != end; in += 8) {
        uint64_t m;
        if (nocase) {
            for (int i = 0; i < 8; i++) tmp[i] = (uint8_t)tolower(in[i]);
            m = load64(tmp);
        } else {
            m = load64(in);
        }
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    int left = inlen & 7;
    for (int i = left - 1; i >= 0; i--) {
        uint8_t c = nocase ? (uint8_t)tolower(in[i]) : in[i];
        b |= ((uint64_t)c) << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_bytes(const void *data, size_t len) { return siphash(data, len, 0); }
uint64_t hash_bytes_nocase(const void *data, size_t len) { return siphash(data, len, 1); }

long long ustime(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}
long long mstime(void) { return ustime() / 1000; }
long long monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- xoshiro256** ---- */
static Rng global_rng = {{0x9E3779B97F4A7C15ULL, 0xBF58476D1CE4E5B9ULL, 0x94D049BB133111EBULL, 0x2545F4914F6CDD1DULL}};

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&seed);
}

uint64_t rng_next(Rng *r) {
    uint64_t *s = r->s;
    uint64_t result = ROTL(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ROTL(s[3], 45);
    return result;
}

void rand_seed(uint64_t seed) { rng_seed(&global_rng, seed); }
uint64_t rand_u64(void) { return rng_next(&global_rng); }

void rand_bytes(void *buf, size_t len) {
    uint8_t *p = buf;
    while (len) {
        uint64_t r = rand_u64();
        size_t n = len < 8 ? len : 8;
        memcpy(p, &r, n);
        p += n;
        len -= n;
    }
}

void rand_hex(char *buf, size_t len) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) buf[i] = hex[rand_u64() & 15];
}

int parse_memory(const char *s, long long *out) {
    const char *u = s;
    while (*u && isdigit((unsigned char)*u)) u++;
    long long mul = 1;
    if (*u) {
        if (!strcasecmp(u, "b")) mul = 1;
        else if (!strcasecmp(u, "k")) mul = 1000;
        else if (!strcasecmp(u, "kb")) mul = 1024;
        else if (!strcasecmp(u, "m")) mul = 1000LL * 1000;
        else if (!strcasecmp(u, "mb")) mul = 1024LL * 1024;
        else if (!strcasecmp(u, "g")) mul = 1000LL * 1000 * 1000;
        else if (!strcasecmp(u, "gb")) mul = 1024LL * 1024 * 1024;
        else return 0;
    }
    unsigned long long v = 0;
    for (const char *p = s; p < u; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (v > (unsigned long long)LLONG_MAX / (unsigned long long)mul) return 0;
    *out = (long long)v * mul;
    return 1;
}

#ifdef __linux__
#include <sched.h>
#endif

/* One "a", "a-b" or "a-b:s" item; *end gets what follows it. */
static int cpulist_item(const char *p, const char **end, long *a, long *b, long *s) {
    char *e;
    if (!isdigit((unsigned char)*p)) return 0;
    *a = strtol(p, &e, 10);
    *b = *a;
    *s = 1;
    if (*e == '-') {
        if (!isdigit((unsigned char)e[1])) return 0;
        *b = strtol(e + 1, &e, 10);
        if (*e == ':') {
            if (!isdigit((unsigned char)e[1])) return 0;
            *s = strtol(e + 1, &e, 10);
        }
    }
    *end = e;
    return *a <= *b && *s > 0;
}

int cpulist_apply(const char *cpulist) {
    if (!cpulist) return 0;
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    const char *p = cpulist;
    while (*p) {
        long a, b, s;
        if (!cpulist_item(p, &p, &a, &b, &s)) return -1;
        for (long c = a; c <= b && c < CPU_SETSIZE; c += s) CPU_SET((int)c, &set);
        if (*p == ',') p++;
        else if (*p) return -1;
    }
    return sched_setaffinity(0, sizeof(set), &set);
#else
    return 0;
#endif
}
