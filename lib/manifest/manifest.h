/*
 * lib/manifest/manifest.h — the manifest.toml of a .kpioapp package.
 *
 *   id          = "org.kpio.hello"     # reverse-DNS, lower case, 3..63 bytes
 *   name        = "Hello"              # shown to users, 1..63 bytes
 *   version     = "1.0.0"              # MAJOR.MINOR.PATCH[-pre]
 *   entry       = "hello.wasm"         # module in the package to run
 *   description = "Says hello"         # optional
 *
 *   [permissions]                       # optional; everything denied by default
 *   filesystem = "read-only"            # "none" (default), "read-only", "read-write"
 *   paths      = ["/data/hello"]        # absolute; required unless filesystem = "none"
 *   network    = true                   # sockets and name resolution
 *   gui        = false                  # a window on the compositor
 *
 * The parser is strict: unknown keys or tables, duplicates, wrong types and
 * values that break the rules above are errors with a line and column.
 */
#ifndef KPIO_MANIFEST_H
#define KPIO_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#define MANIFEST_ID_MAX          63
#define MANIFEST_NAME_MAX        63
#define MANIFEST_VERSION_MAX     31
#define MANIFEST_ENTRY_MAX       127
#define MANIFEST_DESCRIPTION_MAX 255
#define MANIFEST_PATH_MAX        127
#define MANIFEST_PATHS_MAX       8

typedef enum manifest_fs {
    MANIFEST_FS_NONE = 0,
    MANIFEST_FS_READ_ONLY,
    MANIFEST_FS_READ_WRITE,
} manifest_fs;

typedef struct manifest {
    char id[MANIFEST_ID_MAX + 1];
    char name[MANIFEST_NAME_MAX + 1];
    char version[MANIFEST_VERSION_MAX + 1];
    char entry[MANIFEST_ENTRY_MAX + 1];
    char description[MANIFEST_DESCRIPTION_MAX + 1];
    manifest_fs filesystem;
    unsigned path_count;
    char paths[MANIFEST_PATHS_MAX][MANIFEST_PATH_MAX + 1];
    bool network;
    bool gui;
} manifest;

typedef struct manifest_error {
    int line, column;           /* 0 when the error is about the whole file */
    char message[192];          /* e.g. "line 3, column 9: version must be ..." */
} manifest_error;

/* Parse and check text[0..len). Returns true and fills *out, or false with
 * a message in *err. */
bool manifest_parse(const char *text, size_t len, manifest *out, manifest_error *err);

/* True if path is a safe relative path inside a package: non-empty, at most
 * 255 bytes, '/'-separated, no leading '/', no empty, "." or ".."
 * components, no backslash, colon or control characters. */
bool manifest_relative_path_ok(const char *path);

const char *manifest_fs_name(manifest_fs fs);   /* "none", "read-only", "read-write" */

#endif
