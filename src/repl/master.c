/* master.c - replication, master side: the full synchronization a replica (or a
 * tool such as vesper-cli --rdb / --replica, or the test suite's stream readers)
 * asks for with SYNC or PSYNC, and the command stream that follows it.
 *
 * A SYNC/PSYNC client becomes a replica (CLIENT_REPLICA: no replies, output limits
 * of the replica class, no idle timeout). When no child runs, a BGSAVE starts for
 * it (else it waits for the running child to end); at the fork the replica gets its
 * own propagation sink, so every write after the snapshot is kept for it in order.
 * When the save ends the file is sent as "$<size>\r\n" plus its bytes straight from
 * disk, then the kept commands, then the live stream. REPLCONF rdb-only 1 asks for
 * the snapshot only: the connection closes after it; REPLCONF rdb-filter-only
 * leaves the keys out (and the function libraries, unless "functions" is given):
 * such a snapshot is made in memory at once (vesper-cli --functions-rdb). PSYNC always answers
 * +FULLRESYNC <replid> <offset> (there is no backlog to continue from yet). Waiting
 * replicas get a newline every second and online ones a PING every
 * repl-ping-replica-period seconds, as Redis sends them.
 *
 * Invariants: a replica is on the list from SYNC until its client is freed; its
 * sink exists from the fork on; bytes kept before the transfer ends count against
 * its output limit like Redis's replica buffer.
 * Costs: per write command and replica one RESP encoding (the sink); the transfer
 * reads the file in 64 KB chunks when the socket can take them. */
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/client.h"
#include "../core/command.h"
#include "../core/config_table.h"
#include "../core/module.h"
#include "../core/propagate.h"
#include "../core/reply.h"
#include "../core/server.h"
#include "../net/conn.h"
#include "../persist/child.h"
#include "../persist/rdb.h"
#include "../persist/snapshot.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRANSFER_CHUNK (64 * 1024)

enum { REPLICA_WAIT_START, REPLICA_WAIT_END, REPLICA_TRANSFER, REPLICA_ONLINE };

typedef struct Replica {
    Client *c;
    int state;
    int rdb_only;                    /* REPLCONF rdb-only 1: close after the snapshot */
    int listening_port;              /* REPLCONF listening-port */
    int filter;                      /* REPLCONF rdb-filter-only: FILTER_* */
    PropSink sink;                   /* from the fork on */
    Sds kept;                        /* stream kept until the snapshot is delivered */
    int fd;                          /* the snapshot being sent */
    long long off, size;
    long long ack_offset;            /* REPLCONF ACK */
    long long ack_time;              /* unix seconds */
} Replica;

static struct {
    Replica **list;
    int n;
    char replid[41];
    long long offset;                /* bytes of the replication stream so far */
    int ping_period;                 /* repl-ping-replica-period, seconds */
    long long last_ping, last_newline;
    int stream_seldb;                /* the offset's own SELECT tracking */
} rm = {.ping_period = 10, .stream_seldb = -1};

/* REPLCONF options a client sends before it syncs (kept per client until SYNC). */
typedef struct PendingConf {
    uint64_t client_id;
    int rdb_only, listening_port, filter;
} PendingConf;

/* REPLCONF rdb-filter-only: what the snapshot leaves out (none by default). */
#define FILTER_SET 1                 /* a filter was given: the keys are left out */
#define FILTER_KEEP_FUNCTIONS 2      /* ... but the function libraries are sent */
static PendingConf *pending;
static int npending;

static Replica *replica_of(const Client *c) {
    for (int i = 0; i < rm.n; i++)
        if (rm.list[i]->c == c) return rm.list[i];
    return NULL;
}

static PendingConf *pending_conf(const Client *c, int create) {
    for (int i = 0; i < npending; i++)
        if (pending[i].client_id == c->id) return &pending[i];
    if (!create) return NULL;
    pending = vrealloc(pending, sizeof(*pending) * (size_t)(npending + 1));
    pending[npending] = (PendingConf){c->id, 0, 0, 0};
    return &pending[npending++];
}

static void pending_drop(const Client *c) {
    for (int i = 0; i < npending; i++)
        if (pending[i].client_id == c->id) {
            pending[i] = pending[--npending];
            return;
        }
}

/* ---------------- the stream ---------------- */

static size_t hard_limit(void) { return (size_t)server.cfg.obuf_limits[CLIENT_TYPE_REPLICA].hard; }

static void replica_feed(PropSink *sink, Obj **argv, int argc) {
    Replica *r = sink->ctx;
    if (r->state == REPLICA_ONLINE) {
        Sds s = propagate_cat_command(sds_empty(), argv, argc);
        reply_stream(r->c, s, sds_len(s));
        sds_free(s);
        return;
    }
    r->kept = propagate_cat_command(r->kept, argv, argc);
    if (hard_limit() && sds_len(r->kept) > hard_limit()) {
        Sds info = client_info_string(r->c);
        server_log(LL_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", info);
        sds_free(info);
        client_free_async(r->c);
    }
}

/* The offset counts the stream as one replica would see it from the start. */
static void offset_feed(PropSink *sink, Obj **argv, int argc) {
    (void)sink;
    Sds s = propagate_cat_command(sds_empty(), argv, argc);
    rm.offset += (long long)sds_len(s);
    sds_free(s);
}
static PropSink offset_sink = {.name = "repl-offset", .feed = offset_feed};
static int offset_sink_on;

/* ---------------- the snapshot transfer ---------------- */

static void replica_remove(Replica *r) {
    for (int i = 0; i < rm.n; i++)
        if (rm.list[i] == r) {
            rm.list[i] = rm.list[--rm.n];
            break;
        }
    if (r->state != REPLICA_WAIT_START) propagate_remove_sink(&r->sink);
    if (r->fd != -1) close(r->fd);
    if (r->c->conn && conn_has_write_handler(r->c->conn) && r->state == REPLICA_TRANSFER)
        conn_set_write_handler(r->c->conn, NULL);
    sds_free(r->kept);
    vfree(r);
}

static void transfer_done(Replica *r) {
    close(r->fd);
    r->fd = -1;
    conn_set_write_handler(r->c->conn, NULL);
    if (r->rdb_only) {
        server_log(LL_NOTICE, "RDB transfer to replica %s (rdb-only) finished. Closing the connection.",
                   r->c->peer);
        client_free_async(r->c);
        return;
    }
    r->state = REPLICA_ONLINE;
    r->ack_time = server.unixtime;
    server_log(LL_NOTICE, "Synchronization with replica %s succeeded", r->c->peer);
    if (sds_len(r->kept)) reply_stream(r->c, r->kept, sds_len(r->kept));
    sds_free(r->kept);
    r->kept = sds_empty();
}

static void transfer_handler(Conn *conn) {
    Client *c = conn_private(conn);
    Replica *r = replica_of(c);
    if (!r || r->state != REPLICA_TRANSFER) {
        conn_set_write_handler(conn, NULL);
        return;
    }
    char buf[TRANSFER_CHUNK];
    ssize_t n = pread(r->fd, buf, sizeof(buf), (off_t)r->off);
    if (n <= 0) {
        server_log(LL_WARNING, "Read error sending DB to replica: %s", n == 0 ? "unexpected end of file" : strerror(errno));
        client_free_async(c);
        return;
    }
    ssize_t w = conn_write(conn, buf, (size_t)n);
    if (w < 0) {
        if (errno == EAGAIN) return;
        server_log(LL_WARNING, "Write error sending DB to replica: %s", strerror(errno));
        client_free_async(c);
        return;
    }
    r->off += w;
    c->last_interaction = server.unixtime;
    if (r->off == r->size) transfer_done(r);
}

static void transfer_start(Replica *r) {
    const char *path = persist_rdb_filename();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd == -1 || fstat(fd, &st) == -1) {
        server_log(LL_WARNING, "SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
        if (fd != -1) close(fd);
        client_free_async(r->c);
        return;
    }
    r->fd = fd;
    r->off = 0;
    r->size = (long long)st.st_size;
    r->state = REPLICA_TRANSFER;
    char hdr[64];
    int n = snprintf(hdr, sizeof(hdr), "$%lld\r\n", r->size);
    /* the header goes through the output buffer; the file follows once it is out */
    reply_stream(r->c, hdr, (size_t)n);
    if (r->size == 0) transfer_done(r);
}

/* The save for the replicas ended: each waiting one gets the file, or is dropped. */
static void bgsave_for_replicas_done(int ok) {
    for (int i = rm.n - 1; i >= 0; i--) {
        Replica *r = rm.list[i];
        if (r->state != REPLICA_WAIT_END) continue;
        if (!ok) {
            server_log(LL_WARNING, "SYNC failed. BGSAVE child returned an error");
            client_free_async(r->c);
        } else {
            transfer_start(r);
        }
    }
}

/* Starts a save for the replicas waiting to start, when no child runs. */
static void maybe_start_sync(void) {
    int waiting = 0;
    for (int i = 0; i < rm.n; i++) waiting += rm.list[i]->state == REPLICA_WAIT_START;
    if (!waiting || child_type() != CHILD_NONE) return;
    server_log(LL_NOTICE, "Starting BGSAVE for SYNC with target: disk");
    if (persist_bgsave_notify(bgsave_for_replicas_done) == -1) {
        for (int i = rm.n - 1; i >= 0; i--)
            if (rm.list[i]->state == REPLICA_WAIT_START) {
                server_log(LL_WARNING, "BGSAVE for replication failed");
                client_free_async(rm.list[i]->c);
            }
        return;
    }
    /* from this instant on, every write goes to the waiting replicas' sinks */
    for (int i = 0; i < rm.n; i++) {
        Replica *r = rm.list[i];
        if (r->state != REPLICA_WAIT_START) continue;
        r->state = REPLICA_WAIT_END;
        propagate_add_sink(&r->sink);
    }
}

/* A filtered snapshot (REPLCONF rdb-filter-only) holds no keys, so it is made
 * at once in memory instead of by a child, and goes out through the output
 * buffer; the replica then follows the stream from this instant (or the
 * connection closes, for rdb-only). */
static void sync_filtered(Replica *r) {
    RdbSaveInfo si = {.repl_stream_db = 0, .replid = rm.replid, .repl_offset = rm.offset, .exclude_data = 1,
                      .exclude_functions = !(r->filter & FILTER_KEEP_FUNCTIONS)};
    Rio rio;
    rio_init_buffer(&rio);
    rdb_save(&rio, &si);
    Sds rdb = rio_take_buffer(&rio);
    rio_close(&rio);
    char hdr[64];
    int n = snprintf(hdr, sizeof(hdr), "$%zu\r\n", sds_len(rdb));
    reply_stream(r->c, hdr, (size_t)n);
    reply_stream(r->c, rdb, sds_len(rdb));
    sds_free(rdb);
    server_log(LL_NOTICE, "Synchronization with replica %s succeeded (filtered snapshot, %s)", r->c->peer,
               r->filter & FILTER_KEEP_FUNCTIONS ? "functions only" : "empty");
    if (r->rdb_only) {
        r->c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        return;
    }
    r->state = REPLICA_ONLINE;
    r->ack_time = server.unixtime;
    propagate_add_sink(&r->sink);
}

/* Pushes the transfer of replicas whose header went out (the normal write path
 * empties the output buffer first; then the file is sent by transfer_handler). */
static void drive_transfers(void) {
    for (int i = 0; i < rm.n; i++) {
        Replica *r = rm.list[i];
        if (r->state != REPLICA_TRANSFER || !r->c->conn || client_has_pending_replies(r->c)) continue;
        if (!conn_has_write_handler(r->c->conn)) conn_set_write_handler(r->c->conn, transfer_handler);
    }
}

/* ---------------- commands ---------------- */

static void sync_cmd(Client *c) {
    if (c->flags & CLIENT_REPLICA) return; /* already syncing */
    if (client_has_pending_replies(c)) {
        reply_error(c, "SYNC and PSYNC are invalid with pending output");
        return;
    }
    int psync = arg_is(c->argv[0], "psync");
    if (!offset_sink_on) {
        /* Redis starts counting the stream when the first replica arrives */
        propagate_add_sink(&offset_sink);
        offset_sink_on = 1;
    }
    if (psync) {
        char line[128];
        int n = snprintf(line, sizeof(line), "+FULLRESYNC %s %lld\r\n", rm.replid, rm.offset);
        reply_raw(c, line, (size_t)n);
    }
    server_log(LL_NOTICE, "Replica %s asks for synchronization", c->peer);
    if (psync) server_log(LL_NOTICE, "Full resync requested by replica %s", c->peer);
    Replica *r = vcalloc(sizeof(*r));
    r->c = c;
    r->fd = -1;
    r->kept = sds_empty();
    r->sink = (PropSink){.name = "replica", .feed = replica_feed, .ctx = r, .seldb = -1};
    PendingConf *pc = pending_conf(c, 0);
    if (pc) {
        r->rdb_only = pc->rdb_only;
        r->listening_port = pc->listening_port;
        r->filter = pc->filter;
        pending_drop(c);
    }
    rm.list = vrealloc(rm.list, sizeof(Replica *) * (size_t)(rm.n + 1));
    rm.list[rm.n++] = r;
    c->flags |= CLIENT_REPLICA;
    if (r->filter) sync_filtered(r);
    else maybe_start_sync();
}

static void replconf_cmd(Client *c) {
    if ((c->argc % 2) == 0) {
        reply_error_syntax(c);
        return;
    }
    Replica *r = replica_of(c);
    for (int j = 1; j < c->argc; j += 2) {
        const Obj *opt = c->argv[j], *val = c->argv[j + 1];
        long long v;
        if (arg_is(opt, "listening-port")) {
            if (!arg_ll(c, (Obj *)val, &v, NULL)) return;
            if (r) r->listening_port = (int)v;
            else pending_conf(c, 1)->listening_port = (int)v;
        } else if (arg_is(opt, "ip-address") || arg_is(opt, "capa")) {
            /* accepted: the transfer is disk-based, which every replica understands */
        } else if (arg_is(opt, "ack")) {
            /* from a replica, no reply */
            if (r && string2ll(arg_str(c, j + 1), arg_len(c, j + 1), &v)) {
                if (v > r->ack_offset) r->ack_offset = v;
                r->ack_time = server.unixtime;
            }
            return;
        } else if (arg_is(opt, "getack")) {
            return; /* only a master sends it */
        } else if (arg_is(opt, "rdb-only")) {
            if (!arg_ll(c, (Obj *)val, &v, NULL)) return;
            if (v != 0 && v != 1) {
                reply_error(c, "rdb-only value must be 0 or 1");
                return;
            }
            if (r) r->rdb_only = (int)v;
            else pending_conf(c, 1)->rdb_only = (int)v;
        } else if (arg_is(opt, "rdb-filter-only")) {
            int n = 0, filter = FILTER_SET;
            Sds *words = sds_splitargs(arg_str(c, j + 1), &n);
            if (!words) {
                reply_error(c, "Missing rdb-filter-only values");
                return;
            }
            for (int i = 0; i < n; i++) {
                if (!strcasecmp(words[i], "functions")) {
                    filter |= FILTER_KEEP_FUNCTIONS;
                } else {
                    reply_errorf(c, "Unsupported rdb-filter-only option: %s", words[i]);
                    sds_freesplit(words, n);
                    return;
                }
            }
            sds_freesplit(words, n);
            if (r) r->filter = filter;
            else pending_conf(c, 1)->filter = filter;
        } else {
            reply_errorf(c, "Unrecognized REPLCONF option: %s", arg_str(c, j));
            return;
        }
    }
    reply_ok(c);
}

static void role_cmd(Client *c) {
    reply_array_len(c, 3);
    reply_bulk_cstr(c, "master");
    reply_long(c, rm.offset);
    int online = 0;
    for (int i = 0; i < rm.n; i++) online += rm.list[i]->state == REPLICA_ONLINE;
    reply_array_len(c, online);
    for (int i = 0; i < rm.n; i++) {
        Replica *r = rm.list[i];
        if (r->state != REPLICA_ONLINE) continue;
        char ip[64], port[16];
        snprintf(ip, sizeof(ip), "%s", r->c->peer);
        char *colon = strrchr(ip, ':');
        if (colon) *colon = '\0';
        snprintf(port, sizeof(port), "%d", r->listening_port);
        reply_array_len(c, 3);
        reply_bulk_cstr(c, ip);
        reply_bulk_cstr(c, port);
        reply_bulk_ll(c, r->ack_offset);
    }
}

/* ---------------- the module ---------------- */

static void repl_init(void) {
    rand_hex(rm.replid, 40);
    rm.last_ping = time(NULL); /* PINGs every period counted from start-up, as Redis's cron loops */
}

static void repl_cron(void) {
    maybe_start_sync();
    if (server.unixtime != rm.last_newline) {
        /* waiting replicas get a newline a second, so they know the master is alive */
        rm.last_newline = server.unixtime;
        for (int i = 0; i < rm.n; i++)
            if ((rm.list[i]->state == REPLICA_WAIT_START || rm.list[i]->state == REPLICA_WAIT_END) &&
                rm.list[i]->c->conn)
                conn_write(rm.list[i]->c->conn, "\n", 1);
    }
    if (rm.n && server.unixtime - rm.last_ping >= rm.ping_period) {
        rm.last_ping = server.unixtime;
        Obj *ping = obj_string("PING", 4);
        for (int i = 0; i < rm.n; i++)
            if (rm.list[i]->state != REPLICA_WAIT_START) replica_feed(&rm.list[i]->sink, &ping, 1);
        offset_feed(&offset_sink, &ping, 1);
        obj_decr(ping);
    }
}

static void repl_before_sleep(void) { drive_transfers(); }

static void repl_client_reset(Client *c) {
    pending_drop(c);
    Replica *r = replica_of(c);
    if (!r) return;
    server_log(LL_NOTICE, "Connection with replica %s lost.", c->peer);
    replica_remove(r);
    c->flags &= ~CLIENT_REPLICA;
}

static long long connected_replicas(void) { return rm.n; }

static Sds repl_info(Sds s) {
    s = sds_catprintf(s, "role:master\r\nconnected_slaves:%d\r\n", rm.n);
    int k = 0;
    for (int i = 0; i < rm.n; i++) {
        Replica *r = rm.list[i];
        static const char *names[] = {"wait_bgsave", "wait_bgsave", "send_bulk", "online"};
        char ip[64];
        snprintf(ip, sizeof(ip), "%s", r->c->peer);
        char *colon = strrchr(ip, ':');
        if (colon) *colon = '\0';
        s = sds_catprintf(s, "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%lld\r\n", k++, ip, r->listening_port,
                          names[r->state], r->ack_offset, r->ack_time ? (long long)server.unixtime - r->ack_time : 0);
    }
    return sds_catprintf(s,
        "master_failover_state:no-failover\r\n"
        "master_replid:%s\r\n"
        "master_replid2:0000000000000000000000000000000000000000\r\n"
        "master_repl_offset:%lld\r\n"
        "second_repl_offset:-1\r\n"
        "repl_backlog_active:0\r\n"
        "repl_backlog_size:1048576\r\n"
        "repl_backlog_first_byte_offset:0\r\n"
        "repl_backlog_histlen:0\r\n",
        rm.replid, rm.offset);
}

/* What the replicas' output holds (their buffers and the stream kept during a
 * sync): maxmemory leaves it out, as Redis does. */
static long long replicas_output_memory(void) {
    long long m = 0;
    for (int i = 0; i < rm.n; i++) {
        const Replica *r = rm.list[i];
        m += (long long)(r->c->buf_size + r->c->reply_bytes) + (r->kept ? (long long)sds_alloc_size(r->kept) : 0);
    }
    return m;
}

static const InfoGauge repl_gauges[] = {
    {"connected_slaves", connected_replicas}, {"replicas_output_memory", replicas_output_memory}, {0}};

static ConfigDef repl_configs[] = {
    CONFIG_NUM("repl-ping-replica-period", "repl-ping-slave-period", 0, 0, rm.ping_period, 1, INT_MAX, 10),
    {0}};

static Command repl_commands[] = {
    {.name = "sync", .proc = sync_cmd, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS,
     .group = "server", .summary = "Internal command used for replication", .since = "1.0.0"},
    {.name = "psync", .proc = sync_cmd, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS,
     .group = "server", .summary = "Internal command used for replication", .since = "2.8.0",
     .args = "replicationid:string offset:integer"},
    {.name = "replconf", .proc = replconf_cmd, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "An internal command for configuring the replication stream", .since = "3.0.0",
     .complexity = "O(1)", .doc_flags = "syscmd"},
    {.name = "role", .proc = role_cmd, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS, .group = "server",
     .summary = "Return the role of the instance in the context of replication", .since = "2.8.12",
     .complexity = "O(1)"},
    {0}};

const Module repl_module = {
    .name = "replication",
    .commands = repl_commands,
    .configs = repl_configs,
    .init = repl_init,
    .cron = repl_cron,
    .before_sleep = repl_before_sleep,
    .client_reset = repl_client_reset,
    .info_section = "replication",
    .info = repl_info,
    .gauges = repl_gauges,
};
