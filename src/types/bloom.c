/* bloom.c - built-in Bloom filters with the RedisBloom module's BF.* API: BF.RESERVE,
 * BF.ADD, BF.MADD, BF.EXISTS, BF.MEXISTS, BF.INSERT, BF.INFO, BF.CARD, BF.SCANDUMP and
 * BF.LOADCHUNK (and the undocumented BF.DEBUG), their replies and error texts; the type ("MBbloom--", RedisBloom's
 * module type name, as TYPE reports it; OBJECT ENCODING "raw"); its persistence.
 * The filter structure itself is src/ds/bloom.c.
 *
 * Values are OBJ_MODULE objects whose ptr is a Bloom (Vesper has no loadable
 * modules: the OBJ_MODULE type is this one's). Persistence is RedisBloom's:
 * - RDB and DUMP: an RDB_TYPE_MODULE_2 record: the 64-bit module id (the 9-char
 *   type name in 6-bit symbols, then the encoding version 4 in the low 10 bits, as
 *   Redis encodes module type ids), then RedisBloom's fields, each behind its
 *   module opcode (2 unsigned, 4 double, 5 string), then the EOF opcode 0: items,
 *   layers, options, expansion; per layer capacity, error, hashes, bpe, bits, n2,
 *   the bitmap, items. RDB files written by Redis with RedisBloom load here (64-bit
 *   hashing filters, encoding versions 2 to 4), and Redis's checker skips ours.
 * - AOF rewrite: BF.LOADCHUNK key 1 <header>, then BF.LOADCHUNK per bitmap chunk,
 *   as RedisBloom rewrites it; the filter comes back bit for bit.
 * Every size read from a payload is checked (layer count, rates, hashes, bitmap
 * lengths) before use: hostile RESTORE or LOADCHUNK input is refused.
 *
 * Error texts are RedisBloom 2.x's ("ERR not found", "ERR item exists", "ERR bad
 * error rate", ...), with no "ERR " code where RedisBloom gives none (a leading "-"
 * here: BF.INSERT's option errors, BF.INFO's field, BF.SCANDUMP's iterator); a key
 * of another type gets WRONGTYPE from every command.
 * Costs: adds and checks O(k * layers) per item; SCANDUMP chunks are at most
 * 16 MB. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/module.h"
#include "../core/objtype.h"
#include "../core/reply.h"
#include "../core/servercmds.h"
#include "../ds/bloom.h"
#include "../ds/rdbenc.h"

#define BF_DEFAULT_ERROR 0.01
#define BF_DEFAULT_CAPACITY 100
#define BF_DEFAULT_EXPANSION 2
#define BF_MAX_CHUNK ((size_t)16 * 1024 * 1024)
#define BF_TYPE_NAME "MBbloom--"
#define BF_ENCVER 4

/* ---- lookups ---- */

/* The filter at key for reading: NULL when missing (*wrong = 0) or of another type
 * (*wrong = 1, WRONGTYPE already replied). */
static Bloom *bf_lookup(Client *c, const Obj *key, int write, int *wrong) {
    Obj *o = write ? db_lookup_write(c, key) : db_lookup_read(c, key);
    *wrong = 0;
    if (!o) return NULL;
    if (!db_check_type(c, o, OBJ_MODULE)) {
        *wrong = 1;
        return NULL;
    }
    return o->ptr;
}

/* The filter at argv[1] for a read-only command that needs one (BF.INFO, BF.DEBUG,
 * BF.SCANDUMP): NULL after replying the WRONGTYPE error or "not found", as
 * RedisBloom does for a missing key. */
static Bloom *bf_lookup_existing(Client *c) {
    int wrong;
    Bloom *b = bf_lookup(c, c->argv[1], 0, &wrong);
    if (!b && !wrong) reply_error(c, "not found");
    return b;
}

static Obj *bf_new_obj(Bloom *b) {
    Obj *o = obj_new(OBJ_MODULE, b);
    o->encoding = ENC_RAW;
    return o;
}

/* Stores a new filter at key (which does not exist). */
static void bf_store(Client *c, const Obj *key, Bloom *b) {
    db_add(c->db, key_ptr(key), key_len(key), bf_new_obj(b));
}

/* ---- BF.RESERVE ---- */

static int bf_arg_index(Client *c, const char *word) {
    for (int i = 2; i < c->argc; i++)
        if (arg_is(c->argv[i], word)) return i;
    return -1;
}

static void bf_reserve_cmd(Client *c) {
    if (c->argc > 7) {
        reply_error_arity(c);
        return;
    }
    double error;
    if (!string2d(arg_str(c, 2), arg_len(c, 2), &error)) {
        reply_error(c, "bad error rate");
        return;
    }
    if (!(error > 0 && error < 1)) {
        reply_error(c, "(0 < error rate range < 1) ");
        return;
    }
    long long capacity;
    if (!string2ll(arg_str(c, 3), arg_len(c, 3), &capacity)) {
        reply_error(c, "bad capacity");
        return;
    }
    if (capacity <= 0) {
        reply_error(c, "(capacity should be larger than 0)");
        return;
    }
    int nonscaling = bf_arg_index(c, "nonscaling") != -1;
    long long expansion = BF_DEFAULT_EXPANSION;
    int ex = bf_arg_index(c, "expansion");
    if (ex != -1 && ex + 1 == c->argc) {
        reply_error(c, "no expansion");
        return;
    }
    if (ex != -1) {
        if (nonscaling) {
            reply_error(c, "-Nonscaling filters cannot expand");
            return;
        }
        if (!string2ll(arg_str(c, ex + 1), arg_len(c, ex + 1), &expansion)) {
            reply_error(c, "bad expansion");
            return;
        }
        if (expansion < 1 || expansion > UINT32_MAX) {
            reply_error(c, "(expansion should be greater or equal to 1)");
            return;
        }
    }
    int wrong;
    if (bf_lookup(c, c->argv[1], 1, &wrong) || wrong) {
        if (!wrong) reply_error(c, "item exists");
        return;
    }
    Bloom *b = (uint64_t)capacity > BLOOM_MAX_CAPACITY ? NULL
                                                        : bloom_new((uint64_t)capacity, error, (uint32_t)expansion, nonscaling);
    if (!b) {
        reply_error(c, "could not create filter");
        return;
    }
    bf_store(c, c->argv[1], b);
    db_changed(c->db, c->argv[1], NOTIFY_MODULE, "bf.reserve");
    reply_ok(c);
}

/* ---- adding ---- */

typedef struct BfCreate {
    long long capacity;
    double error;
    long long expansion;
    int nonscaling, autocreate;
} BfCreate;

/* Adds items[0..n) to the filter at key (created with opt when missing and allowed);
 * multi replies an array. Propagates verbatim when something was added. */
static void bf_add_items(Client *c, const BfCreate *opt, int first, int multi, const char *event) {
    int wrong;
    Bloom *b = bf_lookup(c, c->argv[1], 1, &wrong);
    if (wrong) return;
    int created = 0;
    if (!b) {
        if (!opt->autocreate) {
            reply_error(c, "not found");
            return;
        }
        b = (uint64_t)opt->capacity > BLOOM_MAX_CAPACITY
                ? NULL
                : bloom_new((uint64_t)opt->capacity, opt->error, (uint32_t)opt->expansion, opt->nonscaling);
        if (!b) {
            reply_error(c, "could not create filter");
            return;
        }
        bf_store(c, c->argv[1], b);
        created = 1;
    }
    void *len = multi ? reply_deferred_len(c) : NULL;
    long n = 0;
    int changed = created;
    for (int i = first; i < c->argc; i++) {
        int rv = bloom_add(b, arg_str(c, i), arg_len(c, i));
        n++;
        if (rv == -1) {
            reply_error(c, "non scaling filter is full");
            break;
        }
        if (rv == -2) {
            reply_error(c, "could not create filter");
            break;
        }
        if (rv == 1) changed = 1;
        reply_long(c, rv);
    }
    if (multi) reply_set_deferred_array_len(c, len, n);
    if (changed) db_changed(c->db, c->argv[1], NOTIFY_MODULE, event);
}

static const BfCreate bf_defaults = {BF_DEFAULT_CAPACITY, BF_DEFAULT_ERROR, BF_DEFAULT_EXPANSION, 0, 1};

static void bf_add_cmd(Client *c) { bf_add_items(c, &bf_defaults, 2, 0, "bf.add"); }
static void bf_madd_cmd(Client *c) { bf_add_items(c, &bf_defaults, 2, 1, "bf.madd"); }

/* BF.INSERT key [CAPACITY n] [ERROR e] [EXPANSION x] [NOCREATE] [NONSCALING] ITEMS item... */
static void bf_insert_cmd(Client *c) {
    BfCreate opt = bf_defaults;
    int items = -1, i = 2;
    while (i < c->argc && items < 0) {
        const Obj *a = c->argv[i];
        if (arg_is(a, "items")) {
            items = ++i;
        } else if (arg_is(a, "capacity") || arg_is(a, "error") || arg_is(a, "expansion")) {
            if (i + 1 == c->argc) {
                reply_error_arity(c);
                return;
            }
            const char *s = arg_str(c, i + 1);
            size_t slen = arg_len(c, i + 1);
            if (arg_is(a, "error")) {
                if (!string2d(s, slen, &opt.error)) {
                    reply_error(c, "-Bad error rate");
                    return;
                }
            } else if (arg_is(a, "capacity")) {
                if (!string2ll(s, slen, &opt.capacity)) {
                    reply_error(c, "-Bad capacity");
                    return;
                }
            } else if (!string2ll(s, slen, &opt.expansion)) {
                reply_error(c, "-Bad expansion");
                return;
            }
            i += 2;
        } else if (arg_is(a, "nocreate")) {
            opt.autocreate = 0;
            i++;
        } else if (arg_is(a, "nonscaling")) {
            opt.nonscaling = 1;
            i++;
        } else {
            reply_error(c, "-Unknown argument received");
            return;
        }
    }
    if (items < 0 || items == c->argc) {
        reply_error_arity(c);
        return;
    }
    if (!(opt.error > 0 && opt.error < 1) || opt.capacity < 1 || opt.expansion < 1 || opt.expansion > UINT32_MAX) {
        reply_error(c, "-Bad argument received");
        return;
    }
    bf_add_items(c, &opt, items, 1, "bf.insert");
}

/* ---- checks and information ---- */

static void bf_check_items(Client *c, int multi) {
    int wrong;
    Bloom *b = bf_lookup(c, c->argv[1], 0, &wrong);
    if (wrong) return;
    if (multi) reply_array_len(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_long(c, b ? bloom_check(b, arg_str(c, i), arg_len(c, i)) : 0);
}

static void bf_exists_cmd(Client *c) { bf_check_items(c, 0); }
static void bf_mexists_cmd(Client *c) { bf_check_items(c, 1); }

static void bf_card_cmd(Client *c) {
    int wrong;
    Bloom *b = bf_lookup(c, c->argv[1], 0, &wrong);
    if (!wrong) reply_long(c, b ? (long long)b->items : 0);
}

static void bf_info_field(Client *c, const Bloom *b, int field) {
    switch (field) {
    case 0: reply_long(c, (long long)bloom_capacity(b)); break;
    case 1: reply_long(c, (long long)bloom_size(b)); break;
    case 2: reply_long(c, b->nlayers); break;
    case 3: reply_long(c, (long long)b->items); break;
    default:
        if (b->options & BLOOM_OPT_NO_SCALING) reply_null(c);
        else reply_long(c, b->expansion);
    }
}

static void bf_info_cmd(Client *c) {
    static const char *fields[] = {"capacity", "size", "filters", "items", "expansion"};
    static const char *titles[] = {"Capacity", "Size", "Number of filters", "Number of items inserted",
                                   "Expansion rate"};
    if (c->argc > 3) {
        reply_error_arity(c);
        return;
    }
    Bloom *b = bf_lookup_existing(c);
    if (!b) return;
    if (c->argc == 3) {
        for (int f = 0; f < 5; f++) {
            if (arg_is(c->argv[2], fields[f])) {
                reply_array_len(c, 1);
                bf_info_field(c, b, f);
                return;
            }
        }
        reply_error(c, "-Invalid information value");
        return;
    }
    reply_map_len(c, 5);
    for (int f = 0; f < 5; f++) {
        reply_status(c, titles[f]);
        bf_info_field(c, b, f);
    }
}

/* BF.DEBUG key: RedisBloom's undocumented per-layer view ("size:N", then one line
 * per layer with its bytes, bits, hashes, hash width, capacity, items and error). */
static void bf_debug_cmd(Client *c) {
    Bloom *b = bf_lookup_existing(c);
    if (!b) return;
    reply_array_len(c, 1 + (long)b->nlayers);
    reply_bulk_sds(c, sds_catprintf(sds_empty(), "size:%llu", (unsigned long long)b->items));
    for (uint32_t i = 0; i < b->nlayers; i++) {
        const BloomLayer *l = &b->layers[i];
        reply_bulk_sds(c, sds_catprintf(sds_empty(), "bytes:%llu bits:%llu hashes:%u hashwidth:64 capacity:%llu "
                                                     "size:%llu ratio:%g",
                                        (unsigned long long)l->bytes, (unsigned long long)l->bits, l->hashes,
                                        (unsigned long long)l->capacity, (unsigned long long)l->items, l->error));
    }
}

/* ---- BF.SCANDUMP / BF.LOADCHUNK ---- */

static void bf_scandump_cmd(Client *c) {
    Bloom *b = bf_lookup_existing(c);
    if (!b) return;
    long long iter;
    if (!string2ll(arg_str(c, 2), arg_len(c, 2), &iter)) {
        reply_error(c, "-Second argument must be numeric");
        return;
    }
    reply_array_len(c, 2);
    if (iter == 0) {
        size_t len;
        unsigned char *hdr = bloom_encode_header(b, &len);
        reply_long(c, 1);
        reply_bulk(c, hdr, len);
        vfree(hdr);
        return;
    }
    size_t len;
    const unsigned char *chunk = bloom_chunk(b, &iter, &len, BF_MAX_CHUNK);
    reply_long(c, iter);
    reply_bulk(c, chunk ? (const void *)chunk : "", len);
}

static void bf_loadchunk_cmd(Client *c) {
    long long iter;
    if (!string2ll(arg_str(c, 2), arg_len(c, 2), &iter)) {
        reply_error(c, "Second argument must be numeric");
        return;
    }
    const unsigned char *data = (const unsigned char *)arg_str(c, 3);
    size_t len = arg_len(c, 3);
    int wrong;
    Bloom *b = bf_lookup(c, c->argv[1], 1, &wrong);
    if (wrong) return;
    const char *err;
    if (!b && iter == 1) {
        b = bloom_from_header(data, len, &err);
        if (!b) {
            reply_error(c, err + 4); /* the texts start with "ERR " */
            return;
        }
        bf_store(c, c->argv[1], b);
    } else if (!b) {
        reply_error(c, "not found");
        return;
    } else if (bloom_load_chunk(b, iter, data, len, &err) != 0) {
        reply_error(c, err + 4);
        return;
    }
    db_changed(c->db, c->argv[1], NOTIFY_MODULE, "bf.loadchunk");
    reply_ok(c);
}

/* ---- the type's descriptor ---- */

static void bf_free_value(Obj *o) { bloom_free(o->ptr); }

static Obj *bf_dup(const Obj *o) {
    Bloom *b = bloom_dup(o->ptr);
    return b ? bf_new_obj(b) : NULL;
}

/* RedisBloom registers no digest callback (Redis then mixes nothing for the value);
 * Vesper mixes the dump header and the bitmaps so that DEBUG DIGEST notices any
 * change and compares a master with its replicas. */
static void bf_digest(const Obj *o, uint8_t d[20]) {
    const Bloom *b = o->ptr;
    size_t len;
    unsigned char *hdr = bloom_encode_header(b, &len);
    debug_digest_mix(d, hdr, len);
    vfree(hdr);
    for (uint32_t i = 0; i < b->nlayers; i++) debug_digest_mix(d, b->layers[i].bitmap, (size_t)b->layers[i].bytes);
}

static size_t bf_mem_usage(const Obj *o, long long samples) {
    (void)samples;
    return (size_t)bloom_size(o->ptr);
}

/* ---- RDB: the module record ---- */

#define BF_OP_EOF 0
#define BF_OP_UINT 2
#define BF_OP_DOUBLE 4
#define BF_OP_STRING 5

/* The module id of "MBbloom--" with encoding version encver (Redis's scheme). */
static uint64_t bf_module_id(int encver) {
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t id = 0;
    for (const char *p = BF_TYPE_NAME; *p; p++) id = (id << 6) | (uint64_t)(strchr(cset, *p) - cset);
    return (id << 10) | (uint64_t)encver;
}

static void bf_module_name(uint64_t id, char name[10]) {
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    id >>= 10;
    name[9] = '\0';
    for (int j = 8; j >= 0; j--, id >>= 6) name[j] = cset[id & 63];
}

static int bf_rdb_type(const Obj *o) {
    (void)o;
    return RDB_TYPE_MODULE_2;
}

static int bf_save_uint(Rio *r, uint64_t v) { return rdb_save_len(r, BF_OP_UINT) && rdb_save_len(r, v); }
static int bf_save_double(Rio *r, double v) { return rdb_save_len(r, BF_OP_DOUBLE) && rdb_save_binary_double(r, v); }

static int bf_rdb_save(Rio *r, const Obj *o) {
    const Bloom *b = o->ptr;
    if (!rdb_save_len(r, bf_module_id(BF_ENCVER)) || !bf_save_uint(r, b->items) || !bf_save_uint(r, b->nlayers) ||
        !bf_save_uint(r, b->options) || !bf_save_uint(r, b->expansion))
        return 0;
    for (uint32_t i = 0; i < b->nlayers; i++) {
        const BloomLayer *l = &b->layers[i];
        if (!bf_save_uint(r, l->capacity) || !bf_save_double(r, l->error) || !bf_save_uint(r, l->hashes) ||
            !bf_save_double(r, l->bpe) || !bf_save_uint(r, l->bits) || !bf_save_uint(r, 0) ||
            !rdb_save_len(r, BF_OP_STRING) || !rdb_save_string(r, l->bitmap, (size_t)l->bytes) ||
            !bf_save_uint(r, l->items))
            return 0;
    }
    return rdb_save_len(r, BF_OP_EOF);
}

typedef struct BfReader {
    Rio *r;
    RdbErr *err;
    int v2;   /* RDB_TYPE_MODULE_2: each field behind its opcode */
} BfReader;

static int bf_fail(RdbErr *err, const char *msg) {
    snprintf(err->msg, sizeof(err->msg), "%s", msg);
    return 0;
}

static int bf_expect(BfReader *rd, uint64_t op) {
    uint64_t got;
    if (!rd->v2) return 1;
    if (!rdb_load_len(rd->r, &got, NULL, rd->err)) return 0;
    return got == op ? 1 : bf_fail(rd->err, "Bloom filter: unexpected field type in module value");
}

static int bf_load_uint(BfReader *rd, uint64_t *v) {
    return bf_expect(rd, BF_OP_UINT) && rdb_load_len(rd->r, v, NULL, rd->err);
}

static int bf_load_double(BfReader *rd, double *v) {
    return bf_expect(rd, BF_OP_DOUBLE) && rdb_load_double_binary(rd->r, v, rd->err);
}

static Obj *bf_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    uint64_t id;
    if (!rdb_load_len(r, &id, NULL, err)) return NULL;
    char name[10];
    bf_module_name(id, name);
    if ((id >> 10) != (bf_module_id(0) >> 10)) {
        snprintf(err->msg, sizeof(err->msg),
                 "The RDB file contains module data I can't load: no matching module type '%s'", name);
        return NULL;
    }
    int encver = (int)(id & 1023);
    if (encver < 2 || encver > BF_ENCVER) {
        snprintf(err->msg, sizeof(err->msg), "Bloom filter: unsupported encoding version %d", encver);
        return NULL;
    }
    BfReader rd = {r, err, rdbtype == RDB_TYPE_MODULE_2};
    uint64_t items, nlayers, options, expansion = BF_DEFAULT_EXPANSION;
    if (!bf_load_uint(&rd, &items) || !bf_load_uint(&rd, &nlayers) || !bf_load_uint(&rd, &options) ||
        (encver >= 4 && !bf_load_uint(&rd, &expansion)))
        return NULL;
    if (nlayers < 1 || nlayers > BLOOM_MAX_LAYERS || options > UINT32_MAX || expansion > UINT32_MAX) {
        bf_fail(err, "Bloom filter: bad header in module value");
        return NULL;
    }
    Bloom *b = vcalloc(sizeof(*b));
    b->items = items;
    b->options = (uint32_t)options;
    b->expansion = (uint32_t)expansion;
    b->layers = vcalloc((size_t)nlayers * sizeof(BloomLayer));
    b->nlayers = (uint32_t)nlayers; /* bitmaps NULL until read: bloom_free copes */
    int ok = 1;
    for (uint64_t i = 0; ok && i < nlayers; i++) {
        BloomLayer *l = &b->layers[i];
        uint64_t hashes, n2;
        size_t len;
        ok = bf_load_uint(&rd, &l->capacity) && bf_load_double(&rd, &l->error) && bf_load_uint(&rd, &hashes) &&
             bf_load_double(&rd, &l->bpe) && bf_load_uint(&rd, &l->bits) && bf_load_uint(&rd, &n2) &&
             bf_expect(&rd, BF_OP_STRING);
        /* straight into the bitmap allocator's memory: no copy of a long bitmap */
        l->bitmap = ok ? rdb_load_string_into(r, BLOOM_MAX_LAYER_BYTES, bloom_bitmap_alloc, bloom_bitmap_free, &len, err)
                       : NULL;
        if (!l->bitmap) ok = 0;
        l->bytes = l->bitmap ? len : 0;
        ok = ok && bf_load_uint(&rd, &l->items);
        if (!ok) break;
        l->hashes = hashes > 4096 ? 0 : (uint32_t)hashes;
        if (n2 != 0 || !bloom_layer_valid(l)) ok = bf_fail(err, "Bloom filter: inconsistent layer in module value");
    }
    if (ok && !bloom_valid(b)) ok = bf_fail(err, "Bloom filter: inconsistent module value");
    uint64_t eof;
    if (ok && rd.v2) {
        if (!rdb_load_len(r, &eof, NULL, err)) ok = 0;
        else if (eof != BF_OP_EOF) ok = bf_fail(err, "Bloom filter: module value not terminated by EOF");
    }
    if (!ok) {
        bloom_free(b);
        return NULL;
    }
    return bf_new_obj(b);
}

static const unsigned char bf_rdb_types[] = {RDB_TYPE_MODULE, RDB_TYPE_MODULE_2, 255};

/* AOF rewrite: BF.LOADCHUNK key 1 <header>, then one per chunk, as RedisBloom. */
static int bf_write_loadchunk(Rio *r, const char *key, size_t klen, long long iter, const void *p, size_t len) {
    return rio_write_bulk_count(r, '*', 4) && rio_write_bulk_string(r, "BF.LOADCHUNK", 12) &&
           rio_write_bulk_string(r, key, klen) && rio_write_bulk_ll(r, iter) && rio_write_bulk_string(r, p, len);
}

static int bf_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    const Bloom *b = o->ptr;
    size_t len;
    unsigned char *hdr = bloom_encode_header(b, &len);
    int ok = bf_write_loadchunk(r, key, klen, 1, hdr, len);
    vfree(hdr);
    long long iter = 1;
    const unsigned char *chunk;
    while (ok && (chunk = bloom_chunk(b, &iter, &len, BF_MAX_CHUNK)) != NULL)
        ok = bf_write_loadchunk(r, key, klen, iter, chunk, len);
    return ok;
}

const ObjType bloom_type = {
    .type = OBJ_MODULE,
    .name = BF_TYPE_NAME,
    .free_value = bf_free_value,
    .dup = bf_dup,
    .digest = bf_digest,
    .mem_usage = bf_mem_usage,
    .rdb_type = bf_rdb_type,
    .rdb_save = bf_rdb_save,
    .rdb_load = bf_rdb_load,
    .rdb_load_types = bf_rdb_types,
    .aof_rewrite = bf_aof_rewrite,
};

/* ---- command table ---- */

/* As Redis 7.0 lists module commands: flags from the module's "write deny-oom" or
 * "readonly fast" plus "module", ACL categories implied by the flags, the key at 1. */
#define BF_WRITE CMD_WRITE | CMD_DENYOOM | CMD_MODULE
#define BF_READ CMD_READONLY | CMD_FAST | CMD_MODULE
#define BF_ACL_W (ACL_WRITE | ACL_SLOW)
#define BF_ACL_R (ACL_READ | ACL_FAST)
#define BF_KEY(fl) {KS1(fl, 1, 0, 1)}

static Command bloom_commands[] = {
    {.name = "bf.reserve", .proc = bf_reserve_cmd,
     .args = "key:key error_rate:double capacity:integer [EXPANSION expansion:integer] [NONSCALING]",
     .arity = -4, .flags = BF_WRITE, .acl = BF_ACL_W, .group = "bf",
     .summary = "Creates a new Bloom Filter", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = BF_KEY(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "bf.add", .proc = bf_add_cmd,
     .args = "key:key item:string",
     .arity = 3, .flags = BF_WRITE, .acl = BF_ACL_W, .group = "bf",
     .summary = "Adds an item to a Bloom Filter", .since = "1.0.0", .complexity = "O(k), where k is the number of hash functions used by the last sub-filter",
     .keyspecs = BF_KEY(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "bf.madd", .proc = bf_madd_cmd,
     .args = "key:key item:string...",
     .arity = -3, .flags = BF_WRITE, .acl = BF_ACL_W, .group = "bf",
     .summary = "Adds one or more items to a Bloom Filter. A filter will be created if it does not exist",
     .since = "1.0.0", .complexity = "O(k * n), where k is the number of hash functions and n is the number of items",
     .keyspecs = BF_KEY(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "bf.insert", .proc = bf_insert_cmd,
     .args = "key:key [CAPACITY capacity:integer] [ERROR error:double] [EXPANSION expansion:integer] [NOCREATE] "
             "[NONSCALING] ITEMS item:string...",
     .arity = -4, .flags = BF_WRITE, .acl = BF_ACL_W, .group = "bf",
     .summary = "Adds one or more items to a Bloom Filter. A filter will be created if it does not exist",
     .since = "1.0.0", .complexity = "O(k * n), where k is the number of hash functions and n is the number of items",
     .keyspecs = BF_KEY(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "bf.exists", .proc = bf_exists_cmd,
     .args = "key:key item:string",
     .arity = 3, .flags = BF_READ, .acl = BF_ACL_R, .group = "bf",
     .summary = "Checks whether an item exists in a Bloom Filter", .since = "1.0.0",
     .complexity = "O(k), where k is the number of hash functions used by the last sub-filter",
     .keyspecs = BF_KEY(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "bf.mexists", .proc = bf_mexists_cmd,
     .args = "key:key item:string...",
     .arity = -3, .flags = BF_READ, .acl = BF_ACL_R, .group = "bf",
     .summary = "Checks whether one or more items exist in a Bloom Filter", .since = "1.0.0",
     .complexity = "O(k * n), where k is the number of hash functions and n is the number of items",
     .keyspecs = BF_KEY(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "bf.info", .proc = bf_info_cmd,
     .args = "key:key [CAPACITY|SIZE|FILTERS|ITEMS|EXPANSION]{single_value}",
     .arity = -2, .flags = BF_READ, .acl = BF_ACL_R, .group = "bf",
     .summary = "Returns information about a Bloom Filter", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = BF_KEY(KS_RO), .nkeyspecs = 1},
    {.name = "bf.card", .proc = bf_card_cmd,
     .args = "key:key",
     .arity = 2, .flags = BF_READ, .acl = BF_ACL_R, .group = "bf",
     .summary = "Returns the cardinality of a Bloom filter", .since = "2.4.4", .complexity = "O(1)",
     .keyspecs = BF_KEY(KS_RO), .nkeyspecs = 1},
    {.name = "bf.debug", .proc = bf_debug_cmd,
     .args = "key:key",
     .arity = 2, .flags = BF_READ, .acl = BF_ACL_R, .group = "bf",
     .summary = "Returns the layers of a Bloom filter (RedisBloom's undocumented debugging command)",
     .since = "1.0.0", .complexity = "O(n), where n is the number of sub-filters",
     .keyspecs = BF_KEY(KS_RO), .nkeyspecs = 1},
    {.name = "bf.scandump", .proc = bf_scandump_cmd,
     .args = "key:key iterator:integer",
     .arity = 3, .flags = BF_READ, .acl = BF_ACL_R, .group = "bf",
     .summary = "Begins an incremental save of the bloom filter", .since = "1.0.0",
     .complexity = "O(n), where n is the capacity",
     .keyspecs = BF_KEY(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "bf.loadchunk", .proc = bf_loadchunk_cmd,
     .args = "key:key iterator:integer data:string",
     .arity = 4, .flags = BF_WRITE, .acl = BF_ACL_W, .group = "bf",
     .summary = "Restores a filter previously saved using SCANDUMP", .since = "1.0.0",
     .complexity = "O(n), where n is the capacity",
     .keyspecs = BF_KEY(KS_RW | KS_UPDATE), .nkeyspecs = 1},
    {0},
};

const Module bloom_module = {
    .name = "bf",
    .commands = bloom_commands,
    .type = &bloom_type,
};
