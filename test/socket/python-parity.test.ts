// The differential harness: each scenario in test/fixtures/parity is written twice, as NAME.py on Python's socket
// module and as NAME.ts on socketkit; both run on this machine and must print the same lines.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const DIR = fileURLToPath(new URL("../fixtures/parity/", import.meta.url));
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const scenarios = readdirSync(DIR)
  .filter((f) => f.endsWith(".py") && f !== "common.py" && !f.endsWith("-child.py"))
  .map((f) => f.slice(0, -3));

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: DIR, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let errors = "";
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (errors += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}\n${out}${errors}`));
    });
  });
}

for (const name of scenarios) {
  test(
    `python3 and socketkit print the same: ${name}`,
    { skip: !hasPython && "python3 is not installed" },
    async () => {
      const [python, socketkit] = await Promise.all([
        run("python3", [`${name}.py`]),
        run(process.execPath, ["--import", "tsx", `${name}.ts`]),
      ]);
      assert.ok(python.trim().length > 0, "the Python side printed nothing");
      assert.equal(socketkit, python);
    },
  );
}
