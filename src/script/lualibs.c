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

/* bit.tohex as Redis bundles it (CVE-2024-31449 fix): the system lua-bitop
 * negates a negative count without guarding INT32_MIN, so bit.tohex(1, 2^31)
 * kept n negative and read/wrote far outside its 8-byte buffer (SIGSEGV).
 * Number conversion is lua-bitop's barg: the low 32 bits of n + 2^52 + 2^51. */
static uint32_t bit_arg(lua_State *L, int idx) {
    union { lua_Number n; uint64_t b; } o;
    o.n = luaL_checknumber(L, idx) + 6755399441055744.0;
    return (uint32_t)o.b;
}

static int bit_tohex_safe(lua_State *L) {
    uint32_t b = bit_arg(L, 1);
    int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)bit_arg(L, 2);
    const char *hexdigits = "0123456789abcdef";
    char buf[8];
    if (n == INT32_MIN) n = INT32_MIN + 1;
    if (n < 0) { n = -n; hexdigits = "0123456789ABCDEF"; }
    if (n > 8) n = 8;
    for (int i = n; --i >= 0;) { buf[i] = hexdigits[b & 15]; b >>= 4; }
    lua_pushlstring(L, buf, (size_t)n);
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
