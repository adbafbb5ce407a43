/* hash.c - the hash type: its two encodings, the conversion between them, the
 * type's descriptor (free, COPY, DEBUG DIGEST, MEMORY USAGE, lazy-free effort) and
 * its directives. The commands are in hash_cmds.c.
 *
 * Encodings (OBJECT ENCODING names in quotes):
 * - "listpack" (ENC_LISTPACK): o->ptr is an fpack (src/ds/fpack.h) of field, value,
 *   field, value ... in insertion order: listpack entries without their backlens,
 *   canonical integers stored as numbers, as Redis does. Nothing a hash does walks
 *   backwards, so the backlen byte per field and per value that a listpack spends
 *   would buy nothing, and dropping it puts typical small hashes one jemalloc size
 *   class lower. Redis 7.0 calls this encoding "listpack", and so does OBJECT
 *   ENCODING here; RDB and DUMP write it as the listpack Redis would hold
 *   (RDB_TYPE_HASH_LISTPACK, fpack_to_listpack on save), and a loaded listpack is
 *   validated (entries, even count, unique fields) and converted to an fpack.
 * - "hashtable": o->ptr is a Strmap (src/ds/strmap.h), one allocation per pair.
 *
 * Invariants:
 * - A listpack hash has at most hash-max-listpack-entries fields, none of its
 *   fields or values written since the last directive change is longer than
 *   hash-max-listpack-value, and its listpack form stays below the listpack's
 *   safe size (fpack_safe_to_add), as Redis's listpack does.
 * - A hash converts from listpack to table exactly when Redis 7.0 does: before a
 *   write whose field or value is too long (or would make the listpack unsafe),
 *   after a write that leaves too many fields. It never converts back.
 * - A stored hash is never empty: the commands delete the key with its last field.
 *
 * Costs: listpack-encoded lookups, writes and deletes are O(n) in the fpack's
 * bytes (n <= hash-max-listpack-entries); table operations O(1) expected;
 * conversion, copy, digest, iteration and RDB save (a temporary listpack) O(n). */
#include <limits.h>
#include <string.h>
#include "hash.h"
#include "../base/alloc.h"
#include "../base/panic.h"
#include "../core/command.h"
#include "../core/config_table.h"
#include "../core/module.h"
#include "../core/objtype.h"
#include "../core/servercmds.h"
#include "../ds/fpack.h"
#include "../ds/listpack.h"
#include "../ds/rdbenc.h"
#include "../ds/ziplist.h"
#include "../ds/zipmap.h"
#include <stdio.h>

HashConfig hash_cfg = {512, 64};
/* The command table (hash_cmds.c). */
extern Command hash_commands[];

/* ---- strings read from either encoding ---- */

static void hash_str_from_fp(const unsigned char *p, HashStr *out) {
    LpEntry e;
    fpack_get(p, &e);
    out->s = (const char *)e.sval;
    out->len = e.slen;
    out->ll = e.lval;
}

const char *hash_str_bytes(const HashStr *h, char *buf, size_t *len) {
    if (h->s) {
        *len = h->len;
        return h->s;
    }
    *len = (size_t)ll2string(buf, LONG_STR_SIZE, h->ll);
    return buf;
}

void hash_reply_str(Client *c, const HashStr *h) {
    if (h->s) reply_bulk(c, h->s, h->len);
    else reply_bulk_ll(c, h->ll);
}

void hash_entry_field(const StrmapEntry *e, HashStr *out) {
    out->s = strmap_entry_field(e, &out->len);
    out->ll = 0;
}

void hash_entry_value(const StrmapEntry *e, HashStr *out) {
    out->s = strmap_entry_value(e, &out->len);
    out->ll = 0;
}

/* ---- the value ---- */

Obj *hash_create(void) {
    Obj *o = obj_new(OBJ_HASH, fpack_new());
    o->encoding = ENC_LISTPACK;
    return o;
}

unsigned long hash_length(const Obj *o) {
    if (o->encoding == ENC_LISTPACK) return fpack_pairs(o->ptr);
    return strmap_size(o->ptr);
}

/* The fpack entry of field f, or NULL. */
static unsigned char *hash_fp_find(unsigned char *pack, const char *f, size_t flen) {
    if (flen > UINT32_MAX) return NULL;
    return fpack_find(pack, (const unsigned char *)f, (uint32_t)flen);
}

int hash_get(Obj *o, const char *f, size_t flen, HashStr *v) {
    if (o->encoding == ENC_LISTPACK) {
        unsigned char *fp = hash_fp_find(o->ptr, f, flen);
        if (!fp) return 0;
        hash_str_from_fp(fpack_next(o->ptr, fp), v);
        return 1;
    }
    const StrmapEntry *e = strmap_find(o->ptr, f, flen);
    if (!e) return 0;
    hash_entry_value(e, v);
    return 1;
}

void hash_try_convert(Obj *o, Obj **argv, int first, int last) {
    if (o->encoding != ENC_LISTPACK) return;
    size_t sum = 0;
    for (int i = first; i <= last; i++) {
        size_t len = sds_len(argv[i]->ptr);
        if ((unsigned long long)len > (unsigned long long)hash_cfg.max_listpack_value) {
            hash_convert(o);
            return;
        }
        sum += len;
    }
    if (!fpack_safe_to_add(o->ptr, sum)) hash_convert(o);
}

static int hash_fp_set(Obj *o, const char *f, size_t flen, const char *v, size_t vlen) {
    int added;
    o->ptr = fpack_set(o->ptr, (const unsigned char *)f, (uint32_t)flen, (const unsigned char *)v, (uint32_t)vlen,
                       &added);
    if ((unsigned long long)hash_length(o) > (unsigned long long)hash_cfg.max_listpack_entries) hash_convert(o);
    return added;
}

int hash_set(Obj *o, const char *f, size_t flen, const char *v, size_t vlen) {
    if (o->encoding == ENC_LISTPACK) {
        unsigned long long max = (unsigned long long)hash_cfg.max_listpack_value;
        /* HINCRBY* reach here without hash_try_convert; the safe-size check keeps a
         * listpack that a huge max value allows from passing 1 GB */
        if (flen > max || vlen > max || !fpack_safe_to_add(o->ptr, flen + vlen)) hash_convert(o);
        else return hash_fp_set(o, f, flen, v, vlen);
    }
    return strmap_set(o->ptr, f, flen, v, vlen);
}

int hash_delete(Obj *o, const char *f, size_t flen) {
    if (o->encoding == ENC_LISTPACK) {
        int deleted;
        if (flen > UINT32_MAX) return 0;
        o->ptr = fpack_delete(o->ptr, (const unsigned char *)f, (uint32_t)flen, &deleted);
        return deleted;
    }
    return strmap_delete(o->ptr, f, flen);
}

void hash_convert(Obj *o) {
    if (o->encoding != ENC_LISTPACK) return;
    unsigned char *pack = o->ptr;
    Strmap *m = strmap_create();
    strmap_expand(m, hash_length(o));
    for (unsigned char *fp = fpack_first(pack); fp; fp = fpack_next(pack, fpack_next(pack, fp))) {
        HashStr fs, vs;
        char fbuf[LONG_STR_SIZE], vbuf[LONG_STR_SIZE];
        size_t flen, vlen;
        hash_str_from_fp(fp, &fs);
        hash_str_from_fp(fpack_next(pack, fp), &vs);
        const char *f = hash_str_bytes(&fs, fbuf, &flen), *v = hash_str_bytes(&vs, vbuf, &vlen);
        if (!strmap_add(m, f, flen, v, vlen)) panic("Listpack corruption detected");
    }
    fpack_free(pack);
    o->ptr = m;
    o->encoding = ENC_HT;
}

void hash_random(Obj *o, HashStr *f, HashStr *v) {
    if (o->encoding == ENC_LISTPACK) {
        LpEntry k, val;
        fpack_random_pair(o->ptr, &k, v ? &val : NULL);
        f->s = (const char *)k.sval, f->len = k.slen, f->ll = k.lval;
        if (v) v->s = (const char *)val.sval, v->len = val.slen, v->ll = val.lval;
        return;
    }
    const StrmapEntry *e = strmap_random(o->ptr);
    hash_entry_field(e, f);
    if (v) hash_entry_value(e, v);
}

/* ---- iteration ---- */

void hash_iter_init(HashIter *it, Obj *o) {
    it->o = o;
    it->fp = it->vp = NULL;
    it->e = NULL;
    if (o->encoding == ENC_HT) strmap_iter_init(&it->si, o->ptr, 0);
}

int hash_iter_next(HashIter *it) {
    if (it->o->encoding == ENC_HT) return (it->e = strmap_iter_next(&it->si)) != NULL;
    unsigned char *pack = it->o->ptr;
    it->fp = it->fp ? fpack_next(pack, it->vp) : fpack_first(pack);
    if (!it->fp) return 0;
    it->vp = fpack_next(pack, it->fp);
    return 1;
}

void hash_iter_field(const HashIter *it, HashStr *out) {
    if (it->o->encoding == ENC_HT) hash_entry_field(it->e, out);
    else hash_str_from_fp(it->fp, out);
}

void hash_iter_value(const HashIter *it, HashStr *out) {
    if (it->o->encoding == ENC_HT) hash_entry_value(it->e, out);
    else hash_str_from_fp(it->vp, out);
}

void hash_iter_done(HashIter *it) {
    if (it->o->encoding == ENC_HT) strmap_iter_done(&it->si);
}

/* ---- the type's descriptor ---- */

static void hash_free_value(Obj *o) {
    if (o->encoding == ENC_LISTPACK) fpack_free(o->ptr);
    else strmap_free(o->ptr);
}

static Obj *hash_dup(const Obj *o) {
    Obj *d;
    if (o->encoding == ENC_LISTPACK) {
        size_t n = fpack_bytes(o->ptr);
        unsigned char *pack = vmalloc(n);
        memcpy(pack, o->ptr, n);
        d = obj_new(OBJ_HASH, pack);
    } else {
        d = obj_new(OBJ_HASH, strmap_dup(o->ptr));
    }
    d->encoding = o->encoding;
    return d;
}

/* Each pair is digested on its own (field then value, order-dependent) and the
 * pairs are combined order-independently, as Redis does. */
static void hash_digest(const Obj *o, uint8_t d[20]) {
    HashIter it;
    hash_iter_init(&it, (Obj *)o);
    while (hash_iter_next(&it)) {
        uint8_t pair[20] = {0};
        HashStr h;
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p;
        hash_iter_field(&it, &h);
        p = hash_str_bytes(&h, buf, &len);
        debug_digest_mix(pair, p, len);
        hash_iter_value(&it, &h);
        p = hash_str_bytes(&h, buf, &len);
        debug_digest_mix(pair, p, len);
        debug_digest_add(d, pair, sizeof(pair));
    }
    hash_iter_done(&it);
}

static size_t hash_mem_usage(const Obj *o, long long samples) {
    if (o->encoding == ENC_LISTPACK) return vmalloc_size(o->ptr);
    return strmap_mem_usage(o->ptr, samples < 0 ? 0 : (size_t)samples);
}

static size_t hash_free_effort(const Obj *o) {
    return o->encoding == ENC_HT ? strmap_size(o->ptr) : 1;
}

/* ---- RDB (RDB_TYPE_HASH_LISTPACK: the listpack blob; RDB_TYPE_HASH: count, pairs) ---- */

static int hash_rdb_type(const Obj *o) {
    return o->encoding == ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
}

static int hash_rdb_save(Rio *r, const Obj *o) {
    if (o->encoding == ENC_LISTPACK) { /* the listpack Redis would hold */
        unsigned char buf[1024];
        unsigned char *lp = fpack_to_listpack_in(o->ptr, buf, sizeof(buf));
        int ok = rdb_save_string(r, lp, lp_bytes(lp));
        if (lp != buf) lp_free(lp);
        return ok;
    }
    if (!rdb_save_len(r, strmap_size(o->ptr))) return 0;
    StrmapIter it;
    const StrmapEntry *e;
    int ok = 1;
    strmap_iter_init(&it, o->ptr, 0);
    while (ok && (e = strmap_iter_next(&it))) {
        size_t flen, vlen;
        const char *f = strmap_entry_field(e, &flen), *v = strmap_entry_value(e, &vlen);
        ok = rdb_save_string(r, f, flen) && rdb_save_string(r, v, vlen);
    }
    strmap_iter_done(&it);
    return ok;
}

static Obj *hash_rdb_fail(Obj *o, RdbErr *err, const char *msg) {
    if (o) obj_decr(o);
    if (msg) snprintf(err->msg, sizeof(err->msg), "%s", msg);
    return NULL;
}

/* Pairs one by one, as Redis 7.0 loads them: a listpack while the count, the
 * lengths and the listpack's safe size allow, else a table presized for the count. */
static Obj *hash_rdb_load_pairs(Rio *r, RdbErr *err) {
    uint64_t len;
    if (!rdb_load_len(r, &len, NULL, err)) return NULL;
    if (len == 0) {
        err->empty = 1;
        return hash_rdb_fail(NULL, err, "empty hash");
    }
    Obj *o = hash_create();
    if (len > (unsigned long long)hash_cfg.max_listpack_entries) {
        hash_convert(o);
        strmap_expand(o->ptr, (size_t)rdb_presize(r, len, 2));
    }
    unsigned long long max = (unsigned long long)hash_cfg.max_listpack_value;
    RdbBuf fb = {0}, vb = {0};
    while (len--) {
        size_t flen, vlen;
        const char *f = rdb_load_str(r, &fb, RDB_STRING_MAX, &flen, err);
        const char *v = f ? rdb_load_str(r, &vb, RDB_STRING_MAX, &vlen, err) : NULL;
        if (!v) {
            rdb_buf_free(&fb);
            rdb_buf_free(&vb);
            return hash_rdb_fail(o, err, NULL);
        }
        int added = 1;
        if (o->encoding == ENC_LISTPACK && (flen > max || vlen > max || !fpack_safe_to_add(o->ptr, flen + vlen))) {
            /* the pairs so far must be unique before the table takes them */
            if (fpack_pairs_unique(o->ptr)) hash_convert(o);
            else added = 0;
        }
        if (added && o->encoding == ENC_LISTPACK) {
            o->ptr = fpack_append(o->ptr, (const unsigned char *)f, (uint32_t)flen, (const unsigned char *)v,
                                  (uint32_t)vlen);
        } else if (added) {
            added = strmap_add(o->ptr, f, flen, v, vlen);
        }
        if (!added) {
            rdb_buf_free(&fb);
            rdb_buf_free(&vb);
            return hash_rdb_fail(o, err, "Duplicate hash fields detected");
        }
    }
    rdb_buf_free(&fb);
    rdb_buf_free(&vb);
    if (o->encoding == ENC_LISTPACK && !fpack_pairs_unique(o->ptr))
        return hash_rdb_fail(o, err, "Duplicate hash fields detected");
    return o;
}

/* The longest field or value of a listpack hash. */
static size_t hash_lp_max_len(unsigned char *lp) {
    size_t max = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        uint32_t len;
        unsigned char buf[LP_INTBUF_SIZE];
        lp_get_str(p, &len, buf);
        if (len > max) max = len;
    }
    return max;
}

/* RDB_TYPE_HASH_ZIPLIST / RDB_TYPE_HASH_ZIPMAP (files before Redis 7.0 / 2.6):
 * validated and converted to a listpack, or NULL with Redis's reason. */
static unsigned char *hash_rdb_legacy(unsigned char *blob, size_t len, int rdbtype, RdbErr *err) {
    size_t pairs;
    unsigned char *lp = rdbtype == RDB_TYPE_HASH_ZIPLIST ? zl_pairs_to_listpack(blob, len, &pairs)
                                                         : zm_to_listpack(blob, len, &pairs);
    vfree(blob);
    if (!lp) hash_rdb_fail(NULL, err, rdbtype == RDB_TYPE_HASH_ZIPLIST ? "Hash ziplist integrity check failed."
                                                                       : "Zipmap integrity check failed.");
    return lp;
}

static Obj *hash_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    if (rdbtype == RDB_TYPE_HASH) return hash_rdb_load_pairs(r, err);
    size_t len;
    unsigned char *lp = rdb_load_blob(r, RDB_STRING_MAX, &len, err);
    if (!lp) return NULL;
    int legacy = rdbtype != RDB_TYPE_HASH_LISTPACK;
    if (legacy) {
        if (!(lp = hash_rdb_legacy(lp, len, rdbtype, err))) return NULL;
        len = lp_bytes(lp);
    }
    unsigned long pairs;
    if (!rdb_lp_pairs_valid(lp, len, &pairs)) {
        vfree(lp);
        return hash_rdb_fail(NULL, err, "Hash listpack integrity check failed.");
    }
    if (pairs == 0) {
        vfree(lp);
        err->empty = 1;
        return hash_rdb_fail(NULL, err, "empty hash");
    }
    /* a zipmap also converts when a field or value is too long, as Redis loads it */
    int convert = pairs > (unsigned long long)hash_cfg.max_listpack_entries ||
                  (rdbtype == RDB_TYPE_HASH_ZIPMAP && hash_lp_max_len(lp) > (unsigned long long)hash_cfg.max_listpack_value);
    Obj *o = obj_new(OBJ_HASH, fpack_from_listpack(lp));
    o->encoding = ENC_LISTPACK;
    vfree(lp);
    if (convert) hash_convert(o);
    return o;
}

static const unsigned char hash_rdb_types[] = {RDB_TYPE_HASH, RDB_TYPE_HASH_ZIPMAP, RDB_TYPE_HASH_ZIPLIST,
                                               RDB_TYPE_HASH_LISTPACK, 255};

static int hash_write_str(Rio *r, const HashStr *h) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = hash_str_bytes(h, buf, &len);
    return rio_write_bulk_string(r, p, len);
}

/* AOF rewrite without a preamble: HMSET key with up to AOF_REWRITE_ITEMS_PER_CMD
 * pairs per command, as Redis writes it. */
static int hash_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    unsigned long left = hash_length(o), batch = 0;
    HashIter it;
    int ok = 1;
    hash_iter_init(&it, (Obj *)o);
    while (ok && hash_iter_next(&it)) {
        if (batch == 0) {
            batch = left < AOF_REWRITE_ITEMS_PER_CMD ? left : AOF_REWRITE_ITEMS_PER_CMD;
            ok = rio_write_bulk_count(r, '*', 2 + 2 * (long long)batch) && rio_write_bulk_string(r, "HMSET", 5) &&
                 rio_write_bulk_string(r, key, klen);
        }
        HashStr f, v;
        hash_iter_field(&it, &f);
        hash_iter_value(&it, &v);
        ok = ok && hash_write_str(r, &f) && hash_write_str(r, &v);
        batch--;
        left--;
    }
    hash_iter_done(&it);
    return ok;
}

/* Active defragmentation: a small hash (fpack) moves whole; a table's headers first, then
 * its buckets' pairs (about HT_BUCKET_SLOTS per step) from *cursor. */
static int hash_defrag(Obj *o, unsigned long *cursor, long budget) {
    if (o->encoding == ENC_LISTPACK) {
        void *n = vmalloc_defrag(o->ptr);
        if (n) o->ptr = n;
        return 1;
    }
    if (*cursor == 0) {
        Strmap *m = strmap_defrag_struct(o->ptr);
        if (m) o->ptr = m;
    }
    do {
        *cursor = strmap_defrag_step(o->ptr, *cursor);
        budget -= HT_BUCKET_SLOTS;
    } while (*cursor && budget > 0);
    return *cursor == 0;
}

static const ObjType hash_type = {
    .type = OBJ_HASH,
    .name = "hash",
    .free_value = hash_free_value,
    .dup = hash_dup,
    .digest = hash_digest,
    .mem_usage = hash_mem_usage,
    .free_effort = hash_free_effort,
    .rdb_type = hash_rdb_type,
    .rdb_save = hash_rdb_save,
    .rdb_load = hash_rdb_load,
    .rdb_load_types = hash_rdb_types,
    .aof_rewrite = hash_aof_rewrite,
    .defrag = hash_defrag,
};

static ConfigDef hash_configs[] = {
    CONFIG_NUM("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, CONFIG_UNSIGNED,
               hash_cfg.max_listpack_entries, 0, LONG_MAX, 512),
    CONFIG_NUM("hash-max-listpack-value", "hash-max-ziplist-value", 0, CONFIG_UNSIGNED | CONFIG_MEMORY,
               hash_cfg.max_listpack_value, 0, LONG_MAX, 64),
    {0},
};

const Module hash_module = {
    .name = "hashes",
    .commands = hash_commands,
    .configs = hash_configs,
    .type = &hash_type,
};
