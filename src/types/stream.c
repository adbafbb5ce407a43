/* stream.c - the stream type's value layer: IDs, the node format (see stream.h),
 * appending, trimming, deleting, the iterator, and the data type descriptor
 * (free, COPY, DEBUG DIGEST, MEMORY USAGE, lazy-free effort), its directives
 * (stream-node-max-bytes, stream-node-max-entries) and the Module.
 *
 * Invariants: every node in the rax holds at least one entry, live or deleted (XDEL
 * removes a node whose live count reaches zero; XTRIM MINID can leave a node of
 * deleted entries only, as Redis does, when its last entry was deleted before); entries within a node and across nodes are in
 * increasing ID order; last_id is >= every ID ever added (it never goes back, even
 * when the clock does or entries are deleted); length counts the live entries.
 *
 * Costs: XADD appends to the tail node (O(1) amortized plus the listpack append;
 * a new node every stream-node-max-entries entries or -bytes bytes); a range read
 * seeks the rax (O(key length)) and then walks listpack entries; a delete marks the
 * entry's flags in place. Memory per entry is the listpack encoding: for
 * same-fields entries the values plus 4 small integers (flags, two deltas,
 * lp-count). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stream.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/config_table.h"
#include "../core/module.h"
#include "../core/objtype.h"
#include "../core/servercmds.h"

long long stream_node_max_bytes;
long long stream_node_max_entries;

static ConfigDef stream_configs[] = {
    CONFIG_NUM("stream-node-max-bytes", NULL, 0, CONFIG_UNSIGNED | CONFIG_MEMORY, stream_node_max_bytes, 0,
               LONG_MAX, 4096),
    CONFIG_NUM("stream-node-max-entries", NULL, 0, 0, stream_node_max_entries, 0, LLONG_MAX, 100),
    {0}};

/* ---- IDs ---- */

static void put_be64(unsigned char *b, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_be64(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | b[i];
    return v;
}

void stream_id_encode(unsigned char buf[16], const StreamID *id) {
    put_be64(buf, id->ms);
    put_be64(buf + 8, id->seq);
}

void stream_id_decode(const unsigned char buf[16], StreamID *id) {
    id->ms = get_be64(buf);
    id->seq = get_be64(buf + 8);
}

int stream_id_fmt(char *buf, const StreamID *id) {
    int n = ull2string(buf, STREAM_ID_STR_LEN, id->ms);
    buf[n++] = '-';
    n += ull2string(buf + n, (size_t)(STREAM_ID_STR_LEN - n), id->seq);
    return n;
}

int stream_id_incr(StreamID *id) {
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX) {
            id->ms = id->seq = 0;
            return 0;
        }
        id->ms++;
        id->seq = 0;
        return 1;
    }
    id->seq++;
    return 1;
}

int stream_id_decr(StreamID *id) {
    if (id->seq == 0) {
        if (id->ms == 0) {
            id->ms = id->seq = UINT64_MAX;
            return 0;
        }
        id->ms--;
        id->seq = UINT64_MAX;
        return 1;
    }
    id->seq--;
    return 1;
}

int64_t stream_lp_int(const unsigned char *p) {
    LpEntry e;
    lp_get(p, &e);
    if (!e.sval) return e.lval;
    long long v = 0;
    string2ll((const char *)e.sval, e.slen, &v);
    return v;
}

/* ---- values ---- */

Stream *stream_new(void) {
    Stream *s = vcalloc(sizeof(*s));
    s->rax = rax_new();
    return s;
}

static void free_lp(void *p) { lp_free(p); }

static void free_cg_cb(void *p) { stream_cg_free(p); }

void stream_free(Stream *s) {
    if (!s) return;
    rax_free_with(s->rax, free_lp);
    if (s->cgroups) rax_free_with(s->cgroups, free_cg_cb);
    vfree(s);
}

Obj *stream_new_obj(void) {
    Obj *o = obj_new(OBJ_STREAM, stream_new());
    o->encoding = ENC_STREAM;
    return o;
}

/* The ID after last_id for an XADD with "*": the clock, or last_id + 1 when the
 * clock is not ahead (it went back, or several entries in one millisecond). */
static void next_id(const StreamID *last, StreamID *id) {
    uint64_t ms = (uint64_t)mstime();
    if (ms > last->ms) {
        id->ms = ms;
        id->seq = 0;
    } else {
        *id = *last;
        stream_id_incr(id);
    }
}

int stream_append(Stream *s, Obj **argv, int64_t numfields, StreamID *added, const StreamID *use_id,
                  int seq_given) {
    StreamID id;
    if (use_id) {
        if (seq_given) {
            id = *use_id;
        } else if (s->last_id.ms == use_id->ms) {
            if (s->last_id.seq == UINT64_MAX) return STREAM_ERR_EDOM;
            id = s->last_id;
            id.seq++;
        } else {
            id = *use_id;
        }
    } else {
        next_id(&s->last_id, &id);
    }
    if (stream_id_cmp(&id, &s->last_id) <= 0) return STREAM_ERR_EDOM;

    size_t totelelen = 0;
    for (int64_t i = 0; i < numfields * 2; i++) totelelen += sds_len(argv[i]->ptr);
    if (totelelen > STREAM_LISTPACK_MAX_SIZE) return STREAM_ERR_ERANGE;

    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "$", NULL, 0);
    unsigned char *lp = NULL;
    unsigned char rax_key[16];
    if (rax_next(&ri)) {
        lp = ri.data;
        memcpy(rax_key, ri.key, 16);
    }
    rax_stop(&ri);

    if (lp) {
        size_t node_max_bytes = (size_t)stream_node_max_bytes;
        if (node_max_bytes == 0 || node_max_bytes > STREAM_LISTPACK_MAX_SIZE)
            node_max_bytes = STREAM_LISTPACK_MAX_SIZE;
        int new_node = 0;
        if (lp_bytes(lp) + totelelen >= node_max_bytes) {
            new_node = 1;
        } else if (stream_node_max_entries) {
            unsigned char *p = lp_first(lp);
            int64_t count = stream_lp_int(p) + stream_lp_int(lp_next_trusted(lp, p));
            if (count >= stream_node_max_entries) new_node = 1;
        }
        if (new_node) {
            unsigned char *shrunk = lp_shrink_to_fit(lp);
            if (shrunk != lp) rax_insert(s->rax, rax_key, 16, shrunk, NULL);
            lp = NULL;
        }
    }

    int flags = STREAM_ITEM_FLAG_NONE;
    StreamID master_id;
    unsigned char *orig = lp;
    if (!lp) {
        master_id = id;
        stream_id_encode(rax_key, &id);
        size_t prealloc = STREAM_LISTPACK_MAX_PRE_ALLOCATE;
        if (stream_node_max_bytes > 0 && (size_t)stream_node_max_bytes < prealloc)
            prealloc = (size_t)stream_node_max_bytes;
        lp = lp_new(prealloc);
        lp = lp_append_int(lp, 1);
        lp = lp_append_int(lp, 0);
        lp = lp_append_int(lp, numfields);
        for (int64_t i = 0; i < numfields; i++) {
            Sds f = argv[i * 2]->ptr;
            lp = lp_append(lp, (const unsigned char *)f, (uint32_t)sds_len(f));
        }
        lp = lp_append_int(lp, 0);
        flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
    } else {
        stream_id_decode(rax_key, &master_id);
        unsigned char *p = lp_first(lp);
        int64_t count = stream_lp_int(p);
        lp = lp_replace_int(lp, &p, count + 1);
        p = lp_next_trusted(lp, p); /* deleted */
        p = lp_next_trusted(lp, p); /* master num-fields */
        int64_t mcount = stream_lp_int(p);
        p = lp_next_trusted(lp, p);
        if (mcount == numfields) {
            int64_t i;
            for (i = 0; i < mcount; i++) {
                Sds f = argv[i * 2]->ptr;
                if (!lp_compare(p, (const unsigned char *)f, (uint32_t)sds_len(f))) break;
                /* lp_compare equates an integer entry with its decimal form; stream
                 * field names are compared as bytes, which agrees since a field
                 * stored as an integer is its canonical decimal string. */
                p = lp_next_trusted(lp, p);
            }
            if (i == mcount) flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
        }
    }
    lp = lp_append_int(lp, flags);
    lp = lp_append_int(lp, (long long)(id.ms - master_id.ms));
    lp = lp_append_int(lp, (long long)(id.seq - master_id.seq));
    if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS)) lp = lp_append_int(lp, numfields);
    for (int64_t i = 0; i < numfields; i++) {
        Sds f = argv[i * 2]->ptr, v = argv[i * 2 + 1]->ptr;
        if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS))
            lp = lp_append(lp, (const unsigned char *)f, (uint32_t)sds_len(f));
        lp = lp_append(lp, (const unsigned char *)v, (uint32_t)sds_len(v));
    }
    int64_t lp_count = numfields + 3;
    if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS)) lp_count += numfields + 1;
    lp = lp_append_int(lp, lp_count);
    if (lp != orig) rax_insert(s->rax, rax_key, 16, lp, NULL);
    s->length++;
    s->entries_added++;
    s->last_id = id;
    if (s->length == 1) s->first_id = id;
    if (added) *added = id;
    return 0;
}

/* The last ID stored in node lp (tombstones included); 0 when it has no entry. */
static int lp_last_id(unsigned char *lp, const StreamID *master, StreamID *out) {
    unsigned char *p = lp_last(lp);
    int64_t n = stream_lp_int(p);
    if (n == 0) return 0;
    while (n-- && p) p = lp_prev(lp, p);
    if (!p) return 0;
    p = lp_next_trusted(lp, p);
    out->ms = master->ms + (uint64_t)stream_lp_int(p);
    p = lp_next_trusted(lp, p);
    out->seq = master->seq + (uint64_t)stream_lp_int(p);
    return 1;
}

int64_t stream_trim(Stream *s, int strategy, long long maxlen, const StreamID *minid, int approx,
                    long long limit) {
    if (strategy == STREAM_TRIM_NONE) return 0;
    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "^", NULL, 0);
    int64_t deleted = 0;
    while (rax_next(&ri)) {
        if (strategy == STREAM_TRIM_MAXLEN && s->length <= (uint64_t)maxlen) break;
        unsigned char *lp = ri.data, *p = lp_first(lp);
        int64_t entries = stream_lp_int(p);
        if (limit && deleted + entries > limit) break;
        int remove_node;
        StreamID master_id = {0, 0};
        stream_id_decode(ri.key, &master_id);
        if (strategy == STREAM_TRIM_MAXLEN) {
            remove_node = s->length - (uint64_t)entries >= (uint64_t)maxlen;
        } else {
            StreamID last;
            if (!lp_last_id(lp, &master_id, &last)) last = master_id;
            remove_node = stream_id_cmp(&last, minid) < 0;
        }
        if (remove_node) {
            lp_free(lp);
            unsigned char key[16];
            memcpy(key, ri.key, 16);
            rax_remove(s->rax, key, 16, NULL);
            rax_seek(&ri, ">=", key, 16);
            s->length -= (uint64_t)entries;
            deleted += entries;
            continue;
        }
        if (approx) break;

        int64_t deleted_from_lp = 0;
        p = lp_next_trusted(lp, p);            /* deleted */
        p = lp_next_trusted(lp, p);            /* master num-fields */
        int64_t mcount = stream_lp_int(p);
        p = lp_next_trusted(lp, p);
        for (int64_t j = 0; j < mcount; j++) p = lp_next_trusted(lp, p);
        p = lp_next_trusted(lp, p);            /* past the master terminator */
        while (p) {
            unsigned char *flagp = p;
            int64_t flags = stream_lp_int(p);
            p = lp_next_trusted(lp, p);
            int64_t ms_delta = stream_lp_int(p);
            p = lp_next_trusted(lp, p);
            int64_t seq_delta = stream_lp_int(p);
            p = lp_next_trusted(lp, p);
            int stop;
            if (strategy == STREAM_TRIM_MAXLEN) {
                stop = s->length <= (uint64_t)maxlen;
            } else {
                StreamID cur = {master_id.ms + (uint64_t)ms_delta, master_id.seq + (uint64_t)seq_delta};
                stop = stream_id_cmp(&cur, minid) >= 0;
            }
            if (stop) break;
            int64_t to_skip;
            if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
                to_skip = mcount;
            } else {
                to_skip = stream_lp_int(p) * 2;
                p = lp_next_trusted(lp, p);
            }
            while (to_skip--) p = lp_next_trusted(lp, p);
            p = lp_next_trusted(lp, p); /* lp-count */
            if (!(flags & STREAM_ITEM_FLAG_DELETED)) {
                size_t off = p ? (size_t)(p - lp) : 0;
                lp = lp_replace_int(lp, &flagp, flags | STREAM_ITEM_FLAG_DELETED);
                deleted_from_lp++;
                s->length--;
                p = off ? lp + off : NULL;
            }
        }
        deleted += deleted_from_lp;
        p = lp_first(lp);
        lp = lp_replace_int(lp, &p, entries - deleted_from_lp);
        p = lp_next_trusted(lp, p);
        int64_t marked = stream_lp_int(p);
        lp = lp_replace_int(lp, &p, marked + deleted_from_lp);
        rax_insert(s->rax, ri.key, 16, lp, NULL);
        break;
    }
    rax_stop(&ri);
    if (s->length == 0) {
        s->first_id.ms = s->first_id.seq = 0;
    } else if (deleted) {
        stream_edge_id(s, 1, 1, &s->first_id);
    }
    return deleted;
}

/* ---- iteration ---- */

void stream_iter_start(StreamIter *si, Stream *s, const StreamID *start, const StreamID *end, int rev) {
    StreamID lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    si->start_id = start ? *start : lo;
    si->end_id = end ? *end : hi;
    stream_id_encode(si->start_key, &si->start_id);
    stream_id_encode(si->end_key, &si->end_id);
    rax_start(&si->ri, s->rax);
    if (!rev) {
        rax_seek(&si->ri, "<=", si->start_key, 16);
        if (rax_eof(&si->ri)) rax_seek(&si->ri, "^", NULL, 0);
    } else if (!end) {
        rax_seek(&si->ri, "$", NULL, 0);
    } else {
        rax_seek(&si->ri, "<=", si->end_key, 16);
    }
    si->stream = s;
    si->lp = NULL;
    si->lp_ele = NULL;
    si->lp_flags = NULL;
    si->fields_left = 0;
    si->rev = rev;
    si->skip_tombstones = 1;
}

/* Loads the node the rax iterator stands on; positions lp_ele on its first
 * (forward) or last (backward) entry's flags, NULL when it has none. */
static void iter_load_node(StreamIter *si) {
    si->lp = si->ri.data;
    stream_id_decode(si->ri.key, &si->master_id);
    unsigned char *p = lp_first(si->lp);
    p = lp_next_trusted(si->lp, p);
    p = lp_next_trusted(si->lp, p);
    si->master_fields_count = stream_lp_int(p);
    p = lp_next_trusted(si->lp, p);
    si->master_fields_start = p;
    for (int64_t i = 0; i < si->master_fields_count; i++) p = lp_next_trusted(si->lp, p);
    /* p: the master terminator */
    si->lp_flags = NULL;
    if (!si->rev) {
        si->lp_ele = lp_next_trusted(si->lp, p);
    } else {
        unsigned char *q = lp_last(si->lp);
        int64_t n = stream_lp_int(q);
        if (q == p || n <= 0) {
            si->lp_ele = NULL;
            return;
        }
        while (n-- && q) q = lp_prev(si->lp, q);
        si->lp_ele = q;
    }
}

/* Moves past the current entry (the one at lp_flags): lp_ele gets the next
 * candidate's flags, or NULL at the end of the node. */
static void iter_advance(StreamIter *si) {
    unsigned char *lp = si->lp;
    if (!si->rev) {
        unsigned char *p = si->lp_ele;
        int64_t skip = (si->entry_flags & STREAM_ITEM_FLAG_SAMEFIELDS) ? si->fields_left : si->fields_left * 2;
        while (skip-- > 0 && p) p = lp_next_trusted(lp, p);
        if (p) p = lp_next_trusted(lp, p); /* lp-count */
        si->lp_ele = p;
    } else {
        unsigned char *p = lp_prev(lp, si->lp_flags);
        int64_t n = p ? stream_lp_int(p) : 0;
        if (n <= 0) {
            si->lp_ele = NULL;
        } else {
            while (n-- && p) p = lp_prev(lp, p);
            si->lp_ele = p;
        }
    }
    si->lp_flags = NULL;
}

int stream_iter_get_id(StreamIter *si, StreamID *id, int64_t *numfields) {
    for (;;) {
        if (si->lp && si->lp_flags) iter_advance(si);
        if (!si->lp || !si->lp_ele) {
            si->lp = NULL;
            if (si->rev ? !rax_prev(&si->ri) : !rax_next(&si->ri)) return 0;
            iter_load_node(si);
            continue;
        }
        unsigned char *lp = si->lp, *p = si->lp_ele;
        si->lp_flags = p;
        int flags = (int)stream_lp_int(p);
        p = lp_next_trusted(lp, p);
        *id = si->master_id;
        id->ms += (uint64_t)stream_lp_int(p);
        p = lp_next_trusted(lp, p);
        id->seq += (uint64_t)stream_lp_int(p);
        p = lp_next_trusted(lp, p);
        if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
            *numfields = si->master_fields_count;
        } else {
            *numfields = stream_lp_int(p);
            p = lp_next_trusted(lp, p);
        }
        si->lp_ele = p;
        si->entry_flags = flags;
        si->fields_left = *numfields;
        int live = !si->skip_tombstones || !(flags & STREAM_ITEM_FLAG_DELETED);
        /* Past the far bound nothing further can match, live or not. */
        if (!si->rev) {
            if (stream_id_cmp(id, &si->end_id) > 0) return 0;
            if (live && stream_id_cmp(id, &si->start_id) >= 0) {
                si->master_fields_ptr = si->master_fields_start;
                return 1;
            }
        } else {
            if (stream_id_cmp(id, &si->start_id) < 0) return 0;
            if (live && stream_id_cmp(id, &si->end_id) <= 0) {
                si->master_fields_ptr = si->master_fields_start;
                return 1;
            }
        }
    }
}

void stream_iter_get_field(StreamIter *si, const unsigned char **field, int64_t *flen,
                           const unsigned char **value, int64_t *vlen) {
    uint32_t l;
    if (si->entry_flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
        *field = lp_get_str(si->master_fields_ptr, &l, si->field_buf);
        si->master_fields_ptr = lp_next_trusted(si->lp, si->master_fields_ptr);
    } else {
        *field = lp_get_str(si->lp_ele, &l, si->field_buf);
        si->lp_ele = lp_next_trusted(si->lp, si->lp_ele);
    }
    *flen = l;
    *value = lp_get_str(si->lp_ele, &l, si->value_buf);
    *vlen = l;
    si->lp_ele = lp_next_trusted(si->lp, si->lp_ele);
    si->fields_left--;
}

void stream_iter_remove_entry(StreamIter *si, StreamID *current) {
    unsigned char *lp = si->lp;
    int64_t flags = stream_lp_int(si->lp_flags) | STREAM_ITEM_FLAG_DELETED;
    lp = lp_replace_int(lp, &si->lp_flags, flags);
    unsigned char *p = lp_first(lp);
    int64_t aux = stream_lp_int(p);
    unsigned char key[16];
    memcpy(key, si->ri.key, 16);
    if (aux == 1) {
        lp_free(lp);
        rax_remove(si->stream->rax, key, 16, NULL);
    } else {
        lp = lp_replace_int(lp, &p, aux - 1);
        p = lp_next_trusted(lp, p);
        aux = stream_lp_int(p);
        lp = lp_replace_int(lp, &p, aux + 1);
        if (lp != si->ri.data) rax_insert(si->stream->rax, key, 16, lp, NULL);
    }
    si->stream->length--;
    /* Re-seek: the node changed under the iterator. */
    StreamID start, end;
    if (si->rev) {
        stream_id_decode(si->start_key, &start);
        end = *current;
    } else {
        start = *current;
        stream_id_decode(si->end_key, &end);
    }
    int skip = si->skip_tombstones;
    Stream *s = si->stream;
    int rev = si->rev;
    stream_iter_stop(si);
    stream_iter_start(si, s, &start, &end, rev);
    si->skip_tombstones = skip;
}

void stream_iter_stop(StreamIter *si) { rax_stop(&si->ri); }

int stream_delete_item(Stream *s, const StreamID *id) {
    StreamIter si;
    stream_iter_start(&si, s, id, id, 0);
    StreamID got;
    int64_t nf;
    int found = 0;
    if (stream_iter_get_id(&si, &got, &nf)) {
        stream_iter_remove_entry(&si, &got);
        found = 1;
    }
    stream_iter_stop(&si);
    return found;
}

void stream_edge_id(Stream *s, int first, int skip_tombstones, StreamID *id) {
    StreamIter si;
    int64_t nf;
    stream_iter_start(&si, s, NULL, NULL, !first);
    si.skip_tombstones = skip_tombstones;
    if (!stream_iter_get_id(&si, id, &nf)) {
        if (first) id->ms = id->seq = UINT64_MAX;
        else id->ms = id->seq = 0;
    }
    stream_iter_stop(&si);
}

void stream_last_valid_id(Stream *s, StreamID *id) { stream_edge_id(s, 0, 1, id); }

/* ---- the descriptor ---- */

static void stream_free_value(Obj *o) { stream_free(o->ptr); }

static void *dup_lp(const unsigned char *lp) {
    size_t n = lp_bytes(lp);
    unsigned char *c = vmalloc(n);
    memcpy(c, lp, n);
    return c;
}

static Obj *stream_dup(const Obj *o) {
    Stream *s = o->ptr;
    Obj *no = stream_new_obj();
    Stream *n = no->ptr;
    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "^", NULL, 0);
    while (rax_next(&ri)) rax_insert(n->rax, ri.key, ri.key_len, dup_lp(ri.data), NULL);
    rax_stop(&ri);
    n->length = s->length;
    n->last_id = s->last_id;
    n->first_id = s->first_id;
    n->max_deleted_entry_id = s->max_deleted_entry_id;
    n->entries_added = s->entries_added;
    if (!s->cgroups) return no;
    RaxIter gi;
    rax_start(&gi, s->cgroups);
    rax_seek(&gi, "^", NULL, 0);
    while (rax_next(&gi)) {
        StreamCG *cg = gi.data;
        StreamCG *ncg = stream_cg_create(n, (const char *)gi.key, gi.key_len, &cg->last_id, cg->entries_read);
        RaxIter pi;
        rax_start(&pi, cg->pel);
        rax_seek(&pi, "^", NULL, 0);
        while (rax_next(&pi)) {
            StreamNACK *nack = pi.data, *nn = stream_nack_new(NULL);
            nn->delivery_time = nack->delivery_time;
            nn->delivery_count = nack->delivery_count;
            rax_insert(ncg->pel, pi.key, pi.key_len, nn, NULL);
        }
        rax_stop(&pi);
        RaxIter ci;
        rax_start(&ci, cg->consumers);
        rax_seek(&ci, "^", NULL, 0);
        while (rax_next(&ci)) {
            StreamConsumer *sc = ci.data;
            StreamConsumer *nc = stream_consumer_create(ncg, sc->name, sds_len(sc->name));
            nc->seen_time = sc->seen_time;
            RaxIter cp;
            rax_start(&cp, sc->pel);
            rax_seek(&cp, "^", NULL, 0);
            while (rax_next(&cp)) {
                void *nack;
                if (rax_find(ncg->pel, cp.key, cp.key_len, &nack)) {
                    ((StreamNACK *)nack)->consumer = nc;
                    rax_insert(nc->pel, cp.key, cp.key_len, nack, NULL);
                }
            }
            rax_stop(&cp);
        }
        rax_stop(&ci);
    }
    rax_stop(&gi);
    return no;
}

static void stream_digest(const Obj *o, uint8_t d[20]) {
    StreamIter si;
    stream_iter_start(&si, o->ptr, NULL, NULL, 0);
    StreamID id;
    int64_t nf;
    while (stream_iter_get_id(&si, &id, &nf)) {
        char buf[64];
        int n = ull2string(buf, sizeof(buf), id.ms);
        buf[n++] = '.';
        n += ull2string(buf + n, sizeof(buf) - (size_t)n, id.seq);
        debug_digest_mix(d, buf, (size_t)n);
        while (nf--) {
            const unsigned char *f, *v;
            int64_t fl, vl;
            stream_iter_get_field(&si, &f, &fl, &v, &vl);
            debug_digest_mix(d, f, (size_t)fl);
            debug_digest_mix(d, v, (size_t)vl);
        }
    }
    stream_iter_stop(&si);
}

/* MEMORY USAGE, shaped as Redis's objectComputeSize: the rax, the first
 * `samples` nodes' allocations averaged over all but the last node plus the last
 * one's real size (it is usually the preallocated tail), and the groups with their
 * PELs and consumers. */
static size_t stream_mem_usage(const Obj *o, long long samples) {
    Stream *s = o->ptr;
    size_t total = sizeof(Stream) + rax_mem_usage(s->rax);
    RaxIter ri;
    rax_start(&ri, s->rax);
    rax_seek(&ri, "^", NULL, 0);
    size_t lpsize = 0;
    uint64_t n = 0, nodes = rax_size(s->rax);
    while ((samples == 0 || n < (uint64_t)samples) && rax_next(&ri)) {
        lpsize += vmalloc_size(ri.data);
        n++;
    }
    if (nodes <= n) {
        total += lpsize;
    } else {
        if (n) lpsize /= n;
        total += lpsize * (nodes - 1);
        rax_seek(&ri, "$", NULL, 0);
        if (rax_next(&ri)) total += vmalloc_size(ri.data);
    }
    rax_stop(&ri);
    if (s->cgroups) {
        total += rax_mem_usage(s->cgroups);
        RaxIter gi;
        rax_start(&gi, s->cgroups);
        rax_seek(&gi, "^", NULL, 0);
        while (rax_next(&gi)) {
            StreamCG *cg = gi.data;
            total += sizeof(*cg) + rax_mem_usage(cg->pel) + rax_size(cg->pel) * sizeof(StreamNACK);
            total += rax_mem_usage(cg->consumers);
            RaxIter ci;
            rax_start(&ci, cg->consumers);
            rax_seek(&ci, "^", NULL, 0);
            while (rax_next(&ci)) {
                StreamConsumer *c = ci.data;
                total += sizeof(*c) + sds_len(c->name) + rax_mem_usage(c->pel);
            }
            rax_stop(&ci);
        }
        rax_stop(&gi);
    }
    return total;
}

/* Redis's estimate: the radix tree's nodes, plus groups times (1 + the first
 * group's PEL size). O(1). */
static size_t stream_free_effort(const Obj *o) {
    Stream *s = o->ptr;
    size_t effort = (size_t)s->rax->numnodes;
    if (s->cgroups && rax_size(s->cgroups)) {
        RaxIter gi;
        rax_start(&gi, s->cgroups);
        rax_seek(&gi, "^", NULL, 0);
        rax_next(&gi);
        StreamCG *cg = gi.data;
        effort += (size_t)rax_size(s->cgroups) * (1 + (size_t)rax_size(cg->pel));
        rax_stop(&gi);
    }
    return effort;
}

static const ObjType stream_type = {
    .type = OBJ_STREAM,
    .name = "stream",
    .free_value = stream_free_value,
    .dup = stream_dup,
    .digest = stream_digest,
    .mem_usage = stream_mem_usage,
    .free_effort = stream_free_effort,
    .rdb_type = stream_rdb_type,
    .rdb_save = stream_rdb_save,
    .rdb_load = stream_rdb_load,
    .rdb_load_types = stream_rdb_types,
    .aof_rewrite = stream_aof_rewrite,
};

const Module stream_module = {
    .name = "streams",
    .commands = stream_commands,
    .configs = stream_configs,
    .type = &stream_type,
};
