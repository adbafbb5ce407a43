/* zskiplist.h - the index of a big sorted set: a skiplist ordered by (score, member)
 * plus a member -> node hash table, with Redis's semantics (ranks, score and lex
 * ranges, range deletes). See zskiplist.c for layout and costs.
 *
 * Ranks are 0-based. Members are binary strings shorter than 4 GiB, compared with
 * memcmp (a prefix sorts first). A Zsl holds at most ZSL_MAX_LENGTH members (spans are
 * 32-bit): the sorted-set type refuses to grow past it. Scores are never NaN. */
#ifndef VESPER_ZSKIPLIST_H
#define VESPER_ZSKIPLIST_H
#include <stddef.h>
#include <stdint.h>

#define ZSL_MAX_LEVEL 32
#define ZSL_MAX_LENGTH ((size_t)UINT32_MAX - 1)

typedef struct Zsl Zsl;
/* One member: owned by its Zsl, valid until the member is deleted or the Zsl freed.
 * Updating the score keeps the same node. */
typedef struct ZslNode ZslNode;

/* A score range: min..max, each end inclusive unless minex/maxex ("(1.5"). */
typedef struct ZRangeSpec {
    double min, max;
    int minex, maxex;
} ZRangeSpec;

/* One end of a lex range: "[x" (inclusive), "(x" (exclusive), "-" (below every
 * member) or "+" (above every member). The bytes are not owned: they usually point
 * into the command's argument, which must outlive the spec. */
typedef struct ZLexBound {
    const char *s;    /* the bytes after '[' or '(' (NULL for "-" and "+") */
    size_t len;
    int inf;          /* -1 for "-", +1 for "+", 0 for a string */
    int ex;           /* 1 for "(x", "-" and "+" (as Redis sets it), 0 for "[x" */
} ZLexBound;

typedef struct ZLexRangeSpec {
    ZLexBound min, max;
} ZLexRangeSpec;

/* --- creation --- */
Zsl *zsl_create(void);
void zsl_free(Zsl *zsl);                 /* frees every node; NULL is ignored */
/* A deep copy, same order and scores, built in O(n) (for COPY). */
Zsl *zsl_dup(const Zsl *zsl);
/* Presizes the member table for n members (RDB load, ZUNIONSTORE...). */
void zsl_expand(Zsl *zsl, size_t n);
size_t zsl_length(const Zsl *zsl);
/* Bytes allocated for the Zsl. samples == 0 (or >= length) walks every node, O(n);
 * otherwise the first `samples` nodes' average is extrapolated (MEMORY USAGE). */
size_t zsl_mem_usage(const Zsl *zsl, size_t samples);

/* --- members --- */
/* Adds a member that is not present yet (the bytes are copied). Returns its node,
 * or NULL (and changes nothing) if the member is already present. O(log n).
 * score must not be NaN; zsl_length() must be below ZSL_MAX_LENGTH. */
ZslNode *zsl_insert(Zsl *zsl, double score, const void *member, size_t len);
/* Removes a member: 1 (and its score in *score if not NULL) or 0 if absent. O(log n). */
int zsl_delete(Zsl *zsl, const void *member, size_t len, double *score);
/* Removes and frees the node (ZPOPMIN and friends). O(log n). */
void zsl_delete_node(Zsl *zsl, ZslNode *node);
/* The member's node or NULL. O(1). */
ZslNode *zsl_find(Zsl *zsl, const void *member, size_t len);
/* 1 and the member's score in *score, or 0 if absent. O(1). */
int zsl_score(Zsl *zsl, const void *member, size_t len, double *score);
/* Sets the node's score; the node moves only if its order changes. Returns the
 * node, which stays the same pointer. O(1) in place, else O(log n). Not NaN. */
ZslNode *zsl_update_score(Zsl *zsl, ZslNode *node, double score);

/* --- ranks --- */
/* The member's 0-based rank (from the highest when reverse), or -1 if absent. O(log n). */
long zsl_rank(Zsl *zsl, const void *member, size_t len, int reverse);
/* The node's 0-based rank from the lowest. O(log n). */
size_t zsl_node_rank(const Zsl *zsl, const ZslNode *node);
/* The node at 0-based rank, or NULL if rank >= length. O(log n). */
ZslNode *zsl_node_by_rank(const Zsl *zsl, size_t rank);

/* --- traversal --- */
ZslNode *zsl_first(const Zsl *zsl);      /* lowest, NULL if empty */
ZslNode *zsl_last(const Zsl *zsl);       /* highest, NULL if empty */
ZslNode *zsl_next(const ZslNode *node);  /* NULL after the last */
ZslNode *zsl_prev(const ZslNode *node);  /* NULL before the first */
double zsl_node_score(const ZslNode *node);
/* The member's bytes (not NUL-terminated) and their count in *len. */
const char *zsl_node_member(const ZslNode *node, size_t *len);
/* A random member (the member table's fair-ish pick), NULL if empty. */
ZslNode *zsl_random(Zsl *zsl);
/* SCAN over members in table order: calls fn for the nodes under the cursor and
 * returns the next cursor (0 = done); ht_scan's guarantees. */
typedef void (*ZslScanFn)(void *privdata, const ZslNode *node);
unsigned long zsl_scan(Zsl *zsl, unsigned long cursor, ZslScanFn fn, void *privdata);

/* --- score ranges --- */
int zsl_score_gte_min(double score, const ZRangeSpec *range);
int zsl_score_lte_max(double score, const ZRangeSpec *range);
/* 1 if no score can be in the range (min > max, or min == max with an exclusive end). */
int zsl_score_range_empty(const ZRangeSpec *range);
/* The lowest / highest node within the range, or NULL. O(log n). */
ZslNode *zsl_first_in_range(const Zsl *zsl, const ZRangeSpec *range);
ZslNode *zsl_last_in_range(const Zsl *zsl, const ZRangeSpec *range);
/* Deletes the members within the range; returns how many. O(log n + m). */
size_t zsl_delete_range_by_score(Zsl *zsl, const ZRangeSpec *range);

/* --- lex ranges (meaningful when all scores are equal, as in Redis) --- */
/* Parses "-", "+", "[x" or "(x" from a command argument of len bytes into *out,
 * which then points into arg. Returns 1, or 0 for anything else (the caller replies
 * "ERR min or max not valid string range item"). Like Redis, "-" and "+" only
 * look at their second byte: "+\0..." counts as "+". */
int zsl_parse_lex_bound(const char *arg, size_t len, ZLexBound *out);
int zsl_lex_gte_min(const char *s, size_t len, const ZLexRangeSpec *range);
int zsl_lex_lte_max(const char *s, size_t len, const ZLexRangeSpec *range);
/* 1 if no member can be in the range (min above max, or equal with an exclusive end). */
int zsl_lex_range_empty(const ZLexRangeSpec *range);
ZslNode *zsl_first_in_lex_range(const Zsl *zsl, const ZLexRangeSpec *range);
ZslNode *zsl_last_in_lex_range(const Zsl *zsl, const ZLexRangeSpec *range);
size_t zsl_delete_range_by_lex(Zsl *zsl, const ZLexRangeSpec *range);

/* --- rank ranges --- */
/* Deletes the members with 0-based ranks start..end inclusive (end clamped to the
 * last); returns how many. O(log n + m). */
size_t zsl_delete_range_by_rank(Zsl *zsl, size_t start, size_t end);

/* Active defragmentation (vmalloc_defrag): moves the nodes of the member-table
 * buckets under cursor (each move costs a search, O(log n)); returns the next cursor
 * (0 = done). zsl_defrag_struct moves the Zsl's headers: the new address or NULL. */
unsigned long zsl_defrag_step(Zsl *zsl, unsigned long cursor);
Zsl *zsl_defrag_struct(Zsl *zsl);

#endif
