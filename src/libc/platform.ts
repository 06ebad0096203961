// The one check that keeps the Linux-only kernel backend from loading elsewhere.
// Everything in src/libc goes through it before touching koffi or libc.

/** Thrown when socketkit's kernel backend is used on a platform other than Linux. */
export class UnsupportedPlatformError extends Error {
  readonly code = "ERR_SOCKETKIT_PLATFORM";
  constructor(platform: string) {
    super(`socketkit's kernel backend supports Linux only; this process runs on ${platform}.`);
    this.name = "UnsupportedPlatformError";
  }
}

export function assertLinux(platform: string = process.platform): void {
  if (platform !== "linux") throw new UnsupportedPlatformError(platform);
}
