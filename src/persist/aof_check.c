/* aof_check.c - vesper-check-aof: checks (and on request repairs) an append only
 * file as redis-check-aof 7.0.15 does (see check.h):
 *
 *     vesper-check-aof [--fix|--truncate-to-timestamp <ts>] <file.manifest|file.aof>
 *
 * The input is a multi-part AOF's manifest (the base, RDB or commands, and the incr
 * files it lists, in order), or an old single file, commands with or without an
 * RDB preamble. RDB parts are checked by rdb_check_fd. Command parts must be RESP
 * arrays of bulk strings ("*<n>", then "$<len>" and the bytes, every line ending in
 * CRLF) with "#..." annotation lines between commands, MULTI and EXEC balanced.
 * The report names the file, its size, the offset of the last whole command
 * (before an unfinished MULTI) and the line of the problem; --fix truncates the
 * file there after asking (a "y" on stdin), and only the last file may be cut.
 * --truncate-to-timestamp cuts the last file at the first "#TS:<t>" annotation
 * with t past the given time. Exit status 0 when every file is valid (or was
 * fixed), else 1.
 *
 * Beyond Redis's tool (so the checker agrees with what loading accepts):
 * argument counts below 1 and lengths that are not canonical integers are errors,
 * an annotation line cut by the end of the file is a truncation, lines are
 * counted per file and include annotation lines, a timestamp cut inside an
 * unfinished MULTI happens before the MULTI, and the file is opened for writing
 * only when it may be changed. Arguments are skipped in chunks, never allocated
 * at the size a header announces. */
#include "check.h"
#include "aof_manifest.h"
#include "../base/alloc.h"
#include "../base/sds.h"
#include "../base/util.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CHECK_OK, CHECK_EMPTY, CHECK_TRUNCATED, CHECK_TIMESTAMP_TRUNCATED };

#define HEADER_MAX 128           /* "*<n>" / "$<len>" lines, as Redis's tool reads them */
#define ANNOTATION_MAX 1024      /* as loading reads them */
#define MAX_ARGC (1LL << 31)     /* as loading */

static int fix_mode;
static long to_timestamp;
static const char *prog_name;    /* the program's name, for the advice it prints */

/* The current problem: "0x<offset>: <what>", Redis's form. */
static char error_msg[1100];
static long long epos;           /* where the failing read started */
static long long line_no;        /* line being read (1-based, per file) */

static void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_error(const char *fmt, ...) {
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(error_msg, sizeof(error_msg), "0x%16llx: %s", (unsigned long long)epos, why);
}

/* ---- a buffered reader that knows its file offset ---- */

typedef struct Reader {
    int fd;
    long long off;               /* file offset of buf[pos] */
    size_t pos, used;
    int eof, err;
    unsigned char buf[64 * 1024];
} Reader;

static int rd_fill(Reader *rd) {
    if (rd->pos < rd->used) return 1;
    if (rd->eof || rd->err) return 0;
    for (;;) {
        ssize_t n = read(rd->fd, rd->buf, sizeof(rd->buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rd->err = 1;
        else if (n == 0) rd->eof = 1;
        else {
            rd->pos = 0;
            rd->used = (size_t)n;
            return 1;
        }
        return 0;
    }
}

/* The next byte without consuming it; -1 at the end or on an error. */
static int rd_peek(Reader *rd) { return rd_fill(rd) ? rd->buf[rd->pos] : -1; }

/* Reads up to and including '\n', at most cap - 1 bytes, into out (NUL-terminated
 * and zero-filled after). Returns the byte count; *complete when it ends in '\n'. */
static size_t rd_line(Reader *rd, char *out, size_t cap, int *complete) {
    size_t n = 0;
    memset(out, 0, cap);
    *complete = 0;
    while (n + 1 < cap && rd_fill(rd)) {
        char c = (char)rd->buf[rd->pos++];
        rd->off++;
        out[n++] = c;
        if (c == '\n') {
            *complete = 1;
            break;
        }
    }
    return n;
}

/* Consumes up to n bytes; copies the first headcap of them into head and keeps the
 * last two in tail. Returns how many were there. */
static long long rd_skip(Reader *rd, long long n, char *head, size_t headcap, char tail[2]) {
    long long done = 0;
    while (done < n && rd_fill(rd)) {
        size_t k = rd->used - rd->pos;
        if ((long long)k > n - done) k = (size_t)(n - done);
        const unsigned char *p = rd->buf + rd->pos;
        for (size_t i = 0; (long long)i + done < (long long)headcap && i < k; i++) head[done + (long long)i] = (char)p[i];
        if (k >= 2) {
            tail[0] = (char)p[k - 2];
            tail[1] = (char)p[k - 1];
        } else if (k == 1) {
            tail[0] = tail[1];
            tail[1] = (char)p[0];
        }
        rd->pos += k;
        rd->off += (long long)k;
        done += (long long)k;
    }
    return done;
}

/* ---- commands ---- */

/* Reads "<prefix><integer>\r\n". */
static int read_number(Reader *rd, char prefix, long long *v) {
    char buf[HEADER_MAX + 2];
    int complete;
    epos = rd->off;
    size_t n = rd_line(rd, buf, HEADER_MAX, &complete);
    if (rd->err) return 0;
    if (n == 0) {
        set_error("Expected prefix '%c', got: end of file", prefix);
        return 0;
    }
    if (buf[0] != prefix) {
        set_error("Expected prefix '%c', got: '%c'", prefix, buf[0]);
        return 0;
    }
    char *p = buf + 1, *e = p;
    if (*e == '-') e++;
    while (*e >= '0' && *e <= '9') e++;
    if (e == p || !string2ll(p, (size_t)(e - p), v)) {
        set_error("Expected an integer after '%c', got: '%.*s'", prefix, (int)(e - p), p);
        return 0;
    }
    if (e[0] != '\r' || e[1] != '\n') {
        set_error("Expected \\r\\n, got: %02x%02x", (unsigned char)e[0], (unsigned char)e[1]);
        return 0;
    }
    line_no++;
    return 1;
}

/* One command; counts MULTI/EXEC in *multi. 1, or 0 with the error set. */
static int process_resp(Reader *rd, const char *path, int *multi) {
    long long argc;
    if (!read_number(rd, '*', &argc)) return 0;
    if (argc < 1 || argc > MAX_ARGC) {
        set_error("Expected 1 to %lld arguments, got %lld", MAX_ARGC, argc);
        return 0;
    }
    for (long long i = 0; i < argc; i++) {
        long long len;
        if (!read_number(rd, '$', &len)) return 0;
        if (len < 0 || len > LLONG_MAX - 2) {
            set_error("Expected to read string of %lld bytes, which is not in the suitable range", len);
            return 0;
        }
        char head[6] = {0}, tail[2] = {0};
        epos = rd->off;
        long long got = rd_skip(rd, len + 2, head, sizeof(head), tail);
        if (rd->err) return 0;
        if (got != len + 2) {
            set_error("Expected to read %lld bytes, got %lld bytes", len + 2, got);
            return 0;
        }
        if (tail[0] != '\r' || tail[1] != '\n') {
            set_error("Expected \\r\\n, got: %02x%02x", (unsigned char)tail[0], (unsigned char)tail[1]);
            return 0;
        }
        line_no++;
        if (i == 0 && len == 5 && !strncasecmp(head, "multi", 5)) {
            if ((*multi)++) {
                set_error("Unexpected MULTI in AOF %s", path);
                return 0;
            }
        } else if (i == 0 && len == 4 && !strncasecmp(head, "exec", 4)) {
            if (--(*multi)) {
                set_error("Unexpected EXEC in AOF %s", path);
                return 0;
            }
        }
    }
    return 1;
}

/* An annotation line. Returns 1 (go on), 0 (an error is set), or 2 after the file
 * was cut at a timestamp past --truncate-to-timestamp. cut_at: where a cut goes
 * (the annotation, or the start of an unfinished MULTI). */
static int process_annotation(Reader *rd, int fd, const char *path, int last_file, long long cut_at) {
    char buf[ANNOTATION_MAX + 2];
    int complete;
    epos = rd->off;
    size_t n = rd_line(rd, buf, ANNOTATION_MAX, &complete);
    if (rd->err) {
        printf("Failed to read annotations from AOF %s, aborting...\n", path);
        exit(1);
    }
    if (!complete) {
        if (n + 1 >= ANNOTATION_MAX) set_error("Annotation line longer than %d bytes", ANNOTATION_MAX - 1);
        else set_error("Expected \\n, got: end of file (an annotation is cut short)");
        return 0;
    }
    if (to_timestamp && !strncmp(buf, "#TS:", 4)) {
        char *end;
        errno = 0;
        long ts = strtol(buf + 4, &end, 10);
        if (errno != 0 || *end != '\r') {
            printf("Invalid timestamp annotation\n");
            exit(1);
        }
        if (ts > to_timestamp) {
            if (cut_at == 0) {
                printf("AOF %s has nothing before timestamp %ld, aborting...\n", path, to_timestamp);
                exit(1);
            }
            if (!last_file) {
                printf("Failed to truncate AOF %s to timestamp %ld to offset %lld because it is not the last file.\n",
                       path, to_timestamp, cut_at);
                printf("If you insist, please delete all files after this file according to the manifest file and "
                       "delete the corresponding records in manifest file manually. Then re-run %s.\n",
                       prog_name);
                exit(1);
            }
            if (ftruncate(fd, (off_t)cut_at) == -1) {
                printf("Failed to truncate AOF %s to timestamp %ld\n", path, to_timestamp);
                exit(1);
            }
            return 2;
        }
    }
    line_no++;
    return 1;
}

/* Checks one file: an old single AOF, or a base or incr file of a manifest.
 * preamble: the file starts with an RDB. Exits the process when it is not valid
 * (unless fixed) and on fatal errors, as Redis's tool does. */
static int check_file(const char *name, const char *path, int last_file, int preamble) {
    int fd = open(path, (fix_mode || to_timestamp ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd == -1) {
        printf("Cannot open file %s: %s, aborting...\n", path, strerror(errno));
        exit(1);
    }
    struct stat sb;
    if (fstat(fd, &sb) == -1) {
        printf("Cannot stat file: %s, aborting...\n", name);
        exit(1);
    }
    long long size = (long long)sb.st_size;
    if (size == 0) {
        close(fd);
        return CHECK_EMPTY;
    }
    error_msg[0] = '\0';
    epos = 0;
    line_no = 1;
    long long start = 0;
    if (preamble) {
        if (!rdb_check_fd(fd, name, &start)) {
            printf("RDB preamble of AOF file is not sane, aborting.\n");
            exit(1);
        }
        printf("RDB preamble is OK, proceeding with AOF tail...\n");
        if (lseek(fd, (off_t)start, SEEK_SET) == -1) {
            printf("Failed to fseek in AOF %s: %s", name, strerror(errno));
            exit(1);
        }
    }
    Reader *rd = vmalloc(sizeof(*rd));
    memset(rd, 0, offsetof(Reader, buf));
    rd->fd = fd;
    rd->off = start;
    long long pos = start;
    int multi = 0, clean_end = 0;
    for (;;) {
        if (!multi) pos = rd->off;
        int c = rd_peek(rd);
        if (c < 0) {
            if (rd->err) {
                printf("Failed to read from AOF %s, aborting...\n", name);
                exit(1);
            }
            clean_end = 1;
            break;
        }
        if (c == '#') {
            int r = process_annotation(rd, fd, path, last_file, multi ? pos : rd->off);
            if (r == 2) {
                vfree(rd);
                close(fd);
                return CHECK_TIMESTAMP_TRUNCATED;
            }
            if (!r) break;
        } else if (c == '*') {
            if (!process_resp(rd, path, &multi)) {
                if (rd->err) {
                    printf("Failed to read from AOF %s, aborting...\n", name);
                    exit(1);
                }
                break;
            }
        } else {
            printf("AOF %s format error\n", name);
            break;
        }
    }
    if (clean_end && multi && !error_msg[0]) {
        epos = rd->off;
        set_error("Reached EOF before reading EXEC for MULTI");
    }
    vfree(rd);
    if (error_msg[0]) printf("%s\n", error_msg);
    long long diff = size - pos;
    if (diff == 0 && to_timestamp) {
        printf("Truncate nothing in AOF %s to timestamp %ld\n", name, to_timestamp);
        close(fd);
        return CHECK_OK;
    }
    printf("AOF analyzed: filename=%s, size=%lld, ok_up_to=%lld, ok_up_to_line=%lld, diff=%lld\n", name, size, pos,
           line_no, diff);
    if (diff > 0) {
        if (!fix_mode) {
            printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name);
            exit(1);
        }
        if (!last_file) {
            printf("Failed to truncate AOF %s because it is not the last file\n", name);
            exit(1);
        }
        printf("This will shrink the AOF %s from %lld bytes, with %lld bytes, to %lld bytes\n", name, size, diff, pos);
        printf("Continue? [y/N]: ");
        fflush(stdout);
        char answer[2];
        if (!fgets(answer, sizeof(answer), stdin) || strncasecmp(answer, "y", 1) != 0) {
            printf("Aborting...\n");
            exit(1);
        }
        if (ftruncate(fd, (off_t)pos) == -1) {
            printf("Failed to truncate AOF %s\n", name);
            exit(1);
        }
        close(fd);
        return CHECK_TRUNCATED;
    }
    close(fd);
    return CHECK_OK;
}

/* ---- what the input is ---- */

/* Whether a file starts with an RDB header ("REDIS" and room for a version). */
static int file_is_rdb(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        exit(1);
    }
    struct stat sb;
    if (fstat(fd, &sb) == -1) {
        printf("Cannot stat file: %s\n", path);
        exit(1);
    }
    char sig[5];
    int rdb = sb.st_size >= 8 && read(fd, sig, 5) == 5 && !memcmp(sig, "REDIS", 5);
    close(fd);
    return rdb;
}

/* Whether a file is a manifest: its first line that is not a comment starts with
 * "file" (every line of a valid manifest does; an AOF's lines start with '*' or
 * '#', an RDB with "REDIS"). Redis's tool takes any line starting with "file",
 * which misreads an AOF holding the argument "file..." as a manifest. */
static int file_is_manifest(const char *path) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        exit(1);
    }
    int is_manifest = 0, at_line_start = 1, c;
    while ((c = getc(fp)) != EOF) {
        if (at_line_start && c == '#') { /* a comment: skip the line */
            while ((c = getc(fp)) != EOF && c != '\n') {}
            continue;
        }
        if (at_line_start) {
            char rest[3];
            is_manifest = c == 'f' && fread(rest, 1, 3, fp) == 3 && !memcmp(rest, "ile", 3);
            break;
        }
    }
    if (ferror(fp)) {
        printf("Cannot read file: %s\n", path);
        exit(1);
    }
    fclose(fp);
    return is_manifest;
}

static AofManifest *load_manifest(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        printf("Fatal error: can't open the AOF manifest file %s for reading: %s\n", path, strerror(errno));
        exit(1);
    }
    Sds text = sds_empty();
    char buf[16384];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) text = sds_catlen(text, buf, (size_t)n);
    close(fd);
    char err[256];
    int line = 0;
    AofManifest *m = n < 0 ? NULL : aofm_parse(text, sds_len(text), err, sizeof(err), &line);
    if (n < 0) snprintf(err, sizeof(err), "Read AOF manifest failed");
    if (!m) {
        printf("*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if (line) {
            printf("Reading the manifest file %s, at line %d\n", path, line);
            const char *p = text, *end = text + sds_len(text);
            for (int i = 1; i < line && p < end; i++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                p = nl ? nl + 1 : end;
            }
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            Sds bad = sds_newlen(p, (size_t)((nl ? nl : end) - p));
            sds_trim(bad, " \t\r\n");
            printf(">>> '%.1024s'\n", bad);
            sds_free(bad);
        }
        printf("%s\n", err);
        sds_free(text);
        exit(1);
    }
    sds_free(text);
    return m;
}

static void report(const char *kind, const char *name, int ret) {
    if (ret == CHECK_OK) printf("%s%s is valid\n", kind, name);
    else if (ret == CHECK_EMPTY) printf("%s%s is empty\n", kind, name);
    else if (ret == CHECK_TIMESTAMP_TRUNCATED) printf("Successfully truncated AOF %s to timestamp %ld\n", name, to_timestamp);
    else if (ret == CHECK_TRUNCATED) printf("Successfully truncated AOF %s\n", name);
}

static void check_multi_part(const char *dir, const char *manifest_path) {
    printf("Start checking Multi Part AOF\n");
    AofManifest *m = load_manifest(manifest_path);
    int total = (m->base ? 1 : 0) + m->nincr, n = 0;
    if (m->base) {
        Sds path = sds_catprintf(sds_empty(), "%s/%s", dir, m->base->name);
        int rdb = file_is_rdb(path);
        printf("Start to check BASE AOF (%s format).\n", rdb ? "RDB" : "RESP");
        int ret = check_file(m->base->name, path, ++n == total, rdb);
        report("BASE AOF ", m->base->name, ret);
        sds_free(path);
    }
    if (m->nincr) {
        printf("Start to check INCR files.\n");
        for (int i = 0; i < m->nincr; i++) {
            Sds path = sds_catprintf(sds_empty(), "%s/%s", dir, m->incr[i]->name);
            int ret = check_file(m->incr[i]->name, path, ++n == total, 0);
            report("INCR AOF ", m->incr[i]->name, ret);
            sds_free(path);
        }
    }
    aofm_free(m);
    printf("All AOF files and manifest are valid\n");
}

int aof_check_main(int argc, char **argv) {
    const char *path;
    prog_name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (argc == 2) {
        path = argv[1];
    } else if (argc == 3 && !strcmp(argv[1], "--fix")) {
        path = argv[2];
        fix_mode = 1;
    } else if (argc == 4 && !strcmp(argv[1], "--truncate-to-timestamp")) {
        char *end;
        errno = 0;
        to_timestamp = strtol(argv[2], &end, 10);
        if (errno != 0 || *end != '\0') {
            printf("Invalid timestamp, aborting...\n");
            return 1;
        }
        path = argv[3];
    } else {
        printf("Usage: %s [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n", argv[0]);
        return 1;
    }
    char *copy = vstrdup(path);
    Sds dir = sds_new(dirname(copy));
    vfree(copy);
    if (file_is_manifest(path)) {
        check_multi_part(dir, path);
    } else {
        int rdb = file_is_rdb(path);
        printf("Start checking Old-Style AOF\n");
        report("AOF ", path, check_file(path, path, 1, rdb));
    }
    sds_free(dir);
    fflush(stdout);
    return 0;
}
