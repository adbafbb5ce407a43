/* module.h - the subsystem descriptor: the one place where a subsystem (a data type,
 * transactions, pub/sub, persistence, scripting, replication, ...) attaches to the
 * server.
 *
 * Each subsystem defines one const Module with what it brings: its command table,
 * its configuration directives (declared next to its own state), its data type's
 * descriptor, and the hooks the server calls at fixed points. The list of every
 * subsystem is server_modules[], defined once at the top of the tree
 * (src/app/modules.c); modules_init() walks it, so adding a subsystem is one line
 * there and nothing else is threaded by hand. All hooks are optional (NULL). */
#ifndef VESPER_MODULE_H
#define VESPER_MODULE_H
#include "../base/sds.h"
#include "client.h"

struct Command;
struct ConfigDef;
struct ObjType;

/* A named integer figure that a built-in INFO section reports ("blocked_clients",
 * "pubsub_channels", ...); 0 while no module provides it. */
typedef struct InfoGauge {
    const char *name;
    long long (*get)(void);
} InfoGauge;

/* A check the module adds to dispatch's list (command.h: CHECK_SLOT_*). */
typedef struct DispatchCheckDef {
    int slot;
    Sds (*fn)(Client *c, struct Command *cmd, int ctx);
} DispatchCheckDef;

/* A DEBUG subcommand the module answers; fn gets the whole DEBUG command. */
typedef struct DebugExt {
    const char *name;
    void (*fn)(Client *c);
} DebugExt;

typedef struct Module {
    const char *name;
    struct Command *commands;          /* table ending with {0}, or NULL */
    struct ConfigDef *configs;         /* directives ending with {0}, or NULL */
    const struct ObjType *type;        /* the data type it implements, or NULL */
    void (*init)(void);                /* once, after the config is loaded */
    void (*cron)(void);                /* every server cron tick (hz times a second) */
    void (*before_sleep)(void);        /* every event loop turn, before waiting */
    void (*client_reset)(Client *c);   /* RESET, and before a client is freed */
    void (*reset_stats)(void);         /* CONFIG RESETSTAT */
    void (*flushall)(void);            /* FLUSHALL emptied every database (after) */
    /* 1 while replies must wait for before-sleep (the AOF with appendfsync always
     * holds writes not yet on disk): write handlers then send nothing. */
    int (*output_barrier)(void);
    const char *info_section;          /* INFO section it provides (a built-in name replaces */
    Sds (*info)(Sds info);             /*   the placeholder), and its body's fields */
    const InfoGauge *gauges;           /* ending with {0}, or NULL */
    const DebugExt *debug;             /* ending with {0}, or NULL */
    const DispatchCheckDef *checks;    /* ending with {.fn = NULL}, or NULL */
    /* Shutdown (SHUTDOWN, SIGTERM): flags are SHUTDOWN_* (server.h). Returns 0, or -1
     * to refuse (the reason logged), unless SHUTDOWN_FORCE. */
    int (*shutdown)(int flags);
} Module;

/* Every subsystem, in initialization order; NULL-terminated. */
extern const Module *const server_modules[];

/* Registers every module's types, commands and directives (before the config is
 * loaded); then modules_init() runs their init hooks. extra (may be NULL) adds
 * modules after the built-in ones: unit tests use it. */
void modules_register(const Module *const *extra);
void modules_init(void);
/* The hook points: each calls the hook of every module that has one, in order. */
void modules_cron(void);
void modules_before_sleep(void);
void modules_client_reset(Client *c);
void modules_reset_stats(void);
void modules_flushall(void);
int modules_output_barrier(void);
/* Runs every module's shutdown hook; -1 when one refused (they all run anyway). */
int modules_shutdown(int flags);
/* INFO: the module providing section name (case-insensitive), or NULL. */
const Module *modules_info_provider(const char *name);
/* Modules with sections that are not built-in, one per call: *cursor starts at 0. */
const Module *modules_next_info(int *cursor);
long long modules_gauge(const char *name);
/* The gauge itself (to read it often without the lookup), or NULL. */
const InfoGauge *modules_find_gauge(const char *name);
/* DEBUG: the handler of a module's subcommand name (case-insensitive), or NULL. */
void (*modules_debug_handler(const char *name))(Client *c);
/* Iteration over registered modules (for tests and COMMAND): NULL at the end. */
const Module *modules_at(int i);

#endif
