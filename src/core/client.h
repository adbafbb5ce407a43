/* client.h - a connected client: its connection, query buffer, parsed arguments,
 * reply buffers and per-client state; its life cycle; and the networking entry
 * points the server core calls (accepting, pending writes, cron).
 * The reply API is in reply.h and the argument helpers in args.h. */
#ifndef VESPER_CLIENT_H
#define VESPER_CLIENT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "../base/sds.h"
#include "../net/conn.h"
#include "obj.h"

struct Db;
struct Command;

/* Client flags: every bit is allocated here, whichever module uses it. */
#define CLIENT_CLOSE_AFTER_REPLY (1ULL << 0)
#define CLIENT_CLOSE_ASAP (1ULL << 1)
#define CLIENT_UNIX_SOCKET (1ULL << 2)
#define CLIENT_PENDING_WRITE (1ULL << 3)
#define CLIENT_REPLY_OFF (1ULL << 4)
#define CLIENT_REPLY_SKIP_NEXT (1ULL << 5)
#define CLIENT_REPLY_SKIP (1ULL << 6)
#define CLIENT_NO_EVICT (1ULL << 7)
#define CLIENT_MULTI (1ULL << 8)       /* inside MULTI: commands are queued */
#define CLIENT_PUBSUB (1ULL << 9)
#define CLIENT_FAKE (1ULL << 10)       /* no connection (scripts, AOF loading, tests) */
#define CLIENT_PROTECTED (1ULL << 11)  /* don't free yet */
#define CLIENT_EXECUTING (1ULL << 12)
#define CLIENT_NO_TOUCH (1ULL << 13)
#define CLIENT_MONITOR (1ULL << 14)
#define CLIENT_BLOCKED (1ULL << 15)    /* waiting: see Client.bstate for why */
#define CLIENT_DIRTY_CAS (1ULL << 16)  /* a watched key changed: EXEC fails */
#define CLIENT_DIRTY_EXEC (1ULL << 17) /* an error while queueing: EXEC aborts */
#define CLIENT_UNBLOCKED (1ULL << 18)  /* on the list of clients to re-run */
#define CLIENT_TRACKING (1ULL << 19)
/* client-side caching modes (core/tracking.c); high bits, away from other branches' */
#define CLIENT_TRACKING_BROKEN_REDIR (1ULL << 40) /* the redirect target is gone */
#define CLIENT_TRACKING_BCAST (1ULL << 41)
#define CLIENT_TRACKING_OPTIN (1ULL << 42)
#define CLIENT_TRACKING_OPTOUT (1ULL << 43)
#define CLIENT_TRACKING_CACHING (1ULL << 44)      /* CLIENT CACHING given for the next command */
#define CLIENT_TRACKING_NOLOOP (1ULL << 45)
#define CLIENT_DENY_BLOCKING (1ULL << 20) /* MULTI, scripts: blocking commands don't block */
#define CLIENT_PREVENT_PROP (1ULL << 21)
#define CLIENT_REPLICA (1ULL << 22)    /* a replica (SYNC/PSYNC): gets the replication stream, no replies */
#define CLIENT_SCRIPT (1ULL << 23)     /* the fake client a script's redis.call() runs on (MONITOR shows "lua") */

#define REQ_UNKNOWN 0
#define REQ_INLINE 1
#define REQ_MULTIBULK 2

#define REPLY_CHUNK_BYTES (16 * 1024)  /* reply block size, and the reply buffer's maximum */
#define REPLY_BUF_MIN 1024             /* a fresh or idle client's reply buffer */
#define PROTO_IOBUF_LEN (16 * 1024)

/* Encoded output shared by several clients' reply lists (pub/sub fan-out of a big
 * message): reference counted, immutable once created. See reply.h. */
typedef struct SharedReply {
    size_t refcount;
    size_t len;
    char buf[];
} SharedReply;

/* A block of queued output. Normally its bytes are buf[0..used) of size bytes; a
 * shared block (shared != NULL, see reply.h) holds no bytes of its own: they are
 * shared->buf, and size == used == shared->len, so nothing is appended to it. */
typedef struct ReplyBlock {
    struct ReplyBlock *next;
    size_t size, used;
    struct SharedReply *shared;
    char buf[];
} ReplyBlock;

static inline const char *reply_block_data(const ReplyBlock *b) { return b->shared ? b->shared->buf : b->buf; }

/* Why a blocked client waits (Client.bstate.type). */
enum { BLOCKED_NONE = 0, BLOCKED_KEYS, BLOCKED_PAUSE, BLOCKED_WAIT, BLOCKED_MODULE };

/* The block state of a client: set by the blocking module only. */
typedef struct BlockState {
    int type;                      /* BLOCKED_* */
    long long timeout_ms;          /* absolute unix time in ms, 0 for ever */
    Obj **keys;                    /* BLOCKED_KEYS: the keys waited on */
    int nkeys;
    int dbid;
    long long start_us;            /* when it blocked (slow log, latency) */
    int timeout_idx;               /* position in the blocking module's deadline heap, -1 */
    int unblock_error;             /* CLIENT UNBLOCK ERROR pending for the re-run */
} BlockState;

typedef struct Client {
    uint64_t id;
    Conn *conn;                    /* NULL for a fake client */
    int resp;                      /* 2 or 3 */
    uint64_t flags;
    struct Db *db;
    Sds name;                      /* NULL when none */
    Sds lib_name, lib_ver;
    char *user;                    /* "default" */
    int authenticated;
    /* query */
    Sds querybuf;                  /* NULL while idle */
    size_t qb_pos;
    size_t querybuf_peak;
    int reqtype;
    long multibulklen;
    long bulklen;
    int argc, argv_cap;
    Obj **argv;
    size_t argv_len_sum;
    struct Command *cmd, *lastcmd, *realcmd;
    /* reply: a buffer (grown up to REPLY_CHUNK_BYTES, shrunk when idle), then blocks */
    char *buf;
    size_t buf_size, bufpos, sentlen, buf_peak;
    ReplyBlock *reply_head, *reply_tail;
    size_t reply_bytes;            /* bytes in blocks */
    size_t reply_shared_bytes;     /* of reply_bytes, those of shared blocks (pub/sub) */
    long long obuf_soft_limit_reached_time;
    /* bookkeeping */
    long long ctime;               /* creation, seconds */
    long long last_interaction;    /* seconds */
    long long last_cmd_ms;
    char peer[64];                 /* "ip:port" or "path:0" */
    char sock[64];
    struct Client *prev, *next;    /* all clients list */
    int pending_idx;               /* index in the pending-write array, -1 if none */
    struct TrackingState *tstate;  /* client-side caching state (tracking.c), NULL when off */
    long long commands_processed;
    long long net_in, net_out;
    void *mstate;                  /* MULTI state, owned by the transaction module */
    void *psstate;                 /* subscriptions, owned by the pub/sub module */
    BlockState bstate;
    struct Client *unblocked_next; /* list of clients to re-run (blocking module) */
    size_t evict_mem;              /* memory counted for maxmemory-clients (client_evict.c) */
} Client;

/* ---- clients ---- */
/* A client for an accepted connection (conn is owned by the client from now on),
 * or a fake client when conn is NULL. Returns NULL if the connection could not be
 * registered with the event loop (conn is closed then). */
Client *client_create(Conn *conn, uint64_t flags);
void client_free(Client *c);
void client_free_async(Client *c);       /* closes after the current command */
/* Code that keeps Client pointers across a call that may run commands (serving
 * blocked or paused clients from a snapshot) brackets it with these (they nest):
 * meanwhile client_frees_deferred() is true and nothing may free a client at once
 * (client eviction closes it asynchronously instead, and net_free_closed_clients,
 * run by a busy script or a load serving events, leaves the closed ones). */
void client_defer_frees_begin(void);
void client_defer_frees_end(void);
int client_frees_deferred(void);
void client_set_name(Client *c, Sds name);
Sds client_info_string(Client *c);      /* one CLIENT LIST line, no newline */
/* CLIENT LIST's flags letters ("N" when none) into out (at least 24 bytes); allocates
 * nothing, so the crash report uses it too. */
void client_flags_string(const Client *c, char *out);
int client_select_db(Client *c, int id);/* 0 if out of range */
static inline int client_has_pending_replies(const Client *c) { return c->bufpos > c->sentlen || c->reply_bytes > 0; }
size_t client_output_bytes(const Client *c);
size_t client_total_memory(const Client *c); /* struct, buffers, argv, MULTI queue */
/* Drops the parsed arguments of the last command. */
static inline void client_reset_args(Client *c) {
    for (int i = 0; i < c->argc; i++) obj_decr(c->argv[i]);
    c->argc = 0;
    c->argv_len_sum = 0;
    c->cmd = NULL;
}
int client_type(const Client *c);
static inline int client_fd(const Client *c) { return c->conn ? conn_fd(c->conn) : -1; }
/* The client list (server-wide). */
Client *clients_first(void);
size_t clients_count(void);
size_t clients_closing_count(void);
Client *client_by_id(uint64_t id);

/* ---- networking entry points used by the server core ---- */
void net_accept(int listen_fd, int is_unix);
void net_schedule_write(Client *c);      /* reply.c: the client has output */
void net_handle_pending_writes(void);
void net_free_closed_clients(void);
void net_clients_cron(void);
/* DEBUG REPLYBUFFER: PEAK-RESET-TIME in milliseconds (< 0: never; Vesper's default
 * REPLY_PEAK_RESET_DEFAULT_MS, one cron pass at hz 10, where Redis's is 5000, so
 * an idle client's buffer shrinks sooner) and RESIZING (0 stops the clients
 * cron's reply-buffer resizing). */
#define REPLY_PEAK_RESET_DEFAULT_MS 100
void net_set_reply_peak_reset(long long ms);
void net_set_reply_resizing(int on);
/* Runs the commands already in c's query buffer (after it was unblocked). */
void net_process_input(Client *c);
/* Bookkeeping after a command of c completed (argv reset unless blocked, CLIENT
 * REPLY SKIP); the blocking module calls it when a wait ends. */
void net_command_done(Client *c);
void net_forget_pending_write(Client *c);
/* Enforces client-output-buffer-limit; 1 if the client is now closing. */
int net_check_output_limits(Client *c);

#endif
