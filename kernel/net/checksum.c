/*
 * kernel/net/checksum.c — the Internet checksum (RFC 1071): the 16-bit one's
 * complement of the one's complement sum of the data as big-endian words.
 */
#include "net/netpriv.h"

/* Adds the bytes as big-endian 16-bit words to sum (a trailing odd byte is
 * padded with zero). Returns the unfolded 32-bit sum. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = sum;

    /* Four bytes at a time; the carries collect in the upper half of acc. */
    while (len >= 4) {
        acc += (uint32_t)p[0] << 8 | p[1];
        acc += (uint32_t)p[2] << 8 | p[3];
        p += 4;
        len -= 4;
    }
    while (len >= 2) {
        acc += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)p[0] << 8;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    /* Keep the result small enough that callers can keep adding. */
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

/* Folds the carries into 16 bits and returns the complement, ready to store. */
uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The pseudo-header of RFC 9293 §3.1 / RFC 768: addresses, protocol, length. */
uint32_t csum_pseudo(ip4_addr_t src, ip4_addr_t dst, uint8_t proto, uint16_t len)
{
    uint32_t sum = 0;
    sum += src >> 16;
    sum += src & 0xffff;
    sum += dst >> 16;
    sum += dst & 0xffff;
    sum += proto;
    sum += len;
    return sum;
}
