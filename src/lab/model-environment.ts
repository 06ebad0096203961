// The settings a model run takes from this machine: the listen-path sysctls of the current network namespace and
// the kernel's version, with the model's own defaults where the kernel has no such file.

import { release } from "node:os";
import { readListenSysctls, SYSCTL_PATHS, type ListenSysctls } from "../kernel/sysctl.js";
import { DEFAULT_PARAMS, parseKernelVersion, type SimParams } from "../sim/params.js";

/** The kernel settings and version a model run assumes: this machine's, or the model's defaults. */
export type ModelEnvironment = Partial<SimParams>;

/** `sysctls` as model parameters; a value the kernel did not report (0 where 0 is impossible) takes the default. */
export function modelSettings(sysctls: ListenSysctls): ModelEnvironment {
  const or = (v: number, fallback: number) => (v > 0 ? v : fallback);
  return {
    somaxconn: or(sysctls.somaxconn, DEFAULT_PARAMS.somaxconn),
    tcpSyncookies: [0, 1, 2].includes(sysctls.tcpSyncookies)
      ? (sysctls.tcpSyncookies as 0 | 1 | 2)
      : DEFAULT_PARAMS.tcpSyncookies,
    tcpAbortOnOverflow: sysctls.tcpAbortOnOverflow === 1 ? 1 : 0,
    tcpMaxSynBacklog: or(sysctls.tcpMaxSynBacklog, DEFAULT_PARAMS.tcpMaxSynBacklog),
    tcpSynRetries: or(sysctls.tcpSynRetries, DEFAULT_PARAMS.tcpSynRetries),
    // 0 is a real setting here, and also what a kernel before 6.5 (no such file) behaves as.
    tcpSynLinearTimeouts: sysctls.tcpSynLinearTimeouts,
    tcpSynackRetries: or(sysctls.tcpSynackRetries, DEFAULT_PARAMS.tcpSynackRetries),
  };
}

/** This namespace's sysctls and this kernel's version, as model parameters. */
export function localModelEnvironment(): ModelEnvironment {
  return { ...modelSettings(readListenSysctls()), ...localKernel() };
}

/** This kernel's version alone: for experiments that set their own sysctls in a namespace of their own. */
export function localKernel(): ModelEnvironment {
  return { kernel: parseKernelVersion(release()) };
}

/**
 * `env` with the sysctls an experiment's options set (dotted names, as `namespaceSettings` gives them): what the
 * model assumes when the lab would set them in its own namespaces.
 */
export function envWith(env: ModelEnvironment, sysctls: Record<string, number>): ModelEnvironment {
  const current = { ...readListenSysctlsOf(env) };
  for (const [key, path] of Object.entries(SYSCTL_PATHS) as Array<[keyof ListenSysctls, string]>) {
    const value = sysctls[path.replace(/\//g, ".")];
    if (value !== undefined) current[key] = value;
  }
  return { ...env, ...modelSettings(current) };
}

/** The listen sysctls a model environment stands for (the model's defaults where it says nothing). */
function readListenSysctlsOf(env: ModelEnvironment): ListenSysctls {
  const p = { ...DEFAULT_PARAMS, ...env };
  return {
    somaxconn: p.somaxconn,
    tcpMaxSynBacklog: p.tcpMaxSynBacklog,
    tcpSyncookies: p.tcpSyncookies,
    tcpAbortOnOverflow: p.tcpAbortOnOverflow,
    tcpSynRetries: p.tcpSynRetries,
    tcpSynLinearTimeouts: p.tcpSynLinearTimeouts,
    tcpSynackRetries: p.tcpSynackRetries,
  };
}
