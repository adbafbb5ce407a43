/* rdb_check.c - vesper-check-rdb: reads an RDB file from end to end and says
 * whether it is sane, in redis-check-rdb 7.0.15's words (see check.h).
 *
 * Output: "[offset N] ..." progress lines (the file being checked, every AUX field,
 * every SELECTDB, the checksum verdict), then "\o/ RDB looks OK! \o/" or the block
 * "--- RDB ERROR DETECTED ---" with the reason at the offset where reading stopped,
 * what was being done, the key and its type; both end with the key counts. Exit
 * status 0 or 1.
 *
 * Every value is read by its type's descriptor (rdb_load_typed_value: the same
 * code and the same deep validation as loading) and freed at once, so memory stays
 * at one value. Types no descriptor loads yet (lists, streams, module values) are
 * walked here by the format and their encoded blobs validated (ziplist, listpack),
 * so files written by Redis can be checked too. Beyond Redis's tool, a key present
 * twice in a database is an error (loading refuses it; the key names are kept for
 * that, about 40 bytes a key plus the name), an empty value is reported as a note
 * (loading skips it), and key names and AUX values are printed with non-printable
 * bytes escaped. */
#include "check.h"
#include "rdb.h"
#include "../base/alloc.h"
#include "../base/util.h"
#include "../base/version.h"
#include "../core/obj.h"
#include "../core/server.h"
#include "../ds/listpack.h"
#include "../ds/strset.h"
#include "../ds/ziplist.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX_LEN ((size_t)512 * 1024 * 1024)   /* as loading */

/* What the checker was doing when it stopped (Redis's names). */
enum { DOING_START, DOING_READ_TYPE, DOING_READ_EXPIRE, DOING_READ_KEY, DOING_READ_VALUE, DOING_CHECK_SUM,
       DOING_READ_LEN, DOING_READ_AUX, DOING_READ_MODULE_AUX, DOING_READ_FUNCTIONS };
static const char *const doing_names[] = {"start", "read-type", "read-expire", "read-key", "read-object-value",
                                          "check-sum", "read-len", "read-aux", "read-module-aux", "read-functions"};

static const char *type_name(int t) {
    static const char *const names[] = {"string", "list-linked", "set-hashtable", "zset-v1", "hash-hashtable",
                                        "zset-v2", "module-value", "module-value-v2", "", "hash-zipmap",
                                        "list-ziplist", "set-intset", "zset-ziplist", "hash-ziplist", "quicklist",
                                        "stream", "hash-listpack", "zset-listpack", "quicklist-v2", "stream-v2"};
    return t >= 0 && t < (int)(sizeof(names) / sizeof(names[0])) && names[t][0] ? names[t] : "unknown";
}

static struct {
    Rio *r;                    /* the stream being read (offsets), NULL before */
    int doing;
    Sds key;                   /* the key whose value is being read */
    int key_type;              /* its type, -1 when not reading a key */
    unsigned long keys, expires, already_expired, empty;
} st;

static unsigned long long offset_now(void) { return st.r ? (unsigned long long)rio_tell(st.r) : 0; }

/* Prints len bytes, escaping what is not printable, at most 256 of them. */
static void print_bytes(const char *p, size_t len) {
    size_t n = len > 256 ? 256 : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 32 && c < 127 && c != '\\') putchar(c);
        else if (c == '\\') fputs("\\\\", stdout);
        else printf("\\x%02x", c);
    }
    if (n < len) printf("...(%zu more bytes)", len - n);
}

static void show_counts(void) {
    printf("[info] %lu keys read\n", st.keys);
    printf("[info] %lu expires\n", st.expires);
    printf("[info] %lu already expired\n", st.already_expired);
}

static void check_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void check_info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("[offset %llu] ", offset_now());
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

static void check_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void check_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("--- RDB ERROR DETECTED ---\n[offset %llu] ", offset_now());
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    printf("[additional info] While doing: %s\n", doing_names[st.doing]);
    if (st.key) {
        fputs("[additional info] Reading key '", stdout);
        print_bytes(st.key, sds_len(st.key));
        fputs("'\n", stdout);
    }
    if (st.key_type != -1)
        printf("[additional info] Reading type %d (%s)\n", st.key_type, type_name(st.key_type));
    show_counts();
}

/* A read that failed: the end of the data, or the reason the reader gave. */
static void read_error(Rio *r, const RdbErr *e) {
    if (r->eof || !e->msg[0]) check_error("Unexpected EOF reading RDB file");
    else check_error("%s", e->msg);
}

/* ---- a crash while checking (a bug, never the file's fault) still reports ---- */

static char *fmt_ull(char *p, unsigned long long v) {
    char tmp[24];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) *p++ = tmp[--n];
    return p;
}

static void crash_handler(int sig) {
    char buf[160], *p = buf;
    static const char head[] = "--- RDB ERROR DETECTED ---\n[offset ";
    static const char tail[] = "] Server crash checking the specified RDB file!\n";
    memcpy(p, head, sizeof(head) - 1);
    p = fmt_ull(p + sizeof(head) - 1, offset_now());
    memcpy(p, tail, sizeof(tail) - 1);
    p += sizeof(tail) - 1;
    fflush(stdout);
    ssize_t w = write(STDOUT_FILENO, buf, (size_t)(p - buf));
    (void)w;
    (void)sig;
    _exit(1);
}

static void setup_signals(void) {
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_NODEFER | SA_RESETHAND;
    act.sa_handler = crash_handler;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction old;
        /* a handler already there (a sanitizer's runtime) keeps its report */
        if (sigaction(sigs[i], NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
            sigaction(sigs[i], &act, NULL);
    }
}

/* ---- values no type descriptor loads yet: walked by the format ---- */

static int bad(RdbErr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(RdbErr *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return 0;
}

static int len_of(Rio *r, uint64_t *n, RdbErr *e) { return rdb_load_len(r, n, NULL, e); }

static int skip_string(Rio *r, RdbErr *e) {
    Sds s = rdb_load_string(r, RDB_STRING_MAX, e);
    if (!s) return 0;
    sds_free(s);
    return 1;
}

static int skip_bytes(Rio *r, size_t n, RdbErr *e) { return rdb_skip(r, n, e); }

/* A ziplist blob (deeply validated); *count gets its entries. */
static int check_ziplist(Rio *r, const char *what, size_t *count, RdbErr *e) {
    size_t len;
    unsigned char *zl = rdb_load_blob(r, RDB_STRING_MAX, &len, e);
    if (!zl) return 0;
    int ok = zl_validate(zl, len, 1, count);
    vfree(zl);
    return ok ? 1 : bad(e, "%s integrity check failed.", what);
}

/* A listpack blob (deeply validated); *count gets its entries. */
static int check_listpack(Rio *r, const char *what, unsigned long *count, RdbErr *e) {
    size_t len;
    unsigned char *lp = rdb_load_blob(r, RDB_STRING_MAX, &len, e);
    if (!lp) return 0;
    int ok = lp_validate_integrity(lp, len, 1, NULL, NULL);
    if (ok) *count = lp_length(lp);
    vfree(lp);
    return ok ? 1 : bad(e, "%s integrity check failed.", what);
}

static int check_list(Rio *r, int type, int *empty, RdbErr *e) {
    uint64_t n, container;
    size_t zlcount;
    unsigned long entries = 0;
    if (type == RDB_TYPE_LIST_ZIPLIST) {
        if (!check_ziplist(r, "List ziplist", &zlcount, e)) return 0;
        *empty = zlcount == 0;
        return 1;
    }
    if (!len_of(r, &n, e)) return 0;
    if (n == 0) {
        *empty = 1;
        return 1;
    }
    for (; n; n--) {
        if (type == RDB_TYPE_LIST) {
            if (!skip_string(r, e)) return 0;
            entries++;
        } else if (type == RDB_TYPE_LIST_QUICKLIST) {
            if (!check_ziplist(r, "Ziplist", &zlcount, e)) return 0;
            entries += zlcount;
        } else {
            unsigned long count;
            if (!len_of(r, &container, e)) return 0;
            if (container == 1) { /* a plain node: one element */
                if (!skip_string(r, e)) return 0;
                entries++;
            } else if (container == 2) {
                if (!check_listpack(r, "Listpack", &count, e)) return 0;
                entries += count;
            } else {
                return bad(e, "Quicklist integrity check failed.");
            }
        }
    }
    *empty = entries == 0;
    return 1;
}

static int check_stream(Rio *r, int type, RdbErr *e) {
    int v2 = type == RDB_TYPE_STREAM_LISTPACKS_2;
    uint64_t n, v;
    if (!len_of(r, &n, e)) return 0;
    for (; n; n--) {
        Sds nodekey = rdb_load_string(r, RDB_STRING_MAX, e);
        if (!nodekey) return 0;
        size_t klen = sds_len(nodekey);
        sds_free(nodekey);
        if (klen != 16) return bad(e, "Stream node key entry is not the size of a stream ID");
        unsigned long count;
        if (!check_listpack(r, "Stream listpack", &count, e)) return 0;
        if (count == 0) return bad(e, "Empty listpack inside stream");
    }
    /* length, last id; v2: first id, max deleted id, entries added */
    for (int i = 0; i < (v2 ? 8 : 3); i++)
        if (!len_of(r, &v, e)) return 0;
    uint64_t groups;
    if (!len_of(r, &groups, e)) return 0;
    for (; groups; groups--) {
        if (!skip_string(r, e)) return 0;            /* the group's name */
        for (int i = 0; i < (v2 ? 3 : 2); i++)       /* last id; v2: entries read */
            if (!len_of(r, &v, e)) return 0;
        uint64_t pel, consumers;
        long long ms;
        if (!len_of(r, &pel, e)) return 0;
        for (; pel; pel--) /* id, delivery time, delivery count */
            if (!skip_bytes(r, 16, e) || !rdb_load_millis(r, &ms, e) || !len_of(r, &v, e)) return 0;
        if (!len_of(r, &consumers, e)) return 0;
        for (; consumers; consumers--) {
            if (!skip_string(r, e) || !rdb_load_millis(r, &ms, e) || !len_of(r, &pel, e)) return 0;
            for (; pel; pel--)
                if (!skip_bytes(r, 16, e)) return 0;
        }
    }
    return 1;
}

/* Redis's 9-character name of a module type from its id. */
static void module_name(uint64_t id, char name[10]) {
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    name[9] = '\0';
    id >>= 10;
    for (int j = 8; j >= 0; j--) {
        name[j] = cset[id & 63];
        id >>= 6;
    }
}

/* A module value's typed items up to their EOF opcode. */
static int check_module_items(Rio *r, const char *name, RdbErr *e) {
    for (;;) {
        uint64_t op, v;
        if (!len_of(r, &op, e)) return 0;
        switch (op) {
        case 0: return 1;                                        /* EOF */
        case 1: case 2:                                          /* signed, unsigned */
            if (!len_of(r, &v, e)) return bad(e, "Error reading integer from module %s value", name);
            break;
        case 3:                                                  /* float */
            if (!skip_bytes(r, 4, e)) return bad(e, "Error reading float from module %s value", name);
            break;
        case 4:                                                  /* double */
            if (!skip_bytes(r, 8, e)) return bad(e, "Error reading double from module %s value", name);
            break;
        case 5:                                                  /* string */
            if (!skip_string(r, e)) return bad(e, "Error reading string from module %s value", name);
            break;
        default:
            return bad(e, "Unknown opcode %llu in module %s value", (unsigned long long)op, name);
        }
    }
}

static int check_module_value(Rio *r, int type, RdbErr *e) {
    uint64_t id;
    char name[10];
    if (!len_of(r, &id, e)) return 0;
    module_name(id, name);
    if (type == RDB_TYPE_MODULE)
        return bad(e, "The RDB file contains module data I can't load: no matching module type '%s'", name);
    return check_module_items(r, name, e);
}

/* Reads one value of an RDB type: 1 (with *empty set for a well-formed empty
 * value), or 0 with e. */
static int check_value(Rio *r, int type, int *empty, RdbErr *e) {
    int known;
    *empty = 0;
    /* Module values are checked by their opcodes only, whatever module type they
     * are (bloom's included), as Redis's checker does for RDB_TYPE_MODULE_2. */
    if (type == RDB_TYPE_MODULE_2) return check_module_value(r, type, e);
    Obj *o = rdb_load_typed_value(r, type, &known, e);
    if (o) {
        obj_decr(o);
        return 1;
    }
    if (known) {
        if (!e->empty) return 0;
        *empty = 1;
        return 1;
    }
    e->msg[0] = '\0';
    switch (type) {
    case RDB_TYPE_LIST: case RDB_TYPE_LIST_ZIPLIST: case RDB_TYPE_LIST_QUICKLIST: case RDB_TYPE_LIST_QUICKLIST_2:
        return check_list(r, type, empty, e);
    case RDB_TYPE_STREAM_LISTPACKS: case RDB_TYPE_STREAM_LISTPACKS_2:
        return check_stream(r, type, e);
    case RDB_TYPE_MODULE: case RDB_TYPE_MODULE_2:
        return check_module_value(r, type, e);
    default:
        return bad(e, "Unknown RDB encoding type %d", type);
    }
}

static int is_object_type(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t <= 19); }

/* Function libraries: FUNCTION2 is one payload string; the pre-GA FUNCTION has the
 * name, the engine, an optional description and the code. */
static int check_function(Rio *r, int type, RdbErr *e) {
    if (type == RDB_OPCODE_FUNCTION2) return skip_string(r, e) ? 1 : bad(e, "Failed loading library payload");
    uint64_t has_desc;
    if (!skip_string(r, e)) return bad(e, "Failed loading library name");
    if (!skip_string(r, e)) return bad(e, "Failed loading engine name");
    if (!len_of(r, &has_desc, e)) return bad(e, "Failed loading library description indicator");
    if (has_desc && !skip_string(r, e)) return bad(e, "Failed loading library description");
    if (!skip_string(r, e)) return bad(e, "Failed loading library blob");
    return 1;
}

/* The key names seen per database, for duplicates: the database id's 8 bytes, then
 * the name. */
static int seen_before(Strset *seen, uint64_t db, const Sds key) {
    Sds k = sds_newlen(&db, sizeof(db));
    k = sds_catlen(k, key, sds_len(key));
    int added = strset_add(seen, k, sds_len(k));
    sds_free(k);
    return !added;
}

/* The check proper: 1 when sane, 0 after printing the error. */
static int check_rdb(Rio *r, Strset *seen) {
    char buf[10];
    RdbErr e = {{0}};
    long long now = server.mstime, expire = -1;
    uint64_t db = 0, n1, n2;
    st.r = r;
    st.doing = DOING_START;
    rio_checksum_start(r);
    if (!rio_read(r, buf, 9)) return read_error(r, &e), 0;
    buf[9] = '\0';
    if (memcmp(buf, "REDIS", 5) != 0) return check_error("Wrong signature trying to load DB from file"), 0;
    int version = atoi(buf + 5);
    if (version < 1 || version > RDB_VERSION) return check_error("Can't handle RDB format version %d", version), 0;
    for (;;) {
        memset(&e, 0, sizeof(e));
        st.doing = DOING_READ_TYPE;
        int type = rdb_load_type(r, &e);
        if (type < 0) return read_error(r, &e), 0;
        if (type == RDB_OPCODE_EXPIRETIME || type == RDB_OPCODE_EXPIRETIME_MS) {
            st.doing = DOING_READ_EXPIRE;
            long long secs;
            int ok = type == RDB_OPCODE_EXPIRETIME ? rdb_load_seconds(r, &secs, &e) : rdb_load_millis(r, &expire, &e);
            if (!ok) return read_error(r, &e), 0;
            if (type == RDB_OPCODE_EXPIRETIME) expire = secs * 1000;
            continue;
        }
        if (type == RDB_OPCODE_FREQ) {
            unsigned char f;
            if (!rio_read(r, &f, 1)) return read_error(r, &e), 0;
            continue;
        }
        if (type == RDB_OPCODE_IDLE) {
            if (!len_of(r, &n1, &e)) return read_error(r, &e), 0;
            continue;
        }
        if (type == RDB_OPCODE_EOF) break;
        if (type == RDB_OPCODE_SELECTDB) {
            st.doing = DOING_READ_LEN;
            if (!len_of(r, &db, &e)) return read_error(r, &e), 0;
            check_info("Selecting DB ID %llu", (unsigned long long)db);
            continue;
        }
        if (type == RDB_OPCODE_RESIZEDB) {
            st.doing = DOING_READ_LEN;
            if (!len_of(r, &n1, &e) || !len_of(r, &n2, &e)) return read_error(r, &e), 0;
            continue;
        }
        if (type == RDB_OPCODE_AUX) {
            st.doing = DOING_READ_AUX;
            Sds k = rdb_load_string(r, RDB_STRING_MAX, &e), v = k ? rdb_load_string(r, RDB_STRING_MAX, &e) : NULL;
            if (!v) {
                sds_free(k);
                return read_error(r, &e), 0;
            }
            printf("[offset %llu] AUX FIELD ", offset_now());
            print_bytes(k, sds_len(k));
            fputs(" = '", stdout);
            print_bytes(v, sds_len(v));
            fputs("'\n", stdout);
            sds_free(k);
            sds_free(v);
            continue;
        }
        if (type == RDB_OPCODE_MODULE_AUX) {
            uint64_t id, when_op, when;
            char name[10];
            st.doing = DOING_READ_MODULE_AUX;
            if (!len_of(r, &id, &e) || !len_of(r, &when_op, &e) || !len_of(r, &when, &e)) return read_error(r, &e), 0;
            if (when_op != 2) return check_error("bad when_opcode"), 0;
            module_name(id, name);
            check_info("MODULE AUX for: %s", name);
            if (!check_module_items(r, name, &e)) return read_error(r, &e), 0;
            continue;
        }
        if (type == RDB_OPCODE_FUNCTION || type == RDB_OPCODE_FUNCTION2) {
            st.doing = DOING_READ_FUNCTIONS;
            if (!check_function(r, type, &e)) {
                check_error("Failed loading library, %s", r->eof ? "unexpected end of file" : e.msg);
                return 0;
            }
            continue;
        }
        if (!is_object_type(type)) return check_error("Invalid object type: %d", type), 0;
        st.key_type = type;
        st.doing = DOING_READ_KEY;
        Sds key = rdb_load_string(r, KEY_MAX_LEN, &e);
        if (!key) return read_error(r, &e), 0;
        st.key = key;
        st.keys++;
        st.doing = DOING_READ_VALUE;
        int empty;
        if (!check_value(r, type, &empty, &e)) return read_error(r, &e), 0;
        if (expire != -1) {
            st.expires++;
            if (expire < now) st.already_expired++;
        }
        if (empty) {
            st.empty++;
            printf("[offset %llu] Empty value for key '", offset_now());
            print_bytes(key, sds_len(key));
            printf("' (type %d): skipped when loading\n", type);
        } else if (seen_before(seen, db, key)) {
            check_error("RDB has duplicated key in DB %llu", (unsigned long long)db);
            return 0;
        }
        st.key = NULL;
        sds_free(key);
        st.key_type = -1;
        expire = -1;
    }
    if (version >= 5 && rdb_checksum) {
        uint64_t expected = rio_checksum(r);
        unsigned char b[8];
        st.doing = DOING_CHECK_SUM;
        if (!rio_read(r, b, 8)) return read_error(r, &e), 0;
        uint64_t got = 0;
        for (int i = 7; i >= 0; i--) got = (got << 8) | b[i];
        if (got == 0) {
            check_info("RDB file was saved with checksum disabled: no check performed.");
        } else if (got != expected) {
            check_error("RDB CRC error");
            return 0;
        } else {
            check_info("Checksum OK");
        }
    }
    return 1;
}

int rdb_check_fd(int fd, const char *name, long long *end) {
    memset(&st, 0, sizeof(st));
    st.key_type = -1;
    check_info("Checking RDB file %s", name);
    setup_signals();
    Rio r;
    rio_init_fd(&r, fd, 0, 0);
    Strset *seen = strset_create();
    int ok = check_rdb(&r, seen);
    if (ok) {
        check_info("\\o/ RDB looks OK! \\o/");
        show_counts();
        if (end) *end = (long long)rio_tell(&r);
    }
    st.r = NULL;
    sds_free(st.key);
    st.key = NULL;
    strset_free(seen);
    rio_close(&r);
    fflush(stdout);
    return ok;
}

int rdb_check_main(int argc, char **argv) {
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (argc != 2) {
        fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
        return 1;
    }
    if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
        printf("%s %s (Vesper %s)\n", prog, VESPER_VERSION, VESPER_OWN_VERSION);
        return 0;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        memset(&st, 0, sizeof(st));
        check_info("Checking RDB file %s", argv[1]);
        printf("--- RDB ERROR DETECTED ---\n[offset 0] Cannot open file %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    int ok = rdb_check_fd(fd, argv[1], NULL);
    close(fd);
    return ok ? 0 : 1;
}
