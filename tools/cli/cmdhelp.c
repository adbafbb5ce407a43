/* cmdhelp.c - vesper-cli's command help: the `help` command, tab completion of
 * command names and the argument hints shown while typing.
 *
 * The table is built once from the server's COMMAND DOCS (commands, their
 * subcommands as two-word entries, and one "@group" entry per group), rendering
 * each argument tree into the one-line syntax redis-cli shows
 * ("key value [NX|XX] [GET] ..."). Servers without COMMAND DOCS get the built-in
 * table below, topped up with bare entries for any other name COMMAND lists.
 * Entries are sorted by full name; lookups are linear scans (a few hundred
 * entries, once per keystroke at most). */
#include "cli.h"
#include "lineedit.h"
#include "base/alloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HELP_COMMAND 1
#define HELP_GROUP 2

typedef struct HelpEntry {
    int type;
    int argc;               /* 1, or 2 for "CONFIG GET" style subcommands */
    Sds argv[2];
    Sds full;               /* "CONFIG GET" or "@string" */
    Sds params, summary, since, group;
} HelpEntry;

static HelpEntry *entries;
static int nentries;
static int capentries;

/* ---------------- built-in table (servers without COMMAND DOCS) ---------------- */

static const char *builtin_groups[] = {
    "generic", "string", "list", "set", "sorted-set", "hash", "pubsub", "transactions",
    "connection", "server", "scripting", "hyperloglog", "cluster", "geo", "stream", "bitmap",
};

/* name | params | summary | since | group */
static const char *builtin_table[][5] = {
    {"APPEND", "key value", "Append a value to a key", "2.0.0", "string"},
    {"AUTH", "[username] password", "Authenticate to the server", "1.0.0", "connection"},
    {"BGSAVE", "[SCHEDULE]", "Asynchronously save the dataset to disk", "1.0.0", "server"},
    {"BITCOUNT", "key [start end [BYTE|BIT]]", "Count set bits in a string", "2.6.0", "bitmap"},
    {"BLPOP", "key [key ...] timeout", "Remove and get the first element in a list, or block until one is available", "2.0.0", "list"},
    {"BRPOP", "key [key ...] timeout", "Remove and get the last element in a list, or block until one is available", "2.0.0", "list"},
    {"CLIENT LIST", "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]", "Get the list of client connections", "2.4.0", "connection"},
    {"CLIENT SETNAME", "connection-name", "Set the current connection name", "2.6.9", "connection"},
    {"CONFIG GET", "parameter [parameter ...]", "Get the values of configuration parameters", "2.0.0", "server"},
    {"CONFIG SET", "parameter value [parameter value ...]", "Set configuration parameters to the given values", "2.0.0", "server"},
    {"DBSIZE", "", "Return the number of keys in the selected database", "1.0.0", "server"},
    {"DECR", "key", "Decrement the integer value of a key by one", "1.0.0", "string"},
    {"DECRBY", "key decrement", "Decrement the integer value of a key by the given number", "1.0.0", "string"},
    {"DEL", "key [key ...]", "Delete a key", "1.0.0", "generic"},
    {"DISCARD", "", "Discard all commands issued after MULTI", "2.0.0", "transactions"},
    {"ECHO", "message", "Echo the given string", "1.0.0", "connection"},
    {"EVAL", "script numkeys [key [key ...]] [arg [arg ...]]", "Execute a Lua script server side", "2.6.0", "scripting"},
    {"EXEC", "", "Execute all commands issued after MULTI", "1.2.0", "transactions"},
    {"EXISTS", "key [key ...]", "Determine if a key exists", "1.0.0", "generic"},
    {"EXPIRE", "key seconds [NX|XX|GT|LT]", "Set a key's time to live in seconds", "1.0.0", "generic"},
    {"FLUSHALL", "[ASYNC|SYNC]", "Remove all keys from all databases", "1.0.0", "server"},
    {"FLUSHDB", "[ASYNC|SYNC]", "Remove all keys from the current database", "1.0.0", "server"},
    {"GEOADD", "key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]", "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0", "geo"},
    {"GET", "key", "Get the value of a key", "1.0.0", "string"},
    {"GETRANGE", "key start end", "Get a substring of the string stored at a key", "2.4.0", "string"},
    {"HDEL", "key field [field ...]", "Delete one or more hash fields", "2.0.0", "hash"},
    {"HELLO", "[protover [AUTH username password] [SETNAME clientname]]", "Handshake with Redis", "6.0.0", "connection"},
    {"HGET", "key field", "Get the value of a hash field", "2.0.0", "hash"},
    {"HGETALL", "key", "Get all the fields and values in a hash", "2.0.0", "hash"},
    {"HINCRBY", "key field increment", "Increment the integer value of a hash field by the given number", "2.0.0", "hash"},
    {"HKEYS", "key", "Get all the fields in a hash", "2.0.0", "hash"},
    {"HLEN", "key", "Get the number of fields in a hash", "2.0.0", "hash"},
    {"HSET", "key field value [field value ...]", "Set the string value of a hash field", "2.0.0", "hash"},
    {"INCR", "key", "Increment the integer value of a key by one", "1.0.0", "string"},
    {"INCRBY", "key increment", "Increment the integer value of a key by the given amount", "1.0.0", "string"},
    {"INFO", "[section [section ...]]", "Get information and statistics about the server", "1.0.0", "server"},
    {"KEYS", "pattern", "Find all keys matching the given pattern", "1.0.0", "generic"},
    {"LINDEX", "key index", "Get an element from a list by its index", "1.0.0", "list"},
    {"LLEN", "key", "Get the length of a list", "1.0.0", "list"},
    {"LPOP", "key [count]", "Remove and get the first elements in a list", "1.0.0", "list"},
    {"LPUSH", "key element [element ...]", "Prepend one or multiple elements to a list", "1.0.0", "list"},
    {"LRANGE", "key start stop", "Get a range of elements from a list", "1.0.0", "list"},
    {"MGET", "key [key ...]", "Get the values of all the given keys", "1.0.0", "string"},
    {"MONITOR", "", "Listen for all requests received by the server in real time", "1.0.0", "server"},
    {"MSET", "key value [key value ...]", "Set multiple keys to multiple values", "1.0.1", "string"},
    {"MULTI", "", "Mark the start of a transaction block", "1.2.0", "transactions"},
    {"PERSIST", "key", "Remove the expiration from a key", "2.2.0", "generic"},
    {"PFADD", "key [element [element ...]]", "Adds the specified elements to the specified HyperLogLog.", "2.8.9", "hyperloglog"},
    {"PFCOUNT", "key [key ...]", "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", "2.8.9", "hyperloglog"},
    {"PING", "[message]", "Ping the server", "1.0.0", "connection"},
    {"PSUBSCRIBE", "pattern [pattern ...]", "Listen for messages published to channels matching the given patterns", "2.0.0", "pubsub"},
    {"PTTL", "key", "Get the time to live for a key in milliseconds", "2.6.0", "generic"},
    {"PUBLISH", "channel message", "Post a message to a channel", "2.0.0", "pubsub"},
    {"QUIT", "", "Close the connection", "1.0.0", "connection"},
    {"RENAME", "key newkey", "Rename a key", "1.0.0", "generic"},
    {"RPOP", "key [count]", "Remove and get the last elements in a list", "1.0.0", "list"},
    {"RPUSH", "key element [element ...]", "Append one or multiple elements to a list", "1.0.0", "list"},
    {"SADD", "key member [member ...]", "Add one or more members to a set", "1.0.0", "set"},
    {"SAVE", "", "Synchronously save the dataset to disk", "1.0.0", "server"},
    {"SCAN", "cursor [MATCH pattern] [COUNT count] [TYPE type]", "Incrementally iterate the keys space", "2.8.0", "generic"},
    {"SCARD", "key", "Get the number of members in a set", "1.0.0", "set"},
    {"SELECT", "index", "Change the selected database for the current connection", "1.0.0", "connection"},
    {"SET", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]", "Set the string value of a key", "1.0.0", "string"},
    {"SETBIT", "key offset value", "Sets or clears the bit at offset in the string value stored at key", "2.2.0", "bitmap"},
    {"SETEX", "key seconds value", "Set the value and expiration of a key", "2.0.0", "string"},
    {"SETNX", "key value", "Set the value of a key, only if the key does not exist", "1.0.0", "string"},
    {"SHUTDOWN", "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]", "Synchronously save the dataset to disk and then shut down the server", "1.0.0", "server"},
    {"SISMEMBER", "key member", "Determine if a given value is a member of a set", "1.0.0", "set"},
    {"SMEMBERS", "key", "Get all the members in a set", "1.0.0", "set"},
    {"SREM", "key member [member ...]", "Remove one or more members from a set", "1.0.0", "set"},
    {"STRLEN", "key", "Get the length of the value stored in a key", "2.2.0", "string"},
    {"SUBSCRIBE", "channel [channel ...]", "Listen for messages published to the given channels", "2.0.0", "pubsub"},
    {"TTL", "key", "Get the time to live for a key in seconds", "1.0.0", "generic"},
    {"TYPE", "key", "Determine the type stored at key", "1.0.0", "generic"},
    {"UNSUBSCRIBE", "[channel [channel ...]]", "Stop listening for messages posted to the given channels", "2.0.0", "pubsub"},
    {"UNWATCH", "", "Forget about all watched keys", "2.2.0", "transactions"},
    {"WATCH", "key [key ...]", "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0", "transactions"},
    {"XADD", "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]", "Appends a new entry to a stream", "5.0.0", "stream"},
    {"XLEN", "key", "Return the number of entries in a stream", "5.0.0", "stream"},
    {"XRANGE", "key start end [COUNT count]", "Return a range of elements in a stream, with IDs matching the specified IDs interval", "5.0.0", "stream"},
    {"ZADD", "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]", "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", "sorted-set"},
    {"ZCARD", "key", "Get the number of members in a sorted set", "1.2.0", "sorted-set"},
    {"ZRANGE", "key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", "Return a range of members in a sorted set", "1.2.0", "sorted-set"},
    {"ZREM", "key member [member ...]", "Remove one or more members from a sorted set", "1.2.0", "sorted-set"},
    {"ZSCORE", "key member", "Get the score associated with the given member in a sorted set", "1.2.0", "sorted-set"},
};

/* ---------------- table construction ---------------- */

static HelpEntry *help_new_entry(void) {
    if (nentries == capentries) {
        capentries = capentries ? capentries * 2 : 256;
        entries = vrealloc(entries, sizeof(HelpEntry) * (size_t)capentries);
    }
    HelpEntry *e = &entries[nentries++];
    memset(e, 0, sizeof(*e));
    return e;
}

static void help_add_group(const char *name) {
    for (int i = 0; i < nentries; i++)
        if (entries[i].type == HELP_GROUP && !strcmp(entries[i].full + 1, name)) return;
    HelpEntry *e = help_new_entry();
    e->type = HELP_GROUP;
    e->argc = 1;
    e->argv[0] = sds_catprintf(sds_empty(), "@%s", name);
    e->full = sds_dup(e->argv[0]);
}

void help_reset(void) {
    for (int i = 0; i < nentries; i++) {
        HelpEntry *e = &entries[i];
        for (int j = 0; j < e->argc; j++) sds_free(e->argv[j]);
        sds_free(e->full);
        if (e->params) sds_free(e->params);
        if (e->summary) sds_free(e->summary);
        if (e->since) sds_free(e->since);
        if (e->group) sds_free(e->group);
    }
    vfree(entries);
    entries = NULL;
    nentries = capentries = 0;
}

/* Value for `key` in a RESP3 map or a RESP2 flat key/value array. */
static const RespValue *help_field(const RespValue *map, const char *key) {
    if (map->type != RESP_MAP && map->type != RESP_ARRAY) return NULL;
    for (size_t i = 0; i + 1 < map->elements; i += 2) {
        const RespValue *k = map->element[i];
        if (k->str && !strcmp(k->str, key)) return map->element[i + 1];
    }
    return NULL;
}

static Sds help_cat_or_empty(Sds s, const char *v) { return sds_cat(s, v[0] ? v : "\"\""); }

static Sds help_add_argument(Sds params, const RespValue *arg);

static Sds help_cat_arguments(Sds params, const RespValue *args, const char *sep) {
    for (size_t j = 0; j < args->elements; j++) {
        params = help_add_argument(params, args->element[j]);
        if (j + 1 != args->elements) params = sds_cat(params, sep);
    }
    return params;
}

/* Renders one argument of COMMAND DOCS: "[token name [token name ...]]" etc. */
static Sds help_add_argument(Sds params, const RespValue *arg) {
    if (arg->type != RESP_MAP && arg->type != RESP_ARRAY) return params;
    const RespValue *v;
    const char *name = (v = help_field(arg, "name")) && v->str ? v->str : "";
    const char *type = (v = help_field(arg, "type")) && v->str ? v->str : "";
    const RespValue *args = help_field(arg, "arguments");
    int optional = 0, multiple = 0, multiple_token = 0;
    Sds token = sds_empty(), repeat = sds_empty();
    if ((v = help_field(arg, "token")) && v->str) token = help_cat_or_empty(token, v->str);
    if ((v = help_field(arg, "flags"))) {
        for (size_t j = 0; j < v->elements; j++) {
            const char *f = v->element[j]->str ? v->element[j]->str : "";
            if (!strcmp(f, "optional")) optional = 1;
            else if (!strcmp(f, "multiple")) multiple = 1;
            else if (!strcmp(f, "multiple_token")) multiple_token = 1;
        }
    }
    if (!strcmp(type, "oneof") && args) repeat = help_cat_arguments(repeat, args, "|");
    else if (!strcmp(type, "block") && args) repeat = help_cat_arguments(repeat, args, " ");
    else if (strcmp(type, "pure-token") != 0) repeat = help_cat_or_empty(repeat, name);

    int pure = !strcmp(type, "pure-token");
    if (token[0] && !pure) token = sds_cat(token, " ");
    if (optional) params = sds_cat(params, "[");
    params = sds_catsds(params, token);
    params = sds_catsds(params, repeat);
    if (multiple) {
        params = sds_cat(params, " [");
        if (multiple_token) params = sds_catsds(params, token);
        params = sds_catsds(params, repeat);
        params = sds_cat(params, " ...]");
    }
    if (optional) params = sds_cat(params, "]");
    sds_free(token);
    sds_free(repeat);
    return params;
}

static void help_add_docs_entry(const char *cmdname, const char *subname, const RespValue *specs) {
    HelpEntry *e = help_new_entry();
    e->type = HELP_COMMAND;
    e->argc = subname ? 2 : 1;
    e->argv[0] = sds_new(cmdname);
    sds_toupper(e->argv[0]);
    if (subname) {
        const char *bar = strchr(subname, '|');
        e->argv[1] = sds_new(bar ? bar + 1 : subname);
        sds_toupper(e->argv[1]);
    }
    e->full = sds_dup(e->argv[0]);
    if (subname) e->full = sds_catprintf(e->full, " %s", e->argv[1]);
    e->params = sds_empty();
    const RespValue *v;
    if ((v = help_field(specs, "summary")) && v->str) e->summary = sds_new(v->str);
    if ((v = help_field(specs, "since")) && v->str) e->since = sds_new(v->str);
    if ((v = help_field(specs, "group")) && v->str) e->group = sds_new(v->str);
    if ((v = help_field(specs, "arguments"))) e->params = help_cat_arguments(e->params, v, " ");
    const char *group = e->group ? e->group : NULL;
    Sds groupcopy = group ? sds_new(group) : NULL; /* entries may move below */
    if ((v = help_field(specs, "subcommands"))) {
        for (size_t i = 0; i + 1 < v->elements; i += 2)
            if (v->element[i]->str) help_add_docs_entry(cmdname, v->element[i]->str, v->element[i + 1]);
    }
    if (groupcopy) {
        help_add_group(groupcopy);
        sds_free(groupcopy);
    }
}

static void help_init_builtin(void) {
    for (size_t i = 0; i < sizeof(builtin_groups) / sizeof(builtin_groups[0]); i++)
        help_add_group(builtin_groups[i]);
    for (size_t i = 0; i < sizeof(builtin_table) / sizeof(builtin_table[0]); i++) {
        HelpEntry *e = help_new_entry();
        int argc;
        Sds *argv = sds_splitargs(builtin_table[i][0], &argc);
        e->type = HELP_COMMAND;
        e->argc = argc > 2 ? 2 : argc;
        for (int j = 0; j < argc; j++) {
            if (j < 2) e->argv[j] = argv[j];
            else sds_free(argv[j]);
        }
        vfree(argv);
        e->full = sds_new(builtin_table[i][0]);
        e->params = sds_new(builtin_table[i][1]);
        e->summary = sds_new(builtin_table[i][2]);
        e->since = sds_new(builtin_table[i][3]);
        e->group = sds_new(builtin_table[i][4]);
    }
}

/* Adds bare entries ("key arg arg ...options...") for commands the server has
 * and the built-in table lacks. */
static void help_integrate_command_list(void) {
    const char *argv[1] = {"COMMAND"};
    RespValue *r = cli_call(1, argv, NULL);
    if (!r || r->type != RESP_ARRAY) {
        resp_value_free(r);
        return;
    }
    for (size_t j = 0; j < r->elements; j++) {
        const RespValue *ent = r->element[j];
        if (ent->type != RESP_ARRAY || ent->elements < 4 || ent->element[0]->type != RESP_STRING ||
            ent->element[1]->type != RESP_INTEGER || ent->element[3]->type != RESP_INTEGER)
            break;
        const char *name = ent->element[0]->str;
        int found = 0;
        for (int i = 0; i < nentries && !found; i++) found = !strcasecmp(entries[i].argv[0], name);
        if (found) continue;
        HelpEntry *e = help_new_entry();
        e->type = HELP_COMMAND;
        e->argc = 1;
        e->argv[0] = sds_new(name);
        sds_toupper(e->argv[0]);
        e->full = sds_dup(e->argv[0]);
        e->params = sds_empty();
        long long arity = ent->element[1]->integer;
        long long args = (arity < 0 ? -arity : arity) - 1;
        if (ent->element[3]->integer == 1) {
            e->params = sds_cat(e->params, "key ");
            args--;
        }
        while (args-- > 0) e->params = sds_cat(e->params, "arg ");
        if (arity < 0) e->params = sds_cat(e->params, "...options...");
        e->summary = sds_new("Help not available");
        e->since = sds_new("Not known");
        e->group = sds_new(builtin_groups[0]);
    }
    resp_value_free(r);
}

static int help_cmp(const void *a, const void *b) {
    return strcmp(((const HelpEntry *)a)->full, ((const HelpEntry *)b)->full);
}

void help_init(void) {
    help_reset();
    if (cli_connect(CC_QUIET) != 0) {
        help_init_builtin();
        return;
    }
    const char *argv[2] = {"COMMAND", "DOCS"};
    RespValue *docs = cli_call(2, argv, NULL);
    if (!docs || docs->type == RESP_ERROR) {
        resp_value_free(docs);
        help_init_builtin();
        help_integrate_command_list();
    } else if ((docs->type == RESP_MAP || docs->type == RESP_ARRAY) && docs->elements == 0) {
        resp_value_free(docs);
        help_init_builtin();
    } else if (docs->type == RESP_MAP || docs->type == RESP_ARRAY) {
        for (size_t i = 0; i + 1 < docs->elements; i += 2)
            if (docs->element[i]->str) help_add_docs_entry(docs->element[i]->str, NULL, docs->element[i + 1]);
        resp_value_free(docs);
    } else {
        resp_value_free(docs);
    }
    if (nentries) qsort(entries, (size_t)nentries, sizeof(HelpEntry), help_cmp);
}

/* ---------------- output ---------------- */

static void help_print_command(const HelpEntry *e, int with_group) {
    printf("\r\n  \x1b[1m%s\x1b[0m \x1b[90m%s\x1b[0m\r\n", e->full, e->params ? e->params : "");
    printf("  \x1b[33msummary:\x1b[0m %s\r\n", e->summary ? e->summary : "");
    if (e->since) printf("  \x1b[33msince:\x1b[0m %s\r\n", e->since);
    if (with_group) printf("  \x1b[33mgroup:\x1b[0m %s\r\n", e->group ? e->group : "");
}

static void help_print_generic(void) {
    printf("vesper-cli %s\n"
           "To get help about Vesper commands type:\n"
           "      \"help @<group>\" to get a list of commands in <group>\n"
           "      \"help <command>\" for help on <command>\n"
           "      \"help <tab>\" to get a list of possible help topics\n"
           "      \"quit\" to exit\n"
           "\n"
           "To set vesper-cli preferences:\n"
           "      \":set hints\" enable online hints\n"
           "      \":set nohints\" disable online hints\n"
           "Set your preferences in ~/.vesperclirc\n",
           CLI_VERSION);
}

void help_output(int argc, Sds *argv) {
    if (argc == 0) {
        help_print_generic();
        return;
    }
    const char *group = argv[0][0] == '@' ? argv[0] + 1 : NULL;
    if (!entries) help_init();
    for (int i = 0; i < nentries; i++) {
        const HelpEntry *e = &entries[i];
        if (e->type != HELP_COMMAND) continue;
        if (!group) {
            if (argc > e->argc) continue;
            int j;
            for (j = 0; j < argc; j++)
                if (strcasecmp(argv[j], e->argv[j]) != 0) break;
            if (j == argc) help_print_command(e, 1);
        } else if (e->group && !strcasecmp(group, e->group)) {
            help_print_command(e, 0);
        }
    }
    printf("\r\n");
}

/* ---------------- completion and hints ---------------- */

void help_completion(const char *buf, void *lcp) {
    LeCompletions *lc = lcp;
    size_t start = 0;
    int mask = HELP_COMMAND;
    if (!strncasecmp(buf, "help ", 5)) {
        start = 5;
        while (isspace((unsigned char)buf[start])) start++;
        mask = HELP_COMMAND | HELP_GROUP;
    }
    size_t matchlen = strlen(buf + start);
    for (int i = 0; i < nentries; i++) {
        if (!(entries[i].type & mask)) continue;
        if (strncasecmp(buf + start, entries[i].full, matchlen) != 0) continue;
        Sds tmp = sds_newlen(buf, start);
        tmp = sds_cat(tmp, entries[i].full);
        le_add_completion(lc, tmp);
        sds_free(tmp);
    }
}

/* The entry whose words match the most leading words of the typed line. */
static const HelpEntry *help_best_match(Sds *argv, int argc, int *matched) {
    const HelpEntry *best = NULL;
    *matched = 0;
    for (int i = 0; i < nentries; i++) {
        const HelpEntry *e = &entries[i];
        if (e->type != HELP_COMMAND || e->argc > argc) continue;
        int j;
        for (j = 0; j < e->argc; j++)
            if (strcasecmp(e->argv[j], argv[j])) break;
        if (j == e->argc && e->argc > *matched) {
            *matched = e->argc;
            best = e;
        }
    }
    return best;
}

char *help_hint(const char *buf, int *color, int *bold) {
    if (!config.hints) return NULL;
    int argc;
    Sds *argv = sds_splitargs(buf, &argc);
    if (!argv) return NULL;
    if (argc == 0) {
        sds_freesplit(argv, argc);
        return NULL;
    }
    size_t buflen = strlen(buf);
    int endspace = buflen && isspace((unsigned char)buf[buflen - 1]);
    int matched;
    const HelpEntry *e = help_best_match(argv, argc, &matched);
    sds_freesplit(argv, argc);
    if (!e) return NULL;
    *color = 90;
    *bold = 0;
    /* drop the arguments already typed, stopping at the first optional one */
    const char *h = e->params ? e->params : "";
    int toremove = argc - matched;
    while (toremove > 0 && *h) {
        if (*h == '[') break;
        if (*h == ' ') toremove--;
        h++;
    }
    size_t hl = strlen(h);
    char *hint = vmalloc(hl + 2);
    size_t off = 0;
    if (!endspace) hint[off++] = ' ';
    memcpy(hint + off, h, hl + 1);
    return hint;
}
