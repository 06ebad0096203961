// Capture files: the pcap format (a 24-byte header with microsecond timestamps and LINKTYPE_RAW, a 16-byte header per
// packet, in time order), which tcpdump reads back packet for packet.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parsePacket } from "../../src/lab/packet.js";
import { pcapFile, PcapSink } from "../../src/lab/pcap.js";

/** An IPv4 + TCP header from 198.18.0.1:`sport` to 198.18.0.2:`dport` with `flags` (no payload, no checksum). */
function tcpPacket(sport: number, dport: number, flags: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt8(0x45, 0);
  b.writeUInt16BE(40, 2);
  b.writeUInt8(64, 8);
  b.writeUInt8(6, 9);
  Buffer.from([198, 18, 0, 1, 198, 18, 0, 2]).copy(b, 12);
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  b.writeUInt8(5 << 4, 32);
  b.writeUInt8(flags, 33);
  b.writeUInt16BE(64240, 34);
  return b;
}

const SYN = 0x02;
const ACK = 0x10;
const frames = [
  { atUs: 1_700_000_000_250_000, bytes: tcpPacket(40000, 80, ACK) },
  { atUs: 1_700_000_000_000_001, bytes: tcpPacket(40000, 80, SYN) },
];

test("a pcap file: global header, then each packet with its time and length, in time order", () => {
  const file = pcapFile(frames);
  assert.equal(file.readUInt32LE(0), 0xa1b2c3d4, "microsecond timestamps");
  assert.deepEqual([file.readUInt16LE(4), file.readUInt16LE(6)], [2, 4]);
  assert.equal(file.readUInt32LE(20), 101, "LINKTYPE_RAW");
  assert.deepEqual([file.readUInt32LE(24), file.readUInt32LE(28)], [1_700_000_000, 1], "the earlier packet first");
  assert.deepEqual([file.readUInt32LE(32), file.readUInt32LE(36)], [40, 40]);
  assert.deepEqual(parsePacket(file.subarray(40, 80), "client"), {
    from: "client",
    srcPort: 40000,
    dstPort: 80,
    fin: false,
    syn: true,
    rst: false,
    ack: false,
    payload: 0,
  });
  assert.equal(file.length, 24 + 2 * (16 + 40));
});

test(
  "tcpdump -r reads the file packet for packet",
  { skip: spawnSync("tcpdump", ["--version"]).status !== 0 && "needs tcpdump (.ci/run installs it)" },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "socketkit-pcap-"));
    try {
      const sink = new PcapSink(join(dir, "run.pcap"));
      sink.add(frames);
      assert.equal(sink.write(), 2);
      const read = spawnSync("tcpdump", ["-r", sink.path, "-n", "-tt"], { encoding: "utf8" });
      assert.equal(read.status, 0, read.stderr);
      const lines = read.stdout.trim().split("\n");
      assert.match(lines[0]!, /^1700000000\.000001 IP 198\.18\.0\.1\.40000 > 198\.18\.0\.2\.80: Flags \[S\]/);
      assert.match(lines[1]!, /^1700000000\.250000 IP 198\.18\.0\.1\.40000 > 198\.18\.0\.2\.80: Flags \[\.\]/);
      assert.equal(readFileSync(sink.path).length, 24 + 2 * 56);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
