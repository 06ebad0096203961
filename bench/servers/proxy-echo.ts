// The framework's echo for bench/haproxy.ts: bench/servers/framework-echo.ts's server, with the PROXY protocol
// setting on when PROXY=1 (behind HAProxy's send-proxy-v2) and off for direct connections.
import { BaseRequestHandler, OSError, ProxyProtocol, ThreadingTCPServer, type Socket } from "../../src/index.js";

class EchoHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    try {
      for (;;) {
        const data = await this.request.recv(65536);
        if (data.length === 0) break;
        await this.request.sendall(data);
      }
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
    }
  }
}

class EchoServer extends ThreadingTCPServer {
  static override requestQueueSize = 4096;
  static override allowReuseAddress = true;
  static override proxyProtocol = process.env.PROXY === "1" ? new ProxyProtocol({ trusted: ["127.0.0.1"] }) : null;
}

process.on("SIGTERM", () => process.exit(0));
const server = new EchoServer(["127.0.0.1", 0], EchoHandler);
process.stdout.write(`${(server.serverAddress as [string, number])[1]}\n`);
await server.serveForever();
