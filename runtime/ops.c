/*
 * runtime/ops.c — the bulk memory and table instructions (Wasm 2.0 §4.4.6,
 * §4.4.7). Each checks its whole range before touching anything, so a trap
 * leaves memory and tables unchanged. Instantiation uses memory_init and
 * table_init for active segments.
 */
#include "wasm_internal.h"

/* True if [start, start+len) fits in size (64-bit arithmetic, no overflow). */
static inline bool in_range(uint64_t start, uint64_t len, uint64_t size)
{
    return start + len <= size;
}

wasm_trap wasm_op_memory_init(wasm_instance *inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    const wasm_data *data = &inst->module->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : data->size;
    wasm_memory *mem = inst->memory;
    if (!in_range(s, n, len) || !in_range(d, n, mem->size))
        return WASM_TRAP_MEMORY_OOB;
    if (n)
        wasm_memcpy(mem->base + d, data->bytes + s, n);
    return WASM_TRAP_NONE;
}

wasm_trap wasm_op_memory_copy(wasm_memory *mem, uint32_t d, uint32_t s, uint32_t n)
{
    if (!in_range(s, n, mem->size) || !in_range(d, n, mem->size))
        return WASM_TRAP_MEMORY_OOB;
    if (n)
        wasm_memmove(mem->base + d, mem->base + s, n);
    return WASM_TRAP_NONE;
}

wasm_trap wasm_op_memory_fill(wasm_memory *mem, uint32_t d, uint8_t v, uint32_t n)
{
    if (!in_range(d, n, mem->size))
        return WASM_TRAP_MEMORY_OOB;
    if (n)
        wasm_memset(mem->base + d, v, n);
    return WASM_TRAP_NONE;
}

wasm_trap wasm_op_table_init(wasm_instance *inst, uint32_t table, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    wasm_table *t = inst->tables[table];
    uint64_t len = inst->elem_sizes[seg];
    if (!in_range(s, n, len) || !in_range(d, n, t->size))
        return WASM_TRAP_TABLE_OOB;
    if (n)
        wasm_memcpy(t->elems + d, inst->elem_refs[seg] + s, (size_t)n * sizeof(void *));
    return WASM_TRAP_NONE;
}

wasm_trap wasm_op_table_copy(wasm_instance *inst, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n)
{
    wasm_table *dst = inst->tables[dt], *src = inst->tables[st];
    if (!in_range(s, n, src->size) || !in_range(d, n, dst->size))
        return WASM_TRAP_TABLE_OOB;
    if (n)
        wasm_memmove(dst->elems + d, src->elems + s, (size_t)n * sizeof(void *));
    return WASM_TRAP_NONE;
}

wasm_trap wasm_op_table_fill(wasm_instance *inst, uint32_t table, uint32_t i, void *val, uint32_t n)
{
    wasm_table *t = inst->tables[table];
    if (!in_range(i, n, t->size))
        return WASM_TRAP_TABLE_OOB;
    for (uint32_t k = 0; k < n; k++)
        t->elems[i + k] = val;
    return WASM_TRAP_NONE;
}
