/* pubsub.c - publish/subscribe: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
 * PUBLISH, PUBSUB, and the shard channels (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH; in
 * a server without cluster they are a namespace of their own), plus delivery of
 * keyspace notifications to subscribers.
 *
 * Three namespaces (kinds): channels, patterns, shard channels. For each, a server
 * table maps a name to a Channel holding its subscribers as a doubly linked list of
 * Sub nodes in subscription order; each subscribed client has, per kind, a table of
 * its own Sub nodes keyed by the same name. A Sub is on both at once, so
 * unsubscribing is O(1) and a client going away visits only its own subscriptions.
 * Patterns use the same structure (a pattern is a "channel" whose name is a glob),
 * and PUBLISH tries every pattern with glob_match, KEYS's matcher.
 *
 * Replies follow Redis 7.0: confirmations ("subscribe", name, count) and messages
 * ("message" / "pmessage" / "smessage") are push messages (RESP3 '>' frames, RESP2
 * arrays), sent even under CLIENT REPLY OFF/SKIP. The count in a confirmation is
 * the client's channels plus patterns, or its shard channels for the S commands.
 * In RESP2 a subscribed client (CLIENT_PUBSUB) may only run the (P|S)(UN)SUBSCRIBE
 * commands, PING, QUIT and RESET (a dispatch check); RESP3 lifts that.
 *
 * Delivery encodes a message once per (channel or pattern) in RESP2 form, and
 * derives the RESP3 form (the first byte differs) only if a RESP3 subscriber is
 * met. A small frame is copied into each receiver's output buffer; a big one
 * (PUBSUB_SHARE_MIN bytes and more) is one SharedReply that every receiver's reply
 * list points at. A receiver that does not read grows its output until the pubsub
 * class of client-output-buffer-limit closes it; the publisher never waits.
 *
 * PUBLISH and SPUBLISH propagate to replicas (not to the AOF), as in Redis.
 *
 * Keyspace notifications come through a notify listener that this module registers
 * only while notify-keyspace-events enables some event (an apply hook follows CONFIG
 * SET), so with notifications off a write pays the one inline test in notify.h.
 *
 * Invariants: a Channel is in its server table exactly while it has subscribers;
 * each Sub is on its channel's list and in its client's table of that kind;
 * CLIENT_PUBSUB is set on a client with at least one subscription of any kind (and
 * after a subscribe command), and cleared by the unsubscribe commands when none is
 * left. No table changes while a message is being delivered (closing a receiver
 * only marks it).
 * Costs: SUBSCRIBE/UNSUBSCRIBE O(1) per name; PUBLISH O(subscribers + patterns)
 * plus a memcpy of the frame (or one small allocation) per receiver; PUBSUB
 * CHANNELS O(channels); a client's disconnection O(its subscriptions). */
#include "pubsub.h"
#include "command.h"
#include "config.h"
#include "module.h"
#include "notify.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <string.h>
#include <strings.h>

enum { KIND_CHANNEL, KIND_PATTERN, KIND_SHARD, KIND_COUNT };

/* Frames at least this long are shared between receivers instead of copied. */
#define PUBSUB_SHARE_MIN 2048

typedef struct Sub Sub;

/* A channel (or pattern) with at least one subscriber. */
typedef struct Channel {
    Sub *head, *tail;          /* subscribers, oldest first */
    size_t nsubs;
    size_t len;
    char name[];
} Channel;

/* One client's subscription to one channel: on the channel's list and in the
 * client's table. */
struct Sub {
    Channel *ch;
    Client *c;
    Sub *prev, *next;
};

/* A client's subscriptions (Client.psstate), one table per kind, NULL when empty. */
typedef struct PubsubState {
    Ht *subs[KIND_COUNT];
} PubsubState;

static const void *channel_key(const void *entry, size_t *len) {
    const Channel *ch = entry;
    *len = ch->len;
    return ch->name;
}

static const void *sub_key(const void *entry, size_t *len) {
    const Sub *s = entry;
    *len = s->ch->len;
    return s->ch->name;
}

static const HtType channel_type = {hash_bytes, channel_key, NULL, NULL};
static const HtType sub_type = {hash_bytes, sub_key, NULL, NULL};

static Ht *tables[KIND_COUNT];

size_t pubsub_client_memory(const Client *c) {
    const PubsubState *st = c->psstate;
    size_t m = 0;
    if (!st) return 0;
    for (int kind = 0; kind < KIND_COUNT; kind++)
        if (st->subs[kind]) m += ht_mem_usage(st->subs[kind]) + ht_size(st->subs[kind]) * sizeof(Sub);
    return m;
}

/* Reply words per kind. */
static const struct {
    const char *sub, *unsub;
} words[KIND_COUNT] = {
    {"subscribe", "unsubscribe"},
    {"psubscribe", "punsubscribe"},
    {"ssubscribe", "sunsubscribe"},
};

static inline PubsubState *state_of(const Client *c) { return c->psstate; }

static size_t kind_count(const Client *c, int kind) {
    const PubsubState *st = state_of(c);
    return st && st->subs[kind] ? ht_size(st->subs[kind]) : 0;
}

/* The figure a confirmation reports: channels + patterns, or shard channels. */
static long confirm_count(const Client *c, int kind) {
    if (kind == KIND_SHARD) return (long)kind_count(c, KIND_SHARD);
    return (long)(kind_count(c, KIND_CHANNEL) + kind_count(c, KIND_PATTERN));
}

static size_t total_count(const Client *c) {
    return kind_count(c, KIND_CHANNEL) + kind_count(c, KIND_PATTERN) + kind_count(c, KIND_SHARD);
}

void pubsub_client_counts(const Client *c, int *sub, int *psub, int *ssub) {
    *sub = (int)kind_count(c, KIND_CHANNEL);
    *psub = (int)kind_count(c, KIND_PATTERN);
    *ssub = (int)kind_count(c, KIND_SHARD);
}

/* ---------------- encoding ---------------- */

static Sds cat_bulk(Sds s, const char *p, size_t len) {
    char hdr[32];
    hdr[0] = '$';
    int k = ll2string(hdr + 1, sizeof(hdr) - 3, (long long)len);
    hdr[k + 1] = '\r';
    hdr[k + 2] = '\n';
    s = sds_catlen(s, hdr, (size_t)k + 3);
    s = sds_catlen(s, p, len);
    return sds_catlen(s, "\r\n", 2);
}

/* A confirmation: [word, name (NULL: a null), count], as a push message. */
static void confirm(Client *c, const char *word, const char *name, size_t len, long count) {
    Sds s = sds_newlen(c->resp >= 3 ? ">3\r\n" : "*3\r\n", 4);
    s = cat_bulk(s, word, strlen(word));
    if (name) s = cat_bulk(s, name, len);
    else s = sds_catlen(s, c->resp >= 3 ? "_\r\n" : "$-1\r\n", c->resp >= 3 ? 3 : 5);
    char num[32];
    num[0] = ':';
    int k = ll2string(num + 1, sizeof(num) - 3, count);
    num[k + 1] = '\r';
    num[k + 2] = '\n';
    s = sds_catlen(s, num, (size_t)k + 3);
    reply_push_raw(c, s, sds_len(s));
    sds_free(s);
}

static size_t bulk_size(size_t len) {
    char tmp[24];
    return 1 + (size_t)ll2string(tmp, sizeof(tmp), (long long)len) + 2 + len + 2;
}

static char *put_bulk(char *d, const char *p, size_t len) {
    *d++ = '$';
    d += ll2string(d, 24, (long long)len);
    *d++ = '\r';
    *d++ = '\n';
    memcpy(d, p, len);
    d += len;
    *d++ = '\r';
    *d++ = '\n';
    return d;
}

/* One message encoded for delivery: RESP2 form, and the RESP3 form made from it on
 * first need. Both are SharedReply so a big frame is queued without copies. */
typedef struct Frame {
    SharedReply *enc[2];
} Frame;

/* Encodes [word, (pattern,) channel, msg]. */
static void frame_build(Frame *f, const char *word, size_t wlen, const char *pat, size_t plen, const char *ch,
                        size_t chlen, const char *msg, size_t msglen) {
    size_t len = 4 + bulk_size(wlen) + (pat ? bulk_size(plen) : 0) + bulk_size(chlen) + bulk_size(msglen);
    SharedReply *s = reply_shared_create(NULL, len);
    char *d = s->buf;
    memcpy(d, pat ? "*4\r\n" : "*3\r\n", 4);
    d += 4;
    d = put_bulk(d, word, wlen);
    if (pat) d = put_bulk(d, pat, plen);
    d = put_bulk(d, ch, chlen);
    put_bulk(d, msg, msglen);
    f->enc[0] = s;
    f->enc[1] = NULL;
}

static void frame_release(Frame *f) {
    reply_shared_release(f->enc[0]);
    if (f->enc[1]) reply_shared_release(f->enc[1]);
}

static SharedReply *frame_resp3(Frame *f) {
    if (!f->enc[1]) {
        f->enc[1] = reply_shared_create(f->enc[0]->buf, f->enc[0]->len);
        f->enc[1]->buf[0] = '>';
    }
    return f->enc[1];
}

/* Queues the frame for every subscriber of ch; returns how many. */
static long deliver(Channel *ch, Frame *f) {
    SharedReply *s2 = f->enc[0];
    size_t len = s2->len;
    if (len < PUBSUB_SHARE_MIN) {
        for (Sub *s = ch->head; s; s = s->next) {
            Client *c = s->c;
            reply_push_raw(c, c->resp >= 3 ? frame_resp3(f)->buf : s2->buf, len);
        }
    } else {
        for (Sub *s = ch->head; s; s = s->next) {
            Client *c = s->c;
            reply_push_shared(c, c->resp >= 3 ? frame_resp3(f) : s2);
        }
    }
    return (long)ch->nsubs;
}

long pubsub_publish(const char *channel, size_t chlen, const char *msg, size_t msglen, int shard) {
    long receivers = 0;
    Frame f;
    Channel *ch = ht_find(tables[shard ? KIND_SHARD : KIND_CHANNEL], channel, chlen);
    if (ch) {
        if (shard) frame_build(&f, "smessage", 8, NULL, 0, channel, chlen, msg, msglen);
        else frame_build(&f, "message", 7, NULL, 0, channel, chlen, msg, msglen);
        receivers += deliver(ch, &f);
        frame_release(&f);
    }
    if (shard || ht_size(tables[KIND_PATTERN]) == 0) return receivers;
    HtIter it;
    ht_iter_init(&it, tables[KIND_PATTERN], 0);
    Channel *pat;
    while ((pat = ht_iter_next(&it))) {
        if (!glob_match(pat->name, pat->len, channel, chlen, 0)) continue;
        frame_build(&f, "pmessage", 8, pat->name, pat->len, channel, chlen, msg, msglen);
        receivers += deliver(pat, &f);
        frame_release(&f);
    }
    ht_iter_done(&it);
    return receivers;
}

/* ---------------- subscribing ---------------- */

static PubsubState *state_for(Client *c) {
    if (!c->psstate) c->psstate = vcalloc(sizeof(PubsubState));
    return c->psstate;
}

/* Subscribes c to name in kind (no-op when already subscribed) and confirms. */
static void subscribe(Client *c, int kind, const char *name, size_t len) {
    PubsubState *st = state_for(c);
    if (!st->subs[kind]) st->subs[kind] = ht_create(&sub_type);
    if (!ht_find(st->subs[kind], name, len)) {
        Channel *ch = ht_find(tables[kind], name, len);
        if (!ch) {
            ch = vmalloc(sizeof(Channel) + len + 1);
            ch->head = ch->tail = NULL;
            ch->nsubs = 0;
            ch->len = len;
            memcpy(ch->name, name, len);
            ch->name[len] = '\0';
            ht_add(tables[kind], ch);
        }
        Sub *s = vmalloc(sizeof(Sub));
        s->ch = ch;
        s->c = c;
        s->next = NULL;
        s->prev = ch->tail;
        if (ch->tail) ch->tail->next = s;
        else ch->head = s;
        ch->tail = s;
        ch->nsubs++;
        ht_add(st->subs[kind], s);
    }
    confirm(c, words[kind].sub, name, len, confirm_count(c, kind));
}

/* Removes subscription s of c (kind); confirms when notify. */
static void drop_sub(Client *c, int kind, Sub *s, int notify) {
    Channel *ch = s->ch;
    PubsubState *st = state_of(c);
    ht_pop(st->subs[kind], ch->name, ch->len);
    if (s->prev) s->prev->next = s->next;
    else ch->head = s->next;
    if (s->next) s->next->prev = s->prev;
    else ch->tail = s->prev;
    ch->nsubs--;
    vfree(s);
    if (notify) confirm(c, words[kind].unsub, ch->name, ch->len, confirm_count(c, kind));
    if (ch->nsubs == 0) {
        ht_pop(tables[kind], ch->name, ch->len);
        vfree(ch);
    }
}

/* Unsubscribes c from name in kind; confirms (also when it was not subscribed). */
static void unsubscribe(Client *c, int kind, const char *name, size_t len) {
    PubsubState *st = state_of(c);
    Sub *s = st && st->subs[kind] ? ht_find(st->subs[kind], name, len) : NULL;
    if (s) drop_sub(c, kind, s, 1);
    else confirm(c, words[kind].unsub, name, len, confirm_count(c, kind));
}

/* Drops all of c's subscriptions of kind; returns how many there were. */
static size_t unsubscribe_all(Client *c, int kind, int notify) {
    PubsubState *st = state_of(c);
    size_t n = st && st->subs[kind] ? ht_size(st->subs[kind]) : 0;
    if (!n) return 0;
    Sub **all = vmalloc(sizeof(Sub *) * n);
    size_t k = 0;
    HtIter it;
    ht_iter_init(&it, st->subs[kind], 0);
    Sub *s;
    while ((s = ht_iter_next(&it)) && k < n) all[k++] = s;
    ht_iter_done(&it);
    for (size_t i = 0; i < k; i++) drop_sub(c, kind, all[i], notify);
    vfree(all);
    return n;
}

static void client_reset(Client *c) {
    PubsubState *st = state_of(c);
    if (!st) return;
    for (int kind = 0; kind < KIND_COUNT; kind++) {
        unsubscribe_all(c, kind, 0);
        if (st->subs[kind]) ht_release(st->subs[kind]);
    }
    vfree(st);
    c->psstate = NULL;
    c->flags &= ~CLIENT_PUBSUB;
}

/* ---------------- commands ---------------- */

/* SUBSCRIBE and PSUBSCRIBE run inside MULTI/EXEC (as in Redis), but not for other
 * clients that must get one reply per command; SSUBSCRIBE never does. */
static int deny_subscribe(Client *c, const char *cmdname, int allow_exec) {
    if (!(c->flags & CLIENT_DENY_BLOCKING) || (allow_exec && server.in_exec)) return 0;
    reply_errorf(c, "%s isn't allowed for a DENY BLOCKING client", cmdname);
    return 1;
}

static void subscribe_cmd(Client *c, int kind) {
    for (int j = 1; j < c->argc; j++) subscribe(c, kind, c->argv[j]->ptr, sds_len(c->argv[j]->ptr));
    c->flags |= CLIENT_PUBSUB;
}

static void unsubscribe_cmd(Client *c, int kind) {
    if (c->argc == 1) {
        if (!unsubscribe_all(c, kind, 1)) confirm(c, words[kind].unsub, NULL, 0, confirm_count(c, kind));
    } else {
        for (int j = 1; j < c->argc; j++) unsubscribe(c, kind, c->argv[j]->ptr, sds_len(c->argv[j]->ptr));
    }
    if (total_count(c) == 0) c->flags &= ~CLIENT_PUBSUB;
}

static void subscribe_proc(Client *c) {
    if (!deny_subscribe(c, "SUBSCRIBE", 1)) subscribe_cmd(c, KIND_CHANNEL);
}
static void psubscribe_proc(Client *c) {
    if (!deny_subscribe(c, "PSUBSCRIBE", 1)) subscribe_cmd(c, KIND_PATTERN);
}
static void ssubscribe_proc(Client *c) {
    if (!deny_subscribe(c, "SSUBSCRIBE", 0)) subscribe_cmd(c, KIND_SHARD);
}
static void unsubscribe_proc(Client *c) { unsubscribe_cmd(c, KIND_CHANNEL); }
static void punsubscribe_proc(Client *c) { unsubscribe_cmd(c, KIND_PATTERN); }
static void sunsubscribe_proc(Client *c) { unsubscribe_cmd(c, KIND_SHARD); }

static void publish_proc(Client *c) {
    Sds ch = c->argv[1]->ptr, msg = c->argv[2]->ptr;
    reply_long(c, pubsub_publish(ch, sds_len(ch), msg, sds_len(msg), 0));
    propagate_force_repl(c); /* a replica's subscribers get it too */
}

static void spublish_proc(Client *c) {
    Sds ch = c->argv[1]->ptr, msg = c->argv[2]->ptr;
    reply_long(c, pubsub_publish(ch, sds_len(ch), msg, sds_len(msg), 1));
    propagate_force_repl(c);
}

/* PUBSUB CHANNELS / SHARDCHANNELS [pattern] */
static void channel_list(Client *c, int kind) {
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    const char *pat = c->argc == 3 ? c->argv[2]->ptr : NULL;
    size_t plen = pat ? sds_len(c->argv[2]->ptr) : 0;
    void *len = reply_deferred_len(c);
    long n = 0;
    HtIter it;
    ht_iter_init(&it, tables[kind], 0);
    Channel *ch;
    while ((ch = ht_iter_next(&it))) {
        if (pat && !glob_match(pat, plen, ch->name, ch->len, 0)) continue;
        reply_bulk(c, ch->name, ch->len);
        n++;
    }
    ht_iter_done(&it);
    reply_set_deferred_array_len(c, len, n);
}

/* PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of name, count. */
static void numsub(Client *c, int kind) {
    reply_array_len(c, (long)(c->argc - 2) * 2);
    for (int j = 2; j < c->argc; j++) {
        Sds name = c->argv[j]->ptr;
        Channel *ch = ht_find(tables[kind], name, sds_len(name));
        reply_bulk(c, name, sds_len(name));
        reply_long(c, ch ? (long long)ch->nsubs : 0);
    }
}

static void pubsub_channels_proc(Client *c) { channel_list(c, KIND_CHANNEL); }
static void pubsub_shardchannels_proc(Client *c) { channel_list(c, KIND_SHARD); }
static void pubsub_numsub_proc(Client *c) { numsub(c, KIND_CHANNEL); }
static void pubsub_shardnumsub_proc(Client *c) { numsub(c, KIND_SHARD); }
static void pubsub_numpat_proc(Client *c) { reply_long(c, (long long)ht_size(tables[KIND_PATTERN])); }

static void pubsub_help_proc(Client *c) {
    static const char *help[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL,
    };
    reply_help(c, help);
}

/* ---------------- the RESP2 subscribed context ---------------- */

static Sds check_context(Client *c, Command *cmd, int ctx) {
    if (!(c->flags & CLIENT_PUBSUB) || c->resp != 2 || ctx != CHECK_CTX_CLIENT) return NULL;
    static const char *allowed[] = {"ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
                                    "psubscribe", "punsubscribe", "quit", "reset", NULL};
    if (!cmd->parent)
        for (int i = 0; allowed[i]; i++)
            if (!strcmp(cmd->name, allowed[i])) return NULL;
    return sds_catprintf(sds_empty(),
                         "Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                         "allowed in this context",
                         cmd->fullname);
}

/* ---------------- keyspace notifications ---------------- */

static int listening;

static void on_notification(const char *channel, size_t chlen, const char *msg, size_t msglen) {
    pubsub_publish(channel, chlen, msg, msglen, 0);
}

/* Listens exactly while notify-keyspace-events lets some event through. */
static int sync_listener(const char **err) {
    (void)err;
    int flags = server.cfg.notify_keyspace_events;
    int want = (flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)) && (flags & ~(NOTIFY_KEYSPACE | NOTIFY_KEYEVENT));
    if (want && !listening) notify_add_listener(on_notification);
    if (!want && listening) notify_remove_listener(on_notification);
    listening = want;
    return 1;
}

/* ---------------- module ---------------- */

static void pubsub_init(void) {
    for (int kind = 0; kind < KIND_COUNT; kind++) tables[kind] = ht_create(&channel_type);
    sync_listener(NULL);
    config_register_apply("notify-keyspace-events", sync_listener);
}

static long long gauge_channels(void) { return tables[KIND_CHANNEL] ? (long long)ht_size(tables[KIND_CHANNEL]) : 0; }
static long long gauge_patterns(void) { return tables[KIND_PATTERN] ? (long long)ht_size(tables[KIND_PATTERN]) : 0; }
static long long gauge_shard(void) { return tables[KIND_SHARD] ? (long long)ht_size(tables[KIND_SHARD]) : 0; }

static const InfoGauge pubsub_gauges[] = {
    {"pubsub_channels", gauge_channels},
    {"pubsub_patterns", gauge_patterns},
    {"pubsubshard_channels", gauge_shard},
    {0},
};

static const DispatchCheckDef pubsub_checks[] = {
    {CHECK_SLOT_PUBSUB, check_context},
    {.fn = NULL},
};

#define PS_FLAGS (CMD_PUBSUB | CMD_LOADING | CMD_STALE)
#define SUB_FLAGS (CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static Command pubsub_subcommands[] = {
    {.name = "channels", .proc = pubsub_channels_proc, .arity = -2, .flags = PS_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "List active channels", .since = "2.8.0",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching "
                   "(relatively short channels and patterns)",
     .args = "[pattern:pattern]"},
    {.name = "help", .proc = pubsub_help_proc, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Show helpful text about the different subcommands", .since = "6.2.0",
     .complexity = "O(1)"},
    {.name = "numpat", .proc = pubsub_numpat_proc, .arity = 2, .flags = PS_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Get the count of unique patterns pattern subscriptions", .since = "2.8.0",
     .complexity = "O(1)"},
    {.name = "numsub", .proc = pubsub_numsub_proc, .arity = -2, .flags = PS_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Get the count of subscribers for channels", .since = "2.8.0",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     .args = "[channel:string...]"},
    {.name = "shardchannels", .proc = pubsub_shardchannels_proc, .arity = -2, .flags = PS_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "List active shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern "
                   "matching (relatively short shard channels).",
     .args = "[pattern:pattern]"},
    {.name = "shardnumsub", .proc = pubsub_shardnumsub_proc, .arity = -2, .flags = PS_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Get the count of subscribers for shard channels", .since = "7.0.0",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
     .args = "[shardchannel:string...]"},
    {0}};

static Command pubsub_commands[] = {
    {.name = "psubscribe", .proc = psubscribe_proc, .arity = -2, .flags = SUB_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Listen for messages published to channels matching the given patterns",
     .since = "2.0.0",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
     .args = "<pattern:pattern>..."},
    {.name = "publish", .proc = publish_proc, .arity = 3, .flags = PS_FLAGS | CMD_FAST | CMD_MAY_REPLICATE,
     .acl = ACL_FAST, .group = "pubsub", .summary = "Post a message to a channel", .since = "2.0.0",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the "
                   "total number of subscribed patterns (by any client).",
     .args = "channel:string message:string"},
    {.name = "pubsub", .proc = NULL, .arity = -2, .flags = 0, .acl = ACL_SLOW, .group = "pubsub",
     .summary = "A container for Pub/Sub commands", .since = "2.8.0", .complexity = "Depends on subcommand.",
     .subcommands = pubsub_subcommands},
    {.name = "punsubscribe", .proc = punsubscribe_proc, .arity = -1, .flags = SUB_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Stop listening for messages posted to channels matching the given patterns",
     .since = "2.0.0",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
                   "number of total patterns subscribed in the system (by any client).",
     .args = "[pattern:pattern...]"},
    {.name = "spublish", .proc = spublish_proc, .arity = 3, .flags = PS_FLAGS | CMD_FAST | CMD_MAY_REPLICATE,
     .acl = ACL_FAST, .group = "pubsub", .summary = "Post a message to a shard channel", .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
     .args = "shardchannel:string message:string",
     .keyspecs = {KS1(KS_NOT_KEY, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "ssubscribe", .proc = ssubscribe_proc, .arity = -2, .flags = SUB_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Listen for messages published to the given shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.",
     .args = "shardchannel:string...",
     .keyspecs = {KS1(KS_NOT_KEY, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "subscribe", .proc = subscribe_proc, .arity = -2, .flags = SUB_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Listen for messages published to the given channels", .since = "2.0.0",
     .complexity = "O(N) where N is the number of channels to subscribe to.", .args = "channel:string..."},
    {.name = "sunsubscribe", .proc = sunsubscribe_proc, .arity = -1, .flags = SUB_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Stop listening for messages posted to the given shard channels",
     .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
     .args = "[shardchannel:string...]",
     .keyspecs = {KS1(KS_NOT_KEY, 1, -1, 1)}, .nkeyspecs = 1},
    {.name = "unsubscribe", .proc = unsubscribe_proc, .arity = -1, .flags = SUB_FLAGS, .acl = ACL_SLOW,
     .group = "pubsub", .summary = "Stop listening for messages posted to the given channels", .since = "2.0.0",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
     .args = "[channel:string...]"},
    {0}};

const Module pubsub_module = {
    .name = "pubsub",
    .commands = pubsub_commands,
    .init = pubsub_init,
    .client_reset = client_reset,
    .gauges = pubsub_gauges,
    .checks = pubsub_checks,
};
