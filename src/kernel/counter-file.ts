// The TcpExt counters of one network namespace read again and again through one open file: /proc/thread-self/net/
// netstat opened while the thread was in that namespace keeps showing that namespace's counters, so a sampler reads
// them with one pread — no namespace switch, no open — however often it looks.

import { closeSync, openSync, readSync } from "node:fs";
import { parseCounters, type Counters } from "./counters.js";

/** An open /proc/net/netstat of the namespace the calling thread was in when it was made. */
export class CounterFile {
  private readonly fd: number;
  private buf = Buffer.alloc(16384);

  /** Opens the calling thread's namespace's netstat (call it inside the namespace to watch). */
  constructor() {
    this.fd = openSync("/proc/thread-self/net/netstat", "r");
  }

  /** Every counter of that namespace now ("TcpExt.ListenOverflows", …). */
  read(): Counters {
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      if (n < this.buf.length) return parseCounters(this.buf.toString("latin1", 0, n));
      this.buf = Buffer.alloc(this.buf.length * 2);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
