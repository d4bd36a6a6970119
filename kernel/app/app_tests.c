/*
 * kernel/app/app_tests.c — in-kernel tests of user space's kernel parts
 * (test=app_* on the kernel command line; test-kernel runs them all):
 * ChaCha20 against RFC 8439's vector, pipes, and the runtime in the kernel:
 * arithmetic, floating point and SIMD in an app thread, a guard-page fault
 * turned into a trap, another thread stopping an endless loop, and every
 * reservation given back.
 */
#include "app/app.h"
#include "core/ktest.h"
#include "core/time.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "kpio_wasm.h"
#include "kpio_wasm_platform.h"

KTEST(app_chacha20_rfc8439)
{
    /* RFC 8439 §2.3.2: key 00..1f, block count 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00 */
    uint32_t key[8], out[16];
    for (int i = 0; i < 8; i++)
        key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 | (uint32_t)(4 * i + 2) << 16 |
                 (uint32_t)(4 * i + 3) << 24;
    const uint32_t words[4] = { 1, 0x09000000, 0x4a000000, 0 };
    static const uint32_t expect[16] = {
        0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
        0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9, 0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2,
    };
    chacha20_block(key, words, out);
    for (int i = 0; i < 16; i++)
        KT_ASSERT_EQ(out[i], expect[i]);
}

KTEST(app_csprng_output)
{
    csprng_init();
    uint8_t a[256], b[256];
    csprng_fill(a, sizeof a);
    csprng_fill(b, sizeof b);
    KT_ASSERT(memcmp(a, b, sizeof a) != 0);
    /* 256 bytes of a good generator show most of the 256 values */
    bool seen[256] = { false };
    int distinct = 0;
    for (size_t i = 0; i < sizeof a; i++)
        if (!seen[a[i]]) {
            seen[a[i]] = true;
            distinct++;
        }
    KT_ASSERT(distinct > 140);
}

/* ---- pipes ---- */

struct pipe_reader {
    struct pipe *pipe;
    char got[64];
    int64_t n;
};

static void read_later(void *arg)
{
    struct pipe_reader *r = arg;
    r->n = pipe_read(r->pipe, r->got, sizeof r->got, false);
}

KTEST(app_pipe_data_eof_epipe)
{
    struct handle *h[2];
    KT_ASSERT_EQ(pipe_create(h), 0);
    struct pipe *p = h[0]->u.pipe;
    char buf[16];
    KT_ASSERT_EQ(pipe_read(p, buf, sizeof buf, true), -EAGAIN);
    KT_ASSERT_EQ(pipe_write(p, "hello", 5, false), 5);
    uint64_t n;
    KT_ASSERT(pipe_poll(p, true, &n) & WASI_POLL_READABLE);
    KT_ASSERT_EQ(n, 5);
    KT_ASSERT_EQ(pipe_read(p, buf, sizeof buf, false), 5);
    KT_ASSERT(memcmp(buf, "hello", 5) == 0);

    /* a blocked reader wakes when data arrives */
    struct pipe_reader r = { p, { 0 }, -1 };
    struct thread *t = thread_create("pipe-reader", read_later, &r, PRIO_NORMAL);
    KT_ASSERT(t);
    thread_sleep_ns(20 * NS_PER_MS);
    KT_ASSERT_EQ(pipe_write(p, "later", 5, false), 5);
    thread_join(t);
    KT_ASSERT_EQ(r.n, 5);

    /* fill it: a non-blocking writer is told to wait */
    static char big[PIPE_CAPACITY];
    KT_ASSERT_EQ(pipe_write(p, big, sizeof big, true), PIPE_CAPACITY);
    KT_ASSERT_EQ(pipe_write(p, "x", 1, true), -EAGAIN);
    handle_put(h[1]);                       /* the writer goes: data, then end of file */
    KT_ASSERT_EQ(pipe_read(p, big, sizeof big, false), PIPE_CAPACITY);
    KT_ASSERT_EQ(pipe_read(p, buf, sizeof buf, false), 0);

    struct handle *g[2];
    KT_ASSERT_EQ(pipe_create(g), 0);
    handle_put(g[0]);                       /* the reader goes: EPIPE */
    KT_ASSERT_EQ(pipe_write(g[1]->u.pipe, "x", 1, false), -EPIPE);
    handle_put(g[1]);
    handle_put(h[0]);
}

/* ---- the runtime in the kernel ----
 * (module (memory 1)
 *   (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
 *   (func (export "oob") (i32.store (i32.const 70000) (i32.const 1)))
 *   (func (export "spin") (loop br 0))
 *   (func (export "hyp") (param f64 f64) (result f64)
 *     local.get 0 local.get 0 f64.mul local.get 1 local.get 1 f64.mul f64.add f64.sqrt)
 *   (func (export "dot") (result i32)
 *     (i32x4.extract_lane 2 (i32x4.mul (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8)))))
 * assembled with wabt's wat2wasm. */
static const uint8_t test_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x14, 0x04, 0x60, 0x02, 0x7f, 0x7f,
    0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7c, 0x60, 0x00, 0x01, 0x7f,
    0x03, 0x06, 0x05, 0x00, 0x01, 0x01, 0x02, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x20,
    0x05, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x6f, 0x6f, 0x62, 0x00, 0x01, 0x04, 0x73,
    0x70, 0x69, 0x6e, 0x00, 0x02, 0x03, 0x68, 0x79, 0x70, 0x00, 0x03, 0x03, 0x64, 0x6f, 0x74,
    0x00, 0x04, 0x0a, 0x59, 0x05, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x0b, 0x00,
    0x41, 0xf0, 0xa2, 0x04, 0x41, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c,
    0x00, 0x0b, 0x0b, 0x0e, 0x00, 0x20, 0x00, 0x20, 0x00, 0xa2, 0x20, 0x01, 0x20, 0x01, 0xa2,
    0xa0, 0x9f, 0x0b, 0x2c, 0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd, 0x0c, 0x05, 0x00, 0x00, 0x00, 0x06,
    0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0xfd, 0xb5, 0x01, 0xfd,
    0x1b, 0x02, 0x0b,
};

struct run_result {
    wasm_instance *inst;
    wasm_result add, oob, hyp, dot;
    wasm_trap oob_trap;
    uint32_t sum, lane;
    uint64_t hyp_bits;
};

/* The runtime's work, in an app thread (where vector state is saved). */
static void run_exports(void *arg)
{
    struct run_result *r = arg;
    wasm_error err;
    wasm_value args[2] = { { .type = WASM_I32, .of.i32 = 40 }, { .type = WASM_I32, .of.i32 = 2 } };
    wasm_value res;
    r->add = wasm_call(r->inst, "add", args, 2, &res, 1, &err);
    r->sum = res.of.i32;
    r->oob = wasm_call(r->inst, "oob", NULL, 0, NULL, 0, &err);
    r->oob_trap = err.trap;
    double three = 3.0, four = 4.0;
    args[0].type = args[1].type = WASM_F64;
    memcpy(&args[0].of.f64, &three, 8);
    memcpy(&args[1].of.f64, &four, 8);
    r->hyp = wasm_call(r->inst, "hyp", args, 2, &res, 1, &err);
    r->hyp_bits = res.of.f64;
    r->dot = wasm_call(r->inst, "dot", NULL, 0, &res, 1, &err);
    r->lane = res.of.i32;
}

struct spinner {
    wasm_instance *inst;
    wasm_result result;
    wasm_trap trap;
};

static void spin(void *arg)
{
    struct spinner *s = arg;
    wasm_error err;
    s->result = wasm_call(s->inst, "spin", NULL, 0, NULL, 0, &err);
    s->trap = err.trap;
}

KTEST(app_runtime_in_the_kernel)
{
    app_platform_init();
    app_platform_trim();
    struct app_memory_stats before, after;
    app_memory_stats(&before);
    wasm_error err;
    wasm_module *m = wasm_module_load(test_module, sizeof test_module, &err);
    KT_ASSERT(m);
    struct run_result r = { 0 };
    r.inst = wasm_instantiate(m, NULL, NULL, NULL, &err);
    KT_ASSERT(r.inst);
    struct app_thread *t;
    KT_ASSERT_EQ(app_thread_start(run_exports, &r, &t), 0);
    app_thread_join(t);
    KT_ASSERT_EQ(r.add, WASM_OK);
    KT_ASSERT_EQ(r.sum, 42);
    /* the store past the memory's 64 KiB faulted in its guard area */
    KT_ASSERT_EQ(r.oob, WASM_ERR_TRAP);
    KT_ASSERT_EQ(r.oob_trap, WASM_TRAP_MEMORY_OOB);
    KT_ASSERT_EQ(r.hyp, WASM_OK);
    KT_ASSERT_EQ(r.hyp_bits, 0x4014000000000000ull);     /* 5.0 */
    KT_ASSERT_EQ(r.dot, WASM_OK);
    KT_ASSERT_EQ(r.lane, 21);

    /* another thread stops an endless loop */
    struct spinner s = { r.inst, WASM_OK, WASM_TRAP_NONE };
    KT_ASSERT_EQ(app_thread_start(spin, &s, &t), 0);
    thread_sleep_ns(50 * NS_PER_MS);
    wasm_instance_interrupt(r.inst);
    app_thread_join(t);
    KT_ASSERT_EQ(s.result, WASM_ERR_TRAP);
    KT_ASSERT_EQ(s.trap, WASM_TRAP_INTERRUPTED);

    wasm_instance_free(r.inst);
    wasm_module_free(m);
    /* released reservations wait in the pool, zeroed */
    app_memory_stats(&after);
    KT_ASSERT(after.pooled >= 2);
    app_platform_trim();
    app_memory_stats(&after);
    KT_ASSERT_EQ(after.reservations, before.reservations);
    KT_ASSERT_EQ(after.committed, before.committed);
}

/* A recycled reservation comes back zeroed, with exactly the window its
 * first commit asks for (no more accessible than asked). */
static void touch_and_check(void *arg)
{
    uint8_t *p = arg;
    p[0] = 0x5a;
    p[PAGE_SIZE * 3 + 7] = 0xa5;
}

KTEST(app_reservation_pool_reuse)
{
    app_platform_init();
    app_platform_trim();
    size_t size = 64ull << 20;
    uint8_t *a = wasm_plat_reserve(size);
    KT_ASSERT(a && wasm_plat_commit(a, 4 * PAGE_SIZE));
    struct app_thread *t;
    KT_ASSERT_EQ(app_thread_start(touch_and_check, a, &t), 0);
    app_thread_join(t);
    wasm_plat_release(a, size);
    struct app_memory_stats ms;
    app_memory_stats(&ms);
    KT_ASSERT_EQ(ms.pooled, 1);
    uint8_t *b = wasm_plat_reserve(size);
    KT_ASSERT(b == a);                                  /* the same one, from the pool */
    KT_ASSERT(wasm_plat_commit(b, 2 * PAGE_SIZE));      /* smaller this time */
    KT_ASSERT_EQ(b[0], 0);                              /* scrubbed */
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)b);
    KT_ASSERT(r && r->window_len == 2 * PAGE_SIZE);     /* page 3 is no longer accessible */
    wasm_plat_release(b, size);
    app_platform_trim();
    app_memory_stats(&ms);
    KT_ASSERT_EQ(ms.pooled, 0);
}
