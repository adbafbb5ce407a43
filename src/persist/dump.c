/* dump.c - DUMP and RESTORE: one key's value as Redis's serialized payload.
 *
 * A payload is the value's RDB type byte and encoding (rdb_save_value), the RDB
 * version as two little-endian bytes, and the CRC-64 of all of that as eight
 * little-endian bytes, so payloads move between Redis 7.0 and Vesper both ways.
 * RESTORE checks the version and checksum first, then decodes only the bytes
 * before the footer, with the same validation as RDB loading: a hostile payload
 * gets "Bad data format", never a crash.
 * Costs: O(size of the value) both ways. */
#include "rdb.h"
#include "../base/alloc.h"
#include "../base/crc64.h"
#include "../base/rio.h"
#include "../core/command.h"
#include "../core/config_table.h"
#include "../core/db.h"
#include "../core/evict.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/notify.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOOTER_LEN 10

Sds dump_payload(const Obj *o) {
    Rio r;
    rio_init_buffer(&r);
    r.compress = rdb_compression;
    if (!rdb_save_value(&r, o)) {
        rio_close(&r);
        return NULL;
    }
    Sds payload = rio_take_buffer(&r);
    rio_close(&r);
    unsigned char footer[FOOTER_LEN] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    payload = sds_catlen(payload, footer, 2);
    uint64_t crc = crc64(0, payload, sds_len(payload));
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    return sds_catlen(payload, footer + 2, 8);
}

static void dump_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_null(c);
        return;
    }
    Sds payload = dump_payload(o);
    if (!payload) reply_error(c, "DUMP is not supported for this type of value");
    else reply_bulk_sds(c, payload);
}

/* Version and checksum of a payload, as Redis checks them. */
static int payload_ok(const unsigned char *p, size_t len, int skip_checksum) {
    if (len < FOOTER_LEN) return 0;
    const unsigned char *footer = p + len - FOOTER_LEN;
    unsigned version = (unsigned)footer[0] | ((unsigned)footer[1] << 8);
    if (version > RDB_VERSION) return 0;
    if (skip_checksum) return 1;
    uint64_t crc = crc64(0, p, len - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | footer[2 + i];
    return crc == stored;
}

typedef struct RestoreOpts {
    int replace, absttl;
    long long idle, freq;      /* -1 when not given */
} RestoreOpts;

static int parse_options(Client *c, RestoreOpts *o) {
    o->replace = o->absttl = 0;
    o->idle = o->freq = -1;
    for (int j = 4; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (arg_is(c->argv[j], "replace")) {
            o->replace = 1;
        } else if (arg_is(c->argv[j], "absttl")) {
            o->absttl = 1;
        } else if (arg_is(c->argv[j], "idletime") && more >= 1 && o->freq == -1) {
            if (!arg_ll(c, c->argv[++j], &o->idle, NULL)) return 0;
            if (o->idle < 0) {
                reply_error(c, "Invalid IDLETIME value, must be >= 0");
                return 0;
            }
        } else if (arg_is(c->argv[j], "freq") && more >= 1 && o->idle == -1) {
            if (!arg_ll(c, c->argv[++j], &o->freq, NULL)) return 0;
            if (o->freq < 0 || o->freq > 255) {
                reply_error(c, "Invalid FREQ value, must be >= 0 and <= 255");
                return 0;
            }
        } else {
            reply_error_syntax(c);
            return 0;
        }
    }
    return 1;
}

static void set_access(Obj *o, const RestoreOpts *opt) {
    if (opt->freq >= 0 && evict_policy_is_lfu()) {
        o->lru = (uint32_t)((((unsigned long)(server.unixtime / 60) & 65535) << 8) | (unsigned long)opt->freq);
    } else if (opt->idle >= 0 && !evict_policy_is_lfu()) {
        long long ticks = opt->idle * 1000 / LRU_CLOCK_RESOLUTION, clock = (long long)obj_lru_clock - ticks % LRU_CLOCK_MAX;
        if (clock < 0) clock += LRU_CLOCK_MAX;
        o->lru = (uint32_t)clock & LRU_CLOCK_MAX;
    }
}

static void restore_cmd(Client *c) {
    RestoreOpts opt;
    if (!parse_options(c, &opt)) return;
    const Obj *key = c->argv[1];
    if (!opt.replace && db_lookup_write(c, key)) {
        reply_error(c, "-BUSYKEY Target key name already exists.");
        return;
    }
    long long ttl;
    if (!arg_ll(c, c->argv[2], &ttl, NULL)) return;
    if (ttl < 0) {
        reply_error(c, "Invalid TTL value, must be >= 0");
        return;
    }
    const unsigned char *p = (const unsigned char *)arg_str(c, 3);
    size_t len = arg_len(c, 3);
    if (!payload_ok(p, len, rdb_skip_checksum)) {
        reply_error(c, "DUMP payload version or checksum are wrong");
        return;
    }
    Rio r;
    rio_init_mem(&r, p, len - FOOTER_LEN);
    RdbErr err = {{0}};
    Obj *val = rdb_load_value(&r, 1, &err);
    if (val && rio_tell(&r) != len - FOOTER_LEN) {
        obj_decr(val); /* bytes left over after the value: not a payload DUMP makes */
        val = NULL;
        snprintf(err.msg, sizeof(err.msg), "%llu bytes after the value", (unsigned long long)(len - FOOTER_LEN - rio_tell(&r)));
    }
    if (!val) {
        server_log(LL_WARNING, "RESTORE refused a payload (Bad data format): %s", err.msg);
        reply_error(c, "Bad data format");
        return;
    }
    int deleted = opt.replace && db_delete_lazy(c->db, key_ptr(key), key_len(key), lazyfree_cfg.server_del);
    if (ttl && !opt.absttl) ttl = ttl > LLONG_MAX - server.mstime ? LLONG_MAX : ttl + server.mstime;
    if (ttl && ttl <= server.mstime && !server.loading) {
        /* already expired: nothing is stored; a replaced key amounts to a DEL */
        obj_decr(val);
        if (deleted) {
            db_changed(c->db, key, NOTIFY_GENERIC, "del");
            propagate_replace_objs(c, obj_word(WORD_DEL), key, NULL);
        }
        reply_ok(c);
        return;
    }
    Obj *o = db_add(c->db, key_ptr(key), key_len(key), val);
    if (ttl) {
        o = db_set_expire(c->db, o, ttl);
        if (!opt.absttl) {
            /* replicas get the absolute time: the same arguments, TTL absolute, ABSTTL */
            Obj **argv = vmalloc(sizeof(Obj *) * (size_t)(c->argc + 1));
            memcpy(argv, c->argv, sizeof(Obj *) * (size_t)c->argc);
            argv[2] = obj_from_ll(ttl);
            argv[c->argc] = obj_word(WORD_ABSTTL);
            propagate_replace(c, argv, c->argc + 1);
            obj_decr(argv[2]);
            vfree(argv);
        }
    }
    set_access(o, &opt);
    db_changed(c->db, key, NOTIFY_GENERIC, "restore");
    reply_ok(c);
}

static const ConfigEnum sanitize_enum[] = {
    {"no", RDB_SANITIZE_NO}, {"yes", RDB_SANITIZE_YES}, {"clients", RDB_SANITIZE_CLIENTS}, {NULL, 0}};

static ConfigDef dump_configs[] = {
    CONFIG_ENUM("sanitize-dump-payload", NULL, 0, rdb_sanitize_payload, sanitize_enum, RDB_SANITIZE_NO),
    {0},
};

static long long sanitizations_gauge(void) { return rdb_payload_sanitizations; }

static const InfoGauge dump_gauges[] = {{"dump_payload_sanitizations", sanitizations_gauge}, {0}};

static void dump_reset_stats(void) { rdb_payload_sanitizations = 0; }

/* DEBUG SET-SKIP-CHECKSUM-VALIDATION 0|1 */
static void debug_skip_checksum(Client *c) {
    if (c->argc != 3) {
        reply_error(c, "Wrong number of arguments for DEBUG SET-SKIP-CHECKSUM-VALIDATION");
        return;
    }
    rdb_skip_checksum = atoi(arg_str(c, 2)) != 0;
    reply_ok(c);
}

static const DebugExt dump_debug[] = {{"set-skip-checksum-validation", debug_skip_checksum}, {0}};

static Command dump_commands[] = {
    {.name = "dump", .proc = dump_cmd, .arity = 2, .flags = CMD_READONLY, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
     .group = "generic", .summary = "Return a serialized version of the value stored at the specified key.",
     .since = "2.6.0",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis "
                   "objects composing the value and M their average size. For small string values the time "
                   "complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
     .args = "key:key\ntip nondeterministic_output", .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "restore", .proc = restore_cmd, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .group = "generic",
     .summary = "Create a key using the provided serialized value, previously obtained using DUMP.", .since = "2.6.0",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N "
                   "is the number of Redis objects composing the value and M their average size. For small string "
                   "values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for "
                   "sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is "
                   "O(log(N)).",
     .args = "key:key ttl:integer serialized-value:string [REPLACE{@3.0.0}] [ABSTTL{@5.0.0}] "
             "[IDLETIME seconds:integer{@5.0.0}] [FREQ frequency:integer{@5.0.0}]\n"
             "history 3.0.0 Added the `REPLACE` modifier.\n"
             "history 5.0.0 Added the `ABSTTL` modifier.\n"
             "history 5.0.0 Added the `IDLETIME` and `FREQ` options.",
     .keyspecs = {KS1(KS_OW | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {0}};

const Module dump_module = {
    .name = "dump",
    .commands = dump_commands,
    .configs = dump_configs,
    .gauges = dump_gauges,
    .reset_stats = dump_reset_stats,
    .debug = dump_debug,
};
