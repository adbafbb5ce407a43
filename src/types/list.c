/* list.c - the list type: its values (a quicklist of listpack nodes), its data
 * type descriptor (free, COPY, DEBUG DIGEST, MEMORY USAGE, lazy-free effort), its
 * directives (list-max-listpack-size alias list-max-ziplist-size,
 * list-compress-depth) and its DEBUG subcommands (QUICKLIST,
 * QUICKLIST-PACKED-THRESHOLD). The commands are in list_cmds.c.
 *
 * Invariants:
 * - Every list is ENC_QUICKLIST (Redis 7.0 reports "quicklist" for all lists); its
 *   node sizing and compression are fixed when the list is created, from the
 *   directives in force then (CONFIG SET does not resize existing lists, as in
 *   Redis).
 * - A list in the keyspace is never empty.
 * - Elements of at least the packed threshold (DEBUG QUICKLIST-PACKED-THRESHOLD,
 *   1 GB by default) live in plain nodes of their own; the quicklist decides.
 *
 * Costs: creating a list is two small allocations (the quicklist header and,
 * with the first element, one node); a range reply is O(nodes walked to the
 * start + elements sent), read straight from the listpacks (ql_visit_range) and
 * written in 4 KB batches; the digest and DEBUG QUICKLIST are O(elements); MEMORY
 * USAGE is O(sampled nodes). Memory per element is the quicklist's: about the
 * element's bytes plus 2 (small strings) in 8 KB listpacks at the default fill. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "list.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/config_table.h"
#include "../core/db.h"
#include "../core/module.h"
#include "../base/alloc.h"
#include "../core/objtype.h"
#include "../core/servercmds.h"
#include "../ds/listpack.h"

/* ---- directives ---- */

static int list_fill;      /* list-max-listpack-size */
static int list_compress;  /* list-compress-depth */

static ConfigDef list_configs[] = {
    CONFIG_NUM("list-max-listpack-size", "list-max-ziplist-size", 0, 0, list_fill, INT_MIN, INT_MAX, -2),
    CONFIG_NUM("list-compress-depth", NULL, 0, 0, list_compress, 0, INT_MAX, 0),
    {0}};

/* ---- values ---- */

Obj *list_new(void) {
    Obj *o = obj_new(OBJ_LIST, ql_create(list_fill, list_compress));
    o->encoding = ENC_QUICKLIST;
    return o;
}

void list_reply_entry(Client *c, const QlEntry *e) {
    if (e->value) reply_bulk(c, e->value, e->sz);
    else reply_bulk_ll(c, e->lval);
}

/* Range replies are assembled in a stack buffer and handed to the client's output
 * a few kilobytes at a time: one reply call per batch instead of one per element
 * (each call checks the output limits once the reply spills into blocks). */
#define LIST_BATCH_BYTES 4096
#define LIST_BATCH_MAX_ELEMENT 1024 /* larger elements are sent on their own */

typedef struct ListBatch {
    Client *c;
    size_t len;
    char buf[LIST_BATCH_BYTES];
} ListBatch;

static void list_batch_flush(ListBatch *b) {
    if (b->len) reply_raw(b->c, b->buf, b->len);
    b->len = 0;
}

/* Appends "$<len>\r\n<bytes>\r\n". */
static void list_batch_bulk(ListBatch *b, const void *p, size_t len) {
    if (len > LIST_BATCH_MAX_ELEMENT) {
        list_batch_flush(b);
        reply_bulk(b->c, p, len);
        return;
    }
    if (b->len + len + 16 > LIST_BATCH_BYTES) list_batch_flush(b);
    char *d = b->buf + b->len;
    *d++ = '$';
    if (len < 10) *d++ = (char)('0' + len);
    else d += ll2string(d, 8, (long long)len);
    *d++ = '\r';
    *d++ = '\n';
    memcpy(d, p, len);
    d += len;
    *d++ = '\r';
    *d++ = '\n';
    b->len = (size_t)(d - b->buf);
}

/* The ql_visit_range callback: one element into the batch. */
static void list_batch_visit(void *ctx, const unsigned char *s, size_t len, long long lval) {
    ListBatch *b = ctx;
    if (s) {
        list_batch_bulk(b, s, len);
    } else {
        char num[LONG_STR_SIZE];
        int n = ll2string(num, sizeof(num), lval);
        list_batch_bulk(b, num, (size_t)n);
    }
}

long list_reply_range(Client *c, Obj *o, long long start, long long end, int reverse) {
    long long llen = (long long)list_length(o);
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        reply_raw(c, "*0\r\n", 4); /* an empty array in RESP2 and RESP3 alike */
        return 0;
    }
    if (end >= llen) end = llen - 1;
    long n = (long)(end - start + 1);
    reply_array_len(c, n);
    ListBatch b;
    b.c = c;
    b.len = 0;
    unsigned long sent = ql_visit_range(list_ql(o), reverse ? end : start, (unsigned long)n,
                                        reverse ? QL_BACKWARD : QL_FORWARD, list_batch_visit, &b);
    list_batch_flush(&b);
    return (long)sent;
}

/* ---- the type's descriptor ---- */

static void list_free_value(Obj *o) { ql_free(o->ptr); }

static Obj *list_dup(const Obj *o) {
    Obj *n = obj_new(OBJ_LIST, ql_dup(list_ql(o)));
    n->encoding = ENC_QUICKLIST;
    return n;
}

/* Each element in order, as its string form, as Redis digests lists. */
static void list_digest(const Obj *o, uint8_t d[20]) {
    QlIter it;
    QlEntry e;
    ql_iter_init(list_ql(o), &it, QL_FORWARD);
    while (ql_next(&it, &e)) {
        if (e.value) {
            debug_digest_mix(d, e.value, e.sz);
        } else {
            char buf[LONG_STR_SIZE];
            int len = ll2string(buf, sizeof(buf), e.lval);
            debug_digest_mix(d, buf, (size_t)len);
        }
    }
    ql_iter_release(&it);
}

static size_t list_mem_usage(const Obj *o, long long samples) {
    return ql_mem_usage(list_ql(o), samples > 0 ? (size_t)samples : 0);
}

/* Freeing walks the nodes: Redis counts a quicklist's free effort in nodes. */
static size_t list_free_effort(const Obj *o) { return ql_len(list_ql(o)); }

/* Active defragmentation: the Quicklist header first, then budget nodes per call
 * (the quicklist keeps its own position; *cursor only marks the start). */
static int list_defrag(Obj *o, unsigned long *cursor, long budget) {
    if (*cursor == 0) {
        Quicklist *q = ql_defrag_struct(o->ptr);
        if (q) o->ptr = q;
        *cursor = 1;
    }
    return ql_defrag_step(o->ptr, budget);
}

static const ObjType list_type = {
    .type = OBJ_LIST,
    .name = "list",
    .free_value = list_free_value,
    .dup = list_dup,
    .digest = list_digest,
    .mem_usage = list_mem_usage,
    .free_effort = list_free_effort,
    .rdb_type = list_rdb_type,
    .rdb_save = list_rdb_save,
    .rdb_load = list_rdb_load,
    .rdb_load_types = list_rdb_types,
    .aof_rewrite = list_aof_rewrite,
    .defrag = list_defrag,
};

/* ---- DEBUG subcommands ---- */

/* DEBUG QUICKLIST <key> [<0|1>]: prints the nodes (with 1, their entries) on the
 * server's standard output. */
static void list_debug_quicklist(Client *c) {
    if (c->argc != 3 && c->argc != 4) {
        reply_subcommand_syntax_error(c);
        return;
    }
    Obj *o = db_lookup(c->db, key_ptr(c->argv[2]), key_len(c->argv[2]), LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!o) {
        reply_error(c, "no such key");
        return;
    }
    if (o->encoding != ENC_QUICKLIST) {
        reply_error(c, "Not a quicklist encoded object.");
        return;
    }
    int full = c->argc == 4 ? atoi(arg_str(c, 3)) : 0;
    ql_repr(stdout, list_ql(o), full);
    fflush(stdout);
    reply_status(c, "Quicklist structure printed on stdout");
}

/* DEBUG QUICKLIST-PACKED-THRESHOLD <size>: elements of at least this many bytes
 * go to plain nodes from now on (0 restores the default). */
static void list_debug_packed_threshold(Client *c) {
    if (c->argc != 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    long long sz;
    if (!parse_memory(arg_str(c, 2), &sz) || sz < 0 || !ql_set_packed_threshold((size_t)sz)) {
        reply_error(c, "argument must be a memory value bigger than 1 and smaller than 4gb");
        return;
    }
    reply_ok(c);
}

static const DebugExt list_debug[] = {
    {"quicklist", list_debug_quicklist},
    {"quicklist-packed-threshold", list_debug_packed_threshold},
    {NULL, NULL},
};

const Module list_module = {
    .name = "lists",
    .commands = list_commands,
    .configs = list_configs,
    .type = &list_type,
    .debug = list_debug,
};
