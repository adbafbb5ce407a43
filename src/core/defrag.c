/* defrag.c - active defragmentation, as Redis 7.0 does it (activedefrag and the
 * active-defrag-* directives, INFO's active_defrag_* fields).
 *
 * Once a second the cron compares the allocator's active and allocated bytes;
 * above active-defrag-threshold-lower percent and active-defrag-ignore-bytes a
 * scan starts, with a CPU share between active-defrag-cycle-min and -max scaled by
 * where the fragmentation sits between the lower and upper thresholds (raised
 * during a scan, never lowered). Each cron tick then spends at most that share of
 * the tick, in slices of at most 250 us with clients served between them, walking
 * the keyspace incrementally (ht_scan_defrag over each database's
 * table): a keyed object is moved when the allocator says its slab is emptier than
 * average (vmalloc_defrag), its slot and its expiry-index entry are rewritten, and
 * its value's allocations go through its type's ObjType.defrag. A value with more
 * than active-defrag-max-scan-fields elements is queued by name and walked in steps
 * over later ticks (its type keeps a resumable cursor), so no tick runs long.
 *
 * Invariants: nothing runs while a script is busy (the cron does not call modules
 * then), while loading, or while a fork child shares the pages (copying would only
 * break the sharing); references into the keyspace do not survive between ticks
 * (lookups are borrowed until the next change), which is what allows moving.
 * Without jemalloc (VESPER_LIBC_MALLOC, sanitizer builds) activedefrag cannot be
 * enabled and nothing here runs.
 * Costs: a tick does at most its time budget of work, a slice at most 250 us of it
 * (the clock is read after every bucket of a table, every 512 elements of a big
 * value); each allocation visited costs one allocator query. */
#include "defrag.h"
#include "args.h"
#include "db.h"
#include "reply.h"
#include "config_table.h"
#include "module.h"
#include "objtype.h"
#include "server.h"
#include "servercmds.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../net/evloop.h"
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* The directives. */
static int active_defrag_enabled;
static unsigned long long ignore_bytes;
static int threshold_lower, threshold_upper, cycle_min, cycle_max;
static unsigned long max_scan_fields;

/* The scan's position and statistics. */
static struct {
    int running;                 /* the CPU percentage in use, 0 when idle */
    int db;                      /* database being walked, -1 before the first */
    int in_db;                   /* st.db's walk has begun and not ended */
    int db_scanned;              /* its table is done (queued values may remain) */
    unsigned long cursor;        /* in that database's table */
    Sds *later;                  /* big values of this database left to walk */
    size_t nlater, later_cap;
    unsigned long later_cursor;  /* the first one's position (its type's cursor) */
    long long last_check_ms;     /* when fragmentation was last measured */
    long long started_us;        /* when the current run began (0: none) */
    long long scan_started_ms, scan_start_hits;
    long long total_time_us;
    long long hits_base, misses_base, key_hits, key_misses;
} st = {.db = -1};

static long long hits_now(void) {
    long long h, m;
    vmalloc_defrag_counts(&h, &m);
    return h;
}

/* ---------------- globals ---------------- */

#define MAX_GLOBAL_WALKERS 8
static void (*global_walkers[MAX_GLOBAL_WALKERS])(void);
static int nglobal_walkers;

void defrag_register_globals(void (*fn)(void)) {
    if (nglobal_walkers < MAX_GLOBAL_WALKERS) global_walkers[nglobal_walkers++] = fn;
}

/* ---------------- per key ---------------- */

/* Moves the keyed object itself: its table slot is rewritten by the caller and its
 * expiry-index entry here. Shared objects stay. */
static Obj *move_keyed(Db *db, Obj *o) {
    if (o->refcount != 1) return NULL;
    size_t off = o->embedded ? (size_t)((char *)o->ptr - (char *)o) : 0;
    Obj *n = vmalloc_defrag(o);
    if (!n) return NULL;
    if (n->embedded) n->ptr = (char *)n + off;
    if (n->has_expire) db->volatile_keys[obj_get_vindex(n)] = n;
    return n;
}

static void later_push(const Obj *o) {
    size_t klen;
    const char *k = obj_key(o, &klen);
    if (st.nlater == st.later_cap) {
        st.later_cap = st.later_cap ? st.later_cap * 2 : 16;
        st.later = vrealloc(st.later, st.later_cap * sizeof(Sds));
    }
    st.later[st.nlater++] = sds_newlen(k, klen);
}

static void later_clear(void) {
    for (size_t i = 0; i < st.nlater; i++) sds_free(st.later[i]);
    st.nlater = 0;
    st.later_cursor = 0;
}

static void later_pop(void) {
    sds_free(st.later[0]);
    memmove(st.later, st.later + 1, (st.nlater - 1) * sizeof(Sds));
    st.nlater--;
    st.later_cursor = 0;
}

/* ht_scan_defrag's callback for a database's table. */
static void *defrag_key(void *privdata, void *entry) {
    Db *db = privdata;
    long long before = hits_now();
    Obj *o = entry, *moved = move_keyed(db, o);
    if (moved) o = moved;
    const ObjType *t = objtype_get(o->type);
    if (t && t->defrag) {
        size_t effort = t->free_effort ? t->free_effort(o) : 1;
        if (effort > max_scan_fields) {
            later_push(o);
        } else {
            unsigned long cursor = 0;
            while (!t->defrag(o, &cursor, LONG_MAX)) {}
        }
    }
    if (hits_now() > before) st.key_hits++;
    else st.key_misses++;
    return moved;
}

/* Walks the queued big values; returns 1 when time ran out before the end. */
static int later_step(Db *db, long long endtime) {
    while (st.nlater) {
        Obj *o = ht_find(db->keys, st.later[0], sds_len(st.later[0]));
        const ObjType *t = o ? objtype_get(o->type) : NULL;
        if (!t || !t->defrag) {
            later_pop();
            continue;
        }
        long long before = hits_now();
        int done = 0;
        for (int i = 0; !done; i++) {
            done = t->defrag(o, &st.later_cursor, 128);
            if (!done && (i & 3) == 3 && ustime() > endtime) break;
        }
        if (hits_now() > before) st.key_hits++;
        if (done) later_pop();
        if (ustime() > endtime) return st.nlater > 0;
    }
    return 0;
}

/* ---------------- pacing ---------------- */

static double allocator_frag(size_t *frag_bytes) {
    size_t allocated, active, resident;
    if (!vmalloc_frag_info(&allocated, &active, &resident) || allocated == 0) {
        *frag_bytes = 0;
        return 0;
    }
    *frag_bytes = active > allocated ? active - allocated : 0;
    return (double)active / (double)allocated * 100 - 100;
}

/* Starts a scan, or makes the running one more aggressive, from the fragmentation. */
static void compute_cycles(void) {
    size_t frag_bytes;
    double frag = allocator_frag(&frag_bytes);
    if (!st.running && (frag < threshold_lower || frag_bytes < ignore_bytes)) return;
    double span = threshold_upper > threshold_lower ? threshold_upper - threshold_lower : 1;
    double pos = (frag - threshold_lower) / span;
    int cpu = (int)(cycle_min + (cycle_max - cycle_min) * pos);
    if (cpu < cycle_min) cpu = cycle_min;
    if (cpu > cycle_max) cpu = cycle_max;
    if (cpu > st.running) {
        st.running = cpu;
        server_log(LL_VERBOSE, "Starting active defrag, frag=%.0f%%, frag_bytes=%zu, cpu=%d%%", frag, frag_bytes, cpu);
    }
}

static void update_time_metrics(void) {
    if (st.running) {
        if (!st.started_us) st.started_us = ustime();
    } else if (st.started_us) {
        st.total_time_us += ustime() - st.started_us;
        st.started_us = 0;
    }
}

static void reset_scan(void) {
    later_clear();
    st.db = -1;
    st.in_db = st.db_scanned = 0;
    st.cursor = 0;
}

/* A fork child shares the pages: moving allocations would only copy them. The
 * child module disallows table resizes for as long as it runs (a server-wide flag:
 * db 0's table alone is replaced by FLUSHDB ASYNC while the child runs). */
static int child_active(void) { return !db_resize_allowed(); }

/* The end of a walk over every database: logs, and starts again at once if the
 * fragmentation still asks for it. Returns 1 when a new walk begins. */
static int scan_finished(void) {
    for (int i = 0; i < nglobal_walkers; i++) global_walkers[i]();
    size_t frag_bytes;
    double frag = allocator_frag(&frag_bytes);
    server_log(LL_VERBOSE, "Active defrag done in %lldms, reallocated=%lld, frag=%.0f%%, frag_bytes=%zu",
               mstime() - st.scan_started_ms, hits_now() - st.scan_start_hits, frag, frag_bytes);
    reset_scan();
    st.running = 0;
    compute_cycles();
    return st.running != 0;
}

/* Work until endtime: the current database's table from the saved cursor, then
 * (next tick, as Redis never starts a new database in the tick that finished one)
 * its queued big values and the next database; after the last, the global walkers
 * run and the pass ends (and may start over at once). Returns 1 when it stopped at
 * a tick boundary (a table finished, or the pass ended), 0 when time ran out. */
static int defrag_cycle(long long endtime) {
    for (;;) {
        if (!st.in_db) {
            if (++st.db >= db_count()) {
                if (!scan_finished()) return 1;
                if (ustime() >= endtime) return 0;
                continue;
            }
            if (st.db == 0) {
                st.scan_started_ms = mstime();
                st.scan_start_hits = hits_now();
            }
            st.cursor = 0;
            st.in_db = 1;
            st.db_scanned = 0;
        }
        Db *db = db_get(st.db);
        while (!st.db_scanned) {
            if (later_step(db, endtime)) return 0;
            st.cursor = ht_scan_defrag(db->keys, st.cursor, defrag_key, vmalloc_defrag, db);
            if (!st.cursor) {
                st.db_scanned = 1;
                return 1; /* as Redis: a tick never starts on the next database */
            }
            /* the clock after every bucket (a few keys; ustime is a vDSO call): on
             * this VM a bucket's moves can take 1 ms when fresh pages fault in */
            if (ustime() > endtime) return 0;
        }
        if (later_step(db, endtime)) return 0;
        st.in_db = 0;
    }
}

/* ---------------- slices ----------------
 *
 * Redis spends a cron tick's whole budget in one block (7.5 ms at hz 100 and a
 * 75% cycle), and every command that arrives meanwhile waits for it. Vesper spends
 * the same budget per tick in slices of at most DEFRAG_SLICE_US, one per event
 * loop turn, run last before the wait (defrag_before_sleep: after the turn's
 * replies are written, so none waits behind a slice); a 0 ms timer keeps the loop
 * from sleeping while budget is left. The CPU share, the tick boundaries a pass
 * observes (a finished table ends the tick's work) and INFO's view are Redis's; a
 * command waits for at most one slice. */

#define DEFRAG_SLICE_US 250

static long long budget_us;      /* left of the current tick's budget */
static long long wake_timer = -1;

static int slice_allowed(void) {
    return budget_us > 0 && active_defrag_enabled && st.running && !child_active() && !server.loading;
}

/* Runs one slice of the tick's budget. */
static void defrag_slice(void) {
    long long slice = budget_us < DEFRAG_SLICE_US ? budget_us : DEFRAG_SLICE_US;
    long long start = ustime();
    int boundary = defrag_cycle(start + slice);
    long long used = ustime() - start;
    latency_add_sample_if_needed("active-defrag-cycle", used / 1000);
    budget_us = boundary || !st.running ? 0 : budget_us - used;
    update_time_metrics();
}

static long long wake_timer_proc(EvLoop *el, long long id, void *data) {
    (void)el, (void)id, (void)data;
    if (slice_allowed()) return 0;
    wake_timer = -1;
    return EV_NOMORE;
}

void defrag_before_sleep(void) {
    if (slice_allowed()) defrag_slice();
}

/* One cron tick's share of work: granted to the slices (sliced), or spent in one
 * block (while loading, see below, where no client is served between ticks). */
static void defrag_tick(int sliced) {
    if (!active_defrag_enabled) {
        if (st.running) {
            st.running = 0;
            reset_scan();
            update_time_metrics();
        }
        return;
    }
    if (child_active()) return;
    long long now = mstime();
    if (now - st.last_check_ms >= 1000) {
        st.last_check_ms = now;
        compute_cycles();
    }
    if (!st.running) {
        update_time_metrics();
        return;
    }
    int hz = server.hz > 0 ? server.hz : 10;
    long long limit = 1000000LL * st.running / hz / 100;
    budget_us = limit > 0 ? limit : 1; /* a new tick: unspent budget is not carried */
    if (!sliced) {
        long long start = ustime();
        defrag_cycle(start + budget_us);
        budget_us = 0;
        latency_add_sample_if_needed("active-defrag-cycle", (ustime() - start) / 1000);
        update_time_metrics();
        return;
    }
    if (wake_timer == -1 && server.el) wake_timer = ev_add_timer(server.el, 0, wake_timer_proc, NULL);
}

static void defrag_cron(void) {
    if (!server.loading) defrag_tick(1);
}

void defrag_while_blocked(void) {
    static long long last_ms;
    long long now = mstime(), hz_ms = 1000 / (server.hz > 0 ? server.hz : 10);
    if (!active_defrag_enabled && !st.running) return;
    if (!last_ms || now - last_ms > 1000) last_ms = now - hz_ms;
    if (last_ms >= now) return;
    long long start = mstime();
    while (last_ms < now) {
        defrag_tick(0);
        last_ms += hz_ms;
    }
    latency_add_sample_if_needed("while-blocked-cron", mstime() - start);
}

/* ---------------- configuration and INFO ---------------- */

static int check_activedefrag(long long *v, const char **err) {
    if (*v && !vmalloc_defrag_supported()) {
        *err = "Active defragmentation cannot be enabled: it requires a Redis server compiled "
               "with a modified Jemalloc like the one shipped by default with the Redis source "
               "distribution";
        return 0;
    }
    return 1;
}

static ConfigDef defrag_configs[] = {
    CONFIG_BOOL("activedefrag", NULL, 0, active_defrag_enabled, 0, .num_check = check_activedefrag),
    CONFIG_NUM("active-defrag-cycle-min", NULL, 0, 0, cycle_min, 1, 99, 1),
    CONFIG_NUM("active-defrag-cycle-max", NULL, 0, 0, cycle_max, 1, 99, 25),
    CONFIG_NUM("active-defrag-threshold-lower", NULL, 0, 0, threshold_lower, 0, 1000, 10),
    CONFIG_NUM("active-defrag-threshold-upper", NULL, 0, 0, threshold_upper, 0, 1000, 100),
    CONFIG_NUM("active-defrag-max-scan-fields", NULL, 0, 0, max_scan_fields, 1, LONG_MAX, 1000),
    CONFIG_NUM("active-defrag-ignore-bytes", NULL, 0, CONFIG_UNSIGNED | CONFIG_MEMORY, ignore_bytes, 1, LLONG_MAX,
               100LL << 20),
    {0}};

static long long g_running(void) { return st.running; }
static long long g_hits(void) { return hits_now() - st.hits_base; }
static long long g_misses(void) {
    long long h, m;
    vmalloc_defrag_counts(&h, &m);
    return m - st.misses_base;
}
static long long g_key_hits(void) { return st.key_hits; }
static long long g_key_misses(void) { return st.key_misses; }
static long long g_current_time(void) { return st.started_us ? (ustime() - st.started_us) / 1000 : 0; }
static long long g_total_time(void) { return (st.total_time_us + (st.started_us ? ustime() - st.started_us : 0)) / 1000; }

static void defrag_reset_stats(void) {
    vmalloc_defrag_counts(&st.hits_base, &st.misses_base);
    st.key_hits = st.key_misses = 0;
    st.total_time_us = 0;
    if (st.started_us) st.started_us = ustime();
}

/* ---------------- DEBUG MALLCTL / MALLCTL-STR ---------------- */

/* DEBUG MALLCTL <key> [<val>]: reads (and writes) a numeric jemalloc setting as
 * Redis does: as 64 bits, then narrower while jemalloc says the size is wrong;
 * a write-only key answers OK. Little-endian, as Redis assumes. */
static void debug_mallctl(Client *c) {
    if (c->argc < 3 || c->argc > 4 || !vmalloc_defrag_supported()) {
        reply_errorf(c, "unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", arg_str(c, 1));
        return;
    }
    const char *key = arg_str(c, 2);
    int64_t old = 0, val = 0;
    int set = c->argc == 4;
    if (set) {
        long long ll;
        if (!arg_ll(c, c->argv[3], &ll, NULL)) return;
        val = ll;
    }
    for (size_t sz = sizeof(old); sz > 0; sz /= 2) {
        size_t got = sz;
        int ret = vmalloc_ctl(key, &old, &got, set ? &val : NULL, set ? sz : 0);
        if (ret == 0) {
            reply_long(c, old);
            return;
        }
        if (ret == EPERM && set && vmalloc_ctl(key, NULL, NULL, &val, sz) == 0) {
            reply_ok(c);
            return;
        }
        if (ret != EINVAL) {
            reply_errorf(c, "%s", strerror(ret));
            return;
        }
    }
    reply_errorf(c, "%s", strerror(EINVAL));
}

/* DEBUG MALLCTL-STR <key> [<val>]: a string setting; "VOID" writes nothing but
 * triggers the key (thread.tcache.flush). */
static void debug_mallctl_str(Client *c) {
    if (c->argc < 3 || c->argc > 4 || !vmalloc_defrag_supported()) {
        reply_errorf(c, "unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", arg_str(c, 1));
        return;
    }
    const char *key = arg_str(c, 2);
    char *old = NULL;
    size_t sz = sizeof(old);
    int rret = vmalloc_ctl(key, &old, &sz, NULL, 0), wret = 0;
    if (rret && !(rret == EPERM && c->argc == 4)) {
        reply_errorf(c, "%s", strerror(rret));
        return;
    }
    if (c->argc == 4) {
        const char *val = arg_str(c, 3);
        if (!strcmp(val, "VOID")) wret = vmalloc_ctl(key, NULL, NULL, NULL, 0);
        else wret = vmalloc_ctl(key, NULL, NULL, (void *)&val, sizeof(val));
    }
    if (!rret) reply_bulk_cstr(c, old ? old : "");
    else if (wret) reply_errorf(c, "%s", strerror(wret));
    else reply_ok(c);
}

/* DEBUG DEFRAG-FORCE <0|1> (Vesper's own, for tests): with 1 every allocation the
 * walk visits is moved, whatever its slab, so every relocation path runs. */
static void debug_defrag_force(Client *c) {
    long long on;
    if (c->argc != 3) {
        reply_errorf(c, "unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", arg_str(c, 1));
        return;
    }
    if (!arg_ll(c, c->argv[2], &on, NULL)) return;
    vmalloc_defrag_set_force(on != 0);
    reply_ok(c);
}

static const DebugExt defrag_debug[] = {
    {"mallctl", debug_mallctl}, {"mallctl-str", debug_mallctl_str}, {"defrag-force", debug_defrag_force}, {NULL, NULL}};

static const InfoGauge defrag_gauges[] = {
    {"active_defrag_running", g_running},
    {"active_defrag_hits", g_hits},
    {"active_defrag_misses", g_misses},
    {"active_defrag_key_hits", g_key_hits},
    {"active_defrag_key_misses", g_key_misses},
    {"total_active_defrag_time", g_total_time},
    {"current_active_defrag_time", g_current_time},
    {NULL, NULL}};

const Module defrag_module = {
    .name = "defrag",
    .configs = defrag_configs,
    .cron = defrag_cron,
    .gauges = defrag_gauges,
    .debug = defrag_debug,
    .reset_stats = defrag_reset_stats,
};
