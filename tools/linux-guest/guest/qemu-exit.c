/*
 * qemu-exit STATUS — end the QEMU run with STATUS through isa-debug-exit
 * (port 0xf4), the way the KPIO kernel does (kernel/core/panic.c): QEMU
 * exits with ((0x10 + STATUS) << 1) | 1, which tools/kpio-qemu decodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
    int status = argc > 1 ? atoi(argv[1]) : 0;
    if (ioperm(0xf4, 4, 1) != 0) {
        perror("qemu-exit: ioperm");
        return 1;
    }
    outl(0x10 + (unsigned)status, 0xf4);
    fprintf(stderr, "qemu-exit: no isa-debug-exit device\n");
    return 1;
}
