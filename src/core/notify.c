/* notify.c - keyspace notifications (see notify.h).
 *
 * An event passes when notify-keyspace-events enables its class and at least one of
 * the K (keyspace) and E (keyevent) forms; it is then formatted once per form and
 * handed to every listener. "keymiss" is only sent when m is enabled (it is not part
 * of the A alias), as in Redis.
 * Costs: one flag test when notifications are off; otherwise O(key + event) per
 * form and listener. */
#include "notify.h"
#include "config.h"
#include "server.h"
#include "../base/util.h"
#include <string.h>

#define MAX_NOTIFY_LISTENERS 8

static NotifyListener *listeners[MAX_NOTIFY_LISTENERS];
int notify_listener_count;
#define nlisteners notify_listener_count

void notify_add_listener(NotifyListener *fn) {
    if (nlisteners < MAX_NOTIFY_LISTENERS) listeners[nlisteners++] = fn;
}

void notify_remove_listener(NotifyListener *fn) {
    for (int i = 0; i < nlisteners; i++) {
        if (listeners[i] != fn) continue;
        listeners[i] = listeners[--nlisteners];
        return;
    }
}

static void deliver(const char *prefix, int dbid, const char *tail, size_t taillen, const char *msg, size_t msglen) {
    char head[64];
    size_t hl = strlen(prefix);
    memcpy(head, prefix, hl);
    hl += (size_t)ll2string(head + hl, sizeof(head) - hl, dbid);
    memcpy(head + hl, "__:", 3);
    hl += 3;
    Sds channel = sds_newlen(head, hl);
    channel = sds_catlen(channel, tail, taillen);
    for (int i = 0; i < nlisteners; i++) listeners[i](channel, sds_len(channel), msg, msglen);
    sds_free(channel);
}

void notify_deliver_raw(int type_class, const char *event, const char *key, size_t klen, int dbid) {
    int flags = server.cfg.notify_keyspace_events;
    if (nlisteners == 0 || !(flags & type_class)) return;
    size_t elen = strlen(event);
    if (flags & NOTIFY_KEYSPACE) deliver("__keyspace@", dbid, key, klen, event, elen);
    if (flags & NOTIFY_KEYEVENT) deliver("__keyevent@", dbid, event, elen, key, klen);
}

void notify_deliver(int type_class, const char *event, const Obj *key, int dbid) {
    size_t klen;
    const char *k = key->has_key ? obj_key(key, &klen) : (const char *)key->ptr;
    if (!key->has_key) klen = sds_len(key->ptr);
    notify_deliver_raw(type_class, event, k, klen, dbid);
}
