// ProxyProtocolMixIn: a stream server behind a balancer reads each connection's PROXY protocol header before
// verifyRequest() and the handler see the connection, so that both get the original client's address. As
// CPython's mix-ins do, it replaces one seam: admitRequest(), between taking a connection and verifying it.

import type { TCPServerClass } from "../server/index.js";
import { readSetting, withSettings } from "../server/settings.js";
import type { Address } from "../socket/address.js";
import type { Socket } from "../socket/socket.js";
import { ProxyProtocol } from "./proxy-protocol.js";

/** What ProxyProtocolMixIn adds to a server's instances. */
export interface ProxyProtocolServer {
  /** The policy: which balancers may send a header, how long and how large it may be. */
  proxyProtocol: ProxyProtocol;
  /** Connections whose header is being read as their own task (beside the accept loop): a drain waits for them. */
  readonly pendingHeaders: ReadonlySet<Promise<void>>;
}

/** What ProxyProtocolMixIn adds to a server class: the instances' members, and its setting as a static. */
export type ProxyProtocolServerClass<T extends TCPServerClass> = T &
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires a mixin's constructor to take ...any[]
  (abstract new (...args: any[]) => ProxyProtocolServer) & { proxyProtocol: ProxyProtocol };

/** The default policy: a balancer on this machine (127.0.0.1 or ::1) may send a header. */
const LOCAL_BALANCER = new ProxyProtocol({ trusted: ["127.0.0.1", "::1"] });

/**
 * Mixes the PROXY protocol (versions 1 and 2) into a stream server class: every connection must start with a
 * header from a trusted balancer, read exactly (the connection's own bytes stay for the handler); then
 * verifyRequest() and the handler get the client the header names. A connection from an untrusted peer, or with
 * a bad, slow or oversized header, is closed with one log line and reaches no handler. The setting
 * `proxyProtocol` (a static, or an instance's own value) is the policy; by default a balancer on this machine is
 * trusted. With ThreadingMixIn or ForkingMixIn in the class, each header is read as its own task, so a slow
 * balancer holds up no other connection.
 * @example
 * class Backend extends ProxyProtocolMixIn(ThreadingTCPServer) {
 *   static override proxyProtocol = new ProxyProtocol({ trusted: ["10.0.0.0/8"], timeout: 3 });
 * }
 */
export function ProxyProtocolMixIn<T extends TCPServerClass>(Base: T): ProxyProtocolServerClass<T> {
  abstract class ProxyProtocolServer extends Base {
    static proxyProtocol: ProxyProtocol = LOCAL_BALANCER;
    readonly pendingHeaders = new Set<Promise<void>>();

    /** The header first: verifyRequest() and the handler see the original client. */
    protected override admitRequest(request: unknown, clientAddress: Address): Promise<void> {
      return readSetting<ProxyProtocol>(this, "proxyProtocol").admitConnection(request as Socket, clientAddress, {
        inline: this.requestsRunInline,
        pending: this.pendingHeaders,
        admit: (address) => super.admitRequest(request, address),
        refuse: () => this.shutdownRequest(request),
        fail: (err) => {
          this.reportError(request, clientAddress, err);
          this.shutdownRequest(request);
        },
      });
    }
  }
  return withSettings(ProxyProtocolServer, ["proxyProtocol"]);
}
