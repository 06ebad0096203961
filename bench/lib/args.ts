// The benchmarks' command lines: node:util's parseArgs with --help, which prints the benchmark's own header
// comment (what it measures and how to run it), and a one-line error with exit code 2 for an unknown option.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The comment a benchmark file opens with, without its comment markers. */
function headerOf(file: string): string {
  const lines = readFileSync(file, "utf8").split("\n");
  const end = lines.findIndex((line) => !line.startsWith("//"));
  return lines
    .slice(0, end < 0 ? lines.length : end)
    .map((line) => line.replace(/^\/\/ ?/, ""))
    .join("\n");
}

/** `options` parsed from process.argv for the benchmark at `moduleUrl` (its import.meta.url). */
export function benchArgs<O extends Options>(moduleUrl: string, options: O) {
  const file = fileURLToPath(moduleUrl);
  try {
    const parsed = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } } });
    if ((parsed.values as { help?: boolean }).help === true) {
      console.log(headerOf(file));
      process.exit(0);
    }
    return parsed;
  } catch (err) {
    console.error(`${file}: ${(err as Error).message}\nRun it with --help for what it measures and its options.`);
    process.exit(2);
  }
}
