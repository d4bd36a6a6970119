/*
 * apps/sh/builtins.c — commands the shell runs itself: those that change
 * the shell (cd, exit, export, unset, source) and a few that are handy to
 * have without starting a program (pwd, set, history, type, jobs, wait,
 * true, false, help).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "sh.h"

struct builtin {
    const char *name;
    int (*fn)(char **argv, int argc, int out, int err, bool in_pipeline);
    const char *help;
};

/* Make path absolute (against $PWD) and lexically normal: no ".", "..",
 * empty components or trailing '/'. Returns a malloc'd string. */
static char *normalize(const char *path)
{
    const char *pwd = var_get("PWD");
    if (!pwd || pwd[0] != '/')
        pwd = "/";
    size_t cap = strlen(pwd) + strlen(path) + 3;
    char *joined = malloc(cap), *out = malloc(cap);
    if (!joined || !out)
        exit(2);
    if (path[0] == '/')
        snprintf(joined, cap, "%s", path);
    else
        snprintf(joined, cap, "%s/%s", pwd, path);
    size_t len = 0;
    char *save, *part = strtok_r(joined, "/", &save);
    for (; part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            continue;
        }
        out[len++] = '/';
        size_t n = strlen(part);
        memcpy(out + len, part, n);
        len += n;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = 0;
    free(joined);
    return out;
}

static int bi_cd(char **argv, int argc, int out, int err, bool in_pipeline)
{
    const char *target;
    bool print = false;
    if (argc > 2) {
        dprintf(err, "%s: cd: too many arguments\n", sh.name);
        return 1;
    }
    if (argc == 1) {
        target = var_get("HOME");
        if (!target || !*target)
            target = "/";
    } else if (strcmp(argv[1], "-") == 0) {
        target = var_get("OLDPWD");
        if (!target) {
            dprintf(err, "%s: cd: OLDPWD not set\n", sh.name);
            return 1;
        }
        print = true;
    } else {
        target = argv[1];
    }
    char *dir = normalize(target);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        dprintf(err, "%s: cd: %s: %s\n", sh.name, target,
                errno == 0 || S_ISREG(st.st_mode) ? "Not a directory" : strerror(errno));
        free(dir);
        return 1;
    }
    if (!in_pipeline) {
        if (chdir(dir) != 0) {
            dprintf(err, "%s: cd: %s: %s\n", sh.name, target, strerror(errno));
            free(dir);
            return 1;
        }
        const char *old = var_get("PWD");
        var_set("OLDPWD", old ? old : "/", true);
        var_set("PWD", dir, true);
    }
    if (print)
        dprintf(out, "%s\n", dir);
    free(dir);
    return 0;
}

static int bi_pwd(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)argc, (void)err, (void)in_pipeline;
    const char *pwd = var_get("PWD");
    dprintf(out, "%s\n", pwd && pwd[0] == '/' ? pwd : "/");
    return 0;
}

static bool parse_status(const char *s, int *status)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end)
        return false;
    *status = (int)(v & 0xFF);
    return true;
}

static int bi_exit(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)out;
    int status = sh.params.last_status;
    if (argc > 2) {
        dprintf(err, "%s: exit: too many arguments\n", sh.name);
        return 1;
    }
    if (argc == 2 && !parse_status(argv[1], &status)) {
        dprintf(err, "%s: exit: %s: numeric argument required\n", sh.name, argv[1]);
        status = 2;
    }
    if (!in_pipeline) {
        sh.exiting = true;
        sh.exit_status = status;
    }
    return status;
}

struct print_ctx {
    int out;
    bool only_exported;
};

/* Print value in single quotes if it needs quoting to be read back. */
static void print_var(const char *name, const char *value, bool exported, void *arg)
{
    struct print_ctx *c = arg;
    if (c->only_exported && !exported)
        return;
    bool plain = *value != 0;
    for (const char *p = value; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:,+@%", *p);
    dprintf(c->out, "%s%s=", c->only_exported ? "export " : "", name);
    if (plain) {
        dprintf(c->out, "%s\n", value);
        return;
    }
    dprintf(c->out, "'");
    for (const char *p = value; *p; p++) {
        if (*p == '\'')
            dprintf(c->out, "'\\''");
        else
            dprintf(c->out, "%c", *p);
    }
    dprintf(c->out, "'\n");
}

static int bi_export(char **argv, int argc, int out, int err, bool in_pipeline)
{
    if (argc == 1) {
        struct print_ctx c = { out, true };
        vars_each(print_var, &c);
        return 0;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        size_t nl = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        if (!var_name_ok(argv[i], nl)) {
            dprintf(err, "%s: export: '%s': not a valid name\n", sh.name, argv[i]);
            status = 1;
            continue;
        }
        if (in_pipeline)
            continue;
        if (eq) {
            *eq = 0;
            var_set(argv[i], eq + 1, true);
            *eq = '=';
        } else {
            var_export(argv[i]);
        }
    }
    return status;
}

static int bi_unset(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)out;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (!var_name_ok(argv[i], strlen(argv[i]))) {
            dprintf(err, "%s: unset: '%s': not a valid name\n", sh.name, argv[i]);
            status = 1;
        } else if (!in_pipeline) {
            var_unset(argv[i]);
        }
    }
    return status;
}

static int bi_set(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)in_pipeline;
    if (argc > 1) {
        dprintf(err, "%s: set: options are not supported; use NAME=VALUE to set a variable\n",
                sh.name);
        return 2;
    }
    struct print_ctx c = { out, false };
    vars_each(print_var, &c);
    return 0;
}

static int bi_history(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)argc, (void)err, (void)in_pipeline;
    for (size_t i = 0; i < history_count(); i++)
        dprintf(out, "%5zu  %s\n", i + 1, history_get(i));
    return 0;
}

static int bi_source(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)out;
    if (argc < 2) {
        dprintf(err, "%s: %s: a file name is needed\n", sh.name, argv[0]);
        return 2;
    }
    if (in_pipeline)
        return 0;
    int status = exec_file(argv[1], err);
    return status < 0 ? 1 : status;
}

static int bi_true(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)argc, (void)out, (void)err, (void)in_pipeline;
    return 0;
}

static int bi_false(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)argc, (void)out, (void)err, (void)in_pipeline;
    return 1;
}

static int bi_wait(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)out, (void)in_pipeline;
    if (argc == 1)
        return exec_wait_jobs(0);
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*end || pid <= 0) {
            dprintf(err, "%s: wait: '%s': not a process id\n", sh.name, argv[i]);
            status = 2;
            continue;
        }
        status = exec_wait_jobs((int)pid);
    }
    return status;
}

static int bi_jobs(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)argc, (void)err, (void)in_pipeline;
    exec_reap_background(false);
    exec_list_jobs(out);
    return 0;
}

static int bi_type(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)in_pipeline;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char *path = NULL;
        if (builtin_exists(argv[i])) {
            dprintf(out, "%s is a shell builtin\n", argv[i]);
            continue;
        }
        int fd = run_open_program_in(argv[i], var_get("PATH"), &path);
        if (fd >= 0) {
            dprintf(out, "%s is %s\n", argv[i], path);
            close(fd);
            free(path);
        } else {
            dprintf(err, "%s: type: %s: not found\n", sh.name, argv[i]);
            status = 1;
        }
    }
    return status;
}

static int bi_help(char **argv, int argc, int out, int err, bool in_pipeline);

static const struct builtin builtins[] = {
    { ".", bi_source, ". FILE           run the commands in FILE in this shell" },
    { "cd", bi_cd, "cd [DIR | -]      change the working directory ($HOME by default)" },
    { "exit", bi_exit, "exit [N]          leave the shell with status N" },
    { "export", bi_export, "export [NAME[=VALUE]...]  pass variables to programs" },
    { "false", bi_false, "false             do nothing, unsuccessfully" },
    { "help", bi_help, "help              this list" },
    { "history", bi_history, "history           the commands entered so far" },
    { "jobs", bi_jobs, "jobs              background commands still running" },
    { "pwd", bi_pwd, "pwd               print the working directory" },
    { "set", bi_set, "set               list the shell's variables" },
    { "source", bi_source, "source FILE       run the commands in FILE in this shell" },
    { "true", bi_true, "true              do nothing, successfully" },
    { "type", bi_type, "type NAME...      say what NAME runs" },
    { "unset", bi_unset, "unset NAME...     remove variables" },
    { "wait", bi_wait, "wait [PID...]     wait for background commands" },
};

static int bi_help(char **argv, int argc, int out, int err, bool in_pipeline)
{
    (void)argv, (void)argc, (void)err, (void)in_pipeline;
    dprintf(out, "KPIO shell builtins:\n");
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        dprintf(out, "  %s\n", builtins[i].help);
    dprintf(out, "Programs are looked up in $PATH (%s).\n", var_get("PATH") ? var_get("PATH") : "/bin");
    return 0;
}

static const struct builtin *find_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

const char *builtin_name(size_t index)
{
    return index < sizeof builtins / sizeof builtins[0] ? builtins[index].name : NULL;
}

bool builtin_exists(const char *name)
{
    return find_builtin(name) != NULL;
}

int builtin_run(char **argv, int argc, int in, int out, int err, bool in_pipeline)
{
    (void)in;
    const struct builtin *b = find_builtin(argv[0]);
    if (!b)
        return -1;
    /* a closed stream (>&-) is -1: writes to it fail quietly */
    return b->fn(argv, argc, out, err, in_pipeline);
}
