/* cmdinfo.c - the COMMAND command: COMMAND, COUNT, LIST, INFO, DOCS, GETKEYS,
 * GETKEYSANDFLAGS, HELP, all answered from the command table.
 *
 * Reply shapes follow Redis 7.0: COMMAND INFO gives per command
 * [name, arity, flags, first, last, step, acl categories, tips, key specs,
 * subcommands]; COMMAND DOCS a map name -> {summary, since, group, complexity,
 * doc_flags, deprecated_since, replaced_by, history, arguments, subcommands}.
 * The argument tree, history and tips come from parsing Command.args
 * (cmdargs.h) on each request; ACL categories get Redis's implicit ones (from
 * the command flags) added at reply time. Costs: O(commands) for the full
 * listings, O(length of the args string) per documented command. */
#include "servercmds_priv.h"
#include "cmdargs.h"
#include "command.h"
#include "server.h"
#include "../base/util.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct FlagName {
    uint64_t flag;
    const char *name;
} FlagName;

static const FlagName cmd_flag_names[] = {
    {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"}, {CMD_MODULE, "module"},
    {CMD_ADMIN, "admin"}, {CMD_PUBSUB, "pubsub"}, {CMD_NOSCRIPT, "noscript"}, {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"}, {CMD_STALE, "stale"}, {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_SKIP_SLOWLOG, "skip_slowlog"}, {CMD_ASKING, "asking"}, {CMD_FAST, "fast"}, {CMD_NO_AUTH, "no_auth"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"}, {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"}, {CMD_MOVABLE_KEYS, "movablekeys"}, {CMD_ALLOW_BUSY, "allow_busy"}, {0, NULL}};

static const FlagName acl_cat_names[] = {
    {ACL_KEYSPACE, "keyspace"}, {ACL_READ, "read"}, {ACL_WRITE, "write"}, {ACL_SET, "set"},
    {ACL_SORTEDSET, "sortedset"}, {ACL_LIST, "list"}, {ACL_HASH, "hash"}, {ACL_STRING, "string"},
    {ACL_BITMAP, "bitmap"}, {ACL_HYPERLOGLOG, "hyperloglog"}, {ACL_GEO, "geo"}, {ACL_STREAM, "stream"},
    {ACL_PUBSUB, "pubsub"}, {ACL_ADMIN, "admin"}, {ACL_FAST, "fast"}, {ACL_SLOW, "slow"},
    {ACL_BLOCKING, "blocking"}, {ACL_DANGEROUS, "dangerous"}, {ACL_CONNECTION, "connection"},
    {ACL_TRANSACTION, "transaction"}, {ACL_SCRIPTING, "scripting"}, {0, NULL}};

static const FlagName key_flag_names[] = {
    {KS_RO, "RO"}, {KS_RW, "RW"}, {KS_OW, "OW"}, {KS_RM, "RM"}, {KS_ACCESS, "access"}, {KS_UPDATE, "update"},
    {KS_INSERT, "insert"}, {KS_DELETE, "delete"}, {KS_NOT_KEY, "not_key"}, {KS_INCOMPLETE, "incomplete"},
    {KS_VARIABLE_FLAGS, "variable_flags"}, {0, NULL}};

/* Replies with a set of status strings for the flags set in flags. */
static void reply_flag_set(Client *c, uint64_t flags, const FlagName *names, const char *prefix) {
    long n = 0;
    for (const FlagName *f = names; f->name; f++) n += (flags & f->flag) != 0;
    reply_set_len(c, n);
    for (const FlagName *f = names; f->name; f++) {
        if (!(flags & f->flag)) continue;
        if (prefix) {
            char buf[64];
            snprintf(buf, sizeof(buf), "%s%s", prefix, f->name);
            reply_status(c, buf);
        } else {
            reply_status(c, f->name);
        }
    }
}

/* The command's ACL categories plus those its flags imply, as Redis derives them. */
static uint64_t acl_categories(const Command *cmd) {
    uint64_t cats = cmd->acl;
    if (cmd->flags & CMD_WRITE) cats |= ACL_WRITE;
    if ((cmd->flags & CMD_READONLY) && !(cats & ACL_SCRIPTING)) cats |= ACL_READ;
    if (cmd->flags & CMD_ADMIN) cats |= ACL_ADMIN | ACL_DANGEROUS;
    if (cmd->flags & CMD_PUBSUB) cats |= ACL_PUBSUB;
    if (cmd->flags & CMD_FAST) cats |= ACL_FAST;
    if (cmd->flags & CMD_BLOCKING) cats |= ACL_BLOCKING;
    if (!(cats & ACL_FAST)) cats |= ACL_SLOW;
    return cats;
}

static uint64_t acl_category_by_name(const char *name) {
    for (const FlagName *f = acl_cat_names; f->name; f++)
        if (!strcasecmp(name, f->name)) return f->flag;
    return 0;
}

/* The parsed documentation of cmd; a bad grammar string (reported once in the log)
 * documents no arguments. */
static CmdDoc *command_doc(const Command *cmd) {
    static int warned;
    char err[128];
    CmdDoc *doc = cmdargs_parse(cmd->args, err, sizeof(err));
    if (!doc) {
        if (!warned++) server_log(LL_WARNING, "Bad argument grammar for command '%s': %s", cmd->fullname, err);
        doc = cmdargs_parse(NULL, NULL, 0);
    }
    return doc;
}

static long subcommand_count(const Command *cmd) {
    long n = 0;
    if (cmd->subcommands)
        for (const Command *s = cmd->subcommands; s->name; s++) n++;
    return n;
}

static Command *lookup_or_null(const Obj *name) {
    if (name->encoding == ENC_INT) return NULL;
    return command_lookup_by_fullname(name->ptr);
}

/* ---------------- COMMAND INFO ---------------- */

static void reply_map_kv_long(Client *c, const char *k, long long v) {
    reply_bulk_cstr(c, k);
    reply_long(c, v);
}

static void reply_begin_search(Client *c, const KeySpec *ks) {
    reply_bulk_cstr(c, "begin_search");
    reply_map_len(c, 2);
    reply_bulk_cstr(c, "type");
    if (ks->bs_index > 0) {
        reply_bulk_cstr(c, "index");
        reply_bulk_cstr(c, "spec");
        reply_map_len(c, 1);
        reply_map_kv_long(c, "index", ks->bs_index);
    } else if (ks->bs_keyword) {
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, "spec");
        reply_map_len(c, 2);
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, ks->bs_keyword);
        reply_map_kv_long(c, "startfrom", ks->bs_startfrom);
    } else {
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map_len(c, 0);
    }
}

static void reply_find_keys(Client *c, const KeySpec *ks) {
    reply_bulk_cstr(c, "find_keys");
    reply_map_len(c, 2);
    reply_bulk_cstr(c, "type");
    if (ks->fk_type == 0) {
        reply_bulk_cstr(c, "range");
        reply_bulk_cstr(c, "spec");
        reply_map_len(c, 3);
        reply_map_kv_long(c, "lastkey", ks->fk_lastkey);
        reply_map_kv_long(c, "keystep", ks->fk_step);
        reply_map_kv_long(c, "limit", ks->fk_limit);
    } else if (ks->fk_type == 1) {
        reply_bulk_cstr(c, "keynum");
        reply_bulk_cstr(c, "spec");
        reply_map_len(c, 3);
        reply_map_kv_long(c, "keynumidx", ks->fk_keynumidx);
        reply_map_kv_long(c, "firstkey", ks->fk_firstkey);
        reply_map_kv_long(c, "keystep", ks->fk_keystep);
    } else {
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map_len(c, 0);
    }
}

static void reply_key_specs(Client *c, const Command *cmd, const CmdDoc *doc) {
    reply_set_len(c, cmd->nkeyspecs);
    for (int i = 0; i < cmd->nkeyspecs; i++) {
        const KeySpec *ks = &cmd->keyspecs[i];
        const char *note = cmdargs_keynote(doc, i);
        reply_map_len(c, 3 + (note != NULL));
        if (note) {
            reply_bulk_cstr(c, "notes");
            reply_bulk_cstr(c, note);
        }
        reply_bulk_cstr(c, "flags");
        reply_flag_set(c, (uint64_t)ks->flags, key_flag_names, NULL);
        reply_begin_search(c, ks);
        reply_find_keys(c, ks);
    }
}

static void reply_command_info(Client *c, const Command *cmd) {
    if (!cmd) {
        reply_null(c);
        return;
    }
    CmdDoc *doc = command_doc(cmd);
    reply_array_len(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_long(c, cmd->arity);
    reply_flag_set(c, cmd->flags, cmd_flag_names, NULL);
    reply_long(c, cmd->legacy_first);
    reply_long(c, cmd->legacy_last);
    reply_long(c, cmd->legacy_step);
    reply_flag_set(c, acl_categories(cmd), acl_cat_names, "@");
    reply_set_len(c, doc->ntips);
    for (int i = 0; i < doc->ntips; i++) reply_bulk_cstr(c, doc->tips[i].a);
    reply_key_specs(c, cmd, doc);
    cmdargs_free(doc);
    long nsub = subcommand_count(cmd);
    if (!nsub) {
        reply_set_len(c, 0);
        return;
    }
    reply_array_len(c, nsub);
    for (const Command *s = cmd->subcommands; s->name; s++) reply_command_info(c, s);
}

static long top_level_count(void) {
    long cursor = 0, n = 0;
    while (command_table_next(&cursor)) n++;
    return n;
}

static void reply_all_infos(Client *c) {
    long cursor = 0;
    Command *cmd;
    reply_array_len(c, top_level_count());
    while ((cmd = command_table_next(&cursor))) reply_command_info(c, cmd);
}

void cmdinfo_command(Client *c) { reply_all_infos(c); }

void cmdinfo_count(Client *c) { reply_long(c, top_level_count()); }

void cmdinfo_info(Client *c) {
    if (c->argc == 2) {
        reply_all_infos(c);
        return;
    }
    reply_array_len(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_command_info(c, lookup_or_null(c->argv[i]));
}

/* ---------------- COMMAND DOCS ---------------- */

static void reply_doc_flags(Client *c, const char *doc_flags) {
    int deprecated = strstr(doc_flags, "deprecated") != NULL, syscmd = strstr(doc_flags, "syscmd") != NULL;
    reply_set_len(c, deprecated + syscmd);
    if (deprecated) reply_status(c, "deprecated");
    if (syscmd) reply_status(c, "syscmd");
}

static void reply_command_docs(Client *c, const Command *cmd) {
    CmdDoc *doc = command_doc(cmd);
    long nsub = subcommand_count(cmd);
    const char *group = cmd->group ? cmd->group : cmd->parent && cmd->parent->group ? cmd->parent->group : "generic";
    long n = 1 + (cmd->summary != NULL) + (cmd->since != NULL) + (cmd->complexity != NULL) +
             (cmd->doc_flags != NULL) + (cmd->deprecated_since != NULL) + (cmd->replaced_by != NULL) +
             (doc->nhistory > 0) + (cmd->args != NULL && doc->nargs > 0) + (nsub > 0) +
             ((cmd->flags & CMD_MODULE) != 0);
    reply_map_len(c, n);
    if (cmd->summary) {
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, cmd->summary);
    }
    if (cmd->since) {
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, cmd->since);
    }
    reply_bulk_cstr(c, "group");
    reply_bulk_cstr(c, group);
    if (cmd->complexity) {
        reply_bulk_cstr(c, "complexity");
        reply_bulk_cstr(c, cmd->complexity);
    }
    if (cmd->flags & CMD_MODULE) { /* built-in module-like commands (BF.*): their group names the module */
        reply_bulk_cstr(c, "module");
        reply_bulk_cstr(c, group);
    }
    if (cmd->doc_flags) {
        reply_bulk_cstr(c, "doc_flags");
        reply_doc_flags(c, cmd->doc_flags);
    }
    if (cmd->deprecated_since) {
        reply_bulk_cstr(c, "deprecated_since");
        reply_bulk_cstr(c, cmd->deprecated_since);
    }
    if (cmd->replaced_by) {
        reply_bulk_cstr(c, "replaced_by");
        reply_bulk_cstr(c, cmd->replaced_by);
    }
    if (doc->nhistory) {
        reply_bulk_cstr(c, "history");
        reply_set_len(c, doc->nhistory);
        for (int i = 0; i < doc->nhistory; i++) {
            reply_array_len(c, 2);
            reply_bulk_cstr(c, doc->history[i].a);
            reply_bulk_cstr(c, doc->history[i].b);
        }
    }
    if (cmd->args && doc->nargs) {
        reply_bulk_cstr(c, "arguments");
        cmdargs_reply(c, doc->args, doc->nargs);
    }
    cmdargs_free(doc);
    if (nsub) {
        reply_bulk_cstr(c, "subcommands");
        reply_map_len(c, nsub);
        for (const Command *s = cmd->subcommands; s->name; s++) {
            reply_bulk_cstr(c, s->fullname);
            reply_command_docs(c, s);
        }
    }
}

void cmdinfo_docs(Client *c) {
    Command *cmd;
    if (c->argc == 2) {
        long cursor = 0;
        reply_map_len(c, top_level_count());
        while ((cmd = command_table_next(&cursor))) {
            reply_bulk_cstr(c, cmd->fullname);
            reply_command_docs(c, cmd);
        }
        return;
    }
    long found = 0;
    for (int i = 2; i < c->argc; i++) found += lookup_or_null(c->argv[i]) != NULL;
    reply_map_len(c, found);
    for (int i = 2; i < c->argc; i++) {
        if (!(cmd = lookup_or_null(c->argv[i]))) continue;
        reply_bulk_cstr(c, cmd->fullname);
        reply_command_docs(c, cmd);
    }
}

/* ---------------- COMMAND LIST ---------------- */

typedef struct ListFilter {
    int kind;                  /* 0 none, 1 module, 2 aclcat, 3 pattern */
    const char *arg;
    uint64_t cat;
} ListFilter;

static int list_filter_pass(const Command *cmd, const ListFilter *f) {
    switch (f->kind) {
    case 1: /* the built-in module-like commands: CMD_MODULE, named by their group */
        return (cmd->flags & CMD_MODULE) && cmd->group && !strcasecmp(cmd->group, f->arg);
    case 2: return f->cat && (acl_categories(cmd) & f->cat);
    case 3: return glob_match(f->arg, strlen(f->arg), cmd->fullname, strlen(cmd->fullname), 1);
    default: return 1;
    }
}

static long list_commands(Client *c, const Command *cmd, const ListFilter *f) {
    long n = 0;
    if (list_filter_pass(cmd, f)) {
        reply_bulk_cstr(c, cmd->fullname);
        n++;
    }
    if (cmd->subcommands)
        for (const Command *s = cmd->subcommands; s->name; s++) n += list_commands(c, s, f);
    return n;
}

void cmdinfo_list(Client *c) {
    ListFilter f = {0, NULL, 0};
    for (int i = 2; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        if (!arg_is(c->argv[i], "filterby") || more != 2) {
            reply_error_syntax(c);
            return;
        }
        if (arg_is(c->argv[i + 1], "module")) f.kind = 1;
        else if (arg_is(c->argv[i + 1], "aclcat")) f.kind = 2;
        else if (arg_is(c->argv[i + 1], "pattern")) f.kind = 3;
        else {
            reply_error_syntax(c);
            return;
        }
        f.arg = arg_str(c, i + 2);
        f.cat = acl_category_by_name(f.arg);
        i += 2;
    }
    void *len = reply_deferred_len(c);
    long cursor = 0, n = 0;
    Command *cmd;
    while ((cmd = command_table_next(&cursor))) n += list_commands(c, cmd, &f);
    reply_set_deferred_array_len(c, len, n);
}

/* ---------------- COMMAND GETKEYS ---------------- */

#define GETKEYS_MAX 4096

static int has_key_args(const Command *cmd) {
    if (cmd->getkeys) return 1;
    for (int i = 0; i < cmd->nkeyspecs; i++)
        if (!(cmd->keyspecs[i].flags & KS_NOT_KEY)) return 1;
    return 0;
}

/* Key-spec flags for the key at position pos: those of the first spec that finds
 * it, with variable flags resolved by the command for these arguments. A key that
 * no spec finds (one that only the command's getkeys finds, under an "unknown"
 * spec: SORT's STORE destination) gets the command's key_flags when it has one. */
static int key_flags_at(Command *cmd, Obj **argv, int argc, int pos) {
    static int keys[GETKEYS_MAX];
    int flags = cmd->nkeyspecs ? cmd->keyspecs[0].flags : 0, matched = 0;
    for (int s = 0; s < cmd->nkeyspecs && !matched; s++) {
        Command one = *cmd;
        one.getkeys = NULL;
        one.keyspecs[0] = cmd->keyspecs[s];
        one.nkeyspecs = 1;
        int n = command_get_keys(&one, argv, argc, keys, GETKEYS_MAX);
        int found = 0;
        for (int i = 0; i < n && !found; i++) found = keys[i] == pos;
        if (found) {
            flags = cmd->keyspecs[s].flags;
            matched = 1;
        }
    }
    if (((flags & KS_VARIABLE_FLAGS) || !matched) && cmd->key_flags) flags = cmd->key_flags(argv, argc, pos);
    return flags;
}

static void getkeys(Client *c, int with_flags) {
    static int keys[GETKEYS_MAX];
    Obj **argv = c->argv + 2;
    int argc = c->argc - 2;
    Command *cmd = command_lookup(argv, argc);
    if (!cmd) {
        reply_error(c, "Invalid command specified");
        return;
    }
    if (!has_key_args(cmd)) {
        reply_error(c, "The command has no key arguments");
        return;
    }
    if (command_check_arity(cmd, argc)) {
        reply_error(c, "Invalid number of arguments specified for command");
        return;
    }
    int n = command_get_keys(cmd, argv, argc, keys, GETKEYS_MAX);
    if (n == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        reply_error(c, "Invalid arguments specified for command");
        return;
    }
    reply_array_len(c, n);
    for (int i = 0; i < n; i++) {
        if (with_flags) {
            int fl = key_flags_at(cmd, argv, argc, keys[i]);
            reply_array_len(c, 2);
            reply_bulk_obj(c, argv[keys[i]]);
            reply_flag_set(c, (uint64_t)fl, key_flag_names, NULL);
        } else {
            reply_bulk_obj(c, argv[keys[i]]);
        }
    }
}

void cmdinfo_getkeys(Client *c) { getkeys(c, 0); }
void cmdinfo_getkeysandflags(Client *c) { getkeys(c, 1); }

void cmdinfo_help(Client *c) {
    static const char *help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL};
    reply_help(c, help);
}
