// The io_uring floor for bench/echo.ts: one blocking loop in which a single io_uring_enter submits every
// connection's next operation and waits for completions (bench/lib/uring.ts), no promises, no event loop. It is the
// limit of completion-based I/O driven from JavaScript, as ffi-floor-echo.ts is of one koffi call per syscall.
import {
  closeFd,
  listenLoopback,
  pinnedBuffer,
  Ring,
  setNoDelay,
  SETUP_DEFER_TASKRUN,
  SETUP_SINGLE_ISSUER,
  type PinnedBuffer,
} from "../lib/uring.js";

const BUF = 65536;
const ECONNABORTED = 103;
// user_data is fd * 4 + what completed.
const ACCEPTED = 1;
const RECEIVED = 2;
const SENT = 3;

// DEFER_TASKRUN leaves the kernel's completion work for this thread to run inside its next io_uring_enter,
// batched, instead of interrupting it as each socket becomes ready: the cheapest setup measured for this loop.
const ring = new Ring(4096, SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
const listener = listenLoopback();
process.stdout.write(`${listener.port}\n`);

/** Each open connection's buffer, by fd; buffers of closed connections wait in `spare` for the next ones. */
const buffers: (PinnedBuffer | undefined)[] = [];
const spare: PinnedBuffer[] = [];
/** How many bytes each connection's send in flight carries: a send that took fewer ends the connection. */
const sending: number[] = [];

function opened(fd: number): void {
  setNoDelay(fd);
  const buffer = spare.pop() ?? pinnedBuffer(BUF);
  buffers[fd] = buffer;
  ring.recv(fd, buffer, fd * 4 + RECEIVED);
}

function closed(fd: number): void {
  closeFd(fd);
  spare.push(buffers[fd]!);
  buffers[fd] = undefined;
}

function completed(userData: number, result: number): void {
  const fd = userData >>> 2;
  switch (userData & 3) {
    case RECEIVED:
      if (result > 0) {
        sending[fd] = result;
        ring.send(fd, buffers[fd]!, result, fd * 4 + SENT);
      } else closed(fd);
      return;
    case SENT:
      // A short send (MSG_WAITALL makes it rare, not impossible) would lose bytes: close, so the generator sees it.
      if (result === sending[fd]) ring.recv(fd, buffers[fd]!, fd * 4 + RECEIVED);
      else closed(fd);
      return;
    default:
      // A connection reset before it was taken is the client's business; anything else would repeat forever.
      if (result >= 0) opened(result);
      else if (result !== -ECONNABORTED) throw new Error(`accept failed (errno ${-result}).`);
      ring.accept(fd, fd * 4 + ACCEPTED);
  }
}

// SIGTERM keeps its default action (the loop never returns to Node's event loop to run a handler).
ring.accept(listener.fd, listener.fd * 4 + ACCEPTED);
for (;;) {
  ring.submit(1);
  ring.reap(completed);
}
