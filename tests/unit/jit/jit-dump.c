/*
 * tests/unit/jit/jit-dump.c — developer tool: compiles a module with the JIT
 * and disassembles one function's machine code (objdump), or lists the
 * functions with their code offsets.
 *
 *   jit-dump MODULE.wasm            list functions
 *   jit-dump MODULE.wasm INDEX      disassemble function INDEX
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../runtime/jit/jit_internal.h"

typedef struct jit_set_view {
    jit_module plain;
} jit_set_view;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jit-dump MODULE.wasm [FUNC]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static uint8_t buf[64 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    wasm_runtime_set_engine(argc > 3 ? WASM_ENGINE_JIT_BASELINE : WASM_ENGINE_JIT);
    wasm_error err;
    wasm_module *m = wasm_module_load(buf, n, &err);
    if (!m) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    if (!m->jit) {
        fprintf(stderr, "not compiled: %s\n", wasm_jit_last_error());
        return 1;
    }
    /* the plain variant is the first member of the module's jit set */
    jit_module *jm = &((jit_set_view *)m->jit)->plain;
    if (argc == 2) {
        for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
            uint32_t end = (uint32_t)jm->code_size;
            for (uint32_t k = i + 1; k < m->nfuncs; k++)
                if (jm->func_offset[k] > jm->func_offset[i]) {
                    end = jm->func_offset[k];
                    break;
                }
            printf("func %u: offset 0x%x, %u bytes\n", i, jm->func_offset[i], end - jm->func_offset[i]);
        }
        printf("total %zu bytes of code\n", jm->code_size);
        return 0;
    }
    uint32_t fi = (uint32_t)atoi(argv[2]);
    if (fi < m->nfunc_imports || fi >= m->nfuncs) {
        fprintf(stderr, "no defined function %u\n", fi);
        return 1;
    }
    uint32_t start = jm->func_offset[fi], end = (uint32_t)jm->code_size;
    for (uint32_t k = fi + 1; k < m->nfuncs; k++)
        if (jm->func_offset[k] > start) {
            end = jm->func_offset[k];
            break;
        }
    char path[] = "/tmp/jit-dump-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, jm->code + start, end - start) != (ssize_t)(end - start))
        return 1;
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "objdump -D -b binary -m i386:x86-64 -M intel --adjust-vma=0x%x %s | tail -n +8",
             start, path);
    int rc = system(cmd);
    unlink(path);
    return rc == 0 ? 0 : 1;
}
