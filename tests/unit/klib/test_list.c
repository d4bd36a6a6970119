/*
 * tests/unit/klib/test_list.c — kernel/lib/list.h: insertion at both ends,
 * removal from any position, iteration and removal while iterating.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/list.h"

struct item {
    int value;
    struct list_node node;
};

/* Collect the list's values in order into out; returns the count. */
static int collect(struct list_node *head, int *out, int max)
{
    struct list_node *pos;
    int n = 0;
    list_for_each(pos, head) {
        if (n < max)
            out[n] = list_entry(pos, struct item, node)->value;
        n++;
    }
    return n;
}

static void test_push_and_iterate(void **state)
{
    (void)state;
    struct list_node head = LIST_INIT(head);
    struct item items[4] = { { 1, { 0 } }, { 2, { 0 } }, { 3, { 0 } }, { 4, { 0 } } };
    int got[8];
    assert_true(list_empty(&head));
    assert_int_equal(collect(&head, got, 8), 0);

    list_push_back(&head, &items[1].node);
    list_push_back(&head, &items[2].node);
    list_push_front(&head, &items[0].node);
    list_push_back(&head, &items[3].node);
    assert_false(list_empty(&head));
    assert_int_equal(collect(&head, got, 8), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(got[i], i + 1);
    /* The links are consistent in both directions. */
    assert_ptr_equal(head.prev, &items[3].node);
    assert_ptr_equal(items[0].node.prev, &head);
}

static void test_remove(void **state)
{
    (void)state;
    struct list_node head;
    struct item items[5];
    int got[8];
    list_init(&head);
    for (int i = 0; i < 5; i++) {
        items[i].value = i;
        list_push_back(&head, &items[i].node);
    }
    list_remove(&items[0].node);        /* first */
    list_remove(&items[4].node);        /* last */
    list_remove(&items[2].node);        /* middle */
    assert_int_equal(collect(&head, got, 8), 2);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 3);
    /* A removed node points at itself, so removing it again is harmless. */
    assert_ptr_equal(items[2].node.next, &items[2].node);
    list_remove(&items[2].node);
    assert_int_equal(collect(&head, got, 8), 2);
    list_remove(&items[1].node);
    list_remove(&items[3].node);
    assert_true(list_empty(&head));
}

static void test_remove_while_iterating(void **state)
{
    (void)state;
    struct list_node head = LIST_INIT(head), *pos, *tmp;
    struct item items[10];
    int got[10];
    for (int i = 0; i < 10; i++) {
        items[i].value = i;
        list_push_back(&head, &items[i].node);
    }
    list_for_each_safe(pos, tmp, &head) {
        if (list_entry(pos, struct item, node)->value % 2)
            list_remove(pos);
    }
    assert_int_equal(collect(&head, got, 10), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i], 2 * i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_and_iterate),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_remove_while_iterating),
    };
    return cmocka_run_group_tests_name("klib list", tests, NULL, NULL);
}
