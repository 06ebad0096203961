// Python's host, service and protocol look-ups: gethostbyname, gethostbyname_ex, gethostbyaddr, getnameinfo,
// getfqdn, getservbyname, getservbyport, getprotobyname. Each may ask a name server, so each returns a promise
// and runs in libc on koffi's worker pool (src/libc/netdb.ts); the event loop never waits for DNS.

import { hostname } from "node:os";
import * as C from "../libc/constants.js";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "../libc/inet.js";
import { hostByAddress, hostByName, nameInfo, protocolByName, serviceByName, serviceByPort } from "../libc/netdb.js";
import { getaddrinfoAsync } from "../libc/resolver.js";
import { decodeSockaddr, encodeInet, encodeInet6 } from "../libc/sockaddr.js";
import { gaiError } from "./address.js";
import { checkInt } from "./arguments.js";
import { GaiError, OSError } from "./errors.js";

function checkName(name: unknown, argument: string): string {
  if (typeof name !== "string") throw new TypeError(`${argument} must be a string, got ${typeof name}`);
  if (name.includes("\0")) throw new TypeError(`${argument} must not contain null character`);
  return name;
}

/** Python's setipaddr(): the address bytes and family `name` stands for, resolving names with getaddrinfo. */
async function addressOf(name: string, family: number): Promise<{ family: number; bytes: Uint8Array }> {
  if (name === "" && family !== C.AF_INET6) return { family: C.AF_INET, bytes: new Uint8Array(4) };
  if (name === "<broadcast>") return { family: C.AF_INET, bytes: new Uint8Array([255, 255, 255, 255]) };
  const v4 = family === C.AF_INET6 ? null : parseIPv4(name);
  if (v4) return { family: C.AF_INET, bytes: v4 };
  const v6 = family === C.AF_INET ? null : parseIPv6(name);
  if (v6) return { family: C.AF_INET6, bytes: v6 };
  try {
    const [first] = await getaddrinfoAsync(name, null, { family, type: 0, protocol: 0, flags: 0 });
    if (first === undefined) throw new GaiError(C.EAI_NONAME, "Name or service not known");
    const raw = decodeSockaddr(first.sockaddr, first.sockaddr.length);
    if (!("host" in raw)) throw new GaiError(C.EAI_NONAME, "Name or service not known");
    return { family: raw.family, bytes: raw.host };
  } catch (err) {
    throw gaiError(err);
  }
}

const format = (family: number, bytes: Uint8Array) => (family === C.AF_INET ? formatIPv4(bytes) : formatIPv6(bytes));

/** The IPv4 address of `hostname` as text, as Python's socket.gethostbyname(). @throws GaiError */
export async function gethostbyname(host: string): Promise<string> {
  const { bytes } = await addressOf(checkName(host, "hostname"), C.AF_INET);
  return formatIPv4(bytes);
}

/** [hostname, aliases, IPv4 addresses], as Python's gethostbyname_ex(). @throws GaiError, HError */
export async function gethostbynameEx(host: string): Promise<[string, string[], string[]]> {
  await addressOf(checkName(host, "hostname"), C.AF_INET);
  const entry = await hostByName(host, C.AF_INET);
  return [entry.name, entry.aliases, entry.addresses.map((a) => format(entry.family, a))];
}

/** [hostname, aliases, addresses] for an address (or a name, resolved first), as Python's gethostbyaddr(). @throws HError */
export async function gethostbyaddr(ipAddress: string): Promise<[string, string[], string[]]> {
  const { family, bytes } = await addressOf(checkName(ipAddress, "ip_address"), C.AF_UNSPEC);
  const entry = await hostByAddress(bytes, family);
  return [entry.name, entry.aliases, entry.addresses.map((a) => format(entry.family, a))];
}

/** [host, port] for a numeric socket address, as Python's getnameinfo((host, port), flags). @throws GaiError */
export async function getnameinfo(
  sockaddr: readonly [string, number, number?, number?],
  flags: number,
): Promise<[string, string]> {
  if (!Array.isArray(sockaddr) || sockaddr.length < 2 || sockaddr.length > 4) {
    throw new TypeError("getnameinfo() argument 1 must be a tuple (host, port[, flowinfo[, scope_id]])");
  }
  const [host, port, flowinfo = 0, scopeId = 0] = sockaddr;
  checkName(host, "host");
  checkInt(port, "port", 0, 65535);
  checkInt(flags, "flags", C.INT_MIN, C.INT_MAX);
  const v4 = parseIPv4(host);
  const v6 = v4 ? null : parseIPv6(host);
  if (v4 && sockaddr.length !== 2) throw new OSError(null, "IPv4 sockaddr must be 2 tuple");
  if (!v4 && !v6) throw new GaiError(C.EAI_NONAME, "Name or service not known");
  const raw = v4 ? encodeInet(v4, port) : encodeInet6(v6!, port, flowinfo, scopeId);
  return nameInfo(raw, flags);
}

/** The fully qualified name of `name` (this host when empty), as Python's socket.getfqdn(). */
export async function getfqdn(name = ""): Promise<string> {
  let chosen = name.trim();
  if (chosen === "" || chosen === "0.0.0.0" || chosen === "::") chosen = hostname();
  try {
    const [host, aliases] = await gethostbyaddr(chosen);
    return [host, ...aliases].find((n) => n.includes(".")) ?? host;
  } catch (err) {
    if (err instanceof OSError) return chosen;
    throw err;
  }
}

/** The port of a service name ("http" → 80), as Python's getservbyname(). @throws OSError "service/proto not found" */
export async function getservbyname(servicename: string, protocolname: string | null = null): Promise<number> {
  const port = await serviceByName(
    checkName(servicename, "servicename"),
    protocolname === null ? null : checkName(protocolname, "protocolname"),
  );
  if (port === null) throw new OSError(null, "service/proto not found");
  return port;
}

/** The service name of a port (22 → "ssh"), as Python's getservbyport(). @throws OSError "port/proto not found" */
export async function getservbyport(port: number, protocolname: string | null = null): Promise<string> {
  checkInt(port, "port", 0, 65535);
  const name = await serviceByPort(port, protocolname === null ? null : checkName(protocolname, "protocolname"));
  if (name === null) throw new OSError(null, "port/proto not found");
  return name;
}

/** The number of a protocol name ("tcp" → 6), as Python's getprotobyname(). @throws OSError "protocol not found" */
export async function getprotobyname(protocolname: string): Promise<number> {
  const proto = await protocolByName(checkName(protocolname, "protocolname"));
  if (proto === null) throw new OSError(null, "protocol not found");
  return proto;
}
