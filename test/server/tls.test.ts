// TLS on socketkit connections through node:tls and Socket.asStream(): an echo server on ThreadingTCPServer whose
// handler wraps its request in a tls.TLSSocket, against a node:tls client and openssl s_client; and a socketkit
// client speaking TLS with tls.connect({ socket }).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import * as tls from "node:tls";
import { after, before, test } from "node:test";
import { BaseRequestHandler, createConnection, ThreadingTCPServer } from "../../src/index.js";
import { makeTestCert, type TestCert } from "../helpers/tls-cert.js";
import { waitFor, within } from "../helpers/wait.js";

// The certificate is made with openssl at test time; CI installs it (.ci/run), elsewhere the tests skip without it.
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
const skip = !hasOpenssl && "openssl is not installed";
let cert: TestCert;
let server: ThreadingTCPServer;
let serving: Promise<void>;
let handled = 0;

/** Echoes whatever the TLS client sends, decrypted and encrypted again, until the client ends. */
class TlsEchoHandler extends BaseRequestHandler {
  override async handle(): Promise<void> {
    const secure = new tls.TLSSocket(this.request.asStream(), { isServer: true, key: cert.key, cert: cert.cert });
    secure.on("data", (data: Buffer) => secure.write(data));
    secure.on("end", () => secure.end());
    secure.on("error", () => secure.destroy());
    await once(secure, "close");
    handled++;
  }
}

before(() => {
  if (!hasOpenssl) return;
  cert = makeTestCert();
  server = new ThreadingTCPServer(["127.0.0.1", 0], TlsEchoHandler);
  serving = server.serveForever();
});

after(async () => {
  if (!hasOpenssl) return;
  await server.shutdown();
  await serving;
  await server.serverClose();
});

test("a node:tls client talks to the TLS echo server on ThreadingTCPServer", { skip }, async () => {
  const [host, port] = server.serverAddress;
  const client = tls.connect({ host, port, ca: cert.cert, servername: "localhost" });
  try {
    await within(10000, "the handshake", once(client, "secureConnect"));
    assert.ok(client.authorized, String(client.authorizationError));
    client.write("hello over tls\n");
    const [echo] = (await within(10000, "the echo", once(client, "data"))) as [Buffer];
    assert.equal(echo.toString(), "hello over tls\n");
    const before = handled;
    client.end();
    await within(10000, "the server's close", once(client, "end"));
    await waitFor("the handler to finish", () => (handled > before ? true : undefined));
  } finally {
    client.destroy();
  }
});

test("openssl s_client talks to the same server", { skip }, async () => {
  const [host, port] = server.serverAddress;
  const child = spawn("openssl", ["s_client", "-connect", `${host}:${port}`, "-quiet", "-verify_quiet"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  try {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stdin.write("ping from openssl\n");
    await waitFor("openssl to print the echo", () => (out.includes("ping from openssl") ? true : undefined), 15000);
    child.stdin.end();
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await within(10000, "openssl to exit", once(child, "close"));
  }
});

test("a socketkit client speaks TLS with tls.connect({ socket: sock.asStream() })", { skip }, async () => {
  const nodeServer = tls.createServer({ key: cert.key, cert: cert.cert }, (s) => s.pipe(s));
  nodeServer.listen(0, "127.0.0.1");
  await once(nodeServer, "listening");
  const { port } = nodeServer.address() as { port: number };
  const sock = await createConnection(["127.0.0.1", port]);
  const client = tls.connect({ socket: sock.asStream(), ca: cert.cert, servername: "localhost" });
  try {
    await within(10000, "the handshake", once(client, "secureConnect"));
    client.write("round trip");
    const [echo] = (await within(10000, "the echo", once(client, "data"))) as [Buffer];
    assert.equal(echo.toString(), "round trip");
    client.end();
    await within(10000, "'close'", once(client, "close"));
    await waitFor("the socket to close with its stream", () => (sock.closed ? true : undefined));
  } finally {
    client.destroy();
    sock.close();
    nodeServer.close();
  }
});
