/* evict.h - what maxmemory eviction knows about keys: the LRU clock and LFU counter
 * kept in each object's 24-bit lru field, the policy in force, and which values
 * Redis would store as shared integers (they carry no access data).
 *
 * LRU: the field holds the LRU clock (seconds, wrapping at 2^24) of the last access.
 * LFU: the field holds (minutes of the last decrement, 16 bits) << 8 | counter (8
 * bits); the counter grows logarithmically (lfu-log-factor) and decays by one per
 * lfu-decay-time minutes, as in Redis. */
#ifndef VESPER_EVICT_H
#define VESPER_EVICT_H
#include "obj.h"

#define LFU_INIT_VAL 5
#define SHARED_INTEGERS 10000

/* maxmemory-policy values. */
#define MAXMEMORY_NO_EVICTION 0
#define MAXMEMORY_ALLKEYS_LRU 1
#define MAXMEMORY_VOLATILE_LRU 2
#define MAXMEMORY_ALLKEYS_LFU 3
#define MAXMEMORY_VOLATILE_LFU 4
#define MAXMEMORY_ALLKEYS_RANDOM 5
#define MAXMEMORY_VOLATILE_RANDOM 6
#define MAXMEMORY_VOLATILE_TTL 7

struct Module;
extern const struct Module evict_module;

/* The directives this module owns (maxmemory itself is the server's). */
typedef struct EvictConfig {
    int policy;            /* maxmemory-policy, MAXMEMORY_* */
    int samples;           /* maxmemory-samples */
    int tenacity;          /* maxmemory-eviction-tenacity */
    int lfu_log_factor;
    int lfu_decay_time;
} EvictConfig;
extern EvictConfig evict_cfg;

/* "noeviction", "allkeys-lru", ... (INFO, MEMORY DOCTOR). */
const char *evict_policy_name(int policy);

int evict_policy_is_lfu(void);
int evict_policy_is_lru(void);
/* The value the lru field of a new key starts with under the current policy. */
uint32_t evict_lru_init(void);
/* Records an access to o (LRU clock or LFU increment with decay). */
void evict_touch(Obj *o);
/* The LFU counter after decay (not stored), for OBJECT FREQ and eviction. */
unsigned long evict_lfu_counter(const Obj *o);
/* Seconds since the last access, for OBJECT IDLETIME and eviction. */
unsigned long long evict_idle_seconds(const Obj *o);
/* True for a value Redis would keep as one of its shared integers 0..9999 (used
 * unless maxmemory is set with an LRU/LFU policy): OBJECT REFCOUNT shows INT_MAX,
 * and its access data is per value, shared by every key holding it, as in Redis
 * (so a fresh INCR shows OBJECT FREQ 0). */
int evict_is_shared_integer(const Obj *o);

#endif
