/*
 * runtime/kpio/kpio_system.c — the process table, the cache of compiled
 * modules (one compile per module file, shared by all its instances) and
 * the watchdog thread that enforces CPU limits and repeats interrupts
 * until a stopped process has ended.
 *
 * Every field of the table and of its processes is guarded by the
 * backend's one lock; waiting for a process to end uses its condition.
 */
#include "kpio_internal.h"

kpio_system *kpio_system_new(const kpio_backend *be, const wasi_backend *wasi_be)
{
    kpio_system *sys = kpio_calloc(1, sizeof *sys);
    if (!sys)
        return NULL;
    sys->be = *be;
    sys->wasi_be = *wasi_be;
    sys->next_pid = 1;
    return sys;
}

kpio_process *kpio_find(kpio_system *sys, int32_t pid)
{
    for (kpio_process *p = sys->procs; p; p = p->next)
        if (p->pid == pid)
            return p;
    return NULL;
}

kpio_process *kpio_new_process(kpio_system *sys, int32_t ppid, const char *name)
{
    kpio_process *p = kpio_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sys = sys;
    p->pid = sys->next_pid++;
    p->ppid = ppid;
    p->state = PROC_RUNNING;
    p->start_ns = sys->be.now_ns(sys->be.data);
    /* the basename of argv[0], cut to fit */
    const char *base = name;
    for (const char *s = name; *s; s++)
        if (*s == '/' && s[1])
            base = s + 1;
    size_t n = strlen(base);
    if (n >= sizeof p->name)
        n = sizeof p->name - 1;
    memcpy(p->name, base, n);
    p->next = sys->procs;
    sys->procs = p;
    return p;
}

void kpio_free_process(kpio_system *sys, kpio_process *p)
{
    for (kpio_process **pp = &sys->procs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    kpio_free(p->bindings);
    kpio_free(p);
}

uint32_t kpio_system_process_count(kpio_system *sys)
{
    sys->be.lock(sys->be.data);
    uint32_t n = 0;
    for (kpio_process *p = sys->procs; p; p = p->next)
        n++;
    sys->be.unlock(sys->be.data);
    return n;
}

kpio_process *kpio_process_attach(kpio_system *sys, wasi_ctx *ctx, const char *name,
                                  const kpio_permissions *perms)
{
    sys->be.lock(sys->be.data);
    kpio_process *p = kpio_new_process(sys, 0, name);
    if (p) {
        p->attached = true;
        p->wasi = ctx;
        if (perms)
            p->perms = *perms;
    }
    sys->be.unlock(sys->be.data);
    return p;
}

void kpio_process_set_instance(kpio_process *p, wasm_instance *inst)
{
    kpio_system *sys = p->sys;
    sys->be.lock(sys->be.data);
    p->inst = inst;
    if (inst && p->stop != STOP_NONE)
        wasm_instance_interrupt(inst);
    sys->be.unlock(sys->be.data);
}

/* p has ended: its children lose their parent; ended ones are freed now,
 * running ones when they end (lock held). */
static void orphan_children(kpio_system *sys, kpio_process *p)
{
    kpio_process *c = sys->procs;
    while (c) {
        kpio_process *next = c->next;
        if (c != p && c->ppid == p->pid) {
            c->ppid = 0;
            if (c->state == PROC_EXITED) {
                if (c->thread)
                    sys->be.thread_join(sys->be.data, c->thread);
                kpio_free_process(sys, c);
            } else {
                c->orphan_reap = true;
            }
        }
        c = next;
    }
}

void kpio_process_detach(kpio_process *p)
{
    kpio_system *sys = p->sys;
    sys->be.lock(sys->be.data);
    orphan_children(sys, p);
    kpio_free_process(sys, p);
    sys->be.notify_all(sys->be.data);
    sys->be.unlock(sys->be.data);
}

/* Called by a child's thread when it has ended (lock not held). */
void kpio_process_ended(kpio_process *p, const kpio_proc_status *status)
{
    kpio_system *sys = p->sys;
    sys->be.lock(sys->be.data);
    p->state = PROC_EXITED;
    p->status = *status;
    p->inst = NULL;
    orphan_children(sys, p);
    if (p->orphan_reap || p->ppid == 0) {
        sys->be.thread_detach(sys->be.data, p->thread);
        kpio_free_process(sys, p);
    }
    sys->be.notify_all(sys->be.data);
    sys->be.unlock(sys->be.data);
}

void kpio_stop_process(kpio_process *p, enum kpio_stop why)
{
    kpio_system *sys = p->sys;
    if (p->state != PROC_RUNNING)
        return;
    if (p->stop == STOP_NONE)
        p->stop = why;
    if (p->inst)
        wasm_instance_interrupt(p->inst);
    if (p->thread)
        sys->be.thread_interrupt(sys->be.data, p->thread);
    kpio_watchdog_need(sys);
}

/* True while a process we started (not an attached one) runs (lock held). */
static bool children_running(kpio_system *sys)
{
    for (kpio_process *p = sys->procs; p; p = p->next)
        if (!p->attached && p->state == PROC_RUNNING)
            return true;
    return false;
}

/* The watchdog: every 10 ms, stop processes over their CPU limit and
 * interrupt again those being stopped (a blocking host call may have
 * missed the first interrupt). Ends when the system shuts down. */
static void watchdog(void *arg)
{
    kpio_system *sys = arg;
    sys->be.lock(sys->be.data);
    while (!sys->shutting_down || sys->procs) {
        bool busy = false;
        for (kpio_process *p = sys->procs; p; p = p->next) {
            if (p->state != PROC_RUNNING || !p->thread)
                continue;
            if (p->stop != STOP_NONE) {
                busy = true;
                if (p->inst)
                    wasm_instance_interrupt(p->inst);
                sys->be.thread_interrupt(sys->be.data, p->thread);
            } else if (p->cpu_limit_ns &&
                       sys->be.thread_cpu_ns(sys->be.data, p->thread) > p->cpu_limit_ns) {
                kpio_stop_process(p, STOP_CPU_LIMIT);
            }
        }
        if (sys->shutting_down && !busy && !children_running(sys))
            break;
        sys->be.unlock(sys->be.data);
        sys->be.sleep_ns(sys->be.data, KPIO_WATCHDOG_NS);
        sys->be.lock(sys->be.data);
    }
    sys->watchdog_running = false;
    sys->be.notify_all(sys->be.data);
    sys->be.unlock(sys->be.data);
}

void kpio_watchdog_need(kpio_system *sys)
{
    if (sys->watchdog_running)
        return;
    if (sys->watchdog) {
        /* an earlier watchdog ended; collect it before starting anew */
        sys->be.thread_join(sys->be.data, sys->watchdog);
        sys->watchdog = NULL;
    }
    if (sys->be.thread_start(sys->be.data, watchdog, sys, &sys->watchdog) == 0)
        sys->watchdog_running = true;
}

void kpio_system_free(kpio_system *sys)
{
    if (!sys)
        return;
    sys->be.lock(sys->be.data);
    sys->shutting_down = true;
    for (kpio_process *p = sys->procs; p; p = p->next)
        if (!p->attached)
            kpio_stop_process(p, STOP_SHUTDOWN);
    while (children_running(sys))
        sys->be.wait(sys->be.data);
    /* ended children still waiting to be reaped, and attached ones left */
    while (sys->procs) {
        kpio_process *p = sys->procs;
        if (p->thread)
            sys->be.thread_join(sys->be.data, p->thread);
        kpio_free_process(sys, p);
    }
    while (sys->watchdog_running)
        sys->be.wait(sys->be.data);
    sys->be.unlock(sys->be.data);
    if (sys->watchdog)
        sys->be.thread_join(sys->be.data, sys->watchdog);
    for (int i = 0; i < KPIO_MODULE_CACHE; i++)
        if (sys->cache[i].module)
            wasm_module_free(sys->cache[i].module);
    kpio_free(sys);
}

/* ---- the module cache ---- */

static bool same_file(const struct kpio_cached_module *c, const wasi_stat *st)
{
    return c->module && c->dev == st->dev && c->ino == st->ino && c->size == st->size &&
           c->mtime == st->mtim;
}

/* The cached module for this file, with one more user, or NULL (lock held). */
static struct kpio_cached_module *cache_lookup(kpio_system *sys, const wasi_stat *st)
{
    for (int i = 0; i < KPIO_MODULE_CACHE; i++) {
        struct kpio_cached_module *c = &sys->cache[i];
        if (same_file(c, st)) {
            c->users++;
            c->last_used = ++sys->cache_clock;
            return c;
        }
    }
    return NULL;
}

/* Read the whole file at h (size bytes) into a new buffer. */
static uint8_t *read_module_file(kpio_system *sys, wasi_handle h, uint64_t size, char *err,
                                 size_t errcap)
{
    uint8_t *buf = kpio_malloc(size ? (size_t)size : 1);
    if (!buf) {
        snprintf(err, errcap, "out of memory for a %llu-byte module", (unsigned long long)size);
        return NULL;
    }
    uint64_t done = 0;
    while (done < size) {
        wasi_iov iov = { buf + done, (size_t)(size - done) };
        int64_t n = sys->wasi_be.readv(sys->wasi_be.data, h, &iov, 1, (int64_t)done);
        if (n <= 0) {
            snprintf(err, errcap, n == 0 ? "the file shrank while it was read"
                                         : "cannot read the module file");
            kpio_free(buf);
            return NULL;
        }
        done += (uint64_t)n;
    }
    return buf;
}

struct kpio_cached_module *kpio_module_get(kpio_system *sys, wasi_handle h, char *err,
                                           size_t errcap)
{
    wasi_stat st;
    if (sys->wasi_be.stat(sys->wasi_be.data, h, &st) != 0) {
        snprintf(err, errcap, "cannot stat the module file");
        return NULL;
    }
    if (st.filetype != KPIO_FILETYPE_REGULAR_FILE) {
        snprintf(err, errcap, "not a regular file");
        return NULL;
    }
    sys->be.lock(sys->be.data);
    struct kpio_cached_module *hit = cache_lookup(sys, &st);
    sys->be.unlock(sys->be.data);
    if (hit)
        return hit;

    if (st.size > KPIO_MAX_MODULE_SIZE) {
        snprintf(err, errcap, "module larger than %u MiB", KPIO_MAX_MODULE_SIZE >> 20);
        return NULL;
    }
    uint8_t *bytes = read_module_file(sys, h, st.size, err, errcap);
    if (!bytes)
        return NULL;
    wasm_error werr;
    wasm_module *m = wasm_module_load(bytes, (size_t)st.size, &werr);
    kpio_free(bytes);
    if (!m) {
        snprintf(err, errcap, "%s", werr.message);
        return NULL;
    }

    /* Into the cache: a free slot, else the least recently used idle one.
     * Another thread may have loaded the same file meanwhile: use that. */
    sys->be.lock(sys->be.data);
    hit = cache_lookup(sys, &st);
    if (hit) {
        sys->be.unlock(sys->be.data);
        wasm_module_free(m);
        return hit;
    }
    struct kpio_cached_module *slot = NULL;
    for (int i = 0; i < KPIO_MODULE_CACHE && !slot; i++)
        if (!sys->cache[i].module)
            slot = &sys->cache[i];
    for (int i = 0; i < KPIO_MODULE_CACHE && !slot; i++) {
        struct kpio_cached_module *c = &sys->cache[i];
        if (c->users == 0 && (!slot || c->last_used < slot->last_used))
            slot = c;
    }
    if (!slot) {
        sys->be.unlock(sys->be.data);
        wasm_module_free(m);
        snprintf(err, errcap, "too many different modules running at once (%d)",
                 KPIO_MODULE_CACHE);
        return NULL;
    }
    if (slot->module)
        wasm_module_free(slot->module);
    slot->dev = st.dev;
    slot->ino = st.ino;
    slot->size = st.size;
    slot->mtime = st.mtim;
    slot->module = m;
    slot->users = 1;
    slot->last_used = ++sys->cache_clock;
    sys->be.unlock(sys->be.data);
    return slot;
}

void kpio_module_release(kpio_system *sys, struct kpio_cached_module *m)
{
    sys->be.lock(sys->be.data);
    if (m->users > 0)
        m->users--;
    sys->be.unlock(sys->be.data);
}
