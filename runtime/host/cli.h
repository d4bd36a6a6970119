/*
 * runtime/host/cli.h — shared by the files of the kpio-wasm command.
 */
#ifndef KPIO_WASM_CLI_H
#define KPIO_WASM_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file into memory. NULL (with a message on stderr) on failure. */
uint8_t *cli_read_file(const char *path, size_t *size);

/* `kpio-wasm inspect FILE`: print sections, imports and exports. Returns the
 * exit status. */
int cli_inspect(const char *path);

#endif
