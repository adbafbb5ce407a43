/* sort.c - SORT and SORT_RO: the elements of a list, set or sorted set, sorted as
 * numbers or strings (ALPHA), by their own value or by values found through a BY
 * pattern ('*' replaced by the element, "key->field" for a hash field), sliced by
 * LIMIT, mapped through GET patterns ('#' for the element), and replied or stored
 * as a list (STORE). The module reads the types through their value layers
 * (list.h, set.h, zset.h, hash.h); it owns no data type.
 *
 * Behaviour is Redis 7.0's, including its corners:
 * - Options are read left to right: the last LIMIT, BY and STORE win, ASC/DESC and
 *   ALPHA accumulate; a BY pattern without '*' (such as "nosort") skips sorting,
 *   and once seen it stays in force even if a later BY has a '*'. SORT_RO takes
 *   no STORE (a syntax error). Option errors come before the key's type check.
 * - Without sorting, lists and sorted sets keep their order (reversed by DESC) and
 *   LIMIT reads just the range; a set keeps its iteration order, except with
 *   STORE or in a script (redis.call), where it is sorted ALPHA so that the result
 *   does not depend on the set's layout (replicas and the AOF get the same).
 * - A sorted set is converted to the skiplist encoding by SORT and SORT_RO (Redis
 *   converts it "destructively"; OBJECT ENCODING shows it).
 * - Numeric sorting parses with strtod: trailing bytes, NaN and out-of-range
 *   values fail the whole command with "One or more scores can't be converted
 *   into double"; an empty string is 0; a BY target that is missing, of the wrong
 *   type, or a hash without the field, weighs 0 (ALPHA: sorts first). Equal
 *   weights are ordered by the elements' bytes. ALPHA compares with strcoll()
 *   (the server's LC_COLLATE, set from the environment at start-up as Redis
 *   does), or bytewise with STORE.
 * - LIMIT offset count: a negative offset is 0, a negative count means all, and
 *   both are clamped to the number of elements, so huge values are harmless.
 * - GET/BY targets are looked up as reads (hits/misses, keymiss events, lazy
 *   expiry); a GET target that is missing, of another type, or a pattern without
 *   '*', replies nil (STORE: an empty string).
 * - STORE replaces the destination with a new list (default node size, no
 *   compression, whatever the list directives say: Redis's own list object) and
 *   fires "sortstore", counting one change per element; an empty result deletes
 *   the destination ("del") or does nothing. Only a change propagates, as is.
 *
 * Invariants: the elements are copied (NUL-terminated) into an arena before any
 * pattern lookup, so lazy expiry of BY/GET targets, or STORE replacing the key
 * being sorted, never leaves a dangling pointer; the sort is stable (merge sort),
 * which gives the order Redis gets from glibc's stable qsort for equal weights.
 * Redis sorts BY + LIMIT with a partial quicksort instead: there, the order of
 * elements of equal ALPHA weight may differ from Redis's.
 *
 * Costs: O(N) to copy the elements (O(range) for an unsorted list or sorted set
 * with LIMIT) plus N lookups with BY, O(N log N) comparisons to sort, and
 * O(M * GETs) lookups for the M elements returned. Memory: 32 bytes per element
 * plus its bytes in 16 KB arena blocks. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "list.h"
#include "set.h"
#include "zset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/server.h"
#include "../ds/listpack.h"

/* ---- the arena: element and weight bytes, NUL-terminated ---- */

#define SORT_BLOCK 16384

typedef struct SortBlock {
    struct SortBlock *next;
    size_t used, cap;
    char data[];
} SortBlock;

typedef struct SortArena {
    SortBlock *head;
} SortArena;

static char *arena_copy(SortArena *a, const void *p, size_t len) {
    SortBlock *b = a->head;
    if (!b || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > SORT_BLOCK / 4 ? len + 1 : SORT_BLOCK;
        SortBlock *nb = vmalloc(sizeof(*nb) + cap);
        nb->used = 0;
        nb->cap = cap;
        if (b && cap != SORT_BLOCK) { /* a big value gets a block of its own behind the head */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    char *d = b->data + b->used;
    if (len) memcpy(d, p, len);
    d[len] = '\0';
    b->used += len + 1;
    return d;
}

static void arena_free(SortArena *a) {
    SortBlock *b = a->head;
    while (b) {
        SortBlock *next = b->next;
        vfree(b);
        b = next;
    }
    a->head = NULL;
}

/* ---- elements ---- */

typedef struct SortItem {
    const char *p;             /* the element, NUL-terminated in the arena */
    size_t len;
    union {
        double score;          /* numeric weight */
        const char *cmp;       /* ALPHA with BY: the weight's bytes, NULL when missing */
    } u;
    size_t cmplen;
} SortItem;

typedef struct SortVec {
    SortItem *items;
    long n, cap;
    SortArena arena;
} SortVec;

static void vec_push(SortVec *v, const char *p, size_t len) {
    if (v->n == v->cap) return; /* never: the vector is sized to what is loaded */
    SortItem *it = &v->items[v->n++];
    it->p = arena_copy(&v->arena, p, len);
    it->len = len;
    it->u.score = 0;
    it->cmplen = 0;
}

static void vec_push_ll(SortVec *v, long long ll) {
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), ll);
    vec_push(v, buf, (size_t)len);
}

/* The ql_visit_range callback. */
static void vec_visit(void *ctx, const unsigned char *s, size_t len, long long lval) {
    if (s) vec_push(ctx, (const char *)s, len);
    else vec_push_ll(ctx, lval);
}

static void vec_push_zpos(SortVec *v, const ZPos *p) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = zpos_member(p, buf, &len);
    vec_push(v, m, len);
}

/* ---- options ---- */

typedef struct SortOpts {
    int desc, alpha, dontsort;
    long limit_start, limit_count;
    Obj *by, *store;
    Obj **gets;                /* GET patterns (argv objects) */
    int ngets;
} SortOpts;

/* Parses argv[2..]; replies and returns 0 on an error. */
static int sort_parse(Client *c, int readonly, SortOpts *o) {
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        Obj *a = c->argv[j];
        if (arg_is(a, "asc")) {
            o->desc = 0;
        } else if (arg_is(a, "desc")) {
            o->desc = 1;
        } else if (arg_is(a, "alpha")) {
            o->alpha = 1;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_long(c, c->argv[j + 1], &o->limit_start, NULL)) return 0;
            if (!arg_long(c, c->argv[j + 2], &o->limit_count, NULL)) return 0;
            j += 2;
        } else if (!readonly && arg_is(a, "store") && left >= 1) {
            o->store = c->argv[++j];
        } else if (arg_is(a, "by") && left >= 1) {
            o->by = c->argv[++j];
            /* a constant pattern: nothing to weigh, so nothing to sort */
            if (!strchr(o->by->ptr, '*')) o->dontsort = 1;
        } else if (arg_is(a, "get") && left >= 1) {
            o->gets[o->ngets++] = c->argv[++j];
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    return 1;
}

/* ---- pattern lookups ---- */

/* A value found through a pattern: bytes borrowed from the keyspace (valid until
 * it changes) or from the element, or an integer formatted into buf. */
typedef struct SortVal {
    const char *p;
    size_t len;
    char buf[LONG_STR_SIZE];
} SortVal;

/* The value pattern names for the element sub: "#" is the element itself;
 * otherwise the first '*' is replaced by the element, and "->field" after the
 * '*' (with a non-empty field) reads a hash field instead of a string. The
 * searches stop at a NUL byte, as Redis's C-string ones do. 0 when there is no
 * such value: no '*', a missing key, a key of another type, a missing field. */
static int sort_lookup(Client *c, Sds *scratch, const Obj *pattern, const char *sub, size_t sublen, SortVal *out) {
    const char *pat = pattern->ptr;
    size_t plen = sds_len(pattern->ptr);
    if (pat[0] == '#' && pat[1] == '\0') {
        out->p = sub;
        out->len = sublen;
        return 1;
    }
    const char *star = strchr(pat, '*');
    if (!star) return 0;
    const char *arrow = strstr(star + 1, "->");
    const char *field = NULL;
    size_t fieldlen = 0;
    if (arrow && arrow[2] != '\0') {
        field = arrow + 2;
        fieldlen = plen - (size_t)(field - pat);
    }
    size_t prefix = (size_t)(star - pat);
    size_t postfix = plen - prefix - 1 - (field ? fieldlen + 2 : 0);
    sds_clear(*scratch);
    *scratch = sds_catlen(*scratch, pat, prefix);
    *scratch = sds_catlen(*scratch, sub, sublen);
    *scratch = sds_catlen(*scratch, star + 1, postfix);
    Obj key = {.type = OBJ_STRING, .encoding = ENC_RAW, .refcount = 1, .ptr = *scratch};
    Obj *o = db_lookup_read(c, &key);
    if (!o) return 0;
    if (field) {
        HashStr v;
        if (o->type != OBJ_HASH || !hash_get(o, field, fieldlen, &v)) return 0;
        out->p = hash_str_bytes(&v, out->buf, &out->len);
        return 1;
    }
    if (o->type != OBJ_STRING) return 0;
    out->p = obj_strbuf(o, out->buf, &out->len);
    return 1;
}

/* strtod's reading of a NUL-terminated string, as Redis weighs elements. */
static int sort_parse_score(const char *s, double *score) {
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    *score = d;
    return *end == '\0' && errno != ERANGE && !isnan(d);
}

/* ---- comparing and sorting ---- */

typedef struct SortCtx {
    int desc, alpha, by, store;
} SortCtx;

static int sign(long v) { return (v > 0) - (v < 0); }

/* Redis's binary string comparison: the common prefix, then the length. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r) return sign(r);
    return alen == blen ? 0 : alen < blen ? -1 : 1;
}

static int sort_cmp(const SortItem *a, const SortItem *b, const SortCtx *x) {
    int cmp;
    if (!x->alpha) {
        if (a->u.score > b->u.score) cmp = 1;
        else if (a->u.score < b->u.score) cmp = -1;
        else cmp = bytes_cmp(a->p, a->len, b->p, b->len); /* deterministic ties */
    } else if (x->by) {
        if (!a->u.cmp || !b->u.cmp) cmp = a->u.cmp == b->u.cmp ? 0 : a->u.cmp ? 1 : -1;
        else if (x->store) cmp = bytes_cmp(a->u.cmp, a->cmplen, b->u.cmp, b->cmplen);
        else cmp = sign(strcoll(a->u.cmp, b->u.cmp));
    } else {
        if (x->store) cmp = bytes_cmp(a->p, a->len, b->p, b->len);
        else cmp = sign(strcoll(a->p, b->p));
    }
    return x->desc ? -cmp : cmp;
}

/* A stable merge sort of a[0..n) with tmp room for n/2 items. */
static void sort_items(SortItem *a, SortItem *tmp, long n, const SortCtx *x) {
    if (n <= 12) {
        for (long i = 1; i < n; i++) {
            SortItem key = a[i];
            long j = i;
            while (j > 0 && sort_cmp(&a[j - 1], &key, x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = key;
        }
        return;
    }
    long h = n / 2;
    sort_items(a, tmp, h, x);
    sort_items(a + h, tmp, n - h, x);
    if (sort_cmp(&a[h - 1], &a[h], x) <= 0) return;
    memcpy(tmp, a, sizeof(SortItem) * (size_t)h);
    long i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (sort_cmp(&tmp[i], &a[j], x) <= 0) a[k++] = tmp[i++];
        else a[k++] = a[j++];
    }
    while (i < h) a[k++] = tmp[i++];
}

/* ---- loading the elements ---- */

static long sort_length(Obj *o) {
    if (o->type == OBJ_LIST) return (long)list_length(o);
    if (o->type == OBJ_SET) return (long)set_size(o);
    return (long)zset_length(o);
}

/* Loads the elements to sort into v: for an unsorted list or sorted set just the
 * range [*start, *end] (then rebased to 0), else all of them. */
static void sort_load(Obj *o, const SortOpts *opt, long *start, long *end, SortVec *v) {
    long n = sort_length(o);
    if (o->type == OBJ_LIST && opt->dontsort) {
        if (*end >= *start) {
            long from = opt->desc ? n - *start - 1 : *start;
            ql_visit_range(list_ql(o), from, (unsigned long)v->cap, opt->desc ? QL_BACKWARD : QL_FORWARD, vec_visit, v);
            *end -= *start;
            *start = 0;
        }
    } else if (o->type == OBJ_LIST) {
        ql_visit_range(list_ql(o), 0, (unsigned long)n, QL_FORWARD, vec_visit, v);
    } else if (o->type == OBJ_SET) {
        SetIter si;
        SetElem e;
        set_iter_init(&si, o);
        while (set_iter_next(&si, &e)) {
            char buf[LONG_STR_SIZE];
            size_t len;
            const char *p = set_elem_str(&e, buf, &len);
            vec_push(v, p, len);
        }
        set_iter_done(&si);
    } else if (opt->dontsort) {
        ZPos p;
        long want = v->cap;
        int ok = want > 0 && zpos_rank(o, (unsigned long)(opt->desc ? n - 1 - *start : *start), &p);
        for (; ok && want > 0; want--) {
            vec_push_zpos(v, &p);
            zpos_step(&p, opt->desc);
            ok = zpos_valid(&p);
        }
        *end -= *start;
        *start = 0;
    } else {
        ZPos p;
        for (int ok = zpos_first(o, &p); ok; zpos_next(&p), ok = zpos_valid(&p)) vec_push_zpos(v, &p);
    }
}

/* Weighs every element (BY lookups or the element itself); 0 when a numeric
 * weight is not a double. */
static int sort_weigh(Client *c, const SortOpts *opt, SortVec *v, Sds *scratch, Sds *num) {
    int ok = 1;
    for (long j = 0; j < v->n; j++) {
        SortItem *it = &v->items[j];
        if (opt->alpha) it->u.cmp = NULL;
        else it->u.score = 0;
        if (!opt->by) {
            if (!opt->alpha && !sort_parse_score(it->p, &it->u.score)) ok = 0;
            continue;
        }
        SortVal w;
        if (!sort_lookup(c, scratch, opt->by, it->p, it->len, &w)) continue;
        if (opt->alpha) {
            it->u.cmp = arena_copy(&v->arena, w.p, w.len);
            it->cmplen = w.len;
        } else {
            *num = sds_cpylen(*num, w.p, w.len);
            if (!sort_parse_score(*num, &it->u.score)) ok = 0;
        }
    }
    return ok;
}

/* ---- output ---- */

static void sort_reply(Client *c, const SortOpts *opt, SortVec *v, long start, long end, long long outlen, Sds *scratch) {
    reply_array_len(c, (long)outlen);
    for (long j = start; j <= end; j++) {
        const SortItem *it = &v->items[j];
        if (!opt->ngets) reply_bulk(c, it->p, it->len);
        for (int g = 0; g < opt->ngets; g++) {
            SortVal val;
            if (sort_lookup(c, scratch, opt->gets[g], it->p, it->len, &val)) reply_bulk(c, val.p, val.len);
            else reply_null(c);
        }
    }
}

static void sort_store(Client *c, const SortOpts *opt, SortVec *v, long start, long end, long long outlen, Sds *scratch) {
    /* Redis's plain list object: default node size, no compression */
    Quicklist *ql = ql_create(QL_DEFAULT_FILL, 0);
    Obj *dst = obj_new(OBJ_LIST, ql);
    dst->encoding = ENC_QUICKLIST;
    for (long j = start; j <= end; j++) {
        const SortItem *it = &v->items[j];
        if (!opt->ngets) ql_push_tail(ql, it->p, it->len);
        for (int g = 0; g < opt->ngets; g++) {
            SortVal val;
            if (sort_lookup(c, scratch, opt->gets[g], it->p, it->len, &val)) ql_push_tail(ql, val.p, val.len);
            else ql_push_tail(ql, "", 0);
        }
    }
    Obj *key = opt->store;
    if (outlen) {
        db_set(c, c->db, key, dst, 0);
        db_changed(c->db, key, NOTIFY_LIST, "sortstore");
        server.stat.dirty += outlen - 1; /* one change per element */
    } else {
        obj_decr(dst);
        if (db_delete_lazy(c->db, key_ptr(key), key_len(key), lazyfree_cfg.server_del))
            db_changed(c->db, key, NOTIFY_GENERIC, "del");
    }
    reply_long(c, outlen);
}

/* ---- the commands ---- */

static void sort_generic(Client *c, int readonly) {
    SortOpts opt = {.limit_count = -1};
    opt.gets = vmalloc(sizeof(Obj *) * (size_t)c->argc);
    if (!sort_parse(c, readonly, &opt)) {
        vfree(opt.gets);
        return;
    }
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (o && o->type != OBJ_LIST && o->type != OBJ_SET && o->type != OBJ_ZSET) {
        vfree(opt.gets);
        reply_error_wrongtype(c);
        return;
    }
    /* an unsorted set would come out in its layout's order: a stored result, or
     * one a script gets, is sorted ALPHA instead, so that it is the same everywhere
     * (on replicas and in the AOF too) */
    if (o && opt.dontsort && o->type == OBJ_SET && (opt.store || (c->flags & CLIENT_SCRIPT))) {
        opt.dontsort = 0;
        opt.alpha = 1;
        opt.by = NULL;
    }
    if (o && o->type == OBJ_ZSET) zset_convert(o, ENC_SKIPLIST); /* as Redis does */

    long n = o ? sort_length(o) : 0;
    long start = opt.limit_start < 0 ? 0 : opt.limit_start;
    if (start > n) start = n;
    long count = opt.limit_count < -1 ? -1 : opt.limit_count;
    if (count > n) count = n;
    long end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    }
    if (end >= n) end = n - 1;

    SortVec v = {0};
    v.cap = n;
    if (o && (o->type == OBJ_LIST || o->type == OBJ_ZSET) && opt.dontsort && (start != 0 || end != n - 1))
        v.cap = end - start + 1;
    v.items = vmalloc(sizeof(SortItem) * (size_t)(v.cap > 0 ? v.cap : 1));
    if (o) sort_load(o, &opt, &start, &end, &v);

    Sds scratch = sds_empty(), num = sds_empty();
    int ok = 1;
    if (!opt.dontsort) {
        ok = sort_weigh(c, &opt, &v, &scratch, &num);
        if (ok && v.n > 1) {
            SortCtx x = {.desc = opt.desc, .alpha = opt.alpha, .by = opt.by != NULL, .store = opt.store != NULL};
            SortItem *tmp = vmalloc(sizeof(SortItem) * (size_t)(v.n / 2 + 1));
            sort_items(v.items, tmp, v.n, &x);
            vfree(tmp);
        }
    }

    long long outlen = end - start + 1;
    if (opt.ngets) outlen *= opt.ngets;
    if (!ok) reply_error(c, "One or more scores can't be converted into double");
    else if (!opt.store) sort_reply(c, &opt, &v, start, end, outlen, &scratch);
    else sort_store(c, &opt, &v, start, end, outlen, &scratch);

    sds_free(scratch);
    sds_free(num);
    arena_free(&v.arena);
    vfree(v.items);
    vfree(opt.gets);
}

static void sort_cmd(Client *c) { sort_generic(c, 0); }
static void sort_ro_cmd(Client *c) { sort_generic(c, 1); }

/* COMMAND GETKEYS for SORT, as Redis's sortGetKeys finds them: the key, then the
 * last STORE's destination, skipping the arguments of LIMIT, GET and BY. */
static int sort_getkeys(int argc, Obj **argv, int *keys, int max) {
    static const struct {
        const char *name;
        int skip;
    } skips[] = {{"limit", 2}, {"get", 1}, {"by", 1}};
    int n = 0, store = 0;
    if (max < 1) return 0;
    keys[n++] = 1;
    for (int i = 2; i < argc; i++) {
        for (int s = 0; s < 3; s++) {
            if (arg_is(argv[i], skips[s].name)) {
                i += skips[s].skip;
                break;
            }
            if (arg_is(argv[i], "store") && i + 1 < argc) {
                store = i + 1; /* not skipped: Redis reads on from the destination */
                break;
            }
        }
    }
    if (store && n < max) keys[n++] = store;
    return n;
}

/* The flags COMMAND GETKEYSANDFLAGS reports for SORT's keys. */
static int sort_key_flags(Obj **argv, int argc, int pos) {
    (void)argv;
    (void)argc;
    return pos == 1 ? KS_RO | KS_ACCESS : KS_OW | KS_UPDATE;
}

static void sort_init(void) {
    /* ALPHA collates as the environment says, as Redis does */
    setlocale(LC_COLLATE, "");
}

#define SORT_COMPLEXITY                                                                                      \
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned " \
    "elements. When the elements are not sorted, complexity is O(N)."
#define SORT_KEYNOTE_PATTERNS                                                                                  \
    "keynote 1 For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the " \
    "content of the key we sort"

static Command sort_commands[] = {
    {.name = "sort", .proc = sort_cmd,
     .args = "key:key [BY pattern:pattern{#1}] [LIMIT offset:integer count:integer] [GET pattern:pattern]...{#1 +} "
             "[ASC|DESC]{order} [ALPHA]{sorting} [STORE destination:key{#2}]\n" SORT_KEYNOTE_PATTERNS "\n"
             "keynote 2 For the optional STORE keyword. It is marked 'unknown' because the keyword can appear "
             "anywhere in the argument array",
     .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_DANGEROUS, .group = "generic",
     .summary = "Sort the elements in a list, set or sorted set",
     .since = "1.0.0", .complexity = SORT_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1), {.flags = KS_RO | KS_ACCESS, .fk_type = 2},
                  {.flags = KS_OW | KS_UPDATE, .fk_type = 2}},
     .nkeyspecs = 3, .getkeys = sort_getkeys, .key_flags = sort_key_flags},
    {.name = "sort_ro", .proc = sort_ro_cmd,
     .args = "key:key [BY pattern:pattern{#1}] [LIMIT offset:integer count:integer] [GET pattern:pattern]...{#1 +} "
             "[ASC|DESC]{order} [ALPHA]{sorting}\n" SORT_KEYNOTE_PATTERNS,
     .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_DANGEROUS, .group = "generic",
     .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
     .since = "7.0.0", .complexity = SORT_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1), {.flags = KS_RO | KS_ACCESS, .fk_type = 2}},
     .nkeyspecs = 2},
    {0}};

const Module sort_module = {
    .name = "sort",
    .commands = sort_commands,
    .init = sort_init,
};
