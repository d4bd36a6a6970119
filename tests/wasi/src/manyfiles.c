/* A directory of 600 entries with long names, listed with readdir (many
 * fd_readdir calls resuming from cookies): each name seen exactly once. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N 600

int main(void)
{
    mkdir("/work/many", 0755);
    char name[300];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "/work/many/entry-%04d-%0*d", i, 100 + i % 50, i);
        close(open(name, O_WRONLY | O_CREAT, 0644));
    }
    static unsigned char seen[N];
    int total = 0, bad = 0;
    DIR *d = opendir("/work/many");
    struct dirent *e;
    while ((e = readdir(d))) {
        int i;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (sscanf(e->d_name, "entry-%d-", &i) == 1 && i >= 0 && i < N)
            seen[i]++;
        else
            bad++;
        total++;
    }
    closedir(d);
    int once = 0;
    for (int i = 0; i < N; i++)
        once += seen[i] == 1;
    printf("entries %d, each exactly once %d, unexpected %d\n", total, once, bad);
    for (int i = 0; i < N; i += 2) {
        snprintf(name, sizeof(name), "/work/many/entry-%04d-%0*d", i, 100 + i % 50, i);
        unlink(name);
    }
    return 0;
}
