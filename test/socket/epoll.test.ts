// select.epoll's waiting poll(): it waits on Node's event loop (the loop keeps running), wakes for the kernel's
// event, gives up at its timeout, rejects when the object is closed under it, and leaves no fd behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { select, socketpair } from "../../src/index.js";
import { registeredCount } from "../../src/libc/poller.js";
import { openFdCount, stillPending, within } from "../helpers/wait.js";

test("a waiting poll() leaves the event loop running and resolves with the event that arrives", async () => {
  const [a, b] = socketpair();
  const ep = select.epoll();
  try {
    ep.register(a, select.EPOLLIN);
    const polling = ep.poll(null);
    // stillPending's timer firing is the loop running while poll() waits; a blocking poll would never return.
    assert.ok(await stillPending(polling, 20), "nothing was ready, so poll() still waits");
    await b.send(Buffer.from("x"));
    assert.deepEqual(await within(5000, "poll()", polling), [[a.fileno(), select.EPOLLIN]]);
  } finally {
    ep.close();
    a.close();
    b.close();
  }
});

test("poll() with a timeout and nothing ready resolves with no events", async () => {
  const [a, b] = socketpair();
  const ep = select.epoll();
  try {
    ep.register(a, select.EPOLLIN);
    assert.deepEqual(await within(5000, "poll(0.02)", ep.poll(0.02)), []);
    assert.deepEqual(await ep.poll(0), []);
  } finally {
    ep.close();
    a.close();
    b.close();
  }
});

test("closing the epoll object under a waiting poll() rejects it as closed", async () => {
  const [a, b] = socketpair();
  const ep = select.epoll();
  try {
    ep.register(a, select.EPOLLIN);
    const polling = ep.poll();
    assert.ok(await stillPending(polling, 20));
    ep.close();
    await assert.rejects(within(5000, "poll()", polling), { name: "RangeError", message: /closed epoll object/ });
  } finally {
    ep.close();
    a.close();
    b.close();
  }
});

test("epoll objects that waited and closed leave no fd and no loop registration behind", async () => {
  const [a, b] = socketpair();
  const fds = openFdCount();
  const registrations = registeredCount();
  for (let i = 0; i < 50; i++) {
    const ep = select.epoll();
    ep.register(a, select.EPOLLIN);
    // Nothing to read: this poll waits on the loop (registering the epoll fd there) until its timeout.
    assert.deepEqual(await ep.poll(0.001), []);
    ep.register(b, select.EPOLLOUT);
    assert.deepEqual(await ep.poll(null, 1), [[b.fileno(), select.EPOLLOUT]]);
    ep.close();
  }
  assert.equal(openFdCount(), fds);
  assert.equal(registeredCount(), registrations);
  a.close();
  b.close();
});
