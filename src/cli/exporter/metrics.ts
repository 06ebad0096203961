// The metric families `socketkit exporter` serves — every listener's queues and drops, the network namespace's
// listen-path counters (TcpExt) and the scrape's own duration — and their exposition in the Prometheus text format
// 0.0.4 or OpenMetrics 1.0.0, from one look at the kernel taken for the scrape. The HTTP side is http.ts; `serve
// --metrics` (serve-metrics.ts) writes its own families with the same exposition (expose()).

import type { ListenersSnapshot } from "../../kernel/listener-snapshot.js";
import type { Listener } from "../../kernel/listeners.js";

/** The two exposition formats, by the content type each is served with. */
export const CONTENT_TYPES = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
} as const;
/** An exposition format: the text format 0.0.4 or OpenMetrics 1.0.0. */
export type Format = keyof typeof CONTENT_TYPES;

/** The two metric types socketkit serves. */
export type Type = "gauge" | "counter";

/** One metric family: its name (a counter's with `_total`), type, help, and samples as [labels, value]. */
export interface Family {
  name: string;
  type: Type;
  help: string;
  samples: Array<[labels: string, value: number]>;
}

/** Per listener, labelled by address and port: [name, type, help, value]. `ss -ltn` names in parentheses. */
export const LISTENER_FAMILIES: ReadonlyArray<readonly [string, Type, string, (l: Listener) => number | null]> = [
  [
    "socketkit_listener_accept_queue",
    "gauge",
    "Connections the kernel completed that wait for accept() (ss -ltn Recv-Q); it holds at most backlog + 1.",
    (l) => l.acceptQueue,
  ],
  [
    "socketkit_listener_backlog",
    "gauge",
    "The accept queue's limit, min(listen() backlog, net.core.somaxconn) (ss -ltn Send-Q).",
    (l) => l.backlog,
  ],
  [
    "socketkit_listener_syn_recv",
    "gauge",
    "Half-open connections: SYN received, SYN-ACK sent, the final ACK not yet in (SYN-RECV).",
    (l) => l.synRecv,
  ],
  [
    "socketkit_listener_established",
    "gauge",
    "Connections established to the listener, accepted or still queued (ESTAB and CLOSE-WAIT).",
    (l) => l.established,
  ],
  [
    "socketkit_listener_sockets",
    "gauge",
    "Listening sockets on the address and port: more than one with SO_REUSEPORT, whose figures add up.",
    (l) => l.sockets.length,
  ],
  [
    "socketkit_listener_drops_total",
    "counter",
    "SYNs and final ACKs the listener dropped, overflows included (sk_drops, ss -ltnm d); restarts with it.",
    (l) => l.drops,
  ],
];

/** The namespace's counters: [metric name, TcpExt counter, help]. They add up every listener of the namespace. */
export const NAMESPACE_FAMILIES: ReadonlyArray<readonly [string, string, string]> = [
  ["socketkit_tcp_listen_overflows_total", "ListenOverflows", "SYNs or final ACKs that met a full accept queue."],
  ["socketkit_tcp_listen_drops_total", "ListenDrops", "SYNs or final ACKs a listener dropped, overflows included."],
  [
    "socketkit_tcp_syncookies_sent_total",
    "SyncookiesSent",
    "SYN-ACKs sent with a syncookie (a full SYN queue, or tcp_syncookies=2).",
  ],
  ["socketkit_tcp_syncookies_recv_total", "SyncookiesRecv", "Final ACKs with a valid syncookie."],
  ["socketkit_tcp_syncookies_failed_total", "SyncookiesFailed", "Final ACKs whose syncookie did not check."],
  ["socketkit_tcp_req_q_full_drop_total", "TCPReqQFullDrop", "SYNs dropped: a SYN queue full, syncookies off."],
  ["socketkit_tcp_req_q_full_do_cookies_total", "TCPReqQFullDoCookies", "SYNs a full SYN queue answered by cookie."],
];

/** A HELP text escaped: backslash and newline in both formats, and the double quote in OpenMetrics. */
export function escapeHelp(text: string, format: Format): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return format === "openmetrics" ? escaped.replace(/"/g, '\\"') : escaped;
}

/** A label value escaped as both formats want it: backslash, double quote, newline. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

/**
 * One family: HELP, TYPE and its samples. A counter's family is named with `_total` in the text format (as
 * client_golang writes it) and without in OpenMetrics, whose samples add the suffix.
 */
function familyLines({ name, type, help, samples }: Family, format: Format): string[] {
  const base = format === "openmetrics" && type === "counter" ? name.replace(/_total$/, "") : name;
  return [
    `# HELP ${base} ${escapeHelp(help, format)}`,
    `# TYPE ${base} ${type}`,
    ...samples.map(([labels, v]) => `${name}${labels} ${formatValue(v)}`),
  ];
}

/** `families` in `format`, each with HELP and TYPE even when it has no sample; OpenMetrics ends with `# EOF`. */
export function expose(families: readonly Family[], format: Format): string {
  const lines = families.flatMap((f) => familyLines(f, format));
  if (format === "openmetrics") lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

/** The whole exposition of `snap` in `format`: every family, each with HELP and TYPE even when it has no sample. */
export function exposition(snap: ListenersSnapshot, format: Format): string {
  const families: Family[] = LISTENER_FAMILIES.map(([name, type, help, value]) => {
    const samples = snap.listeners.flatMap((l): Array<[string, number]> => {
      const v = value(l);
      return v === null ? [] : [[`{address="${escapeLabel(l.address)}",port="${l.port}"}`, v]];
    });
    return { name, type, help, samples };
  });
  for (const [name, counter, help] of NAMESPACE_FAMILIES) {
    const full = `${help} Every listener of the network namespace (TcpExt ${counter}).`;
    families.push({ name, type: "counter", help: full, samples: [["", snap.namespaceCounters[counter] ?? 0]] });
  }
  const duration = "Seconds this scrape spent reading the kernel (sock_diag and /proc/net).";
  families.push({
    name: "socketkit_scrape_duration_seconds",
    type: "gauge",
    help: duration,
    samples: [["", snap.readSeconds]],
  });
  return expose(families, format);
}
