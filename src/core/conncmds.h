/* conncmds.h - connection commands (PING, AUTH, HELLO, RESET, CLIENT ...): the
 * hooks through which other modules expose their per-client state to them. */
#ifndef VESPER_CONNCMDS_H
#define VESPER_CONNCMDS_H
#include "client.h"

/* server.client_pause_type values (CLIENT PAUSE); 0 means no pause. */
#define CLIENT_PAUSE_WRITE 1
#define CLIENT_PAUSE_ALL 2

/* RESET discards the client's transaction (multi.h) and then calls every registered
 * function, in registration order, to drop that module's state for the client
 * (pub/sub: unsubscribe all without notifications; tracking: off). */
typedef void ConnResetFn(Client *c);
void conn_register_reset(ConnResetFn *fn);

/* Optional providers, set by the owning modules (NULL: the feature is absent). */
/* Pub/sub: number of channels, patterns and shard channels the client is in. */
extern void (*conn_pubsub_counts)(const Client *c, int *sub, int *psub, int *ssub);
/* Transactions: number of queued commands (-1 outside MULTI) and their argv bytes
 * (unset: CLIENT LIST shows multi=0 inside MULTI). */
extern int (*conn_multi_state)(const Client *c, size_t *mem);
/* Blocking: unblocks target as if it timed out (with_error 0) or with the
 * -UNBLOCKED error (1). */
extern void (*conn_unblock_client)(Client *target, int with_error);

/* Authenticates c as user with password (user "default" only, for now).
 * Returns 1 on success. */
int conn_authenticate(Client *c, const char *user, size_t ulen, const char *pass, size_t plen);

#endif
