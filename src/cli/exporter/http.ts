// The HTTP side of `socketkit exporter`, on node:http: GET or HEAD /metrics in the format the scraper asked for,
// a small page at /, 404 elsewhere, 405 with Allow for other methods, and time limits that close a client too
// slow to send its request (a slowloris) while everyone else is served. The metrics themselves are metrics.ts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { snapshotListeners } from "../../kernel/listener-snapshot.js";
import { CONTENT_TYPES, exposition } from "./metrics.js";
import { wantsOpenMetrics } from "./negotiate.js";

/** Where the exporter serves and what it reads. */
export interface ExporterOptions {
  host: string;
  port: number;
  /** Only the listeners on these ports (every listener when empty). */
  ports: readonly number[];
  /** A request's headers must arrive within this (default 5000 ms)… */
  headersTimeoutMs?: number;
  /** …and the whole request within this (default 10000 ms); then the client gets 408 and is closed. */
  requestTimeoutMs?: number;
}

/** A running exporter. */
export interface Exporter {
  server: Server;
  address: AddressInfo;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const LANDING = `<!doctype html><title>socketkit exporter</title><h1>socketkit exporter</h1>
<p>Every TCP listener's accept queue, backlog and SYN-RECV, and the kernel's listen-path counters:
<a href="/metrics">/metrics</a>.</p>\n`;

function send(res: ServerResponse, status: number, type: string, body: string, head = false): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

function route(req: IncomingMessage, res: ServerResponse, ports: readonly number[]): void {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/metrics" && path !== "/")
    return send(res, 404, "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "text/plain; charset=utf-8", `${req.method} is not allowed here: use GET or HEAD\n`);
  }
  const head = req.method === "HEAD";
  if (path === "/") return send(res, 200, "text/html; charset=utf-8", LANDING, head);
  const format = wantsOpenMetrics(req.headers.accept) ? "openmetrics" : "text";
  res.setHeader("Vary", "Accept");
  let body: string;
  try {
    // Read now, for this scrape: nothing is kept between scrapes.
    body = exposition(snapshotListeners({ ports, owners: false }), format);
  } catch (err) {
    return send(res, 500, "text/plain; charset=utf-8", `reading the kernel failed: ${String(err)}\n`, head);
  }
  send(res, 200, CONTENT_TYPES[format], body, head);
}

/**
 * Starts the exporter on `host:port` (port 0: the kernel picks) and resolves once it listens.
 * @throws Error (EADDRINUSE, EADDRNOTAVAIL, EACCES, …) when it cannot listen there.
 */
export async function startExporter(o: ExporterOptions): Promise<Exporter> {
  const server = createServer({
    headersTimeout: o.headersTimeoutMs ?? 5000,
    requestTimeout: o.requestTimeoutMs ?? 10000,
    // How often node checks those limits (30 s by default, which would let a slowloris hold on that long).
    connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs ?? 5000),
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => route(req, res, o.ports));
  // No 'clientError' listener on purpose: node's own answers a broken request with 400, a slow one with 408, and
  // closes that connection only.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: o.host, port: o.port }, () => (server.off("error", reject), resolve()));
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, address: server.address() as AddressInfo, close };
}
