/*
 * apps/sh/parse.c — the shell grammar (a subset of POSIX.1-2017 XCU §2.10):
 *
 *   list      : linebreak [and_or (separator and_or)* [separator]]
 *   and_or    : pipeline (('&&' | '||') linebreak pipeline)*
 *   pipeline  : ['!'] command ('|' linebreak command)*
 *   command   : (ASSIGNMENT_WORD | WORD | redirect)+
 *   redirect  : [IO_NUMBER] ('<' | '>' | '>>' | '<&' | '>&') WORD
 *   separator : ('&' | ';' | NEWLINE) linebreak
 *
 * A recursive-descent parser over the whole token list; text that stops
 * where more must follow is PARSE_INCOMPLETE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

struct parser {
    struct token *toks;
    size_t n, pos;
    char *err;
    size_t errcap;
    bool incomplete;
    bool failed;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("sh: out of memory\n", stderr);
        exit(2);
    }
    return q;
}

static char *copy_token(const struct token *t)
{
    char *s = xrealloc(NULL, t->len + 1);
    memcpy(s, t->text, t->len);
    s[t->len] = 0;
    return s;
}

static const struct token *peek(struct parser *p)
{
    return &p->toks[p->pos];
}

static bool accept(struct parser *p, enum token_kind k)
{
    if (p->toks[p->pos].kind != k)
        return false;
    p->pos++;
    return true;
}

static const char *token_name(const struct token *t)
{
    switch (t->kind) {
    case TOK_NEWLINE: return "newline";
    case TOK_SEMI: return ";";
    case TOK_AMP: return "&";
    case TOK_PIPE: return "|";
    case TOK_AND: return "&&";
    case TOK_OR: return "||";
    case TOK_LESS: return "<";
    case TOK_GREAT: return ">";
    case TOK_DGREAT: return ">>";
    case TOK_LESSAND: return "<&";
    case TOK_GREATAND: return ">&";
    case TOK_EOF: return "end of input";
    default: return "word";
    }
}

/* An error at the current token; at the end of input, incomplete instead. */
static void syntax_error(struct parser *p)
{
    const struct token *t = peek(p);
    if (p->failed || p->incomplete)
        return;
    if (t->kind == TOK_EOF) {
        p->incomplete = true;
        return;
    }
    p->failed = true;
    if (t->kind == TOK_WORD || t->kind == TOK_IO_NUMBER)
        snprintf(p->err, p->errcap, "syntax error near '%.*s'", (int)t->len, t->text);
    else
        snprintf(p->err, p->errcap, "syntax error near unexpected '%s'", token_name(t));
}

static void skip_newlines(struct parser *p)
{
    while (accept(p, TOK_NEWLINE))
        ;
}

/* NAME=... with an unquoted '=' after a valid name. */
static bool is_assignment(const struct token *t)
{
    const char *eq = memchr(t->text, '=', t->len);
    return eq && eq > t->text && var_name_ok(t->text, (size_t)(eq - t->text));
}

static bool is_redirect_op(enum token_kind k)
{
    return k == TOK_LESS || k == TOK_GREAT || k == TOK_DGREAT || k == TOK_LESSAND ||
           k == TOK_GREATAND;
}

static bool parse_redirect(struct parser *p, struct command *c)
{
    int fd = -1;
    if (peek(p)->kind == TOK_IO_NUMBER) {
        const struct token *t = peek(p);
        fd = 0;
        for (size_t i = 0; i < t->len; i++) {
            fd = fd * 10 + (t->text[i] - '0');
            if (fd > 1000000) {
                p->failed = true;
                snprintf(p->err, p->errcap, "bad file descriptor number");
                return false;
            }
        }
        p->pos++;
    }
    enum token_kind op = peek(p)->kind;
    p->pos++;
    if (peek(p)->kind != TOK_WORD) {
        syntax_error(p);
        return false;
    }
    struct redir r;
    switch (op) {
    case TOK_LESS: r.kind = REDIR_IN; break;
    case TOK_GREAT: r.kind = REDIR_OUT; break;
    case TOK_DGREAT: r.kind = REDIR_APPEND; break;
    case TOK_LESSAND: r.kind = REDIR_DUP_IN; break;
    default: r.kind = REDIR_DUP_OUT; break;
    }
    r.fd = fd >= 0 ? fd : (r.kind == REDIR_IN || r.kind == REDIR_DUP_IN ? 0 : 1);
    r.target = copy_token(peek(p));
    p->pos++;
    c->redirs = xrealloc(c->redirs, (c->nredirs + 1) * sizeof *c->redirs);
    c->redirs[c->nredirs++] = r;
    return true;
}

static void command_free(struct command *c)
{
    for (size_t i = 0; i < c->nassigns; i++)
        free(c->assigns[i]);
    for (size_t i = 0; i < c->nwords; i++)
        free(c->words[i]);
    for (size_t i = 0; i < c->nredirs; i++)
        free(c->redirs[i].target);
    free(c->assigns);
    free(c->words);
    free(c->redirs);
}

static bool parse_command(struct parser *p, struct command *c)
{
    memset(c, 0, sizeof *c);
    for (;;) {
        const struct token *t = peek(p);
        if (t->kind == TOK_IO_NUMBER || is_redirect_op(t->kind)) {
            if (!parse_redirect(p, c))
                return false;
        } else if (t->kind == TOK_WORD) {
            if (c->nwords == 0 && is_assignment(t)) {
                c->assigns = xrealloc(c->assigns, (c->nassigns + 1) * sizeof *c->assigns);
                c->assigns[c->nassigns++] = copy_token(t);
            } else {
                c->words = xrealloc(c->words, (c->nwords + 1) * sizeof *c->words);
                c->words[c->nwords++] = copy_token(t);
            }
            p->pos++;
        } else {
            break;
        }
    }
    if (c->nassigns + c->nwords + c->nredirs == 0) {
        syntax_error(p);
        return false;
    }
    return true;
}

static void pipeline_free(struct pipeline *pl)
{
    for (size_t i = 0; i < pl->ncmds; i++)
        command_free(&pl->cmds[i]);
    free(pl->cmds);
}

static bool parse_pipeline(struct parser *p, struct pipeline *pl)
{
    memset(pl, 0, sizeof *pl);
    const struct token *t = peek(p);
    if (t->kind == TOK_WORD && t->len == 1 && t->text[0] == '!') {
        pl->negate = true;
        p->pos++;
    }
    for (;;) {
        struct command c;
        if (!parse_command(p, &c)) {
            command_free(&c);
            return false;
        }
        pl->cmds = xrealloc(pl->cmds, (pl->ncmds + 1) * sizeof *pl->cmds);
        pl->cmds[pl->ncmds++] = c;
        if (!accept(p, TOK_PIPE))
            return true;
        skip_newlines(p);
    }
}

static void and_or_free(struct and_or *a)
{
    for (size_t i = 0; i < a->npipes; i++)
        pipeline_free(&a->pipes[i]);
    free(a->pipes);
    free(a->ops);
}

static bool parse_and_or(struct parser *p, struct and_or *a)
{
    memset(a, 0, sizeof *a);
    for (;;) {
        struct pipeline pl;
        if (!parse_pipeline(p, &pl)) {
            pipeline_free(&pl);
            return false;
        }
        a->pipes = xrealloc(a->pipes, (a->npipes + 1) * sizeof *a->pipes);
        a->pipes[a->npipes++] = pl;
        enum token_kind k = peek(p)->kind;
        if (k != TOK_AND && k != TOK_OR)
            return true;
        p->pos++;
        a->ops = xrealloc(a->ops, a->npipes * sizeof *a->ops);
        a->ops[a->npipes - 1] = k == TOK_AND ? OP_AND : OP_OR;
        skip_newlines(p);
    }
}

static bool parse_list(struct parser *p, struct list *l)
{
    skip_newlines(p);
    while (peek(p)->kind != TOK_EOF) {
        struct and_or a;
        if (!parse_and_or(p, &a)) {
            and_or_free(&a);
            return false;
        }
        enum token_kind k = peek(p)->kind;
        if (k == TOK_AMP)
            a.background = true;
        l->items = xrealloc(l->items, (l->n + 1) * sizeof *l->items);
        l->items[l->n++] = a;
        if (k == TOK_AMP || k == TOK_SEMI || k == TOK_NEWLINE) {
            p->pos++;
            skip_newlines(p);
        } else if (k != TOK_EOF) {
            syntax_error(p);
            return false;
        }
    }
    return true;
}

void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        and_or_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

enum parse_status parse_text(const char *text, struct list *out, char *err, size_t errcap)
{
    struct parser p = { .err = err, .errcap = errcap };
    size_t cap = 0;
    struct lexer lx;
    lex_init(&lx, text);
    out->items = NULL;
    out->n = 0;
    err[0] = 0;
    for (;;) {
        if (p.n == cap)
            p.toks = xrealloc(p.toks, (cap = cap ? cap * 2 : 32) * sizeof *p.toks);
        enum lex_status s = lex_next(&lx, &p.toks[p.n]);
        if (s == LEX_INCOMPLETE) {
            free(p.toks);
            return PARSE_INCOMPLETE;
        }
        if (s == LEX_ERROR) {
            snprintf(err, errcap, "%s", lx.error);
            free(p.toks);
            return PARSE_ERROR;
        }
        if (p.toks[p.n++].kind == TOK_EOF)
            break;
    }
    bool ok = parse_list(&p, out);
    free(p.toks);
    if (ok)
        return PARSE_OK;
    list_free(out);
    return p.incomplete ? PARSE_INCOMPLETE : PARSE_ERROR;
}
