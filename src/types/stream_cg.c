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
#include <limits.h>
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

/* ---- XGROUP ---- */

static void del_consumer(StreamCG *cg, StreamConsumer *consumer) {
    RaxIter ri;
    rax_start(&ri, consumer->pel);
    rax_seek(&ri, "^", NULL, 0);
    while (rax_next(&ri)) {
        rax_remove(cg->pel, ri.key, ri.key_len, NULL);
        vfree(ri.data);
    }
    rax_stop(&ri);
    rax_remove(cg->consumers, (const unsigned char *)consumer->name, sds_len(consumer->name), NULL);
    stream_consumer_free(consumer);
}

static const char *xgroup_help[] = {
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    NULL};

void stream_xgroup_cmd(Client *c) {
    Stream *s = NULL;
    Sds grpname = NULL;
    StreamCG *cg = NULL;
    const char *opt = arg_str(c, 1);
    int mkstream = 0;
    long long entries_read = SCG_INVALID_ENTRIES_READ;
    Obj *key = c->argc >= 3 ? c->argv[2] : NULL;
    if (c->argc >= 4) {
        int create = !strcasecmp(opt, "CREATE"), setid = !strcasecmp(opt, "SETID");
        for (int i = 5; i < c->argc;) {
            if (create && !strcasecmp(arg_str(c, i), "MKSTREAM")) {
                mkstream = 1;
                i++;
            } else if ((create || setid) && !strcasecmp(arg_str(c, i), "ENTRIESREAD") && i + 1 < c->argc) {
                if (!arg_ll(c, c->argv[i + 1], &entries_read, NULL)) return;
                if (entries_read < 0 && entries_read != SCG_INVALID_ENTRIES_READ) {
                    reply_error(c, "value for ENTRIESREAD must be positive or -1");
                    return;
                }
                i += 2;
            } else {
                reply_subcommand_syntax_error(c);
                return;
            }
        }
        Obj *o = db_lookup_write(c, key);
        if (o) {
            if (!db_check_type(c, o, OBJ_STREAM)) return;
            s = o->ptr;
        }
        grpname = c->argv[3]->ptr;
    }
    if (c->argc >= 4 && !mkstream) {
        if (!s) {
            reply_error(c, "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
                           "use the MKSTREAM option to create an empty stream automatically.");
            return;
        }
        cg = stream_cg_lookup(s, grpname, sds_len(grpname));
        if (!cg && (!strcasecmp(opt, "SETID") || !strcasecmp(opt, "CREATECONSUMER") || !strcasecmp(opt, "DELCONSUMER"))) {
            reply_errorf(c, "-NOGROUP No such consumer group '%s' for key name '%s'", grpname, (const char *)key->ptr);
            return;
        }
    }
    if (c->argc == 2 && !strcasecmp(opt, "HELP")) {
        reply_help(c, xgroup_help);
    } else if (!strcasecmp(opt, "CREATE") && c->argc >= 5 && c->argc <= 8) {
        StreamID id;
        if (!strcmp(arg_str(c, 4), "$")) {
            if (s) id = s->last_id;
            else id.ms = id.seq = 0;
        } else if (!stream_parse_id(c, c->argv[4], &id, 0, 1, NULL)) {
            return;
        }
        if (!s) {
            Obj *o = db_add(c->db, key_ptr(key), key_len(key), stream_new_obj());
            s = o->ptr;
        }
        if (stream_cg_create(s, grpname, sds_len(grpname), &id, entries_read)) {
            reply_ok(c);
            db_changed(c->db, key, NOTIFY_STREAM, "xgroup-create");
        } else {
            reply_error(c, "-BUSYGROUP Consumer Group name already exists");
        }
    } else if (!strcasecmp(opt, "SETID") && (c->argc == 5 || c->argc == 7)) {
        StreamID id;
        if (!strcmp(arg_str(c, 4), "$")) id = s->last_id;
        else if (!stream_parse_id(c, c->argv[4], &id, 0, 0, NULL)) return;
        cg->last_id = id;
        cg->entries_read = entries_read;
        reply_ok(c);
        db_changed(c->db, key, NOTIFY_STREAM, "xgroup-setid");
    } else if (!strcasecmp(opt, "DESTROY") && c->argc == 4) {
        if (cg) {
            rax_remove(s->cgroups, (const unsigned char *)grpname, sds_len(grpname), NULL);
            stream_cg_free(cg);
            reply_long(c, 1);
            db_changed(c->db, key, NOTIFY_STREAM, "xgroup-destroy");
        } else {
            reply_long(c, 0);
        }
    } else if (!strcasecmp(opt, "CREATECONSUMER") && c->argc == 5) {
        Sds name = c->argv[4]->ptr;
        StreamConsumer *created = stream_consumer_create(cg, name, sds_len(name));
        if (created) db_changed(c->db, key, NOTIFY_STREAM, "xgroup-createconsumer");
        reply_long(c, created ? 1 : 0);
    } else if (!strcasecmp(opt, "DELCONSUMER") && c->argc == 5) {
        Sds name = c->argv[4]->ptr;
        long long pending = 0;
        StreamConsumer *consumer = stream_consumer_lookup(cg, name, sds_len(name));
        if (consumer) {
            pending = (long long)rax_size(consumer->pel);
            del_consumer(cg, consumer);
            db_changed(c->db, key, NOTIFY_STREAM, "xgroup-delconsumer");
        }
        reply_long(c, pending);
    } else {
        reply_subcommand_syntax_error(c);
    }
}

/* ---- XACK ---- */

void stream_xack_cmd(Client *c) {
    StreamCG *group = NULL;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (o) {
        if (!db_check_type(c, o, OBJ_STREAM)) return;
        group = stream_cg_lookup(o->ptr, c->argv[2]->ptr, sds_len(c->argv[2]->ptr));
    }
    if (!o || !group) {
        reply_long(c, 0);
        return;
    }
    int n = c->argc - 3;
    StreamID local[8];
    StreamID *ids = n > 8 ? vmalloc(sizeof(StreamID) * (size_t)n) : local;
    for (int j = 0; j < n; j++)
        if (!stream_parse_id(c, c->argv[j + 3], &ids[j], 0, 1, NULL)) goto cleanup;
    long long acked = 0;
    for (int j = 0; j < n; j++) {
        unsigned char buf[16];
        void *v;
        stream_id_encode(buf, &ids[j]);
        if (rax_remove(group->pel, buf, 16, &v)) {
            StreamNACK *nack = v;
            rax_remove(nack->consumer->pel, buf, 16, NULL);
            vfree(nack);
            acked++;
        }
    }
    /* Redis counts a change per acknowledged entry and emits no event. */
    server.stat.dirty += acked;
    reply_long(c, acked);
cleanup:
    if (ids != local) vfree(ids);
}

/* ---- XPENDING ---- */

void stream_xpending_cmd(Client *c) {
    int justinfo = c->argc == 3;
    Obj *key = c->argv[1], *groupname = c->argv[2], *consumername = NULL;
    StreamID startid = {0, 0}, endid = {0, 0};
    long long count = 0, minidle = 0;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_error_syntax(c);
        return;
    }
    if (c->argc >= 6) {
        int startidx = 3;
        if (!strcasecmp(arg_str(c, 3), "IDLE")) {
            if (!arg_ll(c, c->argv[4], &minidle, NULL)) return;
            if (c->argc < 8) {
                reply_error_syntax(c);
                return;
            }
            startidx += 2;
        }
        if (!arg_ll(c, c->argv[startidx + 2], &count, NULL)) return;
        if (count < 0) count = 0;
        if (!stream_parse_bound(c, c->argv[startidx], &startid, 0) ||
            !stream_parse_bound(c, c->argv[startidx + 1], &endid, 1))
            return;
        if (startidx + 3 < c->argc) consumername = c->argv[startidx + 3];
    }
    Obj *o = db_lookup_read(c, key);
    if (o && !db_check_type(c, o, OBJ_STREAM)) return;
    StreamCG *group = o ? stream_cg_lookup(o->ptr, groupname->ptr, sds_len(groupname->ptr)) : NULL;
    if (!group) {
        reply_errorf(c, "-NOGROUP No such key '%s' or consumer group '%s'", (const char *)key->ptr,
                     (const char *)groupname->ptr);
        return;
    }
    if (justinfo) {
        reply_array_len(c, 4);
        reply_long(c, (long long)rax_size(group->pel));
        if (rax_size(group->pel) == 0) {
            reply_null(c);
            reply_null(c);
            reply_null_array(c);
            return;
        }
        RaxIter ri;
        rax_start(&ri, group->pel);
        rax_seek(&ri, "^", NULL, 0);
        rax_next(&ri);
        stream_id_decode(ri.key, &startid);
        stream_reply_id(c, &startid);
        rax_seek(&ri, "$", NULL, 0);
        rax_next(&ri);
        stream_id_decode(ri.key, &endid);
        stream_reply_id(c, &endid);
        rax_stop(&ri);
        rax_start(&ri, group->consumers);
        rax_seek(&ri, "^", NULL, 0);
        void *lenp = reply_deferred_len(c);
        long n = 0;
        while (rax_next(&ri)) {
            StreamConsumer *consumer = ri.data;
            if (rax_size(consumer->pel) == 0) continue;
            reply_array_len(c, 2);
            reply_bulk(c, ri.key, ri.key_len);
            reply_bulk_ll(c, (long long)rax_size(consumer->pel));
            n++;
        }
        rax_stop(&ri);
        reply_set_deferred_array_len(c, lenp, n);
        return;
    }
    StreamConsumer *consumer = NULL;
    if (consumername) {
        consumer = stream_consumer_lookup(group, consumername->ptr, sds_len(consumername->ptr));
        if (!consumer) {
            reply_array_len(c, 0);
            return;
        }
    }
    Rax *pel = consumer ? consumer->pel : group->pel;
    unsigned char startkey[16], endkey[16];
    stream_id_encode(startkey, &startid);
    stream_id_encode(endkey, &endid);
    long long now = mstime();
    RaxIter ri;
    rax_start(&ri, pel);
    rax_seek(&ri, ">=", startkey, 16);
    void *lenp = reply_deferred_len(c);
    long n = 0;
    while (count && rax_next(&ri) && memcmp(ri.key, endkey, 16) <= 0) {
        StreamNACK *nack = ri.data;
        if (minidle && now - nack->delivery_time < minidle) continue;
        n++;
        count--;
        reply_array_len(c, 4);
        StreamID id;
        stream_id_decode(ri.key, &id);
        stream_reply_id(c, &id);
        reply_bulk(c, nack->consumer->name, sds_len(nack->consumer->name));
        long long elapsed = now - nack->delivery_time;
        reply_long(c, elapsed < 0 ? 0 : elapsed);
        reply_long(c, (long long)nack->delivery_count);
    }
    rax_stop(&ri);
    reply_set_deferred_array_len(c, lenp, n);
}

/* ---- XCLAIM / XAUTOCLAIM ---- */

static int entry_exists(Stream *s, const StreamID *id) {
    StreamIter si;
    StreamID got;
    int64_t nf;
    stream_iter_start(&si, s, id, id, 0);
    int found = stream_iter_get_id(&si, &got, &nf);
    stream_iter_stop(&si);
    return found;
}

/* Drops a PEL entry whose stream entry no longer exists (propagated as XCLAIM
 * first, as Redis does). */
static void drop_deleted(Client *c, StreamCG *g, Obj *key, Obj *groupname, Obj *idarg, const unsigned char *buf,
                         StreamNACK *nack) {
    propagate_xclaim(c, key, g, groupname, idarg, nack);
    server.stat.dirty++;
    rax_remove(g->pel, buf, 16, NULL);
    if (nack->consumer) rax_remove(nack->consumer->pel, buf, 16, NULL);
    vfree(nack);
}

/* The claiming consumer, looked up or created (with its event) once per command. */
static StreamConsumer *claimer(Client *c, StreamCG *g, StreamConsumer *consumer) {
    if (consumer) return consumer;
    Sds name = c->argv[3]->ptr;
    consumer = stream_consumer_lookup(g, name, sds_len(name));
    if (!consumer) {
        consumer = stream_consumer_create(g, name, sds_len(name));
        notify_keyspace_event(NOTIFY_STREAM, "xgroup-createconsumer", c->argv[1], c->db->id);
        server.stat.dirty++;
    }
    consumer->seen_time = mstime();
    return consumer;
}

static void move_nack(StreamNACK *nack, StreamConsumer *consumer, const unsigned char *buf) {
    if (nack->consumer == consumer) return;
    if (nack->consumer) rax_remove(nack->consumer->pel, buf, 16, NULL);
    rax_insert(consumer->pel, buf, 16, nack, NULL);
    nack->consumer = consumer;
}

void stream_xclaim_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    StreamCG *group = NULL;
    long long minidle, retrycount = -1, deliverytime = -1;
    int force = 0, justid = 0;
    if (o) {
        if (!db_check_type(c, o, OBJ_STREAM)) return;
        group = stream_cg_lookup(o->ptr, c->argv[2]->ptr, sds_len(c->argv[2]->ptr));
    }
    if (!group) {
        reply_errorf(c, "-NOGROUP No such key '%s' or consumer group '%s'", arg_str(c, 1), arg_str(c, 2));
        return;
    }
    if (!arg_ll(c, c->argv[4], &minidle, "Invalid min-idle-time argument for XCLAIM")) return;
    if (minidle < 0) minidle = 0;
    int n = c->argc - 5, j;
    StreamID local[8];
    StreamID *ids = n > 8 ? vmalloc(sizeof(StreamID) * (size_t)n) : local;
    for (j = 5; j < c->argc; j++)
        if (!stream_parse_id(NULL, c->argv[j], &ids[j - 5], 0, 1, NULL)) break;
    int last_id_arg = j - 1;
    long long now = mstime();
    StreamID last_id = {0, 0};
    int propagate_last_id = 0;
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const char *opt = arg_str(c, j);
        if (!strcasecmp(opt, "FORCE")) {
            force = 1;
        } else if (!strcasecmp(opt, "JUSTID")) {
            justid = 1;
        } else if (!strcasecmp(opt, "IDLE") && more) {
            j++;
            if (!arg_ll(c, c->argv[j], &deliverytime, "Invalid IDLE option argument for XCLAIM")) goto cleanup;
            deliverytime = now - deliverytime;
        } else if (!strcasecmp(opt, "TIME") && more) {
            j++;
            if (!arg_ll(c, c->argv[j], &deliverytime, "Invalid TIME option argument for XCLAIM")) goto cleanup;
        } else if (!strcasecmp(opt, "RETRYCOUNT") && more) {
            j++;
            if (!arg_ll(c, c->argv[j], &retrycount, "Invalid RETRYCOUNT option argument for XCLAIM")) goto cleanup;
        } else if (!strcasecmp(opt, "LASTID") && more) {
            j++;
            if (!stream_parse_id(c, c->argv[j], &last_id, 0, 1, NULL)) goto cleanup;
        } else {
            reply_errorf(c, "Unrecognized XCLAIM option '%s'", opt);
            goto cleanup;
        }
    }
    if (stream_id_cmp(&last_id, &group->last_id) > 0) {
        group->last_id = last_id;
        propagate_last_id = 1;
    }
    if (deliverytime != -1) {
        if (deliverytime < 0 || deliverytime > now) deliverytime = now;
    } else {
        deliverytime = now;
    }
    Stream *s = o->ptr;
    StreamConsumer *consumer = NULL;
    void *lenp = reply_deferred_len(c);
    long len = 0;
    for (j = 5; j <= last_id_arg; j++) {
        StreamID id = ids[j - 5];
        unsigned char buf[16];
        stream_id_encode(buf, &id);
        void *v = NULL;
        int found = rax_find(group->pel, buf, 16, &v);
        StreamNACK *nack = found ? v : NULL;
        if (!entry_exists(s, &id)) {
            if (nack) {
                drop_deleted(c, group, c->argv[1], c->argv[2], c->argv[j], buf, nack);
                propagate_last_id = 0;
            }
            continue;
        }
        if (force && !nack) {
            nack = stream_nack_new(NULL);
            rax_insert(group->pel, buf, 16, nack, NULL);
        }
        if (!nack) continue;
        if (nack->consumer && minidle && now - nack->delivery_time < minidle) continue;
        consumer = claimer(c, group, consumer);
        move_nack(nack, consumer, buf);
        nack->delivery_time = deliverytime;
        if (retrycount >= 0) nack->delivery_count = (uint64_t)retrycount;
        else if (!justid) nack->delivery_count++;
        if (justid) stream_reply_id(c, &id);
        else stream_reply_range(c, s, &id, &id, 1, 0, NULL, NULL, 0, 1, NULL, NULL);
        len++;
        propagate_xclaim(c, c->argv[1], group, c->argv[2], c->argv[j], nack);
        propagate_last_id = 0;
        server.stat.dirty++;
    }
    if (propagate_last_id) {
        stream_cg_propagate_setid(c, c->argv[1], group, c->argv[2]);
        server.stat.dirty++;
    }
    reply_set_deferred_array_len(c, lenp, len);
    propagate_prevent(c);
cleanup:
    if (ids != local) vfree(ids);
}

void stream_xautoclaim_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    long long minidle, count = 100;
    const long long attempts_factor = 10;
    StreamID startid;
    int justid = 0;
    if (!arg_ll(c, c->argv[4], &minidle, "Invalid min-idle-time argument for XAUTOCLAIM")) return;
    if (minidle < 0) minidle = 0;
    if (!stream_parse_bound(c, c->argv[5], &startid, 0)) return;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const char *opt = arg_str(c, j);
        if (!strcasecmp(opt, "COUNT") && more) {
            long long max_count = LONG_MAX / 16;
            if (!arg_ll_range(c, c->argv[j + 1], 1, max_count, &count, "COUNT must be > 0")) return;
            j++;
        } else if (!strcasecmp(opt, "JUSTID")) {
            justid = 1;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    StreamCG *group = NULL;
    if (o) {
        if (!db_check_type(c, o, OBJ_STREAM)) return;
        group = stream_cg_lookup(o->ptr, c->argv[2]->ptr, sds_len(c->argv[2]->ptr));
    }
    if (!group) {
        reply_errorf(c, "-NOGROUP No such key '%s' or consumer group '%s'", arg_str(c, 1), arg_str(c, 2));
        return;
    }
    /* Redis allocates COUNT IDs up front and fails when it cannot; probing the same
     * size of address space (unused, released at once) fails where Redis would. */
    size_t probe_bytes = (size_t)count * sizeof(StreamID);
    void *probe = probe_bytes >= ((size_t)1 << 30) ? vmalloc_pages_try(probe_bytes) : NULL;
    if (probe_bytes >= ((size_t)1 << 30) && !probe) {
        reply_error(c, "Insufficient memory, failed allocating transient memory, COUNT too high.");
        return;
    }
    if (probe) vfree_pages(probe, probe_bytes);
    Stream *s = o->ptr;
    uint64_t cap = rax_size(group->pel) < (uint64_t)count ? rax_size(group->pel) : (uint64_t)count;
    StreamID *claimed = vmalloc(sizeof(StreamID) * (size_t)(cap ? cap : 1));
    StreamID *deleted = vmalloc(sizeof(StreamID) * (size_t)(cap ? cap : 1));
    size_t nclaimed = 0, ndeleted = 0;
    long long attempts = count * attempts_factor;
    StreamConsumer *consumer = NULL;
    unsigned char startkey[16];
    stream_id_encode(startkey, &startid);
    RaxIter ri;
    rax_start(&ri, group->pel);
    rax_seek(&ri, ">=", startkey, 16);
    long long now = mstime();
    while (attempts-- && count && rax_next(&ri)) {
        StreamNACK *nack = ri.data;
        StreamID id;
        stream_id_decode(ri.key, &id);
        unsigned char buf[16];
        memcpy(buf, ri.key, 16);
        if (!entry_exists(s, &id)) {
            Obj *idarg = id_obj(&id);
            drop_deleted(c, group, c->argv[1], c->argv[2], idarg, buf, nack);
            obj_decr(idarg);
            deleted[ndeleted++] = id;
            rax_seek(&ri, ">=", buf, 16);
            count--;
            continue;
        }
        if (minidle && now - nack->delivery_time < minidle) continue;
        consumer = claimer(c, group, consumer);
        move_nack(nack, consumer, buf);
        nack->delivery_time = now;
        if (!justid) nack->delivery_count++;
        claimed[nclaimed++] = id;
        count--;
        Obj *idarg = id_obj(&id);
        propagate_xclaim(c, c->argv[1], group, c->argv[2], idarg, nack);
        obj_decr(idarg);
        server.stat.dirty++;
    }
    rax_next(&ri);
    StreamID endid = {0, 0};
    if (!rax_eof(&ri)) stream_id_decode(ri.key, &endid);
    rax_stop(&ri);
    reply_array_len(c, 3);
    stream_reply_id(c, &endid);
    reply_array_len(c, (long)nclaimed);
    for (size_t i = 0; i < nclaimed; i++) {
        if (justid) stream_reply_id(c, &claimed[i]);
        else stream_reply_range(c, s, &claimed[i], &claimed[i], 1, 0, NULL, NULL, 0, 1, NULL, NULL);
    }
    reply_array_len(c, (long)ndeleted);
    for (size_t i = 0; i < ndeleted; i++) stream_reply_id(c, &deleted[i]);
    vfree(claimed);
    vfree(deleted);
    propagate_prevent(c);
}
