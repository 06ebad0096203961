// `socketkit client`: the classic interactive echo client. It sends each line it reads and prints the reply;
// q, quit or exit ends the session. With stdin not a terminal it reads lines until EOF, so it can be scripted.

import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createConnection } from "../socket/functions.js";
import { OSError } from "../socket/errors.js";
import type { Socket } from "../socket/socket.js";
import { messages, parseLang, UsageError, type Messages } from "./messages.js";
import { parsePort } from "./options.js";

export const clientHelp = `Usage: socketkit client [--host localhost] [--port 12345] [--lang zh|en]

Connects to an echo server, sends each line you type and prints the reply; q, quit or exit ends the session.
With stdin not a terminal, it sends each line until EOF and prints each reply on its own line.`;

const QUIT_WORDS = new Set(["q", "quit", "exit"]);
/** How long a reply that does not end with the message (a server that is not an echo) may pause before we print it. */
const REPLY_IDLE_SECONDS = 1;

/** The server closed or reset the connection mid-session. */
class ServerGone extends Error {}

/**
 * Reads one reply. An echo server's reply ends with the message it answers, so reading stops there, however many
 * recv() calls a long reply takes; a reply that never ends so is printed once the server pauses.
 */
async function readReply(sock: Socket, message: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    sock.settimeout(parts.length === 0 ? null : REPLY_IDLE_SECONDS);
    let chunk: Buffer;
    try {
      chunk = await sock.recv(65536);
    } catch (err) {
      if (err instanceof OSError && err.errno === null) break; // timed out: the reply is complete
      throw new ServerGone(String(err), { cause: err });
    }
    if (chunk.length === 0) throw new ServerGone("EOF");
    parts.push(chunk);
    total += chunk.length;
    const reply = parts.length === 1 ? chunk : Buffer.concat(parts, total);
    if (total >= message.length && reply.subarray(total - message.length).equals(message)) return reply;
  }
  return Buffer.concat(parts, total);
}

async function session(sock: Socket, say: Messages, interactive: boolean): Promise<number> {
  // In a terminal readline shows the prompt and echoes what is typed; from a pipe it only reads lines.
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    crlfDelay: Infinity,
  });
  if (interactive) {
    rl.setPrompt(say.prompt);
    rl.prompt();
  }
  try {
    for await (const line of rl) {
      if (QUIT_WORDS.has(line.trim().toLowerCase())) break;
      if (line.length > 0) {
        const message = Buffer.from(line, "utf8");
        await sock.sendall(message);
        const reply = await readReply(sock, message);
        process.stdout.write(reply.toString("utf8") + "\n");
      }
      if (interactive) rl.prompt();
    }
  } finally {
    rl.close();
  }
  console.log(say.bye);
  return 0;
}

export async function client(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: "localhost" },
      port: { type: "string", default: "12345" },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(clientHelp);
    return 0;
  }
  const say = messages[parseLang(values.lang)];
  const where = `${values.host}:${values.port}`;
  const port = parsePort(values.port, "--port");
  let sock: Socket;
  try {
    sock = await createConnection([values.host, port]);
  } catch (err) {
    if (err instanceof OSError) throw new UsageError(say.cannotConnect(where, err.message), { cause: err });
    throw err;
  }
  try {
    return await session(sock, say, process.stdin.isTTY === true);
  } catch (err) {
    if (err instanceof ServerGone || err instanceof OSError) {
      console.error(say.serverGone(where));
      return 1;
    }
    throw err;
  } finally {
    sock.close();
  }
}
