// `lab backlog`'s options, as the command line, `sim backlog` and the namespace child take them.

import type { OptionTable, OptionValues } from "../../experiment.js";

/** `--backlog N --clients N`: the listen() backlog and how many clients connect at once. */
export const backlogOptions = {
  backlog: { default: 5, min: 0, max: 65535, help: { en: "the listen() backlog", zh: "listen() 的 backlog" } },
  clients: { default: 10, min: 1, max: 2000, help: { en: "clients connecting at once", zh: "同时连接的客户端数" } },
} satisfies OptionTable;

/** The option values a `lab backlog` run and its model receive, every one a number. */
export type BacklogOptions = OptionValues<typeof backlogOptions>;
