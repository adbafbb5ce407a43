/* eval.c - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the script cache and the
 * eval Lua state, on top of the engine (script.h).
 *
 * A script body is cached under the lower-case hex SHA1 of its text; its compiled
 * function sits in the Lua registry under "f_<sha>", its shebang flags in the
 * cache entry. SCRIPT FLUSH drops the cache and replaces the Lua state.
 * Invariants: the cache and the registry hold the same scripts; nothing of a run
 * propagates but the commands the script ran (EVAL itself never does), which the
 * propagation module wraps in MULTI/EXEC when there are several.
 * Costs: EVALSHA is one table lookup by SHA, a registry lookup, and the run. */
#include "script.h"
#include <lauxlib.h>
#include <string.h>
#include <strings.h>
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/sha1.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/defrag.h"
#include "../core/module.h"
#include <ctype.h>
#include "../core/monitor.h"
#include "../core/propagate.h"
#include "../core/reply.h"
#include "../core/server.h"

typedef struct EvalScript {
    char sha[41];
    uint64_t flags;
    Sds body;
    int ref;                 /* the compiled function in the Lua registry */
} EvalScript;

static lua_State *eval_lua;
static Ht *scripts;
static size_t scripts_mem;

static const void *script_key(const void *e, size_t *len) {
    *len = 40;
    return ((const EvalScript *)e)->sha;
}

static void script_free(void *e) {
    EvalScript *s = e;
    sds_free(s->body);
    vfree(s);
}

static const HtType scripts_type = {.hash = hash_bytes, .entry_key = script_key, .entry_free = script_free};

/* Active defragmentation of the script cache (run once per pass, as Redis walks its
 * lua_scripts dictionary): each entry and its body may move. */
static void *defrag_script(void *privdata, void *entry) {
    (void)privdata;
    EvalScript *s = entry;
    Sds b = sds_defrag(s->body);
    if (b) s->body = b;
    return vmalloc_defrag(s);
}

static void eval_defrag(void) {
    unsigned long cursor = 0;
    if (!scripts) return;
    do cursor = ht_scan_defrag(scripts, cursor, defrag_script, vmalloc_defrag, NULL);
    while (cursor);
}

static void eval_state_create(void) {
    eval_lua = script_lua_create(NULL);
    script_lua_protect(eval_lua);
    scripts = ht_create(&scripts_type);
    scripts_mem = 0;
}

static void eval_state_release(void) {
    script_lua_close(eval_lua);
    ht_release(scripts);
}

/* Parses the shebang of body ("#!lua [flags=a,b]"); *flags gets the script's
 * flags, *skip the shebang's length (its line feed is kept, so lines count the
 * same). Returns NULL or the error. */
static Sds parse_shebang(const char *body, size_t len, uint64_t *flags, size_t *skip) {
    *flags = SCRIPT_FLAG_EVAL_COMPAT_MODE;
    *skip = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!') return NULL;
    const char *nl = memchr(body, '\n', len);
    if (!nl) return sds_new("Invalid script shebang");
    *skip = (size_t)(nl - body);
    Sds line = sds_newlen(body, *skip);
    int n = 0;
    Sds *parts = sds_splitargs(line, &n);
    sds_free(line);
    Sds err = NULL;
    if (!parts || n == 0) {
        err = sds_new("Invalid engine in script shebang");
        goto done;
    }
    if (strcmp(parts[0], "#!lua") != 0) {
        err = sds_catprintf(sds_empty(), "Unexpected engine in script shebang: %s", parts[0]);
        goto done;
    }
    *flags &= ~SCRIPT_FLAG_EVAL_COMPAT_MODE;
    for (int i = 1; i < n && !err; i++) {
        if (strncmp(parts[i], "flags=", 6) != 0) {
            err = sds_catprintf(sds_empty(), "Unknown lua shebang option: %s", parts[i]);
            break;
        }
        const char *p = parts[i] + 6, *end = parts[i] + sds_len(parts[i]);
        while (p < end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *fe = comma ? comma : end;
            uint64_t f = script_flag_by_name(p, (size_t)(fe - p));
            if (!f) {
                err = sds_catprintf(sds_empty(), "Unexpected flag in script shebang: %.*s", (int)(fe - p), p);
                break;
            }
            *flags |= f;
            p = comma ? comma + 1 : end;
        }
    }
done:
    if (parts) sds_freesplit(parts, n);
    return err;
}

/* Compiles and caches body (unless cached); replies the error to c and returns
 * NULL on failure. */
static EvalScript *eval_create(Client *c, const Obj *body_obj) {
    char buf[32];
    size_t len;
    const char *body = obj_strbuf(body_obj, buf, &len);
    uint8_t d[SHA1_DIGEST_LEN];
    char sha[41];
    sha1(body, len, d);
    sha1_hex(d, sha);
    EvalScript *s = ht_find(scripts, sha, 40);
    if (s) return s;
    uint64_t flags;
    size_t skip;
    Sds err = parse_shebang(body, len, &flags, &skip);
    if (err) {
        reply_error(c, err);
        sds_free(err);
        return NULL;
    }
    if (script_lua_compile(eval_lua, body + skip, len - skip, "@user_script") < 0) {
        reply_errorf(c, "Error compiling script (new function): %s", lua_tostring(eval_lua, -1));
        lua_pop(eval_lua, 1);
        return NULL;
    }
    s = vmalloc(sizeof(*s));
    memcpy(s->sha, sha, 41);
    s->flags = flags;
    s->body = sds_newlen(body, len);
    s->ref = luaL_ref(eval_lua, LUA_REGISTRYINDEX);
    ht_add(scripts, s);
    scripts_mem += sizeof(*s) + sds_alloc_size(s->body);
    return s;
}

static void eval_generic(Client *c, int evalsha, int ro) {
    long long numkeys;
    if (!arg_ll(c, c->argv[2], &numkeys, NULL)) return;
    if (!script_numkeys_ok(c, numkeys)) return;
    EvalScript *s;
    if (evalsha) {
        char sha[41];
        const char *p = c->argv[1]->ptr;
        for (int i = 0; i < 40; i++) sha[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
        sha[40] = 0;
        s = ht_find(scripts, sha, 40);
        if (!s) {
            reply_error(c, "-NOSCRIPT No matching script. Please use EVAL.");
            return;
        }
    } else {
        s = eval_create(c, c->argv[1]);
        if (!s) return;
    }
    ScriptRun run;
    if (script_run_prepare(&run, c, s->sha, s->flags, ro, 1) < 0) return;
    propagate_prevent(c);
    lua_rawgeti(eval_lua, LUA_REGISTRYINDEX, s->ref);
    script_lua_run(eval_lua, &run, c->argv + 3, (int)numkeys, c->argv + 3 + numkeys, c->argc - 3 - (int)numkeys, 1);
    script_run_finish(&run);
}

static void eval_cmd(Client *c) {
    if (monitor_count) monitor_feed_always(c, c->cmd);
    eval_generic(c, 0, 0);
}

static void eval_ro_cmd(Client *c) {
    if (monitor_count) monitor_feed_always(c, c->cmd);
    eval_generic(c, 0, 1);
}

static void evalsha_generic(Client *c, int ro) {
    if (monitor_count) monitor_feed_always(c, c->cmd);
    if (sds_len(c->argv[1]->ptr) != 40) {
        reply_error(c, "-NOSCRIPT No matching script. Please use EVAL.");
        return;
    }
    eval_generic(c, 1, ro);
}

static void evalsha_cmd(Client *c) { evalsha_generic(c, 0); }
static void evalsha_ro_cmd(Client *c) { evalsha_generic(c, 1); }

/* ---------------- SCRIPT ---------------- */

static void script_load_cmd(Client *c) {
    EvalScript *s = eval_create(c, c->argv[2]);
    if (s) reply_bulk(c, s->sha, 40);
}

static void script_exists_cmd(Client *c) {
    reply_array_len(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const char *p = c->argv[i]->ptr;
        size_t len = sds_len(c->argv[i]->ptr);
        char sha[41];
        int found = 0;
        if (len == 40) {
            for (int j = 0; j < 40; j++) sha[j] = (p[j] >= 'A' && p[j] <= 'Z') ? (char)(p[j] + 32) : p[j];
            found = ht_find(scripts, sha, 40) != NULL;
        }
        reply_long(c, found);
    }
}

static void script_flush_cmd(Client *c) {
    if (c->argc == 3 && !arg_is(c->argv[2], "sync") && !arg_is(c->argv[2], "async")) {
        reply_error(c, "SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    if (c->argc > 3) {
        reply_error(c, "SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    eval_state_release();
    eval_state_create();
    reply_ok(c);
}

static void script_kill_cmd(Client *c) { script_kill(c, 1); }

static void script_debug_cmd(Client *c) {
    if (arg_is(c->argv[2], "no")) {
        reply_ok(c);
    } else if (arg_is(c->argv[2], "yes") || arg_is(c->argv[2], "sync")) {
        reply_error(c, "SCRIPT DEBUG: the Lua debugger is not available in this server");
    } else {
        reply_error(c, "Use SCRIPT DEBUG YES/SYNC/NO");
    }
}

static void script_help_cmd(Client *c) {
    static const char *help[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    reply_help(c, help);
}

/* EVAL's keys: numkeys at argv[2], then the keys. */
static int eval_getkeys(int argc, Obj **argv, int *keys, int max) {
    long long num;
    if (argc < 3 || !obj_get_ll(argv[2], &num) || num < 1 || num > argc - 3) return 0;
    int n = 0;
    for (int i = 3; i < 3 + num && n < max; i++) keys[n++] = i;
    return n;
}

/* The flags of an EVAL/EVALSHA call follow its script's shebang flags, as Redis's
 * evalGetCommandFlags (CLIENT PAUSE WRITE lets a no-writes script run; dispatch's
 * OOM check refuses one that may write unless allow-oom); a script without a
 * shebang keeps the command's flags. */
static uint64_t eval_flags_from(uint64_t flags, uint64_t sf) {
    if (sf & SCRIPT_FLAG_EVAL_COMPAT_MODE) return flags;
    flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(sf & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) flags |= CMD_DENYOOM;
    if (!(sf & SCRIPT_FLAG_NO_WRITES)) flags |= CMD_WRITE;
    if (sf & SCRIPT_FLAG_ALLOW_STALE) flags |= CMD_STALE;
    return flags;
}

static uint64_t eval_call_flags(Client *c, uint64_t flags) {
    if (c->argc < 2) return flags;
    uint64_t sf;
    size_t skip;
    Sds err = parse_shebang(c->argv[1]->ptr, sds_len(c->argv[1]->ptr), &sf, &skip);
    if (err) {
        sds_free(err);
        return flags;
    }
    return eval_flags_from(flags, sf);
}

static uint64_t evalsha_call_flags(Client *c, uint64_t flags) {
    if (c->argc < 2 || sds_len(c->argv[1]->ptr) != 40 || !scripts) return flags;
    char sha[41];
    for (int i = 0; i < 40; i++) sha[i] = (char)tolower((unsigned char)((char *)c->argv[1]->ptr)[i]);
    sha[40] = '\0';
    EvalScript *es = ht_find(scripts, sha, 40);
    return es ? eval_flags_from(flags, es->flags) : flags;
}

#define EVAL_FLAGS (CMD_RUNS_SCRIPT | CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_MAY_REPLICATE | CMD_NO_MANDATORY_KEYS | CMD_STALE)
#define EVAL_RO_FLAGS (CMD_RUNS_SCRIPT | CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_STALE | CMD_READONLY)
#define EVAL_COMPLEXITY "Depends on the script that is executed."

static Command script_subcommands[] = {
    {.name = "debug", .proc = script_debug_cmd, .arity = 3, .flags = CMD_NOSCRIPT, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Set the debug mode for executed scripts.", .since = "3.2.0",
     .complexity = "O(1)", .args = "(YES|SYNC|NO){mode}"},
    {.name = "exists", .proc = script_exists_cmd, .arity = -3, .flags = CMD_NOSCRIPT, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Check existence of scripts in the script cache.", .since = "2.6.0",
     .complexity = "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
     .args = "sha1:string...\ntip request_policy:all_shards\ntip response_policy:agg_logical_and"},
    {.name = "flush", .proc = script_flush_cmd, .arity = -2, .flags = CMD_NOSCRIPT, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Remove all the scripts from the script cache.", .since = "2.6.0",
     .complexity = "O(N) with N being the number of scripts in cache",
     .args = "[ASYNC|SYNC]{async @6.2.0}\nhistory 6.2.0 Added the `ASYNC` and `SYNC` flushing mode modifiers.\n"
             "tip request_policy:all_nodes\ntip response_policy:all_succeeded"},
    {.name = "help", .proc = script_help_cmd, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting",
     .summary = "Show helpful text about the different subcommands", .since = "5.0.0", .complexity = "O(1)"},
    {.name = "kill", .proc = script_kill_cmd, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Kill the script currently in execution.",
     .since = "2.6.0", .complexity = "O(1)",
     .args = "\ntip request_policy:all_shards\ntip response_policy:one_succeeded"},
    {.name = "load", .proc = script_load_cmd, .arity = 3, .flags = CMD_NOSCRIPT | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting",
     .summary = "Load the specified Lua script into the script cache.", .since = "2.6.0",
     .complexity = "O(N) with N being the length in bytes of the script body.",
     .args = "script:string\ntip request_policy:all_nodes\ntip response_policy:all_succeeded"},
    {0}};

static Command eval_commands[] = {
    {.name = "eval", .proc = eval_cmd, .arity = -3, .flags = EVAL_FLAGS, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Execute a Lua script server side", .since = "2.6.0",
     .complexity = EVAL_COMPLEXITY,
     .args = "script:string numkeys:integer [key:key...] [arg:string...]\n"
             "keynote 0 We cannot tell how the keys will be used so we assume the worst, RW and UPDATE",
     .keyspecs = {KSN(KS_RW | KS_ACCESS | KS_UPDATE, 2, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = eval_getkeys,
     .call_flags = eval_call_flags},
    {.name = "evalsha", .proc = evalsha_cmd, .arity = -3, .flags = EVAL_FLAGS, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Execute a Lua script server side", .since = "2.6.0",
     .complexity = EVAL_COMPLEXITY, .args = "sha1:string numkeys:integer [key:key...] [arg:string...]",
     .keyspecs = {KSN(KS_RW | KS_ACCESS | KS_UPDATE, 2, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = eval_getkeys,
     .call_flags = evalsha_call_flags},
    {.name = "eval_ro", .proc = eval_ro_cmd, .arity = -3, .flags = EVAL_RO_FLAGS, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Execute a read-only Lua script server side", .since = "7.0.0",
     .complexity = EVAL_COMPLEXITY,
     .args = "script:string numkeys:integer [key:key...] [arg:string...]\n"
             "keynote 0 We cannot tell how the keys will be used so we assume the worst, RO and ACCESS",
     .keyspecs = {KSN(KS_RO | KS_ACCESS, 2, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = eval_getkeys,
     .call_flags = eval_call_flags},
    {.name = "evalsha_ro", .proc = evalsha_ro_cmd, .arity = -3, .flags = EVAL_RO_FLAGS,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Execute a read-only Lua script server side",
     .since = "7.0.0", .complexity = EVAL_COMPLEXITY,
     .args = "sha1:string numkeys:integer [key:key...] [arg:string...]",
     .keyspecs = {KSN(KS_RO | KS_ACCESS, 2, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = eval_getkeys,
     .call_flags = evalsha_call_flags},
    {.name = "script", .arity = -2, .group = "scripting", .summary = "A container for Lua scripts management commands",
     .since = "2.6.0", .complexity = "Depends on subcommand.", .subcommands = script_subcommands},
    {0}};

/* ---------------- the module ---------------- */

static void eval_init(void) {
    eval_state_create();
    defrag_register_globals(eval_defrag);
}

static long long gauge_lua_mem(void) { return eval_lua ? (long long)script_lua_memory(eval_lua) : 0; }
static long long gauge_scripts_mem(void) { return (long long)scripts_mem; }
static long long gauge_nscripts(void) { return scripts ? (long long)ht_size(scripts) : 0; }

static const InfoGauge eval_gauges[] = {
    {"used_memory_lua", gauge_lua_mem},
    {"used_memory_scripts_eval", gauge_scripts_mem},
    {"number_of_cached_scripts", gauge_nscripts},
    {0}};

static const DispatchCheckDef eval_checks[] = {{CHECK_SLOT_BUSY, script_busy_check}, {.fn = NULL}};

const Module eval_module = {
    .name = "scripting",
    .commands = eval_commands,
    .init = eval_init,
    .gauges = eval_gauges,
    .checks = eval_checks,
};
