/* memory.c - the MEMORY command (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP)
 * and the memory accounting INFO memory shares with it.
 *
 * Used memory is the allocator wrapper's exact count; the overhead is the
 * start-up footprint, the clients' buffers and the keyspace tables; the dataset
 * is the rest. When jemalloc is the process allocator its own statistics
 * (allocated/active/resident, purge, the stats report) are reached through weak
 * references to its mallctl interface; with another allocator they fall back to
 * our own figures. Costs: USAGE is O(1) for strings (O(samples) through a type's
 * hook); STATS and INFO memory walk the clients and databases. */
#include "servercmds_priv.h"
#include "db.h"
#include "module.h"
#include "reply.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* jemalloc's public API, present only when jemalloc is linked in. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) __attribute__((weak));
extern void malloc_stats_print(void (*write_cb)(void *, const char *), void *cbopaque, const char *opts)
    __attribute__((weak));

static size_t startup_memory;

void memory_note_startup(void) {
    if (!startup_memory) startup_memory = vmalloc_used();
}

void bytes_to_human(char *out, size_t outlen, unsigned long long n) {
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(out, outlen, "%lluB", n);
        return;
    }
    double d = (double)n / 1024;
    int u = 0;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    if (u == 4 && d >= 1024) snprintf(out, outlen, "%lluB", n);
    else snprintf(out, outlen, "%.2f%c", d, units[u]);
}

/* jemalloc's figures (without the Lua interpreters' arena, see vmalloc_frag_info),
 * else our own count and the RSS. */
void memory_allocator_stats(AllocStats *st) {
    size_t allocated, active, resident;
    if (vmalloc_frag_info(&allocated, &active, &resident)) {
        st->allocated = allocated;
        st->active = active;
        st->resident = resident;
        return;
    }
    st->allocated = st->active = vmalloc_used();
    st->resident = vmalloc_rss();
}

/* The clients' memory: each one's structure and buffers, with pub/sub messages
 * shared between clients counted once (they are allocated once), so that the
 * overhead never exceeds used_memory as 50 slow subscribers of a 1 MB message
 * made it (50 MB counted, 1 MB allocated). */
static size_t clients_memory(void) {
    size_t m = reply_shared_live_bytes();
    for (Client *c = clients_first(); c; c = c->next) {
        m += sizeof(Client) + c->buf_size + c->reply_bytes - c->reply_shared_bytes;
        if (c->querybuf) m += sds_alloc_size(c->querybuf);
    }
    return m;
}

static size_t db_overhead(Db *db) {
    return ht_mem_usage(db->keys) + db->volatile_cap * sizeof(Obj *);
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : 0; }

void memory_overhead(MemOverhead *mh) {
    memset(mh, 0, sizeof(*mh));
    mh->used = vmalloc_used();
    if ((long long)mh->used > server.stat_peak_memory) server.stat_peak_memory = (long long)mh->used;
    mh->peak = (size_t)server.stat_peak_memory;
    mh->startup = startup_memory ? startup_memory : mh->used;
    mh->clients_normal = clients_memory();
    for (int j = 0; j < db_count(); j++) {
        Db *db = db_get(j);
        mh->keys += db_size(db);
        mh->db_overhead += db_overhead(db);
    }
    mh->aof_buffer = (size_t)modules_gauge("mem_aof_buffer");
    mh->lua_caches = (size_t)modules_gauge("used_memory_scripts_eval");
    mh->functions_caches = (size_t)modules_gauge("used_memory_functions");
    mh->overhead_total = mh->startup + mh->clients_normal + mh->aof_buffer + mh->lua_caches + mh->functions_caches +
                         mh->db_overhead;
    mh->dataset = mh->used > mh->overhead_total ? mh->used - mh->overhead_total : 0;
    size_t net = mh->used > mh->startup ? mh->used - mh->startup : 0;
    mh->dataset_perc = net ? (double)mh->dataset * 100 / (double)net : 0;
    mh->peak_perc = mh->peak ? (double)mh->used * 100 / (double)mh->peak : 0;
    mh->bytes_per_key = mh->keys ? net / mh->keys : 0;
    mh->rss = vmalloc_rss();
    memory_allocator_stats(&mh->alloc);
    mh->alloc_frag = ratio(mh->alloc.active, mh->alloc.allocated);
    mh->alloc_frag_bytes = (long long)mh->alloc.active - (long long)mh->alloc.allocated;
    mh->alloc_rss = ratio(mh->alloc.resident, mh->alloc.active);
    mh->alloc_rss_bytes = (long long)mh->alloc.resident - (long long)mh->alloc.active;
    mh->rss_extra = ratio(mh->rss, mh->alloc.resident);
    mh->rss_extra_bytes = (long long)mh->rss - (long long)mh->alloc.resident;
    mh->total_frag = ratio(mh->rss, mh->used);
    mh->total_frag_bytes = (long long)mh->rss - (long long)mh->used;
}

/* ---------------- MEMORY subcommands ---------------- */

void memory_usage_cmd(Client *c) {
    long long samples = 5;
    for (int j = 3; j < c->argc; j++) {
        if (!arg_is(c->argv[j], "samples") || j + 1 >= c->argc) {
            reply_error_syntax(c);
            return;
        }
        if (!arg_ll(c, c->argv[j + 1], &samples, NULL)) return;
        if (samples < 0) {
            reply_error_syntax(c);
            return;
        }
        if (samples == 0) samples = LLONG_MAX;
        j++;
    }
    Obj *o = ht_find(c->db->keys, key_ptr(c->argv[2]), key_len(c->argv[2]));
    if (!o) {
        reply_null(c);
        return;
    }
    reply_long(c, (long long)(obj_alloc_size(o) + introspect_value_size(o, samples) + sizeof(void *)));
}

static void reply_kv(Client *c, const char *k, long long v) {
    reply_bulk_cstr(c, k);
    reply_long(c, v);
}

/* Redis keeps these ratios as floats: the reply shows a float's digits. */
static void reply_kd(Client *c, const char *k, double v) {
    reply_bulk_cstr(c, k);
    reply_double(c, (double)(float)v);
}

void memory_stats_cmd(Client *c) {
    MemOverhead mh;
    memory_overhead(&mh);
    int ndbs = 0;
    for (int j = 0; j < db_count(); j++) ndbs += db_size(db_get(j)) > 0;
    reply_map_len(c, 27 + ndbs);
    reply_kv(c, "peak.allocated", (long long)mh.peak);
    reply_kv(c, "total.allocated", (long long)mh.used);
    reply_kv(c, "startup.allocated", (long long)mh.startup);
    reply_kv(c, "replication.backlog", 0);
    reply_kv(c, "clients.slaves", modules_gauge("replicas_output_memory"));
    reply_kv(c, "clients.normal", (long long)mh.clients_normal);
    reply_kv(c, "cluster.links", 0);
    reply_kv(c, "aof.buffer", (long long)mh.aof_buffer);
    reply_kv(c, "lua.caches", (long long)mh.lua_caches);
    reply_kv(c, "functions.caches", (long long)mh.functions_caches);
    for (int j = 0; j < db_count(); j++) {
        Db *db = db_get(j);
        if (db_size(db) == 0) continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", j);
        reply_bulk_cstr(c, name);
        reply_map_len(c, 3);
        reply_kv(c, "overhead.hashtable.main", (long long)ht_mem_usage(db->keys));
        reply_kv(c, "overhead.hashtable.expires", (long long)(db->volatile_cap * sizeof(Obj *)));
        reply_kv(c, "overhead.hashtable.slot-to-keys", 0);
    }
    reply_kv(c, "overhead.total", (long long)mh.overhead_total);
    reply_kv(c, "keys.count", (long long)mh.keys);
    reply_kv(c, "keys.bytes-per-key", (long long)mh.bytes_per_key);
    reply_kv(c, "dataset.bytes", (long long)mh.dataset);
    reply_kd(c, "dataset.percentage", mh.dataset_perc);
    reply_kd(c, "peak.percentage", mh.peak_perc);
    reply_kv(c, "allocator.allocated", (long long)mh.alloc.allocated);
    reply_kv(c, "allocator.active", (long long)mh.alloc.active);
    reply_kv(c, "allocator.resident", (long long)mh.alloc.resident);
    reply_kd(c, "allocator-fragmentation.ratio", mh.alloc_frag);
    reply_kv(c, "allocator-fragmentation.bytes", mh.alloc_frag_bytes);
    reply_kd(c, "allocator-rss.ratio", mh.alloc_rss);
    reply_kv(c, "allocator-rss.bytes", mh.alloc_rss_bytes);
    reply_kd(c, "rss-overhead.ratio", mh.rss_extra);
    reply_kv(c, "rss-overhead.bytes", mh.rss_extra_bytes);
    reply_kd(c, "fragmentation", mh.total_frag);
    reply_kv(c, "fragmentation.bytes", mh.total_frag_bytes);
}

/* MEMORY DOCTOR's paragraphs, in Redis's words and order, each shown when its
 * condition holds (thresholds as Redis's: 10 MB of excess before a ratio counts). */
static const char *const doctor_peak =
    " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The "
    "allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation "
    "ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance "
    "Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the "
    "Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, "
    "please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the "
    "instance.\n\n";
static const char *const doctor_frag_fmt =
    " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means "
    "that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis "
    "performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry "
    "above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If "
    "the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc "
    "allocator and not the default libc malloc. Note: The currently used allocator is \"%s\".\n\n";
static const char *const doctor_alloc_frag =
    " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. "
    "This problem is usually due either to a large peak memory (check if there is a peak memory entry above in "
    "the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try "
    "enabling 'activedefrag' config option.\n\n";
static const char *const doctor_alloc_rss =
    " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means "
    "that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). "
    "This problem is usually due to a large peak memory (check if there is a peak memory entry above in the "
    "report), you can try the MEMORY PURGE command to reclaim it.\n\n";
static const char *const doctor_proc_rss =
    " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this "
    "means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This "
    "problem may be due to Lua scripts or Modules.\n\n";
static const char *const doctor_client_buf =
    " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on "
    "average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not "
    "receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending "
    "commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT "
    "LIST command in order to investigate the issue if it causes problems in your instance, or to understand "
    "better why certain clients are using a big amount of memory.\n\n";
static const char *const doctor_scripts =
    " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because "
    "scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and "
    "`EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of "
    "your memory.\n\n";

static Sds doctor_report(void) {
    MemOverhead mh;
    memory_overhead(&mh);
    if (mh.used < 5 * 1024 * 1024)
        return sds_new("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
                       "used in these conditions. Please, leave for your mission on Earth and fill it with some data. "
                       "The new Sam and I will be back to our programming as soon as I finished rebooting.\n");
    const long long ten_mb = 10 << 20;
    long long nclients = (long long)clients_count() - modules_gauge("connected_slaves");
    int big_peak = (float)mh.peak / (float)mh.used > 1.5f;
    int high_frag = mh.total_frag > 1.4 && mh.total_frag_bytes > ten_mb;
    int high_alloc_frag = mh.alloc_frag > 1.1 && mh.alloc_frag_bytes > ten_mb;
    int high_alloc_rss = mh.alloc_rss > 1.1 && mh.alloc_rss_bytes > ten_mb;
    int high_proc_rss = mh.rss_extra > 1.1 && mh.rss_extra_bytes > ten_mb;
    int big_client_buf = nclients > 0 && mh.clients_normal / (size_t)nclients > 1024 * 200;
    int many_scripts = modules_gauge("number_of_cached_scripts") > 1000;
    if (!big_peak && !high_frag && !high_alloc_frag && !high_alloc_rss && !high_proc_rss && !big_client_buf &&
        !many_scripts)
        return sds_new("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs "
                       "on this base.\n");
    Sds s = sds_new("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    if (big_peak) s = sds_cat(s, doctor_peak);
    if (high_frag) s = sds_catprintf(s, doctor_frag_fmt, vmalloc_lib());
    if (high_alloc_frag) s = sds_cat(s, doctor_alloc_frag);
    if (high_alloc_rss) s = sds_cat(s, doctor_alloc_rss);
    if (high_proc_rss) s = sds_cat(s, doctor_proc_rss);
    if (big_client_buf) s = sds_cat(s, doctor_client_buf);
    if (many_scripts) s = sds_cat(s, doctor_scripts);
    return sds_cat(s, "I'm here to keep you safe, Sam. I want to help you.\n");
}

void memory_doctor_cmd(Client *c) {
    Sds r = doctor_report();
    reply_verbatim(c, r, sds_len(r), "txt");
    sds_free(r);
}

static void cat_stats(void *opaque, const char *text) {
    Sds *s = opaque;
    *s = sds_cat(*s, text);
}

void memory_malloc_stats_cmd(Client *c) {
    if (!malloc_stats_print) {
        reply_bulk_cstr(c, "Stats not supported for the current allocator");
        return;
    }
    Sds s = sds_empty();
    malloc_stats_print(cat_stats, &s, NULL);
    reply_verbatim(c, s, sds_len(s), "txt");
    sds_free(s);
}

void memory_purge_cmd(Client *c) {
    if (mallctl && mallctl("arena.4096.purge", NULL, NULL, NULL, 0) != 0) {
        reply_error(c, "Error purging dirty pages");
        return;
    }
    reply_ok(c);
}

void memory_help_cmd(Client *c) {
    static const char *help[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL};
    reply_help(c, help);
}
