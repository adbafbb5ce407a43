/* config_priv.h - what the config modules share and nobody else uses: the registry's
 * entries, lookup, typed access to values, the core table, loading state and the
 * rewrite helpers. config.c owns the registry; config_defs.c and config_special.c the
 * built-in directives; config_load.c the config file; config_cmd.c the CONFIG command;
 * config_rewrite.c CONFIG REWRITE. */
#ifndef VESPER_CONFIG_PRIV_H
#define VESPER_CONFIG_PRIV_H
#include <stdio.h>
#include "config.h"
#include "config_table.h"

#define CONFIG_MAGIC 0x56434647u

/* One registered directive: its definition and what the registry keeps for it. */
typedef struct ConfigEntry {
    ConfigDef *def;
    ConfigApplyHook *hook;         /* config_register_apply(), server.cfg only */
    long long kept;                /* value of a CONFIG_STORE_NONE bool/number/enum */
    char *kept_str;                /* value of a CONFIG_STORE_NONE string (Sds if CONFIG_BINARY) */
} ConfigEntry;

/* ---- registry and values (config.c) ---- */
int config_entry_count(void);
ConfigEntry *config_entry_at(int i);
/* Case-insensitive by name or alias; NULL if unknown. */
ConfigEntry *config_lookup(const char *name, int *is_alias);
/* The variable of e in cfg (fields of server.cfg are rebased onto cfg). */
void *config_entry_var(const Config *cfg, const ConfigEntry *e);
/* Apply hooks may run: a subsystem's variable, or any directive of the live server.cfg. */
int config_entry_live(const Config *cfg, const ConfigEntry *e);
long long config_num_read(const Config *cfg, const ConfigEntry *e);
const char *config_str_read(const Config *cfg, const ConfigEntry *e);
size_t config_str_len(const ConfigEntry *e, const char *v);
/* Sets from parsed arguments: CONFIG_SET_ERR (with *err), _CHANGED or _SAME. */
int config_entry_set(Config *cfg, ConfigEntry *e, Sds *argv, int argc, const char **err);
/* Sets from one CONFIG SET value (multi-argument directives split it by spaces). */
int config_entry_set_text(Config *cfg, ConfigEntry *e, const Sds value, const char **err);
/* The value as CONFIG GET renders it (new Sds). */
Sds config_entry_get(const Config *cfg, const ConfigEntry *e);
/* The default as CONFIG GET would render it (new Sds), NULL for a special without one. */
Sds config_entry_default(const ConfigEntry *e);
Sds config_enum_name(const ConfigEnum *en, int v, int bitflags);
/* Redis's memory notation (digits, optional b/k/kb/m/mb/g/gb); 0 when invalid or
 * beyond 64 bits. */
int config_parse_mem(const char *p, size_t len, unsigned long long *out);
/* 1 when the Sds holds no NUL byte. */
int config_is_cstr(const Sds s);
void config_set_cstr(char **p, const char *v);

/* ---- the built-in directives (config_defs.c, config_special.c) ---- */
extern ConfigDef config_core_table[];     /* typed directives */
extern ConfigDef config_special_table[];  /* the special ones */
/* Defaults of the built-in special directives (after the typed ones). */
void config_core_defaults(Config *cfg);
void config_core_free(Config *cfg);
/* Checks Redis makes once a config text is read: NULL or the FATAL error text. */
const char *config_core_check(Config *cfg);
/* The replicaof state, kept outside Config until replication lands. */
const char *config_core_replicaof_host(void);

/* ---- loading (config_load.c) ---- */
/* 1 while a config text is being read (save lines add up, see config_special.c). */
int config_loading(void);
Sds config_read_stream(FILE *fp, Sds into);

/* ---- rewriting (config_rewrite.c) ---- */
/* A "name value" line with the value quoted; not written when v equals def; v NULL
 * drops the directive. */
void config_rewrite_string(ConfigRewriter *rw, const char *name, const char *v, size_t len, const char *def);
/* 1gb, 64mb, 512kb or plain bytes, as CONFIG REWRITE writes memory values. */
Sds config_rewrite_memory(unsigned long long bytes);

#endif
