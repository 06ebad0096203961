// `lab overflow`'s options, as the command line, `sim overflow` and the namespace child take them.

import type { OptionTable, OptionValues } from "../../experiment.js";
import { somaxconnOption } from "../../namespace-options.js";

/**
 * `--backlog N --burst N --delay MS`: the full queue, the burst that meets it, and the line's one-way delay;
 * `--abort-on-overflow 0|1` runs one case of the two, `--somaxconn N` caps the backlog in the server's namespace.
 */
export const overflowOptions = {
  backlog: {
    default: 2,
    min: 0,
    max: 64,
    help: { en: "the listen() backlog, already full when the burst comes", zh: "listen() 的 backlog，突发到来时已满" },
  },
  burst: { default: 4, min: 1, max: 64, help: { en: "clients connecting at once", zh: "同时连接的客户端数" } },
  delay: { default: 50, min: 5, max: 200, help: { en: "one-way delay of the line, ms", zh: "线路单程延迟（毫秒）" } },
  "abort-on-overflow": {
    default: null,
    min: 0,
    max: 1,
    help: {
      en: "tcp_abort_on_overflow for one case only (default: 0, then 1)",
      zh: "只运行 tcp_abort_on_overflow 取此值的一种情形（默认先 0 后 1）",
    },
  },
  somaxconn: somaxconnOption,
} satisfies OptionTable;

/** The option values a `lab overflow` run and its model receive: numbers, null where unset. */
export type OverflowOptions = OptionValues<typeof overflowOptions>;
