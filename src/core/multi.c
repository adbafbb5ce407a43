/* multi.c - MULTI/EXEC/DISCARD/WATCH/UNWATCH.
 *
 * A client inside MULTI has its commands queued (argv references kept) and run
 * back to back by EXEC, so the block is atomic like any single command. WATCH
 * registers the client on (db, key) in a table of watched keys; any change to the
 * key, a flush of its database, or a SWAPDB marks the watching clients dirty, and
 * their EXEC then returns a null array. Costs: O(1) to queue, O(watchers of a key)
 * per modification of a watched key, nothing for keys nobody watches. */
#include "multi.h"
#include "command.h"
#include "db.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <string.h>

#define CLIENT_DIRTY_CAS (1ULL << 40)
#define CLIENT_DIRTY_EXEC (1ULL << 41)

typedef struct Queued {
    Command *cmd;
    Obj **argv;
    int argc;
} Queued;

typedef struct MultiState {
    Queued *cmds;
    int count, cap;
    Sds *watched;          /* "dbid:key" of each watched key */
    int nwatched, capwatched;
} MultiState;

/* One watched (db, key): entry key is "dbid:key", bytes. */
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
    Sds s = sds_fromll(dbid);
    s = sds_catlen(s, ":", 1);
    return sds_catlen(s, key, len);
}

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
    reply_status(c, "QUEUED");
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
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_EXEC | CLIENT_DIRTY_CAS);
}

static void unwatch_all(Client *c) {
    MultiState *ms = c->mstate;
    if (!ms) return;
    for (int i = 0; i < ms->nwatched; i++) {
        WatchEntry *w = ht_find(watched, ms->watched[i], sds_len(ms->watched[i]));
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
        sds_free(ms->watched[i]);
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

size_t multi_watched_count(void) { return watched ? ht_size(watched) : 0; }
size_t multi_client_watched(const Client *c) {
    const MultiState *ms = c->mstate;
    return ms ? (size_t)ms->nwatched : 0;
}

static void touch_entry(WatchEntry *w) {
    for (int k = 0; k < w->n; k++) w->clients[k]->flags |= CLIENT_DIRTY_CAS;
}

void multi_touch_key(int dbid, const char *key, size_t len) {
    if (!watched || ht_size(watched) == 0) return;
    Sds id = watch_id(dbid, key, len);
    WatchEntry *w = ht_find(watched, id, sds_len(id));
    sds_free(id);
    if (w) touch_entry(w);
}

void multi_touch_db(int dbid) {
    if (!watched || ht_size(watched) == 0) return;
    char prefix[24];
    int n = ll2string(prefix, sizeof(prefix), dbid);
    prefix[n++] = ':';
    HtIter it;
    ht_iter_init(&it, watched, 0);
    WatchEntry *w;
    while ((w = ht_iter_next(&it)))
        if (sds_len(w->id) >= (size_t)n && memcmp(w->id, prefix, (size_t)n) == 0) touch_entry(w);
    ht_iter_done(&it);
}

void multi_touch_all_watched(void) {
    if (!watched) return;
    HtIter it;
    ht_iter_init(&it, watched, 0);
    WatchEntry *w;
    while ((w = ht_iter_next(&it))) touch_entry(w);
    ht_iter_done(&it);
}

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

static void exec_cmd(Client *c) {
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
    if (c->flags & CLIENT_DIRTY_CAS) {
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
    c->flags &= ~CLIENT_MULTI;
    Obj **orig_argv = c->argv;
    int orig_argc = c->argc, orig_cap = c->argv_cap;
    Command *orig_cmd = c->cmd;
    reply_array_len(c, count);
    server.in_exec = 1;
    for (int i = 0; i < count; i++) {
        c->argv = cmds[i].argv;
        c->argc = cmds[i].argc;
        c->argv_cap = cmds[i].argc;
        c->cmd = cmds[i].cmd;
        command_call(c, cmds[i].cmd);
        cmds[i].argv = c->argv;
        cmds[i].argc = c->argc;
    }
    server.in_exec = 0;
    for (int i = 0; i < count; i++) {
        for (int j = 0; j < cmds[i].argc; j++) obj_decr(cmds[i].argv[j]);
        vfree(cmds[i].argv);
    }
    vfree(cmds);
    c->argv = orig_argv;
    c->argc = orig_argc;
    c->argv_cap = orig_cap;
    c->cmd = orig_cmd;
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
        int dup = 0;
        for (int k = 0; k < ms->nwatched && !dup; k++) dup = sds_cmp(ms->watched[k], id) == 0;
        if (dup) {
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
            ms->watched = vrealloc(ms->watched, sizeof(Sds) * (size_t)ms->capwatched);
        }
        ms->watched[ms->nwatched++] = id;
    }
    reply_ok(c);
}

static void unwatch_cmd(Client *c) {
    unwatch_all(c);
    reply_ok(c);
}

Command multi_commands[] = {
    {.name = "multi", .proc = multi_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions", .summary = "Starts a transaction.", .since = "1.2.0", .complexity = "O(1)"},
    {.name = "exec", .proc = exec_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG,
     .acl = ACL_SLOW | ACL_TRANSACTION, .group = "transactions", .summary = "Executes all commands in a transaction.", .since = "1.2.0",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .proc = discard_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions", .summary = "Discards a transaction.", .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .proc = watch_cmd, .arity = -2, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions",
     .summary = "Monitors changes to keys to determine the execution of a transaction.", .since = "2.2.0",
     .complexity = "O(1) for every key.", .args = "key:key...", .keyspecs = {KS1(KS_RO, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "unwatch", .proc = unwatch_cmd, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .group = "transactions",
     .summary = "Forgets about watched keys of a transaction.", .since = "2.2.0", .complexity = "O(1)"},
    {0}};
