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
#include <stddef.h>
#include "obj.h"

struct Client;

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

/* ---------------- the eviction engine ---------------- */

/* Set while an LFU policy and maxmemory are in force: every key read (present or
 * missing) is then counted with evict_sketch_count() in the frequency sketch that
 * ranks LFU eviction candidates along with their counters (see evict.c). */
extern int evict_sketch_active;
void evict_sketch_count(const char *key, size_t klen);
/* A key just created (db_add) while the sketch is active: it becomes an eviction
 * candidate at once, ranked by its estimate, so a key read rarely so far goes
 * before the sampled ones it is less frequent than (TinyLFU's admission test,
 * made at eviction time since a write cannot be refused). */
struct Db;
void evict_new_key(struct Db *db, Obj *o);

/* evict_perform() results, as Redis's performEvictions(). */
#define EVICT_OK 0       /* under the limit (or eviction not allowed now) */
#define EVICT_RUNNING 1  /* still over, the time limit ran out: a timer goes on */
#define EVICT_FAIL 2     /* over the limit and nothing (more) can be evicted */

/* The OOM state seen before the command being run (Redis's pre_command_oom_state):
 * scripts refuse their first deny-oom command when it was set. */
extern int evict_oom_state;

/* Memory Redis leaves out of the maxmemory comparison: the replicas' output
 * buffers and the AOF buffer (as the modules report them through their gauges
 * "replicas_output_memory" and "mem_aof_buffer"). Walks the module gauges. */
size_t evict_not_counted_memory(void);
/* Whether used memory minus the uncounted part is over maxmemory: 0 when under
 * (or maxmemory is 0), else 1 with *tofree (may be NULL) the bytes to free. O(1)
 * while the raw figure is under the limit. */
int evict_over_limit(size_t *tofree);
/* Whether more_bytes more would keep used memory (less the uncounted part) within
 * maxmemory (always 1 without maxmemory): the keyspace tables ask before growing. */
int evict_room_for(size_t more_bytes);
/* Frees memory by evicting keys under maxmemory-policy until used memory is under
 * maxmemory or maxmemory-eviction-tenacity's time limit runs out (then a timer
 * goes on evicting). Does nothing while loading, while a busy script lets clients
 * in, or while clients are paused. Evicted keys go through db_evict_key().
 * Returns EVICT_OK, EVICT_RUNNING or EVICT_FAIL. */
int evict_perform(void);
/* Starts the eviction timer unless it runs already (CONFIG SET maxmemory). */
void evict_start_timer(void);
/* INFO stats: total_eviction_exceeded_time and current_eviction_exceeded_time (ms). */
long long evict_exceeded_time_total_ms(void);
long long evict_exceeded_time_current_ms(void);

/* ---------------- client eviction (client_evict.c) ---------------- */

/* The client memory limit in bytes from maxmemory-clients (absolute, or a percent
 * of maxmemory), at least 128 KB; 0 when client eviction is off. */
size_t client_evict_limit(void);
/* Frees the normal and pub/sub clients using the most memory (CLIENT LIST's
 * tot-mem) until their total is under the limit (at once, but the current client
 * and one whose input is being processed are closed after their command); clients
 * with CLIENT NO-EVICT on are spared. Returns 1 when the current client (may be
 * NULL) was among them: its command must not run. */
int client_evict_run(struct Client *current);
/* Measures c's memory again (after a command, a read, a write). O(1). */
void client_evict_update(struct Client *c);
/* Takes c out of the total (c is being freed). */
void client_evict_forget(struct Client *c);
/* INFO stats evicted_clients. */
extern long long client_evicted_count;
extern const struct Module client_evict_module;

#endif
