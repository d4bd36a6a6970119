/*
 * runtime/host/cli_inspect.c — `kpio-wasm inspect FILE`: the module's
 * sections (id, name, offset, size; a custom section's own name), then its
 * imports and exports as the runtime sees them after validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kpio_wasm.h"

static const char *const section_names[] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "datacount",
};

/* Decode an unsigned LEB128 of at most 32 bits at *pos (Wasm 2.0 §5.2.2).
 * Returns false when it runs past `end` or is too long. */
static bool read_u32(const uint8_t *b, size_t end, size_t *pos, uint32_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*pos >= end)
            return false;
        uint8_t byte = b[(*pos)++];
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

/* List the sections (Wasm 2.0 §5.5.2). Returns false on a malformed header. */
static bool list_sections(const uint8_t *b, size_t size)
{
    static const uint8_t magic[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    if (size < 8 || memcmp(b, magic, 8) != 0) {
        fprintf(stderr, "kpio-wasm: not a WebAssembly 1.0 binary (bad magic or version)\n");
        return false;
    }
    printf("sections:\n");
    size_t pos = 8;
    while (pos < size) {
        size_t start = pos;
        uint8_t id = b[pos++];
        uint32_t len;
        if (!read_u32(b, size, &pos, &len) || len > size - pos) {
            fprintf(stderr, "kpio-wasm: section at offset %zu: size runs past the end\n", start);
            return false;
        }
        const char *name = id < sizeof(section_names) / sizeof(section_names[0])
                               ? section_names[id] : "unknown";
        printf("  %-9s id %2u  offset %8zu  size %8u", name, id, start, len);
        if (id == 0) {
            size_t p = pos;
            uint32_t nlen;
            if (read_u32(b, pos + len, &p, &nlen) && nlen <= pos + len - p)
                printf("  \"%.*s\"", (int)nlen, (const char *)b + p);
        }
        printf("\n");
        pos += len;
    }
    return true;
}

static const char *kind_name(enum wasm_extern_kind k)
{
    switch (k) {
    case WASM_EXTERN_FUNC: return "func";
    case WASM_EXTERN_TABLE: return "table";
    case WASM_EXTERN_MEMORY: return "memory";
    default: return "global";
    }
}

int cli_inspect(const char *path)
{
    size_t size;
    uint8_t *bytes = cli_read_file(path, &size);
    if (!bytes)
        return 1;
    printf("%s: %zu bytes\n", path, size);
    int status = list_sections(bytes, size) ? 0 : 1;
    if (status == 0) {
        wasm_error err;
        wasm_module *m = wasm_module_load(bytes, size, &err);
        if (!m) {
            fprintf(stderr, "kpio-wasm: %s: %s\n", path, err.message);
            status = 1;
        } else {
            uint32_t n = wasm_module_import_count(m);
            printf("imports: %u\n", n);
            for (uint32_t i = 0; i < n; i++) {
                wasm_extern_info e;
                if (wasm_module_import(m, i, &e))
                    printf("  %-6s %s.%s\n", kind_name(e.kind), e.module, e.name);
            }
            n = wasm_module_export_count(m);
            printf("exports: %u\n", n);
            for (uint32_t i = 0; i < n; i++) {
                wasm_extern_info e;
                if (wasm_module_export(m, i, &e))
                    printf("  %-6s %s (index %u)\n", kind_name(e.kind), e.name, e.index);
            }
            wasm_module_free(m);
        }
    }
    free(bytes);
    return status;
}
