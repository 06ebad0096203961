// Capture files: the packets a run's delay lines carried, both directions, as a classic pcap file (microsecond
// timestamps, LINKTYPE_RAW: each record is the IP packet as the TUN device gave it) that tcpdump -r and Wireshark
// read. A run of several cases writes one file: every line's frames, in time order.

import { writeFileSync } from "node:fs";
import type { Frame } from "./capture.js";

/** pcap's magic number for microsecond timestamps, written in this machine's byte order as readers expect. */
const MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** LINKTYPE_RAW: the packet begins with its IPv4 or IPv6 header. */
const LINKTYPE_RAW = 101;
const SNAPLEN = 65535;

/** The 24-byte global header: version 2.4, UTC, snapshot length, link type. */
function globalHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(MAGIC_MICROSECONDS, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

/** One record: its 16-byte header (seconds, microseconds, captured and original length) and the packet. */
function record(frame: Frame): Buffer[] {
  const h = Buffer.alloc(16);
  const seconds = Math.floor(frame.atUs / 1e6);
  h.writeUInt32LE(seconds, 0);
  h.writeUInt32LE(Math.floor(frame.atUs - seconds * 1e6), 4);
  const kept = Math.min(frame.bytes.length, SNAPLEN);
  h.writeUInt32LE(kept, 8);
  h.writeUInt32LE(frame.bytes.length, 12);
  return [h, frame.bytes.subarray(0, kept)];
}

/** `frames` as the bytes of a pcap file, in time order. */
export function pcapFile(frames: readonly Frame[]): Buffer {
  const ordered = [...frames].sort((a, b) => a.atUs - b.atUs);
  return Buffer.concat([globalHeader(), ...ordered.flatMap(record)]);
}

/** Collects the frames of every delay line a run makes and writes them to one file at the end. */
export class PcapSink {
  private readonly frames: Frame[] = [];

  constructor(readonly path: string) {}

  /** Takes one line's frames (RunHooks.capture). */
  add = (frames: readonly Frame[]): void => {
    this.frames.push(...frames);
  };

  /** Writes the file; returns how many packets it holds. */
  write(): number {
    writeFileSync(this.path, pcapFile(this.frames));
    return this.frames.length;
  }
}
