/* aof_load.c - reading the append only file back (see aof.h): the manifest, the
 * upgrade of an old single-file AOF, and replaying base and incr files into the
 * dataset, as Redis 7.0 does at start-up and for DEBUG LOADAOF.
 *
 * A file is an RDB (a base written with aof-use-rdb-preamble, or an old AOF with an
 * RDB preamble followed by commands) or RESP commands, with "#..." annotation lines
 * between commands. Commands run on a fake client that never blocks and whose
 * replies are dropped; nothing propagates while loading. A MULTI without its EXEC
 * at the end of the input is reverted as a short read.
 *
 * Untrusted input: counts and lengths are checked before anything is allocated
 * for them (arguments are read in chunks), header lines are bounded, a command's
 * arity is checked before it runs, and every failure names the file and why.
 * A file that ends early is truncated to its last whole command when
 * aof-load-truncated is yes and it is the last file; else loading fails.
 * Costs: O(file) reading plus the commands' own costs. */
#include "aof.h"
#include "rdb.h"
#include "snapshot.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/client.h"
#include "../core/command.h"
#include "../core/multi.h"
#include "../core/reply.h"
#include "../core/server.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024            /* header and annotation lines */
#define ARG_CHUNK (1024 * 1024)      /* long arguments are read this much at a time */
#define MAX_ARGC (1LL << 31)

Sds aof_path(const char *name) { return sds_catprintf(sds_empty(), "%s/%s", aof_cfg.dirname, name); }

long long aof_file_size(const char *name) {
    Sds path = aof_path(name);
    struct stat st;
    int r = stat(path, &st);
    sds_free(path);
    return r == -1 ? -1 : (long long)st.st_size;
}

static int dir_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---------------- the manifest ---------------- */

AofManifest *aof_manifest_load(void) {
    if (!dir_exists(aof_cfg.dirname)) return aofm_new();
    Sds name = aofm_manifest_name(aof_cfg.filename);
    Sds path = aof_path(name);
    sds_free(name);
    if (!file_exists(path)) {
        sds_free(path);
        return aofm_new();
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        server_log(LL_WARNING, "Fatal error: can't open the AOF manifest file %s for reading: %s", path,
                   strerror(errno));
        server_exit(1);
    }
    Sds text = sds_empty();
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) text = sds_catlen(text, buf, (size_t)n);
    close(fd);
    char err[256];
    int line = 0;
    AofManifest *m = n < 0 ? NULL : aofm_parse(text, sds_len(text), err, sizeof(err), &line);
    if (n < 0) snprintf(err, sizeof(err), "Read AOF manifest failed");
    sds_free(text);
    if (!m) {
        server_log(LL_WARNING, "*** FATAL AOF MANIFEST FILE ERROR ***");
        if (line) server_log(LL_WARNING, "Reading the manifest file %s, at line %d", path, line);
        server_log(LL_WARNING, "%s", err);
        server_exit(1);
    }
    sds_free(path);
    return m;
}

/* fsync of the directory holding path (new or renamed files in it are durable). */
static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd == -1) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

int aof_manifest_persist(const AofManifest *m) {
    Sds name = aofm_manifest_name(aof_cfg.filename);
    Sds tmpname = sds_catprintf(sds_empty(), "temp-%s", name);
    Sds path = aof_path(name), tmp = aof_path(tmpname);
    Sds text = aofm_render(m);
    int ret = -1;
    int fd = open(tmp, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        server_log(LL_WARNING, "Can't open the AOF manifest file %s: %s", tmpname, strerror(errno));
        goto done;
    }
    size_t off = 0;
    while (off < sds_len(text)) {
        ssize_t w = write(fd, text + off, sds_len(text) - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            server_log(LL_WARNING, "Error trying to write the temporary AOF manifest file %s: %s", tmpname,
                       strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    if (fsync(fd) == -1) {
        server_log(LL_WARNING, "Fail to fsync the temp AOF file %s: %s.", tmpname, strerror(errno));
        goto done;
    }
    if (rename(tmp, path) == -1) {
        server_log(LL_WARNING, "Error trying to rename the temporary AOF manifest file %s into %s: %s", tmpname, name,
                   strerror(errno));
        goto done;
    }
    if (fsync_dir(aof_cfg.dirname) == -1) {
        server_log(LL_WARNING, "Fail to fsync AOF directory %s: %s.", aof_cfg.dirname, strerror(errno));
        goto done;
    }
    ret = 0;
done:
    if (fd != -1) close(fd);
    sds_free(name);
    sds_free(tmpname);
    sds_free(path);
    sds_free(tmp);
    sds_free(text);
    return ret;
}

/* ---------------- replaying one file ---------------- */

typedef struct Loader {
    Client *c;
    Rio r;
    const char *name;
    long long valid_up_to;       /* offset after the last whole command (or the RDB part),
                                  * inside a MULTI too, as Redis counts it */
    long long valid_before_multi;
} Loader;

/* Reads "<prefix><number>\r\n"; 1 with *v, 0 with *eof set when the input ended,
 * else 0 (format error). Lines starting with '#' are skipped when skip_notes. */
static int read_header(Loader *l, char prefix, long long *v, int skip_notes, int *eof, int *clean_end) {
    char line[LINE_MAX_LEN];
    for (;;) {
        long n = rio_read_line(&l->r, line, sizeof(line));
        if (n == 0 && clean_end) {
            *clean_end = 1;
            return 0;
        }
        if (n <= 0) {
            *eof = l->r.eof;
            return 0;
        }
        if (skip_notes && line[0] == '#') continue;
        if (line[0] != prefix || n < 3 || line[n - 2] != '\r') return 0;
        return string2ll(line + 1, (size_t)n - 3, v);
    }
}

/* Reads a bulk argument of len bytes and its CRLF; NULL at end of input (*eof) or on
 * a format error. */
static Obj *read_arg(Loader *l, long long len, int *eof) {
    Sds s = sds_empty();
    while (len > 0) {
        size_t k = len > ARG_CHUNK ? ARG_CHUNK : (size_t)len, cur = sds_len(s);
        s = sds_make_room_exact(s, k);
        if (!rio_read(&l->r, s + cur, k)) {
            sds_free(s);
            *eof = l->r.eof;
            return NULL;
        }
        sds_setlen(s, cur + k);
        len -= (long long)k;
    }
    char crlf[2];
    if (!rio_read(&l->r, crlf, 2)) {
        sds_free(s);
        *eof = l->r.eof;
        return NULL;
    }
    if (crlf[0] != '\r' || crlf[1] != '\n') {
        sds_free(s);
        return NULL;
    }
    return obj_from_sds(s); /* arguments are plain strings, as the protocol parser makes them */
}

static void drop_args(Client *c) {
    client_reset_args(c);
}

enum { CMD_DONE, CMD_END, CMD_EOF, CMD_FORMAT, CMD_FAILED };

/* Reads and runs one command. */
static int run_one(Loader *l) {
    Client *c = l->c;
    long long argc;
    int eof = 0, clean_end = 0;
    if (!read_header(l, '*', &argc, 1, &eof, &clean_end)) return clean_end ? CMD_END : eof ? CMD_EOF : CMD_FORMAT;
    if (argc < 1 || argc > MAX_ARGC) return CMD_FORMAT;
    for (long long j = 0; j < argc; j++) {
        long long len;
        if (!read_header(l, '$', &len, 0, &eof, NULL) || len < 0) {
            drop_args(c);
            return eof ? CMD_EOF : CMD_FORMAT;
        }
        Obj *arg = read_arg(l, len, &eof);
        if (!arg) {
            drop_args(c);
            return eof ? CMD_EOF : CMD_FORMAT;
        }
        if (c->argc == c->argv_cap) {
            c->argv_cap = c->argv_cap ? c->argv_cap * 2 : 8;
            c->argv = vrealloc(c->argv, sizeof(Obj *) * (size_t)c->argv_cap);
        }
        c->argv[c->argc++] = arg;
    }
    Command *cmd = command_lookup(c->argv, c->argc);
    if (!cmd) {
        server_log(LL_WARNING, "Unknown command '%.128s' reading the append only file %s", (char *)c->argv[0]->ptr,
                   l->name);
        drop_args(c);
        return CMD_FAILED;
    }
    if (cmd->flags & CMD_ADMIN) {
        /* never propagated: a file holding one (DEBUG, SHUTDOWN, CONFIG ...) is not an AOF */
        server_log(LL_WARNING, "Unexpected admin command '%s' reading the append only file %s", cmd->fullname,
                   l->name);
        drop_args(c);
        return CMD_FAILED;
    }
    if (command_check_arity(cmd, c->argc)) {
        server_log(LL_WARNING, "Wrong number of arguments for '%s' reading the append only file %s", cmd->fullname,
                   l->name);
        drop_args(c);
        return CMD_FAILED;
    }
    if (!strcmp(cmd->name, "multi")) l->valid_before_multi = l->valid_up_to;
    c->cmd = c->lastcmd = c->realcmd = cmd;
    if (multi_should_queue(c, cmd)) multi_queue_command(c, cmd);
    else command_call(c, cmd);
    sds_free(reply_take(c)); /* the fake client's replies are not wanted */
    drop_args(c);
    return CMD_DONE;
}

/* An RDB at the start of the file (a base, or an old preamble): loaded first. */
static int load_rdb_part(Loader *l, int old_style) {
    server_log(LL_NOTICE, old_style ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
    RdbLoadInfo info;
    RdbErr err = {{0}};
    if (!rdb_load(&l->r, &info, &err)) {
        server_log(LL_WARNING, old_style ? "Error reading the RDB preamble of the AOF file %s, AOF loading aborted: %s"
                                         : "Error reading the RDB base file %s, AOF loading aborted: %s",
                   l->name, err.msg);
        return 0;
    }
    l->valid_up_to = (long long)rio_tell(&l->r);
    if (old_style) server_log(LL_NOTICE, "Reading the remaining AOF tail...");
    return 1;
}

/* Truncates the file to its last whole command (aof-load-truncated). */
static int truncate_tail(const char *name, long long valid_up_to) {
    server_log(LL_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", name);
    server_log(LL_WARNING, "!!! Truncating the AOF %s at offset %lld !!!", name, valid_up_to);
    Sds path = aof_path(name);
    int r = truncate(path, (off_t)valid_up_to);
    sds_free(path);
    if (r == -1) {
        server_log(LL_WARNING, "Error truncating the AOF file %s: %s", name, strerror(errno));
        return 0;
    }
    server_log(LL_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
    return 1;
}

static int load_file(const char *name, int last_file, long long base) {
    Sds path = aof_path(name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    sds_free(path);
    if (fd == -1) {
        if (errno == ENOENT) {
            server_log(LL_WARNING, "The append log file %s doesn't exist: %s", name, strerror(errno));
            return AOF_NOT_EXIST;
        }
        server_log(LL_WARNING, "Fatal error: can't open the append log file %s for reading: %s", name, strerror(errno));
        return AOF_OPEN_ERR;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size == 0) {
        close(fd);
        return AOF_EMPTY;
    }
    char sig[5];
    int is_rdb = read(fd, sig, 5) == 5 && !memcmp(sig, "REDIS", 5);
    if (lseek(fd, 0, SEEK_SET) == -1) {
        server_log(LL_WARNING, "Unrecoverable error reading the append only file %s: %s", name, strerror(errno));
        close(fd);
        return AOF_FAILED;
    }
    Loader l = {.name = name};
    rio_init_fd(&l.r, fd, 0, 0);
    persist_loading_reader(&l.r, base);
    l.c = client_create(NULL, CLIENT_DENY_BLOCKING);
    int ret = AOF_OK, res = CMD_END;
    if (is_rdb && !load_rdb_part(&l, !strcmp(name, aof_cfg.filename))) {
        ret = AOF_FAILED;
        goto done;
    }
    /* Besides every loading-process-events-interval-bytes, the loading progress
     * (events, the cron's defrag share) runs every 1024 commands, as Redis's AOF
     * loading does: a file of small commands must not starve the event loop, and
     * a file of slow ones (key-load-delay) must not pile up cron work. */
    unsigned long ncmds = 0;
    while ((res = run_one(&l)) == CMD_DONE) {
        l.valid_up_to = (long long)rio_tell(&l.r);
        if (rdb_key_load_delay) rdb_debug_delay(rdb_key_load_delay);
        if (++ncmds % 1024 == 0 && l.r.progress) l.r.progress(&l.r);
    }
    if (res == CMD_END && (l.c->flags & CLIENT_MULTI)) {
        server_log(LL_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        l.valid_up_to = l.valid_before_multi;
        res = CMD_EOF;
    }
    if (res == CMD_END) goto done;
    if (res == CMD_FAILED) {
        ret = AOF_FAILED;
    } else if (res == CMD_FORMAT) {
        server_log(LL_WARNING, "Bad file format reading the append only file %s: make a backup of your AOF file, then "
                               "use ./vesper-check-aof --fix <filename.manifest>", name);
        ret = AOF_FAILED;
    } else if (l.r.error) {
        server_log(LL_WARNING, "Unrecoverable error reading the append only file %s: %s", name, strerror(errno));
        ret = AOF_FAILED;
    } else if (aof_cfg.load_truncated && truncate_tail(name, l.valid_up_to)) {
        ret = AOF_TRUNCATED;
        if (!last_file) {
            server_log(LL_WARNING, "Fatal error: the truncated file is not the last file");
            ret = AOF_FAILED;
        }
    } else {
        server_log(LL_WARNING, "Unexpected end of file reading the append only file %s. You can: 1) Make a backup "
                               "of your AOF file, then use ./vesper-check-aof --fix <filename.manifest>. 2) "
                               "Alternatively you can set the 'aof-load-truncated' configuration option to yes and "
                               "restart the server.", name);
        ret = AOF_FAILED;
    }
done:
    multi_client_reset(l.c);
    client_free(l.c);
    rio_close(&l.r);
    close(fd);
    return ret;
}

/* ---------------- the whole set of files ---------------- */

/* Redis 7.0's upgrade: an appendonly.aof in dir from an older version becomes the
 * base of a new manifest inside the directory. */
static void upgrade_old_file(AofManifest *m) {
    if (mkdir(aof_cfg.dirname, 0755) == -1 && errno != EEXIST) {
        server_log(LL_WARNING, "Can't open or create append-only dir %s: %s", aof_cfg.dirname, strerror(errno));
        server_exit(1);
    }
    aofm_set_base(m, aof_cfg.filename, 1);
    if (aof_manifest_persist(m) == -1) server_exit(1);
    Sds to = aof_path(aof_cfg.filename);
    if (rename(aof_cfg.filename, to) == -1) {
        server_log(LL_WARNING, "Error trying to move the old AOF file %s into dir %s: %s", aof_cfg.filename,
                   aof_cfg.dirname, strerror(errno));
        server_exit(1);
    }
    sds_free(to);
    server_log(LL_NOTICE, "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
               aof_cfg.filename, aof_cfg.dirname);
}

static int needs_upgrade(const AofManifest *m) {
    if (!file_exists(aof_cfg.filename)) return 0;
    if (!dir_exists(aof_cfg.dirname) || (!m->base && m->nincr == 0)) return 1;
    if (m->base && m->nincr == 0 && !strcmp(m->base->name, aof_cfg.filename)) {
        Sds inside = aof_path(aof_cfg.filename);
        int there = file_exists(inside);
        sds_free(inside);
        return !there;
    }
    return 0;
}

int aof_load_files(AofManifest *m, long long *total_size, long long *base_size) {
    *total_size = *base_size = 0;
    if (needs_upgrade(m)) upgrade_old_file(m);
    int total = (m->base ? 1 : 0) + m->nincr;
    if (total == 0) return AOF_NOT_EXIST;
    for (int i = -1; i < m->nincr; i++) {
        const AofInfo *ai = i < 0 ? m->base : m->incr[i];
        if (!ai) continue;
        long long size = aof_file_size(ai->name);
        if (size == -1) {
            server_log(LL_WARNING, "Unable to obtain the AOF file %s length. stat: %s", ai->name, strerror(errno));
            return AOF_FAILED; /* a file the manifest lists must exist */
        }
        *total_size += size;
    }
    if (*total_size == 0) return AOF_EMPTY;
    persist_loading_begin(*total_size);
    int ret = AOF_OK, n = 0;
    long long base = 0;
    for (int i = -1; i < m->nincr && (ret == AOF_OK || ret == AOF_EMPTY); i++) {
        const AofInfo *ai = i < 0 ? m->base : m->incr[i];
        if (!ai) continue;
        int last = ++n == total;
        if (i < 0) *base_size = aof_file_size(ai->name);
        long long start = ustime();
        ret = load_file(ai->name, last, base);
        base += aof_file_size(ai->name) > 0 ? aof_file_size(ai->name) : 0;
        if (ret == AOF_OK || (ret == AOF_TRUNCATED && last))
            server_log(LL_NOTICE, "DB loaded from %s file %s: %.3f seconds", i < 0 ? "base" : "incr", ai->name,
                       (double)(ustime() - start) / 1000000);
        if (ret == AOF_EMPTY && i >= 0) ret = AOF_OK; /* an empty incr file is fine */
    }
    persist_loading_end();
    if (ret == AOF_EMPTY) ret = AOF_OK; /* an empty base with data in incr files */
    return ret;
}
