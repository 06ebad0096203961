// What a run opened is closed however the run ends, last opened first; and the lab's bounded poll stops at the
// first reading it was waiting for, or after its limit with the last reading.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withCleanup } from "../../src/lab/cleanup.js";
import { pollUntil } from "../../src/lab/clock.js";

test("withCleanup closes and runs what was added, last first, when the run fails half-way too", async () => {
  const closed: string[] = [];
  const thing = (name: string) => ({ close: () => void closed.push(name) });
  const made = await withCleanup(async (c) => {
    const line = c.add(thing("line"));
    c.defer(() => closed.push("sampler"));
    c.add(thing("socket"));
    return line;
  });
  assert.deepEqual(closed, ["socket", "sampler", "line"]);
  assert.equal(typeof made.close, "function", "add() returns what it was given");
  closed.length = 0;
  await assert.rejects(
    withCleanup(async (c) => {
      c.add(thing("server"));
      throw new Error("the kernel said no");
    }),
    /the kernel said no/,
  );
  assert.deepEqual(closed, ["server"], "a failing run still closes what it opened");
});

test("pollUntil resolves with the first reading it waits for, or the last one once its limit has passed", async () => {
  let reads = 0;
  assert.equal(
    await pollUntil(
      () => ++reads,
      (n) => n === 3,
      10_000,
      1,
    ),
    3,
  );
  assert.equal(reads, 3, "it stops probing once the reading is the awaited one");
  reads = 0;
  assert.equal(
    await pollUntil(
      () => ++reads,
      () => false,
      0,
      1,
    ),
    1,
    "a passed limit still reads once",
  );
});
