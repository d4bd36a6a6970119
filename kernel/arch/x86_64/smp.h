/*
 * kernel/arch/x86_64/smp.h — bringing up the other CPUs.
 */
#ifndef KPIO_SMP_H
#define KPIO_SMP_H

/* Start every enabled CPU in the MADT; each enters the scheduler as an idle
 * CPU. Installs the panic stop-others hook. Returns the CPUs online. Boot
 * CPU, after the scheduler is initialised (threads may not yet run). */
unsigned smp_init(void);

/* Run fn on every other online CPU, in its interrupt handler (interrupts
 * off there), and return when all have run it. The caller must have
 * interrupts on and hold no spinlock (another CPU may be waiting for it with
 * interrupts off); fn must not block. smp_call_init installs the vector. */
void smp_call_others(void (*fn)(void));
void smp_call_init(void);

/* crash=smp: start a thread on every other CPU that keeps printing, then
 * panic; the panic must stop them (NMI), so their lines end at the report. */
_Noreturn void smp_crashtest(void);

#endif
