/*
 * tests/unit/kcore/test_heap.c — slab caches, large allocations and the debug
 * mode (red zones, double frees, writes after free) on a host arena.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "mm/buddy.h"
#include "mm/heap.h"

#define ARENA_BYTES (64ULL << 20)
#define ARENA_PAGES (ARENA_BYTES / PAGE_SIZE)
#define MAX_BLOCK   (PAGE_SIZE << BUDDY_MAX_ORDER)

static uint8_t *arena;
static uint8_t meta[ARENA_PAGES];
static struct buddy b;
static struct kheap heap;

static int setup(void **state)
{
    (void)state;
    arena = aligned_alloc(MAX_BLOCK, ARENA_BYTES);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(arena);
    return 0;
}

/* A fresh buddy over the arena and a heap over it. */
static void fresh(bool debug)
{
    buddy_init(&b, (uint64_t)(uintptr_t)arena / PAGE_SIZE, ARENA_PAGES, meta);
    buddy_add_range(&b, (uint64_t)(uintptr_t)arena, ARENA_PAGES);
    kheap_init(&heap, &b, debug);
}

/* After freeing everything, the heap holds nothing and, once shrunk, every page is back. */
static void assert_no_leak(void)
{
    assert_int_equal(heap.allocations, 0);
    assert_int_equal(heap.bytes_in_use, 0);
    kheap_shrink(&heap);
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
    assert_int_equal(buddy_check(&b), 0);
}

static void fill(uint8_t *p, size_t n, uint64_t key)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(key + i * 31);
}

static bool filled(const uint8_t *p, size_t n, uint64_t key)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(key + i * 31))
            return false;
    return true;
}

/* Random sizes from 0 to 20 KiB, random order of frees, contents checked. */
static void stress(bool debug)
{
    fresh(debug);
    enum { SLOTS = 1000 };
    static uint8_t *ptr[SLOTS];
    static size_t len[SLOTS];
    memset(ptr, 0, sizeof ptr);
    uint64_t rng = debug ? 99 : 7;
    for (int op = 0; op < 50000; op++) {
        unsigned s = (unsigned)(unit_rand(&rng) % SLOTS);
        if (ptr[s]) {
            assert_true(filled(ptr[s], len[s], s));
            kheap_free(&heap, ptr[s]);
            ptr[s] = NULL;
            continue;
        }
        uint64_t r = unit_rand(&rng);
        len[s] = (r & 7) == 0 ? (size_t)(r >> 8) % 20000 : (size_t)(r >> 8) % 600;
        ptr[s] = kheap_alloc(&heap, len[s]);
        assert_non_null(ptr[s]);
        assert_int_equal((uintptr_t)ptr[s] % KHEAP_ALIGN, 0);
        assert_true(kheap_usable_size(&heap, ptr[s]) >= len[s]);
        fill(ptr[s], len[s], s);
    }
    assert_int_equal(kheap_check(&heap), 0);
    for (unsigned s = 0; s < SLOTS; s++)
        if (ptr[s]) {
            assert_true(filled(ptr[s], len[s], s));
            kheap_free(&heap, ptr[s]);
        }
    assert_int_equal(heap.errors, 0);
    assert_no_leak();
}

static void test_stress_random_sizes(void **state)
{
    (void)state;
    stress(false);
}

static void test_stress_random_sizes_debug(void **state)
{
    (void)state;
    stress(true);
}

static void test_every_class_boundary(void **state)
{
    (void)state;
    fresh(false);
    size_t sizes[] = { 0, 1, 15, 16, 17, 47, 48, 49, 2047, 2048, 2049, 4032, 4033, 4096,
                       1u << 20, (4u << 20) - 64 };
    void *p[ARRAY_SIZE(sizes)];
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = kheap_alloc(&heap, sizes[i]);
        assert_non_null(p[i]);
        assert_true(kheap_usable_size(&heap, p[i]) >= sizes[i]);
        memset(p[i], 0xee, sizes[i]);
    }
    /* More than the largest buddy block cannot be satisfied. */
    assert_null(kheap_alloc(&heap, 4u << 20));
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
        kheap_free(&heap, p[i]);
    assert_int_equal(heap.errors, 0);
    assert_no_leak();
}

static void test_overrun_by_one_byte_is_caught(void **state)
{
    (void)state;
    fresh(true);
    size_t sizes[] = { 1, 16, 100, 2048, 5000 };
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
        uint8_t *p = kheap_alloc(&heap, sizes[i]);
        uint64_t before = heap.errors;
        p[sizes[i]] = 0;        /* one past the end */
        if (sizes[i] <= KHEAP_SLAB_MAX)
            assert_int_equal(kheap_check(&heap), 1);
        kheap_free(&heap, p);
        assert_true(heap.errors > before);
    }
    assert_no_leak();
}

static void test_double_free_is_caught_and_harmless(void **state)
{
    (void)state;
    fresh(true);
    void *p = kheap_alloc(&heap, 40);
    void *keep = kheap_alloc(&heap, 40);
    kheap_free(&heap, p);
    kheap_free(&heap, p);
    assert_int_equal(heap.errors, 1);
    /* The slot was not put on the free list twice: two allocations differ. */
    void *x = kheap_alloc(&heap, 40);
    void *y = kheap_alloc(&heap, 40);
    assert_ptr_not_equal(x, y);
    kheap_free(&heap, x);
    kheap_free(&heap, y);
    kheap_free(&heap, keep);
    /* Large allocations too. */
    void *big = kheap_alloc(&heap, 10000);
    kheap_free(&heap, big);
    kheap_free(&heap, big);
    assert_int_equal(heap.errors, 2);
    assert_no_leak();
}

static void test_double_free_without_debug_is_caught_for_slabs_and_pages(void **state)
{
    (void)state;
    fresh(false);
    void *keep = kheap_alloc(&heap, 40);
    void *big = kheap_alloc(&heap, 10000);
    kheap_free(&heap, big);
    kheap_free(&heap, big);          /* the frame is no longer tagged large */
    assert_int_equal(heap.errors, 1);
    kheap_free(&heap, keep);
    assert_no_leak();
}

static void test_write_after_free_is_caught(void **state)
{
    (void)state;
    fresh(true);
    uint8_t *p = kheap_alloc(&heap, 64);
    void *keep = kheap_alloc(&heap, 64);    /* keeps the slab alive */
    kheap_free(&heap, p);
    p[10] = 1;
    assert_int_equal(kheap_check(&heap), 1);
    kheap_free(&heap, keep);
    assert_true(heap.errors >= 1);
}

static void test_foreign_pointers_are_refused(void **state)
{
    (void)state;
    fresh(false);
    int on_stack;
    void *from_libc = malloc(32);
    kheap_free(&heap, &on_stack);
    kheap_free(&heap, from_libc);
    uint8_t *p = kheap_alloc(&heap, 100);
    kheap_free(&heap, p + 16);              /* inside an object */
    assert_int_equal(heap.errors, 3);
    assert_int_equal(kheap_usable_size(&heap, &on_stack), 0);
    kheap_free(&heap, p);
    free(from_libc);
    assert_no_leak();
}

static void test_realloc_keeps_contents(void **state)
{
    (void)state;
    for (int debug = 0; debug < 2; debug++) {
        fresh(debug);
        uint8_t *p = kheap_realloc(&heap, NULL, 10);
        fill(p, 10, 3);
        size_t sizes[] = { 20, 300, 3000, 70000, 50, 5 };
        size_t prev = 10;
        for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
            p = kheap_realloc(&heap, p, sizes[i]);
            assert_non_null(p);
            size_t keep = MIN(prev, sizes[i]);
            assert_true(filled(p, keep, 3));
            fill(p, sizes[i], 3);
            prev = sizes[i];
        }
        kheap_free(&heap, p);
        assert_int_equal(heap.errors, 0);
        assert_no_leak();
    }
}

static void test_zalloc_zeroes_reused_memory(void **state)
{
    (void)state;
    fresh(false);
    uint8_t *p = kheap_alloc(&heap, 200);
    memset(p, 0xff, 200);
    kheap_free(&heap, p);
    uint8_t *q = kheap_zalloc(&heap, 200);
    for (int i = 0; i < 200; i++)
        assert_int_equal(q[i], 0);
    kheap_free(&heap, q);
    assert_no_leak();
}

static void test_object_cache(void **state)
{
    (void)state;
    fresh(false);
    struct kheap_cache c;
    kheap_cache_init(&c, &heap, "things", 72, KHEAP_DEBUG);
    void *objs[500];
    for (int i = 0; i < 500; i++) {
        objs[i] = kheap_cache_alloc(&c);
        assert_non_null(objs[i]);
        memset(objs[i], i, 72);
    }
    assert_true(c.slabs >= 500 / c.objs_per_slab);
    /* kfree finds the cache through the slab, like kmem_cache_free. */
    kheap_free(&heap, objs[0]);
    for (int i = 1; i < 500; i++)
        kheap_cache_free(&c, objs[i]);
    assert_int_equal(c.live, 0);
    /* A pointer from a size class is not this cache's. */
    void *other = kheap_alloc(&heap, 72);
    kheap_cache_free(&c, other);
    assert_int_equal(heap.errors, 1);
    kheap_free(&heap, other);
    kheap_cache_shrink(&c);
    heap.errors = 0;
    assert_no_leak();
}

static void test_exhaustion_returns_null_and_recovers(void **state)
{
    (void)state;
    fresh(false);
    enum { MAX = 40000 };
    static void *p[MAX];
    int n = 0;
    while (n < MAX && (p[n] = kheap_alloc(&heap, 2000)) != NULL)
        n++;
    assert_true(n < MAX);                   /* 64 MiB / 2 KiB = 32k: ran out */
    assert_null(kheap_alloc(&heap, 100000));
    for (int i = 0; i < n; i++)
        kheap_free(&heap, p[i]);
    assert_no_leak();
    void *again = kheap_alloc(&heap, 100000);
    assert_non_null(again);
    kheap_free(&heap, again);
}

static void test_batches_and_classes(void **state)
{
    (void)state;
    for (int debug = 0; debug < 2; debug++) {
        fresh(debug);
        struct kheap_cache *c = &heap.classes[kheap_class_for_size(100)];
        assert_int_equal(c->obj_size, 128);
        void *objs[300];
        assert_int_equal(kheap_cache_alloc_batch(c, objs, 300), 300);
        assert_int_equal(heap.allocations, 300);
        for (int i = 0; i < 300; i++) {
            memset(objs[i], i, 100);
            assert_int_equal(kheap_class_of(&heap, objs[i]), kheap_class_for_size(100));
            for (int j = 0; j < i; j++)
                assert_ptr_not_equal(objs[i], objs[j]);
        }
        kheap_cache_free_batch(c, objs, 150);
        kheap_cache_free_batch(c, objs + 150, 150);
        assert_int_equal(heap.allocations, 0);
        assert_int_equal(heap.errors, 0);
        uint8_t *inner = kheap_alloc(&heap, 100);
        assert_int_equal(kheap_class_of(&heap, inner + 16), -1);   /* inside an object */
        kheap_free(&heap, inner);
        void *big = kheap_alloc(&heap, 5000);
        assert_int_equal(kheap_class_of(&heap, big), -1);
        int on_stack;
        assert_int_equal(kheap_class_of(&heap, &on_stack), -1);
        void *wrong = big;
        kheap_cache_free_batch(c, &wrong, 1);       /* not this cache's: refused */
        assert_int_equal(heap.errors, 1);
        kheap_free(&heap, big);
        assert_no_leak();
    }
    /* The class table agrees with the classes' sizes: the smallest that fits. */
    for (size_t size = 0; size <= KHEAP_SLAB_MAX; size++) {
        int c = kheap_class_for_size(size);
        assert_true(heap.classes[c].obj_size >= size);
        if (c > 0)
            assert_true(heap.classes[c - 1].obj_size < size);
    }
    assert_int_equal(kheap_class_for_size(0), 0);
    assert_int_equal(kheap_class_for_size(KHEAP_SLAB_MAX), KHEAP_CLASSES - 1);
    assert_int_equal(kheap_class_for_size(KHEAP_SLAB_MAX + 1), -1);
}

static void *heap_worker(void *arg)
{
    uint64_t rng = (uint64_t)(uintptr_t)arg;
    uint8_t *held[32] = { 0 };
    size_t len[32];
    for (int i = 0; i < 20000; i++) {
        unsigned s = (unsigned)(unit_rand(&rng) % 32);
        if (held[s]) {
            if (!filled(held[s], len[s], (uint64_t)(uintptr_t)arg + s))
                return (void *)1;
            kheap_free(&heap, held[s]);
            held[s] = NULL;
        } else {
            len[s] = (size_t)(unit_rand(&rng) % 3000);
            held[s] = kheap_alloc(&heap, len[s]);
            if (!held[s])
                return (void *)1;
            fill(held[s], len[s], (uint64_t)(uintptr_t)arg + s);
        }
    }
    for (unsigned s = 0; s < 32; s++)
        kheap_free(&heap, held[s]);
    return NULL;
}

static void test_concurrent_threads(void **state)
{
    (void)state;
    fresh(true);
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, heap_worker, (void *)(i * 1000 + 1));
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        assert_null(ret);
    }
    assert_int_equal(heap.errors, 0);
    assert_no_leak();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_random_sizes),
        cmocka_unit_test(test_stress_random_sizes_debug),
        cmocka_unit_test(test_every_class_boundary),
        cmocka_unit_test(test_overrun_by_one_byte_is_caught),
        cmocka_unit_test(test_double_free_is_caught_and_harmless),
        cmocka_unit_test(test_double_free_without_debug_is_caught_for_slabs_and_pages),
        cmocka_unit_test(test_write_after_free_is_caught),
        cmocka_unit_test(test_foreign_pointers_are_refused),
        cmocka_unit_test(test_realloc_keeps_contents),
        cmocka_unit_test(test_zalloc_zeroes_reused_memory),
        cmocka_unit_test(test_object_cache),
        cmocka_unit_test(test_exhaustion_returns_null_and_recovers),
        cmocka_unit_test(test_batches_and_classes),
        cmocka_unit_test(test_concurrent_threads),
    };
    UNIT_RUN(tests, setup, teardown);
}
