/*
 * kernel/lib/list.h — intrusive circular doubly linked lists.
 * Embed a struct list_node in your object; the list head is a node too.
 */
#ifndef KPIO_LIST_H
#define KPIO_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
    struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *head) { head->next = head->prev = head; }
static inline bool list_empty(const struct list_node *head) { return head->next == head; }

static inline void list_insert_between(struct list_node *n, struct list_node *prev,
                                       struct list_node *next)
{
    n->prev = prev;
    n->next = next;
    prev->next = n;
    next->prev = n;
}

/* Add n at the front / back of the list at head. */
static inline void list_push_front(struct list_node *head, struct list_node *n) { list_insert_between(n, head, head->next); }
static inline void list_push_back(struct list_node *head, struct list_node *n) { list_insert_between(n, head->prev, head); }

static inline void list_remove(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n;
}

#define list_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))
#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define list_for_each_safe(pos, tmp, head) \
    for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif
