// The one line a stream server logs when accept() meets the open-file limit (EMFILE, ENFILE), at most once per
// interval while it keeps meeting it. The connection stays in the kernel's accept queue and BaseServer's loop
// backs off and retries; without this line nothing would say why new clients wait.

import { E, OSError } from "../socket/errors.js";
import { deadlineFor, hasPassed, msLeft, type Deadline } from "../socket/timeout.js";
import { limitMetBy } from "./open-file-limit.js";
import { outOfFilesChannel } from "./server-channels.js";

/** The last failed accept() not logged yet: what the line written for it at the end of the interval states. */
interface Unlogged {
  errno: number;
  open: number;
}

/** Counts accept() calls that met the open-file limit and logs them, rate-limited. */
export class OutOfFilesLog {
  /** accept() calls that met EMFILE (the process's limit). */
  emfile = 0;
  /** accept() calls that met ENFILE (the system's limit). */
  enfile = 0;
  private quietUntil: Deadline = null;
  private unlogged: Unlogged | null = null;
  private trailing: NodeJS.Timeout | null = null;

  /**
   * @param server what the channel's messages name
   * @param interval reads the server's outOfFilesLogInterval (seconds between two lines)
   * @param log where the line goes
   */
  constructor(
    private readonly server: object,
    private readonly interval: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** accept() calls that met either limit. */
  get count(): number {
    return this.emfile + this.enfile;
  }

  /** Notes a failed accept(): counted, published and (once per interval) logged if it met the open-file limit. */
  note(err: unknown, open: number): void {
    if (!(err instanceof OSError) || (err.errno !== E.EMFILE && err.errno !== E.ENFILE)) return;
    if (err.errno === E.ENFILE) this.enfile++;
    else this.emfile++;
    if (outOfFilesChannel.hasSubscribers) {
      const limit = limitMetBy(err.errno).value;
      outOfFilesChannel.publish({ server: this.server, errno: err.errno, open, limit, total: this.count });
    }
    this.unlogged = { errno: err.errno, open };
    if (this.quietUntil === null || hasPassed(this.quietUntil)) this.write();
    // Failures inside the interval get one line when it ends, so that the log's last line has the whole count
    // even when the failures stopped meanwhile.
    else this.trailing ??= this.atEndOfInterval();
  }

  /** A timer for the end of the quiet interval; unref'd, as a server's own lines never keep a process alive. */
  private atEndOfInterval(): NodeJS.Timeout {
    return setTimeout(
      () => {
        this.trailing = null;
        if (this.unlogged === null) return;
        // A timer may fire a little early by performance.now(): wait out the rest.
        if (!hasPassed(this.quietUntil)) this.trailing = this.atEndOfInterval();
        else this.write();
      },
      msLeft(this.quietUntil) + 1,
    ).unref();
  }

  private write(): void {
    const { errno, open } = this.unlogged!;
    this.unlogged = null;
    this.quietUntil = deadlineFor(this.interval());
    const limit = limitMetBy(errno);
    const what = errno === E.ENFILE ? "too many open files in the system" : "too many open files";
    this.log(
      `${what}: ${open} connections open, limit ${limit.value ?? "unknown"} ` +
        `(${limit.name}; ${this.count} failed accept${this.count === 1 ? "" : "s"} so far)`,
    );
  }
}
