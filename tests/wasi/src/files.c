/* Files: create, write, read back, append, truncate, exclusive create,
 * rename, unlink; results left on disk for the driver to compare. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void show(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open %s\n", path, errno_name(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("%s: [%s]\n", path, buf);
    close(fd);
}

int main(void)
{
    int fd = open("/work/a.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK("open a.txt", fd);
    CHECK("write", write(fd, "first line\n", 11));
    CHECK("close", close(fd));
    show("/work/a.txt");

    fd = open("/work/a.txt", O_WRONLY | O_APPEND);
    CHECK("write append", write(fd, "second line\n", 12));
    close(fd);
    show("/work/a.txt");

    CHECK("open excl existing", open("/work/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    fd = open("/work/b.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK("open excl new", fd);
    CHECK("write b", write(fd, "0123456789", 10));
    CHECK("ftruncate 4", ftruncate(fd, 4));
    struct stat st;
    CHECK("fstat", fstat(fd, &st));
    printf("size after truncate: %lld\n", (long long)st.st_size);
    CHECK("ftruncate 8", ftruncate(fd, 8));
    fstat(fd, &st);
    printf("size after extend: %lld\n", (long long)st.st_size);
    close(fd);

    fd = open("/work/a.txt", O_RDWR | O_TRUNC);
    CHECK("open trunc", fd);
    CHECK("write", write(fd, "rewritten\n", 10));
    close(fd);
    show("/work/a.txt");

    CHECK("rename a->c", rename("/work/a.txt", "/work/c.txt"));
    show("/work/a.txt");
    show("/work/c.txt");
    CHECK("rename onto existing", rename("/work/c.txt", "/work/b.txt"));
    show("/work/b.txt");
    CHECK("unlink b", unlink("/work/b.txt"));
    CHECK("unlink b again", unlink("/work/b.txt"));

    FILE *f = fopen("/work/stdio.txt", "w");
    for (int i = 0; i < 100; i++)
        fprintf(f, "%d,", i * i);
    fclose(f);
    f = fopen("/work/stdio.txt", "r");
    long sum = 0, v;
    while (fscanf(f, "%ld,", &v) == 1)
        sum += v;
    fclose(f);
    printf("sum of squares: %ld\n", sum);
    return 0;
}
