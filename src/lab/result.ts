// The one JSON shape of an experiment, which `sim X --json` and `lab X --json` both print: the options, the settings
// the model ran with, and a case per model run with its `setting`, label and `predicted`; the lab adds to each case
// what it `measured`, the claims and their verdict, and the evidence. Also the error a run ends with without root.

import type { SimConnection, SimCounters, SimObservation } from "../sim/listen-path.js";
import { isRoot } from "../libc/platform.js";
import type { Claim } from "./claims.js";
import type { Prediction } from "./experiment.js";
import type { Marker } from "./markers.js";
import type { ModelEnvironment } from "./model-environment.js";
import type { LoggedPacket } from "./packet.js";
import type { QueueSample } from "./queue-sampler.js";
import type { TimelineStep } from "./timeline.js";
import type { Verdict } from "./verdict.js";

/** What the model said for a case beside its prediction: its observation, counters and queues over time. */
export interface ModelDetail {
  observation: SimObservation;
  counters: SimCounters;
  series: QueueSample[];
  /** Every connection's timeline: `sim --timeline` only. */
  connections?: SimConnection[];
}

/** The part of a case that sim and lab share. */
export interface CaseRecord<P extends Prediction = Prediction> {
  /** What this case sets that the others do not, by sysctl name (`{ tcp_syncookies: 1 }`); `{}` for one case. */
  setting: Record<string, number>;
  label: string;
  zh: string;
  predicted: P;
  model: ModelDetail;
}

/** What a lab case recorded: the packets (null without a delay line), the queue samples, the story, its marks. */
export interface CaseEvidence {
  packets: LoggedPacket[] | null;
  series: QueueSample[];
  timeline: TimelineStep[];
  markers: Marker[];
}

/** A case as the lab reports it: the shared part, then what the run measured, its claims and their verdict. */
export interface LabCase<
  P extends Prediction = Prediction,
  E extends CaseEvidence = CaseEvidence,
> extends CaseRecord<P> {
  measured: P;
  claims: Claim[];
  verdict: Verdict;
  evidence: E;
}

/** The fields at the top of both records. */
interface RecordHead<N extends string, O> {
  experiment: N;
  options: O;
  /** The settings the model ran with: the experiment's namespaces' sysctls (sim: this one's) and the kernel. */
  settings: ModelEnvironment;
}

/** What `sim <name> --json` prints. */
export interface SimRecord<N extends string = string, O = Record<string, number | null>> extends RecordHead<N, O> {
  source: "sim";
  cases: CaseRecord[];
}

/** What every experiment's run returns and `lab <name> --json` prints; `N` is the experiment's name. */
export interface ExperimentResult<
  N extends string = string,
  O = Record<string, number | null>,
  C = LabCase,
> extends RecordHead<N, O> {
  source: "lab";
  cases: C[];
  /** Every case's claims joined: the lab exits 1 when they disagree. */
  verdict: Verdict;
}

/** Thrown when an experiment needs root (to make a network namespace) and does not have it; exit code 3. */
export class MissingPrivilegeError extends Error {
  readonly exitCode = 3;
  /** The same sentence in Chinese, for --lang zh. */
  readonly zh =
    "这个实验需要 root 权限：它要创建私有网络命名空间（在其中设置 sysctl、转发数据包），主机的设置不会被改动";
}

/**
 * Checks that this process is root before an experiment creates `what` (namespaces need CAP_SYS_ADMIN).
 * @throws MissingPrivilegeError "this experiment needs root to create <what>", the one sentence the CLI prints.
 */
export function requireRoot(what: string): void {
  if (!isRoot()) throw new MissingPrivilegeError(`this experiment needs root to create ${what}`);
}
