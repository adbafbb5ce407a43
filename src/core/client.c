/* client.c - the life cycle of clients: creation for an accepted connection or as a
 * fake client, the server-wide client list, freeing (at once, or after the current
 * command), names and database selection, and the memory a client holds.
 *
 * Invariants: every client with a connection is on the client list; a client is
 * freed only outside the execution of its own command (client_free_async marks it
 * CLOSE_ASAP and networking.c frees it before the event loop sleeps); freeing runs
 * every module's client_reset hook first, so no subsystem keeps a dangling pointer.
 * Clients on the list are also indexed by id (a hash table keyed by the id's bytes),
 * so client_by_id is O(1): CLIENT KILL ID, CLIENT UNBLOCK and tracking redirects
 * look clients up by id.
 * Costs: O(1) per operation. */
#include "client.h"
#include "blocking.h"
#include "db.h"
#include "evict.h"
#include "module.h"
#include "multi.h"
#include "pubsub.h"
#include "tracking.h"
#include "reply.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/ht.h"
#include "../base/util.h"
#include <string.h>

static Client *client_list, *client_list_tail; /* oldest first, as CLIENT LIST shows them */
static size_t client_count;
static Client **closing;
static size_t closing_count, closing_cap;

Client *clients_first(void) { return client_list; }
size_t clients_count(void) { return client_count; }
size_t clients_closing_count(void) { return closing_count; }

static const void *id_key(const void *entry, size_t *len) {
    *len = sizeof(uint64_t);
    return &((const Client *)entry)->id;
}
static const HtType id_type = {hash_bytes, id_key, NULL, NULL};
static Ht *by_id;

Client *client_by_id(uint64_t id) { return by_id ? ht_find(by_id, &id, sizeof(id)) : NULL; }

Client *client_create(Conn *conn, uint64_t flags) {
    Client *c = vcalloc(sizeof(*c));
    c->id = server.next_client_id++;
    c->conn = conn;
    c->resp = 2;
    c->flags = flags | (conn ? 0 : CLIENT_FAKE);
    c->db = db_get(0);
    c->user = "default";
    c->authenticated = server.cfg.requirepass == NULL || server.cfg.requirepass[0] == '\0';
    c->bulklen = -1;
    c->ctime = c->last_interaction = server.unixtime;
    c->pending_idx = -1;
    strcpy(c->peer, "?:0");
    strcpy(c->sock, "?:0");
    if (conn) {
        conn_set_private(conn, c);
        c->prev = client_list_tail;
        if (client_list_tail) client_list_tail->next = c;
        else client_list = c;
        client_list_tail = c;
        client_count++;
        if (!by_id) by_id = ht_create(&id_type);
        ht_add(by_id, c);
    }
    return c;
}


static void closing_remove(Client *c) {
    for (size_t i = 0; i < closing_count; i++) {
        if (closing[i] == c) {
            closing[i] = closing[--closing_count];
            return;
        }
    }
}

void client_free(Client *c) {
    if (c->conn) {
        conn_close(c->conn);
        c->conn = NULL;
        if (c->prev) c->prev->next = c->next;
        else client_list = c->next;
        if (c->next) c->next->prev = c->prev;
        else client_list_tail = c->prev;
        client_count--;
        ht_pop(by_id, &c->id, sizeof(c->id));
    }
    net_forget_pending_write(c);
    client_evict_forget(c);
    if (c->flags & CLIENT_BLOCKED) block_client_gone(c);
    if (c->flags & CLIENT_CLOSE_ASAP) closing_remove(c);
    client_reset_args(c);
    modules_client_reset(c);
    vfree(c->argv);
    sds_free(c->querybuf);
    sds_free(c->name);
    sds_free(c->lib_name);
    sds_free(c->lib_ver);
    reply_free_blocks(c);
    vfree(c->buf);
    vfree(c);
}

static int defer_depth;

void client_defer_frees_begin(void) { defer_depth++; }
void client_defer_frees_end(void) { defer_depth--; }
int client_frees_deferred(void) { return defer_depth > 0; }

void client_free_async(Client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    if (closing_count == closing_cap) {
        closing_cap = closing_cap ? closing_cap * 2 : 16;
        closing = vrealloc(closing, sizeof(Client *) * closing_cap);
    }
    closing[closing_count++] = c;
}

void net_free_closed_clients(void) {
    /* a caller up the stack walks a list of clients (serving blocked or paused
     * clients, whose re-run may be a busy script or a load serving events): the
     * closed ones go at the next chance */
    if (client_frees_deferred()) return;
    size_t i = closing_count;
    while (i > 0) {
        Client *c = closing[--i];
        if (c->flags & CLIENT_PROTECTED) continue;
        client_free(c); /* removes itself from the array */
        if (i > closing_count) i = closing_count;
    }
}

void client_set_name(Client *c, Sds name) {
    sds_free(c->name);
    c->name = name;
}

int client_select_db(Client *c, int id) {
    if (id < 0 || id >= db_count()) return 0;
    c->db = db_get(id);
    return 1;
}

int client_type(const Client *c) {
    if (c->flags & CLIENT_REPLICA) return CLIENT_TYPE_REPLICA;
    if (c->flags & CLIENT_PUBSUB) return CLIENT_TYPE_PUBSUB;
    return CLIENT_TYPE_NORMAL;
}


size_t client_output_bytes(const Client *c) { return c->reply_bytes; }

size_t client_total_memory(const Client *c) {
    size_t m = sizeof(Client) + c->buf_size + c->reply_bytes + multi_client_memory(c);
    if (c->querybuf) m += sds_alloc_size(c->querybuf);
    m += (size_t)c->argv_cap * sizeof(Obj *) + c->argv_len_sum;
    if (c->name) m += sds_alloc_size(c->name);
    if (c->psstate) m += pubsub_client_memory(c);
    if (c->tstate) m += tracking_client_memory(c);
    return m;
}
