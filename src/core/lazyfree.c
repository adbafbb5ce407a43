/* lazyfree.c - lazy freeing (see lazyfree.h).
 * The effort of freeing a value comes from its type's descriptor (elements or
 * allocations); strings and small collections cost less than queueing a job, so
 * they are freed inline whatever the caller asked. Counters are atomic: the
 * background thread updates them.
 * Costs: O(1) to queue; the freeing itself is the value's size, off the main thread. */
#include "lazyfree.h"
#include "bio.h"
#include "config_table.h"
#include "module.h"
#include "objtype.h"
#include "../base/alloc.h"
#include <stdatomic.h>

LazyfreeConfig lazyfree_cfg;
static _Atomic long long pending, freed;

static void free_keyed(void *arg) {
    Obj *o = arg;
    obj_free_value(o);
    vfree(o);
    atomic_fetch_sub_explicit(&pending, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&freed, 1, memory_order_relaxed);
}

static size_t free_effort(const Obj *o) {
    const ObjType *t = objtype_get(o->type);
    return t && t->free_effort ? t->free_effort(o) : 1;
}

void lazyfree_entry(Obj *keyed, int async) {
    if (async && free_effort(keyed) > LAZYFREE_THRESHOLD) {
        atomic_fetch_add_explicit(&pending, 1, memory_order_relaxed);
        bio_submit(free_keyed, keyed);
        return;
    }
    obj_free_value(keyed);
    vfree(keyed);
}

typedef struct Job {
    void (*fn)(void *);
    void *arg;
    long long objects;
} Job;

static void run_job(void *arg) {
    Job *j = arg;
    j->fn(j->arg);
    atomic_fetch_sub_explicit(&pending, j->objects, memory_order_relaxed);
    atomic_fetch_add_explicit(&freed, j->objects, memory_order_relaxed);
    vfree(j);
}

void lazyfree_job(void (*fn)(void *), void *arg, long long objects) {
    Job *j = vmalloc(sizeof(*j));
    j->fn = fn;
    j->arg = arg;
    j->objects = objects;
    atomic_fetch_add_explicit(&pending, objects, memory_order_relaxed);
    bio_submit(run_job, j);
}

long long lazyfree_pending(void) { return atomic_load_explicit(&pending, memory_order_relaxed); }
long long lazyfree_freed(void) { return atomic_load_explicit(&freed, memory_order_relaxed); }

static void lazyfree_reset_stats(void) { atomic_store_explicit(&freed, 0, memory_order_relaxed); }

static ConfigDef lazyfree_configs[] = {
    CONFIG_BOOL("lazyfree-lazy-eviction", NULL, 0, lazyfree_cfg.eviction, 0),
    CONFIG_BOOL("lazyfree-lazy-expire", NULL, 0, lazyfree_cfg.expire, 0),
    CONFIG_BOOL("lazyfree-lazy-server-del", NULL, 0, lazyfree_cfg.server_del, 0),
    CONFIG_BOOL("lazyfree-lazy-user-del", NULL, 0, lazyfree_cfg.user_del, 0),
    CONFIG_BOOL("lazyfree-lazy-user-flush", NULL, 0, lazyfree_cfg.user_flush, 0),
    {0}};

static const InfoGauge lazyfree_gauges[] = {
    {"lazyfree_pending_objects", lazyfree_pending},
    {"lazyfreed_objects", lazyfree_freed},
    {NULL, NULL}};

const Module lazyfree_module = {
    .name = "lazyfree",
    .configs = lazyfree_configs,
    .gauges = lazyfree_gauges,
    .reset_stats = lazyfree_reset_stats,
};
