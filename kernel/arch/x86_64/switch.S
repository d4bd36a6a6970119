/*
 * kernel/arch/x86_64/switch.S — switching kernel stacks between threads.
 *
 * struct thread *switch_to(struct thread *prev, struct thread *next)
 *   Pushes the callee-saved registers (System V ABI) on prev's stack, saves
 *   rsp in prev->rsp (offset 0), loads next->rsp and pops next's registers.
 *   It returns, on next's stack, the thread that switched to it: rdi is not
 *   reloaded, so rax = rdi is the prev of whoever made the switch.
 *   Interrupts are off on both sides; the FPU state is handled in C.
 */
    .section .text
    .code64

    .global switch_to
    .type switch_to, @function
switch_to:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdi, %rax
    ret
    .size switch_to, . - switch_to

/*
 * A new thread's first "return" from switch_to lands here (thread.c builds
 * the initial frame): rax holds the previous thread. Align the stack and call
 * thread_start(prev), which never returns.
 */
    .global thread_entry_trampoline
    .type thread_entry_trampoline, @function
thread_entry_trampoline:
    movq %rax, %rdi
    andq $-16, %rsp
    call thread_start
    ud2
    .size thread_entry_trampoline, . - thread_entry_trampoline
