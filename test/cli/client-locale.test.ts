// `socketkit client` speaks the locale's language as `serve` does: Chinese only with --lang zh or a Chinese
// LC_ALL / LC_MESSAGES / LANG, English otherwise (LANG=C included).
import assert from "node:assert/strict";
import { test } from "node:test";
import { start } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { within } from "../helpers/wait.js";

/** What the client prints when nothing listens on its port, under `env`. */
async function refusedLine(env: NodeJS.ProcessEnv, extra: string[] = []): Promise<string> {
  const run = start(["client", "--host", "127.0.0.1", "--port", String(freePort()), ...extra], undefined, env);
  run.child.stdin.end();
  await within(15000, "the client to exit", run.exit);
  return run.stderr();
}

test("the client's language follows LC_ALL, LC_MESSAGES and LANG, and --lang over them", async () => {
  const unset = { LC_ALL: "", LC_MESSAGES: "" };
  assert.match(await refusedLine({ ...unset, LANG: "C" }), /Cannot connect to/);
  assert.match(await refusedLine({ ...unset, LANG: "zh_CN.UTF-8" }), /无法连接到服务器/);
  assert.match(await refusedLine({ LC_ALL: "C", LC_MESSAGES: "", LANG: "zh_CN.UTF-8" }), /Cannot connect to/);
  assert.match(await refusedLine({ ...unset, LANG: "C" }, ["--lang", "zh"]), /无法连接到服务器/);
});
