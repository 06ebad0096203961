// A WorkerGroup worker's servers join the group only when told to (joinWorkerGroup): a server the worker
// constructs binds its own address as anywhere else, and the joined one serves on the group's port, whether the
// group shares one listener ("inherit") or binds a socket each with SO_REUSEPORT ("reuseport"). Each case runs
// test/fixtures/deploy/group-worker.ts as a worker started the way WorkerGroup starts one.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { createConnection, SO_REUSEADDR, SO_REUSEPORT, SOL_SOCKET, Socket } from "../../src/index.js";
import { ROOT } from "../helpers/cli.js";
import { within } from "../helpers/wait.js";

interface Report {
  first: [string, number];
  second: [string, number];
  joined: boolean;
  again: string;
}

/** Starts the fixture as a worker with `role` and `fd` at its fd 3; resolves its report, and answer() connects. */
async function startWorker(role: string, fd: number): Promise<{ report: Report; answer: () => Promise<string> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/deploy/group-worker.ts"], {
    cwd: ROOT,
    env: { ...process.env, SOCKETKIT_WORKER: role },
    stdio: ["ignore", "pipe", "pipe", fd, "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const lines = createInterface({ input: child.stdout! });
    const line = await within(30_000, "the worker's report", new Promise<string>((r) => lines.once("line", r)));
    const report = JSON.parse(line) as Report;
    return {
      report,
      async answer() {
        try {
          const c = await createConnection(["127.0.0.1", report.second[1]]);
          const reply = (await within(10_000, "the worker's answer", c.recv(100))).toString();
          c.close();
          assert.equal(await within(10_000, "the worker to exit", exit), 0, stderr);
          return reply;
        } finally {
          if (child.exitCode === null) child.kill("SIGKILL");
        }
      },
    };
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${String(err)}; stderr: ${stderr}`, { cause: err });
  }
}

function check(report: Report, port: number): void {
  assert.notEqual(report.first[1], port, "a server the worker merely constructs binds a port of its own");
  assert.equal(report.joined, true);
  assert.equal(report.second[1], port, "the joined server serves on the group's port");
  assert.match(report.again, /already joined its group/);
}

test("inherit: a worker's first server does not adopt the group's listener; the server that joins does", async () => {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(8);
  const port = listener.getsockname()[1];
  try {
    const worker = await startWorker("group:1", listener.fileno());
    check(worker.report, port);
    assert.match(await worker.answer(), /^hello from \d+$/);
  } finally {
    listener.close();
  }
});

test("reuseport: the joined server binds beside the primary's port holder with SO_REUSEPORT", async () => {
  // The primary's holder: bound with SO_REUSEPORT, never listening, so the kernel sends it no connections.
  const holder = new Socket();
  holder.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  holder.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  holder.bind(["127.0.0.1", 0]);
  const port = holder.getsockname()[1];
  try {
    const worker = await startWorker(`group:1:reuseport:${port}`, holder.fileno());
    check(worker.report, port);
    assert.match(await worker.answer(), /^hello from \d+$/);
  } finally {
    holder.close();
  }
});
