/* conncmds.c - the connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO and
 * CLIENT with its subcommands, plus client_info_string() (one CLIENT LIST line).
 *
 * Authentication knows the "default" user only: it is passwordless when
 * requirepass is unset, else its password is requirepass. RESET drops the state
 * every subsystem keeps for the client through the modules' client_reset hooks;
 * CLIENT LIST asks the transaction, blocking and pub/sub modules for theirs.
 * Costs: CLIENT LIST and CLIENT KILL walk the client list, O(clients); the other
 * commands are O(1) besides their reply. */
#include "conncmds.h"
#include "command.h"
#include "db.h"
#include "blocking.h"
#include "module.h"
#include "multi.h"
#include "pubsub.h"
#include "server.h"
#include "tracking.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <limits.h>
#include <string.h>
#include <strings.h>

#define CLIENT_TYPE_MASTER_FILTER 100   /* no client is a master yet */

/* ---------------- authentication ---------------- */

static int requirepass_set(void) { return server.cfg.requirepass && server.cfg.requirepass[0]; }

/* Compares in time independent of where the inputs differ. */
static int secret_equal(const char *a, size_t alen, const char *b, size_t blen) {
    unsigned diff = alen != blen;
    for (size_t i = 0; i < alen; i++) diff |= (unsigned char)a[i] ^ (unsigned char)b[i % (blen ? blen : 1)];
    return diff == 0 && alen == blen;
}

int conn_authenticate(Client *c, const char *user, size_t ulen, const char *pass, size_t plen) {
    if (ulen != 7 || memcmp(user, "default", 7) != 0) return 0;
    if (requirepass_set()) {
        const char *rp = server.cfg.requirepass;
        if (!secret_equal(pass, plen, rp, server.cfg.requirepass_len)) return 0;
    }
    c->authenticated = 1;
    c->user = "default";
    return 1;
}

static void set_default_auth(Client *c) {
    c->user = "default";
    c->authenticated = !requirepass_set();
}

/* ---------------- PING, ECHO, QUIT, RESET, AUTH ---------------- */

static void conncmd_ping(Client *c) {
    if (c->argc > 2) {
        reply_error_arity(c);
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        reply_array_len(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 1) reply_bulk(c, "", 0);
        else reply_bulk_obj(c, c->argv[1]);
    } else if (c->argc == 1) {
        reply_status(c, "PONG");
    } else {
        reply_bulk_obj(c, c->argv[1]);
    }
}

static void conncmd_echo(Client *c) { reply_bulk_obj(c, c->argv[1]); }

static void conncmd_quit(Client *c) {
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void conncmd_reset(Client *c) {
    modules_client_reset(c);
    c->flags &= ~(CLIENT_MONITOR | CLIENT_PUBSUB | CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT |
                  CLIENT_NO_TOUCH | CLIENT_NO_EVICT);
    client_select_db(c, 0);
    c->resp = 2;
    set_default_auth(c);
    client_set_name(c, NULL);
    reply_status(c, "RESET");
}

static void conncmd_auth(Client *c) {
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    const char *user = "default";
    size_t ulen = 7;
    int pass_arg = 1;
    if (c->argc == 2) {
        if (!requirepass_set()) {
            reply_error(c, "AUTH <password> called without any password configured for the default user. "
                           "Are you sure your configuration is correct?");
            return;
        }
    } else {
        user = arg_str(c, 1);
        ulen = arg_len(c, 1);
        pass_arg = 2;
    }
    if (conn_authenticate(c, user, ulen, arg_str(c, pass_arg), arg_len(c, pass_arg)))
        reply_ok(c);
    else
        reply_error(c, "-WRONGPASS invalid username-password pair or user is disabled.");
}

/* ---------------- client names ---------------- */

static int valid_attr_value(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i] < '!' || p[i] > '~') return 0;
    return 1;
}

/* Sets (or with an empty name, clears) the client name; replies with the error and
 * returns 0 when the name has forbidden characters. */
static int set_name_or_reply(Client *c, const Obj *name) {
    const char *p = name->ptr;
    size_t len = sds_len(name->ptr);
    if (!valid_attr_value(p, len)) {
        reply_error(c, "Client names cannot contain spaces, newlines or special characters.");
        return 0;
    }
    client_set_name(c, len ? sds_newlen(p, len) : NULL);
    return 1;
}

/* ---------------- HELLO ---------------- */

static void reply_hello_map(Client *c) {
    reply_map_len(c, 6 + !server.sentinel_mode);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, VESPER_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_long(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_long(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, server.sentinel_mode ? "sentinel" : "standalone");
    if (!server.sentinel_mode) {
        reply_bulk_cstr(c, "role");
        reply_bulk_cstr(c, "master");
    }
    reply_bulk_cstr(c, "modules");
    reply_array_len(c, 0);
}

static void conncmd_hello(Client *c) {
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (!arg_ll(c, c->argv[next++], &ver, "Protocol version is not an integer or out of range")) return;
        if (ver < 2 || ver > 3) {
            reply_error(c, "-NOPROTO unsupported protocol version");
            return;
        }
    }
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(c->argv[j], "auth") && more >= 2) {
            if (!conn_authenticate(c, arg_str(c, j + 1), arg_len(c, j + 1), arg_str(c, j + 2), arg_len(c, j + 2))) {
                reply_error(c, "-WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            j += 2;
        } else if (arg_is(c->argv[j], "setname") && more) {
            if (!set_name_or_reply(c, c->argv[j + 1])) return;
            j++;
        } else {
            reply_errorf(c, "Syntax error in HELLO option '%s'", arg_str(c, j));
            return;
        }
    }
    if (!c->authenticated) {
        reply_error(c, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                       "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                       "the RESP protocol version at the same time");
        return;
    }
    if (ver) c->resp = (int)ver;
    reply_hello_map(c);
}

/* ---------------- CLIENT LIST / INFO ---------------- */

void client_flags_string(const Client *c, char *out) {
    char *p = out;
    if (c->flags & CLIENT_REPLICA) *p++ = 'S';
    if (c->flags & CLIENT_MONITOR) *p++ = 'O';
    if (c->flags & CLIENT_PUBSUB) *p++ = 'P';
    if (c->flags & CLIENT_MULTI) *p++ = 'x';
    if (c->flags & CLIENT_BLOCKED) *p++ = 'b';
    if (c->flags & CLIENT_TRACKING) *p++ = 't';
    if (c->flags & CLIENT_TRACKING_BROKEN_REDIR) *p++ = 'R';
    if (c->flags & CLIENT_TRACKING_BCAST) *p++ = 'B';
    if (c->flags & CLIENT_DIRTY_CAS) *p++ = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (c->flags & CLIENT_UNIX_SOCKET) *p++ = 'U';
    if (c->flags & CLIENT_NO_EVICT) *p++ = 'e';
    if (c->flags & CLIENT_NO_TOUCH) *p++ = 'T';
    if (p == out) *p++ = 'N';
    *p = '\0';
}

static void client_events_string(const Client *c, char *out) {
    char *p = out;
    if (c->conn && server.el) {
        int mask = ev_get_file_mask(server.el, client_fd(c));
        if (mask & EV_READABLE) *p++ = 'r';
        if (mask & EV_WRITABLE) *p++ = 'w';
    }
    *p = '\0';
}

static size_t reply_block_count(const Client *c) {
    size_t n = 0;
    for (const ReplyBlock *b = c->reply_head; b; b = b->next) n++;
    return n;
}

Sds client_info_string(Client *c) {
    char flags[24], events[3];
    int sub = 0, psub = 0, ssub = 0;
    size_t multi_mem;
    client_flags_string(c, flags);
    client_events_string(c, events);
    pubsub_client_counts(c, &sub, &psub, &ssub);
    int multi = multi_client_state(c, &multi_mem);
    const struct Command *cmd = c->lastcmd;
    size_t qlen = c->querybuf ? sds_len(c->querybuf) : 0, qfree = c->querybuf ? sds_avail(c->querybuf) : 0;
    return sds_catprintf(sds_empty(),
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%d psub=%d ssub=%d "
        "multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=%zu obl=%zu oll=%zu "
        "omem=%zu tot-mem=%zu events=%s cmd=%s user=%s redir=%lld resp=%d lib-name=%s lib-ver=%s",
        (unsigned long long)c->id, c->peer, c->sock, client_fd(c), c->name ? c->name : "",
        (long long)(server.unixtime - c->ctime), (long long)(server.unixtime - c->last_interaction), flags,
        c->db ? c->db->id : 0, sub, psub, ssub, multi, qlen, qfree, c->argv_len_sum, multi_mem, c->buf_size,
        c->buf_peak, c->bufpos, reply_block_count(c), c->reply_bytes, client_total_memory(c), events,
        cmd && cmd->fullname ? cmd->fullname : "NULL", c->user ? c->user : "(superuser)", tracking_redirect_of(c), c->resp,
        c->lib_name ? c->lib_name : "", c->lib_ver ? c->lib_ver : "");
}

/* Client type from its CLIENT LIST/KILL name, -1 if unknown. */
static int client_type_by_name(const char *name) {
    if (!strcasecmp(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return CLIENT_TYPE_REPLICA;
    if (!strcasecmp(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    if (!strcasecmp(name, "master")) return CLIENT_TYPE_MASTER_FILTER;
    return -1;
}

static int client_type_or_reply(Client *c, int argi, int *type) {
    *type = client_type_by_name(arg_str(c, argi));
    if (*type == -1) {
        reply_errorf(c, "Unknown client type '%s'", arg_str(c, argi));
        return 0;
    }
    return 1;
}

static Sds clients_info(Sds o, int type) {
    for (Client *cl = clients_first(); cl; cl = cl->next) {
        if (type != -1 && client_type(cl) != type) continue;
        Sds line = client_info_string(cl);
        o = sds_catsds(o, line);
        o = sds_catlen(o, "\n", 1);
        sds_free(line);
    }
    return o;
}

static void conncmd_client_list(Client *c) {
    int type = -1;
    Sds o = NULL;
    if (c->argc == 4 && arg_is(c->argv[2], "type")) {
        if (!client_type_or_reply(c, 3, &type)) return;
    } else if (c->argc > 3 && arg_is(c->argv[2], "id")) {
        o = sds_empty();
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!arg_ll(c, c->argv[j], &id, "Invalid client ID")) {
                sds_free(o);
                return;
            }
            Client *cl = client_by_id((uint64_t)id);
            if (!cl) continue;
            Sds line = client_info_string(cl);
            o = sds_catsds(o, line);
            o = sds_catlen(o, "\n", 1);
            sds_free(line);
        }
    } else if (c->argc != 2) {
        reply_error_syntax(c);
        return;
    }
    if (!o) o = clients_info(sds_empty(), type);
    reply_verbatim(c, o, sds_len(o), "txt");
    sds_free(o);
}

static void conncmd_client_info(Client *c) {
    Sds o = client_info_string(c);
    o = sds_catlen(o, "\n", 1);
    reply_verbatim(c, o, sds_len(o), "txt");
    sds_free(o);
}

/* ---------------- CLIENT KILL ---------------- */

typedef struct KillFilter {
    const char *addr, *laddr, *user;
    int type;
    uint64_t id;
    int skipme;
    long long maxage;
} KillFilter;

static int kill_parse_option(Client *c, int i, KillFilter *f) {
    const Obj *opt = c->argv[i];
    const char *val = arg_str(c, i + 1);
    if (arg_is(opt, "id")) {
        long long id;
        if (!arg_ll_range(c, c->argv[i + 1], 1, LLONG_MAX, &id, "client-id should be greater than 0")) return 0;
        f->id = (uint64_t)id;
    } else if (arg_is(opt, "type")) {
        if (!client_type_or_reply(c, i + 1, &f->type)) return 0;
    } else if (arg_is(opt, "addr")) {
        f->addr = val;
    } else if (arg_is(opt, "laddr")) {
        f->laddr = val;
    } else if (arg_is(opt, "user")) {
        if (strcmp(val, "default") != 0) {
            reply_errorf(c, "No such user '%s'", val);
            return 0;
        }
        f->user = val;
    } else if (arg_is(opt, "skipme")) {
        if (!strcasecmp(val, "yes")) f->skipme = 1;
        else if (!strcasecmp(val, "no")) f->skipme = 0;
        else {
            reply_error_syntax(c);
            return 0;
        }
    } else if (arg_is(opt, "maxage")) {
        if (!arg_ll(c, c->argv[i + 1], &f->maxage, NULL)) return 0;
    } else {
        reply_error_syntax(c);
        return 0;
    }
    return 1;
}

static int kill_matches(const Client *c, const Client *cl, const KillFilter *f) {
    if (f->addr && strcmp(cl->peer, f->addr) != 0) return 0;
    if (f->laddr && strcmp(cl->sock, f->laddr) != 0) return 0;
    if (f->type != -1 && client_type(cl) != f->type) return 0;
    if (f->id && cl->id != f->id) return 0;
    if (f->user && (!cl->user || strcmp(cl->user, f->user) != 0)) return 0;
    if (f->maxage > 0 && server.unixtime - cl->ctime < f->maxage) return 0;
    if (c == cl && f->skipme) return 0;
    return 1;
}

static void conncmd_client_kill(Client *c) {
    KillFilter f = {NULL, NULL, NULL, -1, 0, 1, 0};
    if (c->argc == 3) {
        f.addr = arg_str(c, 2);
        f.skipme = 0; /* the old form may kill the caller */
    } else {
        for (int i = 2; i < c->argc; i += 2) {
            if (i + 1 >= c->argc) {
                reply_error_syntax(c);
                return;
            }
            if (!kill_parse_option(c, i, &f)) return;
        }
    }
    long long killed = 0;
    int close_self = 0;
    for (Client *cl = clients_first(); cl; cl = cl->next) {
        if (!kill_matches(c, cl, &f)) continue;
        if (cl == c) close_self = 1;
        else client_free_async(cl);
        killed++;
    }
    if (c->argc == 3) {
        if (killed == 0) reply_error(c, "No such client");
        else reply_ok(c);
    } else {
        reply_long(c, killed);
    }
    if (close_self) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* ---------------- other CLIENT subcommands ---------------- */

static void conncmd_client_id(Client *c) { reply_long(c, (long long)c->id); }

static void conncmd_client_setname(Client *c) {
    if (set_name_or_reply(c, c->argv[2])) reply_ok(c);
}

static void conncmd_client_getname(Client *c) {
    if (c->name) reply_bulk(c, c->name, sds_len(c->name));
    else reply_null(c);
}

static void conncmd_client_reply(Client *c) {
    if (arg_is(c->argv[2], "on")) {
        c->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
        reply_ok(c);
    } else if (arg_is(c->argv[2], "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (arg_is(c->argv[2], "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_error_syntax(c);
    }
}

/* CLIENT NO-EVICT / NO-TOUCH ON|OFF */
static void set_flag_on_off(Client *c, uint64_t flag) {
    if (arg_is(c->argv[2], "on")) {
        c->flags |= flag;
        reply_ok(c);
    } else if (arg_is(c->argv[2], "off")) {
        c->flags &= ~flag;
        reply_ok(c);
    } else {
        reply_error_syntax(c);
    }
}

static void conncmd_client_no_evict(Client *c) { set_flag_on_off(c, CLIENT_NO_EVICT); }
static void conncmd_client_no_touch(Client *c) { set_flag_on_off(c, CLIENT_NO_TOUCH); }

static void conncmd_client_setinfo(Client *c) {
    const char *attr = arg_str(c, 2);
    Sds *dest;
    if (!strcasecmp(attr, "lib-name")) dest = &c->lib_name;
    else if (!strcasecmp(attr, "lib-ver")) dest = &c->lib_ver;
    else {
        reply_errorf(c, "Unrecognized option '%s'", attr);
        return;
    }
    if (!valid_attr_value(arg_str(c, 3), arg_len(c, 3))) {
        reply_errorf(c, "%s cannot contain spaces, newlines or special characters.", attr);
        return;
    }
    sds_free(*dest);
    *dest = arg_len(c, 3) ? sds_newlen(arg_str(c, 3), arg_len(c, 3)) : NULL;
    reply_ok(c);
}

static void conncmd_client_pause(Client *c) {
    int type = CLIENT_PAUSE_ALL;
    long long ms;
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c); /* as Redis: CLIENT PAUSE takes 1 or 2 arguments */
        return;
    }
    if (c->argc == 4) {
        if (arg_is(c->argv[3], "write")) type = CLIENT_PAUSE_WRITE;
        else if (!arg_is(c->argv[3], "all")) {
            reply_error(c, "CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    if (!arg_ll(c, c->argv[2], &ms, "timeout is not an integer or out of range")) return;
    if (ms < 0) {
        reply_error(c, "timeout is negative");
        return;
    }
    long long now = mstime();
    block_pause(type, ms > LLONG_MAX - now ? LLONG_MAX : now + ms);
    reply_ok(c);
}

static void conncmd_client_unpause(Client *c) {
    block_unpause();
    reply_ok(c);
}

static void conncmd_client_unblock(Client *c) {
    int with_error = 0;
    long long id;
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c); /* as Redis: an id and at most a reason */
        return;
    }
    if (c->argc == 4) {
        if (arg_is(c->argv[3], "error")) with_error = 1;
        else if (!arg_is(c->argv[3], "timeout")) {
            reply_error(c, "CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    if (!arg_ll(c, c->argv[2], &id, NULL)) return;
    Client *target = client_by_id((uint64_t)id);
    if (target && block_unblock(target, with_error)) {
        reply_long(c, 1);
    } else {
        reply_long(c, 0);
    }
}

static void conncmd_client_help(Client *c) {
    static const char *help[] = {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        NULL};
    reply_help(c, help);
}

/* ---------------- command tables ---------------- */

/* The table is the source of COMMAND INFO/DOCS; tests/integration/test_command_table.py
 * checks it against Redis 7.0.15's. The client-side caching subcommands run in
 * tracking.c. */
static Command client_subcommands[] = {
    {.name = "caching", .proc = tracking_cmd_caching, .arity = 3,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Instruct the server about tracking or not keys in the next request",
     .since = "6.0.0", .complexity = "O(1)", .args = "(YES|NO){mode}"},
    {.name = "getname", .proc = conncmd_client_getname, .arity = 2,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Get the current connection name", .since = "2.6.9",
     .complexity = "O(1)"},
    {.name = "getredir", .proc = tracking_cmd_getredir, .arity = 2,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Get tracking notifications redirection client ID if any",
     .since = "6.0.0", .complexity = "O(1)"},
    {.name = "help", .proc = conncmd_client_help, .arity = 2, .flags = CMD_LOADING|CMD_STALE|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "connection",
     .summary = "Show helpful text about the different subcommands", .since = "5.0.0",
     .complexity = "O(1)"},
    {.name = "id", .proc = conncmd_client_id, .arity = 2,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Returns the client ID for the current connection",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "info", .proc = conncmd_client_info, .arity = 2,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Returns information about the current client connection.",
     .since = "6.2.0", .complexity = "O(1)",
     .args = "\n"
             "tip nondeterministic_output"},
    {.name = "kill", .proc = conncmd_client_kill, .arity = -3,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Kill the connection of a client", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .args = "(ip:port:string{!2.8.12}|([ID client-id:integer]{@2.8.12}|[TYPE (NORMAL|MASTER{@3.2.0}|SLAVE|REPLICA{@5.0.0}|PUBSUB)]{normal_master_slave_pubsub @2.8.12}|[USER username:string]|[ADDR ip:port:string]|[LADDR ip:port:string]{@6.2.0}|[SKIPME yes/no:string])...{new-format}){filter}\n"
             "history 2.8.12 Added new filter format.\n"
             "history 2.8.12 `ID` option.\n"
             "history 3.2.0 Added `master` type in for `TYPE` option.\n"
             "history 5.0.0 Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.\n"
             "history 6.2.0 `LADDR` option."},
    {.name = "list", .proc = conncmd_client_list, .arity = -2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Get the list of client connections", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .args = "[TYPE (NORMAL|MASTER|REPLICA|PUBSUB)]{@5.0.0} [<ID client-id:integer...>]{id @6.2.0}\n"
             "history 2.8.12 Added unique client `id` field.\n"
             "history 5.0.0 Added optional `TYPE` filter.\n"
             "history 6.0.0 Added `user` field.\n"
             "history 6.2.0 Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.\n"
             "history 7.0.0 Added `resp`, `multi-mem`, `rbs` and `rbp` fields.\n"
             "history 7.0.3 Added `ssub` field.\n"
             "tip nondeterministic_output"},
    {.name = "no-evict", .proc = conncmd_client_no_evict, .arity = 3,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Set client eviction mode for the current connection",
     .since = "7.0.0", .complexity = "O(1)", .args = "(ON|OFF){enabled}"},
    {.name = "pause", .proc = conncmd_client_pause, .arity = -3,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Stop processing commands from clients for some time",
     .since = "2.9.50", .complexity = "O(1)",
     .args = "timeout:integer [WRITE|ALL]{mode @6.2.0}\n"
             "history 6.2.0 `CLIENT PAUSE WRITE` mode added along with the `mode` option."},
    {.name = "reply", .proc = conncmd_client_reply, .arity = 3,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Instruct the server whether to reply to commands",
     .since = "3.2.0", .complexity = "O(1)", .args = "(ON|OFF|SKIP)"},
    {.name = "setname", .proc = conncmd_client_setname, .arity = 3,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Set the current connection name", .since = "2.6.9",
     .complexity = "O(1)", .args = "connection-name:string"},
    {.name = "tracking", .proc = tracking_cmd_tracking, .arity = -3,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Enable or disable server assisted client side caching support",
     .since = "6.0.0", .complexity = "O(1). Some options may introduce additional complexity.",
     .args = "(ON|OFF){status} [REDIRECT client-id:integer] [PREFIX prefix:string]...{+} [BCAST] "
             "[OPTIN] [OPTOUT] [NOLOOP]"},
    {.name = "trackinginfo", .proc = tracking_cmd_trackinginfo, .arity = 2,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection",
     .summary = "Return information about server assisted client side caching for the current connection",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "unblock", .proc = conncmd_client_unblock, .arity = -3,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection",
     .summary = "Unblock a client blocked in a blocking command from a different connection",
     .since = "5.0.0", .complexity = "O(log N) where N is the number of client connections",
     .args = "client-id:integer [TIMEOUT|ERROR]"},
    {.name = "unpause", .proc = conncmd_client_unpause, .arity = 2,
     .flags = CMD_ADMIN|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION,
     .group = "connection", .summary = "Resume processing of clients that were paused", .since = "6.2.0",
     .complexity = "O(N) Where N is the number of paused clients"},
    /* Redis 7.2 additions: clients send CLIENT SETINFO when they connect. */
    {.name = "no-touch", .proc = conncmd_client_no_touch, .arity = 3, .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE,
     .acl = ACL_CONNECTION, .group = "connection",
     .summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed keys",
     .since = "7.2.0", .complexity = "O(1)", .args = "(ON|OFF){enabled}"},
    {.name = "setinfo", .proc = conncmd_client_setinfo, .arity = 4,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_SENTINEL, .acl = ACL_CONNECTION, .group = "connection",
     .summary = "Set client or connection specific info", .since = "7.2.0", .complexity = "O(1)",
     .args = "(LIB-NAME libname:string|LIB-VER libver:string){attr}\n"
             "tip request_policy:all_nodes\n"
             "tip response_policy:all_succeeded"},
    {0}};

static Command connection_commands[] = {
    {.name = "auth", .proc = conncmd_auth, .arity = -2,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_FAST|CMD_NO_AUTH|CMD_SENTINEL|CMD_ALLOW_BUSY,
     .acl = ACL_CONNECTION, .group = "connection", .summary = "Authenticate to the server",
     .since = "1.0.0", .complexity = "O(N) where N is the number of passwords defined for the user",
     .args = "[username:string]{@6.0.0} password:string\n"
             "history 6.0.0 Added ACL style (username and password)."},
    {.name = "client", .proc = NULL, .arity = -2, .flags = CMD_SENTINEL, .acl = 0, .group = "connection",
     .summary = "A container for client connection commands", .since = "2.4.0",
     .complexity = "Depends on subcommand.", .subcommands = client_subcommands},
    {.name = "echo", .proc = conncmd_echo, .arity = 2, .flags = CMD_LOADING|CMD_STALE|CMD_FAST,
     .acl = ACL_CONNECTION, .group = "connection", .summary = "Echo the given string", .since = "1.0.0",
     .complexity = "O(1)", .args = "message:string"},
    {.name = "hello", .proc = conncmd_hello, .arity = -1,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_FAST|CMD_NO_AUTH|CMD_SENTINEL|CMD_ALLOW_BUSY,
     .acl = ACL_CONNECTION, .group = "connection", .summary = "Handshake with Redis", .since = "6.0.0",
     .complexity = "O(1)",
     .args = "[protover:integer [AUTH username:string password:string] [SETNAME clientname:string]]{arguments}\n"
             "history 6.2.0 `protover` made optional; when called without arguments the command reports the current connection's context."},
    {.name = "ping", .proc = conncmd_ping, .arity = -1, .flags = CMD_FAST|CMD_SENTINEL,
     .acl = ACL_CONNECTION, .group = "connection", .summary = "Ping the server", .since = "1.0.0",
     .complexity = "O(1)",
     .args = "[message:string]\n"
             "tip request_policy:all_shards\n"
             "tip response_policy:all_succeeded"},
    {.name = "quit", .proc = conncmd_quit, .arity = -1,
     .flags = CMD_ALLOW_BUSY|CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_FAST|CMD_NO_AUTH,
     .acl = ACL_CONNECTION, .group = "connection", .summary = "Close the connection", .since = "1.0.0",
     .complexity = "O(1)"},
    {.name = "reset", .proc = conncmd_reset, .arity = 1,
     .flags = CMD_NOSCRIPT|CMD_LOADING|CMD_STALE|CMD_FAST|CMD_NO_AUTH|CMD_ALLOW_BUSY,
     .acl = ACL_CONNECTION, .group = "connection", .summary = "Reset the connection", .since = "6.2.0",
     .complexity = "O(1)"},
    {0}};

const Module connection_module = {
    .name = "connection",
    .commands = connection_commands,
};
