/* migrate.c - MIGRATE: moves keys to another Redis-protocol server as DUMP payloads
 * restored there, as Redis 7.0 does.
 *
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *         [AUTH password | AUTH2 username password] [KEYS key ...]
 * The keys that exist are serialized (dump_payload) and sent in one pipelined
 * batch: AUTH when asked, SELECT destination-db, then RESTORE key ttl payload
 * [REPLACE] per key (ttl: the remaining milliseconds, at least 1; a key that
 * expired meanwhile is skipped). Each reply is read in order; a key the target
 * accepted is deleted here unless COPY, and the command then propagates as DEL of
 * those keys. Replies: +OK; +NOKEY when no key exists; "ERR Target instance replied
 * with error: ..." (the first error, keys accepted before it are still moved);
 * "IOERR error or timeout connecting to the client", "... writing to target
 * instance" / "... reading to target instance".
 *
 * Invariants: the main thread blocks on the target for at most timeout ms per
 * step (connect, the write, each reply line), as in Redis; a new connection is
 * opened per call (Redis keeps one cached for 10 s: INFO migrate_cached_sockets
 * stays 0 here).
 * Costs: O(size of the keys' values) to serialize and send. */
#include "rdb.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include "../net/conn.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct MigrateOpts {
    int copy, replace;
    Obj *username, *password;       /* AUTH2 / AUTH; NULL when absent */
    int first_key, nkeys;           /* argv range of the keys */
} MigrateOpts;

/* Parses the options after the fifth argument, as Redis (first error wins). */
static int migrate_parse(Client *c, MigrateOpts *o) {
    memset(o, 0, sizeof(*o));
    o->first_key = 3;
    o->nkeys = 1;
    for (int j = 6; j < c->argc; j++) {
        const char *a = arg_str(c, j);
        int more = c->argc - 1 - j;
        if (!strcasecmp(a, "copy")) {
            o->copy = 1;
        } else if (!strcasecmp(a, "replace")) {
            o->replace = 1;
        } else if (!strcasecmp(a, "auth") && more >= 1) {
            o->password = c->argv[++j];
        } else if (!strcasecmp(a, "auth2") && more >= 2) {
            o->username = c->argv[++j];
            o->password = c->argv[++j];
        } else if (!strcasecmp(a, "keys")) {
            if (arg_len(c, 3) != 0) {
                reply_error(c, "When using MIGRATE KEYS option, the key argument must be set to the empty string");
                return 0;
            }
            o->first_key = j + 1;
            o->nkeys = c->argc - j - 1;
            return 1;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    return 1;
}

static void migrate_cmd(Client *c) {
    MigrateOpts opt;
    if (!migrate_parse(c, &opt)) return;
    long long timeout, dbid, port;
    if (!arg_ll(c, c->argv[5], &timeout, NULL) || !arg_ll(c, c->argv[4], &dbid, NULL)) return;
    if (timeout <= 0) timeout = 1000;

    /* the keys that exist, in argument order (looked up once, as Redis: nothing
     * runs between here and the sends that could change them) */
    int *present = vmalloc(sizeof(int) * (size_t)(opt.nkeys ? opt.nkeys : 1));
    Obj **values = vmalloc(sizeof(Obj *) * (size_t)(opt.nkeys ? opt.nkeys : 1));
    int npresent = 0;
    for (int j = 0; j < opt.nkeys; j++) {
        Obj *o = db_lookup_read(c, c->argv[opt.first_key + j]);
        if (o) {
            values[npresent] = o;
            present[npresent++] = opt.first_key + j;
        }
    }
    if (npresent == 0) {
        vfree(present);
        vfree(values);
        reply_status(c, "NOKEY");
        return;
    }

    Conn *conn = conn_new_tcp(NULL);
    port = atoll(arg_str(c, 2));
    if (port <= 0 || port > 65535 || conn_connect_blocking(conn, arg_str(c, 1), (int)port, timeout) == -1) {
        conn_close(conn);
        vfree(present);
        vfree(values);
        reply_error(c, "-IOERR error or timeout connecting to the client");
        return;
    }

    /* the batch: [AUTH] SELECT, then one RESTORE per key still alive, in RESP as
     * the AOF writes commands */
    Sds out = sds_empty();
    Obj *word_auth = obj_string("AUTH", 4), *word_select = obj_string("SELECT", 6);
    Obj *word_restore = obj_string("RESTORE", 7), *word_replace = obj_string("REPLACE", 7);
    if (opt.password) {
        Obj *auth[3] = {word_auth, opt.username ? opt.username : opt.password, opt.password};
        out = propagate_cat_command(out, auth, opt.username ? 3 : 2);
    }
    Obj *select[2] = {word_select, obj_from_ll(dbid)};
    out = propagate_cat_command(out, select, 2);
    obj_decr(select[1]);
    int nsent = 0;
    for (int j = 0; j < npresent; j++) {
        Obj *key = c->argv[present[j]], *o = values[j];
        long long ttl = 0, when = db_get_expire(o);
        if (when != -1) {
            ttl = when - mstime();
            if (ttl < 0) continue; /* expired while the others were serialized */
            if (ttl < 1) ttl = 1;
        }
        Sds payload = dump_payload(o);
        if (!payload) continue; /* no type here lacks a payload */
        Obj *restore[5] = {word_restore, key, obj_from_ll(ttl), obj_from_sds(payload), word_replace};
        out = propagate_cat_command(out, restore, opt.replace ? 5 : 4);
        obj_decr(restore[2]);
        obj_decr(restore[3]);
        present[nsent++] = present[j];
    }
    obj_decr(word_auth);
    obj_decr(word_select);
    obj_decr(word_restore);
    obj_decr(word_replace);

    const char *ioerr = NULL;
    if (conn_sync_write(conn, out, sds_len(out), timeout) == -1) ioerr = "writing";
    sds_free(out);

    /* the replies: AUTH's and SELECT's first, then one per RESTORE */
    char authbuf[1024] = "", selbuf[1024] = "", line[1024];
    if (!ioerr && opt.password && conn_sync_readline(conn, authbuf, sizeof(authbuf), timeout) <= 0) ioerr = "reading";
    if (!ioerr && conn_sync_readline(conn, selbuf, sizeof(selbuf), timeout) <= 0) ioerr = "reading";
    int target_error = 0, ndeleted = 0;
    Obj **delargv = vmalloc(sizeof(Obj *) * ((size_t)nsent + 1));
    for (int j = 0; !ioerr && j < nsent; j++) {
        if (conn_sync_readline(conn, line, sizeof(line), timeout) <= 0) {
            ioerr = "reading";
            break;
        }
        const char *err = authbuf[0] == '-' ? authbuf : selbuf[0] == '-' ? selbuf : line[0] == '-' ? line : NULL;
        if (err) {
            if (!target_error) {
                target_error = 1;
                reply_errorf(c, "Target instance replied with error: %s", err + 1);
            }
            continue;
        }
        if (opt.copy) continue;
        Obj *key = c->argv[present[j]];
        if (db_delete(c->db, key_ptr(key), key_len(key))) {
            db_changed(c->db, key, NOTIFY_GENERIC, "del"); /* counts the change */
            delargv[1 + ndeleted++] = key;
        }
    }
    conn_close(conn);
    vfree(present);
    vfree(values);

    /* what replicas and the AOF see: DEL of the keys that moved, or nothing */
    if (ndeleted) {
        delargv[0] = obj_string("DEL", 3);
        propagate_replace(c, delargv, ndeleted + 1);
        obj_decr(delargv[0]);
    } else {
        propagate_prevent(c);
    }
    vfree(delargv);

    if (ioerr && !target_error)
        reply_errorf(c, "-IOERR error or timeout %s to target instance", ioerr);
    else if (!target_error)
        reply_ok(c);
}

/* Keys: argv[3], or every argument after KEYS when argv[3] is "" (Redis's
 * migrateGetKeys). */
static int migrate_getkeys(int argc, Obj **argv, int *keys, int max) {
    int first = 3, n = 1;
    if (argc > 6 && key_len(argv[3]) == 0) {
        for (int j = 6; j < argc; j++) {
            const char *a = key_ptr(argv[j]);
            if (!strcasecmp(a, "auth")) {
                j++;
            } else if (!strcasecmp(a, "auth2")) {
                j += 2;
            } else if (!strcasecmp(a, "keys")) {
                first = j + 1;
                n = argc - j - 1;
                break;
            }
        }
    }
    int k = 0;
    for (int j = 0; j < n && k < max; j++) keys[k++] = first + j;
    return k;
}

static Command migrate_commands[] = {
    {.name = "migrate", .proc = migrate_cmd, .arity = -6, .flags = CMD_WRITE,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "generic",
     .summary = "Atomically transfer a key from a Redis instance to another one.", .since = "2.6.0",
     .complexity = "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the "
                   "target instance. See the pages of these commands for time complexity. Also an O(N) data "
                   "transfer between the two instances is performed.",
     .args = "host:string port:integer (key:key|''{empty_string}){key_or_empty_string} destination-db:integer "
             "timeout:integer [COPY]{@3.0.0} [REPLACE]{@3.0.0} "
             "[[AUTH password:string]{@4.0.7}|[AUTH2 username:string password:string]{username_password @6.0.0}]"
             "{authentication} [KEYS key:key...{@3.0.6}]\n"
             "history 3.0.0 Added the `COPY` and `REPLACE` options.\n"
             "history 3.0.6 Added the `KEYS` option.\n"
             "history 4.0.7 Added the `AUTH` option.\n"
             "history 6.0.0 Added the `AUTH2` option.\n"
             "tip nondeterministic_output",
     .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_DELETE, 3, 0, 1),
                  {.flags = KS_RW | KS_ACCESS | KS_DELETE | KS_INCOMPLETE, .bs_keyword = "KEYS", .bs_startfrom = -2,
                   .fk_type = 0, .fk_lastkey = -1, .fk_step = 1}},
     .nkeyspecs = 2, .getkeys = migrate_getkeys},
    {0}};

const Module migrate_module = {
    .name = "migrate",
    .commands = migrate_commands,
};
