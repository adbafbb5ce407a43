/* stream.h - the stream type's value layer (stream.c), shared with its commands
 * (stream_cmds.c), consumer groups (stream_cg.c), persistence (stream_rdb.c) and
 * command table (stream_table.c).
 *
 * A stream value is an Obj of type OBJ_STREAM, encoding ENC_STREAM, whose ptr is a
 * Stream: a rax (ds/rax.h) from 128-bit big-endian master IDs to listpack nodes in
 * Redis 7.0's stream node format, byte for byte what RDB files carry:
 *
 *   master entry: count deleted num-fields field_1..field_N 0
 *   each entry:   flags ms-delta seq-delta [num-fields] (field value | value)... lp-count
 *
 * flags are STREAM_ITEM_FLAG_*; with SAMEFIELDS the entry has the master's field
 * names (omitted) and no num-fields; ms/seq deltas are relative to the master ID
 * (the node's rax key); lp-count is the number of listpack entries of the item
 * before it, so a node is walked backwards too. count counts live entries,
 * deleted the entries marked DELETED that are still in the node. A node whose
 * count drops to zero is removed. Unlike lists, an empty stream stays a key. */
#ifndef VESPER_STREAM_H
#define VESPER_STREAM_H
#include <stdint.h>
#include "../core/command.h"
#include "../ds/listpack.h"
#include "../ds/rax.h"

#define STREAM_ITEM_FLAG_NONE 0
#define STREAM_ITEM_FLAG_DELETED (1 << 0)
#define STREAM_ITEM_FLAG_SAMEFIELDS (1 << 1)
#define STREAM_LISTPACK_MAX_SIZE (1 << 30)
#define STREAM_LISTPACK_MAX_PRE_ALLOCATE 4096
#define STREAM_ID_STR_LEN 42 /* "18446744073709551615-18446744073709551615" + NUL */

typedef struct StreamID {
    uint64_t ms;
    uint64_t seq;
} StreamID;

typedef struct StreamConsumer StreamConsumer;

/* A pending entry: delivered to a consumer and not acknowledged yet. The group's
 * PEL and the consumer's PEL share it (the group's owns it). */
typedef struct StreamNACK {
    long long delivery_time;  /* unix ms of the last delivery */
    uint64_t delivery_count;
    StreamConsumer *consumer; /* the consumer it was last delivered to */
} StreamNACK;

struct StreamConsumer {
    long long seen_time; /* unix ms of the consumer's last activity */
    Sds name;
    Rax *pel;            /* ID -> StreamNACK (shared with the group's PEL) */
};

typedef struct StreamCG {
    StreamID last_id;        /* last delivered ID */
    long long entries_read;  /* logical reads counter, -1 when unknown */
    Rax *pel;                /* ID -> StreamNACK, owned */
    Rax *consumers;          /* name -> StreamConsumer */
} StreamCG;

#define SCG_INVALID_ENTRIES_READ (-1)

typedef struct Stream {
    Rax *rax;                   /* master ID (16 bytes BE) -> listpack */
    uint64_t length;            /* live entries */
    StreamID last_id;           /* greatest ID ever added (0-0 when none) */
    StreamID first_id;          /* first live ID (0-0 when empty) */
    StreamID max_deleted_entry_id;
    uint64_t entries_added;     /* entries ever added */
    Rax *cgroups;               /* name -> StreamCG, NULL when none */
} Stream;

/* The iterator: walks entries in [start, end], forward or backward. */
typedef struct StreamIter {
    Stream *stream;
    StreamID master_id;
    int64_t master_fields_count;
    unsigned char *master_fields_start; /* first master field */
    unsigned char *master_fields_ptr;   /* next master field (SAMEFIELDS entries) */
    int entry_flags;
    int rev;
    int skip_tombstones;
    unsigned char start_key[16], end_key[16];
    StreamID start_id, end_id;          /* the same bounds, for comparisons */
    RaxIter ri;
    unsigned char *lp;       /* current node, NULL before the first or between nodes */
    unsigned char *lp_ele;   /* cursor */
    unsigned char *lp_flags; /* the current entry's flags */
    int64_t fields_left;     /* fields of the current entry not yet read */
    unsigned char field_buf[LP_INTBUF_SIZE];
    unsigned char value_buf[LP_INTBUF_SIZE];
} StreamIter;

/* ---- IDs ---- */
static inline int stream_id_cmp(const StreamID *a, const StreamID *b) {
    if (a->ms != b->ms) return a->ms > b->ms ? 1 : -1;
    if (a->seq != b->seq) return a->seq > b->seq ? 1 : -1;
    return 0;
}
void stream_id_encode(unsigned char buf[16], const StreamID *id);
void stream_id_decode(const unsigned char buf[16], StreamID *id);
/* Writes "ms-seq" into buf (STREAM_ID_STR_LEN bytes); returns the length. */
int stream_id_fmt(char *buf, const StreamID *id);
/* The next/previous ID; 0 (and no change) on overflow/underflow, else 1. */
int stream_id_incr(StreamID *id);
int stream_id_decr(StreamID *id);

/* ---- values ---- */
Stream *stream_new(void);
void stream_free(Stream *s);
Obj *stream_new_obj(void);
static inline Stream *stream_of(const Obj *o) { return (Stream *)o->ptr; }

/* XADD's append: fields argv[0..2n) as field/value pairs. use_id NULL: the next ID
 * after last_id (time based, never going back); else use_id, whose seq is chosen
 * as Redis does when seq_given is 0 ("ms-*"). Returns 0 with *added set, or
 * STREAM_ERR_EDOM (ID not greater than the top item / sequence exhausted) or
 * STREAM_ERR_ERANGE (elements too large). */
#define STREAM_ERR_EDOM (-1)
#define STREAM_ERR_ERANGE (-2)
int stream_append(Stream *s, Obj **argv, int64_t numfields, StreamID *added, const StreamID *use_id,
                  int seq_given);

/* Trimming (XTRIM, XADD MAXLEN/MINID). strategy STREAM_TRIM_*; approx trims only
 * whole nodes; limit (0: none) caps the entries removed. Returns entries removed. */
#define STREAM_TRIM_NONE 0
#define STREAM_TRIM_MAXLEN 1
#define STREAM_TRIM_MINID 2
int64_t stream_trim(Stream *s, int strategy, long long maxlen, const StreamID *minid, int approx,
                    long long limit);
/* Deletes one entry by ID: 1 when it existed (live). */
int stream_delete_item(Stream *s, const StreamID *id);
/* The first/last ID, tombstones included or not; {0,0}/{max,max} style defaults
 * as Redis's streamGetEdgeID when the stream has none. */
void stream_edge_id(Stream *s, int first, int skip_tombstones, StreamID *id);
void stream_last_valid_id(Stream *s, StreamID *id);

/* Iteration. start/end NULL: the whole stream. Each entry: get_id, then exactly
 * (or at most) numfields get_field calls. */
void stream_iter_start(StreamIter *si, Stream *s, const StreamID *start, const StreamID *end, int rev);
int stream_iter_get_id(StreamIter *si, StreamID *id, int64_t *numfields);
void stream_iter_get_field(StreamIter *si, const unsigned char **field, int64_t *flen,
                           const unsigned char **value, int64_t *vlen);
/* Marks the entry just returned deleted (XDEL through an iterator). */
void stream_iter_remove_entry(StreamIter *si, StreamID *current);
void stream_iter_stop(StreamIter *si);

/* Reads a listpack entry as an integer (stream nodes hold integers there). */
int64_t stream_lp_int(const unsigned char *p);

/* Node limits in force (stream-node-max-bytes / -entries). */
extern long long stream_node_max_bytes;
extern long long stream_node_max_entries;

/* ---- consumer groups (stream_cg.c) ---- */
StreamCG *stream_cg_lookup(Stream *s, const char *name, size_t len);
StreamCG *stream_cg_create(Stream *s, const char *name, size_t len, const StreamID *id,
                           long long entries_read);
void stream_cg_free(StreamCG *cg);
StreamConsumer *stream_consumer_lookup(StreamCG *cg, const char *name, size_t len);
StreamConsumer *stream_consumer_create(StreamCG *cg, const char *name, size_t len);
void stream_consumer_free(StreamConsumer *c);
StreamNACK *stream_nack_new(StreamConsumer *consumer);
/* Estimated entries between the first ever entry and id (Redis's
 * streamEstimateDistanceFromFirstEverEntry); -1 when unknown. */
long long stream_estimate_distance(Stream *s, const StreamID *id);
int stream_range_has_tombstones(Stream *s, const StreamID *start, const StreamID *end);
/* XREADGROUP's bookkeeping (stream_cg.c). advance: an entry with this ID is being
 * delivered; moves the group's last ID and entries-read counter when the ID is
 * past it (returns 1 then). deliver: the entry enters the group's and consumer's
 * PEL (taken over from another consumer if already pending), propagated as
 * XCLAIM. consumer_for_read: the named consumer, created (and, with NOACK,
 * propagated as XGROUP CREATECONSUMER) when missing; its seen time is now.
 * reply_pel_history: XREADGROUP with an explicit ID: the consumer's pending
 * entries from start, at most count (0: all). */
int stream_cg_advance(Stream *s, StreamCG *g, const StreamID *id);
void stream_cg_deliver(Client *c, StreamCG *g, StreamConsumer *consumer, const StreamID *id, Obj *key,
                       Obj *groupname);
void stream_cg_propagate_setid(Client *c, Obj *key, StreamCG *g, Obj *groupname);
StreamConsumer *stream_cg_consumer_for_read(Client *c, StreamCG *g, Obj *consumername, Obj *key, Obj *groupname,
                                            int noack);
size_t stream_cg_reply_pel_history(Client *c, Stream *s, const StreamID *start, const StreamID *end, size_t count,
                                   StreamConsumer *consumer);
/* The entries in [start, end] (stream_cmds.c): see there. */
size_t stream_reply_range(Client *c, Stream *s, const StreamID *start, const StreamID *end, size_t count,
                          int rev, StreamCG *group, StreamConsumer *consumer, int noack, int raw, Obj *key,
                          Obj *groupname);

/* ---- replies shared by the commands ---- */
/* Replies one entry [id, [f, v, ...]] at the iterator. */
void stream_reply_entry(Client *c, StreamIter *si, const StreamID *id, int64_t numfields);
void stream_reply_id(Client *c, const StreamID *id);
/* Parses an ID argument as Redis's streamGenericParseIDOrReply (c NULL: quiet). */
int stream_parse_id(Client *c, const Obj *o, StreamID *id, uint64_t missing_seq, int strict,
                    int *seq_given);
/* Parses one bound of an XRANGE/XREVRANGE/XPENDING/XAUTOCLAIM interval (is_end 0:
 * the start, a missing sequence is 0; 1: the end, a missing sequence is the
 * maximum). A leading "(" makes it exclusive: the rest is parsed strictly and the
 * ID moved to the next (start) or previous (end) one, replying "invalid start/end
 * ID for the interval" when there is none. Returns 0 after replying an error. */
int stream_parse_bound(Client *c, const Obj *o, StreamID *id, int is_end);

/* The tables (stream_table.c) and commands (stream_cmds.c, stream_cg.c). */
extern Command stream_commands[];
void stream_xadd_cmd(Client *c);
void stream_xlen_cmd(Client *c);
void stream_xrange_cmd(Client *c);
void stream_xrevrange_cmd(Client *c);
void stream_xdel_cmd(Client *c);
void stream_xtrim_cmd(Client *c);
void stream_xread_cmd(Client *c);
void stream_xsetid_cmd(Client *c);
void stream_xgroup_cmd(Client *c);
void stream_xack_cmd(Client *c);
void stream_xpending_cmd(Client *c);
void stream_xclaim_cmd(Client *c);
void stream_xautoclaim_cmd(Client *c);
void stream_xinfo_cmd(Client *c);

/* Persistence (stream_rdb.c). */
struct Rio;
struct RdbErr;
int stream_rdb_type(const Obj *o);
int stream_rdb_save(struct Rio *r, const Obj *o);
Obj *stream_rdb_load(struct Rio *r, int rdbtype, struct RdbErr *err);
extern const unsigned char stream_rdb_types[];
int stream_aof_rewrite(struct Rio *r, const char *key, size_t klen, const Obj *o);

#endif
