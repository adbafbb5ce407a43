/* config_table.h - how a subsystem declares its own config directives.
 *
 * A subsystem keeps each directive's value in its own variable and describes it in a
 * static table of ConfigDef entries ending with {0}, built with the macros below:
 *
 *     static long long hll_sparse_max;
 *     static ConfigDef hll_config[] = {
 *         CONFIG_NUM("hll-sparse-max-bytes", NULL, 0, CONFIG_MEMORY | CONFIG_UNSIGNED,
 *                    hll_sparse_max, 0, LONG_MAX, 3000),
 *         {0}};
 *     ...
 *     config_register_table(hll_config);   (at start-up, before config_init_defaults)
 *
 * From then on the config file, "--name value" arguments, CONFIG GET/SET/REWRITE and
 * the defaults treat the directive exactly like a built-in one. The macros take the
 * variable itself (an lvalue) and store its address; its C type picks the storage
 * (int, unsigned, long, unsigned long, long long, unsigned long long, or char * for
 * strings), so a mismatch is a compile error. Optional fields follow the fixed
 * arguments as designated initializers: .apply, .num_check, .str_check, ...
 *
 * Ownership: the registry owns string variables (they must start NULL; it frees and
 * replaces them) and never frees the tables, which must outlive the server. */
#ifndef VESPER_CONFIG_TABLE_H
#define VESPER_CONFIG_TABLE_H
#include "../base/sds.h"

/* Directive flags (ConfigDef.flags). */
#define CONFIG_IMMUTABLE (1u << 0)    /* set only at start-up; CONFIG SET refuses it */
#define CONFIG_SENSITIVE (1u << 1)    /* holds a secret */
#define CONFIG_MULTI_ARG (1u << 2)    /* enums, specials: several arguments (CONFIG SET splits by spaces) */
#define CONFIG_HIDDEN (1u << 3)       /* CONFIG GET patterns skip it; the exact name works */
#define CONFIG_PROTECTED (1u << 4)    /* CONFIG SET needs enable-protected-configs */
#define CONFIG_DENY_LOADING (1u << 5) /* CONFIG SET refused while loading the dataset */
#define CONFIG_VOLATILE (1u << 6)     /* a CONFIG SET always counts as a change */
#define CONFIG_NOIMPL (1u << 7)       /* known to Redis, accepted, not acted upon (warned) */
#define CONFIG_EMPTY_NULL (1u << 8)   /* strings: "" is stored as NULL */
#define CONFIG_BINARY (1u << 9)       /* values may hold NUL bytes: a string is stored as an
                                       * Sds; a special's set() sees them and validates */

/* Number flags (ConfigDef.numflags). */
#define CONFIG_MEMORY (1u << 0)       /* accepts 1gb, 512mb, 64k ... */
#define CONFIG_PERCENT (1u << 1)      /* with CONFIG_MEMORY: accepts n%, stored as -n */
#define CONFIG_OCTAL (1u << 2)        /* parsed and rendered in octal */
#define CONFIG_UNSIGNED (1u << 3)     /* bounds compared as unsigned */

enum { CONFIG_TYPE_BOOL = 1, CONFIG_TYPE_NUM, CONFIG_TYPE_ENUM, CONFIG_TYPE_STRING, CONFIG_TYPE_SPECIAL };
/* Where a value lives: NONE is kept by the registry (built-in unimplemented directives). */
enum { CONFIG_STORE_NONE, CONFIG_STORE_INT, CONFIG_STORE_UINT, CONFIG_STORE_LONG, CONFIG_STORE_ULONG,
       CONFIG_STORE_LL, CONFIG_STORE_ULL, CONFIG_STORE_STR, CONFIG_STORE_OTHER };
/* What a special directive's set() returns. */
enum { CONFIG_SET_ERR = 0, CONFIG_SET_CHANGED = 1, CONFIG_SET_SAME = 2 };

typedef struct ConfigEnum {
    const char *name;
    int val;
} ConfigEnum;                         /* arrays end with {NULL, 0} */

typedef struct ConfigDef ConfigDef;
typedef struct ConfigRewriter ConfigRewriter;

/* Run after a CONFIG SET changed the directive (never while loading the config file).
 * Returns 1, or 0 with *err set to a static reason: CONFIG SET then restores every
 * value it changed and runs the hooks again. A hook shared by several directives
 * runs once per CONFIG SET. */
typedef int ConfigApplyHook(const char **err);
/* Validates a parsed bool (0/1), number or enum value; may normalise *value (as hz
 * clamps into 1..500). Returns 1, or 0 with *err set to a static reason. */
typedef int ConfigNumCheck(long long *value, const char **err);
/* Validates a string value (a C string; CONFIG_BINARY values may hold NULs, see sds_len). */
typedef int ConfigStrCheck(const char *value, const char **err);
/* A special directive. var is the address given to CONFIG_SPECIAL. argv holds the
 * arguments as binary-safe Sds (NUL bytes only reach CONFIG_BINARY directives):
 * CONFIG SET splits a multi-argument value by spaces ("" gives argc 0), a config file
 * line passes its arguments (a lone "" stays one empty argument). set() must leave the
 * value unchanged when it fails and returns CONFIG_SET_ERR with *err set to a static
 * reason, else CONFIG_SET_CHANGED or CONFIG_SET_SAME. get() returns a new Sds rendered
 * as CONFIG GET shows it, which set() must accept back (rollback relies on it). */
typedef int ConfigSetFn(void *var, Sds *argv, int argc, const char **err);
typedef Sds ConfigGetFn(const void *var);
/* Optional: writes the directive's lines with config_rewrite_line(); without it the
 * registry writes "name <value>" from get(), forced when it differs from .defstr. */
typedef void ConfigRewriteFn(const void *var, const char *name, ConfigRewriter *rw);

struct ConfigDef {
    const char *name;                 /* lower case; NULL ends a table */
    const char *alias;                /* or NULL */
    unsigned flags;                   /* CONFIG_IMMUTABLE ... */
    unsigned char type;               /* CONFIG_TYPE_*, set by the macros */
    unsigned char storage;            /* CONFIG_STORE_*, from the variable's type */
    unsigned char numflags;           /* CONFIG_MEMORY ... */
    void *var;                        /* the variable */
    long long lower, upper, def;      /* numbers: bounds and default; bools, enums: default */
    const char *defstr;               /* strings: default (NULL allowed); specials: default
                                       * as CONFIG SET text, applied at init (NULL: none) */
    const ConfigEnum *enums;          /* enums: the names; CONFIG_MULTI_ARG makes them flags */
    ConfigNumCheck *num_check;
    ConfigStrCheck *str_check;
    ConfigApplyHook *apply;
    ConfigSetFn *set;                 /* specials */
    ConfigGetFn *get;
    ConfigRewriteFn *rewrite;
};

#define CONFIG_STORAGE_OF(v) _Generic(&(v), int *: CONFIG_STORE_INT, unsigned int *: CONFIG_STORE_UINT, \
    long *: CONFIG_STORE_LONG, unsigned long *: CONFIG_STORE_ULONG, long long *: CONFIG_STORE_LL,           \
    unsigned long long *: CONFIG_STORE_ULL, char **: CONFIG_STORE_STR)
#define CONFIG_DEF_HEAD(n, a, fl, t, v) \
    .name = (n), .alias = (a), .flags = (fl), .type = (t), .storage = CONFIG_STORAGE_OF(v), .var = &(v)

/* Macro arguments: name, alias, flags, [numflags,] the variable, then per type the
 * bounds and default, the enum names and default, the default string, or the
 * special's set and get functions; optional fields after them. */
/* yes/no stored as 0/1 in an integer variable. */
#define CONFIG_BOOL(n, a, fl, v, d, ...) { CONFIG_DEF_HEAD(n, a, fl, CONFIG_TYPE_BOOL, v), .def = (d), __VA_ARGS__ }
/* An integer within [lo, hi] (nf: CONFIG_MEMORY, CONFIG_PERCENT, ...). */
#define CONFIG_NUM(n, a, fl, nf, v, lo, hi, d, ...)                                                  \
    { CONFIG_DEF_HEAD(n, a, fl, CONFIG_TYPE_NUM, v), .numflags = (nf), .lower = (lo), .upper = (hi), \
      .def = (d), __VA_ARGS__ }
/* One name of en (several OR-ed together with CONFIG_MULTI_ARG) stored as its int. */
#define CONFIG_ENUM(n, a, fl, v, en, d, ...) \
    { CONFIG_DEF_HEAD(n, a, fl, CONFIG_TYPE_ENUM, v), .enums = (en), .def = (d), __VA_ARGS__ }
/* A string in a char * variable (NULL for "" with CONFIG_EMPTY_NULL). */
#define CONFIG_STR(n, a, fl, v, d, ...) { CONFIG_DEF_HEAD(n, a, fl, CONFIG_TYPE_STRING, v), .defstr = (d), __VA_ARGS__ }
/* Parsed and rendered by setfn/getfn on v (any type). */
#define CONFIG_SPECIAL(n, a, fl, v, setfn, getfn, ...)                                                    \
    { .name = (n), .alias = (a), .flags = (fl), .type = CONFIG_TYPE_SPECIAL, .storage = CONFIG_STORE_OTHER, \
      .var = (void *)&(v), .set = (setfn), .get = (getfn), __VA_ARGS__ }

/* For a special's rewrite(): puts line ("name args...", ownership passes) in place of
 * the next old line of the directive in the file, or appends it when force (or
 * CONFIG REWRITE's force-all) says the value must be written. Old lines of the
 * directive that were not reused are removed. */
void config_rewrite_line(ConfigRewriter *rw, const char *name, Sds line, int force);
/* For a special's rewrite(): the directive writes nothing; its old lines are removed. */
void config_rewrite_drop(ConfigRewriter *rw, const char *name);

#endif
