// A minimal io_uring for bench/servers/uring-*-echo.ts, without liburing: the ring's setup and mappings, SQEs for
// ACCEPT, RECV and SEND, and reaping CQEs. It imports koffi itself instead of going through src/libc on purpose:
// it measures a design socketkit does not have (completion-based I/O, one system call per batch of operations),
// so it must neither depend on socketkit's bindings nor make them grow to suit a benchmark.

import { createRequire } from "node:module";
import { constants } from "node:os";

type Koffi = typeof import("koffi");
const koffi = createRequire(import.meta.url)("koffi") as Koffi;
const c = koffi.load("libc.so.6");

const libc = {
  socket: c.func("int socket(int, int, int)") as (domain: number, type: number, protocol: number) => number,
  bind: c.func("int bind(int, const void *, uint32_t)") as (fd: number, addr: Buffer, len: number) => number,
  listen: c.func("int listen(int, int)") as (fd: number, backlog: number) => number,
  getsockname: c.func("int getsockname(int, void *, void *)") as (fd: number, addr: Buffer, len: Buffer) => number,
  setsockopt: c.func("int setsockopt(int, int, int, const void *, uint32_t)") as (
    fd: number,
    level: number,
    name: number,
    value: Buffer,
    len: number,
  ) => number,
  close: c.func("int close(int)") as (fd: number) => number,
  read: c.func("long read(int, void *, unsigned long)") as (fd: number, buf: Buffer, len: number) => number,
  eventfd: c.func("int eventfd(unsigned int, int)") as (initial: number, flags: number) => number,
  mmap: c.func("void *mmap(void *, size_t, int, int, int, long)") as (
    addr: null,
    len: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ) => unknown,
};

// glibc's syscall() is variadic, but on x86-64 and aarch64 Linux integer arguments travel in the same registers
// either way, so fixed prototypes work and skip koffi's slower variadic calls. The numbers are the same on both.
const ioUringSetup = c.func("syscall", "long", ["long", "uint32", "void *"]) as (
  nr: 425,
  entries: number,
  params: Buffer,
) => number;
const ioUringEnter = c.func("syscall", "long", ["long", "int", "uint32", "uint32", "uint32", "long", "long"]) as (
  nr: 426,
  fd: number,
  toSubmit: number,
  minComplete: number,
  flags: number,
  sig: 0,
  sigSize: 0,
) => number;
const ioUringRegister = c.func("syscall", "long", ["long", "int", "uint32", "void *", "uint32"]) as (
  nr: 427,
  fd: number,
  opcode: number,
  arg: Buffer,
  count: number,
) => number;

/** io_uring_setup flags (IORING_SETUP_*). */
export const SETUP_TASKRUN_FLAG = 1 << 9;
export const SETUP_SINGLE_ISSUER = 1 << 12;
export const SETUP_DEFER_TASKRUN = 1 << 13;

const OP_ACCEPT = 13;
const OP_SEND = 26;
const OP_RECV = 27;
const ENTER_GETEVENTS = 1;
const REGISTER_EVENTFD = 4;
const FEAT_SINGLE_MMAP = 1;
const CQ_EVENTFD_DISABLED = 1;
const OFF_SQ_RING = 0;
const OFF_SQES = 0x10000000;
const SQE_WORDS = 16;
const CQE_WORDS = 4;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
// MSG_WAITALL makes io_uring itself retry a short send on a stream socket; the servers still check the count.
const MSG_WAITALL = 0x100;
const MSG_NOSIGNAL = 0x4000;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

function errnoName(errno: number): string {
  return Object.entries(constants.errno).find(([, value]) => value === errno)?.[0] ?? `errno ${errno}`;
}

/** A buffer that the kernel may read and write while no call is running: its address, split for SQE words. */
export interface PinnedBuffer {
  bytes: Buffer;
  low: number;
  high: number;
}

/** A buffer of its own backing store, which V8 never moves, with its address ready for SQEs. */
export function pinnedBuffer(size: number): PinnedBuffer {
  const bytes = Buffer.allocUnsafeSlow(size);
  const address = koffi.address(bytes);
  return { bytes, low: Number(address & 0xffffffffn), high: Number(address >> 32n) };
}

/** The io_uring_params the kernel filled in: where each field of the two rings sits in the shared mapping. */
interface RingLayout {
  sqEntries: number;
  cqEntries: number;
  sq: { tail: number; mask: number; array: number };
  cq: { head: number; tail: number; mask: number; cqes: number; flags: number };
}

function setUp(entries: number, flags: number): { fd: number; layout: RingLayout } {
  const params = Buffer.alloc(120);
  params.writeUInt32LE(flags, 8);
  const fd = ioUringSetup(425, entries, params);
  if (fd < 0) {
    const errno = koffi.errno();
    throw new Error(
      `io_uring is not available here (${errnoName(errno)}): io_uring_setup failed, as it does where the ` +
        "kernel lacks it, kernel.io_uring_disabled is set or a seccomp filter (as in many containers) forbids it.",
    );
  }
  const word = (offset: number): number => params.readUInt32LE(offset);
  if ((word(20) & FEAT_SINGLE_MMAP) === 0) throw new Error("io_uring needs IORING_FEAT_SINGLE_MMAP (Linux 5.4).");
  const layout: RingLayout = {
    sqEntries: word(0),
    cqEntries: word(4),
    sq: { tail: word(44), mask: word(48), array: word(64) },
    cq: { head: word(80), tail: word(84), mask: word(88), cqes: word(100), flags: word(104) },
  };
  return { fd, layout };
}

function mapShared(fd: number, length: number, offset: number): ArrayBuffer {
  const PROT_READ_WRITE = 3;
  const MAP_SHARED_POPULATE = 0x1 | 0x8000;
  const pointer = libc.mmap(null, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
  if (koffi.address(pointer) === 0xffffffffffffffffn)
    throw new Error(`mmap of the io_uring failed (${errnoName(koffi.errno())}).`);
  return koffi.view(pointer, length);
}

/**
 * One io_uring, driven from a single thread. Operations are written into the SQ as they are asked for and reach
 * the kernel together at the next submit(); completions are read straight from the mapped CQ. The ring's words
 * are plain typed-array loads and stores: io_uring_enter orders them, and x86-64 keeps the few reads made
 * without a system call (hasCompletions) in order.
 */
export class Ring {
  readonly fd: number;
  private readonly words: Uint32Array;
  private readonly sqes: Uint32Array;
  private readonly cqes: Uint32Array;
  private readonly results: Int32Array;
  private readonly sqEntries: number;
  private readonly sqMask: number;
  private readonly cqMask: number;
  private readonly sqTailAt: number;
  private readonly cqHeadAt: number;
  private readonly cqTailAt: number;
  private readonly cqFlagsAt: number;
  private sqTail: number;
  private queued = 0;

  /** Throws one sentence naming the errno when the kernel refuses io_uring (missing, disabled or filtered). */
  constructor(entries: number, setupFlags: number) {
    const { fd, layout } = setUp(entries, setupFlags);
    const { sqEntries, cqEntries, sq, cq } = layout;
    const ringBytes = Math.max(sq.array + sqEntries * 4, cq.cqes + cqEntries * CQE_WORDS * 4);
    const ring = mapShared(fd, ringBytes, OFF_SQ_RING);
    this.fd = fd;
    this.words = new Uint32Array(ring);
    // SQE words past user_data stay zero as mmap gave them: no operation here uses them.
    this.sqes = new Uint32Array(mapShared(fd, sqEntries * SQE_WORDS * 4, OFF_SQES));
    this.cqes = new Uint32Array(ring, cq.cqes, cqEntries * CQE_WORDS);
    this.results = new Int32Array(ring, cq.cqes, cqEntries * CQE_WORDS);
    this.sqEntries = sqEntries;
    this.sqMask = this.words[sq.mask >> 2]!;
    this.cqMask = this.words[cq.mask >> 2]!;
    this.sqTailAt = sq.tail >> 2;
    this.cqHeadAt = cq.head >> 2;
    this.cqTailAt = cq.tail >> 2;
    this.cqFlagsAt = cq.flags >> 2;
    this.sqTail = this.words[this.sqTailAt]!;
    // SQ slot i always names SQE i, so the index array is written once.
    for (let i = 0; i < sqEntries; i++) this.words[(sq.array >> 2) + i] = i;
  }

  /** Queues an accept4(SOCK_CLOEXEC) on `listenFd`; its result is the new connection's fd. */
  accept(listenFd: number, userData: number): void {
    this.prepare(OP_ACCEPT, listenFd, 0, 0, 0, SOCK_CLOEXEC, userData);
  }

  /** Queues a recv of up to the whole buffer; its result is the byte count, 0 at end of stream, or -errno. */
  recv(fd: number, buffer: PinnedBuffer, userData: number): void {
    this.prepare(OP_RECV, fd, buffer.low, buffer.high, buffer.bytes.length, 0, userData);
  }

  /** Queues a send of the buffer's first `length` bytes, completed only once all of them are sent (or on error). */
  send(fd: number, buffer: PinnedBuffer, length: number, userData: number): void {
    this.prepare(OP_SEND, fd, buffer.low, buffer.high, length, MSG_WAITALL | MSG_NOSIGNAL, userData);
  }

  /** Operations queued since the last submit. */
  get pending(): number {
    return this.queued;
  }

  /** Hands every queued operation to the kernel and waits until `minComplete` completions are in the CQ. */
  submit(minComplete: number): void {
    this.words[this.sqTailAt] = this.sqTail;
    const submitted = this.queued;
    this.queued = 0;
    ioUringEnter(426, this.fd, submitted, minComplete, ENTER_GETEVENTS, 0, 0);
  }

  get hasCompletions(): boolean {
    return this.words[this.cqHeadAt] !== this.words[this.cqTailAt];
  }

  /** Calls `complete` for each CQE in the ring, then frees their slots; returns how many there were. */
  reap(complete: (userData: number, result: number) => void): number {
    let head = this.words[this.cqHeadAt]!;
    const tail = this.words[this.cqTailAt]!;
    const count = (tail - head) >>> 0;
    for (; head !== tail; head = (head + 1) >>> 0) {
      const at = (head & this.cqMask) * CQE_WORDS;
      complete(this.cqes[at]!, this.results[at + 2]!);
    }
    this.words[this.cqHeadAt] = tail;
    return count;
  }

  /** Makes the kernel signal `eventfd` (an eventfd(2)) whenever it posts a CQE, unless notifications are off. */
  registerEventfd(eventfd: number): void {
    const arg = Buffer.alloc(4);
    arg.writeInt32LE(eventfd);
    if (ioUringRegister(427, this.fd, REGISTER_EVENTFD, arg, 1) < 0)
      throw new Error(`IORING_REGISTER_EVENTFD failed (${errnoName(koffi.errno())}).`);
  }

  /** Switches the registered eventfd's signalling on or off (IORING_CQ_EVENTFD_DISABLED), without a system call. */
  set eventfdNotifications(on: boolean) {
    const flags = this.words[this.cqFlagsAt]!;
    this.words[this.cqFlagsAt] = on ? flags & ~CQ_EVENTFD_DISABLED : flags | CQ_EVENTFD_DISABLED;
  }

  private prepare(op: number, fd: number, low: number, high: number, len: number, opFlags: number, data: number) {
    if (this.queued === this.sqEntries) this.submit(0);
    const at = (this.sqTail & this.sqMask) * SQE_WORDS;
    const sqe = this.sqes;
    sqe[at] = op; // flags and ioprio (the upper bytes of this word) stay 0
    sqe[at + 1] = fd;
    sqe[at + 2] = 0; // off, or accept's addrlen pointer
    sqe[at + 3] = 0;
    sqe[at + 4] = low;
    sqe[at + 5] = high;
    sqe[at + 6] = len;
    sqe[at + 7] = opFlags;
    sqe[at + 8] = data;
    sqe[at + 9] = 0;
    this.sqTail = (this.sqTail + 1) >>> 0;
    this.queued++;
  }
}

/** A non-blocking eventfd for Ring.registerEventfd, and a read that resets its counter. */
export function createEventfd(): { fd: number; reset: () => void } {
  const fd = libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw new Error(`eventfd failed (${errnoName(koffi.errno())}).`);
  const counter = Buffer.alloc(8);
  return { fd, reset: () => void libc.read(fd, counter, 8) };
}

/** Watches `fd` for readability on Node's own event loop (a libuv uv_poll_t); keep the handle referenced. */
export function watchReadable(fd: number, onReadable: () => void): ReturnType<Koffi["node"]["poll"]> {
  return koffi.node.poll(fd, { readable: true }, onReadable);
}

const one = Buffer.alloc(4);
one.writeInt32LE(1);

/**
 * A TCP socket listening on 127.0.0.1 (port 0, backlog 4096, SO_REUSEADDR) and the port the kernel chose. It is
 * left blocking: io_uring never blocks the thread on it, and on an O_NONBLOCK file an ACCEPT may complete with
 * EAGAIN instead of waiting for a connection.
 */
export function listenLoopback(): { fd: number; port: number } {
  const SOL_SOCKET = 1;
  const SO_REUSEADDR = 2;
  const address = Buffer.alloc(16); // struct sockaddr_in: AF_INET, 127.0.0.1, port 0
  address.writeUInt16LE(2, 0);
  address.writeUInt32BE(0x7f000001, 4);
  const fd = libc.socket(2, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) < 0)
    throw new Error(`cannot make a TCP socket (${errnoName(koffi.errno())}).`);
  if (libc.bind(fd, address, 16) < 0 || libc.listen(fd, 4096) < 0)
    throw new Error(`cannot listen on 127.0.0.1 (${errnoName(koffi.errno())}).`);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(16);
  libc.getsockname(fd, address, length);
  return { fd, port: address.readUInt16BE(2) };
}

/** TCP_NODELAY, as the other servers set on every accepted socket. */
export function setNoDelay(fd: number): void {
  const IPPROTO_TCP = 6;
  const TCP_NODELAY = 1;
  libc.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, one, 4);
}

export function closeFd(fd: number): void {
  libc.close(fd);
}
