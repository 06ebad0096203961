// A free TCP port on loopback for a test that must name its port before the program it starts can print one.

import { Socket } from "../../src/index.js";

/** A port nothing listens on now, found by binding to port 0 and letting go of it. */
export function freePort(): number {
  const probe = new Socket();
  try {
    probe.bind(["127.0.0.1", 0]);
    return probe.getsockname()[1];
  } finally {
    probe.close();
  }
}
