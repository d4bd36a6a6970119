/* Large transfers: a 3 MiB file written with writev in pieces, read back
 * through stdio and with one big read, checksummed both ways. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#define SIZE (3 * 1024 * 1024)

int main(void)
{
    unsigned char *data = malloc(SIZE);
    unsigned long long x = 12345, sum = 0;
    for (int i = 0; i < SIZE; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        data[i] = (unsigned char)(x >> 56);
        sum += data[i] * (unsigned long long)(i % 251 + 1);
    }
    int fd = open("/work/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    struct iovec iov[48];
    for (int i = 0; i < 48; i++) {
        iov[i].iov_base = data + i * (SIZE / 48);
        iov[i].iov_len = SIZE / 48;
    }
    ssize_t w = 0;
    while (w < SIZE) {
        ssize_t n = writev(fd, iov, 48);
        if (n <= 0)
            break;
        w += n;
        /* advance the iovecs past what was written */
        ssize_t left = n;
        for (int i = 0; i < 48 && left > 0; i++) {
            size_t take = left < (ssize_t)iov[i].iov_len ? (size_t)left : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + take;
            iov[i].iov_len -= take;
            left -= take;
        }
    }
    close(fd);
    printf("written %zd\n", w);
    unsigned char *back = calloc(1, SIZE);
    fd = open("/work/big.bin", O_RDONLY);
    ssize_t r = 0, n;
    while (r < SIZE && (n = read(fd, back + r, SIZE - r)) > 0)
        r += n;
    close(fd);
    unsigned long long sum2 = 0;
    for (int i = 0; i < SIZE; i++)
        sum2 += back[i] * (unsigned long long)(i % 251 + 1);
    printf("read %zd, checksum %s\n", r, sum == sum2 ? "matches" : "DIFFERS");
    FILE *f = fopen("/work/big.bin", "rb");
    unsigned long long sum3 = 0;
    int c, i = 0;
    while ((c = fgetc(f)) != EOF)
        sum3 += (unsigned long long)c * (unsigned long long)(i++ % 251 + 1);
    fclose(f);
    printf("stdio read %d, checksum %s\n", i, sum == sum3 ? "matches" : "DIFFERS");
    return 0;
}
