// The classic interactive echo client: type a line, see the server's reply; q, quit or exit to leave.
// Run: npx tsx examples/echo-client.ts
import { createInterface } from "node:readline";
import { createConnection } from "socketkit";

const sock = await createConnection(["localhost", Number(process.env.PORT ?? 12345)]);
const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "请输入内容: " });
rl.prompt();
for await (const line of rl) {
  if (["q", "quit", "exit"].includes(line.trim().toLowerCase())) break;
  if (line.length > 0) {
    await sock.sendall(Buffer.from(line));
    console.log((await sock.recv(1024)).toString());
  }
  rl.prompt();
}
rl.close();
sock.close();
console.log("Bye~~~");
