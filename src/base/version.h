/* version.h - the version strings shared by the server and the tools: Vesper's own
 * version, and the Redis version whose behaviour it reproduces (reported by INFO,
 * HELLO and --version, and checked by clients that gate features on it). */
#ifndef VESPER_VERSION_H
#define VESPER_VERSION_H

#define VESPER_VERSION "7.0.15"       /* the Redis version we are compatible with */
#define VESPER_VERSION_NUM 0x0007000f  /* 7.0.15 as Redis encodes it (0x00MMmmpp) */
#define VESPER_OWN_VERSION "0.1.0"

#endif
