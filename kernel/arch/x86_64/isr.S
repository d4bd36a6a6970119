/*
 * kernel/arch/x86_64/isr.S — entry stubs for all 256 interrupt vectors.
 * Stub n is at isr_stubs + 16*n: it pushes a zero error code where the CPU
 * pushes none, then the vector number, and jumps to isr_common, which saves
 * the general registers (struct trap_frame in trap.h) and calls trap_dispatch.
 */
    .section .text
    .code64

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3A §6.13). */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

    .align 16
    .global isr_stubs
isr_stubs:
    .set vector, 0
    .rept 256
    .align 16
    .if !HAS_ERROR_CODE(vector)
    pushq $0
    .endif
    pushq $vector
    jmp isr_common
    .set vector, vector + 1
    .endr

isr_common:
    cld
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    /* From ring 3, switch GS to the kernel's (per-CPU data). CS is at 18*8. */
    testb $3, 18*8(%rsp)
    jz 1f
    swapgs
1:
    movq %rsp, %rdi
    /* 15 registers + vector + error + 5 CPU words = 21 words after a 16-byte
     * aligned CPU push: rsp is 8 mod 16; make it 0 mod 16 for the call. */
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_dispatch
    movq %rbx, %rsp
    testb $3, 18*8(%rsp)
    jz 2f
    swapgs
2:
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp          /* vector and error code */
    iretq
