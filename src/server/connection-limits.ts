// What a stream server enforces on its connections beyond Python's socketserver (socketkit extensions, each
// off by default): idleTimeout (idle-sweep.ts), maxConnections (checked here, at accept), and the line when
// accept() meets the open-file limit (out-of-files-log.ts). TCPServer owns one ConnectionLimits and calls it from
// getRequest() and closeRequest(); it counts what each limit did (connectionStats) and publishes it
// (server-channels.ts).

import type { Address } from "../socket/address.js";
import * as C from "../socket/constants.js";
import { OSError } from "../socket/errors.js";
import { formatAddress } from "../socket/repr.js";
import { acceptNow, type Socket } from "../socket/socket.js";
import { IdleSweep, type TrackedConnection } from "./idle-sweep.js";
import { noteFileLimits } from "./open-file-limit.js";
import { OutOfFilesLog } from "./out-of-files-log.js";
import { idleCloseChannel, refuseChannel } from "./server-channels.js";

/** What a server's connection limits did so far, and how many connections it holds now. */
export interface ConnectionStats {
  /** Connections taken and not closed yet. */
  readonly open: number;
  /** Connections taken and served since the server was made (the refused ones are not among them). */
  readonly accepted: number;
  /** Connections closed because no data went either way for idleTimeout seconds. */
  readonly closedIdle: number;
  /** Connections refused (reset at accept) because maxConnections were open. */
  readonly refused: number;
  /** accept() calls that met the open-file limit (EMFILE, ENFILE): emfile + enfile. */
  readonly outOfFiles: number;
  /** accept() calls that met the process's open-file limit, RLIMIT_NOFILE (EMFILE). */
  readonly emfile: number;
  /** accept() calls that met the system's open-file limit, fs.file-max (ENFILE). */
  readonly enfile: number;
}

/** The settings ConnectionLimits reads from its server (each time: an instance's own value may change). */
export interface LimitedServer {
  readonly idleTimeout: number | null;
  readonly maxConnections: number | null;
  readonly outOfFilesLogInterval: number;
  logMessage(line: string): void;
}

/** struct linger { l_onoff = 1, l_linger = 0 }: close() then resets the connection instead of a FIN. */
const RESET_ON_CLOSE = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);

/** A client as the lines name it: Python's form, or what an AF_UNIX client without a name is. */
function who(clientAddress: Address): string {
  return formatAddress(clientAddress) || "an unnamed Unix client";
}

/** A limit setting: null for none (null or 0), else the number. @throws TypeError, RangeError naming it. */
export function limitSetting(value: unknown, name: string, whole: boolean): number | null {
  if (value === null || value === 0) return null;
  if (typeof value !== "number") throw new TypeError(`${name} must be a number or null, got ${typeof value}`);
  if (!Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value))) {
    throw new RangeError(
      `${name} must be ${whole ? "a whole number" : "a number of seconds"} ≥ 0 or null, got ${value}`,
    );
  }
  return value;
}

/** A stream server's connections: which are open, and the limits on them. */
export class ConnectionLimits {
  private readonly open = new Map<Socket, TrackedConnection>();
  private readonly idle: IdleSweep;
  private readonly outOfFiles: OutOfFilesLog;
  private accepted = 0;
  private closedIdle = 0;
  private refused = 0;

  constructor(private readonly server: LimitedServer) {
    noteFileLimits();
    this.idle = new IdleSweep(
      this.open,
      () => limitSetting(server.idleTimeout, "idleTimeout", false),
      (conn, tracked, idleMs) => this.closeIdle(conn, tracked, idleMs),
    );
    this.outOfFiles = new OutOfFilesLog(
      server,
      () => limitSetting(server.outOfFilesLogInterval, "outOfFilesLogInterval", false) ?? 0,
      (line) => server.logMessage(line),
    );
  }

  /** The counters, read now. */
  stats(): ConnectionStats {
    const { accepted, closedIdle, refused } = this;
    const { count: outOfFiles, emfile, enfile } = this.outOfFiles;
    return { open: this.open.size, accepted, closedIdle, refused, outOfFiles, emfile, enfile };
  }

  /**
   * One accept() that never waits. A connection beyond maxConnections is reset at once with one line, and then
   * (as when nothing was queued) it resolves null; an accept() that meets the open-file limit is noted.
   */
  accept(listener: Socket): Promise<[Socket, Address] | null> {
    return listener[acceptNow]().then(
      (taken) => (taken === null ? null : this.admit(taken[0], taken[1])),
      (err: unknown) => {
        this.outOfFiles.note(err, this.open.size);
        throw err;
      },
    );
  }

  /** Forgets a connection the server closes (anything it never tracked is ignored). */
  release(request: unknown): void {
    if (!this.open.delete(request as Socket)) return;
    if (this.open.size === 0) this.idle.stop();
  }

  private admit(conn: Socket, clientAddress: Address): [Socket, Address] | null {
    let max: number | null;
    try {
      max = limitSetting(this.server.maxConnections, "maxConnections", true);
    } catch (err) {
      conn.close();
      throw err;
    }
    if (max !== null && this.open.size >= max) {
      this.refuse(conn, clientAddress);
      return null;
    }
    this.accepted++;
    this.open.set(conn, { clientAddress, acceptedAt: performance.now(), closing: false });
    this.idle.watch();
    return [conn, clientAddress];
  }

  private refuse(conn: Socket, clientAddress: Address): void {
    this.refused++;
    const open = this.open.size;
    try {
      conn.setsockopt(C.SOL_SOCKET, C.SO_LINGER, RESET_ON_CLOSE);
    } catch (err) {
      // The client is gone already: closing is all that is left.
      if (!(err instanceof OSError)) throw err;
    }
    conn.close();
    this.server.logMessage(`max connections: refused ${who(clientAddress)}: ${open} connections open`);
    if (refuseChannel.hasSubscribers) refuseChannel.publish({ server: this.server, clientAddress, open });
  }

  /** Shuts an idle connection down: its handler's recv() reads EOF (a send fails), and the handler ends. */
  private closeIdle(conn: Socket, tracked: TrackedConnection, idleMs: number): void {
    this.closedIdle++;
    try {
      conn.shutdown(C.SHUT_RDWR);
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
    }
    const { clientAddress } = tracked;
    const seconds = (idleMs / 1000).toFixed(1);
    this.server.logMessage(`idle timeout: closed ${who(clientAddress)} after ${seconds} s without data`);
    if (idleCloseChannel.hasSubscribers) idleCloseChannel.publish({ server: this.server, clientAddress, idleMs });
  }
}
