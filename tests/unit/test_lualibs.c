/* test_lualibs.c - unit tests for src/script/lualibs: the libraries scripts see
 * (cmsgpack, struct, cjson, bit) in a plain Lua state opened by script_libs_open.
 *
 * Most checks are Lua snippets run by lua_ok() (which fails the test with the Lua
 * error): the MessagePack encodings are compared with bytes written by hand from
 * the specification, at every format boundary, then decoded back; unpack_one and
 * unpack_limit offsets; truncated and malformed inputs must raise Lua errors, and
 * hostile declared lengths must not allocate (a counting allocator watches); a
 * randomized round trip packs random nested values and compares the unpacked ones
 * deeply. struct: every format option's bytes, both byte orders, alignment,
 * c0/s, unpack's bounds checks and the format errors. cjson and bit: smoke tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "script/lualibs.h"

/* A Lua allocator counting the bytes live and their peak. */
static size_t mem_live, mem_peak;

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    if (nsize == 0) {
        if (ptr) mem_live -= osize;
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    mem_live = mem_live - (ptr ? osize : 0) + nsize;
    if (mem_live > mem_peak) mem_peak = mem_live;
    return p;
}

/* Helpers every snippet can use: hex/unhex, deep equality (NaN equal to NaN),
 * enc(v, hexbytes) checking pack(v) and unpack back, fails(pattern, f, ...)
 * checking that f(...) raises an error containing the plain text pattern. */
static const char *prelude =
    "function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end\n"
    "function unhex(h) return (h:gsub('%s', ''):gsub('%x%x', function(x) return string.char(tonumber(x, 16)) end)) end\n"
    "function deq(a, b)\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return a == b or (a ~= a and b ~= b) end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not deq(v, b[k]) then return false end end\n"
    "  for k, v in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n"
    "function show(v) if type(v) == 'table' then return cjson.encode(v) end return tostring(v) end\n"
    "function enc(v, h)\n"
    "  h = h:gsub('%s', '')\n"
    "  local got = hex(cmsgpack.pack(v))\n"
    "  if got ~= h then error('pack(' .. show(v) .. ') = ' .. got .. ', want ' .. h, 2) end\n"
    "  local back = cmsgpack.unpack(unhex(h))\n"
    "  if not deq(back, v) then error('unpack(' .. h .. ') = ' .. show(back) .. ', want ' .. show(v), 2) end\n"
    "end\n"
    "function dec(h, v)\n"
    "  local back = cmsgpack.unpack(unhex(h))\n"
    "  if not deq(back, v) then error('unpack(' .. h .. ') = ' .. show(back) .. ', want ' .. show(v), 2) end\n"
    "end\n"
    "function fails(pat, f, ...)\n"
    "  local ok, err = pcall(f, ...)\n"
    "  if ok then error('no error, expected: ' .. pat, 2) end\n"
    "  if not string.find(tostring(err), pat, 1, true) then error('error \"' .. tostring(err) .. '\", expected: ' .. pat, 2) end\n"
    "end\n"
    "function eq(got, want, what)\n"
    "  if not deq(got, want) then error((what or '') .. ': got ' .. show(got) .. ', want ' .. show(want), 2) end\n"
    "end\n";

static lua_State *L;

static void lua_ok_at(const char *code, int line) {
    int rc = luaL_loadbuffer(L, code, strlen(code), "snippet");
    if (rc == 0) rc = lua_pcall(L, 0, 0, 0);
    if (rc != 0) {
        const char *msg = lua_tostring(L, -1);
        fail_msg("line %d: Lua error: %s", line, msg ? msg : "(not a string)");
    }
}
#define lua_ok(code) lua_ok_at((code), __LINE__)

static int setup(void **state) {
    (void)state;
    mem_live = mem_peak = 0;
    L = lua_newstate(count_alloc, NULL);
    if (!L) return -1;
    luaL_openlibs(L);
    script_libs_open(L);
    lua_ok(prelude);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    lua_close(L);
    L = NULL;
    return 0;
}

static void test_globals(void **state) {
    (void)state;
    lua_ok("for _, name in ipairs({'cjson', 'bit', 'cmsgpack', 'struct'}) do\n"
           "  assert(type(_G[name]) == 'table', name)\n"
           "  assert(package.loaded[name] == _G[name], name)\n"
           "end\n"
           "for _, f in ipairs({'pack', 'unpack', 'unpack_one', 'unpack_limit'}) do assert(type(cmsgpack[f]) == 'function', f) end\n"
           "for _, f in ipairs({'pack', 'unpack', 'size'}) do assert(type(struct[f]) == 'function', f) end\n"
           "for _, f in ipairs({'encode', 'decode', 'encode_keep_buffer', 'encode_max_depth', 'decode_max_depth',\n"
           "    'encode_number_precision', 'encode_sparse_array', 'encode_invalid_numbers', 'decode_invalid_numbers'}) do\n"
           "  assert(type(cjson[f]) == 'function', f)\n"
           "end\n"
           "for _, f in ipairs({'tobit', 'tohex', 'bnot', 'band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror', 'bswap'}) do\n"
           "  assert(type(bit[f]) == 'function', f)\n"
           "end\n");
}

static void test_mp_scalars(void **state) {
    (void)state;
    lua_ok("enc(nil, 'c0') enc(false, 'c2') enc(true, 'c3')\n"
           /* positive integers at each boundary */
           "enc(0, '00') enc(1, '01') enc(127, '7f') enc(128, 'cc80') enc(255, 'ccff')\n"
           "enc(256, 'cd0100') enc(2^15, 'cd8000') enc(65535, 'cdffff') enc(65536, 'ce00010000')\n"
           "enc(2^31, 'ce80000000') enc(2^32 - 1, 'ceffffffff') enc(2^32, 'cf0000000100000000')\n"
           "enc(2^53, 'cf0020000000000000') enc(2^63 - 1024, 'cf7ffffffffffffc00')\n"
           /* negative integers */
           "enc(-1, 'ff') enc(-32, 'e0') enc(-33, 'd0df') enc(-128, 'd080') enc(-129, 'd1ff7f')\n"
           "enc(-2^15, 'd18000') enc(-2^15 - 1, 'd2ffff7fff') enc(-2^31, 'd280000000')\n"
           "enc(-2^31 - 1, 'd3ffffffff7fffffff') enc(-2^32, 'd3ffffffff00000000')\n"
           "enc(-2^63, 'd38000000000000000')\n"
           /* integral doubles from 2^63 on are floats (lossless ones float32) */
           "enc(2^63, 'ca5f000000') enc(2^64, 'ca5f800000') enc(-2^64, 'cadf800000')\n"
           "enc(2^63 + 2^40, 'ca5f000001') enc(2^63 + 2^11, 'cb43e0000000000001')\n"
           /* floats: float32 when lossless, else float64 */
           "enc(1.5, 'ca3fc00000') enc(-0.25, 'cabe800000') enc(0.1, 'cb3fb999999999999a')\n"
           "enc(1/3, 'cb3fd5555555555555') enc(1/0, 'ca7f800000') enc(-1/0, 'caff800000')\n"
           "enc(3.4028234663852886e38, 'ca7f7fffff') enc(1e300, 'cb7e37e43c8800759c')\n"
           "enc(2^-149, 'ca00000001') enc(2^-1074, 'cb0000000000000001')\n"
           "enc(-0.0, '00')\n"
           "local nan = cmsgpack.pack(0/0)\n"
           "assert(#nan == 9 and nan:byte(1) == 0xcb, hex(nan))\n"
           "local back = cmsgpack.unpack(nan) assert(back ~= back)\n"
           /* decode-only: the wider forms of small values, float32 and bin */
           "dec('cc00', 0) dec('cd0001', 1) dec('ce00000001', 1) dec('cf0000000000000001', 1)\n"
           "dec('d0ff', -1) dec('d1ffff', -1) dec('d2ffffffff', -1) dec('d3ffffffffffffffff', -1)\n"
           "dec('d07f', 127) dec('d17fff', 32767) dec('d27fffffff', 2^31 - 1)\n"
           "dec('cfffffffffffffffff', 2^64) dec('cf8000000000000000', 2^63)\n"
           "dec('d3 7fffffffffffffff', 2^63) dec('cb3ff8000000000000', 1.5)\n"
           "dec('c403616263', 'abc') dec('c500036162 63', 'abc') dec('c60000000361 6263', 'abc')\n"
           "dec('c400', '') dec('d90161', 'a') dec('da000161', 'a') dec('db0000000161', 'a')\n"
           /* other types encode as nil */
           "eq(hex(cmsgpack.pack(print)), 'c0') eq(hex(cmsgpack.pack(coroutine.create(function() end))), 'c0')\n"
           "eq(hex(cmsgpack.pack(newproxy())), 'c0')\n");
}

static void test_mp_strings(void **state) {
    (void)state;
    lua_ok("enc('', 'a0') enc('a', 'a161') enc('\\0\\255', 'a200ff')\n"
           "local function chk(n, h)\n"
           "  local s = string.rep('x', n)\n"
           "  local p = cmsgpack.pack(s)\n"
           "  eq(hex(p:sub(1, #h / 2)), h, 'header of ' .. n)\n"
           "  eq(#p, n + #h / 2, 'length of ' .. n)\n"
           "  eq(cmsgpack.unpack(p), s, 'round trip of ' .. n)\n"
           "end\n"
           "chk(31, 'bf') chk(32, 'd920') chk(255, 'd9ff') chk(256, 'da0100') chk(65535, 'daffff')\n"
           "chk(65536, 'db00010000') chk(65537, 'db00010001')\n"
           /* binary content survives */
           "local all = {} for i = 0, 255 do all[#all + 1] = string.char(i) end all = table.concat(all)\n"
           "eq(cmsgpack.unpack(cmsgpack.pack(all)), all)\n");
}

static void test_mp_tables(void **state) {
    (void)state;
    lua_ok("enc({}, '90') enc({1, 2, 3}, '93010203') enc({'a', {true}}, '92a16191c3')\n"
           "enc({a = 1}, '81a16101') enc({[0] = 5}, '810005') enc({[1.5] = 1}, '81ca3fc0000001')\n"
           "enc({[-1] = 1}, '81ff01') enc({[true] = false}, '81c3c2')\n"
           /* {1, nil, 3}: keys 1 and 3, not 1..n, so a map */
           "local m = cmsgpack.pack({[1] = 'a', [3] = 'c'})\n"
           "eq(m:byte(1), 0x82) eq(cmsgpack.unpack(m), {[1] = 'a', [3] = 'c'})\n"
           "local function seq(n) local t = {} for i = 1, n do t[i] = i % 100 end return t end\n"
           "local function chk(n, h)\n"
           "  local p = cmsgpack.pack(seq(n))\n"
           "  eq(hex(p:sub(1, #h / 2)), h, 'header of ' .. n)\n"
           "  eq(cmsgpack.unpack(p), seq(n), 'round trip of ' .. n)\n"
           "end\n"
           "chk(15, '9f') chk(16, 'dc0010') chk(65535, 'dcffff') chk(65536, 'dd00010000')\n"
           "local function map(n) local t = {} for i = 1, n do t['k' .. i] = i end return t end\n"
           "local function chkm(n, h)\n"
           "  local p = cmsgpack.pack(map(n))\n"
           "  eq(hex(p:sub(1, #h / 2)), h, 'map header of ' .. n)\n"
           "  eq(cmsgpack.unpack(p), map(n), 'map round trip of ' .. n)\n"
           "end\n"
           "chkm(15, '8f') chkm(16, 'de0010') chkm(65535, 'deffff') chkm(65536, 'df00010000')\n"
           /* nested and decode of a two-pair map written by hand */
           "enc({{{}}}, '919190') dec('82a16101a16202', {a = 1, b = 2})\n"
           "dec('dc0000', {}) dec('dd00000000', {}) dec('de0000', {}) dec('df00000000', {}) dec('80', {})\n");
}

static void test_mp_nesting(void **state) {
    (void)state;
    /* 16 levels of tables are encoded; the 17th and deeper become nil */
    lua_ok("local function nest(n) local t = 'leaf' for i = 1, n do t = {t} end return t end\n"
           "local function depth(v) local d = 0 while type(v) == 'table' do d = d + 1 v = v[1] end return d, v end\n"
           "eq(cmsgpack.unpack(cmsgpack.pack(nest(16))), nest(16))\n"
           "local d, leaf = depth(cmsgpack.unpack(cmsgpack.pack(nest(17))))\n"
           "eq(d, 16) eq(leaf, nil)\n"
           "eq(depth(cmsgpack.unpack(cmsgpack.pack(nest(100)))), 16)\n"
           "local p = cmsgpack.pack(nest(17)) eq(hex(p), string.rep('91', 16) .. 'c0')\n"
           /* a cycle */
           "local c = {} c[1] = c\n"
           "eq(depth(cmsgpack.unpack(cmsgpack.pack(c))), 16)\n"
           "local m = {} m.self = m eq(#cmsgpack.pack(m), 16 * 6 + 1)\n"
           /* decoding: deep nesting from another encoder is accepted up to a limit */
           "eq(depth(cmsgpack.unpack(string.rep('\\145', 500) .. '\\1')), 500)\n"
           "fails('nested too deep', cmsgpack.unpack, string.rep('\\145', 100000) .. '\\1')\n");
}

static void test_mp_multi(void **state) {
    (void)state;
    lua_ok("local p = cmsgpack.pack(1, 'ab', {3}, nil, true)\n"
           "eq(hex(p), '01a261629103c0c3')\n"
           "local a, b, c, d, e = cmsgpack.unpack(p)\n"
           "eq({a, b, c, d, e}, {1, 'ab', {3}, nil, true})\n"
           "eq(select('#', cmsgpack.unpack(p)), 5)\n"
           "eq(select('#', cmsgpack.unpack('')), 0)\n"
           "fails('MessagePack pack needs input', cmsgpack.pack)\n"
           /* unpack_one: next offset, then one value; -1 once at the end */
           "local s = cmsgpack.pack(1, 'ab', {3})\n"
           "eq({cmsgpack.unpack_one(s)}, {1, 1}) eq({cmsgpack.unpack_one(s, 0)}, {1, 1})\n"
           "eq({cmsgpack.unpack_one(s, 1)}, {4, 'ab'}) eq({cmsgpack.unpack_one(s, 4)}, {-1, {3}})\n"
           "eq({cmsgpack.unpack_one(s, 6)}, {-1}) eq(select('#', cmsgpack.unpack_one(s, 6)), 1)\n"
           "eq({cmsgpack.unpack_one(s, 2)}, {3, 0x61})\n"
           "fails('greater than input length', cmsgpack.unpack_one, s, 7)\n"
           "fails('Invalid request', cmsgpack.unpack_one, s, -1)\n"
           "local off, n = 0, 0\n"
           "while off ~= -1 do local v off, v = cmsgpack.unpack_one(s, off) n = n + 1 end eq(n, 3)\n"
           /* unpack_limit */
           "eq({cmsgpack.unpack_limit(s, 2)}, {4, 1, 'ab'}) eq({cmsgpack.unpack_limit(s, 1)}, {1, 1})\n"
           "eq({cmsgpack.unpack_limit(s, 5, 1)}, {-1, 'ab', {3}}) eq({cmsgpack.unpack_limit(s, 3)}, {-1, 1, 'ab', {3}})\n"
           "eq({cmsgpack.unpack_limit(s, 0)}, {1, 'ab', {3}})\n" /* limit and offset 0: everything, no offset */
           "eq({cmsgpack.unpack_limit(s, 0, 1)}, {1})\n"
           "eq({cmsgpack.unpack_limit(s, 1, 6)}, {-1})\n"
           "fails('Invalid request', cmsgpack.unpack_limit, s, -1)\n"
           "fails('greater than input length', cmsgpack.unpack_limit, s, 1, 100)\n"
           "fails('number expected', cmsgpack.unpack_limit, s)\n"
           "fails('string expected', cmsgpack.unpack, {})\n");
}

static void test_mp_malformed(void **state) {
    (void)state;
    lua_ok("local v = cmsgpack.pack({1, 2^40, -2^40, 1.5, 0.1, 'x', string.rep('y', 40), string.rep('z', 300), {a = {true, false}}})\n"
           /* every strict prefix of one value is truncated */
           "for i = 1, #v - 1 do fails('Missing bytes in input', cmsgpack.unpack, v:sub(1, i)) end\n"
           "for i = 1, #v - 1 do fails('Missing bytes in input', cmsgpack.unpack_one, v:sub(1, i)) end\n"
           "for _, h in ipairs({'cc', 'cd00', 'ce000000', 'cf00000000000000', 'd0', 'd100', 'd2000000',\n"
           "    'd300000000000000', 'ca000000', 'cb00000000000000', 'a1', 'd9', 'd902', 'da0001', 'db00000001',\n"
           "    'c4', 'c401', 'c5', 'c6000001', '91', '92c0', '81', '81c0', 'dc', 'dc0001', 'dd00', 'de0001', 'df00000001c0'}) do\n"
           "  fails('Missing bytes in input', cmsgpack.unpack, unhex(h))\n"
           "end\n"
           /* formats cmsgpack does not take */
           "for _, b in ipairs({0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8}) do\n"
           "  fails('Bad data format in input', cmsgpack.unpack, string.char(b, 1, 1, 1, 1, 1, 1, 1, 1, 1))\n"
           "  fails('Bad data format in input', cmsgpack.unpack, '\\145' .. string.char(b))\n"
           "end\n"
           /* map keys Lua refuses */
           "fails('table index is nil', cmsgpack.unpack, unhex('81c001'))\n"
           "fails('table index is NaN', cmsgpack.unpack, unhex('81cb7ff800000000000001'))\n"
           /* a bad second value after a good one still fails the whole call */
           "fails('Missing bytes', cmsgpack.unpack, unhex('01a3'))\n");
}

static void test_mp_hostile_lengths(void **state) {
    (void)state;
    /* Huge declared lengths fail without allocating anything near them. */
    lua_ok("collectgarbage()");
    size_t before = mem_live;
    mem_peak = mem_live;
    lua_ok("for _, h in ipairs({'dbffffffff', 'c6ffffffff', 'ddffffffff', 'dfffffffff', 'dcffff', 'deffff',\n"
           "    'daffff', 'dd7fffffff01', 'df7fffffff0101'}) do\n"
           "  fails('Missing bytes in input', cmsgpack.unpack, unhex(h) .. string.rep('\\1', 100))\n"
           "end\n"
           "fails('Missing bytes in input', cmsgpack.unpack, string.rep('\\221\\255\\255\\255\\255', 200))\n");
    assert_true(mem_peak - before < 1024 * 1024);
    /* A big declared array that is there is decoded, preallocating only a bounded part. */
    lua_ok("local n = 100000 local s = unhex('dd000186a0') .. string.rep('\\1', n)\n"
           "local t = cmsgpack.unpack(s) eq(#t, n) eq(t[n], 1)\n");
}

/* The randomized round trip: random values (nested tables, integers of every
 * width, floats, binary strings) packed, alone and several at once, and compared
 * deeply with what unpack gives back; the offsets of unpack_one walk the same
 * values. */
static void test_mp_random(void **state) {
    (void)state;
    lua_ok("math.randomseed(12345)\n"
           "local R = math.random\n"
           "local function rint(lo, hi) return lo + math.floor(R() * (hi - lo + 1)) end\n"
           "local function rnum()\n"
           "  local k = R(1, 6)\n"
           "  if k == 1 then return R(-40, 140) end\n"
           "  if k == 2 then local e = R(0, 62) local v = 2^e + R(-3, 3) if R(2) == 1 then v = -v end return v end\n"
           "  if k == 3 then return R() * 10^R(-30, 30) * (R(2) == 1 and -1 or 1) end\n"
           "  if k == 4 then return R(-1000, 1000) / 8 end\n"
           "  if k == 5 then return ({1/0, -1/0, 2^63, -2^63, 2^64, 3.4028234663852886e38, 2^-149})[R(7)] end\n"
           "  return rint(-2^31, 2^31)\n"
           "end\n"
           "local function rstr()\n"
           "  local n = ({0, 1, 31, 32, 255, 256, 65535, 65536, 65537})[R(9)]\n"
           "  if R(4) > 1 then n = R(0, 40) end\n"
           "  local t = {} for i = 1, math.min(n, 64) do t[i] = string.char(R(0, 255)) end\n"
           "  local s = table.concat(t) return s .. string.rep('q', n - #s)\n"
           "end\n"
           "local rval\n"
           "local function rtable(d)\n"
           "  local t = {}\n"
           "  if R(2) == 1 then for i = 1, R(0, 20) do t[i] = rval(d + 1, true) end\n"
           "  else for i = 1, R(0, 20) do local k = rval(99, true) if k == k then t[k] = rval(d + 1, true) end end end\n"
           "  return t\n"
           "end\n"
           "function rval(d, nonil)\n"
           "  local k = R(1, d < 5 and 6 or 5)\n"
           "  if k == 1 then if nonil then return R(2) == 1 else return nil end end\n"
           "  if k == 2 or k == 3 then return rnum() end\n"
           "  if k == 4 or k == 5 then return rstr() end\n"
           "  return rtable(d)\n"
           "end\n"
           "for iter = 1, 400 do\n"
           "  local n = R(1, 5) local vals = {}\n"
           "  for i = 1, n do vals[i] = rval(0) end\n"
           "  for i = 1, n do\n"
           "    local p = cmsgpack.pack(vals[i])\n"
           "    local back = cmsgpack.unpack(p)\n"
           "    if not deq(back, vals[i]) then error('iter ' .. iter .. ': ' .. show(vals[i]) .. ' came back ' .. show(back)) end\n"
           "  end\n"
           "  local p = cmsgpack.pack(unpack(vals, 1, n))\n"
           "  local back = {cmsgpack.unpack(p)}\n"
           "  for i = 1, n do if not deq(back[i], vals[i]) then error('iter ' .. iter .. ' value ' .. i) end end\n"
           "  local off, i = 0, 0\n"
           "  while off ~= -1 do local v off, v = cmsgpack.unpack_one(p, off) i = i + 1 assert(deq(v, vals[i])) end\n"
           "  eq(i, n)\n"
           "end\n");
}

static void test_struct_size(void **state) {
    (void)state;
    lua_ok("local sizes = {b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, T = 8, i = 4, I = 4, f = 4, d = 8, x = 1,\n"
           "  c = 1, c5 = 5, i1 = 1, i3 = 3, I7 = 7, i8 = 8, I16 = 16, i32 = 32, ['< >'] = 0, [''] = 0, ['bbb'] = 3}\n"
           "for f, n in pairs(sizes) do eq(struct.size(f), n, f) end\n"
           "eq(struct.size('!4 b i'), 8) eq(struct.size('!b d'), 16) eq(struct.size('!2 b d'), 10)\n"
           "eq(struct.size('!8 b h'), 4) eq(struct.size('!8 b c3 i'), 8) eq(struct.size('b i'), 5)\n"
           "eq(struct.size('!4 b i2 b i8'), 16) eq(struct.size('!1 b d'), 9)\n"
           "fails(\"'s' has no fixed size\", struct.size, 's') fails(\"'c0' has no fixed size\", struct.size, 'bc0')\n"
           "fails('integral size 33 is larger than limit of 32', struct.size, 'i33')\n"
           "fails('alignment 3 is not a power of 2', struct.size, '!3')\n"
           "fails(\"invalid format option 'z'\", struct.size, 'z')\n"
           "fails('integral size overflow', struct.size, 'c99999999999')\n");
}

static void test_struct_pack(void **state) {
    (void)state;
    lua_ok("local function p(fmt, want, ...) eq(hex(struct.pack(fmt, ...)), want:gsub(' ', ''), fmt) end\n"
           "p('>b', 'ff', -1) p('<b', '7f', 127) p('b', '80', -128) p('B', 'ff', 255) p('B', '00', 256)\n"
           "p('>h', 'fffe', -2) p('<h', 'feff', -2) p('>H', '0201', 513) p('<H', '0102', 513)\n"
           "p('<l', 'feffffffffffffff', -2) p('>L', '0000000000000001', 1) p('<T', '0201000000000000', 258)\n"
           "p('<i', '01000000', 1) p('>i', '00000001', 1) p('>I', 'ffffffff', 2^32 - 1)\n"
           "p('>i3', 'fffffe', -2) p('>I3', '010203', 0x010203) p('<I3', '030201', 0x010203)\n"
           "p('<i1', 'ff', -1) p('>i8', '8000000000000000', -2^63) p('<I8', '00 00 00 00 00 00 00 80', 2^63)\n"
           "p('>i10', '0000ffffffffffffffff', -1) p('<i10', 'ffffffffffffffff0000', -1) p('>I12', '000000000000000000000005', 5)\n"
           "p('>i', '00000003', 3.9) p('>i', 'fffffffd', -3.9)\n"
           "p('>f', '3fc00000', 1.5) p('<f', '0000c03f', 1.5) p('>d', '3ff8000000000000', 1.5) p('<d', '000000000000f83f', 1.5)\n"
           "p('>f', '7f800000', 1/0) p('>f', '7f800000', 1e300)\n"
           "p('x', '00') p('bxb', '010002', 1, 2) p('s', '686900', 'hi') p('s', '00', '')\n"
           "p('c0', '68656c6c6f', 'hello') p('c3', '68656c', 'hello') p('c', '68', 'hello') p('c5', '68656c6c6f', 'hello')\n"
           "p('>hb<h', '0102 03 0201', 0x102, 3, 0x102)\n"
           /* alignment: each item to min(size, alignment), chars never */
           "p('<!4 b i', '01000000 02000000', 1, 2) p('<!4 b i2 b i8', '01 00 0200 03 000000 0400000000000000', 1, 2, 3, 4)\n"
           "p('<!2 b d', '01 00 0000000000000040', 1, 2) p('<! b h', '01 00 0200', 1, 2) p('<!8 b c3 i', '01 616263 05000000', 1, 'abc', 5)\n"
           "p('<b i', '01 02000000', 1, 2) p('<!4 s i', '616200 00 01000000', 'ab', 1)\n"
           /* errors */
           "fails('string too short', struct.pack, 'c6', 'hello')\n"
           "fails('number expected', struct.pack, 'i', 'x') fails('bad argument #2', struct.pack, 'i')\n"
           "fails('string expected', struct.pack, 's', {})\n"
           "fails('integral size 33 is larger than limit of 32', struct.pack, 'i33', 1)\n"
           "fails('alignment 3 is not a power of 2', struct.pack, '!3i', 1)\n"
           "fails('alignment 0 is not a power of 2', struct.pack, '!0i', 1)\n"
           "fails(\"invalid format option 'y'\", struct.pack, 'iy', 1)\n"
           "fails('integral size overflow', struct.pack, 'i2147483648', 1)\n");
}

static void test_struct_unpack(void **state) {
    (void)state;
    lua_ok("local function u(fmt, h, ...) eq({struct.unpack(fmt, unhex(h))}, {...}, fmt .. ' ' .. h) end\n"
           "u('b', 'ff', -1, 2) u('B', 'ff', 255, 2) u('>h', 'fffe', -2, 3) u('<h', 'feff', -2, 3) u('>H', 'fffe', 65534, 3)\n"
           "u('<l', 'feffffffffffffff', -2, 9) u('<L', '0100000000000000', 1, 9) u('>T', '0000000000000102', 258, 9)\n"
           "u('<i', 'ffffffff', -1, 5) u('<I', 'ffffffff', 2^32 - 1, 5) u('>i3', 'fffffe', -2, 4) u('>I3', '010203', 0x010203, 4)\n"
           "u('>i8', '8000000000000000', -2^63, 9) u('>I8', '8000000000000000', 2^63, 9)\n"
           "u('>i10', '0000ffffffffffffffff', -1, 11) u('>I10', '0000ffffffffffffffff', 2^64, 11) u('>i16', string.rep('00', 15) .. '05', 5, 17)\n"
           "u('>f', '3fc00000', 1.5, 5) u('<f', '0000c03f', 1.5, 5) u('>d', '3ff8000000000000', 1.5, 9) u('<d', '000000000000f83f', 1.5, 9)\n"
           "u('x', '00', 2) u('bxb', '010002', 1, 2, 4) u('s', '686900', 'hi', 4) u('s', '00', '', 2)\n"
           "u('c3', '68656c6c6f', 'hel', 4) u('c', '68', 'h', 2) u('b c0', '03616263', 'abc', 5) u('>h c0 b', '0002 6869 07', 'hi', 7, 6)\n"
           "u('c1 c0', '32 6869', 'hi', 4)\n" /* a number-looking string counts as the c0 size, as lua_isnumber says */
           "u('<!4 b i', '01000000 02000000', 1, 2, 9) u('<!2 b d', '01 00 0000000000000040', 1, 2, 11)\n"
           "u('', '', 1) u('', '0102', 1)\n"
           /* the init argument, and alignment counted from the string's start */
           "eq({struct.unpack('b', '\\1\\2\\3', 2)}, {2, 3}) eq({struct.unpack('b', '\\1\\2\\3', 3)}, {3, 4})\n"
           "eq({struct.unpack('<!4 i', '\\0\\0\\0\\0\\5\\0\\0\\0', 2)}, {5, 9})\n"
           "fails('data string too short', struct.unpack, 'b', 'a', 2)\n"
           "eq({struct.unpack('', 'a', 2)}, {2})\n"
           "fails('data string too short', struct.unpack, 'b', 'a', 3) fails('offset must be 1 or greater', struct.unpack, 'b', 'a', 0)\n"
           "fails('data string too short', struct.unpack, 'b', 'a', -1)\n"
           /* bounds: never past the data */
           "fails('data string too short', struct.unpack, 'i4', 'abc') fails('data string too short', struct.unpack, 'bd', '12345678')\n"
           "fails('data string too short', struct.unpack, 'c5', 'abcd') fails('data string too short', struct.unpack, 'x', '')\n"
           "fails('data string too short', struct.unpack, 'b c0', '\\200abc') fails('data string too short', struct.unpack, 'b c0', '\\255abc')\n"
           "fails('data string too short', struct.unpack, '!8 b d', '\\1\\2\\3\\4\\5\\6\\7\\8\\9')\n"
           "fails('data string too short', struct.unpack, 'i32', string.rep('a', 31))\n"
           "fails('data string too short', struct.unpack, 'c2147483647', 'a')\n"
           "fails('unfinished string in data', struct.unpack, 's', 'hi')\n"
           "fails(\"format 'c0' needs a previous size\", struct.unpack, 'c0', 'abc')\n"
           "fails(\"format 'c0' needs a previous size\", struct.unpack, 'c1c0', 'abc')\n"
           "fails('integral size 33 is larger than limit of 32', struct.unpack, 'i33', string.rep('a', 40))\n"
           "fails(\"invalid format option 'z'\", struct.unpack, 'z', 'a')\n"
           "fails('alignment 6 is not a power of 2', struct.unpack, '!6', 'a')\n");
}

/* Random formats of integer, float and string items, with random values, packed
 * and unpacked back; sizes agree with struct.size. */
static void test_struct_random(void **state) {
    (void)state;
    lua_ok("math.randomseed(777)\n"
           "local R = math.random\n"
           "local function rint(lo, hi) return lo + math.floor(R() * (hi - lo + 1)) end\n"
           "for iter = 1, 500 do\n"
           "  local fmt, vals, fixed = {}, {}, true\n"
           "  for i = 1, R(1, 8) do\n"
           "    local k = R(1, 9)\n"
           "    if k == 1 then fmt[#fmt + 1] = ({'<', '>', '!', '!1', '!2', '!4', '!8', ' '})[R(8)]\n"
           "    elseif k <= 4 then local n = R(1, 8) local s = R(2) == 1\n"
           "      fmt[#fmt + 1] = (s and 'i' or 'I') .. n\n"
           "      local lim = 2^math.min(8 * n - (s and 1 or 0), 53)\n"
           "      vals[#vals + 1] = s and rint(-lim, lim - 1) or rint(0, lim - 1)\n"
           "      if n >= 7 then vals[#vals] = math.floor(R() * lim) * (s and (R(2) == 1 and -1 or 1) or 1) end\n"
           "    elseif k == 5 then fmt[#fmt + 1] = 'd' vals[#vals + 1] = R() * 10^R(-300, 300)\n"
           "    elseif k == 6 then fmt[#fmt + 1] = 'f' vals[#vals + 1] = rint(-2^20, 2^20) / 4\n"
           "    elseif k == 7 then local n = R(0, 9) fmt[#fmt + 1] = 'c' .. n\n"
           "      if n == 0 then fixed = false fmt[#fmt] = 'B c0' local s = string.rep('w', R(0, 20)) vals[#vals + 1] = #s vals[#vals + 1] = s\n"
           "      else vals[#vals + 1] = string.rep(string.char(R(0, 255)), n) end\n"
           "    elseif k == 8 then fixed = false fmt[#fmt + 1] = 's' vals[#vals + 1] = string.rep('z', R(0, 9))\n"
           "    else fmt[#fmt + 1] = ({'b', 'B', 'h', 'H', 'l', 'L', 'T'})[R(7)] local c = fmt[#fmt]\n"
           "      local n = struct.size(c) local s = c == c:lower()\n"
           "      local lim = 2^math.min(8 * n - (s and 1 or 0), 53)\n"
           "      vals[#vals + 1] = s and rint(-lim, lim - 1) or rint(0, lim - 1)\n"
           "    end\n"
           "  end\n"
           "  local f = table.concat(fmt, ' ')\n"
           "  local packed = struct.pack(f, unpack(vals))\n"
           "  if fixed then eq(struct.size(f), #packed, f) end\n"
           "  local back = {struct.unpack(f, packed)}\n"
           "  local want = {}\n"
           "  for i, v in ipairs(vals) do want[i] = v end\n"
           /* B c0 unpacks to the string alone: drop each c0 length */
           "  local j, w = 1, {}\n"
           "  for _, item in ipairs(fmt) do\n"
           "    if item == 'B c0' then w[#w + 1] = vals[j + 1] j = j + 2\n"
           "    elseif item:match('^[iIdfcsbBhHlLT]') then w[#w + 1] = vals[j] j = j + 1 end\n"
           "  end\n"
           "  w[#w + 1] = #packed + 1\n"
           "  eq(back, w, f)\n"
           "end\n");
}

static void test_cjson_bit(void **state) {
    (void)state;
    lua_ok("eq(cjson.encode({1, 2, 3}), '[1,2,3]') eq(cjson.encode({a = 'x'}), '{\"a\":\"x\"}')\n"
           "eq(cjson.encode('a\"b'), '\"a\\\\\"b\"') eq(cjson.encode(cjson.null), 'null') eq(cjson.encode(true), 'true')\n"
           "local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"d\",\"e\":1.5}')\n"
           "eq(t.a[2], 2) eq(t.a[3].b, cjson.null) eq(t.c, 'd') eq(t.e, 1.5)\n"
           "eq(cjson.decode('[]'), {}) eq(cjson.encode_keep_buffer(false), false)\n"
           "fails('Expected', cjson.decode, '{bad')\n"
           "fails('Cannot serialise', cjson.encode, {print})\n"
           "eq(bit.band(0xff, 0x0f), 0x0f) eq(bit.bor(1, 2), 3) eq(bit.bxor(3, 1), 2) eq(bit.bnot(0), -1)\n"
           "eq(bit.lshift(1, 31), -2147483648) eq(bit.rshift(-1, 28), 15) eq(bit.arshift(-16, 2), -4)\n"
           "eq(bit.tohex(255), '000000ff') eq(bit.tohex(-1), 'ffffffff') eq(bit.tobit(2^32 + 5), 5)\n"
           "eq(bit.rol(1, 33), 2) eq(bit.ror(1, 1), -2147483648) eq(bit.bswap(0x01020304), 0x04030201)\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_globals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_multi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_hostile_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_struct_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_struct_pack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_struct_unpack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_struct_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cjson_bit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
