/* lualibs.c - opens the Lua libraries scripts see (cjson, bit, cmsgpack, struct)
 * as globals; see lualibs.h. Each library's open function is called through
 * lua_call, as a Lua module loader would be, and the table it returns becomes the
 * global of the library's name and its package.loaded entry. */
#include "lualibs.h"

#include <lauxlib.h>
#include <lualib.h>

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

void script_libs_open(lua_State *L) {
    open_lib(L, "cjson", luaopen_cjson);
    open_lib(L, "struct", script_open_struct);
    open_lib(L, "cmsgpack", script_open_cmsgpack);
    open_lib(L, "bit", luaopen_bit);
}
