// Retransmission schedules of the handshake.

/** TCP_TIMEOUT_INIT: the initial retransmission timeout, 1 s. */
export const INITIAL_RTO_MS = 1000;

/**
 * Delay before SYN retransmission number `retry` (1-based). tcp_retransmit_timer() keeps the initial RTO for the
 * first tcp_syn_linear_timeouts retransmissions of a SYN (kernels ≥ 6.5), then doubles it: with 4, the RTOs are
 * 1, 1, 1, 1, 1, 2, 4, … seconds.
 */
export function synRtoMs(retry: number, linearTimeouts: number): number {
  const doublings = Math.max(0, retry - 1 - linearTimeouts);
  return INITIAL_RTO_MS * 2 ** doublings;
}

/** Times (ms after the first SYN) of every SYN the client sends, the first included, and when it gives up. */
export function synSchedule(synRetries: number, linearTimeouts: number): { sends: number[]; giveUpAt: number } {
  const sends = [0];
  let t = 0;
  for (let retry = 1; retry <= synRetries; retry++) {
    t += synRtoMs(retry, linearTimeouts);
    sends.push(t);
  }
  return { sends, giveUpAt: t + synRtoMs(synRetries + 1, linearTimeouts) };
}

/** reqsk_timer_handler(): the SYN-ACK is resent at 1, 2, 4, … s (doubling from the initial RTO). */
export function synackRtoMs(timeouts: number): number {
  return INITIAL_RTO_MS * 2 ** timeouts;
}
