/* check.h - the file checkers: vesper-check-rdb (rdb_check.c) and vesper-check-aof
 * (aof_check.c). Like Redis's redis-check-rdb / redis-check-aof they are modes of
 * the server binary, chosen by the program name (src/app/main.c), so they read
 * files with the server's own loaders; they take the same options, print the same
 * messages and exit with the same codes as Redis 7.0.15's tools.
 *
 * Both read untrusted files: nothing is allocated for a size a file announces
 * before the bytes are there, and no input crashes them. The caller sets up the
 * type descriptors and the default configuration first (main.c). */
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
