// io_uring as a library on Node's event loop would use it, for bench/echo.ts: a promise per operation, every
// operation asked for in one turn of microtasks submitted by one io_uring_enter, completions announced by an
// eventfd that libuv watches. Beside uring-floor-echo.ts it shows what promises and the event loop add.
import {
  closeFd,
  createEventfd,
  listenLoopback,
  pinnedBuffer,
  Ring,
  setNoDelay,
  watchReadable,
  type PinnedBuffer,
} from "../lib/uring.js";

const BUF = 65536;
const ECONNABORTED = 103;

/**
 * Promises over a Ring. Every fd has at most one operation in flight, so user_data is the fd and its resolver
 * waits under it. The first operation of a turn queues flush() as a microtask, so the continuations that one
 * drain resumed all reach the kernel in one io_uring_enter.
 */
class AsyncRing {
  private readonly waiting: (((result: number) => void) | undefined)[] = [];
  private flushQueued = false;
  private readonly eventfd = createEventfd();
  /** libuv's uv_poll_t on the eventfd, held here because the watch stops if the handle is collected. */
  readonly watch: ReturnType<typeof watchReadable>;

  constructor(private readonly ring: Ring) {
    ring.registerEventfd(this.eventfd.fd);
    ring.eventfdNotifications = false;
    this.watch = watchReadable(this.eventfd.fd, this.woken);
  }

  accept(listenFd: number): Promise<number> {
    this.ring.accept(listenFd, listenFd);
    return this.completion(listenFd);
  }

  recv(fd: number, buffer: PinnedBuffer): Promise<number> {
    this.ring.recv(fd, buffer, fd);
    return this.completion(fd);
  }

  send(fd: number, buffer: PinnedBuffer, length: number): Promise<number> {
    this.ring.send(fd, buffer, length, fd);
    return this.completion(fd);
  }

  private completion(fd: number): Promise<number> {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
    return new Promise((resolve) => (this.waiting[fd] = resolve));
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    this.ring.submit(0);
    if (this.drain() > 0) queueMicrotask(this.settle);
    else this.idle();
  };

  private readonly resolve = (fd: number, result: number): void => {
    const resolve = this.waiting[fd]!;
    this.waiting[fd] = undefined;
    resolve(result);
  };

  private drain(): number {
    return this.ring.reap(this.resolve);
  }

  /** Queued behind the continuations a drain resumed: if none of them asked for more, the ring goes idle. */
  private readonly settle = (): void => {
    if (!this.flushQueued) this.idle();
  };

  /**
   * Nothing left to submit: let the kernel signal the eventfd again. The eventfd stays quiet while the ring is
   * busy, so that completions found by a flush do not also wake libuv; one that landed just before the switch
   * is in the CQ already and is taken now. The kernel posts socket completions from this thread's own task work,
   * so the switch and the check need no fence against it.
   */
  private idle(): void {
    this.ring.eventfdNotifications = true;
    if (!this.ring.hasCompletions) return;
    this.ring.eventfdNotifications = false;
    if (this.drain() > 0) queueMicrotask(this.settle);
  }

  private readonly woken = (): void => {
    this.eventfd.reset();
    this.ring.eventfdNotifications = false;
    if (this.drain() > 0) queueMicrotask(this.settle);
    else this.idle();
  };
}

async function serve(io: AsyncRing, fd: number, buffer: PinnedBuffer): Promise<void> {
  setNoDelay(fd);
  for (;;) {
    const received = await io.recv(fd, buffer);
    if (received <= 0) break;
    // A short send (MSG_WAITALL makes it rare, not impossible) would lose bytes: close, so the generator sees it.
    if ((await io.send(fd, buffer, received)) !== received) break;
  }
  closeFd(fd);
}

async function acceptForever(io: AsyncRing, listenFd: number): Promise<never> {
  const spare: PinnedBuffer[] = [];
  for (;;) {
    const fd = await io.accept(listenFd);
    if (fd === -ECONNABORTED) continue; // reset before it was taken: the client's business
    if (fd < 0) throw new Error(`accept failed (errno ${-fd}).`);
    const buffer = spare.pop() ?? pinnedBuffer(BUF);
    void serve(io, fd, buffer).then(() => spare.push(buffer));
  }
}

// No setup flags: with COOP_TASKRUN or DEFER_TASKRUN the kernel posts completions only when this thread enters
// the ring, so while it sleeps in libuv's epoll_wait no CQE appears and the eventfd never fires (measured: the
// echo stalls to about a thousand round trips a second). DEFER_TASKRUN | TASKRUN_FLAG works, by checking
// IORING_SQ_TASKRUN and entering once more before going idle, but that extra enter made it 25% slower.
const ring = new Ring(4096, 0);
const io = new AsyncRing(ring);
const listener = listenLoopback();
// Exit normally on SIGTERM so that --cpu-prof and other exit-time reports get written.
process.on("SIGTERM", () => process.exit(0));
process.stdout.write(`${listener.port}\n`);
await acceptForever(io, listener.fd);
