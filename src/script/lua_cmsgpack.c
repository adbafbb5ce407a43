/* lua_cmsgpack.c - the `cmsgpack` library of Redis scripts: MessagePack encoding of
 * Lua values and decoding back, written from the MessagePack specification.
 *
 *   cmsgpack.pack(v1, v2, ...)          -> the encodings of v1, v2, ... concatenated
 *   cmsgpack.unpack(s)                  -> every value encoded in s
 *   cmsgpack.unpack_one(s [, offset])   -> next_offset, the first value at offset
 *   cmsgpack.unpack_limit(s, n [, off]) -> next_offset, up to n values from offset
 *
 * Offsets are 0-based byte offsets; next_offset is -1 once s is used up.
 * unpack_limit(s, 0) (limit and offset both 0) decodes everything and returns no
 * offset, as Redis's does.
 *
 * Encoding (as Redis's cmsgpack 0.4): a number equal to an integer in [-2^63, 2^63)
 * takes the smallest integer format (positive ones unsigned: fixint, uint8..64;
 * negative ones fixint, int8..64); any other number is a float32 when converting
 * it to float and back gives the same double (infinities included), else a
 * float64. Strings take fixstr/str8/str16/str32. A table whose keys are exactly
 * 1..n is an array (so {} is an empty array), any other a map; tables nested more
 * than 16 deep (and cycles past that depth) encode as nil, as do functions,
 * userdata and threads.
 *
 * Decoding takes every format but the ext types (a "Bad data format" error), bin
 * as strings, and integers and float32 as Lua numbers (doubles: 64-bit integers
 * beyond 2^53 lose precision). Truncated input is "Missing bytes in input.". A
 * declared string length, element or pair count is checked against the bytes
 * left before anything is allocated, so a hostile length costs nothing; nesting is
 * limited to MP_MAX_DECODE_DEPTH levels, bounding the C stack.
 *
 * Costs: pack is linear in the output, growing one buffer (doubling) allocated
 * through the state's allocator and owned by a userdata, so a Lua error midway
 * (out of memory, a metamethod) leaks nothing; unpack is linear in the input. */
#include "lualibs.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#define MP_MAX_ENCODE_NESTING 16 /* deeper tables encode as nil (Redis's limit) */
#define MP_MAX_DECODE_DEPTH 1000 /* deeper input is refused */
#define MP_TABLE_PREALLOC_MAX 4096 /* slots reserved up front for a decoded table */
#define MP_BUF_META "vesper.cmsgpack.buf"

/* ---- output buffer: a userdata owning memory from the state's allocator ---- */

typedef struct {
    unsigned char *p;
    size_t len, cap;
    lua_Alloc af;
    void *ud;
} MpBuf;

static int mpbuf_gc(lua_State *L) {
    MpBuf *b = luaL_checkudata(L, 1, MP_BUF_META);
    if (b->p) b->af(b->ud, b->p, b->cap, 0);
    b->p = NULL;
    b->cap = b->len = 0;
    return 0;
}

/* Pushes a new empty buffer. */
static MpBuf *mpbuf_new(lua_State *L) {
    MpBuf *b = lua_newuserdata(L, sizeof(*b));
    memset(b, 0, sizeof(*b));
    b->af = lua_getallocf(L, &b->ud);
    if (luaL_newmetatable(L, MP_BUF_META)) {
        lua_pushcfunction(L, mpbuf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

static void mpbuf_reserve(lua_State *L, MpBuf *b, size_t n) {
    if (b->cap - b->len >= n) return;
    if (n > SIZE_MAX / 2 - b->len) luaL_error(L, "cmsgpack: output too large");
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < n) cap *= 2;
    void *p = b->af(b->ud, b->p, b->cap, cap);
    if (!p) luaL_error(L, "not enough memory");
    b->p = p;
    b->cap = cap;
}

static void mpbuf_add(lua_State *L, MpBuf *b, const void *s, size_t n) {
    mpbuf_reserve(L, b, n);
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Appends the type byte `t` then `v` big-endian in `n` bytes (n <= 8). */
static void put_be(lua_State *L, MpBuf *b, unsigned t, uint64_t v, int n) {
    unsigned char h[9];
    h[0] = (unsigned char)t;
    for (int i = n; i >= 1; i--) {
        h[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    mpbuf_add(L, b, h, (size_t)n + 1);
}

/* ---- encoding ---- */

static void enc_int(lua_State *L, MpBuf *b, int64_t v) {
    if (v >= 0) {
        uint64_t u = (uint64_t)v;
        if (u < 128) put_be(L, b, (unsigned)u, 0, 0);
        else if (u <= 0xff) put_be(L, b, 0xcc, u, 1);
        else if (u <= 0xffff) put_be(L, b, 0xcd, u, 2);
        else if (u <= 0xffffffffu) put_be(L, b, 0xce, u, 4);
        else put_be(L, b, 0xcf, u, 8);
    } else {
        if (v >= -32) put_be(L, b, (unsigned)(v & 0xff), 0, 0);
        else if (v >= INT8_MIN) put_be(L, b, 0xd0, (uint64_t)v, 1);
        else if (v >= INT16_MIN) put_be(L, b, 0xd1, (uint64_t)v, 2);
        else if (v >= INT32_MIN) put_be(L, b, 0xd2, (uint64_t)v, 4);
        else put_be(L, b, 0xd3, (uint64_t)v, 8);
    }
}

static void enc_double(lua_State *L, MpBuf *b, double d) {
    if (!isnan(d) && (isinf(d) || fabs(d) <= FLT_MAX)) {
        float f = (float)d;
        if ((double)f == d) {
            uint32_t u;
            memcpy(&u, &f, sizeof(u));
            put_be(L, b, 0xca, u, 4);
            return;
        }
    }
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    put_be(L, b, 0xcb, u, 8);
}

static void enc_number(lua_State *L, MpBuf *b, double d) {
    /* 2^63 is exact as a double; the range test keeps the cast defined. */
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == floor(d))
        enc_int(L, b, (int64_t)d);
    else
        enc_double(L, b, d);
}

static void enc_string(lua_State *L, MpBuf *b, const char *s, size_t n) {
    if (n < 32) put_be(L, b, 0xa0 | (unsigned)n, 0, 0);
    else if (n <= 0xff) put_be(L, b, 0xd9, n, 1);
    else if (n <= 0xffff) put_be(L, b, 0xda, n, 2);
    else if ((uint64_t)n <= 0xffffffffu) put_be(L, b, 0xdb, n, 4);
    else luaL_error(L, "cmsgpack: string too long to encode");
    mpbuf_add(L, b, s, n);
}

/* Appends an array (fix_base | n when n < 16, else the 16/32-bit form) or map header. */
static void enc_header(lua_State *L, MpBuf *b, size_t n, unsigned fix, unsigned t16, unsigned t32) {
    if (n < 16) put_be(L, b, fix | (unsigned)n, 0, 0);
    else if (n <= 0xffff) put_be(L, b, t16, n, 2);
    else if ((uint64_t)n <= 0xffffffffu) put_be(L, b, t32, n, 4);
    else luaL_error(L, "cmsgpack: table too large to encode");
}

/* The table at the top: returns its array length n when its keys are exactly the
 * integers 1..n (0 for an empty table), else -1; counts its pairs in *pairs. */
static long table_array_len(lua_State *L, size_t *pairs) {
    double max = 0;
    size_t count = 0;
    int array = 1;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        count++;
        if (array) {
            double k;
            if (lua_type(L, -1) != LUA_TNUMBER || (k = lua_tonumber(L, -1)) < 1 ||
                k > 2147483647.0 || k != floor(k))
                array = 0;
            else if (k > max)
                max = k;
        }
    }
    *pairs = count;
    return array && (double)count == max ? (long)count : -1;
}

static void enc_value(lua_State *L, MpBuf *b, int level);

static void enc_table(lua_State *L, MpBuf *b, int level) {
    luaL_checkstack(L, 4, "cmsgpack: table nesting");
    size_t pairs;
    long n = table_array_len(L, &pairs);
    if (n >= 0) {
        enc_header(L, b, (size_t)n, 0x90, 0xdc, 0xdd);
        for (long i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, (int)i);
            enc_value(L, b, level + 1);
            lua_pop(L, 1);
        }
        return;
    }
    enc_header(L, b, pairs, 0x80, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2); /* a copy of the key: encoding never alters lua_next's */
        enc_value(L, b, level + 1);
        lua_pop(L, 1);
        enc_value(L, b, level + 1);
        lua_pop(L, 1);
    }
}

/* Appends the encoding of the value at the top of the stack (left there). */
static void enc_value(lua_State *L, MpBuf *b, int level) {
    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
        put_be(L, b, lua_toboolean(L, -1) ? 0xc3 : 0xc2, 0, 0);
        break;
    case LUA_TNUMBER:
        enc_number(L, b, (double)lua_tonumber(L, -1));
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        enc_string(L, b, s, n);
        break;
    }
    case LUA_TTABLE:
        if (level < MP_MAX_ENCODE_NESTING)
            enc_table(L, b, level);
        else
            put_be(L, b, 0xc0, 0, 0); /* too deep: nil */
        break;
    default:
        put_be(L, b, 0xc0, 0, 0);
        break;
    }
}

static int mp_pack(lua_State *L) {
    int nargs = lua_gettop(L);
    if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    MpBuf *b = mpbuf_new(L);
    for (int i = 1; i <= nargs; i++) {
        lua_pushvalue(L, i);
        enc_value(L, b, 0);
        lua_pop(L, 1);
    }
    lua_pushlstring(L, (const char *)b->p, b->len);
    return 1;
}

/* ---- decoding ---- */

typedef struct {
    const unsigned char *p;
    size_t left;
} MpCur;

static void cur_need(lua_State *L, MpCur *c, size_t n) {
    if (c->left < n) luaL_error(L, "Missing bytes in input.");
}

/* Reads n (<= 8) bytes big-endian. */
static uint64_t cur_be(lua_State *L, MpCur *c, int n) {
    cur_need(L, c, (size_t)n);
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | c->p[i];
    c->p += n;
    c->left -= (size_t)n;
    return v;
}

static void dec_value(lua_State *L, MpCur *c, int depth);

static void dec_string(lua_State *L, MpCur *c, size_t n) {
    cur_need(L, c, n);
    lua_pushlstring(L, (const char *)c->p, n);
    c->p += n;
    c->left -= n;
}

static int table_prealloc(uint64_t n) {
    return n > MP_TABLE_PREALLOC_MAX ? MP_TABLE_PREALLOC_MAX : (int)n;
}

static void dec_array(lua_State *L, MpCur *c, uint64_t n, int depth) {
    if (n > c->left) luaL_error(L, "Missing bytes in input."); /* >= 1 byte each */
    lua_createtable(L, table_prealloc(n), 0);
    for (uint64_t i = 1; i <= n; i++) {
        dec_value(L, c, depth + 1);
        lua_rawseti(L, -2, (int)i);
    }
}

static void dec_map(lua_State *L, MpCur *c, uint64_t n, int depth) {
    if (n > c->left / 2) luaL_error(L, "Missing bytes in input."); /* >= 2 bytes each */
    lua_createtable(L, 0, table_prealloc(n));
    for (uint64_t i = 0; i < n; i++) {
        dec_value(L, c, depth + 1);
        dec_value(L, c, depth + 1);
        lua_rawset(L, -3); /* a nil or NaN key is a Lua error */
    }
}

static void bad_format(lua_State *L) {
    luaL_error(L, "Bad data format in input.");
}

/* Decodes one value at the cursor and pushes it. */
static void dec_value(lua_State *L, MpCur *c, int depth) {
    if (depth > MP_MAX_DECODE_DEPTH) luaL_error(L, "cmsgpack: input nested too deep");
    luaL_checkstack(L, 3, "cmsgpack: input nested too deep");
    unsigned t = (unsigned)cur_be(L, c, 1);
    if (t <= 0x7f) { lua_pushnumber(L, t); return; }
    if (t >= 0xe0) { lua_pushnumber(L, (int)t - 256); return; }
    if (t >= 0xa0 && t <= 0xbf) { dec_string(L, c, t & 0x1f); return; }
    if (t >= 0x90 && t <= 0x9f) { dec_array(L, c, t & 0x0f, depth); return; }
    if (t >= 0x80 && t <= 0x8f) { dec_map(L, c, t & 0x0f, depth); return; }
    switch (t) {
    case 0xc0: lua_pushnil(L); return;
    case 0xc2: lua_pushboolean(L, 0); return;
    case 0xc3: lua_pushboolean(L, 1); return;
    case 0xc4: case 0xd9: dec_string(L, c, cur_be(L, c, 1)); return;
    case 0xc5: case 0xda: dec_string(L, c, cur_be(L, c, 2)); return;
    case 0xc6: case 0xdb: dec_string(L, c, cur_be(L, c, 4)); return;
    case 0xca: {
        uint32_t u = (uint32_t)cur_be(L, c, 4);
        float f;
        memcpy(&f, &u, sizeof(f));
        lua_pushnumber(L, (lua_Number)f);
        return;
    }
    case 0xcb: {
        uint64_t u = cur_be(L, c, 8);
        double d;
        memcpy(&d, &u, sizeof(d));
        lua_pushnumber(L, (lua_Number)d);
        return;
    }
    case 0xcc: lua_pushnumber(L, (lua_Number)cur_be(L, c, 1)); return;
    case 0xcd: lua_pushnumber(L, (lua_Number)cur_be(L, c, 2)); return;
    case 0xce: lua_pushnumber(L, (lua_Number)cur_be(L, c, 4)); return;
    case 0xcf: lua_pushnumber(L, (lua_Number)cur_be(L, c, 8)); return;
    case 0xd0: lua_pushnumber(L, (lua_Number)(int8_t)(uint8_t)cur_be(L, c, 1)); return;
    case 0xd1: lua_pushnumber(L, (lua_Number)(int16_t)(uint16_t)cur_be(L, c, 2)); return;
    case 0xd2: lua_pushnumber(L, (lua_Number)(int32_t)(uint32_t)cur_be(L, c, 4)); return;
    case 0xd3: lua_pushnumber(L, (lua_Number)(int64_t)cur_be(L, c, 8)); return;
    case 0xdc: dec_array(L, c, cur_be(L, c, 2), depth); return;
    case 0xdd: dec_array(L, c, cur_be(L, c, 4), depth); return;
    case 0xde: dec_map(L, c, cur_be(L, c, 2), depth); return;
    case 0xdf: dec_map(L, c, cur_be(L, c, 4), depth); return;
    default: bad_format(L); /* 0xc1, the ext types */
    }
}

/* Decodes up to `limit` values from byte `offset` of argument 1 (all of them when
 * limit and offset are both 0, then returning no offset); else returns the next
 * offset (-1 at the end) before the values. */
static int unpack_full(lua_State *L, lua_Integer limit, lua_Integer offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0)
        /* Redis 7.0 prints the data length where it says "limit" */
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset, (int)len);
    lua_settop(L, 1);
    MpCur c = {(const unsigned char *)s + offset, len - (size_t)offset};
    int cnt = 0;
    while (c.left > 0 && (all || cnt < limit)) {
        if (cnt == INT32_MAX - 2) luaL_error(L, "too many values to unpack");
        luaL_checkstack(L, 2, "too many values to unpack");
        dec_value(L, &c, 0);
        cnt++;
    }
    if (all) return cnt;
    lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
    lua_insert(L, 2);
    return cnt + 1;
}

static int mp_unpack(lua_State *L) {
    return unpack_full(L, 0, 0);
}

static int mp_unpack_one(lua_State *L) {
    return unpack_full(L, 1, luaL_optinteger(L, 2, 0));
}

static int mp_unpack_limit(lua_State *L) {
    return unpack_full(L, luaL_checkinteger(L, 2), luaL_optinteger(L, 3, 0));
}

static const luaL_Reg mp_funcs[] = {
    {"pack", mp_pack},
    {"unpack", mp_unpack},
    {"unpack_one", mp_unpack_one},
    {"unpack_limit", mp_unpack_limit},
    {NULL, NULL},
};

int script_open_cmsgpack(lua_State *L) {
    lua_newtable(L);
    for (const luaL_Reg *r = mp_funcs; r->name; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}
