// The type of the Socket constructor (socket.ts): Python's defaults fix the family and type where the arguments
// leave them out, so `new Socket()` is an AF_INET SOCK_STREAM socket to the type checker as to the kernel. A
// class's own constructor cannot say that: `new Socket()` and a bare `Socket` both take F's and T's defaults.

import type { AddressFamily, SocketKind } from "./constants.js";
import type { Socket } from "./socket.js";

/** `new Socket(family, type, proto, fileno)`, typed by its arguments and by Python's defaults for missing ones. */
export interface SocketConstructor {
  /** Python's socket.socket(): AF_INET, SOCK_STREAM. */
  new (): Socket<AddressFamily.AF_INET, SocketKind.SOCK_STREAM>;
  /** socket.socket(family): a SOCK_STREAM socket of that family. */
  new <F extends number>(family: F): Socket<F, SocketKind.SOCK_STREAM>;
  /** Every other form; with `fileno` and no family or type, the kernel says which at run time. */
  new <F extends number = number, T extends number = number>(
    family?: F,
    type?: T,
    proto?: number,
    fileno?: number,
  ): Socket<F, T>;
  readonly prototype: Socket;
}
