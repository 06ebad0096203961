// The classic concurrent echo server, as Python's socketserver users write it — on socketkit.
// Run: npx tsx examples/echo-server.ts   (then, in another terminal: npx tsx examples/echo-client.ts)
import { BaseRequestHandler, ThreadingTCPServer } from "socketkit";

class ServiceHandler extends BaseRequestHandler {
  override async handle() {
    const [ip, port] = this.clientAddress;
    console.log(`client ${ip}:${port} connected`);
    for (;;) {
      const msg = await this.request.recv(1024);
      if (msg.length === 0) break;
      console.log(`from ${ip}:${port}: ${msg.toString()}`);
      await this.request.send(Buffer.concat([Buffer.from("服务端收到, 你发的消息是: "), msg]));
    }
    console.log(`client ${ip}:${port} disconnected`);
  }

  override finish() {
    this.request.close();
  }
}

const server = new ThreadingTCPServer(["localhost", Number(process.env.PORT ?? 12345)], ServiceHandler);
console.log("serving on", server.serverAddress);
process.once("SIGINT", () => void server.shutdown());
await server.serveForever();
await server.serverClose();
