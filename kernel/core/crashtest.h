/*
 * kernel/core/crashtest.h — `crash=KIND` deliberate crashes (crashtest.c).
 */
#ifndef KPIO_CRASHTEST_H
#define KPIO_CRASHTEST_H

/* Crash the way the command line asks; returns if it asks for nothing. */
void crashtest_main(void);

#endif
