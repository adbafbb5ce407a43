/* lualibs.c - opens the Lua libraries scripts see (cjson, bit, cmsgpack, struct)
 * as globals; see lualibs.h. Each library's open function is called through
 * lua_call, as a Lua module loader would be, and the table it returns becomes the
 * global of the library's name and its package.loaded entry. */
#include "lualibs.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <string.h>

/* Debian's lua-cjson-dev and lua-bitop-dev declare these (lua-cjson.h and
 * lua-bitop.h) without including lua.h themselves; declared here directly. */
int luaopen_cjson(lua_State *L);
int luaopen_bit(lua_State *L);

/* Calls open(name) and stores the table it returns as global `name` and as
 * package.loaded[name] (when `package` is there). Leaves the stack as it was. */
static void open_lib(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_istable(L, -1)) {
        lua_pushvalue(L, -1);
        lua_setglobal(L, name);
        lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
        if (lua_istable(L, -1)) {
            lua_pushvalue(L, -2);
            lua_setfield(L, -2, name);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* bit.tohex(x [, n]) with the count guarded. Debian's lua-bitop negates a negative
 * count in 32 bits, so n = -2^31 stays negative and indexes far outside its 8-byte
 * buffer (a SIGSEGV from any script; Redis fixed its bundled copy for
 * CVE-2024-31449). Same results otherwise: n digits (8 when absent, at most 8),
 * upper case when n is negative. Arguments convert as lua-bitop documents: a
 * number's low 32 bits after adding 2^52 + 2^51 (rounding to an integer). */
static uint32_t bit_arg(lua_State *L, int idx) {
    union { lua_Number n; uint64_t b; } o;
    o.n = luaL_checknumber(L, idx) + 6755399441055744.0;
    return (uint32_t)o.b;
}

static int bit_tohex_safe(lua_State *L) {
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    uint32_t value = bit_arg(L, 1);
    long long width = lua_isnone(L, 2) ? 8 : (long long)(int32_t)bit_arg(L, 2);
    const char *digits = width < 0 ? upper : lower;
    if (width < 0) width = -width; /* 64-bit: -(-2^31) is representable */
    if (width > 8) width = 8;
    char out[8];
    for (long long pos = width - 1; pos >= 0; pos--, value >>= 4) out[pos] = digits[value & 0xf];
    lua_pushlstring(L, out, (size_t)width);
    return 1;
}

void script_libs_open(lua_State *L) {
    open_lib(L, "cjson", luaopen_cjson);
    open_lib(L, "struct", script_open_struct);
    open_lib(L, "cmsgpack", script_open_cmsgpack);
    open_lib(L, "bit", luaopen_bit);
    lua_getglobal(L, "bit");
    if (lua_istable(L, -1)) {
        lua_pushcfunction(L, bit_tohex_safe);
        lua_setfield(L, -2, "tohex");
    }
    lua_pop(L, 1);
}
