// Python's socket._io_refs: files from makefile() and streams from asStream() keep a socket's fd open after
// close(); the last one to let go closes it.

export class IoRefs {
  private count = 0;
  private closeDeferred = false;

  constructor(private readonly closeNow: () => void) {}

  /** Opens a file or stream with `open`, which is given the release it must call once; counted once it opened. */
  open<T>(open: (release: () => void) => T): T {
    const opened = open(() => this.released());
    this.count++;
    return opened;
  }

  /** Closes the fd now, or when the last file or stream lets go. */
  close(): void {
    if (this.count > 0) this.closeDeferred = true;
    else this.closeNow();
  }

  private released(): void {
    this.count--;
    if (this.count === 0 && this.closeDeferred) this.closeNow();
  }
}
