/* stream_cmds.c - the stream commands without consumer-group administration:
 * XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, and XREAD/XREADGROUP
 * (whose group bookkeeping, PEL and XCLAIM propagation live in stream_cg.c).
 *
 * Behaviour follows Redis 7.0.15's t_stream.c: ID parsing and its error texts,
 * MAXLEN/MINID with = and ~ and LIMIT (ignored when replaying the AOF), the
 * propagated forms (XADD with "*" or "ms-*" propagates the ID it generated; an
 * approximate trim propagates "=" with the effective MAXLEN or MINID), keyspace
 * events (xadd, xtrim, xdel, xsetid).
 *
 * Blocking: XREAD/XREADGROUP ... BLOCK park through block_on_keys and are re-run
 * when a key is written. Before blocking, each "$" argument is replaced by the
 * stream's last ID, so the re-run waits for entries after the ID in force when
 * the command first ran, as Redis does; a re-run reads at most 1000 entries per
 * stream when no COUNT was given (Redis's default for served blocked reads). A
 * re-run of XREADGROUP fails as Redis's unblocked readers do when the key is gone
 * or no longer a stream ("-UNBLOCKED the stream key no longer exists") or the
 * group was destroyed ("-NOGROUP the consumer group this client was blocked on
 * no longer exists"); a re-run of XREAD keeps waiting in those cases.
 *
 * Costs: as the value layer (stream.c); a range costs its rax seek plus the
 * entries walked; XREAD with N streams does N lookups. */
#include <limits.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include "stream.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/args.h"
#include "../core/blocking.h"
#include "../core/db.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/server.h"

#define XREAD_BLOCKED_DEFAULT_COUNT 1000

/* ---- IDs and replies ---- */

/* One ID part as Redis 7.0 reads it: the canonical integer form first (a
 * negative one is refused), then strtoull's looser one, so leading blanks,
 * a '+' sign, leading zeros and even " -1" (which wraps to 2^64-1) are
 * accepted, while an empty string, trailing junk and overflow are not. `s` is
 * NUL-terminated. Returns 1 and sets *v, or 0. */
static int stream_part_ull(const char *s, unsigned long long *v) {
    long long ll;
    if (string2ll(s, strlen(s), &ll)) {
        if (ll < 0) return 0;
        *v = (unsigned long long)ll;
        return 1;
    }
    errno = 0;
    char *end = NULL;
    *v = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || s[0] == 0 || *end != 0) return 0;
    return 1;
}

int stream_parse_id(Client *c, const Obj *o, StreamID *id, uint64_t missing_seq, int strict,
                    int *seq_given) {
    char buf[128];
    size_t len = sds_len(o->ptr);
    if (len > sizeof(buf) - 1) goto invalid;
    memcpy(buf, o->ptr, len);
    buf[len] = 0;
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == 0) goto invalid;
    if (seq_given) *seq_given = 1;
    if (buf[0] == '-' && buf[1] == 0) {
        id->ms = id->seq = 0;
        return 1;
    }
    if (buf[0] == '+' && buf[1] == 0) {
        id->ms = id->seq = UINT64_MAX;
        return 1;
    }
    /* Like Redis, the text is a C string from here on: an embedded NUL ends it. */
    unsigned long long ms, seq;
    char *dash = strchr(buf, '-');
    if (dash) *dash = 0;
    if (!stream_part_ull(buf, &ms)) goto invalid;
    if (dash) {
        if (seq_given && dash[1] == '*' && dash[2] == 0) {
            seq = 0;
            *seq_given = 0;
        } else if (!stream_part_ull(dash + 1, &seq)) {
            goto invalid;
        }
    } else {
        seq = missing_seq;
    }
    id->ms = ms;
    id->seq = seq;
    return 1;
invalid:
    if (c) reply_error(c, "Invalid stream ID specified as stream command argument");
    return 0;
}

void stream_reply_id(Client *c, const StreamID *id) {
    char buf[STREAM_ID_STR_LEN];
    int n = stream_id_fmt(buf, id);
    reply_bulk(c, buf, (size_t)n);
}

static Obj *stream_id_obj(const StreamID *id) {
    char buf[STREAM_ID_STR_LEN];
    int n = stream_id_fmt(buf, id);
    return obj_string(buf, (size_t)n);
}

void stream_reply_entry(Client *c, StreamIter *si, const StreamID *id, int64_t numfields) {
    reply_array_len(c, 2);
    stream_reply_id(c, id);
    reply_array_len(c, numfields * 2);
    while (numfields--) {
        const unsigned char *f, *v;
        int64_t fl, vl;
        stream_iter_get_field(si, &f, &fl, &v, &vl);
        reply_bulk(c, f, (size_t)fl);
        reply_bulk(c, v, (size_t)vl);
    }
}

/* Replies with the entries in [start, end] (end NULL: to the top), at most count
 * (0: all), for XRANGE/XREVRANGE and XREAD/XREADGROUP. With a group, new entries
 * advance its last ID and go to the consumer's PEL (unless noack), propagated as
 * Redis does (stream_cg.c). raw: no array header (one entry for the PEL history). */
size_t stream_reply_range(Client *c, Stream *s, const StreamID *start, const StreamID *end, size_t count,
                          int rev, StreamCG *group, StreamConsumer *consumer, int noack, int raw, Obj *key,
                          Obj *groupname) {
    void *lenp = raw ? NULL : reply_deferred_len(c);
    size_t n = 0;
    int propagate_last_id = 0;
    StreamIter si;
    StreamID id;
    int64_t nf;
    stream_iter_start(&si, s, start, end, rev);
    while (stream_iter_get_id(&si, &id, &nf)) {
        if (group && stream_cg_advance(s, group, &id) && noack) propagate_last_id = 1;
        stream_reply_entry(c, &si, &id, nf);
        if (group && !noack) stream_cg_deliver(c, group, consumer, &id, key, groupname);
        n++;
        if (count && n == count) break;
    }
    stream_iter_stop(&si);
    if (group && propagate_last_id && key) stream_cg_propagate_setid(c, key, group, groupname);
    if (lenp) reply_set_deferred_array_len(c, lenp, (long)n);
    return n;
}

/* ---- XADD / XTRIM argument parsing ---- */

typedef struct AddTrimArgs {
    StreamID id;
    int id_given, seq_given, no_mkstream;
    int strategy;     /* STREAM_TRIM_* */
    int strategy_arg; /* index of the MAXLEN/MINID value */
    int approx;
    long long limit, maxlen;
    StreamID minid;
} AddTrimArgs;

/* Loading the AOF obeys the command as written (Redis: mustObeyClient). */
static int must_obey(void) { return server.loading; }

/* Returns the index of the ID (XADD) or of the end of the options (XTRIM), or -1
 * after replying an error. */
static int parse_add_trim(Client *c, AddTrimArgs *a, int xadd) {
    memset(a, 0, sizeof(*a));
    int i = 2, limit_given = 0;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        const char *opt = arg_str(c, i);
        if (xadd && opt[0] == '*' && opt[1] == 0) {
            break;
        } else if ((!strcasecmp(opt, "maxlen") || !strcasecmp(opt, "minid")) && more) {
            int minid = opt[1] == 'i' || opt[1] == 'I';
            if (a->strategy != STREAM_TRIM_NONE) {
                reply_error(c, "syntax error, MAXLEN and MINID options at the same time are not compatible");
                return -1;
            }
            a->approx = 0;
            const char *next = arg_str(c, i + 1);
            if (more >= 2 && next[0] == '~' && next[1] == 0) {
                a->approx = 1;
                i++;
            } else if (more >= 2 && next[0] == '=' && next[1] == 0) {
                i++;
            }
            if (!minid) {
                if (!arg_ll(c, c->argv[i + 1], &a->maxlen, NULL)) return -1;
                if (a->maxlen < 0) {
                    reply_error(c, "The MAXLEN argument must be >= 0.");
                    return -1;
                }
            } else if (!stream_parse_id(c, c->argv[i + 1], &a->minid, 0, 1, NULL)) {
                return -1;
            }
            i++;
            a->strategy = minid ? STREAM_TRIM_MINID : STREAM_TRIM_MAXLEN;
            a->strategy_arg = i;
        } else if (!strcasecmp(opt, "limit") && more) {
            if (!arg_ll(c, c->argv[i + 1], &a->limit, NULL)) return -1;
            if (a->limit < 0) {
                reply_error(c, "The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = 1;
            i++;
        } else if (xadd && !strcasecmp(opt, "nomkstream")) {
            a->no_mkstream = 1;
        } else if (xadd) {
            if (!stream_parse_id(c, c->argv[i], &a->id, 0, 1, &a->seq_given)) return -1;
            a->id_given = 1;
            break;
        } else {
            reply_error_syntax(c);
            return -1;
        }
    }
    if (a->limit && a->strategy == STREAM_TRIM_NONE) {
        reply_error(c, "syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return -1;
    }
    if (!xadd && a->strategy == STREAM_TRIM_NONE) {
        reply_error(c, "syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (must_obey()) {
        a->limit = 0;
    } else if (limit_given) {
        if (!a->approx) {
            reply_error(c, "syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
    } else if (a->approx) {
        a->limit = 100 * stream_node_max_entries;
        if (a->limit <= 0) a->limit = 10000;
        if (a->limit > 1000000) a->limit = 1000000;
    } else {
        a->limit = 0;
    }
    return i;
}

/* Propagates the running command with up to 3 arguments replaced (idx[k] gets
 * val[k]; idx -1 skipped). */
static void propagate_with(Client *c, const int *idx, Obj **val, int n) {
    Obj **argv = vmalloc(sizeof(Obj *) * (size_t)c->argc);
    memcpy(argv, c->argv, sizeof(Obj *) * (size_t)c->argc);
    for (int k = 0; k < n; k++)
        if (idx[k] >= 0 && idx[k] < c->argc) argv[idx[k]] = val[k];
    propagate_replace(c, argv, c->argc);
    vfree(argv);
}

/* The "=" and effective limit an approximate trim propagates (Redis's
 * streamRewriteApproxSpecifier + streamRewriteTrimArgument). */
static void trim_rewrite(Stream *s, const AddTrimArgs *a, int *idx, Obj **val, int *n) {
    idx[*n] = a->strategy_arg - 1;
    val[(*n)++] = obj_string("=", 1);
    idx[*n] = a->strategy_arg;
    if (a->strategy == STREAM_TRIM_MAXLEN) {
        val[(*n)++] = obj_from_ll((long long)s->length);
    } else {
        StreamID first;
        stream_edge_id(s, 1, 0, &first);
        val[(*n)++] = stream_id_obj(&first);
    }
}

void stream_xadd_cmd(Client *c) {
    AddTrimArgs a;
    int idpos = parse_add_trim(c, &a, 1);
    if (idpos < 0) return;
    int field_pos = idpos + 1;
    if (c->argc - field_pos < 2 || (c->argc - field_pos) % 2 == 1) {
        reply_error_arity(c);
        return;
    }
    if (a.id_given && a.seq_given && a.id.ms == 0 && a.id.seq == 0) {
        reply_error(c, "The ID specified in XADD must be greater than 0-0");
        return;
    }
    Obj *key = c->argv[1];
    Obj *o = db_lookup_write(c, key);
    if (o && !db_check_type(c, o, OBJ_STREAM)) return;
    if (!o) {
        if (a.no_mkstream) {
            reply_null(c);
            return;
        }
        o = db_add(c->db, key_ptr(key), key_len(key), stream_new_obj());
    }
    Stream *s = o->ptr;
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX) {
        reply_error(c, "The stream has exhausted the last possible ID, unable to add more items");
        return;
    }
    StreamID id;
    int rc = stream_append(s, c->argv + field_pos, (c->argc - field_pos) / 2, &id,
                           a.id_given ? &a.id : NULL, a.seq_given);
    if (rc == STREAM_ERR_EDOM) {
        reply_error(c, "The ID specified in XADD is equal or smaller than the target stream top item");
        return;
    }
    if (rc) {
        reply_error(c, "Elements are too large to be stored");
        return;
    }
    stream_reply_id(c, &id);
    db_changed(c->db, key, NOTIFY_STREAM, "xadd");
    block_signal_key_strong(c->db, key_ptr(key), key_len(key));
    int idx[3];
    Obj *val[3];
    int n = 0;
    if (a.strategy != STREAM_TRIM_NONE) {
        if (stream_trim(s, a.strategy, a.maxlen, &a.minid, a.approx, a.limit))
            notify_keyspace_event(NOTIFY_STREAM, "xtrim", key, c->db->id);
        if (a.approx) trim_rewrite(s, &a, idx, val, &n);
    }
    if (!a.id_given || !a.seq_given) {
        idx[n] = idpos;
        val[n++] = stream_id_obj(&id);
    }
    if (n) {
        propagate_with(c, idx, val, n);
        for (int k = 0; k < n; k++) obj_decr(val[k]);
    }
}

void stream_xtrim_cmd(Client *c) {
    AddTrimArgs a;
    if (parse_add_trim(c, &a, 0) < 0) return;
    Obj *key = c->argv[1];
    Obj *o = db_lookup_write(c, key);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_STREAM)) return;
    Stream *s = o->ptr;
    int64_t deleted = stream_trim(s, a.strategy, a.maxlen, &a.minid, a.approx, a.limit);
    if (deleted) {
        db_changed(c->db, key, NOTIFY_STREAM, "xtrim");
        server.stat.dirty += deleted - 1;
        if (a.approx) {
            int idx[2];
            Obj *val[2];
            int n = 0;
            trim_rewrite(s, &a, idx, val, &n);
            propagate_with(c, idx, val, n);
            for (int k = 0; k < n; k++) obj_decr(val[k]);
        }
    }
    reply_long(c, deleted);
}

void stream_xlen_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_STREAM)) return;
    reply_long(c, (long long)stream_of(o)->length);
}

int stream_parse_bound(Client *c, const Obj *o, StreamID *id, int is_end) {
    const char *p = o->ptr;
    size_t len = sds_len(o->ptr);
    uint64_t missing_seq = is_end ? UINT64_MAX : 0;
    if (len <= 1 || p[0] != '(') return stream_parse_id(c, o, id, missing_seq, 0, NULL);
    Obj *t = obj_string(p + 1, len - 1);
    int ok = stream_parse_id(c, t, id, missing_seq, 1, NULL);
    obj_decr(t);
    if (!ok) return 0;
    if (is_end ? !stream_id_decr(id) : !stream_id_incr(id)) {
        reply_error(c, is_end ? "invalid end ID for the interval" : "invalid start ID for the interval");
        return 0;
    }
    return 1;
}

static void xrange_generic(Client *c, int rev) {
    StreamID start, end;
    long long count = -1;
    Obj *startarg = rev ? c->argv[3] : c->argv[2];
    Obj *endarg = rev ? c->argv[2] : c->argv[3];
    if (!stream_parse_bound(c, startarg, &start, 0) || !stream_parse_bound(c, endarg, &end, 1)) return;
    for (int j = 4; j < c->argc; j++) {
        int additional = c->argc - j - 1;
        if (!strcasecmp(arg_str(c, j), "COUNT") && additional >= 1) {
            if (!arg_ll(c, c->argv[j + 1], &count, NULL)) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_array_len(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_STREAM)) return;
    if (count == 0) {
        reply_null_array(c);
        return;
    }
    if (count == -1) count = 0;
    stream_reply_range(c, o->ptr, &start, &end, (size_t)count, rev, NULL, NULL, 0, 0, NULL, NULL);
}

void stream_xrange_cmd(Client *c) { xrange_generic(c, 0); }
void stream_xrevrange_cmd(Client *c) { xrange_generic(c, 1); }

void stream_xdel_cmd(Client *c) {
    Obj *key = c->argv[1];
    Obj *o = db_lookup_write(c, key);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!db_check_type(c, o, OBJ_STREAM)) return;
    Stream *s = o->ptr;
    int n = c->argc - 2;
    StreamID local[8];
    StreamID *ids = n > 8 ? vmalloc(sizeof(StreamID) * (size_t)n) : local;
    for (int j = 0; j < n; j++) {
        if (!stream_parse_id(c, c->argv[j + 2], &ids[j], 0, 1, NULL)) goto cleanup;
    }
    long long deleted = 0;
    int first_entry = 0;
    for (int j = 0; j < n; j++) {
        if (stream_delete_item(s, &ids[j])) {
            if (stream_id_cmp(&ids[j], &s->first_id) == 0) first_entry = 1;
            if (stream_id_cmp(&ids[j], &s->max_deleted_entry_id) > 0) s->max_deleted_entry_id = ids[j];
            deleted++;
        }
    }
    if (deleted) {
        if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
        else if (first_entry) stream_edge_id(s, 1, 1, &s->first_id);
        db_changed(c->db, key, NOTIFY_STREAM, "xdel");
        server.stat.dirty += deleted - 1;
    }
    reply_long(c, deleted);
cleanup:
    if (ids != local) vfree(ids);
}

void stream_xsetid_cmd(Client *c) {
    StreamID id, max_xdel = {0, 0};
    long long entries_added = -1;
    if (!stream_parse_id(c, c->argv[2], &id, 0, 1, NULL)) return;
    int i = 3;
    while (i < c->argc) {
        int more = c->argc - 1 - i;
        const char *opt = arg_str(c, i);
        if (!strcasecmp(opt, "ENTRIESADDED") && more) {
            if (!arg_ll(c, c->argv[i + 1], &entries_added, NULL)) return;
            if (entries_added < 0) {
                reply_error(c, "entries_added must be positive");
                return;
            }
            i += 2;
        } else if (!strcasecmp(opt, "MAXDELETEDID") && more) {
            if (!stream_parse_id(c, c->argv[i + 1], &max_xdel, 0, 1, NULL)) return;
            if (stream_id_cmp(&id, &max_xdel) < 0) {
                reply_error(c, "The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                return;
            }
            i += 2;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!o) {
        reply_error(c, "no such key");
        return;
    }
    if (!db_check_type(c, o, OBJ_STREAM)) return;
    Stream *s = o->ptr;
    if (s->length > 0) {
        StreamID maxid;
        stream_last_valid_id(s, &maxid);
        if (stream_id_cmp(&id, &maxid) < 0) {
            reply_error(c, "The ID specified in XSETID is smaller than the target stream top item");
            return;
        }
        if (entries_added != -1 && s->length > (uint64_t)entries_added) {
            reply_error(c, "The entries_added specified in XSETID is smaller than the target stream length");
            return;
        }
    }
    s->last_id = id;
    if (entries_added != -1) s->entries_added = (uint64_t)entries_added;
    if (max_xdel.ms || max_xdel.seq) s->max_deleted_entry_id = max_xdel;
    reply_ok(c);
    db_changed(c->db, c->argv[1], NOTIFY_STREAM, "xsetid");
}

/* ---- XREAD / XREADGROUP ---- */

/* BLOCK's milliseconds, as Redis 7.0's getTimeoutFromObjectOrReply(UNIT_MILLISECONDS):
 * absolute unix ms, 0 for ever. */
static int parse_block_ms(Client *c, const Obj *o, long long *abs_ms) {
    long long ms;
    if (!arg_ll(c, o, &ms, "timeout is not an integer or out of range")) return 0;
    if (ms < 0) {
        reply_error(c, "timeout is negative");
        return 0;
    }
    if (ms > 0) {
        /* Redis 7.0 adds the clock without a range check: a timeout that
         * overflows wraps negative, which its timeout table ignores, so such a
         * read waits for ever instead of failing. */
        long long now = server.mstime;
        ms = ms > LLONG_MAX - now ? 0 : ms + now;
    }
    *abs_ms = ms;
    return 1;
}

static int is_rerun(const Client *c) { return (c->flags & CLIENT_BLOCKED) && c->bstate.type == BLOCKED_KEYS; }

/* Replaces argument i of the blocked command (a "$" becomes the ID it meant). */
static void replace_arg(Client *c, int i, Obj *val) {
    c->argv_len_sum -= sds_len(c->argv[i]->ptr);
    obj_decr(c->argv[i]);
    c->argv[i] = val;
    c->argv_len_sum += sds_len(val->ptr);
}

void stream_xread_cmd(Client *c) {
    long long timeout = -1, count = 0;
    int streams_count = 0, streams_arg = 0, noack = 0;
    int xreadgroup = sds_len(c->argv[0]->ptr) == 10;
    Obj *groupname = NULL, *consumername = NULL;
    int rerun = is_rerun(c);
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        const char *o = arg_str(c, i);
        if (!strcasecmp(o, "BLOCK") && more) {
            if (c->flags & CLIENT_SCRIPT) {
                reply_errorf(c, "%s command is not allowed with BLOCK option from scripts", arg_str(c, 0));
                return;
            }
            i++;
            if (!parse_block_ms(c, c->argv[i], &timeout)) return;
        } else if (!strcasecmp(o, "COUNT") && more) {
            i++;
            if (!arg_ll(c, c->argv[i], &count, NULL)) return;
            if (count < 0) count = 0;
        } else if (!strcasecmp(o, "STREAMS") && more) {
            streams_arg = i + 1;
            streams_count = c->argc - streams_arg;
            if (streams_count % 2 != 0) {
                reply_error(c, "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                               "specified.");
                return;
            }
            streams_count /= 2;
            break;
        } else if (!strcasecmp(o, "GROUP") && more >= 2) {
            if (!xreadgroup) {
                reply_error(c, "The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            groupname = c->argv[i + 1];
            consumername = c->argv[i + 2];
            i += 2;
        } else if (!strcasecmp(o, "NOACK")) {
            if (!xreadgroup) {
                reply_error(c, "The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            noack = 1;
        } else {
            reply_error_syntax(c);
            return;
        }
    }
    if (streams_arg == 0) {
        reply_error_syntax(c);
        return;
    }
    if (xreadgroup && !groupname) {
        reply_error(c, "Missing GROUP option for XREADGROUP");
        return;
    }
    if (rerun && count == 0) count = XREAD_BLOCKED_DEFAULT_COUNT;

    StreamID local_ids[8];
    StreamCG *local_groups[8];
    StreamID *ids = streams_count > 8 ? vmalloc(sizeof(StreamID) * (size_t)streams_count) : local_ids;
    StreamCG **groups = NULL;
    if (groupname)
        groups = streams_count > 8 ? vmalloc(sizeof(StreamCG *) * (size_t)streams_count) : local_groups;

    for (int i = streams_arg + streams_count; i < c->argc; i++) {
        int k = i - streams_arg - streams_count;
        Obj *key = c->argv[i - streams_count];
        Obj *o = db_lookup_read(c, key);
        if (o && o->type != OBJ_STREAM) {
            if (rerun && !groupname) {
                o = NULL; /* a blocked XREAD keeps waiting */
            } else if (rerun) {
                reply_error(c, "-UNBLOCKED the stream key no longer exists");
                goto cleanup;
            } else {
                reply_error_wrongtype(c);
                goto cleanup;
            }
        }
        if (groupname) {
            StreamCG *g = NULL;
            if (rerun && !o) {
                reply_error(c, "-UNBLOCKED the stream key no longer exists");
                goto cleanup;
            }
            if (o) g = stream_cg_lookup(o->ptr, groupname->ptr, sds_len(groupname->ptr));
            if (!g) {
                if (rerun) reply_error(c, "-NOGROUP the consumer group this client was blocked on no longer exists");
                else
                    reply_errorf(c, "-NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option",
                                 (const char *)key->ptr, (const char *)groupname->ptr);
                goto cleanup;
            }
            groups[k] = g;
        }
        const char *idstr = arg_str(c, i);
        if (!strcmp(idstr, "$")) {
            if (xreadgroup) {
                reply_error(c, "The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
                               "of this consumer by specifying a proper ID, or use the > ID to get new messages. "
                               "The $ ID would just return an empty result set.");
                goto cleanup;
            }
            if (o) ids[k] = stream_of(o)->last_id;
            else ids[k].ms = ids[k].seq = 0;
            continue;
        } else if (!strcmp(idstr, ">")) {
            if (!xreadgroup) {
                reply_error(c, "The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
                               "<consumer> option.");
                goto cleanup;
            }
            ids[k].ms = ids[k].seq = UINT64_MAX;
            continue;
        }
        if (!stream_parse_id(c, c->argv[i], &ids[k], 0, 1, NULL)) goto cleanup;
    }

    size_t arraylen = 0;
    void *lenp = NULL;
    /* A re-run caused by a write serves only the key written, like Redis's
     * serveClientsBlockedOnStreamKey (whose reply names that one stream). After
     * an XADD (strong) it compares the stream's last ID with the awaited one as
     * Redis does, so entries added and deleted again (XADD MAXLEN 0, or XADD then
     * XDEL in a MULTI) give a reply with no entries; after other writes, which
     * Redis does not signal (XSETID, XDEL, XGROUP SETID...), it serves only when a
     * live entry is past the awaited ID. */
    const char *rkey = NULL;
    size_t rklen = 0;
    int strong = 0;
    int only = rerun && block_ready_key(c, &rkey, &rklen, &strong);
    for (int i = 0; i < streams_count; i++) {
        Obj *key = c->argv[streams_arg + i];
        if (only && (key_len(key) != rklen || memcmp(key_ptr(key), rkey, rklen) != 0)) continue;
        Obj *o = db_lookup(c->db, key_ptr(key), key_len(key), 0);
        if (!o || o->type != OBJ_STREAM) {
            if (only) break;
            continue;
        }
        Stream *s = o->ptr;
        StreamID *gt = &ids[i];
        int serve = 0, history = 0;
        if (only) {
            if (groups) *gt = groups[i]->last_id;
            StreamID maxid;
            if (strong) serve = stream_id_cmp(&s->last_id, gt) > 0;
            else if (s->length) {
                stream_last_valid_id(s, &maxid);
                serve = stream_id_cmp(&maxid, gt) > 0;
            }
            if (!serve) break;
        } else if (groups) {
            if (gt->ms != UINT64_MAX || gt->seq != UINT64_MAX) {
                serve = history = 1;
            } else if (s->length) {
                StreamID maxid;
                stream_last_valid_id(s, &maxid);
                if (stream_id_cmp(&maxid, &groups[i]->last_id) > 0) {
                    serve = 1;
                    *gt = groups[i]->last_id;
                }
            }
        } else if (s->length) {
            StreamID maxid;
            stream_last_valid_id(s, &maxid);
            if (stream_id_cmp(&maxid, gt) > 0) serve = 1;
        }
        if (!serve) continue;
        arraylen++;
        if (arraylen == 1) lenp = reply_deferred_len(c);
        StreamID start = *gt;
        stream_id_incr(&start);
        if (c->resp == 2) reply_array_len(c, 2);
        reply_bulk_obj(c, key);
        StreamConsumer *consumer = NULL;
        if (groups) {
            consumer = stream_cg_consumer_for_read(c, groups[i], consumername, key, groupname, noack);
            if (history)
                stream_cg_reply_pel_history(c, s, &start, NULL, (size_t)count, consumer);
            else
                stream_reply_range(c, s, &start, NULL, (size_t)count, 0, groups[i], consumer, noack, 0, key,
                                   groupname);
            server.stat.dirty++;
        } else {
            stream_reply_range(c, s, &start, NULL, (size_t)count, 0, NULL, NULL, 0, 0, NULL, NULL);
        }
        if (only) break;
    }
    if (arraylen) {
        if (c->resp == 2) reply_set_deferred_array_len(c, lenp, (long)arraylen);
        else reply_set_deferred_map_len(c, lenp, (long)arraylen);
        goto cleanup;
    }
    if (timeout != -1) {
        if (!rerun && !(c->flags & CLIENT_DENY_BLOCKING)) {
            /* Pin each "$" to the ID it means now, for the re-runs. */
            for (int i = 0; i < streams_count; i++) {
                int a = streams_arg + streams_count + i;
                if (!strcmp(arg_str(c, a), "$")) replace_arg(c, a, stream_id_obj(&ids[i]));
            }
        }
        block_on_keys(c, c->argv + streams_arg, streams_count, timeout);
        goto cleanup;
    }
    reply_null_array(c);
cleanup:
    if (groupname) propagate_prevent(c);
    if (ids != local_ids) vfree(ids);
    if (groups && groups != local_groups) vfree(groups);
}
