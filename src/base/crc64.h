/* crc64.h - CRC-64 with the Jones polynomial (reflected, initial value 0, no final
 * xor): the checksum that ends RDB files and DUMP payloads. crc64(0, "123456789", 9)
 * is 0xe9c6d914c4b8d9ca. */
#ifndef VESPER_CRC64_H
#define VESPER_CRC64_H
#include <stddef.h>
#include <stdint.h>

/* Continues crc over len bytes at p (start with crc = 0). */
uint64_t crc64(uint64_t crc, const void *p, size_t len);

#endif
