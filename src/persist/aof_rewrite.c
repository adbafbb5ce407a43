/* aof_rewrite.c - a dataset written as a base file of the append only file: either
 * an RDB (aof-use-rdb-preamble yes, the default) or the commands that rebuild it.
 *
 * The command form is Redis's: "#TS:<unix>" first when aof-timestamp-enabled, then
 * FUNCTION LOAD <code> per function library (scripting's hook), then per non-empty database SELECT <n> and per key the type's own rewrite (SET, SADD,
 * HMSET ... with at most AOF_REWRITE_ITEMS_PER_CMD elements per command) and
 * PEXPIREAT <key> <ms> for a volatile key. A type without a command rewrite is
 * written as RESTORE <key> 0 <payload>, which Redis loads too.
 *
 * Runs in the rewrite child (or synchronously at start-up): it only reads the
 * dataset. Costs: O(dataset); rdb-key-save-delay slows it per key (tests). */
#include "aof.h"
#include "rdb.h"
#include "child.h"
#include "../base/alloc.h"
#include "../base/crc64.h"
#include "../core/db.h"
#include "../core/objtype.h"
#include "../core/server.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* RESTORE key 0 <DUMP payload>: the fallback for a type without a command form. */
static int rewrite_as_restore(Rio *r, const char *key, size_t klen, const Obj *o) {
    Rio p;
    rio_init_buffer(&p);
    p.compress = rdb_compression;
    if (!rdb_save_value(&p, o)) {
        rio_close(&p);
        r->error = 1;
        return 0;
    }
    Sds payload = rio_take_buffer(&p);
    rio_close(&p);
    unsigned char footer[10] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    payload = sds_catlen(payload, footer, 2);
    uint64_t crc = crc64(0, payload, sds_len(payload));
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    payload = sds_catlen(payload, footer + 2, 8);
    int ok = rio_write_bulk_count(r, '*', 4) && rio_write_bulk_string(r, "RESTORE", 7) &&
             rio_write_bulk_string(r, key, klen) && rio_write_bulk_string(r, "0", 1) &&
             rio_write_bulk_string(r, payload, sds_len(payload));
    sds_free(payload);
    return ok;
}

static int rewrite_key(Rio *r, const Obj *o) {
    size_t klen;
    const char *key = obj_key(o, &klen);
    const ObjType *t = objtype_get(o->type);
    int ok = t && t->aof_rewrite ? t->aof_rewrite(r, key, klen, o) : rewrite_as_restore(r, key, klen, o);
    long long when = obj_get_expire(o);
    if (ok && when != -1)
        ok = rio_write_bulk_count(r, '*', 3) && rio_write_bulk_string(r, "PEXPIREAT", 9) &&
             rio_write_bulk_string(r, key, klen) && rio_write_bulk_ll(r, when);
    return ok;
}

int aof_rewrite_commands(Rio *r) {
    if (aof_cfg.timestamp_enabled) {
        char ts[64];
        int n = snprintf(ts, sizeof(ts), "#TS:%lld\r\n", (long long)time(NULL));
        if (!rio_write(r, ts, (size_t)n)) return 0;
    }
    if (rdb_function_hooks && !rdb_function_hooks->rewrite(r)) return 0;
    long long keys = 0;
    for (int j = 0; j < db_count(); j++) {
        Db *db = db_get(j);
        if (db_size(db) == 0) continue;
        if (!(rio_write_bulk_count(r, '*', 2) && rio_write_bulk_string(r, "SELECT", 6) && rio_write_bulk_ll(r, j)))
            return 0;
        HtIter it;
        ht_iter_init(&it, db->keys, 0);
        Obj *o;
        int ok = 1;
        while (ok && (o = ht_iter_next(&it))) {
            ok = rewrite_key(r, o);
            child_report_progress(++keys); /* a no-op outside a fork child */
            if (rdb_key_save_delay) rdb_debug_delay(rdb_key_save_delay);
        }
        ht_iter_done(&it);
        if (!ok) return 0;
    }
    return 1;
}

int aof_write_base(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) return -1;
    Rio r;
    rio_init_fd(&r, fd, 1, aof_cfg.rewrite_incremental_fsync ? 4 * 1024 * 1024 : 0);
    int ok;
    if (aof_cfg.use_rdb_preamble) {
        RdbSaveInfo si = {-1, NULL, 0, 1};
        ok = rdb_save(&r, &si);
    } else {
        ok = aof_rewrite_commands(&r);
    }
    ok = ok && rio_flush(&r, 1);
    int e = errno;
    rio_close(&r);
    if (close(fd) == -1 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(path);
        errno = e ? e : EIO;
        return -1;
    }
    return 0;
}
