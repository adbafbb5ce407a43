/* aof.h - the append only file, Redis 7.0's multi-part form: a base file (an RDB
 * or commands) plus incremental command files listed in a manifest, all inside
 * <dir>/<appenddirname>.
 *
 * aof.c is the writer and the feature: the propagation sink that appends every
 * write to a buffer, the flush and fsync policy (appendfsync always / everysec / no)
 * before replies go out, background rewrites (BGREWRITEAOF, automatic growth,
 * turning appendonly on at run time), the manifest's life cycle, history clean-up,
 * INFO fields, write-error refusal and shutdown. aof_load.c reads the files back at
 * start-up and for DEBUG LOADAOF; aof_rewrite.c writes a dataset as commands. */
#ifndef VESPER_AOF_H
#define VESPER_AOF_H
#include <stddef.h>
#include "../base/rio.h"
#include "../base/sds.h"
#include "aof_manifest.h"

struct Module;
extern const struct Module aof_module;

/* The writer's state (Redis's aof_state). */
enum { AOF_OFF, AOF_ON, AOF_WAIT_REWRITE };
enum { AOF_FSYNC_NO, AOF_FSYNC_ALWAYS, AOF_FSYNC_EVERYSEC };

/* The AOF directives (all registered by aof_module). */
typedef struct AofConfig {
    int enabled;                 /* appendonly */
    char *filename;              /* appendfilename: the prefix of every file's name */
    char *dirname;               /* appenddirname, inside dir */
    int fsync;                   /* appendfsync: AOF_FSYNC_* */
    int no_fsync_on_rewrite;     /* no-appendfsync-on-rewrite */
    int rewrite_perc;            /* auto-aof-rewrite-percentage (0: off) */
    long long rewrite_min_size;  /* auto-aof-rewrite-min-size, bytes */
    int load_truncated;          /* aof-load-truncated */
    int use_rdb_preamble;        /* aof-use-rdb-preamble: the base is an RDB file */
    int rewrite_incremental_fsync;
    int timestamp_enabled;       /* aof-timestamp-enabled: "#TS:<unix>" annotations */
    int disable_auto_gc;         /* aof-disable-auto-gc: history files are kept */
    char *rewrite_cpulist;       /* aof_rewrite_cpulist */
} AofConfig;
extern AofConfig aof_cfg;

/* Whether start-up loads the AOF (appendonly yes) instead of the RDB file. */
int aof_loads_at_startup(void);
/* The state, AOF_*. */
int aof_state(void);

/* MISCONF for writes while the last AOF write or background fsync failed: a new
 * error reply text, or NULL when the AOF is healthy (or off). */
Sds aof_write_error(void);
/* INFO persistence: the aof_* fields (Redis's order) and, when appendonly is on,
 * the size and buffer fields that follow module_fork_*. */
Sds aof_info_fields(Sds s);
Sds aof_info_extra(Sds s);

/* ---- loading (aof_load.c) ---- */
enum { AOF_OK, AOF_NOT_EXIST, AOF_EMPTY, AOF_OPEN_ERR, AOF_FAILED, AOF_TRUNCATED };
/* Reads the manifest of <appenddirname> (none: an empty manifest). A damaged
 * manifest ends the process with the reason, as Redis does. */
AofManifest *aof_manifest_load(void);
/* Upgrades an old single appendonly.aof in dir into the directory when the
 * manifest allows it (Redis 7.0's rules), then loads base and incr files in order
 * into the dataset. Returns AOF_OK, AOF_TRUNCATED (the last file ended early and
 * aof-load-truncated cut it), AOF_NOT_EXIST, AOF_EMPTY, AOF_OPEN_ERR or
 * AOF_FAILED (logged with the reason). *total_size and *base_size get the bytes. */
int aof_load_files(AofManifest *m, long long *total_size, long long *base_size);
/* Writes the manifest to <appenddirname>/<appendfilename>.manifest atomically
 * (temp file, fsync, rename, fsync of the directory). 0, or -1 (logged). */
int aof_manifest_persist(const AofManifest *m);
/* <dir-relative appenddirname>/<name> as a new sds. */
Sds aof_path(const char *name);
/* Size of a file in the AOF directory; -1 when it cannot be read (errno set). */
long long aof_file_size(const char *name);

/* ---- rewriting (aof_rewrite.c) ---- */
/* Writes the dataset to r as commands: SELECT per non-empty database, each type's
 * rewrite (Redis's commands, AOF_REWRITE_ITEMS_PER_CMD elements each; RESTORE for
 * a type without one), PEXPIREAT for volatile keys. 1, or 0 when r failed. */
int aof_rewrite_commands(Rio *r);
/* Writes a base file at path: an RDB (with the aof-base aux field) when
 * aof-use-rdb-preamble, else commands; flushed and fsynced. 0, or -1 (errno). */
int aof_write_base(const char *path);

#endif
