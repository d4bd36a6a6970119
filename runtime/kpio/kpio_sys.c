/*
 * runtime/kpio/kpio_sys.c — pipes, system information, the file systems
 * an app can reach, and terminal modes (sdk/include/kpio.h).
 */
#include "kpio_internal.h"

#define BE (self->sys->be)

KPIO_IMPL(kpio_h_pipe)
{
    uint8_t *out = kpio_mem(inst, (uint32_t)a[0], 8);
    if (!out)
        return KPIO_EFAULT;
    wasi_handle h[2];
    kpio_errno e = kpio_errno_of(BE.pipe(BE.data, h));
    if (e != KPIO_OK)
        return e;
    uint32_t fds[2];
    e = kpio_fd_add(self->wasi, h[0], KPIO_FILETYPE_UNKNOWN, false, &fds[0]);
    if (e != KPIO_OK) {
        self->sys->wasi_be.close(self->sys->wasi_be.data, h[0]);
        self->sys->wasi_be.close(self->sys->wasi_be.data, h[1]);
        return e;
    }
    e = kpio_fd_add(self->wasi, h[1], KPIO_FILETYPE_UNKNOWN, false, &fds[1]);
    if (e != KPIO_OK) {
        self->sys->wasi_be.close(self->sys->wasi_be.data, h[1]);
        /* fds[0] is in the table now: closing it there releases h[0] */
        kpio_fd_close(self->wasi, fds[0]);
        return e;
    }
    kpio_st32(out, fds[0]);
    kpio_st32(out + 4, fds[1]);
    return KPIO_OK;
}

/* Copy a NUL-terminated string into a fixed field, cut to fit. */
static void put_field(uint8_t *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memset(dst, 0, cap);
    memcpy(dst, src, n);
}

KPIO_IMPL(kpio_h_sys_uname)
{
    uint8_t *out = kpio_mem(inst, (uint32_t)a[0], sizeof(kpio_uname));
    if (!out)
        return KPIO_EFAULT;
    kpio_uname u;
    memset(&u, 0, sizeof u);
    kpio_errno e = kpio_errno_of(BE.uname(BE.data, &u));
    if (e != KPIO_OK)
        return e;
    put_field(out, 64, u.sysname);
    put_field(out + 64, 64, u.nodename);
    put_field(out + 128, 64, u.release);
    put_field(out + 192, 64, u.version);
    put_field(out + 256, 64, u.machine);
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_sys_info)
{
    uint8_t *out = kpio_mem(inst, (uint32_t)a[0], sizeof(kpio_sysinfo));
    if (!out)
        return KPIO_EFAULT;
    kpio_sysinfo s;
    memset(&s, 0, sizeof s);
    kpio_errno e = kpio_errno_of(BE.sysinfo(BE.data, &s));
    if (e != KPIO_OK)
        return e;
    s.processes = kpio_system_process_count(self->sys);
    kpio_st64(out, s.uptime_ns);
    kpio_st64(out + 8, s.memory_total);
    kpio_st64(out + 16, s.memory_free);
    kpio_st32(out + 24, s.cpus);
    kpio_st32(out + 28, s.processes);
    return KPIO_OK;
}

/* Write one kpio_fs_info record for the caller. */
static void put_fs_info(uint8_t *o, const char *mount, const kpio_fs_info *info)
{
    put_field(o, 48, mount);
    put_field(o + 48, 16, info->type);
    kpio_st64(o + 64, info->block_size);
    kpio_st64(o + 72, info->blocks_total);
    kpio_st64(o + 80, info->blocks_free);
    kpio_st32(o + 88, info->flags);
    kpio_st32(o + 92, 0);
}

#define FS_MOUNTS_MAX 16

/* The file systems of the caller's preopened directories, one record
 * each, mounted where the caller sees them, then the ones mounted below
 * them (where the backend can tell). */
KPIO_IMPL(kpio_h_fs_list)
{
    uint32_t max = (uint32_t)a[1];
    uint8_t *count_out = kpio_mem(inst, (uint32_t)a[2], 4);
    if (!count_out)
        return KPIO_EFAULT;
    if (max > 4096)
        return KPIO_EINVAL;
    uint8_t *out = kpio_mem(inst, (uint32_t)a[0], max * (uint32_t)sizeof(kpio_fs_info));
    if (max && !out)
        return KPIO_EFAULT;
    const char *name;
    wasi_handle h;
    uint64_t rights, inheriting;
    uint32_t n = 0;
    for (uint32_t i = 0; kpio_preopen_get(self->wasi, i, &name, &h, &rights, &inheriting); i++) {
        kpio_fs_info info;
        memset(&info, 0, sizeof info);
        if (BE.fs_info(BE.data, h, &info) != 0)
            continue;
        /* a directory the app may only read is a read-only mount to it */
        if (!(rights & (1ull << 9)))   /* WASI path_create_directory */
            info.flags |= KPIO_FS_READONLY;
        if (n < max)
            put_fs_info(out + n * sizeof(kpio_fs_info), name, &info);
        n++;
        kpio_fs_info below[FS_MOUNTS_MAX];
        uint32_t nbelow = 0;
        if (!BE.fs_mounts || BE.fs_mounts(BE.data, h, below, FS_MOUNTS_MAX, &nbelow) != 0)
            continue;
        for (uint32_t k = 0; k < nbelow && k < FS_MOUNTS_MAX; k++) {
            char path[48];
            bool root = name[0] == '/' && name[1] == 0;
            snprintf(path, sizeof path, "%s/%s", root ? "" : name, below[k].mount);
            if (!(rights & (1ull << 9)))
                below[k].flags |= KPIO_FS_READONLY;
            if (n < max)
                put_fs_info(out + n * sizeof(kpio_fs_info), path, &below[k]);
            n++;
        }
    }
    kpio_st32(count_out, n);
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_term_set_mode)
{
    (void)inst;
    uint32_t mode = (uint32_t)a[1];
    if (mode != KPIO_TERM_COOKED && mode != KPIO_TERM_RAW)
        return KPIO_EINVAL;
    wasi_handle h;
    kpio_errno e = kpio_fd_get(self->wasi, (uint32_t)a[0], &h, NULL, NULL);
    if (e != KPIO_OK)
        return e;
    return kpio_errno_of(BE.term_set_mode(BE.data, h, mode));
}

KPIO_IMPL(kpio_h_term_get_size)
{
    uint8_t *out = kpio_mem(inst, (uint32_t)a[1], sizeof(kpio_term_size));
    if (!out)
        return KPIO_EFAULT;
    wasi_handle h;
    kpio_errno e = kpio_fd_get(self->wasi, (uint32_t)a[0], &h, NULL, NULL);
    if (e != KPIO_OK)
        return e;
    kpio_term_size size;
    e = kpio_errno_of(BE.term_get_size(BE.data, h, &size));
    if (e != KPIO_OK)
        return e;
    kpio_st16(out, size.rows);
    kpio_st16(out + 2, size.cols);
    return KPIO_OK;
}

/* True while a process other than self, and not run by the embedder, is
 * still running (lock held). */
static bool others_running(kpio_system *sys, kpio_process *self)
{
    for (kpio_process *p = sys->procs; p; p = p->next)
        if (p != self && !p->attached && p->state == PROC_RUNNING)
            return true;
    return false;
}

#define POWER_GRACE_NS (2000 * 1000 * 1000ull)

/* Power off or reboot: every other process is stopped (and given up to
 * two seconds to end, releasing its files), then the backend writes the
 * file systems back and acts. */
KPIO_IMPL(kpio_h_sys_power)
{
    (void)inst;
    uint32_t action = (uint32_t)a[0];
    if (action != KPIO_POWER_OFF && action != KPIO_POWER_REBOOT)
        return KPIO_EINVAL;
    if (!self->perms.system)
        return KPIO_EPERM;
    if (!BE.power)
        return KPIO_ENOSYS;
    kpio_system *sys = self->sys;
    BE.lock(BE.data);
    sys->stopping = true;
    for (kpio_process *p = sys->procs; p; p = p->next)
        if (p != self && !p->attached)
            kpio_stop_process(p, STOP_SHUTDOWN);
    BE.notify_all(BE.data);
    uint64_t deadline = BE.now_ns(BE.data) + POWER_GRACE_NS;
    while (others_running(sys, self) && BE.now_ns(BE.data) < deadline) {
        BE.unlock(BE.data);
        BE.sleep_ns(BE.data, 10 * 1000 * 1000);
        BE.lock(BE.data);
    }
    BE.unlock(BE.data);
    kpio_errno e = kpio_errno_of(BE.power(BE.data, action));
    BE.lock(BE.data);
    sys->stopping = false;      /* it failed: carry on */
    BE.unlock(BE.data);
    return e;
}

bool kpio_system_stopping(kpio_system *sys)
{
    sys->be.lock(sys->be.data);
    bool s = sys->stopping;
    sys->be.unlock(sys->be.data);
    return s;
}

KPIO_IMPL(kpio_h_module_validate)
{
    (void)self;
    uint32_t len = (uint32_t)a[1], cap = (uint32_t)a[3];
    const uint8_t *bytes = kpio_mem(inst, (uint32_t)a[0], len);
    uint8_t *msg = kpio_mem(inst, (uint32_t)a[2], cap);
    if (!bytes || !msg)
        return KPIO_EFAULT;
    if (len > KPIO_MAX_MODULE_SIZE)
        return KPIO_E2BIG;
    /* The check may take a while on a big module; the bytes stay in guest
     * memory, which nothing else touches during the call. */
    wasm_error err;
    if (wasm_module_validate(bytes, len, &err) == WASM_OK) {
        if (cap)
            msg[0] = 0;
        return KPIO_OK;
    }
    if (cap) {
        size_t n = strnlen(err.message, sizeof err.message);
        if (n >= cap)
            n = cap - 1;
        memcpy(msg, err.message, n);
        msg[n] = 0;
    }
    return KPIO_ENOEXEC;
}
