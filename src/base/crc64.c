/* crc64.c - CRC-64/Jones, table driven, eight bytes a step (slicing-by-8).
 *
 * The polynomial 0xad93d23594c935a9 is used reflected (0x95ac9329ac4bc9b5). The
 * eight 256-entry tables are built once, on first use (thread-safe via
 * pthread_once), so RDB saving in a child or on another thread needs no setup.
 * Costs: about a cycle per byte after the 16 KB of tables are built. */
#include "crc64.h"
#include <pthread.h>
#include <string.h>

#define CRC64_REFLECTED_POLY 0x95ac9329ac4bc9b5ULL

static uint64_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        uint64_t c = (uint64_t)n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ CRC64_REFLECTED_POLY : c >> 1;
        table[0][n] = c;
    }
    for (int n = 0; n < 256; n++) {
        uint64_t c = table[0][n];
        for (int k = 1; k < 8; k++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[k][n] = c;
        }
    }
}

uint64_t crc64(uint64_t crc, const void *p, size_t len) {
    pthread_once(&table_once, build_tables);
    const unsigned char *s = p;
    while (len && ((uintptr_t)s & 7)) {
        crc = table[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8); /* little-endian machines: the bytes in stream order */
        crc ^= w;
        crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^ table[5][(crc >> 16) & 0xff] ^
              table[4][(crc >> 24) & 0xff] ^ table[3][(crc >> 32) & 0xff] ^ table[2][(crc >> 40) & 0xff] ^
              table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
        s += 8;
        len -= 8;
    }
    while (len--) crc = table[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
    return crc;
}
