/* test_db.c - the keyspace data layer (core/db.c): adding, overwriting and deleting
 * keys; TTLs and the volatile array (every key with a TTL sits at its index);
 * lazy expiry and its side effects (propagated DEL, "expired" notification,
 * watchers); db_changed() and its effects (dirty count, keyspace/keyevent
 * notifications filtered by notify-keyspace-events, WATCH invalidation, blocked
 * clients made ready); FLUSHDB/FLUSHALL/SWAPDB and WATCH with Redis 7.0's rules
 * for missing and stale keys; db_random_key(); and a randomized run of thousands
 * of operations against a model of keys and TTLs (seed printed; VESPER_TEST_SEED
 * replays one). */
#include "harness.h"
#include <inttypes.h>

/* ---------------- a command that waits for a key ---------------- */

/* WAITKEY key: the key's value, or the client blocks until the key is written. */
static void waitkey_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (o) {
        reply_bulk_obj(c, o);
        return;
    }
    block_on_keys(c, &c->argv[1], 1, 0);
}

static Command dbtest_commands[] = {
    {.name = "waitkey", .proc = waitkey_cmd, .arity = 2, .flags = CMD_READONLY | CMD_BLOCKING, .group = "generic",
     .summary = "test: wait for a key", .since = "0.0.0", .complexity = "O(1)", .args = "key:key",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {0}};

static const Module dbtest_module = {.name = "dbtest", .commands = dbtest_commands};
static const Module *const extra_modules[] = {&dbtest_module, NULL};

/* ---------------- helpers ---------------- */

static Db *db0(void) { return db_get(0); }

static Obj *val(const char *s) { return obj_string(s, strlen(s)); }

static void assert_value(Db *db, const char *key, const char *want) {
    Obj *o = db_lookup(db, key, strlen(key), LOOKUP_NOTOUCH);
    assert_non_null(o);
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
}

/* Every key with a TTL is in its database's volatile array at its own index, and
 * the array holds nothing else. */
static void check_volatile(Db *db) {
    size_t with_ttl = 0;
    HtIter it;
    ht_iter_init(&it, db->keys, 0);
    Obj *o;
    while ((o = ht_iter_next(&it))) {
        if (!o->has_expire) continue;
        with_ttl++;
        uint32_t idx = obj_get_vindex(o);
        assert_true(idx < db->nvolatile);
        assert_ptr_equal(db->volatile_keys[idx], o);
    }
    ht_iter_done(&it);
    assert_int_equal(with_ttl, db->nvolatile);
    assert_int_equal(db_volatile_count(db), db->nvolatile);
    for (size_t i = 0; i < db->nvolatile; i++) {
        assert_true(db->volatile_keys[i]->has_expire);
        assert_int_equal(obj_get_vindex(db->volatile_keys[i]), i);
    }
}

/* ---------------- writes ---------------- */

static void test_add_overwrite_delete(void **state) {
    (void)state;
    Db *db = db0();
    assert_int_equal(db_size(db), 0);
    Obj *o = db_add(db, "k", 1, val("v1"));
    assert_true(o->has_key);
    assert_ptr_equal(db_find(db, "k", 1), o);
    assert_int_equal(db_size(db), 1);
    assert_true(db_exists(db, "k", 1));
    assert_false(db_exists(db, "nokey", 5));
    assert_value(db, "k", "v1");
    size_t klen;
    assert_memory_equal(obj_key(o, &klen), "k", 1);
    assert_int_equal(klen, 1);
    /* overwriting keeps one entry; the TTL goes unless kept */
    o = db_set_expire(db, o, mstime() + 100000);
    o = db_overwrite(db, "k", 1, val("v2"), 0);
    assert_value(db, "k", "v2");
    assert_int_equal(db_get_expire(o), -1);
    assert_int_equal(db_size(db), 1);
    check_volatile(db);
    long long when = mstime() + 50000;
    o = db_set_expire(db, o, when);
    o = db_overwrite(db, "k", 1, val("v3"), 1);
    assert_int_equal(db_get_expire(o), when);
    assert_value(db, "k", "v3");
    check_volatile(db);
    /* db_overwrite of a missing key adds it */
    db_overwrite(db, "new", 3, val("n"), 1);
    assert_value(db, "new", "n");
    assert_int_equal(db_size(db), 2);
    /* deleting */
    assert_int_equal(db_delete(db, "k", 1), 1);
    assert_int_equal(db_delete(db, "k", 1), 0);
    assert_null(db_find(db, "k", 1));
    check_volatile(db);
    Obj *u = db_unlink(db, "new", 3);
    assert_non_null(u);
    assert_null(db_unlink(db, "new", 3));
    db_free_entry(u);
    assert_int_equal(db_size(db), 0);
    /* binary keys, long keys */
    char bin[3] = {'a', '\0', 'b'};
    db_add(db, bin, 3, val("x"));
    assert_null(db_find(db, "a", 1));
    assert_non_null(db_find(db, bin, 3));
    char longkey[300];
    memset(longkey, 'L', sizeof(longkey));
    db_add(db, longkey, sizeof(longkey), val("y"));
    assert_non_null(db_find(db, longkey, sizeof(longkey)));
    assert_int_equal(db_size(db), 2);
    /* databases are separate */
    assert_int_equal(db_size(db_get(1)), 0);
    assert_null(db_get(16));
    assert_null(db_get(-1));
    assert_int_equal(db_count(), 16);
}

static void test_ttl_and_volatile_array(void **state) {
    (void)state;
    Db *db = db0();
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        Obj *o = db_add(db, key, strlen(key), val("v"));
        if (i % 3 == 0) db_set_expire(db, o, mstime() + 100000 + i);
    }
    check_volatile(db);
    assert_int_equal(db->nvolatile, 34);
    /* changing an existing TTL keeps the key where it is */
    Obj *o = db_find(db, "k3", 2);
    uint32_t idx = obj_get_vindex(o);
    long long when = mstime() + 7;
    Obj *same = db_set_expire(db, o, when);
    assert_ptr_equal(same, o);
    assert_int_equal(obj_get_vindex(same), idx);
    assert_int_equal(db_get_expire(same), when);
    /* removing TTLs from the middle and the end, deleting volatile keys */
    for (int i = 0; i < 100; i += 6) {
        snprintf(key, sizeof(key), "k%d", i);
        o = db_find(db, key, strlen(key));
        Obj *n = db_remove_expire(db, o);
        assert_false(n->has_expire);
        assert_int_equal(db_get_expire(n), -1);
        assert_ptr_equal(db_find(db, key, strlen(key)), n);
        check_volatile(db);
    }
    for (int i = 3; i < 100; i += 12) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(db_delete(db, key, strlen(key)), 1);
        check_volatile(db);
    }
    /* PERSIST on a key without TTL changes nothing */
    o = db_find(db, "k1", 2);
    assert_ptr_equal(db_remove_expire(db, o), o);
    check_volatile(db);
    /* the commands keep the invariant too */
    Client *c = h_fake();
    h_expect(c, "SET t1 v EX 100", "+OK\r\n");
    h_expect(c, "SET t2 v PX 100000", "+OK\r\n");
    h_expect(c, "EXPIRE k1 100", ":1\r\n");
    h_expect(c, "PERSIST t1", ":1\r\n");
    h_expect(c, "SET t2 w KEEPTTL", "+OK\r\n");
    h_expect(c, "TTL t2", ":100\r\n");
    h_expect(c, "RENAME t2 t3", "+OK\r\n");
    h_expect(c, "TTL t3", ":100\r\n");
    h_expect(c, "COPY t3 t4", ":1\r\n");
    h_expect(c, "MOVE t4 1", ":1\r\n");
    check_volatile(db);
    check_volatile(db_get(1));
    h_expect(c, "SWAPDB 0 1", "+OK\r\n");
    check_volatile(db_get(0));
    check_volatile(db_get(1));
    h_expect(c, "FLUSHALL", "+OK\r\n");
    assert_int_equal(db_get(0)->nvolatile, 0);
    assert_int_equal(db_get(1)->nvolatile, 0);
}

/* ---------------- lazy expiry ---------------- */

static void test_lazy_expiry_side_effects(void **state) {
    (void)state;
    Client *c = h_fake(), *w = h_fake();
    h_expect(c, "SET k v", "+OK\r\n");
    h_expect(w, "WATCH k", "+OK\r\n");
    h_make_expired(0, "k");
    h_prop_start();
    h_notify_start("Ex");
    long long dirty = server.stat.dirty, expired = db_stats.expired_keys;
    /* the entry stays until something looks: db_find sees it, db_lookup does not */
    assert_non_null(db_find(db0(), "k", 1));
    assert_null(db_lookup(db0(), "k", 1, LOOKUP_NOEXPIRE));
    assert_non_null(db_find(db0(), "k", 1));
    h_notify_expect("");
    assert_null(db_lookup(db0(), "k", 1, LOOKUP_NONE));
    assert_null(db_find(db0(), "k", 1));
    h_prop_expect("SELECT 0\nDEL k\n");
    h_notify_expect("__keyevent@0__:expired k\n");
    assert_int_equal(db_stats.expired_keys - expired, 1);
    assert_int_equal(server.stat.dirty, dirty); /* an expiry is not a change */
    /* the watcher saw the key change (it was live when watched) */
    assert_true(w->flags & CLIENT_DIRTY_CAS);
    h_expect(w, "MULTI", "+OK\r\n");
    h_expect(w, "EXEC", "*-1\r\n");
    check_volatile(db0());
    /* through a command, with the keyspace form too */
    h_notify_start("KEA");
    h_expect(c, "SET e v", "+OK\r\n");
    h_notify_expect("__keyspace@0__:e set\n__keyevent@0__:set e\n");
    h_prop_clear();
    h_make_expired(0, "e");
    h_expect(c, "EXISTS e", ":0\r\n");
    h_notify_expect("__keyspace@0__:e expired\n__keyevent@0__:expired e\n");
    h_prop_expect("DEL e\n");
    /* while loading nothing expires */
    h_expect(c, "SET l v", "+OK\r\n");
    h_make_expired(0, "l");
    server.loading = 1;
    assert_non_null(db_lookup(db0(), "l", 1, LOOKUP_NONE));
    server.loading = 0;
    assert_null(db_lookup(db0(), "l", 1, LOOKUP_NONE));
}

/* db_expire_if_needed and the expired-key check at the boundary */
static void test_expire_if_needed(void **state) {
    (void)state;
    Db *db = db0();
    server_update_time();
    Obj *o = db_add(db, "k", 1, val("v"));
    assert_false(db_key_is_expired(o));
    assert_int_equal(db_expire_if_needed(db, o), 0);
    o = db_set_expire(db, o, server.mstime);
    assert_false(db_key_is_expired(o)); /* expires strictly after its time */
    o = db_set_expire(db, o, server.mstime - 1);
    assert_true(db_key_is_expired(o));
    assert_int_equal(db_expire_if_needed(db, o), 1);
    assert_null(db_find(db, "k", 1));
    check_volatile(db);
}

/* ---------------- db_changed ---------------- */

static void test_db_changed_effects(void **state) {
    (void)state;
    Client *w = h_fake(), *other = h_fake();
    h_expect(w, "WATCH k", "+OK\r\n");
    h_expect(other, "WATCH unrelated", "+OK\r\n");
    h_notify_start("KEA");
    Obj *key = val("k");
    long long dirty = server.stat.dirty;
    db_changed(db0(), key, NOTIFY_STRING, "set");
    assert_int_equal(server.stat.dirty - dirty, 1);
    h_notify_expect("__keyspace@0__:k set\n__keyevent@0__:set k\n");
    assert_true(w->flags & CLIENT_DIRTY_CAS);
    assert_false(other->flags & CLIENT_DIRTY_CAS);
    /* no event: only the count and the watchers */
    db_changed(db0(), key, NOTIFY_GENERIC, NULL);
    assert_int_equal(server.stat.dirty - dirty, 2);
    h_notify_expect("");
    /* other databases, binary keys */
    db_changed_raw(db_get(3), "a\0b", 3, NOTIFY_GENERIC, "del");
    static const char bin_events[] = "__keyspace@3__:a\0b del\n__keyevent@3__:del a\0b\n";
    h_assert_bytes("notifications", h_events, sds_len(h_events), bin_events, sizeof(bin_events) - 1);
    sds_clear(h_events);
    obj_decr(key);
    /* db_key_touched: watchers only */
    h_expect(other, "WATCH k2", "+OK\r\n");
    dirty = server.stat.dirty;
    db_key_touched(db0(), "k2", 2);
    assert_int_equal(server.stat.dirty, dirty);
    h_notify_expect("");
    assert_true(other->flags & CLIENT_DIRTY_CAS);
}

static void test_notification_filtering(void **state) {
    (void)state;
    Client *c = h_fake();
    struct {
        const char *flags, *want;
    } cases[] = {
        {"KEA", "__keyspace@0__:k set\n__keyevent@0__:set k\n"},
        {"K$", "__keyspace@0__:k set\n"},
        {"E$", "__keyevent@0__:set k\n"},
        {"KEg", ""},                        /* the string class is off */
        {"$", ""},                          /* neither K nor E */
        {"AK", "__keyspace@0__:k set\n"},
        {"KEx", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h_notify_start(cases[i].flags);
        h_expect(c, "SET k v", "+OK\r\n");
        h_notify_expect(cases[i].want);
    }
    /* generic events: g; a SET with EX adds "expire" */
    h_notify_start("Eg");
    h_expect(c, "SET k v EX 100", "+OK\r\n");
    h_expect(c, "DEL k", ":1\r\n");
    h_expect(c, "DEL k", ":0\r\n");
    h_notify_expect("__keyevent@0__:expire k\n__keyevent@0__:del k\n");
    /* keymiss is only sent with m, which A does not include */
    h_notify_start("KEA");
    h_expect(c, "GET nokey", "$-1\r\n");
    h_notify_expect("");
    h_notify_start("Em");
    h_expect(c, "GET nokey", "$-1\r\n");
    h_expect(c, "EXISTS nokey", ":0\r\n");
    h_expect(c, "MGET a nokey", "*2\r\n$-1\r\n$-1\r\n");
    h_notify_expect("__keyevent@0__:keymiss nokey\n__keyevent@0__:keymiss nokey\n"
                    "__keyevent@0__:keymiss a\n__keyevent@0__:keymiss nokey\n");
    /* a read of an expired key: "expired", then the miss (Redis's order) */
    h_notify_start("Exm");
    h_expect(c, "SET e v", "+OK\r\n");
    h_make_expired(0, "e");
    h_expect(c, "GET e", "$-1\r\n");
    h_notify_expect("__keyevent@0__:expired e\n__keyevent@0__:keymiss e\n");
    /* a write's lookup of a missing key is no miss */
    h_expect(c, "INCR n", ":1\r\n");
    h_notify_expect("");
    /* listeners can be removed */
    h_notify_start("KEA");
    notify_remove_listener(h_listener);
    h_expect(c, "SET k v", "+OK\r\n");
    notify_add_listener(h_listener);
    h_notify_expect("");
    /* CONFIG SET parses the classes */
    h_expect(c, "CONFIG SET notify-keyspace-events Kl", "+OK\r\n");
    h_expect(c, "CONFIG GET notify-keyspace-events", "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nlK\r\n");
    h_expect(c, "CONFIG SET notify-keyspace-events KEA", "+OK\r\n");
    h_expect(c, "CONFIG GET notify-keyspace-events", "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n");
}

static void test_blocked_client_becomes_ready(void **state) {
    (void)state;
    Client *b = h_fake();
    h_send(b, "WAITKEY k");
    assert_true(b->flags & CLIENT_BLOCKED);
    h_expect_out(b, "");
    assert_int_equal(block_blocked_clients(), 1);
    /* a change to another key, or the same key in another db, wakes nobody */
    db_add(db0(), "other", 5, val("x"));
    db_changed_raw(db0(), "other", 5, NOTIFY_STRING, "set");
    db_add(db_get(1), "k", 1, val("x"));
    db_changed_raw(db_get(1), "k", 1, NOTIFY_STRING, "set");
    block_handle_ready();
    assert_true(b->flags & CLIENT_BLOCKED);
    /* the key itself: ready, served when ready keys are handled */
    db_add(db0(), "k", 1, val("hello"));
    db_changed_raw(db0(), "k", 1, NOTIFY_STRING, "set");
    assert_true(b->flags & CLIENT_BLOCKED);
    block_handle_ready();
    assert_false(b->flags & CLIENT_BLOCKED);
    h_expect_out(b, "$5\r\nhello\r\n");
    assert_int_equal(block_blocked_clients(), 0);
    assert_int_equal(block_keys_with_waiters(), 0);
}

/* ---------------- flushes, SWAPDB and WATCH ---------------- */

/* One WATCH scenario: c runs `before`, a new client WATCHes x in database dbid,
 * c runs `after`, then the watcher's MULTI/PING/EXEC runs or returns null.
 * "@<db>" makes x in <db> expired without deleting it. From Redis 7.0.15's
 * multi.tcl, plus the mirror cases of its rules. */
typedef struct WatchCase {
    const char *name;
    int dbid;
    const char *before[8];
    const char *after[6];
    int exec_runs;
} WatchCase;

static const WatchCase watch_cases[] = {
    {"FLUSHALL touches the watched keys", 0, {"SET x 30"}, {"FLUSHALL"}, 0},
    {"FLUSHALL does not touch non affected keys", 0, {NULL}, {"FLUSHALL"}, 1},
    {"FLUSHALL with the key only in another db", 0, {"SELECT 1", "SET x 1", "SELECT 0"}, {"FLUSHALL"}, 1},
    {"FLUSHDB touches the watched keys", 0, {"SET x 30"}, {"FLUSHDB"}, 0},
    {"FLUSHDB does not touch non affected keys", 0, {NULL}, {"FLUSHDB"}, 1},
    {"FLUSHDB of another database", 0, {"SET x 30"}, {"SELECT 1", "FLUSHDB", "SELECT 0"}, 1},
    {"SWAPDB touches the watched keys that exist", 0, {"SET x 30"}, {"SWAPDB 0 1"}, 0},
    {"SWAPDB touches the watched keys that do not exist", 0, {"SELECT 1", "SET x 30", "SELECT 0"}, {"SWAPDB 0 1"}, 0},
    {"SWAPDB with the key in neither database", 0, {"SET y 1", "SELECT 1", "SET y 1"}, {"SWAPDB 0 1"}, 1},
    {"SWAPDB of other databases", 0, {"SET x 1", "SELECT 2", "SET x 2"}, {"SWAPDB 2 3"}, 1},
    {"SWAPDB does not touch watched stale keys", 1, {"SELECT 1", "SET x foo", "@1"}, {"SWAPDB 0 1"}, 1},
    {"SWAPDB does not touch non-existing key replaced with stale key", 1, {"SET x foo", "@0"}, {"SWAPDB 0 1"}, 1},
    {"SWAPDB does not touch stale key replaced with another stale key", 1,
     {"SELECT 1", "SET x foo", "@1", "SELECT 0", "SET x bar", "@0"}, {"SWAPDB 0 1"}, 1},
    {"SWAPDB touches a stale key replaced with a live one", 1,
     {"SELECT 1", "SET x foo", "@1", "SELECT 0", "SET x bar"}, {"SWAPDB 0 1"}, 0},
    {"WATCH stale keys should not fail EXEC", 0, {"SET x foo", "@0"}, {NULL}, 1},
    {"Delete WATCHed stale keys (EXISTS) should not fail EXEC", 0, {"SET x foo", "@0"}, {"EXISTS x"}, 1},
    {"lazy GET of a WATCHed stale key", 0, {"SET x foo", "@0"}, {"GET x"}, 1},
    {"DEL of a WATCHed stale key", 0, {"SET x foo", "@0"}, {"DEL x"}, 1},
    {"FLUSHDB while watching stale keys should not fail EXEC", 0, {"SET x foo", "@0"}, {"FLUSHDB"}, 1},
    {"FLUSHALL while watching stale keys", 0, {"SET x foo", "@0"}, {"FLUSHALL"}, 1},
    {"writing a WATCHed stale key", 0, {"SET x foo", "@0"}, {"SET x new"}, 0},
    {"a key that expires after WATCH", 0, {"SET x foo"}, {"@0"}, 0},
    {"a key that expires after WATCH, deleted by a read", 0, {"SET x foo"}, {"@0", "GET x"}, 0},
    {"WATCH considers keys target of EXPIRE", 0, {"SET x foo"}, {"EXPIRE x 10"}, 0},
    {"WATCH remembers the DB a key belongs to", 5, {"SELECT 5", "SET x 30"}, {"SELECT 1", "SET x 10"}, 1},
    {"a write to another key", 0, {"SET x 1"}, {"SET y 1", "DEL z"}, 1},
};

static void run_script(Client *c, const char *const *lines) {
    for (int i = 0; i < 8 && lines[i]; i++) {
        if (lines[i][0] == '@') {
            h_make_expired(atoi(lines[i] + 1), "x");
            continue;
        }
        Sds r = h_run(c, lines[i]);
        if (r[0] == '-') fail_msg("%s: %s", lines[i], r);
        sds_free(r);
    }
}

static void test_watch_rules(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(watch_cases) / sizeof(watch_cases[0]); i++) {
        const WatchCase *wc = &watch_cases[i];
        Client *c = h_fake(), *w = h_fake();
        run_script(c, wc->before);
        h_expect(c, "SELECT 0", "+OK\r\n");
        char sel[16];
        snprintf(sel, sizeof(sel), "SELECT %d", wc->dbid);
        h_expect(w, sel, "+OK\r\n");
        h_expect(w, "WATCH x", "+OK\r\n");
        run_script(c, wc->after);
        h_expect(w, "MULTI", "+OK\r\n");
        h_expect(w, "PING", "+QUEUED\r\n");
        Sds got = h_run(w, "EXEC");
        const char *want = wc->exec_runs ? "*1\r\n+PONG\r\n" : "*-1\r\n";
        if (strcmp(got, want)) {
            Sds g = h_repr(got, sds_len(got));
            print_error("%s: EXEC gave %s, want %s\n", wc->name, g, wc->exec_runs ? "[PONG]" : "null");
            sds_free(g);
            sds_free(got);
            fail();
        }
        sds_free(got);
        /* once EXEC ran (or failed) the key is no longer watched */
        h_expect(c, "SET x again", "+OK\r\n");
        h_expect(w, "MULTI", "+OK\r\n");
        h_expect(w, "EXEC", "*0\r\n");
        h_free(c);
        h_free(w);
        db_empty(-1, 0);
    }
}

/* The watching client is flagged: CLIENT LIST shows 'd' as Redis does. */
static void test_dirty_cas_flag_in_client_list(void **state) {
    (void)state;
    Client *w = h_conn(), *c = h_fake();
    h_expect(w, "WATCH x", "+OK\r\n");
    h_assert_client_field(w, "flags", "U");
    h_expect(c, "SET x 1", "+OK\r\n");
    assert_true(w->flags & CLIENT_DIRTY_CAS);
    h_assert_client_field(w, "flags", "dU");
    h_expect(w, "MULTI", "+OK\r\n");
    h_assert_client_field(w, "flags", "xdU");
    h_expect(w, "EXEC", "*-1\r\n");
    h_assert_client_field(w, "flags", "U");
}

/* ---------------- random keys ---------------- */

static void test_random_key(void **state) {
    (void)state;
    Db *db = db0();
    assert_null(db_random_key(db));
    char key[16];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        db_add(db, key, strlen(key), val("v"));
    }
    int seen[20] = {0};
    for (int i = 0; i < 2000; i++) {
        Obj *o = db_random_key(db);
        assert_non_null(o);
        size_t klen;
        const char *k = obj_key(o, &klen);
        int n = atoi(k + 1);
        assert_true(n >= 0 && n < 20);
        seen[n]++;
    }
    for (int i = 0; i < 20; i++) assert_true(seen[i] > 0);
    /* expired keys are never returned; meeting one deletes it */
    for (int i = 0; i < 19; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        h_make_expired(0, key);
    }
    for (int i = 0; i < 50; i++) {
        Obj *o = db_random_key(db);
        assert_non_null(o);
        size_t klen;
        assert_memory_equal(obj_key(o, &klen), "k19", 3);
    }
    assert_int_equal(db_size(db), 1);
    h_make_expired(0, "k19");
    assert_null(db_random_key(db));
    assert_int_equal(db_size(db), 0);
    check_volatile(db);
    /* RANDOMKEY through dispatch */
    Client *c = h_fake();
    h_expect(c, "FLUSHALL", "+OK\r\n");
    h_expect(c, "RANDOMKEY", "$-1\r\n");
    h_expect(c, "SET only v", "+OK\r\n");
    h_expect(c, "RANDOMKEY", "$4\r\nonly\r\n");
}

/* ---------------- randomized: the keyspace against a model ---------------- */

#define MODEL_KEYS 300

typedef struct ModelKey {
    int present;           /* in the table (possibly logically expired) */
    long long expire;      /* -1: none */
    char value[24];
} ModelKey;

static ModelKey model[MODEL_KEYS];
static long long model_now;

static int model_live(int i) { return model[i].present && !(model[i].expire >= 0 && model[i].expire < model_now); }

static void model_check(Db *db, uint64_t seed, long op) {
    size_t present = 0, volatile_n = 0;
    char key[16];
    for (int i = 0; i < MODEL_KEYS; i++) {
        snprintf(key, sizeof(key), "key:%d", i);
        Obj *o = db_find(db, key, strlen(key));
        if (!model[i].present) {
            if (o) fail_msg("seed %" PRIu64 " op %ld: %s exists, model has none", seed, op, key);
            continue;
        }
        if (!o) fail_msg("seed %" PRIu64 " op %ld: %s missing", seed, op, key);
        present++;
        if (model[i].expire >= 0) volatile_n++;
        if (db_get_expire(o) != model[i].expire)
            fail_msg("seed %" PRIu64 " op %ld: %s expire %lld, model %lld", seed, op, key, db_get_expire(o), model[i].expire);
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = obj_strbuf(o, buf, &len);
        if (len != strlen(model[i].value) || memcmp(p, model[i].value, len))
            fail_msg("seed %" PRIu64 " op %ld: %s has the wrong value", seed, op, key);
    }
    assert_int_equal(db_size(db), present);
    assert_int_equal(db->nvolatile, volatile_n);
    check_volatile(db);
}

/* After an operation that may delete expired keys it met (random key), the model
 * forgets those the table no longer has. */
static void model_sync_expired(Db *db) {
    char key[16];
    for (int i = 0; i < MODEL_KEYS; i++) {
        if (!model[i].present || model_live(i)) continue;
        snprintf(key, sizeof(key), "key:%d", i);
        if (!db_find(db, key, strlen(key))) model[i].present = 0;
    }
}

static void test_randomized_against_model(void **state) {
    (void)state;
    uint64_t seed = 20240611;
    const char *env = getenv("VESPER_TEST_SEED");
    if (env) seed = strtoull(env, NULL, 10);
    print_message("randomized keyspace test: seed %" PRIu64 " (VESPER_TEST_SEED=%" PRIu64 " replays it)\n", seed, seed);
    Rng rng;
    rng_seed(&rng, seed);
    Db *db = db_get(7);
    memset(model, 0, sizeof(model));
    model_now = server.mstime = 1700000000000LL;
    long ops = 20000;
    char key[16];
    for (long op = 0; op < ops; op++) {
        int i = (int)(rng_next(&rng) % MODEL_KEYS);
        snprintf(key, sizeof(key), "key:%d", i);
        size_t klen = strlen(key);
        int what = (int)(rng_next(&rng) % 100);
        if (what < 25) { /* set, keeping the TTL or not */
            int keepttl = rng_next(&rng) % 2;
            char v[24];
            snprintf(v, sizeof(v), "v%ld", op);
            if (model[i].present) {
                db_overwrite(db, key, klen, val(v), keepttl);
                if (!keepttl) model[i].expire = -1;
            } else {
                db_add(db, key, klen, val(v));
                model[i].present = 1;
                model[i].expire = -1;
            }
            snprintf(model[i].value, sizeof(model[i].value), "%s", v);
        } else if (what < 40) { /* delete */
            assert_int_equal(db_delete(db, key, klen), model[i].present);
            model[i].present = 0;
        } else if (what < 55) { /* set a TTL, often soon */
            Obj *o = db_find(db, key, klen);
            assert_int_equal(o != NULL, model[i].present);
            if (o) {
                long long when = model_now + (long long)(rng_next(&rng) % 300) - 50;
                Obj *n = db_set_expire(db, o, when);
                assert_ptr_equal(db_find(db, key, klen), n);
                model[i].expire = when;
            }
        } else if (what < 62) { /* persist */
            Obj *o = db_find(db, key, klen);
            if (o) {
                db_remove_expire(db, o);
                model[i].expire = -1;
            }
        } else if (what < 85) { /* lookup: expired keys go */
            Obj *o = db_lookup(db, key, klen, LOOKUP_NONE);
            int live = model_live(i);
            if ((o != NULL) != live)
                fail_msg("seed %" PRIu64 " op %ld: lookup of %s gave %s, model says %s", seed, op, key,
                         o ? "a key" : "nothing", live ? "live" : "gone");
            if (!live) model[i].present = 0;
        } else if (what < 95) { /* time passes */
            model_now += (long long)(rng_next(&rng) % 40);
            server.mstime = model_now;
        } else { /* a random key is always live */
            Obj *o = db_random_key(db);
            model_sync_expired(db);
            if (o) {
                size_t kl;
                const char *k = obj_key(o, &kl);
                int j = atoi(k + 4);
                assert_true(model_live(j));
            }
        }
        if (op % 97 == 0) model_check(db, seed, op);
    }
    model_check(db, seed, ops);
    server_update_time();
}

int main(void) {
    h_server_init(extra_modules);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_add_overwrite_delete, h_reset),
        cmocka_unit_test_teardown(test_ttl_and_volatile_array, h_reset),
        cmocka_unit_test_teardown(test_lazy_expiry_side_effects, h_reset),
        cmocka_unit_test_teardown(test_expire_if_needed, h_reset),
        cmocka_unit_test_teardown(test_db_changed_effects, h_reset),
        cmocka_unit_test_teardown(test_notification_filtering, h_reset),
        cmocka_unit_test_teardown(test_blocked_client_becomes_ready, h_reset),
        cmocka_unit_test_teardown(test_watch_rules, h_reset),
        cmocka_unit_test_teardown(test_dirty_cas_flag_in_client_list, h_reset),
        cmocka_unit_test_teardown(test_random_key, h_reset),
        cmocka_unit_test_teardown(test_randomized_against_model, h_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
