/* Seeking: lseek SET/CUR/END, reading after seeks, pread/pwrite leave the
 * position alone, holes read as zeros, seeking on a pipe-like stdout. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    int fd = open("/work/s.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK("write", write(fd, "abcdefghij", 10));
    CHECK("lseek cur", lseek(fd, 0, SEEK_CUR));
    CHECK("lseek set 3", lseek(fd, 3, SEEK_SET));
    char b[16] = { 0 };
    CHECK("read 4", read(fd, b, 4));
    printf("got [%s]\n", b);
    CHECK("lseek cur -2", lseek(fd, -2, SEEK_CUR));
    CHECK("lseek end -1", lseek(fd, -1, SEEK_END));
    memset(b, 0, sizeof(b));
    CHECK("read at end-1", read(fd, b, 8));
    printf("got [%s]\n", b);
    CHECK("read at eof", read(fd, b, 8));
    CHECK("lseek negative", lseek(fd, -100, SEEK_SET));
    CHECK("lseek bad whence", lseek(fd, 0, 42));
    CHECK("pwrite at 2", pwrite(fd, "XY", 2, 2));
    CHECK("position after pwrite", lseek(fd, 0, SEEK_CUR));
    memset(b, 0, sizeof(b));
    CHECK("pread 0..6", pread(fd, b, 6, 0));
    printf("got [%s]\n", b);
    CHECK("lseek 20 (past end)", lseek(fd, 20, SEEK_SET));
    CHECK("write after hole", write(fd, "Z", 1));
    unsigned char all[32];
    CHECK("pread all", pread(fd, all, sizeof(all), 0));
    for (int i = 0; i < 21; i++)
        printf("%02x", all[i]);
    printf("\n");
    close(fd);
    CHECK("lseek closed fd", lseek(fd, 0, SEEK_SET));
    return 0;
}
