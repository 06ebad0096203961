// socketkit's deployment module, above the socketserver port (socketkit/server): what running a server in
// production takes, each piece built on the server's own seams — useSocket() for a listening socket made
// elsewhere, admitRequest() for what must happen before verifyRequest().
//
//   where the listener comes from   activateServer(): a WorkerGroup's, a predecessor's (requestListener), one
//                                   from systemd (listenFds), or the server's own bind
//   many processes on one port      WorkerGroup, runWorkerGroup, joinWorkerGroup (`socketkit serve --workers N`)
//   restarting without a refusal    offerListener/requestListener, offerHandover (SIGUSR2), drainRequests; only
//                                   between processes of one user, on a path only it can write (handover-trust.ts)
//   stopping                        ConnectionSet and stopGracefully: a grace period, then the rest closed
//   behind a balancer               ProxyProtocolMixIn(Server) with a ProxyProtocol policy; the header parser
//
// docs/deployment.md shows each with HAProxy and systemd.

// Node's types for this entry point's published declarations (why: see src/index.ts).
/// <reference types="node" preserve="true" />

export { drainRequests, type Drainable } from "./drain.js";
export { ConnectionSet, stopGracefully } from "./graceful-stop.js";
export { requestListener, type ReceivedListener } from "./handover.js";
export { offerListener, type OfferOptions } from "./handover-offer.js";
export { HandoverRefusedError, type ExpectedListener } from "./handover-trust.js";
export { activateServer, type ListenerOrigin, type ListenerSource } from "./listener-origin.js";
export { buildProxyHeader, ProxyHeaderError, type ProxyHeader } from "./proxy-header.js";
export { ProxyProtocol, readProxyHeader, type Admission, type ProxyProtocolOptions } from "./proxy-protocol.js";
export { ProxyProtocolMixIn, type ProxyProtocolServer, type ProxyProtocolServerClass } from "./proxy-protocol-mixin.js";
export { offerHandover, type HandoverOptions } from "./seamless-restart.js";
export { adoptListener, listenFds, LISTEN_FDS_START, type ActivatedSocket } from "./socket-activation.js";
export {
  WorkerGroup,
  isGroupWorker,
  joinWorkerGroup,
  runWorkerGroup,
  workerTag,
  type ShareMode,
  type WorkerGroupOptions,
  type WorkerReport,
} from "./worker-group.js";
