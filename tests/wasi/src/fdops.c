/* Descriptor operations: fcntl flags (O_APPEND via fd_fdstat_set_flags),
 * fd_renumber, fd_fdstat_get on stdio and files, preopen names. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>
#include "check.h"

int main(void)
{
    int fd = open("/work/log.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "one\n", 4);
    printf("append flag before: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    CHECK("set O_APPEND", fcntl(fd, F_SETFL, O_APPEND));
    printf("append flag after: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);    /* appended, not at 0 */
    close(fd);

    int a = open("/work/log.txt", O_RDONLY);
    int b = open("/work/other.txt", O_WRONLY | O_CREAT, 0644);
    printf("renumber: %d\n", __wasi_fd_renumber(a, b));
    char buf[16] = { 0 };
    CHECK("read renumbered", read(b, buf, 8));
    printf("got [%s]\n", buf);
    CHECK("read old fd", read(a, buf, 1));
    close(b);

    __wasi_fdstat_t st;
    int e = __wasi_fd_fdstat_get(3, &st);
    printf("fdstat preopen: %d type %d\n", e, st.fs_filetype);
    fd = open("/work/log.txt", O_RDONLY);
    if (__wasi_fd_fdstat_get(fd, &st) == 0)
        printf("file type %d, can read %d, can write %d, can seek %d\n", st.fs_filetype,
           (st.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0,
           (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0,
           (st.fs_rights_base & __WASI_RIGHTS_FD_SEEK) != 0);
    printf("drop write right: %d\n",
           __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base & ~__WASI_RIGHTS_FD_SEEK, 0));
    CHECK("lseek without the right", lseek(fd, 1, SEEK_SET));
    close(fd);
    __wasi_prestat_t ps;
    e = __wasi_fd_prestat_get(3, &ps);
    printf("prestat 3: %d len %u\n", e, (unsigned)ps.u.dir.pr_name_len);
    char name[16] = { 0 };
    e = __wasi_fd_prestat_dir_name(3, (uint8_t *)name, ps.u.dir.pr_name_len);
    printf("prestat name: %d [%s]\n", e, name);
    printf("prestat stdout: %d\n", __wasi_fd_prestat_get(1, &ps));
    return 0;
}
