// The benchmarks' C programs (bench/c): a one-thread epoll load generator and a one-thread epoll echo server,
// built here with the system's cc -O2 into bench/c/build (git-ignored) when missing or older than their source.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../c/", import.meta.url));
const BUILD = join(DIR, "build");

export interface CTools {
  /** bench/c/loadgen.c: ping-pong and connect load, one JSON report on stdout. */
  loadgen: string;
  /** bench/c/echo-server.c: prints its port, echoes until the peer closes. */
  echoServer: string;
}

/** Compiles `name`.c unless its binary is newer; throws with cc's own message when the source does not compile. */
function build(name: string): string {
  const source = join(DIR, `${name}.c`);
  const binary = join(BUILD, name);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(BUILD, { recursive: true });
  const r = spawnSync("cc", ["-O2", "-Wall", "-o", binary, source], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc could not build bench/c/${name}.c:\n${r.stderr}`);
  return binary;
}

/** The C programs, built; or, when there is no cc, the one sentence that says so (the caller falls back). */
export function cTools(): CTools | string {
  if (spawnSync("cc", ["--version"], { stdio: "ignore" }).status !== 0)
    return "There is no C compiler (cc) here, so the load comes from the Node generator and the C echo is left out.";
  return { loadgen: build("loadgen"), echoServer: build("echo-server") };
}
