/* main.c - command-line entry point of vesper-server: --version, --help, and the
 * redis-server argument convention ([config-file] [--directive value ...]).
 *
 * Like redis-server, the binary is also its own file checkers, chosen by the
 * program name: vesper-check-rdb / vesper-check-aof (build/ has links by those
 * names) and redis-check-rdb / redis-check-aof (links the Redis test suite makes)
 * run src/persist/check.h's tools instead of the server. */
#include "../core/config.h"
#include "../core/module.h"
#include "../core/server.h"
#include "../base/proctitle.h"
#include "../base/sds.h"
#include "../base/util.h"
#include "../persist/check.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int server_main(int argc, char **argv, const char *configfile, const char *options);

static void usage(void) {
    fprintf(stderr,
            "Usage: ./vesper-server [/path/to/vesper.conf] [options] [-]\n"
            "       ./vesper-server - (read config from stdin)\n"
            "       ./vesper-server -v or --version\n"
            "       ./vesper-server -h or --help\n"
            "\n"
            "Examples:\n"
            "       ./vesper-server (run the server with default conf)\n"
            "       echo 'maxmemory 128mb' | ./vesper-server -\n"
            "       ./vesper-server /etc/redis/6379.conf\n"
            "       ./vesper-server --port 7777\n"
            "       ./vesper-server --port 7777 --replicaof 127.0.0.1 8888\n"
            "       ./vesper-server /etc/myredis.conf --loglevel verbose -\n"
            "       ./vesper-server /etc/myredis.conf --loglevel verbose\n"
            "\n");
    exit(1);
}

/* What the checkers need of the server: the type descriptors (which load values),
 * the default configuration (encoding limits), the clock and a hash seed; server
 * log lines are silenced (the checkers print their own report). */
static void checker_setup(void) {
    uint8_t seed[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd == -1 || read(fd, seed, sizeof(seed)) != (ssize_t)sizeof(seed)) {
        long long t = ustime() ^ getpid();
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &t, 8);
    }
    if (fd != -1) close(fd);
    hash_set_seed(seed);
    server_update_time();
    modules_register(NULL);
    config_init_defaults(&server.cfg);
    server.cfg.verbosity = LL_WARNING + 1;
}

/* The checker a program name asks for: 'r', 'a', or 0 (the server). */
static int checker_mode(const char *argv0) {
    const char *name = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    if (strstr(name, "vesper-check-rdb") || strstr(name, "redis-check-rdb")) return 'r';
    if (strstr(name, "vesper-check-aof") || strstr(name, "redis-check-aof")) return 'a';
    return 0;
}

int main(int argc, char **argv) {
    int mode = argc > 0 ? checker_mode(argv[0]) : 0;
    if (mode) {
        checker_setup();
        return mode == 'r' ? rdb_check_main(argc, argv) : aof_check_main(argc, argv);
    }
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            printf("Vesper server v=%s (Redis %s compatible) sha=00000000:0 malloc=jemalloc-5.3.0 bits=%d build=0\n",
                   VESPER_OWN_VERSION, VESPER_VERSION, (int)(sizeof(long) * 8));
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage();
    }
    argv = proctitle_init(argc, argv); /* the original strings become the title's room */
    const char *configfile = NULL;
    Sds options = config_args_to_options(argc, argv, &configfile);
    int rc = server_main(argc, argv, configfile, options);
    sds_free(options);
    return rc;
}
