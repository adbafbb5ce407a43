/* stream_rdb.c - streams in RDB form (files, DUMP/RESTORE payloads) and in an AOF
 * rewrite, as Redis 7.0 writes and reads them.
 *
 * Saving: RDB_TYPE_STREAM_LISTPACKS_2: the node count, then per node its 16-byte
 * master ID and its listpack as strings; length, last ID, first ID, max deleted
 * ID, entries added; the groups: name, last ID, entries read, the PEL (raw 16-byte
 * IDs with delivery time and count), the consumers (name, seen time, their PEL as
 * raw IDs). Byte for byte Redis's, so payloads cross between the two servers.
 * Loading: types 19 and 15 (Redis 5/6: no first/max-deleted IDs, entries added
 * and entries read derived as Redis does).
 *
 * The input is untrusted and validated fully, whatever sanitize-dump-payload says:
 * every listpack deeply (entry extents) and then as a stream node (master entry,
 * integer flags/deltas/counts, field counts, lp-count back pointers that match,
 * live and deleted counters that match the flags, at least one entry), node
 * keys of 16 bytes that equal the node's master ID, IDs strictly increasing within
 * and across nodes and not above the last ID, the length equal to the live
 * entries; groups with distinct names, PEL IDs unique, consumers distinct, every
 * consumer PEL ID present in the group PEL and owned by exactly one consumer, and
 * every group PEL entry owned. A failure returns NULL with a reason; nothing
 * crashes and no later command can meet an inconsistent stream.
 *
 * Costs: save O(nodes + PEL); load O(bytes) (every entry of every node is walked
 * once) plus O(PEL * 16) for the rax inserts. */
#include <stdio.h>
#include <string.h>
#include "stream.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/objtype.h"
#include "../ds/rdbenc.h"

const unsigned char stream_rdb_types[] = {RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, 255};

int stream_rdb_type(const Obj *o) {
    (void)o;
    return RDB_TYPE_STREAM_LISTPACKS_2;
}

static int save_pel(Rio *r, Rax *pel, int nacks) {
    if (!rdb_save_len(r, rax_size(pel))) return 0;
    RaxIter ri;
    rax_start(&ri, pel);
    rax_seek(&ri, "^", NULL, 0);
    int ok = 1;
    while (ok && rax_next(&ri)) {
        ok = rio_write(r, ri.key, 16);
        if (ok && nacks) {
            StreamNACK *n = ri.data;
            ok = rdb_save_millis(r, n->delivery_time) && rdb_save_len(r, n->delivery_count);
        }
    }
    rax_stop(&ri);
    return ok;
}

int stream_rdb_save(Rio *r, const Obj *o) {
    Stream *s = o->ptr;
    if (!rdb_save_len(r, rax_size(s->rax))) return 0;
    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "^", NULL, 0);
    int ok = 1;
    while (ok && rax_next(&ri))
        ok = rdb_save_string(r, ri.key, ri.key_len) && rdb_save_string(r, ri.data, lp_bytes(ri.data));
    rax_stop(&ri);
    if (!ok) return 0;
    if (!rdb_save_len(r, s->length) || !rdb_save_len(r, s->last_id.ms) || !rdb_save_len(r, s->last_id.seq) ||
        !rdb_save_len(r, s->first_id.ms) || !rdb_save_len(r, s->first_id.seq) ||
        !rdb_save_len(r, s->max_deleted_entry_id.ms) || !rdb_save_len(r, s->max_deleted_entry_id.seq) ||
        !rdb_save_len(r, s->entries_added))
        return 0;
    if (!rdb_save_len(r, s->cgroups ? rax_size(s->cgroups) : 0)) return 0;
    if (!s->cgroups) return 1;
    rax_start(&ri, s->cgroups);
    rax_seek(&ri, "^", NULL, 0);
    while (ok && rax_next(&ri)) {
        StreamCG *cg = ri.data;
        ok = rdb_save_string(r, ri.key, ri.key_len) && rdb_save_len(r, cg->last_id.ms) &&
             rdb_save_len(r, cg->last_id.seq) && rdb_save_len(r, (uint64_t)cg->entries_read) &&
             save_pel(r, cg->pel, 1) && rdb_save_len(r, rax_size(cg->consumers));
        RaxIter ci;
        rax_start(&ci, cg->consumers);
        rax_seek(&ci, "^", NULL, 0);
        while (ok && rax_next(&ci)) {
            StreamConsumer *c = ci.data;
            ok = rdb_save_string(r, c->name, sds_len(c->name)) && rdb_save_millis(r, c->seen_time) &&
                 save_pel(r, c->pel, 0);
        }
        rax_stop(&ci);
    }
    rax_stop(&ri);
    return ok;
}

/* ---- loading ---- */

static Obj *fail(Obj *o, RdbErr *err, const char *why) {
    if (o) obj_decr(o);
    if (why) snprintf(err->msg, sizeof(err->msg), "%s", why);
    return NULL;
}

/* An entry that must hold an integer (stream nodes store their numbers so). */
static int lp_int_valid(const unsigned char *p, int64_t *v) {
    LpEntry e;
    lp_get(p, &e);
    if (!e.sval) {
        *v = e.lval;
        return 1;
    }
    long long x;
    if (!string2ll((const char *)e.sval, e.slen, &x)) return 0;
    *v = x;
    return 1;
}

/* Checks a node (already validated as a listpack) whose master ID is master; *prev
 * is the greatest ID seen so far (have_prev: one exists), updated. Adds its live
 * entries to *live. Returns NULL when valid, else the reason. */
static const char *check_node(unsigned char *lp, const StreamID *master, StreamID *prev, int *have_prev,
                              uint64_t *live) {
    unsigned char *p = lp_first(lp);
    int64_t count, deleted, mfields, v;
    if (!p || !lp_int_valid(p, &count)) return "Stream listpack integrity check failed.";
    if (!(p = lp_next(lp, p)) || !lp_int_valid(p, &deleted)) return "Stream listpack integrity check failed.";
    if (!(p = lp_next(lp, p)) || !lp_int_valid(p, &mfields)) return "Stream listpack integrity check failed.";
    /* A node may hold only deleted entries: XTRIM MINID leaves one when the node's
     * last entry was already deleted (Redis does the same and saves it so). */
    if (count < 0 || deleted < 0 || count + deleted < 1 || mfields < 0 || count > UINT32_MAX ||
        deleted > UINT32_MAX)
        return "Stream listpack integrity check failed.";
    for (int64_t j = 0; j < mfields; j++)
        if (!(p = lp_next(lp, p))) return "Stream listpack integrity check failed.";
    if (!(p = lp_next(lp, p)) || !lp_int_valid(p, &v) || v != 0) return "Stream listpack integrity check failed.";
    int64_t seen_live = 0, seen_deleted = 0;
    p = lp_next(lp, p);
    while (p) {
        int64_t flags, msd, seqd, fields = mfields, extra = 3;
        if (!lp_int_valid(p, &flags) || flags < 0 || flags > 3) return "Stream listpack integrity check failed.";
        if (!(p = lp_next(lp, p)) || !lp_int_valid(p, &msd)) return "Stream listpack integrity check failed.";
        if (!(p = lp_next(lp, p)) || !lp_int_valid(p, &seqd)) return "Stream listpack integrity check failed.";
        if (!(p = lp_next(lp, p))) return "Stream listpack integrity check failed.";
        int64_t values = mfields;
        if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS)) {
            if (!lp_int_valid(p, &fields) || fields < 0 || fields > UINT32_MAX)
                return "Stream listpack integrity check failed.";
            if (!(p = lp_next(lp, p))) return "Stream listpack integrity check failed.";
            extra += fields + 1;
            values = fields * 2;
        }
        for (int64_t j = 0; j < values; j++)
            if (!(p = lp_next(lp, p))) return "Stream listpack integrity check failed.";
        if (!lp_int_valid(p, &v) || v != fields + extra) return "Stream listpack integrity check failed.";
        p = lp_next(lp, p);
        StreamID id = {master->ms + (uint64_t)msd, master->seq + (uint64_t)seqd};
        if (stream_id_cmp(&id, master) < 0 || (*have_prev && stream_id_cmp(&id, prev) <= 0))
            return "Stream entry IDs are not increasing";
        *prev = id;
        *have_prev = 1;
        if (flags & STREAM_ITEM_FLAG_DELETED) seen_deleted++;
        else seen_live++;
    }
    if (seen_live != count || seen_deleted != deleted) return "Stream listpack integrity check failed.";
    *live += (uint64_t)count;
    return NULL;
}

static int load_u64(Rio *r, uint64_t *v, RdbErr *err) { return rdb_load_len(r, v, NULL, err); }

static Obj *load_groups(Rio *r, Obj *o, int rdbtype, RdbErr *err) {
    Stream *s = o->ptr;
    uint64_t ngroups;
    if (!load_u64(r, &ngroups, err)) return fail(o, err, "Stream cgroup count loading failed.");
    while (ngroups--) {
        Sds name = rdb_load_string(r, RDB_STRING_MAX, err);
        if (!name) return fail(o, err, "Error reading the consumer group name from Stream");
        StreamID gid;
        uint64_t offset;
        if (!load_u64(r, &gid.ms, err) || !load_u64(r, &gid.seq, err)) {
            sds_free(name);
            return fail(o, err, "Stream cgroup ID loading failed.");
        }
        if (rdbtype == RDB_TYPE_STREAM_LISTPACKS_2) {
            if (!load_u64(r, &offset, err)) {
                sds_free(name);
                return fail(o, err, "Stream cgroup offset loading failed.");
            }
        } else {
            offset = (uint64_t)stream_estimate_distance(s, &gid);
        }
        StreamCG *cg = stream_cg_create(s, name, sds_len(name), &gid, (long long)offset);
        sds_free(name);
        if (!cg) return fail(o, err, "Duplicated consumer group name");
        uint64_t pel;
        if (!load_u64(r, &pel, err)) return fail(o, err, "Stream PEL size loading failed.");
        while (pel--) {
            unsigned char raw[16];
            if (!rio_read(r, raw, 16)) return fail(o, err, "Stream PEL ID loading failed.");
            StreamNACK *nack = stream_nack_new(NULL);
            long long t;
            uint64_t cnt;
            if (!rdb_load_millis(r, &t, err) || !load_u64(r, &cnt, err)) {
                vfree(nack);
                return fail(o, err, "Stream PEL NACK loading failed.");
            }
            nack->delivery_time = t;
            nack->delivery_count = cnt;
            if (!rax_try_insert(cg->pel, raw, 16, nack, NULL)) {
                vfree(nack);
                return fail(o, err, "Duplicated global PEL entry loading stream consumer group");
            }
        }
        uint64_t nconsumers;
        if (!load_u64(r, &nconsumers, err)) return fail(o, err, "Stream consumers num loading failed.");
        while (nconsumers--) {
            Sds cname = rdb_load_string(r, RDB_STRING_MAX, err);
            if (!cname) return fail(o, err, "Error reading the consumer name from Stream group.");
            StreamConsumer *c = stream_consumer_create(cg, cname, sds_len(cname));
            sds_free(cname);
            if (!c) return fail(o, err, "Duplicate stream consumer detected.");
            if (!rdb_load_millis(r, &c->seen_time, err)) return fail(o, err, "Stream short read reading seen time.");
            uint64_t cpel;
            if (!load_u64(r, &cpel, err)) return fail(o, err, "Stream consumer PEL num loading failed.");
            while (cpel--) {
                unsigned char raw[16];
                void *v;
                if (!rio_read(r, raw, 16)) return fail(o, err, "Stream short read reading PEL streamID.");
                if (!rax_find(cg->pel, raw, 16, &v)) return fail(o, err, "Consumer entry not found in group global PEL");
                StreamNACK *nack = v;
                if (nack->consumer) return fail(o, err, "Duplicated consumer PEL entry  loading a stream consumer group");
                nack->consumer = c;
                rax_insert(c->pel, raw, 16, nack, NULL);
            }
        }
        RaxIter pi;
        rax_start(&pi, cg->pel);
        rax_seek(&pi, "^", NULL, 0);
        int orphan = 0;
        while (!orphan && rax_next(&pi)) orphan = ((StreamNACK *)pi.data)->consumer == NULL;
        rax_stop(&pi);
        if (orphan) return fail(o, err, "Stream CG PEL entry without consumer");
    }
    return o;
}

Obj *stream_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    Obj *o = stream_new_obj();
    Stream *s = o->ptr;
    uint64_t nodes;
    if (!load_u64(r, &nodes, err)) return fail(o, err, "Stream listpacks len loading failed.");
    StreamID prev = {0, 0};
    int have_prev = 0;
    uint64_t live = 0;
    while (nodes--) {
        size_t klen, lplen;
        unsigned char *key = rdb_load_blob(r, RDB_STRING_MAX, &klen, err);
        if (!key) return fail(o, err, "Stream master ID loading failed: invalid encoding or I/O error.");
        if (klen != 16) {
            vfree(key);
            return fail(o, err, "Stream node key entry is not the size of a stream ID");
        }
        unsigned char *lp = rdb_load_blob(r, UINT32_MAX, &lplen, err);
        if (!lp) {
            vfree(key);
            return fail(o, err, "Stream listpacks loading failed.");
        }
        if (!lp_validate_integrity(lp, lplen, 1, NULL, NULL)) {
            vfree(key);
            vfree(lp);
            return fail(o, err, "Stream listpack integrity check failed.");
        }
        if (!lp_first(lp)) {
            vfree(key);
            vfree(lp);
            return fail(o, err, "Empty listpack inside stream");
        }
        StreamID master;
        stream_id_decode(key, &master);
        if (have_prev && stream_id_cmp(&master, &prev) <= 0) {
            vfree(key);
            vfree(lp);
            return fail(o, err, "Stream node IDs are not increasing");
        }
        const char *why = check_node(lp, &master, &prev, &have_prev, &live);
        if (why) {
            vfree(key);
            vfree(lp);
            return fail(o, err, why);
        }
        int added = rax_try_insert(s->rax, key, 16, lp, NULL);
        vfree(key);
        if (!added) {
            vfree(lp);
            return fail(o, err, "Listpack re-added with existing key");
        }
    }
    if (!load_u64(r, &s->length, err) || !load_u64(r, &s->last_id.ms, err) || !load_u64(r, &s->last_id.seq, err))
        return fail(o, err, "Stream object metadata loading failed.");
    if (rdbtype == RDB_TYPE_STREAM_LISTPACKS_2) {
        if (!load_u64(r, &s->first_id.ms, err) || !load_u64(r, &s->first_id.seq, err) ||
            !load_u64(r, &s->max_deleted_entry_id.ms, err) || !load_u64(r, &s->max_deleted_entry_id.seq, err) ||
            !load_u64(r, &s->entries_added, err))
            return fail(o, err, "Stream object metadata loading failed.");
    } else {
        s->entries_added = s->length;
        stream_edge_id(s, 1, 1, &s->first_id);
    }
    if (s->length != live) return fail(o, err, "Stream length inconsistent with rax entries");
    if (have_prev && stream_id_cmp(&prev, &s->last_id) > 0)
        return fail(o, err, "Stream last ID is smaller than an entry's ID");
    if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
    else stream_edge_id(s, 1, 1, &s->first_id); /* never trust it: XDEL/XINFO read it */
    return load_groups(r, o, rdbtype, err);
}

/* ---- AOF rewrite ---- */

static int put_id(Rio *r, const StreamID *id) {
    char buf[STREAM_ID_STR_LEN];
    int n = stream_id_fmt(buf, id);
    return rio_write_bulk_string(r, buf, (size_t)n);
}

#define W(s) rio_write_bulk_string(r, s, sizeof(s) - 1)

int stream_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    Stream *s = o->ptr;
    int ok = 1;
    if (s->length) {
        StreamIter si;
        StreamID id;
        int64_t nf;
        stream_iter_start(&si, s, NULL, NULL, 0);
        while (ok && stream_iter_get_id(&si, &id, &nf)) {
            ok = rio_write_bulk_count(r, '*', 3 + nf * 2) && W("XADD") && rio_write_bulk_string(r, key, klen) &&
                 put_id(r, &id);
            while (ok && nf--) {
                const unsigned char *f, *v;
                int64_t fl, vl;
                stream_iter_get_field(&si, &f, &fl, &v, &vl);
                ok = rio_write_bulk_string(r, f, (size_t)fl) && rio_write_bulk_string(r, v, (size_t)vl);
            }
        }
        stream_iter_stop(&si);
    } else {
        StreamID one = {0, 1};
        ok = rio_write_bulk_count(r, '*', 7) && W("XADD") && rio_write_bulk_string(r, key, klen) && W("MAXLEN") &&
             W("0") && put_id(r, &one) && W("x") && W("y");
    }
    ok = ok && rio_write_bulk_count(r, '*', 7) && W("XSETID") && rio_write_bulk_string(r, key, klen) &&
         put_id(r, &s->last_id) && W("ENTRIESADDED") && rio_write_bulk_ll(r, (long long)s->entries_added) &&
         W("MAXDELETEDID") && put_id(r, &s->max_deleted_entry_id);
    if (!ok || !s->cgroups) return ok;
    RaxIter gi;
    rax_start(&gi, s->cgroups);
    rax_seek(&gi, "^", NULL, 0);
    while (ok && rax_next(&gi)) {
        StreamCG *cg = gi.data;
        ok = rio_write_bulk_count(r, '*', 7) && W("XGROUP") && W("CREATE") && rio_write_bulk_string(r, key, klen) &&
             rio_write_bulk_string(r, gi.key, gi.key_len) && put_id(r, &cg->last_id) && W("ENTRIESREAD") &&
             rio_write_bulk_ll(r, cg->entries_read);
        RaxIter ci;
        rax_start(&ci, cg->consumers);
        rax_seek(&ci, "^", NULL, 0);
        while (ok && rax_next(&ci)) {
            StreamConsumer *c = ci.data;
            if (rax_size(c->pel) == 0) {
                ok = rio_write_bulk_count(r, '*', 5) && W("XGROUP") && W("CREATECONSUMER") &&
                     rio_write_bulk_string(r, key, klen) && rio_write_bulk_string(r, gi.key, gi.key_len) &&
                     rio_write_bulk_string(r, c->name, sds_len(c->name));
                continue;
            }
            RaxIter pi;
            rax_start(&pi, c->pel);
            rax_seek(&pi, "^", NULL, 0);
            while (ok && rax_next(&pi)) {
                StreamNACK *nack = pi.data;
                StreamID id;
                stream_id_decode(pi.key, &id);
                ok = rio_write_bulk_count(r, '*', 12) && W("XCLAIM") && rio_write_bulk_string(r, key, klen) &&
                     rio_write_bulk_string(r, gi.key, gi.key_len) &&
                     rio_write_bulk_string(r, c->name, sds_len(c->name)) && W("0") && put_id(r, &id) && W("TIME") &&
                     rio_write_bulk_ll(r, nack->delivery_time) && W("RETRYCOUNT") &&
                     rio_write_bulk_ll(r, (long long)nack->delivery_count) && W("JUSTID") && W("FORCE");
            }
            rax_stop(&pi);
        }
        rax_stop(&ci);
    }
    rax_stop(&gi);
    return ok;
}
