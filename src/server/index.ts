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
// up another, but one that spins the CPU would (process-based concurrency is the answer to that, and may come
// as a ForkingMixIn). Without the mixin a server handles one request at a time, as Python's plain servers do.
//
// A handler class says what to do with each request: subclass BaseRequestHandler (request, clientAddress,
// server) and override handle(), or use StreamRequestHandler (rfile/wfile over a connection) or
// DatagramRequestHandler (packet in, wfile out). Settings are class statics with Python's defaults
// (requestQueueSize = 5, allowReuseAddress = false, timeout = null, maxPacketSize = 8192, …).
//
// Deployment (docs/deployment.md): the proxyProtocol setting reads a PROXY protocol header before verifyRequest;
// listenFds() and adoptListener() serve on a socket from systemd; requestListener()/offerListener() hand a
// listening socket to a successor process.

export { BaseServer, type RequestHandlerClass } from "./base-server.js";
export { TCPServer, UnixStreamServer } from "./tcp-server.js";
export { UDPServer, UnixDatagramServer } from "./udp-server.js";
export {
  ThreadingMixIn,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
} from "./threading.js";
export { adoptListener, listenFds, LISTEN_FDS_START, type ActivatedSocket } from "./socket-activation.js";
export { drainRequests, offerListener, requestListener, type ReceivedListener } from "./handover.js";
export { ProxyProtocol, ProxyHeaderError, buildProxyHeader, readProxyHeader, type ProxyHeader, type ProxyProtocolOptions } from "./proxy-protocol.js";
export {
  BaseRequestHandler,
  DatagramRequestHandler,
  StreamRequestHandler,
  type DatagramRequest,
  type InetAddress,
} from "./request-handlers.js";
