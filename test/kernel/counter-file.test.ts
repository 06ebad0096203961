// The TcpExt counters through one open netstat file: the same counters readCounters() parses, read again by pread,
// so a sampler sees them move without reopening the file.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CounterFile } from "../../src/kernel/counter-file.js";
import { readCounters } from "../../src/kernel/counters.js";

test("an open netstat file reads the namespace's TcpExt counters, again and again", () => {
  const file = new CounterFile();
  try {
    const first = file.read();
    const names = Object.keys(first);
    assert.ok(names.includes("TcpExt.ListenOverflows"), names.slice(0, 5).join(", "));
    assert.ok(names.every((n) => n.startsWith("TcpExt.") || n.startsWith("IpExt.") || n.includes(".")));
    const fresh = readCounters();
    // Counters only grow: what the open file read first is never above what a fresh read sees after it.
    for (const name of ["TcpExt.ListenOverflows", "TcpExt.ListenDrops"]) assert.ok(first[name]! <= fresh[name]!, name);
    assert.deepEqual(Object.keys(file.read()), names, "a second read of the same file");
  } finally {
    file.close();
  }
});
