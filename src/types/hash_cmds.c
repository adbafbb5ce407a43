/* hash_cmds.c - the hash commands: writes (HSET, HMSET, HSETNX, HDEL, HINCRBY,
 * HINCRBYFLOAT), reads (HGET, HMGET, HEXISTS, HLEN, HSTRLEN, HKEYS, HVALS,
 * HGETALL), HRANDFIELD and HSCAN, and their command table. The value layer is
 * hash.c.
 *
 * Invariants:
 * - Replies, error texts and their order of checks are Redis 7.0's: argument
 *   errors that Redis finds before the key lookup come first here too.
 * - A write that changes the hash calls db_changed once with Redis's event name
 *   ("hset", "hdel", "hincrby", "hincrbyfloat") and adds to the dirty counter what
 *   Redis adds (one per pair for HSET, one per field for HDEL); a key left empty is
 *   deleted with a "del" event. A command that changes nothing never calls it.
 * - HINCRBYFLOAT propagates as HSET key field <result>.
 *
 * Costs: per command O(fields given) times the encoding's lookup cost; HKEYS,
 * HVALS, HGETALL O(n); HRANDFIELD O(count), plus O(n) when count is between a
 * third of the hash and its size; HSCAN O(COUNT) for a table (bounded by
 * 10*COUNT buckets), O(n) for a listpack (returned whole, cursor 0). */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "hash.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/scan.h"
#include "../core/server.h"
#include "../ds/fpack.h"

/* ---- shared helpers ---- */

/* Stores a new empty hash at argv[1] (missing) and returns it. */
static Obj *hash_add_key(Client *c) {
    return db_add(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), hash_create());
}

/* The hash at argv[1] for a write, created empty when missing; NULL (after
 * replying WRONGTYPE) when the key holds another type. */
static Obj *hash_lookup_create(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_HASH)) return NULL;
    return o ? o : hash_add_key(c);
}

/* The hash at argv[1] for a read; when missing replies :0 and returns NULL. */
static Obj *hash_lookup_or_zero(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return NULL;
    }
    return db_check_type(c, o, OBJ_HASH) ? o : NULL;
}

static int hash_get_arg(Obj *o, Client *c, int i, HashStr *v) {
    return hash_get(o, arg_str(c, i), arg_len(c, i), v);
}

/* The field's value for HGET/HMGET: a bulk string or nil. */
static void hash_reply_field(Client *c, Obj *o, int i) {
    HashStr v;
    if (o && hash_get_arg(o, c, i, &v)) hash_reply_str(c, &v);
    else reply_null(c);
}

/* ---- writes ---- */

static void hash_set_generic(Client *c, int hmset) {
    if (c->argc % 2 == 1) {
        reply_error_arity(c);
        return;
    }
    Obj *o = hash_lookup_create(c);
    if (!o) return;
    hash_try_convert(o, c->argv, 2, c->argc - 1);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2)
        created += hash_set(o, arg_str(c, i), arg_len(c, i), arg_str(c, i + 1), arg_len(c, i + 1));
    if (hmset) reply_ok(c);
    else reply_long(c, created);
    db_changed(c->db, c->argv[1], NOTIFY_HASH, "hset");
    server.stat.dirty += (c->argc - 2) / 2 - 1;   /* Redis counts every pair */
}

static void hash_hset_cmd(Client *c) { hash_set_generic(c, 0); }
static void hash_hmset_cmd(Client *c) { hash_set_generic(c, 1); }

static void hash_hsetnx_cmd(Client *c) {
    Obj *o = hash_lookup_create(c);
    if (!o) return;
    HashStr v;
    if (hash_get_arg(o, c, 2, &v)) {
        reply_long(c, 0);
        return;
    }
    hash_try_convert(o, c->argv, 2, 3);
    hash_set(o, arg_str(c, 2), arg_len(c, 2), arg_str(c, 3), arg_len(c, 3));
    reply_long(c, 1);
    db_changed(c->db, c->argv[1], NOTIFY_HASH, "hset");
}

static void hash_hdel_cmd(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_HASH)) return;
    long long deleted = 0;
    int removed = 0;
    for (int j = 2; j < c->argc; j++) {
        if (!hash_delete(o, arg_str(c, j), arg_len(c, j))) continue;
        deleted++;
        if (hash_length(o) == 0) {
            db_delete_lazy(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), lazyfree_cfg.server_del);
            removed = 1;
            break;
        }
    }
    if (deleted) {
        db_changed(c->db, c->argv[1], NOTIFY_HASH, "hdel");
        if (removed) notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
        server.stat.dirty += deleted - 1;
    }
    reply_long(c, deleted);
}

static void hash_hincrby_cmd(Client *c) {
    long long incr, value = 0;
    if (!arg_ll(c, c->argv[3], &incr, NULL)) return;
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_HASH)) return;
    HashStr cur;
    if (o && hash_get_arg(o, c, 2, &cur)) {
        if (!cur.s) value = cur.ll;
        else if (!string2ll(cur.s, cur.len, &value)) {
            reply_error(c, "hash value is not an integer");
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, "increment or decrement would overflow");
        return;
    }
    value += incr;
    if (!o) o = hash_add_key(c);
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), value);
    hash_set(o, arg_str(c, 2), arg_len(c, 2), buf, (size_t)len);
    reply_long(c, value);
    db_changed(c->db, c->argv[1], NOTIFY_HASH, "hincrby");
}

/* The field's current value as a long double (0 when absent); 0 after replying
 * when it is not a number. */
static int hash_current_ld(Client *c, Obj *o, long double *value) {
    HashStr cur;
    *value = 0;
    if (!o || !hash_get_arg(o, c, 2, &cur)) return 1;
    if (!cur.s) {
        *value = (long double)cur.ll;
        return 1;
    }
    if (string2ld(cur.s, cur.len, value)) return 1;
    reply_error(c, "hash value is not a float");
    return 0;
}

static void hash_hincrbyfloat_cmd(Client *c) {
    long double incr, value;
    if (!arg_ld(c, c->argv[3], &incr, NULL)) return;
    if (isnan(incr) || isinf(incr)) {
        reply_error(c, "value is NaN or Infinity");
        return;
    }
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_HASH) || !hash_current_ld(c, o, &value)) return;
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "increment would produce NaN or Infinity");
        return;
    }
    if (!o) o = hash_add_key(c);
    char buf[MAX_LONG_DOUBLE_CHARS];
    int len = ld2string(buf, sizeof(buf), value, 1);
    hash_set(o, arg_str(c, 2), arg_len(c, 2), buf, (size_t)len);
    reply_bulk(c, buf, (size_t)len);
    db_changed(c->db, c->argv[1], NOTIFY_HASH, "hincrbyfloat");
    /* replicas store the result's text, whatever their float formatting */
    Obj *text = obj_raw_string(buf, (size_t)len);
    propagate_replace_objs(c, obj_word(WORD_HSET), c->argv[1], c->argv[2], text, NULL);
    obj_decr(text);
}

/* ---- reads ---- */

static void hash_hget_cmd(Client *c) {
    Obj *o = db_lookup_read_or_reply(c, c->argv[1], OBJ_HASH);
    if (o) hash_reply_field(c, o, 2);
}

static void hash_hmget_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_HASH)) return;
    reply_array_len(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) hash_reply_field(c, o, i);
}

static void hash_hlen_cmd(Client *c) {
    Obj *o = hash_lookup_or_zero(c);
    if (o) reply_long(c, (long long)hash_length(o));
}

static void hash_hstrlen_cmd(Client *c) {
    Obj *o = hash_lookup_or_zero(c);
    if (!o) return;
    HashStr v;
    size_t len = 0;
    if (hash_get_arg(o, c, 2, &v)) {
        char buf[LONG_STR_SIZE];
        hash_str_bytes(&v, buf, &len);
    }
    reply_long(c, (long long)len);
}

static void hash_hexists_cmd(Client *c) {
    Obj *o = hash_lookup_or_zero(c);
    HashStr v;
    if (o) reply_long(c, hash_get_arg(o, c, 2, &v));
}

#define WANT_FIELDS 1
#define WANT_VALUES 2

/* HKEYS, HVALS, HGETALL (a map in RESP3). */
static void hash_getall_generic(Client *c, int what) {
    int both = what == (WANT_FIELDS | WANT_VALUES);
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_HASH)) return;
    long n = o ? (long)hash_length(o) : 0;
    if (both) reply_map_len(c, n);
    else reply_array_len(c, n);
    if (!o) return;
    HashIter it;
    HashStr h;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        if (what & WANT_FIELDS) {
            hash_iter_field(&it, &h);
            hash_reply_str(c, &h);
        }
        if (what & WANT_VALUES) {
            hash_iter_value(&it, &h);
            hash_reply_str(c, &h);
        }
    }
    hash_iter_done(&it);
}

static void hash_hkeys_cmd(Client *c) { hash_getall_generic(c, WANT_FIELDS); }
static void hash_hvals_cmd(Client *c) { hash_getall_generic(c, WANT_VALUES); }
static void hash_hgetall_cmd(Client *c) { hash_getall_generic(c, WANT_FIELDS | WANT_VALUES); }

/* ---- HRANDFIELD ---- */

/* Negative counts of a listpack are served in batches of at most this many picks. */
#define RANDFIELD_BATCH 1000
/* Up to a third of the hash, distinct fields are picked at random; beyond, the
 * whole hash is shuffled (Redis's HRANDFIELD_SUB_STRATEGY_MUL). */
#define RANDFIELD_SUB_MUL 3

/* One returned field (and value): RESP3 nests each pair in an array of two. */
static void rf_reply_pair(Client *c, const HashStr *f, const HashStr *v) {
    if (v && c->resp > 2) reply_array_len(c, 2);
    hash_reply_str(c, f);
    if (v) hash_reply_str(c, v);
}

static void rf_reply_lp(Client *c, const LpEntry *e) {
    if (e->sval) reply_bulk(c, e->sval, e->slen);
    else reply_bulk_ll(c, e->lval);
}

static void rf_reply_lp_pairs(Client *c, unsigned n, const LpEntry *keys, const LpEntry *vals) {
    for (unsigned i = 0; i < n; i++) {
        if (vals && c->resp > 2) reply_array_len(c, 2);
        rf_reply_lp(c, &keys[i]);
        if (vals) rf_reply_lp(c, &vals[i]);
    }
}

/* A negative count: count picks with repetitions, in random order. */
static void rf_with_repeats(Client *c, Obj *o, unsigned long count, int withvalues) {
    if (o->encoding == ENC_HT) {
        while (count--) {
            HashStr f, v;
            hash_random(o, &f, withvalues ? &v : NULL);
            rf_reply_pair(c, &f, withvalues ? &v : NULL);
            if (c->flags & CLIENT_CLOSE_ASAP) break;
        }
        return;
    }
    unsigned long limit = count > RANDFIELD_BATCH ? RANDFIELD_BATCH : count;
    LpEntry *keys = vmalloc(sizeof(LpEntry) * limit);
    LpEntry *vals = withvalues ? vmalloc(sizeof(LpEntry) * limit) : NULL;
    while (count) {
        unsigned n = (unsigned)(count > limit ? limit : count);
        count -= n;
        fpack_random_pairs(o->ptr, n, keys, vals);
        rf_reply_lp_pairs(c, n, keys, vals);
        if (c->flags & CLIENT_CLOSE_ASAP) break;
    }
    vfree(keys);
    vfree(vals);
}

/* count >= the hash's size: every pair. */
static void rf_all(Client *c, Obj *o, int withvalues) {
    HashIter it;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        HashStr f, v;
        hash_iter_field(&it, &f);
        if (withvalues) hash_iter_value(&it, &v);
        rf_reply_pair(c, &f, withvalues ? &v : NULL);
    }
    hash_iter_done(&it);
}

/* count close to the size: a random subset from a partial shuffle of all pairs. */
static void rf_shuffle(Client *c, Obj *o, unsigned long count, unsigned long size, int withvalues) {
    HashStr *pairs = vmalloc(sizeof(HashStr) * 2 * size);
    unsigned long n = 0;
    HashIter it;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        hash_iter_field(&it, &pairs[2 * n]);
        hash_iter_value(&it, &pairs[2 * n + 1]);
        n++;
    }
    hash_iter_done(&it);
    for (unsigned long i = 0; i < count; i++) {
        unsigned long j = i + (unsigned long)(rand_u64() % (n - i));
        HashStr f = pairs[2 * i], v = pairs[2 * i + 1];
        pairs[2 * i] = pairs[2 * j], pairs[2 * i + 1] = pairs[2 * j + 1];
        pairs[2 * j] = f, pairs[2 * j + 1] = v;
        rf_reply_pair(c, &pairs[2 * i], withvalues ? &pairs[2 * i + 1] : NULL);
    }
    vfree(pairs);
}

static uint64_t rf_hash(const void *key, size_t len) { return hash_bytes(key, len); }
static const void *rf_entry_key(const void *entry, size_t *len) { return strmap_entry_field(entry, len); }
/* A set of pairs of one Strmap, by field (the pairs are borrowed). */
static const HtType rf_seen_type = {rf_hash, rf_entry_key, NULL, NULL};

/* count well below the size: distinct random picks. */
static void rf_distinct(Client *c, Obj *o, unsigned long count, int withvalues) {
    if (o->encoding == ENC_LISTPACK) {
        LpEntry *keys = vmalloc(sizeof(LpEntry) * count);
        LpEntry *vals = withvalues ? vmalloc(sizeof(LpEntry) * count) : NULL;
        unsigned n = fpack_random_pairs_unique(o->ptr, (unsigned)count, keys, vals);
        rf_reply_lp_pairs(c, n, keys, vals);
        vfree(keys);
        vfree(vals);
        return;
    }
    Ht *seen = ht_create(&rf_seen_type);
    ht_expand(seen, count);
    for (unsigned long added = 0; added < count;) {
        const StrmapEntry *e = strmap_random(o->ptr);
        if (!ht_add(seen, (void *)e)) continue;
        added++;
        HashStr f, v;
        hash_entry_field(e, &f);
        hash_entry_value(e, &v);
        rf_reply_pair(c, &f, withvalues ? &v : NULL);
    }
    ht_release(seen);
}

static void rf_with_count(Client *c, long l, int withvalues) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_array_len(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_HASH)) return;
    unsigned long size = hash_length(o);
    int distinct = l >= 0;
    unsigned long count = distinct ? (unsigned long)l : (unsigned long)-l;
    if (count == 0) {
        reply_array_len(c, 0);
        return;
    }
    if (!distinct || count == 1) {
        reply_array_len(c, (long)(withvalues && c->resp == 2 ? count * 2 : count));
        rf_with_repeats(c, o, count, withvalues);
        return;
    }
    unsigned long n = count < size ? count : size;
    reply_array_len(c, (long)(withvalues && c->resp == 2 ? n * 2 : n));
    if (count >= size) rf_all(c, o, withvalues);
    else if (count * RANDFIELD_SUB_MUL > size) rf_shuffle(c, o, count, size, withvalues);
    else rf_distinct(c, o, count, withvalues);
}

static void hash_hrandfield_cmd(Client *c) {
    if (c->argc >= 3) {
        long long l;
        if (!arg_ll(c, c->argv[2], &l, NULL)) return;
        if (l < -LONG_MAX || l > LONG_MAX) {
            reply_errorf(c, "value is out of range, value must between %ld and %ld", -LONG_MAX, LONG_MAX);
            return;
        }
        int withvalues = c->argc == 4;
        if (c->argc > 4 || (withvalues && !arg_is(c->argv[3], "withvalues"))) {
            reply_error_syntax(c);
            return;
        }
        if (withvalues && (l < -LONG_MAX / 2 || l > LONG_MAX / 2)) {
            reply_error(c, "value is out of range");
            return;
        }
        rf_with_count(c, (long)l, withvalues);
        return;
    }
    Obj *o = db_lookup_read_or_reply(c, c->argv[1], OBJ_HASH);
    if (!o) return;
    HashStr f;
    hash_random(o, &f, NULL);
    hash_reply_str(c, &f);
}

/* ---- HSCAN ---- */

typedef struct ScanBatch {
    const StrmapEntry **e;
    size_t n, cap;
} ScanBatch;

static void hscan_collect(void *privdata, const StrmapEntry *e) {
    ScanBatch *b = privdata;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->e = vrealloc(b->e, b->cap * sizeof(*b->e));
    }
    b->e[b->n++] = e;
}

static int hscan_keep(const ScanArgs *a, const HashStr *f) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = hash_str_bytes(f, buf, &len);
    return scan_match(a, p, len);
}

/* A listpack is small: every matching pair at once, cursor 0. */
static void hscan_listpack(Client *c, Obj *o, const ScanArgs *a) {
    unsigned long n = hash_length(o), kept = 0;
    HashStr *pairs = vmalloc(sizeof(HashStr) * 2 * (n ? n : 1));
    HashIter it;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        hash_iter_field(&it, &pairs[2 * kept]);
        if (!hscan_keep(a, &pairs[2 * kept])) continue;
        hash_iter_value(&it, &pairs[2 * kept + 1]);
        kept++;
    }
    hash_iter_done(&it);
    scan_reply_cursor(c, 0);
    reply_array_len(c, (long)(2 * kept));
    for (unsigned long i = 0; i < 2 * kept; i++) hash_reply_str(c, &pairs[i]);
    vfree(pairs);
}

static void hscan_table(Client *c, Obj *o, unsigned long cursor, const ScanArgs *a) {
    /* COUNT counts fields and values, as Redis does; at most 10*COUNT buckets */
    unsigned long want = a->count > (long)(ULONG_MAX / 20) ? ULONG_MAX / 20 : (unsigned long)a->count * 2;
    unsigned long budget = want * 10;
    ScanBatch b = {NULL, 0, 0};
    do {
        cursor = strmap_scan(o->ptr, cursor, hscan_collect, &b);
    } while (cursor && budget-- && b.n * 2 < want);
    size_t kept = 0;
    for (size_t i = 0; i < b.n; i++) {
        HashStr f;
        hash_entry_field(b.e[i], &f);
        if (hscan_keep(a, &f)) b.e[kept++] = b.e[i];
    }
    scan_reply_cursor(c, cursor);
    reply_array_len(c, (long)(2 * kept));
    for (size_t i = 0; i < kept; i++) {
        HashStr h;
        hash_entry_field(b.e[i], &h);
        hash_reply_str(c, &h);
        hash_entry_value(b.e[i], &h);
        hash_reply_str(c, &h);
    }
    vfree(b.e);
}

static void hash_hscan_cmd(Client *c) {
    unsigned long cursor;
    if (!scan_parse_cursor(c, c->argv[2], &cursor)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        scan_reply_cursor(c, 0);
        reply_array_len(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_HASH)) return;
    ScanArgs a;
    if (!scan_parse_args(c, 3, 0, &a)) return;
    if (o->encoding == ENC_LISTPACK) hscan_listpack(c, o, &a);
    else hscan_table(c, o, cursor, &a);
}

/* ---- command table ---- */

#define KS_KEY1(fl) { KS1(fl, 1, 0, 1) }
#define HASH_O1 "O(1)"

Command hash_commands[] = {
    {.name = "hset", .proc = hash_hset_cmd,
     .args = "key:key (field:string value:string)...\n"
     "history 4.0.0 Accepts multiple `field` and `value` arguments.",
     .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Set the string value of a hash field", .since = "2.0.0",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the "
                   "command is called with multiple field/value pairs.",
     .keyspecs = KS_KEY1(KS_RW | KS_UPDATE), .nkeyspecs = 1},
    {.name = "hsetnx", .proc = hash_hsetnx_cmd,
     .args = "key:key field:string value:string",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Set the value of a hash field, only if the field does not exist", .since = "2.0.0",
     .complexity = HASH_O1, .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "hget", .proc = hash_hget_cmd,
     .args = "key:key field:string",
     .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Get the value of a hash field", .since = "2.0.0", .complexity = HASH_O1,
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "hmset", .proc = hash_hmset_cmd,
     .args = "key:key (field:string value:string)...",
     .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Set multiple hash fields to multiple values", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields being set.",
     .keyspecs = KS_KEY1(KS_RW | KS_UPDATE), .nkeyspecs = 1,
     .doc_flags = "deprecated", .replaced_by = "`HSET` with multiple field-value pairs",
     .deprecated_since = "4.0.0"},
    {.name = "hmget", .proc = hash_hmget_cmd,
     .args = "key:key field:string...",
     .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Get the values of all the given hash fields", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields being requested.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "hdel", .proc = hash_hdel_cmd,
     .args = "key:key field:string...\n"
     "history 2.4.0 Accepts multiple `field` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Delete one or more hash fields", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields to be removed.",
     .keyspecs = KS_KEY1(KS_RW | KS_DELETE), .nkeyspecs = 1},
    {.name = "hexists", .proc = hash_hexists_cmd,
     .args = "key:key field:string",
     .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Determine if a hash field exists", .since = "2.0.0", .complexity = HASH_O1,
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "hlen", .proc = hash_hlen_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Get the number of fields in a hash", .since = "2.0.0", .complexity = HASH_O1,
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "hstrlen", .proc = hash_hstrlen_cmd,
     .args = "key:key field:string",
     .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Get the length of the value of a hash field", .since = "3.2.0", .complexity = HASH_O1,
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "hkeys", .proc = hash_hkeys_cmd,
     .args = "key:key\n"
     "tip nondeterministic_output_order",
     .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Get all the fields in a hash", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "hvals", .proc = hash_hvals_cmd,
     .args = "key:key\n"
     "tip nondeterministic_output_order",
     .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Get all the values in a hash", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "hgetall", .proc = hash_hgetall_cmd,
     .args = "key:key\n"
     "tip nondeterministic_output_order",
     .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Get all the fields and values in a hash", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "hincrby", .proc = hash_hincrby_cmd,
     .args = "key:key field:string increment:integer",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Increment the integer value of a hash field by the given number", .since = "2.0.0",
     .complexity = HASH_O1, .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "hincrbyfloat", .proc = hash_hincrbyfloat_cmd,
     .args = "key:key field:string increment:double",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .group = "hash",
     .summary = "Increment the float value of a hash field by the given amount", .since = "2.6.0",
     .complexity = HASH_O1, .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "hrandfield", .proc = hash_hrandfield_cmd,
     .args = "key:key [count:integer [WITHVALUES]]{options}\n"
     "tip nondeterministic_output",
     .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Get one or multiple random fields from a hash", .since = "6.2.0",
     .complexity = "O(N) where N is the number of fields returned",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "hscan", .proc = hash_hscan_cmd,
     .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]\n"
     "tip nondeterministic_output",
     .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .group = "hash",
     .summary = "Incrementally iterate hash fields and associated values", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the number of elements inside the "
                   "collection..",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {0},
};
