/*
 * kernel/fs/fat/fat_name.c — FAT names (FATSPEC §6 and §7):
 *   - long names: UTF-16, up to 255 units, not containing " * / : < > ? \ |
 *     or control characters, not ending in a space or a period;
 *   - short names: 8.3 in the OEM code page (CP437 here), upper case, with
 *     the Windows NT "lower case" flags in byte 12 for names like
 *     "readme.txt"; generated as BASE~N.EXT when a long name needs one;
 *   - the checksum that ties long-name entries to their short entry.
 */
#include "fs/fat/fat_internal.h"
#include "fs/unicode.h"
#include "lib/lib.h"

/* CP437 bytes 0x80..0xFF as Unicode. */
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

static bool lfn_char_ok(uint16_t c)
{
    return c >= 0x20 && !strchr("\"*/:<>?\\|", c < 0x80 ? (int)c : 1);
}

int fat_name_to_utf16(const char *name, size_t len, uint16_t *out)
{
    if (len == 0)
        return -EINVAL;
    int n = utf8_to_utf16(name, len, out, FAT_LFN_MAX);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        if (!lfn_char_ok(out[i]))
            return -EINVAL;
    if (out[n - 1] == ' ' || out[n - 1] == '.')
        return -EINVAL;
    return n;
}

/* Characters a short name may hold besides letters and digits (FATSPEC §6.1). */
static bool sfn_special_ok(uint16_t c)
{
    return c < 0x80 && c != 0 && strchr("$%'-_@~`!(){}^#&", (int)c) != NULL;
}

static bool is_lower(uint16_t c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(uint16_t c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(uint16_t c) { return c >= '0' && c <= '9'; }

/* Fill dst[0..width) from src[0..len) upper-cased, padding with spaces;
 * *case_flag gets 1 if all letters are lower case, -1 if mixed, 0 if upper
 * or none. false if a character is not allowed. */
static bool copy_83_part(const uint16_t *src, int len, uint8_t *dst, int width, int *case_flag)
{
    bool lower = false, upper = false;
    for (int i = 0; i < width; i++)
        dst[i] = ' ';
    for (int i = 0; i < len; i++) {
        uint16_t c = src[i];
        if (is_lower(c)) {
            lower = true;
            c = (uint16_t)(c - 32);
        } else if (is_upper(c)) {
            upper = true;
        } else if (!is_digit(c) && !sfn_special_ok(c)) {
            return false;
        }
        dst[i] = (uint8_t)c;
    }
    *case_flag = lower && upper ? -1 : lower ? 1 : 0;
    return true;
}

/* The 8.3 form of name, if it has one; any_case accepts "ReadMe.Txt" too
 * (for lookups, which ignore case). */
static bool to_83(const uint16_t *name, int len, uint8_t sfn[11], uint8_t *nt_flags, bool any_case)
{
    int dot = -1;
    for (int i = 0; i < len; i++) {
        if (name[i] == '.') {
            if (dot >= 0)
                return false;
            dot = i;
        }
    }
    int base_len = dot < 0 ? len : dot;
    int ext_len = dot < 0 ? 0 : len - dot - 1;
    if (base_len < 1 || base_len > 8 || ext_len > 3 || (dot >= 0 && ext_len == 0))
        return false;
    int base_case, ext_case = 0;
    if (!copy_83_part(name, base_len, sfn, 8, &base_case))
        return false;
    if (!copy_83_part(dot < 0 ? name : name + dot + 1, ext_len, sfn + 8, 3, &ext_case))
        return false;
    if (!any_case && (base_case < 0 || ext_case < 0))
        return false;
    *nt_flags = (uint8_t)((base_case > 0 ? FAT_NT_LOWER_BASE : 0) |
                          (ext_case > 0 ? FAT_NT_LOWER_EXT : 0));
    return true;
}

bool fat_name_fits_83(const uint16_t *name, int len, uint8_t sfn[11], uint8_t *nt_flags)
{
    return to_83(name, len, sfn, nt_flags, false);
}

bool fat_name_83_key(const uint16_t *name, int len, uint8_t sfn[11])
{
    uint8_t nt;
    return to_83(name, len, sfn, &nt, true);
}

/* One character of a generated short name: upper case, invalid ones as '_'. */
static uint8_t short_char(uint16_t c)
{
    if (is_lower(c))
        return (uint8_t)(c - 32);
    if (is_upper(c) || is_digit(c) || sfn_special_ok(c))
        return (uint8_t)c;
    return '_';
}

void fat_short_stem(const uint16_t *name, int len, uint8_t base[8], int *base_len, uint8_t ext[3])
{
    int last_dot = -1;
    for (int i = 0; i < len; i++)
        if (name[i] == '.')
            last_dot = i;
    int start = 0;
    while (start < len && (name[start] == '.' || name[start] == ' '))
        start++;
    if (last_dot < start)
        last_dot = -1;
    int end = last_dot >= 0 ? last_dot : len;
    int n = 0;
    for (int i = start; i < end && n < 8; i++) {
        if (name[i] == ' ' || name[i] == '.')
            continue;
        /* A surrogate pair is one character: one '_'. */
        if (name[i] >= 0xDC00 && name[i] <= 0xDFFF)
            continue;
        base[n++] = short_char(name[i]);
    }
    if (n == 0)
        base[n++] = '_';
    *base_len = n;
    memset(ext, ' ', 3);
    int e = 0;
    for (int i = last_dot + 1; last_dot >= 0 && i < len && e < 3; i++) {
        if (name[i] == ' ' || (name[i] >= 0xDC00 && name[i] <= 0xDFFF))
            continue;
        ext[e++] = short_char(name[i]);
    }
}

void fat_short_with_tail(const uint8_t base[8], int base_len, const uint8_t ext[3], uint32_t n,
                         uint8_t sfn[11])
{
    char tail[12];
    int tail_len = snprintf(tail, sizeof tail, "~%u", n);
    int keep = MIN(base_len, 8 - tail_len);
    memset(sfn, ' ', 11);
    memcpy(sfn, base, (size_t)keep);
    memcpy(sfn + keep, tail, (size_t)tail_len);
    memcpy(sfn + 8, ext, 3);
}

uint8_t fat_lfn_checksum(const uint8_t sfn[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sfn[i]);
    return sum;
}

/* Append a CP437 byte as UTF-8; false if it does not fit. */
static bool put_oem(uint8_t c, bool lower, char *out, size_t size, size_t *len)
{
    uint32_t cp = c < 0x80 ? c : cp437_high[c - 0x80];
    if (lower && c >= 'A' && c <= 'Z')
        cp = c + 32;
    char buf[4];
    size_t k = utf8_encode(cp, buf);
    if (*len + k + 1 > size)
        return false;
    memcpy(out + *len, buf, k);
    *len += k;
    return true;
}

int fat_sfn_to_utf8(const uint8_t *entry, char *out, size_t size)
{
    size_t len = 0;
    int base_end = 8, ext_end = 11;
    while (base_end > 0 && entry[base_end - 1] == ' ')
        base_end--;
    while (ext_end > 8 && entry[ext_end - 1] == ' ')
        ext_end--;
    bool lower_base = entry[12] & FAT_NT_LOWER_BASE, lower_ext = entry[12] & FAT_NT_LOWER_EXT;
    for (int i = 0; i < base_end; i++) {
        uint8_t c = (i == 0 && entry[0] == 0x05) ? FAT_DELETED : entry[i];
        if (!put_oem(c, lower_base, out, size, &len))
            return -ENAMETOOLONG;
    }
    if (ext_end > 8) {
        if (len + 2 > size)
            return -ENAMETOOLONG;
        out[len++] = '.';
        for (int i = 8; i < ext_end; i++)
            if (!put_oem(entry[i], lower_ext, out, size, &len))
                return -ENAMETOOLONG;
    }
    out[len] = 0;
    return (int)len;
}

bool fat_name_equal(const uint16_t *a, int alen, const uint16_t *b, int blen)
{
    if (alen != blen)
        return false;
    for (int i = 0; i < alen; i++)
        if (a[i] != b[i] && unicode_upper(a[i]) != unicode_upper(b[i]))
            return false;
    return true;
}
