// The peer for bench/echo.ts and bench/idle.ts: a plain net.createServer echo, as a Node user would write it.
import net from "node:net";

const server = net.createServer((conn) => {
  conn.on("error", () => {});
  conn.pipe(conn);
});
// Exit normally on SIGTERM so that --cpu-prof and other exit-time reports get written.
process.on("SIGTERM", () => process.exit(0));
server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
