// `socketkit exporter`: a Prometheus endpoint with every TCP listener's accept queue, backlog and SYN-RECV and the
// kernel's listen-path counters, read at scrape time. This file parses the options and runs until a signal;
// exporter/ serves (http.ts) and defines the metrics (metrics.ts).

import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { UsageError } from "./messages.js";
import { parseCount, parsePort } from "./options.js";
import { hostPort } from "../socket/repr.js";

/** `socketkit exporter --help`. */
export const exporterHelp = `Usage: socketkit exporter [--listen 127.0.0.1:9464] [--port P]...

Serves Prometheus metrics at http://HOST:PORT/metrics, read from the kernel at every scrape: each TCP listener's
accept queue, backlog, SYN-RECV, established connections and drops (labels address, port; IPv4 and IPv6), the
network namespace's listen-path counters (TcpExt ListenOverflows, ListenDrops, syncookies, SYN queue drops) and
the scrape's own duration. The text format 0.0.4, or OpenMetrics 1.0.0 when the scraper asks for it (Prometheus
does). docs/en/operators.md explains each metric and gives a scrape config and alert rules.
  --listen HOST:PORT  where to serve, and nowhere else (default 127.0.0.1:9464: loopback; [::1]:9464 for IPv6,
                      0.0.0.0:9464 for every IPv4 interface; port 0 lets the kernel pick)
  --port P            only the listeners on port P (repeat it, or P,Q; default every listener)`;

/** `127.0.0.1:9464`, `[::1]:9464` or `9464` (loopback) into a host and a port; errors name `option`. */
export function parseListen(text: string, option = "--listen"): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$|^([^:[\]]*):(\d+)$|^(\d+)$/.exec(text);
  if (m === null) throw new UsageError(`${option} must be HOST:PORT, [IPV6]:PORT or PORT, got ${text}`);
  if (m[5] !== undefined) return { host: "127.0.0.1", port: parsePort(m[5], `${option}'s port`) };
  const host = m[1] ?? m[3]!;
  if (host === "")
    throw new UsageError(`${option} needs an address, e.g. 0.0.0.0${text} for every IPv4 interface, got ${text}`);
  if (isIP(host) === 0 && host !== "localhost")
    throw new UsageError(`${option}'s address must be an IP address or localhost, got ${host}`);
  return { host, port: parsePort(m[2] ?? m[4]!, `${option}'s port`) };
}

function settings(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      listen: { type: "string", default: "127.0.0.1:9464" },
      port: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  if (positionals.length > 0) throw new UsageError(`exporter takes no arguments, got ${positionals.join(" ")}`);
  const ports = values.port.flatMap((p) => p.split(",")).map((p) => parseCount(p, "--port", 1, 65535));
  return { ...parseListen(values.listen), ports };
}

/**
 * Runs `socketkit exporter` with `argv` until SIGINT or SIGTERM.
 * @returns the exit code, 0.
 * @throws UsageError for a mistake on the command line, or (exit code 1) when it cannot listen where told.
 */
export async function exporter(argv: string[]): Promise<number> {
  const s = settings(argv);
  if (s === null) return (console.log(exporterHelp), 0);
  const where = hostPort(s.host, s.port);
  // Loaded here, not at the top: `socketkit --help` reads this file's help without loading node:http.
  const { metricsUrl, startExporter } = await import("./exporter/http.js");
  const running = await startExporter(s).catch((err: Error) => {
    throw new UsageError(`cannot listen on ${where}: ${err.message}`, { cause: err });
  });
  const url = metricsUrl(running.address);
  const scope = s.ports.length ? `the listeners on port ${s.ports.join(", ")}` : "every TCP listener";
  console.log(`socketkit exporter: serving ${url} (${scope}); Ctrl-C to stop`);
  const signal = await new Promise<string>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve(sig));
  });
  await running.close();
  console.log(`socketkit exporter: stopped (${signal})`);
  return 0;
}
