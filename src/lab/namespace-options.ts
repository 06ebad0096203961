// Options that set a sysctl inside an experiment's own namespaces (root), declared once for every experiment that
// takes them; the model takes the same value (envWith), so `sim` predicts what the lab would run.

import type { OptionDeclaration } from "./experiment.js";

/** `--somaxconn N`: net.core.somaxconn, which caps every listen() backlog; unset, the namespace's own. */
export const somaxconnOption = {
  default: null,
  min: 0,
  max: 65535,
  sysctl: "net.core.somaxconn",
  help: {
    en: "net.core.somaxconn in the experiment's namespaces (caps the backlog)",
    zh: "实验命名空间中的 net.core.somaxconn（backlog 的上限）",
  },
} as const satisfies OptionDeclaration;

/** `--syn-retries N`: net.ipv4.tcp_syn_retries for the clients; unset, the namespace's own. */
export const synRetriesOption = {
  default: null,
  min: 1,
  max: 127,
  sysctl: "net.ipv4.tcp_syn_retries",
  help: { en: "net.ipv4.tcp_syn_retries for the clients", zh: "客户端的 net.ipv4.tcp_syn_retries" },
} as const satisfies OptionDeclaration;
