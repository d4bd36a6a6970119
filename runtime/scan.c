/*
 * runtime/scan.c — decoding function bodies without validating them: used
 * after a validation error to find out whether the binary is also
 * malformed (which then is the error to report, as the specification
 * decodes completely before validating), and to skip non-constant
 * instructions in constant expressions.
 */
#include "reader.h"
#include "iops.h"

static void scan_memarg(wasm_reader *r)
{
    wasm_read_u32(r);
    wasm_read_u32(r);
}

/* Decodes the immediates of instruction `op` (already read) without typing
 * it; tracks block nesting in *depth. Errors are malformed ones in r. */
void wasm_scan_instr(wasm_reader *r, const wasm_module *m, uint8_t op, uint32_t *depth)
{
    const wasm_opinfo *info = &wasm_ops_main[op];
    if (info->kind == WASM_K_ILLEGAL) {
        wasm_malformed(r, "illegal opcode 0x%x", op);
        return;
    }
    if (info->kind == WASM_K_LOAD || info->kind == WASM_K_STORE) {
        scan_memarg(r);
        return;
    }
    switch (op) {
    case 0x02: case 0x03: case 0x04: {
        (*depth)++;
        uint8_t b = r->p < r->end ? *r->p : 0;
        if (b == 0x40 || wasm_is_valtype(b))
            r->p++;
        else if (wasm_read_sleb(r, 33) < 0 && !r->failed)
            wasm_malformed(r, "malformed value type");
        break;
    }
    case 0x0B: (*depth)--; break;
    case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22:
    case 0x23: case 0x24: case 0x25: case 0x26: case 0xD2:
        wasm_read_u32(r);
        break;
    case 0x0E: {
        uint32_t n = wasm_read_count(r, 1);
        for (uint32_t i = 0; i <= n && !r->failed; i++)
            wasm_read_u32(r);
        break;
    }
    case 0x11: wasm_read_u32(r); wasm_read_u32(r); break;
    case 0x1C: {
        uint32_t n = wasm_read_count(r, 1);
        for (uint32_t i = 0; i < n && !r->failed; i++)
            if (!wasm_is_valtype(wasm_read_u8(r)) && !r->failed)
                wasm_malformed(r, "malformed value type");
        break;
    }
    case 0x3F: case 0x40:
        if (wasm_read_u8(r) != 0 && !r->failed)
            wasm_malformed(r, "zero byte expected");
        break;
    case 0x41: wasm_read_sleb(r, 32); break;
    case 0x42: wasm_read_sleb(r, 64); break;
    case 0x43: wasm_read_fixed32(r); break;
    case 0x44: wasm_read_fixed64(r); break;
    case 0xD0:
        if (!wasm_is_ref(wasm_read_u8(r)) && !r->failed)
            wasm_malformed(r, "malformed reference type");
        break;
    case 0xFC: {
        uint32_t sub = wasm_read_u32(r);
        if (r->failed)
            break;
        if (sub >= 18) {
            wasm_malformed(r, "illegal opcode 0xfc %u", sub);
            break;
        }
        if ((sub == 8 || sub == 9) && !m->has_datacount) {
            /* see data_count(): only a use that is otherwise valid */
            const uint8_t *save = r->p;
            uint32_t seg = wasm_read_u32(r);
            r->p = save;
            if (!r->failed && seg < m->ndatas && (sub == 9 || m->nmems)) {
                wasm_malformed(r, "data count section required");
                break;
            }
        }
        /* immediates: 8 data+0x00, 9 data, 10 0x00 0x00, 11 0x00,
         * 12 elem table, 13 elem, 14 table table, 15-17 table */
        uint32_t indices = sub == 12 || sub == 14 ? 2 : sub == 10 || sub == 11 ? 0 : sub >= 8 ? 1 : 0;
        uint32_t zeros = sub == 10 ? 2 : sub == 8 || sub == 11 ? 1 : 0;
        for (uint32_t i = 0; i < indices; i++)
            wasm_read_u32(r);
        for (uint32_t i = 0; i < zeros; i++)
            if (wasm_read_u8(r) != 0 && !r->failed)
                wasm_malformed(r, "zero byte expected");
        break;
    }
    case 0xFD: {
        uint32_t sub = wasm_read_u32(r);
        if (r->failed)
            break;
        const wasm_opinfo *si = sub < 256 ? &wasm_ops_simd[sub] : NULL;
        if (!si || si->kind == WASM_K_ILLEGAL) {
            wasm_malformed(r, "illegal opcode 0xfd %u", sub);
            break;
        }
        if (si->kind == WASM_K_LOAD || si->kind == WASM_K_STORE ||
            si->kind == WASM_K_LOAD_LANE || si->kind == WASM_K_STORE_LANE)
            scan_memarg(r);
        if (si->kind == WASM_K_EXTRACT || si->kind == WASM_K_REPLACE ||
            si->kind == WASM_K_LOAD_LANE || si->kind == WASM_K_STORE_LANE)
            wasm_read_u8(r);
        if (sub == 0x0C || sub == 0x0D)
            for (int i = 0; i < 16; i++)
                wasm_read_u8(r);
        break;
    }
    default:
        break;
    }
}

/* Decodes a body without typing it, to find malformedness after a
 * validation error (so that a malformed binary is reported as such). */
wasm_result wasm_scan_body(const wasm_module *m, uint32_t func_index, const wasm_body *body,
                           wasm_error *err)
{
    char where[48];
    wasm_fmt(where, sizeof(where), "section code, function %u", func_index);
    wasm_reader rr = { body->start - body->offset, body->start, body->end, err, where, false };
    wasm_reader *r = &rr;
    uint32_t groups = wasm_read_count(r, 2);
    for (uint32_t g = 0; g < groups && !r->failed; g++) {
        wasm_read_u32(r);
        uint8_t type = wasm_read_u8(r);
        if (!r->failed && !wasm_is_valtype(type))
            wasm_malformed(r, "malformed value type");
    }
    uint32_t depth = 1;
    while (depth && !r->failed) {
        if (wasm_at_end(r)) {
            wasm_malformed(r, "unexpected end of function (END opcode expected)");
            break;
        }
        wasm_scan_instr(r, m, wasm_read_u8(r), &depth);
    }
    if (!r->failed && !wasm_at_end(r))
        wasm_malformed(r, "section size mismatch (bytes after the function's end)");
    return r->failed ? WASM_ERR_MALFORMED : WASM_OK;
}
