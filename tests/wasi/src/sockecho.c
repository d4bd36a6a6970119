/* On the preopened listening socket (fd 3, from kpio-wasm --tcplisten):
 * accept one connection, read a line, send it back upper-cased with a
 * byte count, shut down writing, and report on stdout. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void)
{
    __wasi_fd_t conn;
    __wasi_errno_t e = __wasi_sock_accept(3, 0, &conn);
    printf("accept: %d\n", e);
    if (e)
        return 1;
    char buf[256];
    size_t got = 0;
    while (got < sizeof(buf) - 1) {
        ssize_t n = recv(conn, buf + got, sizeof(buf) - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(buf, '\n', got))
            break;
    }
    buf[got] = 0;
    printf("received %zu bytes\n", got);
    for (size_t i = 0; i < got; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
    char reply[300];
    int len = snprintf(reply, sizeof(reply), "%zu:%s", got, buf);
    printf("sent: %zd\n", send(conn, reply, (size_t)len, 0));
    printf("shutdown: %d\n", shutdown(conn, SHUT_WR));
    printf("shutdown on a file: %d\n", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    close(conn);
    return 0;
}
