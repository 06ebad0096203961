// The shape every lab experiment returns beside its own fields (its name, the verdict, the queues it sampled), and
// the error a run ends with when it needs root and does not have it.

import { isRoot } from "../libc/platform.js";
import type { QueueSample } from "./queue-sampler.js";
import type { Verdict } from "./verdict.js";

/** What every experiment's result carries beside its own fields; `N` is the experiment's name. */
export interface ExperimentResult<N extends string = string> {
  experiment: N;
  verdict: Verdict;
  /** Queue depths sampled during the run, for the pictures (experiments that fill queues). */
  series?: QueueSample[];
}

/** Thrown when an experiment needs root (to make a network namespace) and does not have it; exit code 3. */
export class MissingPrivilegeError extends Error {
  readonly exitCode = 3;
}

/**
 * Checks that this process is root before an experiment creates `what` (namespaces need CAP_SYS_ADMIN).
 * @throws MissingPrivilegeError "this experiment needs root to create <what>", the one sentence the CLI prints.
 */
export function requireRoot(what: string): void {
  if (!isRoot()) throw new MissingPrivilegeError(`this experiment needs root to create ${what}`);
}
