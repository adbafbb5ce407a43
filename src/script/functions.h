/* functions.h - Redis 7.0 functions: the library registry (FUNCTION LOAD / DELETE
 * / FLUSH / LIST / DUMP / RESTORE / STATS / KILL) and FCALL / FCALL_RO, over
 * engines that compile a library's code and run its functions.
 *
 * A library is named by its code's first line ("#!<engine> name=<name>"); loading
 * it asks the engine to run the code, which registers one or more functions
 * through function_lib_add(). Library names are case-sensitive, function and
 * engine names are not (as Redis). The registry owns the code text (what RDB
 * files, FUNCTION DUMP and AOF rewrites carry); the engine owns the compiled
 * functions (an opaque handle per function). */
#ifndef VESPER_FUNCTIONS_H
#define VESPER_FUNCTIONS_H
#include <stddef.h>
#include <stdint.h>
#include "../base/sds.h"
#include "../core/client.h"

/* A function's flags, as Redis's script flags (shared with EVAL's shebang). */
#define FN_FLAG_NO_WRITES (1u << 0)
#define FN_FLAG_ALLOW_OOM (1u << 1)
#define FN_FLAG_ALLOW_STALE (1u << 2)
#define FN_FLAG_NO_CLUSTER (1u << 3)
#define FN_FLAG_ALLOW_CROSS_SLOT (1u << 5)

typedef struct FunctionFlagName {
    unsigned flag;
    const char *name;
} FunctionFlagName;
/* In Redis's order (FUNCTION LIST shows flags in it); ends with {0, NULL}. */
extern const FunctionFlagName function_flag_names[];

typedef struct FunctionLib FunctionLib;
struct FunctionEngine;

typedef struct FunctionInfo {
    Sds name;
    void *handle;                      /* the engine's compiled function */
    FunctionLib *lib;
    Sds desc;                          /* NULL: none */
    unsigned flags;                    /* FN_FLAG_* */
} FunctionInfo;

typedef struct FunctionEngine {
    const char *name;                  /* "LUA" */
    /* Runs a library's code (after its first line) so that it registers its
     * functions with function_lib_add(lib, ...). timeout_ms 0: no limit. Returns
     * 1, or 0 with *err set (the message without "ERR "). */
    int (*create)(FunctionLib *lib, const char *code, size_t len, long long timeout_ms, Sds *err);
    /* Runs fi for caller c and writes its reply (errors included) to c. ro: the
     * call came from FCALL_RO. */
    void (*call)(Client *c, FunctionInfo *fi, Obj **keys, int nkeys, Obj **args, int nargs, int ro);
    void (*free_function)(void *handle);
    /* Bytes the engine's interpreter uses (INFO used_memory_vm_functions). */
    size_t (*used_memory)(void);
    /* The function running now: 1 and its name, caller and start time (ms), or 0.
     * is_eval: the running script is an EVAL, not a function. */
    int (*running)(const char **name, Client **caller, long long *start_ms, int *is_eval);
    /* FUNCTION KILL: replies to c (OK, NOTBUSY, UNKILLABLE ...). */
    void (*kill)(Client *c);
} FunctionEngine;

/* The LUA engine (function_lua.c): creates its Lua state and registers itself. */
void function_lua_init(void);

/* Registers an engine (at init). */
void functions_register_engine(const FunctionEngine *e);

/* For engines, while create() runs: adds a function to lib. name is copied, desc
 * (may be NULL) too. Returns 1, or 0 with *err (bad name, duplicate). */
int function_lib_add(FunctionLib *lib, const char *name, size_t nlen, void *handle, const char *desc, size_t dlen,
                     unsigned flags, Sds *err);
/* Whether name is a valid library or function name: [a-zA-Z0-9_]+. */
int function_name_valid(const char *name, size_t len);

/* Looks a function up by name (case-insensitive); NULL when there is none. */
FunctionInfo *functions_lookup(const char *name, size_t len);

/* Creates a library from its whole code (first line included) into the current
 * set: replace allows an existing library of that name to be replaced. Returns
 * the library's name (a new sds), or NULL with *err. */
Sds functions_create_library(const char *code, size_t len, int replace, long long timeout_ms, Sds *err);
/* Deletes every library. */
void functions_flush(void);

size_t functions_count(void);
size_t functions_lib_count(void);

#endif
