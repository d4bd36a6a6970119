/*
 * lib/pkg/pkg.h — check and unpack a .kpioapp package held in memory.
 *
 * A package is a zip archive (stored or deflated entries) holding
 * manifest.toml, the entry module it names, and any resources. Checking
 * happens in two steps so that an installer never writes a file from a bad
 * package:
 *
 *   pkg_open()       size limit, zip structure, entry names (relative, no
 *                    "..", no duplicates), manifest.toml parsed and checked,
 *                    the entry module present
 *   pkg_verify()     every entry decompressed and its CRC-32 checked; the
 *                    entry module passed to a validator (the runtime's
 *                    wasm_module_validate in the kernel and kpio-pkgcheck;
 *                    pkg_wasm_sniff when none is given)
 *   pkg_for_each_file()  the same walk, handing each file to the caller
 *
 * No allocation: the caller provides the pkg struct (about 20 KiB) and a
 * scratch buffer of at least pkg.zip.largest_entry bytes.
 */
#ifndef KPIO_PKG_H
#define KPIO_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../manifest/manifest.h"
#include "../zip/zip.h"

#define PKG_MANIFEST_NAME "manifest.toml"
#define PKG_MANIFEST_MAX  (16u << 10)

typedef enum pkg_result {
    PKG_OK = 0,
    PKG_ERR_TOO_LARGE,      /* package file over the size limit */
    PKG_ERR_ZIP,            /* not a readable zip, or an entry is corrupt */
    PKG_ERR_LAYOUT,         /* bad or duplicate names, manifest or entry module missing */
    PKG_ERR_MANIFEST,       /* manifest.toml breaks the schema */
    PKG_ERR_MODULE,         /* the entry module is not valid WebAssembly */
    PKG_ERR_BUFFER,         /* scratch buffer too small */
    PKG_ERR_CALLBACK,       /* the caller's file callback failed */
} pkg_result;

typedef struct pkg_limits {
    uint64_t max_package_size;  /* bytes of .kpioapp, default 64 MiB */
    zip_limits zip;             /* zeros: 1024 entries, 32 MiB per file, 128 MiB in all */
} pkg_limits;

typedef struct pkg {
    zip_archive zip;
    manifest manifest;
    zip_entry module;           /* the entry module's zip entry */
    uint32_t file_count;        /* entries that are files (not directories) */
    char manifest_text[PKG_MANIFEST_MAX];
    char message[256];          /* the last failure, in words */
} pkg;

/* Validates a WebAssembly module; on failure writes a message to msg. */
typedef bool (*pkg_module_validator)(void *ctx, const uint8_t *wasm, size_t len,
                                     char *msg, size_t msg_cap);

/* Called for each file; return false to stop (pkg_for_each_file then
 * returns PKG_ERR_CALLBACK). */
typedef bool (*pkg_file_callback)(void *ctx, const char *name, const uint8_t *data, size_t len);

pkg_result pkg_open(pkg *p, const uint8_t *data, size_t size, const pkg_limits *limits);

pkg_result pkg_verify(pkg *p, uint8_t *scratch, size_t scratch_cap,
                      pkg_module_validator validate, void *validate_ctx);

pkg_result pkg_for_each_file(pkg *p, uint8_t *scratch, size_t scratch_cap,
                             pkg_file_callback cb, void *ctx);

/* A quick structural check of a module without a runtime: magic, version
 * 1, and a well-formed sequence of sections in the order Wasm 2.0 §5.5.2
 * requires. Returns true, or false with a message. */
bool pkg_wasm_sniff(void *ctx, const uint8_t *wasm, size_t len, char *msg, size_t msg_cap);

const char *pkg_strerror(pkg_result r);

#endif
