/* db.c - the keyspace: databases of keyed objects, lazy and active expiry.
 *
 * Each database is one hash table whose entries are keyed objects (see obj.c), so
 * a key costs its object plus a table slot. Keys with a TTL also sit in a dense
 * array (their position is stored in the object) which active expiry samples at
 * random; a key without a TTL pays nothing for expiry.
 * Invariants: an object with has_expire is in its db's volatile array at index
 * obj_get_vindex(o); a key whose expire time is < now is never returned.
 * Costs: lookups and writes are O(1) expected; setting or removing a TTL reallocates
 * the key's object once (it grows or shrinks by 12 bytes). */
#include "db.h"
#include "bio.h"
#include "blocking.h"
#include "client.h"
#include "evict.h"
#include "lazyfree.h"
#include "config.h"
#include "multi.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"
#include "servercmds.h"
#include "server.h"
#include "tracking.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include <math.h>
#include <string.h>

DbStats db_stats;
static Db *dbs;
static int ndbs;
static int resize_allowed = 1; /* 0 while a fork child lives (db_allow_resize) */

static uint64_t key_hash(const void *key, size_t len) { return hash_bytes(key, len); }
static const void *entry_key(const void *entry, size_t *len) { return obj_key(entry, len); }
static void entry_free(void *entry) { db_free_entry(entry); }

static const HtType keyspace_type = {key_hash, entry_key, NULL, entry_free, evict_room_for};

void db_free_entry(Obj *o) {
    obj_free_value(o);
    vfree(o);
}

void db_init_all(int count) {
    ndbs = count;
    dbs = vcalloc(sizeof(Db) * (size_t)count);
    for (int i = 0; i < count; i++) {
        dbs[i].id = i;
        dbs[i].keys = ht_create(&keyspace_type);
    }
}

void db_allow_resize(int allowed) {
    resize_allowed = allowed;
    for (int i = 0; i < ndbs; i++) dbs[i].keys->resize_allowed = allowed;
}

int db_resize_allowed(void) { return resize_allowed; }

Db *db_get(int id) { return (id >= 0 && id < ndbs) ? &dbs[id] : NULL; }
int db_count(void) { return ndbs; }
size_t db_size(Db *db) { return ht_size(db->keys); }
size_t db_volatile_count(Db *db) { return db->nvolatile; }

/* ---- volatile array ---- */

static void volatile_add(Db *db, Obj *o) {
    if (db->nvolatile == db->volatile_cap) {
        db->volatile_cap = db->volatile_cap ? db->volatile_cap * 2 : 16;
        db->volatile_keys = vrealloc(db->volatile_keys, sizeof(Obj *) * db->volatile_cap);
    }
    obj_set_vindex(o, (uint32_t)db->nvolatile);
    db->volatile_keys[db->nvolatile++] = o;
}

static void volatile_remove(Db *db, Obj *o) {
    uint32_t idx = obj_get_vindex(o);
    if (idx >= db->nvolatile || db->volatile_keys[idx] != o) return;
    Obj *last = db->volatile_keys[--db->nvolatile];
    db->volatile_keys[idx] = last;
    obj_set_vindex(last, idx);
    if (db->volatile_cap > 64 && db->nvolatile < db->volatile_cap / 4) {
        db->volatile_cap /= 2;
        db->volatile_keys = vrealloc(db->volatile_keys, sizeof(Obj *) * db->volatile_cap);
    }
}

static inline void touch(Obj *o, int flags) {
    if (!(flags & LOOKUP_NOTOUCH)) evict_touch(o);
}

/* ---- expiry ---- */

long long db_get_expire(const Obj *o) { return obj_get_expire(o); }

int db_key_is_expired(const Obj *o) {
    if (!o->has_expire) return 0;
    if (server.loading) return 0;
    long long when = obj_get_expire(o);
    return when >= 0 && when < server.mstime;
}

/* Removes an expired key: it propagates as DEL (UNLINK with lazyfree-lazy-expire),
 * notifies "expired" and touches watchers, but counts no change (dirty). During a
 * CLIENT PAUSE the dataset stays constant: the key reads as missing but is only
 * deleted once the pause ends, as in Redis. */
static void delete_expired(Db *db, Obj *o) {
    if (block_pause_active()) return;
    size_t klen;
    const char *k = obj_key(o, &klen);
    Sds key = sds_newlen(k, klen);
    long long t0 = ustime();
    db_delete_lazy(db, key, klen, lazyfree_cfg.expire);
    latency_add_sample_if_needed("expire-del", (ustime() - t0) / 1000);
    db_stats.expired_keys++;
    propagate_deletion(db, key, klen, lazyfree_cfg.expire);
    notify_keyspace_event_raw(NOTIFY_EXPIRED, "expired", key, klen, db->id);
    multi_touch_key(db->id, key, klen);
    block_signal_key(db, key, klen);
    tracking_touch(key, klen, 0); /* no client's change (NOLOOP BCAST clients hear of it) */
    sds_free(key);
}

int db_evict_key(Db *db, const char *key, size_t klen, long long *freed) {
    if (freed) *freed = 0;
    if (!ht_find(db->keys, key, klen)) return 0;
    Sds k = sds_newlen(key, klen); /* key may point into the entry freed below */
    /* only the deletion counts as freed: the DEL propagated and the invalidation
     * messages sent allocate, and would otherwise feed further eviction */
    long long before = (long long)vmalloc_used();
    int removed = db_delete_lazy(db, k, klen, lazyfree_cfg.eviction);
    if (freed) *freed = before - (long long)vmalloc_used();
    if (removed) {
        db_stats.evicted_keys++;
        db_key_touched(db, k, klen);
        notify_keyspace_event_raw(NOTIFY_EVICTED, "evicted", k, klen, db->id);
        propagate_deletion(db, k, klen, lazyfree_cfg.eviction);
    }
    sds_free(k);
    return removed;
}

int db_expire_if_needed(Db *db, Obj *o) {
    if (!db_key_is_expired(o)) return 0;
    delete_expired(db, o);
    return 1;
}

Obj *db_find(Db *db, const char *key, size_t klen) { return ht_find(db->keys, key, klen); }

Obj *db_lookup(Db *db, const char *key, size_t klen, int flags) {
    Obj *o = ht_find(db->keys, key, klen);
    /* LFU eviction's sketch counts reads of present and missing keys (a write
     * creating a key counts nothing: the read that missed it did) */
    if (evict_sketch_active && !(flags & LOOKUP_NOTOUCH) && (o || !(flags & LOOKUP_WRITE)))
        evict_sketch_count(key, klen);
    if (!o) return NULL;
    if (o->has_expire && db_key_is_expired(o)) {
        if (!(flags & LOOKUP_NOEXPIRE)) delete_expired(db, o);
        return NULL;
    }
    touch(o, flags);
    return o;
}

Obj *db_lookup_read(Client *c, const Obj *key) {
    int flags = (c->flags & CLIENT_NO_TOUCH) ? LOOKUP_NOTOUCH : 0;
    Obj *o = db_lookup(c->db, key_ptr(key), key_len(key), flags);
    if (o) {
        db_stats.keyspace_hits++;
    } else {
        db_stats.keyspace_misses++;
        notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, c->db->id); /* reads only, as in Redis */
    }
    return o;
}

Obj *db_lookup_write(Client *c, const Obj *key) {
    return db_lookup(c->db, key_ptr(key), key_len(key), LOOKUP_WRITE);
}

int db_check_type(Client *c, const Obj *o, int type) {
    if (o && type >= 0 && (int)o->type != type) {
        reply_error_wrongtype(c);
        return 0;
    }
    return 1;
}

Obj *db_lookup_read_or_reply(Client *c, const Obj *key, int type) {
    Obj *o = db_lookup_read(c, key);
    if (!o) {
        reply_null(c);
        return NULL;
    }
    if (!db_check_type(c, o, type)) return NULL;
    return o;
}

/* ---- writes ---- */

Obj *db_add(Db *db, const char *key, size_t klen, Obj *val) {
    Obj *o = obj_keyed(val, key, klen, 0);
    o->lru = evict_lru_init();
    ht_add(db->keys, o);
    if (evict_sketch_active) evict_new_key(db, o);
    notify_keyspace_event_raw(NOTIFY_NEW, "new", key, klen, db->id); /* before the command's own event */
    return o;
}

Obj *db_add_unique(Db *db, const char *key, size_t klen, Obj *val) {
    Obj *o = obj_keyed(val, key, klen, 0);
    o->lru = evict_lru_init();
    if (ht_add_or_find(db->keys, o) != NULL) {
        obj_decr(o); /* the key was there: the new entry and its value go */
        return NULL;
    }
    return o;
}

Obj *db_overwrite(Db *db, const char *key, size_t klen, Obj *val, int keepttl) {
    void **ref = ht_find_ref(db->keys, key, klen);
    if (!ref) return db_add(db, key, klen, val);
    Obj *old = *ref;
    int keep = keepttl && old->has_expire;
    Obj *o = obj_keyed(val, key, klen, keep);
    o->lru = old->lru;
    if (keep) {
        obj_set_expire_field(o, obj_get_expire(old));
        uint32_t idx = obj_get_vindex(old);
        obj_set_vindex(o, idx);
        db->volatile_keys[idx] = o;
    } else if (old->has_expire) {
        volatile_remove(db, old);
    }
    *ref = o;
    lazyfree_entry(old, lazyfree_cfg.server_del);
    return o;
}

Obj *db_set(Client *c, Db *db, const Obj *key, Obj *val, int flags) {
    Obj *o;
    if (flags & SETKEY_DOESNT_EXIST) o = db_add(db, key_ptr(key), key_len(key), val);
    else o = db_overwrite(db, key_ptr(key), key_len(key), val, flags & SETKEY_KEEPTTL);
    (void)c;
    return o;
}

Obj *db_unlink(Db *db, const char *key, size_t klen) {
    Obj *o = ht_pop(db->keys, key, klen);
    if (o && o->has_expire) volatile_remove(db, o);
    return o;
}

int db_delete(Db *db, const char *key, size_t klen) { return db_delete_lazy(db, key, klen, 0); }

int db_delete_lazy(Db *db, const char *key, size_t klen, int async) {
    Obj *o = db_unlink(db, key, klen);
    if (!o) return 0;
    lazyfree_entry(o, async);
    return 1;
}

int db_exists(Db *db, const char *key, size_t klen) { return db_lookup(db, key, klen, LOOKUP_NOTOUCH) != NULL; }

Obj *db_set_expire(Db *db, Obj *o, long long when) {
    if (o->has_expire) {
        obj_set_expire_field(o, when);
        return o;
    }
    size_t klen;
    const char *key = obj_key(o, &klen);
    void **ref = ht_find_ref(db->keys, key, klen);
    Obj *n = obj_keyed_resize(o, 1);
    if (ref) *ref = n;
    obj_set_expire_field(n, when);
    volatile_add(db, n);
    return n;
}

Obj *db_remove_expire(Db *db, Obj *o) {
    if (!o->has_expire) return o;
    size_t klen;
    const char *key = obj_key(o, &klen);
    void **ref = ht_find_ref(db->keys, key, klen);
    volatile_remove(db, o);
    Obj *n = obj_keyed_resize(o, 0);
    if (ref) *ref = n;
    return n;
}

static void free_table_job(void *arg) { ht_release(arg); }

/* Flushing a big database frees millions of objects: with async (FLUSHALL ASYNC,
 * or lazyfree-lazy-user-flush) the old table is swapped for an empty one and
 * freed on the background thread, counting each key as a lazily freed object as
 * Redis does. */
long long db_empty(int dbnum, int async) {
    long long removed = 0;
    for (int i = 0; i < ndbs; i++) {
        if (dbnum != -1 && dbnum != i) continue;
        removed += (long long)ht_size(dbs[i].keys);
        multi_touch_db(i, -1);
        block_signal_db(i);
        if (async && ht_size(dbs[i].keys) > 0) {
            Ht *old = dbs[i].keys;
            dbs[i].keys = ht_create(&keyspace_type);
            dbs[i].keys->resize_allowed = resize_allowed; /* a fork child may be sharing pages */
            lazyfree_job(free_table_job, old, (long long)ht_size(old));
        } else {
            ht_clear(dbs[i].keys);
        }
        vfree(dbs[i].volatile_keys);
        dbs[i].volatile_keys = NULL;
        dbs[i].nvolatile = dbs[i].volatile_cap = 0;
        dbs[i].avg_ttl = 0;
    }
    tracking_flush_touch(async);
    return removed;
}

int db_swap(int a, int b) {
    if (a < 0 || b < 0 || a >= ndbs || b >= ndbs) return 0;
    multi_touch_db(a, b);
    multi_touch_db(b, a);
    Db tmp = dbs[a];
    dbs[a] = dbs[b];
    dbs[b] = tmp;
    dbs[a].id = a;
    dbs[b].id = b;
    block_signal_db(a);
    block_signal_db(b);
    tracking_flush_touch(1); /* every key of both may differ now, as Redis treats it */
    return 1;
}

Obj *db_random_key(Db *db) {
    for (int tries = 0; tries < 100; tries++) {
        Obj *o = ht_random(db->keys);
        if (!o) return NULL;
        if (!db_key_is_expired(o)) return o;
        delete_expired(db, o);
    }
    return NULL;
}

void db_key_touched(Db *db, const char *key, size_t klen) {
    multi_touch_key(db->id, key, klen);
    block_signal_key(db, key, klen);
    tracking_touch(key, klen, 1);
}

void db_changed_raw(Db *db, const char *key, size_t klen, int type_class, const char *event) {
    db_key_touched(db, key, klen);
    if (event) notify_keyspace_event_raw(type_class, event, key, klen, db->id);
    server.stat.dirty++;
}

void db_changed(Db *db, const Obj *key, int type_class, const char *event) {
    db_changed_raw(db, key_ptr(key), key_len(key), type_class, event);
}

/* ---- active expiry ----
 * Each call samples up to ACTIVE_EXPIRE_SAMPLES volatile keys per database and
 * deletes the expired ones, repeating while more than a quarter of a sample had
 * expired, within a time budget: 25% of a cron period for the slow cycle, 1 ms
 * for the fast cycle run before sleeping. */
#define ACTIVE_EXPIRE_SAMPLES 20
#define ACTIVE_EXPIRE_FAST_US 1000
#define ACTIVE_EXPIRE_SLOW_PERC 25

void db_active_expire_cycle(int fast) {
    static int next_db;
    static long long last_fast_us;
    if (!server.active_expire_enabled || block_pause_active()) return;
    long long start = ustime();
    int effort = server.cfg.active_expire_effort > 0 ? server.cfg.active_expire_effort - 1 : 0;
    long long budget;
    if (fast) {
        if (start < last_fast_us + ACTIVE_EXPIRE_FAST_US * 2) return;
        last_fast_us = start;
        budget = ACTIVE_EXPIRE_FAST_US + ACTIVE_EXPIRE_FAST_US / 4 * effort;
    } else {
        budget = 1000000LL * (ACTIVE_EXPIRE_SLOW_PERC + 2 * effort) / (server.hz ? server.hz : 10) / 100;
    }
    int samples = ACTIVE_EXPIRE_SAMPLES + ACTIVE_EXPIRE_SAMPLES / 4 * effort;
    server.mstime = start / 1000;
    for (int n = 0; n < ndbs; n++) {
        Db *db = &dbs[(next_db + n) % ndbs];
        for (;;) {
            if (db->nvolatile == 0) break;
            int expired = 0, sampled = 0;
            double ttl_sum = 0; /* double: TTLs near LLONG_MAX must not overflow */
            int ttl_samples = 0;
            for (int i = 0; i < samples && db->nvolatile; i++) {
                size_t idx = (size_t)(rand_u64() % db->nvolatile);
                Obj *o = db->volatile_keys[idx];
                sampled++;
                long long when = obj_get_expire(o);
                if (when < server.mstime) {
                    delete_expired(db, o);
                    expired++;
                } else {
                    ttl_sum += (double)when - (double)server.mstime;
                    ttl_samples++;
                }
            }
            if (ttl_samples) {
                double avgd = ttl_sum / ttl_samples;
                long long avg = avgd > 1e18 ? (long long)1e18 : (long long)avgd;
                db->avg_ttl = db->avg_ttl ? (db->avg_ttl / 50) * 49 + avg / 50 : avg;
            }
            if (ustime() - start > budget) {
                db_stats.expired_time_cap_reached++;
                next_db = (next_db + n + 1) % ndbs;
                goto done;
            }
            if (sampled == 0 || expired * 4 <= sampled) break;
        }
    }
    next_db = (next_db + 1) % ndbs;
done:; /* every cycle that ran is timed, as Redis's activeExpireCycle */
    long long elapsed = ustime() - start;
    db_stats.expire_cycle_cpu_us += elapsed;
    latency_add_sample_if_needed("expire-cycle", elapsed / 1000);
}

void db_rehash_cron(long long budget_us) {
    for (int i = 0; i < ndbs; i++) {
        if (ht_is_rehashing(dbs[i].keys)) {
            ht_rehash_for_us(dbs[i].keys, budget_us);
            return;
        }
    }
}

void db_resize_cron(void) {
    for (int i = 0; i < ndbs; i++) ht_shrink_if_needed(dbs[i].keys);
}
