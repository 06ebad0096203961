// The one table of every libc and libuv function socketkit calls, bound through koffi. Each system call returns
// its result, or -errno on failure, so the hot paths (recv, send, accept on EAGAIN) allocate no exception.
// Tests replace entries of `sys` to reach error paths (EMFILE, ECONNABORTED, EINTR) that a healthy kernel rarely
// produces; `replaceSyscall` puts them back. Nothing else in socketkit declares a C prototype.

import { F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, O_NONBLOCK } from "./constants.js";
import { koffi, lastErrno, libc, nodeBinary } from "./koffi.js";
import { defineMessageTypes, type MessageHeader } from "./msghdr.js";

/** The koffi name of struct addrinfo, for src/libc/resolver.ts to decode results with. */
export const ADDRINFO = "socketkit_addrinfo";

/** A function koffi can also run on its worker pool: `.async(...args, done)`. */
export type AsyncCapable<F extends (...args: never[]) => number> = F & {
  async: (...args: [...Parameters<F>, (err: unknown, result: number) => void]) => void;
};

/** The koffi names of struct hostent, servent and protoent, which the reentrant netdb calls fill. */
const HOSTENT = "socketkit_hostent";
const SERVENT = "socketkit_servent";
const PROTOENT = "socketkit_protoent";

/** A native pointer as a plain number (user-space addresses fit in 53 bits). */
export type Address = number;

/** Every libc and libuv function, as a function-typed property: entries are free functions, not methods. */
export interface Syscalls {
  socket: (domain: number, type: number, protocol: number) => number;
  socketpair: (domain: number, type: number, protocol: number, fds: Buffer) => number;
  bind: (fd: number, addr: Buffer, addrlen: number) => number;
  listen: (fd: number, backlog: number) => number;
  accept4: (fd: number, addr: Buffer, addrlen: Buffer, flags: number) => number;
  connect: (fd: number, addr: Buffer, addrlen: number) => number;
  getsockname: (fd: number, addr: Buffer, addrlen: Buffer) => number;
  getpeername: (fd: number, addr: Buffer, addrlen: Buffer) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer | null, len: number) => number;
  getsockopt: (fd: number, level: number, name: number, value: Buffer, len: Buffer) => number;
  shutdown: (fd: number, how: number) => number;
  close: (fd: number) => number;
  dup: (fd: number) => number;
  /** The fd's file status flags (F_GETFL). */
  getFlags: (fd: number) => number;
  /** Sets or clears O_NONBLOCK on the open file description. */
  setNonblocking: (fd: number, on: boolean) => number;
  recv: (fd: number, buf: Uint8Array, len: number, flags: number) => number;
  recvfrom: (fd: number, buf: Uint8Array, len: number, flags: number, addr: Buffer, addrlen: Buffer) => number;
  send: (fd: number, buf: Uint8Array, len: number, flags: number) => number;
  sendto: (fd: number, buf: Uint8Array, len: number, flags: number, addr: Buffer, addrlen: number) => number;
  sendmsg: (fd: number, msg: MessageHeader, flags: number) => number;
  /** recvmsg(2); koffi writes msg_namelen, msg_controllen and msg_flags back into `msg`. */
  recvmsg: (fd: number, msg: MessageHeader, flags: number) => number;
  /** sendfile(2) from `offset` (advanced in place, as an 8-byte off_t). */
  sendfile: (outFd: number, inFd: number, offset: Buffer, count: number) => number;
  lseek: (fd: number, offset: number, whence: number) => number;
  fstatMode: (fd: number) => number;
  read: (fd: number, buf: Uint8Array, len: number) => number;
  write: (fd: number, buf: Uint8Array, len: number) => number;
  pread: (fd: number, buf: Uint8Array, len: number, offset: number) => number;
  open: (path: string, flags: number) => number;
  setns: (fd: number, nstype: number) => number;
  /** ioctl with a pointer argument. */
  ioctl: (fd: number, request: number, arg: Buffer) => number;
  strerror: (code: number) => string;
  /** getaddrinfo(3) with an out-pointer array; `.async` runs it on koffi's worker pool. */
  getaddrinfo: ((host: string | Buffer | null, service: string | null, hints: object, out: unknown[]) => number) & {
    async: (
      host: string | Buffer | null,
      service: string | null,
      hints: object,
      out: unknown[],
      done: (err: unknown, code: number) => void,
    ) => void;
  };
  freeaddrinfo: (res: unknown) => void;
  gaiStrerror: (code: number) => string;
  // The rest of the resolver (src/libc/netdb.ts): reentrant forms, each with `.async` for koffi's worker pool.
  gethostbyname2R: AsyncCapable<
    (name: string, af: number, ret: object, buf: Buffer, buflen: number, result: unknown[], herrno: number[]) => number
  >;
  gethostbyaddrR: AsyncCapable<
    (
      addr: Uint8Array,
      len: number,
      af: number,
      ret: object,
      buf: Buffer,
      buflen: number,
      result: unknown[],
      herrno: number[],
    ) => number
  >;
  getnameinfo: AsyncCapable<
    (sa: Buffer, salen: number, host: Buffer, hostlen: number, serv: Buffer, servlen: number, flags: number) => number
  >;
  getservbynameR: AsyncCapable<
    (name: string, proto: string | null, ret: object, buf: Buffer, buflen: number, result: unknown[]) => number
  >;
  getservbyportR: AsyncCapable<
    (port: number, proto: string | null, ret: object, buf: Buffer, buflen: number, result: unknown[]) => number
  >;
  getprotobynameR: AsyncCapable<(name: string, ret: object, buf: Buffer, buflen: number, result: unknown[]) => number>;
  hstrerror: (code: number) => string;
  ifNametoindex: (name: string) => number;
  ifIndextoname: (index: number, buf: Buffer) => number;
  ifNameindex: () => unknown;
  ifFreenameindex: (list: unknown) => void;
  inetAton: (text: string, out: Buffer) => number;
  inetPton: (af: number, text: string, out: Buffer) => number;
  inetNtop: (af: number, src: Uint8Array, dst: Buffer, size: number) => number;
  /** poll(2) over packed struct pollfd entries. */
  poll: (fds: Buffer, nfds: number, timeout: number) => number;
  epollCreate1: (flags: number) => number;
  /** epoll_ctl(2) with a struct epoll_event in a Buffer (src/libc/epoll.ts lays it out). */
  epollCtl: (epfd: number, op: number, fd: number, event: Buffer | null) => number;
  epollWait: (epfd: number, events: Buffer, maxevents: number, timeout: number) => number;
  /** The fd's descriptor flags (F_GETFD: FD_CLOEXEC). */
  getFdFlags: (fd: number) => number;
  setFdFlags: (fd: number, flags: number) => number;
  /** Decodes a C string, a pointer or bytes at a native pointer (koffi.decode). */
  decode: (pointer: unknown, offset: number, type: string, length?: number) => unknown;
  malloc: (size: number) => Address;
  free: (ptr: Address) => void;
  // libuv, from the node binary: the loop Node itself runs.
  uvDefaultLoop: () => Address;
  uvHandleSize: (type: number) => number;
  uvPollInitSocket: (loop: Address, handle: Address, fd: number) => number;
  uvPollStart: (handle: Address, events: number, callback: unknown) => number;
  uvPollStop: (handle: Address) => number;
  uvClose: (handle: Address, callback: unknown) => void;
  uvRef: (handle: Address) => void;
  uvUnref: (handle: Address) => void;
  uvStrerror: (code: number) => string;
}

/** The live table every layer calls through; filled by `loadSyscalls()`. */
export const sys = {} as Syscalls;
let loaded = false;

function checked<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => number {
  return (...args: A) => {
    const result = fn(...args);
    return result < 0 ? -lastErrno() : result;
  };
}

/** For calls that return 0 on failure and set errno (if_nametoindex). */
function checkedZero<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => number {
  return (...args: A) => {
    const result = fn(...args);
    return result === 0 ? -lastErrno() : result;
  };
}

type Fn = (...args: never[]) => unknown;
const cast = <T>(fn: Fn): T => fn as unknown as T;

type LibuvCalls = Extract<keyof Syscalls, `uv${string}`>;

// The binding table: one declaration per C prototype, read as a table rather than as a function.
// eslint-disable-next-line max-lines-per-function
function bindLibc(): Omit<Syscalls, LibuvCalls> {
  const c = libc();
  const k = koffi();
  const fcntl = c.func("int fcntl(int fd, int cmd, ...)") as (fd: number, cmd: number, t: string, v: number) => number;
  const ioctl = c.func("int ioctl(int, unsigned long, ...)") as (
    fd: number,
    req: number,
    t: string,
    v: Buffer,
  ) => number;
  const statMode = c.func("int fstat(int, _Out_ uint8_t *buf)") as (fd: number, buf: Buffer) => number;
  const { msghdrPointer } = defineMessageTypes(k);
  k.struct(ADDRINFO, {
    ai_flags: "int",
    ai_family: "int",
    ai_socktype: "int",
    ai_protocol: "int",
    ai_addrlen: "uint32_t",
    ai_addr: "void *",
    ai_canonname: "char *",
    ai_next: "void *",
  });
  k.struct(HOSTENT, {
    h_name: "char *",
    h_aliases: "void *",
    h_addrtype: "int",
    h_length: "int",
    h_addr_list: "void *",
  });
  k.struct(SERVENT, { s_name: "char *", s_aliases: "void *", s_port: "int", s_proto: "char *" });
  k.struct(PROTOENT, { p_name: "char *", p_aliases: "void *", p_proto: "int" });
  const statBuf = Buffer.alloc(256);
  return {
    socket: checked(cast(c.func("int socket(int, int, int)"))),
    socketpair: checked(cast(c.func("int socketpair(int, int, int, void *)"))),
    bind: checked(cast(c.func("int bind(int, const void *, uint32_t)"))),
    listen: checked(cast(c.func("int listen(int, int)"))),
    accept4: checked(cast(c.func("int accept4(int, void *, void *, int)"))),
    connect: checked(cast(c.func("int connect(int, const void *, uint32_t)"))),
    getsockname: checked(cast(c.func("int getsockname(int, void *, void *)"))),
    getpeername: checked(cast(c.func("int getpeername(int, void *, void *)"))),
    setsockopt: checked(cast(c.func("int setsockopt(int, int, int, const void *, uint32_t)"))),
    getsockopt: checked(cast(c.func("int getsockopt(int, int, int, void *, void *)"))),
    shutdown: checked(cast(c.func("int shutdown(int, int)"))),
    close: checked(cast(c.func("int close(int)"))),
    dup: checked((fd: number) => fcntl(fd, F_DUPFD_CLOEXEC, "int", 0)),
    getFlags: checked((fd: number) => fcntl(fd, F_GETFL, "int", 0)),
    setNonblocking: checked((fd: number, on: boolean) => {
      const flags = fcntl(fd, F_GETFL, "int", 0);
      if (flags < 0) return flags;
      const wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
      return wanted === flags ? 0 : fcntl(fd, F_SETFL, "int", wanted);
    }),
    recv: checked(cast(c.func("long recv(int, void *, unsigned long, int)"))),
    recvfrom: checked(cast(c.func("long recvfrom(int, void *, unsigned long, int, void *, void *)"))),
    send: checked(cast(c.func("long send(int, const void *, unsigned long, int)"))),
    sendto: checked(cast(c.func("long sendto(int, const void *, unsigned long, int, const void *, uint32_t)"))),
    sendmsg: checked(cast(c.func("sendmsg", "long", ["int", msghdrPointer(false), "int"]))),
    recvmsg: checked(cast(c.func("recvmsg", "long", ["int", msghdrPointer(true), "int"]))),
    sendfile: checked(cast(c.func("long sendfile(int, int, _Inout_ int64_t *offset, unsigned long)"))),
    lseek: checked(cast(c.func("int64_t lseek(int, int64_t, int)"))),
    // st_mode sits at offset 24 of struct stat on x86-64 and 16 on arm64.
    fstatMode: checked((fd: number) => {
      const r = statMode(fd, statBuf);
      return r < 0 ? r : statBuf.readUInt32LE(process.arch === "x64" ? 24 : 16);
    }),
    read: checked(cast(c.func("long read(int, void *, unsigned long)"))),
    write: checked(cast(c.func("long write(int, const void *, unsigned long)"))),
    pread: checked(cast(c.func("long pread(int, void *, unsigned long, int64_t)"))),
    open: checked(cast(c.func("int open(const char *, int)"))),
    setns: checked(cast(c.func("int setns(int, int)"))),
    ioctl: checked((fd: number, request: number, arg: Buffer) => ioctl(fd, request, "void *", arg)),
    strerror: cast(c.func("const char *strerror(int)")),
    getaddrinfo: cast(c.func(`int getaddrinfo(const char *, const char *, const ${ADDRINFO} *, _Out_ void **)`)),
    freeaddrinfo: cast(c.func("void freeaddrinfo(void *)")),
    gaiStrerror: cast(c.func("const char *gai_strerror(int)")),
    gethostbyname2R: cast(
      c.func(`int gethostbyname2_r(const char *, int, _Out_ ${HOSTENT} *, void *, size_t, _Out_ void **, _Out_ int *)`),
    ),
    gethostbyaddrR: cast(
      c.func(
        `int gethostbyaddr_r(const void *, uint32_t, int, _Out_ ${HOSTENT} *, void *, size_t, _Out_ void **, _Out_ int *)`,
      ),
    ),
    getnameinfo: cast(
      c.func("int getnameinfo(const void *, uint32_t, _Out_ char *, uint32_t, _Out_ char *, uint32_t, int)"),
    ),
    getservbynameR: cast(
      c.func(`int getservbyname_r(const char *, const char *, _Out_ ${SERVENT} *, void *, size_t, _Out_ void **)`),
    ),
    getservbyportR: cast(
      c.func(`int getservbyport_r(int, const char *, _Out_ ${SERVENT} *, void *, size_t, _Out_ void **)`),
    ),
    getprotobynameR: cast(
      c.func(`int getprotobyname_r(const char *, _Out_ ${PROTOENT} *, void *, size_t, _Out_ void **)`),
    ),
    hstrerror: cast(c.func("const char *hstrerror(int)")),
    ifNametoindex: checkedZero(cast(c.func("unsigned int if_nametoindex(const char *)"))),
    ifIndextoname: (() => {
      const fn = c.func("void *if_indextoname(unsigned int, _Out_ char *)") as (i: number, b: Buffer) => unknown;
      return (index: number, buf: Buffer) => (fn(index, buf) === null ? -lastErrno() : 0);
    })(),
    ifNameindex: cast(c.func("void *if_nameindex(void)")),
    ifFreenameindex: cast(c.func("void if_freenameindex(void *)")),
    inetAton: cast(c.func("int inet_aton(const char *, _Out_ uint8_t *out)")),
    inetPton: checked(cast(c.func("int inet_pton(int, const char *, _Out_ uint8_t *out)"))),
    inetNtop: (() => {
      const fn = c.func("void *inet_ntop(int, const void *, _Out_ char *, uint32_t)") as (
        af: number,
        src: Uint8Array,
        dst: Buffer,
        n: number,
      ) => unknown;
      return (af: number, src: Uint8Array, dst: Buffer, n: number) => (fn(af, src, dst, n) === null ? -lastErrno() : 0);
    })(),
    poll: checked(cast(c.func("int poll(void *, unsigned long, int)"))),
    epollCreate1: checked(cast(c.func("int epoll_create1(int)"))),
    epollCtl: checked(cast(c.func("int epoll_ctl(int, int, int, void *)"))),
    epollWait: checked(cast(c.func("int epoll_wait(int, _Out_ void *, int, int)"))),
    getFdFlags: checked((fd: number) => fcntl(fd, F_GETFD, "int", 0)),
    setFdFlags: checked((fd: number, flags: number) => fcntl(fd, F_SETFD, "int", flags)),
    decode: (pointer: unknown, offset: number, type: string, length?: number): unknown =>
      length === undefined ? k.decode(pointer, offset, type) : k.decode(pointer, offset, type, length),
    malloc: cast(c.func("uintptr_t malloc(size_t)")),
    free: cast(c.func("void free(uintptr_t)")),
  };
}

function bindLibuv(): Pick<Syscalls, LibuvCalls> {
  const n = nodeBinary();
  const k = koffi();
  // The callback types must exist before prototypes name them; src/libc/poller.ts registers the callbacks.
  k.proto("void socketkit_uv_poll_cb(uintptr_t handle, int status, int events)");
  k.proto("void socketkit_uv_close_cb(uintptr_t handle)");
  return {
    uvDefaultLoop: cast(n.func("uintptr_t uv_default_loop(void)")),
    uvHandleSize: cast(n.func("size_t uv_handle_size(int)")),
    uvPollInitSocket: cast(n.func("int uv_poll_init_socket(uintptr_t loop, uintptr_t handle, int fd)")),
    uvPollStart: cast(n.func("int uv_poll_start(uintptr_t handle, int events, socketkit_uv_poll_cb *cb)")),
    uvPollStop: cast(n.func("int uv_poll_stop(uintptr_t handle)")),
    uvClose: cast(n.func("void uv_close(uintptr_t handle, socketkit_uv_close_cb *cb)")),
    uvRef: cast(n.func("void uv_ref(uintptr_t handle)")),
    uvUnref: cast(n.func("void uv_unref(uintptr_t handle)")),
    uvStrerror: cast(n.func("const char *uv_strerror(int)")),
  };
}

/** Binds every call into `sys` (once). Throws UnsupportedPlatformError off Linux. */
export function loadSyscalls(): Syscalls {
  if (loaded) return sys;
  Object.assign(sys, bindLibc(), bindLibuv());
  loaded = true;
  return sys;
}

/** Swaps one call for a test; returns a function that restores the real one. */
export function replaceSyscall<K extends keyof Syscalls>(name: K, impl: Syscalls[K]): () => void {
  loadSyscalls();
  const original = sys[name];
  sys[name] = impl;
  return () => {
    sys[name] = original;
  };
}
