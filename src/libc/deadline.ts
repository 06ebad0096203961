// A timer for a deadline any distance away. Node's setTimeout fires after ~1 ms for delays past 2^31-1 ms
// (about 24.8 days) and warns; a long deadline is reached in steps instead.

const LONGEST = 0x7fffffff;

/** A pending deadline; `cancel()` is safe to call more than once. */
export interface DeadlineTimer {
  cancel(): void;
}

/** Calls `fire` once when performance.now() reaches `deadline`. */
export function atDeadline(deadline: number, fire: () => void): DeadlineTimer {
  let timer: NodeJS.Timeout | null = null;
  const step = () => {
    const left = deadline - performance.now();
    if (left <= 0) {
      timer = null;
      fire();
    } else {
      timer = setTimeout(step, Math.min(Math.ceil(left), LONGEST));
    }
  };
  timer = setTimeout(step, Math.min(Math.max(0, Math.ceil(deadline - performance.now())), LONGEST));
  return {
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
