// Connected socket pairs over loopback TCP, for tests of the data path.

import { AF_INET, SOCK_STREAM, Socket } from "../../src/index.js";

/** A loopback TCP socket, typed as one: its addresses are (host, port) tuples. */
type TcpSocket = Socket<typeof AF_INET, typeof SOCK_STREAM>;

export interface TcpPair {
  client: TcpSocket;
  server: TcpSocket;
  listener: TcpSocket;
  close(): void;
}

export async function tcpPair(): Promise<TcpPair> {
  const listener = new Socket(AF_INET, SOCK_STREAM);
  listener.bind(["127.0.0.1", 0]);
  listener.listen();
  const client = new Socket(AF_INET, SOCK_STREAM);
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
