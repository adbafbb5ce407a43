/* command.c - the command table: every module's commands gathered into one hash
 * table keyed by case-insensitive name (subcommands stay in their parent's array),
 * lookup, the legacy first/last/step triple derived from the key specs, and key
 * extraction from argv through the key specs (COMMAND GETKEYS, later ACL and
 * cluster). Dispatch is in dispatch.c.
 * Invariants: names are unique; a command's fullname is "parent|sub" for a
 * subcommand; ids are assigned in registration order.
 * Costs: one case-insensitive hash per lookup (two for subcommands). */
#include "command.h"
#include "../base/alloc.h"
#include "../base/panic.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static Ht *commands;          /* top-level commands by name */
static Command **flat;        /* top-level commands in table order */
static long nflat;
static uint64_t next_cmd_id;

static const void *cmd_key(const void *entry, size_t *len) {
    const Command *c = entry;
    *len = strlen(c->lookup_name);
    return c->lookup_name;
}

static int key_eq_nocase(const void *a, size_t alen, const void *b, size_t blen) {
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static const HtType command_ht_type = {hash_bytes_nocase, cmd_key, key_eq_nocase, NULL};

/* Derives the legacy (first, last, step) from the key specs. */
static void legacy_range(Command *cmd) {
    int first = 0, last = 0, step = 0;
    for (int i = 0; i < cmd->nkeyspecs; i++) {
        KeySpec *ks = &cmd->keyspecs[i];
        if (ks->bs_index <= 0 || ks->fk_type != 0) {
            cmd->flags |= CMD_MOVABLE_KEYS;
            continue;
        }
        int ks_last = ks->fk_lastkey < 0 ? ks->fk_lastkey : ks->bs_index + ks->fk_lastkey;
        if (first == 0) {
            first = ks->bs_index;
            last = ks_last;
            step = ks->fk_step;
            continue;
        }
        if (ks->bs_index < first) first = ks->bs_index;
        if (last >= 0 && (ks_last < 0 || ks_last > last)) last = ks_last;
        if (ks->fk_step != step) step = 1;
    }
    cmd->legacy_first = first;
    cmd->legacy_last = last;
    cmd->legacy_step = step;
    if (cmd->getkeys) cmd->flags |= CMD_MOVABLE_KEYS;
}

static void init_command(Command *cmd, Command *parent) {
    cmd->parent = parent;
    cmd->lookup_name = cmd->name;
    cmd->id = next_cmd_id++;
    if (parent) {
        size_t n = strlen(parent->name) + strlen(cmd->name) + 2;
        cmd->fullname = vmalloc(n);
        snprintf(cmd->fullname, n, "%s|%s", parent->name, cmd->name);
    } else {
        cmd->fullname = vstrdup(cmd->name);
    }
    legacy_range(cmd);
    if (cmd->subcommands)
        for (Command *s = cmd->subcommands; s->name; s++) init_command(s, cmd);
}

void commands_register_table(Command *table) {
    if (!commands) commands = ht_create(&command_ht_type);
    for (Command *c = table; c->name; c++) {
        init_command(c, NULL);
        if (!ht_add(commands, c)) panic("command '%s' registered twice", c->name);
        flat = vrealloc(flat, sizeof(Command *) * (size_t)(nflat + 1));
        flat[nflat++] = c;
    }
}

void commands_init(void) {
    if (!commands) commands = ht_create(&command_ht_type);
}

void commands_finalize(void) {
    /* every lookup of a request goes through this table: about two commands a
     * bucket instead of eight keeps each lookup to one bucket's tags */
    ht_expand(commands, ht_size(commands) * HT_MAX_FILL / 2);
    while (ht_is_rehashing(commands)) ht_rehash_step(commands, 100);
}

const char *command_rename(const char *name, const char *newname) {
    Command *cmd = ht_find(commands, name, strlen(name));
    if (!cmd) return "No such command in rename-command";
    if (*newname && ht_find(commands, newname, strlen(newname))) return "Target command name already exists";
    ht_delete(commands, name, strlen(name));
    if (!*newname) return NULL; /* renamed to "": gone */
    cmd->lookup_name = vstrdup(newname);
    ht_add(commands, cmd);
    return NULL;
}

Command *command_table_next(long *cursor) {
    if (*cursor < 0 || *cursor >= nflat) return NULL;
    return flat[(*cursor)++];
}

Command *command_lookup_name(const char *name, size_t len) {
    return ht_find(commands, name, len);
}

Command *command_find_subcommand(Command *parent, const char *name, size_t len) {
    if (!parent->subcommands) return NULL;
    for (Command *s = parent->subcommands; s->name; s++)
        if (strlen(s->name) == len && strncasecmp(s->name, name, len) == 0) return s;
    return NULL;
}

Command *command_lookup(Obj **argv, int argc) {
    Command *c = command_lookup_name(argv[0]->ptr, sds_len(argv[0]->ptr));
    if (!c || !c->subcommands || argc < 2) return c;
    return command_find_subcommand(c, argv[1]->ptr, sds_len(argv[1]->ptr));
}

Command *command_lookup_by_fullname(const char *fullname) {
    const char *bar = strchr(fullname, '|');
    if (!bar) return command_lookup_name(fullname, strlen(fullname));
    Command *p = command_lookup_name(fullname, (size_t)(bar - fullname));
    if (!p) return NULL;
    return command_find_subcommand(p, bar + 1, strlen(bar + 1));
}

int command_check_arity(const Command *cmd, int argc) {
    return (cmd->arity > 0 && cmd->arity != argc) || (argc < -cmd->arity);
}

static int keyword_index(const KeySpec *ks, Obj **argv, int argc) {
    int start = ks->bs_startfrom, end, step;
    if (start >= 0) { step = 1; end = argc - 1; if (start < 1) start = 1; }
    else { step = -1; end = 1; start = argc + start; }
    for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
        if (i < 0 || i >= argc) break;
        if (arg_is(argv[i], ks->bs_keyword)) return i + 1;
    }
    return -1;
}

int command_get_keys(Command *cmd, Obj **argv, int argc, int *keys, int max) {
    if (cmd->getkeys) return cmd->getkeys(argc, argv, keys, max);
    int n = 0;
    for (int s = 0; s < cmd->nkeyspecs; s++) {
        const KeySpec *ks = &cmd->keyspecs[s];
        if (ks->flags & KS_NOT_KEY) continue;
        int first = ks->bs_index > 0 ? ks->bs_index : ks->bs_keyword ? keyword_index(ks, argv, argc) : -1;
        if (first < 0 || first >= argc) continue;
        int last, step;
        if (ks->fk_type == 0) {
            step = ks->fk_step > 0 ? ks->fk_step : 1;
            if (ks->fk_lastkey >= 0) {
                last = first + ks->fk_lastkey;
            } else if (ks->fk_limit <= 1) {
                last = argc + ks->fk_lastkey;
            } else {
                last = first + ((argc - first) / ks->fk_limit + ks->fk_lastkey);
            }
        } else {
            long long num;
            int ni = first + ks->fk_keynumidx;
            if (ni >= argc || !obj_get_ll(argv[ni], &num) || num < 0) continue;
            first = ni + ks->fk_firstkey - ks->fk_keynumidx;
            step = ks->fk_keystep > 0 ? ks->fk_keystep : 1;
            last = first + (int)num * step - 1;
        }
        if (last >= argc) last = argc - 1;
        for (int i = first; i <= last; i += step) {
            if (n >= max) return n;
            keys[n++] = i;
        }
    }
    return n;
}

void commands_reset_stats(void) {
    for (long i = 0; i < nflat; i++) {
        Command *c = flat[i];
        c->calls = c->usec = c->rejected_calls = c->failed_calls = 0;
        if (c->subcommands)
            for (Command *s = c->subcommands; s->name; s++) s->calls = s->usec = s->rejected_calls = s->failed_calls = 0;
    }
}
