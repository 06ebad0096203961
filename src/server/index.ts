// socketkit's server module: Python's socketserver for TypeScript, over socketkit's kernel sockets.
//
// A server is chosen along three axes: the address family (AF_INET/AF_INET6 or AF_UNIX), the socket type
// (stream or datagram) and the concurrency (one request at a time, or each request as its own task):
//
//        +------------+
//        | BaseServer |
//        +------------+
//              |
//              v
//        +-----------+        +------------------+
//        | TCPServer |------->| UnixStreamServer |
//        +-----------+        +------------------+
//              |
//              v
//        +-----------+        +--------------------+
//        | UDPServer |------->| UnixDatagramServer |
//        +-----------+        +--------------------+
//
// ThreadingMixIn(Server) runs each request as a concurrent task; ThreadingTCPServer, ThreadingUDPServer,
// ThreadingUnixStreamServer and ThreadingUnixDatagramServer are the ready-made combinations. Node runs
// JavaScript on one thread, so "threading" here means tasks: a handler that awaits I/O or a timer never holds
// up another, but one that spins the CPU or blocks its thread does. ForkingMixIn(Server) and the four
// Forking*Server classes handle each request in another process instead: a pool of workers running the same
// program (the main module runs again there, as in node:cluster), each handed one request at a time over a Unix
// socket, the connection itself passed with SCM_RIGHTS. That costs a process start per worker (not per request)
// and buys isolation and every core; each forking server is known to its workers by its forkingKey, and the
// machinery lives in workers/. Without a mixin a server handles one request at a time, as Python's plain
// servers do.
//
// A handler class says what to do with each request: subclass BaseRequestHandler (request, clientAddress,
// server) and override handle(), or use StreamRequestHandler (rfile/wfile over a connection) or
// DatagramRequestHandler (packet in, wfile out). Settings are class statics with Python's defaults
// (requestQueueSize = 5, allowReuseAddress = false, timeout = null, maxPacketSize = 8192, …), installed by one
// mechanism (settings.ts) so that an instance's own value, set before serving, overrides the class's.
//
// A server serves on the socket its constructor made, or on one made elsewhere: useSocket(listener) is the one
// seam for that (Python assigns server.socket); admitRequest() is the one between taking a request and
// verifying it. Deployment — worker groups, hand-over, systemd activation, graceful stop, the PROXY protocol —
// is a layer above this one, built on those two seams: socketkit/deploy (docs/deployment.md).
//
// Beyond Python, stream servers have connection limits (connection-limits.ts): idleTimeout and maxConnections, off
// by default, and a rate-limited line when accept() meets the open-file limit; each event is a logMessage() line,
// a count in connectionStats and a message on a diagnostics channel (connectionChannels).

// Node's types for this entry point's published declarations (why: see src/index.ts).
/// <reference types="node" preserve="true" />

export { BaseServer, type RequestHandlerClass } from "./base-server.js";
export { TCPServer, UnixStreamServer } from "./tcp-server.js";
export { UDPServer, UnixDatagramServer } from "./udp-server.js";
export {
  ThreadingMixIn,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
  type ServerClass,
  type ThreadingServer,
  type ThreadingServerClass,
} from "./threading.js";
export {
  BaseRequestHandler,
  DatagramRequestHandler,
  StreamRequestHandler,
  type DatagramRequest,
  type InetAddress,
} from "./request-handlers.js";
export {
  ForkingMixIn,
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixDatagramServer,
  ForkingUnixStreamServer,
  WorkerExitError,
  type ForkingServer,
  type ForkingServerClass,
  type TCPServerClass,
} from "./forking.js";
export { isWorkerProcess } from "./workers/role.js";
export { RuntimeError } from "./runtime-error.js";
export type { ConnectionStats } from "./connection-limits.js";
export {
  connectionChannels,
  type IdleCloseMessage,
  type OutOfFilesMessage,
  type RefuseMessage,
} from "./server-channels.js";
