/* db.h - the keyspace data layer: numbered databases of keyed objects, expiry (lazy
 * and active), the primitives every data type's commands use, and db_changed(), the
 * one call that carries the effects of a write. The generic key commands (DEL,
 * EXPIRE, SCAN, ...) are in keycmds.c. */
#ifndef VESPER_DB_H
#define VESPER_DB_H
#include <stddef.h>
#include <stdint.h>
#include "../base/ht.h"
#include "obj.h"
#include "config.h"

struct Client;

typedef struct Db {
    int id;
    Ht *keys;                  /* entries are keyed Obj* */
    Obj **volatile_keys;       /* keys with a TTL, for active expiry sampling */
    size_t nvolatile, volatile_cap;
    long long avg_ttl;
    unsigned long expires_cursor;
} Db;

/* lookup flags */
#define LOOKUP_NONE 0
#define LOOKUP_NOTOUCH (1 << 0)    /* don't update LRU */
#define LOOKUP_NONOTIFY (1 << 1)
#define LOOKUP_NOSTATS (1 << 2)    /* don't count hits/misses */
#define LOOKUP_WRITE (1 << 3)      /* write intent */
#define LOOKUP_NOEXPIRE (1 << 4)   /* don't delete expired keys (just treat as missing) */

void db_init_all(int count);
Db *db_get(int id);
int db_count(void);

/* The entry for key as stored, expired or not (no side effects). */
Obj *db_find(Db *db, const char *key, size_t klen);
/* Lookups return the keyed object (borrowed; valid until the keyspace changes) or
 * NULL; expired keys are removed (or hidden) first. */
Obj *db_lookup(Db *db, const char *key, size_t klen, int flags);
Obj *db_lookup_read(struct Client *c, const Obj *key);          /* counts hits/misses */
Obj *db_lookup_write(struct Client *c, const Obj *key);
/* Read lookup that replies with nil (reply_null) when missing, or WRONGTYPE when the
 * type differs (type < 0: any). Returns NULL after replying. */
Obj *db_lookup_read_or_reply(struct Client *c, const Obj *key, int type);
int db_check_type(struct Client *c, const Obj *o, int type);    /* replies WRONGTYPE; returns 0 */

/* Writes. val is an unkeyed object; one reference is consumed. The returned keyed
 * object is the one now stored. */
/* db_add emits the "new" event (class n), as every key creation does in Redis. */
Obj *db_add(Db *db, const char *key, size_t klen, Obj *val);                  /* key must not exist */
/* db_add for input that may repeat a key (loading): NULL, with val freed, when the
 * key exists. One hash lookup. */
Obj *db_add_unique(Db *db, const char *key, size_t klen, Obj *val);
Obj *db_overwrite(Db *db, const char *key, size_t klen, Obj *val, int keepttl); /* key must exist */
#define SETKEY_KEEPTTL 1
#define SETKEY_ALREADY_EXIST 4
#define SETKEY_DOESNT_EXIST 8
Obj *db_set(struct Client *c, Db *db, const Obj *key, Obj *val, int flags);
int db_delete(Db *db, const char *key, size_t klen);      /* 1 if it existed */
/* The same; with async, a value with much to free goes to the background thread
 * (UNLINK, lazyfree-lazy-user-del, -expire, -eviction; see lazyfree.h). */
int db_delete_lazy(Db *db, const char *key, size_t klen, int async);
/* Removes and returns the keyed object without freeing it (caller frees). */
Obj *db_unlink(Db *db, const char *key, size_t klen);
/* Frees a keyed object removed from the keyspace. */
void db_free_entry(Obj *o);
int db_exists(Db *db, const char *key, size_t klen);
size_t db_size(Db *db);
/* Empties database dbnum (-1: all), touching WATCHed keys and blocked clients first;
 * returns the number of keys removed. async frees big tables on the background thread. */
long long db_empty(int dbnum, int async);
int db_swap(int a, int b);
/* Table resizing of every database, stopped while a fork child shares the pages
 * (persist/child.c) and also applied to the tables an async flush creates meanwhile;
 * db_resize_allowed() is therefore also "no fork child alive" (active defrag). */
void db_allow_resize(int allowed);
int db_resize_allowed(void);
Obj *db_random_key(Db *db);                  /* a non-expired key object or NULL */

/* Expiry. when is absolute unix time in ms. Returns the (possibly moved) keyed object. */
Obj *db_set_expire(Db *db, Obj *o, long long when);
Obj *db_remove_expire(Db *db, Obj *o);                   /* PERSIST */
long long db_get_expire(const Obj *o);                   /* -1 when none */
int db_key_is_expired(const Obj *o);
/* Deletes the key if expired (returns 1 then). */
int db_expire_if_needed(Db *db, Obj *o);
void db_active_expire_cycle(int fast);
/* Removes key for maxmemory eviction as Redis does: frees the value (in the
 * background with lazyfree-lazy-eviction), counts evicted_keys, touches watchers,
 * emits "evicted" (class e) and propagates the deletion (DEL, or UNLINK with
 * lazyfree-lazy-eviction). *freed (may be NULL) gets the bytes the deletion itself
 * gave back (not what the propagation and notifications took). Returns 1 if the
 * key existed. */
int db_evict_key(Db *db, const char *key, size_t klen, long long *freed);
size_t db_volatile_count(Db *db);

/* The effects of one write to key in db, called once per changed key after the
 * change: invalidates WATCH (and client tracking), emits the keyspace notification
 * (type_class is a NOTIFY_* class of config.h; event NULL emits none), counts the
 * change (server.stat.dirty, which also decides that the command propagates), and
 * makes the key ready for clients blocked on it. Further events for the same write
 * (SET ... EX also emits "expire") go through notify_keyspace_event(). */
void db_changed(Db *db, const Obj *key, int type_class, const char *event);
void db_changed_raw(Db *db, const char *key, size_t klen, int type_class, const char *event);
/* The part of db_changed that is not a change of data: WATCH, tracking and blocked
 * clients see the key as modified (Redis's signalModifiedKey), without an event or
 * dirty count. Expiry deletions and DEBUG POPULATE use it. */
void db_key_touched(Db *db, const char *key, size_t klen);

/* Incremental rehash from cron. */
void db_rehash_cron(long long budget_us);
void db_resize_cron(void);

/* Server-wide stats for INFO (owned by db.c). */
typedef struct DbStats {
    long long keyspace_hits, keyspace_misses;
    long long expired_keys, expired_stale_perc_x100, expired_time_cap_reached;
    long long evicted_keys;
    long long expire_cycle_cpu_us; /* INFO expire_cycle_cpu_milliseconds, in us */
} DbStats;
extern DbStats db_stats;
/* Key-size helpers */
static inline const char *key_ptr(const Obj *k) { return (const char *)k->ptr; }
static inline size_t key_len(const Obj *k) { return sds_len(k->ptr); }

#endif
