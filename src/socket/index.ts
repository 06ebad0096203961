// socketkit's socket module: Python's socket API over real Linux kernel sockets.
// Socket (socket.ts) is the object; functions.ts holds the module functions; errors.ts the OSError family.

// Node's types for this entry point's published declarations (why: see src/index.ts).
/// <reference types="node" preserve="true" />

export { Socket } from "./socket.js";
export {
  createConnection,
  createServer,
  getaddrinfo,
  gethostname,
  hasDualstackIpv6,
  socket,
  socketpair,
  type AddrInfo,
  type CreateServerOptions,
} from "./functions.js";
export { getdefaulttimeout, setdefaulttimeout } from "./timeout.js";
export { BufferedReader, BytesWriter, SocketWriter, bytesReader, socketReader, type ByteSource } from "./socket-file.js";
export type { Address, AddressInput, IPv4Address, IPv6Address, UnixAddress } from "./address.js";
export * from "./constants.js";
export {
  BlockingIOError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  GaiError,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  TimeoutError,
  type ErrorContext,
} from "./errors.js";
export { UnsupportedPlatformError } from "../libc/platform.js";
export type { TcpInfo } from "../libc/tcp-info.js";
