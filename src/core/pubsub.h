/* pubsub.h - publish/subscribe: channels, patterns and shard channels, the
 * commands over them, and the delivery of keyspace notifications to subscribers.
 * See pubsub.c. */
#ifndef VESPER_PUBSUB_H
#define VESPER_PUBSUB_H
#include <stddef.h>
#include "client.h"

struct Module;
extern const struct Module pubsub_module;

/* Publishes msg on channel (both binary-safe) to the channel's subscribers and to
 * the clients whose patterns match it; returns the number of clients reached (a
 * client subscribed through a channel and a pattern counts twice, as in Redis).
 * shard: the shard-channel namespace instead (SPUBLISH; no patterns there). The
 * message is encoded once; receivers that do not read are cut off by the pubsub
 * class of client-output-buffer-limit, never blocking the publisher. */
long pubsub_publish(const char *channel, size_t chlen, const char *msg, size_t msglen, int shard);

/* CLIENT LIST's sub=, psub= and ssub= figures of c (zeros when it has none). */
void pubsub_client_counts(const Client *c, int *sub, int *psub, int *ssub);

/* Bytes c's own subscription tables take (CLIENT LIST tot-mem, client eviction). */
size_t pubsub_client_memory(const Client *c);

#endif
