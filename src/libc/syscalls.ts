// The socket system calls, bound through koffi. Each returns its result, or -errno on failure, so the hot paths
// (accept, recv, send on EAGAIN) allocate no exception. Tests replace entries of `sys` to reach error paths
// (EMFILE, ECONNABORTED, EINTR) that a healthy kernel rarely produces; `replaceSyscall` puts them back.

import { F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, O_NONBLOCK } from "./constants.js";
import { lastErrno, libc } from "./koffi.js";

export interface Syscalls {
  socket(domain: number, type: number, protocol: number): number;
  socketpair(domain: number, type: number, protocol: number, fds: Buffer): number;
  bind(fd: number, addr: Buffer, addrlen: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, addr: Buffer, addrlen: Buffer, flags: number): number;
  connect(fd: number, addr: Buffer, addrlen: number): number;
  getsockname(fd: number, addr: Buffer, addrlen: Buffer): number;
  getpeername(fd: number, addr: Buffer, addrlen: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  dup(fd: number): number;
  /** Sets O_NONBLOCK, which socketkit keeps on every fd it waits on. */
  setNonblocking(fd: number): number;
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  recvfrom(fd: number, buf: Uint8Array, len: number, flags: number, addr: Buffer, addrlen: Buffer): number;
  send(fd: number, buf: Uint8Array, len: number, flags: number): number;
  sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Buffer, addrlen: number): number;
  read(fd: number, buf: Uint8Array, len: number): number;
  write(fd: number, buf: Uint8Array, len: number): number;
}

/** The live table the socket layer calls through; filled by `loadSyscalls()`. */
export const sys = {} as Syscalls;
let loaded = false;

function checked<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => number {
  return (...args: A) => {
    const result = fn(...args);
    return result < 0 ? -lastErrno() : result;
  };
}

/** Binds libc's socket calls into `sys` (once). Throws UnsupportedPlatformError off Linux. */
export function loadSyscalls(): Syscalls {
  if (loaded) return sys;
  const c = libc();
  const fcntl = c.func("int fcntl(int fd, int cmd, ...)");
  const table: Syscalls = {
    socket: checked(c.func("int socket(int, int, int)")),
    socketpair: checked(c.func("int socketpair(int, int, int, void *)")),
    bind: checked(c.func("int bind(int, const void *, uint32_t)")),
    listen: checked(c.func("int listen(int, int)")),
    accept4: checked(c.func("int accept4(int, void *, void *, int)")),
    connect: checked(c.func("int connect(int, const void *, uint32_t)")),
    getsockname: checked(c.func("int getsockname(int, void *, void *)")),
    getpeername: checked(c.func("int getpeername(int, void *, void *)")),
    setsockopt: checked(c.func("int setsockopt(int, int, int, const void *, uint32_t)")),
    getsockopt: checked(c.func("int getsockopt(int, int, int, void *, void *)")),
    shutdown: checked(c.func("int shutdown(int, int)")),
    close: checked(c.func("int close(int)")),
    dup: checked((fd: number) => fcntl(fd, F_DUPFD_CLOEXEC, "int", 0) as number),
    setNonblocking: checked((fd: number) => {
      const flags = fcntl(fd, F_GETFL, "int", 0) as number;
      return flags < 0 ? flags : (fcntl(fd, F_SETFL, "int", flags | O_NONBLOCK) as number);
    }),
    recv: checked(c.func("long recv(int, void *, unsigned long, int)")),
    recvfrom: checked(c.func("long recvfrom(int, void *, unsigned long, int, void *, void *)")),
    send: checked(c.func("long send(int, const void *, unsigned long, int)")),
    sendto: checked(c.func("long sendto(int, const void *, unsigned long, int, const void *, uint32_t)")),
    read: checked(c.func("long read(int, void *, unsigned long)")),
    write: checked(c.func("long write(int, const void *, unsigned long)")),
  };
  Object.assign(sys, table);
  loaded = true;
  return sys;
}

/** Swaps one system call for a test; returns a function that restores the real one. */
export function replaceSyscall<K extends keyof Syscalls>(name: K, impl: Syscalls[K]): () => void {
  loadSyscalls();
  const original = sys[name];
  sys[name] = impl;
  return () => {
    sys[name] = original;
  };
}
