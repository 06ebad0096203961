// The fd behind an argument of the select module (select.select, poll, epoll), checked as Python's
// PyObject_AsFileDescriptor checks it; the selectors module has its own, differently worded check (selectors.ts).

/**
 * The fd of an fd number or an object with fileno(), as Python's PyObject_AsFileDescriptor: select's functions
 * check as it does (TypeError for anything else, RangeError for Python's ValueError on a negative fd), where
 * the selectors module's own check says "Invalid file object" (selectors.ts).
 */
export function asFileDescriptor(fileobj: unknown): number {
  let fd: unknown = fileobj;
  if (typeof fileobj !== "number") {
    const fileno = (fileobj as { fileno?: unknown } | null)?.fileno;
    if (typeof fileno !== "function") throw new TypeError("argument must be an int, or have a fileno() method.");
    fd = (fileno as () => unknown).call(fileobj);
    if (typeof fd !== "number" || !Number.isInteger(fd)) throw new TypeError("fileno() returned a non-integer");
  }
  if (!Number.isInteger(fd)) throw new TypeError("argument must be an int, or have a fileno() method.");
  const n = fd as number;
  if (n < 0) throw new RangeError(`file descriptor cannot be a negative integer (${n})`);
  return n;
}
