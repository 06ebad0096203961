// The socket layer's view of Python's OSError family, which lives in src/libc/errors.ts so that every layer
// raises the same classes.
export * from "../libc/errors.js";
export { E } from "../libc/errno.js";
