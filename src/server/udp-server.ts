// UDPServer: each datagram is a request, answered on the server's own socket. UnixDatagramServer differs by one setting.

import type { Address, IPv4Address, UnixAddress } from "../socket/address.js";
import * as C from "../socket/constants.js";
import { recvfromNow } from "../socket/socket.js";
import { defineSettings } from "./settings.js";
import { TCPServer } from "./tcp-server.js";

/** A server on a datagram socket: each datagram is a request, and handlers answer on the server's socket. */
export class UDPServer<A extends Address = IPv4Address> extends TCPServer<A> {
  static override socketType: number = C.SOCK_DGRAM;
  /** The largest datagram read; longer ones are cut, as recvfrom() cuts them. */
  static maxPacketSize = 8192;
  declare maxPacketSize: number;
  static {
    defineSettings(this, ["maxPacketSize"]);
  }

  /**
   * A request is [packet, the server's socket]. An unbound AF_UNIX client has no address: clientAddress is then
   * null, as Python's None, and a reply to it fails in the handler (TypeError), as in Python.
   */
  override async getRequest(): Promise<[unknown, Address] | null> {
    // Never waits: the loop calls it after readiness, and the datagram may have gone to another reader.
    const got = await this.socket[recvfromNow](this.maxPacketSize);
    if (got === null) return null;
    return [[got[0], this.socket], got[1] as Address];
  }

  /** Datagram servers do not listen. */
  override serverActivate(): void {}

  /** Nothing to shut down or close per datagram: the socket is the server's. */
  override shutdownRequest(request: unknown): void {
    this.closeRequest(request);
  }

  override closeRequest(_request: unknown): void {}
}

/** A UDPServer on an AF_UNIX datagram socket; clients bind to a path of their own to get replies. */
export class UnixDatagramServer extends UDPServer<UnixAddress> {
  static override addressFamily: number = C.AF_UNIX;
}
