/* stream_info.c - XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, as
 * Redis 7.0.15 replies them (maps in RESP3, flat arrays in RESP2), with the
 * consumer groups' entries-read and lag computed as Redis 7.0 does (a null lag
 * when it cannot be known). radix-tree-nodes is the node count Redis's own radix
 * tree would have for the same node keys (rax_redis_numnodes), so the field
 * compares with Redis's.
 *
 * Costs: STREAM is O(1) plus two one-entry reads; FULL walks COUNT entries (10 by
 * default, 0 for all) and, per group, COUNT PEL entries and every consumer with
 * COUNT of its PEL entries; GROUPS and CONSUMERS are O(groups) / O(consumers). */
#include <strings.h>
#include "stream.h"
#include "../base/util.h"
#include "../core/args.h"
#include "../core/db.h"

static void reply_lag(Client *c, Stream *s, StreamCG *cg) {
    long long lag = 0;
    int valid = 0;
    if (!s->entries_added) {
        valid = 1;
    } else if (cg->entries_read != SCG_INVALID_ENTRIES_READ && !stream_range_has_tombstones(s, &cg->last_id, NULL)) {
        lag = (long long)s->entries_added - cg->entries_read;
        valid = 1;
    } else {
        long long er = stream_estimate_distance(s, &cg->last_id);
        if (er != SCG_INVALID_ENTRIES_READ) {
            lag = (long long)s->entries_added - er;
            valid = 1;
        }
    }
    if (valid) reply_long(c, lag);
    else reply_null(c);
}

/* The three fields of a group's read position, shared by XINFO GROUPS and the
 * groups of XINFO STREAM FULL: last-delivered-id, entries-read (null when unknown)
 * and lag (reply_lag). */
static void reply_group_position(Client *c, Stream *s, StreamCG *cg) {
    reply_bulk_cstr(c, "last-delivered-id");
    stream_reply_id(c, &cg->last_id);
    reply_bulk_cstr(c, "entries-read");
    if (cg->entries_read != SCG_INVALID_ENTRIES_READ) reply_long(c, cg->entries_read);
    else reply_null(c);
    reply_bulk_cstr(c, "lag");
    reply_lag(c, s, cg);
}

/* Replies an array of the first `count` (0: all) entries of a PEL in ID order, each
 * [id, consumer name (only when with_consumer), delivery time, delivery count]:
 * a group's PEL in XINFO STREAM FULL names the owner, a consumer's does not. */
static void reply_pel(Client *c, Rax *pel, long long count, int with_consumer) {
    void *lenp = reply_deferred_len(c);
    long n = 0;
    RaxIter pi;
    rax_start(&pi, pel);
    rax_seek(&pi, "^", NULL, 0);
    while (rax_next(&pi) && (!count || n < count)) {
        StreamNACK *nack = pi.data;
        StreamID id;
        stream_id_decode(pi.key, &id);
        reply_array_len(c, with_consumer ? 4 : 3);
        stream_reply_id(c, &id);
        if (with_consumer) reply_bulk(c, nack->consumer->name, sds_len(nack->consumer->name));
        reply_long(c, nack->delivery_time);
        reply_long(c, (long long)nack->delivery_count);
        n++;
    }
    rax_stop(&pi);
    reply_set_deferred_array_len(c, lenp, n);
}

/* Replies an array with one reply per consumer group of s in name order (empty when
 * s has none), each made by one(c, s, name, name length, group, arg). */
static void reply_each_group(Client *c, Stream *s, long long arg,
                             void (*one)(Client *, Stream *, const unsigned char *, size_t, StreamCG *, long long)) {
    if (!s->cgroups) {
        reply_array_len(c, 0);
        return;
    }
    reply_array_len(c, (long)rax_size(s->cgroups));
    RaxIter gi;
    rax_start(&gi, s->cgroups);
    rax_seek(&gi, "^", NULL, 0);
    while (rax_next(&gi)) one(c, s, gi.key, gi.key_len, gi.data, arg);
    rax_stop(&gi);
}

/* Replies an array with one reply per consumer of cg in name order, each made by
 * one(c, consumer, arg). */
static void reply_each_consumer(Client *c, StreamCG *cg, long long arg,
                                void (*one)(Client *, StreamConsumer *, long long)) {
    reply_array_len(c, (long)rax_size(cg->consumers));
    RaxIter ci;
    rax_start(&ci, cg->consumers);
    rax_seek(&ci, "^", NULL, 0);
    while (rax_next(&ci)) one(c, ci.data, arg);
    rax_stop(&ci);
}

/* A consumer in XINFO STREAM FULL: name, seen-time, pel-count and its first
 * `count` (0: all) pending entries. */
static void reply_full_consumer(Client *c, StreamConsumer *consumer, long long count) {
    reply_map_len(c, 4);
    reply_bulk_cstr(c, "name");
    reply_bulk(c, consumer->name, sds_len(consumer->name));
    reply_bulk_cstr(c, "seen-time");
    reply_long(c, consumer->seen_time);
    reply_bulk_cstr(c, "pel-count");
    reply_long(c, (long long)rax_size(consumer->pel));
    reply_bulk_cstr(c, "pending");
    reply_pel(c, consumer->pel, count, 0);
}

/* A group in XINFO STREAM FULL: its position, PEL (first `count` entries, 0: all)
 * and consumers. */
static void reply_full_group(Client *c, Stream *s, const unsigned char *name, size_t len, StreamCG *cg,
                             long long count) {
    reply_map_len(c, 7);
    reply_bulk_cstr(c, "name");
    reply_bulk(c, name, len);
    reply_group_position(c, s, cg);
    reply_bulk_cstr(c, "pel-count");
    reply_long(c, (long long)rax_size(cg->pel));
    reply_bulk_cstr(c, "pending");
    reply_pel(c, cg->pel, count, 1);
    reply_bulk_cstr(c, "consumers");
    reply_each_consumer(c, cg, count, reply_full_consumer);
}

/* A group in XINFO GROUPS. */
static void reply_group_summary(Client *c, Stream *s, const unsigned char *name, size_t len, StreamCG *cg,
                                long long unused) {
    (void)unused;
    reply_map_len(c, 6);
    reply_bulk_cstr(c, "name");
    reply_bulk(c, name, len);
    reply_bulk_cstr(c, "consumers");
    reply_long(c, (long long)rax_size(cg->consumers));
    reply_bulk_cstr(c, "pending");
    reply_long(c, (long long)rax_size(cg->pel));
    reply_group_position(c, s, cg);
}

/* A consumer in XINFO CONSUMERS: name, pending count and idle time in ms (never
 * negative) against `now` (ms). */
static void reply_consumer_summary(Client *c, StreamConsumer *consumer, long long now) {
    long long idle = now - consumer->seen_time;
    if (idle < 0) idle = 0;
    reply_map_len(c, 3);
    reply_bulk_cstr(c, "name");
    reply_bulk(c, consumer->name, sds_len(consumer->name));
    reply_bulk_cstr(c, "pending");
    reply_long(c, (long long)rax_size(consumer->pel));
    reply_bulk_cstr(c, "idle");
    reply_long(c, idle);
}

static void xinfo_stream(Client *c, Stream *s) {
    int full = 1;
    long long count = 10;
    int optc = c->argc - 3;
    if (optc == 0) {
        full = 0;
    } else {
        if ((optc != 1 && optc != 3) || strcasecmp(arg_str(c, 3), "full")) {
            reply_subcommand_syntax_error(c);
            return;
        }
        if (optc == 3) {
            if (strcasecmp(arg_str(c, 4), "count")) {
                reply_subcommand_syntax_error(c);
                return;
            }
            if (!arg_ll(c, c->argv[5], &count, NULL)) return;
            if (count < 0) count = 10;
        }
    }
    reply_map_len(c, full ? 9 : 10);
    reply_bulk_cstr(c, "length");
    reply_long(c, (long long)s->length);
    reply_bulk_cstr(c, "radix-tree-keys");
    reply_long(c, (long long)rax_size(s->rax));
    reply_bulk_cstr(c, "radix-tree-nodes");
    reply_long(c, (long long)rax_redis_numnodes(s->rax));
    reply_bulk_cstr(c, "last-generated-id");
    stream_reply_id(c, &s->last_id);
    reply_bulk_cstr(c, "max-deleted-entry-id");
    stream_reply_id(c, &s->max_deleted_entry_id);
    reply_bulk_cstr(c, "entries-added");
    reply_long(c, (long long)s->entries_added);
    reply_bulk_cstr(c, "recorded-first-entry-id");
    stream_reply_id(c, &s->first_id);
    if (!full) {
        reply_bulk_cstr(c, "groups");
        reply_long(c, s->cgroups ? (long long)rax_size(s->cgroups) : 0);
        StreamID start = {0, 0}, end = {UINT64_MAX, UINT64_MAX};
        reply_bulk_cstr(c, "first-entry");
        if (!stream_reply_range(c, s, &start, &end, 1, 0, NULL, NULL, 0, 1, NULL, NULL)) reply_null(c);
        reply_bulk_cstr(c, "last-entry");
        if (!stream_reply_range(c, s, &start, &end, 1, 1, NULL, NULL, 0, 1, NULL, NULL)) reply_null(c);
        return;
    }
    reply_bulk_cstr(c, "entries");
    stream_reply_range(c, s, NULL, NULL, (size_t)count, 0, NULL, NULL, 0, 0, NULL, NULL);
    reply_bulk_cstr(c, "groups");
    reply_each_group(c, s, count, reply_full_group);
}

static const char *xinfo_help[] = {
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    NULL};

void stream_xinfo_cmd(Client *c) {
    if (!strcasecmp(arg_str(c, 1), "HELP")) {
        if (c->argc != 2) reply_subcommand_syntax_error(c);
        else reply_help(c, xinfo_help);
        return;
    }
    if (c->argc < 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    const char *opt = arg_str(c, 1);
    Obj *key = c->argv[2];
    Obj *o = db_lookup_read(c, key);
    if (!o) {
        reply_error(c, "no such key");
        return;
    }
    if (!db_check_type(c, o, OBJ_STREAM)) return;
    Stream *s = o->ptr;
    if (!strcasecmp(opt, "CONSUMERS") && c->argc == 4) {
        StreamCG *cg = stream_cg_lookup(s, c->argv[3]->ptr, sds_len(c->argv[3]->ptr));
        if (!cg) {
            reply_errorf(c, "-NOGROUP No such consumer group '%s' for key name '%s'", arg_str(c, 3),
                         (const char *)key->ptr);
            return;
        }
        reply_each_consumer(c, cg, mstime(), reply_consumer_summary);
    } else if (!strcasecmp(opt, "GROUPS") && c->argc == 3) {
        reply_each_group(c, s, 0, reply_group_summary);
    } else if (!strcasecmp(opt, "STREAM")) {
        xinfo_stream(c, s);
    } else {
        reply_subcommand_syntax_error(c);
    }
}
