/* blocking.c - the blocking module: clients waiting for keys, for the end of a
 * CLIENT PAUSE, and (later) for replicas; timeouts; CLIENT UNBLOCK.
 *
 * Waiting on keys: a table maps (db, key) to the FIFO of clients blocked on it.
 * Writing a key that has waiters puts its entry on the ready list (once); after the
 * writing command (and before sleeping) each ready key's waiters re-run their
 * command through dispatch, oldest first. A re-run that cannot be served calls
 * block_on_keys() again, which then leaves the client where it was (same place in
 * every queue, same deadline). Re-runs may ready more keys (BLMOVE pushes); the
 * loop runs until the ready list is empty.
 * Deadlines: a binary heap of blocked clients ordered by deadline, with one event
 * loop timer armed for the earliest, so timeouts fire on time without a timer per
 * client. Pause: parked clients keep their parsed command and re-run it, in arrival
 * order, once the pause ends.
 * Invariants: a client with CLIENT_BLOCKED has bstate.type != BLOCKED_NONE and is
 * in exactly the structures its type uses (key queues and, with a deadline, the
 * heap at bstate.timeout_idx; or the paused list).
 * Costs: block O(keys * log n); signalling a key O(1); serving O(waiters) per
 * ready key; a timeout O(log n). */
#include "blocking.h"
#include "command.h"
#include "conncmds.h"
#include "db.h"
#include "module.h"
#include "multi.h"
#include "reply.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <string.h>

typedef struct KeyWaiters {
    Sds id;                    /* "<dbid>\0<key>" */
    int dbid;
    Client **clients;          /* FIFO: oldest first */
    int n, cap;
    int ready;                 /* on the ready list */
    int strong;                /* block_signal_key_strong since the last serve */
} KeyWaiters;

static const void *waiters_key(const void *e, size_t *len) {
    const KeyWaiters *w = e;
    *len = sds_len(w->id);
    return w->id;
}
static const HtType waiters_type = {hash_bytes, waiters_key, NULL, NULL};

static Ht *waiting;                 /* KeyWaiters by id */
static KeyWaiters **ready;          /* keys written since the last serve */
size_t block_nready;                /* entries on the ready list */
static size_t ready_cap;
static Client **heap;               /* deadline min-heap */
static int nheap, heap_cap;
static long long timer_id = -1, timer_at;
static long long nblocked;          /* clients blocked on keys */
static Client *rerunning;           /* the client whose command is being re-run */
static int reblocked;               /* it blocked again during the re-run */
static KeyWaiters *rerun_ready;     /* the ready key whose write caused the re-run */
static Client **paused;             /* FIFO of clients parked by a pause */
static size_t npaused, paused_cap;
static int pause_mode;
static long long pause_end_ms;

/* ---------------- key ids ---------------- */

static Sds key_id(int dbid, const char *key, size_t klen) {
    char buf[16];
    int n = ll2string(buf, sizeof(buf), dbid);
    Sds s = sds_newlen(buf, (size_t)n + 1); /* the NUL separates db and key */
    return sds_catlen(s, key, klen);
}

static KeyWaiters *find_waiters(int dbid, const char *key, size_t klen) {
    if (!waiting || ht_size(waiting) == 0) return NULL;
    char stackbuf[256];
    char num[16];
    int n = ll2string(num, sizeof(num), dbid);
    size_t len = (size_t)n + 1 + klen;
    char *id = len <= sizeof(stackbuf) ? stackbuf : vmalloc(len);
    memcpy(id, num, (size_t)n + 1);
    memcpy(id + n + 1, key, klen);
    KeyWaiters *w = ht_find(waiting, id, len);
    if (id != stackbuf) vfree(id);
    return w;
}

/* ---------------- the deadline heap ---------------- */

static void heap_swap(int a, int b) {
    Client *t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
    heap[a]->bstate.timeout_idx = a;
    heap[b]->bstate.timeout_idx = b;
}

static void heap_up(int i) {
    while (i > 0) {
        int p = (i - 1) / 2;
        if (heap[p]->bstate.timeout_ms <= heap[i]->bstate.timeout_ms) break;
        heap_swap(i, p);
        i = p;
    }
}

static void heap_down(int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < nheap && heap[l]->bstate.timeout_ms < heap[m]->bstate.timeout_ms) m = l;
        if (r < nheap && heap[r]->bstate.timeout_ms < heap[m]->bstate.timeout_ms) m = r;
        if (m == i) return;
        heap_swap(i, m);
        i = m;
    }
}

static void heap_remove(Client *c) {
    int i = c->bstate.timeout_idx;
    if (i < 0 || i >= nheap || heap[i] != c) return;
    heap_swap(i, --nheap);
    c->bstate.timeout_idx = -1;
    if (i < nheap) {
        heap_down(i);
        heap_up(i);
    }
}

static long long timeout_timer(EvLoop *el, long long id, void *data);

static void arm_timer(void) {
    if (nheap == 0 || !server.el) return;
    long long at = heap[0]->bstate.timeout_ms;
    if (timer_id != -1 && timer_at <= at) return;
    if (timer_id != -1) ev_del_timer(server.el, timer_id);
    long long ms = at - mstime();
    timer_id = ev_add_timer(server.el, ms > 0 ? ms : 0, timeout_timer, NULL);
    timer_at = at;
}

static void heap_add(Client *c) {
    if (nheap == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 16;
        heap = vrealloc(heap, sizeof(Client *) * (size_t)heap_cap);
    }
    heap[nheap] = c;
    c->bstate.timeout_idx = nheap++;
    heap_up(nheap - 1);
    arm_timer();
}

/* ---------------- blocking and unblocking on keys ---------------- */

static void waiters_push(Client *c, int dbid, const Obj *key) {
    if (!waiting) waiting = ht_create(&waiters_type);
    KeyWaiters *w = find_waiters(dbid, key_ptr(key), key_len(key));
    if (!w) {
        w = vcalloc(sizeof(*w));
        w->id = key_id(dbid, key_ptr(key), key_len(key));
        w->dbid = dbid;
        ht_add(waiting, w);
    }
    for (int i = 0; i < w->n; i++)
        if (w->clients[i] == c) return; /* the same key twice in one command */
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4;
        w->clients = vrealloc(w->clients, sizeof(Client *) * (size_t)w->cap);
    }
    w->clients[w->n++] = c;
}

static void waiters_free(KeyWaiters *w) {
    ht_pop(waiting, w->id, sds_len(w->id));
    sds_free(w->id);
    vfree(w->clients);
    vfree(w);
}

static void waiters_remove(Client *c, int dbid, const Obj *key) {
    KeyWaiters *w = find_waiters(dbid, key_ptr(key), key_len(key));
    if (!w) return;
    for (int i = 0; i < w->n; i++) {
        if (w->clients[i] != c) continue;
        memmove(w->clients + i, w->clients + i + 1, sizeof(Client *) * (size_t)(w->n - i - 1));
        w->n--;
        break;
    }
    if (w->n == 0 && !w->ready) waiters_free(w);
}

int block_on_keys(Client *c, Obj **keys, int nkeys, long long timeout_ms) {
    if (c == rerunning && (c->flags & CLIENT_BLOCKED)) {
        reblocked = 1; /* still waiting: keep its place and deadline */
        return 1;
    }
    if (c->flags & CLIENT_DENY_BLOCKING) {
        reply_null_array(c);
        return 0;
    }
    BlockState *bs = &c->bstate;
    bs->type = BLOCKED_KEYS;
    bs->timeout_ms = timeout_ms;
    bs->dbid = c->db->id;
    bs->start_us = ustime();
    bs->unblock_error = 0;
    bs->keys = vmalloc(sizeof(Obj *) * (size_t)nkeys);
    bs->nkeys = 0;
    for (int i = 0; i < nkeys; i++) {
        obj_incr(keys[i]);
        bs->keys[bs->nkeys++] = keys[i];
        waiters_push(c, bs->dbid, keys[i]);
    }
    bs->timeout_idx = -1;
    if (timeout_ms) heap_add(c);
    c->flags |= CLIENT_BLOCKED;
    nblocked++;
    return 1;
}

/* Removes c from every structure of its wait and clears its block state. */
static void unblock_forget(Client *c) {
    BlockState *bs = &c->bstate;
    if (bs->type == BLOCKED_KEYS) {
        for (int i = 0; i < bs->nkeys; i++) {
            waiters_remove(c, bs->dbid, bs->keys[i]);
            obj_decr(bs->keys[i]);
        }
        vfree(bs->keys);
        bs->keys = NULL;
        bs->nkeys = 0;
        heap_remove(c);
        nblocked--;
    } else if (bs->type == BLOCKED_PAUSE) {
        for (size_t i = 0; i < npaused; i++) {
            if (paused[i] != c) continue;
            memmove(paused + i, paused + i + 1, sizeof(Client *) * (npaused - i - 1));
            npaused--;
            break;
        }
    }
    bs->type = BLOCKED_NONE;
    c->flags &= ~CLIENT_BLOCKED;
}

void block_client_gone(Client *c) {
    if (c == rerunning) reblocked = 0;
    unblock_forget(c);
}

/* After a wait ended with a reply: the client goes on with its pipelined input. */
static void resume(Client *c) {
    unblock_forget(c);
    net_command_done(c);
    if (!(c->flags & CLIENT_BLOCKED)) net_process_input(c);
}

/* Re-runs c's parsed command through dispatch; 1 if it is still blocked after. */
static int rerun(Client *c) {
    Client *prev = rerunning;
    int prev_reblocked = reblocked;
    rerunning = c;
    reblocked = 0;
    server_update_time();
    c->flags |= CLIENT_PROTECTED;
    command_reprocess(c);
    c->flags &= ~CLIENT_PROTECTED;
    int still = reblocked && (c->flags & CLIENT_BLOCKED);
    rerunning = prev;
    reblocked = prev_reblocked;
    return still;
}

void block_signal_key(Db *db, const char *key, size_t klen) {
    if (nblocked == 0) return;
    KeyWaiters *w = find_waiters(db->id, key, klen);
    if (!w || w->ready) return;
    w->ready = 1;
    if (block_nready == ready_cap) {
        ready_cap = ready_cap ? ready_cap * 2 : 16;
        ready = vrealloc(ready, sizeof(KeyWaiters *) * ready_cap);
    }
    ready[block_nready++] = w;
}

void block_signal_db(int dbid) {
    if (nblocked == 0) return;
    HtIter it;
    ht_iter_init(&it, waiting, 0);
    KeyWaiters *w;
    Db *db = db_get(dbid);
    while ((w = ht_iter_next(&it)))
        if (w->dbid == dbid) block_signal_key(db, w->id + strlen(w->id) + 1, sds_len(w->id) - strlen(w->id) - 1);
    ht_iter_done(&it);
}

int block_ready_key(const Client *c, const char **key, size_t *klen, int *strong) {
    if (!rerun_ready || c != rerunning) return 0;
    size_t dblen = strlen(rerun_ready->id) + 1;
    *key = rerun_ready->id + dblen;
    *klen = sds_len(rerun_ready->id) - dblen;
    *strong = rerun_ready->strong;
    return 1;
}

int block_ready_key_index(const Client *c, Obj *const *keys, int nkeys) {
    const char *key;
    size_t klen;
    int strong;
    if (!block_ready_key(c, &key, &klen, &strong)) return -1;
    for (int j = 0; j < nkeys; j++)
        if (key_len(keys[j]) == klen && !memcmp(key_ptr(keys[j]), key, klen)) return j;
    return -1;
}

int block_waits_on_keys(const Client *c) {
    if (!(c->flags & CLIENT_BLOCKED) || c->bstate.type != BLOCKED_KEYS) return 0;
    return c == rerunning ? reblocked : 1;
}

void block_signal_key_strong(Db *db, const char *key, size_t klen) {
    if (nblocked == 0) return;
    block_signal_key(db, key, klen);
    KeyWaiters *w = find_waiters(db->id, key, klen);
    if (w) w->strong = 1;
}

/* Serves the waiters of one ready key, oldest first. */
static void serve_key(KeyWaiters *w) {
    /* a snapshot: re-runs change the queue (served clients leave it). Clients are
     * not freed while this runs (frees wait for before-sleep, client eviction
     * included: a served client's pipelined input runs here), so the pointers
     * stay valid; one that left its wait meanwhile is skipped. */
    int n = w->n;
    Client **snap = vmalloc(sizeof(Client *) * (size_t)(n ? n : 1));
    memcpy(snap, w->clients, sizeof(Client *) * (size_t)n);
    client_defer_frees_begin();
    for (int i = 0; i < n; i++) {
        Client *c = snap[i];
        if (!(c->flags & CLIENT_BLOCKED) || c->bstate.type != BLOCKED_KEYS || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        rerun_ready = w;
        int still = rerun(c);
        rerun_ready = NULL;
        if (!still) resume(c);
    }
    client_defer_frees_end();
    vfree(snap);
}

void block_handle_ready_keys(void) {
    static int serving;
    if (serving || block_nready == 0 || block_pause_active()) return;
    serving = 1;
    while (block_nready) {
        KeyWaiters *w = ready[0];
        memmove(ready, ready + 1, sizeof(KeyWaiters *) * (block_nready - 1));
        block_nready--;
        serve_key(w);
        w->ready = 0;
        w->strong = 0;
        if (w->n == 0) waiters_free(w);
    }
    serving = 0;
}

int block_unblock(Client *c, int with_error) {
    if (!(c->flags & CLIENT_BLOCKED) || c->bstate.type != BLOCKED_KEYS) return 0;
    if (with_error) reply_error(c, "-UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else reply_null_array(c);
    /* the command ends here: Redis 7.0 counts it as failed (whether TIMEOUT or
     * ERROR: its CLIENT UNBLOCK passes had_errors=1) and logs it to the slowlog */
    Command *cmd = c->realcmd ? c->realcmd : c->cmd;
    if (cmd) {
        cmd->failed_calls++;
        slowlog_push(c, 0);
    }
    resume(c);
    return 1;
}

static void handle_timeouts(void) {
    long long now = mstime();
    while (nheap && heap[0]->bstate.timeout_ms <= now) {
        Client *c = heap[0];
        heap_remove(c);
        reply_null_array(c);
        resume(c);
    }
}

static long long timeout_timer(EvLoop *el, long long id, void *data) {
    (void)el; (void)id; (void)data;
    timer_id = -1;
    server_update_time();
    handle_timeouts();
    arm_timer();
    return EV_NOMORE;
}

/* ---------------- CLIENT PAUSE ---------------- */

void block_pause(int mode, long long end_ms) {
    if (block_pause_active()) {
        if (mode > pause_mode) pause_mode = mode;
        if (end_ms > pause_end_ms) pause_end_ms = end_ms;
    } else {
        pause_mode = mode;
        pause_end_ms = end_ms;
    }
}

void block_unpause(void) {
    pause_mode = 0;
    pause_end_ms = 0;
}

int block_pause_active(void) {
    if (!pause_mode) return 0;
    if (pause_end_ms <= mstime()) {
        pause_mode = 0;
        return 0;
    }
    return pause_mode;
}

int block_if_paused(Client *c, const Command *cmd) {
    int mode = block_pause_active();
    if (!mode || !c->conn) return 0;
    const uint64_t writes = CMD_WRITE | CMD_MAY_REPLICATE;
    uint64_t flags = cmd->call_flags ? cmd->call_flags(c, cmd->flags) : cmd->flags;
    int may_write = (flags & writes) || (cmd->proc == multi_exec_proc && (multi_queued_flags(c) & writes));
    if (mode == CLIENT_PAUSE_WRITE && !may_write) return 0;
    if (c == rerunning && c->bstate.type == BLOCKED_KEYS) {
        reblocked = 1; /* a key-blocked client stays in its queues during the pause */
        return 1;
    }
    c->bstate.type = BLOCKED_PAUSE;
    c->bstate.start_us = ustime();
    c->flags |= CLIENT_BLOCKED;
    if (npaused == paused_cap) {
        paused_cap = paused_cap ? paused_cap * 2 : 16;
        paused = vrealloc(paused, sizeof(Client *) * paused_cap);
    }
    paused[npaused++] = c;
    return 1;
}

static void resume_paused(void) {
    if (npaused == 0 || block_pause_active()) return;
    /* take the list: clients that pause again (a new pause) queue up anew */
    Client **list = paused;
    size_t n = npaused;
    paused = NULL;
    npaused = paused_cap = 0;
    for (size_t i = 0; i < n; i++) {
        Client *c = list[i];
        c->bstate.type = BLOCKED_NONE;
        c->flags &= ~CLIENT_BLOCKED;
    }
    client_defer_frees_begin(); /* the list's clients stay valid (see serve_key) */
    for (size_t i = 0; i < n; i++) {
        Client *c = list[i];
        if (c->flags & CLIENT_CLOSE_ASAP || (c->flags & CLIENT_BLOCKED)) continue;
        rerun(c);
        if (c->flags & CLIENT_BLOCKED) continue;
        net_command_done(c);
        net_process_input(c);
    }
    client_defer_frees_end();
    vfree(list);
}

void block_before_sleep(void) {
    handle_timeouts();
    resume_paused();
    block_handle_ready();
}

/* ---------------- introspection ---------------- */

long long block_blocked_clients(void) { return nblocked; }
long long block_clients_with_timeout(void) { return nheap; }
long long block_keys_with_waiters(void) { return waiting ? (long long)ht_size(waiting) : 0; }
int block_type(const Client *c) { return (c->flags & CLIENT_BLOCKED) ? c->bstate.type : BLOCKED_NONE; }

/* INFO's blocked_clients also counts clients parked by a pause, as Redis does. */
static long long blocked_clients_gauge(void) { return nblocked + (long long)npaused; }

static const InfoGauge blocking_gauges[] = {
    {"blocked_clients", blocked_clients_gauge},
    {"clients_in_timeout_table", block_clients_with_timeout},
    {NULL, NULL}};

const Module blocking_module = {
    .name = "blocking",
    .gauges = blocking_gauges,
};
