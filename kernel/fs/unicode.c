/*
 * kernel/fs/unicode.c — UTF-8 / UTF-16 conversion and case folding.
 */
#include "fs/unicode.h"
#include "lib/lib.h"

int utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const uint8_t *s = (const uint8_t *)str;
    if (len == 0)
        return -EILSEQ;
    uint8_t b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    int n;
    uint32_t c, min;
    if ((b & 0xE0) == 0xC0) {
        n = 2; c = b & 0x1F; min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        n = 3; c = b & 0x0F; min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        n = 4; c = b & 0x07; min = 0x10000;
    } else {
        return -EILSEQ;
    }
    if ((size_t)n > len)
        return -EILSEQ;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -EILSEQ;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -EILSEQ;
    *cp = c;
    return n;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    uint8_t *o = (uint8_t *)out;
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

int utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t max)
{
    size_t n = 0;
    while (len > 0) {
        uint32_t cp;
        int used = utf8_decode(s, len, &cp);
        if (used < 0)
            return used;
        s += used;
        len -= (size_t)used;
        if (cp >= 0x10000) {
            if (n + 2 > max)
                return -ENAMETOOLONG;
            cp -= 0x10000;
            out[n++] = (uint16_t)(0xD800 | (cp >> 10));
            out[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            if (n + 1 > max)
                return -ENAMETOOLONG;
            out[n++] = (uint16_t)cp;
        }
    }
    return (int)n;
}

int utf16_to_utf8(const uint16_t *in, size_t n, char *out, size_t size)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = in[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && in[i + 1] >= 0xDC00 && in[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (in[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char buf[4];
        size_t k = utf8_encode(cp, buf);
        if (len + k + 1 > size)
            return -ENAMETOOLONG;
        memcpy(out + len, buf, k);
        len += k;
    }
    if (size == 0)
        return -ENAMETOOLONG;
    out[len] = 0;
    return (int)len;
}

uint32_t unicode_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if (c < 0xE0)
        return c;
    /* Latin-1: à..þ except ÷; ÿ -> Ÿ. */
    if (c <= 0xFE)
        return c == 0xF7 ? c : c - 32;
    if (c == 0xFF)
        return 0x178;
    /* Latin Extended-A: pairs (upper even, lower odd) except the runs that
     * pair odd/even (U+0139..U+0148, U+0179..U+017E). */
    if (c >= 0x100 && c <= 0x17F) {
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c : c - 1;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        return (c & 1) ? c - 1 : c;
    }
    /* Greek: α..ω (except final sigma ς -> Σ). */
    if (c >= 0x3B1 && c <= 0x3C9)
        return c == 0x3C2 ? 0x3A3 : c - 32;
    /* Cyrillic: а..я, ѐ..џ. */
    if (c >= 0x430 && c <= 0x44F)
        return c - 32;
    if (c >= 0x450 && c <= 0x45F)
        return c - 80;
    /* Fullwidth Latin ａ..ｚ. */
    if (c >= 0xFF41 && c <= 0xFF5A)
        return c - 32;
    return c;
}
