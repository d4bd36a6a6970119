/* Two preopened directories (/work and /other): moving, linking and
 * symlinking between them, and each one's preopen name. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>
#include "check.h"

static void cat(const char *path)
{
    char b[64] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", path, errno_name(errno));
        return;
    }
    ssize_t n = read(fd, b, sizeof(b) - 1);
    printf("%s: [%.*s]\n", path, (int)(n < 0 ? 0 : n), b);
    close(fd);
}

int main(void)
{
    for (int fd = 3; fd < 6; fd++) {
        __wasi_prestat_t ps;
        char name[32] = { 0 };
        int e = __wasi_fd_prestat_get(fd, &ps);
        if (e == 0)
            e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len);
        printf("fd %d: %d %s\n", fd, e, e ? "-" : name);
    }
    int fd = open("/work/a", O_WRONLY | O_CREAT, 0644);
    write(fd, "moved across", 12);
    close(fd);
    CHECK("rename /work/a -> /other/a", rename("/work/a", "/other/a"));
    cat("/work/a");
    cat("/other/a");
    CHECK("link /other/a -> /work/b", link("/other/a", "/work/b"));
    cat("/work/b");
    CHECK("symlink in /work to ../other/a", symlink("../other/a", "/work/c"));
    cat("/work/c");
    CHECK("mkdir /other/d", mkdir("/other/d", 0755));
    CHECK("rename dir across", rename("/other/d", "/work/d"));
    CHECK("open /other/../work/b", open("/other/../work/b", O_RDONLY) >= 0 ? 0 : -1);
    return 0;
}
