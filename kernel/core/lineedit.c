/*
 * kernel/core/lineedit.c — line editing for the kernel monitor (see lineedit.h).
 *
 * Output uses a few ECMA-48 / VT100 controls: CR, "ESC [ K" (erase to end of
 * line), "ESC [ n D" (cursor left n). Arrow keys arrive as "ESC [ A".."ESC [ D"
 * (or "ESC O A".. in application mode), Home/End as "ESC [ H"/"ESC [ F",
 * "ESC [ 1 ~"/"ESC [ 4 ~" (also 7/8), Delete as "ESC [ 3 ~".
 */
#include "lib/lib.h"
#include "core/lineedit.h"

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

#define KEY_CTRL(c) ((c) & 0x1f)

static void out(struct lineedit *le, const char *s, size_t n)
{
    if (n)
        le->write(le->ctx, s, n);
}

static void outs(struct lineedit *le, const char *s) { out(le, s, strlen(s)); }

/* Redraw the prompt and the whole line, then put the cursor in place. */
static void redraw(struct lineedit *le)
{
    outs(le, "\r");
    outs(le, le->prompt);
    out(le, le->buf, le->len);
    outs(le, "\x1b[K");
    if (le->cursor < le->len) {
        char seq[16];
        int n = snprintf(seq, sizeof seq, "\x1b[%zuD", le->len - le->cursor);
        out(le, seq, (size_t)n);
    }
}

void lineedit_init(struct lineedit *le, const char *prompt, lineedit_write_fn write, void *ctx)
{
    memset(le, 0, sizeof *le);
    le->prompt = prompt;
    le->write = write;
    le->ctx = ctx;
}

void lineedit_begin(struct lineedit *le)
{
    le->len = le->cursor = 0;
    le->buf[0] = 0;
    le->hist_back = 0;
    le->esc = ESC_NONE;
    outs(le, le->prompt);
}

void lineedit_history_add(struct lineedit *le, const char *line)
{
    if (!line[0])
        return;
    const char *newest = lineedit_history_get(le, 1);
    if (newest && strcmp(newest, line) == 0)
        return;
    strlcpy(le->history[le->hist_next], line, LINEEDIT_MAX);
    le->hist_next = (le->hist_next + 1) % LINEEDIT_HISTORY;
    if (le->hist_count < LINEEDIT_HISTORY)
        le->hist_count++;
}

const char *lineedit_history_get(const struct lineedit *le, unsigned k)
{
    if (k == 0 || k > le->hist_count)
        return NULL;
    return le->history[(le->hist_next + LINEEDIT_HISTORY - k) % LINEEDIT_HISTORY];
}

static void set_line(struct lineedit *le, const char *s)
{
    le->len = strlcpy(le->buf, s, LINEEDIT_MAX);
    if (le->len >= LINEEDIT_MAX)
        le->len = LINEEDIT_MAX - 1;
    le->cursor = le->len;
    redraw(le);
}

/* Move through the history: +1 is one line older, -1 one line newer. */
static void history_step(struct lineedit *le, int dir)
{
    unsigned target = le->hist_back + (unsigned)dir;
    if (dir < 0 && le->hist_back == 0)
        return;
    if (dir > 0 && target > le->hist_count)
        return;
    if (le->hist_back == 0) {
        le->buf[le->len] = 0;
        strlcpy(le->saved, le->buf, LINEEDIT_MAX);
    }
    le->hist_back = target;
    set_line(le, target == 0 ? le->saved : lineedit_history_get(le, target));
}

static void insert_char(struct lineedit *le, char c)
{
    if (le->len + 1 >= LINEEDIT_MAX) {
        outs(le, "\a");
        return;
    }
    if (le->cursor == le->len) {
        le->buf[le->len++] = c;
        le->cursor++;
        out(le, &c, 1);         /* the common case: plain echo */
        return;
    }
    memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor);
    le->buf[le->cursor++] = c;
    le->len++;
    redraw(le);
}

/* Delete n bytes starting at position at. */
static void delete_range(struct lineedit *le, size_t at, size_t n)
{
    if (n == 0)
        return;
    memmove(le->buf + at, le->buf + at + n, le->len - at - n);
    le->len -= n;
    if (le->cursor > at)
        le->cursor = le->cursor >= at + n ? le->cursor - n : at;
    redraw(le);
}

static void move_to(struct lineedit *le, size_t pos)
{
    if (pos == le->cursor)
        return;
    le->cursor = pos;
    redraw(le);
}

/* Act on a complete escape sequence; final is its last byte. */
static void escape_done(struct lineedit *le, char final)
{
    switch (final) {
    case 'A': history_step(le, +1); break;
    case 'B': history_step(le, -1); break;
    case 'C': if (le->cursor < le->len) move_to(le, le->cursor + 1); break;
    case 'D': if (le->cursor > 0) move_to(le, le->cursor - 1); break;
    case 'H': move_to(le, 0); break;
    case 'F': move_to(le, le->len); break;
    case '~':
        if (le->esc_param == 1 || le->esc_param == 7)
            move_to(le, 0);
        else if (le->esc_param == 4 || le->esc_param == 8)
            move_to(le, le->len);
        else if (le->esc_param == 3 && le->cursor < le->len)
            delete_range(le, le->cursor, 1);
        break;
    default: break;             /* unknown sequences are ignored */
    }
}

/* Feed one byte of an escape sequence. */
static void escape_feed(struct lineedit *le, char c)
{
    switch (le->esc) {
    case ESC_START:
        le->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
        le->esc_param = 0;
        return;
    case ESC_SS3:
        le->esc = ESC_NONE;
        escape_done(le, c);
        return;
    case ESC_CSI:
        if (c >= '0' && c <= '9') {
            if (le->esc_param < 1000)
                le->esc_param = le->esc_param * 10 + (unsigned)(c - '0');
            return;
        }
        if (c == ';')
            return;             /* modifiers: ignore */
        le->esc = ESC_NONE;
        escape_done(le, c);
        return;
    }
}

enum lineedit_event lineedit_feed(struct lineedit *le, char c)
{
    bool after_cr = le->last_was_cr;
    le->last_was_cr = c == '\r';
    if (le->esc != ESC_NONE) {
        escape_feed(le, c);
        return LINEEDIT_NONE;
    }
    switch (c) {
    case '\n':
        if (after_cr)
            return LINEEDIT_NONE;   /* the LF of a CR LF pair */
        /* fall through */
    case '\r':
        le->buf[le->len] = 0;
        outs(le, "\r\n");
        lineedit_history_add(le, le->buf);
        le->hist_back = 0;
        return LINEEDIT_LINE;
    case 0x1b:
        le->esc = ESC_START;
        return LINEEDIT_NONE;
    case 0x7f:
    case KEY_CTRL('H'):
        if (le->cursor > 0)
            delete_range(le, le->cursor - 1, 1);
        return LINEEDIT_NONE;
    case KEY_CTRL('D'):
        if (le->cursor < le->len)
            delete_range(le, le->cursor, 1);
        return LINEEDIT_NONE;
    case KEY_CTRL('A'): move_to(le, 0); return LINEEDIT_NONE;
    case KEY_CTRL('E'): move_to(le, le->len); return LINEEDIT_NONE;
    case KEY_CTRL('B'): if (le->cursor > 0) move_to(le, le->cursor - 1); return LINEEDIT_NONE;
    case KEY_CTRL('F'): if (le->cursor < le->len) move_to(le, le->cursor + 1); return LINEEDIT_NONE;
    case KEY_CTRL('U'): delete_range(le, 0, le->cursor); return LINEEDIT_NONE;
    case KEY_CTRL('K'): delete_range(le, le->cursor, le->len - le->cursor); return LINEEDIT_NONE;
    case KEY_CTRL('P'): history_step(le, +1); return LINEEDIT_NONE;
    case KEY_CTRL('N'): history_step(le, -1); return LINEEDIT_NONE;
    case KEY_CTRL('C'):
        outs(le, "^C\r\n");
        le->len = le->cursor = 0;
        le->buf[0] = 0;
        return LINEEDIT_CANCEL;
    default:
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            insert_char(le, c);
        return LINEEDIT_NONE;   /* other control bytes are ignored */
    }
}
