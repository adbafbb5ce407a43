/* hitrate_sim.c - what an ideal cache would score on hitrate.c's request stream:
 * the bounds the servers' measured hit rates are read against.
 *
 * It replays the exact stream hitrate.c sends (same Zipf sampler and seed, same
 * batches: a batch's GETs first, then a SET for each miss) against simulated
 * caches that hold a given number of keys:
 *   lru        exact LRU: the least recently read or written key is evicted;
 *   lfu        LFU with perfect history: every GET of a key, present or not, is
 *              counted from the start of the run and never forgotten; the key with
 *              the lowest count is evicted, the least recent of those first;
 *   unbounded  no eviction at all: only first requests miss, so no cache of any
 *              size or policy can score more on this stream.
 * Hit rates are counted over the requests after the warm-up, as hitrate.c does.
 * Costs: O(1) per request; 11 bytes per distinct key of memory.
 * Result lines (machine readable):
 *   sim policy=lru capacity=C hit_rate=R
 *
 * Usage: hitrate_sim [-k keys] [-s exponent] [-n requests] [-w warmup] [-b batch]
 *                    [-S seed] capacity... (keys held; at least one)
 * Exit status 0 on success, 2 on bad arguments or no memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zipf.h"

#define MAX_COUNT 4095 /* counts above share the top bucket (LRU among them) */

enum { POLICY_LRU, POLICY_LFU, POLICY_UNBOUNDED };
static const char *policy_names[] = {"lru", "lfu", "unbounded"};

/* One simulated cache: keys 1..n in doubly linked lists, one per access count
 * (LRU uses list 0 only), most recent at the head; index 0 is the null link. */
typedef struct Cache {
    int policy;
    uint64_t capacity, size;
    uint32_t *prev, *next;
    uint16_t *count; /* GETs of the key so far (LFU), whether cached or not */
    uint8_t *cached;
    uint32_t head[MAX_COUNT + 1], tail[MAX_COUNT + 1];
    unsigned min_bucket; /* no non-empty bucket below it */
} Cache;

static unsigned bucket_of(const Cache *c, uint32_t k) { return c->policy == POLICY_LFU ? c->count[k] : 0; }

static void list_remove(Cache *c, uint32_t k, unsigned b) {
    if (c->prev[k]) c->next[c->prev[k]] = c->next[k];
    else c->head[b] = c->next[k];
    if (c->next[k]) c->prev[c->next[k]] = c->prev[k];
    else c->tail[b] = c->prev[k];
}

static void list_push(Cache *c, uint32_t k, unsigned b) {
    c->prev[k] = 0;
    c->next[k] = c->head[b];
    if (c->head[b]) c->prev[c->head[b]] = k;
    else c->tail[b] = k;
    c->head[b] = k;
    if (b < c->min_bucket) c->min_bucket = b;
}

/* A read: counts it (LFU) and, when cached, moves the key to its list's head.
 * Returns 1 for a hit. */
static int cache_get(Cache *c, uint32_t k) {
    unsigned old = bucket_of(c, k);
    if (c->policy == POLICY_LFU && c->count[k] < MAX_COUNT) c->count[k]++;
    if (!c->cached[k]) return 0;
    list_remove(c, k, old);
    list_push(c, k, bucket_of(c, k));
    return 1;
}

/* A write after a miss: inserts the key (or refreshes it, when an earlier SET of
 * the same batch put it there) and evicts down to the capacity. */
static void cache_set(Cache *c, uint32_t k) {
    unsigned b = bucket_of(c, k);
    if (c->cached[k]) {
        list_remove(c, k, b);
        list_push(c, k, b);
        return;
    }
    c->cached[k] = 1;
    list_push(c, k, b);
    if (++c->size <= c->capacity || c->policy == POLICY_UNBOUNDED) return;
    while (!c->head[c->min_bucket]) c->min_bucket++;
    uint32_t victim = c->tail[c->min_bucket];
    list_remove(c, victim, c->min_bucket);
    c->cached[victim] = 0;
    c->size--;
}

static void *zalloc(size_t n) {
    void *p = calloc(1, n);
    if (!p) {
        fprintf(stderr, "hitrate_sim: out of memory\n");
        exit(2);
    }
    return p;
}

static double simulate(const uint32_t *draws, uint64_t warmup, uint64_t total, uint64_t keys, int batch,
                       int policy, uint64_t capacity) {
    Cache *c = zalloc(sizeof(*c));
    c->policy = policy;
    c->capacity = capacity;
    c->prev = zalloc((keys + 1) * sizeof(uint32_t));
    c->next = zalloc((keys + 1) * sizeof(uint32_t));
    c->count = zalloc((keys + 1) * sizeof(uint16_t));
    c->cached = zalloc(keys + 1);
    uint32_t *missed = zalloc((size_t)batch * sizeof(uint32_t));
    uint64_t hits = 0;
    for (uint64_t i = 0; i < total;) {
        uint64_t end = i + (uint64_t)batch; /* batches as hitrate.c cuts them */
        if (i < warmup && end > warmup) end = warmup;
        if (end > total) end = total;
        int nmiss = 0;
        for (uint64_t j = i; j < end; j++) {
            if (cache_get(c, draws[j])) hits += j >= warmup;
            else missed[nmiss++] = draws[j];
        }
        for (int j = 0; j < nmiss; j++) cache_set(c, missed[j]);
        i = end;
    }
    free(missed);
    free(c->prev);
    free(c->next);
    free(c->count);
    free(c->cached);
    free(c);
    return total > warmup ? (double)hits / (double)(total - warmup) : 0;
}

int main(int argc, char **argv) {
    uint64_t keys = 10000000, requests = 4000000, warmup = 4000000, seed = 12345;
    int batch = 256, opt;
    double s = 0.99;
    while ((opt = getopt(argc, argv, "k:s:n:w:b:S:")) != -1) {
        switch (opt) {
        case 'k': keys = strtoull(optarg, NULL, 10); break;
        case 's': s = atof(optarg); break;
        case 'n': requests = strtoull(optarg, NULL, 10); break;
        case 'w': warmup = strtoull(optarg, NULL, 10); break;
        case 'b': batch = atoi(optarg); break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        default: optind = argc + 1; break;
        }
    }
    if (optind >= argc || keys < 2 || keys >= UINT32_MAX || batch < 1 || s <= 0) {
        fprintf(stderr, "usage: hitrate_sim [-k keys] [-s exponent] [-n requests] [-w warmup] [-b batch] "
                        "[-S seed] capacity...\n");
        return 2;
    }
    uint64_t total = warmup + requests;
    uint32_t *draws = zalloc(total * sizeof(*draws));
    Zipf z;
    zipf_init(&z, s, keys);
    rng_state = seed;
    for (uint64_t i = 0; i < total; i++) draws[i] = zipf_draw(&z);

    for (int a = optind; a < argc; a++) {
        char *end;
        uint64_t capacity = strtoull(argv[a], &end, 10);
        if (*end || capacity == 0) {
            fprintf(stderr, "hitrate_sim: bad capacity '%s'\n", argv[a]);
            return 2;
        }
        for (int p = POLICY_LRU; p <= POLICY_LFU; p++)
            printf("sim policy=%s capacity=%llu hit_rate=%.4f\n", policy_names[p], (unsigned long long)capacity,
                   simulate(draws, warmup, total, keys, batch, p, capacity));
        fflush(stdout);
    }
    printf("sim policy=%s capacity=any hit_rate=%.4f\n", policy_names[POLICY_UNBOUNDED],
           simulate(draws, warmup, total, keys, batch, POLICY_UNBOUNDED, keys));
    free(draws);
    return 0;
}
