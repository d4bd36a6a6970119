/*
 * runtime/wasi/wasi_link.c — the table of wasi_snapshot_preview1 imports:
 * each function's name, its type in the linker's signature notation and its
 * implementation, bound to a context through one trampoline.
 */
#include "wasi_internal.h"

static const struct {
    const char *name;
    const char *signature;
    wasi_impl impl;
} functions[WASI_FUNCTION_COUNT] = {
    { "args_get", "(ii)i", wasi_args_get },
    { "args_sizes_get", "(ii)i", wasi_args_sizes_get },
    { "environ_get", "(ii)i", wasi_environ_get },
    { "environ_sizes_get", "(ii)i", wasi_environ_sizes_get },
    { "clock_res_get", "(ii)i", wasi_clock_res_get },
    { "clock_time_get", "(iIi)i", wasi_clock_time_get },
    { "fd_advise", "(iIIi)i", wasi_fd_advise },
    { "fd_allocate", "(iII)i", wasi_fd_allocate },
    { "fd_close", "(i)i", wasi_fd_close },
    { "fd_datasync", "(i)i", wasi_fd_datasync },
    { "fd_fdstat_get", "(ii)i", wasi_fd_fdstat_get },
    { "fd_fdstat_set_flags", "(ii)i", wasi_fd_fdstat_set_flags },
    { "fd_fdstat_set_rights", "(iII)i", wasi_fd_fdstat_set_rights },
    { "fd_filestat_get", "(ii)i", wasi_fd_filestat_get },
    { "fd_filestat_set_size", "(iI)i", wasi_fd_filestat_set_size },
    { "fd_filestat_set_times", "(iIIi)i", wasi_fd_filestat_set_times },
    { "fd_pread", "(iiiIi)i", wasi_fd_pread },
    { "fd_prestat_get", "(ii)i", wasi_fd_prestat_get },
    { "fd_prestat_dir_name", "(iii)i", wasi_fd_prestat_dir_name },
    { "fd_pwrite", "(iiiIi)i", wasi_fd_pwrite },
    { "fd_read", "(iiii)i", wasi_fd_read },
    { "fd_readdir", "(iiiIi)i", wasi_fd_readdir },
    { "fd_renumber", "(ii)i", wasi_fd_renumber },
    { "fd_seek", "(iIii)i", wasi_fd_seek },
    { "fd_sync", "(i)i", wasi_fd_sync },
    { "fd_tell", "(ii)i", wasi_fd_tell },
    { "fd_write", "(iiii)i", wasi_fd_write },
    { "path_create_directory", "(iii)i", wasi_path_create_directory },
    { "path_filestat_get", "(iiiii)i", wasi_path_filestat_get },
    { "path_filestat_set_times", "(iiiiIIi)i", wasi_path_filestat_set_times },
    { "path_link", "(iiiiiii)i", wasi_path_link },
    { "path_open", "(iiiiiIIii)i", wasi_path_open },
    { "path_readlink", "(iiiiii)i", wasi_path_readlink },
    { "path_remove_directory", "(iii)i", wasi_path_remove_directory },
    { "path_rename", "(iiiiii)i", wasi_path_rename },
    { "path_symlink", "(iiiii)i", wasi_path_symlink },
    { "path_unlink_file", "(iii)i", wasi_path_unlink_file },
    { "poll_oneoff", "(iiii)i", wasi_poll_oneoff },
    { "proc_exit", "(i)", wasi_proc_exit },
    { "proc_raise", "(i)i", wasi_proc_raise },
    { "sched_yield", "()i", wasi_sched_yield },
    { "random_get", "(ii)i", wasi_random_get },
    { "sock_accept", "(iii)i", wasi_sock_accept },
    { "sock_recv", "(iiiiii)i", wasi_sock_recv },
    { "sock_send", "(iiiii)i", wasi_sock_send },
    { "sock_shutdown", "(ii)i", wasi_sock_shutdown },
};

/* Every WASI import lands here: run the implementation and return its errno
 * as the function's one result, or end the call when the instance exits. */
static wasm_trap trampoline(wasm_instance *inst, void *env, const uint64_t *args,
                            uint64_t *results)
{
    const struct wasi_binding *b = env;
    int e = b->impl(b->ctx, inst, args);
    if (e == WASI_ENDED)
        return WASM_TRAP_HOST;
    results[0] = (uint32_t)e;
    return WASM_TRAP_NONE;
}

wasm_result wasi_link(wasm_linker *l, wasi_ctx *ctx)
{
    for (int i = 0; i < WASI_FUNCTION_COUNT; i++) {
        ctx->bindings[i].ctx = ctx;
        ctx->bindings[i].impl = functions[i].impl;
        wasm_result r = wasm_linker_define_func(l, "wasi_snapshot_preview1", functions[i].name,
                                                functions[i].signature, trampoline,
                                                &ctx->bindings[i]);
        if (r != WASM_OK)
            return r;
    }
    return WASM_OK;
}
