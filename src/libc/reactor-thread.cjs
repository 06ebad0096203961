// The reactor's waiting thread: a Node worker that blocks in epoll_wait and posts each batch of ready tokens
// to the main thread. Plain CommonJS so that it loads the same under tsx, plain node or a bundler.
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const koffi = require("koffi");

const libc = koffi.load("libc.so.6");
const epollWait = libc.func("int epoll_wait(int, void *, int, int)");
const { epfd, stopFlag, eventSize, dataOffset, maxEvents } = workerData;
const EINTR = 4;
const stop = new Int32Array(stopFlag);
const events = Buffer.alloc(eventSize * maxEvents);
parentPort.postMessage({ ready: true });

for (;;) {
  const n = epollWait(epfd, events, maxEvents, -1);
  if (Atomics.load(stop, 0) !== 0) break;
  if (n < 0) {
    const errno = koffi.errno();
    if (errno === EINTR) continue;
    parentPort.postMessage({ fatal: errno });
    break;
  }
  // Pairs of (token, events); token 0 is the wake-up eventfd and is never forwarded.
  const batch = new Uint32Array(n * 2);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const token = events.readUInt32LE(i * eventSize + dataOffset);
    if (token === 0) continue;
    batch[count++] = token;
    batch[count++] = events.readUInt32LE(i * eventSize);
  }
  if (count > 0) parentPort.postMessage(batch.subarray(0, count));
}
