/* objdup.c - copying and detaching values of keyspace objects.
 *
 * COPY needs a deep copy of a value of any type: the type descriptor's dup
 * (objtype.h), so this layer does not depend on the type modules. RENAME and MOVE instead re-key an
 * existing value: obj_detach_value() turns a keyed object (already removed from its
 * database) into a plain object owning the same value, without copying it.
 * Invariants: a copy shares nothing with its source; a detached value keeps its
 * type, encoding and LRU/LFU field. Costs: string copy O(len); detach O(1), plus
 * O(len <= 44) for an embedded string. */
#include "obj.h"
#include "objtype.h"
#include "../base/alloc.h"
#include <stdint.h>

Obj *obj_dup_value(const Obj *o) {
    const ObjType *t = objtype_get(o->type);
    return t && t->dup ? t->dup(o) : NULL;
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
