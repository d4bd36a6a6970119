/*
 * kernel/core/cmdline.c — parse the kernel command line once into words.
 */
#include "core/cmdline.h"
#include "lib/lib.h"
#include <kpio/boot.h>

#define MAX_WORDS 32

static char text_copy[KPIO_CMDLINE_MAX];
static char words_buf[KPIO_CMDLINE_MAX];
static const char *keys[MAX_WORDS], *values[MAX_WORDS];
static unsigned word_count;

/* Split a copy of text at spaces; "key=value" words are split at the first '='. */
void cmdline_init(const char *text)
{
    strlcpy(text_copy, text, sizeof(text_copy));
    strlcpy(words_buf, text, sizeof(words_buf));
    word_count = 0;
    char *p = words_buf;
    while (*p && word_count < MAX_WORDS) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        bool split = false;
        keys[word_count] = p;
        values[word_count] = "";
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '=' && !split) {
                *p = 0;
                values[word_count] = p + 1;
                split = true;
            }
            p++;
        }
        word_count++;
    }
}

const char *cmdline_text(void)
{
    return text_copy;
}

const char *cmdline_get(const char *key)
{
    /* The last occurrence wins, so that appending overrides. */
    const char *found = NULL;
    for (unsigned i = 0; i < word_count; i++) {
        if (strcmp(keys[i], key) == 0)
            found = values[i];
    }
    return found;
}

uint64_t cmdline_get_u64(const char *key, uint64_t fallback)
{
    const char *v = cmdline_get(key);
    char *end;
    if (!v || !*v)
        return fallback;
    uint64_t n = strtoull(v, &end, 0);
    return *end ? fallback : n;
}

bool cmdline_list_match(const char *list, const char *name)
{
    size_t name_len = strlen(name);
    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t len = comma ? (size_t)(comma - list) : strlen(list);
        if (len == 3 && strncmp(list, "all", 3) == 0)
            return true;
        if (len > 0 && list[len - 1] == '*') {
            if (name_len >= len - 1 && strncmp(list, name, len - 1) == 0)
                return true;
        } else if (len == name_len && strncmp(list, name, len) == 0) {
            return true;
        }
        list = comma ? comma + 1 : NULL;
    }
    return false;
}
