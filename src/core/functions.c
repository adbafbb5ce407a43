/* functions.c - the FUNCTION command. Vesper has no script engine yet (Lua
 * scripting arrives with its own issue), so the function library set is always
 * empty: FLUSH, LIST and STATS behave exactly as Redis does with no libraries
 * loaded, and the subcommands that need an engine (LOAD, DELETE, DUMP, RESTORE,
 * KILL) are absent, so they get Redis's unknown-subcommand error. */
#include "command.h"
#include "module.h"
#include "client.h"
#include "server.h"

static void function_flush(Client *c) {
    if (c->argc == 3 && !arg_is(c->argv[2], "sync") && !arg_is(c->argv[2], "async")) {
        reply_error(c, "FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    server.stat.dirty++; /* a change of data: replicated and persisted, as in Redis */
    reply_ok(c);
}

static void function_list(Client *c) {
    for (int i = 2; i < c->argc; i++) {
        if (arg_is(c->argv[i], "withcode")) continue;
        if (arg_is(c->argv[i], "libraryname") && i + 1 < c->argc) {
            i++;
            continue;
        }
        reply_error(c, "Unknown argument");
        return;
    }
    reply_array_len(c, 0);
}

static void function_stats(Client *c) {
    reply_map_len(c, 2);
    reply_bulk_cstr(c, "running_script");
    reply_null(c);
    reply_bulk_cstr(c, "engines");
    reply_map_len(c, 0);
}

static void function_help(Client *c) {
    static const char *help[] = {
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "LIST [LIBRARYNAME <library_name_pattern>] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        NULL};
    reply_help(c, help);
}

static Command function_subcommands[] = {
    {.name = "flush", .proc = function_flush, .arity = -2, .flags = CMD_WRITE | CMD_NOSCRIPT,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Deleting all functions",
     .since = "7.0.0", .complexity = "O(N) where N is the number of functions deleted",
     .args = "[ASYNC|SYNC]{async}\ntip request_policy:all_shards\ntip response_policy:all_succeeded"},
    {.name = "list", .proc = function_list, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "List information about all the functions",
     .since = "7.0.0", .complexity = "O(N) where N is the number of functions",
     .args = "[LIBRARYNAME library-name-pattern:string] [WITHCODE]\ntip nondeterministic_output_order"},
    {.name = "stats", .proc = function_stats, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting",
     .summary = "Return information about the function currently running (name, description, duration)", .since = "7.0.0",
     .complexity = "O(1)", .args = "\ntip nondeterministic_output\ntip request_policy:all_shards\ntip response_policy:special"},
    {.name = "help", .proc = function_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Show helpful text about the different subcommands",
     .since = "7.0.0", .complexity = "O(1)"},
    {0}};

static Command function_commands[] = {
    {.name = "function", .arity = -2, .group = "scripting", .summary = "A container for function commands",
     .since = "7.0.0", .complexity = "Depends on subcommand.", .subcommands = function_subcommands},
    {0}};

const Module function_module = {
    .name = "functions",
    .commands = function_commands,
};
