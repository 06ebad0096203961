// The framework's echo for bench/echo.ts and bench/haproxy.ts: a ThreadingTCPServer whose BaseRequestHandler loops
// recv(65536) and sendall, as a Python programmer would write it; measured against the bare Socket echo
// (socketkit-echo.ts). With PROXY=1 it expects a PROXY protocol header (behind HAProxy's send-proxy-v2).
import {
  BaseRequestHandler,
  OSError,
  ProxyProtocol,
  ProxyProtocolMixIn,
  ThreadingTCPServer,
  type Socket,
} from "../../dist/index.js";

class EchoHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    try {
      for (;;) {
        const data = await this.request.recv(65536);
        if (data.length === 0) break;
        await this.request.sendall(data);
      }
    } catch (err) {
      // A client that resets is the load generator going away; anything else is a bug worth seeing.
      if (!(err instanceof OSError)) throw err;
    }
  }
}

class EchoServer extends ThreadingTCPServer {
  static override requestQueueSize = 4096;
  static override allowReuseAddress = true;
}

class ProxiedEchoServer extends ProxyProtocolMixIn(EchoServer) {
  static override proxyProtocol = new ProxyProtocol({ trusted: ["127.0.0.1"] });
}

// Exit normally on SIGTERM so that --cpu-prof and other exit-time reports get written.
process.on("SIGTERM", () => process.exit(0));
const server = new (process.env.PROXY === "1" ? ProxiedEchoServer : EchoServer)(["127.0.0.1", 0], EchoHandler);
process.stdout.write(`${server.serverAddress[1]}\n`);
await server.serveForever();
