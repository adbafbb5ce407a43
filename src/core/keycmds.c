/* keycmds.c - the generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN,
 * RANDOMKEY, RENAME(NX), TOUCH, OBJECT, MOVE, SWAPDB, COPY, FLUSHDB, FLUSHALL, DBSIZE,
 * SELECT, the EXPIRE family, TTL family and PERSIST (private functions use ks_).
 *
 * Everything here works through the db.h API; keys are argument objects and values
 * keyed objects owned by their database. Invariants kept by every command: an
 * error reply leaves the data unchanged; an expired key behaves as missing (it is
 * removed lazily by the lookup); each real change bumps server.stat.dirty, signals
 * the key as modified and emits Redis's keyspace event. RENAME and MOVE move the
 * value itself (no copy), keeping its TTL and its LRU/LFU field; COPY deep-copies
 * the value through obj_dup_value().
 * Costs: per-key commands O(1) each (DEL O(size of the value) to free it); KEYS O(N);
 * SCAN O(COUNT) per call, touching at most 10*COUNT buckets; FLUSH O(N). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../base/alloc.h"
#include "../base/sds.h"
#include "../base/util.h"
#include "client.h"
#include "command.h"
#include "module.h"
#include "db.h"
#include "evict.h"
#include "lazyfree.h"
#include "notify.h"
#include "propagate.h"
#include "scan.h"
#include "obj.h"
#include "server.h"


static const char *const ks_err_same = "source and destination objects are the same";
static const char *const ks_err_dbrange = "DB index is out of range";

/* ---------------------------------------------------------------- helpers */

/* Looks a key up by its argument object. */
static Obj *ks_lookup(Db *db, const Obj *key, int flags) {
    return db_lookup(db, key_ptr(key), key_len(key), flags);
}

static Obj *ks_lookup_write(Db *db, const Obj *key) { return ks_lookup(db, key, LOOKUP_WRITE); }

/* A read lookup with Redis's side effects: hit/miss counters (unless NOSTATS)
 * and the "keymiss" event (unless NONOTIFY). */
static Obj *ks_lookup_read(Db *db, const Obj *key, int flags) {
    Obj *o = ks_lookup(db, key, flags);
    if (!(flags & LOOKUP_NOSTATS)) {
        if (o) db_stats.keyspace_hits++;
        else db_stats.keyspace_misses++;
    }
    if (!o && !(flags & LOOKUP_NONOTIFY)) notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, db->id);
    return o;
}

/* Parses an int-ranged argument like Redis's getIntFromObjectOrReply (whose range
 * error reads "value must between", sic). */
static int ks_arg_int(Client *c, const Obj *o, int *out, const char *errmsg) {
    long long v;
    if (!arg_ll(c, o, &v, errmsg)) return 0;
    if (v < INT_MIN || v > INT_MAX) {
        if (errmsg) reply_error(c, errmsg);
        else reply_errorf(c, "value is out of range, value must between %d and %d", INT_MIN, INT_MAX);
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* Resolves a database index argument; replies and returns NULL when invalid. */
static Db *ks_arg_db(Client *c, const Obj *o) {
    int id;
    if (!ks_arg_int(c, o, &id, NULL)) return NULL;
    if (id < 0 || id >= db_count()) {
        reply_error(c, ks_err_dbrange);
        return NULL;
    }
    return db_get(id);
}

/* Bookkeeping after a real change of key: the one keyspace-changed call. */
static void ks_modified(Db *db, const Obj *key, const char *event) { db_changed(db, key, NOTIFY_GENERIC, event); }

/* Moves the value stored at key in src under newkey in dst (newkey must be free
 * in dst), keeping the TTL. Returns the new keyed object. */
static Obj *ks_move_value(Db *src, const Obj *key, Db *dst, const Obj *newkey) {
    Obj *o = db_unlink(src, key_ptr(key), key_len(key));
    long long when = db_get_expire(o);
    uint32_t lru = o->lru;
    Obj *n = db_add(dst, key_ptr(newkey), key_len(newkey), obj_detach_value(o));
    n->lru = lru; /* the same value: keep its access time / frequency */
    if (when != -1) n = db_set_expire(dst, n, when);
    return n;
}

/* ---------------------------------------------------------------- DEL, EXISTS, TYPE */

/* DEL and UNLINK; with lazy, big values are freed on the background thread. */
static void ks_del_generic(Client *c, int lazy) {
    long long deleted = 0;
    for (int j = 1; j < c->argc; j++) {
        const Obj *k = c->argv[j];
        /* the lookup drops an expired key first, so it is not counted */
        if (!ks_lookup(c->db, k, LOOKUP_WRITE | LOOKUP_NOTOUCH)) continue;
        if (!db_delete_lazy(c->db, key_ptr(k), key_len(k), lazy)) continue;
        ks_modified(c->db, k, "del");
        deleted++;
    }
    reply_long(c, deleted);
}

static void ks_del(Client *c) { ks_del_generic(c, lazyfree_cfg.user_del); }
static void ks_unlink(Client *c) { ks_del_generic(c, 1); }

static void ks_exists(Client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (ks_lookup_read(c->db, c->argv[j], LOOKUP_NOTOUCH)) count++;
    reply_long(c, count);
}

static const char *ks_type_name(const Obj *o) { return o ? obj_type_name(o->type) : "none"; }

static void ks_type(Client *c) {
    reply_status(c, ks_type_name(ks_lookup_read(c->db, c->argv[1], LOOKUP_NOTOUCH)));
}

static void ks_touch(Client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (ks_lookup_read(c->db, c->argv[j], LOOKUP_NONE)) count++;
    reply_long(c, count);
}

static void ks_dbsize(Client *c) { reply_long(c, (long long)db_size(c->db)); }

/* ---------------------------------------------------------------- KEYS, RANDOMKEY */

static void ks_keys(Client *c) {
    const char *pat = arg_str(c, 1);
    size_t plen = arg_len(c, 1);
    int all = plen == 1 && pat[0] == '*';
    void *lenp = reply_deferred_len(c);
    long n = 0;
    HtIter it;
    Obj *o;
    ht_iter_init(&it, c->db->keys, 1);
    while ((o = ht_iter_next(&it)) != NULL) {
        size_t klen;
        const char *k = obj_key(o, &klen);
        if (!all && !glob_match(pat, plen, k, klen, 0)) continue;
        if (db_key_is_expired(o)) continue;
        reply_bulk(c, k, klen);
        n++;
        if (c->flags & CLIENT_CLOSE_ASAP) break;
    }
    ht_iter_done(&it);
    reply_set_deferred_array_len(c, lenp, n);
}

static void ks_randomkey(Client *c) {
    propagate_no_multi(); /* its lazy-expiry deletes are not one transaction */
    Obj *o = db_random_key(c->db);
    if (!o) {
        reply_null(c);
        return;
    }
    size_t klen;
    const char *k = obj_key(o, &klen);
    reply_bulk(c, k, klen);
}

/* ---------------------------------------------------------------- SCAN */

typedef struct KsScanBatch {
    Sds *keys;
    size_t n, cap;
} KsScanBatch;

static void ks_scan_collect(void *privdata, void *entry) {
    KsScanBatch *b = privdata;
    size_t klen;
    const char *k = obj_key(entry, &klen);
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->keys = vrealloc(b->keys, b->cap * sizeof(Sds));
    }
    b->keys[b->n++] = sds_newlen(k, klen);
}

/* Keeps a collected key only if it matches, has the wanted type and has not
 * expired (an expired key is deleted here by the lookup). As in Redis, only the
 * TYPE filter's lookup counts as a keyspace read. */
static int ks_scan_keep(Client *c, const ScanArgs *opt, Sds key) {
    if (!scan_match(opt, key, sds_len(key))) return 0;
    if (!opt->type) return db_lookup(c->db, key, sds_len(key), LOOKUP_NOTOUCH) != NULL;
    Obj *keyobj = obj_string(key, sds_len(key));
    Obj *o = ks_lookup_read(c->db, keyobj, LOOKUP_NOTOUCH);
    obj_decr(keyobj);
    return o && strcasecmp(opt->type, ks_type_name(o)) == 0;
}

static void ks_scan(Client *c) {
    unsigned long cursor;
    ScanArgs opt;
    if (!scan_parse_cursor(c, c->argv[1], &cursor) || !scan_parse_args(c, 2, 1, &opt)) return;
    propagate_no_multi(); /* its lazy-expiry deletes are not one transaction */

    KsScanBatch b = {0};
    /* visit at most 10*COUNT buckets so a sparse table cannot block the server */
    long maxiter = opt.count > LONG_MAX / 10 ? LONG_MAX : opt.count * 10;
    do {
        cursor = ht_scan(c->db->keys, cursor, ks_scan_collect, &b);
    } while (cursor && maxiter-- && b.n < (size_t)opt.count);

    size_t kept = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (ks_scan_keep(c, &opt, b.keys[i])) b.keys[kept++] = b.keys[i];
        else sds_free(b.keys[i]);
    }
    scan_reply_cursor(c, cursor);
    reply_array_len(c, (long)kept);
    for (size_t i = 0; i < kept; i++) {
        reply_bulk(c, b.keys[i], sds_len(b.keys[i]));
        sds_free(b.keys[i]);
    }
    vfree(b.keys);
}

/* ---------------------------------------------------------------- RENAME, MOVE, COPY */

static void ks_rename_generic(Client *c, int nx) {
    const Obj *src = c->argv[1], *dst = c->argv[2];
    int samekey = sds_cmp(src->ptr, dst->ptr) == 0;
    if (!ks_lookup_write(c->db, src)) {
        reply_error(c, "no such key");
        return;
    }
    if (samekey) {
        if (nx) reply_long(c, 0);
        else reply_ok(c);
        return;
    }
    if (ks_lookup_write(c->db, dst)) {
        if (nx) {
            reply_long(c, 0);
            return;
        }
        db_delete_lazy(c->db, key_ptr(dst), key_len(dst), lazyfree_cfg.server_del);
    }
    ks_move_value(c->db, src, c->db, dst);
    db_key_touched(c->db, key_ptr(src), key_len(src)); /* one change (dirty) for two keys */
    notify_keyspace_event(NOTIFY_GENERIC, "rename_from", src, c->db->id);
    ks_modified(c->db, dst, "rename_to");
    if (nx) reply_long(c, 1);
    else reply_ok(c);
}

static void ks_rename(Client *c) { ks_rename_generic(c, 0); }
static void ks_renamenx(Client *c) { ks_rename_generic(c, 1); }

static void ks_move(Client *c) {
    Db *src = c->db, *dst = ks_arg_db(c, c->argv[2]);
    const Obj *key = c->argv[1];
    if (!dst) return;
    if (dst == src) {
        reply_error(c, ks_err_same);
        return;
    }
    if (!ks_lookup_write(src, key) || ks_lookup_write(dst, key)) {
        reply_long(c, 0);
        return;
    }
    ks_move_value(src, key, dst, key);
    db_key_touched(src, key_ptr(key), key_len(key)); /* one change (dirty) for two keys */
    notify_keyspace_event(NOTIFY_GENERIC, "move_from", key, src->id);
    ks_modified(dst, key, "move_to");
    reply_long(c, 1);
}

static void ks_copy(Client *c) {
    Db *src = c->db, *dst = c->db;
    const Obj *key = c->argv[1], *newkey = c->argv[2];
    int replace = 0;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c->argv[j], "replace")) {
            replace = 1;
        } else if (arg_is(c->argv[j], "db") && j + 1 < c->argc) {
            if (!(dst = ks_arg_db(c, c->argv[++j]))) return;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (src == dst && sds_cmp(key->ptr, newkey->ptr) == 0) {
        reply_error(c, ks_err_same);
        return;
    }
    Obj *o = ks_lookup_read(src, key, LOOKUP_NONE);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    long long when = db_get_expire(o);
    int exists = ks_lookup_write(dst, newkey) != NULL;
    if (exists && !replace) {
        reply_long(c, 0);
        return;
    }
    Obj *copy = obj_dup_value(o);
    if (!copy) {
        reply_error(c, "unknown type object");
        return;
    }
    if (exists) db_delete_lazy(dst, key_ptr(newkey), key_len(newkey), lazyfree_cfg.server_del);
    Obj *n = db_add(dst, key_ptr(newkey), key_len(newkey), copy);
    if (when != -1) db_set_expire(dst, n, when);
    ks_modified(dst, newkey, "copy_to");
    reply_long(c, 1);
}

/* ---------------------------------------------------------------- SELECT, SWAPDB, FLUSH */

static void ks_select(Client *c) {
    int id;
    if (!ks_arg_int(c, c->argv[1], &id, NULL)) return;
    if (!client_select_db(c, id)) reply_error(c, ks_err_dbrange);
    else reply_ok(c);
}

static void ks_swapdb(Client *c) {
    int a, b;
    if (!ks_arg_int(c, c->argv[1], &a, "invalid first DB index")) return;
    if (!ks_arg_int(c, c->argv[2], &b, "invalid second DB index")) return;
    if (a < 0 || a >= db_count() || b < 0 || b >= db_count() || !db_swap(a, b)) {
        reply_error(c, ks_err_dbrange);
        return;
    }
    server.stat.dirty++;
    reply_ok(c);
}

/* FLUSHDB/FLUSHALL [ASYNC|SYNC]: returns -1 after a syntax error, else async flag. */
static int ks_flush_mode(Client *c) {
    if (c->argc == 1) return lazyfree_cfg.user_flush ? 1 : 0;
    if (c->argc == 2 && arg_is(c->argv[1], "sync")) return 0;
    if (c->argc == 2 && arg_is(c->argv[1], "async")) return 1;
    reply_error_syntax(c);
    return -1;
}

static void ks_flushdb(Client *c) {
    int async = ks_flush_mode(c);
    if (async < 0) return;
    server.stat.dirty += db_empty(c->db->id, async);
    propagate_force(c); /* even when the database was already empty */
    reply_ok(c);
}

static void ks_flushall(Client *c) {
    int async = ks_flush_mode(c);
    if (async < 0) return;
    server.stat.dirty += db_empty(-1, async);
    /* persistence: a running BGSAVE is pointless now; with save points the empty
     * dataset is saved, which leaves the dirty count at 0 as in Redis 7.0 (the
     * command still propagates: forced) */
    modules_flushall();
    propagate_force(c);
    reply_ok(c);
}

/* ---------------------------------------------------------------- EXPIRE family */

#define KS_EXPIRE_NX (1 << 0)
#define KS_EXPIRE_XX (1 << 1)
#define KS_EXPIRE_GT (1 << 2)
#define KS_EXPIRE_LT (1 << 3)

static int ks_expire_flags(Client *c, int *flags) {
    *flags = 0;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c->argv[j], "nx")) *flags |= KS_EXPIRE_NX;
        else if (arg_is(c->argv[j], "xx")) *flags |= KS_EXPIRE_XX;
        else if (arg_is(c->argv[j], "gt")) *flags |= KS_EXPIRE_GT;
        else if (arg_is(c->argv[j], "lt")) *flags |= KS_EXPIRE_LT;
        else {
            reply_errorf(c, "Unsupported option %s", arg_str(c, j));
            return 0;
        }
    }
    if ((*flags & KS_EXPIRE_NX) && (*flags & (KS_EXPIRE_XX | KS_EXPIRE_GT | KS_EXPIRE_LT))) {
        reply_error(c, "NX and XX, GT or LT options at the same time are not compatible");
        return 0;
    }
    if ((*flags & KS_EXPIRE_GT) && (*flags & KS_EXPIRE_LT)) {
        reply_error(c, "GT and LT options at the same time are not compatible");
        return 0;
    }
    return 1;
}

/* Whether the NX/XX/GT/LT condition allows replacing cur (-1: none) by when.
 * A key without a TTL counts as an infinite TTL for GT and LT. */
static int ks_expire_allowed(int flags, long long cur, long long when) {
    if ((flags & KS_EXPIRE_NX) && cur != -1) return 0;
    if ((flags & KS_EXPIRE_XX) && cur == -1) return 0;
    if ((flags & KS_EXPIRE_GT) && (cur == -1 || when <= cur)) return 0;
    if ((flags & KS_EXPIRE_LT) && cur != -1 && when >= cur) return 0;
    return 1;
}

/* Converts the time argument to an absolute ms time; replies on overflow. */
static int ks_expire_when(Client *c, const char *name, long long basetime, int seconds, long long *when) {
    long long v;
    if (!arg_ll(c, c->argv[2], &v, NULL)) return 0;
    if (seconds) {
        if (v > LLONG_MAX / 1000 || v < LLONG_MIN / 1000) goto overflow;
        v *= 1000;
    }
    if (v > LLONG_MAX - basetime) goto overflow;
    *when = v + basetime;
    return 1;
overflow:
    reply_errorf(c, "invalid expire time in '%s' command", name);
    return 0;
}

static void ks_expire_generic(Client *c, const char *name, long long basetime, int seconds) {
    const Obj *key = c->argv[1];
    int flags;
    long long when;
    if (!ks_expire_flags(c, &flags)) return;
    if (!ks_expire_when(c, name, basetime, seconds, &when)) return;
    Obj *o = ks_lookup_write(c->db, key);
    if (!o || !ks_expire_allowed(flags, db_get_expire(o), when)) {
        reply_long(c, 0);
        return;
    }
    /* propagated with an absolute time, or as the delete it amounts to */
    if (when <= mstime() && !server.loading) {
        db_delete_lazy(c->db, key_ptr(key), key_len(key), lazyfree_cfg.expire);
        ks_modified(c->db, key, "del");
        propagate_replace_objs(c, obj_word(lazyfree_cfg.expire ? WORD_UNLINK : WORD_DEL), key, NULL);
    } else {
        db_set_expire(c->db, o, when);
        ks_modified(c->db, key, "expire");
        Obj *ms = obj_from_ll(when);
        propagate_replace_objs(c, obj_word(WORD_PEXPIREAT), key, ms, NULL);
        obj_decr(ms);
    }
    reply_long(c, 1);
}

static void ks_expire(Client *c) { ks_expire_generic(c, "expire", mstime(), 1); }
static void ks_pexpire(Client *c) { ks_expire_generic(c, "pexpire", mstime(), 0); }
static void ks_expireat(Client *c) { ks_expire_generic(c, "expireat", 0, 1); }
static void ks_pexpireat(Client *c) { ks_expire_generic(c, "pexpireat", 0, 0); }

static void ks_ttl_generic(Client *c, int in_ms, int absolute) {
    Obj *o = ks_lookup_read(c->db, c->argv[1], LOOKUP_NOTOUCH);
    if (!o) {
        reply_long(c, -2);
        return;
    }
    long long when = db_get_expire(o);
    if (when == -1) {
        reply_long(c, -1);
        return;
    }
    long long ttl = absolute ? when : when - mstime();
    if (ttl < 0) ttl = 0;
    /* seconds rounded to nearest; written so that a TTL near LLONG_MAX cannot overflow */
    reply_long(c, in_ms ? ttl : ttl / 1000 + (ttl % 1000 >= 500));
}

static void ks_ttl(Client *c) { ks_ttl_generic(c, 0, 0); }
static void ks_pttl(Client *c) { ks_ttl_generic(c, 1, 0); }
static void ks_expiretime(Client *c) { ks_ttl_generic(c, 0, 1); }
static void ks_pexpiretime(Client *c) { ks_ttl_generic(c, 1, 1); }

static void ks_persist(Client *c) {
    Obj *o = ks_lookup_write(c->db, c->argv[1]);
    if (!o || db_get_expire(o) == -1) {
        reply_long(c, 0);
        return;
    }
    db_remove_expire(c->db, o);
    ks_modified(c->db, c->argv[1], "persist");
    reply_long(c, 1);
}

/* ---------------------------------------------------------------- OBJECT */

static Obj *ks_object_lookup(Client *c) {
    Obj *o = ks_lookup_read(c->db, c->argv[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!o) reply_null(c);
    return o;
}

static void ks_object_refcount(Client *c) {
    Obj *o = ks_object_lookup(c);
    if (o) reply_long(c, evict_is_shared_integer(o) ? INT_MAX : (long long)o->refcount);
}

static void ks_object_encoding(Client *c) {
    Obj *o = ks_object_lookup(c);
    if (o) reply_bulk_cstr(c, obj_encoding_name(o->encoding));
}

static void ks_object_idletime(Client *c) {
    Obj *o = ks_object_lookup(c);
    if (!o) return;
    if (evict_policy_is_lfu()) {
        reply_error(c, "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                       "switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_long(c, (long long)evict_idle_seconds(o));
}

static void ks_object_freq(Client *c) {
    Obj *o = ks_object_lookup(c);
    if (!o) return;
    if (!evict_policy_is_lfu()) {
        reply_error(c, "An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
                       "that when switching between policies at runtime LRU and LFU data will take some "
                       "time to adjust.");
        return;
    }
    reply_long(c, (long long)evict_lfu_counter(o));
}

static void ks_object_help(Client *c) {
    static const char *help[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL,
    };
    reply_help(c, help);
}

/* ---------------------------------------------------------------- command table */

#define KS_KEY1(fl) { KS1((fl), 1, 0, 1) }
#define KS_KEYS_ALL(fl) { KS1((fl), 1, -1, 1) }
#define KS_LEGACY(f, l, s) .legacy_first = (f), .legacy_last = (l), .legacy_step = (s)
#define KS_READ_FAST (ACL_KEYSPACE | ACL_READ | ACL_FAST)
#define KS_WRITE_FAST (ACL_KEYSPACE | ACL_WRITE | ACL_FAST)
#define KS_TIP_MULTI_SUM "\ntip request_policy:multi_shard\ntip response_policy:agg_sum"
#define KS_TIP_ALL_OK "\ntip request_policy:all_shards\ntip response_policy:all_succeeded"
#define KS_HIST_EXPIRE "\nhistory 7.0.0 Added options: `NX`, `XX`, `GT` and `LT`."
#define KS_HIST_FLUSH                                      \
    "\nhistory 4.0.0 Added the `ASYNC` flushing mode modifier." \
    "\nhistory 6.2.0 Added the `SYNC` flushing mode modifier."
#define KS_HIST_TTL "\nhistory 2.8.0 Added the -2 reply.\ntip nondeterministic_output"

#define KS_OBJECT_SUB(nm, fn, sum, ver)                                                                    \
    { .name = nm, .proc = fn, .arity = 3, .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, \
      .group = "generic", .summary = sum, .since = ver, .complexity = "O(1)",                               \
      .args = "key:key\ntip nondeterministic_output", .keyspecs = { KS1(KS_RO, 2, 0, 1) }, .nkeyspecs = 1,  \
      KS_LEGACY(2, 2, 1) }

static Command object_subcommands[] = {
    KS_OBJECT_SUB("encoding", ks_object_encoding, "Inspect the internal encoding of a Redis object", "2.2.3"),
    KS_OBJECT_SUB("freq", ks_object_freq, "Get the logarithmic access frequency counter of a Redis object", "4.0.0"),
    { .name = "help", .proc = ks_object_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
      .acl = ACL_KEYSPACE | ACL_SLOW, .group = "generic",
      .summary = "Show helpful text about the different subcommands", .since = "6.2.0", .complexity = "O(1)" },
    KS_OBJECT_SUB("idletime", ks_object_idletime, "Get the time since a Redis object was last accessed", "2.2.3"),
    KS_OBJECT_SUB("refcount", ks_object_refcount, "Get the number of references to the value of the key", "2.2.3"),
    { 0 },
};

/* EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT */
#define KS_EXPIRE_CMD(nm, fn, argname, sum, ver)                                                    \
    { .name = nm, .proc = fn, .arity = -3, .flags = CMD_WRITE | CMD_FAST, .acl = KS_WRITE_FAST,     \
      .group = "generic", .summary = sum, .since = ver, .complexity = "O(1)",                      \
      .args = "key:key " argname " [NX|XX|GT|LT]{condition @7.0.0}" KS_HIST_EXPIRE,                 \
      .keyspecs = KS_KEY1(KS_RW | KS_UPDATE), .nkeyspecs = 1, KS_LEGACY(1, 1, 1) }

/* TTL, PTTL, EXPIRETIME, PEXPIRETIME */
#define KS_TTL_CMD(nm, fn, sum, ver, extra)                                                         \
    { .name = nm, .proc = fn, .arity = 2, .flags = CMD_READONLY | CMD_FAST, .acl = KS_READ_FAST,    \
      .group = "generic", .summary = sum, .since = ver, .complexity = "O(1)", .args = "key:key" extra, \
      .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1, KS_LEGACY(1, 1, 1) }

static Command keyspace_commands[] = {
    { .name = "del", .proc = ks_del, .arity = -2, .flags = CMD_WRITE, .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW,
      .group = "generic", .summary = "Delete a key", .since = "1.0.0",
      .complexity = "O(N) where N is the number of keys that will be removed. When a key to remove holds a value "
                    "other than a string, the individual complexity for this key is O(M) where M is the number of "
                    "elements in the list, set, sorted set or hash. Removing a single key that holds a string value "
                    "is O(1).",
      .args = "key:key..." KS_TIP_MULTI_SUM, .keyspecs = KS_KEYS_ALL(KS_RM | KS_DELETE), .nkeyspecs = 1,
      KS_LEGACY(1, -1, 1) },
    { .name = "unlink", .proc = ks_unlink, .arity = -2, .flags = CMD_WRITE | CMD_FAST, .acl = KS_WRITE_FAST,
      .group = "generic",
      .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
      .since = "4.0.0",
      .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) work in a "
                    "different thread in order to reclaim memory, where N is the number of allocations the "
                    "deleted objects where composed of.",
      .args = "key:key..." KS_TIP_MULTI_SUM, .keyspecs = KS_KEYS_ALL(KS_RM | KS_DELETE), .nkeyspecs = 1,
      KS_LEGACY(1, -1, 1) },
    { .name = "exists", .proc = ks_exists, .arity = -2, .flags = CMD_READONLY | CMD_FAST, .acl = KS_READ_FAST,
      .group = "generic", .summary = "Determine if a key exists", .since = "1.0.0",
      .complexity = "O(N) where N is the number of keys to check.",
      .args = "key:key...\nhistory 3.0.3 Accepts multiple `key` arguments." KS_TIP_MULTI_SUM,
      .keyspecs = KS_KEYS_ALL(KS_RO), .nkeyspecs = 1, KS_LEGACY(1, -1, 1) },
    { .name = "type", .proc = ks_type, .arity = 2, .flags = CMD_READONLY | CMD_FAST, .acl = KS_READ_FAST,
      .group = "generic", .summary = "Determine the type stored at key", .since = "1.0.0", .complexity = "O(1)",
      .args = "key:key", .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1, KS_LEGACY(1, 1, 1) },
    { .name = "keys", .proc = ks_keys, .arity = 2, .flags = CMD_READONLY,
      .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW | ACL_DANGEROUS, .group = "generic",
      .summary = "Find all keys matching the given pattern", .since = "1.0.0",
      .complexity = "O(N) with N being the number of keys in the database, under the assumption that the key "
                    "names in the database and the given pattern have limited length.",
      .args = "pattern:pattern\ntip request_policy:all_shards\ntip nondeterministic_output_order" },
    { .name = "scan", .proc = ks_scan, .arity = -2, .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
      .group = "generic", .summary = "Incrementally iterate the keys space", .since = "2.8.0",
      .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
                    "cursor to return back to 0. N is the number of elements inside the collection.",
      .args = "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type:string]{@6.0.0}"
              "\nhistory 6.0.0 Added the `TYPE` subcommand."
              "\ntip nondeterministic_output\ntip request_policy:special" },
    { .name = "randomkey", .proc = ks_randomkey, .arity = 1, .flags = CMD_READONLY,
      .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .group = "generic",
      .summary = "Return a random key from the keyspace", .since = "1.0.0", .complexity = "O(1)",
      .args = "\ntip request_policy:all_shards\ntip nondeterministic_output" },
    { .name = "rename", .proc = ks_rename, .arity = 3, .flags = CMD_WRITE, .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW,
      .group = "generic", .summary = "Rename a key", .since = "1.0.0", .complexity = "O(1)",
      .args = "key:key newkey:key",
      .keyspecs = { KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1), KS1(KS_OW | KS_UPDATE, 2, 0, 1) },
      .nkeyspecs = 2, KS_LEGACY(1, 2, 1) },
    { .name = "renamenx", .proc = ks_renamenx, .arity = 3, .flags = CMD_WRITE | CMD_FAST, .acl = KS_WRITE_FAST,
      .group = "generic", .summary = "Rename a key, only if the new key does not exist", .since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key newkey:key\nhistory 3.2.0 The command no longer returns an error when source and "
              "destination names are the same.",
      .keyspecs = { KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1), KS1(KS_OW | KS_INSERT, 2, 0, 1) },
      .nkeyspecs = 2, KS_LEGACY(1, 2, 1) },
    { .name = "touch", .proc = ks_touch, .arity = -2, .flags = CMD_READONLY | CMD_FAST, .acl = KS_READ_FAST,
      .group = "generic",
      .summary = "Alters the last access time of a key(s). Returns the number of existing keys specified.",
      .since = "3.2.1", .complexity = "O(N) where N is the number of keys that will be touched.",
      .args = "key:key..." KS_TIP_MULTI_SUM, .keyspecs = KS_KEYS_ALL(KS_RO), .nkeyspecs = 1, KS_LEGACY(1, -1, 1) },
    { .name = "object", .arity = -2, .acl = ACL_SLOW, .group = "generic",
      .summary = "A container for object introspection commands", .since = "2.2.3",
      .complexity = "Depends on subcommand.", .subcommands = object_subcommands },
    { .name = "move", .proc = ks_move, .arity = 3, .flags = CMD_WRITE | CMD_FAST, .acl = KS_WRITE_FAST,
      .group = "generic", .summary = "Move a key to another database", .since = "1.0.0", .complexity = "O(1)",
      .args = "key:key db:integer", .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1,
      KS_LEGACY(1, 1, 1) },
    { .name = "swapdb", .proc = ks_swapdb, .arity = 3, .flags = CMD_WRITE | CMD_FAST,
      .acl = KS_WRITE_FAST | ACL_DANGEROUS, .group = "server", .summary = "Swaps two Redis databases",
      .since = "4.0.0",
      .complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases.",
      .args = "index1:integer index2:integer" },
    { .name = "copy", .proc = ks_copy, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
      .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .group = "generic", .summary = "Copy a key", .since = "6.2.0",
      .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
                    "values.",
      .args = "source:key destination:key [DB destination-db:integer] [REPLACE]",
      .keyspecs = { KS1(KS_RO | KS_ACCESS, 1, 0, 1), KS1(KS_OW | KS_UPDATE, 2, 0, 1) }, .nkeyspecs = 2,
      KS_LEGACY(1, 2, 1) },
    { .name = "flushdb", .proc = ks_flushdb, .arity = -1, .flags = CMD_WRITE,
      .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "server",
      .summary = "Remove all keys from the current database", .since = "1.0.0",
      .complexity = "O(N) where N is the number of keys in the selected database",
      .args = "[ASYNC{@4.0.0}|SYNC{@6.2.0}]{async}" KS_HIST_FLUSH KS_TIP_ALL_OK },
    { .name = "flushall", .proc = ks_flushall, .arity = -1, .flags = CMD_WRITE,
      .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "server",
      .summary = "Remove all keys from all databases", .since = "1.0.0",
      .complexity = "O(N) where N is the total number of keys in all databases",
      .args = "[ASYNC{@4.0.0}|SYNC{@6.2.0}]{async}" KS_HIST_FLUSH KS_TIP_ALL_OK },
    { .name = "dbsize", .proc = ks_dbsize, .arity = 1, .flags = CMD_READONLY | CMD_FAST, .acl = KS_READ_FAST,
      .group = "server", .summary = "Return the number of keys in the selected database", .since = "1.0.0",
      .complexity = "O(1)", .args = "\ntip request_policy:all_shards\ntip response_policy:agg_sum" },
    { .name = "select", .proc = ks_select, .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
      .acl = ACL_FAST | ACL_CONNECTION, .group = "connection",
      .summary = "Change the selected database for the current connection", .since = "1.0.0",
      .complexity = "O(1)", .args = "index:integer" },
    KS_EXPIRE_CMD("expire", ks_expire, "seconds:integer", "Set a key's time to live in seconds", "1.0.0"),
    KS_EXPIRE_CMD("pexpire", ks_pexpire, "milliseconds:integer", "Set a key's time to live in milliseconds",
                  "2.6.0"),
    KS_EXPIRE_CMD("expireat", ks_expireat, "unix-time-seconds:unix-time",
                  "Set the expiration for a key as a UNIX timestamp", "1.2.0"),
    KS_EXPIRE_CMD("pexpireat", ks_pexpireat, "unix-time-milliseconds:unix-time",
                  "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"),
    KS_TTL_CMD("ttl", ks_ttl, "Get the time to live for a key in seconds", "1.0.0", KS_HIST_TTL),
    KS_TTL_CMD("pttl", ks_pttl, "Get the time to live for a key in milliseconds", "2.6.0", KS_HIST_TTL),
    KS_TTL_CMD("expiretime", ks_expiretime, "Get the expiration Unix timestamp for a key", "7.0.0", ""),
    KS_TTL_CMD("pexpiretime", ks_pexpiretime, "Get the expiration Unix timestamp for a key in milliseconds",
               "7.0.0", ""),
    { .name = "persist", .proc = ks_persist, .arity = 2, .flags = CMD_WRITE | CMD_FAST, .acl = KS_WRITE_FAST,
      .group = "generic", .summary = "Remove the expiration from a key", .since = "2.2.0", .complexity = "O(1)",
      .args = "key:key", .keyspecs = KS_KEY1(KS_RW | KS_UPDATE), .nkeyspecs = 1, KS_LEGACY(1, 1, 1) },
    { 0 },
};

const Module keyspace_module = {
    .name = "keyspace",
    .commands = keyspace_commands,
};
