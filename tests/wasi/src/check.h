/*
 * tests/wasi/src/check.h — helpers for the WASI conformance programs: run a
 * call, print what it returned and, on failure, the errno's name, so that
 * two runtimes can be compared line by line.
 */
#ifndef CHECK_H
#define CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *errno_name(int e)
{
    switch (e) {
    case 0: return "OK";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOENT: return "ENOENT";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EPERM: return "EPERM";
    case ESPIPE: return "ESPIPE";
    case EXDEV: return "EXDEV";
    case ENOTSUP: return "ENOTSUP";
    case EFAULT: return "EFAULT";
    case EAGAIN: return "EAGAIN";
    case ENOSYS: return "ENOSYS";
    case EOVERFLOW: return "EOVERFLOW";
    case EMFILE: return "EMFILE";
    default: return "E?";
    }
}

/* Print "what: result" where result is the value or the errno's name. */
#define CHECK(what, expr)                                                   \
    do {                                                                    \
        errno = 0;                                                          \
        long long r_ = (long long)(expr);                                   \
        if (r_ < 0)                                                         \
            printf("%s: -1 %s\n", what, errno_name(errno));                 \
        else                                                                \
            printf("%s: %lld\n", what, r_);                                 \
    } while (0)

#endif
