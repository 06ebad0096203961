// The argument forms of the socket layer's waiting calls: Python's optional positional parameters, then Node's
// optional `{ signal }` in any trailing slot. Each function checks its arguments and starts the engine's call.
import * as C from "../libc/constants.js";
import type { Address } from "./address.js";
import { positional, signalOf, type WaitOptions } from "./abort.js";
import { asPromise, checkBytes, checkInt } from "./arguments.js";
import type { IoSource } from "./io-source.js";
import type { ReceivedMessage } from "./messages.js";
import { transmitFile, type SendfileSource } from "./sendfile.js";

/** A trailing slot of a waiting call: Python's positional value, the call's `{ signal }`, or nothing. */
export type Slot<T = number> = T | WaitOptions | undefined;

/** A flags argument: any C int ≥ 0, for the kernel to judge. */
export const checkFlags = (flags: number) => checkInt(flags, "flags", 0, C.INT_MAX);

/** The size of a receive into a caller's buffer: `nbytes`, or the whole buffer for 0. */
function intoLength(buffer: Uint8Array, nbytes: number): number {
  checkBytes(buffer, "buffer");
  checkInt(nbytes, "nbytes", 0, buffer.length);
  return nbytes === 0 ? buffer.length : nbytes;
}

/** recv(bufsize, flags, { signal }): on every read of a stream, so without a closure or a rest parameter. */
export function recvCall(source: IoSource, bufsize: number, a?: Slot, b?: Slot): Promise<Buffer> {
  try {
    const signal = signalOf(a, b);
    checkInt(bufsize, "bufsize", 0, C.INT_MAX);
    const flags = checkFlags(positional(a, 0));
    // Python returns b'' for recv(0) without a syscall, so a datagram is not consumed.
    return bufsize === 0 ? Promise.resolve(Buffer.alloc(0)) : source.recv(bufsize, flags, signal);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** recv_into(buffer, nbytes, flags, { signal }). */
export function recvIntoCall(source: IoSource, buffer: Uint8Array, ...[a, b, c]: Slot[]): Promise<number> {
  return asPromise(() => {
    const signal = signalOf(a, b, c);
    const len = intoLength(buffer, positional(a, 0));
    const flags = checkFlags(positional(b, 0));
    return len === 0 ? 0 : source.recvInto(buffer, len, flags, signal);
  });
}

/** recvfrom(bufsize, flags, { signal }). */
export function recvfromCall(source: IoSource, bufsize: number, ...[a, b]: Slot[]): Promise<[Buffer, Address | null]> {
  return asPromise(() => {
    const signal = signalOf(a, b);
    checkInt(bufsize, "bufsize", 0, C.INT_MAX);
    return source.recvfrom(bufsize, checkFlags(positional(a, 0)), signal);
  });
}

/** recvfrom_into(buffer, nbytes, flags, { signal }). */
export function recvfromIntoCall(
  source: IoSource,
  buffer: Uint8Array,
  ...[a, b, c]: Slot[]
): Promise<[number, Address | null]> {
  return asPromise(() => {
    const signal = signalOf(a, b, c);
    const len = intoLength(buffer, positional(a, 0));
    return source.recvfromInto(buffer, len, checkFlags(positional(b, 0)), signal);
  });
}

/** A send of a datagram or message whose flags and signal sendCall() checked. */
type SendFunction<R> = (data: Uint8Array, flags: number, signal?: AbortSignal) => Promise<R>;

/**
 * send(data, flags, { signal }), sendall(…) on `source`, or a `send` of the caller's (sendto). The methods are
 * named, not passed, so that the hot path makes no closure per call.
 */
export function sendCall(source: IoSource, method: "send", data: Uint8Array, a?: Slot, b?: Slot): Promise<number>;
export function sendCall(source: IoSource, method: "sendall", data: Uint8Array, a?: Slot, b?: Slot): Promise<void>;
export function sendCall<R>(
  source: IoSource,
  method: SendFunction<R>,
  data: Uint8Array,
  a?: Slot,
  b?: Slot,
): Promise<R>;
export function sendCall(
  source: IoSource,
  method: "send" | "sendall" | SendFunction<unknown>,
  data: Uint8Array,
  a?: Slot,
  b?: Slot,
): Promise<unknown> {
  try {
    const signal = signalOf(a, b);
    const flags = checkFlags(positional(a, 0));
    checkBytes(data, "data");
    if (method === "send") return source.send(data, flags, signal);
    if (method === "sendall") return source.sendall(data, flags, signal);
    return method(data, flags, signal);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** recvmsg(bufsize, ancbufsize, flags, { signal }). */
export function recvmsgCall(source: IoSource, bufsize: number, ...[a, b, c]: Slot[]): Promise<ReceivedMessage<Buffer>> {
  return asPromise(() => {
    const signal = signalOf(a, b, c);
    checkInt(bufsize, "bufsize", 0, C.INT_MAX);
    const ancbufsize = checkInt(positional(a, 0), "ancbufsize", 0, C.INT_MAX);
    return source.recvmsg(bufsize, ancbufsize, checkFlags(positional(b, 0)), signal);
  });
}

/** recvmsg_into(buffers, ancbufsize, flags, { signal }). */
export function recvmsgIntoCall(
  source: IoSource,
  buffers: readonly Uint8Array[],
  ...[a, b, c]: Slot[]
): Promise<ReceivedMessage<number>> {
  return asPromise(() => {
    const signal = signalOf(a, b, c);
    const ancbufsize = checkInt(positional(a, 0), "ancbufsize", 0, C.INT_MAX);
    return source.recvmsgInto(buffers, ancbufsize, checkFlags(positional(b, 0)), signal);
  });
}

/** sendfile(file, offset, count, { signal }). */
export function sendfileCall(source: IoSource, file: SendfileSource, ...[a, b, c]: Slot<number | null>[]) {
  return asPromise(() => {
    const signal = signalOf(a, b, c);
    return transmitFile(
      source,
      file,
      positional<number | null>(a, 0) as number,
      positional<number | null>(b, null),
      signal,
    );
  });
}
