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
/* A section body: appends its "field:value\r\n" lines (no header). Modules provide
 * sections and gauges through their Module entry (module.h). */
typedef Sds InfoSectionFn(Sds info);
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

/* Order-independent accumulate: out ^= SHA1(p). */
void debug_digest_add(uint8_t out[20], const void *p, size_t len);
/* Order-dependent mix: out = SHA1(out ^ SHA1(p)). */
void debug_digest_mix(uint8_t out[20], const void *p, size_t len);

/* Whether argument i of c's command cmd (a Command *, c's current one) is a secret
 * (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, CONFIG SET of passwords, ACL SETUSER)
 * that the slow log and MONITOR show as "(redacted)". */
struct Command;
int command_arg_redacted(const Client *c, const struct Command *cmd, int i);

/* Whether enable-debug-command lets c run DEBUG (dispatch's protected-command check). */
int debug_command_allowed(const Client *c);

/* DEBUG QUICKLIST-PACKED-THRESHOLD: list elements at least this big go to plain nodes. */

#endif
