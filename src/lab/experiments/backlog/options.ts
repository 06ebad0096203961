// `lab backlog`'s options, as the command line, `sim backlog` and the namespace child take them.

import type { OptionTable, OptionValues } from "../../experiment.js";
import { somaxconnOption, synRetriesOption } from "../../namespace-options.js";

/**
 * `--backlog N --clients N`: the listen() backlog and how many clients connect, one after the other; `--drain-at S`:
 * when accept() starts; `--somaxconn N` and `--syn-retries N`: sysctls set in the experiment's own namespaces (root).
 */
export const backlogOptions = {
  backlog: { default: 5, min: 0, max: 65535, help: { en: "the listen() backlog", zh: "listen() 的 backlog" } },
  clients: { default: 10, min: 1, max: 2000, help: { en: "clients connecting", zh: "连接的客户端数" } },
  "drain-at": {
    default: 0.3,
    min: 0.05,
    max: 600,
    unit: "seconds",
    help: {
      en: "seconds after the first connect() when accept() starts draining the queue",
      zh: "第一次 connect() 之后多少秒开始用 accept() 清空队列",
    },
  },
  somaxconn: somaxconnOption,
  "syn-retries": synRetriesOption,
} satisfies OptionTable;

/** The option values a `lab backlog` run and its model receive: numbers, null where unset. */
export type BacklogOptions = OptionValues<typeof backlogOptions>;
