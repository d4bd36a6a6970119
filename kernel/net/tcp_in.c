/*
 * kernel/net/tcp_in.c — TCP segment arrival, following the event processing
 * of RFC 9293 §3.10.7: parsing and options, LISTEN (with a bounded half-open
 * queue against SYN floods), SYN-SENT (including simultaneous open), and the
 * synchronized states: PAWS (RFC 7323 §5), the acceptability test, RST and
 * SYN handling with challenge ACKs (RFC 5961), acknowledgments with RTT
 * samples, SACK (RFC 2018) and congestion control, the send window, data
 * with out-of-order reassembly and delayed ACKs, and FIN.
 */
#include "net/netpriv.h"

/* Options of RFC 9293 §3.2, RFC 7323 and RFC 2018. Returns false for a
 * malformed option list. */
static bool tcp_parse_options(const uint8_t *p, uint32_t len, struct tcp_seg *seg)
{
    uint32_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == OPT_EOL)
            break;
        if (kind == OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return false;
        uint8_t olen = p[i + 1];
        if (olen < 2 || i + olen > len)
            return false;
        const uint8_t *v = p + i + 2;
        switch (kind) {
        case OPT_MSS:
            if (olen != 4)
                return false;
            seg->has_mss = true;
            seg->mss = rd16(v);
            break;
        case OPT_WS:
            if (olen != 3)
                return false;
            seg->has_ws = true;
            seg->ws = MIN(v[0], 14);          /* RFC 7323 §2.3: larger values mean 14 */
            break;
        case OPT_SACK_PERM:
            if (olen != 2)
                return false;
            seg->sack_ok = true;
            break;
        case OPT_SACK:
            if ((olen - 2) % 8 != 0 || olen == 2)
                return false;
            seg->nsack = 0;
            for (uint32_t b = 0; b < (uint32_t)(olen - 2) / 8 && b < 4; b++) {
                seg->sack[b].start = rd32(v + 8 * b);
                seg->sack[b].end = rd32(v + 8 * b + 4);
                seg->nsack++;
            }
            break;
        case OPT_TS:
            if (olen != 10)
                return false;
            seg->has_ts = true;
            seg->tsval = rd32(v);
            seg->tsecr = rd32(v + 4);
            break;
        default:
            break;                            /* unknown options are skipped */
        }
        i += olen;
    }
    return true;
}

/* Validates the header and checksum and fills seg. Returns 0, -EILSEQ for a
 * bad checksum, or -EINVAL for a malformed header. */
int tcp_parse(struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst, struct tcp_seg *seg)
{
    const uint8_t *h = nb->data;
    if (nb->len < TCP_HLEN)
        return -EINVAL;
    uint32_t off = (uint32_t)(h[12] >> 4) * 4;
    if (off < TCP_HLEN || off > nb->len)
        return -EINVAL;
    if (!(nb->flags & NETBUF_RX_CSUM_OK) &&
        csum_fold(csum_add(csum_pseudo(src, dst, IP_PROTO_TCP, (uint16_t)nb->len), h, nb->len)) != 0)
        return -EILSEQ;
    memset(seg, 0, sizeof(*seg));
    seg->src = src;
    seg->dst = dst;
    seg->sport = rd16(h);
    seg->dport = rd16(h + 2);
    seg->seq = rd32(h + 4);
    seg->ack = rd32(h + 8);
    seg->flags = h[13] & 0x3f;
    seg->wnd = rd16(h + 14);
    seg->data = h + off;
    seg->len = nb->len - off;
    if (seg->sport == 0 || seg->dport == 0)
        return -EINVAL;
    if (!tcp_parse_options(h + TCP_HLEN, off - TCP_HLEN, seg))
        return -EINVAL;
    return 0;
}

/* RFC 5961 §7: challenge ACKs are rate-limited stack-wide. */
static void tcp_challenge_ack(struct tcp_pcb *pcb)
{
    struct net_stack *ns = pcb->stack;
    uint64_t now = net_now(ns);
    if (now - ns->challenge_time >= NS_PER_S) {
        ns->challenge_time = now;
        ns->challenge_count = 0;
    }
    if (ns->challenge_count++ >= NET_TCP_CHALLENGE_ACKS_PER_SEC)
        return;
    NET_STAT(ns, tcp_challenge_acks);
    tcp_send_ack(pcb);
}

static void tcp_take_syn_options(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
    pcb->peer_mss = seg->has_mss && seg->mss >= 64 ? seg->mss : NET_TCP_DEFAULT_MSS;
    if (seg->has_ws && (pcb->flags & TF_WSCALE)) {
        pcb->snd_wscale = seg->ws;
    } else {
        pcb->flags &= ~TF_WSCALE;
        pcb->snd_wscale = 0;
        pcb->rcv_wscale = 0;
    }
    if (!seg->sack_ok)
        pcb->flags &= ~TF_SACK;
    if (seg->has_ts && (pcb->flags & TF_TS))
        pcb->ts_recent = seg->tsval;
    else
        pcb->flags &= ~TF_TS;
}

/* Evicts the oldest half-open connection of l to make room for a new SYN. */
static bool tcp_evict_half_open(struct tcp_pcb *l)
{
    if (list_empty(&l->half_open_q))
        return false;
    struct tcp_pcb *old = list_entry(l->half_open_q.next, struct tcp_pcb, queue_node);
    NET_STAT(l->stack, tcp_syn_evicted);
    tcp_pcb_closed(old, 0);
    return true;
}

/* RFC 9293 §3.10.7.2: a segment for a listener. A SYN creates a half-open
 * connection; their number is bounded per listener and stack-wide, and the
 * oldest one is dropped when a new SYN needs room, so a flood of spoofed SYNs
 * cannot lock out real clients. */
static void tcp_listen_input(struct tcp_pcb *l, const struct tcp_seg *seg)
{
    struct net_stack *ns = l->stack;
    if (seg->flags & TCP_RST)
        return;
    if (seg->flags & TCP_ACK) {
        tcp_send_rst_reply(ns, seg);
        return;
    }
    if (!(seg->flags & TCP_SYN))
        return;
    if (l->accept_count >= l->backlog) {
        NET_STAT(ns, tcp_listen_overflows);
        NET_STAT(ns, tcp_syn_dropped);
        return;
    }
    if (l->half_open_count >= NET_TCP_SYN_BACKLOG || ns->tcp_half_open >= NET_TCP_HALF_OPEN_MAX) {
        if (!tcp_evict_half_open(l)) {
            NET_STAT(ns, tcp_syn_dropped);
            return;
        }
    }
    struct tcp_pcb *c = tcp_new(ns);
    if (!c) {
        NET_STAT(ns, tcp_syn_dropped);
        return;
    }
    c->local_addr = seg->dst;
    c->local_port = seg->dport;
    c->remote_addr = seg->src;
    c->remote_port = seg->sport;
    c->snd_buf_size = l->snd_buf_size;
    c->rcv_buf_size = l->rcv_buf_size;
    c->ttl = l->ttl;
    c->flags = l->flags & (TF_NODELAY | TF_KEEPALIVE | TF_TS | TF_SACK | TF_WSCALE);
    c->rcv_wscale = 0;
    while (c->rcv_wscale < 14 && (c->rcv_buf_size >> c->rcv_wscale) > 65535)
        c->rcv_wscale++;
    tcp_take_syn_options(c, seg);
    c->mss = (uint16_t)MIN((uint32_t)c->peer_mss,
                           (uint32_t)ip_mtu_to(ns, c->remote_addr) - IP_HLEN - TCP_HLEN);
    c->irs = seg->seq;
    c->rcv_nxt = seg->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    c->snd_wnd = seg->wnd;
    c->snd_wnd_max = seg->wnd;
    c->snd_wl1 = seg->seq;
    c->iss = tcp_new_isn(ns, c->local_addr, c->local_port, c->remote_addr, c->remote_port);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->recover = c->iss;
    c->ts_offset = tcp_ts_offset(ns, c->local_addr, c->local_port, c->remote_addr, c->remote_port);
    c->state = TCP_SYN_RECEIVED;
    c->listener = l;
    list_push_back(&l->half_open_q, &c->queue_node);
    l->half_open_count++;
    ns->tcp_half_open++;
    tcp_hash_insert(c);
    NET_STAT(ns, tcp_passive_opens);
    c->rtt_start = net_now(ns);
    tcp_send_syn(c);
    tcp_timer_update(c);
}

/* RFC 9293 §3.10.7.3: the answer to our SYN. */
static void tcp_syn_sent_input(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
    struct net_stack *ns = pcb->stack;
    if (seg->flags & TCP_ACK) {
        if (seq_le(seg->ack, pcb->iss) || seq_gt(seg->ack, pcb->snd_max)) {
            tcp_send_rst_reply(ns, seg);
            return;
        }
    }
    if (seg->flags & TCP_RST) {
        if (seg->flags & TCP_ACK) {
            NET_STAT(ns, tcp_resets_received);
            tcp_pcb_closed(pcb, -ECONNREFUSED);
        }
        return;
    }
    if (!(seg->flags & TCP_SYN))
        return;
    pcb->irs = seg->seq;
    pcb->rcv_nxt = seg->seq + 1;
    pcb->rcv_adv = pcb->rcv_nxt;
    tcp_take_syn_options(pcb, seg);
    pcb->snd_wnd = seg->wnd;
    pcb->snd_wnd_max = seg->wnd;
    pcb->snd_wl1 = seg->seq;
    pcb->snd_wl2 = seg->ack;
    if (seg->flags & TCP_ACK) {
        pcb->snd_una = seg->ack;
        if (pcb->retries == 0)
            tcp_rtt_sample(pcb, (net_now(ns) - pcb->rtt_start) / NS_PER_US);
        pcb->retries = 0;
        pcb->rto_deadline = 0;
        tcp_established(pcb);
        pcb->flags |= TF_ACK_NOW;
        tcp_output(pcb);
        return;
    }
    /* Simultaneous open (RFC 9293 §3.5, figure 8): answer with SYN-ACK. */
    pcb->state = TCP_SYN_RECEIVED;
    tcp_send_syn(pcb);
    tcp_timer_update(pcb);
}

/* TIME_WAIT: reassert the ACK for a retransmitted FIN, ignore RSTs
 * (RFC 1337), and let a new SYN with a higher sequence number or timestamp
 * reopen the 4-tuple (RFC 6191, RFC 9293 §3.10.7.4 note). */
static void tcp_time_wait_input(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
    struct net_stack *ns = pcb->stack;
    if (seg->flags & TCP_RST)
        return;
    if ((seg->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        bool newer = ((pcb->flags & TF_TS) && seg->has_ts) ? seq_gt(seg->tsval, pcb->ts_recent)
                                                            : seq_gt(seg->seq, pcb->rcv_nxt);
        struct tcp_pcb *l = tcp_lookup_listener(ns, seg->dst, seg->dport);
        if (newer && l) {
            tcp_pcb_closed(pcb, 0);
            tcp_listen_input(l, seg);
            return;
        }
    }
    if (seg->flags & TCP_FIN)
        pcb->wait_deadline = net_now(ns) + 2ull * NET_TCP_MSL_MS * NS_PER_MS;
    tcp_send_ack(pcb);
    tcp_timer_update(pcb);
}

/* The peer's FIN is taken in order (RFC 9293 §3.10.7.4 eighth step). Returns
 * false if the connection ended. */
static bool tcp_fin_received(struct tcp_pcb *pcb)
{
    pcb->rcv_nxt++;
    pcb->flags |= TF_FIN_RCVD | TF_ACK_NOW;
    pcb->flags &= ~TF_OOO_FIN;
    switch (pcb->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        pcb->state = TCP_CLOSE_WAIT;
        break;
    case TCP_FIN_WAIT_1:
        if (pcb->flags & TF_FIN_ACKED) {
            tcp_send_ack(pcb);
            tcp_enter_time_wait(pcb);
        } else {
            pcb->state = TCP_CLOSING;
        }
        break;
    case TCP_FIN_WAIT_2:
        tcp_send_ack(pcb);
        tcp_enter_time_wait(pcb);
        break;
    default:
        break;
    }
    sock_wakeup(pcb->sock);
    return true;
}

/* Places in-window data (already trimmed so that seq >= rcv_nxt and it fits
 * what we advertised) into the receive ring, merging out-of-order ranges
 * and choosing between an immediate and a delayed ACK (RFC 9293 §3.8.6.3). */
static void tcp_receive_data(struct tcp_pcb *pcb, uint32_t seq, const uint8_t *data,
                             uint32_t len, bool push)
{
    struct net_stack *ns = pcb->stack;
    uint32_t off = seq - pcb->rcv_nxt;
    tcp_ring_write_at(&pcb->rcv, pcb->rcv.len + off, data, len);
    if (off > 0) {
        NET_STAT(ns, tcp_ooo_segments);
        tcp_ooo_add(pcb, seq, seq + len);     /* if full, the bytes wait for a resend */
        pcb->flags |= TF_ACK_NOW;             /* a duplicate ACK with SACK blocks */
        return;
    }
    bool filled_hole = pcb->ooo_count > 0;
    uint32_t old = pcb->rcv_nxt;
    pcb->rcv_nxt = tcp_ooo_advance(pcb, pcb->rcv_nxt + len);
    pcb->rcv.len += pcb->rcv_nxt - old;
    /* Count full-sized segments: a large one (the device's receive
     * offload) counts as several (RFC 5681 §4.2: ACK every second one). */
    uint32_t segs = MAX(1u, len / pcb->mss);
    pcb->segs_unacked = (uint8_t)MIN(pcb->segs_unacked + segs, 255u);
    if (filled_hole || push || pcb->segs_unacked >= 2 || pcb->rcv.len >= pcb->rcv_buf_size / 2) {
        pcb->flags |= TF_ACK_NOW;
    } else if (!(pcb->flags & TF_DELACK)) {
        pcb->flags |= TF_DELACK;
        pcb->delack_deadline = net_now(ns) + NET_TCP_DELACK_MS * NS_PER_MS;
    }
    sock_wakeup(pcb->sock);
}

/* A new cumulative acknowledgment (snd_una < ack <= snd_max). */
static void tcp_ack_new(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
    struct net_stack *ns = pcb->stack;
    uint32_t acked = seg->ack - pcb->snd_una;
    if ((pcb->flags & TF_TS) && seg->has_ts && seg->tsecr) {
        uint32_t rtt_ms = tcp_ts_now(pcb) - seg->tsecr;   /* RFC 7323 §4.1 */
        tcp_rtt_sample(pcb, (uint64_t)rtt_ms * 1000);
    } else if ((pcb->flags & TF_RTT_TIMING) && seq_gt(seg->ack, pcb->rtt_seq)) {
        tcp_rtt_sample(pcb, (net_now(ns) - pcb->rtt_start) / NS_PER_US);
        pcb->flags &= ~TF_RTT_TIMING;
    }
    uint32_t data_acked = MIN(acked, pcb->snd.len);
    if (pcb->snd.buf)
        tcp_ring_consume(&pcb->snd, data_acked);
    if (acked > data_acked && (pcb->flags & TF_FIN_SENT))
        pcb->flags |= TF_FIN_ACKED;
    pcb->snd_una = seg->ack;
    if (seq_lt(pcb->snd_nxt, pcb->snd_una))
        pcb->snd_nxt = pcb->snd_una;
    pcb->retries = 0;
    pcb->persist_backoff = 0;
    pcb->flags &= ~TF_TLP_OUT;
    tcp_scoreboard_advance(pcb);
    tcp_cc_ack(pcb, acked);
    if (pcb->snd_una == pcb->snd_max) {
        pcb->rto_deadline = 0;
        pcb->tlp_deadline = 0;
    } else {
        pcb->rto_deadline = net_now(ns) + (uint64_t)pcb->rto_ms * NS_PER_MS;
        tcp_arm_tlp(pcb);
    }
    if (data_acked)
        sock_wakeup(pcb->sock);
}

enum ack_result {
    ACK_CONTINUE,   /* go on with the segment's data and FIN */
    ACK_DROP,       /* stop here; the connection lives */
    ACK_GONE,       /* the connection ended (pcb may be freed) */
};

/* The fifth step of RFC 9293 §3.10.7.4 for synchronized states. */
static enum ack_result tcp_process_ack(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
    struct net_stack *ns = pcb->stack;
    if (pcb->state == TCP_SYN_RECEIVED) {
        if (!(seq_lt(pcb->snd_una, seg->ack) && seq_le(seg->ack, pcb->snd_max))) {
            tcp_send_rst_reply(ns, seg);
            return ACK_DROP;
        }
        struct tcp_pcb *l = pcb->listener;
        if (l && l->accept_count >= l->backlog) {
            NET_STAT(ns, tcp_listen_overflows);   /* stay half-open; the peer resends */
            return ACK_DROP;
        }
        if (tcp_alloc_buffers(pcb) < 0) {
            tcp_send_rst_reply(ns, seg);
            tcp_pcb_closed(pcb, -ENOMEM);
            return ACK_GONE;
        }
        pcb->snd_wnd = (uint32_t)seg->wnd << pcb->snd_wscale;
        pcb->snd_wnd_max = pcb->snd_wnd;
        pcb->snd_wl1 = seg->seq;
        pcb->snd_wl2 = seg->ack;
        if ((pcb->flags & TF_TS) && seg->has_ts && seg->tsecr)
            tcp_rtt_sample(pcb, (uint64_t)(tcp_ts_now(pcb) - seg->tsecr) * 1000);
        else if (pcb->retries == 0)
            tcp_rtt_sample(pcb, (net_now(ns) - pcb->rtt_start) / NS_PER_US);
        pcb->snd_una = seg->ack;
        pcb->retries = 0;
        pcb->rto_deadline = 0;
        tcp_established(pcb);
    }

    if (seq_gt(seg->ack, pcb->snd_max)) {
        pcb->flags |= TF_ACK_NOW;             /* acknowledges what we never sent */
        return ACK_DROP;
    }
    if (seq_lt(seg->ack, pcb->snd_una - pcb->snd_wnd_max)) {
        tcp_challenge_ack(pcb);               /* RFC 5961 §5.2: far too old */
        return ACK_DROP;
    }

    /* SACK blocks update the scoreboard before loss decisions (RFC 6675 §5). */
    uint32_t sacked_before = pcb->sacked_bytes;
    if ((pcb->flags & TF_SACK) && seg->nsack) {
        for (int i = 0; i < seg->nsack; i++) {
            uint32_t s = seg->sack[i].start, e = seg->sack[i].end;
            if (seq_lt(s, e) && seq_gt(s, seg->ack) && seq_le(e, pcb->snd_max))
                tcp_scoreboard_add(pcb, s, e);
        }
    }

    uint32_t new_wnd = (uint32_t)seg->wnd << pcb->snd_wscale;
    if (seq_gt(seg->ack, pcb->snd_una)) {
        tcp_ack_new(pcb, seg);
    } else if (seg->ack == pcb->snd_una && pcb->snd_max != pcb->snd_una) {
        /* A duplicate ACK: with SACK, one that reports new data (RFC 6675
         * §2), so that D-SACKs for duplicated segments are not mistaken for
         * loss; without, the RFC 5681 §2 definition. */
        bool dup = (pcb->flags & TF_SACK)
                       ? pcb->sacked_bytes > sacked_before
                       : seg->len == 0 && !(seg->flags & (TCP_SYN | TCP_FIN)) && new_wnd == pcb->snd_wnd;
        if (dup)
            tcp_cc_dupack(pcb);
    }

    /* Window update (RFC 9293 §3.10.7.4, SND.WL1/WL2 rule). */
    if (seq_lt(pcb->snd_wl1, seg->seq) ||
        (pcb->snd_wl1 == seg->seq && seq_le(pcb->snd_wl2, seg->ack))) {
        bool opened = pcb->snd_wnd == 0 && new_wnd > 0;
        pcb->snd_wnd = new_wnd;
        pcb->snd_wnd_max = MAX(pcb->snd_wnd_max, new_wnd);
        pcb->snd_wl1 = seg->seq;
        pcb->snd_wl2 = seg->ack;
        if (opened) {
            pcb->persist_deadline = 0;
            pcb->persist_backoff = 0;
        }
    }

    if (pcb->flags & TF_FIN_ACKED) {
        switch (pcb->state) {
        case TCP_FIN_WAIT_1:
            pcb->state = TCP_FIN_WAIT_2;
            if (!pcb->sock)
                pcb->wait_deadline = net_now(ns) + NET_TCP_FIN_WAIT2_MS * NS_PER_MS;
            sock_wakeup(pcb->sock);
            break;
        case TCP_CLOSING:
            tcp_enter_time_wait(pcb);
            break;
        case TCP_LAST_ACK:
            tcp_pcb_closed(pcb, 0);
            return ACK_GONE;
        default:
            break;
        }
    }
    return ACK_CONTINUE;
}

/* RFC 9293 §3.10.7.4 for every synchronized state but TIME_WAIT. */
static void tcp_process(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
    struct net_stack *ns = pcb->stack;
    uint32_t seq = seg->seq;
    const uint8_t *data = seg->data;
    uint32_t len = seg->len;
    bool syn = seg->flags & TCP_SYN, fin = seg->flags & TCP_FIN;

    /* A repeated SYN while half-open: the SYN-ACK was lost. */
    if (pcb->state == TCP_SYN_RECEIVED && syn && !(seg->flags & TCP_ACK) && seq == pcb->irs) {
        tcp_send_segment(pcb, pcb->iss, 0, TCP_SYN | TCP_ACK);
        return;
    }

    /* PAWS (RFC 7323 §5.3): an old timestamp marks an old duplicate. */
    if ((pcb->flags & TF_TS) && seg->has_ts && !(seg->flags & TCP_RST) &&
        seq_lt(seg->tsval, pcb->ts_recent)) {
        NET_STAT(ns, tcp_paws_dropped);
        pcb->flags |= TF_ACK_NOW;
        tcp_output(pcb);
        return;
    }

    /* First: is any of it inside the receive window? */
    uint32_t wnd = seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
    uint32_t seg_len = len + syn + fin;
    bool ok;
    if (seg_len == 0)
        ok = wnd == 0 ? seq == pcb->rcv_nxt
                      : seq_ge(seq, pcb->rcv_nxt) && seq_lt(seq, pcb->rcv_nxt + wnd);
    else
        ok = wnd != 0 && ((seq_ge(seq, pcb->rcv_nxt) && seq_lt(seq, pcb->rcv_nxt + wnd)) ||
                          (seq_ge(seq + seg_len - 1, pcb->rcv_nxt) &&
                           seq_lt(seq + seg_len - 1, pcb->rcv_nxt + wnd)));
    /* A zero window still takes ACKs, RSTs and a FIN at exactly rcv_nxt. */
    if (!ok && wnd == 0 && seq == pcb->rcv_nxt && len == 0)
        ok = true;
    if (!ok) {
        if (seg->flags & TCP_RST)
            return;
        NET_STAT(ns, tcp_out_of_window);
        if (len && seq_le(seq + len, pcb->rcv_nxt) && (pcb->flags & TF_SACK)) {
            NET_STAT(ns, tcp_dup_segments);
            pcb->dsack_start = seq;           /* report the duplicate (RFC 2883) */
            pcb->dsack_end = seq + len;
        }
        pcb->flags |= TF_ACK_NOW;
        /* An old segment may still acknowledge new data (a lost ACK's successor). */
        if ((seg->flags & TCP_ACK) && seq_gt(seg->ack, pcb->snd_una) && pcb->state != TCP_SYN_RECEIVED &&
            tcp_process_ack(pcb, seg) == ACK_GONE)
            return;
        tcp_output(pcb);
        return;
    }

    /* Timestamps to echo (RFC 7323 §4.3). */
    if ((pcb->flags & TF_TS) && seg->has_ts && seq_ge(seg->tsval, pcb->ts_recent) &&
        seq_le(seq, pcb->last_ack_sent))
        pcb->ts_recent = seg->tsval;

    /* Second: RST (RFC 5961 §3.2: only an exact match resets). */
    if (seg->flags & TCP_RST) {
        if (seq != pcb->rcv_nxt) {
            tcp_challenge_ack(pcb);
            return;
        }
        NET_STAT(ns, tcp_resets_received);
        int err;
        if (pcb->state == TCP_SYN_RECEIVED)
            err = pcb->listener ? 0 : -ECONNREFUSED;
        else if (pcb->state == TCP_CLOSING || pcb->state == TCP_LAST_ACK)
            err = 0;
        else
            err = -ECONNRESET;
        tcp_pcb_closed(pcb, err);
        return;
    }

    /* Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 §4.2). */
    if (syn) {
        tcp_challenge_ack(pcb);
        return;
    }

    /* Fifth: the ACK field. */
    if (!(seg->flags & TCP_ACK))
        return;
    pcb->last_rx = net_now(ns);
    pcb->keepalive_probes = 0;
    if (pcb->flags & TF_KEEPALIVE)
        pcb->keepalive_deadline = pcb->last_rx + NET_TCP_KEEPALIVE_IDLE_MS * NS_PER_MS;
    enum ack_result ar = tcp_process_ack(pcb, seg);
    if (ar == ACK_GONE)
        return;
    if (ar == ACK_DROP) {
        tcp_output(pcb);
        return;
    }
    if (pcb->state == TCP_TIME_WAIT) {
        tcp_timer_update(pcb);
        return;
    }

    /* Seventh: segment text, trimmed to the window. */
    bool take_data = pcb->state == TCP_ESTABLISHED || pcb->state == TCP_FIN_WAIT_1 ||
                     pcb->state == TCP_FIN_WAIT_2;
    uint32_t fin_at = seq + len;
    if (len && take_data) {
        if (!pcb->sock && !pcb->listener && (pcb->flags & TF_SHUT_RD)) {
            /* Data for a connection the user has closed: reset it. */
            tcp_reset(pcb, 0);
            return;
        }
        if (seq_lt(seq, pcb->rcv_nxt)) {
            uint32_t skip = pcb->rcv_nxt - seq;
            if (skip >= len) {
                len = 0;
            } else {
                data += skip;
                len -= skip;
                seq = pcb->rcv_nxt;
            }
            NET_STAT(ns, tcp_dup_segments);
        }
        /* What we advertised, and in any case no more than the ring holds. */
        uint32_t room = seq_gt(pcb->rcv_adv, seq) ? pcb->rcv_adv - seq : 0;
        uint32_t ring_end = pcb->rcv_nxt + (pcb->rcv.cap - pcb->rcv.len);
        room = MIN(room, seq_gt(ring_end, seq) ? ring_end - seq : 0);
        if (len > room) {
            len = room;
            fin = false;                      /* the FIN lies beyond the window */
        }
        if (len)
            tcp_receive_data(pcb, seq, data, len, seg->flags & TCP_PSH);
    }

    /* Eighth: FIN, possibly ahead of missing data. */
    if (fin && pcb->state != TCP_CLOSED) {
        if (fin_at == pcb->rcv_nxt) {
            if (!(pcb->flags & TF_FIN_RCVD))
                tcp_fin_received(pcb);
            else
                pcb->flags |= TF_ACK_NOW;
        } else if (seq_gt(fin_at, pcb->rcv_nxt) && take_data) {
            pcb->flags |= TF_OOO_FIN | TF_ACK_NOW;
            pcb->fin_seq = fin_at;
        }
    }
    if ((pcb->flags & TF_OOO_FIN) && pcb->fin_seq == pcb->rcv_nxt && !(pcb->flags & TF_FIN_RCVD))
        tcp_fin_received(pcb);
    tcp_output(pcb);
}

void tcp_input(struct netif *nif, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst)
{
    struct net_stack *ns = nif->stack;
    NET_STAT(ns, tcp_in);
    struct tcp_seg seg;
    int r = tcp_parse(nb, src, dst, &seg);
    if (r < 0) {
        if (r == -EILSEQ)
            NET_STAT(ns, tcp_bad_checksum);
        else
            NET_STAT(ns, tcp_bad_header);
        netbuf_free(nb);
        return;
    }
    struct tcp_pcb *pcb = tcp_lookup(ns, dst, seg.dport, src, seg.sport);
    if (!pcb) {
        struct tcp_pcb *l = tcp_lookup_listener(ns, dst, seg.dport);
        if (l)
            tcp_listen_input(l, &seg);
        else
            tcp_send_rst_reply(ns, &seg);     /* RFC 9293 §3.10.7.1: CLOSED */
        netbuf_free(nb);
        return;
    }
    switch (pcb->state) {
    case TCP_SYN_SENT:
        tcp_syn_sent_input(pcb, &seg);
        break;
    case TCP_TIME_WAIT:
        tcp_time_wait_input(pcb, &seg);
        break;
    default:
        tcp_process(pcb, &seg);
        break;
    }
    netbuf_free(nb);
}
