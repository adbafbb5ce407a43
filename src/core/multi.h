/* multi.h - transactions: MULTI/EXEC/DISCARD and optimistic locking with WATCH. */
#ifndef VESPER_MULTI_H
#define VESPER_MULTI_H
#include <stddef.h>
#include <stdint.h>
#include "client.h"

struct Command;
struct Module;

extern const struct Module multi_module;

/* True when the command must be queued instead of run (client inside MULTI). */
int multi_should_queue(const Client *c, const struct Command *cmd);
void multi_queue_command(Client *c, struct Command *cmd);
/* Marks the transaction as failed after an error while queueing. */
void multi_flag_error(Client *c);
/* EXEC refused by a dispatch check: the transaction is discarded and EXEC replies
 * "-EXECABORT Transaction discarded because of: <err>" (err without its '-'). */
void multi_exec_abort(Client *c, const char *err);
/* EXEC's command proc, so dispatch can recognize it. */
void multi_exec_proc(Client *c);
/* The union of the flags of the commands queued by c (CMD_WRITE, CMD_DENYOOM...). */
uint64_t multi_queued_flags(const Client *c);
/* The union of the queued commands' inverted flags: a bit is set when at least one
 * queued command lacks that flag (CMD_LOADING: one may not run while loading). */
uint64_t multi_queued_inv_flags(const Client *c);

/* A key changed (after the change): transactions watching it will fail, unless the
 * key was already expired when watched and is now gone (no logical change). */
void multi_touch_key(int dbid, const char *key, size_t len);
/* Database dbid is about to be emptied (replaced_with -1) or swapped with database
 * replaced_with: watched keys that existed in it, or exist in the replacement, are
 * touched, with Redis 7.0's rules for keys that were expired. */
void multi_touch_db(int dbid, int replaced_with);
/* Frees a client's transaction state and watches. */
void multi_client_reset(Client *c);
/* CLIENT LIST: queued commands (-1 outside MULTI) and their arguments' memory as
 * Redis reports it (multi-mem); multi_client_memory() is everything the state holds. */
int multi_client_state(const Client *c, size_t *mem);
size_t multi_client_memory(const Client *c);
size_t multi_watched_count(void);
size_t multi_client_watched(const Client *c);
#endif
