// The PROXY protocol's policy (which balancers are trusted, how long and how large a header may be) and the
// reading of one header off a connection, exactly up to its end. ProxyProtocolMixIn (proxy-protocol-mixin.ts)
// applies the policy to each accepted connection before verifyRequest() and the handler see it; clientAddress
// then holds the original client's address.
//
// A connection goes through:  peer trusted? → header read within the deadline → verifyRequest(original client)
// → processRequest. Any refusal closes that connection only, logs one line, and the handler never runs.

import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { Address } from "../socket/address.js";
import { isArray } from "../socket/arguments.js";
import { MSG_PEEK } from "../socket/constants.js";
import { ConnectionResetError, OSError, TimeoutError } from "../socket/errors.js";
import { formatAddress } from "../socket/repr.js";
import type { Socket } from "../socket/socket.js";
import { deadlineFor, secondsLeft } from "../socket/timeout.js";
import { headerLength, parseProxyHeader, ProxyHeaderError, V1_MAX_LENGTH, type ProxyHeader } from "./proxy-header.js";

export interface ProxyProtocolOptions {
  /** Balancers allowed to send a header: addresses or CIDR blocks ("127.0.0.1", "10.0.0.0/8", "::1"). Required. */
  trusted: readonly string[];
  /** Seconds a connection has to deliver its whole header (default 3). */
  timeout?: number;
  /** The largest header accepted, in bytes (default 1024; v2 TLVs count). At least 107 (a v1 line's bound). */
  maxLength?: number;
  /** Where a refused connection's one log line goes (default: standard error). */
  log?: (line: string) => void;
}

/** What one connection's admission needs from its server. */
export interface Admission {
  /** True when the server awaits each request before the next (no ThreadingMixIn): the header is read inline. */
  inline: boolean;
  /** Where a header read as its own task is kept until it is done: a server that drains waits for these. */
  pending: Set<Promise<void>>;
  /** verifyRequest → processRequest with the original client's address. */
  admit(clientAddress: Address): Promise<void>;
  /** Closes the connection without a handler. */
  refuse(): void;
  /** Reports what admit() threw when it ran as its own task. */
  fail(error: unknown): void;
}

/**
 * The PROXY protocol (versions 1 and 2) as a policy: the value of ProxyProtocolMixIn's `proxyProtocol` setting.
 * @throws TypeError or RangeError naming the option, from the constructor.
 * @example
 * class Backend extends ProxyProtocolMixIn(ThreadingTCPServer) {
 *   static override proxyProtocol = new ProxyProtocol({ trusted: ["10.0.0.0/8"] });
 * }
 */
export class ProxyProtocol {
  readonly timeout: number;
  readonly maxLength: number;
  readonly trusted: readonly string[];
  private readonly blocks = new BlockList();
  private readonly log: (line: string) => void;

  constructor(options: ProxyProtocolOptions) {
    if (!isArray(options?.trusted)) throw new TypeError("trusted must be an array of addresses or CIDR blocks");
    this.trusted = [...options.trusted];
    for (const entry of this.trusted) this.addTrusted(entry);
    this.timeout = options.timeout ?? 3;
    if (!(this.timeout > 0)) throw new RangeError(`timeout must be a number of seconds > 0, got ${options.timeout}`);
    this.maxLength = options.maxLength ?? 1024;
    if (!Number.isInteger(this.maxLength) || this.maxLength < V1_MAX_LENGTH || this.maxLength > 16 + 65535) {
      throw new RangeError(
        `maxLength must be a whole number of bytes from ${V1_MAX_LENGTH} to 65551, got ${options.maxLength}`,
      );
    }
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  private addTrusted(entry: string): void {
    const [ip, bits, extra] = String(entry).split("/");
    const type = isIPv4(ip!) ? "ipv4" : isIPv6(ip!) ? "ipv6" : null;
    const max = type === "ipv4" ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (type === null || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
      throw new TypeError(`trusted: ${JSON.stringify(entry)} is not an IP address or CIDR block`);
    }
    this.blocks.addSubnet(ip!, prefix, type);
  }

  /** True when `peer` may send a header. A Unix-socket peer is local and always may. */
  isTrusted(peer: Address): boolean {
    if (!Array.isArray(peer)) return typeof peer === "string";
    let ip = String(peer[0]);
    if (ip.startsWith("::ffff:") && isIPv4(ip.slice(7))) ip = ip.slice(7);
    return isIPv4(ip) ? this.blocks.check(ip, "ipv4") : isIPv6(ip) && this.blocks.check(ip, "ipv6");
  }

  /**
   * Admits one accepted connection: checks the peer, reads the header (inline, or as its own task beside the
   * accept loop), then calls `admission.admit` with the original client's address. Never throws for a bad header.
   */
  async admitConnection(request: Socket, peer: Address, admission: Admission): Promise<void> {
    if (!this.isTrusted(peer)) {
      this.log(`PROXY protocol: refused ${formatAddress(peer)}: not a trusted balancer`);
      admission.refuse();
      return;
    }
    if (admission.inline) return this.readThenAdmit(request, peer, admission);
    const task = this.readThenAdmit(request, peer, admission).catch((err) => admission.fail(err));
    admission.pending.add(task);
    void task.finally(() => admission.pending.delete(task));
  }

  private async readThenAdmit(request: Socket, peer: Address, admission: Admission): Promise<void> {
    let header: ProxyHeader | null;
    try {
      header = await readProxyHeader(request, this.timeout, this.maxLength);
    } catch (err) {
      const why =
        err instanceof ProxyHeaderError
          ? err.message
          : err instanceof OSError
            ? `connection failed: ${err.message}`
            : null;
      if (why === null) throw err;
      this.log(`PROXY protocol: closed ${formatAddress(peer)}: ${why}`);
      admission.refuse();
      return;
    }
    // A balancer's TCP health check connects and closes without a byte: nothing to log, nothing to handle.
    if (header === null) {
      admission.refuse();
      return;
    }
    await admission.admit(header.command === "PROXY" && header.source !== null ? header.source : peer);
  }
}

/**
 * Reads exactly one PROXY header off `sock`, never a byte beyond it: the connection's own data stays in the
 * kernel for the handler. Resolves null when the peer closed (or reset) before sending anything.
 * @throws ProxyHeaderError (MALFORMED, TOO_LONG, TRUNCATED, TIMEOUT, UNSUPPORTED); OSError when the connection fails.
 */
export async function readProxyHeader(
  sock: Socket,
  timeoutSeconds: number,
  maxLength: number,
): Promise<ProxyHeader | null> {
  const deadline = deadlineFor(timeoutSeconds);
  const saved = sock.gettimeout();
  let got = Buffer.alloc(0);
  try {
    for (;;) {
      const left = secondsLeft(deadline);
      if (left === 0)
        throw new ProxyHeaderError(
          "TIMEOUT",
          `no complete PROXY header within ${timeoutSeconds} s (${got.length} bytes)`,
        );
      sock.settimeout(left);
      // Peek, decide how much is header, then take exactly that: a v1 line has no length field, and what
      // follows it is the client's. Bytes before the end of the line are all header, so a partial line is taken
      // whole and the next wait is for new bytes (peeking again at the same bytes would spin).
      let seen: Buffer;
      try {
        seen = await sock.recv(maxLength - got.length, MSG_PEEK);
      } catch (err) {
        if (err instanceof TimeoutError) continue;
        // A health check may end with a reset instead of a FIN (HAProxy's does): still not a bad header.
        if (err instanceof ConnectionResetError && got.length === 0) return null;
        throw err;
      }
      if (seen.length === 0) {
        if (got.length === 0) return null;
        throw new ProxyHeaderError("TRUNCATED", `connection closed after ${got.length} bytes of a PROXY header`);
      }
      const all = Buffer.concat([got, seen]);
      const length = headerLength(all, maxLength);
      const take = length === null ? seen.length : Math.min(seen.length, length - got.length);
      got = Buffer.concat([got, await sock.recv(take)]);
      if (length !== null && got.length === length) return parseProxyHeader(got);
    }
  } finally {
    if (!sock.closed) sock.settimeout(saved);
  }
}
