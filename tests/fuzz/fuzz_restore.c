/* fuzz_restore.c - libFuzzer target for the RDB value loaders: arbitrary bytes fed
 * to rdb_load_value (src/persist/rdb.c) through a memory Rio, as RESTORE feeds a
 * payload, with every type module registered (strings, sets, hashes, lists, sorted
 * sets, Bloom filters: each type's rdb_load and the ds/rdbenc readers under it).
 *
 * Input: one byte choosing the limits the loaders consult (bits 0-1
 * set-max-intset-entries 512/0/1/4, bits 2-3 hash-max-listpack-entries 512/0/1/4,
 * bits 4-5 hash-max-listpack-value 64/0/1/8, bit 6 rdbcompression for the
 * re-save), then the type byte and the value. The input sits in an allocation of
 * its exact size, so a read past it is an ASan report.
 *
 * Invariants checked (abort on violation): a refused payload leaves a message; a
 * loaded value is whole: iterating it gives exactly its size, no member or field
 * twice, each found by lookup with the value iteration gave; an intset is
 * ascending and within its limit, a listpack passes the pairs check; a Bloom
 * filter is valid, its dump header loads back (BF.LOADCHUNK, as an AOF rewrite
 * replays it) and with its chunks gives the same digest, and an item added to a
 * copy is found; a stream walks to its length both ways with increasing IDs,
 * every pending entry is owned by the consumer whose list holds it, and
 * appending, deleting and trimming a copy keep it walkable; its copy (dup) and
 * the value saved and loaded again have its digest and size. LSan reports leaks.
 *
 * Seeds: FUZZ_RESTORE_WRITE_SEEDS=<dir> build-fuzz/fuzz_restore writes the seed
 * inputs (values made by the real encoders, tests/fuzz/corpus/restore) and exits. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/rio.h"
#include "base/sds.h"
#include "base/util.h"
#include "core/config.h"
#include "core/module.h"
#include "core/obj.h"
#include "core/objtype.h"
#include "core/server.h"
#include "ds/bloom.h"
#include "ds/fpack.h"
#include "ds/intset.h"
#include "ds/listpack.h"
#include "ds/rdbenc.h"
#include "ds/strset.h"
#include "persist/rdb.h"
#include "types/hash.h"
#include "types/list.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/zset.h"

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz_restore: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                               \
        }                                                                          \
    } while (0)

static const long long intset_limits[] = {512, 0, 1, 4};
static const long long entry_limits[] = {512, 0, 1, 4};
static const long long value_limits[] = {64, 0, 1, 8};

static void apply_limits(unsigned char b) {
    set_max_intset_entries = intset_limits[b & 3];
    hash_cfg.max_listpack_entries = entry_limits[(b >> 2) & 3];
    hash_cfg.max_listpack_value = value_limits[(b >> 4) & 3];
}

static void digest(const Obj *o, uint8_t d[20]) {
    memset(d, 0, 20);
    objtype_get(o->type)->digest(o, d);
}

/* ---------------- consistency of a loaded value ---------------- */

static void check_string(Obj *o) {
    CHECK(o->encoding == ENC_RAW || o->encoding == ENC_EMBSTR || o->encoding == ENC_INT);
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    CHECK(len == obj_strlen(o));
    CHECK(len == 0 || p != NULL);
}

/* Lookups wait until the iteration is over: a lookup may move a table's
 * incremental rehash on, which an iteration in progress must not see. */
static void check_set(Obj *o) {
    CHECK(o->encoding == ENC_INTSET || o->encoding == ENC_HT);
    size_t size = set_size(o), n = 0;
    CHECK(size > 0);
    if (o->encoding == ENC_INTSET) CHECK((unsigned long long)size <= (unsigned long long)set_max_intset_entries);
    Sds *m = malloc(size * sizeof(Sds));
    SetIter si;
    SetElem e;
    long long prev = LLONG_MIN;
    set_iter_init(&si, o);
    while (set_iter_next(&si, &e)) {
        CHECK(n < size);
        if (o->encoding == ENC_INTSET) {
            CHECK(n == 0 || e.ll > prev);
            prev = e.ll;
        }
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = set_elem_str(&e, buf, &len);
        m[n++] = sds_newlen(p, len);
    }
    set_iter_done(&si);
    CHECK(n == size);
    Strset *seen = strset_create();
    for (size_t i = 0; i < n; i++) {
        CHECK(strset_add(seen, m[i], sds_len(m[i])));
        CHECK(set_contains(o, m[i], sds_len(m[i])));
        sds_free(m[i]);
    }
    strset_free(seen);
    free(m);
}

static Sds hstr(const HashStr *h) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = hash_str_bytes(h, buf, &len);
    return sds_newlen(p, len);
}

static void check_hash(Obj *o) {
    CHECK(o->encoding == ENC_LISTPACK || o->encoding == ENC_HT);
    size_t size = hash_length(o), n = 0;
    CHECK(size > 0);
    if (o->encoding == ENC_LISTPACK) { /* an fpack (src/ds/fpack.h), sound, and so is its listpack form */
        unsigned long pairs;
        CHECK(fpack_validate(o->ptr) && fpack_pairs(o->ptr) == size);
        unsigned char *lp = fpack_to_listpack(o->ptr);
        CHECK(rdb_lp_pairs_valid(lp, lp_bytes(lp), &pairs) && pairs == size);
        lp_free(lp);
    }
    Sds *kv = malloc(2 * size * sizeof(Sds));
    HashIter it;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        CHECK(n < size);
        HashStr h;
        hash_iter_field(&it, &h);
        kv[2 * n] = hstr(&h);
        hash_iter_value(&it, &h);
        kv[2 * n + 1] = hstr(&h);
        n++;
    }
    hash_iter_done(&it);
    CHECK(n == size);
    Strset *seen = strset_create();
    for (size_t i = 0; i < n; i++) {
        Sds f = kv[2 * i], v = kv[2 * i + 1];
        HashStr got;
        CHECK(strset_add(seen, f, sds_len(f)));
        CHECK(hash_get(o, f, sds_len(f), &got));
        Sds g = hstr(&got);
        CHECK(sds_len(g) == sds_len(v) && memcmp(g, v, sds_len(v)) == 0);
        sds_free(f), sds_free(v), sds_free(g);
    }
    strset_free(seen);
    free(kv);
}

/* A list: iterating both ways gives exactly its length, the same elements. */
static void check_list(Obj *o) {
    CHECK(o->encoding == ENC_QUICKLIST);
    unsigned long size = list_length(o), fwd = 0, back = 0;
    CHECK(size > 0);
    QlIter it;
    QlEntry e;
    ql_iter_init(list_ql(o), &it, QL_FORWARD);
    while (ql_next(&it, &e)) fwd++;
    ql_iter_release(&it);
    ql_iter_init(list_ql(o), &it, QL_BACKWARD);
    while (ql_next(&it, &e)) back++;
    ql_iter_release(&it);
    CHECK(fwd == size && back == size);
}

/* A sorted set: its length of members in score order, each found with its score. */
static void check_zset(Obj *o) {
    CHECK(o->encoding == ENC_LISTPACK || o->encoding == ENC_SKIPLIST);
    unsigned long size = zset_length(o), n = 0;
    CHECK(size > 0);
    ZPos p;
    double prev = 0;
    for (zpos_first(o, &p); zpos_valid(&p); zpos_next(&p)) {
        double s = zpos_score(&p), got;
        CHECK(n == 0 || s >= prev);
        prev = s;
        char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *m = zpos_member(&p, buf, &len);
        CHECK(zset_score(o, m, len, &got) && (got == s || (got != got && s != s)));
        n++;
    }
    CHECK(n == size);
}

/* A Bloom filter: valid; its dump header and chunks (BF.SCANDUMP, what an AOF
 * rewrite writes) load back into the same filter; an item added is then found. */
static void check_bloom(Obj *o) {
    CHECK(o->encoding == ENC_RAW);
    Bloom *b = o->ptr;
    CHECK(bloom_valid(b));
    size_t hlen;
    unsigned char *hdr = bloom_encode_header(b, &hlen);
    const char *err;
    Bloom *back = bloom_from_header(hdr, hlen, &err);
    vfree(hdr);
    CHECK(back != NULL);
    long long iter = 1;
    size_t len;
    uint64_t total = 0;
    const unsigned char *chunk;
    while ((chunk = bloom_chunk(b, &iter, &len, 1000)) != NULL) {
        CHECK(len > 0 && len <= 1000);
        total += len;
        CHECK(bloom_load_chunk(back, iter, chunk, len, &err) == 0);
    }
    CHECK(total == bloom_total_bytes(b));
    Obj *bo = obj_new(OBJ_MODULE, back);
    bo->encoding = ENC_RAW;
    uint8_t d1[20], d2[20];
    memset(d1, 0, 20), memset(d2, 0, 20);
    objtype_get(OBJ_MODULE)->digest(o, d1);
    objtype_get(OBJ_MODULE)->digest(bo, d2);
    CHECK(memcmp(d1, d2, 20) == 0);
    int rv = bloom_add(back, "fuzz", 4);
    CHECK(rv >= -2 && rv <= 1);
    if (rv >= 0) CHECK(bloom_check(back, "fuzz", 4));
    CHECK(bloom_valid(back));
    obj_decr(bo);
}

/* A stream: its entries both ways, in ID order, as many as its length; its
 * groups' PELs and consumers consistent; a copy takes an append, a delete of its
 * first entry and an exact trim and still walks to its length. */
static uint64_t stream_walk(Stream *s, int rev) {
    StreamIter si;
    StreamID id, prev = {0, 0};
    int64_t nf;
    uint64_t n = 0;
    stream_iter_start(&si, s, NULL, NULL, rev);
    while (stream_iter_get_id(&si, &id, &nf)) {
        CHECK(nf >= 0);
        if (n) CHECK(rev ? stream_id_cmp(&id, &prev) < 0 : stream_id_cmp(&id, &prev) > 0);
        CHECK(stream_id_cmp(&id, &s->last_id) <= 0);
        prev = id;
        for (int64_t i = 0; i < nf; i++) {
            const unsigned char *f, *v;
            int64_t fl, vl;
            stream_iter_get_field(&si, &f, &fl, &v, &vl);
            CHECK(fl >= 0 && vl >= 0);
        }
        n++;
    }
    stream_iter_stop(&si);
    return n;
}

static void check_stream(Obj *o) {
    Stream *s = o->ptr;
    CHECK(stream_walk(s, 0) == s->length && stream_walk(s, 1) == s->length);
    if (s->cgroups) {
        RaxIter gi;
        rax_start(&gi, s->cgroups);
        rax_seek(&gi, "^", NULL, 0);
        while (rax_next(&gi)) {
            StreamCG *cg = gi.data;
            uint64_t owned = 0;
            RaxIter ci;
            rax_start(&ci, cg->consumers);
            rax_seek(&ci, "^", NULL, 0);
            while (rax_next(&ci)) {
                StreamConsumer *c = ci.data;
                RaxIter pi;
                rax_start(&pi, c->pel);
                rax_seek(&pi, "^", NULL, 0);
                while (rax_next(&pi)) {
                    void *nack;
                    CHECK(rax_find(cg->pel, pi.key, pi.key_len, &nack) && nack == pi.data);
                    CHECK(((StreamNACK *)nack)->consumer == c);
                    owned++;
                }
                rax_stop(&pi);
            }
            rax_stop(&ci);
            CHECK(owned == rax_size(cg->pel));
        }
        rax_stop(&gi);
    }
    Obj *copy = objtype_get(OBJ_STREAM)->dup(o);
    Stream *cs = copy->ptr;
    if (!(cs->last_id.ms == UINT64_MAX && cs->last_id.seq == UINT64_MAX)) {
        Obj *argv[2] = {obj_string("f", 1), obj_string("v", 1)};
        StreamID added;
        CHECK(stream_append(cs, argv, 1, &added, NULL, 0) == 0);
        obj_decr(argv[0]);
        obj_decr(argv[1]);
    }
    if (cs->length) {
        StreamID first;
        stream_edge_id(cs, 1, 1, &first);
        CHECK(stream_delete_item(cs, &first));
    }
    stream_trim(cs, STREAM_TRIM_MAXLEN, (long long)(cs->length / 2), NULL, 0, 0);
    CHECK(stream_walk(cs, 0) == cs->length && stream_walk(cs, 1) == cs->length);
    obj_decr(copy);
}

static size_t value_size(const Obj *o) {
    if (o->type == OBJ_STREAM) return stream_of(o)->length;
    if (o->type == OBJ_SET) return set_size(o);
    if (o->type == OBJ_HASH) return hash_length(o);
    if (o->type == OBJ_LIST) return list_length(o);
    if (o->type == OBJ_ZSET) return zset_length(o);
    if (o->type == OBJ_MODULE) return (size_t)bloom_total_bytes(o->ptr);
    return obj_strlen(o);
}

/* Iterates, digests, copies, saves and loads back a value that loaded. */
static void exercise(Obj *o, int compress) {
    if (o->type == OBJ_STRING) check_string(o);
    else if (o->type == OBJ_SET) check_set(o);
    else if (o->type == OBJ_HASH) check_hash(o);
    else if (o->type == OBJ_LIST) check_list(o);
    else if (o->type == OBJ_ZSET) check_zset(o);
    else if (o->type == OBJ_MODULE) check_bloom(o);
    else if (o->type == OBJ_STREAM) check_stream(o);
    else CHECK(!"a type the loaders do not make");
    const ObjType *t = objtype_get(o->type);
    uint8_t d1[20], d2[20];
    digest(o, d1);
    if (t->mem_usage) (void)t->mem_usage(o, 0);
    if (t->free_effort) (void)t->free_effort(o);
    Obj *copy = t->dup(o);
    digest(copy, d2);
    CHECK(memcmp(d1, d2, 20) == 0 && value_size(copy) == value_size(o));
    obj_decr(copy);

    Rio w;
    rio_init_buffer(&w);
    w.compress = compress;
    CHECK(rdb_save_value(&w, o));
    Sds b = rio_take_buffer(&w);
    rio_close(&w);
    Rio r;
    rio_init_mem(&r, b, sds_len(b));
    RdbErr err = {{0}};
    Obj *again = rdb_load_value(&r, 1, &err);
    if (!again) {
        fprintf(stderr, "fuzz_restore: a loaded value saved does not load again: %s\n", err.msg);
        abort();
    }
    CHECK(r.io.mem.pos == sds_len(b));
    digest(again, d2);
    CHECK(memcmp(d1, d2, 20) == 0 && value_size(again) == value_size(o));
    obj_decr(again);
    sds_free(b);
}

/* ---------------- seeds ---------------- */

static void write_seed(const char *dir, const char *name, unsigned char limits, const Obj *o, int compress) {
    Rio w;
    rio_init_buffer(&w);
    w.compress = compress;
    rio_write(&w, &limits, 1);
    CHECK(rdb_save_value(&w, o));
    Sds b = rio_take_buffer(&w);
    rio_close(&w);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, sds_len(b), f) != sds_len(b) || fclose(f)) {
        perror(path);
        exit(1);
    }
    sds_free(b);
}

static Obj *set_of(const char *const *m, int n) {
    Obj *o = set_create_for(m[0], strlen(m[0]));
    for (int i = 0; i < n; i++) set_add(o, m[i], strlen(m[i]));
    return o;
}

static Obj *set_range(long long from, long long step, int n, const char *prefix) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%s%lld", prefix, from);
    Obj *o = set_create_for(buf, strlen(buf));
    for (int i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "%s%lld", prefix, from + step * i);
        set_add(o, buf, strlen(buf));
    }
    return o;
}

static Obj *hash_of(const char *const *kv, int pairs) {
    Obj *o = hash_create();
    for (int i = 0; i < pairs; i++) hash_set(o, kv[2 * i], strlen(kv[2 * i]), kv[2 * i + 1], strlen(kv[2 * i + 1]));
    return o;
}

static void write_seeds(const char *dir) {
    apply_limits(0);
    char longtext[300];
    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = 0;
    memcpy(longtext, "prefix-", 7);
    struct {
        const char *name;
        unsigned char limits;
        int compress;
        Obj *o;
    } seeds[] = {
        {"string-empty", 0, 0, obj_string("", 0)},
        {"string-raw", 0, 0, obj_string("hello world", 11)},
        {"string-int8", 0, 0, obj_string("-7", 2)},
        {"string-int16", 0, 0, obj_string("4660", 4)},
        {"string-int32", 0, 0, obj_string("-2147483648", 11)},
        {"string-2-31", 0, 0, obj_string("2147483648", 10)},
        {"string-007", 0, 0, obj_string("007", 3)},
        {"string-lzf", 0, 1, obj_string(longtext, strlen(longtext))},
        {"set-intset16", 0, 0, set_of((const char *const[]){"1", "2", "3", "-5"}, 4)},
        {"set-intset64", 0, 0, set_of((const char *const[]){"9223372036854775807", "-9223372036854775808", "0"}, 3)},
        {"set-intset-wide", 0x01, 0, set_range(-100, 7, 40, "")},
        {"set-members", 0, 0, set_of((const char *const[]){"a", "b", "12", "-0", "007", ""}, 6)},
        {"set-intset-over-limit", 0x03, 0, set_range(1, 1, 6, "")},
        {"set-lzf", 0, 1, set_of((const char *const[]){longtext, "short", "1"}, 3)},
        {"set-many", 0, 0, set_range(0, 3, 120, "m")},
        {"hash-listpack", 0, 0, hash_of((const char *const[]){"a", "1", "12", "x", "-3", "-4", "f", ""}, 4)},
        {"hash-listpack-ints", 0x04, 0, hash_of((const char *const[]){"1", "2", "3", "4", "100000", "-9223372036854775808"}, 3)},
        {"hash-table", 0, 0, hash_of((const char *const[]){"field", longtext, "k", "v", "1", "2"}, 3)},
        {"hash-table-lzf", 0x10, 1, hash_of((const char *const[]){"field", longtext, "k", "value!", "1", "2"}, 3)},
        {"hash-small-limits", 0x28, 0, hash_of((const char *const[]){"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, 5)},
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        write_seed(dir, seeds[i].name, seeds[i].limits, seeds[i].o, seeds[i].compress);
        obj_decr(seeds[i].o);
    }
    /* integers saved as a member list (a table under a limit of 4), which the
     * default limit loads as an intset */
    apply_limits(0x03);
    Obj *s = set_range(1, 1, 6, "");
    write_seed(dir, "set-ints-as-members", 0x00, s, 0);
    obj_decr(s);
    /* a hash's listpack form, which the small limits load as a table, and its
     * pairs form */
    apply_limits(0);
    Obj *h = hash_create();
    for (int i = 0; i < 30; i++) {
        char f[16], v[16];
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "%d", i * 1000);
        hash_set(h, f, strlen(f), v, strlen(v));
    }
    write_seed(dir, "hash-listpack-30", 0x0c, h, 0);
    hash_convert(h);
    write_seed(dir, "hash-pairs-30", 0x00, h, 0);
    obj_decr(h);
    /* Bloom filters: one scaled to three layers, a non-scaling one, and one with
     * bitmaps long enough for LZF */
    struct {
        const char *name;
        uint64_t capacity;
        double error;
        uint32_t expansion;
        int nonscaling, items, compress;
    } blooms[] = {
        {"bloom-scaled", 4, 0.1, 2, 0, 20, 0},
        {"bloom-nonscaling", 8, 0.01, 2, 1, 5, 0},
        {"bloom-lzf", 300, 0.001, 3, 0, 10, 1},
    };
    for (size_t i = 0; i < sizeof(blooms) / sizeof(blooms[0]); i++) {
        Bloom *b = bloom_new(blooms[i].capacity, blooms[i].error, blooms[i].expansion, blooms[i].nonscaling);
        CHECK(b != NULL);
        for (int j = 0; j < blooms[i].items; j++) {
            char item[16];
            snprintf(item, sizeof(item), "item%d", j);
            bloom_add(b, item, strlen(item));
        }
        Obj *o = obj_new(OBJ_MODULE, b);
        o->encoding = ENC_RAW;
        write_seed(dir, blooms[i].name, 0x00, o, blooms[i].compress);
        obj_decr(o);
    }

    /* streams: several nodes, different fields, a tombstone, a group with a PEL,
     * a node with no live entry */
    stream_node_max_entries = 3;
    Obj *st = stream_new_obj();
    for (int i = 0; i < 10; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", i * 7);
        Obj *argv[4] = {obj_string(i % 4 ? "a" : "other", i % 4 ? 1 : 5), obj_string(v, strlen(v)),
                        obj_string("b", 1), obj_string(longtext, (size_t)(i * 5))};
        StreamID id = {(uint64_t)i + 1, (uint64_t)i % 3}, got;
        CHECK(stream_append(stream_of(st), argv, 2, &got, &id, 1) == 0);
        for (int k = 0; k < 4; k++) obj_decr(argv[k]);
    }
    StreamID del = {4, 0};
    CHECK(stream_delete_item(stream_of(st), &del));
    write_seed(dir, "stream-nodes", 0x00, st, 0);
    StreamID zero = {0, 0};
    StreamCG *cg = stream_cg_create(stream_of(st), "g", 1, &zero, 0);
    StreamConsumer *alice = stream_consumer_create(cg, "alice", 5);
    stream_consumer_create(cg, "bob", 3);
    for (uint64_t ms = 1; ms <= 3; ms++) {
        StreamID id = {ms, (ms - 1) % 3};
        stream_cg_advance(stream_of(st), cg, &id);
        stream_cg_deliver(NULL, cg, alice, &id, NULL, NULL);
    }
    write_seed(dir, "stream-group", 0x00, st, 1);
    /* a node of deleted entries only, as XTRIM MINID leaves when the node's last
     * entry was deleted before; the PEL still names the deleted entries */
    StreamID last1 = {3, 2}, minid = {3, 2};
    CHECK(stream_delete_item(stream_of(st), &last1));
    CHECK(stream_trim(stream_of(st), STREAM_TRIM_MINID, 0, &minid, 0, 0) == 2);
    write_seed(dir, "stream-dead-node", 0x00, st, 0);
    obj_decr(st);
    stream_node_max_entries = 100;
    fprintf(stderr, "seeds written to %s\n", dir);
}

/* ---------------- libFuzzer ---------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    modules_register(NULL);
    config_init_defaults(&server.cfg);
    const char *dir = getenv("FUZZ_RESTORE_WRITE_SEEDS");
    if (dir) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    apply_limits(data[0]);
    int compress = (data[0] >> 6) & 1;
    data++, size--;
    unsigned char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    Rio r;
    rio_init_mem(&r, copy, size);
    RdbErr err = {{0}};
    Obj *o = rdb_load_value(&r, 1, &err);
    if (!o) {
        CHECK(err.msg[0] != 0);
    } else {
        CHECK(!err.empty);
        exercise(o, compress);
        obj_decr(o);
    }
    free(copy);
    return 0;
}
