// What `socketkit lab` prints, from a real run: within 100 columns, repeated lines folded, "1 handshake" in the
// singular, the queues drawn with the run's marks, an SVG written with --svg that carries them; and with --lang zh
// every line in Chinese (numbers and identifiers aside), full-width punctuation, no number cut from its word.
// As root it runs in a private namespace (--netns). Sequential (test/sequential): it provokes SYN retransmissions.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isRoot } from "../../../src/libc/platform.js";
import { columns } from "../../../src/lab/view.js";
import { start } from "../../helpers/cli.js";
import { within } from "../../helpers/wait.js";

const netns = isRoot() ? ["--netns"] : [];

test("lab backlog --backlog 0 --clients 50 fits 100 columns, folds 49 alike lines and draws the queues", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-lab-"));
  try {
    const svg = join(dir, "backlog.svg");
    const run = start(["lab", "backlog", "--backlog", "0", "--clients", "50", "--svg", svg, ...netns]);
    assert.equal(await within(30000, "lab backlog", run.exit), 0, run.stderr() + run.stdout());
    const out = run.stdout();
    for (const line of out.split("\n")) assert.ok(columns(line) <= 100, `${columns(line)} columns: ${line}`);
    assert.match(out, /min\(0, \d+\) \+ 1 = 1 handshake with no accept\(\)/);
    assert.match(out, /… 47 more like these/);
    assert.ok(out.split("\n").length < 60, "fifty clients do not make fifty lines");
    assert.match(out, /^accept queue .*max 1$/m);
    assert.match(out, /^clients SYN-SENT .*max 49$/m);
    assert.match(out, /^drain starts +│$/m, "the chart marks the drain");
    assert.match(out, /✓ 49 waited in SYN-SENT, their SYNs dropped {2}\[tcp_info/);
    const picture = readFileSync(svg, "utf8");
    assert.match(picture, /<svg[^>]*>[\s\S]*clients SYN-SENT \(max 49\)[\s\S]*<\/svg>/);
    for (const mark of ["drain starts", "SYN retransmitted", "connect\\(\\) returns", "accept\\(\\) returns"])
      assert.match(picture, new RegExp(`>${mark}</text>`), `the picture marks: ${mark}`);
    assert.match(picture, /ListenOverflows \(counter, max \d+\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The words a Chinese line may keep in English: calls, states, counters, sysctls, units. */
const IDENTIFIERS =
  /^(accept|connect|recv|listen|min|max|ms|s|SYN|ACK|RST|FIN|DATA|SENT|RECV|ESTAB|WAIT|CLOSE|ListenOverflows|ListenDrops|somaxconn|tcp_\w+|sock_diag|tcp_info|ETIMEDOUT|EOF)$/;

test("lab backlog --lang zh: every line in Chinese, full-width punctuation, numbers kept with their words", async () => {
  const run = start(["lab", "backlog", "--clients", "12", "--lang", "zh", ...netns]);
  assert.equal(await within(30000, "lab backlog --lang zh", run.exit), 0, run.stderr() + run.stdout());
  const lines = [...run.stdout().split("\n"), ...run.stderr().split("\n")].filter((l) => l.trim() !== "");
  assert.match(run.stdout(), /^结论：全部 9 项结论成立/m);
  for (const line of lines) {
    assert.ok(columns(line) <= 100, line);
    const english = (line.match(/[A-Za-z_][A-Za-z_]*/g) ?? []).filter((w) => !IDENTIFIERS.test(w));
    assert.deepEqual(english, [], `English left in: ${line}`);
    assert.doesNotMatch(line, /[\u4e00-\u9fff][,:;]|[,:;] ?[\u4e00-\u9fff]|\([\u4e00-\u9fff]|[\u4e00-\u9fff]\)/, line);
    assert.doesNotMatch(line, /^\s*\+?\d+\s*$/, `a number alone on its line: ${line}`);
  }
});
