/*
 * apps/sh/lineedit.c — the interactive line editor and the history.
 *
 * Keys (as a VT100/xterm terminal sends them):
 *   printable        insert at the cursor
 *   Backspace ^H     delete before the cursor       Delete, ^D  delete at it
 *   Left ^B  Right ^F  Home ^A  End ^E              move
 *   Up ^P  Down ^N   walk the history
 *   ^K  delete to the end    ^U  delete to the start    ^W  delete a word back
 *   ^C  abandon the line     ^D on an empty line: end of input
 *   ^L  clear the screen     Tab: complete (complete.c)     Enter: done
 * The editing core (edit_key) does no I/O; lineedit_read draws the line
 * after each key by rewriting it and moving the cursor back.
 * Multi-byte UTF-8 characters move and delete as one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

#define HISTORY_MAX 500

static char *history[HISTORY_MAX];
static size_t nhistory;

void history_add(const char *line)
{
    if (!line[0] || (nhistory > 0 && strcmp(history[nhistory - 1], line) == 0))
        return;
    char *copy = strdup(line);
    if (!copy)
        return;
    if (nhistory == HISTORY_MAX) {
        free(history[0]);
        memmove(history, history + 1, (HISTORY_MAX - 1) * sizeof *history);
        nhistory--;
    }
    history[nhistory++] = copy;
}

size_t history_count(void)
{
    return nhistory;
}

const char *history_get(size_t i)
{
    return i < nhistory ? history[i] : NULL;
}

void history_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = 0;
        history_add(line);
    }
    free(line);
    fclose(f);
}

void history_save_line(const char *path, const char *line)
{
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s\n", line);
    fclose(f);
}

/* ---- the editing core ---- */

void edit_init(struct edit *e)
{
    memset(e, 0, sizeof *e);
    e->cap = 128;
    e->buf = malloc(e->cap);
    if (!e->buf)
        exit(2);
    e->buf[0] = 0;
    e->hist_pos = nhistory;
}

void edit_free(struct edit *e)
{
    free(e->buf);
    free(e->saved);
    e->buf = e->saved = NULL;
}

static void set_text(struct edit *e, const char *s)
{
    size_t n = strlen(s);
    if (n + 1 > e->cap) {
        e->cap = n + 64;
        e->buf = realloc(e->buf, e->cap);
        if (!e->buf)
            exit(2);
    }
    memcpy(e->buf, s, n + 1);
    e->len = e->cursor = n;
}

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The start of the character before pos, and the end of the one at pos. */
static size_t prev_char(const struct edit *e, size_t pos)
{
    if (pos == 0)
        return 0;
    pos--;
    while (pos > 0 && is_continuation((unsigned char)e->buf[pos]))
        pos--;
    return pos;
}

static size_t next_char(const struct edit *e, size_t pos)
{
    if (pos >= e->len)
        return e->len;
    pos++;
    while (pos < e->len && is_continuation((unsigned char)e->buf[pos]))
        pos++;
    return pos;
}

static void delete_range(struct edit *e, size_t from, size_t to)
{
    memmove(e->buf + from, e->buf + to, e->len - to + 1);
    e->len -= to - from;
    if (e->cursor > to)
        e->cursor -= to - from;
    else if (e->cursor > from)
        e->cursor = from;
}

static void insert_byte(struct edit *e, char c)
{
    if (e->len + 2 > e->cap) {
        e->cap *= 2;
        e->buf = realloc(e->buf, e->cap);
        if (!e->buf)
            exit(2);
    }
    memmove(e->buf + e->cursor + 1, e->buf + e->cursor, e->len - e->cursor + 1);
    e->buf[e->cursor++] = c;
    e->len++;
}

static void history_step(struct edit *e, int dir)
{
    if (dir < 0 && e->hist_pos == 0)
        return;
    if (dir > 0 && e->hist_pos >= nhistory)
        return;
    if (e->hist_pos == nhistory) {
        free(e->saved);
        e->saved = strdup(e->buf);
    }
    e->hist_pos += dir;
    set_text(e, e->hist_pos == nhistory ? (e->saved ? e->saved : "") : history[e->hist_pos]);
}

/* A complete escape sequence's final byte (ESC [ param? final, or ESC O final). */
static void escape_key(struct edit *e, char final, char param)
{
    switch (final) {
    case 'A': history_step(e, -1); break;
    case 'B': history_step(e, +1); break;
    case 'C': e->cursor = next_char(e, e->cursor); break;
    case 'D': e->cursor = prev_char(e, e->cursor); break;
    case 'H': e->cursor = 0; break;
    case 'F': e->cursor = e->len; break;
    case '~':
        if (param == '1' || param == '7')
            e->cursor = 0;
        else if (param == '4' || param == '8')
            e->cursor = e->len;
        else if (param == '3')
            delete_range(e, e->cursor, next_char(e, e->cursor));
        break;
    }
}

enum edit_result edit_key(struct edit *e, unsigned char c)
{
    /* escape sequences: ESC, then '[' or 'O', digits, a final byte */
    if (e->esc_state == 1) {
        e->esc_state = (c == '[' || c == 'O') ? 2 : 0;
        e->esc_param = 0;
        return EDIT_CONTINUE;
    }
    if (e->esc_state == 2) {
        if (c >= '0' && c <= '9') {
            e->esc_param = (char)c;
            return EDIT_CONTINUE;
        }
        if (c == ';')
            return EDIT_CONTINUE;
        e->esc_state = 0;
        escape_key(e, (char)c, e->esc_param);
        return EDIT_CONTINUE;
    }
    switch (c) {
    case 0x1B: e->esc_state = 1; return EDIT_CONTINUE;
    case '\r':
    case '\n': return EDIT_DONE;
    case 0x01: e->cursor = 0; return EDIT_CONTINUE;
    case 0x05: e->cursor = e->len; return EDIT_CONTINUE;
    case 0x02: e->cursor = prev_char(e, e->cursor); return EDIT_CONTINUE;
    case 0x06: e->cursor = next_char(e, e->cursor); return EDIT_CONTINUE;
    case 0x10: history_step(e, -1); return EDIT_CONTINUE;
    case 0x0E: history_step(e, +1); return EDIT_CONTINUE;
    case 0x03: return EDIT_CANCEL;
    case 0x0C: return EDIT_CLEAR;
    case '\t': return EDIT_COMPLETE;
    case 0x04:
        if (e->len == 0)
            return EDIT_EOF;
        delete_range(e, e->cursor, next_char(e, e->cursor));
        return EDIT_CONTINUE;
    case 0x7F:
    case 0x08:
        delete_range(e, prev_char(e, e->cursor), e->cursor);
        return EDIT_CONTINUE;
    case 0x0B: delete_range(e, e->cursor, e->len); return EDIT_CONTINUE;
    case 0x15: delete_range(e, 0, e->cursor); return EDIT_CONTINUE;
    case 0x17: {
        size_t p = e->cursor;
        while (p > 0 && e->buf[p - 1] == ' ')
            p--;
        while (p > 0 && e->buf[p - 1] != ' ')
            p--;
        delete_range(e, p, e->cursor);
        return EDIT_CONTINUE;
    }
    }
    if (c >= 0x20)
        insert_byte(e, (char)c);
    return EDIT_CONTINUE;
}

size_t edit_word_start(const struct edit *e)
{
    size_t p = e->cursor;
    while (p > 0 && e->buf[p - 1] != ' ' && e->buf[p - 1] != '\t')
        p--;
    return p;
}

bool edit_complete(struct edit *e, size_t start, char *const *candidates, size_t n)
{
    if (n == 0)
        return false;
    /* the longest beginning all candidates share */
    size_t common = strlen(candidates[0]);
    for (size_t i = 1; i < n; i++) {
        size_t k = 0;
        while (k < common && candidates[i][k] == candidates[0][k])
            k++;
        common = k;
    }
    size_t word = e->cursor - start;
    bool finish = n == 1 && common > 0 && candidates[0][common - 1] != '/';
    if (common <= word && !finish)
        return false;
    if (common < word)
        common = word;
    /* replace the word by the common beginning */
    delete_range(e, start, e->cursor);
    e->cursor = start;
    for (size_t i = 0; i < common; i++)
        insert_byte(e, candidates[0][i]);
    if (finish)
        insert_byte(e, ' ');
    return true;
}

/* ---- terminal I/O ---- */

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static size_t columns(const char *s, size_t n)
{
    size_t cols = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_continuation((unsigned char)s[i]))
            cols++;
    return cols;
}

/* Redraw: back to the line start, prompt and text, clear the rest, then
 * move left to the cursor. */
static void redraw(int out, const char *prompt, const struct edit *e)
{
    size_t need = strlen(prompt) + e->len + 32;
    char *s = malloc(need);
    if (!s)
        return;
    int n = snprintf(s, need, "\r%s%s\x1b[K", prompt, e->buf);
    size_t back = columns(e->buf + e->cursor, e->len - e->cursor);
    if (back > 0)
        n += snprintf(s + n, need - (size_t)n, "\x1b[%zuD", back);
    write_all(out, s, (size_t)n);
    free(s);
}

char *lineedit_read(const char *prompt, int in, int out, complete_fn complete)
{
    struct edit e;
    edit_init(&e);
    write_all(out, prompt, strlen(prompt));
    for (;;) {
        unsigned char c;
        ssize_t n = read(in, &c, 1);
        if (n <= 0) {
            if (e.len == 0) {
                edit_free(&e);
                return NULL;
            }
            write_all(out, "\r\n", 2);
            break;
        }
        size_t old_len = e.len, old_cursor = e.cursor;
        bool plain = e.esc_state == 0 && c >= 0x20 && c != 0x7f;
        enum edit_result r = edit_key(&e, c);
        if (r == EDIT_CONTINUE && plain && old_cursor == old_len && e.cursor == e.len &&
            e.len == old_len + 1) {
            /* typed at the end of the line: echo it, no redraw needed */
            write_all(out, e.buf + old_len, e.len - old_len);
            continue;
        }
        if (r == EDIT_DONE) {
            write_all(out, "\r\n", 2);
            break;
        }
        if (r == EDIT_EOF) {
            write_all(out, "\r\n", 2);
            edit_free(&e);
            return NULL;
        }
        if (r == EDIT_CANCEL) {
            write_all(out, "^C\r\n", 4);
            set_text(&e, "");
            free(e.saved);
            e.saved = NULL;
            e.hist_pos = nhistory;
            write_all(out, prompt, strlen(prompt));
            continue;
        }
        if (r == EDIT_CLEAR)
            write_all(out, "\x1b[H\x1b[2J", 7);
        if (r == EDIT_COMPLETE && complete)
            complete(&e, out);
        redraw(out, prompt, &e);
    }
    char *line = e.buf;
    e.buf = NULL;
    edit_free(&e);
    return line;
}
