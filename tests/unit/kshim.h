/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel types and helpers that the module's
 * plain-C headers (kmod/format.h) use, so that unit tests can include them.
 */
#ifndef NVF_KSHIM_H
#define NVF_KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t __u8;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef uint32_t __le32;
typedef uint64_t __le64;

#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)

/* The kernel's crc32c(): CRC-32C (Castagnoli, reflected 0x82F63B78)
 * update without pre- or post-inversion.
 */
static inline __u32 crc32c(__u32 crc, const void* data, unsigned int len) {
  const unsigned char* p = (const unsigned char*)data;

  while (len--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return crc;
}

#endif /* NVF_KSHIM_H */
