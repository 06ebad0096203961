// Loads koffi, the C library and the running node binary (which exports libuv) once. This file and its siblings
// in src/libc are the only code that touch the FFI. Loading is lazy so that importing socketkit on another
// platform fails only when a socket is made, with one clear sentence.

import { createRequire } from "node:module";
import { assertLinux } from "./platform.js";

// koffi ships CommonJS with prebuilt binaries; its typings describe the loaded module.
export type Koffi = typeof import("koffi");
export type Library = ReturnType<Koffi["load"]>;

let koffiModule: Koffi | null = null;
let libcLibrary: Library | null = null;
let nodeLibrary: Library | null = null;

/** The koffi module, loaded on first use (Linux only). */
export function koffi(): Koffi {
  if (koffiModule === null) {
    assertLinux();
    koffiModule = createRequire(import.meta.url)("koffi") as Koffi;
  }
  return koffiModule;
}

/** The process's C library, loaded on first use (Linux only). */
export function libc(): Library {
  if (libcLibrary === null) libcLibrary = koffi().load("libc.so.6");
  return libcLibrary;
}

/** The node executable itself: its exported libuv functions drive the same event loop as the rest of Node. */
export function nodeBinary(): Library {
  if (nodeLibrary === null) nodeLibrary = koffi().load(null);
  return nodeLibrary;
}

/** errno as the last failing synchronous call left it; read it before anything else runs. */
export function lastErrno(): number {
  return koffi().errno();
}
