/*
 * kernel/net/tcp_out.c — building and sending TCP segments: options (MSS,
 * window scale, SACK, timestamps), the receive window we advertise with
 * silly-window avoidance (RFC 9293 §3.8.6.2.2), and tcp_output, which sends
 * new data, FINs and retransmissions as the peer's window, the congestion
 * window, Nagle's rule (RFC 9293 §3.7.4) and the SACK scoreboard allow.
 */
#include "net/netpriv.h"

/* Writes the options for a segment with these flags into opt (at most 40
 * bytes); returns their length, a multiple of 4. */
static uint32_t tcp_write_options(struct tcp_pcb *pcb, uint8_t flags, uint8_t *opt)
{
    uint32_t n = 0;
    if (flags & TCP_SYN) {
        uint16_t mss = (uint16_t)MIN((uint32_t)ip_mtu_to(pcb->stack, pcb->remote_addr) - IP_HLEN - TCP_HLEN,
                                     65535u);
        opt[n++] = OPT_MSS;
        opt[n++] = 4;
        wr16(opt + n, mss);
        n += 2;
        if (pcb->flags & TF_SACK) {
            opt[n++] = OPT_NOP;
            opt[n++] = OPT_NOP;
            opt[n++] = OPT_SACK_PERM;
            opt[n++] = 2;
        }
        if (pcb->flags & TF_WSCALE) {
            opt[n++] = OPT_NOP;
            opt[n++] = OPT_WS;
            opt[n++] = 3;
            opt[n++] = pcb->rcv_wscale;
        }
    }
    if (pcb->flags & TF_TS) {
        opt[n++] = OPT_NOP;
        opt[n++] = OPT_NOP;
        opt[n++] = OPT_TS;
        opt[n++] = 10;
        wr32(opt + n, tcp_ts_now(pcb));
        /* RFC 7323 §3.2: TSecr is zero unless ACK is set. */
        wr32(opt + n + 4, (flags & TCP_ACK) ? pcb->ts_recent : 0);
        n += 8;
    }
    if (!(flags & TCP_SYN) && (pcb->flags & TF_SACK) &&
        (pcb->ooo_count || pcb->dsack_start != pcb->dsack_end)) {
        struct tcp_range blocks[4];
        int max = (40 - (int)n - 2 - 2) / 8;
        int nb = tcp_sack_blocks(pcb, blocks, MIN(max, 4));
        if (nb > 0) {
            opt[n++] = OPT_NOP;
            opt[n++] = OPT_NOP;
            opt[n++] = OPT_SACK;
            opt[n++] = (uint8_t)(2 + 8 * nb);
            for (int i = 0; i < nb; i++) {
                wr32(opt + n, blocks[i].start);
                wr32(opt + n + 4, blocks[i].end);
                n += 8;
            }
        }
    }
    return n;
}

/* The receive window to offer: free buffer space, never pulling the right
 * edge back (RFC 9293 §3.8.6.2.2 SWS avoidance: the edge only moves by at
 * least min(buffer/2, MSS)). */
uint32_t tcp_rcv_window(struct tcp_pcb *pcb)
{
    uint32_t used = pcb->rcv.buf ? pcb->rcv.len : 0;
    uint32_t space = pcb->rcv_buf_size > used ? pcb->rcv_buf_size - used : 0;
    uint32_t edge = pcb->rcv_nxt + space;
    uint32_t promised = seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
    if (seq_le(edge, pcb->rcv_adv))
        return promised;
    uint32_t step = MIN(pcb->rcv_buf_size / 2, (uint32_t)pcb->mss);
    if (edge - pcb->rcv_adv < step)
        return promised;
    return space;
}

int tcp_send_segment(struct tcp_pcb *pcb, uint32_t seq, uint32_t len, uint8_t flags)
{
    struct net_stack *ns = pcb->stack;
    uint8_t opt[40];
    uint32_t optlen = tcp_write_options(pcb, flags, opt);
    struct netbuf *nb = netbuf_alloc(NET_HEADROOM, TCP_HLEN + optlen + len);
    if (!nb)
        return -ENOBUFS;
    uint8_t *h = nb->data;
    uint32_t hl = TCP_HLEN + optlen;
    wr16(h, pcb->local_port);
    wr16(h + 2, pcb->remote_port);
    wr32(h + 4, seq);
    wr32(h + 8, (flags & TCP_ACK) ? pcb->rcv_nxt : 0);
    h[12] = (uint8_t)((hl / 4) << 4);
    h[13] = flags;

    uint32_t win = tcp_rcv_window(pcb);
    uint32_t wire;
    if (flags & TCP_SYN) {
        wire = MIN(win, 65535u);       /* never scaled in a SYN (RFC 7323 §2.2) */
        win = wire;
    } else {
        /* Round up so that the edge does not fall back, but only while the
         * rounded edge still fits the ring: rounding up on every ACK would
         * otherwise creep past the buffer's end. */
        uint32_t ring_room = pcb->rcv.buf ? pcb->rcv.cap - pcb->rcv.len : pcb->rcv_buf_size;
        wire = (win + (1u << pcb->rcv_wscale) - 1) >> pcb->rcv_wscale;
        if (((uint64_t)wire << pcb->rcv_wscale) > ring_room)
            wire = win >> pcb->rcv_wscale;
        wire = MIN(wire, 65535u);
        win = wire << pcb->rcv_wscale;
    }
    wr16(h + 14, (uint16_t)wire);
    if (seq_gt(pcb->rcv_nxt + win, pcb->rcv_adv))
        pcb->rcv_adv = pcb->rcv_nxt + win;
    wr16(h + 18, 0);
    memcpy(h + TCP_HLEN, opt, optlen);
    if (len)
        tcp_ring_read_at(&pcb->snd, seq - pcb->snd_una, h + hl, len);

    uint16_t total = (uint16_t)nb->len;
    wr16(h + 16, (uint16_t)~csum_fold(csum_pseudo(pcb->local_addr, pcb->remote_addr, IP_PROTO_TCP, total)));
    nb->flags |= NETBUF_TX_CSUM;
    nb->csum_start = (uint16_t)(nb->data - nb->buf);
    nb->csum_offset = 16;

    if (flags & TCP_ACK) {
        pcb->last_ack_sent = pcb->rcv_nxt;
        pcb->flags &= ~(TF_ACK_NOW | TF_DELACK | TF_WIN_UPDATE);
        pcb->delack_deadline = 0;
        pcb->segs_unacked = 0;
        pcb->dsack_start = pcb->dsack_end;
    }
    NET_STAT(ns, tcp_out);
    return ip_output(ns, nb, pcb->local_addr, pcb->remote_addr, IP_PROTO_TCP, pcb->ttl, NULL);
}

void tcp_send_ack(struct tcp_pcb *pcb)
{
    tcp_send_segment(pcb, pcb->snd_nxt, 0, TCP_ACK);
}

/* A SYN (active open) or SYN-ACK (passive), always from the ISS. */
void tcp_send_syn(struct tcp_pcb *pcb)
{
    uint8_t flags = TCP_SYN | (pcb->state == TCP_SYN_RECEIVED ? TCP_ACK : 0);
    tcp_send_segment(pcb, pcb->iss, 0, flags);
    pcb->snd_nxt = pcb->iss + 1;
    if (seq_gt(pcb->snd_nxt, pcb->snd_max))
        pcb->snd_max = pcb->snd_nxt;
    if (!pcb->rto_deadline)
        pcb->rto_deadline = net_now(pcb->stack) + (uint64_t)pcb->rto_ms * NS_PER_MS;
}

/* A segment the peer must answer with an ACK showing its window: an old
 * sequence number and no data (zero-window and keepalive probes). */
void tcp_send_probe(struct tcp_pcb *pcb)
{
    tcp_send_segment(pcb, pcb->snd_una - 1, 0, TCP_ACK);
}

void tcp_send_rst(struct net_stack *ns, ip4_addr_t src, ip4_addr_t dst, uint16_t sport,
                  uint16_t dport, uint32_t seq, uint32_t ack, bool with_ack)
{
    struct netbuf *nb = netbuf_alloc(NET_HEADROOM, TCP_HLEN);
    if (!nb)
        return;
    uint8_t *h = nb->data;
    memset(h, 0, TCP_HLEN);
    wr16(h, sport);
    wr16(h + 2, dport);
    wr32(h + 4, seq);
    wr32(h + 8, with_ack ? ack : 0);
    h[12] = (TCP_HLEN / 4) << 4;
    h[13] = TCP_RST | (with_ack ? TCP_ACK : 0);
    wr16(h + 16, csum_fold(csum_add(csum_pseudo(src, dst, IP_PROTO_TCP, TCP_HLEN), h, TCP_HLEN)));
    NET_STAT(ns, tcp_resets_sent);
    NET_STAT(ns, tcp_out);
    ip_output(ns, nb, src, dst, IP_PROTO_TCP, 0, NULL);
}

/* The reset for a segment that belongs to no connection (RFC 9293 §3.10.7.1). */
void tcp_send_rst_reply(struct net_stack *ns, const struct tcp_seg *seg)
{
    if (seg->flags & TCP_RST)
        return;
    if (seg->flags & TCP_ACK) {
        tcp_send_rst(ns, seg->dst, seg->src, seg->dport, seg->sport, seg->ack, 0, false);
    } else {
        uint32_t seg_len = seg->len + !!(seg->flags & TCP_SYN) + !!(seg->flags & TCP_FIN);
        tcp_send_rst(ns, seg->dst, seg->src, seg->dport, seg->sport, 0, seg->seq + seg_len, true);
    }
}

static bool tcp_fin_unacked(const struct tcp_pcb *pcb)
{
    return (pcb->flags & TF_FIN_QUEUED) && !(pcb->flags & TF_FIN_ACKED);
}

/* Retransmits the first unacknowledged segment (fast retransmit, NewReno
 * partial acknowledgments) without moving snd_nxt. */
void tcp_retransmit_first(struct tcp_pcb *pcb)
{
    if (!pcb->snd.buf || pcb->snd_una == pcb->snd_max)
        return;
    uint32_t len = MIN(pcb->snd.len, (uint32_t)pcb->mss);
    len = MIN(len, pcb->snd_max - pcb->snd_una);
    uint8_t flags = TCP_ACK;
    if (len == pcb->snd.len && (pcb->flags & TF_FIN_SENT) && tcp_fin_unacked(pcb))
        flags |= TCP_FIN;
    if (len == 0 && !(flags & TCP_FIN))
        return;
    NET_STAT(pcb->stack, tcp_retransmits);
    tcp_send_segment(pcb, pcb->snd_una, len, flags);
    if (!pcb->rto_deadline)
        pcb->rto_deadline = net_now(pcb->stack) + (uint64_t)pcb->rto_ms * NS_PER_MS;
}

/* In SACK recovery: retransmit holes below the highest SACKed byte while the
 * pipe leaves room in cwnd (RFC 6675 §5 NextSeg rules 1 and 3). */
static bool tcp_output_sack_holes(struct tcp_pcb *pcb)
{
    bool sent = false;
    uint32_t fack = tcp_scoreboard_highest(pcb);
    uint32_t lost = tcp_lost_limit(pcb);
    uint32_t data_end = pcb->snd_una + pcb->snd.len;
    /* Lost retransmissions, detected in the spirit of RACK (RFC 8985 §6.2):
     * data sent after our last hole retransmission has been SACKed, more
     * than 5/4 of an RTT after that retransmission, yet holes we
     * retransmitted are still open. Retransmit them again. */
    uint64_t settle = (uint64_t)pcb->srtt_us * NS_PER_US * 5 / 4;
    if (seq_gt(pcb->rexmit_nxt, pcb->snd_una) && seq_gt(fack, pcb->rexmit_mark) &&
        net_now(pcb->stack) >= pcb->rexmit_time + settle &&
        tcp_scoreboard_holes(pcb, pcb->snd_una, seq_min(pcb->rexmit_nxt, fack)) > 0) {
        pcb->rexmit_nxt = pcb->snd_una;
        pcb->rexmit_mark = pcb->snd_max;
    }
    while (tcp_pipe(pcb) + pcb->mss <= pcb->cwnd) {
        struct tcp_range hole;
        uint32_t from = seq_max(pcb->rexmit_nxt, pcb->snd_una);
        if (!tcp_scoreboard_next_hole(pcb, from, seq_min(lost, data_end), &hole)) {
            /* Only the FIN may be left to resend. */
            if (tcp_fin_unacked(pcb) && (pcb->flags & TF_FIN_SENT) && seq_le(from, data_end) &&
                seq_lt(data_end, lost)) {
                NET_STAT(pcb->stack, tcp_retransmits);
                tcp_send_segment(pcb, data_end, 0, TCP_ACK | TCP_FIN);
                pcb->rexmit_nxt = data_end + 1;
                sent = true;
            }
            break;
        }
        uint32_t len = MIN(hole.end - hole.start, (uint32_t)pcb->mss);
        uint8_t flags = TCP_ACK;
        if (hole.start + len == data_end && tcp_fin_unacked(pcb) && (pcb->flags & TF_FIN_SENT) &&
            seq_lt(data_end, lost))
            flags |= TCP_FIN;
        NET_STAT(pcb->stack, tcp_retransmits);
        if (tcp_send_segment(pcb, hole.start, len, flags) < 0)
            break;
        pcb->rexmit_nxt = hole.start + len;
        pcb->rexmit_mark = pcb->snd_max;
        pcb->rexmit_time = net_now(pcb->stack);
        sent = true;
    }
    return sent;
}

void tcp_output(struct tcp_pcb *pcb)
{
    struct net_stack *ns = pcb->stack;
    bool sent = false;

    switch (pcb->state) {
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
    case TCP_FIN_WAIT_1:
    case TCP_CLOSING:
    case TCP_LAST_ACK:
        break;
    case TCP_FIN_WAIT_2:
    case TCP_TIME_WAIT:
    case TCP_SYN_RECEIVED:
        if (pcb->flags & TF_ACK_NOW)
            tcp_send_ack(pcb);
        tcp_timer_update(pcb);
        return;
    default:
        return;
    }

    bool in_sack_recovery = tcp_sack_recovering(pcb);
    if (in_sack_recovery)
        sent = tcp_output_sack_holes(pcb);

    uint32_t avail = 0;
    for (;;) {
        uint32_t off = pcb->snd_nxt - pcb->snd_una;
        avail = off < pcb->snd.len ? pcb->snd.len - off : 0;
        bool fin_due = tcp_fin_unacked(pcb) && off <= pcb->snd.len;

        /* How much the windows allow from snd_nxt. */
        uint32_t wnd_end = pcb->snd_una + pcb->snd_wnd;
        uint32_t usable = seq_gt(wnd_end, pcb->snd_nxt) ? wnd_end - pcb->snd_nxt : 0;
        uint32_t cwnd = pcb->cwnd;
        if (!(pcb->flags & TF_RECOVERY) && pcb->dupacks > 0 && pcb->dupacks < NET_TCP_DUPACK_THRESH)
            cwnd += pcb->dupacks * pcb->mss;          /* limited transmit (RFC 3042) */
        uint32_t pipe = in_sack_recovery ? tcp_pipe(pcb) : pcb->snd_nxt - pcb->snd_una;
        uint32_t cwnd_room = cwnd > pipe ? cwnd - pipe : 0;
        usable = MIN(usable, cwnd_room);

        uint32_t len = MIN(MIN(avail, (uint32_t)pcb->mss), usable);
        bool fin = fin_due && off + len == pcb->snd.len;
        if (len == 0 && !fin)
            break;
        if (len < pcb->mss && len < avail && !(pcb->flags & TF_FORCE)) {
            /* More data waits but the window is small: sender-side SWS
             * avoidance (RFC 9293 §3.8.6.2.1); the persist timer overrides. */
            if (len < pcb->snd_wnd_max / 2 || pcb->snd_nxt != pcb->snd_una)
                break;
        }
        if (len < pcb->mss && len == avail && !fin && !(pcb->flags & TF_NODELAY) &&
            pcb->snd_nxt != pcb->snd_una)
            break;                                     /* Nagle */

        uint8_t flags = TCP_ACK;
        if (len && off + len == pcb->snd.len)
            flags |= TCP_PSH;
        if (fin)
            flags |= TCP_FIN;
        bool retransmit = seq_lt(pcb->snd_nxt, pcb->snd_max);
        if (tcp_send_segment(pcb, pcb->snd_nxt, len, flags) < 0)
            break;
        if (retransmit)
            NET_STAT(ns, tcp_retransmits);
        else if (!(pcb->flags & (TF_TS | TF_RTT_TIMING)) && len) {
            pcb->flags |= TF_RTT_TIMING;             /* time this one (RFC 6298 §3) */
            pcb->rtt_seq = pcb->snd_nxt;
            pcb->rtt_start = net_now(ns);
        }
        pcb->snd_nxt += len + (fin ? 1 : 0);
        if (fin)
            pcb->flags |= TF_FIN_SENT;
        if (seq_gt(pcb->snd_nxt, pcb->snd_max))
            pcb->snd_max = pcb->snd_nxt;
        if (!pcb->rto_deadline)
            pcb->rto_deadline = net_now(ns) + (uint64_t)pcb->rto_ms * NS_PER_MS;
        pcb->persist_deadline = 0;
        sent = true;
        if (fin)
            break;
    }

    pcb->flags &= ~TF_FORCE;
    if (sent)
        tcp_arm_tlp(pcb);
    /* Data waits and nothing is in flight, so no ACK will come to move
     * things on: the peer's window is shut (probe it, RFC 9293 §3.8.6.1) or
     * too small to be worth a segment (the SWS override timeout, §3.8.6.2.1). */
    if (avail > 0 && pcb->snd_una == pcb->snd_max && !pcb->persist_deadline) {
        uint64_t t = (uint64_t)MAX((uint32_t)NET_TCP_PERSIST_MIN_MS, pcb->rto_ms) << pcb->persist_backoff;
        pcb->persist_deadline = net_now(ns) + MIN(t, (uint64_t)NET_TCP_PERSIST_MAX_MS) * NS_PER_MS;
    }
    if (!sent && (pcb->flags & (TF_ACK_NOW | TF_WIN_UPDATE)))
        tcp_send_ack(pcb);
    tcp_timer_update(pcb);
}

/* Tail loss probe (RFC 8985 §7): when the last segments of a flight are
 * lost no duplicate ACKs come back, and only the retransmission timer would
 * notice. Two smoothed RTTs after the last transmission, one segment is
 * sent (new data if there is some, else the last one again) so that the
 * peer's SACK shows the loss and fast recovery can repair it. */
void tcp_arm_tlp(struct tcp_pcb *pcb)
{
    if (!(pcb->flags & TF_SACK) || (pcb->flags & (TF_RECOVERY | TF_LOSS | TF_TLP_OUT)) || !pcb->srtt_us ||
        pcb->snd_una == pcb->snd_max || !pcb->rto_deadline)
        return;
    uint64_t pto = 2ull * pcb->srtt_us * NS_PER_US;
    if (tcp_flight(pcb) <= pcb->mss)
        pto += 200 * NS_PER_MS;                      /* the peer may be delaying its ACK */
    pto = MAX(pto, 10 * NS_PER_MS);
    uint64_t at = net_now(pcb->stack) + pto;
    pcb->tlp_deadline = at < pcb->rto_deadline ? at : 0;
}

void tcp_send_tlp(struct tcp_pcb *pcb)
{
    if (pcb->snd_una == pcb->snd_max || (pcb->flags & (TF_RECOVERY | TF_LOSS)))
        return;
    pcb->flags |= TF_TLP_OUT;
    uint32_t off = pcb->snd_nxt - pcb->snd_una;
    uint32_t avail = off < pcb->snd.len ? pcb->snd.len - off : 0;
    uint32_t wnd_end = pcb->snd_una + pcb->snd_wnd;
    if (avail && seq_ge(wnd_end, pcb->snd_nxt + MIN(avail, (uint32_t)pcb->mss))) {
        pcb->flags |= TF_FORCE;
        uint32_t cwnd = pcb->cwnd;
        pcb->cwnd = tcp_flight(pcb) + pcb->mss;      /* room for exactly one new segment */
        tcp_output(pcb);
        pcb->cwnd = MAX(cwnd, pcb->cwnd);
    } else {
        /* Retransmit the last segment sent. */
        uint32_t data_end = pcb->snd_una + pcb->snd.len;
        uint32_t end = seq_min(pcb->snd_max, data_end);
        uint32_t len = MIN((uint32_t)pcb->mss, end - pcb->snd_una);
        uint8_t flags = TCP_ACK;
        if ((pcb->flags & TF_FIN_SENT) && tcp_fin_unacked(pcb) && end == data_end)
            flags |= TCP_FIN;
        if (len || (flags & TCP_FIN)) {
            NET_STAT(pcb->stack, tcp_retransmits);
            tcp_send_segment(pcb, end - len, len, flags);
        }
    }
    pcb->rto_deadline = net_now(pcb->stack) + (uint64_t)pcb->rto_ms * NS_PER_MS;
}
