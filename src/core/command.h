/* command.h - the command table: one entry per command and subcommand. Dispatch,
 * COMMAND INFO/DOCS/GETKEYS/LIST, and the CLI's help all read it. */
#ifndef VESPER_COMMAND_H
#define VESPER_COMMAND_H
#include <stdint.h>
#include "args.h"
#include "client.h"
#include "reply.h"

#define CMD_WRITE (1ULL << 0)
#define CMD_READONLY (1ULL << 1)
#define CMD_DENYOOM (1ULL << 2)
#define CMD_MODULE (1ULL << 3)
#define CMD_ADMIN (1ULL << 4)
#define CMD_PUBSUB (1ULL << 5)
#define CMD_NOSCRIPT (1ULL << 6)
#define CMD_BLOCKING (1ULL << 8)
#define CMD_LOADING (1ULL << 9)
#define CMD_STALE (1ULL << 10)
#define CMD_SKIP_MONITOR (1ULL << 11)
#define CMD_SKIP_SLOWLOG (1ULL << 12)
#define CMD_ASKING (1ULL << 13)
#define CMD_FAST (1ULL << 14)
#define CMD_NO_AUTH (1ULL << 15)
#define CMD_MAY_REPLICATE (1ULL << 16)
#define CMD_SENTINEL (1ULL << 17)
#define CMD_ONLY_SENTINEL (1ULL << 18)
#define CMD_NO_MANDATORY_KEYS (1ULL << 19)
#define CMD_PROTECTED (1ULL << 20)
#define CMD_NO_ASYNC_LOADING (1ULL << 23)
#define CMD_NO_MULTI (1ULL << 24)
#define CMD_MOVABLE_KEYS (1ULL << 25)
#define CMD_ALLOW_BUSY (1ULL << 26)
/* Vesper-internal (not shown by COMMAND): EVAL*, EVALSHA*, FCALL*. Client-side
 * caching remembers keys from the read commands the script runs, not from the
 * read-only variant itself (EVAL_RO of a script that reads nothing tracks nothing). */
#define CMD_RUNS_SCRIPT (1ULL << 40)

/* ACL categories */
#define ACL_KEYSPACE (1ULL << 0)
#define ACL_READ (1ULL << 1)
#define ACL_WRITE (1ULL << 2)
#define ACL_SET (1ULL << 3)
#define ACL_SORTEDSET (1ULL << 4)
#define ACL_LIST (1ULL << 5)
#define ACL_HASH (1ULL << 6)
#define ACL_STRING (1ULL << 7)
#define ACL_BITMAP (1ULL << 8)
#define ACL_HYPERLOGLOG (1ULL << 9)
#define ACL_GEO (1ULL << 10)
#define ACL_STREAM (1ULL << 11)
#define ACL_PUBSUB (1ULL << 12)
#define ACL_ADMIN (1ULL << 13)
#define ACL_FAST (1ULL << 14)
#define ACL_SLOW (1ULL << 15)
#define ACL_BLOCKING (1ULL << 16)
#define ACL_DANGEROUS (1ULL << 17)
#define ACL_CONNECTION (1ULL << 18)
#define ACL_TRANSACTION (1ULL << 19)
#define ACL_SCRIPTING (1ULL << 20)

/* Key-spec flags (for COMMAND INFO/DOCS). */
#define KS_RO (1 << 0)
#define KS_RW (1 << 1)
#define KS_OW (1 << 2)
#define KS_RM (1 << 3)
#define KS_ACCESS (1 << 4)
#define KS_UPDATE (1 << 5)
#define KS_INSERT (1 << 6)
#define KS_DELETE (1 << 7)
#define KS_NOT_KEY (1 << 8)
#define KS_INCOMPLETE (1 << 9)
#define KS_VARIABLE_FLAGS (1 << 10)

typedef void CommandProc(Client *c);
/* Returns number of key positions written to keys (argv indexes), at most max. */
typedef int CommandGetKeysProc(int argc, Obj **argv, int *keys, int max);
/* The actual key-spec flags of the key at argv[pos] for a command whose key spec
 * has KS_VARIABLE_FLAGS (SET with or without GET, BITFIELD with or without writes),
 * or of a key that only the command's getkeys finds (SORT's STORE destination):
 * what COMMAND GETKEYSANDFLAGS (and later ACL) reports. */
typedef int CommandKeyFlagsProc(Obj **argv, int argc, int pos);

/* One key spec: begin_search by index; find_keys as range (lastkey, step, limit)
 * or keynum (keynumidx, firstkey, step). */
typedef struct KeySpec {
    int flags;
    int bs_index;             /* begin search: argv index; 0 = unknown/keyword */
    const char *bs_keyword;   /* begin search by keyword (when bs_index == 0) */
    int bs_startfrom;
    int fk_type;              /* 0 range, 1 keynum, 2 unknown */
    int fk_lastkey, fk_step, fk_limit;
    int fk_keynumidx, fk_firstkey, fk_keystep;
} KeySpec;

#define KEYSPEC_MAX 4

/* Argument description for COMMAND DOCS, encoded compactly as a string:
 * see command.c "argument grammar". NULL when the command takes no arguments. */
typedef struct Command {
    const char *name;              /* lower case; for subcommands the subcommand name */
    CommandProc *proc;
    int arity;                     /* negative: at least -arity */
    uint64_t flags;
    uint64_t acl;
    const char *group;             /* "string", "generic", "server", "connection", ... */
    const char *summary;
    const char *since;
    const char *complexity;
    const char *args;              /* argument grammar, see command.c */
    KeySpec keyspecs[KEYSPEC_MAX];
    int nkeyspecs;
    CommandGetKeysProc *getkeys;
    CommandKeyFlagsProc *key_flags;   /* resolves KS_VARIABLE_FLAGS and keys no spec finds, or NULL */
    /* The flags of this call when they depend on its arguments (FCALL and EVAL take
     * them from the function's or script's flags, as Redis's getCommandFlags), for
     * dispatch's OOM check and CLIENT PAUSE; NULL: the table's flags. */
    uint64_t (*call_flags)(Client *c, uint64_t flags);
    struct Command *subcommands;   /* array terminated by name == NULL */
    const char *doc_flags;         /* e.g. "deprecated" */
    const char *replaced_by;
    const char *deprecated_since;
    /* filled at start-up */
    struct Command *parent;
    char *fullname;                /* "config|get" */
    const char *lookup_name;       /* the name requests use: name, unless rename-command changed it */
    int legacy_first, legacy_last, legacy_step;
    uint64_t id;
    /* stats */
    long long calls, usec, rejected_calls, failed_calls;
} Command;

/* Macros for compact key specs */
#define KS1(fl, idx, last, step) { .flags = (fl), .bs_index = (idx), .fk_type = 0, .fk_lastkey = (last), .fk_step = (step) }
#define KSN(fl, idx, numidx, first, step) { .flags = (fl), .bs_index = (idx), .fk_type = 1, .fk_keynumidx = (numidx), .fk_firstkey = (first), .fk_keystep = (step) }

/* Builds the command table from every module's commands (module.h). */
void commands_register_table(Command *table);
void commands_init(void);
/* After every table is registered: sizes the lookup table for fast lookups. */
void commands_finalize(void);
Command *command_lookup(Obj **argv, int argc);          /* resolves subcommands */
/* The config file's rename-command: requests call top-level command name by newname
 * from now on ("" removes it; COMMAND and INFO keep showing its own name).
 * Returns NULL, or the error for the config loader. */
const char *command_rename(const char *name, const char *newname);
Command *command_lookup_name(const char *name, size_t len);
Command *command_lookup_by_fullname(const char *fullname);
Command *command_find_subcommand(Command *parent, const char *name, size_t len);
int command_get_keys(Command *cmd, Obj **argv, int argc, int *keys, int max);
int command_check_arity(const Command *cmd, int argc);
/* Iteration over top-level commands. */
Command *command_table_next(long *cursor);
void commands_reset_stats(void);

/* ---- dispatch (dispatch.c) ---- */
/* Where a command comes from, for the checks: a client's request, a command queued
 * in MULTI run by EXEC, a script's redis.call(), a blocked client re-running. */
enum { CHECK_CTX_CLIENT, CHECK_CTX_EXEC, CHECK_CTX_SCRIPT, CHECK_CTX_RERUN };
/* Slots in the list of checks that subsystems fill (Module.checks), in Redis's
 * order among the core's own: auth, no-multi, [ACL], [cluster], OOM, [disk error],
 * [replica], [pub/sub context], loading, [busy script]. A check returns NULL or
 * the error to reply (a new sds). */
enum { CHECK_SLOT_ACL, CHECK_SLOT_CLUSTER, CHECK_SLOT_DISK, CHECK_SLOT_REPLICA, CHECK_SLOT_PUBSUB, CHECK_SLOT_BUSY,
       CHECK_SLOT__COUNT };
typedef Sds DispatchCheckFn(Client *c, struct Command *cmd, int ctx);
/* Fills a slot (modules_register does it from Module.checks); one check per slot. */
void command_set_check(int slot, DispatchCheckFn *fn);

/* Runs one parsed command for c: lookup, arity, checks, MULTI queueing, call. */
void command_process(Client *c);
/* The same for a blocked client whose key became ready (blocking.c). */
void command_reprocess(Client *c);
/* The checks that apply in ctx; NULL, or the error to reply (a new sds, "-CODE ..."
 * or a message that gets "ERR "). */
Sds command_run_checks(Client *c, Command *cmd, int ctx);
/* Runs cmd for c with timing, statistics and its propagation scope (no checks). */
void command_call(Client *c, Command *cmd);
/* Marks the running command as failed (called by reply_error). */
void command_note_failure(Client *c);
/* The client whose command is running (innermost), or NULL; the call nesting. */
Client *command_current_client(void);
/* The client whose request is being served (the outermost call: EVAL's client
 * while a script's commands run on its fake client), or NULL. */
Client *command_outer_client(void);
int command_call_depth(void);

#endif
