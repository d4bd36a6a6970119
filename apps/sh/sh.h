/*
 * apps/sh/sh.h — the KPIO shell's pieces and how they fit:
 *
 *   lex.c      text -> tokens (words keep their quotes; operators)
 *   parse.c    tokens -> a syntax tree: lists of and-or chains of
 *              pipelines of simple commands with redirections
 *   expand.c   a word -> fields: parameters, ~, quote removal, field
 *              splitting and pathname expansion (POSIX.1-2017 XCU §2.6)
 *   vars.c     shell variables and the exported environment
 *   exec.c     runs a tree: pipes, redirections, spawning, waiting
 *   builtins.c cd, pwd, exit, export, unset, set, history, source, ...
 *   lineedit.c an interactive line editor with history
 *   main.c     start-up, the read-eval loop, scripts and -c
 *
 * lex, parse, expand and vars need nothing from KPIO and are unit-tested on
 * the host (tests/unit/sh).
 */
#ifndef KPIO_SH_H
#define KPIO_SH_H

#include <stdbool.h>
#include <stddef.h>

/* ---- lexer ---- */

enum token_kind {
    TOK_WORD,
    TOK_IO_NUMBER,      /* digits right before a redirection operator */
    TOK_NEWLINE,
    TOK_SEMI,           /* ; */
    TOK_AMP,            /* & */
    TOK_PIPE,           /* | */
    TOK_AND,            /* && */
    TOK_OR,             /* || */
    TOK_LESS,           /* < */
    TOK_GREAT,          /* > */
    TOK_DGREAT,         /* >> */
    TOK_LESSAND,        /* <& */
    TOK_GREATAND,       /* >& */
    TOK_EOF,
};

struct token {
    enum token_kind kind;
    const char *text;   /* TOK_WORD / TOK_IO_NUMBER: in the source, with quotes */
    size_t len;
};

enum lex_status { LEX_OK, LEX_INCOMPLETE, LEX_ERROR };

struct lexer {
    const char *src;
    size_t pos;
    const char *error;  /* after LEX_ERROR */
};

void lex_init(struct lexer *lx, const char *src);
enum lex_status lex_next(struct lexer *lx, struct token *tok);

/* ---- syntax tree ---- */

enum redir_kind {
    REDIR_IN,           /* [n]<file     n defaults to 0 */
    REDIR_OUT,          /* [n]>file     n defaults to 1 */
    REDIR_APPEND,       /* [n]>>file */
    REDIR_DUP_IN,       /* [n]<&m */
    REDIR_DUP_OUT,      /* [n]>&m */
};

struct redir {
    enum redir_kind kind;
    int fd;
    char *target;       /* raw word (file name, or the fd number for DUP) */
};

struct command {
    char **assigns;     /* raw "NAME=value" words before the command name */
    size_t nassigns;
    char **words;       /* raw words: the command name and its arguments */
    size_t nwords;
    struct redir *redirs;
    size_t nredirs;
};

struct pipeline {
    struct command *cmds;
    size_t ncmds;
    bool negate;        /* ! pipeline */
};

enum and_or_op { OP_AND, OP_OR };

struct and_or {
    struct pipeline *pipes;
    enum and_or_op *ops;    /* ops[i] joins pipes[i] and pipes[i+1] */
    size_t npipes;
    bool background;        /* ended by & */
};

struct list {
    struct and_or *items;
    size_t n;
};

enum parse_status { PARSE_OK, PARSE_INCOMPLETE, PARSE_ERROR };

/* Parse all of text. PARSE_INCOMPLETE means the text ends inside a quote
 * or after an operator that needs more (|, &&, ||): read another line and
 * parse again. On PARSE_ERROR, err holds a message. */
enum parse_status parse_text(const char *text, struct list *out, char *err, size_t errcap);
void list_free(struct list *l);

/* ---- variables (vars.c) ---- */

void vars_init(char **environ_at_start);
const char *var_get(const char *name);
/* Set a variable; export it too when `export` (it stays exported if it was). */
bool var_set(const char *name, const char *value, bool export);
void var_unset(const char *name);
void var_export(const char *name);
bool var_name_ok(const char *name, size_t len);
/* A NULL-terminated "NAME=VALUE" vector of the exported variables, with
 * `extra` assignments (may be NULL) overriding; free with vars_free_env. */
char **vars_environment(char *const *extra, size_t nextra);
void vars_free_env(char **env);
/* Call fn for every variable in name order. */
void vars_each(void (*fn)(const char *name, const char *value, bool exported, void *arg), void *arg);

/* ---- expansion (expand.c) ---- */

/* What $?, $$, $!, $#, $0.. and $@ expand to. */
struct expand_params {
    int last_status;
    int shell_pid;
    int last_background;    /* 0: none yet */
    int argc;               /* $0 is argv[0] */
    char **argv;
};

struct fields {
    char **v;
    size_t n;
};

/* Expand raw word into fields (appended to out). Returns false with a
 * message in err for a bad substitution. */
bool expand_word(const char *raw, const struct expand_params *p, struct fields *out,
                 char *err, size_t errcap);
/* Expand to exactly one string (redirection targets, assignments: no
 * field splitting or pathname expansion). Returns a malloc'd string or
 * NULL with err set. */
char *expand_single(const char *raw, const struct expand_params *p, char *err, size_t errcap);
void fields_free(struct fields *f);

/* ---- execution (exec.c, builtins.c) ---- */

struct shell {
    struct expand_params params;
    bool interactive;
    bool exiting;           /* `exit` ran */
    int exit_status;
    const char *name;       /* for messages: "sh" or the script's name */
};

extern struct shell sh;

/* Run a parsed list; returns the status of the last pipeline. */
int exec_list(const struct list *l);
/* Parse and run text (a script's lines, -c, source). */
int exec_text(const char *text, const char *where);
/* Run the commands in a file; -1 (after a message on err_fd) if it cannot
 * be read, else the status of its last command. */
int exec_file(const char *path, int err_fd);
/* Reap finished background jobs; report them when interactive. */
void exec_reap_background(bool report);
/* wait: for background job pid, or all of them (pid 0); returns the status. */
int exec_wait_jobs(int pid);
/* jobs: list the background jobs on fd out. */
void exec_list_jobs(int out);

/* Builtins run inside the shell with the given stdio fds. in_pipeline is
 * true when other commands share the pipeline (state changes are then
 * dropped, as they would be in a subshell). Returns -1 if argv[0] is not a
 * builtin, else its status. */
int builtin_run(char **argv, int argc, int in, int out, int err, bool in_pipeline);
bool builtin_exists(const char *name);

/* The index-th builtin's name, NULL past the last (builtins.c). */
const char *builtin_name(size_t index);

/* ---- history and line editing (lineedit.c) ---- */

struct edit;

void history_add(const char *line);
size_t history_count(void);
const char *history_get(size_t i);      /* 0 = oldest */
void history_load(const char *path);
void history_save_line(const char *path, const char *line);

/* Tab completion: called with the line being edited; may change it and
 * write a list of choices to `out` (the line is drawn again after). */
typedef void (*complete_fn)(struct edit *e, int out);

/* Read a line with editing from fd `in`, echoing to `out`. Returns a
 * malloc'd line (without '\n'), or NULL at end of input. complete may be
 * NULL (Tab is then an ordinary character). */
char *lineedit_read(const char *prompt, int in, int out, complete_fn complete);

/* The editing core, without I/O, so it can be tested: a buffer and cursor
 * that keys act on. */
struct edit {
    char *buf;
    size_t len, cap, cursor;
    size_t hist_pos;         /* history index being shown; == count: the new line */
    char *saved;             /* the new line while browsing history */
    int esc_state;           /* escape sequence parser */
    char esc_param;
};

enum edit_result { EDIT_CONTINUE, EDIT_DONE, EDIT_EOF, EDIT_CANCEL, EDIT_CLEAR, EDIT_COMPLETE };

void edit_init(struct edit *e);
void edit_free(struct edit *e);
/* Feed one input byte; returns what the caller should do next. */
enum edit_result edit_key(struct edit *e, unsigned char c);
/* Where the word that ends at the cursor starts. */
size_t edit_word_start(const struct edit *e);
/* Replace the word at [start, cursor) by the longest common beginning of
 * the n candidates when that is longer, and when there is exactly one add a
 * space after it (unless it ends in '/'). Returns true if the line changed. */
bool edit_complete(struct edit *e, size_t start, char *const *candidates, size_t n);

/* Tab completion for the shell (complete.c): command names (builtins and
 * programs on $PATH) for the first word, file names for the others. */
void complete_line(struct edit *e, int out);

#endif
