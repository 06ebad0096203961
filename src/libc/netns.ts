// Network namespaces and TUN devices through libc: setns(2) to run a synchronous piece of code (creating a socket,
// reading /proc/net) in another namespace, and TUN interfaces whose packets a user-space forwarder carries.
// The calling thread alone changes namespace, and always changes back before this returns.

import { lastErrno, libc } from "./koffi.js";

const CLONE_NEWNET = 0x40000000;
const O_RDWR = 0o2;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;

interface NetnsCalls {
  open: (path: string, flags: number) => number;
  close: (fd: number) => number;
  setns: (fd: number, nstype: number) => number;
  ioctl: (fd: number, request: number, ...args: unknown[]) => number;
}

let calls: NetnsCalls | null = null;

function bind(): NetnsCalls {
  if (calls) return calls;
  const c = libc();
  calls = {
    open: c.func("int open(const char *, int)") as NetnsCalls["open"],
    close: c.func("int close(int)") as NetnsCalls["close"],
    setns: c.func("int setns(int, int)") as NetnsCalls["setns"],
    ioctl: c.func("int ioctl(int, unsigned long, ...)") as NetnsCalls["ioctl"],
  };
  return calls;
}

function check(result: number, what: string): number {
  if (result < 0) throw new Error(`${what} failed with errno ${lastErrno()}`);
  return result;
}

/** An fd for a network namespace file (/var/run/netns/NAME, or /proc/self/ns/net). */
export function openNamespace(path: string): number {
  const b = bind();
  return check(b.open(path, 0 | O_CLOEXEC), `open(${path})`);
}

export function closeFd(fd: number): void {
  bind().close(fd);
}

/** Runs `fn` with the calling thread in the namespace `nsFd`, then returns the thread to where it was. */
export function withNamespace<T>(nsFd: number, fn: () => T): T {
  const b = bind();
  const home = openNamespace("/proc/thread-self/ns/net");
  try {
    check(b.setns(nsFd, CLONE_NEWNET), "setns");
    try {
      return fn();
    } finally {
      check(b.setns(home, CLONE_NEWNET), "setns (back)");
    }
  } finally {
    b.close(home);
  }
}

/** Creates TUN interface `name` (no packet-info header) in the calling thread's namespace; returns its fd. */
export function openTun(name: string): number {
  const b = bind();
  const fd = check(b.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), "open(/dev/net/tun)");
  const ifr = Buffer.alloc(40);
  ifr.write(name, 0, 15, "latin1");
  ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16);
  if (b.ioctl(fd, TUNSETIFF, "void *", ifr) < 0) {
    const err = lastErrno();
    b.close(fd);
    throw new Error(`ioctl(TUNSETIFF, ${name}) failed with errno ${err}`);
  }
  return fd;
}
