/* rdb.c - saving and loading the whole dataset in RDB form (see rdb.h).
 *
 * File layout: "REDIS" and a four-digit version; aux fields (name/value pairs);
 * a FUNCTION2 record (the code) per function library, saved and created through
 * the hooks scripting registers (rdb_function_hooks);
 * per non-empty database SELECTDB and RESIZEDB; per key an optional EXPIRETIME_MS,
 * an optional IDLE (LRU policies) or FREQ (LFU policies), the value's type byte,
 * the key, the value; then EOF and an 8-byte little-endian CRC-64 of everything
 * before it (0 when rdbchecksum is off: a reader then skips the check).
 * Loading accepts versions 1 to 10 and every type byte some type descriptor lists
 * in rdb_load_types (older encodings included). A failure names the reason, the
 * byte offset and the key being read.
 * Costs: O(dataset) both ways; loading presizes each database from RESIZEDB. */
#include "rdb.h"
#include "child.h"
#include "../base/alloc.h"
#include "../base/crc64.h"
#include "../base/util.h"
#include "../core/db.h"
#include "../core/evict.h"
#include "../core/objtype.h"
#include "../core/server.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RDB_MAX_KEY_LEN ((size_t)512 * 1024 * 1024)

int rdb_compression = 1, rdb_checksum = 1, rdb_key_save_delay, rdb_key_load_delay;

void rdb_debug_delay(int usec) {
    if (usec < 0) usec = rand_u64() % (uint64_t)(-(long long)usec) == 0 ? 1 : 0;
    if (usec) usleep((useconds_t)usec);
}
int rdb_sanitize_payload = RDB_SANITIZE_NO, rdb_skip_checksum;
const RdbFunctionHooks *rdb_function_hooks;
int rdb_load_merge;
long long rdb_payload_sanitizations;

/* ---------------- saving ---------------- */

static int save_aux_fields(Rio *r, const RdbSaveInfo *info) {
    char ver[] = VESPER_VERSION;
    return rdb_save_aux(r, "redis-ver", ver, strlen(ver)) && rdb_save_aux_ll(r, "redis-bits", (long long)sizeof(void *) * 8) &&
           rdb_save_aux_ll(r, "ctime", (long long)time(NULL)) && rdb_save_aux_ll(r, "used-mem", (long long)vmalloc_used()) &&
           ((info && info->repl_stream_db == -1) ||
            (rdb_save_aux_ll(r, "repl-stream-db", info ? info->repl_stream_db : 0) &&
             rdb_save_aux(r, "repl-id", info && info->replid ? info->replid : server.runid, 40) &&
             rdb_save_aux_ll(r, "repl-offset", info ? info->repl_offset : 0))) &&
           rdb_save_aux_ll(r, "aof-base", info ? info->aof_base : 0);
}

/* The access data Redis saves for the policy in force: idle seconds for LRU
 * policies, the LFU counter for LFU ones, nothing otherwise. */
static int save_access(Rio *r, const Obj *o) {
    if (evict_policy_is_lru()) return rdb_save_type(r, RDB_OPCODE_IDLE) && rdb_save_len(r, evict_idle_seconds(o));
    if (evict_policy_is_lfu()) {
        unsigned char freq = (unsigned char)evict_lfu_counter(o);
        return rdb_save_type(r, RDB_OPCODE_FREQ) && rio_write(r, &freq, 1);
    }
    return 1;
}

int rdb_save_value(Rio *r, const Obj *o) {
    const ObjType *t = objtype_get(o->type);
    if (!t || !t->rdb_save || !t->rdb_type) {
        r->error = 1;
        return 0;
    }
    return rdb_save_type(r, t->rdb_type(o)) && t->rdb_save(r, o);
}

static int save_key(Rio *r, const Obj *o) {
    size_t klen;
    const char *key = obj_key(o, &klen);
    long long when = obj_get_expire(o);
    if (when != -1 && !(rdb_save_type(r, RDB_OPCODE_EXPIRETIME_MS) && rdb_save_millis(r, when))) return 0;
    if (!save_access(r, o)) return 0;
    const ObjType *t = objtype_get(o->type);
    if (!t || !t->rdb_save || !t->rdb_type) {
        r->error = 1;
        return 0;
    }
    return rdb_save_type(r, t->rdb_type(o)) && rdb_save_string(r, key, klen) && t->rdb_save(r, o);
}

static long long saved_keys; /* keys written by the running save (child progress) */

static int save_db(Rio *r, Db *db) {
    if (db_size(db) == 0) return 1;
    if (!(rdb_save_type(r, RDB_OPCODE_SELECTDB) && rdb_save_len(r, (uint64_t)db->id) &&
          rdb_save_type(r, RDB_OPCODE_RESIZEDB) && rdb_save_len(r, db_size(db)) &&
          rdb_save_len(r, db_volatile_count(db))))
        return 0;
    HtIter it;
    ht_iter_init(&it, db->keys, 0);
    Obj *o;
    int ok = 1;
    while (ok && (o = ht_iter_next(&it))) {
        ok = save_key(r, o);
        child_report_progress(++saved_keys); /* a no-op outside a fork child */
        if (rdb_key_save_delay) rdb_debug_delay(rdb_key_save_delay);
    }
    ht_iter_done(&it);
    return ok;
}

int rdb_save(Rio *r, const RdbSaveInfo *info) {
    char magic[10];
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    r->compress = rdb_compression;
    saved_keys = 0;
    rio_checksum_start(r);
    if (!rio_write(r, magic, 9) || !save_aux_fields(r, info)) return 0;
    if (rdb_function_hooks && !(info && info->exclude_functions) && !rdb_function_hooks->save(r)) return 0;
    for (int j = 0; !(info && info->exclude_data) && j < db_count(); j++)
        if (!save_db(r, db_get(j))) return 0;
    if (!rdb_save_type(r, RDB_OPCODE_EOF)) return 0;
    uint64_t crc = rdb_checksum ? rio_checksum(r) : 0;
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(crc >> (8 * i));
    return rio_write(r, b, 8);
}

static int fsync_dir_of(const char *path) {
    char *copy = vstrdup(path);
    int fd = open(dirname(copy), O_RDONLY);
    vfree(copy);
    if (fd == -1) return -1;
    int res = fsync(fd);
    close(fd);
    return res;
}

int rdb_save_file(const char *path, const RdbSaveInfo *info) {
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        int e = errno;
        char cwd[1024];
        server_log(LL_WARNING, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", tmp,
                   getcwd(cwd, sizeof(cwd)) ? cwd : "unknown", strerror(e));
        errno = e;
        return -1;
    }
    Rio r;
    rio_init_fd(&r, fd, 1, 32 * 1024 * 1024);
    int ok = rdb_save(&r, info) && rio_flush(&r, 1);
    int e = errno;
    rio_close(&r);
    if (close(fd) == -1 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        server_log(LL_WARNING, "Write error saving DB on disk: %s", strerror(e));
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (rename(tmp, path) == -1) {
        e = errno;
        server_log(LL_WARNING, "Error moving temp DB file %s on the final destination %s: %s", tmp, path, strerror(e));
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (fsync_dir_of(path) == -1) server_log(LL_WARNING, "Failed to fsync the directory of %s: %s", path, strerror(errno));
    return 0;
}

/* ---------------- loading ---------------- */

/* A load error message with the offset and, when known, the key. */
static int load_fail(Rio *r, RdbErr *err, const char *key, size_t klen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int load_fail(Rio *r, RdbErr *err, const char *key, size_t klen, const char *fmt, ...) {
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (key)
        snprintf(err->msg, sizeof(err->msg), "%.200s (at byte offset %llu, key '%.*s')", why,
                 (unsigned long long)rio_tell(r), (int)(klen > 64 ? 64 : klen), key);
    else
        snprintf(err->msg, sizeof(err->msg), "%.200s (at byte offset %llu)", why, (unsigned long long)rio_tell(r));
    return 0;
}

/* The descriptor loading an RDB type byte: a table filled on first use (the types
 * register before anything is loaded). */
static const ObjType *type_for_rdb(int rdbtype) {
    static const ObjType *by_rdb[256];
    static int filled;
    if (!filled) {
        for (int t = 0; t < 16; t++) {
            const ObjType *ot = objtype_get(t);
            if (!ot || !ot->rdb_load || !ot->rdb_load_types) continue;
            for (const unsigned char *p = ot->rdb_load_types; *p != 255; p++) by_rdb[*p] = ot;
        }
        filled = 1;
    }
    return rdbtype >= 0 && rdbtype < 256 ? by_rdb[rdbtype] : NULL;
}

/* Whether a value of this type is an encoded blob (what Redis validates deeply
 * under sanitize-dump-payload, and counts). */
static int rdb_type_is_blob(int t) {
    return t == RDB_TYPE_HASH_ZIPMAP || (t >= RDB_TYPE_LIST_ZIPLIST && t <= RDB_TYPE_STREAM_LISTPACKS_2);
}

static void count_sanitization(int type, int from_client) {
    if (!rdb_type_is_blob(type)) return;
    if (rdb_sanitize_payload == RDB_SANITIZE_YES || (from_client && rdb_sanitize_payload == RDB_SANITIZE_CLIENTS))
        rdb_payload_sanitizations++;
}

Obj *rdb_load_value(Rio *r, int from_client, RdbErr *err) {
    int type = rdb_load_type(r, err);
    if (type < 0) return NULL;
    const ObjType *t = type_for_rdb(type);
    if (!t) {
        snprintf(err->msg, sizeof(err->msg), "unknown RDB value type %d", type);
        return NULL;
    }
    count_sanitization(type, from_client);
    return t->rdb_load(r, type, err);
}

Obj *rdb_load_typed_value(Rio *r, int rdbtype, int *known, RdbErr *err) {
    const ObjType *t = type_for_rdb(rdbtype);
    *known = t != NULL;
    if (!t) {
        snprintf(err->msg, sizeof(err->msg), "unknown RDB value type %d", rdbtype);
        return NULL;
    }
    return t->rdb_load(r, rdbtype, err);
}

Sds rdb_load_function_record(Rio *r, int opcode, RdbErr *err) {
    if (opcode == RDB_OPCODE_FUNCTION2) return rdb_load_string(r, RDB_MAX_KEY_LEN, err);
    Sds name = rdb_load_string(r, 1 << 20, err), engine = NULL, desc = NULL, body = NULL, code = NULL;
    uint64_t has_desc = 0;
    if (name && (engine = rdb_load_string(r, 1 << 20, err)) && rdb_load_len(r, &has_desc, NULL, err) &&
        (!has_desc || (desc = rdb_load_string(r, RDB_MAX_KEY_LEN, err))) &&
        (body = rdb_load_string(r, RDB_MAX_KEY_LEN, err))) {
        code = sds_catprintf(sds_empty(), "#!%s name=%s\n", engine, name); /* the description is dropped */
        code = sds_catsds(code, body);
    }
    sds_free(name);
    sds_free(engine);
    sds_free(desc);
    sds_free(body);
    return code;
}

/* A library record in a file being loaded: created through the hooks. */
static int load_function(Rio *r, int opcode, RdbErr *err) {
    RdbErr e = {{0}};
    Sds code = rdb_load_function_record(r, opcode, &e);
    if (!code) return load_fail(r, err, NULL, 0, "Failed loading library: %s", e.msg);
    if (!rdb_function_hooks) {
        sds_free(code);
        return load_fail(r, err, NULL, 0, "the file holds function libraries, and this server has no script engine");
    }
    Sds why = NULL;
    int ok = rdb_function_hooks->load(code, sds_len(code), rdb_load_merge, &why);
    sds_free(code);
    if (!ok) {
        server_log(LL_WARNING, "Failed loading library, %s", why ? why : "Failed creating the library");
        load_fail(r, err, NULL, 0, "Failed loading library, %s", why ? why : "Failed creating the library");
    }
    sds_free(why);
    return ok;
}

static void load_aux(RdbLoadInfo *info, const Sds k, const Sds v) {
    long long n = 0;
    int isnum = string2ll(v, sds_len(v), &n);
    if (!strcmp(k, "repl-stream-db") && isnum) info->repl_stream_db = (int)n;
    else if (!strcmp(k, "repl-offset") && isnum) info->repl_offset = n;
    else if (!strcmp(k, "aof-base") && isnum) info->aof_base = (int)n;
    else if (!strcmp(k, "ctime") && isnum) info->ctime = n;
    else if (!strcmp(k, "repl-id") && sds_len(v) == 40) memcpy(info->replid, v, 41);
    else if (!strcmp(k, "redis-ver")) server_log(LL_NOTICE, "Loading RDB produced by version %s", v);
    else if (!strcmp(k, "redis-bits") && isnum && n != (long long)sizeof(void *) * 8)
        server_log(LL_NOTICE, "RDB was created by a %lld bit server", n);
}

/* The state the opcodes before a key set for it. */
typedef struct KeyMeta {
    long long expire;          /* -1: none */
    long long idle;            /* -1: none */
    int freq;                  /* -1: none */
} KeyMeta;

static void apply_access(Obj *o, const KeyMeta *m) {
    if (m->freq >= 0 && evict_policy_is_lfu()) {
        o->lru = (uint32_t)(((unsigned long)(server.unixtime / 60) & 65535) << 8 | (unsigned)m->freq);
    } else if (m->idle >= 0 && evict_policy_is_lru()) {
        long long ticks = (m->idle * 1000) / LRU_CLOCK_RESOLUTION;
        long long clock = (long long)obj_lru_clock - ticks;
        if (clock < 0) clock += LRU_CLOCK_MAX;
        o->lru = (uint32_t)clock & LRU_CLOCK_MAX;
    }
}

static int load_key(Rio *r, Db *db, int type, KeyMeta *m, RdbLoadInfo *info, RdbBuf *kb, RdbErr *err) {
    RdbErr e = {{0}};
    size_t klen;
    const char *key = rdb_load_str(r, kb, RDB_MAX_KEY_LEN, &klen, &e);
    if (!key) return load_fail(r, err, NULL, 0, "reading a key name: %s", e.msg);
    Obj *o;
    int ok = 0;
    const ObjType *t = type_for_rdb(type);
    Obj *val = NULL;
    if (t) {
        count_sanitization(type, 0);
        val = t->rdb_load(r, type, &e);
    }
    if (!t) {
        load_fail(r, err, key, klen, "unknown RDB value type %d", type);
    } else if (!val && e.empty) {
        /* a well-formed empty value: skipped, as Redis does */
        if (info->empty_keys_skipped++ < 10)
            server_log(LL_WARNING, "RDB loading: skipping empty key: %.*s", (int)klen, key);
        ok = 1;
    } else if (!val) {
        load_fail(r, err, key, klen, "reading the value: %s", e.msg);
    } else if (m->expire != -1 && m->expire < server.mstime) {
        obj_decr(val); /* already expired: not loaded, as a master does */
        info->keys_expired++;
        ok = 1;
    } else if ((rdb_load_merge && db_delete(db, key, klen) < 0) || !(o = db_add_unique(db, key, klen, val))) {
        /* under DEBUG RELOAD MERGE the file's key replaces a loaded one */
        load_fail(r, err, key, klen, "duplicated key in database %d", db->id);
    } else {
        if (m->expire != -1) o = db_set_expire(db, o, m->expire);
        apply_access(o, m);
        info->keys_loaded++;
        if (rdb_key_load_delay) rdb_debug_delay(rdb_key_load_delay);
        ok = 1;
    }
    m->expire = m->idle = -1;
    m->freq = -1;
    return ok;
}

static int load_header(Rio *r, RdbErr *err) {
    char magic[10] = {0};
    if (!rio_read(r, magic, 9)) return load_fail(r, err, NULL, 0, "file too short for an RDB header");
    if (memcmp(magic, "REDIS", 5) != 0) return load_fail(r, err, NULL, 0, "wrong signature trying to load DB from file");
    long long ver = 0;
    for (int i = 5; i < 9; i++) {
        if (magic[i] < '0' || magic[i] > '9') return load_fail(r, err, NULL, 0, "bad RDB version field");
        ver = ver * 10 + (magic[i] - '0');
    }
    if (ver < 1 || ver > RDB_VERSION) return load_fail(r, err, NULL, 0, "Can't handle RDB format version %lld", ver);
    return (int)ver;
}

static int load_checksum(Rio *r, int version, RdbErr *err) {
    if (version < 5) return 1;
    uint64_t expected = rio_checksum(r);
    unsigned char b[8];
    if (!rio_read(r, b, 8)) return load_fail(r, err, NULL, 0, "the file ends before its checksum");
    uint64_t got = 0;
    for (int i = 7; i >= 0; i--) got = (got << 8) | b[i];
    if (got != 0 && rdb_checksum && !rdb_skip_checksum && got != expected)
        return load_fail(r, err, NULL, 0, "RDB CRC error: wrong RDB checksum expected: (%llx) got (%llx)",
                         (unsigned long long)got, (unsigned long long)expected);
    return 1;
}

static int load_all(Rio *r, RdbLoadInfo *info, RdbBuf *keybuf, RdbErr *err) {
    memset(info, 0, sizeof(*info));
    info->repl_stream_db = -1;
    rio_checksum_start(r);
    int version = load_header(r, err);
    if (!version) return 0;
    Db *db = db_get(0);
    KeyMeta m = {-1, -1, -1};
    for (;;) {
        RdbErr e = {{0}};
        int type = rdb_load_type(r, &e);
        if (type < 0) return load_fail(r, err, NULL, 0, "%s: the file is truncated (no EOF marker)", e.msg);
        uint64_t n1, n2;
        if (type == RDB_OPCODE_EOF) break;
        if (type == RDB_OPCODE_EXPIRETIME_MS) {
            if (!rdb_load_millis(r, &m.expire, &e)) return load_fail(r, err, NULL, 0, "%s", e.msg);
        } else if (type == RDB_OPCODE_EXPIRETIME) {
            long long s;
            if (!rdb_load_seconds(r, &s, &e)) return load_fail(r, err, NULL, 0, "%s", e.msg);
            m.expire = s * 1000;
        } else if (type == RDB_OPCODE_FREQ) {
            unsigned char f;
            if (!rio_read(r, &f, 1)) return load_fail(r, err, NULL, 0, "short read of an LFU frequency");
            m.freq = f;
        } else if (type == RDB_OPCODE_IDLE) {
            if (!rdb_load_len(r, &n1, NULL, &e)) return load_fail(r, err, NULL, 0, "%s", e.msg);
            m.idle = n1 > (uint64_t)LLONG_MAX / 1000 ? LLONG_MAX / 1000 : (long long)n1;
        } else if (type == RDB_OPCODE_SELECTDB) {
            if (!rdb_load_len(r, &n1, NULL, &e)) return load_fail(r, err, NULL, 0, "%s", e.msg);
            if (n1 >= (uint64_t)db_count())
                return load_fail(r, err, NULL, 0,
                                 "FATAL: Data file was created with a Redis server configured to handle more than %d databases",
                                 db_count());
            db = db_get((int)n1);
        } else if (type == RDB_OPCODE_RESIZEDB) {
            if (!rdb_load_len(r, &n1, NULL, &e) || !rdb_load_len(r, &n2, NULL, &e))
                return load_fail(r, err, NULL, 0, "%s", e.msg);
            if (n1 < (1ULL << 32)) ht_try_expand(db->keys, (size_t)n1);
        } else if (type == RDB_OPCODE_AUX) {
            Sds k = rdb_load_string(r, 1 << 20, &e), v = k ? rdb_load_string(r, RDB_MAX_KEY_LEN, &e) : NULL;
            if (!v) {
                sds_free(k);
                return load_fail(r, err, NULL, 0, "reading an aux field: %s", e.msg);
            }
            load_aux(info, k, v);
            sds_free(k);
            sds_free(v);
        } else if (type == RDB_OPCODE_MODULE_AUX) {
            return load_fail(r, err, NULL, 0, "the file holds module data, and modules are not supported");
        } else if (type == RDB_OPCODE_FUNCTION2 || type == RDB_OPCODE_FUNCTION) {
            if (!load_function(r, type, err)) return 0;
        } else if (!load_key(r, db, type, &m, info, keybuf, err)) {
            return 0;
        }
    }
    return load_checksum(r, version, err);
}

int rdb_load(Rio *r, RdbLoadInfo *info, RdbErr *err) {
    RdbBuf keybuf = {0}; /* key names are read into it, one allocation for the whole load */
    int ok = load_all(r, info, &keybuf, err);
    rdb_buf_free(&keybuf);
    return ok;
}

int rdb_load_file(const char *path, RdbLoadInfo *info, RdbErr *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err->msg, sizeof(err->msg), "%s", strerror(errno));
        return 0;
    }
    Rio r;
    rio_init_fd(&r, fd, 0, 0);
    int ok = rdb_load(&r, info, err);
    rio_close(&r);
    close(fd);
    if (!ok) errno = EINVAL;
    return ok;
}
