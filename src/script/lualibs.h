/* lualibs.h - the Lua libraries Redis 7.0 gives its scripts: cjson, bit, cmsgpack
 * and struct, opened as globals of a Lua 5.1 state.
 *
 * cjson is Debian's lua-cjson 2.1.0 (the version Redis bundles) and bit is Debian's
 * LuaBitOp; cmsgpack (lua_cmsgpack.c) and struct (lua_struct.c) are Vesper's own
 * implementations of the APIs Redis exposes, written from the MessagePack
 * specification and the struct library's manual.
 *
 * Every function of these libraries reports bad input as a Lua error (to be caught
 * by the caller's lua_pcall), never by crashing or reading outside its input, and
 * allocates through the state's allocator (lua_getallocf), so a script's memory is
 * counted and bounded wherever the state's allocator bounds it. */
#ifndef VESPER_SCRIPT_LUALIBS_H
#define VESPER_SCRIPT_LUALIBS_H
#include <lua.h>

/* Opens cjson, bit, cmsgpack and struct in L, each as a global table of that name
 * (and in package.loaded when the package library is open). Needs the base library
 * open first (bit's self test and cjson use it only through the C API, but scripts
 * expect the usual globals). Raises a Lua error (out of memory) like any lua_call;
 * call it before protecting the globals. Costs a few microseconds and ~10 KB. */
void script_libs_open(lua_State *L);

/* The two libraries of Vesper's own, for callers that want them alone: each pushes
 * its module table (a new one each call) and returns 1, as a lua_CFunction. */
int script_open_cmsgpack(lua_State *L);
int script_open_struct(lua_State *L);

#endif
