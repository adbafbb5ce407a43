/* client_evict.c - client eviction (maxmemory-clients), as Redis 7.0's: when the
 * normal and pub/sub clients together use more memory than the limit, the ones
 * using the most are disconnected, biggest first, until the total is under it;
 * CLIENT NO-EVICT on exempts a client (its memory still counts in the total).
 *
 * A client's memory is CLIENT LIST's tot-mem (client_total_memory: the structure,
 * query buffer, argv, reply buffer and blocks, MULTI queue), measured after each
 * command, after its input was read and after its output was written, and in the
 * cron; the total is the sum of these figures. Redis sorts clients into memory
 * buckets to find the biggest; Vesper sorts the candidates exactly, only when the
 * total is over the limit.
 * Invariants: while client eviction is on, total == the sum of evict_mem over the
 * counted clients (normal and pub/sub ones not closing); evict_mem is 0 for the
 * rest and while it is off.
 * Costs: O(1) per measurement; an eviction round is O(n log n) in the clients. */
#include "client.h"
#include "evict.h"
#include "config_table.h"
#include "module.h"
#include "server.h"
#include "../base/alloc.h"
#include <limits.h>
#include <stdlib.h>

#define CLIENT_EVICT_MIN_LIMIT (128 * 1024) /* a smaller setting would lock everyone out */

static long long maxmemory_clients; /* bytes, or -percent of maxmemory; 0: off */
static size_t total;
long long client_evicted_count;

size_t client_evict_limit(void) {
    unsigned long long limit;
    if (maxmemory_clients > 0) limit = (unsigned long long)maxmemory_clients;
    else if (maxmemory_clients < 0 && server.cfg.maxmemory > 0)
        limit = (unsigned long long)((double)server.cfg.maxmemory * (double)-maxmemory_clients / 100);
    else return 0;
    if (limit < CLIENT_EVICT_MIN_LIMIT) limit = CLIENT_EVICT_MIN_LIMIT;
    return limit > SIZE_MAX ? SIZE_MAX : (size_t)limit;
}

static int counted(const Client *c) {
    if (!c->conn || (c->flags & CLIENT_CLOSE_ASAP)) return 0;
    int type = client_type(c);
    return type == CLIENT_TYPE_NORMAL || type == CLIENT_TYPE_PUBSUB;
}

void client_evict_update(Client *c) {
    if (!maxmemory_clients) return;
    size_t mem = counted(c) ? client_total_memory(c) : 0;
    total = total - c->evict_mem + mem;
    c->evict_mem = mem;
}

void client_evict_forget(Client *c) {
    total -= c->evict_mem;
    c->evict_mem = 0;
}

static int by_memory_desc(const void *a, const void *b) {
    size_t x = (*(Client *const *)a)->evict_mem, y = (*(Client *const *)b)->evict_mem;
    return x < y ? 1 : x > y ? -1 : 0;
}

int client_evict_run(Client *current) {
    size_t limit = client_evict_limit();
    if (!limit || total < limit) return 0;
    size_t n = 0, cap = 0;
    Client **cand = NULL;
    for (Client *c = clients_first(); c; c = c->next) {
        if (!c->evict_mem || (c->flags & CLIENT_NO_EVICT)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            cand = vrealloc(cand, cap * sizeof(*cand));
        }
        cand[n++] = c;
    }
    if (n) qsort(cand, n, sizeof(*cand), by_memory_desc); /* cand is NULL when n is 0 */
    int self = 0;
    size_t i = 0;
    for (; i < n && total >= limit; i++) {
        Client *c = cand[i];
        Sds info = client_info_string(c);
        server_log(LL_NOTICE, "Evicting client: %s", info);
        sds_free(info);
        client_evicted_count++;
        client_evict_forget(c);
        if (c == current) self = 1;
        /* freed at once, as Redis does, so that its memory is gone before key
         * eviction looks at used memory (the event loop skips events of a closed
         * connection); the running client, or one whose input is being processed,
         * goes after its command, and so does every client while a caller holds
         * client pointers (serving blocked clients from a snapshot: this runs from
         * a served client's pipelined input) */
        if (c == current || (c->flags & (CLIENT_PROTECTED | CLIENT_EXECUTING)) || client_frees_deferred())
            client_free_async(c);
        else client_free(c);
    }
    if (total >= limit && i == n) server_log(LL_WARNING, "Over client maxmemory after evicting all evictable clients");
    vfree(cand);
    return self;
}

/* Turning it on measures every client; turning it off forgets the figures. */
static int apply_maxmemory_clients(const char **err) {
    (void)err;
    total = 0;
    for (Client *c = clients_first(); c; c = c->next) {
        c->evict_mem = 0;
        client_evict_update(c);
    }
    return 1;
}

/* Figures change without a command (output written, buffers shrunk): measure all. */
static void client_evict_cron(void) {
    if (!maxmemory_clients) return;
    for (Client *c = clients_first(); c; c = c->next) client_evict_update(c);
}

static void client_evict_before_sleep(void) {
    if (maxmemory_clients) client_evict_run(NULL);
}

static void client_evict_reset_stats(void) { client_evicted_count = 0; }

static ConfigDef client_evict_configs[] = {
    CONFIG_NUM("maxmemory-clients", NULL, 0, CONFIG_MEMORY | CONFIG_PERCENT, maxmemory_clients, -100, LONG_MAX, 0,
               .apply = apply_maxmemory_clients),
    {0}};

const Module client_evict_module = {
    .name = "client-eviction",
    .configs = client_evict_configs,
    .cron = client_evict_cron,
    .before_sleep = client_evict_before_sleep,
    .reset_stats = client_evict_reset_stats,
};
