/*
 * df — report file system space.
 *
 *   df [-h]
 *
 * One line per file system the caller can reach (kpio_fs_list): type,
 * size, used, available, use% and where it is mounted. Sizes are in
 * 1K blocks, or human-readable with -h.
 */
#include <kpio.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app.h"

static void print_size(uint64_t bytes, bool human)
{
    char buf[32];
    if (human)
        app_human_size(bytes, buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)((bytes + 1023) / 1024));
    printf(" %10s", buf);
}

int main(int argc, char **argv)
{
    app_init("df");
    bool human = false;
    int c;
    while ((c = getopt(argc, argv, "hk")) != -1) {
        if (c == 'h')
            human = true;
        else if (c != 'k')
            app_usage(1, "[-h]");
    }
    uint32_t count = 0, max = 16;
    kpio_fs_info *v = NULL;
    for (;;) {
        v = app_xrealloc(v, max * sizeof *v);
        kpio_errno e = kpio_fs_list(v, max, &count);
        if (e != KPIO_OK)
            app_die(1, "cannot list file systems: %s", kpio_strerror(e));
        if (count <= max)
            break;
        max = count;
    }
    printf("%-10s %10s %10s %10s %5s %s\n", "Type", human ? "Size" : "1K-blocks", "Used",
           "Available", "Use%", "Mounted on");
    for (uint32_t i = 0; i < count; i++) {
        uint64_t total = v[i].blocks_total * v[i].block_size;
        uint64_t avail = v[i].blocks_free * v[i].block_size;
        uint64_t used = total - avail;
        char type[sizeof v[i].type + 1], mount[sizeof v[i].mount + 1];
        snprintf(type, sizeof type, "%.*s", (int)sizeof v[i].type, v[i].type);
        snprintf(mount, sizeof mount, "%.*s", (int)sizeof v[i].mount, v[i].mount);
        printf("%-10s", type);
        print_size(total, human);
        print_size(used, human);
        print_size(avail, human);
        if (total > 0)
            printf(" %4llu%%", (unsigned long long)((used * 100 + total - 1) / total));
        else
            printf(" %5s", "-");
        printf(" %s%s\n", mount, (v[i].flags & KPIO_FS_READONLY) ? " (read-only)" : "");
    }
    free(v);
    return app_finish(0);
}
