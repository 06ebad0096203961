// docs/python.md lists socketkit's form of every Python name: each one it names must exist, so the table cannot rot.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as socketkit from "../../src/index.js";

/** Fields set per instance (handlers, servers), which no prototype carries. */
const INSTANCE_FIELDS = new Set([
  "rfile",
  "wfile",
  "connection",
  "packet",
  "socket",
  "serverAddress",
  "RequestHandlerClass",
  "family",
  "type",
  "proto",
]);

function socketkitNames(markdown: string): string[] {
  const names = new Set<string>();
  for (const line of markdown.split("\n")) {
    const cells = line.split("|");
    if (cells.length < 4 || line.includes("---")) continue;
    const cell = cells[2]!;
    for (const [, code] of cell.matchAll(/`([^`]+)`/g)) {
      const name = /^(?:new )?([A-Za-z_$][\w$]*)/.exec(code!)?.[1];
      if (name && !code!.includes("*") && !["using", "await", "String", "Symbol", "util"].includes(name))
        names.add(name);
    }
  }
  return [...names];
}

test("every socketkit name docs/python.md gives exists", () => {
  const markdown = readFileSync(new URL("../../docs/python.md", import.meta.url), "utf8");
  const owners: object[] = [
    socketkit,
    socketkit.select,
    socketkit.Socket.prototype,
    socketkit.TCPServer.prototype,
    socketkit.UDPServer.prototype,
    socketkit.TCPServer,
    socketkit.UDPServer,
    socketkit.ThreadingTCPServer,
    socketkit.ThreadingTCPServer.prototype,
    socketkit.ForkingTCPServer,
    socketkit.ForkingTCPServer.prototype,
    socketkit.StreamRequestHandler,
    socketkit.BaseSelector.prototype,
    socketkit.select.Poll.prototype,
    socketkit.select.Epoll.prototype,
  ];
  const names = socketkitNames(markdown);
  assert.ok(names.length > 80, `the table names ${names.length} things`);
  const missing = names.filter((n) => !INSTANCE_FIELDS.has(n) && !owners.some((o) => n in o));
  assert.deepEqual(missing, []);
});
