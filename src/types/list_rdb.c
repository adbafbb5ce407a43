/* list_rdb.c - lists in RDB form (files, DUMP/RESTORE payloads) and in AOF rewrites,
 * as Redis 7.0 writes and reads them.
 *
 * Saving: RDB_TYPE_LIST_QUICKLIST_2: the node count, then per node its container
 * (1 plain, 2 packed) and its bytes: the listpack (or plain element) as a string,
 * or a compressed node's LZF bytes as they are stored, so payloads equal Redis's.
 * Loading: RDB_TYPE_LIST_QUICKLIST_2, and from older files RDB_TYPE_LIST_QUICKLIST
 * (ziplist nodes), RDB_TYPE_LIST_ZIPLIST (one ziplist, re-packed with the
 * configured node size) and RDB_TYPE_LIST (one string per element). Input is
 * untrusted: every listpack is validated deeply and every ziplist converted
 * through its validator whatever sanitize-dump-payload says; empty nodes are
 * dropped and an empty list is reported as such (err->empty: skipped in files,
 * refused by RESTORE), as Redis does.
 * AOF: RPUSH key with at most AOF_REWRITE_ITEMS_PER_CMD elements per command.
 *
 * Costs: save O(nodes) plus the bytes; load O(bytes) (validation included). */
#include <stdio.h>
#include <string.h>
#include "list.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/objtype.h"
#include "../ds/listpack.h"
#include "../ds/rdbenc.h"
#include "../ds/ziplist.h"

#define CONTAINER_PLAIN 1
#define CONTAINER_PACKED 2

int list_rdb_type(const Obj *o) {
    (void)o;
    return RDB_TYPE_LIST_QUICKLIST_2;
}

int list_rdb_save(Rio *r, const Obj *o) {
    const Quicklist *ql = list_ql(o);
    if (!rdb_save_len(r, ql_len(ql))) return 0;
    for (const QlNode *n = ql_first_node(ql); n; n = ql_next_node(n)) {
        QlNodeInfo info;
        ql_node_info(n, &info);
        if (!rdb_save_len(r, info.plain ? CONTAINER_PLAIN : CONTAINER_PACKED)) return 0;
        int ok = info.compressed ? rdb_save_lzf_blob(r, info.data, info.stored_sz, info.sz)
                                 : rdb_save_string(r, info.data, info.sz);
        if (!ok) return 0;
    }
    return 1;
}

static Obj *list_rdb_fail(Obj *o, RdbErr *err, const char *msg) {
    if (o) obj_decr(o);
    if (msg) snprintf(err->msg, sizeof(err->msg), "%s", msg);
    return NULL;
}

static Obj *list_rdb_done(Obj *o, RdbErr *err) {
    if (list_length(o) > 0) return o;
    err->empty = 1;
    return list_rdb_fail(o, err, "empty list");
}

/* A packed node's listpack (taken over) appended, unless empty; 0 when invalid. */
static int append_listpack(Obj *o, unsigned char *lp, size_t size) {
    if (!lp_validate_integrity(lp, size, 1, NULL, NULL)) {
        vfree(lp);
        return 0;
    }
    if (lp_length(lp) == 0) { /* an empty node: dropped, as Redis does */
        vfree(lp);
        return 1;
    }
    return ql_append_listpack(list_ql(o), lp) || (vfree(lp), 0);
}

static Obj *load_quicklist(Rio *r, int rdbtype, RdbErr *err) {
    uint64_t nodes;
    if (!rdb_load_len(r, &nodes, NULL, err)) return NULL;
    if (nodes == 0) {
        err->empty = 1;
        return list_rdb_fail(NULL, err, "empty list");
    }
    Obj *o = list_new();
    while (nodes--) {
        uint64_t container = CONTAINER_PACKED;
        if (rdbtype == RDB_TYPE_LIST_QUICKLIST_2) {
            if (!rdb_load_len(r, &container, NULL, err)) return list_rdb_fail(o, err, NULL);
            if (container != CONTAINER_PLAIN && container != CONTAINER_PACKED)
                return list_rdb_fail(o, err, "Quicklist integrity check failed.");
        }
        size_t size;
        unsigned char *data = rdb_load_blob(r, RDB_STRING_MAX, &size, err);
        if (!data) return list_rdb_fail(o, err, NULL);
        if (size == 0) { /* no node is empty, plain or packed: Redis refuses it too */
            vfree(data);
            return list_rdb_fail(o, err, "Quicklist integrity check failed.");
        }
        if (container == CONTAINER_PLAIN) {
            ql_append_plain_node(list_ql(o), data, size);
            continue;
        }
        if (rdbtype == RDB_TYPE_LIST_QUICKLIST) {
            unsigned char *lp = zl_to_listpack(data, size);
            vfree(data);
            if (!lp) return list_rdb_fail(o, err, "Ziplist integrity check failed.");
            data = lp;
            size = lp_bytes(lp);
        }
        if (!append_listpack(o, data, size)) return list_rdb_fail(o, err, "Listpack integrity check failed.");
    }
    return list_rdb_done(o, err);
}

/* RDB_TYPE_LIST_ZIPLIST: every entry pushed, so nodes get the configured size. */
static Obj *load_ziplist(Rio *r, RdbErr *err) {
    size_t size;
    unsigned char *zl = rdb_load_blob(r, RDB_STRING_MAX, &size, err);
    if (!zl) return NULL;
    Obj *o = list_new();
    ZlIter it;
    ZlEntry e;
    int res = zl_iter_init(&it, zl, size) ? 1 : -1;
    while (res == 1 && (res = zl_iter_next(&it, &e)) == 1) {
        if (e.sval) {
            ql_push_tail(list_ql(o), e.sval, e.slen);
        } else {
            char buf[LONG_STR_SIZE];
            int n = ll2string(buf, sizeof(buf), e.lval);
            ql_push_tail(list_ql(o), buf, (size_t)n);
        }
    }
    vfree(zl);
    if (res != 0) return list_rdb_fail(o, err, "List ziplist integrity check failed.");
    return list_rdb_done(o, err);
}

static Obj *load_elements(Rio *r, RdbErr *err) {
    uint64_t len;
    if (!rdb_load_len(r, &len, NULL, err)) return NULL;
    if (len == 0) {
        err->empty = 1;
        return list_rdb_fail(NULL, err, "empty list");
    }
    Obj *o = list_new();
    RdbBuf buf = {0};
    while (len--) {
        size_t n;
        const char *s = rdb_load_str(r, &buf, RDB_STRING_MAX, &n, err);
        if (!s) {
            rdb_buf_free(&buf);
            return list_rdb_fail(o, err, NULL);
        }
        ql_push_tail(list_ql(o), s, n);
    }
    rdb_buf_free(&buf);
    return o;
}

Obj *list_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    if (rdbtype == RDB_TYPE_LIST) return load_elements(r, err);
    if (rdbtype == RDB_TYPE_LIST_ZIPLIST) return load_ziplist(r, err);
    return load_quicklist(r, rdbtype, err);
}

const unsigned char list_rdb_types[] = {RDB_TYPE_LIST, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_LIST_QUICKLIST,
                                        RDB_TYPE_LIST_QUICKLIST_2, 255};

int list_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    unsigned long left = list_length(o), batch = 0;
    QlIter it;
    QlEntry e;
    int ok = 1;
    ql_iter_init(list_ql(o), &it, QL_FORWARD);
    while (ok && ql_next(&it, &e)) {
        if (batch == 0) {
            batch = left < AOF_REWRITE_ITEMS_PER_CMD ? left : AOF_REWRITE_ITEMS_PER_CMD;
            ok = rio_write_bulk_count(r, '*', 2 + (long long)batch) && rio_write_bulk_string(r, "RPUSH", 5) &&
                 rio_write_bulk_string(r, key, klen);
        }
        ok = ok && (e.value ? rio_write_bulk_string(r, e.value, e.sz) : rio_write_bulk_ll(r, e.lval));
        batch--;
        left--;
    }
    ql_iter_release(&it);
    return ok;
}
