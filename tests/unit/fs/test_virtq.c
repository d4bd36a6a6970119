/*
 * tests/unit/fs/test_virtq.c — the split virtqueue (kernel/dev/virtio/
 * virtqueue.c) against a device played here by the test, reading and
 * writing the rings as VirtIO 1.2 §2.7 describes: descriptor chains and
 * indirect tables, running out of descriptors, 16-bit index wrap-around,
 * notification suppression, interrupt re-enabling, bogus used entries.
 * (On the host, "physical" addresses are plain pointers.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/virtio/virtq.h"
#include "lib/lib.h"

static int notifications;
static void count_notify(struct virtq *vq) { (void)vq; notifications++; }

static uint16_t device_seen;       /* avail entries the device has taken */

/* The device: take every new available chain, check its shape (readable
 * segments first), append what it reads to `in`, fill writable segments
 * with 0xD0 + their index, and return the chain with the bytes written. */
static int device_run(struct virtq *vq, uint8_t *in, size_t *in_len)
{
    int done = 0;
    while (device_seen != __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) {
        uint16_t head = vq->avail->ring[device_seen % vq->size];
        device_seen++;
        struct virtq_desc *table = vq->desc;
        uint16_t i = head;
        unsigned limit = vq->size;
        if (vq->desc[head].flags & VIRTQ_DESC_F_INDIRECT) {
            table = (struct virtq_desc *)(uintptr_t)vq->desc[head].addr;
            limit = vq->desc[head].len / sizeof(struct virtq_desc);
            i = 0;
        }
        uint32_t written = 0;
        bool writing = false;
        for (unsigned n = 0; n < limit; n++) {
            struct virtq_desc *d = &table[i];
            if (d->flags & VIRTQ_DESC_F_WRITE) {
                writing = true;
                memset((void *)(uintptr_t)d->addr, 0xD0 + (int)n, d->len);
                written += d->len;
            } else {
                assert_false(writing);      /* readable after writable: malformed */
                if (in) {
                    memcpy(in + *in_len, (void *)(uintptr_t)d->addr, d->len);
                    *in_len += d->len;
                }
            }
            if (!(d->flags & VIRTQ_DESC_F_NEXT))
                break;
            i = d->next;
        }
        uint16_t u = vq->used->idx;
        vq->used->ring[u % vq->size] = (struct virtq_used_elem){ head, written };
        __atomic_store_n(&vq->used->idx, (uint16_t)(u + 1), __ATOMIC_RELEASE);
        done++;
    }
    return done;
}

static struct virtq *new_queue(uint16_t size, unsigned indirect)
{
    struct virtq *vq = virtq_create(size, indirect);
    assert_non_null(vq);
    vq->notify = count_notify;
    device_seen = 0;
    notifications = 0;
    return vq;
}

static void test_chains_and_running_out(void **state)
{
    (void)state;
    struct virtq *vq = new_queue(8, 0);
    uint8_t hdr[3][16], data[3][100], status[3];
    for (int i = 0; i < 3; i++)
        memset(hdr[i], 'a' + i, sizeof hdr[i]);
    int tokens[3];
    for (int i = 0; i < 2; i++) {
        struct virtq_seg segs[3] = {
            { (uintptr_t)hdr[i], 16, false }, { (uintptr_t)data[i], 100, true },
            { (uintptr_t)&status[i], 1, true } };
        assert_int_equal(virtq_add(vq, segs, 3, &tokens[i]), 0);
    }
    assert_int_equal(virtq_free(vq), 2);
    struct virtq_seg three[3] = { { (uintptr_t)hdr[2], 16, false }, { (uintptr_t)data[2], 10, true },
                                  { (uintptr_t)&status[2], 1, true } };
    assert_int_equal(virtq_add(vq, three, 3, &tokens[2]), -ENOSPC);
    assert_int_equal(virtq_add(vq, three, 9, &tokens[2]), -EINVAL);
    virtq_kick(vq);
    assert_int_equal(notifications, 1);
    uint8_t in[64];
    size_t in_len = 0;
    assert_int_equal(device_run(vq, in, &in_len), 2);
    assert_int_equal(in_len, 32);
    assert_memory_equal(in, "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb", 32);
    uint32_t len;
    assert_ptr_equal(virtq_next_used(vq, &len), &tokens[0]);
    assert_int_equal(len, 101);
    assert_int_equal(data[0][0], 0xD1);
    assert_int_equal(status[0], 0xD2);
    assert_ptr_equal(virtq_next_used(vq, &len), &tokens[1]);
    assert_null(virtq_next_used(vq, &len));
    assert_int_equal(virtq_free(vq), 8);
    assert_int_equal(virtq_add(vq, three, 3, &tokens[2]), 0);   /* room again */
    virtq_destroy(vq);
}

static void test_indirect_tables(void **state)
{
    (void)state;
    struct virtq *vq = new_queue(4, 10);
    assert_int_equal(virtq_max_segments(vq), 10);
    static uint8_t bufs[4][10][32];
    int tokens[5];
    struct virtq_seg segs[11];
    for (int t = 0; t < 4; t++) {
        for (int k = 0; k < 10; k++)
            segs[k] = (struct virtq_seg){ (uintptr_t)bufs[t][k], 32, k >= 2 };
        assert_int_equal(virtq_add(vq, segs, 10, &tokens[t]), 0);   /* one descriptor each */
    }
    assert_int_equal(virtq_free(vq), 0);
    assert_int_equal(virtq_add(vq, segs, 1, &tokens[4]), -ENOSPC);
    assert_int_equal(virtq_add(vq, segs, 11, &tokens[4]), -EINVAL);
    assert_int_equal(device_run(vq, NULL, NULL), 4);
    for (int t = 0; t < 4; t++) {
        uint32_t len;
        assert_ptr_equal(virtq_next_used(vq, &len), &tokens[t]);
        assert_int_equal(len, 8 * 32);
        assert_int_equal(bufs[t][9][31], 0xD0 + 9);
    }
    assert_int_equal(virtq_free(vq), 4);
    virtq_destroy(vq);
}

static void test_index_wraparound(void **state)
{
    (void)state;
    struct virtq *vq = new_queue(16, 0);
    uint8_t a[8], b[8];
    struct virtq_seg segs[2] = { { (uintptr_t)a, 8, false }, { (uintptr_t)b, 8, true } };
    static int tokens[16];
    unsigned outstanding = 0, next_token = 0, completed = 0;
    /* 70000 requests: both 16-bit ring indices wrap around. */
    for (unsigned round = 0; round < 70000; round++) {
        if (virtq_add(vq, segs, 2, &tokens[next_token % 16]) == 0) {
            next_token++;
            outstanding++;
        }
        if (round % 3 == 0 || outstanding == 8) {
            device_run(vq, NULL, NULL);
            void *t;
            uint32_t len;
            while ((t = virtq_next_used(vq, &len))) {
                assert_ptr_equal(t, &tokens[completed % 16]);
                assert_int_equal(len, 8);
                completed++;
                outstanding--;
            }
        }
        assert_int_equal(virtq_free(vq), 16 - 2 * outstanding);
    }
    assert_true(completed > 65536);
    virtq_destroy(vq);
}

static void test_notification_suppression(void **state)
{
    (void)state;
    struct virtq *vq = new_queue(8, 0);
    uint8_t buf[4];
    struct virtq_seg seg = { (uintptr_t)buf, 4, true };
    int token;
    vq->used->flags = VIRTQ_USED_F_NO_NOTIFY;       /* the device is polling */
    assert_int_equal(virtq_add(vq, &seg, 1, &token), 0);
    virtq_kick(vq);
    assert_int_equal(notifications, 0);
    vq->used->flags = 0;
    virtq_kick(vq);
    assert_int_equal(notifications, 1);
    /* Interrupts off, then on: on reports buffers used meanwhile. */
    virtq_disable_interrupts(vq);
    assert_int_equal(vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    assert_false(virtq_enable_interrupts(vq));
    virtq_disable_interrupts(vq);
    device_run(vq, NULL, NULL);
    assert_true(virtq_enable_interrupts(vq));
    assert_ptr_equal(virtq_next_used(vq, NULL), &token);
    virtq_destroy(vq);
}

static int polled;
static void poll_callback(struct virtq *vq, void *ctx) { (void)vq; (void)ctx; polled++; }

static void test_bogus_used_entries_ignored(void **state)
{
    (void)state;
    struct virtq *vq = new_queue(8, 0);
    vq->callback = poll_callback;
    uint8_t buf[4];
    struct virtq_seg seg = { (uintptr_t)buf, 4, true };
    int token;
    assert_int_equal(virtq_add(vq, &seg, 1, &token), 0);
    virtq_poll(vq);
    assert_int_equal(polled, 0);                      /* nothing used yet */
    /* A device returning ids it never had, then the real one. */
    vq->used->ring[0] = (struct virtq_used_elem){ 1000, 4 };
    vq->used->ring[1] = (struct virtq_used_elem){ 5, 4 };
    vq->used->ring[2] = (struct virtq_used_elem){ 0, 4 };
    __atomic_store_n(&vq->used->idx, 3, __ATOMIC_RELEASE);
    virtq_poll(vq);
    assert_int_equal(polled, 1);
    assert_ptr_equal(virtq_next_used(vq, NULL), &token);
    assert_null(virtq_next_used(vq, NULL));
    assert_int_equal(virtq_free(vq), 8);
    virtq_destroy(vq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chains_and_running_out),
        cmocka_unit_test(test_indirect_tables),
        cmocka_unit_test(test_index_wraparound),
        cmocka_unit_test(test_notification_suppression),
        cmocka_unit_test(test_bogus_used_entries_ignored),
    };
    return cmocka_run_group_tests_name("virtq", tests, NULL, NULL);
}
