/* poll_oneoff directly, one part per argument:
 *   clocks  the earlier of two clocks fires first; no subscriptions: EINVAL
 *   files   a regular file is ready at once for reading and writing
 *   badfd   a bad fd reports EBADF in its own event */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static __wasi_subscription_t clock_sub(uint64_t userdata, uint64_t ns)
{
    __wasi_subscription_t s;
    memset(&s, 0, sizeof(s));
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s.u.u.clock.timeout = ns;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, int type, int fd)
{
    __wasi_subscription_t s;
    memset(&s, 0, sizeof(s));
    s.userdata = userdata;
    s.u.tag = type;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

static void report(const char *what, __wasi_subscription_t *in, int n)
{
    __wasi_event_t ev[4];
    __wasi_size_t got = 0;
    __wasi_errno_t e = __wasi_poll_oneoff(in, ev, n, &got);
    printf("%s: errno %d, %u events\n", what, e, (unsigned)got);
    for (__wasi_size_t i = 0; i < got && !e; i++)
        printf("  userdata %llu type %d error %d\n", (unsigned long long)ev[i].userdata,
               ev[i].type, ev[i].error);
}

int main(int argc, char **argv)
{
    __wasi_subscription_t s[3];
    const char *part = argc > 1 ? argv[1] : "";
    if (!strcmp(part, "clocks")) {
        s[0] = clock_sub(1, 300 * 1000000ull);
        s[1] = clock_sub(2, 20 * 1000000ull);
        report("two clocks", s, 2);
        __wasi_event_t ev;
        __wasi_size_t got;
        printf("no subscriptions: errno %d\n", __wasi_poll_oneoff(s, &ev, 0, &got));
        return 0;
    }
    if (!strcmp(part, "badfd")) {
        s[0] = fd_sub(30, __WASI_EVENTTYPE_FD_READ, 77);
        report("bad fd", s, 1);
        return 0;
    }
    int fd = open("/work/p.txt", O_RDWR | O_CREAT, 0644);
    write(fd, "abc", 3);
    lseek(fd, 0, SEEK_SET);
    s[0] = fd_sub(10, __WASI_EVENTTYPE_FD_READ, fd);
    s[1] = clock_sub(11, 5000 * 1000000ull);
    report("file readable", s, 2);
    s[0] = fd_sub(20, __WASI_EVENTTYPE_FD_WRITE, fd);
    report("file writable", s, 2);
    close(fd);
    return 0;
}
