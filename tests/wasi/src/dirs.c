/* Directories: mkdir, nested creation, listing (sorted, without . and ..),
 * rmdir of full and empty directories, renaming directories. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, errno_name(errno));
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;   /* Node leaves them out, the spec does not say */
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(char *), cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) {
        char full[256];
        struct stat st;
        snprintf(full, sizeof(full), "%s/%s", path, names[i]);
        lstat(full, &st);
        printf(" %s%s", names[i], S_ISDIR(st.st_mode) ? "/" : "");
        free(names[i]);
    }
    printf("\n");
}

int main(void)
{
    CHECK("mkdir d", mkdir("/work/d", 0755));
    CHECK("mkdir d again", mkdir("/work/d", 0755));
    CHECK("mkdir d/e", mkdir("/work/d/e", 0755));
    CHECK("mkdir x/y (no x)", mkdir("/work/x/y", 0755));
    int fd = open("/work/d/file", O_WRONLY | O_CREAT, 0644);
    write(fd, "data", 4);
    close(fd);
    list("/work");
    list("/work/d");
    list("/work/d/e");
    CHECK("rmdir d (not empty)", rmdir("/work/d"));
    CHECK("rmdir d/file (a file)", rmdir("/work/d/file"));
    CHECK("unlink d/e (a dir)", unlink("/work/d/e"));
    CHECK("opendir on file", opendir("/work/d/file") ? 0 : -1);
    CHECK("rename d/e -> d/f", rename("/work/d/e", "/work/d/f"));
    CHECK("rmdir d/f", rmdir("/work/d/f"));
    CHECK("mkdir d/g/", mkdir("/work/d/g/", 0755));
    list("/work/d");
    CHECK("chdir d", chdir("/work/d"));
    CHECK("open relative file", open("file", O_RDONLY) >= 0 ? 0 : -1);
    char cwd[256];
    printf("cwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
    return 0;
}
