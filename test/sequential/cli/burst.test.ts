// Fairness under a burst: 500 clients connecting at once to socketkit serve each get their round trip without a
// single SYN retransmission — each client's own tcp_info says so — which means the accept loop drained the queue
// as fast as it filled. (Sequential: a burst competes for the CPU with whatever else runs.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { Socket } from "../../../src/index.js";
import { startServer } from "../../helpers/cli.js";
import { within } from "../../helpers/wait.js";

async function roundTrip(sock: Socket, port: number): Promise<number> {
  await sock.connect(["127.0.0.1", port]);
  await sock.sendall(Buffer.from("ping"));
  let got = "";
  while (!got.endsWith("ping")) {
    const chunk = await sock.recv(1024);
    if (chunk.length === 0) throw new Error(`EOF after ${JSON.stringify(got)}`);
    got += chunk.toString();
  }
  // After the exchange, tcp_info still counts the SYN retransmissions connect() needed.
  return sock.tcpInfo().totalRetrans;
}

test("500 simultaneous clients each complete a round trip, none needing a SYN retransmission", async () => {
  const server = await startServer();
  const clients = Array.from({ length: 500 }, () => new Socket());
  try {
    const retransmissions = await within(
      30000,
      "500 round trips",
      Promise.all(clients.map((c) => roundTrip(c, server.port))),
    );
    const retried = retransmissions.filter((n) => n > 0).length;
    assert.equal(retried, 0, `${retried} of 500 clients had to retransmit (the accept queue overflowed)`);
  } finally {
    for (const c of clients) c.close();
    server.child.kill();
  }
});
