/*
 * sha256sum — print SHA-256 checksums (FIPS 180-4).
 *
 *   sha256sum [FILE...]
 *
 * One line per file, "HASH  NAME" as GNU coreutils prints it; standard
 * input (named "-") when no file is given.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "sha256.h"         /* kernel/lib: the project's SHA-256 */

int main(int argc, char **argv)
{
    app_init("sha256sum");
    int n;
    char **files = app_operands(argc, argv, &n);
    int status = 0;
    static uint8_t buf[65536];
    for (int i = 0; i < n; i++) {
        FILE *f = app_open_input(files[i]);
        if (!f) {
            status = 1;
            continue;
        }
        struct sha256 s;
        sha256_init(&s);
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            sha256_update(&s, buf, got);
        if (ferror(f)) {
            app_warn_errno(files[i]);
            status = 1;
        } else {
            uint8_t digest[SHA256_DIGEST_SIZE];
            char hex[65];
            sha256_final(&s, digest);
            sha256_hex(digest, hex);
            printf("%s  %s\n", hex, files[i]);
        }
        app_close_input(f);
    }
    return app_finish(status);
}
