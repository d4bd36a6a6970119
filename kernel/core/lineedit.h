/*
 * kernel/core/lineedit.h — a line editor for a serial terminal (portable).
 *
 * Feed it the bytes a terminal sends, one at a time; it echoes and redraws
 * through a write callback using VT100/ANSI sequences and says when a line is
 * complete. Keys: printable characters insert at the cursor; Backspace (DEL
 * or ^H) and ^D / Delete remove; Left/Right, ^B/^F move; Home/End, ^A/^E jump;
 * ^U deletes to the start of the line, ^K to its end; Up/Down or ^P/^N walk
 * the history; ^C abandons the line; Enter (CR, LF or CR LF) completes it.
 */
#ifndef KPIO_LINEEDIT_H
#define KPIO_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX     256    /* bytes per line, including the NUL */
#define LINEEDIT_HISTORY 32     /* remembered lines */

typedef void (*lineedit_write_fn)(void *ctx, const char *s, size_t n);

struct lineedit {
    char buf[LINEEDIT_MAX];     /* the line; NUL-terminated when complete */
    size_t len;
    size_t cursor;
    const char *prompt;
    lineedit_write_fn write;
    void *ctx;

    char history[LINEEDIT_HISTORY][LINEEDIT_MAX];
    unsigned hist_count;        /* lines stored (up to LINEEDIT_HISTORY) */
    unsigned hist_next;         /* slot the next line goes to (a ring) */
    unsigned hist_back;         /* 0 = editing a new line, k = k-th most recent */
    char saved[LINEEDIT_MAX];   /* the new line, kept while browsing history */

    int esc;                    /* escape-sequence parser state */
    unsigned esc_param;
    bool last_was_cr;
};

enum lineedit_event {
    LINEEDIT_NONE = 0,          /* keep feeding */
    LINEEDIT_LINE = 1,          /* buf holds a complete line */
    LINEEDIT_CANCEL = 2,        /* ^C: the line was abandoned */
};

void lineedit_init(struct lineedit *le, const char *prompt, lineedit_write_fn write, void *ctx);
/* Print the prompt and start an empty line. */
void lineedit_begin(struct lineedit *le);
/* Take one byte from the terminal; returns what happened. */
enum lineedit_event lineedit_feed(struct lineedit *le, char c);
/* Add a line to the history (done by lineedit_feed for non-empty lines). */
void lineedit_history_add(struct lineedit *le, const char *line);
/* The k-th most recent history line (k = 1 is the newest), or NULL. */
const char *lineedit_history_get(const struct lineedit *le, unsigned k);

#endif
