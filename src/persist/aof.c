/* aof.c - the append only file as a server feature (see aof.h): Redis 7.0's
 * multi-part AOF, written and rewritten.
 *
 * Writing: a propagation sink (core/propagate.h) turns every propagated command
 * into RESP in aof.buf; before the event loop sleeps, and so before any client
 * sees the reply of a write, the buffer is written to the current incr file. Then
 * appendfsync always fsyncs at once, everysec hands an fsync to the background
 * thread at most once a second (postponing a write up to two seconds while one is
 * still running), and no leaves it to the kernel. A failed write is retried from the
 * cron and, meanwhile, writes get MISCONF; with always the server exits, as Redis.
 *
 * Rewriting (BGREWRITEAOF, automatic growth, CONFIG SET appendonly yes): the parent
 * opens a new incr file (noted in the manifest) and keeps appending there, while a
 * forked child writes a new base (an RDB, or commands) to a temp file. When the
 * child succeeds the temp file becomes the new base, the old base and the older
 * incr files become history in the manifest, and history files are deleted. Turning
 * AOF on at run time first writes to a temp incr file that becomes the first incr
 * file only when that initial rewrite succeeds (state AOF_WAIT_REWRITE).
 *
 * Invariants: the manifest on disk always names files that exist and together hold
 * the dataset (every change is a temp file + rename); aof.fd is the last incr file
 * (or the temp incr file while waiting for the first rewrite); the buffer never
 * holds a command whose reply was already sent unless the write failed.
 * Costs: per write command one RESP encoding into the buffer; per event loop turn
 * one write(2); fsync per policy. A rewrite costs a fork and its copy-on-write. */
#include "aof.h"
#include "child.h"
#include "rdb.h"
#include "snapshot.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/bio.h"
#include "../core/command.h"
#include "../core/config_table.h"
#include "../core/db.h"
#include "../core/module.h"
#include "../core/propagate.h"
#include "../core/server.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_ERROR_LOG_EVERY 30        /* seconds between repeated write-error logs */
#define REWRITE_LIMIT_THRESHOLD 3       /* consecutive failures before rewrites back off */
#define REWRITE_LIMIT_MAX_MINUTES 60

AofConfig aof_cfg = {
    .filename = NULL, .dirname = NULL, .fsync = AOF_FSYNC_EVERYSEC, .rewrite_perc = 100,
    .rewrite_min_size = 64LL * 1024 * 1024, .load_truncated = 1, .use_rdb_preamble = 1,
    .rewrite_incremental_fsync = 1,
};

static struct {
    int state;
    int fd;                          /* the incr file appended to, -1 when none */
    Sds buf;                         /* commands not yet written */
    AofManifest *manifest;
    long long current_size;          /* base + incr files, bytes */
    long long base_size;             /* current_size after the last rewrite (auto rewrite) */
    long long incr_size;             /* bytes in the current incr file */
    long long incr_fsynced;          /* of those, bytes known fsynced (or handed to fsync) */
    long long last_fsync;            /* unix seconds */
    long long flush_postponed_start; /* unix seconds, 0: not postponed */
    long long delayed_fsync;
    int write_ok;                    /* the last write succeeded */
    int write_errno;
    long long cur_ts;                /* the last "#TS:" annotation written */
    int rewrite_scheduled;
    long long rewrite_start;         /* unix seconds, -1 when none runs */
    long long rewrite_last_secs;     /* -1: none yet */
    int rewrite_ok;                  /* the last rewrite succeeded */
    long long rewrites;
    long long rewrite_failures;      /* consecutive */
    long long last_cow;
    int flush_sleep;                 /* DEBUG AOF-FLUSH-SLEEP, microseconds */
} aof = {.state = AOF_OFF, .fd = -1, .write_ok = 1, .rewrite_start = -1, .rewrite_last_secs = -1, .rewrite_ok = 1};

/* The background fsync: jobs in flight and the last one's result (the bio thread
 * writes them). */
static atomic_int fsync_pending;
static atomic_int fsync_errno;

int aof_state(void) { return aof.state; }
int aof_loads_at_startup(void) { return aof_cfg.enabled; }

static void aof_feed(PropSink *sink, Obj **argv, int argc);
static PropSink aof_sink = {.name = "aof", .feed = aof_feed, .aof = 1};

/* ---------------- the background thread's jobs ---------------- */

static void bio_fsync_job(void *arg) {
    int fd = (int)(intptr_t)arg;
    if (fdatasync(fd) == -1 && errno != EBADF && errno != EINVAL) atomic_store(&fsync_errno, errno);
    else atomic_store(&fsync_errno, 0);
    atomic_fetch_sub(&fsync_pending, 1);
}

static void bio_fsync_close_job(void *arg) {
    int fd = (int)(intptr_t)arg;
    if (fdatasync(fd) == -1 && errno != EBADF && errno != EINVAL) atomic_store(&fsync_errno, errno);
    close(fd);
    atomic_fetch_sub(&fsync_pending, 1);
}

static void bio_unlink_job(void *arg) {
    unlink((char *)arg);
    sds_free((Sds)arg);
}

static void background_fsync(int fd, int close_after) {
    atomic_fetch_add(&fsync_pending, 1);
    bio_submit(close_after ? bio_fsync_close_job : bio_fsync_job, (void *)(intptr_t)fd);
}

static void background_unlink(Sds path) { bio_submit(bio_unlink_job, path); }

/* ---------------- feeding and flushing ---------------- */

static void aof_feed(PropSink *sink, Obj **argv, int argc) {
    (void)sink;
    if (aof.state != AOF_ON && !(aof.state == AOF_WAIT_REWRITE && child_type() == CHILD_AOF)) return;
    if (aof_cfg.timestamp_enabled && aof.cur_ts < server.unixtime) {
        aof.cur_ts = server.unixtime;
        aof.buf = sds_catprintf(aof.buf, "#TS:%lld\r\n", aof.cur_ts);
    }
    aof.buf = propagate_cat_command(aof.buf, argv, argc);
}

static ssize_t write_all(int fd, const char *p, size_t len) {
    ssize_t total = 0;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return total ? total : -1;
        }
        p += n;
        len -= (size_t)n;
        total += n;
    }
    return total;
}

/* Writes the buffer out and fsyncs per policy. force: write even while a
 * background fsync runs (everysec normally waits up to two seconds for it). */
static void aof_flush(int force) {
    int sync_in_progress = 0;
    if (aof.fd == -1) return;
    if (sds_len(aof.buf) == 0) {
        /* nothing new, but an everysec/always fsync may still be owed */
        if (aof_cfg.fsync == AOF_FSYNC_EVERYSEC && aof.incr_fsynced != aof.incr_size &&
            server.unixtime > aof.last_fsync && !(sync_in_progress = atomic_load(&fsync_pending) != 0))
            goto try_fsync;
        if (aof_cfg.fsync == AOF_FSYNC_ALWAYS && aof.incr_fsynced != aof.incr_size) goto try_fsync;
        return;
    }
    if (aof_cfg.fsync == AOF_FSYNC_EVERYSEC) sync_in_progress = atomic_load(&fsync_pending) != 0;
    if (aof_cfg.fsync == AOF_FSYNC_EVERYSEC && !force && sync_in_progress) {
        if (aof.flush_postponed_start == 0) {
            aof.flush_postponed_start = server.unixtime;
            return;
        }
        if (server.unixtime - aof.flush_postponed_start < 2) return;
        aof.delayed_fsync++;
        server_log(LL_NOTICE, "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
                              "without waiting for fsync to complete, this may slow down Redis.");
    }
    if (aof.flush_sleep) usleep((useconds_t)aof.flush_sleep);
    ssize_t n = write_all(aof.fd, aof.buf, sds_len(aof.buf));
    aof.flush_postponed_start = 0;
    if (n != (ssize_t)sds_len(aof.buf)) {
        static long long last_log;
        int can_log = server.unixtime - last_log > WRITE_ERROR_LOG_EVERY;
        if (can_log) last_log = server.unixtime;
        if (n == -1) {
            if (can_log) server_log(LL_WARNING, "Error writing to the AOF file: %s", strerror(errno));
            aof.write_errno = errno;
        } else {
            if (can_log)
                server_log(LL_WARNING, "Short write while writing to the AOF file: (nwritten=%lld, expected=%lld)",
                           (long long)n, (long long)sds_len(aof.buf));
            if (ftruncate(aof.fd, (off_t)aof.incr_size) == -1) {
                if (can_log)
                    server_log(LL_WARNING, "Could not remove short write from the append-only file.  Redis may "
                                           "refuse to load the AOF the next time it starts.  ftruncate: %s",
                               strerror(errno));
            } else {
                n = -1; /* nothing partial is left in the file */
            }
            aof.write_errno = ENOSPC;
        }
        if (aof_cfg.fsync == AOF_FSYNC_ALWAYS) {
            server_log(LL_WARNING, "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                                   "Exiting...");
            server_exit(1);
        }
        aof.write_ok = 0;
        if (n > 0) {
            aof.current_size += n;
            aof.incr_size += n;
            sds_range(aof.buf, n, -1);
        }
        return;
    }
    if (!aof.write_ok) {
        server_log(LL_WARNING, "AOF write error looks solved, Redis can write again.");
        aof.write_ok = 1;
    }
    aof.current_size += n;
    aof.incr_size += n;
    if (sds_len(aof.buf) + sds_avail(aof.buf) < 4000) {
        sds_clear(aof.buf);
    } else {
        sds_free(aof.buf);
        aof.buf = sds_empty();
    }
try_fsync:
    if (aof_cfg.no_fsync_on_rewrite && child_type() != CHILD_NONE) return;
    if (aof_cfg.fsync == AOF_FSYNC_ALWAYS) {
        if (fdatasync(aof.fd) == -1) {
            server_log(LL_WARNING, "Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. "
                                   "Exiting...", strerror(errno));
            server_exit(1);
        }
        aof.incr_fsynced = aof.incr_size;
        aof.last_fsync = server.unixtime;
    } else if (aof_cfg.fsync == AOF_FSYNC_EVERYSEC && server.unixtime > aof.last_fsync) {
        if (!sync_in_progress) {
            background_fsync(aof.fd, 0);
            aof.incr_fsynced = aof.incr_size;
        }
        aof.last_fsync = server.unixtime;
    }
}

Sds aof_write_error(void) {
    if (aof.state == AOF_OFF) return NULL;
    int e = aof.write_ok ? atomic_load(&fsync_errno) : aof.write_errno;
    if (aof.write_ok && e == 0) return NULL;
    return sds_catprintf(sds_empty(), "-MISCONF Errors writing to the AOF file: %s", strerror(e));
}

/* ---------------- files and the manifest ---------------- */

static int ensure_dir(void) {
    if (mkdir(aof_cfg.dirname, 0755) == -1 && errno != EEXIST) {
        server_log(LL_WARNING, "Can't open or create append-only dir %s: %s", aof_cfg.dirname, strerror(errno));
        return -1;
    }
    return 0;
}

static Sds temp_incr_name(void) { return sds_catprintf(sds_empty(), "temp-%s.incr", aof_cfg.filename); }

static int open_append(const char *name, int truncate_it) {
    Sds path = aof_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate_it ? O_TRUNC : O_APPEND), 0644);
    sds_free(path);
    if (fd == -1) server_log(LL_WARNING, "Can't open the append-only file %s: %s", name, strerror(errno));
    return fd;
}

/* Deletes the history files (in the background) and drops them from the manifest,
 * unless aof-disable-auto-gc. */
static void delete_history(void) {
    if (!aof.manifest || aof_cfg.disable_auto_gc || aof.manifest->nhist == 0) return;
    for (int i = 0; i < aof.manifest->nhist; i++) {
        server_log(LL_NOTICE, "Removing the history file %s in the background", aof.manifest->hist[i]->name);
        background_unlink(aof_path(aof.manifest->hist[i]->name));
    }
    aofm_clear_history(aof.manifest);
    aof_manifest_persist(aof.manifest);
}

/* Starts a new incr file for the writes that follow a rewrite's fork: in the
 * manifest (persisted) when AOF is on, or the temp incr file when waiting for the
 * first rewrite. 0, or -1 with nothing changed. */
static int open_new_incr(void) {
    if (aof.state == AOF_OFF) return 0;
    AofManifest *m = NULL;
    Sds name;
    if (aof.state == AOF_WAIT_REWRITE) {
        name = temp_incr_name();
    } else {
        m = aofm_dup(aof.manifest);
        name = sds_new(aofm_new_incr(m, aof_cfg.filename));
    }
    int fd = open_append(name, 1);
    if (fd == -1 || (m && aof_manifest_persist(m) == -1)) {
        if (fd != -1) close(fd);
        aofm_free(m);
        sds_free(name);
        return -1;
    }
    server_log(LL_NOTICE, "Creating AOF incr file %s on background rewrite", name);
    sds_free(name);
    if (aof.fd != -1) {
        background_fsync(aof.fd, 1); /* fsync and close the previous file */
        aof.last_fsync = server.unixtime;
    }
    aof.fd = fd;
    aof.incr_size = aof.incr_fsynced = 0;
    if (m) {
        aofm_free(aof.manifest);
        aof.manifest = m;
    }
    return 0;
}

/* ---------------- background rewrite ---------------- */

static Sds rewrite_temp_name(pid_t pid) { return sds_catprintf(sds_empty(), "temp-rewriteaof-bg-%d.aof", (int)pid); }

static int rewrite_body(void) {
    cpulist_apply(aof_cfg.rewrite_cpulist);
    Sds tmp = rewrite_temp_name(getpid());
    int r = aof_write_base(tmp);
    if (r == 0) server_log(LL_NOTICE, "Successfully created the temporary AOF base file %s", tmp);
    else server_log(LL_WARNING, "Write error writing append only file on disk: %s", strerror(errno));
    sds_free(tmp);
    return r == 0 ? 0 : 1;
}

static void rewrite_failed(void) {
    aof.rewrite_ok = 0;
    aof.rewrite_failures++;
}

/* The child finished: install the new base and incr files (backgroundRewriteDoneHandler). */
static void rewrite_done(pid_t pid, int ok, int bysignal, long long cow) {
    Sds tmp = rewrite_temp_name(pid);
    aof.last_cow = cow;
    if (ok) {
        server_log(LL_NOTICE, "Background AOF rewrite terminated with success");
        AofManifest *m = aofm_dup(aof.manifest);
        Sds base = sds_new(aofm_new_base(m, aof_cfg.filename, aof_cfg.use_rdb_preamble));
        Sds base_path = aof_path(base), incr_path = NULL;
        int good = rename(tmp, base_path) == 0;
        if (!good) {
            server_log(LL_WARNING, "Error trying to rename the temporary AOF base file %s into %s: %s", tmp,
                       base_path, strerror(errno));
        } else {
            server_log(LL_NOTICE, "Successfully renamed the temporary AOF base file %s into %s", tmp, base);
        }
        if (good && aof.state == AOF_WAIT_REWRITE) {
            Sds tname = temp_incr_name(), tpath = aof_path(tname);
            const char *incr = aofm_new_incr(m, aof_cfg.filename);
            incr_path = aof_path(incr);
            if (rename(tpath, incr_path) == -1) {
                server_log(LL_WARNING, "Error trying to rename the temporary AOF incr file %s into %s: %s", tpath,
                           incr_path, strerror(errno));
                background_unlink(sds_dup(base_path));
                good = 0;
            } else {
                server_log(LL_NOTICE, "Successfully renamed the temporary AOF incr file %s into %s", tname, incr);
            }
            sds_free(tname);
            sds_free(tpath);
        }
        if (good) {
            aofm_incr_to_history(m, aof.fd != -1);
            if (aof_manifest_persist(m) == -1) {
                background_unlink(sds_dup(base_path));
                if (incr_path) background_unlink(sds_dup(incr_path));
                good = 0;
            }
        }
        if (good) {
            aofm_free(aof.manifest);
            aof.manifest = m;
            m = NULL;
            if (aof.state != AOF_OFF) {
                aof.current_size = aof_file_size(base) + aof.incr_size;
                aof.base_size = aof.current_size;
            }
            delete_history();
            aof.rewrite_ok = 1;
            aof.rewrite_failures = 0;
            server_log(LL_NOTICE, "Background AOF rewrite finished successfully");
            if (aof.state == AOF_WAIT_REWRITE) aof.state = AOF_ON;
        } else {
            rewrite_failed();
        }
        aofm_free(m);
        sds_free(base);
        sds_free(base_path);
        sds_free(incr_path);
    } else if (!bysignal) {
        rewrite_failed();
        server_log(LL_WARNING, "Background AOF rewrite terminated with error");
    } else {
        if (bysignal != SIGUSR1) rewrite_failed(); /* our own kill is not a failure */
        server_log(LL_WARNING, "Background AOF rewrite terminated by signal %d", bysignal);
    }
    unlink(tmp);
    sds_free(tmp);
    if (aof.state == AOF_WAIT_REWRITE) {
        /* the first rewrite failed: what was buffered for it is dropped, as Redis */
        sds_clear(aof.buf);
        Sds tname = temp_incr_name();
        server_log(LL_NOTICE, "Removing the temp incr aof file %s in the background", tname);
        background_unlink(aof_path(tname));
        sds_free(tname);
    }
    aof.rewrite_last_secs = aof.rewrite_start == -1 ? -1 : time(NULL) - aof.rewrite_start;
    aof.rewrite_start = -1;
    if (aof.state == AOF_WAIT_REWRITE) aof.rewrite_scheduled = 1; /* AOF turns on only after a rewrite */
}

/* Starts a background rewrite (rewriteAppendOnlyFileBackground); 0 or -1. */
static int rewrite_start(void) {
    if (child_type() != CHILD_NONE) return -1;
    if (ensure_dir() == -1) {
        aof.rewrite_ok = 0;
        return -1;
    }
    propagate_sink_reset_db(&aof_sink); /* the new incr file starts with a SELECT */
    aof_flush(1);
    if (open_new_incr() == -1) {
        aof.rewrite_ok = 0;
        return -1;
    }
    aof.rewrites++;
    pid_t pid = child_start(CHILD_AOF, rewrite_body, rewrite_done);
    if (pid == -1) {
        aof.rewrite_ok = 0;
        server_log(LL_WARNING, "Can't rewrite append only file in background: fork: %s", strerror(errno));
        return -1;
    }
    server_log(LL_NOTICE, "Background append only file rewriting started by pid %ld", (long)pid);
    aof.rewrite_scheduled = 0;
    aof.rewrite_start = time(NULL);
    return 0;
}

/* After repeated failures, automatic rewrites back off 1, 2, 4 ... 60 minutes
 * (BGREWRITEAOF still runs at once). */
static int rewrite_limited(void) {
    static long long next_delay_minutes, next_time;
    if (aof.rewrite_failures < REWRITE_LIMIT_THRESHOLD) {
        next_delay_minutes = next_time = 0;
        return 0;
    }
    if (next_time) {
        if (server.unixtime < next_time) return 1;
        next_time = 0;
        return 0;
    }
    next_delay_minutes = next_delay_minutes ? next_delay_minutes * 2 : 1;
    if (next_delay_minutes > REWRITE_LIMIT_MAX_MINUTES) next_delay_minutes = REWRITE_LIMIT_MAX_MINUTES;
    next_time = server.unixtime + next_delay_minutes * 60;
    server_log(LL_WARNING, "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %lld "
                           "minutes", next_delay_minutes);
    return 1;
}

static void kill_rewrite_child(void) {
    if (child_type() != CHILD_AOF) return;
    server_log(LL_NOTICE, "Killing running AOF rewrite child: %ld", (long)child_pid());
    Sds tmp = rewrite_temp_name(child_pid());
    child_kill();
    unlink(tmp);
    sds_free(tmp);
}

/* ---------------- turning AOF on and off at run time ---------------- */

static void aof_stop(void) {
    aof_flush(1);
    if (aof.fd != -1) {
        if (fdatasync(aof.fd) == -1) server_log(LL_WARNING, "Fail to fsync the AOF file: %s", strerror(errno));
        else aof.last_fsync = server.unixtime;
        close(aof.fd);
    }
    aof.fd = -1;
    aof.state = AOF_OFF;
    aof.rewrite_scheduled = 0;
    aof.incr_size = aof.incr_fsynced = 0;
    kill_rewrite_child();
    sds_clear(aof.buf);
    propagate_remove_sink(&aof_sink);
}

static int aof_start(void) {
    aof.state = AOF_WAIT_REWRITE;
    propagate_add_sink(&aof_sink);
    if (child_type() != CHILD_NONE && child_type() != CHILD_AOF) {
        aof.rewrite_scheduled = 1;
        server_log(LL_WARNING, "AOF was enabled but there is already another background operation. An AOF background "
                               "was scheduled to start when possible.");
    } else if (server.in_exec) {
        aof.rewrite_scheduled = 1;
        server_log(LL_WARNING, "AOF was enabled during a transaction. An AOF background was scheduled to start when "
                               "possible.");
    } else {
        if (child_type() == CHILD_AOF) {
            server_log(LL_WARNING, "AOF was enabled but there is already an AOF rewriting in background. Stopping "
                                   "background AOF and starting a rewrite now.");
            kill_rewrite_child();
        }
        if (rewrite_start() == -1) {
            aof.state = AOF_OFF;
            propagate_remove_sink(&aof_sink);
            server_log(LL_WARNING, "Redis needs to enable the AOF but can't trigger a background AOF rewrite "
                                   "operation. Check the above logs for more info about the error.");
            return -1;
        }
    }
    aof.last_fsync = server.unixtime;
    if (atomic_load(&fsync_errno)) {
        server_log(LL_WARNING, "AOF reopen, just ignore the AOF fsync error in bio job");
        atomic_store(&fsync_errno, 0);
    }
    if (!aof.write_ok) {
        server_log(LL_WARNING, "AOF reopen, just ignore the last error.");
        aof.write_ok = 1;
    }
    return 0;
}

static int apply_appendonly(const char **err) {
    if (aof_cfg.enabled && aof.state == AOF_OFF) {
        if (aof_start() == -1) {
            *err = "Unable to turn on AOF. Check server logs.";
            return 0;
        }
    } else if (!aof_cfg.enabled && aof.state != AOF_OFF) {
        aof_stop();
    }
    return 1;
}

static int apply_fsync(const char **err) {
    (void)err;
    if (aof_cfg.fsync == AOF_FSYNC_ALWAYS) bio_drain(); /* no background fsync left behind */
    return 1;
}

static int apply_auto_gc(const char **err) {
    (void)err;
    if (!aof_cfg.disable_auto_gc) delete_history();
    return 1;
}

/* ---------------- start-up and shutdown ---------------- */

/* Loads the AOF when appendonly is on, then opens (or creates) the files to append
 * to (aofOpenIfNeededOnServerStart); any failure ends the process, as in Redis. */
static void aof_init(void) {
    aof.buf = sds_empty();
    aof.manifest = aof_manifest_load();
    if (!aof_cfg.enabled) return;
    long long start = ustime(), total = 0, base = 0;
    int ret = aof_load_files(aof.manifest, &total, &base);
    if (ret == AOF_FAILED || ret == AOF_OPEN_ERR) server_exit(1); /* the reason is the last line logged */
    if (ret != AOF_NOT_EXIST)
        server_log(LL_NOTICE, "DB loaded from append only file: %.3f seconds", (double)(ustime() - start) / 1000000);
    aof.current_size = total;
    aof.base_size = base;
    server.stat.dirty = 0;
    if (ensure_dir() == -1) server_exit(1);
    int fresh = !aof.manifest->base && aof.manifest->nincr == 0;
    if (fresh) {
        /* an empty dataset still gets a base file, so the manifest is never empty */
        Sds name = sds_new(aofm_new_base(aof.manifest, aof_cfg.filename, aof_cfg.use_rdb_preamble));
        Sds path = aof_path(name);
        if (aof_write_base(path) == -1) {
            server_log(LL_WARNING, "Write error writing append only file on disk: %s", strerror(errno));
            server_exit(1);
        }
        server_log(LL_NOTICE, "Creating AOF base file %s on server start", name);
        sds_free(path);
        sds_free(name);
    }
    int had_incr = aof.manifest->nincr > 0;
    const char *incr = had_incr ? aof.manifest->incr[aof.manifest->nincr - 1]->name
                                : aofm_new_incr(aof.manifest, aof_cfg.filename);
    aof.fd = open_append(incr, 0);
    if (aof.fd == -1 || aof_manifest_persist(aof.manifest) == -1) server_exit(1);
    aof.incr_size = aof.incr_fsynced = aof_file_size(incr);
    server_log(LL_NOTICE, "%s AOF incr file %s on server start", had_incr ? "Opening" : "Creating", incr);
    if (fresh) aof.current_size = aof.base_size = aof_file_size(aof.manifest->base->name);
    aof.state = AOF_ON;
    aof.last_fsync = server.unixtime;
    propagate_add_sink(&aof_sink);
    delete_history();
}

static int aof_shutdown(int flags) {
    if (child_type() == CHILD_AOF) {
        if (aof.state == AOF_WAIT_REWRITE && !(flags & SHUTDOWN_FORCE)) {
            server_log(LL_WARNING, "Writing initial AOF, can't exit.");
            return -1;
        }
        server_log(LL_WARNING, "There is a child rewriting the AOF. Killing it!");
        kill_rewrite_child();
    }
    if (aof.state != AOF_OFF && aof.fd != -1) {
        server_log(LL_NOTICE, "Calling fsync() on the AOF file.");
        aof_flush(1);
        if (fdatasync(aof.fd) == -1) server_log(LL_WARNING, "Fail to fsync the AOF file: %s", strerror(errno));
    }
    return 0;
}

/* ---------------- cron and before sleep ---------------- */

/* With appendfsync always no reply may leave before the writes it acknowledges are
 * on disk: while the buffer holds any, clients' write handlers wait. */
static int aof_output_barrier(void) {
    return aof_cfg.fsync == AOF_FSYNC_ALWAYS && aof.state != AOF_OFF && sds_len(aof.buf) > 0;
}

static void aof_before_sleep(void) {
    if (aof.state == AOF_ON || aof.state == AOF_WAIT_REWRITE) aof_flush(0);
}

static void aof_cron(void) {
    if (child_type() == CHILD_NONE && aof.rewrite_scheduled && !rewrite_limited()) rewrite_start();
    if (aof.state == AOF_ON && child_type() == CHILD_NONE && aof_cfg.rewrite_perc &&
        aof.current_size > aof_cfg.rewrite_min_size) {
        long long base = aof.base_size ? aof.base_size : 1;
        long long growth = aof.current_size * 100 / base - 100;
        if (growth >= aof_cfg.rewrite_perc && !rewrite_limited()) {
            server_log(LL_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
            rewrite_start();
        }
    }
    if ((aof.state == AOF_ON || aof.state == AOF_WAIT_REWRITE) && aof.flush_postponed_start) aof_flush(0);
    /* a failed write is retried about once a second */
    static long long last_retry;
    if (aof.state == AOF_ON && !aof.write_ok && server.unixtime != last_retry) {
        last_retry = server.unixtime;
        aof_flush(0);
    }
}

/* ---------------- commands ---------------- */

static void bgrewriteaof_cmd(Client *c) {
    if (child_type() == CHILD_AOF) {
        reply_error(c, "Background append only file rewriting already in progress");
    } else if (child_type() != CHILD_NONE || server.in_exec) {
        aof.rewrite_scheduled = 1;
        aof.rewrite_failures = 0; /* a manual request runs at once */
        reply_status(c, "Background append only file rewriting scheduled");
    } else if (rewrite_start() == 0) {
        reply_status(c, "Background append only file rewriting started");
    } else {
        reply_error(c, "Can't execute an AOF background rewriting. Please check the server logs for more "
                       "information.");
    }
}

/* DEBUG LOADAOF: flush, empty the dataset and load the files again. */
static void debug_loadaof(Client *c) {
    if (aof.state == AOF_ON) aof_flush(1);
    db_empty(-1, 0);
    if (rdb_function_hooks) rdb_function_hooks->flush();
    aofm_free(aof.manifest);
    aof.manifest = aof_manifest_load();
    delete_history();
    long long total, base;
    int ret = aof_load_files(aof.manifest, &total, &base);
    if (ret != AOF_OK && ret != AOF_EMPTY && ret != AOF_NOT_EXIST && ret != AOF_TRUNCATED) server_exit(1);
    server.stat.dirty = 0;
    server_log(LL_NOTICE, "Append Only File loaded by DEBUG LOADAOF");
    reply_ok(c);
}

static void debug_flush_sleep(Client *c) {
    long long v;
    if (c->argc != 3 || !arg_ll(c, c->argv[2], &v, NULL)) {
        if (c->argc != 3) reply_error(c, "Wrong number of arguments for DEBUG AOF-FLUSH-SLEEP");
        return;
    }
    aof.flush_sleep = (int)(v < 0 ? 0 : v > INT_MAX ? INT_MAX : v);
    reply_ok(c);
}

/* ---------------- INFO ---------------- */

Sds aof_info_fields(Sds s) {
    return sds_catprintf(s,
        "aof_enabled:%d\r\n"
        "aof_rewrite_in_progress:%d\r\n"
        "aof_rewrite_scheduled:%d\r\n"
        "aof_last_rewrite_time_sec:%lld\r\n"
        "aof_current_rewrite_time_sec:%lld\r\n"
        "aof_last_bgrewrite_status:%s\r\n"
        "aof_rewrites:%lld\r\n"
        "aof_rewrites_consecutive_failures:%lld\r\n"
        "aof_last_write_status:%s\r\n"
        "aof_last_cow_size:%lld\r\n",
        aof.state != AOF_OFF, child_type() == CHILD_AOF, aof.rewrite_scheduled, aof.rewrite_last_secs,
        child_type() == CHILD_AOF && aof.rewrite_start != -1 ? (long long)time(NULL) - aof.rewrite_start : -1LL,
        aof.rewrite_ok ? "ok" : "err", aof.rewrites, aof.rewrite_failures,
        aof.write_ok && atomic_load(&fsync_errno) == 0 ? "ok" : "err", aof.last_cow);
}

Sds aof_info_extra(Sds s) {
    if (!aof_cfg.enabled) return s;
    return sds_catprintf(s,
        "aof_current_size:%lld\r\n"
        "aof_base_size:%lld\r\n"
        "aof_pending_rewrite:%d\r\n"
        "aof_buffer_length:%zu\r\n"
        "aof_pending_bio_fsync:%d\r\n"
        "aof_delayed_fsync:%lld\r\n",
        aof.current_size, aof.base_size, aof.rewrite_scheduled, sds_len(aof.buf), atomic_load(&fsync_pending),
        aof.delayed_fsync);
}

static void aof_reset_stats(void) {
    aof.rewrites = 0;
    aof.last_cow = 0;
}

/* ---------------- the module ---------------- */

static int check_filename(const char *v, const char **err) {
    if (!*v) *err = "appendfilename can't be empty";
    else if (strchr(v, '/') || strchr(v, '\\')) *err = "appendfilename can't be a path, just a filename";
    else return 1;
    return 0;
}

static int check_dirname(const char *v, const char **err) {
    if (!*v) *err = "appenddirname can't be empty";
    else if (strchr(v, '/') || strchr(v, '\\')) *err = "appenddirname can't be a path, just a dirname";
    else return 1;
    return 0;
}

static const ConfigEnum fsync_enum[] = {
    {"everysec", AOF_FSYNC_EVERYSEC}, {"always", AOF_FSYNC_ALWAYS}, {"no", AOF_FSYNC_NO}, {NULL, 0}};

static ConfigDef aof_configs[] = {
    CONFIG_BOOL("appendonly", NULL, CONFIG_DENY_LOADING, aof_cfg.enabled, 0, .apply = apply_appendonly),
    CONFIG_STR("appendfilename", NULL, CONFIG_IMMUTABLE, aof_cfg.filename, "appendonly.aof",
               .str_check = check_filename),
    CONFIG_STR("appenddirname", NULL, CONFIG_IMMUTABLE, aof_cfg.dirname, "appendonlydir", .str_check = check_dirname),
    CONFIG_ENUM("appendfsync", NULL, 0, aof_cfg.fsync, fsync_enum, AOF_FSYNC_EVERYSEC, .apply = apply_fsync),
    CONFIG_BOOL("no-appendfsync-on-rewrite", NULL, 0, aof_cfg.no_fsync_on_rewrite, 0),
    CONFIG_NUM("auto-aof-rewrite-percentage", NULL, 0, 0, aof_cfg.rewrite_perc, 0, INT_MAX, 100),
    CONFIG_NUM("auto-aof-rewrite-min-size", NULL, 0, CONFIG_MEMORY, aof_cfg.rewrite_min_size, 0, LLONG_MAX,
               64LL * 1024 * 1024),
    CONFIG_BOOL("aof-load-truncated", NULL, 0, aof_cfg.load_truncated, 1),
    CONFIG_BOOL("aof-use-rdb-preamble", NULL, 0, aof_cfg.use_rdb_preamble, 1),
    CONFIG_BOOL("aof-rewrite-incremental-fsync", NULL, 0, aof_cfg.rewrite_incremental_fsync, 1),
    CONFIG_BOOL("aof-timestamp-enabled", NULL, 0, aof_cfg.timestamp_enabled, 0),
    CONFIG_BOOL("aof-disable-auto-gc", NULL, CONFIG_HIDDEN, aof_cfg.disable_auto_gc, 0, .apply = apply_auto_gc),
    CONFIG_STR("aof_rewrite_cpulist", NULL, CONFIG_IMMUTABLE | CONFIG_EMPTY_NULL, aof_cfg.rewrite_cpulist, NULL),
    {0}};

static Command aof_commands[] = {
    {.name = "bgrewriteaof", .proc = bgrewriteaof_cmd, .arity = 1, .flags = CMD_NO_ASYNC_LOADING | CMD_ADMIN | CMD_NOSCRIPT,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server",
     .summary = "Asynchronously rewrite the append-only file", .since = "1.0.0", .complexity = "O(1)"},
    {0}};

static const DebugExt aof_debug[] = {
    {"loadaof", debug_loadaof}, {"aof-flush-sleep", debug_flush_sleep}, {NULL, NULL}};

/* The AOF buffer, which maxmemory leaves out, as Redis does. */
static long long aof_buffer_memory(void) { return aof.buf ? (long long)sds_alloc_size(aof.buf) : 0; }
static const InfoGauge aof_gauges[] = {{"aof_buffer_memory", aof_buffer_memory}, {0}};

const Module aof_module = {
    .name = "aof",
    .gauges = aof_gauges,
    .commands = aof_commands,
    .configs = aof_configs,
    .init = aof_init,
    .cron = aof_cron,
    .before_sleep = aof_before_sleep,
    .output_barrier = aof_output_barrier,
    .reset_stats = aof_reset_stats,
    .debug = aof_debug,
    .shutdown = aof_shutdown,
};
