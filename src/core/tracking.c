/* tracking.c - client-side caching: CLIENT TRACKING and the invalidation messages.
 *
 * Default mode: after a read-only command of a tracking client, the keys it read are
 * recorded in the tracking table (key -> sorted array of client ids; one table for
 * every database, as in Redis). When a recorded key changes, each client id under it
 * gets an invalidation and the key leaves the table. Ids of clients that turned
 * tracking off or left stay until their key changes (no per-client cleanup). OPTIN
 * records only after CLIENT CACHING YES, OPTOUT except after CLIENT CACHING NO; the
 * CACHING flag lasts for the next command (or the whole MULTI/EXEC).
 * BCAST mode: a client subscribes prefixes (the empty one matches every key); a
 * changed key is remembered under each matching prefix with the id of the client
 * whose command changed it, and before sleeping every prefix with changed keys sends
 * one message with all of them to its clients (without their own changes in NOLOOP).
 * Prefixes are found by length: the table of prefixes is keyed by the prefix bytes and
 * a short sorted list holds the distinct prefix lengths in use, so a changed key costs
 * one lookup per distinct length.
 *
 * Messages, in Redis 7.0's framing: a RESP3 client (or RESP3 redirect target) gets
 * the push >2 "invalidate" <array of keys | null>; a RESP2 redirect target in pub/sub
 * mode gets a "message" on __redis__:invalidate whose payload is that array (or the
 * null of the tracking client's protocol, as Redis sends it); a RESP2 client without a
 * redirect gets nothing. A redirect to a client that is gone sets the broken-redirect
 * flag and, for a RESP3 client, pushes "tracking-redir-broken" <id>. Invalidations for
 * the client whose command is running are held and sent after its reply (after EXEC's
 * for a transaction).
 * tracking-table-max-keys: above it, random keys are invalidated (as if changed), with
 * an effort that grows while the table stays above the limit (after each command and
 * in the cron).
 * Invariants: tracking_active != 0 whenever a client has CLIENT_TRACKING, the table
 * is not empty or invalidations are held back; a client with CLIENT_TRACKING has tstate; every prefix of a BCAST
 * client's tstate has an entry listing the client; total_items is the sum of the
 * id arrays' lengths.
 * Costs: one test per command and per changed key while tracking_active is 0;
 * otherwise O(keys read x log ids) to record, O(ids) per changed tracked key, one
 * lookup per distinct prefix length per changed key in BCAST, and a flush is O(clients
 * + tracked keys). */
#include "tracking.h"
#include "command.h"
#include "config_table.h"
#include "lazyfree.h"
#include "module.h"
#include "reply.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tracking_active;

/* A client's tracking state (Client.tstate). */
typedef struct TrackingState {
    uint64_t redirect;   /* client id, 0 for none */
    Sds *prefixes;       /* BCAST prefixes */
    int nprefixes, cap;
} TrackingState;

size_t tracking_client_memory(const Client *c) {
    const TrackingState *ts = c->tstate;
    if (!ts) return 0;
    size_t m = sizeof(*ts) + (size_t)ts->cap * sizeof(Sds);
    for (int i = 0; i < ts->nprefixes; i++) m += sds_alloc_size(ts->prefixes[i]);
    return m;
}

/* One key of the tracking table and the ids of the clients that read it. */
typedef struct TrackedKey {
    uint64_t *ids;       /* ascending */
    uint32_t n, cap;
    uint32_t klen;
    char key[];
} TrackedKey;

/* A key changed under a prefix since the last broadcast. */
typedef struct ChangedKey {
    uint64_t by;         /* id of the client whose command changed it last, 0 none */
    uint32_t klen;
    char key[];
} ChangedKey;

/* A BCAST prefix, its clients and the keys changed under it. */
typedef struct Prefix {
    Client **clients;
    int n, cap;
    Ht *changed;         /* ChangedKey entries, NULL when none */
    uint32_t plen;
    char p[];
} Prefix;

typedef struct PrefixLen {
    uint32_t len;
    int count;           /* prefixes of this length */
} PrefixLen;

static const void *tracked_key(const void *e, size_t *len) {
    const TrackedKey *t = e;
    *len = t->klen;
    return t->key;
}
static void tracked_free(void *e) {
    vfree(((TrackedKey *)e)->ids);
    vfree(e);
}
static const HtType tracked_type = {hash_bytes, tracked_key, NULL, tracked_free};

static const void *changed_key(const void *e, size_t *len) {
    const ChangedKey *k = e;
    *len = k->klen;
    return k->key;
}
static const HtType changed_type = {hash_bytes, changed_key, NULL, vfree};

static const void *prefix_key(const void *e, size_t *len) {
    const Prefix *p = e;
    *len = p->plen;
    return p->p;
}
static const HtType prefix_type = {hash_bytes, prefix_key, NULL, NULL};

static Ht *table;                /* TrackedKey entries */
static long long total_items;
static Ht *prefixes;             /* Prefix entries */
static PrefixLen *lens;          /* ascending by len */
static int nlens, lens_cap;
static long long nclients;       /* clients with CLIENT_TRACKING */
static unsigned long max_keys;   /* tracking-table-max-keys */
static unsigned limit_rounds;    /* consecutive rounds that ended above the limit */

/* Invalidations for the running client, sent after its reply: key copies, NULL for
 * "every key" (a flush). */
static Sds *pending;
static int npending, pending_cap;

/* Held-back invalidations keep it on too: the client may turn tracking off (and the
 * table empty) inside the transaction that produced them. */
static void update_active(void) { tracking_active = nclients > 0 || (table && ht_size(table) > 0) || npending > 0; }

/* ---------------- messages ---------------- */

/* Out-of-band bytes: delivered even under CLIENT REPLY OFF/SKIP, as Redis's pushes
 * are; reply_push_nogrow drops them for a replica or a closing client and does
 * not grow the reply buffer for them (see reply.h). */
static void push_out(Client *c, const char *p, size_t len) { reply_push_nogrow(c, p, len); }

static Sds cat_bulk(Sds s, const char *p, size_t len) {
    char num[24];
    int n = ll2string(num, sizeof(num), (long long)len);
    s = sds_catlen(s, "$", 1);
    s = sds_catlen(s, num, (size_t)n);
    s = sds_catlen(s, "\r\n", 2);
    s = sds_catlen(s, p, len);
    return sds_catlen(s, "\r\n", 2);
}

static Sds cat_count(Sds s, char type, long long n) {
    char num[24];
    int k = ll2string(num, sizeof(num), n);
    s = sds_catlen(s, &type, 1);
    s = sds_catlen(s, num, (size_t)k);
    return sds_catlen(s, "\r\n", 2);
}

/* The null a flush sends, in the tracking client's protocol (Redis's choice even when
 * the message goes to a redirect target of the other protocol). */
static const char *null_payload(const Client *c, size_t *len) {
    *len = c->resp >= 3 ? 3 : 5;
    return c->resp >= 3 ? "_\r\n" : "$-1\r\n";
}

/* Sends the invalidation whose payload (the keys array or a null, as protocol) is
 * given to c, or to its redirect target. */
static void send_invalidation(Client *c, const char *payload, size_t len) {
    Client *to = c;
    int redirected = 0;
    if (c->tstate && c->tstate->redirect) {
        to = client_by_id(c->tstate->redirect);
        if (!to) {
            c->flags |= CLIENT_TRACKING_BROKEN_REDIR;
            if (c->resp >= 3) {
                Sds m = sds_new(">2\r\n$21\r\ntracking-redir-broken\r\n");
                m = cat_count(m, ':', (long long)c->tstate->redirect);
                push_out(c, m, sds_len(m));
                sds_free(m);
            }
            return;
        }
        redirected = 1;
    }
    Sds m;
    if (to->resp >= 3) {
        m = sds_new(">2\r\n$10\r\ninvalidate\r\n");
    } else if (redirected && (to->flags & CLIENT_PUBSUB)) {
        m = sds_new("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n");
    } else {
        return; /* RESP2 without a pub/sub redirect: no way to tell the client */
    }
    m = sds_catlen(m, payload, len);
    push_out(to, m, sds_len(m));
    sds_free(m);
}

static void send_key(Client *c, const char *key, size_t klen) {
    Sds p = cat_bulk(sds_new("*1\r\n"), key, klen);
    send_invalidation(c, p, sds_len(p));
    sds_free(p);
}

static void send_null(Client *c) {
    size_t len;
    const char *p = null_payload(c, &len);
    send_invalidation(c, p, len);
}

static void pending_add(Sds key) {
    if (npending == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 8;
        pending = vrealloc(pending, sizeof(Sds) * (size_t)pending_cap);
    }
    pending[npending++] = key;
    tracking_active = 1;
}

static void pending_flush(Client *c) {
    for (int i = 0; i < npending; i++) {
        if (pending[i]) {
            send_key(c, pending[i], sds_len(pending[i]));
            sds_free(pending[i]);
        } else {
            send_null(c);
        }
    }
    npending = 0;
    update_active();
}

/* ---------------- the tracking table ---------------- */

static void remember_key(uint64_t id, const char *key, size_t klen) {
    if (!table) table = ht_create(&tracked_type);
    TrackedKey *t = ht_find(table, key, klen);
    if (!t) {
        t = vmalloc(sizeof(TrackedKey) + klen);
        t->ids = NULL;
        t->n = t->cap = 0;
        t->klen = (uint32_t)klen;
        memcpy(t->key, key, klen);
        ht_add(table, t);
    }
    uint32_t lo = 0, hi = t->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (t->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < t->n && t->ids[lo] == id) return;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 2;
        t->ids = vrealloc(t->ids, sizeof(uint64_t) * t->cap);
    }
    memmove(t->ids + lo + 1, t->ids + lo, sizeof(uint64_t) * (t->n - lo));
    t->ids[lo] = id;
    t->n++;
    total_items++;
}

/* Records the keys of c's read-only command, unless OPTIN/OPTOUT says no. */
static void remember_command_keys(Client *c, Command *cmd) {
    int optin = (c->flags & CLIENT_TRACKING_OPTIN) != 0, optout = (c->flags & CLIENT_TRACKING_OPTOUT) != 0;
    int caching = (c->flags & CLIENT_TRACKING_CACHING) != 0;
    if ((optin && !caching) || (optout && caching)) return;
    if (cmd->flags & CMD_PUBSUB) return;
    int small[16];
    int *pos = c->argc <= 16 ? small : vmalloc(sizeof(int) * (size_t)c->argc);
    int n = command_get_keys(cmd, c->argv, c->argc, pos, c->argc > 16 ? c->argc : 16);
    for (int i = 0; i < n; i++) {
        const Obj *k = c->argv[pos[i]];
        remember_key(c->id, k->ptr, sds_len(k->ptr));
    }
    if (pos != small) vfree(pos);
    update_active();
}

/* Invalidates a key of the table for the clients that read it. cur is the client
 * whose command runs (NULL outside commands). */
static void invalidate_tracked(const char *key, size_t klen, Client *cur) {
    if (!table) return;
    TrackedKey *t = ht_pop(table, key, klen);
    if (!t) return;
    total_items -= t->n;
    for (uint32_t i = 0; i < t->n; i++) {
        Client *target = client_by_id(t->ids[i]);
        if (!target || !(target->flags & CLIENT_TRACKING) || (target->flags & CLIENT_TRACKING_BCAST)) continue;
        if (target == cur) {
            if (target->flags & CLIENT_TRACKING_NOLOOP) continue;
            pending_add(sds_newlen(key, klen)); /* after the reply */
        } else {
            send_key(target, key, klen);
        }
    }
    tracked_free(t);
    update_active();
}

/* ---------------- BCAST prefixes ---------------- */

static void lens_add(uint32_t len) {
    int i = 0;
    while (i < nlens && lens[i].len < len) i++;
    if (i < nlens && lens[i].len == len) {
        lens[i].count++;
        return;
    }
    if (nlens == lens_cap) {
        lens_cap = lens_cap ? lens_cap * 2 : 4;
        lens = vrealloc(lens, sizeof(PrefixLen) * (size_t)lens_cap);
    }
    memmove(lens + i + 1, lens + i, sizeof(PrefixLen) * (size_t)(nlens - i));
    lens[i].len = len;
    lens[i].count = 1;
    nlens++;
}

static void lens_remove(uint32_t len) {
    for (int i = 0; i < nlens; i++) {
        if (lens[i].len != len) continue;
        if (--lens[i].count == 0) {
            memmove(lens + i, lens + i + 1, sizeof(PrefixLen) * (size_t)(nlens - i - 1));
            nlens--;
        }
        return;
    }
}

static void note_changed(Prefix *px, const char *key, size_t klen, uint64_t by) {
    if (!px->changed) px->changed = ht_create(&changed_type);
    ChangedKey *k = ht_find(px->changed, key, klen);
    if (!k) {
        k = vmalloc(sizeof(ChangedKey) + klen);
        k->klen = (uint32_t)klen;
        memcpy(k->key, key, klen);
        ht_add(px->changed, k);
    }
    k->by = by;
}

/* Remembers a changed key under every prefix it matches. */
static void bcast_changed(const char *key, size_t klen, uint64_t by) {
    for (int i = 0; i < nlens && lens[i].len <= klen; i++) {
        Prefix *px = ht_find(prefixes, key, lens[i].len);
        if (px) note_changed(px, key, klen, by);
    }
}

static void prefix_subscribe(Client *c, const char *p, size_t plen) {
    if (!prefixes) prefixes = ht_create(&prefix_type);
    Prefix *px = ht_find(prefixes, p, plen);
    if (!px) {
        px = vcalloc(sizeof(Prefix) + plen);
        px->plen = (uint32_t)plen;
        memcpy(px->p, p, plen);
        ht_add(prefixes, px);
        lens_add((uint32_t)plen);
    }
    for (int i = 0; i < px->n; i++)
        if (px->clients[i] == c) return;
    if (px->n == px->cap) {
        px->cap = px->cap ? px->cap * 2 : 4;
        px->clients = vrealloc(px->clients, sizeof(Client *) * (size_t)px->cap);
    }
    px->clients[px->n++] = c;
    TrackingState *ts = c->tstate;
    if (ts->nprefixes == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 4;
        ts->prefixes = vrealloc(ts->prefixes, sizeof(Sds) * (size_t)ts->cap);
    }
    ts->prefixes[ts->nprefixes++] = sds_newlen(p, plen);
}

static void prefix_unsubscribe(Client *c, const char *p, size_t plen) {
    Prefix *px = ht_find(prefixes, p, plen);
    if (!px) return;
    for (int i = 0; i < px->n; i++) {
        if (px->clients[i] != c) continue;
        memmove(px->clients + i, px->clients + i + 1, sizeof(Client *) * (size_t)(px->n - i - 1));
        px->n--;
        break;
    }
    if (px->n) return;
    ht_pop(prefixes, p, plen);
    lens_remove((uint32_t)plen);
    if (px->changed) ht_release(px->changed);
    vfree(px->clients);
    vfree(px);
}

static int changed_cmp(const void *a, const void *b) {
    const ChangedKey *x = *(ChangedKey *const *)a, *y = *(ChangedKey *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int r = memcmp(x->key, y->key, n);
    if (r) return r;
    return (x->klen > y->klen) - (x->klen < y->klen);
}

/* The keys array for a broadcast, without the keys last changed by client id skip
 * (0: all); NULL when nothing is left. */
static Sds bcast_payload(ChangedKey **keys, size_t n, uint64_t skip) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (!skip || keys[i]->by != skip) count++;
    if (!count) return NULL;
    Sds s = cat_count(sds_empty(), '*', (long long)count);
    for (size_t i = 0; i < n; i++)
        if (!skip || keys[i]->by != skip) s = cat_bulk(s, keys[i]->key, keys[i]->klen);
    return s;
}

static void broadcast_prefix(Prefix *px) {
    size_t n = ht_size(px->changed), i = 0;
    ChangedKey **keys = vmalloc(sizeof(ChangedKey *) * n);
    HtIter it;
    ht_iter_init(&it, px->changed, 0);
    ChangedKey *k;
    while ((k = ht_iter_next(&it)) && i < n) keys[i++] = k;
    ht_iter_done(&it);
    qsort(keys, i, sizeof(ChangedKey *), changed_cmp); /* in key order, as Redis's radix tree */
    Sds all = bcast_payload(keys, i, 0);
    for (int j = 0; j < px->n; j++) {
        Client *c = px->clients[j];
        if (c->flags & CLIENT_TRACKING_NOLOOP) {
            Sds own = bcast_payload(keys, i, c->id);
            if (own) send_invalidation(c, own, sds_len(own));
            sds_free(own);
        } else {
            send_invalidation(c, all, sds_len(all));
        }
    }
    sds_free(all);
    vfree(keys);
    ht_release(px->changed);
    px->changed = NULL;
}

static void tracking_before_sleep(void) {
    if (!prefixes || !ht_size(prefixes)) return;
    HtIter it;
    ht_iter_init(&it, prefixes, 0);
    Prefix *px;
    while ((px = ht_iter_next(&it)))
        if (px->changed && ht_size(px->changed)) broadcast_prefix(px);
    ht_iter_done(&it);
}

/* ---------------- the keyspace's hooks ---------------- */

/* The client a change is attributed to: the running command's, or for a command a
 * script runs, the script's caller (its NOLOOP mode and held-back invalidations). */
static Client *changing_client(void) {
    Client *cur = command_current_client();
    return cur && (cur->flags & CLIENT_SCRIPT) ? command_outer_client() : cur;
}

void tracking_key_changed(const char *key, size_t klen, int by_command) {
    Client *cur = changing_client();
    if (nlens) bcast_changed(key, klen, by_command && cur ? cur->id : 0);
    invalidate_tracked(key, klen, cur);
}

static void free_table_job(void *arg) { ht_release(arg); }

void tracking_flushed(int async) {
    if (nclients) {
        Client *cur = changing_client();
        for (Client *c = clients_first(); c; c = c->next) {
            if (!(c->flags & CLIENT_TRACKING)) continue;
            if (c == cur) pending_add(NULL);
            else send_null(c);
        }
    }
    if (table && ht_size(table)) {
        if (async && ht_size(table) >= LAZYFREE_THRESHOLD) { /* Redis's test is >= here */
            Ht *old = table;
            table = ht_create(&tracked_type);
            lazyfree_job(free_table_job, old, (long long)ht_size(old));
        } else {
            ht_clear(table);
        }
    }
    total_items = 0;
    update_active();
}

/* Invalidates random keys while the table holds more than tracking-table-max-keys,
 * at most 100 per round the table has stayed above it. */
static void limit_table(void) {
    if (!max_keys || !table || ht_size(table) <= max_keys) {
        limit_rounds = 0;
        return;
    }
    long effort = 100L * (long)(limit_rounds + 1);
    while (effort-- > 0) {
        TrackedKey *t = ht_random(table);
        if (!t) break;
        Sds key = sds_newlen(t->key, t->klen);
        invalidate_tracked(key, sds_len(key), NULL);
        sds_free(key);
        if (ht_size(table) <= max_keys) {
            limit_rounds = 0;
            return;
        }
    }
    limit_rounds++;
}

static int is_client_subcommand(const Command *cmd) {
    return cmd->parent && !strcmp(cmd->parent->name, "client");
}

void tracking_after_call(Client *c, Command *cmd, int outermost) {
    if ((cmd->flags & (CMD_READONLY | CMD_RUNS_SCRIPT)) == CMD_READONLY) {
        /* a read inside a script (its fake client): the script's caller tracks the
         * keys its EVAL/FCALL declared, as Redis does */
        Client *t = c->flags & CLIENT_SCRIPT ? command_outer_client() : c;
        Command *tcmd = t == c ? cmd : t ? t->cmd : NULL;
        if (tcmd && (t->flags & (CLIENT_TRACKING | CLIENT_TRACKING_BCAST)) == CLIENT_TRACKING)
            remember_command_keys(t, tcmd);
    }
    if (!outermost) return;
    if (npending) pending_flush(c);
    /* CLIENT CACHING covers the next command, or the transaction it opens */
    if (!(c->flags & CLIENT_MULTI) && !is_client_subcommand(cmd)) c->flags &= ~CLIENT_TRACKING_CACHING;
    limit_table();
}

static void tracking_cron(void) {
    if (nclients) limit_table();
}

/* ---------------- enabling and disabling ---------------- */

static void enable(Client *c, uint64_t redirect, uint64_t options, Obj **pfx, int npfx) {
    if (!(c->flags & CLIENT_TRACKING)) {
        nclients++;
        c->tstate = vcalloc(sizeof(TrackingState));
    }
    c->flags |= CLIENT_TRACKING;
    c->flags &= ~(CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST | CLIENT_TRACKING_OPTIN |
                  CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_NOLOOP);
    c->tstate->redirect = redirect;
    if (options & CLIENT_TRACKING_BCAST) {
        c->flags |= CLIENT_TRACKING_BCAST;
        if (npfx == 0) prefix_subscribe(c, "", 0);
        for (int i = 0; i < npfx; i++) prefix_subscribe(c, pfx[i]->ptr, sds_len(pfx[i]->ptr));
    }
    c->flags |= options & (CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_NOLOOP);
    update_active();
}

/* Turns tracking off for c. Its ids in the table stay until their keys change. */
static void disable(Client *c) {
    if (!(c->flags & CLIENT_TRACKING)) return;
    TrackingState *ts = c->tstate;
    for (int i = 0; i < ts->nprefixes; i++) {
        prefix_unsubscribe(c, ts->prefixes[i], sds_len(ts->prefixes[i]));
        sds_free(ts->prefixes[i]);
    }
    vfree(ts->prefixes);
    vfree(ts);
    c->tstate = NULL;
    c->flags &= ~(CLIENT_TRACKING | CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST | CLIENT_TRACKING_OPTIN |
                  CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_CACHING | CLIENT_TRACKING_NOLOOP);
    nclients--;
    update_active();
}

static void tracking_client_reset(Client *c) { disable(c); }

/* One prefix is a prefix of the other (or they are equal). */
static int overlap(const char *a, size_t alen, const char *b, size_t blen) {
    return memcmp(a, b, alen < blen ? alen : blen) == 0;
}

/* Replies the error and returns 0 when a new prefix overlaps one the client has or
 * another new one. */
static int check_prefixes(Client *c, Obj **pfx, int npfx) {
    for (int i = 0; i < npfx; i++) {
        const char *p = pfx[i]->ptr;
        size_t plen = sds_len(pfx[i]->ptr);
        TrackingState *ts = c->tstate;
        for (int j = 0; ts && j < ts->nprefixes; j++) {
            if (overlap(ts->prefixes[j], sds_len(ts->prefixes[j]), p, plen)) {
                reply_errorf(c,
                             "Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client "
                             "must not overlap.",
                             p, ts->prefixes[j]);
                return 0;
            }
        }
        for (int j = i + 1; j < npfx; j++) {
            if (overlap(p, plen, pfx[j]->ptr, sds_len(pfx[j]->ptr))) {
                reply_errorf(c,
                             "Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single "
                             "client must not overlap.",
                             p, (const char *)pfx[j]->ptr);
                return 0;
            }
        }
    }
    return 1;
}

/* ---------------- CLIENT subcommands ---------------- */

/* CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
void tracking_cmd_tracking(Client *c) {
    long long redirect = 0;
    uint64_t options = 0;
    Obj *small[8];
    Obj **pfx = small;
    int npfx = 0, cap = 8;
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const Obj *a = c->argv[j];
        if (arg_is(a, "redirect") && more) {
            j++;
            if (redirect != 0) {
                reply_error(c, "A client can only redirect to a single other client");
                goto done;
            }
            if (!arg_ll(c, c->argv[j], &redirect, NULL)) goto done;
            if (!client_by_id((uint64_t)redirect)) {
                reply_error(c, "The client ID you want redirect to does not exist");
                goto done;
            }
        } else if (arg_is(a, "bcast")) {
            options |= CLIENT_TRACKING_BCAST;
        } else if (arg_is(a, "optin")) {
            options |= CLIENT_TRACKING_OPTIN;
        } else if (arg_is(a, "optout")) {
            options |= CLIENT_TRACKING_OPTOUT;
        } else if (arg_is(a, "noloop")) {
            options |= CLIENT_TRACKING_NOLOOP;
        } else if (arg_is(a, "prefix") && more) {
            j++;
            if (npfx == cap) {
                cap *= 2;
                if (pfx == small) {
                    pfx = vmalloc(sizeof(Obj *) * (size_t)cap);
                    memcpy(pfx, small, sizeof(small));
                } else {
                    pfx = vrealloc(pfx, sizeof(Obj *) * (size_t)cap);
                }
            }
            pfx[npfx++] = c->argv[j];
        } else {
            reply_error_syntax(c);
            goto done;
        }
    }
    if (arg_is(c->argv[2], "on")) {
        if (!(options & CLIENT_TRACKING_BCAST) && npfx) {
            reply_error(c, "PREFIX option requires BCAST mode to be enabled");
            goto done;
        }
        if ((c->flags & CLIENT_TRACKING) &&
            !!(c->flags & CLIENT_TRACKING_BCAST) != !!(options & CLIENT_TRACKING_BCAST)) {
            reply_error(c, "You can't switch BCAST mode on/off before disabling tracking for this client, and "
                           "then re-enabling it with a different mode.");
            goto done;
        }
        if ((options & CLIENT_TRACKING_BCAST) && (options & (CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT))) {
            reply_error(c, "OPTIN and OPTOUT are not compatible with BCAST");
            goto done;
        }
        if ((options & CLIENT_TRACKING_OPTIN) && (options & CLIENT_TRACKING_OPTOUT)) {
            reply_error(c, "You can't specify both OPTIN mode and OPTOUT mode");
            goto done;
        }
        if (((options & CLIENT_TRACKING_OPTIN) && (c->flags & CLIENT_TRACKING_OPTOUT)) ||
            ((options & CLIENT_TRACKING_OPTOUT) && (c->flags & CLIENT_TRACKING_OPTIN))) {
            reply_error(c, "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
                           "then re-enabling it with a different mode.");
            goto done;
        }
        if ((options & CLIENT_TRACKING_BCAST) && !check_prefixes(c, pfx, npfx)) goto done;
        enable(c, (uint64_t)redirect, options, pfx, npfx);
    } else if (arg_is(c->argv[2], "off")) {
        disable(c);
    } else {
        reply_error_syntax(c);
        goto done;
    }
    reply_ok(c);
done:
    if (pfx != small) vfree(pfx);
}

/* CLIENT CACHING YES|NO */
void tracking_cmd_caching(Client *c) {
    if (!(c->flags & CLIENT_TRACKING)) {
        reply_error(c, "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
                       "OPTOUT mode enabled");
        return;
    }
    if (arg_is(c->argv[2], "yes")) {
        if (!(c->flags & CLIENT_TRACKING_OPTIN)) {
            reply_error(c, "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            return;
        }
    } else if (arg_is(c->argv[2], "no")) {
        if (!(c->flags & CLIENT_TRACKING_OPTOUT)) {
            reply_error(c, "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            return;
        }
    } else {
        reply_error_syntax(c);
        return;
    }
    c->flags |= CLIENT_TRACKING_CACHING;
    reply_ok(c);
}

long long tracking_redirect_of(const Client *c) {
    return (c->flags & CLIENT_TRACKING) ? (long long)c->tstate->redirect : -1;
}

void tracking_cmd_getredir(Client *c) { reply_long(c, tracking_redirect_of(c)); }

static int prefix_order(const void *a, const void *b) {
    Sds x = *(const Sds *)a, y = *(const Sds *)b;
    size_t n = sds_len(x) < sds_len(y) ? sds_len(x) : sds_len(y);
    int r = memcmp(x, y, n);
    if (r) return r;
    return (sds_len(x) > sds_len(y)) - (sds_len(x) < sds_len(y));
}

void tracking_cmd_trackinginfo(Client *c) {
    const char *flags[8];
    int n = 0;
    uint64_t f = c->flags;
    flags[n++] = (f & CLIENT_TRACKING) ? "on" : "off";
    if (f & CLIENT_TRACKING_BCAST) flags[n++] = "bcast";
    if (f & CLIENT_TRACKING_OPTIN) {
        flags[n++] = "optin";
        if (f & CLIENT_TRACKING_CACHING) flags[n++] = "caching-yes";
    }
    if (f & CLIENT_TRACKING_OPTOUT) {
        flags[n++] = "optout";
        if (f & CLIENT_TRACKING_CACHING) flags[n++] = "caching-no";
    }
    if (f & CLIENT_TRACKING_NOLOOP) flags[n++] = "noloop";
    if (f & CLIENT_TRACKING_BROKEN_REDIR) flags[n++] = "broken_redirect";
    reply_map_len(c, 3);
    reply_bulk_cstr(c, "flags");
    reply_set_len(c, n);
    for (int i = 0; i < n; i++) reply_bulk_cstr(c, flags[i]);
    reply_bulk_cstr(c, "redirect");
    reply_long(c, tracking_redirect_of(c));
    reply_bulk_cstr(c, "prefixes");
    TrackingState *ts = c->tstate;
    int np = ts ? ts->nprefixes : 0;
    reply_array_len(c, np);
    if (!np) return;
    Sds *sorted = vmalloc(sizeof(Sds) * (size_t)np); /* byte order, as Redis lists them */
    memcpy(sorted, ts->prefixes, sizeof(Sds) * (size_t)np);
    qsort(sorted, (size_t)np, sizeof(Sds), prefix_order);
    for (int i = 0; i < np; i++) reply_bulk(c, sorted[i], sds_len(sorted[i]));
    vfree(sorted);
}

/* ---------------- module ---------------- */

static long long gauge_clients(void) { return nclients; }
static long long gauge_keys(void) { return table ? (long long)ht_size(table) : 0; }
static long long gauge_items(void) { return total_items; }
static long long gauge_prefixes(void) { return prefixes ? (long long)ht_size(prefixes) : 0; }

static const InfoGauge tracking_gauges[] = {
    {"tracking_clients", gauge_clients},
    {"tracking_total_keys", gauge_keys},
    {"tracking_total_items", gauge_items},
    {"tracking_total_prefixes", gauge_prefixes},
    {NULL, NULL}};

static ConfigDef tracking_configs[] = {
    CONFIG_NUM("tracking-table-max-keys", NULL, 0, CONFIG_UNSIGNED, max_keys, 0, LONG_MAX, 1000000),
    {0}};

const Module tracking_module = {
    .name = "tracking",
    .configs = tracking_configs,
    .cron = tracking_cron,
    .before_sleep = tracking_before_sleep,
    .client_reset = tracking_client_reset,
    .gauges = tracking_gauges,
};
