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
 * Invariants: the main thread blocks on the target as Redis does: the connect
 * and each 64 KB write wait at most timeout ms, and each byte of a reply line
 * too (a target that trickles bytes can hold the server longer); a socket error
 * that is not a timeout and comes before the first RESTORE reply is retried
 * once on a new connection. A new connection is opened per call (Redis keeps
 * one cached for 10 s: INFO migrate_cached_sockets stays 0 here).
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

/* The batch: [AUTH] SELECT, then one RESTORE per key still alive, in RESP as the
 * AOF writes commands. Compacts present[] to the keys sent and sets *nsent. */
static Sds migrate_batch(const MigrateOpts *o, long long dbid, int *present, Obj **values, int npresent,
                         Client *c, int *nsent) {
    Sds out = sds_empty();
    Obj *word_auth = obj_string("AUTH", 4), *word_select = obj_string("SELECT", 6);
    Obj *word_restore = obj_string("RESTORE", 7), *word_replace = obj_string("REPLACE", 7);
    if (o->password) {
        Obj *auth[3] = {word_auth, o->username ? o->username : o->password, o->password};
        out = propagate_cat_command(out, auth, o->username ? 3 : 2);
    }
    Obj *select[2] = {word_select, obj_from_ll(dbid)};
    out = propagate_cat_command(out, select, 2);
    obj_decr(select[1]);
    int n = 0;
    for (int j = 0; j < npresent; j++) {
        Obj *key = c->argv[present[j]], *v = values[j];
        long long ttl = 0, when = db_get_expire(v);
        if (when != -1) {
            ttl = when - mstime();
            if (ttl < 0) continue; /* expired while the others were serialized */
            if (ttl < 1) ttl = 1;
        }
        Sds payload = dump_payload(v);
        if (!payload) continue; /* no type here lacks a payload */
        Obj *restore[5] = {word_restore, key, obj_from_ll(ttl), obj_from_sds(payload), word_replace};
        out = propagate_cat_command(out, restore, o->replace ? 5 : 4);
        obj_decr(restore[2]);
        obj_decr(restore[3]);
        present[n++] = present[j];
    }
    obj_decr(word_auth);
    obj_decr(word_select);
    obj_decr(word_restore);
    obj_decr(word_replace);
    *nsent = n;
    return out;
}

enum { MIGRATE_DONE, MIGRATE_CONNECT_ERR, MIGRATE_WRITE_ERR, MIGRATE_READ_ERR };

/* What one connection to the target achieved. */
typedef struct MigrateTry {
    int target_error;   /* the error reply was sent to the client */
    int ndeleted;       /* keys deleted here, in delargv[1..] */
    int retry;          /* a socket error before any RESTORE reply, not a timeout */
} MigrateTry;

/* Connects, sends the batch in 64 KB writes (each within timeout ms, as Redis)
 * and reads the replies (each byte within timeout ms), deleting each key the
 * target accepted unless COPY. Returns MIGRATE_* (the I/O step that failed, or
 * DONE); fills t. Redis 7.0's blocking connect reports success once the socket
 * exists even when the connection is then refused or times out, so such a
 * failure surfaces as a write error, as here; only a failure to start the
 * connection (bad address, unresolvable host) is a connect error. */
static int migrate_try(Client *c, const MigrateOpts *o, int port, long long timeout, Sds out,
                       const int *present, int nsent, Obj **delargv, MigrateTry *t) {
    memset(t, 0, sizeof(*t));
    errno = 0;
    Conn *conn = conn_new_tcp(NULL);
    if (conn_connect_blocking(conn, arg_str(c, 1), port, timeout) == -1) {
        int started = conn->fd != -1, err = conn->last_errno;
        conn_close(conn);
        if (!started) return MIGRATE_CONNECT_ERR;
        t->retry = err != ETIMEDOUT;
        return MIGRATE_WRITE_ERR;
    }
    for (size_t pos = 0, len = sds_len(out); pos < len; pos += 64 * 1024) {
        size_t chunk = len - pos > 64 * 1024 ? 64 * 1024 : len - pos;
        if (conn_sync_write(conn, out + pos, chunk, timeout) == -1) {
            t->retry = errno != ETIMEDOUT;
            conn_close(conn);
            return MIGRATE_WRITE_ERR;
        }
    }

    /* the replies: AUTH's and SELECT's first, then one per RESTORE */
    char authbuf[1024] = "", selbuf[1024] = "", line[1024];
    if ((o->password && conn_sync_readline(conn, authbuf, sizeof(authbuf), timeout) <= 0) ||
        conn_sync_readline(conn, selbuf, sizeof(selbuf), timeout) <= 0) {
        t->retry = errno != ETIMEDOUT;
        conn_close(conn);
        return MIGRATE_READ_ERR;
    }
    int rc = MIGRATE_DONE;
    for (int j = 0; j < nsent; j++) {
        if (conn_sync_readline(conn, line, sizeof(line), timeout) <= 0) {
            t->retry = j == 0 && errno != ETIMEDOUT;
            rc = MIGRATE_READ_ERR;
            break;
        }
        const char *err = authbuf[0] == '-' ? authbuf : selbuf[0] == '-' ? selbuf : line[0] == '-' ? line : NULL;
        if (err) {
            if (!t->target_error) {
                t->target_error = 1;
                reply_errorf(c, "Target instance replied with error: %s", err + 1);
            }
            continue;
        }
        if (o->copy) continue;
        Obj *key = c->argv[present[j]];
        if (db_delete(c->db, key_ptr(key), key_len(key))) {
            db_changed(c->db, key, NOTIFY_GENERIC, "del"); /* counts the change */
            delargv[1 + t->ndeleted++] = key;
        }
    }
    conn_close(conn);
    return rc;
}

static void migrate_cmd(Client *c) {
    MigrateOpts opt;
    if (!migrate_parse(c, &opt)) return;
    long long timeout, dbid;
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

    int nsent = 0;
    Sds out = migrate_batch(&opt, dbid, present, values, npresent, c, &nsent);
    vfree(values);
    /* the port as Redis's atoi reads it: leading digits, wrapped to an int; the
     * resolver and the kernel judge it (0 or 70000 fail when writing, -1 when
     * connecting, as in Redis) */
    int port = (int)strtol(arg_str(c, 2), NULL, 10);
    Obj **delargv = vmalloc(sizeof(Obj *) * ((size_t)nsent + 1));
    MigrateTry t;
    int rc = migrate_try(c, &opt, port, timeout, out, present, nsent, delargv, &t);
    /* Redis retries once, on a new connection, after a socket error that is not
     * a timeout and came before any key was acknowledged */
    if (rc != MIGRATE_DONE && rc != MIGRATE_CONNECT_ERR && t.retry)
        rc = migrate_try(c, &opt, port, timeout, out, present, nsent, delargv, &t);
    sds_free(out);
    vfree(present);

    /* what replicas and the AOF see: DEL of the keys that moved, or nothing */
    if (t.ndeleted) {
        delargv[0] = obj_string("DEL", 3);
        propagate_replace(c, delargv, t.ndeleted + 1);
        obj_decr(delargv[0]);
    } else {
        propagate_prevent(c);
    }
    vfree(delargv);

    if (t.target_error) return; /* replied */
    if (rc == MIGRATE_CONNECT_ERR)
        reply_error(c, "-IOERR error or timeout connecting to the client");
    else if (rc != MIGRATE_DONE)
        reply_errorf(c, "-IOERR error or timeout %s to target instance",
                     rc == MIGRATE_WRITE_ERR ? "writing" : "reading");
    else
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
