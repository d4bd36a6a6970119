/*
 * kernel/arch/x86_64/entry.S — the kernel's first instruction (the ELF entry).
 * The loader jumps here with rdi = boot info, rsp = the boot stack with a null
 * return address on top (include/kpio/boot.h), interrupts off.
 */
    .section .text.entry, "ax"
    .code64
    .global _start
_start:
    cld
    xorl %ebp, %ebp             /* the first frame: backtraces stop here */
    andq $-16, %rsp             /* SysV: rsp+8 is 16-aligned at a function's entry */
    call kernel_main
1:  cli
    hlt
    jmp 1b
