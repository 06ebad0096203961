// epoll(7) at the libc layer: an epoll instance's control calls and a wait that never blocks (timeout 0), over
// struct epoll_event, which is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) on arm64.

import { EPOLL_CLOEXEC } from "./constants.js";
import { E } from "./errno.js";
import { loadSyscalls } from "./syscalls.js";

/** sizeof(struct epoll_event), and where its data (the fd) sits in it. */
export const EVENT_SIZE = process.arch === "x64" ? 12 : 16;
export const DATA_OFFSET = process.arch === "x64" ? 4 : 8;

/** A new epoll fd, close-on-exec; a negative result is -errno. */
export function epollCreate(): number {
  return loadSyscalls().epollCreate1(EPOLL_CLOEXEC);
}

/** epoll_ctl(epfd, op, fd) watching `events`, the fd itself as the event's data; returns 0 or -errno. */
export function epollControl(epfd: number, op: number, fd: number, events: number): number {
  const event = Buffer.alloc(EVENT_SIZE);
  event.writeUInt32LE(events >>> 0, 0);
  event.writeInt32LE(fd, DATA_OFFSET);
  return loadSyscalls().epollCtl(epfd, op, fd, event);
}

/** [fd, events] for up to `maxevents` ready fds, without waiting; a number is -errno. */
export function epollWaitNow(epfd: number, maxevents: number): [number, number][] | number {
  const buf = Buffer.alloc(maxevents * EVENT_SIZE);
  const sys = loadSyscalls();
  let n: number;
  do n = sys.epollWait(epfd, buf, maxevents, 0);
  while (n === -E.EINTR);
  if (n < 0) return n;
  const ready: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    ready.push([buf.readInt32LE(i * EVENT_SIZE + DATA_OFFSET), buf.readUInt32LE(i * EVENT_SIZE)]);
  }
  return ready;
}
