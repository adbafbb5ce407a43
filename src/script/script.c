/* script.c - the run of one script or function, independent of the language: the
 * checks before it starts, the busy state past the time limit, SCRIPT/FUNCTION
 * KILL, and the path from redis.call() to a command on the engine's fake client.
 *
 * Invariants: at most one run (cur) at a time; while it lasts server.in_script is
 * set, so the cron and before-sleep leave the dataset alone (no active expiry, no
 * serving of clients blocked on keys) when the hook processes events; the dataset
 * clock (server.mstime) stays at the run's start for every command the script
 * calls, as Redis 7.0 freezes time for a script; the caller is protected (not
 * freed) and its further input is not executed until the run ends.
 * Costs: script_call() is one command lookup, a few flag tests, command_call(). */
#include "script.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/evict.h"
#include "../core/propagate.h"
#include "../core/reply.h"
#include "../core/server.h"
#include "../persist/snapshot.h"
#include <string.h>
#include <strings.h>

static ScriptRun *cur;
static Client *fake_client;

static const struct {
    const char *name;
    uint64_t flag;
} flag_names[] = {
    {"no-writes", SCRIPT_FLAG_NO_WRITES},
    {"allow-oom", SCRIPT_FLAG_ALLOW_OOM},
    {"allow-stale", SCRIPT_FLAG_ALLOW_STALE},
    {"no-cluster", SCRIPT_FLAG_NO_CLUSTER},
    {"allow-cross-slot-keys", SCRIPT_FLAG_ALLOW_CROSS_SLOT},
};

uint64_t script_flag_by_name(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (strlen(flag_names[i].name) == len && !memcmp(flag_names[i].name, name, len)) return flag_names[i].flag;
    return 0;
}

int script_flag_names(uint64_t flags, const char **out, int max) {
    int n = 0;
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]) && n < max; i++)
        if (flags & flag_names[i].flag) out[n++] = flag_names[i].name;
    return n;
}

/* The one fake client scripts run commands on, made on first use. */
static Client *script_fake(void) {
    if (!fake_client) {
        fake_client = client_create(NULL, CLIENT_FAKE | CLIENT_SCRIPT | CLIENT_DENY_BLOCKING);
        fake_client->authenticated = 1;
    }
    return fake_client;
}

ScriptRun *script_current(void) { return cur; }
int script_is_busy(void) { return cur && cur->timedout; }

int script_run_prepare(ScriptRun *run, Client *caller, const char *funcname, uint64_t flags, int ro, int is_eval) {
    if (!(flags & SCRIPT_FLAG_EVAL_COMPAT_MODE)) {
        /* (no-cluster: Vesper has no cluster mode; allow-stale: not a replica yet) */
        if (!(flags & SCRIPT_FLAG_NO_WRITES) && ro) {
            reply_error(caller, "Can not execute a script with write flag using *_ro command.");
            return -1;
        }
        Sds denied = flags & SCRIPT_FLAG_NO_WRITES ? NULL : persist_write_denied();
        if (denied) {
            reply_error_len(caller, denied, sds_len(denied));
            sds_free(denied);
            return -1;
        }
        if (server.cfg.maxmemory && !(flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) && evict_oom_state) {
            reply_error(caller, "-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
            return -1;
        }
    }
    memset(run, 0, sizeof(*run));
    run->caller = caller;
    run->fake = script_fake();
    run->funcname = funcname;
    run->flags = flags;
    run->is_eval = is_eval;
    run->read_only = ro || (!(flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) && (flags & SCRIPT_FLAG_NO_WRITES));
    run->allow_oom = !(flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) && (flags & SCRIPT_FLAG_ALLOW_OOM);
    run->oom_at_start = server.cfg.maxmemory && evict_oom_state; /* as the command found it */
    run->repl_flags = SCRIPT_REPL_ALL;
    run->start_us = server.ustime;
    run->start_ms = server.mstime;
    run->fake->db = caller->db;
    run->fake->resp = 2;
    run->fake->flags &= ~CLIENT_PREVENT_PROP;
    cur = run;
    server.in_script = 1;
    return 0;
}

void script_run_finish(ScriptRun *run) {
    if (run->timedout) {
        server_log(LL_WARNING, "Slow script detected: script finished after %lld milliseconds.",
                   mstime() - run->start_ms);
        /* restore the caller's protection as net_process_input left it */
        run->caller->flags |= CLIENT_PROTECTED;
    }
    run->fake->flags &= ~CLIENT_PREVENT_PROP;
    cur = NULL;
    server.in_script = 0;
    /* the clock moves again (the hook froze it while serving other clients) */
    server_update_time();
}

void script_kill(Client *c, int is_eval) {
    if (!cur) {
        reply_error(c, "-NOTBUSY No scripts in execution right now.");
        return;
    }
    if (cur->wrote) {
        reply_error(c, "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
                       "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
                       "NOSAVE command.");
        return;
    }
    if (is_eval && !cur->is_eval) {
        reply_error(c, "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");
        return;
    }
    if (!is_eval && cur->is_eval) {
        reply_error(c, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
        return;
    }
    cur->killed = 1;
    reply_ok(c);
}

int script_interrupt(ScriptRun *run) {
    if (run->killed) return 1;
    long long now = mstime();
    long long elapsed = now - run->start_ms;
    if (!run->timedout) {
        if (elapsed < server.cfg.busy_reply_threshold) return 0;
        run->timedout = 1;
        server_log(LL_WARNING,
                   "Slow script detected: still in execution after %lld milliseconds. You can try killing the script "
                   "using the %s command. Script name is: %s.",
                   elapsed, run->is_eval ? "SCRIPT KILL" : "FUNCTION KILL", run->funcname);
        run->caller->flags |= CLIENT_PROTECTED;
    }
    /* serve other clients (they get -BUSY, or run allow-busy commands), then put
     * the script's frozen clock back */
    long long ms = server.mstime, us = server.ustime;
    static long long last_us;
    long long mono = monotonic_us();
    if (mono - last_us >= 1000) {
        last_us = mono;
        server_update_time();
        ev_process(server.el, 1);
        net_handle_pending_writes();
        net_free_closed_clients();
    }
    server.mstime = ms;
    server.ustime = us;
    return run->killed;
}

/* The dispatch check for the busy state: while a script is past its time limit,
 * only allow-busy commands run (SHUTDOWN only with NOSAVE). */
Sds script_busy_check(Client *c, Command *cmd, int ctx) {
    if (!cur || !cur->timedout || ctx == CHECK_CTX_SCRIPT || c == cur->fake) return NULL;
    if (cmd->flags & CMD_ALLOW_BUSY) {
        if (strcmp(cmd->name, "shutdown") != 0) return NULL;
        for (int i = 1; i < c->argc; i++)
            if (!strcasecmp(c->argv[i]->ptr, "nosave")) return NULL;
    }
    return sds_new(cur->is_eval ? "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
                                : "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");
}

Sds script_call(ScriptRun *run, Obj **argv, int argc) {
    Client *c = run->fake;
    if (c->bufpos || c->reply_head) { /* a reply left by a conversion that raised */
        reply_free_blocks(c);
        c->bufpos = c->sentlen = 0;
    }
    if (c->argv_cap < argc) {
        c->argv = vrealloc(c->argv, sizeof(Obj *) * (size_t)argc);
        c->argv_cap = argc;
    }
    memcpy(c->argv, argv, sizeof(Obj *) * (size_t)argc);
    c->argc = argc;
    Command *cmd = command_lookup(c->argv, argc);
    c->cmd = c->lastcmd = c->realcmd = cmd;
    Sds err = NULL;
    if (!cmd) {
        err = sds_new("Unknown Redis command called from script");
        goto refused;
    }
    if (command_check_arity(cmd, argc)) {
        err = sds_new("Wrong number of args calling Redis command from script");
        goto refused;
    }
    if ((cmd->flags & CMD_NOSCRIPT) && !server.script_disable_deny_script) {
        err = sds_new("This Redis command is not allowed from script");
        goto refused;
    }
    if (run->read_only && (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE))) {
        err = sds_new("Write commands are not allowed from read-only scripts.");
        goto refused;
    }
    if ((cmd->flags & CMD_WRITE) && (err = persist_write_denied())) goto refused;
    if (!run->allow_oom && server.cfg.maxmemory && !run->wrote && run->oom_at_start && (cmd->flags & CMD_DENYOOM)) {
        err = sds_new("-OOM command not allowed when used memory > 'maxmemory'.");
        goto refused;
    }
    if (cmd->flags & CMD_WRITE) run->wrote = 1;
    if (run->repl_flags == 0) c->flags |= CLIENT_PREVENT_PROP;
    else c->flags &= ~CLIENT_PREVENT_PROP;
    command_call(c, cmd);
    client_reset_args(c);
    return NULL;
refused:
    reply_error_count(err, sds_len(err)); /* counted once here; the script's error is not counted again */
    if (cmd) cmd->rejected_calls++;
    client_reset_args(c);
    return err;
}

const char *script_fake_reply(Client *fake, size_t *len) {
    if (!fake->reply_head) {
        *len = fake->bufpos;
        return fake->buf;
    }
    /* long replies spill into blocks: gather them after the buffer once */
    Sds all = reply_take(fake);
    size_t n = sds_len(all);
    if (fake->buf_size < n) {
        vfree(fake->buf);
        fake->buf = vmalloc(n);
        fake->buf_size = n;
    }
    memcpy(fake->buf, all, n);
    sds_free(all);
    fake->bufpos = n;
    *len = n;
    return fake->buf;
}

void script_fake_reply_done(Client *fake) {
    fake->bufpos = 0;
    fake->sentlen = 0;
    if (fake->buf_size > 64 * 1024) { /* don't keep a huge reply's buffer */
        vfree(fake->buf);
        fake->buf_size = REPLY_BUF_MIN;
        fake->buf = vmalloc(fake->buf_size);
    }
}

int script_numkeys_ok(Client *c, long long numkeys) {
    if (numkeys > c->argc - 3) {
        reply_error(c, "Number of keys can't be greater than number of args");
        return 0;
    }
    if (numkeys < 0) {
        reply_error(c, "Number of keys can't be negative");
        return 0;
    }
    return 1;
}
