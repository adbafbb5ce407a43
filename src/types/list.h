/* list.h - the list type's value layer (list.c), shared with its commands
 * (list_cmds.c): creating list values with the configured node sizing, reading
 * elements into replies, and the command table the module registers.
 *
 * A list value is an Obj of type OBJ_LIST, encoding ENC_QUICKLIST, whose ptr is a
 * Quicklist (ds/quicklist.h). An empty list never stays in the keyspace: the
 * command that removes the last element deletes the key. */
#ifndef VESPER_LIST_H
#define VESPER_LIST_H
#include "../core/command.h"
#include "../ds/quicklist.h"

/* The commands (list_cmds.c), a table ending with {0}. */
extern Command list_commands[];

/* A new, empty, unkeyed list object whose quicklist uses the current
 * list-max-listpack-size and list-compress-depth. */
Obj *list_new(void);

static inline Quicklist *list_ql(const Obj *o) { return (Quicklist *)o->ptr; }
static inline unsigned long list_length(const Obj *o) { return ql_count(list_ql(o)); }

/* Replies with the element an iterator stands on, as a bulk string. */
void list_reply_entry(Client *c, const QlEntry *e);

/* Replies with the elements from start to end (inclusive; negative indexes count
 * from the tail, out-of-range ones are clamped as LRANGE does) as an array, from
 * end down to start when reverse is set. An empty range replies an empty array.
 * Returns the number of elements sent. O(nodes walked + elements sent). */
long list_reply_range(Client *c, Obj *o, long long start, long long end, int reverse);

/* Persistence (list_rdb.c): the descriptor's RDB and AOF-rewrite entries. */
struct Rio;
struct RdbErr;
int list_rdb_type(const Obj *o);
int list_rdb_save(struct Rio *r, const Obj *o);
Obj *list_rdb_load(struct Rio *r, int rdbtype, struct RdbErr *err);
extern const unsigned char list_rdb_types[];
int list_aof_rewrite(struct Rio *r, const char *key, size_t klen, const Obj *o);

#endif
