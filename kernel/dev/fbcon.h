/*
 * kernel/dev/fbcon.h — a text console on the UEFI GOP framebuffer: 8x16 font
 * (font8x16.txt), scrolling, and the few ANSI escapes the monitor's line
 * editing sends (cursor left/right, erase line, clear screen, colours).
 */
#ifndef KPIO_FBCON_H
#define KPIO_FBCON_H

#include <stdbool.h>
#include <kpio/boot.h>

/* Start drawing on fb (cleared first) and register as a console; false if
 * there is no usable framebuffer. */
bool fbcon_init(const struct kpio_framebuffer *fb);
bool fbcon_active(void);

#endif
