/* aof_manifest.h - the manifest of a Redis 7.0 multi-part AOF: which file is the
 * base (an RDB or a command file), which incremental files follow it in order, and
 * which files are history (replaced by a rewrite, waiting to be deleted).
 *
 * On disk, in <appenddirname>/<appendfilename>.manifest, one line per file:
 *     file appendonly.aof.1.base.rdb seq 1 type b
 *     file appendonly.aof.1.incr.aof seq 1 type i
 * base first, then history, then incr; '#' lines are comments; names needing it
 * are quoted as redis-cli quotes strings. */
#ifndef VESPER_AOF_MANIFEST_H
#define VESPER_AOF_MANIFEST_H
#include "../base/sds.h"

#define AOF_BASE 'b'
#define AOF_HIST 'h'
#define AOF_INCR 'i'

typedef struct AofInfo {
    Sds name;
    long long seq;
    char type;
} AofInfo;

typedef struct AofManifest {
    AofInfo *base;             /* NULL when none yet */
    AofInfo **hist;
    int nhist;
    AofInfo **incr;            /* in sequence order */
    int nincr;
    long long base_seq, incr_seq;   /* the last sequence numbers used */
} AofManifest;

AofManifest *aofm_new(void);
void aofm_free(AofManifest *m);
AofManifest *aofm_dup(const AofManifest *m);
/* The manifest's text. */
Sds aofm_render(const AofManifest *m);
/* Parses a manifest's text; NULL with err (and *errline, 0 when not about a line)
 * when it is malformed, with Redis's reasons. */
AofManifest *aofm_parse(const char *text, size_t len, char *err, size_t errlen, int *errline);

/* File names: "<prefix>.<seq>.base.rdb" / ".base.aof", "<prefix>.<seq>.incr.aof". */
Sds aofm_base_name(const char *prefix, long long seq, int rdb);
Sds aofm_incr_name(const char *prefix, long long seq);
Sds aofm_manifest_name(const char *prefix);

/* A new base (seq + 1): the current base becomes history. Returns its name. */
const char *aofm_new_base(AofManifest *m, const char *prefix, int rdb);
/* A new incr file (seq + 1) at the end. Returns its name. */
const char *aofm_new_incr(AofManifest *m, const char *prefix);
/* After a rewrite: every incr file but the last becomes history. */
void aofm_incr_to_history_but_last(AofManifest *m);
/* Drops the history entries (once their files are deleted). */
void aofm_clear_history(AofManifest *m);

#endif
