/* stream_cg.c - stream consumer groups: the group, consumer and pending-entry
 * structures (stream.h), XREADGROUP's delivery bookkeeping and its propagation,
 * and the commands XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.
 *
 * Invariants: every NACK in a group's PEL is in exactly one consumer's PEL (the
 * consumer it names), under the same ID key; the group's PEL owns the NACKs.
 * Group names and consumer names are binary-safe rax keys.
 *
 * Propagation follows Redis 7.0.15: XREADGROUP propagates nothing itself; each
 * entry it adds to a PEL propagates as XCLAIM key group consumer 0 id TIME ms
 * RETRYCOUNT n FORCE JUSTID LASTID last-id, a NOACK read that moved the group
 * propagates XGROUP SETID key group id ENTRIESREAD n, and a consumer created by a
 * NOACK read propagates XGROUP CREATECONSUMER; so an AOF replay rebuilds the PEL.
 * XCLAIM/XAUTOCLAIM propagate XCLAIM per claimed entry (and XGROUP SETID /
 * XCLAIM ... LASTID as Redis does).
 *
 * Costs: PEL and consumer lookups are rax walks over 16-byte keys or names;
 * XPENDING's summary walks the consumers, its extended form the PEL range. */
#include <string.h>
#include <strings.h>
#include "stream.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/args.h"
#include "../core/db.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/server.h"

/* ---- structures ---- */

StreamCG *stream_cg_lookup(Stream *s, const char *name, size_t len) {
    void *g;
    if (!s->cgroups || !rax_find(s->cgroups, (const unsigned char *)name, len, &g)) return NULL;
    return g;
}

StreamCG *stream_cg_create(Stream *s, const char *name, size_t len, const StreamID *id,
                           long long entries_read) {
    if (!s->cgroups) s->cgroups = rax_new();
    if (rax_find(s->cgroups, (const unsigned char *)name, len, NULL)) return NULL;
    StreamCG *cg = vmalloc(sizeof(*cg));
    cg->pel = rax_new();
    cg->consumers = rax_new();
    cg->last_id = *id;
    cg->entries_read = entries_read;
    rax_insert(s->cgroups, (const unsigned char *)name, len, cg, NULL);
    return cg;
}

static void free_nack_cb(void *p) { vfree(p); }
static void free_consumer_cb(void *p) { stream_consumer_free(p); }

void stream_cg_free(StreamCG *cg) {
    rax_free_with(cg->pel, free_nack_cb);
    rax_free_with(cg->consumers, free_consumer_cb);
    vfree(cg);
}

StreamConsumer *stream_consumer_lookup(StreamCG *cg, const char *name, size_t len) {
    void *c;
    if (!rax_find(cg->consumers, (const unsigned char *)name, len, &c)) return NULL;
    return c;
}

StreamConsumer *stream_consumer_create(StreamCG *cg, const char *name, size_t len) {
    if (rax_find(cg->consumers, (const unsigned char *)name, len, NULL)) return NULL;
    StreamConsumer *c = vmalloc(sizeof(*c));
    c->name = sds_newlen(name, len);
    c->pel = rax_new();
    c->seen_time = mstime();
    rax_insert(cg->consumers, (const unsigned char *)name, len, c, NULL);
    return c;
}

void stream_consumer_free(StreamConsumer *c) {
    rax_free(c->pel); /* the NACKs belong to the group's PEL */
    sds_free(c->name);
    vfree(c);
}

StreamNACK *stream_nack_new(StreamConsumer *consumer) {
    StreamNACK *n = vmalloc(sizeof(*n));
    n->delivery_time = mstime();
    n->delivery_count = 1;
    n->consumer = consumer;
    return n;
}

/* ---- entries-read accounting (Redis 7.0's lag estimate) ---- */

static int id_is_zero(const StreamID *id) { return !id->ms && !id->seq; }

int stream_range_has_tombstones(Stream *s, const StreamID *start, const StreamID *end) {
    if (!s->length || id_is_zero(&s->max_deleted_entry_id)) return 0;
    if (stream_id_cmp(&s->first_id, &s->max_deleted_entry_id) > 0) return 0;
    StreamID lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    if (start) lo = *start;
    if (end) hi = *end;
    return stream_id_cmp(&lo, &s->max_deleted_entry_id) <= 0 && stream_id_cmp(&s->max_deleted_entry_id, &hi) <= 0;
}

long long stream_estimate_distance(Stream *s, const StreamID *id) {
    if (!s->entries_added) return 0;
    if (!s->length && stream_id_cmp(id, &s->last_id) < 1) return (long long)s->entries_added;
    int cmp_last = stream_id_cmp(id, &s->last_id);
    if (cmp_last == 0) return (long long)s->entries_added;
    if (cmp_last > 0) return SCG_INVALID_ENTRIES_READ;
    int cmp_id_first = stream_id_cmp(id, &s->first_id);
    int cmp_xdel_first = stream_id_cmp(&s->max_deleted_entry_id, &s->first_id);
    if (id_is_zero(&s->max_deleted_entry_id) || cmp_xdel_first < 0) {
        if (cmp_id_first < 0) return (long long)(s->entries_added - s->length);
        if (cmp_id_first == 0) return (long long)(s->entries_added - s->length + 1);
    }
    return SCG_INVALID_ENTRIES_READ;
}

int stream_cg_advance(Stream *s, StreamCG *g, const StreamID *id) {
    if (stream_id_cmp(id, &g->last_id) <= 0) return 0;
    if (g->entries_read != SCG_INVALID_ENTRIES_READ && !stream_range_has_tombstones(s, id, NULL))
        g->entries_read++;
    else if (s->entries_added)
        g->entries_read = stream_estimate_distance(s, id);
    g->last_id = *id;
    return 1;
}

/* ---- propagation ---- */

static Obj *id_obj(const StreamID *id) {
    char buf[STREAM_ID_STR_LEN];
    int n = stream_id_fmt(buf, id);
    return obj_string(buf, (size_t)n);
}

/* XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last-id */
static void propagate_xclaim(Client *c, Obj *key, StreamCG *g, Obj *groupname, Obj *id, StreamNACK *nack) {
    Obj *argv[14];
    argv[0] = obj_word(WORD_XCLAIM);
    argv[1] = key;
    argv[2] = groupname;
    argv[3] = obj_string(nack->consumer->name, sds_len(nack->consumer->name));
    argv[4] = obj_from_ll(0);
    argv[5] = id;
    argv[6] = obj_word(WORD_TIME);
    argv[7] = obj_from_ll(nack->delivery_time);
    argv[8] = obj_word(WORD_RETRYCOUNT);
    argv[9] = obj_from_ll((long long)nack->delivery_count);
    argv[10] = obj_word(WORD_FORCE);
    argv[11] = obj_word(WORD_JUSTID);
    argv[12] = obj_word(WORD_LASTID);
    argv[13] = id_obj(&g->last_id);
    propagate_also(c->db->id, argv, 14);
    obj_decr(argv[3]);
    obj_decr(argv[4]);
    obj_decr(argv[7]);
    obj_decr(argv[9]);
    obj_decr(argv[13]);
}

void stream_cg_propagate_setid(Client *c, Obj *key, StreamCG *g, Obj *groupname) {
    Obj *argv[7];
    argv[0] = obj_word(WORD_XGROUP);
    argv[1] = obj_word(WORD_SETID);
    argv[2] = key;
    argv[3] = groupname;
    argv[4] = id_obj(&g->last_id);
    argv[5] = obj_word(WORD_ENTRIESREAD);
    argv[6] = obj_from_ll(g->entries_read);
    propagate_also(c->db->id, argv, 7);
    obj_decr(argv[4]);
    obj_decr(argv[6]);
}

static void propagate_consumer_creation(Client *c, Obj *key, Obj *groupname, Sds name) {
    Obj *argv[5];
    argv[0] = obj_word(WORD_XGROUP);
    argv[1] = obj_string("CREATECONSUMER", 14);
    argv[2] = key;
    argv[3] = groupname;
    argv[4] = obj_string(name, sds_len(name));
    propagate_also(c->db->id, argv, 5);
    obj_decr(argv[1]);
    obj_decr(argv[4]);
}

/* ---- XREADGROUP ---- */

StreamConsumer *stream_cg_consumer_for_read(Client *c, StreamCG *g, Obj *consumername, Obj *key, Obj *groupname,
                                            int noack) {
    Sds name = consumername->ptr;
    StreamConsumer *consumer = stream_consumer_lookup(g, name, sds_len(name));
    if (!consumer) {
        consumer = stream_consumer_create(g, name, sds_len(name));
        notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", key, c->db->id);
        server.stat.dirty++;
        if (noack) propagate_consumer_creation(c, key, groupname, consumer->name);
    }
    consumer->seen_time = mstime();
    return consumer;
}

void stream_cg_deliver(Client *c, StreamCG *g, StreamConsumer *consumer, const StreamID *id, Obj *key,
                       Obj *groupname) {
    unsigned char buf[16];
    stream_id_encode(buf, id);
    StreamNACK *nack = stream_nack_new(consumer);
    void *old;
    if (!rax_try_insert(g->pel, buf, 16, nack, &old)) {
        vfree(nack);
        nack = old;
        rax_remove(nack->consumer->pel, buf, 16, NULL);
        nack->consumer = consumer;
        nack->delivery_time = mstime();
        nack->delivery_count = 1;
    }
    rax_insert(consumer->pel, buf, 16, nack, NULL);
    if (key) {
        Obj *idarg = id_obj(id);
        propagate_xclaim(c, key, g, groupname, idarg, nack);
        obj_decr(idarg);
    }
}

size_t stream_cg_reply_pel_history(Client *c, Stream *s, const StreamID *start, const StreamID *end, size_t count,
                                   StreamConsumer *consumer) {
    unsigned char startkey[16], endkey[16];
    stream_id_encode(startkey, start);
    if (end) stream_id_encode(endkey, end);
    size_t n = 0;
    void *lenp = reply_deferred_len(c);
    RaxIter ri;
    rax_start(&ri, consumer->pel);
    rax_seek(&ri, ">=", startkey, 16);
    while (rax_next(&ri) && (!count || n < count)) {
        if (end && memcmp(ri.key, endkey, 16) > 0) break;
        StreamID id;
        stream_id_decode(ri.key, &id);
        if (stream_reply_range(c, s, &id, &id, 1, 0, NULL, NULL, 0, 1, NULL, NULL) == 0) {
            reply_array_len(c, 2);
            stream_reply_id(c, &id);
            reply_null_array(c);
        } else {
            StreamNACK *nack = ri.data;
            nack->delivery_time = mstime();
            nack->delivery_count++;
        }
        n++;
    }
    rax_stop(&ri);
    reply_set_deferred_array_len(c, lenp, (long)n);
    return n;
}
