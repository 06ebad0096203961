// The worker's side of ForkingMixIn: the hello that makes the server with the worker's key a worker (the parent's
// server socket and address), and the loop that takes one request at a time from the control socket, runs it as
// Python's forked child does (finishRequest, handleError, shutdownRequest) and tells the parent it is done.

import * as C from "../../socket/constants.js";
import { OSError } from "../../socket/errors.js";
import { receiveMessage, recvFds } from "../../socket/messages.js";
import { Socket } from "../../socket/socket.js";
import type { Address } from "../../socket/address.js";
import { CONTROL_FD, decodeMessage, encodeMessage, MAX_MESSAGE } from "./worker-process.js";

export interface Hello {
  channel: Socket;
  serverSocket: Socket;
  serverAddress: Address;
}

/**
 * Reads the hello the parent queued before starting this process: one synchronous, non-blocking recvmsg, so a
 * worker's server has its socket before its serveForever() first awaits anything.
 * @throws OSError when there is no hello (the process was not started by a ForkingMixIn server).
 */
export function receiveHello(): Hello {
  // Made sure of, not assumed from how the worker was started: a handler's child process must never hold the channel.
  const channel = new Socket(C.AF_UNIX, C.SOCK_SEQPACKET, 0, CONTROL_FD);
  channel.setInheritable(false);
  const data = Buffer.alloc(MAX_MESSAGE);
  // Through the channel's own engine, never waiting: the parent queued the hello before it started this process.
  const [n, ancdata] = receiveMessage(channel, [data], 64);
  const fd = ancdata[0]?.[2].readInt32LE(0);
  if (fd === undefined) throw new Error("the worker's hello carried no server socket");
  const { header } = decodeMessage<{ address: Address }>(data.subarray(0, n));
  return {
    channel,
    serverSocket: new Socket(undefined, undefined, undefined, fd),
    serverAddress: header.address,
  };
}

/** What the worker loop needs of its server. */
export interface WorkerServer {
  readonly socket: Socket;
  socketType: number;
  /** Python's forked child: finishRequest, handleError on a throw, shutdownRequest always. */
  runRequest(request: unknown, clientAddress: Address): Promise<void>;
}

/**
 * Serves requests handed over by the parent, one at a time, until it closes the control socket (or dies), then
 * ends the process, as Python's child ends with os._exit(): nothing after serveForever() runs in a worker. The
 * channel is read all along, so a worker notices its parent's end even while a handler waits; it finishes that
 * request first, as an orphaned forked child would.
 */
export async function workerLoop(server: WorkerServer, channel: Socket): Promise<never> {
  // A parent that closed while this worker started leaves it nothing to do.
  if (!(await tell(channel, { t: "ready" }))) process.exit(0);
  let current: Promise<void> | null = null;
  for (;;) {
    let message: Buffer;
    let fds: number[];
    try {
      [message, fds] = await recvFds(channel, MAX_MESSAGE, 1);
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
      break;
    }
    if (message.length === 0) break;
    const { header, payload } = decodeMessage<{ id: number; address: Address }>(message);
    const request =
      fds[0] !== undefined ? new Socket(undefined, undefined, undefined, fds[0]) : [payload, server.socket];
    current = server.runRequest(request, header.address).then(async () => {
      current = null;
      if (!(await tell(channel, { t: "done", id: header.id }))) channel.close();
    });
  }
  if (current !== null) await current;
  process.exit(0);
}

/** Sends a message to the parent; false when the parent is gone or closed the channel. */
async function tell(channel: Socket, header: object): Promise<boolean> {
  try {
    await channel.send(encodeMessage(header));
    return true;
  } catch (err) {
    if (err instanceof OSError) return false;
    throw err;
  }
}
