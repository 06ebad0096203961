// `lab synqueue`'s options, as the command line, `sim synqueue` and the namespace child take them.

import type { OptionTable, OptionValues } from "../../experiment.js";
import { somaxconnOption } from "../../namespace-options.js";

/**
 * `--backlog N --clients N --max-syn-backlog N`: the listener, the SYNs sent at once, the SYN queue's sysctl;
 * `--somaxconn N` caps the backlog in the server's namespace.
 */
export const synQueueOptions = {
  backlog: { default: 8, min: 0, max: 256, help: { en: "the listen() backlog", zh: "listen() 的 backlog" } },
  clients: { default: 16, min: 1, max: 256, help: { en: "SYNs sent at once", zh: "同时发出的 SYN 数" } },
  "max-syn-backlog": {
    default: 8,
    min: 1,
    max: 4096,
    help: { en: "tcp_max_syn_backlog in the server's namespace", zh: "服务端命名空间中的 tcp_max_syn_backlog" },
  },
  somaxconn: somaxconnOption,
} satisfies OptionTable;

/** The option values a `lab synqueue` run and its model receive: numbers, null where unset. */
export type SynQueueOptions = OptionValues<typeof synQueueOptions>;
