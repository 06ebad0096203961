// `socketkit serve`'s deployment options: where its listening socket comes from (a predecessor over
// --handover, systemd's LISTEN_FDS, or its own bind), the PROXY protocol behind a balancer, and the seamless
// restart. Options and help only: src/deploy decides (activateServer, offerHandover, ProxyProtocolMixIn).

import { ProxyProtocol } from "../deploy/proxy-protocol.js";
import { UsageError } from "./messages.js";

export const deploymentHelp = `  --proxy-protocol  expect a PROXY protocol header (v1 or v2) on each connection, as HAProxy's send-proxy(-v2) sends
  --proxy-trust     balancers allowed to send one: addresses or CIDR blocks, comma-separated (default 127.0.0.1,::1)
  --handover PATH   seamless restart: take the listener from the server offering it on the Unix socket PATH (if any),
                    and offer ours there; SIGUSR2 starts a successor with the same arguments, which takes it over.
                    Only this user (or root) can give or take it: PATH is mode 0600, and its directory (and those
                    above) must not be writable by others
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
