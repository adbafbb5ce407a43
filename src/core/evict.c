/* evict.c - the access data eviction will rank keys by (see evict.h): LRU clock and
 * LFU counter upkeep, the policy predicates, and the shared-integer test.
 * Costs: O(1); one random number per LFU touch. */
#include "evict.h"
#include "config_table.h"
#include "module.h"
#include "server.h"
#include "../base/util.h"
#include <limits.h>
#include <stdint.h>

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
};
