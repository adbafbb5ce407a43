/* client.h - a connected client: its connection, query buffer, parsed arguments,
 * reply buffers and state; and the reply API that commands use to answer. */
#ifndef VESPER_CLIENT_H
#define VESPER_CLIENT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "../base/sds.h"
#include "obj.h"

struct Db;
struct Command;

/* client flags */
#define CLIENT_CLOSE_AFTER_REPLY (1ULL << 0)
#define CLIENT_CLOSE_ASAP (1ULL << 1)
#define CLIENT_UNIX_SOCKET (1ULL << 2)
#define CLIENT_PENDING_WRITE (1ULL << 3)
#define CLIENT_REPLY_OFF (1ULL << 4)
#define CLIENT_REPLY_SKIP_NEXT (1ULL << 5)
#define CLIENT_REPLY_SKIP (1ULL << 6)
#define CLIENT_NO_EVICT (1ULL << 7)
#define CLIENT_MULTI (1ULL << 8)
#define CLIENT_PUBSUB (1ULL << 9)
#define CLIENT_FAKE (1ULL << 10)
#define CLIENT_PROTECTED (1ULL << 11)  /* don't free yet */
#define CLIENT_EXECUTING (1ULL << 12)
#define CLIENT_NO_TOUCH (1ULL << 13)
#define CLIENT_MONITOR (1ULL << 14)
#define CLIENT_BLOCKED (1ULL << 15)

#define REQ_UNKNOWN 0
#define REQ_INLINE 1
#define REQ_MULTIBULK 2

#define REPLY_CHUNK_BYTES (16 * 1024)
#define PROTO_IOBUF_LEN (16 * 1024)

typedef struct ReplyBlock {
    struct ReplyBlock *next;
    size_t size, used;
    char buf[];
} ReplyBlock;

typedef struct Client {
    uint64_t id;
    int fd;
    int resp;                      /* 2 or 3 */
    uint64_t flags;
    struct Db *db;
    Sds name;                      /* NULL when none */
    Sds lib_name, lib_ver;
    char *user;                    /* "default" */
    int authenticated;
    /* query */
    Sds querybuf;
    size_t qb_pos;
    size_t querybuf_peak;
    int reqtype;
    long multibulklen;
    long bulklen;
    int argc, argv_cap;
    Obj **argv;
    size_t argv_len_sum;
    struct Command *cmd, *lastcmd, *realcmd;
    /* reply: a fixed buffer then a list of blocks */
    char *buf;
    size_t buf_size, bufpos, sentlen;
    ReplyBlock *reply_head, *reply_tail;
    size_t reply_bytes;            /* bytes in blocks */
    long long obuf_soft_limit_reached_time;
    /* deferred length placeholders live in blocks; see reply_deferred_len */
    /* bookkeeping */
    long long ctime;               /* creation, seconds */
    long long last_interaction;    /* seconds */
    long long last_cmd_ms;
    char peer[64];                 /* "ip:port" or "path:0" */
    char sock[64];
    int conn_type;                 /* client type for output limits */
    struct Client *prev, *next;    /* all clients list */
    int pending_idx;               /* index in the pending-write array, -1 if none */
    long long commands_processed;
    long long net_in, net_out;
    void *mstate;                  /* MULTI state, owned by the transaction module */
    int woff;
} Client;

/* ---- reply API ---- */
void reply_raw(Client *c, const char *p, size_t len);      /* protocol bytes as is */
void reply_ok(Client *c);
void reply_status(Client *c, const char *s);               /* +s\r\n */
void reply_status_len(Client *c, const char *s, size_t len);
/* Errors: "ERR msg" is added unless msg starts with '-' (then the code is the first word). */
void reply_error(Client *c, const char *msg);
void reply_error_len(Client *c, const char *msg, size_t len);
void reply_errorf(Client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_error_arity(Client *c);
void reply_error_syntax(Client *c);                        /* -ERR syntax error */
void reply_error_wrongtype(Client *c);
void reply_error_not_int(Client *c);                       /* value is not an integer or out of range */
void reply_error_not_float(Client *c);
void reply_bulk(Client *c, const void *p, size_t len);
void reply_bulk_cstr(Client *c, const char *s);            /* NULL -> null */
void reply_bulk_sds(Client *c, Sds s);                     /* frees s */
void reply_bulk_obj(Client *c, const Obj *o);
void reply_bulk_ll(Client *c, long long v);                /* integer as bulk string */
void reply_null(Client *c);                                /* $-1 / _ */
void reply_null_array(Client *c);                          /* *-1 / _ */
void reply_long(Client *c, long long v);
void reply_double(Client *c, double d);                    /* bulk in RESP2, ',' in RESP3 */
void reply_human_double(Client *c, long double d);         /* bulk, INCRBYFLOAT style */
void reply_bool(Client *c, int v);                         /* :1/:0 in RESP2, #t/#f RESP3 */
void reply_bignum(Client *c, const char *digits, size_t len);
void reply_verbatim(Client *c, const char *p, size_t len, const char *ext); /* ext: 3 chars like "txt" */
void reply_array_len(Client *c, long n);
void reply_map_len(Client *c, long n);                     /* RESP2: array of 2n */
void reply_set_len(Client *c, long n);                     /* RESP2: array */
void reply_push_len(Client *c, long n);                    /* RESP2: array */
void reply_attribute_len(Client *c, long n);
void reply_help(Client *c, const char **lines);            /* "<CMD> <subcommand> ..." help array */
void reply_subcommand_syntax_error(Client *c);
/* Deferred aggregate length: reserve now, set later. */
void *reply_deferred_len(Client *c);
void reply_set_deferred_array_len(Client *c, void *node, long n);
void reply_set_deferred_map_len(Client *c, void *node, long n);
void reply_set_deferred_set_len(Client *c, void *node, long n);
/* Out-of-band push to a client (pub/sub messages etc.). */

/* ---- argument helpers: on failure they reply with the error and return 0 ---- */
int arg_ll(Client *c, const Obj *o, long long *v, const char *errmsg);   /* errmsg NULL: default */
int arg_ll_range(Client *c, const Obj *o, long long min, long long max, long long *v, const char *errmsg);
int arg_long(Client *c, const Obj *o, long *v, const char *errmsg);
int arg_positive_ll(Client *c, const Obj *o, long long *v, const char *errmsg);
int arg_ld(Client *c, const Obj *o, long double *v, const char *errmsg);
int arg_double(Client *c, const Obj *o, double *v, const char *errmsg);
int arg_is(const Obj *o, const char *word);                /* case-insensitive compare */
static inline const char *arg_str(const Client *c, int i) { return (const char *)c->argv[i]->ptr; }
static inline size_t arg_len(const Client *c, int i) { return sds_len(c->argv[i]->ptr); }

/* ---- clients ---- */
Client *client_create(int fd, int flags);   /* fd -1: fake client */
void client_free(Client *c);
void client_free_async(Client *c);
void client_set_name(Client *c, Sds name);
Sds client_info_string(Client *c);         /* one CLIENT LIST line, no newline */
int client_select_db(Client *c, int id);   /* 0 if out of range */
int client_has_pending_replies(const Client *c);
size_t client_output_bytes(const Client *c);
void client_reset_args(Client *c);
int client_type(const Client *c);
/* The client list (server-wide). */
Client *clients_first(void);
size_t clients_count(void);
Client *client_by_id(uint64_t id);
/* For CLIENT PAUSE etc. later */

/* Networking entry points used by the server core. */
void net_accept_tcp(int fd);
void net_accept_unix(int fd);
void net_handle_pending_writes(void);
void net_free_closed_clients(void);
void net_clients_cron(void);
/* CLIENT PAUSE: whether cmd must wait, parking the client; resuming when the pause ends. */
int client_pause_blocks(Client *c, const struct Command *cmd);
void net_resume_paused_clients(void);
int server_pause_active(void);

#endif
