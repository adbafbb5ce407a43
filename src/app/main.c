/* main.c - command-line entry point of vesper-server: --version, --help, and the
 * redis-server argument convention ([config-file] [--directive value ...]). */
#include "../core/config.h"
#include "../core/server.h"
#include "../base/sds.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv) {
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            printf("Vesper server v=%s (Redis %s compatible) sha=00000000:0 malloc=jemalloc-5.3.0 bits=%d build=0\n",
                   VESPER_OWN_VERSION, VESPER_VERSION, (int)(sizeof(long) * 8));
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage();
    }
    const char *configfile = NULL;
    Sds options = config_args_to_options(argc, argv, &configfile);
    int rc = server_main(argc, argv, configfile, options);
    sds_free(options);
    return rc;
}
