// Every TCP listener of the network namespace, as an operator counts them: one per address and port (the sockets
// SO_REUSEPORT puts on the same address and port are one listener with several queues), each with the connections
// the kernel holds for it. Pure: built from a sock_diag dump and, optionally, the owners /proc names.

import type { DiagSocket } from "./sock-diag.js";
import type { SocketOwner } from "./owners.js";

/** One listening socket: its own accept queue, limit, drops and the processes holding it. */
export interface ListeningSocket {
  inode: number;
  /** Connections completed by the kernel and waiting for accept() (`ss -ltn` Recv-Q). */
  acceptQueue: number;
  /** The accept queue's limit, min(listen() backlog, somaxconn) (`ss -ltn` Send-Q); the kernel holds one more. */
  backlog: number;
  /** SYNs and final ACKs this socket dropped (sk_drops); null when the kernel did not say. */
  drops: number | null;
  /** The processes holding this socket in their descriptor table (not those holding its accepted connections). */
  owners: SocketOwner[];
}

/** A listener: an address and port, its queues added up over its sockets, and the connections it holds. */
export interface Listener {
  family: 4 | 6;
  address: string;
  port: number;
  /** `127.0.0.1:8080` or `[::1]:8080`. */
  key: string;
  acceptQueue: number;
  backlog: number;
  /** Half-open connections: SYN received, SYN-ACK sent, final ACK not yet in. */
  synRecv: number;
  /** Connections established to it, accepted or still queued (ESTAB and CLOSE-WAIT). */
  established: number;
  drops: number | null;
  /** One, or several with SO_REUSEPORT. */
  sockets: ListeningSocket[];
  /** Every socket's owners, each process once. */
  owners: SocketOwner[];
}

/** `address:port`, IPv6 in brackets, as `ss` and URLs write it. */
export function endpointKey(family: 4 | 6, address: string, port: number): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

const WILDCARD = { 4: "0.0.0.0", 6: "::" } as const;

/**
 * The keys a connection's own address may belong to, most specific first: its exact address, the wildcard of its
 * family, and for IPv4 the IPv6 listeners a dual-stack socket would be (a SYN for IPv4 on `[::]` makes an IPv4
 * request socket; the connection it becomes is IPv6 with a mapped address).
 */
function candidateKeys(s: DiagSocket): string[] {
  const keys = [
    endpointKey(s.family, s.localAddress, s.localPort),
    endpointKey(s.family, WILDCARD[s.family], s.localPort),
  ];
  if (s.family === 4)
    keys.push(endpointKey(6, `::ffff:${s.localAddress}`, s.localPort), endpointKey(6, WILDCARD[6], s.localPort));
  return keys;
}

/** The listener a non-listening socket belongs to, among `listeners` (by key); undefined for none (a client). */
export function listenerOf<T>(s: DiagSocket, listeners: ReadonlyMap<string, T>): T | undefined {
  for (const key of candidateKeys(s)) {
    const l = listeners.get(key);
    if (l !== undefined) return l;
  }
  return undefined;
}

function emptyListener(s: DiagSocket): Listener {
  return {
    family: s.family,
    address: s.localAddress,
    port: s.localPort,
    key: endpointKey(s.family, s.localAddress, s.localPort),
    acceptQueue: 0,
    backlog: 0,
    synRecv: 0,
    established: 0,
    drops: null,
    sockets: [],
    owners: [],
  };
}

function addSocket(l: Listener, socket: ListeningSocket): void {
  l.sockets.push(socket);
  l.acceptQueue += socket.acceptQueue;
  l.backlog += socket.backlog;
  if (socket.drops !== null) l.drops = (l.drops ?? 0) + socket.drops;
  for (const o of socket.owners) if (!l.owners.some((p) => p.pid === o.pid)) l.owners.push(o);
}

/**
 * The listeners among `sockets` (a dump of every live state), with their children counted; `owners` maps a
 * listening socket's inode to the processes holding it.
 */
export function groupListeners(
  sockets: readonly DiagSocket[],
  owners: ReadonlyMap<number, SocketOwner[]> = new Map(),
): Listener[] {
  const byKey = new Map<string, Listener>();
  for (const s of sockets) {
    if (s.state !== "LISTEN") continue;
    const key = endpointKey(s.family, s.localAddress, s.localPort);
    const l = byKey.get(key) ?? emptyListener(s);
    byKey.set(key, l);
    const o = owners.get(s.inode) ?? [];
    addSocket(l, { inode: s.inode, acceptQueue: s.rqueue, backlog: s.wqueue, drops: s.drops, owners: o });
  }
  for (const s of sockets) {
    const l = s.state === "LISTEN" ? undefined : listenerOf(s, byKey);
    if (l === undefined) continue;
    if (s.state === "SYN-RECV") l.synRecv++;
    else if (s.state === "ESTAB" || s.state === "CLOSE-WAIT") l.established++;
  }
  return [...byKey.values()];
}
