/* modules.c - the list of every subsystem of the server, in initialization order.
 *
 * This is the one place a new subsystem is named: its Module entry (module.h)
 * brings its commands, directives, data type and hooks. The file sits in the top
 * layer (src/app) because it is the only one that knows every module. */
#include "../core/module.h"

extern const Module connection_module, server_module, config_module, keyspace_module, multi_module,
    blocking_module, function_module, string_module, bitops_module, list_module, lazyfree_module, evict_module;

const Module *const server_modules[] = {
    /* core */
    &connection_module,
    &server_module,
    &config_module,
    &keyspace_module,
    &multi_module,
    &blocking_module,
    &lazyfree_module,
    &evict_module,
    &function_module,
    /* data types */
    &string_module,
    &bitops_module,
    &list_module,
    NULL,
};
