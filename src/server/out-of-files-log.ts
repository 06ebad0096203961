// The one line a stream server logs when accept() meets the open-file limit (EMFILE, ENFILE), at most once per
// interval while it keeps meeting it. The connection stays in the kernel's accept queue and BaseServer's loop
// backs off and retries; without this line nothing would say why new clients wait.

import { E, OSError } from "../socket/errors.js";
import { deadlineFor, hasPassed, type Deadline } from "../socket/timeout.js";
import { limitMetBy } from "./open-file-limit.js";
import { outOfFilesChannel } from "./server-channels.js";

/** Counts accept() calls that met the open-file limit and logs them, rate-limited. */
export class OutOfFilesLog {
  /** accept() calls that met EMFILE or ENFILE. */
  count = 0;
  private quietUntil: Deadline = null;

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

  /** Notes a failed accept(): counted, published and (once per interval) logged if it met the open-file limit. */
  note(err: unknown, open: number): void {
    if (!(err instanceof OSError) || (err.errno !== E.EMFILE && err.errno !== E.ENFILE)) return;
    this.count++;
    const limit = limitMetBy(err.errno);
    if (outOfFilesChannel.hasSubscribers) {
      outOfFilesChannel.publish({ server: this.server, errno: err.errno, open, limit: limit.value, total: this.count });
    }
    if (this.quietUntil !== null && !hasPassed(this.quietUntil)) return;
    this.quietUntil = deadlineFor(this.interval());
    const what = err.errno === E.ENFILE ? "too many open files in the system" : "too many open files";
    this.log(
      `${what}: ${open} connections open, limit ${limit.value ?? "unknown"} ` +
        `(${limit.name}; ${this.count} failed accept${this.count === 1 ? "" : "s"} so far)`,
    );
  }
}
