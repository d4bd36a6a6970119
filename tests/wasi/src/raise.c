/* proc_raise(SIGTERM): the program ends as if killed by the signal.
 * (wasi-libc no longer declares proc_raise; import it by hand. Signal
 * numbers from the witx `signal` enum: CHLD 16, TERM 15.) */
#include <stdint.h>
#include <stdio.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t raw_proc_raise(int32_t sig);

int main(void)
{
    printf("raising\n");
    printf("raise CHLD (ignored): %d\n", raw_proc_raise(16));
    printf("raise 99 (no such signal): %d\n", raw_proc_raise(99));
    fflush(stdout);
    raw_proc_raise(15);
    printf("still here\n");
    return 0;
}
