/* lua_struct.c - the `struct` library of Redis scripts: packing Lua numbers and
 * strings into binary strings and back, with the format language of Roberto
 * Ierusalimschy's struct library (as Redis 7.0 ships it), written from its manual.
 *
 *   struct.pack(fmt, v1, v2, ...)  -> string
 *   struct.unpack(fmt, s [, init]) -> v1, v2, ..., next position (1-based)
 *   struct.size(fmt)               -> the size of a fixed-size format
 *
 * Format options (white space is ignored):
 *   >  big endian          <  little endian (the default is the machine's)
 *   !n align to n (a power of two; "!" alone: the machine's largest alignment)
 *   x  one zero byte (pack) / one skipped byte (unpack)
 *   b/B signed/unsigned char   h/H short   l/L long   T size_t
 *   i/In  signed/unsigned integer of n bytes (default sizeof(int)), n <= 32
 *   f float   d double
 *   s  zero-terminated string
 *   cn n bytes; c0 (or c) with n = 0: pack writes the whole string, unpack takes
 *      the length from the number unpacked just before it.
 * An item of size k is aligned to min(k, current alignment) bytes (chars never),
 * counting from the start of the string being packed/unpacked at init.
 *
 * Integers go through 64 bits: numbers are converted to a 64-bit integer (negative
 * ones as two's complement) and the low n bytes written; sizes above 8 add zero
 * bytes, as Redis's build does. Unpacking reads at most 8 significant bytes.
 * A number outside the 64-bit range converts to 0x8000000000000000 (what x86
 * gives), a defined result instead of C's undefined cast.
 *
 * Errors (Lua errors): an unknown option, an alignment not a power of two, an
 * integer size over 32 ("integral size %d is larger than limit of %d"), a size
 * overflowing int, a string shorter than its cn, unpack reading past the data
 * ("data string too short"), a string without its terminating zero, c0 with no
 * number before it, and size() of a variable-size format. unpack never reads
 * outside its data string. Costs: linear in the format and the data. */
#include "lualibs.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#define ST_MAXINTSIZE 32

enum { ST_LITTLE = 0, ST_BIG = 1 };

/* The strictest alignment a C object of this machine needs. */
struct st_align_probe {
    char c;
    union {
        double d;
        void *p;
        lua_Number n;
        long l;
        long long ll;
    } u;
};
#define ST_MAXALIGN (offsetof(struct st_align_probe, u))

typedef struct {
    int endian;
    int align;
} StHeader;

static int native_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1 ? ST_LITTLE : ST_BIG;
}

static void header_init(StHeader *h) {
    h->endian = native_endian();
    h->align = 1;
}

/* Reads a decimal number at *fmt (advancing it), or returns dflt when there is none. */
static int read_num(lua_State *L, const char **fmt, int dflt) {
    if (!isdigit((unsigned char)**fmt)) return dflt;
    int a = 0;
    do {
        int d = **fmt - '0';
        if (a > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
        a = a * 10 + d;
        (*fmt)++;
    } while (isdigit((unsigned char)**fmt));
    return a;
}

/* The size of option `opt` (reading its number from *fmt); 0 for the control
 * options and the variable-size ones (s, c0). */
static size_t opt_size(lua_State *L, int opt, const char **fmt) {
    switch (opt) {
    case 'B': case 'b': case 'x': return 1;
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'c': return (size_t)read_num(L, fmt, 1);
    case 'i': case 'I': {
        int n = read_num(L, fmt, (int)sizeof(int));
        if (n > ST_MAXINTSIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", n, ST_MAXINTSIZE);
        return (size_t)n;
    }
    default: return 0;
    }
}

/* Padding bytes needed at offset pos before an item of `size` bytes. */
static size_t align_pad(size_t pos, const StHeader *h, int opt, size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (size_t)h->align) size = (size_t)h->align;
    return (size - (pos & (size - 1))) & (size - 1);
}

/* Handles a non-data option (endianness, alignment, white space) or raises the
 * invalid-option error. */
static void control_opt(lua_State *L, int opt, const char **fmt, StHeader *h) {
    switch (opt) {
    case ' ': return;
    case '>': h->endian = ST_BIG; return;
    case '<': h->endian = ST_LITTLE; return;
    case '!': {
        int a = read_num(L, fmt, (int)ST_MAXALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = a;
        return;
    }
    default:
        luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

static int is_int_opt(int opt) {
    return opt != 0 && strchr("bBhHlLTiI", opt) != NULL;
}

static int is_data_opt(int opt) {
    return opt != 0 && strchr("bBhHlLTiIxfdcs", opt) != NULL;
}

/* A Lua number as the 64 bits the integer options write. */
static uint64_t num_to_bits(lua_Number n) {
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0) return (uint64_t)(int64_t)n;
    if (n >= 9223372036854775808.0 && n < 18446744073709551616.0) return (uint64_t)n;
    return UINT64_C(1) << 63;
}

static void put_int(luaL_Buffer *b, uint64_t v, int endian, size_t size) {
    unsigned char buf[ST_MAXINTSIZE];
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = (unsigned char)(i < 8 ? (v >> (8 * i)) & 0xff : 0);
        buf[endian == ST_LITTLE ? i : size - 1 - i] = byte;
    }
    luaL_addlstring(b, (const char *)buf, size);
}

static lua_Number get_int(const unsigned char *p, int endian, int is_signed, size_t size) {
    uint64_t v = 0;
    size_t n = size < 8 ? size : 8; /* the low 8 bytes are significant */
    for (size_t i = n; i-- > 0;) {
        unsigned char byte = p[endian == ST_LITTLE ? i : size - 1 - i];
        v = (v << 8) | byte;
    }
    if (!is_signed) return (lua_Number)v;
    if (n < 8 && n > 0 && (v >> (8 * n - 1)) & 1) v |= ~UINT64_C(0) << (8 * n);
    int64_t s;
    memcpy(&s, &v, sizeof(s));
    return (lua_Number)s;
}

/* Copies n bytes (a float or double) to/from the byte order `endian`. */
static void order_bytes(unsigned char *dst, const unsigned char *src, size_t n, int endian) {
    if (endian == native_endian()) {
        memcpy(dst, src, n);
    } else {
        for (size_t i = 0; i < n; i++) dst[i] = src[n - 1 - i];
    }
}

static int st_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    StHeader h;
    header_init(&h);
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*fmt != '\0') {
        int opt = (unsigned char)*fmt++;
        size_t size = opt_size(L, opt, &fmt);
        size_t pad = align_pad(total, &h, opt, size);
        total += pad;
        while (pad-- > 0) luaL_addchar(&b, '\0');
        if (is_int_opt(opt)) {
            put_int(&b, num_to_bits(luaL_checknumber(L, arg++)), h.endian, size);
        } else if (opt == 'x') {
            luaL_addchar(&b, '\0');
        } else if (opt == 'f' || opt == 'd') {
            unsigned char raw[sizeof(double)], out[sizeof(double)];
            lua_Number n = luaL_checknumber(L, arg++);
            if (opt == 'f') {
                float f = (float)n;
                memcpy(raw, &f, sizeof(f));
            } else {
                double d = (double)n;
                memcpy(raw, &d, sizeof(d));
            }
            order_bytes(out, raw, size, h.endian);
            luaL_addlstring(&b, (const char *)out, size);
        } else if (opt == 'c' || opt == 's') {
            size_t l;
            const char *s = luaL_checklstring(L, arg, &l);
            if (size == 0) size = l;
            /* Redis reports the argument after the string (its arg++ came first) */
            luaL_argcheck(L, l >= size, arg + 1, "string too short");
            arg++;
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
        } else {
            control_opt(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static int st_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const unsigned char *data = (const unsigned char *)luaL_checklstring(L, 2, &ld);
    lua_Number init = (lua_Number)luaL_optinteger(L, 3, 1);
    /* Redis 7.0's texts: its offset is a size_t, so 0 is refused and a negative
     * offset, like one past the data, fails as the first read would */
    luaL_argcheck(L, init != 0, 3, "offset must be 1 or greater");
    if (init < 0 || init > (lua_Number)ld + 1) {
        /* only an empty format reads nothing: it gives the offset back, as Redis's */
        luaL_argcheck(L, *fmt == '\0', 2, "data string too short");
        lua_pushnumber(L, init);
        return 1;
    }
    size_t pos = (size_t)init - 1;
    StHeader h;
    header_init(&h);
    lua_settop(L, 2);
    int n = 0; /* values pushed */
    while (*fmt != '\0') {
        int opt = (unsigned char)*fmt++;
        size_t size = opt_size(L, opt, &fmt);
        size_t pad = align_pad(pos, &h, opt, size);
        luaL_argcheck(L, pad <= ld - pos, 2, "data string too short");
        pos += pad;
        luaL_argcheck(L, size <= ld - pos, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        if (is_int_opt(opt)) {
            lua_pushnumber(L, get_int(data + pos, h.endian, islower(opt), size));
            n++;
        } else if (opt == 'x') {
            /* skipped */
        } else if (opt == 'f' || opt == 'd') {
            unsigned char raw[sizeof(double)];
            order_bytes(raw, data + pos, size, h.endian);
            if (opt == 'f') {
                float f;
                memcpy(&f, raw, sizeof(f));
                lua_pushnumber(L, (lua_Number)f);
            } else {
                double d;
                memcpy(&d, raw, sizeof(d));
                lua_pushnumber(L, (lua_Number)d);
            }
            n++;
        } else if (opt == 'c') {
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1))
                    luaL_error(L, "format 'c0' needs a previous size");
                lua_Number len = lua_tonumber(L, -1);
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, len >= 0 && len <= (lua_Number)(ld - pos), 2, "data string too short");
                size = (size_t)len;
            }
            lua_pushlstring(L, (const char *)data + pos, size);
            n++;
        } else if (opt == 's') {
            const unsigned char *e = memchr(data + pos, '\0', ld - pos);
            if (e == NULL) luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, (const char *)data + pos, size - 1);
            n++;
        } else {
            control_opt(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushnumber(L, (lua_Number)pos + 1);
    return n + 1;
}

static int st_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    StHeader h;
    header_init(&h);
    size_t pos = 0;
    while (*fmt != '\0') {
        int opt = (unsigned char)*fmt++;
        size_t size = opt_size(L, opt, &fmt);
        pos += align_pad(pos, &h, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!is_data_opt(opt)) control_opt(L, opt, &fmt, &h);
        pos += size;
    }
    lua_pushnumber(L, (lua_Number)pos);
    return 1;
}

static const luaL_Reg st_funcs[] = {
    {"pack", st_pack},
    {"unpack", st_unpack},
    {"size", st_size},
    {NULL, NULL},
};

int script_open_struct(lua_State *L) {
    lua_newtable(L);
    for (const luaL_Reg *r = st_funcs; r->name; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
    return 1;
}
