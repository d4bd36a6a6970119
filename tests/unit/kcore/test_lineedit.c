/*
 * tests/unit/kcore/test_lineedit.c — the monitor's line editor. The editor's
 * output goes through a tiny terminal model (CR, LF, BS-free cursor moves,
 * "ESC [ K", "ESC [ n D") so the tests check what a user would see on the
 * screen, not only the buffer.
 */
#include <stdbool.h>
#include <string.h>

#include "unit.h"
#include "lib/lib.h"
#include "core/lineedit.h"

/* ---- a one-row-at-a-time terminal ---- */
struct term {
    char row[512];      /* current row, spaces beyond the text */
    size_t width;       /* columns written so far on this row */
    size_t col;
    char last_line[512];/* the row before the last newline */
    int bells;
    int esc;            /* 0 none, 1 ESC, 2 CSI */
    unsigned param;
};

static struct term term;
static struct lineedit le;

static void term_put(struct term *t, char c)
{
    if (t->esc == 1) {
        t->esc = c == '[' ? 2 : 0;
        t->param = 0;
        return;
    }
    if (t->esc == 2) {
        if (c >= '0' && c <= '9') {
            t->param = t->param * 10 + (unsigned)(c - '0');
            return;
        }
        t->esc = 0;
        if (c == 'K') {                       /* erase to end of line */
            memset(t->row + t->col, ' ', sizeof t->row - t->col - 1);
            t->width = t->col;
        } else if (c == 'D') {                /* cursor left */
            unsigned n = t->param ? t->param : 1;
            t->col = n > t->col ? 0 : t->col - n;
        } else {
            fail_msg("unexpected CSI final byte %c", c);
        }
        return;
    }
    switch (c) {
    case 0x1b: t->esc = 1; return;
    case '\r': t->col = 0; return;
    case '\a': t->bells++; return;
    case '\n':
        memcpy(t->last_line, t->row, sizeof t->row);
        t->last_line[t->width] = 0;
        memset(t->row, ' ', sizeof t->row - 1);
        t->width = t->col = 0;
        return;
    default:
        assert_true((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f);
        t->row[t->col++] = c;
        if (t->col > t->width)
            t->width = t->col;
    }
}

static void term_write(void *ctx, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        term_put(ctx, s[i]);
}

/* The visible text of the current row, trailing spaces removed. */
static const char *screen(void)
{
    static char text[512];
    memcpy(text, term.row, term.width);
    text[term.width] = 0;
    size_t n = strlen(text);
    while (n && text[n - 1] == ' ')
        text[--n] = 0;
    return text;
}

static enum lineedit_event type(const char *keys)
{
    enum lineedit_event ev = LINEEDIT_NONE;
    for (const char *k = keys; *k; k++) {
        ev = lineedit_feed(&le, *k);
        if (ev != LINEEDIT_NONE && k[1])
            lineedit_begin(&le);       /* more keys follow: start the next line */
    }
    return ev;
}

static int setup_each(void **state)
{
    (void)state;
    memset(&term, 0, sizeof term);
    memset(term.row, ' ', sizeof term.row - 1);
    lineedit_init(&le, "kpio> ", term_write, &term);
    lineedit_begin(&le);
    return 0;
}

/* The cursor on screen is where the editor thinks it is. */
static void assert_cursor(size_t pos)
{
    assert_int_equal(le.cursor, pos);
    assert_int_equal(term.col, strlen("kpio> ") + pos);
}

static void test_typing_echoes(void **state)
{
    (void)state;
    assert_string_equal(screen(), "kpio>");
    assert_int_equal(type("hello world"), LINEEDIT_NONE);
    assert_string_equal(screen(), "kpio> hello world");
    assert_cursor(11);
    assert_int_equal(type("\r"), LINEEDIT_LINE);
    assert_string_equal(le.buf, "hello world");
    assert_string_equal(term.last_line, "kpio> hello world");
}

static void test_backspace_both_codes(void **state)
{
    (void)state;
    type("helloo\x7f");
    assert_string_equal(screen(), "kpio> hello");
    type("\b\b");
    assert_string_equal(screen(), "kpio> hel");
    type("\x7f\x7f\x7f\x7f\x7f");                /* more than the line holds */
    assert_string_equal(screen(), "kpio>");
    assert_cursor(0);
    assert_int_equal(type("\r"), LINEEDIT_LINE);
    assert_string_equal(le.buf, "");
}

static void test_arrows_insert_and_delete_in_the_middle(void **state)
{
    (void)state;
    type("helo");
    type("\x1b[D");                            /* left */
    assert_cursor(3);
    type("l");
    assert_string_equal(screen(), "kpio> hello");
    assert_cursor(4);
    type("\x1b[D\x1b[D\x1b[D\x7f");            /* left x3, backspace: drop 'h' */
    assert_string_equal(screen(), "kpio> ello");
    assert_cursor(0);
    type("\x1b[C\x1b[C");                      /* right x2 */
    assert_cursor(2);
    type("\x1b[3~");                           /* Delete key */
    assert_string_equal(screen(), "kpio> elo");
    type("\x1b[C\x1b[C\x1b[C\x1b[C");          /* right past the end stops */
    assert_cursor(3);
    type("\r");
    assert_string_equal(le.buf, "elo");
}

static void test_ctrl_a_e_u_k(void **state)
{
    (void)state;
    type("world");
    type("\x01");                              /* ^A */
    assert_cursor(0);
    type("hello ");
    assert_string_equal(screen(), "kpio> hello world");
    assert_cursor(6);
    type("\x05");                              /* ^E */
    assert_cursor(11);
    type("\x01\x06\x06\x06\x06\x06\x06");      /* ^A, ^F x6 */
    assert_cursor(6);
    type("\x15");                              /* ^U: delete to start */
    assert_string_equal(screen(), "kpio> world");
    assert_cursor(0);
    type("\x06\x06\x0b");                      /* ^F ^F ^K: delete to end */
    assert_string_equal(screen(), "kpio> wo");
    type("\r");
    assert_string_equal(le.buf, "wo");
}

static void test_home_end_sequences(void **state)
{
    (void)state;
    const char *homes[] = { "\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~" };
    const char *ends[] = { "\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~" };
    type("abc");
    for (unsigned i = 0; i < 4; i++) {
        type(homes[i]);
        assert_cursor(0);
        type(ends[i]);
        assert_cursor(3);
    }
}

static void test_history_up_down(void **state)
{
    (void)state;
    type("first\r");
    lineedit_begin(&le);
    type("second\r");
    lineedit_begin(&le);
    type("draft");
    type("\x1b[A");                            /* up */
    assert_string_equal(screen(), "kpio> second");
    assert_cursor(6);
    type("\x1b[A");
    assert_string_equal(screen(), "kpio> first");
    type("\x1b[A");                            /* no older line: stays */
    assert_string_equal(screen(), "kpio> first");
    type("\x1b[B");                            /* down */
    assert_string_equal(screen(), "kpio> second");
    type("\x1b[B");                            /* back to the draft */
    assert_string_equal(screen(), "kpio> draft");
    type("\x1b[B");
    assert_string_equal(screen(), "kpio> draft");
    type("\x10");                              /* ^P */
    assert_string_equal(screen(), "kpio> second");
    type("!\r");                               /* edit a recalled line */
    assert_string_equal(le.buf, "second!");
    assert_string_equal(lineedit_history_get(&le, 1), "second!");
    assert_string_equal(lineedit_history_get(&le, 2), "second");
    assert_string_equal(lineedit_history_get(&le, 3), "first");
}

static void test_history_skips_empty_and_repeated_lines_and_wraps(void **state)
{
    (void)state;
    type("a\r");
    lineedit_begin(&le);
    type("a\r");
    lineedit_begin(&le);
    type("\r");
    assert_int_equal(le.hist_count, 1);
    char line[16];
    for (int i = 0; i < LINEEDIT_HISTORY + 5; i++) {
        lineedit_begin(&le);
        snprintf(line, sizeof line, "cmd%d\r", i);
        type(line);
    }
    assert_int_equal(le.hist_count, LINEEDIT_HISTORY);
    snprintf(line, sizeof line, "cmd%d", LINEEDIT_HISTORY + 4);
    assert_string_equal(lineedit_history_get(&le, 1), line);
    assert_string_equal(lineedit_history_get(&le, LINEEDIT_HISTORY), "cmd5");
    assert_null(lineedit_history_get(&le, LINEEDIT_HISTORY + 1));
}

static void test_crlf_is_one_enter_and_lf_alone_works(void **state)
{
    (void)state;
    assert_int_equal(type("x\r"), LINEEDIT_LINE);
    lineedit_begin(&le);
    assert_int_equal(lineedit_feed(&le, '\n'), LINEEDIT_NONE);   /* LF of CR LF */
    assert_int_equal(type("y\n"), LINEEDIT_LINE);
    assert_string_equal(le.buf, "y");
    lineedit_begin(&le);
    assert_int_equal(type("\n"), LINEEDIT_LINE);                 /* LF after LF: an empty line */
    assert_string_equal(le.buf, "");
}

static void test_long_line_is_capped_with_a_bell(void **state)
{
    (void)state;
    for (int i = 0; i < LINEEDIT_MAX + 20; i++)
        lineedit_feed(&le, 'x');
    assert_int_equal(le.len, LINEEDIT_MAX - 1);
    assert_int_equal(term.bells, 21);
    type("\x01y");                             /* inserting in a full line rings too */
    assert_int_equal(term.bells, 22);
    assert_int_equal(type("\r"), LINEEDIT_LINE);
    assert_int_equal(strlen(le.buf), LINEEDIT_MAX - 1);
}

static void test_ctrl_c_cancels(void **state)
{
    (void)state;
    assert_int_equal(type("rebo\x03"), LINEEDIT_CANCEL);
    assert_string_equal(term.last_line, "kpio> rebo^C");
    assert_int_equal(le.len, 0);
    assert_int_equal(le.hist_count, 0);
}

static void test_unknown_sequences_and_controls_are_ignored(void **state)
{
    (void)state;
    type("ab\x1b[5~\x1b[1;5C\x1bZ\x07\x02" "c");   /* PgUp, ^Right, ESC Z, BEL, ^B */
    assert_string_equal(screen(), "kpio> acb");
    assert_int_equal(type("\r"), LINEEDIT_LINE);
    assert_string_equal(le.buf, "acb");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_typing_echoes, setup_each),
        cmocka_unit_test_setup(test_backspace_both_codes, setup_each),
        cmocka_unit_test_setup(test_arrows_insert_and_delete_in_the_middle, setup_each),
        cmocka_unit_test_setup(test_ctrl_a_e_u_k, setup_each),
        cmocka_unit_test_setup(test_home_end_sequences, setup_each),
        cmocka_unit_test_setup(test_history_up_down, setup_each),
        cmocka_unit_test_setup(test_history_skips_empty_and_repeated_lines_and_wraps, setup_each),
        cmocka_unit_test_setup(test_crlf_is_one_enter_and_lf_alone_works, setup_each),
        cmocka_unit_test_setup(test_long_line_is_capped_with_a_bell, setup_each),
        cmocka_unit_test_setup(test_ctrl_c_cancels, setup_each),
        cmocka_unit_test_setup(test_unknown_sequences_and_controls_are_ignored, setup_each),
    };
    UNIT_RUN(tests, NULL, NULL);
}
