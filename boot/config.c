/*
 * boot/config.c — the loader's configuration file, \EFI\KPIO\KPIO.CFG:
 *
 *     # comment
 *     kernel = \EFI\KPIO\KERNEL.ELF          (optional; this is the default)
 *     kernel_sha256 = <64 hex digits>        (required; written by the build)
 *     cmdline = test=all console=serial      (optional; rest of the line)
 *
 * One "key = value" per line; spaces around '=' and at line ends are ignored.
 * Anything unexpected is an error with its line number: a typo must never
 * boot a kernel with a silently different configuration.
 */
#include "loader.h"
#include "lib/lib.h"

#define DEFAULT_KERNEL_PATH "\\EFI\\KPIO\\KERNEL.ELF"

static int fail(char *err, size_t err_size, unsigned line, const char *what, const char *key)
{
    if (key)
        snprintf(err, err_size, "line %u: %s '%s'", line, what, key);
    else
        snprintf(err, err_size, "line %u: %s", line, what);
    return -1;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parse exactly 64 hex digits into 32 bytes; returns false otherwise. */
static bool parse_sha256(const char *v, size_t n, uint8_t out[32])
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < 32; i++) {
        int hi = hex_value(v[2 * i]), lo = hex_value(v[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

int config_parse(const char *text, size_t len, struct boot_config *cfg, char *err,
                 size_t err_size)
{
    bool have_sha = false, have_kernel = false, have_cmdline = false;
    unsigned line_no = 0;
    size_t pos = 0;

    memset(cfg, 0, sizeof(*cfg));
    strlcpy(cfg->kernel_path, DEFAULT_KERNEL_PATH, sizeof(cfg->kernel_path));
    if (len > CONFIG_MAX_SIZE) {
        snprintf(err, err_size, "config file too large (%u bytes, at most %u)",
                 (unsigned)len, CONFIG_MAX_SIZE);
        return -1;
    }

    while (pos < len) {
        size_t start = pos, end;
        line_no++;
        while (pos < len && text[pos] != '\n')
            pos++;
        end = pos;
        pos++;                                      /* skip the '\n' */
        if (end > start && text[end - 1] == '\r')   /* accept CRLF files */
            end--;
        for (size_t i = start; i < end; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c < 0x20 ? c != '\t' : c > 0x7e)
                return fail(err, err_size, line_no, "non-printable character", NULL);
        }
        while (start < end && is_space(text[start]))
            start++;
        while (end > start && is_space(text[end - 1]))
            end--;
        if (start == end || text[start] == '#')
            continue;

        /* key = value */
        size_t eq = start;
        while (eq < end && text[eq] != '=')
            eq++;
        if (eq == end)
            return fail(err, err_size, line_no, "expected key = value", NULL);
        size_t key_end = eq, value = eq + 1;
        while (key_end > start && is_space(text[key_end - 1]))
            key_end--;
        while (value < end && is_space(text[value]))
            value++;
        size_t key_len = key_end - start, value_len = end - value;
        char key[24];
        if (key_len == 0)
            return fail(err, err_size, line_no, "missing key before '='", NULL);
        if (key_len >= sizeof(key))
            return fail(err, err_size, line_no, "key too long", NULL);
        memcpy(key, text + start, key_len);
        key[key_len] = 0;

        if (strcmp(key, "kernel") == 0) {
            if (have_kernel)
                return fail(err, err_size, line_no, "duplicate key", key);
            if (value_len == 0 || text[value] != '\\')
                return fail(err, err_size, line_no, "kernel path must start with '\\'", NULL);
            if (value_len >= sizeof(cfg->kernel_path))
                return fail(err, err_size, line_no, "kernel path too long", NULL);
            memcpy(cfg->kernel_path, text + value, value_len);
            cfg->kernel_path[value_len] = 0;
            have_kernel = true;
        } else if (strcmp(key, "kernel_sha256") == 0) {
            if (have_sha)
                return fail(err, err_size, line_no, "duplicate key", key);
            if (!parse_sha256(text + value, value_len, cfg->kernel_sha256))
                return fail(err, err_size, line_no, "kernel_sha256 needs 64 hex digits", NULL);
            have_sha = true;
        } else if (strcmp(key, "cmdline") == 0) {
            if (have_cmdline)
                return fail(err, err_size, line_no, "duplicate key", key);
            if (value_len >= sizeof(cfg->cmdline))
                return fail(err, err_size, line_no, "cmdline too long", NULL);
            memcpy(cfg->cmdline, text + value, value_len);
            cfg->cmdline[value_len] = 0;
            have_cmdline = true;
        } else {
            return fail(err, err_size, line_no, "unknown key", key);
        }
    }
    if (!have_sha) {
        snprintf(err, err_size, "no kernel_sha256 line: the kernel cannot be verified");
        return -1;
    }
    return 0;
}
