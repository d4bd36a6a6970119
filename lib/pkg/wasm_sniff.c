/*
 * lib/pkg/wasm_sniff.c — a structural check of a WebAssembly binary without
 * a runtime: the preamble (Wasm 2.0 §5.5.16) and the section framing
 * (§5.5.2): each section an id and a LEB128 u32 size that fits, known ids
 * only, and non-custom sections at most once each in the required order.
 * The full check (decode + validate) is the runtime's wasm_module_validate.
 */
#include "pkg.h"

#include "../common/msg.h"

/* Rank of each non-custom section id in the order a module must follow
 * (the data count section, 12, sits between element, 9, and code, 10). */
static int section_rank(uint8_t id)
{
    static const int8_t rank[13] = {
        [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7,
        [8] = 8, [9] = 9, [12] = 10, [10] = 11, [11] = 12,
    };
    return id < 13 ? rank[id] : -1;
}

/* An unsigned LEB128 of at most 32 bits (§5.2.2). */
static bool read_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = p[(*pos)++];
        if (shift == 28 && (b & 0x70))
            return false;   /* more than 32 bits */
        v |= (uint32_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static bool sniff_fail(char *msg, size_t cap, const char *text, uint64_t offset)
{
    struct msg m = msg_init(msg, cap);
    msg_str(&m, text);
    msg_str(&m, " at byte offset ");
    msg_uint(&m, offset);
    return false;
}

bool pkg_wasm_sniff(void *ctx, const uint8_t *wasm, size_t len, char *msg, size_t msg_cap)
{
    (void)ctx;
    static const uint8_t preamble[8] = { 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00 };
    if (len < 4 || __builtin_memcmp(wasm, preamble, 4) != 0)
        return sniff_fail(msg, msg_cap, "no \\0asm magic number", 0);
    if (len < 8 || __builtin_memcmp(wasm + 4, preamble + 4, 4) != 0)
        return sniff_fail(msg, msg_cap, "unknown binary version", 4);

    size_t pos = 8;
    int last_rank = 0;
    while (pos < len) {
        size_t start = pos;
        uint8_t id = wasm[pos++];
        uint32_t size;
        if (!read_u32(wasm, len, &pos, &size))
            return sniff_fail(msg, msg_cap, "malformed section size", start);
        if (size > len - pos)
            return sniff_fail(msg, msg_cap, "section runs past the end of the module", start);
        if (id != 0) {
            int rank = section_rank(id);
            if (rank < 0)
                return sniff_fail(msg, msg_cap, "unknown section id", start);
            if (rank <= last_rank)
                return sniff_fail(msg, msg_cap, "section out of order or repeated", start);
            last_rank = rank;
        }
        pos += size;
    }
    return true;
}
