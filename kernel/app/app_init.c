/*
 * kernel/app/app_init.c — user space at boot.
 *
 *   1. the system partition (GPT name KPIO-SYSTEM on the boot disk, built by
 *      kernel/userspace.mk from build/wasm/bin) mounted read-only at
 *      /system, and /bin a symbolic link to it (system/bin);
 *   2. the runtime's platform, the CSPRNG (also behind /dev/random), the
 *      console (also /dev/console);
 *   3. one kpio process table for the whole machine; the kernel's launcher
 *      is its process 1 ("init");
 *   4. init starts the first program — /bin/sh.wasm, or the command line's
 *      init=PATH — on the console with "/" preopened, every right and the
 *      network; when it ends, init says how and starts it again;
 *   5. the boot thread becomes the console pump (tty.c) for good.
 *
 * `init=monitor` on the kernel command line keeps the kernel monitor on the
 * console instead (user space is still set up: the monitor's `ps` works).
 * `wasm=interp` runs every app under the interpreter instead of the JIT (to
 * compare the two, as the benchmarks do).
 */
#include "app/app.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/log.h"
#include "core/monitor.h"
#include "core/time.h"
#include "dev/blkdev.h"
#include "fs/devfs.h"
#include "fs/storage.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define SYSTEM_LABEL "KPIO-SYSTEM"
#define DEFAULT_INIT "/bin/sh.wasm"

static kpio_system *sys;
static kpio_process *init_process;
static struct handle *tty_handle;

kpio_system *app_system(void)
{
    return sys;
}

static void mount_system(void)
{
    /* disks are probed in the background: wait for the boot disk's mounts */
    storage_wait_ready();
    struct blkdev *found = NULL;
    for (struct blkdev *d = blkdev_next(NULL); d && !found; d = blkdev_next(d))
        if (d->parent && strcmp(d->parent->name, "vda") == 0 &&
            strcmp(d->part_label, SYSTEM_LABEL) == 0)
            found = d;
    if (!found) {
        log_err("app: no %s partition on the boot disk: no programs in /system", SYSTEM_LABEL);
        return;
    }
    int rc = vfs_mkdir(NULL, "/system", 0, 0755);
    if (rc == 0 || rc == -EEXIST)
        rc = vfs_mount("fat", found->name, "/system", VFS_MNT_RDONLY);
    if (rc == 0)
        rc = vfs_symlink("system/bin", NULL, "/bin", 0);
    if (rc < 0)
        log_err("app: mounting %s at /system: %d", found->name, rc);
}

/* /dev/console and /dev/random go through user space's console and CSPRNG. */
static int64_t console_read_hook(void *buf, size_t len)
{
    return tty_read(buf, len, false);
}

static void random_hook(void *buf, size_t len)
{
    csprng_fill(buf, len);
}

/* Start the first program as a child of init; 0 and its pid, or an error. */
static int start_first(const char *path, int32_t *pid)
{
    struct handle *module, *root;
    int rc = handle_open_path(path, VFS_O_RDONLY, &module);
    if (rc < 0)
        return rc;
    rc = handle_open_path("/", VFS_O_RDONLY | VFS_O_DIRECTORY, &root);
    if (rc < 0) {
        handle_put(module);
        return rc;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char name[32];
    strlcpy(name, base, sizeof name);
    char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".wasm") == 0)
        *dot = 0;
    const char *argv[] = { name };
    const char *env[] = { "PATH=/bin", "HOME=/data", "PWD=/data", "TERM=vt100" };
    kpio_dir dirs[] = { { handle_value(root), "/", ~0ull, ~0ull } };
    wasi_handle tty = handle_value(tty_handle);
    kpio_spawn_params sp = {
        .module = handle_value(module), .argc = 1, .argv = argv, .envc = 4, .env = env,
        .stdio = { tty, tty, tty }, .stdio_rights = { ~0ull, ~0ull, ~0ull },
        .dirs = dirs, .ndirs = 1, .perms = { .network = true, .system = true },
    };
    kpio_errno e = kpio_spawn_child(init_process, &sp, pid);
    handle_put(module);
    handle_put(root);
    return e == KPIO_OK ? 0 : -(int)e;
}

static void init_main(void *arg)
{
    const char *path = arg;
    for (;;) {
        int32_t pid;
        int rc = start_first(path, &pid);
        if (rc < 0) {
            console_printf("init: cannot start %s (kpio error %d); ^] opens the kernel monitor\n",
                           path, -rc);
            thread_sleep_ns(10 * NS_PER_S);
            continue;
        }
        tty_set_session(pid);
        kpio_proc_status st;
        if (kpio_wait_child(init_process, pid, false, &st) != KPIO_OK)
            continue;
        tty_set_raw(false);
        if (kpio_system_stopping(sys))
            break;              /* powering off: nothing new starts */
        if (st.reason == KPIO_EXIT_NORMAL)
            console_printf("init: %s exited with status %d; starting it again\n", path, st.code);
        else
            console_printf("init: %s %s; starting it again\n", path,
                           st.reason == KPIO_EXIT_KILLED ? "was killed" : "crashed");
        thread_sleep_ns(200 * NS_PER_MS);
    }
}

/* Everything apps need, console or not. False if it cannot be had. */
static bool setup(void)
{
    static bool done;
    if (done)
        return sys != NULL;
    done = true;
    app_platform_init();
    const char *engine = cmdline_get("wasm");
    if (engine && strcmp(engine, "interp") == 0) {
        wasm_runtime_set_engine(WASM_ENGINE_INTERP);
        log_info("app: apps run under the interpreter (wasm=interp)");
    } else if (engine) {
        log_warn("app: wasm=%s is not an engine (interp); apps run under the default", engine);
    }
    csprng_init();
    tty_init();
    static const struct devfs_hooks hooks = { console_read_hook, tty_write, random_hook };
    devfs_set_hooks(&hooks);
    mount_system();
    kpio_backend kbe;
    wasi_backend wbe;
    app_kpio_backend(&kbe);
    app_wasi_backend(&wbe);
    sys = kpio_system_new(&kbe, &wbe);
    tty_handle = handle_new(HANDLE_TTY);
    kpio_permissions all = { .network = true, .system = true };
    init_process = sys ? kpio_process_attach(sys, NULL, "init", &all) : NULL;
    if (!sys || !tty_handle || !init_process) {
        log_err("app: out of memory setting up user space");
        sys = NULL;
        return false;
    }
    app_register_commands();
    return true;
}

bool app_start(void)
{
    bool ok = setup();
    const char *init = cmdline_get("init");
    if (!ok || (init && strcmp(init, "monitor") == 0))
        return false;
    const char *path = init && *init ? init : DEFAULT_INIT;
    struct vfs_stat st;
    int rc = vfs_stat(NULL, path, 0, &st);
    if (rc < 0 || st.type != VFS_REG) {
        log_err("app: no first program at %s (%d): the kernel monitor takes the console", path, rc);
        return false;
    }
    struct thread *t = thread_create("init", init_main, (void *)path, PRIO_NORMAL);
    if (!t) {
        log_err("app: cannot start init");
        return false;
    }
    thread_detach(t);
    log_info("app: %s on the console; ^] opens the kernel monitor", path);
    tty_pump();
}
