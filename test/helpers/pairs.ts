// Connected socket pairs over loopback TCP, for tests of the data path.

import { Socket } from "../../src/index.js";

export interface TcpPair {
  client: Socket;
  server: Socket;
  listener: Socket;
  close(): void;
}

export async function tcpPair(): Promise<TcpPair> {
  const listener = new Socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen();
  const client = new Socket();
  const accepting = listener.accept();
  await client.connect(listener.getsockname());
  const [server] = await accepting;
  return {
    client,
    server,
    listener,
    close() {
      client.close();
      server.close();
      listener.close();
    },
  };
}
