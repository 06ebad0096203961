// `socketkit serve`'s deployment options: where its listening socket comes from (a predecessor over
// --handover, systemd's LISTEN_FDS, or its own bind), the PROXY protocol behind a balancer, and the seamless
// restart (SIGUSR2 starts a successor, which takes the listener; this process then drains and exits).

import { spawn } from "node:child_process";
import { thisProgramAgain } from "../process/relaunch.js";
import { drainRequests, offerListener, requestListener } from "../deploy/handover.js";
import { ProxyProtocol } from "../deploy/proxy-protocol.js";
import { listenFds } from "../deploy/socket-activation.js";
import type { TCPServer } from "../server/tcp-server.js";
import type { Socket } from "../socket/socket.js";
import { UsageError } from "./messages.js";

export const deploymentHelp = `  --proxy-protocol  expect a PROXY protocol header (v1 or v2) on each connection, as HAProxy's send-proxy(-v2) sends
  --proxy-trust     balancers allowed to send one: addresses or CIDR blocks, comma-separated (default 127.0.0.1,::1)
  --handover PATH   seamless restart: take the listener from the server offering it on the Unix socket PATH (if any),
                    and offer ours there; SIGUSR2 starts a successor with the same arguments, which takes it over
A socket passed by systemd (LISTEN_FDS/LISTEN_PID, socket activation) is used instead of --host/--port.`;

export const deploymentOptions = {
  "proxy-protocol": { type: "boolean" },
  "proxy-trust": { type: "string", default: "127.0.0.1,::1" },
  handover: { type: "string" },
} as const;

/** The PROXY protocol policy for --proxy-protocol, or null. @throws UsageError naming --proxy-trust. */
export function proxyProtocolOption(
  enabled: boolean | undefined,
  trust: string,
  log: (line: string) => void,
): ProxyProtocol | null {
  if (!enabled) return null;
  try {
    return new ProxyProtocol({ trusted: trust.split(",").filter((s) => s !== ""), log });
  } catch (err) {
    throw new UsageError(`--proxy-trust: ${(err as Error).message}`);
  }
}

/** A listener this process did not bind, and how to tell its giver that we serve on it. */
export interface InheritedListener {
  listener: Socket;
  from: string;
  confirm: () => Promise<void>;
}

/** The predecessor's listener (--handover), else systemd's, else null: bind one. */
export async function inheritListener(handover: string | undefined): Promise<InheritedListener | null> {
  if (handover !== undefined) {
    const received = await requestListener(handover);
    if (received !== null)
      return { listener: received.listener, from: `pid ${received.predecessorPid}`, confirm: received.confirm };
  }
  const [activated, ...others] = listenFds();
  for (const { socket } of others) socket.close();
  if (activated === undefined) return null;
  return { listener: activated.socket, from: `systemd (LISTEN_FDS, ${activated.name})`, confirm: async () => {} };
}

/** Starts this very command again, detached, with the same output: the successor SIGUSR2 asks for. */
function startSuccessor(log: (line: string) => void): void {
  const again = thisProgramAgain();
  const child = spawn(again.command, again.args, {
    stdio: "inherit",
    detached: true,
  });
  child.on("error", (err) => log(`hand-over: could not start a successor: ${err.message}`));
  log(`hand-over: SIGUSR2: started successor pid ${child.pid}`);
  child.unref();
}

/**
 * Offers the server's listener on `path` and starts a successor on SIGUSR2. Once one took over: stop accepting,
 * close our copy of the listener, let running requests finish (at most `graceMs`), then `stop()`.
 * @returns a function that withdraws the offer (for a stop that is not a hand-over).
 */
export function offerHandover(
  server: TCPServer,
  path: string,
  graceMs: number,
  log: (line: string) => void,
  stop: () => void,
): () => void {
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
        await drainRequests(server, graceMs);
        stop();
      })();
    },
  });
  return () => {
    process.off("SIGUSR2", onUsr2);
    withdraw();
  };
}
