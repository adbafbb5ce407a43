/* servercmds_priv.h - private to the server introspection modules (servercmds.c,
 * cmdinfo.c, debugcmd.c, slowlog.c): the command procs the table in servercmds.c
 * points to, and the helpers they share. Nothing else should include it. */
#ifndef VESPER_SERVERCMDS_PRIV_H
#define VESPER_SERVERCMDS_PRIV_H
#include "command.h"
#include "servercmds.h"

void cmdinfo_command(Client *c);
void cmdinfo_count(Client *c);
void cmdinfo_list(Client *c);
void cmdinfo_info(Client *c);
void cmdinfo_docs(Client *c);
void cmdinfo_getkeys(Client *c);
void cmdinfo_getkeysandflags(Client *c);
void cmdinfo_help(Client *c);
void debug_command(Client *c);
void memory_usage_cmd(Client *c);
void memory_stats_cmd(Client *c);
void memory_doctor_cmd(Client *c);
void memory_malloc_stats_cmd(Client *c);
void memory_purge_cmd(Client *c);
void memory_help_cmd(Client *c);
void slowlog_get_cmd(Client *c);
void slowlog_len_cmd(Client *c);
void slowlog_reset_cmd(Client *c);
void slowlog_help_cmd(Client *c);
void latency_latest_cmd(Client *c);
void latency_history_cmd(Client *c);
void latency_reset_cmd(Client *c);
void latency_doctor_cmd(Client *c);
void latency_graph_cmd(Client *c);
void latency_histogram_cmd(Client *c);
void latency_help_cmd(Client *c);
/* Latency histograms per command (INFO latencystats, LATENCY HISTOGRAM). */
Sds latency_info_percentiles(Sds info);
void latency_reset_histograms(void);
/* Bytes a value owns beyond its object allocation (strings, or the type's hook). */
size_t introspect_value_size(const Obj *o, long long samples);
/* Allocator figures: jemalloc's when it is the allocator, else derived from ours. */
typedef struct AllocStats {
    size_t allocated, active, resident;
} AllocStats;
/* Memory figures shared by INFO memory and MEMORY STATS/DOCTOR. */
typedef struct MemOverhead {
    size_t used, peak, startup, clients_normal, db_overhead, overhead_total, dataset, keys, rss, bytes_per_key;
    size_t aof_buffer, lua_caches, functions_caches;
    double peak_perc, dataset_perc;
    AllocStats alloc;
    double alloc_frag, alloc_rss, rss_extra, total_frag;
    long long alloc_frag_bytes, alloc_rss_bytes, rss_extra_bytes, total_frag_bytes;
} MemOverhead;
void memory_overhead(MemOverhead *mh);
void memory_note_startup(void);         /* remembers used memory right after start-up */
void bytes_to_human(char *out, size_t outlen, unsigned long long n);
#endif
