/*
 * lib/manifest/manifest.c — the .kpioapp manifest schema over the TOML
 * reader: which keys exist, their types, and the rules for their values.
 */
#include "manifest.h"

#include "../common/msg.h"
#include "toml.h"

/* Keys, as bits of a "seen" set for duplicate and missing-key checks. */
enum {
    KEY_ID = 1u << 0,
    KEY_NAME = 1u << 1,
    KEY_VERSION = 1u << 2,
    KEY_ENTRY = 1u << 3,
    KEY_DESCRIPTION = 1u << 4,
    KEY_FILESYSTEM = 1u << 5,
    KEY_PATHS = 1u << 6,
    KEY_NETWORK = 1u << 7,
    KEY_GUI = 1u << 8,
    TABLE_PERMISSIONS = 1u << 9,
};

struct schema_key {
    const char *name;
    unsigned bit;
    bool in_permissions;        /* else top level */
    toml_type type;             /* TOML_ARRAY means an array of strings */
};

static const struct schema_key schema[] = {
    { "id", KEY_ID, false, TOML_STRING },
    { "name", KEY_NAME, false, TOML_STRING },
    { "version", KEY_VERSION, false, TOML_STRING },
    { "entry", KEY_ENTRY, false, TOML_STRING },
    { "description", KEY_DESCRIPTION, false, TOML_STRING },
    { "filesystem", KEY_FILESYSTEM, true, TOML_STRING },
    { "paths", KEY_PATHS, true, TOML_ARRAY },
    { "network", KEY_NETWORK, true, TOML_BOOL },
    { "gui", KEY_GUI, true, TOML_BOOL },
};

struct state {
    manifest *m;
    unsigned seen;
    bool in_permissions;
};

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void copy(char *dst, const char *src, size_t len)
{
    __builtin_memcpy(dst, src, len);
    dst[len] = 0;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reverse-DNS id: two or more dot-separated labels of [a-z0-9-], none
 * empty or starting or ending with '-'. */
static bool id_ok(const char *s)
{
    size_t len = length(s), labels = 0;
    if (len < 3 || len > MANIFEST_ID_MAX)
        return false;
    for (size_t i = 0; i <= len; labels++) {
        size_t start = i;
        while (i < len && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-'))
                return false;
            i++;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        i++;   /* past the dot (or the terminator) */
    }
    return labels >= 2;
}

/* A number without leading zeros; advances *p past it. */
static bool version_number(const char **p)
{
    const char *s = *p;
    if (!is_digit(*s))
        return false;
    if (*s == '0' && is_digit(s[1]))
        return false;
    while (is_digit(*s))
        s++;
    *p = s;
    return true;
}

/* MAJOR.MINOR.PATCH with an optional -prerelease of [0-9A-Za-z.-]. */
static bool version_ok(const char *s)
{
    if (length(s) > MANIFEST_VERSION_MAX)
        return false;
    for (int part = 0; part < 3; part++) {
        if (!version_number(&s))
            return false;
        if (part < 2 && *s++ != '.')
            return false;
    }
    if (*s == 0)
        return true;
    if (*s++ != '-' || *s == 0)
        return false;
    for (; *s; s++)
        if (!(is_digit(*s) || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              *s == '.' || *s == '-'))
            return false;
    return true;
}

/* '/'-separated components, each non-empty, not "." or "..", and no byte
 * that is a control, a backslash or a colon. */
static bool components_ok(const char *s)
{
    for (;;) {
        const char *start = s;
        while (*s && *s != '/') {
            if ((unsigned char)*s < 0x20 || *s == 0x7F || *s == '\\' || *s == ':')
                return false;
            s++;
        }
        size_t n = (size_t)(s - start);
        if (n == 0 || (n == 1 && start[0] == '.') || (n == 2 && start[0] == '.' && start[1] == '.'))
            return false;
        if (*s == 0)
            return true;
        s++;
    }
}

bool manifest_relative_path_ok(const char *path)
{
    size_t len = length(path);
    return len > 0 && len <= 255 && path[0] != '/' && components_ok(path);
}

/* An absolute path in the KPIO file tree: "/" or "/a/b" in normal form. */
static bool absolute_path_ok(const char *path)
{
    size_t len = length(path);
    if (len == 0 || len > MANIFEST_PATH_MAX || path[0] != '/')
        return false;
    return len == 1 || components_ok(path + 1);
}

static bool fail(toml_error *err, const char *a, const char *b, const char *c)
{
    struct msg m = msg_init(err->message, sizeof err->message);
    msg_str(&m, a);
    if (b)
        msg_strn(&m, b, 64);
    if (c)
        msg_str(&m, c);
    return false;
}

static const struct schema_key *find_key(const char *name, bool in_permissions)
{
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
        if (schema[i].in_permissions == in_permissions && streq(schema[i].name, name))
            return &schema[i];
    return 0;
}

/* Store a string value after checking it against its key's rule. */
static bool store_string(struct state *st, const struct schema_key *k, const toml_event *ev,
                         toml_error *err)
{
    manifest *m = st->m;
    const char *v = ev->string;
    size_t len = ev->string_len;
    if (length(v) != len)
        return fail(err, "NUL character in '", k->name, "'");

    switch (k->bit) {
    case KEY_ID:
        if (!id_ok(v))
            return fail(err, "id must be a lower-case reverse-DNS name such as \"org.example.app\" "
                             "(2+ labels of a-z 0-9 -, at most 63 bytes)", 0, 0);
        copy(m->id, v, len);
        return true;
    case KEY_NAME:
        if (len == 0 || len > MANIFEST_NAME_MAX || has_control(v) || v[0] == ' ' || v[len - 1] == ' ')
            return fail(err, "name must be 1 to 63 bytes without control characters "
                             "or surrounding spaces", 0, 0);
        copy(m->name, v, len);
        return true;
    case KEY_VERSION:
        if (!version_ok(v))
            return fail(err, "version must look like MAJOR.MINOR.PATCH (e.g. \"1.0.2\"), "
                             "optionally with -prerelease", 0, 0);
        copy(m->version, v, len);
        return true;
    case KEY_ENTRY:
        if (len > MANIFEST_ENTRY_MAX || !manifest_relative_path_ok(v) || len < 6 ||
            !streq(v + len - 5, ".wasm"))
            return fail(err, "entry must be a relative path inside the package ending in "
                             "\".wasm\" (no \"..\", at most 127 bytes)", 0, 0);
        copy(m->entry, v, len);
        return true;
    case KEY_DESCRIPTION:
        if (len > MANIFEST_DESCRIPTION_MAX || has_control(v))
            return fail(err, "description must be at most 255 bytes without control characters",
                        0, 0);
        copy(m->description, v, len);
        return true;
    case KEY_FILESYSTEM:
        if (streq(v, "none"))
            m->filesystem = MANIFEST_FS_NONE;
        else if (streq(v, "read-only"))
            m->filesystem = MANIFEST_FS_READ_ONLY;
        else if (streq(v, "read-write"))
            m->filesystem = MANIFEST_FS_READ_WRITE;
        else
            return fail(err, "filesystem must be \"none\", \"read-only\" or \"read-write\"", 0, 0);
        return true;
    case KEY_PATHS:
        if (m->path_count == MANIFEST_PATHS_MAX)
            return fail(err, "too many paths (at most 8)", 0, 0);
        if (!absolute_path_ok(v))
            return fail(err, "paths must be absolute and normalised (\"/data/app\"; "
                             "no \".\", \"..\", \"//\" or trailing \"/\"; at most 127 bytes)", 0, 0);
        for (unsigned i = 0; i < m->path_count; i++)
            if (streq(m->paths[i], v))
                return fail(err, "path listed twice: ", v, 0);
        copy(m->paths[m->path_count++], v, len);
        return true;
    }
    return fail(err, "internal error: unhandled key ", k->name, 0);
}

static const char *type_name(toml_type t)
{
    switch (t) {
    case TOML_STRING:  return "a string";
    case TOML_BOOL:    return "true or false";
    case TOML_INTEGER: return "an integer";
    case TOML_ARRAY:   return "an array";
    case TOML_TABLE:   return "a table";
    }
    return "?";
}

/* The TOML reader's callback: check each event against the schema. */
static bool on_event(void *ctx, const toml_event *ev, toml_error *err)
{
    struct state *st = ctx;

    if (ev->type == TOML_TABLE) {
        if (!streq(ev->key, "permissions"))
            return fail(err, "unknown table [", ev->key, "] (only [permissions] exists)");
        if (st->seen & TABLE_PERMISSIONS)
            return fail(err, "table [permissions] defined twice", 0, 0);
        st->seen |= TABLE_PERMISSIONS;
        st->in_permissions = true;
        return true;
    }

    const struct schema_key *k = find_key(ev->key, st->in_permissions);
    if (!k) {
        if (st->in_permissions)
            return fail(err, "unknown key '", ev->key, "' in [permissions]");
        return fail(err, "unknown key '", ev->key, "'");
    }

    if (ev->in_array) {
        /* Only `paths` is an array, and its elements are strings. */
        if (ev->type != TOML_STRING)
            return fail(err, "elements of 'paths' must be strings", 0, 0);
        return store_string(st, k, ev, err);
    }

    if (st->seen & k->bit)
        return fail(err, "key '", k->name, "' defined twice");
    st->seen |= k->bit;
    if (ev->type != k->type) {
        struct msg m = msg_init(err->message, sizeof err->message);
        msg_str(&m, "'");
        msg_str(&m, k->name);
        msg_str(&m, "' must be ");
        msg_str(&m, k->type == TOML_ARRAY ? "an array of strings" : type_name(k->type));
        msg_str(&m, ", not ");
        msg_str(&m, type_name(ev->type));
        return false;
    }
    if (ev->type == TOML_BOOL) {
        if (k->bit == KEY_NETWORK)
            st->m->network = ev->boolean;
        else
            st->m->gui = ev->boolean;
        return true;
    }
    if (ev->type == TOML_ARRAY)
        return true;   /* elements follow */
    return store_string(st, k, ev, err);
}

/* err->message = "line L, column C: text" (or just text without a position). */
static void set_error(manifest_error *err, int line, int column, const char *text)
{
    struct msg m = msg_init(err->message, sizeof err->message);
    err->line = line;
    err->column = column;
    if (line > 0) {
        msg_str(&m, "line ");
        msg_uint(&m, (uint64_t)line);
        msg_str(&m, ", column ");
        msg_uint(&m, (uint64_t)column);
        msg_str(&m, ": ");
    }
    msg_str(&m, text);
}

bool manifest_parse(const char *text, size_t len, manifest *out, manifest_error *err)
{
    manifest m = { 0 };
    struct state st = { .m = &m };
    toml_error terr;

    if (!toml_parse(text, len, on_event, &st, &terr)) {
        set_error(err, terr.line, terr.column, terr.message);
        return false;
    }

    static const struct { unsigned bit; const char *text; } required[] = {
        { KEY_ID, "missing required key 'id'" },
        { KEY_NAME, "missing required key 'name'" },
        { KEY_VERSION, "missing required key 'version'" },
        { KEY_ENTRY, "missing required key 'entry'" },
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!(st.seen & required[i].bit)) {
            set_error(err, 0, 0, required[i].text);
            return false;
        }
    }
    if (m.filesystem != MANIFEST_FS_NONE && m.path_count == 0) {
        set_error(err, 0, 0, "permissions: filesystem access needs a non-empty 'paths' list");
        return false;
    }
    if (m.filesystem == MANIFEST_FS_NONE && (st.seen & KEY_PATHS)) {
        set_error(err, 0, 0, "permissions: 'paths' given but filesystem is \"none\"");
        return false;
    }
    *out = m;
    err->line = err->column = 0;
    err->message[0] = 0;
    return true;
}

const char *manifest_fs_name(manifest_fs fs)
{
    switch (fs) {
    case MANIFEST_FS_NONE:       return "none";
    case MANIFEST_FS_READ_ONLY:  return "read-only";
    case MANIFEST_FS_READ_WRITE: return "read-write";
    }
    return "?";
}
