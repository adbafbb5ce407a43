/* propagate.h - the one propagation point: what the AOF and the replication stream
 * receive for the writes the server performs.
 *
 * Dispatch wraps every call in a scope (propagate_call_begin/end). A call that
 * changed the dataset (server.stat.dirty moved) propagates its own argv unless the
 * command replaced it (SET EX -> SET PXAT, INCRBYFLOAT -> SET KEEPTTL, GETDEL -> DEL)
 * or prevented it (EXEC, scripts: their inner commands propagate instead); a
 * command may also add commands (propagate_also). When the outermost call ends,
 * the accumulated commands go to every sink, wrapped in MULTI/EXEC when there are
 * several (a transaction, a script, a command plus a lazy-expiry DEL), with a
 * SELECT in front whenever the database differs from the sink's last one.
 * Expiry and eviction propagate their deletes outside any wrapping. */
#ifndef VESPER_PROPAGATE_H
#define VESPER_PROPAGATE_H
#include "client.h"

struct Db;

/* A consumer of the propagated stream: the AOF, the replication backlog, a test. */
typedef struct PropSink {
    const char *name;
    /* One command: argv objects are borrowed for the duration of the call. */
    void (*feed)(struct PropSink *sink, Obj **argv, int argc);
    void *ctx;
    int seldb;                 /* database of the last command fed; -1: unknown */
    int aof;                   /* 1: the AOF, which never gets the commands that go to
                                  replicas only (propagate_force_repl) */
} PropSink;

/* Adds / removes a sink. A new sink starts with seldb -1, so its first command is
 * preceded by a SELECT. */
void propagate_add_sink(PropSink *sink);
void propagate_remove_sink(PropSink *sink);
/* The next command fed to sink is preceded by a SELECT (after an AOF rewrite, or a
 * replica's new stream). */
void propagate_sink_reset_db(PropSink *sink);
int propagate_has_sinks(void);

/* ---- dispatch ---- */
/* One call's scope (internal to propagate.c and the inline functions below). */
typedef struct PropFrame {
    Client *c;
    Obj **replaced;            /* NULL: the command's own argv */
    int replaced_argc;         /* valid when replaced is set */
    unsigned char flags;       /* PROP_FRAME_PREVENTED | PROP_FRAME_FORCED */
} PropFrame;
#define PROP_FRAME_PREVENTED 1
#define PROP_FRAME_FORCED 2
#define PROP_FRAME_FORCED_REPL 4
#define PROP_MAX_DEPTH 64
extern PropFrame prop_frames[PROP_MAX_DEPTH];
extern int prop_depth, prop_slow;   /* prop_slow: pending commands or no-multi set */
void propagate_call_end_slow(Client *c, int dirty);
void propagate_too_deep(void) __attribute__((noreturn));

/* Opens the scope of one call of c's command. */
static inline void propagate_call_begin(Client *c) {
    if (prop_depth == PROP_MAX_DEPTH) propagate_too_deep();
    PropFrame *f = &prop_frames[prop_depth++];
    f->c = c;
    f->replaced = NULL;
    f->flags = 0;
}
/* Closes it: dirty tells whether the call changed the dataset. When the outermost
 * call ends, the pending commands are emitted. A call that changed nothing costs a
 * few tests. */
static inline void propagate_call_end(Client *c, int dirty) {
    const PropFrame *f = &prop_frames[prop_depth - 1];
    if (dirty | f->flags | prop_slow || f->replaced) propagate_call_end_slow(c, dirty);
    else prop_depth--;
}

/* ---- for commands ---- */
/* Propagate argv (argc objects; references are taken) instead of the running
 * command's own argv. */
void propagate_replace(Client *c, Obj **argv, int argc);
/* The same with C strings / objects: each argument is an Obj* (NULL-terminated). */
void propagate_replace_objs(Client *c, ...);
/* Propagate argv in database dbid after what is pending (references are taken). */
void propagate_also(int dbid, Obj **argv, int argc);
/* The running command propagates even if it changed nothing (FLUSHALL, FLUSHDB). */
void propagate_force(Client *c);
/* The running command goes to replicas, not to the AOF, when it changed nothing
 * (PUBLISH and SPUBLISH, so the replicas' subscribers get the messages too); inside
 * a transaction it is wrapped with the rest, as in Redis. */
void propagate_force_repl(Client *c);
/* The running command's own argv is not propagated (its effects are, separately). */
void propagate_prevent(Client *c);
/* Commands that may touch arbitrary keys (SCAN, RANDOMKEY: lazy expiry) don't wrap
 * what they propagate in MULTI/EXEC when run directly (not from EXEC or a script). */
void propagate_no_multi(void);

/* ---- expiry and eviction ---- */
/* A key removed by expiry or eviction: DEL (UNLINK when lazy) in db, propagated at
 * once when no command runs, else with the running command's. */
void propagate_deletion(struct Db *db, const char *key, size_t klen, int lazy);

/* Appends argv as a RESP multibulk command ("*<argc>\r\n" then "$<len>\r\n<arg>\r\n"
 * per argument, integers as their text): the form the AOF and the replication
 * stream carry. */
Sds propagate_cat_command(Sds dst, Obj **argv, int argc);

/* The number of commands emitted so far (tests). */
long long propagate_emitted(void);

#endif
