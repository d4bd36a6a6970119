/*
 * kernel/lib/printf.c — vsnprintf and snprintf for the kernel and the loader.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%. Flags: '-' '0' '+' ' ' '#'.
 * Width and precision, also as '*'. Length modifiers: hh h l ll z j t.
 * %p prints "0x" and 16 hex digits. %s of NULL prints "(null)".
 * The result follows C11 §7.21.6.5: the length the full output would have,
 * while at most size-1 characters and a NUL are stored.
 */
#include "lib/lib.h"

struct out {
    char *buf;
    size_t size;
    size_t len;     /* characters produced so far (stored or not) */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_repeat(struct out *o, char c, int count)
{
    for (int i = 0; i < count; i++)
        put(o, c);
}

struct spec {
    bool left, zero, plus, space, alt;
    int width;      /* -1 when absent */
    int precision;  /* -1 when absent */
};

/* Emit a string of len characters with the padding the spec asks for. */
static void put_padded(struct out *o, const struct spec *sp, const char *s, int len)
{
    int pad = sp->width > len ? sp->width - len : 0;
    if (!sp->left)
        put_repeat(o, ' ', pad);
    for (int i = 0; i < len; i++)
        put(o, s[i]);
    if (sp->left)
        put_repeat(o, ' ', pad);
}

/* Emit an integer: sign or prefix, precision zeros, digits, width padding. */
static void put_number(struct out *o, const struct spec *sp, uint64_t value, bool negative,
                       unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    /* C11: precision 0 with value 0 prints no digits. */
    if (!(value == 0 && sp->precision == 0)) {
        do {
            tmp[n++] = digits[value % base];
            value /= base;
        } while (value);
    }

    char sign = 0;
    if (negative)
        sign = '-';
    else if (sp->plus)
        sign = '+';
    else if (sp->space)
        sign = ' ';
    int prefix_len = (int)strlen(prefix);
    int zeros = sp->precision > n ? sp->precision - n : 0;
    int total = n + zeros + (sign ? 1 : 0) + prefix_len;
    int pad = sp->width > total ? sp->width - total : 0;

    /* The '0' flag pads with zeros after the sign, unless a precision is given. */
    if (sp->zero && !sp->left && sp->precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!sp->left)
        put_repeat(o, ' ', pad);
    if (sign)
        put(o, sign);
    for (int i = 0; i < prefix_len; i++)
        put(o, prefix[i]);
    put_repeat(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        put_repeat(o, ' ', pad);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

static uint64_t fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:    return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_SHORT:   return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_LONG:    return va_arg(*ap, unsigned long);
    case LEN_LLONG:   return va_arg(*ap, unsigned long long);
    case LEN_SIZE:    return va_arg(*ap, size_t);
    case LEN_MAX:     return va_arg(*ap, uintmax_t);
    case LEN_PTRDIFF: return (uint64_t)va_arg(*ap, ptrdiff_t);
    default:          return va_arg(*ap, unsigned int);
    }
}

static int64_t fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:    return (signed char)va_arg(*ap, int);
    case LEN_SHORT:   return (short)va_arg(*ap, int);
    case LEN_LONG:    return va_arg(*ap, long);
    case LEN_LLONG:   return va_arg(*ap, long long);
    case LEN_SIZE:    return (int64_t)va_arg(*ap, size_t);
    case LEN_MAX:     return va_arg(*ap, intmax_t);
    case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    default:          return va_arg(*ap, int);
    }
}

/* Parse flags, width, precision and length of one conversion at *fmt. */
static enum length parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
    const char *f = *fmt;
    *sp = (struct spec){ .width = -1, .precision = -1 };

    for (;; f++) {
        if (*f == '-') sp->left = true;
        else if (*f == '0') sp->zero = true;
        else if (*f == '+') sp->plus = true;
        else if (*f == ' ') sp->space = true;
        else if (*f == '#') sp->alt = true;
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {        /* a negative '*' width means '-' */
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    } else if (*f >= '0' && *f <= '9') {
        sp->width = 0;
        while (*f >= '0' && *f <= '9')
            sp->width = sp->width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            if (sp->precision < 0)
                sp->precision = -1;     /* negative means "no precision" */
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                sp->precision = sp->precision * 10 + (*f++ - '0');
        }
    }

    enum length len = LEN_INT;
    if (f[0] == 'h' && f[1] == 'h') { len = LEN_CHAR; f += 2; }
    else if (f[0] == 'h') { len = LEN_SHORT; f++; }
    else if (f[0] == 'l' && f[1] == 'l') { len = LEN_LLONG; f += 2; }
    else if (f[0] == 'l') { len = LEN_LONG; f++; }
    else if (f[0] == 'z') { len = LEN_SIZE; f++; }
    else if (f[0] == 'j') { len = LEN_MAX; f++; }
    else if (f[0] == 't') { len = LEN_PTRDIFF; f++; }
    *fmt = f;
    return len;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);

    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt++;
        struct spec sp;
        enum length len = parse_spec(&fmt, &sp, &ap);
        char conv = *fmt;
        if (conv)
            fmt++;

        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = fetch_signed(&ap, len);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(&o, &sp, mag, v < 0, 10, false, "");
            break;
        }
        case 'u':
            put_number(&o, &sp, fetch_unsigned(&ap, len), false, 10, false, "");
            break;
        case 'x':
        case 'X': {
            uint64_t v = fetch_unsigned(&ap, len);
            const char *prefix = sp.alt && v ? (conv == 'x' ? "0x" : "0X") : "";
            sp.plus = sp.space = false;
            put_number(&o, &sp, v, false, 16, conv == 'X', prefix);
            break;
        }
        case 'o': {
            uint64_t v = fetch_unsigned(&ap, len);
            sp.plus = sp.space = false;
            put_number(&o, &sp, v, false, 8, false, sp.alt && v ? "0" : "");
            break;
        }
        case 'p': {
            uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            struct spec ps = { .left = sp.left, .width = sp.width, .precision = 16 };
            put_number(&o, &ps, v, false, 16, false, "0x");
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &sp, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = sp.precision >= 0 ? strnlen(s, (size_t)sp.precision) : strlen(s);
            put_padded(&o, &sp, s, (int)n);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case 0:         /* a lone '%' at the end: print it */
            put(&o, '%');
            break;
        default:        /* unknown conversion: print it as written */
            put(&o, '%');
            put(&o, conv);
            break;
        }
    }
    va_end(ap);

    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
