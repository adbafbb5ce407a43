/* set.h - the set type's value layer, shared by set.c (encodings, the type's
 * descriptor, its directive) and set_cmds.c (the commands). Outside the set
 * module only sort.c (SORT) includes it, to read members. */
#ifndef VESPER_TYPES_SET_H
#define VESPER_TYPES_SET_H
#include <stddef.h>
#include <stdint.h>
#include "../base/util.h"
#include "../core/client.h"
#include "../core/config_table.h"
#include "../core/obj.h"
#include "../ds/strset.h"

struct ObjType;

/* set-max-intset-entries: the most members an intset-encoded set holds. */
extern long long set_max_intset_entries;
extern ConfigDef set_configs[];
extern const struct ObjType set_type;

/* One member as the value layer hands it out: bytes (a hashtable member) or an
 * integer (an intset member). A popped hashtable member owns its entry until
 * set_elem_release. */
typedef struct SetElem {
    const char *p;           /* the member's bytes, or NULL for an integer member */
    size_t len;
    long long ll;            /* the member when p is NULL */
    StrsetEntry *owned;      /* set by set_pop_random for a hashtable member */
} SetElem;

/* The member's bytes: e->p, or the integer formatted into buf. */
const char *set_elem_str(const SetElem *e, char buf[LONG_STR_SIZE], size_t *len);
void set_elem_release(SetElem *e);
void set_reply_elem(Client *c, const SetElem *e);

/* New empty sets (unkeyed, refcount 1). set_create_for picks the encoding Redis
 * gives a set created for a first member: intset when it is an integer. */
Obj *set_new_intset(void);
Obj *set_create_for(const char *p, size_t len);
size_t set_size(const Obj *o);

/* Membership changes by bytes (command arguments) or by element. Adds convert an
 * intset to a hashtable when the member is not an integer or the intset would pass
 * set-max-intset-entries; removal never converts back. Return 1 when changed. */
int set_add(Obj *o, const char *p, size_t len);
int set_remove(Obj *o, const char *p, size_t len);
int set_contains(Obj *o, const char *p, size_t len);
int set_add_elem(Obj *o, const SetElem *e);
int set_remove_elem(Obj *o, const SetElem *e);
int set_contains_elem(Obj *o, const SetElem *e);
/* After a batch of removals: lets a hashtable shrink (Redis resizes after SREM). */
void set_removed_some(Obj *o);

/* Random members of a non-empty set, uniformly chosen. The popped member must be
 * released with set_elem_release. */
void set_random(Obj *o, SetElem *e);
void set_pop_random(Obj *o, SetElem *e);

/* Iteration in the encoding's order (ascending for an intset); the set must not
 * change meanwhile. */
typedef struct SetIter {
    Obj *o;
    uint32_t pos;
    StrsetIter sit;
} SetIter;
void set_iter_init(SetIter *si, Obj *o);
int set_iter_next(SetIter *si, SetElem *e);
void set_iter_done(SetIter *si);

#endif
