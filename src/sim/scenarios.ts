// The lab's experiments as model runs, from the same options: what `socketkit sim <experiment>` prints.

import { simulate, type SimResult } from "./listen-path.js";
import type { SimParams } from "./params.js";

export type Scenario = "handshake" | "backlog" | "early-close" | "overflow" | "synqueue";
export const SCENARIOS: readonly Scenario[] = ["handshake", "backlog", "early-close", "overflow", "synqueue"];

export interface ScenarioOptions {
  backlog?: number;
  clients?: number;
  holdMs?: number;
  kernel?: SimParams["kernel"];
  sysctls?: Partial<SimParams>;
}

export interface ScenarioRun {
  label: string;
  result: SimResult;
}

/** The model runs behind one experiment (overflow and synqueue vary a sysctl, so they are several runs). */
export function runScenario(name: Scenario, o: ScenarioOptions = {}): ScenarioRun[] {
  const base: Partial<SimParams> = { ...o.sysctls, ...(o.kernel ? { kernel: o.kernel } : {}) };
  switch (name) {
    case "handshake":
      return [{ label: "one client, accept() at 100 ms", result: simulate({ ...base, backlog: 1, clients: 1, acceptFromMs: 100, observeAtMs: 50, durationMs: 200 }) }];
    case "backlog": {
      const backlog = o.backlog ?? 5;
      const clients = o.clients ?? 10;
      return [{ label: `listen(${backlog}), ${clients} clients, accept() from 300 ms`, result: simulate({ ...base, backlog, clients, observeAtMs: 300, acceptFromMs: 300, durationMs: 5000 }) }];
    }
    case "early-close": {
      const hold = o.holdMs ?? 1000;
      return [{ label: `client closes at once, accept() at ${hold} ms`, result: simulate({ ...base, backlog: 5, clients: 1, clientsCloseEarly: true, acceptFromMs: hold, observeAtMs: hold - 1, durationMs: hold + 10 }) }];
    }
    case "overflow": {
      const backlog = o.backlog ?? 2;
      const connectAtMs = [...Array.from({ length: backlog }, (_, i) => i * 150), ...Array(4).fill(backlog * 150)];
      return ([0, 1] as const).map((abort) => ({
        label: `tcp_abort_on_overflow=${abort}: ${backlog} queued, then a burst of 4 over a 100 ms round trip`,
        result: simulate({ ...base, backlog, clients: backlog + 4, connectAtMs, rttMs: 100, tcpSyncookies: 1, tcpAbortOnOverflow: abort, observeAtMs: backlog * 150 + 250, acceptFromMs: backlog * 150 + 500, durationMs: backlog * 150 + 2500 }),
      }));
    }
    case "synqueue": {
      const hold = o.holdMs ?? 400;
      return ([0, 1, 2] as const).map((cookies) => ({
        label: `tcp_syncookies=${cookies}: listen(8), tcp_max_syn_backlog 8, 16 SYNs, final ACKs held ${hold} ms`,
        result: simulate({ ...base, backlog: o.backlog ?? 8, clients: o.clients ?? 16, connectIntervalMs: 0.05, rttMs: 0.2, ackDelayMs: hold, tcpSyncookies: cookies, tcpMaxSynBacklog: 8, observeAtMs: hold / 2, durationMs: hold }),
      }));
    }
  }
}
