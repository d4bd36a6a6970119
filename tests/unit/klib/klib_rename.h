/*
 * tests/unit/klib/klib_rename.h — forced into the kernel/lib sources (and the tests
 * of them) when they are built for the host: the kernel's functions get a
 * klib_ prefix, so the tests can call both them and glibc's (the oracle)
 * without the two colliding.
 */
#ifndef KLIB_RENAME_H
#define KLIB_RENAME_H

#define memcpy   klib_memcpy
#define memmove  klib_memmove
#define memset   klib_memset
#define memcmp   klib_memcmp
#define memchr   klib_memchr
#define strlen   klib_strlen
#define strnlen  klib_strnlen
#define strcmp   klib_strcmp
#define strncmp  klib_strncmp
#define strchr   klib_strchr
#define strrchr  klib_strrchr
#define strlcpy  klib_strlcpy
#define strtoull klib_strtoull
#define vsnprintf klib_vsnprintf
#define snprintf  klib_snprintf

#endif
