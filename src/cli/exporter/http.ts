// The HTTP side of `socketkit exporter` and `serve --metrics`, on node:http: GET or HEAD /metrics in the format the
// scraper asked for, a small page at /, 404 elsewhere, 405 with Allow for other methods, and time limits that close
// a client too slow to send its request (a slowloris) while everyone else is served. What /metrics holds is the
// caller's (startMetricsEndpoint's collect); the exporter's is metrics.ts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { snapshotListeners } from "../../kernel/listener-snapshot.js";
import { CONTENT_TYPES, exposition, type Format } from "./metrics.js";
import { wantsOpenMetrics } from "./negotiate.js";
import { hostPort } from "../../socket/repr.js";

/** Where a metrics endpoint serves, and its time limits. */
export interface EndpointOptions {
  host: string;
  port: number;
  /** A request's headers must arrive within this (default 5000 ms)… */
  headersTimeoutMs?: number;
  /** …and the whole request within this (default 10000 ms); then the client gets 408 and is closed. */
  requestTimeoutMs?: number;
}

/** What a metrics endpoint serves. */
export interface EndpointContent {
  /** The page at /. */
  landing: string;
  /** The exposition in `format`, read for this scrape; what it throws (or rejects with) is a 500 after `failure`. */
  collect: (format: Format) => string | Promise<string>;
  /** "reading the kernel failed". */
  failure: string;
}

/** Where the exporter serves and what it reads. */
export interface ExporterOptions extends EndpointOptions {
  /** Only the listeners on these ports (every listener when empty). */
  ports: readonly number[];
}

/** A running metrics endpoint. */
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

function route(req: IncomingMessage, res: ServerResponse, content: EndpointContent): void {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/metrics" && path !== "/")
    return send(res, 404, "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "text/plain; charset=utf-8", `${req.method} is not allowed here: use GET or HEAD\n`);
  }
  const head = req.method === "HEAD";
  if (path === "/") return send(res, 200, "text/html; charset=utf-8", content.landing, head);
  const format = wantsOpenMetrics(req.headers.accept) ? "openmetrics" : "text";
  res.setHeader("Vary", "Accept");
  void Promise.resolve()
    .then(() => content.collect(format))
    .then(
      (body) => send(res, 200, CONTENT_TYPES[format], body, head),
      (err: unknown) => send(res, 500, "text/plain; charset=utf-8", `${content.failure}: ${String(err)}\n`, head),
    );
}

/** The URL of a running endpoint's metrics: `http://127.0.0.1:9464/metrics`, `http://[::1]:9464/metrics`. */
export function metricsUrl({ address, port }: AddressInfo): string {
  return `http://${hostPort(address, port)}/metrics`;
}

/**
 * Starts a metrics endpoint on `host:port` (port 0: the kernel picks) and resolves once it listens.
 * @throws Error (EADDRINUSE, EADDRNOTAVAIL, EACCES, …) when it cannot listen there.
 */
export async function startMetricsEndpoint(o: EndpointOptions, content: EndpointContent): Promise<Exporter> {
  const server = createServer({
    headersTimeout: o.headersTimeoutMs ?? 5000,
    requestTimeout: o.requestTimeoutMs ?? 10000,
    // How often node checks those limits (30 s by default, which would let a slowloris hold on that long).
    connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs ?? 5000),
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => route(req, res, content));
  // No 'clientError' listener on purpose: node's own answers a broken request with 400, a slow one with 408, and
  // closes that connection only.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: o.host, port: o.port }, () => (server.off("error", reject), resolve()));
  });
  // Once listening, the only errors are accept()'s: EMFILE or ENFILE when the process is out of descriptors
  // (libuv then drops the waiting scrapes). Without a listener node would throw them and end the process; the
  // scraper sees a failed scrape, and serving goes on.
  server.on("error", () => {});
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, address: server.address() as AddressInfo, close };
}

/**
 * Starts the exporter on `host:port` (port 0: the kernel picks) and resolves once it listens.
 * @throws Error (EADDRINUSE, EADDRNOTAVAIL, EACCES, …) when it cannot listen there.
 */
export function startExporter(o: ExporterOptions): Promise<Exporter> {
  return startMetricsEndpoint(o, {
    landing: LANDING,
    // Read now, for this scrape: nothing is kept between scrapes.
    collect: (format) => exposition(snapshotListeners({ ports: o.ports, owners: false }), format),
    failure: "reading the kernel failed",
  });
}
