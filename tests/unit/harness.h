/* harness.h - an in-process Vesper server for unit tests: no listening socket,
 * the real command table, keyspace, dispatch, propagation and blocking modules.
 *
 * h_server_init() starts it once per test binary (modules register once per
 * process); h_reset(), used as every test's teardown, frees the clients the test
 * made through the harness, empties the databases and puts back the settings the
 * harness knows tests change, so one failing test does not poison the next.
 *
 * Clients: h_fake() is a fake client (no connection, not on the client list, as a
 * script's or the AOF's); h_conn() is a client with a real connection (one end of a
 * Unix socketpair), on the client list, so CLIENT LIST/UNBLOCK/PAUSE see it; what
 * the server already wrote to its socket is read back from the other end.
 * h_run(c, "SET k v") runs one command line as a request would (command_process()
 * then net_command_done()) and returns every reply byte the client got since its
 * last h_out() (an sds to free); h_expect() asserts them.
 *
 * Observers: h_prop_start() registers a propagation sink that records each
 * propagated command as one line of space-joined arguments (and as RESP);
 * h_notify_start() registers a keyspace-notification listener recording
 * "<channel> <message>" lines. Everything here is static inline so each test
 * includes it without unused-function warnings. */
#ifndef VESPER_TEST_HARNESS_H
#define VESPER_TEST_HARNESS_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "base/alloc.h"
#include "base/sds.h"
#include "base/util.h"
#include "core/bio.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/command.h"
#include "core/config.h"
#include "core/db.h"
#include "core/module.h"
#include "core/multi.h"
#include "core/notify.h"
#include "core/obj.h"
#include "core/objtype.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/server.h"
#include "core/servercmds.h"
#include "net/conn.h"
#include "net/evloop.h"

#define H_MAX_CLIENTS 64

typedef struct HClient {
    Client *c;
    int peer;                  /* the test's end of the socketpair, -1 for fake clients */
} HClient;

static HClient h_clients[H_MAX_CLIENTS];
static int h_nclients;

/* ---------------- the server ---------------- */

static inline void h_server_init(const Module *const *extra) {
    server.unix_fd = -1;
    server.active_expire_enabled = 1;
    server.next_client_id = 1;
    server_update_time();
    server.start_ms = server.mstime;
    server.lastsave = server.unixtime;
    rand_seed(12345);
    modules_register(extra);
    config_init_defaults(&server.cfg);
    server.cfg.enable_debug_cmd = 1;
    server.hz = server.cfg.hz;
    server.el = ev_create(server.cfg.maxclients + 128);
    assert_non_null(server.el);
    db_init_all(server.cfg.databases);
    bio_init();
    modules_init();
    server_update_time();
}

/* ---------------- clients ---------------- */

static inline void h_track(Client *c, int peer) {
    assert_true(h_nclients < H_MAX_CLIENTS);
    h_clients[h_nclients].c = c;
    h_clients[h_nclients].peer = peer;
    h_nclients++;
}

static inline Client *h_fake(void) {
    Client *c = client_create(NULL, 0);
    h_track(c, -1);
    return c;
}

static inline Client *h_conn(void) {
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    Conn *conn = conn_accepted(server.el, fds[0], 1);
    assert_non_null(conn);
    Client *c = client_create(conn, CLIENT_UNIX_SOCKET);
    snprintf(c->peer, sizeof(c->peer), "/tmp/vesper-test.sock:0");
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    h_track(c, fds[1]);
    return c;
}

static inline int h_index(const Client *c) {
    for (int i = 0; i < h_nclients; i++)
        if (h_clients[i].c == c) return i;
    return -1;
}

/* Forgets c without freeing it (the server freed it). */
static inline void h_untrack(Client *c) {
    int i = h_index(c);
    if (i < 0) return;
    if (h_clients[i].peer != -1) close(h_clients[i].peer);
    h_clients[i] = h_clients[--h_nclients];
}

static inline void h_free(Client *c) {
    h_untrack(c);
    client_free(c);
}

/* Every reply byte c got and the test has not read yet: first what the server
 * already wrote to the socket, then the unsent output. */
static inline Sds h_out(Client *c) {
    Sds out = sds_empty();
    int i = h_index(c);
    if (i >= 0 && h_clients[i].peer != -1) {
        char buf[4096];
        ssize_t n;
        while ((n = read(h_clients[i].peer, buf, sizeof(buf))) > 0) out = sds_catlen(out, buf, (size_t)n);
    }
    Sds rest = reply_take(c);
    out = sds_catsds(out, rest);
    sds_free(rest);
    return out;
}

/* Sets c's argv from args (new string objects). */
static inline void h_set_argv(Client *c, int argc, Sds *args) {
    if (argc > c->argv_cap) {
        c->argv = vrealloc(c->argv, sizeof(Obj *) * (size_t)argc);
        c->argv_cap = argc;
    }
    c->argc = argc;
    c->argv_len_sum = 0;
    for (int i = 0; i < argc; i++) {
        c->argv[i] = obj_string(args[i], sds_len(args[i]));
        c->argv_len_sum += sds_len(args[i]);
    }
}

/* Runs one request for c without reading its output. A blocked client's argv is
 * its waiting command, so the test must not send it another one. */
static inline void h_send(Client *c, const char *line) {
    if (c->flags & CLIENT_BLOCKED) fail_msg("h_send(\"%s\") on a blocked client", line);
    int argc;
    Sds *args = sds_splitargs(line, &argc);
    if (!args || argc == 0) fail_msg("bad command line \"%s\"", line);
    server_update_time();
    h_set_argv(c, argc, args);
    sds_freesplit(args, argc);
    c->flags |= CLIENT_PROTECTED;
    command_process(c);
    c->flags &= ~CLIENT_PROTECTED;
    net_command_done(c);
}

static inline Sds h_run(Client *c, const char *line) {
    h_send(c, line);
    return h_out(c);
}

/* A copy of s with CR, LF and non-printable bytes escaped, for messages. */
static inline Sds h_repr(const char *s, size_t len) {
    return sds_catrepr(sds_empty(), s, len);
}

static inline void h_assert_bytes(const char *what, const char *got, size_t glen, const char *want, size_t wlen) {
    if (glen == wlen && memcmp(got, want, wlen) == 0) return;
    Sds g = h_repr(got, glen), w = h_repr(want, wlen);
    print_error("%s\n  got:  %s\n  want: %s\n", what, g, w);
    sds_free(g);
    sds_free(w);
    fail();
}

/* Runs line and asserts the exact reply bytes. */
static inline void h_expect(Client *c, const char *line, const char *want) {
    Sds got = h_run(c, line);
    h_assert_bytes(line, got, sds_len(got), want, strlen(want));
    sds_free(got);
}

/* Runs line and asserts that the reply matches a glob pattern. */
static inline void h_expect_match(Client *c, const char *line, const char *pattern) {
    Sds got = h_run(c, line);
    if (!glob_match(pattern, strlen(pattern), got, sds_len(got), 0)) {
        Sds g = h_repr(got, sds_len(got));
        print_error("%s\n  got:     %s\n  pattern: %s\n", line, g, pattern);
        sds_free(g);
        sds_free(got);
        fail();
    }
    sds_free(got);
}

/* Asserts c's pending output (e.g. a blocked client's reply once served). */
static inline void h_expect_out(Client *c, const char *want) {
    Sds got = h_out(c);
    h_assert_bytes("client output", got, sds_len(got), want, strlen(want));
    sds_free(got);
}

/* Runs line and returns its integer reply (fails on anything else). */
static inline long long h_int(Client *c, const char *line) {
    Sds got = h_run(c, line);
    if (sds_len(got) < 3 || got[0] != ':') {
        Sds g = h_repr(got, sds_len(got));
        sds_free(got);
        fail_msg("%s: not an integer reply: %s", line, g);
    }
    long long v = strtoll(got + 1, NULL, 10);
    sds_free(got);
    return v;
}

/* The value of "field:" in an INFO text (new sds), or NULL. */
static inline Sds h_info_field(const char *info, const char *field) {
    size_t fl = strlen(field);
    for (const char *p = info; p && *p;) {
        if (!strncmp(p, field, fl) && p[fl] == ':') {
            const char *v = p + fl + 1, *e = strstr(v, "\r\n");
            return sds_newlen(v, e ? (size_t)(e - v) : strlen(v));
        }
        p = strstr(p, "\r\n");
        if (p) p += 2;
    }
    return NULL;
}

/* The value of "field=" in a CLIENT LIST / INFO line (new sds), or NULL. */
static inline Sds h_list_field(const char *line, const char *field) {
    size_t fl = strlen(field);
    for (const char *p = line; p && *p;) {
        if ((p == line || p[-1] == ' ') && !strncmp(p, field, fl) && p[fl] == '=') {
            const char *v = p + fl + 1;
            size_t n = strcspn(v, " \r\n");
            return sds_newlen(v, n);
        }
        p = strchr(p, ' ');
        if (p) p++;
    }
    return NULL;
}

/* c's CLIENT LIST line (the server's own formatter). */
static inline Sds h_client_field(Client *c, const char *field) {
    Sds line = client_info_string(c);
    Sds v = h_list_field(line, field);
    sds_free(line);
    if (!v) fail_msg("no field %s in CLIENT LIST", field);
    return v;
}

static inline void h_assert_client_field(Client *c, const char *field, const char *want) {
    Sds v = h_client_field(c, field);
    if (strcmp(v, want)) {
        print_error("CLIENT LIST %s: got %s, want %s\n", field, v, want);
        sds_free(v);
        fail();
    }
    sds_free(v);
}

/* ---------------- keys ---------------- */

/* Gives an existing key a deadline in the past without deleting it: it stays in
 * the table, logically expired, until something looks at it. */
static inline void h_make_expired(int dbid, const char *key) {
    Db *db = db_get(dbid);
    Obj *o = db_find(db, key, strlen(key));
    assert_non_null(o);
    db_set_expire(db, o, mstime() - 1000);
}

/* ---------------- the propagation sink ---------------- */

static Sds h_prop_lines, h_prop_resp;

static inline void h_sink_feed(PropSink *s, Obj **argv, int argc) {
    (void)s;
    h_prop_resp = sds_catprintf(h_prop_resp, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = obj_strbuf(argv[i], buf, &len);
        if (i) h_prop_lines = sds_catlen(h_prop_lines, " ", 1);
        /* bytes outside printable ASCII (and backslash) as \xHH, so lines stay C strings */
        for (size_t k = 0; k < len; k++) {
            unsigned char ch = (unsigned char)p[k];
            if (ch < 0x20 || ch >= 0x7f || ch == '\\') h_prop_lines = sds_catprintf(h_prop_lines, "\\x%02x", ch);
            else h_prop_lines = sds_catlen(h_prop_lines, p + k, 1);
        }
        h_prop_resp = sds_catprintf(h_prop_resp, "$%zu\r\n", len);
        h_prop_resp = sds_catlen(h_prop_resp, p, len);
        h_prop_resp = sds_catlen(h_prop_resp, "\r\n", 2);
    }
    h_prop_lines = sds_catlen(h_prop_lines, "\n", 1);
}

static PropSink h_sink = {"test", h_sink_feed, NULL, -1};
static int h_sink_on;

/* Registers the sink (its first command gets a SELECT) and clears the record. */
static inline void h_prop_start(void) {
    if (!h_prop_lines) h_prop_lines = sds_empty();
    if (!h_prop_resp) h_prop_resp = sds_empty();
    sds_clear(h_prop_lines);
    sds_clear(h_prop_resp);
    if (!h_sink_on) propagate_add_sink(&h_sink);
    h_sink_on = 1;
    propagate_sink_reset_db(&h_sink);
}

static inline void h_prop_stop(void) {
    if (h_sink_on) propagate_remove_sink(&h_sink);
    h_sink_on = 0;
}

/* Asserts the lines propagated since the last check, and clears them. */
static inline void h_prop_expect(const char *want) {
    h_assert_bytes("propagated", h_prop_lines, sds_len(h_prop_lines), want, strlen(want));
    sds_clear(h_prop_lines);
    sds_clear(h_prop_resp);
}

static inline void h_prop_clear(void) {
    sds_clear(h_prop_lines);
    sds_clear(h_prop_resp);
}

/* ---------------- the notification listener ---------------- */

static Sds h_events;
static int h_listener_on;

static inline void h_listener(const char *channel, size_t chlen, const char *msg, size_t msglen) {
    h_events = sds_catlen(h_events, channel, chlen);
    h_events = sds_catlen(h_events, " ", 1);
    h_events = sds_catlen(h_events, msg, msglen);
    h_events = sds_catlen(h_events, "\n", 1);
}

/* Registers the listener with notify-keyspace-events set to flags ("KEA", ...). */
static inline void h_notify_start(const char *flags) {
    char err[256];
    const char *e = config_set(&server.cfg, "notify-keyspace-events", flags, err, sizeof(err));
    if (e) fail_msg("notify-keyspace-events %s: %s", flags, e);
    if (!h_events) h_events = sds_empty();
    sds_clear(h_events);
    if (!h_listener_on) notify_add_listener(h_listener);
    h_listener_on = 1;
}

static inline void h_notify_stop(void) {
    char err[256];
    config_set(&server.cfg, "notify-keyspace-events", "", err, sizeof(err));
    if (h_listener_on) notify_remove_listener(h_listener);
    h_listener_on = 0;
}

static inline void h_notify_expect(const char *want) {
    h_assert_bytes("notifications", h_events, sds_len(h_events), want, strlen(want));
    sds_clear(h_events);
}

/* Runs line on c, checks its reply, the keyspace events it emitted (as
 * h_notify_expect: "channel message\n" lines; H_EV builds one keyevent line of db
 * 0) and how much it added to the dirty counter. */
static inline void h_expect_events(Client *c, const char *line, const char *reply, const char *events,
                                   long long dirty) {
    long long before = server.stat.dirty;
    h_expect(c, line, reply);
    h_notify_expect(events);
    if (server.stat.dirty - before != dirty)
        fail_msg("%s: dirty +%lld, want +%lld", line, server.stat.dirty - before, dirty);
}

#define H_EV(e, k) "__keyevent@0__:" e " " k "\n"

/* ---------------- configuration ---------------- */

static inline void h_config(const char *name, const char *value) {
    char err[256];
    const char *e = config_set(&server.cfg, name, value, err, sizeof(err));
    if (e) fail_msg("CONFIG SET %s %s: %s", name, value, e);
}

/* ---------------- between tests ---------------- */

/* Frees the harness's clients, empties every database and restores what tests
 * change; a cmocka teardown. */
static inline int h_reset(void **state) {
    (void)state;
    while (h_nclients) h_free(h_clients[h_nclients - 1].c);
    server_before_sleep(); /* frees clients closed by the server, ends waits */
    block_unpause();
    h_prop_stop();
    h_notify_stop();
    h_config("requirepass", "");
    h_config("lazyfree-lazy-expire", "no");
    h_config("lazyfree-lazy-user-del", "no");
    server.cfg.maxmemory = 0;
    server.cfg.enable_debug_cmd = 1;
    server.loading = 0;
    server.active_expire_enabled = 1;
    db_empty(-1, 0);
    bio_drain();
    return 0;
}

#endif
