// The API reference that `npm run docs:api` publishes, generated here from the TSDoc comments on every test run so
// that it cannot rot: a public type that cannot be named, or a broken {@link}, fails TypeDoc (typedoc.json).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ROOT } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

const out = mkdtempSync(join(tmpdir(), "socketkit-api-"));
after(() => rmSync(out, { recursive: true, force: true }));

function typedoc(): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, "node_modules/typedoc/bin/typedoc"), "--out", out], { cwd: ROOT });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

const page = (path: string) => readFileSync(join(out, path), "utf8");

test("TypeDoc builds the API reference from the TSDoc comments without a warning", async () => {
  const { code, output } = await within(120000, "typedoc", typedoc());
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /\[warning\]/, output);
  // What a reader looks up first: the socket and its waiting calls, the server framework, the error family.
  const socket = page("classes/Socket.html");
  assert.match(socket, /Python's socket\.socket/);
  for (const method of ["sendall", "recv", "accept", "settimeout"])
    assert.match(socket, new RegExp(`id="${method}"`), method);
  assert.match(page("classes/ThreadingTCPServer.html"), /serveForever/);
  assert.match(page("classes/OSError.html"), /errno/);
  assert.match(page("functions/createConnection.html"), /id="throws"/, "the @throws section");
});

test("the reference opens on the overview: grouped by module, with the README's first example", async () => {
  // The previous test generated the pages; docs/api-overview.md is the front page (typedoc.json "readme").
  const index = page("index.html");
  for (const group of ["socket", "server", "errors", "files", "selectors", "deployment"])
    assert.match(index, new RegExp(`<h2 id="${group}"`), group);
  assert.match(index, /href="classes\/Socket\.html"/, "a {@link} became a link to the class's page");
  const sample = (markdown: string) => /```ts\n([\s\S]*?)```/.exec(markdown)?.[1];
  const overview = readFileSync(join(ROOT, "docs/api-overview.md"), "utf8");
  assert.equal(sample(overview), sample(readFileSync(join(ROOT, "README.md"), "utf8")), "the README's first example");
});
