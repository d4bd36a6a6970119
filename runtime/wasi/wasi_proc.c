/*
 * runtime/wasi/wasi_proc.c — arguments, environment, clocks, randomness and
 * the process functions (proc_exit, proc_raise, sched_yield) of
 * wasi_snapshot_preview1.
 */
#include "wasi_internal.h"

#define ARG32(i) ((uint32_t)a[i])

/* Write a string vector the way args_get/environ_get do: pointers at
 * `ptrs`, NUL-terminated strings packed at `buf`. */
static int put_strings(wasm_instance *inst, char **v, uint32_t n, uint32_t ptrs, uint32_t buf)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    uint8_t *p = wasi_mem(inst, ptrs, (uint64_t)n * 4);
    uint8_t *b = wasi_mem(inst, buf, total);
    if (!p || !b)
        return WASI_EFAULT;
    uint32_t at = buf;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        wasi_st32(p + 4 * i, at);
        memcpy(b, v[i], len);
        b += len;
        at += (uint32_t)len;
    }
    return 0;
}

/* Store the count and the packed size of a string vector. */
static int put_sizes(wasm_instance *inst, char **v, uint32_t n, uint32_t count_ptr,
                     uint32_t size_ptr)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    if (!wasi_mem(inst, count_ptr, 4) || !wasi_mem(inst, size_ptr, 4))
        return WASI_EFAULT;
    if (total > UINT32_MAX)
        return WASI_EOVERFLOW;
    wasi_put32(inst, count_ptr, n);
    return wasi_put32(inst, size_ptr, (uint32_t)total);
}

WASI_IMPL(wasi_args_get)
{
    return put_strings(inst, ctx->argv, ctx->argc, ARG32(0), ARG32(1));
}

WASI_IMPL(wasi_args_sizes_get)
{
    return put_sizes(inst, ctx->argv, ctx->argc, ARG32(0), ARG32(1));
}

WASI_IMPL(wasi_environ_get)
{
    return put_strings(inst, ctx->env, ctx->envc, ARG32(0), ARG32(1));
}

WASI_IMPL(wasi_environ_sizes_get)
{
    return put_sizes(inst, ctx->env, ctx->envc, ARG32(0), ARG32(1));
}

WASI_IMPL(wasi_clock_res_get)
{
    if (ARG32(0) > WASI_CLOCK_THREAD_CPUTIME)
        return WASI_EINVAL;
    if (!wasi_mem(inst, ARG32(1), 8))
        return WASI_EFAULT;
    uint64_t ns;
    int r = ctx->be.clock_res(ctx->be.data, ARG32(0), &ns);
    return r < 0 ? wasi_errno(r) : wasi_put64(inst, ARG32(1), ns);
}

/* clock_time_get(id, precision, *time): the precision is a hint we need not
 * honour (witx: "maximum lag"), the clocks are as precise as they get. */
WASI_IMPL(wasi_clock_time_get)
{
    if (ARG32(0) > WASI_CLOCK_THREAD_CPUTIME)
        return WASI_EINVAL;
    if (!wasi_mem(inst, ARG32(2), 8))
        return WASI_EFAULT;
    uint64_t ns;
    int r = ctx->be.clock_time(ctx->be.data, ARG32(0), &ns);
    return r < 0 ? wasi_errno(r) : wasi_put64(inst, ARG32(2), ns);
}

WASI_IMPL(wasi_proc_exit)
{
    (void)ctx;
    wasm_instance_exit(inst, (int)ARG32(0));
    return WASI_ENDED;
}

static const char *const signal_names[WASI_SIGNAL_MAX + 1] = {
    "NONE", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
    "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
};

const char *wasi_signal_name(int sig)
{
    return sig >= 0 && sig <= WASI_SIGNAL_MAX ? signal_names[sig] : "?";
}

/* proc_raise: signals whose default action is to end a process end the
 * instance, with the exit status a POSIX shell shows for that signal (128 +
 * its Linux number); those ignored by default (CHLD, CONT, URG, WINCH) and
 * the job-control stops (nothing here can continue a stopped program) do
 * nothing. */
WASI_IMPL(wasi_proc_raise)
{
    uint32_t sig = ARG32(0);
    if (sig > WASI_SIGNAL_MAX)
        return WASI_EINVAL;
    switch (sig) {
    case 0: case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 27:
        return 0;
    }
    ctx->raised_signal = (int)sig;
    int linux_signo = sig < 16 ? (int)sig : (int)sig + 1;
    wasm_instance_exit(inst, 128 + linux_signo);
    return WASI_ENDED;
}

WASI_IMPL(wasi_sched_yield)
{
    (void)inst;
    (void)a;
    ctx->be.yield(ctx->be.data);
    return 0;
}

WASI_IMPL(wasi_random_get)
{
    uint8_t *p = wasi_mem(inst, ARG32(0), ARG32(1));
    if (!p)
        return WASI_EFAULT;
    return wasi_errno(ctx->be.random(ctx->be.data, p, ARG32(1)));
}
