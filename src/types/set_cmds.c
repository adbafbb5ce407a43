/* set_cmds.c - the set commands: SADD, SREM, SISMEMBER, SMISMEMBER, SMEMBERS, SCARD,
 * SMOVE, SPOP, SRANDMEMBER, the algebra (SINTER, SINTERCARD, SUNION, SDIFF and their
 * STORE forms) and SSCAN; the command table and the set Module. The value layer
 * (encodings, membership, random members) is set.c.
 *
 * Invariants:
 * - Replies, errors, keyspace events and propagation are Redis 7.0's: SPOP
 *   propagates as SREM; SPOP with a count as one SREM per popped member (wrapped in
 *   MULTI/EXEC by the propagation layer when there are several), or as DEL when it
 *   pops the whole set; a STORE with an empty result deletes the destination.
 * - The observable choices Redis makes are made the same way: the encoding of a
 *   set built by SPOP (the members kept), SINTERSTORE, SUNIONSTORE and SDIFFSTORE
 *   (built as an intset and converted as members are added, and with SDIFF's second
 *   algorithm also removed), and the order of SUNION/SDIFF replies (the built set's).
 * - A key is deleted as soon as its set becomes empty ("del" event).
 * - server.stat.dirty grows by what Redis adds (members added or removed).
 *
 * Costs: SADD/SREM/SMISMEMBER O(arguments) (intsets O(n) per change); SPOP and
 * SRANDMEMBER with a count O(count), or O(set) when count approaches the size;
 * SINTER O(N*M) for the smallest set's N members and M sets; SUNION/SDIFF O(total
 * members); SSCAN O(COUNT) (an intset is returned whole). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "set.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/scan.h"
#include "../core/server.h"

/* SPOP with a count keeps the members that stay (rather than picking those that
 * go) when they are fewer than a fifth of the count; SRANDMEMBER with a count
 * shuffles the whole set when the count is more than a third of it. */
#define SPOP_KEEP_RATIO 5
#define SRANDMEMBER_SHUFFLE_RATIO 3

/* ---- shared helpers ---- */

/* Redis counts one change per member added or removed; db_changed counted one. */
static void set_dirty_more(long long n) {
    if (n > 1) server.stat.dirty += n - 1;
}

static Obj *set_elem_obj(const SetElem *e) { return e->p ? obj_string(e->p, e->len) : obj_from_ll(e->ll); }

/* Deletes a key whose set became empty, with its "del" event. */
static void set_delete_key(Client *c, const Obj *key) {
    db_delete_lazy(c->db, key_ptr(key), key_len(key), lazyfree_cfg.server_del);
    notify_keyspace_event(NOTIFY_GENERIC, "del", key, c->db->id);
}

/* Adds "SREM key member" to what the running command propagates. */
static void set_propagate_srem(Client *c, const SetElem *e) {
    Obj *argv[3] = {obj_word(WORD_SREM), c->argv[1], set_elem_obj(e)};
    propagate_also(c->db->id, argv, 3);
    obj_decr(argv[2]);
}

/* ---- SADD, SREM, SMOVE ---- */

static void set_sadd_cmd(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_SET)) return;
    if (!o) o = db_add(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), set_create_for(arg_str(c, 2), arg_len(c, 2)));
    long long added = 0;
    for (int j = 2; j < c->argc; j++) added += set_add(o, arg_str(c, j), arg_len(c, j));
    if (added) {
        db_changed(c->db, c->argv[1], NOTIFY_SET, "sadd");
        set_dirty_more(added);
    }
    reply_long(c, added);
}

static void set_srem_cmd(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_SET)) return;
    long long deleted = 0;
    int emptied = 0;
    for (int j = 2; j < c->argc && !emptied; j++) {
        if (!set_remove(o, arg_str(c, j), arg_len(c, j))) continue;
        deleted++;
        emptied = set_size(o) == 0;
    }
    if (deleted) {
        if (emptied) db_delete_lazy(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), lazyfree_cfg.server_del);
        else set_removed_some(o);
        db_changed(c->db, c->argv[1], NOTIFY_SET, "srem");
        if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
        set_dirty_more(deleted);
    }
    reply_long(c, deleted);
}

static void set_smove_cmd(Client *c) {
    Obj *src = db_lookup_write(c, c->argv[1]);
    Obj *dst = db_lookup_write(c, c->argv[2]);
    const char *m = arg_str(c, 3);
    size_t mlen = arg_len(c, 3);
    if (!src) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, src, OBJ_SET) || !db_check_type(c, dst, OBJ_SET)) return;
    if (src == dst) {
        reply_long(c, set_contains(src, m, mlen));
        return;
    }
    if (!set_remove(src, m, mlen)) {
        reply_long(c, 0);
        return;
    }
    int emptied = set_size(src) == 0;
    if (emptied) db_delete_lazy(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), lazyfree_cfg.server_del);
    else set_removed_some(src);
    db_changed(c->db, c->argv[1], NOTIFY_SET, "srem");
    if (emptied) notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
    if (!dst) dst = db_add(c->db, key_ptr(c->argv[2]), key_len(c->argv[2]), set_create_for(m, mlen));
    /* the destination changes (and is signalled) only when the member is new there */
    if (set_add(dst, m, mlen)) db_changed(c->db, c->argv[2], NOTIFY_SET, "sadd");
    reply_long(c, 1);
}

/* ---- membership, size ---- */

static void set_sismember_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_SET)) return;
    reply_long(c, o && set_contains(o, arg_str(c, 2), arg_len(c, 2)));
}

static void set_smismember_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_SET)) return;
    reply_array_len(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) reply_long(c, o && set_contains(o, arg_str(c, j), arg_len(c, j)));
}

static void set_scard_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_SET)) return;
    reply_long(c, o ? (long long)set_size(o) : 0);
}

/* ---- the algebra: SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD ---- */

/* Looks up keys[0..n) for reading into sets[] (NULL for a missing key). Stops at
 * the first key holding another type: replies WRONGTYPE and returns 0. */
static int set_lookup_all(Client *c, Obj **keys, int n, Obj **sets) {
    for (int j = 0; j < n; j++) {
        sets[j] = db_lookup_read(c, keys[j]);
        if (!db_check_type(c, sets[j], OBJ_SET)) return 0;
    }
    return 1;
}

typedef struct SetRank {
    Obj *o;
    size_t size;
    int idx;
} SetRank;

static int set_rank_cmp(const void *a, const void *b) {
    const SetRank *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? -1 : 1;
    return x->idx - y->idx;
}

/* Stable sort of sets[0..n) by size (missing sets count as empty), ascending or
 * descending. */
static void set_sort_by_size(Obj **sets, int n, int descending) {
    SetRank *r = vmalloc(sizeof(SetRank) * (size_t)n);
    for (int j = 0; j < n; j++) {
        size_t sz = sets[j] ? set_size(sets[j]) : 0;
        r[j] = (SetRank){sets[j], descending ? SIZE_MAX - sz : sz, j};
    }
    qsort(r, (size_t)n, sizeof(SetRank), set_rank_cmp);
    for (int j = 0; j < n; j++) sets[j] = r[j].o;
    vfree(r);
}

/* Stores a computed set at dstkey (taking it) and replies with its size; an empty
 * result deletes dstkey instead. */
static void set_store_result(Client *c, Obj *dstkey, Obj *result, const char *event) {
    size_t n = set_size(result);
    if (n == 0) {
        obj_decr(result);
        reply_long(c, 0);
        if (db_delete_lazy(c->db, key_ptr(dstkey), key_len(dstkey), lazyfree_cfg.server_del))
            db_changed(c->db, dstkey, NOTIFY_GENERIC, "del");
        return;
    }
    db_lookup_write(c, dstkey);  /* an expired destination goes first, as Redis's setKey does */
    db_set(c, c->db, dstkey, result, 0);
    reply_long(c, (long long)n);
    db_changed(c->db, dstkey, NOTIFY_SET, event);
}

/* The intersection's answer when one of the sets is missing (empty). */
static void set_inter_empty(Client *c, Obj *dstkey, int card_only) {
    if (dstkey) {
        if (db_delete_lazy(c->db, key_ptr(dstkey), key_len(dstkey), lazyfree_cfg.server_del))
            db_changed(c->db, dstkey, NOTIFY_GENERIC, "del");
        reply_long(c, 0);
    } else if (card_only) {
        reply_long(c, 0);
    } else {
        reply_set_len(c, 0);
    }
}

/* Whether every set of sets[1..n) holds the member (the first set's own member). */
static int set_in_all_others(Obj **sets, int n, const SetElem *e) {
    for (int j = 1; j < n; j++) {
        if (sets[j] == sets[0]) continue;
        if (!set_contains_elem(sets[j], e)) return 0;
    }
    return 1;
}

/* SINTER, SMEMBERS, SINTERSTORE (dstkey), SINTERCARD (card_only, limit 0: none):
 * the smallest set's members that every other set holds. */
static void set_inter_generic(Client *c, Obj **keys, int n, Obj *dstkey, int card_only, unsigned long limit) {
    Obj **sets = vmalloc(sizeof(Obj *) * (size_t)n);
    if (!set_lookup_all(c, keys, n, sets)) goto done;
    for (int j = 0; j < n; j++) {
        if (!sets[j]) {
            set_inter_empty(c, dstkey, card_only);
            goto done;
        }
    }
    set_sort_by_size(sets, n, 0);
    Obj *result = dstkey ? set_new_intset() : NULL;
    void *deferred = !dstkey && !card_only ? reply_deferred_len(c) : NULL;
    unsigned long card = 0;
    SetIter si;
    SetElem e;
    set_iter_init(&si, sets[0]);
    while (set_iter_next(&si, &e)) {
        if (!set_in_all_others(sets, n, &e)) continue;
        if (result) set_add_elem(result, &e);
        else if (!card_only) set_reply_elem(c, &e);
        card++;
        if (card_only && limit && card >= limit) break;
    }
    set_iter_done(&si);
    if (card_only) reply_long(c, (long long)card);
    else if (result) set_store_result(c, dstkey, result, "sinterstore");
    else reply_set_deferred_set_len(c, deferred, (long)card);
done:
    vfree(sets);
}

enum { SET_OP_UNION, SET_OP_DIFF };

/* Adds every member of every set to result. */
static void set_union_into(Obj *result, Obj **sets, int n) {
    for (int j = 0; j < n; j++) {
        if (!sets[j]) continue;
        SetIter si;
        SetElem e;
        set_iter_init(&si, sets[j]);
        while (set_iter_next(&si, &e)) set_add_elem(result, &e);
        set_iter_done(&si);
    }
}

/* DIFF, first way: each member of the first set that no other set holds.
 * O(N*M) for the first set's N members and M sets. */
static void set_diff_by_lookup(Obj *result, Obj **sets, int n) {
    SetIter si;
    SetElem e;
    set_iter_init(&si, sets[0]);
    while (set_iter_next(&si, &e)) {
        int j;
        for (j = 1; j < n; j++)
            if (sets[j] && (sets[j] == sets[0] || set_contains_elem(sets[j], &e))) break;
        if (j == n) set_add_elem(result, &e);
    }
    set_iter_done(&si);
}

/* DIFF, second way: the first set's members, minus every other set's, stopping
 * once nothing is left. O(total members). */
static void set_diff_by_removal(Obj *result, Obj **sets, int n) {
    for (int j = 0; j < n; j++) {
        if (!sets[j]) continue;
        SetIter si;
        SetElem e;
        set_iter_init(&si, sets[j]);
        while (set_iter_next(&si, &e)) {
            if (j == 0) set_add_elem(result, &e);
            else set_remove_elem(result, &e);
        }
        set_iter_done(&si);
        if (set_size(result) == 0) break;
    }
}

/* Computes the difference the way Redis chooses: by lookups unless their work
 * (halved for their better constants) exceeds the removal way's. */
static void set_diff_into(Obj *result, Obj **sets, int n) {
    if (!sets[0]) return;
    for (int j = 1; j < n; j++)
        if (sets[j] == sets[0]) return;   /* the first set minus itself: empty */
    long long lookup_work = 0, removal_work = 0;
    for (int j = 0; j < n; j++) {
        if (!sets[j]) continue;
        lookup_work += (long long)set_size(sets[0]);
        removal_work += (long long)set_size(sets[j]);
    }
    if (lookup_work / 2 <= removal_work) {
        if (n > 1) set_sort_by_size(sets + 1, n - 1, 1);  /* biggest first: exclusions sooner */
        set_diff_by_lookup(result, sets, n);
    } else {
        set_diff_by_removal(result, sets, n);
    }
}

static void set_reply_members(Client *c, Obj *o) {
    SetIter si;
    SetElem e;
    set_iter_init(&si, o);
    while (set_iter_next(&si, &e)) set_reply_elem(c, &e);
    set_iter_done(&si);
}

/* SUNION, SDIFF and their STORE forms (dstkey). The result is built as a new set
 * (starting as an intset) and replied in its order or stored. */
static void set_union_diff_generic(Client *c, Obj **keys, int n, Obj *dstkey, int op) {
    Obj **sets = vmalloc(sizeof(Obj *) * (size_t)n);
    if (!set_lookup_all(c, keys, n, sets)) {
        vfree(sets);
        return;
    }
    Obj *result = set_new_intset();
    if (op == SET_OP_UNION) set_union_into(result, sets, n);
    else set_diff_into(result, sets, n);
    vfree(sets);
    if (dstkey) {
        set_store_result(c, dstkey, result, op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
        return;
    }
    reply_set_len(c, (long)set_size(result));
    set_reply_members(c, result);
    obj_decr(result);
}

static void set_smembers_cmd(Client *c) { set_inter_generic(c, c->argv + 1, 1, NULL, 0, 0); }
static void set_sinter_cmd(Client *c) { set_inter_generic(c, c->argv + 1, c->argc - 1, NULL, 0, 0); }
static void set_sinterstore_cmd(Client *c) { set_inter_generic(c, c->argv + 2, c->argc - 2, c->argv[1], 0, 0); }
static void set_sunion_cmd(Client *c) { set_union_diff_generic(c, c->argv + 1, c->argc - 1, NULL, SET_OP_UNION); }
static void set_sunionstore_cmd(Client *c) {
    set_union_diff_generic(c, c->argv + 2, c->argc - 2, c->argv[1], SET_OP_UNION);
}
static void set_sdiff_cmd(Client *c) { set_union_diff_generic(c, c->argv + 1, c->argc - 1, NULL, SET_OP_DIFF); }
static void set_sdiffstore_cmd(Client *c) {
    set_union_diff_generic(c, c->argv + 2, c->argc - 2, c->argv[1], SET_OP_DIFF);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
static void set_sintercard_cmd(Client *c) {
    long long numkeys, limit = 0;
    if (!arg_ll_range(c, c->argv[1], 1, LONG_MAX, &numkeys, "numkeys should be greater than 0")) return;
    if (numkeys > c->argc - 2) {
        reply_error(c, "Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (!arg_is(c->argv[j], "limit") || j + 1 >= c->argc) {
            reply_error_syntax(c);
            return;
        }
        j++;
        if (!arg_ll_range(c, c->argv[j], 0, LONG_MAX, &limit, "LIMIT can't be negative")) return;
    }
    set_inter_generic(c, c->argv + 2, (int)numkeys, NULL, 1, (unsigned long)limit);
}

/* ---- SPOP ---- */

/* Pops count members one at a time (count < size). */
static void set_spop_by_picking(Client *c, Obj *o, unsigned long count) {
    while (count--) {
        SetElem e;
        set_pop_random(o, &e);
        set_reply_elem(c, &e);
        set_propagate_srem(c, &e);
        set_elem_release(&e);
    }
    set_removed_some(o);
}

/* Pops all but keep members (keep < size): the kept members move to a set built
 * afresh (so its encoding is the one a new set of them gets), the rest is replied
 * and the new set takes the old one's place under the same key. */
static void set_spop_by_keeping(Client *c, Obj *o, unsigned long keep) {
    Obj *kept = NULL;
    while (keep--) {
        SetElem e;
        set_pop_random(o, &e);
        if (!kept) {
            char buf[LONG_STR_SIZE];
            size_t len;
            const char *p = set_elem_str(&e, buf, &len);
            kept = set_create_for(p, len);
        }
        set_add_elem(kept, &e);
        set_elem_release(&e);
    }
    SetIter si;
    SetElem e;
    set_iter_init(&si, o);
    while (set_iter_next(&si, &e)) {
        set_reply_elem(c, &e);
        set_propagate_srem(c, &e);
    }
    set_iter_done(&si);
    void *old = o->ptr;
    unsigned old_enc = o->encoding;
    o->ptr = kept->ptr;
    o->encoding = kept->encoding;
    kept->ptr = old;
    kept->encoding = old_enc;
    obj_decr(kept);
}

static void set_spop_count(Client *c) {
    long long l;
    if (!arg_ll_range(c, c->argv[2], 0, LONG_MAX, &l, "value is out of range, must be positive")) return;
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_set_len(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_SET)) return;
    if (l == 0) {
        reply_set_len(c, 0);
        return;
    }
    unsigned long count = (unsigned long)l, size = set_size(o);
    db_changed(c->db, c->argv[1], NOTIFY_SET, "spop");
    set_dirty_more((long long)(count < size ? count : size));
    if (count >= size) {
        /* the whole set: replied as SUNION of it would, then deleted */
        set_union_diff_generic(c, c->argv + 1, 1, NULL, SET_OP_UNION);
        set_delete_key(c, c->argv[1]);
        propagate_replace_objs(c, obj_word(WORD_DEL), c->argv[1], NULL);
        return;
    }
    reply_set_len(c, (long)count);
    if ((size - count) * SPOP_KEEP_RATIO > count) set_spop_by_picking(c, o, count);
    else set_spop_by_keeping(c, o, size - count);
    propagate_prevent(c);  /* the SREMs above say what happened */
}

static void set_spop_cmd(Client *c) {
    if (c->argc == 3) {
        set_spop_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (!db_check_type(c, o, OBJ_SET)) return;
    SetElem e;
    set_pop_random(o, &e);
    Obj *member = set_elem_obj(&e);
    set_elem_release(&e);
    db_changed(c->db, c->argv[1], NOTIFY_SET, "spop");
    propagate_replace_objs(c, obj_word(WORD_SREM), c->argv[1], member, NULL);
    reply_bulk_obj(c, member);
    obj_decr(member);
    if (set_size(o) == 0) set_delete_key(c, c->argv[1]);
    else set_removed_some(o);
}

/* ---- SRANDMEMBER ---- */

/* Distinct picks of count members out of size (count * 3 > size): a partial
 * Fisher-Yates shuffle of all the members. */
static void set_srand_by_shuffle(Client *c, Obj *o, unsigned long count, size_t size) {
    SetElem *all = vmalloc(sizeof(SetElem) * size);
    SetIter si;
    size_t n = 0;
    set_iter_init(&si, o);
    while (n < size && set_iter_next(&si, &all[n])) n++;
    set_iter_done(&si);
    reply_array_len(c, (long)count);
    for (size_t i = 0; i < count; i++) {
        size_t j = i + (size_t)(rand_u64() % (n - i));
        SetElem t = all[i];
        all[i] = all[j];
        all[j] = t;
        set_reply_elem(c, &all[i]);
    }
    vfree(all);
}

/* A set of 64-bit keys (members' integers or their bytes' addresses) for
 * SRANDMEMBER's distinct picks: open addressing, keys mixed with a random salt so
 * chosen values cannot collide on purpose. */
typedef struct SeenSet {
    uint64_t *slots;   /* key + 1; 0 is free */
    uint64_t *used;    /* bitmap of slots holding a key (keys may be ~0) */
    size_t mask;
    uint64_t salt;
} SeenSet;

static uint64_t seen_mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void seen_init(SeenSet *s, size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    s->slots = vmalloc(sizeof(uint64_t) * cap);
    s->used = vcalloc(sizeof(uint64_t) * (cap / 64 + 1));
    s->mask = cap - 1;
    s->salt = rand_u64();
}

/* Adds key: 1 if it was not there. */
static int seen_add(SeenSet *s, uint64_t key) {
    size_t i = (size_t)seen_mix(key ^ s->salt) & s->mask;
    while (s->used[i / 64] & (1ULL << (i % 64))) {
        if (s->slots[i] == key) return 0;
        i = (i + 1) & s->mask;
    }
    s->used[i / 64] |= 1ULL << (i % 64);
    s->slots[i] = key;
    return 1;
}

static void seen_free(SeenSet *s) {
    vfree(s->slots);
    vfree(s->used);
}

/* Distinct picks of count members of a much bigger set: random members, skipping
 * those already given. */
static void set_srand_by_sampling(Client *c, Obj *o, unsigned long count) {
    SeenSet seen;
    seen_init(&seen, count);
    reply_array_len(c, (long)count);
    unsigned long added = 0;
    while (added < count) {
        SetElem e;
        set_random(o, &e);
        uint64_t key = e.p ? (uint64_t)(uintptr_t)e.p : (uint64_t)e.ll;
        if (!seen_add(&seen, key)) continue;
        set_reply_elem(c, &e);
        added++;
    }
    seen_free(&seen);
}

/* Repeats allowed (a negative count), or a single member: independent picks. */
static void set_srand_with_repeats(Client *c, Obj *o, unsigned long count) {
    reply_array_len(c, (long)count);
    while (count--) {
        SetElem e;
        set_random(o, &e);
        set_reply_elem(c, &e);
        if (c->flags & CLIENT_CLOSE_ASAP) break;  /* output limit reached: stop early */
    }
}

static void set_srandmember_count(Client *c) {
    long long l;
    if (!arg_ll(c, c->argv[2], &l, NULL)) return;
    if (l < -LONG_MAX) {
        reply_errorf(c, "value is out of range, value must between %ld and %ld", -LONG_MAX, LONG_MAX);
        return;
    }
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_array_len(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_SET)) return;
    unsigned long count = l < 0 ? (unsigned long)-l : (unsigned long)l;
    size_t size = set_size(o);
    if (count == 0) {
        reply_array_len(c, 0);
    } else if (l < 0 || count == 1) {
        set_srand_with_repeats(c, o, count);
    } else if (count >= size) {
        reply_array_len(c, (long)size);
        set_reply_members(c, o);
    } else if (count * SRANDMEMBER_SHUFFLE_RATIO > size) {
        set_srand_by_shuffle(c, o, count, size);
    } else {
        set_srand_by_sampling(c, o, count);
    }
}

static void set_srandmember_cmd(Client *c) {
    if (c->argc == 3) {
        set_srandmember_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error_syntax(c);
        return;
    }
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (!db_check_type(c, o, OBJ_SET)) return;
    SetElem e;
    set_random(o, &e);
    set_reply_elem(c, &e);
}

/* ---- SSCAN ---- */

typedef struct SetScanBatch {
    const StrsetEntry **items;
    size_t n, cap;
} SetScanBatch;

static void set_scan_collect(void *privdata, const StrsetEntry *e) {
    SetScanBatch *b = privdata;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = vrealloc(b->items, b->cap * sizeof(*b->items));
    }
    b->items[b->n++] = e;
}

/* An intset is small: every member, and the cursor ends. */
static void set_scan_intset(Client *c, Obj *o, const ScanArgs *a) {
    scan_reply_cursor(c, 0);
    void *len = reply_deferred_len(c);
    long n = 0;
    SetIter si;
    SetElem e;
    char buf[LONG_STR_SIZE];
    set_iter_init(&si, o);
    while (set_iter_next(&si, &e)) {
        size_t blen;
        const char *p = set_elem_str(&e, buf, &blen);
        if (!scan_match(a, p, blen)) continue;
        reply_bulk(c, p, blen);
        n++;
    }
    set_iter_done(&si);
    reply_set_deferred_array_len(c, len, n);
}

static void set_scan_ht(Client *c, Obj *o, unsigned long cursor, const ScanArgs *a) {
    SetScanBatch b = {0};
    /* visit at most 10*COUNT buckets so a sparse table cannot block the server */
    long maxiter = a->count > LONG_MAX / 10 ? LONG_MAX : a->count * 10;
    do {
        cursor = strset_scan(o->ptr, cursor, set_scan_collect, &b);
    } while (cursor && maxiter-- && b.n < (size_t)a->count);
    size_t kept = 0;
    for (size_t i = 0; i < b.n; i++) {
        size_t len;
        const char *p = strset_entry_bytes(b.items[i], &len);
        if (scan_match(a, p, len)) b.items[kept++] = b.items[i];
    }
    scan_reply_cursor(c, cursor);
    reply_array_len(c, (long)kept);
    for (size_t i = 0; i < kept; i++) {
        size_t len;
        const char *p = strset_entry_bytes(b.items[i], &len);
        reply_bulk(c, p, len);
    }
    vfree(b.items);
}

static void set_sscan_cmd(Client *c) {
    unsigned long cursor;
    if (!scan_parse_cursor(c, c->argv[2], &cursor)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        scan_reply_cursor(c, 0);
        reply_array_len(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_SET)) return;
    ScanArgs a;
    if (!scan_parse_args(c, 3, 0, &a)) return;
    if (o->encoding == ENC_INTSET) set_scan_intset(c, o, &a);
    else set_scan_ht(c, o, cursor, &a);
}

/* ---- command table ---- */

/* SINTERCARD's keys for COMMAND GETKEYS: none (an error there) when numkeys, read
 * as atoi reads it, is below 1 or names more keys than the arguments hold. */
static int set_sintercard_getkeys(int argc, Obj **argv, int *keys, int max) {
    if (argc < 2 || argv[1]->encoding == ENC_INT) return 0;
    long num = atol(argv[1]->ptr);
    if (num < 1 || num > argc - 2) return 0;
    int n = 0;
    for (int i = 2; i < 2 + num && n < max; i++) keys[n++] = i;
    return n;
}

#define KS_KEY1(fl) { KS1(fl, 1, 0, 1) }
#define KS_STORE(dstfl) { KS1(dstfl, 1, 0, 1), KS1(KS_RO | KS_ACCESS, 2, -1, 1) }
#define SINTER_COMPLEXITY \
    "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
#define SUNION_COMPLEXITY "O(N) where N is the total number of elements in all given sets."
#define ACL_RO_SLOW (ACL_READ | ACL_SET | ACL_SLOW)
#define ACL_RO_FAST (ACL_READ | ACL_SET | ACL_FAST)
#define ACL_RW_FAST (ACL_WRITE | ACL_SET | ACL_FAST)
#define ACL_RW_SLOW (ACL_WRITE | ACL_SET | ACL_SLOW)

static Command set_commands[] = {
    {.name = "sadd", .proc = set_sadd_cmd,
     .args = "key:key member:string...\n"
     "history 2.4.0 Accepts multiple `member` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_RW_FAST, .group = "set",
     .summary = "Add one or more members to a set", .since = "1.0.0",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called "
                   "with multiple arguments.",
     .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "srem", .proc = set_srem_cmd,
     .args = "key:key member:string...\n"
     "history 2.4.0 Accepts multiple `member` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_FAST, .acl = ACL_RW_FAST, .group = "set",
     .summary = "Remove one or more members from a set", .since = "1.0.0",
     .complexity = "O(N) where N is the number of members to be removed.",
     .keyspecs = KS_KEY1(KS_RW | KS_DELETE), .nkeyspecs = 1},
    {.name = "sismember", .proc = set_sismember_cmd,
     .args = "key:key member:string",
     .arity = 3, .flags = CMD_READONLY | CMD_FAST, .acl = ACL_RO_FAST, .group = "set",
     .summary = "Determine if a given value is a member of a set", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "smismember", .proc = set_smismember_cmd,
     .args = "key:key member:string...",
     .arity = -3, .flags = CMD_READONLY | CMD_FAST, .acl = ACL_RO_FAST, .group = "set",
     .summary = "Returns the membership associated with the given elements for a set", .since = "6.2.0",
     .complexity = "O(N) where N is the number of elements being checked for membership",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "smembers", .proc = set_smembers_cmd,
     .args = "key:key\n"
     "tip nondeterministic_output_order",
     .arity = 2, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Get all the members in a set", .since = "1.0.0",
     .complexity = "O(N) where N is the set cardinality.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "scard", .proc = set_scard_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_READONLY | CMD_FAST, .acl = ACL_RO_FAST, .group = "set",
     .summary = "Get the number of members in a set", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "smove", .proc = set_smove_cmd,
     .args = "source:key destination:key member:string",
     .arity = 4, .flags = CMD_WRITE | CMD_FAST, .acl = ACL_RW_FAST, .group = "set",
     .summary = "Move a member from one set to another", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1), KS1(KS_RW | KS_INSERT, 2, 0, 1)}, .nkeyspecs = 2},
    {.name = "spop", .proc = set_spop_cmd,
     .args = "key:key [count:integer{@3.2.0}]\n"
     "history 3.2.0 Added the `count` argument.\n"
     "tip nondeterministic_output",
     .arity = -2, .flags = CMD_WRITE | CMD_FAST, .acl = ACL_RW_FAST, .group = "set",
     .summary = "Remove and return one or multiple random members from a set", .since = "1.0.0",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_DELETE), .nkeyspecs = 1},
    {.name = "srandmember", .proc = set_srandmember_cmd,
     .args = "key:key [count:integer{@2.6.0}]\n"
     "history 2.6.0 Added the optional `count` argument.\n"
     "tip nondeterministic_output",
     .arity = -2, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Get one or multiple random members from a set", .since = "1.0.0",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
                   "passed count.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "sinter", .proc = set_sinter_cmd,
     .args = "key:key...\n"
     "tip nondeterministic_output_order",
     .arity = -2, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Intersect multiple sets", .since = "1.0.0", .complexity = SINTER_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "sintercard", .proc = set_sintercard_cmd,
     .args = "numkeys:integer key:key... [LIMIT limit:integer]",
     .arity = -3, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Intersect multiple sets and return the cardinality of the result", .since = "7.0.0",
     .complexity = SINTER_COMPLEXITY,
     .keyspecs = {KSN(KS_RO | KS_ACCESS, 1, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = set_sintercard_getkeys},
    {.name = "sinterstore", .proc = set_sinterstore_cmd,
     .args = "destination:key key:key...",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_RW_SLOW, .group = "set",
     .summary = "Intersect multiple sets and store the resulting set in a key", .since = "1.0.0",
     .complexity = SINTER_COMPLEXITY, .keyspecs = KS_STORE(KS_RW | KS_UPDATE), .nkeyspecs = 2},
    {.name = "sunion", .proc = set_sunion_cmd,
     .args = "key:key...\n"
     "tip nondeterministic_output_order",
     .arity = -2, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Add multiple sets", .since = "1.0.0", .complexity = SUNION_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "sunionstore", .proc = set_sunionstore_cmd,
     .args = "destination:key key:key...",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_RW_SLOW, .group = "set",
     .summary = "Add multiple sets and store the resulting set in a key", .since = "1.0.0",
     .complexity = SUNION_COMPLEXITY, .keyspecs = KS_STORE(KS_OW | KS_UPDATE), .nkeyspecs = 2},
    {.name = "sdiff", .proc = set_sdiff_cmd,
     .args = "key:key...\n"
     "tip nondeterministic_output_order",
     .arity = -2, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Subtract multiple sets", .since = "1.0.0", .complexity = SUNION_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "sdiffstore", .proc = set_sdiffstore_cmd,
     .args = "destination:key key:key...",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_RW_SLOW, .group = "set",
     .summary = "Subtract multiple sets and store the resulting set in a key", .since = "1.0.0",
     .complexity = SUNION_COMPLEXITY, .keyspecs = KS_STORE(KS_OW | KS_UPDATE), .nkeyspecs = 2},
    {.name = "sscan", .proc = set_sscan_cmd,
     .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]\n"
     "tip nondeterministic_output",
     .arity = -3, .flags = CMD_READONLY, .acl = ACL_RO_SLOW, .group = "set",
     .summary = "Incrementally iterate Set elements", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
                   "the cursor to return back to 0. N is the number of elements inside the collection..",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {0},
};

const Module set_module = {
    .name = "sets",
    .commands = set_commands,
    .configs = set_configs,
    .type = &set_type,
};
