/* dispatch.c - the path of every command: lookup, arity, the list of checks, MULTI
 * queueing, then the call with its timing, statistics, propagation scope and the
 * serving of clients blocked on keys it made ready.
 *
 * The checks are one table of small functions, each returning NULL or the error to
 * reply with; command_process() runs all of them for a client's request, EXEC runs
 * the ones that apply inside a transaction for each queued command, scripts run the
 * ones that apply to redis.call(), and clients re-running a blocked command come
 * back through command_process() itself, so no path can skip a check.
 * Invariants: a rejected command changes nothing, counts as rejected_calls and, in
 * MULTI, dooms the transaction (EXEC then aborts, or EXEC itself aborts with the
 * reason); c->lastcmd is set at lookup, as Redis does (CLIENT LIST's cmd field).
 * Client-side caching learns of each call through tracking_after_call(), one test
 * while no client tracks.
 * Costs: one hash lookup (two for subcommands) and a handful of flag tests. */
#include "command.h"
#include "blocking.h"
#include "db.h"
#include "evict.h"
#include "monitor.h"
#include "multi.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "servercmds.h"
#include "tracking.h"
#include "../base/alloc.h"
#include "../base/panic.h"
#include "../base/util.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static Client *current_client;
static Client *outer_client;    /* the outermost call's client */
static int current_failed;      /* set by reply_error while the current call runs */

void command_note_failure(Client *c) {
    if (c == current_client) current_failed = 1;
}

Client *command_current_client(void) { return current_client; }
Client *command_outer_client(void) { return outer_client; }
int command_call_depth(void) { return prop_depth; } /* each call opens one propagation scope */

/* ---------------- the checks ---------------- */

/* Protected commands (DEBUG) run only where enable-debug-command allows. */
static inline Sds check_protected(Client *c, Command *cmd, int ctx) {
    (void)ctx;
    if (!(cmd->flags & CMD_PROTECTED) || debug_command_allowed(c)) return NULL;
    return sds_new("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can "
                   "run it from a local connection, otherwise you need to set this option in the configuration "
                   "file, and then restart the server.");
}

static inline Sds check_auth(Client *c, Command *cmd, int ctx) {
    (void)ctx;
    if (c->authenticated || (cmd->flags & CMD_NO_AUTH)) return NULL;
    return sds_new("-NOAUTH Authentication required.");
}

static inline Sds check_no_multi(Client *c, Command *cmd, int ctx) {
    (void)ctx;
    if ((c->flags & CLIENT_MULTI) && (cmd->flags & CMD_NO_MULTI)) return sds_new("Command not allowed inside a transaction");
    return NULL;
}

/* Inside MULTI every queued command takes memory, so over the limit all are refused
 * but those that end the transaction or the connection's state. */
static int grows_queue(const Client *c, const Command *cmd) {
    if (!(c->flags & CLIENT_MULTI)) return 0;
    const char *n = cmd->parent ? cmd->parent->name : cmd->name;
    return strcmp(n, "exec") && strcmp(n, "discard") && strcmp(n, "quit") && strcmp(n, "reset");
}

/* maxmemory, as Redis's processCommand: before any command (a blocked client's
 * rerun too) the engine evicts keys until memory is under the limit; when it
 * cannot, the commands that may grow the dataset are refused, and so is every
 * command queued in MULTI (EXEC itself when a queued one is deny-oom). Not while
 * a busy script lets clients in, nor for the commands inside EXEC (Redis checks
 * EXEC as a whole). The result is kept for scripts (evict_oom_state). */
static inline Sds check_oom(Client *c, Command *cmd, int ctx) {
    if (!server.cfg.maxmemory || ctx == CHECK_CTX_EXEC || ctx == CHECK_CTX_SCRIPT || server.in_script) return NULL;
    int oom = evict_perform() == EVICT_FAIL;
    evict_oom_state = oom;
    if (!oom || ctx == CHECK_CTX_RERUN) return NULL;
    uint64_t flags = cmd->call_flags ? cmd->call_flags(c, cmd->flags) : cmd->flags;
    int denyoom = (flags & CMD_DENYOOM) || (cmd->proc == multi_exec_proc && multi_queued_flags(c) & CMD_DENYOOM) ||
                  grows_queue(c, cmd);
    if (!denyoom) return NULL;
    return sds_new("-OOM command not allowed when used memory > 'maxmemory'.");
}

static inline Sds check_loading(Client *c, Command *cmd, int ctx) {
    (void)ctx;
    if (!server.loading) return NULL;
    int allowed = (cmd->flags & CMD_LOADING) &&
                  !(cmd->proc == multi_exec_proc && (multi_queued_inv_flags(c) & CMD_LOADING));
    if (allowed) return NULL;
    return sds_new("-LOADING Redis is loading the dataset in memory");
}

static DispatchCheckFn *slots[CHECK_SLOT__COUNT];

void command_set_check(int slot, DispatchCheckFn *fn) {
    if (slot < 0 || slot >= CHECK_SLOT__COUNT || slots[slot]) panic("dispatch check slot %d set twice", slot);
    slots[slot] = fn;
}

#define SLOT(s) if (slots[s] && (err = slots[s](c, cmd, ctx))) return err

/* The list of checks, in Redis's order: authentication, MULTI restrictions, ACL,
 * cluster redirection, OOM, disk errors, read-only replica, pub/sub context,
 * loading, busy script. The core's own are static functions the compiler inlines;
 * the subsystems' fill slots. EXEC re-checks what can change between queueing and
 * EXEC (ACL, OOM, disk errors, the replica state); the subsystems' checks see ctx. */
static inline Sds run_checks(Client *c, Command *cmd, int ctx) {
    Sds err;
    if (ctx != CHECK_CTX_EXEC) {
        if ((err = check_protected(c, cmd, ctx))) return err;
        if ((err = check_auth(c, cmd, ctx))) return err;
        if ((err = check_no_multi(c, cmd, ctx))) return err;
    }
    SLOT(CHECK_SLOT_ACL);
    SLOT(CHECK_SLOT_CLUSTER);
    if ((err = check_oom(c, cmd, ctx))) return err;
    SLOT(CHECK_SLOT_DISK);
    SLOT(CHECK_SLOT_REPLICA);
    if (c->flags & CLIENT_PUBSUB) SLOT(CHECK_SLOT_PUBSUB); /* only subscribed clients: no call for the rest */
    if (ctx != CHECK_CTX_EXEC) {
        if ((err = check_loading(c, cmd, ctx))) return err;
    }
    SLOT(CHECK_SLOT_BUSY);
    return NULL;
}

Sds command_run_checks(Client *c, Command *cmd, int ctx) { return run_checks(c, cmd, ctx); }

/* ---------------- rejecting ---------------- */

/* Replies err (consumed) for a command that will not run; inside MULTI the
 * transaction is doomed, and EXEC itself aborts it with the reason. */
static void reject(Client *c, Command *cmd, Sds err) {
    multi_flag_error(c);
    if (cmd) cmd->rejected_calls++;
    if (cmd && cmd->proc == multi_exec_proc) multi_exec_abort(c, err); /* in MULTI or not, as Redis */
    else reply_error_len(c, err, sds_len(err));
    sds_free(err);
}

static Sds unknown_error(Client *c, Command *parent) {
    if (parent) {
        Sds up = sds_new(parent->name);
        sds_toupper(up);
        Sds e = sds_catprintf(sds_empty(), "unknown subcommand '%.128s'. Try %s HELP.", (char *)c->argv[1]->ptr, up);
        sds_free(up);
        return e;
    }
    Sds args = sds_empty();
    for (int i = 1; i < c->argc && sds_len(args) < 128; i++)
        args = sds_catprintf(args, "'%.*s' ", 128 - (int)sds_len(args), (char *)c->argv[i]->ptr);
    Sds e = sds_catprintf(sds_empty(), "unknown command '%.128s', with args beginning with: %s", (char *)c->argv[0]->ptr, args);
    sds_free(args);
    return e;
}

/* ---------------- calling ---------------- */

void command_call(Client *c, Command *cmd) {
    Client *prev_client = current_client;
    int prev_failed = current_failed;
    long long dirty = server.stat.dirty;
    long long start = ustime();
    if (!(c->flags & CLIENT_SCRIPT)) { /* a script's commands see the time it started */
        server.ustime = start;
        server.mstime = start / 1000;
    }
    current_client = c;
    if (!prev_client) outer_client = c;
    current_failed = 0;
    /* a client blocked on keys runs its command again: the same request */
    int again = (c->flags & CLIENT_BLOCKED) && c->bstate.type == BLOCKED_KEYS;
    propagate_call_begin(c);
    c->flags |= CLIENT_EXECUTING;
    cmd->proc(c);
    c->flags &= ~CLIENT_EXECUTING;
    long long duration = ustime() - start;
    /* only a call that added changes propagates: DEBUG LOADAOF / RELOAD reset the
     * count, and must not end up in the AOF */
    propagate_call_end(c, server.stat.dirty > dirty);
    if (monitor_count) monitor_feed(c, cmd, again); /* after the call, as Redis feeds */
    if (!again) cmd->calls++; /* once per request, blocking or not, as Redis counts */
    cmd->usec += duration;
    if (current_failed) cmd->failed_calls++;
    /* a blocking command is logged once, when it is served (as Redis);
     * slowlog_push records latency for every command and skips the slowlog
     * itself for CMD_SKIP_SLOWLOG ones */
    if (!block_waits_on_keys(c)) slowlog_push(c, duration);
    c->commands_processed++;
    server.stat.numcommands++;
    current_client = prev_client;
    if (!prev_client) outer_client = NULL;
    current_failed = prev_failed;
    if (tracking_active) tracking_after_call(c, cmd, prev_client == NULL);
    if (prop_depth == 0) block_handle_ready();
}

static void process(Client *c, int ctx) {
    c->last_cmd_ms = server.mstime;
    Command *top = command_lookup_name(c->argv[0]->ptr, sds_len(c->argv[0]->ptr));
    Command *cmd = top;
    if (top && top->subcommands && c->argc >= 2)
        cmd = command_find_subcommand(top, c->argv[1]->ptr, sds_len(c->argv[1]->ptr));
    c->cmd = c->lastcmd = c->realcmd = cmd;
    if (!cmd) {
        reject(c, NULL, unknown_error(c, top)); /* no command: none counts it, as in Redis */
        return;
    }
    if (command_check_arity(cmd, c->argc)) {
        reject(c, cmd, sds_catprintf(sds_empty(), "wrong number of arguments for '%s' command", cmd->fullname));
        return;
    }
    Sds err = run_checks(c, cmd, ctx);
    if (err) {
        reject(c, cmd, err);
        return;
    }
    if (block_if_paused(c, cmd)) return; /* before queueing, as in Redis */
    if (multi_should_queue(c, cmd)) {
        multi_queue_command(c, cmd);
        return;
    }
    command_call(c, cmd);
}

void command_process(Client *c) { process(c, CHECK_CTX_CLIENT); }
void command_reprocess(Client *c) { process(c, CHECK_CTX_RERUN); }
