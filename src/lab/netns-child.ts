// The program runInPrivateNetns (private-namespace.ts) starts inside a fresh network namespace: it runs one lab
// experiment by name through the registry, with the command line's option names and values as JSON, and prints
// the result as JSON on stdout; given a third argument, it writes the run's packets there as a pcap file.

import type { GivenOptions } from "./experiment.js";
import { PcapSink } from "./pcap.js";
import { resultJson, runExperiment } from "./registry.js";

async function main([name = "", options = "{}", pcap]: string[]): Promise<void> {
  const sink = pcap === undefined ? null : new PcapSink(pcap);
  const result = await runExperiment(name, JSON.parse(options) as GivenOptions, sink ? { capture: sink.add } : {});
  sink?.write();
  process.stdout.write(resultJson(result));
}

// Not a top-level await: the exit code is set when the experiment is done, and a failure is one message on stderr.
main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
