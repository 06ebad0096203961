// Running the socketkit command in child processes, as a user would, with cleanup that never leaves one behind.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after } from "node:test";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const running = new Set<ChildProcessWithoutNullStreams>();
after(() => {
  for (const child of running) child.kill("SIGKILL");
});

export interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/**
 * Starts `socketkit <args>` (or another command) and collects its output. The command is the one users run: the
 * bin on the compiled CLI (`npm test` builds it first; after editing src, `npm run build` before running one file).
 */
export function start(
  args: string[],
  command: string[] = [process.execPath, "bin/socketkit.js"],
  env: NodeJS.ProcessEnv = {},
): Run {
  const child = spawn(command[0]!, [...command.slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, LANG: "en_US.UTF-8", ...env },
  });
  running.add(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Starts `socketkit serve` on a free port and resolves with the run and its port once it is listening. */
export async function startServer(extra: string[] = []): Promise<Run & { port: number }> {
  const run = start(["serve", "--host", "127.0.0.1", "--port", "0", ...extra]);
  const port = await new Promise<number>((resolve, reject) => {
    // A watchdog against a hang, not a measure: a loaded machine may take a while to start a process.
    const timer = setTimeout(() => reject(new Error(`server did not start: ${run.stderr()}`)), 60000);
    const onData = () => {
      const m = /:(\d+) \(backlog/.exec(run.stdout());
      if (m) {
        clearTimeout(timer);
        run.child.stdout.off("data", onData);
        resolve(Number(m[1]));
      }
    };
    run.child.stdout.on("data", onData);
    void run.exit.then(() => reject(new Error(`server exited: ${run.stderr()}`)));
  });
  return { ...run, port };
}

/** Runs the client with `input` on a pipe and resolves once it exits. */
export async function runClient(
  port: number,
  input: string,
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = start(["client", "--host", "127.0.0.1", "--port", String(port), ...extra]);
  run.child.stdin.end(input);
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
