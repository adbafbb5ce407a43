/* list_cmds.c - the list commands: pushes (LPUSH, RPUSH, LPUSHX, RPUSHX), pops
 * (LPOP, RPOP with COUNT, LMPOP), reads (LLEN, LRANGE, LINDEX, LPOS), edits (LSET,
 * LINSERT, LREM, LTRIM), moves (LMOVE, RPOPLPUSH) and the blocking forms (BLPOP,
 * BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH), with their command table.
 *
 * Invariants:
 * - Replies, error texts, keyspace events and the propagated commands are Redis
 *   7.0's: blocking pops propagate as LPOP/RPOP (with COUNT for LMPOP/BLMPOP),
 *   BLMOVE as LMOVE and BRPOPLPUSH as RPOPLPUSH.
 * - A command removing a list's last element deletes the key ("del" event).
 * - Blocking: a command that finds nothing calls block_on_keys() and returns; the
 *   blocking module re-runs it when a key is written, with CLIENT_BLOCKED still
 *   set. A re-run treats a key holding another type as missing (the client keeps
 *   waiting, as in Redis 7.0, which serves a waiter only from a list), while a
 *   BLMOVE destination of the wrong type still ends the wait with WRONGTYPE.
 *
 * Costs: pushes and pops O(1) per element (inside one node of at most 8 KB at the
 * default fill); LINDEX, LSET O(nodes) to find the node; LRANGE and pops with
 * COUNT O(nodes to the start + elements); LPOS, LREM, LINSERT O(elements scanned);
 * LTRIM O(nodes touched); blocking adds O(keys) per wait. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include "list.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/blocking.h"
#include "../core/command.h"
#include "../core/db.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/server.h"

/* ---- shared helpers ---- */

static const char *list_event(int where, int push) {
    if (push) return where == QL_HEAD ? "lpush" : "rpush";
    return where == QL_HEAD ? "lpop" : "rpop";
}

/* LEFT / RIGHT as a list end; replies a syntax error otherwise. */
static int list_where_arg(Client *c, int i, int *where) {
    if (arg_is(c->argv[i], "right")) *where = QL_TAIL;
    else if (arg_is(c->argv[i], "left")) *where = QL_HEAD;
    else {
        reply_error_syntax(c);
        return 0;
    }
    return 1;
}

/* The words Redis 7.0 propagates for the ends of a BLMOVE served after waiting
 * ("left", "right", lower case). Created once, never freed. */
static Obj *list_end_word(int where) {
    static Obj *words[2];
    if (!words[where]) words[where] = where == QL_HEAD ? obj_string("left", 4) : obj_string("right", 5);
    return words[where];
}

/* A blocking command's timeout in seconds as an absolute deadline in ms (0: for
 * ever): arg_timeout, Redis 7.0's rounding and overflow rules. */
static int list_timeout(Client *c, const Obj *arg, long long *deadline) { return arg_timeout(c, arg, deadline); }

/* Whether the running command is the re-run of a client waiting on keys (a
 * client released by the end of a CLIENT PAUSE runs with CLIENT_BLOCKED clear). */
static int list_is_rerun(const Client *c) {
    return (c->flags & CLIENT_BLOCKED) && c->bstate.type == BLOCKED_KEYS;
}

/* After n elements left key's list at `where`: the pop event, and the key's
 * deletion ("del") when the list became empty. o is not valid afterwards. */
static void list_removed(Client *c, Obj *key, Obj *o, int where, long n) {
    db_changed(c->db, key, NOTIFY_LIST, list_event(where, 0));
    if (list_length(o) == 0) {
        db_delete(c->db, key_ptr(key), key_len(key));
        notify_keyspace_event(NOTIFY_GENERIC, "del", key, c->db->id);
    }
    server.stat.dirty += n - 1; /* Redis counts one change per element */
}

/* Propagates LPOP/RPOP key [count] instead of the running command. */
static void list_propagate_pop(Client *c, int where, Obj *key, long count) {
    Obj *cmd = obj_word(where == QL_HEAD ? WORD_LPOP : WORD_RPOP);
    if (count < 0) {
        propagate_replace_objs(c, cmd, key, NULL);
        return;
    }
    Obj *n = obj_from_ll(count);
    propagate_replace_objs(c, cmd, key, n, NULL);
    obj_decr(n);
}

/* Replies with the element at `where` and removes it (the list is not empty). */
static void list_pop_reply_one(Client *c, Obj *o, int where) {
    QlIter it;
    QlEntry e;
    ql_iter_init(list_ql(o), &it, where == QL_HEAD ? QL_FORWARD : QL_BACKWARD);
    ql_next(&it, &e);
    list_reply_entry(c, &e);
    ql_del_entry(&it, &e);
    ql_iter_release(&it);
}

/* Replies with up to count elements from `where` (the tail's in reverse) as an
 * array and removes them; returns how many. */
static long list_pop_reply_range(Client *c, Obj *o, int where, long count) {
    long llen = (long)list_length(o), n = count > llen ? llen : count;
    if (where == QL_HEAD) list_reply_range(c, o, 0, n - 1, 0);
    else list_reply_range(c, o, -n, -1, 1);
    ql_del_range(list_ql(o), where == QL_HEAD ? 0 : -n, n);
    return n;
}

/* LMPOP/BLMPOP's reply: [key, [elements]]; the key is removed when emptied.
 * Propagates LPOP/RPOP key n. */
static void list_mpop_serve(Client *c, Obj *o, Obj *key, int where, long count) {
    reply_array_len(c, 2);
    reply_bulk_obj(c, key);
    long n = list_pop_reply_range(c, o, where, count);
    list_removed(c, key, o, where, n);
    list_propagate_pop(c, where, key, n);
}

/* ---- pushes ---- */

/* LPUSH/RPUSH/LPUSHX/RPUSHX; xx: only when the list exists. */
static void list_push_generic(Client *c, int where, int xx) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_LIST)) return;
    if (!o) {
        if (xx) {
            reply_long(c, 0);
            return;
        }
        o = db_add(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]), list_new());
    }
    Quicklist *ql = list_ql(o);
    for (int j = 2; j < c->argc; j++) ql_push(ql, arg_str(c, j), arg_len(c, j), where);
    reply_long(c, (long long)ql_count(ql));
    db_changed(c->db, c->argv[1], NOTIFY_LIST, list_event(where, 1));
    server.stat.dirty += c->argc - 3;
}

static void list_lpush_cmd(Client *c) { list_push_generic(c, QL_HEAD, 0); }
static void list_rpush_cmd(Client *c) { list_push_generic(c, QL_TAIL, 0); }
static void list_lpushx_cmd(Client *c) { list_push_generic(c, QL_HEAD, 1); }
static void list_rpushx_cmd(Client *c) { list_push_generic(c, QL_TAIL, 1); }

/* ---- pops ---- */

/* LPOP/RPOP key [count]: a bulk string without count, an array with it. */
static void list_pop_generic(Client *c, int where) {
    long long count = 0;
    int hascount = c->argc == 3;
    if (c->argc > 3) {
        reply_error_arity(c);
        return;
    }
    /* Redis 7.0 answers "must be positive" for a count that is not a number too */
    if (hascount && !arg_positive_ll(c, c->argv[2], &count, "value is out of range, must be positive")) return;
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        if (hascount) reply_null_array(c);
        else reply_null(c);
        return;
    }
    if (!db_check_type(c, o, OBJ_LIST)) return;
    if (hascount && count == 0) {
        reply_raw(c, "*0\r\n", 4);
        return;
    }
    long n = 1;
    if (hascount) n = list_pop_reply_range(c, o, where, (long)count);
    else list_pop_reply_one(c, o, where);
    list_removed(c, c->argv[1], o, where, n);
}

static void list_lpop_cmd(Client *c) { list_pop_generic(c, QL_HEAD); }
static void list_rpop_cmd(Client *c) { list_pop_generic(c, QL_TAIL); }

/* Parses [B]LMPOP's "numkeys key... LEFT|RIGHT [COUNT n]" from numkeys_idx. */
static int list_mpop_parse(Client *c, int numkeys_idx, int *numkeys, int *where, long *count) {
    long long nk, cnt = -1;
    if (!arg_ll_range(c, c->argv[numkeys_idx], 1, LONG_MAX, &nk, "numkeys should be greater than 0")) return 0;
    if (nk > c->argc - numkeys_idx - 2) {
        reply_error_syntax(c);
        return 0;
    }
    int where_idx = numkeys_idx + (int)nk + 1;
    if (!list_where_arg(c, where_idx, where)) return 0;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (cnt == -1 && arg_is(c->argv[j], "count") && j + 1 < c->argc) {
            j++;
            if (!arg_ll_range(c, c->argv[j], 1, LONG_MAX, &cnt, "count should be greater than 0")) return 0;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    *numkeys = (int)nk;
    *count = cnt == -1 ? 1 : (long)cnt;
    return 1;
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
static void list_lmpop_cmd(Client *c) {
    int numkeys, where;
    long count;
    if (!list_mpop_parse(c, 1, &numkeys, &where, &count)) return;
    for (int j = 0; j < numkeys; j++) {
        Obj *key = c->argv[2 + j];
        Obj *o = db_lookup_write(c, key);
        if (!o) continue;
        if (!db_check_type(c, o, OBJ_LIST)) return;
        list_mpop_serve(c, o, key, where, count);
        return;
    }
    reply_null_array(c);
}

/* ---- blocking pops ---- */

/* BLPOP/BRPOP (count < 0: [key, element]) and BLMPOP (count > 0: [key,
 * [elements]]): serves from the first key holding a list, else waits on all; a
 * re-run caused by a write looks at the written key only, as Redis. */
static void list_bpop_generic(Client *c, Obj **keys, int nkeys, int where, int timeout_idx, long count) {
    long long deadline;
    if (!list_timeout(c, c->argv[timeout_idx], &deadline)) return;
    int only = block_ready_key_index(c, keys, nkeys);
    for (int j = 0; j < nkeys; j++) {
        if (only >= 0 && j != only) continue;
        Obj *o = db_lookup_write(c, keys[j]);
        if (!o) continue;
        if (o->type != OBJ_LIST) {
            if (list_is_rerun(c)) continue;
            reply_error_wrongtype(c);
            return;
        }
        if (count > 0) {
            list_mpop_serve(c, o, keys[j], where, count);
            return;
        }
        reply_array_len(c, 2);
        reply_bulk_obj(c, keys[j]);
        list_pop_reply_one(c, o, where);
        list_removed(c, keys[j], o, where, 1);
        list_propagate_pop(c, where, keys[j], -1);
        return;
    }
    block_on_keys(c, keys, nkeys, deadline);
}

static void list_blpop_cmd(Client *c) { list_bpop_generic(c, c->argv + 1, c->argc - 2, QL_HEAD, c->argc - 1, -1); }
static void list_brpop_cmd(Client *c) { list_bpop_generic(c, c->argv + 1, c->argc - 2, QL_TAIL, c->argc - 1, -1); }

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
static void list_blmpop_cmd(Client *c) {
    int numkeys, where;
    long count;
    if (!list_mpop_parse(c, 2, &numkeys, &where, &count)) return;
    list_bpop_generic(c, c->argv + 3, numkeys, where, 1, count);
}

/* ---- moves ---- */

/* Pops src's element at `from` (src holds a list, dst is a list or missing),
 * pushes it on dst at `to` and replies with it. Events: the push on dst, then the
 * pop on src, then "del" if src became empty. */
static void list_move_element(Client *c, Obj *src, Obj *dst, int from, int to) {
    unsigned char *val;
    size_t len;
    long long lval;
    char num[LONG_STR_SIZE];
    ql_pop(list_ql(src), from, &val, &len, &lval);
    const char *p = (const char *)val;
    if (!val) {
        len = (size_t)ll2string(num, sizeof(num), lval);
        p = num;
    }
    Obj *skey = c->argv[1], *dkey = c->argv[2];
    if (!dst) dst = db_add(c->db, key_ptr(dkey), key_len(dkey), list_new());
    ql_push(list_ql(dst), p, len, to);
    db_changed(c->db, dkey, NOTIFY_LIST, list_event(to, 1));
    reply_bulk(c, p, len);
    vfree(val);
    /* one change in all, as Redis counts it: the source is touched, not counted */
    if (src != dst) db_key_touched(c->db, key_ptr(skey), key_len(skey));
    notify_keyspace_event(NOTIFY_LIST, list_event(from, 0), skey, c->db->id);
    if (list_length(src) == 0) {
        db_delete(c->db, key_ptr(skey), key_len(skey));
        notify_keyspace_event(NOTIFY_GENERIC, "del", skey, c->db->id);
    }
}

/* LMOVE/RPOPLPUSH and the serving part of their blocking forms: src is argv[1]
 * (holding a list), dst argv[2]. Returns 0 after a WRONGTYPE reply for dst. */
static int list_move_from(Client *c, Obj *src, int from, int to) {
    Obj *dst = db_lookup_write(c, c->argv[2]);
    if (!db_check_type(c, dst, OBJ_LIST)) return 0;
    list_move_element(c, src, dst, from, to);
    return 1;
}

/* LMOVE / RPOPLPUSH. */
static void list_move_generic(Client *c, int from, int to) {
    Obj *src = db_lookup_write(c, c->argv[1]);
    if (!src) {
        reply_null(c);
        return;
    }
    if (!db_check_type(c, src, OBJ_LIST)) return;
    list_move_from(c, src, from, to);
}

static void list_lmove_cmd(Client *c) {
    int from, to;
    if (!list_where_arg(c, 3, &from) || !list_where_arg(c, 4, &to)) return;
    list_move_generic(c, from, to);
}

static void list_rpoplpush_cmd(Client *c) { list_move_generic(c, QL_TAIL, QL_HEAD); }

/* What a served BLMOVE / BRPOPLPUSH propagates: RPOPLPUSH src dst, or LMOVE src
 * dst with the given ends (a re-run after waiting propagates Redis's lower-case
 * words, a direct call its own arguments). */
static void list_propagate_move(Client *c, int from, int to, int brpoplpush) {
    if (brpoplpush) {
        propagate_replace_objs(c, obj_word(WORD_RPOPLPUSH), c->argv[1], c->argv[2], NULL);
    } else if (list_is_rerun(c)) {
        propagate_replace_objs(c, obj_word(WORD_LMOVE), c->argv[1], c->argv[2], list_end_word(from),
                               list_end_word(to), NULL);
    } else {
        propagate_replace_objs(c, obj_word(WORD_LMOVE), c->argv[1], c->argv[2], c->argv[3], c->argv[4], NULL);
    }
}

/* BLMOVE / BRPOPLPUSH once the arguments are parsed. Inside MULTI (or a script)
 * an empty source replies a null bulk string, as in Redis 7.0. */
static void list_bmove_generic(Client *c, int from, int to, long long deadline, int brpoplpush) {
    Obj *src = db_lookup_write(c, c->argv[1]);
    if (src && src->type != OBJ_LIST && list_is_rerun(c)) src = NULL;
    if (!db_check_type(c, src, OBJ_LIST)) return;
    if (!src) {
        if (c->flags & CLIENT_DENY_BLOCKING) reply_null(c);
        else block_on_keys(c, c->argv + 1, 1, deadline);
        return;
    }
    if (list_move_from(c, src, from, to)) list_propagate_move(c, from, to, brpoplpush);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
static void list_blmove_cmd(Client *c) {
    int from, to;
    long long deadline;
    if (!list_where_arg(c, 3, &from) || !list_where_arg(c, 4, &to)) return;
    if (!list_timeout(c, c->argv[5], &deadline)) return;
    list_bmove_generic(c, from, to, deadline, 0);
}

/* BRPOPLPUSH source destination timeout */
static void list_brpoplpush_cmd(Client *c) {
    long long deadline;
    if (!list_timeout(c, c->argv[3], &deadline)) return;
    list_bmove_generic(c, QL_TAIL, QL_HEAD, deadline, 1);
}

/* ---- reads ---- */

static void list_llen_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!db_check_type(c, o, OBJ_LIST)) return;
    reply_long(c, o ? (long long)list_length(o) : 0);
}

static void list_lrange_cmd(Client *c) {
    long long start, end;
    if (!arg_ll(c, c->argv[2], &start, NULL) || !arg_ll(c, c->argv[3], &end, NULL)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_raw(c, "*0\r\n", 4);
        return;
    }
    if (!db_check_type(c, o, OBJ_LIST)) return;
    list_reply_range(c, o, start, end, 0);
}

/* LINDEX: the key is looked up before the index is parsed, as in Redis. */
static void list_lindex_cmd(Client *c) {
    Obj *o = db_lookup_read_or_reply(c, c->argv[1], OBJ_LIST);
    long long index;
    if (!o || !arg_ll(c, c->argv[2], &index, NULL)) return;
    QlIter it;
    QlEntry e;
    if (!ql_entry_at(list_ql(o), index, &it, &e)) {
        reply_null(c);
        return;
    }
    list_reply_entry(c, &e);
    ql_iter_release(&it);
}

/* LPOS options; count -1 when COUNT is absent. A RANK of LLONG_MIN searches from
 * the tail and, as in Redis 7.0 (whose negation of it overflows), returns every
 * match regardless of COUNT. */
typedef struct LposOpts {
    long long rank, count, maxlen;
    int backward, unlimited;
} LposOpts;

static int list_lpos_parse(Client *c, LposOpts *o) {
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (more && arg_is(c->argv[j], "rank")) {
            if (!arg_ll(c, c->argv[++j], &o->rank, NULL)) return 0;
            if (o->rank == 0) {
                reply_error(c, "RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                               "or use negative to start from the end of the list");
                return 0;
            }
        } else if (more && arg_is(c->argv[j], "count")) {
            if (!arg_positive_ll(c, c->argv[++j], &o->count, "COUNT can't be negative")) return 0;
        } else if (more && arg_is(c->argv[j], "maxlen")) {
            if (!arg_positive_ll(c, c->argv[++j], &o->maxlen, "MAXLEN can't be negative")) return 0;
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    o->backward = o->rank < 0;
    o->unlimited = o->rank == LLONG_MIN;
    if (o->unlimited) o->rank = 1;
    else if (o->backward) o->rank = -o->rank;
    return 1;
}

/* Scans for the element; with COUNT replies each matching index as found and
 * returns how many, else returns the index of the rank-th match or -1. */
static long long list_lpos_scan(Client *c, Obj *list, const LposOpts *o) {
    QlIter it;
    QlEntry e;
    long long llen = (long long)list_length(list), index = 0, matches = 0, found = 0;
    const unsigned char *ele = (const unsigned char *)arg_str(c, 2);
    size_t elen = arg_len(c, 2);
    ql_iter_init(list_ql(list), &it, o->backward ? QL_BACKWARD : QL_FORWARD);
    for (; (o->maxlen == 0 || index < o->maxlen) && ql_next(&it, &e); index++) {
        if (!ql_compare(&e, ele, elen) || ++matches < o->rank) continue;
        long long pos = o->backward ? llen - index - 1 : index;
        if (o->count == -1) {
            found = pos;
            break;
        }
        reply_long(c, pos);
        found++;
        if (!o->unlimited && o->count && matches - o->rank + 1 >= o->count) break;
    }
    ql_iter_release(&it);
    if (o->count == -1 && matches < o->rank) return -1;
    return found;
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
static void list_lpos_cmd(Client *c) {
    LposOpts opt;
    if (!list_lpos_parse(c, &opt)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        if (opt.count != -1) reply_raw(c, "*0\r\n", 4);
        else reply_null(c);
        return;
    }
    if (!db_check_type(c, o, OBJ_LIST)) return;
    if (opt.count == -1) {
        long long pos = list_lpos_scan(c, o, &opt);
        if (pos < 0) reply_null(c);
        else reply_long(c, pos);
        return;
    }
    void *len = reply_deferred_len(c);
    long long n = list_lpos_scan(c, o, &opt);
    reply_set_deferred_array_len(c, len, (long)n);
}

/* ---- edits ---- */

/* LSET: a missing key is "no such key"; the index is parsed after the lookup. */
static void list_lset_cmd(Client *c) {
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_error(c, "no such key");
        return;
    }
    long long index;
    if (!db_check_type(c, o, OBJ_LIST) || !arg_ll(c, c->argv[2], &index, NULL)) return;
    if (!ql_replace_at_index(list_ql(o), (long)index, arg_str(c, 3), arg_len(c, 3))) {
        reply_error(c, "index out of range");
        return;
    }
    reply_ok(c);
    db_changed(c->db, c->argv[1], NOTIFY_LIST, "lset");
}

/* LINSERT key BEFORE|AFTER pivot element: the new length, 0 without the key,
 * -1 without the pivot. */
static void list_linsert_cmd(Client *c) {
    int after;
    if (arg_is(c->argv[2], "after")) after = 1;
    else if (arg_is(c->argv[2], "before")) after = 0;
    else {
        reply_error_syntax(c);
        return;
    }
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_LIST)) return;
    QlIter it;
    QlEntry e;
    int inserted = 0;
    ql_iter_init(list_ql(o), &it, QL_FORWARD);
    while (!inserted && ql_next(&it, &e)) {
        if (!ql_compare(&e, (const unsigned char *)arg_str(c, 3), arg_len(c, 3))) continue;
        if (after) ql_insert_after(&it, &e, arg_str(c, 4), arg_len(c, 4));
        else ql_insert_before(&it, &e, arg_str(c, 4), arg_len(c, 4));
        inserted = 1;
    }
    ql_iter_release(&it);
    if (!inserted) {
        reply_long(c, -1);
        return;
    }
    db_changed(c->db, c->argv[1], NOTIFY_LIST, "linsert");
    reply_long(c, (long long)list_length(o));
}

/* LREM key count element: count > 0 removes that many from the head, < 0 from
 * the tail, 0 all of them. */
static void list_lrem_cmd(Client *c) {
    long long count;
    if (!arg_ll(c, c->argv[2], &count, NULL)) return;
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_LIST)) return;
    unsigned long long limit = count < 0 ? 0ULL - (unsigned long long)count : (unsigned long long)count;
    unsigned long long removed = 0;
    const unsigned char *ele = (const unsigned char *)arg_str(c, 3);
    size_t elen = arg_len(c, 3);
    QlIter it;
    QlEntry e;
    ql_iter_init(list_ql(o), &it, count < 0 ? QL_BACKWARD : QL_FORWARD);
    while ((limit == 0 || removed < limit) && ql_next(&it, &e)) {
        if (!ql_compare(&e, ele, elen)) continue;
        ql_del_entry(&it, &e);
        removed++;
    }
    ql_iter_release(&it);
    if (removed) {
        db_changed(c->db, c->argv[1], NOTIFY_LIST, "lrem");
        server.stat.dirty += (long long)removed - 1;
        if (list_length(o) == 0) {
            db_delete(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]));
            notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
        }
    }
    reply_long(c, (long long)removed);
}

/* LTRIM key start stop. Like Redis, a trim that removes nothing still emits
 * "ltrim" and touches the key (WATCH) but is not a change: nothing propagates. */
static void list_ltrim_cmd(Client *c) {
    long long start, end;
    if (!arg_ll(c, c->argv[2], &start, NULL) || !arg_ll(c, c->argv[3], &end, NULL)) return;
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_ok(c);
        return;
    }
    if (!db_check_type(c, o, OBJ_LIST)) return;
    long long llen = (long long)list_length(o), ltrim, rtrim;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        ltrim = llen;
        rtrim = 0;
    } else {
        if (end >= llen) end = llen - 1;
        ltrim = start;
        rtrim = llen - end - 1;
    }
    ql_del_range(list_ql(o), 0, (long)ltrim);
    ql_del_range(list_ql(o), (long)-rtrim, (long)rtrim);
    if (ltrim + rtrim == 0) {
        db_key_touched(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]));
        notify_keyspace_event(NOTIFY_LIST, "ltrim", c->argv[1], c->db->id);
    } else {
        db_changed(c->db, c->argv[1], NOTIFY_LIST, "ltrim");
        server.stat.dirty += ltrim + rtrim - 1;
    }
    if (list_length(o) == 0) {
        db_delete(c->db, key_ptr(c->argv[1]), key_len(c->argv[1]));
        notify_keyspace_event(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
    }
    reply_ok(c);
}

/* ---- command table ---- */

#define KS_KEY1(fl) { KS1(fl, 1, 0, 1) }
#define KS_MOVE { KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1), KS1(KS_RW | KS_INSERT, 2, 0, 1) }
#define PUSH_COMPLEXITY \
    "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
#define MPOP_COMPLEXITY \
    "O(N+M) where N is the number of provided keys and M is the number of elements returned."
#define BPOP_HISTORY "history 6.0.0 `timeout` is interpreted as a double instead of an integer."

Command list_commands[] = {
    {.name = "blmove", .proc = list_blmove_cmd,
     .args = "source:key destination:key (LEFT|RIGHT){wherefrom} (LEFT|RIGHT){whereto} timeout:double",
     .arity = 6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .group = "list",
     .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .since = "6.2.0", .complexity = "O(1)", .keyspecs = KS_MOVE, .nkeyspecs = 2},
    {.name = "blmpop", .proc = list_blmpop_cmd,
     .args = "timeout:double numkeys:integer key:key... (LEFT|RIGHT){where} [COUNT count:integer]",
     .arity = -5, .flags = CMD_WRITE | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .group = "list",
     .summary = "Pop elements from a list, or block until one is available", .since = "7.0.0",
     .complexity = MPOP_COMPLEXITY, .keyspecs = {KSN(KS_RW | KS_ACCESS | KS_DELETE, 2, 0, 1, 1)}, .nkeyspecs = 1},
    {.name = "blpop", .proc = list_blpop_cmd,
     .args = "key:key... timeout:double\n" BPOP_HISTORY,
     .arity = -3, .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .group = "list",
     .summary = "Remove and get the first element in a list, or block until one is available", .since = "2.0.0",
     .complexity = "O(N) where N is the number of provided keys.",
     .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1)}, .nkeyspecs = 1},
    {.name = "brpop", .proc = list_brpop_cmd,
     .args = "key:key... timeout:double\n" BPOP_HISTORY,
     .arity = -3, .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .group = "list",
     .summary = "Remove and get the last element in a list, or block until one is available", .since = "2.0.0",
     .complexity = "O(N) where N is the number of provided keys.",
     .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_DELETE, 1, -2, 1)}, .nkeyspecs = 1},
    {.name = "brpoplpush", .proc = list_brpoplpush_cmd,
     .args = "source:key destination:key timeout:double\n" BPOP_HISTORY,
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .group = "list",
     .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .since = "2.2.0", .complexity = "O(1)", .keyspecs = KS_MOVE, .nkeyspecs = 2,
     .doc_flags = "deprecated", .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
     .deprecated_since = "6.2.0"},
    {.name = "lindex", .proc = list_lindex_cmd,
     .args = "key:key index:integer",
     .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Get an element from a list by its index", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes "
                   "asking for the first or the last element of the list O(1).",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "linsert", .proc = list_linsert_cmd,
     .args = "key:key (BEFORE|AFTER){where} pivot:string element:string",
     .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Insert an element before or after another element in a list", .since = "2.2.0",
     .complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means "
                   "that inserting somewhere on the left end on the list (head) can be considered O(1) and "
                   "inserting somewhere on the right end (tail) is O(N).",
     .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "llen", .proc = list_llen_cmd,
     .args = "key:key",
     .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Get the length of a list", .since = "1.0.0", .complexity = "O(1)",
     .keyspecs = KS_KEY1(KS_RO), .nkeyspecs = 1},
    {.name = "lmove", .proc = list_lmove_cmd,
     .args = "source:key destination:key (LEFT|RIGHT){wherefrom} (LEFT|RIGHT){whereto}",
     .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Pop an element from a list, push it to another list and return it", .since = "6.2.0",
     .complexity = "O(1)", .keyspecs = KS_MOVE, .nkeyspecs = 2},
    {.name = "lmpop", .proc = list_lmpop_cmd,
     .args = "numkeys:integer key:key... (LEFT|RIGHT){where} [COUNT count:integer]",
     .arity = -4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Pop elements from a list", .since = "7.0.0", .complexity = MPOP_COMPLEXITY,
     .keyspecs = {KSN(KS_RW | KS_ACCESS | KS_DELETE, 1, 0, 1, 1)}, .nkeyspecs = 1},
    {.name = "lpop", .proc = list_lpop_cmd,
     .args = "key:key [count:integer]{@6.2.0}\n"
     "history 6.2.0 Added the `count` argument.",
     .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Remove and get the first elements in a list", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements returned",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_DELETE), .nkeyspecs = 1},
    {.name = "lpos", .proc = list_lpos_cmd,
     .args = "key:key element:string [RANK rank:integer] [COUNT num-matches:integer] [MAXLEN len:integer]",
     .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Return the index of matching elements on a list", .since = "6.0.6",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for "
                   "elements near the head or the tail of the list, or when the MAXLEN option is provided, the "
                   "command may run in constant time.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "lpush", .proc = list_lpush_cmd,
     .args = "key:key element:string...\n"
     "history 2.4.0 Accepts multiple `element` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Prepend one or multiple elements to a list", .since = "1.0.0", .complexity = PUSH_COMPLEXITY,
     .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "lpushx", .proc = list_lpushx_cmd,
     .args = "key:key element:string...\n"
     "history 4.0.0 Accepts multiple `element` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Prepend an element to a list, only if the list exists", .since = "2.2.0",
     .complexity = PUSH_COMPLEXITY, .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "lrange", .proc = list_lrange_cmd,
     .args = "key:key start:integer stop:integer",
     .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Get a range of elements from a list", .since = "1.0.0",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end "
                   "(HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
     .keyspecs = KS_KEY1(KS_RO | KS_ACCESS), .nkeyspecs = 1},
    {.name = "lrem", .proc = list_lrem_cmd,
     .args = "key:key count:integer element:string",
     .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Remove elements from a list", .since = "1.0.0",
     .complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.",
     .keyspecs = KS_KEY1(KS_RW | KS_DELETE), .nkeyspecs = 1},
    {.name = "lset", .proc = list_lset_cmd,
     .args = "key:key index:integer element:string",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Set the value of an element in a list by its index", .since = "1.0.0",
     .complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the "
                   "list is O(1).",
     .keyspecs = KS_KEY1(KS_RW | KS_UPDATE), .nkeyspecs = 1},
    {.name = "ltrim", .proc = list_ltrim_cmd,
     .args = "key:key start:integer stop:integer",
     .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Trim a list to the specified range", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements to be removed by the operation.",
     .keyspecs = KS_KEY1(KS_RW | KS_DELETE), .nkeyspecs = 1},
    {.name = "rpop", .proc = list_rpop_cmd,
     .args = "key:key [count:integer]{@6.2.0}\n"
     "history 6.2.0 Added the `count` argument.",
     .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Remove and get the last elements in a list", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements returned",
     .keyspecs = KS_KEY1(KS_RW | KS_ACCESS | KS_DELETE), .nkeyspecs = 1},
    {.name = "rpoplpush", .proc = list_rpoplpush_cmd,
     .args = "source:key destination:key",
     .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .group = "list",
     .summary = "Remove the last element in a list, prepend it to another list and return it", .since = "1.2.0",
     .complexity = "O(1)", .keyspecs = KS_MOVE, .nkeyspecs = 2,
     .doc_flags = "deprecated", .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
     .deprecated_since = "6.2.0"},
    {.name = "rpush", .proc = list_rpush_cmd,
     .args = "key:key element:string...\n"
     "history 2.4.0 Accepts multiple `element` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Append one or multiple elements to a list", .since = "1.0.0", .complexity = PUSH_COMPLEXITY,
     .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {.name = "rpushx", .proc = list_rpushx_cmd,
     .args = "key:key element:string...\n"
     "history 4.0.0 Accepts multiple `element` arguments.",
     .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .group = "list",
     .summary = "Append an element to a list, only if the list exists", .since = "2.2.0",
     .complexity = PUSH_COMPLEXITY, .keyspecs = KS_KEY1(KS_RW | KS_INSERT), .nkeyspecs = 1},
    {0},
};
