// The operator pages (EN and zh) against the exporter and promtool: each page shows the scrape config and the alert
// rules as the files are, names every metric family and --fail-on field, and promtool accepts the files and
// passes the rules' unit tests (exporter-alerts.promtool.yml).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { FAIL_ON_FIELDS } from "../../src/cli/watch/fail-on.js";
import { LISTENER_FAMILIES, NAMESPACE_FAMILIES } from "../../src/cli/exporter/metrics.js";
import { ROOT } from "../helpers/cli.js";

const HAVE_PROMTOOL = spawnSync("promtool", ["--version"]).status === 0;
const FILES = ["docs/prometheus/prometheus.yml", "docs/prometheus/socketkit-alerts.yml"];
const FAMILIES = [
  ...LISTENER_FAMILIES.map(([name]) => name),
  ...NAMESPACE_FAMILIES.map(([name]) => name),
  "socketkit_scrape_duration_seconds",
];

for (const page of ["docs/en/operators.md", "docs/zh/operators.md"]) {
  test(`${page} shows the Prometheus files as they are and names every metric and --fail-on field`, () => {
    const text = readFileSync(`${ROOT}/${page}`, "utf8");
    for (const file of FILES) {
      const body = readFileSync(`${ROOT}/${file}`, "utf8").trimEnd();
      assert.ok(text.includes(`\`${file}\``), `names ${file}`);
      assert.ok(text.includes(`\`\`\`yaml\n${body}\n\`\`\``), `holds ${file} verbatim`);
    }
    for (const name of [...FAMILIES, ...FAIL_ON_FIELDS]) assert.ok(text.includes(`\`${name}\``), name);
    assert.ok(text.includes("(socketkit_listener_accept_queue >= socketkit_listener_backlog) > 0"));
  });
}

const promtool = (...args: string[]) => spawnSync("promtool", args, { cwd: ROOT, encoding: "utf8" });

test(
  "promtool accepts the scrape config and the alert rules, and the rules pass their unit tests",
  { skip: !HAVE_PROMTOOL && "needs promtool (Debian's prometheus)" },
  () => {
    for (const args of [
      ["check", "config", "docs/prometheus/prometheus.yml"],
      ["check", "rules", "docs/prometheus/socketkit-alerts.yml"],
      ["test", "rules", "test/cli/exporter-alerts.promtool.yml"],
    ]) {
      const r = promtool(...args);
      assert.equal(r.status, 0, `promtool ${args.join(" ")}: ${r.stdout}${r.stderr}`);
    }
  },
);
