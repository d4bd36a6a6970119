/*
 * apps/sh/vars.c — shell variables: a sorted array of name, value and
 * whether the variable is exported to the programs the shell starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

struct var {
    char *name;
    char *value;
    bool exported;
};

static struct var *vars;
static size_t nvars, cap;

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        fputs("sh: out of memory\n", stderr);
        exit(2);
    }
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

bool var_name_ok(const char *name, size_t len)
{
    if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* Index of name, or where it would go (with *found false). */
static size_t find(const char *name, size_t len, bool *found)
{
    size_t lo = 0, hi = nvars;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(vars[mid].name, name, len);
        if (c == 0 && vars[mid].name[len] != 0)
            c = 1;
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static bool set_n(const char *name, size_t len, const char *value, bool export)
{
    if (!var_name_ok(name, len))
        return false;
    bool found;
    size_t i = find(name, len, &found);
    if (found) {
        char *v = dup_n(value, strlen(value));
        free(vars[i].value);
        vars[i].value = v;
        vars[i].exported |= export;
        return true;
    }
    if (nvars == cap) {
        cap = cap ? cap * 2 : 64;
        struct var *grown = realloc(vars, cap * sizeof *vars);
        if (!grown) {
            fputs("sh: out of memory\n", stderr);
            exit(2);
        }
        vars = grown;
    }
    memmove(vars + i + 1, vars + i, (nvars - i) * sizeof *vars);
    vars[i].name = dup_n(name, len);
    vars[i].value = dup_n(value, strlen(value));
    vars[i].exported = export;
    nvars++;
    return true;
}

void vars_init(char **env)
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (eq)
            set_n(env[i], (size_t)(eq - env[i]), eq + 1, true);
    }
}

const char *var_get(const char *name)
{
    bool found;
    size_t i = find(name, strlen(name), &found);
    return found ? vars[i].value : NULL;
}

bool var_set(const char *name, const char *value, bool export)
{
    return set_n(name, strlen(name), value, export);
}

void var_unset(const char *name)
{
    bool found;
    size_t i = find(name, strlen(name), &found);
    if (!found)
        return;
    free(vars[i].name);
    free(vars[i].value);
    memmove(vars + i, vars + i + 1, (nvars - i - 1) * sizeof *vars);
    nvars--;
}

void var_export(const char *name)
{
    bool found;
    size_t i = find(name, strlen(name), &found);
    if (found)
        vars[i].exported = true;
    else
        set_n(name, strlen(name), "", true);
}

char **vars_environment(char *const *extra, size_t nextra)
{
    char **env = malloc((nvars + nextra + 1) * sizeof *env);
    if (!env) {
        fputs("sh: out of memory\n", stderr);
        exit(2);
    }
    size_t n = 0;
    for (size_t i = 0; i < nvars; i++) {
        if (!vars[i].exported)
            continue;
        bool overridden = false;
        size_t len = strlen(vars[i].name);
        for (size_t k = 0; k < nextra && !overridden; k++)
            overridden = strncmp(extra[k], vars[i].name, len) == 0 && extra[k][len] == '=';
        if (overridden)
            continue;
        size_t vlen = strlen(vars[i].value);
        char *kv = malloc(len + vlen + 2);
        if (!kv) {
            fputs("sh: out of memory\n", stderr);
            exit(2);
        }
        memcpy(kv, vars[i].name, len);
        kv[len] = '=';
        memcpy(kv + len + 1, vars[i].value, vlen + 1);
        env[n++] = kv;
    }
    for (size_t k = 0; k < nextra; k++)
        env[n++] = dup_n(extra[k], strlen(extra[k]));
    env[n] = NULL;
    return env;
}

void vars_free_env(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

void vars_each(void (*fn)(const char *name, const char *value, bool exported, void *arg), void *arg)
{
    for (size_t i = 0; i < nvars; i++)
        fn(vars[i].name, vars[i].value, vars[i].exported, arg);
}
