// How `socketkit lab handshake` reads: each step with the accept queue's depth and every socket's repr, the claims
// with the records they rest on, the sequence of calls and packets as it happened (the queue beside it), what the
// fields mean, and the verdict; and as an SVG sequence diagram.

import { labLines } from "../../case-view.js";
import { renderSequence } from "../../sequence-text.js";
import { sequenceSvg } from "../../sequence-svg.js";
import { paint, say, wrap, type View } from "../../view.js";
import type { HandshakeCase, HandshakeResult } from "./result.js";

const STEPS_ZH: Record<string, string> = {
  "socket(), bind() and listen(1) on the server; socket() on the client":
    "服务端 socket()、bind() 和 listen(1)；客户端 socket()",
  "connect() has returned; the server has not called accept()": "connect() 已返回；服务端还没有调用 accept()",
  "accept() has returned a new socket for the connection": "accept() 为这个连接返回了一个新 socket",
};

/** The field notes in Chinese, for --lang zh (the result itself carries the English ones, as --json shows them). */
const FIELD_NOTES_ZH: Record<string, string> = {
  fd: "文件描述符：进程用来指代内核套接字的编号（每次 accept() 都会得到一个新的）",
  family: "地址族：AF_INET 是 IPv4（AF_INET6 是 IPv6，AF_UNIX 是本地路径）",
  type: "SOCK_STREAM 是 TCP 的字节流（SOCK_DGRAM 则是 UDP 数据报）",
  proto: "协议号：0 让内核为字节流选择 TCP；由 getaddrinfo() 创建的套接字显示 6（TCP）",
  laddr: "本地地址（getsockname）：监听套接字的端口，或客户端在 connect() 时选定的临时端口",
  raddr: "远端地址（getpeername）：只有已连接的套接字才有；监听套接字永远没有",
};

function stepLines(view: View, c: HandshakeCase): string[] {
  const queue = say(view, { en: "accept queue", zh: "accept 队列" });
  return c.evidence.steps.flatMap((s) => [
    `${s.t.toFixed(2).padStart(8)} ms  ${paint(view, "bold", view.lang === "zh" ? (STEPS_ZH[s.step] ?? s.step) : s.step)}  ${view.lang === "zh" ? `（${queue}：${s.acceptQueue}）` : `(${queue}: ${s.acceptQueue})`}`,
    // A repr is one long line; it wraps after its commas, under its own start.
    ...Object.entries(s.sockets).flatMap(([who, repr]) =>
      wrap(`${who.padEnd(9)} ${repr}`, view.width - 13, " ".repeat(10)).map((l) => `             ${l}`),
    ),
  ]);
}

function fieldLines(view: View, c: HandshakeCase): string[] {
  return [
    say(view, { en: "What the fields mean:", zh: "各字段的含义：" }),
    ...Object.entries(c.evidence.fields).flatMap(([field, note]) =>
      wrap(
        `  ${field.padEnd(7)} ${view.lang === "zh" ? (FIELD_NOTES_ZH[field] ?? note) : note}`,
        view.width,
        " ".repeat(10),
      ),
    ),
  ];
}

/** The result as the terminal shows it. */
export function renderHandshake(r: HandshakeResult, view: View): string[] {
  const intro = say(view, {
    en: "The three-way handshake, on this kernel. Watch the accept queue: the client's connect() returns\\nbefore the server calls accept(), because the kernel completes the handshake on its own.",
    zh: "本机内核上的三次握手。注意 accept 队列：客户端的 connect() 在服务端调用 accept() 之前就返回了，\\n因为握手由内核独自完成。",
  });
  const c = r.cases[0]!;
  const extra = (): string[] => [
    "",
    ...stepLines(view, c),
    "",
    ...renderSequence(view, c.evidence.timeline, c.evidence.packets ?? []),
    "",
    ...fieldLines(view, c),
  ];
  return labLines(view, r, intro.split("\\n"), { extra });
}

/** The calls and, as root, the packets as an SVG sequence diagram, the accept queue beside each row. */
export function handshakeSvg(r: HandshakeResult): string {
  const c = r.cases[0]!;
  return sequenceSvg("lab handshake", c.evidence.timeline, c.evidence.packets ?? []);
}
