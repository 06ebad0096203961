// The socketkit command line: dispatches to one command per file and turns usage mistakes into one-line errors.
// Each command's module loads when that command runs: `serve` under a low descriptor limit (RLIMIT_NOFILE) must
// not spend descriptors loading the lab, and a start loads only what it uses.

import { readFileSync } from "node:fs";
import { langOfArguments, UsageError } from "./messages.js";
import { MissingPrivilegeError } from "../lab/result.js";

async function help(): Promise<string> {
  const [{ serveHelp }, { clientHelp }, { labHelp }, { watchHelp }, { experimentNames }] = await Promise.all([
    import("./serve.js"),
    import("./client.js"),
    import("./lab.js"),
    import("./watch.js"),
    import("../lab/registry.js"),
  ]);
  const { exporterHelp } = await import("./exporter.js");
  const names = experimentNames().join(", ");
  return `Usage: socketkit <command> [options]

Commands:
  serve    run the classic echo server (npm start)
  client   talk to an echo server interactively, or from a script (npm run client)
  lab      run an experiment on this kernel: ${names}
  sim      run the listen-path model of an experiment: ${names}
  watch    every TCP listener's queues at a glance (or one port's), and the kernel's overflow counters
  bench    drive TCP servers with ping-pong or new connections: throughput, latency percentiles, ratios
  exporter serve those listener figures and counters to Prometheus (/metrics)

Options:
  -h, --help     show help (also after a command: socketkit serve --help)
  -v, --version  show the version

${serveHelp}

${clientHelp}

${labHelp()}

${watchHelp}

${exporterHelp}`;
}

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  serve: async (argv) => (await import("./serve.js")).serve(argv),
  client: async (argv) => (await import("./client.js")).client(argv),
  lab: async (argv) => (await import("./lab.js")).lab(argv),
  sim: async (argv) => (await import("./lab.js")).sim(argv),
  watch: async (argv) => (await import("./watch.js")).watch(argv),
  bench: async (argv) => (await import("./bench.js")).bench(argv),
  exporter: async (argv) => (await import("./exporter.js")).exporter(argv),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(await help());
    return command === undefined ? 2 : 0;
  }
  if (command === "-v" || command === "--version") {
    console.log(version());
    return 0;
  }
  const run = commands[command];
  if (run === undefined) {
    console.error(`socketkit: unknown command '${command}' (try 'socketkit --help')`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (err) {
    // Usage mistakes and the errors commands turn into sentences are one line, never a stack trace.
    if (err instanceof UsageError) {
      console.error(`socketkit ${command}: ${err.in(langOfArguments(rest))}`);
      return err.cause ? 1 : 2;
    }
    if (err instanceof MissingPrivilegeError) {
      console.error(`socketkit ${command}: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      const zh = langOfArguments(rest) === "zh";
      console.error(`socketkit ${command}: ${zh ? `命令行参数有误：${err.message}` : err.message}`);
      return 2;
    }
    throw err;
  }
}

// Output piped into `head` and closed early is the reader's choice, not an error worth a stack trace. The server
// is the exception: its log going nowhere is a failure a supervisor must see, and serve handles it itself.
if (process.argv[2] !== "serve") {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
