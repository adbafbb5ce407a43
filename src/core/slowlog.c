/* slowlog.c - the slow log (SLOWLOG GET/LEN/RESET/HELP) and the per-command hook
 * slowlog_push() that the dispatcher calls after every command.
 *
 * Entries live in a ring of at most slowlog-max-len entries, newest first when
 * read. Each entry copies at most 32 arguments, each cut to 128 bytes, as
 * Redis does, and secrets (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, CONFIG SET of
 * passwords, ACL SETUSER) are stored as "(redacted)". slowlog_push also feeds the latency
 * monitor ("command"/"fast-command" events) and the per-command latency
 * histograms. Costs: O(1) per command below the threshold; O(argc) to log one. */
#include "servercmds_priv.h"
#include "command.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_STRING 128

typedef struct SlowEntry {
    long long id, time, duration;
    int argc;
    Sds *argv;
    Sds peer, name;
} SlowEntry;

static SlowEntry **ring;      /* ring[(head + i) % cap]: i-th oldest */
static size_t ring_cap, ring_head, ring_len;
static long long next_id;

static void entry_free(SlowEntry *e) {
    for (int i = 0; i < e->argc; i++) sds_free(e->argv[i]);
    vfree(e->argv);
    sds_free(e->peer);
    sds_free(e->name);
    vfree(e);
}

/* Whether argument i of c's command cmd holds a secret that the slow log and
 * MONITOR show as "(redacted)". As in Redis, where each command redacts its own
 * arguments once it has parsed them, an AUTH with too many arguments (a syntax
 * error) is shown as sent. */
int command_arg_redacted(const Client *c, const Command *cmd, int i) {
    const char *name = cmd->parent ? cmd->parent->name : cmd->name;
    if (!strcasecmp(name, "auth")) return i >= 1 && c->argc <= 3;
    if (!strcasecmp(name, "hello")) {
        /* HELLO redacts while it parses its options: nothing when the protocol
         * version is refused, and only up to the first bad option */
        long long ver;
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = c->argc >= 2 ? obj_strbuf(c->argv[1], buf, &len) : NULL;
        if (p && (!string2ll(p, len, &ver) || ver < 2 || ver > 3)) return 0;
        for (int j = 2; j < c->argc; j++) {
            int more = c->argc - 1 - j;
            if (arg_is(c->argv[j], "auth") && more >= 2) {
                if (i == j + 1 || i == j + 2) return 1;
                j += 2;
            } else if (arg_is(c->argv[j], "setname") && more >= 1) {
                j++;
            } else {
                return 0;
            }
        }
        return 0;
    }
    if (!strcasecmp(name, "migrate")) {
        for (int j = 6; j < c->argc; j++) {
            if (arg_is(c->argv[j], "auth")) return i == j + 1;
            if (arg_is(c->argv[j], "auth2")) return i == j + 1 || i == j + 2;
        }
        return 0;
    }
    if (cmd->parent && !strcasecmp(name, "acl") && !strcasecmp(cmd->name, "setuser")) return i >= 2;
    if (cmd->parent && !strcasecmp(name, "config") && !strcasecmp(cmd->name, "set") && i >= 3 && i % 2 == 1) {
        const Obj *param = c->argv[i - 1];
        return arg_is(param, "requirepass") || arg_is(param, "masterauth");
    }
    return 0;
}

static Sds entry_arg(const Client *c, const Command *cmd, int i) {
    if (command_arg_redacted(c, cmd, i)) return sds_new("(redacted)");
    const Obj *o = c->argv[i];
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    if (len <= SLOWLOG_MAX_STRING) return sds_newlen(p, len);
    Sds s = sds_newlen(p, SLOWLOG_MAX_STRING);
    return sds_catprintf(s, "... (%lu more bytes)", (unsigned long)(len - SLOWLOG_MAX_STRING));
}

static SlowEntry *entry_create(const Client *c, const Command *cmd, long long duration) {
    SlowEntry *e = vmalloc(sizeof(*e));
    int argc = c->argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : c->argc;
    e->argc = argc;
    e->argv = vmalloc(sizeof(Sds) * (size_t)argc);
    for (int i = 0; i < argc; i++) {
        if (argc != c->argc && i == argc - 1)
            e->argv[i] = sds_catprintf(sds_empty(), "... (%d more arguments)", c->argc - argc + 1);
        else
            e->argv[i] = entry_arg(c, cmd, i);
    }
    e->id = next_id++;
    e->time = (long long)time(NULL);
    e->duration = duration;
    e->peer = sds_new(c->peer);
    e->name = c->name ? sds_dup(c->name) : sds_empty();
    return e;
}

static void ring_trim(size_t max) {
    while (ring_len > max) {
        entry_free(ring[ring_head]);
        ring_head = (ring_head + 1) % ring_cap;
        ring_len--;
    }
}

static void ring_push(SlowEntry *e) {
    if (ring_len == ring_cap) {
        size_t cap = ring_cap ? ring_cap * 2 : 16;
        SlowEntry **n = vmalloc(sizeof(*n) * cap);
        for (size_t i = 0; i < ring_len; i++) n[i] = ring[(ring_head + i) % ring_cap];
        vfree(ring);
        ring = n;
        ring_cap = cap;
        ring_head = 0;
    }
    ring[(ring_head + ring_len) % ring_cap] = e;
    ring_len++;
}

/* The i-th newest entry. */
static SlowEntry *ring_newest(size_t i) { return ring[(ring_head + ring_len - 1 - i) % ring_cap]; }

void slowlog_push(struct Client *c, long long duration_us) {
    const Command *cmd = c->realcmd ? c->realcmd : c->cmd;
    if (!cmd) return;
    if (server.cfg.latency_tracking) latency_record_command(cmd, duration_us); /* a blocking command: when served */
    latency_add_sample_if_needed((cmd->flags & CMD_FAST) ? "fast-command" : "command", duration_us / 1000);
    if (cmd->flags & CMD_SKIP_SLOWLOG) return;
    if (server.cfg.slowlog_log_slower_than < 0) return;
    if (duration_us >= server.cfg.slowlog_log_slower_than && server.cfg.slowlog_max_len > 0)
        ring_push(entry_create(c, cmd, duration_us));
    ring_trim(server.cfg.slowlog_max_len);
}

void slowlog_get_cmd(Client *c) {
    long long count = 10;
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    if (c->argc == 3) {
        if (!arg_ll_range(c, c->argv[2], -1, LONG_MAX, &count, "count should be greater than or equal to -1"))
            return;
        if (count == -1) count = (long long)ring_len;
    }
    size_t n = (size_t)count < ring_len ? (size_t)count : ring_len;
    reply_array_len(c, (long)n);
    for (size_t i = 0; i < n; i++) {
        SlowEntry *e = ring_newest(i);
        reply_array_len(c, 6);
        reply_long(c, e->id);
        reply_long(c, e->time);
        reply_long(c, e->duration);
        reply_array_len(c, e->argc);
        for (int j = 0; j < e->argc; j++) reply_bulk(c, e->argv[j], sds_len(e->argv[j]));
        reply_bulk(c, e->peer, sds_len(e->peer));
        reply_bulk(c, e->name, sds_len(e->name));
    }
}

void slowlog_len_cmd(Client *c) {
    reply_long(c, (long long)ring_len);
}

void slowlog_reset_cmd(Client *c) {
    ring_trim(0);
    reply_ok(c);
}

void slowlog_help_cmd(Client *c) {
    static const char *help[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL};
    reply_help(c, help);
}
