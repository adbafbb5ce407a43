/* lazyfree.h - freeing values off the main thread: a deleted value with much to free
 * (a collection of more than LAZYFREE_THRESHOLD elements) goes to the background
 * thread, a small one is freed at once, as Redis's lazy freeing does; and the
 * lazyfree-lazy-* directives saying which deletions may be lazy. */
#ifndef VESPER_LAZYFREE_H
#define VESPER_LAZYFREE_H
#include <stddef.h>
#include "obj.h"

struct Module;
extern const struct Module lazyfree_module;

#define LAZYFREE_THRESHOLD 64   /* free effort above which freeing is worth a thread hop */

/* The lazyfree-lazy-* directives (owned by this module). */
typedef struct LazyfreeConfig {
    int eviction, expire, server_del, user_del, user_flush;
} LazyfreeConfig;
extern LazyfreeConfig lazyfree_cfg;

/* Frees a keyed object already removed from its database: on the background thread
 * when async is set and its type says freeing it is more work than the threshold,
 * else at once. */
void lazyfree_entry(Obj *keyed, int async);
/* Runs fn(arg) on the background thread, counting it as `objects` lazily freed
 * objects (a table emptied by FLUSHALL ASYNC counts its keys, as Redis's). */
void lazyfree_job(void (*fn)(void *), void *arg, long long objects);

/* INFO: objects waiting to be freed, and freed so far. */
long long lazyfree_pending(void);
long long lazyfree_freed(void);

#endif
