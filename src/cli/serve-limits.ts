// `socketkit serve`'s connection limits: --idle-timeout and --max-connections, their defaults, and the line that
// states them at start-up. Options and help only: the server framework enforces them (TCPServer's idleTimeout
// and maxConnections, src/server/connection-limits.ts).

import { processFileLimit } from "../server/open-file-limit.js";
import type { Lang } from "./messages.js";
import { parseCount, parseSeconds } from "./options.js";

/**
 * Seconds without data either way after which serve closes a connection. Long enough for a person thinking at
 * `socketkit client`'s prompt, short enough that a silent connection does not hold its descriptor for ever;
 * for machine clients HAProxy's `timeout client` and nginx's `client_body_timeout` (60 s) are the references.
 */
export const DEFAULT_IDLE_TIMEOUT_S = 300;
/** The most connections serve holds at once: about 70 MB at 7 KB per idle connection (bench/idle.ts). */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/**
 * Descriptors kept for the process itself when the default cap is derived from the open-file limit: a quarter of
 * the limit, at most 64 (Node holds about 20: its event loop, pipes and standard streams; then the listener, the
 * hand-over socket, log files). Under a tiny limit, `ulimit -n 64`, that still allows 48, so the 40 clients of
 * test/fixtures/parity/fd-limit are all served, as under Python's ThreadingTCPServer.
 */
function reserved(files: number): number {
  return Math.min(64, Math.floor(files / 4));
}

export const limitsHelp = `  --idle-timeout    seconds a connection may go without data either way before it is closed (default ${DEFAULT_IDLE_TIMEOUT_S}; 0: never)
  --max-connections most connections open at once (per process with --workers); one more is reset with a log line
                    (default ${DEFAULT_MAX_CONNECTIONS}, or the open-file limit less a quarter of it, at most 64, when that is
                    lower, as HAProxy derives its maxconn; 0: no cap)`;

export const limitsOptions = {
  "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_TIMEOUT_S) },
  "max-connections": { type: "string" },
} as const;

/** The limits serve runs with (0: none), and the open-file limit a derived cap came from. */
export interface ServeLimits {
  idleTimeout: number;
  maxConnections: number;
  /** The process's open-file limit and the descriptors kept, when the default cap was lowered to fit; else null. */
  derivedFrom: { files: number; reserved: number } | null;
}

/** --idle-timeout and --max-connections, checked; the default cap fitted to the open-file limit. */
export function limitsOption(idle: string, max: string | undefined): ServeLimits {
  const idleTimeout = parseSeconds(idle, "--idle-timeout", 0, 86_400 * 365);
  if (max !== undefined)
    return { idleTimeout, maxConnections: parseCount(max, "--max-connections"), derivedFrom: null };
  const files = processFileLimit();
  if (files === null || files - reserved(files) >= DEFAULT_MAX_CONNECTIONS) {
    return { idleTimeout, maxConnections: DEFAULT_MAX_CONNECTIONS, derivedFrom: null };
  }
  const kept = reserved(files);
  return { idleTimeout, maxConnections: Math.max(1, files - kept), derivedFrom: { files, reserved: kept } };
}

/** "Limits: idle timeout 300 s, at most 10000 connections", in `lang`. */
export function limitsLine(lang: Lang, l: ServeLimits): string {
  const from = l.derivedFrom;
  const derived = from === null ? "" : ` (open-file limit ${from.files} less ${from.reserved})`;
  if (lang === "zh") {
    const idle = l.idleTimeout === 0 ? "不限空闲时间" : `空闲 ${l.idleTimeout} 秒后关闭连接`;
    const cap = l.maxConnections === 0 ? "不限连接数" : `最多 ${l.maxConnections} 个连接${derived}`;
    return `限制: ${idle}, ${cap}`;
  }
  const idle = l.idleTimeout === 0 ? "no idle timeout" : `idle timeout ${l.idleTimeout} s`;
  const cap = l.maxConnections === 0 ? "no connection cap" : `at most ${l.maxConnections} connections${derived}`;
  return `Limits: ${idle}, ${cap}`;
}
