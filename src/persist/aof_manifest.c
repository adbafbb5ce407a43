/* aof_manifest.c - the multi-part AOF manifest (see aof_manifest.h).
 * Parsing follows Redis 7.0's rules: lines of key/value pairs (file, seq, type, in
 * any order, extra pairs ignored), at most 1024 bytes, a base at most once,
 * incr sequence numbers strictly increasing, file names without a path.
 * Costs: O(files) for everything. */
#include "aof_manifest.h"
#include "../base/alloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MANIFEST_MAX_LINE 1024

static AofInfo *info_new(const char *name, size_t len, long long seq, char type) {
    AofInfo *ai = vcalloc(sizeof(*ai));
    ai->name = sds_newlen(name, len);
    ai->seq = seq;
    ai->type = type;
    return ai;
}

static void info_free(AofInfo *ai) {
    if (!ai) return;
    sds_free(ai->name);
    vfree(ai);
}

AofManifest *aofm_new(void) { return vcalloc(sizeof(AofManifest)); }

void aofm_free(AofManifest *m) {
    if (!m) return;
    info_free(m->base);
    for (int i = 0; i < m->nhist; i++) info_free(m->hist[i]);
    for (int i = 0; i < m->nincr; i++) info_free(m->incr[i]);
    vfree(m->hist);
    vfree(m->incr);
    vfree(m);
}

static void push(AofInfo ***list, int *n, AofInfo *ai) {
    *list = vrealloc(*list, sizeof(AofInfo *) * (size_t)(*n + 1));
    (*list)[(*n)++] = ai;
}

static AofInfo *info_dup(const AofInfo *ai) { return ai ? info_new(ai->name, sds_len(ai->name), ai->seq, ai->type) : NULL; }

AofManifest *aofm_dup(const AofManifest *m) {
    AofManifest *d = aofm_new();
    d->base = info_dup(m->base);
    for (int i = 0; i < m->nhist; i++) push(&d->hist, &d->nhist, info_dup(m->hist[i]));
    for (int i = 0; i < m->nincr; i++) push(&d->incr, &d->nincr, info_dup(m->incr[i]));
    d->base_seq = m->base_seq;
    d->incr_seq = m->incr_seq;
    return d;
}

static int needs_quotes(const Sds s) {
    for (size_t i = 0; i < sds_len(s); i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isprint(c) || c == ' ' || c == '"' || c == '\'' || c == '\\') return 1;
    }
    return sds_len(s) == 0;
}

static Sds render_one(Sds out, const AofInfo *ai) {
    out = sds_cat(out, "file ");
    if (needs_quotes(ai->name)) out = sds_catrepr(out, ai->name, sds_len(ai->name));
    else out = sds_catsds(out, ai->name);
    return sds_catprintf(out, " seq %lld type %c\n", ai->seq, ai->type);
}

Sds aofm_render(const AofManifest *m) {
    Sds out = sds_empty();
    if (m->base) out = render_one(out, m->base);
    for (int i = 0; i < m->nhist; i++) out = render_one(out, m->hist[i]);
    for (int i = 0; i < m->nincr; i++) out = render_one(out, m->incr[i]);
    return out;
}

static int fail(char *err, size_t errlen, const char *msg) {
    snprintf(err, errlen, "%s", msg);
    return 0;
}

/* One non-comment line into m; 0 with err. */
static int parse_line(AofManifest *m, Sds line, long long *maxseq, char *err, size_t errlen) {
    int argc;
    Sds *argv = sds_splitargs(line, &argc);
    if (!argv || argc < 6 || argc % 2) {
        if (argv) sds_freesplit(argv, argc);
        return fail(err, errlen, "Invalid AOF manifest file format");
    }
    Sds name = NULL;
    long long seq = 0;
    char type = 0;
    for (int i = 0; i < argc; i += 2) {
        if (!strcasecmp(argv[i], "file")) name = argv[i + 1];
        else if (!strcasecmp(argv[i], "seq")) seq = atoll(argv[i + 1]);
        else if (!strcasecmp(argv[i], "type")) type = argv[i + 1][0];
    }
    int ok = 0;
    if (name && (strchr(name, '/') || strchr(name, '\\'))) fail(err, errlen, "File can't be a path, just a filename");
    else if (!name || !seq || !type) fail(err, errlen, "Invalid AOF manifest file format");
    else if (type == AOF_BASE && m->base) fail(err, errlen, "Found duplicate base file information");
    else if (type == AOF_INCR && seq <= *maxseq) fail(err, errlen, "Found a non-monotonic sequence number");
    else if (type != AOF_BASE && type != AOF_HIST && type != AOF_INCR) fail(err, errlen, "Unknown AOF file type");
    else ok = 1;
    if (ok) {
        AofInfo *ai = info_new(name, sds_len(name), seq, type);
        if (type == AOF_BASE) {
            m->base = ai;
            m->base_seq = seq;
        } else if (type == AOF_HIST) {
            push(&m->hist, &m->nhist, ai);
        } else {
            push(&m->incr, &m->nincr, ai);
            m->incr_seq = *maxseq = seq;
        }
    }
    sds_freesplit(argv, argc);
    return ok;
}

AofManifest *aofm_parse(const char *text, size_t len, char *err, size_t errlen, int *errline) {
    AofManifest *m = aofm_new();
    long long maxseq = 0;
    size_t pos = 0;
    int linenum = 0;
    *errline = 0;
    if (len == 0) {
        fail(err, errlen, "Found an empty AOF manifest");
        aofm_free(m);
        return NULL;
    }
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - (text + pos)) : len - pos;
        linenum++;
        if (text[pos] != '#') {
            if (!nl || linelen >= MANIFEST_MAX_LINE) {
                fail(err, errlen, linelen >= MANIFEST_MAX_LINE ? "The AOF manifest file contains too long line"
                                                               : "Invalid AOF manifest file format");
                *errline = linenum;
                aofm_free(m);
                return NULL;
            }
            Sds line = sds_newlen(text + pos, linelen);
            sds_trim(line, " \t\r\n");
            int ok = sds_len(line) ? parse_line(m, line, &maxseq, err, errlen)
                                   : fail(err, errlen, "Invalid AOF manifest file format");
            sds_free(line);
            if (!ok) {
                *errline = linenum;
                aofm_free(m);
                return NULL;
            }
        }
        pos += linelen + (nl ? 1 : 0);
    }
    return m;
}

Sds aofm_base_name(const char *prefix, long long seq, int rdb) {
    return sds_catprintf(sds_empty(), "%s.%lld.base.%s", prefix, seq, rdb ? "rdb" : "aof");
}

Sds aofm_incr_name(const char *prefix, long long seq) { return sds_catprintf(sds_empty(), "%s.%lld.incr.aof", prefix, seq); }

Sds aofm_manifest_name(const char *prefix) { return sds_catprintf(sds_empty(), "%s.manifest", prefix); }

const char *aofm_new_base(AofManifest *m, const char *prefix, int rdb) {
    if (m->base) {
        m->base->type = AOF_HIST;
        push(&m->hist, &m->nhist, m->base);
    }
    Sds name = aofm_base_name(prefix, ++m->base_seq, rdb);
    m->base = info_new(name, sds_len(name), m->base_seq, AOF_BASE);
    sds_free(name);
    return m->base->name;
}

const char *aofm_new_incr(AofManifest *m, const char *prefix) {
    Sds name = aofm_incr_name(prefix, ++m->incr_seq);
    AofInfo *ai = info_new(name, sds_len(name), m->incr_seq, AOF_INCR);
    sds_free(name);
    push(&m->incr, &m->nincr, ai);
    return ai->name;
}

void aofm_incr_to_history_but_last(AofManifest *m) {
    for (int i = 0; i + 1 < m->nincr; i++) {
        m->incr[i]->type = AOF_HIST;
        push(&m->hist, &m->nhist, m->incr[i]);
    }
    if (m->nincr > 1) {
        m->incr[0] = m->incr[m->nincr - 1];
        m->nincr = 1;
    }
}

void aofm_clear_history(AofManifest *m) {
    for (int i = 0; i < m->nhist; i++) info_free(m->hist[i]);
    vfree(m->hist);
    m->hist = NULL;
    m->nhist = 0;
}
