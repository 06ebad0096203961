// The program runInPrivateNetns (private-namespace.ts) starts inside a fresh network namespace: it runs one lab
// experiment by name, with its options as JSON, and prints the result as JSON on stdout. Only its types are imported.

import { runBacklog } from "./backlog.js";
import { runEarlyClose } from "./early-close.js";
import { runHandshake } from "./handshake.js";
import { runOverflow } from "./overflow.js";
import { runSynQueue } from "./synqueue.js";

/** Every experiment that can run in a private namespace, by the name the command line uses. */
export const EXPERIMENTS = {
  handshake: runHandshake,
  backlog: runBacklog,
  "early-close": runEarlyClose,
  overflow: runOverflow,
  synqueue: runSynQueue,
};

async function main([name, options = "{}"]: string[]): Promise<void> {
  const run = EXPERIMENTS[name as keyof typeof EXPERIMENTS];
  if (run === undefined) throw new Error(`unknown experiment '${name}'`);
  const result = await run(JSON.parse(options));
  process.stdout.write(JSON.stringify(result));
}

// Not a top-level await: the exit code is set when the experiment is done, and a failure is one message on stderr.
main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
