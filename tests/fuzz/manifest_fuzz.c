/*
 * tests/fuzz/manifest_fuzz.c — libFuzzer target for the manifest.toml
 * parser (lib/manifest): any text parses or fails with a message, and an
 * accepted manifest obeys the schema's rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/manifest/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    manifest m;
    manifest_error err;
    if (manifest_parse(text, size, &m, &err)) {
        if (!manifest_relative_path_ok(m.entry) || strlen(m.id) < 3 || m.name[0] == 0 ||
            m.path_count > MANIFEST_PATHS_MAX ||
            (m.filesystem == MANIFEST_FS_NONE) != (m.path_count == 0))
            abort();
    } else if (err.message[0] == 0) {
        abort();
    }
    free(text);
    return 0;
}
