/*
 * tests/fuzz/zip_fuzz.c — libFuzzer target for lib/zip and lib/pkg: open
 * the input as an archive and as a .kpioapp package, extract and verify
 * everything; nothing may read or write outside the buffers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/pkg/pkg.h"
#include "../../lib/zip/zip.h"

static bool count_files(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    if (!manifest_relative_path_ok(name[0] ? name : "x"))
        abort();   /* pkg_open must have refused unsafe names */
    (*(int *)ctx)++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes, so ASan sees any read past the end */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    zip_archive z;
    zip_limits limits = { .max_entry_size = 1 << 20, .max_total_size = 4 << 20 };
    if (zip_open(&z, copy, size, &limits) == ZIP_OK) {
        zip_entry e;
        for (zip_iter_begin(&z, &e); zip_iter_next(&z, &e);) {
            uint8_t *out = malloc(e.size ? e.size : 1);
            zip_extract(&z, &e, out, e.size);
            free(out);
        }
    }

    static pkg p;
    pkg_limits plimits = { .zip = limits };
    if (pkg_open(&p, copy, size, &plimits) == PKG_OK) {
        size_t cap = p.zip.largest_entry ? p.zip.largest_entry : 1;
        uint8_t *scratch = malloc(cap);
        if (pkg_verify(&p, scratch, cap, NULL, NULL) == PKG_OK) {
            int files = 0;
            if (pkg_for_each_file(&p, scratch, cap, count_files, &files) != PKG_OK ||
                (uint32_t)files != p.file_count)
                abort();
        }
        free(scratch);
    }
    free(copy);
    return 0;
}
