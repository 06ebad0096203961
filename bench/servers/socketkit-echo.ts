// Echo server on socketkit's Socket, for bench/echo.ts: prints its port, echoes until the peer closes.
import { createServer, type Socket } from "../../dist/index.js";

async function serve(conn: Socket): Promise<void> {
  try {
    for (;;) {
      const data = await conn.recv(65536);
      if (data.length === 0) break;
      await conn.sendall(data);
    }
  } catch {
    // A client that resets is the load generator going away; nothing to report.
  } finally {
    conn.close();
  }
}

// Exit normally on SIGTERM so that --cpu-prof and other exit-time reports get written.
process.on("SIGTERM", () => process.exit(0));
const server = createServer(["127.0.0.1", 0], { backlog: 4096 });
process.stdout.write(`${server.getsockname()[1]}\n`);
for (;;) {
  const [conn] = await server.accept();
  void serve(conn);
}
