/*
 * kernel/net/tcp_buf.c — TCP's data structures: byte rings for the send and
 * receive buffers, the receiver's out-of-order ranges (which also become the
 * SACK blocks it sends, RFC 2018 §4) and the sender's SACK scoreboard.
 * All ranges are [start, end) in sequence space, compared modulo 2^32.
 */
#include "net/netpriv.h"

int tcp_ring_alloc(struct tcp_ring *r, uint32_t cap)
{
    r->buf = kmalloc(cap);
    if (!r->buf)
        return -ENOMEM;
    r->cap = cap;
    r->head = 0;
    r->len = 0;
    return 0;
}

void tcp_ring_free(struct tcp_ring *r)
{
    kfree(r->buf);
    r->buf = NULL;
    r->cap = r->head = r->len = 0;
}

void tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t len)
{
    uint32_t pos = (uint32_t)(((uint64_t)r->head + off) % r->cap);
    uint32_t first = MIN(len, r->cap - pos);
    memcpy(r->buf + pos, src, first);
    memcpy(r->buf, src + first, len - first);
}

void tcp_ring_read_at(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t len)
{
    uint32_t pos = (uint32_t)(((uint64_t)r->head + off) % r->cap);
    uint32_t first = MIN(len, r->cap - pos);
    memcpy(dst, r->buf + pos, first);
    memcpy(dst + first, r->buf, len - first);
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t n)
{
    r->head = (uint32_t)(((uint64_t)r->head + n) % r->cap);
    r->len -= n;
}

/* Merges [start, end) into a sorted array of disjoint ranges. Returns the
 * index of the merged range, or -1 if a new range was needed and the array
 * is full. */
static int range_merge(struct tcp_range *ranges, uint8_t *count, int max,
                       uint32_t start, uint32_t end)
{
    int n = *count, i = 0;
    while (i < n && seq_lt(ranges[i].end, start))
        i++;                               /* ranges wholly before */
    int j = i;
    while (j < n && seq_le(ranges[j].start, end)) {
        start = seq_min(start, ranges[j].start);
        end = seq_max(end, ranges[j].end);
        j++;                               /* ranges touching [start, end) */
    }
    int merged = j - i;
    if (merged == 0 && n >= max)
        return -1;
    /* Replace ranges[i..j) by one range. */
    int shift = 1 - merged;
    memmove(&ranges[i + 1], &ranges[j], (size_t)(n - j) * sizeof(ranges[0]));
    ranges[i].start = start;
    ranges[i].end = end;
    *count = (uint8_t)(n + shift);
    return i;
}

bool tcp_ooo_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end)
{
    int i = range_merge(pcb->ooo, &pcb->ooo_count, NET_TCP_OOO_MAX, start, end);
    if (i < 0)
        return false;
    pcb->ooo_latest = (uint8_t)i;
    return true;
}

uint32_t tcp_ooo_advance(struct tcp_pcb *pcb, uint32_t rcv_nxt)
{
    int drop = 0;
    while (drop < pcb->ooo_count && seq_le(pcb->ooo[drop].start, rcv_nxt)) {
        rcv_nxt = seq_max(rcv_nxt, pcb->ooo[drop].end);
        drop++;
    }
    if (drop) {
        memmove(&pcb->ooo[0], &pcb->ooo[drop], (size_t)(pcb->ooo_count - drop) * sizeof(pcb->ooo[0]));
        pcb->ooo_count = (uint8_t)(pcb->ooo_count - drop);
        pcb->ooo_latest = pcb->ooo_latest >= drop ? (uint8_t)(pcb->ooo_latest - drop) : 0;
    }
    return rcv_nxt;
}

/* SACK blocks for the next segment: a D-SACK first if one is owed
 * (RFC 2883), then the range that changed last, then the rest. */
int tcp_sack_blocks(const struct tcp_pcb *pcb, struct tcp_range *out, int max)
{
    int n = 0;
    if (pcb->dsack_start != pcb->dsack_end && n < max)
        out[n++] = (struct tcp_range){ pcb->dsack_start, pcb->dsack_end };
    if (pcb->ooo_count && n < max)
        out[n++] = pcb->ooo[pcb->ooo_latest];
    for (int i = 0; i < pcb->ooo_count && n < max; i++)
        if (i != pcb->ooo_latest)
            out[n++] = pcb->ooo[i];
    return n;
}

static void scoreboard_recount(struct tcp_pcb *pcb)
{
    uint32_t bytes = 0;
    for (int i = 0; i < pcb->sacked_count; i++)
        bytes += pcb->sacked[i].end - pcb->sacked[i].start;
    pcb->sacked_bytes = bytes;
}

void tcp_scoreboard_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end)
{
    range_merge(pcb->sacked, &pcb->sacked_count, NET_TCP_SACK_MAX, start, end);
    scoreboard_recount(pcb);
}

void tcp_scoreboard_advance(struct tcp_pcb *pcb)
{
    int drop = 0;
    while (drop < pcb->sacked_count && seq_le(pcb->sacked[drop].end, pcb->snd_una))
        drop++;
    if (drop) {
        memmove(&pcb->sacked[0], &pcb->sacked[drop],
                (size_t)(pcb->sacked_count - drop) * sizeof(pcb->sacked[0]));
        pcb->sacked_count = (uint8_t)(pcb->sacked_count - drop);
    }
    if (pcb->sacked_count && seq_lt(pcb->sacked[0].start, pcb->snd_una))
        pcb->sacked[0].start = pcb->snd_una;
    scoreboard_recount(pcb);
}

void tcp_scoreboard_clear(struct tcp_pcb *pcb)
{
    pcb->sacked_count = 0;
    pcb->sacked_bytes = 0;
}

uint32_t tcp_scoreboard_holes(const struct tcp_pcb *pcb, uint32_t start, uint32_t end)
{
    if (!seq_lt(start, end))
        return 0;
    uint32_t bytes = end - start;
    for (int i = 0; i < pcb->sacked_count; i++) {
        uint32_t s = seq_max(pcb->sacked[i].start, start);
        uint32_t e = seq_min(pcb->sacked[i].end, end);
        if (seq_lt(s, e))
            bytes -= e - s;
    }
    return bytes;
}

bool tcp_scoreboard_next_hole(const struct tcp_pcb *pcb, uint32_t from, uint32_t limit,
                              struct tcp_range *hole)
{
    uint32_t cursor = from;
    for (int i = 0; i < pcb->sacked_count && seq_lt(cursor, limit); i++) {
        const struct tcp_range *r = &pcb->sacked[i];
        if (seq_le(r->end, cursor))
            continue;
        if (seq_gt(r->start, cursor)) {
            hole->start = cursor;
            hole->end = seq_min(r->start, limit);
            return true;
        }
        cursor = r->end;
    }
    if (seq_lt(cursor, limit)) {
        hole->start = cursor;
        hole->end = limit;
        return true;
    }
    return false;
}

uint32_t tcp_scoreboard_highest(const struct tcp_pcb *pcb)
{
    return pcb->sacked_count ? pcb->sacked[pcb->sacked_count - 1].end : pcb->snd_una;
}
