/*
 * apps/sh/lex.c — token recognition (POSIX.1-2017 XCU §2.3).
 *
 * A word runs until an unquoted blank, newline or operator character. Its
 * quotes stay in the token's text: expansion (expand.c) interprets them
 * later, as POSIX orders it. A word that ends inside quotes, or text
 * ending in a backslash, is LEX_INCOMPLETE so the caller can read on.
 */
#include <string.h>

#include "sh.h"

void lex_init(struct lexer *lx, const char *src)
{
    lx->src = src;
    lx->pos = 0;
    lx->error = NULL;
}

static bool is_operator_start(char c)
{
    return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')';
}

static bool ends_word(char c)
{
    return c == 0 || c == ' ' || c == '\t' || c == '\n' || is_operator_start(c);
}

/* Skip a quoted section starting at s[i] (the quote); returns the index
 * after it, or 0 if the text ends first. */
static size_t skip_single_quotes(const char *s, size_t i)
{
    const char *close = strchr(s + i + 1, '\'');
    return close ? (size_t)(close - s) + 1 : 0;
}

static size_t skip_double_quotes(const char *s, size_t i)
{
    for (i++; s[i]; i++) {
        if (s[i] == '\\' && s[i + 1])
            i++;
        else if (s[i] == '\\')
            return 0;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* ${...}: to the matching brace, quotes respected. 0 if unterminated. */
static size_t skip_braces(const char *s, size_t i)
{
    for (i += 2; s[i]; i++) {
        if (s[i] == '}')
            return i + 1;
        if (s[i] == '\\' && s[i + 1])
            i++;
        else if (s[i] == '\'' || s[i] == '"') {
            size_t end = s[i] == '\'' ? skip_single_quotes(s, i) : skip_double_quotes(s, i);
            if (!end)
                return 0;
            i = end - 1;
        }
    }
    return 0;
}

/* Scan a word from s[start]; returns its end, 0 when incomplete. */
static size_t scan_word(const char *s, size_t start)
{
    size_t i = start;
    while (!ends_word(s[i])) {
        if (s[i] == '\\') {
            if (s[i + 1] == 0 || (s[i + 1] == '\n' && s[i + 2] == 0))
                return 0;
            i += 2;
        } else if (s[i] == '\'' || s[i] == '"') {
            size_t end = s[i] == '\'' ? skip_single_quotes(s, i) : skip_double_quotes(s, i);
            if (!end)
                return 0;
            i = end;
        } else if (s[i] == '$' && s[i + 1] == '{') {
            size_t end = skip_braces(s, i);
            if (!end)
                return 0;
            i = end;
        } else {
            i++;
        }
    }
    return i;
}

enum lex_status lex_next(struct lexer *lx, struct token *tok)
{
    const char *s = lx->src;
    size_t i = lx->pos;

    /* blanks, line continuations and comments */
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t')
            i++;
        if (s[i] == '\\' && s[i + 1] == '\n') {
            if (s[i + 2] == 0)
                return LEX_INCOMPLETE;   /* the next line continues this one */
            i += 2;
            continue;
        }
        if (s[i] == '#') {
            while (s[i] && s[i] != '\n')
                i++;
        }
        break;
    }
    if (s[i] == '\\' && s[i + 1] == 0)
        return LEX_INCOMPLETE;

    tok->text = s + i;
    tok->len = 0;
    char c = s[i];
    if (c == 0) {
        tok->kind = TOK_EOF;
        lx->pos = i;
        return LEX_OK;
    }
    if (c == '\n') {
        tok->kind = TOK_NEWLINE;
        lx->pos = i + 1;
        return LEX_OK;
    }
    if (is_operator_start(c)) {
        char d = s[i + 1];
        size_t n = 1;
        if (c == '&' && d == '&') {
            tok->kind = TOK_AND;
            n = 2;
        } else if (c == '|' && d == '|') {
            tok->kind = TOK_OR;
            n = 2;
        } else if (c == '>' && d == '>') {
            tok->kind = TOK_DGREAT;
            n = 2;
        } else if (c == '>' && d == '&') {
            tok->kind = TOK_GREATAND;
            n = 2;
        } else if (c == '<' && d == '&') {
            tok->kind = TOK_LESSAND;
            n = 2;
        } else if (c == '&') {
            tok->kind = TOK_AMP;
        } else if (c == '|') {
            tok->kind = TOK_PIPE;
        } else if (c == ';') {
            if (d == ';') {
                lx->error = "';;' is not supported (no case statements)";
                return LEX_ERROR;
            }
            tok->kind = TOK_SEMI;
        } else if (c == '<') {
            if (d == '<') {
                lx->error = "here-documents ('<<') are not supported";
                return LEX_ERROR;
            }
            tok->kind = TOK_LESS;
        } else if (c == '>') {
            tok->kind = TOK_GREAT;
        } else {
            lx->error = "subshells and groups ('(' and ')') are not supported";
            return LEX_ERROR;
        }
        tok->len = n;
        lx->pos = i + n;
        return LEX_OK;
    }

    size_t end = scan_word(s, i);
    if (end == 0)
        return LEX_INCOMPLETE;
    tok->kind = TOK_WORD;
    tok->len = end - i;
    /* all digits and directly followed by < or >: an IO_NUMBER */
    if (s[end] == '<' || s[end] == '>') {
        bool digits = true;
        for (size_t k = i; k < end; k++)
            digits = digits && s[k] >= '0' && s[k] <= '9';
        if (digits)
            tok->kind = TOK_IO_NUMBER;
    }
    lx->pos = end;
    return LEX_OK;
}
