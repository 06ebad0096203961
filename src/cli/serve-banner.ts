// The line `socketkit serve` starts with: where it serves, where its listening socket came from (bound here,
// a worker group, a predecessor's hand-over, systemd), and the backlog the kernel reports for that socket
// (a listener's tcp_info carries sk_max_ack_backlog as "sacked"). Each figure is read at start-up, not assumed.

import type { ListenerOrigin } from "../deploy/listener-origin.js";
import { readSysctl } from "../kernel/sysctl.js";
import type { Lang } from "./messages.js";

/** What the banner states, each read from the socket or the kernel. */
export interface BannerFacts {
  /** "127.0.0.1:12345", "[::1]:12345". */
  where: string;
  origin: ListenerOrigin;
  /** The backlog the kernel reports for the listener. */
  backlog: number;
  /** The backlog --backlog asked for. */
  asked: number;
}

/** Where the socket came from, in `lang`. */
function originText(lang: Lang, o: ListenerOrigin): string {
  const zh = lang === "zh";
  switch (o.source) {
    case "bound":
      return zh ? "本进程绑定" : "bound here";
    case "group":
      return zh ? `工作进程组的套接字, 来自 pid ${o.pid}` : `the worker group's socket, from pid ${o.pid}`;
    case "handover":
      return zh ? `由 pid ${o.pid} 移交给 pid ${process.pid}` : `handed over by pid ${o.pid} to pid ${process.pid}`;
    case "systemd":
      return zh ? `来自 systemd: LISTEN_FDS, ${o.name}` : `from systemd: LISTEN_FDS, ${o.name}`;
  }
}

/** Why the backlog is not the one asked for: the kernel's cap, or a socket whose listen() was another's. */
function backlogNote(lang: Lang, f: BannerFacts): string {
  if (f.backlog === f.asked) return "";
  const zh = lang === "zh";
  if (f.origin.source !== "bound") {
    return zh
      ? `; --backlog ${f.asked} 只用于本进程绑定的套接字`
      : `; --backlog ${f.asked} applies only to a socket bound here`;
  }
  const somaxconn = readSysctl("net/core/somaxconn");
  if (somaxconn === f.backlog) {
    return zh
      ? `; 请求的是 ${f.asked}, 内核上限为 net.core.somaxconn = ${somaxconn}`
      : `; asked for ${f.asked}, the kernel caps it at net.core.somaxconn = ${somaxconn}`;
  }
  return zh
    ? `; 请求的是 ${f.asked}, 内核设为 ${f.backlog}`
    : `; asked for ${f.asked}, the kernel applied ${f.backlog}`;
}

/** The banner in `lang`. */
export function bannerLine(lang: Lang, f: BannerFacts): string {
  const details = `backlog ${f.backlog}, ${originText(lang, f.origin)}${backlogNote(lang, f)}`;
  return lang === "zh"
    ? `服务器已启动, 监听 ${f.where} (${details}), 按 Ctrl-C 停止`
    : `Serving on ${f.where} (${details}); press Ctrl-C to stop`;
}
