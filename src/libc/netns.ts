// Network namespaces and TUN devices through libc: setns(2) to run a synchronous piece of code (creating a socket,
// reading /proc/net) in another namespace, and TUN interfaces whose packets a user-space forwarder carries.
// The calling thread alone changes namespace, and always changes back before this returns.

import { O_CLOEXEC, O_NONBLOCK, O_RDWR } from "./constants.js";
import { checkResult } from "./errors.js";
import { loadSyscalls } from "./syscalls.js";

const CLONE_NEWNET = 0x40000000;
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;

/** An fd for a network namespace file (/var/run/netns/NAME, or /proc/self/ns/net). */
export function openNamespace(path: string): number {
  return checkResult(loadSyscalls().open(path, O_CLOEXEC), `open(${path})`);
}

export function closeFd(fd: number): void {
  loadSyscalls().close(fd);
}

/** Runs `fn` with the calling thread in the namespace `nsFd`, then returns the thread to where it was. */
export function withNamespace<T>(nsFd: number, fn: () => T): T {
  const b = loadSyscalls();
  const home = openNamespace("/proc/thread-self/ns/net");
  try {
    checkResult(b.setns(nsFd, CLONE_NEWNET), "setns");
    try {
      return fn();
    } finally {
      checkResult(b.setns(home, CLONE_NEWNET), "setns");
    }
  } finally {
    b.close(home);
  }
}

/** Creates TUN interface `name` (no packet-info header) in the calling thread's namespace; returns its fd. */
export function openTun(name: string): number {
  const b = loadSyscalls();
  const fd = checkResult(b.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), "open(/dev/net/tun)");
  const ifr = Buffer.alloc(40);
  ifr.write(name, 0, 15, "latin1");
  ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16);
  const r = b.ioctl(fd, TUNSETIFF, ifr);
  if (r < 0) {
    b.close(fd);
    checkResult(r, `ioctl(TUNSETIFF, ${name})`);
  }
  return fd;
}
