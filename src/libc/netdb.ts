// The host, service and protocol databases through libc's reentrant calls (gethostbyname2_r, gethostbyaddr_r,
// getnameinfo, getservbyname_r, getservbyport_r, getprotobyname_r), run on koffi's worker pool so that a slow
// name server never blocks the event loop. Results come back decoded; failures as Python's herror and gaierror.

import { promisify } from "node:util";
import { E } from "./errno.js";
import { GaiError, HError } from "./errors.js";
import { loadSyscalls } from "./syscalls.js";

export interface HostEntry {
  name: string;
  aliases: string[];
  family: number;
  addresses: Buffer[];
}

const FIRST_BUFFER = 8192;
const LARGEST_BUFFER = 1 << 20;
const POINTER = 8;

/** Runs one reentrant call on the worker pool, growing its scratch buffer while libc answers ERANGE. */
async function withGrowingBuffer(
  fn: { async: (...a: never[]) => void },
  args: (buf: Buffer) => unknown[],
): Promise<number> {
  const call = promisify(fn.async) as (...a: unknown[]) => Promise<number>;
  for (let size = FIRST_BUFFER; ; size *= 2) {
    const r = await call(...args(Buffer.alloc(size)));
    if (r !== E.ERANGE || size >= LARGEST_BUFFER) return r;
  }
}

function strings(list: unknown): string[] {
  const sys = loadSyscalls();
  const out: string[] = [];
  if (list === null) return out;
  for (let i = 0; ; i++) {
    const s = sys.decode(list, i * POINTER, "char *") as string | null;
    if (s === null) return out;
    out.push(s);
  }
}

function addresses(list: unknown, length: number): Buffer[] {
  const sys = loadSyscalls();
  const out: Buffer[] = [];
  for (let i = 0; ; i++) {
    const entry = sys.decode(list, i * POINTER, "void *");
    if (entry === null) return out;
    out.push(Buffer.from(sys.decode(entry, 0, "uint8_t", length) as number[]));
  }
}

interface RawHostent {
  h_name: string;
  h_aliases: unknown;
  h_addrtype: number;
  h_length: number;
  h_addr_list: unknown;
}

function hostEntry(ret: RawHostent, result: unknown[], herrno: number[]): HostEntry {
  if (result[0] === null || result[0] === undefined) {
    const code = herrno[0] ?? 1;
    throw new HError(code, loadSyscalls().hstrerror(code));
  }
  return {
    name: ret.h_name,
    aliases: strings(ret.h_aliases),
    family: ret.h_addrtype,
    addresses: addresses(ret.h_addr_list, ret.h_length),
  };
}

/** gethostbyname2_r(3): the host's official name, aliases and addresses of family `af`. @throws HError */
export async function hostByName(name: string, af: number): Promise<HostEntry> {
  const sys = loadSyscalls();
  const ret = {} as RawHostent;
  const result: unknown[] = [null];
  const herrno = [0];
  await withGrowingBuffer(sys.gethostbyname2R, (buf) => [name, af, ret, buf, buf.length, result, herrno]);
  return hostEntry(ret, result, herrno);
}

/** gethostbyaddr_r(3): the names for an address's bytes. @throws HError */
export async function hostByAddress(address: Uint8Array, af: number): Promise<HostEntry> {
  const sys = loadSyscalls();
  const ret = {} as RawHostent;
  const result: unknown[] = [null];
  const herrno = [0];
  await withGrowingBuffer(sys.gethostbyaddrR, (buf) => [
    address,
    address.length,
    af,
    ret,
    buf,
    buf.length,
    result,
    herrno,
  ]);
  return hostEntry(ret, result, herrno);
}

/** getnameinfo(3): [host, service] for sockaddr bytes. @throws GaiError */
export async function nameInfo(sockaddr: Buffer, flags: number): Promise<[string, string]> {
  const sys = loadSyscalls();
  const host = Buffer.alloc(1025);
  const serv = Buffer.alloc(32);
  const call = promisify(sys.getnameinfo.async) as (...a: unknown[]) => Promise<number>;
  const code = await call(sockaddr, sockaddr.length, host, host.length, serv, serv.length, flags);
  if (code !== 0) throw new GaiError(code, sys.gaiStrerror(code));
  const text = (b: Buffer) => b.subarray(0, b.indexOf(0)).toString("utf8");
  return [text(host), text(serv)];
}

/** getservbyname_r(3): the port (host order) or null when unknown. */
export async function serviceByName(name: string, proto: string | null): Promise<number | null> {
  const sys = loadSyscalls();
  const ret = {} as { s_port: number };
  const result: unknown[] = [null];
  await withGrowingBuffer(sys.getservbynameR, (buf) => [name, proto, ret, buf, buf.length, result]);
  // s_port is in network byte order in an int.
  return result[0] ? ((ret.s_port & 0xff) << 8) | ((ret.s_port >> 8) & 0xff) : null;
}

/** getservbyport_r(3): the service name or null when unknown. */
export async function serviceByPort(port: number, proto: string | null): Promise<string | null> {
  const sys = loadSyscalls();
  const ret = {} as { s_name: string };
  const result: unknown[] = [null];
  const networkOrder = ((port & 0xff) << 8) | ((port >> 8) & 0xff);
  await withGrowingBuffer(sys.getservbyportR, (buf) => [networkOrder, proto, ret, buf, buf.length, result]);
  return result[0] ? ret.s_name : null;
}

/** getprotobyname_r(3): the protocol number or null when unknown. */
export async function protocolByName(name: string): Promise<number | null> {
  const sys = loadSyscalls();
  const ret = {} as { p_proto: number };
  const result: unknown[] = [null];
  await withGrowingBuffer(sys.getprotobynameR, (buf) => [name, ret, buf, buf.length, result]);
  return result[0] ? ret.p_proto : null;
}
