/* set.c - the set type's value layer: its two encodings, the conversion between
 * them, membership, random members and iteration (set.h), the type's descriptor
 * (free, COPY, DEBUG DIGEST, MEMORY USAGE, lazy-free effort) and its directive,
 * set-max-intset-entries. The commands are in set_cmds.c.
 *
 * Encodings, as Redis 7.0 has them (OBJECT ENCODING reports the same):
 * - ENC_INTSET (ds/intset): a sorted blob of integers. A set starts as an intset
 *   when created for an integer member (a member whose bytes are the canonical
 *   text of a long long, as string2ll accepts them).
 * - ENC_HT (ds/strset): one length-prefixed allocation per member in a hash table.
 *
 * Invariants: an intset holds at most min(set-max-intset-entries, 2^30) members; it
 * becomes a hashtable as soon as a non-integer member or one member too many is
 * added, and a hashtable never becomes an intset again (only a set built afresh,
 * as SPOP and the STORE commands do, may start as an intset). A stored set is
 * never empty: the commands delete the key with the last member.
 *
 * Costs: intset add/remove O(n) (memmove), lookups O(log n); hashtable add, remove
 * and lookup O(1) expected; random members O(1) expected in both; conversion O(n). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "set.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/objtype.h"
#include "../core/reply.h"
#include "../core/servercmds.h"
#include "../ds/intset.h"
#include "../ds/rdbenc.h"

long long set_max_intset_entries = 512;

ConfigDef set_configs[] = {
    CONFIG_NUM("set-max-intset-entries", NULL, 0, CONFIG_UNSIGNED, set_max_intset_entries, 0, LONG_MAX, 512),
    {0},
};

/* ---- elements ---- */

const char *set_elem_str(const SetElem *e, char buf[LONG_STR_SIZE], size_t *len) {
    if (e->p) {
        *len = e->len;
        return e->p;
    }
    *len = (size_t)ll2string(buf, LONG_STR_SIZE, e->ll);
    return buf;
}

void set_elem_release(SetElem *e) {
    if (e->owned) strset_entry_free(e->owned);
    e->owned = NULL;
}

void set_reply_elem(Client *c, const SetElem *e) {
    if (e->p) reply_bulk(c, e->p, e->len);
    else reply_bulk_ll(c, e->ll);
}

static void set_elem_from_entry(SetElem *e, const StrsetEntry *entry) {
    e->p = strset_entry_bytes(entry, &e->len);
    e->owned = NULL;
}

static void set_elem_from_ll(SetElem *e, long long v) {
    e->p = NULL;
    e->len = 0;
    e->ll = v;
    e->owned = NULL;
}

/* ---- encodings ---- */

static size_t set_intset_limit(void) {
    size_t cap = is_max_safe_entries();
    return (unsigned long long)set_max_intset_entries < cap ? (size_t)set_max_intset_entries : cap;
}

Obj *set_new_intset(void) {
    Obj *o = obj_new(OBJ_SET, is_new());
    o->encoding = ENC_INTSET;
    return o;
}

static Obj *set_new_ht(void) {
    Obj *o = obj_new(OBJ_SET, strset_create());
    o->encoding = ENC_HT;
    return o;
}

Obj *set_create_for(const char *p, size_t len) {
    long long v;
    return string2ll(p, len, &v) ? set_new_intset() : set_new_ht();
}

size_t set_size(const Obj *o) {
    return o->encoding == ENC_INTSET ? is_len(o->ptr) : strset_size(o->ptr);
}

/* Rewrites an intset as a hashtable presized for its members. */
static void set_convert_to_ht(Obj *o) {
    Intset *is = o->ptr;
    Strset *s = strset_create();
    strset_expand(s, is_len(is));
    uint32_t pos = 0;
    int64_t v;
    char buf[LONG_STR_SIZE];
    while (is_next(is, &pos, &v)) {
        int n = ll2string(buf, sizeof(buf), v);
        strset_add(s, buf, (size_t)n);
    }
    is_free(is);
    o->ptr = s;
    o->encoding = ENC_HT;
}

/* Adds an integer to an intset-encoded set, converting when it grows too big. */
static int set_intset_add(Obj *o, long long v) {
    int added;
    if (is_len(o->ptr) >= is_max_safe_entries()) {
        /* full at 2^30 (set-max-intset-entries that high): a new member converts first */
        if (is_find(o->ptr, v)) return 0;
        set_convert_to_ht(o);
        char buf[LONG_STR_SIZE];
        return strset_add(o->ptr, buf, (size_t)ll2string(buf, sizeof(buf), v));
    }
    o->ptr = is_add(o->ptr, v, &added);
    if (added && is_len(o->ptr) > set_intset_limit()) set_convert_to_ht(o);
    return added;
}

int set_add(Obj *o, const char *p, size_t len) {
    if (o->encoding == ENC_HT) return strset_add(o->ptr, p, len);
    long long v;
    if (string2ll(p, len, &v)) return set_intset_add(o, v);
    set_convert_to_ht(o);
    return strset_add(o->ptr, p, len);
}

int set_remove(Obj *o, const char *p, size_t len) {
    if (o->encoding == ENC_HT) return strset_remove(o->ptr, p, len);
    long long v;
    int removed = 0;
    if (string2ll(p, len, &v)) o->ptr = is_remove(o->ptr, v, &removed);
    return removed;
}

int set_contains(Obj *o, const char *p, size_t len) {
    if (o->encoding == ENC_HT) return strset_contains(o->ptr, p, len);
    long long v;
    return string2ll(p, len, &v) && is_find(o->ptr, v);
}

int set_add_elem(Obj *o, const SetElem *e) {
    if (e->p) return set_add(o, e->p, e->len);
    if (o->encoding == ENC_INTSET) return set_intset_add(o, e->ll);
    char buf[LONG_STR_SIZE];
    return strset_add(o->ptr, buf, (size_t)ll2string(buf, sizeof(buf), e->ll));
}

int set_remove_elem(Obj *o, const SetElem *e) {
    if (e->p) return set_remove(o, e->p, e->len);
    if (o->encoding == ENC_HT) {
        char buf[LONG_STR_SIZE];
        return strset_remove(o->ptr, buf, (size_t)ll2string(buf, sizeof(buf), e->ll));
    }
    int removed;
    o->ptr = is_remove(o->ptr, e->ll, &removed);
    return removed;
}

int set_contains_elem(Obj *o, const SetElem *e) {
    if (e->p) return set_contains(o, e->p, e->len);
    if (o->encoding == ENC_INTSET) return is_find(o->ptr, e->ll);
    char buf[LONG_STR_SIZE];
    return strset_contains(o->ptr, buf, (size_t)ll2string(buf, sizeof(buf), e->ll));
}

void set_removed_some(Obj *o) {
    if (o->encoding == ENC_HT) strset_shrink(o->ptr);
}

/* ---- random members ---- */

void set_random(Obj *o, SetElem *e) {
    if (o->encoding == ENC_INTSET) set_elem_from_ll(e, is_random(o->ptr));
    else set_elem_from_entry(e, strset_random(o->ptr));
}

void set_pop_random(Obj *o, SetElem *e) {
    if (o->encoding == ENC_INTSET) {
        int64_t v = is_random(o->ptr);
        o->ptr = is_remove(o->ptr, v, NULL);
        set_elem_from_ll(e, v);
        return;
    }
    StrsetEntry *entry = strset_pop_random(o->ptr);
    set_elem_from_entry(e, entry);
    e->owned = entry;
}

/* ---- iteration ---- */

void set_iter_init(SetIter *si, Obj *o) {
    si->o = o;
    si->pos = 0;
    if (o->encoding == ENC_HT) strset_iter_init(&si->sit, o->ptr, 0);
}

int set_iter_next(SetIter *si, SetElem *e) {
    if (si->o->encoding == ENC_INTSET) {
        int64_t v;
        if (!is_next(si->o->ptr, &si->pos, &v)) return 0;
        set_elem_from_ll(e, v);
        return 1;
    }
    const StrsetEntry *entry = strset_iter_next(&si->sit);
    if (!entry) return 0;
    set_elem_from_entry(e, entry);
    return 1;
}

void set_iter_done(SetIter *si) {
    if (si->o->encoding == ENC_HT) strset_iter_done(&si->sit);
}

/* ---- the type's descriptor ---- */

static void set_free_value(Obj *o) {
    if (o->encoding == ENC_INTSET) is_free(o->ptr);
    else strset_free(o->ptr);
}

/* COPY: the same encoding, as Redis keeps it. */
static Obj *set_dup(const Obj *o) {
    void *copy = o->encoding == ENC_INTSET ? (void *)is_dup(o->ptr) : (void *)strset_dup(o->ptr);
    Obj *d = obj_new(OBJ_SET, copy);
    d->encoding = o->encoding;
    return d;
}

/* Redis digests a set as the XOR of its members' SHA1s (integers as their text),
 * so the order and the encoding do not matter. */
static void set_digest(const Obj *o, uint8_t d[20]) {
    SetIter si;
    SetElem e;
    char buf[LONG_STR_SIZE];
    set_iter_init(&si, (Obj *)o);
    while (set_iter_next(&si, &e)) {
        size_t len;
        const char *p = set_elem_str(&e, buf, &len);
        debug_digest_add(d, p, len);
    }
    set_iter_done(&si);
}

static size_t set_mem_usage(const Obj *o, long long samples) {
    if (o->encoding == ENC_INTSET) return is_mem_usage(o->ptr);
    return strset_mem_usage(o->ptr, samples > 0 ? (size_t)samples : 0);
}

static size_t set_free_effort(const Obj *o) {
    return o->encoding == ENC_HT ? strset_size(o->ptr) : 1;
}

/* ---- RDB (RDB_TYPE_SET_INTSET: the intset blob; RDB_TYPE_SET: count, members) ---- */

static int set_rdb_type(const Obj *o) {
    return o->encoding == ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
}

static int set_rdb_save(Rio *r, const Obj *o) {
    if (o->encoding == ENC_INTSET) return rdb_save_string(r, is_blob(o->ptr), is_blob_len(o->ptr));
    if (!rdb_save_len(r, strset_size(o->ptr))) return 0;
    StrsetIter it;
    const StrsetEntry *e;
    int ok = 1;
    strset_iter_init(&it, o->ptr, 0);
    while (ok && (e = strset_iter_next(&it))) {
        size_t len;
        const char *p = strset_entry_bytes(e, &len);
        ok = rdb_save_string(r, p, len);
    }
    strset_iter_done(&it);
    return ok;
}

static Obj *set_rdb_fail(Obj *o, RdbErr *err, const char *msg) {
    if (o) obj_decr(o);
    snprintf(err->msg, sizeof(err->msg), "%s", msg);
    return NULL;
}

/* Members one by one, as Redis loads them: an intset while they are integers and
 * the count is within set-max-intset-entries, else a table presized for the count. */
static Obj *set_rdb_load_members(Rio *r, RdbErr *err) {
    uint64_t len;
    if (!rdb_load_len(r, &len, NULL, err)) return NULL;
    if (len == 0) {
        err->empty = 1;
        return set_rdb_fail(NULL, err, "empty set");
    }
    Obj *o;
    if (len > (uint64_t)set_intset_limit()) {
        o = set_new_ht();
        strset_expand(o->ptr, (size_t)rdb_presize(r, len, 1));
    } else {
        o = set_new_intset();
    }
    RdbBuf buf = {0};
    while (len--) {
        size_t mlen;
        const char *m = rdb_load_str(r, &buf, RDB_STRING_MAX, &mlen, err);
        if (!m) {
            rdb_buf_free(&buf);
            obj_decr(o);
            return NULL;
        }
        long long v;
        int added;
        if (o->encoding == ENC_INTSET && string2ll(m, mlen, &v)) {
            o->ptr = is_add(o->ptr, v, &added);
        } else {
            if (o->encoding == ENC_INTSET) {
                set_convert_to_ht(o);
                strset_expand(o->ptr, (size_t)rdb_presize(r, len + 1 + strset_size(o->ptr), 1));
            }
            added = strset_add(o->ptr, m, mlen);
        }
        if (!added) {
            rdb_buf_free(&buf);
            return set_rdb_fail(o, err, "Duplicate set members detected");
        }
    }
    rdb_buf_free(&buf);
    return o;
}

static Obj *set_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    if (rdbtype == RDB_TYPE_SET) return set_rdb_load_members(r, err);
    size_t len;
    unsigned char *blob = rdb_load_blob(r, RDB_STRING_MAX, &len, err);
    if (!blob) return NULL;
    int ok = is_validate_integrity(blob, len, 1);
    Obj *o = NULL;
    if (ok) {
        o = set_new_intset();
        is_free(o->ptr);
        o->ptr = is_from_blob(blob, len);
        if (is_len(o->ptr) > set_intset_limit()) set_convert_to_ht(o);
    }
    vfree(blob);
    return ok ? o : set_rdb_fail(NULL, err, "Intset integrity check failed.");
}

static const unsigned char set_rdb_types[] = {RDB_TYPE_SET, RDB_TYPE_SET_INTSET, 255};

/* AOF rewrite without a preamble: SADD key with up to AOF_REWRITE_ITEMS_PER_CMD
 * members per command, as Redis writes it. */
static int set_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    size_t left = set_size(o), batch = 0;
    SetIter si;
    SetElem e;
    int ok = 1;
    set_iter_init(&si, (Obj *)o);
    while (ok && set_iter_next(&si, &e)) {
        if (batch == 0) {
            batch = left < AOF_REWRITE_ITEMS_PER_CMD ? left : AOF_REWRITE_ITEMS_PER_CMD;
            ok = rio_write_bulk_count(r, '*', 2 + (long long)batch) && rio_write_bulk_string(r, "SADD", 4) &&
                 rio_write_bulk_string(r, key, klen);
        }
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = set_elem_str(&e, buf, &len);
        ok = ok && rio_write_bulk_string(r, p, len);
        batch--;
        left--;
    }
    set_iter_done(&si);
    return ok;
}

/* Active defragmentation: an intset moves whole; a table's headers first, then
 * its buckets' members (about HT_BUCKET_SLOTS per step) from *cursor. */
static int set_defrag(Obj *o, unsigned long *cursor, long budget) {
    if (o->encoding == ENC_INTSET) {
        void *n = vmalloc_defrag(o->ptr);
        if (n) o->ptr = n;
        return 1;
    }
    if (*cursor == 0) {
        Strset *s = strset_defrag_struct(o->ptr);
        if (s) o->ptr = s;
    }
    do {
        *cursor = strset_defrag_step(o->ptr, *cursor);
        budget -= HT_BUCKET_SLOTS;
    } while (*cursor && budget > 0);
    return *cursor == 0;
}

const ObjType set_type = {
    .type = OBJ_SET,
    .name = "set",
    .free_value = set_free_value,
    .dup = set_dup,
    .digest = set_digest,
    .mem_usage = set_mem_usage,
    .free_effort = set_free_effort,
    .rdb_type = set_rdb_type,
    .rdb_save = set_rdb_save,
    .rdb_load = set_rdb_load,
    .rdb_load_types = set_rdb_types,
    .aof_rewrite = set_aof_rewrite,
    .defrag = set_defrag,
};
