/* The rarer descriptor calls: fsync, fdatasync, posix_fadvise,
 * posix_fallocate, on files and directories, and isatty. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    int fd = open("/work/f", O_RDWR | O_CREAT, 0644);
    write(fd, "abc", 3);
    CHECK("fsync", fsync(fd));
    CHECK("fdatasync", fdatasync(fd));
    printf("posix_fadvise sequential: %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    printf("posix_fadvise bad advice: %d\n", posix_fadvise(fd, 0, 0, 99));
    printf("posix_fallocate 4096: %d\n", posix_fallocate(fd, 0, 4096));
    struct stat st;
    fstat(fd, &st);
    printf("size after fallocate: %lld\n", (long long)st.st_size);
    close(fd);
    int d = open("/work", O_RDONLY | O_DIRECTORY);
    CHECK("fsync dir", fsync(d));
    close(d);
    printf("isatty(1): %d\n", isatty(1));
    printf("isatty(closed): %d\n", isatty(99));
    return 0;
}
