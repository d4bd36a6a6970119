/*
 * runtime/kpio/kpio_proc.c — processes: proc_spawn, proc_wait, proc_kill,
 * proc_self, proc_list (sdk/include/kpio.h), and the thread each spawned
 * process runs on.
 *
 * Spawn does everything that can fail for a reason the caller should hear
 * about in the caller's thread (bad request, bad fds, a module that does
 * not load), then starts a thread that instantiates the module with its
 * own WASI context and runs _start. The child's end is recorded in the
 * table; proc_wait collects it.
 */
#include "kpio_internal.h"

/* How deep an app's WebAssembly calls may nest: the interpreter's frame
 * limit, and what the JIT sizes each app's machine stack for (this many
 * frames of the module's largest, e.g. 420 KiB for sleep.wasm; smaller
 * frames nest deeper). Like wasmtime's 512 KiB default, well past what C
 * programs need, and deeper recursion traps ("call stack exhausted"). The
 * runtime's own default (10,000) would give every running app a 4 MiB
 * stack that a kernel backs up front. */
#define KPIO_APP_CALL_DEPTH 1000

/* ---- the child's thread ---- */

static int32_t trap_code(wasm_trap t)
{
    switch (t) {
    case WASM_TRAP_UNREACHABLE: return KPIO_TRAP_UNREACHABLE;
    case WASM_TRAP_MEMORY_OOB: return KPIO_TRAP_MEMORY_OOB;
    case WASM_TRAP_TABLE_OOB: return KPIO_TRAP_TABLE_OOB;
    case WASM_TRAP_INDIRECT_NULL: return KPIO_TRAP_INDIRECT_NULL;
    case WASM_TRAP_SIGNATURE: return KPIO_TRAP_SIGNATURE;
    case WASM_TRAP_DIV_ZERO: return KPIO_TRAP_DIV_ZERO;
    case WASM_TRAP_INT_OVERFLOW: return KPIO_TRAP_INT_OVERFLOW;
    case WASM_TRAP_BAD_CONVERSION: return KPIO_TRAP_BAD_CONVERSION;
    case WASM_TRAP_STACK_EXHAUSTED: return KPIO_TRAP_STACK_EXHAUSTED;
    default: return KPIO_TRAP_HOST;
    }
}

/* "kpio: NAME: text\n" on the process's own stderr. */
static void tell_stderr(kpio_process *p, const char *text)
{
    kpio_system *sys = p->sys;
    wasi_handle h;
    if (!p->wasi || kpio_fd_get(p->wasi, 2, &h, NULL, NULL) != KPIO_OK)
        return;
    char line[400];
    int n = snprintf(line, sizeof line, "kpio: %s: %s\n", p->name, text);
    if (n <= 0)
        return;
    wasi_iov iov = { line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1 };
    sys->wasi_be.writev(sys->wasi_be.data, h, &iov, 1, -1);
}

/* The status for a call that ended with result r. */
static kpio_proc_status end_status(kpio_process *p, wasm_result r, const wasm_error *err)
{
    kpio_proc_status st = { .pid = p->pid, .reason = KPIO_EXIT_NORMAL, .code = 0 };
    char text[320];
    switch (r) {
    case WASM_OK:
        break;
    case WASM_ERR_EXIT: {
        int sig = wasi_ctx_raised_signal(p->wasi);
        st.code = sig ? 128 + sig : err->exit_code;
        if (sig) {
            snprintf(text, sizeof text, "terminated by SIG%s", wasi_signal_name(sig));
            tell_stderr(p, text);
        }
        break;
    }
    case WASM_ERR_TRAP: {
        p->sys->be.lock(p->sys->be.data);
        enum kpio_stop stop = p->stop;
        p->sys->be.unlock(p->sys->be.data);
        bool stopped = err->trap == WASM_TRAP_INTERRUPTED || err->trap == WASM_TRAP_OUT_OF_FUEL;
        if (stopped && stop != STOP_NONE) {
            st.reason = KPIO_EXIT_KILLED;
            if (stop == STOP_CPU_LIMIT)
                tell_stderr(p, "stopped: CPU time limit reached");
        } else {
            st.reason = KPIO_EXIT_TRAP;
            st.code = trap_code(err->trap);
            snprintf(text, sizeof text, "wasm trap: %s", wasm_trap_message(err->trap));
            tell_stderr(p, text);
        }
        break;
    }
    case WASM_ERR_NOT_FOUND:
        tell_stderr(p, "cannot start: the module has no _start function");
        st.code = 126;
        break;
    default:
        snprintf(text, sizeof text, "cannot start: %s", err->message);
        tell_stderr(p, text);
        st.code = 126;
        break;
    }
    return st;
}

static void child_main(void *arg)
{
    kpio_process *p = arg;
    kpio_system *sys = p->sys;
    /* spawn holds the lock until p->thread is set */
    sys->be.lock(sys->be.data);
    sys->be.unlock(sys->be.data);

    wasm_error err;
    memset(&err, 0, sizeof err);
    kpio_proc_status st;
    wasm_linker *l = wasm_linker_new();
    if (!l || wasi_link(l, p->wasi) != WASM_OK || kpio_link(l, p) != WASM_OK) {
        err.result = WASM_ERR_NOMEM;
        snprintf(err.message, sizeof err.message, "out of memory");
        st = end_status(p, WASM_ERR_NOMEM, &err);
    } else {
        wasm_limits limits = { .max_memory_pages = p->max_memory_pages,
                               .max_call_depth = KPIO_APP_CALL_DEPTH };
        wasm_instance *inst = wasm_instantiate(p->module->module, l, &limits, p, &err);
        if (!inst) {
            st = end_status(p, err.result, &err);
        } else {
            kpio_process_set_instance(p, inst);
            wasm_result r = wasm_call(inst, "_start", NULL, 0, NULL, 0, &err);
            st = end_status(p, r, &err);
            kpio_process_set_instance(p, NULL);
            wasm_instance_free(inst);
        }
    }
    wasm_linker_free(l);
    wasi_ctx_free(p->wasi);   /* closes its files, pipes and sockets */
    p->wasi = NULL;
    kpio_module_release(sys, p->module);
    p->module = NULL;
    kpio_process_ended(p, &st);
}

/* ---- spawn ---- */

/* Split a buffer of NUL-terminated strings into a NULL-terminated vector
 * of pointers into a private copy. */
static kpio_errno split_strings(wasm_instance *inst, uint32_t ptr, uint32_t len, char **copy,
                                char ***vec, uint32_t *count)
{
    *copy = NULL;
    *vec = NULL;
    *count = 0;
    if (len > KPIO_MAX_ARGS_SIZE)
        return KPIO_E2BIG;
    const uint8_t *src = kpio_mem(inst, ptr, len);
    if (!src)
        return KPIO_EFAULT;
    if (len > 0 && src[len - 1] != 0)
        return KPIO_EINVAL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < len; i++)
        n += src[i] == 0;
    *copy = kpio_malloc(len ? len : 1);
    *vec = kpio_calloc(n + 1, sizeof(char *));
    if (!*copy || !*vec)
        return KPIO_ENOMEM;
    memcpy(*copy, src, len);
    for (uint32_t i = 0, start = 0; i < len; i++) {
        if ((*copy)[i] == 0) {
            (*vec)[(*count)++] = *copy + start;
            start = i + 1;
        }
    }
    return KPIO_OK;
}

/* Give the child a dup of directory h as guest path `name`, with at most
 * the given rights. */
static kpio_errno give_directory(kpio_system *sys, wasi_ctx *child, const kpio_dir *dir)
{
    wasi_handle d;
    kpio_errno e = kpio_errno_of(sys->be.dup(sys->be.data, dir->handle, &d));
    if (e != KPIO_OK)
        return e;
    int fd = wasi_ctx_preopen_dir(child, d, dir->name);   /* owns d even on failure */
    if (fd < 0)
        return KPIO_ENOMEM;
    kpio_fd_restrict(child, (uint32_t)fd, dir->rights, dir->inheriting);
    return KPIO_OK;
}

/* A WASI context for the child: arguments, environment, stdio (already
 * duplicated; the context takes them, even on failure) and directories. */
static kpio_errno child_context(kpio_system *sys, const kpio_spawn_params *sp, wasi_handle stdio[3],
                                wasi_ctx **out)
{
    wasi_ctx *child = wasi_ctx_new(&sys->wasi_be);
    kpio_errno e = child ? KPIO_OK : KPIO_ENOMEM;
    if (e == KPIO_OK && wasi_ctx_set_args(child, sp->argc, sp->argv) < 0)
        e = KPIO_ENOMEM;
    for (int i = 0; e == KPIO_OK && i < sp->envc; i++)
        if (wasi_ctx_add_env(child, sp->env[i]) < 0)
            e = KPIO_ENOMEM;
    for (int i = 0; i < 3; i++) {
        if (e == KPIO_OK && wasi_ctx_set_stdio(child, i, stdio[i], true) == 0) {
            kpio_fd_restrict(child, (uint32_t)i, sp->stdio_rights[i], sp->stdio_rights[i]);
        } else {
            sys->wasi_be.close(sys->wasi_be.data, stdio[i]);
            e = e == KPIO_OK ? KPIO_ENOMEM : e;
        }
        stdio[i] = -1;
    }
    for (int i = 0; e == KPIO_OK && i < sp->ndirs; i++)
        e = give_directory(sys, child, &sp->dirs[i]);
    if (e != KPIO_OK) {
        wasi_ctx_free(child);
        return e;
    }
    *out = child;
    return KPIO_OK;
}

kpio_errno kpio_spawn_child(kpio_process *parent, const kpio_spawn_params *sp, int32_t *pid)
{
    kpio_system *sys = parent->sys;
    if (sp->argc < 1 || sp->envc < 0 || sp->ndirs < 0)
        return KPIO_EINVAL;
    for (int i = 0; i < sp->envc; i++)
        if (!strchr(sp->env[i], '='))
            return KPIO_EINVAL;

    /* the child's stdio: duplicates, or the null stream */
    wasi_handle stdio[3] = { -1, -1, -1 };
    kpio_errno e = KPIO_OK;
    for (int i = 0; e == KPIO_OK && i < 3; i++)
        e = kpio_errno_of(sp->stdio[i] == -1 ? sys->be.open_null(sys->be.data, &stdio[i])
                                             : sys->be.dup(sys->be.data, sp->stdio[i], &stdio[i]));
    struct kpio_cached_module *module = NULL;
    if (e == KPIO_OK) {
        char why[256];
        module = kpio_module_get(sys, sp->module, why, sizeof why);
        if (!module) {
            /* say why on the stderr the child would have had */
            char line[400];
            int n = snprintf(line, sizeof line, "kpio: %s: not a valid program: %s\n", sp->argv[0], why);
            wasi_iov iov = { line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0 };
            sys->wasi_be.writev(sys->wasi_be.data, stdio[2], &iov, 1, -1);
            e = KPIO_ENOEXEC;
        }
    }
    if (e != KPIO_OK) {
        for (int i = 0; i < 3; i++)
            if (stdio[i] != -1)
                sys->wasi_be.close(sys->wasi_be.data, stdio[i]);
        return e;
    }
    wasi_ctx *child = NULL;
    e = child_context(sys, sp, stdio, &child);
    if (e != KPIO_OK) {
        kpio_module_release(sys, module);
        return e;
    }

    sys->be.lock(sys->be.data);
    kpio_process *p = kpio_new_process(sys, parent->pid, sp->argv[0]);
    if (!p) {
        e = KPIO_ENOMEM;
    } else {
        p->perms = sp->perms;
        p->wasi = child;
        p->module = module;
        p->max_memory_pages = sp->max_memory_pages;
        p->cpu_limit_ns = (uint64_t)sp->cpu_limit_ms * 1000000u;
        if (p->cpu_limit_ns)
            kpio_watchdog_need(sys);
        if (sys->be.thread_start(sys->be.data, child_main, p, &p->thread) != 0) {
            kpio_free_process(sys, p);
            e = KPIO_EAGAIN;
        } else {
            *pid = p->pid;
        }
    }
    sys->be.unlock(sys->be.data);
    if (e != KPIO_OK) {
        wasi_ctx_free(child);
        kpio_module_release(sys, module);
    }
    return e;
}

/* ---- proc_spawn: an app's request turned into spawn parameters ---- */

/* The fields of kpio_spawn_request (56 bytes, kpio.h). */
struct request {
    uint32_t module_fd, argv, argv_len, env, env_len, stdio[3], preopens, preopen_count, flags,
        max_memory_pages, cpu_limit_ms, reserved;
};

/* The directories the child gets: the caller's preopens (if asked) and
 * the request's own, each with at most the caller's rights. Their names
 * point into the caller's context or into *names (freed by the caller). */
static kpio_errno request_dirs(kpio_process *self, wasm_instance *inst, const struct request *rq,
                               kpio_dir **out, int *n, char **names)
{
    const char *name;
    wasi_handle h;
    uint64_t rights, inheriting;
    uint32_t inherited = 0;
    if (rq->flags & KPIO_SPAWN_INHERIT_PREOPENS)
        while (kpio_preopen_get(self->wasi, inherited, &name, &h, &rights, &inheriting))
            inherited++;
    if (rq->preopen_count > 1024)
        return KPIO_E2BIG;
    const uint8_t *entries = kpio_mem(inst, rq->preopens, rq->preopen_count * (uint32_t)sizeof(kpio_preopen));
    if (rq->preopen_count && !entries)
        return KPIO_EFAULT;
    /* check the names and add up their lengths */
    size_t total = 1;
    for (uint32_t i = 0; i < rq->preopen_count; i++) {
        const uint8_t *e = entries + i * sizeof(kpio_preopen);
        uint32_t len = kpio_ld32(e + 8);
        if (len == 0 || len > 4096)
            return KPIO_EINVAL;
        const uint8_t *text = kpio_mem(inst, kpio_ld32(e + 4), len);
        if (!text)
            return KPIO_EFAULT;
        if (kpio_has_nul(text, len))
            return KPIO_EINVAL;
        total += len + 1;
    }
    kpio_dir *dirs = kpio_calloc(inherited + rq->preopen_count + 1, sizeof *dirs);
    char *text_out = *names = kpio_malloc(total);
    if (!dirs || !text_out) {
        kpio_free(dirs);
        return KPIO_ENOMEM;
    }
    *out = dirs;
    for (uint32_t i = 0; i < inherited; i++) {
        kpio_preopen_get(self->wasi, i, &name, &h, &rights, &inheriting);
        dirs[(*n)++] = (kpio_dir){ h, name, rights, inheriting };
    }
    for (uint32_t i = 0; i < rq->preopen_count; i++) {
        const uint8_t *e = entries + i * sizeof(kpio_preopen);
        uint32_t dir_fd = kpio_ld32(e), len = kpio_ld32(e + 8);
        uint8_t type;
        kpio_errno err = kpio_fd_get(self->wasi, dir_fd, &h, &type, NULL);
        if (err != KPIO_OK)
            return err;
        if (type != KPIO_FILETYPE_DIRECTORY)
            return KPIO_ENOTDIR;
        memcpy(text_out, kpio_mem(inst, kpio_ld32(e + 4), len), len);
        text_out[len] = 0;
        kpio_fd_rights(self->wasi, dir_fd, &rights, &inheriting);
        dirs[(*n)++] = (kpio_dir){ h, text_out, rights, inheriting };
        text_out += len + 1;
    }
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_proc_spawn)
{
    const uint8_t *raw = kpio_mem(inst, (uint32_t)a[0], sizeof(kpio_spawn_request));
    uint8_t *pid_out = kpio_mem(inst, (uint32_t)a[1], 4);
    if (!raw || !pid_out)
        return KPIO_EFAULT;
    struct request rq;
    uint32_t *fields = (uint32_t *)&rq;
    for (size_t i = 0; i < sizeof rq / 4; i++)
        fields[i] = kpio_ld32(raw + 4 * i);
    if (rq.reserved != 0 ||
        (rq.flags & ~(KPIO_SPAWN_INHERIT_PREOPENS | KPIO_SPAWN_NO_NETWORK | KPIO_SPAWN_NO_SYSTEM)))
        return KPIO_EINVAL;

    kpio_spawn_params sp;
    memset(&sp, 0, sizeof sp);
    sp.perms = self->perms;
    if (rq.flags & KPIO_SPAWN_NO_NETWORK)
        sp.perms.network = false;
    if (rq.flags & KPIO_SPAWN_NO_SYSTEM)
        sp.perms.system = false;
    sp.max_memory_pages = rq.max_memory_pages;
    sp.cpu_limit_ms = rq.cpu_limit_ms;
    char *arg_copy = NULL, *env_copy = NULL, **argv = NULL, **env = NULL, *names = NULL;
    uint32_t argc = 0, envc = 0;
    kpio_dir *dirs = NULL;
    kpio_errno e = split_strings(inst, rq.argv, rq.argv_len, &arg_copy, &argv, &argc);
    if (e == KPIO_OK)
        e = split_strings(inst, rq.env, rq.env_len, &env_copy, &env, &envc);

    /* the module: an fd of the caller, readable, a regular file */
    uint8_t mtype = 0;
    uint64_t mrights = 0;
    if (e == KPIO_OK)
        e = kpio_fd_get(self->wasi, rq.module_fd, &sp.module, &mtype, &mrights);
    if (e == KPIO_OK && mtype == KPIO_FILETYPE_DIRECTORY)
        e = KPIO_EISDIR;
    else if (e == KPIO_OK && !(mrights & KPIO_RIGHT_FD_READ))
        e = KPIO_ENOTCAPABLE;
    /* stdio: the caller's fds, with no more than the caller's rights */
    for (int i = 0; e == KPIO_OK && i < 3; i++) {
        sp.stdio[i] = -1;
        sp.stdio_rights[i] = ~0ull;
        if (rq.stdio[i] != KPIO_STDIO_NULL) {
            uint64_t inheriting;
            e = kpio_fd_get(self->wasi, rq.stdio[i], &sp.stdio[i], NULL, NULL);
            kpio_fd_rights(self->wasi, rq.stdio[i], &sp.stdio_rights[i], &inheriting);
        }
    }
    if (e == KPIO_OK)
        e = request_dirs(self, inst, &rq, &dirs, &sp.ndirs, &names);
    if (e == KPIO_OK) {
        sp.argc = (int)argc;
        sp.argv = (const char *const *)argv;
        sp.envc = (int)envc;
        sp.env = (const char *const *)env;
        sp.dirs = dirs;
        int32_t pid = 0;
        e = kpio_spawn_child(self, &sp, &pid);
        if (e == KPIO_OK)
            kpio_st32(pid_out, (uint32_t)pid);
    }
    kpio_free(dirs);
    kpio_free(names);
    kpio_free(arg_copy);
    kpio_free(env_copy);
    kpio_free(argv);
    kpio_free(env);
    return e;
}

/* ---- wait, kill, self, list ---- */

kpio_errno kpio_wait_child(kpio_process *parent, int32_t pid, bool nohang, kpio_proc_status *st)
{
    kpio_system *sys = parent->sys;
    sys->be.lock(sys->be.data);
    for (;;) {
        kpio_process *found = NULL;
        bool any = false;
        for (kpio_process *p = sys->procs; p; p = p->next) {
            if (p->ppid != parent->pid || p == parent || (pid != KPIO_WAIT_ANY && p->pid != pid))
                continue;
            any = true;
            if (p->state == PROC_EXITED) {
                found = p;
                break;
            }
        }
        if (!any) {
            sys->be.unlock(sys->be.data);
            return KPIO_ECHILD;
        }
        if (found) {
            *st = found->status;
            void *thread = found->thread;
            kpio_free_process(sys, found);
            sys->be.unlock(sys->be.data);
            if (thread)
                sys->be.thread_join(sys->be.data, thread);
            return KPIO_OK;
        }
        if (nohang || parent->stop != STOP_NONE) {
            sys->be.unlock(sys->be.data);
            return nohang ? KPIO_EAGAIN : KPIO_EINTR;
        }
        sys->be.wait(sys->be.data);
    }
}

KPIO_IMPL(kpio_h_proc_wait)
{
    uint32_t flags = (uint32_t)a[1];
    uint8_t *out = kpio_mem(inst, (uint32_t)a[2], sizeof(kpio_proc_status));
    if (!out)
        return KPIO_EFAULT;
    if (flags & ~KPIO_WAIT_NOHANG)
        return KPIO_EINVAL;
    kpio_proc_status st;
    kpio_errno e = kpio_wait_child(self, (int32_t)a[0], flags & KPIO_WAIT_NOHANG, &st);
    if (e != KPIO_OK)
        return e;
    kpio_st32(out, (uint32_t)st.pid);
    kpio_st32(out + 4, st.reason);
    kpio_st32(out + 8, (uint32_t)st.code);
    kpio_st32(out + 12, 0);
    return KPIO_OK;
}

kpio_errno kpio_kill(kpio_system *sys, int32_t pid)
{
    sys->be.lock(sys->be.data);
    kpio_process *p = kpio_find(sys, pid);
    if (!p) {
        sys->be.unlock(sys->be.data);
        return KPIO_ESRCH;
    }
    kpio_stop_process(p, STOP_KILLED);
    sys->be.notify_all(sys->be.data);   /* a process waiting in proc_wait must look up */
    sys->be.unlock(sys->be.data);
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_proc_kill)
{
    (void)inst;
    return kpio_kill(self->sys, (int32_t)a[0]);
}

KPIO_IMPL(kpio_h_proc_self)
{
    uint8_t *out = kpio_mem(inst, (uint32_t)a[0], 4);
    if (!out)
        return KPIO_EFAULT;
    kpio_st32(out, (uint32_t)self->pid);
    return KPIO_OK;
}

static void put_info(uint8_t *o, kpio_system *sys, kpio_process *p)
{
    memset(o, 0, sizeof(kpio_proc_info));
    kpio_st32(o, (uint32_t)p->pid);
    kpio_st32(o + 4, (uint32_t)p->ppid);
    kpio_st32(o + 8, p->state == PROC_RUNNING ? KPIO_PROC_RUNNING : KPIO_PROC_EXITED);
    kpio_st32(o + 12, p->state == PROC_RUNNING ? 1 : 0);
    kpio_st64(o + 16, p->start_ns);
    uint64_t cpu = p->thread && p->state == PROC_RUNNING
                       ? sys->be.thread_cpu_ns(sys->be.data, p->thread) : 0;
    kpio_st64(o + 24, cpu);
    kpio_st64(o + 32, p->inst ? wasm_memory_size(p->inst) : 0);
    memcpy(o + 40, p->name, strlen(p->name));
}

/* Up to max records (the kpio_proc_info layout, little-endian) at out, in
 * pid order; returns how many processes there are. */
static uint32_t list_processes(kpio_system *sys, uint8_t *out, uint32_t max)
{
    sys->be.lock(sys->be.data);
    /* in pid order: the next larger pid each time */
    uint32_t n = 0;
    int32_t last = 0;
    for (;;) {
        kpio_process *next = NULL;
        for (kpio_process *p = sys->procs; p; p = p->next)
            if (p->pid > last && (!next || p->pid < next->pid))
                next = p;
        if (!next)
            break;
        if (n < max)
            put_info(out + n * sizeof(kpio_proc_info), sys, next);
        n++;
        last = next->pid;
    }
    sys->be.unlock(sys->be.data);
    return n;
}

KPIO_IMPL(kpio_h_proc_list)
{
    kpio_system *sys = self->sys;
    uint32_t max = (uint32_t)a[1];
    uint8_t *count_out = kpio_mem(inst, (uint32_t)a[2], 4);
    if (!count_out || max > 65536)
        return count_out ? KPIO_EINVAL : KPIO_EFAULT;
    uint8_t *out = kpio_mem(inst, (uint32_t)a[0], max * (uint32_t)sizeof(kpio_proc_info));
    if (max && !out)
        return KPIO_EFAULT;
    kpio_st32(count_out, list_processes(sys, out, max));
    return KPIO_OK;
}

uint32_t kpio_system_list(kpio_system *sys, kpio_proc_info *out, uint32_t max)
{
    /* The records' byte layout is the structure's on little-endian hosts. */
    return list_processes(sys, (uint8_t *)out, max);
}
