/* config.h - the configuration: every directive Redis 7.0 knows, its type, default,
 * bounds and apply hook, in a registry read by the config file, --name value
 * arguments, CONFIG GET/SET/REWRITE and INFO. Built-in directives live in Config
 * (server.cfg); a subsystem declares its own, stored in its own variables, with the
 * table macros of config_table.h and config_register_table(). */
#ifndef VESPER_CONFIG_H
#define VESPER_CONFIG_H
#include <stddef.h>
#include "../base/sds.h"
#include "config_table.h"

#define CONFIG_MAX_BIND 16
#define CLIENT_TYPE_NORMAL 0
#define CLIENT_TYPE_REPLICA 1
#define CLIENT_TYPE_PUBSUB 2
#define CLIENT_TYPE_COUNT 3

#define LL_DEBUG 0
#define LL_VERBOSE 1
#define LL_NOTICE 2
#define LL_WARNING 3
#define LL_NOTHING 4


/* Keyspace notification classes (notify-keyspace-events letters). */
#define NOTIFY_KEYSPACE (1 << 0)    /* K */
#define NOTIFY_KEYEVENT (1 << 1)    /* E */
#define NOTIFY_GENERIC (1 << 2)     /* g */
#define NOTIFY_STRING (1 << 3)      /* $ */
#define NOTIFY_LIST (1 << 4)        /* l */
#define NOTIFY_SET (1 << 5)         /* s */
#define NOTIFY_HASH (1 << 6)        /* h */
#define NOTIFY_ZSET (1 << 7)        /* z */
#define NOTIFY_EXPIRED (1 << 8)     /* x */
#define NOTIFY_EVICTED (1 << 9)     /* e */
#define NOTIFY_STREAM (1 << 10)     /* t */
#define NOTIFY_KEY_MISS (1 << 11)   /* m (not part of A) */
#define NOTIFY_LOADED (1 << 12)     /* module only */
#define NOTIFY_MODULE (1 << 13)     /* d */
#define NOTIFY_NEW (1 << 14)        /* n */
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | \
                    NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* oom-score-adj modes and the oom-score-adj-values slots. */
#define OOM_SCORE_ADJ_NO 0
#define OOM_SCORE_RELATIVE 1
#define OOM_SCORE_ADJ_ABSOLUTE 2
#define CONFIG_OOM_MASTER 0
#define CONFIG_OOM_REPLICA 1
#define CONFIG_OOM_BGCHILD 2
#define CONFIG_OOM_COUNT 3

#define CONFIG_MIN_HZ 1
#define CONFIG_MAX_HZ 500

/* One "save <seconds> <changes>" point. */
typedef struct SaveParam {
    long long seconds;
    int changes;
} SaveParam;

typedef struct OutputBufferLimit {
    unsigned long long hard;
    unsigned long long soft;
    long long soft_seconds;
} OutputBufferLimit;

typedef struct Config {
    char *configfile;            /* absolute path, NULL when none */
    /* networking */
    int port;
    char *bind[CONFIG_MAX_BIND];
    int bind_count;
    char *unixsocket;
    int unixsocketperm;
    int tcp_backlog;
    int tcp_keepalive;
    int maxidletime;             /* "timeout" */
    int maxclients;
    int protected_mode;
    char *requirepass;           /* NULL when none; binary safe, see requirepass_len */
    size_t requirepass_len;
    /* process */
    int daemonize;
    char *pidfile;
    char *logfile;               /* "" means stdout */
    int verbosity;               /* LL_* */
    int syslog_enabled;
    char *syslog_ident;
    char *dir;                   /* informational; chdir is applied when set */
    int databases;
    int hz;                      /* configured hz */
    int dynamic_hz;
    int set_proc_title;
    char *proc_title_template;   /* proc-title-template (server_set_proc_title) */
    /* limits */
    long long proto_max_bulk_len;
    long long client_max_querybuf_len;
    OutputBufferLimit obuf_limits[CLIENT_TYPE_COUNT];
    /* memory */
    unsigned long long maxmemory;
    int active_expire_effort;
    /* debugging and protected configs: 0 no, 1 yes, 2 local */
    int enable_debug_cmd;
    int enable_protected_configs;
    int enable_module_cmd;
    int latency_tracking;
    long long slowlog_log_slower_than;
    unsigned long slowlog_max_len;
    long long latency_monitor_threshold;
    int io_threads;
    char *server_cpulist;        /* CPUs for the main thread / the background thread */
    char *bio_cpulist;
    int crash_log_enabled;       /* the crash report (core/crash.c) */
    int jemalloc_bg_thread;      /* jemalloc purges from its own thread */
    int crash_memcheck_enabled;
    int use_exit_on_panic;
    int watchdog_period;         /* ms, 0 off */
    int activerehashing;
    long long busy_reply_threshold; /* lua-time-limit, up to LONG_MAX as in Redis */
    long long hll_sparse_max_bytes; /* up to LONG_MAX as in Redis */
    char *notify_keyspace_events_str;
    int notify_keyspace_events;
    char *save_params;           /* "3600 1 300 100 60 10000" style, as given */
    int replica_read_only;
    int latency_tracking_info_percentiles_len;
    double latency_tracking_info_percentiles[16];
    /* added by the config module */
    SaveParam *saveparams;       /* parsed form of save_params */
    int saveparams_len;
    int oom_score_adj;           /* OOM_SCORE_* */
    int oom_score_adj_values[CONFIG_OOM_COUNT];
    unsigned int defaults_magic; /* set by config_init_defaults */
} Config;

/* Adds a subsystem's directives (a static table ending with {0}, see config_table.h)
 * to the registry. Call at start-up, before config_init_defaults/config_load; from
 * then on the table is used like the built-in one everywhere (config file, --name
 * value, CONFIG GET/SET/REWRITE, defaults, config_name_at, start-up warnings). The
 * table must outlive the server. A name or alias already registered, a table
 * registered after config_init_defaults, or an inconsistent entry (bounds that do not
 * fit the variable, a special without set/get...) prints the reason to stderr and
 * aborts: these are programming errors. */
void config_register_table(ConfigDef *table);
/* Loads defaults, then the config file (path may be NULL, "-" for stdin), then the
 * extra "--name value" options already joined into one config text.
 * On error prints Redis's FATAL CONFIG FILE ERROR report to stderr and exits(1). */
void config_init_defaults(Config *cfg);
void config_load(Config *cfg, const char *path, const char *options);
/* For CONFIG SET: sets name to value, applying hooks. Returns NULL on success or an
 * error message (static or in *errbuf). The message is CONFIG SET's error reply
 * without the "ERR " prefix; immutable directives are refused, protected ones are not. */
const char *config_set(Config *cfg, const char *name, const char *value, char *errbuf, size_t errlen);
/* Returns the directive's current value rendered as CONFIG GET does (new sds) or NULL if unknown. */
char *config_get_value(const Config *cfg, const char *name);
/* Iterates directive names (canonical and aliases); returns NULL at the end. */
const char *config_name_at(int idx, int *is_alias);
/* Called by the server at boot after config is loaded: logs the warnings about
 * known-but-unimplemented directives met while loading. */
void config_report_unsupported(void);

/* ---- added by the config module ---- */
/* redis-server's command line rule: returns the "--name value" options joined as
 * config text; *configfile_out gets the config file path, "-" for stdin, or NULL.
 * When both a file and "-" are given, stdin is read here and config_load puts it
 * after the file's text. */
Sds config_args_to_options(int argc, char **argv, const char **configfile_out);
/* Frees what config_init_defaults/config_load allocated in cfg. */
void config_free(Config *cfg);
/* A module's hook, run after a CONFIG SET changed the named directive on the live
 * server.cfg (never while loading the config file). The hook returns 1 on success, or
 * 0 with *err set to a static reason: CONFIG SET then restores every value it changed
 * and runs the hooks again. One hook per directive (fn NULL removes it); a hook shared
 * by several directives runs once per CONFIG SET. Returns 0 if name is unknown.
 * port and bind need one (Redis re-listens); none is registered by the config module.
 * A subsystem declaring its own directives sets ConfigDef.apply instead. */
int config_register_apply(const char *name, ConfigApplyHook *fn);
/* Rewrites the config file at path (CONFIG REWRITE; force_all writes every directive,
 * as DEBUG CONFIG-REWRITE-FORCE-ALL). Returns 0, or -1 with errno set. */
int config_rewrite(const Config *cfg, const char *path, int force_all);
/* The CONFIG command (dispatches on the subcommand). */
struct Client;
void config_command(struct Client *c);

#endif
