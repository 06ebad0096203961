// The PROXY protocol header decoder: valid v1 and v2 headers, each way a header can be wrong, and the length
// rule the reader relies on (every byte before the known end is header; never a byte after it).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  buildProxyHeader,
  headerLength,
  parseProxyHeader,
  ProxyHeaderError,
  V2_SIGNATURE,
} from "../../src/deploy/proxy-header.js";

const MAX = 1024;

function v2(verCmd: number, famProto: number, body: Buffer): Buffer {
  const fixed = Buffer.from([verCmd, famProto, 0, 0]);
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, body]);
}

function decode(bytes: Buffer) {
  const length = headerLength(bytes, MAX);
  assert.equal(length, bytes.length, "the whole buffer is the header");
  return parseProxyHeader(bytes);
}

test("v1: TCP4, TCP6 and UNKNOWN lines decode to the original client and the balancer's destination", () => {
  assert.deepEqual(decode(Buffer.from("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n")), {
    version: 1,
    command: "PROXY",
    source: ["192.0.2.1", 56324],
    destination: ["198.51.100.7", 443],
    length: 45,
  });
  const six = decode(Buffer.from("PROXY TCP6 2001:db8::1 ::1 65535 0\r\n"));
  assert.deepEqual(
    [six.source, six.destination],
    [
      ["2001:db8::1", 65535],
      ["::1", 0],
    ],
  );
  const unknown = decode(Buffer.from("PROXY UNKNOWN ffff:f...f:ffff 1.2.3.4 1 2\r\n"));
  assert.deepEqual([unknown.command, unknown.source], ["PROXY", null]);
});

test("v2: TCP over IPv4 and IPv6, LOCAL, UNSPEC, Unix paths, and TLVs that are skipped", () => {
  const four = decode(buildProxyHeader(2, ["203.0.113.9", 40000], ["127.0.0.1", 8000]));
  assert.deepEqual(four, {
    version: 2,
    command: "PROXY",
    source: ["203.0.113.9", 40000],
    destination: ["127.0.0.1", 8000],
    length: 28,
  });
  const six = decode(buildProxyHeader(2, ["2001:db8:0:0:1::2", 1], ["::1", 2]));
  assert.deepEqual([six.source, six.destination, six.length], [["2001:db8::1:0:0:2", 1], ["::1", 2], 52]);
  assert.equal(decode(buildProxyHeader(2, null, null)).command, "LOCAL");
  assert.deepEqual(decode(v2(0x21, 0x00, Buffer.alloc(0))).source, null);
  const unix = Buffer.alloc(216);
  unix.write("/run/client.sock", 0);
  unix.write("/run/server.sock", 108);
  assert.deepEqual(decode(v2(0x21, 0x31, unix)).source, "/run/client.sock");
  const tlvs = Buffer.from([0x04, 0x00, 0x03, 1, 2, 3, 0x01, 0x00, 0x00]);
  const withTlvs = v2(
    0x21,
    0x11,
    Buffer.concat([buildProxyHeader(2, ["10.1.2.3", 9], ["10.0.0.1", 80]).subarray(16), tlvs]),
  );
  assert.deepEqual(decode(withTlvs).source, ["10.1.2.3", 9]);
});

/** Headers that must be refused, with the code and the words of the message. */
const bad: Array<[string, Buffer, string, RegExp]> = [
  ["HTTP instead of a header", Buffer.from("GET / HTTP/1.1\r\n"), "MALFORMED", /neither v1 nor v2/],
  ["lower-case proxy", Buffer.from("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), "MALFORMED", /neither v1 nor v2/],
  ["v1 ending in LF alone", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), "MALFORMED", /CR LF/],
  ["v1 port above 65535", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), "MALFORMED", /bad port "65536"/],
  ["v1 port with a leading zero", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"), "MALFORMED", /bad port "080"/],
  ["v1 negative port", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), "MALFORMED", /bad port/],
  ["v1 short IPv4 address", Buffer.from("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n"), "MALFORMED", /bad TCP4 address/],
  ["v1 IPv6 address under TCP4", Buffer.from("PROXY TCP4 ::1 5.6.7.8 1 2\r\n"), "MALFORMED", /bad TCP4 address/],
  ["v1 unknown protocol", Buffer.from("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), "MALFORMED", /unknown v1 protocol "UDP4"/],
  ["v1 with two spaces", Buffer.from("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), "MALFORMED", /6 fields/],
  ["v1 missing a port", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), "MALFORMED", /6 fields, got 5/],
  ["v1 line of 108 bytes", Buffer.from(`PROXY UNKNOWN ${"x".repeat(92)}\r\n`), "TOO_LONG", /longer than 107/],
  ["v1 with no end of line", Buffer.from(`PROXY TCP4 ${"1".repeat(200)}`), "TOO_LONG", /longer than 107/],
  [
    "v2 signature off by one byte",
    Buffer.from([...V2_SIGNATURE.subarray(0, 11), 0x0b, 0x21, 0x11, 0, 0]),
    "MALFORMED",
    /v2 signature/,
  ],
  ["v2 version 1", v2(0x11, 0x11, Buffer.alloc(12)), "MALFORMED", /v2 version 1/],
  ["v2 command 2", v2(0x22, 0x11, Buffer.alloc(12)), "MALFORMED", /v2 command 2/],
  ["v2 family 4", v2(0x21, 0x41, Buffer.alloc(12)), "MALFORMED", /family\/transport 0x41/],
  ["v2 IPv6 in 12 bytes", v2(0x21, 0x21, Buffer.alloc(12)), "MALFORMED", /address block of 12 bytes, needs 36/],
  [
    "v2 TLV past the end",
    v2(0x21, 0x11, Buffer.concat([Buffer.alloc(12), Buffer.from([1, 0, 9, 0])])),
    "MALFORMED",
    /TLV runs past/,
  ],
  [
    "v2 half a TLV",
    v2(0x21, 0x11, Buffer.concat([Buffer.alloc(12), Buffer.from([1, 0])])),
    "MALFORMED",
    /truncated v2 TLV/,
  ],
  ["v2 UDP", v2(0x21, 0x12, Buffer.alloc(12)), "UNSUPPORTED", /datagram/],
  ["v2 of 2,000 bytes", v2(0x21, 0x11, Buffer.alloc(1984)), "TOO_LONG", /2000 bytes exceeds 1024/],
];

for (const [what, bytes, code, message] of bad) {
  test(`refused: ${what} (${code})`, () => {
    assert.throws(
      () => {
        const length = headerLength(bytes, MAX);
        assert.notEqual(length, null, "a complete header or an error");
        parseProxyHeader(bytes.subarray(0, length!));
      },
      (err: unknown) => err instanceof ProxyHeaderError && err.code === code && message.test(err.message),
    );
  });
}

test("fed byte by byte, a valid header's length is unknown (v1: until its line ends, v2: for 16 bytes) and then exact", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1 as const, 2 as const),
      fc.ipV4(),
      fc.ipV6(),
      fc.integer({ min: 0, max: 65535 }),
      fc.boolean(),
      fc.uint8Array({ maxLength: 20 }),
      (version, ip4, ip6, port, useSix, trailer) => {
        const header = buildProxyHeader(version, [useSix ? ip6 : ip4, port], [useSix ? "::1" : "127.0.0.1", 80]);
        const stream = Buffer.concat([header, trailer]);
        const known = version === 1 ? header.length : 16;
        for (let n = 1; n < stream.length; n++) {
          assert.equal(headerLength(stream.subarray(0, n), MAX), n < known ? null : header.length);
        }
        assert.equal(headerLength(stream, MAX), header.length);
        const decoded = parseProxyHeader(header);
        assert.equal((decoded.source as [string, number])[1], port);
      },
    ),
    { numRuns: 300 },
  );
});
