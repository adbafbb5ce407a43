/* propagate.c - the propagation point: the commands a write sends to the AOF and to
 * replicas, collected per top-level call and emitted to the registered sinks.
 *
 * A stack of call frames mirrors nested calls (EXEC and scripts call commands from
 * inside their own call). Each frame remembers whether its command's own argv was
 * replaced or prevented. Ending a frame whose call changed the dataset appends the
 * command (or its replacement) to the pending list; ending the outermost frame
 * emits the pending list: MULTI first when it holds several commands (unless the
 * top command touches arbitrary keys), a SELECT before any command whose database
 * differs from what the sink saw last, EXEC last.
 * A command forced to replicas only (PUBLISH) is skipped by the AOF sink.
 * Invariants: pending commands own one reference to each argument; frames are only
 * pushed and popped by dispatch, strictly nested.
 * Costs: O(arguments) per propagated command per sink; nothing at all for calls
 * that change nothing. */
#include "propagate.h"
#include "command.h"
#include "db.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/panic.h"
#include "../base/util.h"
#include <stdarg.h>
#include <string.h>

#define MAX_SINKS 16

typedef struct PendingOp {
    int dbid;
    int repl_only;             /* skipped by the AOF sink */
    int argc;
    Obj **argv;
} PendingOp;

typedef PropFrame Frame;

static PropSink *sinks[MAX_SINKS];
static int nsinks;
static PendingOp *pending;
static int npending, pending_cap;
PropFrame prop_frames[PROP_MAX_DEPTH];
int prop_depth, prop_slow;
#define frames prop_frames
#define depth prop_depth
static int no_multi;
static long long emitted;
static Obj *shared_multi, *shared_exec, *shared_select, *shared_del, *shared_unlink;

static Obj *shared_word(Obj **slot, const char *w) {
    if (!*slot) {
        *slot = obj_string(w, strlen(w));
        (*slot)->refcount = OBJ_SHARED_REFCOUNT;
    }
    return *slot;
}

void propagate_add_sink(PropSink *sink) {
    if (nsinks == MAX_SINKS) return;
    sink->seldb = -1;
    sinks[nsinks++] = sink;
}

void propagate_remove_sink(PropSink *sink) {
    for (int i = 0; i < nsinks; i++) {
        if (sinks[i] != sink) continue;
        memmove(sinks + i, sinks + i + 1, sizeof(PropSink *) * (size_t)(nsinks - i - 1));
        nsinks--;
        return;
    }
}

void propagate_sink_reset_db(PropSink *sink) { sink->seldb = -1; }
int propagate_has_sinks(void) { return nsinks > 0; }
long long propagate_emitted(void) { return emitted; }

/* ---------------- emitting ---------------- */

static Sds cat_header(Sds dst, char prefix, size_t n) {
    char buf[32];
    buf[0] = prefix;
    int len = 1 + ll2string(buf + 1, sizeof(buf) - 3, (long long)n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    return sds_catlen(dst, buf, (size_t)len);
}

Sds propagate_cat_command(Sds dst, Obj **argv, int argc) {
    dst = cat_header(dst, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        char buf[LONG_STR_SIZE];
        size_t len;
        const char *p = obj_strbuf(argv[i], buf, &len);
        dst = cat_header(dst, '$', len);
        dst = sds_catlen(dst, p, len);
        dst = sds_catlen(dst, "\r\n", 2);
    }
    return dst;
}

static void feed_one(PropSink *s, int dbid, Obj **argv, int argc) {
    if (dbid >= 0 && s->seldb != dbid) {
        char buf[16];
        int n = ll2string(buf, sizeof(buf), dbid);
        Obj *sel[2] = {shared_word(&shared_select, "SELECT"), obj_string(buf, (size_t)n)};
        s->feed(s, sel, 2);
        obj_decr(sel[1]);
        s->seldb = dbid;
    }
    s->feed(s, argv, argc);
}

static void emit(int dbid, Obj **argv, int argc, int repl_only) {
    for (int i = 0; i < nsinks; i++)
        if (!(repl_only && sinks[i]->aof)) feed_one(sinks[i], dbid, argv, argc);
    emitted++;
}

/* Whether any sink takes commands meant for replicas only. */
static int has_repl_sinks(void) {
    for (int i = 0; i < nsinks; i++)
        if (!sinks[i]->aof) return 1;
    return 0;
}

static void free_op(PendingOp *op) {
    for (int i = 0; i < op->argc; i++) obj_decr(op->argv[i]);
    vfree(op->argv);
}

static void flush_pending(void) {
    int wrap = npending > 1 && !no_multi;
    if (wrap) {
        Obj *m = shared_word(&shared_multi, "MULTI");
        emit(pending[0].dbid, &m, 1, 0);
    }
    for (int i = 0; i < npending; i++) emit(pending[i].dbid, pending[i].argv, pending[i].argc, pending[i].repl_only);
    if (wrap) {
        Obj *e = shared_word(&shared_exec, "EXEC");
        emit(pending[npending - 1].dbid, &e, 1, 0);
    }
    for (int i = 0; i < npending; i++) free_op(&pending[i]);
    npending = 0;
    no_multi = 0;
}

static void add_pending(int dbid, Obj **argv, int argc, int repl_only) {
    if (nsinks == 0 || server.loading) return; /* nothing propagates while loading */
    if (repl_only && !has_repl_sinks()) return;
    if (npending == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 8;
        pending = vrealloc(pending, sizeof(PendingOp) * (size_t)pending_cap);
    }
    PendingOp *op = &pending[npending++];
    prop_slow = 1;
    op->dbid = dbid;
    op->repl_only = repl_only;
    op->argc = argc;
    op->argv = vmalloc(sizeof(Obj *) * (size_t)(argc ? argc : 1));
    for (int i = 0; i < argc; i++) {
        op->argv[i] = argv[i];
        obj_incr(argv[i]);
    }
}

/* ---------------- call scopes ---------------- */

void propagate_too_deep(void) { panic("propagate: calls nested deeper than %d", PROP_MAX_DEPTH); }

static void frame_clear(Frame *f) {
    for (int i = 0; i < f->replaced_argc; i++) obj_decr(f->replaced[i]);
    vfree(f->replaced);
    f->replaced = NULL;
    f->replaced_argc = 0;
}

void propagate_call_end_slow(Client *c, int dirty) {
    if (depth == 0) panic("propagate: call end without a call");
    Frame *f = &frames[depth - 1];
    if ((dirty || (f->flags & (PROP_FRAME_FORCED | PROP_FRAME_FORCED_REPL))) && !(f->flags & PROP_FRAME_PREVENTED) &&
        nsinks && !(c->flags & CLIENT_PREVENT_PROP)) {
        int repl_only = !dirty && !(f->flags & PROP_FRAME_FORCED);
        if (f->replaced) add_pending(c->db->id, f->replaced, f->replaced_argc, repl_only);
        else add_pending(c->db->id, c->argv, c->argc, repl_only);
    }
    if (f->replaced) frame_clear(f);
    if (--depth == 0) {
        if (npending) flush_pending();
        no_multi = 0;
    }
    prop_slow = npending > 0 || no_multi;
}

static Frame *frame_of(Client *c) {
    for (int i = depth - 1; i >= 0; i--)
        if (frames[i].c == c) return &frames[i];
    return NULL;
}

void propagate_replace(Client *c, Obj **argv, int argc) {
    Frame *f = frame_of(c);
    if (!f) return;
    for (int i = 0; i < argc; i++) obj_incr(argv[i]);
    frame_clear(f);
    f->replaced = vmalloc(sizeof(Obj *) * (size_t)(argc ? argc : 1));
    memcpy(f->replaced, argv, sizeof(Obj *) * (size_t)argc);
    f->replaced_argc = argc;
}

void propagate_replace_objs(Client *c, ...) {
    Obj *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, c);
    Obj *o;
    while ((o = va_arg(ap, Obj *)) && argc < 16) argv[argc++] = o;
    va_end(ap);
    propagate_replace(c, argv, argc);
}

void propagate_also(int dbid, Obj **argv, int argc) {
    if (server.loading) return;
    if (depth == 0) {
        for (int i = 0; i < nsinks; i++) feed_one(sinks[i], dbid, argv, argc);
        if (nsinks) emitted++;
        return;
    }
    add_pending(dbid, argv, argc, 0);
}

void propagate_force(Client *c) {
    Frame *f = frame_of(c);
    if (f) f->flags |= PROP_FRAME_FORCED;
}

void propagate_force_repl(Client *c) {
    Frame *f = frame_of(c);
    if (f) f->flags |= PROP_FRAME_FORCED_REPL;
}

void propagate_prevent(Client *c) {
    Frame *f = frame_of(c);
    if (f) f->flags |= PROP_FRAME_PREVENTED;
}

/* Only a top-level call: inside EXEC or a script the transaction stays wrapped. */
void propagate_no_multi(void) {
    if (depth > 1) return;
    no_multi = 1;
    prop_slow = 1;
}

void propagate_deletion(Db *db, const char *key, size_t klen, int lazy) {
    if (nsinks == 0) return;
    Obj *argv[2] = {lazy ? shared_word(&shared_unlink, "UNLINK") : shared_word(&shared_del, "DEL"), obj_string(key, klen)};
    propagate_also(db->id, argv, 2);
    obj_decr(argv[1]);
}
