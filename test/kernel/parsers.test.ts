// The kernel readers' parsers on recorded text, including malformed lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { counterDeltas, parseCounters } from "../../src/kernel/counters.js";
import { socketInode } from "../../src/kernel/owners.js";
import { parseProcNetTcp, parseTcpLine } from "../../src/kernel/proc-net-tcp.js";
import { buildDumpRequest, listenerQueues, parseDiagReply } from "../../src/kernel/sock-diag.js";
import { parseSysctlValue } from "../../src/kernel/sysctl.js";

const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:3039 00000000:0000 0A 00000000:00000006 00:00000000 00000000  1000        0 41234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C350 0100007F:3039 02 00000001:00000000 01:00000064 00000002     0        0 0 2 0000000000000000
   2: 0100007F:3039 0100007F:C350 01 00000000:00000040 00:00000000 00000000  1000        0 41240 1 0000000000000000 20 4 1 10 -1
   3: garbage line with too few fields
   4: ZZZZZZZZ:3039 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   5: 0100007F:3039 00000000:0000 FF 00000000:00000000 00:00000000 00000000     0        0 1 1
`;

test("/proc/net/tcp: addresses, ss state names, queues, uid and inode; malformed lines are skipped", () => {
  const entries = parseProcNetTcp(PROC_NET_TCP, 4);
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[0], {
    family: 4,
    localAddress: "127.0.0.1",
    localPort: 12345,
    remoteAddress: "0.0.0.0",
    remotePort: 0,
    state: "LISTEN",
    txQueue: 0,
    rxQueue: 6,
    uid: 1000,
    inode: 41234,
  });
  assert.equal(entries[1]!.state, "SYN-SENT");
  assert.equal(entries[2]!.state, "ESTAB");
  assert.equal(entries[2]!.rxQueue, 64);
  assert.equal(parseTcpLine("", 4), null);
});

test("/proc/net/tcp6: IPv6 words in host byte order", () => {
  const line =
    "   0: 00000000000000000000000001000000:3039 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1";
  const e = parseTcpLine(line, 6)!;
  assert.equal(e.localAddress, "::1");
  assert.equal(e.localPort, 12345);
  assert.equal(e.remoteAddress, "::");
});

test("netstat/snmp counters: header and value lines pair up; mismatched pairs are skipped", () => {
  const text = `TcpExt: SyncookiesSent ListenOverflows ListenDrops
TcpExt: 3 17 19
IpExt: InNoRoutes InTruncatedPkts
IpExt: 0
Tcp: RtoAlgorithm ActiveOpens
Tcp: 1 42
`;
  const c = parseCounters(text);
  assert.equal(c["TcpExt.ListenOverflows"], 17);
  assert.equal(c["Tcp.ActiveOpens"], 42);
  assert.equal(c["IpExt.InNoRoutes"], undefined, "a value line with the wrong length is not guessed at");
  assert.deepEqual(counterDeltas({ "TcpExt.ListenOverflows": 10 }, { "TcpExt.ListenOverflows": 17, "TcpExt.New": 2 }), {
    "TcpExt.ListenOverflows": 7,
    "TcpExt.New": 2,
  });
});

test("sysctl values and /proc fd links", () => {
  assert.equal(parseSysctlValue("4096\n"), 4096);
  assert.equal(parseSysctlValue("4096 8192\n"), null);
  assert.equal(socketInode("socket:[41234]"), 41234);
  assert.equal(socketInode("pipe:[5]"), null);
});

test("sock_diag: the dump request and a recorded reply, including a truncated message", () => {
  const req = buildDumpRequest(2, 7);
  assert.equal(req.length, 72);
  assert.equal(req.readUInt16LE(4), 20);
  assert.equal(req.readUInt32LE(8), 7);

  const msg = Buffer.alloc(16 + 72);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(20, 4);
  msg.writeUInt8(2, 16); // AF_INET
  msg.writeUInt8(10, 17); // LISTEN
  msg.writeUInt16BE(12345, 20);
  Buffer.from([127, 0, 0, 1]).copy(msg, 24);
  msg.writeUInt32LE(3, 16 + 56); // accept queue now
  msg.writeUInt32LE(5, 16 + 60); // its maximum
  msg.writeUInt32LE(777, 16 + 68);
  const req2 = Buffer.from(msg);
  req2.writeUInt8(12, 17); // a NEW_SYN_RECV request for the same port
  const done = Buffer.alloc(20);
  done.writeUInt32LE(20, 0);
  done.writeUInt16LE(3, 4);
  const reply = parseDiagReply(Buffer.concat([msg, req2, done]));
  assert.equal(reply.done, true);
  assert.equal(reply.sockets.length, 2);
  assert.deepEqual(listenerQueues(reply.sockets, 12345), [
    {
      port: 12345,
      localAddress: "127.0.0.1",
      acceptQueue: 3,
      acceptQueueMax: 5,
      synRecv: 1,
      established: 0,
      inode: 777,
    },
  ]);
  const truncated = parseDiagReply(msg.subarray(0, 40));
  assert.deepEqual(truncated, { sockets: [], done: false, error: 0 });
});
