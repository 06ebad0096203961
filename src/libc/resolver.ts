// getaddrinfo(3) through the binding table, synchronous (for bind, as Python resolves there) and on koffi's worker
// pool. Entries come back as raw sockaddr bytes; the socket layer decodes them into address tuples.

import { promisify } from "node:util";
import { EAI_SYSTEM } from "./constants.js";
import { koffi, lastErrno } from "./koffi.js";
import { ADDRINFO, loadSyscalls, type Syscalls } from "./syscalls.js";

export interface AddrInfoEntry {
  family: number;
  type: number;
  protocol: number;
  canonname: string;
  sockaddr: Buffer;
}

export interface AddrInfoHints {
  family: number;
  type: number;
  protocol: number;
  flags: number;
}

/** A resolver failure: `code` is getaddrinfo's EAI_* value (negative), with errno when it is EAI_SYSTEM. */
export class ResolverFailure {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly errno: number,
  ) {}
}

function hintsStruct(h: AddrInfoHints) {
  return {
    ai_flags: h.flags,
    ai_family: h.family,
    ai_socktype: h.type,
    ai_protocol: h.protocol,
    ai_addrlen: 0,
    ai_addr: null,
    ai_canonname: null,
    ai_next: null,
  };
}

function collect(b: Syscalls, code: number, out: unknown[], errnoAfter: number): AddrInfoEntry[] {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- internal: every caller maps it with gaiError()
  if (code !== 0) throw new ResolverFailure(code, b.gaiStrerror(code), code === EAI_SYSTEM ? errnoAfter : 0);
  const k = koffi();
  const entries: AddrInfoEntry[] = [];
  const head = out[0];
  try {
    for (let node = head; node;) {
      const ai = k.decode(node, ADDRINFO) as {
        ai_family: number;
        ai_socktype: number;
        ai_protocol: number;
        ai_addrlen: number;
        ai_addr: unknown;
        ai_canonname: string | null;
        ai_next: unknown;
      };
      const bytes = Buffer.from(new Uint8Array(k.view(ai.ai_addr as never, ai.ai_addrlen)));
      entries.push({
        family: ai.ai_family,
        type: ai.ai_socktype,
        protocol: ai.ai_protocol,
        canonname: ai.ai_canonname ?? "",
        sockaddr: bytes,
      });
      node = ai.ai_next;
    }
  } finally {
    b.freeaddrinfo(head);
  }
  return entries;
}

/** Resolves on the calling thread: only for numeric hosts, "localhost" and other /etc/hosts names in bind(). */
export function getaddrinfoSync(host: string | null, service: string | null, hints: AddrInfoHints): AddrInfoEntry[] {
  const b = loadSyscalls();
  const out: unknown[] = [null];
  const code = b.getaddrinfo(host, service, hintsStruct(hints), out);
  return collect(b, code, out, code === EAI_SYSTEM ? lastErrno() : 0);
}

/**
 * Resolves on koffi's worker pool, so DNS never blocks the event loop. A Buffer host is the name's bytes as
 * they are, NUL-terminated (Python's bytes host).
 */
export async function getaddrinfoAsync(
  host: string | Buffer | null,
  service: string | null,
  hints: AddrInfoHints,
): Promise<AddrInfoEntry[]> {
  const b = loadSyscalls();
  const out: unknown[] = [null];
  const call = promisify(b.getaddrinfo.async) as (...args: unknown[]) => Promise<number>;
  const code = await call(host, service, hintsStruct(hints), out);
  // errno from a worker thread is not ours to read; EAI_SYSTEM is reported without it.
  return collect(b, code, out, 0);
}
