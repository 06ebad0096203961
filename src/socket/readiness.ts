// What select(), poll() and the selectors share: ask the kernel which fds are ready now (poll(2) with a zero
// timeout, so the answer is exact and level-triggered), and otherwise wait on Node's event loop until one of
// them may be, through the same uv_poll registrations the sockets use. Never blocks the event loop.

import { atDeadline, deadlineFor, hasPassed } from "../libc/deadline.js";
import { forgetFd, READABLE, registrationFor, WRITABLE } from "../libc/poller.js";
import { loadSyscalls } from "../libc/syscalls.js";
import { throwIfAborted } from "./abort.js";
import { nextTurn, withinBudget } from "./turns.js";
import { checkResult, E } from "./errors.js";

export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const POLLRDNORM = 0x040;
export const POLLRDBAND = 0x080;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
export const POLLMSG = 0x400;
export const POLLRDHUP = 0x2000;

const POLLFD_SIZE = 8;

/** poll(2) with a zero timeout: [fd, revents] for every fd with something to report. */
function pollNow(interests: ReadonlyMap<number, number>): [number, number][] {
  const fds = Buffer.alloc(interests.size * POLLFD_SIZE);
  let i = 0;
  for (const [fd, events] of interests) {
    fds.writeInt32LE(fd, i * POLLFD_SIZE);
    fds.writeInt16LE(events, i * POLLFD_SIZE + 4);
    i++;
  }
  const sys = loadSyscalls();
  let n: number;
  do n = sys.poll(fds, interests.size, 0);
  while (n === -E.EINTR);
  checkResult(n, "poll");
  const ready: [number, number][] = [];
  for (let j = 0; j < interests.size && ready.length < n; j++) {
    const revents = fds.readUInt16LE(j * POLLFD_SIZE + 6);
    if (revents !== 0) ready.push([fds.readInt32LE(j * POLLFD_SIZE), revents]);
  }
  return ready;
}

/**
 * Resolves with what poll(2) reports for `interests` (fd → poll events) as soon as anything is ready, or with []
 * once `timeout` seconds pass (null: no limit; 0 or less: look once). With nothing to watch and no limit it never
 * resolves, as Python's select() then blocks for good (and nothing keeps the process alive for it), unless
 * `signal` aborts: that rejects with AbortError (at once, before poll(2), when it already has) and ends every wait.
 */
export async function waitReady(
  interests: ReadonlyMap<number, number>,
  timeout: number | null,
  signal?: AbortSignal,
): Promise<[number, number][]> {
  throwIfAborted(signal);
  // A select(0) loop on a ready fd never waits: it takes turns with the event loop as a recv loop does.
  if (!withinBudget()) {
    await nextTurn();
    throwIfAborted(signal);
  }
  const deadline = deadlineFor(timeout);
  for (;;) {
    const ready = pollNow(interests);
    if (ready.length > 0) return ready;
    if (hasPassed(deadline)) return [];
    const stop = new AbortController();
    const waits: Promise<unknown>[] = [];
    for (const [fd, events] of interests) {
      const registration = registrationFor(fd);
      if (events & (POLLIN | POLLPRI)) waits.push(registration.wait(READABLE, deadline, stop.signal));
      if (events & POLLOUT) waits.push(registration.wait(WRITABLE, deadline, stop.signal));
    }
    if (deadline !== null) waits.push(sleepUntil(deadline, stop.signal));
    if (signal) waits.push(untilAborted(signal, stop.signal));
    if (waits.length === 0) return new Promise(() => {});
    await Promise.race(waits);
    // Ends the other waits (each removes itself from its fd's registration) before the caller hears anything.
    stop.abort();
    throwIfAborted(signal);
  }
}

/** Resolves once `signal` aborts, or `stop` does; either way it leaves no listener on `signal`. */
function untilAborted(signal: AbortSignal, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      stop.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    stop.addEventListener("abort", done, { once: true });
  });
}

function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = atDeadline(deadline, resolve);
    signal.addEventListener(
      "abort",
      () => {
        timer.cancel();
        resolve();
      },
      { once: true },
    );
  });
}

/** Takes a raw fd (not a Socket's) out of the event loop when a selector or poll object lets go of it. */
export function releaseRawFd(fd: number): void {
  forgetFd(fd);
}
