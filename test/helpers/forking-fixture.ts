// Runs test/fixtures/forking/server.ts as its own program (its workers run it again) and cleans up after it:
// the fixture and every worker it was seen to start are killed by PID, even when the test fails.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import type { Address } from "../../src/index.js";
import { deadlineFor, hasPassed } from "../../src/socket/timeout.js";
import { ROOT } from "./cli.js";
import { descendantsOf, killAll } from "./processes.js";

export class ForkingFixture {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every process seen in the fixture's tree: killed by stop() if still alive. */
  readonly seen = new Set<number>();
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exit: Promise<number | null>;
  stderr = "";

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/forking/server.ts", ...args], {
      cwd: ROOT,
    });
    this.seen.add(this.child.pid!);
    this.child.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.lines.push(line);
      for (const w of this.waiters.splice(0)) w();
    });
    this.exit = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first line starting with `prefix` (what follows it), failing after `ms`. */
  async line(prefix: string, ms = 20_000): Promise<string> {
    const deadline = deadlineFor(ms / 1000);
    for (;;) {
      const found = this.lines.findIndex((l) => l.startsWith(prefix));
      if (found >= 0) return this.lines.splice(found, 1)[0]!.slice(prefix.length);
      if (hasPassed(deadline)) throw new Error(`the fixture printed no '${prefix}' line; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** True if a line starting with `prefix` has been printed (and not taken by line()). */
  printed(prefix: string): boolean {
    return this.lines.some((l) => l.startsWith(prefix));
  }

  /** Waits until the server is serving; resolves with its address. */
  async ready(): Promise<Address> {
    const [json] = (await this.line("ready ")).split(" ");
    return JSON.parse(json!) as Address;
  }

  /** The worker processes alive now, from the server itself. */
  async workers(): Promise<number[]> {
    this.child.stdin.write("workers\n");
    const pids = JSON.parse(await this.line("workers ")) as number[];
    this.note();
    for (const pid of pids) this.seen.add(pid);
    return pids;
  }

  /** Requests in progress and the server process's open descriptors, from the server itself. */
  async stats(): Promise<{ active: number; fds: number }> {
    this.child.stdin.write("stats\n");
    return JSON.parse(await this.line("stats ")) as { active: number; fds: number };
  }

  /** Closes the server (shutdown, serverClose) and resolves with what it reports. */
  async close(): Promise<{ active: number; workers: number; fd: number }> {
    this.note();
    this.child.stdin.write("close\n");
    return JSON.parse(await this.line("closed ")) as { active: number; workers: number; fd: number };
  }

  /** Records the fixture's descendants, so that stop() can reach them even after the fixture is gone. */
  note(): void {
    for (const pid of descendantsOf(this.pid)) this.seen.add(pid);
  }

  /** Kills whatever of the fixture's tree is still alive. */
  stop(): void {
    this.note();
    killAll(this.seen);
  }
}

/** Runs `body` with a fixture started with `args`, always cleaning up after it. */
export async function withFixture<T>(args: string[], body: (f: ForkingFixture) => Promise<T>): Promise<T> {
  const fixture = new ForkingFixture(args);
  try {
    return await body(fixture);
  } finally {
    fixture.stop();
  }
}
