/* string.c - the string commands: SET and its variants, GET and its variants,
 * multi-key MSET/MGET, in-place edits (APPEND, SETRANGE), counters (INCR family,
 * INCRBYFLOAT) and LCS.
 *
 * Invariants:
 * - A stored value is int-encoded when it is the canonical text of a long long
 *   (what Redis reports as "int"); otherwise it is a string, embedded in the keyspace
 *   entry up to 44 bytes ("embstr") and a separate sds beyond ("raw").
 * - In-place edits (APPEND, SETRANGE, in-place INCR) only change o->ptr of the keyed
 *   object returned by the db lookup; the keyed object itself is never reallocated
 *   here. obj_unshare_string turns it into a private raw sds first.
 * - A command that fails replies with an error and changes nothing.
 * - Every error text is Redis 7.0's, byte for byte.
 *
 * Costs: everything is O(1) apart from copying the bytes a command is given or
 * returns (SET/GET/APPEND/SETRANGE/GETRANGE are linear in those bytes), MSET/MGET
 * (linear in the keys) and LCS (O(N*M) time and 4*(N+1)*(M+1) bytes of scratch,
 * refused past proto-max-bulk-len). */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "../base/alloc.h"
#include "../base/rio.h"
#include "../base/util.h"
#include "../ds/rdbenc.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/objtype.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include "../core/servercmds.h"

/* ---- shared helpers ---- */

/* Replies WRONGTYPE and returns 0 when o exists and is not a string. */
static int str_check_type(Client *c, const Obj *o) {
    if (o && o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return 0;
    }
    return 1;
}

/* Builds the value to store from argument i: int-encoded when the bytes are the
 * canonical form of a long long, else a string. A short string is handed over as
 * the argument itself with one more reference: obj_keyed copies its bytes into the
 * keyspace entry and drops that reference, which saves a temporary object. */
static Obj *str_value_from_arg(const Client *c, int i) {
    const char *p = arg_str(c, i);
    size_t len = arg_len(c, i);
    long long v;
    if (len <= 20 && string2ll(p, len, &v)) return obj_from_ll_for_value(v);
    if (len <= OBJ_EMBSTR_LIMIT) {
        obj_incr(c->argv[i]);
        return c->argv[i];
    }
    return obj_string(p, len);
}

/* Parses argument i as a long long; replies with Redis's error on failure. */
static int str_arg_ll(Client *c, int i, long long *v) {
    if (string2ll(arg_str(c, i), arg_len(c, i), v)) return 1;
    reply_error_not_int(c);
    return 0;
}

/* The limit on a string's size: size+append must fit proto-max-bulk-len. */
static int str_check_length(Client *c, long long size, long long append) {
    long long total = (long long)((unsigned long long)size + (unsigned long long)append);
    if (total > server.cfg.proto_max_bulk_len || total < size || total < append) {
        reply_error(c, "string exceeds maximum allowed size (proto-max-bulk-len)");
        return 0;
    }
    return 1;
}

static void str_reply_expire_error(Client *c, const char *cmdname) {
    reply_errorf(c, "invalid expire time in '%s' command", cmdname);
}

/* ---- SET / GETEX option parsing ---- */

#define SO_NX (1 << 0)
#define SO_XX (1 << 1)
#define SO_GET (1 << 2)
#define SO_KEEPTTL (1 << 3)
#define SO_PERSIST (1 << 4)
#define SO_EX (1 << 5)
#define SO_PX (1 << 6)
#define SO_EXAT (1 << 7)
#define SO_PXAT (1 << 8)
#define SO_ANY_EXPIRE (SO_EX | SO_PX | SO_EXAT | SO_PXAT)
#define SO_RELATIVE (SO_EX | SO_PX)
#define SO_SECONDS (SO_EX | SO_EXAT)

#define FOR_SET 1
#define FOR_GETEX 2

typedef struct StrOption {
    const char *name;
    int flag;
    int excludes;      /* options that must not be present already */
    int takes_value;
    int commands;      /* FOR_SET and/or FOR_GETEX */
} StrOption;

static const StrOption str_options[] = {
    {"nx", SO_NX, SO_XX, 0, FOR_SET},
    {"xx", SO_XX, SO_NX, 0, FOR_SET},
    {"get", SO_GET, 0, 0, FOR_SET},
    {"keepttl", SO_KEEPTTL, SO_PERSIST | SO_ANY_EXPIRE, 0, FOR_SET},
    {"persist", SO_PERSIST, SO_KEEPTTL | SO_ANY_EXPIRE, 0, FOR_GETEX},
    {"ex", SO_EX, SO_KEEPTTL | SO_PERSIST | SO_PX | SO_EXAT | SO_PXAT, 1, FOR_SET | FOR_GETEX},
    {"px", SO_PX, SO_KEEPTTL | SO_PERSIST | SO_EX | SO_EXAT | SO_PXAT, 1, FOR_SET | FOR_GETEX},
    {"exat", SO_EXAT, SO_KEEPTTL | SO_PERSIST | SO_EX | SO_PX | SO_PXAT, 1, FOR_SET | FOR_GETEX},
    {"pxat", SO_PXAT, SO_KEEPTTL | SO_PERSIST | SO_EX | SO_PX | SO_EXAT, 1, FOR_SET | FOR_GETEX},
};

/* Parses the options from argv[first] on. A repeated option is allowed (the last
 * expire value wins); a conflicting or unknown one is a syntax error.
 * *expire_idx gets the argv index of the expire value, or 0. */
static int str_parse_options(Client *c, int first, int command, int *flags, int *expire_idx) {
    *flags = 0;
    *expire_idx = 0;
    for (int j = first; j < c->argc; j++) {
        const StrOption *opt = NULL;
        for (size_t k = 0; k < sizeof(str_options) / sizeof(str_options[0]); k++) {
            if (!strcasecmp(arg_str(c, j), str_options[k].name)) {
                opt = &str_options[k];
                break;
            }
        }
        int has_value = j + 1 < c->argc;
        if (!opt || !(opt->commands & command) || (*flags & opt->excludes) ||
            (opt->takes_value && !has_value)) {
            reply_error_syntax(c);
            return 0;
        }
        *flags |= opt->flag;
        if (opt->takes_value) *expire_idx = ++j;
    }
    return 1;
}

/* Converts the expire argument to an absolute unix time in ms, as Redis does:
 * the given number must be positive and the result must not overflow. */
static int str_expire_ms(Client *c, int idx, int flags, const char *cmdname, long long *when) {
    long long v;
    if (!str_arg_ll(c, idx, &v)) return 0;
    if (v <= 0 || ((flags & SO_SECONDS) && v > LLONG_MAX / 1000)) {
        str_reply_expire_error(c, cmdname);
        return 0;
    }
    if (flags & SO_SECONDS) v *= 1000;
    if (flags & SO_RELATIVE) {
        if (v > LLONG_MAX - server.mstime) {
            str_reply_expire_error(c, cmdname);
            return 0;
        }
        v += server.mstime;
    }
    *when = v;
    return 1;
}

/* GET's core, shared by SET ... GET, GETSET and GETDEL: replies with the value or
 * nil. Returns 0 (after replying WRONGTYPE) when the key holds another type. */
static int str_get_generic(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_null(c);
        return 1;
    }
    if (!str_check_type(c, o)) return 0;
    reply_bulk_obj(c, o);
    return 1;
}

/* SET ... GET propagates without its GET arguments. */
static void str_propagate_without_get(Client *c) {
    Obj **argv = vmalloc(sizeof(Obj *) * (size_t)c->argc);
    int n = 0;
    for (int j = 0; j < c->argc; j++)
        if (j < 3 || !arg_is(c->argv[j], "get")) argv[n++] = c->argv[j];
    propagate_replace(c, argv, n);
    vfree(argv);
}

/* The SET family's engine. val_idx/expire_idx are argv indexes (expire_idx 0: no
 * expire). Replies +OK / nil, or :1 / :0 with int_replies (SETNX); nothing more
 * with GET, whose reply (the old value) is already given. */
static void str_set_generic(Client *c, int flags, int val_idx, int expire_idx, const char *cmdname,
                            int int_replies) {
    long long when = 0;
    if (expire_idx && !str_expire_ms(c, expire_idx, flags, cmdname, &when)) return;
    if ((flags & SO_GET) && !str_get_generic(c)) return;

    int found = db_lookup_write(c, c->argv[1]) != NULL;
    if (((flags & SO_NX) && found) || ((flags & SO_XX) && !found)) {
        if (flags & SO_GET) return;
        if (int_replies) reply_long(c, 0);
        else reply_null(c);
        return;
    }
    int setflags = (flags & SO_KEEPTTL) ? SETKEY_KEEPTTL : 0;
    setflags |= found ? SETKEY_ALREADY_EXIST : SETKEY_DOESNT_EXIST;
    Obj *o = db_set(c, c->db, c->argv[1], str_value_from_arg(c, val_idx), setflags);
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "set");
    if (expire_idx) {
        db_set_expire(c->db, o, when);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", c->argv[1], c->db->id);
        /* replicas and the AOF get the absolute time: SET key value PXAT ms */
        Obj *ms = obj_from_ll(when);
        propagate_replace_objs(c, obj_word(WORD_SET), c->argv[1], c->argv[val_idx], obj_word(WORD_PXAT), ms, NULL);
        obj_decr(ms);
    } else if (flags & SO_GET) {
        str_propagate_without_get(c);
    }
    if (flags & SO_GET) return;
    if (int_replies) reply_long(c, 1);
    else reply_ok(c);
}

/* ---- SET family ---- */

static void str_set_cmd(Client *c) {
    int flags, expire_idx;
    if (!str_parse_options(c, 3, FOR_SET, &flags, &expire_idx)) return;
    str_set_generic(c, flags, 2, expire_idx, "set", 0);
}

static void str_setnx_cmd(Client *c) { str_set_generic(c, SO_NX, 2, 0, "setnx", 1); }
static void str_setex_cmd(Client *c) { str_set_generic(c, SO_EX, 3, 2, "setex", 0); }
static void str_psetex_cmd(Client *c) { str_set_generic(c, SO_PX, 3, 2, "psetex", 0); }

static void str_getset_cmd(Client *c) {
    if (!str_get_generic(c)) return;
    db_set(c, c->db, c->argv[1], str_value_from_arg(c, 2), 0);
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "set");
    propagate_replace_objs(c, obj_word(WORD_SET), c->argv[1], c->argv[2], NULL);
}

static void str_mset_generic(Client *c, int nx) {
    if (c->argc % 2 == 0) {
        reply_error_arity(c);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (db_lookup_write(c, c->argv[j])) {
                reply_long(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        db_set(c, c->db, c->argv[j], str_value_from_arg(c, j + 1), 0);
        db_changed(c->db, c->argv[j], NOTIFY_STRING, "set");
    }
    if (nx) reply_long(c, 1);
    else reply_ok(c);
}

static void str_mset_cmd(Client *c) { str_mset_generic(c, 0); }
static void str_msetnx_cmd(Client *c) { str_mset_generic(c, 1); }

/* ---- GET family ---- */

static void str_get_cmd(Client *c) { str_get_generic(c); }

static void str_getex_cmd(Client *c) {
    int flags, expire_idx;
    if (!str_parse_options(c, 2, FOR_GETEX, &flags, &expire_idx)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    if (!str_check_type(c, o)) return;
    long long when = 0;
    if (expire_idx && !str_expire_ms(c, expire_idx, flags, "getex", &when)) return;
    reply_bulk_obj(c, o);

    /* GETEX never propagates as is: PEXPIREAT, DEL/UNLINK or PERSIST */
    if ((flags & (SO_EXAT | SO_PXAT)) && when <= server.mstime && !server.loading) {
        db_delete_lazy(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), lazyfree_cfg.expire);
        db_changed(c->db, c->argv[1], NOTIFY_GENERIC, "del");
        propagate_replace_objs(c, obj_word(lazyfree_cfg.expire ? WORD_UNLINK : WORD_DEL), c->argv[1], NULL);
    } else if (expire_idx) {
        db_set_expire(c->db, o, when);
        db_changed(c->db, c->argv[1], NOTIFY_GENERIC, "expire");
        Obj *ms = obj_from_ll(when);
        propagate_replace_objs(c, obj_word(WORD_PEXPIREAT), c->argv[1], ms, NULL);
        obj_decr(ms);
    } else if ((flags & SO_PERSIST) && db_get_expire(o) != -1) {
        db_remove_expire(c->db, o);
        db_changed(c->db, c->argv[1], NOTIFY_GENERIC, "persist");
        propagate_replace_objs(c, obj_word(WORD_PERSIST), c->argv[1], NULL);
    }
}

static void str_getdel_cmd(Client *c) {
    if (!str_get_generic(c)) return;
    if (db_delete(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]))) {
        db_changed(c->db, c->argv[1], NOTIFY_GENERIC, "del");
        propagate_replace_objs(c, obj_word(lazyfree_cfg.user_del ? WORD_UNLINK : WORD_DEL), c->argv[1], NULL);
    }
}

static void str_mget_cmd(Client *c) {
    reply_array_len(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        Obj *o = db_lookup_read(c, c->argv[j]);
        if (o && o->type == OBJ_STRING) reply_bulk_obj(c, o);
        else reply_null(c);
    }
}

static void str_strlen_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!str_check_type(c, o)) return;
    reply_long(c, o ? (long long)obj_strlen(o) : 0);
}

/* GETRANGE / SUBSTR: inclusive range, negative indexes count from the end. */
static void str_getrange_cmd(Client *c) {
    long long start, end;
    if (!str_arg_ll(c, 2, &start) || !str_arg_ll(c, 3, &end)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_bulk(c, "", 0);
        return;
    }
    if (!str_check_type(c, o)) return;
    char buf[LONG_STR_SIZE];
    size_t slen;
    const char *s = obj_strbuf(o, buf, &slen);
    long long len = (long long)slen;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) reply_bulk(c, "", 0);
    else reply_bulk(c, s + start, (size_t)(end - start + 1));
}

/* ---- in-place edits ---- */

static void str_append_cmd(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    size_t total;
    if (!o) {
        o = db_set(c, c->db, c->argv[1], str_value_from_arg(c, 2), SETKEY_DOESNT_EXIST);
        total = obj_strlen(o);
    } else {
        if (!str_check_type(c, o)) return;
        if (!str_check_length(c, (long long)obj_strlen(o), (long long)arg_len(c, 2))) return;
        obj_unshare_string(o);
        o->ptr = sds_catlen(o->ptr, arg_str(c, 2), arg_len(c, 2));
        total = sds_len(o->ptr);
    }
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "append");
    reply_long(c, (long long)total);
}

/* Stores a fresh raw string of len zero bytes at key (which does not exist) and
 * returns the keyed object, raw-encoded as Redis reports for SETRANGE/SETBIT. */
static Obj *str_create_raw(Client *c, size_t len) {
    Obj *o = db_set(c, c->db, c->argv[1], obj_from_sds(sds_newlen(NULL, len)), SETKEY_DOESNT_EXIST);
    obj_unshare_string(o);
    return o;
}

static void str_setrange_cmd(Client *c) {
    long long offset;
    if (!str_arg_ll(c, 2, &offset)) return;
    if (offset < 0) {
        reply_error(c, "offset is out of range");
        return;
    }
    size_t vlen = arg_len(c, 3);
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        if (vlen == 0) {
            reply_long(c, 0);
            return;
        }
        if (!str_check_length(c, offset, (long long)vlen)) return;
        o = str_create_raw(c, (size_t)offset + vlen);
    } else {
        if (!str_check_type(c, o)) return;
        if (vlen == 0) {
            reply_long(c, (long long)obj_strlen(o));
            return;
        }
        if (!str_check_length(c, offset, (long long)vlen)) return;
        obj_unshare_string(o);
        o->ptr = sds_growzero(o->ptr, (size_t)offset + vlen);
    }
    memcpy((char *)o->ptr + offset, arg_str(c, 3), vlen);
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "setrange");
    reply_long(c, (long long)sds_len(o->ptr));
}

/* ---- counters ---- */

static void str_incr_generic(Client *c, long long incr) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!str_check_type(c, o)) return;
    long long value = 0;
    if (o && !obj_get_ll(o, &value)) {
        reply_error_not_int(c);
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_error(c, "increment or decrement would overflow");
        return;
    }
    value += incr;
    if (o && o->encoding == ENC_INT) {
        o->ptr = (void *)(intptr_t)value;
    } else {
        db_set(c, c->db, c->argv[1], obj_from_ll_for_value(value),
               SETKEY_KEEPTTL | (o ? SETKEY_ALREADY_EXIST : SETKEY_DOESNT_EXIST));
    }
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "incrby");
    reply_long(c, value);
}

static void str_incr_cmd(Client *c) { str_incr_generic(c, 1); }
static void str_decr_cmd(Client *c) { str_incr_generic(c, -1); }

static void str_incrby_cmd(Client *c) {
    long long incr;
    if (str_arg_ll(c, 2, &incr)) str_incr_generic(c, incr);
}

static void str_decrby_cmd(Client *c) {
    long long incr;
    if (!str_arg_ll(c, 2, &incr)) return;
    if (incr == LLONG_MIN) {
        reply_error(c, "decrement would overflow");
        return;
    }
    str_incr_generic(c, -incr);
}

static void str_incrbyfloat_cmd(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!str_check_type(c, o)) return;
    long double value = 0, incr;
    if ((o && !obj_get_ld(o, &value)) || !obj_get_ld(c->argv[2], &incr)) {
        reply_error_not_float(c);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "increment would produce NaN or Infinity");
        return;
    }
    Obj *stored = db_set(c, c->db, c->argv[1], obj_from_double(value, 1),
                         SETKEY_KEEPTTL | (o ? SETKEY_ALREADY_EXIST : SETKEY_DOESNT_EXIST));
    db_changed(c->db, c->argv[1], NOTIFY_STRING, "incrbyfloat");
    /* the float's text is what replicas must store: SET key value KEEPTTL */
    Obj *text = obj_dup_string(stored);
    propagate_replace_objs(c, obj_word(WORD_SET), c->argv[1], text, obj_word(WORD_KEEPTTL), NULL);
    obj_decr(text);
    reply_bulk_obj(c, stored);
}

/* ---- LCS ---- */

typedef struct LcsMatch {
    uint32_t a_start, a_end, b_start, b_end;
} LcsMatch;

typedef struct LcsOpts {
    int len, idx, withmatchlen;
    long long minmatchlen;
} LcsOpts;

static int lcs_parse(Client *c, LcsOpts *opt) {
    memset(opt, 0, sizeof(*opt));
    for (int j = 3; j < c->argc; j++) {
        const char *a = arg_str(c, j);
        if (!strcasecmp(a, "idx")) {
            opt->idx = 1;
        } else if (!strcasecmp(a, "len")) {
            opt->len = 1;
        } else if (!strcasecmp(a, "withmatchlen")) {
            opt->withmatchlen = 1;
        } else if (!strcasecmp(a, "minmatchlen") && j + 1 < c->argc) {
            if (!str_arg_ll(c, ++j, &opt->minmatchlen)) return 0;
            if (opt->minmatchlen < 0) opt->minmatchlen = 0;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    if (opt->len && opt->idx) {
        reply_error(c, "If you want both the length and indexes, please just use IDX.");
        return 0;
    }
    return 1;
}

/* Fills the (alen+1)x(blen+1) table where T[i][j] is the LCS length of the first
 * i bytes of a and the first j bytes of b. */
static void lcs_fill(uint32_t *t, const char *a, uint32_t alen, const char *b, uint32_t blen) {
    size_t w = (size_t)blen + 1;
    for (uint32_t j = 0; j <= blen; j++) t[j] = 0;
    for (uint32_t i = 1; i <= alen; i++) {
        uint32_t *row = t + i * w, *prev = row - w;
        row[0] = 0;
        for (uint32_t j = 1; j <= blen; j++) {
            if (a[i - 1] == b[j - 1]) row[j] = prev[j - 1] + 1;
            else row[j] = prev[j] > row[j - 1] ? prev[j] : row[j - 1];
        }
    }
}

static void lcs_emit_match(Client *c, const LcsOpts *opt, const LcsMatch *m) {
    reply_array_len(c, 2 + opt->withmatchlen);
    reply_array_len(c, 2);
    reply_long(c, m->a_start);
    reply_long(c, m->a_end);
    reply_array_len(c, 2);
    reply_long(c, m->b_start);
    reply_long(c, m->b_end);
    if (opt->withmatchlen) reply_long(c, (long long)m->a_end - m->a_start + 1);
}

/* Walks the table back from the end, building the common string (when out is not
 * NULL) and the contiguous matching ranges, last ones first. Returns the number of
 * ranges stored in *matches (a vmalloc'ed array, caller frees). */
static size_t lcs_walk(const uint32_t *t, const char *a, uint32_t alen, const char *b, uint32_t blen,
                       char *out, const LcsOpts *opt, LcsMatch **matches) {
    size_t w = (size_t)blen + 1, n = 0, cap = 0;
    uint32_t i = alen, j = blen, k = t[(size_t)alen * w + blen];
    int open = 0;
    LcsMatch cur = {0, 0, 0, 0};
    *matches = NULL;
    while (i > 0 && j > 0) {
        int close = 0;
        if (a[i - 1] == b[j - 1]) {
            out[--k] = a[i - 1];
            if (!open) {
                cur.a_start = cur.a_end = i - 1;
                cur.b_start = cur.b_end = j - 1;
                open = 1;
            } else if (cur.a_start == i && cur.b_start == j) {
                cur.a_start--;
                cur.b_start--;
            } else {
                close = 1;   /* a new match that does not continue the current range */
            }
            if (cur.a_start == 0 || cur.b_start == 0) close = 1;
            i--;
            j--;
        } else {
            if (t[(size_t)(i - 1) * w + j] > t[(size_t)i * w + j - 1]) i--;
            else j--;
            if (open) close = 1;
        }
        if (close) {
            long long mlen = (long long)cur.a_end - cur.a_start + 1;
            if (opt->idx && (opt->minmatchlen == 0 || mlen >= opt->minmatchlen)) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    *matches = vrealloc(*matches, cap * sizeof(LcsMatch));
                }
                (*matches)[n++] = cur;
            }
            open = 0;
        }
    }
    return n;
}

static void lcs_reply(Client *c, const LcsOpts *opt, uint32_t *t, const char *a, uint32_t alen,
                      const char *b, uint32_t blen) {
    uint32_t total = t[(size_t)alen * (blen + 1) + blen];
    if (opt->len && !opt->idx) {
        reply_long(c, total);
        return;
    }
    Sds result = sds_newlen(NULL, total);
    LcsMatch *m;
    size_t n = lcs_walk(t, a, alen, b, blen, result, opt, &m);
    if (opt->idx) {
        reply_map_len(c, 2);
        reply_bulk_cstr(c, "matches");
        reply_array_len(c, (long)n);
        for (size_t k = 0; k < n; k++) lcs_emit_match(c, opt, &m[k]);
        reply_bulk_cstr(c, "len");
        reply_long(c, total);
        sds_free(result);
    } else {
        reply_bulk_sds(c, result);
    }
    vfree(m);
}

static void str_lcs_cmd(Client *c) {
    Obj *oa = db_lookup_read(c, c->argv[1]);
    Obj *ob = db_lookup_read(c, c->argv[2]);
    if ((oa && oa->type != OBJ_STRING) || (ob && ob->type != OBJ_STRING)) {
        reply_error(c, "The specified keys must contain string values");
        return;
    }
    char bufa[LONG_STR_SIZE], bufb[LONG_STR_SIZE];
    size_t la = 0, lb = 0;
    const char *a = oa ? obj_strbuf(oa, bufa, &la) : "";
    const char *b = ob ? obj_strbuf(ob, bufb, &lb) : "";
    LcsOpts opt;
    if (!lcs_parse(c, &opt)) return;
    if (la >= UINT32_MAX - 1 || lb >= UINT32_MAX - 1) {
        reply_error(c, "String too long for LCS");
        return;
    }
    unsigned long long cells = (unsigned long long)(la + 1) * (lb + 1);
    unsigned long long bytes = cells * sizeof(uint32_t);
    if (bytes / sizeof(uint32_t) != cells || bytes > (unsigned long long)server.cfg.proto_max_bulk_len) {
        reply_error(c, "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    uint32_t *t = vmalloc((size_t)bytes);
    lcs_fill(t, a, (uint32_t)la, b, (uint32_t)lb);
    lcs_reply(c, &opt, t, a, (uint32_t)la, b, (uint32_t)lb);
    vfree(t);
}

/* ---- command table ---- */

#define KS_KEY1(fl) { KS1(fl, 1, 0, 1) }
#define GETRANGE_COMPLEXITY                                                                        \
    "O(N) where N is the length of the returned string. The complexity is ultimately determined " \
    "by the returned length, but because creating a substring from an existing string is very "  \
    "cheap, it can be considered O(1) for small strings."

/* SET's key is read too only with GET (COMMAND GETKEYSANDFLAGS, ACL). */
static int str_set_key_flags(Obj **argv, int argc, int pos) {
    (void)pos;
    for (int j = 3; j < argc; j++)
        if (arg_is(argv[j], "get")) return KS_RW | KS_ACCESS | KS_UPDATE;
    return KS_OW | KS_UPDATE;
}

static Command string_commands[] = {
    {.name = "set", .proc = str_set_cmd,
     .args = "key:key value:string [NX|XX]{condition @2.6.12} [GET]{@6.2.0} [EX seconds:integer{@2.6.12}|PX milliseconds:integer{@2.6.12}|EXAT unix-time-seconds:unix-time{@6.2.0}|PXAT unix-time-milliseconds:unix-time{@6.2.0}|KEEPTTL{@6.0.0}]{expiration}\n"
     "history 2.6.12 Added the `EX`, `PX`, `NX` and `XX` options.\n"
     "history 6.0.0 Added the `KEEPTTL` option.\n"
     "history 6.2.0 Added the `GET`, `EXAT` and `PXAT` option.\n"
     "history 7.0.0 Allowed the `NX` and `GET` options to be used together.\n"
     "keynote 0 RW and ACCESS due to the optional `GET` argument",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set the string value of a key", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE | KS_VARIABLE_FLAGS), .nkeyspecs = 1,
     .key_flags = str_set_key_flags},
    {.name = "get", .proc = str_get_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the value of a key", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "getex", .proc = str_getex_cmd,
     .args = "key:key [EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|PERSIST]{expiration}\n"
     "keynote 0 RW and UPDATE because it changes the TTL",
     .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the value of a key and optionally set its expiration", .since = "6.2.0",
     .complexity = "O(1)", .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "getdel", .proc = str_getdel_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the value of a key and delete the key", .since = "6.2.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_DELETE), .nkeyspecs = 1},
    {.name = "getset", .proc = str_getset_cmd,
     .args = "key:key value:string",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Set the string value of a key and return its old value", .since = "1.0.0",
     .complexity = "O(1)", .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1,
     .doc_flags = "deprecated", .replaced_by = "`SET` with the `!GET` argument", .deprecated_since = "6.2.0"},
    {.name = "setnx", .proc = str_setnx_cmd,
     .args = "key:key value:string",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Set the value of a key, only if the key does not exist", .since = "1.0.0",
     .complexity = "O(1)", .keyspecs = KS_KEY1(KS_OW | KS_INSERT), .nkeyspecs = 1},
    {.name = "setex", .proc = str_setex_cmd,
     .args = "key:key seconds:integer value:string",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set the value and expiration of a key", .since = "2.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_OW | KS_UPDATE), .nkeyspecs = 1},
    {.name = "psetex", .proc = str_psetex_cmd,
     .args = "key:key milliseconds:integer value:string",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set the value and expiration in milliseconds of a key", .since = "2.6.0",
     .complexity = "O(1)", .keyspecs = KS_KEY1(KS_OW | KS_UPDATE), .nkeyspecs = 1},
    {.name = "mset", .proc = str_mset_cmd,
     .args = "(key:key value:string)...\n"
     "tip request_policy:multi_shard\n"
     "tip response_policy:all_succeeded",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set multiple keys to multiple values", .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set.",
     .keyspecs = {KS1(KS_OW | KS_UPDATE, 1, -1, 2)}, .nkeyspecs = 1},
    {.name = "msetnx", .proc = str_msetnx_cmd,
     .args = "(key:key value:string)...\n"
     "tip request_policy:multi_shard\n"
     "tip response_policy:agg_min",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist", .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set.",
     .keyspecs = {KS1(KS_OW | KS_INSERT, 1, -1, 2)}, .nkeyspecs = 1},
    {.name = "mget", .proc = str_mget_cmd,
     .args = "key:key...\n"
     "tip request_policy:multi_shard",
     .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the values of all the given keys", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "append", .proc = str_append_cmd,
     .args = "key:key value:string",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Append a value to a key", .since = "2.0.0",
     .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small "
                   "and the already present value is of any size, since the dynamic string library "
                   "used by Redis will double the free space available on every reallocation.",
     .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "strlen", .proc = str_strlen_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Get the length of the value stored in a key", .since = "2.2.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "getrange", .proc = str_getrange_cmd,
     .args = "key:key start:integer end:integer",
     .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Get a substring of the string stored at a key", .since = "2.4.0",
     .complexity = GETRANGE_COMPLEXITY, .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "substr", .proc = str_getrange_cmd,
     .args = "key:key start:integer end:integer",
     .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Get a substring of the string stored at a key", .since = "1.0.0",
     .complexity = GETRANGE_COMPLEXITY, .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1,
     .doc_flags = "deprecated", .replaced_by = "`GETRANGE`", .deprecated_since = "2.0.0"},
    {.name = "setrange", .proc = str_setrange_cmd,
     .args = "key:key offset:integer value:string",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Overwrite part of a string at key starting at the specified offset", .since = "2.2.0",
     .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, this "
                   "string is very small so the amortized complexity is O(1). Otherwise, complexity "
                   "is O(M) with M being the length of the value argument.",
     .keyspecs = KS_KEY1(KS_RW | KS_UPDATE), .nkeyspecs = 1},
    {.name = "incr", .proc = str_incr_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Increment the integer value of a key by one", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "decr", .proc = str_decr_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Decrement the integer value of a key by one", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "incrby", .proc = str_incrby_cmd,
     .args = "key:key increment:integer",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Increment the integer value of a key by the given amount", .since = "1.0.0",
     .complexity = "O(1)", .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "decrby", .proc = str_decrby_cmd,
     .args = "key:key decrement:integer",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STRING | ACL_FAST, .group = "string",
     .summary = "Decrement the integer value of a key by the given number", .since = "1.0.0",
     .complexity = "O(1)", .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "incrbyfloat", .proc = str_incrbyfloat_cmd,
     .args = "key:key increment:double",
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_STRING | ACL_FAST,
     .group = "string", .summary = "Increment the float value of a key by the given amount",
     .since = "2.6.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_UPDATE), .nkeyspecs = 1},
    {.name = "lcs", .proc = str_lcs_cmd,
     .args = "key1:key key2:key{#0} [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]",
     .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STRING | ACL_SLOW, .group = "string",
     .summary = "Find longest common substring", .since = "7.0.0",
     .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 1, 1)}, .nkeyspecs = 1},
    {0},
};

/* ---- the string type's descriptor ---- */

static void str_free_value(Obj *o) {
    if (o->encoding == ENC_RAW && !o->embedded) sds_free(o->ptr);
}

/* The bytes mixed in (an int-encoded value as its text), as Redis digests strings. */
static void str_digest(const Obj *o, uint8_t d[20]) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    debug_digest_mix(d, p, len);
}

static size_t str_mem_usage(const Obj *o, long long samples) {
    (void)samples;
    return o->encoding == ENC_RAW && !o->embedded ? sds_alloc_size(o->ptr) : 0;
}

/* RDB: the bytes (an int-encoded value as the integer encoding, as Redis does). */
static int str_rdb_type(const Obj *o) {
    (void)o;
    return RDB_TYPE_STRING;
}

static int str_rdb_save(Rio *r, const Obj *o) {
    if (o->encoding == ENC_INT) return rdb_save_ll_string(r, (long long)(intptr_t)o->ptr);
    return rdb_save_string(r, o->ptr, sds_len(o->ptr));
}

/* Strings are limited only by memory here (a chunked read bounds what a hostile
 * length can make us allocate); the value gets the encoding a SET would give it. */
#define STR_RDB_MAX_LEN ((size_t)1 << 40)

static Obj *str_rdb_load(Rio *r, int rdbtype, RdbErr *err) {
    (void)rdbtype;
    Sds s = rdb_load_string(r, STR_RDB_MAX_LEN, err);
    return s ? obj_try_encode(obj_from_sds(s)) : NULL;
}

static const unsigned char str_rdb_types[] = {RDB_TYPE_STRING, 255};

/* AOF rewrite without a preamble: SET key value. */
static int str_aof_rewrite(Rio *r, const char *key, size_t klen, const Obj *o) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = obj_strbuf(o, buf, &len);
    return rio_write_bulk_count(r, '*', 3) && rio_write_bulk_string(r, "SET", 3) &&
           rio_write_bulk_string(r, key, klen) && rio_write_bulk_string(r, p, len);
}

/* Active defragmentation: a raw string's sds moves (embedded and integer values
 * live inside the keyed object, which the keyspace walk moves). */
static int str_defrag(Obj *o, unsigned long *cursor, long budget) {
    (void)cursor;
    (void)budget;
    if (o->encoding == ENC_RAW && !o->embedded) {
        Sds n = sds_defrag(o->ptr);
        if (n) o->ptr = n;
    }
    return 1;
}

static const ObjType string_type = {
    .type = OBJ_STRING,
    .name = "string",
    .free_value = str_free_value,
    .dup = obj_dup_string,
    .digest = str_digest,
    .mem_usage = str_mem_usage,
    .rdb_type = str_rdb_type,
    .rdb_save = str_rdb_save,
    .rdb_load = str_rdb_load,
    .rdb_load_types = str_rdb_types,
    .aof_rewrite = str_aof_rewrite,
    .defrag = str_defrag,
};

const Module string_module = {
    .name = "strings",
    .commands = string_commands,
    .type = &string_type,
};
