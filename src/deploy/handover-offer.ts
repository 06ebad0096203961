// The predecessor's side of a hand-over (handover.ts): a Unix socket at PATH, mode 0600 whatever the umask, on
// which a successor of this server's user (or root) asks for the listening socket. Each peer is its own task
// with short deadlines, so a peer that connects and says nothing holds up nobody; one hand-over is in flight at
// a time (from sending the listener to its confirmation), so at most one successor serves on it unconfirmed.

import { chmodSync, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import * as C from "../socket/constants.js";
import { OSError, TimeoutError } from "../socket/errors.js";
import { sendFds } from "../socket/messages.js";
import type { PeerCredentials } from "../socket/peer-credentials.js";
import { Socket } from "../socket/socket.js";
import { deadlineFor } from "../socket/timeout.js";
import { readLine } from "./handover.js";
import { checkHandoverDirectory, checkPeer, HandoverRefusedError } from "./handover-trust.js";

/** Seconds a peer has, once connected, to ask for the listener: a successor asks at once. */
const ASK_TIMEOUT = 2;
/** Seconds a successor has, once it holds the listener, to say it serves on it: it starts serving at once. */
const CONFIRM_TIMEOUT = 3;

/** What offerListener() reports; `log` gets one line per event. */
export interface OfferOptions {
  log: (line: string) => void;
  /** Called once, after the successor confirmed it serves on the listener. */
  onHandedOver: (successorPid: number) => void;
}

/** Binds a Unix socket at `path` that only this user (and root) can connect to, and listens on it. */
function bindPrivately(path: string): { control: Socket; inode: number } {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const control = new Socket(C.AF_UNIX, C.SOCK_STREAM);
  try {
    control.bind(temporary);
    // bind() made the name 0777 less the umask; nobody can connect before listen(), so 0600 is set in between.
    chmodSync(temporary, 0o600);
    control.listen(8);
    const inode = statSync(temporary).ino;
    // Renamed over `path` in one step, so a successor never finds the name missing.
    renameSync(temporary, path);
    return { control, inode };
  } catch (err) {
    control.close();
    rmSync(temporary, { force: true });
    throw err;
  }
}

/**
 * Offers `listener` to a successor on the Unix socket `path` (mode 0600, made atomically: bound under a
 * temporary name, then renamed over `path`, so a successor never finds it missing). Hands it over at most once,
 * to a peer of this server's user or root (SO_PEERCRED); anyone else is logged and closed without a byte.
 * @returns a function that stops offering; it removes `path` only while the name is still this offer's.
 * @throws HandoverRefusedError when the directory of `path` is not safe (handover-trust.ts); OSError from bind.
 */
export function offerListener(path: string, listener: Socket, options: OfferOptions): () => void {
  checkHandoverDirectory(path);
  const offer = new Offer(path, listener, options);
  void offer.acceptPeers();
  return () => offer.stop();
}

class Offer {
  private readonly control: Socket;
  private readonly inode: number;
  private done = false;
  /** The hand-over in flight, which the next one waits for. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly listener: Socket,
    private readonly options: OfferOptions,
  ) {
    ({ control: this.control, inode: this.inode } = bindPrivately(path));
  }

  stop(): void {
    if (this.done) return;
    this.done = true;
    this.control.close();
    try {
      if (statSync(this.path).ino === this.inode) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  async acceptPeers(): Promise<void> {
    while (!this.done) {
      let conn: Socket;
      try {
        [conn] = await this.control.accept();
      } catch {
        return; // closed by stop()
      }
      void this.servePeer(conn);
    }
  }

  /** One peer: its credentials, its request within ASK_TIMEOUT, then its turn for the listener. */
  private async servePeer(conn: Socket): Promise<void> {
    let peer: PeerCredentials | null = null;
    try {
      peer = checkPeer(conn, "a process asking for the listener");
      const ask = await readLine(conn, deadlineFor(ASK_TIMEOUT));
      if (/^LISTENER\? \d+\n$/.test(ask)) await this.inTurn(() => this.handOver(conn, peer!));
      else this.options.log(`hand-over: pid ${peer.pid} did not ask for the listener; closed`);
    } catch (err) {
      this.report(err, peer);
    } finally {
      conn.close();
    }
  }

  /** Runs `step` once the hand-over in flight (if any) is done. */
  private async inTurn(step: () => Promise<void>): Promise<void> {
    const previous = this.turn;
    let release!: () => void;
    this.turn = new Promise((r) => (release = r));
    try {
      await previous;
      await step();
    } finally {
      release();
    }
  }

  /** The one line for a peer's exchange that failed. */
  private report(err: unknown, peer: PeerCredentials | null): void {
    const who = peer === null ? "a peer" : `pid ${peer.pid}`;
    if (err instanceof HandoverRefusedError) this.options.log(`hand-over: refused ${err.message}`);
    else if (err instanceof TimeoutError)
      this.options.log(`hand-over: ${who} did not ask for the listener within ${ASK_TIMEOUT} s; closed`);
    else if (err instanceof OSError) this.options.log(`hand-over: ${who}: ${err.message}; still serving`);
    else throw err;
  }

  /** Sends the listener and waits for the confirmation; the first confirmed hand-over ends the offer. */
  private async handOver(conn: Socket, peer: PeerCredentials): Promise<void> {
    if (this.done) return;
    conn.settimeout(CONFIRM_TIMEOUT);
    await sendFds(conn, [Buffer.from(`${JSON.stringify({ pid: process.pid })}\n`)], [this.listener.fileno()]);
    let confirmed = false;
    try {
      confirmed = (await readLine(conn, deadlineFor(CONFIRM_TIMEOUT))) === "SERVING\n";
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
    }
    if (!confirmed) {
      this.options.log(
        `hand-over: pid ${peer.pid} took a copy of the listener but did not confirm within ${CONFIRM_TIMEOUT} s; still serving`,
      );
      return;
    }
    // The name now belongs to the successor (it renamed its own socket over it): only close ours.
    this.done = true;
    this.control.close();
    this.options.onHandedOver(peer.pid);
  }
}
