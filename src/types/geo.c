/* geo.c - the GEO commands (GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH,
 * GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and the _RO forms) over sorted sets,
 * as Redis 7.0.15 answers them: the same arguments, errors, replies (RESP2 and
 * RESP3), keyspace events and propagation.
 *
 * A geo index is an ordinary OBJ_ZSET value whose scores are 52-bit geohashes
 * (src/ds/geohash.h), so it needs no type of its own: persistence, DUMP, COPY and
 * every Z* command apply unchanged. GEOADD encodes the positions and runs ZADD on
 * the rewritten argument vector (and propagates that ZADD), exactly as Redis does.
 *
 * A search covers the shape with the centre cell and up to eight neighbours
 * (geo_cover), walks each cell's score range [min, max) in the sorted set, keeps
 * the points inside the shape with their distance, then sorts (qsort, or Redis's
 * partial quicksort when COUNT keeps fewer than were found, so that even points at
 * equal distances come out in Redis's order) and replies or stores. Cost:
 * O(log N + M) for N members and M points in the cells, plus the sort: O(M) on
 * average for a small COUNT, O(M log M) for all.
 * Points hold positions into the sorted set (no member copies) until the reply. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "zset.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/args.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include "../ds/geohash.h"
#include "../ds/listpack.h"

/* ---------------- argument parsing (Redis's errors) ---------------- */

/* A longitude, latitude pair at argv[i], argv[i+1], within the GEO limits. */
static int geo_arg_lonlat(Client *c, int i, double xy[2]) {
    for (int k = 0; k < 2; k++)
        if (!arg_double(c, c->argv[i + k], &xy[k], NULL)) return 0;
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN || xy[1] > GEO_LAT_MAX) {
        reply_errorf(c, "-ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        return 0;
    }
    return 1;
}

/* Meters per unit (m, km, ft, mi, any case), or -1 after replying the error. */
static double geo_arg_unit(Client *c, const Obj *o) {
    const char *u = o->ptr;
    if (!strcasecmp(u, "m")) return 1;
    if (!strcasecmp(u, "km")) return 1000;
    if (!strcasecmp(u, "ft")) return 0.3048;
    if (!strcasecmp(u, "mi")) return 1609.34;
    reply_error(c, "unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

/* "radius unit" at argv[i]: a non-negative number, then a unit. */
static int geo_arg_radius(Client *c, int i, GeoShape *s) {
    double r;
    if (!arg_double(c, c->argv[i], &r, "need numeric radius")) return 0;
    if (r < 0) {
        reply_error(c, "radius cannot be negative");
        return 0;
    }
    s->radius = r;
    double conv = geo_arg_unit(c, c->argv[i + 1]);
    if (conv < 0) return 0;
    s->conversion = conv;
    return 1;
}

/* "width height unit" at argv[i]. */
static int geo_arg_box(Client *c, int i, GeoShape *s) {
    double w, h;
    if (!arg_double(c, c->argv[i], &w, "need numeric width")) return 0;
    if (!arg_double(c, c->argv[i + 1], &h, "need numeric height")) return 0;
    if (h < 0 || w < 0) {
        reply_error(c, "height or width cannot be negative");
        return 0;
    }
    s->width = w;
    s->height = h;
    double conv = geo_arg_unit(c, c->argv[i + 2]);
    if (conv < 0) return 0;
    s->conversion = conv;
    return 1;
}

/* The position of member in z: 1, or 0 when it is not there. */
static int geo_member_pos(Obj *z, const Obj *member, double xy[2]) {
    double score;
    if (!zset_score(z, member->ptr, sds_len(member->ptr), &score)) return 0;
    return geohash_score_decode(score, xy);
}

/* ---------------- replies ---------------- */

/* A distance with four decimals (llrint of d * 10000), always a bulk string, as
 * Redis's fixed-point formatter writes it. */
static void geo_reply_distance(Client *c, double d) {
    char buf[64];
    int n;
    if (d == 0) {
        n = snprintf(buf, sizeof(buf), "0.0000");
    } else {
        long long v = llrint(d * 10000.0);
        unsigned long long a = v < 0 ? (unsigned long long)0 - (unsigned long long)v : (unsigned long long)v;
        n = snprintf(buf, sizeof(buf), "%s%llu.%04llu", v < 0 ? "-" : "", a / 10000, a % 10000);
    }
    reply_bulk(c, buf, (size_t)n);
}

/* A coordinate: "%.17Lf" with the trailing zeros trimmed, a bulk string in RESP2 and
 * a double in RESP3 (Redis's addReplyHumanLongDouble). */
static void geo_reply_coord(Client *c, double v) {
    if (c->resp == 2) {
        reply_human_double(c, v);
        return;
    }
    char buf[MAX_LONG_DOUBLE_CHARS + 3];
    buf[0] = ',';
    int n = ld2string(buf + 1, sizeof(buf) - 3, v, 1);
    buf[n + 1] = '\r';
    buf[n + 2] = '\n';
    reply_raw(c, buf, (size_t)n + 3);
}

/* ---------------- GEOADD ---------------- */

/* GEOADD key [NX|XX] [CH] lon lat member ...: ZADD with the positions' scores. The
 * ZADD vector replaces the command's for the run and for propagation, as Redis's
 * replaceClientCommandVector does, so replies, events and errors are ZADD's. */
static void geo_geoadd_cmd(Client *c) {
    int nx = 0, xx = 0, first = 2;
    for (; first < c->argc; first++) {
        if (arg_is(c->argv[first], "nx")) nx = 1;
        else if (arg_is(c->argv[first], "xx")) xx = 1;
        else if (!arg_is(c->argv[first], "ch")) break;
    }
    if ((c->argc - first) % 3 || (nx && xx)) {
        reply_error_syntax(c);
        return;
    }
    int n = (c->argc - first) / 3, argc = first + n * 2;
    Obj **argv = vcalloc(sizeof(Obj *) * (size_t)argc);
    argv[0] = obj_from_sds(sds_new("zadd"));
    for (int i = 1; i < first; i++) {
        argv[i] = c->argv[i];
        obj_incr(argv[i]);
    }
    for (int i = 0; i < n; i++) {
        double xy[2];
        int at = first + i * 3;
        if (!geo_arg_lonlat(c, at, xy)) goto done;
        GeoHash h;
        geohash_encode_wgs84(xy[0], xy[1], GEO_STEP_MAX, &h);
        argv[first + i * 2] = obj_from_sds(sds_fromll((long long)geohash_align52(h)));
        argv[first + i * 2 + 1] = c->argv[at + 2];
        obj_incr(c->argv[at + 2]);
    }
    Obj **own = c->argv;
    int own_argc = c->argc;
    c->argv = argv;
    c->argc = argc;
    zset_zadd_cmd(c);
    c->argv = own;
    c->argc = own_argc;
    propagate_replace(c, argv, argc);
done:
    for (int i = 0; i < argc; i++)
        if (argv[i]) obj_decr(argv[i]);
    vfree(argv);
}

/* ---------------- GEOPOS, GEOHASH, GEODIST ---------------- */

static void geo_geopos_cmd(Client *c) {
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    reply_array_len(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (!z || !geo_member_pos(z, c->argv[j], xy)) {
            reply_null_array(c);
            continue;
        }
        reply_array_len(c, 2);
        geo_reply_coord(c, xy[0]);
        geo_reply_coord(c, xy[1]);
    }
}

static void geo_geohash_cmd(Client *c) {
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    reply_array_len(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (!z || !geo_member_pos(z, c->argv[j], xy)) {
            reply_null(c);
            continue;
        }
        char buf[11];
        geohash_standard_string(xy, buf);
        reply_bulk(c, buf, sizeof(buf));
    }
}

static void geo_geodist_cmd(Client *c) {
    double to_m = 1;
    if (c->argc == 5) {
        to_m = geo_arg_unit(c, c->argv[4]);
        if (to_m < 0) return;
    } else if (c->argc > 5) {
        reply_error_syntax(c);
        return;
    }
    int wrongtype;
    Obj *z = zset_lookup_read(c, c->argv[1], &wrongtype);
    if (wrongtype) return;
    double a[2], b[2];
    if (!z || !geo_member_pos(z, c->argv[2], a) || !geo_member_pos(z, c->argv[3], b)) {
        reply_null(c);
        return;
    }
    geo_reply_distance(c, geo_distance(a[0], a[1], b[0], b[1]) / to_m);
}

/* ---------------- searching ---------------- */

typedef struct GeoPoint {
    double dist;             /* meters while searching, the reply's unit after */
    double score;
    double xy[2];
    ZPos pos;                /* the member in the searched sorted set */
} GeoPoint;

typedef struct GeoHits {
    GeoPoint *p;
    size_t used, cap;
} GeoHits;

static void geo_hits_push(GeoHits *h, const GeoPoint *p) {
    if (h->used == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->p = vrealloc(h->p, h->cap * sizeof(GeoPoint));
    }
    h->p[h->used++] = *p;
}

/* Appends the points of cell to hits (in score order), stopping once limit (0: no
 * limit) points are held. */
static void geo_scan_cell(Obj *z, GeoHash cell, const GeoTester *t, GeoHits *hits, size_t limit) {
    uint64_t min, max;
    geohash_cell_scores(cell, &min, &max);
    ZRangeSpec r = {.min = (double)min, .max = (double)max, .minex = 0, .maxex = 1};
    ZPos p;
    if (!zpos_first_in_score(z, &r, &p)) return;
    double maxs = (double)max;
    for (; zpos_valid(&p); zpos_next(&p)) {
        GeoPoint g;
        g.score = zpos_score(&p);
        if (!(g.score < maxs)) break;
        if (geo_tester_score(t, g.score, g.xy, &g.dist)) {
            g.pos = p;
            geo_hits_push(hits, &g);
        }
        if (hits->used && limit && hits->used >= limit) break;
    }
}

/* The points of z inside shape, cells in Redis's order (centre, N, S, E, W, NE, NW,
 * SE, SW), skipping dropped cells and a cell equal to the last one scanned. */
static void geo_search(Obj *z, GeoShape *shape, GeoHits *hits, size_t limit) {
    GeoHash cells[9];
    GeoTester t;
    geo_cover(shape, cells);
    geo_tester_init(&t, shape);
    int last = -1;
    for (int i = 0; i < 9; i++) {
        if (geohash_is_zero(cells[i])) continue;
        if (last >= 0 && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step) continue;
        if (hits->used && limit && hits->used >= limit) break;
        geo_scan_cell(z, cells[i], &t, hits, limit);
        last = i;
    }
}

static int geo_cmp_asc(const void *a, const void *b) {
    double x = ((const GeoPoint *)a)->dist, y = ((const GeoPoint *)b)->dist;
    return x > y ? 1 : x == y ? 0 : -1;
}

static int geo_cmp_desc(const void *a, const void *b) {
    double x = ((const GeoPoint *)a)->dist, y = ((const GeoPoint *)b)->dist;
    return x < y ? 1 : x == y ? 0 : -1;
}

static inline void geo_swap(GeoPoint *x, GeoPoint *y) {
    GeoPoint t = *x;
    *x = *y;
    *y = t;
}

/* The index of the median of p[i], p[j], p[k] under cmp. */
static size_t geo_median3(GeoPoint *p, size_t i, size_t j, size_t k, int (*cmp)(const void *, const void *)) {
    if (cmp(&p[i], &p[j]) < 0) return cmp(&p[j], &p[k]) < 0 ? j : cmp(&p[i], &p[k]) < 0 ? k : i;
    return cmp(&p[j], &p[k]) > 0 ? j : cmp(&p[i], &p[k]) < 0 ? i : k;
}

/* Sorts base[first..first+n) far enough that positions lo..hi (absolute indexes)
 * hold what a full sort puts there, in order. This is the partial quicksort Redis
 * uses for COUNT (Bentley and McIlroy's three-way partitioning with a ninther
 * pivot, insertion sort below 7 elements, recursing only into the parts that meet
 * lo..hi), reproduced step by step because the order it leaves points at equal
 * distances in is part of Redis's reply. O(n) on average for a small range;
 * recursion depth at most log2(n) (Redis's can reach n/2 on a crafted input). */
static void geo_partial_sort(GeoPoint *base, size_t first, size_t n, int (*cmp)(const void *, const void *),
                             size_t lo, size_t hi) {
    for (;;) {
        GeoPoint *a = base + first;
        if (n < 7) {
            for (size_t m = 1; m < n; m++)
                for (size_t l = m; l > 0 && cmp(&a[l - 1], &a[l]) > 0; l--) geo_swap(&a[l], &a[l - 1]);
            return;
        }
        size_t mid = n / 2;
        if (n > 7) {
            size_t l = 0, r = n - 1;
            if (n > 40) {
                size_t d = n / 8;
                l = geo_median3(a, l, l + d, l + 2 * d, cmp);
                mid = geo_median3(a, mid - d, mid, mid + d, cmp);
                r = geo_median3(a, r - 2 * d, r - d, r, cmp);
            }
            mid = geo_median3(a, l, mid, r, cmp);
        }
        geo_swap(&a[0], &a[mid]); /* the pivot sits at a[0] */
        /* a[1..pa) and a(pd..n) collect the pivot's equals, a[pa..pb) the smaller,
         * a(pc..pd] the greater */
        size_t pa = 1, pb = 1, pc = n - 1, pd = n - 1;
        int c;
        for (;;) {
            while (pb <= pc && (c = cmp(&a[pb], &a[0])) <= 0) {
                if (c == 0) geo_swap(&a[pa++], &a[pb]);
                pb++;
            }
            while (pb <= pc && (c = cmp(&a[pc], &a[0])) >= 0) {
                if (c == 0) geo_swap(&a[pc], &a[pd--]);
                pc--;
            }
            if (pb > pc) break;
            geo_swap(&a[pb++], &a[pc--]);
        }
        /* move the equals to the middle */
        size_t r = pa < pb - pa ? pa : pb - pa;
        for (size_t i = 0; i < r; i++) geo_swap(&a[i], &a[pb - r + i]);
        r = pd - pc < n - pd - 1 ? pd - pc : n - pd - 1;
        for (size_t i = 0; i < r; i++) geo_swap(&a[pb + i], &a[n - r + i]);
        /* the part of smaller values and the part of greater ones, each sorted only
         * when it meets lo..hi; they are disjoint, so the order they are done in
         * changes nothing: the shorter one recursively, the longer one by looping,
         * which bounds the recursion depth by log2(n) whatever the input */
        size_t ls = first, ln = pb - pa, gs = first + n - (pd - pc), gn = pd - pc;
        int lwork = ln > 1 && !(ls + ln - 1 < lo || ls > hi);
        int gwork = gn > 1 && !(gs + gn - 1 < lo || gs > hi);
        if (lwork && gwork) {
            if (ln <= gn) {
                geo_partial_sort(base, ls, ln, cmp, lo, hi);
                first = gs, n = gn;
            } else {
                geo_partial_sort(base, gs, gn, cmp, lo, hi);
                first = ls, n = ln;
            }
        } else if (lwork) {
            first = ls, n = ln;
        } else if (gwork) {
            first = gs, n = gn;
        } else {
            return;
        }
    }
}

enum {
    GEO_BY_COORDS = 1 << 0,      /* GEORADIUS: lon lat radius unit */
    GEO_BY_MEMBER = 1 << 1,      /* GEORADIUSBYMEMBER: member radius unit */
    GEO_NOSTORE = 1 << 2,        /* the _RO forms */
    GEO_SEARCH = 1 << 3,         /* GEOSEARCH's FROM../BY.. options */
    GEO_SEARCHSTORE = 1 << 4,
};

enum { GEO_SORT_NONE, GEO_SORT_ASC, GEO_SORT_DESC };

typedef struct GeoQuery {
    GeoShape shape;
    const Obj *storekey;
    int storedist, withdist, withhash, withcoord, any, sort;
    long long count;
} GeoQuery;

/* Replaces dstkey's value with an empty result: deletes it, with Redis's events. */
static void geo_store_empty(Client *c, const Obj *dstkey) {
    if (db_delete_lazy(c->db, key_ptr(dstkey), key_len(dstkey), lazyfree_cfg.server_del))
        db_changed(c->db, dstkey, NOTIFY_GENERIC, "del");
    reply_long(c, 0);
}

static void geo_reply_points(Client *c, const GeoQuery *q, GeoPoint *pts, long n) {
    int opts = q->withdist + q->withhash + q->withcoord;
    reply_array_len(c, n);
    for (long i = 0; i < n; i++) {
        GeoPoint *g = &pts[i];
        if (opts) reply_array_len(c, opts + 1);
        zset_reply_member(c, &g->pos);
        if (q->withdist) geo_reply_distance(c, g->dist / q->shape.conversion);
        if (q->withhash) reply_long(c, (long long)g->score);
        if (q->withcoord) {
            reply_array_len(c, 2);
            geo_reply_coord(c, g->xy[0]);
            geo_reply_coord(c, g->xy[1]);
        }
    }
}

/* Stores the n points at q->storekey (scores: geohashes, or distances in the
 * query's unit with STOREDIST) and replies n. */
static void geo_store_points(Client *c, const GeoQuery *q, GeoPoint *pts, long n, int flags) {
    if (n == 0) {
        geo_store_empty(c, q->storekey);
        return;
    }
    ZPair *pairs = vmalloc(sizeof(ZPair) * (size_t)n);
    for (long i = 0; i < n; i++) {
        char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *m = zpos_member(&pts[i].pos, buf, &len);
        char *copy = vmalloc(len ? len : 1);
        memcpy(copy, m, len);
        pairs[i].m = copy;
        pairs[i].len = len;
        pairs[i].score = q->storedist ? pts[i].dist / q->shape.conversion : pts[i].score;
    }
    qsort(pairs, (size_t)n, sizeof(ZPair), zset_pair_cmp);
    Obj *dst = zset_from_sorted(pairs, (size_t)n);
    for (long i = 0; i < n; i++) vfree((void *)pairs[i].m);
    vfree(pairs);
    db_set(c, c->db, q->storekey, dst, 0);
    db_changed(c->db, q->storekey, NOTIFY_ZSET, (flags & GEO_SEARCH) ? "geosearchstore" : "georadiusstore");
    server.stat.dirty += n - 1;
    reply_long(c, n);
}

/* Parses the options after the fixed arguments (from argv[base]), in Redis's order
 * of checks. z may be NULL (a missing key): FROMMEMBER is then accepted unchecked. */
static int geo_parse_options(Client *c, Obj *z, int base, int flags, GeoQuery *q) {
    int frommember = 0, fromloc = 0, byradius = 0, bybox = 0;
    int rem = c->argc - base;
    for (int i = 0; i < rem; i++) {
        const Obj *a = c->argv[base + i];
        int at = base + i;
        if (arg_is(a, "withdist")) {
            q->withdist = 1;
        } else if (arg_is(a, "withhash")) {
            q->withhash = 1;
        } else if (arg_is(a, "withcoord")) {
            q->withcoord = 1;
        } else if (arg_is(a, "any")) {
            q->any = 1;
        } else if (arg_is(a, "asc")) {
            q->sort = GEO_SORT_ASC;
        } else if (arg_is(a, "desc")) {
            q->sort = GEO_SORT_DESC;
        } else if (arg_is(a, "count") && i + 1 < rem) {
            if (!arg_ll(c, c->argv[at + 1], &q->count, NULL)) return 0;
            if (q->count <= 0) {
                reply_error(c, "COUNT must be > 0");
                return 0;
            }
            i++;
        } else if ((arg_is(a, "store") || arg_is(a, "storedist")) && i + 1 < rem && !(flags & GEO_NOSTORE) &&
                   !(flags & GEO_SEARCH)) {
            q->storekey = c->argv[at + 1];
            q->storedist = arg_is(a, "storedist");
            i++;
        } else if (arg_is(a, "storedist") && (flags & GEO_SEARCH) && (flags & GEO_SEARCHSTORE)) {
            q->storedist = 1;
        } else if (arg_is(a, "frommember") && i + 1 < rem && (flags & GEO_SEARCH) && !fromloc) {
            if (z && !geo_member_pos(z, c->argv[at + 1], q->shape.xy)) {
                reply_error(c, "could not decode requested zset member");
                return 0;
            }
            frommember = 1;
            i++;
        } else if (arg_is(a, "fromlonlat") && i + 2 < rem && (flags & GEO_SEARCH) && !frommember) {
            if (!geo_arg_lonlat(c, at + 1, q->shape.xy)) return 0;
            fromloc = 1;
            i += 2;
        } else if (arg_is(a, "byradius") && i + 2 < rem && (flags & GEO_SEARCH) && !bybox) {
            if (!geo_arg_radius(c, at + 1, &q->shape)) return 0;
            q->shape.type = GEO_SHAPE_RADIUS;
            byradius = 1;
            i += 2;
        } else if (arg_is(a, "bybox") && i + 3 < rem && (flags & GEO_SEARCH) && !byradius) {
            if (!geo_arg_box(c, at + 1, &q->shape)) return 0;
            q->shape.type = GEO_SHAPE_BOX;
            bybox = 1;
            i += 3;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    if (q->storekey && (q->withdist || q->withhash || q->withcoord)) {
        reply_errorf(c, "%s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                     (flags & GEO_SEARCHSTORE) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return 0;
    }
    if ((flags & GEO_SEARCH) && !(frommember || fromloc)) {
        reply_errorf(c, "exactly one of FROMMEMBER or FROMLONLAT can be specified for %s", arg_str(c, 0));
        return 0;
    }
    if ((flags & GEO_SEARCH) && !(byradius || bybox)) {
        reply_errorf(c, "exactly one of BYRADIUS and BYBOX can be specified for %s", arg_str(c, 0));
        return 0;
    }
    if (q->any && !q->count) {
        reply_error(c, "the ANY argument requires COUNT argument");
        return 0;
    }
    return 1;
}

static void geo_search_generic(Client *c, int src, int flags) {
    GeoQuery q;
    memset(&q, 0, sizeof(q));
    int wrongtype, base;
    Obj *z = zset_lookup_read(c, c->argv[src], &wrongtype);
    if (wrongtype) return;
    if (flags & GEO_BY_COORDS) {
        base = 6;
        q.shape.type = GEO_SHAPE_RADIUS;
        if (!geo_arg_lonlat(c, 2, q.shape.xy)) return;
        if (!geo_arg_radius(c, base - 2, &q.shape)) return;
    } else if (flags & GEO_BY_MEMBER) {
        base = 5;
        if (z) { /* without the key, the options are parsed only to pick the reply */
            q.shape.type = GEO_SHAPE_RADIUS;
            if (!geo_member_pos(z, c->argv[2], q.shape.xy)) {
                reply_error(c, "could not decode requested zset member");
                return;
            }
            if (!geo_arg_radius(c, base - 2, &q.shape)) return;
        }
    } else {
        base = 2;
        if (flags & GEO_SEARCHSTORE) {
            base = 3;
            q.storekey = c->argv[1];
        }
    }
    if (!geo_parse_options(c, z, base, flags, &q)) return;

    if (!z) {
        if (q.storekey) geo_store_empty(c, q.storekey);
        else reply_array_len(c, 0);
        return;
    }
    /* COUNT keeps the nearest: ascending unless said otherwise (ANY excepted) */
    if (q.count && q.sort == GEO_SORT_NONE && !q.any) q.sort = GEO_SORT_ASC;

    GeoHits hits = {0};
    geo_search(z, &q.shape, &hits, q.any ? (size_t)q.count : 0);
    if (hits.used == 0 && !q.storekey) {
        reply_array_len(c, 0);
        vfree(hits.p);
        return;
    }
    long found = (long)hits.used;
    long n = (q.count == 0 || found < q.count) ? found : (long)q.count;
    if (q.sort != GEO_SORT_NONE && found > 1) {
        int (*cmp)(const void *, const void *) = q.sort == GEO_SORT_ASC ? geo_cmp_asc : geo_cmp_desc;
        if (n == found) qsort(hits.p, (size_t)found, sizeof(GeoPoint), cmp);
        else geo_partial_sort(hits.p, 0, (size_t)found, cmp, 0, (size_t)n - 1);
    }
    if (!q.storekey) geo_reply_points(c, &q, hits.p, n);
    else geo_store_points(c, &q, hits.p, n, flags);
    vfree(hits.p);
}

static void geo_georadius_cmd(Client *c) { geo_search_generic(c, 1, GEO_BY_COORDS); }
static void geo_georadiusbymember_cmd(Client *c) { geo_search_generic(c, 1, GEO_BY_MEMBER); }
static void geo_georadius_ro_cmd(Client *c) { geo_search_generic(c, 1, GEO_BY_COORDS | GEO_NOSTORE); }
static void geo_georadiusbymember_ro_cmd(Client *c) { geo_search_generic(c, 1, GEO_BY_MEMBER | GEO_NOSTORE); }
static void geo_geosearch_cmd(Client *c) { geo_search_generic(c, 1, GEO_SEARCH); }
static void geo_geosearchstore_cmd(Client *c) { geo_search_generic(c, 2, GEO_SEARCH | GEO_SEARCHSTORE); }

/* ---------------- the command table ---------------- */

#define GEO_UNIT "(M|KM|FT|MI){unit}"
#define GEO_RADIUS_COMPLEXITY                                                                                    \
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by " \
    "center and radius and M is the number of items inside the index."
#define GEO_SEARCH_COMPLEXITY                                                                                    \
    "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape "   \
    "provided as the filter and M is the number of items inside the shape"
#define GEO_FROM "(FROMMEMBER member:string|FROMLONLAT longitude:double latitude:double){from}"
#define GEO_BY "(<(BYRADIUS radius:double) " GEO_UNIT ">{circle}|<(BYBOX width:double) height:double " GEO_UNIT ">{box}){by}"
#define GEO_STORE_SPECS(from)                                                                                  \
    {KS1(KS_RO | KS_ACCESS, 1, 0, 1),                                                                          \
     {.flags = KS_OW | KS_UPDATE, .bs_keyword = "STORE", .bs_startfrom = (from), .fk_type = 0, .fk_step = 1},     \
     {.flags = KS_OW | KS_UPDATE, .bs_keyword = "STOREDIST", .bs_startfrom = (from), .fk_type = 0, .fk_step = 1}}

static Command geo_commands[] = {
    {.name = "geoadd", .proc = geo_geoadd_cmd,
     .args = "key:key [NX|XX]{condition @6.2.0} [CH]{change @6.2.0} (longitude:double latitude:double member:string)...\n"
             "history 6.2.0 Added the `CH`, `NX` and `XX` options.",
     .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Add one or more geospatial items in the geospatial index represented using a sorted set",
     .since = "3.2.0", .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
     .keyspecs = {KS1(KS_RW | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "geodist", .proc = geo_geodist_cmd,
     .args = "key:key member1:string member2:string [M|KM|FT|MI]{unit}",
     .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Returns the distance between two members of a geospatial index",
     .since = "3.2.0", .complexity = "O(log(N))",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "geohash", .proc = geo_geohash_cmd,
     .args = "key:key member:string...",
     .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Returns members of a geospatial index as standard geohash strings",
     .since = "3.2.0", .complexity = "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "geopos", .proc = geo_geopos_cmd,
     .args = "key:key member:string...",
     .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Returns longitude and latitude of members of a geospatial index",
     .since = "3.2.0", .complexity = "O(N) where N is the number of members requested.",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "georadius", .proc = geo_georadius_cmd,
     .args = "key:key longitude:double latitude:double radius:double " GEO_UNIT " [WITHCOORD] [WITHDIST] [WITHHASH] "
             "[(COUNT count:integer) [ANY]{@6.2.0}]{count} [ASC|DESC]{order} [STORE key:key] [STOREDIST key:key]\n"
             "history 6.2.0 Added the `ANY` option for `COUNT`.\n"
             "history 7.0.0 Added support for uppercase unit names.",
     .arity = -6, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
     .since = "3.2.0", .complexity = GEO_RADIUS_COMPLEXITY,
     .keyspecs = GEO_STORE_SPECS(6), .nkeyspecs = 3,
     .doc_flags = "deprecated", .deprecated_since = "6.2.0",
     .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument"},
    {.name = "georadius_ro", .proc = geo_georadius_ro_cmd,
     .args = "key:key longitude:double latitude:double radius:double " GEO_UNIT " [WITHCOORD] [WITHDIST] [WITHHASH] "
             "[(COUNT count:integer) [ANY]{@6.2.0}]{count} [ASC|DESC]{order}\n"
             "history 6.2.0 Added the `ANY` option for `COUNT`.",
     .arity = -6, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "A read-only variant for GEORADIUS",
     .since = "3.2.10", .complexity = GEO_RADIUS_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1,
     .doc_flags = "deprecated", .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` with the `BYRADIUS` argument"},
    {.name = "georadiusbymember", .proc = geo_georadiusbymember_cmd,
     .args = "key:key member:string radius:double " GEO_UNIT " [WITHCOORD] [WITHDIST] [WITHHASH] "
             "[(COUNT count:integer) [ANY]]{count} [ASC|DESC]{order} [STORE key:key] [STOREDIST key:key]\n"
             "history 7.0.0 Added support for uppercase unit names.",
     .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
     .since = "3.2.0", .complexity = GEO_RADIUS_COMPLEXITY,
     .keyspecs = GEO_STORE_SPECS(5), .nkeyspecs = 3,
     .doc_flags = "deprecated", .deprecated_since = "6.2.0",
     .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments"},
    {.name = "georadiusbymember_ro", .proc = geo_georadiusbymember_ro_cmd,
     .args = "key:key member:string radius:double " GEO_UNIT " [WITHCOORD] [WITHDIST] [WITHHASH] "
             "[(COUNT count:integer) [ANY]]{count} [ASC|DESC]{order}",
     .arity = -5, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "A read-only variant for GEORADIUSBYMEMBER",
     .since = "3.2.10", .complexity = GEO_RADIUS_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1,
     .doc_flags = "deprecated", .deprecated_since = "6.2.0",
     .replaced_by = "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments"},
    {.name = "geosearch", .proc = geo_geosearch_cmd,
     .args = "key:key " GEO_FROM " " GEO_BY " [ASC|DESC]{order} [(COUNT count:integer) [ANY]]{count} "
             "[WITHCOORD] [WITHDIST] [WITHHASH]\n"
             "history 7.0.0 Added support for uppercase unit names.",
     .arity = -7, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
     .since = "6.2.0", .complexity = GEO_SEARCH_COMPLEXITY,
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "geosearchstore", .proc = geo_geosearchstore_cmd,
     .args = "destination:key source:key " GEO_FROM " " GEO_BY " [ASC|DESC]{order} [(COUNT count:integer) [ANY]]{count} "
             "[STOREDIST]\n"
             "history 7.0.0 Added support for uppercase unit names.",
     .arity = -8, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .group = "geo",
     .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
     .since = "6.2.0", .complexity = GEO_SEARCH_COMPLEXITY,
     .keyspecs = {KS1(KS_OW | KS_UPDATE, 1, 0, 1), KS1(KS_RO | KS_ACCESS, 2, 0, 1)}, .nkeyspecs = 2},
    {0}};

const Module geo_module = {
    .name = "geo",
    .commands = geo_commands,
};
