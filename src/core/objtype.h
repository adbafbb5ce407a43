/* objtype.h - the data type descriptor: everything the keyspace, COPY, DEBUG,
 * MEMORY, lazy freeing, persistence and defragmentation need to know about a type's
 * values, so none of them knows any type's internals.
 *
 * A type module defines one const ObjType and names it in its Module (module.h);
 * modules_register() registers it. The persistence and defragmentation slots are
 * filled when those subsystems arrive; NULL means "not supported" and callers say
 * so with an error instead of guessing. */
#ifndef VESPER_OBJTYPE_H
#define VESPER_OBJTYPE_H
#include <stddef.h>
#include <stdint.h>
#include "obj.h"

struct Rio;

#define AOF_REWRITE_ITEMS_PER_CMD 64
struct RdbErr;

typedef struct ObjType {
    int type;                                       /* OBJ_STRING, OBJ_LIST, ... */
    const char *name;                               /* TYPE's reply: "string", "list", ... */
    /* Frees what the value owns (o->ptr's structure), not the Obj itself. */
    void (*free_value)(Obj *o);
    /* A new unkeyed object holding a deep copy of o's value (o may be keyed). */
    Obj *(*dup)(const Obj *o);
    /* Mixes the value's logical content (never its encoding) into d exactly as
     * Redis's DEBUG DIGEST does for this type (debug_digest_mix / _add), so digests
     * compare between Redis and Vesper. */
    void (*digest)(const Obj *o, uint8_t d[20]);
    /* Bytes the value owns beyond the Obj header, sampling at most samples elements
     * of nested structures (0: all) for MEMORY USAGE. */
    size_t (*mem_usage)(const Obj *o, long long samples);
    /* Work to free the value (elements, allocations): lazy freeing hands values
     * above a threshold to the background thread. NULL: 1. */
    size_t (*free_effort)(const Obj *o);
    /* Persistence (src/ds/rdbenc.h has the building blocks): the RDB type byte for
     * o's encoding; the value's encoding after the type byte (RDB files, DUMP);
     * the value read back for one of the rdb_load_types (a new unkeyed object, or
     * NULL with err set: corrupt or hostile input never crashes); the commands that
     * rebuild the value for an AOF rewrite without an RDB preamble. */
    int (*rdb_type)(const Obj *o);
    int (*rdb_save)(struct Rio *r, const Obj *o);
    Obj *(*rdb_load)(struct Rio *r, int rdbtype, struct RdbErr *err);
    const unsigned char *rdb_load_types;            /* RDB types it loads, ending with 255 */
    int (*aof_rewrite)(struct Rio *r, const char *key, size_t klen, const Obj *o);
    /* (Commands carry at most AOF_REWRITE_ITEMS_PER_CMD elements each, as Redis's.) */
    /* Active defragmentation (defrag.c): moves the value's allocations through
     * vmalloc_defrag (setting o->ptr when the top structure moves), about budget
     * elements' work per call, resuming from *cursor (0 on the first call; the
     * type's own position afterwards). Returns 1 when the value is done, 0 to be
     * called again later with the same cursor. Between calls the value may have
     * changed or been replaced: a cursor is only a position, never a pointer. */
    int (*defrag)(Obj *o, unsigned long *cursor, long budget);
} ObjType;

/* Registers t for values of type t->type (one descriptor per type). */
void objtype_register(const ObjType *t);
/* The descriptor for a type, or NULL when no module provides that type. */
const ObjType *objtype_get(int type);

#endif
