/* config_defs.c - the built-in directives of Redis 7.0 with a typed value (bool,
 * number, enum, string): their table, enumerations, validators and apply hooks. The
 * special directives (save, bind, dir, client-output-buffer-limit...) are in
 * config_special.c; the registry (config.c) registers both tables first.
 *
 * Directives Vesper implements keep their value in a field of server.cfg (the registry
 * rebases it onto whichever Config is being loaded or set). The others are
 * CONFIG_NOIMPL with no variable (KEPT_*): the registry keeps their value, so CONFIG
 * GET/SET/REWRITE round-trip them with Redis's validation and the config file accepts
 * them with a start-up warning. Subsystems (types, persistence, eviction ...) register
 * their own directives from their modules (module.h).
 *
 * Invariants: names, aliases, bounds, defaults and error texts are Redis 7.0.15's;
 * apply hooks act on the live server.cfg only (the registry runs them only then).
 * Costs: nothing at run time beyond the table (about 180 entries, static). */
#include "config_priv.h"
#include "server.h"
#include "crash.h"
#include "evict.h"
#include "oom_score.h"
#include "../base/alloc.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Enumerations
 * ------------------------------------------------------------------------- */

static const ConfigEnum syslog_facility_enum[] = {
    {"user", 8}, {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152},
    {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}, {NULL, 0}};
static const ConfigEnum loglevel_enum[] = {
    {"debug", LL_DEBUG}, {"verbose", LL_VERBOSE}, {"notice", LL_NOTICE}, {"warning", LL_WARNING}, {NULL, 0}};
static const ConfigEnum supervised_enum[] = {
    {"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}, {NULL, 0}};
static const ConfigEnum shutdown_on_sig_enum[] = {
    {"default", 0}, {"save", SHUTDOWN_SAVE}, {"nosave", SHUTDOWN_NOSAVE},
    {"now", SHUTDOWN_NOW}, {"force", SHUTDOWN_FORCE}, {NULL, 0}};
static const ConfigEnum repl_diskless_load_enum[] = {
    {"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {NULL, 0}};
static const ConfigEnum tls_auth_clients_enum[] = {{"no", 0}, {"yes", 1}, {"optional", 2}, {NULL, 0}};
static const ConfigEnum oom_score_adj_enum[] = {
    {"no", OOM_SCORE_ADJ_NO}, {"yes", OOM_SCORE_RELATIVE}, {"relative", OOM_SCORE_RELATIVE},
    {"absolute", OOM_SCORE_ADJ_ABSOLUTE}, {NULL, 0}};
static const ConfigEnum acl_pubsub_default_enum[] = {{"allchannels", 1}, {"resetchannels", 0}, {NULL, 0}};
static const ConfigEnum protected_action_enum[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0}};
static const ConfigEnum endpoint_type_enum[] = {
    {"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}, {NULL, 0}};
static const ConfigEnum propagation_error_enum[] = {
    {"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}, {NULL, 0}};

/* ---------------------------------------------------------------------------
 * Validators and apply hooks
 * ------------------------------------------------------------------------- */

static int check_shutdown_flags(long long *v, const char **err) {
    if ((*v & SHUTDOWN_SAVE) && (*v & SHUTDOWN_NOSAVE)) {
        *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
        return 0;
    }
    return 1;
}

/* Redis accepts any hz and clamps it; CONFIG GET shows the clamped value. */
static int check_hz(long long *v, const char **err) {
    (void)err;
    if (*v < CONFIG_MIN_HZ) *v = CONFIG_MIN_HZ;
    if (*v > CONFIG_MAX_HZ) *v = CONFIG_MAX_HZ;
    return 1;
}



static int check_hostname(const char *v, const char **err) {
    if (strlen(v) >= 256) {
        *err = "Hostnames must be less than 256 characters";
        return 0;
    }
    for (const char *p = v; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.')) {
            *err = "Hostnames may only contain alphanumeric characters, hyphens or dots";
            return 0;
        }
    }
    return 1;
}

/* A template is valid when it expands (every {variable} known, every brace
 * closed) and the expansion with an empty title is not blank, as Redis checks. */
static int check_proc_title(const char *v, const char **err) {
    Sds s = server_expand_proc_title(v, "");
    int ok = s && sds_len(s) > 0;
    sds_free(s);
    if (!ok) *err = "template format is invalid or contains unknown variables";
    return ok;
}

static int apply_proc_title(const char **err) {
    (void)err;
    server_set_proc_title(NULL);
    return 1;
}

static int apply_hz(const char **err) {
    (void)err;
    server.hz = server.cfg.hz;
    return 1;
}

static int apply_maxclients(const char **err) {
    static char msg[128];
    int want = server.cfg.maxclients;
    if (server_set_maxclients(want) == -1) {
        *err = "The event loop API used by Redis is not able to handle the specified number of clients";
        return 0;
    }
    if (server.cfg.maxclients != want) {
        snprintf(msg, sizeof(msg), "The operating system is not able to handle the specified "
                 "number of clients, try with %d", server.cfg.maxclients);
        *err = msg;
        return 0;
    }
    return 1;
}

/* crash-log-enabled installs or removes the fatal-signal handlers (core/crash.c). */
static int apply_crash_log(const char **err) {
    (void)err;
    crash_set_handlers(server.cfg.crash_log_enabled);
    return 1;
}

static int apply_jemalloc_bg_thread(const char **err) {
    (void)err;
    vmalloc_background_thread(server.cfg.jemalloc_bg_thread);
    return 1;
}

static int apply_watchdog(const char **err) {
    (void)err;
    crash_watchdog_apply();
    return 1;
}

static int apply_maxmemory(const char **err) {
    (void)err;
    if (!server.cfg.maxmemory) return 1;
    size_t used = vmalloc_used();
    if (server.cfg.maxmemory < used)
        server_log(LL_WARNING, "WARNING: the new maxmemory value set via CONFIG SET (%llu) is smaller "
                   "than the current memory usage (%zu). This will result in key eviction and/or the "
                   "inability to accept new write commands depending on the maxmemory-policy.",
                   server.cfg.maxmemory, used);
    evict_start_timer(); /* as Redis: evict now, between commands */
    return 1;
}

/* ---------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------- */

/* A built-in directive Vesper does not implement: no variable, the registry keeps it. */
#define KEPT(n, a, fl, t) .name = (n), .alias = (a), .flags = (fl) | CONFIG_NOIMPL, .type = (t), \
    .storage = CONFIG_STORE_NONE
#define KEPT_BOOL(n, a, fl, d, ...) { KEPT(n, a, fl, CONFIG_TYPE_BOOL), .def = (d), __VA_ARGS__ }
#define KEPT_NUM(n, a, fl, nf, lo, hi, d, ...) \
    { KEPT(n, a, fl, CONFIG_TYPE_NUM), .numflags = (nf), .lower = (lo), .upper = (hi), .def = (d), __VA_ARGS__ }
#define KEPT_ENUM(n, a, fl, en, d, ...) { KEPT(n, a, fl, CONFIG_TYPE_ENUM), .enums = (en), .def = (d), __VA_ARGS__ }
#define KEPT_STR(n, a, fl, d, ...) { KEPT(n, a, fl, CONFIG_TYPE_STRING), .defstr = (d), __VA_ARGS__ }

#define S server.cfg
#define IMM CONFIG_IMMUTABLE
#define MEM CONFIG_MEMORY
#define PCT CONFIG_PERCENT
#define OCT CONFIG_OCTAL
#define U CONFIG_UNSIGNED
#define LLMAX LLONG_MAX
#define LMAX LONG_MAX

ConfigDef config_core_table[] = {
    /* booleans */
    CONFIG_BOOL("daemonize", NULL, IMM, S.daemonize, 0),
    KEPT_BOOL("io-threads-do-reads", NULL, IMM, 0),
    KEPT_BOOL("always-show-logo", NULL, IMM, 0),
    CONFIG_BOOL("protected-mode", NULL, 0, S.protected_mode, 1),
    CONFIG_BOOL("activerehashing", NULL, 0, S.activerehashing, 1),
    CONFIG_BOOL("set-proc-title", NULL, IMM, S.set_proc_title, 1),
    CONFIG_BOOL("dynamic-hz", NULL, 0, S.dynamic_hz, 1),
    KEPT_BOOL("repl-disable-tcp-nodelay", NULL, 0, 0),
    KEPT_BOOL("repl-diskless-sync", NULL, 0, 1),
    KEPT_BOOL("cluster-require-full-coverage", NULL, 0, 1),
    KEPT_BOOL("cluster-replica-no-failover", "cluster-slave-no-failover", 0, 0),
    KEPT_BOOL("replica-lazy-flush", "slave-lazy-flush", 0, 0),
    KEPT_BOOL("replica-serve-stale-data", "slave-serve-stale-data", 0, 1),
    CONFIG_BOOL("replica-read-only", "slave-read-only", 0, S.replica_read_only, 1),
    KEPT_BOOL("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, 1),
    CONFIG_BOOL("jemalloc-bg-thread", NULL, 0, S.jemalloc_bg_thread, 1, .apply = apply_jemalloc_bg_thread),
    CONFIG_BOOL("syslog-enabled", NULL, IMM, S.syslog_enabled, 0),
    KEPT_BOOL("cluster-enabled", NULL, IMM, 0),
    KEPT_BOOL("cluster-allow-reads-when-down", NULL, 0, 0),
    KEPT_BOOL("cluster-allow-pubsubshard-when-down", NULL, 0, 1),
    CONFIG_BOOL("crash-log-enabled", NULL, 0, S.crash_log_enabled, 1, .apply = apply_crash_log),
    CONFIG_BOOL("crash-memcheck-enabled", NULL, 0, S.crash_memcheck_enabled, 1),
    CONFIG_BOOL("use-exit-on-panic", NULL, CONFIG_HIDDEN, S.use_exit_on_panic, 0),
    KEPT_BOOL("disable-thp", NULL, IMM, 1),
    KEPT_BOOL("cluster-allow-replica-migration", NULL, 0, 1),
    KEPT_BOOL("replica-announced", NULL, 0, 1),
    CONFIG_BOOL("latency-tracking", NULL, 0, S.latency_tracking, 1),
    KEPT_BOOL("replica-ignore-disk-write-errors", NULL, 0, 0),
    /* strings */
    KEPT_STR("aclfile", NULL, IMM, ""),
    CONFIG_STR("unixsocket", NULL, IMM | CONFIG_EMPTY_NULL, S.unixsocket, NULL),
    CONFIG_STR("pidfile", NULL, IMM | CONFIG_EMPTY_NULL, S.pidfile, NULL),
    KEPT_STR("replica-announce-ip", "slave-announce-ip", CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("masteruser", NULL, CONFIG_SENSITIVE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("cluster-announce-ip", NULL, CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("cluster-config-file", NULL, IMM, "nodes.conf"),
    KEPT_STR("cluster-announce-hostname", NULL, CONFIG_EMPTY_NULL, NULL, .str_check = check_hostname),
    CONFIG_STR("syslog-ident", NULL, IMM, S.syslog_ident, "redis"),
    CONFIG_STR("server_cpulist", NULL, IMM | CONFIG_EMPTY_NULL, S.server_cpulist, NULL),
    CONFIG_STR("bio_cpulist", NULL, IMM | CONFIG_EMPTY_NULL, S.bio_cpulist, NULL),
    KEPT_STR("ignore-warnings", NULL, 0, ""),
    CONFIG_STR("proc-title-template", NULL, 0, S.proc_title_template, "{title} {listen-addr} {server-mode}",
               .str_check = check_proc_title, .apply = apply_proc_title),
    KEPT_STR("bind-source-addr", NULL, CONFIG_EMPTY_NULL, NULL),
    CONFIG_STR("logfile", NULL, IMM, S.logfile, ""),
    KEPT_STR("masterauth", NULL, CONFIG_SENSITIVE | CONFIG_EMPTY_NULL | CONFIG_BINARY, NULL),
    /* enums */
    KEPT_ENUM("supervised", NULL, IMM, supervised_enum, 0),
    KEPT_ENUM("syslog-facility", NULL, IMM, syslog_facility_enum, 128),
    KEPT_ENUM("repl-diskless-load", NULL, CONFIG_DENY_LOADING, repl_diskless_load_enum, 0),
    CONFIG_ENUM("loglevel", NULL, 0, S.verbosity, loglevel_enum, LL_NOTICE),
    CONFIG_ENUM("oom-score-adj", NULL, 0, S.oom_score_adj, oom_score_adj_enum, OOM_SCORE_ADJ_NO,
                .apply = oom_score_apply_hook),
    KEPT_ENUM("acl-pubsub-default", NULL, 0, acl_pubsub_default_enum, 0),
    CONFIG_ENUM("enable-protected-configs", NULL, IMM, S.enable_protected_configs, protected_action_enum, 0),
    CONFIG_ENUM("enable-debug-command", NULL, IMM, S.enable_debug_cmd, protected_action_enum, 0),
    CONFIG_ENUM("enable-module-command", NULL, IMM, S.enable_module_cmd, protected_action_enum, 0),
    KEPT_ENUM("cluster-preferred-endpoint-type", NULL, 0, endpoint_type_enum, 0),
    KEPT_ENUM("propagation-error-behavior", NULL, 0, propagation_error_enum, 0),
    KEPT_ENUM("shutdown-on-sigint", NULL, CONFIG_MULTI_ARG, shutdown_on_sig_enum, 0, .num_check = check_shutdown_flags),
    KEPT_ENUM("shutdown-on-sigterm", NULL, CONFIG_MULTI_ARG, shutdown_on_sig_enum, 0, .num_check = check_shutdown_flags),
    /* int */
    CONFIG_NUM("databases", NULL, IMM, 0, S.databases, 1, INT_MAX, 16),
    CONFIG_NUM("port", NULL, 0, 0, S.port, 0, 65535, 6379),
    CONFIG_NUM("io-threads", NULL, IMM, 0, S.io_threads, 1, 128, 1),
    KEPT_NUM("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, 0, INT_MAX, 10),
    CONFIG_NUM("tcp-keepalive", NULL, 0, 0, S.tcp_keepalive, 0, INT_MAX, 300),
    KEPT_NUM("cluster-migration-barrier", NULL, 0, 0, 0, INT_MAX, 1),
    KEPT_NUM("replica-priority", "slave-priority", 0, 0, 0, INT_MAX, 100),
    KEPT_NUM("repl-diskless-sync-delay", NULL, 0, 0, 0, INT_MAX, 5),
    CONFIG_NUM("timeout", NULL, 0, 0, S.maxidletime, 0, INT_MAX, 0),
    KEPT_NUM("replica-announce-port", "slave-announce-port", 0, 0, 0, 65535, 0),
    CONFIG_NUM("tcp-backlog", NULL, IMM, 0, S.tcp_backlog, 0, INT_MAX, 511),
    KEPT_NUM("cluster-port", NULL, IMM, 0, 0, 65535, 0),
    KEPT_NUM("cluster-announce-bus-port", NULL, 0, 0, 0, 65535, 0),
    KEPT_NUM("cluster-announce-port", NULL, 0, 0, 0, 65535, 0),
    KEPT_NUM("cluster-announce-tls-port", NULL, 0, 0, 0, 65535, 0),
    KEPT_NUM("repl-timeout", NULL, 0, 0, 1, INT_MAX, 60),
    CONFIG_NUM("active-expire-effort", NULL, 0, 0, S.active_expire_effort, 1, 10, 1),
    CONFIG_NUM("hz", NULL, 0, 0, S.hz, 0, INT_MAX, 10, .num_check = check_hz, .apply = apply_hz),
    KEPT_NUM("min-replicas-to-write", "min-slaves-to-write", 0, 0, 0, INT_MAX, 0),
    KEPT_NUM("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, 0, INT_MAX, 10),
    CONFIG_NUM("watchdog-period", NULL, CONFIG_HIDDEN, 0, S.watchdog_period, 0, INT_MAX, 0, .apply = apply_watchdog),
    KEPT_NUM("shutdown-timeout", NULL, 0, 0, 0, INT_MAX, 10),
    KEPT_NUM("repl-diskless-sync-max-replicas", NULL, 0, 0, 0, INT_MAX, 0),
    /* unsigned int */
    CONFIG_NUM("maxclients", NULL, 0, U, S.maxclients, 1, UINT_MAX, 10000, .apply = apply_maxclients),
    CONFIG_NUM("unixsocketperm", NULL, IMM, U | OCT, S.unixsocketperm, 0, 0777, 0),
    KEPT_NUM("socket-mark-id", NULL, IMM, U, 0, UINT_MAX, 0),
    /* unsigned long */
    CONFIG_NUM("slowlog-max-len", NULL, 0, 0, S.slowlog_max_len, 0, LMAX, 128),
    KEPT_NUM("acllog-max-len", NULL, 0, 0, 0, LMAX, 128),
    /* long long */
    CONFIG_NUM("busy-reply-threshold", "lua-time-limit", 0, 0, S.busy_reply_threshold, 0, LMAX, 5000),
    KEPT_NUM("cluster-node-timeout", NULL, 0, 0, 0, LLMAX, 15000),
    CONFIG_NUM("slowlog-log-slower-than", NULL, 0, 0, S.slowlog_log_slower_than, -1, LLMAX, 10000),
    CONFIG_NUM("latency-monitor-threshold", NULL, 0, 0, S.latency_monitor_threshold, 0, LLMAX, 0),
    CONFIG_NUM("proto-max-bulk-len", NULL, 0, MEM, S.proto_max_bulk_len, 1024 * 1024, LMAX, 512LL * 1024 * 1024),
    KEPT_NUM("repl-backlog-size", NULL, 0, MEM, 1, LLMAX, 1024 * 1024),
    /* unsigned long long */
    CONFIG_NUM("maxmemory", NULL, 0, U | MEM, S.maxmemory, 0, (long long)ULLONG_MAX, 0, .apply = apply_maxmemory),
    KEPT_NUM("cluster-link-sendbuf-limit", NULL, 0, U | MEM, 0, (long long)ULLONG_MAX, 0),
    /* size_t / ssize_t / time_t / off_t */
    CONFIG_NUM("hll-sparse-max-bytes", NULL, 0, U | MEM, S.hll_sparse_max_bytes, 0, LMAX, 3000),
    CONFIG_NUM("client-query-buffer-limit", NULL, 0, U | MEM, S.client_max_querybuf_len, 1024 * 1024, LMAX,
               1024LL * 1024 * 1024),
    KEPT_NUM("repl-backlog-ttl", NULL, 0, 0, 0, LMAX, 60 * 60),
    /* tls */
    KEPT_NUM("tls-port", NULL, 0, 0, 0, 65535, 0),
    KEPT_NUM("tls-session-cache-size", NULL, 0, 0, 0, INT_MAX, 20 * 1024),
    KEPT_NUM("tls-session-cache-timeout", NULL, 0, 0, 0, INT_MAX, 300),
    KEPT_BOOL("tls-cluster", NULL, 0, 0),
    KEPT_BOOL("tls-replication", NULL, 0, 0),
    KEPT_ENUM("tls-auth-clients", NULL, 0, tls_auth_clients_enum, 1),
    KEPT_BOOL("tls-prefer-server-ciphers", NULL, 0, 0),
    KEPT_BOOL("tls-session-caching", NULL, 0, 1),
    KEPT_STR("tls-cert-file", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-key-file", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-key-file-pass", NULL, CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-client-cert-file", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-client-key-file", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-client-key-file-pass", NULL, CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-dh-params-file", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-ca-cert-file", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-ca-cert-dir", NULL, CONFIG_VOLATILE | CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-protocols", NULL, CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-ciphers", NULL, CONFIG_EMPTY_NULL, NULL),
    KEPT_STR("tls-ciphersuites", NULL, CONFIG_EMPTY_NULL, NULL),
    {0}};

