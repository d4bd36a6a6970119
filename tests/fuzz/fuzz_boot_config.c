/*
 * tests/fuzz/fuzz_boot_config.c — libFuzzer on the loader's config parser
 * (boot/config.c): any bytes must give either a configuration whose strings
 * are terminated and within bounds, or an error message; never a crash.
 */
#include <stdint.h>
#include <string.h>
#include "loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct boot_config cfg;
    char err[LOADER_ERR_MAX];
    err[0] = 0;
    if (config_parse((const char *)data, size, &cfg, err, sizeof(err)) == 0) {
        if (memchr(cfg.kernel_path, 0, sizeof(cfg.kernel_path)) == NULL ||
            memchr(cfg.cmdline, 0, sizeof(cfg.cmdline)) == NULL || cfg.kernel_path[0] != '\\')
            __builtin_trap();
    } else if (err[0] == 0 || memchr(err, 0, sizeof(err)) == NULL) {
        __builtin_trap();
    }
    return 0;
}
