// The process's platform checks: Linux only, which keeps the kernel backend from loading elsewhere (everything in
// src/libc goes through assertLinux before touching koffi or libc), and whether the process runs as root.

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

/** True when this process runs as root (uid 0), as private network namespaces and TUN devices need. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
