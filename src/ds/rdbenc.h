/* rdbenc.h - the building blocks of the RDB format (version 10, Redis 7.0): type and
 * opcode bytes, lengths, strings (with the integer and LZF encodings), doubles and
 * times, read and written through a Rio. RDB files, DUMP payloads and the type
 * modules' value encoders are made of these; nothing here knows the keyspace.
 *
 * Readers take untrusted input: every length is checked against what the caller
 * allows, allocation sizes are bounded by the bytes actually present when the
 * input is in memory, and a failure leaves a reason in the RdbErr the caller
 * passes (with the offset, from the Rio). */
#ifndef VESPER_RDBENC_H
#define VESPER_RDBENC_H
#include <stddef.h>
#include <stdint.h>
#include "../base/rio.h"
#include "../base/sds.h"

#define RDB_VERSION 10

/* Value types. */
#define RDB_TYPE_STRING 0
#define RDB_TYPE_LIST 1
#define RDB_TYPE_SET 2
#define RDB_TYPE_ZSET 3
#define RDB_TYPE_HASH 4
#define RDB_TYPE_ZSET_2 5
#define RDB_TYPE_MODULE 6
#define RDB_TYPE_MODULE_2 7
#define RDB_TYPE_HASH_ZIPMAP 9
#define RDB_TYPE_LIST_ZIPLIST 10
#define RDB_TYPE_SET_INTSET 11
#define RDB_TYPE_ZSET_ZIPLIST 12
#define RDB_TYPE_HASH_ZIPLIST 13
#define RDB_TYPE_LIST_QUICKLIST 14
#define RDB_TYPE_STREAM_LISTPACKS 15
#define RDB_TYPE_HASH_LISTPACK 16
#define RDB_TYPE_ZSET_LISTPACK 17
#define RDB_TYPE_LIST_QUICKLIST_2 18
#define RDB_TYPE_STREAM_LISTPACKS_2 19

/* Opcodes. */
#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION 246
#define RDB_OPCODE_MODULE_AUX 247
#define RDB_OPCODE_IDLE 248
#define RDB_OPCODE_FREQ 249
#define RDB_OPCODE_AUX 250
#define RDB_OPCODE_RESIZEDB 251
#define RDB_OPCODE_EXPIRETIME_MS 252
#define RDB_OPCODE_EXPIRETIME 253
#define RDB_OPCODE_SELECTDB 254
#define RDB_OPCODE_EOF 255

/* Why a read failed: a message for logs and errors; the offset is the Rio's.
 * empty is set (with a message) by a value loader that read a well-formed value
 * holding nothing: Redis skips such keys when loading a file (counting them) and
 * refuses them in RESTORE. */
typedef struct RdbErr {
    char msg[400];
    int empty;
} RdbErr;

/* The longest string a value loader accepts (a member, field or value). */
#define RDB_STRING_MAX ((size_t)1 << 40)

/* ---- writing (each returns 1, or 0 when the Rio failed) ---- */
int rdb_save_type(Rio *r, int type);
int rdb_save_len(Rio *r, uint64_t len);
/* A string: as an integer encoding when it is a small canonical integer, LZF
 * compressed when the Rio's compress flag is set and that saves space (longer than
 * 20 bytes), else raw. */
int rdb_save_string(Rio *r, const void *p, size_t len);
int rdb_save_ll_string(Rio *r, long long v);     /* an integer-valued string */
/* A string whose LZF form is already at hand (clen bytes at c, len bytes once
 * decompressed): compressed quicklist nodes are written as they are stored. */
int rdb_save_lzf_blob(Rio *r, const void *c, size_t clen, size_t len);
int rdb_save_binary_double(Rio *r, double d);    /* 8 bytes, little-endian */
int rdb_save_millis(Rio *r, long long ms);       /* 8 bytes, little-endian */
int rdb_save_aux(Rio *r, const char *key, const char *value, size_t vlen);
int rdb_save_aux_ll(Rio *r, const char *key, long long v);

/* ---- reading ---- */
/* The type or opcode byte; -1 on failure. */
int rdb_load_type(Rio *r, RdbErr *err);
/* A length. *isencoded (may be NULL: then an encoded value is an error) is set
 * when the length is one of the special string encodings (its value in *len).
 * Returns 1, or 0 with err set. */
int rdb_load_len(Rio *r, uint64_t *len, int *isencoded, RdbErr *err);
/* A string (any encoding) as a new sds, of at most max_len bytes; NULL with err. */
Sds rdb_load_string(Rio *r, size_t max_len, RdbErr *err);
int rdb_load_double_binary(Rio *r, double *d, RdbErr *err);
/* The pre-ZSET_2 text double (one length byte, 253/254/255 for nan/inf/-inf). */
int rdb_load_double_text(Rio *r, double *d, RdbErr *err);
int rdb_load_millis(Rio *r, long long *ms, RdbErr *err);
int rdb_load_seconds(Rio *r, long long *secs, RdbErr *err);
/* A string read into a buffer reused across calls (no allocation per string for
 * the short members of collections): returns its bytes, valid until the next read
 * into b, with *len; NULL with err. rdb_buf_free releases what b grew to. */
typedef struct RdbBuf {
    char small[128];
    char *heap;
    size_t cap;
} RdbBuf;
const char *rdb_load_str(Rio *r, RdbBuf *b, size_t max_len, size_t *len, RdbErr *err);
void rdb_buf_free(RdbBuf *b);
/* Reads and discards n bytes. */
int rdb_skip(Rio *r, uint64_t n, RdbErr *err);

/* ---- helpers for the types' value loaders ---- */
/* How many items a count read from r can really describe, for presizing a table:
 * a memory reader holds at most remaining / min_bytes more items; a stream is
 * believed up to 2^20 (past that, tables grow as items arrive), so a hostile count
 * never allocates more than the input could fill. */
uint64_t rdb_presize(const Rio *r, uint64_t n, size_t min_bytes);
/* A string read as a blob (intset, listpack, ziplist ...): a new vmalloc'd copy of
 * exactly *len bytes (at most max_len), or NULL with err. */
unsigned char *rdb_load_blob(Rio *r, size_t max_len, size_t *len, RdbErr *err);
/* A string (any encoding) of 1 to max_len bytes read straight into memory from
 * alloc(len), for long values that must not be copied on the way (a raw string is
 * read into it, an LZF one decompressed into it): peak memory is the string, plus
 * its compressed form. alloc may return NULL (an error); release(p, len) frees
 * what alloc gave when the read fails; the caller owns the result. A memory
 * reader's lengths are checked against the bytes left before alloc is called.
 * NULL with err (an empty string is an error). */
unsigned char *rdb_load_string_into(Rio *r, size_t max_len, unsigned char *(*alloc)(uint64_t),
                                    void (*release)(unsigned char *, uint64_t), size_t *len, RdbErr *err);
/* Checks an UNTRUSTED listpack of size bytes holding field/value (or member/score)
 * pairs, as RDB_TYPE_HASH_LISTPACK and RDB_TYPE_ZSET_LISTPACK carry them: a whole,
 * well-formed listpack (every entry, lp_validate_integrity deep), an even number of
 * entries, and no first-of-pair repeated. Vesper always checks this deeply, whatever
 * sanitize-dump-payload says (Redis does only when it says yes). Sets *pairs;
 * returns 1 when valid. */
int rdb_lp_pairs_valid(unsigned char *lp, size_t size, unsigned long *pairs);

#endif
