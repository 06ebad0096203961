// Python's selectors module: register sockets (or raw fds) with the events they wait for, then await select()
// for the ready ones. Every selector class name maps to the one implementation over Node's event loop
// (src/socket/readiness.ts): epoll is already what drives the loop, so EpollSelector, PollSelector and
// SelectSelector differ in nothing a program can observe but their names.

import { positional, signalOf, type WaitOptions } from "./abort.js";
import { POLLIN, POLLOUT, releaseRawFd, waitReady } from "./readiness.js";
import { Socket } from "./socket.js";

export const EVENT_READ = 1;
export const EVENT_WRITE = 2;

/** What a selector watches: a Socket, any object with fileno(), or an fd number. */
export type FileObject = number | { fileno(): number };

/**
 * Python's selectors.SelectorKey, a frozen record of the registered object, its fd, the events it waits for and
 * the caller's data. It exists at run time (`key instanceof SelectorKey`) and unpacks as Python's namedtuple:
 * `const [fileobj, fd, events, data] = key`.
 */
export class SelectorKey<T = unknown> {
  constructor(
    readonly fileobj: FileObject,
    readonly fd: number,
    readonly events: number,
    readonly data: T | undefined,
  ) {
    Object.freeze(this);
  }

  *[Symbol.iterator](): IterableIterator<FileObject | number | T | undefined> {
    yield this.fileobj;
    yield this.fd;
    yield this.events;
    yield this.data;
  }
}

/**
 * Python's selector mapping (what get_map() returns): a live, read-only view keyed by fd, whose get() and has()
 * take a registered object or its fd number, as Python's `get_map()[fileobj]` does.
 */
export class SelectorMapping<T> implements ReadonlyMap<number, SelectorKey<T>> {
  constructor(
    private readonly byFd: ReadonlyMap<number, SelectorKey<T>>,
    private readonly lookup: (fileobj: FileObject) => number,
  ) {}

  get size(): number {
    return this.byFd.size;
  }

  /** The key of `fileobj` (an object or an fd), undefined when it is not registered. @throws RangeError for an invalid one */
  get(fileobj: FileObject): SelectorKey<T> | undefined {
    return this.byFd.get(this.lookup(fileobj));
  }

  has(fileobj: FileObject): boolean {
    return this.get(fileobj) !== undefined;
  }

  keys(): MapIterator<number> {
    return this.byFd.keys();
  }

  values(): MapIterator<SelectorKey<T>> {
    return this.byFd.values();
  }

  entries(): MapIterator<[number, SelectorKey<T>]> {
    return this.byFd.entries();
  }

  [Symbol.iterator](): MapIterator<[number, SelectorKey<T>]> {
    return this.byFd.entries();
  }

  forEach(callback: (key: SelectorKey<T>, fd: number, map: ReadonlyMap<number, SelectorKey<T>>) => void): void {
    for (const [fd, key] of this.byFd) callback(key, fd, this);
  }
}

/** Python's KeyError, as selectors raise it for an object that is (or is not) registered. */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

/** A file object as its messages print it (String()): one that failed the checks may be anything at run time. */
const describe = (fileobj: unknown): string => String(fileobj);

/** The fd of a file object, as Python's selectors._fileobj_to_fd. */
export function fileobjToFd(fileobj: FileObject): number {
  let fd: unknown = fileobj;
  if (typeof fileobj !== "number") {
    if (fileobj === null || typeof fileobj !== "object" || typeof fileobj.fileno !== "function") {
      throw new RangeError(`Invalid file object: ${describe(fileobj)}`);
    }
    fd = fileobj.fileno();
  }
  if (typeof fd !== "number" || !Number.isInteger(fd))
    throw new RangeError(`Invalid file object: ${describe(fileobj)}`);
  if (fd < 0) throw new RangeError(`Invalid file descriptor: ${fd}`);
  return fd;
}

/**
 * A selector, as Python's selectors.BaseSelector, with select() returning a promise.
 * @example
 * const sel = new DefaultSelector();
 * sel.register(listener, EVENT_READ, "accept");
 * for (const [key, events] of await sel.select()) …
 */
export class BaseSelector<T = unknown> {
  private readonly byFd = new Map<number, SelectorKey<T>>();
  private readonly map = new SelectorMapping(this.byFd, (fileobj) => this.fdOf(fileobj));
  private closed = false;

  /** Watches `fileobj` for `events` (EVENT_READ | EVENT_WRITE); `data` comes back with each of its keys. */
  register(fileobj: FileObject, events: number, data?: T): SelectorKey<T> {
    this.checkOpen();
    if (!Number.isInteger(events) || events === 0 || (events & ~(EVENT_READ | EVENT_WRITE)) !== 0) {
      throw new RangeError(`Invalid events: ${String(events)}`);
    }
    const fd = this.fdOf(fileobj);
    if (this.byFd.has(fd)) throw new KeyError(`${describe(fileobj)} (FD ${fd}) is already registered`);
    const key = new SelectorKey(fileobj, fd, events, data);
    this.byFd.set(fd, key);
    return key;
  }

  /** Stops watching `fileobj`; returns its key. Unregister a raw fd before closing it, as with Python's epoll. */
  unregister(fileobj: FileObject): SelectorKey<T> {
    this.checkOpen();
    const key = this.getKey(fileobj);
    this.byFd.delete(key.fd);
    if (!(key.fileobj instanceof Socket)) releaseRawFd(key.fd);
    return key;
  }

  /** Changes what `fileobj` waits for, or its data. */
  modify(fileobj: FileObject, events: number, data?: T): SelectorKey<T> {
    const key = this.getKey(fileobj);
    if (events === key.events && data === key.data) return key;
    this.byFd.delete(key.fd);
    try {
      return this.register(fileobj, events, data);
    } catch (err) {
      this.byFd.set(key.fd, key);
      throw err;
    }
  }

  /**
   * Resolves with [key, events] for each registered object that is ready, as soon as one is; with [] when
   * `timeout` seconds pass first (null waits as long as it takes, 0 or less only looks). Aborting `signal`
   * rejects with AbortError and ends the wait.
   */
  async select(
    timeoutOrOptions: number | null | WaitOptions = null,
    options?: WaitOptions,
  ): Promise<[SelectorKey<T>, number][]> {
    const signal = signalOf(timeoutOrOptions, options);
    const timeout = positional(timeoutOrOptions, null);
    this.checkOpen();
    const limit = timeout === null ? null : Math.max(0, checkTimeoutValue(timeout));
    const interests = new Map<number, number>();
    for (const key of this.byFd.values()) {
      interests.set(key.fd, (key.events & EVENT_READ ? POLLIN : 0) | (key.events & EVENT_WRITE ? POLLOUT : 0));
    }
    const ready: [SelectorKey<T>, number][] = [];
    for (const [fd, revents] of await waitReady(interests, limit, signal)) {
      const key = this.byFd.get(fd);
      if (key === undefined) continue;
      // As Python's poll and epoll selectors: anything but "readable" counts as writable and vice versa (HUP, ERR).
      const events = (revents & ~POLLIN ? EVENT_WRITE : 0) | (revents & ~POLLOUT ? EVENT_READ : 0);
      ready.push([key, events & key.events]);
    }
    return ready;
  }

  /** The key of a registered object. @throws KeyError when it is not registered */
  getKey(fileobj: FileObject): SelectorKey<T> {
    const fd = this.fdOf(fileobj);
    const key = this.byFd.get(fd);
    if (key === undefined) throw new KeyError(`${describe(fileobj)} is not registered`);
    return key;
  }

  /**
   * Every registered object's key, keyed by fd, as Python's get_map(): `getMap().get(fd)` and
   * `getMap().get(sock)` both find a key. A live view (it follows later registrations); null once closed.
   */
  getMap(): SelectorMapping<T> | null {
    return this.closed ? null : this.map;
  }

  /** Unregisters everything; the selector cannot be used afterwards. Safe to call again. */
  close(): void {
    if (this.closed) return;
    for (const key of [...this.byFd.values()]) this.unregister(key.fileobj);
    this.closed = true;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private fdOf(fileobj: FileObject): number {
    try {
      return fileobjToFd(fileobj);
    } catch (err) {
      // An object already registered may have been closed since (fileno() is -1): find it by identity, as Python does.
      for (const key of this.byFd.values()) if (key.fileobj === fileobj) return key.fd;
      throw err;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new RangeError("I/O operation on closed selector");
  }
}

function checkTimeoutValue(timeout: unknown): number {
  if (typeof timeout !== "number" || Number.isNaN(timeout))
    throw new TypeError(`timeout must be a number of seconds or null, got ${String(timeout)}`);
  if (!Number.isFinite(timeout)) throw new RangeError("timeout is too large");
  return timeout;
}

/** Python's selectors.EpollSelector. */
export class EpollSelector<T = unknown> extends BaseSelector<T> {}
/** Python's selectors.PollSelector (the same implementation; see the file's header). */
export class PollSelector<T = unknown> extends BaseSelector<T> {}
/** Python's selectors.SelectSelector (the same implementation; see the file's header). */
export class SelectSelector<T = unknown> extends BaseSelector<T> {}
/** Python's selectors.DefaultSelector: epoll on Linux. */
export const DefaultSelector = EpollSelector;
export type DefaultSelector<T = unknown> = EpollSelector<T>;
