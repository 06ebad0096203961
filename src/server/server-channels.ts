// The diagnostics channels (node:diagnostics_channel) on which stream servers publish what their connection
// limits did, so that a program can count or export them without parsing log lines. One channel per event, as
// undici names its own ("undici:request:create").

import { channel } from "node:diagnostics_channel";
import type { Address } from "../socket/address.js";

/** The channels' names, for `diagnostics_channel.subscribe(name, listener)`. */
export const connectionChannels = {
  /** A connection closed for idleness: {@link IdleCloseMessage}. */
  idleClose: "socketkit:server:idle-close",
  /** A connection refused at maxConnections: {@link RefuseMessage}. */
  refuse: "socketkit:server:refuse",
  /** An accept() that met the open-file limit (EMFILE, ENFILE): {@link OutOfFilesMessage}. */
  outOfFiles: "socketkit:server:out-of-files",
} as const;

/** Published on `socketkit:server:idle-close`. */
export interface IdleCloseMessage {
  server: object;
  clientAddress: Address;
  /** How long the kernel saw no data either way (or since accept), in milliseconds. */
  idleMs: number;
}

/** Published on `socketkit:server:refuse`. */
export interface RefuseMessage {
  server: object;
  clientAddress: Address;
  /** Connections open when this one was refused: the cap. */
  open: number;
}

/** Published on `socketkit:server:out-of-files`, once per failed accept(), rate limit or not. */
export interface OutOfFilesMessage {
  server: object;
  errno: number;
  open: number;
  limit: number | null;
  /** accept() calls of this server that met the limit so far, this one included. */
  total: number;
}

export const idleCloseChannel = channel(connectionChannels.idleClose);
export const refuseChannel = channel(connectionChannels.refuse);
export const outOfFilesChannel = channel(connectionChannels.outOfFiles);
