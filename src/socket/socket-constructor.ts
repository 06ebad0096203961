// The type of the Socket constructor (socket.ts): Python's defaults fix the family and type where the arguments
// leave them out, so `new Socket()` is an AF_INET SOCK_STREAM socket to the type checker as to the kernel. A
// class's own constructor cannot say that: `new Socket()` and a bare `Socket` both take F's and T's defaults.

import type { AddressFamily, SocketKind } from "./constants.js";
import type { Socket } from "./socket.js";

/**
 * `new Socket(family, type, proto, fileno)`, typed by its arguments and by Python's defaults for missing ones.
 * Only the second form has defaults for its type parameters, so `class MySocket extends Socket {}` extends an
 * AF_INET SOCK_STREAM socket (TypeScript requires the forms a bare `extends` sees to agree); `extends Socket<F, T>`
 * gets both forms.
 */
export interface SocketConstructor {
  /** With `fileno`: the kernel says the family and type the arguments leave out, so they stay any number. */
  new <F extends number, T extends number>(
    family: F | undefined,
    type: T | undefined,
    proto: number | undefined,
    fileno: number,
  ): Socket<F, T>;
  /** Python's socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None). */
  new <F extends number = AddressFamily.AF_INET, T extends number = SocketKind.SOCK_STREAM>(
    family?: F,
    type?: T,
    proto?: number,
    fileno?: number,
  ): Socket<F, T>;
  readonly prototype: Socket;
}
