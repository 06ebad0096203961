// The seamless restart of a running server: it offers its listener on a Unix socket (handover.ts), and SIGUSR2
// starts a successor — this very program again — that takes the listener over; this process then stops
// accepting, lets its running requests finish within a grace period, and stops.

import { spawn } from "node:child_process";
import { thisProgramAgain } from "../process/relaunch.js";
import type { TCPServer } from "../server/tcp-server.js";
import { drainRequests, type Drainable } from "./drain.js";
import { offerListener } from "./handover-offer.js";

/** What offerHandover() needs besides the server and the path. */
export interface HandoverOptions {
  /** How long (ms) running requests may take to finish once a successor took over. */
  graceMs: number;
  /** Where the hand-over's lines go. */
  log: (line: string) => void;
  /** Called once this process has handed over and drained: stop it (its serveForever() has returned). */
  onDrained: () => void;
}

/** Starts this very command again, detached, with the same output: the successor SIGUSR2 asks for. */
function startSuccessor(log: (line: string) => void): void {
  const again = thisProgramAgain();
  const child = spawn(again.command, again.args, { stdio: "inherit", detached: true });
  child.on("error", (err) => log(`hand-over: could not start a successor: ${err.message}`));
  log(`hand-over: SIGUSR2: started successor pid ${child.pid}`);
  child.unref();
}

/**
 * Offers the server's listener on `path` and starts a successor on SIGUSR2. Once one took over: stop accepting,
 * close our copy of the listener, let running requests finish (at most `graceMs`), then `onDrained()`.
 * @returns a function that withdraws the offer (for a stop that is not a hand-over).
 */
export function offerHandover(server: TCPServer & Drainable, path: string, options: HandoverOptions): () => void {
  const { log } = options;
  const onUsr2 = () => startSuccessor(log);
  process.on("SIGUSR2", onUsr2);
  const withdraw = offerListener(path, server.socket, {
    log,
    onHandedOver: (pid) => {
      process.off("SIGUSR2", onUsr2);
      void (async () => {
        await server.shutdown();
        server.socket.close();
        log(`hand-over: pid ${pid} serves the listener now; draining this process's connections (pid ${process.pid})`);
        await drainRequests(server, options.graceMs);
        options.onDrained();
      })();
    },
  });
  return () => {
    process.off("SIGUSR2", onUsr2);
    withdraw();
  };
}
