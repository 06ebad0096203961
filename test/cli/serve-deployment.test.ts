// `socketkit serve`'s deployment options as a user meets them: --proxy-protocol logs the client's own address and
// one line per bad header, a bad --proxy-trust is a usage error, and --help lists the options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildProxyHeader, createConnection } from "../../src/index.js";
import { start, startServer } from "../helpers/cli.js";
import { waitFor, within } from "../helpers/wait.js";

async function send(port: number, bytes: Buffer): Promise<string> {
  const c = await createConnection(["127.0.0.1", port]);
  c.settimeout(10);
  try {
    await c.sendall(bytes);
    let out = "";
    for (;;) {
      const got = await c.recv(1024).catch(() => Buffer.alloc(0));
      out += got.toString();
      if (got.length === 0 || out.endsWith("\n")) return out;
    }
  } finally {
    c.close();
  }
}

test("serve --proxy-protocol: the log shows the client named by the header; a bad header is one line and no client", async () => {
  const server = await startServer(["--proxy-protocol", "--reply-prefix", "", "--lang", "en"]);
  try {
    const header = buildProxyHeader(2, ["203.0.113.7", 41234], ["127.0.0.1", server.port]);
    assert.equal(
      await within(10000, "exchange", send(server.port, Buffer.concat([header, Buffer.from("hello\n")]))),
      "hello\n",
    );
    await waitFor("the log", () =>
      /Client \('203\.0\.113\.7', 41234\) disconnected/.test(server.stdout()) ? true : undefined,
    );
    assert.match(server.stdout(), /Message from \('203\.0\.113\.7', 41234\): hello/);
    await within(10000, "bad header", send(server.port, Buffer.from("PROXY TCP4 1.2.3.4\r\nhello\n")));
    await waitFor("the refusal", () => (/PROXY protocol: closed/.test(server.stdout()) ? true : undefined));
    const lines = server.stdout().split("\n");
    assert.deepEqual(
      lines.filter((l) => l.startsWith("PROXY protocol:")).map((l) => l.replace(/\d+\)/, "PORT)")),
      ["PROXY protocol: closed ('127.0.0.1', PORT): malformed PROXY header: v1 needs 6 fields, got 3"],
    );
    assert.equal(
      lines.filter((l) => l.startsWith("Client")).length,
      2,
      "only the good client connected and disconnected",
    );
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("a --proxy-trust that is not an address is a usage error (exit 2); --help lists the deployment options", async () => {
  const bad = start(["serve", "--proxy-protocol", "--proxy-trust", "example.com", "--port", "0"]);
  assert.equal(await within(20000, "exit", bad.exit), 2);
  assert.equal(
    bad.stderr(),
    'socketkit serve: --proxy-trust: trusted: "example.com" is not an IP address or CIDR block\n',
  );
  const help = start(["serve", "--help"]);
  assert.equal(await within(20000, "help", help.exit), 0);
  for (const option of ["--proxy-protocol", "--proxy-trust", "--handover PATH", "LISTEN_FDS"])
    assert.ok(help.stdout().includes(option), option);
});
