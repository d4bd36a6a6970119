/* The sandbox: only /work is reachable. '..', absolute paths elsewhere and
 * symlinks that point out (made by the guest, or already there: the driver
 * makes pre_rel -> ../outside, pre_abs -> /abs/path/outside/secret.txt and
 * sub/pre_up -> ../../outside) all fail; outside/secret.txt stays unread and
 * untouched. The driver checks the files outside afterwards. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void try_read(const char *path)
{
    char b[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("open %s: %s\n", path, errno_name(errno));
        return;
    }
    ssize_t n = read(fd, b, sizeof(b) - 1);
    b[n < 0 ? 0 : n] = 0;
    printf("open %s: READ [%s]\n", path, b);
    close(fd);
}

int main(void)
{
    try_read("/work/inside.txt");
    try_read("/work/../outside/secret.txt");
    try_read("/work/sub/../../outside/secret.txt");
    try_read("/etc/passwd");
    try_read("/outside/secret.txt");
    try_read("../outside/secret.txt");
    CHECK("symlink out", symlink("../outside", "/work/out"));
    try_read("/work/out/secret.txt");
    CHECK("symlink out via subdir", symlink("../../outside/secret.txt", "/work/sub/deep"));
    try_read("/work/sub/deep");
    try_read("/work/pre_rel/secret.txt");
    try_read("/work/pre_abs");
    try_read("/work/sub/pre_up/secret.txt");
    CHECK("create through existing symlink out", open("/work/pre_rel/new.txt", O_WRONLY | O_CREAT, 0644));
    CHECK("unlink through existing symlink out", unlink("/work/pre_rel/secret.txt"));
    CHECK("symlink inside", symlink("../inside.txt", "/work/sub/in"));
    try_read("/work/sub/in");
    CHECK("create through symlink out", open("/work/out/new.txt", O_WRONLY | O_CREAT, 0644));
    CHECK("unlink through symlink out", unlink("/work/out/secret.txt"));
    CHECK("mkdir through symlink out", mkdir("/work/out/newdir", 0755));
    CHECK("rename into outside", rename("/work/inside.txt", "/work/out/stolen.txt"));
    CHECK("unlink the symlink itself", unlink("/work/out"));
    return 0;
}
