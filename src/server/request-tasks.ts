// The tasks of a ThreadingMixIn server: each request starts as its own task, a few per turn of the event loop,
// and those that serverClose() (or a hand-over's drain) must wait for are tracked until they end.

/** How many requests start per turn of the event loop when many arrive at once. */
const START_BATCH = 16;

/** Requests started as tasks, and the set of those still running that a server waits for. */
export class RequestTasks {
  /** Tracked requests not yet finished, waiting to start included. */
  readonly running = new Set<Promise<void>>();
  /** Requests taken but not started yet, oldest first. */
  private readonly starting: Array<() => void> = [];

  /**
   * Starts `run` soon as its own task. With `track`, the request is in `running` from now on, not from when it
   * starts: serverClose() and a hand-over's drain must wait for a request still in the start queue too.
   */
  start(run: () => Promise<void>, track: boolean): void {
    if (!track) return this.startSoon(() => void run());
    let finished!: () => void;
    const task = new Promise<void>((resolve) => (finished = resolve));
    this.running.add(task);
    this.startSoon(() => {
      const done = () => {
        this.running.delete(task);
        finished();
      };
      run().then(done, done);
    });
  }

  /**
   * Starts requests a few per turn of the event loop, never inside serveForever's own turn: under a burst the
   * loop first takes every connection the kernel has queued, and gets a turn again between batches of starts,
   * so the accept queue drains as fast as it fills.
   */
  private startSoon(start: () => void): void {
    this.starting.push(start);
    if (this.starting.length > 1) return;
    const batch = () => {
      for (const run of this.starting.splice(0, START_BATCH)) run();
      if (this.starting.length > 0) setImmediate(batch);
    };
    setImmediate(batch);
  }
}
