/* script.h - the scripting engine: Lua 5.1 states with the redis.* API, the run
 * of one script or function (time limit, busy state, SCRIPT/FUNCTION KILL), the
 * path from redis.call() to a command on a fake client, and the conversions
 * between RESP replies and Lua values. EVAL/EVALSHA/SCRIPT (eval.c) and
 * FUNCTION/FCALL (the functions branch) are both built on it.
 *
 * How a caller runs code (EVAL and FCALL do exactly this):
 *
 *     ScriptRun run;
 *     if (script_run_prepare(&run, c, "f_<sha>" or fname, flags, ro, is_eval) < 0)
 *         return;                               // the error was replied to c
 *     lua_rawgeti(L, LUA_REGISTRYINDEX, ref);   // push the Lua function to run
 *     script_lua_run(L, &run, keys, nkeys, args, nargs, keys_as_globals);
 *     script_run_finish(&run);                  // reply already sent to c
 *
 * Invariants:
 *  - At most one run at a time (script_current() != NULL while it lasts); runs
 *    never nest (EVAL/FCALL are "noscript" commands).
 *  - During a run, once busy-reply-threshold (lua-time-limit) ms have passed, the
 *    Lua count hook processes events: other clients' commands are refused with
 *    -BUSY unless flagged allow-busy (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE,
 *    ...); the caller client is protected from being freed until the run ends.
 *  - Commands called from a script run through command_call() on one fake client
 *    per engine (CLIENT_FAKE|CLIENT_SCRIPT|CLIENT_DENY_BLOCKING), after the checks
 *    Redis 7.0 applies to scripts; their effects propagate inside the caller's
 *    propagation scope, so the AOF and replicas get MULTI/EXEC-wrapped effects and
 *    never EVAL itself (the caller calls propagate_prevent()).
 * Costs: preparing a run is a few assignments; a redis.call() is one command
 * lookup, argv objects built from the Lua strings, the call, and one pass over
 * the reply bytes that pushes the Lua values directly (no intermediate tree). */
#ifndef VESPER_SCRIPT_H
#define VESPER_SCRIPT_H
#include <stdint.h>
#include <lua.h>
#include "../core/client.h"
#include "../core/obj.h"
#include "../base/sds.h"

/* ---- flags of a script (EVAL shebang) or function (register_function flags) ---- */
#define SCRIPT_FLAG_NO_WRITES (1ULL << 0)        /* "no-writes" */
#define SCRIPT_FLAG_ALLOW_OOM (1ULL << 1)        /* "allow-oom" */
#define SCRIPT_FLAG_ALLOW_STALE (1ULL << 2)      /* "allow-stale" */
#define SCRIPT_FLAG_NO_CLUSTER (1ULL << 3)       /* "no-cluster" */
#define SCRIPT_FLAG_EVAL_COMPAT_MODE (1ULL << 4) /* EVAL script without shebang: legacy rules */
#define SCRIPT_FLAG_ALLOW_CROSS_SLOT (1ULL << 5) /* "allow-cross-slot-keys" */

/* The flag named name (len bytes), 0 if there is none; the names are Redis's. */
uint64_t script_flag_by_name(const char *name, size_t len);
/* The names of the flags set in flags, in Redis's order, for FUNCTION LIST and
 * COMMAND-like output: fills out (at most max) and returns how many. */
int script_flag_names(uint64_t flags, const char **out, int max);

/* EVAL's and FCALL's numkeys against the argument count (argc, the whole command
 * with numkeys at index 2): 1 when 0 <= numkeys <= argc - 3; otherwise replies
 * Redis's error ("Number of keys can't be greater than number of args" / "... can't
 * be negative") and returns 0. */
int script_numkeys_ok(Client *c, long long numkeys);

/* ---- a run ---- */
/* Set by script_run_prepare; fields are read-only for callers except where said. */
typedef struct ScriptRun {
    Client *caller;          /* the client that sent EVAL/FCALL */
    Client *fake;            /* the client redis.call() runs commands on */
    const char *funcname;    /* "f_<sha>" or the function's name (errors, STATS) */
    uint64_t flags;          /* SCRIPT_FLAG_* of the code */
    int is_eval;             /* EVAL (SCRIPT KILL) or a function (FUNCTION KILL) */
    int read_only;           /* *_RO command or no-writes: writes refused */
    int allow_oom;
    int wrote;               /* a write command ran: SCRIPT KILL refuses (UNKILLABLE) */
    int killed;              /* SCRIPT/FUNCTION KILL asked to stop */
    int timedout;            /* past busy-reply-threshold: the server is busy */
    int oom_at_start;        /* used memory was over maxmemory when the run began */
    int repl_flags;          /* redis.set_repl(): SCRIPT_REPL_* */
    long long start_ms;      /* wall clock, for the time limit and FUNCTION STATS */
    long long start_us;
} ScriptRun;

#define SCRIPT_REPL_AOF 1
#define SCRIPT_REPL_REPLICA 2
#define SCRIPT_REPL_ALL 3

/* Checks that code with these flags may run now for caller (Redis 7.0's order:
 * no-cluster, write flag on a *_RO command, OOM without allow-oom, ...) and opens
 * the run: the fake client takes the caller's database, RESP2, and MULTI flag.
 * Returns 0, or -1 after replying the error to caller (nothing was opened). */
int script_run_prepare(ScriptRun *run, Client *caller, const char *funcname, uint64_t flags, int ro, int is_eval);
/* Closes the run: the busy state ends (clients waiting on it are served later),
 * the caller is unprotected. */
void script_run_finish(ScriptRun *run);

/* The run in progress, or NULL. */
ScriptRun *script_current(void);
/* 1 while a run is past its time limit: dispatch refuses non-allow-busy commands. */
int script_is_busy(void);
/* SCRIPT KILL (is_eval) / FUNCTION KILL: replies to c (OK, NOTBUSY, UNKILLABLE, or
 * BUSY when the run is of the other kind). */
void script_kill(Client *c, int is_eval);
/* The dispatch check (CHECK_SLOT_BUSY): -BUSY for commands not flagged allow-busy
 * while a run is past its time limit (SHUTDOWN only with NOSAVE). */
struct Command;
Sds script_busy_check(Client *c, struct Command *cmd, int ctx);
/* Called by the Lua hook every few thousand instructions: refreshes the clock,
 * enters the busy state past the limit and processes events. 1 if the run must
 * stop (killed). */
int script_interrupt(ScriptRun *run);

/* Runs argv (argc objects; the fake client takes ownership of the objects) for
 * the current run on its fake client, after the checks a script's command gets.
 * On a refusal returns the error (a new sds, "-CODE msg" or plain msg) and runs
 * nothing; else NULL and the reply is in the fake client's buffer
 * (script_fake_reply / script_fake_reply_done). */
Sds script_call(ScriptRun *run, Obj **argv, int argc);
/* The fake client's reply bytes (a view valid until _done), and their release. */
const char *script_fake_reply(Client *fake, size_t *len);
void script_fake_reply_done(Client *fake);

/* ---- Lua states ---- */
/* A new Lua state: base, table, string, math, debug (removed after setup), the
 * libraries of script_libs_open (cjson, bit, cmsgpack, struct), the redis table
 * with the whole runtime API (call, pcall, error_reply, status_reply, sha1hex,
 * log + LOG_*, setresp, set_repl + REPL_*, replicate_commands, breakpoint,
 * debug, REDIS_VERSION, REDIS_VERSION_NUM), the sandbox (no io/os but os.clock,
 * no loadfile/dofile/require/print, loadstring refuses bytecode, math.random with
 * Redis's lrand48 generator), the error handler __redis__err__handler. The globals
 * are still writable: the caller adds its own, then calls script_lua_protect().
 * engine_data is kept for the caller (script_lua_engine_data). */
lua_State *script_lua_create(void *engine_data);
void *script_lua_engine_data(lua_State *L);
/* Makes the globals and every library table read-only ("Attempt to modify a
 * readonly table") and reading an undefined global an error ("Script attempted to
 * access nonexistent global variable 'x'"). */
void script_lua_protect(lua_State *L);
/* Makes the table at index idx read-only (for tables the caller adds). */
void script_lua_readonly_table(lua_State *L, int idx);
/* Sets a global despite the protection (pops the value). */
void script_lua_set_global(lua_State *L, const char *name);
void script_lua_close(lua_State *L);
/* Bytes the Lua heap uses in whole kilobytes, as Redis reports lua_gc(LUA_GCCOUNT) * 1024
 * (INFO used_memory_lua, used_memory_vm_eval, used_memory_vm_functions). */
size_t script_lua_memory(lua_State *L);

/* Compiles body (len bytes) as a chunk named "@user_script" into a function and
 * leaves it on the stack. Returns 0, or -1 with the Lua error message on the
 * stack instead (the caller formats it: "Error compiling script (new function):
 * user_script:1: ..."). */
int script_lua_compile(lua_State *L, const char *body, size_t len, const char *chunkname);

/* Runs the function on top of the stack for run (popped): KEYS and ARGV are set
 * as globals (keys_as_globals: EVAL) or passed as its two arguments (FCALL);
 * math.random goes on with its sequence (Redis 7.0 seeds it only at start-up and on
 * math.randomseed); the count hook enforces the time limit. The result is
 * converted and replied to run->caller, or the error is, in Redis 7.0's form
 * ("<err> script: <funcname>, on @user_script:<line>."). */
void script_lua_run(lua_State *L, ScriptRun *run, Obj **keys, int nkeys, Obj **args, int nargs, int keys_as_globals);

/* Pushes the Lua value for the RESP reply at p (len bytes, one whole reply) as
 * Redis converts it (resp: the fake client's protocol); returns bytes consumed. */
size_t script_lua_push_reply(lua_State *L, const char *p, size_t len);
/* Replies the Lua value at the top of the stack to c as Redis converts it (not
 * popped). */
void script_lua_reply(Client *c, lua_State *L);
/* Pushes a Lua error table {err="CODE msg"} from "-CODE msg" or "msg" (gets ERR). */
void script_lua_push_error(lua_State *L, const char *msg);

/* The libraries (cjson, bit, cmsgpack, struct): script_libs_open() in lualibs.h. */

#endif
