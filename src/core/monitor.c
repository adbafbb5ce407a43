/* monitor.c - MONITOR: clients that receive one status line per command the server
 * executes, as Redis 7.0 sends them.
 *
 * A line is "+<secs>.<usecs> [<db> <origin>] "arg" "arg" ...": the time it was fed,
 * the database the client is in after the command, the origin ("ip:port",
 * "unix:<unixsocket>", or "lua" for a command a script runs), then every argument
 * quoted as sds_catrepr does. Dispatch feeds a command after it ran
 * (command_call), once per request: a blocked command is shown when it first
 * runs, not when it is served. Commands flagged skip-monitor or admin are not
 * shown, rejected ones never reach command_call, and secrets (command_arg_redacted)
 * are shown as "(redacted)". Inside a transaction MULTI is shown when it runs, the
 * queued commands as EXEC runs each, then EXEC. Nothing is fed while loading.
 * A monitor is a normal client for CLIENT LIST/KILL and the output buffer limits,
 * so one that does not read is cut off by the normal class's limit.
 * Costs: one test of monitor_count per command when nobody monitors; otherwise
 * O(argument bytes) to format the line once, then one copy per monitor. */
#include "monitor.h"
#include "command.h"
#include "db.h"
#include "module.h"
#include "reply.h"
#include "server.h"
#include "servercmds.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <string.h>
#include <sys/time.h>

int monitor_count;
static Client **monitors;
static int monitors_cap;

static void monitor_remove(Client *c) {
    for (int i = 0; i < monitor_count; i++) {
        if (monitors[i] != c) continue;
        memmove(monitors + i, monitors + i + 1, sizeof(Client *) * (size_t)(monitor_count - i - 1));
        monitor_count--;
        break;
    }
    c->flags &= ~CLIENT_MONITOR;
}

static void monitor_cmd(Client *c) {
    if (c->flags & CLIENT_DENY_BLOCKING) {
        /* inside EXEC (or a script) every command owes one reply */
        reply_error(c, "MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & (CLIENT_MONITOR | CLIENT_REPLICA)) return; /* already streaming: no reply, as Redis */
    if (monitor_count == monitors_cap) {
        monitors_cap = monitors_cap ? monitors_cap * 2 : 4;
        monitors = vrealloc(monitors, sizeof(Client *) * (size_t)monitors_cap);
    }
    monitors[monitor_count++] = c;
    c->flags |= CLIENT_MONITOR;
    reply_ok(c);
}

/* RESET and client release: the client stops monitoring. */
static void monitor_client_reset(Client *c) {
    if (c->flags & CLIENT_MONITOR) monitor_remove(c);
}

Sds monitor_format(Client *c, Command *cmd, long long sec, long usec) {
    Sds line = sds_catprintf(sds_empty(), "+%lld.%06ld ", sec, usec);
    int dbid = c->db ? c->db->id : 0;
    if (c->flags & CLIENT_SCRIPT)
        line = sds_catprintf(line, "[%d lua] ", dbid);
    else if (c->flags & CLIENT_UNIX_SOCKET)
        line = sds_catprintf(line, "[%d unix:%s] ", dbid, server.cfg.unixsocket ? server.cfg.unixsocket : "");
    else
        line = sds_catprintf(line, "[%d %s] ", dbid, c->peer);
    for (int i = 0; i < c->argc; i++) {
        if (i) line = sds_catlen(line, " ", 1);
        if (command_arg_redacted(c, cmd, i)) {
            line = sds_catlen(line, "\"(redacted)\"", 12);
            continue;
        }
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = obj_strbuf(c->argv[i], buf, &len);
        line = sds_catrepr(line, p, len);
    }
    return sds_catlen(line, "\r\n", 2);
}

void monitor_feed(Client *c, Command *cmd, int rerun) {
    if (rerun || (cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN))) return;
    monitor_feed_always(c, cmd);
}

void monitor_feed_always(Client *c, Command *cmd) {
    if (!monitor_count || server.loading) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    Sds line = monitor_format(c, cmd, (long long)tv.tv_sec, (long)tv.tv_usec);
    /* a monitor cut off by its output limit leaves the list only when freed */
    for (int i = 0; i < monitor_count; i++) reply_raw(monitors[i], line, sds_len(line));
    sds_free(line);
}

static Command monitor_commands[] = {
    {.name = "monitor", .proc = monitor_cmd, .arity = 1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Listen for all requests received by the server in real time", .since = "1.0.0"},
    {0}};

const Module monitor_module = {
    .name = "monitor",
    .commands = monitor_commands,
    .client_reset = monitor_client_reset,
};
