/*
 * kernel/arch/x86_64/trampoline.S — where application processors start.
 *
 * smp.c copies this block to a page P below 1 MiB and fills in its data
 * (the fields marked "patched"), then sends INIT-SIPI-SIPI with vector P>>12
 * (Intel SDM vol. 3A §8.4.4). An AP starts in real mode at CS = P>>4, IP = 0,
 * so the code only uses addresses relative to the block: DS = CS in real
 * mode, EBX = P in protected mode, RIP-relative in long mode. Steps (SDM
 * vol. 3A §9.8.5): load a small GDT, enter protected mode, enable PAE, load
 * CR3 (a low PML4 that identity-maps P and shares the kernel half), set
 * EFER.LME/NXE, enable paging, far-jump to 64-bit code, pick this CPU's
 * stack by its APIC ID and jump to ap_entry(apic_id) in the kernel.
 */
    .section .rodata
    .balign 4096
    .global ap_trampoline_start, ap_trampoline_end
    .global ap_tr_gdtr_base, ap_tr_far32, ap_tr_far64, ap_tr_cr3, ap_tr_entry, ap_tr_stacks
    .global ap_tr_pm32, ap_tr_lm64, ap_tr_gdt

#define OFF(label) ((label) - ap_trampoline_start)

    .code16
ap_trampoline_start:
    cli
    cld
    jmp 1f

    .balign 16
ap_tr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
    .quad 0x00cf92000000ffff        /* 0x10: data, flat */
    .quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
ap_tr_gdtr:
    .word 31
ap_tr_gdtr_base:
    .long 0                         /* patched: P + OFF(ap_tr_gdt) */
    .balign 8
ap_tr_far32:
    .long 0                         /* patched: P + OFF(ap_tr_pm32) */
    .word 0x08
    .balign 8
ap_tr_far64:
    .long 0                         /* patched: P + OFF(ap_tr_lm64) */
    .word 0x18
    .balign 8
ap_tr_cr3:
    .long 0                         /* patched: the low PML4 */
    .balign 8
ap_tr_entry:
    .quad 0                         /* patched: ap_entry */
ap_tr_stacks:
    .quad 0                         /* patched: stack tops indexed by APIC ID */

1:
    movw %cs, %ax
    movw %ax, %ds
    xorl %ebx, %ebx
    movw %ax, %bx
    shll $4, %ebx                   /* EBX = P, kept through the mode switches */
    lgdtl OFF(ap_tr_gdtr)
    movl %cr0, %eax
    orl $1, %eax                    /* CR0.PE */
    movl %eax, %cr0
    ljmpl *OFF(ap_tr_far32)

    .code32
ap_tr_pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $(1 << 5), %eax             /* CR4.PAE */
    movl %eax, %cr4
    movl OFF(ap_tr_cr3)(%ebx), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx          /* IA32_EFER */
    rdmsr
    orl $((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16)), %eax  /* PG, WP */
    movl %eax, %cr0
    ljmpl *OFF(ap_tr_far64)(%ebx)

    .code64
ap_tr_lm64:
    movl $1, %eax
    cpuid
    shrl $24, %ebx                  /* initial APIC ID */
    movq ap_tr_stacks(%rip), %rax
    movq (%rax, %rbx, 8), %rsp
    movq %rbx, %rdi
    xorl %ebp, %ebp
    pushq $0                        /* no return address: ends backtraces, aligns */
    movq ap_tr_entry(%rip), %rax
    jmpq *%rax
ap_trampoline_end:
