/* fuzz_cmsgpack.c - libFuzzer target for the script libraries of Vesper's own
 * (src/script/lua_cmsgpack.c, src/script/lua_struct.c), driven through Lua as
 * scripts call them, in one Lua state kept across inputs.
 *
 * Input: byte 0 picks the mode (mod 4), byte 1 a parameter p, the rest is the
 * payload.
 *   0: cmsgpack.unpack(payload); every value decoded, when nested less than 16
 *      deep (pack's limit) and without table keys, is packed and unpacked again
 *      and must come back deeply equal (NaN equal to NaN);
 *   1: cmsgpack.unpack_one(payload, p) and unpack_limit(payload, p % 8, p / 8),
 *      whose returned offset must be -1 or inside the payload, not before the
 *      start (unpack_limit with limit and offset 0 returns no offset);
 *   2: struct.unpack(fmt, data, init): fmt is the payload up to its first zero
 *      byte, data the rest, init 1 + p % 4; struct.size(fmt) too;
 *   3: struct.pack(fmt, ...) with numbers and strings made from data, and when it
 *      succeeds, unpack of what it made with the same format.
 * Every call runs under pcall: Lua errors are the expected answer to bad input.
 * A failed invariant is a Lua error outside pcall, and aborts. The state's
 * allocator aborts past 256 MB, so a hostile declared length that allocates is a
 * finding too. ASan sees reads outside the input (the payload strings are Lua
 * copies, so this covers reads past a Lua string's end).
 *
 * Seeds: tests/fuzz/corpus/cmsgpack (a few encodings and formats per mode);
 * dictionary tests/fuzz/cmsgpack.dict (type bytes and format options). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "script/lualibs.h"

#define FUZZ_MEM_LIMIT ((size_t)256 << 20)

static lua_State *L;
static size_t mem_live;

static void *fuzz_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    if (nsize == 0) {
        if (ptr) mem_live -= osize;
        free(ptr);
        return NULL;
    }
    size_t live = mem_live - (ptr ? osize : 0) + nsize;
    if (live > FUZZ_MEM_LIMIT) {
        fprintf(stderr, "fuzz_cmsgpack: Lua state above %zu bytes\n", FUZZ_MEM_LIMIT);
        abort();
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    mem_live = live;
    return p;
}

static const char *driver =
    "local function deq(a, b)\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return a == b or (a ~= a and b ~= b) end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not deq(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n"
    "local function depth(v)\n"
    "  if type(v) ~= 'table' then return 0 end\n"
    "  local d = 0\n"
    "  for k, x in pairs(v) do\n"
    "    if type(k) == 'table' then return 99 end\n" /* a new table key after the trip: deq cannot match it */
    "    d = math.max(d, depth(x))\n"
    "  end\n"
    "  return d + 1\n"
    "end\n"
    "return function(mode, p, payload)\n"
    "  if mode == 0 then\n"
    "    local r = {pcall(cmsgpack.unpack, payload)}\n"
    "    if not r[1] then return end\n"
    "    for i = 2, #r do\n"
    "      local v = r[i]\n"
    "      if depth(v) < 16 then\n"
    "        local back = cmsgpack.unpack(cmsgpack.pack(v))\n"
    "        if not deq(back, v) then error('round trip differs') end\n"
    "      end\n"
    "    end\n"
    "  elseif mode == 1 then\n"
    "    local ok, off = pcall(cmsgpack.unpack_one, payload, p)\n"
    "    if ok and off ~= -1 and (off <= p or off >= #payload) then error('bad offset ' .. off) end\n"
    "    ok, off = pcall(cmsgpack.unpack_limit, payload, p % 8, math.floor(p / 8))\n"
    "    if ok and p ~= 0 and off ~= -1 and (off < math.floor(p / 8) or off >= #payload) then error('bad offset') end\n"
    "  elseif mode == 2 then\n"
    "    local z = payload:find('\\0', 1, true) or #payload + 1\n"
    "    local fmt, data = payload:sub(1, z - 1), payload:sub(z + 1)\n"
    "    local r = {pcall(struct.unpack, fmt, data, 1 + p % 4)}\n"
    /* an empty format reads nothing and gives any offset back, as Redis's struct */
    "    if r[1] and fmt ~= '' then local nxt = r[#r] if nxt < 1 or nxt > #data + 1 then error('bad next position') end end\n"
    "    pcall(struct.size, fmt)\n"
    "  else\n"
    "    local z = payload:find('\\0', 1, true) or #payload + 1\n"
    "    local fmt, data = payload:sub(1, z - 1), payload:sub(z + 1)\n"
    "    local args = {}\n"
    "    for i = 1, math.min(#data, 32) do\n"
    "      local b = data:byte(i)\n"
    "      if b % 3 == 0 then args[i] = data:sub(i, i + b % 7) else args[i] = (b - 128) * 2^((b % 9) * 7) end\n"
    "    end\n"
    "    local ok, s = pcall(struct.pack, fmt, unpack(args, 1, math.min(#data, 32)))\n"
    "    if ok then pcall(struct.unpack, fmt, s) end\n"
    "  end\n"
    "end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!L) {
        L = lua_newstate(fuzz_alloc, NULL);
        if (!L) abort();
        luaL_openlibs(L);
        script_libs_open(L);
        if (luaL_loadstring(L, driver) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
            fprintf(stderr, "fuzz_cmsgpack: driver: %s\n", lua_tostring(L, -1));
            abort();
        }
        lua_setfield(L, LUA_REGISTRYINDEX, "fuzz_cmsgpack_driver");
    }
    if (size < 2) return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz_cmsgpack_driver");
    lua_pushinteger(L, data[0] % 4);
    lua_pushinteger(L, data[1]);
    lua_pushlstring(L, (const char *)data + 2, size - 2);
    if (lua_pcall(L, 3, 0, 0) != 0) {
        fprintf(stderr, "fuzz_cmsgpack: invariant failed: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_gc(L, LUA_GCSTEP, 0);
    return 0;
}
