// docs/deployment.md shows the configuration the deployment tests run: each block must be the file itself, and
// HAProxy must accept the file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ROOT } from "../helpers/cli.js";

const guide = readFileSync(`${ROOT}/docs/deployment.md`, "utf8");

for (const file of [
  "docs/deploy/haproxy.cfg",
  "docs/systemd/socketkit-echo.socket",
  "docs/systemd/socketkit-echo.service",
]) {
  test(`docs/deployment.md shows ${file} as it is`, () => {
    const text = readFileSync(`${ROOT}/${file}`, "utf8").trimEnd();
    assert.ok(guide.includes(`\`${file}\``), `the guide names ${file}`);
    assert.ok(guide.includes(`\n${text}\n\`\`\``), `the guide holds ${file} verbatim`);
  });
}

const HAVE_HAPROXY = spawnSync("haproxy", ["-v"]).status === 0;
test("HAProxy accepts docs/deploy/haproxy.cfg", { skip: HAVE_HAPROXY ? false : "HAProxy is not installed." }, () => {
  const check = spawnSync("haproxy", ["-c", "-f", "docs/deploy/haproxy.cfg"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});
