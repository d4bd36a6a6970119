/*
 * lib/common/msg.h — build short error messages without printf, for the
 * portable libraries (lib/), which may not assume a C library.
 *
 *   struct msg m = msg_init(buf, sizeof buf);
 *   msg_str(&m, "entry "); msg_uint(&m, 3); msg_str(&m, ": bad CRC");
 *
 * Text past the capacity is dropped; the buffer is always NUL-terminated.
 */
#ifndef KPIO_LIB_MSG_H
#define KPIO_LIB_MSG_H

#include <stddef.h>
#include <stdint.h>

struct msg {
    char *buf;
    size_t cap;
    size_t len;
};

static inline struct msg msg_init(char *buf, size_t cap)
{
    struct msg m = { buf, cap, 0 };
    if (cap)
        buf[0] = 0;
    return m;
}

/* Append at most n bytes of s (stopping at a NUL). */
static inline void msg_strn(struct msg *m, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        if (m->len + 1 >= m->cap)
            break;
        m->buf[m->len++] = s[i];
    }
    if (m->cap)
        m->buf[m->len] = 0;
}

static inline void msg_str(struct msg *m, const char *s)
{
    msg_strn(m, s, (size_t)-1);
}

static inline void msg_uint(struct msg *m, uint64_t v)
{
    char digits[21];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char text[21];
    for (size_t i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    msg_strn(m, text, n);
}

#endif
