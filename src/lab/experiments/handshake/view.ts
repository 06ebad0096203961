// How `socketkit lab handshake` reads: each step with the accept queue's depth and every socket's repr, the packets
// on the wire (as root), the sequence diagram, what the fields mean, and the verdict; and as an SVG sequence diagram.

import { renderPackets } from "../../sequence-text.js";
import { sequenceSvg } from "../../svg.js";
import { paint, say, wrap, type View } from "../../view.js";
import { withVerdict } from "../../verdict.js";
import type { HandshakeResult } from "./result.js";

// Every row is the same width, so the lanes' bars line up.
const DIAGRAM = [
  "   client                         kernel (listening socket)                   application",
  "     |  connect(): SYN  ------------->|                                            |",
  "     |<-------------------  SYN-ACK   |  request in the SYN queue                  |",
  "     |  ACK  ------------------------>|  connection moves to the accept queue      |",
  "  connect() returns                   |                                            |",
  "     |                                |<---------------------------------  accept()|",
  "     |                                |  accept() returns a new socket ----------->|",
];

const STEPS_ZH: Record<string, string> = {
  "socket(), bind() and listen(1) on the server; socket() on the client":
    "服务端 socket()、bind() 和 listen(1); 客户端 socket()",
  "connect() has returned; the server has not called accept()": "connect() 已返回; 服务端还没有调用 accept()",
  "accept() has returned a new socket for the connection": "accept() 为这个连接返回了一个新 socket",
};

function stepLines(view: View, r: HandshakeResult): string[] {
  const queue = say(view, { en: "accept queue", zh: "accept 队列" });
  return r.steps.flatMap((s) => [
    `${s.t.toFixed(2).padStart(8)} ms  ${paint(view, "bold", view.lang === "zh" ? (STEPS_ZH[s.step] ?? s.step) : s.step)}  (${queue}: ${s.acceptQueue})`,
    // A repr is one long line; it wraps after its commas, under its own start.
    ...Object.entries(s.sockets).flatMap(([who, repr]) =>
      wrap(`${who.padEnd(9)} ${repr}`, view.width - 13, " ".repeat(10)).map((l) => `             ${l}`),
    ),
  ]);
}

function packetLines(view: View, r: HandshakeResult): string[] {
  if (!r.packets)
    return [
      "",
      say(view, {
        en: "(Run as root to see the SYN, SYN-ACK and ACK packets with their times.)",
        zh: "(以 root 运行可看到 SYN、SYN-ACK 和 ACK 数据包及其时间。)",
      }),
    ];
  return [
    "",
    say(view, {
      en: "On the wire (captured by the delay line between two private namespaces), ms:",
      zh: "线路上 (由两个私有网络命名空间之间的延迟线捕获), 毫秒:",
    }),
    ...renderPackets(r.packets),
  ];
}

function story(view: View, r: HandshakeResult): string[] {
  const [, connected, accepted] = r.steps;
  if (!connected || !accepted) return [];
  return say(view, {
    en: `connect() had returned at ${connected.t} ms with the connection waiting in the accept queue (depth ${connected.acceptQueue});\naccept() took it out at ${accepted.t} ms (depth ${accepted.acceptQueue}) and returned a new socket with its own fd.`,
    zh: `connect() 在 ${connected.t} ms 已返回, 连接在 accept 队列中等待 (深度 ${connected.acceptQueue});\naccept() 在 ${accepted.t} ms 取出它 (深度 ${accepted.acceptQueue}), 返回一个有自己 fd 的新 socket。`,
  }).split("\n");
}

/** The field notes in Chinese, for --lang zh (the result itself carries the English ones, as --json shows them). */
const FIELD_NOTES_ZH: Record<string, string> = {
  fd: "文件描述符: 进程用来指代内核套接字的编号 (每次 accept() 都会得到一个新的)",
  family: "地址族: AF_INET 是 IPv4 (AF_INET6 是 IPv6, AF_UNIX 是本地路径)",
  type: "SOCK_STREAM 是 TCP 的字节流 (SOCK_DGRAM 则是 UDP 数据报)",
  proto: "协议号: 0 让内核为字节流选择 TCP; 由 getaddrinfo() 创建的套接字显示 6 (TCP)",
  laddr: "本地地址 (getsockname): 监听套接字的端口, 或客户端在 connect() 时选定的临时端口",
  raddr: "远端地址 (getpeername): 只有已连接的套接字才有; 监听套接字永远没有",
};

/** The result as the terminal shows it. */
export function renderHandshake(r: HandshakeResult, view: View): string[] {
  const intro = say(view, {
    en: "The three-way handshake, on this kernel. Watch the accept queue: the client's connect() returns\nbefore the server calls accept(), because the kernel completes the handshake on its own.",
    zh: "本机内核上的三次握手。注意 accept 队列: 客户端的 connect() 在服务端调用 accept() 之前就返回了,\n因为握手由内核独自完成。",
  });
  return withVerdict(
    view,
    [
      ...intro.split("\n"),
      "",
      ...stepLines(view, r),
      ...packetLines(view, r),
      "",
      ...DIAGRAM,
      "",
      ...story(view, r),
      "",
      say(view, { en: "What the fields mean:", zh: "各字段的含义:" }),
      ...Object.entries(r.fields).flatMap(([field, note]) =>
        wrap(
          `  ${field.padEnd(7)} ${view.lang === "zh" ? (FIELD_NOTES_ZH[field] ?? note) : note}`,
          view.width,
          " ".repeat(10),
        ),
      ),
    ],
    r.verdict,
  );
}

/** The steps and, as root, the packets as an SVG sequence diagram. */
export function handshakeSvg(r: HandshakeResult): string {
  return sequenceSvg("lab handshake", r.timeline, r.packets ?? []);
}
