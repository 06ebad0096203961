// Why the hand-over passes the listening socket instead of starting a second SO_REUSEPORT listener: closing a
// listener resets the connections in its own accept queue (inet_csk_listen_stop), and with SO_REUSEPORT each
// listener has its own queue. A listener passed over SCM_RIGHTS is one socket with one queue: closing one
// descriptor of it loses nothing.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import {
  AF_UNIX,
  SO_REUSEPORT,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  socketpair,
  sendFds,
  recvFds,
} from "../../../src/index.js";
import { waitFor, within } from "../../helpers/wait.js";

const CLIENTS = 40;

/** Connects CLIENTS clients (the kernel completes each handshake; nobody accepts) and tracks which get reset. */
async function queueClients(port: number) {
  const resets = new Set<number>();
  const sockets: net.Socket[] = [];
  let connected = 0;
  for (let i = 0; i < CLIENTS; i++) {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.on("connect", () => connected++);
    s.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNRESET") resets.add(i);
    });
    sockets.push(s);
  }
  await waitFor("every client connected", () => (connected === CLIENTS ? true : undefined));
  return { resets, sockets, close: () => sockets.forEach((s) => s.destroy()) };
}

/** Takes queued connections off `listener` until `enough(count)`; resolves the count. */
async function acceptUntil(listener: Socket, enough: (n: number) => boolean): Promise<number> {
  listener.settimeout(5);
  let n = 0;
  while (!enough(n)) {
    const [conn] = await listener.accept();
    conn.close();
    n++;
  }
  return n;
}

test("closing one of two SO_REUSEPORT listeners resets the connections queued on it", async (t) => {
  const first = new Socket();
  const second = new Socket();
  for (const s of [first, second]) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  first.bind(["127.0.0.1", 0]);
  const port = first.getsockname()[1];
  second.bind(["127.0.0.1", port]);
  first.listen(64);
  second.listen(64);
  const clients = await queueClients(port);
  try {
    first.close();
    // The kernel spreads connections over both queues by a hash of the addresses: with 40 clients, some
    // landed on the first listener (the chance that none did is 2^-40).
    await waitFor("resets", () => (clients.resets.size > 0 ? true : undefined));
    // Every client is either reset or accepted by the other listener: nothing else happens to it.
    const accepted = await within(
      10000,
      "the second queue",
      acceptUntil(second, (n) => n + clients.resets.size >= CLIENTS),
    );
    t.diagnostic(
      `${clients.resets.size} of ${CLIENTS} queued connections reset, ${accepted} accepted by the other listener`,
    );
    assert.equal(clients.resets.size + accepted, CLIENTS);
  } finally {
    clients.close();
    second.close();
  }
});

test("closing the descriptor that passed a listener over SCM_RIGHTS loses no queued connection", async () => {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(64);
  const port = listener.getsockname()[1];
  const clients = await queueClients(port);
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
  try {
    await sendFds(a, [Buffer.from("listener")], [listener.fileno()]);
    const [, fds] = await recvFds(b, 64, 1);
    listener.close();
    const successor = new Socket(undefined, undefined, undefined, fds[0]);
    const accepted = await within(
      5000,
      "the queue",
      acceptUntil(successor, (n) => n === CLIENTS),
    );
    successor.close();
    assert.equal(accepted, CLIENTS);
    assert.equal(clients.resets.size, 0);
  } finally {
    clients.close();
    a.close();
    b.close();
  }
});
