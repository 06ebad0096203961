// socketkit's socket module: Python's socket API over real Linux kernel sockets.
// Socket (socket.ts) is the object; functions.ts holds the module functions; errors.ts the OSError family.

// Node's types for this entry point's published declarations (why: see src/index.ts).
/// <reference types="node" preserve="true" />

export { Socket, Socket as SocketType } from "./socket.js";
export {
  close,
  createConnection,
  dup,
  createServer,
  fromfd,
  getaddrinfo,
  gethostname,
  hasDualstackIpv6,
  hasIpv6,
  socket,
  socketpair,
  type AddrInfo,
  type CreateConnectionOptions,
  type CreateServerOptions,
} from "./functions.js";
export { getdefaulttimeout, setdefaulttimeout } from "./timeout.js";
export {
  getfqdn,
  gethostbyaddr,
  gethostbyname,
  gethostbynameEx,
  getnameinfo,
  getprotobyname,
  getservbyname,
  getservbyport,
} from "./name-service.js";
export { htonl, htons, inetAton, inetNtoa, inetNtop, inetPton, ntohl, ntohs } from "./conversions.js";
export { ifIndextoname, ifNameindex, ifNametoindex } from "./interfaces.js";
export {
  BaseSelector,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  EpollSelector,
  KeyError,
  PollSelector,
  SelectSelector,
  type FileObject,
  SelectorKey,
  type SelectorMapping,
} from "./selectors.js";
export * as select from "./select.js";
export { CMSG_LEN, CMSG_SPACE, recvFds, sendFds, type AncillaryItem, type ReceivedMessage } from "./messages.js";
export type { SendfileSource } from "./sendfile.js";
export {
  BufferedReader,
  BytesWriter,
  DEFAULT_BUFFER_SIZE,
  SocketFile,
  SocketWriter,
  bytesReader,
  type ByteSource,
  type FileSocket,
  type MakefileOptions,
  type WritableFile,
} from "./socket-file.js";
export { TextSocketFile } from "./text-file.js";
export { UnsupportedOperation } from "./unsupported-operation.js";
export { AbortError, type WaitOptions } from "./abort.js";
export type { StreamOptions } from "./stream.js";
export type { BinaryMode, TextMode } from "./socket-file.js";
export type {
  Address,
  AddressInput,
  AddressOf,
  InetAddress,
  SenderOf,
  IPv4Address,
  IPv6Address,
  NetlinkAddress,
  PacketAddress,
  UnixAddress,
} from "./address.js";
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
  HError,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  TimeoutError,
  error,
  gaierror,
  herror,
  timeout,
  type ErrorContext,
} from "./errors.js";
export { UnsupportedPlatformError } from "../libc/platform.js";
export type { TcpInfo } from "../libc/tcp-info.js";
