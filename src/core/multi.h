/* multi.h - transactions: MULTI/EXEC/DISCARD and optimistic locking with WATCH. */
#ifndef VESPER_MULTI_H
#define VESPER_MULTI_H
#include <stddef.h>
#include "client.h"

struct Command;
/* True when the command must be queued instead of run (client inside MULTI). */
int multi_should_queue(const Client *c, const struct Command *cmd);
void multi_queue_command(Client *c, struct Command *cmd);
/* Marks the transaction as failed after an error while queueing. */
void multi_flag_error(Client *c);
/* A key (or a whole database) changed: transactions watching it will fail. */
void multi_touch_key(int dbid, const char *key, size_t len);
void multi_touch_db(int dbid);
void multi_touch_all_watched(void);
/* Frees a client's transaction state and watches. */
void multi_client_reset(Client *c);
size_t multi_watched_count(void);
size_t multi_client_watched(const Client *c);

#endif
