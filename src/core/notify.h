/* notify.h - keyspace notifications: the events Redis emits for changes to keys,
 * filtered by notify-keyspace-events and delivered on the __keyspace@<db>__:<key>
 * and __keyevent@<db>__:<event> channels.
 *
 * The filtering and channel naming live here; delivery goes to listeners, which the
 * pub/sub subsystem registers (and unit tests use to observe events). */
#ifndef VESPER_NOTIFY_H
#define VESPER_NOTIFY_H
#include <stddef.h>
#include "obj.h"

/* Receives one notification: channel and message are binary-safe. */
typedef void NotifyListener(const char *channel, size_t chlen, const char *msg, size_t msglen);

void notify_add_listener(NotifyListener *fn);
void notify_remove_listener(NotifyListener *fn);

/* Emits event for key in dbid if the class (NOTIFY_* in config.h) is enabled, in the
 * keyspace form (K), the keyevent form (E) or both. key is an argument-style object
 * or a keyspace entry. */
/* (Inline: with no listener, the common case, an event costs one test.) */
extern int notify_listener_count;
void notify_deliver(int type_class, const char *event, const Obj *key, int dbid);
void notify_deliver_raw(int type_class, const char *event, const char *key, size_t klen, int dbid);
static inline void notify_keyspace_event(int type_class, const char *event, const Obj *key, int dbid) {
    if (notify_listener_count) notify_deliver(type_class, event, key, dbid);
}
static inline void notify_keyspace_event_raw(int type_class, const char *event, const char *key, size_t klen,
                                             int dbid) {
    if (notify_listener_count) notify_deliver_raw(type_class, event, key, klen, dbid);
}

#endif
