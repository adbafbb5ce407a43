/* multi.c - MULTI/EXEC/DISCARD/WATCH/UNWATCH.
 *
 * A client inside MULTI has its commands queued (argv references kept) and run
 * back to back by EXEC through the dispatch checks that apply inside a transaction,
 * so the block is atomic like any single command; the commands' writes propagate
 * as one MULTI/EXEC (propagate.c). WATCH registers the client on (db, key) in a
 * table of watched keys, remembering whether the key was already logically expired
 * then. A change to the key, a flush of its database or a SWAPDB marks the watching
 * clients dirty and their EXEC returns a null array, with Redis 7.0's rules: a key
 * that was already expired when watched and is then deleted (by DEL, a flush or
 * lazy expiry) is no change; a watched key that expires after WATCH fails EXEC.
 * Invariants: each of a client's watched items is registered in the table entry
 * of its (db, key); CLIENT_DIRTY_CAS is only set on clients with watched keys.
 * Costs: O(1) to queue; O(watchers of a key x keys they watch) per modification of
 * a watched key, nothing for keys nobody watches; a flush is O(watched keys). */
#include "multi.h"
#include "command.h"
#include "db.h"
#include "module.h"
#include "propagate.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <stdlib.h>
#include <string.h>

typedef struct Queued {
    Command *cmd;
    Obj **argv;
    int argc;
} Queued;

typedef struct WatchItem {
    Sds id;                /* "<dbid>\0<key>", the table key */
    int dbid;
    int expired;           /* the key was logically expired when watched */
} WatchItem;

typedef struct MultiState {
    Queued *cmds;
    int count, cap;
    size_t argv_bytes;     /* bytes of the queued arguments */
    uint64_t cmd_flags;    /* union of the queued commands' flags */
    uint64_t cmd_inv_flags;/* union of their inverted flags: a flag some command lacks */
    WatchItem *watched;
    int nwatched, capwatched;
} MultiState;

/* One watched (db, key) and the clients watching it. */
typedef struct WatchEntry {
    Sds id;
    Client **clients;
    int n, cap;
} WatchEntry;

static const void *watch_key(const void *e, size_t *len) {
    const WatchEntry *w = e;
    *len = sds_len(w->id);
    return w->id;
}
static const HtType watch_type = {hash_bytes, watch_key, NULL, NULL};
static Ht *watched;

static MultiState *state(Client *c) {
    if (!c->mstate) c->mstate = vcalloc(sizeof(MultiState));
    return c->mstate;
}

static Sds watch_id(int dbid, const char *key, size_t len) {
    char num[16];
    int n = ll2string(num, sizeof(num), dbid);
    Sds s = sds_newlen(num, (size_t)n + 1);
    return sds_catlen(s, key, len);
}

static const char *id_key(const Sds id, size_t *len) {
    size_t skip = strlen(id) + 1;
    *len = sds_len(id) - skip;
    return id + skip;
}

/* ---------------- queueing ---------------- */

int multi_should_queue(const Client *c, const Command *cmd) {
    if (!(c->flags & CLIENT_MULTI)) return 0;
    const char *n = cmd->parent ? cmd->parent->name : cmd->name;
    return strcmp(n, "exec") && strcmp(n, "discard") && strcmp(n, "multi") && strcmp(n, "watch") &&
           strcmp(n, "quit") && strcmp(n, "reset");
}

void multi_flag_error(Client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

void multi_queue_command(Client *c, Command *cmd) {
    MultiState *ms = state(c);
    if (ms->count == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 8;
        ms->cmds = vrealloc(ms->cmds, sizeof(Queued) * (size_t)ms->cap);
    }
    Queued *q = &ms->cmds[ms->count++];
    q->cmd = cmd;
    q->argc = c->argc;
    q->argv = vmalloc(sizeof(Obj *) * (size_t)c->argc);
    for (int i = 0; i < c->argc; i++) {
        q->argv[i] = c->argv[i];
        obj_incr(c->argv[i]);
    }
    ms->argv_bytes += c->argv_len_sum;
    ms->cmd_flags |= cmd->flags;
    ms->cmd_inv_flags |= ~cmd->flags;
    reply_status(c, "QUEUED");
}

uint64_t multi_queued_flags(const Client *c) {
    const MultiState *ms = c->mstate;
    return ms ? ms->cmd_flags : 0;
}

uint64_t multi_queued_inv_flags(const Client *c) {
    const MultiState *ms = c->mstate;
    return ms ? ms->cmd_inv_flags : 0;
}

static void discard_queue(Client *c) {
    MultiState *ms = c->mstate;
    if (ms) {
        for (int i = 0; i < ms->count; i++) {
            for (int j = 0; j < ms->cmds[i].argc; j++) obj_decr(ms->cmds[i].argv[j]);
            vfree(ms->cmds[i].argv);
        }
        vfree(ms->cmds);
        ms->cmds = NULL;
        ms->count = ms->cap = 0;
        ms->argv_bytes = 0;
        ms->cmd_flags = ms->cmd_inv_flags = 0;
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_EXEC | CLIENT_DIRTY_CAS);
}

/* ---------------- watching ---------------- */

static void unwatch_all(Client *c) {
    MultiState *ms = c->mstate;
    if (!ms) return;
    for (int i = 0; i < ms->nwatched; i++) {
        Sds id = ms->watched[i].id;
        WatchEntry *w = ht_find(watched, id, sds_len(id));
        if (w) {
            for (int k = 0; k < w->n; k++)
                if (w->clients[k] == c) { w->clients[k] = w->clients[--w->n]; break; }
            if (w->n == 0) {
                ht_pop(watched, w->id, sds_len(w->id));
                sds_free(w->id);
                vfree(w->clients);
                vfree(w);
            }
        }
        sds_free(id);
    }
    vfree(ms->watched);
    ms->watched = NULL;
    ms->nwatched = ms->capwatched = 0;
    c->flags &= ~CLIENT_DIRTY_CAS;
}

void multi_client_reset(Client *c) {
    discard_queue(c);
    unwatch_all(c);
    vfree(c->mstate);
    c->mstate = NULL;
}

int multi_client_state(const Client *c, size_t *mem) {
    const MultiState *ms = c->mstate;
    /* CLIENT LIST's multi-mem, as Redis counts it: the queued arguments' bytes and
     * one pointer per argument (the whole state is in tot-mem) */
    *mem = 0;
    for (int i = 0; ms && i < ms->count; i++) *mem += sizeof(Obj *) * (size_t)ms->cmds[i].argc;
    if (ms) *mem += ms->argv_bytes;
    if (!(c->flags & CLIENT_MULTI)) return -1;
    return ms ? ms->count : 0;
}

size_t multi_client_memory(const Client *c) {
    const MultiState *ms = c->mstate;
    if (!ms) return 0;
    size_t m = ms->argv_bytes + (size_t)ms->cap * sizeof(Queued);
    for (int i = 0; i < ms->count; i++) m += sizeof(Obj *) * (size_t)ms->cmds[i].argc;
    m += (size_t)ms->capwatched * sizeof(WatchItem);
    return m;
}

size_t multi_watched_count(void) { return watched ? ht_size(watched) : 0; }
size_t multi_client_watched(const Client *c) {
    const MultiState *ms = c->mstate;
    return ms ? (size_t)ms->nwatched : 0;
}

static WatchItem *client_item(Client *c, const Sds id) {
    MultiState *ms = c->mstate;
    for (int i = 0; ms && i < ms->nwatched; i++)
        if (sds_cmp(ms->watched[i].id, id) == 0) return &ms->watched[i];
    return NULL;
}

/* The key of id exists in its database's table (expired or not). */
static int id_in_table(const Sds id, int dbid) {
    size_t klen;
    const char *k = id_key(id, &klen);
    Db *db = db_get(dbid);
    return db && db_find(db, k, klen) != NULL;
}

static int id_expired(const Sds id, int dbid) {
    size_t klen;
    const char *k = id_key(id, &klen);
    Db *db = db_get(dbid);
    Obj *o = db ? db_find(db, k, klen) : NULL;
    return o && db_key_is_expired(o);
}

void multi_touch_key(int dbid, const char *key, size_t len) {
    if (!watched || ht_size(watched) == 0) return;
    Sds id = watch_id(dbid, key, len);
    WatchEntry *w = ht_find(watched, id, sds_len(id));
    if (w) {
        int gone = !id_in_table(id, dbid);
        for (int k = 0; k < w->n; k++) {
            WatchItem *it = client_item(w->clients[k], id);
            if (it && it->expired && gone) {
                it->expired = 0; /* an already expired key was deleted: no change */
                continue;
            }
            w->clients[k]->flags |= CLIENT_DIRTY_CAS;
        }
    }
    sds_free(id);
}

/* Redis 7.0's rule for one watcher of a key in an emptied or swapped database. */
static void touch_for_db(Client *c, WatchItem *it, int in_emptied, int in_replacement, int replacement_expired) {
    if (it->expired) {
        if (!in_replacement) {
            it->expired = 0; /* expired key now deleted: no logical change */
            return;
        }
        if (replacement_expired) return; /* expired key stays expired */
    } else if (!in_emptied && replacement_expired) {
        it->expired = 1; /* a missing key replaced by an expired one */
        return;
    }
    c->flags |= CLIENT_DIRTY_CAS;
}

void multi_touch_db(int dbid, int replaced_with) {
    if (!watched || ht_size(watched) == 0) return;
    HtIter iter;
    ht_iter_init(&iter, watched, 0);
    WatchEntry *w;
    while ((w = ht_iter_next(&iter))) {
        if (atoi(w->id) != dbid) continue;
        int in_emptied = id_in_table(w->id, dbid);
        int in_repl = replaced_with >= 0 && id_in_table(w->id, replaced_with);
        if (!in_emptied && !in_repl) continue;
        int repl_expired = in_repl && id_expired(w->id, replaced_with);
        for (int k = 0; k < w->n; k++) {
            WatchItem *it = client_item(w->clients[k], w->id);
            if (it) touch_for_db(w->clients[k], it, in_emptied, in_repl, repl_expired);
        }
    }
    ht_iter_done(&iter);
}

/* A watched key that was live at WATCH time and is now logically expired. */
static int watched_key_expired(Client *c) {
    MultiState *ms = c->mstate;
    for (int i = 0; ms && i < ms->nwatched; i++)
        if (!ms->watched[i].expired && id_expired(ms->watched[i].id, ms->watched[i].dbid)) return 1;
    return 0;
}

/* ---------------- commands ---------------- */

static void multi_cmd(Client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void discard_cmd(Client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "DISCARD without MULTI");
        return;
    }
    discard_queue(c);
    unwatch_all(c);
    reply_ok(c);
}

void multi_exec_abort(Client *c, const char *err) {
    discard_queue(c);
    unwatch_all(c);
    if (err[0] == '-') err++;
    reply_errorf(c, "-EXECABORT Transaction discarded because of: %s", err);
}

/* Runs one queued command after the checks that apply inside EXEC. */
static void exec_one(Client *c, Queued *q) {
    c->argv = q->argv;
    c->argc = q->argc;
    c->argv_cap = q->argc;
    c->cmd = c->realcmd = q->cmd;
    Sds err = command_run_checks(c, q->cmd, CHECK_CTX_EXEC);
    if (err) {
        reply_error_len(c, err, sds_len(err));
        sds_free(err);
    } else {
        command_call(c, q->cmd);
    }
    q->argv = c->argv; /* a command may have rewritten its argv */
    q->argc = c->argc;
}

void multi_exec_proc(Client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "EXEC without MULTI");
        return;
    }
    if (c->flags & CLIENT_DIRTY_EXEC) {
        reply_error(c, "-EXECABORT Transaction discarded because of previous errors.");
        discard_queue(c);
        unwatch_all(c);
        return;
    }
    if ((c->flags & CLIENT_DIRTY_CAS) || watched_key_expired(c)) {
        reply_null_array(c);
        discard_queue(c);
        unwatch_all(c);
        return;
    }
    unwatch_all(c);
    MultiState *ms = state(c);
    Queued *cmds = ms->cmds;
    int count = ms->count;
    ms->cmds = NULL;
    ms->count = ms->cap = 0;
    ms->argv_bytes = 0;
    ms->cmd_flags = ms->cmd_inv_flags = 0;
    c->flags &= ~CLIENT_MULTI;
    propagate_prevent(c); /* the queued commands propagate, wrapped, not EXEC */
    Obj **orig_argv = c->argv;
    int orig_argc = c->argc, orig_cap = c->argv_cap;
    Command *orig_cmd = c->cmd;
    reply_array_len(c, count);
    server.in_exec = 1;
    c->flags |= CLIENT_DENY_BLOCKING;
    for (int i = 0; i < count; i++) exec_one(c, &cmds[i]);
    c->flags &= ~CLIENT_DENY_BLOCKING;
    server.in_exec = 0;
    for (int i = 0; i < count; i++) {
        for (int j = 0; j < cmds[i].argc; j++) obj_decr(cmds[i].argv[j]);
        vfree(cmds[i].argv);
    }
    vfree(cmds);
    c->argv = orig_argv;
    c->argc = orig_argc;
    c->argv_cap = orig_cap;
    c->cmd = c->realcmd = orig_cmd;
}

static void watch_cmd(Client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "WATCH inside MULTI is not allowed");
        return;
    }
    if (!watched) watched = ht_create(&watch_type);
    MultiState *ms = state(c);
    for (int i = 1; i < c->argc; i++) {
        Sds id = watch_id(c->db->id, arg_str(c, i), arg_len(c, i));
        if (client_item(c, id)) {
            sds_free(id);
            continue;
        }
        WatchEntry *w = ht_find(watched, id, sds_len(id));
        if (!w) {
            w = vcalloc(sizeof(*w));
            w->id = sds_dup(id);
            ht_add(watched, w);
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4;
            w->clients = vrealloc(w->clients, sizeof(Client *) * (size_t)w->cap);
        }
        w->clients[w->n++] = c;
        if (ms->nwatched == ms->capwatched) {
            ms->capwatched = ms->capwatched ? ms->capwatched * 2 : 4;
            ms->watched = vrealloc(ms->watched, sizeof(WatchItem) * (size_t)ms->capwatched);
        }
        ms->watched[ms->nwatched++] = (WatchItem){id, c->db->id, id_expired(id, c->db->id)};
    }
    reply_ok(c);
}

static void unwatch_cmd(Client *c) {
    unwatch_all(c);
    reply_ok(c);
}

static Command multi_commands[] = {
    {.name = "multi", .proc = multi_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions", .summary = "Mark the start of a transaction block", .since = "1.2.0", .complexity = "O(1)"},
    {.name = "exec", .proc = multi_exec_proc, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG,
     .acl = ACL_SLOW | ACL_TRANSACTION, .group = "transactions", .summary = "Execute all commands issued after MULTI", .since = "1.2.0",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .proc = discard_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions", .summary = "Discard all commands issued after MULTI", .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .proc = watch_cmd, .arity = -2, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions",
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block", .since = "2.2.0",
     .complexity = "O(1) for every key.", .args = "key:key...", .keyspecs = {KS1(KS_RO, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "unwatch", .proc = unwatch_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions",
     .summary = "Forget about all watched keys", .since = "2.2.0", .complexity = "O(1)"},
    {0}};

const Module multi_module = {
    .name = "transactions",
    .commands = multi_commands,
    .client_reset = multi_client_reset,
};
