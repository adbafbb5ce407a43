/* function_lua.c - the LUA engine of functions (functions.h) on the scripting
 * engine's Lua states (script.h).
 *
 * One Lua state holds every library's functions, apart from EVAL's. Each
 * library's code is compiled as the chunk "@user_function" and runs once with an
 * environment table (the same proxy for every library) whose reads go to a
 * "backing" table: while the code loads, a table holding only the load-time
 * `redis` (register_function, log and its levels, the version fields), so
 * anything else is "Script attempted to access nonexistent global variable";
 * afterwards the protected globals, so the functions the code registered see the
 * whole redis.* API when FCALL runs them. Writes through the proxy always fail
 * ("Attempt to modify a readonly table"), as Redis's global protection.
 * A registered function is a reference in the Lua registry (its handle). Loading
 * is bounded by a count hook (FUNCTION LOAD timeout, 500 ms for clients).
 * Costs: LOAD compiles and runs the code once; FCALL pushes the reference and
 * runs it through script_lua_run (one run context, the time limit, replies). */
#include "functions.h"
#include "script.h"
#include "../base/util.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static lua_State *L;
static int env_ref = LUA_NOREF;      /* the proxy every library's code runs in */
static int holder_ref = LUA_NOREF;   /* holder[1]: the proxy's backing table; holder[2]: true while loading */
static int loadapi_ref = LUA_NOREF;  /* {redis = <load-time redis proxy>} */

typedef struct LoadCtx {
    FunctionLib *lib;
    long long start_ms, timeout_ms;
} LoadCtx;
static LoadCtx *loading;             /* non-NULL while a library's code runs */

/* ---------------- errors ---------------- */

/* Raises an error table {err = "ERR <where><msg>"}; where: the Lua position of the
 * caller when with_pos. */
static int raise(lua_State *l, const char *msg, int with_pos) {
    luaL_where(l, 1);
    Sds s = sds_new(with_pos ? lua_tostring(l, -1) : "");
    lua_pop(l, 1);
    s = sds_cat(s, msg);
    script_lua_push_error(l, s);
    sds_free(s);
    return lua_error(l);
}

/* __index of a proxy: upvalue 1 is a holder table whose [1] is the backing table;
 * a table marked raw (holder[2]) errors on a missing name itself, the globals
 * apply their own protection. */
static int proxy_index(lua_State *l) {
    lua_rawgeti(l, lua_upvalueindex(1), 1);
    lua_rawgeti(l, lua_upvalueindex(1), 2);
    int raw = lua_toboolean(l, -1);
    lua_pop(l, 1);
    lua_pushvalue(l, 2);
    if (!raw) {
        lua_gettable(l, -2);
        return 1;
    }
    lua_rawget(l, -2);
    if (!lua_isnil(l, -1)) return 1;
    const char *k = lua_tostring(l, 2);
    Sds m = sds_catprintf(sds_empty(), "Script attempted to access nonexistent global variable '%s'", k ? k : "?");
    luaL_where(l, 1);
    Sds s = sds_new(lua_tostring(l, -1));
    s = sds_catsds(s, m);
    sds_free(m);
    script_lua_push_error(l, s);
    sds_free(s);
    return lua_error(l);
}

static int proxy_newindex(lua_State *l) { return raise(l, "Attempt to modify a readonly table", 1); }

/* Pushes a proxy over the table at index backing (raw: missing names error). */
static void push_proxy(lua_State *l, int backing, int raw) {
    backing = backing < 0 ? lua_gettop(l) + backing + 1 : backing;
    lua_newtable(l);                 /* proxy */
    lua_newtable(l);                 /* its metatable */
    lua_newtable(l);                 /* holder */
    lua_pushvalue(l, backing);
    lua_rawseti(l, -2, 1);
    lua_pushboolean(l, raw);
    lua_rawseti(l, -2, 2);
    lua_pushcclosure(l, proxy_index, 1);
    lua_setfield(l, -2, "__index");
    lua_pushcfunction(l, proxy_newindex);
    lua_setfield(l, -2, "__newindex");
    lua_setmetatable(l, -2);
}

/* ---------------- redis.register_function ---------------- */

typedef struct RegArgs {
    const char *name, *desc;
    size_t nlen, dlen;
    int ref;
    unsigned flags;
} RegArgs;

/* flags table at the top of the stack; 0 on an unknown or non-string flag. */
static int read_flags(lua_State *l, unsigned *flags) {
    *flags = 0;
    for (int j = 1;; j++) {
        lua_rawgeti(l, -1, j);
        if (lua_isnil(l, -1)) {
            lua_pop(l, 1);
            return 1;
        }
        size_t len;
        const char *s = lua_type(l, -1) == LUA_TSTRING ? lua_tolstring(l, -1, &len) : NULL;
        /* Redis 7.0 compares function flags with strcasecmp ('No-Writes' is
         * no-writes); a shebang's flags (eval.c) stay case-sensitive, as there */
        char low[32];
        uint64_t f = 0;
        if (s && len < sizeof(low)) {
            for (size_t i = 0; i < len; i++) low[i] = (char)tolower((unsigned char)s[i]);
            f = script_flag_by_name(low, len);
        }
        lua_pop(l, 1);
        if (!f || f == SCRIPT_FLAG_EVAL_COMPAT_MODE) return 0;
        *flags |= (unsigned)f;
    }
}

/* The value at -1 (key at -2, table at 1) as a string, as Redis's lua_isstring/
 * lua_tostring accept a number too: a converted number is stored back into the
 * table (assigning an existing field is allowed during lua_next) so the string
 * stays referenced after the value is popped. */
static const char *anchored_string(lua_State *l, size_t *len) {
    if (lua_type(l, -1) == LUA_TSTRING) return lua_tolstring(l, -1, len);
    lua_tolstring(l, -1, NULL);
    lua_pushvalue(l, -2);
    lua_pushvalue(l, -2);
    lua_rawset(l, 1);
    return lua_tolstring(l, -1, len);
}

static const char *named_args(lua_State *l, RegArgs *a) {
    if (!lua_istable(l, 1))
        return "calling redis.register_function with a single argument is only applicable to Lua table (representing "
               "named arguments).";
    lua_pushnil(l);
    while (lua_next(l, 1)) {
        if (lua_type(l, -2) != LUA_TSTRING) return "named argument key given to redis.register_function is not a string";
        const char *key = lua_tostring(l, -2);
        if (!strcasecmp(key, "function_name")) {
            if (!lua_isstring(l, -1)) return "function_name argument given to redis.register_function must be a string";
            a->name = anchored_string(l, &a->nlen);
        } else if (!strcasecmp(key, "description")) {
            if (!lua_isstring(l, -1)) return "description argument given to redis.register_function must be a string";
            a->desc = anchored_string(l, &a->dlen);
        } else if (!strcasecmp(key, "callback")) {
            if (!lua_isfunction(l, -1)) return "callback argument given to redis.register_function must be a function";
            if (a->ref != LUA_NOREF) luaL_unref(l, LUA_REGISTRYINDEX, a->ref);
            lua_pushvalue(l, -1);
            a->ref = luaL_ref(l, LUA_REGISTRYINDEX);
        } else if (!strcasecmp(key, "flags")) {
            if (!lua_istable(l, -1)) return "flags argument to redis.register_function must be a table representing function flags";
            if (!read_flags(l, &a->flags)) return "unknown flag given";
        } else {
            return "unknown argument given to redis.register_function";
        }
        lua_pop(l, 1);
    }
    if (!a->name) return "redis.register_function must get a function name argument";
    if (a->ref == LUA_NOREF) return "redis.register_function must get a callback argument";
    return NULL;
}

static const char *positional_args(lua_State *l, RegArgs *a) {
    if (!lua_isstring(l, 1)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(l, 2)) return "second argument to redis.register_function must be a function";
    a->name = lua_tolstring(l, 1, &a->nlen);
    lua_pushvalue(l, 2);
    a->ref = luaL_ref(l, LUA_REGISTRYINDEX);
    return NULL;
}

static int lua_register_function(lua_State *l) {
    if (!loading) return raise(l, "redis.register_function can only be called on FUNCTION LOAD command", 0);
    int argc = lua_gettop(l);
    if (argc < 1 || argc > 2) return raise(l, "wrong number of arguments to redis.register_function", 0);
    RegArgs a = {.ref = LUA_NOREF};
    const char *why = argc == 1 ? named_args(l, &a) : positional_args(l, &a);
    Sds err = NULL;
    if (!why && function_lib_add(loading->lib, a.name, a.nlen, (void *)(intptr_t)a.ref, a.desc, a.dlen, a.flags, &err))
        return 0;
    if (a.ref != LUA_NOREF) luaL_unref(l, LUA_REGISTRYINDEX, a.ref);
    if (err) {
        lua_pushstring(l, err);
        sds_free(err);
        why = lua_tostring(l, -1);
    }
    return raise(l, why, 0);
}

/* ---------------- the engine ---------------- */

static void load_hook(lua_State *l, lua_Debug *ar) {
    (void)ar;
    if (!loading || !loading->timeout_ms || mstime() - loading->start_ms <= loading->timeout_ms) return;
    lua_sethook(l, load_hook, LUA_MASKLINE, 0); /* fires again if the error is caught */
    raise(l, "FUNCTION LOAD timeout", 0);
}

/* Points the library environment at the load-time API (1) or the globals (0). */
static void env_backing(int load) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, holder_ref);
    if (load) lua_rawgeti(L, LUA_REGISTRYINDEX, loadapi_ref);
    else lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_rawseti(L, -2, 1);
    lua_pushboolean(L, load);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 1);
}

/* The message of an error value at the top of the stack (popped): an error
 * table's err field, or "ERR " and the string. */
static Sds error_message(void) {
    Sds s;
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        const char *e = lua_tostring(L, -1);
        s = sds_new(e ? e : "ERR unknown error");
        lua_pop(L, 1);
    } else {
        const char *e = lua_tostring(L, -1);
        s = sds_catprintf(sds_empty(), "ERR %s", e ? e : "unknown error");
    }
    lua_pop(L, 1);
    return s;
}

static int lua_create(FunctionLib *lib, const char *code, size_t len, long long timeout_ms, Sds *err) {
    if (script_lua_compile(L, code, len, "@user_function") != 0) {
        const char *e = lua_tostring(L, -1);
        *err = sds_catprintf(sds_empty(), "Error compiling function: %s", e ? e : "unknown error");
        lua_pop(L, 1);
        return 0;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, env_ref);
    lua_setfenv(L, -2);
    LoadCtx ctx = {lib, mstime(), timeout_ms};
    loading = &ctx;
    env_backing(1);
    lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
    int rc = lua_pcall(L, 0, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    env_backing(0);
    loading = NULL;
    if (rc != 0) {
        Sds m = error_message();
        *err = sds_catprintf(sds_empty(), "Error registering functions: %s", m);
        sds_free(m);
        return 0;
    }
    return 1;
}

static void lua_call_fn(Client *c, FunctionInfo *fi, Obj **keys, int nkeys, Obj **args, int nargs, int ro) {
    ScriptRun run;
    if (script_run_prepare(&run, c, fi->name, fi->flags, ro, 0) < 0) return;
    propagate_prevent(c); /* the function's effects propagate, never FCALL itself */
    lua_rawgeti(L, LUA_REGISTRYINDEX, (int)(intptr_t)fi->handle);
    script_lua_run(L, &run, keys, nkeys, args, nargs, 0);
    script_run_finish(&run);
}

static void lua_free_fn(void *handle) { luaL_unref(L, LUA_REGISTRYINDEX, (int)(intptr_t)handle); }
static size_t lua_used_memory(void) { return script_lua_memory(L); }

static int lua_running(const char **name, Client **caller, long long *start_ms, int *is_eval) {
    ScriptRun *r = script_current();
    if (!r) return 0;
    *name = r->funcname;
    *caller = r->caller;
    *start_ms = r->start_ms;
    *is_eval = r->is_eval;
    return 1;
}

static void lua_kill(Client *c) { script_kill(c, 0); }

static const FunctionEngine lua_engine = {
    .name = "LUA",
    .create = lua_create,
    .call = lua_call_fn,
    .free_function = lua_free_fn,
    .used_memory = lua_used_memory,
    .running = lua_running,
    .kill = lua_kill,
};

/* Builds the load-time API from the full redis table: register_function, log,
 * the log levels and the version fields. */
static void build_loadapi(void) {
    static const char *copied[] = {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                                   "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    lua_newtable(L);                             /* loadapi */
    lua_newtable(L);                             /* its redis, backing */
    lua_getglobal(L, "redis");
    for (int i = 0; copied[i]; i++) {
        lua_getfield(L, -1, copied[i]);
        lua_setfield(L, -3, copied[i]);
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, lua_register_function);
    lua_setfield(L, -2, "register_function");
    push_proxy(L, -1, 1);                        /* loadapi, backing, proxy */
    lua_setfield(L, -3, "redis");
    lua_pop(L, 1);
    loadapi_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

void function_lua_init(void) {
    L = script_lua_create(NULL);
    build_loadapi();
    script_lua_protect(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, loadapi_ref);
    push_proxy(L, -1, 1);
    /* keep the proxy's holder to switch its backing table */
    lua_getmetatable(L, -1);
    lua_getfield(L, -1, "__index");
    lua_getupvalue(L, -1, 1);
    holder_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 2);
    env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
    env_backing(0);
    functions_register_engine(&lua_engine);
}
