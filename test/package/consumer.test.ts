// socketkit as another project gets it: `npm pack`, the tarball installed into a fresh project outside the
// repository, then used from plain node (ES module and CommonJS), from strict TypeScript, and through `npx socketkit`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { ResultOf as LabResult } from "../../src/lab/registry.js";
import { ROOT } from "../helpers/cli.js";

const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "socketkit-consumer-"));
const app = join(work, "app");
const measured = { tarballFiles: 0, tarballBytes: 0, productionBytes: 0, productionPackages: [] as string[] };

after(() => rmSync(work, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The child sees neither this test's loader (NODE_OPTIONS) nor the settings `npm test` exports to its scripts, so
// npm and node behave as in a user's shell; the npm cache stays the same, so installs need no network.
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key === "INIT_CWD" || (key.startsWith("npm_") && key !== "npm_config_cache"))
      continue;
    env[key] = value;
  }
  return env;
}

/** Runs a command to completion; past `timeoutMs` its whole process group is killed and the run fails. */
function run(command: string, args: string[], cwd: string, timeoutMs = 60000): Promise<Ran> {
  const child = spawn(command, args, { cwd, env: cleanEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: string[], cwd = app, timeoutMs?: number): Promise<string> {
  const r = await run(command, args, cwd, timeoutMs);
  assert.equal(r.code, 0, `${command} ${args.join(" ")} exited with ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Bytes of every file under `dir`, links not followed. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(path) : lstatSync(path).size;
  }
  return total;
}

function devVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version;
}

before(
  async () => {
    // The tarball is built from fresh sources, as `npm publish` would build it.
    await ok("npm", ["run", "build"], ROOT, 120000);
    const packed = JSON.parse(
      await ok("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT),
    ) as [{ filename: string; size: number; entryCount: number; files: { path: string }[] }];
    const [tarball] = packed;
    const paths = tarball.files.map((f) => f.path);
    for (const wanted of [
      "LICENSE",
      "README.md",
      "package.json",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/index.d.ts.map",
      "dist/index.js.map",
      "bin/socketkit.js",
    ]) {
      assert.ok(paths.includes(wanted), `the tarball has ${wanted}`);
    }
    const stray = paths.filter((p) => /^(test|bench|\.ci|docs\/api|node_modules)\/|^tsconfig|^typedoc/.test(p));
    assert.deepEqual(stray, [], "the tarball holds no tests, benchmarks, CI, generated docs or build configuration");
    measured.tarballFiles = tarball.entryCount;
    measured.tarballBytes = tarball.size;

    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
    );
    const install = ["install", "--prefer-offline", "--no-audit", "--no-fund"];
    await ok("npm", [...install, join(work, tarball.filename)], app, 120000);
    const installed = JSON.parse(readFileSync(join(app, "node_modules/socketkit/package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    // npm shows a dependency's install-time scripts to its consumer; prepare would be one that never runs from a tarball.
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) {
      assert.equal(installed.scripts?.[hook], undefined, `the package has no ${hook} script`);
    }
    measured.productionBytes = sizeOf(join(app, "node_modules"));
    measured.productionPackages = readdirSync(join(app, "node_modules")).flatMap((name) =>
      name.startsWith("@")
        ? readdirSync(join(app, "node_modules", name)).map((sub) => `${name}/${sub}`)
        : name.startsWith(".")
          ? []
          : [name],
    );
    // The TypeScript consumer's tools, the same versions the repository uses, so they come from the npm cache.
    await ok(
      "npm",
      [...install, "--save-dev", `typescript@${devVersion("typescript")}`, `@types/node@${devVersion("@types/node")}`],
      app,
      120000,
    );
  },
  { timeout: 300000 },
);

// One round trip through a Socket pair and one through a ThreadingTCPServer; the program ends by itself, so nothing
// is left open. `sk` is the module namespace, from import or from require.
const ECHO = `
async function echo(sk) {
  const listener = new sk.Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen(1);
  const client = new sk.Socket();
  await client.connect(listener.getsockname());
  const [conn] = await listener.accept();
  await client.sendall(Buffer.from("ping"));
  await conn.sendall(await conn.recv(16));
  const viaSocket = (await client.recv(16)).toString();
  conn.close();
  client.close();
  listener.close();

  class Echo extends sk.BaseRequestHandler {
    async handle() {
      for (let msg; (msg = await this.request.recv(1024)).length > 0; ) await this.request.sendall(msg);
    }
  }
  const server = new sk.ThreadingTCPServer(["127.0.0.1", 0], Echo);
  const serving = server.serveForever(0.05);
  const c = await sk.createConnection(server.serverAddress);
  await c.sendall(Buffer.from("pong"));
  const viaServer = (await c.recv(16)).toString();
  c.close();
  await server.shutdown();
  await serving;
  await server.serverClose();
  return { viaSocket, viaServer };
}
`;

test("a plain node ES module imports socketkit and echoes through Socket and ThreadingTCPServer", async () => {
  writeFileSync(
    join(app, "esm.mjs"),
    `import * as sk from "socketkit";\n${ECHO}\nconsole.log(JSON.stringify(await echo(sk)));\n`,
  );
  assert.deepEqual(JSON.parse(await ok("node", ["esm.mjs"], app, 20000)), { viaSocket: "ping", viaServer: "pong" });
});

test("a CommonJS file require()s socketkit and its three entry points, one copy of each class, and echoes the same", async () => {
  const program = `const sk = require("socketkit");
const same = require("socketkit/socket").Socket === sk.Socket && require("socketkit/server").ThreadingTCPServer === sk.ThreadingTCPServer && require("socketkit/deploy").ProxyProtocolMixIn === sk.ProxyProtocolMixIn;
${ECHO}
echo(sk).then((r) => console.log(JSON.stringify({ ...r, same })));
`;
  writeFileSync(join(app, "cjs.cjs"), program);
  assert.deepEqual(JSON.parse(await ok("node", ["cjs.cjs"], app, 20000)), {
    viaSocket: "ping",
    viaServer: "pong",
    same: true,
  });
});

const TS_APP = `import { AF_INET, BaseRequestHandler, SOCK_STREAM, Socket, ThreadingTCPServer, createConnection, type Address } from "socketkit";
import { ConnectionRefusedError, OSError } from "socketkit/socket";
import { TCPServer } from "socketkit/server";
import { ProxyProtocol, ProxyProtocolMixIn } from "socketkit/deploy";

class Echo extends BaseRequestHandler {
  override async handle(): Promise<void> {
    for (let msg = await this.request.recv(1024); msg.length > 0; msg = await this.request.recv(1024)) await this.request.sendall(msg);
  }
}

class Queued extends TCPServer {
  static override requestQueueSize = 50;
}

class Proxied extends ProxyProtocolMixIn(ThreadingTCPServer) {
  static override proxyProtocol = new ProxyProtocol({ trusted: ["10.0.0.0/8"] });
}

const server = new ThreadingTCPServer(["127.0.0.1", 0], Echo);
const serving = server.serveForever(0.05);
const address: Address = server.serverAddress;
const [host, port] = server.serverAddress;
void address;
const client = await createConnection([host, port]);
await client.sendall(Buffer.from("typed"));
const echoed = (await client.recv(16)).toString();
client.close();
await server.shutdown();
await serving;
await server.serverClose();

// A port nobody listens on: the error is Python's class, with errno and code.
const probe = new Socket(AF_INET, SOCK_STREAM);
probe.bind(["127.0.0.1", 0]);
const [, free] = probe.getsockname();
probe.close();
let refused: string | undefined;
try {
  (await createConnection(["127.0.0.1", free])).close();
} catch (err) {
  if (err instanceof ConnectionRefusedError && err instanceof OSError) refused = err.code;
}
console.log(JSON.stringify({ echoed, refused, backlog: Queued.requestQueueSize, trusted: Proxied.proxyProtocol.trusted }));
`;

const STRICT = {
  target: "ES2022",
  lib: ["ES2022"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  noImplicitOverride: true,
  skipLibCheck: false,
  // tsc --init's default: socketkit's declarations must bring Node's types in themselves.
  types: [],
};

async function compile(resolution: "node16" | "nodenext" | "bundler", files: string[]): Promise<void> {
  const module = resolution === "bundler" ? "esnext" : resolution;
  const config = {
    compilerOptions: { ...STRICT, module, moduleResolution: resolution, outDir: `out-${resolution}` },
    files,
  };
  writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2));
  const r = await run(
    process.execPath,
    [join(app, "node_modules/typescript/bin/tsc"), "-p", `tsconfig.${resolution}.json`],
    app,
    120000,
  );
  assert.equal(r.code, 0, `tsc under moduleResolution ${resolution}:\n${r.stdout}${r.stderr}`);
}

for (const resolution of ["node16", "bundler"] as const) {
  test(`a strict TypeScript consumer compiles with zero errors under moduleResolution ${resolution} and its output runs`, async () => {
    writeFileSync(join(app, "app.ts"), TS_APP);
    await compile(resolution, ["app.ts"]);
    const out: unknown = JSON.parse(await ok("node", [`out-${resolution}/app.js`], app, 20000));
    assert.deepEqual(out, { echoed: "typed", refused: "ECONNREFUSED", backlog: 50, trusted: ["10.0.0.0/8"] });
  });
}

// The natural programs of issue #20 and the wrong uses that must stay rejected (test/package/fixtures/).
const FIXTURES = join(ROOT, "test/package/fixtures");

for (const resolution of ["node16", "bundler"] as const) {
  test(`strict TypeScript under ${resolution}: the natural programs compile without a cast and run, wrong uses are rejected`, async () => {
    for (const name of ["natural.ts", "rejected.ts"])
      writeFileSync(join(app, name), readFileSync(join(FIXTURES, name)));
    // rejected.ts is all `@ts-expect-error` lines: if any wrong use compiled, tsc reports the unused directive.
    await compile(resolution, ["natural.ts", "rejected.ts"]);
    const out: unknown = JSON.parse(await ok("node", [`out-${resolution}/natural.js`], app, 20000));
    assert.deepEqual(out, {
      echoed: "typed",
      line: "a line\n",
      reply: "ping",
      port: "number",
      aborted: "AbortError",
      streamed: "via stream",
      subclass: "labelled 127.0.0.1 true",
    });
  });
}

test("a CommonJS TypeScript file compiles under module nodenext to require() calls, and runs", async () => {
  // TypeScript lets CommonJS import an ES module only under nodenext or node20 (5.8 and later), as Node allows it.
  writeFileSync(
    join(app, "commonjs.cts"),
    TS_APP.replace(/^const server = /m, "async function main(): Promise<void> {\nconst server = ") +
      "}\nvoid main();\n",
  );
  await compile("nodenext", ["commonjs.cts"]);
  assert.match(readFileSync(join(app, "out-nodenext/commonjs.cjs"), "utf8"), /require\("socketkit"\)/);
  const out: unknown = JSON.parse(await ok("node", ["out-nodenext/commonjs.cjs"], app, 20000));
  assert.deepEqual(out, { echoed: "typed", refused: "ECONNREFUSED", backlog: 50, trusted: ["10.0.0.0/8"] });
});

test("the README's TypeScript samples compile under the same strict settings and run to completion", async () => {
  const samples = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map(
    (m) => m[1]!,
  );
  assert.ok(samples.length >= 2, "the README has its socket and server samples");
  const files = samples.map((code, i) => {
    writeFileSync(join(app, `readme-${i}.ts`), code);
    return `readme-${i}.ts`;
  });
  await compile("node16", files);
  const outputs = [];
  for (const file of files) outputs.push(await ok("node", [`out-node16/${file.replace(/\.ts$/, ".js")}`], app, 20000));
  assert.match(outputs[0]!, /^<socket\.socket fd=\d+, family=AddressFamily\.AF_INET/);
  assert.match(outputs[0]!, /^hello \[ '127\.0\.0\.1', \d+ \]$/m);
  assert.match(outputs[1]!, /服务端收到, 你发的消息是: hello/);
});

test("npx socketkit runs the compiled command: --help, and lab handshake --json", async () => {
  assert.match(await ok("npx", ["socketkit", "--help"], app, 30000), /^Usage: socketkit <command>/);
  const r = JSON.parse(
    await ok("npx", ["socketkit", "lab", "handshake", "--json"], app, 30000),
  ) as LabResult<"handshake">;
  assert.equal(r.experiment, "handshake");
  assert.deepEqual(r.verdict, { agree: true, differences: [] });
});

test(
  "npx socketkit lab --netns runs the experiment in a private namespace without tsx",
  { skip: !isRoot && "needs root for a network namespace" },
  async () => {
    assert.ok(!existsSync(join(app, "node_modules/tsx")), "the consumer has no tsx");
    const r = JSON.parse(
      await ok("npx", ["socketkit", "lab", "early-close", "--netns", "--hold", "200", "--json"], app, 30000),
    ) as LabResult<"early-close">;
    assert.equal(r.cases[0]!.measured.queuedAfterHold, 1);
    assert.deepEqual(r.verdict, { agree: true, differences: [] });
  },
);

test("the consumer's production node_modules: socketkit and koffi, no build tools, a few megabytes", (t) => {
  const megabytes = measured.productionBytes / 1e6;
  t.diagnostic(`tarball: ${measured.tarballFiles} files, ${(measured.tarballBytes / 1000).toFixed(1)} kB packed`);
  t.diagnostic(
    `consumer node_modules, production dependencies only: ${megabytes.toFixed(2)} MB in ${measured.productionPackages.join(", ")}`,
  );
  assert.ok(measured.productionPackages.includes("socketkit") && measured.productionPackages.includes("koffi"));
  const tools = measured.productionPackages.filter((name) =>
    /^(tsx|esbuild|typescript|@esbuild\/.*|@types\/.*)$/.test(name),
  );
  assert.deepEqual(tools, [], "no build tool or type package is installed for running socketkit");
  assert.ok(megabytes < 10, `${megabytes.toFixed(2)} MB`);
});
