// `socketkit serve`: the classic concurrent echo server, a ThreadingTCPServer whose handler answers every message
// with a prefix and the message itself, logging connects, messages (escaped and capped) and disconnects.

import { parseArgs } from "node:util";
import { availableParallelism } from "node:os";
import { ConnectionSet, stopGracefully } from "../deploy/graceful-stop.js";
import { HandoverRefusedError } from "../deploy/handover-trust.js";
import { activateServer, type ListenerOrigin } from "../deploy/listener-origin.js";
import type { ProxyProtocol } from "../deploy/proxy-protocol.js";
import { ProxyProtocolMixIn } from "../deploy/proxy-protocol-mixin.js";
import { offerHandover } from "../deploy/seamless-restart.js";
import { isGroupWorker, reportToPrimary, runWorkerGroup, workerTag, type WorkerGroup } from "../deploy/worker-group.js";
import { BaseRequestHandler, ThreadingTCPServer } from "../server/index.js";
import { AF_INET6 } from "../socket/constants.js";
import { OSError } from "../socket/errors.js";
import { formatAddress, hostPort } from "../socket/repr.js";
import type { Socket } from "../socket/socket.js";
import type { Exporter } from "./exporter/http.js";
import { capMessage, escapeControls, incompleteUtf8Tail, LogSink } from "./log-sink.js";
import { bannerLine } from "./serve-banner.js";
import { deploymentHelp, deploymentOptions, proxyProtocolOption } from "./serve-deployment.js";
import {
  DEFAULT_IDLE_TIMEOUT_S,
  limitsHelp,
  limitsLine,
  limitsOption,
  limitsOptions,
  type ServeLimits,
} from "./serve-limits.js";
import { messages, parseLang, UsageError, type Lang, type Messages } from "./messages.js";
import {
  metricsHelp,
  metricsOption,
  metricsOptions,
  readServer,
  startServeMetrics,
  type ServeReading,
} from "./serve-metrics.js";
import { INT_MAX, joinNegativeValues, parseCount, parsePort, parseSeconds } from "./options.js";

/** The classic prefix; `--lang en` asks for the English one. */
export const DEFAULT_REPLY_PREFIX = "服务端收到, 你发的消息是: ";
export const ENGLISH_REPLY_PREFIX = "Server received, your message is: ";
/** How long a graceful stop waits for connected clients to finish their exchange. */
const STOP_GRACE_S = 5;
/** How long the last log lines may take to reach a slow reader before the process exits anyway. */
const FLUSH_MS = 2000;

/**
 * The CLI's listen() backlog: Node's own default for net.Server. Measured on a 2-core machine, a burst of 500
 * loopback clients overflowed a 128 queue in 4 of 5 runs (node:net's server too), while 511 overflowed in none of 10.
 */
export const DEFAULT_BACKLOG = 511;

export const serveHelp = `Usage: socketkit serve [--host localhost] [--port 12345] [--backlog ${DEFAULT_BACKLOG}] [--lang zh|en] [--reply-prefix TEXT] [--grace ${STOP_GRACE_S}] [--workers N|auto] [--share reuseport|inherit] [--idle-timeout ${DEFAULT_IDLE_TIMEOUT_S}] [--max-connections N] [--metrics [HOST:]PORT]

Runs the classic echo server: each message is answered with the reply prefix followed by the message, byte for byte.
  --host          address to listen on (default localhost; :: listens on IPv6 and IPv4, ::1 on IPv6 loopback)
  --port          port to listen on (default 12345; 0 picks a free one)
  --backlog       the listen() backlog (default ${DEFAULT_BACKLOG}; the kernel caps it at somaxconn, the banner shows what it applied)
  --lang          language of the log: zh or en (default from LANG); --lang en also makes the reply prefix English
  --reply-prefix  text put before each echoed message (default "${DEFAULT_REPLY_PREFIX}"; '' echoes plainly)
  --grace         seconds a stop waits for clients to finish their exchange before closing them (default ${STOP_GRACE_S})
  --workers       serve from N processes sharing the port (auto: one per core); log lines name the worker
  --share         how the workers share the port: reuseport (a socket each, SO_REUSEPORT; the default) or inherit (one socket)
${limitsHelp}
${metricsHelp}
${deploymentHelp}
Logged messages show control characters as escapes (one line per message) and at most 512 bytes each; when
stdout is not read, lines are dropped and counted rather than held. Ctrl-C or SIGTERM stops accepting, lets
connected clients finish their current exchange, and exits 0; a broken stdout or stderr exits 1.`;

export interface EchoServerOptions {
  host: string;
  port: number;
  backlog: number;
  replyPrefix: Buffer;
  say: Messages;
  log: (line: string) => void;
  proxyProtocol?: ProxyProtocol | null;
  /** The idle timeout and connection cap (0: none); the framework's settings enforce them. */
  limits?: ServeLimits;
}

/**
 * The echo server: a ThreadingTCPServer that knows its connections, so that it can stop gracefully. It is
 * constructed unbound: activateServer() puts it on its listener (its own bind, a group's, systemd's, a
 * predecessor's).
 */
export class EchoServer extends ThreadingTCPServer {
  static override allowReuseAddress = true;
  readonly connections = new ConnectionSet();

  constructor(readonly options: EchoServerOptions) {
    super([options.host, options.port], EchoHandler, false);
    this.requestQueueSize = options.backlog;
    this.idleTimeout = options.limits?.idleTimeout ?? null;
    this.maxConnections = options.limits?.maxConnections ?? null;
  }

  /** The framework's own lines (idle timeout, connection cap, open-file limit) go to serve's log. */
  override logMessage(line: string): void {
    this.options.log(line);
  }

  /** Stops with a grace period (see stopGracefully), logging the connections it had to close. */
  async stop(graceMs = STOP_GRACE_S * 1000): Promise<void> {
    const forced = await stopGracefully(this, this.connections, graceMs);
    if (forced > 0) this.options.log(this.options.say.forcing(forced, graceMs / 1000));
  }

  /** The backlog the kernel applied: a listener's tcp_info carries sk_max_ack_backlog as "sacked". */
  appliedBacklog(): number {
    return this.socket.tcpInfo().sacked;
  }
}

/** The same server on an IPv6 socket: `::` takes IPv4 clients too (as mapped addresses), `::1` only IPv6 ones. */
export class EchoServer6 extends EchoServer {
  static override addressFamily: number = AF_INET6;
}

/** The echo servers behind a balancer (--proxy-protocol): each connection starts with a PROXY header. */
class ProxiedEchoServer extends ProxyProtocolMixIn(EchoServer) {}
class ProxiedEchoServer6 extends ProxyProtocolMixIn(EchoServer6) {}

/**
 * Answers each message with the reply prefix and the message. The loop's own frame stays small, and the
 * connection's state lives on the handler, because every idle connection holds one such frame: the per-message
 * work is in answer(), and the client's name is built when a line is logged, not kept.
 */
class EchoHandler extends BaseRequestHandler<Socket, [string, number], EchoServer> {
  /** The end of a character split across two reads, held back until its last byte arrives (incompleteUtf8Tail). */
  private held: Buffer | null = null;

  override async handle(): Promise<void> {
    const connections = this.server.connections;
    this.log("connected");
    connections.open(this.request);
    try {
      while (!connections.stopping) {
        connections.idle(this.request);
        const msg = await this.request.recv(65536);
        connections.busy(this.request);
        if (msg.length === 0) break;
        await this.request.sendall(this.answer(msg));
      }
    } catch (err) {
      // A client that resets or vanishes is a normal end of its session.
      if (!(err instanceof OSError)) throw err;
    } finally {
      connections.close(this.request);
      this.log("disconnected");
    }
  }

  /** Logs the message and returns the reply to it. */
  private answer(msg: Buffer): Buffer {
    const { say, log, replyPrefix } = this.server.options;
    const bytes: Buffer = this.held === null ? msg : Buffer.concat([this.held, msg]);
    const tail = incompleteUtf8Tail(bytes);
    this.held = tail > 0 ? bytes.subarray(bytes.length - tail) : null;
    log(say.message(this.who(), escapeControls(capMessage(bytes.toString("utf8", 0, bytes.length - tail)))));
    return replyPrefix.length > 0 ? Buffer.concat([replyPrefix, msg]) : msg;
  }

  private log(event: "connected" | "disconnected"): void {
    const { say, log } = this.server.options;
    log(say[event](this.who()));
  }

  private who(): string {
    return formatAddress(this.clientAddress);
  }
}

interface ServeSettings {
  lang: Lang;
  options: EchoServerOptions;
  limits: ServeLimits;
  graceMs: number;
  workers: number;
  share: "reuseport" | "inherit";
  handover: string | undefined;
  /** Where --metrics serves, or null. */
  metrics: { host: string; port: number } | null;
}

/** --workers and --share, checked, and refused with the options only one process can have. */
function processOptions(values: { workers: string; share: string; handover?: string }): {
  workers: number;
  share: ServeSettings["share"];
} {
  const workers = values.workers === "auto" ? availableParallelism() : parseCount(values.workers, "--workers", 1, 1024);
  const share = values.share;
  if (share !== "inherit" && share !== "reuseport")
    throw new UsageError(`--share must be inherit or reuseport, got ${share}`);
  // A group restarts worker by worker already; one hand-over path cannot be offered by N processes at once.
  if (workers > 1 && values.handover !== undefined) throw new UsageError("--handover works with one process only");
  return { workers, share };
}

function settings(argv: string[], log: (line: string) => void): ServeSettings | null {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      host: { type: "string", default: "localhost" },
      port: { type: "string", default: "12345" },
      backlog: { type: "string", default: String(DEFAULT_BACKLOG) },
      lang: { type: "string" },
      "reply-prefix": { type: "string" },
      grace: { type: "string", default: String(STOP_GRACE_S) },
      workers: { type: "string", default: "1" },
      share: { type: "string", default: "reuseport" },
      ...limitsOptions,
      ...metricsOptions,
      ...deploymentOptions,
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  const lang: Lang = parseLang(values.lang);
  const limits = limitsOption(values["idle-timeout"], values["max-connections"]);
  const prefix = values["reply-prefix"] ?? (values.lang === "en" ? ENGLISH_REPLY_PREFIX : DEFAULT_REPLY_PREFIX);
  const options: EchoServerOptions = {
    host: values.host,
    port: parsePort(values.port, "--port"),
    backlog: parseCount(values.backlog, "--backlog", 0, INT_MAX),
    replyPrefix: Buffer.from(prefix, "utf8"),
    say: messages[lang],
    log,
    limits,
  };
  const { workers, share } = processOptions(values);
  options.proxyProtocol = proxyProtocolOption(values["proxy-protocol"], values["proxy-trust"], log);
  return {
    lang,
    options,
    limits,
    graceMs: parseSeconds(values.grace, "--grace", 0, 3600) * 1000,
    workers,
    share,
    handover: values.handover,
    metrics: metricsOption(values.metrics),
  };
}

/** The echo server for `options`: IPv6 or IPv4, behind a balancer or not; not bound yet. */
function echoServer(options: EchoServerOptions): EchoServer {
  const v6 = options.host.includes(":");
  if (!options.proxyProtocol) return new (v6 ? EchoServer6 : EchoServer)(options);
  const server = new (v6 ? ProxiedEchoServer6 : ProxiedEchoServer)(options);
  server.proxyProtocol = options.proxyProtocol;
  return server;
}

/** The server on its listener, and where that came from; a failure is the usage error that names the address. */
async function listen(options: EchoServerOptions, handover?: string): Promise<[EchoServer, ListenerOrigin]> {
  try {
    const server = echoServer(options);
    return [server, await activateServer(server, handover)];
  } catch (err) {
    const refused = err instanceof HandoverRefusedError;
    if (refused || err instanceof OSError || err instanceof RangeError || err instanceof TypeError) {
      const why = refused ? `hand-over refused: ${err.message}` : err.message;
      throw new UsageError(options.say.cannotServe(`${options.host}:${options.port}`, why), { cause: err });
    }
    throw err;
  }
}

/** "127.0.0.1:12345", "[::1]:12345". */
function where(server: EchoServer): string {
  const [host, port] = server.serverAddress;
  return hostPort(host, port);
}

/**
 * Resolves with the exit code once a signal (0), a broken stdout/stderr (1) or a completed hand-over to a successor
 * (0, through `handOver`) has stopped the server.
 */
function stopOnSignalOrBrokenOutput(
  server: EchoServer,
  sink: LogSink,
  graceMs: number,
  handOver: (stop: () => void) => void,
): Promise<number> {
  return new Promise((resolve) => {
    let code: number | null = null;
    const stop = (why: number, signal?: NodeJS.Signals) => {
      if (code !== null) return;
      code = why;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (signal) server.options.log(server.options.say.stopping(signal));
      void server.stop(graceMs).then(() => resolve(why));
    };
    const onSignal = (signal: NodeJS.Signals) => stop(0, signal);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    sink.onBroken(() => stop(1));
    process.stderr.on("error", () => stop(1));
    handOver(() => stop(0));
  });
}

/**
 * serve's --metrics endpoint on `server`'s counters (serve-metrics.ts), or null without --metrics. A group worker
 * reports to its primary instead, which serves the group's endpoint (groupMetricsOf).
 */
function metricsOf(s: ServeSettings, server: EchoServer, successor: boolean): Promise<Exporter | null> {
  if (s.metrics === null || reportToPrimary(() => readServer(server))) return Promise.resolve(null);
  const read = () => [{ labels: "", reading: readServer(server) }];
  return startServeMetrics({ where: s.metrics, read, lang: s.lang, log: s.options.log, successor });
}

/** How long a scrape of a group waits for its workers' reports; one that has not answered is left out. */
const REPORT_TIMEOUT_MS = 1000;

/** The primary's endpoint: each worker's counters, asked at each scrape, labelled worker="N". */
function groupMetricsOf(s: ServeSettings, group: () => WorkerGroup | null): Promise<Exporter | null> {
  if (s.metrics === null) return Promise.resolve(null);
  const read = async () => {
    const reports = (await group()?.reports(REPORT_TIMEOUT_MS)) ?? [];
    return reports.map((r) => ({ labels: `worker="${r.number}"`, reading: r.report as ServeReading }));
  };
  return startServeMetrics({ where: s.metrics, read, lang: s.lang, log: s.options.log, successor: false });
}

export async function serve(argv: string[]): Promise<number> {
  const sink = new LogSink(process.stdout);
  // In a worker of `--workers`, each line names the worker.
  const s = settings(argv, (line) => sink.line(workerTag() + line));
  if (s === null) {
    console.log(serveHelp);
    return 0;
  }
  const [server, origin] = await listen(s.options, s.handover);
  const facts = { where: where(server), origin, backlog: server.appliedBacklog(), asked: s.options.backlog };
  s.options.log(bannerLine(s.lang, facts));
  if (s.workers > 1 && !isGroupWorker()) {
    const say = s.options.say;
    let group: WorkerGroup | null = null;
    const metrics = await groupMetricsOf(s, () => group);
    const code = await runWorkerGroup(server.socket, {
      workers: s.workers,
      share: s.share,
      log: s.options.log,
      stopping: say.stopping,
      stopped: say.stopped,
      started: (g) => (group = g),
    });
    await metrics?.close();
    await sink.flush(FLUSH_MS);
    process.exit(code);
  }
  s.options.log(limitsLine(s.lang, s.limits));
  // A successor starts its endpoint once its predecessor, told by confirm(), lets go of the port.
  const successor = origin.source === "handover";
  let metrics = successor ? null : await metricsOf(s, server, false);
  let withdraw = () => {};
  const stopped = stopOnSignalOrBrokenOutput(server, sink, s.graceMs, (stop) => {
    if (s.handover === undefined) return;
    withdraw = offerHandover(server, s.handover, { graceMs: s.graceMs, log: s.options.log, onDrained: stop });
  });
  const serving = server.serveForever();
  await origin.confirm();
  if (successor) metrics = await metricsOf(s, server, true);
  await serving;
  // Not accepting any more (stopping, or handed over): the port is for whoever serves now.
  await metrics?.close();
  withdraw();
  const code = await stopped;
  s.options.log(s.options.say.stopped);
  await sink.flush(FLUSH_MS);
  // Every connection is closed; bytes still owed to a client that stopped reading must not keep the process
  // alive (they would until a send times out), so the command ends here.
  process.exit(code);
}
