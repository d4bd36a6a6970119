/*
 * kernel/net/tcp_cc.c — TCP round-trip estimation and the retransmission
 * timeout (RFC 6298), and congestion control: slow start and congestion
 * avoidance with byte counting (RFC 5681, RFC 3465), fast retransmit and
 * NewReno fast recovery (RFC 6582), with SACK-based loss recovery
 * (RFC 6675, "pipe") when the peer agreed to SACK.
 */
#include "net/netpriv.h"

/* RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
void tcp_cc_init(struct tcp_pcb *pcb)
{
    uint32_t mss = pcb->mss;
    pcb->cwnd = MIN(NET_TCP_INIT_CWND_SEGS * mss, MAX(2 * mss, 14600u));
    pcb->ssthresh = NET_TCP_MAX_CWND;
    pcb->dupacks = 0;
    pcb->bytes_acked = 0;
    pcb->recover = pcb->iss;
    pcb->flags &= ~TF_RECOVERY;
}

/* RFC 6298 §2: fold one measurement into SRTT and RTTVAR and recompute RTO
 * (clock granularity G = 1 ms), clamped to [RTO_MIN, RTO_MAX]. */
void tcp_rtt_sample(struct tcp_pcb *pcb, uint64_t rtt_us)
{
    if (rtt_us > 60ull * 1000 * 1000)
        return;                               /* nonsense: ignore */
    uint32_t r = (uint32_t)rtt_us;
    if (pcb->srtt_us == 0) {
        pcb->srtt_us = r ? r : 1;
        pcb->rttvar_us = r / 2;
    } else {
        uint32_t diff = pcb->srtt_us > r ? pcb->srtt_us - r : r - pcb->srtt_us;
        pcb->rttvar_us = (3 * pcb->rttvar_us + diff) / 4;
        pcb->srtt_us = (7 * pcb->srtt_us + r) / 8;
        if (pcb->srtt_us == 0)
            pcb->srtt_us = 1;
    }
    uint64_t rto_us = (uint64_t)pcb->srtt_us + MAX(1000u, 4 * pcb->rttvar_us);
    uint64_t rto_ms = (rto_us + 999) / 1000;
    pcb->rto_ms = (uint32_t)MIN(MAX(rto_ms, (uint64_t)NET_TCP_RTO_MIN_MS), (uint64_t)NET_TCP_RTO_MAX_MS);
}

uint32_t tcp_flight(const struct tcp_pcb *pcb)
{
    return pcb->snd_max - pcb->snd_una;
}

/* Where presumed-lost data ends: the highest SACKed byte in fast recovery
 * (as FACK does), and at least what was outstanding at a timeout. */
uint32_t tcp_lost_limit(const struct tcp_pcb *pcb)
{
    uint32_t fack = tcp_scoreboard_highest(pcb);
    return (pcb->flags & TF_LOSS) ? seq_max(fack, pcb->lost_end) : fack;
}

/* RFC 6675 pipe, simplified: unSACKed data below the lost limit is gone
 * unless we retransmitted it (it lies below rexmit_nxt); data above the
 * limit is in flight. Outside SACK recovery it is all unacked data. */
uint32_t tcp_pipe(const struct tcp_pcb *pcb)
{
    if (!tcp_sack_recovering(pcb))
        return tcp_flight(pcb);
    uint32_t lost = tcp_lost_limit(pcb);
    uint32_t rexmit_end = seq_min(pcb->rexmit_nxt, lost);
    uint32_t retransmitted = tcp_scoreboard_holes(pcb, pcb->snd_una, rexmit_end);
    uint32_t above = seq_gt(pcb->snd_max, lost) ? pcb->snd_max - lost : 0;
    return retransmitted + above;
}

/* ssthresh after a loss: half the flight, at least 2 segments (RFC 5681 eq. 4). */
static uint32_t tcp_loss_ssthresh(const struct tcp_pcb *pcb)
{
    return MAX(tcp_flight(pcb) / 2, 2u * pcb->mss);
}

void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked)
{
    uint32_t mss = pcb->mss;
    if (pcb->flags & TF_LOSS) {
        /* After a timeout: slow start while the holes are repaired. */
        if (seq_ge(pcb->snd_una, pcb->recover))
            pcb->flags &= ~TF_LOSS;
        if (seq_lt(pcb->rexmit_nxt, pcb->snd_una))
            pcb->rexmit_nxt = pcb->snd_una;
        /* fall through to the normal window growth */
    } else if (pcb->flags & TF_RECOVERY) {
        if (seq_ge(pcb->snd_una, pcb->recover)) {
            /* Full acknowledgment: leave recovery (RFC 6582 §3.2 step 3, option 1). */
            pcb->flags &= ~TF_RECOVERY;
            pcb->cwnd = MIN(pcb->ssthresh, MAX(tcp_flight(pcb), mss) + mss);
            pcb->dupacks = 0;
            pcb->bytes_acked = 0;
        } else if (!(pcb->flags & TF_SACK)) {
            /* Partial acknowledgment (RFC 6582 §3.2 step 3): retransmit the
             * next hole, deflate by what was acked, re-inflate one segment. */
            tcp_retransmit_first(pcb);
            pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : mss;
            if (acked >= mss)
                pcb->cwnd += mss;
        } else if (seq_lt(pcb->rexmit_nxt, pcb->snd_una)) {
            pcb->rexmit_nxt = pcb->snd_una;
        }
        return;
    }
    pcb->dupacks = 0;
    if (pcb->cwnd < pcb->ssthresh) {
        /* Slow start with appropriate byte counting, L = 2 SMSS (RFC 3465 §2.2). */
        pcb->cwnd += MIN(acked, 2 * mss);
    } else {
        /* Congestion avoidance: one segment per window of acknowledged bytes. */
        pcb->bytes_acked += acked;
        if (pcb->bytes_acked >= pcb->cwnd) {
            pcb->bytes_acked -= pcb->cwnd;
            pcb->cwnd += mss;
        }
    }
    if (pcb->cwnd > NET_TCP_MAX_CWND)
        pcb->cwnd = NET_TCP_MAX_CWND;
}

/* Enters fast recovery on the third duplicate ACK, or earlier when SACK
 * shows more than DupThresh segments above the hole (RFC 6675 §5). The
 * recover check avoids reacting twice to one loss episode (RFC 6582 §3.2). */
void tcp_cc_dupack(struct tcp_pcb *pcb)
{
    uint32_t mss = pcb->mss;
    pcb->dupacks++;
    if (pcb->flags & TF_RECOVERY) {
        if (!(pcb->flags & TF_SACK))
            pcb->cwnd += mss;                  /* RFC 6582 §3.2 step 2 inflation */
        return;
    }
    bool sack_lost = (pcb->flags & TF_SACK) &&
                     pcb->sacked_bytes >= (uint32_t)NET_TCP_DUPACK_THRESH * mss;
    if (pcb->dupacks < NET_TCP_DUPACK_THRESH && !sack_lost)
        return;
    if (!seq_gt(pcb->snd_una, pcb->recover))
        return;                                /* duplicates of data sent before a timeout */
    NET_STAT(pcb->stack, tcp_fast_retransmits);
    pcb->flags |= TF_RECOVERY;
    pcb->recover = pcb->snd_max;
    pcb->ssthresh = tcp_loss_ssthresh(pcb);
    pcb->flags &= ~TF_RTT_TIMING;             /* Karn: no sample across a retransmission */
    if (pcb->flags & TF_SACK) {
        pcb->cwnd = pcb->ssthresh;
        pcb->rexmit_nxt = pcb->snd_una;       /* tcp_output retransmits the holes */
        pcb->rexmit_mark = pcb->snd_max;
    } else {
        tcp_retransmit_first(pcb);
        pcb->cwnd = pcb->ssthresh + NET_TCP_DUPACK_THRESH * mss;
    }
}

/* RFC 5681 §3.1 eq. 4 and RFC 6298 §5: after a timeout, one segment of
 * window, everything unacknowledged goes again; SACK information is dropped
 * (RFC 2018 §8). */
void tcp_cc_timeout(struct tcp_pcb *pcb)
{
    /* ssthresh is held when the same data times out again (RFC 5681 §3.1). */
    if (pcb->retries <= 1)
        pcb->ssthresh = tcp_loss_ssthresh(pcb);
    pcb->cwnd = pcb->mss;
    pcb->bytes_acked = 0;
    pcb->dupacks = 0;
    pcb->flags &= ~(TF_RECOVERY | TF_RTT_TIMING | TF_TLP_OUT);
    pcb->recover = pcb->snd_max;
    if (!(pcb->flags & TF_SACK))
        return;                               /* the caller goes back to snd_una */
    /* With SACK, everything outstanding and not SACKed is taken as lost and
     * only that is sent again. A second timeout on the same data may mean
     * the receiver dropped what it had SACKed (RFC 2018 §8): forget it. */
    if (pcb->retries > 1)
        tcp_scoreboard_clear(pcb);
    pcb->flags |= TF_LOSS;
    pcb->lost_end = pcb->snd_max;
    pcb->rexmit_nxt = pcb->snd_una;
    pcb->rexmit_mark = pcb->snd_max;
}
