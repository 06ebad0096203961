// Continuous connect load for deployment tests: new clients at a steady pace, each doing connect → one message →
// its reply → close, every outcome classified (answered by whom, refused, reset, closed without a reply, timed
// out). Bounded in count and in time, whatever happens.

import net from "node:net";

export interface Outcome {
  /** When the client started (performance.now()), its local port, and how it ended. */
  start: number;
  end: number;
  localPort: number;
  result: "answered" | "refused" | "reset" | "closed" | "timeout" | "error";
  /** The reply with the message removed: the server's reply prefix, which tells instances apart. */
  prefix: string;
  error?: string;
}

export interface LoadOptions {
  port: number;
  /** New clients per second the generator aims at. */
  rate: number;
  /** Stops starting clients after this many… */
  maxClients: number;
  /** …or after this many milliseconds, whichever comes first. */
  maxMs: number;
  /** Clients in flight at most (the generator falls behind its pace rather than exceed it). */
  maxInFlight?: number;
  /** Per-client bound on the whole exchange, ms. */
  clientTimeoutMs?: number;
}

export interface Load {
  outcomes: Outcome[];
  /** Resolves once every started client ended. */
  done: Promise<Outcome[]>;
  /** Stops starting new clients. */
  stop(): void;
  started(): number;
}

const MESSAGE = "ping\n";

function oneClient(port: number, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const start = performance.now();
    const sock = net.connect({ port, host: "127.0.0.1", noDelay: true });
    let reply = "";
    let localPort = 0;
    let settled = false;
    const finish = (result: Outcome["result"], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const prefix = result === "answered" ? reply.slice(0, reply.length - MESSAGE.length) : "";
      resolve({ start, end: performance.now(), localPort, result, prefix, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    sock.setEncoding("utf8");
    sock.on("connect", () => {
      localPort = sock.localPort ?? 0;
      sock.write(MESSAGE);
    });
    sock.on("data", (d: string) => {
      reply += d;
      if (reply.endsWith(MESSAGE)) finish("answered");
    });
    sock.on("end", () => finish("closed"));
    sock.on("close", () => finish("closed"));
    sock.on("error", (err: NodeJS.ErrnoException) => {
      const kind =
        err.code === "ECONNREFUSED" ? "refused" : err.code === "ECONNRESET" || err.code === "EPIPE" ? "reset" : "error";
      finish(kind, err.code ?? err.message);
    });
  });
}

/** Starts clients at `rate` per second until `maxClients` or `maxMs`, or stop(). */
export function connectLoad(options: LoadOptions): Load {
  const { port, rate, maxClients, maxMs } = options;
  const maxInFlight = options.maxInFlight ?? 64;
  const timeoutMs = options.clientTimeoutMs ?? 10000;
  const outcomes: Outcome[] = [];
  const running = new Set<Promise<void>>();
  const begin = performance.now();
  let started = 0;
  let stopped = false;
  let finished!: () => void;
  const ended = new Promise<void>((r) => (finished = r));
  const tick = setInterval(() => {
    const due = Math.min(maxClients, Math.floor(((performance.now() - begin) / 1000) * rate));
    if (stopped || started >= maxClients || performance.now() - begin > maxMs) {
      clearInterval(tick);
      finished();
      return;
    }
    while (started < due && running.size < maxInFlight) {
      started++;
      const p = oneClient(port, timeoutMs).then((o) => {
        outcomes.push(o);
        running.delete(p);
      });
      running.add(p);
    }
  }, 5);
  const done = ended.then(async () => {
    while (running.size > 0) await Promise.all([...running]);
    return outcomes;
  });
  return { outcomes, done, stop: () => (stopped = true), started: () => started };
}

/** Counts of each result, and of answers per reply prefix. */
export function summarize(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.result === "answered" ? `answered ${JSON.stringify(o.prefix)}` : o.result;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
