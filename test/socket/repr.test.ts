// String(sock) and util.inspect(sock) print Python 3.10's repr for every kind of socket and state.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inspect } from "node:util";
import { AF_INET6, AF_UNIX, createConnection, Socket, SOCK_DGRAM } from "../../src/index.js";

const INET = "family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM";

test("IPv4: fresh, listening, client, accepted and closed sockets", async () => {
  const server = new Socket();
  server.bind(["127.0.0.1", 0]);
  const [, port] = server.getsockname();
  assert.equal(String(server), `<socket.socket fd=${server.fd}, ${INET}, proto=0, laddr=('127.0.0.1', ${port})>`);
  server.listen();
  const client = await createConnection(["127.0.0.1", port]);
  const [conn] = await server.accept();
  const [, cport] = client.getsockname() as [string, number];
  assert.equal(
    String(client),
    `<socket.socket fd=${client.fd}, ${INET}, proto=6, laddr=('127.0.0.1', ${cport}), raddr=('127.0.0.1', ${port})>`,
  );
  assert.equal(
    inspect(conn),
    `<socket.socket fd=${conn.fd}, ${INET}, proto=0, laddr=('127.0.0.1', ${port}), raddr=('127.0.0.1', ${cport})>`,
  );
  for (const s of [conn, client, server]) s.close();
  assert.equal(String(server), `<socket.socket [closed] fd=-1, ${INET}, proto=0>`);
  const fresh = new Socket(undefined, SOCK_DGRAM);
  // Python prints what getsockname() returns for a never-bound INET socket.
  assert.equal(
    String(fresh),
    `<socket.socket fd=${fresh.fd}, family=AddressFamily.AF_INET, type=SocketKind.SOCK_DGRAM, proto=0, laddr=('0.0.0.0', 0)>`,
  );
  assert.equal(fresh.laddr, undefined, "the laddr property is absent while unbound");
  fresh.close();
});

test("IPv6: addresses print as 4-tuples", async () => {
  const server = new Socket(AF_INET6);
  server.bind(["::1", 0]);
  server.listen();
  const [, port] = server.getsockname();
  const client = new Socket(AF_INET6);
  await client.connect(["::1", port]);
  const [conn] = await server.accept();
  const [, cport] = client.getsockname();
  const v6 = "family=AddressFamily.AF_INET6, type=SocketKind.SOCK_STREAM";
  assert.equal(String(server), `<socket.socket fd=${server.fd}, ${v6}, proto=0, laddr=('::1', ${port}, 0, 0)>`);
  assert.equal(
    String(conn),
    `<socket.socket fd=${conn.fd}, ${v6}, proto=0, laddr=('::1', ${port}, 0, 0), raddr=('::1', ${cport}, 0, 0)>`,
  );
  for (const s of [conn, client, server]) s.close();
  assert.equal(String(client), `<socket.socket [closed] fd=-1, ${v6}, proto=0>`);
});

test("Unix: bare paths, no laddr while unbound, bytes for abstract names", async () => {
  const dir = mkdtempSync(join(tmpdir(), "socketkit-repr-"));
  const path = join(dir, "s.sock");
  const ux = "family=AddressFamily.AF_UNIX, type=SocketKind.SOCK_STREAM";
  try {
    const server = new Socket(AF_UNIX);
    assert.equal(String(server), `<socket.socket fd=${server.fd}, ${ux}, proto=0>`);
    server.bind(path);
    server.listen();
    const client = new Socket(AF_UNIX);
    await client.connect(path);
    const [conn, address] = await server.accept();
    assert.equal(address, "", "an unbound client's address is empty, as in Python");
    assert.equal(String(server), `<socket.socket fd=${server.fd}, ${ux}, proto=0, laddr=${path}>`);
    assert.equal(String(client), `<socket.socket fd=${client.fd}, ${ux}, proto=0, raddr=${path}>`);
    assert.equal(String(conn), `<socket.socket fd=${conn.fd}, ${ux}, proto=0, laddr=${path}>`);
    const abstract = new Socket(AF_UNIX);
    abstract.bind("\0socketkit-repr");
    assert.equal(String(abstract), `<socket.socket fd=${abstract.fd}, ${ux}, proto=0, laddr=b'\\x00socketkit-repr'>`);
    for (const s of [conn, client, server, abstract]) s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "the format matches what python3 prints for the same sockets",
  { skip: !hasPython() && "python3 is not installed" },
  () => {
    // Python 3.11+ prints enum members as numbers; the issue asks for 3.10's names, so map them back before comparing.
    const py = execFileSync("python3", [
      "-c",
      "import socket\ns=socket.socket(); s.bind(('127.0.0.1', 0)); print(repr(s)); s.close(); print(repr(s))",
    ])
      .toString()
      .replace(/family=2/g, "family=AddressFamily.AF_INET")
      .replace(/type=1/g, "type=SocketKind.SOCK_STREAM")
      .split("\n");
    const s = new Socket();
    s.bind(["127.0.0.1", 0]);
    const mine = [String(s)];
    s.close();
    mine.push(String(s));
    const normalise = (line: string) => line.replace(/fd=\d+/, "fd=N").replace(/, \d+\)/, ", PORT)");
    assert.deepEqual(mine.map(normalise), py.slice(0, 2).map(normalise));
  },
);

function hasPython(): boolean {
  try {
    execFileSync("python3", ["--version"]);
    return true;
  } catch {
    return false;
  }
}
