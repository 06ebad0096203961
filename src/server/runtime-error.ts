// Python's RuntimeError, as socketkit's servers raise it for a call the server's state does not allow (a second
// serveForever() while one runs). A plain Error subclass with Python's name, as KeyError is for the selectors.

/** Python's RuntimeError: the call is well formed, but the object's current state does not allow it. */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeError";
  }
}
