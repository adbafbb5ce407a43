/* rdb.h - the whole dataset in RDB form (version 10, Redis 7.0's format): saving it
 * to a stream or a file, and loading it back, with every check a hostile or
 * damaged file needs. Each value is written and read by its type's descriptor
 * (objtype.h), so this module knows no type's internals. */
#ifndef VESPER_RDB_H
#define VESPER_RDB_H
#include <stddef.h>
#include "../base/rio.h"
#include "../core/obj.h"
#include "../ds/rdbenc.h"

/* What a save records in its aux fields besides the server's own. */
typedef struct RdbSaveInfo {
    int repl_stream_db;        /* -1: no replication fields (an AOF base, as Redis) */
    const char *replid;        /* NULL: the server's */
    long long repl_offset;
    int aof_base;              /* the file is the base of a multi-part AOF */
    int exclude_data;          /* no databases (REPLCONF rdb-filter-only) */
    int exclude_functions;     /* no function libraries (rdb-filter-only without "functions") */
} RdbSaveInfo;

/* Writes the dataset to r: "REDIS0010", aux fields, every database, EOF and the
 * CRC-64 (zero when rdbchecksum is off). Returns 1, or 0 when r failed. */
int rdb_save(Rio *r, const RdbSaveInfo *info);
/* Saves to path atomically: a temp file in the same directory, fsync, rename, fsync
 * of the directory. Returns 0, or -1 with errno set (the reason is logged). */
int rdb_save_file(const char *path, const RdbSaveInfo *info);

/* What a load found (aux fields and counts). */
typedef struct RdbLoadInfo {
    long long keys_loaded, keys_expired;
    long long empty_keys_skipped;      /* well-formed empty values (not loaded) */
    int repl_stream_db;
    char replid[41];
    long long repl_offset;
    int aof_base;
    long long ctime;
} RdbLoadInfo;

/* Loads an RDB stream into the databases (which should be empty; a key present
 * twice is an error). Keys already expired are skipped (counted). Returns 1, or 0
 * with err holding why and where ("... at offset N, key 'k'"); on failure the
 * databases keep what was loaded so far (the caller decides to exit or flush). */
int rdb_load(Rio *r, RdbLoadInfo *info, RdbErr *err);
/* Loads path; 1 on success, 0 with err (a missing file is errno ENOENT, err
 * "No such file or directory"). */
int rdb_load_file(const char *path, RdbLoadInfo *info, RdbErr *err);

/* The rdbcompression / rdbchecksum directives, rdb-key-save-delay (microseconds
 * slept per key while saving: tests use it to make saves slow) and key-load-delay
 * (the same per key or AOF command while loading). */
extern int rdb_compression, rdb_checksum, rdb_key_save_delay, rdb_key_load_delay;
/* Sleeps usec microseconds; a negative value sleeps 1 microsecond once in -usec
 * calls on average (Redis's debugDelay). */
void rdb_debug_delay(int usec);

/* sanitize-dump-payload (RDB_SANITIZE_*). Vesper validates every encoded value
 * (intset, listpack, ziplist ... blobs) fully whatever it says, so a corrupt value
 * is refused when read instead of crashing a later command; the directive only
 * decides which loads count in INFO's dump_payload_sanitizations, as Redis counts
 * its deep validations. */
enum { RDB_SANITIZE_NO, RDB_SANITIZE_YES, RDB_SANITIZE_CLIENTS };
extern int rdb_sanitize_payload;
extern long long rdb_payload_sanitizations;
/* DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE and loading ignore checksums. */
extern int rdb_skip_checksum;

/* Function libraries belong to scripting, a higher layer, which sets these hooks
 * at init; a file holding libraries is refused while they are unset. */
typedef struct RdbFunctionHooks {
    int (*save)(Rio *r);                             /* an RDB_OPCODE_FUNCTION2 record per library */
    int (*load)(const char *code, size_t len, int replace, Sds *err); /* creates one library */
    void (*flush)(void);                             /* the dataset is emptied (DEBUG RELOAD, LOADAOF) */
    int (*rewrite)(Rio *r);                          /* AOF rewrite: a FUNCTION LOAD command per library */
} RdbFunctionHooks;
extern const RdbFunctionHooks *rdb_function_hooks;
/* DEBUG RELOAD MERGE: a library in the file replaces a loaded one of its name. */
extern int rdb_load_merge;
/* Reads the library record after a FUNCTION2 opcode (its code) or a FUNCTION one
 * (Redis 7.0 release candidates: name, engine, an optional description and the
 * body, turned into the code form "#!<engine> name=<name>\n<body>", as Redis
 * does). NULL with err. */
Sds rdb_load_function_record(Rio *r, int opcode, RdbErr *err);

/* The value of one key, as DUMP / RESTORE carry it: type byte and encoding. */
int rdb_save_value(Rio *r, const Obj *o);
/* DUMP's payload for o (dump.c): the value as rdb_save_value writes it, the RDB
 * version (2 bytes LE) and the CRC-64 of both (8 bytes LE). A new Sds the caller
 * frees, or NULL for a value DUMP cannot serialize. */
Sds dump_payload(const Obj *o);
/* Reads a type byte and a value (RESTORE); NULL with err. from_client: a client's
 * payload (counts as a sanitization under sanitize-dump-payload clients). */
Obj *rdb_load_value(Rio *r, int from_client, RdbErr *err);

/* The value after a key of RDB type rdbtype, read by the descriptor that loads
 * that type (the RDB checker reads values one at a time and frees them). NULL
 * with err when the value is corrupt or empty (err->empty); *known is 0 when no
 * type descriptor loads rdbtype (nothing is read then). */
Obj *rdb_load_typed_value(Rio *r, int rdbtype, int *known, RdbErr *err);

#endif
