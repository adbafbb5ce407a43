/* objdup.c - copying and detaching values of keyspace objects.
 *
 * COPY needs a deep copy of a value of any type; each type module registers its
 * copy function with obj_register_dup() so this layer does not depend on the type
 * modules. Strings are copied here directly. RENAME and MOVE instead re-key an
 * existing value: obj_detach_value() turns a keyed object (already removed from its
 * database) into a plain object owning the same value, without copying it.
 * Invariants: a copy shares nothing with its source; a detached value keeps its
 * type, encoding and LRU/LFU field. Costs: string copy O(len); detach O(1), plus
 * O(len <= 44) for an embedded string. */
#include "obj.h"
#include "../base/alloc.h"
#include <stdint.h>

static ObjDupFn dup_fns[8];

void obj_register_dup(int type, ObjDupFn fn) {
    if (type >= 0 && type < 8) dup_fns[type] = fn;
}

Obj *obj_dup_value(const Obj *o) {
    if (o->type == OBJ_STRING) return obj_dup_string(o);
    if (o->type >= 8 || !dup_fns[o->type]) return NULL;
    return dup_fns[o->type](o);
}

Obj *obj_detach_value(Obj *keyed) {
    Obj *v;
    if (keyed->embedded) {
        /* the string bytes live inside the keyed allocation: copy them out */
        v = obj_string(keyed->ptr, sds_len(keyed->ptr));
    } else {
        v = obj_new(keyed->type, keyed->ptr);
        v->encoding = keyed->encoding;
    }
    v->lru = keyed->lru;
    vfree(keyed);
    return v;
}
