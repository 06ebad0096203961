// Retransmission schedules of the handshake: the client's SYN (tcp_retransmit_timer(), tcp_write_timeout()) and the
// listener's SYN-ACK (reqsk_timer_handler()), as Linux 6.x times them.

/** TCP_TIMEOUT_INIT: the initial retransmission timeout, 1 s. */
export const INITIAL_RTO_MS = 1000;

/** TCP_RTO_MAX: no retransmission timeout grows beyond 120 s. */
export const MAX_RTO_MS = 120_000;

/**
 * Delay before SYN retransmission number `retry` (1-based). tcp_retransmit_timer() keeps the initial RTO while the
 * SYN's retransmissions so far (total_rto) are at most tcp_syn_linear_timeouts (kernels ≥ 6.5), then doubles it:
 * with 4, the RTOs are 1, 1, 1, 1, 1, 2, 4, … seconds, capped at TCP_RTO_MAX.
 */
export function synRtoMs(retry: number, linearTimeouts: number): number {
  const doublings = Math.max(0, retry - 1 - linearTimeouts);
  return Math.min(MAX_RTO_MS, INITIAL_RTO_MS * 2 ** doublings);
}

/**
 * tcp_model_timeout(): how long `boundary` retransmissions take with plain exponential backoff from the initial
 * RTO — (2^(boundary+1) − 1) s up to the cap, then TCP_RTO_MAX each. retransmits_timed_out() ends a SYN-SENT socket
 * once this much time has passed since its first SYN, whatever the linear timeouts allowed.
 */
export function modelTimeoutMs(boundary: number): number {
  const threshold = Math.floor(Math.log2(MAX_RTO_MS / INITIAL_RTO_MS));
  if (boundary <= threshold) return (2 ** (boundary + 1) - 1) * INITIAL_RTO_MS;
  return (2 ** (threshold + 1) - 1) * INITIAL_RTO_MS + (boundary - threshold) * MAX_RTO_MS;
}

/**
 * tcp_write_timeout() for a SYN-SENT socket, at a retransmission timer: it gives up (ETIMEDOUT) once it has sent
 * tcp_syn_retries + tcp_syn_linear_timeouts retransmissions, or once `elapsedMs` since the first SYN reaches the
 * exponential schedule's time for tcp_syn_retries (so a small tcp_syn_retries ends sooner than the count allows).
 */
export function synGivesUp(retransmitted: number, elapsedMs: number, synRetries: number, linear: number): boolean {
  // The kernel counts whole jiffies; a timer that fires exactly at the bound has reached it (no rounding error).
  return retransmitted >= synRetries + linear || elapsedMs >= modelTimeoutMs(synRetries) - 1e-6;
}

/** Times (ms after the first SYN) of every SYN the client sends, the first included, and when it gives up. */
export function synSchedule(synRetries: number, linearTimeouts: number): { sends: number[]; giveUpAt: number } {
  const sends = [0];
  for (let t = 0; ;) {
    t += synRtoMs(sends.length, linearTimeouts);
    if (synGivesUp(sends.length - 1, t, synRetries, linearTimeouts)) return { sends, giveUpAt: t };
    sends.push(t);
  }
}

/** reqsk_timer_handler(): the SYN-ACK is resent at 1, 2, 4, … s (doubling from the initial RTO). */
export function synackRtoMs(timeouts: number): number {
  return Math.min(MAX_RTO_MS, INITIAL_RTO_MS * 2 ** timeouts);
}
