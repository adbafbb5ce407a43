/* blocking.h - clients that wait: for keys (BLPOP, BZPOPMIN, XREAD ... BLOCK), for a
 * CLIENT PAUSE to end, and later for replicas (WAIT).
 *
 * A command that cannot be served yet calls block_on_keys() and returns. When any
 * of the keys is written (db_changed() signals it) the client's command is re-run
 * through dispatch, in the order clients blocked on that key, right after the
 * command that wrote the key (or before the event loop sleeps); a re-run that still
 * cannot be served blocks again in place, keeping its position and deadline. On
 * the deadline the client gets the timeout reply (a null array). A client's
 * Client.bstate says why it waits, for CLIENT UNBLOCK, CLIENT LIST and INFO. */
#ifndef VESPER_BLOCKING_H
#define VESPER_BLOCKING_H
#include "client.h"

struct Db;
struct Command;

/* Blocks the running command's client on keys (argument objects, referenced) until
 * one is written or timeout_ms (absolute unix ms; 0 for ever) passes. Returns 1 when
 * the client now waits. Inside MULTI/EXEC or a script (CLIENT_DENY_BLOCKING) it does
 * not block: it sends the timeout reply, as Redis does, and returns 0. */
int block_on_keys(Client *c, Obj **keys, int nkeys, long long timeout_ms);
/* A key was written: clients blocked on it will re-run their command. O(1) when
 * nobody waits on the key. */
void block_signal_key(struct Db *db, const char *key, size_t klen);
/* Like block_signal_key, and marks the key as signaled the way Redis's
 * signalKeyAsReady does (XADD calls it); see block_ready_key. */
void block_signal_key_strong(struct Db *db, const char *key, size_t klen);
/* During the re-run of c's blocked command caused by a write to one of its keys:
 * sets key and klen to that key (borrowed, valid for the re-run), *strong to 1
 * when block_signal_key_strong marked it since its waiters were last served, and
 * returns 1; otherwise 0. Lets a command serve only the key that became ready,
 * as Redis's XREAD/XREADGROUP do, and tell an XADD from other writes. */
int block_ready_key(const Client *c, const char **key, size_t *klen, int *strong);
/* During such a re-run: the index in keys[0..nkeys) (argument objects) of the key
 * whose write caused it, or -1 (another cause: CLIENT UNBLOCK, the end of a pause;
 * or not among these keys). Redis serves a blocked pop from the key that became
 * ready only, and the client's other keys wait for their own turn, so BLPOP k1 k2
 * gets k2's element when k2 was pushed before k1 in one MULTI. */
int block_ready_key_index(const Client *c, Obj *const *keys, int nkeys);
/* After c's command ran (first call or re-run): 1 when c is left waiting on keys,
 * 0 when the call replied (a re-run that served it included). Redis logs a
 * blocking command to the slowlog when it is served, not when it blocks. */
int block_waits_on_keys(const Client *c);
/* Every key of database dbid may have changed (FLUSHDB, SWAPDB). */
void block_signal_db(int dbid);
/* Serves the clients of ready keys; called after each top-level command and before
 * the event loop sleeps. O(1) when no key is ready. */
extern size_t block_nready;
void block_handle_ready_keys(void);
static inline void block_handle_ready(void) {
    if (block_nready) block_handle_ready_keys();
}

/* CLIENT PAUSE. mode is CLIENT_PAUSE_WRITE or CLIENT_PAUSE_ALL; end_ms absolute. */
void block_pause(int mode, long long end_ms);
void block_unpause(void);
/* The pause in force (CLIENT_PAUSE_*), or 0. Ends an expired pause. */
int block_pause_active(void);
/* Dispatch's check: when cmd must wait for the pause, parks c and returns 1. */
int block_if_paused(Client *c, const struct Command *cmd);

/* CLIENT UNBLOCK: ends the wait of a client blocked on keys (or WAIT) with its
 * timeout reply, or with the -UNBLOCKED error. Returns 0 if c cannot be unblocked. */
int block_unblock(Client *c, int with_error);
/* The client is being freed: forget it everywhere. */
void block_client_gone(Client *c);
/* Timeouts and the end of a pause; from before-sleep. */
void block_before_sleep(void);

/* Counters: clients blocked on keys (and WAIT), and in the deadline table. INFO's
 * blocked_clients adds the clients parked by CLIENT PAUSE. */
long long block_blocked_clients(void);
long long block_clients_with_timeout(void);
long long block_keys_with_waiters(void);

/* For the block-type letter of CLIENT LIST and tests. */
int block_type(const Client *c);

#endif
