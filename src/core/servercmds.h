/* servercmds.h - server introspection commands (INFO, COMMAND, DEBUG, MEMORY,
 * SLOWLOG, LATENCY, TIME, LASTSAVE, SHUTDOWN): the hooks other modules use to feed
 * them, and the entry points the server core calls.
 * (server_count_error and slowlog_push are declared in server.h.) */
#ifndef VESPER_SERVERCMDS_H
#define VESPER_SERVERCMDS_H
#include <stddef.h>
#include <stdint.h>
#include "client.h"
#include "obj.h"
#include "../base/sds.h"

/* ---- called by the server core ---- */
void servercmds_cron(void);          /* from the server cron: samples instantaneous metrics */
void servercmds_reset_stats(void);   /* CONFIG RESETSTAT: error stats, latency histograms */

/* ---- INFO ---- */
/* Appends the body of a section (its "field:value\r\n" lines, no header). A module
 * registering a built-in section name (persistence, replication, ...) replaces
 * the placeholder body; any other name adds a section INFO shows when asked by
 * name, or with "all"/"everything". */
typedef Sds InfoSectionFn(Sds info);
void info_register_section(const char *name, InfoSectionFn *fn);
/* Named integer gauges that built-in sections report (0 when nobody provides one):
 * "blocked_clients", "tracking_clients", "clients_in_timeout_table",
 * "pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
 * "number_of_cached_scripts", "used_memory_lua", "connected_slaves". */
typedef long long InfoIntFn(void);
void info_register_int(const char *name, InfoIntFn *fn);
/* The INFO text for the given section names (NULL/0: the default sections). */
Sds info_generate(int argc, const char **sections);

/* ---- latency monitor ---- */
/* Records an event's latency (ms) when latency-monitor-threshold is set and the
 * latency reaches it ("command", "fast-command", "expire-cycle", ...). */
void latency_add_sample_if_needed(const char *event, long long ms);
/* Adds one call of cmd (a Command *) to its latency histogram. slowlog_push() does
 * this for every command; a blocking command that completes after being
 * unblocked should be recorded by the blocking module with its own duration. */
void latency_record_command(const void *cmd, long long duration_us);

/* ---- value introspection per type, for DEBUG DIGEST and MEMORY USAGE ---- */
/* digest: fills out with a 20-byte digest of the value's content that does not
 * depend on its encoding (use debug_digest_mix / debug_digest_add to build it).
 * mem_usage: bytes owned by the value beyond the Obj header, sampling at most
 * samples elements of nested structures (0 means all). */
typedef struct TypeIntrospect {
    void (*digest)(const Obj *val, uint8_t out[20]);
    size_t (*mem_usage)(const Obj *val, long long samples);
} TypeIntrospect;
void introspect_register_type(int type, const TypeIntrospect *ti);
/* Order-independent accumulate: out ^= SHA1(p). */
void debug_digest_add(uint8_t out[20], const void *p, size_t len);
/* Order-dependent mix: out = SHA1(out ^ SHA1(p)). */
void debug_digest_mix(uint8_t out[20], const void *p, size_t len);

/* ---- DEBUG extensions ---- */
/* Lets a module answer "DEBUG <name> ..." (LISTPACK, QUICKLIST, RELOAD, ...). The
 * handler gets the whole DEBUG command and replies itself. */
typedef void DebugSubcommandFn(Client *c);
void debug_register_subcommand(const char *name, DebugSubcommandFn *fn);
/* DEBUG QUICKLIST-PACKED-THRESHOLD: list elements at least this big go to plain nodes. */
extern size_t debug_quicklist_packed_threshold;

#endif
