// Seamless restart: a running server hands its listening socket to its successor over a Unix socket
// (SCM_RIGHTS), then drains its own connections. The listening socket is never closed — both processes hold it
// for a moment, then only the successor does — so the kernel's accept queue survives the restart: no client is
// refused and no queued connection is reset (closing the last descriptor of a listener resets its queue, which
// is what stopping one of several SO_REUSEPORT listeners does; see docs/deployment.md).
//
//   successor (requestListener)                 predecessor (offerListener on PATH, handover-offer.ts)
//   check PATH and its directories, connect  →  check the peer (SO_PEERCRED), else log and close
//   check the peer (SO_PEERCRED)
//   send "LISTENER? <pid>\n"                 →  within ASK_TIMEOUT, else log and close
//                                            ←  sendFds('{"pid":…}\n', [listener])   (keeps accepting meanwhile)
//   check the listener (listening TCP, the address it was told), adopt it, start serving,
//   send "SERVING\n"                         →  within CONFIRM_TIMEOUT: stop accepting, close its copy, drain, exit
//   bind its own PATH (mode 0600, atomic rename), ready for the next restart
//
// What each check trusts is in handover-trust.ts; a refusal is one sentence (HandoverRefusedError).

import { OSError, timedOut } from "../socket/errors.js";
import * as C from "../socket/constants.js";
import { close as closeFd } from "../socket/functions.js";
import { recvFds } from "../socket/messages.js";
import { Socket } from "../socket/socket.js";
import { hasPassed, secondsLeft, type Deadline } from "../socket/timeout.js";
import {
  checkHandoverDirectory,
  checkHandoverSocket,
  checkOfferedListener,
  checkPeer,
  HandoverRefusedError,
  type ExpectedListener,
} from "./handover-trust.js";

/** Seconds a successor waits for each step of its predecessor (which serves one hand-over at a time). */
const SUCCESSOR_TIMEOUT = 15;

/** A listening socket received from a predecessor; confirm() once serving on it, so that it stops accepting. */
export interface ReceivedListener {
  listener: Socket;
  /** The predecessor's pid, as the kernel recorded it (SO_PEERCRED), not as it said. */
  predecessorPid: number;
  confirm(): Promise<void>;
}

/**
 * One line (up to and with "\n", at most `max` bytes) from `sock`, all of it before `deadline`.
 * @throws TimeoutError when the deadline passes first; OSError from recv.
 */
export async function readLine(sock: Socket, deadline: Deadline, max = 256): Promise<string> {
  let text = "";
  while (!text.includes("\n") && text.length < max) {
    if (hasPassed(deadline)) throw timedOut("recv");
    sock.settimeout(secondsLeft(deadline));
    const got = await sock.recv(max - text.length);
    if (got.length === 0) break;
    text += got.toString("utf8");
  }
  return text;
}

/**
 * Asks the server offering on `path` for its listening socket. Resolves null when nobody offers there (no
 * socket file, or a stale one nobody listens on), so that the caller binds its own. Before connecting it checks
 * the path (handover-trust.ts), then that the process offering is this server's user or root, and what it sends
 * must be a listening TCP socket matching `expected` (the address the caller would bind; any, if omitted).
 * @throws HandoverRefusedError when a check fails (anything received is closed); OSError for other failures of
 * the exchange; Error when the predecessor's answer carries no socket.
 */
export async function requestListener(path: string, expected: ExpectedListener = {}): Promise<ReceivedListener | null> {
  checkHandoverDirectory(path);
  if (!checkHandoverSocket(path)) return null;
  const control = new Socket(C.AF_UNIX, C.SOCK_STREAM);
  control.settimeout(SUCCESSOR_TIMEOUT);
  try {
    await control.connect(path);
  } catch (err) {
    control.close();
    if (err instanceof OSError && (err.code === "ENOENT" || err.code === "ECONNREFUSED")) return null;
    throw err;
  }
  try {
    const peer = checkPeer(control, `the server offering on ${path}`);
    await control.sendall(Buffer.from(`LISTENER? ${process.pid}\n`));
    const from = `the server on ${path} (pid ${peer.pid})`;
    const listener = await receiveListener(control, from);
    await checkOfferedListener(listener, expected, from).catch((err: unknown) => {
      listener.close();
      throw err;
    });
    return { listener, predecessorPid: peer.pid, confirm: () => confirm(control) };
  } catch (err) {
    control.close();
    throw err;
  }
}

/** The one descriptor the predecessor's answer carries, as a Socket (anything else received is closed). */
async function receiveListener(control: Socket, from: string): Promise<Socket> {
  const [data, fds] = await recvFds(control, 256, 1);
  if (fds.length !== 1) throw new Error(`${from} answered without a listening socket: ${JSON.stringify(String(data))}`);
  try {
    return new Socket(undefined, undefined, undefined, fds[0]);
  } catch (err) {
    closeFd(fds[0]!);
    if (err instanceof OSError) throw new HandoverRefusedError(`${from} offered a descriptor that is not a socket`);
    throw err;
  }
}

async function confirm(control: Socket): Promise<void> {
  try {
    await control.sendall(Buffer.from("SERVING\n"));
  } finally {
    control.close();
  }
}
