// inet_pton(3) and inet_ntop(3) in TypeScript: IPv4 and IPv6 addresses between text and bytes, printed as glibc prints them.
// Pure functions, so the socket layer and the kernel readers can check and print addresses without a system call.

/** Four bytes for a dotted quad ("127.0.0.1"), or null if `text` is not one. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Sixteen bytes for an IPv6 address ("::1", "fe80::1", "::ffff:1.2.3.4"), or null. A "%scope" suffix is not accepted here. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : [];
  const groups: number[] = [];
  const words = [...head, ...tail];
  let embedded: Uint8Array | null = null;
  if (words.length > 0 && words[words.length - 1]!.includes(".")) {
    embedded = parseIPv4(words[words.length - 1]!);
    if (embedded === null) return null;
    (tail.length > 0 ? tail : head).pop();
  }
  const parseGroup = (g: string) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : -1);
  const headNums = head.map(parseGroup);
  const tailNums = tail.map(parseGroup);
  if ([...headNums, ...tailNums].some((n) => n < 0)) return null;
  const explicit = headNums.length + tailNums.length + (embedded ? 2 : 0);
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  groups.push(...headNums, ...new Array<number>(8 - explicit).fill(0), ...tailNums);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (embedded) out.set(embedded, 12);
  return out;
}

export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** glibc's inet_ntop: the longest run of two or more zero groups becomes "::"; mapped and compatible IPv4 stay dotted. */
export function formatIPv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return out + formatIPv4(bytes.subarray(12));
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":";
  return out;
}
