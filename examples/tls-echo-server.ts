// A TLS echo server on socketkit's ThreadingTCPServer: each request's socket becomes a Node stream (asStream()),
// and node:tls speaks TLS over it. Run (with a key and certificate, for instance a throw-away one):
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem \
//     -days 1 -subj /CN=localhost
//   TLS_KEY=key.pem TLS_CERT=cert.pem npx tsx examples/tls-echo-server.ts
//   openssl s_client -connect localhost:12346 -quiet      (then type lines; each comes back)
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { TLSSocket } from "node:tls";
import { BaseRequestHandler, ThreadingTCPServer } from "socketkit";

const key = readFileSync(process.env.TLS_KEY ?? "key.pem");
const cert = readFileSync(process.env.TLS_CERT ?? "cert.pem");

class TlsEchoHandler extends BaseRequestHandler {
  override async handle() {
    const [ip, port] = this.clientAddress;
    // The stream owns the socket from here: destroying it (as TLSSocket does when the session ends) closes it.
    const secure = new TLSSocket(this.request.asStream(), { isServer: true, key, cert });
    secure.on("secure", () => console.log(`client ${ip}:${port} connected over ${secure.getProtocol()}`));
    secure.on("data", (line: Buffer) => secure.write(line));
    secure.on("end", () => secure.end());
    secure.on("error", (err: Error) => console.log(`client ${ip}:${port}: ${err.message}`));
    await once(secure, "close");
    console.log(`client ${ip}:${port} disconnected`);
  }
}

const server = new ThreadingTCPServer(["localhost", Number(process.env.PORT ?? 12346)], TlsEchoHandler);
console.log("serving TLS on", server.serverAddress);
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
await server.serveForever({ signal: stop.signal });
await server.serverClose();
