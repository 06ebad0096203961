// Loads koffi and the C library once. This file and its siblings in src/libc are the only code that touch the FFI.
// Loading is lazy so that importing socketkit on another platform fails only when a socket is made, with one clear sentence.

import { createRequire } from "node:module";
import { assertLinux } from "./platform.js";

// koffi ships CommonJS with prebuilt binaries; its typings describe the loaded module.
type Koffi = typeof import("koffi");

let koffiModule: Koffi | null = null;
let libcLibrary: ReturnType<Koffi["load"]> | null = null;

/** The koffi module, loaded on first use (Linux only). */
export function koffi(): Koffi {
  if (koffiModule === null) {
    assertLinux();
    koffiModule = createRequire(import.meta.url)("koffi") as Koffi;
  }
  return koffiModule;
}

/** The process's C library, loaded on first use (Linux only). */
export function libc(): ReturnType<Koffi["load"]> {
  if (libcLibrary === null) libcLibrary = koffi().load("libc.so.6");
  return libcLibrary;
}

/** errno as the last failing synchronous call left it; read it before anything else runs. */
export function lastErrno(): number {
  return koffi().errno();
}
