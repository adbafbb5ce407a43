/* snapshot.c - RDB snapshots as a server feature (see snapshot.h).
 *
 * BGSAVE forks: the child writes the dataset to a temp file, fsyncs and renames it,
 * measures its copy-on-write (Private_Dirty of /proc/self/smaps_rollup), sends that
 * through a pipe and exits; the parent keeps serving and reaps it from the cron.
 * While a child runs, the keyspace tables do not resize (fewer pages copied).
 * Save points ("save <seconds> <changes>") start a BGSAVE from the cron when enough
 * changes are older than enough seconds; after a failed BGSAVE, retries wait 5
 * seconds, and with stop-writes-on-bgsave-error writes (and PING) get MISCONF
 * until a save succeeds. At start-up the file is loaded before clients are served
 * (they get LOADING meanwhile); a damaged file stops the server with the reason.
 * Invariants: at most one child; server.stat.dirty counts changes since the last
 * successful save (a BGSAVE subtracts what it captured).
 * Costs: BGSAVE costs a fork (page tables) and the copy-on-write of pages written
 * while it runs; SAVE blocks for the whole write. */
#include "snapshot.h"
#include "aof.h"
#include "check.h"
#include "child.h"
#include "rdb.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/config_table.h"
#include "../core/db.h"
#include "../core/module.h"
#include "../core/server.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RETRY_AFTER_ERROR_SECONDS 5

static struct {
    char *dbfilename;
    int stop_writes_on_error;
    int del_sync_files;
    int incremental_fsync;
    int loading_events_every;        /* bytes between event processing while loading */
    char *bgsave_cpulist;
} cfg;

static struct {
    long long dirty_before;          /* server.stat.dirty when the child forked */
    int last_bgsave_ok;
    long long last_bgsave_try;       /* unix seconds */
    long long last_bgsave_time_sec;  /* -1: none yet */
    long long saves;
    int bgsave_scheduled;
    long long last_cow;
    long long keys_loaded, keys_expired;
} st = {.last_bgsave_ok = 1, .last_bgsave_time_sec = -1};

int persist_child_type(void) { return child_type(); }

/* ---------------- saving ---------------- */

/* No replication aux fields: Redis writes them only once it keeps a replication
 * backlog (for a restarted replica to continue from), and Vesper keeps none yet. */
static RdbSaveInfo save_info(void) {
    RdbSaveInfo si = {-1, NULL, 0, 0};
    return si;
}

int persist_save_now(void) {
    if (child_type() == CHILD_RDB) {
        server_log(LL_WARNING, "Background save already in progress");
        return -1;
    }
    long long start = ustime();
    RdbSaveInfo si = save_info();
    if (rdb_save_file(cfg.dbfilename, &si) == -1) {
        st.last_bgsave_ok = 0;
        return -1;
    }
    server_log(LL_NOTICE, "DB saved on disk");
    server.stat.dirty = 0;
    server.lastsave = time(NULL);
    st.last_bgsave_ok = 1;
    st.last_bgsave_time_sec = (ustime() - start) / 1000000;
    return 0;
}

static int bgsave_body(void) {
    cpulist_apply(cfg.bgsave_cpulist);
    RdbSaveInfo si = save_info();
    if (rdb_save_file(cfg.dbfilename, &si) == -1) return 1;
    server_log(LL_NOTICE, "DB saved on disk");
    return 0;
}

static void (*bgsave_listener)(int ok);

const char *persist_rdb_filename(void) { return cfg.dbfilename; }

static void bgsave_done(pid_t pid, int ok, int bysignal, long long cow) {
    (void)pid;
    void (*listener)(int) = bgsave_listener;
    bgsave_listener = NULL;
    if (ok) {
        server_log(LL_NOTICE, "Background saving terminated with success");
        server.stat.dirty -= st.dirty_before;
        server.lastsave = time(NULL);
        st.last_bgsave_ok = 1;
        st.saves++;
    } else if (!bysignal) {
        server_log(LL_WARNING, "Background saving error");
        st.last_bgsave_ok = 0;
    } else {
        server_log(LL_WARNING, "Background saving terminated by signal %d", bysignal);
        /* a child killed by us (SIGUSR1) is not an error */
        if (bysignal != SIGUSR1) st.last_bgsave_ok = 0;
    }
    st.last_cow = cow;
    st.last_bgsave_time_sec = (mstime() - child_start_ms()) / 1000;
    if (listener) listener(ok);
}

int persist_bgsave_notify(void (*done)(int ok)) {
    if (persist_bgsave() == -1) return -1;
    bgsave_listener = done;
    return 0;
}

int persist_bgsave(void) {
    st.last_bgsave_try = time(NULL);
    st.dirty_before = server.stat.dirty;
    pid_t pid = child_start(CHILD_RDB, bgsave_body, bgsave_done);
    if (pid == -1) {
        st.last_bgsave_ok = 0;
        server_log(LL_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    server_log(LL_NOTICE, "Background saving started by pid %ld", (long)pid);
    return 0;
}

/* ---------------- the cron: children and save points ---------------- */

static void check_save_points(void) {
    if (child_type() != CHILD_NONE) return;
    long long now = time(NULL);
    int may_retry = st.last_bgsave_ok || now - st.last_bgsave_try > RETRY_AFTER_ERROR_SECONDS;
    for (int i = 0; i < server.cfg.saveparams_len && may_retry; i++) {
        const SaveParam *sp = &server.cfg.saveparams[i];
        if (server.stat.dirty >= sp->changes && now - server.lastsave > sp->seconds) {
            server_log(LL_NOTICE, "%d changes in %lld seconds. Saving...", sp->changes, sp->seconds);
            persist_bgsave();
            return;
        }
    }
}

static void persist_cron(void) {
    child_reap();
    if (child_type() == CHILD_NONE && st.bgsave_scheduled) {
        if (persist_bgsave() == 0) st.bgsave_scheduled = 0;
    }
    check_save_points();
}

/* ---------------- commands ---------------- */

static void save_cmd(Client *c) {
    if (child_type() == CHILD_RDB) {
        reply_error(c, "Background save already in progress");
        return;
    }
    if (persist_save_now() == 0) reply_ok(c);
    else reply_error(c, "ERR");
}

static void bgsave_cmd(Client *c) {
    int schedule = 0;
    if (c->argc > 1) {
        if (c->argc == 2 && arg_is(c->argv[1], "schedule")) schedule = 1;
        else {
            reply_error_syntax(c);
            return;
        }
    }
    if (child_type() == CHILD_RDB) {
        reply_error(c, "Background save already in progress");
    } else if (child_type() != CHILD_NONE || server.in_exec) {
        if (schedule || server.in_exec) {
            st.bgsave_scheduled = 1;
            reply_status(c, "Background saving scheduled");
        } else {
            reply_error(c, "Another child process is active (AOF?): can't BGSAVE right now. "
                           "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if (persist_bgsave() == 0) {
        reply_status(c, "Background saving started");
    } else {
        reply_error(c, "ERR");
    }
}

/* MISCONF: after a failed background save, writes are refused while save points
 * exist and stop-writes-on-bgsave-error is on (PING too, as in Redis); then, the
 * same for a failed AOF write or fsync (aof_write_error). */
static Sds disk_error(int rdb_failed) {
    if (!rdb_failed) return aof_write_error();
    return sds_new("-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
                   "Commands that may modify the data set are disabled, because this instance is configured to "
                   "report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
                   "Please check the Redis logs for details about the RDB error.");
}

static int rdb_save_failed(void) {
    return cfg.stop_writes_on_error && server.cfg.saveparams_len > 0 && !st.last_bgsave_ok;
}

static Sds check_disk_error(Client *c, Command *cmd, int ctx) {
    (void)c; (void)ctx;
    int rdb_failed = rdb_save_failed();
    if (!rdb_failed && aof_state() == AOF_OFF) return NULL; /* the common case: two tests */
    const char *name = cmd->parent ? cmd->parent->name : cmd->name;
    if (!(cmd->flags & CMD_WRITE) && strcmp(name, "ping")) return NULL;
    return disk_error(rdb_failed);
}

Sds persist_write_denied(void) {
    int rdb_failed = rdb_save_failed();
    if (!rdb_failed && aof_state() == AOF_OFF) return NULL;
    return disk_error(rdb_failed);
}

/* ---------------- loading ---------------- */

static struct {
    long long start;                 /* unix seconds */
    long long total, loaded, base;   /* bytes */
} ld;

void persist_loading_begin(long long total_bytes) {
    server.loading = 1;
    ld.start = time(NULL);
    ld.total = total_bytes;
    ld.loaded = ld.base = 0;
}

static void loading_progress(Rio *r) {
    ld.loaded = ld.base + (long long)rio_tell(r);
    server_process_events_while_loading();
}

void persist_loading_reader(Rio *r, long long base) {
    ld.base = base;
    r->progress = loading_progress;
    r->progress_every = r->progress_next = (uint64_t)cfg.loading_events_every;
}

void persist_loading_end(void) {
    server.loading = 0;
}

static Sds loading_info(Sds s) {
    double perc = ld.total ? (double)ld.loaded * 100 / (double)ld.total : 0;
    long long elapsed = time(NULL) - ld.start, remaining = ld.total > ld.loaded ? ld.total - ld.loaded : 1;
    long long eta = elapsed ? elapsed * remaining / (ld.loaded + 1) : 1;
    return sds_catprintf(s,
        "loading_start_time:%lld\r\n"
        "loading_total_bytes:%lld\r\n"
        "loading_rdb_used_mem:0\r\n"
        "loading_loaded_bytes:%lld\r\n"
        "loading_loaded_perc:%.2f\r\n"
        "loading_eta_seconds:%lld\r\n",
        ld.start, ld.total, ld.loaded, perc, eta);
}

/* Loads the configured file into the (empty) dataset; 1, or 0 when the file is
 * missing; a damaged file ends the process with the reason, as Redis does. */
static int load_at_startup(void) {
    long long start = ustime();
    int fd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        if (errno != ENOENT) {
            server_log(LL_WARNING, "Fatal error loading the DB: %s. Exiting.", strerror(errno));
            server_exit(1);
        }
        return 0;
    }
    Rio r;
    rio_init_fd(&r, fd, 0, 0);
    struct stat stbuf;
    persist_loading_begin(fstat(fd, &stbuf) == 0 ? (long long)stbuf.st_size : 0);
    persist_loading_reader(&r, 0);
    RdbLoadInfo info;
    RdbErr err = {{0}};
    int ok = rdb_load(&r, &info, &err);
    persist_loading_end();
    rio_close(&r);
    close(fd);
    if (!ok) {
        server_log(LL_WARNING, "Bad file format reading the append only file / RDB %s: %s", cfg.dbfilename, err.msg);
        /* as Redis: the checker's report of the whole file follows (on stdout) */
        int cfd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
        if (cfd != -1) {
            rdb_check_fd(cfd, cfg.dbfilename, NULL);
            fflush(stdout);
            close(cfd);
        }
        server_log(LL_WARNING, "Terminating server after rdb file reading failure.");
        server_exit(1);
    }
    st.keys_loaded = info.keys_loaded;
    st.keys_expired = info.keys_expired;
    if (info.empty_keys_skipped)
        server_log(LL_WARNING, "Done loading RDB, keys loaded: %lld, keys expired: %lld, empty keys skipped: %lld.",
                   info.keys_loaded, info.keys_expired, info.empty_keys_skipped);
    else
        server_log(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.", info.keys_loaded,
                   info.keys_expired);
    server_log(LL_NOTICE, "DB loaded from disk: %.3f seconds", (double)(ustime() - start) / 1000000);
    return 1;
}

/* appendonly yes: the AOF module loads the dataset from the AOF instead. */
static void persist_init(void) {
    if (!aof_loads_at_startup()) load_at_startup();
}

/* ---------------- FLUSHALL ---------------- */

/* As Redis: the snapshot a running BGSAVE writes is of data just flushed, so it is
 * killed; with save points the empty dataset is saved at once. */
static void persist_flushall(void) {
    if (child_type() == CHILD_RDB) {
        server_log(LL_NOTICE, "Killing running RDB child: FLUSHALL");
        child_kill();
    }
    if (server.cfg.saveparams_len > 0) persist_save_now();
}

/* ---------------- shutdown ---------------- */

static int persist_shutdown(int flags) {
    if (child_type() == CHILD_RDB) {
        server_log(LL_WARNING, "There is a child saving an .rdb. Killing it!");
        child_kill();
    }
    int save = (server.cfg.saveparams_len > 0 && !(flags & SHUTDOWN_NOSAVE)) || (flags & SHUTDOWN_SAVE);
    if (!save) return 0;
    server_log(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
    if (persist_save_now() == -1) {
        server_log(LL_WARNING, "Error trying to save the DB, can't exit.");
        return -1;
    }
    return 0;
}

/* ---------------- DEBUG RELOAD ---------------- */

static void debug_reload(Client *c) {
    int save = 1, flush = 1, merge = 0;
    for (int j = 2; j < c->argc; j++) {
        if (arg_is(c->argv[j], "nosave")) save = 0;
        else if (arg_is(c->argv[j], "noflush")) flush = 0;
        else if (arg_is(c->argv[j], "merge")) merge = 1;
        else {
            reply_error(c, "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    if (save && persist_save_now() == -1) {
        reply_error(c, "Error trying to save the DB");
        return;
    }
    if (flush) {
        db_empty(-1, 0);
        if (rdb_function_hooks) rdb_function_hooks->flush(); /* Redis empties the libraries too */
    }
    RdbLoadInfo info;
    RdbErr err = {{0}};
    persist_loading_begin(0);
    rdb_load_merge = merge;
    int ok = rdb_load_file(cfg.dbfilename, &info, &err);
    rdb_load_merge = 0;
    persist_loading_end();
    if (!ok) {
        reply_errorf(c, "Error trying to load the RDB dump: %s", err.msg);
        return;
    }
    server_log(LL_NOTICE, "DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

/* ---------------- INFO persistence ---------------- */

static Sds persist_info(Sds s) {
    long long now = time(NULL);
    const ChildProgress *cp = child_progress();
    ChildProgress none = {0};
    if (!cp) cp = &none;
    double perc = cp->keys_total ? (double)cp->keys_processed * 100 / (double)cp->keys_total : 0;
    s = sds_catprintf(s,
        "loading:%d\r\n"
        "async_loading:0\r\n"
        "current_cow_peak:%lld\r\n"
        "current_cow_size:%lld\r\n"
        "current_cow_size_age:%lld\r\n"
        "current_fork_perc:%.2f\r\n"
        "current_save_keys_processed:%lld\r\n"
        "current_save_keys_total:%lld\r\n"
        "rdb_changes_since_last_save:%lld\r\n"
        "rdb_bgsave_in_progress:%d\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:%lld\r\n"
        "rdb_current_bgsave_time_sec:%lld\r\n"
        "rdb_saves:%lld\r\n"
        "rdb_last_cow_size:%lld\r\n"
        "rdb_last_load_keys_expired:%lld\r\n"
        "rdb_last_load_keys_loaded:%lld\r\n",
        server.loading, cp->cow_peak, cp->cow, cp->updated_ms ? (mstime() - cp->updated_ms) / 1000 : 0, perc,
        cp->keys_processed, cp->keys_total, server.stat.dirty, child_type() == CHILD_RDB, (long long)server.lastsave,
        st.last_bgsave_ok ? "ok" : "err", st.last_bgsave_time_sec,
        child_type() == CHILD_RDB ? now - child_start_ms() / 1000 : -1LL, st.saves, st.last_cow,
        st.keys_expired, st.keys_loaded);
    s = aof_info_fields(s);
    s = sds_cat(s, "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n");
    s = aof_info_extra(s);
    return server.loading ? loading_info(s) : s;
}

static void persist_reset_stats(void) {
    st.saves = 0;
    st.last_cow = 0;
}

/* ---------------- the module ---------------- */

static int check_dbfilename(const char *v, const char **err) {
    if (strchr(v, '/') || strchr(v, '\\')) {
        *err = "dbfilename can't be a path, just a filename";
        return 0;
    }
    return 1;
}

static Command persist_commands[] = {
    {.name = "save", .proc = save_cmd, .arity = 1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .summary = "Synchronously save the dataset to disk",
     .since = "1.0.0", .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "bgsave", .proc = bgsave_cmd, .arity = -1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .summary = "Asynchronously save the dataset to disk",
     .since = "1.0.0", .complexity = "O(1)",
     .args = "[SCHEDULE{@3.2.2}]\nhistory 3.2.2 Added the `SCHEDULE` option."},
    {0}};

static ConfigDef persist_configs[] = {
    CONFIG_STR("dbfilename", NULL, CONFIG_PROTECTED, cfg.dbfilename, "dump.rdb", .str_check = check_dbfilename),
    CONFIG_BOOL("rdbcompression", NULL, 0, rdb_compression, 1),
    CONFIG_BOOL("rdbchecksum", NULL, CONFIG_IMMUTABLE, rdb_checksum, 1),
    CONFIG_BOOL("stop-writes-on-bgsave-error", NULL, 0, cfg.stop_writes_on_error, 1),
    CONFIG_BOOL("rdb-del-sync-files", NULL, 0, cfg.del_sync_files, 0),
    CONFIG_BOOL("rdb-save-incremental-fsync", NULL, 0, cfg.incremental_fsync, 1),
    CONFIG_NUM("rdb-key-save-delay", NULL, CONFIG_HIDDEN, 0, rdb_key_save_delay, INT_MIN, INT_MAX, 0),
    CONFIG_NUM("key-load-delay", NULL, CONFIG_HIDDEN, 0, rdb_key_load_delay, INT_MIN, INT_MAX, 0),
    CONFIG_NUM("loading-process-events-interval-bytes", NULL, CONFIG_HIDDEN, 0, cfg.loading_events_every, 1024,
               INT_MAX, 2 * 1024 * 1024),
    CONFIG_STR("bgsave_cpulist", NULL, CONFIG_IMMUTABLE | CONFIG_EMPTY_NULL, cfg.bgsave_cpulist, NULL),
    {0}};

static const DispatchCheckDef persist_checks[] = {{CHECK_SLOT_DISK, check_disk_error}, {0, NULL}};
static const DebugExt persist_debug[] = {{"reload", debug_reload}, {NULL, NULL}};

const Module persist_module = {
    .name = "persistence",
    .commands = persist_commands,
    .configs = persist_configs,
    .init = persist_init,
    .cron = persist_cron,
    .reset_stats = persist_reset_stats,
    .flushall = persist_flushall,
    .info_section = "persistence",
    .info = persist_info,
    .checks = persist_checks,
    .debug = persist_debug,
    .shutdown = persist_shutdown,
};
