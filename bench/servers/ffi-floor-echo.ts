// The FFI floor for bench/echo.ts: socketkit's own libc bindings (dist/libc) in a blocking epoll loop, one recv
// and one send per readable connection, no promises, no event loop. It is what socketkit's Socket would cost if
// none of its JavaScript ran: the limit of any design that makes one koffi call per syscall.
import * as C from "../../dist/libc/constants.js";
import { E } from "../../dist/libc/errno.js";
import { DATA_OFFSET, EVENT_SIZE, epollControl, epollCreate } from "../../dist/libc/epoll.js";
import { loadSyscalls } from "../../dist/libc/syscalls.js";

const sys = loadSyscalls();
const EPOLLIN = 0x001;
const MAX_EVENTS = 256;
const BUF = 65536;

function listener(): number {
  const fd = sys.socket(C.AF_INET, C.SOCK_STREAM | C.SOCK_NONBLOCK, 0);
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  sys.setsockopt(fd, C.SOL_SOCKET, C.SO_REUSEADDR, one, 4);
  const address = Buffer.alloc(16); // struct sockaddr_in for 127.0.0.1, port 0
  address.writeUInt16LE(C.AF_INET, 0);
  address.writeUInt32BE(0x7f000001, 4);
  if (sys.bind(fd, address, address.length) < 0 || sys.listen(fd, 4096) < 0) throw new Error("cannot listen");
  const name = Buffer.alloc(16);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(16);
  sys.getsockname(fd, name, len);
  process.stdout.write(`${name.readUInt16BE(2)}\n`);
  return fd;
}

/** Takes every queued connection: non-blocking, TCP_NODELAY as the other servers' sockets. */
function acceptAll(epfd: number, lfd: number): void {
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  for (;;) {
    const fd = sys.accept4(lfd, null as unknown as Buffer, null as unknown as Buffer, C.SOCK_NONBLOCK);
    if (fd < 0) return;
    sys.setsockopt(fd, C.IPPROTO_TCP, C.TCP_NODELAY, one, 4);
    epollControl(epfd, C.EPOLL_CTL_ADD, fd, EPOLLIN);
  }
}

// SIGTERM keeps its default action (the loop never returns to Node's event loop to run a handler).
const lfd = listener();
const epfd = epollCreate();
epollControl(epfd, C.EPOLL_CTL_ADD, lfd, EPOLLIN);
const events = Buffer.alloc(MAX_EVENTS * EVENT_SIZE);
const buf = Buffer.alloc(BUF);
for (;;) {
  const n = sys.epollWait(epfd, events, MAX_EVENTS, -1);
  for (let i = 0; i < n; i++) {
    const fd = events.readInt32LE(i * EVENT_SIZE + DATA_OFFSET);
    if (fd === lfd) {
      acceptAll(epfd, lfd);
      continue;
    }
    const got = sys.recv(fd, buf, BUF, C.MSG_DONTWAIT);
    // Ping-pong puts 64 bytes into an empty send buffer; a send that took fewer ends the connection, visibly.
    if (got > 0 && sys.send(fd, buf, got, C.MSG_DONTWAIT | C.MSG_NOSIGNAL) === got) continue;
    if (got !== -E.EAGAIN) sys.close(fd);
  }
}
