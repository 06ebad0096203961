// How long a timeout lets a call wait: here the duration is what is under test, so this file runs alone
// (test/sequential). What a timeout does and leaves behind is tested in test/socket/timeouts.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Socket, TimeoutError } from "../../../src/index.js";
import { tcpPair } from "../../helpers/pairs.js";

/** Milliseconds `call` took to reject with Python's socket.timeout. */
async function timeToTimeout(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await assert.rejects(call(), (e: unknown) => e instanceof TimeoutError && e.errno === null);
  return performance.now() - started;
}

/** A 0.2 s timeout gives up once 0.2 s have passed (the deadline is never early), and not long after. */
function assertAbout200ms(took: number, what: string): void {
  assert.ok(took >= 199 && took < 1500, `${what} timed out after ${Math.round(took)} ms`);
}

test("accept, recv and sendall with a 0.2 s timeout give up after 0.2 s", async () => {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen();
  listener.settimeout(0.2);
  const p = await tcpPair();
  try {
    assertAbout200ms(await timeToTimeout(() => listener.accept()), "accept");
    p.server.settimeout(0.2);
    assertAbout200ms(await timeToTimeout(() => p.server.recv(10)), "recv");
    // The peer never reads: the kernel's buffers fill at once, then sendall waits until its deadline.
    p.client.settimeout(0.2);
    assertAbout200ms(await timeToTimeout(() => p.client.sendall(Buffer.alloc(64 * 1024 * 1024))), "sendall");
  } finally {
    listener.close();
    p.close();
  }
});
