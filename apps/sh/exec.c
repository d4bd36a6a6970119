/*
 * apps/sh/exec.c — running parsed commands (POSIX.1-2017 XCU §2.9).
 *
 * A pipeline's programs are started left to right with kpio_proc_spawn,
 * joined by kpio pipes, each with its redirections applied to the fds it
 * is given as 0, 1 and 2. The shell cannot fork, so builtins run inside
 * it: after the pipeline's programs have started (their readers are then
 * running, so a builtin writing into a pipe cannot block forever), with
 * their own fds. Then the shell waits for every program; the pipeline's
 * status is the last command's.
 */
#include <errno.h>
#include <fcntl.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "sh.h"

#define STATUS_NOT_FOUND 127
#define STATUS_CANNOT_RUN 126

struct shell sh;

/* Background jobs not yet waited for. */
struct job {
    kpio_pid pid;
    char *name;
};
static struct job *jobs;
static size_t njobs;

/* One command of a pipeline while it is being started. */
struct stage {
    struct fields argv;
    char **assigns;          /* expanded NAME=value */
    size_t nassigns;
    int fd[3];               /* what the command gets as 0, 1, 2 (-1: nothing) */
    int opened[8];           /* fds the shell opened for it, to close after */
    size_t nopened;
    kpio_pid pid;            /* 0 when not spawned */
    bool builtin;
};

static void say(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", sh.name);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

static void close_opened(struct stage *st)
{
    for (size_t i = 0; i < st->nopened; i++)
        close(st->opened[i]);
    st->nopened = 0;
}

static bool remember_fd(struct stage *st, int fd)
{
    if (st->nopened == sizeof st->opened / sizeof st->opened[0]) {
        close(fd);
        say("%s%s", "too many redirections", "");
        return false;
    }
    st->opened[st->nopened++] = fd;
    return true;
}

/* Apply one redirection to st->fd. */
static bool apply_redirect(struct stage *st, const struct redir *r)
{
    if (r->fd > 2) {
        say("%s%s", "only file descriptors 0, 1 and 2 can be redirected", "");
        return false;
    }
    char err[256];
    char *target = expand_single(r->target, &sh.params, err, sizeof err);
    if (!target) {
        say("%s%s", err, "");
        return false;
    }
    bool ok = true;
    if (r->kind == REDIR_DUP_IN || r->kind == REDIR_DUP_OUT) {
        if (strcmp(target, "-") == 0) {
            st->fd[r->fd] = -1;
        } else if (strlen(target) == 1 && target[0] >= '0' && target[0] <= '2') {
            st->fd[r->fd] = st->fd[target[0] - '0'];
        } else {
            say("%s: bad file descriptor", target, "");
            ok = false;
        }
    } else if (strcmp(target, "/dev/null") == 0) {
        st->fd[r->fd] = -1;   /* the null stream, wherever /dev is */
    } else {
        int flags = r->kind == REDIR_IN ? O_RDONLY
                    : r->kind == REDIR_OUT ? O_WRONLY | O_CREAT | O_TRUNC
                                           : O_WRONLY | O_CREAT | O_APPEND;
        int fd = open(target, flags, 0644);
        if (fd < 0) {
            say("%s: %s", target, strerror(errno));
            ok = false;
        } else if ((ok = remember_fd(st, fd))) {
            st->fd[r->fd] = fd;
        }
    }
    free(target);
    return ok;
}

/* Expand words and assignments and apply redirections. */
static bool prepare_stage(struct stage *st, const struct command *c)
{
    char err[256];
    for (size_t i = 0; i < c->nwords; i++) {
        if (!expand_word(c->words[i], &sh.params, &st->argv, err, sizeof err)) {
            say("%s%s", err, "");
            return false;
        }
    }
    st->assigns = calloc(c->nassigns + 1, sizeof *st->assigns);
    for (size_t i = 0; i < c->nassigns; i++) {
        const char *eq = strchr(c->assigns[i], '=');
        char *value = expand_single(eq + 1, &sh.params, err, sizeof err);
        if (!value) {
            say("%s%s", err, "");
            return false;
        }
        size_t nl = (size_t)(eq - c->assigns[i]);
        char *kv = malloc(nl + strlen(value) + 2);
        if (!kv)
            exit(2);
        memcpy(kv, c->assigns[i], nl + 1);
        strcpy(kv + nl + 1, value);
        free(value);
        st->assigns[st->nassigns++] = kv;
    }
    for (size_t i = 0; i < c->nredirs; i++)
        if (!apply_redirect(st, &c->redirs[i]))
            return false;
    return true;
}

static void free_stage(struct stage *st)
{
    fields_free(&st->argv);
    for (size_t i = 0; i < st->nassigns; i++)
        free(st->assigns[i]);
    free(st->assigns);
    close_opened(st);
}

/* The kpio stdio value for a stage fd. */
static int stdio_of(int fd)
{
    return fd < 0 ? (int)KPIO_STDIO_NULL : fd;
}

/* Start an external command; returns false (with status set) if it could
 * not be started. */
static bool spawn_stage(struct stage *st, int *status)
{
    char **env = vars_environment(st->assigns, st->nassigns);
    kpio_errno e = run_spawn(st->argv.v, env, stdio_of(st->fd[0]), stdio_of(st->fd[1]),
                             stdio_of(st->fd[2]), &st->pid);
    vars_free_env(env);
    if (e == KPIO_OK)
        return true;
    st->pid = 0;
    if (e == KPIO_ENOENT) {
        say("%s: command not found", st->argv.v[0], "");
        *status = STATUS_NOT_FOUND;
    } else {
        say("%s: %s", st->argv.v[0], kpio_strerror(e));
        *status = STATUS_CANNOT_RUN;
    }
    return false;
}

/* Assignments without a command set shell variables. */
static void assign_in_shell(const struct stage *st)
{
    for (size_t i = 0; i < st->nassigns; i++) {
        char *eq = strchr(st->assigns[i], '=');
        *eq = 0;
        var_set(st->assigns[i], eq + 1, false);
        *eq = '=';
    }
}

static void add_job(kpio_pid pid, const char *name)
{
    struct job *grown = realloc(jobs, (njobs + 1) * sizeof *jobs);
    if (!grown)
        return;
    jobs = grown;
    jobs[njobs].pid = pid;
    jobs[njobs].name = strdup(name);
    njobs++;
}

void exec_reap_background(bool report)
{
    for (size_t i = 0; i < njobs;) {
        kpio_proc_status st;
        kpio_errno e = kpio_proc_wait(jobs[i].pid, KPIO_WAIT_NOHANG, &st);
        if (e == KPIO_EAGAIN) {
            i++;
            continue;
        }
        if (report && e == KPIO_OK) {
            if (st.reason == KPIO_EXIT_NORMAL && st.code == 0)
                fprintf(stderr, "[%d] Done    %s\n", (int)jobs[i].pid, jobs[i].name);
            else if (st.reason == KPIO_EXIT_NORMAL)
                fprintf(stderr, "[%d] Exit %d  %s\n", (int)jobs[i].pid, st.code, jobs[i].name);
            else if (st.reason == KPIO_EXIT_KILLED)
                fprintf(stderr, "[%d] Killed  %s\n", (int)jobs[i].pid, jobs[i].name);
            else
                fprintf(stderr, "[%d] Crashed (%s)  %s\n", (int)jobs[i].pid,
                        kpio_trap_message(st.code), jobs[i].name);
        }
        free(jobs[i].name);
        jobs[i] = jobs[--njobs];
    }
}

/* The `wait` builtin's work: wait for one job (pid) or all (0). */
int exec_wait_jobs(int pid)
{
    int status = 0;
    for (size_t i = 0; i < njobs;) {
        if (pid && jobs[i].pid != pid) {
            i++;
            continue;
        }
        status = run_wait(jobs[i].pid, jobs[i].name);
        if (status < 0)
            status = 127;
        free(jobs[i].name);
        jobs[i] = jobs[--njobs];
        if (pid)
            return status;
    }
    return pid ? 127 : status;
}

void exec_list_jobs(int out)
{
    for (size_t i = 0; i < njobs; i++)
        dprintf(out, "[%d] Running  %s\n", (int)jobs[i].pid, jobs[i].name);
}

static int exec_pipeline(const struct pipeline *pl, bool background)
{
    size_t n = pl->ncmds;
    struct stage *st = calloc(n, sizeof *st);
    int *status = calloc(n, sizeof *status);
    if (!st || !status)
        exit(2);
    int prev_read = -1;
    bool failed = false;

    for (size_t i = 0; i < n && !failed; i++) {
        st[i].fd[0] = i == 0 ? 0 : prev_read;
        st[i].fd[1] = 1;
        st[i].fd[2] = 2;
        if (prev_read >= 0)
            remember_fd(&st[i], prev_read);
        prev_read = -1;
        if (i + 1 < n) {
            kpio_fd p[2];
            kpio_errno e = kpio_pipe(p);
            if (e != KPIO_OK) {
                say("cannot make a pipe: %s%s", kpio_strerror(e), "");
                status[i] = 1;
                failed = true;
                break;
            }
            st[i].fd[1] = p[1];
            remember_fd(&st[i], p[1]);
            prev_read = p[0];
        }
        if (!prepare_stage(&st[i], &pl->cmds[i])) {
            status[i] = 1;
            close_opened(&st[i]);
            continue;
        }
        if (st[i].argv.n == 0) {
            if (n == 1)
                assign_in_shell(&st[i]);
            status[i] = 0;
        } else if (builtin_exists(st[i].argv.v[0])) {
            st[i].builtin = true;
            continue;   /* runs once the programs have started; keeps its fds */
        } else {
            spawn_stage(&st[i], &status[i]);
        }
        close_opened(&st[i]);
    }
    if (prev_read >= 0)
        close(prev_read);

    /* builtins, in order, with their fds; then close them */
    for (size_t i = 0; i < n; i++) {
        if (st[i].builtin) {
            status[i] = builtin_run(st[i].argv.v, (int)st[i].argv.n, st[i].fd[0], st[i].fd[1],
                                    st[i].fd[2], n > 1);
            close_opened(&st[i]);
        }
    }

    if (background) {
        for (size_t i = 0; i < n; i++) {
            if (st[i].pid) {
                add_job(st[i].pid, st[i].argv.v[0]);
                sh.params.last_background = st[i].pid;
                if (sh.interactive)
                    fprintf(stderr, "[%d]\n", (int)st[i].pid);
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (st[i].pid) {
                int s = run_wait(st[i].pid, st[i].argv.v[0]);
                status[i] = s < 0 ? 1 : s;
            }
        }
    }
    int result = background ? 0 : status[n - 1];
    for (size_t i = 0; i < n; i++)
        free_stage(&st[i]);
    free(st);
    free(status);
    if (pl->negate)
        result = result == 0 ? 1 : 0;
    return result;
}

static int exec_and_or(const struct and_or *a)
{
    if (a->background && a->npipes > 1) {
        say("%s%s", "only a single pipeline can run in the background", "");
        return 2;
    }
    int status = exec_pipeline(&a->pipes[0], a->background);
    for (size_t i = 1; i < a->npipes && !sh.exiting; i++) {
        sh.params.last_status = status;
        bool run = a->ops[i - 1] == OP_AND ? status == 0 : status != 0;
        if (run)
            status = exec_pipeline(&a->pipes[i], false);
    }
    return status;
}

int exec_list(const struct list *l)
{
    int status = sh.params.last_status;
    for (size_t i = 0; i < l->n && !sh.exiting; i++) {
        status = exec_and_or(&l->items[i]);
        sh.params.last_status = status;
    }
    return status;
}

/* Run text line by line, as soon as each command is complete. */
int exec_text(const char *text, const char *where)
{
    size_t cap = strlen(text) + 1;
    char *pending = malloc(cap);
    if (!pending)
        exit(2);
    pending[0] = 0;
    size_t len = 0, line_no = 0, first_line = 1;
    const char *p = text;
    int status = sh.params.last_status;
    while (*p && !sh.exiting) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        memcpy(pending + len, p, n);
        len += n;
        pending[len] = 0;
        p += n;
        line_no++;
        struct list l;
        char err[256];
        enum parse_status ps = parse_text(pending, &l, err, sizeof err);
        if (ps == PARSE_INCOMPLETE && *p)
            continue;
        if (ps == PARSE_INCOMPLETE) {
            fprintf(stderr, "%s: %s: line %zu: unexpected end of file\n", sh.name, where, first_line);
            status = 2;
        } else if (ps == PARSE_ERROR) {
            fprintf(stderr, "%s: %s: line %zu: %s\n", sh.name, where, line_no, err);
            status = 2;
        } else {
            status = exec_list(&l);
            list_free(&l);
        }
        sh.params.last_status = status;
        len = 0;
        pending[0] = 0;
        first_line = line_no + 1;
    }
    free(pending);
    return status;
}

int exec_file(const char *path, int err_fd)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        dprintf(err_fd, "%s: %s: %s\n", sh.name, path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[8192];
    size_t n;
    while (m && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, m);
    fclose(f);
    if (!m)
        return -1;
    fclose(m);
    int status = exec_text(text, path);
    free(text);
    return status;
}
