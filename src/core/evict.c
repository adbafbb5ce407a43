/* evict.c - maxmemory eviction (see evict.h): the access data keys are ranked by
 * (LRU clock and LFU counter upkeep, the policy predicates, the shared-integer test)
 * and the engine that evicts keys when used memory is over maxmemory, as Redis 7.0's
 * performEvictions() does.
 *
 * The engine: LRU, LFU and volatile-ttl approximate the best key by sampling
 * maxmemory-samples keys of each database (all keys or the volatile ones) into a
 * pool of the 16 best candidates kept across calls, ranked by idle time, 255 minus
 * the LFU counter (after a frequency sketch's estimate, see below), or the
 * nearness of the expire time; the best candidate still in the keyspace is evicted. The random policies take one random key, visiting the
 * databases in turn. Each round ends when enough bytes were freed, or when the
 * time limit of maxmemory-eviction-tenacity runs out: a timer then goes on
 * evicting between commands until memory is under the limit (or nothing is left).
 * Invariants: the pool holds copies of key names (ghosts are skipped when picked);
 * eviction runs only from the top level (before a command, the timer, the cron), so
 * its DEL/UNLINK propagate on their own.
 * Costs: O(1) per command while under the limit (one counter compared); over it,
 * O(dbs * samples) per evicted key for the sampling policies, O(1) for random.
 * Under an LFU policy with maxmemory, every key lookup also hashes the key once
 * and updates 4 sketch counters; the sketch is halved every 10 x width updates
 * (one pass over its 4 MB for 256 MB of maxmemory: 1.6 ms on the loaded test
 * machine, once every 20M lookups; amortized O(1), under the 5 ms pause budget). */
#include "evict.h"
#include "blocking.h"
#include "config_table.h"
#include "db.h"
#include "lazyfree.h"
#include "module.h"
#include "servercmds.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include "../net/evloop.h"
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define LFU_MINUTES_MASK 65535

EvictConfig evict_cfg;

static const ConfigEnum policy_enum[] = {
    {"volatile-lru", MAXMEMORY_VOLATILE_LRU}, {"volatile-lfu", MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", MAXMEMORY_VOLATILE_RANDOM}, {"volatile-ttl", MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", MAXMEMORY_ALLKEYS_LRU}, {"allkeys-lfu", MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", MAXMEMORY_ALLKEYS_RANDOM}, {"noeviction", MAXMEMORY_NO_EVICTION}, {NULL, 0}};

const char *evict_policy_name(int policy) {
    for (const ConfigEnum *c = policy_enum; c->name; c++)
        if (c->val == policy) return c->name;
    return "unknown";
}

int evict_policy_is_lfu(void) {
    int p = evict_cfg.policy;
    return p == MAXMEMORY_ALLKEYS_LFU || p == MAXMEMORY_VOLATILE_LFU;
}

int evict_policy_is_lru(void) {
    int p = evict_cfg.policy;
    return p == MAXMEMORY_ALLKEYS_LRU || p == MAXMEMORY_VOLATILE_LRU;
}

/* Redis keeps the integers 0..9999 as shared objects whose one lru field every key
 * holding that value updates; Vesper stores such values inline, so their access
 * data lives here, one field per value, with the same observable effect. */
static uint32_t shared_lru[SHARED_INTEGERS];

static uint32_t *lru_field(Obj *o) {
    return evict_is_shared_integer(o) ? &shared_lru[(intptr_t)o->ptr] : NULL;
}

static uint32_t lru_of(const Obj *o) {
    return evict_is_shared_integer(o) ? shared_lru[(intptr_t)o->ptr] : o->lru;
}

static unsigned long lfu_minutes_now(void) { return (unsigned long)(server.unixtime / 60) & LFU_MINUTES_MASK; }

uint32_t evict_lru_init(void) {
    if (evict_policy_is_lfu()) return (uint32_t)((lfu_minutes_now() << 8) | LFU_INIT_VAL);
    return obj_lru_clock;
}

unsigned long evict_lfu_counter(const Obj *o) {
    uint32_t lru = lru_of(o);
    unsigned long counter = lru & 255, then = lru >> 8, now = lfu_minutes_now();
    unsigned long elapsed = now >= then ? now - then : LFU_MINUTES_MASK - then + now;
    int decay = evict_cfg.lfu_decay_time;
    unsigned long periods = decay > 0 ? elapsed / (unsigned long)decay : 0;
    return periods > counter ? 0 : counter - periods;
}

/* Logarithmic increment: the higher the counter, the less likely a hit bumps it. */
static unsigned long lfu_log_incr(unsigned long counter) {
    if (counter == 255) return 255;
    double r = (double)(rand_u64() >> 11) / 9007199254740992.0;
    double base = counter > LFU_INIT_VAL ? (double)(counter - LFU_INIT_VAL) : 0;
    double p = 1.0 / (base * evict_cfg.lfu_log_factor + 1);
    return r < p ? counter + 1 : counter;
}

void evict_touch(Obj *o) {
    uint32_t v;
    if (evict_policy_is_lfu()) v = (uint32_t)((lfu_minutes_now() << 8) | lfu_log_incr(evict_lfu_counter(o)));
    else v = obj_lru_clock;
    uint32_t *shared = lru_field(o);
    if (shared) *shared = v;
    else o->lru = v;
}

unsigned long long evict_idle_seconds(const Obj *o) {
    unsigned long long now = obj_lru_clock & LRU_CLOCK_MAX, then = lru_of(o);
    unsigned long long ticks = now >= then ? now - then : now + (LRU_CLOCK_MAX - then);
    return ticks * LRU_CLOCK_RESOLUTION / 1000;
}

int evict_is_shared_integer(const Obj *o) {
    if (o->type != OBJ_STRING || o->encoding != ENC_INT) return 0;
    long long v = (long long)(intptr_t)o->ptr;
    if (v < 0 || v >= SHARED_INTEGERS) return 0;
    return server.cfg.maxmemory == 0 || !(evict_policy_is_lru() || evict_policy_is_lfu());
}

/* ---------------- the access-frequency sketch (LFU policies) ----------------
 *
 * Redis's LFU counter lives in the key: when a key is evicted its history goes
 * with it, so a popular key that comes back starts again at LFU_INIT_VAL like a
 * key read once. Vesper also counts every read of a key, present or missing, in a
 * count-min sketch (4 rows of 4-bit counters, conservative update, all counters
 * halved every 10 x width increments so old history fades, as TinyLFU does). The
 * eviction rank under an LFU policy is the sketch's estimate first, the key's LFU
 * counter second. OBJECT FREQ and the stored counters are Redis's, unchanged.
 * Width: maxmemory / 128 counters per row (a power of two, 2^12..2^24), so the
 * sketch takes about 1.6% of maxmemory (counted in used memory). */

#define SKETCH_ROWS 4
#define SKETCH_MAX 15

int evict_sketch_active;
static uint64_t *sketch;          /* SKETCH_ROWS rows of width/16 words */
static uint64_t sketch_width;     /* counters per row, a power of two */
static uint64_t sketch_adds, sketch_period;

static uint64_t sketch_hash(const char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xC2B2AE3D27D4EB4FULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * 0x87C37B91114253D5ULL)) * 0x4CF5AD432745937FULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ (w * 0x87C37B91114253D5ULL)) * 0x4CF5AD432745937FULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
}

static void sketch_free(void) {
    vfree(sketch);
    sketch = NULL;
    sketch_width = 0;
    evict_sketch_active = 0;
}

/* Creates, resizes or drops the sketch as maxmemory and the policy say. */
static void sketch_update(void) {
    if (!server.cfg.maxmemory || !evict_policy_is_lfu()) {
        if (sketch) sketch_free();
        return;
    }
    uint64_t want = 1 << 12;
    while (want < (1ULL << 24) && want < server.cfg.maxmemory / 128) want <<= 1;
    if (want == sketch_width) return;
    sketch_free();
    sketch_width = want;
    sketch = vcalloc(SKETCH_ROWS * (size_t)(want / 16) * sizeof(uint64_t));
    sketch_adds = 0;
    sketch_period = want * 10;
    evict_sketch_active = 1;
}

static inline uint64_t sketch_index(uint64_t h, int row) {
    uint64_t h2 = (h >> 32) | 1;
    return (uint64_t)row * sketch_width + ((h + (uint64_t)row * h2) & (sketch_width - 1));
}

static inline unsigned sketch_get(uint64_t idx) { return (unsigned)(sketch[idx >> 4] >> ((idx & 15) * 4)) & 15; }

static unsigned sketch_estimate(const char *key, size_t klen) {
    uint64_t h = sketch_hash(key, klen);
    unsigned est = SKETCH_MAX;
    for (int r = 0; r < SKETCH_ROWS; r++) {
        unsigned v = sketch_get(sketch_index(h, r));
        if (v < est) est = v;
    }
    return est;
}

void evict_sketch_count(const char *key, size_t klen) {
    uint64_t h = sketch_hash(key, klen), idx[SKETCH_ROWS];
    unsigned min = SKETCH_MAX;
    for (int r = 0; r < SKETCH_ROWS; r++) {
        idx[r] = sketch_index(h, r);
        unsigned v = sketch_get(idx[r]);
        if (v < min) min = v;
    }
    if (min == SKETCH_MAX) return;
    for (int r = 0; r < SKETCH_ROWS; r++) /* conservative update: only the smallest */
        if (sketch_get(idx[r]) == min) sketch[idx[r] >> 4] += 1ULL << ((idx[r] & 15) * 4);
    if (++sketch_adds >= sketch_period) { /* age: halve every counter */
        size_t words = SKETCH_ROWS * (size_t)(sketch_width / 16);
        for (size_t i = 0; i < words; i++) sketch[i] = (sketch[i] >> 1) & 0x7777777777777777ULL;
        sketch_adds = 0;
    }
}

/* ---------------- the eviction engine ---------------- */

#define POOL_SIZE 16
#define POOL_KEY_CACHE 48 /* key names up to this long need no allocation */
#define MAX_SAMPLES 64    /* per database and round (maxmemory-samples is capped here) */

typedef struct PoolEntry {
    unsigned long long rank; /* higher: better candidate */
    int dbid;
    size_t klen;
    char *key;               /* NULL: empty slot; else cache or a heap copy */
    char cache[POOL_KEY_CACHE];
} PoolEntry;

/* ascending rank: the best candidate is the last filled slot */
static PoolEntry pool[POOL_SIZE];
int evict_oom_state;
static long long timer_id = -1;
static long long exceeded_since_us, exceeded_total_us;

static void pool_clear_slot(PoolEntry *e) {
    if (e->key && e->key != e->cache) vfree(e->key);
    e->key = NULL;
    e->klen = 0;
}

static void pool_set_key(PoolEntry *e, const char *key, size_t klen) {
    if (klen < POOL_KEY_CACHE) {
        memcpy(e->cache, key, klen);
        e->key = e->cache;
    } else {
        e->key = vmalloc(klen);
        memcpy(e->key, key, klen);
    }
    e->klen = klen;
}

/* Moves a slot's contents (the cache pointer must follow the copy). */
static void pool_move(PoolEntry *dst, PoolEntry *src) {
    int cached = src->key == src->cache;
    dst->rank = src->rank;
    dst->dbid = src->dbid;
    dst->klen = src->klen;
    if (cached) {
        memcpy(dst->cache, src->cache, src->klen);
        dst->key = dst->cache;
    } else dst->key = src->key;
    src->key = NULL;
}

static int pool_contains(int dbid, const char *key, size_t klen) {
    for (int k = 0; k < POOL_SIZE; k++)
        if (pool[k].key && pool[k].dbid == dbid && pool[k].klen == klen && !memcmp(pool[k].key, key, klen)) return 1;
    return 0;
}

/* Inserts a candidate, keeping the slots sorted by rank; a candidate worse than
 * every one of a full pool is dropped, as is one already there. */
static void pool_insert(int dbid, const char *key, size_t klen, unsigned long long rank) {
    int k = 0;
    while (k < POOL_SIZE && pool[k].key && pool[k].rank < rank) k++;
    if (k == 0 && pool[POOL_SIZE - 1].key) return;
    if (pool_contains(dbid, key, klen)) return;
    if (k < POOL_SIZE && !pool[k].key) {
        /* free slot at k */
    } else if (!pool[POOL_SIZE - 1].key) {
        for (int j = POOL_SIZE - 1; j > k; j--) pool_move(&pool[j], &pool[j - 1]); /* room on the right */
    } else {
        k--; /* full: drop the worst (slot 0) and shift left */
        pool_clear_slot(&pool[0]);
        for (int j = 0; j < k; j++) pool_move(&pool[j], &pool[j + 1]);
    }
    pool_set_key(&pool[k], key, klen);
    pool[k].rank = rank;
    pool[k].dbid = dbid;
}

static int policy_all_keys(int p) {
    return p == MAXMEMORY_ALLKEYS_LRU || p == MAXMEMORY_ALLKEYS_LFU || p == MAXMEMORY_ALLKEYS_RANDOM;
}

static unsigned long long rank_of(const Obj *o) {
    int p = evict_cfg.policy;
    if (p == MAXMEMORY_VOLATILE_TTL) return ULLONG_MAX - (unsigned long long)obj_get_expire(o);
    if (p == MAXMEMORY_ALLKEYS_LFU || p == MAXMEMORY_VOLATILE_LFU) {
        unsigned long long rank = 255 - evict_lfu_counter(o);
        if (evict_sketch_active) {
            size_t klen;
            const char *key = obj_key(o, &klen);
            rank |= (unsigned long long)(SKETCH_MAX - sketch_estimate(key, klen)) << 8;
        }
        return rank;
    }
    /* LRU: idle time in clock ticks (finer than OBJECT IDLETIME's seconds) */
    unsigned long long now = obj_lru_clock & LRU_CLOCK_MAX, then = lru_of(o);
    return now >= then ? now - then : now + (LRU_CLOCK_MAX - then);
}

void evict_new_key(Db *db, Obj *o) {
    size_t klen;
    const char *key = obj_key(o, &klen);
    pool_insert(db->id, key, klen, rank_of(o));
}

/* Samples db's keys (or its volatile ones) into the pool; returns the number of
 * keys the sample was drawn from. */
static size_t pool_populate(Db *db) {
    Obj *sample[MAX_SAMPLES];
    size_t want = (size_t)evict_cfg.samples, n = 0, total;
    if (want > MAX_SAMPLES) want = MAX_SAMPLES;
    if (policy_all_keys(evict_cfg.policy)) {
        total = db_size(db);
        if (!total) return 0;
        n = ht_sample(db->keys, (void **)sample, want);
    } else {
        total = db->nvolatile;
        if (!total) return 0;
        if (want > total) want = total;
        for (; n < want; n++) sample[n] = db->volatile_keys[rand_u64() % total];
    }
    for (size_t j = 0; j < n; j++) {
        size_t klen;
        const char *key = obj_key(sample[j], &klen);
        pool_insert(db->id, key, klen, rank_of(sample[j]));
    }
    return total;
}

/* The best candidate still in the keyspace, or NULL when no key can go. */
static Obj *pick_from_pool(Db **dbout) {
    for (;;) {
        size_t total = 0;
        for (int i = 0; i < db_count(); i++) total += pool_populate(db_get(i));
        if (!total) return NULL;
        for (int k = POOL_SIZE - 1; k >= 0; k--) {
            if (!pool[k].key) continue;
            Db *db = db_get(pool[k].dbid);
            Obj *o = db_find(db, pool[k].key, pool[k].klen);
            pool_clear_slot(&pool[k]);
            if (o && (policy_all_keys(evict_cfg.policy) || o->has_expire)) {
                *dbout = db;
                return o;
            }
            /* a ghost (deleted or persisted since it was sampled): try the next */
        }
    }
}

static Obj *pick_random(Db **dbout) {
    static unsigned int next_db;
    int all = evict_cfg.policy == MAXMEMORY_ALLKEYS_RANDOM;
    for (int i = 0; i < db_count(); i++) {
        Db *db = db_get((int)(++next_db % (unsigned)db_count()));
        if (all && db_size(db)) {
            *dbout = db;
            return ht_random(db->keys);
        }
        if (!all && db->nvolatile) {
            *dbout = db;
            return db->volatile_keys[rand_u64() % db->nvolatile];
        }
    }
    return NULL;
}

size_t evict_not_counted_memory(void) {
    static const InfoGauge *aof_gauge, *repl_gauge;
    static int resolved;
    if (!resolved) { /* modules are all registered before any command runs */
        aof_gauge = modules_find_gauge("mem_aof_buffer");
        repl_gauge = modules_find_gauge("replicas_output_memory");
        resolved = 1;
    }
    long long aof = aof_gauge ? aof_gauge->get() : 0, repl = repl_gauge ? repl_gauge->get() : 0;
    return (size_t)(aof > 0 ? aof : 0) + (size_t)(repl > 0 ? repl : 0);
}

int evict_over_limit(size_t *tofree) {
    unsigned long long max = server.cfg.maxmemory;
    size_t used = vmalloc_used();
    if (!max || used <= max) return 0;
    size_t uncounted = evict_not_counted_memory();
    used = used > uncounted ? used - uncounted : 0;
    if (used <= max) return 0;
    if (tofree) *tofree = used - (size_t)max;
    return 1;
}

int evict_room_for(size_t more_bytes) {
    unsigned long long max = server.cfg.maxmemory;
    if (!max) return 1;
    size_t used = vmalloc_used(), uncounted = evict_not_counted_memory();
    used = used > uncounted ? used - uncounted : 0;
    return used + more_bytes <= max;
}

/* maxmemory-eviction-tenacity: 0..10 a linear 0..500 us, then 15% more per step
 * (about two minutes at 99), 100 no limit. */
static unsigned long long time_limit_us(void) {
    int t = evict_cfg.tenacity;
    if (t <= 10) return 50ULL * (unsigned long long)t;
    if (t < 100) return (unsigned long long)(500.0 * pow(1.15, t - 10.0));
    return ULLONG_MAX;
}

static int safe_to_evict(void) {
    return !server.loading && !server.in_script && !block_pause_active();
}

static void note_exceeded(int result) {
    if (result != EVICT_OK) {
        if (!exceeded_since_us) exceeded_since_us = ustime();
    } else if (exceeded_since_us) {
        exceeded_total_us += ustime() - exceeded_since_us;
        exceeded_since_us = 0;
    }
}

static long long timer_proc(EvLoop *el, long long id, void *data) {
    (void)el, (void)id, (void)data;
    if (evict_perform() == EVICT_RUNNING) return 0; /* keep going next turn */
    timer_id = -1;
    return EV_NOMORE;
}

void evict_start_timer(void) {
    if (timer_id == -1 && server.el) timer_id = ev_add_timer(server.el, 0, timer_proc, NULL);
}

int evict_perform(void) {
    if (!safe_to_evict()) return EVICT_OK; /* as if nothing were needed */
    size_t tofree = 0;
    int result = EVICT_FAIL;
    if (!evict_over_limit(&tofree)) {
        note_exceeded(EVICT_OK);
        return EVICT_OK;
    }
    if (evict_cfg.policy == MAXMEMORY_NO_EVICTION) {
        note_exceeded(EVICT_FAIL);
        return EVICT_FAIL;
    }
    if (evict_policy_is_lfu() != evict_sketch_active) sketch_update(); /* the policy just changed */
    unsigned long long limit = time_limit_us();
    long long start = ustime();
    long long freed = 0; /* may go negative: a deletion can allocate (propagation) */
    long keys = 0;
    int sampling = evict_cfg.policy != MAXMEMORY_ALLKEYS_RANDOM && evict_cfg.policy != MAXMEMORY_VOLATILE_RANDOM;
    int lazy = lazyfree_cfg.eviction;
    while (freed < (long long)tofree) {
        Db *db = NULL;
        Obj *o = sampling ? pick_from_pool(&db) : pick_random(&db);
        if (!o) goto cant_free;
        size_t klen;
        const char *key = obj_key(o, &klen);
        long long delta, t0 = ustime();
        db_evict_key(db, key, klen, &delta);
        latency_add_sample_if_needed("eviction-del", (ustime() - t0) / 1000);
        freed += delta;
        keys++;
        if (keys % 16 == 0) {
            /* the background thread frees as we go: check the real state */
            if (lazy && !evict_over_limit(NULL)) break;
            if ((unsigned long long)(ustime() - start) > limit) {
                evict_start_timer();
                break;
            }
        }
    }
    result = timer_id != -1 ? EVICT_RUNNING : EVICT_OK;
cant_free:
    if (result == EVICT_FAIL) {
        /* nothing left to evict; values on their way out in the background thread
         * may still bring memory under: wait for them a little */
        long long t0 = ustime();
        while (lazyfree_pending() > 0 && (unsigned long long)(ustime() - start) < limit) {
            if (!evict_over_limit(NULL)) {
                result = EVICT_OK;
                break;
            }
            usleep(limit < 1000 ? (useconds_t)limit : 1000);
        }
        latency_add_sample_if_needed("eviction-lazyfree", (ustime() - t0) / 1000);
    }
    latency_add_sample_if_needed("eviction-cycle", (ustime() - start) / 1000);
    note_exceeded(result);
    return result;
}

long long evict_exceeded_time_total_ms(void) {
    long long t = exceeded_total_us;
    if (exceeded_since_us) t += ustime() - exceeded_since_us;
    return t / 1000;
}

long long evict_exceeded_time_current_ms(void) {
    return exceeded_since_us ? (ustime() - exceeded_since_us) / 1000 : 0;
}

/* The cron: memory may be over the limit with no command coming (a shrunk
 * maxmemory, a big lazy free that did not finish): evict from the timer then. */
static void evict_cron(void) {
    sketch_update();
    if (server.cfg.maxmemory && evict_cfg.policy != MAXMEMORY_NO_EVICTION && evict_over_limit(NULL))
        evict_start_timer();
}

static void evict_reset_stats(void) {
    exceeded_total_us = 0;
    if (exceeded_since_us) exceeded_since_us = ustime();
}

static ConfigDef evict_configs[] = {
    CONFIG_ENUM("maxmemory-policy", NULL, 0, evict_cfg.policy, policy_enum, MAXMEMORY_NO_EVICTION),
    CONFIG_NUM("maxmemory-samples", NULL, 0, 0, evict_cfg.samples, 1, INT_MAX, 5),
    CONFIG_NUM("maxmemory-eviction-tenacity", NULL, 0, 0, evict_cfg.tenacity, 0, 100, 10),
    CONFIG_NUM("lfu-log-factor", NULL, 0, 0, evict_cfg.lfu_log_factor, 0, INT_MAX, 10),
    CONFIG_NUM("lfu-decay-time", NULL, 0, 0, evict_cfg.lfu_decay_time, 0, INT_MAX, 1),
    {0}};

const Module evict_module = {
    .name = "eviction",
    .configs = evict_configs,
    .cron = evict_cron,
    .reset_stats = evict_reset_stats,
};
