// A one-way latch for the server loop (Python's threading.Event): BaseServer's "is shut down" signal, which
// shutdown() waits on until serveForever() has returned.

/** A one-way latch, as Python's threading.Event: wait() resolves once set() was called. */
export class Latch {
  isSet = false;
  private release!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.release = resolve));

  set(): void {
    this.isSet = true;
    this.release();
  }

  wait(): Promise<void> {
    return this.done;
  }
}
