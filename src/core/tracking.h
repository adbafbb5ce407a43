/* tracking.h - client-side caching (CLIENT TRACKING): the table of keys clients
 * read, the prefixes of clients in broadcast mode, and the invalidation messages
 * sent when those keys change, are flushed, expire or leave the table.
 *
 * The keyspace calls tracking_touch() for every changed key and
 * tracking_flushed() when databases are emptied or swapped; dispatch calls
 * tracking_after_call() after each command. All three cost one test of
 * tracking_active while nobody uses client-side caching. See tracking.c. */
#ifndef VESPER_TRACKING_H
#define VESPER_TRACKING_H
#include <stddef.h>
#include "client.h"

struct Command;
struct Module;

extern const struct Module tracking_module;

/* Nonzero while a client has tracking on or the table still holds keys (entries of
 * clients that turned tracking off are dropped lazily, when their key changes). */
extern int tracking_active;

/* Key key changed in some database (written, deleted, expired, evicted). by_command:
 * the change comes from the running command (its client, when in NOLOOP mode, is not
 * told; in BCAST mode the change is remembered as its own); 0 for expiry and other
 * changes outside a client's request. Clients that read the key are sent an
 * invalidation (or, when they are the running client, after its reply); the key
 * leaves the table; BCAST prefixes matching it remember it for before-sleep. */
void tracking_key_changed(const char *key, size_t klen, int by_command);
static inline void tracking_touch(const char *key, size_t klen, int by_command) {
    if (tracking_active) tracking_key_changed(key, klen, by_command);
}
/* Every key may have changed (FLUSHALL, FLUSHDB, SWAPDB, loading): each tracking
 * client gets a null invalidation and the table is emptied; async frees a big table
 * on the background thread. */
void tracking_flushed(int async);
static inline void tracking_flush_touch(int async) {
    if (tracking_active) tracking_flushed(async);
}
/* After cmd ran for c: remembers the keys a read-only command read for a tracking
 * client (for a command a script ran, the keys the script's caller declared); for the outermost call (not a command run by EXEC) it sends the
 * invalidations held back until the reply, ends the effect of CLIENT CACHING, and
 * keeps the table within tracking-table-max-keys. */
void tracking_after_call(Client *c, struct Command *cmd, int outermost);

/* CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (conncmds.c's table). */
void tracking_cmd_tracking(Client *c);
void tracking_cmd_caching(Client *c);
void tracking_cmd_getredir(Client *c);
void tracking_cmd_trackinginfo(Client *c);
/* The client's redirect id for CLIENT LIST's redir= field: -1 when tracking is
 * off, 0 without a redirect. */
long long tracking_redirect_of(const Client *c);

/* Bytes c's tracking state takes (its BCAST prefixes), for CLIENT LIST tot-mem and
 * client eviction. */
size_t tracking_client_memory(const Client *c);

#endif
