/* stat, fstat, lstat: types, sizes, link counts; setting times exactly. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static const char *type_of(mode_t m)
{
    return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink"
         : S_ISCHR(m) ? "chardev" : "other";
}

static void show(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("stat %s: %s\n", path, errno_name(errno));
        return;
    }
    printf("stat %s: %s size=%lld nlink=%llu\n", path, type_of(st.st_mode),
           (long long)st.st_size, (unsigned long long)st.st_nlink);
    if (lstat(path, &st) == 0)
        printf("lstat %s: %s\n", path, type_of(st.st_mode));
}

int main(void)
{
    int fd = open("/work/f", O_WRONLY | O_CREAT, 0644);
    write(fd, "12345", 5);
    struct stat st;
    CHECK("fstat", fstat(fd, &st));
    printf("fstat: %s size=%lld\n", type_of(st.st_mode), (long long)st.st_size);
    close(fd);
    show("/work/f");
    show("/work");
    CHECK("link f g", link("/work/f", "/work/g"));
    show("/work/f");
    show("/work/g");
    CHECK("symlink f s", symlink("f", "/work/s"));
    show("/work/s");
    char buf[64];
    ssize_t n = readlink("/work/s", buf, sizeof(buf));
    printf("readlink s: %.*s\n", (int)(n < 0 ? 0 : n), buf);
    CHECK("readlink f (not a link)", readlink("/work/f", buf, sizeof(buf)));
    CHECK("symlink dangling", symlink("nowhere", "/work/dangling"));
    show("/work/dangling");

    /* exact timestamps survive a round trip */
    struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 987654321 } };
    CHECK("utimensat", utimensat(AT_FDCWD, "/work/f", ts, 0));
    stat("/work/f", &st);
    printf("atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    fd = open("/work/f", O_RDWR);
    struct timespec ts2[2] = { { 0, UTIME_OMIT }, { 1500000000, 5 } };
    CHECK("futimens", futimens(fd, ts2));
    fstat(fd, &st);
    printf("atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    close(fd);
    CHECK("stat missing", stat("/work/missing", &st));
    CHECK("stat through file", stat("/work/f/x", &st));
    return 0;
}
