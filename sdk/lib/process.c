/*
 * sdk/lib/process.c — helpers over the kpio process calls, and messages
 * for kpio error numbers and trap kinds.
 */
#include <kpio.h>

#include <stdlib.h>
#include <string.h>

/* Join a NULL-terminated string vector into "a\0b\0" form; returns a
 * malloc'd buffer (NULL on failure) and its length in *len. */
static char *join_strings(char *const v[], uint32_t *len)
{
    size_t total = 0;
    for (size_t i = 0; v && v[i]; i++)
        total += strlen(v[i]) + 1;
    char *buf = malloc(total ? total : 1);
    if (!buf)
        return NULL;
    size_t pos = 0;
    for (size_t i = 0; v && v[i]; i++) {
        size_t n = strlen(v[i]) + 1;
        memcpy(buf + pos, v[i], n);
        pos += n;
    }
    *len = (uint32_t)total;
    return buf;
}

kpio_errno kpio_spawn(int module_fd, char *const argv[], char *const envp[], int stdin_fd,
                      int stdout_fd, int stderr_fd, uint32_t flags, kpio_pid *pid)
{
    kpio_spawn_request req;
    memset(&req, 0, sizeof req);
    char *args = join_strings(argv, &req.argv_len);
    char *env = join_strings(envp, &req.env_len);
    if (!args || !env) {
        free(args);
        free(env);
        return KPIO_ENOMEM;
    }
    req.module_fd = (uint32_t)module_fd;
    req.argv = (kpio_ptr)(uintptr_t)args;
    req.env = (kpio_ptr)(uintptr_t)env;
    req.stdin_fd = (uint32_t)stdin_fd;
    req.stdout_fd = (uint32_t)stdout_fd;
    req.stderr_fd = (uint32_t)stderr_fd;
    req.flags = flags;
    kpio_errno e = kpio_proc_spawn(&req, pid);
    free(args);
    free(env);
    return e;
}

const char *kpio_strerror(kpio_errno e)
{
    switch (e) {
    case KPIO_OK:              return "Success";
    case KPIO_E2BIG:           return "Argument list too long";
    case KPIO_EACCES:          return "Permission denied";
    case KPIO_EADDRINUSE:      return "Address in use";
    case KPIO_EADDRNOTAVAIL:   return "Address not available";
    case KPIO_EAFNOSUPPORT:    return "Address family not supported";
    case KPIO_EAGAIN:          return "Resource temporarily unavailable";
    case KPIO_EALREADY:        return "Operation already in progress";
    case KPIO_EBADF:           return "Bad file descriptor";
    case KPIO_ECHILD:          return "No child process";
    case KPIO_ECONNABORTED:    return "Connection aborted";
    case KPIO_ECONNREFUSED:    return "Connection refused";
    case KPIO_ECONNRESET:      return "Connection reset by peer";
    case KPIO_EDESTADDRREQ:    return "Destination address required";
    case KPIO_EEXIST:          return "File exists";
    case KPIO_EFAULT:          return "Bad address";
    case KPIO_EHOSTUNREACH:    return "Host is unreachable";
    case KPIO_EINPROGRESS:     return "Operation in progress";
    case KPIO_EINTR:           return "Interrupted";
    case KPIO_EINVAL:          return "Invalid argument";
    case KPIO_EIO:             return "I/O error";
    case KPIO_EISCONN:         return "Socket is connected";
    case KPIO_EISDIR:          return "Is a directory";
    case KPIO_EMFILE:          return "Too many open files";
    case KPIO_EMSGSIZE:        return "Message too large";
    case KPIO_ENAMETOOLONG:    return "Name too long";
    case KPIO_ENETDOWN:        return "Network is down";
    case KPIO_ENETUNREACH:     return "Network unreachable";
    case KPIO_ENOBUFS:         return "No buffer space available";
    case KPIO_ENOENT:          return "No such file or directory";
    case KPIO_ENOEXEC:         return "Not a valid program";
    case KPIO_ENOMEM:          return "Out of memory";
    case KPIO_ENOPROTOOPT:     return "Protocol not available";
    case KPIO_ENOSYS:          return "Function not implemented";
    case KPIO_ENOTCONN:        return "Socket not connected";
    case KPIO_ENOTDIR:         return "Not a directory";
    case KPIO_ENOTSOCK:        return "Not a socket";
    case KPIO_ENOTSUP:         return "Not supported";
    case KPIO_ENOTTY:          return "Not a terminal";
    case KPIO_EPERM:           return "Operation not permitted";
    case KPIO_EPIPE:           return "Broken pipe";
    case KPIO_EPROTONOSUPPORT: return "Protocol not supported";
    case KPIO_ESRCH:           return "No such process";
    case KPIO_ETIMEDOUT:       return "Operation timed out";
    case KPIO_ENOTCAPABLE:     return "Capabilities insufficient";
    }
    return "Unknown error";
}

const char *kpio_trap_message(int32_t code)
{
    switch (code) {
    case KPIO_TRAP_UNREACHABLE:     return "unreachable executed";
    case KPIO_TRAP_MEMORY_OOB:      return "out of bounds memory access";
    case KPIO_TRAP_TABLE_OOB:       return "undefined element";
    case KPIO_TRAP_INDIRECT_NULL:   return "uninitialized element";
    case KPIO_TRAP_SIGNATURE:       return "indirect call type mismatch";
    case KPIO_TRAP_DIV_ZERO:        return "integer divide by zero";
    case KPIO_TRAP_INT_OVERFLOW:    return "integer overflow";
    case KPIO_TRAP_BAD_CONVERSION:  return "invalid conversion to integer";
    case KPIO_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case KPIO_TRAP_OUT_OF_MEMORY:   return "out of memory";
    case KPIO_TRAP_HOST:            return "host call failed";
    }
    return "trap";
}
