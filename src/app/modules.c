/* modules.c - the list of every subsystem of the server, in initialization order.
 *
 * This is the one place a new subsystem is named: its Module entry (module.h)
 * brings its commands, directives, data type and hooks. The file sits in the top
 * layer (src/app) because it is the only one that knows every module. */
#include "../core/module.h"
#include "../persist/aof.h"
#include "../persist/snapshot.h"

extern const Module dump_module;
extern const Module migrate_module;
extern const Module repl_module;
extern const Module tracking_module;
extern const Module eval_module;

extern const Module connection_module, server_module, config_module, keyspace_module, multi_module,
    blocking_module, monitor_module, pubsub_module, function_module, string_module, bitops_module, lazyfree_module,
    evict_module,
    hash_module, set_module, list_module;
extern const Module zset_module, sort_module, defrag_module;
extern const Module bloom_module;
extern const Module hll_module;
extern const Module client_evict_module;
extern const Module geo_module;
extern const Module stream_module;

const Module *const server_modules[] = {
    /* core */
    &connection_module,
    &server_module,
    &config_module,
    &keyspace_module,
    &multi_module,
    &blocking_module,
    &monitor_module,
    &pubsub_module,
    &lazyfree_module,
    &evict_module,
    &defrag_module,
    &client_evict_module,
    &function_module,
    &tracking_module,
    /* data types */
    &string_module,
    &bitops_module,
    &list_module,
    &hash_module,
    &set_module,
    &zset_module,
    &bloom_module,
    &hll_module,
    &geo_module,
    &stream_module,
    /* commands over the types: after them */
    &sort_module,
    /* scripting: EVAL and SCRIPT (src/script); before persistence, whose init
     * replays the AOF, EVAL commands included */
    &eval_module,
    /* persistence: after the types, whose descriptors it loads values with */
    &aof_module,
    &persist_module,
    &dump_module,
    &migrate_module,
    /* replication: after persistence, whose snapshots a full sync sends */
    &repl_module,
    NULL,
};
