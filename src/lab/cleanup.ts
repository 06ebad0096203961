// What a run opened — sockets, delay lines, samplers — closed when the run ends, however it ends: the one `finally`
// every experiment's run would otherwise write out, and that a run failing half-way must not skip.

/** Anything a run opens and must close: a Socket, a DelayLine. */
interface Closable {
  close(): void;
}

/** The steps that undo what a run opened, run last-opened first. */
export class Cleanup {
  private readonly steps: Array<() => void> = [];

  /** Closes `thing` when the run ends; returns it, so that a run opens and registers in one expression. */
  add<T extends Closable>(thing: T): T {
    this.steps.push(() => thing.close());
    return thing;
  }

  /** Calls `step` when the run ends (a sampler to stop, a list of sockets accepted on the way). */
  defer(step: () => void): void {
    this.steps.push(step);
  }

  /** Runs every step, the last one added first. */
  run(): void {
    for (const step of this.steps.splice(0).reverse()) step();
  }
}

/** Calls `body` with a Cleanup and runs the cleanup once `body` has settled, resolved or rejected. */
export async function withCleanup<T>(body: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  try {
    return await body(cleanup);
  } finally {
    cleanup.run();
  }
}
