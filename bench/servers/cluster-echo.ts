// node:cluster echo for bench/workers.ts: WORKERS workers (default 2) serving one port, as a Node user would
// write it. Prints the port once every worker is listening.
import cluster from "node:cluster";
import net from "node:net";

const workers = Number(process.argv[2] ?? 2);
const port = Number(process.argv[3] ?? 0);
if (cluster.isPrimary) {
  let listening = 0;
  // Port 0 in a cluster would give each worker its own port: the primary finds a free one first.
  const probe = net.createServer().listen(port, "127.0.0.1", () => {
    const chosen = (probe.address() as net.AddressInfo).port;
    probe.close(() => {
      for (let i = 0; i < workers; i++) cluster.fork({ ECHO_PORT: String(chosen) });
      cluster.on("listening", () => {
        if (++listening === workers) process.stdout.write(`${chosen}\n`);
      });
    });
  });
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  net
    .createServer((conn) => {
      conn.on("error", () => {});
      conn.pipe(conn);
    })
    .listen({ host: "127.0.0.1", port: Number(process.env.ECHO_PORT), backlog: 4096 });
}
