/*
 * sdk/include/sys/socket.h — wasi-libc's <sys/socket.h> plus the BSD
 * socket functions it leaves out, which libkpio (sdk/lib/socket.c)
 * implements over the kpio host API. Put sdk/include before the system
 * headers (-I) so that ordinary socket code compiles unchanged.
 */
#ifndef KPIO_SDK_SYS_SOCKET_H
#define KPIO_SDK_SYS_SOCKET_H

#include_next <sys/socket.h>

/* Socket options wasi-libc does not define (Linux's numbers; SOL_SOCKET
 * and SO_TYPE come from wasi-libc). */
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#define SO_ERROR     4
#define SO_BROADCAST 6
#define SO_SNDBUF    7
#define SO_RCVBUF    8
#define SO_KEEPALIVE 9
#define SO_RCVTIMEO  66
#define SO_SNDTIMEO  67
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000   /* accepted and ignored: KPIO has no signals */
#endif
#ifndef SOMAXCONN
#define SOMAXCONN 128
#endif

#ifdef __cplusplus
extern "C" {
#endif

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int getsockname(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len);
int getpeername(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
               socklen_t addr_len);
ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict addr, socklen_t *__restrict addr_len);
int setsockopt(int fd, int level, int option, const void *value, socklen_t len);
/* accept, accept4, send, recv and getsockopt are declared by wasi-libc;
 * libkpio's versions replace its versions (which fill no addresses and
 * know fewer options). */

#ifdef __cplusplus
}
#endif

#endif
