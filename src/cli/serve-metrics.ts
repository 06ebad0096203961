// `socketkit serve --metrics [HOST:]PORT`: the serving process's own counters at /metrics — connections open and
// taken, closed for idleness, refused at the cap, accept() meeting the open-file limit — which the kernel-reading
// `socketkit exporter` cannot see. Read from the server's connectionStats at each scrape and served by the
// exporter's endpoint (exporter/http.ts) in its exposition (exporter/metrics.ts).

import { readdirSync } from "node:fs";
import type { Exporter } from "./exporter/http.js";
import { UsageError, type Lang } from "./messages.js";
import type { Family, Format, Type } from "./exporter/metrics.js";
import { parseListen } from "./exporter.js";
import type { ConnectionStats } from "../server/index.js";
import { processFileLimit } from "../server/open-file-limit.js";
import { hostPort } from "../socket/repr.js";
import { deadlineFor, hasPassed } from "../socket/timeout.js";

export const metricsHelp = `  --metrics [HOST:]PORT  serve this server's counters for Prometheus at http://HOST:PORT/metrics (HOST default
                    127.0.0.1, loopback; 0.0.0.0:PORT for every IPv4 interface): connections open and taken, idle
                    closes, refusals at the cap, accept() out of descriptors; with --workers the primary serves
                    each worker's, labelled worker="N"`;

export const metricsOptions = { metrics: { type: "string" } } as const;

/** Where --metrics serves, or null without it. @throws UsageError naming --metrics. */
export function metricsOption(text: string | undefined): { host: string; port: number } | null {
  return text === undefined ? null : parseListen(text, "--metrics");
}

/** What a scrape reads: the server's counters, its cap (0: none), and the process's descriptors. */
export interface ServeReading {
  stats: ConnectionStats;
  maxConnections: number;
  /** Descriptors open now (null when /proc/self/fd cannot be read, as when none is left to read it with). */
  openFds: number | null;
  /** RLIMIT_NOFILE's soft limit (null: unlimited or never read). */
  maxFds: number | null;
}

/** The process's open descriptors, as client_golang's process collector counts them (/proc/self/fd). */
export function openFds(): number | null {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return null;
  }
}

/** One process's reading and the labels that tell it apart (`worker="2"` in a group, else none). */
export interface LabelledReading {
  labels: string;
  reading: ServeReading;
}

/** Each family: name, type, help, and its samples in one reading as [more labels, value (null: none)]. */
const SERVE_FAMILIES: ReadonlyArray<
  readonly [string, Type, string, (r: ServeReading) => Array<[string, number | null]>]
> = [
  ["socketkit_server_connections_open", "gauge", "Connections the server holds now.", (r) => [["", r.stats.open]]],
  [
    "socketkit_server_connections_total",
    "counter",
    "Connections the server took and served (the refused ones are not among them).",
    (r) => [["", r.stats.accepted]],
  ],
  [
    "socketkit_server_connections_closed_idle_total",
    "counter",
    "Connections closed because no data went either way for --idle-timeout seconds.",
    (r) => [["", r.stats.closedIdle]],
  ],
  [
    "socketkit_server_connections_refused_total",
    "counter",
    "Connections reset at accept() because --max-connections were open.",
    (r) => [['reason="max_connections"', r.stats.refused]],
  ],
  [
    "socketkit_server_accept_errors_total",
    "counter",
    "accept() calls that met the open-file limit: the process's (emfile, RLIMIT_NOFILE) or the system's (enfile, fs.file-max); the client waits in the accept queue meanwhile.",
    (r) => [
      ['reason="emfile"', r.stats.emfile],
      ['reason="enfile"', r.stats.enfile],
    ],
  ],
  [
    "socketkit_server_max_connections",
    "gauge",
    "The --max-connections cap (0: none).",
    (r) => [["", r.maxConnections]],
  ],
  ["process_open_fds", "gauge", "Number of open file descriptors.", (r) => [["", r.openFds]]],
  ["process_max_fds", "gauge", "Maximum number of open file descriptors.", (r) => [["", r.maxFds]]],
];

/** Every family's name and type, for the docs and their tests. */
export const SERVE_FAMILY_TYPES: ReadonlyArray<readonly [string, Type]> = SERVE_FAMILIES.map(([n, t]) => [n, t]);

/** `{a="1",b="2"}` from the parts that are not empty, or "" when all are. */
function braces(...parts: string[]): string {
  const inner = parts.filter((p) => p !== "").join(",");
  return inner === "" ? "" : `{${inner}}`;
}

/**
 * serve's families from one reading per process, named as node_exporter names its own (`_total` counters,
 * `reason` labels), each family with HELP and TYPE even when no process answered.
 */
export function serveFamilies(readings: readonly LabelledReading[]): Family[] {
  return SERVE_FAMILIES.map(([name, type, help, values]) => ({
    name,
    type,
    help,
    samples: readings.flatMap(({ labels, reading }) =>
      values(reading).flatMap(([more, v]): Array<[string, number]> => (v === null ? [] : [[braces(labels, more), v]])),
    ),
  }));
}

const LANDING = `<!doctype html><title>socketkit serve</title><h1>socketkit serve</h1>
<p>This server's connections, idle closes, refusals and accept() errors: <a href="/metrics">/metrics</a>.</p>\n`;

/** The server a scrape reads. */
export interface MeteredServer {
  readonly connectionStats: ConnectionStats;
  readonly maxConnections: number | null;
}

/** The reading of `server` now. */
export function readServer(server: MeteredServer): ServeReading {
  return {
    stats: server.connectionStats,
    maxConnections: server.maxConnections ?? 0,
    openFds: openFds(),
    maxFds: processFileLimit(),
  };
}

/** How long a successor retries a metrics port its predecessor still holds (it lets go as it hands over). */
const HANDOVER_RETRY_MS = 10_000;
const RETRY_PAUSE_MS = 50;

/** How `serve` runs its endpoint. */
export interface ServeMetricsOptions {
  where: { host: string; port: number };
  /** One reading per process: this one's, or each worker's in a group. */
  read: () => Promise<LabelledReading[]> | LabelledReading[];
  lang: Lang;
  log: (line: string) => void;
  /** True in a hand-over's successor, whose predecessor may hold the port a little longer. */
  successor: boolean;
}

/** Starts the endpoint, retrying for `retryMs` while the port is in use. */
async function listenRetrying(o: ServeMetricsOptions, retryMs: number): Promise<Exporter> {
  // Loaded here: a serve without --metrics does not load node:http.
  const [{ startMetricsEndpoint }, { expose }] = await Promise.all([
    import("./exporter/http.js"),
    import("./exporter/metrics.js"),
  ]);
  const content = {
    landing: LANDING,
    collect: async (format: Format) => expose(serveFamilies(await o.read()), format),
    failure: "reading the server's counters failed",
  };
  const until = deadlineFor(retryMs / 1000);
  for (;;) {
    try {
      return await startMetricsEndpoint(o.where, content);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || hasPassed(until)) throw err;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  }
}

/**
 * Starts serve's endpoint and logs its URL. A successor (hand-over) waits up to 10 s for its predecessor to let go
 * of the port and serves on without metrics if it never does, with one line; anywhere else that is a usage error.
 * @returns the running endpoint, or null when a successor serves without one.
 * @throws UsageError (exit 2) naming --metrics when it cannot listen there.
 */
export async function startServeMetrics(o: ServeMetricsOptions): Promise<Exporter | null> {
  const where = hostPort(o.where.host, o.where.port);
  try {
    const running = await listenRetrying(o, o.successor ? HANDOVER_RETRY_MS : 0);
    const { metricsUrl } = await import("./exporter/http.js");
    o.log(o.lang === "zh" ? `指标: ${metricsUrl(running.address)}` : `Metrics: ${metricsUrl(running.address)}`);
    return running;
  } catch (err) {
    const why = (err as Error).message;
    if (!o.successor) {
      throw new UsageError(`--metrics: cannot listen on ${where}: ${why}`, {
        zh: `--metrics: 无法在 ${where} 监听: ${why}`,
        cause: err,
      });
    }
    o.log(
      o.lang === "zh"
        ? `无法在 ${where} 提供指标: ${why}; 继续服务, 但没有指标`
        : `Cannot serve metrics on ${where}: ${why}; serving on without them`,
    );
    return null;
  }
}
