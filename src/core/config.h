/* config.h - the configuration table: every directive Redis 7.0 knows, its type,
 * default, bounds and apply hook. Read by the config file, --name value arguments,
 * CONFIG GET/SET/REWRITE and INFO. */
#ifndef VESPER_CONFIG_H
#define VESPER_CONFIG_H
#include <stddef.h>

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

#define MAXMEMORY_NO_EVICTION 0
#define MAXMEMORY_ALLKEYS_LRU 1
#define MAXMEMORY_VOLATILE_LRU 2
#define MAXMEMORY_ALLKEYS_LFU 3
#define MAXMEMORY_VOLATILE_LFU 4
#define MAXMEMORY_ALLKEYS_RANDOM 5
#define MAXMEMORY_VOLATILE_RANDOM 6
#define MAXMEMORY_VOLATILE_TTL 7

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
    char *requirepass;           /* NULL when none */
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
    /* limits */
    long long proto_max_bulk_len;
    long long client_max_querybuf_len;
    OutputBufferLimit obuf_limits[CLIENT_TYPE_COUNT];
    /* memory */
    unsigned long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    int active_expire_effort;
    int lazyfree_lazy_expire;
    int lazyfree_lazy_user_del;
    int lazyfree_lazy_user_flush;
    int lazyfree_lazy_server_del;
    /* debugging and protected configs: 0 no, 1 yes, 2 local */
    int enable_debug_cmd;
    int enable_protected_configs;
    int enable_module_cmd;
    int latency_tracking;
    long long slowlog_log_slower_than;
    unsigned long slowlog_max_len;
    long long latency_monitor_threshold;
    int io_threads;
    int crash_log_enabled;
    char *dbfilename;
    int appendonly;
    char *appendfilename;
    char *appenddirname;
    int activerehashing;
    int busy_reply_threshold;    /* lua-time-limit */
    int list_max_listpack_size;
    int list_compress_depth;
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    long long set_max_intset_entries;
    long long set_max_listpack_entries;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    long long stream_node_max_bytes;
    long long stream_node_max_entries;
    int hll_sparse_max_bytes;
    char *notify_keyspace_events_str;
    int notify_keyspace_events;
    char *save_params;           /* "3600 1 300 100 60 10000" style, as given */
    int stop_writes_on_bgsave_err;
    int rdbcompression;
    int rdbchecksum;
    int replica_read_only;
    int latency_tracking_info_percentiles_len;
    double latency_tracking_info_percentiles[16];
} Config;

/* Loads defaults, then the config file (path may be NULL, "-" for stdin), then the
 * extra "--name value" options already joined into one config text.
 * On error prints Redis's FATAL CONFIG FILE ERROR report to stderr and exits(1). */
void config_init_defaults(Config *cfg);
void config_load(Config *cfg, const char *path, const char *options);
/* For CONFIG SET: sets name to value, applying hooks. Returns NULL on success or an
 * error message (static or in *errbuf). */
const char *config_set(Config *cfg, const char *name, const char *value, char *errbuf, size_t errlen);
/* Returns the directive's current value rendered as CONFIG GET does (new sds) or NULL if unknown. */
char *config_get_value(const Config *cfg, const char *name);
/* Iterates directive names (canonical and aliases); returns NULL at the end. */
const char *config_name_at(int idx, int *is_alias);
/* Called by the server at boot after config is loaded, to warn about known-but-unimplemented directives. */
void config_report_unsupported(void);

#endif
