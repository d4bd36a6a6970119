/* Error paths: each failing call reports the errno the specification's
 * POSIX model gives. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    char b[8];
    mkdir("/work/dir", 0755);
    close(open("/work/file", O_WRONLY | O_CREAT, 0644));
    CHECK("open missing", open("/work/missing", O_RDONLY));
    CHECK("open dir for writing", open("/work/dir", O_WRONLY));
    CHECK("open file as dir", open("/work/file", O_RDONLY | O_DIRECTORY));
    CHECK("open under a file", open("/work/file/x", O_RDONLY));
    CHECK("open missing dir part", open("/work/nodir/x", O_RDONLY | O_CREAT, 0644));
    CHECK("read bad fd", read(99, b, 1));
    CHECK("write bad fd", write(99, b, 1));
    CHECK("close bad fd", close(99));
    int fd = open("/work/file", O_RDONLY);
    CHECK("write to read-only fd", write(fd, "x", 1));
    close(fd);
    fd = open("/work/file", O_WRONLY);
    CHECK("read from write-only fd", read(fd, b, 1));
    close(fd);
    fd = open("/work/dir", O_RDONLY);
    CHECK("read a directory", read(fd, b, 1));
    close(fd);
    CHECK("mkdir existing file", mkdir("/work/file", 0755));
    CHECK("rmdir missing", rmdir("/work/missing"));
    CHECK("unlink missing", unlink("/work/missing"));
    CHECK("unlink dir", unlink("/work/dir"));
    CHECK("rename missing", rename("/work/missing", "/work/x"));
    CHECK("rename dir onto file", rename("/work/dir", "/work/file"));
    CHECK("rename file onto dir", rename("/work/file", "/work/dir"));
    mkdir("/work/dir2", 0755);
    close(open("/work/dir2/inside", O_WRONLY | O_CREAT, 0644));
    CHECK("rename dir onto non-empty dir", rename("/work/dir", "/work/dir2"));
    CHECK("rename dir into itself", rename("/work/dir", "/work/dir/sub"));
    CHECK("link dir", link("/work/dir", "/work/dirlink"));
    CHECK("link existing name", link("/work/file", "/work/dir2/inside"));
    CHECK("symlink existing name", symlink("x", "/work/file"));
    CHECK("ftruncate dir fd", ftruncate(open("/work/dir", O_RDONLY), 0));
    CHECK("lseek on stdout pipe", lseek(1, 0, SEEK_CUR));
    CHECK("open empty path", open("", O_RDONLY));
    return 0;
}
