// Seamless restart: a running server hands its listening socket to its successor over a Unix socket
// (SCM_RIGHTS), then drains its own connections. The listening socket is never closed — both processes hold it
// for a moment, then only the successor does — so the kernel's accept queue survives the restart: no client is
// refused and no queued connection is reset (closing the last descriptor of a listener resets its queue, which
// is what stopping one of several SO_REUSEPORT listeners does; see docs/deployment.md).
//
//   successor                                   predecessor (offerListener on PATH)
//   connect(PATH), send "LISTENER? <pid>\n"  →
//                                            ←  sendFds('{"pid":…}\n', [listener])   (keeps accepting meanwhile)
//   adopt the listener, start serving,
//   send "SERVING\n"                         →  stop accepting, close its copy, drain its connections, exit
//   bind its own PATH (atomic rename), ready for the next restart

import { renameSync, statSync, unlinkSync } from "node:fs";
import * as C from "../socket/constants.js";
import { OSError } from "../socket/errors.js";
import { recvFds, sendFds } from "../socket/messages.js";
import { Socket } from "../socket/socket.js";

/** Seconds each side waits for the other's next message before giving up on a hand-over. */
const STEP_TIMEOUT = 10;

/** A listening socket received from a predecessor; confirm() once serving on it, so that it stops accepting. */
export interface ReceivedListener {
  listener: Socket;
  predecessorPid: number;
  confirm(): Promise<void>;
}

async function readLine(sock: Socket, max = 256): Promise<string> {
  let text = "";
  while (!text.includes("\n") && text.length < max) {
    const got = await sock.recv(max - text.length);
    if (got.length === 0) break;
    text += got.toString("utf8");
  }
  return text;
}

/**
 * Asks the server offering on `path` for its listening socket. Resolves null when nobody offers there (no
 * socket file, or a stale one nobody listens on), so that the caller binds its own.
 * @throws OSError for other failures of the exchange; Error when the predecessor's answer carries no socket.
 */
export async function requestListener(path: string): Promise<ReceivedListener | null> {
  const control = new Socket(C.AF_UNIX, C.SOCK_STREAM);
  control.settimeout(STEP_TIMEOUT);
  try {
    await control.connect(path);
  } catch (err) {
    control.close();
    if (err instanceof OSError && (err.code === "ENOENT" || err.code === "ECONNREFUSED")) return null;
    throw err;
  }
  try {
    await control.sendall(Buffer.from(`LISTENER? ${process.pid}\n`));
    const [data, fds] = await recvFds(control, 256, 1);
    if (fds.length !== 1)
      throw new Error(`the server on ${path} answered without a listening socket: ${JSON.stringify(data.toString())}`);
    const { pid } = JSON.parse(data.toString("utf8")) as { pid: number };
    const listener = new Socket(undefined, undefined, undefined, fds[0]);
    return {
      listener,
      predecessorPid: pid,
      async confirm() {
        try {
          await control.sendall(Buffer.from("SERVING\n"));
        } finally {
          control.close();
        }
      },
    };
  } catch (err) {
    control.close();
    throw err;
  }
}

/** What offerListener() reports; `log` gets one line per event. */
export interface OfferOptions {
  log: (line: string) => void;
  /** Called once, after the successor confirmed it serves on the listener. */
  onHandedOver: (successorPid: number) => void;
}

/**
 * Offers `listener` to a successor on the Unix socket `path` (made atomically: bound under a temporary name,
 * then renamed over `path`, so a successor never finds it missing). Hands it over at most once.
 * @returns a function that stops offering; it removes `path` only while the name is still this offer's.
 */
export function offerListener(path: string, listener: Socket, options: OfferOptions): () => void {
  const control = new Socket(C.AF_UNIX, C.SOCK_STREAM);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    unlinkSync(temporary);
  } catch {
    // Not there: the usual case.
  }
  control.bind(temporary);
  control.listen(4);
  const inode = statSync(temporary).ino;
  renameSync(temporary, path);
  let done = false;
  const stop = () => {
    if (done) return;
    done = true;
    control.close();
    try {
      if (statSync(path).ino === inode) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  void (async () => {
    while (!done) {
      let conn: Socket;
      try {
        [conn] = await control.accept();
      } catch {
        return; // closed by stop()
      }
      const successor = await serveOne(conn, listener, options.log);
      if (successor !== null && !done) {
        // The name now belongs to the successor (it renamed its own socket over it): only close ours.
        done = true;
        control.close();
        options.onHandedOver(successor);
      }
    }
  })();
  return stop;
}

/** One successor's request: the listener out, the confirmation in. Resolves the successor's pid, or null. */
async function serveOne(conn: Socket, listener: Socket, log: (line: string) => void): Promise<number | null> {
  conn.settimeout(STEP_TIMEOUT);
  try {
    const request = /^LISTENER\? (\d+)\n$/.exec(await readLine(conn));
    if (request === null) {
      log("hand-over: ignored a request that did not ask for the listener");
      return null;
    }
    await sendFds(conn, [Buffer.from(`${JSON.stringify({ pid: process.pid })}\n`)], [listener.fileno()]);
    if ((await readLine(conn)) !== "SERVING\n") {
      log(`hand-over: pid ${request[1]} took the listener but did not confirm; still serving`);
      return null;
    }
    return Number(request[1]);
  } catch (err) {
    if (!(err instanceof OSError)) throw err;
    log(`hand-over: failed (${err.message}); still serving`);
    return null;
  } finally {
    conn.close();
  }
}
