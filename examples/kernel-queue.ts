// What listen(backlog) really bounds: with listen(5) and no accept(), the kernel completes six handshakes
// (backlog + 1) and leaves the other clients retransmitting their SYN.
// Run: npx tsx examples/kernel-queue.ts
import { Socket } from "socketkit";

const server = new Socket();
server.bind(["127.0.0.1", 0]);
server.listen(5);
console.log(String(server));

const clients = Array.from({ length: 10 }, () => new Socket());
let completed = 0;
for (const c of clients) void c.connect(server.getsockname()).then(() => completed++);
await new Promise((r) => setTimeout(r, 300));
console.log(`${completed} of 10 connects completed with no accept() called`);

for (let i = 0; i < completed; i++) (await server.accept())[0].close();
await new Promise((r) => setTimeout(r, 1500));
console.log(`after draining the queue and one SYN retransmission: ${completed} of 10`);
for (const c of clients) c.close();
server.close();
