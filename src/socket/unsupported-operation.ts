// Python's io.UnsupportedOperation, which makefile()'s files raise for what their mode does not allow.

import { OSError } from "./errors.js";

/**
 * Python's io.UnsupportedOperation: a file asked to do what its mode does not allow (write to "rb", read from
 * "wb"). Python's class is both an OSError and a ValueError; a JavaScript class has one parent, so this one is an
 * OSError (errno null), which is what `except OSError` handlers and socketkit's own checks look for.
 */
export class UnsupportedOperation extends OSError {
  constructor(message: string) {
    super(null, message);
  }
}
