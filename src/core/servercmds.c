/* servercmds.c - INFO, TIME, LASTSAVE and SHUTDOWN, the error-prefix counters
 * (INFO errorstats), the instantaneous-metrics sampler, and the table of the
 * server introspection commands (whose other procs live in cmdinfo.c,
 * debugcmd.c, memory.c, slowlog.c and latency.c).
 *
 * INFO builds its text section by section in Redis 7.0's order and field names.
 * A subsystem (persistence, replication, ...) provides a section's body through
 * its Module entry (info_section/info), replacing the placeholder of a built-in
 * section; figures kept by other modules (blocked clients, pub/sub channels, ...)
 * come through the modules' named gauges and read 0 until someone provides them.
 * Error prefixes are counted in a small sorted array (at most 128 prefixes).
 * Costs: INFO is O(sections + commands + databases); the rest is O(1). */
#include "servercmds_priv.h"
#include "command.h"
#include "db.h"
#include "evict.h"
#include "module.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

static long long info_int(const char *name) { return modules_gauge(name); }

/* ---------------- error statistics ---------------- */

#define MAX_ERROR_PREFIXES 128

typedef struct ErrorStat {
    char *prefix;
    size_t len;
    long long count;
} ErrorStat;

static ErrorStat errors[MAX_ERROR_PREFIXES];
static int nerrors;

static int error_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

void server_count_error(const char *prefix, size_t len) {
    int lo = 0, hi = nerrors;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int r = error_cmp(errors[mid].prefix, errors[mid].len, prefix, len);
        if (r == 0) {
            errors[mid].count++;
            return;
        }
        if (r < 0) lo = mid + 1;
        else hi = mid;
    }
    if (nerrors == MAX_ERROR_PREFIXES) return;
    memmove(errors + lo + 1, errors + lo, sizeof(ErrorStat) * (size_t)(nerrors - lo));
    errors[lo].prefix = vmalloc(len + 1);
    memcpy(errors[lo].prefix, prefix, len);
    errors[lo].prefix[len] = '\0';
    errors[lo].len = len;
    errors[lo].count = 1;
    nerrors++;
}

static void reset_error_stats(void) {
    for (int i = 0; i < nerrors; i++) vfree(errors[i].prefix);
    nerrors = 0;
}

/* ---------------- instantaneous metrics ---------------- */

#define METRIC_SAMPLES 16
enum { METRIC_COMMANDS, METRIC_NET_IN, METRIC_NET_OUT, METRIC_COUNT };

static struct {
    long long last_ms, last_value;
    long long samples[METRIC_SAMPLES];
    int idx;
} metrics[METRIC_COUNT];

static void metric_track(int m, long long value, long long now_ms) {
    long long dt = now_ms - metrics[m].last_ms;
    long long rate = dt > 0 ? (value - metrics[m].last_value) * 1000 / dt : 0;
    metrics[m].samples[metrics[m].idx] = rate;
    metrics[m].idx = (metrics[m].idx + 1) % METRIC_SAMPLES;
    metrics[m].last_ms = now_ms;
    metrics[m].last_value = value;
}

static long long metric_get(int m) {
    long long sum = 0;
    for (int i = 0; i < METRIC_SAMPLES; i++) sum += metrics[m].samples[i];
    return sum / METRIC_SAMPLES;
}

void servercmds_cron(void) {
    static long long last_sample_ms;
    long long now = mstime();
    memory_note_startup();
    if (now - last_sample_ms < 100) return;
    last_sample_ms = now;
    metric_track(METRIC_COMMANDS, server.stat.numcommands, now);
    metric_track(METRIC_NET_IN, server.stat.net_input_bytes, now);
    metric_track(METRIC_NET_OUT, server.stat.net_output_bytes, now);
}

void servercmds_reset_stats(void) {
    reset_error_stats();
    latency_reset_histograms();
    memset(metrics, 0, sizeof(metrics));
}

/* ---------------- INFO sections ---------------- */

static const char *executable_path(void) {
    static char path[4096];
    if (server.executable) return server.executable;
    if (path[0] || !server.exec_argv || !server.exec_argv[0]) return path;
    const char *argv0 = server.exec_argv[0];
    if (argv0[0] == '/' || !strchr(argv0, '/')) {
        snprintf(path, sizeof(path), "%s", argv0);
    } else {
        char cwd[2048];
        if (!getcwd(cwd, sizeof(cwd))) cwd[0] = '\0';
        snprintf(path, sizeof(path), "%s/%s", cwd, argv0[0] == '.' && argv0[1] == '/' ? argv0 + 2 : argv0);
    }
    return path;
}

static Sds info_server(Sds s) {
    static struct utsname name;
    if (!name.sysname[0]) uname(&name);
    long long uptime = (server.mstime - server.start_ms) / 1000;
#ifdef __GNUC__
    int gcc[3] = {__GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__};
#else
    int gcc[3] = {0, 0, 0};
#endif
    return sds_catprintf(s,
        "redis_version:%s\r\n"
        "redis_git_sha1:00000000\r\n"
        "redis_git_dirty:0\r\n"
        "redis_build_id:0\r\n"
        "redis_mode:%s\r\n"
        "os:%s %s %s\r\n"
        "arch_bits:%d\r\n"
        "monotonic_clock:POSIX clock_gettime\r\n"
        "multiplexing_api:epoll\r\n"
        "atomicvar_api:c11-builtin\r\n"
        "gcc_version:%d.%d.%d\r\n"
        "process_id:%lld\r\n"
        "process_supervised:no\r\n"
        "run_id:%s\r\n"
        "tcp_port:%d\r\n"
        "server_time_usec:%lld\r\n"
        "uptime_in_seconds:%lld\r\n"
        "uptime_in_days:%lld\r\n"
        "hz:%d\r\n"
        "configured_hz:%d\r\n"
        "lru_clock:%u\r\n"
        "executable:%s\r\n"
        "config_file:%s\r\n"
        "io_threads_active:0\r\n",
        VESPER_VERSION, server.sentinel_mode ? "sentinel" : "standalone", name.sysname, name.release, name.machine,
        (int)(sizeof(long) * 8), gcc[0], gcc[1], gcc[2], (long long)getpid(), server.runid,
        server.port ? server.port : server.cfg.port, server.ustime, uptime, uptime / 86400, server.hz,
        server.cfg.hz, (unsigned)obj_lru_clock, executable_path(), server.cfg.configfile ? server.cfg.configfile : "");
}

static Sds info_clients(Sds s) {
    size_t maxin = 0, maxout = 0;
    for (Client *c = clients_first(); c; c = c->next) {
        size_t in = (c->querybuf ? sds_len(c->querybuf) : 0) + c->argv_len_sum;
        size_t out = c->reply_bytes + c->bufpos;
        if (in > maxin) maxin = in;
        if (out > maxout) maxout = out;
    }
    return sds_catprintf(s,
        "connected_clients:%zu\r\n"
        "cluster_connections:0\r\n"
        "maxclients:%d\r\n"
        "client_recent_max_input_buffer:%zu\r\n"
        "client_recent_max_output_buffer:%zu\r\n"
        "blocked_clients:%lld\r\n"
        "tracking_clients:%lld\r\n"
        "clients_in_timeout_table:%lld\r\n",
        clients_count() - (size_t)info_int("connected_slaves"), server.cfg.maxclients, maxin, maxout,
        info_int("blocked_clients"), info_int("tracking_clients"), info_int("clients_in_timeout_table"));
}


static size_t total_system_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : 0;
}

static Sds info_memory(Sds s) {
    MemOverhead mh;
    memory_overhead(&mh);
    char used[32], peak[32], sys[32], lua[32], vmtotal[32], scripts[32], rss[32], maxmem[32];
    long long mem_lua = info_int("used_memory_lua"), mem_funcs = info_int("used_memory_vm_functions");
    long long scripts_eval = info_int("used_memory_scripts_eval"), funcs_caches = info_int("used_memory_functions");
    size_t sysmem = total_system_memory();
    bytes_to_human(used, sizeof(used), mh.used);
    bytes_to_human(peak, sizeof(peak), mh.peak);
    bytes_to_human(sys, sizeof(sys), sysmem);
    bytes_to_human(lua, sizeof(lua), (unsigned long long)mem_lua);
    bytes_to_human(vmtotal, sizeof(vmtotal), (unsigned long long)(mem_lua + mem_funcs));
    bytes_to_human(scripts, sizeof(scripts), (unsigned long long)(scripts_eval + funcs_caches));
    bytes_to_human(rss, sizeof(rss), mh.rss);
    bytes_to_human(maxmem, sizeof(maxmem), server.cfg.maxmemory);
    s = sds_catprintf(s,
        "used_memory:%zu\r\n"
        "used_memory_human:%s\r\n"
        "used_memory_rss:%zu\r\n"
        "used_memory_rss_human:%s\r\n"
        "used_memory_peak:%zu\r\n"
        "used_memory_peak_human:%s\r\n"
        "used_memory_peak_perc:%.2f%%\r\n"
        "used_memory_overhead:%zu\r\n"
        "used_memory_startup:%zu\r\n"
        "used_memory_dataset:%zu\r\n"
        "used_memory_dataset_perc:%.2f%%\r\n"
        "allocator_allocated:%zu\r\n"
        "allocator_active:%zu\r\n"
        "allocator_resident:%zu\r\n"
        "total_system_memory:%zu\r\n"
        "total_system_memory_human:%s\r\n",
        mh.used, used, mh.rss, rss, mh.peak, peak, mh.peak_perc, mh.overhead_total, mh.startup, mh.dataset,
        mh.dataset_perc, mh.alloc.allocated, mh.alloc.active, mh.alloc.resident, sysmem, sys);
    s = sds_catprintf(s,
        "used_memory_lua:%lld\r\n"
        "used_memory_vm_eval:%lld\r\n"
        "used_memory_lua_human:%s\r\n"
        "used_memory_scripts_eval:%lld\r\n"
        "number_of_cached_scripts:%lld\r\n"
        "number_of_functions:%lld\r\n"
        "number_of_libraries:%lld\r\n"
        "used_memory_vm_functions:%lld\r\n"
        "used_memory_vm_total:%lld\r\n"
        "used_memory_vm_total_human:%s\r\n"
        "used_memory_functions:%lld\r\n"
        "used_memory_scripts:%lld\r\n"
        "used_memory_scripts_human:%s\r\n"
        "maxmemory:%llu\r\n"
        "maxmemory_human:%s\r\n"
        "maxmemory_policy:%s\r\n",
        mem_lua, mem_lua, lua, scripts_eval, info_int("number_of_cached_scripts"), info_int("number_of_functions"),
        info_int("number_of_libraries"), mem_funcs, mem_lua + mem_funcs, vmtotal, funcs_caches,
        scripts_eval + funcs_caches, scripts, server.cfg.maxmemory, maxmem,
        evict_policy_name(evict_cfg.policy));
    return sds_catprintf(s,
        "allocator_frag_ratio:%.2f\r\n"
        "allocator_frag_bytes:%lld\r\n"
        "allocator_rss_ratio:%.2f\r\n"
        "allocator_rss_bytes:%lld\r\n"
        "rss_overhead_ratio:%.2f\r\n"
        "rss_overhead_bytes:%lld\r\n"
        "mem_fragmentation_ratio:%.2f\r\n"
        "mem_fragmentation_bytes:%lld\r\n"
        "mem_not_counted_for_evict:%zu\r\n"
        "mem_replication_backlog:0\r\n"
        "mem_total_replication_buffers:0\r\n"
        "mem_clients_slaves:%lld\r\n"
        "mem_clients_normal:%zu\r\n"
        "mem_cluster_links:0\r\n"
        "mem_aof_buffer:%zu\r\n"
        "mem_allocator:%s\r\n"
        "active_defrag_running:%lld\r\n"
        "lazyfree_pending_objects:%lld\r\n"
        "lazyfreed_objects:%lld\r\n",
        mh.alloc_frag, mh.alloc_frag_bytes, mh.alloc_rss, mh.alloc_rss_bytes, mh.rss_extra, mh.rss_extra_bytes,
        mh.total_frag, mh.total_frag_bytes, evict_not_counted_memory(), modules_gauge("replicas_output_memory"),
        mh.clients_normal, mh.aof_buffer, vmalloc_lib(), info_int("active_defrag_running"),
        info_int("lazyfree_pending_objects"),
        info_int("lazyfreed_objects"));
}

/* Placeholder until a persistence module registers the real section. */
static Sds info_persistence(Sds s) {
    return sds_catprintf(s,
        "loading:%d\r\n"
        "async_loading:0\r\n"
        "current_cow_peak:0\r\n"
        "current_cow_size:0\r\n"
        "current_cow_size_age:0\r\n"
        "current_fork_perc:0.00\r\n"
        "current_save_keys_processed:0\r\n"
        "current_save_keys_total:0\r\n"
        "rdb_changes_since_last_save:%lld\r\n"
        "rdb_bgsave_in_progress:0\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:ok\r\n"
        "rdb_last_bgsave_time_sec:-1\r\n"
        "rdb_current_bgsave_time_sec:-1\r\n"
        "rdb_saves:0\r\n"
        "rdb_last_cow_size:0\r\n"
        "rdb_last_load_keys_expired:0\r\n"
        "rdb_last_load_keys_loaded:0\r\n"
        "aof_enabled:%d\r\n"
        "aof_rewrite_in_progress:0\r\n"
        "aof_rewrite_scheduled:0\r\n"
        "aof_last_rewrite_time_sec:-1\r\n"
        "aof_current_rewrite_time_sec:-1\r\n"
        "aof_last_bgrewrite_status:ok\r\n"
        "aof_rewrites:0\r\n"
        "aof_rewrites_consecutive_failures:0\r\n"
        "aof_last_write_status:ok\r\n"
        "aof_last_cow_size:0\r\n"
        "module_fork_in_progress:0\r\n"
        "module_fork_last_cow_size:0\r\n",
        server.loading, server.stat.dirty, server.lastsave, 0);
}

static Sds info_stats(Sds s) {
    const ServerStats *st = &server.stat;
    s = sds_catprintf(s,
        "total_connections_received:%lld\r\n"
        "total_commands_processed:%lld\r\n"
        "instantaneous_ops_per_sec:%lld\r\n"
        "total_net_input_bytes:%lld\r\n"
        "total_net_output_bytes:%lld\r\n"
        "total_net_repl_input_bytes:0\r\n"
        "total_net_repl_output_bytes:0\r\n"
        "instantaneous_input_kbps:%.2f\r\n"
        "instantaneous_output_kbps:%.2f\r\n"
        "instantaneous_input_repl_kbps:0.00\r\n"
        "instantaneous_output_repl_kbps:0.00\r\n"
        "rejected_connections:%lld\r\n"
        "sync_full:0\r\n"
        "sync_partial_ok:0\r\n"
        "sync_partial_err:0\r\n"
        "expired_keys:%lld\r\n"
        "expired_stale_perc:%.2f\r\n"
        "expired_time_cap_reached_count:%lld\r\n"
        "expire_cycle_cpu_milliseconds:%lld\r\n"
        "evicted_keys:%lld\r\n"
        "evicted_clients:%lld\r\n"
        "total_eviction_exceeded_time:%lld\r\n"
        "current_eviction_exceeded_time:%lld\r\n"
        "keyspace_hits:%lld\r\n"
        "keyspace_misses:%lld\r\n",
        st->numconnections, st->numcommands, metric_get(METRIC_COMMANDS), st->net_input_bytes,
        st->net_output_bytes, (double)metric_get(METRIC_NET_IN) / 1024, (double)metric_get(METRIC_NET_OUT) / 1024,
        st->rejected_conn, db_stats.expired_keys, (double)db_stats.expired_stale_perc_x100 / 100.0,
        db_stats.expired_time_cap_reached, db_stats.expire_cycle_cpu_us / 1000, db_stats.evicted_keys,
        client_evicted_count, evict_exceeded_time_total_ms(), evict_exceeded_time_current_ms(), db_stats.keyspace_hits, db_stats.keyspace_misses);
    return sds_catprintf(s,
        "pubsub_channels:%lld\r\n"
        "pubsub_patterns:%lld\r\n"
        "pubsubshard_channels:%lld\r\n"
        "latest_fork_usec:%lld\r\n"
        "total_forks:%lld\r\n"
        "migrate_cached_sockets:0\r\n"
        "slave_expires_tracked_keys:0\r\n"
        "active_defrag_hits:%lld\r\n"
        "active_defrag_misses:%lld\r\n"
        "active_defrag_key_hits:%lld\r\n"
        "active_defrag_key_misses:%lld\r\n"
        "total_active_defrag_time:%lld\r\n"
        "current_active_defrag_time:%lld\r\n"
        "tracking_total_keys:%lld\r\n"
        "tracking_total_items:%lld\r\n"
        "tracking_total_prefixes:%lld\r\n"
        "unexpected_error_replies:%lld\r\n"
        "total_error_replies:%lld\r\n"
        "dump_payload_sanitizations:%lld\r\n"
        "total_reads_processed:%lld\r\n"
        "total_writes_processed:%lld\r\n"
        "io_threaded_reads_processed:%lld\r\n"
        "io_threaded_writes_processed:%lld\r\n"
        "reply_buffer_shrinks:%lld\r\n"
        "reply_buffer_expands:%lld\r\n",
        info_int("pubsub_channels"), info_int("pubsub_patterns"), info_int("pubsubshard_channels"),
        st->latest_fork_usec, st->total_forks, info_int("active_defrag_hits"), info_int("active_defrag_misses"),
        info_int("active_defrag_key_hits"), info_int("active_defrag_key_misses"), info_int("total_active_defrag_time"),
        info_int("current_active_defrag_time"),
        info_int("tracking_total_keys"), info_int("tracking_total_items"), info_int("tracking_total_prefixes"),
        st->unexpected_error_replies, st->total_error_replies, info_int("dump_payload_sanitizations"),
        st->total_reads_processed, st->total_writes_processed, st->io_reads, st->io_writes,
        st->reply_buffer_shrinks, st->reply_buffer_expands);
}

/* Placeholder until a replication module registers the real section. */
static Sds info_replication(Sds s) {
    static char replid[41];
    if (!replid[0]) rand_hex(replid, 40);
    replid[40] = '\0';
    return sds_catprintf(s,
        "role:master\r\n"
        "connected_slaves:0\r\n"
        "master_failover_state:no-failover\r\n"
        "master_replid:%s\r\n"
        "master_replid2:0000000000000000000000000000000000000000\r\n"
        "master_repl_offset:0\r\n"
        "second_repl_offset:-1\r\n"
        "repl_backlog_active:0\r\n"
        "repl_backlog_size:1048576\r\n"
        "repl_backlog_first_byte_offset:0\r\n"
        "repl_backlog_histlen:0\r\n",
        replid);
}

static Sds info_cpu(Sds s) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    return sds_catprintf(s,
        "used_cpu_sys:%ld.%06ld\r\n"
        "used_cpu_user:%ld.%06ld\r\n"
        "used_cpu_sys_children:%ld.%06ld\r\n"
        "used_cpu_user_children:%ld.%06ld\r\n"
        "used_cpu_sys_main_thread:%ld.%06ld\r\n"
        "used_cpu_user_main_thread:%ld.%06ld\r\n",
        (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec,
        (long)self.ru_utime.tv_usec, (long)children.ru_stime.tv_sec, (long)children.ru_stime.tv_usec,
        (long)children.ru_utime.tv_sec, (long)children.ru_utime.tv_usec, (long)thread.ru_stime.tv_sec,
        (long)thread.ru_stime.tv_usec, (long)thread.ru_utime.tv_sec, (long)thread.ru_utime.tv_usec);
}

static Sds info_modules(Sds s) { return s; }

/* A name safe for an INFO line: '#', ':', CR and LF become '_'. */
static Sds cat_safe(Sds s, const char *p, size_t len) {
    size_t start = sds_len(s);
    s = sds_catlen(s, p, len);
    for (size_t i = start; i < sds_len(s); i++)
        if (s[i] == '#' || s[i] == ':' || s[i] == '\r' || s[i] == '\n') s[i] = '_';
    return s;
}

static Sds cmdstat_line(Sds s, const Command *c) {
    if (!c->calls && !c->failed_calls && !c->rejected_calls) return s;
    s = sds_cat(s, "cmdstat_");
    s = cat_safe(s, c->fullname, strlen(c->fullname));
    return sds_catprintf(s, ":calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,failed_calls=%lld\r\n",
                         c->calls, c->usec, c->calls ? (double)((float)c->usec / (float)c->calls) : 0.0,
                         c->rejected_calls, c->failed_calls);
}

static Sds info_commandstats(Sds s) {
    long cursor = 0;
    Command *cmd;
    while ((cmd = command_table_next(&cursor))) {
        s = cmdstat_line(s, cmd);
        if (cmd->subcommands)
            for (const Command *sub = cmd->subcommands; sub->name; sub++) s = cmdstat_line(s, sub);
    }
    return s;
}

static Sds info_errorstats(Sds s) {
    for (int i = 0; i < nerrors; i++) {
        s = sds_cat(s, "errorstat_");
        s = cat_safe(s, errors[i].prefix, errors[i].len);
        s = sds_catprintf(s, ":count=%lld\r\n", errors[i].count);
    }
    return s;
}

static Sds info_latencystats(Sds s) { return server.cfg.latency_tracking ? latency_info_percentiles(s) : s; }

static Sds info_cluster(Sds s) { return sds_cat(s, "cluster_enabled:0\r\n"); }

static Sds info_keyspace(Sds s) {
    for (int j = 0; j < db_count(); j++) {
        Db *db = db_get(j);
        long long keys = (long long)db_size(db), vkeys = (long long)db_volatile_count(db);
        if (keys || vkeys) s = sds_catprintf(s, "db%d:keys=%lld,expires=%lld,avg_ttl=%lld\r\n", j, keys, vkeys, db->avg_ttl);
    }
    return s;
}

/* ---------------- INFO ---------------- */

typedef struct InfoSection {
    const char *name, *title;
    InfoSectionFn *fn;
    int in_default;
} InfoSection;

static const InfoSection builtin_sections[] = {
    {"server", "Server", info_server, 1},
    {"clients", "Clients", info_clients, 1},
    {"memory", "Memory", info_memory, 1},
    {"persistence", "Persistence", info_persistence, 1},
    {"stats", "Stats", info_stats, 1},
    {"replication", "Replication", info_replication, 1},
    {"cpu", "CPU", info_cpu, 1},
    {"modules", "Modules", info_modules, 1},
    {"commandstats", "Commandstats", info_commandstats, 0},
    {"errorstats", "Errorstats", info_errorstats, 1},
    {"latencystats", "Latencystats", info_latencystats, 0},
    {"cluster", "Cluster", info_cluster, 1},
    {"keyspace", "Keyspace", info_keyspace, 1},
    {NULL, NULL, NULL, 0}};

typedef struct InfoRequest {
    int all, defaults, argc;
    const char **names;
} InfoRequest;

static int info_named(const InfoRequest *rq, const char *name) {
    for (int i = 0; i < rq->argc; i++) {
        if (!strcasecmp(rq->names[i], name)) return 1;
        if (!strcmp(name, "modules") && !strcasecmp(rq->names[i], "module_list")) return 1;
    }
    return 0;
}

static int is_builtin(const char *name) {
    for (const InfoSection *b = builtin_sections; b->name; b++)
        if (!strcasecmp(b->name, name)) return 1;
    return 0;
}

static Sds info_section(Sds info, int *count, const char *name, const char *title, InfoSectionFn *fn) {
    const Module *m = modules_info_provider(name);
    if ((*count)++) info = sds_cat(info, "\r\n");
    info = sds_catprintf(info, "# %s\r\n", title);
    return m ? m->info(info) : fn(info);
}

Sds info_generate(int argc, const char **sections) {
    InfoRequest rq = {0, argc == 0, argc, sections};
    for (int i = 0; i < argc; i++) {
        if (!strcasecmp(sections[i], "default")) rq.defaults = 1;
        else if (!strcasecmp(sections[i], "all") || !strcasecmp(sections[i], "everything")) rq.all = 1;
    }
    Sds info = sds_empty();
    int count = 0;
    for (const InfoSection *b = builtin_sections; b->name; b++)
        if (rq.all || (rq.defaults && b->in_default) || info_named(&rq, b->name))
            info = info_section(info, &count, b->name, b->title, b->fn);
    int cursor = 0;
    for (const Module *m; (m = modules_next_info(&cursor));) {
        const char *name = m->info_section;
        if (is_builtin(name) || !(rq.all || info_named(&rq, name))) continue;
        char title[64];
        snprintf(title, sizeof(title), "%s", name);
        if (title[0] >= 'a' && title[0] <= 'z') title[0] = (char)(title[0] - 'a' + 'A');
        info = info_section(info, &count, name, title, m->info);
    }
    return info;
}

static void srvcmd_info(Client *c) {
    const char *names[64];
    int n = 0;
    for (int i = 1; i < c->argc && n < 64; i++) names[n++] = arg_str(c, i);
    Sds info = info_generate(n, names);
    reply_verbatim(c, info, sds_len(info), "txt");
    sds_free(info);
}

/* ---------------- TIME, LASTSAVE, SHUTDOWN ---------------- */

static void srvcmd_time(Client *c) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    reply_array_len(c, 2);
    reply_bulk_ll(c, (long long)tv.tv_sec);
    reply_bulk_ll(c, (long long)tv.tv_usec);
}

static void srvcmd_lastsave(Client *c) { reply_long(c, server.lastsave); }

static void srvcmd_shutdown(Client *c) {
    int flags = SHUTDOWN_NOFLAGS, abort_shutdown = 0;
    for (int i = 1; i < c->argc; i++) {
        if (arg_is(c->argv[i], "nosave")) flags |= SHUTDOWN_NOSAVE;
        else if (arg_is(c->argv[i], "save")) flags |= SHUTDOWN_SAVE;
        else if (arg_is(c->argv[i], "now")) flags |= SHUTDOWN_NOW;
        else if (arg_is(c->argv[i], "force")) flags |= SHUTDOWN_FORCE;
        else if (arg_is(c->argv[i], "abort")) abort_shutdown = 1;
        else {
            reply_error_syntax(c);
            return;
        }
    }
    if ((abort_shutdown && flags != SHUTDOWN_NOFLAGS) || ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        reply_error_syntax(c);
        return;
    }
    if (abort_shutdown) {
        reply_error(c, "No shutdown in progress.");
        return;
    }
    if (server_prepare_shutdown(flags) == 0) server_exit(0);
    reply_error(c, "Errors trying to SHUTDOWN. Check logs.");
}

/* ---------------- command table ---------------- */

/* The table is the source of COMMAND INFO/DOCS; tests/integration/test_command_table.py
 * checks it against Redis 7.0.15's. */
static Command command_subcommands[] = {
    {.name = "count", .proc = cmdinfo_count, .arity = 2, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server", .summary = "Get total number of Redis commands",
     .since = "2.8.13", .complexity = "O(1)"},
    {.name = "docs", .proc = cmdinfo_docs, .arity = -2, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server",
     .summary = "Get array of specific Redis command documentation", .since = "7.0.0",
     .complexity = "O(N) where N is the number of commands to look up",
     .args = "[command-name:string]...\n"
             "tip nondeterministic_output_order"},
    {.name = "getkeys", .proc = cmdinfo_getkeys, .arity = -4, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server", .summary = "Extract keys given a full Redis command",
     .since = "2.8.13", .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "getkeysandflags", .proc = cmdinfo_getkeysandflags, .arity = -4,
     .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION, .group = "server",
     .summary = "Extract keys and access flags given a full Redis command", .since = "7.0.0",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "help", .proc = cmdinfo_help, .arity = 2, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server",
     .summary = "Show helpful text about the different subcommands", .since = "5.0.0",
     .complexity = "O(1)"},
    {.name = "info", .proc = cmdinfo_info, .arity = -2, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .since = "2.8.13", .complexity = "O(N) where N is the number of commands to look up",
     .args = "[command-name:string]...\n"
             "history 7.0.0 Allowed to be called with no argument to get info on all commands.\n"
             "tip nondeterministic_output_order"},
    {.name = "list", .proc = cmdinfo_list, .arity = -2, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server", .summary = "Get an array of Redis command names",
     .since = "7.0.0", .complexity = "O(N) where N is the total number of Redis commands",
     .args = "[FILTERBY (MODULE module-name:string|ACLCAT category:string|PATTERN pattern:pattern)]{filterby}\n"
             "tip nondeterministic_output_order"},
    {0}};

static Command latency_subcommands[] = {
    {.name = "doctor", .proc = latency_doctor_cmd, .arity = 2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE, .acl = 0, .group = "server",
     .summary = "Return a human readable latency analysis report.", .since = "2.8.13",
     .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:special"},
    {.name = "graph", .proc = latency_graph_cmd, .arity = 3,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE, .acl = 0, .group = "server",
     .summary = "Return a latency graph for the event.", .since = "2.8.13", .complexity = "O(1)",
     .args = "event:string\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:special"},
    {.name = "help", .proc = latency_help_cmd, .arity = 2, .flags = CMD_LOADING|CMD_STALE, .acl = 0,
     .group = "server", .summary = "Show helpful text about the different subcommands.",
     .since = "2.8.13", .complexity = "O(1)"},
    {.name = "histogram", .proc = latency_histogram_cmd, .arity = -2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE, .acl = 0, .group = "server",
     .summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
     .since = "7.0.0",
     .complexity = "O(N) where N is the number of commands with latency information being retrieved.",
     .args = "[command:string]...\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:special"},
    {.name = "history", .proc = latency_history_cmd, .arity = 3,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE, .acl = 0, .group = "server",
     .summary = "Return timestamp-latency samples for the event.", .since = "2.8.13",
     .complexity = "O(1)",
     .args = "event:string\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:special"},
    {.name = "latest", .proc = latency_latest_cmd, .arity = 2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE, .acl = 0, .group = "server",
     .summary = "Return the latest latency samples for all events.", .since = "2.8.13",
     .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:special"},
    {.name = "reset", .proc = latency_reset_cmd, .arity = -2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE, .acl = 0, .group = "server",
     .summary = "Reset latency data for one or more events.", .since = "2.8.13", .complexity = "O(1)",
     .args = "[event:string]...\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:all_succeeded"},
    {0}};

static Command memory_subcommands[] = {
    {.name = "doctor", .proc = memory_doctor_cmd, .arity = 2, .flags = 0, .acl = 0, .group = "server",
     .summary = "Outputs memory problems report", .since = "4.0.0", .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_shards\n"
             "tip response_policy:special"},
    {.name = "help", .proc = memory_help_cmd, .arity = 2, .flags = CMD_LOADING|CMD_STALE, .acl = 0,
     .group = "server", .summary = "Show helpful text about the different subcommands", .since = "4.0.0",
     .complexity = "O(1)"},
    {.name = "malloc-stats", .proc = memory_malloc_stats_cmd, .arity = 2, .flags = 0, .acl = 0,
     .group = "server", .summary = "Show allocator internal stats", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .args = "\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_shards\n"
             "tip response_policy:special"},
    {.name = "purge", .proc = memory_purge_cmd, .arity = 2, .flags = 0, .acl = 0, .group = "server",
     .summary = "Ask the allocator to release memory", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .args = "\n"
             "tip request_policy:all_shards\n"
             "tip response_policy:all_succeeded"},
    {.name = "stats", .proc = memory_stats_cmd, .arity = 2, .flags = 0, .acl = 0, .group = "server",
     .summary = "Show memory usage details", .since = "4.0.0", .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_shards\n"
             "tip response_policy:special"},
    {.name = "usage", .proc = memory_usage_cmd, .arity = -3, .flags = CMD_READONLY, .acl = 0,
     .group = "server", .summary = "Estimate the memory usage of a key", .since = "4.0.0",
     .complexity = "O(N) where N is the number of samples.", .args = "key:key [SAMPLES count:integer]",
     .keyspecs = {{.flags = KS_RO, .bs_index = 2, .fk_type = 0, .fk_lastkey = 0, .fk_step = 1, .fk_limit = 0}},
     .nkeyspecs = 1},
    {0}};

static Command slowlog_subcommands[] = {
    {.name = "get", .proc = slowlog_get_cmd, .arity = -2, .flags = CMD_ADMIN|CMD_LOADING|CMD_STALE,
     .acl = 0, .group = "server", .summary = "Get the slow log's entries", .since = "2.2.12",
     .complexity = "O(N) where N is the number of entries returned",
     .args = "[count:integer]\n"
             "history 4.0.0 Added client IP address, port and name to the reply.\n"
             "tip request_policy:all_nodes\n"
             "tip nondeterministic_output"},
    {.name = "help", .proc = slowlog_help_cmd, .arity = 2, .flags = CMD_LOADING|CMD_STALE, .acl = 0,
     .group = "server", .summary = "Show helpful text about the different subcommands", .since = "6.2.0",
     .complexity = "O(1)"},
    {.name = "len", .proc = slowlog_len_cmd, .arity = 2, .flags = CMD_ADMIN|CMD_LOADING|CMD_STALE,
     .acl = 0, .group = "server", .summary = "Get the slow log's length", .since = "2.2.12",
     .complexity = "O(1)",
     .args = "\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:agg_sum\n"
             "tip nondeterministic_output"},
    {.name = "reset", .proc = slowlog_reset_cmd, .arity = 2, .flags = CMD_ADMIN|CMD_LOADING|CMD_STALE,
     .acl = 0, .group = "server", .summary = "Clear all entries from the slow log", .since = "2.2.12",
     .complexity = "O(N) where N is the number of entries in the slowlog",
     .args = "\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:all_succeeded"},
    {0}};

static Command server_commands[] = {
    {.name = "command", .proc = cmdinfo_command, .arity = -1, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "server", .summary = "Get array of Redis command details",
     .since = "2.8.13", .complexity = "O(N) where N is the total number of Redis commands",
     .args = "\n"
             "tip nondeterministic_output_order", .subcommands = command_subcommands},
    {.name = "debug", .proc = debug_command, .arity = -2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_PROTECTED, .acl = 0, .group = "server",
     .summary = "A container for debugging commands", .since = "1.0.0",
     .complexity = "Depends on subcommand.", .doc_flags = "syscmd"},
    {.name = "info", .proc = srvcmd_info, .arity = -1, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_DANGEROUS, .group = "server",
     .summary = "Get information and statistics about the server", .since = "1.0.0", .complexity = "O(1)",
     .args = "[section:string]...\n"
             "history 7.0.0 Added support for taking multiple section arguments.\n"
             "tip nondeterministic_output\n"
             "tip request_policy:all_shards\n"
             "tip response_policy:special"},
    {.name = "lastsave", .proc = srvcmd_lastsave, .arity = 1, .flags = CMD_LOADING|CMD_STALE|CMD_FAST,
     .acl = ACL_ADMIN|ACL_DANGEROUS, .group = "server",
     .summary = "Get the UNIX time stamp of the last successful save to disk", .since = "1.0.0",
     .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output"},
    {.name = "shutdown", .proc = srvcmd_shutdown, .arity = -1,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_NO_MULTI|CMD_SENTINEL|CMD_ALLOW_BUSY,
     .acl = 0, .group = "server",
     .summary = "Synchronously save the dataset to disk and then shut down the server", .since = "1.0.0",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
     .args = "[NOSAVE|SAVE] [NOW]{@7.0.0} [FORCE]{@7.0.0} [ABORT]{@7.0.0}\n"
             "history 7.0.0 Added the `NOW`, `FORCE` and `ABORT` modifiers."},
    {.name = "time", .proc = srvcmd_time, .arity = 1, .flags = CMD_LOADING|CMD_STALE|CMD_FAST, .acl = 0,
     .group = "server", .summary = "Return the current server time", .since = "2.6.0",
     .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output"},
    {.name = "latency", .proc = NULL, .arity = -2, .flags = 0, .acl = 0, .group = "server",
     .summary = "A container for latency diagnostics commands", .since = "2.8.13",
     .complexity = "Depends on subcommand.", .subcommands = latency_subcommands},
    {.name = "memory", .proc = NULL, .arity = -2, .flags = 0, .acl = 0, .group = "server",
     .summary = "A container for memory diagnostics commands", .since = "4.0.0",
     .complexity = "Depends on subcommand.", .subcommands = memory_subcommands},
    {.name = "slowlog", .proc = NULL, .arity = -2, .flags = 0, .acl = 0, .group = "server",
     .summary = "A container for slow log commands", .since = "2.2.12",
     .complexity = "Depends on subcommand.", .subcommands = slowlog_subcommands},
    {0}};

const Module server_module = {
    .name = "server",
    .commands = server_commands,
    .cron = servercmds_cron,
    .reset_stats = servercmds_reset_stats,
};
