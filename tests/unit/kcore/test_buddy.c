/*
 * tests/unit/kcore/test_buddy.c — the buddy frame allocator on a host arena.
 * kshim's direct map is the identity, so "physical" addresses are the
 * arena's own addresses and the free-list nodes live inside it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "mm/buddy.h"

#define ARENA_BYTES (32ULL << 20)              /* 8 max-order blocks */
#define ARENA_PAGES (ARENA_BYTES / PAGE_SIZE)
#define MAX_BLOCK   (PAGE_SIZE << BUDDY_MAX_ORDER)

static uint8_t *arena;
static uint8_t meta[ARENA_PAGES];
static struct buddy b;

static uint64_t arena_phys(void) { return (uint64_t)(uintptr_t)arena; }

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

/* A fresh allocator covering the arena, with the whole arena free. */
static void fresh(void)
{
    buddy_init(&b, arena_phys() / PAGE_SIZE, ARENA_PAGES, meta);
    buddy_add_range(&b, arena_phys(), ARENA_PAGES);
}

static void test_add_range_merges_to_max_blocks(void **state)
{
    (void)state;
    fresh();
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
    assert_int_equal(b.total_pages, ARENA_PAGES);
    assert_int_equal(buddy_free_count_order(&b, BUDDY_MAX_ORDER), ARENA_PAGES);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_alloc_every_page_then_free_all(void **state)
{
    (void)state;
    fresh();
    static uint64_t pages[ARENA_PAGES];
    static bool seen[ARENA_PAGES];
    memset(seen, 0, sizeof seen);
    for (uint64_t i = 0; i < ARENA_PAGES; i++) {
        pages[i] = buddy_alloc(&b, 0);
        assert_true(pages[i] >= arena_phys() && pages[i] < arena_phys() + ARENA_BYTES);
        assert_int_equal(pages[i] % PAGE_SIZE, 0);
        uint64_t idx = (pages[i] - arena_phys()) / PAGE_SIZE;
        assert_false(seen[idx]);
        seen[idx] = true;
        /* The page is really usable memory. */
        memset(phys_to_virt(pages[i]), 0x5a, PAGE_SIZE);
    }
    assert_int_equal(buddy_alloc(&b, 0), 0);
    assert_int_equal(buddy_free_count(&b), 0);
    for (uint64_t i = 0; i < ARENA_PAGES; i++)
        assert_int_equal(buddy_free(&b, pages[(i * 7919) % ARENA_PAGES], 0), 0);
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
    assert_int_equal(buddy_free_count_order(&b, BUDDY_MAX_ORDER), ARENA_PAGES);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_blocks_are_naturally_aligned(void **state)
{
    (void)state;
    fresh();
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; order++) {
        uint64_t p = buddy_alloc(&b, order);
        assert_int_not_equal(p, 0);
        assert_int_equal(p % (PAGE_SIZE << order), 0);
        unsigned got;
        assert_int_equal(buddy_tag_get(&b, p / PAGE_SIZE, &got), FRAME_USED);
        assert_int_equal(got, order);
    }
    assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), 0);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_bad_frees_are_rejected(void **state)
{
    (void)state;
    fresh();
    uint64_t p = buddy_alloc(&b, 2);
    uint64_t q = buddy_alloc(&b, 0);
    uint64_t before = buddy_free_count(&b);
    assert_int_equal(buddy_free(&b, p, 1), -EINVAL);               /* wrong order */
    assert_int_equal(buddy_free(&b, p + PAGE_SIZE, 0), -EINVAL);   /* inside a block */
    assert_int_equal(buddy_free(&b, p + 8, 2), -EINVAL);           /* misaligned */
    uint64_t outside = arena_phys() + ARENA_BYTES + PAGE_SIZE;
    assert_int_equal(buddy_free(&b, outside, 0), -EINVAL);         /* foreign */
    assert_int_equal(buddy_free_count(&b), before);
    assert_int_equal(buddy_free(&b, p, 2), 0);
    assert_int_equal(buddy_free(&b, p, 2), -EINVAL);               /* double free */
    assert_int_equal(buddy_free(&b, q, 0), 0);
    assert_int_equal(buddy_free(&b, q, 0), -EINVAL);
    assert_int_equal(b.bad_frees, 6);
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_random_mixed_orders_never_overlap(void **state)
{
    (void)state;
    fresh();
    enum { SLOTS = 512 };
    static uint64_t addr[SLOTS];
    static unsigned ord[SLOTS];
    static uint8_t owner[ARENA_PAGES];   /* 0 free, else slot + 1 (mod 256) */
    memset(addr, 0, sizeof addr);
    memset(owner, 0, sizeof owner);
    uint64_t rng = 12345;
    uint64_t used = 0;
    for (int op = 0; op < 100000; op++) {
        unsigned s = (unsigned)(unit_rand(&rng) % SLOTS);
        if (addr[s]) {
            uint64_t first = (addr[s] - arena_phys()) / PAGE_SIZE;
            for (uint64_t i = 0; i < (1ULL << ord[s]); i++)
                owner[first + i] = 0;
            assert_int_equal(buddy_free(&b, addr[s], ord[s]), 0);
            used -= 1ULL << ord[s];
            addr[s] = 0;
        } else {
            unsigned order = (unsigned)(unit_rand(&rng) % 6);
            uint64_t p = buddy_alloc(&b, order);
            if (!p) {
                assert_true(buddy_free_count_order(&b, order) == 0);
                continue;
            }
            uint64_t first = (p - arena_phys()) / PAGE_SIZE;
            for (uint64_t i = 0; i < (1ULL << order); i++) {
                assert_int_equal(owner[first + i], 0);
                owner[first + i] = (uint8_t)(s + 1) ? (uint8_t)(s + 1) : 1;
            }
            addr[s] = p;
            ord[s] = order;
            used += 1ULL << order;
        }
        assert_int_equal(buddy_free_count(&b), ARENA_PAGES - used);
        if (op % 10000 == 0)
            assert_int_equal(buddy_check(&b), 0);
    }
    for (unsigned s = 0; s < SLOTS; s++)
        if (addr[s])
            assert_int_equal(buddy_free(&b, addr[s], ord[s]), 0);
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
    assert_int_equal(buddy_free_count_order(&b, BUDDY_MAX_ORDER), ARENA_PAGES);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_alloc_pages_returns_the_tail(void **state)
{
    (void)state;
    fresh();
    uint64_t counts[] = { 1, 3, 5, 100, 513, 1023, 1024 };
    for (unsigned i = 0; i < ARRAY_SIZE(counts); i++) {
        uint64_t p = buddy_alloc_pages(&b, counts[i]);
        assert_int_not_equal(p, 0);
        assert_int_equal(buddy_free_count(&b), ARENA_PAGES - counts[i]);
        memset(phys_to_virt(p), 0xa5, counts[i] * PAGE_SIZE);
        assert_int_equal(buddy_check(&b), 0);
        assert_int_equal(buddy_free_pages(&b, p, counts[i]), 0);
        assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
        assert_int_equal(buddy_free_count_order(&b, BUDDY_MAX_ORDER), ARENA_PAGES);
    }
    assert_int_equal(buddy_alloc_pages(&b, 0), 0);
    assert_int_equal(buddy_alloc_pages(&b, 1025), 0);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_ranges_with_holes_never_merge_across(void **state)
{
    (void)state;
    buddy_init(&b, arena_phys() / PAGE_SIZE, ARENA_PAGES, meta);
    /* Two ranges: pages [3, 1500) and [1501, 4096): page 1500 is a hole. */
    buddy_add_range(&b, arena_phys() + 3 * PAGE_SIZE, 1497);
    buddy_add_range(&b, arena_phys() + 1501 * PAGE_SIZE, 4096 - 1501);
    assert_int_equal(buddy_free_count(&b), 4096 - 3 - 1);
    assert_int_equal(buddy_check(&b), 0);
    /* Blocks partly outside the coverage are clipped, not added. */
    buddy_add_range(&b, arena_phys() - 16 * PAGE_SIZE, 17);
    assert_int_equal(buddy_free_count(&b), 4096 - 3);
    buddy_init(&b, arena_phys() / PAGE_SIZE, ARENA_PAGES, meta);
    buddy_add_range(&b, arena_phys() + 3 * PAGE_SIZE, 1497);
    buddy_add_range(&b, arena_phys() + 1501 * PAGE_SIZE, 4096 - 1501);
    uint64_t got = 0, p;
    while ((p = buddy_alloc(&b, 0)) != 0) {
        uint64_t idx = (p - arena_phys()) / PAGE_SIZE;
        assert_true(idx >= 3 && idx != 1500 && idx < 4096);
        got++;
    }
    assert_int_equal(got, 4096 - 4);
}

static void test_untouched_blocks_are_not_written_until_needed(void **state)
{
    (void)state;
    memset(arena, 0xcd, ARENA_BYTES);
    buddy_init(&b, arena_phys() / PAGE_SIZE, ARENA_PAGES, meta);
    /* A range with an unaligned head: pages 1000 .. end. */
    buddy_add_range(&b, arena_phys() + 1000 * PAGE_SIZE, ARENA_PAGES - 1000);
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES - 1000);
    assert_int_equal(b.untouched_pages, ARENA_PAGES - 1024);
    assert_int_equal(buddy_check(&b), 0);
    /* No byte of the whole max-order blocks was written. */
    for (uint64_t i = 1024 * PAGE_SIZE; i < ARENA_BYTES; i++)
        if (arena[i] != 0xcd)
            fail_msg("byte %llu of an untouched block was written", (unsigned long long)i);
    /* The listed head (pages 1000-1023) is used first. */
    for (int i = 0; i < 24; i++) {
        uint64_t p = buddy_alloc(&b, 0);
        assert_true(p >= arena_phys() + 1000 * PAGE_SIZE && p < arena_phys() + 1024 * PAGE_SIZE);
    }
    assert_int_equal(b.untouched_pages, ARENA_PAGES - 1024);
    /* Then one untouched block is listed and split. */
    uint64_t p = buddy_alloc(&b, 3);
    assert_int_equal(p, arena_phys() + 1024 * PAGE_SIZE);
    assert_int_equal(b.untouched_pages, ARENA_PAGES - 2048);
    assert_int_equal(buddy_check(&b), 0);
    /* Everything can still be allocated. */
    uint64_t got = 8 + 24;
    while (buddy_alloc(&b, 0))
        got++;
    assert_int_equal(got, ARENA_PAGES - 1000);
    assert_int_equal(b.untouched_pages, 0);
}

static void test_many_ranges_fall_back_to_lists(void **state)
{
    (void)state;
    /* More separate ranges than untouched slots: a bigger arena of 40 max
     * blocks, added one block at a time with a page held back from each. */
    enum { BLOCKS = BUDDY_UNTOUCHED_RANGES + 8 };
    uint64_t pages = (uint64_t)BLOCKS << BUDDY_MAX_ORDER;
    uint8_t *big = aligned_alloc(MAX_BLOCK, pages * PAGE_SIZE);
    uint8_t *big_meta = malloc(pages);
    assert_non_null(big);
    assert_non_null(big_meta);
    struct buddy bb;
    uint64_t base = (uint64_t)(uintptr_t)big;
    buddy_init(&bb, base / PAGE_SIZE, pages, big_meta);
    for (uint64_t i = 0; i < BLOCKS; i++)
        buddy_add_range(&bb, base + i * MAX_BLOCK, 1024);
    assert_int_equal(bb.untouched_count, BUDDY_UNTOUCHED_RANGES);
    assert_int_equal(bb.untouched_pages, (uint64_t)BUDDY_UNTOUCHED_RANGES << BUDDY_MAX_ORDER);
    assert_int_equal(bb.free_blocks[BUDDY_MAX_ORDER], BLOCKS - BUDDY_UNTOUCHED_RANGES);
    assert_int_equal(buddy_free_count(&bb), pages);
    assert_int_equal(buddy_check(&bb), 0);
    uint64_t got = 0;
    while (buddy_alloc(&bb, BUDDY_MAX_ORDER))
        got++;
    assert_int_equal(got, BLOCKS);
    assert_int_equal(buddy_free_count(&bb), 0);
    assert_int_equal(buddy_check(&bb), 0);
    free(big_meta);
    free(big);
}

static void test_init_from_ranges_leaves_untouched_metadata_alone(void **state)
{
    (void)state;
    /* Metadata full of garbage that looks like free heads. */
    memset(meta, 0x13, sizeof meta);        /* FREE, order 3 */
    struct buddy_range ranges[] = {
        { arena_phys() + 5 * PAGE_SIZE, 3000 },             /* head, 1 block, tail */
        { arena_phys() + 4096 * PAGE_SIZE, 2048 },          /* 2 whole blocks */
        { arena_phys() + 7000 * PAGE_SIZE, 100 },           /* no whole block */
    };
    buddy_init_from_ranges(&b, arena_phys() / PAGE_SIZE, ARENA_PAGES, meta, ranges, 3);
    assert_int_equal(buddy_free_count(&b), 3000 + 2048 + 100);
    assert_int_equal(b.untouched_pages, 1024 + 2048);
    /* Untouched blocks' metadata is still the garbage; everything else is clear. */
    assert_int_equal(meta[1024], 0x13);
    assert_int_equal(meta[4096 + 5], 0x13);
    assert_int_equal(meta[4], 0);                   /* before the first range */
    assert_int_equal(meta[6500], 0);                /* a hole */
    assert_int_equal(buddy_check(&b), 0);
    /* Every page comes out exactly once, never from a hole. */
    static bool seen[ARENA_PAGES];
    memset(seen, 0, sizeof seen);
    uint64_t p, got = 0;
    while ((p = buddy_alloc(&b, 0)) != 0) {
        uint64_t idx = (p - arena_phys()) / PAGE_SIZE;
        assert_false(seen[idx]);
        seen[idx] = true;
        assert_true((idx >= 5 && idx < 3005) || (idx >= 4096 && idx < 6144) || (idx >= 7000 && idx < 7100));
        got++;
    }
    assert_int_equal(got, 3000 + 2048 + 100);
    for (uint64_t i = 0; i < ARENA_PAGES; i++)
        if (seen[i])
            assert_int_equal(buddy_free(&b, arena_phys() + i * PAGE_SIZE, 0), 0);
    assert_int_equal(buddy_free_count(&b), 3000 + 2048 + 100);
    assert_int_equal(buddy_check(&b), 0);
    assert_int_equal(b.bad_frees, 0);
}

struct worker_arg {
    uint64_t seed;
    uint64_t key;       /* written into every block this thread holds */
    int ok;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    uint64_t held[64] = { 0 };
    unsigned ord[64];
    a->ok = 1;
    for (int i = 0; i < 20000; i++) {
        unsigned s = (unsigned)(unit_rand(&a->seed) % 64);
        if (held[s]) {
            /* The block still holds what we wrote: nobody else got it. */
            if (*(uint64_t *)phys_to_virt(held[s]) != (held[s] ^ a->key))
                a->ok = 0;
            if (buddy_free(&b, held[s], ord[s]) != 0)
                a->ok = 0;
            held[s] = 0;
        } else {
            ord[s] = (unsigned)(unit_rand(&a->seed) % 4);
            held[s] = buddy_alloc(&b, ord[s]);
            if (held[s])
                *(uint64_t *)phys_to_virt(held[s]) = held[s] ^ a->key;
        }
    }
    for (unsigned s = 0; s < 64; s++)
        if (held[s] && buddy_free(&b, held[s], ord[s]) != 0)
            a->ok = 0;
    return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
    (void)state;
    fresh();
    pthread_t t[4];
    struct worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].seed = 1000 + (uint64_t)i;
        args[i].key = 0x1234567800000000ULL * (uint64_t)(i + 1);
        pthread_create(&t[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(args[i].ok);
    }
    assert_int_equal(buddy_free_count(&b), ARENA_PAGES);
    assert_int_equal(buddy_check(&b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_range_merges_to_max_blocks),
        cmocka_unit_test(test_alloc_every_page_then_free_all),
        cmocka_unit_test(test_blocks_are_naturally_aligned),
        cmocka_unit_test(test_bad_frees_are_rejected),
        cmocka_unit_test(test_random_mixed_orders_never_overlap),
        cmocka_unit_test(test_alloc_pages_returns_the_tail),
        cmocka_unit_test(test_ranges_with_holes_never_merge_across),
        cmocka_unit_test(test_untouched_blocks_are_not_written_until_needed),
        cmocka_unit_test(test_many_ranges_fall_back_to_lists),
        cmocka_unit_test(test_init_from_ranges_leaves_untouched_metadata_alone),
        cmocka_unit_test(test_concurrent_alloc_free),
    };
    UNIT_RUN(tests, setup, teardown);
}
