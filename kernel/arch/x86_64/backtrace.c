/*
 * kernel/arch/x86_64/backtrace.c — walk the frame-pointer chain (the kernel is
 * built with -fno-omit-frame-pointer: [rbp] = caller's rbp, [rbp+8] = return
 * address) and print each return address with its symbol.
 */
#include "core/console.h"
#include "core/ksyms.h"
#include "core/panic.h"
#include "lib/lib.h"

#define BACKTRACE_MAX_FRAMES 256
#define KERNEL_HALF 0xffff800000000000ULL

static void print_frame(unsigned n, uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        console_printf("  #%-2u 0x%016llx %s+0x%llx\n", n, (unsigned long long)addr, name,
                       (unsigned long long)off);
    else
        console_printf("  #%-2u 0x%016llx ?\n", n, (unsigned long long)addr);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
    uint64_t last = 0;
    unsigned repeats = 0;
    console_printf("backtrace:\n");
    print_frame(0, rip);
    for (unsigned n = 1; n < BACKTRACE_MAX_FRAMES; n++) {
        /* Only follow frames that look like kernel stack: aligned, in the
         * kernel half, and each one above the last (the stack grows down). */
        if (rbp < KERNEL_HALF || (rbp & 7) || rbp > ~0ULL - 16)
            break;
        const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
        uint64_t ret = frame[1], next = frame[0];
        if (ret == 0)
            break;
        /* A return address points after the call; print the call itself.
         * Runs of the same frame (deep recursion) print once with a count. */
        if (ret == last) {
            repeats++;
        } else {
            if (repeats)
                console_printf("      ... the frame above %u more times\n", repeats);
            repeats = 0;
            print_frame(n, ret - 1);
            last = ret;
        }
        if (next <= rbp || next - rbp > (1ULL << 20))
            break;
        rbp = next;
    }
    if (repeats)
        console_printf("      ... the frame above %u more times\n", repeats);
}
