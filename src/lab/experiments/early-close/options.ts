// `lab early-close`'s options, as the command line, `sim early-close` and the namespace child take them.

import type { OptionTable, OptionValues } from "../../experiment.js";

/** `--hold MS`: how long the closed connection waits in the accept queue before accept(). */
export const earlyCloseOptions = {
  hold: {
    default: 1000,
    min: 1,
    max: 600_000,
    help: { en: "ms the closed connection waits before accept()", zh: "已关闭的连接在 accept() 前等待的毫秒数" },
  },
} satisfies OptionTable;

/** The option values a `lab early-close` run and its model receive, every one a number. */
export type EarlyCloseOptions = OptionValues<typeof earlyCloseOptions>;
