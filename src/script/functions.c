/* functions.c - Redis 7.0 functions (see functions.h): the library registry, the
 * FUNCTION command, FCALL / FCALL_RO, and the functions' part of persistence.
 *
 * State: a LibSet holds the libraries by name (case-sensitive) and every function
 * of every library by name (case-insensitive), so FCALL finds a function in one
 * hash lookup. A set other than the current one is built while FUNCTION RESTORE
 * decodes a payload; it joins the current set only when every library in it
 * compiled and nothing collides, so a failed LOAD or RESTORE changes nothing.
 * Invariants: a library has at least one function; function names are unique
 * across a set; the code kept is exactly what was loaded (shebang included), which
 * is what RDB files (opcode FUNCTION2), FUNCTION DUMP and AOF rewrites (FUNCTION
 * LOAD commands) carry, as Redis 7.0 writes them.
 * Persistence: rdb.c and aof_rewrite.c (a lower layer) reach the libraries through
 * the RdbFunctionHooks set at init.
 * Costs: LOAD compiles the code (the engine's time, bounded by the 500 ms load
 * timeout for clients); FCALL one lookup plus the run; LIST, DUMP, FLUSH and
 * STATS are O(libraries + functions). */
#include "functions.h"
#include "script.h"
#include "../base/alloc.h"
#include "../base/crc64.h"
#include "../base/ht.h"
#include "../base/panic.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/lazyfree.h"
#include "../core/module.h"
#include "../core/monitor.h"
#include "../core/server.h"
#include "../persist/rdb.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LOAD_TIMEOUT_MS 500
#define MAX_ENGINES 4
#define NAME_ERROR "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

const FunctionFlagName function_flag_names[] = {
    {FN_FLAG_NO_WRITES, "no-writes"},     {FN_FLAG_ALLOW_OOM, "allow-oom"},
    {FN_FLAG_ALLOW_STALE, "allow-stale"}, {FN_FLAG_NO_CLUSTER, "no-cluster"},
    {FN_FLAG_ALLOW_CROSS_SLOT, "allow-cross-slot-keys"}, {0, NULL}};

struct FunctionLib {
    Sds name;
    const FunctionEngine *engine;
    Sds code;
    FunctionInfo **fns;                /* in registration order */
    int nfns;
};

typedef struct LibSet {
    Ht *libs;                          /* FunctionLib*, by name */
    Ht *fns;                           /* FunctionInfo*, by name, case-insensitive */
} LibSet;

static const FunctionEngine *engines[MAX_ENGINES];
static int nengines;
static LibSet *cur;

/* ---------------- sets ---------------- */

static const void *lib_key(const void *e, size_t *len) {
    const FunctionLib *l = e;
    *len = sds_len(l->name);
    return l->name;
}

static const void *fn_key(const void *e, size_t *len) {
    const FunctionInfo *f = e;
    *len = sds_len(f->name);
    return f->name;
}

static int nocase_eq(const void *a, size_t alen, const void *b, size_t blen) {
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static const HtType lib_ht_type = {.hash = hash_bytes, .entry_key = lib_key};
static const HtType fn_ht_type = {.hash = hash_bytes_nocase, .entry_key = fn_key, .key_eq = nocase_eq};

static LibSet *libset_new(void) {
    LibSet *s = vmalloc(sizeof(*s));
    s->libs = ht_create(&lib_ht_type);
    s->fns = ht_create(&fn_ht_type);
    return s;
}

static void lib_free(FunctionLib *l) {
    for (int i = 0; i < l->nfns; i++) {
        FunctionInfo *f = l->fns[i];
        if (f->handle && l->engine->free_function) l->engine->free_function(f->handle);
        sds_free(f->name);
        sds_free(f->desc);
        vfree(f);
    }
    vfree(l->fns);
    sds_free(l->name);
    sds_free(l->code);
    vfree(l);
}

static void lib_link(LibSet *s, FunctionLib *l) {
    for (int i = 0; i < l->nfns; i++) ht_add(s->fns, l->fns[i]);
    ht_add(s->libs, l);
}

static void lib_unlink(LibSet *s, FunctionLib *l) {
    for (int i = 0; i < l->nfns; i++) ht_pop(s->fns, l->fns[i]->name, sds_len(l->fns[i]->name));
    ht_pop(s->libs, l->name, sds_len(l->name));
}

static void libset_clear(LibSet *s) {
    HtIter it;
    ht_iter_init(&it, s->libs, 1);
    FunctionLib *l;
    while ((l = ht_iter_next(&it))) {
        lib_unlink(s, l);
        lib_free(l);
    }
    ht_iter_done(&it);
    /* empty tables give their buckets back, as Redis's dictEmpty: FUNCTION FLUSH
     * returns used_memory_functions to its empty figure */
    ht_clear(s->libs);
    ht_clear(s->fns);
}

static void libset_free(LibSet *s) {
    libset_clear(s);
    ht_release(s->libs);
    ht_release(s->fns);
    vfree(s);
}

/* ---------------- engines and libraries ---------------- */

void functions_register_engine(const FunctionEngine *e) {
    if (nengines == MAX_ENGINES) panic("too many function engines");
    engines[nengines++] = e;
}

static const FunctionEngine *engine_find(const char *name) {
    for (int i = 0; i < nengines; i++)
        if (!strcasecmp(engines[i]->name, name)) return engines[i];
    return NULL;
}

int function_name_valid(const char *name, size_t len) {
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_')) return 0;
    }
    return 1;
}

int function_lib_add(FunctionLib *lib, const char *name, size_t nlen, void *handle, const char *desc, size_t dlen,
                     unsigned flags, Sds *err) {
    if (!function_name_valid(name, nlen)) {
        *err = sds_new(NAME_ERROR);
        return 0;
    }
    for (int i = 0; i < lib->nfns; i++)
        if (sds_len(lib->fns[i]->name) == nlen && !memcmp(lib->fns[i]->name, name, nlen)) {
            *err = sds_new("Function already exists in the library");
            return 0;
        }
    FunctionInfo *f = vmalloc(sizeof(*f));
    *f = (FunctionInfo){sds_newlen(name, nlen), handle, lib, desc ? sds_newlen(desc, dlen) : NULL, flags};
    lib->fns = vrealloc(lib->fns, sizeof(*lib->fns) * (size_t)(lib->nfns + 1));
    lib->fns[lib->nfns++] = f;
    return 1;
}

FunctionInfo *functions_lookup(const char *name, size_t len) { return cur ? ht_find(cur->fns, name, len) : NULL; }

/* The first line: "#!<engine>" then arguments, of which only name=<name> exists. */
static int parse_metadata(const char *code, size_t len, Sds *engine, Sds *name, size_t *body, Sds *err) {
    if (len < 2 || memcmp(code, "#!", 2) != 0) {
        *err = sds_new("Missing library metadata");
        return 0;
    }
    const char *nl = memchr(code, '\n', len);
    if (!nl) {
        *err = sds_new("Invalid library metadata");
        return 0;
    }
    Sds line = sds_newlen(code, (size_t)(nl - code));
    int n = 0;
    Sds *parts = sds_splitargs(line, &n);
    sds_free(line);
    if (!parts || n == 0) {
        if (parts) sds_freesplit(parts, n);
        *err = sds_new("Invalid library metadata");
        return 0;
    }
    *name = NULL;
    int ok = 1;
    for (int i = 1; i < n && ok; i++) {
        if (!strncasecmp(parts[i], "name=", 5)) {
            if (*name) {
                *err = sds_new("Invalid metadata value, name argument was given multiple times");
                ok = 0;
            } else {
                *name = sds_newlen(parts[i] + 5, sds_len(parts[i]) - 5);
            }
        } else {
            *err = sds_catprintf(sds_empty(), "Invalid metadata value given: %s", parts[i]);
            ok = 0;
        }
    }
    if (ok && !*name) {
        *err = sds_new("Library name was not given");
        ok = 0;
    }
    if (ok) {
        *engine = sds_newlen(parts[0] + 2, sds_len(parts[0]) - 2);
        *body = (size_t)(nl - code);
    } else {
        sds_free(*name);
        *name = NULL;
    }
    sds_freesplit(parts, n);
    return ok;
}

/* Compiles code into a new library of set s (replacing a library of its name when
 * replace); the library's name, or NULL with *err and s unchanged. */
static Sds create_library(LibSet *s, const char *code, size_t len, int replace, long long timeout_ms, Sds *err) {
    Sds ename = NULL, name = NULL;
    size_t body;
    if (!parse_metadata(code, len, &ename, &name, &body, err)) return NULL;
    const FunctionEngine *e = NULL;
    FunctionLib *old = NULL, *l = NULL;
    if (!function_name_valid(name, sds_len(name))) {
        *err = sds_new(NAME_ERROR);
    } else if (!(e = engine_find(ename))) {
        *err = sds_catprintf(sds_empty(), "Engine '%s' not found", ename);
    } else if ((old = ht_find(s->libs, name, sds_len(name))) && !replace) {
        old = NULL;
        *err = sds_catprintf(sds_empty(), "Library '%s' already exists", name);
    } else {
        if (old) lib_unlink(s, old);
        l = vcalloc(sizeof(*l));
        l->name = sds_dup(name);
        l->engine = e;
        l->code = sds_newlen(code, len);
        int ok = e->create(l, code + body, len - body, timeout_ms, err);
        if (ok && l->nfns == 0) {
            *err = sds_new("No functions registered");
            ok = 0;
        }
        for (int i = 0; ok && i < l->nfns; i++)
            if (ht_find(s->fns, l->fns[i]->name, sds_len(l->fns[i]->name))) {
                *err = sds_catprintf(sds_empty(), "Function %s already exists", l->fns[i]->name);
                ok = 0;
            }
        if (ok) {
            lib_link(s, l);
            if (old) lib_free(old);
        } else {
            lib_free(l);
            l = NULL;
            if (old) lib_link(s, old);
        }
    }
    sds_free(ename);
    if (!l) {
        sds_free(name);
        return NULL;
    }
    return name;
}

Sds functions_create_library(const char *code, size_t len, int replace, long long timeout_ms, Sds *err) {
    return create_library(cur, code, len, replace, timeout_ms, err);
}

void functions_flush(void) { libset_clear(cur); }
size_t functions_count(void) { return ht_size(cur->fns); }
size_t functions_lib_count(void) { return ht_size(cur->libs); }

/* Moves every library of src into dst. A library of the same name in dst is
 * replaced when replace, else an error; a function name colliding with another
 * library's is an error. On error nothing moved (dst is as it was). */
static int libset_join(LibSet *dst, LibSet *src, int replace, Sds *err) {
    FunctionLib **olds = NULL;
    int nolds = 0, ok = 1;
    HtIter it;
    FunctionLib *l;
    ht_iter_init(&it, src->libs, 0);
    while (ok && (l = ht_iter_next(&it))) {
        FunctionLib *old = ht_find(dst->libs, l->name, sds_len(l->name));
        if (!old) continue;
        if (!replace) {
            *err = sds_catprintf(sds_empty(), "Library %s already exists", l->name);
            ok = 0;
            break;
        }
        lib_unlink(dst, old);
        olds = vrealloc(olds, sizeof(*olds) * (size_t)(nolds + 1));
        olds[nolds++] = old;
    }
    ht_iter_done(&it);
    FunctionInfo *f;
    if (ok) {
        ht_iter_init(&it, src->fns, 0);
        while ((f = ht_iter_next(&it)))
            if (ht_find(dst->fns, f->name, sds_len(f->name))) {
                *err = sds_catprintf(sds_empty(), "Function %s already exists", f->name);
                ok = 0;
                break;
            }
        ht_iter_done(&it);
    }
    if (ok) {
        ht_iter_init(&it, src->libs, 1);
        while ((l = ht_iter_next(&it))) {
            lib_unlink(src, l);
            lib_link(dst, l);
        }
        ht_iter_done(&it);
    }
    for (int i = 0; i < nolds; i++) {
        if (ok) lib_free(olds[i]);
        else lib_link(dst, olds[i]);
    }
    vfree(olds);
    return ok;
}

/* ---------------- persistence hooks ---------------- */

/* Calls write(r, library) for every library until one fails; 1 if all succeeded. */
static int each_library(Rio *r, int (*write)(Rio *r, const FunctionLib *l)) {
    HtIter it;
    ht_iter_init(&it, cur->libs, 0);
    FunctionLib *l;
    int ok = 1;
    while (ok && (l = ht_iter_next(&it))) ok = write(r, l);
    ht_iter_done(&it);
    return ok;
}

/* RDB: one FUNCTION2 record with the library's code. */
static int save_library(Rio *r, const FunctionLib *l) {
    return rdb_save_type(r, RDB_OPCODE_FUNCTION2) && rdb_save_string(r, l->code, sds_len(l->code));
}

/* AOF rewrite: FUNCTION LOAD <code>. */
static int rewrite_library(Rio *r, const FunctionLib *l) {
    return rio_write_bulk_count(r, '*', 3) && rio_write_bulk_string(r, "FUNCTION", 8) &&
           rio_write_bulk_string(r, "LOAD", 4) && rio_write_bulk_string(r, l->code, sds_len(l->code));
}

static int hook_save(Rio *r) { return each_library(r, save_library); }

static int hook_rewrite(Rio *r) { return each_library(r, rewrite_library); }

static int hook_load(const char *code, size_t len, int replace, Sds *err) {
    Sds name = create_library(cur, code, len, replace, 0, err);
    sds_free(name);
    return name != NULL;
}

static const RdbFunctionHooks hooks = {hook_save, hook_load, functions_flush, hook_rewrite};

/* ---------------- FUNCTION subcommands ---------------- */

static void function_load(Client *c) {
    int replace = 0, pos = 2;
    for (; pos < c->argc - 1; pos++) {
        if (!arg_is(c->argv[pos], "replace")) {
            reply_errorf(c, "Unknown option given: %s", arg_str(c, pos));
            return;
        }
        replace = 1;
    }
    if (pos >= c->argc) {
        reply_error(c, "Function code is missing");
        return;
    }
    Sds err = NULL;
    /* the AOF and a master are obeyed whatever the time it takes */
    long long timeout = (c->flags & (CLIENT_FAKE | CLIENT_REPLICA)) && !(c->flags & CLIENT_SCRIPT) ? 0 : LOAD_TIMEOUT_MS;
    Sds name = create_library(cur, arg_str(c, pos), arg_len(c, pos), replace, timeout, &err);
    if (!name) {
        reply_error_len(c, err, sds_len(err));
        sds_free(err);
        return;
    }
    server.stat.dirty++;
    reply_bulk_sds(c, name);
}

static void function_delete(Client *c) {
    FunctionLib *l = ht_find(cur->libs, arg_str(c, 2), arg_len(c, 2));
    if (!l) {
        reply_error(c, "Library not found");
        return;
    }
    lib_unlink(cur, l);
    lib_free(l);
    server.stat.dirty++;
    reply_ok(c);
}

static void function_flush_cmd(Client *c) {
    if (c->argc > 3) {
        reply_errorf(c, "unknown subcommand or wrong number of arguments for '%s'. Try FUNCTION HELP.", arg_str(c, 1));
        return;
    }
    if (c->argc == 3 && !arg_is(c->argv[2], "sync") && !arg_is(c->argv[2], "async")) {
        reply_error(c, "FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    functions_flush(); /* libraries are small: ASYNC frees them at once too */
    server.stat.dirty++;
    reply_ok(c);
}

static void reply_flags(Client *c, unsigned flags) {
    int n = 0;
    for (const FunctionFlagName *f = function_flag_names; f->name; f++) n += (flags & f->flag) != 0;
    reply_set_len(c, n);
    for (const FunctionFlagName *f = function_flag_names; f->name; f++)
        if (flags & f->flag) reply_status(c, f->name);
}

static void reply_library(Client *c, const FunctionLib *l, int with_code) {
    reply_map_len(c, with_code ? 4 : 3);
    reply_bulk_cstr(c, "library_name");
    reply_bulk(c, l->name, sds_len(l->name));
    reply_bulk_cstr(c, "engine");
    reply_bulk_cstr(c, l->engine->name);
    reply_bulk_cstr(c, "functions");
    reply_array_len(c, l->nfns);
    for (int i = 0; i < l->nfns; i++) {
        const FunctionInfo *f = l->fns[i];
        reply_map_len(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, f->name, sds_len(f->name));
        reply_bulk_cstr(c, "description");
        if (f->desc) reply_bulk(c, f->desc, sds_len(f->desc));
        else reply_null(c);
        reply_bulk_cstr(c, "flags");
        reply_flags(c, f->flags);
    }
    if (with_code) {
        reply_bulk_cstr(c, "library_code");
        reply_bulk(c, l->code, sds_len(l->code));
    }
}

static void function_list(Client *c) {
    int with_code = 0;
    const Obj *pattern = NULL;
    int pi = 0; /* the pattern's argv index */
    for (int i = 2; i < c->argc; i++) {
        if (!with_code && arg_is(c->argv[i], "withcode")) {
            with_code = 1;
        } else if (!pattern && arg_is(c->argv[i], "libraryname")) {
            if (i >= c->argc - 1) {
                reply_error(c, "library name argument was not given");
                return;
            }
            pattern = c->argv[++i];
            pi = i;
        } else {
            reply_errorf(c, "Unknown argument %s", arg_str(c, i));
            return;
        }
    }
    HtIter it;
    FunctionLib *l;
    long n = 0;
    ht_iter_init(&it, cur->libs, 0);
    while ((l = ht_iter_next(&it)))
        n += !pattern || glob_match(arg_str(c, pi), arg_len(c, pi), l->name, sds_len(l->name), 1);
    ht_iter_done(&it);
    reply_array_len(c, n);
    ht_iter_init(&it, cur->libs, 0);
    while ((l = ht_iter_next(&it)))
        if (!pattern || glob_match(arg_str(c, pi), arg_len(c, pi), l->name, sds_len(l->name), 1))
            reply_library(c, l, with_code);
    ht_iter_done(&it);
}

static const char busy_eval_error[] = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

static void function_stats(Client *c) {
    const char *name = NULL;
    Client *caller = NULL;
    long long start = 0;
    int is_eval = 0, running = 0;
    for (int i = 0; i < nengines && !running; i++)
        running = engines[i]->running && engines[i]->running(&name, &caller, &start, &is_eval);
    if (running && is_eval) {
        reply_error(c, busy_eval_error);
        return;
    }
    reply_map_len(c, 2);
    reply_bulk_cstr(c, "running_script");
    if (!running) {
        reply_null(c);
    } else {
        reply_map_len(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, name);
        reply_bulk_cstr(c, "command");
        reply_array_len(c, caller->argc);
        for (int i = 0; i < caller->argc; i++) reply_bulk(c, arg_str(caller, i), arg_len(caller, i));
        reply_bulk_cstr(c, "duration_ms");
        reply_long(c, mstime() - start);
    }
    reply_bulk_cstr(c, "engines");
    reply_map_len(c, nengines);
    for (int i = 0; i < nengines; i++) {
        long long libs = 0, fns = 0;
        HtIter it;
        FunctionLib *l;
        ht_iter_init(&it, cur->libs, 0);
        while ((l = ht_iter_next(&it)))
            if (l->engine == engines[i]) {
                libs++;
                fns += l->nfns;
            }
        ht_iter_done(&it);
        reply_bulk_cstr(c, engines[i]->name);
        reply_map_len(c, 2);
        reply_bulk_cstr(c, "libraries_count");
        reply_long(c, libs);
        reply_bulk_cstr(c, "functions_count");
        reply_long(c, fns);
    }
}

static void function_kill(Client *c) {
    for (int i = 0; i < nengines; i++) {
        const char *name;
        Client *caller;
        long long start;
        int is_eval;
        if (engines[i]->running && engines[i]->kill && engines[i]->running(&name, &caller, &start, &is_eval)) {
            engines[i]->kill(c);
            return;
        }
    }
    reply_error(c, "-NOTBUSY No scripts in execution right now.");
}

/* The libraries as FUNCTION2 records, the RDB version and the CRC-64: the same
 * framing as a DUMP payload. */
static void function_dump(Client *c) {
    Rio r;
    rio_init_buffer(&r);
    r.compress = rdb_compression; /* as Redis: long code is LZF-compressed */
    hook_save(&r);
    Sds p = rio_take_buffer(&r);
    rio_close(&r);
    unsigned char footer[10] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    p = sds_catlen(p, footer, 2);
    uint64_t crc = crc64(0, (const unsigned char *)p, sds_len(p));
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    p = sds_catlen(p, footer + 2, 8);
    reply_bulk_sds(c, p);
}

static int payload_ok(const unsigned char *p, size_t len) {
    if (len < 10) return 0;
    const unsigned char *footer = p + len - 10;
    unsigned version = (unsigned)footer[0] | ((unsigned)footer[1] << 8);
    if (version > RDB_VERSION) return 0;
    if (rdb_skip_checksum) return 1;
    uint64_t crc = crc64(0, p, len - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | footer[2 + i];
    return crc == stored;
}

/* Decodes a FUNCTION DUMP payload's records into s; 1, or 0 with *err. */
static int restore_decode(LibSet *s, const unsigned char *p, size_t len, Sds *err) {
    Rio r;
    rio_init_mem(&r, p, len);
    while (rio_tell(&r) < len) {
        RdbErr e = {{0}};
        int type = rdb_load_type(&r, &e);
        if (type < 0) {
            *err = sds_new("can not read data type");
            return 0;
        }
        if (type != RDB_OPCODE_FUNCTION && type != RDB_OPCODE_FUNCTION2) {
            *err = sds_new("given type is not a function");
            return 0;
        }
        Sds code = rdb_load_function_record(&r, type, &e);
        if (!code) {
            *err = sds_new(type == RDB_OPCODE_FUNCTION2 ? "Failed loading library payload" : "failed loading the given functions payload");
            return 0;
        }
        Sds name = create_library(s, code, sds_len(code), 0, 0, err);
        sds_free(code);
        if (!name) {
            if (!*err) *err = sds_new("failed loading the given functions payload");
            return 0;
        }
        sds_free(name);
    }
    return 1;
}

static void function_restore(Client *c) {
    if (c->argc > 4) {
        reply_errorf(c, "unknown subcommand or wrong number of arguments for '%s'. Try FUNCTION HELP.", arg_str(c, 1));
        return;
    }
    enum { APPEND, REPLACE, FLUSH } policy = APPEND;
    if (c->argc == 4) {
        if (arg_is(c->argv[3], "append")) policy = APPEND;
        else if (arg_is(c->argv[3], "replace")) policy = REPLACE;
        else if (arg_is(c->argv[3], "flush")) policy = FLUSH;
        else {
            reply_error(c, "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
            return;
        }
    }
    const unsigned char *p = (const unsigned char *)arg_str(c, 2);
    size_t len = arg_len(c, 2);
    if (!payload_ok(p, len)) {
        reply_error(c, "DUMP payload version or checksum are wrong");
        return;
    }
    LibSet *s = libset_new();
    Sds err = NULL;
    int ok = restore_decode(s, p, len - 10, &err);
    if (ok && policy == FLUSH) {
        LibSet *old = cur;
        cur = s;
        s = old;
    } else if (ok) {
        ok = libset_join(cur, s, policy == REPLACE, &err);
    }
    libset_free(s);
    if (!ok) {
        reply_error_len(c, err, sds_len(err));
        sds_free(err);
        return;
    }
    server.stat.dirty++;
    reply_ok(c);
}

static void function_help(Client *c) {
    static const char *help[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL};
    reply_help(c, help);
}

/* ---------------- FCALL / FCALL_RO ---------------- */

static void fcall_generic(Client *c, int ro) {
    monitor_feed_always(c, c->cmd); /* a function shows before the commands it runs, as in Redis */
    FunctionInfo *f = functions_lookup(arg_str(c, 1), arg_len(c, 1));
    if (!f) {
        reply_error(c, "Function not found");
        return;
    }
    long long numkeys;
    if (!string2ll(arg_str(c, 2), arg_len(c, 2), &numkeys)) {
        reply_error(c, "Bad number of keys provided");
        return;
    }
    if (!script_numkeys_ok(c, numkeys)) return;
    f->lib->engine->call(c, f, c->argv + 3, (int)numkeys, c->argv + 3 + numkeys, c->argc - 3 - (int)numkeys, ro);
}

static void fcall_cmd(Client *c) { fcall_generic(c, 0); }
static void fcall_ro_cmd(Client *c) { fcall_generic(c, 1); }

/* FCALL's flags come from the function's, as Redis derives them: no-writes drops
 * write and may-replicate, and a function that may write is deny-oom unless it
 * declared allow-oom (checked by dispatch before the call). */
static uint64_t fcall_call_flags(Client *c, uint64_t flags) {
    FunctionInfo *f = c->argc > 1 ? functions_lookup(arg_str(c, 1), arg_len(c, 1)) : NULL;
    if (!f) return flags;
    flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(f->flags & (FN_FLAG_ALLOW_OOM | FN_FLAG_NO_WRITES))) flags |= CMD_DENYOOM;
    if (!(f->flags & FN_FLAG_NO_WRITES)) flags |= CMD_WRITE;
    if (f->flags & FN_FLAG_ALLOW_STALE) flags |= CMD_STALE;
    return flags;
}

/* COMMAND GETKEYS: the numkeys keys after argv[2], when numkeys is a valid count. */
static int fcall_getkeys(int argc, Obj **argv, int *keys, int max) {
    long long num;
    Sds s = argv[2]->ptr;
    if (!string2ll(s, sds_len(s), &num) || num < 0 || num > argc - 3) return 0;
    int n = 0;
    for (long long i = 0; i < num && n < max; i++) keys[n++] = 3 + (int)i;
    return n;
}

/* ---------------- module ---------------- */

static long long gauge_functions(void) { return (long long)ht_size(cur->fns); }
static long long gauge_libraries(void) { return (long long)ht_size(cur->libs); }

static long long gauge_vm_memory(void) {
    size_t n = 0;
    for (int i = 0; i < nengines; i++)
        if (engines[i]->used_memory) n += engines[i]->used_memory();
    return (long long)n;
}

/* What the registry itself takes: tables, libraries, their code and functions. */
static long long gauge_overhead(void) {
    size_t n = sizeof(LibSet) + ht_mem_usage(cur->libs) + ht_mem_usage(cur->fns);
    HtIter it;
    FunctionLib *l;
    ht_iter_init(&it, cur->libs, 0);
    while ((l = ht_iter_next(&it))) {
        n += sizeof(*l) + sds_alloc_size(l->name) + sds_alloc_size(l->code) + sizeof(*l->fns) * (size_t)l->nfns;
        for (int i = 0; i < l->nfns; i++)
            n += sizeof(FunctionInfo) + sds_alloc_size(l->fns[i]->name) + (l->fns[i]->desc ? sds_alloc_size(l->fns[i]->desc) : 0);
    }
    ht_iter_done(&it);
    return (long long)n;
}

static const InfoGauge function_gauges[] = {{"number_of_functions", gauge_functions},
                                            {"number_of_libraries", gauge_libraries},
                                            {"used_memory_vm_functions", gauge_vm_memory},
                                            {"used_memory_functions", gauge_overhead},
                                            {0}};

static void functions_init(void) {
    cur = libset_new();
    rdb_function_hooks = &hooks;
    function_lua_init();
}

#define TIPS_ALL_SHARDS "\ntip request_policy:all_shards\ntip response_policy:all_succeeded"

static Command function_subcommands[] = {
    {.name = "load", .proc = function_load, .arity = -3, .flags = CMD_NOSCRIPT | CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting",
     .summary = "Create a function with the given arguments (name, code, description)", .since = "7.0.0",
     .complexity = "O(1) (considering compilation time is redundant)",
     .args = "[REPLACE] function-code:string" TIPS_ALL_SHARDS},
    {.name = "delete", .proc = function_delete, .arity = 3, .flags = CMD_NOSCRIPT | CMD_WRITE,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Delete a function by name",
     .since = "7.0.0", .complexity = "O(1)", .args = "library-name:string" TIPS_ALL_SHARDS},
    {.name = "flush", .proc = function_flush_cmd, .arity = -2, .flags = CMD_WRITE | CMD_NOSCRIPT,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Deleting all functions",
     .since = "7.0.0", .complexity = "O(N) where N is the number of functions deleted",
     .args = "[ASYNC|SYNC]{async}" TIPS_ALL_SHARDS},
    {.name = "list", .proc = function_list, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "List information about all the functions",
     .since = "7.0.0", .complexity = "O(N) where N is the number of functions",
     .args = "[LIBRARYNAME library-name-pattern:string] [WITHCODE]\ntip nondeterministic_output_order"},
    {.name = "dump", .proc = function_dump, .arity = 2, .flags = CMD_NOSCRIPT, .acl = ACL_SLOW | ACL_SCRIPTING,
     .group = "scripting", .summary = "Dump all functions into a serialized binary payload", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions"},
    {.name = "restore", .proc = function_restore, .arity = -3, .flags = CMD_NOSCRIPT | CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING, .group = "scripting",
     .summary = "Restore all the functions on the given payload", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions on the payload",
     .args = "serialized-value:string [FLUSH|APPEND|REPLACE]{policy}" TIPS_ALL_SHARDS},
    {.name = "stats", .proc = function_stats, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting",
     .summary = "Return information about the function currently running (name, description, duration)", .since = "7.0.0",
     .complexity = "O(1)", .args = "\ntip nondeterministic_output\ntip request_policy:all_shards\ntip response_policy:special"},
    {.name = "kill", .proc = function_kill, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Kill the function currently in execution.",
     .since = "7.0.0", .complexity = "O(1)", .args = "\ntip request_policy:all_shards\ntip response_policy:one_succeeded"},
    {.name = "help", .proc = function_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Show helpful text about the different subcommands",
     .since = "7.0.0", .complexity = "O(1)"},
    {0}};

static Command function_commands[] = {
    {.name = "function", .arity = -2, .group = "scripting", .summary = "A container for function commands",
     .since = "7.0.0", .complexity = "Depends on subcommand.", .subcommands = function_subcommands},
    {.name = "fcall", .proc = fcall_cmd, .arity = -3,
     .flags = CMD_RUNS_SCRIPT | CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_MAY_REPLICATE | CMD_NO_MANDATORY_KEYS | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Invoke a function", .since = "7.0.0",
     .complexity = "Depends on the function that is executed.",
     .args = "function:string numkeys:integer [key:key...] [arg:string...]\n"
             "keynote 0 We cannot tell how the keys will be used so we assume the worst, RW and UPDATE",
     .keyspecs = {KSN(KS_RW | KS_ACCESS | KS_UPDATE, 2, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = fcall_getkeys,
     .call_flags = fcall_call_flags},
    {.name = "fcall_ro", .proc = fcall_ro_cmd, .arity = -3,
     .flags = CMD_RUNS_SCRIPT | CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_STALE | CMD_READONLY,
     .acl = ACL_SLOW | ACL_SCRIPTING, .group = "scripting", .summary = "Invoke a read-only function",
     .since = "7.0.0", .complexity = "Depends on the function that is executed.",
     .args = "function:string numkeys:integer [key:key...] [arg:string...]\n"
             "keynote 0 We cannot tell how the keys will be used so we assume the worst, RO and ACCESS",
     .keyspecs = {KSN(KS_RO | KS_ACCESS, 2, 0, 1, 1)}, .nkeyspecs = 1, .getkeys = fcall_getkeys,
     .call_flags = fcall_call_flags},
    {0}};

const Module function_module = {
    .name = "functions",
    .commands = function_commands,
    .init = functions_init,
    .gauges = function_gauges,
};
