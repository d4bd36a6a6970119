/*
 * kernel/core/cmdline.h — the kernel command line (from the loader's config):
 * words separated by spaces, each "key=value" or a bare "flag".
 *
 * Known keys:  test=NAME[,NAME...]|all   run in-kernel tests, then exit QEMU
 *              bench=NAME[,NAME...]|all  run in-kernel benchmarks, then exit QEMU
 *              loglevel=0..3             console log level (default 2, info)
 *              console=serial|fb|both    where kernel text goes (default both)
 *              crash=KIND                crash on purpose (crashtest.c), test mode
 *              panic=halt                in test mode, halt after a fatal report
 *                                        instead of exiting QEMU
 * Other subsystems may read their own keys.
 */
#ifndef KPIO_CMDLINE_H
#define KPIO_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

void cmdline_init(const char *text);
const char *cmdline_text(void);
/* The value of key=value, "" for a bare flag, NULL when absent. */
const char *cmdline_get(const char *key);
/* The value as a number (decimal or 0x hex), or fallback when absent or malformed. */
uint64_t cmdline_get_u64(const char *key, uint64_t fallback);
/* Does the comma-separated list contain name? A list item may end with '*'
 * to match a prefix, and "all" matches everything. */
bool cmdline_list_match(const char *list, const char *name);

#endif
