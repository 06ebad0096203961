// What `socketkit lab` prints, from a real run: within 100 columns, repeated lines folded, "1 handshake" in the
// singular, the queues drawn, and an SVG written with --svg. As root it runs in a private namespace (--netns) so
// that the host's other listeners cannot move its counters. Sequential (test/sequential): it provokes SYN retransmissions.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isRoot } from "../../../src/libc/platform.js";
import { columns } from "../../../src/lab/view.js";
import { start } from "../../helpers/cli.js";
import { within } from "../../helpers/wait.js";

test("lab backlog --backlog 0 --clients 50 fits 100 columns, folds 49 alike lines and draws the queues", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-lab-"));
  try {
    const svg = join(dir, "backlog.svg");
    const run = start([
      "lab",
      "backlog",
      "--backlog",
      "0",
      "--clients",
      "50",
      "--svg",
      svg,
      ...(isRoot() ? ["--netns"] : []),
    ]);
    assert.equal(await within(30000, "lab backlog", run.exit), 0, run.stderr() + run.stdout());
    const out = run.stdout();
    for (const line of out.split("\n")) assert.ok(columns(line) <= 100, `${columns(line)} columns: ${line}`);
    assert.match(out, /min\(0, \d+\) \+ 1 = 1 handshake with no accept\(\)/);
    assert.match(out, /… 47 more like these/);
    assert.ok(out.split("\n").length < 40, "fifty clients do not make fifty lines");
    assert.match(out, /^accept queue .*max 1$/m);
    assert.match(out, /^clients SYN-SENT .*max 49$/m);
    assert.match(readFileSync(svg, "utf8"), /<svg[^>]*>[\s\S]*clients SYN-SENT \(max 49\)[\s\S]*<\/svg>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
