/* reply.h - the reply encoders: RESP2/RESP3 values appended to a client's output.
 *
 * They write into the client's reply buffer and blocks whether or not it has a
 * connection, so a fake client (a script's redis.call, AOF loading, a unit test)
 * collects its replies the same way; reply_take() hands them back as bytes. For a
 * real client they also schedule the write. Nothing is sent while CLIENT REPLY
 * OFF/SKIP is in force or the client is closing. */
#ifndef VESPER_REPLY_H
#define VESPER_REPLY_H
#include <stddef.h>
#include "client.h"

void reply_raw(Client *c, const char *p, size_t len);      /* protocol bytes as is */
/* Bytes of the replication stream to a replica (which gets no replies otherwise). */
void reply_stream(Client *c, const char *p, size_t len);
/* A push message (pub/sub messages and confirmations, later tracking invalidations):
 * protocol bytes delivered even under CLIENT REPLY OFF/SKIP; dropped for a closing
 * client or a replica. Small messages are copied into the client's output. */
void reply_push_raw(Client *c, const char *p, size_t len);
/* reply_push_raw for messages a client gets because of others' writes, tracking
 * invalidations: they fill the reply buffer's room but never grow it, and the rest
 * goes to blocks freed once written (the clients cron grows a buffer that keeps
 * filling up). Eviction sends one per tracking client for each key it evicts;
 * had they grown the buffers, that memory would outlast the write and drive
 * eviction on (Redis, whose 16 KB buffer is allocated with the client, passes
 * its "client tracking don't cause eviction feedback loop" test that way). */
void reply_push_nogrow(Client *c, const char *p, size_t len);
/* Shared output: one encoding of a big message queued by many clients without
 * copying. reply_shared_create returns a SharedReply holding len bytes copied from
 * p (or uninitialized when p is NULL, for the caller to fill) with one reference,
 * the caller's; reply_push_shared queues it as a push message for c, taking its own
 * reference (released when the bytes are written or c's output is dropped);
 * reply_shared_release drops a reference and frees the bytes with the last one.
 * The bytes count in each client's output size (client-output-buffer-limit). */
SharedReply *reply_shared_create(const char *p, size_t len);
void reply_push_shared(Client *c, SharedReply *s);
void reply_shared_release(SharedReply *s);
/* Bytes all live SharedReplys hold: shared output counted once, for the memory
 * figures (INFO mem_clients_normal, MEMORY STATS clients.normal), where each
 * client's reply_shared_bytes is left out (CLIENT LIST and output limits count a
 * shared message in full for every client, as Redis's copies are). */
size_t reply_shared_live_bytes(void);
void reply_ok(Client *c);
void reply_status(Client *c, const char *s);               /* +s\r\n */
void reply_status_len(Client *c, const char *s, size_t len);
/* Errors: "ERR " is prefixed unless msg starts with '-' (then the code is its first
 * word). CR and LF become spaces. Counted in INFO errorstats and the command's
 * failed_calls. */
void reply_error(Client *c, const char *msg);
void reply_error_len(Client *c, const char *msg, size_t len);
/* An error already counted where it arose (a script's redis.call error passed on
 * as the script's error): written and failing the command, not counted again. */
void reply_error_nostats(Client *c, const char *msg, size_t len);
/* Counts an error in INFO errorstats and total_error_replies without replying (a
 * command a script's redis.call() was refused, as Redis counts it). */
void reply_error_count(const char *msg, size_t len);
void reply_errorf(Client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_error_arity(Client *c);
void reply_error_syntax(Client *c);                        /* -ERR syntax error */
void reply_error_wrongtype(Client *c);
void reply_error_not_int(Client *c);                       /* value is not an integer or out of range */
void reply_error_not_float(Client *c);
void reply_bulk(Client *c, const void *p, size_t len);
void reply_bulk_cstr(Client *c, const char *s);            /* NULL -> null */
void reply_bulk_sds(Client *c, Sds s);                     /* frees s */
void reply_bulk_obj(Client *c, const Obj *o);
void reply_bulk_ll(Client *c, long long v);                /* integer as bulk string */
void reply_null(Client *c);                                /* $-1 / _ */
void reply_null_array(Client *c);                          /* *-1 / _ */
void reply_long(Client *c, long long v);
void reply_double(Client *c, double d);                    /* bulk in RESP2, ',' in RESP3 */
void reply_human_double(Client *c, long double d);         /* bulk, INCRBYFLOAT style */
void reply_bool(Client *c, int v);                         /* :1/:0 in RESP2, #t/#f RESP3 */
void reply_bignum(Client *c, const char *digits, size_t len);
void reply_verbatim(Client *c, const char *p, size_t len, const char *ext); /* ext: 3 chars like "txt" */
void reply_array_len(Client *c, long n);
void reply_map_len(Client *c, long n);                     /* RESP2: array of 2n */
void reply_set_len(Client *c, long n);                     /* RESP2: array */
void reply_push_len(Client *c, long n);                    /* RESP2: array */
void reply_attribute_len(Client *c, long n);
void reply_help(Client *c, const char **lines);            /* "<CMD> <subcommand> ..." help array */
void reply_subcommand_syntax_error(Client *c);
/* Deferred aggregate length: reserve now, set later (NULL when replies are off). */
void *reply_deferred_len(Client *c);
void reply_set_deferred_array_len(Client *c, void *node, long n);
void reply_set_deferred_map_len(Client *c, void *node, long n);
void reply_set_deferred_set_len(Client *c, void *node, long n);
/* Takes all output not yet written (a fake client's replies) as one sds and
 * empties the client's buffers. */
Sds reply_take(Client *c);
/* Frees the reply blocks (not the buffer). */
void reply_free_blocks(Client *c);
/* Frees one block that is no longer on a client's list (its shared bytes' reference too). */
void reply_block_free(ReplyBlock *b);

#endif
