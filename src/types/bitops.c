/* bitops.c - the bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD
 * and BITFIELD_RO, all operating on string values seen as arrays of bits.
 *
 * Bit numbering: bit 0 is the most significant bit of the first byte, bit 7 its
 * least significant one, bit 8 the top bit of the second byte, and so on. Bits past
 * the end of a string read as zero; writing past the end grows the string with
 * zero bytes (never beyond the bit offset limit, 8 * proto-max-bulk-len).
 *
 * Invariants: a bitmap that is written is a raw string owned by its keyspace entry
 * (obj_unshare_string before any byte changes); a command that fails replies with
 * an error and changes nothing. Error texts are Redis 7.0's.
 *
 * Costs: SETBIT/GETBIT O(1) (SETBIT also O(growth)); BITCOUNT and BITPOS O(N) in
 * the bytes of the range, counting and scanning 64 bits per step (hardware popcount
 * when the CPU has it); BITOP O(total length of the sources); BITFIELD O(ops). */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "../base/alloc.h"
#include "../base/util.h"
#include "../core/command.h"
#include "../core/module.h"
#include "../core/db.h"
#include "../core/lazyfree.h"
#include "../core/server.h"

__extension__ typedef __int128 BitWide;

/* ---- helpers shared by the commands ---- */

static int bit_check_type(Client *c, const Obj *o) {
    if (o && o->type != OBJ_STRING) {
        reply_error_wrongtype(c);
        return 0;
    }
    return 1;
}

/* The bytes of a string value (int values are formatted into buf); NULL gives an
 * empty string. */
static const unsigned char *bit_bytes(const Obj *o, char *buf, size_t *len) {
    if (!o) {
        *len = 0;
        return (const unsigned char *)"";
    }
    return (const unsigned char *)obj_strbuf(o, buf, len);
}

/* Parses a bit offset. With hash set and bits > 0, "#N" means N*bits (BITFIELD).
 * Offsets must be >= 0 and address a byte below proto-max-bulk-len. */
static int bit_parse_offset(Client *c, int i, int hash, int bits, uint64_t *offset) {
    const char *p = arg_str(c, i);
    size_t len = arg_len(c, i);
    int usehash = (hash && bits > 0 && len > 0 && p[0] == '#');
    long long v;
    if (!string2ll(p + usehash, len - (size_t)usehash, &v) ||
        (usehash && __builtin_mul_overflow(v, (long long)bits, &v)) ||
        v < 0 || (v >> 3) >= server.cfg.proto_max_bulk_len) {
        reply_error(c, "bit offset is not an integer or out of range");
        return 0;
    }
    *offset = (uint64_t)v;
    return 1;
}

/* Looks the key up for writing and makes sure bit maxbit is addressable: creates a
 * zero string or grows the existing one, unshared and raw. *grown is set when the
 * key was created or its length changed. Returns NULL after replying WRONGTYPE. */
static Obj *bit_lookup_for_write(Client *c, uint64_t maxbit, int *grown) {
    size_t need = (size_t)(maxbit >> 3) + 1;
    Obj *o = db_lookup_write(c, c->argv[1]);
    if (!bit_check_type(c, o)) return NULL;
    if (!o) {
        o = db_set(c, c->db, c->argv[1], obj_from_sds(sds_newlen(NULL, need)),
                   SETKEY_DOESNT_EXIST);
        obj_unshare_string(o);
        *grown = 1;
        return o;
    }
    obj_unshare_string(o);
    size_t old = sds_len(o->ptr);
    if (need > old) o->ptr = sds_growzero(o->ptr, need);
    *grown = sds_len(o->ptr) != old;
    return o;
}

static inline uint64_t bit_load64(const unsigned char *p) {
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

/* Popcount over n bytes, 32 bytes per step. The body is compiled twice: once with
 * the POPCNT instruction enabled (chosen at run time when the CPU has it). */
static inline __attribute__((always_inline)) uint64_t bit_popcount_body(const unsigned char *p, size_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    while (n >= 32) {
        a += (uint64_t)__builtin_popcountll(bit_load64(p));
        b += (uint64_t)__builtin_popcountll(bit_load64(p + 8));
        c += (uint64_t)__builtin_popcountll(bit_load64(p + 16));
        d += (uint64_t)__builtin_popcountll(bit_load64(p + 24));
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        a += (uint64_t)__builtin_popcountll(bit_load64(p));
        p += 8;
        n -= 8;
    }
    while (n--) a += (uint64_t)__builtin_popcount(*p++);
    return a + b + c + d;
}

static uint64_t bit_popcount_generic(const unsigned char *p, size_t n) { return bit_popcount_body(p, n); }

#if defined(__x86_64__)
__attribute__((target("popcnt"))) static uint64_t bit_popcount_hw(const unsigned char *p, size_t n) {
    return bit_popcount_body(p, n);
}
#endif

static uint64_t bit_popcount(const unsigned char *p, size_t n) {
#if defined(__x86_64__)
    static int has_hw = -1;
    if (has_hw < 0) {
        __builtin_cpu_init();
        has_hw = __builtin_cpu_supports("popcnt") ? 1 : 0;
    }
    if (has_hw) return bit_popcount_hw(p, n);
#endif
    return bit_popcount_generic(p, n);
}

/* Masks selecting bits [from..to] (0 = MSB) of one byte. */
static inline unsigned char bit_byte_mask(unsigned from, unsigned to) {
    return (unsigned char)((0xffu >> from) & (0xffu << (7 - to)));
}

/* Number of set bits among bits [bs..be] of p (inclusive, within the string). */
static uint64_t bit_count_range(const unsigned char *p, uint64_t bs, uint64_t be) {
    size_t fb = (size_t)(bs >> 3), lb = (size_t)(be >> 3);
    if (fb == lb) return (uint64_t)__builtin_popcount(p[fb] & bit_byte_mask(bs & 7, be & 7));
    uint64_t n = (uint64_t)__builtin_popcount(p[fb] & bit_byte_mask(bs & 7, 7));
    n += (uint64_t)__builtin_popcount(p[lb] & bit_byte_mask(0, be & 7));
    return n + bit_popcount(p + fb + 1, lb - fb - 1);
}

/* First position in [bs..be] whose bit equals bit, or -1. Whole 64-bit words that
 * cannot contain it are skipped. */
static long long bit_search_range(const unsigned char *p, uint64_t bs, uint64_t be, int bit) {
    size_t fb = (size_t)(bs >> 3), lb = (size_t)(be >> 3);
    unsigned char flip = bit ? 0 : 0xff;   /* after xor we always look for a 1 */
    for (size_t i = fb; i <= lb; i++) {
        unsigned char m = bit_byte_mask(i == fb ? (unsigned)(bs & 7) : 0, i == lb ? (unsigned)(be & 7) : 7);
        unsigned char v = (unsigned char)((p[i] ^ flip) & m);
        if (v) return (long long)i * 8 + (__builtin_clz(v) - 24);
        if (i > fb) {
            /* in the middle: jump over words holding no candidate */
            uint64_t skip = bit ? 0 : UINT64_MAX;
            while (i + 1 + 8 < lb && bit_load64(p + i + 1) == skip) i += 8;
        }
    }
    return -1;
}

/* Normalises a [start, end] range given by the user against length totlen, Redis
 * style: negatives count from the end, then clamp. Returns 0 when it is empty. */
static int bit_normalize_range(long long *start, long long *end, long long totlen) {
    if (*start < 0) *start += totlen;
    if (*end < 0) *end += totlen;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= totlen) *end = totlen - 1;
    return *start <= *end;
}

/* Parses "BIT" / "BYTE" at argv[i]; replies syntax error otherwise. */
static int bit_parse_unit(Client *c, int i, int *isbit) {
    if (!strcasecmp(arg_str(c, i), "bit")) *isbit = 1;
    else if (!strcasecmp(arg_str(c, i), "byte")) *isbit = 0;
    else {
        reply_error_syntax(c);
        return 0;
    }
    return 1;
}

static int bit_arg_ll(Client *c, int i, long long *v) {
    if (string2ll(arg_str(c, i), arg_len(c, i), v)) return 1;
    reply_error_not_int(c);
    return 0;
}

/* ---- SETBIT / GETBIT ---- */

static void bit_setbit_cmd(Client *c) {
    uint64_t offset;
    long long on;
    if (!bit_parse_offset(c, 2, 0, 0, &offset)) return;
    if (!string2ll(arg_str(c, 3), arg_len(c, 3), &on) || (on & ~1LL)) {
        reply_error(c, "bit is not an integer or out of range");
        return;
    }
    int grown;
    Obj *o = bit_lookup_for_write(c, offset, &grown);
    if (!o) return;
    unsigned char *byte = (unsigned char *)o->ptr + (offset >> 3);
    unsigned char mask = (unsigned char)(0x80u >> (offset & 7));
    int old = (*byte & mask) != 0;
    if (grown || old != on) {
        if (on) *byte |= mask;
        else *byte &= (unsigned char)~mask;
        db_changed(c->db, c->argv[1], NOTIFY_STRING, "setbit");
    }
    reply_long(c, old);
}

static void bit_getbit_cmd(Client *c) {
    uint64_t offset;
    if (!bit_parse_offset(c, 2, 0, 0, &offset)) return;
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!bit_check_type(c, o)) return;
    char buf[LONG_STR_SIZE];
    size_t len;
    const unsigned char *p = bit_bytes(o, buf, &len);
    size_t byte = (size_t)(offset >> 3);
    int bit = byte < len && (p[byte] & (0x80u >> (offset & 7)));
    reply_long(c, bit ? 1 : 0);
}

/* ---- BITCOUNT / BITPOS ---- */

/* BITCOUNT key [start end [BYTE|BIT]] */
static void bit_bitcount_cmd(Client *c) {
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        reply_long(c, 0);
        return;
    }
    if (!bit_check_type(c, o)) return;
    char buf[LONG_STR_SIZE];
    size_t len;
    const unsigned char *p = bit_bytes(o, buf, &len);
    long long start, end;
    int isbit = 0;
    if (c->argc == 4 || c->argc == 5) {
        if (!bit_arg_ll(c, 2, &start) || !bit_arg_ll(c, 3, &end)) return;
        if (start < 0 && end < 0 && start > end) {
            reply_long(c, 0);
            return;
        }
        if (c->argc == 5 && !bit_parse_unit(c, 4, &isbit)) return;
    } else if (c->argc == 2) {
        start = 0;
        end = (long long)len - 1;
    } else {
        reply_error_syntax(c);
        return;
    }
    long long totlen = isbit ? (long long)len * 8 : (long long)len;
    if (!bit_normalize_range(&start, &end, totlen)) {
        reply_long(c, 0);
        return;
    }
    uint64_t bs = isbit ? (uint64_t)start : (uint64_t)start * 8;
    uint64_t be = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    reply_long(c, (long long)bit_count_range(p, bs, be));
}

/* BITPOS key bit [start [end [BYTE|BIT]]] */
static void bit_bitpos_cmd(Client *c) {
    long long bit;
    if (!bit_arg_ll(c, 2, &bit)) return;
    if (bit != 0 && bit != 1) {
        reply_error(c, "The bit argument must be 1 or 0.");
        return;
    }
    Obj *o = db_lookup_read(c, c->argv[1]);
    if (!o) {
        /* a missing key is an endless run of zeros */
        reply_long(c, bit ? -1 : 0);
        return;
    }
    if (!bit_check_type(c, o)) return;
    char buf[LONG_STR_SIZE];
    size_t len;
    const unsigned char *p = bit_bytes(o, buf, &len);
    long long start = 0, end = (long long)len - 1;
    int isbit = 0, end_given = 0;
    if (c->argc >= 4 && c->argc <= 6) {
        if (!bit_arg_ll(c, 3, &start)) return;
        if (c->argc == 6 && !bit_parse_unit(c, 5, &isbit)) return;
        if (c->argc >= 5) {
            if (!bit_arg_ll(c, 4, &end)) return;
            end_given = 1;
        }
    } else if (c->argc != 3) {
        reply_error_syntax(c);
        return;
    }
    long long totlen = isbit ? (long long)len * 8 : (long long)len;
    if (!bit_normalize_range(&start, &end, totlen)) {
        reply_long(c, -1);
        return;
    }
    uint64_t bs = isbit ? (uint64_t)start : (uint64_t)start * 8;
    uint64_t be = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    long long pos = bit_search_range(p, bs, be, (int)bit);
    /* Looking for a 0 with no explicit end: the string continues with zeros. */
    if (pos < 0 && bit == 0 && !end_given) pos = (long long)be + 1;
    reply_long(c, pos);
}

/* ---- BITOP ---- */

enum { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

/* res (len bytes, zero filled) op= src (slen bytes); AND clears what src lacks. */
static void bitop_apply(unsigned char *res, size_t len, const unsigned char *src, size_t slen, int op) {
    size_t n = slen < len ? slen : len, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a = bit_load64(res + i), b = bit_load64(src + i);
        a = op == BITOP_AND ? (a & b) : op == BITOP_OR ? (a | b) : (a ^ b);
        memcpy(res + i, &a, 8);
    }
    for (; i < n; i++) {
        if (op == BITOP_AND) res[i] &= src[i];
        else if (op == BITOP_OR) res[i] |= src[i];
        else res[i] ^= src[i];
    }
    if (op == BITOP_AND && n < len) memset(res + n, 0, len - n);
}

static void bitop_invert(unsigned char *p, size_t len) {
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w = ~bit_load64(p + i);
        memcpy(p + i, &w, 8);
    }
    for (; i < len; i++) p[i] = (unsigned char)~p[i];
}

static int bitop_parse_op(const char *s) {
    if (!strcasecmp(s, "and")) return BITOP_AND;
    if (!strcasecmp(s, "or")) return BITOP_OR;
    if (!strcasecmp(s, "xor")) return BITOP_XOR;
    if (!strcasecmp(s, "not")) return BITOP_NOT;
    return -1;
}

/* Stores the result (or deletes the destination when it is empty). */
static void bitop_store(Client *c, Sds res, size_t maxlen) {
    const Obj *dest = c->argv[2];
    if (maxlen) {
        Obj *o = db_set(c, c->db, dest, obj_from_sds(res), 0);
        obj_unshare_string(o);
        db_changed(c->db, dest, NOTIFY_STRING, "set");
    } else {
        if (res) sds_free(res);
        if (db_delete_lazy(c->db, key_ptr(dest), key_len(dest), lazyfree_cfg.server_del)) db_changed(c->db, dest, NOTIFY_GENERIC, "del");
    }
    reply_long(c, (long long)maxlen);
}

/* BITOP op destkey srckey [srckey ...] */
static void bit_bitop_cmd(Client *c) {
    int op = bitop_parse_op(arg_str(c, 1));
    if (op < 0) {
        reply_error_syntax(c);
        return;
    }
    if (op == BITOP_NOT && c->argc != 4) {
        reply_error(c, "BITOP NOT must be called with a single source key.");
        return;
    }
    int nsrc = c->argc - 3;
    Obj **src = vmalloc(sizeof(Obj *) * (size_t)nsrc);
    size_t maxlen = 0;
    for (int j = 0; j < nsrc; j++) {
        src[j] = db_lookup_read(c, c->argv[j + 3]);
        if (!bit_check_type(c, src[j])) {
            vfree(src);
            return;
        }
        if (src[j] && obj_strlen(src[j]) > maxlen) maxlen = obj_strlen(src[j]);
    }
    Sds res = NULL;
    if (maxlen) {
        res = sds_newlen(NULL, maxlen);
        for (int j = 0; j < nsrc; j++) {
            char buf[LONG_STR_SIZE];
            size_t len;
            const unsigned char *p = bit_bytes(src[j], buf, &len);
            if (j == 0 || op == BITOP_NOT) memcpy(res, p, len);   /* res starts as source 0 */
            else bitop_apply((unsigned char *)res, maxlen, p, len, op);
        }
        if (op == BITOP_NOT) bitop_invert((unsigned char *)res, maxlen);
    }
    vfree(src);
    bitop_store(c, res, maxlen);
}

/* ---- BITFIELD ---- */

enum { BF_GET, BF_SET, BF_INCRBY };
enum { BF_WRAP, BF_SAT, BF_FAIL };

typedef struct BfOp {
    uint64_t offset;
    int64_t value;      /* SET value or INCRBY increment */
    int opcode, owtype, bits, sign;
} BfOp;

/* Parses "iN" (1..64) or "uN" (1..63). */
static int bf_parse_type(Client *c, int i, int *sign, int *bits) {
    const char *p = arg_str(c, i);
    long long n;
    if ((p[0] != 'i' && p[0] != 'u') || !string2ll(p + 1, strlen(p + 1), &n) || n < 1 ||
        n > (p[0] == 'i' ? 64 : 63)) {
        reply_error(c, "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
        return 0;
    }
    *sign = p[0] == 'i';
    *bits = (int)n;
    return 1;
}

static uint64_t bf_get_bits(const unsigned char *p, size_t len, uint64_t offset, int bits) {
    uint64_t v = 0;
    for (int k = 0; k < bits; k++, offset++) {
        size_t byte = (size_t)(offset >> 3);
        int b = byte < len && (p[byte] & (0x80u >> (offset & 7)));
        v = (v << 1) | (uint64_t)(b ? 1 : 0);
    }
    return v;
}

static void bf_set_bits(unsigned char *p, uint64_t offset, int bits, uint64_t v) {
    for (int k = bits - 1; k >= 0; k--, offset++) {
        unsigned char mask = (unsigned char)(0x80u >> (offset & 7));
        if ((v >> k) & 1) p[offset >> 3] |= mask;
        else p[offset >> 3] &= (unsigned char)~mask;
    }
}

/* The low `bits` bits of v as a two's complement number. */
static int64_t bf_sign_extend(uint64_t v, int bits) {
    if (bits < 64 && (v & ((uint64_t)1 << (bits - 1)))) v |= UINT64_MAX << bits;
    else if (bits < 64) v &= ~(UINT64_MAX << bits);
    return (int64_t)v;
}

/* Decides whether value+incr fits a signed field of the given width; returns 1 on
 * overflow with *out set per owtype (wrapped, or saturated), 0 with the sum.
 * The direction of an overflow is decided as Redis does, from the headroom
 * max-value / min-value computed with wrapping 64-bit arithmetic: so a SET of a
 * value within 2^(bits-1) of INT64_MIN wraps the headroom and saturates to max. */
static int bf_fit_signed(int64_t value, int64_t incr, int bits, int owtype, int64_t *out) {
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((UINT64_C(1) << (bits - 1)) - 1), min = -max - 1;
    int64_t up = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t down = (int64_t)((uint64_t)min - (uint64_t)value);
    int dir = 0;
    if (value > max || (bits != 64 && incr > up) || (value >= 0 && incr > 0 && incr > up)) dir = 1;
    else if (value < min || (bits != 64 && incr < down) || (value < 0 && incr < 0 && incr < down)) dir = -1;
    uint64_t sum = (uint64_t)value + (uint64_t)incr;
    if (!dir) {
        *out = (int64_t)sum;
        return 0;
    }
    if (owtype == BF_SAT) *out = dir > 0 ? max : min;
    else *out = bf_sign_extend(sum, bits);
    return 1;
}

/* The same for unsigned fields, given the exact result v (a SET value is taken as
 * its 64-bit pattern, so a negative one is huge and saturates to max). */
static int bf_fit_unsigned(BitWide v, int bits, int owtype, uint64_t *out) {
    uint64_t max = ((uint64_t)1 << bits) - 1;
    if (v >= 0 && v <= (BitWide)max) {
        *out = (uint64_t)v;
        return 0;
    }
    if (owtype == BF_SAT) *out = v > 0 ? max : 0;
    else *out = (uint64_t)v & max;
    return 1;
}

/* Runs one SET/INCRBY on p; replies with the result (nil on FAIL overflow).
 * Returns 1 when the stored field changed (or must count as a change). */
static int bf_exec_write(Client *c, unsigned char *p, size_t len, const BfOp *op, int grown) {
    uint64_t raw_old = bf_get_bits(p, len, op->offset, op->bits), raw_new;
    long long reply;
    int overflow;
    if (op->sign) {
        int64_t old = bf_sign_extend(raw_old, op->bits), nv;
        if (op->opcode == BF_INCRBY) overflow = bf_fit_signed(old, op->value, op->bits, op->owtype, &nv);
        else overflow = bf_fit_signed(op->value, 0, op->bits, op->owtype, &nv);
        reply = op->opcode == BF_INCRBY ? nv : old;
        raw_new = (uint64_t)nv;
    } else {
        uint64_t nv;
        BitWide v = op->opcode == BF_INCRBY ? (BitWide)raw_old + op->value : (BitWide)(uint64_t)op->value;
        overflow = bf_fit_unsigned(v, op->bits, op->owtype, &nv);
        reply = (long long)(op->opcode == BF_INCRBY ? nv : raw_old);
        raw_new = nv;
    }
    if (overflow && op->owtype == BF_FAIL) {
        reply_null(c);
        return 0;
    }
    reply_long(c, reply);
    if (op->bits < 64) raw_new &= ((uint64_t)1 << op->bits) - 1;
    bf_set_bits(p, op->offset, op->bits, raw_new);
    return grown || raw_new != raw_old;
}

static void bf_exec_get(Client *c, const Obj *o, const BfOp *op) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const unsigned char *p = bit_bytes(o, buf, &len);
    uint64_t v = bf_get_bits(p, len, op->offset, op->bits);
    reply_long(c, op->sign ? (long long)bf_sign_extend(v, op->bits) : (long long)v);
}

/* Parses the subcommands into ops (room for argc entries). Returns the count, or
 * -1 after replying with an error. */
static int bf_parse(Client *c, BfOp *ops, int *readonly, uint64_t *maxbit) {
    int n = 0, owtype = BF_WRAP;
    *readonly = 1;
    *maxbit = 0;
    for (int j = 2; j < c->argc; j++) {
        int rem = c->argc - j - 1;
        const char *sub = arg_str(c, j);
        BfOp *op = &ops[n];
        if (!strcasecmp(sub, "get") && rem >= 2) op->opcode = BF_GET;
        else if (!strcasecmp(sub, "set") && rem >= 3) op->opcode = BF_SET;
        else if (!strcasecmp(sub, "incrby") && rem >= 3) op->opcode = BF_INCRBY;
        else if (!strcasecmp(sub, "overflow") && rem >= 1) {
            const char *t = arg_str(c, ++j);
            if (!strcasecmp(t, "wrap")) owtype = BF_WRAP;
            else if (!strcasecmp(t, "sat")) owtype = BF_SAT;
            else if (!strcasecmp(t, "fail")) owtype = BF_FAIL;
            else {
                reply_error(c, "Invalid OVERFLOW type specified");
                return -1;
            }
            continue;
        } else {
            reply_error_syntax(c);
            return -1;
        }
        if (!bf_parse_type(c, j + 1, &op->sign, &op->bits)) return -1;
        if (!bit_parse_offset(c, j + 2, 1, op->bits, &op->offset)) return -1;
        op->value = 0;
        if (op->opcode != BF_GET) {
            long long v;
            *readonly = 0;
            if (op->offset + (uint64_t)op->bits - 1 > *maxbit) *maxbit = op->offset + (uint64_t)op->bits - 1;
            if (!bit_arg_ll(c, j + 3, &v)) return -1;
            op->value = v;
        }
        op->owtype = owtype;
        n++;
        j += op->opcode == BF_GET ? 2 : 3;
    }
    return n;
}

static void bf_generic(Client *c, int ro_command) {
    BfOp *ops = vmalloc(sizeof(BfOp) * (size_t)c->argc);
    int readonly, grown = 0;
    uint64_t maxbit;
    int n = bf_parse(c, ops, &readonly, &maxbit);
    Obj *o = NULL;
    if (n < 0) goto done;
    if (readonly) {
        o = db_lookup_read(c, c->argv[1]);
        if (!bit_check_type(c, o)) goto done;
    } else {
        if (ro_command) {
            reply_error(c, "BITFIELD_RO only supports the GET subcommand");
            goto done;
        }
        if (!(o = bit_lookup_for_write(c, maxbit, &grown))) goto done;
    }
    reply_array_len(c, n);
    long long changes = 0;
    for (int k = 0; k < n; k++) {
        if (ops[k].opcode == BF_GET) bf_exec_get(c, o, &ops[k]);
        else changes += bf_exec_write(c, (unsigned char *)o->ptr, sds_len(o->ptr), &ops[k], grown);
    }
    if (changes) {
        db_changed(c->db, c->argv[1], NOTIFY_STRING, "setbit");
        server.stat.dirty += changes - 1; /* Redis counts each SET/INCRBY */
    }
done:
    vfree(ops);
}

static void bit_bitfield_cmd(Client *c) { bf_generic(c, 0); }
static void bit_bitfield_ro_cmd(Client *c) { bf_generic(c, 1); }

/* ---- command table ---- */

/* BITFIELD only reads its key when every operation is a GET (an OVERFLOW alone
 * does not write); anything else, a syntax error included, counts as a write. */
static int bit_bitfield_key_flags(Obj **argv, int argc, int pos) {
    (void)pos;
    for (int i = 2; i < argc; i++) {
        int rem = argc - i - 1;
        if (arg_is(argv[i], "get") && rem >= 2) i += 2;
        else if (arg_is(argv[i], "overflow") && rem >= 1) i += 1;
        else return KS_RW | KS_ACCESS | KS_UPDATE;
    }
    return KS_RO | KS_ACCESS;
}

static Command bitops_commands[] = {
    {.name = "setbit", .proc = bit_setbit_cmd,
     .args = "key:key offset:integer value:integer",
     .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Sets or clears the bit at offset in the string value stored at key", .since = "2.2.0",
     .complexity = "O(1)", .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_UPDATE, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "getbit", .proc = bit_getbit_cmd,
     .args = "key:key offset:integer",
     .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_BITMAP | ACL_FAST, .group = "bitmap",
     .summary = "Returns the bit value at offset in the string value stored at key", .since = "2.2.0",
     .complexity = "O(1)", .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "bitcount", .proc = bit_bitcount_cmd,
     .args = "key:key [start:integer end:integer [BYTE|BIT]{index_unit @7.0.0}]{index}\n"
     "history 7.0.0 Added the `BYTE|BIT` option.",
     .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_BITMAP | ACL_SLOW, .group = "bitmap", .summary = "Count set bits in a string",
     .since = "2.6.0", .complexity = "O(N)", .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "bitpos", .proc = bit_bitpos_cmd,
     .args = "key:key bit:integer [start:integer [end:integer [BYTE|BIT]{index_unit @7.0.0}]{end_index}]{index}\n"
     "history 7.0.0 Added the `BYTE|BIT` option.",
     .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Find first bit set or clear in a string", .since = "2.8.7", .complexity = "O(N)",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {.name = "bitop", .proc = bit_bitop_cmd,
     .args = "operation:string destkey:key key:key...",
     .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Perform bitwise operations between strings", .since = "2.6.0", .complexity = "O(N)",
     .keyspecs = {KS1(KS_OW | KS_UPDATE, 2, 0, 1), KS1(KS_RO | KS_ACCESS, 3, -1, 1)}, .nkeyspecs = 2},
    {.name = "bitfield", .proc = bit_bitfield_cmd,
     .args = "key:key [(GET encoding:string offset:integer)|([OVERFLOW (WRAP|SAT|FAIL)] ((SET encoding:string offset:integer value:integer)|(INCRBY encoding:string offset:integer increment:integer)){write_operation}){write}]...{operation}\n"
     "keynote 0 This command allows both access and modification of the key",
     .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_BITMAP | ACL_SLOW, .group = "bitmap",
     .summary = "Perform arbitrary bitfield integer operations on strings", .since = "3.2.0",
     .complexity = "O(1) for each subcommand specified",
     .keyspecs = {KS1(KS_RW | KS_ACCESS | KS_UPDATE | KS_VARIABLE_FLAGS, 1, 0, 1)}, .nkeyspecs = 1,
     .key_flags = bit_bitfield_key_flags},
    {.name = "bitfield_ro", .proc = bit_bitfield_ro_cmd,
     .args = "key:key [GET encoding:string offset:integer]...{+}",
     .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_BITMAP | ACL_FAST, .group = "bitmap",
     .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     .since = "6.0.0", .complexity = "O(1) for each subcommand specified",
     .keyspecs = {KS1(KS_RO | KS_ACCESS, 1, 0, 1)}, .nkeyspecs = 1},
    {0},
};

const Module bitops_module = {
    .name = "bitmaps",
    .commands = bitops_commands,
};
