/* config.c - the directive registry: the tables of every subsystem, lookup by name or
 * alias, typed access to values, the generic set/get of bools, numbers, enums and
 * strings, and defaults.
 *
 * The built-in tables (config_defs.c, config_special.c) are registered first, on first use; subsystems
 * add theirs with config_register_table() before config_init_defaults(). A ConfigDef
 * points at the variable holding its value. Variables inside server.cfg are read and
 * written in whichever Config the caller passes (config_load(&some_cfg) fills
 * some_cfg), by rebasing the address; any other variable is the subsystem's own and is
 * used as is. Built-in directives Vesper does not implement have no variable: the
 * registry keeps their value in the entry (CONFIG_STORE_NONE).
 *
 * Invariants: names and aliases are unique (case-insensitively) across all tables, or
 * start-up aborts; a stored value always passed its directive's validation; no value
 * holds a NUL byte unless its directive is CONFIG_BINARY; strings are owned by the
 * registry (vstrdup/vfree, or sds for CONFIG_BINARY).
 *
 * Costs: lookup is a linear case-insensitive scan of the ~200 names (CONFIG SET and
 * the config file are rare); registering a table is quadratic in the names, once. */
#include "config_priv.h"
#include "server.h"
#include "../base/alloc.h"
#include "../base/sds.h"
#include "../base/util.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static ConfigEntry *entries;       /* in registration order; moves when a table is added */
static int nentries, capentries;
static int core_registered;
static int defaults_done;          /* config_init_defaults ran: too late to register */
static char errbuf[256];           /* the last formatted error reason */

/* ---------------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------------- */

static void registry_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void registry_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "Config table error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static const char *registered_as(const char *name) {
    for (int i = 0; i < nentries; i++) {
        const ConfigDef *d = entries[i].def;
        if (!strcasecmp(d->name, name) || (d->alias && !strcasecmp(d->alias, name))) return d->name;
    }
    return NULL;
}

static int storage_is_number(int st) { return st >= CONFIG_STORE_NONE && st <= CONFIG_STORE_ULL; }

/* The range a variable of the given storage holds, as the bounds are written. */
static void storage_range(int st, int is_unsigned, long long *lo, long long *hi) {
    *lo = LLONG_MIN;
    *hi = LLONG_MAX;
    if (st == CONFIG_STORE_INT) *lo = INT_MIN, *hi = INT_MAX;
    else if (st == CONFIG_STORE_UINT) *lo = 0, *hi = UINT_MAX;
    else if (st == CONFIG_STORE_LONG) *lo = LONG_MIN, *hi = LONG_MAX;
    else if (st == CONFIG_STORE_ULONG || st == CONFIG_STORE_ULL) *lo = 0, *hi = is_unsigned ? -1 : LLONG_MAX;
}

/* Subsystem numbers must fit their variable: a value is never clamped on store. */
static void check_bounds_fit(const ConfigDef *d) {
    long long lo, hi;
    int u = (d->numflags & CONFIG_UNSIGNED) != 0;
    storage_range(d->storage, u, &lo, &hi);
    int fits = u ? (unsigned long long)d->upper <= (unsigned long long)hi && d->lower >= 0
                 : d->lower >= lo && d->upper <= hi;
    if ((d->numflags & CONFIG_PERCENT) && d->storage != CONFIG_STORE_LL && d->storage != CONFIG_STORE_LONG)
        fits = 0;
    if (!fits) registry_fail("'%s': bounds do not fit its variable", d->name);
}

static int check_bounds(const ConfigDef *d, long long v, const char **err);

static void check_def(const ConfigDef *d, int strict) {
    int t = d->type;
    const char *err;
    if (t < CONFIG_TYPE_BOOL || t > CONFIG_TYPE_SPECIAL) registry_fail("'%s': unknown type", d->name);
    if (t == CONFIG_TYPE_STRING && d->storage != CONFIG_STORE_STR && d->storage != CONFIG_STORE_NONE)
        registry_fail("'%s': a string needs a char * variable", d->name);
    if ((t == CONFIG_TYPE_BOOL || t == CONFIG_TYPE_NUM || t == CONFIG_TYPE_ENUM) && !storage_is_number(d->storage))
        registry_fail("'%s': needs an integer variable", d->name);
    if (t == CONFIG_TYPE_ENUM && !d->enums) registry_fail("'%s': an enum needs its names", d->name);
    if (t == CONFIG_TYPE_SPECIAL && (!d->set || !d->get)) registry_fail("'%s': a special needs set and get", d->name);
    if ((d->flags & CONFIG_MULTI_ARG) && t != CONFIG_TYPE_ENUM && t != CONFIG_TYPE_SPECIAL)
        registry_fail("'%s': only enums and specials take several arguments", d->name);
    if ((d->numflags & CONFIG_PERCENT) && (!(d->numflags & CONFIG_MEMORY) || d->lower == LLONG_MIN))
        registry_fail("'%s': percent values need CONFIG_MEMORY and a lower bound above LLONG_MIN", d->name);
    if (t == CONFIG_TYPE_NUM && !check_bounds(d, d->def, &err)) registry_fail("'%s': default: %s", d->name, err);
    if (strict && t == CONFIG_TYPE_NUM) check_bounds_fit(d);
}

static void add_entry(ConfigDef *d) {
    if (nentries == capentries) {
        capentries = capentries ? capentries * 2 : 256;
        entries = vrealloc(entries, sizeof(ConfigEntry) * (size_t)capentries);
    }
    entries[nentries++] = (ConfigEntry){.def = d};
}

/* Every name or alias of the entries before d in its table. */
static const char *name_in_table(const ConfigDef *table, const ConfigDef *d, const char *name) {
    for (const ConfigDef *o = table; o < d; o++)
        if (!strcasecmp(o->name, name) || (o->alias && !strcasecmp(o->alias, name))) return o->name;
    return NULL;
}

/* strict: a subsystem's table (bounds must fit its variables). */
static void check_table(const ConfigDef *table, int strict) {
    for (const ConfigDef *d = table; d->name; d++) {
        const char *names[2] = {d->name, d->alias};
        for (int k = 0; k < 2 && names[k]; k++) {
            const char *prev = registered_as(names[k]);
            if (!prev) prev = name_in_table(table, d, names[k]);
            if (prev) registry_fail("directive '%s' registered twice (already known as '%s')", names[k], prev);
        }
        if (d->alias && !strcasecmp(d->alias, d->name)) registry_fail("'%s' is its own alias", d->name);
        check_def(d, strict);
    }
}

static void add_table(ConfigDef *table) {
    for (ConfigDef *d = table; d->name; d++) add_entry(d);
}

static void registry_ensure(void) {
    if (core_registered) return;
    core_registered = 1;
    check_table(config_core_table, 0);
    add_table(config_core_table);
    check_table(config_special_table, 0);
    add_table(config_special_table);
}

void config_register_table(ConfigDef *table) {
    registry_ensure();
    check_table(table, 1);
    if (defaults_done)
        registry_fail("table of '%s' registered after config_init_defaults", table->name ? table->name : "?");
    add_table(table);
}

int config_entry_count(void) {
    registry_ensure();
    return nentries;
}

ConfigEntry *config_entry_at(int i) {
    registry_ensure();
    return i >= 0 && i < nentries ? &entries[i] : NULL;
}

ConfigEntry *config_lookup(const char *name, int *is_alias) {
    registry_ensure();
    for (int i = 0; i < nentries; i++) {
        ConfigEntry *e = &entries[i];
        if (!strcasecmp(e->def->name, name)) {
            if (is_alias) *is_alias = 0;
            return e;
        }
        if (e->def->alias && !strcasecmp(e->def->alias, name)) {
            if (is_alias) *is_alias = 1;
            return e;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Where a value lives
 * ------------------------------------------------------------------------- */

static int in_server_cfg(const void *p) {
    uintptr_t v = (uintptr_t)p, base = (uintptr_t)&server.cfg;
    return p && v >= base && v < base + sizeof(Config);
}

/* The variable of e in cfg: server.cfg's fields are rebased onto cfg. */
void *config_entry_var(const Config *cfg, const ConfigEntry *e) {
    void *v = e->def->var;
    if (in_server_cfg(v)) return (char *)cfg + ((uintptr_t)v - (uintptr_t)&server.cfg);
    return v;
}

int config_entry_live(const Config *cfg, const ConfigEntry *e) {
    return cfg == &server.cfg || (e->def->var && !in_server_cfg(e->def->var));
}

long long config_num_read(const Config *cfg, const ConfigEntry *e) {
    const void *p = config_entry_var(cfg, e);
    switch (e->def->storage) {
    case CONFIG_STORE_INT: return *(const int *)p;
    case CONFIG_STORE_UINT: return *(const unsigned *)p;
    case CONFIG_STORE_LONG: return *(const long *)p;
    case CONFIG_STORE_ULONG: return (long long)*(const unsigned long *)p;
    case CONFIG_STORE_LL: return *(const long long *)p;
    case CONFIG_STORE_ULL: return (long long)*(const unsigned long long *)p;
    default: return e->kept;
    }
}

/* Built-in int fields with bounds wider than int (maxclients up to UINT_MAX) are clamped;
 * subsystem bounds always fit (check_bounds_fit). */
static void num_write(Config *cfg, ConfigEntry *e, long long v) {
    void *p = config_entry_var(cfg, e);
    unsigned long long u = (unsigned long long)v;
    int is_u = (e->def->numflags & CONFIG_UNSIGNED) != 0;
    switch (e->def->storage) {
    case CONFIG_STORE_INT:
        if (is_u && u > INT_MAX) v = INT_MAX;
        *(int *)p = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
        break;
    case CONFIG_STORE_UINT: *(unsigned *)p = u > UINT_MAX ? UINT_MAX : (unsigned)u; break;
    case CONFIG_STORE_LONG: *(long *)p = (long)v; break;
    case CONFIG_STORE_ULONG: *(unsigned long *)p = (unsigned long)u; break;
    case CONFIG_STORE_LL: *(long long *)p = v; break;
    case CONFIG_STORE_ULL: *(unsigned long long *)p = u; break;
    default: e->kept = v; break;
    }
}

static char **str_slot(const Config *cfg, const ConfigEntry *e) {
    return e->def->storage == CONFIG_STORE_STR ? (char **)config_entry_var(cfg, e) : (char **)&e->kept_str;
}

const char *config_str_read(const Config *cfg, const ConfigEntry *e) { return *str_slot(cfg, e); }

size_t config_str_len(const ConfigEntry *e, const char *v) {
    if (!v) return 0;
    return (e->def->flags & CONFIG_BINARY) ? sds_len((const Sds)v) : strlen(v);
}

static void str_free(const ConfigEntry *e, char *s) {
    if (!s) return;
    if (e->def->flags & CONFIG_BINARY) sds_free(s);
    else vfree(s);
}

static void str_write(Config *cfg, ConfigEntry *e, const char *v, size_t len) {
    char **p = str_slot(cfg, e);
    char *old = *p;
    if (!v) *p = NULL;
    else if (e->def->flags & CONFIG_BINARY) *p = sds_newlen(v, len);
    else *p = vstrdup(v);
    str_free(e, old);
}

void config_set_cstr(char **p, const char *v) {
    char *old = *p;
    *p = v ? vstrdup(v) : NULL;
    vfree(old);
}

int config_is_cstr(const Sds s) { return memchr(s, '\0', sds_len(s)) == NULL; }

/* ---------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------- */

static unsigned long long unit_multiplier(const char *u, size_t len) {
    static const struct { const char *unit; unsigned long long mul; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1024}, {"m", 1000 * 1000}, {"mb", 1024 * 1024},
        {"g", 1000ULL * 1000 * 1000}, {"gb", 1024ULL * 1024 * 1024}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].unit) == len && !strncasecmp(u, units[i].unit, len)) return units[i].mul;
    return 0;
}

/* As Redis: no sign, at most 127 digits, "" and a bare unit are 0. Unlike Redis, a
 * value beyond 64 bits is refused instead of wrapping around (1gb * 2^34 is not 0). */
int config_parse_mem(const char *p, size_t len, unsigned long long *out) {
    size_t n = 0;
    while (n < len && p[n] >= '0' && p[n] <= '9') n++;
    unsigned long long mul = unit_multiplier(p + n, len - n), v = 0;
    if (!mul || n >= 128) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (v > ULLONG_MAX / mul) return 0;
    *out = v * mul;
    return 1;
}

static const char *number_error(unsigned nf) {
    if ((nf & CONFIG_MEMORY) && (nf & CONFIG_PERCENT)) return "argument must be a memory or percent value";
    if (nf & CONFIG_MEMORY) return "argument must be a memory value";
    if (nf & CONFIG_OCTAL) return "argument couldn't be parsed as an octal number";
    return "argument couldn't be parsed into an integer";
}

static int parse_octal(const char *v, size_t len, long long *out) {
    char *end;
    errno = 0;
    *out = strtoll(v, &end, 8);
    return errno == 0 && end == v + len;
}

/* v holds no NUL byte (config_entry_set refuses them first). */
static int parse_number(const ConfigDef *d, const char *v, size_t len, long long *out, const char **err) {
    unsigned nf = d->numflags;
    unsigned long long u;
    if ((nf & CONFIG_PERCENT) && len > 1 && v[len - 1] == '%' && string2ll(v, len - 1, out) && *out >= 0) {
        *out = -*out;
        return 1;
    }
    if (nf & CONFIG_MEMORY) {
        if (config_parse_mem(v, len, &u)) {
            *out = (long long)u;
            return 1;
        }
    } else if (nf & CONFIG_OCTAL) {
        if (parse_octal(v, len, out)) return 1;
    } else if (string2ll(v, len, out)) {
        return 1;
    }
    *err = number_error(nf);
    return 0;
}

static int check_bounds(const ConfigDef *d, long long v, const char **err) {
    if (d->numflags & CONFIG_UNSIGNED) {
        unsigned long long u = (unsigned long long)v, lo = (unsigned long long)d->lower,
                           hi = (unsigned long long)d->upper;
        if (u >= lo && u <= hi) return 1;
        if (d->numflags & CONFIG_OCTAL)
            snprintf(errbuf, sizeof(errbuf), "argument must be between %llo and %llo inclusive", lo, hi);
        else
            snprintf(errbuf, sizeof(errbuf), "argument must be between %llu and %llu inclusive", lo, hi);
    } else if ((d->numflags & CONFIG_PERCENT) && v < 0) {
        if (v >= d->lower) return 1;
        snprintf(errbuf, sizeof(errbuf), "percentage argument must be less or equal to %lld", -d->lower);
    } else {
        if (v >= d->lower && v <= d->upper) return 1;
        snprintf(errbuf, sizeof(errbuf), "argument must be between %lld and %lld inclusive", d->lower, d->upper);
    }
    *err = errbuf;
    return 0;
}

/* INT_MIN when an argument is not a name of the enum (or, for a single-value enum,
 * when there is not exactly one). Bit-flag enums OR their arguments. */
static int enum_parse(const ConfigEnum *en, Sds *argv, int argc, int bitflags) {
    if (argc == 0 || (!bitflags && argc != 1)) return INT_MIN;
    int v = 0;
    for (int i = 0; i < argc; i++) {
        int matched = 0;
        for (const ConfigEnum *c = en; c->name; c++)
            if (!strcasecmp(argv[i], c->name)) {
                v |= c->val;
                matched = 1;
            }
        if (!matched) return INT_MIN;
    }
    return v;
}

Sds config_enum_name(const ConfigEnum *en, int v, int bitflags) {
    Sds names = NULL;
    int left = v;
    for (const ConfigEnum *c = en; c->name; c++) {
        if (c->val == v) {
            if (names) sds_free(names);
            return sds_new(c->name);
        }
        if (bitflags && c->val && (left & c->val) == c->val) {
            names = names ? sds_catprintf(names, " %s", c->name) : sds_new(c->name);
            left &= ~c->val;
        }
    }
    if (!names || left) {
        if (names) sds_free(names);
        return sds_new("unknown");
    }
    return names;
}

static const char *enum_error(const ConfigEnum *en) {
    Sds s = sds_new("argument(s) must be one of the following: ");
    for (const ConfigEnum *c = en; c->name; c++) s = sds_catprintf(s, "%s%s", c->name, c[1].name ? ", " : "");
    snprintf(errbuf, sizeof(errbuf), "%s", s);
    sds_free(s);
    return errbuf;
}

/* ---------------------------------------------------------------------------
 * Generic set / get
 * ------------------------------------------------------------------------- */

static int changed_or_same(const ConfigDef *d, int changed) {
    return changed || (d->flags & CONFIG_VOLATILE) ? CONFIG_SET_CHANGED : CONFIG_SET_SAME;
}

static int num_store(Config *cfg, ConfigEntry *e, long long v, const char **err) {
    if (e->def->num_check && !e->def->num_check(&v, err)) return CONFIG_SET_ERR;
    int changed = config_num_read(cfg, e) != v;
    if (changed) num_write(cfg, e, v);
    return changed_or_same(e->def, changed);
}

static int bool_set(Config *cfg, ConfigEntry *e, const char *v, const char **err) {
    int yn = !strcasecmp(v, "yes") ? 1 : !strcasecmp(v, "no") ? 0 : -1;
    if (yn == -1) {
        *err = "argument must be 'yes' or 'no'";
        return CONFIG_SET_ERR;
    }
    return num_store(cfg, e, yn, err);
}

static int number_set(Config *cfg, ConfigEntry *e, const Sds v, const char **err) {
    long long n;
    if (!parse_number(e->def, v, sds_len(v), &n, err) || !check_bounds(e->def, n, err)) return CONFIG_SET_ERR;
    return num_store(cfg, e, n, err);
}

static int enum_set(Config *cfg, ConfigEntry *e, Sds *argv, int argc, const char **err) {
    int v = enum_parse(e->def->enums, argv, argc, (e->def->flags & CONFIG_MULTI_ARG) != 0);
    if (v == INT_MIN) {
        *err = enum_error(e->def->enums);
        return CONFIG_SET_ERR;
    }
    return num_store(cfg, e, v, err);
}

static int string_set(Config *cfg, ConfigEntry *e, const Sds v, const char **err) {
    const ConfigDef *d = e->def;
    size_t len = sds_len(v);
    if (d->str_check && !d->str_check(v, err)) return CONFIG_SET_ERR;
    const char *nv = ((d->flags & CONFIG_EMPTY_NULL) && len == 0) ? NULL : v;
    const char *old = config_str_read(cfg, e);
    size_t oldlen = config_str_len(e, old);
    int changed = (old == NULL) != (nv == NULL) || (old && (oldlen != len || memcmp(old, nv, len)));
    if (changed) str_write(cfg, e, nv, len);
    return changed_or_same(d, changed);
}

/* The error a value with a NUL byte gets: the directive's own "bad value" text. */
static const char *nul_error(const ConfigDef *d) {
    switch (d->type) {
    case CONFIG_TYPE_BOOL: return "argument must be 'yes' or 'no'";
    case CONFIG_TYPE_NUM: return number_error(d->numflags);
    case CONFIG_TYPE_ENUM: return enum_error(d->enums);
    default: return "argument must not contain NUL bytes";
    }
}

int config_entry_set(Config *cfg, ConfigEntry *e, Sds *argv, int argc, const char **err) {
    const ConfigDef *d = e->def;
    if (!(d->flags & CONFIG_BINARY))
        for (int i = 0; i < argc; i++)
            if (!config_is_cstr(argv[i])) {
                *err = nul_error(d);
                return CONFIG_SET_ERR;
            }
    switch (d->type) {
    case CONFIG_TYPE_BOOL: return bool_set(cfg, e, argv[0], err);
    case CONFIG_TYPE_NUM: return number_set(cfg, e, argv[0], err);
    case CONFIG_TYPE_ENUM: return enum_set(cfg, e, argv, argc, err);
    case CONFIG_TYPE_STRING: return string_set(cfg, e, argv[0], err);
    default: return d->set(config_entry_var(cfg, e), argv, argc, err);
    }
}

/* CONFIG SET's split of a multi-argument value: by single spaces, "" is no argument. */
static Sds *split_spaces(const Sds v, int *argc) {
    size_t len = sds_len(v);
    if (len == 0) {
        *argc = 0;
        return vmalloc(sizeof(Sds));
    }
    return sds_splitlen(v, len, " ", 1, argc);
}

int config_entry_set_text(Config *cfg, ConfigEntry *e, const Sds value, const char **err) {
    if (!(e->def->flags & CONFIG_MULTI_ARG)) {
        Sds one = value;
        return config_entry_set(cfg, e, &one, 1, err);
    }
    int argc;
    Sds *argv = split_spaces(value, &argc);
    int res = config_entry_set(cfg, e, argv, argc, err);
    sds_freesplit(argv, argc);
    return res;
}

static Sds number_render(const ConfigDef *d, long long v) {
    if ((d->numflags & CONFIG_PERCENT) && v < 0) return sds_catprintf(sds_empty(), "%lld%%", -v);
    if (d->numflags & CONFIG_OCTAL) return sds_catprintf(sds_empty(), "%llo", (unsigned long long)v);
    if (d->numflags & (CONFIG_MEMORY | CONFIG_UNSIGNED))
        return sds_catprintf(sds_empty(), "%llu", (unsigned long long)v);
    return sds_catprintf(sds_empty(), "%lld", v);
}

static Sds render(const ConfigEntry *e, long long v) {
    const ConfigDef *d = e->def;
    if (d->type == CONFIG_TYPE_BOOL) return sds_new(v ? "yes" : "no");
    if (d->type == CONFIG_TYPE_ENUM) return config_enum_name(d->enums, (int)v, (d->flags & CONFIG_MULTI_ARG) != 0);
    return number_render(d, v);
}

Sds config_entry_get(const Config *cfg, const ConfigEntry *e) {
    const ConfigDef *d = e->def;
    if (d->type == CONFIG_TYPE_SPECIAL) return d->get(config_entry_var(cfg, e));
    if (d->type != CONFIG_TYPE_STRING) return render(e, config_num_read(cfg, e));
    const char *v = config_str_read(cfg, e);
    return v ? sds_newlen(v, config_str_len(e, v)) : sds_empty();
}

Sds config_entry_default(const ConfigEntry *e) {
    const ConfigDef *d = e->def;
    if (d->type == CONFIG_TYPE_SPECIAL) return d->defstr ? sds_new(d->defstr) : NULL;
    if (d->type == CONFIG_TYPE_STRING) return sds_new(d->defstr ? d->defstr : "");
    return render(e, d->def);
}

/* ---------------------------------------------------------------------------
 * Defaults and public accessors
 * ------------------------------------------------------------------------- */

static void entry_default(Config *cfg, ConfigEntry *e) {
    const ConfigDef *d = e->def;
    const char *err = "invalid";
    if (d->type == CONFIG_TYPE_STRING) {
        str_write(cfg, e, d->defstr, d->defstr ? strlen(d->defstr) : 0);
    } else if (d->type != CONFIG_TYPE_SPECIAL) {
        num_write(cfg, e, d->def);
    } else if (d->defstr) {
        Sds text = sds_new(d->defstr);
        if (!config_entry_set_text(cfg, e, text, &err)) registry_fail("default of '%s': %s", d->name, err);
        sds_free(text);
    }
}

void config_init_defaults(Config *cfg) {
    registry_ensure();
    memset(cfg, 0, sizeof(*cfg));
    for (int i = 0; i < nentries; i++) entry_default(cfg, &entries[i]);
    config_core_defaults(cfg);
    cfg->defaults_magic = CONFIG_MAGIC;
    defaults_done = 1;
}

/* Subsystem variables are not freed: they are global, whichever Config is freed. */
void config_free(Config *cfg) {
    registry_ensure();
    for (int i = 0; i < nentries; i++) {
        ConfigEntry *e = &entries[i];
        if (e->def->type == CONFIG_TYPE_STRING && in_server_cfg(e->def->var)) str_write(cfg, e, NULL, 0);
    }
    config_core_free(cfg);
    cfg->defaults_magic = 0;
}

char *config_get_value(const Config *cfg, const char *name) {
    ConfigEntry *e = config_lookup(name, NULL);
    return e ? config_entry_get(cfg, e) : NULL;
}

const char *config_name_at(int idx, int *is_alias) {
    registry_ensure();
    for (int i = 0; i < nentries; i++) {
        const ConfigDef *d = entries[i].def;
        if (idx == 0) {
            if (is_alias) *is_alias = 0;
            return d->name;
        }
        idx--;
        if (d->alias) {
            if (idx == 0) {
                if (is_alias) *is_alias = 1;
                return d->alias;
            }
            idx--;
        }
    }
    return NULL;
}

int config_register_apply(const char *name, ConfigApplyHook *fn) {
    ConfigEntry *e = config_lookup(name, NULL);
    if (!e) return 0;
    e->hook = fn;
    return 1;
}
