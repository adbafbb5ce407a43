/* debugcmd.c - the DEBUG command and the dataset digest behind DEBUG DIGEST.
 *
 * DEBUG is gated by enable-debug-command (no / yes / local). Its subcommands
 * that belong to other subsystems (RELOAD with persistence, LISTPACK for the
 * list type, ...) are answered by the module that declares them (Module.debug);
 * until then they answer as a server without that subsystem would.
 * Digest: the dataset digest XORs one SHA-1 per key (so key order does not
 * matter) into a value that is mixed with each non-empty database's id; a key's
 * SHA-1 covers its name, its value's logical content (never its encoding; other
 * types supply it through their descriptor, objtype.h) and its expire time. An empty
 * dataset digests to 40 zeros. Costs: DIGEST is O(dataset); the rest O(1) or
 * O(arguments). */
#include "servercmds_priv.h"
#include "command.h"
#include "crash.h"
#include "db.h"
#include "evict.h"
#include "module.h"
#include "objtype.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/panic.h"
#include "../base/ht.h"
#include "../base/sha1.h"
#include "../base/util.h"
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>


size_t introspect_value_size(const Obj *o, long long samples) {
    const ObjType *t = objtype_get(o->type);
    return t && t->mem_usage ? t->mem_usage(o, samples) : 0;
}

/* ---------------- digest ---------------- */

void debug_digest_add(uint8_t out[20], const void *p, size_t len) {
    uint8_t h[20];
    sha1(p, len, h);
    for (int i = 0; i < 20; i++) out[i] ^= h[i];
}

void debug_digest_mix(uint8_t out[20], const void *p, size_t len) {
    debug_digest_add(out, p, len);
    sha1(out, 20, out);
}

/* Mixes one value into d as Redis's DEBUG DIGEST does: the type number (network
 * order), the content through the type's descriptor, and a marker when the key
 * has a TTL (the time itself is not part of the digest). */
static void digest_value(uint8_t d[20], const Obj *o) {
    uint32_t type = htonl((uint32_t)o->type);
    debug_digest_mix(d, &type, sizeof(type));
    const ObjType *t = objtype_get(o->type);
    if (t && t->digest) t->digest(o, d);
    if (obj_get_expire(o) != -1) debug_digest_add(d, "!!expire!!", 10);
}

static void dataset_digest(uint8_t final[20]) {
    memset(final, 0, 20);
    for (int j = 0; j < db_count(); j++) {
        Db *db = db_get(j);
        if (db_size(db) == 0) continue;
        uint32_t id = htonl((uint32_t)j);
        debug_digest_mix(final, &id, sizeof(id));
        HtIter it;
        ht_iter_init(&it, db->keys, 0);
        Obj *o;
        while ((o = ht_iter_next(&it))) {
            uint8_t d[20] = {0};
            size_t klen;
            const char *key = obj_key(o, &klen);
            debug_digest_mix(d, key, klen);
            digest_value(d, o);
            debug_digest_add(final, d, 20); /* xor of the SHA-1 of each key's digest */
        }
        ht_iter_done(&it);
    }
}

static void reply_digest(Client *c, const uint8_t d[20]) {
    char hex[41];
    sha1_hex(d, hex);
    reply_status(c, hex);
}

/* ---------------- helpers ---------------- */

/* A keyspace entry even if logically expired (DEBUG must see it), or NULL. */
static Obj *raw_lookup(Client *c, const Obj *key) {
    return ht_find(c->db->keys, key_ptr(key), key_len(key));
}

static Obj *raw_lookup_or_reply(Client *c, const Obj *key) {
    Obj *o = raw_lookup(c, key);
    if (!o) reply_error(c, "no such key");
    return o;
}

/* Local clients: Unix socket or a loopback peer ("127.0.0.1:port", "[::1]:port"). */
static int client_is_local(const Client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return 1;
    return strncmp(c->peer, "127.0.0.1:", 10) == 0 || strncmp(c->peer, "[::1]:", 6) == 0 ||
           strncmp(c->peer, "::1:", 4) == 0;
}

int debug_command_allowed(const Client *c) {
    int mode = server.cfg.enable_debug_cmd;
    return mode == 1 || (mode == 2 && client_is_local(c));
}

/* Approximation of the RDB length of a value (used by DEBUG OBJECT). */
static size_t serialized_length(const Obj *o) {
    if (o->type != OBJ_STRING) return introspect_value_size(o, 0);
    long long v;
    if (o->encoding == ENC_INT) {
        v = (long long)(intptr_t)o->ptr;
        if (v >= -128 && v <= 127) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= INT32_MIN && v <= INT32_MAX) return 5;
    }
    size_t len = obj_strlen(o);
    return len + (len < 64 ? 1 : len < 16384 ? 2 : len <= UINT32_MAX ? 5 : 9);
}

/* ---------------- subcommands ---------------- */

static void debug_object(Client *c) {
    Obj *o = raw_lookup_or_reply(c, c->argv[2]);
    if (!o) return;
    Sds s = sds_catprintf(sds_empty(), "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%d "
                                       "lru_seconds_idle:%llu",
                          (void *)o, evict_is_shared_integer(o) ? 2147483647 : (int)o->refcount, obj_encoding_name(o->encoding),
                          serialized_length(o), (int)o->lru, evict_idle_seconds(o));
    reply_status(c, s);
    sds_free(s);
}

static void debug_sdslen(Client *c) {
    Obj *o = raw_lookup_or_reply(c, c->argv[2]);
    if (!o) return;
    if (o->type != OBJ_STRING || o->encoding == ENC_INT) {
        reply_error(c, "Not an sds encoded string.");
        return;
    }
    size_t klen;
    obj_key(o, &klen);
    size_t val_alloc = o->embedded ? obj_alloc_size(o) : sds_alloc_size(o->ptr);
    Sds s = sds_catprintf(sds_empty(), "key_sds_len:%lld, key_sds_avail:%lld, key_zmalloc: %lld, val_sds_len:%lld, "
                                       "val_sds_avail:%lld, val_zmalloc: %lld",
                          (long long)klen, 0LL, (long long)obj_alloc_size(o), (long long)sds_len(o->ptr),
                          (long long)sds_avail(o->ptr), (long long)val_alloc);
    reply_status(c, s);
    sds_free(s);
}

static void debug_populate(Client *c) {
    long long count, valsize = 0;
    const char *err = "value is out of range, must be positive";
    if (!arg_ll_range(c, c->argv[2], 0, LONG_MAX, &count, err)) return;
    if (c->argc == 5 && !arg_ll_range(c, c->argv[4], 0, LONG_MAX, &valsize, err)) return;
    const char *prefix = c->argc >= 4 ? arg_str(c, 3) : "key";
    if ((size_t)count > SIZE_MAX - db_size(c->db) || ht_try_expand(c->db->keys, db_size(c->db) + (size_t)count) < 0) {
        reply_error(c, "OOM in dictTryExpand");
        return;
    }
    for (long long j = 0; j < count; j++) {
        char kbuf[128], vbuf[128];
        int klen = snprintf(kbuf, sizeof(kbuf), "%s:%lld", prefix, j);
        if (klen >= (int)sizeof(kbuf)) klen = (int)sizeof(kbuf) - 1;
        if (db_lookup(c->db, kbuf, (size_t)klen, LOOKUP_WRITE | LOOKUP_NOTOUCH | LOOKUP_NOSTATS)) continue;
        int vlen = snprintf(vbuf, sizeof(vbuf), "value:%lld", j);
        Obj *val;
        if (valsize == 0) {
            val = obj_string(vbuf, (size_t)vlen);
        } else {
            val = obj_string(NULL, (size_t)valsize);
            memcpy(val->ptr, vbuf, valsize <= vlen ? (size_t)valsize : (size_t)vlen);
        }
        db_add(c->db, kbuf, (size_t)klen, val);
        db_key_touched(c->db, kbuf, (size_t)klen);
    }
    reply_ok(c);
}

static void debug_digest_value(Client *c) {
    reply_array_len(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        uint8_t d[20] = {0};
        Obj *o = raw_lookup(c, c->argv[j]);
        if (o) digest_value(d, o);
        reply_digest(c, d);
    }
}

static void debug_protocol(Client *c) {
    const char *name = arg_str(c, 2);
    if (!strcasecmp(name, "string")) {
        reply_bulk_cstr(c, "Hello World");
    } else if (!strcasecmp(name, "integer")) {
        reply_long(c, 12345);
    } else if (!strcasecmp(name, "double")) {
        reply_double(c, 3.141);
    } else if (!strcasecmp(name, "bignum")) {
        reply_bignum(c, "1234567999999999999999999999999999999", 37);
    } else if (!strcasecmp(name, "null")) {
        reply_null(c);
    } else if (!strcasecmp(name, "array") || !strcasecmp(name, "set")) {
        if (name[0] == 'a' || name[0] == 'A') reply_array_len(c, 3);
        else reply_set_len(c, 3);
        for (int j = 0; j < 3; j++) reply_long(c, j);
    } else if (!strcasecmp(name, "map")) {
        reply_map_len(c, 3);
        for (int j = 0; j < 3; j++) {
            reply_long(c, j);
            reply_bool(c, j == 1);
        }
    } else if (!strcasecmp(name, "attrib")) {
        if (c->resp >= 3) {
            reply_attribute_len(c, 1);
            reply_bulk_cstr(c, "key-popularity");
            reply_array_len(c, 2);
            reply_bulk_cstr(c, "key:123");
            reply_long(c, 90);
        }
        reply_bulk_cstr(c, "Some real reply following the attribute");
    } else if (!strcasecmp(name, "push")) {
        if (c->resp < 3) {
            reply_error(c, "RESP2 is not supported by this command");
            return;
        }
        reply_push_len(c, 2);
        reply_bulk_cstr(c, "server-cpu-usage");
        reply_long(c, 42);
        reply_bulk_cstr(c, "Some real reply following the push reply");
    } else if (!strcasecmp(name, "true") || !strcasecmp(name, "false")) {
        reply_bool(c, !strcasecmp(name, "true"));
    } else if (!strcasecmp(name, "verbatim")) {
        reply_verbatim(c, "This is a verbatim\nstring", 25, "txt");
    } else {
        reply_error(c, "Wrong protocol type name. Please use one of the following: "
                       "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}

static void debug_sleep(Client *c) {
    double secs = strtod(arg_str(c, 2), NULL);
    long long us = (long long)(secs * 1000000);
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    if (us > 0) nanosleep(&ts, NULL);
    reply_ok(c);
}

static void debug_reload(Client *c) {
    for (int j = 2; j < c->argc; j++) {
        if (!arg_is(c->argv[j], "merge") && !arg_is(c->argv[j], "noflush") && !arg_is(c->argv[j], "nosave")) {
            reply_error(c, "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    /* No persistence yet: saving and loading back gives the same dataset. */
    server_log(LL_WARNING, "DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

static void debug_error(Client *c) {
    Sds e = sds_newlen("-", 1);
    e = sds_catlen(e, arg_str(c, 2), arg_len(c, 2));
    reply_error_len(c, e, sds_len(e));
    sds_free(e);
}

static Sds ht_stats(Sds s, size_t slots, size_t used) {
    s = sds_cat(s, "Hash table 0 stats (main hash table):\n");
    if (used == 0) return sds_cat(s, "No stats available for empty dictionaries\n");
    return sds_catprintf(s, " table size: %zu\n number of elements: %zu\n", slots, used);
}

static void debug_htstats(Client *c) {
    long long dbid;
    if (!arg_ll(c, c->argv[2], &dbid, NULL)) return;
    if (dbid < 0 || dbid >= db_count()) {
        reply_error(c, "Out of range database");
        return;
    }
    Db *db = db_get((int)dbid);
    Sds s = sds_new("[Dictionary HT]\n");
    s = ht_stats(s, ht_buckets(db->keys) * HT_BUCKET_SLOTS, ht_size(db->keys));
    s = sds_cat(s, "[Expires HT]\n");
    s = ht_stats(s, db->volatile_cap, db->nvolatile);
    reply_verbatim(c, s, sds_len(s), "txt");
    sds_free(s);
}

static void debug_structsize(Client *c) {
    Sds s = sds_catprintf(sds_empty(), "bits:%d robj:%d dictentry:%d sdshdr5:%d sdshdr8:%d sdshdr16:%d "
                                       "sdshdr32:%d sdshdr64:%d ",
                          (int)(sizeof(void *) * 8), (int)sizeof(Obj), (int)sizeof(void *), 1,
                          (int)sizeof(struct SdsHdr8), (int)sizeof(struct SdsHdr16), (int)sizeof(struct SdsHdr32),
                          (int)sizeof(struct SdsHdr64));
    reply_bulk_sds(c, s);
}

/* LISTPACK when the owning type did not register its own (lists answer QUICKLIST
 * and QUICKLIST-PACKED-THRESHOLD themselves). */
static void debug_encoding_dump(Client *c, int enc, const char *what) {
    Obj *o = raw_lookup_or_reply(c, c->argv[2]);
    if (!o) return;
    if (o->encoding != enc) reply_errorf(c, "Not a %s encoded object.", what);
    else reply_status(c, "Listpack structure printed on stdout");
}

static void debug_help(Client *c) {
    static const char *help[] = {
        "AOF-FLUSH-SLEEP <microsec>",
        "    Server will sleep before flushing the AOF, this is used for testing.",
        "ASSERT",
        "    Crash by assertion failed.",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "CONFIG-REWRITE-FORCE-ALL",
        "    Like CONFIG REWRITE but writes all configuration options, including",
        "    keywords not listed in original configuration file or default values.",
        "CRASH-AND-RECOVER [<milliseconds>]",
        "    Hard crash and restart after a <milliseconds> delay (default 0).",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LEAK <string>",
        "    Create a memory leak of the input string.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "HTSTATS <dbid>",
        "    Return hash table statistics of the specified Redis database.",
        "HTSTATS-KEY <key>",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "REPLICATE <string>",
        "    Replicates the provided string to replicas, allowing data divergence.",
        "MALLCTL <key> [<val>]",
        "    Get or set a malloc tuning integer.",
        "MALLCTL-STR <key> [<val>]",
        "    Get or set a malloc tuning string.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "DROP-CLUSTER-PACKET-FILTER <packet-type>",
        "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
        "OOM",
        "    Crash the server simulating an out-of-memory error.",
        "PANIC",
        "    Crash the server simulating a panic.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "RESTART [<milliseconds>]",
        "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
        "SDSLEN <key>",
        "    Show low level SDS string info representing `key` and value.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the stringmatchlen() function.",
        "STRUCTSIZE",
        "    Return the size of different Redis core C structures.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "QUICKLIST <key> [<0|1>]",
        "    Show low level info about the quicklist encoding of <key>.",
        "    The optional argument (0 by default) sets the level of detail",
        "CLIENT-EVICTION",
        "    Show low level client eviction pools info (maxmemory-clients).",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
        "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
        "    In case NEVER is provided the last observed peak will never be reset",
        "    In case RESET is provided the peak reset time will be restored to the default value",
        "REPLYBUFFER RESIZING <0|1>",
        "    Enable or disable the reply buffer resize cron job",
        "CLUSTERLINK KILL <to|from|all> <node-id>",
        "    Kills the link based on the direction to/from (both) with the provided node.",
        NULL};
    reply_help(c, help);
}

/* Subcommands that only need argc checked and answer OK after a side effect. */
static int debug_simple(Client *c, const char *sub) {
    if (c->argc == 3 && !strcasecmp(sub, "log")) {
        server_log(LL_WARNING, "DEBUG LOG: %s", arg_str(c, 2));
    } else if (c->argc == 3 && !strcasecmp(sub, "leak")) {
        (void)sds_newlen(arg_str(c, 2), arg_len(c, 2)); /* leaked on purpose */
    } else if (c->argc == 3 && !strcasecmp(sub, "set-active-expire")) {
        server.active_expire_enabled = atoi(arg_str(c, 2));
    } else if (c->argc == 3 && !strcasecmp(sub, "set-disable-deny-scripts")) {
        server.script_disable_deny_script = atoi(arg_str(c, 2));
    } else if (c->argc == 3 && !strcasecmp(sub, "pause-cron")) {
        /* accepted; nothing here depends on it yet */
    } else if (c->argc >= 3 && !strcasecmp(sub, "replicate")) {
        /* no replicas to feed */
    } else if (c->argc == 2 && !strcasecmp(sub, "change-repl-id")) {
        server_log(LL_WARNING, "Changing replication IDs after receiving DEBUG change-repl-id");
    } else {
        return 0;
    }
    reply_ok(c);
    return 1;
}

static int debug_crash(Client *c, const char *sub) {
    if (!strcasecmp(sub, "segfault")) {
        /* a real fault, as Redis makes one: a write to a read-only page */
        volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *p = 'x';
    } else if (!strcasecmp(sub, "panic")) {
        panic("DEBUG PANIC called at Unix time %lld", (long long)time(NULL));
    } else if (!strcasecmp(sub, "assert")) {
        crash_assert_with_client(c, "1 == 2", __FILE__, __LINE__);
    } else if (!strcasecmp(sub, "oom")) {
        void *p = vmalloc(SIZE_MAX / 2);
        vfree(p);
        reply_ok(c);
    } else if (!strcasecmp(sub, "restart") || !strcasecmp(sub, "crash-and-recover")) {
        reply_error(c, "failed to restart the server. Check server logs.");
    } else {
        return 0;
    }
    return 1;
}

static int debug_extension(Client *c, const char *sub) {
    void (*ext)(Client *) = modules_debug_handler(sub);
    if (!ext) return 0;
    ext(c);
    return 1;
}

static int debug_with_key(Client *c, const char *sub) {
    if (c->argc == 3 && !strcasecmp(sub, "object")) debug_object(c);
    else if (c->argc == 3 && !strcasecmp(sub, "sdslen")) debug_sdslen(c);
    else if (c->argc == 3 && !strcasecmp(sub, "listpack")) debug_encoding_dump(c, ENC_LISTPACK, "listpack");
    else if (c->argc == 3 && !strcasecmp(sub, "htstats-key")) {
        Obj *o = raw_lookup_or_reply(c, c->argv[2]);
        if (o) reply_error(c, "The value stored at the specified key is not represented using an hash table");
    } else return 0;
    return 1;
}

/* enable-debug-command is enforced by dispatch (DEBUG is a protected command). */
void debug_command(Client *c) {
    const char *sub = arg_str(c, 1);
    if (c->argc == 2 && !strcasecmp(sub, "help")) debug_help(c);
    else if (debug_extension(c, sub) || debug_simple(c, sub) || debug_crash(c, sub) || debug_with_key(c, sub))
        return;
    else if (!strcasecmp(sub, "reload")) debug_reload(c);
    else if (c->argc >= 3 && c->argc <= 5 && !strcasecmp(sub, "populate")) debug_populate(c);
    else if (c->argc == 2 && !strcasecmp(sub, "digest")) {
        uint8_t d[20];
        dataset_digest(d);
        reply_digest(c, d);
    } else if (!strcasecmp(sub, "digest-value")) debug_digest_value(c);
    else if (c->argc == 3 && !strcasecmp(sub, "protocol")) debug_protocol(c);
    else if (c->argc == 3 && !strcasecmp(sub, "sleep")) debug_sleep(c);
    else if (c->argc == 3 && !strcasecmp(sub, "error")) debug_error(c);
    else if (c->argc == 2 && !strcasecmp(sub, "structsize")) debug_structsize(c);
    else if (c->argc == 3 && !strcasecmp(sub, "htstats")) debug_htstats(c);
    else if (c->argc == 3 && !strcasecmp(sub, "drop-cluster-packet-filter")) {
        long long v;
        if (arg_ll(c, c->argv[2], &v, NULL)) reply_ok(c);
    } else if (c->argc == 2 && !strcasecmp(sub, "config-rewrite-force-all")) {
        /* CONFIG REWRITE writing every directive, defaults included */
        errno = ENOENT;
        if (!server.cfg.configfile || config_rewrite(&server.cfg, server.cfg.configfile, 1) == -1)
            reply_errorf(c, "CONFIG-REWRITE-FORCE-ALL failed: %s", strerror(errno));
        else
            reply_ok(c);
    } else if (c->argc == 2 && !strcasecmp(sub, "stringmatch-test"))
        reply_status(c, "Apparently Redis did not crash: test passed");
    else if (c->argc == 5 && !strcasecmp(sub, "clusterlink") && arg_is(c->argv[2], "kill"))
        reply_error(c, "Debug option only available for cluster mode enabled setup!");
    else if (c->argc == 2 && !strcasecmp(sub, "client-eviction"))
        reply_error(c, "maxmemory-clients is disabled.");
    else if (c->argc == 4 && !strcasecmp(sub, "replybuffer")) {
        /* the clients cron's reply-buffer resizing (networking.c), as Redis's */
        long long ms;
        if (arg_is(c->argv[2], "peak-reset-time")) {
            if (arg_is(c->argv[3], "never")) ms = -1;
            else if (arg_is(c->argv[3], "reset")) ms = REPLY_PEAK_RESET_DEFAULT_MS;
            else if (!arg_ll(c, c->argv[3], &ms, NULL)) return;
            net_set_reply_peak_reset(ms);
            reply_ok(c);
        } else if (arg_is(c->argv[2], "resizing")) {
            net_set_reply_resizing(atoi(arg_str(c, 3)) != 0); /* Redis reads it with atoi */
            reply_ok(c);
        } else {
            reply_subcommand_syntax_error(c);
        }
    } else reply_subcommand_syntax_error(c);
}
