/* check.h - the file checkers: vesper-check-rdb (rdb_check.c) and vesper-check-aof
 * (aof_check.c). Like Redis's redis-check-rdb / redis-check-aof they are modes of
 * the server binary, chosen by the program name (src/app/main.c), so they read
 * files with the server's own loaders; they take the same options, print the same
 * messages and exit with the same codes as Redis 7.0.15's tools.
 *
 * Both read untrusted files: nothing is allocated for a size a file announces
 * before the bytes are there, and no input crashes them. The caller sets up the
 * type descriptors and the default configuration first (main.c).
 *
 * Where Redis's tools are laxer than loading, or wrong, these say what loading
 * would (so a file they pass is one the server loads):
 *   - RDB: a key present twice in a database is an error; an empty value is a
 *     note, not "Unexpected EOF"; no "Reading type 0 (string)" line before any key
 *     was read; key names and AUX values are printed with non-printables escaped;
 *     types 7 and 19 are named (module-value-v2, stream-v2); an unknown module
 *     opcode is an error; a file that cannot be opened says why.
 *   - AOF: an argument count below 1 and lengths that are not canonical integers
 *     are errors; an annotation cut by the end of the file is a truncation (--fix
 *     removes it); every error names its reason (Redis's tool prints none for an
 *     end of file inside a header); lines are counted per file and include
 *     annotations (ok_up_to_line); a manifest is recognized by its first line that
 *     is not a comment (Redis's tool takes an AOF with an argument "file..." at a
 *     line start for a manifest); --truncate-to-timestamp inside an unfinished
 *     MULTI cuts before the MULTI; files are opened for writing only to be changed;
 *     a huge announced length is skipped, never allocated (Redis's tool aborts). */
#ifndef VESPER_CHECK_H
#define VESPER_CHECK_H

/* The tools' entry points: the process exit status (0: the file is sane or was
 * fixed, 1: it is not, or the arguments are wrong). Output goes to stdout. */
int rdb_check_main(int argc, char **argv);
int aof_check_main(int argc, char **argv);

/* Checks the RDB that starts at fd's current offset (a file, or an AOF's RDB
 * preamble), printing redis-check-rdb's report under name. Returns 1 when it is
 * sane, with *end (may be NULL) the offset after its checksum, else 0. */
int rdb_check_fd(int fd, const char *name, long long *end);

#endif
