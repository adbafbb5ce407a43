/* lua.c - the Lua 5.1 side of the engine: the sandboxed state and its redis.* API,
 * the conversions between RESP replies and Lua values, and the protected call of a
 * script or function with the time-limit hook.
 *
 * The sandbox as Redis 7.0 presents it: base (without print, loadfile, dofile,
 * setfenv, getfenv, newproxy, module, require), table, string, math (random and
 * randomseed use Redis's lrand48 generator, seeded to 0 for every run), coroutine,
 * cjson/bit/cmsgpack/struct (script_libs_open), os with clock only (the
 * processor time the server has used, as Lua's os.clock; the issue asks for it,
 * Redis 7.2 has it), no io, package or debug.
 * loadstring and load refuse precompiled chunks.
 * Read-only tables: stock Lua 5.1 has no read-only flag, so the globals and every
 * library table are replaced by empty proxies whose metatable reads through to the
 * real table and refuses writes ("Attempt to modify a readonly table"); rawset and
 * setmetatable refuse proxies too, and a proxy's metatable is a locked empty
 * table. The real globals table's __index raises "Script attempted to access
 * nonexistent global variable". KEYS/ARGV are stored raw in the real table.
 * Costs: a global read is two table lookups (proxy, real table); redis.call() is
 * argument objects, the command, and one pass over the reply bytes. */
#include "script.h"
#include "lualibs.h"
#include <lauxlib.h>
#include <time.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/alloc.h"
#include "../base/sha1.h"
#include "../base/util.h"
#include "../base/version.h"
#include "../base/panic.h"
#include "../core/command.h"
#include "../core/reply.h"
#include "../core/server.h"

#define REG_REAL_GLOBALS "vesper_real_globals"
#define REG_ERR_HANDLER "vesper_err_handler"
#define REG_ENGINE_DATA "vesper_engine_data"
#define LUA_HEAP_LIMIT ((size_t)1 << 30) /* a script's heap beyond this gets "not enough memory" */

/* ---------------- allocator: counted and bounded ---------------- */

typedef struct LuaHeap {
    size_t used;
} LuaHeap;

static void *heap_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    LuaHeap *h = ud;
    if (nsize == 0) {
        vmalloc_side_free(ptr);
        h->used -= osize;
        return NULL;
    }
    if (nsize > osize && h->used - osize + nsize > LUA_HEAP_LIMIT) return NULL;
    void *p = vmalloc_side_realloc(ptr, nsize);
    if (p) h->used = h->used - osize + nsize;
    return p;
}

size_t script_lua_memory(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    /* whole kilobytes, as Redis reports lua_gc(LUA_GCCOUNT) * 1024 */
    return ((LuaHeap *)ud)->used / 1024 * 1024;
}

/* ---------------- Redis's rand48 (math.random) ---------------- */

static uint64_t rand48_state = 0x1234ABCD330EULL; /* lrand48's initial state */
static void rand48_seed(int32_t seed) { rand48_state = ((uint64_t)(uint32_t)seed << 16) | 0x330E; }
static int32_t rand48_next(void) {
    rand48_state = (rand48_state * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(rand48_state >> 17);
}

static int lua_math_random(lua_State *L) {
    lua_Number r = (lua_Number)(rand48_next() % INT32_MAX) / (lua_Number)INT32_MAX;
    int lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkint(L, 1);
        luaL_argcheck(L, lo <= hi, 1, "interval is empty");
        break;
    case 2:
        lo = luaL_checkint(L, 1);
        hi = luaL_checkint(L, 2);
        luaL_argcheck(L, lo <= hi, 2, "interval is empty");
        break;
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    lua_pushnumber(L, floor(r * (hi - lo + 1)) + lo);
    return 1;
}

static int lua_math_randomseed(lua_State *L) {
    rand48_seed(luaL_checkint(L, 1));
    return 0;
}

/* ---------------- errors ---------------- */

void script_lua_push_error(lua_State *L, const char *msg) {
    size_t len = strlen(msg);
    lua_newtable(L);
    lua_pushliteral(L, "err");
    if (msg[0] == '-') {
        const char *sp = memchr(msg, ' ', len);
        if (sp) lua_pushlstring(L, msg + 1, len - 1);
        else lua_pushfstring(L, "ERR %s", msg + 1);
    } else {
        lua_pushfstring(L, "ERR %s", msg);
    }
    /* no trailing line end in the table */
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
        lua_pushlstring(L, s, n);
        lua_remove(L, -2);
    }
    lua_rawset(L, -3);
}

/* ---------------- RESP -> Lua ---------------- */

static long long parse_ll(const char *p, const char **end) {
    int neg = 0;
    long long v = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    *end = p;
    return neg ? -v : v;
}

/* the end of the line starting at p (at its CR) */
static const char *line_end(const char *p) { return strchr(p, '\r'); }

static const char *push_value(lua_State *L, const char *p);

static const char *push_aggregate_to_table(lua_State *L, const char *p, long long n) {
    lua_createtable(L, n > 0 && n < 1 << 20 ? (int)n : 0, 0);
    for (long long i = 1; i <= n; i++) {
        p = push_value(L, p);
        lua_rawseti(L, -2, (int)i);
    }
    return p;
}

static const char *push_value(lua_State *L, const char *p) {
    const char *e;
    long long n;
    if (!lua_checkstack(L, 5)) luaL_error(L, "reached lua stack limit");
    switch (*p) {
    case ':':
        n = parse_ll(p + 1, &e);
        lua_pushnumber(L, (lua_Number)n);
        return e + 2;
    case '$':
        n = parse_ll(p + 1, &e);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return e + 2;
        }
        lua_pushlstring(L, e + 2, (size_t)n);
        return e + 2 + n + 2;
    case '+':
    case '-':
        e = line_end(p + 1);
        lua_newtable(L);
        lua_pushstring(L, *p == '+' ? "ok" : "err");
        lua_pushlstring(L, p + 1, (size_t)(e - p - 1));
        lua_rawset(L, -3);
        return e + 2;
    case '*':
        n = parse_ll(p + 1, &e);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return e + 2;
        }
        return push_aggregate_to_table(L, e + 2, n);
    case '%':
        n = parse_ll(p + 1, &e);
        p = e + 2;
        lua_newtable(L);
        lua_pushliteral(L, "map");
        lua_createtable(L, 0, n > 0 && n < 1 << 20 ? (int)n : 0);
        for (long long i = 0; i < n; i++) {
            p = push_value(L, p);
            p = push_value(L, p);
            lua_rawset(L, -3);
        }
        lua_rawset(L, -3);
        return p;
    case '~':
        n = parse_ll(p + 1, &e);
        p = e + 2;
        lua_newtable(L);
        lua_pushliteral(L, "set");
        lua_createtable(L, 0, n > 0 && n < 1 << 20 ? (int)n : 0);
        for (long long i = 0; i < n; i++) {
            p = push_value(L, p);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
        }
        lua_rawset(L, -3);
        return p;
    case '_':
        lua_pushnil(L);
        return p + 3;
    case '#':
        lua_pushboolean(L, p[1] == 't');
        return p + 4;
    case ',': {
        e = line_end(p + 1);
        char buf[64];
        size_t len = (size_t)(e - p - 1) < sizeof(buf) - 1 ? (size_t)(e - p - 1) : sizeof(buf) - 1;
        memcpy(buf, p + 1, len);
        buf[len] = 0;
        lua_newtable(L);
        lua_pushliteral(L, "double");
        lua_pushnumber(L, strtod(buf, NULL));
        lua_rawset(L, -3);
        return e + 2;
    }
    case '(':
        e = line_end(p + 1);
        lua_newtable(L);
        lua_pushliteral(L, "big_number");
        lua_pushlstring(L, p + 1, (size_t)(e - p - 1));
        lua_rawset(L, -3);
        return e + 2;
    case '=':
        n = parse_ll(p + 1, &e);
        p = e + 2;
        lua_newtable(L);
        lua_pushliteral(L, "verbatim_string");
        lua_newtable(L);
        lua_pushliteral(L, "format");
        lua_pushlstring(L, p, n >= 3 ? 3 : 0);
        lua_rawset(L, -3);
        lua_pushliteral(L, "string");
        lua_pushlstring(L, n >= 4 ? p + 4 : p, n >= 4 ? (size_t)n - 4 : 0);
        lua_rawset(L, -3);
        lua_rawset(L, -3);
        return p + n + 2;
    case '|': /* an attribute: dropped, the value after it counts */
        n = parse_ll(p + 1, &e);
        p = e + 2;
        for (long long i = 0; i < 2 * n; i++) {
            p = push_value(L, p);
            lua_pop(L, 1);
        }
        return push_value(L, p);
    case '>':
        n = parse_ll(p + 1, &e);
        return push_aggregate_to_table(L, e + 2, n);
    default:
        lua_pushnil(L);
        return p + strlen(p);
    }
}

size_t script_lua_push_reply(lua_State *L, const char *p, size_t len) {
    (void)len;
    return (size_t)(push_value(L, p) - p);
}

/* ---------------- Lua -> RESP ---------------- */

/* Replies a status or error text with CR/LF turned into spaces. */
static void reply_clean_status(Client *c, const char *s, size_t len) {
    if (!memchr(s, '\r', len) && !memchr(s, '\n', len)) {
        reply_status_len(c, s, len);
        return;
    }
    char *copy = vmalloc(len);
    for (size_t i = 0; i < len; i++) copy[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    reply_status_len(c, copy, len);
    vfree(copy);
}

/* Reads t[name] raw for the table at the top; leaves it on the stack; its type. */
static int raw_field(lua_State *L, const char *name) {
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    return lua_type(L, -1);
}

static void reply_value(Client *c, lua_State *L, int script_resp) {
    if (!lua_checkstack(L, 4)) {
        reply_error(c, "reached lua stack limit");
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        reply_bulk(c, s, len);
        return;
    }
    case LUA_TBOOLEAN:
        if (script_resp == 2) {
            if (lua_toboolean(L, -1)) reply_long(c, 1);
            else reply_null(c);
        } else {
            reply_bool(c, lua_toboolean(L, -1));
        }
        return;
    case LUA_TNUMBER:
        reply_long(c, (long long)lua_tonumber(L, -1));
        return;
    case LUA_TTABLE:
        break;
    default:
        reply_null(c);
        return;
    }
    /* a table: error, status, double, big number, map, set, verbatim, or array */
    if (raw_field(L, "err") == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        Sds e = sds_catlen(sds_new("-"), s, len);
        lua_pop(L, 1);
        int counted = raw_field(L, "ignore_error_stats_update") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (counted) reply_error_nostats(c, e, sds_len(e));
        else reply_error_len(c, e, sds_len(e));
        sds_free(e);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, "ok") == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        reply_clean_status(c, s, len);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, "double") == LUA_TNUMBER) {
        reply_double(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, "big_number") == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        char *copy = vmalloc(len + 1);
        for (size_t i = 0; i < len; i++) copy[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
        reply_bignum(c, copy, len);
        vfree(copy);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, "map") == LUA_TTABLE) {
        void *dl = reply_deferred_len(c);
        long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            reply_value(c, L, script_resp); /* key */
            lua_pop(L, 1);
            reply_value(c, L, script_resp); /* value */
            lua_pop(L, 1);
            n++;
        }
        reply_set_deferred_map_len(c, dl, n);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, "set") == LUA_TTABLE) {
        void *dl = reply_deferred_len(c);
        long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            reply_value(c, L, script_resp);
            lua_pop(L, 1);
            n++;
        }
        reply_set_deferred_set_len(c, dl, n);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, "verbatim_string") == LUA_TTABLE) {
        int vt = lua_gettop(L);
        lua_pushliteral(L, "format");
        lua_rawget(L, vt);
        lua_pushliteral(L, "string");
        lua_rawget(L, vt);
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
            size_t slen;
            const char *str = lua_tolstring(L, -1, &slen);
            reply_verbatim(c, str, slen, lua_tostring(L, -2));
            lua_pop(L, 3);
            return;
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    /* an array: elements 1, 2, ... up to the first nil */
    void *dl = reply_deferred_len(c);
    long n = 0;
    for (;;) {
        lua_rawgeti(L, -1, (int)(n + 1));
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        reply_value(c, L, script_resp);
        lua_pop(L, 1);
        n++;
    }
    reply_set_deferred_array_len(c, dl, n);
}

void script_lua_reply(Client *c, lua_State *L) {
    ScriptRun *run = script_current();
    reply_value(c, L, run ? run->fake->resp : 2);
}

/* ---------------- the redis table ---------------- */

/* Raises msg as an error table (the handler adds where it happened). */
static int api_error(lua_State *L, const char *msg) {
    script_lua_push_error(L, msg);
    return lua_error(L);
}

static int redis_generic_call(lua_State *L, int raise) {
    ScriptRun *run = script_current();
    int argc = lua_gettop(L);
    if (!run) return api_error(L, "redis.call() can only be called inside a script invocation");
    if (argc == 0) {
        script_lua_push_error(L, "Please specify at least one argument for this redis lib call");
        return raise ? lua_error(L) : 1;
    }
    static Obj **argv;
    static int argv_cap;
    if (argc > argv_cap) {
        argv = vrealloc(argv, sizeof(Obj *) * (size_t)argc);
        argv_cap = argc;
    }
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TNUMBER) {
            char buf[64];
            int n = snprintf(buf, sizeof(buf), "%.17g", (double)lua_tonumber(L, i));
            argv[i - 1] = obj_string(buf, (size_t)n);
        } else if (t == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, i, &len);
            argv[i - 1] = obj_string(s, len);
        } else {
            for (int j = 0; j < i - 1; j++) obj_decr(argv[j]);
            script_lua_push_error(L, "Lua redis lib command arguments must be strings or integers");
            return raise ? lua_error(L) : 1;
        }
    }
    lua_settop(L, 0); /* the arguments are copied: room for the reply (unpack of ~8000 args) */
    Sds err = script_call(run, argv, argc);
    if (err) {
        script_lua_push_error(L, err);
        sds_free(err);
        lua_pushliteral(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        return raise ? lua_error(L) : 1;
    }
    size_t len;
    const char *p = script_fake_reply(run->fake, &len);
    int is_err = len && p[0] == '-';
    if (len) push_value(L, p);
    else lua_pushnil(L);
    script_fake_reply_done(run->fake);
    if (is_err) {
        lua_pushliteral(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        if (raise) return lua_error(L);
    }
    return 1;
}

static int redis_call(lua_State *L) { return redis_generic_call(L, 1); }
static int redis_pcall(lua_State *L) { return redis_generic_call(L, 0); }

static int redis_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return api_error(L, "wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    uint8_t d[SHA1_DIGEST_LEN];
    char hex[41];
    sha1(s ? s : "", s ? len : 0, d);
    sha1_hex(d, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int single_field_table(lua_State *L, const char *field) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        script_lua_push_error(L, "wrong number or type of arguments");
        return 1;
    }
    lua_newtable(L);
    lua_pushstring(L, field);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    return 1;
}

static int redis_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        script_lua_push_error(L, "wrong number or type of arguments");
        return 1;
    }
    const char *e = lua_tostring(L, -1);
    Sds m = e[0] == '-' ? sds_new(e) : sds_catprintf(sds_empty(), "-%s", e);
    script_lua_push_error(L, m);
    sds_free(m);
    return 1;
}

static int redis_status_reply(lua_State *L) { return single_field_table(L, "ok"); }

static int redis_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return api_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return api_error(L, "First argument must be a number.");
    int level = (int)lua_tonumber(L, 1);
    if (level < LL_DEBUG || level > LL_WARNING) return api_error(L, "Invalid debug level.");
    if (level < server.cfg.verbosity) return 0;
    Sds msg = sds_empty();
    for (int i = 2; i <= argc; i++) {
        size_t len;
        const char *s = lua_tolstring(L, i, &len);
        if (!s) continue;
        if (i > 2) msg = sds_catlen(msg, " ", 1);
        msg = sds_catlen(msg, s, len);
    }
    server_log_raw(level, msg);
    sds_free(msg);
    return 0;
}

static int redis_setresp(lua_State *L) {
    ScriptRun *run = script_current();
    if (lua_gettop(L) != 1) return api_error(L, "redis.setresp() requires one argument.");
    int resp = (int)lua_tonumber(L, -1);
    if (resp != 2 && resp != 3) return api_error(L, "RESP version must be 2 or 3.");
    if (run) run->fake->resp = resp;
    return 0;
}

static int redis_set_repl(lua_State *L) {
    ScriptRun *run = script_current();
    if (lua_gettop(L) != 1) return api_error(L, "redis.set_repl() requires one argument.");
    int flags = (int)lua_tonumber(L, -1);
    if ((flags & ~SCRIPT_REPL_ALL) != 0)
        return api_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    if (run) run->repl_flags = flags;
    return 0;
}

static int redis_replicate_commands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int redis_breakpoint(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int redis_debug(lua_State *L) {
    (void)L;
    return 0;
}

static int redis_acl_check_cmd(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc == 0) return api_error(L, "Please specify at least one argument for this redis lib call");
    size_t len;
    const char *name = lua_tolstring(L, 1, &len);
    if (!name) return api_error(L, "Invalid command passed to redis.acl_check_cmd()");
    Obj *o = obj_string(name, len);
    struct Command *cmd = command_lookup(&o, 1);
    obj_decr(o);
    if (!cmd) return api_error(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, 1); /* no ACL users yet: the default user may run everything */
    return 1;
}

static void set_fn(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushstring(L, name);
    lua_pushcfunction(L, fn);
    lua_rawset(L, -3);
}

static void set_num(lua_State *L, const char *name, lua_Number v) {
    lua_pushstring(L, name);
    lua_pushnumber(L, v);
    lua_rawset(L, -3);
}

static void open_redis_table(lua_State *L) {
    lua_newtable(L);
    set_fn(L, "call", redis_call);
    set_fn(L, "pcall", redis_pcall);
    set_fn(L, "log", redis_log);
    set_num(L, "LOG_DEBUG", LL_DEBUG);
    set_num(L, "LOG_VERBOSE", LL_VERBOSE);
    set_num(L, "LOG_NOTICE", LL_NOTICE);
    set_num(L, "LOG_WARNING", LL_WARNING);
    set_fn(L, "setresp", redis_setresp);
    set_fn(L, "sha1hex", redis_sha1hex);
    set_fn(L, "error_reply", redis_error_reply);
    set_fn(L, "status_reply", redis_status_reply);
    set_fn(L, "set_repl", redis_set_repl);
    set_num(L, "REPL_NONE", 0);
    set_num(L, "REPL_AOF", SCRIPT_REPL_AOF);
    set_num(L, "REPL_SLAVE", SCRIPT_REPL_REPLICA);
    set_num(L, "REPL_REPLICA", SCRIPT_REPL_REPLICA);
    set_num(L, "REPL_ALL", SCRIPT_REPL_ALL);
    set_fn(L, "replicate_commands", redis_replicate_commands);
    set_fn(L, "breakpoint", redis_breakpoint);
    set_fn(L, "debug", redis_debug);
    set_fn(L, "acl_check_cmd", redis_acl_check_cmd);
    lua_pushliteral(L, "REDIS_VERSION");
    lua_pushstring(L, VESPER_VERSION);
    lua_rawset(L, -3);
    set_num(L, "REDIS_VERSION_NUM", VESPER_VERSION_NUM);
    lua_setglobal(L, "redis");
}

/* ---------------- sandbox ---------------- */

static int readonly_error(lua_State *L) { return luaL_error(L, "Attempt to modify a readonly table"); }

/* The same raised from a C function (rawset, setmetatable): no position. */
static int readonly_error_here(lua_State *L) {
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int is_readonly(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return 0;
    lua_pushliteral(L, "__newindex");
    lua_rawget(L, -2);
    int ro = lua_tocfunction(L, -1) == readonly_error;
    lua_pop(L, 2);
    return ro;
}

static int safe_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_readonly(L, 1)) return readonly_error_here(L);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int safe_setmetatable(lua_State *L) {
    if (is_readonly(L, 1)) return readonly_error_here(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* pcall: an error table becomes its message, as scripts written for Redis before
 * 7.0 expect. */
static int safe_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) lua_replace(L, -2);
            else lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

static int is_binary(const char *s, size_t len) { return len > 0 && s[0] == LUA_SIGNATURE[0]; }

/* Compiles source text as loadstring/load do: the chunk, or nil and the message;
 * precompiled chunks are refused. */
static int load_text(lua_State *L, const char *s, size_t len, const char *name) {
    if (is_binary(s, len)) {
        lua_pushnil(L);
        lua_pushliteral(L, "attempt to load a binary chunk");
        return 2;
    }
    if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int safe_loadstring(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    return load_text(L, s, len, luaL_optstring(L, 2, s));
}

static int safe_load(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    luaL_Buffer b;
    lua_settop(L, 2);
    luaL_buffinit(L, &b);
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    return load_text(L, s, len, name);
}

static int global_missing(lua_State *L) {
    if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    const char *name = lua_tostring(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

/* The real table behind a read-only proxy at idx is put in its place, so pairs()
 * and next() see a library's contents as they do in Redis (whose read-only tables
 * are the tables themselves). Anything else is left alone. */
static void unwrap_proxy(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return;
    lua_getfield(L, -1, "__newindex");
    int proxy = lua_tocfunction(L, -1) == readonly_error;
    lua_pop(L, 1);
    if (proxy) {
        lua_getfield(L, -1, "__index");
        if (lua_type(L, -1) == LUA_TTABLE) lua_replace(L, idx);
        else lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int safe_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrap_proxy(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int safe_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    unwrap_proxy(L, 1);
    lua_pushcfunction(L, safe_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* The locked metatable every proxy reports (getmetatable): an empty read-only table. */
static void push_locked_meta(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "vesper_locked_meta");
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    lua_newtable(L);                  /* the locked table */
    lua_newtable(L);                  /* its metatable */
    lua_pushcfunction(L, readonly_error);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "vesper_locked_meta");
}

/* Replaces the table at idx by a read-only proxy of it (pushed). */
static void push_proxy(lua_State *L, int idx) {
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    lua_newtable(L);                  /* proxy */
    lua_createtable(L, 0, 3);         /* its metatable */
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_error);
    lua_setfield(L, -2, "__newindex");
    push_locked_meta(L);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

void script_lua_readonly_table(lua_State *L, int idx) {
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    push_proxy(L, idx);
    lua_replace(L, idx);
}

void script_lua_protect(lua_State *L) {
    lua_pushvalue(L, LUA_GLOBALSINDEX); /* G, the real globals */
    int g = lua_gettop(L);
    /* every library table becomes a read-only proxy */
    lua_pushnil(L);
    while (lua_next(L, g)) {
        if (lua_type(L, -1) == LUA_TTABLE && lua_type(L, -2) == LUA_TSTRING && !lua_rawequal(L, -1, g) &&
            strcmp(lua_tostring(L, -2), "KEYS") && strcmp(lua_tostring(L, -2), "ARGV") && !is_readonly(L, -1)) {
            push_proxy(L, -1);
            lua_pushvalue(L, -3);
            lua_insert(L, -2);
            lua_rawset(L, g);
        }
        lua_pop(L, 1);
    }
    /* strings' metatable: locked too ("".x reads string functions still) */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        push_locked_meta(L);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* reading a missing global is an error */
    lua_newtable(L);
    lua_pushcfunction(L, global_missing);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_error);
    lua_setfield(L, -2, "__newindex");
    push_locked_meta(L);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, g);
    /* the scripts' globals: a proxy of G; _G names the proxy */
    push_proxy(L, g);
    lua_pushliteral(L, "_G");
    lua_pushvalue(L, -2);
    lua_rawset(L, g);
    lua_pushvalue(L, g);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_pop(L, 1);
}

/* The real globals table (pushed). */
static void push_real_globals(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, LUA_GLOBALSINDEX);
    }
}

void script_lua_set_global(lua_State *L, const char *name) {
    push_real_globals(L);
    lua_pushstring(L, name);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 2);
}

static void remove_global(lua_State *L, const char *name) {
    lua_pushnil(L);
    lua_setglobal(L, name);
}

/* os.clock(): seconds of processor time used by the process, like Lua's own. */
static int lua_os_clock(lua_State *L) {
    lua_pushnumber(L, (lua_Number)clock() / (lua_Number)CLOCKS_PER_SEC);
    return 1;
}

lua_State *script_lua_create(void *engine_data) {
    LuaHeap *heap = calloc(1, sizeof(*heap));
    lua_State *L = lua_newstate(heap_alloc, heap);
    static const luaL_Reg libs[] = {{"", luaopen_base},          {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_DBLIBNAME, luaopen_debug}, {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        lua_pushcfunction(L, l->func);
        lua_pushstring(L, l->name);
        lua_call(L, 1, 0);
    }
    script_libs_open(L);
    open_redis_table(L);
    /* math.random: Redis's generator */
    lua_getglobal(L, "math");
    lua_pushcfunction(L, lua_math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, lua_math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    /* the error handler: a table error {err=, source=, line=} from any error */
    static const char handler[] =
        "local dbg = debug\n"
        "return function(err)\n"
        "  local i = dbg.getinfo(2, 'nSl')\n"
        "  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end\n"
        "  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
        "  if i then err['source'] = i.source; err['line'] = i.currentline end\n"
        "  return err\n"
        "end\n";
    if (luaL_loadbuffer(L, handler, sizeof(handler) - 1, "@err_handler") || lua_pcall(L, 0, 1, 0))
        panic("Lua error handler: %s", lua_tostring(L, -1));
    lua_setfield(L, LUA_REGISTRYINDEX, REG_ERR_HANDLER);
    /* safer replacements, then what scripts must not reach */
    lua_pushcfunction(L, safe_rawset);
    lua_setglobal(L, "rawset");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, safe_pcall);
    lua_setglobal(L, "pcall");
    lua_pushcfunction(L, safe_loadstring);
    lua_setglobal(L, "loadstring");
    lua_pushcfunction(L, safe_load);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, safe_pairs);
    lua_setglobal(L, "pairs");
    lua_pushcfunction(L, safe_next);
    lua_setglobal(L, "next");
    static const char *removed[] = {"print", "loadfile", "dofile", "setfenv", "getfenv", "newproxy",
                                    "module", "require", "package", "debug", "io", "os", NULL};
    for (int i = 0; removed[i]; i++) remove_global(L, removed[i]);
    lua_newtable(L);
    lua_pushcfunction(L, lua_os_clock);
    lua_setfield(L, -2, "clock");
    lua_setglobal(L, "os");
    lua_pushlightuserdata(L, engine_data);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_ENGINE_DATA);
    return L;
}

void *script_lua_engine_data(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, REG_ENGINE_DATA);
    void *p = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return p;
}

void script_lua_close(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    lua_close(L);
    free(ud);
}

int script_lua_compile(lua_State *L, const char *body, size_t len, const char *chunkname) {
    return luaL_loadbuffer(L, body, len, chunkname) ? -1 : 0;
}

/* ---------------- running ---------------- */

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    ScriptRun *run = script_current();
    if (!run || !script_interrupt(run)) return;
    server_log(LL_WARNING, "Lua script killed by user with SCRIPT KILL.");
    /* every line from now on raises again, so pcall cannot swallow the kill */
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    script_lua_push_error(L, "Script killed by user with SCRIPT KILL...");
    lua_error(L);
}

/* Fills the table at the top (reused between runs) with objs. */
static void fill_array(lua_State *L, Obj **objs, int n) {
    int old = (int)lua_objlen(L, -1);
    for (int i = 0; i < n; i++) {
        char buf[32];
        size_t len;
        const char *p = obj_strbuf(objs[i], buf, &len);
        lua_pushlstring(L, p, len);
        lua_rawseti(L, -2, i + 1);
    }
    for (int i = n + 1; i <= old; i++) {
        lua_pushnil(L);
        lua_rawseti(L, -2, i);
    }
}

/* Reads the error table's fields into an error reply for the caller. */
static void reply_run_error(Client *c, lua_State *L, const char *funcname) {
    if (!lua_istable(L, -1)) {
        const char *msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
        reply_errorf(c, "Error running script %s, %.100s\n", funcname, msg);
        return;
    }
    lua_getfield(L, -1, "err");
    const char *msg = lua_tostring(L, -1);
    lua_getfield(L, -2, "source");
    const char *source = lua_tostring(L, -1);
    lua_getfield(L, -3, "line");
    const char *line = lua_tostring(L, -1);
    lua_getfield(L, -4, "ignore_error_stats_update");
    int counted = lua_toboolean(L, -1); /* a redis.call error: counted where it arose */
    Sds e = sds_catprintf(sds_empty(), "-%s", msg ? msg : "ERR unknown error"); /* an error table without err */
    if (source && line) e = sds_catprintf(e, " script: %s, on %s:%s.", funcname, source, line);
    if (counted) reply_error_nostats(c, e, sds_len(e));
    else reply_error_len(c, e, sds_len(e));
    sds_free(e);
    lua_pop(L, 4);
}

void script_lua_run(lua_State *L, ScriptRun *run, Obj **keys, int nkeys, Obj **args, int nargs, int keys_as_globals) {
    static int gc_count;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_ERR_HANDLER);
    lua_insert(L, -2); /* handler below the function */
    int base = lua_gettop(L) - 1;
    /* KEYS and ARGV: tables kept in the registry and refilled each run */
    lua_getfield(L, LUA_REGISTRYINDEX, "vesper_keys");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "vesper_keys");
    }
    fill_array(L, keys, nkeys);
    lua_getfield(L, LUA_REGISTRYINDEX, "vesper_argv");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "vesper_argv");
    }
    fill_array(L, args, nargs);
    int fnargs = 2;
    if (keys_as_globals) {
        lua_pushvalue(L, -1);
        script_lua_set_global(L, "ARGV");
        lua_pushvalue(L, -2);
        script_lua_set_global(L, "KEYS");
        lua_pop(L, 2);
        fnargs = 0;
    }
    int hooked = server.cfg.busy_reply_threshold > 0;
    if (hooked) lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
    int err = lua_pcall(L, fnargs, 1, base);
    if (hooked || lua_gethook(L)) lua_sethook(L, NULL, 0, 0);
    if (err) reply_run_error(run->caller, L, run->funcname);
    else script_lua_reply(run->caller, L);
    lua_settop(L, base - 1);
    if (++gc_count == 50) {
        lua_gc(L, LUA_GCSTEP, 50);
        gc_count = 0;
    }
}
