/* config_cmd.c - the CONFIG command (GET, SET, RESETSTAT, REWRITE, HELP) and the
 * all-or-nothing CONFIG SET of several pairs behind it and config_set().
 *
 * CONFIG SET resolves every name first (unknown, immutable, protected, duplicate and
 * loading checks), keeps the old values as CONFIG GET renders them, sets each pair,
 * then runs the apply hooks of the directives that changed (each hook once). On a set
 * or hook failure it sets the old values back and runs those hooks again, so the
 * server is left as it was, and replies with Redis's error text.
 *
 * Invariants: values are binary safe up to the directive (config_entry_set refuses NUL
 * bytes where Redis's parsers would have stopped at them); names with a NUL byte are
 * unknown. Costs: O(pairs) lookups of O(directives) each; CONFIG GET with a pattern
 * matches every name once. */
#include "config_priv.h"
#include "client.h"
#include "command.h"
#include "module.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/sds.h"
#include "../base/util.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------------------
 * CONFIG SET of several pairs, all or nothing
 * ------------------------------------------------------------------------- */

typedef struct PendingApply {
    ConfigApplyHook *fn;
    int idx;                       /* the pair that asked for it */
} PendingApply;

typedef struct SetRequest {
    ConfigEntry *e;
    int alias;                     /* matched by its alias */
    Sds old;                       /* the value before, as CONFIG GET renders it */
} SetRequest;

static int client_is_local(const Client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return 1;
    char ip[64];
    const char *p = c->peer;
    if (*p == '[') {
        const char *end = strchr(p, ']');
        size_t n = end ? (size_t)(end - p - 1) : 0;
        if (n >= sizeof(ip)) n = 0;
        memcpy(ip, p + 1, n);
        ip[n] = '\0';
    } else {
        const char *colon = strrchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n >= sizeof(ip)) n = 0;
        memcpy(ip, p, n);
        ip[n] = '\0';
    }
    return !strcmp(ip, "127.0.0.1") || !strcmp(ip, "::1");
}

static int protected_allowed(const Config *cfg, const Client *c) {
    if (!c) return 1;
    return cfg->enable_protected_configs == 1 || (cfg->enable_protected_configs == 2 && client_is_local(c));
}

static void add_hook(PendingApply *pa, int *n, ConfigApplyHook *fn, int idx) {
    if (!fn) return;
    for (int k = 0; k < *n; k++)
        if (pa[k].fn == fn) return;
    pa[(*n)++] = (PendingApply){fn, idx};
}

/* The hooks of a changed directive: its table's, then a registered one. */
static void add_apply(const Config *cfg, PendingApply *pa, int *n, const ConfigEntry *e, int idx) {
    if (!config_entry_live(cfg, e)) return;
    add_hook(pa, n, e->def->apply, idx);
    add_hook(pa, n, e->hook, idx);
}

static void restore_values(Config *cfg, const SetRequest *req, int n, const PendingApply *pa, int npa) {
    for (int i = 0; i < n; i++) {
        const char *err = "unknown error";
        if (!config_entry_set_text(cfg, req[i].e, req[i].old, &err))
            server_log(LL_WARNING, "Failed restoring failed CONFIG SET command. Error setting %s to '%s': %s",
                       req[i].e->def->name, req[i].old, err);
    }
    for (int k = 0; k < npa; k++) {
        const char *err = "unknown error";
        if (!pa[k].fn(&err)) server_log(LL_WARNING, "Failed applying restored failed CONFIG SET command: %s", err);
    }
}

typedef struct SetError {
    const char *unknown;           /* an unknown name */
    const char *name;              /* the name the failure relates to */
    const char *reason;
    int loading;
} SetError;

static int resolve_one(const Config *cfg, const Client *c, const Sds name, SetRequest *r, SetError *se) {
    r->e = config_is_cstr(name) ? config_lookup(name, &r->alias) : NULL;
    if (!r->e) {
        se->unknown = name;
        return 0;
    }
    unsigned flags = r->e->def->flags;
    se->name = name;
    if (flags & CONFIG_IMMUTABLE) se->reason = "can't set immutable config";
    else if ((flags & CONFIG_PROTECTED) && !protected_allowed(cfg, c)) se->reason = "can't set protected config";
    else if (cfg == &server.cfg && server.loading && (flags & CONFIG_DENY_LOADING)) se->loading = 1;
    return !se->reason && !se->loading;
}

/* Finds the entries; stops at the first problem. */
static int set_resolve(const Config *cfg, const Client *c, const Sds *names, int n, SetRequest *req, SetError *se) {
    for (int i = 0; i < n; i++) {
        if (!resolve_one(cfg, c, names[i], &req[i], se)) return 0;
        for (int j = 0; j < i; j++)
            if (req[j].e == req[i].e && req[j].alias == req[i].alias) {
                se->reason = "duplicate parameter";
                return 0;
            }
    }
    return 1;
}

static const char *request_name(const SetRequest *r) { return r->alias ? r->e->def->alias : r->e->def->name; }

/* Sets every pair, then runs the hooks; on failure restores and fills se. */
static int set_all(Config *cfg, SetRequest *req, const Sds *values, int n, PendingApply *pa, SetError *se) {
    int npa = 0;
    for (int i = 0; i < n; i++) {
        int res = config_entry_set_text(cfg, req[i].e, values[i], &se->reason);
        if (!res) {
            restore_values(cfg, req, i + 1, NULL, 0);
            se->name = request_name(&req[i]);
            return 0;
        }
        if (res == CONFIG_SET_CHANGED) add_apply(cfg, pa, &npa, req[i].e, i);
    }
    for (int k = 0; k < npa; k++) {
        if (!pa[k].fn(&se->reason)) {
            server_log(LL_WARNING, "Failed applying new configuration. Possibly related to new %s setting. "
                       "Restoring previous settings.", req[pa[k].idx].e->def->name);
            restore_values(cfg, req, n, pa, npa);
            se->name = request_name(&req[pa[k].idx]);
            return 0;
        }
    }
    return 1;
}

static void set_error_text(const SetError *se, char *msg, size_t msglen) {
    if (se->loading) snprintf(msg, msglen, "-LOADING Redis is loading the dataset in memory");
    else if (se->unknown)
        snprintf(msg, msglen, "Unknown option or number of arguments for CONFIG SET - '%s'", se->unknown);
    else if (se->reason)
        snprintf(msg, msglen, "CONFIG SET failed (possibly related to argument '%s') - %s", se->name, se->reason);
    else snprintf(msg, msglen, "CONFIG SET failed (possibly related to argument '%s')", se->name);
}

/* Sets every pair or none. Returns NULL, or the error reply text (without "ERR ";
 * a leading '-' carries its own code) written into msg. */
static const char *set_pairs(Config *cfg, const Client *c, const Sds *names, const Sds *values, int n, char *msg,
                             size_t msglen) {
    SetRequest *req = vcalloc(sizeof(SetRequest) * (size_t)n);
    PendingApply *pa = vcalloc(sizeof(PendingApply) * (size_t)(2 * n));
    SetError se = {0};
    int ok = set_resolve(cfg, c, names, n, req, &se);
    for (int i = 0; ok && i < n; i++) req[i].old = config_entry_get(cfg, req[i].e);
    ok = ok && set_all(cfg, req, values, n, pa, &se);
    if (!ok) set_error_text(&se, msg, msglen);
    for (int i = 0; i < n; i++)
        if (req[i].old) sds_free(req[i].old);
    vfree(req);
    vfree(pa);
    return ok ? NULL : msg;
}

const char *config_set(Config *cfg, const char *name, const char *value, char *errbuf, size_t errlen) {
    Sds n = sds_new(name), v = sds_new(value);
    const char *r = set_pairs(cfg, NULL, &n, &v, 1, errbuf, errlen);
    sds_free(n);
    sds_free(v);
    return r;
}

/* ---------------------------------------------------------------------------
 * CONFIG GET
 * ------------------------------------------------------------------------- */

typedef struct GetMatch {
    const char *key;
    const ConfigEntry *e;
} GetMatch;

static int match_has(const GetMatch *m, int n, const char *key) {
    for (int i = 0; i < n; i++)
        if (!strcasecmp(m[i].key, key)) return 1;
    return 0;
}

static int match_pattern(const char *pat, GetMatch *m, int n) {
    size_t plen = strlen(pat);
    for (int i = 0; i < config_entry_count(); i++) {
        const ConfigEntry *e = config_entry_at(i);
        if (e->def->flags & CONFIG_HIDDEN) continue;
        const char *names[2] = {e->def->name, e->def->alias};
        for (int k = 0; k < 2 && names[k]; k++) {
            if (match_has(m, n, names[k])) continue;
            if (glob_match(pat, plen, names[k], strlen(names[k]), 1)) m[n++] = (GetMatch){names[k], e};
        }
    }
    return n;
}

static void config_get_proc(Client *c) {
    GetMatch *m = vmalloc(sizeof(GetMatch) * (size_t)(2 * config_entry_count() + c->argc));
    int n = 0;
    for (int i = 2; i < c->argc; i++) {
        const char *name = arg_str(c, i);
        if (strpbrk(name, "[*?")) {
            n = match_pattern(name, m, n);
            continue;
        }
        if (match_has(m, n, name) || strlen(name) != arg_len(c, i)) continue;
        ConfigEntry *e = config_lookup(name, NULL);
        if (e) m[n++] = (GetMatch){name, e};
    }
    reply_map_len(c, n);
    for (int i = 0; i < n; i++) {
        reply_bulk_cstr(c, m[i].key);
        reply_bulk_sds(c, config_entry_get(&server.cfg, m[i].e));
    }
    vfree(m);
}

/* ---------------------------------------------------------------------------
 * CONFIG SET, RESETSTAT, REWRITE, HELP
 * ------------------------------------------------------------------------- */

static void config_set_proc(Client *c) {
    if (c->argc & 1) {
        reply_error_syntax(c);
        return;
    }
    int n = (c->argc - 2) / 2;
    Sds *names = vmalloc(sizeof(Sds) * (size_t)n), *values = vmalloc(sizeof(Sds) * (size_t)n);
    for (int i = 0; i < n; i++) {
        names[i] = sds_newlen(arg_str(c, 2 + 2 * i), arg_len(c, 2 + 2 * i));
        values[i] = sds_newlen(arg_str(c, 3 + 2 * i), arg_len(c, 3 + 2 * i));
    }
    char msg[512];
    const char *err = set_pairs(&server.cfg, c, names, values, n, msg, sizeof(msg));
    if (err) reply_error(c, err);
    else reply_ok(c);
    for (int i = 0; i < n; i++) {
        sds_free(names[i]);
        sds_free(values[i]);
    }
    vfree(names);
    vfree(values);
}

static void config_resetstat_proc(Client *c) {
    server_reset_stats();
    reply_ok(c);
}

static void config_rewrite_proc(Client *c) {
    if (!server.cfg.configfile) {
        reply_error(c, "The server is running without a config file");
        return;
    }
    if (config_rewrite(&server.cfg, server.cfg.configfile, 0) == -1) {
        int err = errno;
        server_log(LL_WARNING, "CONFIG REWRITE failed: %s", strerror(err));
        reply_errorf(c, "Rewriting config file: %s", strerror(err));
        return;
    }
    server_log(LL_WARNING, "CONFIG REWRITE executed with success.");
    reply_ok(c);
}

static void config_help_proc(Client *c) {
    static const char *help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL};
    reply_help(c, help);
}

#define CONFIG_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define CONFIG_ACL (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS)

static Command config_subcommands[] = {
    {.name = "get", .proc = config_get_proc, .arity = -3, .flags = CONFIG_FLAGS, .acl = CONFIG_ACL,
     .group = "server", .summary = "Get the values of configuration parameters", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = "<parameter:string>...\nhistory 7.0.0 Added the ability to pass multiple pattern parameters in one call"},
    {.name = "set", .proc = config_set_proc, .arity = -4, .flags = CONFIG_FLAGS, .acl = CONFIG_ACL,
     .group = "server", .summary = "Set configuration parameters to the given values", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = "(parameter:string value:string)...\n"
             "history 7.0.0 Added the ability to set multiple parameters in one call.\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:all_succeeded"},
    {.name = "resetstat", .proc = config_resetstat_proc, .arity = 2, .flags = CONFIG_FLAGS, .acl = CONFIG_ACL,
     .group = "server", .summary = "Reset the stats returned by INFO", .since = "2.0.0", .complexity = "O(1)"},
    {.name = "rewrite", .proc = config_rewrite_proc, .arity = 2, .flags = CONFIG_FLAGS, .acl = CONFIG_ACL,
     .group = "server", .summary = "Rewrite the configuration file with the in memory configuration",
     .since = "2.8.0", .complexity = "O(1)"},
    {.name = "help", .proc = config_help_proc, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW,
     .group = "server", .summary = "Show helpful text about the different subcommands", .since = "5.0.0",
     .complexity = "O(1)"},
    {0}};

static Command config_commands[] = {
    {.name = "config", .proc = config_command, .arity = -2, .acl = ACL_SLOW, .group = "server",
     .summary = "A container for server configuration commands", .since = "2.0.0",
     .complexity = "Depends on subcommand.", .subcommands = config_subcommands},
    {0}};

/* Dispatches CONFIG <subcommand> when called directly (the command table normally
 * resolves the subcommand itself). */
void config_command(Client *c) {
    const char *sub = c->argc >= 2 ? arg_str(c, 1) : "";
    for (Command *s = config_subcommands; s->name; s++) {
        if (strcasecmp(s->name, sub)) continue;
        if ((s->arity > 0 && c->argc != s->arity) || c->argc < -s->arity) {
            reply_errorf(c, "wrong number of arguments for 'config|%s' command", s->name);
            return;
        }
        s->proc(c);
        return;
    }
    reply_errorf(c, "unknown subcommand '%.128s'. Try CONFIG HELP.", sub);
}

const Module config_module = {
    .name = "config",
    .commands = config_commands,
};
